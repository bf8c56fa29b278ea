//! Lathe shapes: a profile turned about the vertical axis, solid (a bottle, a can, a candle) or
//! hollow with an open top (a mug, a glass, a bowl), as a render mesh and as convex pieces for
//! the collider. Both are pure functions of the shape's numbers, so a clip replays exactly.
//!
//! The profile is a list of `(r, y)` points from the bottom to the top: `r` a fraction of the
//! shape's radius, `y` a fraction of its height. The shape stands on its base, centred on its
//! bounding box (y from `-height / 2` to `height / 2`). A hollow shape's wall is `wall` metres
//! thick, and so is its bottom.

use bevy::math::{Vec2, Vec3};

pub use super::mesh_data::MeshData;

/// Segments round the axis of the render mesh.
pub const MESH_SEGMENTS: usize = 32;
/// Segments round the axis of the collider's pieces: fewer, as physics needs less.
pub const COLLIDER_SEGMENTS: usize = 16;

/// A lathe shape in metres.
#[derive(Debug, Clone, PartialEq)]
pub struct Lathe {
    /// `(radius, y)` from the bottom to the top, in metres, y about the centre.
    pub outer: Vec<Vec2>,
    /// The inside surface of a hollow shape, from the inner bottom up to the rim.
    pub inner: Option<Vec<Vec2>>,
}

impl Lathe {
    /// The shape of a profile scaled to `radius` and `height`, hollow with a `wall` if given.
    pub fn new(radius: f32, height: f32, profile: &[[f32; 2]], wall: Option<f32>) -> Lathe {
        let outer: Vec<Vec2> =
            profile.iter().map(|[r, y]| Vec2::new(r.max(0.0) * radius, (y - 0.5) * height)).collect();
        let inner = wall.map(|wall| {
            let bottom = outer[0].y + wall;
            let inside = |point: Vec2| Vec2::new((point.x - wall).max(wall * 0.5), point.y);
            // The inside bottom meets the wall where the outside is at that height.
            let mut inner = vec![inside(Vec2::new(radius_at(&outer, bottom), bottom))];
            inner.extend(outer.iter().filter(|point| point.y > bottom).map(|point| inside(*point)));
            inner
        });
        Lathe { outer, inner }
    }

    /// The largest radius.
    pub fn radius(&self) -> f32 {
        self.outer.iter().map(|p| p.x).fold(0.0, f32::max)
    }

    /// The closed surface: the outer side, the base, and either the top cap or the rim, the
    /// inside wall and the inside bottom.
    pub fn mesh(&self, segments: usize) -> MeshData {
        let mut mesh = MeshData::default();
        let (bottom, top) = (self.outer[0], self.outer[self.outer.len() - 1]);
        mesh.disc(Vec2::new(0.0, bottom.y), bottom, -1.0, segments);
        mesh.band(&self.outer, segments);
        match &self.inner {
            None => mesh.disc(Vec2::new(0.0, top.y), top, 1.0, segments),
            Some(inner) => {
                let rim_inner = inner[inner.len() - 1];
                mesh.ring(rim_inner, top, segments);
                // Walked from the rim down, the same band faces the axis: out of the wall.
                let mut inside: Vec<Vec2> = inner.iter().rev().copied().collect();
                inside.dedup();
                mesh.band(&inside, segments);
                mesh.disc(Vec2::new(0.0, inner[0].y), inner[0], 1.0, segments);
            }
        }
        mesh
    }

    /// The flat foot the shape stands on, as `(radius, bottom y, top y)`: a hollow shape's
    /// bottom, or a solid's base radius carried up as far as the profile stays at least that
    /// wide (a fifth of the height at most). A physics engine's own cylinder rests still on a
    /// table where a many-sided hull, or a thin cylinder, creeps.
    pub fn foot(&self) -> (f32, f32, f32) {
        let base = self.outer[0];
        let top = match &self.inner {
            Some(inner) => inner[0].y,
            None => {
                let height = self.outer[self.outer.len() - 1].y - base.y;
                let first_band = self.outer.iter().map(|p| p.y).find(|y| *y > base.y).unwrap_or(base.y);
                let narrower = self.outer.iter().find(|p| p.x < base.x - 1e-6).map_or(f32::MAX, |p| p.y);
                first_band.max((base.y + 0.2 * height).min(narrower))
            }
        };
        (base.x, base.y, top)
    }

    /// Convex pieces whose union, with the [`Lathe::foot`], is the solid, none overlapping
    /// another or the foot (so their volumes add up to the solid's): for each band between two
    /// profile points above the foot, a frustum (solid) or a ring of wall blocks (hollow).
    pub fn convex_pieces(&self, segments: usize) -> Vec<Vec<Vec3>> {
        let (_, _, foot_top) = self.foot();
        let bands = self.outer.windows(2).filter(|w| w[1].y > foot_top.max(w[0].y));
        // Each band from the foot's top up, its lower end moved up the profile to it.
        let bands: Vec<(Vec2, Vec2)> = bands
            .map(|w| {
                let t = ((foot_top - w[0].y) / (w[1].y - w[0].y)).clamp(0.0, 1.0);
                (w[0].lerp(w[1], t), w[1])
            })
            .collect();
        let turns = |k: usize| [k as f32 / segments as f32, (k + 1) as f32 / segments as f32];
        let Some(inner) = &self.inner else {
            let ring = |point: Vec2| -> Vec<Vec3> { (0..segments).map(|k| around(point, turns(k)[0])).collect() };
            return bands.iter().map(|(low, high)| [ring(*low), ring(*high)].concat()).collect();
        };
        let mut pieces = Vec::new();
        for (low, high) in bands {
            let (inner_low, inner_high) = (radius_at(inner, low.y), radius_at(inner, high.y));
            let corners = [low, high, Vec2::new(inner_low, low.y), Vec2::new(inner_high, high.y)];
            for k in 0..segments {
                pieces.push(corners.iter().flat_map(|c| turns(k).map(|t| around(*c, t))).collect());
            }
        }
        pieces
    }
}

/// The radius of a profile (bottom to top) at height `y`.
fn radius_at(profile: &[Vec2], y: f32) -> f32 {
    for pair in profile.windows(2) {
        if y <= pair[1].y {
            let t = ((y - pair[0].y) / (pair[1].y - pair[0].y).max(1e-6)).clamp(0.0, 1.0);
            return pair[0].x + (pair[1].x - pair[0].x) * t;
        }
    }
    profile[profile.len() - 1].x
}

/// The point of profile point `point` turned `turn` of a full turn about the y axis.
fn around(point: Vec2, turn: f32) -> Vec3 {
    let angle = turn * std::f32::consts::TAU;
    Vec3::new(point.x * angle.cos(), point.y, -point.x * angle.sin())
}

/// How a lathe's surfaces are laid out as triangles.
impl MeshData {
    /// The surface of revolution of `profile`, facing to the right of the profile's direction in
    /// the (r, y) plane: away from the axis when the profile runs up, toward it when it runs
    /// down. Smooth normals; `u` runs round the axis and `v` along the profile.
    fn band(&mut self, profile: &[Vec2], segments: usize) {
        let length: f32 = profile.windows(2).map(|w| w[0].distance(w[1])).sum::<f32>().max(1e-6);
        let mut along = 0.0;
        let mut rows = Vec::new();
        for (i, point) in profile.iter().enumerate() {
            if i > 0 {
                along += point.distance(profile[i - 1]);
            }
            // The profile's normal in the (r, y) plane, averaged over the segments at this point.
            let before = if i > 0 { *point - profile[i - 1] } else { profile[1] - *point };
            let after = if i + 1 < profile.len() { profile[i + 1] - *point } else { before };
            let tangent = (before.normalize_or_zero() + after.normalize_or_zero()).normalize_or_zero();
            let normal = Vec2::new(tangent.y, -tangent.x);
            let row: Vec<u32> = (0..=segments)
                .map(|k| {
                    let turn = k as f32 / segments as f32;
                    let n = around(Vec2::new(normal.x, 0.0), turn) + Vec3::Y * normal.y;
                    self.vertex(around(*point, turn), n, [turn, along / length])
                })
                .collect();
            rows.push(row);
        }
        for pair in rows.windows(2) {
            for k in 0..segments {
                let (a, b, c, d) = (pair[0][k], pair[0][k + 1], pair[1][k], pair[1][k + 1]);
                self.indices.extend([a, b, d, a, d, c]);
            }
        }
    }

    /// A flat disc at `centre` out to `edge`, facing up (`up` 1) or down (-1).
    fn disc(&mut self, centre: Vec2, edge: Vec2, up: f32, segments: usize) {
        let normal = Vec3::Y * up;
        let middle = self.vertex(Vec3::new(0.0, centre.y, 0.0), normal, [0.5, 0.5]);
        let rim: Vec<u32> = (0..=segments)
            .map(|k| {
                let turn = k as f32 / segments as f32;
                let p = around(edge, turn);
                let r = edge.x.max(1e-6);
                self.vertex(p, normal, [0.5 + 0.5 * p.x / r, 0.5 + 0.5 * p.z / r])
            })
            .collect();
        for k in 0..segments {
            if up > 0.0 {
                self.indices.extend([middle, rim[k], rim[k + 1]]);
            } else {
                self.indices.extend([middle, rim[k + 1], rim[k]]);
            }
        }
    }

    /// The flat rim of a hollow shape, from `inner` out to `outer`, facing up.
    fn ring(&mut self, inner: Vec2, outer: Vec2, segments: usize) {
        let rows: Vec<Vec<u32>> = [inner, outer]
            .iter()
            .enumerate()
            .map(|(row, point)| {
                (0..=segments)
                    .map(|k| {
                        let turn = k as f32 / segments as f32;
                        self.vertex(around(*point, turn), Vec3::Y, [turn, row as f32])
                    })
                    .collect()
            })
            .collect();
        for k in 0..segments {
            let (a, b, c, d) = (rows[0][k], rows[0][k + 1], rows[1][k], rows[1][k + 1]);
            self.indices.extend([a, c, d, a, d, b]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A bottle (solid) and a mug (hollow).
    fn shapes() -> [Lathe; 2] {
        let bottle = [[0.9, 0.0], [1.0, 0.03], [1.0, 0.6], [0.45, 0.78], [0.35, 0.85], [0.35, 1.0]];
        let mug = [[0.92, 0.0], [1.0, 0.04], [1.0, 1.0]];
        [Lathe::new(0.035, 0.2, &bottle, None), Lathe::new(0.042, 0.095, &mug, Some(0.005))]
    }

    #[test]
    fn every_mesh_is_closed_and_faces_out() {
        for shape in shapes() {
            let mesh = shape.mesh(MESH_SEGMENTS);
            assert_eq!(mesh.open_edges(), 0, "{shape:?}");
            assert!(mesh.faces_agree_with_normals(), "{shape:?}");
            assert!(mesh.volume() > 0.0);
        }
    }

    #[test]
    fn a_hollow_shape_holds_less_than_a_solid_one_and_its_pieces_match_its_mesh() {
        let [bottle, mug] = shapes();
        let solid_mug = Lathe { inner: None, ..mug.clone() };
        let (hollow, solid) = (mug.mesh(MESH_SEGMENTS).volume(), solid_mug.mesh(MESH_SEGMENTS).volume());
        assert!(hollow < 0.35 * solid, "a 5 mm wall: {hollow} of {solid}");
        for shape in [bottle, mug] {
            let pieces = shape.convex_pieces(COLLIDER_SEGMENTS);
            let radius = shape.radius();
            for piece in &pieces {
                assert!(piece.iter().all(|p| Vec2::new(p.x, p.z).length() <= radius + 1e-5));
            }
            assert!(!pieces.is_empty());
        }
    }
}
