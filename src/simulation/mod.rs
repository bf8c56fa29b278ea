//! Simulation: fixed-step Rapier physics for one clip, fourth stage of the flow
//! (world -> simulation -> capture).
//!
//! Each clip gets a fresh physics-only Bevy app, so a clip never depends on what was simulated
//! before it (clip 5 alone equals clip 5 in a batch). The actor is a kinematic body moved along
//! its scripted path every step; objects move only through contacts and gravity. The poses of
//! every object and the actor are recorded once per video frame as a [`Trajectory`], which
//! verification checks and the renderer replays: rejected attempts cost simulation, not rendering.

use bevy::ecs::schedule::SingleThreadedExecutor;
use bevy::prelude::*;
use bevy_rapier3d::prelude::*;
use serde::{Deserialize, Serialize};

use crate::spec::ClipSpec;
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
    pub actor: Pose,
}

/// The simulated clip: one [`FrameState`] per video frame, and when the actor first touched
/// each object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trajectory {
    pub frames: Vec<FrameState>,
    /// Per object, the first video frame at whose end the actor was in contact with it.
    pub first_actor_contact: Vec<Option<u32>>,
}

/// Collision starts between the actor and objects, by physics step.
#[derive(Resource, Default)]
struct ContactLog {
    step: u32,
    actor_contacts: Vec<(u32, Entity)>,
}

fn log_actor_contacts(
    mut events: MessageReader<CollisionEvent>,
    actors: Query<(), With<crate::world::Actor>>,
    mut log: ResMut<ContactLog>,
) {
    for event in events.read() {
        if let CollisionEvent::Started(a, b, _) = *event {
            let step = log.step;
            if actors.contains(a) {
                log.actor_contacts.push((step, b));
            } else if actors.contains(b) {
                log.actor_contacts.push((step, a));
            }
        }
    }
}

/// A physics-only app: no renderer, no window, Rapier stepping `dt` per update.
fn physics_app(dt: f32) -> App {
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, TransformPlugin, RapierPhysicsPlugin::<NoUserData>::default()));
    app.insert_resource(TimestepMode::Fixed { dt, substeps: 1 });
    app.init_resource::<ContactLog>();
    app.add_systems(Last, log_actor_contacts);
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
        // The kinematic actor is placed where its path is at the end of this step.
        let target = Vec3::from(spec.actor.position_at(frame_time));
        world.get_mut::<Transform>(entities.actor).expect("actor spawned").translation = target;
        world.resource_mut::<ContactLog>().step = step;
        app.update();
        if step % steps_per_frame == 0 {
            frames.push(record(app.world_mut(), &entities));
        }
    }
    let log = app.world().resource::<ContactLog>();
    let first_actor_contact = entities
        .objects
        .iter()
        .map(|entity| {
            log.actor_contacts
                .iter()
                .filter(|(_, other)| other == entity)
                .map(|(step, _)| step.div_ceil(steps_per_frame))
                .min()
        })
        .collect();
    Trajectory { frames, first_actor_contact }
}

fn record(world: &mut World, entities: &PhysicsEntities) -> FrameState {
    let pose = |entity: Entity| Pose::of(world.get::<Transform>(entity).expect("spawned with a transform"));
    FrameState { objects: entities.objects.iter().map(|e| pose(*e)).collect(), actor: pose(entities.actor) }
}
