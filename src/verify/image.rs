//! Conditions on motion in the image: which way the role moves, whether it stays in view, whether
//! two objects swap sides.

use bevy::math::Vec2;

use super::{Outcome, Track};
use crate::content::Side;

/// From the first to the last frame the object's image position moves `toward` by at least
/// `min_fraction` of the image's width (or height).
pub(super) fn moves_in_image(track: &Track, toward: Side, min_fraction: f32) -> Outcome {
    let camera = &track.cameras[0];
    let (Some(a), Some(b)) = (track.pixel(0, track.first()), track.pixel(track.last_frame(), track.last())) else {
        return (false, "behind the camera".into());
    };
    let delta = b - a;
    let (moved, size) = match toward {
        Side::Right => (delta.x, camera.width),
        Side::Left => (-delta.x, camera.width),
        Side::Down => (delta.y, camera.height),
        Side::Up => (-delta.y, camera.height),
        Side::Toward | Side::Away => (0.0, 1.0),
    };
    let fraction = moved / size;
    (fraction >= min_fraction, format!("moved {fraction:.3} of the image {toward:?}"))
}

/// The object's centre is inside the image, `margin` from its border, in every frame up to script
/// frame `until` (scaled to the clip's length as the script's timings are).
pub(super) fn stays_in_frame(track: &Track, margin: f32, until: Option<u32>) -> Outcome {
    let time_scale =
        (track.spec.video.frames.saturating_sub(1)) as f32 / (track.script_frames.saturating_sub(1).max(1)) as f32;
    let checked = until.map_or(track.positions.len(), |until| (until as f32 * time_scale).round() as usize + 1);
    let camera = &track.cameras[0];
    let outside = track
        .positions
        .iter()
        .enumerate()
        .take(checked)
        .position(|(frame, p)| !track.pixel(frame, *p).is_some_and(|px: Vec2| camera.in_frame(px, margin)));
    match outside {
        None => (true, "in frame in every frame".into()),
        Some(frame) => (false, format!("left the frame at frame {frame}")),
    }
}

/// The object is left of the other in the first frame and right of it in the last, or the reverse.
pub(super) fn swaps_sides(track: &Track) -> Outcome {
    let other = &track.other().positions;
    let (other_first, other_last) = (other[0], other[other.len() - 1]);
    let last_frame = track.last_frame();
    let ends = (
        track.pixel(0, track.first()),
        track.pixel(0, other_first),
        track.pixel(last_frame, track.last()),
        track.pixel(last_frame, other_last),
    );
    let (Some(a0), Some(b0), Some(a1), Some(b1)) = ends else {
        return (false, "behind the camera".into());
    };
    let (before, after) = (a0.x - b0.x, a1.x - b1.x);
    (before * after < 0.0, format!("horizontal offset to the other {before:+.1} px -> {after:+.1} px"))
}

#[cfg(test)]
mod tests {
    use bevy::math::Vec3;

    use super::super::fixture::{moving, outcome, spec_of};
    use crate::spec::CameraAxes;

    #[test]
    fn moving_right_in_the_world_moves_right_in_the_image_and_not_left() {
        let spec = spec_of("push_left_to_right");
        let right = CameraAxes::new(&spec.camera).right;
        let target = spec.role_object("target").unwrap().0;
        let pushed = moving(&spec, target, |t| right * 0.2 * t);
        assert!(outcome(&spec, "MovesInImage(role: \"target\", toward: Right, min_fraction: 0.05)", &pushed).0);
        assert!(!outcome(&spec, "MovesInImage(role: \"target\", toward: Left, min_fraction: 0.0)", &pushed).0);
    }

    #[test]
    fn an_object_that_leaves_the_view_fails_from_the_frame_it_leaves_unless_that_is_after_until() {
        let spec = spec_of("push_left_to_right");
        let right = CameraAxes::new(&spec.camera).right;
        let target = spec.role_object("target").unwrap().0;
        let still = moving(&spec, target, |_| Vec3::ZERO);
        assert_eq!(outcome(&spec, "StaysInFrame(role: \"target\")", &still), (true, "in frame in every frame".into()));
        // Gone far to the right in the second half of the clip.
        let gone = moving(&spec, target, |t| right * if t > 0.5 { 5.0 } else { 0.0 });
        let (passed, measured) = outcome(&spec, "StaysInFrame(role: \"target\")", &gone);
        assert!(!passed && measured == "left the frame at frame 6", "{measured}");
        // Script frame 12 of 36 is clip frame 4 of 12: still in view then.
        assert!(outcome(&spec, "StaysInFrame(role: \"target\", until: 12)", &gone).0);
    }

    #[test]
    fn objects_swap_sides_only_when_one_passes_the_other() {
        let spec = spec_of("move_past_each_other");
        let right = CameraAxes::new(&spec.camera).right;
        let (first, second) = (spec.role_object("first").unwrap(), spec.role_object("second").unwrap());
        let across = (Vec3::from(second.1.position) - Vec3::from(first.1.position)).dot(right);
        let condition = "SwapsSides(role: \"first\", other: \"second\")";
        let passed = moving(&spec, first.0, |t| right * across * 2.0 * t);
        assert!(outcome(&spec, condition, &passed).0);
        let short = moving(&spec, first.0, |t| right * across * 0.5 * t);
        assert!(!outcome(&spec, condition, &short).0);
    }
}
