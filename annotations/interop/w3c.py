"""W3C Web Annotations in: checked against the Data Model, anchored in stored articles.

A Web Annotation does not carry the text it annotates: its target names a document (an
IRI) and selects part of it. An annotation imports when its target is an article stored
here (this Workbench's own article IRI, as the W3C export writes it, or an article whose
`url` is the target) and it selects text with a `TextPositionSelector` (start and end in
Unicode code points, end exclusive, as the Data Model requires) or a `TextQuoteSelector`
(exact text with a prefix and a suffix). Its kind comes from a tag: a `TextualBody` whose
purpose is `tagging` or `classifying` (Workbench's W3C export tags every annotation with
its kind this way), mapped like any label.

Anchoring: a position that holds the quote (or comes without one) is taken as it is. When
the quote is not there (the other tool saw the text before Workbench normalised it, or
another version), the quote is searched in the body, NFC-normalised with LF line breaks
like the body, and its prefix and suffix pick among several occurrences; the nearest to
the given position breaks a tie. A quote that is missing, or ambiguous, refuses the span.

Annotations that break the Data Model (no or wrong `@context`, an `id` that is not one
absolute IRI, no `type` Annotation, no target, a body that is not an IRI, an object or a
list, a TextualBody without one string value, dates that are not one xsd:dateTime,
selectors without their required values…) are refused with the rule they break.
Annotations that are valid but cannot become a Workbench span (an image, a whole page,
another site, a FragmentSelector…) are reported and left out.
"""

import re
import unicodedata
from datetime import datetime

from ..text import grapheme_split_problem
from .documents import SpanProblem
from .json_text import JsonProblem, json_document, json_stream
from .records import LabelMap, ParsedRecord, RecordReport, printable

ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
# An absolute IRI (RFC 3987): a scheme, then no space, control character, lone surrogate
# or delimiter that an IRI must escape.
_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`\x00-\x1f\x7f\ud800-\udfff]+")
_TEXT_DIRECTIONS = {"ltr", "rtl", "auto"}
_COMPOSITE_TYPES = {"Choice", "List", "Composite", "Independents"}
_TAG_PURPOSES = {"tagging", "classifying"}
# Occurrences of a quote looked at before giving up on telling them apart.
MAX_QUOTE_OCCURRENCES = 1000


def _is_iri(value) -> bool:
    return isinstance(value, str) and _IRI.fullmatch(value) is not None


def _types(value: dict) -> list[str]:
    kind = value.get("type")
    if isinstance(kind, str):
        return [kind]
    if isinstance(kind, list):
        return [item for item in kind if isinstance(item, str)]
    return []


def _is_datetime(value) -> bool:
    if not isinstance(value, str) or "T" not in value:
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


class _Checker:
    """Collects the Data Model rules an annotation breaks, each with where it breaks it."""

    def __init__(self):
        self.problems: list[str] = []

    def fail(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}" if where else message)

    def single_string(self, value: dict, name: str, where: str, *, required=False) -> None:
        if name not in value:
            if required:
                self.fail(where, f"“{name}” is required.")
            return
        if not isinstance(value[name], str):
            self.fail(where, f"“{name}” must be one string.")

    def iris(self, value: dict, name: str, where: str, *, single=False) -> None:
        if name not in value:
            return
        item = value[name]
        items = item if isinstance(item, list) and not single else [item]
        if not items or not all(_is_iri(entry) for entry in items):
            wanted = "one absolute IRI" if single else "an absolute IRI or a list of them"
            self.fail(where, f"“{name}” must be {wanted}.")

    def agents(self, value: dict, name: str, where: str) -> None:
        if name not in value:
            return
        items = value[name] if isinstance(value[name], list) else [value[name]]
        for item in items:
            if isinstance(item, dict):
                if "id" in item and not _is_iri(item["id"]):
                    self.fail(where, f"the id of “{name}” must be an absolute IRI.")
            elif not _is_iri(item):
                self.fail(where, f"“{name}” must be an IRI or an agent object.")

    def times(self, value: dict, where: str) -> None:
        for name in ("created", "modified", "generated"):
            if name in value and not _is_datetime(value[name]):
                self.fail(where, f"“{name}” must be one xsd:dateTime such as 2015-01-28T12:00:00Z.")

    def resource(self, value, where: str, *, body: bool) -> None:
        """A body or target: an IRI, an object (specific, textual, external, composite)."""
        if isinstance(value, str):
            if not _is_iri(value):
                self.fail(where, "a string body or target must be an absolute IRI.")
            return
        if not isinstance(value, dict):
            self.fail(where, "must be an IRI, an object or a list of them.")
            return
        types = _types(value)
        composite = [kind for kind in types if kind in _COMPOSITE_TYPES]
        if len(composite) > 1:
            self.fail(where, f"one resource cannot be {' and '.join(composite)} at once.")
        if "items" in value:
            if not composite:
                self.fail(where, "“items” needs a type: Choice, List, Composite or Independents.")
            if not isinstance(value["items"], list) or not value["items"]:
                self.fail(where, "“items” must be a non-empty list.")
            else:
                for index, item in enumerate(value["items"], 1):
                    self.resource(item, f"{where}, item {index}", body=body)
        if "id" in value and not _is_iri(value["id"]):
            self.fail(where, "“id” must be one absolute IRI.")
        if "TextualBody" in types or (body and "value" in value and "source" not in value):
            self.single_string(value, "value", where, required=True)
        for name in ("format", "language", "processingLanguage"):
            if name in value and not isinstance(value[name], str):
                if name == "language" and isinstance(value[name], list):
                    if all(isinstance(item, str) for item in value[name]):
                        continue
                self.fail(where, f"“{name}” must be one string.")
        if "textDirection" in value and value["textDirection"] not in _TEXT_DIRECTIONS:
            self.fail(where, "“textDirection” must be one of ltr, rtl, auto.")
        self.agents(value, "creator", where)
        self.times(value, where)
        self.iris(value, "rights", where)
        if "purpose" in value:
            purposes = (
                value["purpose"] if isinstance(value["purpose"], list) else [value["purpose"]]
            )
            if not all(isinstance(purpose, str) for purpose in purposes):
                self.fail(where, "“purpose” must be a string or a list of strings.")
        specific = "SpecificResource" in types or any(
            name in value for name in ("selector", "state", "styleClass", "renderedVia", "scope")
        )
        if specific:
            if "source" not in value:
                self.fail(where, "a specific resource (with a selector or state) needs a “source”.")
            elif not (_is_iri(value["source"]) or isinstance(value["source"], dict)):
                self.fail(where, "“source” must be an IRI or an object.")
            if "selector" in value:
                self.selectors(value["selector"], f"{where}, selector")
            if "state" in value:
                self.selectors(value["state"], f"{where}, state")

    def selectors(self, value, where: str) -> None:
        items = value if isinstance(value, list) else [value]
        for item in items:
            if isinstance(item, str):
                if not _is_iri(item):
                    self.fail(where, "a selector given as a string must be an IRI.")
                continue
            if not isinstance(item, dict):
                self.fail(where, "must be an object or an IRI.")
                continue
            self.selector(item, where)

    def selector(self, value: dict, where: str) -> None:
        types = _types(value)
        kind = types[0] if len(types) == 1 else None
        if kind is None and "id" not in value:
            self.fail(where, "a selector needs one “type”.")
        if kind in ("FragmentSelector", "CssSelector", "XPathSelector", "HttpRequestState"):
            self.single_string(value, "value", f"{where} ({kind})", required=True)
        if kind == "FragmentSelector" and "conformsTo" in value:
            self.iris(value, "conformsTo", f"{where} ({kind})", single=True)
        if kind == "TextQuoteSelector":
            self.single_string(value, "exact", f"{where} ({kind})", required=True)
            for name in ("prefix", "suffix"):
                self.single_string(value, name, f"{where} ({kind})")
        if kind in ("TextPositionSelector", "DataPositionSelector"):
            for name in ("start", "end"):
                number = value.get(name)
                if isinstance(number, bool) or not isinstance(number, int) or number < 0:
                    self.fail(f"{where} ({kind})", f"“{name}” must be one whole number ≥ 0.")
            start, end = value.get("start"), value.get("end")
            if isinstance(start, int) and isinstance(end, int) and start > end:
                self.fail(f"{where} ({kind})", "“start” comes after “end”.")
        if kind == "RangeSelector":
            for name in ("startSelector", "endSelector"):
                if not isinstance(value.get(name), dict):
                    self.fail(f"{where} ({kind})", f"“{name}” is required.")
                else:
                    self.selector(value[name], f"{where}, {name}")
        if kind == "TimeState":
            for name in ("sourceDate", "sourceDateStart", "sourceDateEnd"):
                if name in value and not _is_datetime(value[name]):
                    self.fail(f"{where} ({kind})", f"“{name}” must be one xsd:dateTime.")
        if "refinedBy" in value:
            self.selectors(value["refinedBy"], f"{where}, refinedBy")


def annotation_problems(annotation, *, needs_context: bool = True) -> list[str]:
    """The Web Annotation Data Model rules `annotation` breaks (empty when it is valid).

    `needs_context`: annotations embedded in a collection or page take its @context.
    """
    if not isinstance(annotation, dict):
        return ["An annotation must be a JSON object."]
    check = _Checker()
    context = annotation.get("@context")
    if needs_context or context is not None:
        contexts = context if isinstance(context, list) else [context]
        if context is None:
            check.fail("", f"“@context” is missing (it must be {ANNO_CONTEXT}).")
        elif ANNO_CONTEXT not in contexts:
            check.fail("", f"“@context” must be or include {ANNO_CONTEXT}.")
    if "id" not in annotation:
        check.fail("", "“id” is missing: an annotation has exactly one IRI.")
    elif not _is_iri(annotation["id"]):
        check.fail("", "“id” must be one absolute IRI.")
    types = _types(annotation)
    if "type" not in annotation:
        check.fail("", "“type” is missing (it must be Annotation).")
    elif "Annotation" not in types:
        check.fail("", "“type” must be Annotation.")
    if "motivation" in annotation:
        motivations = annotation["motivation"]
        motivations = motivations if isinstance(motivations, list) else [motivations]
        if not all(isinstance(item, str) for item in motivations):
            check.fail("", "“motivation” must be a string or a list of strings.")
    if "body" in annotation and "bodyValue" in annotation:
        check.fail("", "an annotation has either “body” or “bodyValue”, not both.")
    if "bodyValue" in annotation and not isinstance(annotation["bodyValue"], str):
        check.fail("", "“bodyValue” must be one string.")
    if "body" in annotation:
        bodies = (
            annotation["body"] if isinstance(annotation["body"], list) else [annotation["body"]]
        )
        for index, body in enumerate(bodies, 1):
            check.resource(body, "body" if len(bodies) == 1 else f"body {index}", body=True)
    if "target" not in annotation:
        check.fail("", "“target” is missing: an annotation needs at least one target.")
    else:
        targets = annotation["target"]
        targets = targets if isinstance(targets, list) else [targets]
        if not targets:
            check.fail("", "“target” must not be empty.")
        for index, target in enumerate(targets, 1):
            check.resource(target, "target" if len(targets) == 1 else f"target {index}", body=False)
    check.agents(annotation, "creator", "")
    check.agents(annotation, "generator", "")
    check.times(annotation, "")
    check.iris(annotation, "rights", "")
    check.iris(annotation, "via", "")
    check.iris(annotation, "canonical", "", single=True)
    return check.problems


# ---- Reading a file ----


def _annotations_in(document) -> tuple[list[tuple[object, bool]], list[str]]:
    """(annotation, needs its own @context) for each annotation a document holds."""
    if isinstance(document, list):
        return [(item, True) for item in document], []
    if not isinstance(document, dict):
        return [], ["A W3C file holds an annotation, a list, a collection or a page of them."]
    types = _types(document)
    if "AnnotationCollection" in types or "AnnotationPage" in types:
        page = document
        if "AnnotationCollection" in types:
            page = document.get("first")
            if page is None:
                return [], []  # an empty collection has no page
            if not isinstance(page, dict):
                return [], [
                    "The collection links to its pages instead of embedding them: export the "
                    "annotations themselves (or a collection with its first page embedded)."
                ]
        items = page.get("items")
        if not isinstance(items, list):
            return [], ["The annotation page has no list of “items”."]
        if page.get("next") is not None:
            return [], [
                "The collection has more than one page: only an embedded first page is read."
            ]
        context = document.get("@context")
        contexts = context if isinstance(context, list) else [context]
        problems = (
            []
            if ANNO_CONTEXT in contexts
            else [f"The collection's “@context” must be or include {ANNO_CONTEXT}."]
        )
        return [(item, False) for item in items], problems
    return [(document, True)], []


def parse_w3c(text: str, *, labels: LabelMap) -> tuple[list[ParsedRecord], list[str]]:
    """Every annotation of a W3C file, checked and read (targets not yet resolved)."""
    try:
        document = json_document(text)
        found, problems = _annotations_in(document)
        lines = [None] * len(found)
    except JsonProblem as problem:
        stream = json_stream(text)
        if len(stream) < 2 or any(isinstance(item, JsonProblem) for item in stream):
            return [], [str(problem)]
        found = [(item.value, True) for item in stream]  # JSON Lines: one annotation a line
        lines = [item.line for item in stream]
        problems = []
    if problems:
        return [], problems
    if not found:
        return [], ["The file holds no annotation."]
    return [
        _record(annotation, number, line, needs_context=needs_context, labels=labels)
        for number, ((annotation, needs_context), line) in enumerate(
            zip(found, lines, strict=True), 1
        )
    ], []


def _record(annotation, number: int, line, *, needs_context: bool, labels: LabelMap):
    report = RecordReport(number=number, line=line)
    record = ParsedRecord(report=report)
    if isinstance(annotation, dict) and isinstance(annotation.get("id"), str):
        report.ident = printable(annotation["id"][:200])
    try:
        problems = annotation_problems(annotation, needs_context=needs_context)
    except RecursionError:
        problems = ["its selectors or bodies are nested too deeply to read."]
    if problems:
        report.errors.append("Not a valid Web Annotation: " + " ".join(problems))
        return record
    targets = (
        annotation["target"] if isinstance(annotation["target"], list) else [annotation["target"]]
    )
    text_targets, reasons = [], set()
    for target in targets:
        found = _text_target(target)
        if isinstance(found, str):
            reasons.add(found)
        else:
            text_targets.append(found)
    if not text_targets:
        report.skipped.append(f"Nothing to anchor in a text: {' '.join(sorted(reasons))}")
        return record
    if len(text_targets) > 1:
        report.skipped.append("It has several text targets: a Workbench span lies in one text.")
        return record
    record.target, record.selectors = text_targets[0]
    record.labels = _tags(annotation)
    if not record.labels:
        report.skipped.append(
            "It has no tag to map to a kind (a TextualBody with purpose “tagging”, whose value "
            "is claim, number, quotation or a label given a kind)."
        )
    for label in record.labels:
        if labels.kind(label) is None:
            report.skipped.append(
                f"Its tag “{label}” is not mapped to a kind (map it: {label}=claim, number or "
                "quotation)."
            )
    return record


def _text_target(target) -> tuple[str, dict] | str:
    """(source IRI, {"position": (start, end), "quote": {...}}) or why there is none."""
    if isinstance(target, str):
        return "the target is a whole document (no selector)."
    source = target.get("source")
    if isinstance(source, dict):
        source = source.get("id")
    if not isinstance(source, str):
        if "items" in target:
            return "the target is a set of resources, not one text."
        if "id" in target:
            return "the target is a whole resource (no selector)."
        return "the target names no document by IRI."
    selectors = target.get("selector")
    if selectors is None:
        return "the target selects no text (no selector)."
    selectors = selectors if isinstance(selectors, list) else [selectors]
    found, other = {}, set()
    for selector in selectors:
        kinds = _types(selector) if isinstance(selector, dict) else []
        kind = kinds[0] if kinds else "a selector given by IRI"
        if isinstance(selector, dict) and "refinedBy" in selector:
            other.add(f"{kind} refined by another selector")
        elif kind == "TextPositionSelector":
            found["position"] = (selector["start"], selector["end"])
        elif kind == "TextQuoteSelector":
            found["quote"] = {
                "exact": selector["exact"],
                "prefix": selector.get("prefix", ""),
                "suffix": selector.get("suffix", ""),
            }
        else:
            other.add(kind)
    if not found:
        return (
            "Workbench anchors TextPositionSelector and TextQuoteSelector only "
            f"(found {', '.join(sorted(other))})."
        )
    return source, found


def _tags(annotation: dict) -> list[str]:
    motivations = annotation.get("motivation", [])
    motivations = set(motivations if isinstance(motivations, list) else [motivations])
    bodies = annotation.get("body", [])
    bodies = bodies if isinstance(bodies, list) else [bodies]
    tags = []
    for body in bodies:
        if not isinstance(body, dict) or not isinstance(body.get("value"), str):
            continue
        purposes = body.get("purpose", [])
        purposes = set(purposes if isinstance(purposes, list) else [purposes])
        if purposes & _TAG_PURPOSES or (not purposes and motivations & _TAG_PURPOSES):
            if body["value"] not in tags:
                tags.append(body["value"])
    return tags


# ---- Anchoring in a stored body ----


def _as_stored(text: str) -> str:
    """A quote written as the body is stored: LF line breaks, NFC."""
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))


def _common_suffix(left: str, right: str) -> int:
    count = 0
    while count < min(len(left), len(right)) and left[-1 - count] == right[-1 - count]:
        count += 1
    return count


def _common_prefix(left: str, right: str) -> int:
    count = 0
    while count < min(len(left), len(right)) and left[count] == right[count]:
        count += 1
    return count


def anchor_selectors(body: str, selectors: dict) -> tuple[int, int, str | None]:
    """(start, end, note) of the selected text in `body`; SpanProblem when not found."""
    position = selectors.get("position")
    quote = selectors.get("quote")
    exact = _as_stored(quote["exact"]) if quote else None
    if quote is not None and not exact:
        raise SpanProblem("its quote is empty.")
    note = None
    if position is not None:
        start, end = position
        inside = 0 <= start < end <= len(body)
        if inside and (exact is None or body[start:end] == exact):
            return *_checked(body, start, end), None
        if exact is None:
            raise SpanProblem(
                f"[{start}, {end}) is outside the article (0 to {len(body)}) or empty."
            )
        note = "re-anchored by its quote: its position did not hold it"
    start = _find_quote(body, exact, quote, near=position[0] if position else None)
    return *_checked(body, start, start + len(exact)), note


def _find_quote(body: str, exact: str, quote: dict, *, near: int | None) -> int:
    prefix, suffix = _as_stored(quote["prefix"]), _as_stored(quote["suffix"])
    occurrences, index = [], body.find(exact)
    while index != -1 and len(occurrences) < MAX_QUOTE_OCCURRENCES:
        occurrences.append(index)
        index = body.find(exact, index + 1)
    if not occurrences:
        shown = exact if len(exact) <= 40 else exact[:39] + "…"
        raise SpanProblem(f"its quote “{shown}” is not in the article.")

    def context_match(start: int) -> int:
        """How many characters of the prefix and suffix agree with the text around."""
        before = body[max(0, start - len(prefix)) : start]
        after = body[start + len(exact) : start + len(exact) + len(suffix)]
        return _common_suffix(before, prefix) + _common_prefix(after, suffix)

    scores = {start: context_match(start) for start in occurrences}
    best = max(scores.values())
    tied = [start for start in occurrences if scores[start] == best]
    if len(tied) > 1 and near is not None:
        tied.sort(key=lambda start: abs(start - near))
        if abs(tied[0] - near) != abs(tied[1] - near):
            return tied[0]
    if len(tied) > 1:
        raise SpanProblem(
            f"its quote occurs {len(occurrences)} times in the article and its prefix and "
            "suffix do not tell which."
        )
    return tied[0]


def _checked(body: str, start: int, end: int) -> tuple[int, int]:
    if (problem := grapheme_split_problem(body, start, end)) is not None:
        raise SpanProblem(problem)
    return start, end
