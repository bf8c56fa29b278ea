//! Command-line tier: the `synthact` binary as a user runs it: listing, validation, bad input,
//! and whole clips written to disk and read back.

mod common;

use std::path::Path;

use common::{REAL_TIME_FEW_FRAMES, clip_dirs, files_under, shows_a_scene, stderr, stdout, synthact};
use synthact::content::default_scenes_dir;
use synthact::output::ClipLabel;

#[test]
fn list_prints_scenes_and_actions_with_templates() {
    let output = synthact(&["list"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("tabletop_room"), "{text}");
    for template in [
        "Pushing [something] from left to right",
        "Pushing [something] from right to left",
        "[Something] falling like a rock",
    ] {
        assert!(text.contains(template), "missing {template:?} in:\n{text}");
    }
}

#[test]
fn validate_accepts_the_shipped_content() {
    let output = synthact(&["validate"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let actions = std::fs::read_dir(env!("CARGO_MANIFEST_DIR").to_owned() + "/actions")
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "ron"))
        .count();
    // Run in the checkout, it reads the checkout's folders and says so.
    let said = stdout(&output);
    let scenes = format!("scenes from {}/scenes", env!("CARGO_MANIFEST_DIR"));
    assert!(said.lines().next().is_some_and(|line| line.contains(&scenes)), "{said}");
    let expected = format!("ok: 3 scene(s), {actions} action(s)");
    assert!(said.lines().nth(1).is_some_and(|line| line.starts_with(&expected)), "{said}");
}

/// Runs `validate` and `generate` on a scenes directory holding `text`; both must fail, name the
/// position and field, and leave `--out` unwritten.
fn assert_rejected(text: &str, expected_line: usize, field: &str) {
    let dir = tempfile::tempdir().unwrap();
    let scenes = dir.path().join("scenes");
    std::fs::create_dir(&scenes).unwrap();
    let file = scenes.join("room.ron");
    std::fs::write(&file, text).unwrap();
    let out = dir.path().join("out");
    let scenes_arg = scenes.to_str().unwrap();
    for args in [
        vec!["validate", "--scenes-dir", scenes_arg],
        vec!["generate", "--scenes-dir", scenes_arg, "--out", out.to_str().unwrap(), "--clips", "1"],
    ] {
        let output = synthact(&args);
        assert!(!output.status.success(), "{args:?} should fail");
        let message = stderr(&output);
        let position = format!("{}:{expected_line}:", file.display());
        assert!(message.contains(&position), "{args:?}: no {position:?} in:\n{message}");
        assert!(message.contains(&format!("field `{field}`")), "{args:?}: field {field} not named in:\n{message}");
        assert!(!out.exists(), "{args:?} wrote to --out despite bad input");
    }
}

#[test]
fn misspelled_field_fails_validate_and_generate_without_output() {
    let text = std::fs::read_to_string(default_scenes_dir().join("tabletop_room.ron")).unwrap();
    let text = text.replacen("action_area:", "action_aera:", 1);
    let line = text.lines().position(|l| l.contains("action_aera:")).unwrap() + 1;
    assert_rejected(&text, line, "action_aera");
}

#[test]
fn syntax_error_fails_validate_and_generate_without_output() {
    let text = std::fs::read_to_string(default_scenes_dir().join("tabletop_room.ron")).unwrap();
    // An unclosed tuple in the lighting block.
    let text = text.replacen("sun_illuminance: (4000.0, 9000.0),", "sun_illuminance: (4000.0, 9000.0,", 1);
    let line = text.lines().position(|l| l.contains("sun_illuminance")).unwrap() + 1;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("room.ron"), &text).unwrap();
    let output = synthact(&["validate", "--scenes-dir", dir.path().to_str().unwrap()]);
    let message = stderr(&output);
    // The parser notices on the next line at the latest; report the line it names.
    let named = (line..=line + 1).find(|l| message.contains(&format!("room.ron:{l}:"))).unwrap_or(line);
    assert_rejected(&text, named, "lighting.sun_illuminance");
}

fn generate(out: &Path, extra: &[&str]) {
    let mut args = vec!["generate", "--out", out.to_str().unwrap(), "--seed", "3", "--width", "64", "--height", "64"];
    // Few frames, but the actions' real duration and physics rate: 8 frames at 3 fps, 40 steps each.
    args.extend_from_slice(&["--frames", "8", "--fps", "3", "--physics-steps-per-frame", "40", "--quiet"]);
    args.extend_from_slice(extra);
    let output = synthact(&args);
    assert!(output.status.success(), "generate {extra:?} failed:\n{}", stderr(&output));
}

fn read_label(clip: &Path) -> ClipLabel {
    serde_json::from_slice(&std::fs::read(clip.join("label.json")).unwrap()).unwrap()
}

#[test]
fn generated_clips_are_complete_labeled_and_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    let (batch, alone, again) = (dir.path().join("batch"), dir.path().join("alone"), dir.path().join("again"));
    let parallel = dir.path().join("parallel");
    generate(&batch, &["--clips", "6", "--workers", "1"]);
    generate(&parallel, &["--clips", "6", "--workers", "2"]);
    generate(&alone, &["--start", "5", "--clips", "1"]);
    generate(&again, &["--start", "5", "--clips", "1"]);

    // The batch: six clip directories, each with 8 frames that show the scene and a true label.
    let clips = clip_dirs(&batch);
    assert_eq!(clips, ["000000", "000001", "000002", "000003", "000004", "000005"], "no temporary leftovers");
    let labels_file: serde_json::Value =
        serde_json::from_slice(&std::fs::read(batch.join("labels.json")).unwrap()).unwrap();
    assert_eq!(labels_file["Pushing something from left to right"], "93");
    let mut actions = std::collections::BTreeSet::new();
    for clip in &clips {
        let path = batch.join(clip);
        let label = read_label(&path);
        assert_eq!(&label.id, clip);
        assert!(label.verification.passed);
        assert_eq!(label.frames, 8);
        assert_eq!(synthact::content::ssv2_class_index(&label.template), Some(label.class_index));
        assert_eq!(label.placeholders.len(), label.template.matches('[').count());
        for name in &label.placeholders {
            assert!(label.label.to_lowercase().contains(name), "{} names {name}", label.label);
        }
        actions.insert(label.action.clone());
        for frame in 1..=8 {
            let image = image::open(path.join(format!("img_{frame:05}.jpg"))).unwrap().to_rgb8();
            assert_eq!(image.dimensions(), (64, 64));
            assert!(shows_a_scene(&image), "{clip} frame {frame} does not show the scene");
        }
        assert!(!path.join("img_00009.jpg").exists());
    }
    assert_eq!(actions.len(), 6, "six clips cycle through six actions");

    // Clip 5 alone equals clip 5 in the batch, and rendering it twice gives the same bytes.
    let reference = batch.join("000005");
    let files = files_under(&reference);
    assert_eq!(files.len(), 10, "8 frames, a label and annotations: {files:?}");
    for other in [alone.join("000005"), again.join("000005")] {
        assert_eq!(files_under(&other), files);
        for file in &files {
            let (a, b) = (std::fs::read(reference.join(file)).unwrap(), std::fs::read(other.join(file)).unwrap());
            assert!(a == b, "{} differs between runs", file.display());
        }
    }

    // The label alone is enough to render the clip again, byte for byte.
    let rerendered = dir.path().join("rerendered");
    let output = synthact(&["rerender", reference.to_str().unwrap(), "--out", rerendered.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    for file in &files {
        let same = std::fs::read(reference.join(file)).unwrap()
            == std::fs::read(rerendered.join("000005").join(file)).unwrap();
        assert!(same, "{} differs when re-rendered from its label", file.display());
    }
    // Two workers (each rasterizing on one thread) write the same bytes as one.
    assert_eq!(files_under(&parallel), files_under(&batch));
    for file in files_under(&batch) {
        let same = std::fs::read(batch.join(&file)).unwrap() == std::fs::read(parallel.join(&file)).unwrap();
        assert!(same, "{} differs between 1 and 2 workers", file.display());
    }

    // Re-running the batch skips what is finished and changes nothing.
    let before = std::fs::read(reference.join("img_00001.jpg")).unwrap();
    let output = synthact(&[
        "generate",
        "--out",
        batch.to_str().unwrap(),
        "--seed",
        "3",
        "--width",
        "64",
        "--height",
        "64",
        "--frames",
        "8",
        "--fps",
        "3",
        "--physics-steps-per-frame",
        "40",
        "--clips",
        "6",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains("skipped 6"), "{}", stdout(&output));
    assert_eq!(std::fs::read(reference.join("img_00001.jpg")).unwrap(), before);
}

#[test]
fn a_scene_file_dropped_into_a_directory_is_listed_validated_and_rendered() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(default_scenes_dir().join("tabletop_room.ron")).unwrap();
    std::fs::write(dir.path().join("attic.ron"), text.replacen("name: \"tabletop_room\"", "name: \"attic\"", 1))
        .unwrap();
    let scenes = dir.path().to_str().unwrap();
    let listed = synthact(&["list", "--scenes-dir", scenes]);
    assert!(stdout(&listed).contains("attic"), "{}", stdout(&listed));
    let validated = synthact(&["validate", "--scenes-dir", scenes]);
    assert!(validated.status.success(), "{}", stderr(&validated));
    let out = dir.path().join("out");
    let args = ["generate", "--scenes-dir", scenes, "--out", out.to_str().unwrap(), "--clips", "3", "--quiet"];
    let output = synthact(&[&args[..], &["--width", "64", "--height", "64"], &REAL_TIME_FEW_FRAMES].concat());
    assert!(output.status.success(), "{}", stderr(&output));
    for id in ["000000", "000001", "000002"] {
        let label = read_label(&out.join(id));
        assert_eq!(label.scene, "attic");
        let frame = image::open(out.join(id).join("img_00006.jpg")).unwrap().to_rgb8();
        assert!(shows_a_scene(&frame));
    }
}

#[test]
fn sheet_by_kind_shows_every_object_kind_playing_a_role() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("kinds.png");
    let output = synthact(&["sheet", "--out", out.to_str().unwrap(), "--by", "kind", "--samples", "1", "--size", "32"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let sheet = image::open(&out).unwrap().to_rgb8();
    let kinds = synthact::content::Content::load_builtin().unwrap().objects.def.kinds.len() as u32;
    let row_height = 11 + 32 + 22 + 4;
    assert_eq!(sheet.height(), 4 + kinds * row_height, "a row per kind");
    for row in 0..kinds {
        let top = 4 + row * row_height + 11;
        let pixels: Vec<u64> = (top..top + 32)
            .flat_map(|y| (4..36).map(move |x| (x, y)))
            .map(|(x, y)| sheet.get_pixel(x, y).0.iter().map(|c| *c as u64).sum())
            .collect();
        let mean = pixels.iter().sum::<u64>() as f64 / (pixels.len() * 3) as f64;
        assert!(mean > 30.0, "row {row} shows no rendered clip (mean {mean:.1})");
    }
}

#[test]
fn sheet_shows_a_labeled_row_per_scene() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sheet.png");
    let output = synthact(&["sheet", "--out", out.to_str().unwrap(), "--samples", "2", "--size", "48"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let sheet = image::open(&out).unwrap().to_rgb8();
    // Three rows of: a title line, 48-pixel frames, two caption lines, a gap.
    let row_height = 11 + 48 + 22 + 4;
    assert_eq!(sheet.dimensions(), (4 + 2 * (3 * 48 + 8 + 4), 4 + 3 * row_height));
    let region_mean = |x0: u32, y0: u32, w: u32, h: u32| {
        let mut sum = 0u64;
        for y in y0..y0 + h {
            for x in x0..x0 + w {
                sum += sheet.get_pixel(x, y).0.iter().map(|c| *c as u64).sum::<u64>();
            }
        }
        sum as f64 / (w * h * 3) as f64
    };
    let frames: Vec<f64> = (0..3).map(|row| region_mean(4, 4 + row * row_height + 11, 48, 48)).collect();
    assert!(frames.iter().all(|m| *m > 30.0), "every row shows rendered frames: {frames:?}");
    assert!(frames[0] != frames[1] && frames[1] != frames[2], "rows differ: {frames:?}");
    // Titles and captions are drawn: light text pixels in the caption lines.
    let caption_top = 4 + 11 + 48 + 2;
    let text = (caption_top..caption_top + 22)
        .flat_map(|y| (4..4 + 3 * 48).map(move |x| (x, y)))
        .filter(|&(x, y)| sheet.get_pixel(x, y).0.iter().all(|c| *c > 200))
        .count();
    assert!(text > 100, "{text} caption pixels");
}

#[test]
fn a_scene_brings_its_own_image_file_and_it_is_rendered() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(default_scenes_dir().join("tabletop_room.ron")).unwrap();
    let text = text.replacen("name: \"tabletop_room\"", "name: \"tiled_room\"", 1).replacen(
        "patterns: [Wood, Wood, Noise, Plain, Marble]",
        "image: \"tiles.png\"",
        1,
    );
    std::fs::write(dir.path().join("tiled_room.ron"), text).unwrap();
    // A cyan-and-white tile, made here: nothing in the built-in scenes is cyan.
    let tile = image::RgbImage::from_fn(16, 16, |x, y| {
        if (x / 8 + y / 8) % 2 == 0 { image::Rgb([0, 190, 210]) } else { image::Rgb([240, 240, 240]) }
    });
    tile.save(dir.path().join("tiles.png")).unwrap();
    let scenes = dir.path().to_str().unwrap();
    let out = dir.path().join("out");
    let output = synthact(
        &[
            "generate",
            "--scenes-dir",
            scenes,
            "--out",
            out.to_str().unwrap(),
            "--clips",
            "1",
            "--quiet",
            "--width",
            "64",
            "--height",
            "64",
        ]
        .into_iter()
        .chain(REAL_TIME_FEW_FRAMES)
        .collect::<Vec<_>>(),
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let label = read_label(&out.join("000000"));
    let image = label.spec.surfaces.iter().find_map(|s| s.image.as_ref()).expect("the table's image is recorded");
    assert!(image.path.ends_with("tiles.png"), "{}", image.path);
    assert!(image.hash.len() == 16 && image.hash.chars().all(|c| c.is_ascii_hexdigit()), "{}", image.hash);
    let frame = image::open(out.join("000000/img_00001.jpg")).unwrap().to_rgb8();
    let cyan = frame
        .pixels()
        .filter(|p| {
            let (h, s, _) = common::hsv([p[0] as f32 / 255.0, p[1] as f32 / 255.0, p[2] as f32 / 255.0]);
            s > 0.4 && common::hue_distance(h, 186.0) < 20.0
        })
        .count();
    assert!(cyan > 200, "the table shows its cyan tiles: {cyan} of 4096 pixels");
}

#[test]
fn trial_reports_pass_rates_and_fails_below_the_minimum() {
    let ok = synthact(&["trial", "--attempts", "3", "--actions", "push_left_to_right,tip_over"]);
    assert!(ok.status.success(), "{}", stderr(&ok));
    let report = stdout(&ok);
    for action in ["push_left_to_right", "tip_over"] {
        let line = report.lines().find(|l| l.starts_with(action)).unwrap_or_else(|| panic!("{report}"));
        assert!(line.contains("/3") && line.contains("passed"), "{line}");
    }
    // No action can pass more than all of its attempts: the run fails and names them.
    let weak = synthact(&["trial", "--attempts", "3", "--actions", "tip_over", "--min-pass-rate", "1.01"]);
    assert!(!weak.status.success());
    assert!(stderr(&weak).contains("pass rate below 1.01 for: tip_over"), "{}", stderr(&weak));
}

#[test]
fn bench_reports_frames_per_second_overhead_and_the_renderer() {
    let output = synthact(
        &["bench", "--clips", "2", "--json", "--width", "48", "--height", "40"]
            .into_iter()
            .chain(REAL_TIME_FEW_FRAMES)
            .collect::<Vec<_>>(),
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(report["clips"], 2, "{report}");
    assert_eq!(report["frames"], 12, "{report}");
    assert_eq!((report["width"].as_u64(), report["height"].as_u64()), (Some(48), Some(40)));
    let fps = report["end_to_end_fps"].as_f64().unwrap();
    let wall = report["wall_s"].as_f64().unwrap();
    assert!(fps > 0.0 && (fps * wall - 12.0).abs() < 0.01, "frames/s and wall time disagree: {report}");
    assert!(report["render_ms_per_frame"].as_f64().unwrap() > 0.0, "{report}");
    let overhead = report["overhead_fraction"].as_f64().unwrap();
    assert!(overhead > 0.0 && overhead < 1.0, "{report}");
    assert!(!report["renderer"].as_str().unwrap().is_empty(), "{report}");
}

#[test]
fn trial_refuses_flags_it_would_ignore() {
    // trial renders nothing, so masks or depth could not be measured there: the flag is refused
    // rather than accepted and ignored.
    let output = synthact(&["trial", "--attempts", "1", "--annotations", "masks"]);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("--annotations"), "{}", stderr(&output));
}
