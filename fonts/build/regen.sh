#!/usr/bin/env bash
# Regenerate the font subsets in fonts/ from the pinned public packages.
# Usage (from the repository root): bash fonts/build/regen.sh [WORKDIR]
# Installs into WORKDIR (default /tmp/fonts-build); nothing is installed in the repo.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="${1:-/tmp/fonts-build}"
mkdir -p "$work"
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet -r "$here/requirements.txt"
cp "$here/package.json" "$work/package.json"
(cd "$work" && npm install --silent --no-audit --no-fund --no-package-lock)
"$work/venv/bin/python" "$here/build_fonts.py" \
  --package "$work/node_modules/@expo-google-fonts/noto-sans-sc" \
  --pyftsubset "$work/venv/bin/pyftsubset" --repo "$here/../.."
