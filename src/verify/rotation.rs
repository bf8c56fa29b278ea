//! Conditions on the object's orientation: how far it turns in all, about the vertical, or away
//! from upright.

use bevy::math::{Quat, Vec3};

use super::{Outcome, Track};

/// The object turns at least `min_deg` degrees in all, frame to frame added up.
pub(super) fn rotates(track: &Track, min_deg: f32) -> Outcome {
    let turned: f32 = track.rotations.windows(2).map(|pair| pair[0].angle_between(pair[1]).to_degrees()).sum();
    (turned >= min_deg, format!("turned {turned:.0} degrees in all"))
}

/// The object's net turn about the vertical, unwrapped frame to frame so several turns add up, is
/// at least `min_deg` degrees, and it never tilts more than 20 degrees: it spins, not tumbles.
pub(super) fn spins(track: &Track, min_deg: f32) -> Outcome {
    let yaw = |rotation: &Quat| {
        let forward = *rotation * Vec3::X;
        forward.z.atan2(forward.x)
    };
    let mut net = 0.0f32;
    for pair in track.rotations.windows(2) {
        let mut step = yaw(&pair[1]) - yaw(&pair[0]);
        if step > std::f32::consts::PI {
            step -= std::f32::consts::TAU;
        } else if step < -std::f32::consts::PI {
            step += std::f32::consts::TAU;
        }
        net += step;
    }
    let net = net.abs().to_degrees();
    let tilt = track.rotations.iter().map(|r| (*r * Vec3::Y).angle_between(Vec3::Y).to_degrees()).fold(0.0, f32::max);
    (net >= min_deg && tilt <= 20.0, format!("turned {net:.0} degrees about the vertical, tilted at most {tilt:.0}"))
}

/// The object's up axis ends at least `min_deg` degrees from vertical: it fell over.
pub(super) fn tilts(track: &Track, min_deg: f32) -> Outcome {
    let up = track.rotations.last().copied().unwrap_or_default() * Vec3::Y;
    let tilt = up.angle_between(Vec3::Y).to_degrees();
    (tilt >= min_deg, format!("up axis ends {tilt:.0} degrees from vertical"))
}

#[cfg(test)]
mod tests {
    use bevy::math::{Quat, Vec3};

    use super::super::fixture::{moving, outcome, spec_of};
    use crate::simulation::Trajectory;
    use crate::spec::ClipSpec;

    /// Object `index` turned by `rotation(t)` (t from 0 to 1) on top of how the spec places it.
    fn turning(spec: &ClipSpec, index: usize, rotation: impl Fn(f32) -> Quat) -> Trajectory {
        let mut trajectory = moving(spec, index, |_| Vec3::ZERO);
        let last = (trajectory.frames.len() - 1) as f32;
        for (frame, state) in trajectory.frames.iter_mut().enumerate() {
            let start = Quat::from_array(spec.objects[index].rotation);
            state.objects[index].rotation = (rotation(frame as f32 / last) * start).to_array();
        }
        trajectory
    }

    #[test]
    fn one_and_a_half_turns_about_the_vertical_spin_and_a_fall_tilts_but_does_not_spin() {
        let spec = spec_of("push_so_it_spins");
        let target = spec.role_object("target").unwrap().0;
        let spun = turning(&spec, target, |t| Quat::from_rotation_y(3.0 * std::f32::consts::PI * t));
        let (passed, measured) = outcome(&spec, "Spins(role: \"target\", min_deg: 500.0)", &spun);
        assert!(passed, "{measured}");
        assert!(outcome(&spec, "Rotates(role: \"target\", min_deg: 500.0)", &spun).0);
        assert!(!outcome(&spec, "Tilts(role: \"target\", min_deg: 45.0)", &spun).0);
        let fallen = turning(&spec, target, |t| Quat::from_rotation_x(std::f32::consts::FRAC_PI_2 * t));
        assert!(outcome(&spec, "Tilts(role: \"target\", min_deg: 80.0)", &fallen).0);
        assert!(!outcome(&spec, "Spins(role: \"target\", min_deg: 30.0)", &fallen).0);
    }
}
