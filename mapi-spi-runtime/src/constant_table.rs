//! The `constants!` macro that declares the MAPI vocabulary (codes, flags, tags): each constant
//! with its C name, its value in its rustdoc, and a table of all of them for the ABI tests.

/// Declares `pub const NAME: T = value;` items and a table `pub const TABLE: &[(&str, T)]` of
/// all of them with their C names, in order (for logs, and for the ABI tests that check every
/// value against the Windows headers).
///
/// Each constant's rustdoc starts with its C name and the number the headers, MAPI's
/// documentation and a debugger show. A table is one of two kinds:
/// - property tags, every item `NAME = prop_tag(PT_X, 0xIIII);` (the id in four hex digits):
///   "`NAME`: tag `0xIIIITTTT` (id `0xIIII`, `PT_X`)". `PT_TSTRING` marks the headers' `PR_X`
///   text tag, documented as the 8-bit tag with links to `PR_X_A` and `PR_X_W`;
/// - anything else, every item `NAME = literal;` or, for a value computed from other constants,
///   `NAME = expression => literal;`: "`NAME` = `literal`".
///
/// A macro cannot evaluate an expression into a doc string, so the number shown is text: the
/// literal, or for a tag the id's digits followed by the type's (from `tags::pt_hex!`). Each is
/// parsed back at compile time and compared with the constant, so a doc line that disagrees with
/// its value does not build.
macro_rules! constants {
    ($table:ident: $ty:ty; $($(#[$attr:meta])* $name:ident = prop_tag($pt:ident, $id:literal);)*) => {
        $(
            #[doc = $crate::tags::tag_doc!($name, $pt, $id)]
            #[doc = ""]
            $(#[$attr])*
            pub const $name: $ty = $crate::tags::prop_tag($pt, $id);
            const _: () = {
                let shown = concat!(stringify!($id), $crate::tags::pt_hex!($pt));
                assert!(
                    shown.len() == "0x".len() + 8,
                    concat!("write the id of ", stringify!($name), " in four hex digits"),
                );
                assert!(
                    matches!($crate::constant_table::doc_value(shown), Some(v) if v == $name as u64),
                    concat!("the doc line of ", stringify!($name), " shows another value"),
                );
            };
        )*
        /// Every constant above with its C name, in declaration order.
        pub const $table: &[(&str, $ty)] = &[$((stringify!($name), $name)),*];
    };
    ($table:ident: $ty:ty; $($(#[$attr:meta])* $name:ident = $value:expr $(=> $shown:literal)?;)*) => {
        $($crate::constant_table::constant!($(#[$attr])* $name: $ty = $value $(=> $shown)?);)*
        /// Every constant above with its C name, in declaration order.
        pub const $table: &[(&str, $ty)] = &[$((stringify!($name), $name)),*];
    };
}
pub(crate) use constants;

/// One constant of `constants!` that is not a property tag.
macro_rules! constant {
    ($(#[$attr:meta])* $name:ident: $ty:ty = $value:expr => $shown:literal) => {
        #[doc = concat!("`", stringify!($name), "` = `", stringify!($shown), "` (`", stringify!($value), "`)")]
        #[doc = ""]
        $(#[$attr])*
        pub const $name: $ty = $value;
        const _: () = assert!(
            matches!($crate::constant_table::doc_value(stringify!($shown)), Some(v) if v == $name as u64),
            concat!("the value shown for ", stringify!($name), " is not its value"),
        );
    };
    ($(#[$attr:meta])* $name:ident: $ty:ty = $value:expr) => {
        #[doc = concat!("`", stringify!($name), "` = `", stringify!($value), "`")]
        #[doc = ""]
        $(#[$attr])*
        pub const $name: $ty = $value;
        // Fails for a value that is not a literal: its doc line would show a name, not a number.
        const _: () = assert!(
            matches!($crate::constant_table::doc_value(stringify!($value)), Some(v) if v == $name as u64),
            concat!("write `", stringify!($name), " = expression => literal;`"),
        );
    };
}
pub(crate) use constant;

/// The integer a constant's doc line shows: a Rust integer literal without suffix, hexadecimal
/// (`0x3001_001F`) or decimal; `None` for anything else.
pub(crate) const fn doc_value(text: &str) -> Option<u64> {
    let bytes = text.as_bytes();
    let (radix, mut i) = if bytes.len() > 2 && bytes[0] == b'0' && bytes[1] == b'x' {
        (16, 2)
    } else {
        (10, 0)
    };
    if i == bytes.len() {
        return None;
    }
    let mut value: u64 = 0;
    while i < bytes.len() {
        let digit = match bytes[i] {
            b'_' => {
                i += 1;
                continue;
            }
            b @ b'0'..=b'9' => b - b'0',
            b @ b'a'..=b'f' => b - b'a' + 10,
            b @ b'A'..=b'F' => b - b'A' + 10,
            _ => return None,
        } as u64;
        if digit >= radix {
            return None;
        }
        value = match value.checked_mul(radix) {
            Some(v) => match v.checked_add(digit) {
                Some(v) => v,
                None => return None,
            },
            None => return None,
        };
        i += 1;
    }
    Some(value)
}
