"""The admin site: where administrators configure units, indicators, targets and periods."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .selectors.plan import target_breakdown_warnings
from .models import Area, Goal, Indicator, Measure, Period, Plan, Safeguard, Submission, SubmissionVersion, Target, Unit, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "role", "unit", "is_active", "is_demo", "last_login")
    list_filter = ("role", "is_active", "is_demo")
    fieldsets = BaseUserAdmin.fieldsets + ((_("Portal"), {"fields": ("role", "unit", "is_demo")}),)


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("code", "name_zh", "name_en", "kind", "parent", "active")
    list_filter = ("kind", "active")
    search_fields = ("code", "name_zh", "name_en")


class TargetInline(admin.TabularInline):
    model = Target
    extra = 0


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ("code", "name_zh", "kind", "measure", "active")
    list_filter = ("kind", "active")
    search_fields = ("code", "name_zh", "name_en")
    filter_horizontal = ("reporting_units",)
    inlines = [TargetInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # A split of a city target among units (分解目标) that does not add up is allowed but flagged.
        for warning in target_breakdown_warnings(form.instance):
            messages.warning(request, warning)


@admin.register(Period)
class PeriodAdmin(admin.ModelAdmin):
    list_display = ("code", "start", "end", "due", "is_open")
    list_filter = ("is_open", "year")


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ("code", "name_zh", "start", "loaded_at")
    readonly_fields = ("loaded_at", "source_sha256")


for model in (Area, Measure, Safeguard, Goal):
    admin.site.register(model)


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
