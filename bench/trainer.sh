#!/usr/bin/env bash
# Trainer: Winnow's `winnow train` against PyTorch on the CPU, same model, batch, optimizer, data and threads,
# for (A) vocab 4,096, context 128, 4 layers, 4 heads, d_model 128, batch 16 and (B) vocab 8,192, context 256,
# 6 layers, 6 heads, d_model 384, batch 8: tokens/s (median after warm-up), achieved GFLOP/s against OpenBLAS's
# sgemm peak, peak memory, and both loss curves from the same initial weights (Winnow's, exported with
# --steps 0). Data: Winnow runs over /tmp/c1000/part-00000.jsonl with a BPE of each vocabulary.
# Needs a venv with torch (TORCH_PY, default /tmp/torch-venv/bin/python). Appends to bench/results/trainer.jsonl.
#
#   bench/trainer.sh [STEPS]      # default 30
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
steps=${1:-30}
TPY=${TORCH_PY:-/tmp/torch-venv/bin/python}
out=${BENCH_OUT:-/tmp/winnow-bench}/trainer
results=bench/results/trainer.jsonl
mkdir -p "$out" bench/results
stamp=$(date -u +%Y%m%dT%H%M%SZ)
log() { sed "s/^{/{\"stamp\": \"$stamp\", /" | tee -a "$results"; }
for v in 4096 8192; do
  if [ ! -f "$out/data-$v/manifest.json" ]; then
    cat > "$out/data-$v.json" <<JSON
{"name": "trainer-data-$v", "sources": [{"name": "web", "paths": ["/tmp/c1000/part-00000.jsonl"]}],
 "tokenizer": {"train": {"vocab_size": $v}}, "output": {"dir": "data-$v", "formats": ["jsonl", "llmc"], "val_fraction": 0.01}}
JSON
    "$W" run "$out/data-$v.json" --quiet > /dev/null
  fi
done
for t in 1 2; do "$W" bench sgemm --threads $t | log; done
run_case() {  # run_case NAME VOCAB LAYERS HEADS DMODEL CONTEXT BATCH THREADS
  local name=$1 dir=$out/data-$2 t=$8
  local args=(--layers $3 --heads $4 --d-model $5 --context $6 --batch-size $7 --threads $t --warmup-steps 5 --eval-every 100000 --seed 1)
  "$W" train "$dir" "${args[@]}" --steps 0 --checkpoint "$out/init-$name.ckpt" --quiet > /dev/null
  /usr/bin/time -v "$W" train "$dir" "${args[@]}" --steps "$steps" --checkpoint "$out/$name.ckpt" --json --quiet > "$out/w.json" 2> "$out/w.time"
  local wrss; wrss=$(grep 'Maximum resident' "$out/w.time" | awk '{print $NF}')
  local wlosses; wlosses=$("$W" lineage --db "$dir/lineage.db" --json \
    "select train_loss from train_metrics where train_id = (select train_id from train_runs order by rowid desc limit 1) and source is null order by step")
  python3 - "$out/w.json" "$wrss" "$wlosses" "$name" "$t" "$2" "$3" "$5" "$6" <<'PY' | log
import json, sys
w = json.load(open(sys.argv[1])); rss = int(sys.argv[2]) / 1024; losses = [round(r["train_loss"], 5) for r in json.loads(sys.argv[3])]
name, t, V, L, C, T = sys.argv[4], int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7]), int(sys.argv[8]), int(sys.argv[9])
flops = 6 * (L * 12 * C * C + V * C) + 12 * L * T * C
print(json.dumps({"tool": "winnow", "case": name, "threads": t, "tokens_per_second": w["tokens_per_second"],
                  "gflops": round(w["tokens_per_second"] * flops / 1e9, 1), "peak_rss_mb": round(rss), "losses": losses}))
PY
  /usr/bin/time -v "$TPY" bench/train_torch.py "$dir" --layers $3 --heads $4 --d-model $5 --context $6 --batch-size $7 --threads $t \
    --warmup-steps 5 --seed 1 --steps "$steps" --init "$out/init-$name.ckpt" > "$out/p.json" 2> "$out/p.time"
  local prss; prss=$(grep 'Maximum resident' "$out/p.time" | awk '{print $NF}' || echo 0)
  python3 - "$out/p.json" "$prss" "$name" "$2" "$3" "$5" "$6" <<'PY' | log
import json, sys
p = json.load(open(sys.argv[1])); name, V, L, C, T = sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7])
flops = 6 * (L * 12 * C * C + V * C) + 12 * L * T * C
rss = sys.argv[2]
p.update({"case": name, "gflops": round(p["tokens_per_second"] * flops / 1e9, 1), "peak_rss_mb": round(int(rss) / 1024) if rss.isdigit() else p["peak_rss_mb"]})
print(json.dumps(p))
PY
}
for t in 1 2; do
  run_case A 4096 4 4 128 128 16 $t
  run_case B 8192 6 6 384 256 8 $t
done
