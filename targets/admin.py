"""The admin site: where administrators configure units, indicators, targets and periods."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from .actions.configuration import configuration_delete, configuration_save_record, configuration_snapshot
from .actions.users import user_set_password
from .models import (
    Area,
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


# The admin site under the portal's name, in the user's language (not "Django administration").
admin.site.site_header = _("Wenzhou metrology plan: administration")
admin.site.site_title = _("Wenzhou metrology plan: administration")
admin.site.index_title = _("Configuration")

# django-axes (the login lockouts an administrator lifts) ships no Chinese: its labels are
# translated in the portal's catalogue, listed here so that the catalogue keeps them.
AXES_LABELS = [
    gettext_noop("Form Data"), gettext_noop("Meta Data"), gettext_noop("User Agent"),
    gettext_noop("IP Address"), gettext_noop("HTTP Accept"), gettext_noop("Path"), gettext_noop("Attempt Time"),
    gettext_noop("Access lock out"), gettext_noop("access failure"), gettext_noop("access failures"),
    gettext_noop("GET Data"), gettext_noop("POST Data"), gettext_noop("Failed Logins"), gettext_noop("access attempt"),
    gettext_noop("access attempts"), gettext_noop("Logout Time"), gettext_noop("access log"), gettext_noop("access logs"),
    gettext_noop("Locked Out"), gettext_noop("Clean up expired attempts"), gettext_noop("Not set"),
    gettext_noop("Attempt Remaining"), gettext_noop("Access Attempt"), gettext_noop("Expires At"),
    gettext_noop("The time when access attempt expires and is no longer valid."),
    gettext_noop("access attempt expiration"), gettext_noop("access attempt expirations"),
    gettext_noop("Session key hash (sha256)"),
]


class AuditedAdmin(admin.ModelAdmin):
    """Saves and deletions through the admin go to the portal's audit log too, with the values
    before and after, and queue the recompute they call for, in the same transaction (the admin
    saves atomically): targets.actions.configuration."""

    def save_model(self, request, obj, form, change):
        if change:
            # `obj` already holds the form's values; the database still holds the old ones (and the
            # old inlines and links, saved later in save_related): what the audit entry calls before.
            form.audit_before = configuration_snapshot(obj=obj, fields=form.changed_data)
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        # Called once the object and its inlines are saved: one audit entry for the whole save.
        super().save_related(request, form, formsets, change)
        configuration_save_record(
            user=request.user, obj=form.instance, created=not change, changed_fields=form.changed_data,
            before=getattr(form, "audit_before", None), ip=client_ip(request),
        )

    def delete_model(self, request, obj):
        configuration_delete(user=request.user, objects=[obj], ip=client_ip(request))

    def delete_queryset(self, request, queryset):
        # The "delete selected" action: one by one through the action, each in the audit log.
        configuration_delete(user=request.user, objects=queryset, ip=client_ip(request))


class UserPasswordForm(AdminPasswordChangeForm):
    """The admin's form for another user's password: it checks only. The change is the action
    users.user_set_password, which UserAdmin calls with the administrator and their address."""

    def save(self, commit=True):
        return self.user

    def new_password(self) -> str | None:
        """Return the password to set, or None when password logins are to be disabled."""
        return self.cleaned_data["password1"] if self.cleaned_data["set_usable_password"] else None


@admin.register(User)
class UserAdmin(AuditedAdmin, BaseUserAdmin):
    list_display = ("username", "display_name", "role", "unit", "is_active", "is_demo", "last_login")
    list_filter = ("role", "is_active", "is_demo")
    search_fields = ("username", "display_name", "email")
    fieldsets = BaseUserAdmin.fieldsets + ((_("Portal"), {"fields": ("display_name", "role", "unit", "is_demo")}),)
    # Adding asks for the name too; the role and unit are set on the next page, as before.
    add_fieldsets = BaseUserAdmin.add_fieldsets + ((_("Portal"), {"fields": ("display_name",)}),)
    change_password_form = UserPasswordForm

    def construct_change_message(self, request, form, formsets, add=False):
        # Django's password view calls this right after form.save() (a no-op in UserPasswordForm)
        # and before it logs the change: the one place that has both the request and the valid
        # form, so the password is set here, through the action, before anything reads it.
        if isinstance(form, UserPasswordForm):
            user_set_password(actor=request.user, user=form.user, password=form.new_password(), ip=client_ip(request))
        return super().construct_change_message(request, form, formsets, add)


@admin.register(Unit)
class UnitAdmin(AuditedAdmin):
    list_display = ("code", "name_zh", "name_en", "kind", "parent", "active")
    list_filter = ("kind", "active")
    search_fields = ("code", "name_zh", "name_en")


class TargetInline(admin.TabularInline):
    model = Target
    extra = 0


@admin.register(Indicator)
class IndicatorAdmin(AuditedAdmin):
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
class PeriodAdmin(AuditedAdmin):
    list_display = ("code", "start", "end", "due", "is_open")
    list_filter = ("is_open", "year")


@admin.register(Plan)
class PlanAdmin(AuditedAdmin):
    list_display = ("code", "name_zh", "start", "loaded_at")
    readonly_fields = ("loaded_at", "source_sha256")


class PlanTextAdmin(AuditedAdmin):
    pass


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
