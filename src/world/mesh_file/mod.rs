//! Mesh files a user drops into `assets/meshes/` (`.obj`, `.glb`, `.gltf`): read once per file
//! and kept for the whole process, as the drawn triangles centred on their bounding box and
//! scaled so its longest side is 1 (a kind's size range gives the clip's scale), with its own
//! texture if it has one, and the convex pieces it collides as: its convex hull, or an
//! approximate convex decomposition (V-HACD) computed the first time a clip asks for it.
//!
//! A clip records the file's path and hash ([`crate::spec::ShapeSpec::Mesh`]); [`get`] hands
//! out the asset only while the file still holds those bytes.

mod gltf;
mod obj;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use bevy::math::{Vec2, Vec3};
use bevy_rapier3d::parry::transformation::{try_convex_hull, vhacd};

use super::mesh_data::MeshData;
use crate::content::MeshCollider;

/// More triangles than this is a scanned model that needs simplifying first.
pub const MAX_TRIANGLES: usize = 200_000;

/// Triangles as a file gives them: per vertex a position and, where the file has them, a normal
/// and texture coordinates.
#[derive(Debug, Default)]
struct RawMesh {
    positions: Vec<Vec3>,
    normals: Vec<Option<Vec3>>,
    uvs: Vec<Option<Vec2>>,
    indices: Vec<u32>,
    texture: Option<image::RgbaImage>,
}

/// A mesh file ready to draw and collide.
pub struct MeshAsset {
    /// FNV-1a 64 of the file's bytes, hex.
    pub hash: String,
    /// The drawn triangles, centred on their bounding box, longest side 1.
    pub mesh: MeshData,
    /// The bounding box's sides (the longest is 1).
    pub proportions: Vec3,
    /// The file's own base color texture, drawn instead of the kind's color and pattern.
    pub texture: Option<image::RgbaImage>,
    /// The convex hull, at unit scale.
    hull: Pieces,
    decomposition: OnceLock<Pieces>,
}

/// Convex pieces (each a point set) at unit scale, with the volume of their hulls, worked out
/// once: sampling asks for it for every object whose mass comes from a density.
struct Pieces {
    points: Vec<Vec<Vec3>>,
    volume: f32,
}

impl Pieces {
    fn new(points: Vec<Vec<Vec3>>) -> Pieces {
        let volume = points.iter().filter_map(|piece| hull_of(piece).ok()).map(|hull| hull.volume()).sum();
        Pieces { points, volume }
    }
}

impl std::fmt::Debug for MeshAsset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MeshAsset({}, {} triangles)", self.hash, self.mesh.indices.len() / 3)
    }
}

impl MeshAsset {
    /// The convex pieces (point sets) the object collides as, at unit scale.
    pub fn pieces(&self, collider: MeshCollider) -> Vec<&[Vec3]> {
        self.collider(collider).points.iter().map(Vec::as_slice).collect()
    }

    /// The points of its convex hull, at unit scale.
    pub fn hull(&self) -> &[Vec3] {
        &self.hull.points[0]
    }

    /// The volume of [`MeshAsset::pieces`] at unit scale.
    pub fn volume(&self, collider: MeshCollider) -> f32 {
        self.collider(collider).volume
    }

    fn collider(&self, collider: MeshCollider) -> &Pieces {
        match collider {
            MeshCollider::Hull => &self.hull,
            MeshCollider::Decomposition => self.decomposition(),
        }
    }

    fn decomposition(&self) -> &Pieces {
        self.decomposition.get_or_init(|| {
            let points: Vec<Vec3> = self.mesh.positions.iter().map(|p| Vec3::from(*p)).collect();
            let triangles: Vec<[u32; 3]> = self.mesh.indices.chunks(3).map(|t| [t[0], t[1], t[2]]).collect();
            let parts = vhacd::VHACD::decompose(&vhacd::VHACDParameters::default(), &points, &triangles, true);
            let hulls: Vec<Vec<Vec3>> = parts
                .compute_exact_convex_hulls(&points, &triangles)
                .into_iter()
                .map(|(points, _)| points)
                .filter(|points| hull_of(points).is_ok())
                .collect();
            // V-HACD finds nothing in a mesh that does not enclose a volume; the hull still does.
            Pieces::new(if hulls.is_empty() { self.hull.points.clone() } else { hulls })
        })
    }
}

/// How much a mesh of unit size is scaled to fill the box `size` (its longest side).
pub fn scale_of(size: [f32; 3]) -> f32 {
    size.into_iter().fold(0.0, f32::max)
}

/// Every mesh file read so far, by path; an entry is replaced when its file's bytes change.
fn cache() -> &'static Mutex<Vec<(PathBuf, Arc<MeshAsset>)>> {
    static CACHE: OnceLock<Mutex<Vec<(PathBuf, Arc<MeshAsset>)>>> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

fn cached(path: &Path, hash: &str) -> Option<Arc<MeshAsset>> {
    let cache = cache().lock().unwrap_or_else(|e| e.into_inner());
    cache.iter().find(|(p, asset)| p == path && asset.hash == hash).map(|(_, asset)| asset.clone())
}

/// The mesh file at `path` (on disk or embedded), read and checked; errors say what is wrong
/// with it, without the file's name (the caller's message names it).
pub fn load(path: &Path) -> Result<Arc<MeshAsset>, String> {
    let bytes = crate::content::files::read(path).map_err(|error| format!("cannot read it: {error}"))?;
    let hash = format!("{:016x}", crate::hash::fnv1a64(&bytes));
    if let Some(asset) = cached(path, &hash) {
        return Ok(asset);
    }
    let asset = Arc::new(parse(path, &bytes, hash)?);
    let mut cache = cache().lock().unwrap_or_else(|e| e.into_inner());
    cache.retain(|(p, _)| p != path);
    cache.push((path.to_path_buf(), asset.clone()));
    Ok(asset)
}

/// The mesh file a clip was made with, if `path` still holds the bytes hashed `hash`.
pub fn get(path: &Path, hash: &str) -> Result<Arc<MeshAsset>, String> {
    if let Some(asset) = cached(path, hash) {
        return Ok(asset);
    }
    let asset = load(path)?;
    if asset.hash != hash {
        return Err(format!("it has changed since the clip was made (hash {}, the clip's {hash})", asset.hash));
    }
    Ok(asset)
}

/// Decodes a file by its extension, then centres, scales and checks it.
fn parse(path: &Path, bytes: &[u8], hash: String) -> Result<MeshAsset, String> {
    let beside = |name: &str| -> Result<Vec<u8>, String> {
        let file = path.parent().unwrap_or(Path::new("")).join(name);
        crate::content::files::read(&file).map_err(|error| format!("{}: {error}", file.display()))
    };
    let extension = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    let raw = match extension.as_str() {
        "obj" => {
            let text = std::str::from_utf8(bytes).map_err(|_| "an .obj file must be text (UTF-8)".to_string())?;
            let parts = obj::parse(text)?;
            let mut mesh = parts.mesh;
            if let Some(material) = parts.material_file {
                let text = String::from_utf8_lossy(&beside(&material)?).into_owned();
                if let (Some(texture), _) = obj::material(&text) {
                    let image = image::load_from_memory(&beside(&texture)?).map_err(|e| format!("{texture}: {e}"))?;
                    mesh.texture = Some(image.to_rgba8());
                }
            }
            mesh
        }
        "glb" | "gltf" => gltf::parse(bytes, &beside)?,
        _ => return Err(format!("`.{extension}` is not a mesh format synthact reads (.obj, .glb, .gltf)")),
    };
    finish(raw, hash)
}

/// The asset of decoded triangles: centred, longest side 1, every vertex with a normal and
/// texture coordinates, and its hull; refused if empty, huge or flat.
fn finish(raw: RawMesh, hash: String) -> Result<MeshAsset, String> {
    let triangles = raw.indices.len() / 3;
    if triangles == 0 {
        return Err("it has no triangles".into());
    }
    if triangles > MAX_TRIANGLES {
        return Err(format!("it has {triangles} triangles, more than {MAX_TRIANGLES}: simplify it first"));
    }
    let (min, max) =
        raw.positions.iter().fold((Vec3::INFINITY, Vec3::NEG_INFINITY), |(lo, hi), p| (lo.min(*p), hi.max(*p)));
    let longest = (max - min).max_element();
    if !longest.is_finite() || longest <= 0.0 {
        return Err("its vertices all lie at one point".into());
    }
    let (centre, scale) = ((min + max) / 2.0, 1.0 / longest);
    let positions: Vec<Vec3> = raw.positions.iter().map(|p| (*p - centre) * scale).collect();
    let hull = hull_of(&positions).map_err(|_| "it is flat: a rigid object must enclose a volume".to_string())?;
    if hull.volume() < 1e-6 {
        return Err("it is flat: a rigid object must enclose a volume".into());
    }
    let smooth = smooth_normals(&positions, &raw.indices);
    let mut mesh = MeshData::default();
    for (i, position) in positions.iter().enumerate() {
        let normal = raw.normals[i].filter(|n| n.length_squared() > 0.0).unwrap_or(smooth[i]);
        let uv = raw.uvs[i].map_or_else(|| box_projection(*position, normal), |uv| uv.to_array());
        mesh.vertex(*position, normal, uv);
    }
    mesh.indices = raw.indices;
    Ok(MeshAsset {
        hash,
        mesh,
        proportions: (max - min) * scale,
        texture: raw.texture,
        hull: Pieces::new(vec![hull.points]),
        decomposition: OnceLock::new(),
    })
}

/// A convex hull's points and its volume.
struct Hull {
    points: Vec<Vec3>,
    triangles: Vec<[u32; 3]>,
}

impl Hull {
    fn volume(&self) -> f32 {
        let at = |i: u32| self.points[i as usize];
        self.triangles.iter().map(|[a, b, c]| at(*a).dot(at(*b).cross(at(*c))) / 6.0).sum::<f32>().abs()
    }
}

fn hull_of(points: &[Vec3]) -> Result<Hull, ()> {
    let (points, triangles) = try_convex_hull(points).map_err(|_| ())?;
    if triangles.len() < 4 { Err(()) } else { Ok(Hull { points, triangles }) }
}

/// Area-weighted vertex normals, for files that give none.
fn smooth_normals(positions: &[Vec3], indices: &[u32]) -> Vec<Vec3> {
    let mut normals = vec![Vec3::ZERO; positions.len()];
    for t in indices.chunks(3) {
        let [a, b, c] = [t[0], t[1], t[2]].map(|i| i as usize);
        let face = (positions[b] - positions[a]).cross(positions[c] - positions[a]);
        for i in [a, b, c] {
            normals[i] += face;
        }
    }
    normals.into_iter().map(|n| n.try_normalize().unwrap_or(Vec3::Y)).collect()
}

/// Texture coordinates for a vertex of a file that gives none: its position projected along
/// the axis its normal is closest to, so patterns tile over every side.
fn box_projection(position: Vec3, normal: Vec3) -> [f32; 2] {
    let n = normal.abs();
    let (u, v) = if n.x >= n.y && n.x >= n.z {
        (position.z, position.y)
    } else if n.y >= n.z {
        (position.x, position.z)
    } else {
        (position.x, position.y)
    };
    [u + 0.5, v + 0.5]
}

/// Standard base64 (RFC 4648, `=` padding optional, whitespace ignored), for `data:` URIs.
fn base64_decode(text: &str) -> Result<Vec<u8>, String> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut bits, mut count) = (0u32, 0);
    for c in text.bytes().filter(|c| !c.is_ascii_whitespace() && *c != b'=') {
        bits = (bits << 6) | u32::from(value(c).ok_or(format!("`{}` is not base64", c as char))?);
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A cube of side `s` with a notch: 8 corners, 12 triangles, counter-clockwise from outside.
    fn cube_obj(s: f32) -> String {
        let mut text = String::new();
        for [x, y, z] in [[0, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0], [0, 0, 1], [1, 0, 1], [1, 1, 1], [0, 1, 1]] {
            text += &format!("v {} {} {}\n", x as f32 * s, y as f32 * s * 0.5, z as f32 * s * 0.25);
        }
        text + "f 1 4 3 2\nf 5 6 7 8\nf 1 2 6 5\nf 3 4 8 7\nf 2 3 7 6\nf 1 5 8 4\n"
    }

    #[test]
    fn a_file_is_centred_and_scaled_to_its_longest_side() {
        let raw = obj::parse(&cube_obj(3.0)).unwrap().mesh;
        let asset = finish(raw, "h".into()).unwrap();
        assert!((asset.proportions - Vec3::new(1.0, 0.5, 0.25)).length() < 1e-5);
        assert_eq!(asset.mesh.open_edges(), 0);
        assert!(asset.mesh.faces_agree_with_normals());
        assert!((asset.mesh.volume() - 0.125).abs() < 1e-4);
        assert!((asset.volume(MeshCollider::Hull) - 0.125).abs() < 1e-4);
        let centre: Vec3 = asset.mesh.positions.iter().map(|p| Vec3::from(*p)).sum::<Vec3>() / 8.0;
        assert!(centre.length() < 1e-5);
    }

    /// A U pushed 1 deep along z: two posts on a bar, open between them; 4 of its 9 square
    /// units of outline are solid.
    fn u_obj() -> String {
        let outline = [(0.0, 0.0), (3.0, 0.0), (3.0, 3.0), (2.5, 3.0), (2.5, 0.5), (0.5, 0.5), (0.5, 3.0), (0.0, 3.0)];
        let mut text = String::new();
        for z in [0.0, 1.0] {
            for (x, y) in outline {
                text += &format!("v {x} {y} {z}\n");
            }
        }
        // Caps: the bar and each post, as triangles of the outline's own corners.
        let cap = [[0, 1, 4], [0, 4, 5], [1, 2, 3], [1, 3, 4], [0, 5, 6], [0, 6, 7]];
        for [a, b, c] in cap {
            text += &format!("f {} {} {}\nf {} {} {}\n", a + 9, b + 9, c + 9, a + 1, c + 1, b + 1);
        }
        for i in 0..8 {
            let j = (i + 1) % 8;
            text += &format!("f {} {} {} {}\n", i + 1, j + 1, j + 9, i + 9);
        }
        text
    }

    #[test]
    fn a_decomposition_follows_a_hollow_that_the_hull_fills() {
        let asset = finish(obj::parse(&u_obj()).unwrap().mesh, "u".into()).unwrap();
        assert_eq!(asset.mesh.open_edges(), 0);
        let drawn = asset.mesh.volume();
        assert!(drawn > 0.0, "wound to face out");
        let (hull, parts) = (asset.volume(MeshCollider::Hull), asset.volume(MeshCollider::Decomposition));
        assert!(hull > 2.0 * drawn, "the hull fills the U: {hull} vs {drawn}");
        assert!(asset.pieces(MeshCollider::Decomposition).len() >= 3);
        assert!((parts / drawn - 1.0).abs() < 0.15, "decomposition {parts} vs drawn {drawn}");
    }

    #[test]
    fn empty_and_flat_files_are_refused() {
        assert_eq!(finish(RawMesh::default(), String::new()).err().unwrap(), "it has no triangles");
        let flat = obj::parse("v 0 0 0\nv 1 0 0\nv 1 0 1\nv 0 0 1\nf 1 2 3 4\n").unwrap().mesh;
        assert!(finish(flat, String::new()).err().unwrap().contains("flat"));
    }

    #[test]
    fn base64_round_trips() {
        assert_eq!(base64_decode("aGVsbG8gd29ybGQ=").unwrap(), b"hello world");
        assert_eq!(base64_decode("AAEC/w==").unwrap(), [0, 1, 2, 255]);
        assert!(base64_decode("ab*c").is_err());
    }
}
