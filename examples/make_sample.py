#!/usr/bin/env python3
"""Writes Winnow's bundled sample corpus (examples/data/) from templates written for the project.

Deterministic (fixed seed): running it again gives the same files. Three sources in five languages,
with exact duplicates (some differing only in case and spacing), documents too short to keep, and
a few bad lines (invalid JSON, missing text, non-string text, invalid UTF-8), so every path of the
quickstart pipeline shows up in lineage.

    python3 examples/make_sample.py        # needs the zstd command for forum/*.jsonl.zst
"""
import gzip, io, json, os, random, subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "data")
rng = random.Random(20261129)

SUBJECTS = {
    "en": ["The river", "Our small town", "The night market", "A community garden", "The old library", "The weekend bus",
           "The harbour", "A local bakery", "The school choir", "The bicycle workshop"],
    "pt": ["O rio", "A nossa pequena cidade", "A feira noturna", "Uma horta comunitária", "A velha biblioteca",
           "O ônibus do fim de semana", "O porto", "Uma padaria do bairro", "O coral da escola", "A oficina de bicicletas"],
    "es": ["El río", "Nuestro pequeño pueblo", "El mercado nocturno", "Un huerto comunitario", "La vieja biblioteca",
           "El autobús del fin de semana", "El puerto", "Una panadería del barrio", "El coro de la escuela", "El taller de bicicletas"],
    "de": ["Der Fluss", "Unsere kleine Stadt", "Der Nachtmarkt", "Ein Gemeinschaftsgarten", "Die alte Bibliothek",
           "Der Wochenendbus", "Der Hafen", "Eine Bäckerei im Viertel", "Der Schulchor", "Die Fahrradwerkstatt"],
    "fr": ["La rivière", "Notre petite ville", "Le marché de nuit", "Un jardin partagé", "La vieille bibliothèque",
           "Le bus du week-end", "Le port", "Une boulangerie du quartier", "La chorale de l'école", "L'atelier de vélos"],
}
VERBS = {
    "en": ["opens early on Saturdays", "changed a lot after the floods", "brings neighbours together", "needs more volunteers",
           "was rebuilt with public money", "attracts visitors from the coast", "closes for two weeks in August",
           "keeps records going back a century", "sells bread baked before dawn", "teaches children to repair things"],
    "pt": ["abre cedo aos sábados", "mudou muito depois das cheias", "aproxima os vizinhos", "precisa de mais voluntários",
           "foi reconstruído com dinheiro público", "atrai visitantes do litoral", "fecha duas semanas em agosto",
           "guarda registros de mais de um século", "vende pão assado antes do amanhecer", "ensina as crianças a consertar coisas"],
    "es": ["abre temprano los sábados", "cambió mucho después de las inundaciones", "reúne a los vecinos", "necesita más voluntarios",
           "fue reconstruido con dinero público", "atrae visitantes de la costa", "cierra dos semanas en agosto",
           "guarda registros de hace un siglo", "vende pan horneado antes del amanecer", "enseña a los niños a reparar cosas"],
    "de": ["öffnet samstags früh", "hat sich nach dem Hochwasser stark verändert", "bringt die Nachbarn zusammen",
           "braucht mehr Freiwillige", "wurde mit öffentlichen Mitteln wieder aufgebaut", "zieht Besucher von der Küste an",
           "schließt im August für zwei Wochen", "bewahrt Unterlagen aus einem Jahrhundert auf",
           "verkauft Brot, das vor dem Morgengrauen gebacken wird", "bringt Kindern bei, Dinge zu reparieren"],
    "fr": ["ouvre tôt le samedi", "a beaucoup changé après les inondations", "rassemble les voisins", "a besoin de bénévoles",
           "a été reconstruit avec de l'argent public", "attire des visiteurs de la côte", "ferme deux semaines en août",
           "conserve des archives depuis un siècle", "vend du pain cuit avant l'aube", "apprend aux enfants à réparer les objets"],
}
TAILS = {
    "en": ["according to the people who run it", "as the council noted last spring", "and most residents seem pleased",
           "although parking is still a problem", "which surprised almost everyone", "despite a tight budget"],
    "pt": ["segundo as pessoas que o administram", "como a prefeitura notou na primavera passada", "e a maioria dos moradores parece satisfeita",
           "embora o estacionamento ainda seja um problema", "o que surpreendeu quase todos", "apesar do orçamento apertado"],
    "es": ["según las personas que lo gestionan", "como señaló el ayuntamiento la primavera pasada", "y la mayoría de los vecinos parece contenta",
           "aunque el aparcamiento sigue siendo un problema", "lo que sorprendió a casi todos", "a pesar de un presupuesto ajustado"],
    "de": ["sagen die Leute, die es betreiben", "wie der Stadtrat im letzten Frühjahr feststellte", "und die meisten Anwohner sind zufrieden",
           "obwohl das Parken noch ein Problem ist", "was fast alle überrascht hat", "trotz eines knappen Budgets"],
    "fr": ["selon les personnes qui s'en occupent", "comme l'a noté la mairie au printemps dernier", "et la plupart des habitants semblent contents",
           "même si le stationnement reste un problème", "ce qui a surpris presque tout le monde", "malgré un budget serré"],
}
LANGS = list(SUBJECTS)


def sentence(lang):
    return f"{rng.choice(SUBJECTS[lang])} {rng.choice(VERBS[lang])}, {rng.choice(TAILS[lang])}."


def paragraph(lang, n):
    return " ".join(sentence(lang) for _ in range(n))


def document(lang):
    paras = [paragraph(lang, rng.randint(2, 5)) for _ in range(rng.randint(1, 4))]
    return "\n\n".join(paras)


def write_jsonl_gz(path, lines):
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0, filename="") as g:
        for ln in lines:
            g.write(ln if isinstance(ln, bytes) else (ln + "\n").encode("utf-8"))
    open(path, "wb").write(buf.getvalue())


def web():
    os.makedirs(os.path.join(OUT, "web"), exist_ok=True)
    docs = []
    for i in range(180):
        lang = LANGS[i % len(LANGS)]
        text = document(lang) if i % 9 else rng.choice(["Click here.", "Accept cookies", "Home | About | Contact", "Menu"])
        docs.append({"id": f"web-{i:04d}", "text": text, "url": f"https://example.org/{lang}/{i}", "lang_hint": lang})
    # Exact duplicates: same text under a new id; some differ only in case and spacing.
    for k, j in enumerate(range(3, 180, 11)):
        t = docs[j]["text"]
        if k % 2:
            t = "  " + t.upper().replace(" ", "   ") + "\n"
        docs.append({"id": f"web-copy-{k:03d}", "text": t, "url": f"https://mirror.example.net/{k}"})
    rng.shuffle(docs)
    for part in range(2):
        lines = [json.dumps(d, ensure_ascii=False) for d in docs[part::2]]
        if part == 0:
            lines.insert(7, '{"id": "web-bad-json", "text": "unterminated')
            lines.insert(30, '{"id": "web-no-text", "url": "https://example.org/empty"}')
        else:
            lines.insert(12, '{"id": "web-number-text", "text": 12345}')
            lines.insert(40, b'{"id": "web-bad-utf8", "text": "caf\xe9 au lait"}\n')
        write_jsonl_gz(os.path.join(OUT, "web", f"part-{part}.jsonl.gz"), lines)


def forum():
    os.makedirs(os.path.join(OUT, "forum"), exist_ok=True)
    posts = []
    for i in range(110):
        lang = rng.choice(["en", "pt", "es"])
        body = paragraph(lang, rng.randint(1, 6)) if i % 10 else "+1"
        posts.append({"post_id": 1000 + i, "thread": f"t{i // 7}", "body": body, "lang_hint": lang})
    for k in range(6):
        posts.append({"post_id": 2000 + k, "thread": "reposts", "body": posts[10 + 9 * k]["body"]})
    lines = "".join(json.dumps(p, ensure_ascii=False) + "\n" for p in posts)
    lines += '{"post_id": 3000, "thread": "broken", "body": "no closing brace"\n'
    path = os.path.join(OUT, "forum", "posts.jsonl.zst")
    subprocess.run(["zstd", "-q", "-f", "-19", "-o", path], input=lines.encode("utf-8"), check=True)


def books():
    os.makedirs(os.path.join(OUT, "books"), exist_ok=True)
    for b, lang in enumerate(["en", "pt", "de"]):
        blocks = []
        for c in range(12):
            blocks.append(f"Chapter {c + 1}" if c % 4 == 0 else paragraph(lang, rng.randint(3, 7)))
        text = "\n\n".join(blocks) + "\n"
        if b == 1:
            text = text.replace("\n", "\r\n")  # Windows newlines are read as well
        open(os.path.join(OUT, "books", f"book-{b + 1}-{lang}.txt"), "w", encoding="utf-8", newline="").write(text)


if __name__ == "__main__":
    web()
    forum()
    books()
    print("wrote", OUT)
