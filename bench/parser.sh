#!/usr/bin/env bash
# The HTML parser choice: Debian's libgumbo (parse to a tree + walk it) against Winnow's own tokenizer and segmenter
# inside html_extract (which also classifies blocks and builds the text), one thread, the same 1,032 real pages of
# ../shared/corpora/web_html_trafilatura.jsonl.gz in memory. Needs libgumbo-dev (apt-get install libgumbo-dev).
# Appends to bench/results/parser.jsonl.
#
#   bench/parser.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
out=${BENCH_OUT:-/tmp/winnow-bench}/parser
mkdir -p "$out" bench/results
stamp=$(date -u +%Y%m%dT%H%M%SZ)
pages=../shared/corpora/web_html_trafilatura.jsonl.gz
cc -O2 bench/gumbo_parse.c -lgumbo -o "$out/gumbo_parse"
python3 - "$pages" "$out/pages.bin" <<'PY'
import gzip, json, struct, sys
with open(sys.argv[2], "wb") as o:
    for l in gzip.open(sys.argv[1], "rt", encoding="utf-8"):
        b = json.loads(l)["text"].encode("utf-8")
        o.write(struct.pack("<I", len(b)) + b)
PY
for rep in 1 2 3; do
  "$out/gumbo_parse" "$out/pages.bin" | sed "s/^{/{\"stamp\": \"$stamp\", /" | tee -a bench/results/parser.jsonl
  "$W" bench time --step '{"type": "html_extract"}' "$pages" --repeats 1 | sed "s/^{/{\"stamp\": \"$stamp\", /" | tee -a bench/results/parser.jsonl
done
