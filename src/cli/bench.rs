//! The end-to-end benchmark: frames per second through the whole flow, and what each clip costs
//! besides rendering its frames. Run with `synthact bench`; numbers go into README.md.

use std::path::Path;

use serde::Serialize;

use crate::content::Content;
use crate::dataset::{GenerateError, GenerateOptions, Shard, generate};
use crate::output::{SplitRule, VideoOutput};
use crate::plan::DEFAULT_MAX_ATTEMPTS;
use crate::spec::VideoSpec;

/// Benchmark figures.
#[derive(Debug, Clone, Serialize)]
pub struct BenchReport {
    pub clips: u64,
    pub frames: u64,
    pub width: u32,
    pub height: u32,
    pub workers: usize,
    pub wall_s: f64,
    /// Frames written per second of wall time, start-up included: simulate, verify, render, read
    /// back, encode, write.
    pub end_to_end_fps: f64,
    /// Mean time of one update that renders and reads back a clip frame (per worker).
    pub render_ms_per_frame: f64,
    /// Per clip, a worker's time that is not rendering the clip's frames: sampling, simulation
    /// and verification of every attempt, clearing and spawning the clip in the renderer.
    pub overhead_ms_per_clip: f64,
    /// The planning part of the overhead (sampling, simulation, verification).
    pub planning_ms_per_clip: f64,
    /// Overhead as a share of a clip's time (overhead + rendering its frames).
    pub overhead_fraction: f64,
    /// Starting the renderers (device and pipelines; the warm-up frames count as overhead), once
    /// per worker, summed.
    pub startup_ms: f64,
    /// What rendered: the rasterizer and its driver ([`crate::capture::Renderer::device_description`]).
    pub renderer: String,
}

impl std::fmt::Display for BenchReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let size = format!("{}x{}", self.width, self.height);
        writeln!(f, "clips: {}  frames: {}  size: {size}  workers: {}", self.clips, self.frames, self.workers)?;
        writeln!(f, "renderer: {}", self.renderer)?;
        if let Some(hint) = crate::capture::slow_driver_hint(&self.renderer) {
            writeln!(f, "note: {hint}")?;
        }
        writeln!(f, "end to end: {:.1} frames/s ({:.1} s wall)", self.end_to_end_fps, self.wall_s)?;
        writeln!(f, "render + readback: {:.1} ms/frame", self.render_ms_per_frame)?;
        writeln!(
            f,
            "per-clip overhead: {:.0} ms ({:.1}% of a clip's time; planning {:.0} ms); start-up {:.0} ms",
            self.overhead_ms_per_clip,
            self.overhead_fraction * 100.0,
            self.planning_ms_per_clip,
            self.startup_ms
        )
    }
}

/// Generates `clips` clips into `out` (which should be empty) and measures.
pub fn run_benchmark(
    content: &Content,
    out: &Path,
    clips: u64,
    video: VideoSpec,
    seed: u64,
    workers: usize,
    video_output: VideoOutput,
) -> Result<BenchReport, GenerateError> {
    let options = GenerateOptions {
        out: out.to_path_buf(),
        seed,
        start: 0,
        clips,
        video,
        max_attempts: DEFAULT_MAX_ATTEMPTS,
        workers,
        shard: Shard::default(),
        split_rule: SplitRule::default(),
        video_output,
        webdataset: false,
    };
    let summary = generate(content, &options, |_| {})?;
    let clips = summary.written.max(1) as f64;
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
    let overhead = (ms(summary.planning) + ms(summary.render_overhead)) / clips;
    let rendering = ms(summary.render_frames) / clips;
    Ok(BenchReport {
        clips: summary.written,
        frames: summary.frames,
        width: video.width,
        height: video.height,
        workers,
        wall_s: summary.wall.as_secs_f64(),
        end_to_end_fps: summary.frames_per_second(),
        render_ms_per_frame: ms(summary.render_frames) / summary.frames.max(1) as f64,
        overhead_ms_per_clip: overhead,
        planning_ms_per_clip: ms(summary.planning) / clips,
        overhead_fraction: overhead / (overhead + rendering).max(1e-9),
        startup_ms: ms(summary.startup),
        renderer: summary.renderer.unwrap_or_default(),
    })
}
