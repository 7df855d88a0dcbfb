#!/usr/bin/env bash
# Crash loop (issue 25): SIGKILL at N random moments, restart, and the result must be what an unkilled run gives.
#
#   bench/crash-loop.sh N [run|train|tasks|incremental|all]     # default: all; N kills for each
#
# The corpus is real text from ../shared/corpora (news, web pages, movie reviews, Portuguese news, the Declaration
# in ~400 languages; CRASH_SOURCES to choose), written as plain JSONL into the work folder and cut into ~1 MB
# partitions. The pipeline: language ID (lid.176.ftz), Gopher repetition and quality, FineWeb's rules, exact and
# MinHash dedup (two barriers with a reduce each), PII, a trained tokenizer, JSONL and llm.c token shards.
#
# - run:   `winnow run` killed at a uniformly random moment of its reference duration (1 to 3 times in a trial), started
#          again each time, then run to its end. Every trial must end with the reference run's files byte for byte
#          (shards, token shards, tokenizer, manifest), the same documents and document_tokens lineage rows, and
#          exactly one documents row per input line.
# - train: `winnow train` on the reference run's token shards (a small model, a checkpoint every 5 steps) killed the
#          same way and continued with --resume from its checkpoint each time: the final checkpoint must equal the
#          unkilled training's byte for byte (same weights, optimizer state and step).
# - tasks: the same pipeline as stage tasks (`winnow run --stage S --task-index I --task-count 3`, one process each,
#          then --finish); a random task or the finish is killed and run again, and the outputs must equal the
#          reference's.
# - incremental: the same pipeline with "incremental": true. A first night over the first half of the corpus files is run once;
#          each trial starts from a copy of its output folder, adds the other files and runs the second night, killed
#          the same way (reading the new inputs, the reduces against the first night's dedup index, the version's
#          shards and token shards, the incremental finish: cumulative manifest, `latest`, dataset_versions) and
#          started again. Every trial must end with the unkilled second night's files and lineage rows, and one
#          documents row per new input line.
# Each kill's moment is classified by the killed process's last log line (reading, a barrier's reduce, shard writing,
# the tokenizer, token encoding, the finish). Appends one JSON line per mode to $CRASH_RESULTS
# (default bench/results/crash-loop.jsonl); exits non-zero on the first mismatch, keeping its files.
#
# Environment: WINNOW_BIN (default .build/release/winnow), CRASH_OUT (work folder, default /tmp/winnow-crash),
# CRASH_SEED (default 1), CRASH_SOURCES (corpus files without .jsonl.gz).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:?usage: bench/crash-loop.sh N [run|train|tasks|incremental|all]}
mode=${2:-all}
W=$(realpath "${WINNOW_BIN:-.build/release/winnow}")
out=$(realpath -m "${CRASH_OUT:-/tmp/winnow-crash}")
results=${CRASH_RESULTS:-bench/results/crash-loop.jsonl}
corpora=../shared/corpora
sources=${CRASH_SOURCES:-"nltk_abc_news nltk_webtext nltk_movie_reviews nltk_mac_morpho_pt_detok nltk_udhr2"}
RANDOM=${CRASH_SEED:-1}
stamp=$(date -u +%Y%m%dT%H%M%SZ)
[ -x "$W" ] || { echo "crash-loop: no winnow binary at $W (swift build -c release --product winnow)"; exit 1; }
[ -d "$corpora" ] || { echo "crash-loop: $corpora is absent"; exit 1; }
[ -f models/lid.176.ftz ] || { echo "crash-loop: models/lid.176.ftz is missing: make setup"; exit 1; }
export WINNOW_MODELS=$PWD/models
mkdir -p "$out/corpus" "$(dirname "$results")"

inputs=()
for s in $sources; do
  [ -s "$out/corpus/$s.jsonl" ] || gzip -dc "$corpora/$s.jsonl.gz" > "$out/corpus/$s.jsonl"
  inputs+=("$out/corpus/$s.jsonl")
done

spec() {  # spec OUTDIR
  cat <<JSON
{"name": "crash-loop", "seed": 1, "partition_bytes": 1000000, "on_error": "skip",
 "sources": [{"name": "corpus", "paths": ["$out/corpus/*.jsonl"]}],
 "steps": [{"type": "language", "min_score": 0.5}, {"type": "gopher_repetition"}, {"type": "gopher_quality", "thresholds": "fineweb2"},
           {"type": "fineweb_quality"}, {"type": "exact_dedup"}, {"type": "minhash_dedup"}, {"type": "pii", "kinds": ["email", "ip"]}],
 "tokenizer": {"train": {"vocab_size": 2048, "special_tokens": ["<|endoftext|>"]}},
 "output": {"dir": "$1", "compression": "zstd", "formats": ["jsonl", "llmc"], "val_fraction": 0.02, "shard_docs": 2000}}
JSON
}
spec "$out/run" > "$out/run.json"
# The incremental pipeline: the same, reading $out/incr/*.jsonl (symbolic links to the corpus files, so every trial
# sees the same sizes and modification times).
spec "$out/incr-run" | sed -e "s#\"seed\": 1,#\"seed\": 1, \"incremental\": true,#" -e "s#$out/corpus/\*.jsonl#$out/incr/*.jsonl#" > "$out/incr.json"
check() { python3 bench/crash_check.py "$1" --inputs "${inputs[@]}"; }

# delay SECONDS: a uniformly random moment in (0, SECONDS).
delay() { awk -v t="$1" -v r="$RANDOM" 'BEGIN { printf "%.3f", t * (r + 1) / 32769 }'; }

# phase LOG: where the killed process was, from the last thing it logged.
phase() {
  local last; last=$(tr '\r' '\n' < "$1" | grep -v '^\s*$' | tail -1 || true)
  case "$last" in
    ""|"resuming run "*|"took over the lock"*|"version "*" of the series "*|"version 1 "*) echo "start / stage 1 (reading, steps)" ;;
    *"documents dropped"*) echo "barrier reduce" ;;
    "reduce "*" done"*) echo "stage after a reduce (reading, steps)" ;;
    "stage "*" done"*) echo "next stage or shard writing" ;;
    "shards done"*) echo "tokenizer training" ;;
    "tokenizer: training"*|"tokenizer: the series' own"*) echo "tokenizer training / token encoding" ;;
    "token shards done"*) echo "finish (lineage commit, manifest)" ;;
    *"step "*) echo "training step" ;;
    *) echo "other: ${last:0:60}" ;;
  esac
}
declare -A phases
note_phase() { local p; p=$(phase "$1"); phases[$p]=$(( ${phases[$p]:-0} + 1 )); }
phases_json() {
  local first=1; printf '{'
  for k in "${!phases[@]}"; do [ $first = 1 ] || printf ', '; first=0; printf '"%s": %d' "$k" "${phases[$k]}"; done
  printf '}'
}

# attempt LOG DELAY CMD...: starts CMD, kills it with SIGKILL after DELAY seconds; returns 0 when the kill landed,
# 1 when CMD had already finished (its exit status must then be 0).
attempt() {
  local log=$1 d=$2; shift 2
  "$@" > "$log" 2>&1 &
  local pid=$!
  sleep "$d"
  kill -9 "$pid" 2>/dev/null || true
  local rc=0
  { wait "$pid"; } 2>/dev/null || rc=$?
  if [ "$rc" = 137 ]; then return 0; fi
  [ "$rc" = 0 ] || { echo "crash-loop: '$*' exited $rc after a restart:"; tail -20 "$log"; exit 1; }
  return 1
}

# kill_some SECONDS CMD...: 1 to 3 times (while kills remain), starts CMD and SIGKILLs it at a random moment of
# SECONDS, counting the kill and its phase; stops early when CMD finished before its kill.
kill_some() {
  local d=$1; shift
  local want=$((1 + RANDOM % 3))
  for _ in $(seq "$want"); do
    [ "$kills" -lt "$N" ] || break
    if attempt "$out/attempt.log" "$(delay "$d")" "$@"; then
      kills=$((kills + 1)); note_phase "$out/attempt.log"
    else
      break
    fi
  done
}

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }

# ---- reference run ----
rm -rf "$out/run"
t0=$(now)
"$W" run "$out/run.json" --workers 2 > "$out/ref.log" 2>&1 || { cat "$out/ref.log"; exit 1; }
ref_s=$(elapsed "$t0")
check "$out/run" > "$out/ref.json"
python3 - "$out/ref.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["one_row_per_input_line"], r
print(f"reference run: {r['input_lines']} input lines, {len(r['files'])} files, {r['document_token_rows']} document_tokens rows")
PY
echo "reference run: ${ref_s} s"

same_as_reference() {  # same_as_reference MODE: the trial's output and lineage against the reference run's
  check "$out/run" > "$out/trial.json"
  if ! cmp -s "$out/ref.json" "$out/trial.json"; then
    echo "crash-loop: $1 trial $trials (after $kills kills) differs from the reference run:"; diff "$out/ref.json" "$out/trial.json" | head -20; exit 1
  fi
}

record() {  # record MODE KILLS TRIALS SECONDS
  printf '{"stamp": "%s", "mode": "%s", "kills": %d, "trials": %d, "mismatches": 0, "reference_s": %s, "seconds": %s, "sources": "%s", "phases": %s}\n' \
    "$stamp" "$1" "$2" "$3" "$ref_s" "$4" "$sources" "$(phases_json)" | tee -a "$results"
}

if [ "$mode" = run ] || [ "$mode" = all ]; then
  phases=(); kills=0; trials=0; t0=$(now)
  while [ "$kills" -lt "$N" ]; do
    trials=$((trials + 1))
    rm -rf "$out/run"
    kill_some "$ref_s" "$W" run "$out/run.json" --workers 2
    "$W" run "$out/run.json" --workers 2 > "$out/final.log" 2>&1 || { echo "crash-loop: the run after $kills kills failed:"; tail -20 "$out/final.log"; exit 1; }
    same_as_reference run
  done
  echo "run: $kills kills over $trials trials, every trial equal to the reference run"
  record run "$kills" "$trials" "$(elapsed "$t0")"
fi

if [ "$mode" = train ] || [ "$mode" = all ]; then
  train=("$W" train "$out/run" --layers 2 --heads 2 --d-model 64 --context 64 --batch-size 4 --steps 60 --eval-every 5
         --eval-batches 2 --threads 2 --quiet --seed 3)
  rm -f "$out/ref.ckpt"
  t1=$(now)
  "${train[@]}" --checkpoint "$out/ref.ckpt" > "$out/train-ref.log" 2>&1 || { cat "$out/train-ref.log"; exit 1; }
  train_s=$(elapsed "$t1")
  echo "reference training: ${train_s} s"
  phases=(); kills=0; trials=0; resumes=0; t0=$(now)
  while [ "$kills" -lt "$N" ]; do
    trials=$((trials + 1))
    rm -f "$out/trial.ckpt"
    want=$((1 + RANDOM % 3))
    for _ in $(seq "$want"); do
      [ "$kills" -lt "$N" ] || break
      resume=(); [ -f "$out/trial.ckpt" ] && resume=(--resume "$out/trial.ckpt") && resumes=$((resumes + 1))
      if attempt "$out/attempt.log" "$(delay "$train_s")" "${train[@]}" --checkpoint "$out/trial.ckpt" "${resume[@]}"; then
        kills=$((kills + 1)); phases["training"]=$(( ${phases["training"]:-0} + 1 ))
      else
        break
      fi
    done
    resume=(); [ -f "$out/trial.ckpt" ] && resume=(--resume "$out/trial.ckpt")
    [ ${#resume[@]} = 0 ] || resumes=$((resumes + 1))
    "${train[@]}" --checkpoint "$out/trial.ckpt" "${resume[@]}" > "$out/final.log" 2>&1 || { echo "crash-loop: training after $kills kills failed:"; tail -20 "$out/final.log"; exit 1; }
    cmp -s "$out/ref.ckpt" "$out/trial.ckpt" || { echo "crash-loop: training trial $trials (after $kills kills) ended with other weights"; exit 1; }
  done
  echo "train: $kills kills over $trials trials ($resumes starts from a checkpoint), every final checkpoint equal to the unkilled training's"
  phases["starts from a checkpoint"]=$resumes
  record train "$kills" "$trials" "$(elapsed "$t0")"
fi

if [ "$mode" = tasks ] || [ "$mode" = all ]; then
  # Stage tasks: 3 tasks per stage (fewer where a stage has fewer units), each its own process, one at a time.
  "$W" plan "$out/run.json" --json > "$out/plan.json"
  mapfile -t stages < <(python3 -c 'import json,sys; [print(s["index"], min(3, s["tasks"])) for s in json.load(open(sys.argv[1]))["stages"]]' "$out/plan.json")
  phases=(); kills=0; trials=0; t0=$(now)
  while [ "$kills" -lt "$N" ]; do
    trials=$((trials + 1))
    rm -rf "$out/run" "$out/workdir"
    # One step per task, then the finish; each step is killed first with probability 1/3 (at most 3 per trial).
    budget=$((1 + RANDOM % 3))
    steps=()
    for sk in "${stages[@]}"; do
      read -r s k <<< "$sk"
      for i in $(seq 0 $((k - 1))); do steps+=("--stage $s --task-index $i --task-count $k"); done
    done
    steps+=("--finish")
    for st in "${steps[@]}"; do
      # shellcheck disable=SC2206
      args=($st)
      cmd=("$W" run "$out/run.json" --workdir "$out/workdir" --workers 1 "${args[@]}")
      if [ "$budget" -gt 0 ] && [ "$kills" -lt "$N" ] && [ $((RANDOM % 3)) = 0 ]; then
        # Kill within a third of the whole run's time (a task is a part of it), then run it again to its end.
        if attempt "$out/attempt.log" "$(delay "$(awk -v t="$ref_s" 'BEGIN { print t / 3 }')")" "${cmd[@]}"; then
          kills=$((kills + 1)); budget=$((budget - 1))
          key="finish"; [ "${args[0]}" = --stage ] && key="stage ${args[1]} task"
          phases[$key]=$(( ${phases[$key]:-0} + 1 ))
        else
          continue
        fi
      fi
      "${cmd[@]}" > "$out/final.log" 2>&1 || { echo "crash-loop: '$st' failed after a kill:"; tail -20 "$out/final.log"; exit 1; }
    done
    # Stage tasks record their run with trigger 'tasks'; the rows, files and counts must equal the reference's.
    same_as_reference tasks
  done
  echo "tasks: $kills kills over $trials trials, every trial equal to the reference run"
  record tasks "$kills" "$trials" "$(elapsed "$t0")"
fi

if [ "$mode" = incremental ] || [ "$mode" = all ]; then
  # Night 1: the first half of the corpus files (rounded up); night 2 adds the rest.
  half=$(( (${#inputs[@]} + 1) / 2 ))
  night1=("${inputs[@]:0:$half}"); night2=("${inputs[@]:$half}")
  [ ${#night2[@]} -gt 0 ] || { echo "crash-loop: incremental needs at least two CRASH_SOURCES"; exit 1; }
  rm -rf "$out/incr" "$out/incr-run" "$out/incr-night1"
  mkdir -p "$out/incr"
  for f in "${night1[@]}"; do ln -s "$f" "$out/incr/"; done
  "$W" run "$out/incr.json" --workers 2 > "$out/incr-night1.log" 2>&1 || { cat "$out/incr-night1.log"; exit 1; }
  cp -a "$out/incr-run" "$out/incr-night1"
  for f in "${night2[@]}"; do ln -s "$f" "$out/incr/"; done
  t1=$(now)
  "$W" run "$out/incr.json" --workers 2 > "$out/incr-ref.log" 2>&1 || { cat "$out/incr-ref.log"; exit 1; }
  incr_s=$(elapsed "$t1")
  python3 bench/crash_check.py "$out/incr-run" --inputs "${night2[@]}" > "$out/incr-ref.json"
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["one_row_per_input_line"], r' "$out/incr-ref.json"
  echo "reference second night: ${incr_s} s"
  phases=(); kills=0; trials=0; t0=$(now)
  while [ "$kills" -lt "$N" ]; do
    trials=$((trials + 1))
    rm -rf "$out/incr-run"
    cp -a "$out/incr-night1" "$out/incr-run"
    kill_some "$incr_s" "$W" run "$out/incr.json" --workers 2
    "$W" run "$out/incr.json" --workers 2 > "$out/final.log" 2>&1 || { echo "crash-loop: the second night after $kills kills failed:"; tail -20 "$out/final.log"; exit 1; }
    python3 bench/crash_check.py "$out/incr-run" --inputs "${night2[@]}" > "$out/trial.json"
    if ! cmp -s "$out/incr-ref.json" "$out/trial.json"; then
      echo "crash-loop: incremental trial $trials (after $kills kills) differs from the unkilled second night:"; diff "$out/incr-ref.json" "$out/trial.json" | head -20; exit 1
    fi
  done
  echo "incremental: $kills kills over $trials trials, every second night equal to the unkilled one"
  ref_s=$incr_s
  record incremental "$kills" "$trials" "$(elapsed "$t0")"
fi
