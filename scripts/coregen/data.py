"""Render data/actors.ttl, data/instruments.ttl and data/relations.ttl."""

from __future__ import annotations

import actors_table as act
import ambiguities_table
import instruments_table as ins
import relations_table as rel
from model import render_file


def render() -> dict[str, str]:
    registry: dict[str, str] = {}
    amb = ambiguities_table.ambiguities()
    return {
        "actors.ttl": render_file(
            "Actors and places named in the essay: states, organisations, groups, places.",
            [("states (ISO 3166 codes and names from pycountry)", act.STATE_RESOURCES),
             ("sources of the non-essay facts", act.SOURCES), ("organisations", act.ORGS),
             ("collective and unnamed actors", act.GROUPS), ("places", act.PLACES),
             ("ambiguities", amb["actors.ttl"])], registry),
        "instruments.ttl": render_file(
            "Instruments named in the essay: compacts, declarations, processes, agreements, "
            "strategies, programmes, policies and measures, meetings.",
            [("instruments", ins.INSTRUMENTS), ("ambiguities", amb["instruments.ttl"])], registry),
        "relations.ttl": render_file(
            "Qualified relations stated in the essay; the reasoner derives their direct edges.",
            [("relations", rel.RELATIONS), ("ambiguities", amb["relations.ttl"])], registry),
    }
