//! Extruded shapes: an outline pushed straight through the third axis (a pencil's hexagon along
//! its length, a ruler's bevelled edge, a star-shaped toy lying flat, a door wedge), as a render
//! mesh and as convex pieces for the collider. Both are pure functions of the shape's numbers.
//!
//! The outline's `(a, b)` points are fractions (-0.5 to 0.5) of the shape's size across its
//! axis: `(y, z)` for an outline pushed along x, `(z, x)` along y and `(x, y)` along z, so each
//! runs counter-clockwise seen from the axis's positive end. An outline given clockwise is turned
//! round. It must be star-shaped about its centroid (every point seen from there without crossing
//! an edge): the caps are fans from the centroid and, for an outline that is not convex, so are
//! the collider's pieces.

use bevy::math::{Vec2, Vec3};

use super::mesh_data::MeshData;
use crate::content::Axis;

/// An extruded shape in metres, centred on its bounding box.
#[derive(Debug, Clone, PartialEq)]
pub struct Extrusion {
    /// Counter-clockwise outline points in metres across the axis.
    outline: Vec<Vec2>,
    /// The outline's centroid, where the caps' and pieces' fans start.
    centre: Vec2,
    /// Half the length along the axis.
    half_length: f32,
    axis: Axis,
}

impl Extrusion {
    /// The shape of `outline` (fractions) scaled to the box `size` and pushed along `axis`.
    pub fn new(size: [f32; 3], outline: &[[f32; 2]], axis: Axis) -> Extrusion {
        let (a, b, along) = axis.across_and_along();
        let mut points: Vec<Vec2> = outline.iter().map(|[p, q]| Vec2::new(p * size[a], q * size[b])).collect();
        if signed_area(&points) < 0.0 {
            points.reverse();
        }
        Extrusion { centre: centroid(&points), outline: points, half_length: size[along] / 2.0, axis }
    }

    /// A point of the outline plane at `along` on the axis, in the shape's frame.
    fn point(&self, across: Vec2, along: f32) -> Vec3 {
        let (a, b, axis) = self.axis.across_and_along();
        let mut point = Vec3::ZERO;
        (point[a], point[b], point[axis]) = (across.x, across.y, along);
        point
    }

    /// The closed surface: a flat quad per outline edge and a fan for each cap. `u` runs round
    /// the outline on the sides and across the caps, `v` along the axis.
    pub fn mesh(&self) -> MeshData {
        let mut mesh = MeshData::default();
        let n = self.outline.len();
        let perimeter: f32 = (0..n).map(|i| self.outline[i].distance(self.outline[(i + 1) % n])).sum();
        let mut walked = 0.0;
        let end = |sign: f32| sign * self.half_length;
        for i in 0..n {
            let (p, q) = (self.outline[i], self.outline[(i + 1) % n]);
            // Counter-clockwise outline: the edge's outward normal is its direction turned right.
            let edge = q - p;
            let normal = self.point(Vec2::new(edge.y, -edge.x), 0.0);
            let (u0, u1) = (walked / perimeter, (walked + edge.length()) / perimeter);
            walked += edge.length();
            let first = mesh.vertex(self.point(p, end(-1.0)), normal, [u0, 0.0]);
            mesh.vertex(self.point(q, end(-1.0)), normal, [u1, 0.0]);
            mesh.vertex(self.point(q, end(1.0)), normal, [u1, 1.0]);
            mesh.vertex(self.point(p, end(1.0)), normal, [u0, 1.0]);
            mesh.indices.extend([first, first + 1, first + 2, first, first + 2, first + 3]);
        }
        for sign in [1.0, -1.0] {
            let normal = self.point(Vec2::ZERO, sign);
            let extent = self.outline.iter().fold(Vec2::ZERO, |m, p| m.max(p.abs())).max(Vec2::splat(1e-6));
            let uv = |p: Vec2| [0.5 + p.x / extent.x / 2.0, 0.5 + p.y / extent.y / 2.0];
            let centre = mesh.vertex(self.point(self.centre, end(sign)), normal, uv(self.centre));
            let ring: Vec<u32> =
                self.outline.iter().map(|p| mesh.vertex(self.point(*p, end(sign)), normal, uv(*p))).collect();
            for i in 0..n {
                let (a, b) = (ring[i], ring[(i + 1) % n]);
                // The top cap sees the outline counter-clockwise, the bottom one clockwise.
                mesh.indices.extend(if sign > 0.0 { [centre, a, b] } else { [centre, b, a] });
            }
        }
        mesh
    }

    /// Convex pieces whose union is the solid: the whole prism if the outline is convex, else a
    /// triangular prism per outline edge, fanned from the centroid.
    pub fn convex_pieces(&self) -> Vec<Vec<Vec3>> {
        let prism = |points: &[Vec2]| -> Vec<Vec3> {
            [-1.0, 1.0].iter().flat_map(|s| points.iter().map(move |p| self.point(*p, s * self.half_length))).collect()
        };
        if is_convex(&self.outline) {
            return vec![prism(&self.outline)];
        }
        let n = self.outline.len();
        (0..n).map(|i| prism(&[self.centre, self.outline[i], self.outline[(i + 1) % n]])).collect()
    }
}

/// Twice the signed area of a polygon: positive when counter-clockwise.
fn signed_area(points: &[Vec2]) -> f32 {
    (0..points.len()).map(|i| points[i].perp_dot(points[(i + 1) % points.len()])).sum()
}

/// The centroid of a polygon's area.
fn centroid(points: &[Vec2]) -> Vec2 {
    let n = points.len();
    let area = signed_area(points);
    if area.abs() < 1e-12 {
        return points.iter().copied().sum::<Vec2>() / n as f32;
    }
    let sum: Vec2 = (0..n)
        .map(|i| {
            let (p, q) = (points[i], points[(i + 1) % n]);
            (p + q) * p.perp_dot(q)
        })
        .sum();
    sum / (3.0 * area)
}

/// Whether a counter-clockwise polygon turns left (or goes straight) at every corner.
fn is_convex(points: &[Vec2]) -> bool {
    let n = points.len();
    (0..n).all(|i| {
        let (a, b, c) = (points[i], points[(i + 1) % n], points[(i + 2) % n]);
        (b - a).perp_dot(c - b) >= -1e-9
    })
}

/// What is wrong with an outline given as fractions, if anything: too few points, points
/// outside -0.5 to 0.5, no area, or not star-shaped about its centroid.
pub fn outline_problem(outline: &[(f32, f32)]) -> Option<String> {
    if outline.len() < 3 {
        return Some(format!("an outline needs at least 3 points (got {})", outline.len()));
    }
    if let Some((a, b)) = outline.iter().find(|(a, b)| !(-0.5..=0.5).contains(a) || !(-0.5..=0.5).contains(b)) {
        return Some(format!("point ({a}, {b}) lies outside -0.5 to 0.5"));
    }
    let mut points: Vec<Vec2> = outline.iter().map(|(a, b)| Vec2::new(*a, *b)).collect();
    let area = signed_area(&points);
    if area.abs() < 1e-6 {
        return Some("the outline encloses no area".into());
    }
    if area < 0.0 {
        points.reverse();
    }
    let (n, centre) = (points.len(), centroid(&points));
    (0..n).any(|i| (points[i] - centre).perp_dot(points[(i + 1) % n] - centre) <= 0.0).then(|| {
        "every point must be seen from the outline's centroid without crossing an edge (a star-shaped outline)".into()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const STAR: [[f32; 2]; 10] = [
        [0.0, 0.5],
        [-0.12, 0.16],
        [-0.48, 0.15],
        [-0.19, -0.06],
        [-0.29, -0.4],
        [0.0, -0.2],
        [0.29, -0.4],
        [0.19, -0.06],
        [0.48, 0.15],
        [0.12, 0.16],
    ];

    fn shapes() -> Vec<Extrusion> {
        let hexagon: Vec<[f32; 2]> = (0..6)
            .map(|k| {
                let t = k as f32 * std::f32::consts::TAU / 6.0;
                [0.5 * t.cos(), 0.5 * t.sin()]
            })
            .collect();
        let wedge = [[-0.5, -0.5], [0.5, -0.5], [-0.5, 0.5]];
        let mut clockwise = STAR.to_vec();
        clockwise.reverse();
        vec![
            Extrusion::new([0.17, 0.008, 0.008], &hexagon, Axis::X),
            Extrusion::new([0.1, 0.02, 0.1], &STAR, Axis::Y),
            Extrusion::new([0.1, 0.02, 0.1], &clockwise, Axis::Y),
            Extrusion::new([0.12, 0.04, 0.05], &wedge, Axis::Z),
        ]
    }

    #[test]
    fn every_mesh_is_closed_faces_out_and_fills_its_outline() {
        for shape in shapes() {
            let mesh = shape.mesh();
            assert_eq!(mesh.open_edges(), 0, "{shape:?}");
            assert!(mesh.faces_agree_with_normals(), "{shape:?}");
            let expected = signed_area(&shape.outline) / 2.0 * shape.half_length * 2.0;
            assert!((mesh.volume() / expected - 1.0).abs() < 1e-3, "{} vs {expected}", mesh.volume());
        }
    }

    #[test]
    fn pieces_are_one_prism_when_convex_and_a_fan_when_not() {
        let [hexagon, star, _, wedge] = shapes().try_into().unwrap();
        assert_eq!(hexagon.convex_pieces().len(), 1);
        assert_eq!(wedge.convex_pieces().len(), 1);
        assert_eq!(star.convex_pieces().len(), 10);
        // A star's points reach the corners of its box; its hull would fill the gaps between them.
        assert!(star.convex_pieces().iter().flatten().all(|p| p.abs().cmple(Vec3::new(0.05, 0.01, 0.05)).all()));
    }

    #[test]
    fn bad_outlines_are_named() {
        assert!(outline_problem(&[(0.0, 0.0), (0.5, 0.0)]).unwrap().contains("at least 3"));
        assert!(outline_problem(&[(0.0, 0.0), (0.7, 0.0), (0.0, 0.5)]).unwrap().contains("outside"));
        assert!(outline_problem(&[(-0.5, 0.0), (0.0, 0.0), (0.5, 0.0)]).unwrap().contains("no area"));
        // A C shape whose inner corner hides part of it from the centre.
        let c =
            [(0.5, 0.5), (-0.5, 0.5), (-0.5, -0.5), (0.5, -0.5), (0.5, -0.3), (-0.3, -0.3), (-0.3, 0.3), (0.5, 0.3)];
        assert!(outline_problem(&c).unwrap().contains("star-shaped"));
        let star: Vec<(f32, f32)> = STAR.iter().map(|[a, b]| (*a, *b)).collect();
        assert_eq!(outline_problem(&star), None);
    }
}
