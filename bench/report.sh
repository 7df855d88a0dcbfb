#!/usr/bin/env bash
# The run report and the decoding study on the quickstart: run, train (the spec's 300 steps), sweep the decoding
# settings, write the report; check the page with scripts/check-report.py; render it with headless Chromium from
# Debian (apt-get install chromium) at 1280 px and at phone width (390 px), light and dark, and check that no
# screenshot is blank (bench/png_check.py). Writes docs/decoding-quickstart.svg (the README's chart) and appends
# the timings to bench/results/report.jsonl. No reference tool makes this page (datatrove, dolma and NeMo Curator
# have none; data-juicer's needs a Streamlit server), so the timings are Winnow's alone; the sweep's creativity
# metrics are recomputed from its samples by NLTK and plain Python (bench/sweep_parity.py).
#
# `bench/report.sh scale [DOCS]` instead times the report of a run over DOCS (default 1,000,000) short documents
# of real text (load_corpus.py; length, Gopher repetition, exact dedup, a trained tokenizer), where every query of
# the page reads that many lineage rows.
#
#   bench/report.sh            # WINNOW_BIN=... to use another binary; OUT=/tmp/... for the work folder
#   bench/report.sh scale 1000000
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
if [ "${1:-}" = scale ]; then
  n=${2:-1000000}
  out=${OUT:-/tmp/winnow-bench/report-scale}
  results=bench/results/report.jsonl
  stamp=$(date -u +%Y%m%dT%H%M%SZ)
  rm -rf "$out" && mkdir -p "$out"
  python3 bench/load_corpus.py "$out/data" --docs "$n" --files 4
  cat > "$out/spec.json" <<JSON
{"name": "report-scale", "sources": [{"name": "web", "paths": ["data/part-00000.jsonl", "data/part-00001.jsonl"]}, {"name": "news", "paths": ["data/part-00002.jsonl", "data/part-00003.jsonl"]}],
 "steps": [{"type": "length", "min_chars": 40}, {"type": "gopher_repetition"}, {"type": "exact_dedup"}],
 "tokenizer": {"train": {"vocab_size": 4096}}, "output": {"dir": "out", "formats": ["jsonl", "llmc"], "val_fraction": 0.01}}
JSON
  docs=$n; mb=$(du -sm "$out/data" | cut -f1)
  measure "run for the report, $n short documents ($(nproc) workers)" "$W" run "$out/spec.json" --quiet
  measure "report of $n documents (1 thread)" "$W" report --spec "$out/spec.json" -o "$out/report.html"
  python3 scripts/check-report.py "$out/report.html" | tail -1
  ls -la "$out/report.html"
  exit 0
fi
out=${OUT:-/tmp/winnow-bench/report}
results=bench/results/report.jsonl
command -v chromium >/dev/null || { echo "no chromium: apt-get install chromium"; exit 1; }
[ -x "$W" ] || { echo "no $W: make build (or set WINNOW_BIN)"; exit 1; }
rm -rf "$out" && mkdir -p "$out/pipelines" bench/results
cp pipelines/quickstart.json "$out/pipelines/"
ln -s "$PWD/examples" "$out/examples"
spec=$out/pipelines/quickstart.json
stamp=$(date -u +%Y%m%dT%H%M%SZ)

"$W" run "$spec" --quiet
db=$out/out/quickstart/lineage.db
docs=$("$W" lineage --db "$db" --csv "select docs_in + docs_error from runs" | tail -1)
mb=$("$W" lineage --db "$db" --csv "select round(sum(size) / 1e6, 3) from inputs" | tail -1)
measure "train quickstart (300 steps, $(nproc) threads)" "$W" train "$spec" --quiet
measure "sample --sweep (9 settings × 8 prompts × 4 samples × 32 tokens)" \
  "$W" sample "$out/out/quickstart/model.ckpt" --sweep --svg "$out/decoding.svg"
"$W" sample "$out/out/quickstart/model.ckpt" --sweep --json --samples-out "$out/samples.jsonl" > "$out/sweep.json" 2>/dev/null
# The creativity metrics again from the samples, by NLTK and plain Python (bench venv: pip install nltk==3.9.1).
if "$PY" -c "import nltk" 2>/dev/null; then
  "$PY" bench/sweep_parity.py "$out/sweep.json" "$out/samples.jsonl" "$out/out/quickstart" | tail -1 | tee -a bench/results/sweep_parity.jsonl
else
  echo "no nltk in $PY: skipping the metric parity check (pip install nltk==3.9.1 in the bench venv)"
fi
measure "report quickstart (1 thread)" "$W" report --spec "$spec" -o "$out/report.html"
python3 scripts/check-report.py "$out/report.html" --sections overview,funnel,drops,mixture,languages,quality,duplicates,contamination,curriculum,shards,training,decoding,spec

shot() {  # shot NAME WIDTH HEIGHT [chromium flags]
  local name=$1 w=$2 h=$3; shift 3
  chromium --headless --no-sandbox --disable-gpu --hide-scrollbars "$@" --window-size="$w,$h" \
    --screenshot="$out/$name.png" "file://$out/report.html" 2>/dev/null >/dev/null
}
shot report-1280 1280 6000
shot report-390 390 9000
shot report-1280-dark 1280 6000 --force-dark-mode
shot report-390-dark 390 9000 --force-dark-mode
python3 bench/png_check.py "$out"/report-*.png | tee "$out/png_check.txt"
cp "$out/decoding.svg" docs/decoding-quickstart.svg
echo "report: $out/report.html; screenshots: $out/report-*.png; chart: docs/decoding-quickstart.svg"
