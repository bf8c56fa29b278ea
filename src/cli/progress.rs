//! What `generate` shows while it runs and when it ends: a progress bar on a terminal, a line
//! per clip otherwise, JSON lines for cluster logs, or nothing; then a per-class summary.

use crate::dataset::{Progress, Summary};

/// How `generate` reports, from its flags and whether stdout is a terminal.
pub(super) fn report_mode(quiet: bool, json: bool) -> ReportMode {
    if quiet {
        ReportMode::Quiet
    } else if json {
        ReportMode::JsonLines
    } else if std::io::IsTerminal::is_terminal(&std::io::stdout()) {
        ReportMode::Bar
    } else {
        ReportMode::Lines
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum ReportMode {
    /// A progress bar (stdout is a terminal).
    Bar,
    /// One line per clip (stdout is a file or a pipe).
    Lines,
    JsonLines,
    Quiet,
}

/// Shows a run's progress and its summary, as the mode asks.
pub(super) struct Reporter {
    mode: ReportMode,
    bar: Option<indicatif::ProgressBar>,
    rejected: u64,
}

impl Reporter {
    pub(super) fn new(mode: ReportMode, total: u64) -> Reporter {
        let bar = (mode == ReportMode::Bar).then(|| {
            let bar = indicatif::ProgressBar::new(total);
            let style =
                indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} clips  {per_sec}  ETA {eta}  {msg}")
                    .expect("a valid progress template");
            bar.set_style(style);
            bar
        });
        Reporter { mode, bar, rejected: 0 }
    }

    pub(super) fn clip(&mut self, event: Progress) {
        let (clip_index, label) = match event {
            Progress::Skipped { clip_index } => (clip_index, None),
            Progress::Written { clip_index, label } => (clip_index, Some(label)),
            Progress::Redone { clip_index, reason } => return self.redone(clip_index, &reason),
            Progress::Unverifiable { clip_index, reason } => return self.unverifiable(clip_index, &reason),
        };
        if let Some(label) = label {
            self.rejected += u64::from(label.attempts - 1);
        }
        match (self.mode, label) {
            (ReportMode::Quiet, _) => {}
            (ReportMode::Bar, _) => {
                let bar = self.bar.as_ref().expect("bar mode has a bar");
                bar.set_message(format!("{} rejected attempts", self.rejected));
                bar.inc(1);
            }
            (ReportMode::Lines, None) => println!("{clip_index:06} already done, skipped"),
            (ReportMode::Lines, Some(label)) => println!(
                "{} {} [{}] ({} attempt{})",
                label.id,
                label.label,
                label.scene,
                label.attempts,
                if label.attempts == 1 { "" } else { "s" }
            ),
            (ReportMode::JsonLines, None) => {
                println!("{}", serde_json::json!({"event": "skipped", "clip_index": clip_index}))
            }
            (ReportMode::JsonLines, Some(label)) => println!(
                "{}",
                serde_json::json!({
                    "event": "clip", "clip_index": clip_index, "id": label.id, "label": label.label,
                    "class_index": label.class_index, "scene": label.scene, "attempts": label.attempts,
                })
            ),
        }
    }

    /// A damaged clip from an earlier run is made again.
    fn redone(&self, clip_index: u64, reason: &str) {
        self.notice("redo", clip_index, reason, format!("{clip_index:06}: {reason}; making it again"));
    }

    /// A clip that failed verification in every attempt: said at once (the run goes on and
    /// lists them all when it ends); it counts as done on the bar.
    fn unverifiable(&self, clip_index: u64, reason: &str) {
        self.notice("unverifiable", clip_index, reason, format!("{clip_index:06}: not written: {reason}"));
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
    }

    /// Something about one clip said in every mode but quiet: as a JSON `event`, above the
    /// progress bar, or as a line.
    fn notice(&self, event: &str, clip_index: u64, reason: &str, line: String) {
        match (self.mode, &self.bar) {
            (ReportMode::Quiet, _) => {}
            (ReportMode::JsonLines, _) => {
                println!("{}", serde_json::json!({"event": event, "clip_index": clip_index, "reason": reason}))
            }
            (_, Some(bar)) => bar.println(line),
            (_, None) => println!("{line}"),
        }
    }

    pub(super) fn finish(self, summary: &Summary, out: &std::path::Path) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        let per_class: Vec<serde_json::Value> = summary
            .per_action
            .iter()
            .map(|(action, class)| {
                serde_json::json!({
                    "action": action, "clips": class.clips, "attempts": class.attempts,
                    "acceptance_rate": class.clips as f64 / class.attempts.max(1) as f64,
                })
            })
            .collect();
        match self.mode {
            ReportMode::Quiet => {}
            ReportMode::JsonLines => println!(
                "{}",
                serde_json::json!({
                    "event": "summary", "written": summary.written, "skipped": summary.skipped,
                    "frames": summary.frames, "seconds": summary.wall.as_secs_f64(),
                    "frames_per_second": summary.frames_per_second(), "per_action": per_class,
                    "renderer": summary.renderer,
                })
            ),
            ReportMode::Bar | ReportMode::Lines => {
                println!(
                    "wrote {} clip(s), skipped {}, {} frames in {:.1} s ({:.1} frames/s) into {}",
                    summary.written,
                    summary.skipped,
                    summary.frames,
                    summary.wall.as_secs_f64(),
                    summary.frames_per_second(),
                    out.display()
                );
                if let Some(renderer) = &summary.renderer {
                    print_device("rendered on", renderer);
                }
                for (action, class) in &summary.per_action {
                    println!(
                        "  {action:<24} {:>5} clips  {:>5} attempts  {:>5.1}% accepted",
                        class.clips,
                        class.attempts,
                        100.0 * class.clips as f64 / class.attempts.max(1) as f64
                    );
                }
            }
        }
    }
}

/// Prints the device clips were rendered on, and a note when a faster driver exists for it.
pub(super) fn print_device(prefix: &str, device: &str) {
    println!("{prefix} {device}");
    if let Some(hint) = crate::capture::slow_driver_hint(device) {
        println!("note: {hint}");
    }
}
