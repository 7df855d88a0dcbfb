#!/usr/bin/env bash
# make bench: builds the corpora when missing, then runs every benchmark case.
set -euo pipefail
cd "$(dirname "$0")/.."
shared=../shared/bench
[ -d "$shared" ] || { echo "bench: ../shared/bench is missing; nothing to compare against"; exit 1; }
if [ ! -d /tmp/c1000 ]; then python3 "$shared/make_corpus.py" --out /tmp/c1000 --mb 1000 || true; fi
if [ ! -d /tmp/winnow-bench/c1g ]; then python3 bench/replicate_corpus.py /tmp/c1000 /tmp/winnow-bench/c1g --mb 1000; fi
if [ ! -d /tmp/c220 ]; then python3 bench/replicate_corpus.py /tmp/c1000 /tmp/c220 --mb 220 --files 4 --plain; fi
bench/engine.sh /tmp/winnow-bench/c1g
bench/quality.sh /tmp/c220
bench/langid.sh /tmp/c1000
bench/minhash.sh /tmp/c1000
bench/incremental.sh /tmp/c1000
bench/pii.sh /tmp/c1000
"${ANCHORS_PY:-/tmp/anchors-venv/bin/python}" bench/email_boundaries.py .build/release/winnow --json bench/results/email_boundaries.jsonl
bench/tokenizer.sh
bench/mixture.sh /tmp/c220
CORPUS=/tmp/c1000 bench/parquet.sh
if [ -x "${TORCH_PY:-/tmp/torch-venv/bin/python}" ]; then bench/trainer.sh; else echo "bench/trainer.sh skipped: no torch venv (TORCH_PY)"; fi
bench/ablate.sh
