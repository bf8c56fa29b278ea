//! Staging: which scenes can stage an action in practice, known before any clip is planned.
//!
//! A scene *may* stage an action when it has object kinds for every role ([`Content::stages`]);
//! whether the script can succeed there (the table is long enough to push along, the camera sees
//! the motion) shows only in simulation. So every such pair gets as many attempts as a clip gets,
//! from a fixed seed, and a pair that fails all of them leaves the action's rotation of scenes.
//! The attempts depend on the content and the video settings only, never on the dataset seed or
//! on which clips ran, so a clip's scene is the same in every run and every shard. An action of a
//! first-frame group is staged only where every member of the group is, so that the scene never
//! tells the class.

use serde::Serialize;

use super::{attempt, failed_checks};
use crate::content::{ActionDef, Content, Loaded, SceneDef, SceneOutcomes};
use crate::spec::{ClipChoice, VideoSpec};

/// The seed of the staging attempts; fixed so that staging is a property of the content.
const STAGING_SEED: u64 = 0x0073_7461_6769_6e67;

/// A scene that has an action's object kinds but was left out of its rotation, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Unstaged {
    pub scene: String,
    pub reason: String,
}

/// Where an action's clips are staged.
#[derive(Debug, Clone)]
pub struct Staging<'a> {
    /// The scenes its clips cycle through, in the content's order.
    pub scenes: Vec<&'a Loaded<SceneDef>>,
    /// The scenes with its kinds that were left out.
    pub unstaged: Vec<Unstaged>,
    /// No scene passed: `scenes` are all those with its kinds, and its clips will fail verification.
    pub nowhere: bool,
}

/// Where `action`'s clips are staged when each clip gets `max_attempts` attempts.
pub fn staging<'a>(
    content: &'a Content,
    action: &Loaded<ActionDef>,
    video: VideoSpec,
    max_attempts: u32,
) -> Staging<'a> {
    let hosts = content.stages(&action.def);
    let mut unstaged: Vec<Unstaged> = Vec::new();
    for member in group_members(content, action) {
        for (scene, failure) in outcomes(content, member, video, max_attempts) {
            let Some(checks) = failure else { continue };
            if unstaged.iter().any(|u| u.scene == scene) || !hosts.iter().any(|h| h.def.name == scene) {
                continue;
            }
            let reason = if member.def.name == action.def.name {
                format!("failed all {} staging attempts; last checks: {checks}", max_attempts.max(1))
            } else {
                let group = content.group_of(&action.def.name).map(|g| g.def.name.as_str()).unwrap_or_default();
                format!("`{}` of its first-frame group `{group}` cannot be staged there", member.def.name)
            };
            unstaged.push(Unstaged { scene, reason });
        }
    }
    let scenes: Vec<_> = hosts.iter().copied().filter(|h| !unstaged.iter().any(|u| u.scene == h.def.name)).collect();
    let nowhere = scenes.is_empty() && !hosts.is_empty();
    Staging { scenes: if nowhere { hosts } else { scenes }, unstaged, nowhere }
}

/// `action` and the loaded members of its first-frame group, itself first.
fn group_members<'a>(content: &'a Content, action: &'a Loaded<ActionDef>) -> Vec<&'a Loaded<ActionDef>> {
    let mut members = vec![action];
    if let Some(group) = content.group_of(&action.def.name) {
        let others = group.def.members.iter().filter(|name| **name != action.def.name);
        members.extend(others.filter_map(|name| content.action(name)));
    }
    members
}

/// For every scene with `action`'s kinds, whether one of `max_attempts` staging attempts
/// passed there; computed once per content.
fn outcomes(content: &Content, action: &Loaded<ActionDef>, video: VideoSpec, max_attempts: u32) -> SceneOutcomes {
    let key = format!("staging {} {max_attempts} {video:?}", action.def.name);
    content.memo.get_or_compute(key, || {
        let scenes = content.stages(&action.def);
        scenes
            .iter()
            .map(|scene| (scene.def.name.clone(), failure(content, action, scene, video, max_attempts)))
            .collect()
    })
}

/// `None` when a staging attempt of `action` in `scene` passes, else the last attempt's failed checks.
fn failure(
    content: &Content,
    action: &Loaded<ActionDef>,
    scene: &Loaded<SceneDef>,
    video: VideoSpec,
    max_attempts: u32,
) -> Option<String> {
    let choice = ClipChoice { id: "staging".into(), clip_index: 0, action, scene };
    let mut last = String::new();
    for number in 0..max_attempts.max(1) {
        let tried = attempt(content, &choice, STAGING_SEED, number, video);
        if tried.verification.passed {
            return None;
        }
        last = failed_checks(&tried.verification);
    }
    Some(last)
}
