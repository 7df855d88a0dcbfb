#!/usr/bin/env bash
# Mixture and curriculum overhead: the same run (a tokenizer file, llm.c + Megatron token shards) with the
# token shards written in input order, and with a three-source mixture and a three-bucket readability
# curriculum (replay 0.1), on a ≥ 200 MB corpus (default /tmp/c220, its four files as three sources: web 30%
# down-sampled, books 30%, forum 40% up-sampled to 1.6 epochs).
# Appends to bench/results/mixture.jsonl.
#
#   bench/mixture.sh [CORPUS_DIR] [TOKENIZER_JSON]    # REPS=2 for interleaved repetitions
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=${1:-/tmp/c220}
tok=${2:-/tmp/winnow-bench/tokenizer/hf-1.json}
source bench/lib.sh
out=${BENCH_OUT:-/tmp/winnow-bench}/mixture
results=bench/results/mixture.jsonl
mkdir -p "$out" bench/results
corpus_stats "$corpus"
[ -f "$tok" ] || { echo "no tokenizer at $tok: run bench/tokenizer.sh first (or pass one)"; exit 1; }
spec() {  # spec EXTRA_JSON
  cat <<JSON
{"name": "bench-mixture", "seed": 1, "sources": [
  {"name": "web", "paths": ["$corpus/part-00000.jsonl", "$corpus/part-00001.jsonl"], "weight": 0.3},
  {"name": "books", "paths": ["$corpus/part-00002.jsonl"], "weight": 0.3},
  {"name": "forum", "paths": ["$corpus/part-00003.jsonl"], "weight": 0.4, "max_epochs": 2}],
 "tokenizer": {"file": "$tok"}$1,
 "output": {"dir": "$out/run", "formats": ["jsonl", "llmc", "megatron"], "compression": "none"}}
JSON
}
spec '' > "$out/plain.json"
spec ', "mixture": {}, "curriculum": {"score": "readability", "buckets": ["easy", "medium", "hard"], "replay": 0.1}' > "$out/mixed.json"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
for rep in $(seq "${REPS:-1}"); do
  for w in 1 2; do
    rm -rf "$out/run"; measure "input order w$w" "$W" run "$out/plain.json" --workers $w --quiet
    rm -rf "$out/run"; measure "mixture + curriculum w$w" "$W" run "$out/mixed.json" --workers $w --quiet
  done
done
"$W" mixture --db "$out/run/lineage.db"
"$W" shards inspect "$out/run" | tail -1
