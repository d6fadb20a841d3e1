//! Percent-encoding for query values, shared by the UI (links it builds) and the server
//! (the `next=` of a login redirect). Pure, so it runs on both sides alike.

/// Encodes everything but RFC 3986 unreserved characters.
pub fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_non_ascii_and_reserved() {
        assert_eq!(super::percent_encode("三一 A&B"), "%E4%B8%89%E4%B8%80%20A%26B");
        assert_eq!(super::percent_encode("/customers?q=1"), "%2Fcustomers%3Fq%3D1");
    }
}
