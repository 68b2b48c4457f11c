"""Tables of list pages (django-tables2): sortable columns, pagination, cells rendered on the server."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

import django_tables2 as tables
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import AuditEntry, Submission, SubmissionVersion
from .selectors.audit import audit_changes, label_separator
from .templatetags.review import figure_change, version_figure


class PortalTable(tables.Table):
    """A table of the portal: its page size is the page's own.

    django-tables2 takes `?per_page=` from the address; a page size no page would offer (negative,
    huge) is ignored rather than handed to the paginator, where a negative one is a server error.
    """

    MAX_PER_PAGE = 100

    def paginate(self, *args, per_page=None, **kwargs):
        if per_page is not None and not 1 <= per_page <= self.MAX_PER_PAGE:
            per_page = None  # the table's own size (Meta.per_page)
        return super().paginate(*args, per_page=per_page, **kwargs)


class SelectColumn(tables.Column):
    """A checkbox per row, named `ids`, for the rows that can be approved; a select-all box on top."""

    def __init__(self, **kwargs):
        kwargs.setdefault("empty_values", ())
        kwargs.setdefault("orderable", False)
        kwargs.setdefault("accessor", "pk")
        kwargs.setdefault("attrs", {"th": {"class": "select"}, "td": {"class": "select"}})
        super().__init__(**kwargs)

    @property
    def header(self):
        return format_html(
            '<input type="checkbox" class="select-all" aria-label="{}" title="{}">',
            _("Select all submitted figures on this page"),
            _("Select all"),
        )


class ReviewQueueTable(PortalTable):
    """The reviewers' queue: one row per submission with its value beside last quarter's approved one.

    Set `previous` ({submission pk: approved version one quarter earlier}) for the page's rows
    before rendering (one query for the page, see selectors.review.previous_quarter_approved), and
    `selected` (ids to keep checked after a refused bulk approval).
    """

    select = SelectColumn(verbose_name=gettext_lazy("Select"))
    indicator = tables.Column(verbose_name=gettext_lazy("Indicator"), order_by=("indicator__position", "indicator__code"))
    unit = tables.Column(verbose_name=gettext_lazy("Unit"), order_by=("unit__code",))
    period = tables.Column(verbose_name=gettext_lazy("Period"), order_by=("period__start",))
    status = tables.Column(verbose_name=gettext_lazy("Status"))
    value = tables.Column(
        verbose_name=gettext_lazy("Submitted value"), empty_values=(), orderable=False, attrs={"td": {"class": "figure"}}
    )
    previous = tables.Column(
        verbose_name=gettext_lazy("Previous quarter (approved)"),
        empty_values=(),
        orderable=False,
        attrs={"td": {"class": "figure previous"}},
    )
    submitted_at = tables.Column(
        verbose_name=gettext_lazy("Submitted at"), accessor="current__submitted_at", order_by=("current__submitted_at",)
    )
    detail = tables.Column(verbose_name=gettext_lazy("Details"), empty_values=(), orderable=False)

    class Meta:
        attrs = {"class": "data review-queue"}
        per_page = 50
        empty_text = gettext_lazy("No submissions match these filters.")
        row_attrs = {"data-status": lambda record: record.status, "id": lambda record: f"submission-{record.pk}"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.previous: dict[int, SubmissionVersion] = {}
        self.selected: set[int] = set()

    def page_records(self) -> list[Submission]:
        """Return the submissions on the current page (fetched once; rendering reuses them)."""
        return [row.record for row in self.paginated_rows]

    def render_select(self, record: Submission):
        if record.status != Submission.Status.SUBMITTED:
            return ""
        # The version shown travels with the box: a bulk approval never approves a newer one unseen.
        return format_html(
            '<input type="checkbox" name="ids" value="{}" aria-label="{}"{}>'
            '<input type="hidden" name="version_{}" value="{}">',
            record.pk,
            _("Select %s") % record,
            " checked" if record.pk in self.selected else "",
            record.pk,
            record.current.number,
        )

    def render_indicator(self, record: Submission):
        return format_html('<span class="code">{}</span> {}', record.indicator.code, record.indicator.name)

    def render_unit(self, record: Submission):
        return record.unit.name

    def render_period(self, record: Submission):
        return format_html('<span class="code">{}</span>', record.period.code)

    def render_status(self, record: Submission):
        return format_html('<span class="status status-{}">{}</span>', record.status, record.get_status_display())

    def render_value(self, record: Submission):
        return version_figure(record.current, record.indicator.kind)

    def render_previous(self, record: Submission):
        previous = self.previous.get(record.pk)
        if previous is None:
            return format_html('<span class="muted">{}</span>', _("none"))
        change = figure_change(record.current, previous, record.indicator.kind)
        return format_html(
            '{}{}',
            version_figure(previous, record.indicator.kind),
            format_html(' <span class="change" title="{}">{}</span>', _("change against the previous quarter"), change)
            if change
            else "",
        )

    def render_submitted_at(self, record: Submission, value):
        when = timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
        who = record.current.submitted_by.shown_name if record.current.submitted_by else ""
        late = ""
        if record.is_late:
            late = format_html(
                ' <span class="badge late" title="{}">{}</span>',
                _("First submitted after the due date %s") % record.period.due.isoformat(),
                _("late"),
            )
        return format_html('{}{}<br><span class="muted small">{}</span>', when, late, who)

    def render_detail(self, record: Submission):
        url = reverse("targets:submission_detail", args=[record.pk])
        request = getattr(self, "request", None)
        if request is not None:
            url += "?" + urlencode({"next": request.get_full_path()})
        label = _("Review") if record.status == Submission.Status.SUBMITTED else _("View")
        return format_html('<a href="{}">{}</a>', url, label)


class AuditTable(PortalTable):
    """The audit log as a table; newest first, in the order of the chain (no re-sorting)."""

    at = tables.Column(verbose_name=gettext_lazy("Time"))
    actor_name = tables.Column(verbose_name=gettext_lazy("User"))
    ip = tables.Column(verbose_name=gettext_lazy("Address"))
    action = tables.Column(verbose_name=gettext_lazy("Action"))
    object = tables.Column(verbose_name=gettext_lazy("Object"), accessor="object_repr", empty_values=())
    changes = tables.Column(verbose_name=gettext_lazy("Before → after"), accessor="pk", empty_values=())
    hash = tables.Column(verbose_name=gettext_lazy("Hash"))

    class Meta:
        model = AuditEntry
        fields: tuple = ()
        orderable = False
        attrs = {"class": "data audit-table"}
        empty_text = gettext_lazy("No entries match these filters.")
        template_name = "django_tables2/table.html"

    def __init__(self, *args, submission_url: Callable[[int], str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.submission_url = submission_url

    def render_at(self, value):
        return format_html('<span class="nowrap">{}</span>', timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S"))

    def render_actor_name(self, record):
        # The person's name, with the login beside it: the auditor needs both.
        if record.actor is not None and record.actor.display_name:
            return format_html('{} <span class="muted code">{}</span>', record.actor.display_name, record.actor_name)
        return record.actor_name or "—"

    def render_action(self, record):
        return format_html('<span class="action action-{}">{}</span>', record.action, record.get_action_display())

    def render_object(self, record):
        if not (record.object_type or record.object_repr):
            return "—"
        label = record.object_repr or f"{record.object_type} {record.object_id}"
        title = f"{record.object_type} #{record.object_id}" if record.object_id else record.object_type
        if record.object_type == "submission" and self.submission_url and record.object_id.isdigit():
            return format_html('<a href="{}" title="{}">{}</a>', self.submission_url(int(record.object_id)), title, label)
        return format_html('<span title="{}">{}</span>', title, label)

    def render_changes(self, record):
        changes = audit_changes(record.before, record.after, record.object_type)
        if not changes:
            return "—"
        items = []
        for change in changes:
            key = format_html('<span class="key" data-key="{}">{}</span>{}', change.key, change.label, label_separator()) if change.key else ""
            if change.added:  # a value set where there was none: just the new value
                items.append(format_html("<li>{}<ins>{}</ins></li>", key, change.after))
            elif change.removed:
                items.append(format_html('<li>{}<del>{}</del> <span class="muted">({})</span></li>', key, change.before, _("removed")))
            else:
                items.append(format_html(
                    '<li>{}<del>{}</del> <span aria-hidden="true">→</span><span class="visually-hidden">{}</span> <ins>{}</ins></li>',
                    key, change.before, _("changed to"), change.after,
                ))
        return format_html('<ul class="changes">{}</ul>', format_html_join("", "{}", ((item,) for item in items)))

    def render_hash(self, value):
        return format_html('<code class="hash" title="{}">{}…</code>', value, value[:10])
