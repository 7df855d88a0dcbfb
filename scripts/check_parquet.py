#!/usr/bin/env python3
"""Reads a Winnow output folder's Parquet shards as a user's tools would — pyarrow, then `datasets` — and checks
that they hold, document for document, what the JSONL shards of the same run hold: id, text, source, and every
metadata key (a key a document lacks is null in Parquet; objects and arrays are JSON text). Also checks each file's
footer: row groups, statistics on every column chunk, the codec the manifest names.

    .build/pyenv/bin/python scripts/check_parquet.py OUT_DIR
"""
import json, os, sys

import pyarrow as pa
import pyarrow.parquet as pq


def read_jsonl(path):
    codec = "zstd" if path.endswith(".zst") else "gzip" if path.endswith(".gz") else None
    with pa.input_stream(path, compression=codec) as f:
        data = f.read()
    return [json.loads(line) for line in data.decode("utf-8").splitlines() if line.strip()]


def main():
    out = sys.argv[1]
    manifest = json.load(open(os.path.join(out, "manifest.json")))
    shards, twins = manifest["shards"], manifest["parquet"]["shards"]
    codec = {"zstd": "ZSTD", "snappy": "SNAPPY", "gzip": "GZIP", "none": "UNCOMPRESSED"}[manifest["parquet"]["compression"]]
    assert len(shards) == len(twins), f"{len(shards)} JSONL shards, {len(twins)} Parquet shards"
    total = 0
    for s, t in zip(shards, twins):
        want = read_jsonl(os.path.join(out, s["path"]))
        path = os.path.join(out, t["path"])
        f = pq.ParquetFile(path)
        md = f.metadata
        assert md.num_rows == t["documents"] == len(want), (path, md.num_rows, t["documents"], len(want))
        assert md.num_row_groups == t["row_groups"], path
        for g in range(md.num_row_groups):
            for c in range(md.num_columns):
                col = md.row_group(g).column(c)
                assert col.is_stats_set and col.statistics.null_count is not None, (path, g, col.path_in_schema)
                assert col.compression == codec, (path, col.compression, codec)
        got = f.read().to_pylist()
        names = f.schema_arrow.names
        assert names[:3] == ["id", "text", "source"], names
        for k, (g, w) in enumerate(zip(got, want)):
            where = f"{t['path']} row {k}"
            for key in ("id", "text", "source"):
                assert g[key] == w[key], (where, key, g[key], w[key])
            meta = w.get("metadata", {})
            for key in names[3:]:
                orig = key[len("metadata_"):] if key.startswith("metadata_") and key[len("metadata_"):] in ("id", "text", "source") else key
                v, expected = g[key], meta.get(orig)
                if isinstance(expected, (dict, list)):
                    v = json.loads(v)
                if hasattr(v, "isoformat"):
                    v = v.isoformat()
                assert v == expected, (where, key, v, expected)
            assert set(meta) <= set(names[3:]) | {"id", "text", "source"}, (where, set(meta) - set(names))
        total += len(got)
    print(f"pyarrow: {len(twins)} Parquet shard(s), {total} documents, identical to the JSONL shards")

    import datasets
    datasets.disable_progress_bars()
    import tempfile
    with tempfile.TemporaryDirectory() as cache:   # never inside Winnow's output folder
        ds = datasets.load_dataset("parquet", data_dir=os.path.join(out, "parquet"), split="train", cache_dir=cache)
        assert ds.num_rows == manifest["documents"], (ds.num_rows, manifest["documents"])
        first = read_jsonl(os.path.join(out, shards[0]["path"]))[0]
        assert ds[0]["id"] == first["id"] and ds[0]["text"] == first["text"]
        print(f"datasets {datasets.__version__}: load_dataset('parquet', data_dir=...) gives {ds.num_rows} rows, columns {ds.column_names}")


if __name__ == "__main__":
    main()
