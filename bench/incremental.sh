#!/usr/bin/env bash
# Incremental runs: the second night of a nightly pipeline (exact + MinHash dedup) on a make_corpus.py folder —
# night 1 reads part-00000..2, night 2 adds part-00003 — against what a user without incremental runs does each
# night: run the whole chain again over everything (Winnow non-incremental; datatrove's four MinHash stages, which
# have no cross-run index). Also: Winnow on the new part alone (the floor: no earlier versions to check against),
# a night with nothing new, and whether the incremental dataset equals the full run's (same documents kept).
# Inputs are cut into 8 MiB partitions, so one new file keeps both cores busy as the full run's four do.
# Appends to bench/results/incremental.jsonl.
#
#   bench/incremental.sh [CORPUS_DIR]      # default /tmp/c1000 (four part-*.jsonl files); REPS=3 to repeat
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=${1:-/tmp/c1000}
source bench/lib.sh
out=${BENCH_OUT:-/tmp/winnow-bench}/incremental
results=bench/results/incremental.jsonl
anchors=../shared/bench/anchors
mkdir -p "$out" bench/results
stamp=$(date -u +%Y%m%dT%H%M%SZ)
parts=("$corpus"/part-0000[0-3].jsonl)
[ ${#parts[@]} -eq 4 ] || { echo "need part-00000..3.jsonl in $corpus"; exit 1; }
spec() {  # spec NAME DATA_GLOB INCREMENTAL
  cat <<JSON
{"name": "$1", "sources": [{"name": "web", "paths": ["$2"]}],
 "steps": [{"type": "length", "min_words": 5}, {"type": "exact_dedup"}, {"type": "minhash_dedup"}],
 "output": {"dir": "$out/$1"}, "incremental": $3, "partition_bytes": 8388608}
JSON
}
for rep in $(seq "${REPS:-1}"); do
  rm -rf "$out/nightly" "$out/data" "$out/full" "$out/alone"
  mkdir -p "$out/data" "$out/new"
  ln -sf "${parts[0]}" "${parts[1]}" "${parts[2]}" "$out/data/"
  ln -sf "${parts[3]}" "$out/new/"
  spec nightly "$out/data/*.jsonl" true > "$out/nightly.json"
  spec full "$out/data/*.jsonl" false > "$out/full.json"
  spec alone "$out/new/*.jsonl" false > "$out/alone.json"
  docs=$(cat "${parts[3]}" | wc -l); mb=$(wc -c < "${parts[3]}" | awk '{printf "%.1f", $1/1e6}')
  "$W" run "$out/nightly.json" --workers 2 --quiet > /dev/null 2>&1           # night 1
  ln -sf "${parts[3]}" "$out/data/"
  measure "winnow incremental night 2 (new part only, against night 1's indexes) w2" "$W" run "$out/nightly.json" --workers 2 --quiet
  measure "winnow nothing new w2" "$W" run "$out/nightly.json" --workers 2 --quiet
  measure "winnow new part alone (no earlier versions) w2" "$W" run "$out/alone.json" --workers 2 --quiet
  docs=$(cat "${parts[@]}" | wc -l); mb=$(cat "${parts[@]}" | wc -c | awk '{printf "%.1f", $1/1e6}')
  measure "winnow full rerun, all four parts w2" "$W" run "$out/full.json" --workers 2 --quiet
  if [ -x "$PY" ]; then
    rm -rf "$out/dt-in" && mkdir -p "$out/dt-in" && ln -sf "${parts[@]}" "$out/dt-in/"
    measure "datatrove minhash (4 stages), all four parts w2" "$PY" "$anchors/dt_minhash.py" "$out/dt-in" --workers 2 --out "$out/datatrove"
  else
    echo "datatrove skipped: no $PY (see ../shared/bench/README.md)"
  fi
done
# Same dataset? The kept documents of versions 1 + 2 against the full run's.
inc=$("$W" lineage --db "$out/nightly/lineage.db" --csv "select doc_id from dataset_documents order by doc_id" | tail -n +2 | sha256sum | cut -c1-16)
incn=$("$W" lineage --db "$out/nightly/lineage.db" --csv "select count(*) from dataset_documents" | tail -1)
fulln=$("$W" lineage --db "$out/full/lineage.db" --csv "select count(*) from documents where status = 'kept'" | tail -1)
full=$("$W" lineage --db "$out/full/lineage.db" --csv "select doc_id from documents where status = 'kept' order by doc_id" | tail -n +2 | sha256sum | cut -c1-16)
both=$(comm -12 <("$W" lineage --db "$out/nightly/lineage.db" --csv "select doc_id from dataset_documents order by doc_id" | tail -n +2) \
                <("$W" lineage --db "$out/full/lineage.db" --csv "select doc_id from documents where status = 'kept' order by doc_id" | tail -n +2) | wc -l)
dups=$("$W" lineage --db "$out/nightly/lineage.db" --csv "select duplicates_of_earlier from version_history where version = 2" | tail -1)
echo "{\"run\": \"$stamp dataset\", \"incremental_kept\": $incn, \"full_kept\": $fulln, \"in_both\": $both, \"same\": $([ "$inc" = "$full" ] && echo true || echo false), \"night2_duplicates_of_night1\": $dups}" | tee -a "$results"
