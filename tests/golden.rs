//! Golden determinism, in the manner of physics engines: one fixed clip is planned (sampled,
//! simulated with Rapier, verified) and its `label.json` and `annotations.json` (spec, verification,
//! per-frame poses, velocities, boxes, contacts) are hashed against a value stored here. The
//! frames are left out: their bytes depend on the rasterizer and the CPU. A change to sampling,
//! physics, verification, the label or annotation formats, or the content of this clip's scene,
//! action or object library changes the hash.

use synthact::content::Content;
use synthact::output::{ClipLabel, VideoOutput, annotate};
use synthact::plan::{DEFAULT_MAX_ATTEMPTS, plan_clip};
use synthact::spec::VideoSpec;

/// The hash of clip 5 of dataset seed 2026 (moving two things apart, default video settings).
const GOLDEN: &str = "678131b578eafecf";

/// FNV-1a, 64 bits: stable across Rust versions and platforms, unlike `std`'s hasher.
fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |hash, byte| (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3))
}

#[test]
fn a_fixed_clip_plans_to_the_recorded_label_and_annotations() {
    let content = Content::load_builtin().unwrap();
    let clip = plan_clip(&content, 2026, 5, VideoSpec::default(), DEFAULT_MAX_ATTEMPTS).unwrap();
    let label =
        ClipLabel::new(&clip.spec, clip.verification.clone(), clip.rejected.clone(), &VideoOutput::frames_only());
    let annotations = annotate(&clip.spec, &clip.trajectory, None);
    let bytes = [serde_json::to_vec(&label).unwrap(), serde_json::to_vec(&annotations).unwrap()].concat();
    let hash = format!("{:016x}", fnv1a64(&bytes));
    assert_eq!(
        hash, GOLDEN,
        "clip 5 of seed 2026 ({}) no longer plans to the recorded label and annotations. If the change \
         is meant (sampling, physics, verification, the label or annotation format, or this clip's \
         content changed on purpose), set GOLDEN in tests/golden.rs to the new hash; otherwise \
         something made planning depend on what it should not.",
        label.action
    );
}
