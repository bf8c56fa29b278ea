//! Render tier: real clips simulated with Rapier, rendered through Bevy on whatever Vulkan device
//! is present (lavapipe in CI) and read back, checked from their pixels.

mod common;

use std::sync::Mutex;

use bevy::prelude::{DirectionalLight, Entity};
use common::{color_centroid, shows_a_scene};
use image::RgbImage;
use synthact::capture::Renderer;
use synthact::content::Content;
use synthact::plan::{PlannedClip, plan_clip};
use synthact::spec::VideoSpec;

/// Render tests take turns: two renderers at once would only share the same two cores.
static RENDER: Mutex<()> = Mutex::new(());

const SEED: u64 = 11;

/// Few small frames spread over the actions' real three seconds, with physics at 120 Hz as in a
/// full clip, so the short test clips move as full ones do.
fn small_video(size: u32, frames: u32) -> VideoSpec {
    let fps = (frames / 3).max(1);
    VideoSpec { width: size, height: size, frames, fps, physics_steps_per_frame: 120 / fps }
}

fn render(renderer: &mut Renderer, clip: &PlannedClip) -> Vec<RgbImage> {
    let mut frames = Vec::new();
    renderer
        .render_clip(&clip.spec, &clip.trajectory, false, |index, image, _| {
            assert_eq!(index as usize, frames.len(), "frames arrive in order");
            frames.push(image);
        })
        .expect("the clip renders");
    frames
}

/// The first clip index (from `from`) whose action is `action` and whose target satisfies `accept`.
fn find_clip(content: &Content, action: &str, video: VideoSpec, accept: impl Fn(&PlannedClip) -> bool) -> PlannedClip {
    // Two role objects that both pass a filter are rare: search far enough to find them.
    for index in 0..8000 {
        if synthact::plan::choose_action(content, index).unwrap().def.name != action {
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

/// Where the label says the objects go, as seen in the image.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// The target's centroid moves by this sign in x (right positive) and y (down positive) from
    /// the first frame to the last; 0 means no check on that axis. Mirrored clips flip x.
    Moves(f32, f32),
    /// As `Moves`, up to the last frame the target is still in view, which must be no earlier than
    /// this fraction of the clip (the object may leave the view afterwards, as the label allows).
    MovesUntil(f32, f32, f32),
    /// The two roles' centroids end closer together (true) or farther apart (false).
    Closer(bool),
    /// The two roles' centroids swap sides horizontally.
    Pass,
    /// The target covers more pixels at the end: it looms.
    Grows,
}

#[test]
fn objects_move_the_way_the_label_says_in_the_rendered_pixels() {
    let _turn = RENDER.lock().unwrap_or_else(|e| e.into_inner());
    let content = Content::load_builtin().unwrap();
    let video = small_video(128, 12);
    let mut renderer = Renderer::new(video.width, video.height);
    let confusable = |a: [f32; 3], b: [f32; 3]| common::hue_distance(common::hsv(a).0, common::hsv(b).0) < 45.0;
    for (action, expect) in [
        ("push_left_to_right", Expect::Moves(1.0, 0.0)),
        ("push_right_to_left", Expect::Moves(-1.0, 0.0)),
        ("pull_left_to_right", Expect::Moves(1.0, 0.0)),
        ("pull_right_to_left", Expect::Moves(-1.0, 0.0)),
        ("roll_on_flat_surface", Expect::Moves(1.0, 0.0)),
        // The action promises the ball stays in view until script frame 14 of 36.
        ("roll_down_ramp", Expect::MovesUntil(1.0, 0.0, 14.0 / 35.0)),
        ("falling_like_a_rock", Expect::Moves(0.0, 1.0)),
        // Toward the camera, off the front edge: down in the image.
        ("push_almost_off_table", Expect::Moves(0.0, 1.0)),
        ("move_toward_camera", Expect::Moves(0.0, 1.0)),
        // The camera pans left: the still target slides right across the image.
        ("turn_camera_left", Expect::Moves(1.0, 0.0)),
        ("approach_with_camera", Expect::Grows),
        ("move_away_from_camera", Expect::Moves(0.0, -1.0)),
        ("move_closer", Expect::Closer(true)),
        ("move_closer_to", Expect::Closer(true)),
        ("move_apart", Expect::Closer(false)),
        ("move_away_from", Expect::Closer(false)),
        ("move_past_each_other", Expect::Pass),
    ] {
        let clip = find_clip(&content, action, video, |clip| {
            let roles: Vec<_> = clip.spec.objects.iter().filter(|o| o.role.is_some() && !o.fixed).collect();
            // Plain role objects: a pattern's lighter or darker shade is not counted as its color;
            // and at least 5 cm across, so a few pixels at 128x128 are not all there is to measure.
            roles.iter().all(|role| {
                role.texture.is_none()
                    && role.shape.half_extents().iter().any(|half| *half >= 0.025)
                    && MEASURABLE_COLORS.contains(&role.color_word.as_str())
                    && !clip.spec.actors.iter().any(|actor| confusable(actor.color, role.color))
                    && !clip.spec.objects.iter().any(|o| {
                        !std::ptr::eq(o, *role) && (o.role.is_none() || o.fixed) && confusable(o.color, role.color)
                    })
            })
        });
        let frames = render(&mut renderer, &clip);
        let role_color = |name: &str| clip.spec.role_object(name).unwrap().1.color;
        let until = match expect {
            Expect::MovesUntil(_, _, fraction) => {
                let promised = ((frames.len() - 1) as f32 * fraction).floor() as usize;
                let color = clip.spec.role_object("target").unwrap().1.color;
                let in_view = |frame: &RgbImage| color_centroid(frame, color).is_some_and(|c| c.2 >= 8);
                (promised..frames.len()).rev().find(|&f| in_view(&frames[f])).unwrap_or(promised)
            }
            _ => frames.len() - 1,
        };
        let centroids = |color: [f32; 3]| {
            let visible = |frame: &RgbImage, which: &str| {
                color_centroid(frame, color).unwrap_or_else(|| panic!("{action}: not visible in the {which} frame"))
            };
            let (first, last) = (visible(&frames[0], "first"), visible(&frames[until], "last"));
            assert!(first.2 >= 8 && last.2 >= 8, "{action}: too few pixels: {first:?} {last:?}");
            (first, last)
        };
        match expect {
            Expect::Moves(dx_sign, dy_sign) | Expect::MovesUntil(dx_sign, dy_sign, _) => {
                let (first, last) = centroids(role_color("target"));
                let dx_sign = if clip.spec.mirrored { -dx_sign } else { dx_sign };
                let (dx, dy) = ((last.0 - first.0) / 128.0, (last.1 - first.1) / 128.0);
                if dx_sign != 0.0 {
                    assert!(dx * dx_sign > 0.08, "{action}: target moved {dx:+.3} of the width in the image");
                }
                if dy_sign != 0.0 {
                    assert!(dy * dy_sign > 0.03, "{action}: target moved {dy:+.3} of the height in the image");
                }
            }
            Expect::Grows => {
                let (first, last) = centroids(role_color("target"));
                assert!(last.2 as f32 > 1.4 * first.2 as f32, "{action}: {} px -> {} px", first.2, last.2);
            }
            Expect::Pass => {
                let (a0, a1) = centroids(role_color("first"));
                let (b0, b1) = centroids(role_color("second"));
                let (before, after) = (a0.0 - b0.0, a1.0 - b1.0);
                assert!(before * after < 0.0, "{action}: horizontal offset {before:+.1} px -> {after:+.1} px");
            }
            Expect::Closer(closer) => {
                let (a0, a1) = centroids(role_color("first"));
                let (b0, b1) = centroids(role_color("second"));
                let before = ((a0.0 - b0.0).powi(2) + (a0.1 - b0.1).powi(2)).sqrt();
                let after = ((a1.0 - b1.0).powi(2) + (a1.1 - b1.1).powi(2)).sqrt();
                let ratio = after / before;
                if closer {
                    assert!(ratio < 0.85, "{action}: centroids {before:.1} px -> {after:.1} px apart");
                } else {
                    assert!(ratio > 1.3, "{action}: centroids {before:.1} px -> {after:.1} px apart");
                }
            }
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

#[test]
fn a_clip_renders_the_same_fresh_or_after_other_clips_with_other_lights() {
    let _turn = RENDER.lock().unwrap_or_else(|e| e.into_inner());
    let content = Content::load_builtin().unwrap();
    // The settings and clips of the command-line determinism test, where clip 5 (a spotlight,
    // textures) once came out different fresh and after other clips: a renderer's first
    // spotlight took more than two updates to appear.
    let video = VideoSpec { width: 64, height: 64, frames: 8, fps: 3, physics_steps_per_frame: 40 };
    let plan = |index| plan_clip(&content, 3, index, video, 20).unwrap_or_else(|e| panic!("{e}"));
    let clip = plan(5);
    let mut fresh = Renderer::new(video.width, video.height);
    let alone = render(&mut fresh, &clip);
    for before in [vec![0, 1, 2, 3, 4], vec![1, 3]] {
        let mut used = Renderer::new(video.width, video.height);
        for index in &before {
            render(&mut used, &plan(*index));
        }
        let after = render(&mut used, &clip);
        for (i, (a, b)) in alone.iter().zip(&after).enumerate() {
            assert!(a.as_raw() == b.as_raw(), "frame {i} differs after clips {before:?}");
        }
    }
}

#[test]
fn a_renderer_keeps_one_sun_and_a_constant_world_from_clip_to_clip() {
    // A new shadow-casting light per clip left about 60 KB behind in every clip for good (and
    // slowed a long run down); the renderer keeps one sun and gives it each clip's light.
    let _turn = RENDER.lock().unwrap_or_else(|e| e.into_inner());
    let content = Content::load_builtin().unwrap();
    let video = small_video(32, 6);
    let clips: Vec<PlannedClip> = (0..3).map(|index| plan_clip(&content, SEED, index, video, 20).unwrap()).collect();
    let mut renderer = Renderer::new(video.width, video.height);
    let mut suns = Vec::new();
    // Entities alive after each clip, the first and the second time round.
    let mut entity_counts = [Vec::new(), Vec::new()];
    for counts in &mut entity_counts {
        for clip in &clips {
            render(&mut renderer, clip);
            let world = renderer.main_world();
            let lights: Vec<(Entity, DirectionalLight)> =
                world.query::<(Entity, &DirectionalLight)>().iter(world).map(|(e, l)| (e, *l)).collect();
            assert_eq!(lights.len(), 1, "one sun after clip {}", clip.spec.id);
            assert_eq!(lights[0].1.illuminance, clip.spec.lighting.sun_illuminance, "the sun has the clip's light");
            suns.push(lights[0].0);
            counts.push(world.entities().count_spawned());
        }
    }
    assert!(suns.iter().all(|sun| *sun == suns[0]), "the same sun entity throughout: {suns:?}");
    assert_eq!(entity_counts[0], entity_counts[1], "the same clips again leave the same number of entities");
}

#[test]
fn twenty_seeds_vary_in_everything_a_camera_sees_and_each_seed_is_stable() {
    let _turn = RENDER.lock().unwrap_or_else(|e| e.into_inner());
    let content = Content::load_builtin().unwrap();
    let video = small_video(48, 6);
    let clips: Vec<PlannedClip> =
        (0..20).map(|seed| plan_clip(&content, 1000 + seed, 0, video, 20).unwrap_or_else(|e| panic!("{e}"))).collect();

    // From the specs: objects, colors, patterns, lights and cameras differ between seeds.
    let distinct = |values: Vec<String>| values.into_iter().collect::<std::collections::BTreeSet<_>>().len();
    let every_object = |f: &dyn Fn(&synthact::spec::ObjectSpec) -> String| {
        distinct(clips.iter().flat_map(|c| c.spec.objects.iter().map(f)).collect())
    };
    assert!(every_object(&|o| o.kind.clone()) >= 8, "object kinds");
    assert!(every_object(&|o| o.color_word.clone()) >= 6, "object colors");
    let patterns = distinct(
        clips
            .iter()
            .flat_map(|c| {
                c.spec.surfaces.iter().filter_map(|s| s.texture).chain(c.spec.objects.iter().filter_map(|o| o.texture))
            })
            .map(|t| format!("{:?}", t.pattern))
            .collect(),
    );
    assert!(patterns >= 5, "{patterns} texture patterns");
    let lights = distinct(
        clips
            .iter()
            .map(|c| {
                let kinds: Vec<String> = c.spec.lighting.lamps.iter().map(|l| format!("{:?}", l.kind)).collect();
                format!("{kinds:?}")
            })
            .collect(),
    );
    assert!(lights >= 3, "{lights} lamp setups");
    let suns = distinct(clips.iter().map(|c| format!("{:.0}", c.spec.lighting.sun_temperature_k)).collect());
    assert_eq!(suns, 20, "sun color temperatures");
    let cameras = distinct(clips.iter().map(|c| format!("{:?}", c.spec.camera.position)).collect());
    assert_eq!(cameras, 20, "camera poses");
    assert!(clips.iter().filter(|c| c.spec.camera.shake.is_some()).count() >= 15, "hand-held shake");
    // Held a little askew, either way, up to the scenes' 4 degrees.
    let rolls: Vec<f32> = clips.iter().map(|c| c.spec.camera.roll_deg).collect();
    assert!(rolls.iter().all(|r| r.abs() <= 4.0) && rolls.iter().any(|r| *r < -2.0) && rolls.iter().any(|r| *r > 2.0));
    assert_eq!(distinct(clips.iter().map(|c| c.spec.scene.clone()).collect()), 1, "clip 0 of every seed: one scene");

    // From the pixels: the first frames' mean colors spread out, and every seed looks different.
    let mut renderer = Renderer::new(video.width, video.height);
    let firsts: Vec<RgbImage> = clips.iter().map(|c| render(&mut renderer, c).swap_remove(0)).collect();
    let means: Vec<[f64; 3]> = firsts
        .iter()
        .map(|f| {
            let n = (f.width() * f.height()) as f64;
            std::array::from_fn(|ch| f.pixels().map(|p| p[ch] as f64).sum::<f64>() / n)
        })
        .collect();
    for channel in 0..3 {
        let values: Vec<f64> = means.iter().map(|m| m[channel]).collect();
        let mean = values.iter().sum::<f64>() / 20.0;
        let spread = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / 20.0).sqrt();
        assert!(spread > 4.0, "channel {channel}: mean frame colors spread only {spread:.1} levels");
    }
    for i in 0..20 {
        for j in i + 1..20 {
            assert!(frame_difference(&firsts[i], &firsts[j]) > 3.0, "seeds {i} and {j} look alike");
        }
    }
    // The same seed stays identical.
    assert_eq!(render(&mut renderer, &clips[7])[0].as_raw(), firsts[7].as_raw());
}

/// Mean absolute difference per channel, 0..255.
fn frame_difference(a: &RgbImage, b: &RgbImage) -> f64 {
    let total: u64 = a.as_raw().iter().zip(b.as_raw()).map(|(x, y)| x.abs_diff(*y) as u64).sum();
    total as f64 / a.as_raw().len() as f64
}
