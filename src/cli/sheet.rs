//! Sheet: a contact sheet of sampled clips, the whole flow (content -> ... -> capture) ending in
//! one labeled PNG instead of a dataset.
//!
//! One row per scene (or per action class, or per object kind), a few sampled clips per row, each shown by its first,
//! middle and last frame with its label underneath. It is how a person checks at a glance that
//! scenes, objects, materials, lights and cameras really vary.

use image::{Rgb, RgbImage};

use crate::capture::Renderer;
use crate::content::Content;
use crate::dataset::GenerateError;
use crate::plan::{DEFAULT_MAX_ATTEMPTS, choose, choose_action, plan_clip};
use crate::spec::{ClipSpec, VideoSpec, sample_clip};

/// What the rows are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowsBy {
    Scene,
    Class,
    /// A row per object kind: clips in which an object of the kind plays a role.
    Kind,
}

/// How to lay out a contact sheet.
#[derive(Debug, Clone, Copy)]
pub struct SheetOptions {
    pub rows_by: RowsBy,
    /// Clips per row.
    pub samples: u32,
    /// Width and height of each frame shown, pixels.
    pub frame_size: u32,
    pub seed: u64,
}

const GAP: u32 = 4;
/// Height of a caption line: the 8-pixel font plus a margin.
const LINE: u32 = 11;
const BACKGROUND: Rgb<u8> = Rgb([24, 24, 28]);
const TEXT: Rgb<u8> = Rgb([235, 235, 235]);
const TITLE: Rgb<u8> = Rgb([255, 210, 90]);

/// Renders the sheet. Clips are those `generate` would make with the same seed (same indices,
/// same specs), shown at `frame_size` over 12 frames spread across the clip's three seconds.
pub fn contact_sheet(content: &Content, options: SheetOptions) -> Result<RgbImage, GenerateError> {
    let rows: Vec<String> = match options.rows_by {
        RowsBy::Scene => content.scenes.iter().map(|s| s.def.name.clone()).collect(),
        RowsBy::Class => content.actions.iter().map(|a| a.def.name.clone()).collect(),
        RowsBy::Kind => content.objects.def.kinds.iter().map(|k| k.name.clone()).collect(),
    };
    // Few frames, but the clip's full duration with physics at its usual 120 Hz.
    let video = VideoSpec {
        width: options.frame_size,
        height: options.frame_size,
        frames: 12,
        fps: 4,
        physics_steps_per_frame: 30,
    };
    let size = options.frame_size;
    let sample_width = 3 * size + 2 * GAP;
    let row_height = LINE + size + 2 * LINE + GAP;
    let width = GAP + options.samples * (sample_width + GAP);
    let mut sheet = RgbImage::from_pixel(width.max(200), GAP + rows.len() as u32 * row_height, BACKGROUND);
    let mut renderer = Renderer::new(size, size);
    for (row, name) in rows.iter().enumerate() {
        let top = GAP + row as u32 * row_height;
        draw_text(&mut sheet, GAP, top + 1, name, TITLE);
        // The clip indices of this row: the dataset's own, in order.
        let mut shown = 0;
        let mut index = 0u64;
        while shown < options.samples && index < 10_000 {
            let wanted = match options.rows_by {
                RowsBy::Class => &choose_action(content, index)?.def.name == name,
                // An action no scene can stage has no row to appear in.
                RowsBy::Scene => choose(content, index, video, DEFAULT_MAX_ATTEMPTS)
                    .is_ok_and(|choice| &choice.scene.def.name == name),
                // Sampling alone (no simulation) says which kinds the clip's first attempt takes.
                RowsBy::Kind => choose(content, index, video, DEFAULT_MAX_ATTEMPTS)
                    .is_ok_and(|choice| has_role_of_kind(&sample_clip(content, &choice, options.seed, 0, video), name)),
            };
            let clip = match wanted {
                true => Some(plan_clip(content, options.seed, index, video, DEFAULT_MAX_ATTEMPTS)?),
                false => None,
            };
            // The attempt that passed may have drawn other kinds.
            let clip = clip.filter(|clip| options.rows_by != RowsBy::Kind || has_role_of_kind(&clip.spec, name));
            if let Some(clip) = clip {
                let mut frames = Vec::new();
                renderer.render_clip(&clip.spec, &clip.trajectory, false, |_, image, _| frames.push(image))?;
                let left = GAP + shown * (sample_width + GAP);
                for (column, frame) in [0, frames.len() / 2, frames.len() - 1].into_iter().enumerate() {
                    image::imageops::replace(
                        &mut sheet,
                        &frames[frame],
                        (left + column as u32 * (size + GAP)) as i64,
                        (top + LINE) as i64,
                    );
                }
                let caption_top = top + LINE + size + 2;
                let other = match options.rows_by {
                    RowsBy::Scene => clip.spec.action.clone(),
                    RowsBy::Class | RowsBy::Kind => clip.spec.scene.clone(),
                };
                let fit = |text: &str| fit_text(text, sample_width);
                draw_text(&mut sheet, left, caption_top, &fit(&format!("{} {}", clip.spec.id, other)), TEXT);
                draw_text(&mut sheet, left, caption_top + LINE, &fit(&clip.spec.label), TEXT);
                shown += 1;
            }
            index += 1;
        }
    }
    Ok(sheet)
}

/// Whether an object of kind `kind` plays a role in `spec`.
fn has_role_of_kind(spec: &ClipSpec, kind: &str) -> bool {
    spec.objects.iter().any(|object| object.role.is_some() && !object.fixed && object.kind == kind)
}

/// `text` cut to fit `width` pixels of 8-pixel characters, marked with ".." where cut.
fn fit_text(text: &str, width: u32) -> String {
    let room = (width / 8) as usize;
    if text.chars().count() <= room {
        return text.to_string();
    }
    let kept: String = text.chars().take(room.saturating_sub(2)).collect();
    format!("{kept}..")
}

/// Draws `text` with the public-domain 8x8 font, clipped at the image's right edge.
pub fn draw_text(image: &mut RgbImage, x: u32, y: u32, text: &str, color: Rgb<u8>) {
    for (i, character) in text.chars().enumerate() {
        let glyph =
            font8x8::legacy::BASIC_LEGACY[if character.is_ascii() { character as usize } else { b'?' as usize }];
        for (row, bits) in glyph.iter().enumerate() {
            for column in 0..8 {
                let (px, py) = (x + i as u32 * 8 + column, y + row as u32);
                if bits >> column & 1 == 1 && px < image.width() && py < image.height() {
                    image.put_pixel(px, py, color);
                }
            }
        }
    }
}
