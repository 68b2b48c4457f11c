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
