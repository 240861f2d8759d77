"""Blueprint 'sparql' (to be written)."""

from flask import Blueprint

bp = Blueprint("sparql", __name__)
