"""SHACL shapes for the core families (shapes/actors.ttl, instruments.ttl, relations.ttl) and
one invalid fixture per shape (tests/fixtures/shapes/<Shape>.invalid.ttl)."""

from __future__ import annotations

import ontology
from ttl import lit

HEAD = """@prefix ggsh: <https://w3id.org/govgraph/def/shapes#> .
@prefix gg: <https://w3id.org/govgraph/def#> .
@prefix oa: <http://www.w3.org/ns/oa#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

"""
FIX_HEAD = HEAD.replace("@prefix ggsh: <https://w3id.org/govgraph/def/shapes#> .\n", "") + """@prefix ggstate: <https://w3id.org/govgraph/id/state/> .
@prefix ggorg: <https://w3id.org/govgraph/id/org/> .
@prefix ggplace: <https://w3id.org/govgraph/id/place/> .
@prefix gggroup: <https://w3id.org/govgraph/id/group/> .
@prefix gginstrument: <https://w3id.org/govgraph/id/instrument/> .
@prefix ggrelation: <https://w3id.org/govgraph/id/relation/> .
@prefix ggannotation: <https://w3id.org/govgraph/id/annotation/> .
@prefix ggambiguity: <https://w3id.org/govgraph/id/ambiguity/> .
@prefix ggwork: <https://w3id.org/govgraph/id/work/> .

"""


def prop(path, name, message, severity=None, **constraints) -> str:
    """A property shape: path, name, message, constraints given as CURIE-valued keywords."""
    lines = [f"sh:path {path}"]  # no sh:name on property shapes: SHACL-SHACL cost is per triple
    lines += [f"sh:{k} {v}" for k, v in constraints.items()]
    if severity:
        lines.append(f"sh:severity sh:{severity}")
    lines.append(f"sh:message {lit(message)}")
    return "[\n        " + " ;\n        ".join(lines) + " ]"


def node(name, title, description, rule, targets, props, extra=()) -> str:
    """A named, described node shape with its target(s) and property shapes."""
    lines = ["a sh:NodeShape", f"sh:name {lit(title)}", f"sh:description {lit(description)}",
             f"rdfs:comment {lit('Enforces: ' + rule)}"]
    lines += [f"sh:targetClass {t}" for t in targets] + list(extra)
    if props:
        lines.append("sh:property " + " ,\n    ".join(props))
    return f"ggsh:{name}\n    " + " ;\n    ".join(lines) + " .\n\n"


def label_en(what) -> str:
    return prop("rdfs:label", "English label", f"a {what} needs an rdfs:label in English (@en)",
                qualifiedValueShape="[ sh:languageIn ( \"en\" ) ]", qualifiedMinCount="1")


def label_es(what) -> str:
    return prop("rdfs:label", "Spanish label", f"a {what} should have an rdfs:label in Spanish (@es)",
                severity="Warning", qualifiedValueShape="[ sh:languageIn ( \"es\" ) ]",
                qualifiedMinCount="1")


def quoted(what, exactly_one=False) -> str:
    extra = {"maxCount": "1"} if exactly_one else {}
    many = "exactly one" if exactly_one else "at least one"
    return prop("[ sh:inversePath oa:hasBody ]", "quote",
                f"a {what} must be the oa:hasBody of {many} oa:Annotation quoting the essay",
                minCount="1", **extra)


def gyear(path, name, what, exactly=False) -> str:
    card = {"minCount": "1", "maxCount": "1"} if exactly else {"maxCount": "1"}
    return prop(path, name, f"{what}: {path} must be {'exactly one' if exactly else 'at most one'} xsd:gYear",
                datatype="xsd:gYear", **card)


DATE_OR = "( [ sh:datatype xsd:gYear ] [ sh:datatype xsd:gYearMonth ] [ sh:datatype xsd:date ] )"


def lang_string(path, name, what) -> str:
    return prop(path, name, f"{what}: {path} is a language-tagged string (rdf:langString)",
                datatype="rdf:langString")


def fx_annotation(body: str, key: str) -> str:
    """A well-formed quote annotation for a fixture body (so only the shape under test fails)."""
    return (f"ggannotation:fx-{key} a oa:Annotation ;\n    oa:motivatedBy oa:describing ;\n"
            f"    oa:hasBody {body} ;\n    gg:essayLine 9 ;\n    oa:hasTarget [ a oa:SpecificResource ;\n"
            "        oa:hasSource ggwork:essay ;\n"
            "        oa:hasSelector [ a oa:TextQuoteSelector ; oa:exact \"did the same\" ] ] .\n")


ORG_CLASSES = ["gg:InternationalOrganisation", "gg:SupranationalBody", "gg:RegionalBloc",
               "gg:CountryGrouping", "gg:Company", "gg:GovernmentAgency", "gg:RegionalOffice",
               "gg:ResearchOrganisation", "gg:DataProject"]
BASES = " ".join(f"gg:{c[0]}" for c in ontology.SCHEMES[0][4])

ACTOR_SHAPES = [
    (node("StateShape", "state", "A state: an English label (Spanish should be there too), its ISO 3166-1 alpha-3, alpha-2 and numeric codes (one each, upper-case letters or three digits), the source of those codes (prov:wasDerivedFrom), and at least one essay quote.",
          "ISO codes from pycountry with their source; labels; provenance", ["gg:State"], [ label_es("state"),
              prop("gg:iso3166Alpha3", "ISO 3166-1 alpha-3", "a state has exactly one gg:iso3166Alpha3: three upper-case letters (xsd:string)", minCount="1", maxCount="1", datatype="xsd:string", pattern=lit("^[A-Z]{3}$")),
              prop("gg:iso3166Alpha2", "ISO 3166-1 alpha-2", "a state has exactly one gg:iso3166Alpha2: two upper-case letters (xsd:string)", minCount="1", maxCount="1", datatype="xsd:string", pattern=lit("^[A-Z]{2}$")),
              prop("gg:iso3166Numeric", "ISO 3166-1 numeric", "a state has exactly one gg:iso3166Numeric: three digits as a string (leading zeros kept)", minCount="1", maxCount="1", datatype="xsd:string", pattern=lit("^[0-9]{3}$")),
              prop("prov:wasDerivedFrom", "source of the codes", "a state names the source of its ISO codes and names with prov:wasDerivedFrom (an IRI)", minCount="1", nodeKind="sh:IRI"),
              quoted("state")]),
     "ggstate:XXX a gg:State ;\n    rdfs:label \"Testland\"@en , \"Testlandia\"@es ;\n    gg:iso3166Alpha3 \"xx\" ;\n    gg:iso3166Alpha2 \"XX\" ;\n    gg:iso3166Numeric \"999\" ;\n    prov:wasDerivedFrom <https://w3id.org/govgraph/id/dataset/pycountry-iso-3166-1> .\n" + fx_annotation("ggstate:XXX", "state")),
    (node("OrganisationShape", "organisation", "An organisation, office, agency, bloc, grouping, company or data project named in the essay: an English label, language-tagged alternative labels, and at least one essay quote.",
          "labels and provenance of organisations", ORG_CLASSES, [
              quoted("organisation")]),
     "ggorg:unquoted a gg:Company ;\n    rdfs:label \"Unquoted Ltd\"@en .\n"),
    (node("RegionalOfficeShape", "regional office", "A regional office covers at least one region (gg:coverage, a gg:Place).",
          "the office's coverage", ["gg:RegionalOffice"], [
              prop("gg:coverage", "coverage", "a regional office names at least one region it covers (gg:coverage, a gg:Place)", minCount="1", **{"class": "gg:Place"})]),
     "ggorg:office-nowhere a gg:RegionalOffice ;\n    rdfs:label \"Office for Nowhere\"@en .\n" + fx_annotation("ggorg:office-nowhere", "office")),
    (node("RegionalBlocShape", "regional bloc", "A regional bloc named by an acronym carries the essay's expansion of it (gg:fullName, exactly one, in English).",
          "acronym expansions", ["gg:RegionalBloc"], [
              prop("gg:fullName", "full name", "a regional bloc has exactly one gg:fullName, an English language-tagged string", minCount="1", maxCount="1", datatype="rdf:langString")]),
     "ggorg:xyz a gg:RegionalBloc ;\n    rdfs:label \"XYZ\"@en .\n" + fx_annotation("ggorg:xyz", "bloc")),
    (node("CollectiveActorShape", "collective actor", "A collective or unnamed actor: an English label, at least one essay quote, and at most one member count (a non-negative xsd:integer).",
          "labels, provenance and counts of collective actors", ["gg:CollectiveActor"], [ quoted("collective actor"),
              prop("gg:memberCount", "member count", "gg:memberCount is at most one non-negative xsd:integer", maxCount="1", datatype="xsd:integer", minInclusive="0")]),
     "gggroup:some-states a gg:CountryClass ;\n    rdfs:label \"some states\"@en ;\n    gg:memberCount \"many\" .\n" + fx_annotation("gggroup:some-states", "group")),
    (node("PlaceShape", "place", "A region, border or borderland named in the essay: an English label and at least one essay quote.",
          "labels and provenance of places", ["gg:Place"], [quoted("place")]),
     "ggplace:unquoted-border a gg:Border ;\n    rdfs:label \"unquoted border\"@en .\n"),
    (node("AmbiguityShape", "ambiguity note", "An ambiguity note says in English what is ambiguous and how it is modelled (rdfs:comment), names what it concerns (gg:concerns, IRIs), and quotes the essay.",
          "the ambiguity pattern of docs/data-model.md", ["gg:Ambiguity"], [
              prop("rdfs:comment", "explanation", "an ambiguity needs an English rdfs:comment saying what is ambiguous and how it is modelled", qualifiedValueShape="[ sh:languageIn ( \"en\" ) ]", qualifiedMinCount="1"),
              prop("gg:concerns", "concerns", "an ambiguity names at least one statement or resource it concerns (gg:concerns, an IRI)", minCount="1", nodeKind="sh:IRI"),
              quoted("ambiguity note")]),
     "ggambiguity:vague a gg:Ambiguity ;\n    rdfs:label \"Ambiguity: vague\"@en ;\n    rdfs:comment \"Something is vague.\"@en .\n" + fx_annotation("ggambiguity:vague", "ambiguity")),
]

BINDING = "( gg:NonBinding gg:BindingStatusNotStated )"

INSTRUMENT_SHAPES = [
    (node("InstrumentShape", "governance instrument", "An instrument named in the essay: an English label, at least one essay quote, at most one year / start year / end year (xsd:gYear), at most one binding status from gg:BindingStatusScheme (the essay calls none binding), language-tagged period label and purpose, and cited sources as IRIs.",
          "labels, provenance, dates as xsd:gYear, binding status", ["gg:Instrument"], [ quoted("instrument"),
              gyear("gg:year", "year", "an instrument"), gyear("gg:startYear", "start year", "an instrument"),
              gyear("gg:endYear", "end year", "an instrument"),
              gyear("gg:launchedIn", "launch year", "an instrument"),
              prop("gg:bindingStatus", "binding status", "gg:bindingStatus is at most one of gg:NonBinding, gg:BindingStatusNotStated (the essay calls no instrument binding)", maxCount="1", **{"in": BINDING}),
              prop("gg:citedSource", "cited source", "gg:citedSource names a bibliography entry (an IRI)", nodeKind="sh:IRI")]),
     "gginstrument:dated-wrongly a gg:Declaration ;\n    rdfs:label \"a declaration dated with a string\"@en ;\n    gg:year \"1984\" .\n" + fx_annotation("gginstrument:dated-wrongly", "instrument")),
    (node("MeetingShape", "meeting", "A meeting: an English label, at least one essay quote and exactly one date, as precise as the essay gives it (xsd:gYear, xsd:gYearMonth or xsd:date).",
          "dates of meetings", ["gg:Meeting"], [ quoted("meeting"),
              prop("gg:date", "date", "a meeting has exactly one gg:date: an xsd:gYear, xsd:gYearMonth or xsd:date", minCount="1", maxCount="1", **{"or": DATE_OR})]),
     "gginstrument:undated-meeting a gg:Meeting ;\n    rdfs:label \"an undated meeting\"@en .\n" + fx_annotation("gginstrument:undated-meeting", "meeting")),
    (node("VisaReimpositionShape", "visa reimposition", "A visa reimposition is dated by exactly one year (xsd:gYear).",
          "the year of visa reimpositions", ["gg:VisaReimposition"], [
              gyear("gg:year", "year", "a visa reimposition", exactly=True)]),
     "gginstrument:undated-visas a gg:VisaReimposition ;\n    rdfs:label \"undated visa reimposition\"@en .\n" + fx_annotation("gginstrument:undated-visas", "visas")),
    (node("RegionalStrategyShape", "regional strategy", "A regional strategy has exactly one start year and one end year (xsd:gYear).",
          "the period of strategies", ["gg:RegionalStrategy"], [
              gyear("gg:startYear", "start year", "a regional strategy", exactly=True),
              gyear("gg:endYear", "end year", "a regional strategy", exactly=True)]),
     "gginstrument:open-strategy a gg:RegionalStrategy ;\n    rdfs:label \"open-ended strategy\"@en ;\n    gg:startYear \"2020\"^^xsd:gYear .\n" + fx_annotation("gginstrument:open-strategy", "strategy")),
    (node("GlobalCompactShape", "global compact", "The essay calls the global compacts non-binding: each has gg:bindingStatus gg:NonBinding.",
          "the non-binding status of the compacts", ["gg:GlobalCompact"], [
              prop("gg:bindingStatus", "binding status", "a global compact has gg:bindingStatus gg:NonBinding (the essay: “non-binding agreements”)", hasValue="gg:NonBinding")]),
     "gginstrument:some-compact a gg:GlobalCompact ;\n    rdfs:label \"some compact\"@en ;\n    gg:bindingStatus gg:BindingStatusNotStated .\n" + fx_annotation("gginstrument:some-compact", "compact")),
]

RELATION_BASE = (
    node("QualifiedRelationShape", "qualified relation", "A qualified relation node: exactly one quote annotation, an English label, bases from gg:BasisScheme, dates as xsd:gYear / xsd:date / xsd:gYearMonth, language-tagged wording and qualifiers, cited sources as IRIs.",
         "exactly one quote per qualified relation; datatypes of dates", ["gg:QualifiedRelation"], [
             quoted("qualified relation", exactly_one=True),
             prop("gg:basis", "basis", "gg:basis values are concepts of gg:BasisScheme (a statement may rest on more than one reading)", **{"in": f"( {BASES} )"}),
             gyear("gg:year", "year", "a qualified relation"),
             prop("gg:asOf", "as of", "gg:asOf is at most one xsd:date", maxCount="1", datatype="xsd:date"),
             prop("gg:date", "date", "gg:date is at most one xsd:gYear, xsd:gYearMonth or xsd:date", maxCount="1", **{"or": DATE_OR}),
             prop("gg:citedSource", "cited source", "gg:citedSource names a bibliography entry (an IRI)", nodeKind="sh:IRI")]),
    "ggrelation:twice-quoted a gg:Impetus ;\n    rdfs:label \"impetus quoted twice\"@en ;\n    gg:impetusSource gginstrument:a ;\n    gg:impetusTarget gginstrument:b .\n"
    "gginstrument:a a gg:Initiative ;\n    rdfs:label \"a\"@en .\ngginstrument:b a gg:Initiative ;\n    rdfs:label \"b\"@en .\n"
    + fx_annotation("gginstrument:a", "a") + fx_annotation("gginstrument:b", "b")
    + fx_annotation("ggrelation:twice-quoted", "quote-1") + fx_annotation("ggrelation:twice-quoted", "quote-2"))

# relation class -> (subject role class, object role class, extra property shapes); None: no type
ROLE_CLASSES = {
    "TransitMovement": ("gg:CollectiveActor", None),
    "MigrantOrigin": ("gg:State", "gg:State"),
    "StateBorder": ("gg:Border", "gg:State"),
    "VisaReimpositionFor": ("gg:State", "gg:State"),
    "MeasureAdoption": ("gg:Actor", "gg:Instrument"),
    "DeportationAcceleration": ("gg:DeportationPractice", "gg:State"),
    "MigratoryCrisisSurfacing": (None, "gg:Place"),
    "Affiliation": ("org:Organization", "org:Organization"),
    "Signature": ("gg:Actor", "gg:Instrument"),
    "Accession": ("gg:Actor", "gg:Instrument"),
    "Impetus": ("gg:Instrument", "gg:Instrument"),
    "Partnership": ("gg:Actor", None),
    "UnitRelation": ("org:OrganizationalUnit", "org:Organization"),
    "OfficeLocation": ("gg:RegionalOffice", "gg:State"),
    "Funding": ("gg:Actor", "gg:Actor"),
    "BorderOutsourcingRelation": ("gg:Actor", "gg:Actor"),
    "Sponsorship": (None, "gg:Instrument"),
    "Support": (None, "gg:Actor"),
    "InstrumentFocus": ("gg:Instrument", "gg:State"),
    "Convening": ("gg:Meeting", "gg:Actor"),
    "Delineation": ("gg:RegionalStrategy", "gg:RegionalOffice"),
    "Coordination": ("gg:Actor", "gg:Instrument"),
    "FreeMovementRecognition": ("gg:State", "gg:Instrument"),
    "AgreementHolding": ("gg:Actor", "gg:Agreement"),
    "RoleAssignment": ("gg:Actor", "skos:Concept"),
    "GovernanceRole": ("gg:Actor", "skos:Concept"),
    "ResponsibilityAttribution": (None, "gg:Actor"),
    "Membership": ("gg:Actor", "org:Organization"),
}
EXACTLY_ONE_OBJECT = {"OfficeLocation", "UnitRelation", "Membership", "Funding", "Convening"}
EXTRA = {
    "Funding": [prop("gg:asOf", "as of", "a funding statement has exactly one gg:asOf (xsd:date)", minCount="1", maxCount="1", datatype="xsd:date")],
    "VisaReimpositionFor": [gyear("gg:year", "year", "a visa reimposition for a nationality", exactly=True)],
    "Convening": [prop("gg:date", "date", "a convening has exactly one gg:date (xsd:gYear, xsd:gYearMonth or xsd:date)", minCount="1", maxCount="1", **{"or": DATE_OR})],
}


def role_prop(role, cls_name, what, kind, exactly) -> str:
    card = {"minCount": "1", "maxCount": "1"} if exactly else {"minCount": "1"}
    typed = {"class": kind} if kind else {}
    req = "exactly one" if exactly else "at least one"
    msg = f"a gg:{cls_name} needs {req} {role}" + (f" (a {kind})" if kind else "")
    return prop(role, what, msg, **card, **(typed or {"nodeKind": "sh:IRI"}))


def relation_shape(rel) -> tuple[str, str]:
    """The shape of one qualified relation class, and its invalid fixture (object role missing)."""
    cls, l_en = rel[0], rel[1]
    s_role = f"gg:{rel[4][0]}" if rel[4] else "org:member"
    o_role = f"gg:{rel[5][0]}" if rel[5] else "org:organization"
    s_kind, o_kind = ROLE_CLASSES[cls]
    props = [role_prop(s_role, cls, "subject role", s_kind, False),
             role_prop(o_role, cls, "object role", o_kind, cls in EXACTLY_ONE_OBJECT), *EXTRA.get(cls, [])]
    shape = node(f"{cls}Shape", l_en, f"A gg:{cls} names its subject ({s_role}) and its object ({o_role}), typed as the relation requires; the reasoner derives the direct edge from them.",
                 f"the roles of gg:{cls}", [f"gg:{cls}"], props)
    fixture = (f"ggrelation:fx-{cls.lower()} a gg:{cls} ;\n    rdfs:label \"{l_en} without its object\"@en .\n"
               + fx_annotation(f"ggrelation:fx-{cls.lower()}", cls.lower()))
    return shape, fixture


def files() -> dict[str, str]:
    """Shape files and fixtures, relative to the repository root."""
    out = {}
    families = [("actors", "actors, organisations, collective actors, places and ambiguity notes (data/actors.ttl)", ACTOR_SHAPES),
                ("instruments", "instruments and meetings (data/instruments.ttl)", INSTRUMENT_SHAPES),
                ("relations", "qualified relations (data/relations.ttl)",
                 [RELATION_BASE] + [relation_shape(r) for r in ontology.RELATIONS])]
    for name, what, shapes in families:
        head = (f"# Shapes for {what}.\n# GENERATED by scripts/generate_core.py from scripts/coregen/shapes.py.\n"
                "# Musts are sh:Violation (the default); shoulds carry sh:severity sh:Warning.\n\n")
        out[f"shapes/{name}.ttl"] = head + HEAD + "".join(s for s, _ in shapes)
        for shape_text, fixture in shapes:
            local = shape_text.split("\n", 1)[0].removeprefix("ggsh:")
            out[f"tests/fixtures/shapes/{local}.invalid.ttl"] = (
                f"# Invalid fixture for ggsh:{local}: violates that shape (generated).\n" + FIX_HEAD + fixture)
    return out
