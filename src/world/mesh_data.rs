//! Triangle meshes made in code (lathe shapes, rounded boxes): positions, normals, texture
//! coordinates and indices, ready to become a render mesh, with the checks their tests use.

use bevy::math::Vec3;

/// Triangles with smooth normals and texture coordinates.
#[derive(Debug, Clone, Default)]
pub struct MeshData {
    pub positions: Vec<[f32; 3]>,
    pub normals: Vec<[f32; 3]>,
    pub uvs: Vec<[f32; 2]>,
    /// Counter-clockwise seen from outside the solid.
    pub indices: Vec<u32>,
}

impl MeshData {
    /// Adds a vertex and returns its index.
    pub(super) fn vertex(&mut self, position: Vec3, normal: Vec3, uv: [f32; 2]) -> u32 {
        self.positions.push(position.to_array());
        self.normals.push(normal.normalize_or_zero().to_array());
        self.uvs.push(uv);
        (self.positions.len() - 1) as u32
    }

    /// The enclosed volume (divergence theorem over the triangles).
    pub fn volume(&self) -> f32 {
        self.indices
            .chunks(3)
            .map(|t| {
                let [a, b, c] = [0, 1, 2].map(|i| Vec3::from(self.positions[t[i] as usize]));
                a.dot(b.cross(c)) / 6.0
            })
            .sum()
    }

    /// Edges, welded by position (to 0.01 mm), not used exactly once each way: 0 for a closed,
    /// consistently wound surface.
    pub fn open_edges(&self) -> usize {
        let key = |index: u32| self.positions[index as usize].map(|x| (x * 1e5).round() as i64);
        let mut edges: std::collections::HashMap<([i64; 3], [i64; 3]), i32> = std::collections::HashMap::new();
        for t in self.indices.chunks(3) {
            for (a, b) in [(t[0], t[1]), (t[1], t[2]), (t[2], t[0])] {
                let (a, b) = (key(a), key(b));
                if a != b {
                    *edges.entry((a, b)).or_default() += 1;
                    *edges.entry((b, a)).or_default() -= 1;
                }
            }
        }
        edges.values().filter(|count| **count != 0).count()
    }

    /// Whether every (non-degenerate) triangle's winding agrees with its vertices' normals.
    pub fn faces_agree_with_normals(&self) -> bool {
        self.indices.chunks(3).all(|t| {
            let [a, b, c] = [0, 1, 2].map(|i| Vec3::from(self.positions[t[i] as usize]));
            let face = (b - a).cross(c - a);
            let normal: Vec3 = t.iter().map(|i| Vec3::from(self.normals[*i as usize])).sum();
            face.length() < 1e-12 || face.dot(normal) > 0.0
        })
    }
}
