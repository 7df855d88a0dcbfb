#!/usr/bin/env python3
"""Writes word_tokens.jsonl: sentences this project wrote, each with the words datatrove's English word
tokenizer (spaCy's rule-based English tokenizer, via datatrove.utils.text.split_into_words) finds in it.
WordTokenizerTests checks Winnow's tokenizer against every line.

    /tmp/anchors-venv/bin/python Tests/WinnowTests/Fixtures/make_word_tokens.py   # datatrove 0.10.1 + spacy
"""
import json, os
from datatrove.utils.text import split_into_words

SENTENCES = [
    "Hello, world! It's a test... don't you think? 3.5% of U.S. exports grew.",
    "Mr. Smith met Dr. Jones at 5pm on Jan. 5; they'd've stayed (but couldn't).",
    "I'm sure you're right, we'll see; they've said it'd work, who's asking?",
    "Im sure youre fine, theyve gone, wed go, hes here, shes there, ima go, cant stop.",
    "The well-known co-op sells e-mail-ready 3-D printers for $5.00 (or 5$) each.",
    "Visit https://example.org/a-b/c?d=1 or www.site.com, then mail user@mail.com.",
    "Prices: US$10, C$5, €3, £2; speeds of 10km/h, 5m/s and 20°C.",
    "Wait.... What?! Really?!! No way!!! (Yes.) \"Quoted.\" 'Single.'",
    "Lists: a/b, 1/2, and/or, x:y, A&B, AT&T, c++, #tag, @user, 50%.",
    "She said: «bonjour» — then left – quickly -- and came back---later.",
    "日本語のテキスト。次の文です。",
    "한국어 문장입니다. 다음 문장.",
    "Ελληνικά κείμενα. Русский текст. Українська мова.",
    "Numbers 1,000 and 1.000,50 and 10-20 and 3+4=7 and 2^8 and 6*7.",
    "Emoticons :) :( ;) :-) <3 and xD in a chat):",
    "U.K. and UK. and OK. and I. and ok. and 1. and (1) [2] {3}.",
    "rock'n'roll, O'Neil, 'cause, 'em, y'all, ma'am, o'clock, lovin' it.",
    "He said \"no\"—and 'yes'… maybe.",
    "Tabs\tand\nnewlines\r\nand  double  spaces.",
    "hello.World and file.txt and a.b and foo.bar.baz and v1.2.3.",
    "The I.B.M. Corp. and Acme Inc. and Smith & Co. Ltd. sued.",
    "See e.g. this, i.e. that, etc. and vs. those, approx. 5.",
    "What's this'll be? There're two. Where'd he go? How'd you know?",
    "Couldn't've, shouldn't've, wouldn't've, mightn't, mustn't, needn't.",
    "Don't DON'T Don’t don’t I’m you’re it’ll.",
    "sub-3-minute mile; 24-hour shop; 1.2-billion deal; SP0-SP2 range.",
    "Emoji 😀 inside😀words and ★ stars ✓ checks.",
    "Edge cases: -- ... … ?! !? ¿Qué? ¡Hola!",
    "Arabic: هذا نص عربي. Hebrew: זה טקסט. Hindi: यह पाठ है।",
    "Ph.D. students, N.Y. streets, D.C. politics, St. Louis, Mt. Everest.",
    "Текст на русском языке.한국어 문장입니다.東京は大きな都市です。Текст",
    "Ελληνικά κείμενα εδώ.😀😀😀Ελληνικά κείμενα εδώ.\n😀😀😀🎉 party time 🎉ภาษาไทยไม่มีการเว้นวรรคระหว่างคำ한국어 문장입니다.",
    "🎉 party time 🎉Текст на русском языке.😀😀😀🎉 party time 🎉我们今天去公园散步。한국어 문장입니다.",
    "日本語の文章です。Текст на русском языке.\n🎉 party time 🎉日本語の文章です。",
    "한국어 문장입니다.ภาษาไทยไม่มีการเว้นวรรคระหว่างคำ\n😀😀😀我们今天去公园散步。",
    "ภาษาไทยไม่มีการเว้นวรรคระหว่างคำΕλληνικά κείμενα εδώ.😀😀😀한국어 문장입니다.",
    "Hosts: 8.8.8.8/dns 10.0.0.1/x 172.16.0.1/y 172.15.0.1/z 192.168.1.1/a 1.2.3.255/b 01.2.3.4/c 1.02.3.4/d 224.1.1.1/e.",
    "More: http://localhost/x a@b.com/x@y user:pw@host.org:8080/p?q=1 example.COM/x EXAMPLE.com/y ftp://files.example.org.",
    "Schemes: h://x.org/a git+ssh://git.example.org/r.git xx-y.z://bad.org see.it/now and.So/on now.Then/go",
    "Ports: site.org:80/x site.org:8/x site.org:123456/x site.org:abc/x site.org:443 日本.中国/x 😀.com/x ok.😀",
]

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "word_tokens.jsonl")
with open(out, "w", encoding="utf-8") as f:
    for s in SENTENCES:
        f.write(json.dumps({"text": s, "words": split_into_words(s)}, ensure_ascii=False) + "\n")
print("wrote", out)
