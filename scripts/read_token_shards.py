#!/usr/bin/env python3
"""Reads a Winnow run's token shards the way their trainers do — llm.c's `.bin` as its data loader reads it
(256 int32 header: magic, version, token count; then uint16 or uint32 tokens) and Megatron-LM's indexed dataset
as its `_IndexReader` does (MMIDIDX header, version, dtype code, sequence/document counts, lengths, pointers,
document indices; tokens by pointer from the `.bin`) — and checks them against manifest.json: token and document
counts per shard and split, tokens per source, one end-of-text token per document, and the same tokens in
shard N of both formats. numpy only.

    python3 scripts/read_token_shards.py OUTPUT_DIR
"""
import json, os, struct, sys

import numpy as np

LLMC = {20240520: (1, np.uint16), 20240801: (7, np.uint32)}
MEGATRON_DTYPES = {1: np.uint8, 2: np.int8, 3: np.int16, 4: np.int32, 5: np.int64, 6: np.float64, 7: np.float32, 8: np.uint16}


def read_llmc(path):
    with open(path, "rb") as f:
        header = np.frombuffer(f.read(256 * 4), dtype=np.int32)
        magic, version, ntok = int(header[0]), int(header[1]), int(header[2])
        assert magic in LLMC, f"{path}: magic {magic}"
        want_version, dtype = LLMC[magic]
        assert version == want_version, f"{path}: version {version}"
        tokens = np.frombuffer(f.read(), dtype=dtype)
    assert len(tokens) == ntok, f"{path}: header says {ntok} tokens, file holds {len(tokens)}"
    return tokens.astype(np.int64)


def read_megatron(prefix):
    with open(prefix + ".idx", "rb") as f:
        assert f.read(9) == b"MMIDIDX\x00\x00", f"{prefix}.idx: bad header"
        assert struct.unpack("<Q", f.read(8))[0] == 1, f"{prefix}.idx: bad version"
        dtype = MEGATRON_DTYPES[struct.unpack("<B", f.read(1))[0]]
        seq_count = struct.unpack("<Q", f.read(8))[0]
        doc_count = struct.unpack("<Q", f.read(8))[0]
        offset = f.tell()
    buf = np.memmap(prefix + ".idx", mode="r", order="C")
    lengths = np.frombuffer(buf, dtype=np.int32, count=seq_count, offset=offset)
    pointers = np.frombuffer(buf, dtype=np.int64, count=seq_count, offset=offset + lengths.nbytes)
    doc_idx = np.frombuffer(buf, dtype=np.int64, count=doc_count, offset=offset + lengths.nbytes + pointers.nbytes)
    assert lengths.shape[0] == doc_idx[-1], f"{prefix}.idx: sequence count and document index disagree"
    bin_ = np.memmap(prefix + ".bin", mode="r", order="C")
    itemsize = np.dtype(dtype).itemsize
    sequences = [np.frombuffer(bin_, dtype=dtype, count=int(l), offset=int(p)).astype(np.int64) for l, p in zip(lengths, pointers)]
    return sequences, doc_idx


def main():
    out = sys.argv[1]
    m = json.load(open(os.path.join(out, "manifest.json")))
    t = m["tokens"]
    eot, vocab = t["tokenizer"]["end_of_text_id"], t["tokenizer"]["vocab_size"]
    by_shard, totals, per_source = {}, {}, {}
    for s in t["shards"]:
        key = (s["split"], s["shard"])
        if s["format"] == "llmc":
            toks = read_llmc(os.path.join(out, s["files"][0]["path"]))
            starts = np.flatnonzero(toks == eot)
            assert len(starts) == s["documents"] and (len(toks) == 0 or toks[0] == eot), f"{key}: end-of-text tokens"
            stream = toks
        else:
            prefix = os.path.join(out, s["files"][0]["path"])[:-len(".bin")]
            seqs, doc_idx = read_megatron(prefix)
            assert len(seqs) == s["documents"] and list(doc_idx) == list(range(len(seqs) + 1)), f"{key}: megatron documents"
            assert all(len(q) > 0 and q[-1] == eot for q in seqs), f"{key}: a sequence does not end with end-of-text"
            stream = np.concatenate([np.concatenate(([eot], q[:-1])) for q in seqs]) if seqs else np.zeros(0, np.int64)
        assert len(stream) == s["tokens"], f"{s['format']} {key}: {len(stream)} tokens, manifest {s['tokens']}"
        assert stream.size == 0 or (stream.min() >= 0 and stream.max() < vocab), f"{key}: id outside the vocabulary"
        if key in by_shard:
            assert np.array_equal(by_shard[key], stream), f"{key}: llmc and megatron shards differ"
        else:
            by_shard[key] = stream
            n = totals.setdefault(s["split"], [0, 0])
            n[0] += s["documents"]; n[1] += s["tokens"]
            for src, k in s["tokens_per_source"].items():
                per_source[(s["split"], src)] = per_source.get((s["split"], src), 0) + k
    for split, (docs, toks) in totals.items():
        stated = t["splits"][split]
        assert (docs, toks) == (stated["documents"], stated["tokens"]), f"{split}: {docs}/{toks} vs manifest {stated}"
        for src, k in stated["tokens_per_source"].items():
            assert per_source[(split, src)] == k, f"{split}/{src}: tokens per source"
        print(f"{split}: {docs} documents, {toks} tokens in {sum(1 for k in by_shard if k[0] == split)} shard(s): agrees with manifest.json")
    formats = sorted({s["format"] for s in t["shards"]})
    print(f"read {len(t['shards'])} shard(s) as {' and '.join(formats)} loaders do: ok")


if __name__ == "__main__":
    main()
