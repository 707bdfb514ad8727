"""How a batch is cut into chunks: whole letters, at most CHUNK_SIZE, an even count for two renderers."""

import pytest

from notifications import batches


@pytest.mark.parametrize(
    ("count", "sizes"),
    [
        (0, []),
        (3, [3]),
        (4, [4]),
        (5, [3, 2]),
        (9, [3, 2, 2, 2]),
        (10, [3, 3, 2, 2]),
        (16, [4, 4, 4, 4]),
        (17, [3, 3, 3, 3, 3, 2]),
    ],
)
def test_chunks_are_even_and_never_too_big(monkeypatch, count, sizes):
    monkeypatch.setattr(batches, "CHUNK_SIZE", 4)
    chunks = batches._split(list(range(count)))
    assert [len(c) for c in chunks] == sizes
    assert [x for c in chunks for x in c] == list(range(count))
