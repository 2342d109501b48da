"""Conversion of numpy arrays and DICOM-style attributes into glam_image structs."""

from __future__ import annotations

import ctypes
from dataclasses import dataclass
from typing import Union

import numpy as np

from . import _native
from ._native import Laterality, Photometric, PixelType, View
from .errors import InvalidArgumentError

_PIXEL_TYPES = {
    np.dtype(np.uint8): PixelType.UINT8,
    np.dtype(np.uint16): PixelType.UINT16,
    np.dtype(np.float32): PixelType.FLOAT32,
}

_INT32_MAX = 2**31 - 1

# GLAM_IMAGE_FILM in glam.h.
IMAGE_FILM = 0x1

LateralityLike = Union[str, Laterality]
PhotometricLike = Union[str, Photometric]
ViewLike = Union[str, View]


def parse_view(value: ViewLike) -> View:
    """Accept View.CC, View.MLO or the strings "CC" and "MLO" in any case."""
    if isinstance(value, View):
        return value
    if isinstance(value, str):
        key = value.strip().upper()
        if key in View.__members__:
            return View[key]
    raise InvalidArgumentError(f"invalid view {value!r}: expected 'CC' or 'MLO'")


def parse_laterality(value: LateralityLike) -> Laterality:
    """Accept Laterality values, the DICOM codes "L" and "R", or "LEFT" and "RIGHT"."""
    if isinstance(value, Laterality):
        return value
    if isinstance(value, str):
        key = value.strip().upper()
        names = {"L": Laterality.LEFT, "LEFT": Laterality.LEFT, "R": Laterality.RIGHT, "RIGHT": Laterality.RIGHT}
        if key in names:
            return names[key]
    raise InvalidArgumentError(f"invalid laterality {value!r}: expected 'L' or 'R'")


def parse_photometric(value: PhotometricLike) -> Photometric:
    """Accept Photometric values or the DICOM strings "MONOCHROME1" and "MONOCHROME2"."""
    if isinstance(value, Photometric):
        return value
    if isinstance(value, str):
        key = value.strip().upper()
        if key in Photometric.__members__:
            return Photometric[key]
    raise InvalidArgumentError(
        f"invalid photometric interpretation {value!r}: expected 'MONOCHROME1' or 'MONOCHROME2'"
    )


@dataclass
class Image:
    """One view's stored pixels with the DICOM attributes libglam needs.

    ``pixels`` is a 2-D numpy array of uint8, uint16 or float32, row 0 at the top.
    ``bits_stored`` is DICOM Bits Stored for integer pixels (0 means the full width of the
    dtype). ``film`` marks a digitised film, whose labels and border strips libglam removes
    (GLAM_IMAGE_FILM). The view (CC or MLO) comes from the argument position in
    ``Model.encode_pair``.
    """

    pixels: np.ndarray
    laterality: LateralityLike = "L"
    photometric: PhotometricLike = "MONOCHROME2"
    bits_stored: int = 0
    film: bool = False


class PreparedImage:
    """A filled glam_image struct plus the array its pixel pointer borrows from."""

    def __init__(self, image: Image, view: View, name: str):
        self.array = _checked_array(image.pixels, name)
        pixel_type = _PIXEL_TYPES[self.array.dtype.newbyteorder("=")]

        bits_stored = image.bits_stored
        if not isinstance(bits_stored, (int, np.integer)) or isinstance(bits_stored, bool):
            raise InvalidArgumentError(f"{name} bits_stored must be an int, got {bits_stored!r}")

        height, width = self.array.shape
        struct = _native.Image()
        struct.struct_size = ctypes.sizeof(_native.Image)
        struct.pixels = self.array.ctypes.data
        struct.pixel_type = pixel_type
        struct.width = width
        struct.height = height
        struct.row_stride = self.array.strides[0]
        struct.bits_stored = _int32(int(bits_stored), f"{name} bits_stored")
        struct.photometric = parse_photometric(image.photometric)
        struct.laterality = parse_laterality(image.laterality)
        struct.view = view
        struct.flags = IMAGE_FILM if image.film else 0
        self.struct = struct


def _checked_array(pixels: object, name: str) -> np.ndarray:
    """Validate dtype and shape, and return an array whose rows libglam can address."""
    if not isinstance(pixels, np.ndarray):
        raise InvalidArgumentError(
            f"{name} pixels must be a numpy.ndarray, got {type(pixels).__name__}"
        )
    if pixels.ndim != 2:
        raise InvalidArgumentError(
            f"{name} pixels must be a 2-D array (height, width), got shape {pixels.shape}; "
            "convert colour images to one grayscale channel first"
        )
    if pixels.dtype.newbyteorder("=") not in _PIXEL_TYPES:
        raise InvalidArgumentError(
            f"{name} pixels have dtype {pixels.dtype}; libglam accepts uint8, uint16 and "
            "float32, so convert with pixels.astype(...) first"
        )
    for side, length in zip(("height", "width"), pixels.shape):
        if length > _INT32_MAX:
            raise InvalidArgumentError(f"{name} {side} {length} does not fit in int32")

    # libglam reads native-endian pixels, adjacent within a row, with a positive row
    # stride. Anything else (big-endian DICOM data, column slices, flipped views) is copied.
    itemsize = pixels.dtype.itemsize
    rows_addressable = (
        pixels.dtype.isnative
        and pixels.strides[1] == itemsize
        and pixels.strides[0] >= pixels.shape[1] * itemsize
    )
    if not rows_addressable:
        pixels = np.ascontiguousarray(pixels, dtype=pixels.dtype.newbyteorder("="))
    return pixels


def _int32(value: int, what: str) -> int:
    if not -(2**31) <= value <= _INT32_MAX:
        raise InvalidArgumentError(f"{what} {value} does not fit in int32")
    return value
