//! Audit tier: `synthact audit` on the content (clips planned, simulated and verified, not
//! rendered) and on a rendered dataset. A pair of classes whose first frames differ is flagged;
//! a pair with identical setups is not; a finished dataset is read back from its files.

mod common;

use std::path::PathBuf;

use common::{REAL_TIME_FEW_FRAMES, stderr, stdout, synthact};
use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/audit").join(name)
}

/// `audit --catalogue --json` over the actions of fixture `name`.
fn catalogue(name: &str, extra: &[&str]) -> std::process::Output {
    let actions = fixture(name);
    let mut args = vec!["audit", "--catalogue", "--json", "--clips-per-class", "60"];
    args.extend(["--actions-dir", actions.to_str().unwrap()]);
    args.extend(extra);
    synthact(&args)
}

fn group<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["groups"].as_array().unwrap().iter().find(|g| g["group"] == name).expect("the group is scored")
}

#[test]
fn a_pair_whose_first_frames_differ_is_flagged_and_its_last_frames_separate() {
    let output = catalogue("biased", &["--max-leak", "10"]);
    assert!(!output.status.success(), "a leaking group fails --max-leak");
    assert!(stderr(&output).contains("push_sideways"), "{}", stderr(&output));
    let report: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(report["clips"], 120);
    let pair = group(&report, "push_sideways");
    assert_eq!(pair["chance"], 0.5);
    let first = pair["first_frame"]["low"].as_f64().unwrap();
    assert!(first > 0.8, "the target's side gives the label away: {pair}");
    assert!(pair["last_frame"]["accuracy"].as_f64().unwrap() > 0.9, "{pair}");
}

#[test]
fn a_pair_with_identical_setups_is_not_flagged() {
    let output = catalogue("fair", &["--max-leak", "10"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let report: Value = serde_json::from_str(&stdout(&output)).unwrap();
    let twins = group(&report, "twins");
    assert!(twins["first_frame"]["low"].as_f64().unwrap() < 0.6, "{twins}");
    // The counts a user reads: every clip of both classes, with its attempts.
    assert_eq!(report["by_class"]["100 push_slightly"], 60);
    assert_eq!(report["by_class"]["100 push_slightly_twin"], 60);
    let attempts: u64 = report["attempts"].as_object().unwrap().values().map(|n| n.as_u64().unwrap()).sum();
    assert_eq!(attempts, 120);
}

#[test]
fn the_shipped_sets_leak_no_label_through_their_first_frames_and_clutter_shows_in_most_classes() {
    for set in ["ssv2-synthetic-set-a", "ssv2-synthetic-set-b"] {
        let config = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("datasets").join(format!("{set}.ron"));
        let args = ["audit", "--catalogue", "--json", "--max-leak", "10", "--config", config.to_str().unwrap()];
        let output = synthact(&args);
        assert!(output.status.success(), "{set}: {}", stderr(&output));
        let report: Value = serde_json::from_str(&stdout(&output)).unwrap();
        let scored = report["groups"].as_array().unwrap().iter().filter(|g| g["first_frame"].is_object()).count();
        assert!(scored >= 2, "{set}: at least two groups are scored");
        // What some class needs (a ramp, a stack, an object held in the air) also stands in the
        // clips of most others, so it does not name a class by itself.
        for cue in ["ramp", "stack", "object held in the air"] {
            let classes = report["cues"][cue].as_object().map_or(0, |shares| shares.len());
            assert!(classes >= 7, "{set}: `{cue}` shows in {classes} of 14 classes: {}", report["cues"]);
        }
    }
}

#[test]
fn the_text_report_names_each_group_with_its_scores_and_the_cues_per_class() {
    let output = synthact(&["audit", "--catalogue", "--clips-per-class", "10", "--actions", "roll_down_ramp,tip_over"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    let expected = ["clips per class", "first frame", "last frame", "all classes", "ramp: roll_down_ramp 100.0%"];
    let spreads = ["visibility of the", "median over its clip: p5", "camera elevation", "roll", "lux"];
    for expected in expected.into_iter().chain(spreads) {
        assert!(text.contains(expected), "`{expected}` in:\n{text}");
    }
}

#[test]
fn a_rendered_dataset_is_audited_from_its_files_with_or_without_annotations() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let actions = fixture("biased");
    let mut args = vec!["generate", "--quiet", "--out", out.to_str().unwrap(), "--clips", "10"];
    args.extend(["--width", "32", "--height", "32", "--actions-dir", actions.to_str().unwrap()]);
    args.extend(REAL_TIME_FEW_FRAMES);
    let output = synthact(&args);
    assert!(output.status.success(), "{}", stderr(&output));
    let audit = || {
        let output = synthact(&["audit", out.to_str().unwrap(), "--json", "--actions-dir", actions.to_str().unwrap()]);
        assert!(output.status.success(), "{}", stderr(&output));
        serde_json::from_str::<Value>(&stdout(&output)).unwrap()
    };
    let report = audit();
    assert_eq!(report["clips"], 10);
    assert_eq!(report["by_class"]["93 push_left_to_right"], 5);
    // The visibility each label records: one pushed target a clip, each seen enough.
    let visibility = &report["visibility"];
    assert_eq!(visibility["objects"], 10, "{visibility}");
    assert!(visibility["lowest_median"].as_f64().unwrap() >= 0.5, "{visibility}");
    assert!(group(&report, "push_sideways")["first_frame"]["accuracy"].is_number(), "scored from 5 clips a class");
    // How the clips were filmed, as their labels' cameras say.
    let mut elevations: Vec<f64> = (0..10)
        .map(|i| {
            let label: Value =
                serde_json::from_slice(&std::fs::read(out.join(format!("{i:06}/label.json"))).unwrap()).unwrap();
            let camera = &label["spec"]["camera"];
            let at = |key: &str, axis: usize| camera[key][axis].as_f64().unwrap();
            let (dx, dy, dz) = (
                at("look_at", 0) - at("position", 0),
                at("look_at", 1) - at("position", 1),
                at("look_at", 2) - at("position", 2),
            );
            (-dy).atan2(dx.hypot(dz)).to_degrees()
        })
        .collect();
    elevations.sort_by(f64::total_cmp);
    let spread = &report["viewpoints"];
    let elevation: Vec<f64> = (0..3).map(|i| spread["elevation_deg"][i].as_f64().unwrap()).collect();
    assert!(
        (elevation[1] - elevations[4]).abs() < 1e-3 && elevation[0] <= elevation[1] && elevation[1] <= elevation[2],
        "{spread}"
    );
    assert!((10.0..60.0).contains(&elevation[1]), "{spread}");
    assert!((0..3).all(|i| spread["roll_deg"][i].as_f64().unwrap().abs() <= 4.0), "{spread}");
    assert!(spread["sun_lux"][0].as_f64().unwrap() >= 1000.0, "{spread}");

    // Without annotations.json the poses are simulated again from the label's spec: the same report.
    std::fs::remove_file(out.join("000003/annotations.json")).unwrap();
    assert_eq!(audit(), report);

    // Content that does not load: the dataset is still audited, and the user told why no
    // content group is scored.
    let missing = dir.path().join("no-actions");
    let output = synthact(&["audit", out.to_str().unwrap(), "--json", "--actions-dir", missing.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stderr(&output).contains("no first-frame groups from the content"), "{}", stderr(&output));
    let without: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert!(without["groups"].as_array().unwrap().is_empty());

    // A broken annotations file is named.
    std::fs::write(out.join("000004/annotations.json"), "{").unwrap();
    let output = synthact(&["audit", out.to_str().unwrap()]);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("000004/annotations.json"), "{}", stderr(&output));
}

#[test]
fn bad_audit_arguments_are_refused_clearly() {
    let output = synthact(&["audit", "--catalogue", "--group", "lonely=push_off_table"]);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("NAME=action,action"), "{}", stderr(&output));
    let empty = tempfile::tempdir().unwrap();
    let output = synthact(&["audit", empty.path().to_str().unwrap()]);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("no finished clips"), "{}", stderr(&output));
    for bad in ["--max-leak=-3", "--max-leak=nan"] {
        let output = synthact(&["audit", "--catalogue", "--clips-per-class", "5", bad]);
        assert!(!output.status.success());
        assert!(stderr(&output).contains("--max-leak must be"), "{}", stderr(&output));
    }
}
