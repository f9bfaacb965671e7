"""The callback_data format: compact, versioned, and strict about what it accepts."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.telegram import callbacks


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


# --- typed buttons: declared once, packed to the same wire format as before -----------------

def test_every_route_is_declared_once_with_the_old_wire_format():
    from datetime import date

    from bot.telegram import buttons as b

    old = {  # what buttons on people's screens say today
        "1|q|12|3|mi": b.Question(12, 3, "mi"), "1|q|12|3|secs": b.Question(12, 3, b.Move.sections),
        "1|ct|5": b.Team(5), "1|ct|5|7": b.Team(5, 7), "1|cc|5|p": b.ConfirmStage(5, "p"),
        "1|cpt|9|2027-01-31": b.CapaTarget(9, date(2027, 1, 31)), "1|cpr|9": b.CapaOpen(9),
        "1|ua|4|0": b.PersonActive(4, 0), "1|ur|4|lead": b.PersonRole(4, "lead"), "1|rp|3|pdf": b.Report(3, "pdf"),
        "1|rp|3": b.Report(3), "1|adn": b.NewDepartment(), "1|ac|functional-department":
            b.ChooseChecklist("functional-department"), "1|lang|zh": b.Lang("zh"), "1|m|audit": b.Menu("audit"),
    }
    for wire, button in old.items():
        assert button.pack() == wire
        assert type(button).parse(wire) == button
    assert len(callbacks.ROUTES) == len({cls.prefix for cls in callbacks.ROUTES.values()})


def test_typed_buttons_refuse_forged_and_stale_data():
    from bot.telegram import buttons as b

    for junk in ["1|q|12|3|zz", "1|q|12|x|mi", "1|q|12", "1|q|12|3|mi|9", "1|ct|5|x", "1|cc|5|z",
                 "1|cpt|9|2027-02-30", "1|ua|4|2", "1|ur|4|staff", "1|cpr|-1", "1|cpv|9", "2|cpr|9", None]:
        assert all(cls.parse(junk) is None for cls in (b.Question, b.Team, b.ConfirmStage, b.CapaTarget,
                                                          b.PersonActive, b.PersonRole, b.CapaOpen))
    assert b.Question.parse("1|q|12|3|mi").result == "minor"
    assert b.Question.parse("1|q|12|3|back").move is b.Move.back


@given(st.text(max_size=80))
def test_parsing_a_typed_button_never_raises(text):
    for cls in callbacks.ROUTES.values():
        cls.parse(text)
