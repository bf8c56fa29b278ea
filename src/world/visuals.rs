//! Meshes, materials and lights for a clip, spawned into the render app.

use bevy::light::{CascadeShadowConfigBuilder, GlobalAmbientLight};
use bevy::math::Vec3;
use bevy::prelude::*;

use super::{Actor, ClipEntity, ObjectIndex, PartShape, actor_parts, actor_start, object_start};
use crate::spec::{ActorSpec, ClipSpec, ShapeSpec};

/// Entities of the rendered world, indexed like the spec.
#[derive(Debug, Clone)]
pub struct VisualEntities {
    pub objects: Vec<Entity>,
    pub actors: Vec<Entity>,
}

fn material(world: &mut World, color: [f32; 3], roughness: f32, metallic: f32) -> Handle<StandardMaterial> {
    world.resource_mut::<Assets<StandardMaterial>>().add(StandardMaterial {
        base_color: Color::srgb(color[0], color[1], color[2]),
        perceptual_roughness: roughness,
        metallic,
        ..default()
    })
}

fn mesh(world: &mut World, mesh: impl Into<Mesh>) -> Handle<Mesh> {
    world.resource_mut::<Assets<Mesh>>().add(mesh)
}

fn object_mesh(shape: &ShapeSpec) -> Mesh {
    match *shape {
        ShapeSpec::Box { size } => Cuboid::new(size[0], size[1], size[2]).into(),
        ShapeSpec::Ball { radius } => Sphere::new(radius).mesh().uv(28, 18),
        ShapeSpec::Cylinder { radius, height } => Cylinder::new(radius, height).mesh().resolution(28).into(),
    }
}

/// Spawns the spec's surfaces, objects (at their initial poses), actor and lights into `world`
/// (an app with Bevy's PBR renderer). The camera is the caller's.
pub fn spawn_visuals(world: &mut World, spec: &ClipSpec) -> VisualEntities {
    for surface in &spec.surfaces {
        let [x, y, z] = surface.size;
        let mesh = mesh(world, Cuboid::new(x, y, z));
        let material = material(world, surface.color, surface.roughness, 0.0);
        world.spawn((
            ClipEntity,
            Mesh3d(mesh),
            MeshMaterial3d(material),
            Transform::from_translation(Vec3::from(surface.position)),
        ));
    }
    let objects = spec
        .objects
        .iter()
        .enumerate()
        .map(|(index, object)| {
            let mesh = mesh(world, object_mesh(&object.shape));
            let material = material(world, object.color, object.roughness, object.metallic);
            world
                .spawn((ClipEntity, ObjectIndex(index), Mesh3d(mesh), MeshMaterial3d(material), object_start(object)))
                .id()
        })
        .collect();
    let actors = spec.actors.iter().map(|actor| spawn_actor(world, actor)).collect();

    let lighting = &spec.lighting;
    let sun = Vec3::from(lighting.sun_direction);
    let up = if sun.y.abs() > 0.99 { Vec3::Z } else { Vec3::Y };
    let area_centre = Vec3::from(spec.camera.look_at);
    world.spawn((
        ClipEntity,
        DirectionalLight { illuminance: lighting.sun_illuminance, shadow_maps_enabled: lighting.shadows, ..default() },
        // A single cascade over the few metres the camera sees: the defaults are sized for large
        // worlds and cost about ten times more on the software rasterizer.
        CascadeShadowConfigBuilder { num_cascades: 1, minimum_distance: 0.1, maximum_distance: 2.5, ..default() }
            .build(),
        Transform::from_translation(area_centre + sun * 5.0).looking_at(area_centre, up),
    ));
    world.insert_resource(GlobalAmbientLight {
        color: Color::WHITE,
        brightness: lighting.ambient_brightness,
        ..default()
    });
    VisualEntities { objects, actors }
}

fn spawn_actor(world: &mut World, actor: &ActorSpec) -> Entity {
    let actor_material = material(world, actor.color, 0.6, 0.0);
    let parts: Vec<(Handle<Mesh>, Transform)> = actor_parts(actor)
        .into_iter()
        .map(|part| {
            let handle = match part.shape {
                PartShape::Cuboid { half } => mesh(world, Cuboid::from_size(half * 2.0)),
                PartShape::Capsule { half_length, radius } => {
                    mesh(world, Capsule3d::new(radius, half_length * 2.0).mesh().rings(4).longitudes(16).latitudes(8))
                }
            };
            (handle, Transform::from_translation(part.offset).with_rotation(part.rotation))
        })
        .collect();
    world
        .spawn((ClipEntity, Actor, actor_start(actor), Visibility::default()))
        .with_children(|parent| {
            for (handle, transform) in parts {
                parent.spawn((Mesh3d(handle), MeshMaterial3d(actor_material.clone()), transform));
            }
        })
        .id()
}
