//! Verification: does the simulated clip show what its label says? Between simulation and capture.
//!
//! Each postcondition of the action is evaluated on the trajectory, projected through the clip's
//! camera where it speaks of the image. A clip whose checks fail is never rendered; the dataset
//! driver re-samples it with the next attempt seed.

use bevy::math::{Quat, Vec2, Vec3};
use serde::{Deserialize, Serialize};

use crate::content::{ActionDef, Postcondition, Side};
use crate::simulation::Trajectory;
use crate::spec::{CameraAxes, CameraModel, ClipSpec, ObjectSpec, distance_to_edge};

/// The outcome of one postcondition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Check {
    /// The postcondition as written in the action file.
    pub condition: String,
    pub passed: bool,
    /// What was measured, in words and numbers.
    pub measured: String,
}

/// All postconditions of a clip.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verification {
    pub passed: bool,
    pub checks: Vec<Check>,
}

/// Evaluates `action`'s postconditions on a simulated clip.
pub fn verify(spec: &ClipSpec, action: &ActionDef, trajectory: &Trajectory) -> Verification {
    // A mirrored clip is checked against the mirrored script it played.
    let mirrored;
    let action = if spec.mirrored {
        mirrored = action.mirrored();
        &mirrored
    } else {
        action
    };
    // The camera each frame was rendered through, with its motion and shake.
    let video = spec.video;
    let cameras: Vec<CameraModel> = (0..trajectory.frames.len() as u32)
        .map(|frame| CameraModel::at_frame(&spec.camera, frame, video.fps, video.width, video.height))
        .collect();
    let checks: Vec<Check> = action
        .postconditions
        .iter()
        .map(|condition| check(spec, &cameras, condition, trajectory, action.script_frames))
        .collect();
    Verification { passed: checks.iter().all(|c| c.passed), checks }
}

fn check(
    spec: &ClipSpec,
    cameras: &[CameraModel],
    condition: &Postcondition,
    trajectory: &Trajectory,
    script_frames: u32,
) -> Check {
    let described = ron::to_string(condition).unwrap_or_else(|_| format!("{condition:?}"));
    let Some((index, object)) = spec.role_object(condition.role()) else {
        return Check { condition: described, passed: false, measured: "role has no object".into() };
    };
    let positions: Vec<Vec3> = trajectory.frames.iter().map(|f| Vec3::from(f.objects[index].position)).collect();
    let (Some(first), Some(last)) = (positions.first().copied(), positions.last().copied()) else {
        return Check { condition: described, passed: false, measured: "no frames".into() };
    };
    let other = match condition.other().map(|name| spec.role_object(name)) {
        None => None,
        Some(Some(found)) => Some(found),
        Some(None) => {
            return Check { condition: described, passed: false, measured: "other role has no object".into() };
        }
    };
    let other_positions: Vec<Vec3> = match other {
        Some((other_index, _)) => {
            trajectory.frames.iter().map(|f| Vec3::from(f.objects[other_index].position)).collect()
        }
        None => Vec::new(),
    };
    // A stack's pieces all play its role; most conditions look at the first (the bottom one).
    let pieces = spec.role_indices(condition.role());
    let rotations: Vec<Quat> = trajectory.frames.iter().map(|f| Quat::from_array(f.objects[index].rotation)).collect();
    let Some(camera) = cameras.first() else {
        return Check { condition: described, passed: false, measured: "no frames".into() };
    };
    let last_frame = cameras.len() - 1;
    // Where a point appears in the image of frame `frame`.
    let pixel = |frame: usize, p: Vec3| cameras[frame].project(p);
    let (passed, measured) = match condition {
        Postcondition::MovesInImage { toward, min_fraction, .. } => match (pixel(0, first), pixel(last_frame, last)) {
            (Some(a), Some(b)) => {
                let delta = b - a;
                let (moved, size) = match toward {
                    Side::Right => (delta.x, camera.width),
                    Side::Left => (-delta.x, camera.width),
                    Side::Down => (delta.y, camera.height),
                    Side::Up => (-delta.y, camera.height),
                    Side::Toward | Side::Away => (0.0, 1.0),
                };
                let fraction = moved / size;
                (fraction >= *min_fraction, format!("moved {fraction:.3} of the image {toward:?}"))
            }
            _ => (false, "behind the camera".into()),
        },
        Postcondition::Drops { min_drop, .. } => {
            let drop = first.y - last.y;
            (drop >= *min_drop, format!("dropped {drop:.3} m"))
        }
        Postcondition::StaysInFrame { margin, until, .. } => {
            // Script frames scale to the clip's length as the script's timings do.
            let time_scale =
                (spec.video.frames.saturating_sub(1)) as f32 / (script_frames.saturating_sub(1).max(1)) as f32;
            let checked = until.map_or(positions.len(), |until| (until as f32 * time_scale).round() as usize + 1);
            let outside = positions
                .iter()
                .enumerate()
                .take(checked)
                .position(|(frame, p)| !pixel(frame, *p).is_some_and(|px: Vec2| camera.in_frame(px, *margin)));
            match outside {
                None => (true, "in frame in every frame".into()),
                Some(frame) => (false, format!("left the frame at frame {frame}")),
            }
        }
        Postcondition::EndsOnWorkSurface { .. } => {
            // On the surface: centre above its top, and not still in the air.
            let above = last.y - spec.work_surface_top;
            let resting =
                above > 0.0 && above < 2.0 * object.shape.half_extents().into_iter().fold(0.0, f32::max) + 0.01;
            (resting, format!("centre ends {above:.3} m above the work surface"))
        }
        // Any piece of a role counts (a stack has several).
        Postcondition::ActorTouches { .. } => {
            match pieces.iter().filter_map(|&i| trajectory.first_actor_contact[i]).min() {
                Some(frame) => (true, format!("first contact at frame {frame}")),
                None => (false, "the actor never touched it".into()),
            }
        }
        Postcondition::EndsBelowWorkSurface { min_depth, .. } => {
            let depth = spec.work_surface_top - last.y;
            (depth >= *min_depth, format!("centre ends {depth:.3} m below the work surface's top"))
        }
        Postcondition::EndsNearEdge { toward, within, .. } => {
            let direction = CameraAxes::new(&spec.camera).direction(*toward);
            let to_edge = distance_to_edge(spec.work_surface_rect(), [last.x, last.z], [direction.x, direction.z]);
            let on_top = last.y > spec.work_surface_top;
            (
                on_top && (0.0..=*within).contains(&to_edge),
                format!(
                    "centre ends {to_edge:.3} m from the edge, {}",
                    if on_top { "on the surface" } else { "off it" }
                ),
            )
        }
        Postcondition::Rotates { min_deg, .. } => {
            let turned: f32 = rotations.windows(2).map(|pair| pair[0].angle_between(pair[1]).to_degrees()).sum();
            (turned >= *min_deg, format!("turned {turned:.0} degrees in all"))
        }
        Postcondition::Spins { min_deg, .. } => {
            // Net turn about the vertical, unwrapped frame to frame so several turns add up.
            let yaw = |rotation: &Quat| {
                let forward = *rotation * Vec3::X;
                forward.z.atan2(forward.x)
            };
            let mut net = 0.0f32;
            for pair in rotations.windows(2) {
                let mut step = yaw(&pair[1]) - yaw(&pair[0]);
                if step > std::f32::consts::PI {
                    step -= std::f32::consts::TAU;
                } else if step < -std::f32::consts::PI {
                    step += std::f32::consts::TAU;
                }
                net += step;
            }
            let net = net.abs().to_degrees();
            let tilt = rotations.iter().map(|r| (*r * Vec3::Y).angle_between(Vec3::Y).to_degrees()).fold(0.0, f32::max);
            (
                net >= *min_deg && tilt <= 20.0,
                format!("turned {net:.0} degrees about the vertical, tilted at most {tilt:.0}"),
            )
        }
        Postcondition::Tilts { min_deg, .. } => {
            let up = rotations.last().copied().unwrap_or_default() * Vec3::Y;
            let tilt = up.angle_between(Vec3::Y).to_degrees();
            (tilt >= *min_deg, format!("up axis ends {tilt:.0} degrees from vertical"))
        }
        Postcondition::GetsCloser { max_ratio, .. } | Postcondition::MovesApart { min_ratio: max_ratio, .. } => {
            let (Some(a), Some(b)) = (other_positions.first(), other_positions.last()) else {
                return Check { condition: described, passed: false, measured: "no frames".into() };
            };
            let (before, after) = (first.distance(*a), last.distance(*b));
            let ratio = after / before.max(1e-6);
            let passed = if matches!(condition, Postcondition::GetsCloser { .. }) {
                ratio <= *max_ratio
            } else {
                ratio >= *max_ratio
            };
            (passed, format!("distance {before:.3} m -> {after:.3} m (ratio {ratio:.2})"))
        }
        Postcondition::Touches { .. } | Postcondition::NeverTouches { .. } => {
            let other_index = other.expect("a pair condition").0;
            let contact = trajectory.first_contact_between(index, other_index);
            let wanted = matches!(condition, Postcondition::Touches { .. });
            let measured = match contact {
                Some(frame) => format!("first touched at frame {frame}"),
                None => "never touched".into(),
            };
            (contact.is_some() == wanted, measured)
        }
        Postcondition::MovesBy { min, max, .. } => {
            let moved = first.distance(last);
            let passed = moved >= *min && max.is_none_or(|max| moved <= max);
            (passed, format!("moved {moved:.3} m"))
        }
        Postcondition::MovesInWorld { toward, min_distance, .. } => {
            let moved = (last - first).dot(CameraAxes::new(&spec.camera).direction(*toward));
            (moved >= *min_distance, format!("moved {moved:.3} m {toward:?}"))
        }
        Postcondition::SwapsSides { .. } => {
            let (Some(other_first), Some(other_last)) = (other_positions.first(), other_positions.last()) else {
                return Check { condition: described, passed: false, measured: "no frames".into() };
            };
            match (pixel(0, first), pixel(0, *other_first), pixel(last_frame, last), pixel(last_frame, *other_last)) {
                (Some(a0), Some(b0), Some(a1), Some(b1)) => {
                    let (before, after) = (a0.x - b0.x, a1.x - b1.x);
                    (before * after < 0.0, format!("horizontal offset to the other {before:+.1} px -> {after:+.1} px"))
                }
                _ => (false, "behind the camera".into()),
            }
        }
        Postcondition::Rises { min_height, .. } => {
            let peak = positions.iter().map(|p| p.y - first.y).fold(0.0, f32::max);
            (peak >= *min_height, format!("rose {peak:.3} m at most"))
        }
        Postcondition::Deflects { min_deg, .. } => {
            let other_index = other.expect("a pair condition").0;
            match trajectory.first_contact_between(index, other_index) {
                None => (false, "never touched the other".into()),
                Some(contact) => {
                    // Horizontal travel over three frames on either side of the contact.
                    let contact = contact as usize;
                    let span = 3;
                    let travel = |from: usize, to: usize| {
                        let d = positions[to.min(last_frame)] - positions[from.min(last_frame)];
                        Vec3::new(d.x, 0.0, d.z)
                    };
                    let before = travel(contact.saturating_sub(span), contact.saturating_sub(1));
                    let after = travel(contact, contact + span);
                    if before.length() < 0.005 || after.length() < 0.005 {
                        (false, format!("hardly moving around the contact at frame {contact}"))
                    } else {
                        let turned = before.angle_between(after).to_degrees();
                        (turned >= *min_deg, format!("direction turned {turned:.0} degrees at frame {contact}"))
                    }
                }
            }
        }
        Postcondition::Collapses { .. } => {
            // Pieces share the role; the first is the bottom one.
            let piece_height = 2.0 * reach_of(object, Vec3::Y);
            let top_at = |frame: &crate::simulation::FrameState| {
                pieces
                    .iter()
                    .map(|&i| {
                        frame.objects[i].position[1]
                            + reach_of(&posed(&spec.objects[i], frame.objects[i].rotation), Vec3::Y)
                    })
                    .fold(f32::MIN, f32::max)
            };
            let (Some(start), Some(end)) = (trajectory.frames.first(), trajectory.frames.last()) else {
                return Check { condition: described, passed: false, measured: "no frames".into() };
            };
            // Collapsed: it lost at least half of what stood on its bottom piece (at least most
            // of a piece), not just a nudged top piece.
            let standing_on_bottom = top_at(start) - (spec.objects[pieces[0]].position[1] + reach_of(object, Vec3::Y));
            let needed = (0.5 * standing_on_bottom).max(0.8 * piece_height);
            let lowered = top_at(start) - top_at(end);
            (
                pieces.len() >= 2 && lowered >= needed,
                format!("the top of {} pieces came down {lowered:.3} m of the {needed:.3} m needed", pieces.len()),
            )
        }
        Postcondition::StillUntilTouched { .. } => {
            let touched = pieces.iter().filter_map(|&i| trajectory.first_actor_contact[i]).min();
            let moved = pieces
                .iter()
                .filter_map(|&i| {
                    let start = Vec3::from(trajectory.frames[0].objects[i].position);
                    trajectory.frames.iter().position(|f| Vec3::from(f.objects[i].position).distance(start) > 0.005)
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
        Postcondition::CameraNears { max_ratio, .. } => {
            let fps = spec.video.fps;
            let (start, end) = (spec.camera.pose_at(0.0, fps).0, spec.camera.pose_at(last_frame as f32, fps).0);
            let (before, after) = (start.distance(first), end.distance(last));
            let ratio = after / before.max(1e-6);
            (ratio <= *max_ratio, format!("camera distance {before:.3} m -> {after:.3} m (ratio {ratio:.2})"))
        }
        Postcondition::EndsOn { .. } => {
            let (other_index, under) = other.expect("a pair condition");
            let last_frame = trajectory.frames.last().expect("frames checked above");
            let base = posed(under, last_frame.objects[other_index].rotation);
            let top = posed(object, last_frame.objects[index].rotation);
            let base_centre = Vec3::from(last_frame.objects[other_index].position);
            // Resting on it: its bottom near the other's top, its centre over the other's footprint.
            let gap = (last.y - reach_of(&top, Vec3::NEG_Y)) - (base_centre.y + reach_of(&base, Vec3::Y));
            let horizontal = Vec3::new(last.x - base_centre.x, 0.0, last.z - base_centre.z);
            let over = horizontal.length() <= reach_of(&base, horizontal.normalize_or(Vec3::X));
            (
                over && gap.abs() < 0.01 && trajectory.first_contact_between(index, other_index).is_some(),
                format!(
                    "ends {} the other's footprint, {gap:.3} m above its top",
                    if over { "over" } else { "outside" }
                ),
            )
        }
    };
    Check { condition: described, passed, measured }
}

/// An object spec with the rotation of some frame, for support distances.
fn posed(object: &ObjectSpec, rotation: [f32; 4]) -> ObjectSpec {
    ObjectSpec { rotation, ..object.clone() }
}

fn reach_of(object: &ObjectSpec, direction: Vec3) -> f32 {
    crate::spec::reach(object, direction)
}
