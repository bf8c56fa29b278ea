//! synthact: labeled synthetic action-recognition clips.
//!
//! The crate follows the data flow of a clip:
//!
//! 1. [`content`]: scene, object and action templates read from RON files and validated.
//! 2. [`spec`]: one fully concrete, serializable [`spec::ClipSpec`] sampled from the templates with a
//!    portable seeded RNG, a pure function of (dataset seed, clip index, content files).
//! 3. [`world`]: the spec spawned as Bevy entities, with Rapier bodies for simulation and meshes for
//!    rendering.
//! 4. [`simulation`]: fixed-step Rapier physics driving the actor and objects, recorded as a
//!    per-frame [`simulation::Trajectory`], then [`verify`]-ed against the action's postconditions.
//! 5. [`capture`]: the trajectory replayed and rendered offscreen through Bevy, frames read back.
//! 6. [`output`]: frames, optional videos and `label.json` written atomically as one clip
//!    directory; dataset manifests (SSv2, MMAction2, PySlowFast, WebDataset) from the labels.
//!
//! [`audit`] reads a dataset (or the content, planned without rendering) and measures whether its
//! labels can be told from the first frame alone.
//!
//! [`plan`] decides what clip a dataset index is and plans it (steps 2 to 4, re-sampled until
//! the clip verifies); [`dataset`] drives the whole flow for many clips. The front ends in
//! [`cli`] only drive these stages: the command line, the benchmark, the trial of action
//! scripts, the contact sheet and the preview window.

pub mod audit;
pub mod capture;
pub mod cli;
pub mod content;
pub mod dataset;
mod hash;
pub mod output;
pub mod plan;
pub mod simulation;
pub mod spec;
pub mod verify;
pub mod world;
