"""data/instruments.ttl: compacts, declarations, processes, agreements, strategies, measures."""

from __future__ import annotations

from model import R
from ttl import lit

NB, NS = "gg:NonBinding", "gg:BindingStatusNotStated"
MMC, DOMENECH = "ggwork:mixed-migration-centre-2022", "ggwork:domenech-2018"


def yr(y) -> str:
    return lit(str(y), dtype="xsd:gYear")


def ins(key, types, label, quotes, inv, label_es=None, props=(), alt=(), comment=None) -> R:
    quotes = [quotes] if isinstance(quotes, tuple) else quotes
    return R(f"gginstrument:{key}", types, label, label_es, alt=list(alt), props=list(props),
             quotes=quotes, inv=inv if isinstance(inv, list) else [inv], comment=comment)


def period(start=None, end=None, text=None) -> list:
    return [("gg:startYear", yr(start) if start else None), ("gg:endYear", yr(end) if end else None),
            ("gg:periodLabel", lit(text, "en") if text else None)]


VISA = ["gg:VisaReimposition"]
DID_THE_SAME = ("gtm-cri-pan-did-the-same", "Guatemala, Costa Rica and Panama did the same")


def same(state, key, label, inv) -> R:
    return ins(key, VISA, label, DID_THE_SAME, inv,
               props=[("gg:year", yr(2021)), ("gg:basis", "gg:Ellipsis"), ("gg:citedSource", MMC)],
               comment=f"{state} “did the same” as Mexico: the reimposition and the year 2021 are "
                       "read from the ellipsis; its target nationalities and purpose are not stated.")


INSTRUMENTS = [
    ins("mexico-visa-reimposition-2021", VISA, "Mexico’s 2021 visa reimposition",
        ("mexico-visa-reimposition", "in 2021, Mexico reimposed visas to contain Venezuelan, Ecuadorian and Brazilian migrations heading to the US"),
        "INS-01", "reimposición de visados de México en 2021",
        props=[("gg:year", yr(2021)), ("gg:headingTo", "ggstate:USA"),
               ("gg:purpose", lit("to contain Venezuelan, Ecuadorian and Brazilian migrations heading to the US", "en")),
               ("gg:basis", "gg:ExplicitStatement"), ("gg:citedSource", MMC)]),
    same("Guatemala", "guatemala-visa-reimposition-2021", "Guatemala’s visa reimposition (“did the same”)",
         "INS-02"),
    same("Costa Rica", "costa-rica-visa-reimposition-2021",
         "Costa Rica’s visa reimposition (“did the same”)", "INS-03"),
    same("Panama", "panama-visa-reimposition-2021", "Panama’s visa reimposition (“did the same”)",
         "INS-04"),
    ins("border-policing-redoubled-or-militarized", ["gg:BorderPolicing"],
        "police at borders redoubled or militarized",
        ("border-policing-redoubled", "police at borders has redoubled or militarized"), "INS-05",
        "policía fronteriza redoblada o militarizada", props=[("gg:citedSource", MMC)],
        comment="Where this happened is unclear: “in Mexico, Chile and Panama” certainly attaches "
                "to the deportations, not necessarily to this clause."),
    ins("accelerated-deportations", ["gg:DeportationPractice"], "accelerated deportations",
        ("accelerated-deportations", "deportations have accelerated"), "INS-06",
        "deportaciones aceleradas", props=[("gg:citedSource", MMC)]),
    ins("new-york-declaration", ["gg:Declaration"], "New York Declaration on Refugees and Migrants",
        ("new-york-declaration", "In 2016, all 193 UN member states signed the New York Declaration on Refugees and Migrants"),
        "INS-07", props=[("gg:year", yr(2016)), ("gg:bindingStatus", NS)],
        comment="The essay says it was “signed”; it does not say whether it is binding."),
    ins("global-compact-for-migration", ["gg:GlobalCompact"],
        "Global Compact for Safe, Orderly and Regular Migration",
        [("global-compact-for-migration", "the 2018 Global Compact for Safe, Orderly and Regular Migration"),
         ("compacts-non-binding", "These compacts are the first inter-governmentally negotiated non-binding agreements")],
        "INS-08", props=[("gg:year", yr(2018)), ("gg:bindingStatus", NB)]),
    ins("global-compact-on-refugees", ["gg:GlobalCompact"], "Global Compact on Refugees",
        [("global-compact-on-refugees", "and the Global Compact on Refugees"),
         ("compacts-non-binding", "These compacts are the first inter-governmentally negotiated non-binding agreements")],
        "INS-09", props=[("gg:bindingStatus", NB)],
        comment="No year is asserted: “2018” grammatically modifies the other compact (see the "
                "ambiguity note)."),
    ins("border-outsourcing-to-third-countries", ["gg:BorderOutsourcing"],
        "outsourcing of borders to third countries",
        ("border-outsourcing", "The first two, as we know, have outsourced their borders to third countries"),
        "INS-10", "externalización de fronteras a terceros países",
        props=[("gg:purpose", lit("to remotely control unwanted mobility", "en"))]),
    ins("experimental-intergovernmental-agreements", ["gg:Agreement"],
        "experimental intergovernmental agreements for orderly migrant reception and settlement",
        ("experimental-agreements", "experimental intergovernmental agreements for orderly migrant reception and settlement"),
        "INS-11", "acuerdos intergubernamentales experimentales para la recepción y el asentamiento ordenados de migrantes",
        props=[*period(1950, 1969, "the 1950s and 1960s"), ("gg:bindingStatus", NS),
               ("gg:citedSource", DOMENECH)]),
    ins("training-of-personnel", ["gg:Programme"], "training of personnel",
        ("training-of-personnel", "as well as training of personnel during the 1950s and 1960s"),
        "INS-12", "formación de personal", props=[*period(1950, 1969, "the 1950s and 1960s"),
                                                  ("gg:citedSource", DOMENECH)]),
    ins("iom-capacity-building-programmes", ["gg:Programme"],
        "capacity-building programmes for government officials",
        ("capacity-building-programmes", "Between the 1980s and early 2000s, the IOM sponsored and developed capacity-building programmes for government officials"),
        "INS-13", "programas de fortalecimiento de capacidades para funcionarios gubernamentales",
        props=period(1980, None, "Between the 1980s and early 2000s"),
        comment="With them, the dissemination of governance as a needed policy strategy."),
    ins("visas-security-measure", ["gg:SecurityMeasure"], "visas (security measure)",
        ("visas-security-measure", "including: visas, redoublement of border policing"), "INS-14",
        "visados (medida de seguridad)", props=[("gg:citedSource", DOMENECH)],
        comment="A measure of the post-1990s governance model; distinct from the 2021 visa "
                "reimpositions."),
    ins("redoublement-of-border-policing", ["gg:SecurityMeasure", "gg:BorderPolicing"],
        "redoublement of border policing", ("redoublement-of-border-policing", "redoublement of border policing"),
        "INS-15", "redoblamiento de la vigilancia fronteriza", props=[("gg:citedSource", DOMENECH)]),
    ins("joint-operations", ["gg:SecurityMeasure"],
        "joint operations to combat irregularized migrations, human trafficking and migrant smuggling",
        ("joint-operations", "joint operations to combat irregularized migrations, human trafficking and migrant smuggling"),
        "INS-16", "operaciones conjuntas contra las migraciones irregularizadas, la trata de personas y el tráfico de migrantes",
        props=[("gg:citedSource", DOMENECH)]),
    ins("puebla-process", ["gg:RegionalConsultativeProcess"], "Puebla Process",
        ("puebla-process", "consultative spaces like the Puebla Process (1996)"), "INS-17", "Proceso de Puebla",
        props=[("gg:year", yr(1996)), ("gg:bindingStatus", NS)],
        comment="Its members are not stated."),
    ins("south-american-conference", ["gg:RegionalConsultativeProcess"], "South American Conference",
        ("south-american-conference", "the South American Conference (2000)"), "INS-18",
        props=[("gg:year", yr(2000)), ("gg:bindingStatus", NS)],
        comment="The essay gives no fuller name and no members."),
    ins("quito-process", ["gg:Initiative"], "Quito Process",
        [("quito-process", "the Quito Process was launched in 2018 as a non-binding initiative"),
         ("quito-process-aim", "seeking orderly, regulate and safe Venezuelan migration across the region")],
        "INS-19", "Proceso de Quito",
        props=[("gg:year", yr(2018)), ("gg:launchedIn", yr(2018)),
               ("gg:bindingStatus", NB),
               ("gg:purpose", lit("orderly, regulate and safe Venezuelan migration across the region", "en"))],
        comment="Launched “as a non-binding initiative”; who launched it and who its members are "
                "is not stated. The aim is kept as printed (“regulate”)."),
    ins("ministerial-meeting-april-2022", ["gg:Meeting"], "high level Ministerial meeting (April 2022)",
        [("ministerial-meeting", "a high level Ministerial meeting, with IOM support, was convened by Panama in April 2022"),
         ("ministerial-meeting-purpose", "to reinforce a continental battle against irregularized migration and smuggling networks")],
        "INS-20", "reunión ministerial de alto nivel (abril de 2022)",
        props=[("gg:date", lit("2022-04", dtype="xsd:gYearMonth")),
               ("gg:periodLabel", lit("April 2022", "en")),
               ("gg:purpose", lit("to reinforce a continental battle against irregularized migration and smuggling networks", "en"))],
        comment="Unnamed; its venue and participants are not given."),
    ins("iom-south-american-regional-strategy-2020-2024", ["gg:RegionalStrategy"],
        "South American Regional Strategy",
        ("south-american-strategy", "Both offices, delineated a South American and a Central America"),
        "INS-21", props=[*period(2020, 2024, "2020–2024"), ("gg:basis", "gg:DistributiveReading"),
                         ("gg:coverage", "ggplace:south-america")],
        comment="The period “2020–2024” is read as shared with the other strategy (one head noun). "
                "No bibliography entry."),
    ins("iom-central-america-north-america-caribbean-regional-strategy-2020-2024", ["gg:RegionalStrategy"],
        "Central America, North America and the Caribbean Regional Strategy",
        [("cana-caribbean-strategy", "a Central America, North America and the Caribbean Regional Strategy 2020–2024")],
        "INS-22", "Centroamérica, Norteamérica y el Caribe: Estrategia Regional 2020-2024",
        props=[*period(2020, 2024, "2020–2024"), ("gg:bibliographyEntry", "ggwork:iom-2020"),
               ("gg:coverage", ["ggplace:central-america", "ggplace:north-america", "ggplace:the-caribbean"])],
        comment="Its document is the reference-list entry IOM (2020), whose Spanish title gives the "
                "Spanish label (with a hyphen in 2020-2024)."),
    ins("interdictions-on-transit-routes", ["gg:ExclusionPractice"], "interdictions on transit routes",
        ("interdictions", "Interdictions on transit routes"), "INS-23", "interdicciones en las rutas de tránsito"),
    ins("return-protocols", ["gg:ExclusionPractice"], "return protocols",
        ("return-protocols", "return protocols and protracted waiting times"), "INS-24", "protocolos de retorno"),
    ins("protracted-waiting-times", ["gg:ExclusionPractice"], "protracted waiting times",
        ("protracted-waiting-times", "protracted waiting times to keep irregularized migrants in Global South transit countries"),
        "INS-25", "tiempos de espera prolongados"),
    ins("cartagena-declaration", ["gg:Declaration"], "Cartagena Declaration",
        ("cartagena-declaration", "like the Cartagena Declaration of 1984"), "INS-26",
        "Declaración de Cartagena",
        props=[("gg:year", yr(1984)), ("gg:bindingStatus", NS)],
        comment="A “pro-migrant and refugee rights legal framework”; its binding status, "
                "signatories and place are not stated (the name is not geolocated)."),
    ins("constitutional-recognition-of-freedom-of-movement", ["gg:ConstitutionalProvision"],
        "constitutional recognition of freedom of movement",
        ("constitutional-freedom-of-movement", "where the freedom of movement has been constitutionally recognized"),
        "INS-27", "reconocimiento constitucional de la libertad de movimiento",
        comment="The constitutions are not named and no years are given."),
]

FOC = ["gg:FreedomOfCirculationAgreement"]
FOC_QUOTE = "freedom of circulation agreements have proliferated like the CAN, MERCOSUR, CARICOM or between the countries of the so-called Northern Triangle[1] (Ceriani 2022)"


def foc(key, label, inv, alt=()) -> R:
    return ins(key, FOC, label, ("freedom-of-circulation-agreements", FOC_QUOTE), inv, alt=alt,
               props=[("gg:bindingStatus", NS), ("gg:citedSource", "ggwork:ceriani-2022")],
               comment="Unnamed in the essay, which calls the bodies themselves “agreements”.")


INSTRUMENTS += [
    foc("can-freedom-of-circulation-agreement", "freedom of circulation agreement of the CAN", "INS-28"),
    foc("mercosur-freedom-of-circulation-agreement", "freedom of circulation agreement of MERCOSUR",
        "INS-29"),
    foc("caricom-freedom-of-circulation-agreement", "freedom of circulation agreement of CARICOM",
        "INS-30"),
    foc("northern-triangle-freedom-of-circulation-agreement",
        "agreement between the countries of the so-called Northern Triangle", "INS-31",
        alt=[("freedom of circulation agreement of the Northern Triangle", "en")]),
    ins("restrictive-migratory-policies", ["gg:PolicyMeasure"],
        "restrictive migratory policies and tightening border controls",
        ("restrictive-policies", "restrictive migratory policies and tightening border controls"), "INS-32",
        "políticas migratorias restrictivas y endurecimiento de los controles fronterizos"),
    ins("legal-barriers-and-militarized-borders", ["gg:PolicyMeasure"],
        "legal barriers, state reinforced immigration policies and hyper-policed militarized borders",
        ("legal-barriers", "the legal barriers, state reinforced immigration policies and hyper-policed militarized borders"),
        "INS-33", "barreras legales, políticas de inmigración reforzadas por el Estado y fronteras militarizadas e hipervigiladas"),
    ins("security-strategies-national-territorial-control", ["gg:PolicyMeasure"],
        "security strategies in the name of national territorial control",
        ("security-strategies", "reinforce security strategies in the name of national territorial control"),
        "INS-34", "estrategias de seguridad en nombre del control territorial nacional",
        props=[("gg:citedSource", "ggwork:betts-2011")]),
    ins("iom-regional-governance-initiatives", ["gg:Initiative"],
        "regional governance initiatives coordinated by the IOM",
        ("iom-coordinated-initiatives", "As in any regional governance initiative, such as those coordinated by the IOM"),
        [], "iniciativas de gobernanza regional coordinadas por la OIM",
        comment="Unnamed initiatives; in them “certain states or supra-state bodies have more weight”."),
]
