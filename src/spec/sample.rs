//! Sampling a [`ClipSpec`] from the content templates.
//!
//! The plan stage chooses a clip's action and scene ([`ClipChoice`]) and keeps them over
//! re-sampling attempts, so a rejected attempt never changes a clip's class. Everything else is
//! drawn here, from per-concern streams of the attempt's seed.

use bevy::math::{Mat3, Quat, Vec3};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

mod actor;
mod parts;

use actor::{facing_rotation, sample_actors};
pub use parts::{AtFraction, Draws, sample_parts};

use super::camera::{CameraAxes, CameraModel};
use super::rng::{RNG_NAME, clip_seed, stream};
use super::*;
use crate::content::{
    ActionDef, ColorDef, Content, Loaded, ObjectKindDef, Pattern, PropDef, Range, SceneDef, ScriptStep, SetupStep,
    ShapeDef,
};

/// What a clip is, as the plan stage chose it for a clip index: its id, action and scene. It
/// stays the same over the clip's sampling attempts.
#[derive(Debug, Clone)]
pub struct ClipChoice<'a> {
    pub id: String,
    pub clip_index: u64,
    pub action: &'a Loaded<ActionDef>,
    pub scene: &'a Loaded<SceneDef>,
}

fn uniform(rng: &mut ChaCha8Rng, range: Range) -> f32 {
    if range.0 >= range.1 { range.0 } else { rng.random_range(range.0..=range.1) }
}

fn uniform_frames(rng: &mut ChaCha8Rng, range: crate::content::FrameRange) -> u32 {
    if range.0 >= range.1 { range.0 } else { rng.random_range(range.0..=range.1) }
}

fn pick<'a, T>(rng: &mut ChaCha8Rng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

/// Samples attempt `attempt` of the chosen clip.
pub fn sample_clip(
    content: &Content,
    choice: &ClipChoice,
    dataset_seed: u64,
    attempt: u32,
    video: VideoSpec,
) -> ClipSpec {
    let ClipChoice { clip_index, action, scene, .. } = *choice;
    let seed = clip_seed(dataset_seed, clip_index, attempt);
    let scene_def = &scene.def;
    let mirrored = action.def.mirror && stream(seed, "mirror").random_bool(0.5);
    let mirrored_def;
    let action_def = if mirrored {
        mirrored_def = action.def.mirrored();
        &mirrored_def
    } else {
        &action.def
    };

    let surfaces = sample_surfaces(scene, content, &mut stream(seed, "surfaces"));
    let work = surfaces.iter().find(|s| s.name == scene_def.work_surface).expect("validated work surface");
    let work_surface_top = work.position[1] + work.size[1] / 2.0;
    let area = Area { rect: work_rect(work), ..Area::new(scene_def, work_surface_top) };

    let mut camera = sample_camera(scene_def, &area, &mut stream(seed, "camera"));
    let axes = CameraAxes::new(&camera);
    let lighting = sample_lighting(scene_def, &area, &mut stream(seed, "lighting"));

    let mut object_rng = stream(seed, "objects");
    let mut objects = sample_role_objects(scene_def, action_def, content, &mut object_rng);
    objects.extend(place_props(action_def, &area, &axes, &mut stream(seed, "props")));
    set_up_roles(action_def, &mut objects, &area, &axes, &mut object_rng);
    // Script frame numbers span 0..script_frames-1; map that span onto this clip's 0..frames-1.
    let time_scale = video.frames.saturating_sub(1) as f32 / action_def.script_frames.saturating_sub(1).max(1) as f32;
    let stage = Stage {
        axes: &axes,
        area: &area,
        view: CameraModel::at_frame(&camera, 0, video.fps, video.width, video.height),
        time_scale,
    };
    let actors = sample_actors(action_def, &mut objects, &stage, &mut stream(seed, "actor"));
    camera.motion = sample_camera_motion(action_def, &camera, &axes, time_scale, &mut stream(seed, "camera motion"));
    let keep_clear = paths_to_keep_clear(content, action_def, mirrored, &actors, &objects, &stage, seed);
    place_distractors(scene_def, content, &area, &keep_clear, &mut objects, &mut stream(seed, "distractors"));
    let mut actors = actors;
    place_clutter(scene_def, content, &stage, &keep_clear, &mut objects, &mut actors, &mut stream(seed, "clutter"));

    let placeholders: Vec<String> = action_def
        .roles
        .iter()
        .map(|role| {
            let object = objects.iter().find(|o| o.role.as_deref() == Some(&role.name)).expect("every role placed");
            let stacked =
                action_def.setup.iter().any(|s| matches!(s, SetupStep::Stack { .. }) && s.role() == role.name);
            if stacked {
                let kind = content.objects.def.kinds.iter().find(|k| k.name == object.kind).expect("library kind");
                plural_name(kind, &object.color_word)
            } else {
                object.name.clone()
            }
        })
        .collect();
    ClipSpec {
        spec_version: SPEC_VERSION,
        id: choice.id.clone(),
        dataset_seed,
        clip_index,
        attempt,
        clip_seed: seed,
        rng: RNG_NAME.to_string(),
        scene: scene_def.name.clone(),
        action: action_def.name.clone(),
        mirrored,
        template: action_def.template.clone(),
        class_index: action_def.class_index,
        label: fill_template(&action_def.template, &placeholders),
        placeholders,
        video,
        camera,
        lighting,
        work_surface: scene_def.work_surface.clone(),
        surfaces,
        work_surface_top,
        objects,
        actors,
        content_hashes: ContentHashes {
            scene: scene.hash.clone(),
            action: action.hash.clone(),
            objects: content.objects.hash.clone(),
        },
    }
}

/// Fills `[something]` placeholders in order; `[Something]` gets a capitalized name.
pub(crate) fn fill_template(template: &str, names: &[String]) -> String {
    let mut label = String::new();
    let mut rest = template;
    let mut names = names.iter();
    while let Some(open) = rest.find('[') {
        let Some(close) = rest[open..].find(']') else { break };
        label.push_str(&rest[..open]);
        let placeholder = &rest[open + 1..open + close];
        let name = names.next().map(String::as_str).unwrap_or(placeholder);
        if placeholder.starts_with(char::is_uppercase) {
            let mut chars = name.chars();
            if let Some(first) = chars.next() {
                label.extend(first.to_uppercase());
                label.push_str(chars.as_str());
            }
        } else {
            label.push_str(name);
        }
        rest = &rest[open + close + 1..];
    }
    label.push_str(rest);
    label
}

/// "a red mug", "an orange ball", "a tennis ball".
fn object_name(kind: &ObjectKindDef, color: &str) -> String {
    let phrase = if kind.names_color() { format!("{color} {}", kind.noun) } else { kind.noun.clone() };
    let article = if phrase.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" };
    format!("{article} {phrase}")
}

/// "red wooden blocks", "tennis balls": a stack's pieces, named together.
fn plural_name(kind: &ObjectKindDef, color: &str) -> String {
    if kind.names_color() { format!("{color} {}", kind.plural_noun()) } else { kind.plural_noun() }
}

/// A texture from a list of patterns (none for an empty list or `Plain`).
fn sample_texture(patterns: &[Pattern], scale: Range, rng: &mut ChaCha8Rng) -> Option<TextureSpec> {
    if patterns.is_empty() {
        return None;
    }
    let pattern = *pick(rng, patterns);
    let repeats_per_m = uniform(rng, scale);
    // A clearly different shade, darker or lighter, never the same color.
    let shade = rng.random_range(0.25..=0.55f32) * if rng.random_bool(0.5) { -1.0 } else { 1.0 };
    let seed = rng.random::<u32>();
    (pattern != Pattern::Plain).then_some(TextureSpec { pattern, repeats_per_m, shade, seed })
}

fn sample_surfaces(scene: &Loaded<SceneDef>, content: &Content, rng: &mut ChaCha8Rng) -> Vec<SurfaceSpec> {
    scene
        .def
        .surfaces
        .iter()
        .map(|surface| SurfaceSpec {
            image: surface.image.as_ref().map(|file| {
                let path = crate::content::scene_relative(&scene.path, file);
                ImageFileSpec {
                    hash: content.image_hashes.get(&path).cloned().unwrap_or_default(),
                    path: path.display().to_string(),
                    repeats_per_m: (surface.pattern_scale.0 + surface.pattern_scale.1) / 2.0,
                }
            }),
            name: surface.name.clone(),
            size: surface.size,
            position: surface.position,
            color: *pick(rng, &surface.colors),
            roughness: uniform(rng, surface.roughness),
            collider: surface.collider,
            friction: surface.friction,
            texture: sample_texture(&surface.patterns, surface.pattern_scale, rng),
        })
        .collect()
}

/// The action area on the work surface, and the work surface's extent.
struct Area {
    center: Vec3,
    half: [f32; 2],
    /// The work surface in world x and z, `[min_x, max_x, min_z, max_z]`.
    rect: [f32; 4],
}

impl Area {
    fn new(scene: &SceneDef, top: f32) -> Self {
        let [x, z] = scene.action_area.center;
        Area { center: Vec3::new(x, top, z), half: scene.action_area.half_extents, rect: [f32::NAN; 4] }
    }

    /// How far the work surface extends from `point` in horizontal direction `direction`.
    fn to_edge(&self, point: Vec3, direction: Vec3) -> f32 {
        distance_to_edge(self.rect, [point.x, point.z], [direction.x, direction.z])
    }

    /// A point at area coordinates (u along the image's right, v away from the camera), kept inside.
    fn point(&self, axes: &CameraAxes, u: f32, v: f32) -> Vec3 {
        let p = self.center + axes.right * u * self.half[0] + axes.away * v * self.half[1];
        Vec3::new(
            p.x.clamp(self.center.x - self.half[0], self.center.x + self.half[0]),
            self.center.y,
            p.z.clamp(self.center.z - self.half[1], self.center.z + self.half[1]),
        )
    }
}

fn sample_camera(scene: &SceneDef, area: &Area, rng: &mut ChaCha8Rng) -> CameraSpec {
    let def = &scene.camera;
    let azimuth = uniform(rng, def.azimuth_deg).to_radians();
    let distance = uniform(rng, def.distance);
    let height = uniform(rng, def.height);
    let fov_deg = uniform(rng, def.fov_deg);
    let jitter = def.look_at_jitter;
    let mut offset = || if jitter > 0.0 { rng.random_range(-jitter..=jitter) } else { 0.0 };
    let look_at = area.center + Vec3::new(offset(), offset(), offset());
    let position = area.center + Vec3::new(azimuth.sin() * distance, height, azimuth.cos() * distance);
    let shake_deg = uniform(rng, def.shake_deg);
    let shake = (shake_deg > 0.0).then(|| {
        let mut wave = |low: f32, high: f32| rng.random_range(low..=high);
        ShakeSpec {
            rotation_deg: shake_deg,
            translation_m: shake_deg * 0.004,
            // A hand sways at a fraction of a hertz, with a faster tremor on top.
            frequencies_hz: std::array::from_fn(|_| [wave(0.2, 0.6), wave(0.8, 1.8)]),
            phases: std::array::from_fn(|_| [wave(0.0, std::f32::consts::TAU), wave(0.0, std::f32::consts::TAU)]),
        }
    });
    // Drawn last and only where the scene asks for it, so level scenes sample as before.
    let roll_deg =
        if def.roll_deg.1 > def.roll_deg.0 || def.roll_deg.0 != 0.0 { uniform(rng, def.roll_deg) } else { 0.0 };
    let (position, look_at) = (position.to_array(), look_at.to_array());
    CameraSpec { position, look_at, fov_deg, motion: Vec::new(), shake, roll_deg }
}

/// The camera's scripted motion: dollies and turns, one after another, as keyframes.
fn sample_camera_motion(
    action: &ActionDef,
    camera: &CameraSpec,
    axes: &CameraAxes,
    time_scale: f32,
    rng: &mut ChaCha8Rng,
) -> Vec<CameraKeyframe> {
    let mut keys = Vec::new();
    let (mut position, mut look_at) = (Vec3::from(camera.position), Vec3::from(camera.look_at));
    let mut last_end = 0.0f32;
    for step in &action.script {
        let (start, duration) = match step {
            ScriptStep::CameraDolly { start, duration, .. } | ScriptStep::CameraTurn { start, duration, .. } => {
                (start, duration)
            }
            _ => continue,
        };
        let begin = (uniform_frames(rng, *start) as f32 * time_scale).max(last_end);
        let end = begin + (uniform_frames(rng, *duration) as f32 * time_scale).max(1.0);
        keys.push(CameraKeyframe { frame: begin, position: position.to_array(), look_at: look_at.to_array() });
        match step {
            ScriptStep::CameraDolly { toward, distance, .. } => {
                // Forward or back, the camera closes in on (or backs off from) what it looks at;
                // sideways, it carries its aim along.
                let shift = axes.direction(*toward) * uniform(rng, *distance);
                position += shift;
                if !matches!(toward, Side::Away | Side::Toward) {
                    look_at += shift;
                }
            }
            ScriptStep::CameraTurn { toward, degrees, .. } => {
                // Turning left is a positive rotation about +y (counter-clockwise from above).
                let sign = if *toward == Side::Left { 1.0 } else { -1.0 };
                let turn = Quat::from_rotation_y(sign * uniform(rng, *degrees).to_radians());
                look_at = position + turn * (look_at - position);
            }
            _ => unreachable!("camera steps only"),
        }
        keys.push(CameraKeyframe { frame: end, position: position.to_array(), look_at: look_at.to_array() });
        last_end = end;
    }
    keys
}

fn sample_lighting(scene: &SceneDef, area: &Area, rng: &mut ChaCha8Rng) -> LightingSpec {
    let def = &scene.lighting;
    let elevation = uniform(rng, def.sun_elevation_deg).to_radians();
    let azimuth = uniform(rng, def.sun_azimuth_deg).to_radians();
    let sun = Vec3::new(azimuth.sin() * elevation.cos(), elevation.sin(), azimuth.cos() * elevation.cos());
    let sun_illuminance = uniform(rng, def.sun_illuminance);
    let ambient_brightness = uniform(rng, def.ambient_brightness);
    let sun_temperature_k = uniform(rng, def.sun_temperature_k);
    let lamps = (0..uniform_frames(rng, def.lamps))
        .map(|_| {
            let kind = *pick(rng, &def.lamp_kinds);
            let around = rng.random_range(0.0..std::f32::consts::TAU);
            let distance = uniform(rng, def.lamp_distance);
            let height = uniform(rng, def.lamp_height);
            let position = area.center + Vec3::new(around.sin() * distance, height, around.cos() * distance);
            let aim = area.center + Vec3::new(rng.random_range(-0.1..=0.1), 0.0, rng.random_range(-0.1..=0.1));
            let temperature_k = uniform(rng, def.lamp_temperature_k);
            LampSpec {
                kind,
                position: position.to_array(),
                aim: aim.to_array(),
                intensity: uniform(rng, def.lamp_intensity),
                temperature_k,
                color: color_temperature(temperature_k),
            }
        })
        .collect();
    LightingSpec {
        sun_direction: sun.normalize().to_array(),
        sun_illuminance,
        sun_temperature_k,
        sun_color: color_temperature(sun_temperature_k),
        ambient_brightness,
        shadows: def.shadows,
        lamps,
    }
}

fn sample_shape(shape: &ShapeDef, rng: &mut ChaCha8Rng) -> ShapeSpec {
    shape_from_def(shape, |range| uniform(rng, range))
}

/// `shape` with each of its ranges turned into a number by `size`, called in the order the
/// ranges are written (the order sampling draws them in); tests pass a fixed point of each range.
pub fn shape_from_def(shape: &ShapeDef, mut size: impl FnMut(Range) -> f32) -> ShapeSpec {
    match shape {
        ShapeDef::Box { x, y, z, rounding } => {
            let extents = [size(*x), size(*y), size(*z)];
            // Drawn only for rounded kinds, so sharp ones draw as they always did.
            ShapeSpec::Box { size: extents, rounding: rounding.map_or(0.0, size) }
        }
        ShapeDef::Ball { radius } => ShapeSpec::Ball { radius: size(*radius) },
        ShapeDef::Lathe { radius, height, profile, wall } => ShapeSpec::Lathe {
            radius: size(*radius),
            height: size(*height),
            profile: profile.iter().map(|(r, y)| [*r, *y]).collect(),
            wall: wall.map(size),
        },
        ShapeDef::Cylinder { radius, height } => ShapeSpec::Cylinder { radius: size(*radius), height: size(*height) },
        ShapeDef::Extrusion { x, y, z, axis, outline } => ShapeSpec::Extrusion {
            size: [size(*x), size(*y), size(*z)],
            axis: *axis,
            outline: outline.iter().map(|(a, b)| [*a, *b]).collect(),
        },
        ShapeDef::Handle { span, reach, thickness } => {
            ShapeSpec::Handle { span: size(*span), reach: size(*reach), thickness: size(*thickness) }
        }
        ShapeDef::Mesh { size: longest, collider, loaded, .. } => {
            // Loading has read every mesh file; without it the shape is a unit box nothing draws.
            let (path, hash, proportions) = loaded.as_ref().map_or((String::new(), String::new(), [1.0; 3]), |info| {
                (info.path.display().to_string(), info.hash.clone(), info.proportions)
            });
            let scale = size(*longest);
            ShapeSpec::Mesh { path, hash, size: proportions.map(|p| p * scale), collider: *collider }
        }
    }
}

/// A new object of `kind`, its color not among `taken` where the library allows.
fn sample_object(
    kind: &ObjectKindDef,
    colors: &[ColorDef],
    taken: &[String],
    role: Option<String>,
    rng: &mut ChaCha8Rng,
) -> ObjectSpec {
    let allowed: Vec<&ColorDef> =
        colors.iter().filter(|c| kind.colors.is_empty() || kind.colors.contains(&c.name)).collect();
    let fresh: Vec<&ColorDef> = allowed.iter().copied().filter(|c| !taken.contains(&c.name)).collect();
    let color = *pick(rng, if fresh.is_empty() { &allowed } else { &fresh });
    let shape = sample_shape(&kind.shape, rng);
    let (roughness, metallic) = (uniform(rng, kind.roughness), uniform(rng, kind.metallic));
    // One draw either way, so a kind's other numbers do not depend on which it gives.
    let mass = match (kind.mass, kind.density) {
        (Some(mass), _) => uniform(rng, mass),
        (None, Some(density)) => uniform(rng, density) * crate::world::volume(&shape),
        (None, None) => uniform(rng, Range(0.1, 0.1)),
    };
    let (friction, restitution) = (uniform(rng, kind.friction), uniform(rng, kind.restitution));
    // Objects' patterns repeat about 25 times a metre (a few times across a mug).
    let texture = sample_texture(&kind.patterns, Range(15.0, 40.0), rng);
    // Drawn last, so kinds without parts sample as they always did.
    let parts = sample_parts(kind, &shape, color.srgb, colors, rng);
    let mass = match kind.density {
        // Parts weigh as the body does for their volume.
        Some(_) if kind.mass.is_none() && !parts.is_empty() => {
            let body = crate::world::volume(&shape);
            mass * (body + parts.iter().map(|part| crate::world::volume(&part.shape)).sum::<f32>()) / body.max(1e-12)
        }
        _ => mass,
    };
    ObjectSpec {
        kind: kind.name.clone(),
        name: object_name(kind, &color.name),
        role,
        shape,
        color_word: color.name.clone(),
        color: color.srgb,
        roughness,
        metallic,
        mass,
        friction,
        restitution,
        position: [0.0; 3],
        rotation: Quat::IDENTITY.to_array(),
        held_until_frame: None,
        fixed: false,
        texture,
        parts,
    }
}

/// The role objects' kinds, sizes and materials; [`set_up_roles`] places them.
fn sample_role_objects(
    scene: &SceneDef,
    action: &ActionDef,
    content: &Content,
    rng: &mut ChaCha8Rng,
) -> Vec<ObjectSpec> {
    let colors = &content.objects.def.colors;
    let mut objects: Vec<ObjectSpec> = Vec::new();
    for role in &action.roles {
        let fitting: Vec<&ObjectKindDef> = content.scene_kinds(scene).filter(|kind| role.fits(kind)).collect();
        let kind = *pick(rng, &fitting);
        let taken: Vec<String> = objects.iter().map(|o| o.color_word.clone()).collect();
        objects.push(sample_object(kind, colors, &taken, Some(role.name.clone()), rng));
    }
    for (index, role) in action.roles.iter().enumerate() {
        let Some(into) = &role.fits_into else { continue };
        let Some(container) = objects.iter().find(|o| o.role.as_ref() == Some(into)) else { continue };
        let Some(opening) = container.opening_radius() else { continue };
        let depth = 2.0 * container.shape.half_extents()[1];
        objects[index] = fitting_object(&objects[index], (opening, depth), content, scene, role, rng);
    }
    objects
}

/// An object for `role` that passes through an opening of radius `opening` with a margin and is
/// no taller than the container's `depth` (so it ends inside, not standing out of a plate): the
/// one drawn if it does, else the first of up to 40 draws among the role's kinds that can at
/// their smallest (the last draw if none does; verification then rejects the attempt).
fn fitting_object(
    drawn: &ObjectSpec,
    (opening, depth): (f32, f32),
    content: &Content,
    scene: &SceneDef,
    role: &crate::content::RoleDef,
    rng: &mut ChaCha8Rng,
) -> ObjectSpec {
    // Its farthest reach round its centre, corners included (a box's diagonal).
    let widest = |object: &ObjectSpec| {
        let turn = |k: u32| Quat::from_rotation_y(k as f32 * std::f32::consts::TAU / 16.0) * Vec3::X;
        (0..16).map(|k| reach(object, turn(k))).fold(0.0, f32::max)
    };
    let fits = |object: &ObjectSpec| widest(object) <= 0.8 * opening && 2.0 * reach(object, Vec3::Y) <= depth;
    let smallest = |kind: &ObjectKindDef| {
        let shape = shape_from_def(&kind.shape, |range| range.0);
        let parts = sample_parts(kind, &shape, [1.0; 3], &[], &mut AtFraction(0.0));
        ObjectSpec { shape, parts, ..drawn.clone() }
    };
    let kinds: Vec<&ObjectKindDef> =
        content.scene_kinds(scene).filter(|kind| role.fits(kind) && fits(&smallest(kind))).collect();
    let mut object = drawn.clone();
    for _ in 0..40 {
        if fits(&object) || kinds.is_empty() {
            break;
        }
        let kind = *pick(rng, &kinds);
        object = sample_object(kind, &content.objects.def.colors, &[], Some(role.name.clone()), rng);
    }
    object
}

/// Where the (first) object playing `role` is in `objects`; validation guarantees one does.
fn role_index(role: &str, objects: &[ObjectSpec]) -> usize {
    objects.iter().position(|o| o.role.as_deref() == Some(role)).expect("validated role")
}

/// The action's props, fixed in place; each plays the role named after it.
fn place_props(action: &ActionDef, area: &Area, axes: &CameraAxes, rng: &mut ChaCha8Rng) -> Vec<ObjectSpec> {
    action
        .props
        .iter()
        .map(|prop| match prop {
            PropDef::Ramp { name, u, v, downhill, length, width, thickness, angle_deg, colors } => {
                let (u, v) = (uniform(rng, *u), uniform(rng, *v));
                let (length, width, thickness) =
                    (uniform(rng, *length), uniform(rng, *width), uniform(rng, *thickness));
                let board = [length, thickness, width];
                let angle = uniform(rng, *angle_deg).to_radians();
                let color = *pick(rng, colors);
                let mut ramp = ramp_object(area.point(axes, u, v), -axes.direction(*downhill), board, angle, color);
                ramp.role = Some(name.clone());
                ramp
            }
        })
        .collect()
}

/// A fixed board of `size` (length along the slope, thickness, width) leaning at `angle` radians,
/// rising toward `uphill`, the bottom edge of its low end resting on the work surface at `ground`.
fn ramp_object(ground: Vec3, uphill: Vec3, size: [f32; 3], angle: f32, color: [f32; 3]) -> ObjectSpec {
    let [length, thickness, _] = size;
    // Local x runs up the slope, local y is the board's normal, local z across it.
    let along = uphill * angle.cos() + Vec3::Y * angle.sin();
    let normal = -uphill * angle.sin() + Vec3::Y * angle.cos();
    let rotation = Quat::from_mat3(&Mat3::from_cols(along, normal, along.cross(normal)));
    let lift = length / 2.0 * angle.sin() + thickness / 2.0 * angle.cos();
    ObjectSpec {
        kind: "ramp".into(),
        name: "a ramp".into(),
        role: None,
        shape: ShapeSpec::Box { size, rounding: 0.0 },
        color_word: String::new(),
        color,
        roughness: 0.7,
        metallic: 0.0,
        mass: 1.0,
        friction: 0.8,
        restitution: 0.05,
        position: (ground + Vec3::Y * lift).to_array(),
        rotation: rotation.to_array(),
        held_until_frame: None,
        fixed: true,
        texture: None,
        parts: Vec::new(),
    }
}

/// The horizontal axis `offset`/`across` values run along for a side: the image's right for a
/// toward/away side, away from the camera for a left/right one.
fn across_axis(axes: &CameraAxes, side: Side) -> Vec3 {
    if matches!(side, Side::Toward | Side::Away) { axes.right } else { axes.away }
}

/// Places the role objects by the action's setup steps, in order.
fn set_up_roles(
    action: &ActionDef,
    objects: &mut Vec<ObjectSpec>,
    area: &Area,
    axes: &CameraAxes,
    rng: &mut ChaCha8Rng,
) {
    // Role objects face the camera squarely, with a little yaw so boxes are not all aligned.
    let facing = Quat::from_mat3(&Mat3::from_cols(axes.right, Vec3::Y, -axes.away));
    for step in &action.setup {
        let this = role_index(step.role(), objects);
        let yaw = Quat::from_rotation_y(rng.random_range(-0.3..=0.3));
        objects[this].rotation = (yaw * facing).to_array();
        let object = &objects[this].clone();
        let standing = |ground: Vec3| ground + Vec3::Y * reach(object, Vec3::NEG_Y);
        let position = match step {
            SetupStep::Place { u, v, .. } => standing(area.point(axes, uniform(rng, *u), uniform(rng, *v))),
            SetupStep::Hold { u, v, height, .. } => {
                let ground = area.point(axes, uniform(rng, *u), uniform(rng, *v));
                standing(ground) + Vec3::Y * uniform(rng, *height)
            }
            SetupStep::PlaceBeside { of, side, gap, offset, .. } => {
                let other = &objects[role_index(of, objects)];
                let out = axes.direction(*side);
                let distance = reach(other, out) + uniform(rng, *gap) + reach(object, -out);
                let shift = across_axis(axes, *side) * uniform(rng, *offset);
                let centre = Vec3::from(other.position) + out * distance + shift;
                standing(Vec3::new(centre.x, area.center.y, centre.z))
            }
            SetupStep::HoldAbove { over, height, offset, .. } => {
                let other = &objects[role_index(over, objects)];
                let top = other.position[1] + reach(other, Vec3::Y);
                let (radius, angle) = (uniform(rng, *offset), rng.random_range(0.0..std::f32::consts::TAU));
                Vec3::new(
                    other.position[0] + radius * angle.cos(),
                    top + uniform(rng, *height) + reach(object, Vec3::NEG_Y),
                    other.position[2] + radius * angle.sin(),
                )
            }
            SetupStep::NearEdge { toward, from_edge, across, .. } => {
                let across = uniform(rng, *across);
                let start = if matches!(toward, Side::Toward | Side::Away) {
                    area.point(axes, across, 0.0)
                } else {
                    area.point(axes, 0.0, across)
                };
                let out = axes.direction(*toward);
                standing(start + out * (area.to_edge(start, out) - uniform(rng, *from_edge)))
            }
            SetupStep::Stack { count, u, v, .. } => {
                // The bottom piece is the role's object; copies go on top, each a little askew.
                let bottom = standing(area.point(axes, uniform(rng, *u), uniform(rng, *v)));
                let height = 2.0 * reach(object, Vec3::Y);
                let pieces = uniform_frames(rng, *count);
                let mut copies = Vec::new();
                for level in 1..pieces {
                    let mut piece = object.clone();
                    let nudge = Vec3::new(rng.random_range(-0.002..=0.002), 0.0, rng.random_range(-0.002..=0.002));
                    let twist = Quat::from_rotation_y(rng.random_range(-0.08..=0.08));
                    piece.position = (bottom + Vec3::Y * (level as f32 * height) + nudge).to_array();
                    piece.rotation = (twist * Quat::from_array(object.rotation)).to_array();
                    copies.push(piece);
                }
                objects[this].position = bottom.to_array();
                objects.extend(copies);
                continue;
            }
            SetupStep::OnRamp { ramp, at, .. } => {
                let board = &objects[role_index(ramp, objects)];
                let ShapeSpec::Box { size: [length, thickness, _], .. } = board.shape else {
                    unreachable!("ramps are boxes")
                };
                let rotation = Quat::from_array(board.rotation);
                let surface = Vec3::from(board.position)
                    + rotation * Vec3::new((uniform(rng, *at) - 0.5) * length, thickness / 2.0, 0.0);
                let normal = rotation * Vec3::Y;
                surface + normal * (reach(object, -normal) + 0.001)
            }
        };
        objects[this].position = position.to_array();
    }
}

/// How far an object's surface is from its centre along a world direction.
pub fn reach(object: &ObjectSpec, direction: Vec3) -> f32 {
    let local = Quat::from_array(object.rotation).inverse() * direction;
    // A part reaches as far as its centre's offset along the direction plus its own reach.
    let parts = object.parts.iter().map(|part| {
        let rotation = Quat::from_array(part.rotation);
        Vec3::from(part.offset).dot(local) + shape_reach(&part.shape, rotation.inverse() * local)
    });
    parts.fold(shape_reach(&object.shape, local), f32::max)
}

/// How far a shape's surface is from its centre along a direction in its own frame.
fn shape_reach(shape: &ShapeSpec, local: Vec3) -> f32 {
    match *shape {
        ShapeSpec::Ball { radius } => radius,
        // Rounding only takes from the box's corners: the box's support bounds it. An extruded
        // outline, a mesh and a handle lie within their boxes.
        ShapeSpec::Box { .. } | ShapeSpec::Extrusion { .. } | ShapeSpec::Mesh { .. } | ShapeSpec::Handle { .. } => {
            // Support distance of a box: sum of |local_i| * half_i.
            let half = Vec3::from(shape.half_extents());
            local.abs().dot(half)
        }
        // A lathe shape reaches no farther than the cylinder of its largest radius.
        ShapeSpec::Cylinder { radius, height } | ShapeSpec::Lathe { radius, height, .. } => {
            let horizontal = Vec3::new(local.x, 0.0, local.z).length();
            horizontal * radius + local.y.abs() * height / 2.0
        }
    }
}

/// Where a clip's actors move: the camera's ground axes, the action area, the view at frame 0
/// (for actors that enter from outside it), and the clip's timing.
struct Stage<'a> {
    axes: &'a CameraAxes,
    area: &'a Area,
    view: CameraModel,
    /// Script frames to clip frames.
    time_scale: f32,
}

/// The actors whose paths distractors keep clear of: this clip's, and in a group with an
/// opening, those every other member would have drawn from the same seed, so where distractors
/// stand says nothing about which member the clip is.
fn paths_to_keep_clear(
    content: &Content,
    action: &ActionDef,
    mirrored: bool,
    actors: &[ActorSpec],
    objects: &[ObjectSpec],
    stage: &Stage,
    seed: u64,
) -> Vec<ActorSpec> {
    let mut keep_clear = actors.to_vec();
    let Some(group) = content.group_of(&action.name).filter(|g| g.def.opening.is_some()) else { return keep_clear };
    for member in group.def.members.iter().filter(|m| **m != action.name) {
        let Some(other) = content.action(member) else { continue };
        let def = if mirrored { other.def.mirrored() } else { other.def.clone() };
        keep_clear.extend(sample_actors(&def, &mut objects.to_vec(), stage, &mut stream(seed, "actor")));
    }
    keep_clear
}

/// Distractors anywhere in the area, clear of the role objects and of the actor's path.
fn place_distractors(
    scene: &SceneDef,
    content: &Content,
    area: &Area,
    keep_clear_of: &[ActorSpec],
    objects: &mut Vec<ObjectSpec>,
    rng: &mut ChaCha8Rng,
) {
    let count = uniform_frames(rng, scene.distractors);
    let kinds: Vec<&ObjectKindDef> = content.scene_kinds(scene).collect();
    let axes_free = CameraAxes { right: Vec3::X, away: Vec3::NEG_Z };
    let mut keep_clear = zones_to_keep_clear(objects, keep_clear_of);
    for _ in 0..count {
        let kind = *pick(rng, &kinds);
        let taken: Vec<String> = objects.iter().filter(|o| o.role.is_some()).map(|o| o.color_word.clone()).collect();
        let mut object = sample_object(kind, &content.objects.def.colors, &taken, None, rng);
        let (hy, radius) = (object.shape.half_extents()[1], object.footprint_radius());
        let yaw = rng.random_range(0.0..std::f32::consts::TAU);
        let mut placed = false;
        for _try in 0..30 {
            let u = rng.random_range(-1.0..=1.0f32);
            let v = rng.random_range(-1.0..=1.0f32);
            let ground = area.point(&axes_free, u, v);
            let clear = keep_clear
                .iter()
                .all(|(point, r)| Vec3::new(point.x - ground.x, 0.0, point.z - ground.z).length() > r + radius + 0.02);
            if clear {
                object.position = (ground + Vec3::Y * hy).to_array();
                object.rotation = Quat::from_rotation_y(yaw).to_array();
                keep_clear.push((ground, radius + 0.02));
                placed = true;
                break;
            }
        }
        if placed {
            objects.push(object);
        }
    }
}

/// Discs on the ground that nothing else may be placed in: every object's footprint with a margin,
/// and points finely along each actor's path.
fn zones_to_keep_clear(objects: &[ObjectSpec], actors: &[ActorSpec]) -> Vec<(Vec3, f32)> {
    let mut zones: Vec<(Vec3, f32)> =
        objects.iter().map(|o| (Vec3::from(o.position), o.footprint_radius() + 0.04)).collect();
    for actor in actors {
        if let (Some(first), Some(last)) = (actor.path.first(), actor.path.last()) {
            let steps = 40;
            for i in 0..=steps {
                let frame = first.frame + (last.frame - first.frame) * i as f32 / steps as f32;
                zones.push((Vec3::from(actor.position_at(frame)), 0.12));
            }
        }
    }
    zones
}

/// A point on the work surface whose disc of `radius` keeps clear of every zone, or none after 30
/// tries.
fn free_spot(area: &Area, zones: &[(Vec3, f32)], radius: f32, rng: &mut ChaCha8Rng) -> Option<Vec3> {
    let axes_free = CameraAxes { right: Vec3::X, away: Vec3::NEG_Z };
    (0..30).find_map(|_| {
        let ground = area.point(&axes_free, rng.random_range(-1.0..=1.0f32), rng.random_range(-1.0..=1.0f32));
        let clear = zones
            .iter()
            .all(|(point, r)| Vec3::new(point.x - ground.x, 0.0, point.z - ground.z).length() > r + radius + 0.02);
        clear.then_some(ground)
    })
}

/// Clutter: with the scene's shares, a ramp, a stack of boxes and an object held in the air by an
/// idle hand stand clear of the action, so what some classes need does not name them. Drawn from
/// its own stream, so a clip without clutter is what it was without the feature; in a group with
/// an opening, `keep_clear_of` holds every member's actor paths, so all members get the same.
fn place_clutter(
    scene: &SceneDef,
    content: &Content,
    stage: &Stage,
    keep_clear_of: &[ActorSpec],
    objects: &mut Vec<ObjectSpec>,
    actors: &mut Vec<ActorSpec>,
    rng: &mut ChaCha8Rng,
) {
    let (area, clutter) = (stage.area, scene.clutter);
    let (ramp, stack, held) = (
        rng.random_bool(clutter.ramp as f64),
        rng.random_bool(clutter.stack as f64),
        rng.random_bool(clutter.held as f64),
    );
    let kinds: Vec<&ObjectKindDef> = content.scene_kinds(scene).collect();
    let mut zones = zones_to_keep_clear(objects, keep_clear_of);
    if ramp {
        let board =
            [rng.random_range(0.24..=0.3f32), rng.random_range(0.012..=0.018f32), rng.random_range(0.12..=0.16f32)];
        let angle = rng.random_range(6.0..=10.0f32).to_radians();
        let yaw = Quat::from_rotation_y(rng.random_range(0.0..std::f32::consts::TAU));
        let color = *pick(rng, &crate::content::default_ramp_colors());
        // The board's centre lies half its length uphill of where its low end touches down.
        if let Some(centre) = free_spot(area, &zones, board[0] / 2.0 + 0.02, rng) {
            let uphill = yaw * Vec3::X;
            let object = ramp_object(centre - uphill * board[0] / 2.0, uphill, board, angle, color);
            zones.push((centre, board[0] / 2.0 + 0.04));
            objects.push(object);
        }
    }
    let stackable: Vec<&ObjectKindDef> = kinds
        .iter()
        .copied()
        .filter(|k| k.has_trait(crate::content::ObjectTrait::Chunky) && k.has_trait(crate::content::ObjectTrait::Squat))
        .collect();
    if stack && !stackable.is_empty() {
        let kind = *pick(rng, &stackable);
        let mut piece = sample_object(kind, &content.objects.def.colors, &[], None, rng);
        let count = rng.random_range(2..=3u32);
        let yaw = rng.random_range(0.0..std::f32::consts::TAU);
        let (hy, radius) = (piece.shape.half_extents()[1], piece.footprint_radius());
        if let Some(ground) = free_spot(area, &zones, radius, rng) {
            for level in 0..count {
                let twist = Quat::from_rotation_y(yaw + rng.random_range(-0.08..=0.08f32));
                piece.position = (ground + Vec3::Y * (hy + level as f32 * 2.0 * hy)).to_array();
                piece.rotation = twist.to_array();
                objects.push(piece.clone());
            }
            zones.push((ground, radius + 0.04));
        }
    }
    if held && !kinds.is_empty() {
        let kind = *pick(rng, &kinds);
        let mut object = sample_object(kind, &content.objects.def.colors, &[], None, rng);
        let height = rng.random_range(0.1..=0.2f32);
        let yaw = rng.random_range(0.0..std::f32::consts::TAU);
        let (hy, radius) = (object.shape.half_extents()[1], object.footprint_radius());
        if let Some(ground) = free_spot(area, &zones, radius + 0.06, rng) {
            object.position = (ground + Vec3::Y * (height + hy)).to_array();
            object.rotation = Quat::from_rotation_y(yaw).to_array();
            // Held past the last frame: it never drops.
            object.held_until_frame = Some(u32::MAX);
            let holder = idle_hand_above(&object, actors, stage.axes, rng);
            objects.push(object);
            actors.push(holder);
        }
    }
}

/// A hand resting on top of `object` from above for the whole clip, holding it still; it takes the
/// skin tone and size of the clip's other hands.
fn idle_hand_above(object: &ObjectSpec, actors: &[ActorSpec], axes: &CameraAxes, rng: &mut ChaCha8Rng) -> ActorSpec {
    let (mut color, mut scale) = (*pick(rng, &actor::SKIN_TONES), rng.random_range(0.9..=1.1f32));
    if let Some(hand) = actors.iter().find(|a| a.kind == ActorKind::Hand) {
        (color, scale) = (hand.color, hand.scale);
    }
    let top = Vec3::from(object.position) + Vec3::Y * (reach(object, Vec3::Y) + rng.random_range(0.004..=0.008f32));
    ActorSpec {
        kind: ActorKind::Hand,
        color,
        scale,
        facing: Side::Down,
        rotation: facing_rotation(Vec3::NEG_Y, axes).to_array(),
        path: vec![ActorKeyframe { frame: 0.0, position: top.to_array() }],
        grips: Vec::new(),
        idle: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_placeholders_in_order_with_capitals_where_the_template_has_them() {
        let names = vec!["a red mug".to_string(), "a ball".to_string()];
        assert_eq!(
            fill_template("Pushing [something] from left to right", &names),
            "Pushing a red mug from left to right"
        );
        assert_eq!(fill_template("[Something] falling like a rock", &names), "A red mug falling like a rock");
        assert_eq!(fill_template("Dropping [something] onto [something]", &names), "Dropping a red mug onto a ball");
    }

    #[test]
    fn a_kind_with_a_density_weighs_its_volume_times_it() {
        let kind: ObjectKindDef = ron::Options::default()
            .with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME)
            .from_str(
                r#"ObjectKindDef(name: "brick", noun: "brick", shape: Box(x: (0.2, 0.22), y: (0.05, 0.06), z: (0.09, 0.1)),
                    density: (1800.0, 2000.0), friction: (0.6, 0.7), restitution: (0.0, 0.05))"#,
            )
            .unwrap();
        let colors = [ColorDef { name: "red".into(), srgb: [0.8, 0.1, 0.1] }];
        for seed in 0..20 {
            let object =
                sample_object(&kind, &colors, &[], None, &mut <ChaCha8Rng as rand::SeedableRng>::seed_from_u64(seed));
            let density = object.mass / crate::world::volume(&object.shape);
            assert!((1800.0..=2000.0).contains(&density), "{density} kg/m3 from {} kg", object.mass);
        }
    }
}
