"""gg:Ambiguity nodes for the inventory's Part C items in the actor/instrument/relation area.

Each is (file, key, inventory ID, label, comment, concerns, quote); the node goes into the data
file of what it concerns.
"""

from __future__ import annotations

from model import R

REL, INS, ACT = "relations.ttl", "instruments.ttl", "actors.ttl"

ITEMS = [
    (REL, "did-the-same", "AMB-06", "“did the same”",
     "Guatemala, Costa Rica and Panama “did the same” as Mexico. Modelled: each reimposed visas "
     "in 2021 (gg:basis gg:Ellipsis); no target nationalities, purpose or destination are asserted "
     "for them.",
     ["ggrelation:adoption-gtm-visa-2021", "ggrelation:adoption-cri-visa-2021",
      "ggrelation:adoption-pan-visa-2021", "gginstrument:guatemala-visa-reimposition-2021",
      "gginstrument:costa-rica-visa-reimposition-2021", "gginstrument:panama-visa-reimposition-2021"],
     ("rel-gtm-cri-pan-did-the-same", "Guatemala, Costa Rica and Panama did the same")),
    (INS, "border-policing-location", "AMB-07", "where police at borders redoubled",
     "“in Mexico, Chile and Panama” certainly attaches to the deportations; whether it also "
     "covers the border-policing clause is unclear. Modelled: no location for the border policing.",
     ["gginstrument:border-policing-redoubled-or-militarized"],
     ("amb-border-policing-scope", "while police at borders has redoubled or militarized and deportations have accelerated in Mexico, Chile and Panama")),
    (INS, "global-compact-on-refugees-year", "AMB-08", "year of the Global Compact on Refugees",
     "“2018” grammatically modifies the Global Compact for Safe, Orderly and Regular Migration; "
     "that the Global Compact on Refugees is also of 2018 rests on distribution or on “Only four "
     "years after launching the two Global Compacts”. Modelled: no gg:year on it.",
     ["gginstrument:global-compact-on-refugees"],
     ("amb-compacts-launch", "Only four years after launching the two Global Compacts")),
    (INS, "new-york-declaration-status", "AMB-09", "the New York Declaration: signed, binding?",
     "The essay says the UN member states “signed” it (kept as signatory, not “adopted”) and does "
     "not say whether it is binding (gg:BindingStatusNotStated); the 193 states are not listed.",
     ["gginstrument:new-york-declaration"], ("amb-nyd-signed", "all 193 UN member states signed")),
    (REL, "latin-american-states-joined", "AMB-10", "which Latin American states joined",
     "A collective statement: no individual state is said to have joined the compacts, so no "
     "per-state accession is asserted.",
     ["ggrelation:accession-latin-american-un-member-states-global-compact-for-migration",
      "ggrelation:accession-latin-american-un-member-states-global-compact-on-refugees"],
     ("rel-joined-both-compacts", "Latin American UN Member States have joined both Global Compacts")),
    (REL, "corporate-partners", "AMB-11", "corporate partners of the compacts",
     "The companies take part as partners in the compacts; the list is non-exhaustive (“amongst "
     "others”). They are not said to fund or partner the IOM.",
     [f"ggrelation:partnership-{o}-compacts" for o in ("mastercard", "ikea", "inditex", "uniqlo", "sony")],
     ("rel-companies-partners", "including MasterCard, IKEA, INDITEX, Uniqlo, SONY, amongst others –, take part as partners")),
    (REL, "the-first-two", "AMB-12", "“the first two” and the “third countries”",
     "“The first two” resolves to the US and the EU of the preceding donor list, so Germany is "
     "excluded (gg:basis gg:Anaphora). The third countries are not named and no citation is given "
     "(“as we know”).",
     ["ggrelation:border-outsourcing-usa", "ggrelation:border-outsourcing-eu", "gggroup:third-countries"],
     ("amb-the-first-two", "The first two, as we know")),
    (REL, "their-interests", "AMB-13", "“Their interests as partners”",
     "The nearest antecedent of “Their” is “The first two” (the US and the EU); a reading that "
     "includes Germany is possible but less likely and is not asserted.",
     ["ggrelation:partnership-usa-compacts", "ggrelation:partnership-eu-compacts"],
     ("rel-their-interests-partners", "Their interests as partners in those compacts")),
    (REL, "top-donors", "AMB-14", "top donors: no rank, no amounts",
     "The order US, EU, Germany is not a ranking; no amounts are given and “top” has no stated "
     "cut-off. The date is that of the cited financial report.",
     ["ggrelation:funding-usa-iom", "ggrelation:funding-eu-iom", "ggrelation:funding-deu-iom"],
     ("iom-top-donors", "as of 31 December 2021, the US, the EU and Germany were the IOM’s top donors")),
    (REL, "iom-un-related", "AMB-15", "the IOM’s status towards the UN",
     "The essay says “a UN related organization”: modelled as a gg:Affiliation with that wording, "
     "not as membership of the UN system or a specialised agency.",
     ["ggrelation:affiliation-iom-un", "ggorg:iom"],
     ("rel-iom-un-related", "a UN related organization")),
    (ACT, "office-cities", "AMB-16", "no cities for the IOM offices",
     "The offices are “based in Argentina” and “located in Costa Rica”: countries only. “San José” "
     "occurs only as the publication place of IOM (2020); no city is asserted.",
     ["ggorg:iom-regional-office-south-america", "ggorg:iom-office-central-america-north-america-caribbean"],
     ("amb-san-jose-publication-place", "San José: IOM")),
    (INS, "two-strategies", "AMB-17", "the two regional strategies",
     "“2020–2024” is read as applying to both strategies (shared head noun); the pairing of each "
     "office with “its” strategy is not explicit, so both offices delineate both. Only the Central "
     "America, North America and the Caribbean strategy has a bibliography entry, matched through "
     "its Spanish title.",
     ["gginstrument:iom-south-american-regional-strategy-2020-2024",
      "gginstrument:iom-central-america-north-america-caribbean-regional-strategy-2020-2024"],
     ("amb-strategy-spanish-title", "Estrategia Regional 2020-2024")),
    (REL, "major-vital-partner", "AMB-18", "“major partner” and “vital partner”",
     "“major partner” is the author’s claim; “vital partner” is the IOM’s own forward-looking "
     "wording (“will likely continue to be”), quoted from IOM (2020: 7). Two partnership nodes; the "
     "units listed are non-exhaustive (“and other units”).",
     ["ggrelation:partnership-usa-iom-major", "ggrelation:partnership-usa-iom-vital"],
     ("rel-us-major-partner", "As IOM’s major partner, its influence is decisive")),
    (ACT, "blocs-as-agreements", "AMB-19", "CAN, MERCOSUR, CARICOM as “agreements”",
     "The sentence calls them freedom-of-circulation agreements; the footnote expands them as "
     "bodies. Modelled: regional blocs that have (unnamed) agreements. Their memberships are not "
     "stated and none is asserted.",
     ["ggorg:can", "ggorg:mercosur", "ggorg:caricom"],
     ("amb-blocs-as-agreements", "freedom of circulation agreements have proliferated like the CAN")),
    (ACT, "spanish-acronyms", "AMB-20", "“in their Spanish acronyms”",
     "Applies to CAN and MERCOSUR only; CARICOM is called an “abbreviation”.",
     ["ggorg:can", "ggorg:mercosur", "ggorg:caricom"],
     ("amb-spanish-acronyms", "in their Spanish acronyms")),
    (REL, "northern-triangle-members", "AMB-21", "members of the Northern Triangle",
     "An informal (“so-called”) grouping whose membership the footnote closes: El Salvador, "
     "Honduras and Guatemala; no other member is asserted.",
     ["ggorg:northern-triangle", "ggrelation:membership-slv-northern-triangle",
      "ggrelation:membership-hnd-northern-triangle", "ggrelation:membership-gtm-northern-triangle"],
     ("rel-northern-triangle-members", "El Salvador, Honduras and Guatemala comprise the Northern Triangle")),
    (INS, "ceriani-scope", "AMB-22", "scope of (Ceriani 2022)",
     "The citation closes a sentence that also lists the Cartagena Declaration and the "
     "constitutional recognition of freedom of movement. Modelled: cited only for the "
     "freedom-of-circulation agreements.",
     ["gginstrument:can-freedom-of-circulation-agreement", "gginstrument:cartagena-declaration",
      "gginstrument:constitutional-recognition-of-freedom-of-movement"],
     ("amb-ceriani-scope", "Northern Triangle[1] (Ceriani 2022)")),
    (INS, "cartagena-declaration", "AMB-23", "the Cartagena Declaration",
     "Called a “legal framework” sponsored by the region; its binding status, signatories and "
     "place are not stated. “Cartagena” is part of the name only and is not geolocated.",
     ["gginstrument:cartagena-declaration"],
     ("amb-cartagena-legal-framework", "pro-migrant and refugee rights legal frameworks")),
    (REL, "which-region", "AMB-24", "“the region” that sponsored the Cartagena Declaration",
     "“it” is “a region which … is the most unequal on the planet”; read as Latin America from the "
     "surrounding sentences (gg:basis gg:Anaphora).",
     ["ggrelation:sponsorship-latin-america-cartagena-declaration"],
     ("amb-which-region", "This represents a historical challenge for a region which")),
    (ACT, "missing-migrants-project", "AMB-26", "who runs the Missing Migrants Project",
     "The essay does not say; no operator is asserted and it has no bibliography entry.",
     ["ggorg:missing-migrants-project"],
     ("missing-migrants-project", "According to Missing Migrants Project")),
    (ACT, "darien-gap", "AMB-27", "the Darien Gap’s country",
     "No country is named for the Darien Gap; it is not tied to Panama or Colombia.",
     ["ggplace:darien-gap"], ("darien-gap", "in the lethal Darien Gap")),
    (ACT, "mexico-northern-border", "AMB-28", "Mexico’s northern border and the US-Mexican border",
     "Probably the same physical border, but the essay uses two labels in two contexts; kept as two "
     "places (no owl:sameAs). Likewise Chile’s northern border is not equated with the Peru-Chile "
     "border.",
     ["ggplace:mexico-northern-border", "ggplace:us-mexico-border", "ggplace:chile-northern-border",
      "ggplace:peru-chile-border"],
     ("amb-us-mexican-border", "were detained at the US-Mexican border")),
    (INS, "compact-aliases", "AMB-37", "aliases of the two Global Compacts",
     "“both Global Compacts” and “the Global Compacts on Migration and Refugees” refer to the "
     "Global Compact for Safe, Orderly and Regular Migration and the Global Compact on Refugees "
     "jointly; no third instrument is created for the pair.",
     ["gginstrument:global-compact-for-migration", "gginstrument:global-compact-on-refugees"],
     ("amb-compacts-alias", "Reflecting on the Global Compacts on Migration and Refugees")),
    (ACT, "mexico-publication-place", "AMB-56", "Mexico as a publication place",
     "“Mexico: Siglo XXI” in the reference list is the place of publication of Bobbio (2002), not a "
     "role of the state Mexico; no relation is drawn from it.",
     ["ggstate:MEX"], ("amb-mexico-siglo-xxi", "Mexico: Siglo XXI")),
    (ACT, "us-variants", "AMB-39", "“US” and “U.S.”",
     "“U.S.” appears only inside the IOM quotation; both forms are the same state (skos:altLabel).",
     ["ggstate:USA"], ("us-dotted", "The U.S., through its Bureau")),
    (ACT, "all-193", "AMB-48", "“all 193” UN member states",
     "A count of UN member states, not a list: the states are not enumerated.",
     ["gggroup:un-member-states"], ("amb-all-193", "all 193 UN member states")),
    (INS, "two-kinds-of-visas", "AMB-49", "two kinds of “visas”",
     "The visas among the post-1990s security measures are distinct from the 2021 visa "
     "reimpositions.",
     ["gginstrument:visas-security-measure", "gginstrument:mexico-visa-reimposition-2021"],
     ("visas-security-measure", "including: visas, redoublement of border policing")),
    (ACT, "first-countries-of-reception", "AMB-50", "“first South American countries of reception”",
     "Unnamed; nothing says whether Chile, or any named country, is one of them.",
     ["gggroup:first-south-american-countries-of-reception"],
     ("first-south-american-countries-of-reception", "first South American countries of reception")),
    (INS, "quito-process", "AMB-51", "who launched the Quito Process",
     "Neither who launched it nor its members are stated; the IOM only supports it, “amongst other "
     "UN and multilateral organisms”.",
     ["gginstrument:quito-process"], ("amb-quito-launched", "the Quito Process was launched in 2018")),
    (INS, "ministerial-meeting", "AMB-52", "the April 2022 Ministerial meeting",
     "Unnamed; its venue and participants are not given. No place (such as Panama City) and no "
     "identification with another process is asserted.",
     ["gginstrument:ministerial-meeting-april-2022"],
     ("amb-ministerial-meeting", "a high level Ministerial meeting")),
    (INS, "historical-role", "AMB-53", "Latin America’s historical role for the IOM",
     "The agreements and training of the 1950s and 1960s are reported through Damilakou and "
     "Venturas in Domenech (2018: 115): a historical statement, not a present-day one.",
     ["gginstrument:experimental-intergovernmental-agreements", "gginstrument:training-of-personnel"],
     ("amb-historical-role", "(Damilakou and Venturas 2015 in Domenech 2018: 115)")),
    (REL, "the-region", "AMB-54", "“the region”",
     "“the region” is resolved per sentence: the Americas for the IOM partnership (“in the "
     "region”), the Quito Process area for “across the region”, Latin America at L35.",
     ["ggrelation:partnership-usa-iom-vital", "ggrelation:focus-quito-process-venezuela"],
     ("amb-the-region", "shapes mobility across the region")),
    (ACT, "germany-two-roles", "AMB-55", "Germany in two roles",
     "Germany is an IOM donor and the country of the University of Heidelberg: one state, two "
     "unrelated relations; it is not said to outsource its borders.",
     ["ggstate:DEU"], ("amb-germany-heidelberg", "the University of Heidelberg in Germany")),
]


def ambiguities() -> dict[str, list[R]]:
    """file name -> ambiguity nodes."""
    out: dict[str, list[R]] = {}
    for file, key, inv, label, comment, concerns, quote in ITEMS:
        node = R(f"ggambiguity:{key}", ["gg:Ambiguity"], f"Ambiguity: {label}",
                 props=[("gg:concerns", concerns)], quotes=[quote], inv=[inv], comment=comment)
        out.setdefault(file, []).append(node)
    return out
