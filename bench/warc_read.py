#!/usr/bin/env python3
"""The reference side of bench/warc.sh: read a WARC file with warcio or fastwarc the way a pipeline's reader must —
every response record, its HTTP status and Content-Type, the payload of 200 text/html ones decoded to text (the
charset from Content-Type, else UTF-8 with replacement) — and print one JSON line: documents kept, skipped, wall
seconds, and a SHA-256 over the kept texts in order (to compare with Winnow's shards).

    warc_read.py warcio|fastwarc FILE.warc.gz
"""
import hashlib, json, os, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from warc_common import charset_of

tool, path = sys.argv[1], sys.argv[2]
sha = hashlib.sha256()
kept = skipped = 0
t0 = time.perf_counter()




def take(status, ct, payload):
    global kept, skipped
    mime = ct.split(";")[0].strip().lower()
    if status != 200 or mime not in ("text/html", "application/xhtml+xml"):
        skipped += 1
        return
    text = payload.decode(charset_of(ct), errors="replace")
    sha.update(text.encode("utf-8"))
    kept += 1


if tool == "warcio":
    from warcio.archiveiterator import ArchiveIterator
    with open(path, "rb") as f:
        for r in ArchiveIterator(f):
            if r.rec_type != "response":
                continue
            h = r.http_headers
            take(int(h.get_statuscode()), h.get_header("Content-Type") or "", r.content_stream().read())
else:
    from fastwarc import ArchiveIterator, WarcRecordType
    for r in ArchiveIterator(path, record_types=WarcRecordType.response, parse_http=True, fsspec_args=False):
        take(r.http_headers.status_code, r.http_headers.get("Content-Type", ""), r.reader.read())
wall = time.perf_counter() - t0
print(json.dumps({"tool": tool, "kept": kept, "skipped": skipped, "wall_s": round(wall, 3), "texts_sha256": sha.hexdigest()}))
