//! FNV-1a: the one small, stable, dependency-free hash the pipeline uses for content
//! fingerprints, RNG stream names and split buckets. Stable across platforms and releases, which
//! is all these uses need (none is security-relevant).

/// FNV-1a, 64 bit.
pub(crate) fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |hash, byte| (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3))
}
