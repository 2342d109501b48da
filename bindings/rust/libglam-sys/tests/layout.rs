//! Compares the Rust declarations with glam.h as the system C compiler (`cc`) lays it out.

use std::collections::HashMap;
use std::mem::{offset_of, size_of};
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use libglam_sys::*;

/// Compiles and runs tests/layout_probe.c once per test binary; the tests run in parallel
/// threads and would otherwise overwrite the probe while another one executes it.
fn c_layout() -> &'static HashMap<String, i64> {
    static LAYOUT: OnceLock<HashMap<String, i64>> = OnceLock::new();
    LAYOUT.get_or_init(compile_and_run_probe)
}

fn compile_and_run_probe() -> HashMap<String, i64> {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let include = std::env::var_os("LIBGLAM_INCLUDE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest.join("../../../Include"));
    let probe = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("glam_layout_probe");

    let compiled = Command::new("cc")
        .arg("-I")
        .arg(&include)
        .arg(manifest.join("tests/layout_probe.c"))
        .arg("-o")
        .arg(&probe)
        .status()
        .expect("failed to run cc; the layout test needs a C compiler");
    assert!(compiled.success(), "cc failed to compile tests/layout_probe.c against {}", include.display());

    let output = Command::new(&probe).output().expect("failed to run the layout probe");
    assert!(output.status.success());
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| {
            let (name, value) = line.split_once(' ').unwrap();
            (name.to_string(), value.parse().unwrap())
        })
        .collect()
}

macro_rules! check {
    ($layout:expr, $name:expr, $rust:expr) => {
        assert_eq!(
            $layout.get($name).copied(),
            Some($rust as i64),
            "{} differs between glam.h and libglam-sys",
            $name
        );
    };
}

#[test]
fn struct_layouts_match_c() {
    let c = c_layout();

    check!(c, "glam_model_options", size_of::<glam_model_options>());
    check!(c, "glam_model_options.struct_size", offset_of!(glam_model_options, struct_size));
    check!(c, "glam_model_options.thread_count", offset_of!(glam_model_options, thread_count));
    check!(c, "glam_model_options.precision", offset_of!(glam_model_options, precision));

    check!(c, "glam_model_info", size_of::<glam_model_info>());
    check!(c, "glam_model_info.struct_size", offset_of!(glam_model_info, struct_size));
    check!(c, "glam_model_info.image_size", offset_of!(glam_model_info, image_size));
    check!(c, "glam_model_info.patch_size", offset_of!(glam_model_info, patch_size));
    check!(c, "glam_model_info.grid", offset_of!(glam_model_info, grid));
    check!(c, "glam_model_info.regions", offset_of!(glam_model_info, regions));
    check!(c, "glam_model_info.region_size", offset_of!(glam_model_info, region_size));
    check!(c, "glam_model_info.feature_dim", offset_of!(glam_model_info, feature_dim));
    check!(c, "glam_model_info.embed_dim", offset_of!(glam_model_info, embed_dim));
    check!(c, "glam_model_info.untrained", offset_of!(glam_model_info, untrained));

    check!(c, "glam_image", size_of::<glam_image>());
    check!(c, "glam_image.struct_size", offset_of!(glam_image, struct_size));
    check!(c, "glam_image.pixels", offset_of!(glam_image, pixels));
    check!(c, "glam_image.pixel_type", offset_of!(glam_image, pixel_type));
    check!(c, "glam_image.width", offset_of!(glam_image, width));
    check!(c, "glam_image.height", offset_of!(glam_image, height));
    check!(c, "glam_image.row_stride", offset_of!(glam_image, row_stride));
    check!(c, "glam_image.bits_stored", offset_of!(glam_image, bits_stored));
    check!(c, "glam_image.photometric", offset_of!(glam_image, photometric));
    check!(c, "glam_image.laterality", offset_of!(glam_image, laterality));
    check!(c, "glam_image.view", offset_of!(glam_image, view));
    check!(c, "glam_image.flags", offset_of!(glam_image, flags));

    check!(c, "glam_status", size_of::<glam_status>());
    check!(c, "glam_view", size_of::<glam_view>());
}

#[test]
fn constants_match_c() {
    let c = c_layout();
    check!(c, "GLAM_OK", GLAM_OK);
    check!(c, "GLAM_ERROR_INVALID_ARGUMENT", GLAM_ERROR_INVALID_ARGUMENT);
    check!(c, "GLAM_ERROR_INVALID_MODEL", GLAM_ERROR_INVALID_MODEL);
    check!(c, "GLAM_ERROR_UNSUPPORTED", GLAM_ERROR_UNSUPPORTED);
    check!(c, "GLAM_ERROR_IO", GLAM_ERROR_IO);
    check!(c, "GLAM_ERROR_OUT_OF_MEMORY", GLAM_ERROR_OUT_OF_MEMORY);
    check!(c, "GLAM_ERROR_BUFFER_TOO_SMALL", GLAM_ERROR_BUFFER_TOO_SMALL);
    check!(c, "GLAM_ERROR_INVALID_IMAGE", GLAM_ERROR_INVALID_IMAGE);
    check!(c, "GLAM_ERROR_INVALID_HANDLE", GLAM_ERROR_INVALID_HANDLE);
    check!(c, "GLAM_ERROR_INTERNAL", GLAM_ERROR_INTERNAL);
    check!(c, "GLAM_PIXEL_UINT8", GLAM_PIXEL_UINT8);
    check!(c, "GLAM_PIXEL_UINT16", GLAM_PIXEL_UINT16);
    check!(c, "GLAM_PIXEL_FLOAT32", GLAM_PIXEL_FLOAT32);
    check!(c, "GLAM_MONOCHROME1", GLAM_MONOCHROME1);
    check!(c, "GLAM_MONOCHROME2", GLAM_MONOCHROME2);
    check!(c, "GLAM_LATERALITY_LEFT", GLAM_LATERALITY_LEFT);
    check!(c, "GLAM_LATERALITY_RIGHT", GLAM_LATERALITY_RIGHT);
    check!(c, "GLAM_VIEW_CC", GLAM_VIEW_CC);
    check!(c, "GLAM_VIEW_MLO", GLAM_VIEW_MLO);
    check!(c, "GLAM_VERSION_NUMBER", GLAM_VERSION_NUMBER);
    check!(c, "GLAM_MAX_IMAGE_SIDE", GLAM_MAX_IMAGE_SIDE);
    check!(c, "GLAM_MAX_IMAGE_PIXELS", GLAM_MAX_IMAGE_PIXELS);
}

#[test]
fn loaded_library_version_matches_header() {
    let number = unsafe { glam_version_number() };
    assert_eq!(number, GLAM_VERSION_NUMBER);
    let text = unsafe { std::ffi::CStr::from_ptr(glam_version()) };
    assert_eq!(text.to_str().unwrap(), GLAM_VERSION_STRING);
}

#[test]
fn image_init_sets_struct_size() {
    // A zeroed buffer larger than the struct, so a newer library writing more cannot overrun.
    let mut buffer = [0u64; 32];
    let image = buffer.as_mut_ptr().cast::<glam_image>();
    unsafe { glam_image_init(image, size_of::<glam_image>()) };
    let image = unsafe { &*image };
    assert_eq!(image.struct_size, size_of::<glam_image>());
    assert_eq!(image.photometric, GLAM_MONOCHROME2);
    assert!(image.pixels.is_null());
}
