#!/usr/bin/env bash
# Run each fuzz target for a bounded time and print one summary line per target.
#
#   bash fuzz/run.sh                 # 60 s each: gateways, then engine
#   bash fuzz/run.sh 300             # 5 minutes each
#   bash fuzz/run.sh 120 engine      # one target
#   FUZZ_STRICT=1 bash fuzz/run.sh   # known bugs crash too (see fuzz/_harness.py)
#
# New inputs go to fuzz/corpus-work/<target>/ (ignored by git), crashes to
# fuzz/crashes/<target>/, the full libFuzzer log to /tmp/ussd-fuzz-<target>.log.
# Exit status 1 when a target crashed. Needs atheris: .venv/bin/pip install atheris
set -uo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(gateways engine)
py=.venv/bin/python
if ! "$py" -c "import atheris" 2>/dev/null; then
    echo "atheris is not installed: .venv/bin/pip install atheris" >&2
    exit 2
fi

status=0
summaries=()
for target in "${targets[@]}"; do
    work="fuzz/corpus-work/$target"
    crashes="fuzz/crashes/$target"
    log="/tmp/ussd-fuzz-$target.log"
    mkdir -p "$work" "$crashes"
    args=(-max_total_time="$seconds" -timeout=30 -rss_limit_mb=2048 -print_final_stats=1
          -artifact_prefix="$crashes/")
    case "$target" in
        gateways) args+=(-max_len=9000 -dict=fuzz/dicts/gateways.dict) ;;
        engine) args+=(-max_len=4096) ;;
    esac
    marker=$(mktemp)
    echo "==> $target for ${seconds}s (log: $log)"
    "$py" "fuzz/fuzz_$target.py" "$work" "fuzz/corpus/$target" "${args[@]}" >"$log" 2>&1
    rc=$?
    execs=$(grep -o 'stat::number_of_executed_units:[[:space:]]*[0-9]*' "$log" | awk '{print $2}' | tail -1)
    per_sec=$(grep -o 'stat::average_exec_per_sec:[[:space:]]*[0-9]*' "$log" | awk '{print $2}' | tail -1)
    last=$(grep -E '^#[0-9]+' "$log" | grep -E ' cov: ' | tail -1)
    cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
    ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
    corp=$(sed -n 's/.* corp: \([0-9]*\)\/.*/\1/p' <<<"$last")
    [ -z "$execs" ] && execs=$(sed -n 's/^#\([0-9]*\).*/\1/p' <<<"$last")
    new_crashes=$(find "$crashes" -newer "$marker" -type f \
        \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' -o -name 'leak-*' \) | wc -l)
    rm -f "$marker"
    known=$(grep -o 'KNOWN-BUG [^ ]* hits=[0-9]*' "$log" |
        awk '{split($3, h, "="); n[$2] = h[2]} END {for (k in n) {printf "%s%s>=%s", s, k, n[k]; s = ", "}}')
    line=$(printf '%-8s executions %s (%s/s), cov %s, features %s, corpus %s, crashes %s, known-bug hits: %s' \
        "$target" "${execs:-?}" "${per_sec:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$new_crashes" "${known:-none}")
    echo "$line"
    summaries+=("$line")
    if [ "$rc" -ne 0 ] || [ "$new_crashes" -gt 0 ]; then
        status=1
        echo "    libFuzzer exited $rc; the failure:"
        grep -E -A12 'Traceback|Uncaught Python exception|ERROR: libFuzzer' "$log" | head -40 | sed 's/^/    /'
    fi
done
echo
echo "==> summary"
printf '%s\n' "${summaries[@]}"
exit "$status"
