"""A signed-in person's own account: changing their password (the initial one is handed out)."""

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.views import PasswordChangeView
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _

from ..actions import user_change_password
from .common import client_ip


class PasswordChange(PasswordChangeView):
    """Django's form checks the old password and the validators; the change itself is an action
    so that it lands in the audit log in the same transaction."""

    template_name = "registration/password_change_form.html"

    def form_valid(self, form):
        user_change_password(user=form.user, new_password=form.cleaned_data["new_password1"], ip=client_ip(self.request))
        update_session_auth_hash(self.request, form.user)  # stay signed in on this browser only
        messages.success(self.request, _("Your password has been changed."))
        return redirect(reverse("targets:password_change"))


urlpatterns = [path("accounts/password/", PasswordChange.as_view(), name="password_change")]
