//! Raw declarations of `glam.h` 0.1, the C interface of libglam: a CPU inference runtime for
//! GLAM multi-view mammography models.
//!
//! Names, types and values follow the header one to one; read its comments for the contract
//! of each function. C enums are `c_int` aliases with one constant per enumerator, because a
//! Rust enum must never receive a value outside its variants and libglam may add statuses.
//! The safe API lives in the `libglam` crate.

#![allow(non_camel_case_types)]
#![no_std]

use core::ffi::{c_char, c_double, c_int, c_void};
use core::marker::{PhantomData, PhantomPinned};

pub const GLAM_VERSION_MAJOR: i32 = 0;
pub const GLAM_VERSION_MINOR: i32 = 1;
pub const GLAM_VERSION_PATCH: i32 = 0;
pub const GLAM_VERSION_NUMBER: i32 = 100;
pub const GLAM_VERSION_STRING: &str = "0.1.0";

pub const GLAM_MAX_IMAGE_SIDE: i32 = 65536;
pub const GLAM_MAX_IMAGE_PIXELS: i32 = 1 << 28;

pub type glam_status = c_int;
pub const GLAM_OK: glam_status = 0;
pub const GLAM_ERROR_INVALID_ARGUMENT: glam_status = 1;
pub const GLAM_ERROR_INVALID_MODEL: glam_status = 2;
pub const GLAM_ERROR_UNSUPPORTED: glam_status = 3;
pub const GLAM_ERROR_IO: glam_status = 4;
pub const GLAM_ERROR_OUT_OF_MEMORY: glam_status = 5;
pub const GLAM_ERROR_BUFFER_TOO_SMALL: glam_status = 6;
pub const GLAM_ERROR_INVALID_IMAGE: glam_status = 7;
pub const GLAM_ERROR_INVALID_HANDLE: glam_status = 8;
pub const GLAM_ERROR_INTERNAL: glam_status = 9;

pub type glam_pixel_type = c_int;
pub const GLAM_PIXEL_UINT8: glam_pixel_type = 1;
pub const GLAM_PIXEL_UINT16: glam_pixel_type = 2;
pub const GLAM_PIXEL_FLOAT32: glam_pixel_type = 3;

pub type glam_photometric = c_int;
pub const GLAM_MONOCHROME2: glam_photometric = 2;
pub const GLAM_MONOCHROME1: glam_photometric = 1;

pub type glam_laterality = c_int;
pub const GLAM_LATERALITY_LEFT: glam_laterality = 1;
pub const GLAM_LATERALITY_RIGHT: glam_laterality = 2;

pub type glam_view = c_int;
pub const GLAM_VIEW_CC: glam_view = 1;
pub const GLAM_VIEW_MLO: glam_view = 2;

/// Opaque model handle.
#[repr(C)]
pub struct glam_model {
    _data: [u8; 0],
    _marker: PhantomData<(*mut u8, PhantomPinned)>,
}

/// Opaque handle of one encoded CC + MLO pair.
#[repr(C)]
pub struct glam_pair {
    _data: [u8; 0],
    _marker: PhantomData<(*mut u8, PhantomPinned)>,
}

/// Opaque handle of one alignment head result.
#[repr(C)]
pub struct glam_alignment {
    _data: [u8; 0],
    _marker: PhantomData<(*mut u8, PhantomPinned)>,
}

#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct glam_model_options {
    pub struct_size: usize,
    pub thread_count: i32,
    /// A `GLAM_PRECISION_*` value.
    pub precision: i32,
}

pub const GLAM_PRECISION_FP32: i32 = 0;
pub const GLAM_PRECISION_BF16: i32 = 1;

#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct glam_model_info {
    pub struct_size: usize,
    pub image_size: i32,
    pub patch_size: i32,
    pub grid: i32,
    pub regions: i32,
    pub region_size: i32,
    pub feature_dim: i32,
    pub embed_dim: i32,
    pub untrained: i32,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct glam_image {
    pub struct_size: usize,
    pub pixels: *const c_void,
    pub pixel_type: i32,
    pub width: i32,
    pub height: i32,
    pub row_stride: usize,
    pub bits_stored: i32,
    pub photometric: i32,
    pub laterality: i32,
    pub view: i32,
    /// A combination of `GLAM_IMAGE_*` flags.
    pub flags: u32,
}

/// The image is a digitised film: labels and film-border strips are removed before cropping.
pub const GLAM_IMAGE_FILM: u32 = 0x1;

// Layouts on LP64 targets (x86_64 and aarch64 Linux), where size_t and pointers are 8 bytes.
// tests/layout.rs checks every offset against a C compiler on the build machine.
#[cfg(target_pointer_width = "64")]
const _: () = {
    assert!(core::mem::size_of::<glam_model_options>() == 16);
    assert!(core::mem::size_of::<glam_model_info>() == 40);
    assert!(core::mem::size_of::<glam_image>() == 64);
    assert!(core::mem::offset_of!(glam_image, flags) == 56);
    assert!(core::mem::offset_of!(glam_image, row_stride) == 32);
    assert!(core::mem::offset_of!(glam_image, view) == 52);
};

unsafe extern "C" {
    pub fn glam_version() -> *const c_char;
    pub fn glam_version_number() -> i32;

    pub fn glam_last_error() -> *const c_char;
    pub fn glam_status_name(status: glam_status) -> *const c_char;

    pub fn glam_model_options_init(options: *mut glam_model_options, struct_size: usize);
    pub fn glam_model_open(
        bundle_path: *const c_char,
        options: *const glam_model_options,
        out_model: *mut *mut glam_model,
    ) -> glam_status;
    pub fn glam_model_close(model: *mut glam_model);
    pub fn glam_model_get_info(model: *const glam_model, out_info: *mut glam_model_info) -> glam_status;

    pub fn glam_image_init(image: *mut glam_image, struct_size: usize);

    pub fn glam_encode_pair(
        model: *mut glam_model,
        cc: *const glam_image,
        mlo: *const glam_image,
        out_pair: *mut *mut glam_pair,
    ) -> glam_status;
    pub fn glam_pair_free(pair: *mut glam_pair);
    pub fn glam_pair_embedding(
        pair: *const glam_pair,
        view: glam_view,
        out_values: *mut *const f32,
        out_count: *mut usize,
    ) -> glam_status;
    pub fn glam_pair_patch_tokens(
        pair: *const glam_pair,
        view: glam_view,
        out_values: *mut *const f32,
        out_grid: *mut usize,
        out_dim: *mut usize,
    ) -> glam_status;
    pub fn glam_pair_model_input(
        pair: *const glam_pair,
        view: glam_view,
        out_values: *mut *const f32,
        out_side: *mut usize,
    ) -> glam_status;
    pub fn glam_pair_map_point(
        pair: *const glam_pair,
        view: glam_view,
        to_input: i32,
        x: c_double,
        y: c_double,
        out_x: *mut c_double,
        out_y: *mut c_double,
    ) -> glam_status;
    pub fn glam_pair_region_grid(
        pair: *const glam_pair,
        view: glam_view,
        out_xy: *mut c_double,
        capacity: usize,
    ) -> glam_status;
    pub fn glam_pair_region_at(
        pair: *const glam_pair,
        view: glam_view,
        x: c_double,
        y: c_double,
        out_row: *mut i32,
        out_column: *mut i32,
    ) -> glam_status;

    pub fn glam_align(
        model: *mut glam_model,
        pair: *const glam_pair,
        out_alignment: *mut *mut glam_alignment,
    ) -> glam_status;
    pub fn glam_alignment_free(alignment: *mut glam_alignment);
    pub fn glam_alignment_regions(
        alignment: *const glam_alignment,
        view: glam_view,
        out_values: *mut *const f32,
        out_regions: *mut usize,
        out_dim: *mut usize,
    ) -> glam_status;
    pub fn glam_alignment_attention(
        alignment: *const glam_alignment,
        source_view: glam_view,
        out_values: *mut *const f32,
        out_regions: *mut usize,
    ) -> glam_status;
    pub fn glam_alignment_similarity(
        alignment: *const glam_alignment,
        view: glam_view,
        out_values: *mut *const f32,
        out_regions: *mut usize,
    ) -> glam_status;
    pub fn glam_alignment_heatmap(
        alignment: *const glam_alignment,
        source_view: glam_view,
        x: c_double,
        y: c_double,
        out_heatmap: *mut f32,
        width: i32,
        height: i32,
        out_source_row: *mut i32,
        out_source_column: *mut i32,
    ) -> glam_status;
}
