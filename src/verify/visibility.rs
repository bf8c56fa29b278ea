//! Visibility: how much of each role's object the camera sees, frame by frame, without rendering.
//!
//! Rays are cast from the camera through a grid over the object's projected bounds. A ray that
//! meets the object belongs to its silhouette; it counts as seen when its pixel lies in the image
//! and nothing else (another object, an actor's part, a surface) is met first. The visible
//! fraction of a frame is seen / silhouette: 1 for an object in plain view, 0 for one hidden by
//! the hand or outside the frame. Shapes are the same boxes, balls, cylinders and capsules the
//! renderer draws, posed as the simulation left them, so the measure agrees with the masks.

use bevy::math::{Quat, Vec2, Vec3};
use serde::{Deserialize, Serialize};

use crate::simulation::{Pose, Trajectory};
use crate::spec::{CameraModel, ClipSpec, ShapeSpec};
use crate::world::{PartShape, actor_parts};

/// Rays per side of the grid over an object's projected bounds.
const GRID: usize = 10;

/// How much of a role's object was seen over a clip: fractions from 0 to 1.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoleVisibility {
    pub role: String,
    /// Index into the spec's objects.
    pub object: usize,
    pub min: f32,
    pub median: f32,
    pub start: f32,
    /// In the frame an actor first touched it, if one did.
    pub contact: Option<f32>,
    pub end: f32,
}

impl RoleVisibility {
    fn new(role: &str, object: usize, per_frame: &[f32], contact_frame: Option<u32>) -> RoleVisibility {
        let round = |x: f32| (x * 1000.0).round() / 1000.0;
        let mut sorted = per_frame.to_vec();
        sorted.sort_by(f32::total_cmp);
        let at = |frame: usize| round(per_frame[frame.min(per_frame.len() - 1)]);
        RoleVisibility {
            role: role.to_string(),
            object,
            min: round(sorted[0]),
            median: round(sorted[sorted.len() / 2]),
            start: at(0),
            contact: contact_frame.map(|frame| at(frame as usize)),
            end: at(per_frame.len() - 1),
        }
    }
}

/// The visibility of every role of `roles` that has an object, one frame per camera.
pub fn measure(
    spec: &ClipSpec,
    roles: &[&str],
    trajectory: &Trajectory,
    cameras: &[CameraModel],
) -> Vec<RoleVisibility> {
    let frames = trajectory.frames.len().min(cameras.len());
    if frames == 0 {
        return Vec::new();
    }
    let scenes: Vec<Vec<Placed>> = (0..frames).map(|frame| placed_shapes(spec, trajectory, frame)).collect();
    roles
        .iter()
        .filter_map(|role| {
            let (index, _) = spec.role_object(role)?;
            let per_frame: Vec<f32> =
                (0..frames).map(|frame| visible_fraction(&scenes[frame], index, &cameras[frame])).collect();
            let contact = trajectory.first_actor_contact.get(index).copied().flatten();
            Some(RoleVisibility::new(role, index, &per_frame, contact))
        })
        .collect()
}

/// Whether a role's measured visibility meets a `Visible` condition's thresholds.
pub fn check(seen: Option<&RoleVisibility>, condition: &crate::content::Postcondition) -> (bool, String) {
    let crate::content::Postcondition::Visible { median, start, contact, end, .. } = *condition else {
        return (false, "not a visibility condition".into());
    };
    let Some(seen) = seen else { return (false, "role has no object".into()) };
    let mut short = Vec::new();
    let mut need = |what: &str, value: f32, least: f32| {
        if value < least {
            short.push(format!("{what} {value:.2} < {least:.2}"));
        }
    };
    need("median", seen.median, median);
    need("start", seen.start, start);
    if let Some(at_contact) = seen.contact {
        need("contact", at_contact, contact);
    }
    need("end", seen.end, end);
    let contact_text = seen.contact.map_or("no contact".to_string(), |c| format!("contact {c:.2}"));
    let measured = format!(
        "visible: median {:.2}, min {:.2}, start {:.2}, {contact_text}, end {:.2}",
        seen.median, seen.min, seen.start, seen.end
    );
    if short.is_empty() { (true, measured) } else { (false, format!("{measured} ({})", short.join(", "))) }
}

/// Who a shape belongs to: an object (by index) or anything else.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Owner {
    Object(usize),
    Other,
}

/// A convex solid in its own frame.
#[derive(Debug, Clone, Copy)]
enum Solid {
    Box {
        half: Vec3,
    },
    Ball {
        radius: f32,
    },
    /// Along local y.
    Cylinder {
        radius: f32,
        half_height: f32,
    },
    /// Along local y.
    Capsule {
        radius: f32,
        half_length: f32,
    },
}

/// A solid posed in the world.
#[derive(Debug, Clone, Copy)]
struct Placed {
    solid: Solid,
    centre: Vec3,
    /// World to local.
    inverse: Quat,
    /// Radius of a sphere about `centre` holding the solid, to skip rays that pass wide of it.
    bound: f32,
    owner: Owner,
}

impl Placed {
    fn new(solid: Solid, centre: Vec3, rotation: Quat, owner: Owner) -> Placed {
        let bound = match solid {
            Solid::Box { half } => half.length(),
            Solid::Ball { radius } => radius,
            Solid::Cylinder { radius, half_height } => Vec2::new(radius, half_height).length(),
            Solid::Capsule { radius, half_length } => radius + half_length,
        };
        Placed { solid, centre, inverse: rotation.inverse(), bound, owner }
    }

    /// The distance along the unit ray `origin + t * dir` at which it enters the solid.
    fn hit(&self, origin: Vec3, dir: Vec3) -> Option<f32> {
        let to_centre = self.centre - origin;
        let along = to_centre.dot(dir);
        if to_centre.length_squared() - along * along > self.bound * self.bound {
            return None;
        }
        let (o, d) = (self.inverse * (origin - self.centre), self.inverse * dir);
        match self.solid {
            Solid::Box { half } => hit_box(o, d, half),
            Solid::Ball { radius } => hit_ball(o, d, radius),
            Solid::Cylinder { radius, half_height } => hit_cylinder(o, d, radius, half_height),
            Solid::Capsule { radius, half_length } => {
                let body = hit_cylinder(o, d, radius, half_length);
                let ends = [half_length, -half_length].map(|y| hit_ball(o - Vec3::Y * y, d, radius));
                [body, ends[0], ends[1]].into_iter().flatten().reduce(f32::min)
            }
        }
    }
}

/// Every object, actor part and surface of `frame`, posed.
fn placed_shapes(spec: &ClipSpec, trajectory: &Trajectory, frame: usize) -> Vec<Placed> {
    let state = &trajectory.frames[frame];
    let pose = |pose: &Pose| (Vec3::from(pose.position), Quat::from_array(pose.rotation));
    let mut shapes = Vec::new();
    for (index, (object, posed)) in spec.objects.iter().zip(&state.objects).enumerate() {
        let (centre, rotation) = pose(posed);
        // A lathe shape is taken as the cylinder of its largest radius: its silhouette and what it
        // hides are a little larger than the drawn shape's.
        let solid = match object.shape {
            ShapeSpec::Lathe { radius, height, .. } => Solid::Cylinder { radius, half_height: height / 2.0 },
            // An extruded outline and a mesh are taken as their boxes.
            ShapeSpec::Box { .. } | ShapeSpec::Extrusion { .. } | ShapeSpec::Mesh { .. } | ShapeSpec::Handle { .. } => {
                Solid::Box { half: Vec3::from(object.shape.half_extents()) }
            }
            ShapeSpec::Ball { radius } => Solid::Ball { radius },
            ShapeSpec::Cylinder { radius, height } => Solid::Cylinder { radius, half_height: height / 2.0 },
        };
        shapes.push(Placed::new(solid, centre, rotation, Owner::Object(index)));
    }
    for (actor, posed) in spec.actors.iter().zip(&state.actors) {
        let (origin, rotation) = pose(posed);
        for part in actor_parts(actor) {
            let solid = match part.shape {
                PartShape::Cuboid { half } => Solid::Box { half },
                PartShape::Capsule { half_length, radius } => Solid::Capsule { radius, half_length },
            };
            shapes.push(Placed::new(solid, origin + rotation * part.offset, rotation * part.rotation, Owner::Other));
        }
    }
    for surface in &spec.surfaces {
        let solid = Solid::Box { half: Vec3::from(surface.size) / 2.0 };
        shapes.push(Placed::new(solid, Vec3::from(surface.position), Quat::IDENTITY, Owner::Other));
    }
    shapes
}

/// The fraction of object `index`'s silhouette that `camera` sees among `shapes`.
fn visible_fraction(shapes: &[Placed], index: usize, camera: &CameraModel) -> f32 {
    let Some(target) = shapes.iter().find(|shape| shape.owner == Owner::Object(index)) else { return 0.0 };
    let Some([x0, y0, x1, y1]) = projected_bounds(target, camera) else { return 0.0 };
    let (mut silhouette, mut seen) = (0u32, 0u32);
    for row in 0..GRID {
        for column in 0..GRID {
            let pixel = Vec2::new(
                x0 + (x1 - x0) * (column as f32 + 0.5) / GRID as f32,
                y0 + (y1 - y0) * (row as f32 + 0.5) / GRID as f32,
            );
            let (origin, dir) = camera.ray_through(pixel);
            let Some(distance) = target.hit(origin, dir) else { continue };
            silhouette += 1;
            let in_image = pixel.x >= 0.0 && pixel.y >= 0.0 && pixel.x < camera.width && pixel.y < camera.height;
            let hidden = shapes
                .iter()
                .filter(|shape| shape.owner != target.owner)
                .any(|shape| shape.hit(origin, dir).is_some_and(|t| t < distance - 1e-4));
            if in_image && !hidden {
                seen += 1;
            }
        }
    }
    if silhouette == 0 { 0.0 } else { seen as f32 / silhouette as f32 }
}

/// The pixel bounds of the box around a solid (not clipped to the image), or `None` when part
/// of it is behind the camera.
fn projected_bounds(shape: &Placed, camera: &CameraModel) -> Option<[f32; 4]> {
    let half = match shape.solid {
        Solid::Box { half } => half,
        Solid::Ball { radius } => Vec3::splat(radius),
        Solid::Cylinder { radius, half_height } => Vec3::new(radius, half_height, radius),
        Solid::Capsule { radius, half_length } => Vec3::new(radius, half_length + radius, radius),
    };
    let rotation = shape.inverse.inverse();
    let mut bounds = [f32::MAX, f32::MAX, f32::MIN, f32::MIN];
    for corner in crate::spec::box_corners(half) {
        let pixel = camera.project(shape.centre + rotation * corner)?;
        bounds = [bounds[0].min(pixel.x), bounds[1].min(pixel.y), bounds[2].max(pixel.x), bounds[3].max(pixel.y)];
    }
    Some(bounds)
}

/// Entry distance of a ray into an axis-aligned box about the origin (0 from inside).
fn hit_box(o: Vec3, d: Vec3, half: Vec3) -> Option<f32> {
    let (mut near, mut far) = (0.0f32, f32::MAX);
    for axis in 0..3 {
        if d[axis].abs() < 1e-9 {
            if o[axis].abs() > half[axis] {
                return None;
            }
            continue;
        }
        let (a, b) = ((-half[axis] - o[axis]) / d[axis], (half[axis] - o[axis]) / d[axis]);
        near = near.max(a.min(b));
        far = far.min(a.max(b));
        if near > far {
            return None;
        }
    }
    Some(near)
}

fn hit_ball(o: Vec3, d: Vec3, radius: f32) -> Option<f32> {
    let b = o.dot(d);
    let c = o.length_squared() - radius * radius;
    let disc = b * b - c;
    if disc < 0.0 {
        return None;
    }
    let t = -b - disc.sqrt();
    if t >= 0.0 { Some(t) } else { (-b + disc.sqrt() >= 0.0).then_some(0.0) }
}

/// A closed cylinder along y about the origin.
fn hit_cylinder(o: Vec3, d: Vec3, radius: f32, half_height: f32) -> Option<f32> {
    let mut best: Option<f32> = None;
    let mut keep = |t: f32| {
        if t >= 0.0 && best.is_none_or(|b| t < b) {
            best = Some(t);
        }
    };
    // The side.
    let a = d.x * d.x + d.z * d.z;
    if a > 1e-12 {
        let b = o.x * d.x + o.z * d.z;
        let c = o.x * o.x + o.z * o.z - radius * radius;
        let disc = b * b - a * c;
        if disc >= 0.0 {
            for t in [(-b - disc.sqrt()) / a, (-b + disc.sqrt()) / a] {
                if (o.y + t * d.y).abs() <= half_height {
                    keep(t);
                }
            }
        }
    }
    // The caps.
    if d.y.abs() > 1e-9 {
        for y in [half_height, -half_height] {
            let t = (y - o.y) / d.y;
            let (x, z) = (o.x + t * d.x, o.z + t * d.z);
            if x * x + z * z <= radius * radius {
                keep(t);
            }
        }
    }
    let inside = o.x * o.x + o.z * o.z <= radius * radius && o.y.abs() <= half_height;
    if inside { Some(0.0) } else { best }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::SurfaceSpec;
    use crate::verify::fixture::{moving, spec_of};

    fn cameras(spec: &ClipSpec) -> Vec<CameraModel> {
        let video = spec.video;
        (0..video.frames)
            .map(|f| CameraModel::at_frame(&spec.camera, f, video.fps, video.width, video.height))
            .collect()
    }

    /// A wall 2 m wide and 1 m high, facing the camera halfway to the target, centred on the
    /// line of sight to the target's centre and then shifted `shift` metres along world x.
    fn wall(spec: &ClipSpec, target: usize, shift: f32) -> SurfaceSpec {
        let (eye, centre) = (Vec3::from(spec.camera.position), Vec3::from(spec.objects[target].position));
        let middle = (eye + centre) / 2.0;
        let mut surface = spec.surfaces[0].clone();
        surface.size = [2.0, 1.0, 0.01];
        surface.position = (middle + Vec3::X * shift).to_array();
        surface
    }

    #[test]
    fn an_object_in_plain_view_is_seen_and_one_behind_a_wall_or_out_of_frame_is_not() {
        let mut spec = spec_of("push_slightly");
        let (target, _) = spec.role_object("target").unwrap();
        // Nothing else on the table, so only what the test puts there hides the target.
        spec.objects.retain(|o| o.role.is_some());
        let target = spec.objects.iter().position(|o| o.role.as_deref() == Some("target")).unwrap_or(target);
        let still = moving(&spec, target, |_| Vec3::ZERO);
        let seen = |spec: &ClipSpec, trajectory: &Trajectory| {
            measure(spec, &["target"], trajectory, &cameras(spec))[0].clone()
        };
        assert!(seen(&spec, &still).min > 0.95, "{:?}", seen(&spec, &still));

        // A wall across the whole line of sight, then across half of it.
        let mut hidden = spec.clone();
        hidden.surfaces.push(wall(&spec, target, 0.0));
        assert!(seen(&hidden, &still).median < 0.05, "{:?}", seen(&hidden, &still));
        let mut half = spec.clone();
        half.surfaces.push(wall(&spec, target, -1.0));
        let halfway = seen(&half, &still).median;
        assert!((0.3..0.7).contains(&halfway), "half hidden: {halfway}");

        // Out of the frame from the middle of the clip on.
        let away = moving(&spec, target, |t| if t > 0.5 { Vec3::new(5.0, 0.0, 0.0) } else { Vec3::ZERO });
        let gone = seen(&spec, &away);
        assert!(gone.start > 0.95 && gone.end == 0.0, "{gone:?}");

        // The default check fails the hidden clip and passes the plain one, naming what it saw.
        let condition = crate::content::Visibility::default_for("target");
        let (passed, measured) = check(Some(&seen(&hidden, &still)), &condition);
        assert!(!passed && measured.contains("median 0.00"), "{measured}");
        assert!(check(Some(&seen(&spec, &still)), &condition).0);
    }

    #[test]
    fn rays_enter_each_solid_where_its_surface_is() {
        let (o, d) = (Vec3::new(0.0, 0.0, 5.0), Vec3::NEG_Z);
        assert!((hit_box(o, d, Vec3::splat(1.0)).unwrap() - 4.0).abs() < 1e-5);
        assert!((hit_ball(o, d, 2.0).unwrap() - 3.0).abs() < 1e-5);
        assert!((hit_cylinder(o, d, 0.5, 1.0).unwrap() - 4.5).abs() < 1e-5);
        // Down onto a cylinder's cap, and past its side.
        assert!((hit_cylinder(Vec3::new(0.0, 3.0, 0.0), Vec3::NEG_Y, 0.5, 1.0).unwrap() - 2.0).abs() < 1e-5);
        assert!(hit_cylinder(Vec3::new(0.6, 3.0, 0.0), Vec3::NEG_Y, 0.5, 1.0).is_none());
        let capsule =
            Placed::new(Solid::Capsule { radius: 0.5, half_length: 1.0 }, Vec3::ZERO, Quat::IDENTITY, Owner::Other);
        assert!((capsule.hit(Vec3::new(0.0, 5.0, 0.0), Vec3::NEG_Y).unwrap() - 3.5).abs() < 1e-5);
        assert!(capsule.hit(Vec3::new(0.6, 5.0, 0.0), Vec3::NEG_Y).is_none());
    }
}
