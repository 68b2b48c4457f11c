"""Hostile or broken Excel uploads are refused with a clear message, never parsed blindly, never a 500."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest
from django.utils import translation
from django.utils.translation import gettext

from targets.excel import MAX_DATA_ROWS, MAX_UPLOAD_BYTES
from targets.models import AuditEntry, Submission

from ..conftest import client_for
from .test_excel import as_bytes, data_sheet, download, upload

BILLION_LAUGHS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    "<!DOCTYPE lolz [\n"
    ' <!ENTITY lol "lol">\n'
    + "".join(f' <!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">\n' for i in range(1, 10))
    + "]>\n"
)


def zh(message: str) -> str:
    with translation.override("zh-hans"):
        return gettext(message)


def refusal(response) -> str:
    assert response.status_code == 400, response.status_code
    errors = response.context["form"].errors["file"]
    assert len(errors) == 1
    return errors[0]


def with_member_replaced(content: bytes, name: str, transform) -> bytes:
    """Return a copy of the xlsx `content` whose member `name` is `transform(old text)`."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == name:
                data = transform(data.decode("utf-8")).encode("utf-8")
            target.writestr(info.filename, data)
    return out.getvalue()


def add_entity_bomb(xml: str) -> str:
    """Put a billion-laughs DTD before the root element and use the biggest entity inside it."""
    body = xml.split("?>", 1)[1].lstrip() if xml.startswith("<?xml") else xml
    root_end = body.index(">") + 1
    return BILLION_LAUGHS + body[:root_end] + "<x>&lol9;</x>" + body[root_end:]


@pytest.mark.django_db
def test_it_refuses_a_file_over_5_mb_by_its_size(reporter):
    # Random-looking bytes: parsing them would give another message (not a zip).
    content = b"PK\x03\x04" + bytes(range(256)) * (MAX_UPLOAD_BYTES // 256 + 1)
    response = upload(client_for(reporter), content, name="big.xlsx")
    message = refusal(response)
    assert "5 MB" in message and "big.xlsx" in message
    assert zh("The file is damaged or not really a %s file.") % "XLSX" not in message


@pytest.mark.django_db
def test_it_refuses_a_text_file_named_xlsx(reporter):
    response = upload(client_for(reporter), "代码,增量\nM01-STD,2\n".encode("utf-8"), name="figures.xlsx")
    assert refusal(response) == zh("The file is damaged or not really a %s file.") % "XLSX"


@pytest.mark.django_db
def test_it_refuses_a_zip_bomb(reporter, tmp_path):
    # 200 MB of zeros, written in 1 MB chunks: the archive stays around 200 KB on disk.
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("xl/workbook.xml", '<?xml version="1.0"?><workbook/>')
        chunk = b"\0" * (1024 * 1024)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            for _ in range(200):
                member.write(chunk)
    content = path.read_bytes()
    assert len(content) < 1024 * 1024
    response = upload(client_for(reporter), content, name="bomb.xlsx")
    assert refusal(response) == zh("The file unpacks to an implausible size (a compression bomb?) and was refused.")


@pytest.mark.django_db
@pytest.mark.parametrize("member", ["xl/workbook.xml", "xl/worksheets/sheet2.xml"])
def test_it_refuses_an_xml_entity_bomb(reporter, member):
    client = client_for(reporter)
    content = as_bytes(download(client))
    assert member in zipfile.ZipFile(io.BytesIO(content)).namelist()
    bomb = with_member_replaced(content, member, add_entity_bomb)
    response = upload(client, bomb, name="laughs.xlsx")
    assert refusal(response) == zh("The file contains XML that is not allowed (entity or DTD declarations) and was refused.")
    assert "excel_upload" not in client.session


@pytest.mark.django_db
def test_it_refuses_a_damaged_workbook_without_an_error_page(reporter):
    client = client_for(reporter)
    content = as_bytes(download(client))
    broken = with_member_replaced(content, "xl/workbook.xml", lambda xml: xml[: len(xml) // 2])
    response = upload(client, broken, name="broken.xlsx")
    assert refusal(response) == zh("The file could not be read as an Excel workbook: save it again as .xlsx and upload it once more.")


@pytest.mark.django_db
def test_it_refuses_a_workbook_that_is_not_the_template(reporter):
    workbook = openpyxl.Workbook()
    workbook.active.append(["M01-STD", 2])
    response = upload(client_for(reporter), as_bytes(workbook))
    assert refusal(response) == zh("This is not the portal's Excel template: download the template and fill that in.")


@pytest.mark.django_db
def test_it_refuses_more_than_500_rows(reporter):
    client = client_for(reporter)
    workbook = download(client)
    sheet = data_sheet(workbook)
    for i in range(MAX_DATA_ROWS):
        sheet.append([f"X{i:04d}", None, None, None, None, None, 1])
    message = refusal(upload(client, workbook))
    assert str(MAX_DATA_ROWS) in message
    assert not Submission.objects.exists()
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.UPLOAD).exists()


@pytest.mark.django_db
def test_it_refuses_more_than_5000_item_rows(reporter):
    client = client_for(reporter)
    workbook = download(client)
    items = workbook.worksheets[2]
    for i in range(5001):
        items.append(["M01-STD", f"装置{i}", f"C-{i}"])
    message = refusal(upload(client, workbook))
    assert "5000" in message
