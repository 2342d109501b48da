"""Errors: statuses mapped to exceptions with libglam's message, checks in the bindings,
and handles used after close."""

from __future__ import annotations

import ctypes

import numpy as np
import pytest

import libglam
from libglam import _native

from conftest import DEMO_MODEL


def test_missing_bundle_names_path(tmp_path):
    missing = tmp_path / "no-such-bundle"
    with pytest.raises(libglam.GlamError) as caught:
        libglam.Model(missing)
    assert str(missing) in caught.value.message
    assert caught.value.status == libglam.Status.IO
    assert isinstance(caught.value, libglam.GlamIOError)
    assert isinstance(caught.value, OSError)


def test_malformed_bundle_is_invalid_model(tmp_path):
    (tmp_path / "encoder.onnx").write_bytes(b"not a protobuf")
    (tmp_path / "align.onnx").write_bytes(b"not a protobuf")
    with pytest.raises(libglam.InvalidModelError) as caught:
        libglam.Model(tmp_path)
    assert caught.value.status_name == "GLAM_ERROR_INVALID_MODEL"
    assert caught.value.message


@pytest.mark.parametrize("threads", [-1, 1.5, "2"])
def test_invalid_thread_count(threads):
    with pytest.raises(libglam.InvalidArgumentError, match="threads"):
        libglam.Model(DEMO_MODEL, threads=threads)


@pytest.fixture
def no_c_encode(monkeypatch):
    """Make any call to glam_encode_pair fail the test."""

    def forbidden(*args):
        raise AssertionError("glam_encode_pair was called")

    monkeypatch.setattr(_native.LIB, "glam_encode_pair", forbidden)


@pytest.mark.parametrize("dtype", [np.int16, np.int32, np.float64, np.bool_])
def test_wrong_dtype_rejected_before_c(model, nyu_mlo, no_c_encode, dtype):
    cc = np.ones((64, 48), dtype=dtype)
    with pytest.raises(libglam.InvalidArgumentError, match="dtype"):
        model.encode_pair(cc, nyu_mlo)


@pytest.mark.parametrize("shape", [(64,), (64, 48, 3), (1, 64, 48)])
def test_wrong_ndim_rejected_before_c(model, nyu_mlo, no_c_encode, shape):
    cc = np.ones(shape, dtype=np.uint8)
    with pytest.raises(libglam.InvalidArgumentError, match="2-D"):
        model.encode_pair(cc, nyu_mlo)


def test_list_rejected_before_c(model, nyu_mlo, no_c_encode):
    with pytest.raises(libglam.InvalidArgumentError, match="numpy.ndarray"):
        model.encode_pair([[1, 2], [3, 4]], nyu_mlo)


@pytest.mark.parametrize(
    "keyword, value", [("laterality", "left-ish"), ("cc_photometric", "RGB"), ("bits_stored", 1.5)]
)
def test_bad_attribute_rejected_before_c(model, nyu_cc, nyu_mlo, no_c_encode, keyword, value):
    with pytest.raises(libglam.InvalidArgumentError):
        model.encode_pair(nyu_cc, nyu_mlo, **{keyword: value})


def test_mismatched_laterality_from_library(model, nyu_cc, nyu_mlo):
    cc = libglam.Image(nyu_cc, laterality="L")
    mlo = libglam.Image(nyu_mlo, laterality="R")
    with pytest.raises(libglam.InvalidArgumentError) as caught:
        model.encode_pair(cc, mlo)
    # The message comes from glam_last_error, not from the bindings.
    assert caught.value.message == _native.last_error()
    assert "lateralit" in caught.value.message.lower()


def test_bits_stored_out_of_range_from_library(model, nyu_cc, nyu_mlo):
    with pytest.raises(libglam.InvalidArgumentError) as caught:
        model.encode_pair(nyu_cc, nyu_mlo, bits_stored=17)
    assert caught.value.message == _native.last_error()


def test_nan_pixels_are_invalid_image(model, nyu_cc, nyu_mlo):
    cc = nyu_cc.astype(np.float32)
    cc[100, 200] = np.nan
    with pytest.raises(libglam.InvalidImageError) as caught:
        model.encode_pair(cc, nyu_mlo.astype(np.float32))
    assert caught.value.status == libglam.Status.INVALID_IMAGE
    assert caught.value.message


def test_blank_image_is_invalid_image(model, nyu_mlo):
    blank = np.zeros((400, 300), dtype=np.uint8)
    with pytest.raises(libglam.InvalidImageError):
        model.encode_pair(blank, nyu_mlo)


def test_empty_array_is_invalid_argument(model, nyu_mlo):
    with pytest.raises(libglam.InvalidArgumentError):
        model.encode_pair(np.zeros((0, 10), dtype=np.uint8), nyu_mlo)


@pytest.mark.parametrize("view", ["AP", "", 3])
def test_unknown_view_rejected(pair, view):
    with pytest.raises(libglam.InvalidArgumentError, match="view"):
        pair.embedding(view)


def test_model_use_after_close(nyu_cc, nyu_mlo):
    model = libglam.Model(DEMO_MODEL, threads=1)
    model.close()
    assert model.closed
    with pytest.raises(libglam.InvalidHandleError, match="closed"):
        model.encode_pair(nyu_cc, nyu_mlo)
    model.close()  # a second close does nothing


def test_pair_and_alignment_use_after_close(model, nyu_cc, nyu_mlo):
    with model.encode_pair(nyu_cc, nyu_mlo) as pair:
        alignment = model.align(pair)
    with pytest.raises(libglam.InvalidHandleError):
        pair.embedding("CC")
    with pytest.raises(libglam.InvalidHandleError):
        model.align(pair)
    alignment.close()
    alignment.close()
    with pytest.raises(libglam.InvalidHandleError):
        alignment.attention("CC")


def test_library_detects_freed_pair(model, nyu_cc, nyu_mlo):
    # Bypass the bindings' own check: libglam tracks live handles and reports a freed one.
    pair = model.encode_pair(nyu_cc, nyu_mlo)
    raw = pair._pointer
    pair.close()
    values = _native.FloatPointer()
    count = ctypes.c_size_t()
    status = _native.LIB.glam_pair_embedding(raw, libglam.View.CC, ctypes.byref(values), ctypes.byref(count))
    assert status == libglam.Status.INVALID_HANDLE
    assert _native.last_error()


def test_align_rejects_non_pair(model):
    with pytest.raises(libglam.InvalidArgumentError):
        model.align("pair")


def test_exceptions_carry_status_name():
    error = libglam.InvalidImageError("example")
    assert error.status_name == "GLAM_ERROR_INVALID_IMAGE"
    assert "GLAM_ERROR_INVALID_IMAGE" in str(error)
    assert isinstance(error, ValueError)
