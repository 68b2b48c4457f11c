"""The page each role lands on after login: its own work, with the plan one click away.

Leaders and administrators land on the progress overview (their work is reading it); reporters,
reviewers and auditors get a page of what waits for them (targets.selectors.home).
"""

from django.shortcuts import redirect, render

from ..models import User
from ..selectors.home import home_auditor, home_reporter, home_reviewer

OVERVIEW_ROLES = (User.Role.LEADER, User.Role.ADMIN)


def home(request):
    user = request.user
    if user.role == User.Role.REPORTER and user.unit is not None:
        context = home_reporter(user.unit)
        template = "targets/home_reporter.html"
    elif user.role == User.Role.REVIEWER:
        context = home_reviewer(user)
        template = "targets/home_reviewer.html"
    elif user.role == User.Role.AUDITOR:
        context = home_auditor(user)
        template = "targets/home_auditor.html"
    else:
        return redirect("targets:dashboard_overview")
    return render(request, template, {"nav": "home", **context})
