"""The portal's routes. Each view module lists its own routes in `urlpatterns`; they are joined here."""

from django.urls import path

from .views import (
    account,
    api,
    api_exports,
    api_progress,
    api_submissions,
    dashboards,
    excel,
    exports,
    health,
    identifiers,
    home,
    indicator_pages,
    plan,
    reporting,
    reports,
    review,
)

app_name = "targets"

urlpatterns = [
    path("", home.home, name="home"),
    path("plan/", plan.plan_overview, name="plan_overview"),
    path("plan/measures/<int:number>/", plan.measure_detail, name="measure_detail"),
    path("units/", plan.unit_list, name="unit_list"),
    path("units/<str:code>/", plan.unit_detail, name="unit_detail"),
    path("api/v1/plan/", api.plan_detail, name="api_plan"),
    path("healthz/", health.healthz, name="healthz"),
    *account.urlpatterns,
    *excel.urlpatterns,  # before reporting: /report/<period>/excel/ is not an indicator
    *reporting.urlpatterns,
    *review.urlpatterns,
    *reports.urlpatterns,
    *identifiers.urlpatterns,
    *api.urlpatterns,
    *api_submissions.urlpatterns,
    *api_progress.urlpatterns,
    *api_exports.urlpatterns,
    *exports.urlpatterns,
    *dashboards.urlpatterns,
    *indicator_pages.urlpatterns,
]
