//! Mesh files a user drops into `assets/meshes/`: an `.obj` and a `.glb` that this test writes
//! itself load, collide (a push moves them and verification passes), render (their masks cover
//! pixels, the `.glb`'s own texture shows) and re-render byte for byte; damaged files are refused
//! with the file, the line in objects.ron and what is wrong.

mod common;

use std::path::{Path, PathBuf};

use common::{REAL_TIME_FEW_FRAMES, clip_dirs, stderr, synthact};
use synthact::output::ClipLabel;
use synthact::spec::ShapeSpec;

/// A house shape (a box under a pitched roof), 8 cm wide, as `.obj` text with quads, a
/// five-cornered face each end and no normals or texture coordinates.
fn house_obj() -> String {
    let mut text = String::from("# a small house\n");
    for z in [-0.03, 0.03] {
        for (x, y) in [(-0.04, 0.0), (0.04, 0.0), (0.04, 0.04), (0.0, 0.065), (-0.04, 0.04)] {
            text += &format!("v {x} {y} {z}\n");
        }
    }
    // The back end (z -0.03) seen from behind, the front seen from the front, then the sides.
    text += "f 1 5 4 3 2\nf 6 7 8 9 10\n";
    for i in 0..5 {
        let j = (i + 1) % 5;
        text += &format!("f {} {} {} {}\n", i + 1, j + 1, j + 6, i + 6);
    }
    text
}

/// A 5 x 4 x 3 cm block as a binary glTF with normals, texture coordinates and an embedded
/// pure green PNG as its base color texture.
fn green_block_glb() -> Vec<u8> {
    let half = [0.025f32, 0.02, 0.015];
    let (mut positions, mut normals, mut uvs, mut indices) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for axis in 0..3 {
        for sign in [-1.0f32, 1.0] {
            let (u, v) = ((axis + 1) % 3, (axis + 2) % 3);
            let first = positions.len() as u16;
            for (a, b) in [(-1.0, -1.0), (1.0, -1.0), (1.0, 1.0), (-1.0, 1.0)] {
                let mut p = [0.0f32; 3];
                (p[axis], p[u], p[v]) = (sign * half[axis], a * half[u], b * sign * half[v]);
                let mut n = [0.0f32; 3];
                n[axis] = sign;
                positions.push(p);
                normals.push(n);
                uvs.push([(a + 1.0) / 2.0, (b + 1.0) / 2.0]);
            }
            indices.extend([first, first + 1, first + 2, first, first + 2, first + 3]);
        }
    }
    let mut png = Vec::new();
    image::RgbImage::from_pixel(4, 4, image::Rgb([20, 200, 30]))
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    let mut bin = Vec::new();
    let mut views = Vec::new();
    let mut push = |bytes: Vec<u8>| {
        views.push(format!(r#"{{"buffer":0,"byteOffset":{},"byteLength":{}}}"#, bin.len(), bytes.len()));
        bin.extend(bytes);
        while bin.len() % 4 != 0 {
            bin.push(0);
        }
    };
    push(positions.iter().flatten().flat_map(|x| x.to_le_bytes()).collect());
    push(normals.iter().flatten().flat_map(|x| x.to_le_bytes()).collect());
    push(uvs.iter().flatten().flat_map(|x| x.to_le_bytes()).collect());
    push(indices.iter().flat_map(|i| i.to_le_bytes()).collect());
    push(png);
    let json = format!(
        r#"{{"asset":{{"version":"2.0"}},"scene":0,"scenes":[{{"nodes":[0]}}],"nodes":[{{"mesh":0}}],
        "meshes":[{{"primitives":[{{"attributes":{{"POSITION":0,"NORMAL":1,"TEXCOORD_0":2}},"indices":3,"material":0}}]}}],
        "materials":[{{"pbrMetallicRoughness":{{"baseColorTexture":{{"index":0}}}}}}],
        "textures":[{{"source":0}}],"images":[{{"bufferView":4,"mimeType":"image/png"}}],
        "buffers":[{{"byteLength":{}}}],"bufferViews":[{}],
        "accessors":[
          {{"bufferView":0,"componentType":5126,"count":24,"type":"VEC3","min":[-{},-{},-{}],"max":[{},{},{}]}},
          {{"bufferView":1,"componentType":5126,"count":24,"type":"VEC3"}},
          {{"bufferView":2,"componentType":5126,"count":24,"type":"VEC2"}},
          {{"bufferView":3,"componentType":5123,"count":36,"type":"SCALAR"}}]}}"#,
        bin.len(),
        views.join(","),
        half[0],
        half[1],
        half[2],
        half[0],
        half[1],
        half[2],
    );
    glb(json.into_bytes(), bin)
}

/// A binary glTF of a JSON chunk and a BIN chunk, each padded to four bytes.
fn glb(mut json: Vec<u8>, mut bin: Vec<u8>) -> Vec<u8> {
    while json.len() % 4 != 0 {
        json.push(b' ');
    }
    while bin.len() % 4 != 0 {
        bin.push(0);
    }
    let total = 12 + 8 + json.len() + 8 + bin.len();
    let mut out = b"glTF".to_vec();
    for word in [2, total as u32, json.len() as u32, 0x4E4F_534A] {
        out.extend(word.to_le_bytes());
    }
    out.extend(json);
    out.extend((bin.len() as u32).to_le_bytes());
    out.extend(0x004E_4942u32.to_le_bytes());
    out.extend(bin);
    out
}

/// A content folder: the shipped library and scenes plus a kind for each mesh file given (name,
/// file, bytes), and one scene per kind (the tabletop room holding only that kind, no distractors).
fn content_with_meshes(dir: &Path, meshes: &[(&str, &str, Vec<u8>)]) -> PathBuf {
    let root = env!("CARGO_MANIFEST_DIR");
    let content = dir.join("content");
    std::fs::create_dir_all(content.join("assets/meshes")).unwrap();
    std::fs::create_dir_all(content.join("scenes")).unwrap();
    for entry in std::fs::read_dir(Path::new(root).join("scenes")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "ron") {
            std::fs::copy(&path, content.join("scenes").join(path.file_name().unwrap())).unwrap();
        }
    }
    let library = std::fs::read_to_string(Path::new(root).join("assets/objects.ron")).unwrap();
    let end = library.rfind(']').unwrap();
    let mut kinds = String::new();
    for (name, file, bytes) in meshes {
        std::fs::write(content.join("assets/meshes").join(file), bytes).unwrap();
        kinds += &format!(
            "ObjectKindDef(name: \"{name}\", noun: \"{name}\", shape: Mesh(file: \"meshes/{file}\", size: (0.07, 0.09)),\n\
             mass: (0.2, 0.3), friction: (0.5, 0.6), restitution: (0.05, 0.1)),\n"
        );
        let room = std::fs::read_to_string(Path::new(root).join("scenes/tabletop_room.ron")).unwrap();
        let objects = room.lines().find(|line| line.trim_start().starts_with("objects: [")).unwrap();
        let scene = room
            .replace("name: \"tabletop_room\"", &format!("name: \"{name}_room\""))
            .replace(objects, &format!("    objects: [\"{name}\"],"))
            .replace("distractors: (0, 2)", "distractors: (0, 0)");
        std::fs::write(content.join("scenes").join(format!("{name}_room.ron")), scene).unwrap();
    }
    std::fs::write(content.join("assets/objects.ron"), format!("{}{kinds}{}", &library[..end], &library[end..]))
        .unwrap();
    content
}

/// Pixels of `id` in a mask and their mean color in the frame.
fn masked_color(frame: &image::RgbImage, mask: &image::GrayImage, id: u8) -> (usize, [f64; 3]) {
    let pixels: Vec<[f64; 3]> = mask
        .enumerate_pixels()
        .filter(|(_, _, p)| p[0] == id)
        .map(|(x, y, _)| frame.get_pixel(x, y).0.map(f64::from))
        .collect();
    let mean = [0, 1, 2].map(|c| pixels.iter().map(|p| p[c]).sum::<f64>() / pixels.len().max(1) as f64);
    (pixels.len(), mean)
}

#[test]
fn an_obj_and_a_glb_load_collide_render_and_rerender() {
    let dir = tempfile::tempdir().unwrap();
    let meshes = [("house", "house.obj", house_obj().into_bytes()), ("green_block", "block.glb", green_block_glb())];
    let content = content_with_meshes(dir.path(), &meshes);
    let content = content.to_str().unwrap();
    let validate = synthact(&["validate", "--content", content]);
    assert!(validate.status.success(), "{}", stderr(&validate));

    for (name, file, _) in &meshes {
        let out = dir.path().join(format!("out_{name}"));
        let scene = format!("{name}_room");
        let mut args = vec!["generate", "--quiet", "--content", content, "--scenes", &scene];
        args.extend(["--out", out.to_str().unwrap(), "--actions", "push_left_to_right", "--clips", "2"]);
        args.extend(["--width", "96", "--height", "96", "--annotations", "masks", "--seed", "3"]);
        args.extend(REAL_TIME_FEW_FRAMES);
        let output = synthact(&args);
        assert!(output.status.success(), "{name}: {}", stderr(&output));
        for id in clip_dirs(&out) {
            let clip = out.join(&id);
            let label = ClipLabel::read_file(&clip.join("label.json")).unwrap();
            let index = label.spec.objects.iter().position(|o| o.role.is_some()).unwrap();
            let object = &label.spec.objects[index];
            let ShapeSpec::Mesh { path, size, .. } = &object.shape else { panic!("{name}: {:?}", object.shape) };
            assert!(path.ends_with(file), "{path}");
            let longest = size.iter().fold(0.0f32, |m, s| m.max(*s));
            assert!((0.07..=0.09).contains(&longest), "{name}: scaled to {size:?}");
            // The push moved it (verification passed, or the clip would not be written) and it
            // ends on the table, not through it.
            let frames = label.frames as usize;
            let last = format!("img_{frames:05}");
            let image = image::open(clip.join(format!("{last}.jpg"))).unwrap().to_rgb8();
            let mask = image::open(clip.join("masks").join(format!("{last}.png"))).unwrap().to_luma8();
            let (seen, color) = masked_color(&image, &mask, index as u8 + 1);
            assert!(seen >= 20, "{name} {id}: {seen} pixels of it in its last frame");
            if *name == "green_block" {
                assert!(color[1] > color[0] + 30.0 && color[1] > color[2] + 30.0, "its own texture: {color:?}");
                assert!(
                    !object.name.contains(&object.color_word),
                    "a textured mesh's name has no color: {}",
                    object.name
                );
            }
        }
        // The same clip again from its label alone.
        let first = out.join(&clip_dirs(&out)[0]);
        let again = dir.path().join(format!("again_{name}"));
        let output = synthact(&["rerender", first.to_str().unwrap(), "--out", again.to_str().unwrap()]);
        assert!(output.status.success(), "{}", stderr(&output));
        let id = clip_dirs(&again)[0].clone();
        for frame in 1..=6 {
            let image = format!("img_{frame:05}.jpg");
            assert!(std::fs::read(first.join(&image)).unwrap() == std::fs::read(again.join(&id).join(&image)).unwrap());
        }
    }

    // A mesh file changed since the clip was made: rerender refuses, naming the label's field.
    let house = Path::new(content).join("assets/meshes/house.obj");
    std::fs::write(&house, house_obj() + "v 0 0 0\n").unwrap();
    let clip = dir.path().join("out_house").join(&clip_dirs(&dir.path().join("out_house"))[0]);
    let output = synthact(&["rerender", clip.to_str().unwrap(), "--out", dir.path().join("changed").to_str().unwrap()]);
    assert!(!output.status.success());
    let said = stderr(&output);
    assert!(said.contains("field `spec.objects[") && said.contains("house.obj: it has changed"), "{said}");
}

#[test]
fn damaged_mesh_files_are_refused_naming_the_file_and_the_problem() {
    let truncated = green_block_glb()[..200].to_vec();
    let bad_face = b"v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 7\n".to_vec();
    let flat = b"v 0 0 0\nv 1 0 0\nv 1 0 1\nv 0 0 1\nf 1 2 3 4\n".to_vec();
    let unknown = b"solid cube\nendsolid\n".to_vec();
    let cases: [(&str, &str, Vec<u8>, &str); 4] = [
        ("cut", "cut.glb", truncated, "not a valid glTF file"),
        ("bad_face", "bad_face.obj", bad_face, "line 4: face corner `7`: vertex 7 does not exist (3 declared)"),
        ("flat", "flat.obj", flat, "it is flat: a rigid object must enclose a volume"),
        ("stl", "cube.stl", unknown, "`.stl` is not a mesh format synthact reads (.obj, .glb, .gltf)"),
    ];
    for (name, file, bytes, expected) in cases {
        let dir = tempfile::tempdir().unwrap();
        let content = content_with_meshes(dir.path(), &[(name, file, bytes)]);
        let output = synthact(&["validate", "--content", content.to_str().unwrap()]);
        assert!(!output.status.success(), "{name} is refused");
        let said = stderr(&output);
        let objects = content.join("assets/objects.ron");
        let line = std::fs::read_to_string(&objects).unwrap().lines().position(|l| l.contains(file)).unwrap() + 1;
        let at = format!("{}:{line}:", objects.display());
        assert!(said.contains(&at) && said.contains("shape.file"), "{name}: the kind's field is placed:\n{said}");
        assert!(said.contains(&format!("meshes/{file}: {expected}")), "{name}: {said}");
        assert!(!said.contains("panicked"), "{said}");
    }
}
