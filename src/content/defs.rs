//! The template types read from RON: scenes, the object library and actions.
//!
//! Templates hold ranges and choices (`*Def`); [`crate::spec`] samples them into concrete values.
//! Every struct denies unknown fields so that a typo in a content file is an error, not a silently
//! ignored setting. Directions in actions are relative to the clip's camera (image left/right,
//! toward/away from the camera), so a label such as "from left to right" holds in the image.

use serde::{Deserialize, Serialize};

/// A closed interval `(min, max)` sampled uniformly; `(x, x)` is the constant `x`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Range(pub f32, pub f32);

/// A closed interval of whole video frames, `(first, last)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct FrameRange(pub u32, pub u32);

/// A scene template: fixed surfaces, the area where actions happen, and what may vary.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SceneDef {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub surfaces: Vec<SurfaceDef>,
    /// The surface objects stand on and actions happen on (a table top).
    pub work_surface: String,
    pub action_area: ActionAreaDef,
    /// Object kinds (names in the object library) that may appear in this scene.
    pub objects: Vec<String>,
    /// How many distractor objects to show besides the ones the action needs.
    #[serde(default = "default_distractors")]
    pub distractors: FrameRange,
    /// How often a clip shows, besides its distractors, one of the things some classes need: a
    /// ramp, a stack, an object held in the air. So none of them names a class by itself.
    #[serde(default)]
    pub clutter: ClutterDef,
    pub lighting: LightingDef,
    pub camera: CameraDef,
}

fn default_distractors() -> FrameRange {
    FrameRange(0, 2)
}

/// The share of clips (0 to 1) that show each kind of clutter, each drawn on its own. A clutter
/// item stands clear of the action, like a distractor; where there is no room, it is left out.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClutterDef {
    /// A board leaning on the work surface, as `roll_down_ramp` uses.
    #[serde(default = "default_clutter_ramp")]
    pub ramp: f32,
    /// Two or three identical boxes stacked, as `poke_stack_over` uses.
    #[serde(default = "default_clutter_stack")]
    pub stack: f32,
    /// An object held still in the air by a hand from above, as before a drop.
    #[serde(default = "default_clutter_held")]
    pub held: f32,
}

impl Default for ClutterDef {
    fn default() -> Self {
        ClutterDef { ramp: default_clutter_ramp(), stack: default_clutter_stack(), held: default_clutter_held() }
    }
}

fn default_clutter_ramp() -> f32 {
    0.15
}

fn default_clutter_stack() -> f32 {
    0.15
}

fn default_clutter_held() -> f32 {
    0.15
}

/// A box-shaped surface: floor, wall, table top, table leg.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SurfaceDef {
    pub name: String,
    /// Full extents in metres (x, y, z).
    pub size: [f32; 3],
    /// Centre in world metres; y is up.
    pub position: [f32; 3],
    /// Base colors to choose from, sRGB in 0..1.
    pub colors: Vec<[f32; 3]>,
    #[serde(default = "default_surface_roughness")]
    pub roughness: Range,
    /// Whether objects collide with it (walls far from the action need not).
    #[serde(default = "default_true")]
    pub collider: bool,
    #[serde(default = "default_surface_friction")]
    pub friction: f32,
    /// Patterns to choose from (generated in code, in the chosen color and a shade of it);
    /// default: plain.
    #[serde(default)]
    pub patterns: Vec<Pattern>,
    /// How many times a pattern repeats per metre.
    #[serde(default = "default_surface_pattern_scale")]
    pub pattern_scale: Range,
    /// An image file (PNG or JPEG, path relative to the scene file) to tile over the surface, as
    /// it is, instead of color and pattern; repeats `pattern_scale` times per metre. Record its
    /// source in `assets/LICENSES.md` if it ships with the project.
    #[serde(default)]
    pub image: Option<String>,
}

fn default_surface_pattern_scale() -> Range {
    Range(3.0, 8.0)
}

/// A texture pattern generated in code, tileable, drawn in an object's or surface's color and a
/// darker or lighter shade of it, so "a red mug" stays red.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Pattern {
    Plain,
    Stripes,
    Checker,
    Noise,
    /// Rings warped by noise, like wood grain.
    Wood,
    /// Veins of turbulent noise, like marble.
    Marble,
    /// Several octaves of noise.
    Fractal,
}

fn default_surface_roughness() -> Range {
    Range(0.6, 0.9)
}

fn default_surface_friction() -> f32 {
    0.5
}

fn default_true() -> bool {
    true
}

/// The rectangle on the work surface where objects are placed, in world x and z.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionAreaDef {
    /// Centre (x, z) in world metres.
    pub center: [f32; 2],
    /// Half extents (x, z) in metres.
    pub half_extents: [f32; 2],
}

/// Light ranges: one sun (directional light) plus ambient light.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LightingDef {
    /// Sun illuminance in lux.
    pub sun_illuminance: Range,
    /// Sun elevation above the horizon, degrees.
    pub sun_elevation_deg: Range,
    /// Sun azimuth around the vertical axis, degrees (0 = from +z, behind the camera).
    pub sun_azimuth_deg: Range,
    /// Ambient brightness (Bevy's cd/m^2 scale).
    pub ambient_brightness: Range,
    #[serde(default = "default_true")]
    pub shadows: bool,
    /// The sun's color temperature, kelvin (daylight about 5500 to 6500).
    #[serde(default = "default_sun_temperature")]
    pub sun_temperature_k: Range,
    /// How many lamps besides the sun (point lights or spotlights, without shadows).
    #[serde(default)]
    pub lamps: FrameRange,
    /// The kinds to choose from for each lamp.
    #[serde(default = "default_lamp_kinds")]
    pub lamp_kinds: Vec<LampKind>,
    /// Luminous power per lamp, lumens.
    #[serde(default = "default_lamp_intensity")]
    pub lamp_intensity: Range,
    /// Lamp color temperature, kelvin (household bulbs about 2700 to 4000).
    #[serde(default = "default_lamp_temperature")]
    pub lamp_temperature_k: Range,
    /// Lamp distance from the action-area centre (horizontal) and height above the work surface.
    #[serde(default = "default_lamp_distance")]
    pub lamp_distance: Range,
    #[serde(default = "default_lamp_height")]
    pub lamp_height: Range,
}

/// A lamp besides the sun.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LampKind {
    /// Shines in every direction, like a bare bulb.
    Point,
    /// A cone aimed at the action area, like a desk lamp.
    Spot,
}

fn default_sun_temperature() -> Range {
    Range(5500.0, 6500.0)
}

fn default_lamp_kinds() -> Vec<LampKind> {
    vec![LampKind::Point, LampKind::Spot]
}

fn default_lamp_intensity() -> Range {
    Range(30_000.0, 90_000.0)
}

fn default_lamp_temperature() -> Range {
    Range(2700.0, 4000.0)
}

fn default_lamp_distance() -> Range {
    Range(0.4, 0.9)
}

fn default_lamp_height() -> Range {
    Range(0.4, 0.9)
}

/// Camera ranges, around the action area. Azimuth 0 looks from +z towards -z, so the image's
/// right is world +x.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CameraDef {
    /// Horizontal distance from the action-area centre, metres.
    pub distance: Range,
    /// Height above the work surface, metres.
    pub height: Range,
    pub azimuth_deg: Range,
    /// Vertical field of view, degrees.
    pub fov_deg: Range,
    /// Random offset of the look-at point, metres, per axis.
    #[serde(default)]
    pub look_at_jitter: f32,
    /// Hand-held sway: peak rotation in degrees (with a proportional drift of about 4 mm per
    /// degree), slow as a phone held in a hand; `(0, 0)` for a camera on a tripod.
    #[serde(default = "default_shake")]
    pub shake_deg: Range,
    /// Turn about the view axis, degrees, drawn per clip: a phone held a little askew; `(0, 0)`
    /// (the default) for a level camera.
    #[serde(default = "default_shake")]
    pub roll_deg: Range,
}

fn default_shake() -> Range {
    Range(0.0, 0.0)
}

/// The object library: named colors and object kinds that scenes draw from.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectLibraryDef {
    pub colors: Vec<ColorDef>,
    pub kinds: Vec<ObjectKindDef>,
}

/// A named color; the name is the color word in labels ("a red mug").
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColorDef {
    pub name: String,
    /// sRGB in 0..1.
    pub srgb: [f32; 3],
}

/// One kind of object: how it is named, shaped, colored and how it behaves.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectKindDef {
    pub name: String,
    /// The noun in labels: "mug" gives "a red mug".
    pub noun: String,
    /// The plural, for stacks ("a stack of red wooden blocks"); default: the noun with "s" or "es".
    #[serde(default)]
    pub plural: Option<String>,
    pub shape: ShapeDef,
    /// Color words this kind comes in; empty means any library color.
    #[serde(default)]
    pub colors: Vec<String>,
    /// Whether the label names the color ("a red mug") or not ("a tennis ball").
    #[serde(default = "default_true")]
    pub say_color: bool,
    /// Mass in kilograms; or give `density` instead.
    #[serde(default)]
    pub mass: Option<Range>,
    /// Density in kilograms per cubic metre: the mass is the shape's volume times it (a hollow
    /// shape weighs what its walls do).
    #[serde(default)]
    pub density: Option<Range>,
    pub friction: Range,
    pub restitution: Range,
    #[serde(default = "default_object_roughness")]
    pub roughness: Range,
    #[serde(default = "default_metallic")]
    pub metallic: Range,
    /// Patterns it may be printed with (see [`Pattern`]); default: plain.
    #[serde(default)]
    pub patterns: Vec<Pattern>,
    /// Parts fixed to its body, each drawn in its own material: a mug's handle, a bottle's cap.
    #[serde(default)]
    pub parts: Vec<PartDef>,
}

/// A part of an object, fixed to its body (the kind's `shape`), sized and placed relative to it
/// so that it fits every body the ranges draw.
///
/// Sizes are fractions of the body's bounding box: `x`, `y`, `z` of its width, height and
/// depth; `radius`, `reach` and `thickness` of half its width; `height` and `span` of its height.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartDef {
    /// What it is ("handle", "cap", "lid", "stem"); a kind with a `lid` or `cap` has `HasLid`.
    pub name: String,
    /// `Box`, `Cylinder`, `Ball`, `Lathe` or `Handle`, in fractions of the body (above).
    pub shape: ShapeDef,
    pub place: PartPlace,
    /// Turn about the body's vertical axis, degrees, drawn per object: where a handle points.
    #[serde(default = "no_turn")]
    pub turn: Range,
    /// Its colors; empty: the body's.
    #[serde(default)]
    pub colors: Vec<String>,
    #[serde(default = "default_object_roughness")]
    pub roughness: Range,
    #[serde(default = "default_metallic")]
    pub metallic: Range,
    /// Whether it collides; a thin stem that would only catch on the table need not.
    #[serde(default = "default_true")]
    pub collides: bool,
}

fn no_turn() -> Range {
    Range(0.0, 0.0)
}

/// Where a part sits on its body.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum PartPlace {
    /// Beyond the body's face on this axis (`Y`: on top; `X`: at its right end), centred, sunk
    /// into the body by `sink` (a fraction of the part's own extent along the axis; a lid over a
    /// box's rim).
    End { axis: Axis, sink: Range },
    /// Against the body's side (its `+x` before the turn) at `height` (0 bottom, 1 top of the
    /// body), sticking out: a handle.
    Side { height: Range },
}

fn default_object_roughness() -> Range {
    Range(0.3, 0.7)
}

fn default_metallic() -> Range {
    Range(0.0, 0.0)
}

/// An object's shape; sizes in metres.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum ShapeDef {
    Box {
        x: Range,
        y: Range,
        z: Range,
        /// Radius of rounded edges and corners (a phone, a loaf of bread); default sharp.
        #[serde(default)]
        rounding: Option<Range>,
    },
    Ball {
        radius: Range,
    },
    /// Upright cylinder (axis along y).
    Cylinder {
        radius: Range,
        height: Range,
    },
    /// A profile turned about the vertical axis: a bottle, a can with rims, a vase, or, with a
    /// `wall` thickness, a hollow mug, glass or bowl open at the top. `profile` lists `(r, y)`
    /// from the bottom (y 0) to the top (y 1), `r` a fraction of the radius drawn from `radius`.
    Lathe {
        radius: Range,
        height: Range,
        profile: Vec<(f32, f32)>,
        #[serde(default)]
        wall: Option<Range>,
    },
    /// An outline pushed straight along an axis through the box `x`, `y`, `z`: a pencil's
    /// hexagon along x, a star-shaped toy along y (lying flat), a door wedge along z. `outline`
    /// lists `(a, b)` points as fractions (-0.5 to 0.5) of the box's size across the axis:
    /// `(y, z)` along x, `(z, x)` along y, `(x, y)` along z.
    Extrusion {
        x: Range,
        y: Range,
        z: Range,
        axis: Axis,
        outline: Vec<(f32, f32)>,
    },
    /// A loop standing out from a body's side, only as a part: `span` between where its ends
    /// meet the body, `reach` out from it, a round bar `thickness` thick (see [`PartDef`]).
    Handle {
        span: Range,
        reach: Range,
        thickness: Range,
    },
    /// A mesh file (`.obj`, `.glb`, `.gltf`) beside the library, e.g. `meshes/teapot.glb`, scaled
    /// so its longest side is `size` metres; it collides as its convex hull, or as a convex
    /// decomposition when `collider: Decomposition` (a cup that something can fall into).
    Mesh {
        file: String,
        size: Range,
        #[serde(default)]
        collider: MeshCollider,
        /// What loading found in the file; set by [`crate::content::Content::load`].
        #[serde(skip)]
        loaded: Option<MeshFileInfo>,
    },
}

/// How an object made from a mesh file collides.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum MeshCollider {
    /// The mesh's convex hull: one piece, exact for convex things.
    #[default]
    Hull,
    /// An approximate convex decomposition (V-HACD), computed once per file: hollows and handles.
    Decomposition,
}

/// A mesh file as loading found it.
#[derive(Debug, Clone, PartialEq)]
pub struct MeshFileInfo {
    /// Where it was read (the library's folder joined with `file`).
    pub path: std::path::PathBuf,
    /// FNV-1a 64 of its bytes, hex.
    pub hash: String,
    /// Its bounding box's sides, the longest 1.
    pub proportions: [f32; 3],
    /// Whether it brings its own texture, drawn instead of the kind's colors and patterns.
    pub textured: bool,
}

/// One of an object's own axes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Axis {
    X,
    Y,
    Z,
}

impl Axis {
    /// The indices of the two axes across this one and of this one, in an order that keeps the
    /// frame right-handed: `(y, z, x)`, `(z, x, y)`, `(x, y, z)`.
    pub fn across_and_along(self) -> (usize, usize, usize) {
        match self {
            Axis::X => (1, 2, 0),
            Axis::Y => (2, 0, 1),
            Axis::Z => (0, 1, 2),
        }
    }
}

impl ShapeDef {
    /// Traits a role can require of its object, as this shape allows them.
    pub fn has_trait(&self, wanted: ObjectTrait) -> bool {
        if let ShapeDef::Handle { .. } = self {
            // Only ever a part.
            return false;
        }
        if let ShapeDef::Mesh { .. } = self {
            // Judged as its bounding box; but its top may not be flat, so nothing is set on it.
            let on_it = matches!(wanted, ObjectTrait::Wide | ObjectTrait::Chunky | ObjectTrait::Container);
            return !on_it && self.bounding_box().is_some_and(|shape| shape.has_trait(wanted));
        }
        match (self, wanted) {
            (ShapeDef::Ball { .. }, ObjectTrait::CanRoll) => true,
            (ShapeDef::Ball { .. }, _) => false,
            (_, ObjectTrait::CanRoll) => false,
            // Tall enough to tip over sideways: role objects face the camera, so a push from the
            // image's side tips a box over its x extent.
            (ShapeDef::Box { x, y, .. } | ShapeDef::Extrusion { x, y, .. }, ObjectTrait::Tall) => y.0 >= 1.5 * x.1,
            // A lathe shape stands and slides like a cylinder of its largest radius.
            (ShapeDef::Cylinder { radius, height } | ShapeDef::Lathe { radius, height, .. }, ObjectTrait::Tall) => {
                height.0 >= 1.5 * 2.0 * radius.1
            }
            (ShapeDef::Box { x, z, .. }, ObjectTrait::Wide) => x.0 >= 0.06 && z.0 >= 0.06,
            // An outline may leave gaps (a star's points): only a flat top holds something.
            (ShapeDef::Extrusion { .. }, ObjectTrait::Wide) => false,
            (ShapeDef::Cylinder { radius, .. }, ObjectTrait::Wide) => radius.0 >= 0.03,
            // Something lands on a lathe shape's top if that is wide, and into it if hollow.
            (ShapeDef::Lathe { radius, profile, wall, .. }, ObjectTrait::Wide) => {
                wall.is_none() && profile.last().is_some_and(|(r, _)| r * radius.0 >= 0.03)
            }
            (ShapeDef::Box { x, y, z, .. } | ShapeDef::Extrusion { x, y, z, .. }, ObjectTrait::Squat) => {
                y.1 <= 1.5 * x.0.min(z.0)
            }
            (ShapeDef::Cylinder { radius, height } | ShapeDef::Lathe { radius, height, .. }, ObjectTrait::Squat) => {
                height.1 <= 1.5 * 2.0 * radius.0
            }
            (ShapeDef::Box { x, y, z, .. }, ObjectTrait::Chunky) => y.0 >= 0.5 * x.1.max(z.1),
            // Rapier's cylinders stacked on each other creep instead of resting still.
            (ShapeDef::Cylinder { .. } | ShapeDef::Lathe { .. } | ShapeDef::Extrusion { .. }, ObjectTrait::Chunky) => {
                false
            }
            (ShapeDef::Box { x, y, z, .. } | ShapeDef::Extrusion { x, y, z, .. }, ObjectTrait::Long) => {
                x.0 >= 1.8 * z.1 && y.1 <= 0.6 * x.0
            }
            (ShapeDef::Cylinder { .. } | ShapeDef::Lathe { .. }, ObjectTrait::Long) => false,
            (ShapeDef::Lathe { wall, .. }, ObjectTrait::Container | ObjectTrait::Hollow) => wall.is_some(),
            (_, ObjectTrait::Hollow) => false,
            (
                ShapeDef::Box { .. } | ShapeDef::Cylinder { .. } | ShapeDef::Lathe { .. },
                ObjectTrait::CanStandUpright,
            ) => true,
            // An outline lying flat has a flat base; standing on edge, only if it has a bottom side.
            (ShapeDef::Extrusion { axis, outline, .. }, ObjectTrait::CanStandUpright) => {
                *axis == Axis::Y || outline.iter().filter(|(_, b)| *b == -0.5).count() >= 2
            }
            (_, ObjectTrait::CanStandUpright) => false,
            (_, ObjectTrait::Container) => false,
            // A lid is a part: see [`ObjectKindDef::has_trait`].
            (_, ObjectTrait::HasLid) => false,
            (_, ObjectTrait::CanSlide | ObjectTrait::CanStand) => true,
            // Answered above, as its bounding box.
            (ShapeDef::Mesh { .. } | ShapeDef::Handle { .. }, _) => false,
        }
    }

    /// A mesh's bounding box as a box shape of the same size ranges, once the file is loaded.
    pub fn bounding_box(&self) -> Option<ShapeDef> {
        let ShapeDef::Mesh { size, loaded: Some(info), .. } = self else { return None };
        let [x, y, z] = info.proportions.map(|p| Range(p * size.0, p * size.1));
        Some(ShapeDef::Box { x, y, z, rounding: None })
    }
}

/// What an action needs of an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ObjectTrait {
    /// Rolls when pushed (a ball).
    CanRoll,
    /// Slides without rolling when pushed.
    CanSlide,
    /// Stands stably on a flat face.
    CanStand,
    /// At least one and a half times as tall as it is wide, for every size it comes in: it tips
    /// over when pushed high on its side.
    Tall,
    /// At least 6 cm across its footprint in every direction, for every size: something can land
    /// on it and stay.
    Wide,
    /// No more than 1.5 times as tall as it is wide, for every size: it lands upright and stays.
    Squat,
    /// A box at least half as tall as its longest side, for every size: a stack of them stands
    /// still and topples when poked, rather than sliding apart like a stack of books. (Not
    /// cylinders: stacked in Rapier they creep before anything touches them.)
    Chunky,
    /// A lying box at least 1.8 times as long (along the image's right, as role objects face the
    /// camera) as it is deep, for every size: a turn of it shows plainly.
    Long,
    /// Hollow with an open top (a lathe shape with a wall, no lid): something can be put or
    /// dropped into it.
    Container,
    /// Closed by a part named `lid` or `cap` (a jar, a bottle, a box with a lid).
    HasLid,
    /// Hollow inside, open or closed (a lathe shape with a wall).
    Hollow,
    /// Stands on a flat base the way up it is placed (not a ball, nor a mesh of unknown base).
    CanStandUpright,
}

/// The visible actor that conducts an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ActorKind {
    /// A stylized hand: palm and fingers from primitives, randomized skin tone.
    Hand,
    /// A thin stick held at an angle; it touches with its tip.
    Stick,
    /// A flat wooden pusher block on a handle; it touches with its broad face.
    Block,
}

impl ActorKind {
    /// As written in labels and annotations: "hand", "stick", "block".
    pub fn name(self) -> &'static str {
        match self {
            ActorKind::Hand => "hand",
            ActorKind::Stick => "stick",
            ActorKind::Block => "block",
        }
    }
}

/// A direction relative to the clip's camera: left and right as seen in the image, toward and
/// away from the camera along the ground, up and down in the world.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Side {
    Left,
    Right,
    Toward,
    Away,
    Up,
    Down,
}

impl Side {
    pub fn opposite(self) -> Side {
        match self {
            Side::Left => Side::Right,
            Side::Right => Side::Left,
            Side::Toward => Side::Away,
            Side::Away => Side::Toward,
            Side::Up => Side::Down,
            Side::Down => Side::Up,
        }
    }

    /// The side seen in a left-right mirror of the image.
    pub fn mirrored(self) -> Side {
        match self {
            Side::Left => Side::Right,
            Side::Right => Side::Left,
            other => other,
        }
    }
}

/// An action script: the SSv2 class it produces, the objects it needs, what the actor does and
/// what must hold afterwards for the label to be true.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionDef {
    pub name: String,
    /// The exact SSv2 template, with `[something]` placeholders, e.g.
    /// "Pushing [something] from left to right".
    pub template: String,
    /// The template's SSv2 class index.
    pub class_index: u32,
    /// Objects the action is about, in the order of the template's placeholders. In a group
    /// with an opening, the group writes it.
    #[serde(default)]
    pub roles: Vec<RoleDef>,
    /// The clip length, in frames, that the script's frame numbers are written for (36: three
    /// seconds at 12 fps). Clips of another length scale the script's timing to fit.
    #[serde(default = "default_script_frames")]
    pub script_frames: u32,
    /// Actors that may conduct it; one is chosen per clip (default: hand, stick or block).
    #[serde(default = "default_actors")]
    pub actors: Vec<ActorKind>,
    /// Whether half the clips (chosen per clip) mirror the script left-right. For classes whose
    /// label names no side ("Tipping [something] over"), so both directions appear.
    #[serde(default)]
    pub mirror: bool,
    /// Fixed things the action needs besides its role objects (a ramp).
    #[serde(default)]
    pub props: Vec<PropDef>,
    /// Where the role objects start. In a group with an opening, the group writes it.
    #[serde(default)]
    pub setup: Vec<SetupStep>,
    /// What the actor does, frame-timed.
    pub script: Vec<ScriptStep>,
    /// What the simulated clip must show; a clip that fails is re-sampled.
    pub postconditions: Vec<Postcondition>,
}

fn default_script_frames() -> u32 {
    36
}

pub(crate) fn default_actors() -> Vec<ActorKind> {
    vec![ActorKind::Hand, ActorKind::Stick, ActorKind::Block]
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleDef {
    pub name: String,
    #[serde(default)]
    pub requires: Vec<ObjectTrait>,
    /// Another role (a `Container`) whose opening this role's object must pass through: sampling
    /// draws only objects that fit it.
    #[serde(default)]
    pub fits_into: Option<String>,
}

impl RoleDef {
    /// Whether an object of `kind` can play this role.
    pub fn fits(&self, kind: &ObjectKindDef) -> bool {
        self.requires.iter().all(|wanted| kind.has_trait(*wanted))
    }
}

/// A fixed prop an action needs. `u` and `v` place its centre as in [`SetupStep::Place`].
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum PropDef {
    /// A board resting on the work surface at `angle_deg`, its low end toward `downhill`. Steps
    /// refer to it by `name`.
    Ramp {
        name: String,
        u: Range,
        v: Range,
        downhill: Side,
        /// Metres along the slope, across it, and the board's thickness.
        length: Range,
        width: Range,
        #[serde(default = "default_ramp_thickness")]
        thickness: Range,
        angle_deg: Range,
        /// sRGB colors to choose from.
        #[serde(default = "default_ramp_colors")]
        colors: Vec<[f32; 3]>,
    },
}

pub(crate) fn default_ramp_thickness() -> Range {
    Range(0.012, 0.018)
}

pub(crate) fn default_ramp_colors() -> Vec<[f32; 3]> {
    vec![[0.76, 0.62, 0.42], [0.55, 0.40, 0.26], [0.85, 0.84, 0.80], [0.30, 0.45, 0.60]]
}

impl PropDef {
    pub fn name(&self) -> &str {
        match self {
            PropDef::Ramp { name, .. } => name,
        }
    }
}

/// Where a role's object starts. `u` runs along the image's right, `v` away from the camera, both
/// in action-area units (-1..1 spans the area). Steps run in order; a step may refer to roles set
/// up before it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum SetupStep {
    /// Stands on the work surface.
    Place { role: String, u: Range, v: Range },
    /// Held still in the air, `height` metres above the work surface, until a `Release`.
    Hold { role: String, u: Range, v: Range, height: Range },
    /// Stands on the work surface `gap` metres (surface to surface) from role `of`, on its `side`,
    /// shifted `offset` metres across that direction (along the image's right for a toward/away
    /// side, away from the camera for a left/right side).
    PlaceBeside { role: String, of: String, side: Side, gap: Range, offset: Range },
    /// Held still with its bottom `height` metres above the top of role `over`, shifted up to
    /// `offset` metres horizontally, until a `Release`.
    HoldAbove { role: String, over: String, height: Range, offset: Range },
    /// Stands on the work surface with its centre `from_edge` metres short of the surface's edge,
    /// reached from the action area's centre going `toward`; `across` shifts it sideways in
    /// action-area units (as `offset` in `PlaceBeside`).
    NearEdge { role: String, toward: Side, from_edge: Range, across: Range },
    /// Held resting on ramp prop `ramp`, at fraction `at` of its length from the low end, until a
    /// `Release`.
    OnRamp { role: String, ramp: String, at: Range },
    /// A stack of `count` identical objects of the role's kind on the work surface, each a little
    /// askew; the role's placeholder is filled with the plural ("red wooden blocks").
    Stack { role: String, count: FrameRange, u: Range, v: Range },
}

impl SetupStep {
    pub fn role(&self) -> &str {
        match self {
            SetupStep::Place { role, .. }
            | SetupStep::Hold { role, .. }
            | SetupStep::PlaceBeside { role, .. }
            | SetupStep::HoldAbove { role, .. }
            | SetupStep::NearEdge { role, .. }
            | SetupStep::OnRamp { role, .. }
            | SetupStep::Stack { role, .. } => role,
        }
    }

    /// Whether the object is held in the air (kinematic) until released.
    pub fn holds(&self) -> bool {
        matches!(self, SetupStep::Hold { .. } | SetupStep::HoldAbove { .. } | SetupStep::OnRamp { .. })
    }
}

/// One step of an actor's script. Each actor's motions run one after another; `start` frames are
/// absolute. `actor` says whose step it is: 0 (the default) or 1, a second hand or tool for
/// actions that move two things at once; each actor's first step is its `Start`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum ScriptStep {
    /// Where the actor's contact point is at frame 0: `gap` metres from the role's object on `side`.
    /// For a horizontal side, `height` is where on the object it touches, as a fraction of the
    /// object's height from its base (default: low on its side).
    Start {
        #[serde(default)]
        actor: u8,
        beside: String,
        side: Side,
        gap: Range,
        #[serde(default)]
        height: Option<Range>,
        /// Shift along the object's face, as a fraction of its half-width there: along the image's
        /// right for a toward/away side, away from the camera for a left/right side. Off centre,
        /// a push turns the object.
        #[serde(default)]
        across: Option<Range>,
        /// The actor is out of view at frame 0 and comes into view from this side of the image
        /// (Left or Right), reaching where `Start` puts it by frame `arrives`: the first frame
        /// shows nothing of which way the action will go.
        #[serde(default)]
        enters: Option<Side>,
        /// With `enters`: the frame by which the actor is in place (default 3 to 5).
        #[serde(default)]
        arrives: Option<FrameRange>,
    },
    /// Carry the contact point `degrees` round a vertical axis near the role's object's centre,
    /// in the sense that drives it into the face the actor started beside: started off centre
    /// (`Start`'s `across`), it pushes the object round so it spins. The axis lies `pivot` (a
    /// fraction of the half-width along that face, default 0.4) beyond the centre, away from the
    /// actor, where an object pushed near one end turns about.
    Sweep {
        #[serde(default)]
        actor: u8,
        role: String,
        degrees: Range,
        #[serde(default)]
        pivot: Option<Range>,
        start: FrameRange,
        duration: FrameRange,
    },
    /// Move the contact point `toward` a direction, through the role's object: it closes the gap,
    /// then carries on `distance` metres. Begins at frame `start`, lasts `duration` frames.
    Push {
        #[serde(default)]
        actor: u8,
        role: String,
        toward: Side,
        distance: Range,
        start: FrameRange,
        duration: FrameRange,
    },
    /// Push the role's object toward role `other`'s object along the line between them, closing
    /// `fraction` of the gap between their surfaces (above 1 drives it into the other). With
    /// `passing` (Toward or Away) it aims instead just clear of the other object on that side, so
    /// the two pass each other; `fraction` is then of the distance to that point. The actor first
    /// steps behind the object on that line, then pushes. Its distances follow from where the
    /// objects stand, so classes that share one placement can close a little, collide or pass.
    Close {
        #[serde(default)]
        actor: u8,
        role: String,
        other: String,
        fraction: Range,
        #[serde(default)]
        passing: Option<Side>,
        start: FrameRange,
        duration: FrameRange,
    },
    /// Push the role's object `toward` the work surface's edge until its centre is `past_edge`
    /// metres beyond it (negative: short of it).
    PushToEdge {
        #[serde(default)]
        actor: u8,
        role: String,
        toward: Side,
        past_edge: Range,
        start: FrameRange,
        duration: FrameRange,
    },
    /// Grip the role's object where the actor touches it (a fixed joint, from frame `start`), move
    /// `distance` metres `toward` a direction over `duration` frames, and let go.
    Pull {
        #[serde(default)]
        actor: u8,
        role: String,
        toward: Side,
        distance: Range,
        start: FrameRange,
        duration: FrameRange,
    },
    /// Grip the role's object (a fixed joint, from frame `start`), lift it `lift` metres, carry it
    /// over role `onto`, set it down on top and let go; the whole motion lasts `duration` frames.
    Carry {
        #[serde(default)]
        actor: u8,
        role: String,
        onto: String,
        lift: Range,
        start: FrameRange,
        duration: FrameRange,
    },
    /// Move the camera `distance` metres `toward` a side (Away: forward, closer to the scene),
    /// still looking where it looked. No actor; a script of camera steps alone shows no actor.
    CameraDolly { toward: Side, distance: Range, start: FrameRange, duration: FrameRange },
    /// Turn the camera `degrees` about the vertical, `toward` Left or Right, from where it stands.
    CameraTurn { toward: Side, degrees: Range, start: FrameRange, duration: FrameRange },
    /// Let go of a held role at `frame`; gravity does the rest.
    Release {
        #[serde(default)]
        actor: u8,
        role: String,
        frame: FrameRange,
    },
    /// Move the actor `distance` metres `toward` a direction, `delay` frames after the actor's
    /// previous step ends (a motion's end, or a release's frame; frame 0 if none), over `duration`
    /// frames.
    Retreat {
        #[serde(default)]
        actor: u8,
        toward: Side,
        distance: Range,
        delay: FrameRange,
        duration: FrameRange,
    },
}

impl ScriptStep {
    /// Which actor performs the step; `None` for the camera's steps.
    pub fn actor(&self) -> Option<u8> {
        match self {
            ScriptStep::Start { actor, .. }
            | ScriptStep::Push { actor, .. }
            | ScriptStep::PushToEdge { actor, .. }
            | ScriptStep::Pull { actor, .. }
            | ScriptStep::Carry { actor, .. }
            | ScriptStep::Release { actor, .. }
            | ScriptStep::Retreat { actor, .. }
            | ScriptStep::Sweep { actor, .. }
            | ScriptStep::Close { actor, .. } => Some(*actor),
            ScriptStep::CameraDolly { .. } | ScriptStep::CameraTurn { .. } => None,
        }
    }
}

/// The most actors an action may use: two hands.
pub const MAX_ACTORS: u8 = 2;

/// A check on the simulated clip, projected through its camera where it speaks of the image.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum Postcondition {
    /// From the first to the last frame the role's image position moves `toward` (Left, Right,
    /// Up or Down in the image) by at least `min_fraction` of the image width (or height).
    MovesInImage { role: String, toward: Side, min_fraction: f32 },
    /// The role's centre drops by at least `min_drop` metres.
    Drops { role: String, min_drop: f32 },
    /// The role's centre stays inside the image in every frame up to script frame `until` (default:
    /// the whole clip), `margin` (fraction) from the border.
    StaysInFrame {
        role: String,
        #[serde(default)]
        margin: f32,
        #[serde(default)]
        until: Option<u32>,
    },
    /// The role ends resting on the work surface.
    EndsOnWorkSurface { role: String },
    /// The actor touches the role's object at some frame.
    ActorTouches { role: String },
    /// The role's centre ends at least `min_depth` metres below the work surface's top: it fell off.
    EndsBelowWorkSurface { role: String, min_depth: f32 },
    /// The role's centre ends on the work surface no more than `within` metres from its edge in
    /// direction `toward`.
    EndsNearEdge { role: String, toward: Side, within: f32 },
    /// The role turns through at least `min_deg` degrees in total (summed frame to frame, so
    /// rolling counts every turn).
    Rotates { role: String, min_deg: f32 },
    /// The role turns at least `min_deg` degrees about the vertical (net, frame to frame) and
    /// stays upright (within 20 degrees) throughout: it spun on the surface.
    Spins { role: String, min_deg: f32 },
    /// The role's up axis ends at least `min_deg` degrees from vertical: it was tipped over.
    Tilts { role: String, min_deg: f32 },
    /// The distance between the two roles' centres ends at most `max_ratio` times what it was.
    GetsCloser { role: String, other: String, max_ratio: f32 },
    /// The distance between the two roles' centres ends at least `min_ratio` times what it was.
    MovesApart { role: String, other: String, min_ratio: f32 },
    /// The two roles' objects touch at some frame.
    Touches { role: String, other: String },
    /// The two roles' objects never touch.
    NeverTouches { role: String, other: String },
    /// The role ends resting on top of `on`.
    EndsOn { role: String, on: String },
    /// The role ends inside `container` (a `Container` role): within its opening, its bottom
    /// below the rim, the container still upright.
    EndsIn { role: String, container: String },
    /// The role's centre ends at least `min` metres (and, if given, at most `max`) from where it
    /// started.
    MovesBy {
        role: String,
        min: f32,
        #[serde(default)]
        max: Option<f32>,
    },
    /// The role's centre moves at least `min_distance` metres `toward` a camera-relative side
    /// (Toward: closer to the camera).
    MovesInWorld { role: String, toward: Side, min_distance: f32 },
    /// The two roles swap sides in the image: whichever was left of the other ends right of it.
    SwapsSides { role: String, other: String },
    /// The role's centre rises at least `min_height` metres above where it started, at some frame.
    Rises { role: String, min_height: f32 },
    /// When the role first touches `other`, its direction of travel turns by at least `min_deg`
    /// degrees (over the few frames before and after the contact): it was deflected.
    Deflects { role: String, other: String, min_deg: f32 },
    /// A stacked role's stack comes down by at least half of what stood on its bottom piece (and at
    /// least most of a piece): it collapsed, rather than lost its top piece.
    Collapses { role: String },
    /// No piece of the role moves more than 5 mm before an actor first touches one: whatever
    /// happens to it, the actor started it.
    StillUntilTouched { role: String },
    /// The camera's distance to the role ends at most `max_ratio` times what it was: it looms.
    CameraNears { role: String, max_ratio: f32 },
    /// How much of the role's object the camera sees, as a fraction of its silhouette (what an
    /// actor, another object, a surface or the frame's edge hides is unseen): at least `median`
    /// over the clip, `start` in the first frame, `contact` in the frame an actor first touches
    /// it and `end` in the last. Every role is checked with [`Visibility::DEFAULT`] unless the
    /// action lists `Visible` for it, e.g. `Visible(role: "target", end: 0.0)` for an object
    /// that ends out of sight on purpose; fields left out keep their defaults.
    Visible {
        role: String,
        #[serde(default = "Visibility::default_median")]
        median: f32,
        #[serde(default = "Visibility::default_start")]
        start: f32,
        #[serde(default = "Visibility::default_contact")]
        contact: f32,
        #[serde(default = "Visibility::default_end")]
        end: f32,
    },
}

/// The least visible fractions a role's object must show (see [`Postcondition::Visible`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Visibility {
    pub median: f32,
    pub start: f32,
    pub contact: f32,
    pub end: f32,
}

impl Visibility {
    /// What every role must show unless its action says otherwise.
    pub const DEFAULT: Visibility = Visibility { median: 0.5, start: 0.5, contact: 0.3, end: 0.3 };

    fn default_median() -> f32 {
        Self::DEFAULT.median
    }
    fn default_start() -> f32 {
        Self::DEFAULT.start
    }
    fn default_contact() -> f32 {
        Self::DEFAULT.contact
    }
    fn default_end() -> f32 {
        Self::DEFAULT.end
    }

    /// The default check of `role`.
    pub fn default_for(role: &str) -> Postcondition {
        let Visibility { median, start, contact, end } = Self::DEFAULT;
        Postcondition::Visible { role: role.to_string(), median, start, contact, end }
    }
}

impl Postcondition {
    pub fn role(&self) -> &str {
        match self {
            Postcondition::MovesInImage { role, .. }
            | Postcondition::Drops { role, .. }
            | Postcondition::StaysInFrame { role, .. }
            | Postcondition::EndsOnWorkSurface { role }
            | Postcondition::ActorTouches { role }
            | Postcondition::EndsBelowWorkSurface { role, .. }
            | Postcondition::EndsNearEdge { role, .. }
            | Postcondition::Rotates { role, .. }
            | Postcondition::Spins { role, .. }
            | Postcondition::Tilts { role, .. }
            | Postcondition::GetsCloser { role, .. }
            | Postcondition::MovesApart { role, .. }
            | Postcondition::Touches { role, .. }
            | Postcondition::NeverTouches { role, .. }
            | Postcondition::EndsOn { role, .. }
            | Postcondition::EndsIn { role, .. }
            | Postcondition::MovesBy { role, .. }
            | Postcondition::MovesInWorld { role, .. }
            | Postcondition::SwapsSides { role, .. }
            | Postcondition::Rises { role, .. }
            | Postcondition::CameraNears { role, .. }
            | Postcondition::Deflects { role, .. }
            | Postcondition::Collapses { role }
            | Postcondition::Visible { role, .. }
            | Postcondition::StillUntilTouched { role } => role,
        }
    }

    /// The second role a condition relates the first to, if any.
    pub fn other(&self) -> Option<&str> {
        match self {
            Postcondition::GetsCloser { other, .. }
            | Postcondition::MovesApart { other, .. }
            | Postcondition::Touches { other, .. }
            | Postcondition::NeverTouches { other, .. }
            | Postcondition::SwapsSides { other, .. }
            | Postcondition::Deflects { other, .. } => Some(other),
            Postcondition::EndsOn { on, .. } => Some(on),
            Postcondition::EndsIn { container, .. } => Some(container),
            _ => None,
        }
    }
}

impl Range {
    /// The range negated, for a left-right mirror of image-horizontal coordinates.
    fn negated(self) -> Range {
        Range(-self.1, -self.0)
    }
}

impl ActionDef {
    /// The same action seen in a left-right mirror of the image: every side and every `u`
    /// (image-horizontal placement) swaps. Labels that name no side stay true under it.
    pub fn mirrored(&self) -> ActionDef {
        let mut def = self.clone();
        for prop in &mut def.props {
            match prop {
                PropDef::Ramp { u, downhill, .. } => {
                    *u = u.negated();
                    *downhill = downhill.mirrored();
                }
            }
        }
        for step in &mut def.setup {
            match step {
                SetupStep::Place { u, .. } | SetupStep::Hold { u, .. } | SetupStep::Stack { u, .. } => *u = u.negated(),
                // `offset` and `across` run along the image's right for a toward/away side (so they
                // flip), and away from the camera for a left/right side (so they stay).
                SetupStep::PlaceBeside { side, offset, .. } => {
                    if matches!(side, Side::Toward | Side::Away) {
                        *offset = offset.negated();
                    }
                    *side = side.mirrored();
                }
                SetupStep::NearEdge { toward, across, .. } => {
                    if matches!(toward, Side::Toward | Side::Away) {
                        *across = across.negated();
                    }
                    *toward = toward.mirrored();
                }
                SetupStep::HoldAbove { .. } | SetupStep::OnRamp { .. } => {}
            }
        }
        for step in &mut def.script {
            match step {
                ScriptStep::Start { side, across, enters, .. } => {
                    if let (Some(across), Side::Toward | Side::Away) = (across.as_mut(), *side) {
                        *across = across.negated();
                    }
                    *side = side.mirrored();
                    *enters = enters.map(Side::mirrored);
                }
                ScriptStep::Push { toward, .. }
                | ScriptStep::PushToEdge { toward, .. }
                | ScriptStep::Pull { toward, .. }
                | ScriptStep::Retreat { toward, .. }
                | ScriptStep::CameraDolly { toward, .. }
                | ScriptStep::CameraTurn { toward, .. } => *toward = toward.mirrored(),
                // A sweep's sense follows from where its `Start` put the actor, a close's direction
                // from where the objects stand, and `passing` is a side in depth.
                ScriptStep::Release { .. }
                | ScriptStep::Carry { .. }
                | ScriptStep::Sweep { .. }
                | ScriptStep::Close { .. } => {}
            }
        }
        for condition in &mut def.postconditions {
            match condition {
                Postcondition::MovesInImage { toward, .. }
                | Postcondition::EndsNearEdge { toward, .. }
                | Postcondition::MovesInWorld { toward, .. } => *toward = toward.mirrored(),
                _ => {}
            }
        }
        def
    }
}

impl ObjectKindDef {
    /// Whether it has a trait: its shape's, as its parts allow (nothing lands on or stacks onto a
    /// part on top, and a lid closes a container).
    pub fn has_trait(&self, wanted: ObjectTrait) -> bool {
        let on_top = self.parts.iter().any(|part| matches!(part.place, PartPlace::End { axis: Axis::Y, .. }));
        match wanted {
            ObjectTrait::HasLid => self.parts.iter().any(|part| part.name == "lid" || part.name == "cap"),
            ObjectTrait::Wide | ObjectTrait::Chunky | ObjectTrait::Container if on_top => false,
            _ => self.shape.has_trait(wanted),
        }
    }

    /// Whether its name says its color: not for a mesh file drawn with its own texture.
    pub fn names_color(&self) -> bool {
        let textured = matches!(&self.shape, ShapeDef::Mesh { loaded: Some(info), .. } if info.textured);
        self.say_color && !textured
    }

    /// The plural noun: the declared one, or the noun with "es" after s, x, ch and sh, else "s".
    pub fn plural_noun(&self) -> String {
        match &self.plural {
            Some(plural) => plural.clone(),
            None if ["s", "x", "ch", "sh"].iter().any(|end| self.noun.ends_with(end)) => format!("{}es", self.noun),
            None => format!("{}s", self.noun),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(noun: &str, plural: Option<&str>) -> ObjectKindDef {
        ron::from_str::<ObjectKindDef>(&format!(
            "(name: \"k\", noun: \"{noun}\", plural: {}, shape: Ball(radius: (0.03, 0.03)), mass: Some((0.1, 0.1)), \
             friction: (0.5, 0.5), restitution: (0.1, 0.1))",
            plural.map_or("None".to_string(), |p| format!("Some(\"{p}\")"))
        ))
        .unwrap()
    }

    #[test]
    fn plural_nouns_follow_english_endings_unless_declared() {
        assert_eq!(kind("wooden block", None).plural_noun(), "wooden blocks");
        assert_eq!(kind("box", None).plural_noun(), "boxes");
        assert_eq!(kind("glass", None).plural_noun(), "glasses");
        assert_eq!(kind("die", Some("dice")).plural_noun(), "dice");
    }
}
