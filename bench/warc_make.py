#!/usr/bin/env python3
"""Writes a Common Crawl-shaped WARC file with warcio (a reference writer, not Winnow's code) from the real HTML
pages of ../shared/corpora/web_html_trafilatura.jsonl.gz: per page a request and a 200 text/html response
(every fifth page also a 404, every seventh a PNG response), per-record gzip, repeated --copies times with fresh
record ids and URLs. Prints how many responses a reader should keep (200 + HTML) and skip.

    warc_make.py OUT.warc.gz [--copies 3] [--corpus PATH]
"""
import argparse, gzip, io, json, os, sys
from warcio.warcwriter import WARCWriter
from warcio.statusandheaders import StatusAndHeaders

ap = argparse.ArgumentParser()
ap.add_argument("out")
ap.add_argument("--copies", type=int, default=3)
ap.add_argument("--corpus", default=os.path.join(os.path.dirname(__file__), "../../shared/corpora/web_html_trafilatura.jsonl.gz"))
a = ap.parse_args()
pages = [json.loads(l) for l in gzip.open(a.corpus, "rt", encoding="utf-8")]
keep = skip = 0
with open(a.out, "wb") as f:
    w = WARCWriter(f, gzip=True)
    for c in range(a.copies):
        for i, p in enumerate(pages):
            url = p.get("url") or ""
            if not url.startswith(("http://", "https://")):
                url = f"https://example.invalid/{p['id']}"
            url = url.strip().replace(" ", "%20")
            url = f"{url}{'&' if '?' in url else '?'}copy={c}"
            body = p["text"].encode("utf-8")
            req = StatusAndHeaders("GET / HTTP/1.1", [("Host", "example.invalid")], is_http_request=True)
            w.write_record(w.create_warc_record(url, "request", http_headers=req))
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))], protocol="HTTP/1.1")
            w.write_record(w.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=http))
            keep += 1
            if i % 5 == 0:
                gone = StatusAndHeaders("404 Not Found", [("Content-Type", "text/html")], protocol="HTTP/1.1")
                w.write_record(w.create_warc_record(url + "&missing", "response", payload=io.BytesIO(b"<p>not found</p>"), http_headers=gone))
                skip += 1
            if i % 7 == 0:
                png = StatusAndHeaders("200 OK", [("Content-Type", "image/png")], protocol="HTTP/1.1")
                w.write_record(w.create_warc_record(url + "&logo", "response", payload=io.BytesIO(b"\x89PNG\r\n\x1a\n" + bytes(64)), http_headers=png))
                skip += 1
print(json.dumps({"file": a.out, "html_200": keep, "skipped": skip, "bytes": os.path.getsize(a.out)}))
