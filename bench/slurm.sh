#!/usr/bin/env bash
# Slurm (issue 20): the same pipeline as bench/stage-tasks.sh (FineWeb's filters, exact + MinHash dedup, PII, a
# trained tokenizer, llm.c shards; 59 partitions of the 85 MB web-like corpus), run as one `winnow run` with 2
# workers and through `winnow slurm` with --tasks 1, 2 and 4 (one CPU and one worker per task; the local cluster has
# 2 CPUs, so two tasks run at a time), on the real single-node Slurm of ../shared/slurm. Wall time of a Slurm run:
# from submission until the finish job has written finished.json. Then --tasks 12, whose finish job merges 64 task
# lineage files (5 partition-wide stages × 12 + 4 one-task stages), for the merge time it logs. Every Slurm run's
# shards must equal the single run's. Appends to bench/results/slurm.jsonl.
#
#   bench/slurm.sh [CORPUS_DIR]     # default /tmp/c1000; REPS=2
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=${1:-/tmp/c1000}
source bench/lib.sh
out=${BENCH_OUT:-/tmp/winnow-bench}/slurm
results=bench/results/slurm.jsonl
mkdir -p "$out" bench/results
stamp=$(date -u +%Y%m%dT%H%M%SZ)
corpus_stats "$corpus"
[ -x "$W" ] || { echo "build first: swift build -c release --product winnow"; exit 1; }
W=$(readlink -f "$W")
bash ../shared/slurm/local-slurm.sh start > /dev/null
export WINNOW_MODELS=$PWD/models

cat > "$out/spec.json" <<JSON
{"name": "bench-slurm", "seed": 1, "partition_bytes": 1500000, "on_error": "skip",
 "sources": [{"name": "web", "paths": ["$corpus/part-*.jsonl"]}],
 "steps": [{"type": "language", "keep": ["en"], "min_score": 0.65}, {"type": "gopher_repetition"}, {"type": "gopher_quality"},
           {"type": "c4_quality", "filter_no_terminal_punct": false}, {"type": "fineweb_quality"}, {"type": "exact_dedup"},
           {"type": "minhash_dedup"}, {"type": "pii", "kinds": ["email", "ip"], "keep_private_ips": true}],
 "tokenizer": {"train": {"vocab_size": 4096, "special_tokens": ["<|endoftext|>"]}},
 "output": {"dir": "$out/out", "compression": "zstd", "formats": ["jsonl", "llmc"], "val_fraction": 0.01}}
JSON
stages=$("$W" plan "$out/spec.json" --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["stages"]))')
shards() { (cd "$out/out" && find . -type f -name 'shard-*' | sort | xargs sha256sum); }

# slurm_run N: submit with --tasks N and wait (bounded) for finished.json.
slurm_run() {
  local n=$1 wd=$out/work-$1
  rm -rf "$out/out" "$wd"
  "$W" slurm "$out/spec.json" --workdir "$wd" --tasks "$n" --cpus-per-task 1 > /dev/null
  for _ in $(seq 1 3600); do
    [ -f "$wd/finished.json" ] && return 0
    if "$W" slurm status "$wd" | grep -q '^failed:'; then "$W" slurm status "$wd"; return 1; fi
    sleep 0.2
  done
  echo "timed out"; return 1
}
export -f slurm_run
reps=${REPS:-2}
for r in $(seq 1 "$reps"); do
  rm -rf "$out/out"
  measure "winnow run w2 (one process)" "$W" run "$out/spec.json" --workers 2 --quiet
  shards > "$out/single.shards"
  for n in 1 2 4; do
    measure "winnow slurm --tasks $n (1 CPU each, 2 at a time)" bash -c "W='$W' out='$out' slurm_run $n"
    shards | cmp -s - "$out/single.shards" || { echo "--tasks $n: shards differ from the single run's"; exit 1; }
  done
done
# The finish job's merge of 64 task lineage files.
slurm_run 12
shards | cmp -s - "$out/single.shards" || { echo "--tasks 12: shards differ"; exit 1; }
grep -o 'merged [0-9]* task lineage file(s) into .* in [0-9.]* s' "$out/work-12/slurm/logs/finish.log" | sed "s|into .* in|in|" |
  awk -v l="$stamp" '{printf "{\"run\":\"%s finish job: lineage merge of %d task files\",\"wall_s\":%s,\"docs_per_s\":0,\"mb_per_s\":0,\"peak_rss_mb\":0}\n", l, $2, $(NF-1)}' | tee -a "$results"
echo "stages: $stages"
python3 bench/summarize.py "$results" "$stamp"
python3 - "$results" "$stamp" "$stages" <<'PY'
import json, statistics, sys
path, stamp, stages = sys.argv[1], sys.argv[2], int(sys.argv[3])
runs = {}
for line in open(path):
    r = json.loads(line)
    if r["run"].startswith(stamp + " "):
        runs.setdefault(r["run"][len(stamp) + 1:], []).append(r["wall_s"])
single = statistics.median(runs["winnow run w2 (one process)"])
for n in (1, 2, 4):
    k = f"winnow slurm --tasks {n} (1 CPU each, 2 at a time)"
    if k in runs:
        s = statistics.median(runs[k])
        print(f"- --tasks {n}: {s:.1f} s against {single:.1f} s; overhead {(s - single) / stages:.2f} s per stage ({stages} stages + finish)")
PY
