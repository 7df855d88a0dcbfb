#!/usr/bin/env bash
# The last step of `make test`: run pipelines/tokens.json (sample data → BPE trained on the kept text → llm.c
# and Megatron shards with a validation split) with the freshly built debug binary, check the output with
# `winnow shards inspect`, then read it with scripts/read_token_shards.py as llm.c's and Megatron's loaders
# do. Needs a python3 with numpy (`make setup` installs Debian's python3-numpy): without one it fails, it does not skip.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.build/debug/winnow
rm -rf out/tokens
log=$(mktemp)
trap 'rm -f "$log"' EXIT
"$bin" run pipelines/tokens.json --quiet --fresh > "$log" 2>&1 || { cat "$log"; exit 1; }
"$bin" shards inspect out/tokens | tail -1
python=""
for candidate in python3 /usr/bin/python3; do
  if "$candidate" -c "import numpy" 2>/dev/null; then python=$candidate; break; fi
done
if [ -z "$python" ]; then
  echo "error: no python3 with numpy to read the token shards with: run 'make setup' (it installs python3-numpy)" >&2
  exit 1
fi
"$python" scripts/read_token_shards.py out/tokens
