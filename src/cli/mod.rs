//! The front ends: the `synthact` command line and what its commands drive. Each command only
//! drives the stages (plan, dataset, capture, output): the batch through [`crate::dataset`],
//! [`bench`] to measure it, [`trial`] to tune action scripts without rendering, [`sheet`] for a
//! contact sheet, [`preview`] for a window that plays one clip while its files are edited.
//!
//! Arguments become one validated options struct before any work starts; content is loaded and
//! validated before the output directory is touched, so bad input writes nothing.

pub mod bench;
mod options;
pub mod preview;
mod progress;
pub mod sheet;
pub mod trial;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use bevy::app::AppExit;
use clap::{Args, Parser, Subcommand};

use crate::audit::{Group, plan_catalogue, read_dataset};
use crate::content::{DatasetConfigDef, load_dataset_config};
use crate::dataset::{generate, merge, rerender};
use crate::output::{ClipLabel, LabelError};
use bench::run_benchmark;
use options::{ContentArgs, GenerateArgs, SelectionArgs, VideoArgs, layered, video_output};
use progress::Reporter;

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

#[derive(Clone, Copy, clap::ValueEnum)]
enum SheetRows {
    Scene,
    Class,
    /// One row per object kind, its clips those where it plays a role.
    Kind,
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
            eprintln!("error: {}", error_text(&error));
            ExitCode::FAILURE
        }
    }
}

/// An error with its causes, each said once: an error whose message already quotes its cause
/// (as "cannot write x: File exists") is not followed by that cause again.
fn error_text(error: &anyhow::Error) -> String {
    let mut text = error.to_string();
    for cause in error.chain().skip(1).map(|cause| cause.to_string()) {
        if !text.contains(&cause) {
            text = format!("{text}: {cause}");
        }
    }
    text
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let renders = matches!(
        cli.command,
        Command::Generate(_) | Command::Bench(_) | Command::Rerender(_) | Command::Sheet(_) | Command::Preview(_)
    );
    if renders && let Some(problem) = crate::capture::vulkan_driver_problem() {
        bail!("{problem}");
    }
    match cli.command {
        Command::Validate(args) => validate(args),
        Command::List(args) => list(args),
        Command::Generate(args) => generate_dataset(args),
        Command::Rerender(args) => rerender_labels(args),
        Command::Merge(args) => merge_shards(args),
        Command::Preview(args) => preview_window(args),
        Command::Sheet(args) => contact_sheet(args),
        Command::Audit(args) => audit(args),
        Command::Trial(args) => trial_actions(args),
        Command::Bench(args) => bench(args),
    }
}

/// `synthact validate`: loads the content, says where from and how much, and which scenes
/// cannot stage which actions.
fn validate(args: ContentArgs) -> anyhow::Result<()> {
    println!("{}", args.paths()?);
    let content = args.load()?;
    let (scenes, actions, kinds) = (content.scenes.len(), content.actions.len(), content.objects.def.kinds.len());
    println!("ok: {scenes} scene(s), {actions} action(s), {kinds} object kind(s)");
    report_staging(&content)
}

/// Prints every (scene, action) pair left out of the rotation; an action that no scene can stage
/// is an error, since every clip of it would fail verification.
fn report_staging(content: &crate::content::Content) -> anyhow::Result<()> {
    let (video, attempts) = (crate::spec::VideoSpec::default(), crate::plan::DEFAULT_MAX_ATTEMPTS);
    let mut nowhere = Vec::new();
    let mut left_out = 0;
    for action in &content.actions {
        let staging = crate::plan::staging::staging(content, action, video, attempts);
        for unstaged in &staging.unstaged {
            println!("not staged: `{}` in scene `{}`: {}", action.def.name, unstaged.scene, unstaged.reason);
            left_out += 1;
        }
        if staging.nowhere {
            nowhere.push(action.def.name.clone());
        }
    }
    if !nowhere.is_empty() {
        anyhow::bail!("no scene can stage {}: every staging attempt failed in every scene", nowhere.join(", "));
    }
    match left_out {
        0 => {
            println!("staged: every action passes in every scene with its object kinds ({attempts} attempts per pair)")
        }
        n => println!("staged: {n} (scene, action) pair(s) left out; their actions' clips use the other scenes"),
    }
    Ok(())
}

/// `synthact list`: the scenes, the actions with their templates, the first-frame groups.
fn list(args: ContentArgs) -> anyhow::Result<()> {
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

/// `synthact generate`: resolves the options, renders the clips, reports progress and a summary.
fn generate_dataset(args: GenerateArgs) -> anyhow::Result<()> {
    let content = args.content.load()?;
    let config = match &args.config {
        Some(path) => load_dataset_config(path, &content)?.def,
        None => DatasetConfigDef::default(),
    };
    let (content, options) = args.resolve(content, &config, options::cores(), |name| std::env::var(name).ok())?;
    options::share_cores(options.workers);
    let total = (options.start..options.start + options.clips).filter(|i| options.shard.owns(*i)).count();
    let mut reporter = Reporter::new(progress::report_mode(args.quiet, args.json), total as u64);
    let summary = generate(&content, &options, |event| reporter.clip(event))
        .with_context(|| format!("generating into {}", args.out.display()))?;
    reporter.finish(&summary, &args.out);
    Ok(())
}

/// `synthact rerender`: the clips of the given labels again, from the labels alone.
fn rerender_labels(args: RerenderArgs) -> anyhow::Result<()> {
    let labels = args
        .labels
        .iter()
        .map(|path| {
            let path = if path.is_dir() { path.join("label.json") } else { path.clone() };
            let label = ClipLabel::read_file(&path)?;
            // Another spec version simulates or draws differently: it would not reproduce the clip.
            if label.spec.spec_version != crate::spec::SPEC_VERSION {
                let version = label.spec.spec_version;
                bail!(
                    "{}: field `spec.spec_version`: its spec has version {version}, this synthact re-renders version {}",
                    path.display(),
                    crate::spec::SPEC_VERSION
                );
            }
            check_mesh_files(&path, &label)?;
            Ok(label)
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    rerender(&labels, &args.out).with_context(|| format!("rendering into {}", args.out.display()))?;
    println!("rendered {} clip(s) into {}", labels.len(), args.out.display());
    Ok(())
}

/// A label's mesh files must still hold the bytes it was made with, or the clip would not come
/// back as it was.
fn check_mesh_files(path: &Path, label: &ClipLabel) -> anyhow::Result<()> {
    for (i, object) in label.spec.objects.iter().enumerate() {
        let crate::spec::ShapeSpec::Mesh { path: file, hash, .. } = &object.shape else { continue };
        if let Err(error) = crate::world::mesh_file::get(Path::new(file), hash) {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            let field = format!("spec.objects[{i}].shape.Mesh.path");
            return Err(LabelError::in_field(path, &text, &field, format!("mesh file {file}: {error}")).into());
        }
    }
    Ok(())
}

/// `synthact merge`: the shards' finished clips into one dataset, with its manifests.
fn merge_shards(args: MergeArgs) -> anyhow::Result<()> {
    let copied = merge(&args.shards, &args.out).with_context(|| format!("merging into {}", args.out.display()))?;
    let total = crate::output::collect_labels(&args.out)?.len();
    println!("merged {copied} new clip(s); {} now holds {total} clip(s) and its manifests", args.out.display());
    Ok(())
}

/// `synthact preview`: the window that plays one clip while its files are edited.
fn preview_window(args: PreviewArgs) -> anyhow::Result<()> {
    let video = args.video.video(&DatasetConfigDef::default())?;
    let paths = args.content.paths()?;
    if paths.all_embedded() {
        println!(
            "{paths}: built into this binary, so there is nothing to hot-reload; run in a folder with scenes/ and \
             actions/, or pass --content DIR, to edit content while previewing"
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

/// `synthact sheet`: a labeled contact sheet of sampled clips.
fn contact_sheet(args: SheetArgs) -> anyhow::Result<()> {
    let content = args.selection.load(&args.content)?;
    if !(16..=1024).contains(&args.size) || args.samples == 0 {
        bail!("--size must be 16 to 1024 pixels and --samples at least 1");
    }
    let rows_by = match args.by {
        SheetRows::Scene => sheet::RowsBy::Scene,
        SheetRows::Class => sheet::RowsBy::Class,
        SheetRows::Kind => sheet::RowsBy::Kind,
    };
    let options = sheet::SheetOptions { rows_by, samples: args.samples, frame_size: args.size, seed: args.seed };
    let sheet = sheet::contact_sheet(&content, options)?;
    sheet.save(&args.out).map_err(|e| anyhow::anyhow!("cannot write {}: {e}", args.out.display()))?;
    println!("wrote {} ({}x{})", args.out.display(), sheet.width(), sheet.height());
    Ok(())
}

/// `synthact trial`: pass rates of the actions' first attempts, failing below --min-pass-rate.
fn trial_actions(args: TrialArgs) -> anyhow::Result<()> {
    let video = args.video.video(&DatasetConfigDef::default())?;
    let content = args.selection.load(&args.content)?;
    let report = trial::trial(&content, args.seed, args.attempts.max(1), video)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{report}");
    }
    let weak = report.below(args.min_pass_rate);
    if !weak.is_empty() {
        bail!("pass rate below {} for: {}", args.min_pass_rate, weak.join(", "));
    }
    Ok(())
}

/// `synthact bench`: end-to-end frames per second and per-clip overhead.
fn bench(args: BenchArgs) -> anyhow::Result<()> {
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
    let workers = options::workers(args.workers, options::cores())?;
    options::share_cores(workers);
    let output = video_output(&[], &[], false, None, &args.annotations)?;
    let report = run_benchmark(&content, &out, args.clips.max(1), video, args.seed, workers, output)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{report}");
    }
    Ok(())
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
            args.selection.narrow(&mut content, &config)?;
            groups.splice(0..0, Group::of_content(&content));
            let (seed, video) = (layered(args.seed, config.seed, 0), args.video.video(&config)?);
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
