"""Blueprint 'meta' (to be written)."""

from flask import Blueprint

bp = Blueprint("meta", __name__)
