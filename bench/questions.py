"""Realistic town-hall questions for benchmarks, generated deterministically.

``town_hall_questions(n, seed=...)`` returns ``n`` civil questions, about half
English and half French, about transport, housing, budget, schools, the
environment, safety, culture and health. Each is a short question, or a
question with some context around it, cut to a target length drawn from a
skewed distribution over 20-400 characters (median about 130, like questions
typed on a phone), so that short and long ones both appear. Same ``n`` and
``seed``, same questions. Pure; no Django.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

MIN_CHARS = 20
MAX_CHARS = 400


@dataclass(frozen=True)
class Question:
    text: str
    lang: str  # "en" or "fr"
    topic: str


_EN_SLOTS = {
    "district": ["the north district", "Riverside", "the old town", "Hillcrest", "the station area", "Eastfield"],
    "street": ["Main Street", "Park Road", "Mill Lane", "Church Street", "Harbour Road", "Station Avenue"],
    "line": ["12", "4", "27", "the night", "the school"],
    "year": ["2026", "2027", "2028"],
    "amount": ["2 million", "450,000", "1.2 million", "80,000", "3.5 million"],
    "pct": ["8", "12", "15", "20", "30"],
    "place": ["the library", "the swimming pool", "the sports hall", "the community centre", "the youth club"],
    "school": ["Oakwood primary", "the high school", "St Mary's", "the new secondary school"],
}
_FR_SLOTS = {
    "district": [
        "le quartier nord",
        "les Berges",
        "la vieille ville",
        "les Coteaux",
        "le quartier de la gare",
        "Champfleury",
    ],
    "street": [
        "la rue principale",
        "l'avenue de la Gare",
        "la rue du Moulin",
        "la place de la Mairie",
        "la rue de l'Église",
    ],
    "line": ["12", "4", "27", "de nuit", "scolaire"],
    "year": ["2026", "2027", "2028"],
    "amount": ["2 millions d'euros", "450 000 €", "1,2 million d'euros", "80 000 €", "3,5 millions d'euros"],
    "pct": ["8", "12", "15", "20", "30"],
    "place": ["la médiathèque", "la piscine", "le gymnase", "la maison de quartier", "le centre social"],
    "school": ["l'école Jean-Moulin", "l'école des Tilleuls", "l'école maternelle du centre", "l'école du Parc"],
}

# topic -> (short questions, questions, context sentences)
_EN: dict[str, tuple[list[str], list[str], list[str]]] = {
    "transport": (
        [
            "When will the tram reopen?",
            "Why was bus {line} cut?",
            "Any news on the bike lanes?",
            "Is parking going up?",
        ],
        [
            "When will the tram line to {district} reopen after the works?",
            "Why was the evening service of bus {line} cut, and will it come back in {year}?",
            "Will the council build a protected bike lane on {street} as promised?",
            "How much will resident parking cost in {district} from {year}?",
            "Can the council add a pedestrian crossing near {school} before the winter?",
        ],
        [
            "The {line} bus is late most mornings and people miss the start of work.",
            "Children cycle to {school} along {street} with lorries passing right next to them.",
            "Since the works started, the detour adds twenty minutes to every trip.",
            "Many older residents in {district} no longer have a car and depend on the bus.",
            "Traffic on {street} has doubled since the new car park opened.",
        ],
    ),
    "housing": (
        ["Where is the social housing plan?", "Will rents be capped?", "What about empty flats?"],
        [
            "How many social housing units will be built in {district} by {year}?",
            "What is the council doing about rents, which went up {pct}% in two years?",
            "Will the empty offices on {street} be turned into housing?",
            "Can young families still afford to live in {district}, and what is the plan if not?",
            "When will the repairs to the council flats on {street} finally start?",
        ],
        [
            "Our building has had damp and broken heating for three winters now.",
            "Rents in {district} went up {pct}% in two years while wages did not move.",
            "Several flats on {street} have been empty for years while people wait on the list.",
            "My daughter had to move to another town because she could not find anything here.",
        ],
    ),
    "budget": (
        ["Why did taxes go up?", "What does the budget cut?", "Who pays for the stadium?"],
        [
            "Why does the {year} budget spend {amount} on the new roundabout?",
            "Which services will be cut to balance the budget in {year}?",
            "Will local taxes go up again next year, and by how much?",
            "Can residents see a line-by-line breakdown of the {amount} consultancy contract?",
            "How will the council pay back the loan for {place}?",
        ],
        [
            "Last year we were told there was no money for {place}.",
            "The council spent {amount} on studies that nobody has seen.",
            "Many households here already struggle with energy bills.",
            "Other towns of our size publish their budget online in plain language.",
        ],
    ),
    "schools": (
        ["Will {school} close?", "When is the canteen fixed?", "Why fewer teachers?"],
        [
            "Is it true that {school} will close, and where would the children go?",
            "When will the leaking roof of {school} be repaired?",
            "Will the school canteen serve more local and organic food from {year}?",
            "Why is there still no after-school club in {district}?",
            "How will classes of thirty children be reduced at {school}?",
        ],
        [
            "Parents have been asking for this for three years without an answer.",
            "The classrooms at {school} were too hot to work in last June.",
            "Working parents in {district} have nowhere to leave their children after four.",
            "The waiting list for the nursery is now more than a year long.",
        ],
    ),
    "environment": (
        ["When will recycling improve?", "Why cut the trees?", "Is the river water safe?"],
        [
            "Why were the old trees on {street} cut down, and will they be replaced?",
            "When will food waste collection start in {district}?",
            "Is the water in the river safe for children to swim in this summer?",
            "What is the council's plan to reduce flooding in {district}?",
            "Will {place} get solar panels, as announced in the climate plan?",
        ],
        [
            "The bins on {street} overflow every weekend in summer.",
            "The last two floods damaged dozens of homes in {district}.",
            "Noise from the ring road keeps families awake all night.",
        ],
    ),
    "safety": (
        ["Can we get more street lights?", "Where are the police at night?"],
        [
            "Can the council put more lighting in the park near {street}?",
            "Will there be more police patrols in {district} at night?",
            "What is being done about speeding on {street}?",
            "When will the broken pavement on {street} be fixed before someone falls?",
        ],
        [
            "Several people have been hurt on that corner this year.",
            "Women tell me they avoid the underpass after dark.",
            "Cars regularly drive at sixty in a thirty zone outside {school}.",
        ],
    ),
    "culture": (
        ["Why is {place} closing early?", "Will the festival return?"],
        [
            "Why will {place} be closed on Sundays from {year}?",
            "Will the summer festival come back to {district} next year?",
            "Can local associations use {place} for free in the evenings?",
        ],
        [
            "{place} is the only warm place some older people have in winter.",
            "Young people in {district} have nothing to do in the evenings.",
        ],
    ),
    "health": (
        ["When will we get a doctor?", "Will the clinic stay open?"],
        [
            "What is the council doing to attract GPs to {district}?",
            "Will the walk-in clinic near {street} stay open at weekends?",
            "Can the council help run a mobile health bus for older residents?",
        ],
        [
            "I waited three weeks for an appointment last month.",
            "The nearest emergency department is forty minutes away by bus.",
        ],
    ),
}
_FR: dict[str, tuple[list[str], list[str], list[str]]] = {
    "transport": (
        ["Quand le tram rouvrira-t-il ?", "Pourquoi la ligne {line} est-elle supprimée ?", "Et les pistes cyclables ?"],
        [
            "Quand la ligne de tram vers {district} rouvrira-t-elle après les travaux ?",
            "Pourquoi le bus {line} ne passe-t-il plus le soir, et reviendra-t-il en {year} ?",
            "La mairie va-t-elle créer une piste cyclable protégée sur {street} comme promis ?",
            "Combien coûtera le stationnement résidentiel dans {district} à partir de {year} ?",
            "Peut-on avoir un passage piéton devant {school} avant l'hiver ?",
        ],
        [
            "Le bus {line} est en retard presque tous les matins et les gens arrivent en retard au travail.",
            "Les enfants vont à vélo à {school} par {street}, avec des camions qui les frôlent.",
            "Depuis le début des travaux, la déviation ajoute vingt minutes à chaque trajet.",
            "Beaucoup de personnes âgées dans {district} n'ont plus de voiture et dépendent du bus.",
        ],
    ),
    "housing": (
        ["Où en est le logement social ?", "Les loyers seront-ils encadrés ?", "Et les logements vides ?"],
        [
            "Combien de logements sociaux seront construits dans {district} d'ici {year} ?",
            "Que fait la mairie contre la hausse des loyers, qui ont augmenté de {pct} % en deux ans ?",
            "Les bureaux vides de {street} seront-ils transformés en logements ?",
            "Quand les travaux dans les logements municipaux de {street} vont-ils enfin commencer ?",
        ],
        [
            "Notre immeuble a de l'humidité et un chauffage en panne depuis trois hivers.",
            "Les loyers dans {district} ont augmenté de {pct} % en deux ans alors que les salaires n'ont pas bougé.",
            "Plusieurs appartements de {street} sont vides depuis des années.",
            "Ma fille a dû partir dans une autre ville faute de trouver un logement ici.",
        ],
    ),
    "budget": (
        ["Pourquoi les impôts augmentent-ils ?", "Que coupe le budget ?", "Qui paie le stade ?"],
        [
            "Pourquoi le budget {year} consacre-t-il {amount} au nouveau rond-point ?",
            "Quels services seront réduits pour équilibrer le budget {year} ?",
            "Les impôts locaux vont-ils encore augmenter l'an prochain, et de combien ?",
            "Les habitants peuvent-ils consulter le détail du contrat de conseil de {amount} ?",
            "Comment la mairie remboursera-t-elle l'emprunt pour {place} ?",
        ],
        [
            "L'an dernier, on nous a dit qu'il n'y avait pas d'argent pour {place}.",
            "La mairie a dépensé {amount} en études que personne n'a vues.",
            "Beaucoup de ménages ici ont déjà du mal à payer leurs factures d'énergie.",
        ],
    ),
    "schools": (
        ["Est-ce que {school} va fermer ?", "Quand la cantine sera-t-elle réparée ?"],
        [
            "Est-il vrai que {school} va fermer, et où iraient les enfants ?",
            "Quand le toit qui fuit à {school} sera-t-il réparé ?",
            "La cantine servira-t-elle plus de produits locaux et bio à partir de {year} ?",
            "Pourquoi n'y a-t-il toujours pas d'accueil périscolaire dans {district} ?",
        ],
        [
            "Les parents le demandent depuis trois ans sans réponse.",
            "En juin dernier, il faisait trop chaud pour travailler dans les classes de {school}.",
            "La liste d'attente pour la crèche dépasse maintenant un an.",
        ],
    ),
    "environment": (
        ["Pourquoi couper les arbres ?", "L'eau de la rivière est-elle sûre ?"],
        [
            "Pourquoi les vieux arbres de {street} ont-ils été abattus, et seront-ils remplacés ?",
            "Quand la collecte des déchets alimentaires commencera-t-elle dans {district} ?",
            "Que prévoit la mairie contre les inondations dans {district} ?",
            "Y aura-t-il des panneaux solaires sur {place}, comme annoncé dans le plan climat ?",
        ],
        [
            "Les poubelles de {street} débordent tous les week-ends en été.",
            "Les deux dernières inondations ont abîmé des dizaines de maisons dans {district}.",
            "Le bruit de la rocade empêche les familles de dormir.",
        ],
    ),
    "safety": (
        ["Peut-on avoir plus d'éclairage ?", "Où est la police la nuit ?"],
        [
            "La mairie peut-elle installer plus d'éclairage dans le parc près de {street} ?",
            "Y aura-t-il plus de patrouilles de police dans {district} la nuit ?",
            "Que fait-on contre les excès de vitesse sur {street} ?",
        ],
        [
            "Plusieurs personnes ont été blessées à ce carrefour cette année.",
            "Des voitures roulent régulièrement à soixante dans la zone trente devant {school}.",
        ],
    ),
    "culture": (
        ["Pourquoi fermer {place} plus tôt ?", "Le festival reviendra-t-il ?"],
        [
            "Pourquoi fermer {place} le dimanche à partir de {year} ?",
            "Le festival d'été reviendra-t-il dans {district} l'an prochain ?",
            "Les associations peuvent-elles utiliser {place} gratuitement le soir ?",
        ],
        [
            "Pour certaines personnes âgées, {place} est le seul endroit chauffé en hiver.",
            "Dans {district}, les jeunes n'ont rien à faire le soir.",
        ],
    ),
    "health": (
        ["Quand aurons-nous un médecin ?", "Le centre de santé restera-t-il ouvert ?"],
        [
            "Que fait la mairie pour attirer des médecins généralistes dans {district} ?",
            "Le centre de soins près de {street} restera-t-il ouvert le week-end ?",
        ],
        [
            "J'ai attendu trois semaines pour un rendez-vous le mois dernier.",
            "Les urgences les plus proches sont à quarante minutes en bus.",
        ],
    ),
}
_OPENERS = {
    "en": [
        "Good evening.",
        "Thank you, Mayor.",
        "Hello, I live in {district}.",
        "As a parent,",
        "A question for the council:",
        "I have lived on {street} for twenty years.",
    ],
    "fr": [
        "Bonsoir.",
        "Merci Madame la Maire.",
        "Bonjour, j'habite {district}.",
        "En tant que parent,",
        "Une question pour le conseil :",
        "J'habite {street} depuis vingt ans.",
    ],
}
_CLOSERS = {
    "en": [
        "Thank you.",
        "Can you give us a date?",
        "Will there be a public consultation?",
        "We need a clear answer tonight.",
    ],
    "fr": [
        "Merci.",
        "Pouvez-vous nous donner une date ?",
        "Y aura-t-il une concertation ?",
        "Nous attendons une réponse claire.",
    ],
}


def _fill(template: str, slots: dict[str, list[str]], rng: random.Random) -> str:
    text = template
    for name, values in slots.items():
        key = "{" + name + "}"
        while key in text:
            text = text.replace(key, rng.choice(values), 1)
    return text[0].upper() + text[1:]


def _target_length(rng: random.Random) -> int:
    # Mostly phone-length questions, with a uniform share so that both ends of 20-400 are well covered.
    if rng.random() < 0.25:
        return rng.randint(MIN_CHARS, MAX_CHARS)
    return min(MAX_CHARS, max(MIN_CHARS, round(rng.lognormvariate(math.log(130), 0.55))))


def _compose(lang: str, topic: str, target: int, rng: random.Random) -> str:
    """Opener, context, the question, more context, closer: whatever fits in ``target`` characters."""
    shorts, questions, contexts = (_EN if lang == "en" else _FR)[topic]
    slots = _EN_SLOTS if lang == "en" else _FR_SLOTS
    core = _fill(rng.choice(questions), slots, rng)
    if len(core) > target:
        # A short target: the longest question of the topic that fits, or a short one cut at a word.
        fitting = [s for s in (_fill(q, slots, rng) for q in shorts + questions) if len(s) <= target]
        return max(fitting, key=len) if fitting else _cut(_fill(rng.choice(shorts), slots, rng), target)
    before: list[str] = []
    after: list[str] = []
    opener = closer = ""
    room = target - len(core)
    candidates = [("opener", _fill(rng.choice(_OPENERS[lang]), slots, rng))]
    candidates += [("context", _fill(c, slots, rng)) for c in rng.sample(contexts, len(contexts))]
    candidates.append(("closer", _fill(rng.choice(_CLOSERS[lang]), slots, rng)))
    for kind, text in candidates:
        if len(text) + 1 > room or rng.random() < 0.15:
            continue
        room -= len(text) + 1
        if kind == "opener":
            opener = text
        elif kind == "closer":
            closer = text
        else:
            (before if rng.random() < 0.5 else after).append(text)
    if opener.endswith(","):  # "As a parent, when will..." : the question follows at once
        core, after = core[0].lower() + core[1:], before + after
        before = []
    return " ".join(part for part in [opener, *before, core, *after, closer] if part)


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 2].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + " ?" if len(cut) + 2 <= limit else cut


def town_hall_questions(n: int = 500, *, seed: int = 20261126) -> list[Question]:
    """``n`` civil EN/FR town-hall questions of 20-400 characters, the same for the same ``n`` and ``seed``."""
    rng = random.Random(seed)
    topics = list(_EN)
    result: list[Question] = []
    for i in range(n):
        lang = "en" if i % 2 == 0 else "fr"
        topic = rng.choice(topics)
        text = _compose(lang, topic, _target_length(rng), rng)
        if len(text) < MIN_CHARS:
            text = _compose(lang, topic, MAX_CHARS // 2, rng)
        assert MIN_CHARS <= len(text) <= MAX_CHARS, (len(text), text)
        result.append(Question(text=text, lang=lang, topic=topic))
    return result


def length_summary(questions: list[Question]) -> dict[str, int]:
    """min, p10, p50, p90 and max length in characters."""
    lengths = sorted(len(q.text) for q in questions)

    def at(p: float) -> int:
        return lengths[min(len(lengths) - 1, round(p * (len(lengths) - 1)))]

    return {"min": lengths[0], "p10": at(0.1), "p50": at(0.5), "p90": at(0.9), "max": lengths[-1]}


if __name__ == "__main__":
    sample = town_hall_questions()
    print(length_summary(sample))
    for q in sample[:12]:
        print(f"[{q.lang} {q.topic} {len(q.text)}] {q.text}")
