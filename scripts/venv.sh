# Shared by run_app.sh and run_tests.sh: create (or reuse) .venv and pip-install a requirements file.
# Usage: source scripts/venv.sh; ensure_venv requirements.txt   -> sets VENV_DIR and VENV_PY
PYTHON="${PYTHON:-python3}"
VENV_DIR="${VENV_DIR:-$(pwd)/.venv}"

_venv_log() { printf '[venv] %s\n' "$*"; }

_venv_sudo() {
    if [[ "$(id -u)" -eq 0 ]]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else
        _venv_log "need root or sudo to run: $*"; return 1; fi
}

ensure_venv() {
    local requirements="$1"
    command -v "$PYTHON" >/dev/null 2>&1 || { _venv_log "$PYTHON not found: install Debian's python3"; return 1; }
    if [[ -x "$VENV_DIR/bin/python" ]] && "$VENV_DIR/bin/python" -c "import sys" >/dev/null 2>&1; then
        _venv_log "reusing $VENV_DIR ($("$VENV_DIR/bin/python" --version))"
    else
        rm -rf "$VENV_DIR"
        if ! "$PYTHON" -m venv "$VENV_DIR" >/dev/null 2>&1; then
            _venv_log "the python venv module is missing: installing Debian's python3-venv"
            rm -rf "$VENV_DIR"
            local version
            version="$("$PYTHON" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
            _venv_sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q
            _venv_sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
                python3-venv "python${version}-venv" 2>/dev/null \
                || _venv_sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-venv
            "$PYTHON" -m venv "$VENV_DIR" || { _venv_log "could not create $VENV_DIR"; return 1; }
        fi
        _venv_log "created $VENV_DIR ($("$VENV_DIR/bin/python" --version))"
    fi
    VENV_PY="$VENV_DIR/bin/python"
    "$VENV_PY" -m pip install --disable-pip-version-check --progress-bar off -q -r "$requirements" \
        || { _venv_log "pip install -r $requirements failed (see pip's message above)"; return 1; }
    # OR-tools without its declared protobuf pin (see requirements-nodeps.txt for why)
    "$VENV_PY" -m pip install --disable-pip-version-check --progress-bar off -q --no-deps -r requirements-nodeps.txt \
        || { _venv_log "pip install --no-deps -r requirements-nodeps.txt failed (see pip's message above)"; return 1; }
}
