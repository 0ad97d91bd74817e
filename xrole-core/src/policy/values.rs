//! How condition values read, per operator family: numbers, dates, booleans, IP
//! ranges, base64. Validation and evaluation both read values through these.

use std::net::IpAddr;

use time::format_description::well_known::{Iso8601, Rfc3339};

/// A number, as `Numeric*` operators read it.
pub fn parse_number(s: &str) -> Option<f64> {
    let s = s.trim();
    if s.is_empty() || s.eq_ignore_ascii_case("nan") || s.to_ascii_lowercase().contains("inf") {
        return None;
    }
    s.parse::<f64>().ok()
}

/// A date as `Date*` operators read it, in milliseconds since the Unix epoch:
/// ISO 8601 (`2026-01-31`, `2026-01-31T12:00:00Z`, with an offset or fractions) or
/// epoch seconds (`1767225600`).
pub fn parse_date(s: &str) -> Option<i64> {
    let s = s.trim();
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse::<i64>().ok()?.checked_mul(1000);
    }
    let millis = |t: time::OffsetDateTime| i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok();
    if let Ok(t) = time::OffsetDateTime::parse(s, &Rfc3339) {
        return millis(t);
    }
    if let Ok(t) = time::OffsetDateTime::parse(s, &Iso8601::DEFAULT) {
        return millis(t);
    }
    if let Ok(t) = time::PrimitiveDateTime::parse(s, &Iso8601::DEFAULT) {
        return millis(t.assume_utc());
    }
    if let Ok(d) = time::Date::parse(s, &Iso8601::DEFAULT) {
        return millis(d.midnight().assume_utc());
    }
    None
}

/// `true` or `false`, in any case, as `Bool` and `Null` read them.
pub fn parse_bool(s: &str) -> Option<bool> {
    if s.eq_ignore_ascii_case("true") {
        Some(true)
    } else if s.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// An address range as `IpAddress` reads it: `203.0.113.0/24`, `2001:db8::/32`, or a
/// single address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// Parses `address[/prefix]`.
    pub fn parse(s: &str) -> Option<Self> {
        let (addr, prefix) = match s.trim().split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s.trim(), None),
        };
        let network: IpAddr = addr.parse().ok()?;
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => {
                p.parse::<u8>().ok()?
            }
            Some(_) => return None,
            None => max,
        };
        (prefix <= max).then_some(Self { network, prefix })
    }

    /// Whether `ip` is in the range (an IPv4 range never holds an IPv6 address).
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.network, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// Whether `s` is base64 text, as `BinaryEquals` takes it.
pub fn is_base64(s: &str) -> bool {
    let b = s.as_bytes();
    if b.is_empty() || !b.len().is_multiple_of(4) {
        return false;
    }
    let pad = b.iter().rev().take_while(|&&c| c == b'=').count();
    pad <= 2
        && b[..b.len() - pad]
            .iter()
            .all(|&c| c.is_ascii_alphanumeric() || c == b'+' || c == b'/')
}
