//! S3's `aws-chunked` bodies, read back into the payload they carry: chunks
//! each signed in a chain that starts at the request's own signature
//! (`STREAMING-AWS4-HMAC-SHA256-PAYLOAD`, with signed trailing headers in its
//! `-TRAILER` form), or unsigned chunks followed by trailing checksums
//! (`STREAMING-UNSIGNED-PAYLOAD-TRAILER`). One pass over the body.

/// Trailing headers kept at most: S3 sends one checksum.
const MAX_TRAILERS: usize = 16;

/// The payload an `aws-chunked` body carries, and its trailing headers.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Decoded {
    pub(crate) payload: Vec<u8>,
    pub(crate) trailers: Vec<(String, String)>,
}

/// Trailing headers, in order: `(name, value)`.
pub(crate) type Trailers = [(String, String)];

/// How the chunks are signed: the running signature's seed and how a chunk
/// and the trailing headers are signed after a given signature.
pub(crate) struct ChunkSigning<'a> {
    pub(crate) seed: &'a str,
    pub(crate) chunk: &'a dyn Fn(&str, &[u8]) -> Option<String>,
    pub(crate) trailer: &'a dyn Fn(&str, &Trailers) -> Option<String>,
}

/// Why an `aws-chunked` body cannot be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ChunkError {
    /// The framing is not `SIZE[;chunk-signature=SIG]\r\nDATA\r\n`.
    #[error("the aws-chunked body is malformed: {0}")]
    Malformed(&'static str),
    /// A chunk's (or the trailer's) signature is not the one its key makes.
    #[error("the signature of aws-chunked chunk {0} does not match")]
    Signature(usize),
}

/// The next `\r\n`-ended line of `rest`, and what follows it.
fn line(rest: &[u8]) -> Result<(&str, &[u8]), ChunkError> {
    let end = rest
        .windows(2)
        .position(|w| w == b"\r\n")
        .ok_or(ChunkError::Malformed("a line does not end with CRLF"))?;
    let text = std::str::from_utf8(&rest[..end])
        .map_err(|_| ChunkError::Malformed("a chunk header is not text"))?;
    Ok((text, &rest[end + 2..]))
}

/// Reads `body`: signed chunks when `signing` is given, else unsigned ones.
pub(crate) fn decode(
    body: &[u8],
    signing: Option<&ChunkSigning<'_>>,
) -> Result<Decoded, ChunkError> {
    let mut decoded = Decoded::default();
    let mut previous = signing.map(|s| s.seed.to_owned());
    let mut rest = body;
    for index in 0.. {
        let (header, after) = line(rest)?;
        let (size, extension) = header.split_once(';').unwrap_or((header, ""));
        let size = usize::from_str_radix(size.trim(), 16)
            .map_err(|_| ChunkError::Malformed("a chunk size is not hexadecimal"))?;
        let data = after
            .get(..size)
            .ok_or(ChunkError::Malformed("a chunk is shorter than its size"))?;
        if let (Some(signing), Some(running)) = (signing, previous.as_mut()) {
            let given =
                extension
                    .trim()
                    .strip_prefix("chunk-signature=")
                    .ok_or(ChunkError::Malformed(
                        "a signed chunk has no chunk-signature",
                    ))?;
            let expected = (signing.chunk)(running, data).ok_or(ChunkError::Signature(index))?;
            if expected != given {
                return Err(ChunkError::Signature(index));
            }
            *running = expected;
        }
        decoded.payload.extend_from_slice(data);
        rest = &after[size..];
        if size == 0 {
            break;
        }
        rest = rest.strip_prefix(b"\r\n").ok_or(ChunkError::Malformed(
            "a chunk's data does not end with CRLF",
        ))?;
    }
    // The trailer: `name:value` lines up to an empty line (or the body's end).
    while !rest.is_empty() {
        let (text, after) = line(rest)?;
        rest = after;
        if text.is_empty() {
            break;
        }
        let (name, value) = text
            .split_once(':')
            .ok_or(ChunkError::Malformed("a trailing header is not name:value"))?;
        let name = name.trim().to_ascii_lowercase();
        if name == "x-amz-trailer-signature" {
            if let (Some(signing), Some(running)) = (signing, previous.as_ref()) {
                let expected = (signing.trailer)(running, &decoded.trailers)
                    .ok_or(ChunkError::Signature(usize::MAX))?;
                if expected != value.trim() {
                    return Err(ChunkError::Signature(usize::MAX));
                }
            }
            continue;
        }
        if decoded.trailers.len() >= MAX_TRAILERS {
            return Err(ChunkError::Malformed("too many trailing headers"));
        }
        decoded.trailers.push((name, value.trim().to_owned()));
    }
    Ok(decoded)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // tests may fail loudly

    use super::*;

    #[test]
    fn unsigned_chunks_and_their_checksum_are_read_back() {
        let body = b"5\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n";
        let decoded = decode(body, None).unwrap();
        assert_eq!(decoded.payload, b"hello world");
        assert_eq!(
            decoded.trailers,
            [("x-amz-checksum-crc32".to_owned(), "DUoRhQ==".to_owned())]
        );
    }

    #[test]
    fn signed_chunks_chain_from_the_seed() {
        // A stand-in signer: the previous signature and the data, joined.
        let chunk = |previous: &str, data: &[u8]| {
            Some(format!("{previous}+{}", String::from_utf8_lossy(data)))
        };
        let trailer = |previous: &str, _: &[(String, String)]| Some(format!("{previous}/t"));
        let signing = ChunkSigning {
            seed: "s",
            chunk: &chunk,
            trailer: &trailer,
        };
        let body = b"2;chunk-signature=s+ab\r\nab\r\n0;chunk-signature=s+ab+\r\n\r\n";
        assert_eq!(decode(body, Some(&signing)).unwrap().payload, b"ab");
        let tampered = b"2;chunk-signature=s+ab\r\nac\r\n0;chunk-signature=s+ac+\r\n\r\n";
        assert_eq!(
            decode(tampered, Some(&signing)),
            Err(ChunkError::Signature(0))
        );
        let unsigned = b"2\r\nab\r\n0\r\n\r\n";
        assert!(matches!(
            decode(unsigned, Some(&signing)),
            Err(ChunkError::Malformed(_))
        ));
        let with_trailer = b"2;chunk-signature=s+ab\r\nab\r\n0;chunk-signature=s+ab+\r\nx-amz-checksum-crc32:X\r\nx-amz-trailer-signature:s+ab+/t\r\n\r\n";
        assert_eq!(
            decode(with_trailer, Some(&signing)).unwrap().trailers.len(),
            1
        );
        let bad_trailer = b"2;chunk-signature=s+ab\r\nab\r\n0;chunk-signature=s+ab+\r\nx-amz-checksum-crc32:X\r\nx-amz-trailer-signature:nope\r\n\r\n";
        assert!(decode(bad_trailer, Some(&signing)).is_err());
    }

    #[test]
    fn short_or_unframed_bodies_are_refused() {
        for body in [
            &b"5\r\nhel"[..],
            b"zz\r\n",
            b"5\r\nhelloXX0\r\n\r\n",
            b"no line end",
        ] {
            assert!(
                matches!(decode(body, None), Err(ChunkError::Malformed(_))),
                "{body:?}"
            );
        }
    }
}
