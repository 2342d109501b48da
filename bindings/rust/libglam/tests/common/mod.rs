//! Test inputs: the NYU L-CC/L-MLO pair as binary PGM, converted from the repository's PNGs
//! with tools/png_to_pgm.py (python3 + pypng) unless LIBGLAM_TEST_PGM_DIR already holds
//! L-CC.pgm and L-MLO.pgm.

#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

pub struct Gray {
    pub width: usize,
    pub height: usize,
    pub pixels: Vec<u16>,
    pub maxval: u16,
}

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../..").canonicalize().unwrap()
}

pub fn demo_model() -> PathBuf {
    std::env::var_os("LIBGLAM_MODEL").map(PathBuf::from).unwrap_or_else(|| repo_root().join("models/glam-demo"))
}

/// Reads a binary PGM (P5) with maxval up to 65535.
pub fn read_pgm(path: &Path) -> Gray {
    let data = fs::read(path).unwrap_or_else(|error| panic!("failed to read {}: {error}", path.display()));
    // Header: magic, width, height, maxval, separated by whitespace, then one whitespace byte.
    let mut fields = Vec::new();
    let mut position = 0;
    while fields.len() < 4 {
        while data[position].is_ascii_whitespace() {
            position += 1;
        }
        if data[position] == b'#' {
            while data[position] != b'\n' {
                position += 1;
            }
            continue;
        }
        let start = position;
        while !data[position].is_ascii_whitespace() {
            position += 1;
        }
        fields.push(std::str::from_utf8(&data[start..position]).unwrap().to_string());
    }
    position += 1;
    assert_eq!(fields[0], "P5", "{} is not a binary PGM", path.display());
    let width: usize = fields[1].parse().unwrap();
    let height: usize = fields[2].parse().unwrap();
    let maxval: u16 = fields[3].parse().unwrap();
    let body = &data[position..];
    let pixels: Vec<u16> = if maxval < 256 {
        body[..width * height].iter().map(|&value| u16::from(value)).collect()
    } else {
        body[..width * height * 2].chunks_exact(2).map(|pair| u16::from_be_bytes([pair[0], pair[1]])).collect()
    };
    Gray { width, height, pixels, maxval }
}

fn pgm_dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        if let Some(dir) = std::env::var_os("LIBGLAM_TEST_PGM_DIR") {
            return PathBuf::from(dir);
        }
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("nyu-pgm");
        fs::create_dir_all(&dir).unwrap();
        let nyu = repo_root().join("Tests/Fixtures/mammograms/nyu");
        let status = Command::new("python3")
            .arg(repo_root().join("bindings/rust/tools/png_to_pgm.py"))
            .arg(nyu.join("L-CC.png"))
            .arg(dir.join("L-CC.pgm"))
            .arg(nyu.join("L-MLO.png"))
            .arg(dir.join("L-MLO.pgm"))
            .status()
            .expect("failed to run python3 for the PNG to PGM conversion");
        assert!(status.success(), "png_to_pgm.py failed; it needs pypng (pip install pypng)");
        dir
    })
}

pub fn nyu_pair() -> &'static (Gray, Gray) {
    static PAIR: OnceLock<(Gray, Gray)> = OnceLock::new();
    PAIR.get_or_init(|| (read_pgm(&pgm_dir().join("L-CC.pgm")), read_pgm(&pgm_dir().join("L-MLO.pgm"))))
}

/// Returns the centroid of the pixels brighter than the image mean, in pixel coordinates:
/// a point inside the breast for a typical mammogram.
pub fn breast_centre(image: &Gray) -> (f64, f64) {
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
