//! An object's parts (a mug's handle, a bottle's cap, a jar's lid): sized from the body that was
//! drawn, so a cap fits every bottle's neck, and placed on it (on an end, or against its side).

use bevy::math::{Quat, Vec2, Vec3};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use crate::content::{ColorDef, ObjectKindDef, PartDef, PartPlace, Range, ShapeDef};
use crate::spec::{PartSpec, ShapeSpec};

/// Where a part's numbers come from: the clip's random stream, or a fixed point of each range
/// (tests that stand every kind at its smallest, middle and largest).
pub trait Draws {
    /// A number in `range`.
    fn number(&mut self, range: Range) -> f32;
    /// One of `count` choices.
    fn index(&mut self, count: usize) -> usize;
}

impl Draws for ChaCha8Rng {
    fn number(&mut self, range: Range) -> f32 {
        super::uniform(self, range)
    }

    fn index(&mut self, count: usize) -> usize {
        self.random_range(0..count)
    }
}

/// Every range at the same fraction `t` of the way through it; the first of every choice.
pub struct AtFraction(pub f32);

impl Draws for AtFraction {
    fn number(&mut self, range: Range) -> f32 {
        range.0 + (range.1 - range.0) * self.0
    }

    fn index(&mut self, _count: usize) -> usize {
        0
    }
}

/// The parts of an object of `kind` whose body is `body` in `body_color`.
pub fn sample_parts(
    kind: &ObjectKindDef,
    body: &ShapeSpec,
    body_color: [f32; 3],
    colors: &[ColorDef],
    draws: &mut impl Draws,
) -> Vec<PartSpec> {
    kind.parts.iter().map(|part| sample_part(part, body, body_color, colors, draws)).collect()
}

fn sample_part(
    part: &PartDef,
    body: &ShapeSpec,
    body_color: [f32; 3],
    colors: &[ColorDef],
    draws: &mut impl Draws,
) -> PartSpec {
    let half = Vec3::from(body.half_extents());
    let mut shape = part_shape(&part.shape, half, draws);
    let (offset, rotation) = match part.place {
        PartPlace::End { axis, sink } => {
            let along = axis.across_and_along().2;
            let extent = shape.half_extents()[along];
            let mut offset = Vec3::ZERO;
            offset[along] = half[along] + extent - draws.number(sink) * 2.0 * extent;
            (offset, Quat::IDENTITY)
        }
        PartPlace::Side { height } => against_side(body, &mut shape, draws.number(height)),
    };
    let turn = Quat::from_rotation_y(draws.number(part.turn).to_radians());
    let allowed: Vec<&ColorDef> = colors.iter().filter(|c| part.colors.contains(&c.name)).collect();
    let color = if allowed.is_empty() { body_color } else { allowed[draws.index(allowed.len())].srgb };
    PartSpec {
        name: part.name.clone(),
        shape,
        offset: (turn * offset).to_array(),
        rotation: (turn * rotation).to_array(),
        color,
        roughness: draws.number(part.roughness),
        metallic: draws.number(part.metallic),
        collides: part.collides,
    }
}

/// A part's shape in metres from its fractions of the body's box (half extents `half`).
fn part_shape(def: &ShapeDef, half: Vec3, draws: &mut impl Draws) -> ShapeSpec {
    let (width, height, depth) = (2.0 * half.x, 2.0 * half.y, 2.0 * half.z);
    let mut of = |range: &Range, unit: f32| draws.number(*range) * unit;
    match def {
        ShapeDef::Box { x, y, z, rounding } => ShapeSpec::Box {
            size: [of(x, width), of(y, height), of(z, depth)],
            rounding: rounding.as_ref().map_or(0.0, |r| of(r, half.x)),
        },
        ShapeDef::Ball { radius } => ShapeSpec::Ball { radius: of(radius, half.x) },
        ShapeDef::Cylinder { radius, height: h } => {
            ShapeSpec::Cylinder { radius: of(radius, half.x), height: of(h, height) }
        }
        ShapeDef::Lathe { radius, height: h, profile, wall } => ShapeSpec::Lathe {
            radius: of(radius, half.x),
            height: of(h, height),
            profile: profile.iter().map(|(r, y)| [*r, *y]).collect(),
            wall: wall.as_ref().map(|w| of(w, half.x)),
        },
        ShapeDef::Handle { span, reach, thickness } => {
            ShapeSpec::Handle { span: of(span, height), reach: of(reach, half.x), thickness: of(thickness, half.x) }
        }
        // Validation keeps these out of parts; in metres if they came.
        ShapeDef::Extrusion { .. } | ShapeDef::Mesh { .. } => super::shape_from_def(def, |range| draws.number(range)),
    }
}

/// A handle against the body's +x side centred at `height` (0 bottom, 1 top): its ends sunk a
/// quarter of its thickness into the surface where they meet it, the handle tilted to follow a
/// tapering side (its span becomes the distance between the ends). The offset and rotation.
fn against_side(body: &ShapeSpec, shape: &mut ShapeSpec, height: f32) -> (Vec3, Quat) {
    let ShapeSpec::Handle { span, reach, thickness } = *shape else { return (Vec3::ZERO, Quat::IDENTITY) };
    let middle = (height - 0.5) * 2.0 * body.half_extents()[1];
    let inset = thickness / 4.0;
    let end = |y: f32| Vec2::new(surface_radius(body, y) - inset, y);
    let (top, bottom) = (end(middle + span / 2.0), end(middle - span / 2.0));
    let chord = top - bottom;
    let direction = chord.normalize_or(Vec2::Y);
    let turn = f32::atan2(-direction.x, direction.y);
    *shape = ShapeSpec::Handle { span: chord.length(), reach, thickness };
    let out = Vec2::new(turn.cos(), turn.sin()) * (reach / 2.0 + thickness / 4.0);
    let centre = (top + bottom) / 2.0 + out;
    (Vec3::new(centre.x, centre.y, 0.0), Quat::from_rotation_z(turn))
}

/// How far the body's surface is from its vertical axis at height `y` (its own frame), on +x.
fn surface_radius(body: &ShapeSpec, y: f32) -> f32 {
    match *body {
        ShapeSpec::Lathe { radius, height, ref profile, .. } => {
            let at = (y / height + 0.5).clamp(0.0, 1.0);
            let upper = profile.iter().position(|p| p[1] >= at).unwrap_or(profile.len() - 1);
            let (a, b) = (profile[upper.saturating_sub(1)], profile[upper]);
            let blend = if b[1] > a[1] { (at - a[1]) / (b[1] - a[1]) } else { 1.0 };
            radius * (a[0] + (b[0] - a[0]) * blend)
        }
        ShapeSpec::Cylinder { radius, .. } => radius,
        ShapeSpec::Ball { radius } => (radius * radius - y * y).max(0.0).sqrt(),
        _ => body.half_extents()[0],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::Content;

    /// Every shipped part, at the smallest, middle and largest sizes, is attached where it
    /// should be: a handle's ends inside its body's side and its middle clear of it; a part on
    /// top reaching from inside the body to above it.
    #[test]
    fn every_shipped_part_sits_on_its_body() {
        let content = Content::load_builtin().unwrap();
        let kinds: Vec<_> = content.objects.def.kinds.iter().filter(|kind| !kind.parts.is_empty()).collect();
        let names: Vec<&str> = kinds.iter().map(|kind| kind.name.as_str()).collect();
        for expected in ["mug", "cup", "bottle", "jar", "apple", "pen", "shoe_box"] {
            assert!(names.contains(&expected), "{expected} has parts ({names:?})");
        }
        for kind in kinds {
            for t in [0.0, 0.5, 1.0] {
                let body = super::super::shape_from_def(&kind.shape, |r| AtFraction(t).number(r));
                let half = Vec3::from(body.half_extents());
                for part in sample_parts(kind, &body, [1.0; 3], &content.objects.def.colors, &mut AtFraction(t)) {
                    let (offset, rotation) = (Vec3::from(part.offset), Quat::from_array(part.rotation));
                    let at = format!("{} {} at {t}", kind.name, part.name);
                    match part.shape {
                        ShapeSpec::Handle { span, reach, thickness } => {
                            let ends = -(reach / 2.0 + thickness / 4.0);
                            for end in [span / 2.0, -span / 2.0] {
                                let point = offset + rotation * Vec3::new(ends, end, 0.0);
                                let across = Vec2::new(point.x, point.z).length();
                                let surface = surface_radius(&body, point.y);
                                assert!(across < surface && across > surface - thickness, "{at}: end {point}");
                            }
                            let apex = offset + rotation * Vec3::new(ends + reach, 0.0, 0.0);
                            let clear = Vec2::new(apex.x, apex.z).length() - surface_radius(&body, apex.y);
                            assert!(clear > thickness, "{at}: its middle stands {clear} m off the body");
                        }
                        ref shape => {
                            let (axis, along) = if kind.name == "pen" { (Vec3::X, 0) } else { (Vec3::Y, 1) };
                            let extent = shape.half_extents()[along];
                            let (low, high) = (offset.dot(axis) - extent, offset.dot(axis) + extent);
                            assert!(
                                low < half[along] && high > half[along],
                                "{at}: {low} to {high} about {}",
                                half[along]
                            );
                        }
                    }
                }
            }
        }
    }
}
