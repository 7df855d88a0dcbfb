#!/usr/bin/env bash
# Near-duplicate removal: Winnow's `minhash_dedup` (5-word shingles, 14 bands × 8 rows, verify none) against
# datasketch MinHash(112) + MinHashLSH(14, 8) and datatrove's four MinHash stages with the same configuration,
# on a make_corpus.py folder; then recall and precision of each against the corpus's truth.jsonl
# (../shared/bench/anchors/eval_dedup.py), Winnow and datasketch for seeds 1–4 (the permutations are random draws).
# Appends to bench/results/minhash.jsonl.
#
#   bench/minhash.sh [CORPUS_DIR]        # default /tmp/c1000;  REPS=3 for interleaved repetitions
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=${1:-/tmp/c1000}
source bench/lib.sh
out=${BENCH_OUT:-/tmp/winnow-bench}/minhash
results=bench/results/minhash.jsonl
anchors=../shared/bench/anchors
mkdir -p "$out" bench/results
corpus_stats "$corpus"
spec() {  # spec SEED
  cat <<JSON
{"name": "bench-minhash", "sources": [{"name": "web", "paths": ["$corpus/part-*.jsonl"]}],
 "steps": [{"type": "minhash_dedup", "seed": $1}],
 "output": {"dir": "$out/winnow", "compression": "none"}}
JSON
}
removed_ids() {  # the near-duplicates of the last Winnow run, one {"id": …} per line
  "$W" lineage --db "$out/winnow/lineage.db" --csv "select doc_id from documents where reason = 'near_duplicate'" \
    | tail -n +2 | sed 's/.*/{"id": "&"}/' > "$out/winnow-removed.jsonl"
}
stamp=$(date -u +%Y%m%dT%H%M%SZ)
spec 1 > "$out/spec.json"
for rep in $(seq "${REPS:-1}"); do
  for w in 1 2; do
    rm -rf "$out/winnow"
    measure "winnow minhash w$w" "$W" run "$out/spec.json" --workers $w --quiet
  done
  for w in 1 2; do
    measure "datasketch w$w" "$PY" "$anchors/ds_minhash.py" "$corpus" --workers $w --out "$out/datasketch"
  done
  measure "datatrove minhash (4 stages) w2" "$PY" "$anchors/dt_minhash.py" "$corpus" --workers 2 --out "$out/datatrove"
done
echo "quality against truth.jsonl:"
for seed in 1 2 3 4; do
  spec $seed > "$out/spec-seed.json"
  rm -rf "$out/winnow"
  "$W" run "$out/spec-seed.json" --workers 2 --quiet > /dev/null
  removed_ids
  echo "winnow seed $seed: $("$PY" "$anchors/eval_dedup.py" "$corpus" "$out/winnow-removed.jsonl")" | tee -a "$results"
done
for seed in 1 2 3 4; do   # datasketch's permutations are random draws too (bench/ds_seeds.py: ds_minhash.py with a seed)
  "$PY" bench/ds_seeds.py "$corpus" "$out/ds-seed$seed" --seed $seed
  echo "datasketch seed $seed: $("$PY" "$anchors/eval_dedup.py" "$corpus" "$out/ds-seed$seed/removed.jsonl")" | tee -a "$results"
done
echo "datatrove: $("$PY" "$anchors/eval_dedup.py" "$corpus" "$out/datatrove/removed")" | tee -a "$results"
