//! `label.json`: the SSv2 fields a trainer reads, plus everything needed to rebuild the clip.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::VideoOutput;
use crate::spec::ClipSpec;
use crate::verify::Verification;

/// The program that wrote a clip.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GeneratorInfo {
    pub name: String,
    pub version: String,
}

impl Default for GeneratorInfo {
    fn default() -> Self {
        GeneratorInfo { name: env!("CARGO_PKG_NAME").into(), version: env!("CARGO_PKG_VERSION").into() }
    }
}

/// A sampling attempt that failed verification and was not rendered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RejectedAttempt {
    pub attempt: u32,
    pub clip_seed: u64,
    pub verification: Verification,
}

/// One instance id of a clip's masks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Instance {
    pub id: u32,
    /// "a red mug", or the actor's kind ("hand").
    pub name: String,
    /// The action role, if any; "actor" for an actor.
    pub role: Option<String>,
}

/// The contents of a clip's `label.json`. The first four fields are SSv2's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClipLabel {
    pub id: String,
    pub label: String,
    pub template: String,
    pub placeholders: Vec<String>,
    pub class_index: u32,
    pub scene: String,
    pub action: String,
    pub dataset_seed: u64,
    pub clip_index: u64,
    /// Seed of the accepted attempt.
    pub clip_seed: u64,
    pub frames: u32,
    pub fps: u32,
    pub width: u32,
    pub height: u32,
    /// File name of the first frame; frames are numbered from 1.
    pub first_frame: String,
    /// Whether the JPEG frames are in the clip directory.
    pub frames_kept: bool,
    /// Video files in the clip directory.
    pub videos: Vec<String>,
    /// Whether `masks/` (instance ids per frame) and `depth/` (millimetres per frame) were written.
    #[serde(default)]
    pub masks: bool,
    #[serde(default)]
    pub depth: bool,
    /// The instance ids of the masks (and of `annotations.json`): objects 1..=N in spec order,
    /// then the actors; 0 is everything else.
    #[serde(default)]
    pub instances: Vec<Instance>,
    /// Sampling attempts made, the accepted one included.
    pub attempts: u32,
    pub rejected: Vec<RejectedAttempt>,
    pub verification: Verification,
    pub generator: GeneratorInfo,
    /// The full resolved spec: re-rendering it gives this clip again.
    pub spec: ClipSpec,
}

impl ClipLabel {
    pub fn new(
        spec: &ClipSpec,
        verification: Verification,
        rejected: Vec<RejectedAttempt>,
        video: &VideoOutput,
    ) -> ClipLabel {
        ClipLabel {
            id: spec.id.clone(),
            label: spec.label.clone(),
            template: spec.template.clone(),
            placeholders: spec.placeholders.clone(),
            class_index: spec.class_index,
            scene: spec.scene.clone(),
            action: spec.action.clone(),
            dataset_seed: spec.dataset_seed,
            clip_index: spec.clip_index,
            clip_seed: spec.clip_seed,
            frames: spec.video.frames,
            fps: spec.video.fps,
            width: spec.video.width,
            height: spec.video.height,
            first_frame: super::frame_file_name(0),
            frames_kept: video.keep_frames,
            videos: video.formats.iter().map(|f| f.file_name().to_string()).collect(),
            masks: video.masks,
            depth: video.depth,
            instances: (spec.objects.iter().enumerate())
                .map(|(i, o)| Instance { id: spec.object_instance_id(i), name: o.name.clone(), role: o.role.clone() })
                .chain(spec.actors.iter().enumerate().map(|(i, a)| Instance {
                    id: spec.actor_instance_id(i),
                    name: a.kind.name().to_string(),
                    role: Some("actor".to_string()),
                }))
                .collect(),
            attempts: spec.attempt + 1,
            rejected,
            verification,
            generator: GeneratorInfo::default(),
            spec: spec.clone(),
        }
    }
}

/// Whether `id` can name a clip directory: one plain path component, so that joining it to an
/// output directory stays inside it.
pub fn is_plain_clip_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 200 && !id.starts_with('.') && !id.contains(['/', '\\', '\0', ':'])
}

impl ClipLabel {
    /// Checks a label read back from a file, which is untrusted input, before anything is made
    /// from it: a plain id, settings in range, every index pointing at something, sizes and
    /// positions within a scene's bounds. The message names the field.
    pub fn check_read_back(&self) -> Result<(), LabelProblem> {
        let problem = |field: String, message: &str| Err(LabelProblem { field, message: message.to_string() });
        if !is_plain_clip_id(&self.id) {
            return problem(
                "id".into(),
                &format!("{:?} is not a plain clip name (one path component, no leading dot)", self.id),
            );
        }
        let spec = &self.spec;
        if let Err(message) = spec.video.check() {
            return problem("spec.video".into(), &message);
        }
        let within = |values: &[f32]| values.iter().all(|v| v.is_finite() && v.abs() <= 1000.0);
        let placed = |position: &[f32; 3], rotation: &[f32; 4], shape: &crate::spec::ShapeSpec| {
            within(position) && within(rotation) && shape.half_extents().iter().all(|h| *h > 0.0 && *h <= 100.0)
        };
        for (i, object) in spec.objects.iter().enumerate() {
            if !placed(&object.position, &object.rotation, &object.shape) {
                return problem(
                    format!("spec.objects[{i}].position"),
                    "position, rotation and size must be finite and in range",
                );
            }
            for (j, part) in object.parts.iter().enumerate() {
                if !placed(&part.offset, &part.rotation, &part.shape) {
                    return problem(
                        format!("spec.objects[{i}].parts[{j}].offset"),
                        "a part's offset, rotation and size must be finite and in range",
                    );
                }
            }
        }
        for (j, actor) in spec.actors.iter().enumerate() {
            if let Some(grip) = actor.grips.iter().find(|grip| grip.object >= spec.objects.len()) {
                let count = spec.objects.len();
                return problem(
                    format!("spec.actors[{j}].grips"),
                    &format!("object {} does not exist ({count} objects)", grip.object),
                );
            }
            if !actor.path.iter().all(|k| within(&k.position) && k.frame.is_finite()) {
                return problem(format!("spec.actors[{j}].path"), "positions and frames must be finite and in range");
            }
        }
        let camera = &spec.camera;
        if !within(&camera.position) || !within(&camera.look_at) || !(1.0..179.0).contains(&camera.fov_deg) {
            return problem("spec.camera.position".into(), "position, look_at and fov_deg must be finite and in range");
        }
        Ok(())
    }

    /// Reads `path` (a clip's `label.json`) and checks it with [`ClipLabel::check_read_back`].
    /// A problem is placed at the file's line and column with the field it is about.
    pub fn read_file(path: &Path) -> Result<ClipLabel, LabelError> {
        let at = |line, column, field: &str, message: String| LabelError {
            path: path.to_path_buf(),
            line,
            column,
            field: field.to_string(),
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|error| at(0, 0, "", format!("cannot read: {error}")))?;
        let label: ClipLabel = serde_json::from_str(text.trim_start_matches('\u{feff}')).map_err(|error| {
            let message = error.to_string();
            let message = message.split(" at line ").next().unwrap_or_default().to_string();
            at(error.line(), error.column(), "", message)
        })?;
        label
            .check_read_back()
            .map_err(|problem| LabelError::in_field(path, &text, &problem.field, problem.message))?;
        Ok(label)
    }

    /// The video output this clip was written with.
    pub fn video_output(&self) -> VideoOutput {
        VideoOutput {
            formats: self
                .videos
                .iter()
                .filter_map(|name| name.rsplit('.').next())
                .filter_map(super::VideoFormat::parse)
                .collect(),
            keep_frames: self.frames_kept,
            masks: self.masks,
            depth: self.depth,
        }
    }
}

/// What is wrong with a label read back, and in which field (such as `spec.actors[0].grips`).
#[derive(Debug, Clone, PartialEq)]
pub struct LabelProblem {
    pub field: String,
    pub message: String,
}

impl std::fmt::Display for LabelProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "field `{}`: {}", self.field, self.message)
    }
}

/// A `label.json` that cannot be read back, placed like a content problem:
/// `PATH:LINE:COLUMN: field `F`: message` (line 0 when it is about the whole file).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct LabelError {
    pub path: PathBuf,
    pub line: usize,
    pub column: usize,
    pub field: String,
    pub message: String,
}

impl LabelError {
    /// A problem with `field` of the label at `path`, placed where `text` (its contents) writes it.
    pub fn in_field(path: &Path, text: &str, field: &str, message: String) -> LabelError {
        let (line, column) = locate_json_field(text, field);
        LabelError { path: path.to_path_buf(), line, column, field: field.to_string(), message }
    }
}

impl std::fmt::Display for LabelError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.path.display())?;
        if self.line > 0 {
            write!(f, ":{}:{}", self.line, self.column)?;
        }
        if !self.field.is_empty() {
            write!(f, ": field `{}`", self.field)?;
        }
        write!(f, ": {}", self.message)
    }
}

/// The 1-based line and column of `field` (`a.b[2].c`) in pretty-printed JSON: each key is
/// looked for after the one before it, and `[j].key` is the (j+1)th `key` after the array's own
/// key. (0, 0) when a key is not found.
fn locate_json_field(text: &str, field: &str) -> (usize, usize) {
    let mut at = 0;
    let mut skip = 0;
    for part in field.split('.') {
        let (key, index) = match part.split_once('[') {
            Some((key, rest)) => (key, rest.trim_end_matches(']').parse::<usize>().ok()),
            None => (part, None),
        };
        let needle = format!("\"{key}\":");
        for _ in 0..=skip {
            match text[at..].find(&needle) {
                Some(found) => at += found + 1,
                None => return (0, 0),
            }
        }
        skip = index.unwrap_or(0);
    }
    let line = text[..at].matches('\n').count() + 1;
    let column = at - text[..at].rfind('\n').map_or(0, |newline| newline + 1);
    (line, column)
}
