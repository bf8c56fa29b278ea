//! Batch tier: manifests read back the way training code reads them, shards plus `merge` equal one
//! run, a run killed with SIGKILL resumes to the same bytes, and so does a merge killed midway.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::{REAL_TIME_FEW_FRAMES, files_under, stderr};

/// The settings every run in this file shares: tiny frames, few of them (with
/// `REAL_TIME_FEW_FRAMES`), but the actions' real three seconds of 120 Hz physics.
const SMALL: [&str; 6] = ["--seed", "21", "--width", "48", "--height", "48"];

fn generate(out: &Path, extra: &[&str], env: &[(&str, &str)]) {
    let output = Command::new(env!("CARGO_BIN_EXE_synthact"))
        .args(["generate", "--quiet", "--out", out.to_str().unwrap()])
        .args(SMALL)
        .args(REAL_TIME_FEW_FRAMES)
        .args(extra)
        .envs(env.iter().copied())
        .output()
        .unwrap();
    assert!(output.status.success(), "generate {extra:?} failed:\n{}", stderr(&output));
}

fn assert_same_tree(expected: &Path, actual: &Path) {
    let files = files_under(expected);
    assert_eq!(files_under(actual), files, "{} and {} hold different files", expected.display(), actual.display());
    for file in files {
        let same = std::fs::read(expected.join(&file)).unwrap() == std::fs::read(actual.join(&file)).unwrap();
        assert!(same, "{} differs between {} and {}", file.display(), expected.display(), actual.display());
    }
}

fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn manifests_are_read_the_way_training_code_reads_them() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    generate(root, &["--clips", "12"], &[]);

    // Every clip as its label.json tells it.
    let mut clips = BTreeMap::new();
    for entry in std::fs::read_dir(root).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            let label = read_json(&path.join("label.json"));
            clips.insert(label["id"].as_str().unwrap().to_string(), label);
        }
    }
    assert_eq!(clips.len(), 12);

    // SSv2: labels.json maps the template without brackets to the index, as a string.
    let classes = read_json(&root.join("labels.json"));
    assert_eq!(classes.as_object().unwrap().len(), 174);
    let class_of = |template: &str| classes[template.replace(['[', ']'], "")].as_str().unwrap().parse::<u64>().unwrap();
    let mut seen = BTreeSet::new();
    for split in ["train", "validation"] {
        for entry in read_json(&root.join(format!("{split}.json"))).as_array().unwrap() {
            let id = entry["id"].as_str().unwrap();
            let clip = &clips[id];
            assert_eq!(entry["label"], clip["label"]);
            assert_eq!(entry["placeholders"], clip["placeholders"]);
            assert_eq!(class_of(entry["template"].as_str().unwrap()), clip["class_index"].as_u64().unwrap());
            assert!(seen.insert(id.to_string()), "{id} is in two splits");
        }
    }
    for entry in read_json(&root.join("test.json")).as_array().unwrap() {
        assert_eq!(entry.as_object().unwrap().len(), 1, "test entries hold ids only: {entry}");
        assert!(seen.insert(entry["id"].as_str().unwrap().to_string()));
    }
    assert_eq!(seen.len(), 12, "every clip is in exactly one split");

    // MMAction2 raw frames: `dir total_frames label`, frames img_00001.jpg.. under dir.
    let mut listed = 0;
    for (list, split) in [("train", "train"), ("val", "validation"), ("test", "test")] {
        let text = std::fs::read_to_string(root.join(format!("{list}_list_rawframes.txt"))).unwrap();
        let split_ids: BTreeSet<String> = if split == "test" {
            read_json(&root.join("test.json"))
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["id"].as_str().unwrap().into())
                .collect()
        } else {
            read_json(&root.join(format!("{split}.json")))
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["id"].as_str().unwrap().into())
                .collect()
        };
        for line in text.lines() {
            let fields: Vec<&str> = line.split(' ').collect();
            assert_eq!(fields.len(), 3, "{line:?}");
            let (clip_dir, total, label) =
                (fields[0], fields[1].parse::<u32>().unwrap(), fields[2].parse::<u64>().unwrap());
            assert!(split_ids.contains(clip_dir), "{clip_dir} listed in the wrong split");
            assert_eq!(label, clips[clip_dir]["class_index"].as_u64().unwrap());
            assert_eq!(total, 6);
            for frame in 1..=total {
                assert!(root.join(clip_dir).join(format!("img_{frame:05}.jpg")).is_file());
            }
            listed += 1;
        }
    }
    assert_eq!(listed, 12);

    // PySlowFast's Ssv2 loader: the csv header, 5 space-separated fields, paths under the prefix,
    // and its label files under their own names.
    let slowfast_classes = read_json(&root.join("something-something-v2-labels.json"));
    assert_eq!(slowfast_classes, classes);
    for (csv, json) in
        [("train.csv", "something-something-v2-train.json"), ("val.csv", "something-something-v2-validation.json")]
    {
        let text = std::fs::read_to_string(root.join(csv)).unwrap();
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some("original_vido_id video_id frame_id path labels"));
        let mut frames: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for line in lines {
            let row: Vec<&str> = line.split_whitespace().collect();
            assert_eq!(row.len(), 5, "{line:?}");
            assert_eq!(row[4], "\"\"");
            assert!(root.join(row[3]).is_file(), "{} missing", row[3]);
            let paths = frames.entry(row[0].to_string()).or_default();
            assert_eq!(row[2].parse::<usize>().unwrap(), paths.len(), "frame ids count from 0");
            paths.push(row[3].to_string());
        }
        let entries = read_json(&root.join(json));
        let ids: BTreeSet<String> =
            entries.as_array().unwrap().iter().map(|e| e["id"].as_str().unwrap().into()).collect();
        assert_eq!(ids, frames.keys().cloned().collect(), "{csv} and {json} list the same videos");
        for entry in entries.as_array().unwrap() {
            let template = entry["template"].as_str().unwrap().replace(['[', ']'], "");
            assert!(slowfast_classes.get(&template).is_some(), "{template} not in the labels file");
        }
    }

    let info = read_json(&root.join("dataset.json"));
    assert_eq!(info["clips"], 12);
    assert_eq!(info["dataset_seeds"], serde_json::json!([21]));
    assert_eq!(info["clips_per_class"].as_object().unwrap().values().map(|v| v.as_u64().unwrap()).sum::<u64>(), 12);
}

#[test]
fn shards_merged_and_killed_runs_equal_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let whole = dir.path().join("whole");
    generate(&whole, &["--clips", "8"], &[]);

    // Two shards, one from the flag and one from a Slurm array task's environment, then merge.
    let (first, second, merged) = (dir.path().join("s0"), dir.path().join("s1"), dir.path().join("merged"));
    generate(&first, &["--clips", "8", "--shard", "0/2"], &[]);
    generate(&second, &["--clips", "8"], &[("SLURM_ARRAY_TASK_ID", "1"), ("SLURM_ARRAY_TASK_COUNT", "2")]);
    assert_eq!(files_under(&first).iter().filter(|f| f.ends_with("label.json")).count(), 4);
    let output = Command::new(env!("CARGO_BIN_EXE_synthact"))
        .args(["merge", first.to_str().unwrap(), second.to_str().unwrap(), "--out", merged.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert_same_tree(&whole, &merged);

    // Kill a run with SIGKILL once it has finished a clip, run it again: the same dataset.
    let resumed = dir.path().join("resumed");
    let mut child = Command::new(env!("CARGO_BIN_EXE_synthact"))
        .args(["generate", "--quiet", "--out", resumed.to_str().unwrap(), "--clips", "8"])
        .args(SMALL)
        .args(REAL_TIME_FEW_FRAMES)
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    while !resumed.join("000000/label.json").exists() && !resumed.join("000001/label.json").exists() {
        assert!(Instant::now() < deadline, "no clip finished in time");
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let finished_before = files_under(&resumed).iter().filter(|f| f.ends_with("label.json")).count();
    assert!(finished_before < 8, "the run was killed before it finished ({finished_before} clips)");
    for entry in std::fs::read_dir(&resumed).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        if path.is_dir() && !name.starts_with('.') {
            assert!(path.join("label.json").is_file(), "a half-written clip {name} is in its final place");
        }
    }
    generate(&resumed, &["--clips", "8"], &[]);
    assert_same_tree(&whole, &resumed);
}

#[test]
fn a_damaged_clip_from_an_earlier_run_is_made_again_with_a_line_saying_why() {
    let dir = tempfile::tempdir().unwrap();
    let (whole, damaged) = (dir.path().join("whole"), dir.path().join("damaged"));
    generate(&whole, &["--clips", "3", "--workers", "1"], &[]);
    generate(&damaged, &["--clips", "3", "--workers", "1"], &[]);
    // A truncated label, and a clip missing a frame.
    let label = damaged.join("000001/label.json");
    let text = std::fs::read(&label).unwrap();
    std::fs::write(&label, &text[..text.len() / 2]).unwrap();
    std::fs::remove_file(damaged.join("000002/img_00003.jpg")).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_synthact"))
        .args(["generate", "--out", damaged.to_str().unwrap(), "--clips", "3", "--workers", "1"])
        .args(SMALL)
        .args(REAL_TIME_FEW_FRAMES)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(said.contains("000001: its label.json does not read back"), "{said}");
    assert!(said.contains("000002: img_00003.jpg is missing; making it again"), "{said}");
    assert!(said.contains("000000 already done, skipped"), "{said}");
    assert_same_tree(&whole, &damaged);
}

fn merge(shards: &[&Path], out: &Path) -> std::process::Output {
    let mut args = vec!["merge".to_string()];
    args.extend(shards.iter().map(|s| s.to_str().unwrap().to_string()));
    args.extend(["--out".to_string(), out.to_str().unwrap().to_string()]);
    Command::new(env!("CARGO_BIN_EXE_synthact")).args(args).output().unwrap()
}

#[test]
fn shards_with_masks_and_depth_merge_whole_and_a_failed_merge_leaves_out_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let dense = ["--clips", "4", "--annotations", "masks,depth"];
    let (whole, first, second) = (dir.path().join("whole"), dir.path().join("s0"), dir.path().join("s1"));
    generate(&whole, &dense, &[]);
    generate(&first, &[&dense[..], &["--shard", "0/2"]].concat(), &[]);
    generate(&second, &[&dense[..], &["--shard", "1/2"]].concat(), &[]);
    let merged = dir.path().join("merged");
    let output = merge(&[&first, &second], &merged);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_same_tree(&whole, &merged);

    // A shard whose clip 1 differs from the other's: refused before anything is written.
    let other = dir.path().join("other");
    generate(&other, &[&dense[..], &["--shard", "1/2"]].concat(), &[]);
    let label = other.join("000001/label.json");
    let text = std::fs::read_to_string(&label).unwrap();
    assert!(text.contains("\"dataset_seed\": 21"));
    std::fs::write(&label, text.replace("\"dataset_seed\": 21", "\"dataset_seed\": 22")).unwrap();
    let refused = dir.path().join("refused");
    let output = merge(&[&second, &other], &refused);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("clip 000001 differs"), "{}", stderr(&output));
    assert!(!refused.exists(), "a failed merge leaves no --out behind");
    // Into an existing dataset: it stays as it was.
    let output = merge(&[&other], &merged);
    assert!(!output.status.success());
    assert_same_tree(&whole, &merged);
}

/// Whether `merged` shows the point a merge is killed at in `round`: it exists; a clip is being
/// copied beside its place; a clip is in its place.
fn merge_reached(merged: &Path, round: usize) -> bool {
    let entries = || -> Vec<String> {
        std::fs::read_dir(merged)
            .map(|d| d.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).collect())
            .unwrap_or_default()
    };
    match round {
        0 => merged.exists(),
        1 => entries().iter().any(|name| name.starts_with('.')),
        _ => entries().iter().any(|name| name.starts_with("0000")),
    }
}

#[test]
fn a_merge_killed_midway_is_completed_by_the_next_merge() {
    let dir = tempfile::tempdir().unwrap();
    let dense = ["--clips", "6", "--annotations", "masks,depth"];
    let (whole, first, second) = (dir.path().join("whole"), dir.path().join("s0"), dir.path().join("s1"));
    generate(&whole, &dense, &[]);
    generate(&first, &[&dense[..], &["--shard", "0/2"]].concat(), &[]);
    generate(&second, &[&dense[..], &["--shard", "1/2"]].concat(), &[]);
    let shards_before = [files_under(&first), files_under(&second)];
    for round in 0..3 {
        let merged = dir.path().join(format!("merged-{round}"));
        let mut child = Command::new(env!("CARGO_BIN_EXE_synthact"))
            .args(["merge", first.to_str().unwrap(), second.to_str().unwrap(), "--out", merged.to_str().unwrap()])
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(60);
        while !merge_reached(&merged, round) && child.try_wait().unwrap().is_none() {
            assert!(Instant::now() < deadline, "the merge never reached point {round}");
        }
        child.kill().unwrap(); // SIGKILL, wherever it is
        child.wait().unwrap();
        let output = merge(&[&first, &second], &merged);
        assert!(output.status.success(), "round {round}: {}", stderr(&output));
        assert_same_tree(&whole, &merged);
    }
    assert_eq!([files_under(&first), files_under(&second)], shards_before, "the shards are left as they were");
}

#[test]
fn json_lines_mode_reports_every_clip_then_a_summary() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_synthact"))
        .args(["generate", "--json", "--out", dir.path().to_str().unwrap(), "--clips", "4"])
        .args(SMALL)
        .args(REAL_TIME_FEW_FRAMES)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let events: Vec<serde_json::Value> =
        String::from_utf8(output.stdout).unwrap().lines().map(|line| serde_json::from_str(line).unwrap()).collect();
    assert_eq!(events.len(), 5, "{events:?}");
    let ids: BTreeSet<&str> = events[..4].iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(ids, BTreeSet::from(["000000", "000001", "000002", "000003"]));
    let summary = &events[4];
    assert_eq!(summary["event"], "summary");
    assert_eq!(summary["written"], 4);
    let per_action = summary["per_action"].as_array().unwrap();
    assert_eq!(per_action.iter().map(|a| a["clips"].as_u64().unwrap()).sum::<u64>(), 4);
    assert!(per_action.iter().all(|a| a["acceptance_rate"].as_f64().unwrap() > 0.0));
    // The device the clips were rendered on (its speed decides the run's).
    assert!(!summary["renderer"].as_str().unwrap().is_empty(), "{summary}");
}

#[test]
fn in_a_terminal_a_progress_bar_shows_clips_rate_eta_and_rejections_then_a_summary() {
    // `script` (util-linux, on every Debian) runs the command on a pseudo-terminal, as a user's
    // shell would: stdout is a terminal, so `generate` draws its bar instead of one line per clip.
    let dir = tempfile::tempdir().unwrap();
    let mut command = vec![env!("CARGO_BIN_EXE_synthact").to_string(), "generate".into(), "--clips".into(), "4".into()];
    command.extend(["--out".to_string(), dir.path().to_str().unwrap().to_string()]);
    command.extend(SMALL.iter().chain(REAL_TIME_FEW_FRAMES.iter()).map(|a| a.to_string()));
    let output = Command::new("script")
        .args(["--quiet", "--return", "--command", &shell_words(&command), "/dev/null"])
        .env("COLUMNS", "160")
        .output()
        .expect("`script` (util-linux) runs");
    let shown = String::from_utf8_lossy(&output.stdout).to_string();
    assert!(output.status.success(), "generate under a terminal failed:\n{shown}\n{}", stderr(&output));
    // What the bar draws while clips finish: done of total, a rate, an ETA, rejected attempts.
    let bar = shown.find("/4 clips").expect("the bar shows clips done of 4");
    assert!(shown[bar..].contains("/s"), "the bar shows a rate: {shown:?}");
    assert!(shown.contains("ETA"), "the bar shows an ETA: {shown:?}");
    assert!(shown.contains("rejected attempts"), "the bar counts rejected attempts: {shown:?}");
    // Then the summary, and no per-clip lines (those are for pipes and files).
    assert!(shown.contains("wrote 4 clip(s), skipped 0"), "summary: {shown:?}");
    assert!(shown.contains("% accepted"), "per-class acceptance in the summary: {shown:?}");
    assert!(!shown.contains("attempt)"), "per-clip lines are not printed under a bar: {shown:?}");
    let labels = files_under(dir.path()).into_iter().filter(|f| f.ends_with("label.json")).count();
    assert_eq!(labels, 4);
}

/// `words` as one shell command line, each word single-quoted.
fn shell_words(words: &[String]) -> String {
    words.iter().map(|word| format!("'{}'", word.replace('\'', r"'\''"))).collect::<Vec<_>>().join(" ")
}

fn synthact_in(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_synthact")).args(args).output().unwrap()
}

#[test]
fn a_dataset_configuration_drives_generate_and_flags_override_it() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("small.ron");
    std::fs::write(
        &config,
        "DatasetConfigDef(seed: 4, clips_per_class: 2, actions: [\"push_left_to_right\"],\n\
         width: 40, height: 32, fps: 6, duration_s: 1.0, train_percent: 50, validation_percent: 50)\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let (config, out_dir) = (config.to_str().unwrap(), out.to_str().unwrap());
    let with_config = |extra: &[&str]| {
        let mut args = vec!["generate", "--quiet", "--config", config, "--out", out_dir];
        args.extend_from_slice(extra);
        synthact_in(&args)
    };
    let output = with_config(&[]);
    assert!(output.status.success(), "{}", stderr(&output));
    let labels: Vec<serde_json::Value> =
        ["000000", "000001"].iter().map(|id| read_json(&out.join(id).join("label.json"))).collect();
    for label in &labels {
        assert_eq!(label["action"], "push_left_to_right");
        assert_eq!((label["width"].as_u64(), label["height"].as_u64()), (Some(40), Some(32)));
        assert_eq!((label["fps"].as_u64(), label["frames"].as_u64()), (Some(6), Some(6)));
        assert_eq!(label["dataset_seed"], 4);
    }
    assert!(!out.join("000002").exists(), "2 clips per class, 1 class");
    assert_eq!(read_json(&out.join("test.json")), serde_json::json!([]), "no test split at 50/50");

    // A flag overrides the configuration; the same recipe resumes and extends the dataset.
    let output = with_config(&["--clips", "3"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(out.join("000002/label.json").is_file());
    // Another recipe (here another seed) is refused rather than mixed into the dataset.
    let output = with_config(&["--seed", "5"]);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("recipe.json"), "{}", stderr(&output));
}

#[test]
fn videos_are_real_files_ffmpeg_reads_back_and_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    let (first, second) = (dir.path().join("first"), dir.path().join("second"));
    for out in [&first, &second] {
        generate(out, &["--clips", "2", "--video", "mp4,webm", "--no-frames"], &[]);
    }
    assert_same_tree(&first, &second);
    for id in ["000000", "000001"] {
        let clip = first.join(id);
        assert!(!clip.join("img_00001.jpg").exists(), "--no-frames keeps no frames");
        for (file, codec) in [("clip.mp4", "h264"), ("clip.webm", "vp9")] {
            let probe = Command::new("ffprobe")
                .args(["-v", "error", "-count_frames", "-select_streams", "v:0"])
                .args(["-show_entries", "stream=codec_name,width,height,nb_read_frames", "-of", "csv=p=0"])
                .arg(clip.join(file))
                .output()
                .expect("ffprobe runs (scripts/setup-system --test installs ffmpeg)");
            assert_eq!(String::from_utf8_lossy(&probe.stdout).trim(), format!("{codec},48,48,6"), "{id}/{file}");
        }
    }
    // MMAction2's video lists name each clip's video with its class; no raw-frame lists without frames.
    let mut listed = 0;
    for list in ["train", "val", "test"] {
        for line in std::fs::read_to_string(first.join(format!("{list}_list_videos.txt"))).unwrap().lines() {
            let (path, label) = line.split_once(' ').unwrap();
            assert!(first.join(path).is_file(), "{path}");
            let id = path.split('/').next().unwrap();
            assert_eq!(label, read_json(&first.join(id).join("label.json"))["class_index"].to_string());
            listed += 1;
        }
        assert_eq!(std::fs::read_to_string(first.join(format!("{list}_list_rawframes.txt"))).unwrap(), "");
    }
    assert_eq!(listed, 2);

    // Without ffmpeg the run stops before rendering, saying what is missing.
    let empty_path = dir.path().join("no-tools");
    std::fs::create_dir(&empty_path).unwrap();
    let out = dir.path().join("never");
    let output = Command::new(env!("CARGO_BIN_EXE_synthact"))
        .args(["generate", "--out", out.to_str().unwrap(), "--clips", "1", "--video", "mp4"])
        .env("PATH", &empty_path)
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(stderr(&output).contains("ffmpeg"), "{}", stderr(&output));
    assert!(!out.exists());
}

/// Members of a tar file: name -> bytes, in archive order.
fn tar_members(path: &Path) -> Vec<(String, Vec<u8>)> {
    let mut archive = tar::Archive::new(std::fs::File::open(path).unwrap());
    archive
        .entries()
        .unwrap()
        .map(|entry| {
            let mut entry = entry.unwrap();
            let name = entry.path().unwrap().to_string_lossy().into_owned();
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(&mut entry, &mut bytes).unwrap();
            (name, bytes)
        })
        .collect()
}

#[test]
fn webdataset_shards_group_each_clip_under_its_key() {
    let dir = tempfile::tempdir().unwrap();
    let (frames, videos) = (dir.path().join("frames"), dir.path().join("videos"));
    generate(&frames, &["--clips", "5", "--webdataset"], &[]);
    generate(&videos, &["--clips", "5", "--webdataset", "--video", "mp4"], &[]);
    for (root, with_video) in [(&frames, false), (&videos, true)] {
        let mut keys = BTreeSet::new();
        for entry in std::fs::read_dir(root.join("webdataset")).unwrap() {
            let tar = entry.unwrap().path();
            assert!(tar.extension().is_some_and(|e| e == "tar"), "{}", tar.display());
            let mut groups: BTreeMap<String, BTreeMap<String, Vec<u8>>> = BTreeMap::new();
            for (name, bytes) in tar_members(&tar) {
                // WebDataset's grouping: the key is the name up to its first dot.
                let (key, extension) = name.split_once('.').unwrap();
                groups.entry(key.to_string()).or_default().insert(extension.to_string(), bytes);
            }
            for (key, members) in groups {
                let label: serde_json::Value = serde_json::from_slice(&members["json"]).unwrap();
                assert_eq!(label["id"], key.as_str());
                assert_eq!(String::from_utf8(members["cls"].clone()).unwrap(), label["class_index"].to_string());
                let annotations = std::fs::read(root.join(&key).join("annotations.json")).unwrap();
                assert_eq!(members["annotations.json"], annotations, "{key}'s annotations");
                if with_video {
                    assert_eq!(members["mp4"], std::fs::read(root.join(&key).join("clip.mp4")).unwrap());
                } else {
                    assert_eq!(members.len(), 3 + 6, "json, cls, annotations and 6 frames");
                    assert_eq!(members["img_00006.jpg"], std::fs::read(root.join(&key).join("img_00006.jpg")).unwrap());
                }
                assert!(keys.insert(key));
            }
        }
        assert_eq!(keys.len(), 5, "every clip in exactly one shard");
    }
}

#[test]
fn a_full_disk_stops_the_run_with_a_clear_error_and_keeps_finished_clips() {
    // A 1.5 MB tmpfs in a private mount namespace (unshare: no root needed, nothing left mounted)
    // stands in for a full disk; the run and a copy of what it left happen inside it.
    let dir = tempfile::tempdir().unwrap();
    let script = r#"set -u
        mount -t tmpfs -o size=1500k tmpfs "$1/small" || exit 90
        "$2" generate --quiet --out "$1/small/out" --clips 40 --seed 2 --workers 1 >"$1/stdout" 2>"$1/stderr"
        echo $? >"$1/status"
        cp -a "$1/small/out" "$1/left""#;
    std::fs::create_dir(dir.path().join("small")).unwrap();
    let status = Command::new("unshare")
        .args(["--user", "--map-root-user", "--mount", "sh", "-c", script, "sh"])
        .arg(dir.path())
        .arg(env!("CARGO_BIN_EXE_synthact"))
        .status()
        .expect("unshare (util-linux) runs");
    assert!(status.success(), "the namespace could not be set up: {status}");
    let exit: i32 = std::fs::read_to_string(dir.path().join("status")).unwrap().trim().parse().unwrap();
    let error = std::fs::read_to_string(dir.path().join("stderr")).unwrap();
    assert_ne!(exit, 0, "the run cannot have succeeded on a full disk");
    assert!(error.contains("No space left on device"), "{error}");
    let left = dir.path().join("left");
    let mut finished = 0;
    for entry in std::fs::read_dir(&left).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !path.is_dir() || name.starts_with('.') {
            continue;
        }
        // Every clip in its final place is whole: its label and all 36 decodable frames.
        let label = read_json(&path.join("label.json"));
        assert_eq!(label["id"], name.as_str());
        for frame in 1..=36 {
            image::open(path.join(format!("img_{frame:05}.jpg"))).unwrap_or_else(|e| panic!("{name}/{frame}: {e}"));
        }
        finished += 1;
    }
    assert!((1..40).contains(&finished), "{finished} clips finished before the disk filled");
}
