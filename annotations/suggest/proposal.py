"""What every suggestion engine returns: a proposed span with its attributes, score and origin."""

from dataclasses import dataclass, field

KINDS = ("number", "quotation", "claim")


@dataclass(frozen=True)
class Proposal:
    """A span [start, end) of a body (code points) that an engine proposes to annotate.

    `attributes` uses the Annotation model's field names, so accepting a proposal is a copy;
    `details` holds typed facts the model has no field for (a number's type, a range's
    bounds, an ISO date, a speaker's role). `score` is the engine's confidence in [0, 1];
    `engine` and `version` say which code (and model) proposed it, for provenance and so a
    dismissed proposal is not proposed again by the same version.
    """

    start: int
    end: int
    kind: str
    attributes: dict = field(default_factory=dict)
    details: dict = field(default_factory=dict)
    score: float = 1.0
    engine: str = ""
    version: str = ""

    def __post_init__(self):
        if not 0 <= self.start < self.end:
            raise ValueError(f"empty or negative span [{self.start}, {self.end})")
        if self.kind not in KINDS:
            raise ValueError(f"unknown kind {self.kind!r}")
        if not 0.0 <= self.score <= 1.0:
            raise ValueError(f"score {self.score} outside [0, 1]")

    def text(self, body: str) -> str:
        return body[self.start : self.end]
