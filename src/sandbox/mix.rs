//! Values derived from the seed and a few integers, without storing them: a
//! user's MFA devices and app provisioning are computed when read, so a
//! tenant of 100,000 users holds nothing for them until something changes.

/// SplitMix64 over `seed` and `parts`: the same inputs, the same 64 bits.
pub(crate) fn mix(seed: u64, parts: &[u64]) -> u64 {
    let mut h = seed ^ 0x243f_6a88_85a3_08d3;
    for p in parts {
        h = step(h ^ p.wrapping_mul(0x9e37_79b9_7f4a_7c15));
    }
    step(h)
}

fn step(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A pick in `0..n` from [`mix`] (`n` ≥ 1).
pub(crate) fn below(seed: u64, parts: &[u64], n: u64) -> u64 {
    mix(seed, parts) % n.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_and_spread() {
        assert_eq!(mix(1, &[2, 3]), mix(1, &[2, 3]));
        assert_ne!(mix(1, &[2, 3]), mix(1, &[3, 2]));
        assert_ne!(mix(1, &[2]), mix(2, &[2]));
        let hits = (0..1000).filter(|i| below(7, &[*i], 4) == 0).count();
        assert!((200..300).contains(&hits), "{hits}");
    }
}
