//! Dataset configuration files (`datasets/*.ron`): which scenes and actions, how many clips, the
//! video settings, the split rule and the seed. Command-line flags override every field.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::Content;
use super::load::{ContentError, Loaded, parse_file};

/// A dataset description. Every field is optional; what is left out comes from the command line
/// or the built-in defaults.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatasetConfigDef {
    #[serde(default)]
    pub seed: Option<u64>,
    /// Clips per action class; the dataset has this many times the number of actions.
    #[serde(default)]
    pub clips_per_class: Option<u64>,
    /// Scene names to use; empty or absent means all.
    #[serde(default)]
    pub scenes: Vec<String>,
    /// Action names to use; empty or absent means all.
    #[serde(default)]
    pub actions: Vec<String>,
    #[serde(default)]
    pub width: Option<u32>,
    #[serde(default)]
    pub height: Option<u32>,
    #[serde(default)]
    pub fps: Option<u32>,
    /// Clip length in seconds.
    #[serde(default)]
    pub duration_s: Option<f32>,
    #[serde(default)]
    pub max_attempts: Option<u32>,
    /// Percent of clips in train and in validation (the rest is test).
    #[serde(default)]
    pub train_percent: Option<u32>,
    #[serde(default)]
    pub validation_percent: Option<u32>,
    /// Video files per clip: "mp4", "webm" (needs ffmpeg).
    #[serde(default)]
    pub videos: Vec<String>,
    /// Keep the JPEG frames next to the videos (default true).
    #[serde(default)]
    pub keep_frames: Option<bool>,
    /// Dense annotations: "masks" and/or "depth" (poses, boxes and events are always written).
    #[serde(default)]
    pub annotations: Vec<String>,
    /// Also pack the dataset into WebDataset tar shards (default false).
    #[serde(default)]
    pub webdataset: Option<bool>,
}

/// An annotation image a dataset can ask for, beyond the poses, boxes and events every clip gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnnotationImage {
    Masks,
    Depth,
}

/// What to say after an unknown annotation name.
pub const ANNOTATION_CHOICES: &str = "use masks, depth (boxes and poses are always written)";

/// An annotation name (`--annotations`, `annotations: [...]`): `Some(Some(image))` for "masks" and
/// "depth", `Some(None)` for "boxes" and "poses" (always written), `None` if unknown.
pub fn parse_annotation(name: &str) -> Option<Option<AnnotationImage>> {
    match name {
        "masks" => Some(Some(AnnotationImage::Masks)),
        "depth" => Some(Some(AnnotationImage::Depth)),
        "boxes" | "poses" => Some(None),
        _ => None,
    }
}

/// Loads and checks a dataset configuration against the loaded content.
pub fn load_dataset_config(path: &Path, content: &Content) -> Result<Loaded<DatasetConfigDef>, ContentError> {
    let mut problems = Vec::new();
    let Some(config) = parse_file::<DatasetConfigDef>(path, &mut problems) else {
        return Err(ContentError { problems });
    };
    let def = &config.def;
    for (i, scene) in def.scenes.iter().enumerate() {
        if content.scene(scene).is_none() {
            let known: Vec<&str> = content.scenes.iter().map(|s| s.def.name.as_str()).collect();
            problems.push(
                config
                    .problem(&format!("scenes[{i}]"), format!("unknown scene `{scene}`; known: {}", known.join(", "))),
            );
        }
    }
    for (i, action) in def.actions.iter().enumerate() {
        if content.action(action).is_none() {
            let known: Vec<&str> = content.actions.iter().map(|a| a.def.name.as_str()).collect();
            problems.push(
                config.problem(
                    &format!("actions[{i}]"),
                    format!("unknown action `{action}`; known: {}", known.join(", ")),
                ),
            );
        }
    }
    // The bounds the flags and the renderer accept, said here with the file's line and field.
    let mut within = |field: &str, value: Option<f64>, low: f64, high: f64, unit: &str| {
        if value.is_some_and(|v| !(v.is_finite() && (low..=high).contains(&v))) {
            problems.push(config.problem(field, format!("must be {low} to {high}{unit}")));
        }
    };
    within("clips_per_class", def.clips_per_class.map(|v| v as f64), 1.0, 1e9, "");
    within("width", def.width.map(f64::from), 16.0, 4096.0, " pixels");
    within("height", def.height.map(f64::from), 16.0, 4096.0, " pixels");
    within("fps", def.fps.map(f64::from), 1.0, 240.0, "");
    within("max_attempts", def.max_attempts.map(f64::from), 1.0, 1000.0, "");
    // At most 100,000 frames a clip, at the file's frame rate (else the default 12).
    let longest = 100_000.0 / f64::from(def.fps.unwrap_or(12).max(1));
    within("duration_s", def.duration_s.map(f64::from), 1.0 / 240.0, longest, " seconds");
    for (i, video) in def.videos.iter().enumerate() {
        // The same parser as the --video flag's.
        if crate::output::VideoFormat::parse(video).is_none() {
            problems.push(
                config.problem(&format!("videos[{i}]"), format!("unknown video format `{video}`; use mp4 or webm")),
            );
        }
    }
    for (i, annotation) in def.annotations.iter().enumerate() {
        if parse_annotation(annotation).is_none() {
            let message = format!("unknown annotation `{annotation}`; {ANNOTATION_CHOICES}");
            problems.push(config.problem(&format!("annotations[{i}]"), message));
        }
    }
    let split = def.train_percent.unwrap_or(80) + def.validation_percent.unwrap_or(10);
    if split > 100 {
        problems.push(config.problem("train_percent", format!("train and validation add up to {split}%, over 100%")));
    }
    if problems.is_empty() { Ok(config) } else { Err(ContentError { problems }) }
}

impl Content {
    /// Keeps only the named scenes and actions (an empty list keeps all). On an unknown name,
    /// returns the message naming it and what is known.
    pub fn select(&mut self, scenes: &[String], actions: &[String]) -> Result<(), String> {
        let scene_names: Vec<&str> = self.scenes.iter().map(|s| s.def.name.as_str()).collect();
        let action_names: Vec<&str> = self.actions.iter().map(|a| a.def.name.as_str()).collect();
        if let Some(name) = scenes.iter().find(|n| !scene_names.contains(&n.as_str())) {
            return Err(format!("unknown scene `{name}`; known: {}", scene_names.join(", ")));
        }
        if let Some(name) = actions.iter().find(|n| !action_names.contains(&n.as_str())) {
            return Err(format!("unknown action `{name}`; known: {}", action_names.join(", ")));
        }
        if !scenes.is_empty() {
            self.scenes.retain(|s| scenes.contains(&s.def.name));
        }
        if !actions.is_empty() {
            self.actions.retain(|a| actions.contains(&a.def.name));
        }
        // Found now, not at the action's first clip after output was written.
        if let Some(action) = self.actions.iter().find(|a| self.stages(&a.def).is_empty()) {
            let scenes: Vec<&str> = self.scenes.iter().map(|s| s.def.name.as_str()).collect();
            return Err(format!(
                "no selected scene ({}) can stage action `{}`: none has object kinds for all its roles",
                scenes.join(", "),
                action.def.name
            ));
        }
        Ok(())
    }
}
