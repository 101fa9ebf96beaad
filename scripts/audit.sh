#!/usr/bin/env bash
# Audit the dependencies for known vulnerabilities, one line of summary per ecosystem:
#   python: pip-audit on .venv against PyPI's JSON API (its default service; it needs
#           https://pypi.org/pypi/<name>/<version>/json);
#   npm:    `npm audit` of flex-plugin's production dependencies, from package-lock.json
#           (the registry's POST /-/npm/v1/security/advisories/bulk).
# Exit status: 0 nothing known; 1 a vulnerability was found (npm: high or critical);
# 2 an audit could not be completed (service unreachable or refusing, a package that could
# not be checked, a tool missing). A blocked network never passes for a clean audit.
# Extra arguments go to pip-audit, e.g. --ignore-vuln GHSA-xxxx-xxxx-xxxx.
set -uo pipefail
cd "$(dirname "$0")/.."
PIP_AUDIT="${PIP_AUDIT:-.venv/bin/pip-audit}"
NPM="${NPM:-npm}"

bash scripts/bootstrap.sh test >&2 || {
    echo "audit: could not set up .venv (scripts/bootstrap.sh test failed)" >&2
    exit 2
}
PY=.venv/bin/python
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
status=0 # 0 clean, 1 vulnerable, 2 incomplete (1 wins over 2: a finding needs action)
record() { # record STATUS
    if [ "$1" -eq 1 ]; then
        status=1
    elif [ "$1" -eq 2 ] && [ "$status" -eq 0 ]; then
        status=2
    fi
}
summaries=()

# -- Python -----------------------------------------------------------------------------------
echo "==> pip-audit (PyPI JSON API)" >&2
"$PIP_AUDIT" --skip-editable --progress-spinner off --vulnerability-service pypi \
    --format json --output "$work/pip.json" "$@" 2>"$work/pip.err"
pip_rc=$?
line="$("$PY" - "$work/pip.json" "$pip_rc" "$work/pip.err" <<'EOF'
import json, sys
path, rc, err = sys.argv[1], int(sys.argv[2]), sys.argv[3]
try:
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
except (OSError, ValueError):
    with open(err, encoding="utf-8", errors="replace") as fh:
        for text in [t for t in fh.read().splitlines() if t.strip()][-2:]:
            print("   " + text[:300], file=sys.stderr)
    print(f"2|python: pip-audit failed (exit {rc}) without a report: PyPI unreachable?")
    sys.exit()
deps = data.get("dependencies", [])
checked = [d for d in deps if "skip_reason" not in d]
skipped = [d for d in deps if "skip_reason" in d and "editable" not in d["skip_reason"]]
vulnerable = [d for d in checked if d.get("vulns")]
for d in vulnerable:
    for v in d["vulns"]:
        fix = ", ".join(v.get("fix_versions") or []) or "none yet"
        print(f"   {d['name']} {d['version']}: {v['id']} (fixed in {fix})", file=sys.stderr)
count = sum(len(d["vulns"]) for d in vulnerable)
if vulnerable:
    status, text = 1, f"{count} known vulnerabilit{'y' if count == 1 else 'ies'} in " \
        f"{len(vulnerable)} of {len(checked)} packages checked"
elif skipped and not checked:
    print("   " + skipped[0]["skip_reason"], file=sys.stderr)
    status, text = 2, f"could not check any of {len(skipped)} packages: PyPI's " \
        "vulnerability API (pypi.org/pypi/<name>/<version>/json) is unreachable or refused"
elif rc != 0:
    status, text = 2, f"pip-audit failed (exit {rc})"
else:
    status, text = 0, f"no known vulnerabilities in {len(checked)} packages"
if skipped and checked:
    status = status or 2
    names = ", ".join(d["name"] for d in skipped[:8]) + (", …" if len(skipped) > 8 else "")
    text += f"; {len(skipped)} could not be checked ({names})"
print(f"{status}|python: {text}")
EOF
)"
record "${line%%|*}"
summaries+=("${line#*|}")

# -- npm (flex-plugin) ------------------------------------------------------------------------
echo "==> npm audit (flex-plugin, production dependencies)" >&2
if [ ! -f flex-plugin/package-lock.json ]; then
    record 2
    summaries+=("npm: flex-plugin/package-lock.json is missing")
elif ! command -v "$NPM" >/dev/null 2>&1; then
    record 2
    summaries+=("npm: npm is not installed (Debian: apt-get install npm)")
else
    (cd flex-plugin && "$NPM" audit --omit=dev --audit-level=high --json) \
        >"$work/npm.json" 2>"$work/npm.err"
    npm_rc=$?
    line="$("$PY" - "$work/npm.json" "$npm_rc" <<'EOF'
import json, sys
path, rc = sys.argv[1], int(sys.argv[2])
try:
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
except (OSError, ValueError):
    data = {}
meta = data.get("metadata", {}).get("vulnerabilities")
if "error" in data or meta is None:
    reason = data.get("message") or (data.get("error") or {}).get("summary") or f"exit {rc}"
    print(f"2|npm: the registry's audit service is unreachable or refused ({reason})")
    sys.exit()
for name, v in sorted(data.get("vulnerabilities", {}).items()):
    if v.get("severity") in ("high", "critical"):
        fix = "fix available" if v.get("fixAvailable") else "no fix yet"
        print(f"   {name} {v.get('range', '')}: {v['severity']} ({fix})", file=sys.stderr)
deps = data.get("metadata", {}).get("dependencies", {}).get("prod", "?")
levels = ("critical", "high", "moderate", "low")
counts = ", ".join(f"{meta.get(k, 0)} {k}" for k in levels)
status = 1 if meta.get("critical", 0) or meta.get("high", 0) else 0
print(f"{status}|npm: {counts} in {deps} production dependencies of flex-plugin")
EOF
)"
    record "${line%%|*}"
    summaries+=("${line#*|}")
    if [ "${line%%|*}" -eq 2 ]; then
        grep -v '^$' "$work/npm.err" | grep -v 'Unknown user config' | tail -3 | sed 's/^/   /' >&2
    fi
fi

# -- summary ----------------------------------------------------------------------------------
for summary in "${summaries[@]}"; do
    echo "$summary"
done
case "$status" in
    1) echo "audit: vulnerabilities found (exit 1)" >&2 ;;
    2) echo "audit: INCOMPLETE, an audit could not run (exit 2): not a clean result" >&2 ;;
    *) echo "audit: clean" >&2 ;;
esac
exit "$status"
