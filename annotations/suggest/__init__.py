"""Suggestion engines: pure functions from an article body to proposed annotations.

One module per engine (`numbers`, `quotations`, `claims`), each returning `Proposal`s with
code-point offsets; nothing here touches the database. Storing, accepting and dismissing
proposals is workflow, not engine code. The annotate form's prefills of one selected span
(`read_number`, `suggest_speaker`, `suggest_speech_type`) are exported here too.
"""

from .claims import find_claims
from .numbers import NumberReading, find_numbers, read_number
from .proposal import Proposal
from .quotations import find_quotations, suggest_speaker, suggest_speech_type


def propose_all(body: str) -> list[Proposal]:
    """Every engine's proposals for `body`, in text order (start, longest first, kind)."""
    proposals = find_numbers(body) + find_quotations(body) + find_claims(body)
    return sorted(proposals, key=lambda p: (p.start, -p.end, p.kind))


__all__ = [
    "NumberReading",
    "Proposal",
    "find_claims",
    "find_numbers",
    "find_quotations",
    "propose_all",
    "read_number",
    "suggest_speaker",
    "suggest_speech_type",
]
