#!/usr/bin/env bash
# Audit the installed Python dependencies for known vulnerabilities (pip-audit, PyPI's
# advisory data). --strict fails when a package could not be checked, so a blocked network
# never passes for a clean audit. Needs https://pypi.org/pypi/<name>/<version>/json.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh test
.venv/bin/pip-audit --strict --skip-editable --progress-spinner off "$@"
