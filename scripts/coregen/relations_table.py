"""data/relations.ttl: the qualified relation nodes (REL-02 ... REL-92 of the inventory)."""

from __future__ import annotations

from model import Q
from ttl import lit

MMC, IOM2020 = "ggwork:mixed-migration-centre-2022", "ggwork:iom-2020"
COMPACTS = ["gginstrument:global-compact-for-migration", "gginstrument:global-compact-on-refugees"]
K01 = "gggroup:migrants-in-first-south-american-countries-of-reception"
OFF_SA = "ggorg:iom-regional-office-south-america"
OFF_CA = "ggorg:iom-office-central-america-north-america-caribbean"


def w(text):
    return ("gg:wording", lit(text, "en"))


def basis(concept):
    return ("gg:basis", f"gg:{concept}")


def yr(y):
    return lit(str(y), dtype="xsd:gYear")


EXPLICIT = basis("ExplicitStatement")
ORIGIN_OTHERS = ("origin-others-chile", "others came from Haiti, Colombia, the Dominican Republic, Cuba, Bolivia and Peru)")
DID_THE_SAME = ("rel-gtm-cri-pan-did-the-same", "Guatemala, Costa Rica and Panama did the same")
DEPORT = ("rel-deportations-accelerated", "deportations have accelerated in Mexico, Chile and Panama")
CRISES = ("rel-migratory-crises-surfaced", "something that surfaced at the Peru-Chile, Ecuador-Colombia, Honduras-Guatemala borders, in the lethal Darien Gap and at Mexico’s southern and northern borders")
BORDERS3 = ("rel-borders-compound-names", "the Peru-Chile, Ecuador-Colombia, Honduras-Guatemala borders")
COMPANIES = ("rel-companies-partners", "including MasterCard, IKEA, INDITEX, Uniqlo, SONY, amongst others –, take part as partners")
DONORS = ("iom-top-donors", "as of 31 December 2021, the US, the EU and Germany were the IOM’s top donors")
UNITS = ("rel-us-units", "The U.S., through its Bureau of Population, Refugees and Migration, the USAID, the Office to Monitor and Combat Trafficking in Persons and other units")
RECOG = ("rel-free-movement-recognized", "constitutionally recognized in countries as Argentina, Uruguay, Bolivia, Guatemala and Ecuador")
FOC = ("rel-freedom-of-circulation", "freedom of circulation agreements have proliferated like the CAN, MERCOSUR, CARICOM")
NT = ("rel-northern-triangle-members", "El Salvador, Honduras and Guatemala comprise the Northern Triangle")

RELATIONS = [
    Q("transit-k01-to-usa", "TransitMovement", K01, "ggstate:USA",
      ("rel-transits-to-us", "to multiply their irregularized transits to the US"), ["REL-02"],
      [w("multiply their irregularized transits to"), EXPLICIT]),
    Q("transit-k01-to-southern-cone", "TransitMovement", K01, "ggplace:southern-cone",
      ("rel-divert-southern-cone", "or divert them to Southern Cone destinations"), ["REL-03"],
      [w("divert them to"), EXPLICIT]),
    Q("border-us-mexico", "StateBorder", "ggplace:us-mexico-border", ["ggstate:USA", "ggstate:MEX"],
      ("rel-us-mexican-border", "the US-Mexican border"), ["REL-04"], [basis("CompoundName")]),
    Q("origin-ven-chl", "MigrantOrigin", "ggstate:VEN", "ggstate:CHL",
      ("rel-origin-venezuelans-chile", "Though most of those migrants were Venezuelans"), ["REL-05"],
      [("gg:qualifier", lit("most of those migrants", "en")), basis("Anaphora")]),
]
for code, ref in [("HTI", "REL-06"), ("COL", "REL-07"), ("DOM", "REL-08"), ("CUB", "REL-09"),
                  ("BOL", "REL-10"), ("PER", "REL-11")]:
    RELATIONS.append(Q(f"origin-{code.lower()}-chl", "MigrantOrigin", f"ggstate:{code}", "ggstate:CHL",
                       ORIGIN_OTHERS, [ref], [("gg:qualifier", lit("others", "en")), basis("Anaphora")]))
for code, ref, quote in [
        ("VEN", "REL-12", ("rel-visa-venezuelan", "Mexico reimposed visas to contain Venezuelan")),
        ("ECU", "REL-13", ("rel-visa-ecuadorian", "Venezuelan, Ecuadorian and Brazilian migrations heading to the US")),
        ("BRA", "REL-14", ("rel-visa-brazilian", "Ecuadorian and Brazilian migrations heading to the US"))]:
    RELATIONS.append(Q(f"visa-mex-{code.lower()}", "VisaReimpositionFor", "ggstate:MEX", f"ggstate:{code}",
                       quote, [ref], [("gg:year", yr(2021)), ("gg:headingTo", "ggstate:USA"),
                                      ("gg:measure", "gginstrument:mexico-visa-reimposition-2021"),
                                      ("gg:citedSource", MMC), EXPLICIT]))
RELATIONS.append(Q("adoption-mex-visa-2021", "MeasureAdoption", "ggstate:MEX",
                   "gginstrument:mexico-visa-reimposition-2021",
                   ("rel-mexico-reimposed-visas", "For example, in 2021, Mexico reimposed visas"), [],
                   [("gg:year", yr(2021)), ("gg:citedSource", MMC), EXPLICIT]))
for code, name, ref in [("GTM", "guatemala", "REL-15"), ("CRI", "costa-rica", "REL-16"),
                        ("PAN", "panama", "REL-17")]:
    RELATIONS.append(Q(f"adoption-{code.lower()}-visa-2021", "MeasureAdoption", f"ggstate:{code}",
                       f"gginstrument:{name}-visa-reimposition-2021", DID_THE_SAME, [ref],
                       [("gg:year", yr(2021)), w("did the same"), ("gg:citedSource", MMC),
                        basis("Ellipsis")]))
for code, ref in [("MEX", "REL-18"), ("CHL", "REL-19"), ("PAN", "REL-20")]:
    RELATIONS.append(Q(f"deportations-accelerated-{code.lower()}", "DeportationAcceleration",
                       "gginstrument:accelerated-deportations", f"ggstate:{code}", DEPORT, [ref],
                       [("gg:citedSource", MMC), EXPLICIT]))
for place, ref in [("peru-chile-border", "REL-21"), ("ecuador-colombia-border", "REL-22"),
                   ("honduras-guatemala-border", "REL-23"), ("darien-gap", "REL-24"),
                   ("mexico-southern-border", "REL-25"), ("mexico-northern-border", "REL-26")]:
    RELATIONS.append(Q(f"migratory-crisis-{place}", "MigratoryCrisisSurfacing",
                       "ggconcept:migratory-crises", f"ggplace:{place}", CRISES, [ref],
                       [EXPLICIT]))
for place, states, ref in [("peru-chile-border", ["PER", "CHL"], "REL-27"),
                           ("ecuador-colombia-border", ["ECU", "COL"], "REL-28"),
                           ("honduras-guatemala-border", ["HND", "GTM"], "REL-29")]:
    RELATIONS.append(Q(f"border-{place.removesuffix('-border')}", "StateBorder", f"ggplace:{place}",
                       [f"ggstate:{s}" for s in states], BORDERS3, [ref], [basis("CompoundName")]))
for side, ref in [("southern", "REL-30"), ("northern", "REL-31")]:
    RELATIONS.append(Q(f"border-mexico-{side}", "StateBorder", f"ggplace:mexico-{side}-border",
                       "ggstate:MEX", ("rel-mexico-borders", "Mexico’s southern and northern borders"),
                       [ref], [EXPLICIT]))
RELATIONS += [
    Q("governance-role-un", "GovernanceRole", "ggorg:un", "ggconcept:regional-governance",
      ("rel-un-linchpin", "have become a linchpin of this type of governance"), ["REL-33"],
      [w("linchpin"), basis("Anaphora")]),
    Q("governance-role-usa", "GovernanceRole", "ggstate:USA", "ggconcept:regional-governance",
      ("rel-weight-us-eu", "the weight of certain states, like the US or supranational bodies like the European Union (EU)"),
      ["REL-34"], [w("weight"), ("gg:citedSource", "ggwork:bevir-2007"), ("gg:citedPage", lit("372")),
                   basis("Anaphora")]),
    Q("governance-role-eu", "GovernanceRole", "ggorg:eu", "ggconcept:regional-governance",
      ("rel-weight-us-eu", "the weight of certain states, like the US or supranational bodies like the European Union (EU)"),
      ["REL-35"], [w("weight"), ("gg:citedSource", "ggwork:bevir-2007"), ("gg:citedPage", lit("372")),
                   basis("Anaphora")]),
    Q("affiliation-iom-un", "Affiliation", "ggorg:iom", "ggorg:un",
      ("rel-iom-un-related", "a UN related organization"), ["REL-36"],
      [w("a UN related organization"), EXPLICIT]),
    Q("signature-un-member-states-new-york-declaration", "Signature", "gggroup:un-member-states",
      "gginstrument:new-york-declaration",
      ("rel-193-signed-nyd", "all 193 UN member states signed the New York Declaration on Refugees and Migrants"),
      ["REL-38"], [("gg:year", yr(2016)), w("signed"), EXPLICIT]),
    Q("membership-un-member-states-un", "Membership", "gggroup:un-member-states", "ggorg:un",
      ("rel-un-member-states", "In 2016, all 193 UN member states"), ["REL-39"], [EXPLICIT]),
    Q("impetus-nyd-gcm", "Impetus", "gginstrument:new-york-declaration", COMPACTS[0],
      ("rel-impetus-compacts", "an impetus for the 2018 Global Compact for Safe, Orderly and Regular Migration and the Global Compact on Refugees"),
      ["REL-40"], [EXPLICIT]),
    Q("impetus-nyd-gcr", "Impetus", "gginstrument:new-york-declaration", COMPACTS[1],
      ("rel-impetus-compacts", "an impetus for the 2018 Global Compact for Safe, Orderly and Regular Migration and the Global Compact on Refugees"),
      ["REL-41"], [EXPLICIT]),
]
for org, ref in [("mastercard", "REL-42"), ("ikea", "REL-43"), ("inditex", "REL-44"),
                 ("uniqlo", "REL-45"), ("sony", "REL-46")]:
    RELATIONS.append(Q(f"partnership-{org}-compacts", "Partnership", f"ggorg:{org}", COMPACTS,
                       COMPANIES, [ref], [w("take part as partners"),
                                          ("gg:qualifier", lit("amongst others", "en")), EXPLICIT]))
RELATIONS += [
    Q("partnership-compact-partners-compacts", "Partnership", "gggroup:compact-partners", COMPACTS,
      ("rel-compact-partners", "Hence, member states, civil society, NGOs and private sectors"), [],
      [w("take part as partners"), basis("Anaphora")]),
    Q("coordination-iom-initiatives", "Coordination", "ggorg:iom",
      "gginstrument:iom-regional-governance-initiatives",
      ("rel-coordinated-by-iom", "such as those coordinated by the IOM"), ["REL-47"], [EXPLICIT]),
]
for key, donor, ref in [("usa", "ggstate:USA", "REL-48"), ("eu", "ggorg:eu", "REL-49"),
                        ("deu", "ggstate:DEU", "REL-50")]:
    RELATIONS.append(Q(f"funding-{key}-iom", "Funding", donor, "ggorg:iom", DONORS, [ref],
                       [("gg:asOf", lit("2021-12-31", dtype="xsd:date")), w("top donors"),
                        ("gg:citedSource", "ggwork:iom-2021"), EXPLICIT]))
for key, actor, ref in [("usa", "ggstate:USA", "REL-51"), ("eu", "ggorg:eu", "REL-52")]:
    RELATIONS.append(Q(f"border-outsourcing-{key}", "BorderOutsourcingRelation", actor,
                       "gggroup:third-countries",
                       ("rel-first-two-outsourced", "have outsourced their borders to third countries to remotely control unwanted mobility"),
                       [ref], [("gg:measure", "gginstrument:border-outsourcing-to-third-countries"),
                               w("The first two, as we know, have outsourced their borders"),
                               basis("Anaphora")]))
for key, actor, ref in [("usa", "ggstate:USA", "REL-53"), ("eu", "ggorg:eu", "REL-54")]:
    RELATIONS.append(Q(f"partnership-{key}-compacts", "Partnership", actor, COMPACTS,
                       ("rel-their-interests-partners", "Their interests as partners in those compacts"),
                       [ref], [w("partners in those compacts"), basis("Anaphora")]))
for inst, ref in [(COMPACTS[0], "REL-55"), (COMPACTS[1], "REL-56")]:
    RELATIONS.append(Q(f"accession-latin-american-un-member-states-{inst.split(':')[1]}", "Accession",
                       "gggroup:latin-american-un-member-states", inst,
                       ("rel-joined-both-compacts", "Latin American UN Member States have joined both Global Compacts"),
                       [ref], [w("joined"), basis("Anaphora")]))
RELATIONS += [
    Q("sponsorship-iom-capacity-building", "Sponsorship", "ggorg:iom",
      "gginstrument:iom-capacity-building-programmes",
      ("rel-iom-sponsored", "the IOM sponsored and developed capacity-building programmes"), ["REL-57"],
      [w("sponsored and developed"), ("gg:citedSource", "ggwork:domenech-2018"), EXPLICIT]),
    Q("support-iom-quito-process", "Support", "gginstrument:quito-process", "ggorg:iom",
      ("rel-support-quito", "with the support of IOM, amongst other UN and multilateral organisms"),
      ["REL-58"], [("gg:qualifier", lit("amongst other UN and multilateral organisms", "en")), EXPLICIT]),
    Q("support-other-organisms-quito-process", "Support", "gginstrument:quito-process",
      "gggroup:other-un-and-multilateral-organisms",
      ("rel-support-quito", "with the support of IOM, amongst other UN and multilateral organisms"),
      [], [EXPLICIT]),
    Q("focus-quito-process-venezuela", "InstrumentFocus", "gginstrument:quito-process", "ggstate:VEN",
      ("rel-quito-venezuelan", "safe Venezuelan migration across the region"), ["REL-59"], [EXPLICIT]),
    Q("convening-panama-ministerial-meeting", "Convening", "gginstrument:ministerial-meeting-april-2022",
      "ggstate:PAN", ("rel-convened-by-panama", "was convened by Panama in April 2022"), ["REL-60"],
      [("gg:date", lit("2022-04", dtype="xsd:gYearMonth")), ("gg:periodLabel", lit("April 2022", "en")),
       EXPLICIT]),
    Q("support-iom-ministerial-meeting", "Support", "gginstrument:ministerial-meeting-april-2022",
      "ggorg:iom", ("rel-with-iom-support", "with IOM support"), ["REL-61"], [EXPLICIT]),
    Q("unit-iom-office-south-america", "UnitRelation", OFF_SA, "ggorg:iom",
      ("rel-two-regional-offices", "From two regional offices, it covers the hemisphere."), ["REL-62"],
      [w("regional offices"), basis("Anaphora")]),
    Q("unit-iom-office-central-america-north-america-caribbean", "UnitRelation", OFF_CA, "ggorg:iom",
      ("rel-two-regional-offices", "From two regional offices, it covers the hemisphere."), ["REL-64"],
      [w("regional offices"), basis("Anaphora")]),
    Q("office-location-south-america-argentina", "OfficeLocation", OFF_SA, "ggstate:ARG",
      ("rel-office-based-in-argentina", "The Regional Office for South America is based in Argentina"),
      ["REL-63"], [w("based in"), EXPLICIT]),
    Q("office-location-central-america-north-america-caribbean-costa-rica", "OfficeLocation", OFF_CA,
      "ggstate:CRI",
      ("rel-office-located-in-costa-rica", "the Office for Central America, North America and the Caribbean is located in Costa Rica"),
      ["REL-65"], [w("located in"), EXPLICIT]),
]
for inst, ref in [("iom-south-american-regional-strategy-2020-2024", "REL-66"),
                  ("iom-central-america-north-america-caribbean-regional-strategy-2020-2024", "REL-67")]:
    RELATIONS.append(Q(f"delineation-{inst.removeprefix('iom-').removesuffix('-2020-2024')}",
                       "Delineation", f"gginstrument:{inst}", [OFF_SA, OFF_CA],
                       ("rel-both-offices-delineated", "Both offices, delineated a South American and a Central America, North America and the Caribbean Regional Strategy 2020–2024"),
                       [ref], [w("Both offices, delineated"), basis("DistributiveReading")]))
RELATIONS += [
    Q("partnership-usa-iom-major", "Partnership", "ggstate:USA", "ggorg:iom",
      ("rel-us-major-partner", "As IOM’s major partner, its influence is decisive"), ["REL-68"],
      [w("major partner"), basis("Anaphora")]),
]
for org, ref in [("us-prm", "REL-69"), ("usaid", "REL-70"), ("us-tip-office", "REL-71")]:
    RELATIONS.append(Q(f"unit-{org}-usa", "UnitRelation", f"ggorg:{org}", "ggstate:USA", UNITS, [ref],
                       [("gg:qualifier", lit("and other units", "en")), ("gg:citedSource", IOM2020),
                        ("gg:citedPage", lit("7")), EXPLICIT]))
RELATIONS += [
    Q("partnership-usa-iom-vital", "Partnership", "ggstate:USA", "ggorg:iom",
      ("rel-us-vital-partner", "will likely continue to be a vital partner for IOM in the region’"),
      ["REL-72"], [w("vital partner"), ("gg:qualifier", lit("will likely continue to be", "en")),
                   ("gg:throughUnit", ["ggorg:us-prm", "ggorg:usaid", "ggorg:us-tip-office"]),
                   ("gg:citedSource", IOM2020), ("gg:citedPage", lit("7")), EXPLICIT]),
    Q("role-usa-major-destination", "RoleAssignment", "ggstate:USA", "gg:MajorDestination",
      ("rel-major-destinations", "as far as possible from major destinations like the US and the EU"),
      ["REL-73"], [EXPLICIT]),
    Q("role-eu-major-destination", "RoleAssignment", "ggorg:eu", "gg:MajorDestination",
      ("rel-major-destinations", "as far as possible from major destinations like the US and the EU"),
      ["REL-74"], [EXPLICIT]),
    Q("role-usa-largest-destination", "RoleAssignment", "ggstate:USA", "gg:LargestDestinationGlobally",
      ("rel-largest-destination", "Being the largest destination globally, the US needs allies"), [],
      [EXPLICIT]),
    Q("role-chl-emerging-destination", "RoleAssignment", "ggstate:CHL", "gg:EmergingDestination",
      ("rel-chile-emerging-destination", "the emerging South American destination country"), [],
      [w("the emerging South American destination country"), EXPLICIT]),
    Q("responsibility-outsourced-exclusion-global-south-countries", "ResponsibilityAttribution",
      "ggconcept:outsourced-exclusion", "gggroup:global-south-countries",
      ("rel-holds-global-south-responsible", "Outsourced exclusion, operating within the framework of regional partnership, holds Global South countries responsible"),
      ["REL-75"], [w("holds responsible for irregularized transit migrants"), EXPLICIT]),
    Q("sponsorship-latin-america-cartagena-declaration", "Sponsorship", "ggplace:latin-america",
      "gginstrument:cartagena-declaration",
      ("rel-region-sponsored-cartagena", "it has traditionally sponsored pro-migrant and refugee rights legal frameworks like the Cartagena Declaration of 1984"),
      ["REL-77"], [w("traditionally sponsored"), basis("Anaphora")]),
]
for code, ref in [("ARG", "REL-78"), ("URY", "REL-79"), ("BOL", "REL-80"), ("GTM", "REL-81"),
                  ("ECU", "REL-82")]:
    RELATIONS.append(Q(f"free-movement-recognition-{code.lower()}", "FreeMovementRecognition",
                       f"ggstate:{code}",
                       "gginstrument:constitutional-recognition-of-freedom-of-movement", RECOG, [ref],
                       [w("constitutionally recognized"), EXPLICIT]))
for org, ref in [("can", "REL-83"), ("mercosur", "REL-84"), ("caricom", "REL-85"),
                 ("northern-triangle", "REL-86")]:
    RELATIONS.append(Q(f"agreement-{org}", "AgreementHolding", f"ggorg:{org}",
                       f"gginstrument:{org}-freedom-of-circulation-agreement",
                       FOC if org != "northern-triangle" else
                       ("rel-northern-triangle-agreement", "or between the countries of the so-called Northern Triangle[1] (Ceriani 2022)"),
                       [ref], [("gg:citedSource", "ggwork:ceriani-2022"), EXPLICIT]))
for code, ref in [("SLV", "REL-90"), ("HND", "REL-91"), ("GTM", "REL-92")]:
    RELATIONS.append(Q(f"membership-{code.lower()}-northern-triangle", "Membership", f"ggstate:{code}",
                       "ggorg:northern-triangle", NT, [ref], [w("comprise"), EXPLICIT]))
