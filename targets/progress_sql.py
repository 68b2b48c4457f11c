"""The progress engine of PROGRESS-RULES.md, set-based in PostgreSQL.

`targets.progress` is the reference: pure Python, one indicator at a time, easy to check with a
calculator. At 100× Wenzhou's scale (about 1,300 units, 620,000 output rows) carrying every approved
figure into Python and every row back out costs far more than the arithmetic, so on PostgreSQL
`snapshots_write` computes the same rows with one INSERT … SELECT for any set of indicators of one
plan, after deleting their old rows, inside the caller's transaction.

Every rule of the Python engine has its counterpart here; the equivalence is tested row by row and
field by field in tests/integration/test_progress_sql.py. Numbers are PostgreSQL `numeric`: sums and
products are exact, as with Python's Decimal; every division is carried to 30 decimal places (Python
keeps 28 significant digits) and stored values are rounded to 10 places half-to-even, as
`Decimal.quantize` does in targets.actions.progress, so both paths store equal values.

How the statement works. A unit's value only changes in a quarter in which it has a figure, so the
series are computed once per approved figure (`fw`, window functions over each unit's figures in
quarter order) and each figure then stands for the quarters up to the unit's next figure
(`generate_series`): its cumulative sum, its year-to-date sums (within its calendar year only), its
own ratio (the latest state), whether the milestone is done by then, its self-assessed status.
The city is built from per-quarter changes (`cdelta`): the quarter's increments and year-to-date
sums, and for latest states the change of each unit's state (new minus previous), summed and
accumulated quarter by quarter — never an average of unit percentages. A narrative's city status
comes the same way: the units' count per self-status, and its lead unit's own status (the change of
that unit's status, summed), which wins whenever the lead unit has one.

Status, percentages and pace need the target in force (`act`: a `maintain` list gives the target of
the quarter's year; otherwise the earliest deadline quarter ≥ q, else the last one). Only the city
and units with targets of their own have one; their rows (`judged`, a small fraction of all rows) go
through the full rules, where `seq` numbers the targets so that it never decreases with q, which
turns "achieved stays achieved for that target" into a running maximum. Every other unit row is
`no_data`, `no_target` or, for narratives, the unit's own status.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import connection

from .plan_calendar import quarter_of, quarter_ordinal

SNAPSHOT_TABLE = "targets_progresssnapshot"
# The one advisory lock class for recomputes (with the indicator id as second key), also taken by
# targets.actions.outbox.outbox_process: one recompute of an indicator at a time.
LOCK_CLASS = 7330

# Divisions are carried to 30 decimal places: PostgreSQL gives a quotient at least the scale of its
# dividend, so dividends are multiplied by a 1 (or 100) written with 30 decimals.
ONE = "1." + "0" * 30
HUNDRED = "100." + "0" * 30
NUMERIC_KINDS = "('cumulative', 'ratio_ytd', 'ratio_latest', 'milestone')"  # any other kind: narrative


def _round10(column: str) -> str:
    """SQL rounding `column` to 10 decimal places half-to-even, as Decimal.quantize does by default.

    PostgreSQL's round() rounds half away from zero. The two differ only on an exact tie (exactly
    11 decimals, the last a 5) whose 10th digit is even: half-to-even then keeps the truncated value.
    """
    return (
        f"CASE WHEN min_scale({column}) = 11 AND mod(trunc({column} * 100000000000), 10) IN (5, -5)"
        f" AND mod(trunc({column} * 10000000000), 2) = 0 THEN trunc({column}, 10) ELSE round({column}, 10) END"
    )


# The computation, as common table expressions ending with `result` (one row per output row, by q).
# Parameters: ids (indicator ids, one plan), ord0 (year·4 + quarter − 1 of the plan's first quarter),
# plan_start, current_start, n (quarters 1..n), city (the city unit), the plan's thresholds.
COMPUTE = f"""
WITH
per AS MATERIALIZED (
    SELECT p.id AS period_id, p.year * 4 + p.quarter - 1 - %(ord0)s + 1 AS q, p.year, p.quarter
    FROM targets_period p
    WHERE p.start >= %(plan_start)s AND p.start <= %(current_start)s
),
ind AS MATERIALIZED (
    SELECT i.id, i.kind, i.baseline, i.lead_unit_id FROM targets_indicator i WHERE i.id = ANY(%(ids)s)
),
rep AS MATERIALIZED (
    SELECT r.indicator_id, r.unit_id FROM targets_indicator_reporting_units r WHERE r.indicator_id = ANY(%(ids)s)
),
tgt AS MATERIALIZED (
    SELECT t.id, t.indicator_id, t.unit_id, t.year, t.deadline, t.mode, t.comparator, t.value, t.dq,
           bool_or(t.mode = 'maintain') OVER (PARTITION BY t.indicator_id, t.unit_id) AS maintain_list,
           row_number() OVER (PARTITION BY t.indicator_id, t.unit_id ORDER BY t.dq, t.deadline, t.id) AS rank
    FROM (
        SELECT t.*, extract(year FROM t.deadline)::int * 4 + (extract(month FROM t.deadline)::int - 1) / 3
                    - %(ord0)s + 1 AS dq
        FROM targets_target t WHERE t.indicator_id = ANY(%(ids)s)
    ) t
),
act AS MATERIALIZED (
    -- The target in force per list (unit_id NULL: the city's targets) and quarter.
    SELECT DISTINCT ON (t.indicator_id, t.unit_id, p.q)
           t.indicator_id, t.unit_id, p.q, t.id AS target_id, t.value AS t_value, t.comparator, t.mode AS t_mode,
           t.year AS t_year, t.deadline, t.dq,
           CASE WHEN t.maintain_list THEN t.year ELSE t.rank END AS seq
    FROM tgt t CROSS JOIN per p
    WHERE CASE WHEN t.maintain_list THEN t.mode = 'maintain' AND t.year = p.year ELSE true END
    ORDER BY t.indicator_id, t.unit_id, p.q, t.dq >= p.q DESC,
             CASE WHEN t.maintain_list OR t.dq >= p.q THEN t.rank ELSE -t.rank END
),
scoped AS MATERIALIZED (
    SELECT DISTINCT t.indicator_id, t.unit_id FROM tgt t WHERE t.unit_id IS NOT NULL
),
fig AS NOT MATERIALIZED (
    -- The approved figures of the plan's quarters, with what the series below sum or carry.
    SELECT s.indicator_id, s.unit_id, p.q, p.year, i.kind, v.increment, v.numerator, v.denominator, v.done,
           v.self_status, v.approved_at,
           (s.indicator_id, s.unit_id) IN (SELECT r.indicator_id, r.unit_id FROM rep r) AS reporting,
           (s.indicator_id, s.unit_id) IN (SELECT sc.indicator_id, sc.unit_id FROM scoped sc) AS scoped,
           s.unit_id = i.lead_unit_id AND i.kind NOT IN {NUMERIC_KINDS} AS lead_says,  -- a narrative's lead unit
           CASE WHEN i.kind = 'ratio_ytd' AND v.denominator <> 0 THEN coalesce(v.numerator, 0) END AS y_num,
           CASE WHEN i.kind = 'ratio_ytd' AND v.denominator <> 0 THEN v.denominator END AS y_den,
           -- summed quarter by quarter: a cumulative's increments, a milestone's done figures
           CASE i.kind WHEN 'cumulative' THEN v.increment WHEN 'milestone' THEN v.done::int END AS counted,
           -- a state replaced by the unit's next figure: a latest numerator, a narrative status
           CASE WHEN i.kind = 'ratio_latest' THEN coalesce(v.numerator, 0)
                WHEN i.kind NOT IN {NUMERIC_KINDS} THEN
                    CASE v.self_status WHEN 'on_track' THEN 1 WHEN 'at_risk' THEN 2 WHEN 'off_track' THEN 3 END
           END AS state,
           CASE WHEN i.kind = 'ratio_latest' THEN coalesce(v.denominator, 0) END AS den0
    FROM targets_submission s
    JOIN targets_submissionversion v ON v.id = s.approved_id
    JOIN per p ON p.period_id = s.period_id
    JOIN ind i ON i.id = s.indicator_id
    WHERE s.indicator_id = ANY(%(ids)s)
),
fw AS MATERIALIZED (
    -- One row per approved figure with its unit's values as of that quarter, valid from q_from
    -- (1 for the unit's first figure: the quarters before it have no data) to q_to.
    SELECT x.indicator_id, x.unit_id, x.q, x.year, x.kind, x.reporting, x.scoped, x.increment, x.approved_at,
           CASE WHEN x.prev_q IS NULL THEN 1 ELSE x.q END AS q_from,
           coalesce(x.next_q - 1, %(n)s) AS q_to,
           CASE x.kind
               WHEN 'cumulative' THEN x.counted_sum  -- NULL until the unit's first non-empty increment
               WHEN 'ratio_ytd' THEN CASE WHEN x.ytd_den <> 0 THEN {HUNDRED} * x.ytd_num / x.ytd_den END
               WHEN 'ratio_latest' THEN CASE WHEN x.denominator <> 0 THEN {HUNDRED} * x.state / x.denominator END
               WHEN 'milestone' THEN CASE WHEN x.counted_sum > 0 THEN 1 ELSE 0 END
           END::numeric AS value,
           CASE WHEN x.kind NOT IN {NUMERIC_KINDS} THEN x.self_status END AS said,
           -- what this figure changes in the city's sums
           x.y_num, x.y_den, x.prev_q IS NULL AS first,
           CASE WHEN x.kind = 'ratio_latest' THEN x.state - coalesce(x.prev_state, 0) END AS d_num,
           x.den0 - coalesce(x.prev_den0, 0) AS d_den,
           x.kind = 'milestone' AND x.counted = 1 AND x.counted_sum = 1 AND x.reporting AS first_done,
           CASE WHEN x.kind NOT IN {NUMERIC_KINDS} THEN x.state END AS rank,
           CASE WHEN x.kind NOT IN {NUMERIC_KINDS} THEN x.prev_state END AS prev_rank,
           -- the change of a narrative's lead unit's status (0 for none), summed up to q in `city`
           CASE WHEN x.lead_says THEN coalesce(x.state, 0) - coalesce(x.prev_state, 0) END AS d_lead
    FROM (
        -- Each unit's series in quarter order. Only ratio_ytd needs year-to-date sums, and a second
        -- window (partitioned by year) costs a pass over every row: it gets a branch of its own.
        SELECT f.*,
               sum(f.counted) OVER w AS counted_sum,  -- NULL until a non-empty value: no count needed
               NULL::numeric AS ytd_num, NULL::numeric AS ytd_den,
               lag(f.q) OVER w AS prev_q, lead(f.q) OVER w AS next_q,
               lag(f.state) OVER w AS prev_state, lag(f.den0) OVER w AS prev_den0
        FROM fig f
        WHERE f.indicator_id <> ALL(%(ytd_ids)s)
        WINDOW w AS (PARTITION BY f.indicator_id, f.unit_id ORDER BY f.year, f.q ROWS UNBOUNDED PRECEDING)
        UNION ALL
        SELECT f.*, NULL, sum(f.y_num) OVER wy, sum(f.y_den) OVER wy,
               lag(f.q) OVER w, lead(f.q) OVER w, NULL, NULL
        FROM fig f
        WHERE f.indicator_id = ANY(%(ytd_ids)s)
        WINDOW w AS (PARTITION BY f.indicator_id, f.unit_id ORDER BY f.year, f.q ROWS UNBOUNDED PRECEDING),
               wy AS (PARTITION BY f.indicator_id, f.unit_id, f.year ORDER BY f.q ROWS UNBOUNDED PRECEDING)
    ) x
),
nofig AS MATERIALIZED (
    -- Reporting units without any figure yet: no data in any quarter.
    SELECT r.indicator_id, r.unit_id, i.kind, sc.unit_id IS NOT NULL AS scoped
    FROM rep r
    JOIN ind i ON i.id = r.indicator_id
    LEFT JOIN scoped sc ON sc.indicator_id = r.indicator_id AND sc.unit_id = r.unit_id
    WHERE NOT EXISTS (
        SELECT FROM fw f WHERE f.first AND f.indicator_id = r.indicator_id AND f.unit_id = r.unit_id
    )
),
cdelta AS MATERIALIZED (
    SELECT f.indicator_id, f.q,
           sum(f.increment) AS inc, count(f.increment) AS inc_n,
           sum(f.y_num) AS y_num, sum(f.y_den) AS y_den, count(f.y_den) AS y_n,
           sum(f.d_num) AS d_num, sum(f.d_den) AS d_den,
           count(*) FILTER (WHERE f.first) AS new_units,
           count(*) FILTER (WHERE f.first AND NOT f.reporting) AS new_outsiders,
           count(*) FILTER (WHERE f.first_done) AS new_done,
           count(*) FILTER (WHERE f.rank = 1) - count(*) FILTER (WHERE f.prev_rank = 1) AS d_on,
           count(*) FILTER (WHERE f.rank = 2) - count(*) FILTER (WHERE f.prev_rank = 2) AS d_risk,
           count(*) FILTER (WHERE f.rank = 3) - count(*) FILTER (WHERE f.prev_rank = 3) AS d_off,
           sum(f.d_lead) AS d_lead,
           max(f.approved_at) AS latest_at
    FROM fw f
    GROUP BY f.indicator_id, f.q
),
city AS (
    SELECT cs.indicator_id, cs.kind, cs.baseline, cs.q, cs.period_id, cs.quarter, cs.inc0,
           CASE cs.kind
               WHEN 'cumulative' THEN CASE WHEN cs.inc_n > 0 THEN cs.baseline + cs.inc_sum END
               WHEN 'ratio_ytd' THEN CASE WHEN cs.ytd_n > 0 AND cs.ytd_den <> 0 THEN {HUNDRED} * cs.ytd_num / cs.ytd_den END
               WHEN 'ratio_latest' THEN CASE WHEN cs.units_n > 0 AND cs.state_den <> 0
                                             THEN {HUNDRED} * cs.state_num / cs.state_den END
               WHEN 'milestone' THEN CASE WHEN cs.units_n > 0 THEN cs.done_n * {ONE}
                   / CASE WHEN cs.reporting_n > 0 THEN cs.reporting_n ELSE cs.outsiders_n END END
           END::numeric AS actual,
           -- a narrative: its lead unit's latest status, else the one most units gave (a tie: the worse)
           CASE cs.lead_rank WHEN 1 THEN 'on_track' WHEN 2 THEN 'at_risk' WHEN 3 THEN 'off_track' ELSE
               CASE WHEN cs.off_n > 0 AND cs.off_n >= cs.risk_n AND cs.off_n >= cs.on_n THEN 'off_track'
                    WHEN cs.risk_n > 0 AND cs.risk_n >= cs.on_n THEN 'at_risk'
                    WHEN cs.on_n > 0 THEN 'on_track' END
           END AS said
    FROM (
        SELECT i.id AS indicator_id, i.kind, CASE WHEN i.kind = 'milestone' THEN 0 ELSE i.baseline END AS baseline,
               p.q, p.period_id, p.quarter, coalesce(d.inc, 0) AS inc0,
               sum(d.inc) OVER w AS inc_sum, sum(d.inc_n) OVER w AS inc_n,
               sum(d.y_num) OVER wy AS ytd_num, sum(d.y_den) OVER wy AS ytd_den, sum(d.y_n) OVER wy AS ytd_n,
               sum(d.d_num) OVER w AS state_num, sum(d.d_den) OVER w AS state_den, sum(d.new_units) OVER w AS units_n,
               sum(d.new_done) OVER w AS done_n,
               sum(d.new_outsiders) OVER (PARTITION BY i.id) AS outsiders_n,
               coalesce(rn.n, 0) AS reporting_n,
               sum(d.d_on) OVER w AS on_n, sum(d.d_risk) OVER w AS risk_n, sum(d.d_off) OVER w AS off_n,
               sum(d.d_lead) OVER w AS lead_rank
        FROM ind i
        CROSS JOIN per p
        LEFT JOIN cdelta d ON d.indicator_id = i.id AND d.q = p.q
        LEFT JOIN (SELECT r.indicator_id, count(*) AS n FROM rep r GROUP BY r.indicator_id) rn ON rn.indicator_id = i.id
        WINDOW w AS (PARTITION BY i.id ORDER BY p.q ROWS UNBOUNDED PRECEDING),
               wy AS (PARTITION BY i.id, p.year ORDER BY p.q ROWS UNBOUNDED PRECEDING)
    ) cs
),
cells AS NOT MATERIALIZED (
    -- Unit rows: every figure stands for its quarters q_from..q_to; units without figures for 1..n.
    SELECT f.indicator_id, f.unit_id, f.kind, f.scoped, f.q, f.value AS actual, f.said, coalesce(f.increment, 0) AS inc0
    FROM fw f WHERE f.q_from = f.q_to  -- the common case, a figure every quarter: no series to expand
    UNION ALL
    SELECT f.indicator_id, f.unit_id, f.kind, f.scoped, g.q,
           CASE WHEN g.q < f.q THEN NULL
                WHEN f.kind = 'ratio_ytd' AND (%(ord0)s + g.q - 1) / 4 <> f.year THEN NULL  -- none yet this year
                ELSE f.value END,
           CASE WHEN g.q >= f.q THEN f.said END,
           CASE WHEN g.q = f.q THEN coalesce(f.increment, 0) ELSE 0 END
    FROM fw f CROSS JOIN LATERAL generate_series(f.q_from, f.q_to) AS g(q)
    WHERE f.q_from < f.q_to
    UNION ALL
    SELECT n.indicator_id, n.unit_id, n.kind, n.scoped, g.q, NULL, NULL, 0
    FROM nofig n CROSS JOIN generate_series(1, %(n)s) AS g(q)
),
judged AS (
    -- The city's rows and the rows of units with targets of their own: the full rules.
    SELECT y.*,
           -- met by the deadline (achieved) / met at all so far (after the deadline: achieved late)
           max(CASE WHEN y.meets AND y.q <= y.dq THEN y.seq END) OVER w = y.seq AS achieved,
           max(CASE WHEN y.meets THEN y.seq END) OVER w = y.seq AS met,
           (y.inc0 + coalesce(lag(y.inc0, 1) OVER w, 0) + coalesce(lag(y.inc0, 2) OVER w, 0)
               + coalesce(lag(y.inc0, 3) OVER w, 0)) * {ONE} / least(y.q, 4) AS pace
    FROM (
        SELECT x.*, a.target_id, a.t_value, a.comparator, a.t_mode, a.t_year, a.deadline, a.dq, a.seq,
               CASE WHEN a.comparator = '<=' THEN x.actual <= a.t_value ELSE x.actual >= a.t_value END AS meets
        FROM (
            SELECT c.indicator_id, NULL::bigint AS list, %(city)s::bigint AS unit_id, c.kind, c.q, c.quarter,
                   c.baseline, c.actual, c.said, c.inc0
            FROM city c
            UNION ALL
            SELECT u.indicator_id, u.unit_id, u.unit_id, u.kind, u.q, mod(%(ord0)s + u.q - 1, 4) + 1, 0,
                   u.actual, u.said, u.inc0
            FROM cells u WHERE u.scoped
        ) x
        LEFT JOIN act a ON a.indicator_id = x.indicator_id AND a.unit_id IS NOT DISTINCT FROM x.list AND a.q = x.q
    ) y
    WINDOW w AS (PARTITION BY y.indicator_id, y.unit_id ORDER BY y.q ROWS UNBOUNDED PRECEDING)
),
classed AS (
    SELECT j.*,
           j.kind IN ('cumulative', 'ratio_latest', 'milestone') AND j.actual IS NOT NULL AND j.target_id IS NOT NULL AS reach,
           -- past the (last) deadline a reach row is a verdict: no time elapsed, completion, gap or pace
           j.kind IN ('cumulative', 'ratio_latest', 'milestone') AND j.actual IS NOT NULL AND j.target_id IS NOT NULL
               AND j.q > j.dq AS verdict,
           j.kind = 'ratio_ytd' AND j.actual IS NOT NULL AND j.target_id IS NOT NULL AS keep,
           j.kind NOT IN {NUMERIC_KINDS} AS narrative
    FROM judged j
),
measured AS (
    SELECT j.*,
           CASE WHEN j.reach AND NOT j.verdict THEN {HUNDRED} * j.q / j.dq END AS tau,
           CASE WHEN NOT j.reach OR j.verdict THEN NULL
                WHEN j.t_value - j.baseline <> 0 THEN {HUNDRED} * (j.actual - j.baseline) / (j.t_value - j.baseline)
                WHEN j.meets THEN 100 ELSE 0 END AS completion
    FROM classed j
),
rated AS (
    SELECT s.*,
           CASE
               WHEN s.narrative THEN coalesce(nullif(s.said, ''), 'no_data')
               WHEN s.actual IS NULL THEN 'no_data'
               WHEN s.target_id IS NULL THEN 'no_target'
               WHEN s.keep THEN CASE
                   WHEN s.quarter = 4 THEN CASE WHEN s.meets THEN 'achieved' ELSE 'missed' END
                   WHEN s.meets THEN 'on_track'
                   WHEN s.t_value - s.actual <= %(maintain_pp)s THEN 'at_risk'
                   ELSE 'off_track' END
               WHEN s.achieved THEN 'achieved'
               WHEN s.verdict THEN CASE WHEN s.met THEN 'achieved_late' ELSE 'missed' END
               WHEN s.q >= s.dq THEN 'missed'
               WHEN s.kind = 'milestone' THEN CASE WHEN s.dq - s.q < 4 THEN 'at_risk' ELSE 'on_track' END
               WHEN s.tau - s.completion <= %(on_track_gap)s THEN 'on_track'
               WHEN s.tau - s.completion <= %(at_risk_gap)s THEN 'at_risk'
               ELSE 'off_track'
           END AS status
    FROM measured s
),
result AS (
    SELECT o.indicator_id, o.unit_id, o.q, o.actual,
           CASE WHEN o.narrative THEN NULL ELSE o.target_id END AS target_id,
           CASE WHEN o.narrative THEN NULL ELSE o.t_value END AS target_value,
           CASE WHEN o.narrative THEN NULL ELSE o.t_year END AS target_year,
           CASE WHEN o.narrative THEN NULL ELSE o.deadline END AS deadline,
           CASE WHEN o.narrative OR o.target_id IS NULL THEN '' ELSE o.t_mode END AS mode,
           o.tau AS time_elapsed_pct, o.completion AS completion_pct,
           CASE WHEN o.keep THEN o.t_value - o.actual ELSE o.tau - o.completion END AS gap_pp,
           o.status,
           CASE WHEN o.paced AND o.dq - o.q <> 0 THEN (o.t_value - o.actual) * {ONE} / (o.dq - o.q) END AS required_pace,
           CASE WHEN o.paced THEN o.pace END AS recent_pace,
           CASE WHEN o.paced THEN o.actual + o.pace * (o.dq - o.q) END AS projected
    FROM (
        SELECT r.*, r.reach AND r.kind = 'cumulative' AND r.status NOT IN ('achieved', 'achieved_late', 'missed') AS paced FROM rated r
    ) o
    UNION ALL
    -- Units without targets of their own (nearly all rows): no target, no percentages, no pace.
    SELECT u.indicator_id, u.unit_id, u.q, u.actual, NULL, NULL, NULL, NULL, '', NULL, NULL, NULL,
           CASE WHEN u.kind NOT IN {NUMERIC_KINDS} THEN coalesce(nullif(u.said, ''), 'no_data')
                WHEN u.actual IS NULL THEN 'no_data' ELSE 'no_target' END,
           NULL, NULL, NULL
    FROM cells u WHERE NOT u.scoped
)"""  # nosec B608  # only this module's constants are interpolated; every value is a bound parameter

# The write: rows in, their count and the latest approval per indicator. Also: period_ids (by q), now.
STATEMENT = COMPUTE + f""",
ins AS (
    INSERT INTO {SNAPSHOT_TABLE} (
        indicator_id, unit_id, period_id, actual, target_id, target_value, target_year, deadline, mode,
        time_elapsed_pct, completion_pct, gap_pp, status, required_pace, recent_pace, projected, computed_at
    )
    SELECT o.indicator_id, o.unit_id, (%(period_ids)s::bigint[])[o.q], {_round10("o.actual")}, o.target_id,
           o.target_value, o.target_year, o.deadline, o.mode, {_round10("o.time_elapsed_pct")},
           {_round10("o.completion_pct")}, {_round10("o.gap_pp")}, o.status, {_round10("o.required_pace")},
           {_round10("o.recent_pace")}, {_round10("o.projected")}, %(now)s
    FROM result o
    RETURNING indicator_id
),
written AS (SELECT indicator_id, count(*) AS n FROM ins GROUP BY indicator_id),
latest AS (SELECT indicator_id, max(latest_at) AS at FROM cdelta GROUP BY indicator_id)
SELECT i.id, coalesce(w.n, 0), l.at
FROM ind i
LEFT JOIN written w ON w.indicator_id = i.id
LEFT JOIN latest l ON l.indicator_id = i.id
"""  # nosec B608  # as COMPUTE: the table name and expressions are constants

# The plan's quarters up to the reporting period, by q: the statement needs every one of them.
PERIODS = """
SELECT p.year * 4 + p.quarter - 1 - %(ord0)s + 1 AS q, p.id
FROM targets_period p
WHERE p.start >= %(plan_start)s AND p.start <= %(current_start)s
ORDER BY q
"""

# Without a reporting period there are no rows, but the run still records the latest approval.
LATEST_ONLY = """
SELECT s.indicator_id, max(v.approved_at)
FROM targets_submission s
JOIN targets_submissionversion v ON v.id = s.approved_id
JOIN targets_period p ON p.id = s.period_id
WHERE s.indicator_id = ANY(%(ids)s) AND p.start >= %(plan_start)s
GROUP BY s.indicator_id
"""


def _ytd_ids(cursor, ids: list[int]) -> list[int]:
    """The ratio_ytd indicators among `ids`: the statement sums their figures year by year."""
    cursor.execute("SELECT id FROM targets_indicator WHERE id = ANY(%s) AND kind = 'ratio_ytd'", [ids])
    return [pk for (pk,) in cursor.fetchall()]


def snapshots_write(
    *,
    indicator_ids: list[int],
    plan_start: dt.date,
    current_start: dt.date | None,
    city_id: int,
    on_track_gap: Decimal,
    at_risk_gap: Decimal,
    maintain_pp: Decimal,
    now: dt.datetime,
) -> dict[int, tuple[int, dt.datetime | None]]:
    """Replace the snapshot rows of `indicator_ids` (all of one plan) by freshly computed ones.

    Call inside a transaction: the old rows are deleted and the new ones inserted in it, so readers
    see either set, never a mix. Returns {indicator id: (rows written, latest approval included)}.
    """
    ids = sorted(set(indicator_ids))
    if not ids:
        return {}
    params = {
        "ids": ids,
        "ord0": quarter_ordinal(*quarter_of(plan_start)),  # the first quarter's ordinal: q = ordinal − ord0 + 1
        "plan_start": plan_start,
        "current_start": current_start,
        "city": city_id,
        "on_track_gap": on_track_gap,
        "at_risk_gap": at_risk_gap,
        "maintain_pp": maintain_pp,
        "now": now,
    }
    with connection.cursor() as cursor:
        # One big statement: its sorts stay in memory at 100× the data; compiling its expressions
        # (JIT) costs more than it saves.
        cursor.execute("SET LOCAL work_mem = '128MB'")
        cursor.execute("SET LOCAL jit = off")
        # The same lock the approval-triggered task takes: a full recompute never interleaves its
        # delete and insert with another recompute of the same indicator. Taken in id order.
        cursor.execute("SELECT pg_advisory_xact_lock(%s, x) FROM unnest(%s::int[]) AS x ORDER BY x", [LOCK_CLASS, ids])
        cursor.execute(f"DELETE FROM {SNAPSHOT_TABLE} WHERE indicator_id = ANY(%s)", [ids])  # nosec B608  # a constant table name
        if current_start is None:
            cursor.execute(LATEST_ONLY, params)
            latest = dict(cursor.fetchall())
            return {i: (0, latest.get(i)) for i in ids}
        cursor.execute(PERIODS, params)
        quarters = cursor.fetchall()
        if [q for q, _ in quarters] != list(range(1, len(quarters) + 1)):
            # As the Python engine, which finds no period for a missing quarter.
            raise ValueError(f"the plan's quarters up to {current_start} are not all defined as periods")
        params.update(n=len(quarters), period_ids=[pk for _, pk in quarters], ytd_ids=_ytd_ids(cursor, ids))
        cursor.execute(STATEMENT, params)
        return {i: (n, at) for i, n, at in cursor.fetchall()}
