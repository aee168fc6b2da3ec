"""Proposals of all engines together: ordering, validation, determinism, no database."""

import pytest

from annotations.suggest import Proposal, propose_all

BODY = (
    "Harbour city signs deal\n\n"
    "The city signed a US$4.2 billion agreement on Tuesday, the largest in its history.\n\n"
    "“This port was built for the ships of the last century,” Mayor José Núñez said."
)


def test_propose_all_returns_every_kind_in_text_order():
    proposals = propose_all(BODY)
    assert {p.kind for p in proposals} == {"number", "quotation", "claim"}
    keys = [(p.start, -p.end, p.kind) for p in proposals]
    assert keys == sorted(keys)
    for proposal in proposals:
        assert BODY[proposal.start : proposal.end].strip() == BODY[proposal.start : proposal.end]
        assert proposal.engine and proposal.version


def test_the_same_body_gives_the_same_proposals():
    assert propose_all(BODY) == propose_all(BODY)


@pytest.mark.parametrize(
    ("start", "end", "kind", "score"),
    [(5, 5, "number", 0.5), (-1, 3, "number", 0.5), (0, 3, "note", 0.5), (0, 3, "claim", 1.5)],
)
def test_a_proposal_refuses_an_impossible_span_kind_or_score(start, end, kind, score):
    with pytest.raises(ValueError):
        Proposal(start=start, end=end, kind=kind, score=score)
