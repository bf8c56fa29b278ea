//! Camera math shared by sampling (camera-relative directions) and verification (projection).
//!
//! Uses the same conventions as Bevy's `Transform::looking_at` and perspective projection (vertical
//! field of view, right-handed, -z forward), so projected positions match rendered pixels.

use bevy::math::{Mat4, Vec2, Vec3, Vec4};

use super::CameraSpec;
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

/// Projects world points to pixel coordinates of a `width` x `height` image.
#[derive(Debug, Clone, Copy)]
pub struct CameraModel {
    view_projection: Mat4,
    pub width: f32,
    pub height: f32,
}

impl CameraModel {
    pub fn new(camera: &CameraSpec, width: u32, height: u32) -> Self {
        let view = Mat4::look_at_rh(Vec3::from(camera.position), Vec3::from(camera.look_at), Vec3::Y);
        let aspect = width as f32 / height as f32;
        let projection = Mat4::perspective_rh(camera.fov_deg.to_radians(), aspect, 0.01, 100.0);
        CameraModel { view_projection: projection * view, width: width as f32, height: height as f32 }
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

    /// Whether a pixel position lies inside the image, `margin` (a fraction of the size) from the border.
    pub fn in_frame(&self, pixel: Vec2, margin: f32) -> bool {
        let (mx, my) = (margin * self.width, margin * self.height);
        pixel.x >= mx && pixel.x <= self.width - mx && pixel.y >= my && pixel.y <= self.height - my
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn front_camera() -> CameraSpec {
        CameraSpec { position: [0.0, 1.0, 2.0], look_at: [0.0, 1.0, 0.0], fov_deg: 60.0 }
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
}
