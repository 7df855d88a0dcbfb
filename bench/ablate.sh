#!/usr/bin/env bash
# One real ablation: raw text against the same text cleaned FineWeb-style (Gopher repetition and quality, C4,
# FineWeb's rules, exact and MinHash dedup), same tokenizer (the HF-trained 8,192 from bench/tokenizer.sh), same
# model, token budget and seed; losses on both runs' validation splits together, and on real news text from
# ../shared/corpora (a held-out set neither pipeline chose). Appends its tables to bench/results/ablate.txt.
#
#   bench/ablate.sh [INPUT_JSONL] [TOKENS]     # default /tmp/c1000/part-00000.jsonl, 300000
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
input=${1:-/tmp/c1000/part-00000.jsonl}
tokens=${2:-300000}
tok=${TOKENIZER:-/tmp/winnow-bench/tokenizer/hf-1.json}
out=${BENCH_OUT:-/tmp/winnow-bench}/ablate
mkdir -p "$out" bench/results
rm -rf "$out"/out-*
spec() {  # spec NAME STEPS_JSON
  cat > "$out/$1.json" <<JSON
{"name": "ablate-$1", "seed": 1, "sources": [{"name": "web", "paths": ["$input"]}], "steps": $2,
 "tokenizer": {"file": "$tok"}, "output": {"dir": "out-$1", "formats": ["jsonl", "llmc"], "val_fraction": 0.02}}
JSON
}
spec raw '[]'
spec clean '[{"type": "gopher_repetition"}, {"type": "gopher_quality"}, {"type": "c4_quality", "filter_no_terminal_punct": false},
  {"type": "fineweb_quality"}, {"type": "exact_dedup"}, {"type": "minhash_dedup"}]'
{ echo "## $(date -u +%Y%m%dT%H%M%SZ): $W ablate raw clean --tokens $tokens ($input), held-out: both validation splits"
  "$W" ablate "$out/raw.json" "$out/clean.json" --tokens "$tokens"; echo
  news=../shared/corpora/nltk_abc_news.jsonl.gz
  if [ -f "$news" ]; then
    echo "## held-out: $news"
    "$W" ablate "$out/raw.json" "$out/clean.json" --tokens "$tokens" --heldout "$news"; echo
  fi; } | tee -a bench/results/ablate.txt
