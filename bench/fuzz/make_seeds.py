#!/usr/bin/env python3
"""Writes the fuzzing seeds in bench/fuzz/seeds/TARGET/ (small, committed): a few well-formed and a few broken inputs
per parser, in several scripts. The manifest and the stage records come from Winnow itself, running the quickstart
pipeline on the bundled sample data (as stage tasks, so the work files stay).

    python3 bench/fuzz/make_seeds.py [.build/release/winnow]
"""
import json, os, shutil, struct, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SEEDS = os.path.join(HERE, "seeds")


def put(target, name, data):
    d = os.path.join(SEEDS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def jsonl():
    docs = [{"id": "pt-1", "text": "Olá, mundo — ação e coração.", "url": "https://exemplo.br/a"},
            {"id": 7, "text": "東京都は日本の首都である。人口は約千四百万人。", "meta": {"lang": "ja"}},
            {"id": "ru", "text": "Привет, мир!\nЭто проверка.", "score": 0.5, "tags": ["a", "b"]}]
    put("jsonl", "good.jsonl", "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs))
    put("jsonl", "bad.jsonl", '{"id": "a", "text": "fine"}\nnot json\n{"id": "b"}\n{"id": "c", "text": 5}\n'
                              '{"id": "d", "text": "\\ud83d\\ude42 escaped \\u00e9"}\r\n{"text": "no id", "id": null}\n[1, 2]\n{"id": "e", "text": "cut')
    put("jsonl", "deep.jsonl", '{"id": "x", "text": "t", "m": ' + "[" * 40 + "]" * 40 + "}\n")


def spec():
    s = {"name": "seed", "seed": 1, "on_error": "skip",
         "sources": [{"name": "web", "paths": ["data/*.jsonl.gz"], "weight": 0.7},
                     {"name": "books", "paths": ["books/*.txt"], "format": "text", "text_mode": "blocks", "weight": 0.3, "max_epochs": 2}],
         "steps": [{"type": "length", "min_chars": 60}, {"type": "gopher_repetition"}, {"type": "gopher_quality", "thresholds": "fineweb2"},
                   {"type": "c4_quality"}, {"type": "fineweb_quality"}, {"type": "exact_dedup", "normalize": "lowercase"},
                   {"type": "minhash_dedup", "ngram_size": 5, "bands": 14, "rows": 8}, {"type": "pii", "kinds": ["email", "ip"]}],
         "tokenizer": {"train": {"vocab_size": 1024}},
         "curriculum": {"score": "readability", "buckets": ["easy", "medium", "hard"], "replay": 0.1},
         "output": {"dir": "out", "formats": ["jsonl", "llmc"], "compression": "zstd", "shard_docs": 100}}
    put("spec", "pipeline.json", json.dumps(s, indent=1))
    put("spec", "minimal.json", '{"name": "m", "sources": [{"name": "s", "paths": ["x.jsonl"]}], "steps": [], "output": {"dir": "o"}}')
    put("spec", "wrong.json", '{"name": 5, "sources": {}, "steps": [{"type": "nope"}], "output": {"dir": ""}, "extra": true}')


def byte_level():
    """GPT-2's byte-to-character table: printable bytes stand for themselves, the rest move to U+0100 on."""
    keep = list(range(33, 127)) + list(range(161, 173)) + list(range(174, 256))
    table, extra = {}, 0
    for b in range(256):
        if b in keep:
            table[b] = chr(b)
        else:
            table[b] = chr(256 + extra)
            extra += 1
    return table


def tokenizer():
    bl = byte_level()
    vocab = {bl[b]: b for b in range(256)}
    # Merges in ASCII and in the two bytes of "ã" (Ã £ as byte-level characters), then "ão".
    merges = [("a", "b"), (bl[32], "a"), ("ab", "c"), (bl[0xC3], bl[0xA3]), (bl[0xC3] + bl[0xA3], "o")]
    for l, r in merges:
        vocab.setdefault(l + r, len(vocab))
    vocab["<|endoftext|>"] = len(vocab)
    t = {"version": "1.0", "added_tokens": [{"id": vocab["<|endoftext|>"], "content": "<|endoftext|>", "special": True}],
         "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False},
         "model": {"type": "BPE", "vocab": vocab, "merges": [f"{l} {r}" for l, r in merges]}}
    put("tokenizer", "tokenizer.json", json.dumps(t, ensure_ascii=False))
    t["model"]["merges"] = [[l, r] for l, r in merges]
    put("tokenizer", "tokenizer-pairs.json", json.dumps(t, ensure_ascii=False))
    put("tokenizer", "merges.txt", "#version: 0.2\n" + "".join(f"{l} {r}\n" for l, r in merges))


def llmc(tokens, wide=False):
    header = [20240801 if wide else 20240520, 7 if wide else 1, len(tokens)] + [0] * 253
    return struct.pack("<256i", *header) + struct.pack(("<%dI" if wide else "<%dH") % len(tokens), *tokens)


def shards():
    put("shards", "u16.bin", llmc([i % 50 for i in range(200)]))
    put("shards", "u32.bin", llmc([i * 997 % 70000 for i in range(100)], wide=True))
    put("shards", "short.bin", llmc(list(range(40)))[:1100])


def cron():
    for k, e in enumerate(["0 3 * * *", "*/15 9-17 * * 1-5", "30 2 1,15 * *", "@daily", "0 0 29 2 *", "5 4 * * sun", "0 22 * * 1-5/2", "61 * * * *"]):
        put("cron", f"e{k}.txt", e)


def warc_record(kind, uri, body, extra=""):
    warc_record.n = getattr(warc_record, "n", 0) + 1
    head = (f"WARC/1.0\r\nWARC-Type: {kind}\r\nWARC-Record-ID: <urn:uuid:00000000-0000-0000-0000-{warc_record.n:012d}>\r\n"
            f"WARC-Target-URI: {uri}\r\nWARC-Date: 2024-05-01T00:00:00Z\r\n{extra}Content-Length: {len(body)}\r\n\r\n")
    return head.encode() + body + b"\r\n\r\n"


def warc():
    page = "<html><head><meta charset='utf-8'><title>Olá</title></head><body><p>Texto em português, com acentuação.</p></body></html>".encode()
    http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + page
    recs = [warc_record("warcinfo", "", b"software: seed\r\n"),
            warc_record("request", "https://exemplo.br/", b"GET / HTTP/1.1\r\nHost: exemplo.br\r\n\r\n"),
            warc_record("response", "https://exemplo.br/", http, "Content-Type: application/http; msgtype=response\r\n"),
            warc_record("response", "https://exemplo.br/404", b"HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\n\r\n<p>no</p>"),
            warc_record("conversion", "https://exemplo.br/", "Texto extraído.".encode(), "Content-Type: text/plain\r\n")]
    put("warc", "crawl.warc", b"".join(recs))
    put("warc", "broken.warc", recs[2][:150] + b"garbage\r\n\r\n" + recs[4])


def html():
    put("html", "article.html", "<!doctype html><html lang=pt><head><title>Notícia</title><script>var a='<p>';</script><style>p{}</style></head>"
        "<body><nav><a href=/>Início</a> | <a href=/x>Contato</a></nav><article><h1>Título &amp; subtítulo</h1>"
        "<p>Primeiro parágrafo com &eacute; &#233; &#xE9; e <b>negrito</b>.</p><table><tr><td>1</td><td>2</td></tr></table>"
        "<ul><li>um<li>dois</ul><pre>  código\n  aqui</pre></article><footer>© 2024</footer></body></html>")
    put("html", "broken.html", "<div><p>unclosed <b>bold <i>both</p></div></span><![CDATA[x]]><!-- c --<p>東京都は日本の首都である。&notanentity; &#x110000;")


def from_winnow(winnow):
    tmp = tempfile.mkdtemp()
    spec = json.load(open(os.path.join(ROOT, "pipelines", "quickstart.json")))
    for s in spec["sources"]:
        s["paths"] = [os.path.join(ROOT, "pipelines", p) for p in s["paths"]]
    spec["output"]["dir"] = os.path.join(tmp, "out")
    path = os.path.join(tmp, "q.json")
    json.dump(spec, open(path, "w"))
    subprocess.run([winnow, "run", path, "--quiet"], check=True, capture_output=True)
    os.makedirs(os.path.join(SEEDS, "manifest"), exist_ok=True)
    shutil.copy(os.path.join(tmp, "out", "manifest.json"), os.path.join(SEEDS, "manifest", "manifest.json"))
    wd = os.path.join(tmp, "wd")
    subprocess.run([winnow, "run", path, "--workdir", wd, "--stage", "1", "--task-index", "0", "--task-count", "1", "--quiet"], check=True, capture_output=True)
    work = os.path.join(wd, "work")
    files = sorted(os.listdir(work), key=lambda n: os.path.getsize(os.path.join(work, n)))
    os.makedirs(os.path.join(SEEDS, "records"), exist_ok=True)
    for kind in (".docs", ".keys"):
        name = next(n for n in files if n.endswith(kind))
        shutil.copy(os.path.join(work, name), os.path.join(SEEDS, "records", "stage1" + kind))
    shutil.rmtree(tmp)


def main():
    winnow = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build", "release", "winnow")
    jsonl(); spec(); tokenizer(); shards(); cron(); warc(); html()
    from_winnow(winnow)


if __name__ == "__main__":
    main()
