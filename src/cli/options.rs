//! Options resolved once: each command's flags, over a dataset file's fields where it has one,
//! over the defaults, into one validated options struct before any work starts. Every layer is
//! merged by [`layered`]; enums (video formats, annotations) are parsed by one parser whether they
//! come from a flag or a file.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Args;

use crate::content::{
    ANNOTATION_CHOICES, AnnotationImage, Content, DatasetConfigDef, files::ContentPaths, parse_annotation,
};
use crate::dataset::{GenerateOptions, Shard};
use crate::output::{SplitRule, VideoFormat, VideoOutput};
use crate::plan::DEFAULT_MAX_ATTEMPTS;
use crate::spec::VideoSpec;

/// A setting from its flag, else the dataset file, else the default.
pub(super) fn layered<T>(flag: Option<T>, file: Option<T>, default: T) -> T {
    flag.or(file).unwrap_or(default)
}

/// A list from its flag when given (not empty), else the dataset file's.
fn listed(flag: &[String], file: &[String]) -> Vec<String> {
    if flag.is_empty() { file.to_vec() } else { flag.to_vec() }
}

#[derive(Args, Clone)]
pub(super) struct ContentArgs {
    /// Directory of scene files (*.ron) [default: see --content].
    #[arg(long)]
    pub(super) scenes_dir: Option<PathBuf>,
    /// Directory of action files (*.ron) [default: see --content].
    #[arg(long)]
    pub(super) actions_dir: Option<PathBuf>,
    /// The object library file [default: see --content].
    #[arg(long)]
    pub(super) objects: Option<PathBuf>,
    /// A folder holding scenes/, actions/ and assets/objects.ron. Each part not given by its own
    /// flag comes from here, else from the current directory's scenes/, actions/ and
    /// assets/objects.ron, else from the built-in content.
    #[arg(long, value_name = "DIR")]
    pub(super) content: Option<PathBuf>,
}

impl ContentArgs {
    /// Where each part of the content comes from.
    pub(super) fn paths(&self) -> anyhow::Result<ContentPaths> {
        let flags = [self.scenes_dir.as_deref(), self.actions_dir.as_deref(), self.objects.as_deref()];
        let cwd = std::env::current_dir().context("reading the current directory")?;
        ContentPaths::resolve(flags, self.content.as_deref(), &cwd).map_err(anyhow::Error::msg)
    }

    pub(super) fn load(&self) -> anyhow::Result<Content> {
        let paths = self.paths()?;
        Ok(Content::load(&paths.scenes, &paths.actions, &paths.objects)?)
    }
}

/// Video settings; each overrides the dataset configuration, which overrides the defaults
/// (224x224, 12 fps, 36 frames, 10 physics steps per frame).
#[derive(Args, Clone)]
pub(super) struct VideoArgs {
    /// Frame width in pixels [default: 224].
    #[arg(long)]
    pub(super) width: Option<u32>,
    /// Frame height in pixels [default: 224].
    #[arg(long)]
    pub(super) height: Option<u32>,
    /// Frames per second [default: 12].
    #[arg(long)]
    pub(super) fps: Option<u32>,
    /// Frames per clip [default: 36, or the configuration's duration_s times fps].
    #[arg(long)]
    pub(super) frames: Option<u32>,
    /// Fixed physics steps per video frame [default: 10].
    #[arg(long)]
    pub(super) physics_steps_per_frame: Option<u32>,
}

impl VideoArgs {
    /// The video settings from these flags over `config` (a dataset file's, or the default one
    /// for commands without a file) over the defaults, checked.
    pub(super) fn video(&self, config: &DatasetConfigDef) -> anyhow::Result<VideoSpec> {
        check_flag("--width", self.width, 16..=4096)?;
        check_flag("--height", self.height, 16..=4096)?;
        check_flag("--fps", self.fps, 1..=240)?;
        check_flag("--frames", self.frames, 1..=100_000)?;
        check_flag("--physics-steps-per-frame", self.physics_steps_per_frame, 1..=100)?;
        let defaults = VideoSpec::default();
        let fps = layered(self.fps, config.fps, defaults.fps);
        let from_duration = config.duration_s.map(|seconds| (seconds * fps as f32).round() as u32);
        let video = VideoSpec {
            width: layered(self.width, config.width, defaults.width),
            height: layered(self.height, config.height, defaults.height),
            fps,
            frames: layered(self.frames, from_duration, defaults.frames),
            physics_steps_per_frame: layered(self.physics_steps_per_frame, None, defaults.physics_steps_per_frame),
        };
        video.check().map_err(|message| anyhow::anyhow!("video settings: {message}"))?;
        Ok(video)
    }
}

/// A flag's value, if given, must lie in `range`.
fn check_flag(flag: &str, value: Option<u32>, range: std::ops::RangeInclusive<u32>) -> anyhow::Result<()> {
    match value {
        Some(value) if !range.contains(&value) => {
            bail!("{flag} must be {} to {} (got {value})", range.start(), range.end())
        }
        _ => Ok(()),
    }
}

/// Which of the loaded scenes and actions to use.
#[derive(Args, Clone)]
pub(super) struct SelectionArgs {
    /// Only these scenes (comma-separated names).
    #[arg(long, value_delimiter = ',')]
    pub(super) scenes: Vec<String>,
    /// Only these actions (comma-separated names).
    #[arg(long, value_delimiter = ',')]
    pub(super) actions: Vec<String>,
}

impl SelectionArgs {
    /// Loads the content and keeps only the selected scenes and actions.
    /// Keeps the selected scenes and actions, else those of the dataset file `config`.
    pub(super) fn narrow(&self, content: &mut Content, config: &DatasetConfigDef) -> anyhow::Result<()> {
        let (scenes, actions) = (listed(&self.scenes, &config.scenes), listed(&self.actions, &config.actions));
        content.select(&scenes, &actions).map_err(anyhow::Error::msg)
    }

    pub(super) fn load(&self, content: &ContentArgs) -> anyhow::Result<Content> {
        let mut loaded = content.load()?;
        loaded.select(&self.scenes, &self.actions).map_err(anyhow::Error::msg)?;
        Ok(loaded)
    }
}

#[derive(Args)]
pub(super) struct GenerateArgs {
    /// Output directory; finished clips already there are kept and skipped.
    #[arg(long)]
    pub(super) out: PathBuf,
    /// A dataset configuration (RON, see datasets/); the flags below override its fields.
    #[arg(long)]
    pub(super) config: Option<PathBuf>,
    /// Number of clips [default: the configuration's clips_per_class times the actions, else 12].
    #[arg(long)]
    pub(super) clips: Option<u64>,
    /// Dataset seed [default: 0].
    #[arg(long)]
    pub(super) seed: Option<u64>,
    /// Index of the first clip (render clips start .. start+clips).
    #[arg(long, default_value_t = 0)]
    pub(super) start: u64,
    /// Sampling attempts per clip before giving up [default: 20].
    #[arg(long)]
    pub(super) max_attempts: Option<u32>,
    /// Only these scenes (comma-separated names) [default: the configuration's, else all].
    #[arg(long, value_delimiter = ',')]
    pub(super) scenes: Vec<String>,
    /// Only these actions (comma-separated names) [default: the configuration's, else all].
    #[arg(long, value_delimiter = ',')]
    pub(super) actions: Vec<String>,
    /// Also write video files per clip: mp4 (H.264), webm (VP9), or both, comma-separated.
    /// Needs ffmpeg.
    #[arg(long = "video", value_delimiter = ',')]
    pub(super) video_formats: Vec<String>,
    /// With --video: delete the JPEG frames once the videos are written.
    #[arg(long)]
    pub(super) no_frames: bool,
    /// Dense annotations beyond the poses, boxes and events every clip gets: masks (instance
    /// ids, masks/*.png) and/or depth (millimetres, depth/*.png), comma-separated.
    #[arg(long, value_delimiter = ',')]
    pub(super) annotations: Vec<String>,
    /// Also pack the dataset into WebDataset tar shards (DIR/webdataset/{split}-NNNNNN.tar).
    #[arg(long)]
    pub(super) webdataset: bool,
    /// Clips rendered in parallel, each by its own renderer (default: one per core).
    #[arg(long)]
    pub(super) workers: Option<usize>,
    /// Render only shard I of N (clip indices i with i % N == I). Without it, taken from
    /// SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT or JOB_COMPLETION_INDEX/JOB_COMPLETIONS.
    #[arg(long, value_name = "I/N")]
    pub(super) shard: Option<String>,
    /// Print nothing but errors.
    #[arg(long)]
    pub(super) quiet: bool,
    /// Report progress as JSON lines (one per clip, then a summary), for cluster logs.
    #[arg(long, conflicts_with = "quiet")]
    pub(super) json: bool,
    #[command(flatten)]
    pub(super) content: ContentArgs,
    #[command(flatten)]
    pub(super) video: VideoArgs,
}

impl GenerateArgs {
    /// The run `generate` is asked for: the content narrowed to the chosen scenes and actions, and
    /// every option from its flag, the dataset file `config`, or the default. Pure but for the
    /// cluster variables read through `env`; `cores` is the default worker count.
    pub(super) fn resolve(
        &self,
        mut content: Content,
        config: &DatasetConfigDef,
        cores: usize,
        env: impl Fn(&str) -> Option<String>,
    ) -> anyhow::Result<(Content, GenerateOptions)> {
        let video = self.video.video(config)?;
        content
            .select(&listed(&self.scenes, &config.scenes), &listed(&self.actions, &config.actions))
            .map_err(anyhow::Error::msg)?;
        let clips = match (self.clips, config.clips_per_class) {
            (Some(clips), _) => clips,
            (None, Some(per_class)) => {
                per_class.checked_mul(content.actions.len() as u64).context("clips_per_class is too large")?
            }
            (None, None) => 12,
        };
        if clips == 0 {
            bail!("--clips must be at least 1");
        }
        if self.start.checked_add(clips).is_none() {
            bail!("--start plus --clips overflows");
        }
        let defaults = SplitRule::default();
        let split_rule = SplitRule {
            train_percent: layered(None, config.train_percent, defaults.train_percent),
            validation_percent: layered(None, config.validation_percent, defaults.validation_percent),
        };
        let annotations = listed(&self.annotations, &config.annotations);
        let options = GenerateOptions {
            out: self.out.clone(),
            seed: layered(self.seed, config.seed, 0),
            start: self.start,
            clips,
            video,
            max_attempts: layered(self.max_attempts, config.max_attempts, DEFAULT_MAX_ATTEMPTS),
            workers: workers(self.workers, cores)?,
            shard: resolve_shard(self.shard.as_deref(), env)?,
            split_rule,
            video_output: video_output(
                &self.video_formats,
                &config.videos,
                self.no_frames,
                config.keep_frames,
                &annotations,
            )?,
            webdataset: self.webdataset || config.webdataset.unwrap_or(false),
        };
        Ok((content, options))
    }
}

/// Which videos to write: the flag's formats, else the configuration's.
pub(super) fn video_output(
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
pub(super) fn resolve_shard(flag: Option<&str>, env: impl Fn(&str) -> Option<String>) -> anyhow::Result<Shard> {
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

/// The worker count: as asked, or one per core.
pub(super) fn workers(asked: Option<usize>, cores: usize) -> anyhow::Result<usize> {
    match asked {
        Some(0) => bail!("--workers must be at least 1"),
        Some(n) => Ok(n),
        None => Ok(cores),
    }
}

/// One worker per core, by default.
pub(super) fn cores() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}

/// Several workers share the cores between them, so each is told to rasterize on one thread
/// (Mesa's `LP_NUM_THREADS`) unless the user set it.
pub(super) fn share_cores(workers: usize) {
    if workers > 1 && std::env::var_os("LP_NUM_THREADS").is_none() {
        // SAFETY: called while the process has a single thread, before any renderer or writer
        // thread exists, so no other thread can be reading the environment.
        unsafe { std::env::set_var("LP_NUM_THREADS", "1") };
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

    /// `generate` with `flags`, over the dataset file `config`, on the built-in content.
    fn resolved(flags: &[&str], config: &DatasetConfigDef) -> anyhow::Result<(Content, GenerateOptions)> {
        #[derive(clap::Parser)]
        struct Generate {
            #[command(flatten)]
            args: GenerateArgs,
        }
        let args = <Generate as clap::Parser>::try_parse_from(["generate", "--out", "out"].iter().chain(flags))?.args;
        args.resolve(Content::load_builtin()?, config, 2, env_of(&[]))
    }

    fn a_dataset_file() -> DatasetConfigDef {
        DatasetConfigDef {
            seed: Some(5),
            clips_per_class: Some(3),
            actions: vec!["push_left_to_right".into(), "push_right_to_left".into()],
            fps: Some(6),
            duration_s: Some(2.0),
            videos: vec!["WebM".into()],
            annotations: vec!["masks".into()],
            train_percent: Some(70),
            ..DatasetConfigDef::default()
        }
    }

    #[test]
    fn the_dataset_file_fills_what_no_flag_gives_and_the_defaults_the_rest() {
        let (content, options) = resolved(&[], &a_dataset_file()).unwrap();
        assert_eq!(content.actions.len(), 2);
        assert_eq!((options.seed, options.clips, options.start, options.workers), (5, 6, 0, 2));
        assert_eq!((options.video.fps, options.video.frames, options.video.width), (6, 12, 224));
        assert_eq!(options.video_output.formats, [VideoFormat::Webm]);
        assert!(options.video_output.masks && !options.video_output.depth && options.video_output.keep_frames);
        assert_eq!((options.split_rule.train_percent, options.max_attempts), (70, DEFAULT_MAX_ATTEMPTS));
        // Nothing at all: twelve clips of every action at the default video settings.
        let (content, options) = resolved(&[], &DatasetConfigDef::default()).unwrap();
        assert_eq!((options.clips, content.actions.len(), options.video), (12, 28, VideoSpec::default()));
    }

    #[test]
    fn flags_win_over_the_dataset_file_field_by_field() {
        let flags = ["--seed", "9", "--clips", "4", "--fps", "10", "--video", "MP4", "--annotations", "depth"];
        let (content, options) =
            resolved(&[&flags[..], &["--actions", "tip_over", "--workers", "1"]].concat(), &a_dataset_file()).unwrap();
        assert_eq!(content.actions.len(), 1);
        assert_eq!((options.seed, options.clips, options.workers), (9, 4, 1));
        // The file's duration at the flag's frame rate.
        assert_eq!((options.video.fps, options.video.frames), (10, 20));
        assert_eq!(options.video_output.formats, [VideoFormat::Mp4]);
        assert!(options.video_output.depth && !options.video_output.masks);
    }

    #[test]
    fn impossible_requests_are_refused_before_anything_runs() {
        let file = DatasetConfigDef::default();
        let refused = |flags: &[&str]| resolved(flags, &file).unwrap_err().to_string();
        assert!(refused(&["--clips", "0"]).contains("--clips must be at least 1"));
        assert!(refused(&["--video", "avi"]).contains("unknown video format \"avi\""));
        assert!(refused(&["--no-frames"]).contains("--no-frames needs --video"));
        assert!(refused(&["--workers", "0"]).contains("--workers must be at least 1"));
        assert!(refused(&["--annotations", "normals"]).contains("unknown annotation"));
        assert!(refused(&["--start", "18446744073709551615", "--clips", "2"]).contains("overflows"));
        assert!(refused(&["--width", "8"]).contains("--width must be 16 to 4096 (got 8)"));
        let in_file = DatasetConfigDef { videos: vec!["avi".into()], ..DatasetConfigDef::default() };
        assert!(resolved(&[], &in_file).unwrap_err().to_string().contains("unknown video format \"avi\""));
    }
}
