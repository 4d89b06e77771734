//! Parsing the IID literal of `#[mapi_interface("...")]`.

/// Parses `"XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX"` (braces allowed) into the `u128` that
/// `GUID::from_u128` takes. The error says what is wrong with the text.
pub fn parse(text: &str) -> Result<u128, String> {
    let inner = match text.strip_prefix('{') {
        Some(rest) => rest
            .strip_suffix('}')
            .ok_or_else(|| "the opening `{` has no closing `}`".to_string())?,
        None => text,
    };
    const GROUP_LENGTHS: [usize; 5] = [8, 4, 4, 4, 12];
    let groups: Vec<&str> = inner.split('-').collect();
    if groups.len() != GROUP_LENGTHS.len() {
        return Err(format!(
            "an IID has 5 groups of hex digits separated by `-` (8-4-4-4-12); found {}",
            groups.len()
        ));
    }
    let mut value: u128 = 0;
    for (index, (group, expected)) in groups.iter().zip(GROUP_LENGTHS).enumerate() {
        if group.len() != expected {
            return Err(format!(
                "group {} of the IID has {} digits; it must have {expected} (8-4-4-4-12)",
                index + 1,
                group.len()
            ));
        }
        if let Some(bad) = group.chars().find(|c| !c.is_ascii_hexdigit()) {
            return Err(format!(
                "`{bad}` in group {} of the IID is not a hex digit",
                index + 1
            ));
        }
        let digits = u128::from_str_radix(group, 16).expect("checked hex digits");
        value = (value << (4 * expected)) | digits;
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn parses_with_and_without_braces() {
        let expected = 0x00020310_0000_0000_c000_000000000046;
        assert_eq!(parse("00020310-0000-0000-C000-000000000046"), Ok(expected));
        assert_eq!(
            parse("{00020310-0000-0000-c000-000000000046}"),
            Ok(expected)
        );
    }

    #[test]
    fn explains_what_is_wrong() {
        assert!(
            parse("00020310-0000-0000-C000")
                .unwrap_err()
                .contains("found 4")
        );
        assert!(
            parse("0002031-0000-0000-C000-000000000046")
                .unwrap_err()
                .contains("group 1")
        );
        assert!(
            parse("00020310-0000-0000-C00G-000000000046")
                .unwrap_err()
                .contains("`G`")
        );
        assert!(
            parse("{00020310-0000-0000-C000-000000000046")
                .unwrap_err()
                .contains("`}`")
        );
    }
}
