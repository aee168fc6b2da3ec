"""Suggestion engines: pure functions from an article body to proposed annotations.

One module per engine (`numbers`, `quotations`, `claims`), each returning `Proposal`s with
code-point offsets; nothing here touches the database. Storing, accepting and dismissing
proposals is workflow, not engine code.
"""

from .proposal import Proposal


def propose_all(body: str) -> list[Proposal]:
    """Every engine's proposals for `body`, in text order (start, longest first, kind)."""
    from .claims import find_claims
    from .numbers import find_numbers
    from .quotations import find_quotations

    proposals = find_numbers(body) + find_quotations(body) + find_claims(body)
    return sorted(proposals, key=lambda p: (p.start, -p.end, p.kind))


__all__ = ["Proposal", "propose_all"]
