//! Handles: a round bar bent in a half loop (a mug's or a cup's), as a render mesh and as convex
//! pieces for its collider, both pure functions of its three numbers.
//!
//! In its own frame the handle's ends lie on the plane `x = -(reach / 2 + thickness / 4)`,
//! `span` apart along y, and the bar bulges `reach` out along +x: its box is centred, like every
//! other shape's. The part's placement ([`crate::spec::PartSpec`]) sinks the ends into the body.

use bevy::math::Vec3;

use super::mesh_data::MeshData;

/// Steps along the loop of the drawn bar, and corners round it.
const MESH_STEPS: usize = 16;
const MESH_SIDES: usize = 12;
/// Convex pieces of the collider along the loop, each the hull of the bar between two rings.
const COLLIDER_STEPS: usize = 8;

/// A handle's shape in metres.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Handle {
    pub span: f32,
    pub reach: f32,
    pub thickness: f32,
}

impl Handle {
    /// The centre line's point and direction at `t` (0 at the top end, 1 at the bottom end):
    /// a half ellipse from one end round to the other.
    fn centre_line(&self, t: f32) -> (Vec3, Vec3) {
        let angle = t * std::f32::consts::PI;
        let ends = -(self.reach / 2.0 + self.thickness / 4.0);
        let point = Vec3::new(ends + self.reach * angle.sin(), self.span / 2.0 * angle.cos(), 0.0);
        let direction = Vec3::new(self.reach * angle.cos(), -self.span / 2.0 * angle.sin(), 0.0);
        (point, direction.normalize())
    }

    /// The ring of the bar's surface at `t`, `sides` points, with their outward normals.
    fn ring(&self, t: f32, sides: usize) -> Vec<(Vec3, Vec3)> {
        let (centre, along) = self.centre_line(t);
        // The bar's cross-section spans the loop's plane (across the line) and z.
        let across = Vec3::Z.cross(along);
        (0..sides)
            .map(|k| {
                let angle = k as f32 / sides as f32 * std::f32::consts::TAU;
                let normal = across * angle.cos() + Vec3::Z * angle.sin();
                (centre + normal * self.thickness / 2.0, normal)
            })
            .collect()
    }

    /// The closed surface: the bar's rings joined, each end capped by a fan.
    pub fn mesh(&self) -> MeshData {
        let mut mesh = MeshData::default();
        let mut rings = Vec::new();
        for step in 0..=MESH_STEPS {
            let t = step as f32 / MESH_STEPS as f32;
            let ring = self.ring(t, MESH_SIDES);
            let indices: Vec<u32> = ring
                .iter()
                .enumerate()
                .map(|(k, (p, n))| mesh.vertex(*p, *n, [k as f32 / MESH_SIDES as f32, t]))
                .collect();
            rings.push(indices);
        }
        for step in 0..MESH_STEPS {
            for k in 0..MESH_SIDES {
                let next = (k + 1) % MESH_SIDES;
                let (a, b, c, d) = (rings[step][k], rings[step][next], rings[step + 1][next], rings[step + 1][k]);
                mesh.indices.extend([a, b, c, a, c, d]);
            }
        }
        for (t, outward) in [(0.0, -1.0), (1.0, 1.0)] {
            let (centre, along) = self.centre_line(t);
            let normal = along * outward;
            let middle = mesh.vertex(centre, normal, [0.5, t]);
            let ring: Vec<u32> =
                self.ring(t, MESH_SIDES).iter().map(|(p, _)| mesh.vertex(*p, normal, [0.5, t])).collect();
            for k in 0..MESH_SIDES {
                let (a, b) = (ring[k], ring[(k + 1) % MESH_SIDES]);
                mesh.indices.extend(if outward > 0.0 { [middle, a, b] } else { [middle, b, a] });
            }
        }
        mesh
    }

    /// Convex pieces whose union is the bar: the hull of each pair of neighbouring rings.
    pub fn convex_pieces(&self) -> Vec<Vec<Vec3>> {
        (0..COLLIDER_STEPS)
            .map(|step| {
                let [from, to] = [step, step + 1].map(|s| s as f32 / COLLIDER_STEPS as f32);
                self.ring(from, MESH_SIDES).into_iter().chain(self.ring(to, MESH_SIDES)).map(|(p, _)| p).collect()
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MUG: Handle = Handle { span: 0.055, reach: 0.025, thickness: 0.006 };

    #[test]
    fn the_mesh_is_closed_faces_out_and_fills_its_centred_box() {
        let mesh = MUG.mesh();
        assert_eq!(mesh.open_edges(), 0);
        assert!(mesh.faces_agree_with_normals());
        assert!(mesh.volume() > 0.0);
        let (lo, hi) = mesh
            .positions
            .iter()
            .fold((Vec3::INFINITY, Vec3::NEG_INFINITY), |(lo, hi), p| (lo.min(Vec3::from(*p)), hi.max(Vec3::from(*p))));
        let half =
            Vec3::new(MUG.reach / 2.0 + MUG.thickness / 4.0, MUG.span / 2.0 + MUG.thickness / 2.0, MUG.thickness / 2.0);
        assert!((hi - half).abs().max_element() < 2e-4 && (lo + half).abs().max_element() < 2e-4, "{lo} {hi}");
    }

    #[test]
    fn the_pieces_follow_the_bar() {
        let pieces = MUG.convex_pieces();
        assert_eq!(pieces.len(), COLLIDER_STEPS);
        // Neighbouring pieces share a ring: the bar has no gaps.
        assert_eq!(pieces[0][MESH_SIDES..], pieces[1][..MESH_SIDES]);
    }
}
