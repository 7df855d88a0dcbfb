#!/usr/bin/env python3
"""Writes the tokenizer parity fixture: a multilingual text set this script composes (fixed seed) — scripts
with and without spaces, combining marks, emoji sequences, odd whitespace, contractions, numbers, code, the
special token's text, and lines of invalid UTF-8 — a byte-level BPE that Hugging Face `tokenizers` trains on
*other* text (tokenizer.json, and the same model as GPT-2's vocab.json + merges.txt), and HF's ids for every line.

The training text is not the encoded lines: it is pseudo-words drawn letter by letter from the same scripts
(seeded), far more distinct words than the 600-token vocabulary holds, so most words of the encoded lines split
into several tokens and the order in which merges apply decides the ids (a tokenizer trained on the encoded lines
themselves learns them whole, and parity then says little about merge order).
TokenizerParityTests loads both files in Winnow and checks ids and round trips. Needs the bench venv:

    /tmp/anchors-venv/bin/python Tests/WinnowTests/Fixtures/tokenizer/make_tokenizer_parity.py

Invalid UTF-8 cannot reach HF's pre-tokenizer (Rust strings), so for those lines each invalid byte stands in as
U+E000 (a private-use character: neither letter, number nor space — how Winnow classes an invalid byte) while
HF's ByteLevel pre-tokenizer splits the line, and HF's BPE model then encodes each piece's real bytes.
"""
import json, os, random

from tokenizers import Tokenizer, models, pre_tokenizers, decoders, trainers

HERE = os.path.dirname(os.path.abspath(__file__))
rng = random.Random(7007)

FRAGMENTS = [
    "The quick brown fox jumps over the lazy dog.", "It's what they're doing; we'll see, I'd say, you've won.",
    "Don't SHOUT'S or 'quoted' words", "Numbers: 3.14159, 1,000,000 and 42nd; ½ ⅓ ² ³ Ⅻ ٣ ๕",
    "Olá, coração! Ação e informação são não-triviais.", "Größe, Straße, Äpfel und Übermaß.",
    "L'œuvre d'art était très évoluée à Noël.", "Съешь же ещё этих мягких французских булок.",
    "Ελληνικά: γράμματα και λέξεις.", "العربية لغة جميلة ١٢٣", "עברית: שלום עולם", "हिन्दी में लिखा गया वाक्य।",
    "ภาษาไทยไม่มีช่องว่างระหว่างคำ", "中文没有空格，分词很难。", "日本語のテキスト、カタカナとひらがな。", "한국어 문장입니다.",
    "Emoji 🎉🚀 and families 👨‍👩‍👧‍👦, flags 🇧🇷🇩🇪, skin 👍🏽.", "Combining: e\u0301 a\u0300 n\u0303 q\u0307\u0323 Z\u0336",
    "tabs\tand  double  spaces   triple", "non\u00a0breaking\u2009thin\u3000ideographic", "line\r\nbreaks\n\nblank\n",
    "def f(x):\n    return x**2  # comment", "SELECT id, text FROM documents WHERE status = 'kept';",
    "<|endoftext|>", "a<|endoftext|>b", "   leading and trailing   ", "https://example.com/path?q=1&r=2#frag",
    "ALLCAPS lowercase MiXeD CamelCaseWords snake_case_words kebab-case-words", "ﬁ ligature, ＦＵＬＬＷＩＤＴＨ, ℌ𝔢𝔩𝔩𝔬",
    "\u200bzero\u200cwidth\u200djoiners\ufeff", "𝕄𝕒𝕥𝕙 𝒮𝒸𝓇𝒾𝓅𝓉 and 𐍈 gothic", "!!!??? ... --- ***", "x" * 40,
]

def line():
    return " ".join(rng.choice(FRAGMENTS) for _ in range(rng.randint(1, 4)))

INVALID = [b"caf\xc3 ok", b"\xff\xfe start", b"mid \x80\x81 dle", b"trunc \xe2\x82", b"over\xf5long \xc0\xaf", b"surrogate \xed\xa0\x80 x",
           b"end \xf0\x9f\x98", b"\xe6\x97\xa5\xe6\x9c plain", b"a\xffb\xfec d", b" \xff \xfe  \xfd"]

ALPHABETS = [
    "abcdefghijklmnopqrstuvwxyzáàâãçéêíóôõúüäöß'", "абвгдеёжзийклмнопрстуфхцчшщыьэюя", "αβγδεζηθικλμνξοπρστυφχψω",
    "ابتثجحخدذرزسشصضطظعغفقكلمنهوي", "אבגדהוזחטיכלמנסעפצקרשת", "कखगघचछजझटठडढणतथदधनपफबभमयरलवशसह", "กขคงจฉชซญดตถทนบปผพฟมยรลวสหอ",
    "的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年", "あいうえおかきくけこさしすせそたちつてとなにぬねの", "アイウエオカキクケコサシスセソ",
    "가나다라마바사아자차카타파하거너더러머버서어저", "0123456789", "()[]{}<>-_=+*/.,;:!?\"#@&%$",
]

def pseudo_words(n):
    words = []
    for _ in range(n):
        alphabet = rng.choice(ALPHABETS)
        w = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 9)))
        if rng.random() < 0.2:
            w = w.capitalize()
        words.append(w)
    return words

def main():
    texts = [line() for _ in range(400)]
    words = pseudo_words(60000)
    train_texts = [" ".join(words[i:i + rng.randint(4, 16)]) for i in range(0, len(words), 10)]
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=600, min_frequency=2, special_tokens=["<|endoftext|>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator(train_texts, trainer)
    tok.save(os.path.join(HERE, "hf_tokenizer.json"))
    tok.model.save(HERE, "hf")                                   # hf-vocab.json, hf-merges.txt
    rows = [{"text": t, "ids": tok.encode(t).ids} for t in texts]
    for raw in INVALID:
        s = raw.decode("utf-8", "surrogateescape")
        stand_in = "".join("\ue000" if 0xDC80 <= ord(c) <= 0xDCFF else c for c in s)
        ids = []
        for _, (a, b) in tok.pre_tokenizer.pre_tokenize_str(stand_in):
            piece = s[a:b].encode("utf-8", "surrogateescape")
            spelled = "".join(BYTE_CHARS[x] for x in piece)
            ids += [t.id for t in tok.model.tokenize(spelled)]
        rows.append({"hex": raw.hex(), "ids": ids})
    with open(os.path.join(HERE, "parity.jsonl"), "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    pieces = sum(len(tok.pre_tokenizer.pre_tokenize_str(t)) for t in texts)
    ids = sum(len(r["ids"]) for r in rows[:len(texts)])
    print("wrote", len(rows), "lines, vocabulary", tok.get_vocab_size(), f"distinct training words {len(set(words))},",
          f"{ids / pieces:.2f} tokens per pre-tokenized piece of the encoded lines")

def byte_chars():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs, n = bs[:], 0
    for b in range(256):
        if b not in bs:
            bs.append(b); cs.append(256 + n); n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}

BYTE_CHARS = byte_chars()

if __name__ == "__main__":
    main()
