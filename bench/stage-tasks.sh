#!/usr/bin/env bash
# Stage tasks (issue 19): the whole single-machine run before and after the executor redesign, and the overhead of
# running the same pipeline task by task (each task its own process, as on Slurm).
#
# The pipeline is FineWeb's order (language ID, Gopher repetition and quality, C4, FineWeb rules, exact and MinHash
# dedup, PII) with a trained tokenizer and llm.c token shards, on make_corpus.py's web-like corpus cut into ~64
# partitions (partition_bytes 1.5 MB), so stage 1 has ~64 tasks and --finish merges ~64 task lineage files per
# partition-wide stage.
#   1. before vs after: `winnow run` with 2 workers, the binary of BEFORE_REV (default db5a79e, the last commit
#      before the redesign; built into $out/before once, or BEFORE_BIN) against this checkout's release build,
#      repetitions interleaved; both must write the same shards.
#   2. task by task: every stage as TASKS tasks (default 12; a stage with fewer units of work runs that many), two
#      at a time (xargs -P 2, --workers 1 each: both cores, as the single run uses them), then --finish; the
#      outputs must equal the single run's. With 12 tasks the five partition-wide stages give 60 task lineage files
#      and the four one-unit stages 4: --finish merges 64.
#   3. per-task start-up: a task whose work is already complete (spec and fastText model loaded, marks read), and
#      the lineage merge time --finish reports.
# Appends to bench/results/stage-tasks.jsonl.
#
#   bench/stage-tasks.sh [CORPUS_DIR]     # default /tmp/c1000 (make_corpus.py --mb 1000: ~91 MB); REPS=3
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=${1:-/tmp/c1000}
source bench/lib.sh
out=${BENCH_OUT:-/tmp/winnow-bench}/stage-tasks
results=bench/results/stage-tasks.jsonl
mkdir -p "$out" bench/results
stamp=$(date -u +%Y%m%dT%H%M%SZ)
corpus_stats "$corpus"
[ -x "$W" ] || { echo "build first: swift build -c release --product winnow"; exit 1; }
[ -f models/lid.176.ftz ] || { echo "models/lid.176.ftz missing: make setup"; exit 1; }
rev=${BEFORE_REV:-db5a79e}
B=${BEFORE_BIN:-$out/before/.build/release/winnow}
if [ ! -x "$B" ]; then
  echo "building $rev into $out/before (once)"
  rm -rf "$out/before" && mkdir -p "$out/before"
  git archive "$rev" | tar -x -C "$out/before"
  (cd "$out/before" && swift build -c release --product winnow > build.log 2>&1)
fi
export WINNOW_MODELS=$PWD/models

spec() {  # spec OUTDIR
  cat <<JSON
{"name": "bench-stage-tasks", "seed": 1, "partition_bytes": 1500000, "on_error": "skip",
 "sources": [{"name": "web", "paths": ["$corpus/part-*.jsonl"]}],
 "steps": [{"type": "language", "keep": ["en"], "min_score": 0.65}, {"type": "gopher_repetition"}, {"type": "gopher_quality"},
           {"type": "c4_quality", "filter_no_terminal_punct": false}, {"type": "fineweb_quality"}, {"type": "exact_dedup"},
           {"type": "minhash_dedup"}, {"type": "pii", "kinds": ["email", "ip"], "keep_private_ips": true}],
 "tokenizer": {"train": {"vocab_size": 4096, "special_tokens": ["<|endoftext|>"]}},
 "output": {"dir": "$1", "compression": "zstd", "formats": ["jsonl", "llmc"], "val_fraction": 0.01}}
JSON
}
spec "$out/single" > "$out/single.json"
spec "$out/tasks" > "$out/tasks.json"
outputs() { (cd "$1" && find . -type f ! -name 'lineage.db*' ! -path './.winnow*' | sort | xargs sha256sum); }

reps=${REPS:-3}
ntasks=${TASKS:-12}
for r in $(seq 1 "$reps"); do
  rm -rf "$out/single"
  measure "before ($rev) w2" "$B" run "$out/single.json" --workers 2 --quiet
  outputs "$out/single" > "$out/before.sums"
  rm -rf "$out/single"
  measure "after w2" "$W" run "$out/single.json" --workers 2 --quiet
  outputs "$out/single" > "$out/after.sums"
  # The manifest names the spec's output dir, which is the same for both: every file must match.
  cmp -s "$out/before.sums" "$out/after.sums" || { echo "before and after wrote different outputs"; diff "$out/before.sums" "$out/after.sums"; exit 1; }
done

# Task by task with the same spec (another output dir, so the manifests differ only there).
tasks_run() {
  local wd=$out/workdir
  rm -rf "$out/tasks" "$wd"
  "$W" plan "$out/tasks.json" --json > "$out/plan.json"
  python3 -c 'import json,sys; [print(s["index"], s["tasks"]) for s in json.load(open(sys.argv[1]))["stages"]]' "$out/plan.json" |
  while read -r s k; do
    n=$(( k < ntasks ? k : ntasks ))
    seq 0 $((n - 1)) | xargs -P 2 -I{} "$W" run "$out/tasks.json" --workdir "$wd" --stage "$s" --task-index {} --task-count "$n" --workers 1 --quiet > /dev/null
  done
  "$W" run "$out/tasks.json" --workdir "$wd" --finish --quiet > /dev/null 2> "$out/finish.log"
}
for r in $(seq 1 "$reps"); do
  rm -rf "$out/single"
  measure "after w2 (single process)" "$W" run "$out/single.json" --workers 2 --quiet
  measure "task by task ($ntasks per stage, 2 at a time, w1 each) + finish" bash -c "$(declare -f tasks_run); W='$W' out='$out' ntasks=$ntasks tasks_run"
  grep -o 'merged [0-9]* task lineage file(s) into .* in [0-9.]* s' "$out/finish.log" | sed "s|into .* in|in|" |
    awk -v l="$stamp" '{printf "{\"run\":\"%s finish: lineage merge of %d task files\",\"wall_s\":%s,\"docs_per_s\":0,\"mb_per_s\":0,\"peak_rss_mb\":0}\n", l, $2, $(NF-1)}' | tee -a "$results"
done
(cd "$out/single" && find . -type f -name 'shard-*' | sort | xargs sha256sum) > "$out/single.shards"
(cd "$out/tasks" && find . -type f -name 'shard-*' | sort | xargs sha256sum) > "$out/tasks.shards"
cmp -s "$out/single.shards" "$out/tasks.shards" || { echo "task-by-task shards differ from the single run's"; exit 1; }
for f in llmc/train_000000.bin tokenizer.json; do cmp "$out/single/$f" "$out/tasks/$f"; done

# Start-up of one task process: stage 1 task 0, already complete (loads the spec and the fastText model, reads marks).
for i in 1 2 3 4 5; do
  measure "task start-up (already complete)" "$W" run "$out/tasks.json" --workdir "$out/workdir" --stage 1 --task-index 0 --task-count "$ntasks"
done
python3 bench/summarize.py "$results" "$stamp"
