"""The source registry, and every quote located and verified in its source's text.

Every ``oa:Annotation`` names its source (``oa:hasTarget/oa:hasSource``), which must be a
``gg:Source`` of the registry (``data/sources.ttl``); a source whose quotes are located has a
text: the file named by ``gg:textFile`` in the source-text directory (the ``source_texts``
setting), identified by the sha256 of its ``spdx:checksum``.

When a text is there, its sha256 is checked and each quote is placed in it
(:func:`govgraph.builder.locate.locate`): at its recorded ``oa:TextPositionSelector`` offsets
if it has them, else at its one occurrence (or the one its prefix/suffix surround). The
offsets, the prefix/suffix of a quote that occurs more than once and the ``gg:inSentence``
links are added where they are missing; any that disagree with the text fail the build,
each error naming the file and line of the annotation. When a text is absent, the recorded
locators are kept unverified, and the build says so. Texts are read, never copied.

>>> from rdflib import Graph
>>> data = Graph().parse(format="turtle", data='''
... @prefix gg: <https://w3id.org/govgraph/def#> . @prefix oa: <http://www.w3.org/ns/oa#> .
... @prefix spdx: <http://spdx.org/rdf/terms#> .
... <https://w3id.org/govgraph/id/work/doc> a gg:Source ; gg:textFile "doc.txt" ;
...   spdx:checksum [ spdx:algorithm spdx:checksumAlgorithm_sha256 ; spdx:checksumValue
...   "668b4fb68ab87519d21b2b39e769865cc1a377638dc46cae3f2533cac547e4ca" ] .
... <https://w3id.org/govgraph/id/annotation/a1> a oa:Annotation ; oa:hasTarget [
...   oa:hasSource <https://w3id.org/govgraph/id/work/doc> ;
...   oa:hasSelector [ a oa:TextQuoteSelector ; oa:exact "Two." ] ] .''')
>>> sources = registered_sources(data)
>>> checks = locate_quotes(data, sources, {URIRef("https://w3id.org/govgraph/id/work/doc"): "One. Two."})
>>> checks[URIRef("https://w3id.org/govgraph/id/work/doc")].located
1
>>> sorted(str(o) for o in data.objects(None, OA.start)), sorted(str(o) for o in data.objects(None, GG_IN_SENTENCE))
(['5'], ['https://w3id.org/govgraph/id/sentence/doc-2'])
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, XSD
from rdflib.term import Node

from govgraph.builder.locate import LocateError, Location, locate
from govgraph.errors import InputError
from govgraph.namespaces import OA, PREFIXES, SPDX, short_name

GG_SOURCE = URIRef(PREFIXES["gg"] + "Source")
GG_SENTENCE = URIRef(PREFIXES["gg"] + "Sentence")
GG_IN_SENTENCE = URIRef(PREFIXES["gg"] + "inSentence")
GG_SENTENCE_NUMBER = URIRef(PREFIXES["gg"] + "sentenceNumber")
GG_TEXT_FILE = URIRef(PREFIXES["gg"] + "textFile")
SENTENCE_BASE = PREFIXES["ggsentence"]
#: Most errors listed before "... and N more".
SHOWN_ERRORS = 30


@dataclass(frozen=True)
class RegisteredSource:
    """One entry of the registry: its IRI, its key (naming its sentences), its label and,
    when quotes are located in it, its text file and that text's sha256."""

    iri: URIRef
    key: str
    label: str
    text_file: str | None
    sha256: str | None
    license: str | None = None
    rights: str | None = None


@dataclass
class SourceCheck:
    """What the build found for one source: ``status`` is "verified" (its text was read and
    every quote found at its offsets), "absent" (it has a text file that is not there) or
    "no text" (nothing of it is quoted by position); ``quotes`` annotate it, ``located``
    of them have offsets."""

    source: RegisteredSource
    status: str
    quotes: int = 0
    located: int = 0

    def record(self) -> dict:
        """The manifest's entry for this source."""
        return {"label": self.source.label, "license": self.source.license, "rights": self.source.rights,
                "text_file": self.source.text_file, "sha256": self.source.sha256,
                "verified": self.status == "verified", "status": self.status,
                "quotes": self.quotes, "located": self.located}


def registered_sources(data: Graph) -> dict[URIRef, RegisteredSource]:
    """Every ``gg:Source`` of ``data``, by IRI. InputError for a text file without a sha256."""
    found = {}
    for iri in sorted(set(data.subjects(RDF.type, GG_SOURCE)), key=str):
        if not isinstance(iri, URIRef):
            continue
        text_file = data.value(iri, GG_TEXT_FILE)
        sha256 = next((str(data.value(c, SPDX.checksumValue)).lower() for c in data.objects(iri, SPDX.checksum)
                       if data.value(c, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256), None)
        if text_file is not None and sha256 is None:
            raise InputError(f"source registry: {short_name(iri)} names a text file but no sha256 "
                             "(spdx:checksum with spdx:algorithm spdx:checksumAlgorithm_sha256)")
        label = data.value(iri, RDFS.label) or data.value(iri, URIRef(PREFIXES["dcterms"] + "title")) or iri
        licence, rights = (data.value(iri, URIRef(PREFIXES["dcterms"] + p)) for p in ("license", "rights"))
        found[iri] = RegisteredSource(iri, str(iri).rstrip("/").rsplit("/", 1)[-1], str(label),
                                      str(text_file) if text_file is not None else None, sha256,
                                      str(licence) if licence is not None else None,
                                      str(rights) if rights is not None else None)
    return found


def read_texts(sources: dict[URIRef, RegisteredSource], text_dir: Path | None) -> dict[URIRef, str]:
    """The texts of the sources that have one in ``text_dir``; InputError when a text's
    sha256 is not the registered one (it is not the text the locators count in)."""
    texts = {}
    for source in sources.values():
        if source.text_file is None or text_dir is None:
            continue
        path = Path(text_dir) / source.text_file
        if not path.is_file():
            continue
        raw = path.read_bytes()
        digest = hashlib.sha256(raw).hexdigest()
        if digest != source.sha256:
            raise InputError(f"{path}: sha256 {digest} is not the one registered for {short_name(source.iri)} "
                             f"({source.sha256}): not the text its quotes are located in")
        try:
            texts[source.iri] = raw.decode("utf-8")
        except UnicodeDecodeError as err:
            raise InputError(f"{path}: not UTF-8 text: {err}") from None
    return texts


def sentence_iri(source: RegisteredSource, number: int) -> URIRef:
    """``ggsentence:<source key>-<n>``."""
    return URIRef(f"{SENTENCE_BASE}{source.key}-{number}")


@dataclass
class _Quote:
    annotation: Node
    target: Node
    source: URIRef
    exact: str
    prefix: str | None
    suffix: str | None
    quote_selector: Node
    position: Node | None


def _quotes(data: Graph) -> list[_Quote]:
    found = []
    for annotation in sorted(set(data.subjects(RDF.type, OA.Annotation)), key=str):
        for target in data.objects(annotation, OA.hasTarget):
            source = data.value(target, OA.hasSource)
            selectors = list(data.objects(target, OA.hasSelector))
            quote = next((s for s in selectors if (s, RDF.type, OA.TextQuoteSelector) in data), None)
            position = next((s for s in selectors if (s, RDF.type, OA.TextPositionSelector) in data), None)
            exact = data.value(quote, OA.exact) if quote is not None else None
            if source is None or exact is None:
                continue  # the shapes say what is missing
            text = {p: data.value(quote, getattr(OA, p)) for p in ("prefix", "suffix")}
            found.append(_Quote(annotation, target, source, str(exact),
                                *(str(v) if v is not None else None for v in text.values()), quote, position))
    return found


def locate_quotes(data: Graph, sources: dict[URIRef, RegisteredSource], texts: dict[URIRef, str],
                  where: Callable[[Node], str] = lambda node: "data") -> dict[URIRef, SourceCheck]:
    """Check and complete the locators of every quote of ``data`` in place (see the module
    docstring); return what was found per source. InputError lists every quote at fault."""
    checks = {iri: SourceCheck(s, "verified" if iri in texts else "absent" if s.text_file else "no text")
              for iri, s in sources.items()}
    errors = []
    for quote in _quotes(data):
        if quote.source not in sources:
            errors.append(f"{where(quote.annotation)}: {short_name(quote.annotation)}: its source "
                          f"{short_name(quote.source)} is not in the source registry (a gg:Source in data/)")
            continue
        check = checks[quote.source]
        check.quotes += 1
        try:
            located = _place(data, quote, sources[quote.source], texts.get(quote.source))
        except LocateError as err:
            errors.append(f"{where(quote.annotation)}: {short_name(quote.annotation)}: {err}")
            continue
        check.located += located
    if errors:
        more = f"\n  ... and {len(errors) - SHOWN_ERRORS} more" if len(errors) > SHOWN_ERRORS else ""
        raise InputError(f"{len(errors)} quote(s) not found in their source:\n  "
                         + "\n  ".join(errors[:SHOWN_ERRORS]) + more)
    return checks


def _place(data: Graph, quote: _Quote, source: RegisteredSource, text: str | None) -> int:
    """Verify or add one quote's locators; 1 if it ends up with offsets, else 0."""
    recorded = _recorded(data, quote)
    if text is None:
        _check_sentence_iris(data, quote, source)
        return int(recorded is not None)
    location = locate(text, quote.exact, quote.prefix, quote.suffix, recorded[0] if recorded else None)
    if recorded is not None and recorded[1] != location.end:
        raise LocateError(f"its oa:end {recorded[1]} is not {location.end}, where the quote ends")
    wanted = {sentence_iri(source, n) for n in location.sentences}
    stated = set(data.objects(quote.annotation, GG_IN_SENTENCE))
    if stated and stated != wanted:
        raise LocateError(f"it falls in {_names(wanted)}, not {_names(stated)}")
    _add_locators(data, quote, location, wanted, recorded is None)
    return 1


def _recorded(data: Graph, quote: _Quote) -> tuple[int, int] | None:
    if quote.position is None:
        return None
    start, end = data.value(quote.position, OA.start), data.value(quote.position, OA.end)
    try:
        return int(start), int(end)
    except (TypeError, ValueError):
        raise LocateError("its oa:TextPositionSelector needs one integer oa:start and oa:end") from None


def _check_sentence_iris(data: Graph, quote: _Quote, source: RegisteredSource) -> None:
    for iri in data.objects(quote.annotation, GG_IN_SENTENCE):
        number = str(iri).removeprefix(f"{SENTENCE_BASE}{source.key}-")
        if not (str(iri).startswith(SENTENCE_BASE) and number.isdigit()):
            raise LocateError(f"gg:inSentence {short_name(iri)} is not a sentence of {short_name(source.iri)}")


def _add_locators(data: Graph, quote: _Quote, location: Location, sentences: set, add_position: bool) -> None:
    # offsets and numbers are xsd:integer, not the Web Annotation model's xsd:nonNegativeInteger:
    # pyoxigraph 0.5.13's store rewrites the latter to xsd:integer, and the store must equal the dumps
    if add_position:
        position = BNode()
        data.add((quote.target, OA.hasSelector, position))
        data.add((position, RDF.type, OA.TextPositionSelector))
        data.add((position, OA.start, Literal(location.start, datatype=XSD.integer)))
        data.add((position, OA.end, Literal(location.end, datatype=XSD.integer)))
    for name, value in (("prefix", location.prefix), ("suffix", location.suffix)):
        if value is not None and getattr(quote, name) is None:
            data.add((quote.quote_selector, getattr(OA, name), Literal(value)))
    for iri in sentences:
        data.add((quote.annotation, GG_IN_SENTENCE, iri))


def _names(nodes) -> str:
    return ", ".join(sorted(short_name(n) for n in nodes))


def sentence_resources(data: Graph, sources: dict[URIRef, RegisteredSource]) -> Graph:
    """A ``gg:Sentence`` for every sentence an annotation of ``data`` points to: its source,
    its number and a label in English and Spanish (the build adds these; nobody types them)."""
    out = Graph()
    by_key = {s.key: s for s in sources.values()}  # a key is looked up, never searched: linear in links
    for annotation, iri in data.subject_objects(GG_IN_SENTENCE):
        key, _, number = str(iri).removeprefix(SENTENCE_BASE).rpartition("-")
        source = by_key.get(key) if str(iri).startswith(SENTENCE_BASE) and number.isdigit() else None
        if source is None:
            continue
        number = int(number)
        out.add((iri, RDF.type, GG_SENTENCE))
        out.add((iri, OA.hasSource, source.iri))
        out.add((iri, GG_SENTENCE_NUMBER, Literal(number, datatype=XSD.integer)))
        out.add((iri, RDFS.label, Literal(f"sentence {number} of “{source.label}”", lang="en")))
        out.add((iri, RDFS.label, Literal(f"oración {number} de «{source.label}»", lang="es")))
    return out


def verify_sources(sources, text_dir: Path | None, progress: Callable[[str], None] = lambda m: None) -> dict:
    """The build's step: locate and verify every quote of ``sources.data`` (a
    :class:`govgraph.builder.load.Sources`), add the sentences they fall in, and return the
    manifest's record of each registered source (verified or not). Says which texts are absent."""
    registry = registered_sources(sources.data)
    texts = read_texts(registry, text_dir)
    checks = locate_quotes(sources.data, registry, texts, sources.where)
    sources.data += sentence_resources(sources.data, registry)
    for check in checks.values():
        if check.status == "absent":
            where = f"in {text_dir}" if text_dir else "(GOVGRAPH_SOURCE_TEXTS is not set)"
            progress(f"  {short_name(check.source.iri)}: its text {check.source.text_file} is absent {where}: "
                     f"{check.quotes} quotes not verified, {check.quotes - check.located} not located")
    return {str(iri): check.record() for iri, check in checks.items()}


def summary(records: dict) -> str:
    """One line for the build's progress: how many quotes were verified in how many sources.

    >>> summary({"a": {"verified": True, "quotes": 3, "status": "verified"},
    ...          "b": {"verified": False, "quotes": 2, "status": "absent"}})
    '3 of 5 quotes verified in their texts (1 source verified, 1 text absent)'
    """
    quotes = sum(r["quotes"] for r in records.values())
    verified = sum(r["quotes"] for r in records.values() if r["verified"])
    counts = [sum(r["status"] == s for r in records.values()) for s in ("verified", "absent")]
    return (f"{verified} of {quotes} quotes verified in their texts ({counts[0]} source"
            f"{'s' if counts[0] != 1 else ''} verified, {counts[1]} text{'s' if counts[1] != 1 else ''} absent)")
