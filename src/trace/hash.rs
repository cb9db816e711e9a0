//! The crate's stable hashes (pub(crate)): the same in every run and on
//! every machine, for the fingerprint and for the codes and keys the floors
//! derive from names and numbers. Nothing here is random.

/// One multiply-and-rotate step (as FxHash): order sensitive, and a
/// bijection of `h` for a given word, so two sequences that differ in
/// their last word always differ.
#[inline]
pub(crate) fn light(h: u64, word: u64) -> u64 {
    (h.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95)
}

/// FNV-1a over `bytes`: a stable code for a name or a path.
pub(crate) fn fnv1a(bytes: impl IntoIterator<Item = u8>) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
    }
    h
}

/// splitmix64's step and finaliser: every bit of `x` reaches every bit of
/// the result, so consecutive numbers spread out.
pub(crate) fn spread(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}
