//! Wavefront `.obj` files: `v`, `vt`, `vn` and `f` lines (polygons fanned into triangles,
//! negative indices counted from the end), and a `map_Kd` texture or `Kd` color from the first
//! `mtllib` material, if any. Every other line (groups, smoothing, lines, points) is ignored.

use std::collections::HashMap;

use bevy::math::{Vec2, Vec3};

use super::RawMesh;

/// What an `.obj` file's `mtllib` asks for: the material file's name, read by the caller.
pub struct ObjParts {
    pub mesh: RawMesh,
    pub material_file: Option<String>,
}

/// The triangles of an `.obj` file's text; errors name the line.
pub fn parse(text: &str) -> Result<ObjParts, String> {
    let mut positions: Vec<Vec3> = Vec::new();
    let mut uvs: Vec<Vec2> = Vec::new();
    let mut normals: Vec<Vec3> = Vec::new();
    let mut corners: HashMap<(usize, Option<usize>, Option<usize>), u32> = HashMap::new();
    let mut mesh = RawMesh::default();
    let mut material_file = None;
    for (number, line) in text.lines().enumerate() {
        let at = |message: String| format!("line {}: {message}", number + 1);
        let mut words = line.split_whitespace();
        match words.next() {
            Some("v") => positions.push(Vec3::from(numbers::<3>(words).map_err(at)?)),
            Some("vt") => uvs.push(Vec2::from(numbers::<2>(words).map_err(at)?)),
            Some("vn") => normals.push(Vec3::from(numbers::<3>(words).map_err(at)?)),
            Some("f") => {
                let mut polygon = Vec::new();
                for corner in words {
                    let key = corner_key(corner, [positions.len(), uvs.len(), normals.len()]).map_err(at)?;
                    let next = mesh.positions.len() as u32;
                    let index = *corners.entry(key).or_insert(next);
                    if index == next {
                        mesh.positions.push(positions[key.0]);
                        mesh.uvs.push(key.1.map(|i| uvs[i]));
                        mesh.normals.push(key.2.map(|i| normals[i]));
                    }
                    polygon.push(index);
                }
                if polygon.len() < 3 {
                    return Err(at(format!("a face needs at least 3 corners (got {})", polygon.len())));
                }
                for i in 1..polygon.len() - 1 {
                    mesh.indices.extend([polygon[0], polygon[i], polygon[i + 1]]);
                }
            }
            Some("mtllib") if material_file.is_none() => material_file = words.next().map(str::to_string),
            _ => {}
        }
    }
    Ok(ObjParts { mesh, material_file })
}

/// `N` finite numbers from the rest of a line (a `vt` may carry a third, ignored).
fn numbers<'a, const N: usize>(words: impl Iterator<Item = &'a str>) -> Result<[f32; N], String> {
    let values: Vec<f32> = words
        .take(N)
        .map(|word| {
            word.parse::<f32>().ok().filter(|x| x.is_finite()).ok_or(format!("`{word}` is not a finite number"))
        })
        .collect::<Result<_, _>>()?;
    values.try_into().map_err(|values: Vec<f32>| format!("expected {N} numbers, got {}", values.len()))
}

/// A face corner `v`, `v/vt`, `v//vn` or `v/vt/vn` as 0-based indices, checked against how many
/// of each the file has declared so far.
fn corner_key(corner: &str, counts: [usize; 3]) -> Result<(usize, Option<usize>, Option<usize>), String> {
    let mut parts = corner.split('/');
    let mut index = |count: usize, what: &str, required: bool| -> Result<Option<usize>, String> {
        match parts.next().filter(|p| !p.is_empty()) {
            None if required => Err(format!("face corner `{corner}` has no vertex index")),
            None => Ok(None),
            Some(text) => {
                let value: i64 =
                    text.parse().map_err(|_| format!("face corner `{corner}`: `{text}` is not an index"))?;
                // 1-based from the start, or negative from the end of what is declared so far.
                let resolved = if value > 0 { value - 1 } else { count as i64 + value };
                if value == 0 || resolved < 0 || resolved >= count as i64 {
                    return Err(format!("face corner `{corner}`: {what} {value} does not exist ({count} declared)"));
                }
                Ok(Some(resolved as usize))
            }
        }
    };
    let position = index(counts[0], "vertex", true)?.unwrap_or(0);
    let uv = index(counts[1], "texture coordinate", false)?;
    let normal = index(counts[2], "normal", false)?;
    Ok((position, uv, normal))
}

/// The diffuse texture's file name (`map_Kd`) and color (`Kd`) of the first material in a
/// `.mtl` file's text.
pub fn material(text: &str) -> (Option<String>, Option<[f32; 3]>) {
    let (mut texture, mut color) = (None, None);
    let mut materials = 0;
    for line in text.lines() {
        let mut words = line.split_whitespace();
        match words.next() {
            Some("newmtl") => materials += 1,
            _ if materials > 1 => break,
            // The file name is the last word: options such as `-s 1 1 1` come before it.
            Some("map_Kd") => texture = line.split_whitespace().last().filter(|w| *w != "map_Kd").map(str::to_string),
            Some("Kd") => color = numbers::<3>(words).ok().map(|c| c.map(|x| x.clamp(0.0, 1.0))),
            _ => {}
        }
    }
    (texture, color)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faces_of_every_corner_form_become_triangles() {
        let text = "# a square and a triangle\nmtllib box.mtl\nv 0 0 0\nv 1 0 0\nv 1 1 0\nv 0 1 0\nvt 0 0\nvt 1 0\n\
                    vt 1 1\nvn 0 0 1\nf 1/1/1 2/2/1 3/3/1 4//1\nf -4 -3 -2\ng ignored\ns off\n";
        let parts = parse(text).unwrap();
        assert_eq!(parts.material_file.as_deref(), Some("box.mtl"));
        // The quad is fanned into two triangles; the plain corners are vertices of their own.
        assert_eq!(parts.mesh.indices.len(), 9);
        assert_eq!(parts.mesh.positions.len(), 7);
        assert_eq!(parts.mesh.uvs[1], Some(Vec2::new(1.0, 0.0)));
        assert_eq!(parts.mesh.normals[3], Some(Vec3::Z));
        assert_eq!(parts.mesh.uvs[4], None);
    }

    #[test]
    fn bad_lines_are_named() {
        let error = |text: &str| parse(text).err().unwrap();
        assert_eq!(
            error("v 0 0 0\nv 1 0 0\nf 1 2 3\n"),
            "line 3: face corner `3`: vertex 3 does not exist (2 declared)"
        );
        assert_eq!(error("v 0 nan 0\n"), "line 1: `nan` is not a finite number");
        assert_eq!(error("v 0 0\n"), "line 1: expected 3 numbers, got 2");
        assert_eq!(error("v 0 0 0\nv 1 0 0\nf 1 2\n"), "line 3: a face needs at least 3 corners (got 2)");
        assert!(error("v 0 0 0\nf 1/x 1 1\n").contains("`x` is not an index"));
        assert!(error("v 0 0 0\nf 0 1 1\n").contains("vertex 0 does not exist"));
    }

    #[test]
    fn the_first_material_gives_texture_and_color() {
        let mtl = "newmtl a\nKd 0.2 0.4 2.0\nmap_Kd -s 1 1 1 wood.png\nnewmtl b\nmap_Kd other.png\n";
        assert_eq!(material(mtl), (Some("wood.png".into()), Some([0.2, 0.4, 1.0])));
    }
}
