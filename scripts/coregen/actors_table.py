"""data/actors.ttl: states (ISO 3166 from pycountry), organisations, groups, places."""

from __future__ import annotations

import gettext

import pycountry

from model import R
from ttl import lit

PYCOUNTRY = "ggdataset:pycountry-iso-3166-1"
ISO_ES = "ggdataset:iso-codes-iso-3166-1-es"
SPANISH = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["es"])

# alpha-3, essay label, demonyms in the essay, quotes (slug, quote[, line]), inventory ID
STATES = [
    ("USA", "US", [], [("us", "irregularized transits to the US"),
                       ("us-dotted", "The U.S., through its Bureau")], "ENT-C01"),
    ("MEX", "Mexico", [], [("mexico", "at Mexico’s southern and northern borders")], "ENT-C02"),
    ("CHL", "Chile", [], [("chile", "In Chile, the emerging South American destination country")],
     "ENT-C03"),
    ("VEN", "Venezuela", ["Venezuelans", "Venezuelan"],
     [("venezuelans", "most of those migrants were Venezuelans")], "ENT-C04"),
    ("HTI", "Haiti", [], [("haiti", "others came from Haiti")], "ENT-C05"),
    ("COL", "Colombia", [], [("colombia", "others came from Haiti, Colombia")], "ENT-C06"),
    ("DOM", "Dominican Republic", [], [("dominican-republic", "the Dominican Republic")], "ENT-C07"),
    ("CUB", "Cuba", [], [("cuba", "the Dominican Republic, Cuba, Bolivia and Peru)")], "ENT-C08"),
    ("BOL", "Bolivia", [], [("bolivia", "Cuba, Bolivia and Peru)")], "ENT-C09"),
    ("PER", "Peru", [], [("peru", "Bolivia and Peru)")], "ENT-C10"),
    ("ECU", "Ecuador", ["Ecuadorian"], [("ecuadorian", "Venezuelan, Ecuadorian and Brazilian migrations")],
     "ENT-C11"),
    ("BRA", "Brazil", ["Brazilian"],
     [("brazilian", "Ecuadorian and Brazilian migrations heading to the US")], "ENT-C12"),
    ("GTM", "Guatemala", [], [("gtm-cri-pan", "Guatemala, Costa Rica and Panama did the same")],
     "ENT-C13"),
    ("CRI", "Costa Rica", [], [("gtm-cri-pan", "Guatemala, Costa Rica and Panama did the same")],
     "ENT-C14"),
    ("PAN", "Panama", [], [("gtm-cri-pan", "Guatemala, Costa Rica and Panama did the same")],
     "ENT-C15"),
    ("HND", "Honduras", [], [("honduras", "Honduras-Guatemala borders")], "ENT-C16"),
    ("DEU", "Germany", [], [("germany", "the US, the EU and Germany were the IOM’s top donors")],
     "ENT-C17"),
    ("ARG", "Argentina", [], [("argentina", "is based in Argentina")], "ENT-C18"),
    ("URY", "Uruguay", [], [("uruguay", "Argentina, Uruguay, Bolivia, Guatemala and Ecuador")],
     "ENT-C19"),
    ("SLV", "El Salvador", [],
     [("el-salvador", "El Salvador, Honduras and Guatemala comprise the Northern Triangle")],
     "ENT-C20"),
]


def state(alpha3, label, demonyms, quotes, inv) -> R:
    """A state: essay label, pycountry codes and names, Spanish names from iso-codes."""
    c = pycountry.countries.get(alpha_3=alpha3)
    name_es = SPANISH.gettext(c.name)
    short_es = name_es.split(",")[0] if "," in name_es else name_es
    alt = [(n, "en") for n in {c.name, getattr(c, "official_name", c.name)} if n != label]
    alt += [(name_es, "es")] if name_es != short_es else []
    if alpha3 == "USA":
        alt.append(("U.S.", "en"))
    props = [("gg:iso3166Alpha3", lit(c.alpha_3)), ("gg:iso3166Alpha2", lit(c.alpha_2)),
             ("gg:iso3166Numeric", lit(c.numeric)),
             ("gg:demonym", [lit(d, "en") for d in demonyms]),
             ("prov:wasDerivedFrom", [PYCOUNTRY, ISO_ES])]
    return R(f"ggstate:{alpha3}", ["gg:State"], label, short_es, alt=sorted(alt), props=props,
             quotes=quotes, inv=[inv])


SOURCES = [
    R(PYCOUNTRY, ["prov:Entity"], "ISO 3166-1 country codes and names (pycountry)",
      "Códigos y nombres de países ISO 3166-1 (pycountry)",
      props=[("dcterms:source", "<https://www.iso.org/iso-3166-country-codes.html>"),
             ("rdfs:seeAlso", "<https://pypi.org/project/pycountry/>"),
             ("owl:versionInfo", lit(pycountry.__version__ if hasattr(pycountry, "__version__") else "unknown"))],
      comment="Source of the ISO 3166-1 alpha-2, alpha-3 and numeric codes and of the English "
              "short and official names of the states (not an essay statement)."),
    R(ISO_ES, ["prov:Entity"],
      "Spanish translations of ISO 3166-1 country names (iso-codes, via pycountry)",
      "Traducciones al español de los nombres de países ISO 3166-1 (iso-codes, vía pycountry)",
      props=[("rdfs:seeAlso", "<https://salsa.debian.org/iso-codes-team/iso-codes>")],
      comment="Source of the Spanish state names: the iso3166-1 gettext catalogue that pycountry "
              "ships (not an essay statement)."),
]

IOM_ES = "Organización Internacional para las Migraciones"

ORGS = [
    R("ggorg:un", ["gg:InternationalOrganisation"], "United Nations", "Naciones Unidas",
      alt=[("UN", "en"), ("ONU", "es")],
      quotes=[("un", "Global organizations, like the United Nations (UN)")], inv=["ENT-O02"]),
    R("ggorg:iom", ["gg:InternationalOrganisation"], "International Organization for Migration",
      IOM_ES, alt=[("IOM", "en")],
      props=[("gg:establishedIn", lit("1951", dtype="xsd:gYear")),
             ("gg:coverage", "ggplace:the-americas")],
      quotes=[("iom", "The International Organization for Migration (IOM), a UN related organization"),
              ("iom-established", "Though this quest dates back to 1951, when the IOM was established"),
              ("iom-covers-hemisphere", "it covers the hemisphere")],
      inv=["ENT-O04", "REL-37"],
      comment="The essay calls it “a UN related organization”; it is not typed as a UN "
              "specialised agency or body (see the affiliation relation and its ambiguity note)."),
    R("ggorg:eu", ["gg:SupranationalBody"], "European Union", "Unión Europea", alt=[("EU", "en")],
      quotes=[("eu", "supranational bodies like the European Union (EU)")], inv=["ENT-O03"]),
    R("ggorg:mastercard", ["gg:Company"], "MasterCard", "MasterCard",
      quotes=[("mastercard", "including MasterCard, IKEA, INDITEX, Uniqlo, SONY, amongst others")],
      inv=["ENT-O05"]),
    R("ggorg:ikea", ["gg:Company"], "IKEA", "IKEA", quotes=[("ikea", "MasterCard, IKEA, INDITEX")],
      inv=["ENT-O06"]),
    R("ggorg:inditex", ["gg:Company"], "INDITEX", "INDITEX",
      quotes=[("inditex", "IKEA, INDITEX, Uniqlo")], inv=["ENT-O07"]),
    R("ggorg:uniqlo", ["gg:Company"], "Uniqlo", "Uniqlo", quotes=[("uniqlo", "INDITEX, Uniqlo, SONY")],
      inv=["ENT-O08"]),
    R("ggorg:sony", ["gg:Company"], "SONY", "SONY", quotes=[("sony", "Uniqlo, SONY, amongst others")],
      inv=["ENT-O09"]),
    R("ggorg:iom-regional-office-south-america", ["gg:RegionalOffice"],
      "Regional Office for South America", alt=[("IOM Regional Office for South America", "en")],
      props=[("gg:coverage", "ggplace:south-america")],
      quotes=[("iom-office-south-america", "The Regional Office for South America is based in Argentina")],
      inv=["ENT-O10"]),
    R("ggorg:iom-office-central-america-north-america-caribbean", ["gg:RegionalOffice"],
      "Office for Central America, North America and the Caribbean",
      alt=[("IOM Office for Central America, North America and the Caribbean", "en")],
      props=[("gg:coverage", ["ggplace:central-america", "ggplace:north-america",
                              "ggplace:the-caribbean"])],
      quotes=[("iom-office-cana-caribbean",
               "the Office for Central America, North America and the Caribbean is located in Costa Rica")],
      inv=["ENT-O11"],
      comment="The essay does not call it a “Regional Office”, but it is one of the IOM’s “two "
              "regional offices”. Its coverage is read from its name."),
    R("ggorg:us-prm", ["gg:GovernmentAgency"], "Bureau of Population, Refugees and Migration",
      quotes=[("us-prm", "through its Bureau of Population, Refugees and Migration")], inv=["ENT-O12"]),
    R("ggorg:usaid", ["gg:GovernmentAgency"], "USAID", "USAID",
      quotes=[("usaid", "the USAID")], inv=["ENT-O13"],
      comment="The essay does not expand the acronym."),
    R("ggorg:us-tip-office", ["gg:GovernmentAgency"],
      "Office to Monitor and Combat Trafficking in Persons",
      quotes=[("us-tip-office", "the Office to Monitor and Combat Trafficking in Persons")],
      inv=["ENT-O14"]),
    R("ggorg:can", ["gg:RegionalBloc"], "CAN", "CAN", alt=[("Andean Community of Nations", "en")],
      props=[("gg:fullName", lit("Andean Community of Nations", "en"))],
      quotes=[("can", "like the CAN, MERCOSUR, CARICOM"),
              ("can-expansion", "CAN stands for Andean Community of Nations")],
      inv=["ENT-O15", "REL-87"],
      comment="A Spanish acronym, as the essay’s footnote says. Its members are not stated."),
    R("ggorg:mercosur", ["gg:RegionalBloc"], "MERCOSUR", "MERCOSUR",
      alt=[("Southern Common Market", "en")],
      props=[("gg:fullName", lit("Southern Common Market", "en"))],
      quotes=[("mercosur", "the CAN, MERCOSUR, CARICOM"),
              ("mercosur-expansion", "MERCOSUR, for Southern Common Market, in their Spanish acronyms")],
      inv=["ENT-O16", "REL-88"],
      comment="A Spanish acronym, as the essay’s footnote says. Its members are not stated."),
    R("ggorg:caricom", ["gg:RegionalBloc"], "CARICOM", "CARICOM", alt=[("Caribbean Community", "en")],
      props=[("gg:fullName", lit("Caribbean Community", "en"))],
      quotes=[("caricom", "MERCOSUR, CARICOM or between the countries"),
              ("caricom-expansion", "CARICOM is the abbreviation for the Caribbean Community")],
      inv=["ENT-O17", "REL-89"],
      comment="The footnote calls CARICOM an “abbreviation”, not a Spanish acronym. Its members "
              "are not stated."),
    R("ggorg:northern-triangle", ["gg:CountryGrouping"], "Northern Triangle", "Triángulo Norte",
      alt=[("so-called Northern Triangle", "en")],
      quotes=[("northern-triangle", "the so-called Northern Triangle[1]")], inv=["ENT-O18"],
      comment="An informal (“so-called”) grouping; the footnote gives its members, a closed list."),
    R("ggorg:missing-migrants-project", ["gg:DataProject"], "Missing Migrants Project",
      quotes=[("missing-migrants-project", "According to Missing Migrants Project")], inv=["ENT-O01"],
      comment="No bibliography entry; the essay does not say who runs it."),
    R("ggorg:mixed-migration-centre", ["gg:ResearchOrganisation"], "Mixed Migration Centre",
      alt=[("MMC", "en")],
      quotes=[("mixed-migration-centre", "accelerated in Mexico, Chile and Panama (Mixed Migration Centre 2022)")],
      inv=["ENT-O19"]),
]


def group(key, types, label, quote, inv, label_es=None, props=(), comment=None, line=None) -> R:
    q = (key, quote) if line is None else (key, quote, line)
    return R(f"gggroup:{key}", types, label, label_es, props=list(props), quotes=[q], inv=[inv],
             comment=comment)


CC, PG, CA = ["gg:CountryClass"], ["gg:PopulationGroup"], ["gg:CollectiveActor"]
UNNAMED = "None is named in the essay."

GROUPS = [
    group("migrants-in-first-south-american-countries-of-reception", PG,
          "Latin American, Caribbean, African and Asian migrants residing in first South American "
          "countries of reception",
          "Latin American, Caribbean, African and Asian migrants residing in first South American countries of reception",
          "ENT-K01"),
    group("first-south-american-countries-of-reception", CC,
          "first South American countries of reception", "first South American countries of reception",
          "ENT-K02", "primeros países sudamericanos de recepción",
          comment=UNNAMED + " Nothing says whether Chile is one of them."),
    group("regional-states", CC, "regional states", "regional states have taken an anti-migrant turn",
          "ENT-K03", "Estados de la región"),
    group("international-organizations-civil-society-private-sector", CA,
          "international organizations, civil society, and the private sector",
          "international organizations, civil society, and the private sector", "ENT-K04",
          "organizaciones internacionales, sociedad civil y sector privado"),
    group("migrants-idps-asylum-seekers", PG,
          "migrants, internally displaced people and asylum seekers worldwide",
          "migrants, internally displaced people and asylum seekers worldwide", "ENT-K05",
          "migrantes, desplazados internos y solicitantes de asilo en el mundo"),
    group("un-member-states", CC, "UN member states", "all 193 UN member states", "ENT-K06",
          "Estados miembros de la ONU", props=[("gg:memberCount", "193")],
          comment="“all 193”: a count, not a list; the states are not enumerated."),
    group("compact-partners", CA, "member states, civil society, NGOs and private sectors",
          "member states, civil society, NGOs and private sectors", "ENT-K07",
          "Estados miembros, sociedad civil, ONG y sectores privados"),
    group("third-countries", CC, "third countries", "to third countries", "ENT-K08", "terceros países",
          comment=UNNAMED + " No citation is given for the outsourcing (“as we know”)."),
    group("impoverished-or-conflict-affected-countries", CC,
          "impoverished or conflict-affected countries",
          "coming from impoverished or conflict-affected countries", "ENT-K09",
          "países empobrecidos o afectados por conflictos", comment=UNNAMED),
    group("latin-american-un-member-states", CC, "Latin American UN Member States",
          "Although Latin American UN Member States have joined both Global Compacts", "ENT-K10",
          "Estados miembros latinoamericanos de la ONU",
          comment="A collective statement: no individual state is said to have joined."),
    group("migration-experts", CA, "‘migration experts’", "through ‘migration experts’", "ENT-K11",
          "‘expertos en migración’"),
    group("latin-american-states", CC, "Latin American states",
          "difficulties of Latin American states to respond", "ENT-K12", "Estados latinoamericanos"),
    group("national-immigration-agencies", CA, "national immigration agencies",
          "amongst national immigration agencies", "ENT-K13", "agencias nacionales de inmigración"),
    group("other-un-and-multilateral-organisms", CA, "other UN and multilateral organisms",
          "amongst other UN and multilateral organisms", "ENT-K14",
          "otros organismos de la ONU y multilaterales", comment=UNNAMED),
    group("global-south-transit-countries", CC, "Global South transit countries",
          "Global South transit countries", "ENT-K15", "países de tránsito del Sur Global",
          comment=UNNAMED),
    group("certain-latin-american-countries", CC, "certain Latin American countries",
          "certain Latin American countries", "ENT-K16", "ciertos países latinoamericanos",
          comment=UNNAMED),
    group("global-north-nations", CC, "Global North nations", "Global North nations", "ENT-K17",
          "naciones del Norte Global"),
    group("smugglers", CA, "smugglers and smuggling networks", "moved by smugglers", "ENT-K18",
          "traficantes y redes de tráfico de migrantes"),
]
GROUPS.append(R("gggroup:global-south-countries", CC, "Global South countries",
                "países del Sur Global",
                quotes=[("global-south-countries",
                         "holds Global South countries responsible for irregularized transit migrants")],
                comment=UNNAMED + " “Those countries today host 85 per cent of asylum seekers "
                        "worldwide” refers back to them."))


def place(key, types, label, label_es, quote, inv, alt=(), comment=None) -> R:
    quotes = [quote] if isinstance(quote, tuple) else quote
    return R(f"ggplace:{key}", types, label, label_es, alt=list(alt), quotes=quotes,
             inv=inv if isinstance(inv, list) else [inv], comment=comment)


REG, GEO, BOR, BRG = ["gg:Region"], ["gg:GeopoliticalRegion"], ["gg:Border"], ["gg:BorderRegion"]

PLACES = [
    place("the-americas", REG, "the Americas", "las Américas",
          [("the-americas", "The ongoing dynamics across the Americas"),
           ("the-hemisphere", "From two regional offices, it covers the hemisphere."),
           ("the-continent", "across the continent account for this")],
          ["ENT-G01", "ENT-G14", "ENT-G18"], alt=[("the hemisphere", "en"), ("the continent", "en")],
          comment="“the hemisphere” (L26) and “the continent” (L31) are read as the Americas."),
    place("southern-cone", REG, "Southern Cone", "Cono Sur",
          ("southern-cone", "divert them to Southern Cone destinations"), "ENT-G02",
          comment="Its destinations are not named."),
    place("us-mexico-border", BOR, "US-Mexican border", "frontera entre Estados Unidos y México",
          ("us-mexican-border", "detained at the US-Mexican border"), "ENT-G03"),
    place("chile-northern-border", BOR, "Chile’s northern border", "frontera norte de Chile",
          ("chile-northern-border", "crossed its northern border in 2020"), "ENT-G04",
          comment="The neighbouring country is not stated; not equated with the Peru-Chile border."),
    place("peru-chile-border", BOR, "Peru-Chile border", "frontera Perú-Chile",
          ("peru-chile-border", "something that surfaced at the Peru-Chile"), "ENT-G05"),
    place("ecuador-colombia-border", BOR, "Ecuador-Colombia border", "frontera Ecuador-Colombia",
          ("ecuador-colombia-border", "the Peru-Chile, Ecuador-Colombia, Honduras-Guatemala borders"),
          "ENT-G06"),
    place("honduras-guatemala-border", BOR, "Honduras-Guatemala border", "frontera Honduras-Guatemala",
          ("honduras-guatemala-border", "Ecuador-Colombia, Honduras-Guatemala borders"), "ENT-G07"),
    place("darien-gap", BRG, "Darien Gap", None, ("darien-gap", "in the lethal Darien Gap"), "ENT-G08",
          comment="No country is named for it in the essay."),
    place("mexico-southern-border", BOR, "Mexico’s southern border", "frontera sur de México",
          ("mexico-southern-border", "Mexico’s southern and northern borders"), "ENT-G09"),
    place("mexico-northern-border", BOR, "Mexico’s northern border", "frontera norte de México",
          ("mexico-northern-border", "southern and northern borders. Migrant camps"), "ENT-G10",
          comment="Probably the same physical border as the US-Mexican border, but the essay uses "
                  "two labels in two contexts; not merged."),
    place("borderlands-of-the-americas", BRG, "borderlands of the Americas",
          "zonas fronterizas de las Américas",
          ("borderlands-of-the-americas", "across the borderlands of the Americas"), "ENT-G11"),
    place("latin-america", REG, "Latin America", "América Latina",
          ("latin-america", "Latin America and particularly South America, was crucial"), "ENT-G12"),
    place("south-america", REG, "South America", "América del Sur",
          ("south-america", "particularly South America, was crucial"), "ENT-G13"),
    place("central-america", REG, "Central America", "Centroamérica",
          ("central-america", "Office for Central America, North America and the Caribbean"), "ENT-G15",
          comment="Spanish label from the essay’s own reference list: “Centroamérica, Norteamérica "
                  "y el Caribe”."),
    place("north-america", REG, "North America", "Norteamérica",
          ("north-america", "Central America, North America and the Caribbean is located"), "ENT-G16"),
    place("the-caribbean", REG, "the Caribbean", "el Caribe",
          ("the-caribbean", "North America and the Caribbean Regional Strategy"), "ENT-G17"),
    place("global-south", GEO, "Global South", "Sur Global",
          ("global-south", "‘problems’ of the Global South"), "ENT-G19"),
    place("global-north", GEO, "Global North", "Norte Global",
          ("global-north", "for Global North nations have not ceased"), "ENT-G20"),
]

STATE_RESOURCES = [state(*s) for s in STATES]
