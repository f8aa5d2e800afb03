"""Rebuild the quote document fonts from Debian's fonts-dejavu-core (run by hand, not at runtime).

A Latin subset of DejaVu Sans (Book and Bold), renamed "Quote Sans" as the Bitstream Vera
licence asks of modified fonts. Shipping small fonts with the templates makes documents look the
same on every server and keeps embedding cheap: WeasyPrint subsets the embedded font again for
each document, and that costs in proportion to the font's size (a whole DejaVu Sans made up
two thirds of a one-page render). Text outside this subset (Cyrillic, Greek, CJK, ...) falls back
to the system's fonts (see quote.css).

    .venv/bin/python templates/fonts/build_fonts.py [/usr/share/fonts/truetype/dejavu]
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

HERE = Path(__file__).resolve().parent
UNICODES = (
    "U+0020-007E,U+00A0-017F,U+0218-021B,U+02C6-02C7,U+02D8-02DD,U+2000-206F,U+20A0-20C0,"
    "U+2116,U+2122,U+2190-2193,U+2212,U+2215,U+25A0-25A1,U+2713-2714"
)
FEATURES = "kern,liga,clig,calt,ccmp,locl,mark,mkmk"
FACES = {"DejaVuSans.ttf": "Regular", "DejaVuSans-Bold.ttf": "Bold"}


def build(source_dir: Path) -> None:
    for source, style in FACES.items():
        target = HERE / f"QuoteSans-{style}.ttf"
        subset.main(
            [
                str(source_dir / source),
                f"--unicodes={UNICODES}",
                f"--layout-features={FEATURES}",
                "--no-hinting",
                "--desubroutinize",
                "--drop-tables+=FFTM",
                f"--output-file={target}",
            ]
        )
        font = TTFont(target)
        names = {1: "Quote Sans", 2: style, 3: f"Quote Sans {style}", 4: f"Quote Sans {style}"}
        names[6] = f"QuoteSans-{style}"
        for record in font["name"].names:
            if record.nameID in names:
                record.string = names[record.nameID]
            elif record.nameID in (16, 17):
                record.string = {16: "Quote Sans", 17: style}[record.nameID]
        font.save(target)
        print(f"{target.name}: {target.stat().st_size} bytes")


if __name__ == "__main__":
    build(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/usr/share/fonts/truetype/dejavu"))
