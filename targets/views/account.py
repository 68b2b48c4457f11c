"""A signed-in person's own account: changing their password (the initial one is handed out)."""

import copy

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.signals import user_login_failed
from django.contrib.auth.views import PasswordChangeView
from django.http import QueryDict
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _

from ..actions import user_change_password
from .common import client_ip


def _without_form_data(request):
    """Return a copy of `request` without its form data, for django-axes to record a failure from:
    axes stores a failure's POST data and masks only a field named "password", while this form
    holds the current and the new password under other names."""
    shadow = copy.copy(request)
    shadow.POST = QueryDict()
    return shadow


class PasswordChange(PasswordChangeView):
    """Django's form checks the old password and the validators; the change itself is an action
    so that it lands in the audit log in the same transaction.

    A wrong current password counts as a failed login for that user (django-axes, audited like
    one), so the page cannot be used to guess the password of a session left open: once the user
    name is locked from this address, the page refuses as the login page does, even the right one.
    """

    template_name = "registration/password_change_form.html"

    def _credentials(self) -> dict:
        return {"username": self.request.user.get_username()}

    def _locked_out(self):
        """Return the login page's lockout response if the user is locked out here, else None."""
        credentials = self._credentials()
        if AxesProxyHandler.is_allowed(self.request, credentials):
            return None
        return get_lockout_response(self.request, None, credentials)

    def post(self, request, *args, **kwargs):
        return self._locked_out() or super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        if form.has_error("old_password", "password_incorrect"):
            # As a failed login would: axes counts it, targets.signals puts it in the audit log.
            user_login_failed.send(
                sender=__name__, credentials=self._credentials(), request=_without_form_data(self.request)
            )
            locked = self._locked_out()
            if locked is not None:
                return locked
        return super().form_invalid(form)

    def form_valid(self, form):
        user_change_password(user=form.user, new_password=form.cleaned_data["new_password1"], ip=client_ip(self.request))
        update_session_auth_hash(self.request, form.user)  # stay signed in on this browser only
        messages.success(self.request, _("Your password has been changed."))
        return redirect(reverse("targets:password_change"))


urlpatterns = [path("accounts/password/", PasswordChange.as_view(), name="password_change")]
