#!/usr/bin/env python3
"""Build the Noto Sans SC subsets that the bag labels and handover lists embed.

Input: the Google Fonts build of Noto Sans SC (static TrueType, SIL OFL 1.1) from the
npm package `@expo-google-fonts/noto-sans-sc`. Output, in `fonts/`:

- `NotoSansSC-Regular.subset.ttf`: everything a document can print in body text;
- `NotoSansSC-Bold.subset.ttf`: headings and the large destination on a label;
- `OFL.txt`: the font's licence, copied from the package.

What a subset must cover (the build fails if the font lacks any of it):
- every character of the province, city and sorting-center names in `data/`;
- every non-ASCII character in the document renderers' source (`src/documents/`), so
  each fixed string of a label or a handover list is covered without a second list;
- printable ASCII and the fallback glyph U+25A1 (WHITE SQUARE), which the renderers
  print in place of a character the subset lacks.

The Regular subset also takes, where the font has them, the 3,755 level-1 hanzi of
GB 2312 (the common characters of seller names and street addresses), Latin-1, general
and CJK punctuation and the full-width forms. Characters outside the subsets (a rare
character in a seller's name) print as the fallback glyph and never fail a document.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import shutil
import subprocess
import sys

from fontTools.ttLib import TTFont

FALLBACK = "\u25a1"
REGULAR_SOURCE = "400Regular/NotoSansSC_400Regular.ttf"
BOLD_SOURCE = "700Bold/NotoSansSC_700Bold.ttf"


def data_names(repo: pathlib.Path) -> set[str]:
    """Every character of the region and sorting-center names in data/."""
    chars: set[str] = set()
    regions = json.loads((repo / "data/regions.json").read_text(encoding="utf-8"))
    for province in regions["provinces"]:
        chars |= set(province["name"]) | set(province["name_en"])
        for city in province["cities"]:
            chars |= set(city["name"]) | set(city["name_en"])
    centers = json.loads((repo / "data/sorting_centers.json").read_text(encoding="utf-8"))
    for center in centers:
        chars |= set(center["name"]) | set(center["name_en"])
    return chars


def fixed_strings(repo: pathlib.Path) -> set[str]:
    """Every non-ASCII character of the renderers' source: their fixed strings."""
    chars: set[str] = set()
    for path in sorted((repo / "src/documents").rglob("*.rs")):
        chars |= {c for c in path.read_text(encoding="utf-8") if ord(c) > 0x7E}
    return {c for c in chars if c.isprintable()}


def gb2312_level1() -> set[str]:
    """The 3,755 level-1 hanzi of GB 2312 (rows 16 to 55)."""
    chars: set[str] = set()
    for row in range(0xB0, 0xD8):
        for cell in range(0xA1, 0xFF):
            if row == 0xD7 and cell > 0xF9:
                continue
            chars.add(bytes([row, cell]).decode("gb2312"))
    return chars


def block(start: int, end: int) -> set[str]:
    return {chr(c) for c in range(start, end + 1)}


def subset(pyftsubset: str, source: pathlib.Path, chars: set[str], out: pathlib.Path) -> None:
    unicodes = ",".join(f"U+{ord(c):04X}" for c in sorted(chars))
    subprocess.run(
        [
            pyftsubset,
            str(source),
            f"--unicodes={unicodes}",
            f"--output-file={out}",
            "--layout-features=kern,liga,locl,vert,vrt2",
            "--name-IDs=*",
            "--name-languages=*",
            "--notdef-outline",
            "--no-hinting",
        ],
        check=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--package", required=True, type=pathlib.Path)
    parser.add_argument("--pyftsubset", required=True)
    parser.add_argument("--repo", required=True, type=pathlib.Path)
    args = parser.parse_args()
    repo = args.repo.resolve()
    out_dir = repo / "fonts"

    ascii_chars = block(0x20, 0x7E)
    required = data_names(repo) | fixed_strings(repo) | ascii_chars | {FALLBACK}
    extra = (
        gb2312_level1()
        | block(0xA0, 0xFF)  # Latin-1
        | block(0x2010, 0x2027)  # general punctuation
        | block(0x3000, 0x303F)  # CJK symbols and punctuation
        | block(0xFF01, 0xFF5E)  # full-width forms
    )
    for name, source, chars in (
        ("NotoSansSC-Regular.subset.ttf", REGULAR_SOURCE, required | extra),
        ("NotoSansSC-Bold.subset.ttf", BOLD_SOURCE, required),
    ):
        source_path = args.package / source
        cmap = TTFont(source_path).getBestCmap()
        missing = sorted(c for c in required if ord(c) not in cmap)
        if missing:
            print(f"{source}: lacks required characters {missing}", file=sys.stderr)
            return 1
        present = {c for c in chars if ord(c) in cmap}
        out = out_dir / name
        subset(args.pyftsubset, source_path, present, out)
        kept = len(TTFont(out).getBestCmap())
        print(f"{name}: {kept} characters ({len(required)} required), {out.stat().st_size:,} bytes")
    shutil.copyfile(args.package / "LICENSE_FONT", out_dir / "OFL.txt")
    return 0


if __name__ == "__main__":
    sys.exit(main())
