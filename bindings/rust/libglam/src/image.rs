use std::ffi::c_void;
use std::mem::size_of;

use libglam_sys as sys;

use crate::error::{Error, Result, Status};
use crate::View;

/// Pixel types libglam accepts: `u8`, `u16` and `f32`.
pub trait Pixel: Copy + sealed::Sealed {
    #[doc(hidden)]
    const PIXEL_TYPE: sys::glam_pixel_type;
}

impl Pixel for u8 {
    const PIXEL_TYPE: sys::glam_pixel_type = sys::GLAM_PIXEL_UINT8;
}
impl Pixel for u16 {
    const PIXEL_TYPE: sys::glam_pixel_type = sys::GLAM_PIXEL_UINT16;
}
impl Pixel for f32 {
    const PIXEL_TYPE: sys::glam_pixel_type = sys::GLAM_PIXEL_FLOAT32;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for u8 {}
    impl Sealed for u16 {}
    impl Sealed for f32 {}
}

/// DICOM Laterality (0020,0060) or Image Laterality (0020,0062).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Laterality {
    Left,
    Right,
}

impl Laterality {
    /// Parses the DICOM code "L" or "R" (or "LEFT" / "RIGHT"), ignoring case.
    pub fn from_dicom(code: &str) -> Option<Laterality> {
        match code.trim().to_ascii_uppercase().as_str() {
            "L" | "LEFT" => Some(Laterality::Left),
            "R" | "RIGHT" => Some(Laterality::Right),
            _ => None,
        }
    }

    pub(crate) fn to_raw(self) -> sys::glam_laterality {
        match self {
            Laterality::Left => sys::GLAM_LATERALITY_LEFT,
            Laterality::Right => sys::GLAM_LATERALITY_RIGHT,
        }
    }
}

/// DICOM Photometric Interpretation (0028,0004).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Photometric {
    /// The minimum value is displayed white; libglam inverts the pixels.
    Monochrome1,
    /// The minimum value is displayed black (the usual case).
    #[default]
    Monochrome2,
}

impl Photometric {
    pub(crate) fn to_raw(self) -> sys::glam_photometric {
        match self {
            Photometric::Monochrome1 => sys::GLAM_MONOCHROME1,
            Photometric::Monochrome2 => sys::GLAM_MONOCHROME2,
        }
    }
}

/// One view's stored pixels, borrowed, with the DICOM attributes libglam needs.
///
/// Pixels are row-major, row 0 at the top. `row_stride` counts pixels (not bytes) from the
/// start of one row to the next and defaults to the width.
#[derive(Debug, Clone, Copy)]
pub struct Image<'a, P: Pixel> {
    pixels: &'a [P],
    width: usize,
    height: usize,
    row_stride: usize,
    bits_stored: u32,
    photometric: Photometric,
    laterality: Laterality,
    film: bool,
}

impl<'a, P: Pixel> Image<'a, P> {
    /// Describes `pixels` as a `width` × `height` image of a left breast, MONOCHROME2, with
    /// all bits of the pixel type stored. Sizes are checked by `Model::encode_pair`.
    pub fn new(pixels: &'a [P], width: usize, height: usize) -> Image<'a, P> {
        Image {
            pixels,
            width,
            height,
            row_stride: width,
            bits_stored: 0,
            photometric: Photometric::Monochrome2,
            laterality: Laterality::Left,
            film: false,
        }
    }

    /// Marks a digitised film: libglam then removes labels and film-border strips before
    /// cropping (`GLAM_IMAGE_FILM`).
    pub fn film(mut self, film: bool) -> Self {
        self.film = film;
        self
    }

    pub fn laterality(mut self, laterality: Laterality) -> Self {
        self.laterality = laterality;
        self
    }

    pub fn photometric(mut self, photometric: Photometric) -> Self {
        self.photometric = photometric;
        self
    }

    /// Sets DICOM Bits Stored (0028,0101): integer pixels are masked to this many low bits.
    /// 0 means the full width of the pixel type. Ignored for `f32`.
    pub fn bits_stored(mut self, bits: u32) -> Self {
        self.bits_stored = bits;
        self
    }

    /// Sets the distance in pixels from the start of one row to the next (at least the width).
    pub fn row_stride(mut self, pixels: usize) -> Self {
        self.row_stride = pixels;
        self
    }

    pub fn width(&self) -> usize {
        self.width
    }

    pub fn height(&self) -> usize {
        self.height
    }

    /// Builds the C struct after checking that every row lies inside the borrowed slice,
    /// because libglam reads `height` rows of `row_stride` pixels from the pointer.
    pub(crate) fn to_raw(&self, view: View, name: &str) -> Result<sys::glam_image> {
        let invalid = |message: String| Error::new(Status::InvalidArgument, message);

        if self.width == 0 || self.height == 0 {
            return Err(invalid(format!("{name} image is {}×{}; both sides must be at least 1", self.width, self.height)));
        }
        if self.row_stride < self.width {
            return Err(invalid(format!(
                "{name} row stride {} is smaller than the width {}",
                self.row_stride, self.width
            )));
        }
        let needed = (self.height - 1)
            .checked_mul(self.row_stride)
            .and_then(|rows| rows.checked_add(self.width))
            .ok_or_else(|| invalid(format!("{name} image size overflows usize")))?;
        if self.pixels.len() < needed {
            return Err(invalid(format!(
                "{name} pixel slice has {} values but a {}×{} image with row stride {} needs {needed}",
                self.pixels.len(),
                self.width,
                self.height,
                self.row_stride
            )));
        }
        let width = i32::try_from(self.width).map_err(|_| invalid(format!("{name} width {} does not fit in int32", self.width)))?;
        let height = i32::try_from(self.height).map_err(|_| invalid(format!("{name} height {} does not fit in int32", self.height)))?;
        let bits_stored = i32::try_from(self.bits_stored)
            .map_err(|_| invalid(format!("{name} bits_stored {} does not fit in int32", self.bits_stored)))?;

        let row_stride_bytes = self
            .row_stride
            .checked_mul(size_of::<P>())
            .ok_or_else(|| invalid(format!("{name} row stride {} overflows usize in bytes", self.row_stride)))?;

        Ok(sys::glam_image {
            struct_size: size_of::<sys::glam_image>(),
            pixels: self.pixels.as_ptr().cast::<c_void>(),
            pixel_type: P::PIXEL_TYPE,
            width,
            height,
            row_stride: row_stride_bytes,
            bits_stored,
            photometric: self.photometric.to_raw(),
            laterality: self.laterality.to_raw(),
            view: view.to_raw(),
            flags: if self.film { sys::GLAM_IMAGE_FILM } else { 0 },
        })
    }
}
