#!/usr/bin/env python3
"""Real text in many languages from Debian's translated documentation, for issue 23's parity and keep-rate runs.

Nobody on this project wrote any of it: the Debian Reference and the New Maintainers' Guide (translated HTML),
the translated manual pages (rendered by groff), fortune cookies, and the programs' translated messages
(gettext catalogues: menus, buttons, errors — real boilerplate). The packages come from Debian's archive
(`apt-get download`, versions recorded in each document's `source`); nothing is copied into the repository.

    python3 bench/debian_text.py OUT_DIR [--cache DIR]

writes OUT_DIR/{en,pt,es,fr,de,it,ru,pl,ja,zh,vi,ko}.jsonl, one document per line:
`{"id", "text", "language", "kind", "source", "page"}` (`page`: the guide chapter or manual page, the same in every
language, so English's translation of a document is found; empty for fortunes and junk) with `kind` one of
- prose: a section (h2/h3) of the Debian Reference or the Maintainers' Guide, a manual page's running text
  (a section of a rendered page), a run of fortune cookies of about 1,500 characters;
- menu: the guides' tables of contents (index pages), ~60 entries per document;
- keywords: the names of countries and languages (iso-codes' translations), 80 per document;
- boilerplate: the translated messages of apt, dpkg, coreutils and other programs, 60 per document.
The same documents exist in English (`en`), so a language's rates can be set beside English's of the same kind.
"""
import argparse, gzip, html.parser, json, os, re, struct, subprocess, sys

LANGS = {
    "en": {"reference": "en", "guide": "", "man": "", "fortunes": "", "mo": "en"},
    "pt": {"reference": "pt", "man": "pt_BR", "fortunes": "br", "mo": "pt_BR"},
    "es": {"reference": "es", "guide": "es", "man": "es", "fortunes": "es", "mo": "es"},
    "fr": {"reference": "fr", "guide": "fr", "man": "fr", "mo": "fr"},
    "de": {"reference": "de", "guide": "de", "man": "de", "fortunes": "de", "mo": "de"},
    "it": {"reference": "it", "guide": "it", "man": "it", "fortunes": "it", "mo": "it"},
    "ru": {"guide": "ru", "man": "ru", "fortunes": "ru", "mo": "ru"},
    "pl": {"man": "pl", "fortunes": "pl", "mo": "pl"},
    "ja": {"reference": "ja", "guide": "ja", "man": "ja", "mo": "ja"},
    "zh": {"reference": "zh-cn", "guide": "zh-cn", "man": "zh_CN", "fortunes": "zh", "mo": "zh_CN"},
    "vi": {"guide": "vi", "man": "vi", "mo": "vi"},
    "ko": {"mo": "ko"},
}
# Programs whose messages are translated into all of these languages.
MO_PACKAGES = ["apt", "dpkg", "coreutils", "findutils", "diffutils", "grep", "sed", "tar", "bash", "iso-codes"]


def man_package(folder):
    return "manpages" + ("" if not folder else "-zh" if folder.startswith("zh") else "-" + folder.lower().replace("_", "-"))


def packages():
    names = set(MO_PACKAGES)
    for lang, p in LANGS.items():
        if "reference" in p: names.add(f"debian-reference-{p['reference']}")
        if "guide" in p: names.add("maint-guide" + (f"-{p['guide']}" if p["guide"] else ""))
        if "man" in p: names.add(man_package(p["man"]))
        if "fortunes" in p: names.add("fortunes" + (f"-{p['fortunes']}" if p["fortunes"] else ""))
    return sorted(names)


def fetch(cache):
    debs, root = os.path.join(cache, "debs"), os.path.join(cache, "root")
    os.makedirs(debs, exist_ok=True)
    wanted = packages()
    have = {f.split("_")[0] for f in os.listdir(debs) if f.endswith(".deb")}
    missing = [p for p in wanted if p not in have]
    if missing:
        subprocess.run(["apt-get", "download", *missing], cwd=debs, check=True, stdout=subprocess.DEVNULL)
    versions = {}
    for f in sorted(os.listdir(debs)):
        if f.endswith(".deb"):
            name, version = f.split("_")[:2]
            versions[name] = version
            stamp = os.path.join(root, ".done-" + f)
            if not os.path.exists(stamp):
                subprocess.run(["dpkg-deb", "-x", os.path.join(debs, f), root], check=True)
                open(stamp, "w").close()
    return root, versions


class Text(html.parser.HTMLParser):
    """Visible text, a line per block element; headings h2/h3 start a new section."""
    BLOCK = {"p", "div", "li", "dt", "dd", "tr", "pre", "h1", "h2", "h3", "h4", "h5", "br", "table", "title", "blockquote"}
    SKIP = {"script", "style", "head"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.sections, self.cur, self.skip, self.pre = [], [], 0, 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP: self.skip += 1
        if tag == "pre": self.pre += 1
        if tag in ("h2", "h3") and "".join(self.cur).strip():
            self.sections.append("".join(self.cur)); self.cur = []
        if tag in self.BLOCK: self.cur.append("\n")

    def handle_endtag(self, tag):
        if tag in self.SKIP: self.skip -= 1
        if tag == "pre": self.pre -= 1
        if tag in self.BLOCK: self.cur.append("\n")

    def handle_data(self, data):
        if not self.skip: self.cur.append(data if self.pre else re.sub(r"\s+", " ", data))

    def result(self):
        self.sections.append("".join(self.cur))
        return [clean(s) for s in self.sections if clean(s)]


def clean(s):
    lines = [l.strip() for l in s.replace("\r", "").split("\n")]
    return "\n".join(l for l in lines if l)


def html_sections(path):
    p = Text()
    p.feed(open(path, encoding="utf-8", errors="replace").read())
    return p.result()


def man_sections(path):
    """A rendered manual page cut at its section headings (lines starting at the margin)."""
    src = gzip.open(path).read() if path.endswith(".gz") else open(path, "rb").read()
    out = subprocess.run(["groff", "-k", "-Tutf8", "-man", "-P-cbou", "-rHY=0", "-dAD=l", "-rLL=2000n", "-rcR=1"],
                         input=src, capture_output=True).stdout.decode("utf-8", "replace")
    lines = out.split("\n")[1:-2]   # the running header and footer
    sections, cur = [], []
    for l in lines:
        if l and not l.startswith(" ") and cur:
            sections.append(clean("\n".join(cur))); cur = []
        cur.append(l)
    sections.append(clean("\n".join(cur)))
    return [s for s in sections if s]


def fortunes(path):
    text = open(path, encoding="utf-8", errors="replace").read()
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)
    return [clean(f) for f in re.split(r"^%\s*$", text, flags=re.M) if clean(f)]


def catalogue(path):
    """(msgid, msgstr) pairs of a gettext .mo file (singular forms, header skipped)."""
    data = open(path, "rb").read()
    magic = struct.unpack("<I", data[:4])[0]
    e = "<" if magic == 0x950412DE else ">"
    n, orig, trans = struct.unpack(e + "III", data[8:20])
    pairs = []
    for i in range(n):
        ol, oo = struct.unpack(e + "II", data[orig + 8 * i: orig + 8 * i + 8])
        tl, to = struct.unpack(e + "II", data[trans + 8 * i: trans + 8 * i + 8])
        msgid = data[oo:oo + ol].split(b"\0")[0].decode("utf-8", "replace")
        msgstr = data[to:to + tl].split(b"\0")[0].decode("utf-8", "replace")
        if msgid and msgstr and "\x04" not in msgid:
            pairs.append((msgid, msgstr))
    return pairs


def chunks(items, n):
    return [items[i:i + n] for i in range(0, len(items), n)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out")
    ap.add_argument("--cache", default="/tmp/winnow-debian-text", help="where the packages are downloaded and unpacked (default /tmp/winnow-debian-text)")
    a = ap.parse_args()
    root, versions = fetch(a.cache)
    share = os.path.join(root, "usr/share")
    os.makedirs(a.out, exist_ok=True)
    for lang, p in LANGS.items():
        docs = []

        def add(kind, source, text, page=""):
            if len(text) >= 200 or kind != "prose":
                docs.append({"id": f"{lang}-{kind}-{len(docs)}", "text": text, "language": lang, "kind": kind, "source": source,
                             "page": page})

        if "reference" in p:
            pkg = f"debian-reference-{p['reference']}"
            d = os.path.join(share, "debian-reference")
            for f in sorted(os.listdir(d)):
                if f.endswith(f".{p['reference']}.html"):
                    kind = "menu" if f.startswith("index.") else "prose"
                    sections = html_sections(os.path.join(d, f))
                    if kind == "menu":
                        entries = [l for s in sections for l in s.split("\n")]
                        for c in chunks(entries, 60): add("menu", f"{pkg}_{versions.get(pkg)}:{f}", "\n".join(c))
                    else:
                        for s in sections: add("prose", f"{pkg}_{versions.get(pkg)}:{f}", s, "debian-reference:" + f.split(".")[0])
        if "guide" in p:
            pkg = "maint-guide" + (f"-{p['guide']}" if p["guide"] else "")
            d = os.path.join(share, "doc", pkg, "html")
            suffix = f".{p['guide'] or 'en'}.html"
            for f in sorted(os.listdir(d)) if os.path.isdir(d) else []:
                if f.endswith(suffix):
                    sections = html_sections(os.path.join(d, f))
                    if f.startswith("index."):
                        entries = [l for s in sections for l in s.split("\n")]
                        for c in chunks(entries, 60): add("menu", f"{pkg}_{versions.get(pkg)}:{f}", "\n".join(c))
                    else:
                        for s in sections: add("prose", f"{pkg}_{versions.get(pkg)}:{f}", s, "maint-guide:" + f.split(".")[0])
        if "man" in p:
            pkg = man_package(p["man"])
            d = os.path.join(share, "man", p["man"]) if p["man"] else os.path.join(share, "man")
            pages = []
            for dirpath, _, files in os.walk(d):
                # man/man1 for English (not man/de/man1), man/de/man1 for German.
                if os.path.dirname(dirpath) != d or not re.search(r"/man[1-8]$", dirpath): continue
                pages += [os.path.join(dirpath, f) for f in files]
            for path in sorted(pages):
                if os.path.islink(path): continue
                # Only a page the package ships (the English folder holds every installed package's pages).
                for s in man_sections(path):
                    if len(s) >= 400: add("prose", f"{pkg}_{versions.get(pkg)}:{os.path.relpath(path, share)}", s, "man:" + os.path.relpath(path, d))
        if "fortunes" in p:
            pkg = "fortunes" + (f"-{p['fortunes']}" if p["fortunes"] else "")
            d = os.path.join(share, "games", "fortunes")
            files = []
            for dirpath, _, fs in os.walk(d):
                files += [os.path.join(dirpath, f) for f in fs]
            listing = subprocess.run(["dpkg-deb", "-c", os.path.join(a.cache, "debs", f"{pkg}_{versions[pkg]}_all.deb")], capture_output=True, text=True).stdout
            shipped = {"/" + l.split()[-1].lstrip("./") for l in listing.splitlines() if l.startswith("-")}
            for path in sorted(files):
                rel = "/" + os.path.relpath(path, root)
                if rel not in shipped or path.endswith(".dat") or os.path.islink(path): continue
                if lang == "zh" and not path.endswith(".u8") and os.path.exists(path + ".u8"): continue
                buf = []
                for f in fortunes(path):
                    buf.append(f)
                    if sum(len(x) for x in buf) >= 1500:
                        add("prose", f"{pkg}_{versions.get(pkg)}:{rel}", "\n\n".join(buf)); buf = []
                if buf: add("prose", f"{pkg}_{versions.get(pkg)}:{rel}", "\n\n".join(buf))
        # Messages: English from the catalogues' own msgids (the German catalogue's, which covers most).
        names, messages = [], []
        mo_lang = p["mo"] if lang != "en" else "de"
        d = os.path.join(share, "locale", mo_lang, "LC_MESSAGES")
        for f in sorted(os.listdir(d)) if os.path.isdir(d) else []:
            if f.startswith("iso_3166") or f.startswith("iso_639"):
                target, pkg = names, "iso-codes"
            elif f[:-3] in MO_PACKAGES:
                target, pkg = messages, f[:-3]
            else:
                continue
            for msgid, msgstr in catalogue(os.path.join(d, f)):
                target.append((msgid if lang == "en" else msgstr, f"{pkg}_{versions.get(pkg)}:locale/{mo_lang}/{f}"))
        for c in chunks(names, 80): add("keywords", c[0][1], "\n".join(t for t, _ in c))
        for c in chunks(messages, 60): add("boilerplate", c[0][1], "\n".join(t.strip() for t, _ in c if t.strip()))
        with open(os.path.join(a.out, f"{lang}.jsonl"), "w") as f:
            for d in docs: f.write(json.dumps(d, ensure_ascii=False) + "\n")
        kinds = {}
        for d in docs: kinds[d["kind"]] = kinds.get(d["kind"], 0) + 1
        print(lang, len(docs), kinds, file=sys.stderr)


if __name__ == "__main__":
    main()
