//! Install tier: the binary carries the shipped content, so a copy of it works from any folder;
//! content on disk (flags, `--content DIR`, the current directory's folders) takes precedence.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;

use common::{REAL_TIME_FEW_FRAMES, clip_dirs, files_under, stderr, stdout};

fn repository(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// Held while a binary is copied and while a child is started. A child forked while another
/// test's copy still has the new file open for writing inherits that descriptor until it execs,
/// and running the copy then fails with "Text file busy" (ETXTBSY).
static SPAWNING: Mutex<()> = Mutex::new(());

/// Runs `binary` in `cwd` with `args`.
fn run_in(binary: &Path, cwd: &Path, args: &[&str]) -> Output {
    let child = {
        let _spawning = SPAWNING.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        Command::new(binary)
            .current_dir(cwd)
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("the binary runs")
    };
    child.wait_with_output().expect("the binary runs to its end")
}

/// A copy of the built binary in its own folder, and an empty working folder beside it.
fn installed() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let root = tempfile::tempdir().unwrap();
    let (bin, work) = (root.path().join("bin"), root.path().join("work"));
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::create_dir_all(&work).unwrap();
    let binary = bin.join("synthact");
    let _spawning = SPAWNING.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    std::fs::copy(env!("CARGO_BIN_EXE_synthact"), &binary).unwrap();
    (root, binary, work)
}

#[test]
fn a_copy_of_the_binary_generates_clips_in_an_empty_folder_from_its_built_in_content() {
    let (_root, binary, work) = installed();
    let listed = run_in(&binary, &work, &["list"]);
    assert!(listed.status.success(), "{}", stderr(&listed));
    let text = stdout(&listed);
    assert!(text.contains("scenes from (built-in)/scenes"), "{text}");
    assert!(text.contains("kitchen_counter") && text.contains("push_left_to_right"), "{text}");

    let mut args = vec!["generate", "--out", "out", "--clips", "2", "--width", "64", "--height", "64", "--quiet"];
    args.extend(REAL_TIME_FEW_FRAMES);
    let generated = run_in(&binary, &work, &args);
    assert!(generated.status.success(), "{}", stderr(&generated));
    let out = work.join("out");
    assert_eq!(clip_dirs(&out).len(), 2);
    // The clips were made from the very files of the checkout the binary was built from.
    let label: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("000000/label.json")).unwrap()).unwrap();
    let objects = std::fs::read(repository("assets/objects.ron")).unwrap();
    let fnv1a64 = |bytes: &[u8]| {
        bytes
            .iter()
            .fold(0xcbf2_9ce4_8422_2325u64, |hash, byte| (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3))
    };
    let expected = format!("{:016x}", fnv1a64(&objects));
    assert_eq!(label["spec"]["content_hashes"]["objects"], expected.as_str());
    // Nothing besides the dataset was written.
    let written = files_under(&work);
    assert!(written.iter().all(|path| path.starts_with("out")), "{written:?}");
}

#[test]
fn content_on_disk_comes_before_the_built_in_set_part_by_part() {
    let (_root, binary, work) = installed();
    // The current directory's scenes/ (one scene) replace the built-in scenes; actions stay built in.
    std::fs::create_dir_all(work.join("scenes")).unwrap();
    std::fs::copy(repository("scenes/office_desk.ron"), work.join("scenes/office_desk.ron")).unwrap();
    let listed = run_in(&binary, &work, &["list"]);
    assert!(listed.status.success(), "{}", stderr(&listed));
    let text = stdout(&listed);
    assert!(text.contains(&format!("scenes from {}", work.join("scenes").display())), "{text}");
    assert!(text.contains("actions from (built-in)/actions"), "{text}");
    assert!(text.contains("office_desk") && !text.contains("kitchen_counter"), "{text}");

    // --content DIR comes before the current directory.
    let project = work.join("project");
    std::fs::create_dir_all(project.join("scenes")).unwrap();
    std::fs::copy(repository("scenes/tabletop_room.ron"), project.join("scenes/tabletop_room.ron")).unwrap();
    let listed = run_in(&binary, &work, &["list", "--content", "project"]);
    let text = stdout(&listed);
    assert!(text.contains("tabletop_room") && !text.contains("office_desk"), "{text}");
    // and a flag before both.
    let scenes = repository("scenes");
    let listed =
        run_in(&binary, &work, &["validate", "--content", "project", "--scenes-dir", scenes.to_str().unwrap()]);
    assert!(listed.status.success(), "{}", stderr(&listed));
    assert!(stdout(&listed).contains("ok: 3 scene(s)"), "{}", stdout(&listed));

    // A broken file on disk is named with its line and field, as ever.
    std::fs::write(work.join("scenes/office_desk.ron"), "SceneDef(nmae: \"x\")").unwrap();
    let broken = run_in(&binary, &work, &["validate"]);
    assert!(!broken.status.success());
    assert!(stderr(&broken).contains("office_desk.ron:1:"), "{}", stderr(&broken));

    let missing = run_in(&binary, &work, &["list", "--content", "nowhere"]);
    assert!(!missing.status.success());
    assert!(stderr(&missing).contains("--content nowhere: no such directory"), "{}", stderr(&missing));
}
