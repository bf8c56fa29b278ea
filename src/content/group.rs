//! First-frame groups: classes that differ only in direction or outcome (pushing left or right;
//! pushing something off the table, almost off, or slightly). A model must not be able to tell
//! them apart before the motion starts, so `synthact audit` scores each group on its first frame.
//!
//! A group is a file in the actions directory's `groups/` folder, naming its member actions:
//! `(name: "push_sideways", members: ["push_left_to_right", "push_right_to_left"])`.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::load::{Content, Loaded, Problem, parse_dir};

/// The folder of group files inside an actions directory.
pub const GROUPS_FOLDER: &str = "groups";

/// A first-frame group as written in its file.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupDef {
    pub name: String,
    /// The member actions, by name; at least two.
    pub members: Vec<String>,
}

/// The group files of `actions_dir` (none when it has no `groups/` folder), sorted by name.
pub(super) fn load_groups(actions_dir: &Path, problems: &mut Vec<Problem>) -> Vec<Loaded<GroupDef>> {
    let dir = actions_dir.join(GROUPS_FOLDER);
    if !dir.is_dir() {
        return Vec::new();
    }
    let mut groups = parse_dir::<GroupDef>(&dir, "group", problems);
    groups.sort_by(|a, b| a.def.name.cmp(&b.def.name));
    groups
}

/// Every group names two or more loaded actions, and an action belongs to one group at most.
pub(super) fn validate_groups(content: &Content, problems: &mut Vec<Problem>) {
    let mut owner: BTreeMap<&str, &str> = BTreeMap::new();
    let mut names: BTreeMap<&str, ()> = BTreeMap::new();
    for group in &content.groups {
        let def = &group.def;
        if names.insert(&def.name, ()).is_some() {
            problems.push(group.problem("name", format!("another group file is also named `{}`", def.name)));
        }
        if def.members.len() < 2 {
            problems.push(group.problem("members", "a group needs at least two member actions"));
        }
        for (i, member) in def.members.iter().enumerate() {
            let field = format!("members[{i}]");
            if content.action(member).is_none() {
                let known: Vec<&str> = content.actions.iter().map(|a| a.def.name.as_str()).collect();
                problems.push(group.problem(&field, format!("unknown action `{member}`; known: {}", known.join(", "))));
            } else if let Some(other) = owner.insert(member, &def.name) {
                let message = format!("action `{member}` is already in group `{other}`; an action has one group");
                problems.push(group.problem(&field, message));
            }
        }
    }
}

impl Content {
    /// The group action `name` belongs to, if any.
    pub fn group_of(&self, name: &str) -> Option<&Loaded<GroupDef>> {
        self.groups.iter().find(|group| group.def.members.iter().any(|member| member == name))
    }
}
