//! World: a [`ClipSpec`] spawned as Bevy entities, third stage of the flow (spec -> world -> ...).
//!
//! The same spec is spawned twice: once with Rapier bodies and colliders into a physics-only app
//! ([`spawn_physics`], used by [`crate::simulation`]) and once with meshes, materials, lights and
//! a camera into the render app ([`spawn_visuals`], used by [`crate::capture`]). Both read their
//! geometry from here, so what collides is what is drawn.

pub mod extrusion;
pub mod handle;
pub mod lathe;
mod mesh_data;
pub mod mesh_file;
mod physics;
pub mod rounded_box;
pub mod texture;
mod visuals;

pub use physics::{PhysicsEntities, spawn_physics};
pub use visuals::{VisualEntities, spawn_visuals};

use bevy::math::{Quat, Vec3};
use bevy::prelude::{Component, Transform};

use crate::content::ActorKind;
use crate::spec::{ActorSpec, ObjectSpec};

/// Marks every entity that belongs to the clip being rendered, so it can be cleared afterwards.
#[derive(Component, Debug, Clone, Copy)]
pub struct ClipEntity;

/// The index of an object in [`crate::spec::ClipSpec::objects`].
#[derive(Component, Debug, Clone, Copy, PartialEq, Eq)]
pub struct ObjectIndex(pub usize);

/// The actor's root entity.
#[derive(Component, Debug, Clone, Copy)]
pub struct Actor;

/// Where an object starts.
pub fn object_start(object: &ObjectSpec) -> Transform {
    Transform::from_translation(Vec3::from(object.position)).with_rotation(Quat::from_array(object.rotation))
}

/// Where the actor starts.
pub fn actor_start(actor: &ActorSpec) -> Transform {
    Transform::from_translation(Vec3::from(actor.position_at(0.0))).with_rotation(Quat::from_array(actor.rotation))
}

/// A primitive of the actor, in the actor's frame (x faces the action, the contact point is the
/// origin, everything else lies behind it).
#[derive(Debug, Clone, Copy)]
pub struct ActorPart {
    pub shape: PartShape,
    pub offset: Vec3,
    pub rotation: Quat,
}

#[derive(Debug, Clone, Copy)]
pub enum PartShape {
    Cuboid {
        half: Vec3,
    },
    /// Capsule along its local y.
    Capsule {
        half_length: f32,
        radius: f32,
    },
}

/// The actor's primitives: a stick held at an angle, a pusher block on a handle, or a palm with
/// fingers, thumb and forearm.
pub fn actor_parts(actor: &ActorSpec) -> Vec<ActorPart> {
    let s = actor.scale;
    match actor.kind {
        ActorKind::Stick => {
            let radius = 0.01 * s;
            let length = 0.38 * s;
            // From the tip back and up towards the hand holding it.
            let along = Vec3::new(-0.77, 0.64, 0.0).normalize();
            let tip = Vec3::new(-radius, 0.0, 0.0);
            vec![ActorPart {
                shape: PartShape::Capsule { half_length: length / 2.0, radius },
                offset: tip + along * (length / 2.0),
                rotation: Quat::from_rotation_arc(Vec3::Y, along),
            }]
        }
        ActorKind::Block => {
            // A pusher: a flat block whose front face is the contact point, its bottom edge just
            // above the contact height so it never cuts into the table, on a slanted handle.
            let half = Vec3::new(0.012, 0.022, 0.045) * s;
            let block_centre = Vec3::new(-half.x, half.y - 0.011 * s, 0.0);
            let along = Vec3::new(-0.6, 0.8, 0.0);
            let handle_half = 0.12 * s;
            vec![
                ActorPart { shape: PartShape::Cuboid { half }, offset: block_centre, rotation: Quat::IDENTITY },
                ActorPart {
                    shape: PartShape::Capsule { half_length: handle_half, radius: 0.008 * s },
                    offset: block_centre + Vec3::new(-half.x, 0.0, 0.0) + along * (handle_half + 0.008 * s),
                    rotation: Quat::from_rotation_arc(Vec3::Y, along),
                },
            ]
        }
        ActorKind::Hand => {
            let palm_half = Vec3::new(0.011, 0.045, 0.04) * s;
            let palm_centre = Vec3::new(-palm_half.x, 0.037 * s, 0.0);
            let mut parts = vec![ActorPart {
                shape: PartShape::Cuboid { half: palm_half },
                offset: palm_centre,
                rotation: Quat::IDENTITY,
            }];
            let finger_radius = 0.0085 * s;
            for (i, length) in [0.046, 0.054, 0.052, 0.042].into_iter().enumerate() {
                let z = (-0.0285 + 0.019 * i as f32) * s;
                let half_length = length * s / 2.0;
                parts.push(ActorPart {
                    shape: PartShape::Capsule { half_length, radius: finger_radius },
                    offset: Vec3::new(
                        palm_centre.x,
                        palm_centre.y + palm_half.y + half_length + finger_radius * 0.5,
                        z,
                    ),
                    rotation: Quat::IDENTITY,
                });
            }
            let thumb_dir = Vec3::new(0.0, 0.6, 0.8).normalize();
            parts.push(ActorPart {
                shape: PartShape::Capsule { half_length: 0.02 * s, radius: 0.0095 * s },
                offset: palm_centre + Vec3::new(0.0, -0.01 * s, palm_half.z) + thumb_dir * 0.02 * s,
                rotation: Quat::from_rotation_arc(Vec3::Y, thumb_dir),
            });
            let arm_dir = Vec3::new(-0.55, 0.84, 0.0).normalize();
            let arm_half = 0.09 * s;
            parts.push(ActorPart {
                shape: PartShape::Capsule { half_length: arm_half, radius: 0.024 * s },
                offset: palm_centre + Vec3::new(-0.03 * s, 0.02 * s, 0.0) + arm_dir * (arm_half + 0.02 * s),
                rotation: Quat::from_rotation_arc(Vec3::Y, arm_dir),
            });
            parts
        }
    }
}

/// The volume a shape encloses, in cubic metres, as it is drawn.
pub fn volume(shape: &crate::spec::ShapeSpec) -> f32 {
    use crate::spec::ShapeSpec;
    use std::f32::consts::PI;
    match shape {
        ShapeSpec::Box { size, rounding } => rounded_box::rounded_box(Vec3::from(*size) / 2.0, *rounding).volume(),
        ShapeSpec::Ball { radius } => 4.0 / 3.0 * PI * radius.powi(3),
        ShapeSpec::Cylinder { radius, height } => PI * radius * radius * height,
        ShapeSpec::Lathe { radius, height, profile, wall } => {
            lathe::Lathe::new(*radius, *height, profile, *wall).mesh(lathe::MESH_SEGMENTS).volume()
        }
        ShapeSpec::Extrusion { size, axis, outline } => {
            extrusion::Extrusion::new(*size, outline, *axis).mesh().volume()
        }
        ShapeSpec::Handle { span, reach, thickness } => {
            handle::Handle { span: *span, reach: *reach, thickness: *thickness }.mesh().volume()
        }
        // What collides weighs: the hull or the decomposition's pieces, scaled from unit size.
        ShapeSpec::Mesh { path, hash, size, collider } => match mesh_file::get(std::path::Path::new(path), hash) {
            Ok(asset) => asset.volume(*collider) * mesh_file::scale_of(*size).powi(3),
            Err(_) => size.iter().product(),
        },
    }
}
