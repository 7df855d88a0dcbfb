#!/usr/bin/env bash
# PII: Winnow's `pii` with datatrove PIIFormatter's kinds (email, ip) and with all its kinds, against datatrove's
# PIIFormatter (e-mail and public IPv4), on a make_corpus.py folder, and both tools' read-and-write floors (no
# step), so the detectors' own cost can be told apart. Appends to bench/results/pii.jsonl.
#
#   bench/pii.sh [CORPUS_DIR]        # default /tmp/c1000;  REPS=3 for interleaved repetitions
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=${1:-/tmp/c1000}
source bench/lib.sh
out=${BENCH_OUT:-/tmp/winnow-bench}/pii
results=bench/results/pii.jsonl
mkdir -p "$out" bench/results
corpus_stats "$corpus"
spec() {  # spec STEP_JSON
  cat <<JSON
{"name": "bench-pii", "sources": [{"name": "web", "paths": ["$corpus/part-*.jsonl"]}], "steps": [$1],
 "output": {"dir": "$out/winnow", "compression": "none"}}
JSON
}
spec '{"type": "pii", "kinds": ["email", "ip"]}' > "$out/email-ip.json"
# The text only, as datatrove's PIIFormatter scrubs it (the default also scrubs every string of the other fields).
spec '{"type": "pii", "kinds": ["email", "ip"], "fields": []}' > "$out/email-ip-text.json"
spec '{"type": "pii"}' > "$out/all.json"
sed 's/"steps": \[.*\],/"steps": [],/' "$out/all.json" > "$out/none.json"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
for rep in $(seq "${REPS:-1}"); do
  for w in 1 2; do
    rm -rf "$out/winnow"; measure "winnow pii email+ip w$w" "$W" run "$out/email-ip.json" --workers $w --quiet
    "$W" lineage --db "$out/winnow/lineage.db" --csv \
      "select round(sum(seconds), 3) as pii_step_seconds_email_ip_w$w from step_stats"
    rm -rf "$out/winnow"; measure "winnow pii email+ip text only w$w" "$W" run "$out/email-ip-text.json" --workers $w --quiet
    rm -rf "$out/winnow"; measure "winnow pii all kinds w$w" "$W" run "$out/all.json" --workers $w --quiet
    measure "datatrove PIIFormatter w$w" "$PY" ../shared/bench/anchors/dt_pii.py "$corpus" --workers $w --out "$out/datatrove"
    # The floors under both: read and write with nothing between.
    rm -rf "$out/winnow"; measure "winnow no steps w$w" "$W" run "$out/none.json" --workers $w --quiet
    measure "datatrove read+write only w$w" "$PY" bench/dt_read_write.py "$corpus" "$out/datatrove-rw" --workers $w \
      --tasks $w --glob 'part-*.jsonl' --pass-through
  done
done
