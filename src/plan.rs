//! Plan: what clip a dataset index stands for, and a sampled version of it that passes its
//! checks (content -> spec -> simulation -> verify, re-sampled until verified).
//!
//! Every front end that needs a clip (generate, bench, trial, sheet, preview) asks this stage,
//! so they all agree on it. It owns:
//! - the clip's identity: its id and directory name, from its index;
//! - the choice of action and scene for an index: actions are cycled on the index so classes stay
//!   balanced, and scenes are cycled among those that can stage the action ([`staging`]);
//! - the attempts policy: an attempt that fails verification is sampled again with the next
//!   attempt number (a new seed), with the same action and scene, up to a bound.

use crate::content::{ActionDef, Content, Loaded};
use crate::output::RejectedAttempt;
use crate::simulation::{Trajectory, simulate};
use crate::spec::{ClipChoice, ClipSpec, VideoSpec, sample_clip};
use crate::verify::{Verification, verify};

pub mod staging;

/// Default bound on sampling attempts per clip.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 20;

#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("no actions are loaded")]
    NoActions,
    #[error("no scene can stage action `{0}`: none has object kinds meeting its roles' requirements")]
    NoSceneForAction(String),
    #[error(
        "clip {clip_index} (action `{action}`) failed verification in all {attempts} attempts; last checks: {last}"
    )]
    Unverifiable { clip_index: u64, action: String, attempts: u32, last: String },
}

/// The id (and directory name) of clip `clip_index`.
pub fn clip_id(clip_index: u64) -> String {
    format!("{clip_index:06}")
}

/// The action of clip `clip_index`: actions are cycled so classes stay balanced.
pub fn choose_action(content: &Content, clip_index: u64) -> Result<&Loaded<ActionDef>, PlanError> {
    let count = content.actions.len() as u64;
    if count == 0 {
        return Err(PlanError::NoActions);
    }
    Ok(&content.actions[(clip_index % count) as usize])
}

/// The action and scene of clip `clip_index`: the action's clips cycle through the scenes that
/// can stage it with `max_attempts` attempts per clip.
pub fn choose(
    content: &Content,
    clip_index: u64,
    video: VideoSpec,
    max_attempts: u32,
) -> Result<ClipChoice<'_>, PlanError> {
    let action = choose_action(content, clip_index)?;
    let hosts = staging::staging(content, action, video, max_attempts).scenes;
    if hosts.is_empty() {
        return Err(PlanError::NoSceneForAction(action.def.name.clone()));
    }
    let round = clip_index / content.actions.len() as u64;
    let scene = hosts[(round % hosts.len() as u64) as usize];
    Ok(ClipChoice { id: clip_id(clip_index), clip_index, action, scene })
}

/// The clip indices a dataset gives the action at `position` in `content.actions`, in order.
pub fn indices_of_action(content: &Content, position: usize) -> impl Iterator<Item = u64> {
    let actions = content.actions.len().max(1) as u64;
    (0..).map(move |k| k * actions + position as u64)
}

/// One sampling attempt of a clip, simulated and verified.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub spec: ClipSpec,
    pub trajectory: Trajectory,
    pub verification: Verification,
}

/// Samples attempt `attempt` of the chosen clip, simulates it and checks its postconditions.
pub fn attempt(content: &Content, choice: &ClipChoice, seed: u64, attempt: u32, video: VideoSpec) -> Attempt {
    let spec = sample_clip(content, choice, seed, attempt, video);
    let trajectory = simulate(&spec);
    let verification = verify(&spec, &choice.action.def, &trajectory);
    Attempt { spec, trajectory, verification }
}

/// A clip that passed verification, ready to render.
#[derive(Debug, Clone)]
pub struct PlannedClip {
    pub spec: ClipSpec,
    pub trajectory: Trajectory,
    pub verification: Verification,
    pub rejected: Vec<RejectedAttempt>,
}

/// Samples, simulates and verifies clip `clip_index`, re-sampling failed attempts up to
/// `max_attempts` (at least one).
pub fn plan_clip(
    content: &Content,
    seed: u64,
    clip_index: u64,
    video: VideoSpec,
    max_attempts: u32,
) -> Result<PlannedClip, PlanError> {
    let choice = choose(content, clip_index, video, max_attempts)?;
    let mut rejected = Vec::new();
    for number in 0..max_attempts.max(1) {
        let Attempt { spec, trajectory, verification } = attempt(content, &choice, seed, number, video);
        if verification.passed {
            return Ok(PlannedClip { spec, trajectory, verification, rejected });
        }
        rejected.push(RejectedAttempt { attempt: number, clip_seed: spec.clip_seed, verification });
    }
    Err(PlanError::Unverifiable {
        clip_index,
        action: choice.action.def.name.clone(),
        attempts: max_attempts.max(1),
        last: rejected.last().map(|r| failed_checks(&r.verification)).unwrap_or_default(),
    })
}

/// The failed checks of a verification with what was measured, for an error message.
fn failed_checks(verification: &Verification) -> String {
    let failed: Vec<String> =
        verification.checks.iter().filter(|c| !c.passed).map(|c| format!("{}: {}", c.condition, c.measured)).collect();
    failed.join("; ")
}
