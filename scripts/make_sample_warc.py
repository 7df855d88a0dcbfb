#!/usr/bin/env python3
"""Writes examples/data/crawl/sample.warc.gz: a small Common Crawl-shaped WARC (request + response records, gzip per
record) of pages this project wrote itself — articles in Portuguese, English, German and Japanese with the
boilerplate real sites carry (menus, cookie banner, share bar, related links, footer, comments), a 404, an image,
a page in Windows-1252 and a near-copy of one article. Deterministic: fixed record ids and dates."""
import gzip, io, os

PAGES = []
def page(url, lang, title, paragraphs, charset="utf-8", comments=()):
    nav = "".join(f'<li><a href="/{w.lower()}">{w}</a></li>' for w in ["Início", "Notícias", "Cultura", "Esportes", "Contato"])
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    com = "".join(f'<li class="comment"><p>{c}</p></li>' for c in comments)
    html = f"""<!DOCTYPE html><html lang="{lang}"><head><meta charset="{charset}"><title>{title}</title>
<meta name="description" content="{paragraphs[0][:80]}"><link rel="canonical" href="{url}"></head>
<body class="single has-sidebar"><div id="cookie-banner">Usamos cookies para melhorar sua experiência. <a href="/privacidade">Saiba mais</a> <button>Aceitar</button></div>
<header class="site-header"><nav class="main-menu"><ul>{nav}</ul></nav></header>
<main><article><h1>{title}</h1><div class="entry-content">{body}</div>
<div class="share-buttons"><a href="#">Facebook</a> <a href="#">Twitter</a> <a href="#">WhatsApp</a></div></article>
<section id="comments"><h2>Comentários</h2><ol>{com}</ol></section></main>
<aside class="sidebar"><h3>Leia também</h3><ul><li><a href="/a">Outra notícia qualquer</a></li><li><a href="/b">Mais uma notícia</a></li></ul></aside>
<footer class="site-footer"><p>© 2026 Jornal de Exemplo — Todos os direitos reservados. <a href="/termos">Termos de uso</a></p></footer></body></html>"""
    PAGES.append((url, html.encode(charset), charset))

page("https://jornal.example/cultura/festa-junina", "pt", "Festa junina reúne o bairro",
     ["A festa junina do bairro reuniu centenas de famílias no sábado, com quadrilha, fogueira e barracas de comidas típicas como pamonha, canjica e quentão.",
      "Segundo a organização, a arrecadação será destinada à reforma da biblioteca comunitária, que atende crianças e adolescentes da região há mais de vinte anos.",
      "“É a nossa tradição mais bonita”, disse dona Maria, de 78 anos, que dança quadrilha desde a infância e ajudou a costurar os vestidos deste ano."],
     comments=["Que festa linda, parabéns a todos!", "A pamonha estava ótima."])
page("https://news.example/science/river-otters", "en", "River otters return to the valley",
     ["River otters have returned to the upper valley for the first time in forty years, according to a survey published by the regional wildlife trust on Tuesday.",
      "Volunteers recorded tracks and spraints along twelve kilometres of the river, and two camera traps photographed a female with cubs near the old mill.",
      "The trust credits a decade of work on water quality and bankside planting, and asks walkers to keep dogs on leads near the nesting sites during spring."])
page("https://zeitung.example/wirtschaft/baeckerei", "de", "Bäckerei feiert hundert Jahre",
     ["Die Bäckerei am Marktplatz feiert in diesem Monat ihr hundertjähriges Bestehen und lädt die Nachbarschaft zu einem Fest mit Kaffee und Kuchen ein.",
      "In vierter Generation führt Anna Becker den Betrieb, der trotz steigender Energiepreise weiterhin jeden Morgen um vier Uhr den ersten Teig ansetzt.",
      "Zum Jubiläum gibt es ein Brot nach dem Rezept des Urgroßvaters, gebacken im alten Steinofen, der seit der Gründung im Keller des Hauses steht."],
     charset="windows-1252")
page("https://shinbun.example/kurashi/sakura", "ja", "桜の開花が早まる",
     ["今年の桜の開花は平年より五日早く、気象台は週末に満開を迎える見込みだと発表した。公園には多くの花見客が訪れている。",
      "専門家によると、三月の気温が高かったことが主な原因だという。地域の商店街では花見に合わせた催しが計画されている。",
      "市は混雑を避けるため、公共交通機関の利用を呼びかけている。夜間のライトアップは四月十日まで続く予定だ。"])
# A near-copy of the first article (another URL, one sentence changed), for the dedup steps.
url0, html0, _ = PAGES[0]
PAGES.append(("https://outro.example/festa-junina-bairro", html0.replace("no sábado".encode(), "neste sábado".encode()), "utf-8"))

def record(kind, url, n, block, extra=""):
    head = (f"WARC/1.0\r\nWARC-Type: {kind}\r\nWARC-Date: 2026-06-2{n % 10}T10:00:00Z\r\n"
            f"WARC-Record-ID: <urn:uuid:5a3e0000-0000-4000-8000-{n:012d}>\r\nWARC-Target-URI: {url}\r\n{extra}"
            f"Content-Type: application/http; msgtype={'request' if kind == 'request' else 'response'}\r\nContent-Length: {len(block)}\r\n\r\n")
    data = head.encode() + block + b"\r\n\r\n"
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) as g:
        g.write(data)
    return buf.getvalue()

def http(status, ctype, body):
    return f"HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body

out = bytearray()
n = 1
for url, body, charset in PAGES:
    out += record("request", url, n, f"GET {url.split('.example')[1]} HTTP/1.1\r\nHost: example\r\n\r\n".encode()); n += 1
    ctype = "text/html" if charset == "windows-1252" else "text/html; charset=UTF-8"   # the German page declares itself by <meta> only
    out += record("response", url, n, http("200 OK", ctype, body)); n += 1
out += record("response", "https://jornal.example/nao-existe", n, http("404 Not Found", "text/html", b"<p>Not found</p>")); n += 1
out += record("response", "https://jornal.example/logo.png", n, http("200 OK", "image/png", b"\x89PNG\r\n\x1a\n" + bytes(32))); n += 1
path = os.path.join(os.path.dirname(__file__), "../examples/data/crawl/sample.warc.gz")
open(path, "wb").write(bytes(out))
print(path, len(out), "bytes,", len(PAGES), "pages")
