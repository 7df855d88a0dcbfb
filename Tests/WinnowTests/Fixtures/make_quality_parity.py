#!/usr/bin/env python3
"""Writes quality_parity.jsonl: documents this script generates (fixed seed, words of its own), each with
the decision of datatrove 0.10.1's GopherQuality, GopherRepetition, FineWebQuality and C4Quality filters
with their defaults (C4 also with filter_no_terminal_punct=False, as in the FineWeb recipe), and C4's
rewritten text. QualityParityTests checks Winnow's steps against every document.

Documents are drawn around each rule's threshold: word counts near 50, mean word lengths near 3 and 10,
'#' and ellipsis ratios near 0.1, bullet and ellipsis lines, alphabetic-word shares near 0.8, stop words,
duplicated lines and paragraphs, repeated n-grams, short lines, list-like pages, lines without terminal
punctuation, 'javascript', cookie policies, 'lorem ipsum', curly brackets, citation markers, CJK,
emoji, empty lines and Windows newlines; c4_badwords and url_filter on lists this script writes to lists/.

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

def targeted():
    """Documents aimed at the rules random documents rarely reach, each just below / at / above its threshold."""
    out = []
    for n in (45, 49, 50, 51, 55, 80):                     # '#' and ellipsis-word ratios around 0.1
        for k in (n // 10 - 1, n // 10, n // 10 + 1):
            ws = [rng.choice(STOP) if i % 3 == 0 else word(True) for i in range(n)]
            for j in rng.sample(range(n), k):
                ws[j] = rng.choice(["#", "##", "#tag"])
            out.append(" ".join(ws) + ".")
            ws = [rng.choice(STOP) if i % 3 == 0 else word(True) for i in range(n)]
            for j in rng.sample(range(n), k):
                ws[j] = rng.choice(["...", "…", "etc..."])
            out.append(" ".join(ws) + ".")
    for target in (2.8, 2.95, 3.0, 3.05, 3.2, 9.8, 10.0, 10.2):   # mean word length around 3 and 10
        n = 60
        lens = [max(1, round(target + rng.choice([-1, 0, 1]))) for _ in range(n)]
        ws = ["".join(rng.choice("abcdefghijklmnoprstuvwy") for _ in range(L)) for L in lens]
        ws[0:4] = ["the", "and", "of", "to"]
        out.append(" ".join(ws) + ".")
    out.append(" ".join(rng.choice(STOP + ["ka", "lo"]) for _ in range(100_001)) + ".")   # just above 100,000 words
    out.append(" ".join(rng.choice(STOP + ["ka", "lo"]) for _ in range(99_999)) + ".")
    # C4 line rules: javascript, policy phrases, citation markers, short lines, over-long words, terminal marks.
    c4_lines = ["Please enable JavaScript to view this page.", "This site uses cookies to work well.",
                "Read our Privacy Policy before you go on.", "By using it you agree to the terms of use.",
                "Our cookie policy explains the use of cookies here.", "We use cookies.",
                "The river[1] runs north[23] to the sea[edit] today.", "It was large.[citation needed]",
                "Two words.", "Only three words.", "A line that ends with a quote mark\"", "And one with an apostrophe'",
                "This one trails off...", "This one has no mark at all", "Does this one ask?", "It shouts!",
                "a " + "x" * 1000 + " word at the limit.", "a " + "y" * 1001 + " word over the limit.",
                "A plain sentence about the weather and the town.", "Another plain sentence, with a comma, ends here.",
                "[1]", "The line[] with an empty marker.", "Javascript in lower case: javascript is here."]
    for _ in range(120):
        k = rng.randint(3, 12)
        ls = [rng.choice(c4_lines) for _ in range(k)]
        out.append(rng.choice(["\n", "\n\n", "\r\n"]).join(ls))
    # Scripts without spaces, emoji, mixed scripts.
    cjk = ["日本語の文章です。", "我们今天去公园散步。", "한국어 문장입니다.", "ภาษาไทยไม่มีการเว้นวรรคระหว่างคำ",
           "東京は大きな都市です。", "😀😀😀", "🎉 party time 🎉", "Ελληνικά κείμενα εδώ.", "Текст на русском языке."]
    for _ in range(80):
        ls = ["".join(rng.choice(cjk) for _ in range(rng.randint(1, 8))) for _ in range(rng.randint(1, 10))]
        if rng.random() < 0.5:
            ls += [line(rng.randint(5, 15), 0.2, 0.05, 0.1) for _ in range(rng.randint(1, 6))]
        rng.shuffle(ls)
        out.append("\n".join(ls))
    return out

docs = [document() for _ in range(1400)]
docs += ["", " ", "\n\n", "word", "#" * 60, "... " * 60, "- a\n- b\n- c", "lorem ipsum dolor sit amet. " * 10]
docs += targeted()

# c4_badwords and url_filter need lists: the script writes its own (invented words, example domains) next to
# the fixture, and datatrove reads them instead of downloading its own.
LISTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lists")
os.makedirs(LISTS, exist_ok=True)
BAD = ["zorkel", "dripa", "quizor", "bra-cos", "naïvex", "kalo mi", "x.y"]
BAD_JA = ["悪語", "だめ"]
def write_list(name, items):
    with open(os.path.join(LISTS, name), "w", encoding="utf-8") as f:
        f.write("".join(i + "\n" for i in items))
write_list("badwords_en.txt", BAD)
write_list("badwords_ja.txt", BAD_JA)
write_list("domains.txt", ["# blocked domains", "blocked.com", "bad.co.uk", "deep.sub.example.org", "www.ck", "github.io"])
write_list("urls.txt", ["http://fine.com/exact/page.html", "https://ok.org/a?b=c"])
write_list("banned_words.txt", ["# hard", "porn", "Casino"])
write_list("soft_banned_words.txt", ["sex", "hot", "girls", "live"])
write_list("banned_subwords.txt", ["xxxvideo", "free-bet"])
# A small public-suffix list in the PSL format (ICANN section, a wildcard, an exception, a private section).
write_list("public_suffix_list.dat", ["// ===BEGIN ICANN DOMAINS===", "com", "org", "uk", "co.uk", "io", "*.ck", "!www.ck",
                                      "// ===END ICANN DOMAINS===", "// ===BEGIN PRIVATE DOMAINS===", "github.io",
                                      "// ===END PRIVATE DOMAINS==="])

def badword_text(t):
    """Puts a listed word somewhere in some documents: at a boundary, inside a longer word, in capitals."""
    r = rng.random()
    if r < 0.6 or not t:
        return t, rng.choice(["en", "en", "en", "ja", "de"]) if r < 0.1 else "en"
    w = rng.choice(BAD + BAD_JA)
    shape = rng.choice(["{} ", " {}", "({})", "{}.", "pre{}", "{}post", "{}_x", "é{}", "{}9", "\n{}\n", "{}'s", "-{}-"])
    piece = shape.format(w.upper() if rng.random() < 0.2 else w)
    i = rng.randrange(len(t) + 1)
    return t[:i] + piece + t[i:], rng.choice(["en", "en", "ja"])

HOSTS = ["blocked.com", "www.blocked.com", "a.b.blocked.com", "bad.co.uk", "news.bad.co.uk", "co.uk", "fine.com",
         "deep.sub.example.org", "sub.example.org", "x.deep.sub.example.org", "www.ck", "x.y.ck", "shop.github.io",
         "github.io", "1.2.3.4", "foo.localdomain", "ok.org", "notblocked.com", "blocked.com.evil.org"]
PATHS = ["/", "/exact/page.html", "/a?b=c", "/porn/x", "/casino-night", "/Casino", "/hot-girls-live", "/hot/stuff",
         "/free-bet/today", "/freebet", "/x/xxx-video", "/sexy", "/news/2024/01/story", ""]
def url():
    if rng.random() < 0.05:
        return None
    scheme = rng.choice(["http://", "https://", "https://", "//", ""])
    host = rng.choice(HOSTS)
    port = rng.choice(["", "", "", ":8080"])
    user = rng.choice([""] * 9 + ["user:pw@"])
    return scheme + user + host + port + rng.choice(PATHS)

import datatrove.pipeline.filters.c4_filters as c4mod
from datatrove.pipeline.filters import C4BadWordsFilter, URLFilter
from tldextract import TLDExtract
c4mod.cached_asset_path_or_download = lambda url, **kw: os.path.join(LISTS, "badwords_ja.txt" if url.endswith("/ja") else "badwords_en.txt")
def lines_of(name):
    return [l.rstrip("\n") for l in open(os.path.join(LISTS, name), encoding="utf-8")]
def make_url_filter():
    f = URLFilter(extra_domains=lines_of("domains.txt"), extra_urls=lines_of("urls.txt"),
                  banned_words=lines_of("banned_words.txt"), soft_banned_words=lines_of("soft_banned_words.txt"),
                  banned_subwords=lines_of("banned_subwords.txt"), use_integrated_lists=False)
    f.tldextractor = TLDExtract(suffix_list_urls=["file://" + os.path.join(LISTS, "public_suffix_list.dat")],
                                cache_dir=None, fallback_to_snapshot=False)
    return f
url_filter = make_url_filter()
badwords = C4BadWordsFilter(fail_on_missing_language=False)

# Winnow's `segment_unspaced` (on by default) splits words of scripts written without spaces, as
# Sources/Winnow/Text/UnspacedScripts.swift documents; "<filter>_segmented" is datatrove's decision with its
# English words split the same way (the rule re-stated here), "<filter>" is datatrove's decision as shipped.
import unicodedata
import datatrove.pipeline.filters.gopher_quality_filter as gq_mod
import datatrove.pipeline.filters.gopher_repetition_filter as gr_mod
import datatrove.pipeline.filters.fineweb_quality_filter as fw_mod
from datatrove.utils.text import split_into_words

def kind(c):
    v = ord(c)
    if 0x3400 <= v <= 0x4DBF or 0x4E00 <= v <= 0x9FFF or 0xF900 <= v <= 0xFAFF or 0x20000 <= v <= 0x2FA1F or v in (0x3005, 0x3007):
        return "single"
    if 0x3041 <= v <= 0x309F:
        return "single"
    if 0x30A0 <= v <= 0x30FF or 0x31F0 <= v <= 0x31FF or 0xFF66 <= v <= 0xFF9F:
        return "katakana"
    if 0x0E00 <= v <= 0x0EFF or 0x1000 <= v <= 0x109F or 0x1780 <= v <= 0x17FF:
        return "mark" if unicodedata.category(c) in ("Mn", "Mc", "Me") else "cluster"
    if 0x3000 <= v <= 0x303F or 0xFF00 <= v <= 0xFF65:
        return "other" if unicodedata.category(c) in ("Lu", "Ll", "Nd", "Lo", "Lm") else "punctuation"
    return "other"

def segment(words):
    out = []
    for w in words:
        piece, pk = "", "other"
        for c in w:
            k = kind(c)
            if k == "mark":
                if piece:
                    piece += c
                    continue
                k = "other"
            if k in ("other", "katakana"):
                if pk != k and piece:
                    out.append(piece); piece = ""
                piece += c
            else:
                if piece:
                    out.append(piece)
                piece = c
            pk = k
        if piece:
            out.append(piece)
    return out

def segmented_words(text, language="en"):
    return segment(split_into_words(text, language))

def segmented(make):
    def run(doc):
        mods = (gq_mod, gr_mod, fw_mod)
        saved = [m.split_into_words for m in mods]
        for m in mods:
            m.split_into_words = segmented_words
        try:
            return make().filter(doc)
        finally:
            for m, f in zip(mods, saved):
                m.split_into_words = f
    return run

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
        t, lang = badword_text(t) if i < 1408 else (t, "en")
        u = url()
        rec = {"id": i, "text": t, "language": lang}
        if u is not None:
            rec["url"] = u
        for name, make in filters.items():
            d = Document(text=t, id=str(i))
            try:
                r = make().filter(d)
            except ZeroDivisionError:
                r = (False, "ZeroDivisionError")
            rec[name] = None if r is True else r[1]
            if name.startswith("c4") and r is True:
                rec[name + "_text"] = d.text
            if not name.startswith("c4"):
                try:
                    r = segmented(make)(Document(text=t, id=str(i)))
                except ZeroDivisionError:
                    r = (False, "ZeroDivisionError")
                rec[name + "_segmented"] = None if r is True else r[1]
        r = badwords.filter(Document(text=t, id=str(i), metadata={"language": lang}))
        rec["c4_badwords"] = None if r is True else r[1]
        if u is not None:
            r = url_filter.filter(Document(text=t, id=str(i), metadata={"url": u}))
            rec["url_filter"] = None if r is True else r[1]
        f.write(json.dumps(rec, ensure_ascii=False) + "\n")
print("wrote", out, len(docs), "documents")
