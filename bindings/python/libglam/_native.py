"""ctypes declarations for every function, struct and enum in glam.h (version 0.1).

This module loads libglam.so and declares argument and return types, and nothing else.
The public classes in ``libglam`` wrap it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import enum
import os
from pathlib import Path

# The glam.h version these declarations follow. The loader rejects a library whose
# MAJOR.MINOR differs, because 0.x releases may change struct layouts.
HEADER_VERSION = (0, 1, 0)

MAX_IMAGE_SIDE = 65536
MAX_IMAGE_PIXELS = 1 << 28


class Status(enum.IntEnum):
    OK = 0
    INVALID_ARGUMENT = 1
    INVALID_MODEL = 2
    UNSUPPORTED = 3
    IO = 4
    OUT_OF_MEMORY = 5
    BUFFER_TOO_SMALL = 6
    INVALID_IMAGE = 7
    INVALID_HANDLE = 8
    INTERNAL = 9


class PixelType(enum.IntEnum):
    UINT8 = 1
    UINT16 = 2
    FLOAT32 = 3


class Photometric(enum.IntEnum):
    """DICOM Photometric Interpretation (0028,0004)."""

    MONOCHROME1 = 1
    MONOCHROME2 = 2


class Laterality(enum.IntEnum):
    """DICOM Laterality (0020,0060) or Image Laterality (0020,0062)."""

    LEFT = 1
    RIGHT = 2


class View(enum.IntEnum):
    """DICOM View Position (0018,5101)."""

    CC = 1
    MLO = 2


class ModelOptions(ctypes.Structure):
    _fields_ = [
        ("struct_size", ctypes.c_size_t),
        ("thread_count", ctypes.c_int32),
        ("precision", ctypes.c_int32),
    ]


class ModelInfo(ctypes.Structure):
    _fields_ = [
        ("struct_size", ctypes.c_size_t),
        ("image_size", ctypes.c_int32),
        ("patch_size", ctypes.c_int32),
        ("grid", ctypes.c_int32),
        ("regions", ctypes.c_int32),
        ("region_size", ctypes.c_int32),
        ("feature_dim", ctypes.c_int32),
        ("embed_dim", ctypes.c_int32),
        ("untrained", ctypes.c_int32),
    ]


class Image(ctypes.Structure):
    _fields_ = [
        ("struct_size", ctypes.c_size_t),
        ("pixels", ctypes.c_void_p),
        ("pixel_type", ctypes.c_int32),
        ("width", ctypes.c_int32),
        ("height", ctypes.c_int32),
        ("row_stride", ctypes.c_size_t),
        ("bits_stored", ctypes.c_int32),
        ("photometric", ctypes.c_int32),
        ("laterality", ctypes.c_int32),
        ("view", ctypes.c_int32),
        ("flags", ctypes.c_uint32),
    ]


# Opaque handle types, so ctypes rejects a pair where a model is expected.
class ModelHandle(ctypes.Structure):
    pass


class PairHandle(ctypes.Structure):
    pass


class AlignmentHandle(ctypes.Structure):
    pass


ModelPointer = ctypes.POINTER(ModelHandle)
PairPointer = ctypes.POINTER(PairHandle)
AlignmentPointer = ctypes.POINTER(AlignmentHandle)
FloatPointer = ctypes.POINTER(ctypes.c_float)

_c_status = ctypes.c_int
_c_view = ctypes.c_int
_size_p = ctypes.POINTER(ctypes.c_size_t)
_int32_p = ctypes.POINTER(ctypes.c_int32)
_double_p = ctypes.POINTER(ctypes.c_double)
_float_pp = ctypes.POINTER(FloatPointer)

# name: (restype, argtypes), in header order.
_SIGNATURES = {
    "glam_version": (ctypes.c_char_p, []),
    "glam_version_number": (ctypes.c_int32, []),
    "glam_last_error": (ctypes.c_char_p, []),
    "glam_status_name": (ctypes.c_char_p, [_c_status]),
    "glam_model_options_init": (None, [ctypes.POINTER(ModelOptions), ctypes.c_size_t]),
    "glam_model_open": (
        _c_status,
        [ctypes.c_char_p, ctypes.POINTER(ModelOptions), ctypes.POINTER(ModelPointer)],
    ),
    "glam_model_close": (None, [ModelPointer]),
    "glam_model_get_info": (_c_status, [ModelPointer, ctypes.POINTER(ModelInfo)]),
    "glam_image_init": (None, [ctypes.POINTER(Image), ctypes.c_size_t]),
    "glam_encode_pair": (
        _c_status,
        [ModelPointer, ctypes.POINTER(Image), ctypes.POINTER(Image), ctypes.POINTER(PairPointer)],
    ),
    "glam_pair_free": (None, [PairPointer]),
    "glam_pair_embedding": (_c_status, [PairPointer, _c_view, _float_pp, _size_p]),
    "glam_pair_patch_tokens": (_c_status, [PairPointer, _c_view, _float_pp, _size_p, _size_p]),
    "glam_pair_model_input": (_c_status, [PairPointer, _c_view, _float_pp, _size_p]),
    "glam_pair_map_point": (
        _c_status,
        [PairPointer, _c_view, ctypes.c_int32, ctypes.c_double, ctypes.c_double, _double_p, _double_p],
    ),
    "glam_pair_region_grid": (_c_status, [PairPointer, _c_view, _double_p, ctypes.c_size_t]),
    "glam_pair_region_at": (
        _c_status,
        [PairPointer, _c_view, ctypes.c_double, ctypes.c_double, _int32_p, _int32_p],
    ),
    "glam_align": (_c_status, [ModelPointer, PairPointer, ctypes.POINTER(AlignmentPointer)]),
    "glam_alignment_free": (None, [AlignmentPointer]),
    "glam_alignment_regions": (
        _c_status,
        [AlignmentPointer, _c_view, _float_pp, _size_p, _size_p],
    ),
    "glam_alignment_attention": (_c_status, [AlignmentPointer, _c_view, _float_pp, _size_p]),
    "glam_alignment_similarity": (_c_status, [AlignmentPointer, _c_view, _float_pp, _size_p]),
    "glam_alignment_heatmap": (
        _c_status,
        [
            AlignmentPointer,
            _c_view,
            ctypes.c_double,
            ctypes.c_double,
            FloatPointer,
            ctypes.c_int32,
            ctypes.c_int32,
            _int32_p,
            _int32_p,
        ],
    ),
}


def _candidate_paths() -> list[str]:
    """List the places to look for libglam.so, in order of preference."""
    override = os.environ.get("LIBGLAM_PATH")
    if override:
        # An explicit path is the only candidate, so a typo fails loudly.
        return [override]

    candidates = []
    # bindings/python/libglam/_native.py -> repository root is three folders up.
    repo_root = Path(__file__).resolve().parents[3]
    in_repo = repo_root / "dist" / "lib" / "libglam.so"
    if in_repo.is_file():
        candidates.append(str(in_repo))
    found = ctypes.util.find_library("glam")
    if found:
        candidates.append(found)
    return candidates


def _load() -> ctypes.CDLL:
    candidates = _candidate_paths()
    if not candidates:
        raise ImportError(
            "libglam.so not found: set LIBGLAM_PATH to its path, run 'make lib' in the "
            "libglam repository to build dist/lib/libglam.so, or install it where the "
            "dynamic linker finds it"
        )

    errors = []
    for candidate in candidates:
        try:
            library = ctypes.CDLL(candidate)
        except OSError as error:
            errors.append(f"{candidate}: {error}")
            continue
        _declare(library)
        _check_version(library, candidate)
        return library
    raise ImportError("failed to load libglam: " + "; ".join(errors))


def _declare(library: ctypes.CDLL) -> None:
    for name, (restype, argtypes) in _SIGNATURES.items():
        function = getattr(library, name)
        function.restype = restype
        function.argtypes = argtypes


def _check_version(library: ctypes.CDLL, path: str) -> None:
    number = library.glam_version_number()
    loaded = (number // 10000, number // 100 % 100)
    if loaded != HEADER_VERSION[:2]:
        version = library.glam_version().decode()
        expected = ".".join(str(part) for part in HEADER_VERSION)
        raise ImportError(
            f"{path} is libglam {version}, but these bindings follow glam.h {expected}; "
            "use a library with the same MAJOR.MINOR version"
        )


LIB = _load()
LIBRARY_PATH = LIB._name


def version() -> str:
    """Return the version string of the loaded library."""
    return LIB.glam_version().decode()


def last_error() -> str:
    """Return the message of the last failed call on this thread."""
    return LIB.glam_last_error().decode("utf-8", errors="replace")


def status_name(status: int) -> str:
    return LIB.glam_status_name(status).decode()
