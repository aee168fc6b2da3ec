"""An export's memory does not grow with its size: each chunk is freed as soon as it is written."""

import gc
import weakref

import pytest

from annotations import exporters
from annotations.exporters import stream_export

from .factories import ArticleFactory, EvidenceFactory, verified_annotation

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_cyclic_gc():
    """Only reference counting frees memory: what survives is held by a cycle or a reference."""
    was_enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    yield
    if was_enabled:
        gc.enable()


@pytest.mark.parametrize("export_format", list(exporters.FORMATS))
def test_written_chunks_are_freed_without_the_garbage_collector(
    annotator, monkeypatch, no_cyclic_gc, export_format
):
    article = ArticleFactory()
    for _ in range(30):
        annotation = verified_annotation(article=article, author=annotator)
        EvidenceFactory(annotation=annotation, added_by=annotation.reviewer)
    alive = []
    for name in ("research_record", "w3c_annotation", "claim_review"):
        original = getattr(exporters, name)

        def tracked(annotation, context, original=original):
            alive.append(weakref.ref(annotation))
            return original(annotation, context)

        monkeypatch.setattr(exporters, name, tracked)

    pieces = iter(stream_export(export_format, chunk_size=10))
    while len(alive) < 25:  # into the third chunk
        next(pieces)

    assert all(ref() is None for ref in alive[:20])  # the first two chunks
    assert all(ref() is not None for ref in alive[20:])  # the current one, still in use
    list(pieces)
