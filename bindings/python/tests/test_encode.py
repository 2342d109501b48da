"""Encoding the NYU L-CC/L-MLO pair with the demo bundle."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import libglam

from conftest import DEMO_MODEL, breast_centre

VIEWS = ("CC", "MLO")


def test_model_info_has_glam_geometry(model):
    info = model.info
    assert info.image_size == info.patch_size * info.grid
    assert info.grid >= info.regions * info.region_size
    assert info.feature_dim > 0
    assert info.embed_dim > 0


def test_demo_model_reports_untrained(model):
    assert model.info.untrained is True


@pytest.mark.parametrize("view", VIEWS)
def test_embedding_is_unit_length(pair, model, view):
    embedding = pair.embedding(view)
    assert embedding.shape == (model.info.embed_dim,)
    assert embedding.dtype == np.float32
    assert np.linalg.norm(embedding) == pytest.approx(1.0, abs=1e-4)


def test_views_have_different_embeddings(pair):
    assert not np.allclose(pair.embedding("CC"), pair.embedding("MLO"))


@pytest.mark.parametrize("view", VIEWS)
def test_patch_tokens_shape(pair, model, view):
    tokens = pair.patch_tokens(view)
    info = model.info
    assert tokens.shape == (info.grid, info.grid, info.feature_dim)
    assert np.isfinite(tokens).all()


@pytest.mark.parametrize("view", VIEWS)
def test_model_input_range(pair, model, view):
    model_input = pair.model_input(view)
    assert model_input.shape == (model.info.image_size, model.info.image_size)
    assert model_input.min() >= -1.0
    assert model_input.max() <= 1.0
    # Preprocessing keeps the breast: the input is not one flat value.
    assert model_input.std() > 0.05


def test_arrays_outlive_pair(model, nyu_cc, nyu_mlo):
    with model.encode_pair(nyu_cc, nyu_mlo) as scratch:
        embedding = scratch.embedding("CC")
        tokens = scratch.patch_tokens("MLO")
        expected_embedding = embedding.copy()
        expected_tokens = tokens.copy()
    # Encode again so freed memory is likely reused, then compare the copies.
    model.encode_pair(nyu_cc, nyu_mlo).close()
    np.testing.assert_array_equal(embedding, expected_embedding)
    np.testing.assert_array_equal(tokens, expected_tokens)


def test_encode_is_deterministic(model, pair, nyu_cc, nyu_mlo):
    with model.encode_pair(nyu_cc, nyu_mlo) as again:
        np.testing.assert_array_equal(again.embedding("CC"), pair.embedding("CC"))
        np.testing.assert_array_equal(again.embedding("MLO"), pair.embedding("MLO"))


@pytest.mark.parametrize("view", VIEWS)
def test_map_point_round_trip(pair, nyu_cc, nyu_mlo, view):
    pixels = nyu_cc if view == "CC" else nyu_mlo
    x, y = breast_centre(pixels)
    u, v = pair.map_point(view, x, y, to_input=True)
    assert 0 <= u < pair.info.image_size
    assert 0 <= v < pair.info.image_size
    back_x, back_y = pair.map_point(view, u, v, to_input=False)
    assert back_x == pytest.approx(x, abs=1e-6)
    assert back_y == pytest.approx(y, abs=1e-6)


@pytest.mark.parametrize("view", VIEWS)
def test_region_grid_matches_region_at(pair, nyu_cc, nyu_mlo, view):
    regions = pair.info.regions
    grid = pair.region_grid(view)
    assert grid.shape == (regions + 1, regions + 1, 2)
    assert np.isfinite(grid).all()

    # The centre of each region quadrilateral lies in that region.
    for row in range(regions):
        for column in range(regions):
            corners = grid[row : row + 2, column : column + 2].reshape(4, 2)
            x, y = corners.mean(axis=0)
            assert pair.region_at(view, x, y) == (row, column)


def test_region_at_centre_is_inside_grid(pair, nyu_cc):
    x, y = breast_centre(nyu_cc)
    row, column = pair.region_at("CC", x, y)
    assert 0 <= row < pair.info.regions
    assert 0 <= column < pair.info.regions


def test_region_at_outside_breast_raises(pair, nyu_cc):
    height, width = nyu_cc.shape
    with pytest.raises(libglam.InvalidImageError):
        pair.region_at("CC", -10.0 * width, -10.0 * height)


def test_strided_rows_match_contiguous(model, pair, nyu_cc, nyu_mlo):
    # A view into a wider buffer: rows are contiguous but the row stride is larger than
    # the width, so the bindings pass row_stride instead of copying.
    height, width = nyu_cc.shape
    wide = np.zeros((height, width + 37), dtype=nyu_cc.dtype)
    wide[:, 5 : 5 + width] = nyu_cc
    view = wide[:, 5 : 5 + width]
    assert not view.flags["C_CONTIGUOUS"]
    with model.encode_pair(view, nyu_mlo) as strided:
        np.testing.assert_array_equal(strided.embedding("CC"), pair.embedding("CC"))


def test_column_strided_array_is_copied(model, pair, nyu_cc, nyu_mlo):
    # Every second column of a doubled image is the original; pixels within a row are not
    # adjacent, so the bindings must copy.
    doubled = np.repeat(nyu_cc, 2, axis=1)
    with model.encode_pair(doubled[:, ::2], nyu_mlo) as copied:
        np.testing.assert_array_equal(copied.embedding("CC"), pair.embedding("CC"))


def test_big_endian_uint16_matches_native(model, nyu_cc, nyu_mlo):
    native = nyu_cc.astype(np.uint16) * 257
    swapped = native.astype(">u2")
    with model.encode_pair(native, nyu_mlo) as first, model.encode_pair(swapped, nyu_mlo) as second:
        np.testing.assert_array_equal(first.embedding("CC"), second.embedding("CC"))


def test_bits_stored_masks_high_bits(model, nyu_cc, nyu_mlo):
    clean = nyu_cc.astype(np.uint16) << 4  # 12-bit values
    noisy = clean | np.uint16(0xF000)  # garbage above bit 12
    # bits_stored applies to the uint16 CC only; the MLO stays 8-bit with all bits stored.
    with model.encode_pair(libglam.Image(clean, bits_stored=12), nyu_mlo) as first:
        with model.encode_pair(libglam.Image(noisy, bits_stored=12), nyu_mlo) as second:
            np.testing.assert_array_equal(first.embedding("CC"), second.embedding("CC"))
        with model.encode_pair(libglam.Image(noisy, bits_stored=0), nyu_mlo) as unmasked:
            assert not np.array_equal(first.embedding("CC"), unmasked.embedding("CC"))


def test_monochrome1_inverts(model, nyu_cc, nyu_mlo):
    inverted = (255 - nyu_cc).astype(np.uint8)
    with model.encode_pair(nyu_cc, nyu_mlo) as normal:
        with model.encode_pair(inverted, nyu_mlo, cc_photometric="MONOCHROME1", mlo_photometric="MONOCHROME2") as flipped:
            np.testing.assert_allclose(flipped.model_input("CC"), normal.model_input("CC"), atol=1e-6)


@pytest.mark.parametrize("dtype", [np.uint16, np.float32])
def test_other_pixel_types_encode(model, nyu_cc, nyu_mlo, dtype):
    with model.encode_pair(nyu_cc.astype(dtype), nyu_mlo.astype(dtype)) as encoded:
        assert np.linalg.norm(encoded.embedding("CC")) == pytest.approx(1.0, abs=1e-4)


def test_image_objects_carry_attributes(model, pair, nyu_cc, nyu_mlo):
    cc = libglam.Image(nyu_cc, laterality="LEFT", photometric=libglam.Photometric.MONOCHROME2)
    mlo = libglam.Image(nyu_mlo, laterality=libglam.Laterality.LEFT)
    with model.encode_pair(cc, mlo, laterality="R") as encoded:
        np.testing.assert_array_equal(encoded.embedding("MLO"), pair.embedding("MLO"))


def test_threads_share_model(model, pair, nyu_cc, nyu_mlo):
    results = [None] * 3
    errors = []

    def encode(index):
        try:
            with model.encode_pair(nyu_cc, nyu_mlo) as encoded:
                results[index] = encoded.embedding("CC")
        except Exception as error:  # collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=encode, args=(index,)) for index in range(len(results))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    for result in results:
        np.testing.assert_array_equal(result, pair.embedding("CC"))


def test_bf16_precision_stays_close_to_fp32(nyu_cc, nyu_mlo):
    cc, mlo = nyu_cc, nyu_mlo
    with libglam.Model(DEMO_MODEL, threads=2) as exact, libglam.Model(DEMO_MODEL, threads=2, precision="bf16") as reduced:
        with exact.encode_pair(cc, mlo) as reference, reduced.encode_pair(cc, mlo) as approximate:
            for view in ("CC", "MLO"):
                a = reference.embedding(view)
                b = approximate.embedding(view)
                cosine = float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))
                assert cosine >= 0.999, f"{view} bf16 embedding cosine {cosine}"
                assert not np.array_equal(a, b), "bf16 must actually change the arithmetic"


def test_unknown_precision_is_rejected():
    with pytest.raises(libglam.InvalidArgumentError, match="precision"):
        libglam.Model(DEMO_MODEL, precision="fp16")
