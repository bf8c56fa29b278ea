//! Rapier bodies and colliders for a clip: fixed surfaces, dynamic (or held) objects and the
//! kinematic actor.

use bevy::math::{Quat, Vec3};
use bevy::prelude::*;
use bevy_rapier3d::prelude::*;

use super::{Actor, ClipEntity, ObjectIndex, PartShape, actor_parts, actor_start, object_start};
use crate::spec::{ClipSpec, ObjectSpec, ShapeSpec};

/// Entities of the physics world, indexed like the spec.
#[derive(Debug, Clone)]
pub struct PhysicsEntities {
    pub objects: Vec<Entity>,
    pub actors: Vec<Entity>,
    /// Colliders of an object beyond the one on its body entity, with the object's index.
    pub object_parts: Vec<(Entity, usize)>,
}

impl PhysicsEntities {
    /// The object whose body or extra collider `entity` is.
    pub fn object_of(&self, entity: Entity) -> Option<usize> {
        let part = || self.object_parts.iter().find(|(e, _)| *e == entity).map(|(_, index)| *index);
        self.objects.iter().position(|e| *e == entity).or_else(part)
    }
}

/// An object's colliders: the one on its body, and those that go on child entities with their
/// place on the body (a lathe's wall, its parts).
fn object_colliders(object: &ObjectSpec) -> (Collider, Vec<(Collider, Transform)>) {
    let (body, extra) = shape_colliders(&object.shape);
    let mut extras: Vec<(Collider, Transform)> = extra.into_iter().map(|c| (c, Transform::IDENTITY)).collect();
    for part in object.parts.iter().filter(|part| part.collides) {
        let place = Transform::from_translation(Vec3::from(part.offset)).with_rotation(Quat::from_array(part.rotation));
        let (main, extra) = shape_colliders(&part.shape);
        extras.extend(std::iter::once(main).chain(extra).map(|collider| (collider, place)));
    }
    (body, extras)
}

/// A shape's colliders: the one on its body, and the pieces that go on a child entity.
///
/// A lathe's flat foot stands alone on the body: in one compound with the wall pieces, Rapier's
/// contact with the table let it sink a few millimetres, creep and, for wide flat feet (a bowl,
/// a plate), rock with growing swings; as two colliders it rests still.
fn shape_colliders(shape: &ShapeSpec) -> (Collider, Option<Collider>) {
    match *shape {
        ShapeSpec::Lathe { radius, height, ref profile, wall } => {
            // Convex pieces, never a triangle mesh: dynamic bodies need solid volumes.
            let lathe = super::lathe::Lathe::new(radius, height, profile, wall);
            let (foot_radius, bottom, top) = lathe.foot();
            let foot = Collider::cylinder((top - bottom) / 2.0, foot_radius);
            let foot = Collider::compound(vec![(Vec3::Y * (top + bottom) / 2.0, Quat::IDENTITY, foot)]);
            let pieces: Vec<(Vec3, Quat, Collider)> = lathe
                .convex_pieces(super::lathe::COLLIDER_SEGMENTS)
                .iter()
                .filter_map(|points| Collider::convex_hull(points))
                .map(|piece| (Vec3::ZERO, Quat::IDENTITY, piece))
                .collect();
            (foot, (!pieces.is_empty()).then(|| Collider::compound(pieces)))
        }
        ShapeSpec::Box { size, rounding } if rounding > 0.0 => {
            let [x, y, z] = size.map(|s| (s / 2.0 - rounding).max(0.0));
            (Collider::round_cuboid(x, y, z, rounding), None)
        }
        ShapeSpec::Box { size, .. } => (Collider::cuboid(size[0] / 2.0, size[1] / 2.0, size[2] / 2.0), None),
        ShapeSpec::Ball { radius } => (Collider::ball(radius), None),
        ShapeSpec::Cylinder { radius, height } => (Collider::cylinder(height / 2.0, radius), None),
        ShapeSpec::Extrusion { size, axis, ref outline } => {
            (convex_compound(super::extrusion::Extrusion::new(size, outline, axis).convex_pieces()), None)
        }
        ShapeSpec::Handle { span, reach, thickness } => {
            (convex_compound(super::handle::Handle { span, reach, thickness }.convex_pieces()), None)
        }
        ShapeSpec::Mesh { ref path, ref hash, size, collider } => {
            match super::mesh_file::get(std::path::Path::new(path), hash) {
                Ok(asset) => {
                    let scale = super::mesh_file::scale_of(size);
                    let pieces =
                        asset.pieces(collider).iter().map(|piece| piece.iter().map(|p| *p * scale).collect()).collect();
                    (convex_compound(pieces), None)
                }
                // A file that is gone collides as its box (rerender checks the files first).
                Err(_) => (Collider::cuboid(size[0] / 2.0, size[1] / 2.0, size[2] / 2.0), None),
            }
        }
    }
}

/// One collider of convex pieces, each the hull of its points.
fn convex_compound(pieces: Vec<Vec<Vec3>>) -> Collider {
    let hulls = pieces
        .iter()
        .filter_map(|points| Collider::convex_hull(points))
        .map(|piece| (Vec3::ZERO, Quat::IDENTITY, piece))
        .collect();
    Collider::compound(hulls)
}

/// The mass of an object spread over its colliders: all of it on a lone collider, else one density
/// for all, so the body's centre of mass and inertia are those of its whole shape.
fn mass_properties(mass: f32, body: &Collider, extras: &[(Collider, Transform)]) -> ColliderMassProperties {
    if extras.is_empty() {
        return ColliderMassProperties::Mass(mass);
    }
    let volume = |collider: &Collider| collider.raw.mass_properties(1.0).mass();
    let total = volume(body) + extras.iter().map(|(collider, _)| volume(collider)).sum::<f32>();
    ColliderMassProperties::Density(mass / total.max(1e-9))
}

/// Spawns the spec's physics bodies into `world` (an app with `RapierPhysicsPlugin`).
pub fn spawn_physics(world: &mut World, spec: &ClipSpec) -> PhysicsEntities {
    for surface in spec.surfaces.iter().filter(|s| s.collider) {
        let [x, y, z] = surface.size;
        world.spawn((
            ClipEntity,
            RigidBody::Fixed,
            Collider::cuboid(x / 2.0, y / 2.0, z / 2.0),
            Friction::coefficient(surface.friction),
            Transform::from_translation(Vec3::from(surface.position)),
        ));
    }
    let mut objects = Vec::new();
    let mut object_parts = Vec::new();
    for (index, object) in spec.objects.iter().enumerate() {
        let body = if object.fixed {
            RigidBody::Fixed
        } else if object.held_until_frame.is_some() {
            RigidBody::KinematicPositionBased
        } else {
            RigidBody::Dynamic
        };
        let (collider, extras) = object_colliders(object);
        let mass = mass_properties(object.mass, &collider, &extras);
        let surface = (Friction::coefficient(object.friction), Restitution::coefficient(object.restitution));
        let entity = world
            .spawn((
                // Contacts between objects are logged for postconditions such as `Touches`.
                ActiveEvents::COLLISION_EVENTS,
                // A kinematic actor moved by position does not wake a sleeping body: an object
                // that had fallen asleep before the push let the actor pass straight through.
                Sleeping::disabled(),
                ClipEntity,
                ObjectIndex(index),
                body,
                (collider, mass, surface),
                // Rapier has no rolling resistance; a little angular damping stands in for it.
                Damping { linear_damping: 0.05, angular_damping: 0.4 },
                Ccd::enabled(),
                Velocity::zero(),
                object_start(object),
            ))
            .id();
        for (part, place) in extras {
            let child = (ChildOf(entity), ActiveEvents::COLLISION_EVENTS, part, mass, surface, place);
            object_parts.push((world.spawn(child).id(), index));
        }
        objects.push(entity);
    }
    let actors = spec
        .actors
        .iter()
        .map(|actor| {
            let parts: Vec<(Vec3, Quat, Collider)> = actor_parts(actor)
                .into_iter()
                .map(|part| {
                    let collider = match part.shape {
                        PartShape::Cuboid { half } => Collider::cuboid(half.x, half.y, half.z),
                        PartShape::Capsule { half_length, radius } => Collider::capsule_y(half_length, radius),
                    };
                    (part.offset, part.rotation, collider)
                })
                .collect();
            world
                .spawn((
                    ClipEntity,
                    Actor,
                    RigidBody::KinematicPositionBased,
                    Collider::compound(parts),
                    ActiveEvents::COLLISION_EVENTS,
                    actor_start(actor),
                ))
                .id()
        })
        .collect();
    PhysicsEntities { objects, actors, object_parts }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::Content;

    /// The volume a collider encloses. The engine's mass properties of a rounded cuboid leave its
    /// border out, so that one is measured from its inner box and border radius.
    fn collider_volume(collider: &Collider) -> f32 {
        use std::f32::consts::PI;
        let Some(round) = collider.raw.as_round_cuboid() else { return collider.raw.mass_properties(1.0).mass() };
        let (inner, r) = (round.inner_shape.half_extents * 2.0, round.border_radius);
        // The inner box, a slab of thickness r on each face, quarter cylinders on the edges,
        // eighth spheres on the corners.
        let faces = 2.0 * r * (inner.x * inner.y + inner.y * inner.z + inner.z * inner.x);
        let edges = PI * r * r * (inner.x + inner.y + inner.z);
        inner.x * inner.y * inner.z + faces + edges + 4.0 / 3.0 * PI * r.powi(3)
    }

    #[test]
    fn every_shipped_kinds_collider_holds_the_volume_it_is_drawn_with() {
        let content = Content::load_builtin().unwrap();
        for kind in &content.objects.def.kinds {
            let middle = |r: crate::content::Range| (r.0 + r.1) / 2.0;
            let shape = crate::spec::shape_from_def(&kind.shape, middle);
            let parts = crate::spec::sample_parts(kind, &shape, [1.0; 3], &[], &mut crate::spec::AtFraction(0.5));
            let (body, part) = shape_colliders(&shape);
            let mut collider = collider_volume(&body) + part.as_ref().map_or(0.0, collider_volume);
            let mut drawn = crate::world::volume(&shape);
            for part in parts.iter().filter(|part| part.collides) {
                let (main, extra) = shape_colliders(&part.shape);
                collider += collider_volume(&main) + extra.as_ref().map_or(0.0, collider_volume);
                drawn += crate::world::volume(&part.shape);
            }
            let ratio = collider / drawn;
            assert!((0.85..=1.15).contains(&ratio), "{}: collider {collider:.2e} m3, drawn {drawn:.2e} m3", kind.name);
        }
    }
}
