"""Topic labels: a small fixed set per town hall, suggested from keywords. Pure.

Each question gets one topic key of its town hall's list, or ``""`` when
none fits. On arrival the key is suggested here (``suggest_topic``) and
stored with ``topic_source = "auto"``; a moderator corrects it with one key
in the console (``services.question_set_topic``, ``"moderator"``).

The suggestion counts keyword hits per topic on the text's matching form
(``normalize_for_matching``: case, accents, look-alikes and elision folded,
so "l'hôpital", "HOPITAUX" and "hôpitaux" all read "hopita…"). A keyword is
a word start ("logement" matches "logements"), or a whole word when it ends
with ``=`` ("bus=" is not "business"), or several words; ``~`` marks a weak
cue, which counts half. The topic with the
most hits wins (a keyword of several words counts once per word); a tie, or no hit, suggests nothing: a wrong label costs a
moderator more than a missing one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import cache

from django.utils.translation import gettext_lazy as _

from moderation.scoring.normalize import normalize_for_matching

# The default set, in the console's key order (1-9). A town hall may keep a
# subset, in its own order (``TownHall.topics``); empty means all of these.
TOPIC_LABELS = {
    "transport": _("Transport"),
    "housing": _("Housing"),
    "employment": _("Jobs and economy"),
    "environment": _("Environment"),
    "education": _("Education and childhood"),
    "health": _("Health"),
    "safety": _("Safety"),
    "budget": _("Budget and taxes"),
    "culture": _("Culture and sport"),
}
DEFAULT_TOPICS: tuple[str, ...] = tuple(TOPIC_LABELS)
MAX_TOPICS = 9  # one digit key each

AUTO = "auto"
MODERATOR = "moderator"

# A weak cue ("~horaire", "~enfants") counts half: alone it names a topic,
# next to a strong word it yields ("les horaires de la bibliothèque").
WEAK = 0.5

# English and French, in their matching form (no accents, lower case).
KEYWORDS: dict[str, tuple[str, ...]] = {
    "transport": (
        # fr
        "transport", "bus=", "autobus", "tram", "metro", "rer=", "ter=", "tgv", "train=", "trains=", "gare",
        "ligne de", "arret", "velo", "cyclable", "cycliste", "~pietons", "~pieton", "~trottoir", "voiture", "auto=",
        "autos=", "stationnement", "stationner", "parking", "circulation", "bouchon", "embouteillage", "route",
        "rocade", "periph", "autoroute", "rond-point", "rond point", "carrefour", "covoiturage", "navette",
        "~horaire", "~correspondance", "~abonnement", "~ticket", "titre de transport", "mobilite", "chaussee",
        "nids-de-poule", "nid de poule", "nids de poule", "zone 30", "limitation de vitesse", "trafic", "deplacement",
        "aeroport", "ferroviaire", "tramway", "trottinette", "~ligne", "~travaux", "~chantier", "poids lourd",
        "poids lourds", "camion", "deviation", "moto", "motos",
        # en
        "buses", "railway", "~station", "cycle lane", "bike", "bicycle", "cyclist", "pedestrian", "sidewalk",
        "pavement", "car=", "cars=", "traffic", "road", "roads", "motorway", "highway", "pothole", "commute",
        "timetable", "~fare", "~fares", "subway", "underground", "scooter", "speed limit", "junction", "roundabout",
        "carpool", "~ride=", "~rides=", "congestion", "lorry", "lorries", "roadworks", "motorbike",
    ),
    "housing": (
        # fr
        "logement", "loger", "loyer", "hlm", "locataire", "proprietaire", "bailleur", "immobilier", "appartement",
        "~maison", "habitat", "habitation", "sans-abri", "sans abri", "sdf", "hebergement", "expulsion", "renovation",
        "isolation thermique", "passoire", "copropriete", "lotissement", "construction de", "construire des",
        "permis de construire", "urbanisme", "plu=", "quartier prioritaire", "squat", "insalubre", "vacant", "studio", "ascenseur", "etages", "hebergement d'urgence",
        "~residence", "~foyer", "colocation", "airbnb", "meuble de tourisme", "acceder a la propriete",
        # en
        "housing", "~house", "~houses", "home ownership", "homeless", "rent=", "rents=", "renting", "rented", "renter",
        "tenant", "landlord", "flat=", "flats=", "apartment", "eviction", "mortgage", "affordable home",
        "social home", "council home", "council housing", "dwelling", "shelter", "property", "estate agent",
        "planning permission", "~homes=", "tents", "sleeping rough", "rough sleep",
    ),
    "employment": (
        # fr
        "emploi", "chomage", "chomeur", "~travail", "~travailler", "embauche", "recrut", "entreprise", "commerce",
        "commercant", "boutique", "magasin", "artisan", "usine", "industri", "licenci", "salaire", "salarie",
        "pole emploi", "france travail", "apprenti", "alternance", "~stage", "formation professionnelle",
        "reconversion", "zone d'activite", "zone d activite", "zone artisanale", "centre-ville commercial",
        "startup", "start-up", "pme", "tpe", "insertion", "~job", "boulot", "economie=", "economique", "smic", "pouvoir d'achat", "pouvoir d achat",
        "delocalis", "fermeture de l'usine", "agricult", "agriculteur", "tourisme", "interim", "cdi=", "cdd=",
        "debouche", "~clients",
        # en
        "~jobs", "employment", "unemploy", "employer", "hiring", "workers", "worker", "wage", "wages", "salary",
        "business", "~shop", "~shops", "shopkeeper", "retail", "factory", "factories", "layoff", "laid off",
        "apprentice", "vocational", "economy", "economic", "high street", "small firms", "firm=", "firms=",
        "career", "farmers", "living wage", "pay=", "hospitality", "car plant", "~plant=", "new industries",
    ),
    "environment": (
        # fr
        "environnement", "ecolog", "pollution", "pollue", "climat", "rechauffement", "carbone", "co2", "arbre",
        "espace vert", "espaces verts", "parc=", "parcs=", "~jardin", "biodiversite", "dechet", "poubelle",
        "ordures", "tri=", "tri selectif", "recycl", "compost", "eau potable", "qualite de l'eau", "~riviere",
        "inondation", "secheresse", "~energie", "renouvelable", "eolien", "solaire", "photovolta", "nucleaire",
        "bruit", "nuisance sonore", "pesticide", "qualite de l'air", "qualite de l air", "canicule",
        "vegetalis", "~nature", "depot sauvage", "decharge", "plastique", "zfe", "faune", "foret", "ilot de chaleur", "ilots de chaleur", "charbon", "zone humide", "zones humides",
        "~verre",
        # en
        "environment", "climate", "emission", "carbon", "trees", "tree=", "green space", "park=", "parks=",
        "~garden", "waste", "rubbish", "litter", "bin=", "bins=", "recycling", "landfill", "flood", "drought",
        "~energy", "solar", "wind farm", "wind turbine", "noise", "air quality", "wildlife", "heatwave",
        "fly-tipping", "fly tipping", "~river", "sewage", "coal", "pfas", "wetland", "bottle bank", "~glass",
    ),
    "education": (
        # fr
        "ecole", "scolaire", "scolarite", "~college", "lycee", "eleve=", "eleves=", "enseignant", "professeur", "prof=",
        "profs=", "instituteur", "maternelle", "primaire", "cantine", "restauration scolaire", "periscolaire",
        "creche", "garde d'enfant", "garde d enfant", "assistante maternelle", "petite enfance", "universite",
        "etudiant", "fac=", "bourse", "rentree", "~classe", "education", "apprentissage de", "~devoirs",
        "cour de recreation", "atsem", "~enfants", "~jeunesse", "centre de loisirs",
        # en
        "school", "schools", "pupil", "teacher", "classroom", "nursery", "childcare", "kindergarten", "university",
        "student", "tuition", "canteen", "school meals", "education", "~college", "~children", "~kids", "~youth",
        "after-school", "after school", "daycare",
    ),
    "health": (
        # fr
        "sante", "hopital", "hopitaux", "urgence", "medecin", "generaliste", "specialiste", "desert medical",
        "deserts medicaux", "maison de sante", "centre de sante", "infirmi", "pharmacie", "~soins", "soigner",
        "maladie", "~malade", "ehpad", "personnes agees", "aines", "dependance", "handicap", "psychiatr",
        "sante mentale", "vaccin", "covid", "clinique", "dentiste", "kine", "maternite", "ambulance", "samu", "ophtalmo", "psycholog", "maison de repos",
        "rendez-vous medical",
        "~medical",
        # en
        "health", "hospital", "emergency room", "doctor", "gp=", "gps=", "nurse", "pharmacy", "clinic",
        "~patients", "~patient=", "care home", "elderly", "mental health", "disabled", "disability", "~medical",
        "dentist", "ambulance", "illness", "vaccination", "~waiting list",
    ),
    "safety": (
        # fr
        "securite", "insecurite", "police", "policier", "gendarmerie", "gendarme", "delinquance", "delinquant",
        "cambriol", "vol=", "vols=", "agression", "~violence", "trafic de drogue", "drogue", "dealer", "deal=",
        "videosurveillance", "video-protection", "videoprotection", "~camera", "incivilite", "rodeo", "tapage",
        "eclairage", "lampadaire", "vandalisme", "degradation", "harcelement", "pompier", "crime",
        "criminalite", "rixe", "couvre-feu", "controle de vitesse", "controles de vitesse", "radar",
        "ralentisseur", "coupe-gorge", "stupefiant", "fractur", "seringue", "incendi",
        # en
        "safety", "~safe=", "unsafe", "police", "policing", "officers", "crime", "burglar", "theft", "stolen",
        "robbery", "mugging", "assault", "~violence", "drug", "dealing", "cctv", "~camera", "antisocial",
        "anti-social", "vandal", "street lighting", "street lights", "streetlight", "knife", "~gang", "firefighter", "speeding", "weed", "speed check",
        "patrol",
    ),
    "budget": (
        # fr
        "budget", "impot", "taxe fonciere", "taxe d'habitation", "taxe d habitation", "taxe", "fiscal",
        "fiscalite", "depense", "dette", "endettement", "finances", "financ", "subvention", "argent public",
        "deniers publics", "~cout=", "~couts=", "~coute=", "~coutent=", "~coutera", "~couter=", "couteux", "millions d'euros", "millions d euros", "million d'euros",
        "~euros", "economies=", "contribuable", "marche public", "marches publics", "appel d'offres",
        "appel d offres", "deficit", "faillite", "emprunt", "compte administratif", "~tarif", "gaspill", "investissement", "dotation", "indemnite", "~prix",
        # en
        "budget", "tax=", "taxes=", "taxpayer", "council tax", "spending", "~spend", "debt", "finances", "funding",
        "funded", "subsid", "grant", "~cost=", "~costs=", "costing", "costly", "~money", "public money", "~contract", "tender",
        "overspend", "~savings", "~cuts", "expenses", "bankrupt", "borrow", "levy", "salaries", "~pounds", "~million",
    ),
    "culture": (
        # fr
        "culture", "culturel", "musee", "bibliotheque", "mediatheque", "theatre", "cinema", "concert", "festival",
        "spectacle", "patrimoine", "exposition", "artiste", "~association", "sport", "stade", "gymnase", "piscine",
        "terrain de foot", "football", "equipement sportif", "salle des fetes", "~fete", "~animation", "~loisirs",
        "conservatoire", "marche de noel", "carnaval", "bassin", "~musique", "danse", "~club", "jeux olympiques", "skatepark", "patinoire",
        # en
        "cultural", "museum", "library", "libraries", "theatre", "theater", "cinema", "concert", "festival",
        "heritage", "exhibition", "artist", "arts=", "sport", "sports", "stadium", "gym", "swimming pool",
        "pool=", "~leisure", "~music", "football pitch", "playground", "community centre", "community center", "christmas market",
    ),
}  # fmt: skip


def _form(keyword: str) -> str:
    return " ".join(normalize_for_matching(keyword.lstrip("~").rstrip("=")).split())


def _pattern(keyword: str) -> str:
    body = r"\s+".join(re.escape(word) for word in _form(keyword).split())
    return body + (r"\b" if keyword.endswith("=") else "")


@cache
def _matcher() -> tuple[re.Pattern[str], dict[str, tuple[str, float]]]:
    """One pattern for every keyword (longest first, so "maison de sante" is
    read before "~maison") and the topic and weight of each keyword's form."""
    owner: dict[str, tuple[str, float]] = {}
    for topic, keywords in KEYWORDS.items():
        for keyword in keywords:
            form = _form(keyword)
            weight = WEAK if keyword.startswith("~") else float(len(form.split()))
            if owner.setdefault(form, (topic, weight))[0] != topic:
                raise ValueError(f"topic keyword {keyword!r} is in {owner[form][0]!r} and {topic!r}")
    keywords = sorted({k for ks in KEYWORDS.values() for k in ks}, key=lambda k: len(_form(k)), reverse=True)
    return re.compile(r"\b(?:" + "|".join(_pattern(k) for k in keywords) + ")"), owner


def topic_hits(text: str, topics: Iterable[str] = DEFAULT_TOPICS) -> dict[str, float]:
    """Keyword hits per topic of ``topics`` in ``text`` (topics with none left
    out). A keyword of several words counts once per word: "maison de santé"
    is health (3), not housing; a weak cue counts half."""
    pattern, owner = _matcher()
    wanted = set(topics)
    hits: dict[str, float] = {}
    for match in pattern.finditer(normalize_for_matching(text)):
        topic, weight = owner[" ".join(match.group(0).split())]
        if topic in wanted:
            hits[topic] = hits.get(topic, 0.0) + weight
    return hits


def suggest_topic(text: str, topics: Sequence[str] = DEFAULT_TOPICS) -> str:
    """The topic of ``topics`` with the most keyword hits in ``text``; ``""``
    when none has a hit or two share the most."""
    hits = topic_hits(text, topics)
    if not hits:
        return ""
    ranked = sorted(hits.values(), reverse=True)
    if len(ranked) > 1 and ranked[0] == ranked[1]:
        return ""
    return max(hits, key=hits.__getitem__)


def townhall_topics(configured: Sequence[str] | None) -> list[str]:
    """A town hall's topic keys in key order: its own list, or the default set."""
    return list(configured) if configured else list(DEFAULT_TOPICS)


def validate_topics(keys: Sequence[str]) -> list[str]:
    """A town hall's list, checked: known keys, no repeat, at most nine.

    Raises ``ValueError`` with a message naming what is wrong.
    """
    keys = list(keys)
    unknown = [k for k in keys if k not in TOPIC_LABELS]
    if unknown:
        raise ValueError(f"unknown topics {', '.join(map(repr, unknown))}; known: {', '.join(DEFAULT_TOPICS)}")
    if len(set(keys)) != len(keys):
        raise ValueError("a topic is listed twice")
    if len(keys) > MAX_TOPICS:
        raise ValueError(f"at most {MAX_TOPICS} topics (one digit key each)")
    return keys


def topic_choices(configured: Sequence[str] | None) -> list[dict[str, str]]:
    """``[{"key", "label"}]`` in key order, labels in the active language."""
    return [{"key": key, "label": str(TOPIC_LABELS[key])} for key in townhall_topics(configured)]


def topic_label(key: str) -> str:
    """The words for topic ``key`` in the active language ("" is "No topic";
    a key no longer known reads as itself)."""
    if not key:
        return str(_("No topic"))
    return str(TOPIC_LABELS.get(key, key))
