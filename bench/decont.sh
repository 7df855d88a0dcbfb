#!/usr/bin/env bash
# Decontamination (issue 24), one run for every figure bench/RESULTS.md quotes: recall and false positives on real
# documents with MMLU items inserted and perturbed, beside datatrove's NGramsDecontFilter (bench/decont_recall.py),
# then throughput and memory with eval sets of each size in SIZES, beside datatrove on one thread each
# (bench/decont_speed.py); then, for the largest set, which documents each tool flags and why they differ
# (bench/decont_differences.py). Appends to bench/results/decont.jsonl, decont_speed.jsonl, decont_differences.jsonl.
#
#   bench/decont.sh                      # SIZES="10000 1000000"
#   SIZES=10000 bench/decont.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
stamp=$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p bench/results
"$PY" bench/decont_recall.py "$W" --docs 2000 --json bench/results/decont.jsonl --stamp "$stamp"
for n in ${SIZES:-10000 1000000}; do
  "$PY" bench/decont_speed.py "$W" --items "$n" --json bench/results/decont_speed.jsonl --stamp "$stamp"
done
"$PY" bench/decont_differences.py "$W" --items "$n" --json bench/results/decont_differences.jsonl --stamp "$stamp"
