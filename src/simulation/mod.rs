//! Simulation: fixed-step Rapier physics for one clip, fourth stage of the flow
//! (world -> simulation -> capture).
//!
//! Each clip gets a fresh physics-only Bevy app, so a clip never depends on what was simulated
//! before it (clip 5 alone equals clip 5 in a batch). The actor is a kinematic body moved along
//! its scripted path every step; objects move only through contacts and gravity. The poses of
//! every object and the actor are recorded once per video frame as a [`Trajectory`], which
//! verification checks and the renderer replays: rejected attempts cost simulation, not rendering.

use std::collections::BTreeMap;

use bevy::ecs::schedule::SingleThreadedExecutor;
use bevy::prelude::*;
use bevy_rapier3d::prelude::*;
use bevy_rapier3d::rapier::dynamics::{FrictionModel, IntegrationParameters};
use serde::{Deserialize, Serialize};

use crate::spec::{ClipSpec, Grip};
use crate::world::{PhysicsEntities, spawn_physics};

/// A rigid pose: position and rotation quaternion (x, y, z, w).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Pose {
    pub position: [f32; 3],
    pub rotation: [f32; 4],
}

impl Pose {
    fn of(transform: &Transform) -> Pose {
        Pose { position: transform.translation.to_array(), rotation: transform.rotation.to_array() }
    }

    pub fn transform(&self) -> Transform {
        Transform::from_translation(Vec3::from(self.position)).with_rotation(Quat::from_array(self.rotation))
    }
}

/// Poses at one video frame.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FrameState {
    /// Indexed like `ClipSpec::objects`.
    pub objects: Vec<Pose>,
    /// Indexed like `ClipSpec::actors`.
    pub actors: Vec<Pose>,
    /// The objects' velocities, indexed like `objects`.
    pub velocities: Vec<Motion>,
}

/// A body's velocity in world space.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Motion {
    /// Metres per second.
    pub linear: [f32; 3],
    /// Radians per second, about the axis it points along.
    pub angular: [f32; 3],
}

/// One of the clip's moving bodies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Body {
    /// An actor, by its index in `ClipSpec::actors`.
    Actor(usize),
    /// An object, by its index in `ClipSpec::objects`.
    Object(usize),
}

/// Two bodies starting or ceasing to touch, at the end of video frame `frame`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ContactEvent {
    pub frame: u32,
    /// True when they start touching, false when they part.
    pub started: bool,
    pub a: Body,
    pub b: Body,
}

/// The simulated clip: one [`FrameState`] per video frame, and when things first touched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trajectory {
    pub frames: Vec<FrameState>,
    /// Per object, the first video frame at whose end an actor was in contact with it.
    pub first_actor_contact: Vec<Option<u32>>,
    /// Pairs of objects that touched, `(a, b, frame)` with `a < b` (indices into the spec's
    /// objects), each with the first video frame at whose end they were in contact.
    pub object_contacts: Vec<(usize, usize, u32)>,
    /// Every start and end of a contact between an actor and an object or between two objects,
    /// in order (the table, walls and props are left out).
    pub contacts: Vec<ContactEvent>,
}

impl Trajectory {
    /// The first frame objects `a` and `b` touched, if they did.
    pub fn first_contact_between(&self, a: usize, b: usize) -> Option<u32> {
        let (a, b) = (a.min(b), a.max(b));
        self.object_contacts.iter().find(|(x, y, _)| (*x, *y) == (a, b)).map(|(_, _, frame)| *frame)
    }
}

/// Who touched what: every contact start and end, by physics step, as Rapier reported it.
#[derive(Resource, Default)]
struct ContactLog {
    step: u32,
    /// `(step, started, entity, entity)`.
    changes: Vec<(u32, bool, Entity, Entity)>,
}

fn log_contacts(mut events: MessageReader<CollisionEvent>, mut log: ResMut<ContactLog>) {
    for event in events.read() {
        let step = log.step;
        match *event {
            CollisionEvent::Started(a, b, _) => log.changes.push((step, true, a, b)),
            CollisionEvent::Stopped(a, b, _) => log.changes.push((step, false, a, b)),
        }
    }
}

/// A physics-only app: no renderer, no window, Rapier stepping `dt` per update.
fn physics_app(dt: f32) -> App {
    let mut app = App::new();
    // Coulomb friction, one cone per contact point. Rapier's default simplified model resists
    // sliding and turning separately, each at full strength: an object pushed at one end slid
    // away without turning, so nothing could be pushed into a spin.
    let integration_parameters = IntegrationParameters { friction_model: FrictionModel::Coulomb, ..default() };
    let physics = RapierPhysicsPlugin::<NoUserData>::default().with_custom_initialization(
        RapierContextInitialization::InitializeDefaultRapierContext {
            integration_parameters,
            rapier_configuration: RapierConfiguration::new(1.0),
        },
    );
    app.add_plugins((MinimalPlugins, TransformPlugin, physics));
    app.insert_resource(TimestepMode::Fixed { dt, substeps: 1 });
    app.init_resource::<ContactLog>();
    app.add_systems(Last, log_contacts);
    app.finish();
    app.cleanup();
    // A few bodies per step: handing systems to other threads costs more than running them.
    for (_, schedule) in app.world_mut().resource_mut::<Schedules>().iter_mut() {
        schedule.set_executor(SingleThreadedExecutor::new());
    }
    app
}

/// Simulates the spec's clip and records its trajectory.
pub fn simulate(spec: &ClipSpec) -> Trajectory {
    let video = spec.video;
    let steps_per_frame = video.physics_steps_per_frame.max(1);
    let mut app = physics_app(video.physics_dt());
    let entities = spawn_physics(app.world_mut(), spec);
    let mut frames = Vec::with_capacity(video.frames as usize);
    frames.push(record(app.world_mut(), &entities));
    let mut released: Vec<bool> = spec.objects.iter().map(|o| o.held_until_frame.is_none()).collect();
    let grips: Vec<(usize, Grip)> = spec
        .actors
        .iter()
        .enumerate()
        .flat_map(|(actor, spec)| spec.grips.iter().map(move |grip| (actor, *grip)))
        .collect();
    let mut gripping = vec![false; grips.len()];
    for step in 1..=(video.frames.saturating_sub(1) * steps_per_frame) {
        let frame_time = step as f32 / steps_per_frame as f32;
        let world = app.world_mut();
        // Let go of held objects once their release frame has begun.
        for (index, object) in spec.objects.iter().enumerate() {
            if let Some(release) = object.held_until_frame
                && !released[index]
                && frame_time > release as f32
            {
                world.entity_mut(entities.objects[index]).insert(RigidBody::Dynamic);
                released[index] = true;
            }
        }
        // Grip with a fixed joint that keeps the object where it is relative to the actor, so
        // gripping never jolts it; let go by removing the joint.
        for (index, (actor_index, grip)) in grips.iter().enumerate() {
            let (object, actor_entity) = (entities.objects[grip.object], entities.actors[*actor_index]);
            if !gripping[index] && frame_time > grip.from && frame_time <= grip.until {
                let actor = *world.get::<Transform>(actor_entity).expect("actor spawned");
                let held = *world.get::<Transform>(object).expect("object spawned");
                let inverse = actor.rotation.inverse();
                let joint = FixedJointBuilder::new()
                    .local_anchor1(inverse * (held.translation - actor.translation))
                    .local_basis1(inverse * held.rotation);
                world.entity_mut(object).insert(ImpulseJoint::new(actor_entity, joint));
                gripping[index] = true;
            } else if gripping[index] && frame_time > grip.until {
                world.entity_mut(object).remove::<ImpulseJoint>();
                gripping[index] = false;
            }
        }
        // Each kinematic actor is placed where its path is at the end of this step.
        for (actor, entity) in spec.actors.iter().zip(&entities.actors) {
            let target = Vec3::from(actor.position_at(frame_time));
            world.get_mut::<Transform>(*entity).expect("actor spawned").translation = target;
        }
        world.resource_mut::<ContactLog>().step = step;
        app.update();
        if step % steps_per_frame == 0 {
            frames.push(record(app.world_mut(), &entities));
        }
    }
    let log = app.world().resource::<ContactLog>();
    let frame_of = |step: u32| step.div_ceil(steps_per_frame);
    let body = |entity: Entity| {
        let actor = entities.actors.iter().position(|e| *e == entity).map(Body::Actor);
        actor.or_else(|| entities.object_of(entity).map(Body::Object))
    };
    // Two bodies touch while any of their colliders do: count touching collider pairs.
    let mut touching: BTreeMap<(Body, Body), u32> = BTreeMap::new();
    let contacts: Vec<ContactEvent> = log
        .changes
        .iter()
        .filter_map(|&(step, started, a, b)| {
            let (a, b) = (body(a)?, body(b)?);
            // Actors first, then objects, each by index.
            let (a, b) = if a <= b { (a, b) } else { (b, a) };
            let count = touching.entry((a, b)).or_default();
            let before = *count;
            *count = if started { before + 1 } else { before.saturating_sub(1) };
            let changes = if started { before == 0 } else { before == 1 };
            changes.then(|| ContactEvent { frame: frame_of(step), started, a, b })
        })
        .filter(|event| matches!(event.b, Body::Object(_)))
        .collect();
    let starts = || contacts.iter().filter(|event| event.started);
    let first_actor_contact = (0..spec.objects.len())
        .map(|index| {
            starts()
                .filter(|e| matches!((e.a, e.b), (Body::Actor(_), Body::Object(i)) if i == index))
                .map(|e| e.frame)
                .min()
        })
        .collect();
    let mut object_contacts: Vec<(usize, usize, u32)> = Vec::new();
    for event in starts() {
        let (Body::Object(a), Body::Object(b)) = (event.a, event.b) else { continue };
        match object_contacts.iter_mut().find(|(x, y, _)| (*x, *y) == (a, b)) {
            Some(known) => known.2 = known.2.min(event.frame),
            None => object_contacts.push((a, b, event.frame)),
        }
    }
    object_contacts.sort();
    Trajectory { frames, first_actor_contact, object_contacts, contacts }
}

fn record(world: &mut World, entities: &PhysicsEntities) -> FrameState {
    let pose = |entity: Entity| Pose::of(world.get::<Transform>(entity).expect("spawned with a transform"));
    let motion = |entity: Entity| {
        let velocity = world.get::<Velocity>(entity).copied().unwrap_or_default();
        Motion { linear: velocity.linear.to_array(), angular: velocity.angular.to_array() }
    };
    FrameState {
        objects: entities.objects.iter().map(|e| pose(*e)).collect(),
        actors: entities.actors.iter().map(|e| pose(*e)).collect(),
        velocities: entities.objects.iter().map(|e| motion(*e)).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::Content;
    use crate::plan::choose;
    use crate::spec::{ShapeSpec, VideoSpec, sample_clip};

    /// A lathe's wall pieces sit on a child entity; Rapier must fix them to the object's body,
    /// or they would stay behind as a static wall where the object started.
    #[test]
    fn every_collider_of_an_object_belongs_to_its_body() {
        let content = Content::load_builtin().unwrap();
        let video = VideoSpec::default();
        let mut spec = sample_clip(&content, &choose(&content, 0, video, 20).unwrap(), 3, 0, video);
        let profile = vec![[1.0, 0.0], [1.0, 1.0]];
        spec.objects[0].shape = ShapeSpec::Lathe { radius: 0.04, height: 0.1, profile, wall: Some(0.005) };
        let mut app = physics_app(video.physics_dt());
        let entities = spawn_physics(app.world_mut(), &spec);
        app.update();
        let world = app.world_mut();
        let (colliders, bodies) =
            world.query::<(&RapierContextColliders, &RapierRigidBodySet)>().single(world).unwrap();
        assert!(entities.object_parts.iter().any(|(_, index)| *index == 0), "the mug's walls are a second collider");
        for (part, index) in &entities.object_parts {
            assert_eq!(colliders.collider_parent(bodies, *part), Some(entities.objects[*index]));
        }
    }
}
