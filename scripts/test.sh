#!/usr/bin/env bash
# Set up and run the whole test suite: ruff, mypy, import contracts, pytest (SQLite always, PostgreSQL too when
# TEST_DATABASE_URL is set), browser tests in Debian's chromium, a benchmark smoke run, a
# short soak (faults injected, then every request accounted for) and the Flex plugin's tests.
# Installs what it needs: Python packages in .venv, chromium (apt), the plugin's npm packages.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh test || exit 1
if ! command -v chromium >/dev/null 2>&1; then
    echo "==> installing Debian's chromium for the browser tests"
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq && \
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null || {
            echo "could not install chromium" >&2; exit 1; }
fi
failed=()
echo "==> ruff"
.venv/bin/ruff check . || failed+=(ruff)
echo "==> mypy"
.venv/bin/mypy . || failed+=(mypy)
echo "==> import contracts (the dependency rule, docs/architecture.md)"
.venv/bin/lint-imports || failed+=(import-contracts)
echo "==> pytest${TEST_DATABASE_URL:+ (SQLite and PostgreSQL)}"
.venv/bin/pytest "$@" || failed+=(pytest)
echo "==> benchmark smoke run (a few seconds; checks the harness, never timings)"
bench_db=""
if [ -n "${TEST_DATABASE_URL:-}" ]; then
    bench_db="${TEST_DATABASE_URL%/*}/bench"   # a database of its own beside the test one
fi
BENCH_DATABASE_URL="$bench_db" bash bench/smoke.sh >/tmp/ussd-bench-smoke.log 2>&1 || {
    tail -30 /tmp/ussd-bench-smoke.log; failed+=(bench-smoke); }
echo "==> soak, short (workers killed, database away, Twilio failing: nothing lost or doubled)"
.venv/bin/python bench/soak.py --short >/tmp/ussd-soak-sqlite.log 2>&1 || {
    tail -30 /tmp/ussd-soak-sqlite.log; failed+=(soak-sqlite); }
if [ -n "${TEST_DATABASE_URL:-}" ]; then
    .venv/bin/python bench/soak.py --short --database postgresql \
        --database-url "${TEST_DATABASE_URL%/*}/soak" >/tmp/ussd-soak-pg.log 2>&1 || {
        tail -30 /tmp/ussd-soak-pg.log; failed+=(soak-postgresql); }
fi
if [ -f flex-plugin/package-lock.json ]; then
    echo "==> flex plugin"
    (cd flex-plugin && npm ci --no-audit --no-fund --loglevel=error && npm test) || failed+=(flex-plugin)
fi
echo "==> dependency audit (fails on a known vulnerability; says so when the advisory services are out of reach)"
bash scripts/audit.sh >/tmp/ussd-audit.log 2>&1
case $? in
    0) grep -E "^(python|npm):" /tmp/ussd-audit.log ;;
    2) grep -E "^(python|npm):|^audit:" /tmp/ussd-audit.log
       echo "    (not a failure here: the audit could not reach its services; see docs/security.md)" ;;
    *) tail -30 /tmp/ussd-audit.log; failed+=(audit) ;;
esac
if [ ${#failed[@]} -gt 0 ]; then
    echo "FAILED: ${failed[*]}" >&2
    exit 1
fi
echo "All tests passed."
