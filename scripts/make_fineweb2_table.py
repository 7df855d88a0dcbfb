#!/usr/bin/env python3
"""Generates Sources/Winnow/Steps/Filters/FineWeb2Table.swift: FineWeb-2's per-language filter values, for every
label lid.176 can give, from the configs FineWeb-2 publishes.

    python3 scripts/make_fineweb2_table.py FINEWEB2_CHECKOUT TOKENIZER_ASSIGNMENT_CSV LID_LABELS

- FINEWEB2_CHECKOUT: a checkout of github.com/huggingface/fineweb-2 (its configs/{iso3}_{Script}.yml: stop words,
  word-length bounds, non-alphabetic word ratio, duplicate line and n-gram fractions, top n-gram fractions, line
  punctuation and new-line ratios, language_score).
- TOKENIZER_ASSIGNMENT_CSV: datatrove's datatrove/assets/tokenizer_assignment.csv (0.10.1), read only for its
  ISO 639-1 → ISO 639-3 + script columns: a two-letter label maps to the row whose `default_code_1` and
  `default_script` are TRUE (the individual language a macro-language code stands for in practice: `zh` → cmn_Hani,
  `ar` → arb_Arab, `ms` → zsm_Latn, `sw` → swh_Latn, `sq` → als_Latn, `fa` → fas_Arab, …); a three-letter label to
  its own code's default script.
- LID_LABELS: lid.176's labels, one per line (`__label__` stripped), e.g. from
  `python -c "import fasttext; print('\\n'.join(l[9:] for l in fasttext.load_model('models/lid.176.ftz').labels))"`.

lid.176 names some languages by their Wikipedia codes, not ISO 639; those are mapped by hand in WIKIPEDIA_CODES
below (`als` is Alemannic, gsw, not Tosk Albanian; `sh` is Serbo-Croatian, mapped to FineWeb-2's srp_Latn; `ku` is
Kurmanji in Latin script; …). A label whose language FineWeb-2 has no config for is listed in `unmapped` and gets the step's own
values. FineWeb-2's `language_score` thresholds are GlotLID probabilities: the table keeps them (for a `language`
step running GlotLID), but Winnow never applies them to lid.176 scores.
"""
import csv, glob, json, os, subprocess, sys

import yaml

# lid.176 labels that are Wikipedia language codes rather than ISO 639-1/3 codes of the same language.
WIKIPEDIA_CODES = {
    "als": "gsw",   # Alemannic (ISO 639-3 als is Tosk Albanian)
    "bh": "bho",    # Bihari languages (collective); Bhojpuri, its most used member
    "sh": "srp",    # Serbo-Croatian: its Wikipedia is written in Latin script → FineWeb-2's srp_Latn
    "eml": "eml",   # Emilian-Romagnol: FineWeb-2 keeps the retired code (eml_Latn)
    "ku": "kmr",    # Kurdish: lid.176 learned Kurmanji (Latin script) from its Wikipedia, not Sorani (ckb, a label of its own)
    "tl": "fil",    # Tagalog → Filipino, FineWeb-2's name for it
    "nah": "nhe",   # Nahuatl (collective) → Eastern Huasteca Nahuatl, FineWeb-2's largest Nahuatl
    "no": "nob",    # Norwegian → Bokmål
    "diq": "diq",
    "fiu-vro": "vro",
    "roa-rup": "rup",
    "zh-yue": "yue",
}
# Scripts chosen where the language is written in several and FineWeb-2 has a config for more than one.
SCRIPT_CHOICES = {"srp": "Latn", "sr": "Cyrl", "az": "Latn", "uz": "Latn", "pa": "Guru", "ku": "Latn", "tg": "Cyrl",
                  "mn": "Cyrl", "yue": "Hani", "bho": "Deva", "sd": "Arab", "ks": "Arab", "ha": "Latn", "ff": "Latn"}
KEYS = ["dup_line_frac", "dup_n_grams", "top_n_grams", "line_punct_thr", "new_line_ratio", "max_avg_word_length",
        "min_avg_word_length", "max_non_alpha_words_ratio", "stopwords", "language_score"]


def main():
    fw2, csv_path, labels_path = sys.argv[1:4]
    configs = {os.path.basename(p)[:-4]: p for p in glob.glob(os.path.join(fw2, "configs", "*.yml"))}
    rows = list(csv.DictReader(open(csv_path)))
    by_code1, by_code3 = {}, {}
    for r in rows:
        if r["default_script"] != "TRUE":
            continue
        if r["code_1"] and r["default_code_1"] == "TRUE":
            by_code1.setdefault(r["code_1"], f"{r['code_3']}_{r['script']}")
        by_code3.setdefault(r["code_3"], f"{r['code_3']}_{r['script']}")
    labels = [l.strip() for l in open(labels_path) if l.strip()]
    mapped, unmapped = {}, []
    for label in labels:
        code = WIKIPEDIA_CODES.get(label, label)
        candidates = []
        if code in SCRIPT_CHOICES:
            base = by_code1.get(code, by_code3.get(code, code + "_")).split("_")[0]
            candidates.append(f"{base}_{SCRIPT_CHOICES[code]}")
        if len(code) == 2 and code in by_code1:
            candidates.append(by_code1[code])
        if code in by_code3:
            candidates.append(by_code3[code])
        # The language's only FineWeb-2 config, whatever its script.
        candidates += sorted(c for c in configs if c.split("_")[0] == code or c.split("_")[0] == by_code1.get(code, "_").split("_")[0])
        name = next((c for c in candidates if c in configs), None)
        if name is None:
            unmapped.append(label)
            continue
        values = yaml.safe_load(open(configs[name]))
        mapped[label] = {"config": name} | {k: values[k] for k in KEYS if k in values}
    commit = subprocess.run(["git", "-C", fw2, "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    table = {"source": f"huggingface/fineweb-2 {commit}, configs/*.yml", "languages": mapped, "unmapped": unmapped}
    text = json.dumps(table, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    assert '"#' not in text
    out = os.path.join(os.path.dirname(__file__), "..", "Sources", "Winnow", "Steps", "Filters", "FineWeb2Table.swift")
    with open(out, "w") as f:
        f.write("// Generated by scripts/make_fineweb2_table.py from FineWeb-2's published per-language configs; do not edit.\n")
        f.write(f"// {len(mapped)} lid.176 labels mapped, {len(unmapped)} without a FineWeb-2 config: {' '.join(unmapped)}\n\n")
        f.write("extension FineWeb2 {\n    static let tableJSON = #\"\"\"\n")
        f.write(text + "\n")
        f.write("\"\"\"#\n}\n")
    print(f"{len(mapped)} mapped, {len(unmapped)} unmapped: {' '.join(unmapped)}", file=sys.stderr)
    for label in labels:
        if label in mapped:
            print(f"{label}\t{mapped[label]['config']}")


if __name__ == "__main__":
    main()
