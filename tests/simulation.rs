//! Simulation tier: Rapier stepped for real, no renderer. Actions do what their labels say, and a
//! script that contradicts its label is rejected by verification.

use bevy::math::Vec3;
use synthact::content::{Content, default_actions_dir, default_objects_file, default_scenes_dir};
use synthact::dataset::{GenerateError, plan_clip};
use synthact::simulation::simulate;
use synthact::spec::{CameraAxes, VideoSpec, choose_action, sample_clip};

fn indices_of(content: &Content, action: &str, count: usize) -> Vec<u64> {
    (0..).filter(|i| choose_action(content, *i).unwrap().def.name == action).take(count).collect()
}

#[test]
fn every_action_verifies_over_many_seeds_and_moves_as_labeled() {
    let content = Content::load_builtin().unwrap();
    let video = VideoSpec::default();
    for action in &content.actions {
        let mut attempts = 0;
        let indices = indices_of(&content, &action.def.name, 8);
        for index in &indices {
            let clip = plan_clip(&content, 5, *index, video, 20).unwrap_or_else(|e| panic!("{e}"));
            attempts += clip.spec.attempt + 1;
            assert_eq!(clip.trajectory.frames.len(), video.frames as usize);
            let (target, _) = clip.spec.role_object("target").unwrap();
            let start = Vec3::from(clip.trajectory.frames[0].objects[target].position);
            let end = Vec3::from(clip.trajectory.frames.last().unwrap().objects[target].position);
            let axes = CameraAxes::new(&clip.spec.camera);
            let moved_right = (end - start).dot(axes.right);
            match action.def.name.as_str() {
                "push_left_to_right" => assert!(moved_right > 0.1, "clip {index}: moved {moved_right:.3} m right"),
                "push_right_to_left" => assert!(moved_right < -0.1, "clip {index}: moved {moved_right:.3} m right"),
                "falling_like_a_rock" => assert!(start.y - end.y > 0.1, "clip {index}: fell {:.3} m", start.y - end.y),
                other => panic!("untested action {other}"),
            }
            if action.def.name.starts_with("push") {
                let contact = clip.trajectory.first_actor_contact[target].expect("the actor touched the target");
                let first_move = clip
                    .trajectory
                    .frames
                    .iter()
                    .position(|f| (Vec3::from(f.objects[target].position) - start).length() > 0.005);
                assert!(contact > 0, "contact after frame 0");
                assert!(first_move.is_some_and(|m| m as u32 >= contact), "the target moved before it was touched");
            }
        }
        // Verification rejects some attempts, but the scripts should mostly work first time.
        assert!(
            attempts as usize <= indices.len() * 3,
            "{}: {attempts} attempts for {} clips",
            action.def.name,
            indices.len()
        );
    }
}

#[test]
fn simulation_is_deterministic() {
    let content = Content::load_builtin().unwrap();
    let spec = sample_clip(&content, 9, 0, 0, VideoSpec::default()).unwrap();
    assert_eq!(simulate(&spec), simulate(&spec));
}

#[test]
fn a_script_that_contradicts_its_label_is_rejected() {
    // The left-to-right push class, but the actor starts on the right and pushes left.
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(default_actions_dir().join("push_left_to_right.ron")).unwrap();
    let wrong = text
        .replace("u: (-0.75, -0.35)", "u: (0.35, 0.75)")
        .replace("side: Left", "side: Right")
        .replace("Push(role: \"target\", toward: Right", "Push(role: \"target\", toward: Left");
    assert_ne!(wrong, text);
    std::fs::write(dir.path().join("push_left_to_right.ron"), wrong).unwrap();
    let content = Content::load(&default_scenes_dir(), dir.path(), &default_objects_file()).unwrap();
    match plan_clip(&content, 1, 0, VideoSpec::default(), 5) {
        Err(GenerateError::Unverifiable { attempts, last, .. }) => {
            assert_eq!(attempts, 5);
            assert!(last.contains("MovesInImage"), "{last}");
        }
        other => panic!("a contradicting script was accepted: {:?}", other.map(|c| c.spec.label)),
    }
}
