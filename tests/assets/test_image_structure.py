"""assets.image_structure's reader: skipping bytes checks that the file holds them, as reading does."""

import io

import pytest

from assets import image_structure
from assets.image_structure import Corrupt, _Reader


def consumed(reader: _Reader, size: int) -> None:
    for _ in reader.pieces(size):
        pass


@pytest.mark.parametrize("move", [consumed, _Reader.skip])
@pytest.mark.parametrize("size", [0, 1, 13, 14, 90, 96, 97])
def test_skip_moves_on_as_reading_does(monkeypatch, move, size):
    monkeypatch.setattr(image_structure, "_BLOCK", 16)  # skips within and past the buffer
    reader = _Reader(io.BytesIO(bytes(range(100))), 1)
    assert reader.read(2) == b"\x01\x02"
    move(reader, size)
    assert reader.position == 3 + size
    if size < 97:
        assert reader.read(1) == bytes([3 + size])
    else:
        with pytest.raises(Corrupt):
            reader.read(1)


@pytest.mark.parametrize("move", [consumed, _Reader.skip])
def test_skip_past_the_end_of_the_file_is_corrupt(monkeypatch, move):
    monkeypatch.setattr(image_structure, "_BLOCK", 16)
    reader = _Reader(io.BytesIO(bytes(100)), 1)
    reader.read(4)
    with pytest.raises(Corrupt, match="truncated"):
        move(reader, 96)
