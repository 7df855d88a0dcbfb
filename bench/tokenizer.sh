#!/usr/bin/env bash
# Tokenizer: byte-level BPE training (vocabulary 8192) and encoding, Winnow side by side with HF tokenizers on
# the same texts (the JSONL files given; default the first two files of /tmp/c220, 110 MB). Checks that both
# tools give the same ids with HF's tokenizer (SHA-256 over every id) and that HF loads Winnow's tokenizer and
# encodes like Winnow. Appends to bench/results/tokenizer.jsonl.
#
#   bench/tokenizer.sh [FILES...]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
files=("$@")
[ ${#files[@]} -gt 0 ] || files=(/tmp/c220/part-00000.jsonl /tmp/c220/part-00001.jsonl)
out=${BENCH_OUT:-/tmp/winnow-bench}/tokenizer
results=bench/results/tokenizer.jsonl
mkdir -p "$out" bench/results
stamp=$(date -u +%Y%m%dT%H%M%SZ)
log() { sed "s/^{/{\"stamp\": \"$stamp\", /" | tee -a "$results"; }
for t in 1 2; do
  # Training, min_frequency 0 as HF's default (and the reference anchor script).
  "$PY" bench/hf_tokenize.py train "$out/hf-$t.json" "${files[@]}" --threads $t | log
  start=$(date +%s.%N)
  "$W" tokenizer train "${files[@]}" --vocab-size 8192 --min-frequency 0 --threads $t -o "$out/winnow-$t.json" 2>"$out/train.log"
  end=$(date +%s.%N)
  echo "{\"tool\": \"winnow\", \"threads\": $t, \"what\": \"train 8192\", \"wall_s\": $(echo "$end - $start" | bc), \"log\": \"$(cat "$out/train.log")\"}" | log
done
# Encoding with HF's tokenizer: both tools, same ids.
for t in 1 2; do
  "$W" bench encode "$out/hf-1.json" "${files[@]}" --threads $t | log
  "$PY" bench/hf_tokenize.py encode "$out/hf-1.json" "${files[@]}" --threads $t | log
done
# HF reads Winnow's tokenizer and encodes like Winnow (first file).
"$W" bench encode "$out/winnow-1.json" "${files[0]}" --threads 2 | log
"$PY" bench/hf_tokenize.py encode "$out/winnow-1.json" "${files[0]}" --threads 2 | log
# How close the two trainings came: shared vocabulary.
"$PY" - "$out/hf-1.json" "$out/winnow-1.json" <<'PY' | log
import json, sys
a, b = (json.load(open(p))["model"] for p in sys.argv[1:3])
va, vb = set(a["vocab"]), set(b["vocab"])
ma = [tuple(m) if isinstance(m, list) else tuple(m.split(" ")) for m in a["merges"]]
mb = [tuple(m) if isinstance(m, list) else tuple(m.split(" ")) for m in b["merges"]]
same_prefix = next((i for i, (x, y) in enumerate(zip(ma, mb)) if x != y), min(len(ma), len(mb)))
print(json.dumps({"what": "hf vs winnow training", "shared_tokens": len(va & vb), "hf_tokens": len(va), "winnow_tokens": len(vb),
                  "identical_leading_merges": same_prefix, "merges": [len(ma), len(mb)]}))
PY
