//! Where content files are read from: a folder on disk, or the shipped set embedded in the binary
//! at build time (`build.rs`). Embedded files have paths under [`EMBEDDED_ROOT`], so every message
//! about them still names a file, and the rest of the loader reads both kinds alike.

use std::io;
use std::path::{Path, PathBuf};

include!(concat!(env!("OUT_DIR"), "/embedded_content.rs"));

/// The pseudo-folder embedded files live under: `(built-in)/scenes/kitchen_counter.ron`.
pub const EMBEDDED_ROOT: &str = "(built-in)";

/// A folder or file of the embedded set, e.g. `embedded("scenes")`.
pub fn embedded(relative: &str) -> PathBuf {
    Path::new(EMBEDDED_ROOT).join(relative)
}

/// Whether `path` names something in the embedded set rather than on disk.
pub fn is_embedded(path: &Path) -> bool {
    path.starts_with(EMBEDDED_ROOT)
}

/// The path of an embedded file relative to the set's root, with `/` separators.
fn relative(path: &Path) -> Option<String> {
    let rest = path.strip_prefix(EMBEDDED_ROOT).ok()?;
    Some(rest.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/"))
}

fn not_embedded(path: &Path) -> io::Error {
    io::Error::new(io::ErrorKind::NotFound, format!("{} is not in the built-in content", path.display()))
}

/// The bytes of a file, on disk or embedded.
pub fn read(path: &Path) -> io::Result<Vec<u8>> {
    if !is_embedded(path) {
        return std::fs::read(path);
    }
    let wanted = relative(path).ok_or_else(|| not_embedded(path))?;
    EMBEDDED.iter().find(|(name, _)| *name == wanted).map(|(_, bytes)| bytes.to_vec()).ok_or_else(|| not_embedded(path))
}

/// A file's text, on disk or embedded.
pub fn read_to_string(path: &Path) -> io::Result<String> {
    let bytes = read(path)?;
    String::from_utf8(bytes).map_err(|error| io::Error::new(io::ErrorKind::InvalidData, error))
}

/// The files directly in a folder (not in its subfolders), on disk or embedded, unsorted.
pub fn list(dir: &Path) -> io::Result<Vec<PathBuf>> {
    if !is_embedded(dir) {
        let entries = std::fs::read_dir(dir)?;
        return Ok(entries.filter_map(|entry| entry.ok().map(|entry| entry.path())).filter(|p| p.is_file()).collect());
    }
    let prefix = relative(dir).ok_or_else(|| not_embedded(dir))?;
    let files: Vec<PathBuf> = EMBEDDED
        .iter()
        .filter_map(|(name, _)| name.strip_prefix(&prefix)?.strip_prefix('/'))
        .filter(|rest| !rest.contains('/'))
        .map(|rest| dir.join(rest))
        .collect();
    if files.is_empty() && !is_dir(dir) {
        return Err(not_embedded(dir));
    }
    Ok(files)
}

/// Whether a folder exists, on disk or in the embedded set.
pub fn is_dir(path: &Path) -> bool {
    if !is_embedded(path) {
        return path.is_dir();
    }
    let Some(prefix) = relative(path) else { return false };
    prefix.is_empty() || EMBEDDED.iter().any(|(name, _)| name.strip_prefix(&prefix).is_some_and(|r| r.starts_with('/')))
}

/// Whether a file exists, on disk or in the embedded set.
pub fn is_file(path: &Path) -> bool {
    if !is_embedded(path) {
        return path.is_file();
    }
    relative(path).is_some_and(|wanted| EMBEDDED.iter().any(|(name, _)| *name == wanted))
}

/// An image file, on disk or embedded, decoded.
pub fn read_image(path: &Path) -> Result<image::DynamicImage, String> {
    let bytes = read(path).map_err(|error| error.to_string())?;
    image::load_from_memory(&bytes).map_err(|error| error.to_string())
}

/// Where the three parts of the content are read from, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct ContentPaths {
    pub scenes: PathBuf,
    pub actions: PathBuf,
    pub objects: PathBuf,
}

impl ContentPaths {
    /// Each part from the first place that has it: its own flag (`--scenes-dir`, `--actions-dir`,
    /// `--objects`), then `content_dir` (a folder holding `scenes/`, `actions/`, `assets/`), then
    /// the same folders in `cwd`, then the embedded set.
    pub fn resolve(flags: [Option<&Path>; 3], content_dir: Option<&Path>, cwd: &Path) -> Result<ContentPaths, String> {
        if let Some(dir) = content_dir.filter(|dir| !dir.is_dir()) {
            return Err(format!("--content {}: no such directory", dir.display()));
        }
        let part = |flag: Option<&Path>, relative: &str, exists: fn(&Path) -> bool| {
            flag.map(Path::to_path_buf)
                .or_else(|| content_dir.map(|dir| dir.join(relative)).filter(|path| exists(path)))
                .or_else(|| Some(cwd.join(relative)).filter(|path| exists(path)))
                .unwrap_or_else(|| embedded(relative))
        };
        let [scenes, actions, objects] = flags;
        Ok(ContentPaths {
            scenes: part(scenes, "scenes", Path::is_dir),
            actions: part(actions, "actions", Path::is_dir),
            objects: part(objects, "assets/objects.ron", Path::is_file),
        })
    }

    /// Whether every part is the embedded set (nothing on disk to watch for edits).
    pub fn all_embedded(&self) -> bool {
        [&self.scenes, &self.actions, &self.objects].into_iter().all(|path| is_embedded(path))
    }
}

impl std::fmt::Display for ContentPaths {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (scenes, actions, objects) = (self.scenes.display(), self.actions.display(), self.objects.display());
        write!(f, "content: scenes from {scenes}, actions from {actions}, objects from {objects}")
    }
}
