//! Meaning checks of one action file, a function per part: its template and roles, props, setup
//! steps, script steps (one function per kind of step) and postconditions.

use std::collections::BTreeSet;

use super::{Checker, joined};
use crate::content::defs::*;
use crate::content::load::{Content, Loaded, Problem};
use crate::content::ssv2::ssv2_class_index;

/// What the checks of one action share: where problems go, and the names its steps may use.
struct ActionCheck<'a> {
    check: Checker<'a, ActionDef>,
    def: &'a ActionDef,
    roles: BTreeSet<&'a str>,
    props: BTreeSet<&'a str>,
    /// Roles held still in the air by a setup step until a `Release`.
    held: BTreeSet<&'a str>,
}

pub(super) fn validate_action(action: &Loaded<ActionDef>, content: &Content, problems: &mut Vec<Problem>) {
    let def = &action.def;
    let mut check = Checker { file: action, problems };
    check.name("name", &def.name);
    check_template(&mut check, def);
    if def.roles.is_empty() && def.setup.is_empty() {
        // Most likely a group member copied without its group: say so once, not per role use.
        let message = "missing roles and setup: write them here, or keep the action's group file (in the actions \
                       directory's groups/ folder) whose opening writes them";
        check.fail("roles", message);
        return;
    }
    let roles = def.roles.iter().map(|role| role.name.as_str()).collect();
    let mut action = ActionCheck { check, def, roles, props: BTreeSet::new(), held: BTreeSet::new() };
    action.check_roles();
    action.check_props();
    action.check_setup();
    action.check_script();
    action.check_postconditions();
    // Some scene must be able to stage the action: every role fits one of its kinds.
    if !content.scenes.is_empty() && content.stages(def).is_empty() {
        action.check.fail("roles", "no scene has object kinds for all of this action's roles (see their `requires`)");
    }
}

/// The template is SSv2's, with its class index.
fn check_template(check: &mut Checker<ActionDef>, def: &ActionDef) {
    match ssv2_class_index(&def.template) {
        None => check.fail(
            "template",
            format!("`{}` is not a Something-Something v2 template (see assets/ssv2-labels.json)", def.template),
        ),
        Some(index) if index != def.class_index => check
            .fail("class_index", format!("the SSv2 index of `{}` is {index}, not {}", def.template, def.class_index)),
        Some(_) => {}
    }
}

fn horizontal(check: &mut Checker<ActionDef>, field: String, side: Side) {
    if matches!(side, Side::Up | Side::Down) {
        check.fail(field, "must be a horizontal side: Left, Right, Toward or Away");
    }
}

impl<'a> ActionCheck<'a> {
    fn require_role(&mut self, field: String, role: &str) {
        if !self.roles.contains(role) {
            self.check.fail(field, format!("unknown role `{role}`; the action declares: {}", joined(&self.roles)));
        }
    }

    /// Roles fill the template's placeholders, all of them, in order, under unique names; the
    /// clip length and actors are given.
    fn check_roles(&mut self) {
        let def = self.def;
        let placeholders = def.template.matches('[').count();
        if placeholders != def.roles.len() {
            let message = format!(
                "the template has {placeholders} placeholder(s) but {} role(s) are declared; roles fill the \
                 placeholders in order",
                def.roles.len()
            );
            self.check.fail("roles", message);
        }
        if self.roles.len() != def.roles.len() {
            self.check.fail("roles", "role names must be unique");
        }
        for (i, role) in def.roles.iter().enumerate() {
            let Some(into) = &role.fits_into else { continue };
            let container = def.roles.iter().find(|r| &r.name == into && r.name != role.name);
            if !container.is_some_and(|c| c.requires.contains(&ObjectTrait::Container)) {
                let message = format!("`{into}` must be another role of this action that requires `Container`");
                self.check.fail(format!("roles[{i}].fits_into"), message);
            }
        }
        if def.script_frames == 0 {
            self.check.fail("script_frames", "must be at least 1");
        }
        if def.actors.is_empty() {
            self.check.fail("actors", "list at least one actor kind");
        }
    }

    fn check_props(&mut self) {
        for (i, prop) in self.def.props.iter().enumerate() {
            let at = format!("props[{i}]");
            self.check.name(&format!("{at}.name"), prop.name());
            if self.roles.contains(prop.name()) || !self.props.insert(prop.name()) {
                self.check.fail(format!("{at}.name"), format!("`{}` already names a role or prop", prop.name()));
            }
            let PropDef::Ramp { u, v, downhill, length, width, thickness, angle_deg, colors, .. } = prop;
            let check = &mut self.check;
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

    /// Every role set up once, each step after the roles it places its object by.
    fn check_setup(&mut self) {
        let mut placed: BTreeSet<&str> = BTreeSet::new();
        for (i, step) in self.def.setup.iter().enumerate() {
            let at = format!("setup[{i}]");
            self.require_role(format!("{at}.role"), step.role());
            if placed.contains(step.role()) {
                self.check.fail(format!("{at}.role"), format!("role `{}` is set up twice", step.role()));
            }
            if step.holds() {
                self.held.insert(step.role());
            }
            self.check_setup_step(&at, step, &placed);
            placed.insert(step.role());
        }
        for role in self.roles.clone() {
            if !placed.contains(role) {
                self.check.fail("setup", format!("role `{role}` has no setup step"));
            }
        }
    }

    fn check_setup_step(&mut self, at: &str, step: &SetupStep, placed: &BTreeSet<&str>) {
        let check = &mut self.check;
        // A step may place its object relative to one set up before it.
        let placed_before = |check: &mut Checker<ActionDef>, field: &str, role: &str| {
            if !placed.contains(role) {
                check.fail(format!("{at}.{field}"), format!("role `{role}` must be set up before this step"));
            }
        };
        match step {
            SetupStep::Place { u, v, .. } | SetupStep::Hold { u, v, .. } => {
                check.range(format!("{at}.u"), *u, -1.0, 1.0);
                check.range(format!("{at}.v"), *v, -1.0, 1.0);
                if let SetupStep::Hold { height, .. } = step {
                    check.range(format!("{at}.height"), *height, 0.0, 5.0);
                }
            }
            SetupStep::PlaceBeside { of, side, gap, offset, .. } => {
                placed_before(check, "of", of);
                horizontal(check, format!("{at}.side"), *side);
                check.range(format!("{at}.gap"), *gap, 0.0, 2.0);
                check.range(format!("{at}.offset"), *offset, -2.0, 2.0);
            }
            SetupStep::HoldAbove { over, height, offset, .. } => {
                placed_before(check, "over", over);
                check.range(format!("{at}.height"), *height, 0.0, 5.0);
                check.range(format!("{at}.offset"), *offset, 0.0, 2.0);
            }
            SetupStep::NearEdge { toward, from_edge, across, .. } => {
                horizontal(check, format!("{at}.toward"), *toward);
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
                if !self.props.contains(ramp.as_str()) {
                    let message = format!("no prop named `{ramp}`; the action's props are: {}", joined(&self.props));
                    check.fail(format!("{at}.ramp"), message);
                }
                check.range(format!("{at}.at"), *fraction, 0.0, 1.0);
            }
        }
    }

    /// Each actor's steps begin with its `Start`; actors are numbered from 0 without gaps; every
    /// held role is released; there is something to do.
    fn check_script(&mut self) {
        let def = self.def;
        let mut started = [false; MAX_ACTORS as usize];
        for (i, step) in def.script.iter().enumerate() {
            let at = format!("script[{i}]");
            let Some(actor) = step.actor() else {
                self.check_camera_step(&at, step);
                continue;
            };
            if actor >= MAX_ACTORS {
                self.check.fail(format!("{at}.actor"), format!("actors are numbered 0 to {}", MAX_ACTORS - 1));
                continue;
            }
            self.check_actor_order(&at, step, actor, &mut started);
            self.check_actor_step(&at, step);
        }
        for role in self.held.clone() {
            let released =
                def.script.iter().any(|step| matches!(step, ScriptStep::Release { role: r, .. } if r == role));
            if !released {
                let message = format!("role `{role}` is held (`Hold` in setup) but never released (`Release`)");
                self.check.fail("script", message);
            }
        }
        let first_actor_step = def.script.iter().find(|s| s.actor().is_some());
        if first_actor_step.is_some_and(|step| !matches!(step, ScriptStep::Start { .. })) {
            self.check.fail("script", "the script must begin with a `Start` step placing the actor");
        }
        if def.script.is_empty() {
            self.check.fail("script", "give the actor or the camera something to do");
        }
    }

    fn check_camera_step(&mut self, at: &str, step: &ScriptStep) {
        let check = &mut self.check;
        let (ScriptStep::CameraDolly { toward, distance, start, duration }
        | ScriptStep::CameraTurn { toward, degrees: distance, start, duration }) = step
        else {
            unreachable!("only the camera's steps have no actor")
        };
        let turn = matches!(step, ScriptStep::CameraTurn { .. });
        if turn && !matches!(toward, Side::Left | Side::Right) {
            check.fail(format!("{at}.toward"), "the camera turns Left or Right");
        }
        if !turn {
            horizontal(check, format!("{at}.toward"), *toward);
        }
        let (field, high) = if turn { ("degrees", 180.0) } else { ("distance", 5.0) };
        check.range(format!("{at}.{field}"), *distance, 0.0, high);
        check.motion(at, "start", *start, *duration);
    }

    /// An actor's first step is its one `Start`, after the previous actor's.
    fn check_actor_order(&mut self, at: &str, step: &ScriptStep, actor: u8, started: &mut [bool]) {
        let is_start = matches!(step, ScriptStep::Start { .. });
        if is_start == started[actor as usize] {
            let message = if is_start {
                format!("actor {actor} already has a `Start`")
            } else {
                format!("actor {actor}'s first step must be a `Start` placing it")
            };
            self.check.fail(at, message);
        }
        if is_start && actor > 0 && !started[actor as usize - 1] {
            self.check.fail(format!("{at}.actor"), format!("actor {} must start before actor {actor}", actor - 1));
        }
        started[actor as usize] = true;
    }

    fn check_actor_step(&mut self, at: &str, step: &ScriptStep) {
        use ScriptStep as S;
        match step {
            S::Start { beside, gap, height, across, enters, arrives, .. } => {
                self.require_role(format!("{at}.beside"), beside);
                self.check_start(at, *gap, *height, *across, *enters, *arrives);
            }
            S::Sweep { role, degrees, pivot, start, duration, .. } => {
                self.require_role(format!("{at}.role"), role);
                self.check.range(format!("{at}.degrees"), *degrees, 0.0, 720.0);
                if let Some(pivot) = pivot {
                    self.check.range(format!("{at}.pivot"), *pivot, -1.0, 1.0);
                }
                self.check.motion(at, "start", *start, *duration);
            }
            S::Push { role, distance, start, duration, .. } | S::Pull { role, distance, start, duration, .. } => {
                self.require_role(format!("{at}.role"), role);
                self.check.range(format!("{at}.distance"), *distance, 0.0, 5.0);
                self.check.motion(at, "start", *start, *duration);
                if matches!(step, S::Pull { .. }) && self.held.contains(role.as_str()) {
                    self.check.fail(format!("{at}.role"), format!("role `{role}` is held still; it cannot be pulled"));
                }
            }
            S::Close { role, other, fraction, passing, start, duration, .. } => {
                self.require_role(format!("{at}.role"), role);
                self.require_role(format!("{at}.other"), other);
                self.check_close(at, role == other, *fraction, *passing, *start, *duration);
            }
            S::PushToEdge { role, toward, past_edge, start, duration, .. } => {
                self.require_role(format!("{at}.role"), role);
                horizontal(&mut self.check, format!("{at}.toward"), *toward);
                self.check.range(format!("{at}.past_edge"), *past_edge, -1.0, 1.0);
                self.check.motion(at, "start", *start, *duration);
            }
            S::Carry { role, onto, lift, start, duration, .. } => {
                self.check_carry(at, role, onto, *lift, *start, *duration)
            }
            S::CameraDolly { .. } | S::CameraTurn { .. } => unreachable!("checked as the camera's"),
            S::Release { role, frame, .. } => {
                self.require_role(format!("{at}.role"), role);
                self.check.frames(format!("{at}.frame"), *frame);
                if self.roles.contains(role.as_str()) && !self.held.contains(role.as_str()) {
                    let message = format!("role `{role}` is released but not held (use `Hold` in setup)");
                    self.check.fail(format!("{at}.role"), message);
                }
            }
            S::Retreat { distance, delay, duration, .. } => {
                self.check.range(format!("{at}.distance"), *distance, 0.0, 5.0);
                self.check.motion(at, "delay", *delay, *duration);
            }
        }
    }

    fn check_start(
        &mut self,
        at: &str,
        gap: Range,
        height: Option<Range>,
        across: Option<Range>,
        enters: Option<Side>,
        arrives: Option<FrameRange>,
    ) {
        let check = &mut self.check;
        check.range(format!("{at}.gap"), gap, 0.0, 2.0);
        if enters.is_some_and(|side| !matches!(side, Side::Left | Side::Right)) {
            check.fail(format!("{at}.enters"), "an actor enters from the image's Left or Right");
        }
        if let Some(arrives) = arrives {
            check.frames(format!("{at}.arrives"), arrives);
            if enters.is_none() {
                check.fail(format!("{at}.arrives"), "only an actor that `enters` arrives");
            } else if arrives.0 == 0 {
                check.fail(format!("{at}.arrives"), "an entering actor arrives at frame 1 or later");
            }
        }
        if let Some(height) = height {
            check.range(format!("{at}.height"), height, 0.0, 1.5);
        }
        if let Some(across) = across {
            check.range(format!("{at}.across"), across, -1.5, 1.5);
        }
    }

    fn check_close(
        &mut self,
        at: &str,
        onto_itself: bool,
        fraction: Range,
        passing: Option<Side>,
        start: FrameRange,
        duration: FrameRange,
    ) {
        let check = &mut self.check;
        if onto_itself {
            check.fail(format!("{at}.other"), "an object cannot close on itself");
        }
        check.range(format!("{at}.fraction"), fraction, 0.0, 5.0);
        if passing.is_some_and(|side| !matches!(side, Side::Toward | Side::Away)) {
            check.fail(format!("{at}.passing"), "objects pass each other on the Toward or Away side");
        }
        check.motion(at, "start", start, duration);
    }

    fn check_carry(&mut self, at: &str, role: &str, onto: &str, lift: Range, start: FrameRange, duration: FrameRange) {
        self.require_role(format!("{at}.role"), role);
        self.require_role(format!("{at}.onto"), onto);
        let check = &mut self.check;
        if role == onto {
            check.fail(format!("{at}.onto"), "an object cannot be carried onto itself");
        }
        if self.held.contains(role) {
            check.fail(format!("{at}.role"), format!("role `{role}` is held still; it cannot be carried"));
        }
        check.range(format!("{at}.lift"), lift, 0.0, 2.0);
        check.frames(format!("{at}.start"), start);
        check.frames(format!("{at}.duration"), duration);
        if duration.0 < 3 {
            check.fail(format!("{at}.duration"), "lifting, carrying and setting down take at least 3 frames");
        }
    }

    /// Every condition names known roles and sensible numbers; there is at least one.
    fn check_postconditions(&mut self) {
        for (i, condition) in self.def.postconditions.iter().enumerate() {
            let at = format!("postconditions[{i}]");
            self.require_role(format!("{at}.role"), condition.role());
            if let Some(other) = condition.other() {
                let field = match condition {
                    Postcondition::EndsOn { .. } => "on",
                    Postcondition::EndsIn { .. } => "container",
                    _ => "other",
                };
                if !self.roles.contains(other) && !self.props.contains(other) {
                    let message = format!("unknown role `{other}`; the action declares: {}", joined(&self.roles));
                    self.check.fail(format!("{at}.{field}"), message);
                } else if other == condition.role() {
                    self.check.fail(format!("{at}.{field}"), "relates a role to itself");
                } else if let Postcondition::EndsIn { container, .. } = condition {
                    let role = self.def.roles.iter().find(|r| &r.name == container);
                    if !role.is_some_and(|r| r.requires.contains(&ObjectTrait::Container)) {
                        self.check.fail(format!("{at}.container"), "the container's role must require `Container`");
                    }
                }
            }
            check_condition_numbers(&mut self.check, &at, condition);
        }
        if self.def.postconditions.is_empty() {
            let message = "declare at least one postcondition, so every clip's label is checked";
            self.check.fail("postconditions", message);
        }
    }
}

/// A condition's sides and numbers.
fn check_condition_numbers(check: &mut Checker<ActionDef>, at: &str, condition: &Postcondition) {
    use Postcondition as P;
    let non_negative = |value: f32| value.is_finite() && value >= 0.0;
    let positive = |value: f32| value.is_finite() && value > 0.0;
    match condition {
        P::EndsNearEdge { toward, within, .. } => {
            horizontal(check, format!("{at}.toward"), *toward);
            if !non_negative(*within) {
                check.fail(format!("{at}.within"), "must be zero or a positive number of metres");
            }
        }
        P::GetsCloser { max_ratio: ratio, .. } | P::MovesApart { min_ratio: ratio, .. } if !positive(*ratio) => {
            let field = if matches!(condition, P::GetsCloser { .. }) { "max_ratio" } else { "min_ratio" };
            check.fail(format!("{at}.{field}"), "the ratio must be a positive number");
        }
        P::MovesBy { min, max, .. } => {
            if !non_negative(*min) {
                check.fail(format!("{at}.min"), "must be zero or a positive number of metres");
            }
            if max.is_some_and(|max| !(max.is_finite() && max >= *min)) {
                check.fail(format!("{at}.max"), "must be a number of metres no smaller than `min`");
            }
        }
        P::CameraNears { max_ratio, .. } if !positive(*max_ratio) => {
            check.fail(format!("{at}.max_ratio"), "the ratio must be a positive number");
        }
        P::MovesInWorld { toward, min_distance, .. } => {
            horizontal(check, format!("{at}.toward"), *toward);
            if !min_distance.is_finite() {
                check.fail(format!("{at}.min_distance"), "must be a finite number of metres");
            }
        }
        P::Rotates { min_deg, .. } | P::Tilts { min_deg, .. } | P::Deflects { min_deg, .. }
            if !non_negative(*min_deg) =>
        {
            check.fail(format!("{at}.min_deg"), "must be zero or a positive number of degrees");
        }
        P::StaysInFrame { margin, .. } if !(margin.is_finite() && (-0.5..0.5).contains(margin)) => {
            check.fail(format!("{at}.margin"), "must be a fraction of the image from -0.5 to 0.5");
        }
        P::Drops { min_drop: value, .. }
        | P::Rises { min_height: value, .. }
        | P::EndsBelowWorkSurface { min_depth: value, .. }
        | P::Spins { min_deg: value, .. }
            if !value.is_finite() =>
        {
            check.fail(at, "its numbers must be finite");
        }
        P::Visible { median, start, contact, end, .. } => {
            for (name, value) in [("median", median), ("start", start), ("contact", contact), ("end", end)] {
                if !(0.0..=1.0).contains(value) {
                    check.fail(format!("{at}.{name}"), "must be a fraction of the silhouette in 0..1");
                }
            }
        }
        P::MovesInImage { toward, min_fraction, .. } => {
            if matches!(toward, Side::Toward | Side::Away) {
                check.fail(format!("{at}.toward"), "image motion is Left, Right, Up or Down");
            }
            if !(0.0..=1.0).contains(min_fraction) {
                check.fail(format!("{at}.min_fraction"), "must be a fraction in 0..1");
            }
        }
        _ => {}
    }
}
