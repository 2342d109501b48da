"""Python bindings for libglam, a CPU inference runtime for GLAM multi-view mammography
models (Du, Chen, Dvornek, MICCAI 2025).

    import libglam
    with libglam.Model("models/glam-demo", threads=2) as model:
        with model.encode_pair(cc_pixels, mlo_pixels, laterality="L") as pair:
            with model.align(pair) as alignment:
                heat, source = alignment.heatmap("CC", x, y, mlo_width, mlo_height)

The shared library is found through LIBGLAM_PATH, then dist/lib/libglam.so of the
repository these bindings live in, then ctypes.util.find_library("glam").
"""

from ._image import Image
from ._native import (
    HEADER_VERSION,
    LIBRARY_PATH,
    MAX_IMAGE_PIXELS,
    MAX_IMAGE_SIDE,
    Laterality,
    Photometric,
    PixelType,
    Status,
    View,
    version,
)
from .errors import (
    BufferTooSmallError,
    GlamError,
    GlamIOError,
    GlamMemoryError,
    InternalError,
    InvalidArgumentError,
    InvalidHandleError,
    InvalidImageError,
    InvalidModelError,
    UnsupportedError,
)
from .model import Alignment, Model, ModelInfo, Pair

__version__ = "0.1.0"

__all__ = [
    "Alignment",
    "BufferTooSmallError",
    "GlamError",
    "GlamIOError",
    "GlamMemoryError",
    "HEADER_VERSION",
    "Image",
    "InternalError",
    "InvalidArgumentError",
    "InvalidHandleError",
    "InvalidImageError",
    "InvalidModelError",
    "LIBRARY_PATH",
    "Laterality",
    "MAX_IMAGE_PIXELS",
    "MAX_IMAGE_SIDE",
    "Model",
    "ModelInfo",
    "Pair",
    "Photometric",
    "PixelType",
    "Status",
    "UnsupportedError",
    "View",
    "version",
]
