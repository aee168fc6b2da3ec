"""The quotations engine: direct quotations of a body with their speaker and attribution.

A proposal's span runs from the opening quote mark to the closing one, both included. Marks:
curly “ ”, straight " ", guillemets « » and „ “. A quotation that runs over several
paragraphs opens each paragraph with a mark and closes only at its end; it is one span.
Single quotes ‘ ’ are nested quotations or titles (and ’ is also the apostrophe): they never
open a proposal of their own.

Quoted terms, titles and scare quotes ("reciprocal tariffs", ‘Planning Together …’) are told
apart from quotations: a quotation has an attribution (a verb of saying, "according to", a
colon after a name) or reads as speech (eight words or more, or a full sentence). Terms are
returned only with `include_terms=True`, with the score 0.3 and `details["term"] = True`.

Speakers: "X said", "said X", "X said: “…”", "according to X", "X noted / stressed /
observed / added / told … / stated / wrote", "in a statement, X …"; the attribution's span
is from the first word of the speaker to the end of the verb (or the reverse). A pronoun
("He noted that: “…”") is resolved to the most recent person named before it. Titles are
kept apart ("Brazilian President Luiz Inácio Lula da Silva" -> speaker "Luiz Inácio Lula
da Silva", `details["role"]` "Brazilian President"). The speaker is a person's fullest name
in the article ("Núñez told reporters" after "Mayor José Núñez" -> "José Núñez"; as written
in `details["as_written"]`), or a group or body as written ("Officials", "the study").
Never a function word or a fragment: when the attribution cannot be read, the speaker is
empty and the score lower.

Reported speech ("He noted that …" without marks) is not proposed: where it ends is a
guess (the reporting often runs on over sentences). When an annotator marks one,
`suggest_speaker` and `suggest_speech_type` still read it.
"""

import re
from dataclasses import dataclass
from functools import lru_cache

from .proposal import Proposal

# Articles whose quotations, people and speakers are kept per process (the side panel's
# prefill asks for them on every create): a desk works on dozens of articles at once, and
# a miss re-reads a whole body. An entry holds its body (tens of KB for a long article).
BODIES_CACHED = 128

ENGINE = "quotations"
VERSION = "2"

OPENING_QUOTES = '“"«„'
CLOSING_FOR = {"“": "”", '"': '"', "«": "»", "„": "“"}
# Verbs of saying as they follow the speaker ("X noted") or precede it ("said X").
SPEECH_VERBS = frozenset(
    """said says say noted notes told tells added adds stated stressed stresses observed
    observes wrote writes declared declares remarked explained explains warned warns argued
    argues insisted insists emphasised emphasized emphasises emphasizes underlined underscored
    highlighted recalled affirmed reaffirmed asserted commented continued concluded replied
    responded asked announced reiterated acknowledged admitted proclaimed urged quoted
    reported reports""".split()
)
# Verbs that put words in the subject's mouth only when the quotation follows them in the
# same clause, often as a partial quotation: "Sánchez called the US levies “unjustified…”",
# "… to thank Yan “for his accurate information…”". Never read after a quotation.
DESCRIBING_VERBS = frozenset(
    """called calls described describes termed terms branded brands labelled labeled hailed
    hails praised praises condemned condemns denounced denounces criticised criticized
    thanked vowed pledged""".split()
)
# Infinitives of saying: their speaker is the subject of the clause, as for a gerund.
INFINITIVES = ("to thank", "to tell", "to warn", "to urge", "to remind", "to stress")
MULTIWORD_VERBS = ("pointed out", "points out", "went on to say", "said in a statement")
# "Peggy begins by explaining that, “…”", "Lula asked …, stating that …": the speaker is
# the subject of the clause, not the word before the verb.
GERUNDS = frozenset(
    """saying explaining noting adding stating stressing warning writing arguing insisting
    declaring emphasising emphasizing recalling quoting""".split()
)
# "President Ho Chi Minh’s aspiration of “…”": a possessive name before a noun of speech.
SPEECH_NOUNS = (
    "words|remark|remarks|statement|call|appeal|aspiration|pledge|promise|vision|teaching|"
    "teachings|dictum|saying|instruction|description|message|phrase|motto|slogan"
)
INVERTING_VERBS = frozenset("said says added noted wrote asked replied continued explained".split())
PRONOUNS = frozenset("he she they we i it this that who which one you".split())
PERSON_PRONOUNS = frozenset({"he", "she"})
DETERMINERS = frozenset("the a an its their his her our this that these those some".split())
NAME_CONNECTORS = frozenset("da de del der van von bin al la le du dos das di y".split())
# Words of a title, kept apart from the name (lower case).
TITLE_WORDS = frozenset(
    """president vice prime minister ministers foreign secretary general ambassador chairman
    chairwoman chair chairperson premier king queen mayor governor senator comrade mr mrs ms
    dr prof professor spokesperson spokesman spokeswoman director chief executive deputy state
    councillor counsellor councilor envoy commissioner chancellor leader head speaker party
    pm fm sultan emir prince princess crown majesty excellency pope organiser organizer
    engineer representative permanent special adviser advisor minister-president
    president-elect former acting senior sr jr his her first lady central committee
    politburo member standing commander captain colonel lieutenant sheikh""".split()
)
# Lower-case words that are roles when written before a name ("organiser Amélie Durand").
LOWER_ROLE_WORDS = TITLE_WORDS
TERM_INTRODUCERS = re.compile(
    r"(?:entitled|titled|called|named|dubbed|so-called|known as|the term|the word|the words|"
    r"the phrase|the slogan|the motto|the theme|the banner|reading|labelled|labeled|as)"
    r"[\s,:]*$",
    re.IGNORECASE,
)
ADVERBS = frozenset("""also then for his part her""".split()) | frozenset(
    """also then later earlier previously recently once reportedly again publicly separately
    further repeatedly already moreover furthermore however therefore thus still subsequently
    finally additionally in turn""".split()
)

# Time phrases between a speaker and the verb: "Smith on Monday also noted".
TIME_WORDS = frozenset(
    """monday tuesday wednesday thursday friday saturday sunday today yesterday tonight
    on in last this week month year morning evening""".split()
)

_NAME_TOKEN = r"[^\W\d_][\w’'\-.]*"
_SENTENCE_STOP = re.compile(r"(?<=[.!?])\s+(?=[“\"«A-Z])|\n")


# ---- Quote marks ----


def _paragraph_bounds(body: str) -> list[tuple[int, int]]:
    bounds = []
    start = 0
    for match in re.finditer(r"\n", body):
        bounds.append((start, match.start()))
        start = match.end()
    bounds.append((start, len(body)))
    return [(left, right) for left, right in bounds if body[left:right].strip()]


def _opens(body: str, index: int) -> bool:
    """Whether the mark at body[index] opens a quotation (a straight quote is ambiguous)."""
    mark = body[index]
    if mark == '"':
        before = body[index - 1] if index else " "
        after = body[index + 1] if index + 1 < len(body) else " "
        return (before.isspace() or before in "([—–-:") and not after.isspace()
    return True


def quote_spans(body: str) -> list[tuple[int, int]]:
    """(start, end) of every double-quoted passage, marks included, over paragraphs too."""
    paragraphs = _paragraph_bounds(body)
    spans = []
    index_of_paragraph = 0
    while index_of_paragraph < len(paragraphs):
        left, right = paragraphs[index_of_paragraph]
        position = left
        carried_to = None
        while position < right:
            opening = _next_opening(body, position, right)
            if opening is None:
                break
            closing_mark = CLOSING_FOR[body[opening]]
            closing = _find_closing(body, opening + 1, right, body[opening], closing_mark)
            if closing is not None:
                spans.append((opening, closing + 1))
                position = closing + 1
                continue
            # Unclosed: a quotation over paragraphs continues if the next paragraph opens
            # with a mark; it ends at the first paragraph that closes it.
            end = _continue_over_paragraphs(body, paragraphs, index_of_paragraph, closing_mark)
            if end is not None:
                spans.append((opening, end[0] + 1))
                carried_to = end
            break
        if carried_to is not None:
            index_of_paragraph = carried_to[1]
            # The closing paragraph may hold more quotations after the closing mark.
            left, right = paragraphs[index_of_paragraph]
            rest = carried_to[0] + 1
            while rest < right:
                opening = _next_opening(body, rest, right)
                if opening is None:
                    break
                closing = _find_closing(
                    body, opening + 1, right, body[opening], CLOSING_FOR[body[opening]]
                )
                if closing is None:
                    break
                spans.append((opening, closing + 1))
                rest = closing + 1
        index_of_paragraph += 1
    return spans


def _next_opening(body: str, position: int, right: int) -> int | None:
    for index in range(position, right):
        if body[index] in OPENING_QUOTES and _opens(body, index):
            return index
    return None


def _find_closing(body: str, start: int, right: int, opening: str, closing: str) -> int | None:
    """Index of the mark closing a quotation opened before `start`, within [start, right)."""
    for index in range(start, right):
        char = body[index]
        if char == closing and (opening != '"' or not _opens(body, index)):
            return index
        if char == opening and opening != '"' and opening != closing:
            return None  # a new quotation opens before this one closed
    return None


def _continue_over_paragraphs(body, paragraphs, index, closing_mark):
    """(closing index, paragraph index) of a quotation left open at the end of paragraph
    `index`, when each following paragraph opens with a mark; None if it never closes."""
    for next_index in range(index + 1, len(paragraphs)):
        left, right = paragraphs[next_index]
        text = body[left:right].lstrip()
        if not text or text[0] not in OPENING_QUOTES:
            return None
        opening_at = left + (len(body[left:right]) - len(text))
        closing = _find_closing(body, opening_at + 1, right, body[opening_at], closing_mark)
        if closing is not None:
            return closing, next_index
    return None


# ---- Names and people ----


def _tokens(text: str) -> list[str]:
    return re.findall(_NAME_TOKEN, text)


def _is_capitalised(word: str) -> bool:
    return word[:1].isupper()


def split_title(words: list[str]) -> tuple[str, str]:
    """(role, name) of capitalised words: ["Brazilian", "President", "Luiz", …] ->
    ("Brazilian President", "Luiz Inácio Lula da Silva"); "President of Cuba Miguel Díaz-Canel
    Bermúdez" -> ("President of Cuba", "Miguel Díaz-Canel Bermúdez")."""
    index = 0
    role: list[str] = []
    while index < len(words):
        word = words[index]
        lower = word.lower().rstrip(".")
        following = words[index + 1].lower() if index + 1 < len(words) else ""
        if lower in TITLE_WORDS:
            role.append(word)
            index += 1
        elif _is_nationality(word) and (following in TITLE_WORDS):
            role.append(word)
            index += 1
        elif lower == "of" and role and index + 2 < len(words):
            # "President of Cuba Miguel …": one country word, then the name.
            role.extend(words[index : index + 2])
            index += 2
            if index < len(words) and words[index].lower() in ("the",):
                role.append(words[index])
                index += 1
        else:
            break
    name = words[index:]
    while name and name[-1].lower() in NAME_CONNECTORS:
        name.pop()
    return " ".join(role), " ".join(name)


def _is_nationality(word: str) -> bool:
    return _is_capitalised(word) and word.lower().endswith(
        ("ian", "ese", "ish", "an", "i", "ch", "ic", "ak")
    )


_TITLED_NAME = re.compile(
    r"\b(?:President|Prime Minister|Minister|Foreign Minister|Secretary|Ambassador|Mayor|"
    r"Premier|Chairman|Comrade|General Secretary|King|Queen|Governor|Senator|Mr\.?|Mrs\.?|"
    r"Ms\.?|Dr\.?|Professor|Chancellor|Sultan|Emir|Prince|Spokesperson|organiser|engineer|"
    r"spokesperson|spokesman|ambassador|minister|president)"
    r"(?:\s+of\s+(?:the\s+)?[A-Z][\w’'-]+)?,?\s+"
    r"(?P<name>[A-Z][\w’'\-]+(?:\s+(?:(?:da|de|del|van|von|bin|al|dos|y)\s+)?[A-Z][\w’'\-]+){0,4})"
)


# "Maria Isabel Salvador, Special Representative of …": a name, then its title.
_APPOSITIVE_TITLE = re.compile(
    r"(?<![\w’'-])(?P<name>[A-Z][\w’'\-]+(?:\s+[A-Z][\w’'\-]+){1,3}),\s+(?:the\s+)?"
    r"(?:Special|President|Prime|Minister|Foreign|Secretary|Ambassador|Head|Chair|Director|"
    r"Mayor|Governor|spokesperson|spokesman|minister|president|ambassador|head|leader|the\s+"
    r"(?:engineer|organiser|president|minister|head|leader|director|chair))\b"
)


# "an article by Peggy Morton": an author is a person.
_AUTHOR = re.compile(
    r"\b(?:article|op-ed|letter|statement|column|essay|interview|speech|book)\s+(?:written\s+)?by\s+"
    r"(?P<name>[A-Z][\w’'\-]+(?:\s+[A-Z][\w’'\-]+){1,3})"
)


# "said Jane Doe", "Jane Doe told …": a full name next to a verb of saying; bodies
# ("the World Bank said") are told apart by their last word.
_SPEAKING_NAME = re.compile(
    r"\b(?:said|says|added|noted|wrote|told)\s+(?P<after>[A-Z][\w’'\-]+(?:\s+[A-Z][\w’'\-]+){1,3})"
    r"|(?P<before>[A-Z][\w’'\-]+(?:\s+[A-Z][\w’'\-]+){1,3})\s+(?:said|says|told|added|noted|"
    r"stressed|wrote|observed)\b"
)
ORGANISATION_WORDS = frozenset(
    """bank council ministry party government union office organisation organization
    committee agency institute university association forum group news times post
    department court commission parliament congress assembly company corporation fund
    house palace""".split()
)


def people(body: str) -> list[tuple[int, str]]:
    """(position, fullest name) of every mention of a person in `body`, in text order.

    A person is a capitalised name written after a title ("President Xi Jinping", "organiser
    Amélie Durand"); each later mention of that name, or of one of its words ("Xi", "Lula",
    "Núñez"), is a mention of the same person.
    """
    names: list[str] = []
    for match in _APPOSITIVE_TITLE.finditer(body):
        names.append(match["name"])
    for match in _TITLED_NAME.finditer(body):
        name = match["name"].split()
        # Stop the name at a title word or a word that is not part of it ("Xi Jinping held").
        kept = []
        for word in name:
            if word.lower() in TITLE_WORDS and kept:
                break
            kept.append(word)
        _role, full = split_title(kept)
        full = re.sub(r"['’]s$", "", full)
        if full and full.split()[0].lower() not in DETERMINERS | PRONOUNS:
            if full not in names:
                names.append(full)
    for match in _AUTHOR.finditer(body):
        if match["name"] not in names:
            names.append(match["name"])
    for match in _SPEAKING_NAME.finditer(body):
        words = (match["after"] or match["before"]).split()
        _role, full = split_title(words)
        if (
            " " in full
            and full.split()[0].lower() not in DETERMINERS | PRONOUNS
            and not any(word.lower() in ORGANISATION_WORDS for word in words)
            and full not in names
        ):
            names.append(full)
    # A name known by its surname alone ("Prime Minister Carney") is completed by a longer
    # form written elsewhere ("Mark Carney has now received…").
    for name in list(names):
        if " " in name:
            continue
        for longer in re.finditer(
            r"(?<![\w’'-])((?:[A-Z][\w’'\-]+\s+){1,2})" + re.escape(name) + r"(?![\w-])", body
        ):
            _role, full = split_title(longer.group(1).split() + [name])
            if " " in full and full.split()[0].lower() not in DETERMINERS | PRONOUNS:
                if full not in names:
                    names.append(full)
                break
    # Prefer the fullest form: "Xi" and "Xi Jinping" are one person.
    fullest: dict[str, str] = {}
    for name in sorted(names, key=len, reverse=True):
        for word in name.split():
            if word.lower() in NAME_CONNECTORS or len(word) < 2:
                continue
            fullest.setdefault(word, name)
        fullest.setdefault(name, name)
    mentions = []
    if not fullest:
        return mentions
    pattern = re.compile(
        r"(?<![\w-])(?:"
        + "|".join(re.escape(key) for key in sorted(fullest, key=len, reverse=True))
        + r")(?![\w-])"
    )
    for match in pattern.finditer(body):
        mentions.append((match.start(), fullest[match.group()]))
    return mentions


def fullest_name(name: str, mentions: list[tuple[int, str]]) -> str:
    """The fullest known form of `name` ("Núñez" -> "José Núñez"), or `name` itself."""
    words = set(name.split())
    for _position, full in mentions:
        if name == full or (words and words <= set(full.split())):
            return full
    return name


def _last_person_before(position: int, mentions: list[tuple[int, str]]) -> str:
    best = ""
    for at, name in mentions:
        if at >= position:
            break
        best = name
    return best


# ---- Attributions ----


@dataclass(frozen=True)
class Attribution:
    speaker: str
    as_written: str
    role: str
    start: int
    end: int
    pronoun: bool = False


_VERB_PATTERN = re.compile(
    r"(?<![\w-])(?:"
    + "|".join(re.escape(verb) for verb in MULTIWORD_VERBS)
    + "|according to|"
    + "|".join(INFINITIVES)
    + "|"
    + "|".join(sorted(SPEECH_VERBS | GERUNDS | DESCRIBING_VERBS, key=len, reverse=True))
    + r")(?![\w-])",
    re.IGNORECASE,
)


def _skippable(word: str) -> bool:
    """Adverbs and time phrases between a speaker and the verb."""
    lower = word.lower().rstrip(".,")
    return lower in ADVERBS or lower in TIME_WORDS or (lower.endswith("ly") and word.islower())


def _subject_before(body: str, clause_start: int, verb_start: int):
    """The speaker just before a verb: (role, name, as_written, start) or None.

    Skips adverbs and "in a statement,"-like asides between the speaker and the verb.
    """
    clause = body[clause_start:verb_start]
    apposition = re.search(
        r"(?P<name>(?:[A-Z][\w’'\-.]*\s+){0,4}[A-Z][\w’'\-]*),\s+(?P<role>(?:an?|the|who|"
        r"whose|which|now|then|once|also|\d+)\b[^,“”]*),\s*$",
        clause,
    )
    if apposition:
        # "Dr. Ahmed Khan, an economist at the university, said": the name before the
        # apposition speaks; the apposition is the role.
        role, name = split_title(apposition["name"].split())
        if name and name.split()[0].lower() not in DETERMINERS | PRONOUNS:
            start = clause_start + apposition.start("name")
            appositive_role = apposition["role"]
            if appositive_role.split()[0].lower() in ("a", "an", "the"):
                role = f"{role}, {appositive_role}" if role else appositive_role
            return (role, name, apposition["name"], start)
    words = list(re.finditer(_NAME_TOKEN, clause))
    while words and _skippable(words[-1].group()):
        words.pop()
    if not words:
        return None
    last = words[-1].group()
    if last.lower() in PRONOUNS:
        return ("", "", last, clause_start + words[-1].start())
    # Between the speaker and the verb: white space, or the comma closing an apposition
    # ("the President of Cuba, Miguel Díaz-Canel, said").
    gap = " ".join(word for word in clause[words[-1].end() :].split() if not _skippable(word))
    if gap not in ("", ","):
        return None
    taken: list[re.Match] = []
    for word in reversed(words):
        text = word.group()
        between = clause[word.end() : taken[0].start()] if taken else ""
        if taken and between.strip() and between.strip() not in ("",):
            break
        if _is_capitalised(text) or (taken and text.lower() in NAME_CONNECTORS):
            taken.insert(0, word)
        elif taken and text.lower() in LOWER_ROLE_WORDS:
            taken.insert(0, word)  # "organiser Amélie Durand"
        else:
            break
    if taken:
        while taken and taken[0].group().lower() in NAME_CONNECTORS:
            taken.pop(0)
        texts = [word.group() for word in taken]
        role, name = split_title(texts)
        if name and name.split()[0].lower() not in DETERMINERS | PRONOUNS:
            start = clause_start + taken[0].start()
            if not role:
                # "President of Cuba, Miguel Díaz-Canel observed": the role before a comma.
                before = re.search(
                    r"((?:[A-Z][\w’'-]*|of|the)(?:\s+(?:[A-Z][\w’'-]*|of|the))*),\s*$",
                    clause[: taken[0].start()],
                )
                if before and _role_like(before.group(1).split()):
                    role = before.group(1)
            return (role, name, clause[taken[0].start() : taken[-1].end()], start)
        if role and not name:
            # "the Brazilian President said": a role alone speaks; keep it as written.
            index = words.index(taken[0])
            if index and words[index - 1].group().lower() == "the":
                start = clause_start + words[index - 1].start()
                return ("", "the " + role, "the " + role, start)
            return ("", role, role, clause_start + taken[0].start())
        return None
    # A lower-case group: "officials", "the council", "the study".
    for back in range(1, min(4, len(words)) + 1):
        if words[-back].group().lower() in DETERMINERS:
            phrase = clause[words[-back].start() : words[-1].end()]
            if any(word.group().lower() in PRONOUNS for word in words[-back + 1 :] or []):
                return None
            return ("", phrase, phrase, clause_start + words[-back].start())
    after_comma = clause[: words[-1].start()].rstrip().endswith(",")
    if after_comma or len(words) == 1 or words[-2].group().lower() in ("and", "but", "as"):
        text = words[-1].group()
        if text.lower().endswith("s") and text.lower() not in PRONOUNS:
            return ("", text, text, clause_start + words[-1].start())  # "officials said"
    return None


def _subject_after(body: str, verb_end: int, limit: int):
    """The speaker just after a verb ("said Zoë Lindqvist, the engineer…"), or None."""
    text = body[verb_end:limit]
    words = list(re.finditer(_NAME_TOKEN, text))
    if not words or text[: words[0].start()].strip():
        return None
    first = words[0].group()
    if first.lower() in PRONOUNS:
        return ("", "", first, verb_end + words[0].start())
    taken: list[re.Match] = []
    for word in words:
        between = text[taken[-1].end() : word.start()] if taken else ""
        if between.strip():
            break
        if _is_capitalised(word.group()) or (taken and word.group().lower() in NAME_CONNECTORS):
            taken.append(word)
        elif not taken and word.group().lower() in LOWER_ROLE_WORDS | DETERMINERS:
            taken.append(word)
        elif (
            word.group().lower() == "of"
            and taken
            and any(t.group().lower() in TITLE_WORDS for t in taken)
        ):
            taken.append(word)  # "the President of Brazil"
        elif taken and taken[0].group().lower() in DETERMINERS and len(taken) < 4:
            if word.group().lower() in ("of", "to", "for", "in", "on", "at", "that"):
                break
            taken.append(word)
        else:
            break
    if not taken:
        return None
    texts = [word.group() for word in taken]
    while texts and texts[-1].lower() in NAME_CONNECTORS:
        texts.pop()
        taken.pop()
    if texts[0].lower() in DETERMINERS:
        phrase = text[taken[0].start() : taken[-1].end()]
        if len(texts) == 1 or texts[0].lower() not in ("the", "a", "an"):
            return None  # "according to their capacities" names nobody
        # "according to the President of Brazil, Luiz Inácio Lula da Silva": the name
        # after the comma is the speaker, the phrase before it the role.
        appositive = re.match(
            r",\s+(?P<name>[A-Z][\w’'\-]+(?:\s+(?:(?:da|de|del|van|von|bin|al|dos|y)\s+)?"
            r"[A-Z][\w’'\-]+){1,5})",
            text[taken[-1].end() :],
        )
        if appositive and _role_like(texts[1:]):
            name = appositive["name"]
            end = verb_end + taken[-1].end() + appositive.end()
            return (
                phrase,
                name,
                text[taken[0].start() : end - verb_end],
                verb_end + taken[0].start(),
            )
        return ("", phrase, phrase, verb_end + taken[0].start())
    role, name = split_title(texts)
    if not name:
        return None
    return (role, name, text[taken[0].start() : taken[-1].end()], verb_end + taken[0].start())


def _role_like(words: list[str]) -> bool:
    return (
        bool(words)
        and all(
            word.lower() in TITLE_WORDS or _is_capitalised(word) or word.lower() == "of"
            for word in words
        )
        and any(word.lower() in TITLE_WORDS for word in words)
    )


def _clause_start(body: str, position: int, floor: int) -> int:
    """Where the sentence (or the text after the previous quotation) holding `position`
    starts, not before `floor`."""
    start = floor
    # One character past `position`: a stop right before it is seen only with its lookahead.
    for match in _SENTENCE_STOP.finditer(body, floor, min(len(body), position + 1)):
        start = match.end()
    for index in range(position - 1, start - 1, -1):
        if body[index] in "”»":
            return index + 1
    return start


def _clause_end(body: str, position: int, ceiling: int) -> int:
    match = re.compile(r"[.!?](?=\s|$)|\n|[“«]").search(body, position, ceiling)
    return match.start() if match else ceiling


def find_attribution(
    body: str, start: int, end: int, mentions: list[tuple[int, str]], paragraph: tuple[int, int]
) -> Attribution | None:
    """The attribution of the quotation body[start:end] in its sentence, before or after it."""
    paragraph_start, _ = paragraph
    paragraph_end = body.find("\n", end)
    paragraph_end = len(body) if paragraph_end == -1 else paragraph_end
    candidates = []
    # After the closing mark: "…,” said X." / "…,” X told reporters." Not when the
    # quotation closed its sentence and a new one starts ("…everybody.” Speaking, he…").
    after_end = _clause_end(body, end, paragraph_end)
    closed = re.search(r"[.!?…][”\"»’]*$", body[start:end]) is not None
    if closed and re.match(r"\s*[A-Z“\"«]", body[end:paragraph_end]):
        after_end = end
    for verb in _VERB_PATTERN.finditer(body, end, after_end):
        found = _read(body, verb, end, after_end, mentions, after=True)
        if found:
            candidates.append((verb.start() - end, found))
            break
    # Before the opening mark: "X said: “…”" / "He went on to say that: “…”".
    clause_start = _clause_start(body, start, paragraph_start)
    before = list(_VERB_PATTERN.finditer(body, clause_start, start))
    for verb in reversed(before):
        found = _read(body, verb, clause_start, start, mentions, after=False)
        if found:
            candidates.append((start - verb.end(), found))
            break
    if not candidates:
        possessive = _possessive_speaker(body, clause_start, start, mentions)
        if possessive is not None:
            return possessive
        lead_in = _lead_in_speaker(body, clause_start, start, mentions)
        if lead_in is not None:
            return lead_in
        # "Xi said:" as the lead-in of a paragraph that is all quotation, or a colon right
        # after a name ("Spanish PM: US tariffs “…”").
        colon = re.search(r"(?P<who>[^\W\d_][\w’'\- ]{1,60}):\s*$", body[clause_start:start])
        if colon:
            words = _tokens(colon["who"])
            if words and all(_is_capitalised(w) or w.lower() in NAME_CONNECTORS for w in words):
                role, name = split_title(words)
                if name:
                    left = clause_start + colon.start("who")
                    right = clause_start + colon.end("who")
                    return Attribution(
                        fullest_name(name, mentions), colon["who"], role, left, right
                    )
        return None
    candidates.sort(key=lambda pair: pair[0])
    return candidates[0][1]


BULLET_MARKS = "•·▪◦‣"
_LINE_INDENT = " \t\u00a0\u2002\u2003"


def _lead_in_above(body: str, start: int) -> tuple[int, int] | None:
    """(start, end) of the sentence ending with a colon that introduces the quotation at
    body[start] from above: the paragraph right before, when the quotation opens its
    paragraph; the paragraph before the list, when the quotation is in a bullet item
    ("Geng Shuang made three points:" above "• First, … “…”" and "• Second, … “…”")."""
    line_start = body.rfind("\n", 0, start) + 1
    before = body[line_start:start].lstrip(_LINE_INDENT)
    in_item = before[:1] in BULLET_MARKS
    if before.strip(BULLET_MARKS + _LINE_INDENT) and not in_item:
        return None
    previous_end = line_start - 1
    while previous_end > 0:
        while previous_end > 0 and body[previous_end - 1].isspace():
            previous_end -= 1
        previous_start = body.rfind("\n", 0, previous_end) + 1
        if not (
            in_item and body[previous_start:previous_end].lstrip(_LINE_INDENT)[:1] in BULLET_MARKS
        ):
            break
        previous_end = previous_start - 1  # an item of the same list: go on up
    if previous_end <= 0 or body[previous_end - 1] != ":":
        return None
    return _clause_start(body, previous_end - 1, previous_start), previous_end


def _lead_in_speaker(body, clause_start, start, mentions) -> Attribution | None:
    """The speaker of a quotation introduced by a colon: "Geng Shuang made three points:",
    "Claudia Sheinbaum, called for a meeting …:", "It added:", "an article published by …
    Bloomberg outlined how …:". The lead-in is the text before the mark when it ends with a
    colon, else the one above (`_lead_in_above`)."""
    text = body[clause_start:start]
    if not re.search(r":\s*$", text):
        above = _lead_in_above(body, start)
        if above is None:
            return None
        clause_start, start = above
        text = body[clause_start:start]
    for verb in reversed(list(_VERB_PATTERN.finditer(body, clause_start, start))):
        if verb.group().lower() in DESCRIBING_VERBS:
            continue  # they describe what follows in their clause, not a quotation below
        found = _read(body, verb, clause_start, start, mentions, after=False)
        if found and found.speaker:
            return found
    for at, name in reversed([m for m in mentions if clause_start <= m[0] < start]):
        rest = body[at:start]
        written = re.match(r"[\w’'\-]+(?:\s+[A-Z][\w’'\-]+)*", rest).group()
        if re.match(r",?\s+[a-z]", rest[len(written) :]):
            return Attribution(name, written, "", at, at + len(written))
    publisher = _PUBLISHED_BY.search(text)
    if publisher:
        at = clause_start + publisher.start("name")
        return Attribution(
            publisher["name"], publisher["name"], "", at, at + len(publisher["name"])
        )
    first = re.match(r"\s*(He|She)\b", text) or re.search(r"\b([Hh]is|[Hh]er)\b", text)
    if first:
        resolved = _last_person_before(clause_start + first.start(1), mentions)
        if resolved:
            at = clause_start + first.start(1)
            return Attribution(resolved, first.group(1), "", at, at + len(first.group(1)), True)
    return None


def _clause_subject(body: str, left: int, right: int):
    """The subject at the start of body[left:right]: "Peggy begins by …" -> Peggy; a
    pronoun ("He went on, saying …") is returned for resolution."""
    text = body[left:right]
    match = re.match(
        r"\s*(?:(?:In|On|At|For|After|Before|During)\b[^,]{0,60},\s*(?:[a-z][^,]{0,60},\s*)?)?"
        r"(?P<subject>(?:[A-Z][\w’'\-]*\.?\s+)*?[A-Z][\w’'\-]*)\s+(?P<next>[a-z]\w*)",
        text,
    )
    if match is None:
        return None
    words = match["subject"].split()
    if len(words) == 1 and words[0].lower() in PRONOUNS:
        return ("", "", words[0], left + match.start("subject"))
    if words[0].lower() in DETERMINERS | PRONOUNS or match["next"] in ("of", "and", "to"):
        return None
    role, name = split_title(words)
    if not name:
        return None
    return (role, name, match["subject"], left + match.start("subject"))


def _possessive_speaker(body, clause_start, start, mentions) -> Attribution | None:
    found = re.search(
        r"(?P<who>(?:[A-Z][\w’'\-]*\s+){0,4}[A-Z][\w’'\-]*)[’']s\s+(?:"
        + SPEECH_NOUNS
        + r")(?:\s+of)?[\s,:]*$",
        body[clause_start:start],
    )
    if found is None:
        return None
    role, name = split_title(found["who"].split())
    if not name:
        return None
    left = clause_start + found.start("who")
    return Attribution(
        fullest_name(name, mentions), found["who"], role, left, left + len(found["who"])
    )


def _read(body, verb, left, right, mentions, after):
    """An Attribution around one verb of saying, or None if it names nobody readable."""
    verb_text = verb.group().lower()
    subject = None
    if verb_text in DESCRIBING_VERBS and (
        after or re.match(r"\s+to\b", body[verb.end() : verb.end() + 4])
    ):
        # "…,” called X" is no construction, and "a meeting called to hear …" is a
        # participle: the words are not the subject's.
        return None
    if verb_text in GERUNDS or verb_text in INFINITIVES:
        subject = _clause_subject(body, left, verb.start())
        if subject is None:
            return None
    elif verb_text == "according to":
        subject = _subject_after(body, verb.end(), right if after else right)
        if subject is None:
            return None
    else:
        subject = _subject_before(body, left, verb.start())
        inverted = re.search(r"[,”\"»’]\s*$", body[left : verb.start()]) or (
            after and not body[left : verb.start()].strip(' ,”"»’')
        )
        if subject is None and inverted and verb_text in INVERTING_VERBS:
            subject = _subject_after(body, verb.end(), right)
    if subject is None:
        return None
    role, name, as_written, subject_start = subject
    attribution_start = min(subject_start, verb.start())
    attribution_end = max(verb.end(), subject_start + len(as_written))
    if not name or _is_media_reference(name):
        # A pronoun: "he" and "she" are the most recent person named before; "it" and "the
        # agency" the most recent source that reported in the same paragraph. "They said",
        # or a pronoun with nobody to refer to, is an attribution of an unknown speaker.
        lower = as_written.lower()
        if lower in PERSON_PRONOUNS:
            resolved = _last_person_before(subject_start, mentions)
        elif lower == "it" or _is_media_reference(name):
            resolved = _last_source_in_paragraph(body, subject_start)
        else:
            resolved = ""
        if not resolved:
            return Attribution("", as_written, "", attribution_start, attribution_end)
        return Attribution(resolved, as_written, "", attribution_start, attribution_end, True)
    if _is_role_alone(name):
        # "according to the President", "the Brazilian President said": the one person
        # who was named with that role earlier. With nobody, or two candidates, the office
        # as written ("the President"): true to the text, and no guess at a name.
        holder = _holder_of_role(body, name, subject_start, mentions)
        return Attribution(holder or name, as_written, name, attribution_start, attribution_end)
    speaker = fullest_name(name, mentions) if _is_capitalised(name) else name
    return Attribution(speaker, as_written, role, attribution_start, attribution_end)


# ---- Roles and sources ----

# Title words that name one person's office (not a body: "party", "committee", "state").
PERSON_TITLES = frozenset(
    """president minister secretary ambassador chairman chairwoman chairperson premier king
    queen mayor governor senator spokesperson spokesman spokeswoman director chancellor envoy
    commissioner sultan emir prince princess pope leader chief head representative
    pm fm""".split()
)
# A body's reference to a publication named before: "the agency further reported".
MEDIA_NOUNS = frozenset(
    """agency newspaper paper daily outlet broadcaster network channel website magazine
    journal""".split()
)
_ROLE_RUN = re.compile(r"((?:(?:[A-Z][\w’'\-]*|of|the)\s+){1,6}),?\s*$")
_ROLE_AFTER = re.compile(
    r",\s+(?:the\s+)?((?:[A-Z][\w’'\-]*)(?:\s+(?:[A-Z][\w’'\-]*|of|the|for)){0,6})"
)
_WRITTEN_NAME = re.compile(r"[^\W\d_][\w’'\-]*(?:\s+(?:[A-Z][\w’'\-]*|da|de|del|dos|van|von|bin))*")
# "an article published by the financial news service Bloomberg": the publisher reports.
_PUBLISHED_BY = re.compile(
    r"\b(?:article|report|story|editorial|dispatch|piece|commentary|column)\s+"
    r"(?:published|issued|released|carried)\s+by\s+(?:the\s+)?(?:[a-z][\w-]*\s+){0,4}"
    r"(?P<name>[A-Z][\w’'\-]+(?:\s+[A-Z][\w’'\-]+){0,3})"
)
# "Agência Brasil subsequently reported", "Peoples Dispatch quoted …": a source at work.
_SOURCE_REPORTING = re.compile(
    r"(?<![\w’'\-])(?P<name>[A-Z][\w’'\-]+(?:\s+[A-Z][\w’'\-]+){0,3})\s+(?:[a-z]+ly\s+)?"
    r"(?:reported|reports|quoted|quotes|published|publishes)\b"
)


def _role_words(text: str) -> list[str]:
    return [word.lower() for word in text.split() if word.lower() not in ("the", "of", "for")]


def _is_role_alone(name: str) -> bool:
    """ "the President", "the President of Brazil", "the Brazilian President": an office
    with no name."""
    words = name.split()
    if words and words[0].lower() in ("the", "a", "an"):
        words = words[1:]
    return _role_like(words) and any(word.lower() in PERSON_TITLES for word in words)


def _is_media_reference(name: str) -> bool:
    words = name.lower().split()
    return len(words) == 2 and words[0] == "the" and words[1] in MEDIA_NOUNS


def _same_role(query: list[str], role: list[str]) -> bool:
    """Whether an office as written alone ("the President of Brazil") is the one written
    next to a name ("Brazilian President"): the same title words, and each other word
    (a country) found in the role, "Brazil" matching "Brazilian"."""
    if {w for w in query if w in TITLE_WORDS} != {w for w in role if w in TITLE_WORDS}:
        return False
    places = [w for w in role if w not in TITLE_WORDS]
    return all(
        any(place.startswith(word[:5]) or word.startswith(place[:5]) for place in places)
        for word in query
        if word not in TITLE_WORDS
    )


@lru_cache(maxsize=BODIES_CACHED)
def titled_mentions(body: str) -> tuple[tuple[int, str, str], ...]:
    """(position, role, person) wherever a role is written next to a known person's name:
    "Brazilian President Luiz Inácio Lula da Silva", "the President of Colombia, Gustavo
    Petro", "Maria Isabel Salvador, Special Representative of the Secretary-General"."""
    mentions = people(body)
    name_words = {word for _position, name in mentions for word in name.split()}

    def role_of(words: list[str], from_the_left: bool) -> str:
        # Another person's name ends the role ("… Xi Jinping President Lula"), and so does
        # a word that is not a title, a country, "of" or "the".
        if from_the_left:
            words = words[max((i + 1 for i, w in enumerate(words) if w in name_words), default=0) :]
        while words and (not _role_like(words) or words[0].lower() in ("of", "the")):
            words = words[1:] if from_the_left else words[:-1]
        while words and words[-1].lower() in ("of", "the", "for"):
            words = words[:-1]
        return " ".join(words) if _role_like(words) else ""

    found = []
    for position, person in mentions:
        run = _ROLE_RUN.search(body, max(0, position - 80), position)
        if run and run.end() == position:
            role = role_of(run.group(1).split(), from_the_left=True)
            if role:
                found.append((position, role, person))
        written = _WRITTEN_NAME.match(body, position)
        after = _ROLE_AFTER.match(body, written.end()) if written else None
        if after:
            role = role_of(after.group(1).split(), from_the_left=False)
            if role:
                found.append((position, role, person))
    return tuple(found)


def _holder_of_role(body: str, role: str, position: int, mentions) -> str:
    query = _role_words(role)
    holders = {
        person
        for at, written, person in titled_mentions(body)
        if at < position and _same_role(query, _role_words(written))
    }
    return holders.pop() if len(holders) == 1 else ""


@lru_cache(maxsize=BODIES_CACHED)
def sources(body: str) -> tuple[tuple[int, str], ...]:
    """(position, name) of every publication or agency shown reporting: "an article
    published by … Bloomberg", "Agência Brasil subsequently reported"; never a person."""
    person_words = {word for _position, name in people(body) for word in name.split()}
    found = [(match.start("name"), match["name"]) for match in _PUBLISHED_BY.finditer(body)]
    for match in _SOURCE_REPORTING.finditer(body):
        words = match["name"].split()
        if (
            words[0].lower() in DETERMINERS | PRONOUNS | TIME_WORDS
            or any(word in person_words for word in words)
            or any(word.lower() in TITLE_WORDS for word in words)
        ):
            continue
        found.append((match.start("name"), match["name"]))
    return tuple(sorted(found))


def _last_source_in_paragraph(body: str, position: int) -> str:
    paragraph_start = body.rfind("\n", 0, position) + 1
    named = [name for at, name in sources(body) if paragraph_start <= at < position]
    return named[-1] if named else ""


# ---- The engine ----


def _adjacent(body: str, start: int, end: int, attribution: Attribution | None) -> bool:
    """Whether the attribution touches the quotation: "“We are ready,” said X", "X said:
    “…”", "X noted that: “…”" (only punctuation, or "that", between them)."""
    if attribution is None:
        return False
    if attribution.start >= end:
        between = body[end : attribution.start]
    elif attribution.end <= start:
        between = body[attribution.end : start]
    else:
        return False
    return re.fullmatch(r"[\s,:;–—-]*(?:that[\s,:]*)?", between) is not None


def _is_term(body: str, start: int, end: int, attribution: Attribution | None) -> bool:
    """A quoted term, title or scare quote rather than a quotation."""
    inner = body[start + 1 : end - 1].strip()
    words = inner.split()
    sentence_like = re.search(r"[.!?…]$|[.!?]\s", inner.rstrip('”’"»,')) is not None
    if TERM_INTRODUCERS.search(body[max(0, start - 30) : start]):
        return True
    if _adjacent(body, start, end, attribution) and inner[-1:] in ",.!?…":
        return False  # “We are ready,” said X: speech, however short
    if len(words) < 4:
        return True  # "fast lane", "reciprocal tariffs", “solitude.”
    capitalised = sum(1 for word in words if word[:1].isupper())
    if not sentence_like and len(words) < 8 and capitalised * 2 > len(words):
        return True  # a name or a title: “Five Principles of Peaceful Coexistence”
    if attribution is not None:
        return False
    return not (len(words) >= 8 or sentence_like)


def find_quotations(body: str, include_terms: bool = False) -> list[Proposal]:
    """Every direct quotation of `body` as a quotation proposal (see the module docstring)."""
    mentions = people(body)
    paragraphs = _paragraph_bounds(body)
    proposals = []
    previous: Attribution | None = None
    previous_end = -1
    for start, end in quote_spans(body):
        paragraph = next(
            ((left, right) for left, right in paragraphs if left <= start < right), (0, len(body))
        )
        attribution = find_attribution(body, start, end, mentions, paragraph)
        term = _is_term(body, start, end, attribution)
        if attribution is None and not term and previous is not None:
            # “A,” X said. “B.”: the second part of a quotation broken by its attribution.
            between = body[previous_end:start]
            if "\n\n" not in between and len(between) < 200:
                attribution = previous
        if attribution is None and not term:
            attribution = _speaker_of_previous_paragraph(body, start, mentions)
        if term and not include_terms:
            continue
        if term:
            score = 0.3
        elif attribution is None or not attribution.speaker:
            score = 0.6
        elif attribution.pronoun:
            score = 0.75
        else:
            score = 0.9
        details = {"term": term}
        if attribution is not None:
            details["as_written"] = attribution.as_written
            if attribution.role:
                details["role"] = attribution.role
            if attribution.pronoun:
                details["resolved_pronoun"] = True
        proposals.append(
            Proposal(
                start=start,
                end=end,
                kind="quotation",
                attributes={
                    "speaker": attribution.speaker if attribution else "",
                    "speech_type": "direct",
                    "attribution_start": attribution.start if attribution else None,
                    "attribution_end": attribution.end if attribution else None,
                },
                details=details,
                score=score,
                engine=ENGINE,
                version=VERSION,
            )
        )
        if not term:
            previous, previous_end = attribution, end
    return proposals


def _speaker_of_previous_paragraph(body, start, mentions) -> Attribution | None:
    """A paragraph that is all quotation, right after a paragraph where someone speaks ("He
    went on to say that …", "Lavrov stressed that …"), is the last speaker's there: the news
    convention for a speech. The last attribution wins, even one with no readable speaker
    ("they said"): then nobody is named rather than someone earlier."""
    line_start = body.rfind("\n", 0, start) + 1
    if body[line_start:start].strip():
        return None
    previous_end = line_start - 1
    while previous_end > 0 and body[previous_end - 1].isspace():
        previous_end -= 1
    previous_start = body.rfind("\n", 0, previous_end) + 1
    last = None
    for verb in _VERB_PATTERN.finditer(body, previous_start, previous_end):
        left = _clause_start(body, verb.start(), previous_start)
        right = _clause_end(body, verb.end(), previous_end)
        found = _read(body, verb, left, right, mentions, after=False)
        if found:
            last = found
    return last


# ---- Prefills of the annotate form (a span the annotator selected) ----


@lru_cache(maxsize=BODIES_CACHED)
def _quoted_speakers(body: str) -> tuple[tuple[int, int, str], ...]:
    """Each direct quotation's span and speaker, kept per body: the side panel asks for
    one span's speaker on every render, and reading the whole article's quotations each
    time was a third of a span create's CPU (bench/bench_load.py). Bodies never change."""
    return tuple((q.start, q.end, q.attributes["speaker"]) for q in find_quotations(body))


@lru_cache(maxsize=BODIES_CACHED)
def _people_of(body: str) -> tuple[tuple[int, str], ...]:
    return tuple(people(body))


def suggest_speaker(body: str, start: int, end: int) -> str:
    """The speaker of body[start:end], a span the annotator marked as a quotation.

    Inside (or around) a direct quotation: that quotation's speaker. Otherwise reported
    speech: the attribution of its sentence ("He noted that …", "Wang Yi said that …"),
    pronouns resolved to the most recent person named before. "" when nothing fits.
    """
    for left, right, speaker in _quoted_speakers(body):
        if left <= start + 1 and end - 1 <= right:
            return speaker
    mentions = _people_of(body)
    paragraph_start = body.rfind("\n", 0, start) + 1
    clause_start = _clause_start(body, start, paragraph_start)
    for verb in reversed(list(_VERB_PATTERN.finditer(body, clause_start, start))):
        found = _read(body, verb, clause_start, start, mentions, after=False)
        if found:
            return found.speaker
    paragraph_end = body.find("\n", end)
    paragraph_end = len(body) if paragraph_end == -1 else paragraph_end
    after_end = _clause_end(body, end, paragraph_end)
    for verb in _VERB_PATTERN.finditer(body, end, after_end):
        found = _read(body, verb, end, after_end, mentions, after=True)
        if found:
            return found.speaker
    return ""


def suggest_speech_type(body: str, start: int, end: int) -> str:
    """ "direct" when the span is, or lies inside, a quotation in marks; else "reported"."""
    for left, right in quote_spans(body):
        if left <= start + 1 and end - 1 <= right and end > left and start < right:
            return "direct"
    return "reported"
