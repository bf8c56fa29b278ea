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
//! [`dataset`] drives the whole flow for many clips, [`bench`] measures it, and [`trial`] runs
//! steps 1 to 4 alone to tune action scripts, and [`sheet`] renders a contact sheet to look at.
//! [`preview`] plays one clip at a time in a window while its scene and action files are edited.

pub mod bench;
pub mod capture;
pub mod content;
pub mod dataset;
mod hash;
pub mod output;
pub mod preview;
pub mod sheet;
pub mod simulation;
pub mod spec;
pub mod trial;
pub mod verify;
pub mod world;
