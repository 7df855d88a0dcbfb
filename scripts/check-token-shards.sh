#!/usr/bin/env bash
# The last step of `make test`: run pipelines/tokens.json (sample data → BPE trained on the kept text → llm.c
# and Megatron shards with a validation split) with the freshly built debug binary, check the output with
# `winnow shards inspect`, then read it with scripts/read_token_shards.py as llm.c's and Megatron's loaders
# do — when python3 has numpy; otherwise that last part says it was skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.build/debug/winnow
rm -rf out/tokens
log=$(mktemp)
trap 'rm -f "$log"' EXIT
"$bin" run pipelines/tokens.json --quiet --fresh > "$log" 2>&1 || { cat "$log"; exit 1; }
"$bin" shards inspect out/tokens | tail -1
if python3 -c "import numpy" 2>/dev/null; then
  python3 scripts/read_token_shards.py out/tokens
else
  echo "skipped scripts/read_token_shards.py: python3 has no numpy (apt-get install python3-numpy to run it)"
fi
