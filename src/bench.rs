//! The end-to-end benchmark: frames per second through the whole flow, and what each clip costs
//! besides rendering its frames. Run with `synthact bench`; numbers go into README.md.

use std::path::Path;
use std::time::Instant;

use serde::Serialize;

use crate::content::Content;
use crate::dataset::{DEFAULT_MAX_ATTEMPTS, GenerateError, GenerateOptions, generate};
use crate::spec::VideoSpec;

/// Benchmark figures; times in milliseconds.
#[derive(Debug, Clone, Serialize)]
pub struct BenchReport {
    pub clips: u64,
    pub frames: u64,
    pub width: u32,
    pub height: u32,
    pub wall_s: f64,
    /// Frames written per second of wall time: simulate, render, read back, encode, write.
    pub end_to_end_fps: f64,
    /// Mean time of one update that renders a clip frame.
    pub render_ms_per_frame: f64,
    /// Per clip, everything that is not rendering its frames (start-up included, spread over the clips).
    pub overhead_ms_per_clip: f64,
    /// Sampling, simulation and verification per clip (part of the overhead).
    pub planning_ms_per_clip: f64,
    /// Overhead as a share of a clip's total time.
    pub overhead_fraction: f64,
    /// Renderer start-up (device, pipelines), part of the overhead.
    pub startup_ms: f64,
}

/// Generates `clips` clips into `out` (which should be empty) and measures.
pub fn run_benchmark(content: &Content, out: &Path, clips: u64, video: VideoSpec, seed: u64) -> Result<BenchReport, GenerateError> {
    let options = GenerateOptions { out: out.to_path_buf(), seed, start: 0, clips, video, max_attempts: DEFAULT_MAX_ATTEMPTS };
    let started = Instant::now();
    let mut first_clip_at = None;
    let summary = generate(content, &options, |_| {
        first_clip_at.get_or_insert_with(|| started.elapsed());
    })?;
    let frames = summary.frames.max(1);
    let wall_ms = summary.wall.as_secs_f64() * 1000.0;
    let render_ms = summary.render_frames.as_secs_f64() * 1000.0;
    let per_clip = wall_ms / clips.max(1) as f64;
    let overhead = (wall_ms - render_ms) / clips.max(1) as f64;
    // Start-up: the first clip's time beyond an average later clip.
    let first_ms = first_clip_at.map(|d| d.as_secs_f64() * 1000.0).unwrap_or(0.0);
    let later_ms = if clips > 1 { (wall_ms - first_ms) / (clips - 1) as f64 } else { first_ms };
    Ok(BenchReport {
        clips,
        frames: summary.frames,
        width: video.width,
        height: video.height,
        wall_s: wall_ms / 1000.0,
        end_to_end_fps: summary.frames_per_second(),
        render_ms_per_frame: render_ms / frames as f64,
        overhead_ms_per_clip: overhead,
        planning_ms_per_clip: summary.planning.as_secs_f64() * 1000.0 / clips.max(1) as f64,
        overhead_fraction: overhead / per_clip.max(1e-9),
        startup_ms: (first_ms - later_ms).max(0.0),
    })
}
