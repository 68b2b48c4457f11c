"""Errors people can meet, answered in the portal's layout and their language (JSON under /api/),
and hostile input (a NUL character) refused clearly instead of failing inside the database."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory
from django.utils import translation

from targets.views.errors import server_error

from ..conftest import CITY, client_for
from ..factories import submitted

BRAND_ZH = "温州市计量发展实施意见"


def english(client: Client) -> Client:
    client.cookies["django_language"] = "en"
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("path", [
    "/units/%00/", "/report/%00/", "/progress/indicators/M01%00/", "/plan/?x=%00",
    "/api/v1/progress/?unit=%00", "/api/v1/progress/?indicator=%00", "/api/v1/progress/?period=%00",
    f"/units/{CITY}/?q=%00", "/review/?period=%00",
])
def test_a_nul_character_anywhere_is_a_clear_400_never_a_500(plan, reviewer, path):
    response = client_for(reviewer).get(path)
    assert response.status_code == 400, (path, response.status_code)
    if path.startswith("/api/"):
        body = response.json()
        assert body["errors"] and "请求无法读取" in body["detail"]
    else:
        assert "请求无法读取" in response.content.decode() and 'class="site-header"' in response.content.decode()


@pytest.mark.django_db
def test_a_nul_character_in_a_return_reason_is_refused_and_nothing_changes(plan, reporter, reviewer):
    submission = submitted(reporter, "M14-RATE", "2026Q3")
    response = client_for(reviewer).post(f"/submissions/{submission.pk}/return/", {"reason": "请补\x00充"})
    assert response.status_code == 400
    submission.refresh_from_db()
    assert submission.status == "submitted"


@pytest.mark.django_db
def test_not_found_is_the_portals_page_in_chinese_then_english(plan, leader):
    client = client_for(leader)
    page = client.get("/no/such/page/")
    assert page.status_code == 404
    text = page.content.decode()
    assert "页面不存在" in text and 'class="site-header"' in text and 'lang="zh-hans"' in text
    page = english(client).get("/no/such/page/")
    assert page.status_code == 404 and "Page not found" in page.content.decode()


@pytest.mark.django_db
def test_forbidden_says_why_in_the_portals_layout(plan, reporter):
    page = client_for(reporter).get("/progress/")
    assert page.status_code == 403
    assert "无权访问" in page.content.decode() and 'class="main-nav"' in page.content.decode()


@pytest.mark.django_db
def test_a_wrong_method_gets_the_page_and_keeps_allow(plan, reviewer, reporter):
    submission = submitted(reporter, "M14-RATE", "2026Q3")
    page = client_for(reviewer).get(f"/submissions/{submission.pk}/approve/")
    assert page.status_code == 405 and page["Allow"] == "POST"
    assert "不能这样使用" in page.content.decode()


@pytest.mark.django_db
def test_api_errors_are_json_for_unknown_paths_and_methods(plan, reviewer):
    client = client_for(reviewer)
    unknown = client.get("/api/v1/no-such-thing/")
    assert unknown.status_code == 404 and unknown["Content-Type"].startswith("application/json")
    assert unknown.json()["errors"]
    wrong = client.delete("/api/v1/progress/")
    assert wrong.status_code == 405 and wrong["Content-Type"].startswith("application/json") and wrong.json()["errors"]


def test_a_server_error_is_explained_without_touching_the_database():
    request = RequestFactory().get("/progress/")
    with translation.override("zh-hans"):
        page = server_error(request)
    assert page.status_code == 500
    text = page.content.decode()
    assert BRAND_ZH[:2] in text and "我们这边出了问题" in text and "portal.css" in text
    request = RequestFactory().get("/api/v1/progress/")
    with translation.override("en"):
        api = server_error(request)
    assert api.status_code == 500 and b"errors" in api.content


def test_a_session_that_could_not_be_saved_for_a_lost_database_is_a_503_not_a_400():
    """During a PostgreSQL restart the session middleware's save fails; Django turns that into
    SessionInterrupted (a 400, "bad request"). The request was fine: the answer is the 503 of a
    lost database, with when to try again. The same exception without a database cause stays a 400."""
    from django.contrib.sessions.backends.base import UpdateError
    from django.contrib.sessions.exceptions import SessionInterrupted
    from django.db import OperationalError

    from targets.views.errors import bad_request

    def interrupted(cause: Exception | None) -> SessionInterrupted:
        try:
            try:
                if cause is not None:
                    raise cause
                raise UpdateError
            except (OperationalError, UpdateError):
                raise SessionInterrupted("The request's session was deleted before the request completed.")
        except SessionInterrupted as exc:
            return exc

    request = RequestFactory().get("/api/v1/progress/")
    lost = bad_request(request, interrupted(OperationalError("server closed the connection unexpectedly")))
    assert lost.status_code == 503 and lost["Retry-After"] == "30"
    assert bad_request(request, interrupted(None)).status_code == 400
