//! Percent-encoding for query values, shared by the UI (links it builds) and the server
//! (the `next=` of a login redirect). Pure, so it runs on both sides alike.

/// Encodes everything but RFC 3986 unreserved characters.
pub fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The inverse of `percent_encode` (also reads `+` as a space, as forms send it);
/// malformed escapes are kept as they are.
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                match u8::from_str_radix(
                    std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("zz"),
                    16,
                ) {
                    Ok(b) => {
                        out.push(b);
                        i += 3;
                        continue;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    #[test]
    fn decode_inverts_encode() {
        for s in ["三一 A&B", "/customers?q=1", "31-60", "100%", "a+b"] {
            assert_eq!(super::percent_decode(&super::percent_encode(s)), s);
        }
        assert_eq!(super::percent_decode("a+b%2"), "a b%2");
    }

    #[test]
    fn escapes_non_ascii_and_reserved() {
        assert_eq!(
            super::percent_encode("三一 A&B"),
            "%E4%B8%89%E4%B8%80%20A%26B"
        );
        assert_eq!(
            super::percent_encode("/customers?q=1"),
            "%2Fcustomers%3Fq%3D1"
        );
    }
}
