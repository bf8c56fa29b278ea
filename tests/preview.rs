//! Preview tier: the preview app driven with injected key presses (as Bevy's input tests do),
//! hot reload of edited and broken content files, and the real window under Xvfb with the
//! software Vulkan driver: its screenshot shows the scene and the label, and its frames are the
//! batch's frames byte for byte.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use bevy::input::ButtonState;
use bevy::input::keyboard::{Key, KeyboardInput};
use bevy::prelude::*;
use common::{stderr, synthact};
use synthact::cli::preview::{Preview, PreviewOptions, headless_app};
use synthact::content::{default_actions_dir, default_objects_file, default_scenes_dir};
use synthact::spec::VideoSpec;

fn options(scenes_dir: PathBuf, actions_dir: PathBuf, action: &str) -> PreviewOptions {
    PreviewOptions {
        scenes_dir,
        actions_dir,
        objects: default_objects_file(),
        scene: None,
        action: Some(action.to_string()),
        seed: 3,
        index: 0,
        // Short clips with real-time physics, as the other tiers' quick clips.
        video: VideoSpec { width: 64, height: 64, fps: 2, frames: 6, physics_steps_per_frame: 60 },
        scale: 2,
        overlays: true,
        exit_after: None,
        screenshot: None,
        save_frame: None,
    }
}

fn press(app: &mut App, key: KeyCode) {
    for state in [ButtonState::Pressed, ButtonState::Released] {
        app.world_mut().write_message(KeyboardInput {
            key_code: key,
            logical_key: Key::Unidentified(bevy::input::keyboard::NativeKey::Unidentified),
            state,
            text: None,
            repeat: false,
            window: Entity::PLACEHOLDER,
        });
        app.update();
    }
}

fn preview(app: &App) -> &Preview {
    app.world().resource::<Preview>()
}

/// Updates the app until the clip (and orbit view) asked for is built: the builder works on its
/// own thread while the app keeps updating.
fn settle(app: &mut App) {
    app.update();
    update_until(app, "the clip is built", |p| !p.building());
}

#[test]
fn keys_change_seed_action_playback_and_overlays() {
    let mut app =
        headless_app(Preview::new(options(default_scenes_dir(), default_actions_dir(), "push_left_to_right")).unwrap());
    // The first update asks for the clip; the builder's thread is still starting its renderer,
    // and the window says so instead of waiting.
    app.update();
    assert!(preview(&app).building() && preview(&app).clip.is_none());
    let waiting = preview(&app).view();
    assert!(waiting.pixels().any(|p| p.0 == [120, 200, 255]), "\"building...\" is drawn");
    settle(&mut app);
    let clip = preview(&app).clip.as_ref().expect("the first clip is planned and rendered");
    assert_eq!((clip.planned.spec.dataset_seed, clip.planned.spec.action.as_str()), (3, "push_left_to_right"));
    assert_eq!(clip.frames.len(), 6);
    assert!(clip.live.last().unwrap().passed, "the whole clip verifies");
    assert!(!clip.live[0].passed, "at frame 0 the push has not happened yet");

    press(&mut app, KeyCode::KeyN);
    settle(&mut app);
    assert_eq!(preview(&app).clip.as_ref().unwrap().planned.spec.dataset_seed, 4, "N: next seed");
    press(&mut app, KeyCode::KeyB);
    press(&mut app, KeyCode::KeyB);
    settle(&mut app);
    assert_eq!(preview(&app).clip.as_ref().unwrap().planned.spec.dataset_seed, 2, "B: previous seed");

    press(&mut app, KeyCode::KeyA);
    settle(&mut app);
    let action = preview(&app).clip.as_ref().unwrap().planned.spec.action.clone();
    assert_eq!(action, "push_off_table", "A: the next action by name");

    press(&mut app, KeyCode::Space);
    assert!(preview(&app).paused, "Space pauses");
    let frame = preview(&app).frame;
    app.update();
    assert_eq!(preview(&app).frame, frame, "paused: the frame stays");
    press(&mut app, KeyCode::Period);
    assert_eq!(preview(&app).frame, (frame + 1) % 6, ". steps one frame");
    press(&mut app, KeyCode::KeyR);
    assert_eq!(preview(&app).frame, 0, "R restarts");

    let with_overlays = preview(&app).view();
    press(&mut app, KeyCode::Tab);
    assert!(!preview(&app).options.overlays, "Tab hides the overlays");
    let without = preview(&app).view();
    assert_eq!(without.dimensions(), (128, 128));
    assert_ne!(with_overlays, without, "the overlays draw over the frame");
    // Without overlays the view is the clip frame, enlarged.
    let clip = preview(&app).clip.as_ref().unwrap();
    let frame = &clip.frames[0];
    assert_eq!(without.get_pixel(10, 10), frame.get_pixel(5, 5));

    // P's save: the frame as `generate` writes it, and the view.
    let saved_dir = tempfile::tempdir().unwrap();
    let saved = preview(&app).save_current(saved_dir.path()).unwrap();
    let decoded = image::open(&saved).unwrap().to_rgb8();
    assert_eq!(decoded.dimensions(), (64, 64));
    assert!(std::fs::read_dir(saved_dir.path()).unwrap().count() == 2, "the frame and the view");

    press(&mut app, KeyCode::KeyS);
    settle(&mut app);
    let scene = preview(&app).clip.as_ref().unwrap().planned.spec.scene.clone();
    assert_eq!(preview(&app).options.scene.as_deref(), Some(scene.as_str()), "S: a scene is chosen and used");

    // The orbit camera renders the scene from elsewhere; the gizmos draw over it.
    press(&mut app, KeyCode::KeyC);
    press(&mut app, KeyCode::KeyG);
    settle(&mut app);
    let orbit = preview(&app).view();
    press(&mut app, KeyCode::KeyC);
    let clip_camera = preview(&app).view();
    assert_ne!(orbit, clip_camera, "C: another viewpoint");
}

fn copy_content(dir: &Path, action: &str) -> (PathBuf, PathBuf) {
    let (scenes, actions) = (dir.join("scenes"), dir.join("actions"));
    std::fs::create_dir_all(&scenes).unwrap();
    std::fs::create_dir_all(&actions).unwrap();
    std::fs::copy(default_scenes_dir().join("tabletop_room.ron"), scenes.join("tabletop_room.ron")).unwrap();
    std::fs::copy(default_actions_dir().join(format!("{action}.ron")), actions.join(format!("{action}.ron"))).unwrap();
    (scenes, actions)
}

/// Updates the app until `holds` is true of the preview (the file watcher looks every half
/// second of real time), failing after 60 s.
fn update_until(app: &mut App, what: &str, holds: impl Fn(&Preview) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !holds(preview(app)) {
        assert!(Instant::now() < deadline, "{what}: not seen within 60 s");
        std::thread::sleep(Duration::from_millis(20));
        app.update();
    }
}

#[test]
fn saving_a_scene_file_reloads_it_and_a_broken_one_shows_its_error_and_keeps_running() {
    let dir = tempfile::tempdir().unwrap();
    let (scenes, actions) = copy_content(dir.path(), "tip_over");
    let scene_file = scenes.join("tabletop_room.ron");
    let original = std::fs::read_to_string(&scene_file).unwrap();
    assert!(original.contains("fov_deg: (46.0, 54.0)"));
    let mut app = headless_app(Preview::new(options(scenes, actions, "tip_over")).unwrap());
    settle(&mut app);
    let fov = preview(&app).clip.as_ref().unwrap().planned.spec.camera.fov_deg;
    assert!((46.0..=54.0).contains(&fov));

    std::fs::write(&scene_file, original.replace("fov_deg: (46.0, 54.0)", "fov_deg: (30.0, 30.0)")).unwrap();
    update_until(&mut app, "the edited scene is used", |p| {
        p.clip.as_ref().unwrap().planned.spec.camera.fov_deg == 30.0
    });
    assert!(preview(&app).error.is_none());

    // A broken file: the error names the file, line and field; the last good clip keeps playing.
    let broken = original.replace("fov_deg: (46.0, 54.0)", "fov_deg: (54.0, 46.0)");
    std::fs::write(&scene_file, broken).unwrap();
    update_until(&mut app, "the broken file's error", |p| p.error.is_some());
    let error = preview(&app).error.clone().unwrap();
    let line = original.lines().position(|l| l.contains("fov_deg")).unwrap() + 1;
    assert!(error.contains(&format!("tabletop_room.ron:{line}:")), "{error}");
    assert!(error.contains("camera.fov_deg"), "{error}");
    assert_eq!(preview(&app).clip.as_ref().unwrap().planned.spec.camera.fov_deg, 30.0, "the last good clip stays");
    let frame = preview(&app).frame;
    update_until(&mut app, "the last good clip keeps playing", |p| p.frame != frame);
    // The error shows in the window: red text.
    let view = preview(&app).view();
    assert!(view.pixels().any(|p| p[0] == 255 && p[1] == 80 && p[2] == 80), "the error is drawn");

    // Fixed again: reloaded, the error is gone.
    std::fs::write(&scene_file, &original).unwrap();
    update_until(&mut app, "the fixed file reloaded without error", |p| p.error.is_none());
}

#[test]
fn the_window_under_xvfb_shows_the_scene_and_label_and_plays_the_batch_frames() {
    if Command::new("xvfb-run").arg("--help").output().is_err() {
        assert!(std::env::var("CI").is_err(), "CI installs xvfb (scripts/setup-system --test)");
        eprintln!("skipped: xvfb-run is not installed (scripts/setup-system --test installs it)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (shot, frame) = (dir.path().join("shot.png"), dir.path().join("frame.jpg"));
    let video = ["--width", "96", "--height", "96", "--frames", "12", "--fps", "4"];
    let mut args: Vec<String> = ["-a", env!("CARGO_BIN_EXE_synthact"), "preview", "--action", "push_left_to_right"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    args.extend(["--seed", "3", "--index", "1", "--exit-after", "10", "--save-frame", "7"].map(String::from));
    args.extend(["--screenshot", shot.to_str().unwrap(), "--frame-out", frame.to_str().unwrap()].map(String::from));
    args.extend(video.map(String::from));
    // Run from a folder without content: the preview plays the built-in set and says that it has
    // nothing to hot-reload.
    let output = Command::new("xvfb-run").args(&args).current_dir(dir.path()).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(said.contains("(built-in)/scenes") && said.contains("nothing to hot-reload"), "{said}");

    // The window's screenshot: 3x the clip size, a scene (many colors), the label's yellow text.
    let screenshot = image::open(&shot).expect("the window's screenshot was saved").to_rgb8();
    assert_eq!(screenshot.dimensions(), (288, 288));
    assert!(common::shows_a_scene(&screenshot));
    let label_text =
        screenshot.enumerate_pixels().filter(|(_, y, p)| *y < 14 && p[0] > 230 && p[1] > 200 && p[2] < 160);
    assert!(label_text.count() > 30, "the label overlay is drawn at the top");

    // Frame 7 of the preview is frame 7 of `generate` (run in the checkout, on its files) for the
    // same action, seed and index.
    let out = dir.path().join("out");
    let mut generate = vec!["generate", "--out", out.to_str().unwrap(), "--actions", "push_left_to_right"];
    generate.extend(["--seed", "3", "--clips", "2", "--quiet"]);
    generate.extend(video);
    let output = synthact(&generate);
    assert!(output.status.success(), "{}", stderr(&output));
    let batch = std::fs::read(out.join("000001").join("img_00008.jpg")).unwrap();
    assert!(std::fs::read(&frame).unwrap() == batch, "the preview's frame 7 differs from the batch's");
}
