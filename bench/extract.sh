#!/usr/bin/env bash
# Main-text extraction: Winnow's html_extract beside trafilatura, resiliparse and jusText on the real pages of
# ../shared/corpora (quality on the snippets of trafilatura's benchmark, on a dev half and a held-out half; speed on
# one core). See bench/extract_eval.py. Appends to bench/results/extract.jsonl.
#
#   bench/extract.sh        # needs the bench venv with trafilatura, resiliparse, justext (bench/README.md)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
stamp=$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p bench/results
"$PY" bench/extract_eval.py "$W" --favor "${FAVOR:-balanced}" --tools "${TOOLS:-winnow,trafilatura,resiliparse,justext}" 2>/dev/null \
  | sed "s/^{/{\"stamp\": \"$stamp\", /" | tee -a bench/results/extract.jsonl
