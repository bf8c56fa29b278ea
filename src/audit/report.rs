//! The audit's report: counts, the first- and last-frame scores of every group and of all
//! classes together, and the cues per class; as text for a terminal and as JSON.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use super::Group;
use super::classify::{FOLDS, Score, score};
use super::view::ClipView;

/// How often something occurs.
pub type Counts = BTreeMap<String, usize>;

/// Clips the all-classes score looks at at most (evenly spaced), which bounds its cost on
/// datasets of tens of thousands of clips.
const MAX_SCORED_CLIPS: usize = 3000;

#[derive(Debug, Clone, Serialize)]
pub struct AuditReport {
    /// What was audited: a dataset directory, or the catalogue and its settings.
    pub source: String,
    pub clips: usize,
    /// Clips per class, as `"93 push_left_to_right"`.
    pub by_class: Counts,
    pub by_scene: Counts,
    /// Clips by their actors' kinds (`"none"` for a clip without an actor).
    pub by_actor_kind: Counts,
    /// Kinds of the objects that play a role in the action, summed over clips.
    pub by_role_object_kind: Counts,
    /// Kinds of everything else on the table: distractors and props.
    pub by_other_object_kind: Counts,
    /// Clips by the sampling attempts they took (1: the first attempt passed).
    pub attempts: BTreeMap<u32, usize>,
    pub mean_attempts: f64,
    /// Clips whose every attempt failed verification (catalogue only), by action.
    pub unverifiable: Counts,
    pub groups: Vec<GroupAudit>,
    /// Every class present scored together.
    pub all_classes: GroupAudit,
    /// Per cue (a prop's kind, "stack", "object held in the air"), the share of each class's
    /// clips whose first frame shows it; classes without it are left out.
    pub cues: BTreeMap<String, BTreeMap<String, f64>>,
    /// How much of the objects a label names the camera saw, over every role of every clip.
    pub visibility: VisibilitySpread,
    /// How the clips were filmed: the spread of camera and light over them.
    pub viewpoints: ViewpointSpread,
}

/// Percentiles 5, 50 and 95 of each of the clips' camera and light numbers.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ViewpointSpread {
    pub elevation_deg: [f64; 3],
    pub distance_m: [f64; 3],
    pub fov_deg: [f64; 3],
    pub roll_deg: [f64; 3],
    pub sun_lux: [f64; 3],
    pub lamps: [f64; 3],
}

impl ViewpointSpread {
    fn of(clips: &[ClipView]) -> ViewpointSpread {
        let spread = |pick: fn(&super::view::Viewpoint) -> f64| {
            let mut values: Vec<f64> = clips.iter().map(|clip| pick(&clip.viewpoint)).collect();
            values.sort_by(f64::total_cmp);
            percentiles(&values, [5, 50, 95])
        };
        ViewpointSpread {
            elevation_deg: spread(|v| v.elevation_deg),
            distance_m: spread(|v| v.distance_m),
            fov_deg: spread(|v| v.fov_deg),
            roll_deg: spread(|v| v.roll_deg),
            sun_lux: spread(|v| v.sun_lux),
            lamps: spread(|v| v.lamps),
        }
    }
}

impl fmt::Display for ViewpointSpread {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let row = |[p5, p50, p95]: [f64; 3], digits: usize| format!("{p5:.digits$} / {p50:.digits$} / {p95:.digits$}");
        writeln!(f, "camera and light (p5 / p50 / p95 over clips):")?;
        writeln!(
            f,
            "  camera elevation {} degrees, distance {} m",
            row(self.elevation_deg, 1),
            row(self.distance_m, 2)
        )?;
        writeln!(f, "  field of view {} degrees, roll {} degrees", row(self.fov_deg, 1), row(self.roll_deg, 1))?;
        writeln!(f, "  sun {} lux, lamps {}", row(self.sun_lux, 0), row(self.lamps, 0))
    }
}

/// The values at percentiles `ps` of sorted `values` (nearest rank below); 0 when there are none.
fn percentiles<const N: usize>(values: &[f64], ps: [usize; N]) -> [f64; N] {
    ps.map(|p| values.get(values.len().saturating_sub(1) * p / 100).copied().unwrap_or(0.0))
}

/// The spread of role objects' visible fractions (clips recorded before visibility was measured
/// add nothing).
#[derive(Debug, Clone, Default, Serialize)]
pub struct VisibilitySpread {
    /// Role objects measured.
    pub objects: usize,
    /// Percentiles 5, 25 and 50 of each object's median visible fraction over its clip.
    pub median: [f64; 3],
    /// The same of its least visible frame.
    pub min: [f64; 3],
    /// The lowest median of any object.
    pub lowest_median: f64,
    /// Share of objects whose median is below 0.3 and below 0.5.
    pub median_below_30: f64,
    pub median_below_50: f64,
}

impl VisibilitySpread {
    fn of(clips: &[ClipView]) -> VisibilitySpread {
        let seen: Vec<_> = clips.iter().flat_map(|clip| &clip.visibility).collect();
        if seen.is_empty() {
            return VisibilitySpread::default();
        }
        let sorted = |pick: fn(&crate::verify::visibility::RoleVisibility) -> f32| {
            let mut values: Vec<f64> = seen.iter().map(|v| f64::from(pick(v))).collect();
            values.sort_by(f64::total_cmp);
            values
        };
        let (medians, mins) = (sorted(|v| v.median), sorted(|v| v.min));
        let percentiles = |values: &[f64]| percentiles(values, [5, 25, 50]);
        let below = |limit: f64| medians.iter().filter(|m| **m < limit).count() as f64 / medians.len() as f64;
        VisibilitySpread {
            objects: seen.len(),
            median: percentiles(&medians),
            min: percentiles(&mins),
            lowest_median: medians[0],
            median_below_30: below(0.3),
            median_below_50: below(0.5),
        }
    }
}

impl fmt::Display for VisibilitySpread {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.objects == 0 {
            return writeln!(f, "visibility: not recorded in these clips");
        }
        let [m5, m25, m50] = self.median;
        let [n5, n25, n50] = self.min;
        writeln!(f, "visibility of the {} objects labels name (fraction of each seen):", self.objects)?;
        writeln!(
            f,
            "  median over its clip: p5 {m5:.2}, p25 {m25:.2}, p50 {m50:.2}; lowest {:.2}",
            self.lowest_median
        )?;
        writeln!(f, "  least visible frame:  p5 {n5:.2}, p25 {n25:.2}, p50 {n50:.2}")?;
        let (under30, under50) = (percent(self.median_below_30), percent(self.median_below_50));
        writeln!(f, "  median below 0.3: {under30} of objects; below 0.5: {under50}")
    }
}

/// A group's classes and how well the first and the last frame tell them apart.
#[derive(Debug, Clone, Serialize)]
pub struct GroupAudit {
    pub group: String,
    /// Clips per member action present.
    pub classes: Counts,
    /// The accuracy of always guessing the largest class.
    pub chance: f64,
    /// `None` with fewer than two members present, or a member with too few clips to
    /// cross-validate (fewer than the folds).
    pub first_frame: Option<Score>,
    pub last_frame: Option<Score>,
}

impl GroupAudit {
    /// How far the lower end of the first frame's 95% interval lies above chance, in
    /// percentage points: more than zero means the first frame tells the classes apart.
    pub fn leak_points(&self) -> Option<f64> {
        self.first_frame.map(|score| (score.low - self.chance) * 100.0)
    }
}

/// The report on `clips`, scoring every group in `groups` over the members present.
pub fn audit(source: String, clips: &[ClipView], groups: &[Group], unverifiable: Counts) -> AuditReport {
    let mut report = count(source, clips);
    report.unverifiable = unverifiable;
    report.groups = groups.iter().map(|group| score_group(&group.name, Some(&group.members), clips)).collect();
    report.all_classes = score_group("all classes", None, clips);
    report.cues = cues(clips);
    report
}

fn count(source: String, clips: &[ClipView]) -> AuditReport {
    let mut report = AuditReport {
        source,
        clips: clips.len(),
        by_class: Counts::new(),
        by_scene: Counts::new(),
        by_actor_kind: Counts::new(),
        by_role_object_kind: Counts::new(),
        by_other_object_kind: Counts::new(),
        attempts: BTreeMap::new(),
        mean_attempts: 0.0,
        unverifiable: Counts::new(),
        groups: Vec::new(),
        all_classes: score_group("all classes", None, &[]),
        cues: BTreeMap::new(),
        visibility: VisibilitySpread::of(clips),
        viewpoints: ViewpointSpread::of(clips),
    };
    let add = |counts: &mut Counts, key: &str| *counts.entry(key.to_string()).or_default() += 1;
    for clip in clips {
        add(&mut report.by_class, &format!("{} {}", clip.class_index, clip.action));
        add(&mut report.by_scene, &clip.scene);
        add(
            &mut report.by_actor_kind,
            &if clip.actor_kinds.is_empty() { "none".into() } else { clip.actor_kinds.join("+") },
        );
        clip.role_object_kinds.iter().for_each(|kind| add(&mut report.by_role_object_kind, kind));
        clip.other_object_kinds.iter().for_each(|kind| add(&mut report.by_other_object_kind, kind));
        *report.attempts.entry(clip.attempts).or_default() += 1;
    }
    report.mean_attempts = clips.iter().map(|c| f64::from(c.attempts)).sum::<f64>() / clips.len().max(1) as f64;
    report
}

/// Scores the clips of `members` (all clips with `None`).
fn score_group(name: &str, members: Option<&[String]>, clips: &[ClipView]) -> GroupAudit {
    let chosen: Vec<&ClipView> = clips.iter().filter(|c| members.is_none_or(|m| m.contains(&c.action))).collect();
    let stride = chosen.len().div_ceil(MAX_SCORED_CLIPS).max(1);
    let chosen: Vec<&ClipView> = chosen.into_iter().step_by(stride).collect();
    let mut classes = Counts::new();
    for clip in &chosen {
        *classes.entry(clip.action.clone()).or_default() += 1;
    }
    let largest = classes.values().copied().max().unwrap_or(0);
    let chance = largest as f64 / chosen.len().max(1) as f64;
    let class_of: Vec<usize> =
        chosen.iter().map(|c| classes.keys().position(|k| *k == c.action).unwrap_or(0)).collect();
    let enough = classes.len() >= 2 && classes.values().all(|&n| n >= FOLDS);
    let scored = |frame: fn(&ClipView) -> &Vec<f64>| {
        enough.then(|| score(&chosen.iter().map(|c| frame(c).clone()).collect::<Vec<_>>(), &class_of, classes.len()))
    };
    GroupAudit {
        group: name.to_string(),
        first_frame: scored(|c| &c.first),
        last_frame: scored(|c| &c.last),
        classes,
        chance,
    }
}

/// Per cue, the share of each class's clips that show it in their first frame.
fn cues(clips: &[ClipView]) -> BTreeMap<String, BTreeMap<String, f64>> {
    let mut per_class = Counts::new();
    let mut showing: BTreeMap<String, Counts> = BTreeMap::new();
    for clip in clips {
        *per_class.entry(clip.action.clone()).or_default() += 1;
        for cue in &clip.cues {
            *showing.entry(cue.clone()).or_default().entry(clip.action.clone()).or_default() += 1;
        }
    }
    showing
        .into_iter()
        .map(|(cue, classes)| {
            let shares = classes.into_iter().map(|(class, n)| {
                let share = n as f64 / per_class[&class] as f64;
                (class, share)
            });
            (cue, shares.collect())
        })
        .collect()
}

impl AuditReport {
    /// The groups whose first frame tells their classes apart by more than `points` percentage
    /// points above chance (the lower end of the 95% interval).
    pub fn leaking(&self, points: f64) -> Vec<&GroupAudit> {
        self.groups.iter().filter(|g| g.leak_points().is_some_and(|leak| leak > points)).collect()
    }
}

fn percent(value: f64) -> String {
    format!("{:.1}%", value * 100.0)
}

/// `title:` then the counts, wrapped to lines of about 100 characters.
fn write_counts(f: &mut fmt::Formatter<'_>, title: &str, counts: &Counts) -> fmt::Result {
    let mut line = format!("{title}:");
    if counts.is_empty() {
        line.push_str(" none");
    }
    for (i, (name, n)) in counts.iter().enumerate() {
        let item = format!(" {name}: {n}{}", if i + 1 < counts.len() { "," } else { "" });
        if line.len() + item.len() > 100 {
            writeln!(f, "{line}")?;
            line = " ".repeat(2);
        }
        line.push_str(&item);
    }
    writeln!(f, "{line}")
}

fn write_score(f: &mut fmt::Formatter<'_>, score: Option<Score>) -> fmt::Result {
    match score {
        Some(s) => write!(f, "  {:>6} ({:>6}-{:>6})", percent(s.accuracy), percent(s.low), percent(s.high)),
        None => write!(f, "  {:<22}", "too few clips"),
    }
}

fn write_group(f: &mut fmt::Formatter<'_>, group: &GroupAudit, show_leak: bool) -> fmt::Result {
    let clips: usize = group.classes.values().sum();
    if group.classes.len() < 2 {
        let present = group.classes.len();
        return writeln!(
            f,
            "{:<24} {clips:>6} {present:>7}  fewer than two of its classes in these clips",
            group.group
        );
    }
    write!(f, "{:<24} {:>6} {:>7} {:>7}", group.group, clips, group.classes.len(), percent(group.chance))?;
    write_score(f, group.first_frame)?;
    write_score(f, group.last_frame)?;
    match group.leak_points().filter(|_| show_leak) {
        Some(leak) => writeln!(f, "  {leak:>+6.1}"),
        None => writeln!(f),
    }
}

impl fmt::Display for AuditReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "audit of {}: {} clips", self.source, self.clips)?;
        write_counts(f, "clips per class", &self.by_class)?;
        write_counts(f, "scenes", &self.by_scene)?;
        write_counts(f, "actors", &self.by_actor_kind)?;
        write_counts(f, "role objects", &self.by_role_object_kind)?;
        write_counts(f, "other objects", &self.by_other_object_kind)?;
        let attempts: Vec<String> = self.attempts.iter().map(|(a, n)| format!("{a}: {n}")).collect();
        writeln!(f, "attempts per clip: mean {:.2} ({})", self.mean_attempts, attempts.join(", "))?;
        write!(f, "{}", self.visibility)?;
        write!(f, "{}", self.viewpoints)?;
        if !self.unverifiable.is_empty() {
            write_counts(f, "unverifiable clips (every attempt failed)", &self.unverifiable)?;
        }
        writeln!(f)?;
        writeln!(f, "Classifiers' cross-validated accuracy from what a frame shows, with 95% intervals.")?;
        writeln!(f, "leak: the first frame's lower bound above chance, in points (should be at most 0).")?;
        writeln!(
            f,
            "{:<24} {:>6} {:>7} {:>7}  {:<22}  {:<22}  {:>6}",
            "group", "clips", "classes", "chance", "first frame", "last frame", "leak"
        )?;
        for group in &self.groups {
            write_group(f, group, true)?;
        }
        // All classes differ in objects and props by design; their row shows how much.
        write_group(f, &self.all_classes, false)?;
        if !self.cues.is_empty() {
            writeln!(f)?;
            writeln!(f, "cues in the first frame (share of each class's clips):")?;
            for (cue, classes) in &self.cues {
                let shares: Vec<String> = classes.iter().map(|(c, share)| format!("{c} {}", percent(*share))).collect();
                writeln!(f, "  {cue}: {}", shares.join(", "))?;
            }
        }
        Ok(())
    }
}
