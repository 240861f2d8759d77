"""The core TBox of govgraph (ontology/govgraph.ttl): header, terms, external declarations.

Each term: (local name, kind, English label, Spanish label, definition, supers, extras).
kind is C (class), O (object property), D (datatype property), A (annotation property),
K (SKOS concept of a scheme: supers holds the scheme). Extras are (predicate, object) pairs.
"""

from __future__ import annotations

from ttl import block, en, es, lit, prefix_block

ONT = "<https://w3id.org/govgraph/def>"
DEF = "rdfs:isDefinedBy"


def chain(first: str, second: str) -> tuple[str, str]:
    """owl:propertyChainAxiom ( inverse(first) second ): from the subject role to the object role."""
    return ("owl:propertyChainAxiom", f"( [ owl:inverseOf {first} ] {second} )")


HEADER = [
    ("a", "owl:Ontology"),
    ("owl:versionIRI", "<https://w3id.org/govgraph/def/0.1.0>"),
    ("owl:versionInfo", lit("0.1.0")),
    ("dcterms:title", [en("govgraph ontology: migration governance in the Americas"),
                       es("Ontología govgraph: gobernanza migratoria en las Américas")]),
    ("dcterms:description", [
        en("Terms for the actors, places, instruments and qualified relations of migration "
           "governance in the Americas as stated in Soledad Álvarez Velasco’s essay “An "
           "Unattainable Quest: Migration Governance, A Reflection from the Americas”, with "
           "Web Annotation quotes as the provenance of every statement. Qualified relations "
           "are nodes (who, whom, when, the quote, the cited work); their direct edges "
           "(gg:funds, gg:outsourcesBorderTo, ...) are derived by the reasoner through "
           "owl:propertyChainAxiom ( [ owl:inverseOf subjectRole ] objectRole ), never asserted. "
           "Date-valued properties are annotation properties because xsd:gYear and xsd:date are "
           "outside the OWL 2 datatype map; SHACL shapes enforce their datatypes."),
        es("Términos para los actores, lugares, instrumentos y relaciones cualificadas de la "
           "gobernanza migratoria en las Américas tal como los enuncia el ensayo de Soledad "
           "Álvarez Velasco, con citas literales (Web Annotation) como procedencia de cada "
           "enunciado.")]),
    ("dcterms:license", "<https://creativecommons.org/licenses/by/4.0/>"),
    ("dcterms:creator", lit("govgraph contributors")),
    ("dcterms:source", "<https://w3id.org/govgraph/id/work/essay>"),
    ("vann:preferredNamespacePrefix", lit("gg")),
    ("vann:preferredNamespaceUri", lit("https://w3id.org/govgraph/def#")),
    ("rdfs:comment", en(
        "Self-contained: external terms (PROV-O, ORG, SKOS, Web Annotation, DCTERMS, FOAF) are "
        "declared here, not imported. Figures (Data Cube), claims, concepts and "
        "bibliography terms are in ontology/knowledge.ttl.")),
]

EXTERNAL = {
    "owl:Class": [
        "prov:Agent", "prov:Person", "prov:Location", "prov:Entity", "prov:Activity",
        "prov:Influence", "org:Organization", "org:FormalOrganization",
        "org:OrganizationalUnit", "org:Membership", "foaf:Person", "foaf:Agent",
        "dcterms:Location", "oa:Annotation", "oa:SpecificResource", "oa:TextQuoteSelector",
        "oa:Motivation", "skos:Concept", "skos:ConceptScheme", "dcat:Dataset"],
    "owl:ObjectProperty": [
        "dcterms:relation", "oa:hasBody", "oa:hasTarget", "oa:hasSource", "oa:hasSelector",
        "oa:motivatedBy", "skos:inScheme", "skos:hasTopConcept", "skos:topConceptOf",
        "skos:broader", "skos:narrower", "org:member", "org:organization", "org:memberOf",
        "org:unitOf", "org:hasUnit", "org:linkedTo", "prov:influencer", "prov:atLocation",
        "prov:wasDerivedFrom"],
    "owl:DatatypeProperty": ["oa:exact", "oa:prefix", "oa:suffix"],
    "owl:AnnotationProperty": [
        "dcterms:title", "dcterms:description", "dcterms:source", "dcterms:date",
        "dcterms:temporal", "dcterms:identifier", "dcterms:subject", "dcterms:license",
        "dcterms:creator", "dcterms:spatial", "dcterms:extent", "skos:prefLabel", "skos:altLabel",
        "skos:hiddenLabel", "skos:definition", "skos:note", "skos:scopeNote",
        "vann:preferredNamespacePrefix", "vann:preferredNamespaceUri"],
}

RESTATED = [("org:FormalOrganization", "org:Organization"),
            ("org:OrganizationalUnit", "org:Organization"), ("org:Organization", "foaf:Agent"),
            ("prov:Person", "prov:Agent"), ("foaf:Person", "foaf:Agent")]

ACTORS = [
    ("Actor", "C", "actor", "actor",
     "Anything the essay presents as acting in migration governance: a state, an organisation, "
     "a unit of one, a grouping, a collective or a person.", ["prov:Agent"], []),
    ("State", "C", "state", "Estado",
     "A sovereign state, taken both as a political actor and as the territory it governs; "
     "identified by its ISO 3166-1 alpha-3 code.",
     ["gg:Actor", "org:FormalOrganization", "prov:Location"], []),
    ("InternationalOrganisation", "C", "international organisation", "organización internacional",
     "An intergovernmental organisation with a global remit, such as the UN or the IOM.",
     ["gg:Actor", "org:FormalOrganization"], []),
    ("SupranationalBody", "C", "supranational body", "organismo supranacional",
     "A body above the level of states to which states transfer powers (the essay: "
     "“supranational bodies like the European Union”, “supra-state bodies”); not a state.",
     ["gg:Actor", "org:FormalOrganization"], []),
    ("RegionalBloc", "C", "regional bloc", "bloque regional",
     "A regional community of states that the essay names as a framework of free circulation "
     "(CAN, MERCOSUR, CARICOM). Its members are not stated in the essay.",
     ["gg:Actor", "org:FormalOrganization"], []),
    ("CountryGrouping", "C", "country grouping", "agrupación de países",
     "An informal grouping of named countries without a stated organisation of its own "
     "(the “so-called Northern Triangle”).", ["gg:Actor", "org:Organization"], []),
    ("Company", "C", "company", "empresa",
     "A private-sector company.", ["gg:Actor", "org:FormalOrganization"], []),
    ("GovernmentAgency", "C", "government agency", "agencia gubernamental",
     "A unit of a state's government (a bureau, agency or office).",
     ["gg:Actor", "org:OrganizationalUnit"], []),
    ("RegionalOffice", "C", "regional office", "oficina regional",
     "An office of an international organisation that covers a region; its host country is "
     "given by a gg:OfficeLocation and its coverage by gg:coverage.",
     ["gg:Actor", "org:OrganizationalUnit"], []),
    ("ResearchOrganisation", "C", "research organisation", "organización de investigación",
     "An organisation that produces research or data on migration.",
     ["gg:Actor", "org:FormalOrganization"], []),
    ("DataProject", "C", "data project", "proyecto de datos",
     "A named project that collects and publishes migration data and to which a figure is "
     "attributed; who runs it may be unstated.", ["gg:Actor", "org:Organization"], []),
    ("CollectiveActor", "C", "collective actor", "actor colectivo",
     "A collective or unnamed actor the essay refers to without naming its members "
     "(“third countries”, “regional states”, “civil society”).", ["gg:Actor"], []),
    ("CountryClass", "C", "unnamed class of countries", "clase de países sin nombrar",
     "A class of countries the essay refers to without naming any of them.",
     ["gg:CollectiveActor"], []),
    ("PopulationGroup", "C", "population group", "grupo de población",
     "A group of people on the move, or a collective of people, described by the essay.",
     ["gg:CollectiveActor"], []),
    ("Person", "C", "person", "persona",
     "A human being named in the essay: its author or a scholar it cites.",
     ["gg:Actor", "foaf:Person", "prov:Person"], []),
]

PLACES = [
    ("Place", "C", "place", "lugar",
     "A geographical or geopolitical place the essay names, other than a state.",
     ["prov:Location", "dcterms:Location"], []),
    ("Region", "C", "region", "región", "A continental or sub-continental region.",
     ["gg:Place"], []),
    ("GeopoliticalRegion", "C", "geopolitical region", "región geopolítica",
     "A region defined by geopolitical position rather than geography (Global South, Global "
     "North).", ["gg:Region"], []),
    ("Border", "C", "border", "frontera",
     "A border or border section of one or two states, as named in the essay.",
     ["gg:Place"], []),
    ("BorderRegion", "C", "border region", "región fronteriza",
     "A borderland area that the essay does not tie to any state (the Darien Gap, the "
     "borderlands of the Americas).", ["gg:Place"], []),
]

INSTRUMENTS = [
    ("Instrument", "C", "governance instrument", "instrumento de gobernanza",
     "A compact, declaration, process, agreement, strategy, programme, provision, policy or "
     "practice through which migration is governed.", ["prov:Entity"], []),
    ("GlobalCompact", "C", "global compact", "pacto mundial",
     "An inter-governmentally negotiated global compact.", ["gg:Instrument"], []),
    ("Declaration", "C", "declaration", "declaración",
     "A declaration signed or sponsored by states.", ["gg:Instrument"], []),
    ("RegionalConsultativeProcess", "C", "regional consultative process",
     "proceso consultivo regional",
     "A regional consultative space of states on migration (the essay: “consultative "
     "spaces”).", ["gg:Instrument"], []),
    ("Initiative", "C", "initiative", "iniciativa",
     "A launched intergovernmental initiative, or a set of initiatives.", ["gg:Instrument"], []),
    ("Agreement", "C", "agreement", "acuerdo", "An intergovernmental agreement.",
     ["gg:Instrument"], []),
    ("FreedomOfCirculationAgreement", "C", "freedom of circulation agreement",
     "acuerdo de libre circulación",
     "An agreement that establishes freedom of circulation among the countries of a bloc or "
     "grouping.", ["gg:Agreement"], []),
    ("RegionalStrategy", "C", "regional strategy", "estrategia regional",
     "A strategy for a region, with a period of validity.", ["gg:Instrument"], []),
    ("Programme", "C", "programme", "programa",
     "A programme of activities such as training or capacity building.", ["gg:Instrument"], []),
    ("ConstitutionalProvision", "C", "constitutional provision", "disposición constitucional",
     "A recognition of a right in national constitutions.", ["gg:Instrument"], []),
    ("PolicyMeasure", "C", "policy or measure", "política o medida",
     "A policy, measure or practice of control, or a class of them.", ["gg:Instrument"], []),
    ("VisaReimposition", "C", "visa reimposition", "reimposición de visados",
     "A state's reimposition of visa requirements on some nationals.", ["gg:PolicyMeasure"], []),
    ("BorderPolicing", "C", "border policing or militarisation",
     "vigilancia o militarización fronteriza",
     "Policing of borders, its redoubling or its militarisation.", ["gg:PolicyMeasure"], []),
    ("DeportationPractice", "C", "deportation practice", "práctica de deportación",
     "The practice of deporting migrants, or its acceleration.", ["gg:PolicyMeasure"], []),
    ("BorderOutsourcing", "C", "border outsourcing", "externalización de fronteras",
     "Moving the control of a border to third countries to control mobility remotely.",
     ["gg:PolicyMeasure"], []),
    ("SecurityMeasure", "C", "security measure", "medida de seguridad",
     "A security measure for the control of migration flows.", ["gg:PolicyMeasure"], []),
    ("ExclusionPractice", "C", "exclusion practice", "práctica de exclusión",
     "A practice that keeps irregularized migrants away from destinations.",
     ["gg:PolicyMeasure"], []),
    ("Meeting", "C", "meeting", "reunión",
     "An intergovernmental meeting, convened at a stated date.", ["prov:Activity"], []),
]

PROVENANCE = [
    ("evidence", "O", "evidence", "evidencia",
     "From a statement or resource to the Web Annotation that quotes the essay for it. The "
     "inverse of oa:hasBody: derived by the reasoner, never asserted.",
     [], [("owl:inverseOf", "oa:hasBody")]),
    ("essayLine", "A", "essay line", "línea del ensayo",
     "The 1-based line of the essay file on which an annotation's quote occurs.", [],
     [("rdfs:seeAlso", "oa:TextPositionSelector")]),
    ("basis", "O", "basis", "fundamento",
     "The kind of reading a statement rests on: the essay's explicit words, or an ellipsis, "
     "anaphora, distributive reading... (a concept of gg:BasisScheme).", ["dcterms:relation"], []),
    ("Ambiguity", "C", "ambiguity", "ambigüedad",
     "A place where the essay is ambiguous, with what is ambiguous and how it is modelled "
     "(rdfs:comment), the statements or resources it concerns, and its own quote.",
     ["prov:Entity"], []),
    ("concerns", "A", "concerns", "concierne a",
     "From an ambiguity to the statement or resource it affects.", ["dcterms:subject"], []),
    ("qualifier", "A", "qualifier", "calificador",
     "A hedge or qualification the essay puts on a value or a statement, kept apart from it "
     "(“approximately”, “around”, “more than”, “amongst others”, “most of those migrants”).",
     ["skos:note"], []),
    ("wording", "A", "essay wording", "formulación del ensayo",
     "The essay's own words for a relation or role, as printed.", ["skos:note"], []),
    ("inventoryRef", "A", "inventory reference", "referencia del inventario",
     "The ID of an item of the reference inventory (essay/inventory.md) that this resource "
     "covers, such as REL-48; used to count coverage.", ["dcterms:identifier"], []),
    ("citedSource", "A", "cited source", "fuente citada",
     "The bibliography entry the essay cites for a statement.", ["dcterms:source"], []),
    ("citedPage", "A", "cited page", "página citada",
     "The page locator the essay gives with the citation of a statement.", ["skos:note"], []),
    ("year", "A", "year", "año", "The year (xsd:gYear) of an event, instrument or statement.",
     ["dcterms:date"], []),
    ("date", "A", "date", "fecha",
     "The date of an event, as precise as the essay gives it (xsd:gYear, xsd:gYearMonth or "
     "xsd:date).", ["dcterms:date"], []),
    ("asOf", "A", "as of", "a fecha de",
     "The date (xsd:date) as of which a statement holds.", ["dcterms:date"], []),
    ("startYear", "A", "start year", "año de inicio",
     "The first year (xsd:gYear) of a period.", ["dcterms:temporal"], []),
    ("endYear", "A", "end year", "año final", "The last year (xsd:gYear) of a period.",
     ["dcterms:temporal"], []),
    ("periodLabel", "A", "period label", "etiqueta del periodo",
     "The essay's own expression of a date or period, as printed (“April 2022”, "
     "“2020–2024”).", ["dcterms:temporal"], []),
    ("iso3166Alpha3", "A", "ISO 3166-1 alpha-3 code", "código ISO 3166-1 alfa-3",
     "The three-letter ISO 3166-1 code of a state.", ["dcterms:identifier"], []),
    ("iso3166Alpha2", "A", "ISO 3166-1 alpha-2 code", "código ISO 3166-1 alfa-2",
     "The two-letter ISO 3166-1 code of a state.", ["dcterms:identifier"], []),
    ("iso3166Numeric", "A", "ISO 3166-1 numeric code", "código ISO 3166-1 numérico",
     "The three-digit ISO 3166-1 numeric code of a state, as a string with its leading zeros.",
     ["dcterms:identifier"], []),
    ("demonym", "A", "demonym", "gentilicio",
     "A demonym by which the essay refers to a state's nationals (“Venezuelan”).",
     ["skos:hiddenLabel"], []),
    ("fullName", "A", "full name", "nombre completo",
     "The expansion of an acronym as the essay gives it.", ["skos:altLabel"], []),
    ("coverage", "A", "coverage", "cobertura",
     "A region an office or organisation covers.", ["dcterms:spatial"], []),
    ("launchedIn", "A", "launched in", "lanzado en",
     "The year (xsd:gYear) an instrument was launched, where the essay says “launched”.",
     ["gg:year"], []),
    ("establishedIn", "A", "established in", "establecida en",
     "The year (xsd:gYear) an organisation was established.", ["dcterms:date"], []),
    ("purpose", "A", "purpose", "propósito",
     "The stated purpose of an instrument or measure, in the essay's words as printed.",
     ["dcterms:description"], []),
    ("bibliographyEntry", "A", "bibliography entry", "entrada bibliográfica",
     "The entry of the essay's bibliography that is the document of this resource.",
     ["dcterms:source"], []),
    ("memberCount", "A", "member count", "número de miembros",
     "The number of members (xsd:integer) the essay gives for a group (“all 193 UN member "
     "states”).", ["dcterms:extent"], []),
    ("bindingStatus", "O", "binding status", "carácter vinculante",
     "Whether the essay calls an instrument non-binding, or is silent about it where a reader "
     "might expect it to say (a concept of gg:BindingStatusScheme). No instrument is called "
     "binding in the essay.", ["dcterms:relation"], []),
]

from ontology_relations import RELATIONS  # noqa: E402  (re-exported)

EXTRA_PROPS = [
    ("QualifiedRelation", "C", "qualified relation", "relación cualificada",
     "A node for one relationship stated in the essay: who, whom, when, the quote and the "
     "cited work; the reasoner derives its direct edge.", ["prov:Influence"], []),
    ("measure", "O", "measure", "medida",
     "The policy, measure or instrument a qualified relation is about.",
     ["dcterms:relation"], []),
    ("throughUnit", "O", "through unit", "a través de la unidad",
     "A unit through which an actor acts in a relation (non-exhaustive where the essay says "
     "“and other units”).", ["dcterms:relation"], []),
    ("headingTo", "O", "heading to", "con destino a",
     "The destination of the migrations a measure targets.", ["dcterms:relation"], []),
    ("hasOfficeIn", "O", "has an office in", "tiene una oficina en",
     "An organisation having a unit located in a country: derived from gg:unitOf and "
     "gg:officeLocatedIn.", ["prov:atLocation"],
     [("owl:propertyChainAxiom", "( [ owl:inverseOf gg:unitOf ] gg:officeLocatedIn )")]),
    ("supports", "O", "supports", "apoya", "The inverse of gg:supportedBy.", ["dcterms:relation"],
     [("owl:inverseOf", "gg:supportedBy")]),
]

SCHEMES = [
    ("BasisScheme", "bases of statements", "fundamentos de los enunciados",
     "The kinds of reading a statement drawn from the essay rests on.", [
         ("ExplicitStatement", "explicit statement", "enunciado explícito",
          "The essay states it in so many words."),
         ("Ellipsis", "ellipsis", "elipsis",
          "Read from an elliptical phrase such as “did the same”."),
         ("Anaphora", "anaphora", "anáfora",
          "Read by resolving a referring expression such as “the first two” or “Their”."),
         ("DistributiveReading", "distributive reading", "lectura distributiva",
          "A shared modifier or head noun read as applying to each item of a list "
          "(“Both offices, delineated ...”)."),
         ("CompoundName", "compound name", "nombre compuesto",
          "Read from a compound name such as “Peru-Chile” or “US-Mexican”."),
         ("DescriptiveName", "descriptive name", "nombre descriptivo",
          "Read from the descriptive name of a resource (an office named for the regions it "
          "covers).")]),
    ("BindingStatusScheme", "binding status", "carácter vinculante",
     "Whether the essay calls an instrument binding.", [
         ("NonBinding", "non-binding", "no vinculante",
          "The essay calls the instrument non-binding."),
         ("BindingStatusNotStated", "binding status not stated",
          "carácter vinculante no indicado",
          "The essay does not say whether the instrument is binding.")]),
    ("ActorRoleScheme", "actor roles", "roles de actores",
     "Roles the essay gives to actors in migration.", [
         ("MajorDestination", "major destination", "destino principal",
          "A major destination of migration (“major destinations like the US and the EU”)."),
         ("LargestDestinationGlobally", "largest destination globally",
          "mayor destino a nivel mundial", "The largest destination of migration globally."),
         ("EmergingDestination", "emerging destination country", "país de destino emergente",
          "An emerging destination country of migration.")]),
]

KIND = {"C": "owl:Class", "O": "owl:ObjectProperty", "D": "owl:DatatypeProperty",
        "A": "owl:AnnotationProperty"}


def term(name, kind, label_en, label_es, definition, supers, extras) -> str:
    """One minted term: type, labels, definition, isDefinedBy, superterms, extras."""
    sup = "rdfs:subClassOf" if kind == "C" else "rdfs:subPropertyOf"
    pairs = [("a", KIND[kind]), ("rdfs:label", [en(label_en), es(label_es)]),
             ("skos:definition", en(definition)), (DEF, ONT), (sup, list(supers))]
    return block(f"gg:{name}", pairs + list(extras))


def relation_terms(rel) -> list[tuple]:
    """The class, its two role properties and its chain-derived direct edge."""
    cls, l_en, l_es, definition, subj, obj, direct = rel
    supers = ["gg:QualifiedRelation"] + (["org:Membership"] if cls == "Membership" else [])
    out = [(cls, "C", l_en, l_es, definition, supers, [])]
    s_prop, o_prop = "org:member", "org:organization"
    if subj:
        s_prop, o_prop = f"gg:{subj[0]}", f"gg:{obj[0]}"
        out.append((subj[0], "O", subj[1], subj[2],
                    f"The subject role of a gg:{cls}: the {subj[1]}.", ["prov:influencer"], []))
        out.append((obj[0], "O", obj[1], obj[2],
                    f"The object role of a gg:{cls}: the {obj[1]}.", ["dcterms:relation"], []))
    d_name, d_en, d_es, d_super = direct
    out.append((d_name, "O", d_en, d_es,
                f"Direct edge of a gg:{cls}, derived by the reasoner from the qualified node "
                f"({s_prop} to {o_prop}); never asserted by hand.", [d_super],
                [chain(s_prop, o_prop)]))
    return out


def scheme_terms(scheme) -> str:
    """A SKOS concept scheme of the ontology and its concepts."""
    name, l_en, l_es, definition, concepts = scheme
    text = block(f"gg:{name}", [
        ("a", "skos:ConceptScheme"), ("rdfs:label", [en(l_en), es(l_es)]),
        ("skos:prefLabel", [en(l_en), es(l_es)]),
        ("skos:definition", en(definition)), (DEF, ONT),
        ("skos:hasTopConcept", [f"gg:{c[0]}" for c in concepts])])
    for c_name, c_en, c_es, c_def in concepts:
        text += block(f"gg:{c_name}", [
            ("a", "skos:Concept"), ("rdfs:label", [en(c_en), es(c_es)]),
            ("skos:prefLabel", [en(c_en), es(c_es)]), ("skos:definition", en(c_def)),
            ("skos:inScheme", f"gg:{name}"), ("skos:topConceptOf", f"gg:{name}"), (DEF, ONT)])
    return text


def render() -> str:
    """The whole of ontology/govgraph.ttl."""
    out = ["# govgraph core ontology. GENERATED by scripts/generate_core.py from "
           "scripts/coregen/ontology.py:\n# edit the table there and regenerate.\n\n",
           prefix_block(), block(ONT, HEADER)]
    out.append("# ---- external terms (declared, not imported) ----\n\n")
    for kind, names in EXTERNAL.items():
        out += [f"{n} a {kind} .\n" for n in names] + ["\n"]
    out.append("oa:describing a oa:Motivation .\n\n")
    out.append("# axioms of the external vocabularies themselves, restated (ORG, PROV-O, FOAF)\n")
    out += [f"{s} rdfs:subClassOf {o} .\n" for s, o in RESTATED] + ["\n"]
    sections = [("actors", ACTORS), ("places", PLACES), ("instruments", INSTRUMENTS),
                ("provenance and common properties", PROVENANCE),
                ("qualified relations", EXTRA_PROPS)]
    for title, terms in sections:
        out.append(f"# ---- {title} ----\n\n")
        out += [term(*t) for t in terms]
    for rel in RELATIONS:
        out += [term(*t) for t in relation_terms(rel)]
    out.append("# ---- SKOS schemes ----\n\n")
    out += [scheme_terms(s) for s in SCHEMES]
    return "".join(out)
