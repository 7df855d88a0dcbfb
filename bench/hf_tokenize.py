#!/usr/bin/env python3
"""HF tokenizers' side of bench/tokenizer.sh: train a byte-level BPE (as ../shared/bench/anchors/hf_tokenizers.py
does: vocabulary 8192, <|endoftext|>, the ByteLevel alphabet, min_frequency as given) or load one, then encode
every text with encode_batch on --threads threads and with a one-thread encode() loop. Prints one JSON line per
measurement; ids_sha256 hashes every id (uint32 little-endian, document order) so Winnow's ids can be compared.

    hf_tokenize.py train OUT.json FILES... [--threads N] [--vocab-size 8192] [--min-frequency 0]
    hf_tokenize.py encode TOKENIZER.json FILES... [--threads N]
"""
import argparse, hashlib, json, os, sys, time


def texts_of(files):
    out = []
    for f in files:
        with open(f, encoding="utf-8") as fh:
            out += [json.loads(line)["text"] for line in fh]
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["train", "encode"])
    ap.add_argument("tokenizer")
    ap.add_argument("files", nargs="+")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--vocab-size", type=int, default=8192)
    ap.add_argument("--min-frequency", type=int, default=0)
    a = ap.parse_args()
    os.environ["RAYON_NUM_THREADS"] = str(a.threads)  # before tokenizers starts its pool
    from tokenizers import Tokenizer, models, pre_tokenizers, decoders, trainers
    texts = texts_of(a.files)
    mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    base = {"tool": "hf-tokenizers", "threads": a.threads, "docs": len(texts), "mb": round(mb, 1)}
    if a.mode == "train":
        tok = Tokenizer(models.BPE())
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
        tok.decoder = decoders.ByteLevel()
        tr = trainers.BpeTrainer(vocab_size=a.vocab_size, min_frequency=a.min_frequency, special_tokens=["<|endoftext|>"],
                                 initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
        t0 = time.perf_counter()
        tok.train_from_iterator(texts, tr)
        wall = time.perf_counter() - t0
        tok.save(a.tokenizer)
        print(json.dumps({**base, "what": f"train {a.vocab_size}", "wall_s": round(wall, 3), "vocab": tok.get_vocab_size()}), flush=True)
        return
    tok = Tokenizer.from_file(a.tokenizer)
    t0 = time.perf_counter()
    encs = []
    for i in range(0, len(texts), 1000):
        encs += [e.ids for e in tok.encode_batch(texts[i:i + 1000])]
    wall = time.perf_counter() - t0
    sha = hashlib.sha256()
    for ids in encs:
        sha.update(b"".join(i.to_bytes(4, "little") for i in ids))
    ntok = sum(map(len, encs))
    print(json.dumps({**base, "what": "encode_batch(1000)", "wall_s": round(wall, 3), "mb_per_s": round(mb / wall, 2),
                      "tokens": ntok, "tokens_per_s": round(ntok / wall), "ids_sha256": sha.hexdigest()}), flush=True)
    if a.threads == 1:
        t0 = time.perf_counter()
        ntok = sum(len(tok.encode(x).ids) for x in texts)
        wall = time.perf_counter() - t0
        print(json.dumps({**base, "what": "encode() loop", "wall_s": round(wall, 3), "mb_per_s": round(mb / wall, 2),
                          "tokens": ntok, "tokens_per_s": round(ntok / wall)}), flush=True)


if __name__ == "__main__":
    main()
