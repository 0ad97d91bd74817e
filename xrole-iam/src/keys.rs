//! Credential material that looks like AWS's: `AKIA`/`ASIA` key ids, 40-character
//! secrets, long session tokens, unique ids.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

fn chars(alphabet: &[u8], n: usize) -> String {
    (0..n)
        .map(|_| char::from(alphabet[fastrand::usize(..alphabet.len())]))
        .collect()
}

const UPPER: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const SECRET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// A key id: the prefix (`AKIA` long-term, `ASIA` temporary) and 16 characters.
pub fn access_key_id(prefix: &str) -> String {
    format!("{prefix}{}", chars(UPPER, 16))
}

/// A 40-character secret access key.
pub fn secret_access_key() -> String {
    chars(SECRET, 40)
}

const TOKEN_PREFIX: &str = "IQoJb3JpZ2luX2Vj";

/// A session token, as long as STS's. Like STS's, it carries its expiry (here as 16
/// hex digits after the prefix), so the server can tell an expired token from an
/// unknown one after it has dropped the session.
pub fn session_token(expiration: SystemTime) -> String {
    let secs = expiration
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    format!("{TOKEN_PREFIX}{secs:016x}{}", chars(SECRET, 324))
}

/// The expiry a token of [`session_token`]'s shape carries.
pub fn token_expiry(token: &str) -> Option<SystemTime> {
    let hex = token.strip_prefix(TOKEN_PREFIX)?.get(..16)?;
    let secs = u64::from_str_radix(hex, 16).ok()?;
    UNIX_EPOCH.checked_add(Duration::from_secs(secs))
}

/// A request id in STS's shape: 32 random hex digits grouped 8-4-4-4-12.
pub fn request_id() -> String {
    // One random number written digit by digit: a request id is made for every
    // authorized call, and formatting machinery cost more than the decision.
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut n = fastrand::u128(..);
    let mut id = [b'-'; 36];
    for at in (0..36).rev() {
        if !matches!(at, 8 | 13 | 18 | 23) {
            id[at] = HEX[(n & 0xf) as usize];
            n >>= 4;
        }
    }
    id.iter().map(|&b| char::from(b)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_carry_their_expiry() {
        let at = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let token = session_token(at);
        assert_eq!(token.len(), 356);
        assert_eq!(token_expiry(&token), Some(at));
        assert_eq!(token_expiry("FwoGZXIvYXdzE"), None);
    }

    #[test]
    fn request_ids_are_grouped_hex() {
        let id = request_id();
        let groups: Vec<usize> = id.split('-').map(str::len).collect();
        assert_eq!(groups, [8, 4, 4, 4, 12], "{id}");
        assert!(
            id.chars().all(|c| c == '-' || c.is_ascii_hexdigit()),
            "{id}"
        );
        assert_ne!(request_id(), id);
    }
}
