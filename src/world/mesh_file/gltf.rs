//! glTF files, binary (`.glb`) or text (`.gltf` with its buffers in `.bin` files or `data:`
//! URIs): the triangles of every mesh in the default scene, placed by their nodes' transforms,
//! and the base color texture or factor of the first material that has one.
//!
//! Every accessor is checked (type, count, bounds) before it is read, so a damaged file is an
//! error naming what is wrong, never a panic inside the glTF reader.

use ::gltf::accessor::{DataType, Dimensions};
use ::gltf::mesh::Mode;
use bevy::math::{Mat3, Mat4, Vec2, Vec3};

use super::RawMesh;

/// Reads a file next to the glTF one (a `.bin` buffer, an image) by its URI.
pub type ReadBeside<'a> = &'a dyn Fn(&str) -> Result<Vec<u8>, String>;

/// The triangles and texture of a glTF file's bytes.
pub fn parse(bytes: &[u8], read_beside: ReadBeside) -> Result<RawMesh, String> {
    let file = ::gltf::Gltf::from_slice(bytes).map_err(|error| format!("not a valid glTF file: {error}"))?;
    let buffers: Vec<Vec<u8>> = file
        .buffers()
        .map(|buffer| {
            let data = match buffer.source() {
                ::gltf::buffer::Source::Bin => file.blob.clone().ok_or("a buffer refers to a missing BIN chunk")?,
                ::gltf::buffer::Source::Uri(uri) => read_uri(uri, read_beside)?,
            };
            if data.len() < buffer.length() {
                return Err(format!(
                    "buffer {} holds {} bytes, the file says {}",
                    buffer.index(),
                    data.len(),
                    buffer.length()
                ));
            }
            Ok(data)
        })
        .collect::<Result<_, String>>()?;
    let scene = file.default_scene().or_else(|| file.scenes().next()).ok_or("the file has no scene")?;
    let mut mesh = RawMesh::default();
    for node in scene.nodes() {
        add_node(&node, Mat4::IDENTITY, &buffers, &mut mesh)?;
    }
    mesh.texture = first_texture(&file, &buffers, read_beside)?;
    Ok(mesh)
}

/// The bytes behind a URI: a `data:` URI's base64 payload, or a file beside the glTF file.
fn read_uri(uri: &str, read_beside: ReadBeside) -> Result<Vec<u8>, String> {
    match uri.strip_prefix("data:") {
        Some(rest) => {
            let (_, payload) = rest.split_once(";base64,").ok_or("a data URI that is not base64")?;
            super::base64_decode(payload)
        }
        None => read_beside(uri),
    }
}

/// A node's meshes and its children's, with the transform from the node to the scene.
fn add_node(node: &::gltf::Node, parent: Mat4, buffers: &[Vec<u8>], mesh: &mut RawMesh) -> Result<(), String> {
    let transform = parent * Mat4::from_cols_array_2d(&node.transform().matrix());
    if let Some(node_mesh) = node.mesh() {
        for primitive in node_mesh.primitives() {
            add_primitive(&primitive, transform, buffers, mesh)
                .map_err(|error| format!("mesh {}, primitive {}: {error}", node_mesh.index(), primitive.index()))?;
        }
    }
    node.children().try_for_each(|child| add_node(&child, transform, buffers, mesh))
}

/// A triangle primitive's vertices (positions, normals, first texture coordinates) and indices.
fn add_primitive(
    primitive: &::gltf::Primitive,
    transform: Mat4,
    buffers: &[Vec<u8>],
    mesh: &mut RawMesh,
) -> Result<(), String> {
    if primitive.mode() != Mode::Triangles {
        return Ok(());
    }
    let attribute = |semantic| primitive.get(&semantic);
    let positions = attribute(::gltf::Semantic::Positions).ok_or("no POSITION attribute")?;
    check_accessor(&positions, buffers, &[DataType::F32], Dimensions::Vec3, "POSITION")?;
    let count = positions.count();
    let normals = attribute(::gltf::Semantic::Normals);
    let uvs = attribute(::gltf::Semantic::TexCoords(0));
    for (accessor, name, dimensions) in [(&normals, "NORMAL", Dimensions::Vec3), (&uvs, "TEXCOORD_0", Dimensions::Vec2)]
    {
        if let Some(accessor) = accessor {
            let types: &[DataType] =
                if name == "NORMAL" { &[DataType::F32] } else { &[DataType::F32, DataType::U8, DataType::U16] };
            check_accessor(accessor, buffers, types, dimensions, name)?;
            if accessor.count() != count {
                return Err(format!("{name} has {} entries for {count} positions", accessor.count()));
            }
        }
    }
    if let Some(indices) = primitive.indices() {
        check_accessor(
            &indices,
            buffers,
            &[DataType::U8, DataType::U16, DataType::U32],
            Dimensions::Scalar,
            "indices",
        )?;
    }
    let reader = primitive.reader(|buffer| buffers.get(buffer.index()).map(Vec::as_slice));
    let normal_matrix = Mat3::from_mat4(transform).inverse().transpose();
    let first = mesh.positions.len() as u32;
    let read = "an accessor's data lies outside its buffer";
    mesh.positions.extend(reader.read_positions().ok_or(read)?.map(|p| transform.transform_point3(Vec3::from(p))));
    match reader.read_normals() {
        Some(normals) => {
            mesh.normals.extend(normals.map(|n| Some((normal_matrix * Vec3::from(n)).normalize_or_zero())))
        }
        None => mesh.normals.extend(std::iter::repeat_n(None, count)),
    }
    match reader.read_tex_coords(0) {
        Some(uvs) => mesh.uvs.extend(uvs.into_f32().map(|uv| Some(Vec2::from(uv)))),
        None => mesh.uvs.extend(std::iter::repeat_n(None, count)),
    }
    let indices: Vec<u32> = match reader.read_indices() {
        Some(indices) => indices.into_u32().collect(),
        None => (0..count as u32).collect(),
    };
    if let Some(bad) = indices.iter().find(|i| **i as usize >= count) {
        return Err(format!("index {bad} refers past its {count} vertices"));
    }
    if indices.len() % 3 != 0 {
        return Err(format!("{} indices do not make whole triangles", indices.len()));
    }
    // A mirroring transform turns the winding round.
    let mirrored = transform.determinant() < 0.0;
    for triangle in indices.chunks(3) {
        let [a, b, c] = [triangle[0], triangle[1], triangle[2]].map(|i| first + i);
        mesh.indices.extend(if mirrored { [a, c, b] } else { [a, b, c] });
    }
    Ok(())
}

/// Checks an accessor before the glTF reader reads it: its type, that it has entries, and that
/// every entry lies inside its buffer view and the view inside its buffer.
fn check_accessor(
    accessor: &::gltf::Accessor,
    buffers: &[Vec<u8>],
    types: &[DataType],
    dimensions: Dimensions,
    name: &str,
) -> Result<(), String> {
    if !types.contains(&accessor.data_type())
        || accessor.dimensions() != dimensions
        || accessor.normalized() && accessor.data_type() == DataType::F32
    {
        return Err(format!(
            "{name} is {:?} {:?}, expected {dimensions:?} of {types:?}",
            accessor.dimensions(),
            accessor.data_type()
        ));
    }
    if accessor.sparse().is_some() {
        return Err(format!("{name} is a sparse accessor, which is not supported"));
    }
    let view = accessor.view().ok_or(format!("{name} has no buffer view"))?;
    let buffer_length = buffers.get(view.buffer().index()).map_or(0, Vec::len);
    let size = accessor.size();
    let stride = view.stride().unwrap_or(size);
    let needed = accessor
        .count()
        .checked_sub(1)
        .and_then(|n| n.checked_mul(stride))
        .and_then(|n| n.checked_add(size))
        .and_then(|n| n.checked_add(accessor.offset()));
    let fits = |needed: usize| {
        needed <= view.length() && view.offset().checked_add(view.length()).is_some_and(|end| end <= buffer_length)
    };
    match needed {
        None => Err(format!("{name} has no entries")),
        Some(needed) if stride < size || !fits(needed) => Err(format!("{name}'s data lies outside its buffer")),
        Some(_) => Ok(()),
    }
}

/// The base color texture of the first material that has one, decoded.
fn first_texture(
    file: &::gltf::Gltf,
    buffers: &[Vec<u8>],
    read_beside: ReadBeside,
) -> Result<Option<image::RgbaImage>, String> {
    let Some(info) = file.materials().find_map(|material| material.pbr_metallic_roughness().base_color_texture())
    else {
        return Ok(None);
    };
    let bytes = match info.texture().source().source() {
        ::gltf::image::Source::View { view, .. } => {
            let buffer = buffers.get(view.buffer().index()).ok_or("a texture's buffer is missing")?;
            let range = view.offset()..view.offset().saturating_add(view.length());
            buffer.get(range).ok_or("a texture's data lies outside its buffer")?.to_vec()
        }
        ::gltf::image::Source::Uri { uri, .. } => read_uri(uri, read_beside)?,
    };
    let image = image::load_from_memory(&bytes).map_err(|error| format!("its base color texture: {error}"))?;
    Ok(Some(image.to_rgba8()))
}
