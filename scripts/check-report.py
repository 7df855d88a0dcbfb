#!/usr/bin/env python3
"""Checks a `winnow report` page independently of Winnow: Python's own HTML parser and sqlite3.

- every section is there (the ids given with --sections, comma-separated);
- every data table's cells equal its query, re-run read-only on its lineage file (data-db, data-sql);
- nothing loads from anywhere: no script, link, iframe, img, object or embed element, no @import or url() in the
  style, and every href and src is a fragment (#…).

Usage: check-report.py REPORT.html [--sections a,b,c]
Prints one line per problem and exits 1 if there is one; else prints what it checked.
"""
import sqlite3
import sys
from html.parser import HTMLParser


def cell(v):
    """A value as `winnow lineage` and the report print it."""
    if v is None:
        return ""
    if isinstance(v, float):
        return "%.1f" % v if v == int(v) and abs(v) < 1e15 else repr(v)
    if isinstance(v, bytes):
        return "x'" + v.hex() + "'"
    return str(v)


class Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids, self.tables, self.problems = set(), [], []
        self.table = None
        self.row = None
        self.text = None
        self.style = False
        self.style_text = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if tag in ("script", "link", "iframe", "img", "object", "embed", "base", "frame", "audio", "video", "source"):
            self.problems.append(f"a <{tag}> element: {attrs}")
        for k in ("href", "src", "xlink:href", "action", "srcset", "poster"):
            if k in a and not (a[k] or "").startswith("#"):
                self.problems.append(f"<{tag} {k}={a[k]!r}>: not a fragment")
        if tag == "style":
            self.style = True
        if tag == "table" and "data-sql" in a:
            self.table = {"sql": a["data-sql"], "db": a.get("data-db"), "rows": []}
        elif tag == "tr" and self.table is not None:
            self.row = []
        elif tag in ("td", "th") and self.row is not None:
            self.text = ""

    def handle_endtag(self, tag):
        if tag == "style":
            self.style = False
        elif tag in ("td", "th") and self.row is not None and self.text is not None:
            self.row.append(self.text)
            self.text = None
        elif tag == "tr" and self.table is not None and self.row is not None:
            self.table["rows"].append(self.row)
            self.row = None
        elif tag == "table" and self.table is not None:
            self.tables.append(self.table)
            self.table = None

    def handle_data(self, data):
        if self.text is not None:
            self.text += data
        if self.style:
            self.style_text += data


def main():
    args = sys.argv[1:]
    sections = []
    if "--sections" in args:
        i = args.index("--sections")
        sections = [s for s in args[i + 1].split(",") if s]
        del args[i:i + 2]
    if len(args) != 1:
        sys.exit(__doc__)
    page = Page()
    with open(args[0], encoding="utf-8") as f:
        page.feed(f.read())
    problems = list(page.problems)
    for s in sections:
        if s not in page.ids:
            problems.append(f"section #{s} missing")
    low = page.style_text.lower()
    for bad in ("@import", "url("):
        if bad in low:
            problems.append(f"the style has {bad}")
    cells = 0
    for t in page.tables:
        try:
            con = sqlite3.connect(f"file:{t['db']}?mode=ro", uri=True)
            cur = con.execute(t["sql"])
            header = [d[0] for d in cur.description]
            rows = [[cell(v) for v in r] for r in cur.fetchall()]
            con.close()
        except Exception as e:  # noqa: BLE001 - any failure is a problem to report
            problems.append(f"query failed ({e}): {t['sql'][:120]}")
            continue
        got = t["rows"]
        if not got or got[0] != header:
            problems.append(f"header {got[:1]} != {header}: {t['sql'][:120]}")
            continue
        if got[1:] != rows:
            for k, (a, b) in enumerate(zip(got[1:], rows)):
                if a != b:
                    problems.append(f"row {k}: page {a} != query {b}: {t['sql'][:120]}")
                    break
            else:
                problems.append(f"{len(got) - 1} rows on the page, {len(rows)} from the query: {t['sql'][:120]}")
            continue
        cells += sum(len(r) for r in rows)
    for p in problems:
        print(p)
    if problems:
        sys.exit(1)
    print(f"checked {len(page.tables)} tables, {cells} cells, {len(sections)} sections: all equal to their queries; nothing loads from the network")


if __name__ == "__main__":
    main()
