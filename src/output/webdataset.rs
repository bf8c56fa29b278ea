//! WebDataset tar shards: `webdataset/{split}-{NNNNNN}.tar`, each clip a group of members sharing
//! its id as key: `{id}.json` (the label), `{id}.cls` (the class index) and `{id}.mp4` (or
//! `.webm`) when the clip has a video, else its frames as `{id}.img_00001.jpg`, ...
//! Headers are fixed (mode 0644, owner 0, time 0) so the same clips give the same bytes.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use super::manifests::SplitRule;
use super::{ClipLabel, OutputError, Split, TEMP_PREFIX, frame_file_name, io_error};

/// Clips per tar shard.
pub const CLIPS_PER_TAR: usize = 1000;

/// Writes the tar shards of `labels` (finished clips under `out`) into `out/webdataset/`.
pub fn write_webdataset(out: &Path, labels: &[ClipLabel], rule: SplitRule) -> Result<usize, OutputError> {
    let dir = out.join("webdataset");
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(io_error(&dir))?;
    }
    std::fs::create_dir_all(&dir).map_err(io_error(&dir))?;
    let mut written = 0;
    for (split, name) in [(Split::Train, "train"), (Split::Validation, "validation"), (Split::Test, "test")] {
        let clips: Vec<&ClipLabel> = labels.iter().filter(|l| rule.split_of(&l.id) == split).collect();
        for (number, chunk) in clips.chunks(CLIPS_PER_TAR).enumerate() {
            let path = dir.join(format!("{name}-{number:06}.tar"));
            let temp = dir.join(format!("{TEMP_PREFIX}{name}-{number:06}.tar"));
            let file = File::create(&temp).map_err(io_error(&temp))?;
            let mut tar = tar::Builder::new(BufWriter::new(file));
            for clip in chunk {
                append_clip(&mut tar, &out.join(&clip.id), clip).map_err(io_error(&path))?;
            }
            let mut writer = tar.into_inner().map_err(io_error(&temp))?;
            writer.flush().map_err(io_error(&temp))?;
            std::fs::rename(&temp, &path).map_err(io_error(&path))?;
            written += 1;
        }
    }
    Ok(written)
}

fn append_clip<W: Write>(tar: &mut tar::Builder<W>, clip_dir: &Path, clip: &ClipLabel) -> std::io::Result<()> {
    let id = &clip.id;
    append(tar, &format!("{id}.json"), &std::fs::read(clip_dir.join("label.json"))?)?;
    append(tar, &format!("{id}.cls"), clip.class_index.to_string().as_bytes())?;
    // Clips written before annotations existed have none.
    if let Ok(annotations) = std::fs::read(clip_dir.join(super::ANNOTATIONS_FILE)) {
        append(tar, &format!("{id}.annotations.json"), &annotations)?;
    }
    if let Some(video) = clip.videos.first() {
        let extension = video.rsplit('.').next().unwrap_or("mp4");
        append(tar, &format!("{id}.{extension}"), &std::fs::read(clip_dir.join(video))?)?;
    } else {
        for frame in 0..clip.frames {
            let name = frame_file_name(frame);
            append(tar, &format!("{id}.{name}"), &std::fs::read(clip_dir.join(&name))?)?;
        }
    }
    Ok(())
}

fn append<W: Write>(tar: &mut tar::Builder<W>, name: &str, data: &[u8]) -> std::io::Result<()> {
    let mut header = tar::Header::new_ustar();
    header.set_size(data.len() as u64);
    header.set_mode(0o644);
    header.set_uid(0);
    header.set_gid(0);
    header.set_mtime(0);
    header.set_entry_type(tar::EntryType::Regular);
    header.set_cksum();
    tar.append_data(&mut header, name, data)
}
