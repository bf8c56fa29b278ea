//! Camera math shared by sampling (camera-relative directions) and verification (projection).
//!
//! Uses the same conventions as Bevy's `Transform::looking_at` and perspective projection (vertical
//! field of view, right-handed, -z forward), so projected positions match rendered pixels.

use bevy::math::{EulerRot, Mat3, Mat4, Quat, Vec2, Vec3, Vec4};

use super::{CameraKeyframe, CameraSpec};
use crate::content::Side;

/// Horizontal directions as the camera sees them.
#[derive(Debug, Clone, Copy)]
pub struct CameraAxes {
    /// The image's right, projected onto the ground plane.
    pub right: Vec3,
    /// Away from the camera along the ground.
    pub away: Vec3,
}

impl CameraAxes {
    pub fn new(camera: &CameraSpec) -> Self {
        let forward = Vec3::from(camera.look_at) - Vec3::from(camera.position);
        let away = Vec3::new(forward.x, 0.0, forward.z).normalize_or(Vec3::NEG_Z);
        let right = away.cross(Vec3::Y).normalize_or(Vec3::X);
        CameraAxes { right, away }
    }

    /// A camera-relative side as a world direction.
    pub fn direction(&self, side: Side) -> Vec3 {
        match side {
            Side::Left => -self.right,
            Side::Right => self.right,
            Side::Away => self.away,
            Side::Toward => -self.away,
            Side::Up => Vec3::Y,
            Side::Down => Vec3::NEG_Y,
        }
    }
}

impl CameraSpec {
    /// Where the camera is and where it looks at a (fractional) video frame of a clip at `fps`,
    /// before shake: the scripted motion eased between keyframes, held after the last.
    pub fn scripted_at(&self, frame: f32) -> (Vec3, Vec3) {
        let start = CameraKeyframe { frame: 0.0, position: self.position, look_at: self.look_at };
        let mut previous = start;
        for key in &self.motion {
            if frame <= key.frame {
                let span = (key.frame - previous.frame).max(f32::EPSILON);
                let t = ((frame - previous.frame) / span).clamp(0.0, 1.0);
                let eased = t * t * (3.0 - 2.0 * t);
                let lerp = |a: [f32; 3], b: [f32; 3]| Vec3::from(a).lerp(Vec3::from(b), eased);
                return (lerp(previous.position, key.position), lerp(previous.look_at, key.look_at));
            }
            previous = *key;
        }
        (Vec3::from(previous.position), Vec3::from(previous.look_at))
    }

    /// The camera's pose at a video frame: position and rotation (Bevy's convention: it looks
    /// along its local -z with local +y up), scripted motion plus shake.
    pub fn pose_at(&self, frame: f32, fps: u32) -> (Vec3, Quat) {
        let (position, look_at) = self.scripted_at(frame);
        let forward = (look_at - position).normalize_or(Vec3::NEG_Z);
        let right = forward.cross(Vec3::Y).normalize_or(Vec3::X);
        let up = right.cross(forward);
        // A held phone is seldom level: the roll turns the camera about its view axis.
        let level = Quat::from_mat3(&Mat3::from_cols(right, up, -forward));
        let base = level * Quat::from_rotation_z(self.roll_deg.to_radians());
        let Some(shake) = self.shake else { return (position, base) };
        let seconds = frame / fps.max(1) as f32;
        let wave = |axis: usize| {
            (0..2)
                .map(|k| {
                    (std::f32::consts::TAU * shake.frequencies_hz[axis][k] * seconds + shake.phases[axis][k]).sin()
                })
                .sum::<f32>()
                / 2.0
        };
        let angle = shake.rotation_deg.to_radians();
        let sway = Quat::from_euler(EulerRot::YXZ, wave(0) * angle, wave(1) * angle, wave(2) * angle);
        let drift = Vec3::new(wave(3), wave(4), wave(5)) * shake.translation_m;
        (position + base * drift, base * sway)
    }
}

/// Projects world points to pixel coordinates of a `width` x `height` image.
#[derive(Debug, Clone, Copy)]
pub struct CameraModel {
    view_projection: Mat4,
    /// From normalized device coordinates back to the world, for rays through pixels.
    inverse: Mat4,
    pub width: f32,
    pub height: f32,
}

impl CameraModel {
    /// The camera as it starts (frame 0, no shake), rolled about its view axis.
    pub fn new(camera: &CameraSpec, width: u32, height: u32) -> Self {
        let level = Mat4::look_at_rh(Vec3::from(camera.position), Vec3::from(camera.look_at), Vec3::Y);
        let view = Mat4::from_rotation_z(-camera.roll_deg.to_radians()) * level;
        Self::with_view(view, camera.fov_deg, width, height)
    }

    /// The camera at video frame `frame` of a clip at `fps`, with its motion and shake: what the
    /// renderer draws that frame through.
    pub fn at_frame(camera: &CameraSpec, frame: u32, fps: u32, width: u32, height: u32) -> Self {
        let (position, rotation) = camera.pose_at(frame as f32, fps);
        let view = Mat4::from_rotation_translation(rotation, position).inverse();
        Self::with_view(view, camera.fov_deg, width, height)
    }

    fn with_view(view: Mat4, fov_deg: f32, width: u32, height: u32) -> Self {
        let aspect = width as f32 / height as f32;
        let projection = Mat4::perspective_rh(fov_deg.to_radians(), aspect, 0.01, 100.0);
        let view_projection = projection * view;
        CameraModel { view_projection, inverse: view_projection.inverse(), width: width as f32, height: height as f32 }
    }

    /// Pixel position (x right, y down, origin at the top-left corner), or `None` behind the camera.
    pub fn project(&self, point: Vec3) -> Option<Vec2> {
        let clip = self.view_projection * Vec4::new(point.x, point.y, point.z, 1.0);
        if clip.w <= 1e-6 {
            return None;
        }
        let ndc = clip.truncate() / clip.w;
        Some(Vec2::new((ndc.x * 0.5 + 0.5) * self.width, (0.5 - ndc.y * 0.5) * self.height))
    }

    /// The pixel bounds `[x0, y0, x1, y1]` of a box's projected corners (half extents `half`,
    /// posed at `centre` and `rotation`), clipped to the image; `None` when nothing of it is in
    /// the image or a corner is behind the camera (its projection would be unbounded).
    pub fn project_box(&self, centre: Vec3, rotation: Quat, half: Vec3) -> Option<[f32; 4]> {
        let mut bounds: Option<[f32; 4]> = None;
        for local in box_corners(half) {
            let pixel = self.project(centre + rotation * local)?;
            let b = bounds.get_or_insert([pixel.x, pixel.y, pixel.x, pixel.y]);
            *b = [b[0].min(pixel.x), b[1].min(pixel.y), b[2].max(pixel.x), b[3].max(pixel.y)];
        }
        let [x0, y0, x1, y1] = bounds?;
        let clipped = [x0.max(0.0), y0.max(0.0), x1.min(self.width), y1.min(self.height)];
        (clipped[0] < clipped[2] && clipped[1] < clipped[3]).then_some(clipped)
    }

    /// The ray through a pixel position: a point on the near plane and a unit direction.
    pub fn ray_through(&self, pixel: Vec2) -> (Vec3, Vec3) {
        let ndc = Vec2::new(pixel.x / self.width * 2.0 - 1.0, 1.0 - pixel.y / self.height * 2.0);
        // Depth 0 is the near plane, 1 the far one.
        let near = self.inverse.project_point3(Vec3::new(ndc.x, ndc.y, 0.0));
        let far = self.inverse.project_point3(Vec3::new(ndc.x, ndc.y, 0.5));
        (near, (far - near).normalize())
    }

    /// Whether a pixel position lies inside the image, `margin` (a fraction of the size) from the border.
    pub fn in_frame(&self, pixel: Vec2, margin: f32) -> bool {
        let (mx, my) = (margin * self.width, margin * self.height);
        pixel.x >= mx && pixel.x <= self.width - mx && pixel.y >= my && pixel.y <= self.height - my
    }
}

/// The eight corners of a box of half extents `half` about its centre.
pub fn box_corners(half: Vec3) -> [Vec3; 8] {
    std::array::from_fn(|corner| {
        let sign = |bit: usize| if corner & (1 << bit) == 0 { -1.0 } else { 1.0 };
        Vec3::new(sign(0) * half.x, sign(1) * half.y, sign(2) * half.z)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn front_camera() -> CameraSpec {
        CameraSpec {
            position: [0.0, 1.0, 2.0],
            look_at: [0.0, 1.0, 0.0],
            fov_deg: 60.0,
            motion: vec![],
            shake: None,
            roll_deg: 0.0,
        }
    }

    #[test]
    fn a_rolled_camera_tilts_a_level_line_by_its_roll_and_keeps_its_aim() {
        let rolled = CameraSpec { roll_deg: 5.0, ..front_camera() };
        let model = CameraModel::new(&rolled, 200, 200);
        let centre = model.project(Vec3::new(0.0, 1.0, 0.0)).unwrap();
        assert!((centre - Vec2::new(100.0, 100.0)).length() < 1e-3, "it still looks at its point");
        // The angle of a level line in the image, counter-clockwise positive (image y runs down).
        let slope = |roll_deg: f32| {
            let model = CameraModel::new(&CameraSpec { roll_deg, ..front_camera() }, 200, 200);
            let [left, right] = [-0.3, 0.3].map(|x| model.project(Vec3::new(x, 1.0, 0.0)).unwrap());
            ((left.y - right.y) / (right.x - left.x)).atan().to_degrees()
        };
        // The camera turns counter-clockwise: the scene leans clockwise in the image.
        assert!((slope(5.0) + 5.0).abs() < 0.05, "a level line at {:.2} degrees", slope(5.0));
        assert!((slope(-5.0) - 5.0).abs() < 0.05, "a level line at {:.2} degrees", slope(-5.0));
        assert!(slope(0.0).abs() < 1e-3);
        // The pose the renderer draws through (frame 0, no shake) is the same camera.
        let drawn = CameraModel::at_frame(&rolled, 0, 12, 200, 200);
        let point = Vec3::new(0.25, 0.8, 0.1);
        assert!((drawn.project(point).unwrap() - model.project(point).unwrap()).length() < 1e-3);
    }

    #[test]
    fn look_at_point_projects_to_the_centre_and_right_is_right() {
        let model = CameraModel::new(&front_camera(), 200, 100);
        let centre = model.project(Vec3::new(0.0, 1.0, 0.0)).unwrap();
        assert!((centre - Vec2::new(100.0, 50.0)).length() < 1e-3);
        let right = model.project(Vec3::new(0.3, 1.0, 0.0)).unwrap();
        let above = model.project(Vec3::new(0.0, 1.3, 0.0)).unwrap();
        assert!(right.x > centre.x + 10.0);
        assert!(above.y < centre.y - 10.0);
        assert!(model.project(Vec3::new(0.0, 1.0, 3.0)).is_none(), "behind the camera");
        let axes = CameraAxes::new(&front_camera());
        assert!(axes.right.abs_diff_eq(Vec3::X, 1e-6));
        assert!(axes.away.abs_diff_eq(Vec3::NEG_Z, 1e-6));
    }

    #[test]
    fn a_still_camera_projects_the_same_every_frame_and_a_shaken_one_sways_smoothly_and_boundedly() {
        let still = front_camera();
        let point = Vec3::new(0.1, 0.9, 0.0);
        let reference = CameraModel::new(&still, 200, 200).project(point).unwrap();
        for frame in [0, 7, 35] {
            let moved = CameraModel::at_frame(&still, frame, 12, 200, 200).project(point).unwrap();
            assert!((moved - reference).length() < 1e-3, "frame {frame}: {moved} vs {reference}");
        }
        let shaken = CameraSpec {
            shake: Some(super::super::ShakeSpec {
                rotation_deg: 1.0,
                translation_m: 0.004,
                frequencies_hz: [[0.4, 1.2]; 6],
                phases: [[0.3, 1.1], [2.0, 0.5], [1.0, 4.0], [0.0, 2.5], [3.0, 1.5], [5.0, 0.2]],
            }),
            ..front_camera()
        };
        let pixels: Vec<Vec2> =
            (0..36).map(|f| CameraModel::at_frame(&shaken, f, 12, 200, 200).project(point).unwrap()).collect();
        let farthest = pixels.iter().map(|p| (*p - reference).length()).fold(0.0, f32::max);
        // A degree is about 3.5 px of this 200 px, 60 degree view; drift adds a little.
        assert!(farthest > 0.5 && farthest < 6.0, "sway of {farthest} px");
        let steps = pixels.windows(2).map(|w| (w[1] - w[0]).length()).fold(0.0, f32::max);
        assert!(steps < 1.5, "smooth: at most {steps} px between frames");
    }

    #[test]
    fn scripted_motion_is_eased_between_keyframes_and_held_after() {
        let camera = CameraSpec {
            motion: vec![
                CameraKeyframe { frame: 2.0, position: [0.0, 1.0, 2.0], look_at: [0.0, 1.0, 0.0] },
                CameraKeyframe { frame: 12.0, position: [0.0, 1.0, 1.0], look_at: [0.0, 1.0, 0.0] },
            ],
            ..front_camera()
        };
        let at = |frame: f32| camera.pose_at(frame, 12).0;
        assert!(at(0.0).abs_diff_eq(Vec3::new(0.0, 1.0, 2.0), 1e-6));
        assert!(at(7.0).abs_diff_eq(Vec3::new(0.0, 1.0, 1.5), 1e-5), "halfway at the middle");
        assert!(at(3.0).z > 1.95, "eased: slow to start");
        assert!(at(30.0).abs_diff_eq(Vec3::new(0.0, 1.0, 1.0), 1e-6), "held after the last keyframe");
    }
}
