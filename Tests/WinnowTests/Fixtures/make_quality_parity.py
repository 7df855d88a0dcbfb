#!/usr/bin/env python3
"""Writes quality_parity.jsonl: documents this script generates (fixed seed, words of its own), each with
the decision of datatrove 0.10.1's GopherQuality, GopherRepetition, FineWebQuality and C4Quality filters
with their defaults (C4 also with filter_no_terminal_punct=False, as in the FineWeb recipe), and C4's
rewritten text. QualityParityTests checks Winnow's steps against every document.

Documents are drawn around each rule's threshold: word counts near 50, mean word lengths near 3 and 10,
'#' and ellipsis ratios near 0.1, bullet and ellipsis lines, alphabetic-word shares near 0.8, stop words,
duplicated lines and paragraphs, repeated n-grams, short lines, list-like pages, lines without terminal
punctuation, 'javascript', cookie policies, 'lorem ipsum', curly brackets, citation markers, CJK,
emoji, empty lines and Windows newlines.

    /tmp/anchors-venv/bin/python Tests/WinnowTests/Fixtures/make_quality_parity.py
"""
import json, os, random
from datatrove.data import Document
from datatrove.pipeline.filters import C4QualityFilter, FineWebQualityFilter, GopherQualityFilter, GopherRepetitionFilter

rng = random.Random(20261129)
SYL = ["ka", "lo", "mi", "ren", "sa", "tu", "vel", "no", "dri", "pa", "qui", "zor", "el", "an", "bra", "cos", "dun", "fy"]
STOP = ["the", "be", "to", "of", "and", "that", "have", "with"]
OTHER = ["#", "##", "...", "…", "-", "•", "$5", "3.5%", "e-mail", "don't", "I'm", "U.S.", "Mr.", "x/y", "a--b", "10km",
         "日本語", "한국어", "😀", "naïve", "Ελληνικά", "(see)", "[1]", "[edit]", "[citation needed]", "{x}", "javascript",
         "JavaScript", "lorem", "ipsum", "cookie", "policy", "terms", "use", "cookies", "1000000", "supercalifragilisticexpialidocious"]

def word(long=False):
    n = rng.randint(4, 7) if long else rng.choice([1, 1, 2, 2, 3])
    return "".join(rng.choice(SYL) for _ in range(n))

def line(n_words, p_stop, p_other, p_long):
    ws = []
    for _ in range(n_words):
        r = rng.random()
        ws.append(rng.choice(STOP) if r < p_stop else rng.choice(OTHER) if r < p_stop + p_other else word(rng.random() < p_long))
    if ws and rng.random() < 0.5:
        ws[0] = ws[0].capitalize()
    end = rng.choice([".", ".", ".", "!", "?", "", "", "...", "…", ":", "\"", "'", ";"])
    prefix = rng.choice(["", "", "", "", "- ", "• ", "  "])
    return prefix + " ".join(ws) + end

def document():
    kind = rng.random()
    p_stop = rng.choice([0.0, 0.02, 0.05, 0.1, 0.2])
    p_other = rng.choice([0.0, 0.01, 0.05, 0.1, 0.3])
    p_long = rng.choice([0.0, 0.05, 0.2, 0.5, 0.9])
    n_lines = rng.choice([1, 2, 3, 5, 8, 12, 20, 30])
    words_per_line = rng.choice([1, 2, 3, 4, 6, 8, 12, 20, 40])
    lines = [line(max(1, int(rng.gauss(words_per_line, words_per_line / 3))), p_stop, p_other, p_long) for _ in range(n_lines)]
    if kind < 0.25 and lines:                              # duplicated lines
        for _ in range(rng.randint(1, max(1, n_lines // 2))):
            lines.insert(rng.randrange(len(lines) + 1), rng.choice(lines))
    if 0.25 <= kind < 0.35 and lines:                      # repeated n-grams inside lines
        phrase = " ".join(word() for _ in range(rng.randint(2, 6)))
        lines = [l + (" " + phrase) * rng.randint(0, 4) for l in lines]
    sep = rng.choice(["\n", "\n", "\n\n", "\n\n\n"])
    text = ""
    for i, l in enumerate(lines):
        text += l
        if i < len(lines) - 1:
            text += sep if rng.random() < 0.7 else rng.choice(["\n", "\n\n", "\n \n"])
    if rng.random() < 0.1:
        text = text.replace("\n", "\r\n")
    if rng.random() < 0.05:
        text = "\n" + text + "\n\n"
    return text

docs = [document() for _ in range(1400)]
docs += ["", " ", "\n\n", "word", "#" * 60, "... " * 60, "- a\n- b\n- c", "lorem ipsum dolor sit amet. " * 10]
filters = {
    "gopher_quality": lambda: GopherQualityFilter(),
    "gopher_repetition": lambda: GopherRepetitionFilter(),
    "fineweb_quality": lambda: FineWebQualityFilter(),
    "c4_quality": lambda: C4QualityFilter(),
    "c4_quality_no_terminal_punct": lambda: C4QualityFilter(filter_no_terminal_punct=False),
}
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "quality_parity.jsonl")
with open(out, "w", encoding="utf-8") as f:
    for i, t in enumerate(docs):
        rec = {"id": i, "text": t}
        for name, make in filters.items():
            d = Document(text=t, id=str(i))
            try:
                r = make().filter(d)
            except ZeroDivisionError:
                r = (False, "ZeroDivisionError")
            rec[name] = None if r is True else r[1]
            if name.startswith("c4") and r is True:
                rec[name + "_text"] = d.text
        f.write(json.dumps(rec, ensure_ascii=False) + "\n")
print("wrote", out, len(docs), "documents")
