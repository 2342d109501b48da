//! Safe Rust API for libglam, a CPU inference runtime for GLAM multi-view mammography models
//! (Du, Chen, Dvornek, MICCAI 2025), over the C interface in `glam.h` (see `libglam-sys`).
//!
//! ```no_run
//! use libglam::{Image, Laterality, Model, View};
//!
//! # fn main() -> libglam::Result<()> {
//! # let (cc, mlo) = (vec![0u8; 4], vec![0u8; 4]);
//! let model = Model::open_with_threads("models/glam-demo", 2)?;
//! let pair = model.encode_pair(
//!     &Image::new(&cc, 2, 2).laterality(Laterality::Left),
//!     &Image::new(&mlo, 2, 2).laterality(Laterality::Left),
//! )?;
//! let alignment = model.align(&pair)?;
//! let heatmap = alignment.heatmap(View::Cc, 1.0, 1.0, 2, 2)?;
//! # Ok(())
//! # }
//! ```
//!
//! Every array returned is copied out of the handle into a `Vec`, so it outlives the handle.

mod error;
mod image;
mod model;

pub use error::{Error, Result, Status};
pub use image::{Image, Laterality, Photometric, Pixel};
pub use model::{Alignment, Attention, FeatureGrid, Heatmap, MapDirection, Model, ModelInfo, Pair};

pub use libglam_sys as sys;

use std::ffi::CStr;

/// DICOM View Position (0018,5101).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum View {
    Cc,
    Mlo,
}

impl View {
    /// Parses the DICOM code "CC" or "MLO", ignoring case.
    pub fn from_dicom(code: &str) -> Option<View> {
        match code.trim().to_ascii_uppercase().as_str() {
            "CC" => Some(View::Cc),
            "MLO" => Some(View::Mlo),
            _ => None,
        }
    }

    pub(crate) fn to_raw(self) -> sys::glam_view {
        match self {
            View::Cc => sys::GLAM_VIEW_CC,
            View::Mlo => sys::GLAM_VIEW_MLO,
        }
    }
}

impl std::fmt::Display for View {
    /// Writes the DICOM code, "CC" or "MLO".
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(match self {
            View::Cc => "CC",
            View::Mlo => "MLO",
        })
    }
}

/// Returns the version string of the loaded library, such as "0.1.0".
pub fn version() -> String {
    // SAFETY: glam_version returns a static NUL-terminated string.
    unsafe { CStr::from_ptr(sys::glam_version()) }.to_string_lossy().into_owned()
}
