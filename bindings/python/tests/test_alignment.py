"""Alignment head outputs and the heatmap for the NYU pair."""

from __future__ import annotations

import numpy as np
import pytest

import libglam

from conftest import breast_centre

VIEWS = ("CC", "MLO")


@pytest.mark.parametrize("view", VIEWS)
def test_region_features_are_unit_length(alignment, model, view):
    features = alignment.regions(view)
    info = model.info
    assert features.shape == (info.regions, info.regions, info.feature_dim)
    np.testing.assert_allclose(np.linalg.norm(features, axis=-1), 1.0, atol=1e-4)


@pytest.mark.parametrize("view", VIEWS)
def test_attention_rows_sum_to_one(alignment, model, view):
    attention = alignment.attention(view)
    regions = model.info.regions
    assert attention.shape == (regions, regions, regions)
    assert (attention >= 0).all()
    np.testing.assert_allclose(attention.sum(axis=-1), 1.0, atol=1e-5)


def test_attention_directions_differ(alignment):
    assert not np.allclose(alignment.attention("CC"), alignment.attention("MLO"))


@pytest.mark.parametrize("view", VIEWS)
def test_similarity_is_cosine(alignment, model, view):
    similarity = alignment.similarity(view)
    assert similarity.shape == (model.info.regions, model.info.regions)
    assert (similarity >= -1.0 - 1e-5).all()
    assert (similarity <= 1.0 + 1e-5).all()


def test_heatmap_fills_one_column_band(alignment, pair, nyu_cc, nyu_mlo):
    x, y = breast_centre(nyu_cc)
    mlo_height, mlo_width = nyu_mlo.shape
    # One cell per 40×40 pixels keeps the per-cell region_at check fast.
    width, height = mlo_width // 40, mlo_height // 40
    heat, (source_row, source_column) = alignment.heatmap("CC", x, y, width, height)

    assert heat.shape == (height, width)
    assert (source_row, source_column) == pair.region_at("CC", x, y)
    assert np.count_nonzero(heat) > 0

    attention_row = alignment.attention("CC")[source_column, source_row]
    for j in range(height):
        for i in range(width):
            # Cell centre in MLO pixels.
            cell_x = (i + 0.5) * mlo_width / width
            cell_y = (j + 0.5) * mlo_height / height
            try:
                target_row, target_column = pair.region_at("MLO", cell_x, cell_y)
            except libglam.InvalidImageError:
                assert heat[j, i] == 0.0, (i, j)
                continue
            if target_column == source_column:
                assert heat[j, i] == pytest.approx(attention_row[target_row], abs=1e-6), (i, j)
            else:
                assert heat[j, i] == 0.0, (i, j, target_column)


def test_heatmap_values_are_attention_weights(alignment, nyu_mlo):
    x, y = breast_centre(nyu_mlo)
    heat, (row, column) = alignment.heatmap("MLO", x, y, 50, 60)
    weights = alignment.attention("MLO")[column, row]
    for value in np.unique(heat[heat != 0]):
        assert np.isclose(weights, value, atol=1e-6).any(), value


def test_heatmap_outside_breast_raises(alignment):
    with pytest.raises(libglam.InvalidImageError):
        alignment.heatmap("CC", -1e6, -1e6, 10, 10)


@pytest.mark.parametrize("size", [(0, 10), (10, 0), (libglam.MAX_IMAGE_SIDE + 1, 1)])
def test_heatmap_size_out_of_range(alignment, nyu_cc, size):
    x, y = breast_centre(nyu_cc)
    with pytest.raises(libglam.InvalidArgumentError, match="outside 1.."):
        alignment.heatmap("CC", x, y, *size)


def test_alignment_outlives_pair(model, nyu_cc, nyu_mlo, alignment):
    pair = model.encode_pair(nyu_cc, nyu_mlo)
    own = model.align(pair)
    pair.close()
    x, y = breast_centre(nyu_cc)
    heat, source = own.heatmap("CC", x, y, 20, 26)
    expected, expected_source = alignment.heatmap("CC", x, y, 20, 26)
    own.close()
    assert source == expected_source
    np.testing.assert_array_equal(heat, expected)
