#!/usr/bin/env bash
# Install tokviz's dependencies into .venv and launch the app on its embedded default tokenizers.
#
#   ./run_app.sh                     # http://localhost:8501
#   ./run_app.sh --server.port 9000  # extra arguments go to `streamlit run`
#
# Needs only python3 (Debian's python3-venv is installed with apt when the venv module is missing).
# No model hub, no flags: the eight default tokenizers ship inside the pip packages it installs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
source scripts/venv.sh
ensure_venv requirements.txt
exec "$VENV_DIR/bin/python" -m streamlit run app.py --browser.gatherUsageStats false "$@"
