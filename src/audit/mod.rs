//! Audit: can a dataset's labels be read before the motion starts?
//!
//! A dataset for action recognition is only useful if a model must watch the motion to get the
//! label. Classes that differ only in direction or outcome form first-frame groups
//! ([`crate::content::GroupDef`]); for each, the audit measures how well a small classifier
//! tells the group's classes apart from what the **first frame** shows (each role object's 2D box,
//! size, shape and colour, the actors, props and distractors, the camera), cross-validated, with a
//! 95% interval, against chance (the largest class's share). The same on the **last frame** is
//! the check that the audit can see at all: there, the classes must separate. All classes
//! together are scored too, with the share of clips per class showing each cue (a prop, a stack,
//! an object held in the air), so a cue that names one class shows even when no group holds it.
//!
//! Two sources give the same report: a finished dataset ([`read_dataset`]: its `label.json` and
//! `annotations.json` files), and the content itself ([`plan_catalogue`]: clips planned as
//! `generate` plans them, sampled, simulated and verified but not rendered, in seconds).

mod classify;
mod report;
mod view;

pub use classify::Score;
pub use report::{AuditReport, Counts, GroupAudit, audit};
pub use view::ClipView;

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::content::Content;
use crate::output::{ANNOTATIONS_FILE, Annotations, ClipLabel, OutputError, collect_labels};
use crate::plan::{DEFAULT_MAX_ATTEMPTS, PlanError, indices_of_action, plan_clip};
use crate::simulation::{Pose, simulate};
use crate::spec::VideoSpec;

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error(transparent)]
    Output(#[from] OutputError),
    #[error("{path}: {message}")]
    Annotations { path: PathBuf, message: String },
    #[error("no finished clips (directories with a label.json) in {0}")]
    Empty(PathBuf),
    #[error("--group `{0}`: write it as NAME=action,action[,...]")]
    GroupSyntax(String),
}

/// A group of classes to score together: a content group, or one named on the command line.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub name: String,
    pub members: Vec<String>,
}

impl Group {
    /// The groups the content declares.
    pub fn of_content(content: &Content) -> Vec<Group> {
        content.groups.iter().map(|g| Group { name: g.def.name.clone(), members: g.def.members.clone() }).collect()
    }

    /// A group written `NAME=action,action[,...]`.
    pub fn parse(text: &str) -> Result<Group, AuditError> {
        let syntax = || AuditError::GroupSyntax(text.to_string());
        let (name, members) = text.split_once('=').ok_or_else(syntax)?;
        let members: Vec<String> =
            members.split(',').map(str::trim).filter(|m| !m.is_empty()).map(String::from).collect();
        if name.trim().is_empty() || members.len() < 2 {
            return Err(syntax());
        }
        Ok(Group { name: name.trim().to_string(), members })
    }
}

/// Reads every finished clip of a dataset directory. Object poses come from `annotations.json`;
/// a clip without one (an older dataset) is simulated again from its recorded spec.
pub fn read_dataset(dir: &Path) -> Result<Vec<ClipView>, AuditError> {
    let labels = collect_labels(dir)?;
    if labels.is_empty() {
        return Err(AuditError::Empty(dir.to_path_buf()));
    }
    labels.iter().map(|label| read_clip(dir, label)).collect()
}

fn read_clip(dir: &Path, label: &ClipLabel) -> Result<ClipView, AuditError> {
    let spec = &label.spec;
    let last = spec.video.frames.saturating_sub(1) as usize;
    let path = dir.join(&label.id).join(ANNOTATIONS_FILE);
    let bad = |message: String| AuditError::Annotations { path: path.clone(), message };
    let (first, last) = match std::fs::read(&path) {
        Ok(bytes) => {
            let annotations: Annotations = serde_json::from_slice(&bytes).map_err(|e| bad(e.to_string()))?;
            poses_from_annotations(&annotations, spec.objects.len(), last)
                .ok_or_else(|| bad("does not match its label.json (another number of objects or frames)".to_string()))?
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            let trajectory = simulate(spec);
            let at = |frame: usize| trajectory.frames.get(frame).map(|f| f.objects.clone()).unwrap_or_default();
            (at(0), at(last))
        }
        Err(error) => return Err(bad(error.to_string())),
    };
    Ok(ClipView::new(spec, label.attempts, &first, &last, label.verification.visibility.clone()))
}

/// The objects' poses at frame 0 and at `last`, if the annotations hold `objects` objects with
/// that many frames.
fn poses_from_annotations(annotations: &Annotations, objects: usize, last: usize) -> Option<(Vec<Pose>, Vec<Pose>)> {
    if annotations.objects.len() != objects {
        return None;
    }
    let at = |frame: usize| -> Option<Vec<Pose>> {
        let pose = |object: &crate::output::ObjectAnnotations| {
            object.frames.get(frame).map(|f| Pose { position: f.position, rotation: f.rotation })
        };
        annotations.objects.iter().map(pose).collect()
    };
    Some((at(0)?, at(last)?))
}

/// What planning a catalogue of clips gave.
pub struct Catalogue {
    pub clips: Vec<ClipView>,
    /// Clips whose every attempt failed verification, by action.
    pub unverifiable: Counts,
}

/// Plans `clips_per_class` clips of every action of `content` as a dataset with `seed` would
/// (the same clip indices, scenes and attempts), without rendering, on `threads` threads.
pub fn plan_catalogue(
    content: &Content,
    seed: u64,
    clips_per_class: u32,
    video: VideoSpec,
    threads: usize,
) -> Result<Catalogue, PlanError> {
    let indices: Vec<u64> = (0..content.actions.len())
        .flat_map(|position| indices_of_action(content, position).take(clips_per_class as usize))
        .collect();
    let next = AtomicUsize::new(0);
    let planned: Mutex<Vec<Option<Result<ClipView, PlanError>>>> =
        Mutex::new((0..indices.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..threads.max(1) {
            scope.spawn(|| {
                loop {
                    let slot = next.fetch_add(1, Ordering::SeqCst);
                    let Some(&index) = indices.get(slot) else { break };
                    let view = plan_clip(content, seed, index, video, DEFAULT_MAX_ATTEMPTS).map(|clip| {
                        let frames = &clip.trajectory.frames;
                        let (first, last) = (&frames[0].objects, &frames[frames.len() - 1].objects);
                        let visibility = clip.verification.visibility.clone();
                        ClipView::new(&clip.spec, clip.rejected.len() as u32 + 1, first, last, visibility)
                    });
                    planned.lock().expect("catalogue lock")[slot] = Some(view);
                }
            });
        }
    });
    let mut catalogue = Catalogue { clips: Vec::new(), unverifiable: Counts::new() };
    for result in planned.into_inner().expect("catalogue lock").into_iter().flatten() {
        match result {
            Ok(view) => catalogue.clips.push(view),
            Err(PlanError::Unverifiable { action, .. }) => *catalogue.unverifiable.entry(action).or_default() += 1,
            Err(other) => return Err(other),
        }
    }
    Ok(catalogue)
}
