#!/usr/bin/env bash
# Every fuzz target for SECONDS each, one after another (bench/fuzz/run.sh); exits non-zero when any found something.
#
#   bench/fuzz/all.sh SECONDS
set -uo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:?usage: bench/fuzz/all.sh SECONDS}
status=0
for t in jsonl spec fasttext tokenizer shards manifest cron warc html parquet records; do
  bench/fuzz/run.sh "$t" "$seconds" || status=1
done
exit $status
