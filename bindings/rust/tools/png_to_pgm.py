#!/usr/bin/env python3
"""Convert grayscale PNGs to binary PGM (P5) so the std-only Rust tests and example can read
them. 8-bit PNGs become maxval-255 PGMs; 16-bit PNGs become maxval-65535 PGMs (big-endian
samples, as the PGM format requires).

usage: png_to_pgm.py INPUT.png OUTPUT.pgm [INPUT.png OUTPUT.pgm ...]
Requires pypng (pip install pypng).
"""

import sys
from array import array

import png


def convert(source: str, target: str) -> None:
    width, height, rows, info = png.Reader(filename=source).asDirect()
    if info["planes"] != 1:
        raise SystemExit(f"{source}: {info['planes']} channels; expected a grayscale PNG")
    bitdepth = info["bitdepth"]
    maxval = (1 << bitdepth) - 1
    with open(target, "wb") as output:
        output.write(f"P5\n{width} {height}\n{maxval}\n".encode("ascii"))
        for row in rows:
            if maxval < 256:
                output.write(bytes(row))
            else:
                samples = array("H", row)
                if sys.byteorder == "little":
                    samples.byteswap()
                output.write(samples.tobytes())


def main(arguments: list[str]) -> None:
    if not arguments or len(arguments) % 2:
        raise SystemExit(__doc__)
    for source, target in zip(arguments[0::2], arguments[1::2]):
        convert(source, target)


if __name__ == "__main__":
    main(sys.argv[1:])
