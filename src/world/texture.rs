//! Procedural textures for the rendered world: a [`TextureSpec`] drawn as a tileable RGBA image
//! with its mip chain, in the owner's color and a shade of it.
//!
//! Everything is computed from the spec's seed with a portable RNG and plain f32 arithmetic, so a
//! texture is the same on every run. Patterns are built on value noise over a lattice that wraps,
//! so every pattern tiles without seams when the material repeats it.

use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::SeedableRng;

use crate::content::Pattern;
use crate::spec::TextureSpec;

/// Texture width and height in pixels (a power of two, for the mip chain).
pub const TEXTURE_SIZE: u32 = 128;

/// Periodic value noise: random values on an `n` x `n` lattice that wraps, smoothly interpolated.
struct Lattice {
    n: usize,
    values: Vec<f32>,
}

impl Lattice {
    fn new(n: usize, rng: &mut ChaCha8Rng) -> Self {
        Lattice { n, values: (0..n * n).map(|_| rng.random_range(0.0..1.0f32)).collect() }
    }

    /// Noise at (u, v) in 0..1 texture coordinates; periodic with period 1 in both.
    fn at(&self, u: f32, v: f32) -> f32 {
        let (x, y) = (u.rem_euclid(1.0) * self.n as f32, v.rem_euclid(1.0) * self.n as f32);
        let (x0, y0) = (x.floor() as usize % self.n, y.floor() as usize % self.n);
        let (x1, y1) = ((x0 + 1) % self.n, (y0 + 1) % self.n);
        let smooth = |t: f32| t * t * (3.0 - 2.0 * t);
        let (tx, ty) = (smooth(x.fract()), smooth(y.fract()));
        let value = |x: usize, y: usize| self.values[y * self.n + x];
        let top = value(x0, y0) + (value(x1, y0) - value(x0, y0)) * tx;
        let bottom = value(x0, y1) + (value(x1, y1) - value(x0, y1)) * tx;
        top + (bottom - top) * ty
    }
}

/// Octaves of noise, each twice as fine and half as strong, in 0..1.
fn fractal(octaves: &[Lattice], u: f32, v: f32) -> f32 {
    let (mut sum, mut weight, mut total) = (0.0, 1.0, 0.0);
    for octave in octaves {
        sum += octave.at(u, v) * weight;
        total += weight;
        weight *= 0.5;
    }
    sum / total
}

/// How much of the second color each texel shows (0..1), for a pattern over one tile.
fn pattern_mix(pattern: Pattern, seed: u32) -> impl Fn(f32, f32) -> f32 {
    let mut rng = ChaCha8Rng::seed_from_u64(seed as u64);
    let octaves: Vec<Lattice> = [4, 8, 16, 32].into_iter().map(|n| Lattice::new(n, &mut rng)).collect();
    // Whole numbers of stripes, rings and cells per tile keep the pattern seamless.
    let count = rng.random_range(2..=6) as f32;
    let warp = rng.random_range(0.3..0.9f32);
    move |u: f32, v: f32| {
        let wave = |t: f32| 0.5 + 0.5 * (std::f32::consts::TAU * t).sin();
        match pattern {
            Pattern::Plain => 0.0,
            Pattern::Stripes => (wave(u * count) > 0.5) as u8 as f32,
            Pattern::Checker => (((u * count * 2.0).floor() + (v * count * 2.0).floor()) as i64 % 2).abs() as f32,
            Pattern::Noise => octaves[1].at(u, v),
            Pattern::Wood => {
                // Grain along v, rings bent by low-frequency noise.
                let bent = u * count * 2.0 + warp * 2.0 * octaves[0].at(u, v);
                wave(bent).powf(3.0)
            }
            Pattern::Marble => {
                let turbulence = fractal(&octaves, u, v);
                1.0 - wave(u * count + v * count + warp * 4.0 * turbulence).powf(0.3)
            }
            Pattern::Fractal => fractal(&octaves, u, v),
        }
    }
}

/// The texture's top level as sRGB8 RGBA: `base` (sRGB 0..1) mixed with its shade.
pub fn texture_pixels(spec: &TextureSpec, base: [f32; 3]) -> Vec<u8> {
    let target = if spec.shade < 0.0 { 0.0 } else { 1.0 };
    let shade = spec.shade.abs();
    let second: [f32; 3] = base.map(|c| c + (target - c) * shade);
    let mix = pattern_mix(spec.pattern, spec.seed);
    let size = TEXTURE_SIZE;
    let mut pixels = Vec::with_capacity((size * size * 4) as usize);
    for y in 0..size {
        for x in 0..size {
            let (u, v) = ((x as f32 + 0.5) / size as f32, (y as f32 + 0.5) / size as f32);
            let t = mix(u, v).clamp(0.0, 1.0);
            for channel in 0..3 {
                let value = base[channel] + (second[channel] - base[channel]) * t;
                pixels.push((value.clamp(0.0, 1.0) * 255.0).round() as u8);
            }
            pixels.push(255);
        }
    }
    pixels
}

/// The top level followed by every smaller level down to 1x1, each a 2x2 box filter of the one
/// above, and the number of levels. Without mips a fine pattern shimmers into noise.
pub fn with_mip_chain(top: Vec<u8>, size: u32) -> (Vec<u8>, u32) {
    let mut data = top.clone();
    let (mut level, mut side, mut levels) = (top, size, 1);
    while side > 1 {
        let half = side / 2;
        let mut next = Vec::with_capacity((half * half * 4) as usize);
        for y in 0..half {
            for x in 0..half {
                for channel in 0..4 {
                    let at =
                        |dx: u32, dy: u32| level[(((2 * y + dy) * side + 2 * x + dx) * 4 + channel) as usize] as u32;
                    next.push(((at(0, 0) + at(1, 0) + at(0, 1) + at(1, 1) + 2) / 4) as u8);
                }
            }
        }
        data.extend_from_slice(&next);
        (level, side, levels) = (next, half, levels + 1);
    }
    (data, levels)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(pattern: Pattern, seed: u32) -> TextureSpec {
        TextureSpec { pattern, repeats_per_m: 10.0, shade: -0.5, seed }
    }

    #[test]
    fn every_pattern_is_deterministic_varied_and_in_the_owners_colors() {
        let red = [0.8, 0.1, 0.1];
        for pattern in
            [Pattern::Stripes, Pattern::Checker, Pattern::Noise, Pattern::Wood, Pattern::Marble, Pattern::Fractal]
        {
            let pixels = texture_pixels(&spec(pattern, 7), red);
            assert_eq!(pixels, texture_pixels(&spec(pattern, 7), red), "{pattern:?} is deterministic");
            assert_eq!(pixels.len(), (TEXTURE_SIZE * TEXTURE_SIZE * 4) as usize);
            let reds: Vec<u8> = pixels.chunks(4).map(|p| p[0]).collect();
            let (low, high) = (*reds.iter().min().unwrap(), *reds.iter().max().unwrap());
            assert!(high - low > 40, "{pattern:?} shows both colors: {low}..{high}");
            // Red stays the dominant channel everywhere: the label's color word stays true.
            assert!(pixels.chunks(4).all(|p| p[0] >= p[1] && p[0] >= p[2]), "{pattern:?}");
        }
        assert_ne!(texture_pixels(&spec(Pattern::Noise, 1), red), texture_pixels(&spec(Pattern::Noise, 2), red));
    }

    #[test]
    fn patterns_tile_without_seams() {
        // The left and right columns (and top and bottom rows) differ no more than neighbours do.
        for pattern in [Pattern::Noise, Pattern::Wood, Pattern::Marble, Pattern::Fractal] {
            let pixels = texture_pixels(&spec(pattern, 3), [0.2, 0.6, 0.3]);
            let at = |x: u32, y: u32| pixels[((y * TEXTURE_SIZE + x) * 4 + 1) as usize] as i32;
            let last = TEXTURE_SIZE - 1;
            let seam: i32 = (0..TEXTURE_SIZE).map(|y| (at(last, y) - at(0, y)).abs()).max().unwrap();
            let inside: i32 = (0..TEXTURE_SIZE).map(|y| (at(1, y) - at(0, y)).abs()).max().unwrap();
            assert!(seam <= inside.max(4) * 2, "{pattern:?}: seam {seam} vs inside {inside}");
        }
    }

    #[test]
    fn the_mip_chain_halves_down_to_one_texel() {
        let (data, levels) = with_mip_chain(vec![200; (8 * 8 * 4) as usize], 8);
        assert_eq!(levels, 4);
        assert_eq!(data.len(), ((64 + 16 + 4 + 1) * 4) as usize);
        assert!(data.iter().all(|&b| b == 200));
    }
}
