//! Annotations tier: `annotations.json` written beside real rendered clips, read back and checked
//! against the frames, the label and itself (camera model, boxes, velocities, contact events and
//! action phases).

mod common;

use std::path::Path;

use bevy::math::{Quat, Vec3};
use common::{clip_dirs, color_centroid, hsv, hue_distance, stderr, synthact};
use synthact::output::{ANNOTATIONS_FILE, ANNOTATIONS_VERSION, Annotations, ClipLabel};

fn read_clip(dir: &Path) -> (ClipLabel, Annotations) {
    let label = serde_json::from_slice(&std::fs::read(dir.join("label.json")).unwrap()).unwrap();
    let annotations = serde_json::from_slice(&std::fs::read(dir.join(ANNOTATIONS_FILE)).unwrap()).unwrap();
    (label, annotations)
}

/// Pixel of world point `p` through the annotations' own `K [R | t]`.
fn project(annotations: &Annotations, frame: usize, p: Vec3) -> Option<(f32, f32)> {
    let k = &annotations.camera.intrinsics;
    let rt = &annotations.camera.frames[frame].world_to_camera;
    let row = |r: [f32; 4]| r[0] * p.x + r[1] * p.y + r[2] * p.z + r[3];
    let (x, y, z) = (row(rt[0]), row(rt[1]), row(rt[2]));
    (z > 1e-4).then(|| (k.fx * x / z + k.cx, k.fy * y / z + k.cy))
}

#[test]
fn push_clips_carry_consistent_camera_boxes_velocities_contacts_and_phases() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let output = synthact(&[
        "generate",
        "--out",
        out.to_str().unwrap(),
        "--actions",
        "push_left_to_right,push_right_to_left",
        "--clips",
        "4",
        "--seed",
        "11",
        "--width",
        "96",
        "--height",
        "96",
        "--quiet",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let mut centroids_checked = 0;
    for id in clip_dirs(&out) {
        let clip = out.join(&id);
        let (label, annotations) = read_clip(&clip);
        let spec = &label.spec;
        let frames = label.frames as usize;
        assert_eq!(annotations.version, ANNOTATIONS_VERSION);

        // Camera: a pinhole with the spec's vertical field of view, one pose per frame.
        let k = annotations.camera.intrinsics;
        assert_eq!((k.width, k.height), (96, 96));
        let expected_fy = 48.0 / (spec.camera.fov_deg.to_radians() / 2.0).tan();
        assert!((k.fy - expected_fy).abs() < 1e-3 && k.fx == k.fy && k.cx == 48.0 && k.cy == 48.0, "{k:?}");
        assert_eq!(annotations.camera.frames.len(), frames);

        // Objects: one entry per spec object, ids from 1, names as in the spec.
        assert_eq!(annotations.objects.len(), spec.objects.len());
        for (index, (object, spec_object)) in annotations.objects.iter().zip(&spec.objects).enumerate() {
            assert_eq!(object.id, index as u32 + 1);
            assert_eq!((&object.name, &object.role), (&spec_object.name, &spec_object.role));
            assert_eq!(object.frames.len(), frames);
        }
        let (target, target_spec) = spec.role_object("target").unwrap();
        let target_track = &annotations.objects[target];

        for frame in 0..frames {
            let state = &target_track.frames[frame];
            // The 2D box is the projected 3D box: K [R | t] applied to the eight corners agrees
            // with it (two independent code paths: the annotations' matrices and the renderer's
            // view-projection), and the centre's projection lies inside it.
            let (centre, rotation) = (Vec3::from(state.position), Quat::from_array(state.rotation));
            let half = Vec3::from(target_track.size) / 2.0;
            let corners: Vec<(f32, f32)> = (0..8)
                .map(|c| {
                    let s = |bit: u32| if c & (1 << bit) == 0 { -1.0 } else { 1.0 };
                    let corner = centre + rotation * Vec3::new(s(0) * half.x, s(1) * half.y, s(2) * half.z);
                    project(&annotations, frame, corner).expect("in front of the camera")
                })
                .collect();
            let [x0, y0, x1, y1] = state.box_2d.expect("the target is in view");
            let min_x = corners.iter().map(|c| c.0).fold(f32::MAX, f32::min).max(0.0);
            let max_y = corners.iter().map(|c| c.1).fold(f32::MIN, f32::max).min(96.0);
            assert!(
                (min_x - x0).abs() < 0.5 && (max_y - y1).abs() < 0.5,
                "{id} frame {frame}: box {x0},{y1} vs {min_x},{max_y}"
            );
            let (cx, cy) = project(&annotations, frame, centre).unwrap();
            assert!(state.in_frame && cx >= x0 && cx <= x1 && cy >= y0 && cy <= y1, "{id} frame {frame}");
        }

        // Velocities agree with the motion between neighbouring frames.
        let fps = label.fps as f32;
        let mut moving_frames = 0;
        for frame in 1..frames - 1 {
            let at = |f: usize| Vec3::from(target_track.frames[f].position);
            let central = (at(frame + 1) - at(frame - 1)) * fps / 2.0;
            let velocity = Vec3::from(target_track.frames[frame].linear_velocity);
            // Moving into and out of the frame, not starting or stopping at it.
            let (backward, forward) = ((at(frame) - at(frame - 1)) * fps, (at(frame + 1) - at(frame)) * fps);
            if backward.length() > 0.1 && forward.length() > 0.1 {
                moving_frames += 1;
                assert!(
                    velocity.angle_between(central).to_degrees() < 30.0,
                    "{id} frame {frame}: {velocity} vs {central}"
                );
            }
        }
        assert!(moving_frames >= 3, "{id}: the pushed object moves in {moving_frames} frames");

        // Contact: the actor touches the target after frame 0 and before it moves; the action's
        // phase spans the contact and all the motion.
        let touch = annotations
            .contacts
            .iter()
            .find(|c| {
                c.event == "start"
                    && c.a == synthact::simulation::Body::Actor(0)
                    && c.b == synthact::simulation::Body::Object(target)
            })
            .unwrap_or_else(|| panic!("{id}: no actor contact in {:?}", annotations.contacts));
        let first_move = (1..frames)
            .find(|&f| {
                Vec3::from(target_track.frames[f].position).distance(Vec3::from(target_track.frames[0].position))
                    > 0.002
            })
            .expect("the target moves") as u32;
        assert!(touch.frame > 0 && touch.frame <= first_move, "{id}: touched at {} moved at {first_move}", touch.frame);
        let phases = annotations.phases;
        assert!(phases.action_start < touch.frame && touch.frame <= phases.action_end, "{id}: {phases:?}");
        let last_move = (1..frames)
            .rev()
            .find(|&f| {
                Vec3::from(target_track.frames[f].position).distance(Vec3::from(target_track.frames[f - 1].position))
                    > 0.001
            })
            .unwrap() as u32;
        assert!(phases.action_end >= last_move, "{id}: {phases:?} but the target moved at frame {last_move}");

        // The rendered frames agree: where the target's color shows in the last frame, its box
        // is (for clips whose target has a saturated color no other object shares).
        let (target_hue, saturation, _) = hsv(target_spec.color);
        let shared = spec
            .objects
            .iter()
            .enumerate()
            .any(|(i, o)| i != target && hue_distance(hsv(o.color).0, target_hue) < 40.0 && hsv(o.color).1 > 0.3);
        if saturation > 0.6 && !shared {
            let image = image::open(clip.join(format!("img_{frames:05}.jpg"))).unwrap().to_rgb8();
            let (x, y, _) = color_centroid(&image, target_spec.color).expect("the target's color shows");
            let [x0, y0, x1, y1] = target_track.frames[frames - 1].box_2d.unwrap();
            assert!(x >= x0 - 2.0 && x <= x1 + 2.0 && y >= y0 - 2.0 && y <= y1 + 2.0, "{id}: {x},{y} outside its box");
            centroids_checked += 1;
        }
    }
    assert!(centroids_checked >= 1, "at least one clip is checked against its pixels");
}

#[test]
fn masks_and_depth_are_drawn_by_the_same_renderer_and_agree_with_boxes_and_frames() {
    let dir = tempfile::tempdir().unwrap();
    let (plain, dense) = (dir.path().join("plain"), dir.path().join("dense"));
    let run = |out: &Path, extra: &[&str]| {
        let mut args = vec![
            "generate",
            "--out",
            out.to_str().unwrap(),
            "--actions",
            "push_left_to_right,tip_over,move_closer",
            "--clips",
            "3",
            "--seed",
            "4",
            "--width",
            "96",
            "--height",
            "96",
            "--frames",
            "12",
            "--fps",
            "4",
            "--quiet",
        ];
        args.extend_from_slice(extra);
        let output = synthact(&args);
        assert!(output.status.success(), "{}", stderr(&output));
    };
    run(&plain, &[]);
    run(&dense, &["--annotations", "masks,depth"]);
    let (mut colors_checked, mut boxes_checked) = (0, 0);
    for id in clip_dirs(&dense) {
        let clip = dense.join(&id);
        let (label, annotations) = read_clip(&clip);
        assert!(label.masks && label.depth);
        let frames = label.frames as usize;
        let spec = &label.spec;
        let listed: Vec<u32> =
            annotations.objects.iter().map(|o| o.id).chain(annotations.actors.iter().map(|a| a.id)).collect();
        // label.json lists the same ids with the objects' names.
        assert_eq!(label.instances.iter().map(|i| i.id).collect::<Vec<_>>(), listed);
        for (instance, object) in label.instances.iter().zip(&annotations.objects) {
            assert_eq!(instance.name, object.name);
        }
        for frame in 0..frames {
            let name = format!("img_{:05}", frame + 1);
            // The annotation pass leaves the RGB frames as they are without it.
            let rgb_bytes = std::fs::read(clip.join(format!("{name}.jpg"))).unwrap();
            assert!(rgb_bytes == std::fs::read(plain.join(&id).join(format!("{name}.jpg"))).unwrap(), "{id} {name}");
            let rgb = image::load_from_memory(&rgb_bytes).unwrap().to_rgb8();
            let mask = image::open(clip.join("masks").join(format!("{name}.png"))).unwrap();
            let depth = image::open(clip.join("depth").join(format!("{name}.png"))).unwrap();
            let (mask, depth) = (mask.as_luma8().expect("8-bit ids"), depth.as_luma16().expect("16-bit depth"));
            assert_eq!(mask.dimensions(), (96, 96));
            for pixel in mask.pixels() {
                assert!(pixel[0] == 0 || listed.contains(&(pixel[0] as u32)), "{id} {name}: unlisted id {}", pixel[0]);
            }
            let rt = &annotations.camera.frames[frame].world_to_camera;
            for (index, object) in annotations.objects.iter().enumerate() {
                let state = &object.frames[frame];
                let pixels: Vec<(u32, u32)> = mask
                    .enumerate_pixels()
                    .filter(|(_, _, p)| p[0] as u32 == object.id)
                    .map(|(x, y, _)| (x, y))
                    .collect();
                assert_eq!(state.visible_pixels, Some(pixels.len() as u32), "{id} {name} object {index}");
                let Some([x0, y0, x1, y1]) = state.visible_box_2d else {
                    assert!(pixels.is_empty());
                    continue;
                };
                // The visible box is tight around the mask's pixels.
                let tight = |f: fn(&(u32, u32)) -> u32, min: bool| {
                    let values = pixels.iter().map(f);
                    (if min { values.min() } else { values.max().map(|v| v + 1) }).unwrap() as f32
                };
                assert_eq!(
                    [x0, y0, x1, y1],
                    [tight(|p| p.0, true), tight(|p| p.1, true), tight(|p| p.0, false), tight(|p| p.1, false)]
                );
                // Unoccluded boxes: the projected 3D box (amodal) matches the mask's box.
                // A sliver a pixel or two wide (an object at the image's edge) has too few pixels
                // for its visible fraction to tell whether something covers part of it.
                let amodal = state.box_2d.unwrap_or_default();
                let sliver = amodal[2] - amodal[0] < 4.0 || amodal[3] - amodal[1] < 4.0;
                // Cut by the frame's edge, the box is clamped there but keeps the height of
                // corners outside the frame, which no pixel shows.
                let in_frame = amodal[0] > 0.0 && amodal[1] > 0.0 && amodal[2] < 96.0 && amodal[3] < 96.0;
                let whole = state.visible_fraction.unwrap_or(0.0) > 0.97 && !sliver && in_frame;
                if whole && matches!(spec.objects[index].shape, synthact::spec::ShapeSpec::Box { .. }) {
                    for (a, v) in amodal.iter().zip([x0, y0, x1, y1]) {
                        assert!(
                            (a - v).abs() <= 1.5,
                            "{id} {name} object {index}: {amodal:?} vs {:?}",
                            [x0, y0, x1, y1]
                        );
                    }
                    boxes_checked += 1;
                }
                // Depth on the object's pixels lies within its 3D box's depth range.
                let half = Vec3::from(object.size) / 2.0;
                let (centre, rotation) = (Vec3::from(state.position), Quat::from_array(state.rotation));
                let depths: Vec<f32> = (0..8)
                    .map(|c| {
                        let s = |bit: u32| if c & (1 << bit) == 0 { -1.0 } else { 1.0 };
                        let p = centre + rotation * Vec3::new(s(0) * half.x, s(1) * half.y, s(2) * half.z);
                        (rt[2][0] * p.x + rt[2][1] * p.y + rt[2][2] * p.z + rt[2][3]) * 1000.0
                    })
                    .collect();
                let (near, far) = depths.iter().fold((f32::MAX, f32::MIN), |(n, f), d| (n.min(*d), f.max(*d)));
                for &(x, y) in &pixels {
                    let mm = depth.get_pixel(x, y)[0] as f32;
                    assert!(
                        mm >= near - 3.0 && mm <= far + 3.0,
                        "{id} {name} object {index}: {mm} mm outside {near}..{far}"
                    );
                }
                // The mask lies on the object in the RGB frame: mostly its color, for saturated
                // colors.
                let (hue, saturation, _) = hsv(spec.objects[index].color);
                if saturation > 0.6 && pixels.len() >= 20 {
                    let matching = pixels
                        .iter()
                        .filter(|(x, y)| {
                            let p = rgb.get_pixel(*x, *y);
                            let (h, s, _) = hsv([p[0] as f32 / 255.0, p[1] as f32 / 255.0, p[2] as f32 / 255.0]);
                            s > 0.25 && hue_distance(h, hue) < 30.0
                        })
                        .count();
                    assert!(
                        matching * 2 > pixels.len(),
                        "{id} {name} object {index}: {matching}/{} of its color",
                        pixels.len()
                    );
                    colors_checked += 1;
                }
            }
        }
    }
    assert!(colors_checked > 10, "masks were checked against the frames' colors ({colors_checked} times)");
    assert!(boxes_checked > 5, "whole boxes' masks were checked against their 3D boxes ({boxes_checked} times)");
}

#[test]
fn an_unknown_annotation_is_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let output = synthact(&["generate", "--annotations", "masks,normals", "--out", out.to_str().unwrap()]);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("unknown annotation \"normals\""), "{}", stderr(&output));
    // In a configuration file: named with its file, line and field.
    let config = dir.path().join("bad.ron");
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/ssv2-synthetic-set-a.ron"),
    )
    .unwrap();
    std::fs::write(&config, text.replace("annotations: [],", "annotations: [\"mask\"],")).unwrap();
    let output = synthact(&["generate", "--config", config.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert!(!output.status.success());
    let line = text.lines().position(|l| l.contains("annotations: [],")).unwrap() + 1;
    assert!(stderr(&output).contains(&format!("bad.ron:{line}:")), "{}", stderr(&output));
    assert!(stderr(&output).contains("field `annotations[0]`: unknown annotation `mask`"), "{}", stderr(&output));
    assert!(!out.exists(), "nothing written");
}

/// The least median a role's `Visible` check asks of it, read from the check recorded in the label.
fn median_required(label: &ClipLabel, role: &str) -> f32 {
    let prefix = format!("Visible(role:\"{role}\",median:");
    let check =
        label.verification.checks.iter().find(|c| c.condition.starts_with(&prefix)).expect("a visibility check");
    check.condition[prefix.len()..].split(',').next().unwrap().parse().unwrap()
}

#[test]
fn every_object_a_label_names_is_seen_in_the_masks_as_much_as_its_check_asks() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let mut args = vec!["generate", "--quiet", "--out", out.to_str().unwrap(), "--clips", "200", "--seed", "778"];
    args.extend(["--width", "96", "--height", "96", "--annotations", "masks"]);
    args.extend(common::REAL_TIME_FEW_FRAMES);
    let output = synthact(&args);
    assert!(output.status.success(), "{}", stderr(&output));
    let (mut objects, mut lows) = (0, Vec::new());
    for id in clip_dirs(&out) {
        let (label, annotations) = read_clip(&out.join(&id));
        assert!(!label.verification.visibility.is_empty(), "{id}: the label records visibility");
        for seen in &label.verification.visibility {
            // From the masks: the visible share of its silhouette, 0 where its centre is out of
            // the frame (the check counts what the frame's edge cuts off as unseen).
            let mut fractions: Vec<f32> = annotations.objects[seen.object]
                .frames
                .iter()
                .map(|f| if f.in_frame { f.visible_fraction.expect("masks were drawn") } else { 0.0 })
                .collect();
            fractions.sort_by(f32::total_cmp);
            let median = fractions[fractions.len() / 2];
            let required = median_required(&label, &seen.role);
            objects += 1;
            // Pixels and rays measure alike but not to the last pixel of a 96x96 frame.
            if median < required - 0.15 {
                lows.push(format!("{id} {} {}: masks {median:.2}, check {:.2}", label.action, seen.role, seen.median));
            }
        }
    }
    assert!(objects >= 200, "{objects} role objects");
    assert!(lows.is_empty(), "named objects seen less than their checks ask:\n{}", lows.join("\n"));
}
