//! Sampling the actors of a clip: how each looks, and the path its contact point takes, built one
//! script step at a time ([`ActorPath`] has a method per step).

use bevy::math::{Mat3, Quat, Vec3};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use super::{Stage, pick, reach, role_index, uniform, uniform_frames};
use crate::content::{ActionDef, ActorKind, FrameRange, Range, ScriptStep, Side};
use crate::spec::{ActorKeyframe, ActorSpec, CameraAxes, CameraModel, Grip, ObjectSpec};

/// Every actor the script uses, in order; their draws come one after another from one stream, so
/// a one-actor clip is unaffected by the existence of two-actor actions.
pub(super) fn sample_actors(
    action: &ActionDef,
    objects: &mut [ObjectSpec],
    stage: &Stage,
    rng: &mut ChaCha8Rng,
) -> Vec<ActorSpec> {
    let count = action.script.iter().filter_map(|step| step.actor()).map(|actor| actor + 1).max().unwrap_or(0);
    let mut actors: Vec<ActorSpec> = Vec::new();
    for actor in 0..count {
        let sampled = sample_actor(action, actor, &actors, objects, stage, rng);
        actors.push(sampled);
    }
    actors
}

/// Actor `actor` of the script; a second hand takes the first hand's skin tone and size.
fn sample_actor(
    action: &ActionDef,
    actor: u8,
    earlier: &[ActorSpec],
    objects: &mut [ObjectSpec],
    stage: &Stage,
    rng: &mut ChaCha8Rng,
) -> ActorSpec {
    let kind = *pick(rng, &action.actors);
    let (mut color, mut scale) = appearance(kind, rng);
    if let Some(hand) = earlier.iter().find(|a| a.kind == ActorKind::Hand && kind == ActorKind::Hand) {
        (color, scale) = (hand.color, hand.scale);
    }
    let mut path = ActorPath::new(stage);
    for step in action.script.iter().filter(|step| step.actor() == Some(actor)) {
        path.follow(step, objects, rng);
    }
    let facing_direction = path.first_push.unwrap_or(stage.axes.direction(path.facing));
    ActorSpec {
        kind,
        color,
        scale,
        facing: nearest_side(facing_direction, stage.axes),
        rotation: facing_rotation(facing_direction, stage.axes).to_array(),
        path: path.keyframes,
        grips: path.grips,
        idle: false,
    }
}

/// Skin tones from light to dark, for hands.
pub(super) const SKIN_TONES: [[f32; 3]; 4] =
    [[0.96, 0.80, 0.69], [0.87, 0.67, 0.52], [0.70, 0.50, 0.36], [0.45, 0.30, 0.21]];

/// A color and size for an actor of `kind`: skin tones from light to dark, mixed, for hands.
pub(super) fn appearance(kind: ActorKind, rng: &mut ChaCha8Rng) -> ([f32; 3], f32) {
    let color = match kind {
        ActorKind::Hand => {
            let (a, b) = (pick(rng, &SKIN_TONES), pick(rng, &SKIN_TONES));
            let t = rng.random_range(0.0..=1.0f32);
            std::array::from_fn(|i| a[i] + (b[i] - a[i]) * t)
        }
        ActorKind::Stick => {
            let sticks = [[0.55, 0.38, 0.22], [0.25, 0.25, 0.27], [0.85, 0.85, 0.80], [0.15, 0.35, 0.60]];
            *pick(rng, &sticks)
        }
        ActorKind::Block => {
            let blocks = [[0.72, 0.56, 0.36], [0.60, 0.20, 0.15], [0.20, 0.40, 0.25], [0.80, 0.75, 0.30]];
            *pick(rng, &blocks)
        }
    };
    (color, rng.random_range(0.9..=1.1f32))
}

/// An actor's path as its script steps build it: where its contact point is, when its last
/// motion ends, which way it faces, and what it grips when.
struct ActorPath<'a> {
    stage: &'a Stage<'a>,
    keyframes: Vec<ActorKeyframe>,
    position: Vec3,
    /// When the previous step ends (a motion's end, a release's frame); the next starts no earlier.
    last_end: f32,
    /// The side it starts facing, from its `Start`.
    facing: Side,
    /// The direction of its first push, which it faces instead.
    first_push: Option<Vec3>,
    grips: Vec<Grip>,
}

impl<'a> ActorPath<'a> {
    fn new(stage: &'a Stage<'a>) -> Self {
        ActorPath {
            stage,
            keyframes: Vec::new(),
            position: Vec3::ZERO,
            last_end: 0.0,
            facing: Side::Right,
            first_push: None,
            grips: Vec::new(),
        }
    }

    /// A frame range of the script, drawn and scaled to the clip's length.
    fn frames(&self, rng: &mut ChaCha8Rng, range: FrameRange) -> f32 {
        uniform_frames(rng, range) as f32 * self.stage.time_scale
    }

    /// A motion's first and last frame: no earlier than `start` and the previous step's end, and
    /// at least `shortest` frames long.
    fn span(&self, rng: &mut ChaCha8Rng, start: FrameRange, duration: FrameRange, shortest: f32) -> (f32, f32) {
        let begin = self.frames(rng, start).max(self.last_end);
        (begin, begin + self.frames(rng, duration).max(shortest))
    }

    /// A straight move of the contact point by `delta`, from frame `begin` to frame `end`.
    fn move_straight(&mut self, begin: f32, end: f32, delta: Vec3) {
        self.keyframes.push(ActorKeyframe { frame: begin, position: self.position.to_array() });
        self.position += delta;
        self.keyframes.push(ActorKeyframe { frame: end, position: self.position.to_array() });
    }

    fn follow(&mut self, step: &ScriptStep, objects: &mut [ObjectSpec], rng: &mut ChaCha8Rng) {
        use ScriptStep as S;
        match step {
            S::Start { beside, side, gap, height, across, enters, arrives, .. } => {
                self.start(objects, beside, *side, (*gap, *height, *across), (*enters, *arrives), rng)
            }
            S::PushToEdge { role, toward, past_edge, start, duration, .. } => {
                self.push_to_edge(&objects[role_index(role, objects)], *toward, *past_edge, (*start, *duration), rng)
            }
            S::Close { role, other, fraction, passing, start, duration, .. } => {
                let (object, target) = (&objects[role_index(role, objects)], &objects[role_index(other, objects)]);
                self.close(object, target, *fraction, *passing, (*start, *duration), rng)
            }
            S::Pull { role, toward, distance, start, duration, .. } => {
                self.pull(role_index(role, objects), *toward, *distance, (*start, *duration), rng)
            }
            S::Push { role, toward, distance, start, duration, .. } => {
                self.push(&objects[role_index(role, objects)], *toward, *distance, (*start, *duration), rng)
            }
            S::Carry { role, onto, lift, start, duration, .. } => {
                let (index, below) = (role_index(role, objects), role_index(onto, objects));
                self.carry(objects, index, below, *lift, (*start, *duration), rng)
            }
            S::Release { role, frame, .. } => {
                let release = self.frames(rng, *frame).round();
                objects[role_index(role, objects)].held_until_frame = Some(release as u32);
                self.last_end = self.last_end.max(release);
            }
            S::CameraDolly { .. } | S::CameraTurn { .. } => unreachable!("not an actor's step"),
            S::Sweep { role, degrees, pivot, start, duration, .. } => {
                self.sweep(&objects[role_index(role, objects)], *degrees, *pivot, (*start, *duration), rng)
            }
            S::Retreat { toward, distance, delay, duration, .. } => {
                let begin = self.last_end + self.frames(rng, *delay);
                let end = begin + self.frames(rng, *duration).max(1.0);
                let delta = self.stage.axes.direction(*toward) * uniform(rng, *distance);
                self.move_straight(begin, end, delta);
                self.last_end = end;
            }
        }
    }

    /// `Start`: `gap` from the object on `side`, shifted `across` its face, at `height` up its
    /// side; entering from beyond the image's edge when `enters` says so.
    fn start(
        &mut self,
        objects: &[ObjectSpec],
        beside: &str,
        side: Side,
        (gap, height, across): (Range, Option<Range>, Option<Range>),
        (enters, arrives): (Option<Side>, Option<FrameRange>),
        rng: &mut ChaCha8Rng,
    ) {
        let axes = self.stage.axes;
        let object = &objects[role_index(beside, objects)];
        let centre = Vec3::from(object.position);
        let out = axes.direction(side);
        let gap = uniform(rng, gap);
        self.position = centre + out * (reach(object, out) + gap);
        if let Some(across) = across {
            let along = if matches!(side, Side::Toward | Side::Away) { axes.right } else { axes.away };
            self.position += along * uniform(rng, across) * reach(object, along);
        }
        if !matches!(side, Side::Up | Side::Down) {
            // A stacked role is touched relative to the whole stack.
            let pieces = objects.iter().filter(|o| o.role.as_deref() == Some(beside));
            let top = pieces.map(|o| o.position[1] + reach(o, Vec3::Y)).fold(f32::MIN, f32::max);
            let bottom = centre.y - reach(object, Vec3::NEG_Y);
            let object_height = top - bottom;
            let contact_height = match height {
                Some(fraction) => uniform(rng, fraction) * object_height,
                // Touch low on the object's side.
                None => (object_height * 0.4).clamp(0.012, 0.04),
            };
            // Never scrape the table.
            self.position.y = (bottom + contact_height).max(self.stage.area.center.y + 0.012);
        }
        self.facing = side.opposite();
        let here = ActorKeyframe { frame: 0.0, position: self.position.to_array() };
        let Some(entry) = enters else {
            self.keyframes.push(here);
            return;
        };
        // In from beyond the image's edge on that side, in place by `arrives`.
        let arrival = self.frames(rng, arrives.unwrap_or(FrameRange(3, 5))).max(1.0);
        let outside = out_of_view(self.position, axes.direction(entry), &self.stage.view);
        self.keyframes.push(ActorKeyframe { frame: 0.0, position: outside.to_array() });
        self.keyframes.push(ActorKeyframe { frame: arrival, ..here });
        self.last_end = arrival;
    }

    /// `PushToEdge`: through the object until its centre is `past_edge` beyond the surface's edge.
    fn push_to_edge(
        &mut self,
        object: &ObjectSpec,
        toward: Side,
        past_edge: Range,
        (start, duration): (FrameRange, FrameRange),
        rng: &mut ChaCha8Rng,
    ) {
        let direction = self.stage.axes.direction(toward);
        let centre = Vec3::from(object.position);
        let to_surface = (centre - self.position).dot(direction) - reach(object, direction);
        let object_travel = self.stage.area.to_edge(centre, direction) + uniform(rng, past_edge);
        let (begin, end) = self.span(rng, start, duration, 1.0);
        let travel = to_surface.max(0.0) + object_travel.max(0.0);
        self.move_straight(begin, end, direction * travel);
        self.last_end = end;
        self.first_push.get_or_insert(direction);
    }

    /// `Close`: behind the object on the line to `target` (or to a point clear of it, `passing`),
    /// then through it, closing `fraction` of the distance.
    fn close(
        &mut self,
        object: &ObjectSpec,
        target: &ObjectSpec,
        fraction: Range,
        passing: Option<Side>,
        (start, duration): (FrameRange, FrameRange),
        rng: &mut ChaCha8Rng,
    ) {
        let passing = passing.map(|side| self.stage.axes.direction(side));
        let (direction, gap) = closing_line(object, target, self.position.y, passing);
        let object_travel = uniform(rng, fraction) * gap.max(0.0);
        let (begin, end) = self.span(rng, start, duration, 2.0);
        // First step behind the object on the line it will travel, as far from its centre as the
        // actor already is, then push through.
        let centre = Vec3::new(object.position[0], self.position.y, object.position[2]);
        let back = (self.position - centre).length().max(reach(object, -direction) + 0.01);
        let settled = begin + (end - begin) * 0.2;
        let approach = centre - direction * back - self.position;
        self.move_straight(begin, settled, approach);
        let travel = back - reach(object, -direction) + object_travel;
        self.move_straight(settled, end, direction * travel);
        self.last_end = end;
        self.first_push.get_or_insert(direction);
    }

    /// `Pull`: grips object `index` where the actor touches it, moves `distance`, lets go.
    fn pull(
        &mut self,
        index: usize,
        toward: Side,
        distance: Range,
        (start, duration): (FrameRange, FrameRange),
        rng: &mut ChaCha8Rng,
    ) {
        let (begin, end) = self.span(rng, start, duration, 1.0);
        let delta = self.stage.axes.direction(toward) * uniform(rng, distance);
        self.move_straight(begin, end, delta);
        self.grips.push(Grip { object: index, from: begin, until: end });
        self.last_end = end;
    }

    /// `Push`: closes the gap to the object, then carries on `distance` through it.
    fn push(
        &mut self,
        object: &ObjectSpec,
        toward: Side,
        distance: Range,
        (start, duration): (FrameRange, FrameRange),
        rng: &mut ChaCha8Rng,
    ) {
        let direction = self.stage.axes.direction(toward);
        let to_surface = (Vec3::from(object.position) - self.position).dot(direction) - reach(object, direction);
        let travel = to_surface.max(0.0) + uniform(rng, distance);
        let (begin, end) = self.span(rng, start, duration, 1.0);
        self.move_straight(begin, end, direction * travel);
        self.last_end = end;
        self.first_push.get_or_insert(direction);
    }

    /// `Carry`: grips object `index`, lifts it, carries it over object `below`, sets it down on top.
    fn carry(
        &mut self,
        objects: &[ObjectSpec],
        index: usize,
        below: usize,
        lift: Range,
        (start, duration): (FrameRange, FrameRange),
        rng: &mut ChaCha8Rng,
    ) {
        let (carried, below) = (&objects[index], &objects[below]);
        let (begin, end) = self.span(rng, start, duration, 3.0);
        let lift = uniform(rng, lift);
        // The grip keeps the object where it is relative to the actor, so the actor's destination
        // is the object's resting place on top, less that offset.
        let offset = Vec3::from(carried.position) - self.position;
        let rest_height = below.position[1] + reach(below, Vec3::Y) + reach(carried, Vec3::NEG_Y) + 0.004;
        let rest = Vec3::new(below.position[0], rest_height, below.position[2]);
        let set_down = rest - offset;
        // Straight up until clear of the other object's top, across, then straight down.
        let clear = (self.position.y + lift).max(set_down.y + lift * 0.5);
        let lifted = Vec3::new(self.position.x, clear, self.position.z);
        let over = Vec3::new(set_down.x, clear, set_down.z);
        let third = (end - begin) / 3.0;
        let waypoints = [(begin, self.position), (begin + third, lifted), (begin + 2.0 * third, over), (end, set_down)];
        for (frame, point) in waypoints {
            self.keyframes.push(ActorKeyframe { frame, position: point.to_array() });
        }
        self.position = set_down;
        self.grips.push(Grip { object: index, from: begin, until: end });
        self.last_end = end;
    }

    /// `Sweep`: carries the contact point `degrees` round a vertical axis near the object's centre,
    /// in the sense that drives it into the face the actor started beside.
    fn sweep(
        &mut self,
        object: &ObjectSpec,
        degrees: Range,
        pivot: Option<Range>,
        (start, duration): (FrameRange, FrameRange),
        rng: &mut ChaCha8Rng,
    ) {
        let centre = Vec3::new(object.position[0], self.position.y, object.position[2]);
        // Along the face the actor is beside, towards the actor's side of the centre.
        let face = self.stage.axes.direction(self.facing);
        let along = Vec3::Y.cross(face).normalize();
        let along = if along.dot(self.position - centre) >= 0.0 { along } else { -along };
        let pivot = pivot.map_or(0.4, |range| uniform(rng, range));
        let axis = centre - along * pivot * reach(object, along);
        let offset = self.position - axis;
        // Of the two senses, the one whose first motion heads into the face the actor started
        // beside (it faces that face).
        let sense = if Vec3::Y.cross(offset).dot(face) >= 0.0 { 1.0 } else { -1.0 };
        let angle = sense * uniform(rng, degrees).to_radians();
        let (begin, end) = self.span(rng, start, duration, 1.0);
        // A keyframe per 5 degrees keeps the straight segments close to the arc.
        let pieces = ((angle.abs().to_degrees() / 5.0).ceil() as usize).max(1);
        for piece in 0..=pieces {
            let t = piece as f32 / pieces as f32;
            let point = axis + Quat::from_rotation_y(angle * t) * offset;
            self.keyframes.push(ActorKeyframe { frame: begin + (end - begin) * t, position: point.to_array() });
        }
        self.position = axis + Quat::from_rotation_y(angle) * offset;
        self.last_end = end;
    }
}

/// The ground direction along which a `Close` pushes `object` toward `target`, and the distance
/// its `fraction` is of: the gap between their surfaces on the line joining their centres, or,
/// `passing` on a side, the distance to a point just clear of the target on that side.
fn closing_line(object: &ObjectSpec, target: &ObjectSpec, height: f32, passing: Option<Vec3>) -> (Vec3, f32) {
    let from = Vec3::new(object.position[0], height, object.position[2]);
    let to = Vec3::new(target.position[0], height, target.position[2]);
    match passing {
        Some(side) => {
            // The two objects travel on parallel lanes that stand both objects' depth and a
            // hand's breadth apart, so they pass without touching.
            let clearance = reach(object, side) + reach(target, side) + 0.07;
            let (across, along) = ((to - from).dot(side), (to - from).reject_from_normalized(side).length());
            let aim = to + side * lane_offset(along, across, clearance);
            ((aim - from).normalize_or(side), (aim - from).length())
        }
        None => {
            let direction = (to - from).normalize_or(Vec3::X);
            (direction, (to - from).length() - reach(object, direction) - reach(target, -direction))
        }
    }
}

/// How far past the other object, toward the passing side, to aim so that two objects swapping
/// places on parallel lanes keep `clearance` between the lanes. The objects stand `along` apart in
/// the travel direction and `across` apart toward the passing side; aiming `offset` past the other
/// puts the lanes `along * offset / hypot(along, across + offset)` apart, solved here for `offset`.
/// Objects too close to pass get the widest lane that still points past the other.
fn lane_offset(along: f32, across: f32, clearance: f32) -> f32 {
    let along = along.max(clearance * 1.15);
    let (a, b) = (along * along - clearance * clearance, clearance * clearance * across);
    let c = clearance * clearance * (along * along + across * across);
    ((b + (b * b + a * c).sqrt()) / a).min(clearance * 3.0)
}

/// The camera-relative side on the ground nearest to a world direction.
fn nearest_side(direction: Vec3, axes: &CameraAxes) -> Side {
    let sides = [Side::Right, Side::Left, Side::Away, Side::Toward];
    sides
        .into_iter()
        .max_by(|a, b| axes.direction(*a).dot(direction).total_cmp(&axes.direction(*b).dot(direction)))
        .unwrap()
}

/// The first point from `contact` along the ground direction `outward` where an actor touching
/// there is out of `view`: its front (a few centimetres ahead of the contact point) and what it
/// holds above it project beyond the image's edge.
fn out_of_view(contact: Vec3, outward: Vec3, view: &CameraModel) -> Vec3 {
    let hidden = |point: Vec3| {
        [Vec3::ZERO, Vec3::Y * 0.15, Vec3::Y * 0.3]
            .iter()
            .all(|lift| view.project(point - outward * 0.06 + *lift).is_none_or(|p| !view.in_frame(p, -0.02)))
    };
    let mut point = contact;
    for _ in 0..100 {
        if hidden(point) {
            break;
        }
        point += outward * 0.05;
    }
    point
}

/// A rotation taking the actor's local +x to `facing`, with its local +y as close to up as it can be.
pub(super) fn facing_rotation(facing: Vec3, axes: &CameraAxes) -> Quat {
    let x = facing.normalize();
    let up_hint = if x.y.abs() > 0.9 { -axes.away } else { Vec3::Y };
    let z = x.cross(up_hint).normalize();
    let y = z.cross(x);
    Quat::from_mat3(&Mat3::from_cols(x, y, z))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lanes_aimed_past_the_other_object_stand_the_clearance_apart() {
        for (along, across, clearance) in [(0.3, 0.1, 0.12), (0.25, -0.12, 0.1), (0.4, 0.0, 0.15)] {
            let offset = lane_offset(along, across, clearance);
            let separation = along * offset / (along * along + (across + offset) * (across + offset)).sqrt();
            assert!((separation - clearance).abs() < 1e-4, "{along} {across} {clearance}: {separation}");
        }
        // Too close to pass at that clearance: still aims past the other, no further than 3 clearances.
        let offset = lane_offset(0.05, 0.0, 0.1);
        assert!(offset > 0.0 && offset <= 0.3 + 1e-6, "{offset}");
    }
}
