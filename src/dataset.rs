//! The dataset driver: runs the whole flow (content -> spec -> simulation -> verify -> capture ->
//! output) for a range of clip indices.
//!
//! Clips are independent: each one's bytes depend only on (dataset seed, clip index, content), so
//! any subset of indices can be rendered alone and gives the same clips as a full run. Finished
//! clips already in the output directory are skipped, so re-running an interrupted command
//! completes it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::capture::{CaptureError, Renderer};
use crate::content::{Content, ssv2_labels_json};
use crate::output::{ClipLabel, ClipWriter, OutputError, RejectedAttempt};
use crate::simulation::{Trajectory, simulate};
use crate::spec::{ClipSpec, SampleError, VideoSpec, choose_action, sample_clip};
use crate::verify::{Verification, verify};

/// Default bound on sampling attempts per clip.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 20;

/// What to generate.
#[derive(Debug, Clone)]
pub struct GenerateOptions {
    pub out: PathBuf,
    pub seed: u64,
    /// First clip index.
    pub start: u64,
    pub clips: u64,
    pub video: VideoSpec,
    pub max_attempts: u32,
}

#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    #[error(transparent)]
    Sample(#[from] SampleError),
    #[error(
        "clip {clip_index} (action `{action}`) failed verification in all {attempts} attempts; last checks: {last}"
    )]
    Unverifiable { clip_index: u64, action: String, attempts: u32, last: String },
    #[error(transparent)]
    Capture(#[from] CaptureError),
    #[error(transparent)]
    Output(#[from] OutputError),
}

/// A clip that passed verification, ready to render.
#[derive(Debug, Clone)]
pub struct PlannedClip {
    pub spec: ClipSpec,
    pub trajectory: Trajectory,
    pub verification: Verification,
    pub rejected: Vec<RejectedAttempt>,
}

/// Samples, simulates and verifies clip `clip_index`, re-sampling failed attempts.
pub fn plan_clip(
    content: &Content,
    seed: u64,
    clip_index: u64,
    video: VideoSpec,
    max_attempts: u32,
) -> Result<PlannedClip, GenerateError> {
    let action = choose_action(content, clip_index)?;
    let mut rejected = Vec::new();
    for attempt in 0..max_attempts.max(1) {
        let spec = sample_clip(content, seed, clip_index, attempt, video)?;
        let trajectory = simulate(&spec);
        let verification = verify(&spec, &action.def, &trajectory);
        if verification.passed {
            return Ok(PlannedClip { spec, trajectory, verification, rejected });
        }
        rejected.push(RejectedAttempt { attempt, clip_seed: spec.clip_seed, verification });
    }
    let last = rejected
        .last()
        .map(|r| {
            r.verification.checks.iter().filter(|c| !c.passed).map(|c| format!("{}: {}", c.condition, c.measured)).collect::<Vec<_>>().join("; ")
        })
        .unwrap_or_default();
    Err(GenerateError::Unverifiable {
        clip_index,
        action: action.def.name.clone(),
        attempts: max_attempts.max(1),
        last,
    })
}

/// Per-class counts of a run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ClassSummary {
    pub clips: u64,
    pub attempts: u64,
}

/// What a run did and how long it took.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    pub written: u64,
    pub skipped: u64,
    pub frames: u64,
    pub per_action: BTreeMap<String, ClassSummary>,
    pub wall: Duration,
    /// Time in updates that rendered clip frames.
    pub render_frames: Duration,
    /// Sampling, simulation and verification, all attempts.
    pub planning: Duration,
}

impl Summary {
    pub fn frames_per_second(&self) -> f64 {
        self.frames as f64 / self.wall.as_secs_f64().max(1e-9)
    }
}

/// Progress events for a front end to show.
#[derive(Debug, Clone)]
pub enum Progress<'a> {
    Skipped { clip_index: u64 },
    Written { clip_index: u64, label: &'a ClipLabel },
}

/// Generates clips `start .. start + clips` into `options.out`.
pub fn generate(
    content: &Content,
    options: &GenerateOptions,
    mut progress: impl FnMut(Progress),
) -> Result<Summary, GenerateError> {
    let started = Instant::now();
    let writer = ClipWriter::new(&options.out)?;
    writer.remove_leftovers()?;
    write_labels_file(&options.out)?;
    let mut renderer: Option<Renderer> = None;
    let mut summary = Summary::default();
    for clip_index in options.start..options.start + options.clips {
        let id = format!("{clip_index:06}");
        if writer.is_finished(&id) {
            summary.skipped += 1;
            progress(Progress::Skipped { clip_index });
            continue;
        }
        let planning = Instant::now();
        let planned = plan_clip(content, options.seed, clip_index, options.video, options.max_attempts)?;
        summary.planning += planning.elapsed();
        let spec = &planned.spec;
        let renderer = renderer.get_or_insert_with(|| Renderer::new(spec.video.width, spec.video.height));
        let temp = writer.begin_clip(&spec.id)?;
        let mut write_error = None;
        let timing = renderer.render_clip(spec, &planned.trajectory, |frame, image| {
            if write_error.is_none()
                && let Err(error) = writer.write_frame(&temp, frame, image)
            {
                write_error = Some(error);
            }
        })?;
        if let Some(error) = write_error {
            return Err(error.into());
        }
        let label = ClipLabel::new(spec, planned.verification.clone(), planned.rejected.clone());
        writer.finish_clip(&temp, &spec.id, &label)?;
        summary.render_frames += timing.frames;
        summary.written += 1;
        summary.frames += u64::from(spec.video.frames);
        let class = summary.per_action.entry(spec.action.clone()).or_default();
        class.clips += 1;
        class.attempts += u64::from(label.attempts);
        progress(Progress::Written { clip_index, label: &label });
    }
    writer.close()?;
    summary.wall = started.elapsed();
    Ok(summary)
}

/// The dataset's labels file: SSv2's 174 classes, so models trained on our clips share its outputs.
fn write_labels_file(out: &Path) -> Result<(), OutputError> {
    let path = out.join("labels.json");
    std::fs::write(&path, ssv2_labels_json()).map_err(|source| OutputError::Io { path, source })
}
