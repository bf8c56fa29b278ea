//! Fuzz tier, on a fixed budget: the shipped scene, action, group and object files and a real
//! label are mutated (numbers swapped for NaN, infinities, huge or negative values; characters
//! deleted; lines duplicated; brackets inserted), with a seeded generator so every run tries the
//! same inputs. Loading never panics, and fails with a positioned problem or succeeds; content
//! that loads plans clips of some of its actions (a different few each round, every action over
//! the rounds) without a panic and within a time bound; a mutated label is refused or read back,
//! never a panic.

mod common;

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use synthact::content::{Content, default_actions_dir, default_objects_file, default_scenes_dir};
use synthact::output::ClipLabel;
use synthact::plan::plan_clip;
use synthact::spec::VideoSpec;

/// Mutations tried per run, over all files.
const BUDGET: usize = 240;
/// The longest a mutated content may take to plan one round's clips.
const PLAN_BOUND: Duration = Duration::from_secs(60);

const ODD_NUMBERS: [&str; 8] = ["NaN", "inf", "-inf", "-1e30", "1e30", "0", "4000000000", "-0.5"];

/// One random edit of `text`.
fn mutate(text: &str, rng: &mut ChaCha8Rng) -> String {
    let chars: Vec<char> = text.chars().collect();
    let at = rng.random_range(0..chars.len());
    match rng.random_range(0..4) {
        // A number replaced by an odd one.
        0 => {
            let starts: Vec<usize> = (1..chars.len())
                .filter(|&i| chars[i].is_ascii_digit() && !chars[i - 1].is_ascii_alphanumeric())
                .collect();
            let Some(&start) = starts.get(rng.random_range(0..starts.len().max(1))) else { return text.to_string() };
            let end =
                (start..chars.len()).find(|&i| !(chars[i].is_ascii_digit() || chars[i] == '.')).unwrap_or(chars.len());
            let odd = ODD_NUMBERS[rng.random_range(0..ODD_NUMBERS.len())];
            chars[..start].iter().collect::<String>() + odd + &chars[end..].iter().collect::<String>()
        }
        1 => chars.iter().enumerate().filter(|(i, _)| *i != at).map(|(_, c)| c).collect(),
        2 => {
            let lines: Vec<&str> = text.lines().collect();
            let line = rng.random_range(0..lines.len());
            let mut out: Vec<&str> = lines[..=line].to_vec();
            out.extend(&lines[line..]);
            out.join("\n")
        }
        _ => {
            let inserted = ['(', ')', ',', '[', ']', ':', '"'][rng.random_range(0..7)];
            chars[..at].iter().chain(std::iter::once(&inserted)).chain(&chars[at..]).collect()
        }
    }
}

/// A copy of the shipped content with `relative` (under scenes/, actions/ or assets/) replaced.
fn content_with(relative: &str, text: &str) -> (tempfile::TempDir, [PathBuf; 3]) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    copy_tree(&default_scenes_dir(), &root.join("scenes"));
    copy_tree(&default_actions_dir(), &root.join("actions"));
    std::fs::create_dir_all(root.join("assets")).unwrap();
    std::fs::copy(default_objects_file(), root.join("assets/objects.ron")).unwrap();
    std::fs::write(root.join(relative), text).unwrap();
    (dir, [root.join("scenes"), root.join("actions"), root.join("assets/objects.ron")])
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() { copy_tree(&path, &target) } else { std::fs::copy(&path, &target).map(|_| ()).unwrap() }
    }
}

/// Every shipped content file, relative to the checkout.
fn shipped_files() -> Vec<String> {
    let mut files = vec!["assets/objects.ron".to_string()];
    for (dir, prefix) in [
        (default_scenes_dir(), "scenes"),
        (default_actions_dir(), "actions"),
        (default_actions_dir().join("groups"), "actions/groups"),
    ] {
        for entry in std::fs::read_dir(dir).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            if name.ends_with(".ron") {
                files.push(format!("{prefix}/{name}"));
            }
        }
    }
    files.sort();
    files
}

/// Actions planned per round that loads.
const PLANNED_PER_ROUND: u64 = 6;

/// Plans a clip of `PLANNED_PER_ROUND` actions from the `round`th on, on a thread, failing if it
/// panics or takes past the bound.
fn plans_in_time(content: Content, round: usize, what: &str) {
    let (done, finished) = mpsc::channel();
    let video = VideoSpec { width: 32, height: 32, fps: 2, frames: 4, physics_steps_per_frame: 30 };
    std::thread::spawn(move || {
        let outcome = std::panic::catch_unwind(|| {
            let first = round as u64 * PLANNED_PER_ROUND;
            for index in first..first + PLANNED_PER_ROUND.min(content.actions.len() as u64) {
                // Failing every attempt is an error, which is fine; a panic is not.
                let _ = plan_clip(&content, 1, index, video, 3);
            }
        });
        let _ = done.send(outcome.is_ok());
    });
    match finished.recv_timeout(PLAN_BOUND) {
        Ok(true) => {}
        Ok(false) => panic!("{what}: planning panicked"),
        Err(_) => panic!("{what}: planning took more than {} s", PLAN_BOUND.as_secs()),
    }
}

#[test]
fn mutated_content_files_load_with_a_positioned_error_or_plan_without_panic_or_hang() {
    let files = shipped_files();
    let mut rng = ChaCha8Rng::seed_from_u64(2026);
    let (mut refused, mut loaded) = (0, 0);
    for round in 0..BUDGET {
        let file = &files[rng.random_range(0..files.len())];
        let original = std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(file)).unwrap();
        let text = mutate(&original, &mut rng);
        let (_dir, [scenes, actions, objects]) = content_with(file, &text);
        let what = format!("round {round}, {file}");
        let result = std::panic::catch_unwind(|| Content::load(&scenes, &actions, &objects));
        match result {
            Err(_) => panic!("{what}: loading panicked on:\n{text}"),
            Ok(Err(error)) => {
                refused += 1;
                assert!(!error.problems.is_empty(), "{what}");
                for problem in &error.problems {
                    assert!(problem.file.starts_with(_dir.path()), "{what}: {problem}");
                }
            }
            Ok(Ok(content)) => {
                loaded += 1;
                plans_in_time(content, round, &what);
            }
        }
    }
    assert!(
        refused > BUDGET / 3 && loaded > 10,
        "the mutations exercise both paths: {refused} refused, {loaded} loaded"
    );
}

#[test]
fn mutated_labels_are_refused_or_read_back_never_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let mut args = vec!["generate", "--out", out.to_str().unwrap(), "--clips", "2", "--width", "32", "--height", "32"];
    args.extend(common::REAL_TIME_FEW_FRAMES);
    let output = common::synthact(&args);
    assert!(output.status.success(), "{}", common::stderr(&output));
    let original = std::fs::read_to_string(out.join("000001/label.json")).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let path = dir.path().join("label.json");
    for round in 0..BUDGET {
        let text = mutate(&original, &mut rng);
        std::fs::write(&path, &text).unwrap();
        let outcome = std::panic::catch_unwind(|| ClipLabel::read_file(&path));
        match outcome {
            Err(_) => panic!("round {round}: reading the label back panicked on:\n{text}"),
            Ok(Err(error)) => assert!(error.to_string().starts_with(&path.display().to_string()), "{error}"),
            Ok(Ok(_)) => {}
        }
    }
}
