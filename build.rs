//! Embeds the shipped content (every file under `scenes/`, `actions/` and `assets/`) in the
//! binary, so an installed `synthact` works from any directory. The list is made anew whenever a
//! file in those folders changes, is added or is removed: no code change for new content.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

const FOLDERS: [&str; 3] = ["scenes", "actions", "assets"];

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for folder in FOLDERS {
        println!("cargo:rerun-if-changed={folder}");
        collect(&root, &root.join(folder), &mut files);
    }
    files.sort();
    let mut table =
        String::from("/// Every embedded content file: its path relative to the checkout, and its bytes.\n");
    table.push_str("pub(crate) static EMBEDDED: &[(&str, &[u8])] = &[\n");
    // Paths are written relative to CARGO_MANIFEST_DIR, read when the crate compiles: a target
    // directory shared by two checkouts never embeds the other checkout's files.
    for relative in &files {
        writeln!(
            table,
            "    ({relative:?}, include_bytes!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/\", {relative:?}))),"
        )
        .unwrap();
    }
    table.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("embedded_content.rs");
    std::fs::write(out, table).expect("writing the embedded content table");
}

/// Every regular file under `dir`, by path relative to `root` (with `/`); hidden files and
/// editors' backups are left out.
fn collect(root: &Path, dir: &Path, files: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || name.ends_with('~') {
            continue;
        }
        if path.is_dir() {
            collect(root, &path, files);
        } else if path.is_file() {
            let relative = path.strip_prefix(root).expect("under the root");
            let relative = relative.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
            files.push(relative);
        }
    }
}
