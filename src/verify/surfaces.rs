//! Conditions on motion in the world and against the work surface: how far and which way the
//! object moves, how high it rises or how far it drops, and where it ends: on the surface, off
//! it, near its edge.

use bevy::math::Vec3;

use super::{Outcome, Track};
use crate::content::Side;
use crate::spec::{CameraAxes, distance_to_edge};

/// The centre drops by at least `min_drop` metres from the first frame to the last.
pub(super) fn drops(track: &Track, min_drop: f32) -> Outcome {
    let drop = track.first().y - track.last().y;
    (drop >= min_drop, format!("dropped {drop:.3} m"))
}

/// At some frame the centre is at least `min_height` metres above where it started.
pub(super) fn rises(track: &Track, min_height: f32) -> Outcome {
    let peak = track.positions.iter().map(|p| p.y - track.first().y).fold(0.0, f32::max);
    (peak >= min_height, format!("rose {peak:.3} m at most"))
}

/// The centre ends `min` to `max` metres from where it started.
pub(super) fn moves_by(track: &Track, min: f32, max: Option<f32>) -> Outcome {
    let moved = track.first().distance(track.last());
    let passed = moved >= min && max.is_none_or(|max| moved <= max);
    (passed, format!("moved {moved:.3} m"))
}

/// The centre ends at least `min_distance` metres further `toward` a camera-relative side.
pub(super) fn moves_in_world(track: &Track, toward: Side, min_distance: f32) -> Outcome {
    let moved = (track.last() - track.first()).dot(CameraAxes::new(&track.spec.camera).direction(toward));
    (moved >= min_distance, format!("moved {moved:.3} m {toward:?}"))
}

/// The object ends resting on the work surface: its centre above the top, and not still in the air.
pub(super) fn ends_on_work_surface(track: &Track) -> Outcome {
    let above = track.last().y - track.spec.work_surface_top;
    let largest = track.object.shape.half_extents().into_iter().fold(0.0, f32::max);
    let resting = above > 0.0 && above < 2.0 * largest + 0.01;
    (resting, format!("centre ends {above:.3} m above the work surface"))
}

/// The centre ends at least `min_depth` metres below the work surface's top: it fell off.
pub(super) fn ends_below_work_surface(track: &Track, min_depth: f32) -> Outcome {
    let depth = track.spec.work_surface_top - track.last().y;
    (depth >= min_depth, format!("centre ends {depth:.3} m below the work surface's top"))
}

/// The centre ends on the surface no more than `within` metres short of its edge `toward` a side.
pub(super) fn ends_near_edge(track: &Track, toward: Side, within: f32) -> Outcome {
    let spec = track.spec;
    let last: Vec3 = track.last();
    let direction = CameraAxes::new(&spec.camera).direction(toward);
    let to_edge = distance_to_edge(spec.work_surface_rect(), [last.x, last.z], [direction.x, direction.z]);
    let on_top = last.y > spec.work_surface_top;
    let place = if on_top { "on the surface" } else { "off it" };
    (on_top && (0.0..=within).contains(&to_edge), format!("centre ends {to_edge:.3} m from the edge, {place}"))
}

#[cfg(test)]
mod tests {
    use bevy::math::Vec3;

    use super::super::fixture::{moving, outcome, spec_of};
    use crate::spec::CameraAxes;

    #[test]
    fn drops_rises_and_moves_by_measure_the_centre() {
        let spec = spec_of("lift_and_drop");
        let target = spec.role_object("target").unwrap().0;
        // Up 10 cm at mid-clip, then down 3 cm below where it started.
        let lifted = moving(&spec, target, |t| Vec3::Y * if t < 0.5 { 0.2 * t } else { 0.1 - 0.26 * (t - 0.5) });
        assert!(outcome(&spec, "Rises(role: \"target\", min_height: 0.09)", &lifted).0);
        assert!(!outcome(&spec, "Rises(role: \"target\", min_height: 0.12)", &lifted).0);
        assert!(outcome(&spec, "Drops(role: \"target\", min_drop: 0.02)", &lifted).0);
        assert!(outcome(&spec, "MovesBy(role: \"target\", min: 0.02, max: 0.04)", &lifted).0);
        assert!(!outcome(&spec, "MovesBy(role: \"target\", min: 0.0, max: 0.02)", &lifted).0);
    }

    #[test]
    fn moving_toward_the_camera_counts_toward_and_not_away() {
        let spec = spec_of("move_toward_camera");
        let away = CameraAxes::new(&spec.camera).away;
        let target = spec.role_object("target").unwrap().0;
        let nearer = moving(&spec, target, |t| -away * 0.15 * t);
        assert!(outcome(&spec, "MovesInWorld(role: \"target\", toward: Toward, min_distance: 0.1)", &nearer).0);
        assert!(!outcome(&spec, "MovesInWorld(role: \"target\", toward: Away, min_distance: 0.0)", &nearer).0);
    }

    #[test]
    fn an_object_pushed_over_the_edge_ends_below_the_surface_and_not_on_it() {
        let spec = spec_of("push_off_table");
        let target = spec.role_object("target").unwrap().0;
        let still = moving(&spec, target, |_| Vec3::ZERO);
        assert!(outcome(&spec, "EndsOnWorkSurface(role: \"target\")", &still).0);
        assert!(!outcome(&spec, "EndsBelowWorkSurface(role: \"target\", min_depth: 0.05)", &still).0);
        let fallen = moving(&spec, target, |t| Vec3::new(0.0, -0.5 * t, 0.0));
        assert!(!outcome(&spec, "EndsOnWorkSurface(role: \"target\")", &fallen).0);
        assert!(outcome(&spec, "EndsBelowWorkSurface(role: \"target\", min_depth: 0.05)", &fallen).0);
    }

    #[test]
    fn ending_near_the_edge_needs_the_object_on_the_surface_close_to_that_edge() {
        let spec = spec_of("push_almost_off_table");
        let target = spec.role_object("target").unwrap().0;
        let toward = -CameraAxes::new(&spec.camera).away;
        let still = moving(&spec, target, |_| Vec3::ZERO);
        let (_, measured) = outcome(&spec, "EndsNearEdge(role: \"target\", toward: Toward, within: 10.0)", &still);
        let to_edge: f32 = measured.split_whitespace().nth(2).unwrap().parse().unwrap();
        // Carried to 2 cm short of the edge: near it; carried 3 cm past it and down: off.
        let near = moving(&spec, target, |t| toward * (to_edge - 0.02) * t);
        assert!(outcome(&spec, "EndsNearEdge(role: \"target\", toward: Toward, within: 0.03)", &near).0);
        let off = moving(&spec, target, |t| toward * (to_edge + 0.03) * t - Vec3::Y * 0.3 * t);
        assert!(!outcome(&spec, "EndsNearEdge(role: \"target\", toward: Toward, within: 0.03)", &off).0);
    }
}
