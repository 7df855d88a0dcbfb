#!/usr/bin/env python3
"""The Parquet benchmark's corpus: the real text of make_corpus.py's corpus (CORPUS/part-*.jsonl), repeated with
fresh ids until TARGET MB of text, written by pyarrow as FineWeb-shaped Parquet files (text, id, dump, url, date,
language, language_score, token_count; `language` holds the corpus source) with the given codec, 20,000 rows per row group, as datasets on the Hub are.

    parquet_make.py CORPUS OUT_DIR --mb 1000 --files 8 --codec ZSTD
Prints one JSON line: files, rows, text MB, bytes on disk.
"""
import argparse, datetime, glob, json, os

import pyarrow as pa
import pyarrow.parquet as pq


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus"); ap.add_argument("out")
    ap.add_argument("--mb", type=float, default=1000)
    ap.add_argument("--files", type=int, default=8)
    ap.add_argument("--codec", default="ZSTD")
    a = ap.parse_args()
    docs = []
    for p in sorted(glob.glob(os.path.join(a.corpus, "part-*.jsonl"))):
        for line in open(p, encoding="utf-8"):
            d = json.loads(line)
            docs.append((d["text"], d.get("source", "web")))
    target = int(a.mb * 1e6)
    os.makedirs(a.out, exist_ok=True)
    per_file = target // a.files
    base = datetime.datetime(2024, 3, 1, tzinfo=datetime.timezone.utc)
    rows = total = on_disk = 0
    k = 0
    for f in range(a.files):
        cols = {n: [] for n in ["text", "id", "dump", "url", "date", "language", "language_score", "token_count"]}
        size = 0
        while size < per_file:
            text, lang = docs[k % len(docs)]
            cols["text"].append(text); cols["id"].append(f"<urn:uuid:{k:012d}>"); cols["dump"].append("CC-MAIN-2024-10")
            cols["url"].append(f"https://example.com/{lang}/{k}"); cols["date"].append(base + datetime.timedelta(seconds=k))
            cols["language"].append(lang); cols["language_score"].append(0.5 + (k % 500) / 1000)
            cols["token_count"].append(len(text.split()))
            size += len(text.encode("utf-8"))
            k += 1
        t = pa.table(cols)
        path = os.path.join(a.out, f"{f:03d}_00000.parquet")
        pq.write_table(t, path, compression=a.codec, row_group_size=20000)
        rows += t.num_rows; total += size; on_disk += os.path.getsize(path)
    print(json.dumps({"files": a.files, "rows": rows, "text_mb": round(total / 1e6, 1), "bytes_on_disk": on_disk, "codec": a.codec}))


if __name__ == "__main__":
    main()
