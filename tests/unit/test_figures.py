"""The figures rules by indicator kind, with no database: the same rules serve form, Excel and API."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from targets.figures import figures_clean, unusual_values
from targets.models import Indicator, Period, SubmissionVersion

Q3 = Period(code="2026Q3", year=2026, quarter=3, start=dt.date(2026, 7, 1), end=dt.date(2026, 9, 30), due=dt.date(2026, 10, 10))


def clean(kind: str, complete: bool = True, **raw):
    with translation.override("en"):
        return figures_clean(Indicator(code="X01-TEST", kind=kind), Q3, raw, complete=complete)


def test_a_count_is_a_whole_non_negative_number():
    assert clean("cumulative", increment="3", items="a|1\nb|2\nc|3").values["increment"] == Decimal(3)
    assert "negative" in clean("cumulative", increment="-1").errors["increment"][0]
    assert "whole number" in clean("cumulative", increment="1.5").errors["increment"][0]
    assert "not a number" in clean("cumulative", increment="abc").errors["increment"][0]
    assert "Enter a number" in clean("cumulative", increment=True).errors["increment"][0]
    assert clean("cumulative", increment="1,200", items=[{"name": f"e{i}"} for i in range(1200)]).values["increment"] == 1200


def test_the_items_listed_must_match_the_increment_when_submitting():
    assert "2 items are listed" in clean("cumulative", increment="3", items="a|1\nb|2").errors["items"][0]
    assert "items" not in clean("cumulative", complete=False, increment="3", items="a|1").errors
    assert clean("cumulative", increment="0").errors == {}
    assert "no name" in clean("cumulative", increment="1", items=" | CERT-9").errors["items"][0]


def test_ratios_need_a_positive_denominator_not_below_the_numerator():
    assert clean("ratio_ytd", numerator="98", denominator="100").errors == {}
    assert "exceed" in clean("ratio_ytd", numerator="101", denominator="100").errors["numerator"][0]
    assert "greater than zero" in clean("ratio_latest", numerator="0", denominator="0").errors["denominator"][0]
    assert set(clean("ratio_ytd", numerator="5").errors) == {"denominator"}
    assert clean("ratio_ytd", complete=False, numerator="5").errors == {}


def test_a_milestone_date_lies_within_the_period_and_not_in_the_future(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda: dt.date(2026, 8, 15))
    assert clean("milestone", done="是", completed_on="2026-08-01").values == {
        "done": True, "completed_on": dt.date(2026, 8, 1), "note": "", "explanation": "",
    }
    assert "within 2026Q3" in clean("milestone", done="yes", completed_on="2026-06-30").errors["completed_on"][0]
    assert "future" in clean("milestone", done="yes", completed_on="2026-09-01").errors["completed_on"][0]
    assert "completion date" in clean("milestone", done="true").errors["completed_on"][0]
    assert clean("milestone", done="否").values["done"] is False
    assert "yes or no" in clean("milestone", done="maybe").errors["done"][0]
    assert "not a date" in clean("milestone", done="1", completed_on="2026-02-30").errors["completed_on"][0]


def test_a_narrative_needs_text_and_a_known_status():
    assert clean("narrative", narrative="进展顺利", self_status="on_track").errors == {}
    assert set(clean("narrative", narrative="", self_status="great").errors) == {"narrative", "self_status"}


def test_unusual_values_are_flagged():
    cumulative = Indicator(code="X", kind="cumulative")
    earlier = [SubmissionVersion(increment=Decimal(2)), SubmissionVersion(increment=Decimal(4))]
    assert unusual_values(cumulative, {"increment": Decimal(12)}, earlier) == []
    assert len(unusual_values(cumulative, {"increment": Decimal(13)}, earlier)) == 1
    assert unusual_values(cumulative, {"increment": Decimal(100)}, []) == [], "nothing to compare with"
    ratio = Indicator(code="Y", kind="ratio_ytd")
    last = [SubmissionVersion(numerator=Decimal(90), denominator=Decimal(100))]
    assert unusual_values(ratio, {"denominator": Decimal(150)}, last) == []
    assert len(unusual_values(ratio, {"denominator": Decimal(151)}, last)) == 1
    assert len(unusual_values(ratio, {"denominator": Decimal(49)}, last)) == 1


def test_messages_follow_the_language():
    with translation.override("zh-hans"):
        errors = figures_clean(Indicator(code="X", kind="cumulative"), Q3, {"increment": "-1"}, complete=False).errors
    assert any("\u4e00" <= ch <= "\u9fff" for ch in errors["increment"][0])


@pytest.mark.parametrize("garbage", [None, "", "  ", [], {}, "1e999", "NaN", "Infinity", "9" * 40, "０x1"])
def test_garbage_never_raises(garbage):
    for kind in ("cumulative", "ratio_ytd", "ratio_latest", "milestone", "narrative"):
        result = clean(kind, increment=garbage, numerator=garbage, denominator=garbage, done=garbage,
                       completed_on=garbage, narrative=garbage, self_status=garbage, items=garbage, note=garbage)
        assert isinstance(result.errors, dict)


# --- Hardening (issue 11) ------------------------------------------------------------------------

Q4 = Period(code="2026Q4", year=2026, quarter=4, start=dt.date(2026, 10, 1), end=dt.date(2026, 12, 31), due=dt.date(2027, 1, 10))


@pytest.mark.parametrize("typed", ["1,5", "1,2,3", "12,34", "1234,567", ",123", "1,", "1,234,56", "1_5", "１，５"])
def test_a_comma_is_taken_only_between_thousands(typed):
    result = clean("ratio_ytd", complete=False, numerator=typed)
    assert result.values["numerator"] is None, "a comma that groups no thousands is not stripped"
    assert "numerator" in result.errors
    if "_" not in typed:
        assert "comma may only separate thousands" in result.errors["numerator"][0]
        with translation.override("zh-hans"):
            zh = figures_clean(Indicator(code="X", kind="ratio_ytd"), Q3, {"numerator": typed}, complete=False)
        assert "千位分隔符" in zh.errors["numerator"][0]


@pytest.mark.parametrize("typed,number", [
    ("1,234", 1234), ("12,345", 12345), ("1,234,567", 1234567), (" 999 ", 999),
    ("１２", 12), ("１，２３４", 1234), ("１２．０", 12), ("１２３４５", 12345),
])
def test_thousands_and_full_width_digits_are_read_as_typed(typed, number):
    result = clean("ratio_ytd", complete=False, numerator=typed)
    assert result.errors == {}
    assert result.values["numerator"] == Decimal(number)


def test_a_fraction_with_thousands_is_read_and_refused_as_a_fraction():
    assert "whole number" in clean("ratio_ytd", complete=False, numerator="12,345.5").errors["numerator"][0]


@pytest.mark.parametrize("typed", [
    "2026-10-15garbage", "2026-10-15T99:99", "2026-10-15T10:00", "20261015", "2026-W42", "2026-W42-1",
    "2026-10-15 ", "2026/10/15", "2026-10-5", "2026-290", "15.10.2026",
])
def test_a_date_is_only_yyyy_mm_dd(monkeypatch, typed):
    monkeypatch.setattr(timezone, "localdate", lambda: dt.date(2026, 12, 1))
    if typed.endswith(" "):  # surrounding blanks are forgiven, as everywhere
        with translation.override("en"):
            ok = figures_clean(Indicator(code="X", kind="milestone"), Q4, {"done": "yes", "completed_on": typed}, complete=True)
        assert ok.errors == {} and ok.values["completed_on"] == dt.date(2026, 10, 15)
        return
    with translation.override("en"):
        result = figures_clean(Indicator(code="X", kind="milestone"), Q4, {"done": "yes", "completed_on": typed}, complete=True)
    assert result.values["completed_on"] is None
    assert result.errors["completed_on"] == [f"“{typed}” is not a date (YYYY-MM-DD)."]


def test_a_date_cell_and_full_width_digits_are_dates(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda: dt.date(2026, 12, 1))
    for raw in (dt.date(2026, 10, 15), dt.datetime(2026, 10, 15, 0, 0), "２０２６－１０－１５", "2026-10-15"):
        result = figures_clean(Indicator(code="X", kind="milestone"), Q4, {"done": "yes", "completed_on": raw}, complete=True)
        assert result.errors == {} and result.values["completed_on"] == dt.date(2026, 10, 15), raw


ODD_ITEMS = [
    {"name": "Balance A|B", "number": "CERT-1"},
    {"name": "line1\nline2", "number": "CERT-2"},
    {"name": "天平｜甲", "number": "C|3"},
    {"name": "C:\\new\\", "number": ""},
    {"name": "a\r\nb\\|c", "number": "\\"},
    {"name": "标准装置甲", "number": "CERT-001"},
]


def test_any_item_round_trips_through_the_text_lines():
    from targets.figures import items_text

    text = items_text(ODD_ITEMS)
    assert len(text.splitlines()) == len(ODD_ITEMS), "one line per item"
    assert clean("cumulative", increment=str(len(ODD_ITEMS)), items=text).values["items"] == ODD_ITEMS
    # A browser sends a text box's lines back with CRLF.
    assert clean("cumulative", increment="6", items=text.replace("\n", "\r\n")).values["items"] == ODD_ITEMS
    # Ordinary items read as before (both bars, blank lines skipped, other backslashes as typed).
    plain = clean("cumulative", increment="3", items="甲 | 1\n\n乙 ｜ 2\nC:\\temp | 3").values["items"]
    assert plain == [{"name": "甲", "number": "1"}, {"name": "乙", "number": "2"}, {"name": "C:\\temp", "number": "3"}]
    assert items_text(plain) == "甲 | 1\n乙 | 2\nC:\\\\temp | 3"


def test_messages_write_numbers_without_exponent():
    # Stored figures come back from the database as 10.0000, whose normal form is 1E+1.
    cumulative = Indicator(code="X", kind="cumulative")
    with translation.override("en"):
        [reason] = unusual_values(cumulative, {"increment": Decimal(60)}, [SubmissionVersion(increment=Decimal("10.0000"))])
    assert "E+" not in reason and "60" in reason and "(10)" in reason
    ratio = Indicator(code="Y", kind="ratio_ytd")
    with translation.override("en"):
        [shift] = unusual_values(ratio, {"denominator": Decimal(2)}, [SubmissionVersion(numerator=Decimal(6), denominator=Decimal("60.0000"))])
    assert "(60 → 2)" in shift
    bounds = clean("ratio_ytd", numerator="2E+3", denominator="1E+3").errors["numerator"][0]
    assert "E+" not in bounds and "2000" in bounds and "1000" in bounds
    mismatch = clean("cumulative", increment="1E+1", items="a|1").errors["items"][0]
    assert "E+" not in mismatch and "10" in mismatch
