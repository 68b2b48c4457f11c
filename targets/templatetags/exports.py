"""Template tags of the exports: a kind's label, and the latest quarterly briefing for a page."""

from __future__ import annotations

from django import template

from ..exports import export_label as label_of
from ..selectors.exports import briefings_latest

register = template.Library()


@register.filter
def export_label(kind: str) -> str:
    """Return an export kind's label in the active language."""
    return label_of(kind)


@register.simple_tag(takes_context=True)
def latest_briefings(context) -> dict | None:
    """Return the newest finished briefings the page's user may download ({"period", "exports"}),
    or None (for templates/targets/_exports_latest_briefing.html)."""
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    return briefings_latest(user) if user is not None else None
