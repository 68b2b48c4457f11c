#!/usr/bin/env bash
# Install the Debian packages the test suite needs, when missing: PostgreSQL and Redis servers
# (throwaway instances for tests), Chromium (browser tests), CJK fonts (screenshots and PDFs),
# gettext (message catalogues), pango and harfbuzz's subsetter (WeasyPrint, the briefing PDF),
# poppler-utils (tests read PDFs back). Needs root (CI and the development machines run as root).
set -euo pipefail

missing=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v redis-server >/dev/null || missing+=(redis-server)
command -v chromium >/dev/null || missing+=(chromium)
# (grep reads the whole list: with -q it would stop early, fc-list die of SIGPIPE and pipefail fail the test)
fc-list 2>/dev/null | grep -i "Noto Sans CJK" >/dev/null || missing+=(fonts-noto-cjk)
command -v msgfmt >/dev/null || missing+=(gettext)
# The briefing PDF (WeasyPrint): pango lays out the text, harfbuzz subsets the embedded fonts.
for lib in libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0; do
  dpkg-query -W -f='${Status}' "$lib" 2>/dev/null | grep -q "ok installed" || missing+=("$lib")
done
# Tests read the briefing PDF back: pdftotext, pdffonts, pdfimages, pdftoppm.
command -v pdftotext >/dev/null || missing+=(poppler-utils)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "Missing Debian packages: ${missing[*]} — install them (as root: apt-get install ${missing[*]})." >&2
  exit 1
fi
echo "Installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
