//! Verification: does the simulated clip show what its label says? Between simulation and capture.
//!
//! Each postcondition of the action is evaluated on the trajectory, projected through the clip's
//! camera where it speaks of the image. A clip whose checks fail is never rendered; the dataset
//! driver re-samples it with the next attempt seed.

use bevy::math::{Vec2, Vec3};
use serde::{Deserialize, Serialize};

use crate::content::{ActionDef, Postcondition, Side};
use crate::simulation::Trajectory;
use crate::spec::{CameraModel, ClipSpec};

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
    let camera = CameraModel::new(&spec.camera, spec.video.width, spec.video.height);
    let checks: Vec<Check> =
        action.postconditions.iter().map(|condition| check(spec, &camera, condition, trajectory)).collect();
    Verification { passed: checks.iter().all(|c| c.passed), checks }
}

fn check(spec: &ClipSpec, camera: &CameraModel, condition: &Postcondition, trajectory: &Trajectory) -> Check {
    let described = ron::to_string(condition).unwrap_or_else(|_| format!("{condition:?}"));
    let Some((index, object)) = spec.role_object(condition.role()) else {
        return Check { condition: described, passed: false, measured: "role has no object".into() };
    };
    let positions: Vec<Vec3> = trajectory.frames.iter().map(|f| Vec3::from(f.objects[index].position)).collect();
    let (Some(first), Some(last)) = (positions.first().copied(), positions.last().copied()) else {
        return Check { condition: described, passed: false, measured: "no frames".into() };
    };
    let pixel = |p: Vec3| camera.project(p);
    let (passed, measured) = match condition {
        Postcondition::MovesInImage { toward, min_fraction, .. } => match (pixel(first), pixel(last)) {
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
        Postcondition::StaysInFrame { margin, .. } => {
            let outside =
                positions.iter().position(|p| !pixel(*p).is_some_and(|px: Vec2| camera.in_frame(px, *margin)));
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
        Postcondition::ActorTouches { .. } => match trajectory.first_actor_contact[index] {
            Some(frame) => (true, format!("first contact at frame {frame}")),
            None => (false, "the actor never touched it".into()),
        },
    };
    Check { condition: described, passed, measured }
}
