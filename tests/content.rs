//! Content tier: the shipped RON files load and validate, and broken files are reported with
//! file, line, column and field.

mod common;

use std::path::{Path, PathBuf};

use synthact::content::{
    Content, ContentError, Problem, default_actions_dir, default_objects_file, default_scenes_dir,
};

/// A scenes directory holding the shipped scene with `edit` applied to its text.
fn scenes_with(edit: impl Fn(&str) -> String) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let original = std::fs::read_to_string(default_scenes_dir().join("tabletop_room.ron")).unwrap();
    let path = dir.path().join("tabletop_room.ron");
    std::fs::write(&path, edit(&original)).unwrap();
    (dir, path)
}

fn load_scenes(dir: &Path) -> Result<Content, ContentError> {
    Content::load(dir, &default_actions_dir(), &default_objects_file())
}

/// 1-based line of the first occurrence of `needle` in `path`.
fn line_of(path: &Path, needle: &str) -> usize {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines().position(|line| line.contains(needle)).expect("needle in file") + 1
}

fn only_problem(error: ContentError) -> Problem {
    assert_eq!(error.problems.len(), 1, "expected one problem, got: {error}");
    error.problems.into_iter().next().unwrap()
}

#[test]
fn shipped_content_loads_and_validates() {
    let content = Content::load_builtin().unwrap_or_else(|e| panic!("{e}"));
    assert!(content.scenes.iter().any(|s| s.def.name == "tabletop_room"));
    let templates: Vec<(&str, u32)> =
        content.actions.iter().map(|a| (a.def.template.as_str(), a.def.class_index)).collect();
    for expected in [
        ("Pushing [something] from left to right", 93),
        ("Pushing [something] from right to left", 94),
        ("[Something] falling like a rock", 135),
    ] {
        assert!(templates.contains(&expected), "missing action {expected:?} in {templates:?}");
    }
}

#[test]
fn misspelled_field_names_file_line_column_and_field() {
    let (dir, path) = scenes_with(|text| text.replacen("work_surface:", "work_surfce:", 1));
    let problem = only_problem(load_scenes(dir.path()).unwrap_err());
    assert_eq!(problem.file, path);
    assert_eq!(problem.line, line_of(&path, "work_surfce:"));
    assert!(problem.column > 0);
    assert_eq!(problem.field, "work_surfce");
    assert!(problem.message.contains("unknown field `work_surfce`"), "{}", problem.message);
    assert!(problem.message.contains("work_surface"), "lists the expected fields: {}", problem.message);
}

#[test]
fn a_file_that_starts_with_a_byte_order_mark_loads_and_its_errors_keep_their_lines() {
    let (dir, _) = scenes_with(|text| format!("\u{feff}{text}"));
    let content = load_scenes(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    assert!(content.scenes.iter().any(|s| s.def.name == "tabletop_room"));
    let (dir, path) = scenes_with(|text| format!("\u{feff}{}", text.replacen("fov_deg:", "fov_dg:", 1)));
    let problem = only_problem(load_scenes(dir.path()).unwrap_err());
    assert_eq!((problem.line, problem.field.as_str()), (line_of(&path, "fov_dg:"), "camera.fov_dg"));
}

#[test]
fn misspelled_nested_field_is_named_by_its_path() {
    let (dir, path) = scenes_with(|text| text.replacen("fov_deg:", "fov_dg:", 1));
    let problem = only_problem(load_scenes(dir.path()).unwrap_err());
    assert_eq!(problem.line, line_of(&path, "fov_dg:"));
    assert_eq!(problem.field, "camera.fov_dg");
}

#[test]
fn syntax_error_names_position_and_enclosing_field() {
    // Drop the comma after the camera's distance range.
    let (dir, path) = scenes_with(|text| text.replacen("distance: (0.75, 0.95),", "distance: (0.75, 0.95)", 1));
    let problem = only_problem(load_scenes(dir.path()).unwrap_err());
    assert_eq!(problem.file, path);
    let distance_line = line_of(&path, "distance: (0.75, 0.95)");
    assert!(
        problem.line == distance_line || problem.line == distance_line + 1,
        "error at line {} near line {distance_line}",
        problem.line
    );
    assert!(problem.field.starts_with("camera"), "field {:?}", problem.field);
}

#[test]
fn semantic_problems_are_all_reported_with_their_lines() {
    let (dir, path) = scenes_with(|text| {
        let text = text.replacen("fov_deg: (46.0, 54.0)", "fov_deg: (54.0, 46.0)", 1);
        text.replacen("objects: [\"box\",", "objects: [\"box\", \"teapot\",", 1)
    });
    let error = load_scenes(dir.path()).unwrap_err();
    assert_eq!(error.problems.len(), 2, "{error}");
    let range = error.problems.iter().find(|p| p.field == "camera.fov_deg").expect("fov problem");
    assert_eq!(range.line, line_of(&path, "fov_deg: (54.0, 46.0)"));
    assert!(range.message.contains("greater than its maximum"), "{}", range.message);
    let kind = error.problems.iter().find(|p| p.field == "objects[1]").expect("unknown kind problem");
    assert_eq!(kind.line, line_of(&path, "\"teapot\""));
    assert!(kind.message.contains("unknown object kind `teapot`"), "{}", kind.message);
    let shown = error.to_string();
    assert!(shown.contains(&format!("{}:{}:", path.display(), range.line)), "{shown}");
}

#[test]
fn action_with_a_wrong_class_index_or_template_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let original = std::fs::read_to_string(default_actions_dir().join("push_left_to_right.ron")).unwrap();
    std::fs::write(dir.path().join("a.ron"), original.replace("class_index: 93", "class_index: 94")).unwrap();
    std::fs::write(
        dir.path().join("b.ron"),
        original.replace("push_left_to_right", "b").replace("from left to right", "from left to rigth"),
    )
    .unwrap();
    let error = Content::load(&default_scenes_dir(), dir.path(), &default_objects_file()).unwrap_err();
    assert!(error.problems.iter().any(|p| p.field == "class_index" && p.message.contains("is 93")), "{error}");
    assert!(error.problems.iter().any(|p| p.field == "template" && p.message.contains("not a Something")), "{error}");
}

#[test]
fn a_held_role_must_be_released() {
    let dir = tempfile::tempdir().unwrap();
    let original = std::fs::read_to_string(default_actions_dir().join("falling_like_a_rock.ron")).unwrap();
    let without_release = original.replace("Release(role: \"target\", frame: (4, 9)),", "");
    assert_ne!(without_release, original);
    std::fs::write(dir.path().join("fall.ron"), without_release).unwrap();
    let error = Content::load(&default_scenes_dir(), dir.path(), &default_objects_file()).unwrap_err();
    let problem = only_problem(error);
    assert_eq!(problem.field, "script");
    assert!(problem.message.contains("never released"), "{}", problem.message);
}

#[test]
fn bad_patterns_and_light_ranges_name_their_line_and_field() {
    let (dir, path) = scenes_with(|text| {
        text.replacen("patterns: [Wood, Wood, Noise, Plain, Marble]", "patterns: [Wood, Paisley]", 1)
    });
    let problem = only_problem(load_scenes(dir.path()).unwrap_err());
    assert_eq!(problem.line, line_of(&path, "Paisley"));
    assert!(problem.field.ends_with("patterns[1]"), "{}", problem.field);
    assert!(problem.message.contains("Paisley") && problem.message.contains("Marble"), "{}", problem.message);

    let (dir, path) = scenes_with(|text| text.replacen("lamps: (0, 2)", "lamps: (3, 1)", 1));
    let problem = only_problem(load_scenes(dir.path()).unwrap_err());
    assert_eq!((problem.line, problem.field.as_str()), (line_of(&path, "lamps: (3, 1)"), "lighting.lamps"));
    assert!(problem.message.contains("greater than its maximum"), "{}", problem.message);
}

#[test]
fn a_missing_image_file_names_the_scene_line_and_field() {
    let (dir, path) = scenes_with(|text| {
        text.replacen("patterns: [Wood, Wood, Noise, Plain, Marble]", "image: \"textures/missing.png\"", 1)
    });
    let problem = only_problem(load_scenes(dir.path()).unwrap_err());
    assert_eq!(problem.file, path);
    assert_eq!(problem.line, line_of(&path, "missing.png"));
    assert!(problem.field.ends_with(".image"), "{}", problem.field);
    assert!(
        problem.message.contains("no such image file") && problem.message.contains("missing.png"),
        "{}",
        problem.message
    );

    // A file that is there but is not an image is named too.
    std::fs::create_dir(dir.path().join("textures")).unwrap();
    std::fs::write(dir.path().join("textures/missing.png"), b"not a png").unwrap();
    let problem = only_problem(load_scenes(dir.path()).unwrap_err());
    assert!(problem.message.contains("cannot read"), "{}", problem.message);
}

/// An actions directory with the shipped actions and groups, and one more group file holding `text`.
fn actions_with_group(text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = common::shipped_actions();
    let path = dir.path().join("groups").join("tipping.ron");
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

#[test]
fn shipped_groups_load_and_a_bad_group_file_is_named_with_line_and_member() {
    let content = Content::load_builtin().unwrap();
    let group = content.group_of("push_left_to_right").expect("the pushes are grouped");
    assert!(group.def.members.contains(&"push_right_to_left".to_string()));

    let text = "(\n    name: \"tipping\",\n    members: [\"tip_over\", \"tip_overs\"],\n)\n";
    let (dir, path) = actions_with_group(text);
    let problem = only_problem(Content::load(&default_scenes_dir(), dir.path(), &default_objects_file()).unwrap_err());
    assert_eq!((problem.file.as_path(), problem.line, problem.field.as_str()), (path.as_path(), 3, "members[1]"));
    assert!(problem.message.contains("unknown action `tip_overs`"), "{}", problem.message);

    // One member only; an action in a group twice.
    let (dir, _) = actions_with_group("(name: \"alone\", members: [\"tip_over\"])");
    let problem = only_problem(Content::load(&default_scenes_dir(), dir.path(), &default_objects_file()).unwrap_err());
    assert!(problem.message.contains("at least two"), "{problem}");
    let (dir, _) = actions_with_group("(name: \"twice\", members: [\"tip_over\", \"poke_over\", \"tip_over\"])");
    let problem = only_problem(Content::load(&default_scenes_dir(), dir.path(), &default_objects_file()).unwrap_err());
    assert_eq!(problem.field, "members[2]");
    assert!(problem.message.contains("already in group `twice`"), "{problem}");
}

#[test]
fn a_dataset_file_takes_video_formats_as_the_flag_does() {
    let content = Content::load_builtin().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("videos.ron");
    std::fs::write(&path, "DatasetConfigDef(\n    videos: [\"MP4\", \"avi\"],\n)\n").unwrap();
    // `--video MP4` is accepted; so is "MP4" in a file. "avi" is neither.
    let problem = only_problem(synthact::content::load_dataset_config(&path, &content).unwrap_err());
    assert_eq!((problem.line, problem.field.as_str()), (2, "videos[1]"));
    assert!(problem.message.contains("`avi`"), "{}", problem.message);
}

/// The shipped object library with `edit` applied to its text, in a folder of its own.
fn library_with(edit: impl Fn(&str) -> String) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let original = std::fs::read_to_string(default_objects_file()).unwrap();
    let path = dir.path().join("objects.ron");
    std::fs::write(&path, edit(&original)).unwrap();
    (dir, path)
}

#[test]
fn misplaced_parts_and_their_unknown_colors_name_their_line_and_field() {
    let handle = "place: Side(height: (0.45, 0.55)), turn: (-180.0, 180.0),";
    let cases = [
        // A handle on an end, a cap against the side, a part in a color the library lacks.
        (handle, "place: End(axis: Y, sink: (0.0, 0.1)), turn: (-180.0, 180.0),", "place", "goes on the `Side`"),
        ("place: End(axis: Y, sink: (0.5, 0.6)),", "place: Side(height: (0.4, 0.6)),", "place", "only a `Handle`"),
        (
            "colors: [\"white\", \"red\", \"blue\", \"black\", \"green\"], roughness: (0.4, 0.6)",
            "colors: [\"teal\"]",
            "colors[0]",
            "teal",
        ),
        ("sink: (0.45, 0.55)", "sink: (0.45, 1.5)", "place.sink", "1.5"),
    ];
    for (from, to, field, said) in cases {
        let (_dir, path) = library_with(|text| text.replacen(from, to, 1));
        let problem = only_problem(Content::load(&default_scenes_dir(), &default_actions_dir(), &path).unwrap_err());
        assert_eq!(problem.line, line_of(&path, to), "{problem}");
        assert!(problem.field.contains(".parts[0].") && problem.field.ends_with(field), "{problem}");
        assert!(problem.message.contains(said), "{problem}");
    }
}
