#!/usr/bin/env python3
"""Writes the Parquet fixtures Winnow's reader is tested against, with pyarrow (the bench venv: see bench/README.md),
and next to each FILE.parquet a FILE.expected.json: the footer as pyarrow reports it (rows, row groups, and per column
chunk its physical type, codec, encodings, value count and offsets) and the rows as pyarrow reads them.

    /tmp/anchors-venv/bin/python Tests/WinnowTests/Fixtures/parquet/make_parquet.py

The texts are short sentences in several scripts (Portuguese, Japanese without spaces, Russian, Arabic, emoji), some
null; ids are strings or integers. Small on purpose: the files are committed.
"""
import json, os
import pyarrow as pa
import pyarrow.parquet as pq

HERE = os.path.dirname(os.path.abspath(__file__))
TEXTS = [
    "Olá, mundo — ação e coração.",
    "東京都は日本の首都である。人口は約千四百万人。",
    "Привет, мир! Это проверка.",
    "مرحبا بالعالم، هذا اختبار.",
    "emoji 🙂 and math ∑ x² «quoted»",
    None,
    "short",
    "A line\nwith a newline and a tab\there.",
]


def table(n, int_ids, with_nulls):
    texts = [TEXTS[i % len(TEXTS)] if (with_nulls or TEXTS[i % len(TEXTS)] is not None) else "filler text"
             for i in range(n)]
    if not with_nulls:
        texts = [t if t is not None else "filler text" for t in texts]
    ids = list(range(1000, 1000 + n)) if int_ids else [f"doc-{i:04d}" for i in range(n)]
    lang = ["pt", "ja", "ru", "ar", "en", "en", "en", "en"]
    return pa.table({
        "id": pa.array(ids, type=pa.int64() if int_ids else pa.string()),
        "text": pa.array(texts, type=pa.string()),
        "language": pa.array([lang[i % len(lang)] for i in range(n)], type=pa.string()),
        "score": pa.array([round(i * 0.125, 3) for i in range(n)], type=pa.float64()),
        "count": pa.array([i * 7 for i in range(n)], type=pa.int32()),
        "ok": pa.array([i % 3 != 0 for i in range(n)], type=pa.bool_()),
    })


CASES = [
    # name, rows, codec, dictionary, data page version, int ids, nulls, row group size
    ("plain_uncompressed_v1", 20, "NONE", False, "1.0", False, False, 8),
    ("dict_zstd_v2", 40, "ZSTD", True, "2.0", False, True, 16),
    ("dict_snappy_v1_intids", 30, "SNAPPY", True, "1.0", True, True, 12),
    ("plain_gzip_v2", 25, "GZIP", False, "2.0", True, False, 10),
]


def describe(path):
    md = pq.ParquetFile(path).metadata
    groups = []
    for g in range(md.num_row_groups):
        rg = md.row_group(g)
        cols = []
        for c in range(rg.num_columns):
            cc = rg.column(c)
            cols.append({"path": cc.path_in_schema, "type": cc.physical_type, "codec": cc.compression,
                         "encodings": sorted(cc.encodings), "num_values": cc.num_values,
                         "data_page_offset": cc.data_page_offset,
                         "dictionary_page_offset": cc.dictionary_page_offset if cc.has_dictionary_page else None,
                         "total_compressed_size": cc.total_compressed_size})
        groups.append({"num_rows": rg.num_rows, "columns": cols})
    return {"num_rows": md.num_rows, "created_by": md.created_by, "row_groups": groups,
            "schema": [md.schema.column(i).name for i in range(len(md.schema))]}


def main():
    for name, n, codec, dictionary, version, int_ids, nulls, group in CASES:
        t = table(n, int_ids, nulls)
        path = os.path.join(HERE, name + ".parquet")
        pq.write_table(t, path, compression=codec, use_dictionary=dictionary, data_page_version=version,
                       row_group_size=group, write_statistics=True)
        expected = describe(path)
        expected["rows"] = pq.read_table(path).to_pylist()
        with open(os.path.join(HERE, name + ".expected.json"), "w") as f:
            json.dump(expected, f, ensure_ascii=False, indent=1, sort_keys=True)
            f.write("\n")
    # Malformed: not Parquet, a footer cut short.
    with open(os.path.join(HERE, "not_parquet.parquet"), "wb") as f:
        f.write(b'{"id": "a", "text": "this is JSON, not Parquet"}\n')
    whole = open(os.path.join(HERE, "plain_uncompressed_v1.parquet"), "rb").read()
    with open(os.path.join(HERE, "truncated_footer.parquet"), "wb") as f:
        f.write(whole[:-20])


if __name__ == "__main__":
    main()
