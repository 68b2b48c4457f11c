"""The admin site: where administrators configure units, indicators, targets and periods."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .actions import audit_record
from .actions.outbox import outbox_enqueue
from .models import (
    Area,
    AuditEntry,
    Goal,
    Indicator,
    Measure,
    Period,
    Plan,
    Safeguard,
    Submission,
    SubmissionVersion,
    Target,
    Unit,
    User,
)
from .selectors.plan import target_breakdown_warnings
from .signals import client_ip


class AuditedAdmin(admin.ModelAdmin):
    """Saves through the admin go to the portal's audit log too (Django's own admin history is not
    hash-chained), and, where they change what progress is computed from, queue a recompute in the
    same transaction (the admin saves atomically)."""

    recompute = "none"  # "none", "indicator" (the one saved) or "all" (every active indicator)

    def save_related(self, request, form, formsets, change):
        # Called once the object and its inlines are saved: one audit entry for the whole save.
        super().save_related(request, form, formsets, change)
        obj = form.instance
        audit_record(
            action=AuditEntry.Action.EDIT if change else AuditEntry.Action.CREATE, actor=request.user,
            ip=client_ip(request), obj=obj, after={"fields": sorted(form.changed_data), **self.audit_details(obj)},
        )
        if self.recompute == "all":
            outbox_enqueue(indicator_ids=Indicator.objects.filter(active=True).values_list("pk", flat=True))
        elif self.recompute == "indicator":
            outbox_enqueue(indicator_ids=[obj.pk])

    def audit_details(self, obj) -> dict:
        """What the audit entry records besides the names of the fields changed."""
        return {}


@admin.register(User)
class UserAdmin(AuditedAdmin, BaseUserAdmin):
    list_display = ("username", "role", "unit", "is_active", "is_demo", "last_login")
    list_filter = ("role", "is_active", "is_demo")
    fieldsets = BaseUserAdmin.fieldsets + ((_("Portal"), {"fields": ("role", "unit", "is_demo")}),)


@admin.register(Unit)
class UnitAdmin(AuditedAdmin):
    recompute = "all"  # the units counted in the city's figures
    list_display = ("code", "name_zh", "name_en", "kind", "parent", "active")
    list_filter = ("kind", "active")
    search_fields = ("code", "name_zh", "name_en")


class TargetInline(admin.TabularInline):
    model = Target
    extra = 0


@admin.register(Indicator)
class IndicatorAdmin(AuditedAdmin):
    recompute = "indicator"  # its kind, baseline, reporting units or targets
    list_display = ("code", "name_zh", "kind", "measure", "active")
    list_filter = ("kind", "active")
    search_fields = ("code", "name_zh", "name_en")
    filter_horizontal = ("reporting_units",)
    inlines = [TargetInline]

    def audit_details(self, indicator) -> dict:
        targets = indicator.targets.select_related("unit").order_by("year", "unit__code")
        return {"targets": [
            {"year": t.year, "unit": t.unit.code if t.unit else None, "value": str(t.value), "mode": t.mode} for t in targets
        ]}

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # A split of a city target among units (分解目标) that does not add up is allowed but flagged.
        for warning in target_breakdown_warnings(form.instance):
            messages.warning(request, warning)


@admin.register(Period)
class PeriodAdmin(AuditedAdmin):
    list_display = ("code", "start", "end", "due", "is_open")
    list_filter = ("is_open", "year")


@admin.register(Plan)
class PlanAdmin(AuditedAdmin):
    recompute = "all"  # the status thresholds
    list_display = ("code", "name_zh", "start", "loaded_at")
    readonly_fields = ("loaded_at", "source_sha256")


class PlanTextAdmin(AuditedAdmin):
    recompute = "all"  # titles and goals shown on the dashboards, which are cached per recompute


for model in (Area, Measure, Safeguard, Goal):
    admin.site.register(model, PlanTextAdmin)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Figures change only through the reporting actions, which version and audit every change."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Submission)
class SubmissionAdmin(ReadOnlyAdmin):
    list_display = ("indicator", "unit", "period", "status", "is_demo")
    list_filter = ("status", "is_demo", "period")


@admin.register(SubmissionVersion)
class SubmissionVersionAdmin(ReadOnlyAdmin):
    list_display = ("submission", "number", "created_by", "created_at", "approved_at")
