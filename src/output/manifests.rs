//! Dataset manifests in the formats training code reads as they are, built from the finished
//! clips' `label.json` files alone. A resumed run, a sharded run plus `merge`, and one plain run
//! therefore write the same manifests.
//!
//! - SSv2: `labels.json`, `train.json`, `validation.json`, `test.json` (test has ids only).
//! - MMAction2: `{train,val,test}_list_rawframes.txt`, lines `dir total_frames label`.
//! - PySlowFast (its `Ssv2` dataset): `something-something-v2-{labels,train,validation}.json` and
//!   `train.csv` / `val.csv` frame lists with the header `original_vido_id video_id frame_id path labels`.
//! - `dataset.json`: generator, seeds, video settings, content hashes, counts and the split rule.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{ClipLabel, GeneratorInfo, LabelError, OutputError, TEMP_PREFIX, frame_file_name};
use crate::content::ssv2_labels_json;
use crate::spec::VideoSpec;

/// Which split a clip belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Split {
    Train,
    Validation,
    Test,
}

/// Splits by a hash of the clip id: deterministic, independent of which clips exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SplitRule {
    /// Percent of clips in train.
    pub train_percent: u32,
    /// Percent of clips in validation; the rest is test.
    pub validation_percent: u32,
}

impl Default for SplitRule {
    fn default() -> Self {
        SplitRule { train_percent: 80, validation_percent: 10 }
    }
}

impl SplitRule {
    pub fn split_of(&self, id: &str) -> Split {
        let bucket = (id_hash(id) % 100) as u32;
        if bucket < self.train_percent {
            Split::Train
        } else if bucket < self.train_percent + self.validation_percent {
            Split::Validation
        } else {
            Split::Test
        }
    }
}

fn id_hash(id: &str) -> u64 {
    // FNV-1a then a final mix, so consecutive ids spread over the buckets.
    let mut hash = crate::hash::fnv1a64(id.as_bytes());
    hash ^= hash >> 33;
    hash = hash.wrapping_mul(0xff51_afd7_ed55_8ccd);
    hash ^ (hash >> 33)
}

/// An entry of SSv2's train/validation JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ssv2Entry {
    pub id: String,
    pub label: String,
    pub template: String,
    pub placeholders: Vec<String>,
}

/// An entry of SSv2's test JSON: ids only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ssv2TestEntry {
    pub id: String,
}

/// `dataset.json`: what the dataset is and how to rebuild it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetInfo {
    pub generator: GeneratorInfo,
    pub clips: usize,
    pub dataset_seeds: Vec<u64>,
    /// First and last clip index present.
    pub clip_indices: (u64, u64),
    pub videos: Vec<VideoSpec>,
    pub split_rule: SplitRule,
    pub splits: BTreeMap<String, usize>,
    /// Clips per SSv2 class index.
    pub clips_per_class: BTreeMap<u32, usize>,
    /// Sampling attempts per class index, accepted ones included.
    pub attempts_per_class: BTreeMap<u32, u64>,
    pub scenes: BTreeMap<String, usize>,
    /// Hashes of the content files the clips were sampled from: scene, action and object library.
    pub content_hashes: BTreeSet<String>,
}

/// Reads the labels of every finished clip under `out`, sorted by id.
pub fn collect_labels(out: &Path) -> Result<Vec<ClipLabel>, OutputError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| OutputError::Read { path, source }
    };
    let mut labels = Vec::new();
    for entry in std::fs::read_dir(out).map_err(io(out))? {
        let dir = entry.map_err(io(out))?.path();
        let hidden = dir.file_name().and_then(|n| n.to_str()).is_none_or(|n| n.starts_with(TEMP_PREFIX));
        let label_path = dir.join("label.json");
        if hidden || !label_path.is_file() {
            continue;
        }
        let label = ClipLabel::read_file(&label_path)?;
        // The id names the directory clips are copied and re-rendered to: it must be this one.
        if dir.file_name().and_then(|n| n.to_str()) != Some(label.id.as_str()) {
            let text = std::fs::read_to_string(&label_path).unwrap_or_default();
            let message = format!("{:?} is not the name of its directory", label.id);
            return Err(LabelError::in_field(&label_path, &text, "id", message).into());
        }
        labels.push(label);
    }
    labels.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(labels)
}

/// Writes every manifest for `labels` (the finished clips of `out`).
pub fn write_manifests(out: &Path, labels: &[ClipLabel], rule: SplitRule) -> Result<DatasetInfo, OutputError> {
    let mut split_labels: BTreeMap<&str, Vec<&ClipLabel>> = BTreeMap::new();
    for label in labels {
        let name = match rule.split_of(&label.id) {
            Split::Train => "train",
            Split::Validation => "validation",
            Split::Test => "test",
        };
        split_labels.entry(name).or_default().push(label);
    }
    let of = |name: &str| split_labels.get(name).cloned().unwrap_or_default();
    let (train, validation, test) = (of("train"), of("validation"), of("test"));

    let entries = |clips: &[&ClipLabel]| -> Vec<Ssv2Entry> {
        clips
            .iter()
            .map(|l| Ssv2Entry {
                id: l.id.clone(),
                label: l.label.clone(),
                template: l.template.clone(),
                placeholders: l.placeholders.clone(),
            })
            .collect()
    };
    let test_ids: Vec<Ssv2TestEntry> = test.iter().map(|l| Ssv2TestEntry { id: l.id.clone() }).collect();

    let mut files: Vec<(&str, Vec<u8>)> = vec![
        ("labels.json", ssv2_labels_json().as_bytes().to_vec()),
        ("train.json", json(&entries(&train))),
        ("validation.json", json(&entries(&validation))),
        ("test.json", json(&test_ids)),
        ("something-something-v2-labels.json", ssv2_labels_json().as_bytes().to_vec()),
        ("something-something-v2-train.json", json(&entries(&train))),
        ("something-something-v2-validation.json", json(&entries(&validation))),
        ("train_list_rawframes.txt", rawframes_list(&train)),
        ("val_list_rawframes.txt", rawframes_list(&validation)),
        ("test_list_rawframes.txt", rawframes_list(&test)),
        ("train.csv", slowfast_frame_list(&train)),
        ("val.csv", slowfast_frame_list(&validation)),
        ("train_list_videos.txt", videos_list(&train)),
        ("val_list_videos.txt", videos_list(&validation)),
        ("test_list_videos.txt", videos_list(&test)),
    ];
    let info = dataset_info(labels, rule, &split_labels);
    files.push(("dataset.json", json(&info)));
    for (name, bytes) in files {
        write_atomically(&out.join(name), &bytes)?;
    }
    Ok(info)
}

/// MMAction2's video list: `path label`, paths relative to the dataset root (the clip's first
/// video file; empty when clips have no videos).
fn videos_list(clips: &[&ClipLabel]) -> Vec<u8> {
    let mut text = String::new();
    for clip in clips {
        if let Some(video) = clip.videos.first() {
            let _ = writeln!(text, "{}/{video} {}", clip.id, clip.class_index);
        }
    }
    text.into_bytes()
}

/// MMAction2's raw-frame list: `dir total_frames label`, dirs relative to the dataset root
/// (clips whose frames were not kept are left out).
fn rawframes_list(clips: &[&ClipLabel]) -> Vec<u8> {
    let mut text = String::new();
    for clip in clips.iter().filter(|c| c.frames_kept) {
        let _ = writeln!(text, "{} {} {}", clip.id, clip.frames, clip.class_index);
    }
    text.into_bytes()
}

/// PySlowFast's frame list: one line per frame, `original_vido_id video_id frame_id path labels`.
fn slowfast_frame_list(clips: &[&ClipLabel]) -> Vec<u8> {
    let mut text = String::from("original_vido_id video_id frame_id path labels\n");
    for (video, clip) in clips.iter().filter(|c| c.frames_kept).enumerate() {
        for frame in 0..clip.frames {
            let _ = writeln!(text, "{} {} {} {}/{} \"\"", clip.id, video, frame, clip.id, frame_file_name(frame));
        }
    }
    text.into_bytes()
}

fn dataset_info(labels: &[ClipLabel], rule: SplitRule, splits: &BTreeMap<&str, Vec<&ClipLabel>>) -> DatasetInfo {
    let mut info = DatasetInfo {
        generator: GeneratorInfo::default(),
        clips: labels.len(),
        dataset_seeds: Vec::new(),
        clip_indices: (
            labels.iter().map(|l| l.clip_index).min().unwrap_or(0),
            labels.iter().map(|l| l.clip_index).max().unwrap_or(0),
        ),
        videos: Vec::new(),
        split_rule: rule,
        splits: splits.iter().map(|(name, clips)| (name.to_string(), clips.len())).collect(),
        clips_per_class: BTreeMap::new(),
        attempts_per_class: BTreeMap::new(),
        scenes: BTreeMap::new(),
        content_hashes: BTreeSet::new(),
    };
    for label in labels {
        if !info.dataset_seeds.contains(&label.dataset_seed) {
            info.dataset_seeds.push(label.dataset_seed);
        }
        if !info.videos.contains(&label.spec.video) {
            info.videos.push(label.spec.video);
        }
        *info.clips_per_class.entry(label.class_index).or_default() += 1;
        *info.attempts_per_class.entry(label.class_index).or_default() += u64::from(label.attempts);
        *info.scenes.entry(label.scene.clone()).or_default() += 1;
        let hashes = &label.spec.content_hashes;
        info.content_hashes.extend([hashes.scene.clone(), hashes.action.clone(), hashes.objects.clone()]);
    }
    info
}

/// Writes `path` through a temporary file and a rename, so readers never see half a file.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("manifest");
    let temp = path.with_file_name(format!("{TEMP_PREFIX}{name}"));
    std::fs::write(&temp, bytes).map_err(|source| OutputError::Io { path: temp.clone(), source })?;
    std::fs::rename(&temp, path).map_err(|source| OutputError::Io { path: path.to_path_buf(), source })
}

/// Pretty JSON with a final newline.
fn json<T: Serialize + ?Sized>(value: &T) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(value).expect("manifests serialize");
    bytes.push(b'\n');
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_are_stable_and_roughly_proportional() {
        let rule = SplitRule::default();
        assert_eq!(rule.split_of("000042"), rule.split_of("000042"));
        let mut counts = BTreeMap::new();
        for index in 0..5000 {
            *counts.entry(format!("{:?}", rule.split_of(&format!("{index:06}")))).or_insert(0) += 1;
        }
        assert!((3800..4200).contains(&counts["Train"]), "{counts:?}");
        assert!((400..600).contains(&counts["Validation"]), "{counts:?}");
        assert!((400..600).contains(&counts["Test"]), "{counts:?}");
    }
}
