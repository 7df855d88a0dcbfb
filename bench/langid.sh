#!/usr/bin/env bash
# Language identification: Winnow's `language` step (keep en, as datatrove's LanguageFilter(en), k = all
# labels) against the fastText Python binding predicting the same documents (1 and 2 processes, predict calls
# only) and datatrove's LanguageFilter (2 workers), on a make_corpus.py folder; Winnow's peak memory with
# lid.176.ftz and with a dense .bin model. Appends to bench/results/langid.jsonl.
#
#   bench/langid.sh [CORPUS_DIR]        # default /tmp/c1000;  REPS=3 for interleaved repetitions
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=${1:-/tmp/c1000}
W=${WINNOW_BIN:-.build/release/winnow}
PY=${ANCHORS_PY:-/tmp/anchors-venv/bin/python}
out=${BENCH_OUT:-/tmp/winnow-bench}/langid
results=bench/results/langid.jsonl
model=$PWD/models/lid.176.ftz
mkdir -p "$out" bench/results
docs=$(cat "$corpus"/part-*.jsonl | wc -l)
mb=$(cat "$corpus"/part-*.jsonl | wc -c | awk '{printf "%.1f", $1/1e6}')
echo "corpus $corpus: $docs documents, $mb MB"
spec() {  # spec MODEL OUTDIR
  cat <<JSON
{"name": "bench-langid", "sources": [{"name": "web", "paths": ["$corpus/part-*.jsonl"]}],
 "steps": [{"type": "language", "model": "$1", "keep": ["en"], "min_score": 0.65}],
 "output": {"dir": "$2", "compression": "none"}}
JSON
}
spec "$model" "$out/winnow" > "$out/spec.json"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
source bench/lib.sh
for rep in $(seq "${REPS:-1}"); do
  for w in 1 2; do
    rm -rf "$out/winnow"
    measure "winnow language w$w" "$W" run "$out/spec.json" --workers $w --quiet
  done
  echo "Winnow kept $(cat "$out"/winnow/shard-* | wc -l) documents"
  for w in 1 2; do
    "$PY" bench/ft_predict.py "$model" "$corpus" --workers $w | sed "s/^{/{\"run\":\"$stamp fasttext-python w$w\",/" | tee -a "$results"
  done
  measure "datatrove LanguageFilter w2" "$PY" ../shared/bench/anchors/dt_langid.py "$corpus" --workers 2 --out "$out/datatrove"
  echo "datatrove kept $(cat "$out"/datatrove/kept/* | wc -l) documents"
done
# Memory with a dense .bin model: the small one the parity fixture trained (lid.176.bin is not shipped).
bin=$PWD/Tests/WinnowTests/Fixtures/fasttext/tiny_softmax.bin
spec "$bin" "$out/winnow-bin" | sed 's/"keep": \["en"\], //' > "$out/spec-bin.json"
rm -rf "$out/winnow-bin"
measure "winnow language (.bin model) w1" "$W" run "$out/spec-bin.json" --workers 1 --quiet
