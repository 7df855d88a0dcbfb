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
source bench/lib.sh
out=${BENCH_OUT:-/tmp/winnow-bench}/langid
results=bench/results/langid.jsonl
model=$PWD/models/lid.176.ftz
mkdir -p "$out" bench/results
corpus_stats "$corpus"
spec() {  # spec MODEL OUTDIR
  cat <<JSON
{"name": "bench-langid", "sources": [{"name": "web", "paths": ["$corpus/part-*.jsonl"]}],
 "steps": [{"type": "language", "model": "$1", "keep": ["en"], "min_score": 0.65}],
 "output": {"dir": "$2", "compression": "none"}}
JSON
}
spec "$model" "$out/winnow" > "$out/spec.json"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
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
# Memory with a dense .bin model the size of lid.176.bin (dim 16, 2,000,000 buckets, 137 MB; lid.176.bin, 131 MB, itself
# is not on the package index): trained here on labelled lines from the corpus, kept between runs.
big=$out/big.bin
if [ ! -s "$big" ]; then
  "$PY" - "$corpus" "$big" <<'PYEOF'
import glob, json, os, sys, tempfile, fasttext
corpus, out = sys.argv[1], sys.argv[2]
with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
    for i, l in enumerate(open(sorted(glob.glob(os.path.join(corpus, "part-*.jsonl")))[0], encoding="utf-8")):
        f.write(f"__label__{'ab'[i % 2]} " + json.loads(l)["text"][:2000].replace("\n", " ") + "\n")
        if i == 2000: break
m = fasttext.train_supervised(input=f.name, dim=16, bucket=2000000, minn=2, maxn=4, loss="hs", epoch=1, thread=1, verbose=0)
m.save_model(out)
os.unlink(f.name)
PYEOF
fi
ls -l "$big"
spec "$big" "$out/winnow-bin" | sed 's/"keep": \["en"\], //' > "$out/spec-bin.json"
rm -rf "$out/winnow-bin"
measure "winnow language (137 MB .bin) w1" "$W" run "$out/spec-bin.json" --workers 1 --quiet
"$PY" bench/ft_predict.py "$big" "$corpus" --workers 1 | sed "s/^{/{\"run\":\"$stamp fasttext-python (137 MB .bin) w1\",/" | tee -a "$results"
