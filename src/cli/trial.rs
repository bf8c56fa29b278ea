//! Trial: the content -> spec -> simulation -> verify part of the flow, without capture.
//!
//! `synthact trial` samples attempts of every action, simulates and verifies them, and reports how
//! many pass and which postconditions fail. It is how an action author tunes a script's ranges
//! (an attempt costs milliseconds; rendering is not involved), and how tests check that every
//! action is satisfiable in every scene that stages it. It names the scenes left out of an
//! action's rotation because no staging attempt passed there.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::content::Content;
use crate::plan::staging::{Unstaged, staging};
use crate::plan::{DEFAULT_MAX_ATTEMPTS, PlanError, attempt, choose, indices_of_action};
use crate::spec::VideoSpec;

/// How one action fared over its trial attempts.
#[derive(Debug, Clone, Serialize)]
pub struct ActionTrial {
    pub action: String,
    pub class_index: u32,
    pub attempts: u32,
    pub passed: u32,
    /// Attempts per scene, and how many of them passed.
    pub by_scene: BTreeMap<String, (u32, u32)>,
    /// How often each postcondition failed, with the last measurement that failed it.
    pub failures: BTreeMap<String, (u32, String)>,
    /// Scenes with the action's kinds that are left out of its rotation, and why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unstaged: Vec<Unstaged>,
}

impl ActionTrial {
    pub fn pass_rate(&self) -> f64 {
        self.passed as f64 / self.attempts.max(1) as f64
    }
}

/// How every action fared, in the content's order; JSON is the list of actions.
#[derive(Debug, Clone, Serialize)]
#[serde(transparent)]
pub struct TrialReport {
    pub actions: Vec<ActionTrial>,
}

impl TrialReport {
    /// The actions whose pass rate is below `rate`.
    pub fn below(&self, rate: f64) -> Vec<&str> {
        self.actions.iter().filter(|a| a.pass_rate() < rate).map(|a| a.action.as_str()).collect()
    }
}

impl std::fmt::Display for TrialReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for action in &self.actions {
            let scenes: Vec<String> =
                action.by_scene.iter().map(|(name, (tried, passed))| format!("{name} {passed}/{tried}")).collect();
            let rate = action.pass_rate() * 100.0;
            let (name, passed, attempts) = (&action.action, action.passed, action.attempts);
            writeln!(f, "{name:<24} {passed:>3}/{attempts:<3} passed ({rate:>3.0}%)  {}", scenes.join(", "))?;
            for (condition, (count, measured)) in &action.failures {
                writeln!(f, "    {count:>3} x {condition}  (last: {measured})")?;
            }
            for Unstaged { scene, reason } in &action.unstaged {
                writeln!(f, "    not staged in {scene}: {reason}")?;
            }
        }
        Ok(())
    }
}

/// Simulates and verifies `attempts` first attempts of every action of `content`, using the
/// clip indices `generate` would give that action, so scenes rotate as in a dataset.
pub fn trial(content: &Content, seed: u64, attempts: u32, video: VideoSpec) -> Result<TrialReport, PlanError> {
    let mut report = Vec::new();
    for (position, action) in content.actions.iter().enumerate() {
        let mut result = ActionTrial {
            action: action.def.name.clone(),
            class_index: action.def.class_index,
            attempts,
            passed: 0,
            by_scene: BTreeMap::new(),
            failures: BTreeMap::new(),
            unstaged: staging(content, action, video, DEFAULT_MAX_ATTEMPTS).unstaged,
        };
        for clip_index in indices_of_action(content, position).take(attempts as usize) {
            let first = attempt(content, &choose(content, clip_index, video, DEFAULT_MAX_ATTEMPTS)?, seed, 0, video);
            let (spec, verification) = (first.spec, first.verification);
            let scene = result.by_scene.entry(spec.scene.clone()).or_default();
            scene.0 += 1;
            if verification.passed {
                result.passed += 1;
                scene.1 += 1;
            }
            for check in verification.checks.iter().filter(|c| !c.passed) {
                let entry = result.failures.entry(check.condition.clone()).or_default();
                entry.0 += 1;
                entry.1 = check.measured.clone();
            }
        }
        report.push(result);
    }
    Ok(TrialReport { actions: report })
}
