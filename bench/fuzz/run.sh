#!/usr/bin/env bash
# Fuzz one of Winnow's parsers with libFuzzer (issue 25), under AddressSanitizer.
#
#   bench/fuzz/run.sh TARGET SECONDS      # targets: jsonl spec fasttext tokenizer shards manifest cron warc html parquet records
#
# Builds the `winnow-fuzz` product with -sanitize=fuzzer,address into .build/fuzz (the first build takes minutes),
# then runs TARGET for SECONDS starting from its committed seeds (bench/fuzz/seeds/TARGET, plus the test fixtures
# for the formats that have them); the corpus it grows stays in .build/fuzz/corpus/TARGET for the next run. A crash,
# leak, out-of-memory (over 2 GB) or hang (an input over 10 s) is written to .build/fuzz/findings/TARGET/ and the
# script exits non-zero. Appends {target, seconds, executions, findings, ...} to bench/results/fuzz.jsonl
# (FUZZ_RESULTS to change). Replay a file: .build/debug/winnow-fuzz TARGET FILE.
set -uo pipefail
cd "$(dirname "$0")/../.."
target=${1:?usage: bench/fuzz/run.sh TARGET SECONDS}
seconds=${2:?usage: bench/fuzz/run.sh TARGET SECONDS}
results=${FUZZ_RESULTS:-bench/results/fuzz.jsonl}
scratch=.build/fuzz
case " jsonl spec fasttext tokenizer shards manifest cron warc html parquet records " in
  *" $target "*) ;;
  *) echo "run.sh: no target $target"; exit 2 ;;
esac
swift build --scratch-path "$scratch" -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -DFUZZING \
  -Xswiftc -O --product winnow-fuzz 2>&1 | grep -v "Cannot export local symbol" | grep -E "error|warning: unre|Compiling|Build" | tail -3
bin=$scratch/debug/winnow-fuzz
[ -x "$bin" ] || { echo "run.sh: the fuzz build failed"; exit 2; }
corpus=$scratch/corpus/$target
findings=$scratch/findings/$target
mkdir -p "$corpus" "$findings"
# Seeds: the committed ones, and for Parquet and fastText the test fixtures (files other tools wrote).
seeds=$scratch/seeds/$target
rm -rf "$seeds" && mkdir -p "$seeds"
cp bench/fuzz/seeds/"$target"/* "$seeds"/ 2>/dev/null || true
max_len=65536
case $target in
  parquet) cp Tests/WinnowTests/Fixtures/parquet/*.parquet "$seeds"/ ;;
  fasttext) cp Tests/WinnowTests/Fixtures/fasttext/tiny_*.bin Tests/WinnowTests/Fixtures/fasttext/*.ftz "$seeds"/; max_len=131072 ;;
esac
log=$scratch/$target.log
before=$(ls "$findings" | wc -l)
# Swift's own crash backtracer waits on the crashed process; libFuzzer and ASan report instead.
SWIFT_BACKTRACE=enable=no WINNOW_FUZZ_TARGET=$target ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
  "$bin" "$corpus" "$seeds" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len="$max_len" \
  -artifact_prefix="$findings/" -print_final_stats=1 > "$log" 2>&1
rc=$?
after=$(ls "$findings" | wc -l)
execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || echo 0)
cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || echo 0)
units=$(ls "$corpus" | wc -l)
printf '{"stamp": "%s", "target": "%s", "seconds": %s, "executions": %s, "coverage": %s, "corpus": %s, "new_findings": %s, "exit": %s}\n' \
  "$(date -u +%Y%m%dT%H%M%SZ)" "$target" "$seconds" "${execs:-0}" "${cov:-0}" "$units" "$((after - before))" "$rc" | tee -a "$results"
if [ "$rc" != 0 ] || [ "$after" != "$before" ]; then
  grep -E "ERROR|SUMMARY|Fatal error|==[0-9]+==" "$log" | head -20
  echo "run.sh: $target found something: $findings (log: $log)"
  exit 1
fi
