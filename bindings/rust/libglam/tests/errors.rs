//! Errors as values, and handles released by Drop.

mod common;

use std::ptr;

use common::{demo_model, nyu_pair};
use libglam::{Image, Laterality, Model, Status, View, sys};

fn pixels_u8(image: &common::Gray) -> Vec<u8> {
    image.pixels.iter().map(|&value| value as u8).collect()
}

#[test]
fn missing_bundle_is_io_error_naming_path() {
    let missing = std::env::temp_dir().join("libglam-no-such-bundle");
    let error = Model::open(&missing).unwrap_err();
    assert_eq!(error.status(), Status::Io);
    assert!(error.message().contains(missing.to_str().unwrap()), "{error}");
    assert!(error.to_string().contains("GLAM_ERROR_IO"), "{error}");
}

#[test]
fn nul_in_path_is_invalid_argument() {
    let error = Model::open("models/a\0b").unwrap_err();
    assert_eq!(error.status(), Status::InvalidArgument);
}

#[test]
fn mismatched_laterality_is_invalid_argument() {
    let model = Model::open_with_threads(demo_model(), 1).unwrap();
    let (cc, mlo) = nyu_pair();
    let (cc_pixels, mlo_pixels) = (pixels_u8(cc), pixels_u8(mlo));
    let error = model
        .encode_pair(
            &Image::new(&cc_pixels, cc.width, cc.height).laterality(Laterality::Left),
            &Image::new(&mlo_pixels, mlo.width, mlo.height).laterality(Laterality::Right),
        )
        .unwrap_err();
    assert_eq!(error.status(), Status::InvalidArgument);
    assert!(error.message().to_lowercase().contains("lateralit"), "{error}");
}

#[test]
fn nan_pixels_are_invalid_image() {
    let model = Model::open_with_threads(demo_model(), 1).unwrap();
    let (cc, mlo) = nyu_pair();
    let mut cc_pixels: Vec<f32> = cc.pixels.iter().map(|&value| f32::from(value)).collect();
    cc_pixels[cc.width * 100 + 200] = f32::NAN;
    let mlo_pixels: Vec<f32> = mlo.pixels.iter().map(|&value| f32::from(value)).collect();
    let error = model
        .encode_pair(&Image::new(&cc_pixels, cc.width, cc.height), &Image::new(&mlo_pixels, mlo.width, mlo.height))
        .unwrap_err();
    assert_eq!(error.status(), Status::InvalidImage);
    assert!(!error.message().is_empty());
}

#[test]
fn short_slice_rejected_before_library() {
    let model = Model::open_with_threads(demo_model(), 1).unwrap();
    let pixels = vec![0u8; 99];
    let error = model.encode_pair(&Image::new(&pixels, 10, 10), &Image::new(&pixels, 10, 9)).unwrap_err();
    assert_eq!(error.status(), Status::InvalidArgument);
    assert!(error.message().contains("needs 100"), "{error}");

    let error = model.encode_pair(&Image::new(&pixels, 10, 9).row_stride(5), &Image::new(&pixels, 10, 9)).unwrap_err();
    assert!(error.message().contains("row stride"), "{error}");
}

#[test]
fn heatmap_size_and_point_errors() {
    let model = Model::open_with_threads(demo_model(), 1).unwrap();
    let (cc, mlo) = nyu_pair();
    let (cc_pixels, mlo_pixels) = (pixels_u8(cc), pixels_u8(mlo));
    let pair = model
        .encode_pair(&Image::new(&cc_pixels, cc.width, cc.height), &Image::new(&mlo_pixels, mlo.width, mlo.height))
        .unwrap();
    let alignment = model.align(&pair).unwrap();
    assert_eq!(alignment.heatmap(View::Cc, 10.0, 10.0, 0, 5).unwrap_err().status(), Status::InvalidArgument);
    assert_eq!(alignment.heatmap(View::Cc, -1e6, -1e6, 5, 5).unwrap_err().status(), Status::InvalidImage);
    assert_eq!(pair.region_at(View::Mlo, -1e6, -1e6).unwrap_err().status(), Status::InvalidImage);
    assert_eq!(pair.map_point(View::Cc, f64::NAN, 0.0, libglam::MapDirection::ToInput).unwrap_err().status(), Status::InvalidArgument);
}

/// Drop must call the free function: libglam tracks live handles, so a raw pointer kept past
/// the drop is reported as GLAM_ERROR_INVALID_HANDLE.
#[test]
fn drop_releases_handles() {
    let model = Model::open_with_threads(demo_model(), 1).unwrap();
    let (cc, mlo) = nyu_pair();
    let (cc_pixels, mlo_pixels) = (pixels_u8(cc), pixels_u8(mlo));
    let pair = model
        .encode_pair(&Image::new(&cc_pixels, cc.width, cc.height), &Image::new(&mlo_pixels, mlo.width, mlo.height))
        .unwrap();
    let alignment = model.align(&pair).unwrap();
    let (raw_model, raw_pair, raw_alignment) = (model.as_ptr(), pair.as_ptr(), alignment.as_ptr());

    let mut values: *const f32 = ptr::null();
    let mut count = 0usize;
    // SAFETY (for all raw calls below): libglam detects freed handles and returns a status.
    assert_eq!(unsafe { sys::glam_pair_embedding(raw_pair, sys::GLAM_VIEW_CC, &mut values, &mut count) }, sys::GLAM_OK);

    drop(alignment);
    assert_eq!(
        unsafe { sys::glam_alignment_attention(raw_alignment, sys::GLAM_VIEW_CC, &mut values, &mut count) },
        sys::GLAM_ERROR_INVALID_HANDLE
    );
    drop(pair);
    assert_eq!(
        unsafe { sys::glam_pair_embedding(raw_pair, sys::GLAM_VIEW_CC, &mut values, &mut count) },
        sys::GLAM_ERROR_INVALID_HANDLE
    );
    drop(model);
    let mut info = sys::glam_model_info { struct_size: size_of::<sys::glam_model_info>(), ..Default::default() };
    assert_eq!(unsafe { sys::glam_model_get_info(raw_model, &mut info) }, sys::GLAM_ERROR_INVALID_HANDLE);
}

#[test]
fn handles_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Model>();
    assert_send_sync::<libglam::Pair>();
    assert_send_sync::<libglam::Alignment>();
    assert_send_sync::<libglam::Error>();
}
