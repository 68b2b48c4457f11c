"""Every read that views, the API and exports share (reads in selectors), one module per concern.

Import from the submodule that owns a read (e.g. `from targets.selectors.review import …`); the
plan reads are re-exported here because every page needs them.
"""

from .plan import (
    json_number,
    measure_get,
    measure_neighbours,
    plan_as_dict,
    plan_current,
    plan_tree,
    unit_get,
    unit_indicators,
    unit_latest_figures,
    unit_list,
)

__all__ = [
    "json_number",
    "measure_get",
    "measure_neighbours",
    "plan_as_dict",
    "plan_current",
    "plan_tree",
    "unit_get",
    "unit_indicators",
    "unit_latest_figures",
    "unit_list",
]
