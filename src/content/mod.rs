//! Content: the RON files a user authors, first stage of the flow (content -> spec -> ...).
//!
//! [`Content::load`] reads every scene in a scenes directory, every action in an actions directory
//! and the object library, parses them with `ron` + `serde` and then validates their meaning. It
//! reports every problem at once, each with file, line, column and field, so an author can fix a
//! whole file in one go. Nothing downstream reads RON itself.

mod dataset;
mod defs;
pub mod files;
mod group;
mod load;
mod locate;
mod ssv2;
mod validate;

pub use dataset::{ANNOTATION_CHOICES, AnnotationImage, DatasetConfigDef, load_dataset_config, parse_annotation};
pub use defs::*;
pub use group::{GROUPS_FOLDER, GroupDef, OpeningDef};
pub use load::{Content, ContentError, Loaded, Memo, Problem, SceneOutcomes};
pub use locate::{LineCol, SourceMap};
pub use ssv2::{ssv2_class_index, ssv2_labels_json, template_key};
pub use validate::scene_relative;

use std::path::PathBuf;

/// The repository's built-in scenes directory.
pub fn default_scenes_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/scenes"))
}

/// The repository's built-in actions directory.
pub fn default_actions_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/actions"))
}

/// The repository's built-in object library.
pub fn default_objects_file() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/objects.ron"))
}
