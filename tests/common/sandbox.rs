//! A folder a command runs in, to check that it writes nothing outside `--out`.

use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use super::stderr;

/// The working directory and TMPDIR of the commands a test runs, holding what they read
/// (content, datasets, shards). Paths given to it are relative to it.
pub struct Sandbox {
    dir: tempfile::TempDir,
}

/// Every file (by a hash of its bytes) and folder (`None`) under a directory, by relative path.
pub type Snapshot = BTreeMap<PathBuf, Option<u64>>;

impl Sandbox {
    /// An empty sandbox with its `tmp/` folder.
    pub fn new() -> Sandbox {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("tmp")).unwrap();
        Sandbox { dir }
    }

    /// A sandbox holding a copy of the shipped content as `scenes/`, `actions/` and
    /// `assets/objects.ron`, which commands run in it read.
    pub fn with_content() -> Sandbox {
        let sandbox = Sandbox::new();
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        for part in ["scenes", "actions", "actions/groups", "assets"] {
            std::fs::create_dir_all(sandbox.path(part)).unwrap();
        }
        for part in ["scenes", "actions", "actions/groups"] {
            for entry in std::fs::read_dir(root.join(part)).unwrap() {
                let path = entry.unwrap().path();
                if path.extension().is_some_and(|e| e == "ron") {
                    std::fs::copy(&path, sandbox.path(part).join(path.file_name().unwrap())).unwrap();
                }
            }
        }
        std::fs::copy(root.join("assets/objects.ron"), sandbox.path("assets/objects.ron")).unwrap();
        sandbox
    }

    pub fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    pub fn read(&self, relative: &str) -> String {
        std::fs::read_to_string(self.path(relative)).unwrap()
    }

    pub fn write(&self, relative: &str, text: &str) {
        std::fs::write(self.path(relative), text).unwrap();
    }

    /// Runs the binary in the sandbox, its TMPDIR the sandbox's `tmp/`.
    pub fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_synthact"))
            .args(args)
            .current_dir(self.dir.path())
            .env("TMPDIR", self.path("tmp"))
            .output()
            .expect("the synthact binary runs")
    }

    pub fn snapshot(&self) -> Snapshot {
        let mut snapshot = Snapshot::new();
        let mut stack = vec![self.dir.path().to_path_buf()];
        while let Some(current) = stack.pop() {
            for entry in std::fs::read_dir(&current).unwrap() {
                let path = entry.unwrap().path();
                let relative = path.strip_prefix(self.dir.path()).unwrap().to_path_buf();
                if path.is_dir() {
                    stack.push(path);
                    snapshot.insert(relative, None);
                } else {
                    let mut hasher = std::collections::hash_map::DefaultHasher::new();
                    std::fs::read(&path).unwrap().hash(&mut hasher);
                    snapshot.insert(relative, Some(hasher.finish()));
                }
            }
        }
        snapshot
    }

    /// Runs `args`, which must fail with each of `expected` in its error output, without a
    /// panic, leaving every file and folder in the sandbox as it was (`--out` included).
    pub fn refused(&self, args: &[&str], expected: &[&str]) -> String {
        let before = self.snapshot();
        let output = self.run(args);
        let message = stderr(&output);
        assert!(!output.status.success(), "{args:?} should fail");
        assert!(!message.contains("panicked"), "{args:?} panicked:\n{message}");
        for text in expected {
            assert!(message.contains(text), "{args:?}: no `{text}` in:\n{message}");
        }
        assert_eq!(changes(&before, &self.snapshot()), Vec::<PathBuf>::new(), "{args:?} changed the sandbox");
        message
    }

    /// Runs `args`, which must succeed changing nothing outside `out`.
    pub fn accepted(&self, args: &[&str], out: &str) -> Output {
        let before = self.snapshot();
        let output = self.run(args);
        assert!(output.status.success(), "{args:?} failed:\n{}", stderr(&output));
        let outside: Vec<PathBuf> =
            changes(&before, &self.snapshot()).into_iter().filter(|path| !path.starts_with(out)).collect();
        assert_eq!(outside, Vec::<PathBuf>::new(), "{args:?} changed the sandbox outside {out}");
        output
    }
}

/// The paths added, removed or changed between two snapshots.
pub fn changes(before: &Snapshot, after: &Snapshot) -> Vec<PathBuf> {
    let mut changed: Vec<PathBuf> =
        before.iter().filter(|(path, what)| after.get(*path) != Some(what)).map(|(path, _)| path.clone()).collect();
    changed.extend(after.keys().filter(|path| !before.contains_key(*path)).cloned());
    changed.sort();
    changed
}
