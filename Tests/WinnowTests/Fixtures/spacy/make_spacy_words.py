#!/usr/bin/env python3
"""Writes words.jsonl beside this script: for real text in each language with exported spaCy rules (and Chinese,
jieba's words, Japanese, SudachiPy's, and Vietnamese, pyvi's), the number of
words datatrove 0.10.1's word tokenizer for that language gives and a SHA-256 of them (joined by U+0001) — not the
text or the words: the text stays in ../shared/corpora, which `SpacyStyleTokenizerTests` reads.

    $PY Tests/WinnowTests/Fixtures/spacy/make_spacy_words.py     # the bench venv (datatrove 0.10.1, spacy 3.8.18)
"""
import gzip, hashlib, json, os

from datatrove.utils.word_tokenizers import load_word_tokenizer

CORPORA = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "..", "shared", "corpora")
UDHR = {"arb": "ar", "ces": "cs", "deu": "de", "ind": "id", "ita": "it", "nld": "nl", "pol": "pl", "rus": "ru",
        "spa": "es", "swe": "sv", "ukr": "uk", "por": "pt", "fra": "fr", "tur": "tr", "pes": "fa",
        "cmn_hans": "zh", "cmn_hant": "zh", "jpn": "ja", "vie": "vi"}
# The name fineweb-2-pipeline.py passes datatrove for these (the bare "zh" would pick spaCy's multi-language rules,
# not jieba).
TOKENIZER = {"zh": "cmn_Hani", "ja": "jpn_Jpan", "vi": "vie_Latn"}


def docs():
    for line in gzip.open(os.path.join(CORPORA, "nltk_mac_morpho_pt_detok.jsonl.gz"), "rt", encoding="utf-8"):
        d = json.loads(line)
        if int(d["id"].rsplit("-", 1)[1]) % 8 == 0:        # one in eight: about 280 documents
            yield "nltk_mac_morpho_pt_detok.jsonl.gz", d["id"], "pt", d["text"]
    for line in gzip.open(os.path.join(CORPORA, "web_text_trafilatura_naive.jsonl.gz"), "rt", encoding="utf-8"):
        d = json.loads(line)
        if d.get("lang") in ("de", "es", "fr", "pl", "pt", "nl", "it", "ru", "cs", "sv", "tr"):
            yield "web_text_trafilatura_naive.jsonl.gz", d["id"], d["lang"], d["text"]
    for line in gzip.open(os.path.join(CORPORA, "nltk_udhr2.jsonl.gz"), "rt", encoding="utf-8"):
        d = json.loads(line)
        if d["lang"] in UDHR:
            yield "nltk_udhr2.jsonl.gz", d["id"], UDHR[d["lang"]], d["text"]


def main():
    out = open(os.path.join(os.path.dirname(__file__), "words.jsonl"), "w")
    for corpus, doc_id, lang, text in docs():
        words = load_word_tokenizer(TOKENIZER.get(lang, lang)).word_tokenize(text)
        digest = hashlib.sha256("\u0001".join(words).encode("utf-8")).hexdigest()
        out.write(json.dumps({"corpus": corpus, "id": doc_id, "lang": lang, "words": len(words), "sha256": digest}) + "\n")


if __name__ == "__main__":
    main()
