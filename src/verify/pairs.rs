//! Conditions on two objects: whether their centres get closer or farther apart, and whether one
//! ends resting on the other.

use bevy::math::Vec3;

use super::{Outcome, Track, posed, reach_of};

/// The distance between the centres at the last frame, as a fraction of that at the first.
fn distance_ratio(track: &Track) -> (f32, f32, f32) {
    let other = &track.other().positions;
    let (before, after) = (track.first().distance(other[0]), track.last().distance(other[other.len() - 1]));
    (before, after, after / before.max(1e-6))
}

/// The centres end at most `max_ratio` of their first distance apart.
pub(super) fn gets_closer(track: &Track, max_ratio: f32) -> Outcome {
    let (before, after, ratio) = distance_ratio(track);
    (ratio <= max_ratio, format!("distance {before:.3} m -> {after:.3} m (ratio {ratio:.2})"))
}

/// The centres end at least `min_ratio` of their first distance apart.
pub(super) fn moves_apart(track: &Track, min_ratio: f32) -> Outcome {
    let (before, after, ratio) = distance_ratio(track);
    (ratio >= min_ratio, format!("distance {before:.3} m -> {after:.3} m (ratio {ratio:.2})"))
}

/// The object ends resting on the other: its bottom within a centimetre of the other's top, its
/// centre over the other's footprint, and the two touched.
pub(super) fn ends_on(track: &Track) -> Outcome {
    let other = track.other();
    let last_frame = &track.trajectory.frames[track.trajectory.frames.len() - 1];
    let last = track.last();
    let base = posed(other.object, last_frame.objects[other.index].rotation);
    let top = posed(track.object, last_frame.objects[track.index].rotation);
    let base_centre = Vec3::from(last_frame.objects[other.index].position);
    let gap = (last.y - reach_of(&top, Vec3::NEG_Y)) - (base_centre.y + reach_of(&base, Vec3::Y));
    let horizontal = Vec3::new(last.x - base_centre.x, 0.0, last.z - base_centre.z);
    let over = horizontal.length() <= reach_of(&base, horizontal.normalize_or(Vec3::X));
    let touched = track.trajectory.first_contact_between(track.index, other.index).is_some();
    let place = if over { "over" } else { "outside" };
    (over && gap.abs() < 0.01 && touched, format!("ends {place} the other's footprint, {gap:.3} m above its top"))
}

/// The object ends inside the other, an open container: its centre within the opening and
/// below the rim (not caught on it), above the container's own bottom, the container no more
/// than 20 degrees from upright.
pub(super) fn ends_in(track: &Track) -> Outcome {
    let other = track.other();
    let last_frame = &track.trajectory.frames[track.trajectory.frames.len() - 1];
    let (pose, last) = (&last_frame.objects[other.index], track.last());
    let (centre, rotation) = (Vec3::from(pose.position), bevy::math::Quat::from_array(pose.rotation));
    let Some(opening) = other.object.opening_radius() else { return (false, "the other has no opening".into()) };
    let local = rotation.inverse() * (last - centre);
    let half_height = other.object.shape.half_extents()[1];
    let bottom = local.y - reach_of(&posed(track.object, last_frame.objects[track.index].rotation), Vec3::NEG_Y);
    let across = Vec3::new(local.x, 0.0, local.z).length();
    let tilt = (rotation * Vec3::Y).angle_between(Vec3::Y).to_degrees();
    let inside = across <= opening && local.y < half_height && bottom > -half_height && tilt <= 20.0;
    let measured = format!(
        "{across:.3} m off its axis (opening {opening:.3} m), centre {:.3} m below its rim, container tilted {tilt:.0} degrees",
        half_height - local.y
    );
    (inside, measured)
}

#[cfg(test)]
mod tests {
    use bevy::math::Vec3;

    use super::super::fixture::{moving, outcome, spec_of};

    #[test]
    fn closing_half_the_distance_gets_closer_and_doubling_it_moves_apart() {
        let spec = spec_of("move_closer");
        let (first, second) = (spec.role_object("first").unwrap(), spec.role_object("second").unwrap());
        let between = Vec3::from(second.1.position) - Vec3::from(first.1.position);
        let closer = moving(&spec, first.0, |t| between * 0.5 * t);
        assert!(outcome(&spec, "GetsCloser(role: \"first\", other: \"second\", max_ratio: 0.55)", &closer).0);
        assert!(!outcome(&spec, "MovesApart(role: \"first\", other: \"second\", min_ratio: 1.0)", &closer).0);
        let apart = moving(&spec, first.0, |t| -between * t);
        assert!(outcome(&spec, "MovesApart(role: \"first\", other: \"second\", min_ratio: 1.9)", &apart).0);
        assert!(!outcome(&spec, "GetsCloser(role: \"first\", other: \"second\", max_ratio: 1.0)", &apart).0);
    }

    #[test]
    fn resting_on_the_other_needs_contact_the_right_height_and_the_footprint() {
        let spec = spec_of("put_onto");
        let (carried, base) = (spec.role_object("carried").unwrap(), spec.role_object("below").unwrap());
        let (top, bottom) = (Vec3::from(carried.1.position), Vec3::from(base.1.position));
        let height = base.1.shape.half_extents()[1] + carried.1.shape.half_extents()[1];
        let onto = bottom + Vec3::Y * height - top;
        let mut set_down = moving(&spec, carried.0, |t| onto * t);
        let condition = "EndsOn(role: \"carried\", on: \"below\")";
        let (passed, measured) = outcome(&spec, condition, &set_down);
        assert!(!passed, "never touched: {measured}");
        set_down.object_contacts.push((carried.0.min(base.0), carried.0.max(base.0), 8));
        let (passed, measured) = outcome(&spec, condition, &set_down);
        assert!(passed, "{measured}");
        let beside = moving(&spec, carried.0, |t| (onto + Vec3::X * 0.5) * t);
        assert!(!outcome(&spec, condition, &beside).0);
    }
}
