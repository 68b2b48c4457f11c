"""Ids typed by a hostile user, at every door that takes one: a number beyond 64 bits, a negative
one, an exponent, other scripts' digits. Never a server error, never a record found by a look-alike
id ("١٢" is not 12), a clear 400 or 404 instead."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from targets.actions import evidence_attach
from targets.actions.tokens import token_issue
from targets.ids import MAX_ID, parse_id
from targets.models import Submission, User

from ..conftest import client_for
from ..factories import submitted

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
HOSTILE = ["99999999999999999999999", str(2**63), "-1", "1e3", "١٢", "0", " 1", "1_0", "", "0x1"]
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def look_alike(pk: int) -> str:
    """Return `pk` written in Arabic-Indic digits, which Python's int() reads as the same number."""
    return str(pk).translate(ARABIC_INDIC)


def api(user: User) -> Client:
    return Client(headers={"Authorization": f"Token {token_issue(user=user).key}"})


# --- the parser ----------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", HOSTILE + [None, 1.0, True, [1], 2**63, -5])
def test_the_id_parser_refuses_anything_but_plain_ascii_digits_in_range(raw):
    assert parse_id(raw) is None


@pytest.mark.parametrize("raw,expected", [("1", 1), ("0042", 42), (str(MAX_ID), MAX_ID), (7, 7)])
def test_the_id_parser_reads_ordinary_ids(raw, expected):
    assert parse_id(raw) == expected


# --- the web review queue's bulk approval ---------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("raw", HOSTILE)
def test_bulk_approval_with_a_hostile_id_is_refused_clearly(reporter, reviewer, raw):
    waiting = submitted(reporter, "M01-STD")
    response = client_for(reviewer).post("/review/", {"ids": [raw, str(waiting.pk)]})
    assert response.status_code == 400
    assert Submission.objects.get(pk=waiting.pk).status == Submission.Status.SUBMITTED, "nothing approved"


@pytest.mark.django_db
def test_bulk_approval_does_not_take_other_scripts_digits_for_an_id(reporter, reviewer):
    waiting = submitted(reporter, "M01-STD")
    response = client_for(reviewer).post("/review/", {"ids": [look_alike(waiting.pk)]})
    assert response.status_code == 400
    assert Submission.objects.get(pk=waiting.pk).status == Submission.Status.SUBMITTED


@pytest.mark.django_db
@pytest.mark.parametrize("raw", ["99999999999999999999999", "-1", "1e3", "١٢"])
def test_bulk_approval_with_a_hostile_version_is_refused_clearly(reporter, reviewer, raw):
    waiting = submitted(reporter, "M01-STD")
    response = client_for(reviewer).post("/review/", {"ids": [str(waiting.pk)], f"version_{waiting.pk}": raw})
    assert response.status_code == 400
    assert Submission.objects.get(pk=waiting.pk).status == Submission.Status.SUBMITTED


@pytest.mark.django_db
@pytest.mark.parametrize("raw", ["99999999999999999999999", "-1", "1e3", "١٢"])
def test_approving_one_submission_with_a_hostile_version_is_refused_clearly(reporter, reviewer, raw):
    waiting = submitted(reporter, "M01-STD")
    response = client_for(reviewer).post(f"/submissions/{waiting.pk}/approve/", {"version": raw})
    assert response.status_code == 400
    assert Submission.objects.get(pk=waiting.pk).status == Submission.Status.SUBMITTED


# --- the submission page and evidence (web) --------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("raw", HOSTILE[:5])
@pytest.mark.parametrize("path", ["/submissions/{}/", "/submissions/{}/approve/", "/submissions/{}/return/"])
def test_the_submission_pages_answer_404_to_a_hostile_id(reviewer, raw, path):
    client = client_for(reviewer)
    method = client.get if path.count("/") == 3 else client.post
    assert method(path.format(raw), {"version": "1"} if method == client.post else None).status_code == 404


@pytest.mark.django_db
def test_the_submission_page_does_not_take_other_scripts_digits_for_an_id(reporter, reviewer):
    waiting = submitted(reporter, "M01-STD")
    assert client_for(reviewer).get(f"/submissions/{look_alike(waiting.pk)}/").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("raw", HOSTILE[:5])
def test_an_evidence_download_answers_404_to_a_hostile_id(reporter, raw):
    assert client_for(reporter).get(f"/evidence/{raw}/").status_code == 404


@pytest.mark.django_db
def test_an_evidence_download_does_not_take_other_scripts_digits_for_an_id(reporter):
    evidence = evidence_attach(
        user=reporter, submission=submitted(reporter, "M14-RATE"), uploaded_file=SimpleUploadedFile("证书.pdf", PDF)
    )
    client = client_for(reporter)
    assert client.get(f"/evidence/{evidence.pk}/").status_code == 200
    assert client.get(f"/evidence/{look_alike(evidence.pk)}/").status_code == 404


# --- the API ----------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("raw", HOSTILE[:5])
@pytest.mark.parametrize("step", ["", "submit/", "approve/", "return/", "amend/"])
def test_the_api_answers_json_404_to_a_hostile_submission_id(reviewer, raw, step):
    client = api(reviewer)
    url = f"/api/v1/submissions/{raw}/{step}"
    response = client.get(url) if not step else client.post(url, {}, content_type="application/json")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")


@pytest.mark.django_db
def test_the_api_does_not_take_other_scripts_digits_for_a_submission_id(reporter, reviewer):
    waiting = submitted(reporter, "M01-STD")
    client = api(reviewer)
    assert client.get(f"/api/v1/submissions/{waiting.pk}/").status_code == 200
    assert client.get(f"/api/v1/submissions/{look_alike(waiting.pk)}/").status_code == 404
    approve = client.post(f"/api/v1/submissions/{look_alike(waiting.pk)}/approve/", {}, content_type="application/json")
    assert approve.status_code == 404
    assert Submission.objects.get(pk=waiting.pk).status == Submission.Status.SUBMITTED


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["limit", "offset"])
@pytest.mark.parametrize("raw", ["99999999999999999999999", "-1", "1e3", "١٢"])
def test_the_api_list_survives_hostile_paging_values(reviewer, name, raw):
    response = api(reviewer).get("/api/v1/submissions/", {name: raw})
    assert response.status_code in (200, 400)
    assert response["Content-Type"].startswith("application/json")


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/plan/measures/{}/", "/progress/measures/{}/", "/progress/areas/{}/"])
def test_numbered_plan_pages_answer_404_to_a_number_beyond_64_bits(leader, path):
    assert client_for(leader).get(path.format("99999999999999999999999")).status_code == 404
