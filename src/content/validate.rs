//! Meaning checks after parsing: ranges in order, names that resolve, scripts that can run.
//!
//! Each check names the field by its path so [`super::Loaded::problem`] can point at its line.

mod action;

use std::collections::BTreeSet;

use action::validate_action;

use super::defs::*;
use super::load::{Content, Loaded, Problem};

pub(super) fn validate(content: &Content) -> Vec<Problem> {
    let mut problems = Vec::new();
    validate_library(&content.objects, &mut problems);
    let mut scene_names = BTreeSet::new();
    for scene in &content.scenes {
        if !scene_names.insert(scene.def.name.clone()) {
            problems.push(scene.problem("name", format!("another scene file is also named `{}`", scene.def.name)));
        }
        validate_scene(scene, &content.objects.def, &mut problems);
    }
    let mut action_names = BTreeSet::new();
    for action in &content.actions {
        if !action_names.insert(action.def.name.clone()) {
            problems.push(action.problem("name", format!("another action file is also named `{}`", action.def.name)));
        }
        let mut found = Vec::new();
        validate_action(action, content, &mut found);
        problems.extend(found.into_iter().map(|problem| super::group::relocate(content, action, problem)));
    }
    super::group::validate_groups(content, &mut problems);
    problems
}

struct Checker<'a, T> {
    file: &'a Loaded<T>,
    problems: &'a mut Vec<Problem>,
}

impl<T> Checker<'_, T> {
    fn fail(&mut self, field: impl AsRef<str>, message: impl Into<String>) {
        let problem = self.file.problem(field.as_ref(), message);
        self.problems.push(problem);
    }

    /// `min <= max`, both finite and inside `[low, high]`.
    fn range(&mut self, field: impl AsRef<str>, range: Range, low: f32, high: f32) {
        let field = field.as_ref();
        let Range(min, max) = range;
        if !(min.is_finite() && max.is_finite()) {
            self.fail(field, "range bounds must be finite numbers");
        } else if min > max {
            self.fail(field, format!("range minimum {min} is greater than its maximum {max}"));
        } else if min < low || max > high {
            self.fail(field, format!("range ({min}, {max}) must lie within ({low}, {high})"));
        }
    }

    fn frames(&mut self, field: impl AsRef<str>, range: FrameRange) {
        if range.0 > range.1 {
            self.fail(field, format!("frame range minimum {} is greater than its maximum {}", range.0, range.1));
        }
    }

    /// A motion's timing: when it starts (its `start` or `delay` field) and a duration of at
    /// least one frame.
    fn motion(&mut self, at: &str, start_field: &str, start: FrameRange, duration: FrameRange) {
        self.frames(format!("{at}.{start_field}"), start);
        self.frames(format!("{at}.duration"), duration);
        if duration.0 == 0 {
            self.fail(format!("{at}.duration"), "a motion lasts at least one frame");
        }
    }

    fn srgb(&mut self, field: impl AsRef<str>, color: [f32; 3]) {
        if color.iter().any(|c| !(0.0..=1.0).contains(c)) {
            self.fail(field, format!("color {color:?} must have components in 0..1 (sRGB)"));
        }
    }

    fn name(&mut self, field: &str, name: &str) {
        if name.trim().is_empty() {
            self.fail(field, "must not be empty");
        }
    }
}

fn validate_library(library: &Loaded<ObjectLibraryDef>, problems: &mut Vec<Problem>) {
    let mut check = Checker { file: library, problems };
    let def = &library.def;
    let mut colors = BTreeSet::new();
    for (i, color) in def.colors.iter().enumerate() {
        check.name(&format!("colors[{i}].name"), &color.name);
        if !colors.insert(color.name.as_str()) {
            check.fail(format!("colors[{i}].name"), format!("color `{}` is defined twice", color.name));
        }
        check.srgb(format!("colors[{i}].srgb"), color.srgb);
    }
    if def.colors.is_empty() {
        check.fail("colors", "the library needs at least one color");
    }
    let mut kinds = BTreeSet::new();
    for (i, kind) in def.kinds.iter().enumerate() {
        let at = format!("kinds[{i}]");
        check.name(&format!("{at}.name"), &kind.name);
        check.name(&format!("{at}.noun"), &kind.noun);
        if !kinds.insert(kind.name.as_str()) {
            check.fail(format!("{at}.name"), format!("object kind `{}` is defined twice", kind.name));
        }
        for (j, color) in kind.colors.iter().enumerate() {
            if !colors.contains(color.as_str()) {
                check.fail(
                    format!("{at}.colors[{j}]"),
                    format!("unknown color `{color}`; the library defines: {}", joined(&colors)),
                );
            }
        }
        match &kind.shape {
            ShapeDef::Box { x, y, z, rounding } => {
                for (axis, range) in [("x", x), ("y", y), ("z", z)] {
                    check.range(format!("{at}.shape.{axis}"), *range, 0.005, 2.0);
                }
                if let Some(rounding) = rounding {
                    let smallest = x.0.min(y.0).min(z.0);
                    check.range(format!("{at}.shape.rounding"), *rounding, 0.0, smallest / 2.0);
                }
            }
            ShapeDef::Ball { radius } => check.range(format!("{at}.shape.radius"), *radius, 0.005, 1.0),
            ShapeDef::Cylinder { radius, height } => {
                check.range(format!("{at}.shape.radius"), *radius, 0.005, 1.0);
                check.range(format!("{at}.shape.height"), *height, 0.005, 2.0);
            }
            ShapeDef::Lathe { radius, height, profile, wall } => {
                check.range(format!("{at}.shape.radius"), *radius, 0.005, 1.0);
                check.range(format!("{at}.shape.height"), *height, 0.005, 2.0);
                check_profile(&mut check, &format!("{at}.shape"), profile, *radius, *wall);
            }
            ShapeDef::Extrusion { x, y, z, outline, .. } => {
                for (axis, range) in [("x", x), ("y", y), ("z", z)] {
                    check.range(format!("{at}.shape.{axis}"), *range, 0.002, 2.0);
                }
                if let Some(problem) = crate::world::extrusion::outline_problem(outline) {
                    check.fail(format!("{at}.shape.outline"), problem);
                }
            }
            // The file itself was read and checked as the library loaded.
            ShapeDef::Mesh { size, .. } => check.range(format!("{at}.shape.size"), *size, 0.01, 2.0),
            ShapeDef::Handle { .. } => check.fail(format!("{at}.shape"), "a `Handle` is only a part (see `parts`)"),
        }
        for (j, part) in kind.parts.iter().enumerate() {
            check_part(&mut check, &format!("{at}.parts[{j}]"), part, &colors);
        }
        match (kind.mass, kind.density) {
            (Some(mass), None) => check.range(format!("{at}.mass"), mass, 0.001, 100.0),
            (None, Some(density)) => check.range(format!("{at}.density"), density, 10.0, 25_000.0),
            (Some(_), Some(_)) => check.fail(format!("{at}.density"), "give `mass` or `density`, not both"),
            (None, None) => {
                check.fail(format!("{at}.mass"), "give `mass` (kilograms) or `density` (kg per cubic metre)")
            }
        }
        check.range(format!("{at}.friction"), kind.friction, 0.0, 2.0);
        check.range(format!("{at}.restitution"), kind.restitution, 0.0, 1.0);
        check.range(format!("{at}.roughness"), kind.roughness, 0.0, 1.0);
        check.range(format!("{at}.metallic"), kind.metallic, 0.0, 1.0);
    }
    if def.kinds.is_empty() {
        check.fail("kinds", "the library needs at least one object kind");
    }
}

/// A part: a shape in fractions of its body (0.01 to 3 of each), placed where its shape can go
/// (a `Handle` against the side, anything else on an end), in the library's colors.
fn check_part(check: &mut Checker<ObjectLibraryDef>, at: &str, part: &PartDef, colors: &BTreeSet<&str>) {
    check.name(&format!("{at}.name"), &part.name);
    let fraction = |check: &mut Checker<ObjectLibraryDef>, name: &str, range: Range| {
        check.range(format!("{at}.shape.{name}"), range, 0.01, 3.0)
    };
    match &part.shape {
        ShapeDef::Box { x, y, z, rounding } => {
            [("x", x), ("y", y), ("z", z)].into_iter().for_each(|(name, r)| fraction(check, name, *r));
            if let Some(rounding) = rounding {
                check.range(format!("{at}.shape.rounding"), *rounding, 0.0, 1.0);
            }
        }
        ShapeDef::Ball { radius } => fraction(check, "radius", *radius),
        ShapeDef::Cylinder { radius, height } => {
            fraction(check, "radius", *radius);
            fraction(check, "height", *height);
        }
        ShapeDef::Lathe { radius, height, profile, wall } => {
            fraction(check, "radius", *radius);
            fraction(check, "height", *height);
            check_profile(check, &format!("{at}.shape"), profile, *radius, *wall);
        }
        ShapeDef::Handle { span, reach, thickness } => {
            [("span", span), ("reach", reach), ("thickness", thickness)]
                .into_iter()
                .for_each(|(name, r)| fraction(check, name, *r));
        }
        ShapeDef::Extrusion { .. } | ShapeDef::Mesh { .. } => {
            check.fail(format!("{at}.shape"), "a part is a `Box`, `Cylinder`, `Ball`, `Lathe` or `Handle`")
        }
    }
    let handle = matches!(part.shape, ShapeDef::Handle { .. });
    match part.place {
        PartPlace::End { sink, .. } if !handle => check.range(format!("{at}.place.sink"), sink, 0.0, 1.0),
        PartPlace::Side { height } if handle => check.range(format!("{at}.place.height"), height, 0.0, 1.0),
        PartPlace::End { .. } => check.fail(format!("{at}.place"), "a `Handle` goes on the `Side`"),
        PartPlace::Side { .. } => {
            check.fail(format!("{at}.place"), "only a `Handle` goes on the `Side`; other parts on an `End`")
        }
    }
    check.range(format!("{at}.turn"), part.turn, -360.0, 360.0);
    for (k, color) in part.colors.iter().enumerate() {
        if !colors.contains(color.as_str()) {
            check.fail(
                format!("{at}.colors[{k}]"),
                format!("unknown color `{color}`; the library defines: {}", joined(colors)),
            );
        }
    }
    check.range(format!("{at}.roughness"), part.roughness, 0.0, 1.0);
    check.range(format!("{at}.metallic"), part.metallic, 0.0, 1.0);
}

/// The largest extent or distance from the origin a scene may use, metres.
const MAX_SCENE_METRES: f32 = 1000.0;
/// The most distractors a clip may show (each needs room on the work surface).
const MAX_DISTRACTORS: u32 = 20;

/// The action area: finite, with positive half extents, on the work surface's top, which objects
/// stand on (so it must collide).
fn check_action_area(check: &mut Checker<SceneDef>, def: &SceneDef) {
    let area = &def.action_area;
    let finite = area.center.iter().chain(&area.half_extents).all(|v| v.is_finite());
    if !finite {
        check.fail("action_area", "centre and half extents must be finite numbers of metres");
        return;
    }
    if area.half_extents.iter().any(|h| *h <= 0.0) {
        check.fail("action_area.half_extents", "half extents must be positive");
        return;
    }
    let Some(work) = def.surfaces.iter().find(|s| s.name == def.work_surface) else { return };
    if !work.collider {
        check.fail("work_surface", format!("surface `{}` has `collider: false`: nothing could stand on it", work.name));
    }
    let (half_x, half_z) = (work.size[0] / 2.0, work.size[2] / 2.0);
    let inside = (0..2).all(|axis| {
        let (centre, half, surface_centre, surface_half) =
            (area.center[axis], area.half_extents[axis], work.position[axis * 2], [half_x, half_z][axis]);
        centre - half >= surface_centre - surface_half - 1e-4 && centre + half <= surface_centre + surface_half + 1e-4
    });
    if !inside {
        let message = format!(
            "the action area must lie on the work surface `{}` (x {:.3} to {:.3}, z {:.3} to {:.3})",
            work.name,
            work.position[0] - half_x,
            work.position[0] + half_x,
            work.position[2] - half_z,
            work.position[2] + half_z
        );
        check.fail("action_area", message);
    }
}

fn validate_scene(scene: &Loaded<SceneDef>, library: &ObjectLibraryDef, problems: &mut Vec<Problem>) {
    let mut check = Checker { file: scene, problems };
    let def = &scene.def;
    check.name("name", &def.name);
    let mut surfaces = BTreeSet::new();
    for (i, surface) in def.surfaces.iter().enumerate() {
        let at = format!("surfaces[{i}]");
        check.name(&format!("{at}.name"), &surface.name);
        if !surfaces.insert(surface.name.as_str()) {
            check.fail(format!("{at}.name"), format!("surface `{}` is defined twice", surface.name));
        }
        if surface.size.iter().any(|s| !(s.is_finite() && *s > 0.0 && *s <= MAX_SCENE_METRES)) {
            check.fail(
                format!("{at}.size"),
                format!("every extent must be a positive number of metres, at most {MAX_SCENE_METRES}"),
            );
        }
        if surface.position.iter().any(|p| !(p.is_finite() && p.abs() <= MAX_SCENE_METRES)) {
            check.fail(
                format!("{at}.position"),
                format!("every coordinate must be a number of metres within {MAX_SCENE_METRES} of the origin"),
            );
        }
        if !(0.0..=2.0).contains(&surface.friction) {
            check.fail(format!("{at}.friction"), "friction must be 0 to 2");
        }
        if surface.colors.is_empty() {
            check.fail(format!("{at}.colors"), "give at least one color to choose from");
        }
        for (j, color) in surface.colors.iter().enumerate() {
            check.srgb(format!("{at}.colors[{j}]"), *color);
        }
        check.range(format!("{at}.roughness"), surface.roughness, 0.0, 1.0);
        check.range(format!("{at}.pattern_scale"), surface.pattern_scale, 0.01, 1000.0);
        if let Some(image) = &surface.image {
            let path = scene_relative(&scene.path, image);
            if !super::files::is_file(&path) {
                check.fail(format!("{at}.image"), format!("no such image file: {}", path.display()));
            } else if let Err(error) = super::files::read_image(&path) {
                check.fail(format!("{at}.image"), format!("cannot read {} as an image: {error}", path.display()));
            }
        }
    }
    if !surfaces.contains(def.work_surface.as_str()) {
        check.fail(
            "work_surface",
            format!("no surface named `{}`; the scene defines: {}", def.work_surface, joined(&surfaces)),
        );
    }
    check_action_area(&mut check, def);
    if def.objects.is_empty() {
        check.fail("objects", "list at least one object kind");
    }
    for (i, kind) in def.objects.iter().enumerate() {
        if !library.kinds.iter().any(|k| &k.name == kind) {
            let known: BTreeSet<&str> = library.kinds.iter().map(|k| k.name.as_str()).collect();
            check.fail(
                format!("objects[{i}]"),
                format!("unknown object kind `{kind}`; the object library has: {}", joined(&known)),
            );
        }
    }
    check.frames("distractors", def.distractors);
    if def.distractors.1 > MAX_DISTRACTORS {
        check.fail("distractors", format!("at most {MAX_DISTRACTORS} distractors a clip"));
    }
    let clutter = &def.clutter;
    for (field, share) in [("ramp", clutter.ramp), ("stack", clutter.stack), ("held", clutter.held)] {
        if !(0.0..=1.0).contains(&share) {
            check.fail(format!("clutter.{field}"), format!("a share of clips must be 0 to 1, not {share}"));
        }
    }
    let light = &def.lighting;
    check.range("lighting.sun_illuminance", light.sun_illuminance, 0.0, 200_000.0);
    check.range("lighting.sun_elevation_deg", light.sun_elevation_deg, 1.0, 90.0);
    check.range("lighting.sun_azimuth_deg", light.sun_azimuth_deg, -360.0, 360.0);
    check.range("lighting.ambient_brightness", light.ambient_brightness, 0.0, 100_000.0);
    check.range("lighting.sun_temperature_k", light.sun_temperature_k, 1000.0, 40_000.0);
    check.frames("lighting.lamps", light.lamps);
    if light.lamps.1 > 8 {
        check.fail("lighting.lamps", "at most 8 lamps");
    }
    if light.lamps.1 > 0 && light.lamp_kinds.is_empty() {
        check.fail("lighting.lamp_kinds", "list at least one lamp kind (Point, Spot)");
    }
    check.range("lighting.lamp_intensity", light.lamp_intensity, 0.0, 10_000_000.0);
    check.range("lighting.lamp_temperature_k", light.lamp_temperature_k, 1000.0, 40_000.0);
    check.range("lighting.lamp_distance", light.lamp_distance, 0.0, 20.0);
    check.range("lighting.lamp_height", light.lamp_height, 0.0, 20.0);
    let camera = &def.camera;
    check.range("camera.distance", camera.distance, 0.05, 100.0);
    check.range("camera.height", camera.height, -10.0, 100.0);
    check.range("camera.azimuth_deg", camera.azimuth_deg, -180.0, 180.0);
    check.range("camera.fov_deg", camera.fov_deg, 5.0, 120.0);
    check.range("camera.shake_deg", camera.shake_deg, 0.0, 10.0);
    check.range("camera.roll_deg", camera.roll_deg, -30.0, 30.0);
    if !(camera.look_at_jitter.is_finite() && camera.look_at_jitter >= 0.0) {
        check.fail("camera.look_at_jitter", "must be zero or a positive number of metres");
    }
}

fn joined(names: &BTreeSet<&str>) -> String {
    names.iter().copied().collect::<Vec<_>>().join(", ")
}

/// A path written in a scene file, relative to that file's directory.
pub fn scene_relative(scene_file: &std::path::Path, path: &str) -> std::path::PathBuf {
    scene_file.parent().unwrap_or(std::path::Path::new(".")).join(path)
}

/// A lathe profile: 2 to 64 points from y 0 up to y 1, never down, `r` from 0 to 1 and reaching
/// 1; a wall thinner than a third of the smallest radius and of the height's.
fn check_profile(
    check: &mut Checker<ObjectLibraryDef>,
    at: &str,
    profile: &[(f32, f32)],
    radius: Range,
    wall: Option<Range>,
) {
    let finite = profile.iter().all(|(r, y)| r.is_finite() && y.is_finite());
    if !(2..=64).contains(&profile.len()) || !finite {
        check.fail(format!("{at}.profile"), "must list 2 to 64 points (r, y) of finite numbers");
        return;
    }
    let (first, last) = (profile[0].1, profile[profile.len() - 1].1);
    if first != 0.0 || last != 1.0 || profile.windows(2).any(|w| w[1].1 < w[0].1) {
        check.fail(format!("{at}.profile"), "y must run from 0 (the bottom) up to 1 (the top), never down");
    }
    if profile.iter().any(|(r, _)| !(0.0..=1.0).contains(r)) || !profile.iter().any(|(r, _)| *r == 1.0) {
        check.fail(format!("{at}.profile"), "r must be fractions of the radius from 0 to 1, reaching 1");
    }
    if let Some(wall) = wall {
        check.range(format!("{at}.wall"), wall, 0.001, 0.05);
        let narrowest = profile.iter().map(|(r, _)| r).fold(f32::MAX, |a, b| a.min(*b)) * radius.0;
        if wall.1 * 3.0 > narrowest {
            check.fail(format!("{at}.wall"), "a hollow shape's wall must be under a third of its narrowest radius");
        }
    }
}
