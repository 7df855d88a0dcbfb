#!/usr/bin/env python3
"""Writes the Parquet fixtures Winnow's reader is tested against, with pyarrow (the bench venv: see bench/README.md),
and next to each FILE.parquet a FILE.expected.json: the footer as pyarrow reports it (rows, row groups, and per column
chunk its physical type, codec, encodings, value count and offsets) and the rows as pyarrow reads them.

    /tmp/anchors-venv/bin/python Tests/WinnowTests/Fixtures/parquet/make_parquet.py

The texts are short sentences in several scripts (Portuguese, Japanese without spaces, Russian, Arabic, emoji), some
null; ids are strings or integers. Small on purpose: the files are committed.
"""
import datetime, json, os
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


# The matrix: every codec × dictionary or plain × data page v1 or v2; nulls in the text of every other file, string
# or integer ids alternating, several row groups each.
CODECS = ["NONE", "SNAPPY", "GZIP", "ZSTD", "LZ4"]
CASES = []
for ci, codec in enumerate(CODECS):
    for dictionary in (True, False):
        for version in ("1.0", "2.0"):
            k = len(CASES)
            name = f"{codec.lower()}_{'dict' if dictionary else 'plain'}_v{version[0]}"
            # name, rows, codec, dictionary, data page version, int ids, nulls, row group size
            CASES.append((name, 12 + k, codec, dictionary, version, k % 2 == 1, k % 2 == 0, 5 + k % 3))

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


def iso(v, digits):
    """A timestamp as Winnow writes it: UTC, with the unit's fractional digits when the fraction is not zero."""
    if v.tzinfo is not None:
        v = v.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    s = v.strftime("%Y-%m-%dT%H:%M:%S")
    frac = v.microsecond * 1000 + getattr(v, "nanosecond", 0)
    if frac:
        s += "." + f"{frac:09d}"[:digits]
    return s + "Z"


def winnow_value(v, field):
    """A value as Winnow keeps it in a document's metadata."""
    if v is None:
        return None
    t = field.type
    if pa.types.is_timestamp(t):
        digits = {"ms": 3, "us": 6, "ns": 9}[t.unit]
        return iso(v, digits)
    if pa.types.is_date(t):
        return v.isoformat()
    if pa.types.is_binary(t):
        return v.decode("utf-8", "replace")
    return v


def save(name, path):
    expected = describe(path)
    table = pq.read_table(path)
    kept = [f for f in table.schema if not (pa.types.is_nested(f.type) or pa.types.is_decimal(f.type))]
    expected["rows"] = [{f.name: winnow_value(row[f.name], f) for f in kept} for row in table.to_pylist()]
    for f in table.schema:
        if pa.types.is_timestamp(f.type) and f.type.unit == "ns":
            # Nanoseconds from the integers (datetimes stop at microseconds).
            for r, ns in zip(expected["rows"], table.column(f.name).cast(pa.int64()).to_pylist()):
                r[f.name] = None if ns is None else iso_ns(ns)
    expected["skipped"] = sorted(f.name for f in table.schema if f not in kept)
    with open(os.path.join(HERE, name + ".expected.json"), "w") as f:
        json.dump(expected, f, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
        f.write("\n")


def iso_ns(ns):
    secs, frac = divmod(ns, 10**9)
    s = (datetime.datetime(1970, 1, 1) + datetime.timedelta(seconds=secs)).strftime("%Y-%m-%dT%H:%M:%S")
    return s + (f".{frac:09d}" if frac else "") + "Z"


def main():
    for name, n, codec, dictionary, version, int_ids, nulls, group in CASES:
        t = table(n, int_ids, nulls)
        path = os.path.join(HERE, name + ".parquet")
        pq.write_table(t, path, compression=codec, use_dictionary=dictionary, data_page_version=version,
                       row_group_size=group, write_statistics=True)
        save(name, path)
    # The DELTA encodings (pyarrow writes them only without a dictionary), pages v1 and v2.
    for version in ("1.0", "2.0"):
        name = f"delta_v{version[0]}"
        t = table(60, True, True)
        path = os.path.join(HERE, name + ".parquet")
        pq.write_table(t, path, compression="ZSTD", use_dictionary=False, data_page_version=version, row_group_size=25,
                       column_encoding={"id": "DELTA_BINARY_PACKED", "text": "DELTA_LENGTH_BYTE_ARRAY",
                                        "language": "DELTA_BYTE_ARRAY", "count": "DELTA_BINARY_PACKED"})
        save(name, path)
    # Page checksums (CRC-32 in every page header).
    path = os.path.join(HERE, "checksums.parquet")
    pq.write_table(table(30, False, True), path, compression="SNAPPY", row_group_size=10, write_page_checksum=True)
    save("checksums", path)
    # Metadata types: timestamps (ms, µs, ns, and INT96), dates, binary, and columns Winnow does not keep
    # (a list, a struct, a decimal).
    import datetime, decimal
    n = 12
    base = datetime.datetime(2024, 2, 28, 23, 59, 58, 123456)
    t = pa.table({
        "id": pa.array([f"t{i}" for i in range(n)]),
        "text": pa.array([TEXTS[i % 5] for i in range(n)]),
        "ts_ms": pa.array([base + datetime.timedelta(seconds=i, milliseconds=i) for i in range(n)], type=pa.timestamp("ms", tz="UTC")),
        "ts_us": pa.array([base + datetime.timedelta(days=i, microseconds=i) for i in range(n)], type=pa.timestamp("us")),
        "ts_ns": pa.array([base - datetime.timedelta(days=2000 * i, microseconds=7 * i) for i in range(n)], type=pa.timestamp("ns")),
        "day": pa.array([datetime.date(1969, 12, 25) + datetime.timedelta(days=400 * i) for i in range(n)], type=pa.date32()),
        "raw": pa.array([f"bytes {i}".encode() for i in range(n)], type=pa.binary()),
        "tags": pa.array([["a", "b"][: i % 3] for i in range(n)], type=pa.list_(pa.string())),
        "info": pa.array([{"x": i, "y": str(i)} for i in range(n)]),
        "price": pa.array([decimal.Decimal(f"{i}.25") for i in range(n)], type=pa.decimal128(6, 2)),
    })
    path = os.path.join(HERE, "types.parquet")
    pq.write_table(t, path, row_group_size=5)
    save("types", path)
    path = os.path.join(HERE, "int96.parquet")
    pq.write_table(t.select(["id", "text", "ts_us"]), path, use_deprecated_int96_timestamps=True)
    save("int96", path)
    lists()
    # Malformed: not Parquet, a footer cut short.
    with open(os.path.join(HERE, "not_parquet.parquet"), "wb") as f:
        f.write(b'{"id": "a", "text": "this is JSON, not Parquet"}\n')
    whole = open(os.path.join(HERE, "none_plain_v1.parquet"), "rb").read()
    with open(os.path.join(HERE, "truncated_footer.parquet"), "wb") as f:
        f.write(whole[:-20])


def lists():
    """Benchmark-shaped items whose `choices` is a list of strings (as MMLU's Parquet on the Hub has it), with null and
    empty lists and null elements, and `scores` a list of integers; dictionary or plain, data pages v1 and v2, pages
    small enough that lists cross page boundaries. Next to them lists.items.json: per file, each row's id, question
    and lists as pyarrow reads them, nulls left out (what Winnow joins into an item)."""
    n = 40
    choices = []
    for i in range(n):
        if i % 11 == 5:
            choices.append(None)
        elif i % 7 == 3:
            choices.append([])
        else:
            c = [f"{TEXTS[(i + k) % 5]} ({k})" for k in range(1 + i % 4)]
            if i % 9 == 2:
                c.insert(1, None)
            choices.append(c)
    t = pa.table({
        "id": pa.array([f"item-{i}" for i in range(n)]),
        "question": pa.array([f"Question {i}: {TEXTS[i % 5]}" for i in range(n)]),
        "choices": pa.array(choices, type=pa.list_(pa.string())),
        "scores": pa.array([list(range(i % 3)) for i in range(n)], type=pa.list_(pa.int64())),
    })
    expected = {}
    for dictionary in (True, False):
        for version in ("1.0", "2.0"):
            name = f"lists_{'dict' if dictionary else 'plain'}_v{version[0]}"
            path = os.path.join(HERE, name + ".parquet")
            pq.write_table(t, path, compression="ZSTD", use_dictionary=dictionary, data_page_version=version,
                           row_group_size=15, data_page_size=64)
            rows = pq.read_table(path).to_pylist()
            expected[name] = [{"id": r["id"], "question": r["question"], "choices": [c for c in (r["choices"] or []) if c is not None],
                               "scores": r["scores"]} for r in rows]
    with open(os.path.join(HERE, "lists.items.json"), "w") as f:
        json.dump(expected, f, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
