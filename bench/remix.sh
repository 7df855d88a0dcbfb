#!/usr/bin/env bash
# Remixing without recleaning: a pipeline (length, Gopher repetition, exact + MinHash dedup; a tokenizer file; llm.c
# token shards; three weighted sources) run in full, then remixed with other weights, a total and a curriculum
# (`winnow remix`: only the token phase runs). Beside them, the reference for what a remix redoes: HF tokenizers
# (what datatrove's DocumentTokenizer runs) encoding the same cleaned shards with the same tokenizer on the same
# two threads — datatrove mixes at training time, so re-tokenizing is its cost of a new tokenizer, and a new mix
# costs it a new training config. Checks that the remix's token shards equal a full run of the remixed spec.
# Appends to bench/results/remix.jsonl.
#
#   bench/remix.sh [CORPUS_DIR]      # default /tmp/c80 (make_corpus.py --mb 80); REPS=3 to repeat
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=${1:-/tmp/c80}
source bench/lib.sh
out=${BENCH_OUT:-/tmp/winnow-bench}/remix
results=bench/results/remix.jsonl
mkdir -p "$out" bench/results
stamp=$(date -u +%Y%m%dT%H%M%SZ)
corpus_stats "$corpus"
[ -x "$PY" ] || { echo "no $PY: set up the bench venv (../shared/bench/README.md)"; exit 1; }
tok="$out/hf-8192.json"
[ -f "$tok" ] || "$PY" bench/hf_tokenize.py train "$tok" "$corpus/part-00000.jsonl" --threads 2 > /dev/null
spec() {  # spec DIR
  cat <<JSON
{"name": "bench-remix", "seed": 1, "sources": [
  {"name": "web", "paths": ["$corpus/part-00000.jsonl", "$corpus/part-00001.jsonl"], "weight": 0.5},
  {"name": "books", "paths": ["$corpus/part-00002.jsonl"], "weight": 0.25},
  {"name": "forum", "paths": ["$corpus/part-00003.jsonl"], "weight": 0.25, "max_epochs": 2}],
 "steps": [{"type": "length", "min_words": 50}, {"type": "gopher_repetition"}, {"type": "exact_dedup"}, {"type": "minhash_dedup"}],
 "tokenizer": {"file": "$tok"},
 "output": {"dir": "$1", "formats": ["jsonl", "llmc"], "compression": "none", "val_fraction": 0.01}}
JSON
}
cat > "$out/mix.json" <<'JSON'
{"sources": {"web": {"weight": 0.2}, "books": {"weight": 0.4, "max_epochs": 3}, "forum": {"weight": 0.4, "max_epochs": 3}},
 "mixture": {"on_shortfall": "shrink"}, "curriculum": {"score": "words", "buckets": ["short", "medium", "long"]}}
JSON
spec "$out/run" > "$out/spec.json"
for rep in $(seq "${REPS:-1}"); do
  rm -rf "$out/run"
  measure "winnow full run (clean + token phase) w2" "$W" run "$out/spec.json" --workers 2 --quiet
  measure "winnow remix (token phase only) w2" "$W" remix "$out/run" --mixture "$out/mix.json" --workers 2 --quiet
  measure "hf tokenizers encode_batch of the cleaned shards, 2 threads" "$PY" bench/hf_tokenize.py encode "$tok" "$out/run"/shard-*.jsonl --threads 2
done
# The remix wrote what a full run of the remixed spec writes.
"$W" remix "$out/run" --mixture "$out/mix.json" --print-spec > "$out/remixed.json"
"$PY" - "$out/remixed.json" "$out/full" <<'PY'
import json, sys
s = json.load(open(sys.argv[1])); s["output"]["dir"] = sys.argv[2]
json.dump(s, open(sys.argv[1], "w"))
PY
rm -rf "$out/full"
"$W" run "$out/remixed.json" --workers 2 --quiet > /dev/null
same=yes
for f in "$out"/full/llmc/* "$out"/full/shard-*.jsonl; do
  cmp -s "$f" "$out/run/${f#"$out"/full/}" || { same=no; echo "differs: ${f#"$out"/full/}"; }
done
# The manifests differ only in spec_sha256 (the two specs name different output folders).
"$PY" - "$out/run/manifest.json" "$out/full/manifest.json" <<'PY' || same=no
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
a.pop("spec_sha256"); b.pop("spec_sha256")
sys.exit(0 if a == b else 1)
PY
echo "{\"run\": \"$stamp remix token shards and text shards byte-identical, manifest identical but for spec_sha256, to a full run of the remixed spec\", \"same\": \"$same\"}" | tee -a "$results"
"$W" mixture --db "$out/run/lineage.db"
