#!/usr/bin/env python3
"""The reference side of bench/warc.sh's WARC → main text → JSONL measurement: read every response with FastWARC
(resiliparse's own WARC library) and extract with resiliparse `extract_plain_text(main_content=True)`, or read with
warcio and extract with trafilatura (the pair datatrove's WarcReader + Trafilatura use); 200 text/html pages only;
one JSON line per page with url and text written to OUT; one thread. Prints one JSON line: pages, seconds.

    warc_extract.py resiliparse|trafilatura FILE.warc.gz OUT.jsonl
"""
import json, os, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from warc_common import charset_of

tool, path, out = sys.argv[1:4]




t0 = time.perf_counter()
pages = written = 0
with open(out, "w", encoding="utf-8") as f:
    def emit(url, status, ct, payload, extract):
        global pages, written
        if status != 200 or ct.split(";")[0].strip().lower() not in ("text/html", "application/xhtml+xml"):
            return
        pages += 1
        text = extract(payload.decode(charset_of(ct), errors="replace"))
        if text:
            f.write(json.dumps({"url": url, "text": text}, ensure_ascii=False) + "\n")
            written += 1
    if tool == "resiliparse":
        from fastwarc import ArchiveIterator, WarcRecordType
        from resiliparse.extract.html2text import extract_plain_text
        for r in ArchiveIterator(path, record_types=WarcRecordType.response, parse_http=True, fsspec_args=False):
            emit(r.headers.get("WARC-Target-URI"), r.http_headers.status_code, r.http_headers.get("Content-Type", ""), r.reader.read(),
                 lambda h: extract_plain_text(h, main_content=True))
    else:
        import trafilatura
        from warcio.archiveiterator import ArchiveIterator
        with open(path, "rb") as w:
            for r in ArchiveIterator(w):
                if r.rec_type != "response" or r.http_headers is None:
                    continue
                emit(r.rec_headers.get_header("WARC-Target-URI"), int(r.http_headers.get_statuscode()), r.http_headers.get_header("Content-Type") or "",
                     r.content_stream().read(), lambda h: trafilatura.extract(h))
print(json.dumps({"tool": tool, "pages": pages, "written": written, "wall_s": round(time.perf_counter() - t0, 2)}))
