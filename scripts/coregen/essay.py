"""Locate quotes in the essay and emit one oa:Annotation per (file, quote)."""

from __future__ import annotations

from ttl import ROOT, block, lit

ESSAY = ROOT.parent / "shared" / "sources" / "alvarez-velasco-unattainable-quest.txt"
TEXT = ESSAY.read_text(encoding="utf-8")
LINES = TEXT.split("\n")


class QuoteError(ValueError):
    """A quote is not a substring of the essay (or not on the line it is said to be on)."""


def locate(quote: str, line: int | None = None) -> tuple[int, int]:
    """(1-based line, number of occurrences in the essay) of a quote; ``line`` picks one."""
    hits = [i + 1 for i, text in enumerate(LINES) if quote in text]
    count = TEXT.count(quote)
    if not hits:
        raise QuoteError(f"not in the essay: {quote!r}")
    if line is not None and line not in hits:
        raise QuoteError(f"not on line {line}: {quote!r} (found on {hits})")
    return (line or hits[0]), count


def context(quote: str, line: int) -> tuple[str, str]:
    """A short prefix and suffix around the first occurrence on the line (for non-unique quotes)."""
    text = LINES[line - 1]
    at = text.index(quote)
    return text[max(0, at - 24):at], text[at + len(quote):at + len(quote) + 24]


class Annotations:
    """The annotations of one data file: quote -> key and bodies."""

    def __init__(self, registry: dict[str, str]):
        self.registry = registry  # key -> quote, across all files (keys must be unique)
        self.items: dict[str, dict] = {}

    def add(self, body: str, slug: str, quote: str, line: int | None = None) -> None:
        found, _ = locate(quote, line)
        key = f"l{found}-{slug}"
        item = self.items.get(quote)
        if item is None:
            if key in self.registry:
                raise QuoteError(f"annotation key used twice: {key}")
            self.registry[key] = quote
            item = self.items[quote] = {"key": key, "line": found, "bodies": []}
        if body not in item["bodies"]:
            item["bodies"].append(body)

    def render(self) -> str:
        out = []
        for quote, item in sorted(self.items.items(), key=lambda kv: (kv[1]["line"], kv[1]["key"])):
            out.append(annotation(item["key"], item["bodies"], quote, item["line"]))
        return "".join(out)


def annotation(key: str, bodies: list[str], quote: str, line: int) -> str:
    selector = f'[ a oa:TextQuoteSelector ;\n                oa:exact {lit(quote)}'
    if TEXT.count(quote) > 1:
        prefix, suffix = context(quote, line)
        selector += f" ;\n                oa:prefix {lit(prefix)} ;\n                oa:suffix {lit(suffix)}"
    target = ("[ a oa:SpecificResource ;\n            oa:hasSource ggwork:essay ;\n"
              f"            oa:hasSelector {selector} ] ]")
    return block(f"ggannotation:{key}", [
        ("a", "oa:Annotation"), ("oa:motivatedBy", "oa:describing"),
        ("oa:hasBody", bodies), ("gg:essayLine", str(line)), ("oa:hasTarget", target)])
