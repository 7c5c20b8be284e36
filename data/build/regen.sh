#!/usr/bin/env bash
# Regenerate data/*.json and data/*.csv from the pinned public packages.
# Usage (from the repository root): bash data/build/regen.sh [WORKDIR]
# Installs into WORKDIR (default /tmp/regions-build); nothing is installed in the repo.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="${1:-/tmp/regions-build}"
mkdir -p "$work"
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet -r "$here/requirements.txt"
cp "$here/package.json" "$work/package.json"
(cd "$work" && npm install --silent --no-audit --no-fund --no-package-lock)
site="$("$work/venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
"$work/venv/bin/python" "$here/build_regions.py" \
  --node-dir "$work/node_modules" --site-packages "$site" --out "$here/.."
