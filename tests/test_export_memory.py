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
    for _ in range(50):
        annotation = verified_annotation(article=article, author=annotator)
        EvidenceFactory(annotation=annotation, added_by=annotation.reviewer)
    alive = []

    class TrackedChunk(exporters._Chunk):
        def __init__(self, *args):
            super().__init__(*args)
            alive.append(weakref.ref(self))

    monkeypatch.setattr(exporters, "_Chunk", TrackedChunk)

    blocks = iter(stream_export(export_format, chunk_size=10).iter_bytes())
    # Until the third chunk is being written, and the fourth read ahead.
    while len(alive) < 4:
        next(blocks)

    assert [ref() is None for ref in alive] == [True, True, False, False]
    assert len(b"".join(blocks)) > 0
