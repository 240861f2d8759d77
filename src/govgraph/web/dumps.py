"""Blueprint 'dumps' (to be written)."""

from flask import Blueprint

bp = Blueprint("dumps", __name__)
