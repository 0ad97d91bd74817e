//! Credential material that looks like AWS's: `AKIA`/`ASIA` key ids, 40-character
//! secrets, long session tokens, unique ids.

fn chars(alphabet: &[u8], n: usize) -> String {
    (0..n)
        .map(|_| char::from(alphabet[fastrand::usize(..alphabet.len())]))
        .collect()
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
