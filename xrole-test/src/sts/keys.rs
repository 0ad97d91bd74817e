//! Credential material that looks like AWS's: `AKIA`/`ASIA` key ids, 40-character
//! secrets, long session tokens, unique ids.

use std::hash::{BuildHasher, Hasher, RandomState};
use std::sync::atomic::{AtomicU64, Ordering};

/// A fresh 64-bit value: std's randomly seeded hasher over a process-wide counter.
/// Unpredictable enough for test credentials, and no extra crate.
fn next() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    h.finish()
}

fn chars(alphabet: &[u8], n: usize) -> String {
    let mut out = String::with_capacity(n);
    let mut bits = next();
    let mut left = 10;
    for _ in 0..n {
        if left == 0 {
            bits = next();
            left = 10;
        }
        out.push(char::from(
            alphabet[(bits % alphabet.len() as u64) as usize],
        ));
        bits /= alphabet.len() as u64;
        left -= 1;
    }
    out
}

const UPPER: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const SECRET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// A key id: the prefix (`AKIA` long-term, `ASIA` temporary) and 16 characters.
pub(crate) fn access_key_id(prefix: &str) -> String {
    format!("{prefix}{}", chars(UPPER, 16))
}

/// A 40-character secret access key.
pub(crate) fn secret_access_key() -> String {
    chars(SECRET, 40)
}

/// A session token, as long as STS's.
pub(crate) fn session_token() -> String {
    format!("IQoJb3JpZ2luX2Vj{}", chars(SECRET, 340))
}

/// A request id in STS's shape.
pub(crate) fn request_id() -> String {
    let hex = b"0123456789abcdef";
    format!(
        "{}-{}-{}-{}-{}",
        chars(hex, 8),
        chars(hex, 4),
        chars(hex, 4),
        chars(hex, 4),
        chars(hex, 12)
    )
}
