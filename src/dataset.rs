//! The dataset driver: runs the whole flow (content -> spec -> simulation -> verify -> capture ->
//! output) for a range of clip indices.
//!
//! Clips are independent: each one's bytes depend only on (dataset seed, clip index, content), so
//! any subset of indices can be rendered alone and gives the same clips as a full run. Finished
//! clips already in the output directory are skipped, so re-running an interrupted command
//! completes it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::capture::{CaptureError, RenderTiming, Renderer};
use crate::content::Content;
use crate::output::{
    ClipLabel, ClipWriter, EarlierClip, GeneratorInfo, MaskStats, OutputError, SplitRule, VideoOutput, annotate,
    check_encoders, collect_labels, publish, write_atomically, write_manifests, write_webdataset,
};
use crate::plan::{PlanError, clip_id, plan_clip};
use crate::simulation::{Trajectory, simulate};
use crate::spec::{SPEC_VERSION, VideoSpec};

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
    /// Clips rendered in parallel, each worker with its own renderer.
    pub workers: usize,
    /// Render only this shard's clips.
    pub shard: Shard,
    pub split_rule: SplitRule,
    /// Video files per clip, and whether the frames stay.
    pub video_output: VideoOutput,
    /// Also pack the dataset into WebDataset tar shards.
    pub webdataset: bool,
}

/// What makes a dataset what it is, written to `recipe.json`: everything but how it was run
/// (which clip indices, workers, shard). A run into a directory made from another recipe is
/// refused, so resuming or extending a dataset can never mix two datasets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recipe {
    pub generator: GeneratorInfo,
    pub seed: u64,
    pub video: VideoSpec,
    pub max_attempts: u32,
    pub split_rule: SplitRule,
    pub video_output: VideoOutput,
    pub webdataset: bool,
    /// Scene and action names in the order clips cycle through them, and the files' hashes.
    pub scenes: Vec<(String, String)>,
    pub actions: Vec<(String, String)>,
    pub objects_hash: String,
}

impl Recipe {
    pub fn new(content: &Content, options: &GenerateOptions) -> Recipe {
        Recipe {
            generator: GeneratorInfo::default(),
            seed: options.seed,
            video: options.video,
            max_attempts: options.max_attempts,
            split_rule: options.split_rule,
            video_output: options.video_output.clone(),
            webdataset: options.webdataset,
            scenes: content.scenes.iter().map(|s| (s.def.name.clone(), s.hash.clone())).collect(),
            actions: content.actions.iter().map(|a| (a.def.name.clone(), a.hash.clone())).collect(),
            objects_hash: content.objects.hash.clone(),
        }
    }

    fn path(out: &Path) -> PathBuf {
        out.join("recipe.json")
    }

    /// The recipe of an existing dataset directory, if it has one.
    pub fn read(out: &Path) -> Result<Option<Recipe>, OutputError> {
        if !out.is_dir() {
            return Ok(None);
        }
        let path = Recipe::path(out);
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|error| OutputError::Read {
                path,
                source: std::io::Error::new(std::io::ErrorKind::InvalidData, error),
            }),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(OutputError::Read { path, source }),
        }
    }

    fn write(&self, out: &Path) -> Result<(), OutputError> {
        let mut bytes = serde_json::to_vec_pretty(self).expect("recipes serialize");
        bytes.push(b'\n');
        write_atomically(&Recipe::path(out), &bytes)
    }
}

/// Shard `index` of `count` owns the clip indices `i` with `i % count == index`, so any shard can
/// be rendered alone and gives the same clips (byte for byte with the same build, Mesa and CPU
/// architecture; floating-point physics and rasterization may differ across platforms).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl Default for Shard {
    fn default() -> Self {
        Shard { index: 0, count: 1 }
    }
}

impl Shard {
    pub fn owns(&self, clip_index: u64) -> bool {
        clip_index % self.count == self.index
    }
}

#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    #[error(transparent)]
    Plan(#[from] PlanError),
    #[error(transparent)]
    Capture(#[from] CaptureError),
    #[error(transparent)]
    Output(#[from] OutputError),
    #[error(
        "{0} holds a dataset made with other settings or content (see its recipe.json); \
         use another --out, or the same settings to resume it"
    )]
    OtherRecipe(PathBuf),
    #[error("label of clip {0}: {1}")]
    BadLabel(String, String),
    #[error(
        "{} clip(s) failed verification in all their attempts and were not written (the others were): {}",
        .0.len(), .0.join("; ")
    )]
    Unverifiable(Vec<String>),
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
    /// Time in updates that rendered clip frames, summed over workers.
    pub render_frames: Duration,
    /// Time spent setting up each clip in the renderer (clearing, spawning, warm-up), summed.
    pub render_overhead: Duration,
    /// Starting renderers (GPU device, pipelines), summed over workers.
    pub startup: Duration,
    /// Sampling, simulation and verification, all attempts, summed over workers.
    pub planning: Duration,
    /// The device the clips were rendered on ([`Renderer::device_description`]); none if no
    /// clip needed rendering.
    pub renderer: Option<String>,
    /// Clips that failed verification in every attempt, as "id (why)", in the order met.
    pub unverifiable: Vec<String>,
}

impl Summary {
    pub fn frames_per_second(&self) -> f64 {
        self.frames as f64 / self.wall.as_secs_f64().max(1e-9)
    }
}

/// Progress events for a front end to show. `Written` means the clip is rendered and queued for
/// the writer thread; it is on disk once the run returns without error.
#[derive(Debug, Clone)]
pub enum Progress<'a> {
    Skipped {
        clip_index: u64,
    },
    /// A clip that failed verification in every attempt (why): not written; the run goes on.
    Unverifiable {
        clip_index: u64,
        reason: String,
    },
    /// A clip an earlier run left damaged (why), about to be made again.
    Redone {
        clip_index: u64,
        reason: String,
    },
    Written {
        clip_index: u64,
        label: &'a ClipLabel,
    },
}

/// Generates clips `start .. start + clips` into `options.out`, on `options.workers` threads that
/// each own a renderer and take the next clip index as they finish one.
pub fn generate(
    content: &Content,
    options: &GenerateOptions,
    progress: impl FnMut(Progress) + Send,
) -> Result<Summary, GenerateError> {
    let started = Instant::now();
    // A missing encoder is reported before anything is rendered or written.
    check_encoders(&options.video_output.formats)?;
    let recipe = Recipe::new(content, options);
    if let Some(existing) = Recipe::read(&options.out)?
        && existing != recipe
    {
        return Err(GenerateError::OtherRecipe(options.out.clone()));
    }
    let writer = ClipWriter::new(&options.out, options.video_output.clone())?;
    writer.remove_leftovers()?;
    recipe.write(&options.out)?;
    let indices: Vec<u64> = (options.start..options.start + options.clips).filter(|i| options.shard.owns(*i)).collect();
    let next = AtomicUsize::new(0);
    let shared = Mutex::new((Summary::default(), progress));
    let failed = AtomicBool::new(false);
    let workers = options.workers.max(1).min(indices.len().max(1));
    let results: Vec<Result<(), GenerateError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let result = run_worker(content, options, &writer, &indices, &next, &failed, &shared);
                    if result.is_err() {
                        failed.store(true, Ordering::SeqCst);
                    }
                    result
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("a worker panicked")).collect()
    });
    for result in results {
        result?;
    }
    writer.close()?;
    // Manifests cover every finished clip in the directory, earlier runs' included.
    let labels = collect_labels(&options.out)?;
    write_manifests(&options.out, &labels, options.split_rule)?;
    if options.webdataset {
        write_webdataset(&options.out, &labels, options.split_rule)?;
    }
    let (mut summary, _) = shared.into_inner().expect("summary lock");
    summary.wall = started.elapsed();
    if !summary.unverifiable.is_empty() {
        summary.unverifiable.sort();
        return Err(GenerateError::Unverifiable(summary.unverifiable));
    }
    Ok(summary)
}

/// One worker: takes clip indices until none are left (or another worker failed).
fn run_worker<P: FnMut(Progress)>(
    content: &Content,
    options: &GenerateOptions,
    writer: &ClipWriter,
    indices: &[u64],
    next: &AtomicUsize,
    failed: &AtomicBool,
    shared: &Mutex<(Summary, P)>,
) -> Result<(), GenerateError> {
    let mut renderer: Option<Renderer> = None;
    loop {
        let Some(&clip_index) = indices.get(next.fetch_add(1, Ordering::SeqCst)) else { return Ok(()) };
        if failed.load(Ordering::SeqCst) {
            return Ok(());
        }
        let id = clip_id(clip_index);
        match writer.earlier_clip(&id) {
            EarlierClip::None => {}
            EarlierClip::Whole => {
                let mut guard = shared.lock().expect("summary lock");
                let (summary, progress) = &mut *guard;
                summary.skipped += 1;
                progress(Progress::Skipped { clip_index });
                continue;
            }
            // Made again below; publishing replaces the damaged directory.
            EarlierClip::Broken(reason) => {
                let mut guard = shared.lock().expect("summary lock");
                (guard.1)(Progress::Redone { clip_index, reason });
            }
        }
        let planning = Instant::now();
        let planned = match plan_clip(content, options.seed, clip_index, options.video, options.max_attempts) {
            Ok(planned) => planned,
            // One clip that cannot be verified does not stop the others; the run ends non-zero.
            Err(error @ PlanError::Unverifiable { .. }) => {
                let mut guard = shared.lock().expect("summary lock");
                let (summary, progress) = &mut *guard;
                summary.unverifiable.push(format!("{id} ({error})"));
                progress(Progress::Unverifiable { clip_index, reason: error.to_string() });
                continue;
            }
            Err(error) => return Err(error.into()),
        };
        let planning = planning.elapsed();
        let spec = &planned.spec;
        let renderer = match &mut renderer {
            Some(renderer) => renderer,
            None => {
                let creating = Instant::now();
                let created = renderer.insert(Renderer::new(spec.video.width, spec.video.height));
                let device = created.device_description();
                let summary = &mut shared.lock().expect("summary lock").0;
                summary.startup += creating.elapsed();
                summary.renderer.get_or_insert(device);
                created
            }
        };
        let label = ClipLabel::new(spec, planned.verification.clone(), planned.rejected.clone(), &options.video_output);
        let timing = render_and_write(renderer, writer, &planned.trajectory, &label)?;
        let mut guard = shared.lock().expect("summary lock");
        let (summary, progress) = &mut *guard;
        summary.planning += planning;
        summary.render_frames += timing.frames;
        summary.render_overhead += timing.overhead;
        summary.written += 1;
        summary.frames += u64::from(spec.video.frames);
        let class = summary.per_action.entry(spec.action.clone()).or_default();
        class.clips += 1;
        class.attempts += u64::from(label.attempts);
        progress(Progress::Written { clip_index, label: &label });
    }
}

/// Renders a planned clip and queues its frames and label for writing.
fn render_and_write(
    renderer: &mut Renderer,
    writer: &ClipWriter,
    trajectory: &Trajectory,
    label: &ClipLabel,
) -> Result<RenderTiming, GenerateError> {
    let spec = &label.spec;
    let temp = writer.begin_clip(&spec.id)?;
    let mut write_error = None;
    let annotation_pass = label.video_output().annotation_pass();
    let mut masks = Vec::new();
    let timing = renderer.render_clip(spec, trajectory, annotation_pass, |frame, image, annotation| {
        let mut written = writer.write_frame(&temp, frame, image);
        if let Some(annotation) = annotation {
            masks.push(MaskStats::of(&annotation.ids));
            written = written.and_then(|()| writer.write_annotation_frame(&temp, frame, annotation));
        }
        if write_error.is_none()
            && let Err(error) = written
        {
            write_error = Some(error);
        }
    })?;
    if let Some(error) = write_error {
        return Err(error.into());
    }
    let masks = annotation_pass.then_some(masks.as_slice());
    writer.finish_clip(&temp, &spec.id, label, &annotate(spec, trajectory, masks))?;
    Ok(timing)
}

/// Renders clips again from their labels alone, without the content files: each label's
/// recorded spec is simulated and rendered, and the clip is written under `out` with the same
/// label. The frames come out byte-identical to the original clip's.
pub fn rerender(labels: &[ClipLabel], out: &Path) -> Result<(), GenerateError> {
    let mut renderer: Option<Renderer> = None;
    for label in labels {
        // A label is user input here: check it before its numbers reach the renderer.
        label.check_read_back().map_err(|problem| GenerateError::BadLabel(label.id.clone(), problem.to_string()))?;
        // Another spec version simulates or draws differently: it would not reproduce the clip.
        if label.spec.spec_version != SPEC_VERSION {
            let message = format!(
                "its spec has version {}, this synthact writes and re-renders version {SPEC_VERSION}",
                label.spec.spec_version
            );
            return Err(GenerateError::BadLabel(label.id.clone(), message));
        }
        let video_output = label.video_output();
        check_encoders(&video_output.formats)?;
        let writer = ClipWriter::new(out, video_output)?;
        let video = label.spec.video;
        let renderer = renderer.get_or_insert_with(|| Renderer::new(video.width, video.height));
        let trajectory = simulate(&label.spec);
        render_and_write(renderer, &writer, &trajectory, label)?;
        writer.close()?;
    }
    Ok(())
}

#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error(transparent)]
    Output(#[from] OutputError),
    #[error("clip {id} differs between {first} and {second}: were the shards made with different settings?")]
    Conflict { id: String, first: PathBuf, second: PathBuf },
    #[error("{0} and {1} were made from different recipes (recipe.json): they are not shards of one dataset")]
    RecipeMismatch(PathBuf, PathBuf),
    #[error("cannot copy {from} to {to}: {source}")]
    Copy { from: PathBuf, to: PathBuf, source: std::io::Error },
}

/// Combines shard outputs into `out`: copies every finished clip, whole (frames, masks, depth,
/// videos), and writes the manifests for the whole. A clip already there must be identical.
/// Everything is checked, then copied beside its final place, then published: a merge that
/// fails leaves `out` as it was, and one killed midway leaves only temporary directories that
/// the next merge removes. Shards are left as they are, so a merge can be run again after more
/// shards finish.
pub fn merge(shards: &[PathBuf], out: &Path) -> Result<usize, MergeError> {
    let recipe = shared_recipe(shards, out)?;
    let wanted = clips_to_copy(shards, out)?;
    let created = !out.exists();
    let writer = ClipWriter::new(out, VideoOutput::frames_only())?;
    writer.remove_leftovers()?;
    let mut copies = Vec::new();
    for (from, id) in &wanted {
        match copy_clip(&writer, from, id) {
            Ok(temp) => copies.push((temp, writer.clip_dir(id))),
            Err(error) => {
                for (temp, _) in &copies {
                    let _ = std::fs::remove_dir_all(temp);
                }
                drop(writer);
                if created {
                    let _ = std::fs::remove_dir_all(out);
                }
                return Err(error);
            }
        }
    }
    for (temp, to) in &copies {
        publish(temp, to)?;
    }
    writer.close()?;
    if let Some(recipe) = &recipe {
        recipe.write(out)?;
    }
    let rule = recipe.as_ref().map(|r| r.split_rule).unwrap_or_default();
    let labels = collect_labels(out)?;
    write_manifests(out, &labels, rule)?;
    if recipe.is_some_and(|r| r.webdataset) {
        write_webdataset(out, &labels, rule)?;
    }
    Ok(copies.len())
}

/// The recipe every shard (and `out`, if it has one) shares.
fn shared_recipe(shards: &[PathBuf], out: &Path) -> Result<Option<Recipe>, MergeError> {
    let mut recipe: Option<(Recipe, &PathBuf)> = None;
    for shard in shards {
        if let Some(found) = Recipe::read(shard)? {
            match &recipe {
                Some((first, first_path)) if *first != found => {
                    return Err(MergeError::RecipeMismatch((*first_path).clone(), shard.clone()));
                }
                Some(_) => {}
                None => recipe = Some((found, shard)),
            }
        }
    }
    if let (Some((shards_recipe, shard)), Some(existing)) = (&recipe, Recipe::read(out)?)
        && existing != *shards_recipe
    {
        return Err(MergeError::RecipeMismatch(out.to_path_buf(), (*shard).clone()));
    }
    Ok(recipe.map(|(recipe, _)| recipe))
}

/// The clips of the shards that `out` lacks, as (their directory, id); a clip found twice (in two
/// shards, or in a shard and `out`) must have the same label both times.
fn clips_to_copy(shards: &[PathBuf], out: &Path) -> Result<Vec<(PathBuf, String)>, MergeError> {
    let label_bytes = |dir: &Path| std::fs::read(dir.join("label.json")).ok();
    let mut seen: std::collections::BTreeMap<String, PathBuf> = std::collections::BTreeMap::new();
    let mut wanted = Vec::new();
    for shard in shards {
        for label in collect_labels(shard)? {
            let from = shard.join(&label.id);
            let existing = seen
                .get(&label.id)
                .cloned()
                .or_else(|| Some(out.join(&label.id)).filter(|d| d.join("label.json").is_file()));
            if let Some(first) = existing {
                if label_bytes(&first) != label_bytes(&from) {
                    return Err(MergeError::Conflict { id: label.id.clone(), first, second: from });
                }
                continue;
            }
            seen.insert(label.id.clone(), from.clone());
            wanted.push((from, label.id));
        }
    }
    Ok(wanted)
}

/// Copies clip directory `from`, subfolders included, into a new temporary directory for `id`.
fn copy_clip(writer: &ClipWriter, from: &Path, id: &str) -> Result<PathBuf, MergeError> {
    let temp = writer.begin_clip(id)?;
    copy_tree(from, &temp).map_err(|source| MergeError::Copy { from: from.to_path_buf(), to: temp.clone(), source })?;
    Ok(temp)
}

fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let path = entry?.path();
        let Some(name) = path.file_name() else { continue };
        if path.is_dir() {
            copy_tree(&path, &to.join(name))?;
        } else {
            std::fs::copy(&path, to.join(name))?;
        }
    }
    Ok(())
}
