//! What a clip shows, as the audit reads it: a few numbers for its first and its last frame, the
//! cues that could name a class on their own, and what it is made of (for the counts).
//!
//! Everything comes from the clip's spec and its objects' poses at those two frames (recorded in
//! `annotations.json`, or simulated), projected through the camera of that frame, so a finished
//! dataset and a catalogue of planned clips are seen the same way.

use bevy::math::{Quat, Vec3};

use crate::simulation::Pose;
use crate::spec::{CameraModel, ClipSpec, ShapeSpec};
use crate::verify::visibility::RoleVisibility;

/// Role objects described per clip (more are ignored, fewer padded).
const MAX_ROLES: usize = 3;
/// Actors described per clip.
const MAX_ACTORS: usize = 2;
/// How far above the work surface an object's lowest point must be to count as held in the air.
const HELD_ABOVE_M: f32 = 0.02;

/// One clip as the audit sees it.
#[derive(Debug, Clone)]
pub struct ClipView {
    pub action: String,
    pub class_index: u32,
    pub scene: String,
    /// Sampling attempts the clip took (1: its first attempt passed).
    pub attempts: u32,
    pub actor_kinds: Vec<String>,
    /// Kinds of the objects that play a role in the action.
    pub role_object_kinds: Vec<String>,
    /// Kinds of everything else on the table: distractors and props.
    pub other_object_kinds: Vec<String>,
    /// What the first and the last frame show, as numbers.
    pub first: Vec<f64>,
    pub last: Vec<f64>,
    /// Things in the first frame that could name a class by themselves: each prop's kind, a
    /// stack, an object held in the air.
    pub cues: Vec<String>,
    /// How much of each role's object the camera saw (as verification measured it).
    pub visibility: Vec<RoleVisibility>,
    /// Where the camera stood and how much light there was.
    pub viewpoint: Viewpoint,
}

/// A clip's camera and light as numbers, for the spread of a dataset's viewpoints.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Viewpoint {
    /// Degrees above level, looking down at what it looks at.
    pub elevation_deg: f64,
    /// Metres from what it looks at.
    pub distance_m: f64,
    /// Vertical field of view, degrees.
    pub fov_deg: f64,
    /// Turn about the view axis, degrees.
    pub roll_deg: f64,
    /// The sun's (or window's) illuminance, lux.
    pub sun_lux: f64,
    pub lamps: f64,
}

impl Viewpoint {
    fn of(spec: &ClipSpec) -> Viewpoint {
        let camera = &spec.camera;
        let view = bevy::math::Vec3::from(camera.look_at) - bevy::math::Vec3::from(camera.position);
        let level = view.x.hypot(view.z);
        Viewpoint {
            elevation_deg: f64::from((-view.y).atan2(level).to_degrees()),
            distance_m: f64::from(view.length()),
            fov_deg: f64::from(camera.fov_deg),
            roll_deg: f64::from(camera.roll_deg),
            sun_lux: f64::from(spec.lighting.sun_illuminance),
            lamps: spec.lighting.lamps.len() as f64,
        }
    }
}

impl ClipView {
    /// Reads a clip from its spec and its objects' poses at the first and last frames (indexed
    /// like `spec.objects`).
    pub fn new(
        spec: &ClipSpec,
        attempts: u32,
        first: &[Pose],
        last: &[Pose],
        visibility: Vec<RoleVisibility>,
    ) -> ClipView {
        let last_frame = spec.video.frames.saturating_sub(1);
        let kinds = |keep: fn(&crate::spec::ObjectSpec) -> bool| {
            spec.objects.iter().filter(|o| keep(o)).map(|o| o.kind.clone()).collect::<Vec<_>>()
        };
        ClipView {
            action: spec.action.clone(),
            class_index: spec.class_index,
            scene: spec.scene.clone(),
            attempts,
            actor_kinds: spec.actors.iter().map(|a| a.kind.name().to_string()).collect(),
            role_object_kinds: kinds(|o| o.role.is_some() && !o.fixed),
            other_object_kinds: kinds(|o| o.role.is_none() || o.fixed),
            first: frame_features(spec, first, 0),
            last: frame_features(spec, last, last_frame),
            cues: cues(spec, first),
            visibility,
            viewpoint: Viewpoint::of(spec),
        }
    }
}

/// The roles of the movable objects, in the order their objects appear in the spec.
fn roles(spec: &ClipSpec) -> Vec<&str> {
    let mut roles: Vec<&str> = Vec::new();
    for object in spec.objects.iter().filter(|o| !o.fixed) {
        if let Some(role) = object.role.as_deref().filter(|r| !roles.contains(r)) {
            roles.push(role);
        }
    }
    roles
}

/// How far the lowest corner of object `index` is above the work surface.
fn clearance(spec: &ClipSpec, pose: &Pose, index: usize) -> f32 {
    let half = Vec3::from(spec.objects[index].shape.half_extents());
    let rotation = Quat::from_array(pose.rotation);
    let lowest = crate::spec::box_corners(half).iter().map(|c| (rotation * *c).y).fold(f32::INFINITY, f32::min);
    pose.position[1] + lowest - spec.work_surface_top
}

/// What frame `frame` shows, as numbers: the camera's pose and field of view; for each role
/// object its 2D box in image fractions, whether it is in view, its size, shape, colour, how many
/// pieces it has and how high it is held; for each actor its kind and where its contact point is
/// in the image; the props and distractors, and where the nearest one stands from the first role.
fn frame_features(spec: &ClipSpec, poses: &[Pose], frame: u32) -> Vec<f64> {
    let video = spec.video;
    let camera = CameraModel::at_frame(&spec.camera, frame, video.fps, video.width, video.height);
    let (position, rotation) = spec.camera.pose_at(frame as f32, video.fps);
    let look_at = Vec3::from(spec.camera.look_at);
    let mut features: Vec<f64> = (position - look_at).to_array().into_iter().map(f64::from).collect();
    features.extend((rotation * Vec3::NEG_Z).to_array().map(f64::from));
    features.push(f64::from(spec.camera.fov_deg));
    let fraction = |b: [f32; 4]| {
        [b[0] / camera.width, b[1] / camera.height, b[2] / camera.width, b[3] / camera.height].map(f64::from)
    };
    let box_of = |index: usize| {
        let pose = &poses[index];
        let half = Vec3::from(spec.objects[index].shape.half_extents());
        camera.project_box(Vec3::from(pose.position), Quat::from_array(pose.rotation), half).map(fraction)
    };

    let roles = roles(spec);
    let mut first_centre = None;
    for slot in 0..MAX_ROLES {
        let pieces = roles.get(slot).map(|role| spec.role_indices(role)).unwrap_or_default();
        let Some(&index) = pieces.first() else {
            features.extend([-1.0; 4].into_iter().chain([0.0; 12]));
            continue;
        };
        let object = &spec.objects[index];
        let bounds = box_of(index);
        if slot == 0 {
            first_centre = bounds.map(|b| [(b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0]);
        }
        features.extend(bounds.unwrap_or([-1.0; 4]));
        features.push(f64::from(u8::from(bounds.is_some())));
        features.extend(object.shape.half_extents().map(|h| f64::from(2.0 * h)));
        features.extend(shape_one_hot(&object.shape));
        features.extend(object.color.map(f64::from));
        features.push(pieces.len() as f64);
        features.push(f64::from(clearance(spec, &poses[index], index)));
    }

    for slot in 0..MAX_ACTORS {
        let Some(actor) = spec.actors.get(slot) else {
            features.extend([-1.0, -1.0, 0.0, 0.0, 0.0, 0.0, 0.0]);
            continue;
        };
        let pixel = camera.project(Vec3::from(actor.position_at(frame as f32))).filter(|p| camera.in_frame(*p, 0.0));
        features.extend(
            pixel.map_or([-1.0, -1.0, 0.0], |p| [f64::from(p.x / camera.width), f64::from(p.y / camera.height), 1.0]),
        );
        features.push(1.0);
        features.extend(["hand", "stick", "block"].map(|kind| f64::from(u8::from(actor.kind.name() == kind))));
    }

    let props: Vec<usize> = (0..spec.objects.len()).filter(|&i| spec.objects[i].fixed).collect();
    let distractors: Vec<usize> = (0..spec.objects.len()).filter(|&i| spec.objects[i].role.is_none()).collect();
    features.push(props.len() as f64);
    features.extend(props.first().and_then(|&i| box_of(i)).unwrap_or([-1.0; 4]));
    features.push(distractors.len() as f64);
    let nearest = first_centre.and_then(|[cx, cy]| {
        props
            .iter()
            .chain(&distractors)
            .filter_map(|&i| box_of(i))
            .map(|b| [(b[0] + b[2]) / 2.0 - cx, (b[1] + b[3]) / 2.0 - cy])
            .min_by(|a, b| a[0].hypot(a[1]).total_cmp(&b[0].hypot(b[1])))
    });
    features.extend(nearest.map_or([0.0, 0.0, 0.0], |[dx, dy]| [dx, dy, 1.0]));
    features
}

fn shape_one_hot(shape: &ShapeSpec) -> [f64; 3] {
    match shape {
        ShapeSpec::Box { .. } | ShapeSpec::Extrusion { .. } | ShapeSpec::Mesh { .. } | ShapeSpec::Handle { .. } => {
            [1.0, 0.0, 0.0]
        }
        ShapeSpec::Ball { .. } => [0.0, 1.0, 0.0],
        ShapeSpec::Cylinder { .. } | ShapeSpec::Lathe { .. } => [0.0, 0.0, 1.0],
    }
}

/// The cues of the first frame that could name a class by themselves: fixed props by kind, and
/// any object above the work surface, held there (in the air) or resting on another (a stack).
fn cues(spec: &ClipSpec, first: &[Pose]) -> Vec<String> {
    let mut cues: Vec<String> = spec.objects.iter().filter(|o| o.fixed).map(|o| o.kind.clone()).collect();
    for (index, object) in spec.objects.iter().enumerate().filter(|(_, o)| !o.fixed) {
        if clearance(spec, &first[index], index) > HELD_ABOVE_M {
            let cue = if object.held_until_frame.is_some() { "object held in the air" } else { "stack" };
            cues.push(cue.to_string());
        }
    }
    cues.sort();
    cues.dedup();
    cues
}
