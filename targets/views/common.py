"""Small helpers every view module shares."""

from django.http import Http404

from ..ids import MAX_ID, parse_id
from ..signals import client_ip

__all__ = ["MAX_ID", "client_ip", "id_or_404", "parse_id"]


def id_or_404(raw: object) -> int:
    """Return the id in `raw` (a path or query value), or raise Http404 when it is not one
    (non-numeric, negative, zero, beyond 2**63 − 1, non-ASCII digits)."""
    pk = parse_id(raw)
    if pk is None:
        raise Http404("not an id")
    return pk
