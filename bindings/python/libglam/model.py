"""Model, Pair and Alignment: owning wrappers over the glam_model, glam_pair and
glam_alignment handles."""

from __future__ import annotations

import ctypes
import os
import weakref
from dataclasses import dataclass
from typing import Union

import numpy as np

from . import _native
from ._image import (
    Image,
    LateralityLike,
    PhotometricLike,
    PreparedImage,
    ViewLike,
    parse_view,
)
from ._native import LIB, View
from .errors import InternalError, InvalidArgumentError, InvalidHandleError, check

ImageLike = Union[np.ndarray, Image]


@dataclass(frozen=True)
class ModelInfo:
    """Geometry of a GLAM bundle, copied from glam_model_info."""

    image_size: int
    patch_size: int
    grid: int
    regions: int
    region_size: int
    feature_dim: int
    embed_dim: int
    # True when the bundle's metadata marks its weights as untrained (random); show this
    # next to any output.
    untrained: bool


class _Handle:
    """An owned C handle, released once by close(), by the with block, or at garbage
    collection, whichever comes first."""

    _kind = "handle"

    def __init__(self, pointer, free_function):
        self._pointer = pointer
        self._finalizer = weakref.finalize(self, free_function, pointer)

    def close(self) -> None:
        """Release the handle. Calling close() again does nothing."""
        self._pointer = None
        self._finalizer()

    @property
    def closed(self) -> bool:
        return self._pointer is None

    def _live_pointer(self):
        pointer = self._pointer
        if pointer is None:
            raise InvalidHandleError(f"this {self._kind} is closed")
        return pointer

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def _copy_floats(values: ctypes.POINTER(ctypes.c_float), count: int, shape: tuple) -> np.ndarray:
    """Copy count floats owned by a handle into a new array of the given shape."""
    expected = int(np.prod(shape))
    if count != expected:
        raise InternalError(
            f"libglam returned {count} floats where the model geometry implies {expected} {shape}"
        )
    if count == 0:
        return np.zeros(shape, dtype=np.float32)
    return np.ctypeslib.as_array(values, shape=(count,)).reshape(shape).copy()


class Model(_Handle):
    """An opened GLAM bundle (a folder with encoder.onnx and align.onnx).

    ``threads`` sets glam_model_options.thread_count; 0 means all online CPUs. libglam
    applies it process-wide, so the model opened last decides it. ``precision`` is "fp32"
    (default) or "bf16" (GLAM_PRECISION_BF16: linear layers in bfloat16, see glam.h).
    A model may be used by several threads at once: ctypes releases the GIL during each
    libglam call, so encode and align calls run in parallel.
    """

    _kind = "model"

    def __init__(self, path: Union[str, os.PathLike], threads: int = 0, precision: str = "fp32"):
        if isinstance(threads, bool) or not isinstance(threads, int):
            raise InvalidArgumentError(f"threads must be an int, got {threads!r}")
        if not 0 <= threads < 2**31:
            raise InvalidArgumentError(f"threads must be 0 (all CPUs) or a positive count, got {threads}")
        precisions = {"fp32": 0, "bf16": 1}
        if precision not in precisions:
            raise InvalidArgumentError(f"precision must be 'fp32' or 'bf16', got {precision!r}")
        options = _native.ModelOptions(ctypes.sizeof(_native.ModelOptions), threads, precisions[precision])
        pointer = _native.ModelPointer()
        check(LIB.glam_model_open(os.fsencode(path), ctypes.byref(options), ctypes.byref(pointer)))
        super().__init__(pointer, LIB.glam_model_close)
        self.path = os.fspath(path)
        self.info = self._read_info()

    def _read_info(self) -> ModelInfo:
        raw = _native.ModelInfo()
        raw.struct_size = ctypes.sizeof(_native.ModelInfo)
        check(LIB.glam_model_get_info(self._live_pointer(), ctypes.byref(raw)))
        return ModelInfo(
            image_size=raw.image_size,
            patch_size=raw.patch_size,
            grid=raw.grid,
            regions=raw.regions,
            region_size=raw.region_size,
            feature_dim=raw.feature_dim,
            embed_dim=raw.embed_dim,
            untrained=bool(raw.untrained),
        )

    def encode_pair(
        self,
        cc: ImageLike,
        mlo: ImageLike,
        laterality: LateralityLike = "L",
        cc_photometric: PhotometricLike = "MONOCHROME2",
        bits_stored: int = 0,
        mlo_photometric: PhotometricLike | None = None,
        film: bool = False,
    ) -> "Pair":
        """Preprocess and encode the CC and MLO views of one breast.

        cc and mlo are 2-D uint8, uint16 or float32 arrays, or ``Image`` objects that carry
        their own laterality, photometric interpretation and bits stored. For bare arrays
        ``laterality`` and ``bits_stored`` apply to both views, ``cc_photometric`` to the CC
        view and ``mlo_photometric`` (default: the same as the CC) to the MLO view. ``film``
        marks both bare arrays as digitised films.
        """
        if mlo_photometric is None:
            mlo_photometric = cc_photometric
        cc_image = _as_image(cc, laterality, cc_photometric, bits_stored, film)
        mlo_image = _as_image(mlo, laterality, mlo_photometric, bits_stored, film)
        prepared_cc = PreparedImage(cc_image, View.CC, "cc")
        prepared_mlo = PreparedImage(mlo_image, View.MLO, "mlo")

        pair_pointer = _native.PairPointer()
        check(
            LIB.glam_encode_pair(
                self._live_pointer(),
                ctypes.byref(prepared_cc.struct),
                ctypes.byref(prepared_mlo.struct),
                ctypes.byref(pair_pointer),
            )
        )
        return Pair(pair_pointer, self.info)

    def align(self, pair: "Pair") -> "Alignment":
        """Run the alignment head on a pair's patch tokens."""
        if not isinstance(pair, Pair):
            raise InvalidArgumentError(f"align expects a libglam.Pair, got {type(pair).__name__}")
        alignment_pointer = _native.AlignmentPointer()
        check(
            LIB.glam_align(self._live_pointer(), pair._live_pointer(), ctypes.byref(alignment_pointer))
        )
        return Alignment(alignment_pointer, self.info)

    def __repr__(self) -> str:
        state = "closed" if self.closed else "open"
        return f"libglam.Model({self.path!r}, {state})"


def _as_image(value: ImageLike, laterality, photometric, bits_stored, film) -> Image:
    if isinstance(value, Image):
        return value
    return Image(value, laterality=laterality, photometric=photometric, bits_stored=bits_stored, film=film)


class Pair(_Handle):
    """Encoder outputs and preprocessing geometry of one CC + MLO pair.

    Every array it returns is a copy, so it stays valid after the pair is closed.
    Views are given as "CC" / "MLO" or ``libglam.View`` values.
    """

    _kind = "pair"

    def __init__(self, pointer, info: ModelInfo):
        super().__init__(pointer, LIB.glam_pair_free)
        self.info = info

    def embedding(self, view: ViewLike) -> np.ndarray:
        """Return the L2-normalised embedding of one view, shape (embed_dim,)."""
        values = _native.FloatPointer()
        count = ctypes.c_size_t()
        check(LIB.glam_pair_embedding(self._live_pointer(), parse_view(view), ctypes.byref(values), ctypes.byref(count)))
        return _copy_floats(values, count.value, (count.value,))

    def patch_tokens(self, view: ViewLike) -> np.ndarray:
        """Return the final patch tokens of one view, shape (grid, grid, feature_dim)."""
        values = _native.FloatPointer()
        grid = ctypes.c_size_t()
        dim = ctypes.c_size_t()
        check(
            LIB.glam_pair_patch_tokens(
                self._live_pointer(), parse_view(view), ctypes.byref(values), ctypes.byref(grid), ctypes.byref(dim)
            )
        )
        shape = (grid.value, grid.value, dim.value)
        return _copy_floats(values, int(np.prod(shape)), shape)

    def model_input(self, view: ViewLike) -> np.ndarray:
        """Return the preprocessed model input of one view, shape (image_size, image_size), in [-1, 1]."""
        values = _native.FloatPointer()
        side_length = ctypes.c_size_t()
        check(LIB.glam_pair_model_input(self._live_pointer(), parse_view(view), ctypes.byref(values), ctypes.byref(side_length)))
        side = side_length.value
        return _copy_floats(values, side * side, (side, side))

    def map_point(self, view: ViewLike, x: float, y: float, to_input: bool = True) -> tuple[float, float]:
        """Map a point from original pixels to the model input (to_input=True) or back."""
        out_x = ctypes.c_double()
        out_y = ctypes.c_double()
        check(
            LIB.glam_pair_map_point(
                self._live_pointer(),
                parse_view(view),
                1 if to_input else 0,
                float(x),
                float(y),
                ctypes.byref(out_x),
                ctypes.byref(out_y),
            )
        )
        return out_x.value, out_y.value

    def region_grid(self, view: ViewLike) -> np.ndarray:
        """Return the region corners in original pixels, shape (regions + 1, regions + 1, 2)
        with the last axis (x, y)."""
        corners = self.info.regions + 1
        grid = np.empty((corners, corners, 2), dtype=np.float64)
        check(
            LIB.glam_pair_region_grid(
                self._live_pointer(),
                parse_view(view),
                grid.ctypes.data_as(ctypes.POINTER(ctypes.c_double)),
                grid.size,
            )
        )
        return grid

    def region_at(self, view: ViewLike, x: float, y: float) -> tuple[int, int]:
        """Return the region (row, column) that contains original point (x, y).

        Raises InvalidImageError when the point lies outside the cropped breast area.
        """
        row = ctypes.c_int32()
        column = ctypes.c_int32()
        check(
            LIB.glam_pair_region_at(
                self._live_pointer(), parse_view(view), float(x), float(y), ctypes.byref(row), ctypes.byref(column)
            )
        )
        return row.value, column.value


class Alignment(_Handle):
    """Alignment head outputs for one pair. Independent of the pair once created: the pair
    may be closed first. Every array it returns is a copy."""

    _kind = "alignment"

    def __init__(self, pointer, info: ModelInfo):
        super().__init__(pointer, LIB.glam_alignment_free)
        self.info = info

    def regions(self, view: ViewLike) -> np.ndarray:
        """Return the unit-length region features, shape (regions, regions, feature_dim)."""
        values = _native.FloatPointer()
        regions = ctypes.c_size_t()
        dim = ctypes.c_size_t()
        check(
            LIB.glam_alignment_regions(
                self._live_pointer(), parse_view(view), ctypes.byref(values), ctypes.byref(regions), ctypes.byref(dim)
            )
        )
        shape = (regions.value, regions.value, dim.value)
        return _copy_floats(values, int(np.prod(shape)), shape)

    def attention(self, source_view: ViewLike) -> np.ndarray:
        """Return the attention from source_view's regions to the other view's, averaged
        over heads, shape (regions, regions, regions) indexed (column, source_row, target_row).
        Each [column, source_row] row sums to 1."""
        values = _native.FloatPointer()
        regions = ctypes.c_size_t()
        check(
            LIB.glam_alignment_attention(
                self._live_pointer(), parse_view(source_view), ctypes.byref(values), ctypes.byref(regions)
            )
        )
        side = regions.value
        return _copy_floats(values, side**3, (side, side, side))

    def similarity(self, view: ViewLike) -> np.ndarray:
        """Return the cosine between each region feature and what it gathered from the other
        view, shape (regions, regions) indexed (row, column)."""
        values = _native.FloatPointer()
        regions = ctypes.c_size_t()
        check(
            LIB.glam_alignment_similarity(
                self._live_pointer(), parse_view(view), ctypes.byref(values), ctypes.byref(regions)
            )
        )
        side = regions.value
        return _copy_floats(values, side * side, (side, side))

    def heatmap(
        self, source_view: ViewLike, x: float, y: float, width: int, height: int
    ) -> tuple[np.ndarray, tuple[int, int]]:
        """Fill a heatmap over the other view for point (x, y) of source_view.

        Returns (heatmap of shape (height, width), (source_row, source_column)). Pass the
        other image's own width and height for one cell per pixel. Raises InvalidImageError
        when (x, y) lies outside the cropped breast area.
        """
        for name, value in (("width", width), ("height", height)):
            # The buffer is allocated here before libglam receives the size, so check the
            # range libglam accepts first.
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                raise InvalidArgumentError(f"heatmap {name} must be an int, got {value!r}")
            if not 1 <= value <= _native.MAX_IMAGE_SIDE:
                raise InvalidArgumentError(
                    f"heatmap {name} {value} is outside 1..{_native.MAX_IMAGE_SIDE}"
                )
        heat = np.zeros((int(height), int(width)), dtype=np.float32)
        row = ctypes.c_int32()
        column = ctypes.c_int32()
        check(
            LIB.glam_alignment_heatmap(
                self._live_pointer(),
                parse_view(source_view),
                float(x),
                float(y),
                heat.ctypes.data_as(_native.FloatPointer),
                int(width),
                int(height),
                ctypes.byref(row),
                ctypes.byref(column),
            )
        )
        return heat, (row.value, column.value)
