#!/usr/bin/env bash
# WARC reading: Winnow's `warc` reader against warcio and fastwarc (FastWARC 2, Rust) on the same Common
# Crawl-shaped file, written by warcio from the real HTML pages of ../shared/corpora/web_html_trafilatura.jsonl.gz
# (bench/warc_make.py: request + 200 text/html response per page, 404 and PNG responses among them, per-record gzip,
# three copies). Every tool reads every record, parses the HTTP headers of responses, keeps the 200 text/html ones
# decoded to text; all run on one core. Winnow's reader alone (`winnow bench floor --format warc`: records, HTTP
# headers, charset decoding to String, documents discarded) is what the references do; Winnow's whole run also
# writes its JSONL shard and lineage (with and without per-document rows), and a last row runs it with 2 workers
# on the same one file, cut at gzip member boundaries (partition_bytes 32 MiB). The kept texts' SHA-256 must agree
# (and the 2-worker shards must equal the 1-worker ones). Then WARC →
# main text → JSONL: Winnow's warc source with html_extract against FastWARC + resiliparse and warcio + trafilatura
# (TRAFILATURA=0 leaves the slow one out).
# Appends to bench/results/warc.jsonl.
#
#   bench/warc.sh          # REPS=3 to repeat
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
out=${BENCH_OUT:-/tmp/winnow-bench}/warc
results=bench/results/warc.jsonl
mkdir -p "$out" bench/results
stamp=$(date -u +%Y%m%dT%H%M%SZ)
[ -x "$PY" ] || { echo "no $PY: set up the bench venv (../shared/bench/README.md) and pip install warcio fastwarc"; exit 1; }
warc="$out/cc.warc.gz"
[ -f "$warc" ] || "$PY" bench/warc_make.py "$warc" --copies 3 | tee "$out/made.json"
docs=$("$PY" -c "import json; print(json.load(open('$out/made.json'))['html_200'])")
mb=$(zcat "$warc" | wc -c | awk '{printf "%.1f", $1/1e6}')
echo "WARC $warc: $(stat -c %s "$warc") bytes gzip, $mb MB uncompressed, $docs HTML pages"
cat > "$out/spec.json" <<JSON
{"name": "bench-warc", "sources": [{"name": "cc", "format": "warc", "paths": ["$warc"]}], "output": {"dir": "$out/run", "compression": "none"}}
JSON
cat > "$out/spec2.json" <<JSON
{"name": "bench-warc", "sources": [{"name": "cc", "format": "warc", "paths": ["$warc"]}], "output": {"dir": "$out/run2", "compression": "none"},
 "partition_bytes": 33554432}
JSON
texts_sha() { "$PY" -c "
import hashlib, json, sys
h = hashlib.sha256()
for p in sys.argv[1:]:
    for l in open(p): h.update(json.loads(l)['text'].encode('utf-8'))
print(h.hexdigest())" "$@"; }
for rep in $(seq "${REPS:-1}"); do
  measure "winnow warc reader alone (bench floor): read + HTTP parse + decode, 1 worker" "$W" bench floor --format warc "$warc"
  rm -rf "$out/run2"; measure "winnow warc reader → JSONL shards, lineage on, 2 workers on the one file (partition_bytes 32 MiB)" "$W" run "$out/spec2.json" --workers 2 --quiet
  rm -rf "$out/run"; measure "winnow warc reader → JSONL shard, lineage on, 1 worker" "$W" run "$out/spec.json" --workers 1 --quiet
  rm -rf "$out/run"; measure "winnow warc reader → JSONL shard, --no-lineage, 1 worker" "$W" run "$out/spec.json" --workers 1 --quiet --no-lineage
  for t in warcio fastwarc; do
    measure "$t read + HTTP parse + decode, 1 thread" "$PY" bench/warc_read.py $t "$warc"
    "$PY" bench/warc_read.py $t "$warc" > "$out/$t.json"
  done
done
w=$(texts_sha "$out"/run/shard-*.jsonl)
[ "$(cat "$out"/run/shard-*.jsonl | sha256sum)" = "$(cat "$out"/run2/shard-*.jsonl | sha256sum)" ] || { echo "2-worker shards differ from 1-worker shards"; exit 1; }
parts=$("$W" lineage --db "$out/run2/lineage.db" --csv "select count(distinct part) from documents" | tail -1)
echo "2-worker run read the file in $parts partitions"
kept=$(cat "$out"/run/shard-*.jsonl | wc -l)
same=yes
for t in warcio fastwarc; do
  [ "$("$PY" -c "import json; d=json.load(open('$out/$t.json')); print(d['texts_sha256'], d['kept'])")" = "$w $kept" ] || same=no
done
# WARC → main text → JSONL: Winnow's warc source with html_extract, 1 worker; FastWARC + resiliparse and warcio +
# trafilatura (datatrove's pair), one thread, writing JSONL.
cat > "$out/extract.json" <<JSON
{"name": "bench-warc-extract", "sources": [{"name": "cc", "format": "warc", "paths": ["$warc"]}], "steps": [{"type": "html_extract"}],
 "output": {"dir": "$out/extract", "compression": "none"}}
JSON
for rep in $(seq "${REPS:-1}"); do
  rm -rf "$out/extract"; measure "winnow warc → html_extract → JSONL shards, lineage on, 1 worker" "$W" run "$out/extract.json" --workers 1 --quiet
  measure "fastwarc + resiliparse main_content → JSONL, 1 thread" "$PY" bench/warc_extract.py resiliparse "$warc" "$out/resiliparse.jsonl"
  if [ "${TRAFILATURA:-1}" = 1 ]; then
    measure "warcio + trafilatura → JSONL, 1 thread" "$PY" bench/warc_extract.py trafilatura "$warc" "$out/trafilatura.jsonl"
  fi
done
echo "{\"run\": \"$stamp kept texts identical (SHA-256, $kept pages) across winnow, warcio, fastwarc\", \"same\": \"$same\"}" | tee -a "$results"
