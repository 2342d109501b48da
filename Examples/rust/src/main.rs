//! Encodes one CC + MLO pair of binary PGM images (P5, 8 or 16 bit) with libglam, then prints
//! the embedding norms, the MLO region that the breast centre of the CC attends to most, and
//! timings.
//!
//! usage: encode-pair [CC.pgm MLO.pgm] [--model DIR] [--threads N] [--laterality L|R]
//!
//! Without image paths it reads target/nyu/L-CC.pgm and target/nyu/L-MLO.pgm, which
//! Tests/bindings-check.sh converts from the repository's NYU PNGs.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use libglam::{Image, Laterality, MapDirection, Model, View};

struct Gray {
    width: usize,
    height: usize,
    maxval: u32,
    pixels: Vec<u16>,
}

/// Reads a binary PGM (P5) as written by tools/png_to_pgm.py: no comments in the header.
fn read_pgm(path: &Path) -> Result<Gray, String> {
    let data = std::fs::read(path).map_err(|error| format!("failed to read {}: {error}", path.display()))?;
    let mut fields = Vec::new();
    let mut position = 0;
    while fields.len() < 4 {
        while position < data.len() && data[position].is_ascii_whitespace() {
            position += 1;
        }
        let start = position;
        while position < data.len() && !data[position].is_ascii_whitespace() {
            position += 1;
        }
        if start == position {
            return Err(format!("{}: truncated PGM header", path.display()));
        }
        fields.push(String::from_utf8_lossy(&data[start..position]).into_owned());
    }

    if fields[0] != "P5" {
        return Err(format!("{}: not a binary PGM (P5), starts with {:?}", path.display(), fields[0]));
    }
    let number = |text: &str| text.parse::<usize>().map_err(|_| format!("{}: invalid PGM header field {text:?}", path.display()));
    let (width, height, maxval) = (number(&fields[1])?, number(&fields[2])?, number(&fields[3])?);

    // One whitespace byte separates the header from the samples.
    let body = &data[position + 1..];
    let bytes_per_pixel = if maxval < 256 { 1 } else { 2 };
    let needed = width * height * bytes_per_pixel;
    if body.len() < needed {
        return Err(format!("{}: {} pixel bytes, expected {needed}", path.display(), body.len()));
    }

    // PGM stores 16-bit samples big-endian.
    let pixels = if bytes_per_pixel == 1 {
        body[..needed].iter().map(|&value| u16::from(value)).collect()
    } else {
        body[..needed].chunks_exact(2).map(|pair| u16::from_be_bytes([pair[0], pair[1]])).collect()
    };
    Ok(Gray { width, height, maxval: maxval as u32, pixels })
}

/// Returns the centroid of the pixels brighter than the image mean: a point inside the breast
/// for a typical mammogram.
fn breast_centre(image: &Gray) -> (f64, f64) {
    let mean = image.pixels.iter().map(|&value| f64::from(value)).sum::<f64>() / image.pixels.len() as f64;
    let (mut sum_x, mut sum_y, mut count) = (0.0, 0.0, 0.0);
    for (index, &value) in image.pixels.iter().enumerate() {
        if f64::from(value) > mean {
            sum_x += (index % image.width) as f64;
            sum_y += (index / image.width) as f64;
            count += 1.0;
        }
    }
    (sum_x / count + 0.5, sum_y / count + 0.5)
}

struct Options {
    cc: PathBuf,
    mlo: PathBuf,
    model: PathBuf,
    threads: u32,
    laterality: Laterality,
}

fn parse_arguments() -> Result<Options, String> {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut images = Vec::new();
    let mut options = Options {
        cc: manifest.join("target/nyu/L-CC.pgm"),
        mlo: manifest.join("target/nyu/L-MLO.pgm"),
        model: manifest.join("../../models/glam-demo"),
        threads: 0,
        laterality: Laterality::Left,
    };
    let mut arguments = std::env::args().skip(1);
    while let Some(argument) = arguments.next() {
        let mut value = |name: &str| arguments.next().ok_or_else(|| format!("{name} needs a value"));
        match argument.as_str() {
            "--model" => options.model = PathBuf::from(value("--model")?),
            "--threads" => {
                let text = value("--threads")?;
                options.threads = text.parse().map_err(|_| format!("invalid --threads {text:?}: expected a count, 0 for all CPUs"))?;
            }
            "--laterality" => {
                let text = value("--laterality")?;
                options.laterality = Laterality::from_dicom(&text).ok_or_else(|| format!("invalid --laterality {text:?}: expected L or R"))?;
            }
            "-h" | "--help" => {
                println!("usage: encode-pair [CC.pgm MLO.pgm] [--model DIR] [--threads N] [--laterality L|R]");
                std::process::exit(0);
            }
            _ if argument.starts_with("--") => return Err(format!("unknown option {argument}")),
            _ => images.push(PathBuf::from(argument)),
        }
    }
    match images.len() {
        0 => {}
        2 => {
            options.mlo = images.pop().unwrap();
            options.cc = images.pop().unwrap();
        }
        count => return Err(format!("expected 0 or 2 image paths (CC then MLO), got {count}")),
    }
    Ok(options)
}

fn run() -> Result<(), String> {
    let options = parse_arguments()?;
    let cc = read_pgm(&options.cc)
        .map_err(|error| format!("{error}\n(run `sh Tests/bindings-check.sh` once to convert the NYU PNGs, or pass PGM paths)"))?;
    let mlo = read_pgm(&options.mlo)?;

    let start = Instant::now();
    let model = Model::open_with_threads(&options.model, options.threads).map_err(|error| error.to_string())?;
    let open_time = start.elapsed();
    let info = *model.info();
    println!("libglam {} model {}", libglam::version(), options.model.display());
    println!(
        "geometry: {} px input, {}x{} patches, {}x{} regions, feature dim {}, embedding dim {}",
        info.image_size, info.grid, info.grid, info.regions, info.regions, info.feature_dim, info.embed_dim
    );
    if info.untrained {
        println!("NOTE: this bundle has untrained (random) weights: the numbers below check the pipeline, not a diagnosis.");
    }

    // 16-bit PGMs go in as u16 with Bits Stored from the PGM maxval; 8-bit ones as u8.
    let start = Instant::now();
    let pair = if cc.maxval < 256 && mlo.maxval < 256 {
        let cc_pixels: Vec<u8> = cc.pixels.iter().map(|&value| value as u8).collect();
        let mlo_pixels: Vec<u8> = mlo.pixels.iter().map(|&value| value as u8).collect();
        model.encode_pair(
            &Image::new(&cc_pixels, cc.width, cc.height).laterality(options.laterality),
            &Image::new(&mlo_pixels, mlo.width, mlo.height).laterality(options.laterality),
        )
    } else {
        let bits = |maxval: u32| 32 - maxval.leading_zeros();
        model.encode_pair(
            &Image::new(&cc.pixels, cc.width, cc.height).laterality(options.laterality).bits_stored(bits(cc.maxval)),
            &Image::new(&mlo.pixels, mlo.width, mlo.height).laterality(options.laterality).bits_stored(bits(mlo.maxval)),
        )
    }
    .map_err(|error| error.to_string())?;
    let encode_time = start.elapsed();

    let start = Instant::now();
    let alignment = model.align(&pair).map_err(|error| error.to_string())?;
    let align_time = start.elapsed();

    for view in [View::Cc, View::Mlo] {
        let embedding = pair.embedding(view).map_err(|error| error.to_string())?;
        let norm = embedding.iter().map(|value| value * value).sum::<f32>().sqrt();
        println!("{view} embedding: {} values, L2 norm {norm:.6}", embedding.len());
    }

    let (x, y) = breast_centre(&cc);
    let (row, column) = pair.region_at(View::Cc, x, y).map_err(|error| error.to_string())?;
    let attention = alignment.attention(View::Cc).map_err(|error| error.to_string())?;
    let weights = attention.row(column, row);
    let (top_row, top_weight) = weights
        .iter()
        .copied()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .expect("the attention row is not empty");

    // Centre of the top MLO region in model input coordinates, mapped back to MLO pixels.
    let region_side = (info.region_size * info.patch_size) as f64;
    let (mlo_x, mlo_y) = pair
        .map_point(View::Mlo, (column as f64 + 0.5) * region_side, (top_row as f64 + 0.5) * region_side, MapDirection::ToOriginal)
        .map_err(|error| error.to_string())?;
    println!("CC point ({x:.1}, {y:.1}) px is in CC region (row {row}, column {column})");
    println!(
        "top MLO region: (row {top_row}, column {column}), attention {top_weight:.4}, centre at ({mlo_x:.1}, {mlo_y:.1}) px of the MLO"
    );
    println!(
        "timing: open {:.1} ms, encode {:.1} ms, align {:.1} ms",
        open_time.as_secs_f64() * 1e3,
        encode_time.as_secs_f64() * 1e3,
        align_time.as_secs_f64() * 1e3
    );
    if info.untrained {
        println!("NOTE: untrained weights: the region match above is not clinically meaningful.");
    }
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("encode-pair: {message}");
            ExitCode::FAILURE
        }
    }
}
