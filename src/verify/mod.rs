//! Verification: does the simulated clip show what its label says? Between simulation and capture.
//!
//! Each postcondition of the action is evaluated on the trajectory, projected through the clip's
//! camera where it speaks of the image. A clip whose checks fail is never rendered; the dataset
//! driver re-samples it with the next attempt seed.
//!
//! A condition is a small function over a [`Track`] (the role's object through the clip, the other
//! role's where it names one, the cameras), grouped by family: motion in the image ([`image`]),
//! in the world and against the work surface ([`surfaces`]), rotation ([`rotation`]), two objects
//! ([`pairs`]), contacts ([`contacts`]) and the camera ([`camera`]). Whether each role's object
//! is seen enough ([`visibility`]) is checked for every role, by default or as the action says.

mod camera;
mod contacts;
mod image;
mod pairs;
mod rotation;
mod surfaces;
pub mod visibility;

use bevy::math::{Quat, Vec2, Vec3};
use serde::{Deserialize, Serialize};

use crate::content::{ActionDef, Postcondition, Visibility};
use crate::simulation::Trajectory;
use crate::spec::{CameraModel, ClipSpec, ObjectSpec};

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
    /// How much of each role's object the camera saw.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub visibility: Vec<visibility::RoleVisibility>,
}

/// Whether a condition holds, and what was measured.
type Outcome = (bool, String);

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
    let roles: Vec<&str> = action.roles.iter().map(|role| role.name.as_str()).collect();
    let seen = visibility::measure(spec, &roles, trajectory, &cameras);
    let checks: Vec<Check> = with_visibility(action)
        .iter()
        .map(|condition| {
            let described = ron::to_string(condition).unwrap_or_else(|_| format!("{condition:?}"));
            let (passed, measured) = match condition {
                Postcondition::Visible { role, .. } => {
                    visibility::check(seen.iter().find(|v| &v.role == role), condition)
                }
                _ => match Track::new(spec, &cameras, condition, trajectory, action.script_frames) {
                    Ok(track) => evaluate(&track, condition),
                    Err(problem) => (false, problem.to_string()),
                },
            };
            Check { condition: described, passed, measured }
        })
        .collect();
    Verification { passed: checks.iter().all(|c| c.passed), checks, visibility: seen }
}

/// The action's postconditions and, for every role it does not check for visibility itself,
/// the default visibility check.
fn with_visibility(action: &ActionDef) -> Vec<Postcondition> {
    let mut conditions = action.postconditions.clone();
    for role in &action.roles {
        let listed = |c: &Postcondition| matches!(c, Postcondition::Visible { .. }) && c.role() == role.name;
        if !action.postconditions.iter().any(listed) {
            conditions.push(Visibility::default_for(&role.name));
        }
    }
    conditions
}

/// Sends a condition to the function of its family.
fn evaluate(track: &Track, condition: &Postcondition) -> Outcome {
    use Postcondition as P;
    match condition {
        P::MovesInImage { toward, min_fraction, .. } => image::moves_in_image(track, *toward, *min_fraction),
        P::StaysInFrame { margin, until, .. } => image::stays_in_frame(track, *margin, *until),
        P::SwapsSides { .. } => image::swaps_sides(track),
        P::Drops { min_drop, .. } => surfaces::drops(track, *min_drop),
        P::Rises { min_height, .. } => surfaces::rises(track, *min_height),
        P::MovesBy { min, max, .. } => surfaces::moves_by(track, *min, *max),
        P::MovesInWorld { toward, min_distance, .. } => surfaces::moves_in_world(track, *toward, *min_distance),
        P::EndsOnWorkSurface { .. } => surfaces::ends_on_work_surface(track),
        P::EndsBelowWorkSurface { min_depth, .. } => surfaces::ends_below_work_surface(track, *min_depth),
        P::EndsNearEdge { toward, within, .. } => surfaces::ends_near_edge(track, *toward, *within),
        P::Rotates { min_deg, .. } => rotation::rotates(track, *min_deg),
        P::Spins { min_deg, .. } => rotation::spins(track, *min_deg),
        P::Tilts { min_deg, .. } => rotation::tilts(track, *min_deg),
        P::GetsCloser { max_ratio, .. } => pairs::gets_closer(track, *max_ratio),
        P::MovesApart { min_ratio, .. } => pairs::moves_apart(track, *min_ratio),
        P::EndsOn { .. } => pairs::ends_on(track),
        P::EndsIn { .. } => pairs::ends_in(track),
        P::ActorTouches { .. } => contacts::actor_touches(track),
        P::Touches { .. } => contacts::touches(track, true),
        P::NeverTouches { .. } => contacts::touches(track, false),
        P::Deflects { min_deg, .. } => contacts::deflects(track, *min_deg),
        P::StillUntilTouched { .. } => contacts::still_until_touched(track),
        P::Collapses { .. } => contacts::collapses(track),
        P::CameraNears { max_ratio, .. } => camera::camera_nears(track, *max_ratio),
        P::Visible { .. } => unreachable!("visibility is checked on its measure, not on a track"),
    }
}

/// What a condition looks at, prepared once: the role's object through the clip, the other
/// role's where the condition names one, and the camera each frame was seen through.
struct Track<'a> {
    spec: &'a ClipSpec,
    trajectory: &'a Trajectory,
    /// One per frame; never empty.
    cameras: &'a [CameraModel],
    /// The clip length the action's frame numbers are written for.
    script_frames: u32,
    index: usize,
    object: &'a ObjectSpec,
    /// A stack's pieces all play its role; the first is the bottom one.
    pieces: Vec<usize>,
    /// The object's centre and orientation, one per frame; never empty.
    positions: Vec<Vec3>,
    rotations: Vec<Quat>,
    other: Option<OtherTrack<'a>>,
}

/// The other role of a two-object condition.
struct OtherTrack<'a> {
    index: usize,
    object: &'a ObjectSpec,
    positions: Vec<Vec3>,
}

impl<'a> Track<'a> {
    fn new(
        spec: &'a ClipSpec,
        cameras: &'a [CameraModel],
        condition: &Postcondition,
        trajectory: &'a Trajectory,
        script_frames: u32,
    ) -> Result<Track<'a>, &'static str> {
        let (index, object) = spec.role_object(condition.role()).ok_or("role has no object")?;
        if trajectory.frames.is_empty() || cameras.is_empty() {
            return Err("no frames");
        }
        let other = match condition.other() {
            None => None,
            Some(name) => {
                let (index, object) = spec.role_object(name).ok_or("other role has no object")?;
                Some(OtherTrack { index, object, positions: positions_of(trajectory, index) })
            }
        };
        Ok(Track {
            spec,
            trajectory,
            cameras,
            script_frames,
            index,
            object,
            pieces: spec.role_indices(condition.role()),
            positions: positions_of(trajectory, index),
            rotations: trajectory.frames.iter().map(|f| Quat::from_array(f.objects[index].rotation)).collect(),
            other,
        })
    }

    fn first(&self) -> Vec3 {
        self.positions[0]
    }

    fn last(&self) -> Vec3 {
        self.positions[self.positions.len() - 1]
    }

    fn last_frame(&self) -> usize {
        self.cameras.len() - 1
    }

    /// Where a point appears in the image of frame `frame`.
    fn pixel(&self, frame: usize, point: Vec3) -> Option<Vec2> {
        self.cameras[frame].project(point)
    }

    /// The other role; validation makes every two-object condition name one.
    fn other(&self) -> &OtherTrack<'a> {
        self.other.as_ref().expect("a two-object condition names its other role")
    }
}

fn positions_of(trajectory: &Trajectory, index: usize) -> Vec<Vec3> {
    trajectory.frames.iter().map(|f| Vec3::from(f.objects[index].position)).collect()
}

/// An object spec with the rotation of some frame, for support distances.
fn posed(object: &ObjectSpec, rotation: [f32; 4]) -> ObjectSpec {
    ObjectSpec { rotation, ..object.clone() }
}

fn reach_of(object: &ObjectSpec, direction: Vec3) -> f32 {
    crate::spec::reach(object, direction)
}

/// Hand-made trajectories over real sampled specs: the conditions are tested without Rapier.
#[cfg(test)]
pub(crate) mod fixture {
    use super::*;
    use crate::content::Content;
    use crate::simulation::{FrameState, Pose};
    use crate::spec::{ClipChoice, VideoSpec, sample_clip};

    /// The first attempt's spec of `action`'s first clip with seed 1, unmirrored, 12 frames.
    pub fn spec_of(action: &str) -> ClipSpec {
        let content = Content::load_builtin().unwrap();
        let action = content.action(action).unwrap();
        let choice = ClipChoice { id: "test".into(), clip_index: 0, action, scene: content.stages(&action.def)[0] };
        let video = VideoSpec { frames: 12, ..VideoSpec::default() };
        (0..50).map(|seed| sample_clip(&content, &choice, seed, 0, video)).find(|spec| !spec.mirrored).unwrap()
    }

    /// A trajectory in which object `index` goes from where the spec puts it along `path(t)`
    /// (t from 0 to 1) and everything else stays put.
    pub fn moving(spec: &ClipSpec, index: usize, path: impl Fn(f32) -> Vec3) -> Trajectory {
        let frames = spec.video.frames as usize;
        let frames = (0..frames)
            .map(|frame| {
                let t = frame as f32 / (frames - 1) as f32;
                let mut objects: Vec<Pose> =
                    spec.objects.iter().map(|o| Pose { position: o.position, rotation: o.rotation }).collect();
                objects[index].position = (Vec3::from(spec.objects[index].position) + path(t)).to_array();
                FrameState { objects, actors: Vec::new(), velocities: Vec::new() }
            })
            .collect();
        let count = spec.objects.len();
        Trajectory { frames, first_actor_contact: vec![None; count], object_contacts: Vec::new(), contacts: Vec::new() }
    }

    /// The outcome of one condition, written as in an action file, on `trajectory`.
    pub fn outcome(spec: &ClipSpec, condition: &str, trajectory: &Trajectory) -> (bool, String) {
        // As action files are read: optional fields written as plain values.
        let options = ron::Options::default().with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME);
        let condition: Postcondition = options.from_str(condition).unwrap();
        let video = spec.video;
        let cameras: Vec<CameraModel> = (0..trajectory.frames.len() as u32)
            .map(|frame| CameraModel::at_frame(&spec.camera, frame, video.fps, video.width, video.height))
            .collect();
        let track = Track::new(spec, &cameras, &condition, trajectory, 36).unwrap();
        evaluate(&track, &condition)
    }
}
