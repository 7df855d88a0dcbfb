#!/usr/bin/env bash
# Per-language filtering (issue 23), one run for every figure bench/RESULTS.md quotes: FineWeb-2's three filters with `"thresholds": "fineweb2"` against the same
# filters with the step's own values (the English-only path), and against datatrove 0.10.1 configured as
# fineweb-2-pipeline.py configures them (bench/fw2_parity.py: decisions compared per document, both timed on one
# worker), and the keep rates of each language's prose and junk beside English's (bench/keep_rates.py). Appends to
# bench/results/multilingual.jsonl, fw2_parity.jsonl and keep_rates.jsonl.
#
#   bench/multilingual.sh            # REPS=3 for three repetitions of the lookup-cost runs
#   LOOKUP_ONLY=1 bench/multilingual.sh          # only the lookup's cost
#   PARITY_LANGS="ko" bench/multilingual.sh      # only the decisions beside datatrove, for these languages
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
out=${BENCH_OUT:-/tmp/winnow-bench}/multilingual
results=bench/results/multilingual.jsonl
mkdir -p "$out" bench/results
C=../shared/corpora
stamp=$(date -u +%Y%m%dT%H%M%SZ)
# The lookup's cost: English news (no FineWeb-2 entry, so both runs split and filter the same way) with a language
# field, through the default path and through the per-language one.
"$PY" - "$C/nltk_abc_news.jsonl.gz" "$out/en.jsonl" <<'PY'
import gzip, json, sys
with open(sys.argv[2], "w") as f:
    for _ in range(4):   # four copies of 4 MB, so the runs last long enough to time
        for l in gzip.open(sys.argv[1], "rt"):
            d = json.loads(l); d["language"] = "en"; d["id"] = f"{d['id']}-{_}"; f.write(json.dumps(d) + "\n")
PY
docs=$(wc -l < "$out/en.jsonl"); mb=$(wc -c < "$out/en.jsonl" | awk '{printf "%.1f", $1/1e6}')
echo "corpus $out/en.jsonl: $docs documents, $mb MB"
for mode in default fineweb2; do
  cat > "$out/en-$mode.json" <<JSON
{"name": "ml-en-$mode", "sources": [{"name": "en", "paths": ["$out/en.jsonl"]}],
 "steps": [{"type": "gopher_repetition", "thresholds": "$mode"}, {"type": "fineweb_quality", "thresholds": "$mode"},
           {"type": "gopher_quality", "thresholds": "$mode"}],
 "output": {"dir": "$out/en-$mode", "compression": "none"}}
JSON
done
[ -n "${PARITY_LANGS:-}" ] && lookup_reps=0 || lookup_reps=${REPS:-1}
langs=${PARITY_LANGS:-pt es fr de it ru pl ja zh vi ko}
has() { case " $langs " in *" $1 "*) return 0;; *) return 1;; esac; }
for rep in $(seq "$lookup_reps"); do
  for mode in default fineweb2; do
    rm -rf "$out/en-$mode"; measure "winnow en thresholds=$mode w1" "$W" run "$out/en-$mode.json" --workers 1 --quiet
    # The filters' own time (lineage step_stats), steadier than the wall clock on a shared machine.
    "$W" lineage --db "$out/en-$mode/lineage.db" --csv "select round(sum(seconds), 3) as filter_seconds_$mode from step_stats" | tail -1 |
      awk -v l="$stamp winnow en thresholds=$mode step seconds" '{printf "{\"run\":\"%s\",\"step_s\":%s}\n", l, $1}' | tee -a "$results"
  done
done
[ -n "${LOOKUP_ONLY:-}" ] && exit 0
# Decisions and time beside datatrove, per language with real text here.
has pt && "$PY" bench/fw2_parity.py "$W" "$C/nltk_mac_morpho_pt_detok.jsonl.gz" pt --json bench/results/fw2_parity.jsonl --stamp "$stamp"
for l in de es fr pl; do
  has $l || continue
  "$PY" bench/fw2_parity.py "$W" "$C/web_text_trafilatura_naive.jsonl.gz" $l --lang-field lang --lang-value $l --json bench/results/fw2_parity.jsonl --stamp "$stamp"
done
# Debian's translated documentation, manual pages, fortunes and messages (bench/debian_text.py: apt-get download,
# ~4 minutes the first time): the same decisions in every language of issue 23, then the keep rates beside English.
text=$out/debian-text
[ -s "$text/ko.jsonl" ] || python3 bench/debian_text.py "$text"
for l in $langs; do
  "$PY" bench/fw2_parity.py "$W" "$text/$l.jsonl" $l --json bench/results/fw2_parity.jsonl --stamp "$stamp"
done
# Korean prose beyond Debian's messages: the Constitution of the Republic of Korea and ten National Assembly bills that
# KoNLPy 0.6.0 ships as sample corpora (its wheel from the Python package index; only the text is used).
if has ko && [ ! -s "$out/ko-law.jsonl" ]; then
  "$PY" -m pip download --quiet --no-deps --dest "$out/konlpy" konlpy==0.6.0
  "$PY" - "$out/konlpy"/konlpy-0.6.0-*.whl "$out/ko-law.jsonl" <<'PY'
import json, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
with open(sys.argv[2], "w") as f:
    for name in sorted(n for n in z.namelist() if n.startswith("konlpy/data/corpus/") and n.endswith(".txt")):
        f.write(json.dumps({"id": name.rsplit("/", 1)[1], "text": z.read(name).decode("utf-8")}, ensure_ascii=False) + "\n")
PY
fi
has ko && "$PY" bench/fw2_parity.py "$W" "$out/ko-law.jsonl" ko --json bench/results/fw2_parity.jsonl --stamp "$stamp"
[ -n "${PARITY_LANGS:-}" ] && exit 0
python3 bench/keep_rates.py "$W" "$text" --json bench/results/keep_rates.jsonl --stamp "$stamp"
