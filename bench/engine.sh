#!/usr/bin/env bash
# Engine benchmark: read -> length -> write on a ~1 GB (uncompressed) gzip JSONL corpus, side by side with
# datatrove's JsonlReader -> filter -> JsonlWriter and with the read+parse floor. Prints one line per run
# (wall seconds, docs/s, peak RSS) and appends them to bench/results/engine.jsonl.
#
#   bench/engine.sh [CORPUS_DIR]        # default /tmp/winnow-bench/c1g (see bench/README.md to build it)
#   ANCHORS_PY=/tmp/anchors-venv/bin/python  (datatrove; skipped with a message when missing)
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=${1:-/tmp/winnow-bench/c1g}
W=${WINNOW_BIN:-.build/release/winnow}
PY=${ANCHORS_PY:-/tmp/anchors-venv/bin/python}
out=${BENCH_OUT:-/tmp/winnow-bench}/engine
results=bench/results/engine.jsonl
mkdir -p "$out" bench/results
[ -x "$W" ] || { echo "build first: swift build -c release"; exit 1; }
ls "$corpus"/part-*.jsonl.gz >/dev/null || { echo "no corpus in $corpus (see bench/README.md)"; exit 1; }
docs=$(zcat "$corpus"/part-*.jsonl.gz | wc -l)
mb=$(zcat "$corpus"/part-*.jsonl.gz | wc -c | awk '{printf "%.0f", $1/1e6}')
echo "corpus $corpus: $docs documents, $mb MB of JSONL (gzip on disk)"

cat > "$out/spec.json" <<JSON
{"name": "bench-engine", "sources": [{"name": "web", "paths": ["$corpus/part-*.jsonl.gz"]}],
 "steps": [{"type": "length", "min_chars": 200, "min_words": 40}],
 "output": {"dir": "$out/winnow", "compression": "none"}}
JSON

# measure (bench/lib.sh) times each run and records wall, docs/s and peak RSS.
source bench/lib.sh

# Repetitions are interleaved (floor, Winnow, datatrove, floor, ...) so machine noise hits all alike.
reps=${REPS:-3}
have_dt=1
"$PY" -c "import datatrove" 2>/dev/null || { have_dt=0; echo "datatrove not found at $PY: skipped (see bench/README.md)"; }
stamp=$(date -u +%Y%m%dT%H%M%SZ)
for r in $(seq 1 "$reps"); do
  measure "floor (read+parse) w1" "$W" bench floor --workers 1 "$corpus"/part-*.jsonl.gz
  measure "floor (read+parse) w2" "$W" bench floor --workers 2 "$corpus"/part-*.jsonl.gz
  for w in 1 2; do
    rm -rf "$out/winnow"
    measure "winnow w$w lineage" "$W" run "$out/spec.json" --workers $w --quiet
  done
  rm -rf "$out/winnow"
  measure "winnow w2 no-lineage" "$W" run "$out/spec.json" --workers 2 --quiet --no-lineage
  if [ $have_dt = 1 ] && [ "$r" -le "${DT_REPS:-1}" ]; then
    for w in 1 2; do
      measure "datatrove w$w" "$PY" bench/dt_read_write.py "$corpus" "$out/datatrove" --workers $w
    done
  fi
done
python3 bench/summarize.py "$results" "$stamp"
