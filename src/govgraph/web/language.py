"""The reader's language: the languages the pages are offered in, which one a request
asks for, and the pages' own words in each.

>>> words = by_language({"statements": ("Statements", "Afirmaciones")})
>>> words["es"]["statements"], words["en"]["statements"]
('Afirmaciones', 'Statements')
"""

from __future__ import annotations

from flask import request

#: The languages of the labels and of the pages, English first (the fallback).
LANGUAGES = ("en", "es")


def reader_language() -> str:
    """The request's language by ``Accept-Language``, English when none is offered."""
    return request.accept_languages.best_match(LANGUAGES, default="en")


def by_language(words: dict[str, tuple[str, ...]]) -> dict[str, dict[str, str]]:
    """A table of words given as ``{key: (English, Spanish)}``, turned into one dict per language."""
    return {lang: {key: texts[i] for key, texts in words.items()} for i, lang in enumerate(LANGUAGES)}
