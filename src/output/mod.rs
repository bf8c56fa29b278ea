//! Output: clip directories on disk, last stage of the flow (capture -> output).
//!
//! A clip is `DIR/<id>/img_00001.jpg ...` (MMAction2's raw-frame naming) plus `label.json` and
//! `annotations.json` (dense per-frame ground truth), and
//! optionally `clip.mp4` / `clip.webm` (with or without the frames). Frames are encoded and
//! written on a background thread while the next frames render. Manifests and WebDataset shards
//! are built from the finished clips' labels. Everything goes
//! to a hidden temporary directory first, which is renamed into place only once the label is
//! written, so a reader (or a resumed run) never sees a half-written clip.

mod annotations;
mod label;
mod manifests;
mod video;
mod webdataset;

pub use annotations::{ANNOTATIONS_FILE, ANNOTATIONS_VERSION, Annotations, MaskStats, ObjectAnnotations, annotate};
pub use label::{ClipLabel, GeneratorInfo, Instance, LabelError, LabelProblem, RejectedAttempt};
pub use manifests::{
    DatasetInfo, Split, SplitRule, Ssv2Entry, Ssv2TestEntry, collect_labels, write_atomically, write_manifests,
};
pub use video::{VideoFormat, VideoOutput, check_encoders};
pub use webdataset::{CLIPS_PER_TAR, write_webdataset};

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use crossbeam_channel::Sender;

use crate::capture::AnnotationFrame;
use image::RgbImage;
use image::codecs::jpeg::JpegEncoder;

/// JPEG quality of written frames.
pub const JPEG_QUALITY: u8 = 90;

/// The file name of 0-based frame `frame`: `img_00001.jpg` for frame 0.
pub fn frame_file_name(frame: u32) -> String {
    format!("img_{:05}.jpg", frame + 1)
}

/// Prefix of temporary clip directories; a resumed run deletes leftovers with it.
pub const TEMP_PREFIX: &str = ".tmp-";

#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("cannot write {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("cannot encode {path}: {source}")]
    Encode { path: PathBuf, source: image::ImageError },
    #[error(transparent)]
    Label(#[from] LabelError),
    #[error("{0}")]
    Failed(String),
    #[error("video encoding: {0}")]
    Encoder(String),
    #[error("the frame writer thread stopped unexpectedly")]
    WriterGone,
}

pub(crate) fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> OutputError + '_ {
    move |source| OutputError::Io { path: path.to_path_buf(), source }
}

enum Job {
    Frame {
        path: PathBuf,
        image: RgbImage,
    },
    /// A lossless annotation image (instance ids or depth).
    Png {
        path: PathBuf,
        image: image::DynamicImage,
    },
    Finish {
        temp: PathBuf,
        done: PathBuf,
        label: Vec<u8>,
        annotations: Vec<u8>,
        fps: u32,
        video: VideoOutput,
    },
}

/// Writes clip directories under one output directory, encoding on a background thread.
pub struct ClipWriter {
    out: PathBuf,
    jobs: Option<Sender<Job>>,
    thread: Option<JoinHandle<()>>,
    error: Arc<Mutex<Option<OutputError>>>,
    video: VideoOutput,
}

impl ClipWriter {
    /// Creates `out` if needed and starts the writer thread; finished clips also get `video`'s files.
    pub fn new(out: &Path, video: VideoOutput) -> Result<ClipWriter, OutputError> {
        std::fs::create_dir_all(out).map_err(io_error(out))?;
        // A bounded queue keeps memory flat if encoding falls behind rendering.
        let (jobs, queue) = crossbeam_channel::bounded::<Job>(64);
        let error = Arc::new(Mutex::new(None));
        let thread_error = error.clone();
        let thread = std::thread::Builder::new()
            .name("clip-writer".into())
            .spawn(move || {
                for job in queue {
                    // After a failure every later job is dropped, so no clip can be published
                    // after a frame (of any clip) failed; the error stays for every caller.
                    if thread_error.lock().expect("writer error lock").is_some() {
                        continue;
                    }
                    if let Err(error) = run_job(job) {
                        *thread_error.lock().expect("writer error lock") = Some(error);
                    }
                }
            })
            .map_err(io_error(out))?;
        Ok(ClipWriter { out: out.to_path_buf(), jobs: Some(jobs), thread: Some(thread), error, video })
    }

    pub fn out_dir(&self) -> &Path {
        &self.out
    }

    /// Where finished clip `id` lives.
    pub fn clip_dir(&self, id: &str) -> PathBuf {
        self.out.join(id)
    }

    /// Whether clip `id` was finished by an earlier run (its label exists in its final place).
    pub fn is_finished(&self, id: &str) -> bool {
        self.clip_dir(id).join("label.json").is_file()
    }

    /// What an earlier run left of clip `id`: nothing, a whole clip, or a clip whose label does
    /// not read back or whose files are missing (with what is wrong), which must be made again.
    pub fn earlier_clip(&self, id: &str) -> EarlierClip {
        if !self.is_finished(id) {
            return EarlierClip::None;
        }
        let dir = self.clip_dir(id);
        let label = ClipLabel::read_file(&dir.join("label.json"));
        let label = match label {
            Ok(label) if label.id == id => label,
            Ok(label) => return EarlierClip::Broken(format!("its label.json names clip {:?}", label.id)),
            Err(error) => return EarlierClip::Broken(format!("its label.json does not read back ({error})")),
        };
        match missing_file(&dir, &label) {
            Some(file) => EarlierClip::Broken(format!("{file} is missing")),
            None => EarlierClip::Whole,
        }
    }

    /// Deletes temporary directories left by an interrupted run.
    pub fn remove_leftovers(&self) -> Result<usize, OutputError> {
        let mut removed = 0;
        for entry in std::fs::read_dir(&self.out).map_err(io_error(&self.out))? {
            let path = entry.map_err(io_error(&self.out))?.path();
            if path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with(TEMP_PREFIX)) {
                let removal = if path.is_dir() { std::fs::remove_dir_all(&path) } else { std::fs::remove_file(&path) };
                removal.map_err(io_error(&path))?;
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// Starts clip `id`: creates its empty temporary directory and returns it.
    pub fn begin_clip(&self, id: &str) -> Result<PathBuf, OutputError> {
        self.check()?;
        let temp = self.out.join(format!("{TEMP_PREFIX}{id}"));
        if temp.exists() {
            std::fs::remove_dir_all(&temp).map_err(io_error(&temp))?;
        }
        std::fs::create_dir_all(&temp).map_err(io_error(&temp))?;
        for (wanted, dir) in [(self.video.masks, "masks"), (self.video.depth, "depth")] {
            if wanted {
                std::fs::create_dir_all(temp.join(dir)).map_err(io_error(&temp))?;
            }
        }
        Ok(temp)
    }

    /// Queues frame `frame` of the clip being written into `temp`.
    pub fn write_frame(&self, temp: &Path, frame: u32, image: RgbImage) -> Result<(), OutputError> {
        self.send(Job::Frame { path: temp.join(frame_file_name(frame)), image })
    }

    /// Queues frame `frame`'s instance ids and depth, as asked for, into `masks/` and `depth/`.
    pub fn write_annotation_frame(
        &self,
        temp: &Path,
        frame: u32,
        annotation: AnnotationFrame,
    ) -> Result<(), OutputError> {
        let name = frame_file_name(frame).replace(".jpg", ".png");
        if self.video.masks {
            self.send(Job::Png { path: temp.join("masks").join(&name), image: annotation.ids.into() })?;
        }
        if self.video.depth {
            self.send(Job::Png { path: temp.join("depth").join(&name), image: annotation.depth_mm.into() })?;
        }
        Ok(())
    }

    /// Queues the label, the annotations and the rename that publishes the clip.
    pub fn finish_clip(
        &self,
        temp: &Path,
        id: &str,
        label: &ClipLabel,
        annotations: &Annotations,
    ) -> Result<(), OutputError> {
        let mut bytes = serde_json::to_vec_pretty(label).expect("labels serialize");
        bytes.push(b'\n');
        // Compact: a few hundred numbers per object and frame.
        let mut annotation_bytes = serde_json::to_vec(annotations).expect("annotations serialize");
        annotation_bytes.push(b'\n');
        self.send(Job::Finish {
            temp: temp.to_path_buf(),
            done: self.clip_dir(id),
            label: bytes,
            annotations: annotation_bytes,
            fps: label.fps,
            video: self.video.clone(),
        })
    }

    fn send(&self, job: Job) -> Result<(), OutputError> {
        self.check()?;
        self.jobs.as_ref().expect("open until close").send(job).map_err(|_| OutputError::WriterGone)
    }

    /// The first error the writer thread met, if any.
    pub fn check(&self) -> Result<(), OutputError> {
        match &*self.error.lock().expect("writer error lock") {
            Some(error) => Err(OutputError::Failed(error.to_string())),
            None => Ok(()),
        }
    }

    /// Waits for every queued job and reports the first failure.
    pub fn close(mut self) -> Result<(), OutputError> {
        self.shutdown();
        match self.error.lock().expect("writer error lock").take() {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }

    fn shutdown(&mut self) {
        self.jobs.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for ClipWriter {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn run_job(job: Job) -> Result<(), OutputError> {
    match job {
        Job::Frame { path, image } => write_jpeg(&path, &image),
        Job::Png { path, image } => image
            .save_with_format(&path, image::ImageFormat::Png)
            .map_err(|source| OutputError::Encode { path: path.clone(), source }),
        Job::Finish { temp, done, label, annotations, fps, video } => {
            for format in &video.formats {
                video::encode(&temp, fps, *format)?;
            }
            if !video.keep_frames {
                for entry in std::fs::read_dir(&temp).map_err(io_error(&temp))? {
                    let path = entry.map_err(io_error(&temp))?.path();
                    if path.extension().is_some_and(|ext| ext == "jpg") {
                        std::fs::remove_file(&path).map_err(io_error(&path))?;
                    }
                }
            }
            let annotations_path = temp.join(ANNOTATIONS_FILE);
            std::fs::write(&annotations_path, annotations).map_err(io_error(&annotations_path))?;
            // The label last: a clip directory with a label is complete.
            let label_path = temp.join("label.json");
            std::fs::write(&label_path, label).map_err(io_error(&label_path))?;
            publish(&temp, &done)
        }
    }
}

/// Writes one frame as a JPEG exactly as clip frames are written.
pub fn write_jpeg(path: &Path, image: &RgbImage) -> Result<(), OutputError> {
    let file = std::fs::File::create(path).map_err(io_error(path))?;
    let mut writer = BufWriter::new(file);
    JpegEncoder::new_with_quality(&mut writer, JPEG_QUALITY)
        .encode_image(image)
        .map_err(|source| OutputError::Encode { path: path.to_path_buf(), source })?;
    writer.flush().map_err(io_error(path))
}

/// Renames the complete clip directory `temp` to its final place `done`. Something already
/// there (an unfinished directory, or a clip rendered again) is moved aside rather than deleted
/// first, so a kill between the steps leaves a hidden whole copy instead of a half-deleted clip.
/// What an earlier run left of a clip.
#[derive(Debug, Clone, PartialEq)]
pub enum EarlierClip {
    None,
    Whole,
    /// Unfinished or damaged: why.
    Broken(String),
}

/// The first file a finished clip's label promises that is not in `dir`.
fn missing_file(dir: &Path, label: &ClipLabel) -> Option<String> {
    let mut files: Vec<String> = Vec::new();
    for frame in 0..label.frames {
        if label.frames_kept {
            files.push(frame_file_name(frame));
        }
        let png = format!("img_{:05}.png", frame + 1);
        if label.masks {
            files.push(format!("masks/{png}"));
        }
        if label.depth {
            files.push(format!("depth/{png}"));
        }
    }
    files.extend(label.videos.iter().cloned());
    files.into_iter().find(|file| !dir.join(file).is_file())
}

pub(crate) fn publish(temp: &Path, done: &Path) -> Result<(), OutputError> {
    if !done.exists() {
        return std::fs::rename(temp, done).map_err(io_error(done));
    }
    let name = done.file_name().and_then(|n| n.to_str()).unwrap_or("clip");
    let aside = done.with_file_name(format!("{TEMP_PREFIX}old-{name}"));
    if aside.exists() {
        std::fs::remove_dir_all(&aside).map_err(io_error(&aside))?;
    }
    std::fs::rename(done, &aside).map_err(io_error(&aside))?;
    std::fs::rename(temp, done).map_err(io_error(done))?;
    std::fs::remove_dir_all(&aside).map_err(io_error(&aside))
}
