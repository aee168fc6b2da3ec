"""Suggestions read from the text: a number's attributes, a quotation's speaker and speech type.

Pure functions that prefill the annotate screen's side panel; the annotator confirms or
corrects them before anything is saved. Where the text is ambiguous they say nothing
rather than guess ("5m" could be metres, "¥" yen or yuan).
"""

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from .text import paragraph_around

SCALES = {
    "thousand": Decimal(10**3),
    "lakh": Decimal(10**5),
    "million": Decimal(10**6),
    "crore": Decimal(10**7),
    "billion": Decimal(10**9),
    "trillion": Decimal(10**12),
    "k": Decimal(10**3),
    "mn": Decimal(10**6),
    "m": Decimal(10**6),
    "bn": Decimal(10**9),
    "b": Decimal(10**9),
    "tn": Decimal(10**12),
    "trn": Decimal(10**12),
}
# Abbreviations that only mean a scale next to a currency ("$5m"); alone "5m" may be metres.
MONEY_ONLY_SCALES = {"k", "m", "b"}

# Currency as written before the figure -> ISO 4217 code (or the symbol when it is ambiguous).
CURRENCY_SYMBOLS = {
    "us$": "USD",
    "usd": "USD",
    "$": "USD",
    "a$": "AUD",
    "au$": "AUD",
    "aud": "AUD",
    "c$": "CAD",
    "ca$": "CAD",
    "cad": "CAD",
    "hk$": "HKD",
    "hkd": "HKD",
    "nz$": "NZD",
    "s$": "SGD",
    "r$": "BRL",
    "€": "EUR",
    "eur": "EUR",
    "£": "GBP",
    "gbp": "GBP",
    "¥": "¥",
    "jpy": "JPY",
    "cny": "CNY",
    "rmb": "CNY",
    "₹": "INR",
    "rs": "INR",
    "rs.": "INR",
    "inr": "INR",
    "₩": "KRW",
    "krw": "KRW",
    "chf": "CHF",
}
# Currency or unit as written after the figure -> what the unit field gets.
UNIT_WORDS = {
    "%": "percent",
    "percent": "percent",
    "per cent": "percent",
    "pct": "percent",
    "percentage points": "percentage points",
    "percentage point": "percentage points",
    "us dollars": "USD",
    "dollars": "USD",
    "dollar": "USD",
    "euros": "EUR",
    "euro": "EUR",
    "pounds sterling": "GBP",
    "pounds": "GBP",
    "yuan": "CNY",
    "renminbi": "CNY",
    "yen": "JPY",
    "rupees": "INR",
    "won": "KRW",
    "francs": "CHF",
    "km": "km",
    "kilometres": "km",
    "kilometers": "km",
    "square kilometres": "km²",
    "square kilometers": "km²",
    "miles": "miles",
    "metres": "m",
    "meters": "m",
    "tonnes": "tonnes",
    "tons": "tonnes",
    "kilograms": "kg",
    "kg": "kg",
    "barrels": "barrels",
    "hectares": "hectares",
    "acres": "acres",
    "degrees": "degrees",
    "years": "years",
    "months": "months",
    "weeks": "weeks",
    "days": "days",
    "hours": "hours",
    "gw": "GW",
    "mw": "MW",
    "kwh": "kWh",
}
QUALIFIERS = [
    "more than", "less than", "fewer than", "greater than", "over", "under", "nearly", "almost",
    "about", "around", "approximately", "roughly", "some", "at least", "at most", "up to",
    "as many as", "as much as", "as few as", "close to", "just over", "just under",
    "just below", "just above", "an estimated", "estimated", "upwards of", "in excess of",
    "below", "above", "only",
]  # fmt: skip
SMALL_NUMBER_WORDS = {
    word: index
    for index, word in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen "
        "fourteen fifteen sixteen seventeen eighteen nineteen".split()
    )
} | {"a": 1, "an": 1, "dozen": 12, "hundred": 100}
TENS_WORDS = {
    word: 10 * index
    for index, word in enumerate(
        "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
    )
    if word != "_"
}
ORDINAL_WORDS = {
    word: index + 1
    for index, word in enumerate(
        "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth".split()
    )
}
# Words that end a "what it counts" phrase rather than being one.
FUNCTION_WORDS = set(
    """a an the and or but nor of in on at to for from by with into onto than per as is are was
    were be been being has have had will would could should may might can this that these those
    it its their his her our my your which who whom whose what when where while since after
    before during last next this year over under more less about around up down out so if then
    also just only each every all some any""".split()
)

_SPACE = r"[\s\u00a0\u202f]"
_DIGITS = r"\d{1,3}(?:[,\u00a0\u202f]\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+"
_NUMBER = re.compile(
    rf"(?P<sign>[-−–](?=[\d.]))?(?P<digits>{_DIGITS})(?P<ordinal>st|nd|rd|th)?(?![\d])",
)
_WORD_NUMBER = re.compile(
    r"\b(?:(?P<tens>"
    + "|".join(TENS_WORDS)
    + r")(?:[-\s](?P<unit>"
    + "|".join(w for w in SMALL_NUMBER_WORDS if SMALL_NUMBER_WORDS[w] < 10 and len(w) > 2)
    + r"))?|(?P<small>"
    + "|".join(sorted(SMALL_NUMBER_WORDS, key=len, reverse=True))
    + r")"
    + r"|(?P<ordinal>"
    + "|".join(ORDINAL_WORDS)
    + r"))\b",
    re.IGNORECASE,
)
_SCALE_AFTER = re.compile(
    rf"^(?P<space>{_SPACE}?)(?P<scale>" + "|".join(sorted(SCALES, key=len, reverse=True)) + r")\b",
    re.IGNORECASE,
)
_UNIT_AFTER = re.compile(
    rf"^{_SPACE}*(?P<unit>%|"
    + "|".join(re.escape(word) for word in sorted(UNIT_WORDS, key=len, reverse=True) if word != "%")
    + r")(?!\w)",
    re.IGNORECASE,
)
_CURRENCY_BEFORE = re.compile(
    r"(?P<currency>"
    + "|".join(re.escape(symbol) for symbol in sorted(CURRENCY_SYMBOLS, key=len, reverse=True))
    + rf"){_SPACE}?$",
    re.IGNORECASE,
)
_QUALIFIER_BEFORE = re.compile(
    r"\b(?P<qualifier>"
    + "|".join(re.escape(q) for q in sorted(QUALIFIERS, key=len, reverse=True))
    + rf"){_SPACE}+$",
    re.IGNORECASE,
)
_COUNTS_AFTER = re.compile(rf"^{_SPACE}+(?P<word>[^\W\d_]+(?:[-'’][^\W\d_]+)*)")


@dataclass(frozen=True)
class NumberReading:
    """What a number annotation's text says, in the terms of its attributes."""

    value: Decimal | None = None
    unit: str = ""
    scale: str = ""
    qualifier: str = ""
    counts: str = ""
    ordinal: bool = False

    def attributes(self) -> dict:
        """The Annotation fields this reading fills (an ordinal's unit says it is one)."""
        return {
            "number_value": self.value,
            "number_unit": self.unit or ("ordinal" if self.ordinal else ""),
            "number_scale": self.scale,
            "number_qualifier": self.qualifier,
            "number_counts": self.counts,
        }


def _plain(value: Decimal) -> Decimal:
    """518400000000 rather than 5.184E+11: a value people can read in a form field."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def _find_figure(text: str):
    """(value, is_ordinal, start, end) of the first figure written in digits or in words."""
    match = _NUMBER.search(text)
    if match:
        digits = re.sub(r"[,\u00a0\u202f]", "", match["digits"])
        try:
            value = Decimal(digits)
        except InvalidOperation:
            return None
        if match["sign"]:
            value = -value
        return value, bool(match["ordinal"]), match.start(), match.end()
    for match in _WORD_NUMBER.finditer(text):
        if match["ordinal"]:
            return Decimal(ORDINAL_WORDS[match["ordinal"].lower()]), True, *match.span()
        if match["tens"]:
            value = TENS_WORDS[match["tens"].lower()]
            if match["unit"]:
                value += SMALL_NUMBER_WORDS[match["unit"].lower()]
            return Decimal(value), False, *match.span()
        word = match["small"].lower()
        # "a"/"an" count only as "a million", "a dozen", never as the article alone.
        if (
            word in ("a", "an")
            and not _SCALE_AFTER.match(text[match.end() :])
            and not re.match(rf"{_SPACE}+(?:dozen|hundred)\b", text[match.end() :], re.IGNORECASE)
        ):
            continue
        return Decimal(SMALL_NUMBER_WORDS[word]), False, *match.span()
    return None


def read_number(text: str, before: str = "", after: str = "") -> NumberReading:
    """Read value, unit or currency, scale, qualifier and what is counted from `text`.

    `before` and `after` are the article text around the span (its prefix and suffix): a
    qualifier or a unit just outside the selection still belongs to the figure
    ("more than [200] projects").
    """
    figure = _find_figure(text)
    if figure is None:
        return NumberReading()
    value, ordinal, figure_start, figure_end = figure
    left = before + text[:figure_start]
    right = text[figure_end:] + after

    unit = scale = qualifier = counts = ""
    currency = _CURRENCY_BEFORE.search(left)
    if currency:
        unit = CURRENCY_SYMBOLS[currency["currency"].lower()]
        left = left[: currency.start()]
    qualified = _QUALIFIER_BEFORE.search(left)
    if qualified:
        qualifier = qualified["qualifier"].lower()

    if not ordinal:
        # "a dozen" / "two hundred": a number word followed by another multiplier.
        dozen = re.match(rf"{_SPACE}+(dozen|hundred)\b", right, re.IGNORECASE)
        if dozen and value < 100:
            value *= 12 if dozen[1].lower() == "dozen" else 100
            right = right[dozen.end() :]
        scaled = _SCALE_AFTER.match(right)
        if scaled:
            word = scaled["scale"].lower()
            attached = not scaled["space"]
            if word not in MONEY_ONLY_SCALES or (unit and attached):
                scale = scaled["scale"]
                value *= SCALES[word]
                right = right[scaled.end() :]
        named_unit = _UNIT_AFTER.match(right)
        if named_unit and not unit:
            unit = UNIT_WORDS[named_unit["unit"].lower()]
            right = right[named_unit.end() :]
        elif named_unit and UNIT_WORDS[named_unit["unit"].lower()] == unit:
            right = right[named_unit.end() :]  # "US$5 billion dollars": said twice

    counted = _COUNTS_AFTER.match(right)
    if counted and counted["word"].lower() not in FUNCTION_WORDS:
        word = counted["word"]
        if word.lower() not in UNIT_WORDS and word.lower() not in SCALES:
            counts = word
    return NumberReading(
        value=_plain(value),
        unit=unit,
        scale=scale,
        qualifier=qualifier,
        counts=counts,
        ordinal=ordinal,
    )


# ---- Speakers ----

# Lower case only, and none that doubles as a common noun ("member states", "the claims").
SPEECH_VERBS = (
    "said says say noted told tells added adds stated argued argues explained explains warned "
    "warns claimed insisted insists wrote writes declared declares announced announces "
    "remarked asked asks replied replies continued"
).split()
# Verbs that also introduce the speaker after them: "…,” said the minister.
INVERTING_VERBS = set(
    "said says noted added wrote asked replied continued explained argued warned declared "
    "announced insisted".split()
)
PRONOUNS = {"he", "she", "they", "it", "we", "i", "you", "who", "which", "that", "this", "one"}
DETERMINERS = {"the", "a", "an", "its", "their", "his", "her", "our", "some", "several", "two",
               "three", "many", "both"}  # fmt: skip
NAME_CONNECTORS = {"of", "de", "del", "der", "van", "von", "bin", "al", "la", "le", "du", "da"}
TIME_WORDS = {
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january",
    "february", "march", "april", "may", "june", "july", "august", "september", "october",
    "november", "december", "today", "yesterday", "tonight", "week", "month", "year",
}  # fmt: skip
ADVERBS = {"also", "then", "later", "earlier", "previously", "recently", "has", "had", "have",
           "once", "reportedly", "again", "publicly", "separately", "further", "repeatedly",
           "last", "on", "in", "this", "already"}  # fmt: skip

_VERB = re.compile(r"\b(?:[Aa]ccording to|" + "|".join(SPEECH_VERBS) + r")\b")
# Where an attribution clause stops: sentence ends, commas, quote marks, brackets, dashes.
_CLAUSE_BREAK = re.compile(r"[.,;:!?“”\"«»„()\[\]\n—–]")
_TOKEN = re.compile(r"[^\W_][\w'’.-]*")


def _is_capitalised(word: str) -> bool:
    return word[:1].isupper()


def _name_before(clause: str) -> str:
    """The speaker written just before the verb: "The minister", "Jane Doe", "officials"."""
    tokens = _TOKEN.findall(clause)
    # Drop what sits between a speaker and the verb: "Smith on Monday also said".
    while tokens and (tokens[-1].lower().rstrip(".") in TIME_WORDS | ADVERBS):
        tokens.pop()
    if not tokens:
        return ""
    name: list[str] = []
    for token in reversed(tokens):
        if _is_capitalised(token) or (name and token.lower() in NAME_CONNECTORS):
            name.insert(0, token)
        else:
            break
    while name and name[0].lower() in NAME_CONNECTORS:
        name.pop(0)
    if name:
        before = tokens[-len(name) - 1] if len(tokens) > len(name) else ""
        if before.lower() in ("the",):
            name.insert(0, before)
        if len(name) == 1 and name[0].lower() in PRONOUNS | DETERMINERS:
            return ""
        if len(name) > 1 or name[0].lower() not in DETERMINERS:
            return " ".join(name)
    last = tokens[-1]
    if last.lower() in PRONOUNS:
        return ""
    # A lowercase noun phrase counts back to its determiner: "the foreign minister".
    for back in range(2, min(4, len(tokens)) + 1):
        if tokens[-back].lower() in DETERMINERS:
            return " ".join(tokens[-back:])
    return last


def _name_after(clause: str, after_according_to: bool) -> str:
    """The speaker written just after the verb: "said Jane Doe", "according to the bank"."""
    tokens = _TOKEN.findall(clause)
    if not tokens:
        return ""
    first = tokens[0]
    if first.lower() in PRONOUNS:
        return ""
    if _is_capitalised(first) and first.lower() not in DETERMINERS:
        name = [first]
        for token in tokens[1:]:
            if _is_capitalised(token) or token.lower() in NAME_CONNECTORS:
                name.append(token)
            else:
                break
        while name and name[-1].lower() in NAME_CONNECTORS:
            name.pop()
        return " ".join(name)
    if first.lower() in DETERMINERS:
        phrase = [first]
        for token in tokens[1:4]:
            if token.lower() in FUNCTION_WORDS:
                break
            phrase.append(token)
        return " ".join(phrase) if len(phrase) > 1 else ""
    if after_according_to and first.lower() not in FUNCTION_WORDS:
        phrase = [first]
        for token in tokens[1:2]:
            if token.lower() in FUNCTION_WORDS:
                break
            phrase.append(token)
        return " ".join(phrase)
    return ""


def suggest_speaker(body: str, start: int, end: int) -> str:
    """The speaker of body[start:end] as written: the nearest attribution in its paragraph.

    Looks for "X said" (and noted, told, added…), "…,” said X" and "according to X";
    skips pronouns ("he said" names nobody). Returns "" when nothing fits.
    """
    paragraph_start, paragraph_end = paragraph_around(body, start, end)
    paragraph = body[paragraph_start:paragraph_end]
    best: tuple[int, str] | None = None
    for verb in _VERB.finditer(paragraph):
        verb_start, verb_end = verb.start() + paragraph_start, verb.end() + paragraph_start
        distance = max(0, start - verb_end, verb_start - end)
        if best is not None and distance >= best[0]:
            continue
        left = paragraph[: verb.start()]
        right = paragraph[verb.end() :]
        left_clause = _CLAUSE_BREAK.split(left)[-1]
        right_clause = _CLAUSE_BREAK.split(right)[0]
        according_to = verb[0].lower() == "according to"
        name = ""
        if not according_to:
            if _subject_is_pronoun(left_clause):
                # "he said" is the nearest attribution but names nobody: suggest nothing
                # rather than a farther, probably different, speaker.
                best = (distance, "")
                continue
            name = _name_before(left_clause)
        inverted = re.search(r"[,”\"’]\s*$", left) is not None
        if not name and (according_to or (inverted and verb[0].lower() in INVERTING_VERBS)):
            name = _name_after(right_clause, according_to)
        if name:
            best = (distance, name)
    return best[1] if best else ""


def _subject_is_pronoun(clause: str) -> bool:
    tokens = _TOKEN.findall(clause)
    while tokens and tokens[-1].lower() in ADVERBS:
        tokens.pop()
    return bool(tokens) and tokens[-1].lower() in PRONOUNS


OPENING_QUOTES = '“"«„‘「『'
CLOSING_QUOTES = '”"»“’」』'


def suggest_speech_type(body: str, start: int, end: int) -> str:
    """ "direct" when the span is or sits inside quotation marks, else "reported"."""

    def at(index: int, characters: str) -> bool:
        return 0 <= index < len(body) and body[index] in characters

    opens = at(start, OPENING_QUOTES) or at(start - 1, OPENING_QUOTES)
    closes = (
        at(end - 1, CLOSING_QUOTES)
        or at(end, CLOSING_QUOTES)
        or (at(end, ",.?!") and at(end + 1, CLOSING_QUOTES))
        or (at(end - 1, ",.?!") and at(end - 2, CLOSING_QUOTES))
    )
    return "direct" if opens or closes else "reported"
