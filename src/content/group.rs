//! First-frame groups: classes that differ only in direction or outcome (pushing left or right;
//! pushing something off the table, almost off, or slightly). A model must not be able to tell
//! them apart before the motion starts, so `synthact audit` scores each group on its first frame.
//!
//! A group is a file in the actions directory's `groups/` folder, naming its member actions:
//! `(name: "push_sideways", members: ["push_left_to_right", "push_right_to_left"])`. A group
//! with an `opening` owns everything its members show before their motion: the roles (so the
//! object kinds), the actors' kinds, mirroring, the props and the setup are written once, in
//! the group, and given to every member as it loads; a member that writes one of them itself is
//! refused, and so is one whose actor is in view at frame 0 (every actor `enters`). The members
//! then share one distribution of first frames by construction.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::defs::{ActionDef, ActorKind, PropDef, RoleDef, ScriptStep, SetupStep, default_actors};
use super::load::{Content, Loaded, Problem, parse_dir};

/// The folder of group files inside an actions directory.
pub const GROUPS_FOLDER: &str = "groups";

/// A first-frame group as written in its file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupDef {
    pub name: String,
    /// The member actions, by name; at least two.
    pub members: Vec<String>,
    /// What every member shows before its motion starts, written once for all of them.
    #[serde(default)]
    pub opening: Option<OpeningDef>,
}

/// The part of an action a group with an opening writes for all its members.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpeningDef {
    pub roles: Vec<RoleDef>,
    #[serde(default = "default_actors")]
    pub actors: Vec<ActorKind>,
    #[serde(default)]
    pub mirror: bool,
    #[serde(default)]
    pub props: Vec<PropDef>,
    pub setup: Vec<SetupStep>,
}

/// The action fields an opening owns, as written in action files.
const OPENING_FIELDS: [&str; 5] = ["roles", "actors", "mirror", "props", "setup"];

/// Gives every member of a group with an opening the group's opening. A member that writes an
/// opening field itself is refused at that field. The member's hash covers the group file too,
/// since both make its clips.
pub(super) fn apply_openings(
    actions: &mut [Loaded<ActionDef>],
    groups: &[Loaded<GroupDef>],
    problems: &mut Vec<Problem>,
) {
    for group in groups {
        let Some(opening) = &group.def.opening else { continue };
        for action in actions.iter_mut().filter(|a| group.def.members.contains(&a.def.name)) {
            for field in OPENING_FIELDS.into_iter().filter(|field| action.source_map.has(field)) {
                let message = format!(
                    "group `{}` ({}) writes the opening of its members; remove `{field}` here",
                    group.def.name,
                    group.path.display()
                );
                problems.push(action.problem(field, message));
            }
            let def = &mut action.def;
            def.roles = opening.roles.clone();
            def.actors = opening.actors.clone();
            def.mirror = opening.mirror;
            def.props = opening.props.clone();
            def.setup = opening.setup.clone();
            action.hash = format!("{}+{}", action.hash, group.hash);
        }
    }
}

/// A problem found while validating `action`: one in a field its group's opening wrote is
/// reported in the group's file, at `opening.<field>`.
pub(super) fn relocate(content: &Content, action: &Loaded<ActionDef>, problem: Problem) -> Problem {
    let Some(group) = content.group_of(&action.def.name).filter(|g| g.def.opening.is_some()) else { return problem };
    let top = problem.field.split(['.', '[']).next().unwrap_or_default();
    if problem.file == action.path && OPENING_FIELDS.contains(&top) {
        let message = format!("{} (in member `{}`)", problem.message, action.def.name);
        return group.problem(&format!("opening.{}", problem.field), message);
    }
    problem
}

/// In a group with an opening, every actor of every member is out of view at frame 0.
fn validate_entries(group: &Loaded<GroupDef>, content: &Content, problems: &mut Vec<Problem>) {
    for action in content.actions.iter().filter(|a| group.def.members.contains(&a.def.name)) {
        for (i, step) in action.def.script.iter().enumerate() {
            if let ScriptStep::Start { enters: None, .. } = step {
                let message = format!(
                    "in group `{}` every actor is out of view at frame 0, so the first frame shows only the \
                     opening: add `enters: Left` or `enters: Right`",
                    group.def.name
                );
                problems.push(action.problem(&format!("script[{i}]"), message));
            }
        }
    }
}

/// The group files of `actions_dir` (none when it has no `groups/` folder), sorted by name.
pub(super) fn load_groups(actions_dir: &Path, problems: &mut Vec<Problem>) -> Vec<Loaded<GroupDef>> {
    let dir = actions_dir.join(GROUPS_FOLDER);
    if !super::files::is_dir(&dir) {
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
        if group.def.opening.is_some() {
            validate_entries(group, content, problems);
        }
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
