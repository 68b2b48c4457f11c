from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from targets.views.account import PasswordChange

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Choosing a language must work on the login page too.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    # An administrator's own password: the portal's page (checked, rate-limited and audited), not
    # the admin's own copy, which would change it without an audit entry.
    path("admin/password_change/", PasswordChange.as_view()),
    path("admin/", admin.site.urls),
    path("", include("targets.urls")),
]

# The portal's own error pages (JSON under /api/), in the user's language: targets.views.errors.
handler400 = "targets.views.errors.bad_request"
handler403 = "targets.views.errors.permission_denied"
handler404 = "targets.views.errors.page_not_found"
handler500 = "targets.views.errors.server_error"
