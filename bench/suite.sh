#!/usr/bin/env bash
# Usage: bench/suite.sh [NOTE]
#
# Time `make test` as CI runs it — a fresh clone of HEAD, `.ci/run`, nothing installed in the clone —
# and add a row to bench/results/suite.md: the whole run, the install and checks before pytest, the
# parallel phase and the serial one beside it, the tests counted, and the machine's load. The goal
# (issue 9): at most 6 minutes on the 2-core development machine. Run it on a quiet machine: the
# suite uses both cores, anything beside it slows it down.
#
# The clone is in a temporary directory, deleted afterwards; its log is kept next to the results
# (bench/results/suite-last.log) when the run fails.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
note=${1:-}
commit=$(git rev-parse --short HEAD)
[ -z "$(git status --porcelain --untracked-files=no)" ] || echo "note: uncommitted changes are not in the clone (HEAD $commit is)" >&2

work=$(mktemp -d /tmp/portal-suite.XXXXXX)
trap 'rm -rf "$work"' EXIT
git clone -q "$root" "$work/clone"
log="$work/ci.log"
started=$(date +%s)
(cd "$work/clone" && .ci/run) >"$log" 2>&1
status=$?
total=$(( $(date +%s) - started ))
load=$(cut -d' ' -f1-3 /proc/loadavg)

# pytest's summary lines: "N passed … in S.SSs" for the parallel phase, then the serial one.
summaries=$(grep -E "^=+ .*(passed|failed|error).* in [0-9.]+s" "$log" | sed -E 's/^=+ //; s/ =+$//')
parallel=$(sed -n 1p <<<"$summaries")
serial=$(sed -n 2p <<<"$summaries")
seconds() { grep -oE "in [0-9.]+s" <<<"$1" | grep -oE "[0-9.]+" | cut -d. -f1; }
count() { grep -oE "[0-9]+ passed" <<<"$1" | grep -oE "[0-9]+"; }
p_s=$(seconds "$parallel"); s_s=$(seconds "$serial")
tests=$(( $(count "$parallel" || echo 0) + $(count "$serial" || echo 0) ))
before=$(( total - p_s ))  # install, lint-imports, bandit, services, and pytest's start (approximately)

results=bench/results/suite.md
if [ ! -f "$results" ]; then
  cat >"$results" <<'EOF'
# `make test` on a fresh clone (bench/suite.sh)

Each row: `git clone` of the commit, then `.ci/run` (= `make test`) in the clone, timed on the
wall clock, on the development machine (2 cores). Goal: at most 6 minutes (360 s). "Before pytest":
the whole run less the parallel phase — the virtualenv and its packages, import-linter, bandit, the
throwaway PostgreSQL and Redis, and pytest's start. The serial phase runs beside the parallel one.
The clone is fresh; the machine's package caches (uv's, pip's, apt's) are not emptied.

| date (UTC) | commit | result | whole run | before pytest | parallel phase | serial phase (beside) | tests passed | load average after | note |
|---|---|---|---|---|---|---|---|---|---|
EOF
fi
verdict=$([ $status -eq 0 ] && echo "passed" || echo "FAILED (exit $status)")
printf '| %s | %s | %s | %d s (%d min %02d s) | %d s | %s s | %s s | %d | %s | %s |\n' \
  "$(date -u +%Y-%m-%dT%H:%M)" "$commit" "$verdict" "$total" $((total / 60)) $((total % 60)) "$before" \
  "${p_s:-?}" "${s_s:-?}" "$tests" "$load" "$note" >>"$results"
tail -n 1 "$results"
if [ $status -ne 0 ]; then
  cp "$log" bench/results/suite-last.log
  echo "the run failed: its log is in bench/results/suite-last.log" >&2
fi
exit $status
