"""The ctypes declarations against glam.h as a C compiler sees it."""

from __future__ import annotations

import ctypes
import re
import shutil
import subprocess

import pytest

import libglam
from libglam import _image, _native

from conftest import REPO_ROOT

HEADER_DIR = REPO_ROOT / "Include"

# Prints "name size" and "name.field offset" lines for every struct in glam.h.
PROBE_SOURCE = r"""
#include <stdio.h>
#include <stddef.h>
#include "glam.h"
#define SIZE(T) printf(#T " %zu\n", sizeof(T))
#define OFFSET(T, F) printf(#T "." #F " %zu\n", offsetof(T, F))
int main(void) {
    SIZE(glam_model_options);
    OFFSET(glam_model_options, struct_size); OFFSET(glam_model_options, thread_count);
    OFFSET(glam_model_options, precision);
    SIZE(glam_model_info);
    OFFSET(glam_model_info, struct_size); OFFSET(glam_model_info, image_size);
    OFFSET(glam_model_info, patch_size); OFFSET(glam_model_info, grid);
    OFFSET(glam_model_info, regions); OFFSET(glam_model_info, region_size);
    OFFSET(glam_model_info, feature_dim); OFFSET(glam_model_info, embed_dim);
    OFFSET(glam_model_info, untrained);
    SIZE(glam_image);
    OFFSET(glam_image, struct_size); OFFSET(glam_image, pixels); OFFSET(glam_image, pixel_type);
    OFFSET(glam_image, width); OFFSET(glam_image, height); OFFSET(glam_image, row_stride);
    OFFSET(glam_image, bits_stored); OFFSET(glam_image, photometric);
    OFFSET(glam_image, laterality); OFFSET(glam_image, view); OFFSET(glam_image, flags);
    SIZE(glam_status);
    printf("GLAM_IMAGE_FILM %u\n", GLAM_IMAGE_FILM);
    printf("GLAM_VERSION_NUMBER %d\n", GLAM_VERSION_NUMBER);
    printf("GLAM_MAX_IMAGE_SIDE %d\n", GLAM_MAX_IMAGE_SIDE);
    printf("GLAM_MAX_IMAGE_PIXELS %d\n", GLAM_MAX_IMAGE_PIXELS);
    return 0;
}
"""

STRUCTS = {
    "glam_model_options": _native.ModelOptions,
    "glam_model_info": _native.ModelInfo,
    "glam_image": _native.Image,
}


@pytest.fixture(scope="module")
def c_layout(tmp_path_factory) -> dict[str, int]:
    compiler = shutil.which("cc")
    if compiler is None:
        pytest.skip("no C compiler (cc) on PATH to compile the layout probe")
    folder = tmp_path_factory.mktemp("abi")
    source = folder / "probe.c"
    source.write_text(PROBE_SOURCE)
    binary = folder / "probe"
    subprocess.run([compiler, "-I", str(HEADER_DIR), str(source), "-o", str(binary)], check=True)
    output = subprocess.run([str(binary)], check=True, capture_output=True, text=True).stdout
    return {name: int(value) for name, value in (line.split() for line in output.splitlines())}


@pytest.mark.parametrize("c_name", sorted(STRUCTS))
def test_struct_size_matches_c(c_layout, c_name):
    assert ctypes.sizeof(STRUCTS[c_name]) == c_layout[c_name]


@pytest.mark.parametrize("c_name", sorted(STRUCTS))
def test_field_offsets_match_c(c_layout, c_name):
    structure = STRUCTS[c_name]
    for field, _ in structure._fields_:
        assert getattr(structure, field).offset == c_layout[f"{c_name}.{field}"], field


def test_enum_size_matches_c_int(c_layout):
    assert c_layout["glam_status"] == ctypes.sizeof(ctypes.c_int)


def test_constants_match_header(c_layout):
    major, minor, patch = libglam.HEADER_VERSION
    assert major * 10000 + minor * 100 + patch == c_layout["GLAM_VERSION_NUMBER"]
    assert libglam.MAX_IMAGE_SIDE == c_layout["GLAM_MAX_IMAGE_SIDE"]
    assert libglam.MAX_IMAGE_PIXELS == c_layout["GLAM_MAX_IMAGE_PIXELS"]
    assert _image.IMAGE_FILM == c_layout["GLAM_IMAGE_FILM"]


def test_every_header_function_declared():
    header = (HEADER_DIR / "glam.h").read_text()
    # Every "glam_name(" in the header, comments included, is one of its functions.
    called_in_header = set(re.findall(r"\b(glam_[a-z_]+)\s*\(", header))
    assert called_in_header == set(_native._SIGNATURES)


def test_library_version_matches_header():
    assert libglam.version() == ".".join(str(part) for part in libglam.HEADER_VERSION)


def test_status_names_match_enum():
    for status in libglam.Status:
        expected = "GLAM_OK" if status == libglam.Status.OK else f"GLAM_ERROR_{status.name}"
        assert _native.status_name(status) == expected


def test_image_init_fills_defaults():
    # Oversized buffer, so a newer library writing a longer struct cannot corrupt memory.
    buffer = (ctypes.c_ubyte * 256)()
    image = _native.Image.from_buffer(buffer)
    _native.LIB.glam_image_init(ctypes.byref(image), ctypes.sizeof(_native.Image))
    assert image.struct_size == ctypes.sizeof(_native.Image)
    assert image.photometric == libglam.Photometric.MONOCHROME2
    assert image.pixels is None
    assert image.width == 0


def test_model_options_init_fills_defaults():
    buffer = (ctypes.c_ubyte * 64)(*([0xFF] * 64))
    options = _native.ModelOptions.from_buffer(buffer)
    _native.LIB.glam_model_options_init(ctypes.byref(options), ctypes.sizeof(_native.ModelOptions))
    assert options.struct_size == ctypes.sizeof(_native.ModelOptions)
    assert options.thread_count == 0
