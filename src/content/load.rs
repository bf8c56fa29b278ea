//! Reading content files: directory listing, RON parsing with positioned errors, hashing.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

use super::defs::{ActionDef, MeshFileInfo, ObjectKindDef, ObjectLibraryDef, SceneDef, ShapeDef};
use super::group::{GroupDef, apply_openings, load_groups};
use super::locate::{LineCol, SourceMap};
use super::validate;

/// One problem in one content file.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub file: PathBuf,
    /// 1-based; 0 when the problem is about the file as a whole (unreadable, missing).
    pub line: usize,
    pub column: usize,
    /// Field path such as `surfaces[1].roughness`; empty for whole-file problems.
    pub field: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if self.line > 0 {
            write!(f, ":{}:{}", self.line, self.column)?;
        }
        if !self.field.is_empty() {
            write!(f, ": field `{}`", self.field)?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Every problem found while loading content.
#[derive(Debug, Clone, thiserror::Error)]
pub struct ContentError {
    pub problems: Vec<Problem>,
}

impl fmt::Display for ContentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.problems.len();
        writeln!(f, "{count} problem{} in content files:", if count == 1 { "" } else { "s" })?;
        for problem in &self.problems {
            writeln!(f, "  {problem}")?;
        }
        Ok(())
    }
}

/// A parsed content file with where it came from.
#[derive(Debug, Clone)]
pub struct Loaded<T> {
    pub def: T,
    pub path: PathBuf,
    /// FNV-1a 64 of the file bytes, hex: identifies the exact content a clip was made from.
    pub hash: String,
    pub(crate) source_map: std::sync::Arc<SourceMap>,
}

impl<T> Loaded<T> {
    /// A problem at the position of `field` in this file.
    pub(crate) fn problem(&self, field: &str, message: impl Into<String>) -> Problem {
        let at = self.source_map.locate(field).unwrap_or(LineCol { line: 1, column: 1 });
        Problem {
            file: self.path.clone(),
            line: at.line,
            column: at.column,
            field: field.to_string(),
            message: message.into(),
        }
    }
}

/// All content a dataset is made from: scenes and actions sorted by name, and the object library.
#[derive(Debug, Clone)]
pub struct Content {
    pub scenes: Vec<Loaded<SceneDef>>,
    pub actions: Vec<Loaded<ActionDef>>,
    pub objects: Loaded<ObjectLibraryDef>,
    /// First-frame groups (the actions directory's `groups/*.ron`), sorted by name; members may
    /// name actions that a selection left out.
    pub groups: Vec<Loaded<GroupDef>>,
    /// FNV-1a 64 (hex) of every image file a scene uses, by resolved path, read once at load.
    pub image_hashes: std::collections::BTreeMap<PathBuf, String>,
    /// What later stages worked out about this content and keep while it lives (which scenes
    /// stage each action in practice, see [`crate::plan::staging`]).
    pub memo: Memo,
}

/// Facts derived from a [`Content`], computed once and shared by every thread that plans from
/// it. A clone starts empty, so a fact never outlives an edit of the content it came from.
#[derive(Default)]
pub struct Memo(std::sync::Mutex<std::collections::HashMap<String, SceneOutcomes>>);

/// Per scene name, `None` where something succeeded there, else why it failed.
pub type SceneOutcomes = Vec<(String, Option<String>)>;

impl Memo {
    /// The value under `key`, computed by `compute` the first time it is asked for. Two threads
    /// asking at once may both compute it; the value is a pure function of the key, so either is kept.
    pub fn get_or_compute(&self, key: String, compute: impl FnOnce() -> SceneOutcomes) -> SceneOutcomes {
        if let Some(value) = self.0.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
            return value.clone();
        }
        let value = compute();
        self.0.lock().unwrap_or_else(|e| e.into_inner()).insert(key, value.clone());
        value
    }
}

impl Clone for Memo {
    fn clone(&self) -> Memo {
        Memo::default()
    }
}

impl fmt::Debug for Memo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Memo")
    }
}

impl Content {
    /// Loads and validates everything; on any problem returns all of them.
    pub fn load(scenes_dir: &Path, actions_dir: &Path, objects_file: &Path) -> Result<Content, ContentError> {
        let mut problems = Vec::new();
        let objects = parse_file::<ObjectLibraryDef>(objects_file, &mut problems);
        let mut scenes = parse_dir::<SceneDef>(scenes_dir, "scene", &mut problems);
        let mut actions = parse_dir::<ActionDef>(actions_dir, "action", &mut problems);
        let groups = load_groups(actions_dir, &mut problems);
        apply_openings(&mut actions, &groups, &mut problems);
        let Some(mut objects) = objects else {
            return Err(ContentError { problems });
        };
        read_mesh_files(&mut objects, &mut problems);
        scenes.sort_by(|a, b| a.def.name.cmp(&b.def.name));
        actions.sort_by(|a, b| a.def.name.cmp(&b.def.name));
        let mut content =
            Content { scenes, actions, objects, groups, image_hashes: Default::default(), memo: Memo::default() };
        problems.extend(validate::validate(&content));
        if !problems.is_empty() {
            return Err(ContentError { problems });
        }
        // Validation has checked every image file exists and decodes.
        for scene in &content.scenes {
            for file in scene.def.surfaces.iter().filter_map(|surface| surface.image.as_ref()) {
                let path = validate::scene_relative(&scene.path, file);
                let bytes = super::files::read(&path).unwrap_or_default();
                content.image_hashes.insert(path, format!("{:016x}", crate::hash::fnv1a64(&bytes)));
            }
        }
        Ok(content)
    }

    /// Loads the repository's built-in content.
    pub fn load_builtin() -> Result<Content, ContentError> {
        Content::load(&super::default_scenes_dir(), &super::default_actions_dir(), &super::default_objects_file())
    }

    pub fn scene(&self, name: &str) -> Option<&Loaded<SceneDef>> {
        self.scenes.iter().find(|scene| scene.def.name == name)
    }

    pub fn action(&self, name: &str) -> Option<&Loaded<ActionDef>> {
        self.actions.iter().find(|action| action.def.name == name)
    }

    /// The library's kinds that may appear in `scene`.
    pub fn scene_kinds<'a>(&'a self, scene: &'a SceneDef) -> impl Iterator<Item = &'a ObjectKindDef> + 'a {
        scene.objects.iter().filter_map(|name| self.objects.def.kinds.iter().find(|kind| &kind.name == name))
    }

    /// The scenes that can stage `action`: for every role, one of their kinds fits.
    pub fn stages(&self, action: &ActionDef) -> Vec<&Loaded<SceneDef>> {
        self.scenes
            .iter()
            .filter(|scene| action.roles.iter().all(|role| self.scene_kinds(&scene.def).any(|kind| role.fits(kind))))
            .collect()
    }
}

/// Reads every mesh file the library names (beside `objects.ron`, e.g. `meshes/teapot.glb`),
/// once per file, and records what it found in the shape; a file that cannot be used is a problem
/// at the kind's `file` field naming the file and what is wrong with it.
fn read_mesh_files(library: &mut Loaded<ObjectLibraryDef>, problems: &mut Vec<Problem>) {
    let folder = library.path.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut found = Vec::new();
    for (i, kind) in library.def.kinds.iter().enumerate() {
        let ShapeDef::Mesh { file, .. } = &kind.shape else { continue };
        let path = folder.join(file);
        match crate::world::mesh_file::load(&path) {
            Ok(asset) => found.push((
                i,
                MeshFileInfo {
                    path,
                    hash: asset.hash.clone(),
                    proportions: asset.proportions.to_array(),
                    textured: asset.texture.is_some(),
                },
            )),
            Err(error) => {
                let problem =
                    library.problem(&format!("kinds[{i}].shape.file"), format!("{}: {error}", path.display()));
                problems.push(problem);
            }
        }
    }
    for (i, info) in found {
        if let ShapeDef::Mesh { loaded, .. } = &mut library.def.kinds[i].shape {
            *loaded = Some(info);
        }
    }
}

pub(super) fn parse_dir<T: DeserializeOwned>(dir: &Path, what: &str, problems: &mut Vec<Problem>) -> Vec<Loaded<T>> {
    let entries = match super::files::list(dir) {
        Ok(entries) => entries,
        Err(error) => {
            problems.push(file_problem(dir, format!("cannot read {what} directory: {error}")));
            return Vec::new();
        }
    };
    let mut paths: Vec<PathBuf> =
        entries.into_iter().filter(|path| path.extension().is_some_and(|ext| ext == "ron")).collect();
    paths.sort();
    if paths.is_empty() {
        problems.push(file_problem(dir, format!("no {what} files (*.ron) in this directory")));
    }
    paths.iter().filter_map(|path| parse_file(path, problems)).collect()
}

fn file_problem(path: &Path, message: String) -> Problem {
    Problem { file: path.to_path_buf(), line: 0, column: 0, field: String::new(), message }
}

/// Parses one RON file; a syntax or shape error becomes a positioned problem.
pub(crate) fn parse_file<T: DeserializeOwned>(path: &Path, problems: &mut Vec<Problem>) -> Option<Loaded<T>> {
    let source = match super::files::read_to_string(path) {
        Ok(source) => source,
        Err(error) => {
            problems.push(file_problem(path, format!("cannot read file: {error}")));
            return None;
        }
    };
    // Editors on some systems start UTF-8 files with a byte-order mark; it is not RON.
    let source = match source.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => source,
    };
    // `implicit_some` lets optional fields be written as plain values (`seed: 3`, not `seed: Some(3)`).
    let options = ron::Options::default().with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME);
    match options.from_str::<T>(&source) {
        Ok(def) => Some(Loaded {
            def,
            path: path.to_path_buf(),
            hash: format!("{:016x}", crate::hash::fnv1a64(source.as_bytes())),
            source_map: std::sync::Arc::new(SourceMap::build(&source)),
        }),
        Err(error) => {
            problems.push(ron_problem(path, &source, &error));
            None
        }
    }
}

fn ron_problem(path: &Path, source: &str, error: &ron::error::SpannedError) -> Problem {
    use ron::error::Error;
    let at = LineCol { line: error.span.start.line, column: error.span.start.col };
    let enclosing = SourceMap::path_at(source, at);
    let join = |field: &str| if enclosing.is_empty() { field.to_string() } else { format!("{enclosing}.{field}") };
    let (field, message) = match &error.code {
        Error::NoSuchStructField { expected, found, outer } => (
            // ron reports the position after the field name; name the misspelled field itself.
            join_sibling(&enclosing, found),
            format!(
                "unknown field `{found}`{}; expected one of: {}",
                outer.as_ref().map(|o| format!(" in `{o}`")).unwrap_or_default(),
                expected.join(", ")
            ),
        ),
        Error::MissingStructField { field, outer } => (
            join(field),
            format!("missing field `{field}`{}", outer.as_ref().map(|o| format!(" in `{o}`")).unwrap_or_default()),
        ),
        other => (enclosing.clone(), other.to_string()),
    };
    Problem { file: path.to_path_buf(), line: at.line, column: at.column, field, message }
}

/// The path of an unknown field: the scan may stop just before its name (inside the enclosing
/// struct) or just after it (on the field itself), depending on where ron puts the span.
fn join_sibling(enclosing: &str, field: &str) -> String {
    if enclosing == field || enclosing.ends_with(&format!(".{field}")) {
        enclosing.to_string()
    } else if enclosing.is_empty() {
        field.to_string()
    } else {
        format!("{enclosing}.{field}")
    }
}
