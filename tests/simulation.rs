//! Simulation tier: Rapier stepped for real, no renderer. Every action does what its label says in
//! every scene that stages it, a script that contradicts its label is rejected by verification,
//! counterfactual pairs are told apart, mirroring and gripping behave. The render tier confirms
//! directions from pixels.

mod common;

use bevy::math::{Quat, Vec3};
use common::{stderr, synthact};
use synthact::cli::trial::trial;
use synthact::content::{Content, Side, default_actions_dir, default_objects_file, default_scenes_dir};
use synthact::plan::{PlanError, PlannedClip, choose, choose_action, plan_clip};
use synthact::simulation::simulate;
use synthact::spec::{CameraAxes, CameraModel, VideoSpec, sample_clip};
use synthact::verify::verify;

const SEED: u64 = 5;

/// Set A of the catalogue: the reference pipeline's kind of classes, by SSv2 index.
const SET_A: [u32; 14] = [93, 94, 86, 87, 37, 36, 38, 99, 98, 135, 12, 122, 23, 158];
/// Set B: fourteen other classes, disjoint from set A, for pre-training on one and fine-tuning on the
/// other.
const SET_B: [u32; 14] = [100, 57, 53, 39, 42, 40, 28, 44, 41, 97, 112, 132, 0, 166];

fn only(action: &str) -> Content {
    let mut content = Content::load_builtin().unwrap();
    content.select(&[], &[action.to_string()]).unwrap();
    content
}

/// Accepted clips of `action` (the only action loaded, so every index is one of its clips).
fn accepted(action: &str, count: u64) -> (Content, Vec<PlannedClip>) {
    let content = only(action);
    let clips = (0..count)
        .map(|index| plan_clip(&content, SEED, index, VideoSpec::default(), 20).unwrap_or_else(|e| panic!("{e}")))
        .collect();
    (content, clips)
}

fn indices_of(content: &Content, action: &str, count: usize) -> Vec<u64> {
    (0..).filter(|i| choose_action(content, *i).unwrap().def.name == action).take(count).collect()
}

#[test]
fn every_action_verifies_over_many_seeds_and_does_what_its_label_says() {
    let content = Content::load_builtin().unwrap();
    let video = VideoSpec::default();
    for action in &content.actions {
        let mut attempts = 0;
        let indices = indices_of(&content, &action.def.name, 6);
        for index in &indices {
            let clip = plan_clip(&content, 5, *index, video, 20).unwrap_or_else(|e| panic!("{e}"));
            attempts += clip.spec.attempt + 1;
            let (spec, frames) = (&clip.spec, &clip.trajectory.frames);
            assert_eq!(frames.len(), video.frames as usize);
            // The object the label is mostly about: the first role.
            let (main, _) = spec.role_object(&action.def.roles[0].name).unwrap();
            let position = |frame: usize, object: usize| Vec3::from(frames[frame].objects[object].position);
            let position_of =
                |state: &synthact::simulation::FrameState, object: usize| Vec3::from(state.objects[object].position);
            let last = frames.len() - 1;
            let (start, end) = (position(0, main), position(last, main));
            let axes = CameraAxes::new(&spec.camera);
            // Mirrored clips go the other way; labels that name a side are never mirrored.
            let right = if spec.mirrored { -1.0 } else { 1.0 };
            let moved_right = (end - start).dot(axes.right) * right;
            let other = action.def.roles.get(1).map(|role| spec.role_object(&role.name).unwrap().0);
            let distance = |frame: usize| position(frame, main).distance(position(frame, other.unwrap()));
            let name = action.def.name.as_str();
            let at = format!("{name} clip {index}");
            match name {
                "push_left_to_right" | "pull_left_to_right" | "roll_on_flat_surface" => {
                    assert!(moved_right > 0.1, "{at}: moved {moved_right:.3} m right")
                }
                "push_right_to_left" | "pull_right_to_left" => {
                    assert!(moved_right < -0.1, "{at}: moved {moved_right:.3} m right")
                }
                "falling_like_a_rock" => assert!(start.y - end.y > 0.1, "{at}: fell {:.3} m", start.y - end.y),
                "move_closer" | "move_closer_to" => {
                    // At least 15% closer, and by a few centimetres.
                    let (from, to) = (distance(0), distance(last));
                    assert!(to < 0.85 * from && from - to > 0.03, "{at}: {from:.3} -> {to:.3} m");
                    assert!(clip.trajectory.first_contact_between(main, other.unwrap()).is_none(), "{at}: touched");
                    // Two hands move both objects (a short gap may leave the second only a
                    // centimetre or two to go); one hand moves only the first.
                    let second_moved = position(last, other.unwrap()).distance(position(0, other.unwrap()));
                    let (least, most) = if name == "move_closer" { (0.01, f32::MAX) } else { (0.0, 0.02) };
                    assert!((least..=most).contains(&second_moved), "{at}: second moved {second_moved:.3} m");
                }
                "move_apart" | "move_away_from" => {
                    assert!(distance(last) - distance(0) > 0.1, "{at}: {:.3} -> {:.3} m", distance(0), distance(last));
                    let second_moved = position(last, other.unwrap()).distance(position(0, other.unwrap()));
                    assert_eq!(second_moved > 0.02, name == "move_apart", "{at}: second moved {second_moved:.3} m");
                }
                "move_past_each_other" => {
                    let across =
                        |frame: usize| (position(frame, main) - position(frame, other.unwrap())).dot(axes.right);
                    assert!(
                        across(0) * across(last) < 0.0,
                        "{at}: they did not pass ({:.3} -> {:.3} m)",
                        across(0),
                        across(last)
                    );
                    assert!(clip.trajectory.first_contact_between(main, other.unwrap()).is_none(), "{at}: touched");
                }
                "push_slightly" => {
                    let moved = end.distance(start);
                    assert!(moved > 0.005 && moved < 0.05, "{at}: moved {moved:.3} m");
                }
                "move_toward_camera" | "move_away_from_camera" => {
                    let nearer = (end - start).dot(-axes.away);
                    let wanted = if name == "move_toward_camera" { 1.0 } else { -1.0 };
                    assert!(nearer * wanted > 0.1, "{at}: came {nearer:.3} m nearer the camera");
                }
                "lift_and_drop" => {
                    let peak = (0..=last).map(|f| position(f, main).y - start.y).fold(0.0, f32::max);
                    assert!(peak > 0.07, "{at}: rose {peak:.3} m");
                    // Back down on the table (upright or on its side).
                    let back_down = end.y < start.y + 0.02 && end.y > spec.work_surface_top;
                    assert!(back_down, "{at}: ends {:.3} m from its start height", end.y - start.y);
                }
                "put_onto" => {
                    let below = position(last, other.unwrap());
                    assert!(
                        end.y > below.y && Vec3::new(end.x - below.x, 0.0, end.z - below.z).length() < 0.06,
                        "{at}"
                    );
                    assert!(
                        position(last, other.unwrap()).distance(position(0, other.unwrap())) < 0.03,
                        "{at}: base moved"
                    );
                }
                "move_to_collide" => {
                    let second = other.unwrap();
                    assert!(clip.trajectory.first_contact_between(main, second).is_some(), "{at}: never touched");
                    assert!(position(last, second).distance(position(0, second)) > 0.005, "{at}: second never moved");
                }
                "push_off_table" => assert!(end.y < spec.work_surface_top - 0.1, "{at}: ends at {:.3} m", end.y),
                "push_almost_off_table" => {
                    let rect = spec.work_surface_rect();
                    let toward = -axes.away;
                    let to_edge = synthact::spec::distance_to_edge(rect, [end.x, end.z], [toward.x, toward.z]);
                    assert!(end.y > spec.work_surface_top && to_edge < 0.05, "{at}: ends {to_edge:.3} m from the edge");
                }
                "drop_onto" => {
                    let below = position(last, other.unwrap());
                    assert!(
                        end.y > below.y && Vec3::new(end.x - below.x, 0.0, end.z - below.z).length() < 0.06,
                        "{at}"
                    );
                }
                "roll_down_ramp" => {
                    let furthest =
                        (0..=last).map(|f| (position(f, main) - start).dot(axes.right) * right).fold(0.0, f32::max);
                    assert!(furthest > 0.1, "{at}: rolled {furthest:.3} m downhill");
                }
                "poke_stack_over" => {
                    let pieces = spec.role_indices("stack");
                    assert!(pieces.len() >= 3, "{at}: a stack of {}", pieces.len());
                    let top = |frame: usize| pieces.iter().map(|&i| position(frame, i).y).fold(f32::MIN, f32::max);
                    let piece = 2.0 * spec.objects[pieces[0]].shape.half_extents()[1];
                    assert!(top(0) - top(last) > piece, "{at}: the stack's top came down {:.3} m", top(0) - top(last));
                    // "Poking a stack of red wooden blocks so the stack collapses"
                    let kind = content.objects.def.kinds.iter().find(|k| k.name == spec.objects[main].kind).unwrap();
                    assert!(spec.label.contains(&kind.plural_noun()), "{at}: {}", spec.label);
                }
                "collide_and_deflect" => {
                    let second = other.unwrap();
                    let contact = clip.trajectory.first_contact_between(main, second).expect("they meet") as usize;
                    for ball in [main, second] {
                        let flat = |v: Vec3| Vec3::new(v.x, 0.0, v.z);
                        // Heading just before and just after they meet (balls curve afterwards).
                        let before = flat(position(contact - 1, ball) - position(contact.saturating_sub(4), ball));
                        let after = flat(position((contact + 4).min(last), ball) - position(contact + 1, ball));
                        let turned = before.angle_between(after).to_degrees();
                        assert!(turned > 15.0, "{at}: ball {ball} turned {turned:.0} degrees");
                    }
                }
                "approach_with_camera" => {
                    let fps = spec.video.fps;
                    let (near, far) = (spec.camera.pose_at(last as f32, fps).0, spec.camera.pose_at(0.0, fps).0);
                    assert!(near.distance(end) < 0.8 * far.distance(start), "{at}: the camera did not close in");
                    assert!(end.distance(start) < 0.005, "{at}: the target moved");
                }
                "turn_camera_left" => {
                    let fps = spec.video.fps;
                    // Heading about the vertical; turning left is counter-clockwise seen from above.
                    let heading = |frame: f32| {
                        let forward = spec.camera.pose_at(frame, fps).1 * Vec3::NEG_Z;
                        (-forward.z).atan2(forward.x).to_degrees()
                    };
                    let turned = heading(last as f32) - heading(0.0);
                    assert!(turned > 8.0, "{at}: the camera turned {turned:.1} degrees left");
                    assert!(end.distance(start) < 0.005, "{at}: the target moved");
                    // An idle hand may hold clutter still; nothing else takes part.
                    assert!(spec.actors.iter().all(|a| a.idle), "{at}: the camera works alone");
                }
                "push_so_it_spins" => {
                    // Heading of the object's long axis, seen from above, unwrapped frame to frame.
                    let heading = |frame: usize| {
                        let long_axis = Quat::from_array(frames[frame].objects[main].rotation) * Vec3::X;
                        long_axis.z.atan2(long_axis.x)
                    };
                    let turned: f32 = (1..=last)
                        .map(|f| {
                            let step = heading(f) - heading(f - 1);
                            (step + std::f32::consts::PI).rem_euclid(std::f32::consts::TAU) - std::f32::consts::PI
                        })
                        .sum();
                    assert!(turned.abs().to_degrees() > 80.0, "{at}: turned {:.0} degrees", turned.to_degrees());
                    let up = Quat::from_array(frames[last].objects[main].rotation) * Vec3::Y;
                    assert!(up.angle_between(Vec3::Y).to_degrees() < 10.0, "{at}: it spun lying as it lay");
                }
                "tip_over" | "poke_over" => {
                    let up = Quat::from_array(frames[last].objects[main].rotation) * Vec3::Y;
                    assert!(up.angle_between(Vec3::Y).to_degrees() > 60.0, "{at}: still standing");
                }
                other => panic!("untested action {other}"),
            }
            if name.starts_with("push") || name.starts_with("move_c") || name.ends_with("_over") {
                // Every piece of the role (a stack has several): none moves before the actor
                // first touches one of them.
                let pieces = spec.role_indices(&action.def.roles[0].name);
                let contact = pieces
                    .iter()
                    .filter_map(|&i| clip.trajectory.first_actor_contact[i])
                    .min()
                    .unwrap_or_else(|| panic!("{at}: the actor never touched it"));
                let first_move = pieces
                    .iter()
                    .filter_map(|&i| frames.iter().position(|f| position_of(f, i).distance(position(0, i)) > 0.005))
                    .min();
                assert!(contact > 0, "{at}: contact after frame 0");
                assert!(
                    first_move.is_some_and(|m| m as u32 >= contact),
                    "{at}: {} moved at frame {first_move:?}, before it was touched at {contact}",
                    spec.objects[main].kind
                );
            }
        }
        // Verification rejects some attempts (visibility among them: a hand that hides a small
        // object), but the scripts should mostly work first time.
        assert!(
            attempts as usize * 2 <= indices.len() * 5,
            "{}: {attempts} attempts for {} clips",
            action.def.name,
            indices.len()
        );
    }
}

#[test]
fn simulation_is_deterministic() {
    let content = Content::load_builtin().unwrap();
    let spec =
        sample_clip(&content, &choose(&content, 0, VideoSpec::default(), 20).unwrap(), 9, 0, VideoSpec::default());
    assert_eq!(simulate(&spec), simulate(&spec));
}

/// An actions directory with the two sideways pushes and their group, the left-to-right push's
/// script turned round: the actor enters and starts on the target's right and pushes it left.
fn contradicting_push() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("groups")).unwrap();
    for file in ["push_left_to_right.ron", "push_right_to_left.ron", "groups/push_sideways.ron"] {
        std::fs::copy(default_actions_dir().join(file), dir.path().join(file)).unwrap();
    }
    let path = dir.path().join("push_left_to_right.ron");
    let text = std::fs::read_to_string(&path).unwrap();
    let wrong = text
        .replace("side: Left, gap: (0.06, 0.12), enters: Left", "side: Right, gap: (0.06, 0.12), enters: Right")
        .replace("Push(role: \"target\", toward: Right", "Push(role: \"target\", toward: Left")
        .replace("Retreat(toward: Left", "Retreat(toward: Right");
    for edited in ["enters: Right", "Push(role: \"target\", toward: Left", "Retreat(toward: Right"] {
        assert!(wrong.contains(edited) && !text.contains(edited), "the edit `{edited}` applies");
    }
    std::fs::write(&path, wrong).unwrap();
    dir
}

#[test]
fn a_script_that_contradicts_its_label_is_rejected() {
    let dir = contradicting_push();
    let mut content = Content::load(&default_scenes_dir(), dir.path(), &default_objects_file()).unwrap();
    content.select(&[], &["push_left_to_right".to_string()]).unwrap();
    match plan_clip(&content, 1, 0, VideoSpec::default(), 5) {
        Err(PlanError::Unverifiable { attempts, last, .. }) => {
            assert_eq!(attempts, 5);
            assert!(last.contains("MovesInImage"), "{last}");
        }
        other => panic!("a contradicting script was accepted: {:?}", other.map(|c| c.spec.label)),
    }
}

#[test]
fn generate_writes_nothing_for_a_script_that_contradicts_its_label() {
    let dir = contradicting_push();
    let actions = dir.path();

    let out = dir.path().join("out");
    let output = synthact(&[
        "generate",
        "--actions-dir",
        actions.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--actions",
        "push_left_to_right",
        "--clips",
        "2",
        "--max-attempts",
        "4",
        "--quiet",
    ]);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("failed verification in all 4 attempts"), "{}", stderr(&output));
    let clips = std::fs::read_dir(&out).map(|d| d.filter(|e| e.as_ref().unwrap().path().is_dir()).count());
    assert!(matches!(clips, Err(_) | Ok(0)), "no clip directory is written");

    // With a sound action beside it, the run goes on: the sound action's clips are written and
    // listed in the manifests, the others are named, and the run ends non-zero.
    let both = dir.path().join("both");
    let output = synthact(&[
        "generate",
        "--actions-dir",
        actions.to_str().unwrap(),
        "--out",
        both.to_str().unwrap(),
        "--clips",
        "4",
        "--max-attempts",
        "4",
        "--width",
        "32",
        "--height",
        "32",
        "--frames",
        "6",
        "--fps",
        "2",
        "--physics-steps-per-frame",
        "60",
    ]);
    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(
        message.contains("2 clip(s) failed verification")
            && message.contains("000000 (")
            && message.contains("000002 ("),
        "{message}"
    );
    let written: Vec<String> = ["000000", "000001", "000002", "000003"]
        .into_iter()
        .filter(|id| both.join(id).join("label.json").is_file())
        .map(String::from)
        .collect();
    assert_eq!(written, ["000001", "000003"], "the sound action's clips");
    let dataset: serde_json::Value =
        serde_json::from_slice(&std::fs::read(both.join("dataset.json")).unwrap()).unwrap();
    assert_eq!(dataset["clips"], 2, "the manifests list the written clips");
}

#[test]
fn both_sets_are_complete_and_every_action_passes_its_checks_in_every_scene_that_stages_it() {
    let content = Content::load_builtin().unwrap();
    let classes: Vec<u32> = content.actions.iter().map(|a| a.def.class_index).collect();
    for (set, classes_of_set) in [("A", SET_A), ("B", SET_B)] {
        for class in classes_of_set {
            assert!(classes.contains(&class), "class {class} of set {set} has no action file");
        }
    }
    assert!(SET_A.iter().all(|class| !SET_B.contains(class)), "the sets are disjoint");
    assert_eq!(classes.len(), 28, "one action file per class");
    let report = trial(&content, SEED, 15, VideoSpec::default()).unwrap();
    for (action, loaded) in report.actions.iter().zip(&content.actions) {
        assert!(
            action.pass_rate() >= 0.6,
            "{}: only {}/{} first attempts pass; failures: {:#?}",
            action.action,
            action.passed,
            action.attempts,
            action.failures
        );
        let hosts = content.stages(&loaded.def);
        assert_eq!(action.by_scene.len(), hosts.len().min(15), "{} rotates through its scenes", action.action);
        for (scene, (tried, passed)) in &action.by_scene {
            assert!(*passed > 0, "{} never passes in {scene} ({tried} tried)", action.action);
        }
    }
}

#[test]
fn counterfactual_pairs_are_told_apart_by_their_postconditions() {
    for (action, counterpart) in [
        ("push_off_table", "push_almost_off_table"),
        ("push_almost_off_table", "push_off_table"),
        ("move_to_collide", "move_closer"),
        ("move_closer", "move_to_collide"),
        ("move_to_collide", "move_past_each_other"),
        ("move_past_each_other", "move_to_collide"),
        ("move_closer", "move_closer_to"),
        ("move_closer_to", "move_closer"),
        ("move_apart", "move_away_from"),
        ("move_away_from", "move_apart"),
    ] {
        let (_, clips) = accepted(action, 6);
        let other = only(counterpart);
        for clip in &clips {
            let judged = verify(&clip.spec, &other.actions[0].def, &clip.trajectory);
            assert!(!judged.passed, "a clip of {action} also passes as {counterpart}: {:#?}", judged.checks);
        }
    }
}

#[test]
fn mirrored_actions_show_both_directions_and_each_passes() {
    let (_, clips) = accepted("tip_over", 12);
    let mut seen = [false; 2];
    for clip in &clips {
        let axes = CameraAxes::new(&clip.spec.camera);
        let path = &clip.spec.actors[0].path;
        let push = Vec3::from(path[2].position) - Vec3::from(path[0].position);
        let rightward = push.dot(axes.right) > 0.0;
        assert_eq!(rightward, !clip.spec.mirrored, "a mirrored clip pushes leftward, the others rightward");
        assert!(clip.verification.passed);
        seen[clip.spec.mirrored as usize] = true;
    }
    assert_eq!(seen, [true, true], "twelve clips include both directions");
    // Labels that name a side are never mirrored.
    let (_, pushes) = accepted("push_left_to_right", 6);
    assert!(pushes.iter().all(|clip| !clip.spec.mirrored));
}

#[test]
fn a_pulled_object_follows_the_hand_in_front_of_it() {
    for (action, side) in [("pull_left_to_right", Side::Right), ("pull_right_to_left", Side::Left)] {
        let (_, clips) = accepted(action, 4);
        for clip in &clips {
            let (index, _) = clip.spec.role_object("target").unwrap();
            let camera = CameraModel::new(&clip.spec.camera, clip.spec.video.width, clip.spec.video.height);
            let sign = if side == Side::Right { 1.0 } else { -1.0 };
            let grip = clip.spec.actors[0].grips[0];
            // While gripped, the hand leads: it is on the side the object moves toward.
            for frame in (grip.from.ceil() as usize)..=(grip.until.floor() as usize) {
                let state = &clip.trajectory.frames[frame];
                let hand = camera.project(Vec3::from(state.actors[0].position)).unwrap();
                let object = camera.project(Vec3::from(state.objects[index].position)).unwrap();
                assert!((hand.x - object.x) * sign > 0.0, "{action} frame {frame}: the hand is behind the object");
            }
            assert!(clip.verification.passed);
        }
    }
}

#[test]
fn the_actor_varies_per_clip_and_every_kind_does_the_job() {
    let (_, clips) = accepted("push_left_to_right", 15);
    let mut kinds = std::collections::BTreeSet::new();
    // Besides an idle hand holding clutter in some clips.
    let acting = |clip: &PlannedClip| clip.spec.actors.iter().filter(|a| !a.idle).count();
    for clip in &clips {
        assert_eq!(acting(clip), 1);
        kinds.insert(format!("{:?}", clip.spec.actors[0].kind));
        assert!(clip.verification.passed);
    }
    assert_eq!(kinds.into_iter().collect::<Vec<_>>(), ["Block", "Hand", "Stick"], "all three actors appear");
    // Two-handed actions have two actors; camera actions none.
    let (_, two) = accepted("move_closer", 2);
    assert!(two.iter().all(|clip| acting(clip) == 2));
    let (_, none) = accepted("turn_camera_left", 2);
    assert!(none.iter().all(|clip| acting(clip) == 0));
}

#[test]
fn the_shipped_dataset_configurations_cover_set_a_and_set_b() {
    let content = Content::load_builtin().unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets");
    for (file, set) in [("ssv2-synthetic-set-a.ron", SET_A), ("ssv2-synthetic-set-b.ron", SET_B)] {
        let config =
            synthact::content::load_dataset_config(&root.join(file), &content).unwrap_or_else(|e| panic!("{e}"));
        let mut classes: Vec<u32> = config
            .def
            .actions
            .iter()
            .map(|name| content.actions.iter().find(|a| &a.def.name == name).unwrap().def.class_index)
            .collect();
        classes.sort();
        let mut wanted = set.to_vec();
        wanted.sort();
        assert_eq!(classes, wanted, "{file}");
    }
}

/// The shipped scenes and `table_end`: the tabletop room with its action area at the table's
/// right end, so that whatever is pushed or pulled to the right falls off the table.
fn scenes_with_table_end() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(default_scenes_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "ron") {
            std::fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
        }
    }
    let room = std::fs::read_to_string(default_scenes_dir().join("tabletop_room.ron")).unwrap();
    let area = "ActionAreaDef(center: (0.0, 0.05), half_extents: (0.32, 0.2))";
    assert!(room.contains(area), "the tabletop room's action area is as this test expects");
    let end = room
        .replace("name: \"tabletop_room\"", "name: \"table_end\"")
        .replace(area, "ActionAreaDef(center: (0.6, 0.0), half_extents: (0.08, 0.08))");
    std::fs::write(dir.path().join("table_end.ron"), end).unwrap();
    dir
}

fn labels_by_id(out: &std::path::Path) -> std::collections::BTreeMap<String, serde_json::Value> {
    let mut labels = std::collections::BTreeMap::new();
    for entry in std::fs::read_dir(out).unwrap() {
        let label = entry.unwrap().path().join("label.json");
        if label.is_file() {
            let value: serde_json::Value = serde_json::from_slice(&std::fs::read(&label).unwrap()).unwrap();
            labels.insert(value["id"].as_str().unwrap().to_string(), value);
        }
    }
    labels
}

#[test]
fn a_scene_that_cannot_stage_an_action_is_named_and_left_out_of_its_rotation() {
    let scenes = scenes_with_table_end();
    let scenes_dir = scenes.path().to_str().unwrap();
    let output = synthact(&["validate", "--scenes-dir", scenes_dir]);
    assert!(output.status.success(), "{}", stderr(&output));
    let said = String::from_utf8_lossy(&output.stdout);
    for expected in [
        "not staged: `push_left_to_right` in scene `table_end`: failed all 20 staging attempts; last checks:",
        "not staged: `push_right_to_left` in scene `table_end`: `push_left_to_right` of its first-frame group `push_sideways` cannot be staged there",
    ] {
        assert!(said.contains(expected), "validate does not say `{expected}`:\n{said}");
    }
    assert!(!said.contains("`tip_over` in scene `table_end`"), "{said}");

    // Every clip verifies; the pushes (one group) never use table_end, tip_over does; a shard's
    // clips are the same as in the whole run.
    let out = scenes.path().join("out");
    let run = |out: &std::path::Path, extra: &[&str]| {
        let mut args = vec!["generate", "--quiet", "--scenes-dir", scenes_dir, "--out", out.to_str().unwrap()];
        args.extend(["--actions", "push_left_to_right,push_right_to_left,tip_over", "--clips", "12"]);
        args.extend(["--width", "32", "--height", "32"]);
        args.extend(common::REAL_TIME_FEW_FRAMES);
        args.extend(extra);
        let output = synthact(&args);
        assert!(output.status.success(), "{}", stderr(&output));
        labels_by_id(out)
    };
    let whole = run(&out, &[]);
    assert_eq!(whole.len(), 12);
    for label in whole.values() {
        let (action, scene) = (label["action"].as_str().unwrap(), label["scene"].as_str().unwrap());
        assert!(!(action.starts_with("push_") && scene == "table_end"), "{action} was staged in table_end");
    }
    assert!(whole.values().any(|l| l["action"] == "tip_over" && l["scene"] == "table_end"), "tip_over uses table_end");
    let shard = run(&scenes.path().join("shard"), &["--shard", "1/2"]);
    assert_eq!(shard.len(), 6);
    for (id, label) in &shard {
        assert_eq!(label, &whole[id], "clip {id} differs between the shard and the whole run");
    }
}

/// An action whose hand stands still against the target's `side` for the whole clip.
fn hand_standing(side: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "ActionDef(
    name: \"push_slightly\",
    template: \"Pushing [something] so that it slightly moves\",
    class_index: 100,
    roles: [RoleDef(name: \"target\", requires: [CanSlide])],
    actors: [Hand],
    setup: [Place(role: \"target\", u: (-0.3, 0.3), v: (-0.3, 0.3))],
    script: [Start(beside: \"target\", side: {side}, gap: (0.0, 0.004), height: (0.3, 0.5))],
    postconditions: [StaysInFrame(role: \"target\", margin: 0.0)],
)"
    );
    std::fs::write(dir.path().join("push_slightly.ron"), text).unwrap();
    dir
}

#[test]
fn a_hand_that_hides_what_the_label_names_is_rejected_by_the_visibility_check() {
    let visible = |side: &str| {
        let dir = hand_standing(side);
        let content = Content::load(&default_scenes_dir(), dir.path(), &default_objects_file()).unwrap();
        let report = trial(&content, SEED, 20, VideoSpec::default()).unwrap();
        let action = &report.actions[0];
        let hidden =
            action.failures.iter().filter(|(c, _)| c.starts_with("Visible")).map(|(_, (n, _))| *n).sum::<u32>();
        assert_eq!(action.failures.len() as u32, u32::from(hidden > 0), "only visibility fails: {:?}", action.failures);
        20 - hidden
    };
    // Between the camera and the target, the hand hides all but the larger objects; behind it,
    // it hides (almost) nothing.
    let (in_front, behind) = (visible("Toward"), visible("Away"));
    assert!(in_front <= 10, "{in_front}/20 clips with the hand in front passed");
    assert!(behind >= 18, "{behind}/20 clips with the hand behind passed");
}

/// The middle of a range.
fn middle(range: synthact::content::Range) -> f32 {
    (range.0 + range.1) / 2.0
}

/// `kind`'s shape with every size `t` of the way through its range.
fn shape_at(kind: &synthact::content::ObjectKindDef, t: f32) -> synthact::spec::ShapeSpec {
    synthact::spec::shape_from_def(&kind.shape, |range| range.0 + (range.1 - range.0) * t)
}

/// A clip without actors (the camera approaches) to stand objects in: its table, light and
/// camera, its objects replaced by each test.
fn actorless_clip(content: &Content, video: VideoSpec) -> synthact::spec::ClipSpec {
    let index = (0..).find(|i| choose_action(content, *i).unwrap().def.name == "approach_with_camera").unwrap();
    sample_clip(content, &choose(content, index, video, 20).unwrap(), 3, 0, video)
}

#[test]
fn every_object_kind_comes_to_rest_upright_on_a_flat_table_within_a_second() {
    let content = Content::load_builtin().unwrap();
    let video = VideoSpec::default();
    let base = actorless_clip(&content, video);
    assert!(base.actors.is_empty());
    let mut restless = Vec::new();
    let sizes = content.objects.def.kinds.iter().flat_map(|kind| [0.0, 0.5, 1.0].map(|t| (kind, t)));
    for (kind, t) in sizes {
        let mut object = base.objects[0].clone();
        object.kind = kind.name.clone();
        object.shape = shape_at(kind, t);
        let colors = &content.objects.def.colors;
        object.parts =
            synthact::spec::sample_parts(kind, &object.shape, object.color, colors, &mut synthact::spec::AtFraction(t));
        (object.mass, object.friction, object.restitution) =
            (kind.mass.map_or(0.3, middle), middle(kind.friction), 0.05);
        let half_height = object.shape.half_extents()[1];
        // Set down touching the table and turned, as sampling places objects.
        object.position = [object.position[0], base.work_surface_top + half_height, object.position[2]];
        object.rotation = Quat::from_rotation_y(0.47).to_array();
        object.held_until_frame = None;
        let spec = synthact::spec::ClipSpec { objects: vec![object], ..base.clone() };
        let trajectory = simulate(&spec);
        let second = video.fps as usize;
        let pose = |frame: usize| &trajectory.frames[frame].objects[0];
        let moved = Vec3::from(pose(second).position).distance(Vec3::from(pose(trajectory.frames.len() - 1).position));
        let up = Quat::from_array(pose(trajectory.frames.len() - 1).rotation) * Vec3::Y;
        let tilt = up.angle_between(Vec3::Y).to_degrees();
        let rolls = matches!(kind.shape, synthact::content::ShapeDef::Ball { .. });
        let sunk = base.work_surface_top + half_height - pose(second).position[1];
        if tilt > 5.0 || (!rolls && moved > 0.002) || sunk > 0.001 {
            let what = format!("{} (sizes {t} of their ranges)", kind.name);
            let (moved, sunk) = (moved * 1000.0, sunk * 1000.0);
            restless.push(format!(
                "{what}: tilted {tilt:.1} degrees, sunk {sunk:.1} mm, moved {moved:.1} mm after a second"
            ));
        }
    }
    assert!(restless.is_empty(), "{}", restless.join("\n"));
}

#[test]
fn a_ball_dropped_into_every_container_ends_inside_it() {
    use synthact::content::{ObjectTrait, ShapeDef};
    use synthact::spec::ShapeSpec;
    let content = Content::load_builtin().unwrap();
    let video = VideoSpec::default();
    let base = actorless_clip(&content, video);
    let containers: Vec<_> =
        content.objects.def.kinds.iter().filter(|k| k.shape.has_trait(ObjectTrait::Container)).collect();
    let names: Vec<&str> = containers.iter().map(|kind| kind.name.as_str()).collect();
    for expected in ["mug", "glass", "cup", "bowl", "plate", "vase", "flower_pot"] {
        assert!(names.contains(&expected), "{expected} is a container ({names:?})");
    }
    let mut outside = Vec::new();
    for (kind, t) in containers.iter().flat_map(|kind| [0.0, 0.5, 1.0].map(|t| (kind, t))) {
        let mut container = base.objects[0].clone();
        container.shape = shape_at(kind, t);
        // Its own parts (a mug's handle), not those of the object it was copied from.
        let colors = &content.objects.def.colors;
        container.parts = synthact::spec::sample_parts(
            kind,
            &container.shape,
            container.color,
            colors,
            &mut synthact::spec::AtFraction(t),
        );
        let ShapeSpec::Lathe { radius, height, ref profile, wall: Some(wall) } = container.shape else {
            unreachable!()
        };
        assert!(matches!(kind.shape, ShapeDef::Lathe { .. }));
        let opening = profile[profile.len() - 1][0] * radius - wall;
        // Inside, the ball may roll out to the widest part (a vase's belly).
        let inside = profile.iter().map(|[r, _]| r * radius - wall).fold(opening, f32::max);
        let top = base.work_surface_top + height;
        container.position =
            [container.position[0], base.work_surface_top + height / 2.0 + 0.001, container.position[2]];
        (container.rotation, container.held_until_frame, container.mass) =
            (Quat::IDENTITY.to_array(), None, kind.mass.map_or(0.3, middle));
        let mut ball = container.clone();
        ball.parts.clear();
        // A ball that fits the opening and sinks below the rim (a plate is shallow).
        ball.shape = ShapeSpec::Ball { radius: (0.35 * opening).min(0.4 * (height - wall)).max(0.006) };
        (ball.mass, ball.restitution) = (0.03, 0.1);
        ball.position = [container.position[0], top + 0.06, container.position[2]];
        let spec =
            synthact::spec::ClipSpec { objects: vec![container.clone(), ball], actors: Vec::new(), ..base.clone() };
        let trajectory = simulate(&spec);
        let end = &trajectory.frames[trajectory.frames.len() - 1].objects;
        let (cup, ball) = (Vec3::from(end[0].position), Vec3::from(end[1].position));
        let across = Vec3::new(ball.x - cup.x, 0.0, ball.z - cup.z).length();
        if across > inside || ball.y > top || ball.y < base.work_surface_top {
            outside.push(format!(
                "{} (sizes {t}): ball {across:.3} m off its axis, {:.3} m below its rim",
                kind.name,
                top - ball.y
            ));
        }
    }
    assert!(outside.is_empty(), "{}", outside.join("\n"));
}

/// An action that drops something into an open container (SSv2 10), its object drawn to fit.
const DROP_INTO: &str = r#"ActionDef(
    name: "drop_into",
    template: "Dropping [something] into [something]",
    class_index: 10,
    roles: [
        RoleDef(name: "dropped", requires: [Squat], fits_into: Some("container")),
        RoleDef(name: "container", requires: [Container]),
    ],
    // Something must hold the object still before letting go: not the flat pusher block.
    actors: [Hand, Stick],
    setup: [
        Place(role: "container", u: (-0.4, 0.4), v: (-0.3, 0.3)),
        HoldAbove(role: "dropped", over: "container", height: (0.05, 0.1), offset: (0.0, 0.004)),
    ],
    script: [
        Start(beside: "dropped", side: Up, gap: (0.004, 0.008)),
        Release(role: "dropped", frame: (4, 9)),
        Retreat(toward: Up, distance: (0.08, 0.15), delay: (0, 1), duration: (4, 7)),
    ],
    postconditions: [
        Drops(role: "dropped", min_drop: 0.05),
        Touches(role: "dropped", other: "container"),
        EndsIn(role: "dropped", container: "container"),
        StaysInFrame(role: "dropped", margin: 0.0),
        // Held from above at first, then inside the container: seen as it is let go and falls.
        Visible(role: "dropped", median: 0.0, start: 0.2, contact: 0.0, end: 0.0),
        Visible(role: "container", median: 0.4, end: 0.3),
    ],
)"#;

#[test]
fn an_object_that_must_fit_into_a_container_is_drawn_to_fit_and_ends_inside_it() {
    use synthact::content::ObjectTrait;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("drop_into.ron"), DROP_INTO).unwrap();
    let content = Content::load(&default_scenes_dir(), dir.path(), &default_objects_file()).unwrap();
    let mut kinds = std::collections::BTreeSet::new();
    for index in 0..12 {
        let clip = plan_clip(&content, 7, index, VideoSpec::default(), 60).unwrap_or_else(|e| panic!("{e}"));
        let (spec, last) = (&clip.spec, clip.trajectory.frames.last().unwrap());
        let (d, dropped) = spec.role_object("dropped").unwrap();
        let (c, container) = spec.role_object("container").unwrap();
        let kind = content.objects.def.kinds.iter().find(|k| k.name == container.kind).unwrap();
        assert!(kind.has_trait(ObjectTrait::Container) && kind.has_trait(ObjectTrait::Hollow));
        let opening = container.opening_radius().expect("an open container");
        // Drawn to pass through the opening: its farthest reach round its centre, corners included.
        let widest = (0..16)
            .map(|k| synthact::spec::reach(dropped, Quat::from_rotation_y(k as f32 * 0.3927) * Vec3::X))
            .fold(0.0, f32::max);
        assert!(
            widest <= 0.8 * opening,
            "clip {index}: {} ({widest:.3} m) for an opening of {opening:.3} m",
            dropped.kind
        );
        // It ends inside: within the opening, below the rim.
        let (inside, rim) = (Vec3::from(last.objects[d].position), Vec3::from(last.objects[c].position));
        let across = Vec3::new(inside.x - rim.x, 0.0, inside.z - rim.z).length();
        let top = rim.y + container.shape.half_extents()[1];
        assert!(
            across < opening && inside.y < top,
            "clip {index}: {across:.3} m off the axis, {:.3} m below the rim",
            top - inside.y
        );
        kinds.insert((dropped.kind.clone(), container.kind.clone()));
    }
    assert!(kinds.len() >= 4, "objects and containers vary: {kinds:?}");

    // A role that must fit into one that is not a container is refused, with its field.
    let wrong = DROP_INTO.replace("fits_into: Some(\"container\")", "fits_into: Some(\"dropped\")");
    std::fs::write(dir.path().join("drop_into.ron"), &wrong).unwrap();
    let error = Content::load(&default_scenes_dir(), dir.path(), &default_objects_file()).unwrap_err();
    assert!(error.to_string().contains("roles[0].fits_into"), "{error}");
}

#[test]
fn a_glass_tipped_on_its_side_rolls_on_its_rim_down_a_gentle_slope() {
    let content = Content::load_builtin().unwrap();
    let video = VideoSpec::default();
    let base = actorless_clip(&content, video);
    let glass = content.objects.def.kinds.iter().find(|kind| kind.name == "glass").unwrap();
    // A fixed board 40 cm long, tilted 8 degrees: too gentle for the glass to slide (friction
    // 0.4 or more against a slope of 0.14), so it can only go down by rolling.
    let (angle, centre) = (8f32.to_radians(), Vec3::from(base.objects[0].position) + Vec3::Y * 0.05);
    let tilt = Quat::from_rotation_z(angle);
    let mut board = base.objects[0].clone();
    board.shape = synthact::spec::ShapeSpec::Box { size: [0.4, 0.01, 0.25], rounding: 0.0 };
    board.parts.clear();
    (board.position, board.rotation, board.fixed, board.held_until_frame) =
        (centre.to_array(), tilt.to_array(), true, None);
    let mut object = board.clone();
    object.shape = shape_at(glass, 0.5);
    let radius = object.shape.half_extents()[0];
    // Lying on its side with its axis across the slope, near the board's high end.
    let on_board = centre + tilt * Vec3::new(0.12, 0.005 + radius + 0.001, 0.0);
    (object.position, object.rotation, object.fixed) =
        (on_board.to_array(), (tilt * Quat::from_rotation_x(std::f32::consts::FRAC_PI_2)).to_array(), false);
    (object.mass, object.friction, object.restitution) = (0.2, middle(glass.friction), 0.05);
    let spec = synthact::spec::ClipSpec { objects: vec![board, object], actors: Vec::new(), ..base.clone() };
    let trajectory = simulate(&spec);
    let (first, last) = (&trajectory.frames[0].objects[1], &trajectory.frames[trajectory.frames.len() - 1].objects[1]);
    let down = Vec3::from(first.position).x - Vec3::from(last.position).x;
    // Summed frame to frame: rolling turns it over and over.
    let rotations: Vec<Quat> = trajectory.frames.iter().map(|f| Quat::from_array(f.objects[1].rotation)).collect();
    let turned: f32 = rotations.windows(2).map(|w| w[0].angle_between(w[1]).to_degrees()).sum();
    assert!(down > 0.05 && turned > 90.0, "moved {down:.3} m down the slope, turned {turned:.0} degrees");
}
