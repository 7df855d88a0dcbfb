#!/usr/bin/env bash
# A step of `make test`: run pipelines/parquet.json (a Hugging Face dataset folder and a JSONL source → JSONL and
# Parquet shards) with the freshly built debug binary, then read the Parquet shards with pyarrow and `datasets`
# (scripts/check_parquet.py): they must hold what the JSONL shards hold, document for document, and load as one
# dataset. Needs the virtual environment `make setup` builds (.build/pyenv: pyarrow, datasets); without it this
# fails, it does not skip.
set -euo pipefail
cd "$(dirname "$0")/.."
python=.build/pyenv/bin/python
if ! "$python" -c "import pyarrow, datasets" 2>/dev/null; then
  echo "error: $python cannot import pyarrow and datasets: run 'make setup' (it builds .build/pyenv)" >&2
  exit 1
fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT
.build/debug/winnow run pipelines/parquet.json --quiet --reclean > "$log" 2>&1 || { cat "$log"; exit 1; }
HF_DATASETS_OFFLINE=1 "$python" scripts/check_parquet.py out/parquet
