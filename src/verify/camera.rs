//! Conditions on the camera's own motion.

use super::{Outcome, Track};

/// The camera ends nearer the object: its distance at the last frame is at most `max_ratio` of
/// that at the first.
pub(super) fn camera_nears(track: &Track, max_ratio: f32) -> Outcome {
    let fps = track.spec.video.fps;
    let camera = &track.spec.camera;
    let (start, end) = (camera.pose_at(0.0, fps).0, camera.pose_at(track.last_frame() as f32, fps).0);
    let (before, after) = (start.distance(track.first()), end.distance(track.last()));
    let ratio = after / before.max(1e-6);
    (ratio <= max_ratio, format!("camera distance {before:.3} m -> {after:.3} m (ratio {ratio:.2})"))
}

#[cfg(test)]
mod tests {
    use bevy::math::Vec3;

    use super::super::fixture::{moving, outcome, spec_of};

    #[test]
    fn a_dollying_camera_nears_its_still_target_and_a_receding_target_undoes_it() {
        let spec = spec_of("approach_with_camera");
        let target = spec.role_object("target").unwrap().0;
        let still = moving(&spec, target, |_| Vec3::ZERO);
        let (passed, measured) = outcome(&spec, "CameraNears(role: \"target\", max_ratio: 0.95)", &still);
        assert!(passed, "{measured}");
        // The target carried as far away as the camera came forward and more.
        let camera = &spec.camera;
        let (start, end) = (camera.pose_at(0.0, spec.video.fps).0, camera.pose_at(11.0, spec.video.fps).0);
        let fled = moving(&spec, target, |t| (end - start) * 2.0 * t);
        assert!(!outcome(&spec, "CameraNears(role: \"target\", max_ratio: 0.95)", &fled).0);
    }
}
