//! Dense per-frame ground truth for a clip (`annotations.json`), written beside `label.json` at
//! the output stage. Everything here comes from the clip's spec and its simulated trajectory,
//! the same ones the renderer draws, so it matches the frames by construction: the camera's
//! intrinsics and per-frame pose, each object's pose, velocity, 3D box and projected 2D box, the
//! actors' contact points, contact events, and the frames in which the action happens. The
//! schema is documented in `docs/labels.md`.

use std::collections::BTreeMap;
use std::path::Path;

use bevy::math::{Mat3, Quat, Vec2, Vec3};
use image::GrayImage;
use serde::{Deserialize, Serialize};

use crate::simulation::{Body, Trajectory};
use crate::spec::{CameraModel, ClipSpec, ObjectSpec, PartSpec, ShapeSpec, box_corners};

/// Version of the `annotations.json` schema; bump it when a field changes meaning.
pub const ANNOTATIONS_VERSION: u32 = 1;

/// The name of the annotations file in a clip directory.
pub const ANNOTATIONS_FILE: &str = "annotations.json";

/// A body moving less than this between two frames (metres) counts as still.
const STILL: f32 = 0.001;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Annotations {
    pub version: u32,
    pub camera: CameraAnnotations,
    /// Indexed like the spec's objects; `id` is the index plus one (0 is the background).
    pub objects: Vec<ObjectAnnotations>,
    pub actors: Vec<ActorAnnotations>,
    pub contacts: Vec<ContactAnnotation>,
    pub phases: Phases,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CameraAnnotations {
    pub intrinsics: Intrinsics,
    /// One per video frame.
    pub frames: Vec<CameraFrame>,
}

/// A pinhole camera in pixels: x right, y down, origin at the image's top-left corner.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Intrinsics {
    pub width: u32,
    pub height: u32,
    pub fx: f32,
    pub fy: f32,
    pub cx: f32,
    pub cy: f32,
    /// Vertical field of view.
    pub fov_y_deg: f32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CameraFrame {
    /// World position, metres.
    pub position: [f32; 3],
    /// World-from-camera rotation (x, y, z, w); the camera looks along its local -z, +y up.
    pub rotation: [f32; 4],
    /// OpenCV-style world-to-camera `[R | t]`, row-major 3x4 (camera x right, y down, z forward):
    /// a world point `p` lands at pixel `K (R p + t)`.
    pub world_to_camera: [[f32; 4]; 3],
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObjectAnnotations {
    /// Stable through the clip; 0 is reserved for the background.
    pub id: u32,
    pub kind: String,
    /// As a person names it: "a red mug".
    pub name: String,
    /// The action role it plays, or `None` for a distractor or a prop.
    pub role: Option<String>,
    /// Full extents of its 3D box along its local axes, metres: its body and parts.
    pub size: [f32; 3],
    /// Where that box's centre is in its local frame, when parts (a mug's handle) move it off
    /// the body's centre; absent when it is the centre.
    #[serde(default, skip_serializing_if = "is_origin")]
    pub box_offset: [f32; 3],
    /// One per video frame.
    pub frames: Vec<ObjectFrame>,
}

fn is_origin(offset: &[f32; 3]) -> bool {
    *offset == [0.0; 3]
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObjectFrame {
    /// Centre, world metres.
    pub position: [f32; 3],
    /// World rotation (x, y, z, w); the 3D box is `size` about `position` in this frame.
    pub rotation: [f32; 4],
    /// Metres per second.
    pub linear_velocity: [f32; 3],
    /// Radians per second about the axis it points along.
    pub angular_velocity: [f32; 3],
    /// The 3D box's eight corners projected and clipped to the image, `[x0, y0, x1, y1]` in
    /// pixels (an amodal box: it includes occluded parts); `None` when none of it is in the image.
    pub box_2d: Option<[f32; 4]>,
    /// Whether its centre projects inside the image.
    pub in_frame: bool,
    /// With masks: `[x0, y0, x1, y1]` tight around its pixels in the mask (a pixel `x` spans
    /// `x..x+1`); `None` when none shows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visible_box_2d: Option<[f32; 4]>,
    /// With masks: how many pixels of the mask are its.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visible_pixels: Option<u32>,
    /// With masks: its visible pixels over the area its silhouette would cover unoccluded
    /// (inside the image), at most 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visible_fraction: Option<f32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActorAnnotations {
    /// Its instance id in the masks: after the objects' (N + 1 + its index).
    pub id: u32,
    pub kind: String,
    /// Its contact point (fingertip, stick tip, pusher face) per video frame, world metres.
    pub contact_point: Vec<[f32; 3]>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContactAnnotation {
    /// The video frame at whose end the contact started or ended.
    pub frame: u32,
    /// `start` or `end`.
    pub event: String,
    pub a: Body,
    pub b: Body,
}

/// The frames in which something the label is about moves: an actor, a role's object or the
/// camera. Trimming a clip to `[start, end]` keeps the whole action.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Phases {
    pub action_start: u32,
    pub action_end: u32,
}

/// Each instance id's pixel count and tight bounds `[x0, y0, x1, y1]` (pixels, end exclusive)
/// in one frame's mask.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MaskStats {
    pub by_id: BTreeMap<u8, (u32, [u32; 4])>,
}

impl MaskStats {
    pub fn of(ids: &GrayImage) -> MaskStats {
        let mut by_id: BTreeMap<u8, (u32, [u32; 4])> = BTreeMap::new();
        for (x, y, pixel) in ids.enumerate_pixels() {
            let entry = by_id.entry(pixel[0]).or_insert((0, [x, y, x + 1, y + 1]));
            entry.0 += 1;
            let b = &mut entry.1;
            *b = [b[0].min(x), b[1].min(y), b[2].max(x + 1), b[3].max(y + 1)];
        }
        MaskStats { by_id }
    }
}

/// The annotations of the clip `spec` simulated as `trajectory`; `masks`, one per frame when the
/// clip was rendered with masks, add what is visible.
pub fn annotate(spec: &ClipSpec, trajectory: &Trajectory, masks: Option<&[MaskStats]>) -> Annotations {
    let video = spec.video;
    let frames = trajectory.frames.len() as u32;
    let fov_y = spec.camera.fov_deg.to_radians();
    let fy = video.height as f32 / 2.0 / (fov_y / 2.0).tan();
    let intrinsics = Intrinsics {
        width: video.width,
        height: video.height,
        fx: fy,
        fy,
        cx: video.width as f32 / 2.0,
        cy: video.height as f32 / 2.0,
        fov_y_deg: spec.camera.fov_deg,
    };
    let cameras: Vec<CameraModel> =
        (0..frames).map(|f| CameraModel::at_frame(&spec.camera, f, video.fps, video.width, video.height)).collect();
    let camera_frames = (0..frames)
        .map(|f| {
            let (position, rotation) = spec.camera.pose_at(f as f32, video.fps);
            CameraFrame {
                position: position.to_array(),
                rotation: rotation.to_array(),
                world_to_camera: opencv_extrinsics(position, rotation),
            }
        })
        .collect();

    let objects = spec
        .objects
        .iter()
        .enumerate()
        .map(|(index, object)| {
            // The box round the body and its parts (a mug's handle).
            let (offset, half) = object.bounds();
            let frames = trajectory
                .frames
                .iter()
                .zip(&cameras)
                .enumerate()
                .map(|(frame, (state, camera))| {
                    let pose = &state.objects[index];
                    let motion = state.velocities.get(index).copied().unwrap_or_default();
                    let (centre, rotation) = (Vec3::from(pose.position), Quat::from_array(pose.rotation));
                    let id = u8::try_from(spec.object_instance_id(index)).ok();
                    let visible =
                        masks.and_then(|m| m.get(frame)).map(|stats| id.and_then(|id| stats.by_id.get(&id).copied()));
                    let (visible_box_2d, visible_pixels, visible_fraction) = match visible {
                        None => (None, None, None),
                        Some(None) => (None, Some(0), Some(0.0)),
                        Some(Some((count, [x0, y0, x1, y1]))) => {
                            let area = silhouette_area(camera, object, centre, rotation);
                            let fraction = (area >= 1.0).then(|| (count as f32 / area).min(1.0));
                            (Some([x0 as f32, y0 as f32, x1 as f32, y1 as f32]), Some(count), fraction)
                        }
                    };
                    ObjectFrame {
                        visible_box_2d,
                        visible_pixels,
                        visible_fraction,
                        position: pose.position,
                        rotation: pose.rotation,
                        linear_velocity: motion.linear,
                        angular_velocity: motion.angular,
                        box_2d: camera.project_box(centre + rotation * offset, rotation, half),
                        in_frame: camera.project(centre).is_some_and(|pixel| camera.in_frame(pixel, 0.0)),
                    }
                })
                .collect();
            ObjectAnnotations {
                id: spec.object_instance_id(index),
                kind: object.kind.clone(),
                name: object.name.clone(),
                role: object.role.clone(),
                size: (half * 2.0).to_array(),
                box_offset: offset.to_array(),
                frames,
            }
        })
        .collect();

    let actors = spec
        .actors
        .iter()
        .enumerate()
        .map(|(index, actor)| ActorAnnotations {
            id: spec.actor_instance_id(index),
            kind: actor.kind.name().to_string(),
            contact_point: trajectory.frames.iter().map(|state| state.actors[index].position).collect(),
        })
        .collect();

    let contacts = trajectory
        .contacts
        .iter()
        .map(|event| ContactAnnotation {
            frame: event.frame,
            event: if event.started { "start" } else { "end" }.into(),
            a: event.a,
            b: event.b,
        })
        .collect();

    Annotations {
        version: ANNOTATIONS_VERSION,
        camera: CameraAnnotations { intrinsics, frames: camera_frames },
        objects,
        actors,
        contacts,
        phases: phases(spec, trajectory),
    }
}

/// `[R | t]` taking world points to OpenCV camera coordinates (x right, y down, z forward), from
/// Bevy's world-from-camera pose (x right, y up, looking along -z).
fn opencv_extrinsics(position: Vec3, rotation: Quat) -> [[f32; 4]; 3] {
    let flip = Mat3::from_diagonal(Vec3::new(1.0, -1.0, -1.0));
    let world_to_camera = flip * Mat3::from_quat(rotation.inverse());
    let t = -(world_to_camera * position);
    let row = |i: usize| {
        let r = world_to_camera.row(i);
        [r.x, r.y, r.z, t[i]]
    };
    [row(0), row(1), row(2)]
}

/// The area in pixels, inside the image, that a shape would cover with nothing in front of it:
/// the convex hull of points on its surface, projected (the shapes are convex).
fn silhouette_area(camera: &CameraModel, object: &ObjectSpec, centre: Vec3, rotation: Quat) -> f32 {
    let mut local = Vec::new();
    let shape = &object.shape;
    match *shape {
        ShapeSpec::Lathe { radius, height, ref profile, wall } => {
            for point in crate::world::lathe::Lathe::new(radius, height, profile, wall).outer {
                for step in 0..48 {
                    let angle = step as f32 / 48.0 * std::f32::consts::TAU;
                    local.push(Vec3::new(point.x * angle.cos(), point.y, point.x * angle.sin()));
                }
            }
        }
        ShapeSpec::Box { .. } | ShapeSpec::Handle { .. } => local.extend(box_corners(Vec3::from(shape.half_extents()))),
        // The hull of the outline's corners: exact for a convex outline, a little more than a
        // star's.
        ShapeSpec::Extrusion { size, axis, ref outline } => {
            local.extend(crate::world::extrusion::Extrusion::new(size, outline, axis).convex_pieces().concat())
        }
        // The hull of the mesh's points, or its box when the file is gone.
        ShapeSpec::Mesh { ref path, ref hash, size, .. } => match crate::world::mesh_file::get(Path::new(path), hash) {
            Ok(asset) => local.extend(asset.hull().iter().map(|p| *p * crate::world::mesh_file::scale_of(size))),
            Err(_) => local.extend(box_corners(Vec3::from(size) / 2.0)),
        },
        ShapeSpec::Cylinder { radius, height } => {
            for step in 0..48 {
                let angle = step as f32 / 48.0 * std::f32::consts::TAU;
                for y in [-height / 2.0, height / 2.0] {
                    local.push(Vec3::new(radius * angle.cos(), y, radius * angle.sin()));
                }
            }
        }
        ShapeSpec::Ball { radius } => {
            for latitude in 1..24 {
                let polar = latitude as f32 / 24.0 * std::f32::consts::PI;
                for step in 0..48 {
                    let angle = step as f32 / 48.0 * std::f32::consts::TAU;
                    local.push(radius * Vec3::new(polar.sin() * angle.cos(), polar.cos(), polar.sin() * angle.sin()));
                }
            }
        }
    }
    // With the corners of its parts' boxes: the hull takes in a handle.
    local.extend(object.parts.iter().flat_map(PartSpec::corners));
    let mut points = Vec::with_capacity(local.len());
    for point in local {
        match camera.project(centre + rotation * point) {
            Some(pixel) => points.push(pixel),
            None => return 0.0,
        }
    }
    let hull = clip_to_rect(&convex_hull(points), camera.width, camera.height);
    // Shoelace formula.
    let twice: f32 = (0..hull.len()).map(|i| hull[i].perp_dot(hull[(i + 1) % hull.len()])).sum();
    twice.abs() / 2.0
}

/// Andrew's monotone chain, counter-clockwise in image coordinates.
fn convex_hull(mut points: Vec<Vec2>) -> Vec<Vec2> {
    points.sort_by(|a, b| a.x.total_cmp(&b.x).then(a.y.total_cmp(&b.y)));
    if points.len() < 3 {
        return points;
    }
    let mut hull: Vec<Vec2> = Vec::new();
    for pass in 0..2 {
        let start = hull.len();
        let ordered: Box<dyn Iterator<Item = &Vec2>> =
            if pass == 0 { Box::new(points.iter()) } else { Box::new(points.iter().rev()) };
        for &p in ordered {
            while hull.len() >= start + 2
                && (hull[hull.len() - 1] - hull[hull.len() - 2]).perp_dot(p - hull[hull.len() - 2]) <= 0.0
            {
                hull.pop();
            }
            hull.push(p);
        }
        hull.pop();
    }
    hull
}

/// Sutherland-Hodgman clipping of a convex polygon to the image `[0, width] x [0, height]`.
fn clip_to_rect(polygon: &[Vec2], width: f32, height: f32) -> Vec<Vec2> {
    let edges: [(Vec2, f32); 4] = [(Vec2::X, 0.0), (Vec2::NEG_X, -width), (Vec2::Y, 0.0), (Vec2::NEG_Y, -height)];
    let mut out = polygon.to_vec();
    for (normal, offset) in edges {
        let inside = |p: Vec2| p.dot(normal) >= offset;
        let input = std::mem::take(&mut out);
        for i in 0..input.len() {
            let (a, b) = (input[i], input[(i + 1) % input.len()]);
            if inside(a) {
                out.push(a);
            }
            if inside(a) != inside(b) {
                let t = (offset - a.dot(normal)) / (b - a).dot(normal);
                out.push(a + (b - a) * t);
            }
        }
    }
    out
}

/// The first and last frames in which an actor, a role's object or the camera moves.
fn phases(spec: &ClipSpec, trajectory: &Trajectory) -> Phases {
    let roles: Vec<usize> = (0..spec.objects.len()).filter(|&i| spec.objects[i].role.is_some()).collect();
    let moving = |frame: usize| {
        let (before, now) = (&trajectory.frames[frame - 1], &trajectory.frames[frame]);
        let moved = |a: [f32; 3], b: [f32; 3]| Vec3::from(a).distance(Vec3::from(b)) > STILL;
        // The scripted camera (a dolly or a turn), not its hand-held shake, which never stops.
        let camera = |f: usize| spec.camera.scripted_at(f as f32);
        let (camera_before, camera_now) = (camera(frame - 1), camera(frame));
        before.actors.iter().zip(&now.actors).any(|(a, b)| moved(a.position, b.position))
            || roles.iter().any(|&i| moved(before.objects[i].position, now.objects[i].position))
            || moved(camera_before.0.to_array(), camera_now.0.to_array())
            || moved(camera_before.1.to_array(), camera_now.1.to_array())
    };
    let moving_frames: Vec<usize> = (1..trajectory.frames.len()).filter(|&f| moving(f)).collect();
    match (moving_frames.first(), moving_frames.last()) {
        // Frame f moved since frame f - 1: the action starts at f - 1.
        (Some(&first), Some(&last)) => Phases { action_start: first as u32 - 1, action_end: last as u32 },
        _ => Phases { action_start: 0, action_end: trajectory.frames.len().saturating_sub(1) as u32 },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clipped_hull_has_the_area_of_its_visible_part() {
        // A 4 x 4 square, half of it left of the image.
        let square = vec![
            Vec2::new(-2.0, 0.0),
            Vec2::new(2.0, 0.0),
            Vec2::new(2.0, 4.0),
            Vec2::new(-2.0, 4.0),
            Vec2::new(0.0, 2.0),
        ];
        let hull = clip_to_rect(&convex_hull(square), 10.0, 10.0);
        let twice: f32 = (0..hull.len()).map(|i| hull[i].perp_dot(hull[(i + 1) % hull.len()])).sum();
        assert!((twice.abs() / 2.0 - 8.0).abs() < 1e-4, "{hull:?}");
    }

    #[test]
    fn opencv_extrinsics_put_what_the_camera_looks_at_in_front_of_it() {
        // A camera at z = 2 looking down -z at the origin.
        let rotation = Quat::IDENTITY;
        let rt = opencv_extrinsics(Vec3::new(0.0, 0.0, 2.0), rotation);
        let apply = |p: Vec3| {
            let row = |r: [f32; 4]| r[0] * p.x + r[1] * p.y + r[2] * p.z + r[3];
            Vec3::new(row(rt[0]), row(rt[1]), row(rt[2]))
        };
        assert!(apply(Vec3::ZERO).abs_diff_eq(Vec3::new(0.0, 0.0, 2.0), 1e-6));
        // Up in the world is up in the image: negative y in OpenCV's camera frame.
        assert!(apply(Vec3::Y).y < 0.0);
        assert!(apply(Vec3::X).x > 0.0);
    }
}
