"""The callback_data format: compact, versioned, and strict about what it accepts."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot import callbacks


def test_round_trip():
    data = callbacks.pack("r", 12, 3, "minor")
    assert data == "1|r|12|3|minor"
    parsed = callbacks.unpack(data)
    assert parsed.route == "r" and parsed.args == ("12", "3", "minor")
    assert parsed.int(0) == 12


def test_rejects_other_versions_and_junk():
    for junk in ["", "0|r|1", "2|r|1", "1", "1|R|1", "1|r|<script>", "x" * 65, "1|r|" + "9" * 70]:
        assert callbacks.unpack(junk) is None


def test_too_long_is_refused_when_packing():
    import pytest

    with pytest.raises(ValueError):
        callbacks.pack("r", "a" * 40, "b" * 40)


@given(st.text(max_size=80))
def test_unpack_never_raises(text):
    parsed = callbacks.unpack(text)
    if parsed is not None:
        assert len(text.encode()) <= 64
        for index in range(len(parsed.args)):
            try:
                parsed.int(index)
            except ValueError:
                pass
