//! Fault tier: one test per class of bad input (content, labels read back, dataset files and
//! flags, the file system and driver, shards to merge), each case run in a sandbox folder that
//! is its working directory and TMPDIR and holds its content and datasets. A refused input exits
//! non-zero, without a panic, with a message naming file, line and field, and leaves every file
//! and folder in the sandbox as it was, `--out` included; unusual but valid input is accepted and
//! changes nothing outside `--out`.

mod common;

use common::REAL_TIME_FEW_FRAMES;
use common::sandbox::Sandbox;

/// Tiny, short clips: these tests are about files, not pictures.
fn small(args: &[&str]) -> Vec<String> {
    let mut all: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    all.extend(["--width", "32", "--height", "32", "--quiet"].map(String::from));
    all.extend(REAL_TIME_FEW_FRAMES.map(String::from));
    all
}

fn strs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

/// 1-based line of the first line of `text` containing `needle`.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines().position(|line| line.contains(needle)).unwrap_or_else(|| panic!("no `{needle}`")) + 1
}

#[test]
fn content_that_would_panic_hang_or_poison_a_dataset_is_refused_by_file_line_and_field() {
    let sandbox = Sandbox::with_content();
    let room = "scenes/tabletop_room.ron";
    let area = "action_area: ActionAreaDef(center: (0.0, 0.05), half_extents: (0.32, 0.2)),";
    let table = "SurfaceDef(name: \"table_top\", size: (1.4, 0.04, 0.8), position: (0.0, 0.73, 0.0),";
    let no_collider = format!("{table} collider: false,");
    // (file, text replaced, replacement, the line named, field, message)
    let cases = [
        (
            room,
            area,
            "action_area: ActionAreaDef(center: (NaN, 0.0), half_extents: (0.3, 0.2)),",
            "",
            "action_area",
            "",
        ),
        (
            room,
            area,
            "action_area: ActionAreaDef(center: (0.0, 0.0), half_extents: (30.0, 20.0)),",
            "",
            "action_area",
            "",
        ),
        (room, "distractors: (0, 2)", "distractors: (4000000000, 4000000000)", "", "distractors", ""),
        (room, "friction: 0.5", "friction: NaN", "", "surfaces[3].friction", "friction must be 0 to 2"),
        (room, table, &no_collider, "work_surface:", "work_surface", "nothing could stand on it"),
        (room, "action_area:", "action_aera:", "", "action_aera", "unknown field"),
        ("actions/push_slightly.ron", "margin: 0.02", "margin: NaN", "", "postconditions[3].margin", "fraction"),
        ("assets/objects.ron", "mass: (0.10, 0.40)", "mass: (-1.0, 0.40)", "", "kinds[0].mass", ""),
        (
            "assets/objects.ron",
            "mass: (0.10, 0.40)",
            "mass: (0.1, 0.4), density: (500.0, 600.0)",
            "",
            "kinds[0].density",
            "not both",
        ),
    ];
    for (file, from, to, named, field, message) in cases {
        let original = sandbox.read(file);
        assert!(original.contains(from), "{file} holds `{from}`");
        let edited = original.replacen(from, to, 1);
        sandbox.write(file, &edited);
        let line = line_of(&edited, if named.is_empty() { to } else { named });
        let position = format!("{}:{line}:", sandbox.path(file).display());
        let field = format!("field `{}", field);
        let expected = [position.as_str(), field.as_str(), message];
        sandbox.refused(&["validate"], &expected);
        sandbox.refused(&strs(&small(&["generate", "--out", "out", "--clips", "2"])), &expected);
        sandbox.write(file, &original);
    }
}

/// A one-clip dataset made in the sandbox as `data`, and the JSON of its label.
fn one_clip(sandbox: &Sandbox) -> serde_json::Value {
    sandbox.accepted(&strs(&small(&["generate", "--out", "data", "--clips", "1", "--start", "5"])), "data");
    serde_json::from_str(&sandbox.read("data/000005/label.json")).unwrap()
}

#[test]
fn a_label_read_back_is_untrusted_and_refused_by_name() {
    let sandbox = Sandbox::new();
    let label = one_clip(&sandbox);
    std::fs::create_dir_all(sandbox.path("edited/000005")).unwrap();
    type Edit = fn(&mut serde_json::Value);
    // (what is named, the edit)
    let cases: [(&str, Edit); 4] = [
        ("field `id`: \"../escaped\" is not a plain clip name", |v| v["id"] = "../escaped".into()),
        ("field `spec.actors[0].grips`: object 99 does not exist", |v| {
            v["spec"]["actors"][0]["grips"] = serde_json::json!([{"object": 99, "from": 0.0, "until": 1.0}])
        }),
        ("field `spec.spec_version`: its spec has version 1", |v| v["spec"]["spec_version"] = 1.into()),
        ("missing field", |v| *v = serde_json::json!({"id": "000005"})),
    ];
    for (expected, edit) in cases {
        let mut edited = label.clone();
        edit(&mut edited);
        // Pretty-printed, as synthact writes it, so that lines mean something.
        sandbox.write("edited/000005/label.json", &serde_json::to_string_pretty(&edited).unwrap());
        sandbox.refused(&["rerender", "edited/000005", "--out", "again"], &["edited/000005/label.json:", expected]);
    }
    // A truncated label: the line and column where it stops.
    let text = serde_json::to_string_pretty(&label).unwrap();
    sandbox.write("edited/000005/label.json", &text[..text.len() / 2]);
    let line = text[..text.len() / 2].lines().count();
    sandbox.refused(&["rerender", "edited/000005", "--out", "again"], &[&format!("label.json:{line}:")]);
    // merge reads ids the same way: a label naming another directory is refused.
    let mut moved = label.clone();
    moved["id"] = "000006".into();
    sandbox.write("edited/000005/label.json", &moved.to_string());
    sandbox.refused(&["merge", "edited", "--out", "merged"], &["is not the name of its directory"]);
    sandbox.refused(&["merge", "edited", "--out", "data"], &["is not the name of its directory"]);
}

#[test]
fn dataset_files_and_flags_are_refused_by_file_line_and_field() {
    let sandbox = Sandbox::new();
    // (text, line, field, message)
    let cases = [
        ("DatasetConfigDef(\n    actions: [\"push_left_to_rigth\"],\n)\n", 2, "actions[0]", "unknown action"),
        ("DatasetConfigDef(\n    clips_per_class: 0,\n)\n", 2, "clips_per_class", "must be 1 to 1000000000"),
        ("DatasetConfigDef(\n    seed: 1,\n    width: 8,\n)\n", 3, "width", "must be 16 to 4096 pixels"),
        ("DatasetConfigDef(\n    fps: 10,\n    duration_s: 1e9,\n)\n", 3, "duration_s", "seconds"),
        ("DatasetConfigDef(\n    sed: 3,\n)\n", 2, "sed", "unknown field `sed`"),
    ];
    for (text, line, field, message) in cases {
        sandbox.write("bad.ron", text);
        let position = format!("bad.ron:{line}:");
        let field = format!("field `{field}`");
        sandbox.refused(&["generate", "--config", "bad.ron", "--out", "out"], &[&position, &field, message]);
    }
    let flags: [(&[&str], &str); 5] = [
        (&["--clips", "0"], "--clips must be at least 1"),
        (&["--actions", "juggling"], "unknown action `juggling`"),
        (&["--width", "8"], "--width must be 16 to 4096 (got 8)"),
        (&["--shard", "2/2"], "shard 2/2 does not exist"),
        (&["--fps", "0"], "--fps must be 1 to 240 (got 0)"),
    ];
    for (extra, expected) in flags {
        let args = [&["generate", "--out", "out"][..], extra].concat();
        sandbox.refused(&args, &[expected]);
    }
}

#[test]
fn file_system_and_driver_faults_are_named_once_and_touch_nothing() {
    let sandbox = Sandbox::new();
    sandbox.write("a-file", "not a directory");
    let message = sandbox.refused(&strs(&small(&["generate", "--out", "a-file", "--clips", "1"])), &["cannot write"]);
    assert_eq!(message.matches("os error").count(), 1, "each cause once: {message}");
    sandbox.refused(&strs(&small(&["generate", "--out", "a-file/out", "--clips", "1"])), &["cannot write"]);
    // No Vulkan driver: named with the package that provides it, before anything is written.
    let before = sandbox.snapshot();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_synthact"))
        .args(["generate", "--out", "out", "--clips", "1"])
        .current_dir(sandbox.path(""))
        .env("VK_ICD_FILENAMES", sandbox.path("no-driver.json"))
        .env_remove("VK_DRIVER_FILES")
        .output()
        .unwrap();
    let message = common::stderr(&output);
    assert!(!output.status.success());
    assert!(message.contains("no Vulkan driver") && message.contains("mesa-vulkan-drivers"), "{message}");
    assert!(!message.contains("panicked"), "{message}");
    assert_eq!(common::sandbox::changes(&before, &sandbox.snapshot()), Vec::<std::path::PathBuf>::new());
}

#[test]
fn shards_that_disagree_are_refused_and_leave_out_as_it_was() {
    let sandbox = Sandbox::new();
    for (shard, index) in [("s0", "0/2"), ("s1", "1/2"), ("other", "1/2")] {
        sandbox.accepted(&strs(&small(&["generate", "--out", shard, "--clips", "4", "--shard", index])), shard);
    }
    let mut label: serde_json::Value = serde_json::from_str(&sandbox.read("other/000001/label.json")).unwrap();
    label["clip_seed"] = 7.into();
    sandbox.write("other/000001/label.json", &label.to_string());
    sandbox.refused(&["merge", "s1", "other", "--out", "merged"], &["clip 000001 differs"]);
    sandbox.accepted(&["merge", "s0", "s1", "--out", "merged"], "merged");
    sandbox.refused(&["merge", "other", "--out", "merged"], &["clip 000001 differs"]);
    // A shard made with other settings: its recipe differs.
    sandbox.accepted(&strs(&small(&["generate", "--out", "seeded", "--clips", "1", "--seed", "9"])), "seeded");
    sandbox.refused(&["merge", "s0", "seeded", "--out", "mixed"], &["different recipes"]);
    sandbox.refused(&["merge", "seeded", "--out", "merged"], &["different recipes"]);
}

#[test]
fn unusual_but_valid_input_is_accepted_and_writes_only_into_out() {
    let sandbox = Sandbox::with_content();
    // A byte-order mark, as some editors write.
    let room = sandbox.read("scenes/office_desk.ron");
    sandbox.write("scenes/office_desk.ron", &format!("\u{feff}{room}"));
    sandbox.accepted(&["validate"], "-");
    sandbox.accepted(&strs(&small(&["generate", "--out", "data", "--clips", "3", "--annotations", "masks"])), "data");
    // A damaged clip is made again, in place.
    let label = sandbox.read("data/000001/label.json");
    sandbox.write("data/000001/label.json", &label[..label.len() / 2]);
    sandbox.accepted(&strs(&small(&["generate", "--out", "data", "--clips", "3", "--annotations", "masks"])), "data");
    assert_eq!(sandbox.read("data/000001/label.json"), label);
    // Shards with masks merge; a clip renders again from its label.
    for (shard, index) in [("s0", "0/2"), ("s1", "1/2")] {
        let args = ["generate", "--out", shard, "--clips", "3", "--annotations", "masks", "--shard", index];
        sandbox.accepted(&strs(&small(&args)), shard);
    }
    sandbox.accepted(&["merge", "s0", "s1", "--out", "merged"], "merged");
    sandbox.accepted(&["rerender", "data/000002", "--out", "again"], "again");
}
