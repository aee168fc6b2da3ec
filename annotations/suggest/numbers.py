"""The numbers engine: every numeric expression of a body, typed, with its value.

What a proposal's span covers: the figure with what makes it a measure, namely a currency
before it ("US$518.4 billion", "RMB 5 billion"), its scale ("1.5 billion", "US$5m") and a
unit or currency after it ("30 percent", "2.5 percentage points", "1 trillion yuan",
"200 kilometres", "three hours"); a date whole ("May 13, 2025", "April 9", "May 7-10"); a
range whole ("2025-2027", "between 3 and 5 percent"); a vague quantity whole ("hundreds of
millions", "dozens"). Not in the span: the qualifier ("more than", "nearly" go to
`number_qualifier`) and what is counted ("17,000 government scholarships": the span is
"17,000", `number_counts` is "scholarships", the head noun of the phrase, not the next
adjective).

Types (`details["type"]`) and what the Annotation fields mean for each:
- quantity: `number_value` the figure times its scale (Decimal, exact: "1.5 billion" ->
  1500000000), `number_unit` the unit if any ("km", "years"), `number_scale` as written.
- percent: value as written (30), unit "percent" or "percentage points".
- money: value times scale, unit the ISO 4217 code ("USD", "CNY"; "¥" when it could be yen
  or yuan), scale as written.
- ordinal: value the rank (80 for "80th", 9 for "IX Summit" and "ninth"), unit "ordinal".
- date: no value (a date is not an amount), unit "date", `details["iso_date"]` the ISO 8601
  date ("2025-05-13"), or "--04-09" when the text gives no year, "---07" for "on the 7th"
  with no month: the engine does not guess the year or the month.
- year: value the year (2024), unit "year"; a decade ("the 1960s") has value 1960 and
  unit "decade".
- range: no single value; `details["low"]` and `details["high"]` (Decimals, or ISO dates for
  a range of days), unit shared by both ends.
- fraction: "half", "a quarter", "two-thirds": value the fraction (0.5) of what follows.
- vague: "thousands", "dozens", "hundreds of millions": no value (none is defensible), the
  least it can mean in `details["at_least"]` (2000 for "thousands").
- score: a result or a vote, "52-48", "won 3-1", "a 2-1 win": no single value, both sides
  in `details["sides"]`. A hyphenated pair with a unit after it ("3-5 percent") or rising
  with no word of winning or voting around it ("30-40 people") is a range instead.
- time: a time of day, "10am", "4.30pm", "8 p.m.", "15:30": no value (not an amount), unit
  "time", `details["time"]` as HH:MM on the 24-hour clock.

Say nothing rather than guess: "5m" alone may be metres (no scale), "$" is read as US
dollars only because news text uses it so; numbers glued to letters ("COVID-19", "G20",
"5G") are names, not figures.
"""

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from .proposal import Proposal

ENGINE = "numbers"
VERSION = "2"

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
CURRENCY_BEFORE = {
    "us$": "USD", "usd": "USD", "$": "USD", "a$": "AUD", "au$": "AUD", "aud": "AUD",
    "c$": "CAD", "ca$": "CAD", "cad": "CAD", "hk$": "HKD", "hkd": "HKD", "nz$": "NZD",
    "s$": "SGD", "r$": "BRL", "brl": "BRL", "€": "EUR", "eur": "EUR", "£": "GBP", "gbp": "GBP",
    "¥": "¥", "jpy": "JPY", "cny": "CNY", "rmb": "CNY", "₹": "INR", "rs": "INR", "rs.": "INR",
    "inr": "INR", "₩": "KRW", "krw": "KRW", "chf": "CHF", "rub": "RUB", "₽": "RUB",
}  # fmt: skip
# Currency words after the figure (scale in between allowed: "1 trillion yuan").
CURRENCY_AFTER = {
    "us dollars": "USD", "dollars": "USD", "dollar": "USD", "euros": "EUR", "euro": "EUR",
    "pounds sterling": "GBP", "yuan": "CNY", "renminbi": "CNY", "yen": "JPY",
    "rupees": "INR", "won": "KRW", "swiss francs": "CHF", "roubles": "RUB", "rubles": "RUB",
    "reais": "BRL", "ringgit": "MYR", "riel": "KHR", "dong": "VND",
}  # fmt: skip
PERCENT_AFTER = {
    "%": "percent", "percent": "percent", "per cent": "percent", "pct": "percent",
    "percentage points": "percentage points", "percentage point": "percentage points",
}  # fmt: skip
# Units of measure (as written, singular or plural) -> the unit field.
UNITS = {
    "km": "km", "kilometres": "km", "kilometers": "km", "kilometre": "km", "kilometer": "km",
    "square kilometres": "km²", "square kilometers": "km²", "sq km": "km²",
    "miles": "miles", "mile": "miles", "nautical miles": "nautical miles",
    "nautical-mile": "nautical miles", "metres": "m", "meters": "m", "metre": "m",
    "tonnes": "tonnes", "tons": "tonnes", "tonne": "tonnes", "ton": "tonnes",
    "kilograms": "kg", "kg": "kg", "barrels": "barrels", "hectares": "hectares",
    "acres": "acres", "degrees": "degrees", "gw": "GW", "mw": "MW", "kwh": "kWh",
    "years": "years", "year": "years", "months": "months", "month": "months",
    "weeks": "weeks", "week": "weeks", "days": "days", "day": "days", "hours": "hours",
    "hour": "hours", "minutes": "minutes", "minute": "minutes", "decades": "decades",
    "centuries": "centuries", "teu": "TEU",
}  # fmt: skip
QUALIFIERS = [
    "more than", "less than", "fewer than", "greater than", "over", "under", "nearly",
    "almost", "about", "around", "approximately", "roughly", "some", "at least", "at most",
    "up to", "as many as", "as much as", "as few as", "close to", "just over", "just under",
    "just below", "just above", "an estimated", "estimated", "upwards of", "in excess of",
    "below", "above", "only", "exactly", "well over", "more than a", "almost a",
]  # fmt: skip
CARDINAL_WORDS = {
    word: index
    for index, word in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen "
        "fourteen fifteen sixteen seventeen eighteen nineteen".split()
    )
}
TENS_WORDS = {
    word: 10 * (index + 2)
    for index, word in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split())
}
ORDINAL_WORDS = {
    word: index + 1
    for index, word in enumerate(
        "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth "
        "thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth "
        "twentieth".split()
    )
} | {"thirtieth": 30, "fortieth": 40, "fiftieth": 50, "sixtieth": 60, "seventieth": 70,
     "eightieth": 80, "ninetieth": 90, "hundredth": 100}  # fmt: skip
FRACTIONS = {
    "half": "1/2", "a half": "1/2", "one half": "1/2", "a third": "1/3", "one third": "1/3",
    "a quarter": "1/4", "one quarter": "1/4", "two thirds": "2/3", "two-thirds": "2/3",
    "three quarters": "3/4", "three-quarters": "3/4",
}  # fmt: skip
# The Annotation stores 10 decimal places: a third is 0.3333333333 there, and exactly "1/3"
# in details["fraction"].
FRACTION_PLACES = Decimal("1e-10")
# Plural scale words that state an amount without a figure, and the least each can mean.
VAGUE = {
    "dozens": Decimal(24), "scores": Decimal(40), "hundreds": Decimal(200),
    "thousands": Decimal(2000), "tens of thousands": Decimal(20000),
    "hundreds of thousands": Decimal(200000), "millions": Decimal(2 * 10**6),
    "tens of millions": Decimal(2 * 10**7), "hundreds of millions": Decimal(2 * 10**8),
    "billions": Decimal(2 * 10**9),
}  # fmt: skip
MONTHS = {
    name: index + 1
    for index, name in enumerate(
        "january february march april may june july august september october november "
        "december".split()
    )
} | {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
     "sept": 9, "oct": 10, "nov": 11, "dec": 12}  # fmt: skip
ROMAN = {"I": 1, "V": 5, "X": 10}
# Capitalised words after which a lone "I" (or V, X) is a Roman numeral, not the pronoun.
ROMAN_HOSTS = {
    "session", "phase", "part", "chapter", "article", "title", "volume", "stage", "round",
    "war", "group", "level", "class", "category", "book", "act", "annex", "section", "pillar",
    "plenary", "congress", "summit", "forum", "conference", "meeting", "league", "division",
    "henry", "elizabeth", "charles", "george", "john", "paul", "louis", "edward", "william",
}  # fmt: skip
# Words that end a "what it counts" phrase rather than being one (prepositions, articles,
# auxiliaries, conjunctions, pronouns, adverbs of time).
FUNCTION_WORDS = frozenset(
    """a an the and or but nor of in on at to for from by with into onto than per as is are was
    were be been being has have had will would could should may might can must shall do does
    did this that these those it its their his her our my your which who whom whose what when
    where while since after before during last next over under more less about around up down
    out so if then also just only each every all some any ago later earlier each other
    another same such than not no yet still already both either neither across among between
    through via within without along toward towards against upon""".split()
)
ADVERBS = frozenset(
    """together again now today jointly respectively here there yet even very much further
    closer consecutively annually apiece each""".split()
)

_SPACE = "[ \u00a0\u202f\u2002\u2009]"
_FIGURE = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_WORD = r"[^\W\d_]+(?:[-'’][^\W\d_]+)*"


@dataclass(frozen=True)
class NumberReading:
    """What a number's text says, in the terms of the Annotation's number fields."""

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


def plain(value: Decimal) -> Decimal:
    """518400000000 rather than 5.184E+11: a value people can read in a form field."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def _decimal(digits: str) -> Decimal | None:
    try:
        return Decimal(digits.replace(",", ""))
    except InvalidOperation:
        return None


def _alternation(words) -> str:
    return "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))


_CARDINAL_WORD = (
    rf"(?:(?:{_alternation(TENS_WORDS)})(?:[-{_SPACE[1:-1]}](?:"
    + "|".join(w for w, v in CARDINAL_WORDS.items() if 0 < v < 10)
    + rf"))?|{_alternation(CARDINAL_WORDS)})"
)
_MONTH = rf"(?:{_alternation(MONTHS)})\.?"
_YEAR = r"(?:1[5-9]\d\d|20\d\d|2100)"

# One pattern per shape, tried in this order at every position (first match wins).
_SHAPES = [
    # "May 7-10", "May 7 to 10, 2025"
    (
        "date_range",
        re.compile(
            rf"(?P<month>{_MONTH}){_SPACE}(?P<low>[0-3]?\d)(?:st|nd|rd|th)?"
            rf"(?:[-–]|{_SPACE}(?:to|and){_SPACE})(?P<high>[0-3]?\d)(?:st|nd|rd|th)?"
            rf"(?:,?{_SPACE}(?P<year>{_YEAR}))?\b",
            re.IGNORECASE,
        ),
    ),
    # "May 13, 2025", "April 9", "March 2024"
    (
        "date_mdy",
        re.compile(
            rf"(?P<month>{_MONTH}){_SPACE}(?:(?P<day>[0-3]?\d)(?:st|nd|rd|th)?\b(?!\.\d)"
            rf"(?:,?{_SPACE}(?P<year>{_YEAR})\b)?|(?P<year_only>{_YEAR})\b)",
            re.IGNORECASE,
        ),
    ),
    # "13 May 2025", "9 April"
    (
        "date_dmy",
        re.compile(
            rf"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?{_SPACE}(?P<month>{_MONTH})\b"
            rf"(?:,?{_SPACE}(?P<year>{_YEAR})\b)?",
            re.IGNORECASE,
        ),
    ),
    # "2025-2027", "1950–53"
    ("year_range", re.compile(rf"(?P<low>{_YEAR})[-–](?P<high>\d\d(?:\d\d)?)\b(?![-–]\d)")),
    # "the 1960s"
    ("decade", re.compile(r"(?P<decade>1[5-9]\d0|20[0-9]0)['’]?s\b")),
    # "10am", "4.30pm", "8 p.m."
    (
        "time",
        re.compile(
            rf"(?P<hour>\d{{1,2}})(?:[:.](?P<minute>[0-5]\d))?{_SPACE}?"
            r"(?P<half>[ap])(?:\.m\.|m(?![^\W_]))",
            re.IGNORECASE,
        ),
    ),
    # "15:30"
    ("clock", re.compile(r"(?P<hour>[01]?\d|2[0-3]):(?P<minute>[0-5]\d)(?![\d:])")),
    # "52-48", "3-5 percent": a score or a range, told apart by what is around it
    ("pair", re.compile(rf"(?P<low>{_FIGURE})[-–](?P<high>{_FIGURE})(?![\d\-–])")),
    # "a few thousand", "several hundred": a small unknown multiple of a scale
    (
        "few_scale",
        re.compile(
            rf"\b(?P<few>a{_SPACE}few|several){_SPACE}(?P<scale>hundred|thousand|million|billion)\b",
            re.IGNORECASE,
        ),
    ),
    # "hundreds of millions", "thousands" (before the figures, which need a digit or word)
    ("vague", re.compile(rf"\b(?P<vague>{_alternation(VAGUE)})\b", re.IGNORECASE)),
    # "one in five"
    (
        "one_in",
        re.compile(
            rf"\b(?P<one>one){_SPACE}in{_SPACE}(?P<many>\d+|{_CARDINAL_WORD})\b", re.IGNORECASE
        ),
    ),
    # "half", "a quarter", "two-thirds"
    ("fraction", re.compile(rf"\b(?P<fraction>{_alternation(FRACTIONS)})\b", re.IGNORECASE)),
    # "80th", "4th"
    ("ordinal_digits", re.compile(r"(?P<figure>\d+)(?P<suffix>st|nd|rd|th)\b")),
    # "ninth", "Fourth"
    ("ordinal_word", re.compile(rf"\b(?P<word>{_alternation(ORDINAL_WORDS)})\b", re.IGNORECASE)),
    # "17,000", "518.4", "-3.5"
    ("figure", re.compile(rf"(?P<figure>{_FIGURE})")),
    # "twenty-five", "ten", "a dozen", "a hundred", "one hundred"
    (
        "cardinal_word",
        re.compile(
            rf"\b(?P<word>(?:a|an|one|{_CARDINAL_WORD})(?:{_SPACE}(?:dozen|hundred))?|"
            rf"{_CARDINAL_WORD})\b",
            re.IGNORECASE,
        ),
    ),
    # "IX Summit", "Session I", "World War II"
    ("roman", re.compile(r"\b(?P<roman>X{0,3}(?:IX|IV|V?I{0,3}))\b")),
]
_START = re.compile(
    rf"\d|\b(?:{_alternation(MONTHS)}|{_alternation(VAGUE)}|half|a|an|one|two|three|several|"
    rf"{_alternation(ORDINAL_WORDS)}|{_CARDINAL_WORD}|[IVX]+)\b",
    re.IGNORECASE,
)
_CURRENCY_BEFORE = re.compile(
    rf"(?<![^\W\d_])(?P<currency>{_alternation(CURRENCY_BEFORE)}){_SPACE}?$", re.IGNORECASE
)
_QUALIFIER_BEFORE = re.compile(
    rf"(?<![^\W\d_])(?P<qualifier>{_alternation(QUALIFIERS)}){_SPACE}+$", re.IGNORECASE
)
_SCALE_AFTER = re.compile(
    rf"(?P<space>{_SPACE}?)(?P<scale>{_alternation(SCALES)})(?![^\W_])", re.IGNORECASE
)
_PERCENT_AFTER = re.compile(
    rf"{_SPACE}*(?P<unit>%|(?:{_alternation(set(PERCENT_AFTER) - {'%'})})\b)", re.IGNORECASE
)
_CURRENCY_WORD_AFTER = re.compile(
    rf"{_SPACE}+(?P<unit>{_alternation(CURRENCY_AFTER)})\b", re.IGNORECASE
)
_UNIT_AFTER = re.compile(rf"(?:{_SPACE}+|-)(?P<unit>{_alternation(UNITS)})\b", re.IGNORECASE)
_TOKEN_AFTER = re.compile(rf"(?:{_SPACE}+|-)(?P<word>{_WORD})")
_OF_AFTER = re.compile(rf"{_SPACE}+of(?={_SPACE})", re.IGNORECASE)


@dataclass
class _Match:
    """A number found in the text, before it becomes a Proposal."""

    start: int
    end: int
    type: str
    value: Decimal | None = None
    unit: str = ""
    scale: str = ""
    qualifier: str = ""
    counts: str = ""
    details: dict | None = None
    score: float = 0.9


def _glued_to_a_word(body: str, start: int, end: int) -> bool:
    """ "COVID-19", "G20", "5G", "A4": a figure inside a name is not a number."""
    before = body[start - 1] if start > 0 else " "
    if before.isalpha() or before == "_":
        return True
    if before in "-–" and start > 1 and body[start - 2].isalpha():
        return True
    after = body[end] if end < len(body) else " "
    return after.isalpha() or after == "_"


def _iso_date(month: int, day: int | None, year: str | None) -> str | None:
    if day is not None and not 1 <= day <= 31:
        return None
    if year and day is not None:
        return f"{int(year):04d}-{month:02d}-{day:02d}"
    if day is not None:
        return f"--{month:02d}-{day:02d}"
    return f"{int(year):04d}-{month:02d}"


def _word_value(word: str) -> Decimal | None:
    """ "twenty-five" -> 25, "a dozen" -> 12, "one hundred" -> 100."""
    parts = re.split(rf"[-{_SPACE[1:-1]}]+", word.lower())
    total = 0
    for part in parts:
        if part in ("a", "an"):
            total = total or 1
        elif part in CARDINAL_WORDS:
            total += CARDINAL_WORDS[part]
        elif part in TENS_WORDS:
            total += TENS_WORDS[part]
        elif part == "dozen":
            total = (total or 1) * 12
        elif part == "hundred":
            total = (total or 1) * 100
        else:
            return None
    return Decimal(total)


# Words that end in "s" without being plurals, and plurals that do not end in "s".
NOT_PLURAL = frozenset("overseas news series species means always perhaps whereas".split())
IRREGULAR_PLURALS = frozenset("people children men women staff personnel police".split())


def _looks_plural(word: str) -> bool:
    lower = word.lower()
    if lower in IRREGULAR_PLURALS:
        return True
    return (
        lower.endswith("s")
        and not lower.endswith(("ss", "us", "is", "'s", "’s"))
        and lower not in NOT_PLURAL
    )


def _head_noun(body: str, position: int, ordinal: bool = False) -> str:
    """The head noun of the phrase that starts at `position`: "government scholarships"
    -> "scholarships", "second official visit" -> "visit".

    Reads at most four words, stopping at a function word, punctuation or a new name, and
    right after a plural noun ("two sides sends…"); the last word read is the head. A verb
    right after a cardinal ("28 attended") means the figure is not counting anything; after
    an ordinal the word is a noun ("the 7th meeting").
    """
    words: list[str] = []
    index = position
    while len(words) < 4:
        if words:
            bracket = _BRACKETED.match(body, index)
            index = bracket.end() if bracket else index
        token = _TOKEN_AFTER.match(body, index)
        if token is None:
            break
        word = token["word"]
        lower = word.lower()
        if lower in FUNCTION_WORDS or lower in ADVERBS or lower in MONTHS or lower in SCALES:
            break
        if words and (lower.endswith("ed") or (lower.endswith("ing") and _looks_plural(words[-1]))):
            break  # "first visit occurred", "1.5 billion people marching"
        if not words and not ordinal and lower.endswith(("ed", "ing")):
            following = _TOKEN_AFTER.match(body, token.end())
            if following is None or following["word"].lower() in FUNCTION_WORDS:
                return ""  # "28 attended, …", "172 needed to…"
        words.append(word)
        index = token.end()
        if _looks_plural(word):
            break
    return words[-1] if words else ""


def _extend(body: str, found: _Match) -> None:
    """Take in currency, scale, unit, qualifier and what is counted around a figure."""
    left = body[max(0, found.start - 24) : found.start]
    currency = _CURRENCY_BEFORE.search(left)
    if currency and found.type in ("quantity", "range", "vague"):
        found.unit = CURRENCY_BEFORE[currency["currency"].lower()]
        found.type = "money" if found.type == "quantity" else found.type
        found.start -= len(currency.group())
        left = left[: len(left) - len(currency.group())]
    if found.type in ("quantity", "money"):
        scaled = _SCALE_AFTER.match(body, found.end)
        if scaled:
            word = scaled["scale"].lower()
            attached = not scaled["space"]
            if word not in MONEY_ONLY_SCALES or (found.unit and attached):
                found.scale = scaled["scale"]
                found.value = found.value * SCALES[word]
                found.end = scaled.end()
            elif attached:
                found.end = scaled.end()  # "5m": part of the figure, meaning unsure
    if found.type in ("quantity", "money", "range", "vague"):
        percent = _PERCENT_AFTER.match(body, found.end)
        money = _CURRENCY_WORD_AFTER.match(body, found.end)
        unit = _UNIT_AFTER.match(body, found.end)
        if percent and not found.unit and found.type != "vague":
            found.unit = PERCENT_AFTER[percent["unit"].lower()]
            found.type = "percent" if found.type == "quantity" else found.type
            found.end = percent.end()
        elif money and found.unit in ("", CURRENCY_AFTER[money["unit"].lower()]):
            found.unit = CURRENCY_AFTER[money["unit"].lower()]
            found.type = "money" if found.type == "quantity" else found.type
            found.end = money.end()
        elif unit and not found.unit:
            found.unit = UNITS[unit["unit"].lower()]
            found.end = unit.end()
    qualified = _QUALIFIER_BEFORE.search(left)
    if qualified and found.type not in ("date", "year", "ordinal"):
        found.qualifier = qualified["qualifier"].lower()
    if found.type in ("quantity", "money", "percent", "ordinal", "vague", "fraction", "range"):
        after = found.end
        of = _OF_AFTER.match(body, after)
        if found.type in ("vague", "fraction") and of:
            after = of.end()
            article = re.match(
                rf"{_SPACE}+(?:the|its|their|our|his|her|these|those)\b", body[after:]
            )
            if article:
                after += article.end()
        if found.type not in ("percent",) and not (found.unit and found.type == "quantity"):
            found.counts = found.counts or _head_noun(body, after, found.type == "ordinal")


def _at(body: str, position: int) -> _Match | None:
    """The number that starts at `position`, if one does."""
    for shape, pattern in _SHAPES:
        match = pattern.match(body, position)
        if match is None or match.end() == position:
            continue
        start, end = match.span()
        if shape in ("date_range", "date_mdy"):
            month = MONTHS[match["month"].lower().rstrip(".")]
            if match["month"].lower().rstrip(".") == "may" and not match["month"][0].isupper():
                continue  # "may 5" is the verb
            if shape == "date_range":
                low, high = int(match["low"]), int(match["high"])
                if not (1 <= low < high <= 31):
                    continue
                details = {
                    "type": "range",
                    "low": _iso_date(month, low, match["year"]),
                    "high": _iso_date(month, high, match["year"]),
                }
                return _Match(start, end, "range", unit="date", details=details)
            if match["year_only"]:
                iso = _iso_date(month, None, match["year_only"])
            else:
                iso = _iso_date(month, int(match["day"]), match["year"])
            if iso is None:
                continue
            return _Match(start, end, "date", unit="date", details={"iso_date": iso})
        if shape == "date_dmy":
            if _glued_to_a_word(body, start, start):  # "7th March": only the left matters
                continue
            iso = _iso_date(
                MONTHS[match["month"].lower().rstrip(".")], int(match["day"]), match["year"]
            )
            if iso is None or (match["month"].lower() == "may" and not match["month"][0].isupper()):
                continue
            return _Match(start, end, "date", unit="date", details={"iso_date": iso})
        if shape == "year_range":
            if _glued_to_a_word(body, start, end):
                continue
            low = int(match["low"])
            high_text = match["high"]
            high = int(high_text) if len(high_text) == 4 else low // 100 * 100 + int(high_text)
            if high <= low:
                continue
            details = {"low": Decimal(low), "high": Decimal(high)}
            return _Match(start, end, "range", unit="year", details=details)
        if shape == "decade":
            prefixed = re.search(r"\b(?:mid|early|late)-$", body[max(0, start - 6) : start], re.I)
            glued = _glued_to_a_word(body, start, start) and not prefixed
            if glued or (end < len(body) and body[end].isalnum()):
                continue
            return _Match(start, end, "year", Decimal(match["decade"]), unit="decade")
        if shape in ("time", "clock"):
            found = _time_of_day(body, match, shape)
            if found is None:
                continue
            return found
        if shape == "pair":
            found = _pair(body, match)
            if found is None:
                continue
            return found
        if shape == "few_scale":
            few = Decimal(3 if match["few"].lower() == "several" else 2)
            scale = {"hundred": Decimal(100)} | SCALES
            at_least = few * scale[match["scale"].lower()]
            return _Match(start, end, "vague", details={"at_least": at_least}, score=0.7)
        if shape == "vague":
            phrase = match["vague"].lower()
            return _Match(start, end, "vague", details={"at_least": VAGUE[phrase]}, score=0.7)
        if shape == "one_in":
            many = (
                _decimal(match["many"])
                if match["many"][0].isdigit()
                else _word_value(match["many"])
            )
            if not many or many < 2:
                continue
            value = (Decimal(1) / many).quantize(FRACTION_PLACES).normalize()
            found = _Match(start, end, "fraction", value, details={"fraction": f"1/{many}"})
            return found
        if shape == "fraction":
            phrase = match["fraction"].lower().replace("-", " ")
            exact = FRACTIONS.get(phrase) or FRACTIONS[match["fraction"].lower()]
            numerator, denominator = (Decimal(part) for part in exact.split("/"))
            value = (numerator / denominator).quantize(FRACTION_PLACES).normalize()
            century = re.match(
                rf"{_SPACE}+an?{_SPACE}+(?P<unit>century|decade|year|million|billion|dozen)\b",
                body[end:],
                re.IGNORECASE,
            )
            if century:
                base = {
                    "century": (Decimal(100), "years", ""),
                    "decade": (Decimal(10), "years", ""),
                    "year": (Decimal(1), "years", ""),
                    "million": (Decimal(10**6), "", "million"),
                    "billion": (Decimal(10**9), "", "billion"),
                    "dozen": (Decimal(12), "", ""),
                }[century["unit"].lower()]
                whole = (numerator * base[0] / denominator).quantize(FRACTION_PLACES)
                found = _Match(start, end + century.end(), "quantity", whole)
                found.unit, found.scale = base[1], base[2]
                return found
            if phrase == "half" and re.match(r"[-–]", body[end : end + 1]):
                continue  # "half-hearted"
            return _Match(start, end, "fraction", value, details={"fraction": exact}, score=0.8)
        if shape == "ordinal_digits":
            if _glued_to_a_word(body, start, end):
                continue
            day = int(match["figure"])
            of_month = _OF_MONTH.match(body, end)
            if 1 <= day <= 31 and of_month:
                # "the 9th of May", "the 9th of May, 2025"
                month = MONTHS[of_month["month"].lower().rstrip(".")]
                iso = _iso_date(month, day, of_month["year"])
                return _Match(start, of_month.end(), "date", unit="date", details={"iso_date": iso})
            if (
                1 <= day <= 31
                and re.search(
                    r"\b(?:on|of|by|until|from|since|before|after)\s+the\s+$",
                    body[max(0, start - 12) : start],
                )
                and re.match(r"\s*(?:[.,;:)]|and\b|or\b|$)", body[end : end + 4])
            ):
                # "on the evening of the 7th": a day of an unnamed month; the engine does
                # not guess which month (ISO 8601 writes a day alone "---07").
                details = {"day": day, "iso_date": f"---{day:02d}"}
                return _Match(start, end, "date", unit="date", details=details)
            return _Match(start, end, "ordinal", Decimal(match["figure"]), unit="ordinal")
        if shape == "ordinal_word":
            word = match["word"].lower()
            following = _TOKEN_AFTER.match(body, end)
            if body[end : end + 1] == "-" or following is None:
                continue  # "first-time", "first-hand"; "first" with nothing after it
            if following["word"].lower() in FUNCTION_WORDS and following["word"].lower() != "of":
                continue  # "the first to offer", "first and foremost"
            if word == "second" and following["word"].lower() in ("of",):
                continue
            if following["word"].lower() == "of" and word != "first":
                continue
            if word in ("third",) and following["word"].lower() in ("party", "parties", "world"):
                continue
            if word == "first" and following["word"].lower() == "of":
                continue
            if following["word"].lower().endswith("ed") and not _DETERMINER_BEFORE.search(
                body, max(0, start - 20), start
            ):
                continue  # "was first published", "He first visited": an adverb
            return _Match(start, end, "ordinal", Decimal(ORDINAL_WORDS[word]), unit="ordinal")
        if shape == "figure":
            glued_unit = _GLUED_UNIT.match(body, end)
            if (
                _glued_to_a_word(body, start, end)
                and not glued_unit
                and not re.match(
                    rf"(?:{_alternation(SCALES)}|%)(?![^\W_])", body[end:], re.IGNORECASE
                )
            ):
                continue
            if body[end : end + 1] == "/" or (start > 0 and body[start - 1] == "/"):
                continue  # "24/7", "9/11", "2024/25": dates and names, not amounts
            value = _decimal(match["figure"])
            if value is None:
                continue
            label = re.search(rf"\b([A-Z][a-z]+\.?){_SPACE}$", body[max(0, start - 16) : start])
            if label and label[1].rstrip(".").lower() in LABEL_WORDS and "." not in match["figure"]:
                # "Article 5", "Chapter 11", "Resolution 2712": a numbered item, not an amount.
                found = _Match(start, end, "ordinal", value, unit="ordinal")
                found.counts = label[1].rstrip(".")
                return found
            if glued_unit and not _SCALE_AFTER.match(body, end):
                found = _Match(start, glued_unit.end(), "quantity", value)
                found.unit = glued_unit["unit"]
                return found
            # A minus sign before the figure, not a hyphen inside a word or a range ("2025-2027"
            # is read above): "-3.5%", "a fall of −2".
            if start > 0 and body[start - 1] in "-−" and (start == 1 or body[start - 2].isspace()):
                start -= 1
                value = -value
            figure = match["figure"]
            if re.fullmatch(_YEAR, figure) and not _counts_after(body, end):
                return _Match(start, end, "year", value, unit="year")
            return _Match(start, end, "quantity", value)
        if shape == "cardinal_word":
            word = match["word"]
            lower = word.lower()
            if lower in ("a", "an"):
                scaled = _SCALE_AFTER.match(body, end)
                if scaled and scaled["space"] and scaled["scale"].lower() not in MONEY_ONLY_SCALES:
                    return _Match(start, end, "quantity", Decimal(1), score=0.8)  # "a million"
                continue
            if lower == "one" and not _one_is_a_number(body, end):
                continue
            value = _word_value(word)
            if value is None:
                continue
            if lower == "zero":
                continue
            compound = re.match(r"-(?P<word>[a-z]+)\b", body[end : end + 20])
            if compound and not _UNIT_AFTER.match(body, end):
                if lower == "one" or compound["word"] in ("way", "fold", "thirds", "quarters"):
                    continue  # "one-China", "two-way", "twofold"
                # "a six-point common understanding": the compound is the figure's span.
                found = _Match(start, end + compound.end(), "quantity", value, score=0.7)
                found.counts = _head_noun(body, end + compound.end())
                return found
            return _Match(start, end, "quantity", value, score=0.8)
        if shape == "roman":
            numeral = match["roman"]
            if not numeral or numeral not in _ROMAN_VALUES:
                continue
            before = re.search(rf"([^\W\d_]+){_SPACE}$", body[max(0, start - 20) : start])
            after = re.match(rf"{_SPACE}([^\W\d_]+)", body[end : end + 20])
            # A single letter (I, V, X) only after a word that takes numbers ("Session I",
            # not "Malcolm X"); longer numerals next to any capitalised word ("IX Summit").
            single = len(numeral) == 1
            hosted = (
                before is not None
                and before[1][0].isupper()
                and (before[1].lower() in ROMAN_HOSTS or not single)
            )
            hosts = after is not None and after[1][0].isupper() and not single
            if not (hosted or hosts):
                continue
            return _Match(start, end, "ordinal", Decimal(_ROMAN_VALUES[numeral]), unit="ordinal")
    return None


# Before an ordinal adjective: "the first elected president", "China’s first crewed …".
_DETERMINER_BEFORE = re.compile(
    rf"(?:\b(?:the|a|an|its|his|her|their|our|this|that|whose)|['’]s){_SPACE}+$", re.IGNORECASE
)
# An editor's insertion inside a phrase: "the 4th China-CEEC [Central …] Expo".
_BRACKETED = re.compile(rf"{_SPACE}*\[[^\]\n]{{1,80}}\]")
_OF_MONTH = re.compile(
    rf"{_SPACE}+of{_SPACE}+(?P<month>{_alternation(MONTHS)})(?![^\W_])(?:,?{_SPACE}(?P<year>{_YEAR})\b)?",
    re.IGNORECASE,
)
# Around a pair of figures, words that make it a score or a vote ("won 3-1", "passed the
# bill 52-48", "a 2-1 win") rather than a range ("3-5 percent").
SCORE_BEFORE = re.compile(
    r"\b(?:won|wins?|lost|loses?|beat|beats|defeated|drew|draws?|passed|approved|rejected|"
    r"adopted|voted|votes?|ruled|scored?|margin|tally|led|leads|trailed|trails)\b"
    r"(?:\s+[\w’'-]+){0,3}\s+(?:an?\s+)?$",
    re.IGNORECASE,
)
SCORE_AFTER = re.compile(
    r"\s+(?:win|wins|victory|defeat|loss|draw|vote|votes|margin|majority|decision|ruling|"
    r"lead|score|scoreline|result|in\s+favou?r|against|for\b|after|in\s+the)\b",
    re.IGNORECASE,
)


def _time_of_day(body: str, match: re.Match, shape: str) -> "_Match | None":
    """ "10am", "4.30pm", "8 p.m." and "15:30" (a colon and two digits for the minutes,
    after "at" or with a two-digit hour: "Verse 3:16" is no time) -> details["time"]."""
    start, end = match.span()
    if _glued_to_a_word(body, start, start) or (start and body[start - 1] in ".,:"):
        return None
    hour, minute = int(match["hour"]), int(match["minute"] or 0)
    if shape == "time":
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if match["half"].lower() == "p" else 0)
    elif len(match["hour"]) < 2 and not re.search(r"\bat\s+$", body[max(0, start - 4) : start]):
        return None
    details = {"time": f"{hour:02d}:{minute:02d}"}
    return _Match(start, end, "time", unit="time", details=details)


def _pair(body: str, match: re.Match) -> "_Match | None":
    """Two figures joined by a hyphen: a score or vote ("52-48", "won 3-1", "a 2-1 win"),
    or a range ("3-5 percent", "30-40 people"). A unit after it makes a range; words of
    winning or voting around it a score; otherwise a rise is a range and a fall or a tie,
    which no range is, a score."""
    start, end = match.span()
    if _glued_to_a_word(body, start, end) or (start and body[start - 1] in "-–/.,"):
        return None
    low, high = _decimal(match["low"]), _decimal(match["high"])
    if low is None or high is None:
        return None
    with_unit = (
        _PERCENT_AFTER.match(body, end)
        or _CURRENCY_WORD_AFTER.match(body, end)
        or _UNIT_AFTER.match(body, end)
        or _SCALE_AFTER.match(body, end)
    )
    cue = SCORE_BEFORE.search(body[max(0, start - 50) : start]) or SCORE_AFTER.match(body, end)
    if with_unit or (not cue and low < high):
        if low >= high or _SCALE_AFTER.match(body, end):
            return None  # "5-10 million" reads its scale on the high end only: say nothing
        return _Match(start, end, "range", details={"low": low, "high": high})
    return _Match(start, end, "score", details={"sides": [low, high]}, score=0.9 if cue else 0.6)


# Units written right after the figure: "1,000km", "50km/h", "5kg".
_GLUED_UNIT = re.compile(r"(?P<unit>km/h|km²|km|kg|cm|mm|kWh|GW|MW|kW|ha|mph)(?![^\W_])")
# Capitalised words that number an item: "Article 5" is the fifth article, not five of them.
LABEL_WORDS = frozenset(
    """article chapter section part resolution rule phase stage round clause paragraph
    volume no annex protocol amendment title item""".split()
)


def _roman_values() -> dict[str, int]:
    values = {}
    for number in range(1, 40):
        tens, units = divmod(number, 10)
        ones = ["", "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX"][units]
        values["X" * tens + ones] = number
    return values


_ROMAN_VALUES = _roman_values()


def _counts_after(body: str, end: int) -> bool:
    """Whether a 4-digit figure is followed by a plural noun it counts ("2000 troops")."""
    token = _TOKEN_AFTER.match(body, end)
    return bool(
        token
        and token["word"].islower()
        and token["word"].lower() not in FUNCTION_WORDS
        and token["word"].endswith("s")
        and not body[end : end + 1] == "-"
    )


def _one_is_a_number(body: str, end: int) -> bool:
    """ "one million", "one country" count; "one of", "one another", "no one" do not."""
    token = _TOKEN_AFTER.match(body, end)
    if token is None or body[end : end + 1] == "-":
        return False
    word = token["word"].lower()
    if word in SCALES or word in ("hundred", "dozen"):
        return True
    return (
        word not in FUNCTION_WORDS
        and word not in ("another", "day", "way")
        and token["word"].islower()
        and not _looks_plural(word)
        and not word.endswith(("ed", "ing"))
    )


def _find_ranges(body: str, numbers: list[_Match]) -> list[_Match]:
    """Join "between 3 and 5" and "from 3 to 5 percent" into ranges of the same unit."""
    joined: list[_Match] = []
    skip = set()
    for index, first in enumerate(numbers):
        if index in skip:
            continue
        if index + 1 < len(numbers):
            second = numbers[index + 1]
            gap = body[first.end : second.start]
            head = re.search(
                rf"(?:between|from){_SPACE}+$",
                body[max(0, first.start - 9) : first.start],
                re.IGNORECASE,
            )
            joiner = (
                {"between": "and", "from": "to"}.get(head.group().split()[0].lower())
                if head
                else None
            )
            if (
                joiner
                and re.fullmatch(rf"{_SPACE}+{joiner}{_SPACE}+", gap)
                and first.type in ("quantity", "percent", "money")
                and second.type in ("quantity", "percent", "money")
                and (not first.unit or first.unit == second.unit)
                and first.value is not None
                and second.value is not None
            ):
                low = first.value
                if not first.scale and second.scale:
                    low = low * SCALES[second.scale.lower()]
                joined.append(
                    _Match(
                        first.start - len(head.group()),
                        second.end,
                        "range",
                        unit=second.unit,
                        scale=second.scale,
                        qualifier=first.qualifier,
                        counts=second.counts,
                        details={"low": plain(low), "high": plain(second.value)},
                    )
                )
                skip.add(index + 1)
                continue
        joined.append(first)
    return joined


def _scan(body: str) -> list[_Match]:
    found = []
    position = 0
    while True:
        start = _START.search(body, position)
        if start is None:
            break
        position = start.start()
        if position > 0 and body[position - 1].isalnum():
            # Inside a word or a figure ("COVID-19" is skipped whole by the check below).
            position = start.end()
            continue
        match = _at(body, position)
        if match is None:
            # Skip the rest of this word or figure: a number starts at a word's start.
            run = re.compile(r"[\w.,-]*").match(body, position)
            position = max(run.end(), position + 1)
            continue
        _extend(body, match)
        found.append(match)
        position = match.end
    return _find_ranges(body, found)


def find_numbers(body: str) -> list[Proposal]:
    """Every numeric expression of `body` as a number proposal (see the module docstring)."""
    proposals = []
    for found in _scan(body):
        details = dict(found.details or {})
        details["type"] = found.type
        value = plain(found.value) if found.value is not None else None
        for bound in ("low", "high", "at_least"):
            if isinstance(details.get(bound), Decimal):
                details[bound] = plain(details[bound])
        if "sides" in details:
            details["sides"] = [plain(side) for side in details["sides"]]
        proposals.append(
            Proposal(
                start=found.start,
                end=found.end,
                kind="number",
                attributes={
                    "number_value": value,
                    "number_unit": found.unit,
                    "number_scale": found.scale,
                    "number_qualifier": found.qualifier,
                    "number_counts": found.counts,
                },
                details=details,
                score=found.score,
                engine=ENGINE,
                version=VERSION,
            )
        )
    return proposals


def read_number(text: str, before: str = "", after: str = "") -> NumberReading:
    """Read the number in a selected `text` (the annotate form's prefill).

    `before` and `after` are the article text around the selection: a qualifier, a unit or
    the counted noun just outside it still belongs to the figure ("more than [200] projects").
    The first number the engine finds overlapping the selection is read.
    """
    body = before + text + after
    start, end = len(before), len(before) + len(text)
    for proposal in find_numbers(body):
        if proposal.start < end and proposal.end > start:
            attributes = proposal.attributes
            value = attributes["number_value"]
            if value is None and "low" in proposal.details:
                low = proposal.details["low"]
                value = low if isinstance(low, Decimal) else None
            unit = attributes["number_unit"]
            return NumberReading(
                value=value,
                unit="" if unit == "ordinal" else unit,
                scale=attributes["number_scale"],
                qualifier=attributes["number_qualifier"],
                counts=attributes["number_counts"],
                ordinal=proposal.details["type"] == "ordinal",
            )
    return NumberReading()
