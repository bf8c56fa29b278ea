//! Video files per clip, encoded by ffmpeg from the clip's frames.
//!
//! ffmpeg (Debian's package) is the encoder: a real, widely deployed H.264 and VP9 implementation
//! that training pipelines already decode with. Encoding runs single-threaded with bit-exact
//! flags, so the same frames give the same file bytes, and its presence is checked before any
//! rendering starts.

use std::path::Path;
use std::process::Command;

use serde::{Deserialize, Serialize};

use super::OutputError;

/// A video container and codec.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum VideoFormat {
    /// H.264 in MP4 (libx264, yuv420p).
    Mp4,
    /// VP9 in WebM (libvpx-vp9).
    Webm,
}

impl VideoFormat {
    pub fn parse(name: &str) -> Option<VideoFormat> {
        match name.trim().to_ascii_lowercase().as_str() {
            "mp4" => Some(VideoFormat::Mp4),
            "webm" => Some(VideoFormat::Webm),
            _ => None,
        }
    }

    /// The file name inside a clip directory.
    pub fn file_name(self) -> &'static str {
        match self {
            VideoFormat::Mp4 => "clip.mp4",
            VideoFormat::Webm => "clip.webm",
        }
    }

    fn encoder(self) -> &'static str {
        match self {
            VideoFormat::Mp4 => "libx264",
            VideoFormat::Webm => "libvpx-vp9",
        }
    }

    fn codec_args(self) -> &'static [&'static str] {
        match self {
            VideoFormat::Mp4 => &["-c:v", "libx264", "-preset", "medium", "-crf", "18", "-pix_fmt", "yuv420p"],
            VideoFormat::Webm => {
                &["-c:v", "libvpx-vp9", "-b:v", "0", "-crf", "30", "-row-mt", "0", "-pix_fmt", "yuv420p"]
            }
        }
    }
}

/// What image and video files to write per clip.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VideoOutput {
    pub formats: Vec<VideoFormat>,
    /// Keep the JPEG frames next to the videos.
    pub keep_frames: bool,
    /// Instance masks per frame (`masks/img_00001.png`, 8-bit instance ids).
    #[serde(default)]
    pub masks: bool,
    /// Depth per frame (`depth/img_00001.png`, 16-bit millimetres).
    #[serde(default)]
    pub depth: bool,
}

impl VideoOutput {
    /// Frames only, no videos.
    pub fn frames_only() -> VideoOutput {
        VideoOutput { formats: Vec::new(), keep_frames: true, masks: false, depth: false }
    }

    /// Whether the renderer's annotation pass is needed.
    pub fn annotation_pass(&self) -> bool {
        self.masks || self.depth
    }
}

/// Fails unless ffmpeg runs and has the encoders `formats` need.
pub fn check_encoders(formats: &[VideoFormat]) -> Result<(), OutputError> {
    if formats.is_empty() {
        return Ok(());
    }
    let missing = |why: String| OutputError::Encoder(why);
    let output = Command::new("ffmpeg")
        .args(["-hide_banner", "-encoders"])
        .output()
        .map_err(|e| missing(format!("cannot run ffmpeg ({e}); install it (Debian: apt-get install ffmpeg)")))?;
    let encoders = String::from_utf8_lossy(&output.stdout);
    for format in formats {
        if !encoders.contains(format.encoder()) {
            return Err(missing(format!("this ffmpeg has no {} encoder, needed for {format:?}", format.encoder())));
        }
    }
    Ok(())
}

/// Encodes the `img_%05d.jpg` frames in `dir` into `dir/<format's file name>`.
pub(super) fn encode(dir: &Path, fps: u32, format: VideoFormat) -> Result<(), OutputError> {
    let output = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-threads", "1"])
        .args(["-framerate", &fps.to_string(), "-start_number", "1", "-i"])
        .arg(dir.join("img_%05d.jpg"))
        // yuv420p needs even sizes; bit-exact flags keep version strings and times out of the file.
        .args(["-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2", "-threads", "1", "-map_metadata", "-1"])
        .args(["-fflags", "+bitexact", "-flags:v", "+bitexact"])
        .args(format.codec_args())
        .arg(dir.join(format.file_name()))
        .output()
        .map_err(|e| OutputError::Encoder(format!("cannot run ffmpeg: {e}")))?;
    if !output.status.success() {
        return Err(OutputError::Encoder(format!(
            "ffmpeg failed on {}: {}",
            dir.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    Ok(())
}
