#!/usr/bin/env bash
# A few seconds of the benchmark, to keep it working (CI): exits non-zero on any error
# (a wrong or missing reply, a socket error, an internal error in the app's log, a finished
# session without exactly one hand-off row), never on timings.
#
#   bash bench/smoke.sh                       # SQLite, app and baseline
#   BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench bash bench/smoke.sh
#                                             # ... and PostgreSQL (database re-created, dropped)
#
# Uses wrk when installed (installs Debian's wrk when run as root), else the stdlib
# asyncio client bench/loadgen.py.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || bash scripts/bootstrap.sh test
if ! command -v wrk >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null 2>&1 || {
        apt-get update -qq >/dev/null 2>&1 &&
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null 2>&1
    } || echo "bench/smoke.sh: could not install wrk; using bench/loadgen.py" >&2
fi
.venv/bin/python bench/run.py --smoke "$@"
if [ -n "${BENCH_DATABASE_URL:-}" ]; then
    .venv/bin/python bench/run.py --smoke --skip-baseline --database postgresql \
        --database-url "$BENCH_DATABASE_URL" --menu-nodes 5000 --stored-sessions 10000 \
        --twilio unreachable "$@"
fi
echo "bench smoke: ok"
