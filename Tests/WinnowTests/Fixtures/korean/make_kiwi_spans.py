#!/usr/bin/env python3
"""Writes kiwi_spans.jsonl beside this script: for the Korean text in ../shared/corpora (the Universal Declaration of
Human Rights), the spans datatrove 0.10.1's Korean word tokenizer cuts (Kiwi 0.21, model "sbg", after datatrove's
removal of long digit runs) as [start, end] code-point offsets, with a SHA-256 of the text — not the text or the
words: the text stays in ../shared/corpora, which `KoreanWordsTests` reads.

    $PY Tests/WinnowTests/Fixtures/korean/make_kiwi_spans.py   # the bench venv: datatrove 0.10.1, kiwipiepy 0.21.0
"""
import gzip, hashlib, json, os

from datatrove.utils.word_tokenizers import load_word_tokenizer

HERE = os.path.dirname(os.path.abspath(__file__))
CORPORA = os.path.join(HERE, "../../../../../shared/corpora")
SOURCES = [("nltk_udhr2.jsonl.gz", lambda d: d.get("lang") == "kor" or d["id"].endswith("-kor"))]

tokenizer = load_word_tokenizer("kor_Hang")   # datatrove's KiwiTokenizer
with open(os.path.join(HERE, "kiwi_spans.jsonl"), "w") as out:
    for name, wanted in SOURCES:
        for line in gzip.open(os.path.join(CORPORA, name), "rt", encoding="utf-8"):
            d = json.loads(line)
            if not wanted(d):
                continue
            text = d["text"]
            spans = [[t.start, t.end] for t in tokenizer.tokenizer.tokenize(tokenizer.preprocess(text))]
            words = tokenizer.word_tokenize(text)
            assert [text[a:b].strip() for a, b in spans if text[a:b].strip()] == words
            out.write(json.dumps({"corpus": name, "id": d["id"], "sha256": hashlib.sha256(text.encode()).hexdigest(),
                                  "spans": spans}) + "\n")
            print(name, d["id"], len(words), "words")
