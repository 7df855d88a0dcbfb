#!/usr/bin/env bash
# Load runs (issue 25): a run over 10 million short documents and one over 20 GB of JSONL, each with lineage on,
# recording wall time, peak RSS and the lineage file's size, then timing every lineage question the README shows
# against the lineage they wrote (each must answer in under a second).
#
#   bench/load.sh [short|big|all]       # default: all
#
# The corpora are generated (bench/load_corpus.py, real lines of text from ../shared/corpora, one document in 50 an
# exact repeat) into $LOAD_DIR and removed afterwards unless LOAD_KEEP=1; they are not committed. The pipeline:
# length (at least 3 words) and exact dedup (a barrier with its reduce), zstd JSONL shards.
# Environment: WINNOW_BIN (default .build/release/winnow), LOAD_DIR (default /tmp/winnow-load), LOAD_DOCS (short:
# default 10000000), LOAD_GB (big: default 20), WORKERS (default 2), LOAD_RESULTS (default bench/results/load.jsonl).
# No reference tool runs here: datatrove keeps no per-document lineage to query, and its engine throughput on the
# same steps is measured in bench/engine.sh (at 5,704 documents/s with 2 workers, 10 M documents would take ~30 min).
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-all}
W=${WINNOW_BIN:-.build/release/winnow}
base=${LOAD_DIR:-/tmp/winnow-load}
results=${LOAD_RESULTS:-bench/results/load.jsonl}
workers=${WORKERS:-2}
stamp=$(date -u +%Y%m%dT%H%M%SZ)
[ -x "$W" ] || { echo "load.sh: build the release binary first (swift build -c release --product winnow)"; exit 2; }
[ -d ../shared/corpora ] || { echo "load.sh: needs ../shared/corpora (real text to generate from)"; exit 2; }
mkdir -p "$(dirname "$results")"

# seconds CMD...: runs CMD (output discarded), prints its wall seconds; fails the script if CMD fails.
seconds() {
  local t0 t1
  t0=$(date +%s.%N)
  "$@" > /dev/null
  t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }'
}

one() {
  local case=$1; shift
  local dir=$base/$case
  rm -rf "$dir/out" "$dir/spec.json"
  mkdir -p "$dir"
  if [ ! -f "$dir/data/.done-$*" ]; then
    rm -rf "$dir/data"
    local t
    t=$(seconds python3 bench/load_corpus.py "$dir/data" "$@" --files 16)
    echo "$case: generated $(cat "$dir"/data/part-*.jsonl | wc -l) documents in ${t} s"
    touch "$dir/data/.done-$*"
  fi
  local docs bytes
  docs=$(cat "$dir"/data/part-*.jsonl | wc -l)
  bytes=$(cat "$dir"/data/part-*.jsonl | wc -c)
  cat > "$dir/spec.json" <<EOF
{"name": "load-$case", "sources": [{"name": "generated", "paths": ["data/part-*.jsonl"]}],
 "steps": [{"type": "length", "min_words": 3}, {"type": "exact_dedup"}],
 "output": {"dir": "out", "compression": "zstd"}}
EOF
  echo "$case: winnow run, $docs documents, $((bytes / 1000000)) MB, $workers workers"
  local log; log=$(mktemp)
  /usr/bin/time -v "$W" run "$dir/spec.json" --workers "$workers" --quiet > "$log.out" 2> "$log" || { tail -20 "$log" "$log.out"; exit 1; }
  local wall rss
  wall=$(grep 'Elapsed (wall clock)' "$log" | awk '{print $NF}' | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
  rss=$(grep 'Maximum resident' "$log" | awk '{print $NF}')
  rm -f "$log" "$log.out"
  local db=$dir/out/lineage.db
  local lineage_mb; lineage_mb=$(du -m "$db" | cut -f1)
  # The README's lineage questions ("More questions, each one query"), plus explain and runs, on this lineage file.
  local id="load-$((docs / 2))"
  local -a names=(drop_reasons errors shard_1 shard_sources source_summary latest_drop_reasons runs explain)
  local -a q=()
  q+=("$(seconds "$W" lineage --db "$db" --run latest "select * from drop_reasons")")
  q+=("$(seconds "$W" lineage --db "$db" --run latest "select * from errors")")
  q+=("$(seconds "$W" lineage --db "$db" --run latest "select source, doc_id, position from shard_documents where shard = 1")")
  q+=("$(seconds "$W" lineage --db "$db" --run latest "select * from shard_sources")")
  q+=("$(seconds "$W" lineage --db "$db" --run latest --csv "select * from source_summary")")
  q+=("$(seconds "$W" lineage --db "$db" "select * from latest_drop_reasons")")
  q+=("$(seconds "$W" runs --db "$db")")
  q+=("$(seconds "$W" explain --db "$db" "$id")")
  local qjson="" slow=0 k
  for k in "${!names[@]}"; do
    qjson+="${qjson:+, }\"${names[$k]}\": ${q[$k]}"
    awk -v s="${q[$k]}" 'BEGIN { exit !(s >= 1) }' && { echo "$case: ${names[$k]} took ${q[$k]} s (goal: under 1 s)"; slow=1; }
  done
  local kept; kept=$("$W" lineage --db "$db" --run latest --csv "select count(*) from documents where status = 'kept'" | tail -1)
  printf '{"stamp": "%s", "case": "%s", "workers": %s, "documents": %s, "bytes": %s, "kept": %s, "wall_s": %s, "docs_per_s": %s, "mb_per_s": %s, "peak_rss_mb": %s, "lineage_mb": %s, "query_s": {%s}}\n' \
    "$stamp" "$case" "$workers" "$docs" "$bytes" "$kept" "$wall" \
    "$(awk -v d="$docs" -v w="$wall" 'BEGIN{printf "%.0f", d/w}')" "$(awk -v b="$bytes" -v w="$wall" 'BEGIN{printf "%.1f", b/1e6/w}')" \
    "$((rss / 1024))" "$lineage_mb" "$qjson" | tee -a "$results"
  [ "${LOAD_KEEP:-0}" = 1 ] || rm -rf "$dir"
  return $slow
}

status=0
case $mode in
  short) one short --docs "${LOAD_DOCS:-10000000}" || status=1 ;;
  big) one big --gb "${LOAD_GB:-20}" || status=1 ;;
  all) one short --docs "${LOAD_DOCS:-10000000}" || status=1; one big --gb "${LOAD_GB:-20}" || status=1 ;;
  *) echo "usage: bench/load.sh [short|big|all]"; exit 2 ;;
esac
exit $status
