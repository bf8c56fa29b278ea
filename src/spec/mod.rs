//! Spec: one fully concrete, serializable clip, second stage of the flow (content -> spec -> world).
//!
//! A [`ClipSpec`] holds every value that was sampled for a clip: scene surfaces and their colors,
//! objects with sizes, materials, physical properties and poses, lights, the camera, the actor and
//! its keyframed path, and the video settings. It is written into every `label.json`, so a clip can
//! be explained and re-rendered from it alone. [`sample_clip`] builds it from the content with a
//! portable seeded RNG, one child stream per concern.

mod camera;
mod rng;
mod sample;

pub use camera::{CameraAxes, CameraModel, box_corners};
pub use rng::{RNG_NAME, clip_seed, stream};
pub use sample::{AtFraction, ClipChoice, Draws, reach, sample_clip, sample_parts, shape_from_def};

use bevy::math::{Quat, Vec3};
use serde::{Deserialize, Serialize};

use crate::content::{ActorKind, Axis, LampKind, MeshCollider, Pattern, Side};

/// Version of the [`ClipSpec`] layout and of how it is simulated and drawn; bump it when a field
/// changes meaning or the same spec would give other frames (5: Coulomb friction in Rapier).
pub const SPEC_VERSION: u32 = 5;

/// Video settings shared by every clip of a dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct VideoSpec {
    pub width: u32,
    pub height: u32,
    pub fps: u32,
    pub frames: u32,
    /// Fixed physics steps per video frame; the physics rate is `fps * physics_steps_per_frame`.
    pub physics_steps_per_frame: u32,
}

impl Default for VideoSpec {
    /// 224x224 at 12 frames per second (as SSv2), 3 seconds, physics at 120 Hz.
    fn default() -> Self {
        VideoSpec { width: 224, height: 224, fps: 12, frames: 36, physics_steps_per_frame: 10 }
    }
}

impl VideoSpec {
    /// Checks the settings are within what the pipeline supports; the message names the setting.
    pub fn check(&self) -> Result<(), String> {
        if !(16..=4096).contains(&self.width) || !(16..=4096).contains(&self.height) {
            return Err(format!("width and height must be 16 to 4096 pixels (got {}x{})", self.width, self.height));
        }
        if !(1..=240).contains(&self.fps) {
            return Err(format!("fps must be 1 to 240 (got {})", self.fps));
        }
        if !(1..=100_000).contains(&self.frames) {
            return Err(format!("frames must be 1 to 100000 (got {})", self.frames));
        }
        if !(1..=100).contains(&self.physics_steps_per_frame) {
            return Err(format!("physics steps per frame must be 1 to 100 (got {})", self.physics_steps_per_frame));
        }
        Ok(())
    }

    pub fn physics_dt(&self) -> f32 {
        1.0 / (self.fps * self.physics_steps_per_frame) as f32
    }
}

/// Everything needed to simulate and render one clip.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClipSpec {
    pub spec_version: u32,
    pub id: String,
    pub dataset_seed: u64,
    pub clip_index: u64,
    /// Which sampling attempt this is (0 first); failed attempts are re-sampled with the next one.
    pub attempt: u32,
    /// Seed of this attempt, derived from (dataset seed, clip index, attempt).
    pub clip_seed: u64,
    pub rng: String,
    pub scene: String,
    pub action: String,
    /// Whether this clip plays the action's script mirrored left-right (see `ActionDef::mirror`).
    pub mirrored: bool,
    pub template: String,
    pub class_index: u32,
    /// The role objects' names, in template order ("a red mug").
    pub placeholders: Vec<String>,
    /// The template with its placeholders filled.
    pub label: String,
    pub video: VideoSpec,
    pub camera: CameraSpec,
    pub lighting: LightingSpec,
    pub surfaces: Vec<SurfaceSpec>,
    /// The surface actions happen on (one of `surfaces`).
    pub work_surface: String,
    /// Height of the work surface's top, world metres.
    pub work_surface_top: f32,
    pub objects: Vec<ObjectSpec>,
    /// The hands or tools that conduct the action (one, or two for two-handed actions).
    pub actors: Vec<ActorSpec>,
    /// Hashes of the content files the clip was sampled from.
    pub content_hashes: ContentHashes,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContentHashes {
    pub scene: String,
    pub action: String,
    pub objects: String,
}

/// The camera: where it starts, how it moves (scripted motion, then hand-held shake on top).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CameraSpec {
    pub position: [f32; 3],
    pub look_at: [f32; 3],
    /// Vertical field of view, degrees.
    pub fov_deg: f32,
    /// Scripted motion (camera actions): keyframes eased like the actor's path; empty for a camera
    /// that stays where it starts.
    pub motion: Vec<CameraKeyframe>,
    /// Hand-held sway, if any.
    pub shake: Option<ShakeSpec>,
    /// Turn about the view axis, degrees, as a phone held a little askew (positive: the camera
    /// turns counter-clockwise, so the scene leans clockwise in the image); 0 for a level camera.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub roll_deg: f32,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CameraKeyframe {
    /// Video frame (fractional frames allowed).
    pub frame: f32,
    pub position: [f32; 3],
    pub look_at: [f32; 3],
}

/// Smooth hand-held sway: each axis is a sum of two slow sines, as a phone held in a hand drifts.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ShakeSpec {
    /// Peak rotation about each axis (yaw, pitch, roll), degrees.
    pub rotation_deg: f32,
    /// Peak translation along each axis, metres.
    pub translation_m: f32,
    /// Two frequencies per axis, yaw/pitch/roll then x/y/z, hertz.
    pub frequencies_hz: [[f32; 2]; 6],
    /// A phase per sine, radians.
    pub phases: [[f32; 2]; 6],
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LightingSpec {
    /// Unit vector from the scene towards the sun.
    pub sun_direction: [f32; 3],
    pub sun_illuminance: f32,
    pub sun_temperature_k: f32,
    /// sRGB of the sun's color temperature, peak channel 1.
    pub sun_color: [f32; 3],
    pub ambient_brightness: f32,
    pub shadows: bool,
    pub lamps: Vec<LampSpec>,
}

/// A lamp besides the sun; no shadows (a point light's cube shadow maps cost too much on a
/// software rasterizer).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LampSpec {
    pub kind: LampKind,
    pub position: [f32; 3],
    /// Where a spotlight points.
    pub aim: [f32; 3],
    /// Luminous power, lumens.
    pub intensity: f32,
    pub temperature_k: f32,
    /// sRGB of the color temperature, peak channel 1.
    pub color: [f32; 3],
}

/// A generated texture: its pattern in the owner's color and `shade`, repeating
/// `repeats_per_m` times per metre, drawn from `seed`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TextureSpec {
    pub pattern: Pattern,
    pub repeats_per_m: f32,
    /// The second color: the owner's color mixed toward black (negative) or white (positive).
    pub shade: f32,
    pub seed: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurfaceSpec {
    pub name: String,
    pub size: [f32; 3],
    pub position: [f32; 3],
    pub color: [f32; 3],
    pub roughness: f32,
    pub collider: bool,
    pub friction: f32,
    pub texture: Option<TextureSpec>,
    /// An image file tiled over the surface instead of its color and pattern.
    pub image: Option<ImageFileSpec>,
}

/// An image file a surface is covered with: where it was and which bytes it held.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImageFileSpec {
    pub path: String,
    /// FNV-1a 64 of the file, hex.
    pub hash: String,
    pub repeats_per_m: f32,
}

fn is_zero(value: &f32) -> bool {
    *value == 0.0
}

/// An object's concrete shape; sizes in metres.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ShapeSpec {
    Box {
        size: [f32; 3],
        /// Radius of its rounded edges and corners; 0 for sharp ones ([`crate::world::rounded_box`]).
        #[serde(default, skip_serializing_if = "is_zero")]
        rounding: f32,
    },
    Ball {
        radius: f32,
    },
    Cylinder {
        radius: f32,
        height: f32,
    },
    /// A profile turned about the vertical axis ([`crate::world::lathe`]): `(r, y)` points from
    /// the bottom up as fractions of `radius` and `height`; hollow with an open top and walls
    /// `wall` metres thick if given.
    Lathe {
        radius: f32,
        height: f32,
        profile: Vec<[f32; 2]>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        wall: Option<f32>,
    },
    /// An outline pushed along `axis` through the box `size` ([`crate::world::extrusion`]):
    /// `(a, b)` points as fractions of the box's size across the axis.
    Extrusion {
        size: [f32; 3],
        axis: Axis,
        outline: Vec<[f32; 2]>,
    },
    /// A round bar bent in a half loop, as a part ([`crate::world::handle`]): its ends `span`
    /// apart along y, standing `reach` out along +x, `thickness` thick; centred on its box.
    Handle {
        span: f32,
        reach: f32,
        thickness: f32,
    },
    /// A mesh file ([`crate::world::mesh_file`]) scaled to the box `size`: where it was read,
    /// the hash of its bytes, and what it collides as.
    Mesh {
        path: String,
        hash: String,
        size: [f32; 3],
        collider: MeshCollider,
    },
}

impl ShapeSpec {
    /// Half extents of the axis-aligned box around the shape in its own frame.
    pub fn half_extents(&self) -> [f32; 3] {
        match self {
            ShapeSpec::Box { size, .. } | ShapeSpec::Extrusion { size, .. } | ShapeSpec::Mesh { size, .. } => {
                [size[0] / 2.0, size[1] / 2.0, size[2] / 2.0]
            }
            ShapeSpec::Ball { radius } => [*radius; 3],
            ShapeSpec::Handle { span, reach, thickness } => {
                [reach / 2.0 + thickness, span / 2.0 + thickness, *thickness]
            }
            ShapeSpec::Cylinder { radius, height } | ShapeSpec::Lathe { radius, height, .. } => {
                [*radius, height / 2.0, *radius]
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObjectSpec {
    /// Object kind in the library.
    pub kind: String,
    /// How a person names it: "a red mug".
    pub name: String,
    /// The action role it plays, or `None` for a distractor.
    pub role: Option<String>,
    pub shape: ShapeSpec,
    pub color_word: String,
    pub color: [f32; 3],
    pub roughness: f32,
    pub metallic: f32,
    pub mass: f32,
    pub friction: f32,
    pub restitution: f32,
    /// Initial centre, world metres.
    pub position: [f32; 3],
    /// Initial rotation quaternion (x, y, z, w).
    pub rotation: [f32; 4],
    /// Held still until this frame (then dynamic); `None` for objects free from the start.
    pub held_until_frame: Option<u32>,
    /// A prop that never moves (a ramp).
    pub fixed: bool,
    pub texture: Option<TextureSpec>,
    /// Parts fixed to the body (a handle, a cap), in the object's frame.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<PartSpec>,
}

impl ObjectSpec {
    /// The box round its body and parts in its own frame: its centre and half extents.
    pub fn bounds(&self) -> (Vec3, Vec3) {
        let half = Vec3::from(self.shape.half_extents());
        let corners = self.parts.iter().flat_map(PartSpec::corners);
        let (low, high) = corners.fold((-half, half), |(low, high), p| (low.min(p), high.max(p)));
        ((low + high) / 2.0, (high - low) / 2.0)
    }

    /// The radius of the opening at the top of an open hollow object (a mug, a bowl), inside its
    /// wall; `None` for anything else, or with a part on top (a lid).
    pub fn opening_radius(&self) -> Option<f32> {
        let ShapeSpec::Lathe { radius, ref profile, wall: Some(wall), .. } = self.shape else { return None };
        let on_top = self.parts.iter().any(|part| part.offset[1] > 0.0 && part.offset[0].hypot(part.offset[2]) < 1e-6);
        let rim = profile.last().map_or(0.0, |p| p[0]) * radius - wall;
        (!on_top && rim > 0.0).then_some(rim)
    }

    /// The radius of the disc round its centre that its body and parts stand within.
    pub fn footprint_radius(&self) -> f32 {
        let [hx, _, hz] = self.shape.half_extents();
        let part = |part: &PartSpec| {
            let [px, _, pz] = part.shape.half_extents();
            Vec3::new(part.offset[0], 0.0, part.offset[2]).length() + px.hypot(pz)
        };
        self.parts.iter().map(part).fold(hx.max(hz), f32::max)
    }
}

/// A part fixed to an object's body, drawn in its own material.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartSpec {
    /// What it is: "handle", "cap", "lid".
    pub name: String,
    pub shape: ShapeSpec,
    /// Its centre in the object's frame, metres.
    pub offset: [f32; 3],
    /// Its rotation in the object's frame (x, y, z, w).
    pub rotation: [f32; 4],
    pub color: [f32; 3],
    pub roughness: f32,
    pub metallic: f32,
    /// Whether it has a collider.
    pub collides: bool,
}

impl PartSpec {
    /// The corners of its box, in the object's frame.
    pub fn corners(&self) -> [Vec3; 8] {
        let (offset, turn) = (Vec3::from(self.offset), Quat::from_array(self.rotation));
        box_corners(Vec3::from(self.shape.half_extents())).map(|corner| offset + turn * corner)
    }
}

/// An actor: what it looks like and where its contact point is over time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActorSpec {
    pub kind: ActorKind,
    pub color: [f32; 3],
    /// Uniform size factor of the actor's geometry.
    pub scale: f32,
    /// The direction the actor faces (its local +x), camera-relative as scripted.
    pub facing: Side,
    /// Orientation quaternion (x, y, z, w), fixed through the clip.
    pub rotation: [f32; 4],
    /// Keyframes of the contact point; eased between keyframes, held after the last.
    pub path: Vec<ActorKeyframe>,
    /// When the actor holds an object rigidly (a fixed joint), as for pulling.
    pub grips: Vec<Grip>,
    /// A hand that only holds clutter still (see `SceneDef::clutter`) and takes no part in the
    /// action; it shows from the first frame in any class.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub idle: bool,
}

/// The actor holds object `object` (an index into `ClipSpec::objects`) from frame `from` until
/// frame `until` (fractional frames).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Grip {
    pub object: usize,
    pub from: f32,
    pub until: f32,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ActorKeyframe {
    /// Video frame (fractional frames allowed).
    pub frame: f32,
    pub position: [f32; 3],
}

impl ActorSpec {
    /// The contact point at a (fractional) video frame: smooth-step between keyframes.
    pub fn position_at(&self, frame: f32) -> [f32; 3] {
        let path = &self.path;
        let Some(first) = path.first() else { return [0.0; 3] };
        if frame <= first.frame {
            return first.position;
        }
        for pair in path.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            if frame <= b.frame {
                let span = (b.frame - a.frame).max(f32::EPSILON);
                let t = ((frame - a.frame) / span).clamp(0.0, 1.0);
                let eased = t * t * (3.0 - 2.0 * t);
                return std::array::from_fn(|i| a.position[i] + (b.position[i] - a.position[i]) * eased);
            }
        }
        path.last().map(|k| k.position).unwrap_or([0.0; 3])
    }
}

impl ClipSpec {
    /// The work surface's extent in world x and z: `[min_x, max_x, min_z, max_z]`.
    pub fn work_surface_rect(&self) -> [f32; 4] {
        let surface = self.surfaces.iter().find(|s| s.name == self.work_surface).expect("work surface in the spec");
        work_rect(surface)
    }

    /// The instance id of object `index` in masks and annotations (0 is the background).
    pub fn object_instance_id(&self, index: usize) -> u32 {
        index as u32 + 1
    }

    /// The instance id of actor `index`: after the objects'.
    pub fn actor_instance_id(&self, index: usize) -> u32 {
        (self.objects.len() + 1 + index) as u32
    }

    /// Every object playing `role`, by index: one, or a stack's pieces (bottom first).
    pub fn role_indices(&self, role: &str) -> Vec<usize> {
        (0..self.objects.len()).filter(|&i| self.objects[i].role.as_deref() == Some(role)).collect()
    }

    /// The object playing `role`.
    pub fn role_object(&self, role: &str) -> Option<(usize, &ObjectSpec)> {
        self.objects.iter().enumerate().find(|(_, object)| object.role.as_deref() == Some(role))
    }
}

/// A surface's extent in world x and z: `[min_x, max_x, min_z, max_z]`.
pub(crate) fn work_rect(surface: &SurfaceSpec) -> [f32; 4] {
    let [x, _, z] = surface.position;
    let [sx, _, sz] = surface.size;
    [x - sx / 2.0, x + sx / 2.0, z - sz / 2.0, z + sz / 2.0]
}

/// How far a horizontal ray from `from` (x, z) in direction `direction` (x, z, unit) travels
/// before leaving the rectangle `rect`; negative if `from` is already outside in that direction.
pub fn distance_to_edge(rect: [f32; 4], from: [f32; 2], direction: [f32; 2]) -> f32 {
    let mut distance = f32::INFINITY;
    for (axis, (low, high)) in [(0, (rect[0], rect[1])), (1, (rect[2], rect[3]))] {
        let d = direction[axis];
        if d > 1e-6 {
            distance = distance.min((high - from[axis]) / d);
        } else if d < -1e-6 {
            distance = distance.min((low - from[axis]) / d);
        }
    }
    distance
}

/// The sRGB color of a black body at `kelvin` (1000 to 40000 K), peak channel 1: Tanner
/// Helland's fit to Mitchell Charity's blackbody table, good to a few percent, which is all a
/// light's tint needs.
pub fn color_temperature(kelvin: f32) -> [f32; 3] {
    let t = kelvin.clamp(1000.0, 40000.0) / 100.0;
    let red = if t <= 66.0 { 255.0 } else { 329.698_73 * (t - 60.0).powf(-0.133_204_76) };
    let green = if t <= 66.0 { 99.470_8 * t.ln() - 161.119_57 } else { 288.122_16 * (t - 60.0).powf(-0.075_514_846) };
    let blue = if t >= 66.0 {
        255.0
    } else if t <= 19.0 {
        0.0
    } else {
        138.517_73 * (t - 10.0).ln() - 305.044_8
    };
    let rgb = [red, green, blue].map(|c: f32| c.clamp(0.0, 255.0) / 255.0);
    let peak = rgb.iter().copied().fold(f32::MIN, f32::max).max(1e-6);
    rgb.map(|c| c / peak)
}
