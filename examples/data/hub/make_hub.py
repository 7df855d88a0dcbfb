#!/usr/bin/env python3
"""Writes this folder: the bundled web sample (../web/*.jsonl.gz) as a Hugging Face dataset folder, laid out and
described the way FineWeb is on the Hub — a README.md whose YAML header declares the configs, Parquet files written
by pyarrow under data/<dump>/ — with FineWeb's columns (text, id, dump, url, date, file_path, language,
language_score, token_count). pipelines/parquet.json reads it.

    .build/pyenv/bin/python examples/data/hub/make_hub.py     # the venv `make setup` builds (pyarrow)
"""
import datetime, glob, gzip, json, os, zlib
import pyarrow as pa
import pyarrow.parquet as pq

HERE = os.path.dirname(os.path.abspath(__file__))
README = """---
license: odc-by
language:
- pt
- en
- es
- de
- fr
configs:
- config_name: default
  data_files:
  - split: train
    path: data/*/*
- config_name: CC-MAIN-2024-10
  data_files:
  - split: train
    path: data/CC-MAIN-2024-10/*
---
# Sample web text, FineWeb-shaped

The bundled web sample written as Parquet the way the Hub ships FineWeb: one folder per crawl dump, configs
declared above. Made by make_hub.py.
"""


def rows(path, dump):
    out = []
    with gzip.open(path, "rt", encoding="utf-8", errors="replace") as f:
        for line in f:
            try:
                d = json.loads(line)
            except ValueError:  # also lines with invalid UTF-8 (replaced above, then refused below)
                continue   # the sample's deliberately bad lines stay in the JSONL
            if not isinstance(d, dict) or not isinstance(d.get("text"), str) or not isinstance(d.get("id"), str) or "\ufffd" in line:
                continue
            h = zlib.crc32(d["id"].encode())
            out.append({
                "text": d["text"], "id": f"<urn:uuid:{h:08x}-{d['id']}>", "dump": dump, "url": d.get("url"),
                "date": datetime.datetime(2024, 2, 20, tzinfo=datetime.timezone.utc) + datetime.timedelta(minutes=h % 20000),
                "file_path": f"s3://commoncrawl/crawl-data/{dump}/segments/{h % 97:05d}.warc.gz",
                "language": d.get("lang_hint"), "language_score": round(0.5 + (h % 500) / 1000, 3),
                "token_count": len(d["text"].split()),
            })
    return out


def main():
    schema = pa.schema([("text", pa.string()), ("id", pa.string()), ("dump", pa.string()), ("url", pa.string()),
                        ("date", pa.timestamp("us", tz="UTC")), ("file_path", pa.string()), ("language", pa.string()),
                        ("language_score", pa.float64()), ("token_count", pa.int64())])
    parts = sorted(glob.glob(os.path.join(HERE, "..", "web", "*.jsonl.gz")))
    for (part, dump, codec) in zip(parts, ["CC-MAIN-2024-10", "CC-MAIN-2024-18"], ["ZSTD", "SNAPPY"]):
        os.makedirs(os.path.join(HERE, "data", dump), exist_ok=True)
        table = pa.Table.from_pylist(rows(part, dump), schema=schema)
        pq.write_table(table, os.path.join(HERE, "data", dump, "000_00000.parquet"), compression=codec, row_group_size=40)
    with open(os.path.join(HERE, "README.md"), "w") as f:
        f.write(README)


if __name__ == "__main__":
    main()
