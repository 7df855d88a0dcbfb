#!/usr/bin/env bash
# Quality benchmark: the four filters chained as FineWeb does (Gopher repetition → Gopher quality → C4 without
# its terminal-punctuation rule → FineWeb), Winnow and datatrove side by side on the same corpus, then the keep
# rate of each filter alone on ../shared/corpora web text for both tools. Appends to bench/results/quality.jsonl.
#
#   bench/quality.sh [CORPUS_DIR]    # a make_corpus.py folder of part-*.jsonl (default /tmp/c1000)
#   REPS=3 bench/quality.sh ...      # repetitions, interleaved (Winnow w1, Winnow w2, datatrove w2, again ...)
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=${1:-/tmp/c1000}
source bench/lib.sh
out=${BENCH_OUT:-/tmp/winnow-bench}/quality
results=bench/results/quality.jsonl
mkdir -p "$out" bench/results
corpus_stats "$corpus"
cat > "$out/spec.json" <<JSON
{"name": "bench-quality", "sources": [{"name": "web", "paths": ["$corpus/part-*.jsonl"]}],
 "steps": [{"type": "gopher_repetition"}, {"type": "gopher_quality"}, {"type": "c4_quality", "filter_no_terminal_punct": false},
           {"type": "fineweb_quality"}],
 "output": {"dir": "$out/winnow", "compression": "none"}}
JSON
stamp=$(date -u +%Y%m%dT%H%M%SZ)
have_dt=0
if "$PY" -c "import datatrove" 2>/dev/null; then have_dt=1; else echo "datatrove not found at $PY: skipped"; fi
for rep in $(seq "${REPS:-1}"); do
  for w in 1 2; do
    rm -rf "$out/winnow"
    measure "winnow w$w" "$W" run "$out/spec.json" --workers $w --quiet
  done
  echo "Winnow kept $(cat "$out"/winnow/shard-* | wc -l) documents"
  if [ $have_dt = 1 ]; then
    measure "datatrove w2" "$PY" ../shared/bench/anchors/dt_quality.py "$corpus" --workers 2 --out "$out/datatrove"
    echo "datatrove kept $( (zcat -f "$out"/datatrove/kept/* 2>/dev/null || true) | wc -l) documents"
  fi
done
"$PY" bench/quality_keep_rates.py "$W" ../shared/corpora/web_text_trafilatura_naive.jsonl.gz | tee -a bench/results/quality_keep_rates.txt
