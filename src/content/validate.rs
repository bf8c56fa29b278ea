//! Meaning checks after parsing: ranges in order, names that resolve, scripts that can run.
//!
//! Each check names the field by its path so [`super::Loaded::problem`] can point at its line.

use std::collections::BTreeSet;

use super::defs::*;
use super::load::{Content, Loaded, Problem};
use super::ssv2::ssv2_class_index;

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
            ShapeDef::Box { x, y, z } => {
                for (axis, range) in [("x", x), ("y", y), ("z", z)] {
                    check.range(format!("{at}.shape.{axis}"), *range, 0.005, 2.0);
                }
            }
            ShapeDef::Ball { radius } => check.range(format!("{at}.shape.radius"), *radius, 0.005, 1.0),
            ShapeDef::Cylinder { radius, height } => {
                check.range(format!("{at}.shape.radius"), *radius, 0.005, 1.0);
                check.range(format!("{at}.shape.height"), *height, 0.005, 2.0);
            }
        }
        check.range(format!("{at}.mass"), kind.mass, 0.001, 100.0);
        check.range(format!("{at}.friction"), kind.friction, 0.0, 2.0);
        check.range(format!("{at}.restitution"), kind.restitution, 0.0, 1.0);
        check.range(format!("{at}.roughness"), kind.roughness, 0.0, 1.0);
        check.range(format!("{at}.metallic"), kind.metallic, 0.0, 1.0);
    }
    if def.kinds.is_empty() {
        check.fail("kinds", "the library needs at least one object kind");
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
        if surface.size.iter().any(|s| !(s.is_finite() && *s > 0.0)) {
            check.fail(format!("{at}.size"), "every extent must be a positive number of metres");
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
    if def.action_area.half_extents.iter().any(|h| !(h.is_finite() && *h > 0.0)) {
        check.fail("action_area.half_extents", "half extents must be positive");
    }
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
    if !(camera.look_at_jitter.is_finite() && camera.look_at_jitter >= 0.0) {
        check.fail("camera.look_at_jitter", "must be zero or a positive number of metres");
    }
}

fn validate_action(action: &Loaded<ActionDef>, content: &Content, problems: &mut Vec<Problem>) {
    let mut check = Checker { file: action, problems };
    let def = &action.def;
    check.name("name", &def.name);
    match ssv2_class_index(&def.template) {
        None => check.fail(
            "template",
            format!("`{}` is not a Something-Something v2 template (see assets/ssv2-labels.json)", def.template),
        ),
        Some(index) if index != def.class_index => check
            .fail("class_index", format!("the SSv2 index of `{}` is {index}, not {}", def.template, def.class_index)),
        Some(_) => {}
    }
    if def.roles.is_empty() && def.setup.is_empty() {
        // Most likely a group member copied without its group: say so once, not per role use.
        let message = "missing roles and setup: write them here, or keep the action's group file (in the actions \
                       directory's groups/ folder) whose opening writes them";
        check.fail("roles", message);
        return;
    }
    // Roles fill the template's bracketed placeholders, all of them, in order.
    let placeholders = def.template.matches('[').count();
    if placeholders != def.roles.len() {
        check.fail(
            "roles",
            format!(
                "the template has {placeholders} placeholder(s) but {} role(s) are declared; roles fill the \
                 placeholders in order",
                def.roles.len()
            ),
        );
    }
    let roles: BTreeSet<&str> = def.roles.iter().map(|role| role.name.as_str()).collect();
    if roles.len() != def.roles.len() {
        check.fail("roles", "role names must be unique");
    }
    let require_role = |check: &mut Checker<ActionDef>, field: String, role: &str| {
        if !roles.contains(role) {
            check.fail(field, format!("unknown role `{role}`; the action declares: {}", joined(&roles)));
        }
    };
    if def.script_frames == 0 {
        check.fail("script_frames", "must be at least 1");
    }
    if def.actors.is_empty() {
        check.fail("actors", "list at least one actor kind");
    }
    let mut props = BTreeSet::new();
    for (i, prop) in def.props.iter().enumerate() {
        let at = format!("props[{i}]");
        check.name(&format!("{at}.name"), prop.name());
        if roles.contains(prop.name()) || !props.insert(prop.name()) {
            check.fail(format!("{at}.name"), format!("`{}` already names a role or prop", prop.name()));
        }
        match prop {
            PropDef::Ramp { u, v, downhill, length, width, thickness, angle_deg, colors, .. } => {
                check.range(format!("{at}.u"), *u, -1.0, 1.0);
                check.range(format!("{at}.v"), *v, -1.0, 1.0);
                if matches!(downhill, Side::Up | Side::Down) {
                    check.fail(format!("{at}.downhill"), "a ramp runs downhill Left, Right, Toward or Away");
                }
                check.range(format!("{at}.length"), *length, 0.05, 2.0);
                check.range(format!("{at}.width"), *width, 0.02, 2.0);
                check.range(format!("{at}.thickness"), *thickness, 0.002, 0.2);
                check.range(format!("{at}.angle_deg"), *angle_deg, 1.0, 60.0);
                if colors.is_empty() {
                    check.fail(format!("{at}.colors"), "give at least one color to choose from");
                }
                for (j, color) in colors.iter().enumerate() {
                    check.srgb(format!("{at}.colors[{j}]"), *color);
                }
            }
        }
    }
    let mut held = BTreeSet::new();
    let mut placed: BTreeSet<&str> = BTreeSet::new();
    let horizontal = |check: &mut Checker<ActionDef>, field: String, side: Side| {
        if matches!(side, Side::Up | Side::Down) {
            check.fail(field, "must be a horizontal side: Left, Right, Toward or Away");
        }
    };
    for (i, step) in def.setup.iter().enumerate() {
        let at = format!("setup[{i}]");
        require_role(&mut check, format!("{at}.role"), step.role());
        if placed.contains(step.role()) {
            check.fail(format!("{at}.role"), format!("role `{}` is set up twice", step.role()));
        }
        // A step may place its object relative to one set up before it.
        let placed_before = |check: &mut Checker<ActionDef>, field: &str, role: &str| {
            if !placed.contains(role) {
                check.fail(format!("{at}.{field}"), format!("role `{role}` must be set up before this step"));
            }
        };
        if step.holds() {
            held.insert(step.role());
        }
        match step {
            SetupStep::Place { u, v, .. } => {
                check.range(format!("{at}.u"), *u, -1.0, 1.0);
                check.range(format!("{at}.v"), *v, -1.0, 1.0);
            }
            SetupStep::Hold { u, v, height, .. } => {
                check.range(format!("{at}.u"), *u, -1.0, 1.0);
                check.range(format!("{at}.v"), *v, -1.0, 1.0);
                check.range(format!("{at}.height"), *height, 0.0, 5.0);
            }
            SetupStep::PlaceBeside { of, side, gap, offset, .. } => {
                placed_before(&mut check, "of", of);
                horizontal(&mut check, format!("{at}.side"), *side);
                check.range(format!("{at}.gap"), *gap, 0.0, 2.0);
                check.range(format!("{at}.offset"), *offset, -2.0, 2.0);
            }
            SetupStep::HoldAbove { over, height, offset, .. } => {
                placed_before(&mut check, "over", over);
                check.range(format!("{at}.height"), *height, 0.0, 5.0);
                check.range(format!("{at}.offset"), *offset, 0.0, 2.0);
            }
            SetupStep::NearEdge { toward, from_edge, across, .. } => {
                horizontal(&mut check, format!("{at}.toward"), *toward);
                check.range(format!("{at}.from_edge"), *from_edge, -1.0, 5.0);
                check.range(format!("{at}.across"), *across, -1.0, 1.0);
            }
            SetupStep::Stack { count, u, v, .. } => {
                check.frames(format!("{at}.count"), *count);
                if count.0 < 2 || count.1 > 8 {
                    check.fail(format!("{at}.count"), "a stack has 2 to 8 pieces");
                }
                check.range(format!("{at}.u"), *u, -1.0, 1.0);
                check.range(format!("{at}.v"), *v, -1.0, 1.0);
            }
            SetupStep::OnRamp { ramp, at: fraction, .. } => {
                if !props.contains(ramp.as_str()) {
                    check.fail(
                        format!("{at}.ramp"),
                        format!("no prop named `{ramp}`; the action's props are: {}", joined(&props)),
                    );
                }
                check.range(format!("{at}.at"), *fraction, 0.0, 1.0);
            }
        }
        placed.insert(step.role());
    }
    for role in &roles {
        if !placed.contains(role) {
            check.fail("setup", format!("role `{role}` has no setup step"));
        }
    }
    // Each actor's steps begin with its `Start`; actors are numbered from 0 without gaps.
    let mut started = [false; MAX_ACTORS as usize];
    for (i, step) in def.script.iter().enumerate() {
        let at = format!("script[{i}]");
        let actor = match step {
            ScriptStep::CameraDolly { toward, distance, start, duration }
            | ScriptStep::CameraTurn { toward, degrees: distance, start, duration } => {
                let turn = matches!(step, ScriptStep::CameraTurn { .. });
                if turn && !matches!(toward, Side::Left | Side::Right) {
                    check.fail(format!("{at}.toward"), "the camera turns Left or Right");
                }
                if !turn {
                    horizontal(&mut check, format!("{at}.toward"), *toward);
                }
                let (field, high) = if turn { ("degrees", 180.0) } else { ("distance", 5.0) };
                check.range(format!("{at}.{field}"), *distance, 0.0, high);
                check.motion(&at, "start", *start, *duration);
                continue;
            }
            other => other.actor().expect("actor steps have an actor"),
        };
        if actor >= MAX_ACTORS {
            check.fail(format!("{at}.actor"), format!("actors are numbered 0 to {}", MAX_ACTORS - 1));
            continue;
        }
        let is_start = matches!(step, ScriptStep::Start { .. });
        if is_start == started[actor as usize] {
            let message = if is_start {
                format!("actor {actor} already has a `Start`")
            } else {
                format!("actor {actor}'s first step must be a `Start` placing it")
            };
            check.fail(at.clone(), message);
        }
        if is_start && actor > 0 && !started[actor as usize - 1] {
            check.fail(format!("{at}.actor"), format!("actor {} must start before actor {actor}", actor - 1));
        }
        started[actor as usize] = true;
        match step {
            ScriptStep::Start { beside, gap, height, across, enters, arrives, .. } => {
                require_role(&mut check, format!("{at}.beside"), beside);
                check.range(format!("{at}.gap"), *gap, 0.0, 2.0);
                if enters.is_some_and(|side| !matches!(side, Side::Left | Side::Right)) {
                    check.fail(format!("{at}.enters"), "an actor enters from the image's Left or Right");
                }
                if let Some(arrives) = arrives {
                    check.frames(format!("{at}.arrives"), *arrives);
                    if enters.is_none() {
                        check.fail(format!("{at}.arrives"), "only an actor that `enters` arrives");
                    } else if arrives.0 == 0 {
                        check.fail(format!("{at}.arrives"), "an entering actor arrives at frame 1 or later");
                    }
                }
                if let Some(height) = height {
                    check.range(format!("{at}.height"), *height, 0.0, 1.5);
                }
                if let Some(across) = across {
                    check.range(format!("{at}.across"), *across, -1.5, 1.5);
                }
            }
            ScriptStep::Sweep { role, degrees, pivot, start, duration, .. } => {
                require_role(&mut check, format!("{at}.role"), role);
                check.range(format!("{at}.degrees"), *degrees, 0.0, 720.0);
                if let Some(pivot) = pivot {
                    check.range(format!("{at}.pivot"), *pivot, -1.0, 1.0);
                }
                check.motion(&at, "start", *start, *duration);
            }
            ScriptStep::Push { role, distance, start, duration, .. }
            | ScriptStep::Pull { role, distance, start, duration, .. } => {
                require_role(&mut check, format!("{at}.role"), role);
                check.range(format!("{at}.distance"), *distance, 0.0, 5.0);
                check.motion(&at, "start", *start, *duration);
                if matches!(step, ScriptStep::Pull { .. }) && held.contains(role.as_str()) {
                    check.fail(format!("{at}.role"), format!("role `{role}` is held still; it cannot be pulled"));
                }
            }
            ScriptStep::Close { role, other, fraction, passing, start, duration, .. } => {
                require_role(&mut check, format!("{at}.role"), role);
                require_role(&mut check, format!("{at}.other"), other);
                if role == other {
                    check.fail(format!("{at}.other"), "an object cannot close on itself");
                }
                check.range(format!("{at}.fraction"), *fraction, 0.0, 5.0);
                if passing.is_some_and(|side| !matches!(side, Side::Toward | Side::Away)) {
                    check.fail(format!("{at}.passing"), "objects pass each other on the Toward or Away side");
                }
                check.motion(&at, "start", *start, *duration);
            }
            ScriptStep::PushToEdge { role, toward, past_edge, start, duration, .. } => {
                require_role(&mut check, format!("{at}.role"), role);
                horizontal(&mut check, format!("{at}.toward"), *toward);
                check.range(format!("{at}.past_edge"), *past_edge, -1.0, 1.0);
                check.motion(&at, "start", *start, *duration);
            }
            ScriptStep::Carry { role, onto, lift, start, duration, .. } => {
                require_role(&mut check, format!("{at}.role"), role);
                require_role(&mut check, format!("{at}.onto"), onto);
                if role == onto {
                    check.fail(format!("{at}.onto"), "an object cannot be carried onto itself");
                }
                if held.contains(role.as_str()) {
                    check.fail(format!("{at}.role"), format!("role `{role}` is held still; it cannot be carried"));
                }
                check.range(format!("{at}.lift"), *lift, 0.0, 2.0);
                check.frames(format!("{at}.start"), *start);
                check.frames(format!("{at}.duration"), *duration);
                if duration.0 < 3 {
                    check.fail(format!("{at}.duration"), "lifting, carrying and setting down take at least 3 frames");
                }
            }
            ScriptStep::CameraDolly { .. } | ScriptStep::CameraTurn { .. } => unreachable!("checked above"),
            ScriptStep::Release { role, frame, .. } => {
                require_role(&mut check, format!("{at}.role"), role);
                check.frames(format!("{at}.frame"), *frame);
                if roles.contains(role.as_str()) && !held.contains(role.as_str()) {
                    check.fail(
                        format!("{at}.role"),
                        format!("role `{role}` is released but not held (use `Hold` in setup)"),
                    );
                }
            }
            ScriptStep::Retreat { distance, delay, duration, .. } => {
                check.range(format!("{at}.distance"), *distance, 0.0, 5.0);
                check.motion(&at, "delay", *delay, *duration);
            }
        }
    }
    for role in &held {
        let released = def.script.iter().any(|step| matches!(step, ScriptStep::Release { role: r, .. } if r == role));
        if !released {
            check.fail("script", format!("role `{role}` is held (`Hold` in setup) but never released (`Release`)"));
        }
    }
    let actor_steps = def.script.iter().filter(|step| step.actor().is_some()).count();
    if actor_steps > 0 && !matches!(def.script.iter().find(|s| s.actor().is_some()), Some(ScriptStep::Start { .. })) {
        check.fail("script", "the script must begin with a `Start` step placing the actor");
    }
    if def.script.is_empty() {
        check.fail("script", "give the actor or the camera something to do");
    }
    for (i, condition) in def.postconditions.iter().enumerate() {
        let at = format!("postconditions[{i}]");
        require_role(&mut check, format!("{at}.role"), condition.role());
        if let Some(other) = condition.other() {
            let field = if matches!(condition, Postcondition::EndsOn { .. }) { "on" } else { "other" };
            if !roles.contains(other) && !props.contains(other) {
                check.fail(
                    format!("{at}.{field}"),
                    format!("unknown role `{other}`; the action declares: {}", joined(&roles)),
                );
            } else if other == condition.role() {
                check.fail(format!("{at}.{field}"), "relates a role to itself");
            }
        }
        match condition {
            Postcondition::EndsNearEdge { toward, within, .. } => {
                horizontal(&mut check, format!("{at}.toward"), *toward);
                if !(within.is_finite() && *within >= 0.0) {
                    check.fail(format!("{at}.within"), "must be zero or a positive number of metres");
                }
            }
            Postcondition::GetsCloser { max_ratio: ratio, .. } | Postcondition::MovesApart { min_ratio: ratio, .. }
                if !(ratio.is_finite() && *ratio > 0.0) =>
            {
                let field =
                    if matches!(condition, Postcondition::GetsCloser { .. }) { "max_ratio" } else { "min_ratio" };
                check.fail(format!("{at}.{field}"), "the ratio must be a positive number");
            }
            Postcondition::MovesBy { min, max, .. } => {
                if !(min.is_finite() && *min >= 0.0) {
                    check.fail(format!("{at}.min"), "must be zero or a positive number of metres");
                }
                if max.is_some_and(|max| !(max.is_finite() && max >= *min)) {
                    check.fail(format!("{at}.max"), "must be a number of metres no smaller than `min`");
                }
            }
            Postcondition::CameraNears { max_ratio, .. } if !(max_ratio.is_finite() && *max_ratio > 0.0) => {
                check.fail(format!("{at}.max_ratio"), "the ratio must be a positive number");
            }
            Postcondition::MovesInWorld { toward, .. } => {
                horizontal(&mut check, format!("{at}.toward"), *toward);
            }
            Postcondition::Rotates { min_deg, .. }
            | Postcondition::Tilts { min_deg, .. }
            | Postcondition::Deflects { min_deg, .. }
                if !(min_deg.is_finite() && *min_deg >= 0.0) =>
            {
                check.fail(format!("{at}.min_deg"), "must be zero or a positive number of degrees");
            }
            _ => {}
        }
        if let Postcondition::MovesInImage { toward, min_fraction, .. } = condition {
            if matches!(toward, Side::Toward | Side::Away) {
                check.fail(format!("postconditions[{i}].toward"), "image motion is Left, Right, Up or Down");
            }
            if !(0.0..=1.0).contains(min_fraction) {
                check.fail(format!("postconditions[{i}].min_fraction"), "must be a fraction in 0..1");
            }
        }
    }
    if def.postconditions.is_empty() {
        check.fail("postconditions", "declare at least one postcondition, so every clip's label is checked");
    }
    // Some scene must be able to stage the action: every role fits one of its kinds.
    if !content.scenes.is_empty() && content.stages(def).is_empty() {
        check.fail("roles", "no scene has object kinds for all of this action's roles (see their `requires`)");
    }
}

fn joined(names: &BTreeSet<&str>) -> String {
    names.iter().copied().collect::<Vec<_>>().join(", ")
}

/// A path written in a scene file, relative to that file's directory.
pub fn scene_relative(scene_file: &std::path::Path, path: &str) -> std::path::PathBuf {
    scene_file.parent().unwrap_or(std::path::Path::new(".")).join(path)
}
