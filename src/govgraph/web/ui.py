"""Blueprint 'ui' (to be written)."""

from flask import Blueprint

bp = Blueprint("ui", __name__)
