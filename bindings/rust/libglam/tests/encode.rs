//! Encoding and aligning the NYU L-CC/L-MLO pair with the demo bundle.

mod common;

use std::sync::OnceLock;

use common::{breast_centre, demo_model, nyu_pair, Gray};
use libglam::{Alignment, Image, MapDirection, Model, Pair, Status, View};

fn model() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(|| Model::open_with_threads(demo_model(), 2).expect("failed to open the demo bundle"))
}

fn as_u8(image: &Gray) -> Vec<u8> {
    assert!(image.maxval <= 255, "the NYU PNGs are 8-bit");
    image.pixels.iter().map(|&value| value as u8).collect()
}

fn encode(model: &Model) -> Pair {
    let (cc, mlo) = nyu_pair();
    let (cc_pixels, mlo_pixels) = (as_u8(cc), as_u8(mlo));
    model
        .encode_pair(&Image::new(&cc_pixels, cc.width, cc.height), &Image::new(&mlo_pixels, mlo.width, mlo.height))
        .expect("failed to encode the NYU pair")
}

fn pair() -> &'static Pair {
    static PAIR: OnceLock<Pair> = OnceLock::new();
    PAIR.get_or_init(|| encode(model()))
}

fn alignment() -> &'static Alignment {
    static ALIGNMENT: OnceLock<Alignment> = OnceLock::new();
    ALIGNMENT.get_or_init(|| model().align(pair()).expect("failed to align the NYU pair"))
}

fn norm(values: &[f32]) -> f32 {
    values.iter().map(|value| value * value).sum::<f32>().sqrt()
}

#[test]
fn demo_model_info() {
    let info = model().info();
    assert_eq!(info.image_size, info.patch_size * info.grid);
    assert!(info.grid >= info.regions * info.region_size);
    assert!(info.untrained, "the demo bundle has random weights and must say so");
}

#[test]
fn embeddings_are_unit_length() {
    for view in [View::Cc, View::Mlo] {
        let embedding = pair().embedding(view).unwrap();
        assert_eq!(embedding.len(), model().info().embed_dim);
        assert!((norm(&embedding) - 1.0).abs() < 1e-4, "{view:?} norm {}", norm(&embedding));
    }
    assert_ne!(pair().embedding(View::Cc).unwrap(), pair().embedding(View::Mlo).unwrap());
}

#[test]
fn patch_tokens_and_input_shapes() {
    let info = model().info();
    let tokens = pair().patch_tokens(View::Mlo).unwrap();
    assert_eq!((tokens.side, tokens.dim), (info.grid, info.feature_dim));
    assert_eq!(tokens.values.len(), info.grid * info.grid * info.feature_dim);
    assert!(tokens.values.iter().all(|value| value.is_finite()));

    let input = pair().model_input(View::Cc).unwrap();
    assert_eq!(input.len(), info.image_size * info.image_size);
    assert!(input.iter().all(|&value| (-1.0..=1.0).contains(&value)));
}

#[test]
fn map_point_round_trip() {
    let (cc, _) = nyu_pair();
    let (x, y) = breast_centre(cc);
    let (u, v) = pair().map_point(View::Cc, x, y, MapDirection::ToInput).unwrap();
    let side = model().info().image_size as f64;
    assert!((0.0..side).contains(&u), "u = {u}");
    assert!((0.0..side).contains(&v), "v = {v}");
    let (back_x, back_y) = pair().map_point(View::Cc, u, v, MapDirection::ToOriginal).unwrap();
    assert!((back_x - x).abs() < 1e-6, "x {x} came back as {back_x}");
    assert!((back_y - y).abs() < 1e-6, "y {y} came back as {back_y}");
}

#[test]
fn region_grid_centres_map_to_regions() {
    let regions = model().info().regions;
    for view in [View::Cc, View::Mlo] {
        let grid = pair().region_grid(view).unwrap();
        assert_eq!(grid.len(), (regions + 1) * (regions + 1));
        for row in 0..regions {
            for column in 0..regions {
                let corner = |r: usize, c: usize| grid[r * (regions + 1) + c];
                let points = [corner(row, column), corner(row, column + 1), corner(row + 1, column), corner(row + 1, column + 1)];
                let x = points.iter().map(|p| p[0]).sum::<f64>() / 4.0;
                let y = points.iter().map(|p| p[1]).sum::<f64>() / 4.0;
                assert_eq!(pair().region_at(view, x, y).unwrap(), (row, column), "{view:?}");
            }
        }
    }
}

#[test]
fn attention_rows_sum_to_one() {
    let regions = model().info().regions;
    for view in [View::Cc, View::Mlo] {
        let attention = alignment().attention(view).unwrap();
        assert_eq!(attention.regions, regions);
        for column in 0..regions {
            for source_row in 0..regions {
                let sum: f32 = attention.row(column, source_row).iter().sum();
                assert!((sum - 1.0).abs() < 1e-5, "{view:?} ({source_row}, {column}) sums to {sum}");
            }
        }
    }
}

#[test]
fn region_features_are_unit_length() {
    let features = alignment().regions(View::Cc).unwrap();
    for row in 0..features.side {
        for column in 0..features.side {
            assert!((norm(features.at(row, column)) - 1.0).abs() < 1e-4);
        }
    }
    let similarity = alignment().similarity(View::Mlo).unwrap();
    assert_eq!(similarity.len(), features.side * features.side);
    assert!(similarity.iter().all(|value| value.abs() <= 1.0 + 1e-5));
}

#[test]
fn heatmap_fills_one_column_band() {
    let (cc, mlo) = nyu_pair();
    let (x, y) = breast_centre(cc);
    let (width, height) = (mlo.width / 40, mlo.height / 40);
    let heatmap = alignment().heatmap(View::Cc, x, y, width, height).unwrap();
    assert_eq!(heatmap.values.len(), width * height);
    assert_eq!((heatmap.source_row, heatmap.source_column), pair().region_at(View::Cc, x, y).unwrap());
    assert!(heatmap.values.iter().any(|&value| value > 0.0));

    let attention = alignment().attention(View::Cc).unwrap();
    let weights = attention.row(heatmap.source_column, heatmap.source_row);
    for j in 0..height {
        for i in 0..width {
            let cell_x = (i as f64 + 0.5) * mlo.width as f64 / width as f64;
            let cell_y = (j as f64 + 0.5) * mlo.height as f64 / height as f64;
            let value = heatmap.values[j * width + i];
            match pair().region_at(View::Mlo, cell_x, cell_y) {
                Ok((row, column)) if column == heatmap.source_column => {
                    assert!((value - weights[row]).abs() < 1e-6, "cell ({i}, {j})")
                }
                Ok(_) => assert_eq!(value, 0.0, "cell ({i}, {j}) outside the band"),
                Err(error) => {
                    assert_eq!(error.status(), Status::InvalidImage);
                    assert_eq!(value, 0.0, "cell ({i}, {j}) outside every region");
                }
            }
        }
    }
}

#[test]
fn threads_share_model() {
    let expected = pair().embedding(View::Cc).unwrap();
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..2).map(|_| scope.spawn(|| encode(model()).embedding(View::Cc).unwrap())).collect();
        for worker in workers {
            assert_eq!(worker.join().unwrap(), expected);
        }
    });
}

#[test]
fn strided_rows_match_contiguous() {
    let (cc, mlo) = nyu_pair();
    let (cc_pixels, mlo_pixels) = (as_u8(cc), as_u8(mlo));
    let stride = cc.width + 11;
    let mut wide = vec![0u8; stride * cc.height];
    for row in 0..cc.height {
        wide[row * stride..row * stride + cc.width].copy_from_slice(&cc_pixels[row * cc.width..(row + 1) * cc.width]);
    }
    let strided = Image::new(&wide, cc.width, cc.height).row_stride(stride);
    let encoded = model().encode_pair(&strided, &Image::new(&mlo_pixels, mlo.width, mlo.height)).unwrap();
    assert_eq!(encoded.embedding(View::Cc).unwrap(), pair().embedding(View::Cc).unwrap());
}

#[test]
fn uint16_with_bits_stored() {
    let (cc, mlo) = nyu_pair();
    let clean: Vec<u16> = cc.pixels.iter().map(|&value| value << 4).collect();
    let noisy: Vec<u16> = clean.iter().map(|&value| value | 0xF000).collect();
    let mlo_pixels = as_u8(mlo);
    let mlo_image = Image::new(&mlo_pixels, mlo.width, mlo.height);
    let first = model().encode_pair(&Image::new(&clean, cc.width, cc.height).bits_stored(12), &mlo_image).unwrap();
    let second = model().encode_pair(&Image::new(&noisy, cc.width, cc.height).bits_stored(12), &mlo_image).unwrap();
    assert_eq!(first.embedding(View::Cc).unwrap(), second.embedding(View::Cc).unwrap());
}

#[test]
fn alignment_outlives_pair() {
    let (cc, _) = nyu_pair();
    let (x, y) = breast_centre(cc);
    let own_pair = encode(model());
    let own = model().align(&own_pair).unwrap();
    drop(own_pair);
    let heatmap = own.heatmap(View::Cc, x, y, 20, 26).unwrap();
    assert_eq!(heatmap, alignment().heatmap(View::Cc, x, y, 20, 26).unwrap());
}

#[test]
fn pair_outlives_model() {
    let model = Model::open_with_threads(demo_model(), 1).unwrap();
    let own_pair = encode(&model);
    drop(model);
    assert_eq!(own_pair.embedding(View::Mlo).unwrap(), pair().embedding(View::Mlo).unwrap());
}
