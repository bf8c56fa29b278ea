//! The annotation pass of capture: instance ids and depth drawn by the same renderer, from the
//! same camera, in the same update as each RGB frame.
//!
//! Every mesh of the clip gets a twin on render layer 1 with an [`AnnotationMaterial`]: a flat,
//! unlit shader that writes the owner's instance id and the fragment's distance along the
//! camera's axis. A second camera on layer 1 (same pose, no MSAA, no tonemapping, HDR so the
//! values survive untouched) renders them into an `Rgba8Unorm` target: red = id, green and blue
//! = depth in millimetres (high, low byte). The RGB camera never sees layer 1, so the frames are
//! the same bytes with or without annotations.

use bevy::asset::uuid_handle;
use bevy::camera::visibility::RenderLayers;
use bevy::light::{NotShadowCaster, NotShadowReceiver};
use bevy::prelude::*;
use bevy::reflect::TypePath;
use bevy::render::render_resource::AsBindGroup;
use bevy::shader::ShaderRef;
use image::{GrayImage, ImageBuffer, Luma};

use crate::spec::ClipSpec;
use crate::world::{Actor, ClipEntity, VisualEntities};

/// The render layer of the annotation twins and camera.
pub const ANNOTATION_LAYER: usize = 1;

const SHADER: Handle<Shader> = uuid_handle!("5b0b7a0e-3c0f-4e55-9a7d-2f1e6c4d8a11");

const SHADER_SOURCE: &str = r#"
#import bevy_pbr::forward_io::VertexOutput
#import bevy_pbr::mesh_view_bindings::view

struct Annotation {
    // x: instance id / 255.
    id: vec4<f32>,
};
@group(#{MATERIAL_BIND_GROUP}) @binding(0) var<uniform> annotation: Annotation;

@fragment
fn fragment(in: VertexOutput) -> @location(0) vec4<f32> {
    // Distance along the camera's forward axis (view space looks down -z), in millimetres.
    let view_position = view.view_from_world * in.world_position;
    let millimetres = clamp(round(-view_position.z * 1000.0), 0.0, 65535.0);
    let high = floor(millimetres / 256.0);
    let low = millimetres - high * 256.0;
    return vec4<f32>(annotation.id.x, high / 255.0, low / 255.0, 1.0);
}
"#;

/// Flat instance id plus depth; see the module docs for the encoding.
#[derive(Asset, TypePath, AsBindGroup, Debug, Clone)]
pub struct AnnotationMaterial {
    #[uniform(0)]
    id: Vec4,
}

impl Material for AnnotationMaterial {
    fn fragment_shader() -> ShaderRef {
        ShaderRef::Handle(SHADER)
    }

    fn enable_shadows() -> bool {
        false
    }
}

/// Registers the material and its shader.
pub fn add_annotation_plugin(app: &mut App) {
    app.add_plugins(MaterialPlugin::<AnnotationMaterial>::default());
    let _ = app
        .world_mut()
        .resource_mut::<Assets<Shader>>()
        .insert(&SHADER, Shader::from_wgsl(SHADER_SOURCE, "synthact/annotation.wgsl"));
}

/// The camera that renders the annotation twins into `target`.
pub fn annotation_camera(target: Handle<Image>) -> impl Bundle {
    (
        Camera3d::default(),
        Camera { order: 1, ..default() },
        // 16-bit float intermediate: an sRGB 8-bit one would round the encoded bytes.
        bevy::camera::Hdr,
        bevy::core_pipeline::tonemapping::Tonemapping::None,
        bevy::core_pipeline::tonemapping::DebandDither::Disabled,
        Msaa::Off,
        RenderLayers::layer(ANNOTATION_LAYER),
        bevy::camera::RenderTarget::from(target),
    )
}

/// Gives every mesh of the clip an annotation twin carrying its owner's instance id (the spec's
/// objects' and actors' ids; everything else, surfaces and walls, 0).
pub fn spawn_annotation_twins(world: &mut World, spec: &ClipSpec, visuals: &VisualEntities) {
    let mut ids: Vec<(Entity, u32)> = Vec::new();
    for (index, entity) in visuals.objects.iter().enumerate() {
        let id = spec.object_instance_id(index);
        ids.push((*entity, id));
        // Its parts (a handle, a cap) are part of it.
        for child in world.get::<Children>(*entity).map(|c| c.to_vec()).unwrap_or_default() {
            ids.push((child, id));
        }
    }
    for (index, actor) in visuals.actors.iter().enumerate() {
        let id = spec.actor_instance_id(index);
        for child in world.get::<Children>(*actor).map(|c| c.to_vec()).unwrap_or_default() {
            ids.push((child, id));
        }
    }
    let mut meshes = world.query_filtered::<(Entity, &Mesh3d), (With<ClipEntity>, Without<Actor>)>();
    let surfaces: Vec<Entity> =
        meshes.iter(world).map(|(entity, _)| entity).filter(|e| !visuals.objects.contains(e)).collect();
    ids.extend(surfaces.into_iter().map(|entity| (entity, 0)));
    for (entity, id) in ids {
        let Some(mesh) = world.get::<Mesh3d>(entity).cloned() else { continue };
        let material = world
            .resource_mut::<Assets<AnnotationMaterial>>()
            .add(AnnotationMaterial { id: Vec4::new(id.min(255) as f32 / 255.0, 0.0, 0.0, 1.0) });
        world.entity_mut(entity).with_child((
            mesh,
            MeshMaterial3d(material),
            Transform::IDENTITY,
            RenderLayers::layer(ANNOTATION_LAYER),
            NotShadowCaster,
            NotShadowReceiver,
        ));
    }
}

/// One frame's instance ids and depth.
#[derive(Debug, Clone)]
pub struct AnnotationFrame {
    /// Instance id per pixel (0: background or no instance).
    pub ids: GrayImage,
    /// Distance along the camera's axis per pixel, millimetres (0: nothing drawn).
    pub depth_mm: ImageBuffer<Luma<u16>, Vec<u16>>,
}

impl AnnotationFrame {
    /// Decodes a read-back `Rgba8Unorm` annotation image.
    pub fn decode(width: u32, height: u32, rgba: &[u8]) -> AnnotationFrame {
        let ids = GrayImage::from_fn(width, height, |x, y| Luma([rgba[((y * width + x) * 4) as usize]]));
        let depth_mm = ImageBuffer::from_fn(width, height, |x, y| {
            let at = ((y * width + x) * 4) as usize;
            Luma([u16::from(rgba[at + 1]) << 8 | u16::from(rgba[at + 2])])
        });
        AnnotationFrame { ids, depth_mm }
    }
}
