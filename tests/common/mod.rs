//! Helpers shared by the integration tests: running the binary and measuring rendered pixels.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use image::RgbImage;

pub mod sandbox;

/// Few frames spread over the actions' real three seconds, with their usual 120 Hz physics:
/// 6 frames at 2 fps, 60 physics steps each. Tests add their own size.
pub const REAL_TIME_FEW_FRAMES: [&str; 6] = ["--frames", "6", "--fps", "2", "--physics-steps-per-frame", "60"];

/// Runs the `synthact` binary with `args`.
pub fn synthact(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_synthact")).args(args).output().expect("the synthact binary runs")
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The names of the directories directly in `dir` (a dataset's clips), sorted.
pub fn clip_dirs(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

/// Every file under `dir`, relative, sorted.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        for entry in std::fs::read_dir(&current).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push(path.strip_prefix(dir).unwrap().to_path_buf());
            }
        }
    }
    files.sort();
    files
}

/// Whether a frame shows a scene: not blank, not one flat color.
pub fn shows_a_scene(image: &RgbImage) -> bool {
    let (mean, std, distinct) = frame_stats(image);
    mean > 10.0 && mean < 245.0 && std > 6.0 && distinct >= 16
}

/// Mean and standard deviation of luma, and the number of distinct colors (5 bits a channel).
pub fn frame_stats(image: &RgbImage) -> (f64, f64, usize) {
    let luma: Vec<f64> =
        image.pixels().map(|p| 0.299 * p[0] as f64 + 0.587 * p[1] as f64 + 0.114 * p[2] as f64).collect();
    let mean = luma.iter().sum::<f64>() / luma.len() as f64;
    let std = (luma.iter().map(|l| (l - mean).powi(2)).sum::<f64>() / luma.len() as f64).sqrt();
    let mut distinct: Vec<[u8; 3]> = image.pixels().map(|p| [p[0] >> 3, p[1] >> 3, p[2] >> 3]).collect();
    distinct.sort();
    distinct.dedup();
    (mean, std, distinct.len())
}

/// Hue (degrees), saturation and value of an sRGB color in 0..1.
pub fn hsv(rgb: [f32; 3]) -> (f32, f32, f32) {
    let max = rgb[0].max(rgb[1]).max(rgb[2]);
    let min = rgb[0].min(rgb[1]).min(rgb[2]);
    let delta = max - min;
    let hue = if delta <= f32::EPSILON {
        0.0
    } else if max == rgb[0] {
        60.0 * (((rgb[1] - rgb[2]) / delta).rem_euclid(6.0))
    } else if max == rgb[1] {
        60.0 * ((rgb[2] - rgb[0]) / delta + 2.0)
    } else {
        60.0 * ((rgb[0] - rgb[1]) / delta + 4.0)
    };
    (hue, if max > 0.0 { delta / max } else { 0.0 }, max)
}

pub fn hue_distance(a: f32, b: f32) -> f32 {
    let d = (a - b).abs() % 360.0;
    d.min(360.0 - d)
}

/// Centroid (x, y) and count of the pixels whose hue is that of `srgb` (a saturated color),
/// which is how the tests find an object of known color in a rendered frame.
pub fn color_centroid(image: &RgbImage, srgb: [f32; 3]) -> Option<(f32, f32, usize)> {
    let (target_hue, _, _) = hsv(srgb);
    let (mut sx, mut sy, mut n) = (0.0f32, 0.0f32, 0usize);
    for (x, y, p) in image.enumerate_pixels() {
        let (h, s, v) = hsv([p[0] as f32 / 255.0, p[1] as f32 / 255.0, p[2] as f32 / 255.0]);
        if s > 0.45 && v > 0.12 && hue_distance(h, target_hue) < 22.0 {
            sx += x as f32;
            sy += y as f32;
            n += 1;
        }
    }
    (n > 0).then(|| (sx / n as f32, sy / n as f32, n))
}

/// A temporary actions directory holding a copy of the shipped actions and their group files.
pub fn shipped_actions() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let shipped = synthact::content::default_actions_dir();
    for sub in ["", synthact::content::GROUPS_FOLDER] {
        std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        for entry in std::fs::read_dir(shipped.join(sub)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "ron") {
                std::fs::copy(&path, dir.path().join(sub).join(path.file_name().unwrap())).unwrap();
            }
        }
    }
    dir
}
