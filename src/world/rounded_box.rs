//! Rounded boxes: a box whose edges and corners are rounded with a radius (a phone, a remote, a
//! loaf of bread, a glasses case), as a render mesh. Physics uses the engine's own rounded
//! cuboid of the same numbers; both are pure functions of the spec.

use bevy::math::Vec3;

use super::lathe::MeshData;

/// Grid steps across each rounded band of a face.
const BAND_STEPS: usize = 4;

/// A closed mesh of the box of half extents `half` with edges rounded by `radius` (at most its
/// smallest half extent). Each face is a grid whose outer rows bend round the edges, so the six
/// faces meet without gaps; `u` and `v` run across each face.
pub fn rounded_box(half: Vec3, radius: f32) -> MeshData {
    let radius = radius.clamp(0.0, half.min_element());
    let inner = half - Vec3::splat(radius);
    let mut mesh = MeshData::default();
    // (axis, sign, u axis, v axis) with u x v pointing out of the face.
    let faces = [(0, 1.0, 1, 2), (0, -1.0, 2, 1), (1, 1.0, 2, 0), (1, -1.0, 0, 2), (2, 1.0, 0, 1), (2, -1.0, 1, 0)];
    for (axis, sign, u, v) in faces {
        let (us, vs) = (coordinates(half[u], radius), coordinates(half[v], radius));
        let first = mesh.positions.len() as u32;
        for (j, cv) in vs.iter().enumerate() {
            for (i, cu) in us.iter().enumerate() {
                let mut on_box = Vec3::ZERO;
                on_box[axis] = sign * half[axis];
                (on_box[u], on_box[v]) = (*cu, *cv);
                let core = on_box.clamp(-inner, inner);
                let mut normal = Vec3::ZERO;
                normal[axis] = sign;
                let out = on_box - core;
                if out.length() > 1e-9 {
                    normal = out.normalize();
                }
                let uv = [i as f32 / (us.len() - 1) as f32, j as f32 / (vs.len() - 1) as f32];
                mesh.vertex(core + normal * radius, normal, uv);
            }
        }
        let row = us.len() as u32;
        for j in 0..vs.len() as u32 - 1 {
            for i in 0..row - 1 {
                let a = first + j * row + i;
                mesh.indices.extend([a, a + 1, a + row + 1, a, a + row + 1, a + row]);
            }
        }
    }
    mesh
}

/// Grid coordinates across a face from `-half` to `half`: `BAND_STEPS` steps through each rounded
/// band and one across the flat middle.
fn coordinates(half: f32, radius: f32) -> Vec<f32> {
    let band: Vec<f32> = (0..=BAND_STEPS).map(|k| radius * k as f32 / BAND_STEPS as f32).collect();
    let mut values: Vec<f32> = band.iter().map(|d| -half + d).collect();
    values.extend(band.iter().map(|d| half - radius + d));
    values.dedup_by(|a, b| (*a - *b).abs() < 1e-7);
    values
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rounded_box_is_closed_faces_out_and_holds_its_volume() {
        let half = Vec3::new(0.03, 0.01, 0.08);
        for radius in [0.0, 0.004, 0.01] {
            let mesh = rounded_box(half, radius);
            assert_eq!(mesh.open_edges(), 0, "radius {radius}");
            assert!(mesh.faces_agree_with_normals(), "radius {radius}");
            // A box less what rounding cuts from its 12 edges and 8 corners.
            let (w, h, d) = (2.0 * half.x, 2.0 * half.y, 2.0 * half.z);
            let r = radius;
            let cut = (4.0 - std::f32::consts::PI) * r * r * (w + h + d - 6.0 * r)
                + (8.0 - 4.0 / 3.0 * std::f32::consts::PI) * r.powi(3);
            let expected = w * h * d - cut;
            let volume = mesh.volume();
            assert!((volume / expected - 1.0).abs() < 0.01, "radius {radius}: {volume} vs {expected}");
        }
    }
}
