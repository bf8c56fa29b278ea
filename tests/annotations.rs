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
