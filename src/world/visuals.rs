//! Meshes, materials and lights for a clip, spawned into the render app.

use bevy::asset::RenderAssetUsages;
use bevy::image::{ImageAddressMode, ImageFilterMode, ImageSampler, ImageSamplerDescriptor};
use bevy::light::{CascadeShadowConfigBuilder, GlobalAmbientLight};
use bevy::math::{Affine2, Vec3};
use bevy::mesh::{Indices, PrimitiveTopology};
use bevy::prelude::*;
use bevy::render::render_resource::{Extent3d, TextureDimension, TextureFormat};

use super::texture::{TEXTURE_SIZE, texture_pixels, with_mip_chain};
use super::{Actor, ClipEntity, ObjectIndex, PartShape, actor_parts, actor_start, object_start};
use crate::content::LampKind;
use crate::spec::{ActorSpec, ClipSpec, ImageFileSpec, ShapeSpec, TextureSpec};

/// The sun: one entity kept from clip to clip (not a [`ClipEntity`]), given each clip's light.
#[derive(Component)]
pub struct Sun;

/// Entities of the rendered world, indexed like the spec.
#[derive(Debug, Clone)]
pub struct VisualEntities {
    pub objects: Vec<Entity>,
    pub actors: Vec<Entity>,
    /// The clip's generated textures: the renderer waits until they reach the GPU.
    pub textures: Vec<Handle<Image>>,
}

fn material(world: &mut World, color: [f32; 3], roughness: f32, metallic: f32) -> Handle<StandardMaterial> {
    textured_material(world, color, roughness, metallic, None, 1.0)
}

/// A material in `color`, printed with `texture` (if any) repeated `repeats` times across the
/// mesh's texture coordinates.
fn textured_material(
    world: &mut World,
    color: [f32; 3],
    roughness: f32,
    metallic: f32,
    texture: Option<&TextureSpec>,
    repeats: f32,
) -> Handle<StandardMaterial> {
    let (base_color, base_color_texture) = match texture {
        // The texture carries the color; the material's own color stays white.
        Some(texture) => (Color::WHITE, Some(texture_image(world, texture, color))),
        None => (Color::srgb(color[0], color[1], color[2]), None),
    };
    world.resource_mut::<Assets<StandardMaterial>>().add(StandardMaterial {
        base_color,
        base_color_texture,
        uv_transform: Affine2::from_scale(Vec2::splat(repeats.max(1.0).round())),
        perceptual_roughness: roughness,
        metallic,
        ..default()
    })
}

/// A material covered with an image file, tiled `repeats` times. An unreadable file (it was
/// checked when the scene was loaded) shows as magenta rather than stopping the render.
fn image_material(world: &mut World, file: &ImageFileSpec, roughness: f32, repeats: f32) -> Handle<StandardMaterial> {
    let pixels = match crate::content::files::read_image(std::path::Path::new(&file.path)) {
        Ok(picture) => image::imageops::resize(
            &picture.to_rgba8(),
            TEXTURE_SIZE,
            TEXTURE_SIZE,
            image::imageops::FilterType::Triangle,
        )
        .into_raw(),
        Err(_) => [255u8, 0, 255, 255].repeat((TEXTURE_SIZE * TEXTURE_SIZE) as usize),
    };
    let texture = tiling_image(world, pixels);
    world.resource_mut::<Assets<StandardMaterial>>().add(StandardMaterial {
        base_color_texture: Some(texture),
        uv_transform: Affine2::from_scale(Vec2::splat(repeats.max(1.0).round())),
        perceptual_roughness: roughness,
        ..default()
    })
}

/// The generated texture as a tiling, mip-mapped sRGB image asset.
fn texture_image(world: &mut World, texture: &TextureSpec, color: [f32; 3]) -> Handle<Image> {
    tiling_image(world, texture_pixels(texture, color))
}

/// `TEXTURE_SIZE`-square sRGBA pixels as a tiling, mip-mapped image asset.
fn tiling_image(world: &mut World, pixels: Vec<u8>) -> Handle<Image> {
    let (data, levels) = with_mip_chain(pixels, TEXTURE_SIZE);
    let size = Extent3d { width: TEXTURE_SIZE, height: TEXTURE_SIZE, depth_or_array_layers: 1 };
    let mut image =
        Image::new_uninit(size, TextureDimension::D2, TextureFormat::Rgba8UnormSrgb, RenderAssetUsages::RENDER_WORLD);
    image.data = Some(data);
    image.texture_descriptor.mip_level_count = levels;
    image.sampler = ImageSampler::Descriptor(ImageSamplerDescriptor {
        address_mode_u: ImageAddressMode::Repeat,
        address_mode_v: ImageAddressMode::Repeat,
        mag_filter: ImageFilterMode::Linear,
        min_filter: ImageFilterMode::Linear,
        mipmap_filter: ImageFilterMode::Linear,
        ..default()
    });
    let handle = world.resource_mut::<Assets<Image>>().add(image);
    world.resource_mut::<ClipTextures>().0.push(handle.clone());
    handle
}

/// Textures created for the clip being spawned.
#[derive(Resource, Default)]
struct ClipTextures(Vec<Handle<Image>>);

fn srgb(color: [f32; 3]) -> Color {
    Color::srgb(color[0], color[1], color[2])
}

fn mesh(world: &mut World, mesh: impl Into<Mesh>) -> Handle<Mesh> {
    world.resource_mut::<Assets<Mesh>>().add(mesh)
}

/// A render mesh of triangles made in code.
fn mesh_of(data: super::lathe::MeshData) -> Mesh {
    Mesh::new(PrimitiveTopology::TriangleList, RenderAssetUsages::default())
        .with_inserted_attribute(Mesh::ATTRIBUTE_POSITION, data.positions)
        .with_inserted_attribute(Mesh::ATTRIBUTE_NORMAL, data.normals)
        .with_inserted_attribute(Mesh::ATTRIBUTE_UV_0, data.uvs)
        .with_inserted_indices(Indices::U32(data.indices))
}

fn object_mesh(shape: &ShapeSpec) -> Mesh {
    match *shape {
        ShapeSpec::Lathe { radius, height, ref profile, wall } => {
            mesh_of(super::lathe::Lathe::new(radius, height, profile, wall).mesh(super::lathe::MESH_SEGMENTS))
        }
        ShapeSpec::Box { size, rounding } if rounding > 0.0 => {
            mesh_of(super::rounded_box::rounded_box(Vec3::from(size) / 2.0, rounding))
        }
        ShapeSpec::Box { size, .. } => Cuboid::new(size[0], size[1], size[2]).into(),
        ShapeSpec::Ball { radius } => Sphere::new(radius).mesh().uv(28, 18),
        ShapeSpec::Cylinder { radius, height } => Cylinder::new(radius, height).mesh().resolution(28).into(),
        ShapeSpec::Extrusion { size, axis, ref outline } => {
            mesh_of(super::extrusion::Extrusion::new(size, outline, axis).mesh())
        }
        ShapeSpec::Handle { span, reach, thickness } => {
            mesh_of(super::handle::Handle { span, reach, thickness }.mesh())
        }
        ShapeSpec::Mesh { ref path, ref hash, size, .. } => {
            match super::mesh_file::get(std::path::Path::new(path), hash) {
                Ok(asset) => {
                    let mut data = asset.mesh.clone();
                    let scale = super::mesh_file::scale_of(size);
                    data.positions.iter_mut().for_each(|p| *p = p.map(|x| x * scale));
                    mesh_of(data)
                }
                // A file that is gone is drawn as its box (rerender checks the files first).
                Err(_) => Cuboid::new(size[0], size[1], size[2]).into(),
            }
        }
    }
}

/// An object's parts, as children of its entity (they move with it; masks give them its id).
fn spawn_parts(world: &mut World, object: &crate::spec::ObjectSpec, entity: Entity) {
    for part in &object.parts {
        let mesh = mesh(world, object_mesh(&part.shape));
        let material = material(world, part.color, part.roughness, part.metallic);
        let place = Transform::from_translation(Vec3::from(part.offset)).with_rotation(Quat::from_array(part.rotation));
        world.spawn((ChildOf(entity), Mesh3d(mesh), MeshMaterial3d(material), place));
    }
}

/// An object's material: its color and pattern, or a mesh file's own texture.
fn object_material(world: &mut World, object: &crate::spec::ObjectSpec) -> Handle<StandardMaterial> {
    if let ShapeSpec::Mesh { ref path, ref hash, .. } = object.shape {
        let asset = super::mesh_file::get(std::path::Path::new(path), hash).ok();
        let texture = asset.as_ref().and_then(|asset| asset.texture.as_ref()).map(|image| {
            let pixels =
                image::imageops::resize(image, TEXTURE_SIZE, TEXTURE_SIZE, image::imageops::FilterType::Triangle);
            tiling_image(world, pixels.into_raw())
        });
        let material = match texture {
            Some(texture) => StandardMaterial {
                base_color_texture: Some(texture),
                perceptual_roughness: object.roughness,
                metallic: object.metallic,
                ..default()
            },
            None => return plain_object_material(world, object),
        };
        return world.resource_mut::<Assets<StandardMaterial>>().add(material);
    }
    plain_object_material(world, object)
}

/// The object's color, printed with its pattern repeated over its size.
fn plain_object_material(world: &mut World, object: &crate::spec::ObjectSpec) -> Handle<StandardMaterial> {
    let extent = object.shape.half_extents().into_iter().fold(0.0, f32::max) * 2.0;
    let repeats = object.texture.map_or(1.0, |t| t.repeats_per_m * extent);
    textured_material(world, object.color, object.roughness, object.metallic, object.texture.as_ref(), repeats)
}

/// Spawns the spec's surfaces, objects (at their initial poses), actor and lights into `world`
/// (an app with Bevy's PBR renderer); the sun already in `world` from an earlier clip, if any,
/// is given this clip's light instead (see [`Sun`]). The camera is the caller's.
pub fn spawn_visuals(world: &mut World, spec: &ClipSpec) -> VisualEntities {
    world.insert_resource(ClipTextures::default());
    for surface in &spec.surfaces {
        let [x, y, z] = surface.size;
        let mesh = mesh(world, Cuboid::new(x, y, z));
        // Repeats across the surface's longest side.
        let longest = x.max(y).max(z);
        let material = match &surface.image {
            Some(file) => image_material(world, file, surface.roughness, file.repeats_per_m * longest),
            None => {
                let repeats = surface.texture.map_or(1.0, |t| t.repeats_per_m * longest);
                textured_material(world, surface.color, surface.roughness, 0.0, surface.texture.as_ref(), repeats)
            }
        };
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
            let material = object_material(world, object);
            let entity = world
                .spawn((ClipEntity, ObjectIndex(index), Mesh3d(mesh), MeshMaterial3d(material), object_start(object)))
                .id();
            spawn_parts(world, object, entity);
            entity
        })
        .collect();
    let actors = spec.actors.iter().map(|actor| spawn_actor(world, actor)).collect();

    let lighting = &spec.lighting;
    let sun = Vec3::from(lighting.sun_direction);
    let up = if sun.y.abs() > 0.99 { Vec3::Z } else { Vec3::Y };
    let area_centre = Vec3::from(spec.camera.look_at);
    let sun_light = (
        DirectionalLight {
            illuminance: lighting.sun_illuminance,
            color: srgb(lighting.sun_color),
            shadow_maps_enabled: lighting.shadows,
            ..default()
        },
        // A single cascade over the few metres the camera sees: the defaults are sized for large
        // worlds and cost about ten times more on the software rasterizer.
        CascadeShadowConfigBuilder { num_cascades: 1, minimum_distance: 0.1, maximum_distance: 2.5, ..default() }
            .build(),
        Transform::from_translation(area_centre + sun * 5.0).looking_at(area_centre, up),
    );
    // One sun entity for the renderer's life, given each clip's light. With a new
    // shadow-casting light per clip, resident memory grew by about 60 KB a clip for good and
    // frames slowed down (measured: 11 KB a clip with one sun over 400 clips at 64x64, 5 KB over
    // 1,000 at 224x224); the frames are the same either way (6 clips with masks and depth
    // compared byte for byte).
    match world.query_filtered::<Entity, With<Sun>>().iter(world).next() {
        Some(sun) => {
            world.entity_mut(sun).insert(sun_light);
        }
        None => {
            world.spawn((Sun, sun_light));
        }
    }
    for lamp in &lighting.lamps {
        let (position, aim) = (Vec3::from(lamp.position), Vec3::from(lamp.aim));
        let transform = Transform::from_translation(position).looking_at(aim, Vec3::Y);
        let color = srgb(lamp.color);
        match lamp.kind {
            LampKind::Point => world.spawn((
                ClipEntity,
                PointLight { intensity: lamp.intensity, color, range: 4.0, shadow_maps_enabled: false, ..default() },
                transform,
            )),
            LampKind::Spot => world.spawn((
                ClipEntity,
                SpotLight {
                    intensity: lamp.intensity,
                    color,
                    range: 4.0,
                    outer_angle: 0.6,
                    inner_angle: 0.35,
                    shadow_maps_enabled: false,
                    ..default()
                },
                transform,
            )),
        };
    }
    world.insert_resource(GlobalAmbientLight {
        color: Color::WHITE,
        brightness: lighting.ambient_brightness,
        ..default()
    });
    let textures = world.remove_resource::<ClipTextures>().map(|t| t.0).unwrap_or_default();
    VisualEntities { objects, actors, textures }
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
