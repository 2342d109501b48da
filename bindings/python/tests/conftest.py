"""Shared fixtures: the demo bundle, the NYU L-CC/L-MLO PNG pair, and one encoded pair."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

import libglam

REPO_ROOT = Path(__file__).resolve().parents[3]
DEMO_MODEL = Path(os.environ.get("LIBGLAM_MODEL", REPO_ROOT / "models" / "glam-demo"))
NYU = REPO_ROOT / "Tests" / "Fixtures" / "mammograms" / "nyu"


def read_png(path: Path) -> np.ndarray:
    """Decode a grayscale PNG into a 2-D uint8 or uint16 array."""
    # Imported here so that test files which need no PNG run without pypng.
    import png

    width, height, rows, info = png.Reader(filename=str(path)).asDirect()
    if info["planes"] != 1:
        raise ValueError(f"{path} has {info['planes']} channels; expected grayscale")
    dtype = np.uint8 if info["bitdepth"] <= 8 else np.uint16
    pixels = np.vstack([np.asarray(row, dtype=dtype) for row in rows])
    assert pixels.shape == (height, width)
    return pixels


@pytest.fixture(scope="session")
def nyu_cc() -> np.ndarray:
    return read_png(NYU / "L-CC.png")


@pytest.fixture(scope="session")
def nyu_mlo() -> np.ndarray:
    return read_png(NYU / "L-MLO.png")


@pytest.fixture(scope="session")
def model():
    with libglam.Model(DEMO_MODEL, threads=2) as opened:
        yield opened


@pytest.fixture(scope="session")
def pair(model, nyu_cc, nyu_mlo):
    with model.encode_pair(nyu_cc, nyu_mlo, laterality="L") as encoded:
        yield encoded


@pytest.fixture(scope="session")
def alignment(model, pair):
    with model.align(pair) as aligned:
        yield aligned


def breast_centre(pixels: np.ndarray) -> tuple[float, float]:
    """Return the (x, y) centroid of the pixels brighter than the image mean, a point
    inside the breast for a typical mammogram."""
    ys, xs = np.nonzero(pixels > pixels.mean())
    return float(xs.mean()) + 0.5, float(ys.mean()) + 0.5
