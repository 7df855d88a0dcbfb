#!/usr/bin/env bash
# Parquet in and out: ~1 GB of text as FineWeb-shaped Parquet (bench/parquet_make.py, pyarrow-written, 20,000 rows
# per row group), once ZSTD and once SNAPPY. Read → `length` → write, all on one core:
#   - Winnow: the parquet source → length → JSONL shards (lineage on; and --no-lineage), and → JSONL + Parquet shards;
#     `winnow bench floor --format parquet` is its reader alone (documents built, then discarded);
#   - pyarrow: read_table (one thread) and every text as a Python string with its length — the bulk read;
#   - datatrove: ParquetReader → LambdaFilter(length) → JsonlWriter, one worker.
# Peak RSS for each. Appends to bench/results/parquet.jsonl.
#
#   bench/parquet.sh          # MB=1000 REPS=1 by default
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
out=${BENCH_OUT:-/tmp/winnow-bench}/parquet
results=bench/results/parquet.jsonl
mkdir -p "$out" bench/results
stamp=$(date -u +%Y%m%dT%H%M%SZ)
[ -x "$PY" ] || { echo "no $PY: set up the bench venv (bench/README.md)"; exit 1; }
corpus=${CORPUS:-/tmp/c1000}
[ -d "$corpus" ] || { echo "no $corpus: ../shared/bench/make_corpus.py --out $corpus --mb 1000"; exit 1; }
for codec in ZSTD SNAPPY; do
  dir="$out/$codec"
  [ -f "$dir/made.json" ] || { rm -rf "$dir"; mkdir -p "$dir/in"; "$PY" bench/parquet_make.py "$corpus" "$dir/in" --mb "${MB:-1000}" --codec $codec > "$dir/made.json"; }
  cat "$dir/made.json"
  docs=$("$PY" -c "import json; print(json.load(open('$dir/made.json'))['rows'])")
  mb=$("$PY" -c "import json; print(json.load(open('$dir/made.json'))['text_mb'])")
  for f in jsonl parquet; do
    formats='["jsonl"]'; [ $f = parquet ] && formats='["jsonl", "parquet"]'
    cat > "$dir/$f.json" <<JSON
{"name": "bench-parquet", "sources": [{"name": "fw", "format": "parquet", "paths": ["$dir/in/*.parquet"]}],
 "steps": [{"type": "length", "min_chars": 1}], "output": {"dir": "$dir/run-$f", "compression": "none", "formats": $formats}}
JSON
  done
  for rep in $(seq "${REPS:-1}"); do
    measure "$codec winnow parquet reader alone (bench floor), 1 worker" "$W" bench floor --format parquet "$dir"/in/*.parquet
    rm -rf "$dir/run-jsonl"; measure "$codec winnow parquet → length → JSONL, lineage on, 1 worker" "$W" run "$dir/jsonl.json" --workers 1 --quiet
    rm -rf "$dir/run-jsonl"; measure "$codec winnow parquet → length → JSONL, --no-lineage, 1 worker" "$W" run "$dir/jsonl.json" --workers 1 --quiet --no-lineage
    rm -rf "$dir/run-parquet"; measure "$codec winnow parquet → length → JSONL + Parquet ($codec in, zstd out), lineage on, 1 worker" "$W" run "$dir/parquet.json" --workers 1 --quiet
    measure "$codec pyarrow read_table + every text as str with len(), 1 thread" "$PY" bench/parquet_read.py pyarrow "$dir/in"
    measure "$codec datatrove ParquetReader → length → JsonlWriter, 1 worker" "$PY" bench/parquet_read.py datatrove "$dir/in" "$dir/dt"
  done
  kept=$(cat "$dir"/run-jsonl/shard-*.jsonl | wc -l)
  dt=$(cat "$dir"/dt/kept/*.jsonl | wc -l)
  echo "{\"run\": \"$stamp $codec documents written: winnow $kept, datatrove $dt, of $docs rows\"}" | tee -a "$results"
done
