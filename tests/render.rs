//! Render tier: real clips simulated with Rapier, rendered through Bevy on whatever Vulkan device
//! is present (lavapipe in CI) and read back, checked from their pixels.

mod common;

use std::sync::Mutex;

use common::{color_centroid, shows_a_scene};
use image::RgbImage;
use synthact::capture::Renderer;
use synthact::content::Content;
use synthact::dataset::{PlannedClip, plan_clip};
use synthact::spec::VideoSpec;

/// Render tests take turns: two renderers at once would only share the same two cores.
static RENDER: Mutex<()> = Mutex::new(());

const SEED: u64 = 11;

fn small_video(size: u32, frames: u32) -> VideoSpec {
    VideoSpec { width: size, height: size, frames, ..VideoSpec::default() }
}

fn render(renderer: &mut Renderer, clip: &PlannedClip) -> Vec<RgbImage> {
    let mut frames = Vec::new();
    renderer
        .render_clip(&clip.spec, &clip.trajectory, |index, image| {
            assert_eq!(index as usize, frames.len(), "frames arrive in order");
            frames.push(image);
        })
        .expect("the clip renders");
    frames
}

/// The first clip index (from `from`) whose action is `action` and whose target satisfies `accept`.
fn find_clip(content: &Content, action: &str, video: VideoSpec, accept: impl Fn(&PlannedClip) -> bool) -> PlannedClip {
    for index in 0..300 {
        if synthact::spec::choose_action(content, index).unwrap().def.name != action {
            continue;
        }
        let clip = plan_clip(content, SEED, index, video, 20).expect("the clip verifies");
        if accept(&clip) {
            return clip;
        }
    }
    panic!("no clip of {action} matched");
}

#[test]
fn every_action_renders_a_verified_clip_of_scene_frames() {
    let _turn = RENDER.lock().unwrap_or_else(|e| e.into_inner());
    let content = Content::load_builtin().unwrap();
    let video = small_video(64, 8);
    let mut renderer = Renderer::new(video.width, video.height);
    for action in &content.actions {
        let clip = find_clip(&content, &action.def.name, video, |_| true);
        let frames = render(&mut renderer, &clip);
        assert_eq!(frames.len(), 8, "{}", action.def.name);
        for (i, frame) in frames.iter().enumerate() {
            assert_eq!(frame.dimensions(), (64, 64));
            assert!(shows_a_scene(frame), "{} frame {i} is blank or uniform", action.def.name);
        }
        assert!(clip.verification.passed, "{:?}", clip.verification);
        let name = &clip.spec.placeholders[0];
        assert!(clip.spec.label.to_lowercase().contains(name), "label {:?} names {name:?}", clip.spec.label);
        assert!(!clip.spec.label.contains('['), "placeholders filled: {}", clip.spec.label);
    }
}

#[test]
fn every_scene_renders_every_action_it_can_stage() {
    let _turn = RENDER.lock().unwrap_or_else(|e| e.into_inner());
    let content = Content::load_builtin().unwrap();
    assert!(content.scenes.len() >= 3, "three built-in scenes");
    let video = small_video(64, 6);
    let mut renderer = Renderer::new(video.width, video.height);
    let mut staged = std::collections::BTreeSet::new();
    // Actions cycle fastest and scenes next, so these indices cover every (scene, action) pair.
    for index in 0..(content.scenes.len() * content.actions.len()) as u64 {
        let clip = plan_clip(&content, SEED, index, video, 20).unwrap_or_else(|e| panic!("{e}"));
        let frames = render(&mut renderer, &clip);
        assert_eq!(frames.len(), 6);
        for (i, frame) in frames.iter().enumerate() {
            let stats = common::frame_stats(frame);
            assert!(
                shows_a_scene(frame),
                "{} in {} frame {i}: blank or flat {stats:?}",
                clip.spec.action,
                clip.spec.scene
            );
        }
        staged.insert((clip.spec.scene.clone(), clip.spec.action.clone()));
    }
    for scene in &content.scenes {
        for action in
            content.actions.iter().filter(|a| content.stages(&a.def).iter().any(|s| s.def.name == scene.def.name))
        {
            assert!(
                staged.contains(&(scene.def.name.clone(), action.def.name.clone())),
                "{} x {}",
                scene.def.name,
                action.def.name
            );
        }
    }
}

/// Target colors far in hue from skin, wood and every other library color.
const MEASURABLE_COLORS: [&str; 3] = ["green", "blue", "purple"];

#[test]
fn targets_move_in_the_labeled_direction_in_the_rendered_pixels() {
    let _turn = RENDER.lock().unwrap_or_else(|e| e.into_inner());
    let content = Content::load_builtin().unwrap();
    let video = small_video(128, 12);
    let mut renderer = Renderer::new(video.width, video.height);
    // (action, expected direction of the target's centroid in the image: dx sign, dy sign)
    for (action, dx_sign, dy_sign) in
        [("push_left_to_right", 1.0, 0.0), ("push_right_to_left", -1.0, 0.0), ("falling_like_a_rock", 0.0, 1.0)]
    {
        let clip = find_clip(&content, action, video, |clip| {
            let target = &clip.spec.role_object("target").unwrap().1;
            MEASURABLE_COLORS.contains(&target.color_word.as_str())
                && !clip
                    .spec
                    .objects
                    .iter()
                    .any(|o| o.role.is_none() && MEASURABLE_COLORS.contains(&o.color_word.as_str()))
        });
        let target_color = clip.spec.role_object("target").unwrap().1.color;
        let frames = render(&mut renderer, &clip);
        let first = color_centroid(&frames[0], target_color).expect("target visible in the first frame");
        let last = color_centroid(frames.last().unwrap(), target_color).expect("target visible in the last frame");
        assert!(first.2 >= 8 && last.2 >= 8, "{action}: target covers too few pixels: {first:?} {last:?}");
        let (dx, dy) = ((last.0 - first.0) / 128.0, (last.1 - first.1) / 128.0);
        if dx_sign != 0.0 {
            assert!(dx * dx_sign > 0.08, "{action}: target moved {dx:+.3} of the width in the image");
        }
        if dy_sign != 0.0 {
            assert!(dy * dy_sign > 0.04, "{action}: target moved {dy:+.3} of the height in the image");
        }
    }
}

#[test]
fn a_clip_renders_the_same_after_other_clips() {
    let _turn = RENDER.lock().unwrap_or_else(|e| e.into_inner());
    let content = Content::load_builtin().unwrap();
    let video = small_video(64, 6);
    let clip_a = plan_clip(&content, SEED, 4, video, 20).unwrap();
    let clip_b = plan_clip(&content, SEED, 5, video, 20).unwrap();
    let mut renderer = Renderer::new(video.width, video.height);
    let first = render(&mut renderer, &clip_a);
    let other = render(&mut renderer, &clip_b);
    let again = render(&mut renderer, &clip_a);
    assert_ne!(first[0].as_raw(), other[0].as_raw(), "different clips differ");
    for (i, (a, b)) in first.iter().zip(&again).enumerate() {
        assert!(a.as_raw() == b.as_raw(), "frame {i} changed after rendering another clip");
    }
}
