//! The front ends: the `synthact` command line and what its commands drive. Each command only
//! drives the stages (plan, dataset, capture, output): the batch through [`crate::dataset`],
//! [`bench`] to measure it, [`trial`] to tune action scripts without rendering, [`sheet`] for a
//! contact sheet, [`preview`] for a window that plays one clip while its files are edited.
//!
//! Arguments become one validated options struct before any work starts; content is loaded and
//! validated before the output directory is touched, so bad input writes nothing.

pub mod bench;
pub mod preview;
pub mod sheet;
pub mod trial;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use bevy::app::AppExit;
use clap::{Args, Parser, Subcommand};

use crate::audit::{Group, plan_catalogue, read_dataset};
use crate::content::{
    ANNOTATION_CHOICES, AnnotationImage, Content, DatasetConfigDef, files::ContentPaths, load_dataset_config,
    parse_annotation,
};
use crate::dataset::{GenerateOptions, Progress, Shard, Summary, generate, merge, rerender};
use crate::output::{ClipLabel, SplitRule, VideoFormat, VideoOutput};
use crate::plan::DEFAULT_MAX_ATTEMPTS;
use crate::spec::VideoSpec;
use bench::run_benchmark;

#[derive(Parser)]
#[command(name = "synthact", version, about = "Labeled synthetic action-recognition clips from RON scenes and actions")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Render clips into a dataset directory.
    Generate(GenerateArgs),
    /// Load every scene, action and the object library; report every problem.
    Validate(ContentArgs),
    /// Print the scenes and the actions with their label templates.
    List(ContentArgs),
    /// Measure end-to-end frames per second and per-clip overhead.
    Bench(BenchArgs),
    /// Render clips again from their label.json files alone (no content files needed).
    Rerender(RerenderArgs),
    /// Combine shard output directories into one dataset and write its manifests.
    Merge(MergeArgs),
    /// Simulate and verify attempts of each action without rendering; report how many pass and
    /// which postconditions fail. Exits non-zero if an action passes less than --min-pass-rate.
    Trial(TrialArgs),
    /// Report what a dataset DIR (or, with --catalogue, the content) is made of, and whether the
    /// classes of a first-frame group can be told apart before the motion starts. Exits non-zero
    /// when a group leaks more than --max-leak.
    Audit(AuditArgs),
    /// Render a contact sheet: a row per scene (or per class), a few sampled clips each, shown by
    /// their first, middle and last frames with their labels.
    Sheet(SheetArgs),
    /// Open a window that plays a clip (exactly what `generate` writes for the same selection,
    /// seed and index) with its label and live verification; reloads edited scene and action
    /// files. Keys: see the help line.
    Preview(PreviewArgs),
}

#[derive(Args)]
struct PreviewArgs {
    /// Only this scene (as `generate --scenes`).
    #[arg(long)]
    scene: Option<String>,
    /// Only this action (as `generate --actions`).
    #[arg(long)]
    action: Option<String>,
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// The clip index within the dataset.
    #[arg(long, default_value_t = 0)]
    index: u64,
    /// Window pixels per frame pixel.
    #[arg(long, default_value_t = 3)]
    scale: u32,
    /// Start with the text overlays hidden (Tab toggles them).
    #[arg(long)]
    no_overlays: bool,
    /// Quit after this many updates, one clip frame each (for scripted runs); the frame reached
    /// is held while --save-frame and --screenshot are saved.
    #[arg(long)]
    exit_after: Option<u32>,
    /// With --exit-after: save the window's contents to this PNG before quitting, once the window
    /// shows the held frame (fails after 60 s of a window that shows something else).
    #[arg(long)]
    screenshot: Option<PathBuf>,
    /// With --exit-after: write clip frame K (from 0) as `generate` writes it, to --frame-out.
    #[arg(long, requires = "frame_out")]
    save_frame: Option<u32>,
    #[arg(long)]
    frame_out: Option<PathBuf>,
    #[command(flatten)]
    content: ContentArgs,
    #[command(flatten)]
    video: VideoArgs,
}

#[derive(Args)]
struct SheetArgs {
    /// The PNG to write.
    #[arg(long)]
    out: PathBuf,
    /// One row per scene or per action class.
    #[arg(long, value_enum, default_value = "scene")]
    by: SheetRows,
    /// Clips per row.
    #[arg(long, default_value_t = 3)]
    samples: u32,
    /// Width and height of each frame shown, pixels.
    #[arg(long, default_value_t = 128)]
    size: u32,
    #[arg(long, default_value_t = 0)]
    seed: u64,
    #[command(flatten)]
    selection: SelectionArgs,
    #[command(flatten)]
    content: ContentArgs,
}

/// Which of the loaded scenes and actions to use.
#[derive(Args, Clone)]
struct SelectionArgs {
    /// Only these scenes (comma-separated names).
    #[arg(long, value_delimiter = ',')]
    scenes: Vec<String>,
    /// Only these actions (comma-separated names).
    #[arg(long, value_delimiter = ',')]
    actions: Vec<String>,
}

impl SelectionArgs {
    /// Loads the content and keeps only the selected scenes and actions.
    fn load(&self, content: &ContentArgs) -> anyhow::Result<Content> {
        let mut loaded = content.load()?;
        loaded.select(&self.scenes, &self.actions).map_err(anyhow::Error::msg)?;
        Ok(loaded)
    }
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum SheetRows {
    Scene,
    Class,
}

#[derive(Args)]
struct TrialArgs {
    /// Attempts per action.
    #[arg(long, default_value_t = 20)]
    attempts: u32,
    #[arg(long, default_value_t = 0)]
    seed: u64,
    #[command(flatten)]
    selection: SelectionArgs,
    /// Fail if an action's pass rate is below this fraction.
    #[arg(long, default_value_t = 0.0)]
    min_pass_rate: f64,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    content: ContentArgs,
    #[command(flatten)]
    video: VideoArgs,
}

#[derive(Args)]
struct AuditArgs {
    /// A finished dataset directory (or use --catalogue).
    #[arg(required_unless_present = "catalogue", conflicts_with = "catalogue")]
    dir: Option<PathBuf>,
    /// Audit the content instead: clips planned as `generate` plans them (sampled, simulated and
    /// verified; not rendered).
    #[arg(long)]
    catalogue: bool,
    /// With --catalogue: clips per class.
    #[arg(long, default_value_t = 100, requires = "catalogue")]
    clips_per_class: u32,
    /// With --catalogue: the dataset seed [default: the configuration's, else 0].
    #[arg(long, requires = "catalogue")]
    seed: Option<u64>,
    /// With --catalogue: a dataset configuration (datasets/*.ron) whose actions, scenes, seed and
    /// video settings to use; flags override them.
    #[arg(long, requires = "catalogue")]
    config: Option<PathBuf>,
    /// Also score these actions as a group, written NAME=action,action[,...]; repeatable.
    #[arg(long = "group", value_name = "NAME=A,B")]
    groups: Vec<String>,
    /// Fail when a group's first frame tells its classes apart better than chance by more than
    /// this many percentage points (the lower end of the 95% interval).
    #[arg(long, value_name = "POINTS")]
    max_leak: Option<f64>,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    selection: SelectionArgs,
    #[command(flatten)]
    content: ContentArgs,
    #[command(flatten)]
    video: VideoArgs,
}

#[derive(Args)]
struct MergeArgs {
    /// Shard output directories.
    #[arg(required = true)]
    shards: Vec<PathBuf>,
    /// The merged dataset directory.
    #[arg(long)]
    out: PathBuf,
}

#[derive(Args)]
struct RerenderArgs {
    /// label.json files (or clip directories holding one).
    #[arg(required = true)]
    labels: Vec<PathBuf>,
    /// Output directory; each clip is written under its id.
    #[arg(long)]
    out: PathBuf,
}

#[derive(Args, Clone)]
struct ContentArgs {
    /// Directory of scene files (*.ron) [default: see --content].
    #[arg(long)]
    scenes_dir: Option<PathBuf>,
    /// Directory of action files (*.ron) [default: see --content].
    #[arg(long)]
    actions_dir: Option<PathBuf>,
    /// The object library file [default: see --content].
    #[arg(long)]
    objects: Option<PathBuf>,
    /// A folder holding scenes/, actions/ and assets/objects.ron. Each part not given by its own
    /// flag comes from here, else from the current directory's scenes/, actions/ and
    /// assets/objects.ron, else from the built-in content.
    #[arg(long, value_name = "DIR")]
    content: Option<PathBuf>,
}

impl ContentArgs {
    /// Where each part of the content comes from.
    fn paths(&self) -> anyhow::Result<ContentPaths> {
        let flags = [self.scenes_dir.as_deref(), self.actions_dir.as_deref(), self.objects.as_deref()];
        let cwd = std::env::current_dir().context("reading the current directory")?;
        ContentPaths::resolve(flags, self.content.as_deref(), &cwd).map_err(anyhow::Error::msg)
    }

    fn load(&self) -> anyhow::Result<Content> {
        let paths = self.paths()?;
        Ok(Content::load(&paths.scenes, &paths.actions, &paths.objects)?)
    }
}

/// Video settings; each overrides the dataset configuration, which overrides the defaults
/// (224x224, 12 fps, 36 frames, 10 physics steps per frame).
#[derive(Args, Clone)]
struct VideoArgs {
    /// Frame width in pixels [default: 224].
    #[arg(long)]
    width: Option<u32>,
    /// Frame height in pixels [default: 224].
    #[arg(long)]
    height: Option<u32>,
    /// Frames per second [default: 12].
    #[arg(long)]
    fps: Option<u32>,
    /// Frames per clip [default: 36, or the configuration's duration_s times fps].
    #[arg(long)]
    frames: Option<u32>,
    /// Fixed physics steps per video frame [default: 10].
    #[arg(long)]
    physics_steps_per_frame: Option<u32>,
}

impl VideoArgs {
    fn video(&self, config: &DatasetConfigDef) -> anyhow::Result<VideoSpec> {
        let defaults = VideoSpec::default();
        let fps = self.fps.or(config.fps).unwrap_or(defaults.fps);
        let from_duration = config.duration_s.map(|seconds| (seconds * fps as f32).round() as u32);
        let video = VideoSpec {
            width: self.width.or(config.width).unwrap_or(defaults.width),
            height: self.height.or(config.height).unwrap_or(defaults.height),
            fps,
            frames: self.frames.or(from_duration).unwrap_or(defaults.frames),
            physics_steps_per_frame: self.physics_steps_per_frame.unwrap_or(defaults.physics_steps_per_frame),
        };
        video.check().map_err(|message| anyhow::anyhow!("video settings: {message}"))?;
        Ok(video)
    }
}

#[derive(Args)]
struct GenerateArgs {
    /// Output directory; finished clips already there are kept and skipped.
    #[arg(long)]
    out: PathBuf,
    /// A dataset configuration (RON, see datasets/); the flags below override its fields.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Number of clips [default: the configuration's clips_per_class times the actions, else 12].
    #[arg(long)]
    clips: Option<u64>,
    /// Dataset seed [default: 0].
    #[arg(long)]
    seed: Option<u64>,
    /// Index of the first clip (render clips start .. start+clips).
    #[arg(long, default_value_t = 0)]
    start: u64,
    /// Sampling attempts per clip before giving up [default: 20].
    #[arg(long)]
    max_attempts: Option<u32>,
    /// Only these scenes (comma-separated names) [default: the configuration's, else all].
    #[arg(long, value_delimiter = ',')]
    scenes: Vec<String>,
    /// Only these actions (comma-separated names) [default: the configuration's, else all].
    #[arg(long, value_delimiter = ',')]
    actions: Vec<String>,
    /// Also write video files per clip: mp4 (H.264), webm (VP9), or both, comma-separated.
    /// Needs ffmpeg.
    #[arg(long = "video", value_delimiter = ',')]
    video_formats: Vec<String>,
    /// With --video: delete the JPEG frames once the videos are written.
    #[arg(long)]
    no_frames: bool,
    /// Dense annotations beyond the poses, boxes and events every clip gets: masks (instance
    /// ids, masks/*.png) and/or depth (millimetres, depth/*.png), comma-separated.
    #[arg(long, value_delimiter = ',')]
    annotations: Vec<String>,
    /// Also pack the dataset into WebDataset tar shards (DIR/webdataset/{split}-NNNNNN.tar).
    #[arg(long)]
    webdataset: bool,
    /// Clips rendered in parallel, each by its own renderer (default: one per core).
    #[arg(long)]
    workers: Option<usize>,
    /// Render only shard I of N (clip indices i with i % N == I). Without it, taken from
    /// SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT or JOB_COMPLETION_INDEX/JOB_COMPLETIONS.
    #[arg(long, value_name = "I/N")]
    shard: Option<String>,
    /// Print nothing but errors.
    #[arg(long)]
    quiet: bool,
    /// Report progress as JSON lines (one per clip, then a summary), for cluster logs.
    #[arg(long, conflicts_with = "quiet")]
    json: bool,
    #[command(flatten)]
    content: ContentArgs,
    #[command(flatten)]
    video: VideoArgs,
}

#[derive(Args)]
struct BenchArgs {
    /// Clips to render.
    #[arg(long, default_value_t = 8)]
    clips: u64,
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Where to write the clips (default: a fresh temporary directory, deleted afterwards).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Clips rendered in parallel (default: one per core).
    #[arg(long)]
    workers: Option<usize>,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
    /// Also render and write masks and/or depth (comma-separated), to measure their cost.
    #[arg(long, value_delimiter = ',')]
    annotations: Vec<String>,
    #[command(flatten)]
    content: ContentArgs,
    #[command(flatten)]
    video: VideoArgs,
}

/// Runs the command line: parses the arguments, runs the command, prints an error if it fails.
pub fn main() -> ExitCode {
    quiet_headless_warnings();
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Validate(args) => {
            println!("{}", args.paths()?);
            let content = args.load()?;
            println!(
                "ok: {} scene(s), {} action(s), {} object kind(s)",
                content.scenes.len(),
                content.actions.len(),
                content.objects.def.kinds.len()
            );
            Ok(())
        }
        Command::List(args) => {
            let content = args.load()?;
            println!("{}", args.paths()?);
            println!("scenes:");
            for scene in &content.scenes {
                println!("  {:<24} {}", scene.def.name, scene.def.description);
            }
            println!("actions:");
            for action in &content.actions {
                println!("  {:<24} {:>3}  {}", action.def.name, action.def.class_index, action.def.template);
            }
            println!("first-frame groups:");
            for group in &content.groups {
                println!("  {:<24} {}", group.def.name, group.def.members.join(", "));
            }
            Ok(())
        }
        Command::Generate(args) => {
            let mut content = args.content.load()?;
            let config = match &args.config {
                Some(path) => load_dataset_config(path, &content)?.def,
                None => DatasetConfigDef::default(),
            };
            let video = args.video.video(&config)?;
            let pick = |flag: &Vec<String>, configured: &Vec<String>| {
                if flag.is_empty() { configured.clone() } else { flag.clone() }
            };
            content
                .select(&pick(&args.scenes, &config.scenes), &pick(&args.actions, &config.actions))
                .map_err(anyhow::Error::msg)?;
            let clips = match (args.clips, config.clips_per_class) {
                (Some(clips), _) => clips,
                (None, Some(per_class)) => {
                    per_class.checked_mul(content.actions.len() as u64).context("clips_per_class is too large")?
                }
                (None, None) => 12,
            };
            if clips == 0 {
                bail!("--clips must be at least 1");
            }
            if args.start.checked_add(clips).is_none() {
                bail!("--start plus --clips overflows");
            }
            let split_rule = SplitRule {
                train_percent: config.train_percent.unwrap_or(SplitRule::default().train_percent),
                validation_percent: config.validation_percent.unwrap_or(SplitRule::default().validation_percent),
            };
            let options = GenerateOptions {
                out: args.out.clone(),
                seed: args.seed.or(config.seed).unwrap_or(0),
                start: args.start,
                clips,
                video,
                max_attempts: args.max_attempts.or(config.max_attempts).unwrap_or(DEFAULT_MAX_ATTEMPTS),
                workers: resolve_workers(args.workers)?,
                shard: resolve_shard(args.shard.as_deref(), |name| std::env::var(name).ok())?,
                split_rule,
                video_output: video_output(
                    &args.video_formats,
                    &config.videos,
                    args.no_frames,
                    config.keep_frames,
                    if args.annotations.is_empty() { &config.annotations } else { &args.annotations },
                )?,
                webdataset: args.webdataset || config.webdataset.unwrap_or(false),
            };
            let mode = if args.quiet {
                ReportMode::Quiet
            } else if args.json {
                ReportMode::JsonLines
            } else if std::io::IsTerminal::is_terminal(&std::io::stdout()) {
                ReportMode::Bar
            } else {
                ReportMode::Lines
            };
            let total = (options.start..options.start + options.clips).filter(|i| options.shard.owns(*i)).count();
            let mut reporter = Reporter::new(mode, total as u64);
            let summary = generate(&content, &options, |event| reporter.clip(event))
                .with_context(|| format!("generating into {}", args.out.display()))?;
            reporter.finish(&summary, &args.out);
            Ok(())
        }
        Command::Rerender(args) => {
            let labels = args
                .labels
                .iter()
                .map(|path| {
                    let path = if path.is_dir() { path.join("label.json") } else { path.clone() };
                    let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
                    serde_json::from_slice::<ClipLabel>(&bytes)
                        .with_context(|| format!("{} is not a synthact label.json", path.display()))
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            rerender(&labels, &args.out).with_context(|| format!("rendering into {}", args.out.display()))?;
            println!("rendered {} clip(s) into {}", labels.len(), args.out.display());
            Ok(())
        }
        Command::Merge(args) => {
            let copied =
                merge(&args.shards, &args.out).with_context(|| format!("merging into {}", args.out.display()))?;
            let total = crate::output::collect_labels(&args.out)?.len();
            println!("merged {copied} new clip(s); {} now holds {total} clip(s) and its manifests", args.out.display());
            Ok(())
        }
        Command::Preview(args) => {
            let video = args.video.video(&DatasetConfigDef::default())?;
            let paths = args.content.paths()?;
            if paths.all_embedded() {
                println!(
                    "{paths}: built into this binary, so there is nothing to hot-reload; run in a folder with scenes/ and actions/, or pass --content DIR, to edit content while previewing"
                );
            }
            let options = preview::PreviewOptions {
                scenes_dir: paths.scenes,
                actions_dir: paths.actions,
                objects: paths.objects,
                scene: args.scene,
                action: args.action,
                seed: args.seed,
                index: args.index,
                video,
                scale: args.scale.clamp(1, 8),
                overlays: !args.no_overlays,
                exit_after: args.exit_after,
                screenshot: args.screenshot,
                save_frame: args.save_frame.zip(args.frame_out),
            };
            let preview = preview::Preview::new(options)?;
            if let AppExit::Error(code) = preview::run_window(preview) {
                bail!("the preview window failed (exit code {code})");
            }
            Ok(())
        }
        Command::Sheet(args) => {
            let content = args.selection.load(&args.content)?;
            if !(16..=1024).contains(&args.size) || args.samples == 0 {
                anyhow::bail!("--size must be 16 to 1024 pixels and --samples at least 1");
            }
            let options = sheet::SheetOptions {
                rows_by: match args.by {
                    SheetRows::Scene => sheet::RowsBy::Scene,
                    SheetRows::Class => sheet::RowsBy::Class,
                },
                samples: args.samples,
                frame_size: args.size,
                seed: args.seed,
            };
            let sheet = sheet::contact_sheet(&content, options)?;
            sheet.save(&args.out).map_err(|e| anyhow::anyhow!("cannot write {}: {e}", args.out.display()))?;
            println!("wrote {} ({}x{})", args.out.display(), sheet.width(), sheet.height());
            Ok(())
        }
        Command::Audit(args) => audit(args),
        Command::Trial(args) => {
            let video = args.video.video(&DatasetConfigDef::default())?;
            let content = args.selection.load(&args.content)?;
            let report = trial::trial(&content, args.seed, args.attempts.max(1), video)?;
            if args.json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                for action in &report {
                    let scenes: Vec<String> = action
                        .by_scene
                        .iter()
                        .map(|(name, (tried, passed))| format!("{name} {passed}/{tried}"))
                        .collect();
                    println!(
                        "{:<24} {:>3}/{:<3} passed ({:>3.0}%)  {}",
                        action.action,
                        action.passed,
                        action.attempts,
                        action.pass_rate() * 100.0,
                        scenes.join(", ")
                    );
                    for (condition, (count, measured)) in &action.failures {
                        println!("    {count:>3} x {condition}  (last: {measured})");
                    }
                }
            }
            let weak: Vec<&str> =
                report.iter().filter(|a| a.pass_rate() < args.min_pass_rate).map(|a| a.action.as_str()).collect();
            if !weak.is_empty() {
                anyhow::bail!("pass rate below {} for: {}", args.min_pass_rate, weak.join(", "));
            }
            Ok(())
        }
        Command::Bench(args) => {
            let video = args.video.video(&DatasetConfigDef::default())?;
            let content = args.content.load()?;
            let temp;
            let out = match &args.out {
                Some(out) => out.clone(),
                None => {
                    temp = TempDir::new("synthact-bench")?;
                    temp.path.clone()
                }
            };
            let workers = resolve_workers(args.workers)?;
            let output = video_output(&[], &[], false, None, &args.annotations)?;
            let report = run_benchmark(&content, &out, args.clips.max(1), video, args.seed, workers, output)?;
            if args.json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                println!(
                    "clips: {}  frames: {}  size: {}x{}  workers: {}",
                    report.clips, report.frames, report.width, report.height, report.workers
                );
                print_device("renderer:", &report.renderer);
                println!("end to end: {:.1} frames/s ({:.1} s wall)", report.end_to_end_fps, report.wall_s);
                println!("render + readback: {:.1} ms/frame", report.render_ms_per_frame);
                println!(
                    "per-clip overhead: {:.0} ms ({:.1}% of a clip's time; planning {:.0} ms); start-up {:.0} ms",
                    report.overhead_ms_per_clip,
                    report.overhead_fraction * 100.0,
                    report.planning_ms_per_clip,
                    report.startup_ms
                );
            }
            Ok(())
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum ReportMode {
    /// A progress bar (stdout is a terminal).
    Bar,
    /// One line per clip (stdout is a file or a pipe).
    Lines,
    JsonLines,
    Quiet,
}

/// Shows a run's progress and its summary, as the mode asks.
struct Reporter {
    mode: ReportMode,
    bar: Option<indicatif::ProgressBar>,
    rejected: u64,
}

impl Reporter {
    fn new(mode: ReportMode, total: u64) -> Reporter {
        let bar = (mode == ReportMode::Bar).then(|| {
            let bar = indicatif::ProgressBar::new(total);
            let style =
                indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} clips  {per_sec}  ETA {eta}  {msg}")
                    .expect("a valid progress template");
            bar.set_style(style);
            bar
        });
        Reporter { mode, bar, rejected: 0 }
    }

    fn clip(&mut self, event: Progress) {
        let (clip_index, label) = match event {
            Progress::Skipped { clip_index } => (clip_index, None),
            Progress::Written { clip_index, label } => (clip_index, Some(label)),
        };
        if let Some(label) = label {
            self.rejected += u64::from(label.attempts - 1);
        }
        match (self.mode, label) {
            (ReportMode::Quiet, _) => {}
            (ReportMode::Bar, _) => {
                let bar = self.bar.as_ref().expect("bar mode has a bar");
                bar.set_message(format!("{} rejected attempts", self.rejected));
                bar.inc(1);
            }
            (ReportMode::Lines, None) => println!("{clip_index:06} already done, skipped"),
            (ReportMode::Lines, Some(label)) => println!(
                "{} {} [{}] ({} attempt{})",
                label.id,
                label.label,
                label.scene,
                label.attempts,
                if label.attempts == 1 { "" } else { "s" }
            ),
            (ReportMode::JsonLines, None) => {
                println!("{}", serde_json::json!({"event": "skipped", "clip_index": clip_index}))
            }
            (ReportMode::JsonLines, Some(label)) => println!(
                "{}",
                serde_json::json!({
                    "event": "clip", "clip_index": clip_index, "id": label.id, "label": label.label,
                    "class_index": label.class_index, "scene": label.scene, "attempts": label.attempts,
                })
            ),
        }
    }

    fn finish(self, summary: &Summary, out: &std::path::Path) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        let per_class: Vec<serde_json::Value> = summary
            .per_action
            .iter()
            .map(|(action, class)| {
                serde_json::json!({
                    "action": action, "clips": class.clips, "attempts": class.attempts,
                    "acceptance_rate": class.clips as f64 / class.attempts.max(1) as f64,
                })
            })
            .collect();
        match self.mode {
            ReportMode::Quiet => {}
            ReportMode::JsonLines => println!(
                "{}",
                serde_json::json!({
                    "event": "summary", "written": summary.written, "skipped": summary.skipped,
                    "frames": summary.frames, "seconds": summary.wall.as_secs_f64(),
                    "frames_per_second": summary.frames_per_second(), "per_action": per_class,
                    "renderer": summary.renderer,
                })
            ),
            ReportMode::Bar | ReportMode::Lines => {
                println!(
                    "wrote {} clip(s), skipped {}, {} frames in {:.1} s ({:.1} frames/s) into {}",
                    summary.written,
                    summary.skipped,
                    summary.frames,
                    summary.wall.as_secs_f64(),
                    summary.frames_per_second(),
                    out.display()
                );
                if let Some(renderer) = &summary.renderer {
                    print_device("rendered on", renderer);
                }
                for (action, class) in &summary.per_action {
                    println!(
                        "  {action:<24} {:>5} clips  {:>5} attempts  {:>5.1}% accepted",
                        class.clips,
                        class.attempts,
                        100.0 * class.clips as f64 / class.attempts.max(1) as f64
                    );
                }
            }
        }
    }
}

/// Prints the device clips were rendered on, and a note when a faster driver exists for it.
fn print_device(prefix: &str, device: &str) {
    println!("{prefix} {device}");
    if let Some(hint) = crate::capture::slow_driver_hint(device) {
        println!("note: {hint}");
    }
}

/// Which videos to write: the flag's formats, else the configuration's.
fn video_output(
    flag: &[String],
    configured: &[String],
    no_frames: bool,
    keep_frames: Option<bool>,
    annotations: &[String],
) -> anyhow::Result<VideoOutput> {
    let names = if flag.is_empty() { configured } else { flag };
    let mut formats = names
        .iter()
        .map(|name| VideoFormat::parse(name).with_context(|| format!("unknown video format {name:?}; use mp4 or webm")))
        .collect::<anyhow::Result<Vec<_>>>()?;
    formats.sort();
    formats.dedup();
    let keep_frames = !no_frames && keep_frames.unwrap_or(true);
    if !keep_frames && formats.is_empty() {
        bail!("--no-frames needs --video: a clip must keep its frames or have a video");
    }
    let (mut masks, mut depth) = (false, false);
    for name in annotations {
        match parse_annotation(name) {
            Some(Some(AnnotationImage::Masks)) => masks = true,
            Some(Some(AnnotationImage::Depth)) => depth = true,
            Some(None) => {}
            None => bail!("unknown annotation {name:?}; {ANNOTATION_CHOICES}"),
        }
    }
    Ok(VideoOutput { formats, keep_frames, masks, depth })
}

/// The shard to render: `--shard I/N`, else the array index a cluster scheduler gives the task
/// (Slurm job arrays, Kubernetes Indexed Jobs), else the whole dataset.
fn resolve_shard(flag: Option<&str>, env: impl Fn(&str) -> Option<String>) -> anyhow::Result<Shard> {
    let parse = |value: &str, what: &str| -> anyhow::Result<u64> {
        value.trim().parse().with_context(|| format!("{what} must be a whole number, got {value:?}"))
    };
    let shard = if let Some(flag) = flag {
        let (index, count) =
            flag.split_once('/').with_context(|| format!("--shard takes I/N, such as 0/4, got {flag:?}"))?;
        Shard { index: parse(index, "--shard's I")?, count: parse(count, "--shard's N")? }
    } else if let (Some(id), Some(count)) = (env("SLURM_ARRAY_TASK_ID"), env("SLURM_ARRAY_TASK_COUNT")) {
        let min = env("SLURM_ARRAY_TASK_MIN").map(|m| parse(&m, "SLURM_ARRAY_TASK_MIN")).transpose()?.unwrap_or(0);
        let id = parse(&id, "SLURM_ARRAY_TASK_ID")?;
        Shard {
            index: id.checked_sub(min).context("SLURM_ARRAY_TASK_ID is below SLURM_ARRAY_TASK_MIN")?,
            count: parse(&count, "SLURM_ARRAY_TASK_COUNT")?,
        }
    } else if let Some(index) = env("JOB_COMPLETION_INDEX") {
        let count = env("JOB_COMPLETIONS")
            .context("JOB_COMPLETION_INDEX is set but JOB_COMPLETIONS is not: set it to the Job's completions")?;
        Shard { index: parse(&index, "JOB_COMPLETION_INDEX")?, count: parse(&count, "JOB_COMPLETIONS")? }
    } else {
        Shard::default()
    };
    if shard.count == 0 || shard.index >= shard.count {
        bail!("shard {}/{} does not exist: the index must be below the count", shard.index, shard.count);
    }
    Ok(shard)
}

/// `synthact audit`: reads the dataset or plans the catalogue, prints the report, and fails past
/// --max-leak.
fn audit(args: AuditArgs) -> anyhow::Result<()> {
    if let Some(points) = args.max_leak
        && !(points.is_finite() && points >= 0.0)
    {
        bail!("--max-leak must be a number of percentage points, 0 or more");
    }
    let mut groups: Vec<Group> = args.groups.iter().map(|text| Group::parse(text)).collect::<Result<_, _>>()?;
    let report = match &args.dir {
        Some(dir) => {
            // The content's groups, when its files load; a dataset can be audited without them,
            // but the user is told why its groups are missing.
            match args.content.load() {
                Ok(content) => {
                    groups.splice(0..0, Group::of_content(&content));
                }
                Err(error) => eprintln!("note: no first-frame groups from the content, which did not load:\n{error}"),
            }
            let clips = read_dataset(dir)?;
            crate::audit::audit(dir.display().to_string(), &clips, &groups, Default::default())
        }
        None => {
            let mut content = args.content.load()?;
            let config = match &args.config {
                Some(path) => load_dataset_config(path, &content)?.def,
                None => DatasetConfigDef::default(),
            };
            let pick =
                |flag: &Vec<String>, file: &Vec<String>| if flag.is_empty() { file.clone() } else { flag.clone() };
            content
                .select(&pick(&args.selection.scenes, &config.scenes), &pick(&args.selection.actions, &config.actions))
                .map_err(anyhow::Error::msg)?;
            groups.splice(0..0, Group::of_content(&content));
            let (seed, video) = (args.seed.or(config.seed).unwrap_or(0), args.video.video(&config)?);
            let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
            let catalogue = plan_catalogue(&content, seed, args.clips_per_class.max(1), video, threads)?;
            let source = format!("the catalogue ({} clips a class, seed {seed})", args.clips_per_class.max(1));
            crate::audit::audit(source, &catalogue.clips, &groups, catalogue.unverifiable)
        }
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{report}");
    }
    if let Some(points) = args.max_leak {
        let leaking: Vec<String> = report
            .leaking(points)
            .iter()
            .map(|g| format!("{} ({:+.1} points)", g.group, g.leak_points().unwrap_or_default()))
            .collect();
        if !leaking.is_empty() {
            bail!(
                "the first frame tells these groups' classes apart (more than {points} points above chance): {}",
                leaking.join(", ")
            );
        }
    }
    Ok(())
}

/// Mesa's window-system code complains on every start when `XDG_RUNTIME_DIR` is unset, as on a
/// headless server; we never open a window, so point it at the temporary directory.
fn quiet_headless_warnings() {
    if std::env::var_os("XDG_RUNTIME_DIR").is_none() {
        // SAFETY: the first thing main does, while the process has a single thread.
        unsafe { std::env::set_var("XDG_RUNTIME_DIR", std::env::temp_dir()) };
    }
}

/// The worker count: as asked, or one per core. Several workers share the cores between them, so
/// each is told to rasterize on one thread (Mesa's `LP_NUM_THREADS`) unless the user set it.
fn resolve_workers(asked: Option<usize>) -> anyhow::Result<usize> {
    let workers = match asked {
        Some(0) => bail!("--workers must be at least 1"),
        Some(n) => n,
        None => std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
    };
    if workers > 1 && std::env::var_os("LP_NUM_THREADS").is_none() {
        // SAFETY: called while the process has a single thread, before any renderer or writer
        // thread exists, so no other thread can be reading the environment.
        unsafe { std::env::set_var("LP_NUM_THREADS", "1") };
    }
    Ok(workers)
}

/// A temporary directory removed on drop (the benchmark's default output).
struct TempDir {
    path: PathBuf,
}

impl TempDir {
    fn new(prefix: &str) -> anyhow::Result<TempDir> {
        let path = std::env::temp_dir().join(format!("{prefix}-{}", std::process::id()));
        std::fs::create_dir_all(&path).with_context(|| format!("creating {}", path.display()))?;
        Ok(TempDir { path })
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |name| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    }

    #[test]
    fn shard_comes_from_the_flag_then_slurm_then_kubernetes() {
        let none = env_of(&[]);
        assert_eq!(resolve_shard(None, &none).unwrap(), Shard { index: 0, count: 1 });
        assert_eq!(resolve_shard(Some("2/5"), &none).unwrap(), Shard { index: 2, count: 5 });
        let slurm =
            env_of(&[("SLURM_ARRAY_TASK_ID", "4"), ("SLURM_ARRAY_TASK_COUNT", "3"), ("SLURM_ARRAY_TASK_MIN", "2")]);
        assert_eq!(resolve_shard(None, &slurm).unwrap(), Shard { index: 2, count: 3 });
        assert_eq!(resolve_shard(Some("0/2"), &slurm).unwrap(), Shard { index: 0, count: 2 }, "the flag wins");
        let k8s = env_of(&[("JOB_COMPLETION_INDEX", "1"), ("JOB_COMPLETIONS", "4")]);
        assert_eq!(resolve_shard(None, &k8s).unwrap(), Shard { index: 1, count: 4 });
        assert!(resolve_shard(None, env_of(&[("JOB_COMPLETION_INDEX", "1")])).is_err());
        assert!(resolve_shard(Some("3/3"), &none).is_err());
        assert!(resolve_shard(Some("1-3"), &none).unwrap_err().to_string().contains("I/N"));
    }
}
