"""The core ontology and its data (actors, instruments, relations): ISO codes equal to pycountry's, direct edges never asserted by hand, and the
inventory's "what NOT to infer" list respected."""

from __future__ import annotations

from pathlib import Path

import pycountry
import pytest
from rdflib import Graph, Literal, Namespace, RDF, URIRef

from govgraph.builder.load import load_sources
from govgraph.namespaces import GG, GGORG, GGSTATE, PREFIXES

ROOT = Path(__file__).resolve().parents[1]
ORG = Namespace(PREFIXES["org"])
OWL_CHAIN = URIRef("http://www.w3.org/2002/07/owl#propertyChainAxiom")
INSTRUMENT = Namespace(PREFIXES["gginstrument"])
PLACE = Namespace(PREFIXES["ggplace"])


@pytest.fixture(scope="module")
def data() -> Graph:
    """The data as the build loads it: every data/*.ttl and every template expanded."""
    return load_sources(ROOT, parts=("data",)).data


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ROOT / "ontology" / "govgraph.ttl")


def test_states_carry_pycountry_codes_and_name_their_source(data):
    states = set(data.subjects(RDF.type, GG.State))
    assert len(states) == 20
    for state in states:
        alpha3 = str(state).rsplit("/", 1)[-1]
        country = pycountry.countries.get(alpha_3=alpha3)
        assert country is not None, state
        assert data.value(state, GG.iso3166Alpha3) == Literal(country.alpha_3)
        assert data.value(state, GG.iso3166Alpha2) == Literal(country.alpha_2)
        assert data.value(state, GG.iso3166Numeric) == Literal(country.numeric)
        assert len(list(data.objects(state, URIRef(PREFIXES["prov"] + "wasDerivedFrom")))) == 2


def test_direct_edges_are_derived_never_asserted(data, ontology):
    derived = set(ontology.subjects(OWL_CHAIN, None)) | {GG.supports, GG.evidence}
    assert len(derived) > 25
    assert [p for p in derived if (None, p, None) in data] == []


def test_every_qualified_relation_has_exactly_one_quote(data, ontology):
    classes = {s for s in ontology.subjects(URIRef(PREFIXES["rdfs"] + "subClassOf"), GG.QualifiedRelation)}
    nodes = {s for c in classes for s in data.subjects(RDF.type, c)}
    assert len(nodes) >= 89
    oa_body = URIRef(PREFIXES["oa"] + "hasBody")
    assert {n for n in nodes if len(list(data.subjects(oa_body, n))) != 1} == set()


@pytest.mark.parametrize("triple", [
    (None, ORG.organization, GGORG["can"]), (None, ORG.organization, GGORG["mercosur"]),
    (None, ORG.organization, GGORG["caricom"]), (None, GG.outsourcingActor, GGSTATE["DEU"]),
    (None, GG.partner, GGSTATE["DEU"]), (INSTRUMENT["global-compact-on-refugees"], GG.year, None),
    (None, GG.border, PLACE["darien-gap"]), (None, GG.imposingState, GGSTATE["GTM"]),
    (None, ORG.member, GGSTATE["NIC"]), (None, GG.hostCountry, PLACE["buenos-aires"]),
], ids=["CAN members", "MERCOSUR members", "CARICOM members", "Germany outsources",
        "Germany partner", "GCR year", "Darien Gap country", "Guatemala's targets",
        "Nicaragua in the Northern Triangle", "office city"])
def test_what_the_essay_does_not_say_is_not_asserted(data, triple):
    assert triple not in data
