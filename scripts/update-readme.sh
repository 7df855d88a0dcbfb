#!/usr/bin/env bash
# Puts the generated spec reference (winnow schema --markdown) between the README's markers.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${WINNOW_BIN:-.build/debug/winnow}
ref=$("$bin" schema --markdown)
python3 - "$ref" <<'PY'
import sys, re
ref = sys.argv[1]
text = open("README.md").read()
begin, end = "<!-- spec-reference:begin -->", "<!-- spec-reference:end -->"
a, b = text.index(begin) + len(begin), text.index(end)
open("README.md", "w").write(text[:a] + "\n" + ref.rstrip("\n") + "\n" + text[b:])
PY
