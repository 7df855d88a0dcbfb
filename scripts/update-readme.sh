#!/usr/bin/env bash
# Puts the generated spec reference (winnow schema --markdown) between the README's markers.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${WINNOW_BIN:-.build/debug/winnow}
tmp=$(mktemp)
"$bin" schema --markdown > "$tmp"
python3 - "$tmp" <<'PY'
import sys
ref = open(sys.argv[1]).read()
text = open("README.md").read()
begin, end = "<!-- spec-reference:begin -->\n", "<!-- spec-reference:end -->"
a, b = text.index(begin) + len(begin), text.index(end)
open("README.md", "w").write(text[:a] + ref + text[b:])
PY
rm -f "$tmp"
