//! First-frame groups with an opening: the group file writes what its members show before the
//! motion, so the members share one distribution of first frames. `validate` refuses a member
//! that writes its own opening or shows its actor at frame 0; for one seed the members' specs
//! agree on everything but the motion; rendered, the first frame shows no actor.

mod common;

use std::path::{Path, PathBuf};

use bevy::math::Vec3;
use common::{stderr, synthact};
use synthact::content::{
    Content, ContentError, Problem, default_actions_dir, default_objects_file, default_scenes_dir,
};
use synthact::plan::choose;
use synthact::spec::{CameraModel, ClipChoice, ClipSpec, VideoSpec, sample_clip};

/// An actions directory holding the shipped actions and groups, with `edit` applied to file
/// `name` (relative to the actions directory).
fn actions_with(name: &str, edit: impl Fn(&str) -> String) -> (tempfile::TempDir, PathBuf) {
    let dir = common::shipped_actions();
    let path = dir.path().join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    let edited = edit(&text);
    assert_ne!(edited, text, "the edit changes the file");
    std::fs::write(&path, edited).unwrap();
    (dir, path)
}

fn only_problem(dir: &Path) -> Problem {
    let error: ContentError = Content::load(&default_scenes_dir(), dir, &default_objects_file()).unwrap_err();
    assert_eq!(error.problems.len(), 1, "{error}");
    error.problems.into_iter().next().unwrap()
}

fn line_of(path: &Path, needle: &str) -> usize {
    std::fs::read_to_string(path).unwrap().lines().position(|l| l.contains(needle)).expect("needle in file") + 1
}

#[test]
fn a_member_that_writes_its_own_opening_or_shows_its_actor_at_frame_zero_is_refused() {
    let (dir, path) = actions_with("push_right_to_left.ron", |text| {
        text.replace(
            "    script: [",
            "    setup: [Place(role: \"target\", u: (0.35, 0.75), v: (-0.4, 0.4))],\n    script: [",
        )
    });
    let problem = only_problem(dir.path());
    assert_eq!((problem.file.as_path(), problem.field.as_str()), (path.as_path(), "setup"));
    assert_eq!(problem.line, line_of(&path, "setup:"));
    assert!(problem.message.contains("group `push_sideways`"), "{}", problem.message);

    let (dir, path) = actions_with("push_left_to_right.ron", |text| text.replace(", enters: Left", ""));
    let problem = only_problem(dir.path());
    assert_eq!((problem.file.as_path(), problem.field.as_str()), (path.as_path(), "script[0]"));
    assert_eq!(problem.line, line_of(&path, "Start("));
    assert!(problem.message.contains("out of view at frame 0"), "{}", problem.message);

    // A member copied without its group file is told what is missing, once.
    let lonely = tempfile::tempdir().unwrap();
    std::fs::copy(default_actions_dir().join("push_slightly.ron"), lonely.path().join("push_slightly.ron")).unwrap();
    let problem = only_problem(lonely.path());
    assert_eq!((problem.line, problem.field.as_str()), (1, "roles"));
    assert!(problem.message.contains("group file"), "{}", problem.message);

    // A problem in the opening is reported in the group's file.
    let (dir, path) =
        actions_with("groups/push_sideways.ron", |text| text.replace("u: (-0.25, 0.25)", "u: (0.25, -0.25)"));
    let error = Content::load(&default_scenes_dir(), dir.path(), &default_objects_file()).unwrap_err();
    let problem = error.problems.iter().find(|p| p.file == path).unwrap_or_else(|| panic!("{error}"));
    assert_eq!(problem.field, "opening.setup[0].u");
    assert_eq!(problem.line, line_of(&path, "u: (0.25, -0.25)"));
}

#[test]
fn a_close_that_passes_on_a_side_other_than_toward_or_away_or_closes_on_itself_is_refused() {
    let (dir, path) = actions_with("move_past_each_other.ron", |text| text.replace("passing: Toward", "passing: Left"));
    let problem = only_problem(dir.path());
    assert_eq!((problem.file.as_path(), problem.field.as_str()), (path.as_path(), "script[2].passing"));
    assert_eq!(problem.line, line_of(&path, "passing: Left"));

    let (dir, path) = actions_with("move_closer.ron", |text| {
        text.replacen("Close(role: \"first\", other: \"second\"", "Close(role: \"first\", other: \"first\"", 1)
    });
    let problem = only_problem(dir.path());
    assert_eq!((problem.file.as_path(), problem.field.as_str()), (path.as_path(), "script[2].other"));
    assert!(problem.message.contains("itself"), "{}", problem.message);
}

/// Clip `index` of `action` with the given dataset seed, sampled directly (first attempt).
fn first_attempt(content: &Content, action: &str, like: &ClipChoice, seed: u64) -> ClipSpec {
    let action = content.action(action).unwrap();
    let choice = ClipChoice { action, ..like.clone() };
    sample_clip(content, &choice, seed, 0, VideoSpec::default())
}

#[test]
fn for_one_seed_the_members_of_every_opening_group_open_alike_and_their_actors_are_out_of_view() {
    let content = Content::load_builtin().unwrap();
    let opened: Vec<_> = content.groups.iter().filter(|g| g.def.opening.is_some()).collect();
    assert_eq!(opened.len(), content.groups.len(), "every shipped group has an opening");
    for group in opened {
        let members = &group.def.members;
        for index in 0..8u64 {
            let like = choose(&content, index, VideoSpec::default(), 20).unwrap();
            let first = first_attempt(&content, &members[0], &like, 9);
            for member in members {
                let spec = first_attempt(&content, member, &like, 9);
                // Everything visible at frame 0 is the same: objects and distractors, surfaces,
                // light, camera, actor kinds.
                assert_eq!(spec.objects, first.objects, "{member}, clip {index}");
                assert_eq!(
                    (&spec.surfaces, &spec.lighting, &spec.camera),
                    (&first.surfaces, &first.lighting, &first.camera)
                );
                assert_eq!(spec.actors[0].kind, first.actors[0].kind);
                let view = CameraModel::at_frame(&spec.camera, 0, spec.video.fps, spec.video.width, spec.video.height);
                for actor in spec.actors.iter().filter(|actor| !actor.idle) {
                    let at_start = Vec3::from(actor.position_at(0.0));
                    assert!(view.project(at_start).is_none_or(|p| !view.in_frame(p, 0.0)), "{member}: actor in view");
                }
                let seen = (1..spec.video.frames).any(|frame| {
                    let point = Vec3::from(spec.actors[0].position_at(frame as f32));
                    view.project(point).is_some_and(|p| view.in_frame(p, 0.0))
                });
                assert!(seen, "{member}, clip {index}: the actor never comes into view");
            }
        }
    }
}

#[test]
fn rendered_the_first_frame_shows_no_actor_and_a_later_frame_does() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let mut args = vec!["generate", "--quiet", "--out", out.to_str().unwrap(), "--clips", "22", "--seed", "3"];
    let content = Content::load_builtin().unwrap();
    let opened = content.groups.iter().filter(|g| g.def.opening.is_some());
    let actions = opened.flat_map(|g| g.def.members.clone()).collect::<Vec<_>>().join(",");
    args.extend(["--actions", &actions, "--annotations", "masks"]);
    args.extend(["--width", "64", "--height", "64", "--frames", "12", "--fps", "4", "--physics-steps-per-frame", "30"]);
    let output = synthact(&args);
    assert!(output.status.success(), "{}", stderr(&output));
    for clip in (0..22).map(|index| format!("{index:06}")) {
        let label: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join(&clip).join("label.json")).unwrap()).unwrap();
        let objects = label["spec"]["objects"].as_array().unwrap().len();
        // Masks hold instance ids: objects 1..=N, then the actor.
        let actor_id = (objects + 1) as u8;
        let shows_actor = |frame: u32| {
            let mask =
                image::open(out.join(&clip).join("masks").join(format!("img_{frame:05}.png"))).unwrap().to_luma8();
            mask.pixels().any(|p| p[0] == actor_id)
        };
        assert!(!shows_actor(1), "clip {clip}: the actor is in the first frame");
        assert!((2..=12).any(shows_actor), "clip {clip}: the actor never comes into view");
    }
}
