use std::ffi::CString;
use std::path::Path;
use std::ptr::{self, NonNull};

use libglam_sys as sys;

use crate::error::{Error, Result, Status, check};
use crate::image::{Image, Pixel};
use crate::View;

/// Geometry of a GLAM bundle, from glam_model_info.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModelInfo {
    /// Model input side in pixels (518 for GLAM).
    pub image_size: usize,
    pub patch_size: usize,
    /// Patches per side (37 for GLAM).
    pub grid: usize,
    /// Regions per side (9 for GLAM).
    pub regions: usize,
    /// Patches per region side (4 for GLAM).
    pub region_size: usize,
    /// Width of patch tokens and region features.
    pub feature_dim: usize,
    /// Width of the embedding.
    pub embed_dim: usize,
    /// True when the bundle's metadata marks its weights as untrained (random); show this
    /// next to any output.
    pub untrained: bool,
}

/// An opened GLAM bundle. Closed on drop.
///
/// A model may be used from several threads at once: libglam runs each encode and align
/// call on its own execution plan.
#[derive(Debug)]
pub struct Model {
    handle: NonNull<sys::glam_model>,
    info: ModelInfo,
}

// SAFETY: glam.h allows every function to be called from any thread and a glam_model to be
// used by several threads at once.
unsafe impl Send for Model {}
unsafe impl Sync for Model {}

impl Model {
    /// Opens a bundle folder (encoder.onnx + align.onnx) with one thread per online CPU.
    pub fn open(path: impl AsRef<Path>) -> Result<Model> {
        Model::open_with_threads(path, 0)
    }

    /// Opens a bundle folder; `threads` is glam_model_options.thread_count (0 means all
    /// online CPUs). libglam applies it process-wide, so the model opened last decides it.
    pub fn open_with_threads(path: impl AsRef<Path>, threads: u32) -> Result<Model> {
        let path = path.as_ref();
        let c_path = path_to_cstring(path)?;
        let thread_count = i32::try_from(threads)
            .map_err(|_| Error::new(Status::InvalidArgument, format!("thread count {threads} does not fit in int32")))?;
        let options = sys::glam_model_options {
            struct_size: size_of::<sys::glam_model_options>(),
            thread_count,
            precision: sys::GLAM_PRECISION_FP32,
        };

        let mut raw: *mut sys::glam_model = ptr::null_mut();
        // SAFETY: all pointers are valid for the duration of the call.
        check(unsafe { sys::glam_model_open(c_path.as_ptr(), &options, &mut raw) })?;
        let handle = NonNull::new(raw)
            .ok_or_else(|| Error::new(Status::Internal, "glam_model_open returned GLAM_OK and a NULL model"))?;

        let mut model = Model {
            handle,
            info: ModelInfo {
                image_size: 0,
                patch_size: 0,
                grid: 0,
                regions: 0,
                region_size: 0,
                feature_dim: 0,
                embed_dim: 0,
                untrained: false,
            },
        };
        // On failure `model` drops here and closes the handle.
        model.info = model.read_info()?;
        Ok(model)
    }

    fn read_info(&self) -> Result<ModelInfo> {
        let mut raw = sys::glam_model_info {
            struct_size: size_of::<sys::glam_model_info>(),
            ..Default::default()
        };
        // SAFETY: the handle is live and raw is a valid glam_model_info.
        check(unsafe { sys::glam_model_get_info(self.handle.as_ptr(), &mut raw) })?;
        let field = |value: i32, name: &str| {
            usize::try_from(value)
                .map_err(|_| Error::new(Status::Internal, format!("glam_model_get_info returned a negative {name}: {value}")))
        };
        Ok(ModelInfo {
            image_size: field(raw.image_size, "image_size")?,
            patch_size: field(raw.patch_size, "patch_size")?,
            grid: field(raw.grid, "grid")?,
            regions: field(raw.regions, "regions")?,
            region_size: field(raw.region_size, "region_size")?,
            feature_dim: field(raw.feature_dim, "feature_dim")?,
            embed_dim: field(raw.embed_dim, "embed_dim")?,
            untrained: raw.untrained != 0,
        })
    }

    pub fn info(&self) -> &ModelInfo {
        &self.info
    }

    /// Preprocesses and encodes the CC and MLO views of one breast. Both images must have
    /// the same laterality.
    pub fn encode_pair<C: Pixel, M: Pixel>(&self, cc: &Image<'_, C>, mlo: &Image<'_, M>) -> Result<Pair> {
        let raw_cc = cc.to_raw(View::Cc, "cc")?;
        let raw_mlo = mlo.to_raw(View::Mlo, "mlo")?;
        let mut raw: *mut sys::glam_pair = ptr::null_mut();
        // SAFETY: the images borrow slices that to_raw checked to cover every row, and they
        // outlive the call.
        check(unsafe { sys::glam_encode_pair(self.handle.as_ptr(), &raw_cc, &raw_mlo, &mut raw) })?;
        let handle = NonNull::new(raw)
            .ok_or_else(|| Error::new(Status::Internal, "glam_encode_pair returned GLAM_OK and a NULL pair"))?;
        Ok(Pair { handle, info: self.info })
    }

    /// Runs the alignment head on a pair's patch tokens.
    pub fn align(&self, pair: &Pair) -> Result<Alignment> {
        let mut raw: *mut sys::glam_alignment = ptr::null_mut();
        // SAFETY: both handles are live for the duration of the call.
        check(unsafe { sys::glam_align(self.handle.as_ptr(), pair.handle.as_ptr(), &mut raw) })?;
        let handle = NonNull::new(raw)
            .ok_or_else(|| Error::new(Status::Internal, "glam_align returned GLAM_OK and a NULL alignment"))?;
        Ok(Alignment { handle, info: self.info })
    }

    /// Returns the raw handle, valid while this Model lives.
    pub fn as_ptr(&self) -> *mut sys::glam_model {
        self.handle.as_ptr()
    }
}

impl Drop for Model {
    fn drop(&mut self) {
        // SAFETY: the handle came from glam_model_open, and drop runs once per Model.
        unsafe { sys::glam_model_close(self.handle.as_ptr()) }
    }
}

#[cfg(unix)]
fn path_to_cstring(path: &Path) -> Result<CString> {
    use std::os::unix::ffi::OsStrExt;
    CString::new(path.as_os_str().as_bytes())
        .map_err(|_| Error::new(Status::InvalidArgument, format!("bundle path {} contains a NUL byte", path.display())))
}

#[cfg(not(unix))]
fn path_to_cstring(path: &Path) -> Result<CString> {
    let text = path
        .to_str()
        .ok_or_else(|| Error::new(Status::InvalidArgument, format!("bundle path {} is not valid UTF-8", path.display())))?;
    CString::new(text)
        .map_err(|_| Error::new(Status::InvalidArgument, format!("bundle path {} contains a NUL byte", path.display())))
}

/// Direction of `Pair::map_point`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MapDirection {
    /// Original pixels to model input coordinates (0 ≤ u, v < image_size).
    ToInput,
    /// Model input coordinates to original pixels.
    ToOriginal,
}

/// A `side` × `side` grid of `dim`-wide feature vectors, row-major (row, column, feature).
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureGrid {
    pub side: usize,
    pub dim: usize,
    pub values: Vec<f32>,
}

impl FeatureGrid {
    /// Returns the feature vector at (row, column). Panics when out of range.
    pub fn at(&self, row: usize, column: usize) -> &[f32] {
        assert!(row < self.side, "row {row} is outside a {0}×{0} grid", self.side);
        assert!(column < self.side, "column {column} is outside a {0}×{0} grid", self.side);
        let start = (row * self.side + column) * self.dim;
        &self.values[start..start + self.dim]
    }
}

/// Attention from the regions of one view to those of the other, averaged over heads:
/// `regions`³ values indexed (column, source_row, target_row).
#[derive(Debug, Clone, PartialEq)]
pub struct Attention {
    pub regions: usize,
    pub values: Vec<f32>,
}

impl Attention {
    /// Returns the weights over the target rows for source region (source_row, column). They
    /// sum to 1. Panics when out of range.
    pub fn row(&self, column: usize, source_row: usize) -> &[f32] {
        let side = self.regions;
        assert!(column < side, "column {column} is outside a {side}×{side} region grid");
        assert!(source_row < side, "source row {source_row} is outside a {side}×{side} region grid");
        let start = (column * side + source_row) * side;
        &self.values[start..start + side]
    }
}

/// A heatmap over the other view: `width` × `height` cells, row-major, plus the source region
/// that contains the requested point.
#[derive(Debug, Clone, PartialEq)]
pub struct Heatmap {
    pub width: usize,
    pub height: usize,
    pub values: Vec<f32>,
    pub source_row: usize,
    pub source_column: usize,
}

/// Encoder outputs and preprocessing geometry of one CC + MLO pair. Freed on drop; does not
/// borrow the model.
#[derive(Debug)]
pub struct Pair {
    handle: NonNull<sys::glam_pair>,
    info: ModelInfo,
}

// SAFETY: glam.h states that glam_pair handles are immutable after creation and may be read from
// several threads at once.
unsafe impl Send for Pair {}
unsafe impl Sync for Pair {}

impl Pair {
    pub fn info(&self) -> &ModelInfo {
        &self.info
    }

    /// Returns the L2-normalised embedding of one view (embed_dim values).
    pub fn embedding(&self, view: View) -> Result<Vec<f32>> {
        let mut values = ptr::null();
        let mut count = 0usize;
        // SAFETY: the handle is live; the outputs are valid.
        check(unsafe { sys::glam_pair_embedding(self.handle.as_ptr(), view.to_raw(), &mut values, &mut count) })?;
        // SAFETY: libglam returned `count` floats owned by the pair, which is borrowed here.
        unsafe { copy_floats(values, count) }
    }

    /// Returns the final patch tokens of one view (grid × grid × feature_dim).
    pub fn patch_tokens(&self, view: View) -> Result<FeatureGrid> {
        let mut values = ptr::null();
        let mut grid = 0usize;
        let mut dim = 0usize;
        // SAFETY: the handle is live; the outputs are valid.
        check(unsafe {
            sys::glam_pair_patch_tokens(self.handle.as_ptr(), view.to_raw(), &mut values, &mut grid, &mut dim)
        })?;
        let count = element_count(&[grid, grid, dim])?;
        // SAFETY: libglam returned grid × grid × dim floats owned by the pair.
        let values = unsafe { copy_floats(values, count)? };
        Ok(FeatureGrid { side: grid, dim, values })
    }

    /// Returns the preprocessed model input of one view: image_size × image_size values in
    /// [-1, 1], row-major.
    pub fn model_input(&self, view: View) -> Result<Vec<f32>> {
        let mut values = ptr::null();
        let mut side = 0usize;
        // SAFETY: the handle is live; the outputs are valid.
        check(unsafe { sys::glam_pair_model_input(self.handle.as_ptr(), view.to_raw(), &mut values, &mut side) })?;
        // out_size is the side length, not the element count.
        let count = element_count(&[side, side])?;
        // SAFETY: libglam returned side × side floats owned by the pair.
        unsafe { copy_floats(values, count) }
    }

    /// Maps a point between the original pixels of one view and its model input.
    pub fn map_point(&self, view: View, x: f64, y: f64, direction: MapDirection) -> Result<(f64, f64)> {
        let to_input = i32::from(direction == MapDirection::ToInput);
        let (mut out_x, mut out_y) = (0.0, 0.0);
        // SAFETY: the handle is live; the outputs are valid.
        check(unsafe {
            sys::glam_pair_map_point(self.handle.as_ptr(), view.to_raw(), to_input, x, y, &mut out_x, &mut out_y)
        })?;
        Ok((out_x, out_y))
    }

    /// Returns the (regions + 1)² region corners of one view in original pixels, row-major,
    /// each as [x, y]. Region (row, column) has corners (row, column) to (row + 1, column + 1).
    pub fn region_grid(&self, view: View) -> Result<Vec<[f64; 2]>> {
        let corners = self.info.regions + 1;
        let mut points = vec![[0.0f64; 2]; corners * corners];
        // SAFETY: `points` has room for 2 × corners² doubles, the capacity passed.
        check(unsafe {
            sys::glam_pair_region_grid(
                self.handle.as_ptr(),
                view.to_raw(),
                points.as_mut_ptr().cast::<f64>(),
                points.len() * 2,
            )
        })?;
        Ok(points)
    }

    /// Returns the region (row, column) that contains original point (x, y) of one view.
    /// Fails with `Status::InvalidImage` when the point lies outside the cropped breast area.
    pub fn region_at(&self, view: View, x: f64, y: f64) -> Result<(usize, usize)> {
        let (mut row, mut column) = (0i32, 0i32);
        // SAFETY: the handle is live; the outputs are valid.
        check(unsafe { sys::glam_pair_region_at(self.handle.as_ptr(), view.to_raw(), x, y, &mut row, &mut column) })?;
        Ok((row as usize, column as usize))
    }

    /// Returns the raw handle, valid while this Pair lives.
    pub fn as_ptr(&self) -> *const sys::glam_pair {
        self.handle.as_ptr()
    }
}

impl Drop for Pair {
    fn drop(&mut self) {
        // SAFETY: the handle came from glam_encode_pair, and drop runs once per Pair.
        unsafe { sys::glam_pair_free(self.handle.as_ptr()) }
    }
}

/// Alignment head outputs for one pair. Freed on drop; keeps its own reference to the pair's
/// geometry inside libglam, so the Pair may be dropped first.
#[derive(Debug)]
pub struct Alignment {
    handle: NonNull<sys::glam_alignment>,
    info: ModelInfo,
}

// SAFETY: glam.h states that glam_alignment handles are immutable after creation and may be read
// from several threads at once.
unsafe impl Send for Alignment {}
unsafe impl Sync for Alignment {}

impl Alignment {
    pub fn info(&self) -> &ModelInfo {
        &self.info
    }

    /// Returns the unit-length region features of one view (regions × regions × feature_dim).
    pub fn regions(&self, view: View) -> Result<FeatureGrid> {
        let mut values = ptr::null();
        let mut regions = 0usize;
        let mut dim = 0usize;
        // SAFETY: the handle is live; the outputs are valid.
        check(unsafe {
            sys::glam_alignment_regions(self.handle.as_ptr(), view.to_raw(), &mut values, &mut regions, &mut dim)
        })?;
        let count = element_count(&[regions, regions, dim])?;
        // SAFETY: libglam returned regions² × dim floats owned by the alignment.
        let values = unsafe { copy_floats(values, count)? };
        Ok(FeatureGrid { side: regions, dim, values })
    }

    /// Returns the attention from the regions of `source_view` to those of the other view.
    pub fn attention(&self, source_view: View) -> Result<Attention> {
        let mut values = ptr::null();
        let mut regions = 0usize;
        // SAFETY: the handle is live; the outputs are valid.
        check(unsafe {
            sys::glam_alignment_attention(self.handle.as_ptr(), source_view.to_raw(), &mut values, &mut regions)
        })?;
        let count = element_count(&[regions, regions, regions])?;
        // SAFETY: libglam returned regions³ floats owned by the alignment.
        let values = unsafe { copy_floats(values, count)? };
        Ok(Attention { regions, values })
    }

    /// Returns, per region of one view, the cosine between the region feature and what it
    /// gathered from the other view: regions × regions values, row-major.
    pub fn similarity(&self, view: View) -> Result<Vec<f32>> {
        let mut values = ptr::null();
        let mut regions = 0usize;
        // SAFETY: the handle is live; the outputs are valid.
        check(unsafe {
            sys::glam_alignment_similarity(self.handle.as_ptr(), view.to_raw(), &mut values, &mut regions)
        })?;
        let count = element_count(&[regions, regions])?;
        // SAFETY: libglam returned regions² floats owned by the alignment.
        unsafe { copy_floats(values, count) }
    }

    /// Fills a `width` × `height` heatmap over the original pixels of the other view for
    /// point (x, y) of `source_view`. Pass the other image's own size for one cell per pixel.
    /// Fails with `Status::InvalidImage` when (x, y) lies outside the cropped breast area.
    pub fn heatmap(&self, source_view: View, x: f64, y: f64, width: usize, height: usize) -> Result<Heatmap> {
        let max_side = sys::GLAM_MAX_IMAGE_SIDE as usize;
        // Checked here because the buffer is allocated before libglam receives the size.
        if !(1..=max_side).contains(&width) || !(1..=max_side).contains(&height) {
            return Err(Error::new(
                Status::InvalidArgument,
                format!("heatmap size {width}×{height} is outside 1..{max_side} per side"),
            ));
        }
        let mut values = vec![0.0f32; width * height];
        let (mut row, mut column) = (0i32, 0i32);
        // SAFETY: `values` has room for width × height floats; the sides fit in i32 (checked above).
        check(unsafe {
            sys::glam_alignment_heatmap(
                self.handle.as_ptr(),
                source_view.to_raw(),
                x,
                y,
                values.as_mut_ptr(),
                width as i32,
                height as i32,
                &mut row,
                &mut column,
            )
        })?;
        Ok(Heatmap { width, height, values, source_row: row as usize, source_column: column as usize })
    }

    /// Returns the raw handle, valid while this Alignment lives.
    pub fn as_ptr(&self) -> *const sys::glam_alignment {
        self.handle.as_ptr()
    }
}

impl Drop for Alignment {
    fn drop(&mut self) {
        // SAFETY: the handle came from glam_align, and drop runs once per Alignment.
        unsafe { sys::glam_alignment_free(self.handle.as_ptr()) }
    }
}

fn element_count(shape: &[usize]) -> Result<usize> {
    shape
        .iter()
        .try_fold(1usize, |product, &side| product.checked_mul(side))
        .ok_or_else(|| Error::new(Status::Internal, format!("libglam returned an array shape {shape:?} that overflows usize")))
}

/// Copies `count` floats that a handle owns into a Vec.
///
/// SAFETY: `values` must point to `count` readable floats, or `count` must be 0.
unsafe fn copy_floats(values: *const f32, count: usize) -> Result<Vec<f32>> {
    if count == 0 {
        return Ok(Vec::new());
    }
    if values.is_null() {
        return Err(Error::new(Status::Internal, format!("libglam returned GLAM_OK and NULL for {count} values")));
    }
    // SAFETY: guaranteed by the caller.
    Ok(unsafe { std::slice::from_raw_parts(values, count) }.to_vec())
}
