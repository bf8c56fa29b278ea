//! Conditions on contacts: whether the actor touched the object, whether two objects touched and
//! how one's path turned when they did, whether the object kept still until touched, and whether
//! a stack came down.

use bevy::math::Vec3;

use super::{Outcome, Track, posed, reach_of};
use crate::simulation::FrameState;

/// The actor touches any piece of the role (a stack has several) at some frame.
pub(super) fn actor_touches(track: &Track) -> Outcome {
    match track.pieces.iter().filter_map(|&i| track.trajectory.first_actor_contact[i]).min() {
        Some(frame) => (true, format!("first contact at frame {frame}")),
        None => (false, "the actor never touched it".into()),
    }
}

/// The object touches the other (`wanted`) or never does (not `wanted`).
pub(super) fn touches(track: &Track, wanted: bool) -> Outcome {
    let contact = track.trajectory.first_contact_between(track.index, track.other().index);
    let measured = match contact {
        Some(frame) => format!("first touched at frame {frame}"),
        None => "never touched".into(),
    };
    (contact.is_some() == wanted, measured)
}

/// When the object first touches the other, its horizontal direction of travel (over three
/// frames on either side) turns by at least `min_deg` degrees.
pub(super) fn deflects(track: &Track, min_deg: f32) -> Outcome {
    let Some(contact) = track.trajectory.first_contact_between(track.index, track.other().index) else {
        return (false, "never touched the other".into());
    };
    let contact = contact as usize;
    let (span, last_frame) = (3, track.last_frame());
    let travel = |from: usize, to: usize| {
        let d = track.positions[to.min(last_frame)] - track.positions[from.min(last_frame)];
        Vec3::new(d.x, 0.0, d.z)
    };
    let before = travel(contact.saturating_sub(span), contact.saturating_sub(1));
    let after = travel(contact, contact + span);
    if before.length() < 0.005 || after.length() < 0.005 {
        return (false, format!("hardly moving around the contact at frame {contact}"));
    }
    let turned = before.angle_between(after).to_degrees();
    (turned >= min_deg, format!("direction turned {turned:.0} degrees at frame {contact}"))
}

/// No piece of the role moves more than 5 mm before the actor first touches one.
pub(super) fn still_until_touched(track: &Track) -> Outcome {
    let frames = &track.trajectory.frames;
    let touched = track.pieces.iter().filter_map(|&i| track.trajectory.first_actor_contact[i]).min();
    let moved = track
        .pieces
        .iter()
        .filter_map(|&i| {
            let start = Vec3::from(frames[0].objects[i].position);
            frames.iter().position(|f| Vec3::from(f.objects[i].position).distance(start) > 0.005)
        })
        .min();
    match (moved, touched) {
        (Some(moved), Some(touched)) if (moved as u32) < touched => {
            (false, format!("moved at frame {moved}, before the first touch at frame {touched}"))
        }
        (Some(moved), None) => (false, format!("moved at frame {moved} and was never touched")),
        _ => (true, format!("still until touched (first touch: {touched:?})")),
    }
}

/// A stack collapsed: its top came down by at least half of what stood on its bottom piece, and
/// at least most of a piece, not just a nudged top piece.
pub(super) fn collapses(track: &Track) -> Outcome {
    let (spec, pieces) = (track.spec, &track.pieces);
    let piece_height = 2.0 * reach_of(track.object, Vec3::Y);
    let top_at = |frame: &FrameState| {
        let top_of = |i: usize| {
            frame.objects[i].position[1] + reach_of(&posed(&spec.objects[i], frame.objects[i].rotation), Vec3::Y)
        };
        pieces.iter().map(|&i| top_of(i)).fold(f32::MIN, f32::max)
    };
    let frames = &track.trajectory.frames;
    let (start, end) = (&frames[0], &frames[frames.len() - 1]);
    let standing_on_bottom = top_at(start) - (spec.objects[pieces[0]].position[1] + reach_of(track.object, Vec3::Y));
    let needed = (0.5 * standing_on_bottom).max(0.8 * piece_height);
    let lowered = top_at(start) - top_at(end);
    (
        pieces.len() >= 2 && lowered >= needed,
        format!("the top of {} pieces came down {lowered:.3} m of the {needed:.3} m needed", pieces.len()),
    )
}

#[cfg(test)]
mod tests {
    use bevy::math::Vec3;

    use super::super::fixture::{moving, outcome, spec_of};
    use crate::spec::CameraAxes;

    #[test]
    fn touching_and_never_touching_read_the_contact_log_and_so_does_the_actor() {
        let spec = spec_of("move_to_collide");
        let (first, second) = (spec.role_object("first").unwrap().0, spec.role_object("second").unwrap().0);
        let mut trajectory = moving(&spec, first, |_| Vec3::ZERO);
        let touch = "Touches(role: \"first\", other: \"second\")";
        let never = "NeverTouches(role: \"first\", other: \"second\")";
        assert_eq!(outcome(&spec, touch, &trajectory), (false, "never touched".into()));
        assert!(outcome(&spec, never, &trajectory).0);
        assert!(!outcome(&spec, "ActorTouches(role: \"first\")", &trajectory).0);
        trajectory.object_contacts.push((first.min(second), first.max(second), 7));
        trajectory.first_actor_contact[first] = Some(3);
        assert_eq!(outcome(&spec, touch, &trajectory), (true, "first touched at frame 7".into()));
        assert!(!outcome(&spec, never, &trajectory).0);
        assert_eq!(
            outcome(&spec, "ActorTouches(role: \"first\")", &trajectory),
            (true, "first contact at frame 3".into())
        );
    }

    #[test]
    fn a_path_that_turns_at_the_contact_deflects_and_a_straight_one_does_not() {
        let spec = spec_of("collide_and_deflect");
        let (first, second) = (spec.role_object("first").unwrap().0, spec.role_object("second").unwrap().0);
        let axes = CameraAxes::new(&spec.camera);
        let condition = "Deflects(role: \"first\", other: \"second\", min_deg: 20.0)";
        // Right until mid-clip, then away from the camera: a right angle at frame 6.
        let turn = |t: f32| {
            if t <= 6.0 / 11.0 {
                axes.right * 0.2 * t
            } else {
                axes.right * 0.2 * 6.0 / 11.0 + axes.away * 0.2 * (t - 6.0 / 11.0)
            }
        };
        let mut turned = moving(&spec, first, turn);
        turned.object_contacts.push((first.min(second), first.max(second), 6));
        let (passed, measured) = outcome(&spec, condition, &turned);
        assert!(passed, "{measured}");
        let mut straight = moving(&spec, first, |t| axes.right * 0.3 * t);
        straight.object_contacts.push((first.min(second), first.max(second), 6));
        assert!(!outcome(&spec, condition, &straight).0);
    }

    #[test]
    fn a_stack_that_moves_before_it_is_touched_fails_and_one_that_falls_collapses() {
        let spec = spec_of("poke_stack_over");
        let pieces = spec.role_indices("stack");
        let top = *pieces.last().unwrap();
        let height = 2.0 * spec.objects[top].shape.half_extents()[1];
        // The top piece slides off and lands beside the stack, two pieces lower.
        let mut fallen = moving(&spec, top, |t| Vec3::new(0.15 * t, -2.0 * height * t, 0.0));
        let (passed, measured) = outcome(&spec, "StillUntilTouched(role: \"stack\")", &fallen);
        assert!(!passed, "{measured}");
        fallen.first_actor_contact[pieces[0]] = Some(0);
        assert!(outcome(&spec, "StillUntilTouched(role: \"stack\")", &fallen).0);
        let still = moving(&spec, top, |_| Vec3::ZERO);
        assert!(!outcome(&spec, "Collapses(role: \"stack\")", &still).0);
        if pieces.len() == 3 {
            assert!(outcome(&spec, "Collapses(role: \"stack\")", &fallen).0);
        }
    }
}
