"""The outbox: recompute requests written with the change that causes them, relayed after commit."""

from __future__ import annotations

from django.db import transaction

from ..models import OutboxMessage


def outbox_enqueue(*, indicator_ids, relay: bool = True) -> None:
    """Record that these indicators need recomputing; relay to the broker once the change commits
    (unless the caller is the relay itself).

    Call inside the transaction of the change: if it rolls back, so does the request.
    """
    OutboxMessage.objects.bulk_create([OutboxMessage(indicator_id=i) for i in sorted(set(indicator_ids))])
    if not relay:
        return

    def relay_now():
        # Tasks depend on actions, not the reverse: import late.
        from tasks.progress import relay_pending

        relay_pending()

    transaction.on_commit(relay_now)
