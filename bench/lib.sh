# Shared by the bench scripts. measure LABEL CMD...: runs CMD under /usr/bin/time -v, prints and appends to
# $results one JSON line with wall seconds, docs/s and MB/s (over $docs and $mb) and peak RSS; $stamp prefixes
# the label so summarize.py can pick one session's runs.
measure() {
  local label=$1; shift
  local log; log=$(mktemp)
  /usr/bin/time -v "$@" >"$log.out" 2>"$log"
  local wall rss
  wall=$(grep 'Elapsed (wall clock)' "$log" | awk '{print $NF}' | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
  rss=$(grep 'Maximum resident' "$log" | awk '{print $NF}')
  awk -v l="$stamp $label" -v w="$wall" -v d="$docs" -v m="$mb" -v r="$rss" \
    'BEGIN{printf "{\"run\":\"%s\",\"wall_s\":%.2f,\"docs_per_s\":%.0f,\"mb_per_s\":%.3f,\"peak_rss_mb\":%.0f}\n", l, w, d/w, m/w, r/1024}' | tee -a "$results"
  rm -f "$log" "$log.out"
}

# Defaults every script shares: the Winnow binary and the bench venv's Python.
W=${WINNOW_BIN:-.build/release/winnow}
PY=${ANCHORS_PY:-/tmp/anchors-venv/bin/python}

# corpus_stats DIR: sets $docs and $mb for DIR's part-*.jsonl and prints them.
corpus_stats() {
  docs=$(cat "$1"/part-*.jsonl | wc -l)
  mb=$(cat "$1"/part-*.jsonl | wc -c | awk '{printf "%.1f", $1/1e6}')
  echo "corpus $1: $docs documents, $mb MB"
}
