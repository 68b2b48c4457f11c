"""The Chinese catalogue is complete and the committed .mo files match their .po sources."""

import gettext
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LOCALES = ["zh_Hans", "en"]


def po_entries(path: Path) -> list[tuple[str, str, bool]]:
    """Return (msgid, msgstr, fuzzy) for each entry of a .po file (a small reader, no dependency)."""
    entries, current, field, fuzzy = [], {"msgid": "", "msgstr": ""}, None, False
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip():
            if field:
                entries.append((current["msgid"], current["msgstr"], fuzzy))
            current, field, fuzzy = {"msgid": "", "msgstr": ""}, None, False
        elif line.startswith("#,") and "fuzzy" in line:
            fuzzy = True
        elif line.startswith(("msgid ", "msgid_plural ", "msgstr ", "msgstr[0] ")):
            key, _, rest = line.partition(" ")
            field = {"msgid_plural": None, "msgstr[0]": "msgstr"}.get(key, key)
            if field:
                current[field] = rest.strip()[1:-1]
        elif line.startswith('"') and field:
            current[field] += line.strip()[1:-1]
    return entries


def test_every_chinese_message_is_translated():
    entries = po_entries(ROOT / "locale/zh_Hans/LC_MESSAGES/django.po")
    assert len(entries) > 100
    untranslated = [msgid for msgid, msgstr, _ in entries if msgid and not msgstr]
    fuzzy = [msgid for msgid, _, is_fuzzy in entries if msgid and is_fuzzy]
    assert untranslated == []
    assert fuzzy == []


@pytest.mark.parametrize("locale", LOCALES)
def test_the_compiled_catalogue_is_up_to_date(tmp_path, locale):
    if not shutil.which("msgfmt"):
        pytest.fail("msgfmt (Debian package gettext) is needed: scripts/ensure-system-packages.sh installs it")
    folder = ROOT / "locale" / locale / "LC_MESSAGES"
    fresh = tmp_path / "fresh.mo"
    subprocess.run(["msgfmt", "--check-format", "-o", str(fresh), str(folder / "django.po")], check=True)
    with fresh.open("rb") as a, (folder / "django.mo").open("rb") as b:
        assert gettext.GNUTranslations(a)._catalog == gettext.GNUTranslations(b)._catalog, "run `make messages`"


def test_every_template_string_is_in_the_catalogue():
    """makemessages finds nothing new: each user-facing string has an entry."""
    import re

    known = {msgid for msgid, _, _ in po_entries(ROOT / "locale/zh_Hans/LC_MESSAGES/django.po")}
    missing = []
    for path in (ROOT / "templates").rglob("*.html"):
        for msgid in re.findall(r"{%\s*trans\s+\"([^\"]+)\"", path.read_text(encoding="utf-8")):
            # {% trans %} stores a bare % as %% in the catalogue (and turns it back when rendering).
            if msgid not in known and msgid.replace("%", "%%") not in known:
                missing.append(f"{path.name}: {msgid}")
    assert missing == []
