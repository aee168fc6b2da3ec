"""Proposals of all engines together: ordering, validation, determinism, no database."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


# Any text an import accepts: the engines never raise and every span lies inside the body.
NEWSY = st.lists(
    st.sampled_from(list('0123456789 ,.-–%$€£¥“”"‘’«»:;\nabcXIV🚢北京é'))
    | st.sampled_from(
        [
            " said ",
            " he ",
            " May ",
            " 2025",
            " million",
            " percent",
            " the ",
            "Mr. ",
            "Xi ",
            " according to ",
            " half",
            " thousands",
            " first ",
            " two ",
            "\n\n“",
            "”\n\n",
        ]
    ),
    max_size=60,
).map("".join)


@settings(max_examples=60, deadline=None)
@given(NEWSY)
def test_the_engines_take_any_text(body):
    for proposal in propose_all(body):
        assert 0 <= proposal.start < proposal.end <= len(body)
        attributes = proposal.attributes
        if attributes.get("attribution_start") is not None:
            assert 0 <= attributes["attribution_start"] < attributes["attribution_end"] <= len(body)
