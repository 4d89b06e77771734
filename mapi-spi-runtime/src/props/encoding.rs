//! A compact binary encoding of property lists, for a provider to keep the MAPI properties its
//! store's own format cannot carry (a Maildir keeps a folder's settings and its
//! folder-associated messages in files of their own), and to read them back.
//!
//! [`encode_props`] and [`decode_props`] do one list; [`Writer`] and [`Reader`] compose lists
//! with counts and flags into larger records (a whole message:
//! [`Message::to_bytes`](crate::provider::store::content::Message::to_bytes)).
//!
//! The format, version [`VERSION`]; integers little-endian, `n` an unsigned LEB128 number of
//! at most 32 bits:
//! ```text
//! encoded  := version:u8 list
//! list     := count:n property*
//! property := id:u16 type:u16 value          (type: the PT_ constant)
//! value    := nothing                        PT_NULL, PT_OBJECT
//!           | i16 | u32 | f32 | f64 | i64    PT_I2, PT_LONG, PT_R4, PT_DOUBLE and
//!                                            PT_APPTIME, PT_CURRENCY and PT_I8
//!           | u8 (0 or 1)                    PT_BOOLEAN
//!           | u32                            PT_ERROR (the HRESULT)
//!           | low:u32 high:u32               PT_SYSTIME
//!           | 16 bytes (u128 of the GUID)    PT_CLSID
//!           | len:n bytes                    PT_STRING8, PT_BINARY; PT_UNICODE as UTF-8
//!           | count:n element*               PT_MV_*: each element as its single type's
//! ```
//! Floats keep their bits. Named properties are their IDs (0x8000 and up): the store's
//! [`NamedProperties`](super::names::NamedProperties) map says what they name, and must be
//! kept with them.
//!
//! Written here rather than derived with serde for a format crate such as postcard (which the
//! Maildir's index uses): the runtime has no serde, and a derive on [`PropValue`] would put a
//! procedural macro in every provider's build of it; the engine's own checks (a value it
//! stores, the type a tag says) would still be needed after the decode; and a tag-typed list
//! is MAPI's own shape, a type and a value, which a derive would encode as an enum index.
//!
//! Decoding takes untrusted bytes: every length and count is checked against the bytes left
//! before anything is allocated for it, and anything that is not an encoding this module
//! writes (another version, an unknown type, a bad boolean, text that is not UTF-8, a value
//! the property engine does not store such as a text with a NUL or an empty multi-valued
//! property, bytes left over) is `MAPI_E_CORRUPT_DATA`, never a panic.

use windows_core::{GUID, HRESULT};

use super::{PropValue, Property};
use crate::codes::MAPI_E_CORRUPT_DATA;
use crate::tags::*;
use crate::types::FILETIME;

/// The format version [`encode_props`] and [`Writer::versioned`] write first, and the only one
/// [`decode_props`] and [`Reader::versioned`] read.
pub const VERSION: u8 = 1;

/// `props` encoded: the version, then the list.
pub fn encode_props(props: &[Property]) -> Vec<u8> {
    let mut writer = Writer::versioned();
    writer.props(props);
    writer.into_bytes()
}

/// A list [`encode_props`] encoded; `MAPI_E_CORRUPT_DATA` for anything else.
pub fn decode_props(bytes: &[u8]) -> Result<Vec<Property>, HRESULT> {
    let mut reader = Reader::versioned(bytes)?;
    let props = reader.props()?;
    reader.finish()?;
    Ok(props)
}

/// Writes the encoding (see the module documentation).
#[derive(Default)]
pub struct Writer {
    bytes: Vec<u8>,
}

impl Writer {
    /// A writer that starts with [`VERSION`].
    pub fn versioned() -> Self {
        Self {
            bytes: vec![VERSION],
        }
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// A byte (a flag, a kind).
    pub fn byte(&mut self, byte: u8) {
        self.bytes.push(byte);
    }

    /// A number or count, as LEB128.
    pub fn number(&mut self, mut n: u32) {
        loop {
            let low = (n & 0x7F) as u8;
            n >>= 7;
            if n == 0 {
                self.bytes.push(low);
                return;
            }
            self.bytes.push(low | 0x80);
        }
    }

    /// A count of items (at most `u32::MAX`: MAPI counts are ULONGs).
    pub fn count(&mut self, count: usize) {
        self.number(u32::try_from(count).expect("MAPI counts fit a ULONG"));
    }

    /// Bytes with their length first.
    pub fn bytes(&mut self, bytes: &[u8]) {
        self.count(bytes.len());
        self.bytes.extend_from_slice(bytes);
    }

    fn raw(&mut self, bytes: &[u8]) {
        self.bytes.extend_from_slice(bytes);
    }

    /// A property list.
    pub fn props(&mut self, props: &[Property]) {
        self.count(props.len());
        for prop in props {
            self.raw(&prop.id.to_le_bytes());
            self.raw(&(prop.value.prop_type() as u16).to_le_bytes());
            self.value(&prop.value);
        }
    }

    fn value(&mut self, value: &PropValue) {
        fn each<T>(w: &mut Writer, items: &[T], mut one: impl FnMut(&mut Writer, &T)) {
            w.count(items.len());
            for item in items {
                one(w, item);
            }
        }
        let filetime = |w: &mut Writer, t: &FILETIME| {
            w.raw(&t.dwLowDateTime.to_le_bytes());
            w.raw(&t.dwHighDateTime.to_le_bytes());
        };
        let guid = |w: &mut Writer, g: &GUID| w.raw(&g.to_u128().to_le_bytes());
        match value {
            PropValue::Null | PropValue::Object => {}
            PropValue::I2(v) => self.raw(&v.to_le_bytes()),
            PropValue::Long(v) => self.raw(&v.to_le_bytes()),
            PropValue::R4(v) => self.raw(&v.to_le_bytes()),
            PropValue::Double(v) | PropValue::AppTime(v) => self.raw(&v.to_le_bytes()),
            PropValue::Currency(v) | PropValue::I8(v) => self.raw(&v.to_le_bytes()),
            PropValue::Error(code) => self.raw(&code.0.to_le_bytes()),
            PropValue::Boolean(v) => self.byte(u8::from(*v)),
            PropValue::String8(b) | PropValue::Binary(b) => self.bytes(b),
            PropValue::Unicode(text) => self.bytes(text.as_bytes()),
            PropValue::SysTime(t) => filetime(self, t),
            PropValue::Clsid(g) => guid(self, g),
            PropValue::MvI2(v) => each(self, v, |w, x| w.raw(&x.to_le_bytes())),
            PropValue::MvLong(v) => each(self, v, |w, x| w.raw(&x.to_le_bytes())),
            PropValue::MvR4(v) => each(self, v, |w, x| w.raw(&x.to_le_bytes())),
            PropValue::MvDouble(v) | PropValue::MvAppTime(v) => {
                each(self, v, |w, x| w.raw(&x.to_le_bytes()))
            }
            PropValue::MvCurrency(v) | PropValue::MvI8(v) => {
                each(self, v, |w, x| w.raw(&x.to_le_bytes()))
            }
            PropValue::MvSysTime(v) => each(self, v, filetime),
            PropValue::MvString8(v) | PropValue::MvBinary(v) => each(self, v, |w, b| w.bytes(b)),
            PropValue::MvUnicode(v) => each(self, v, |w, s| w.bytes(s.as_bytes())),
            PropValue::MvClsid(v) => each(self, v, guid),
        }
    }
}

/// Reads the encoding from untrusted bytes (see the module documentation): every method
/// answers `MAPI_E_CORRUPT_DATA` where the bytes are not what it reads.
pub struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    /// A reader of `bytes` with no version first (a format with its own, such as the named
    /// property map's).
    pub fn new(bytes: &'a [u8]) -> Self {
        Self { rest: bytes }
    }

    /// A reader of `bytes` that start with [`VERSION`].
    pub fn versioned(bytes: &'a [u8]) -> Result<Self, HRESULT> {
        let mut reader = Self::new(bytes);
        if reader.byte()? != VERSION {
            return Err(MAPI_E_CORRUPT_DATA);
        }
        Ok(reader)
    }

    /// Whether every byte was read.
    pub fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    /// `MAPI_E_CORRUPT_DATA` unless every byte was read.
    pub fn finish(self) -> Result<(), HRESULT> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(MAPI_E_CORRUPT_DATA)
        }
    }

    /// The next `n` bytes.
    pub fn take(&mut self, n: usize) -> Result<&'a [u8], HRESULT> {
        let (head, tail) = self.rest.split_at_checked(n).ok_or(MAPI_E_CORRUPT_DATA)?;
        self.rest = tail;
        Ok(head)
    }

    /// The next `N` bytes, as an array.
    pub fn array<const N: usize>(&mut self) -> Result<[u8; N], HRESULT> {
        let (head, tail) = self
            .rest
            .split_first_chunk::<N>()
            .ok_or(MAPI_E_CORRUPT_DATA)?;
        self.rest = tail;
        Ok(*head)
    }

    pub fn byte(&mut self) -> Result<u8, HRESULT> {
        Ok(self.array::<1>()?[0])
    }

    /// A [`Writer::number`]: at most 5 bytes, no bits beyond 32, no needless trailing zero
    /// byte (one value, one encoding).
    pub fn number(&mut self) -> Result<u32, HRESULT> {
        let mut n: u32 = 0;
        for shift in (0..35).step_by(7) {
            let byte = self.byte()?;
            let bits = u32::from(byte & 0x7F);
            if shift == 28 && bits > 0x0F || shift > 0 && byte == 0 {
                return Err(MAPI_E_CORRUPT_DATA);
            }
            n |= bits << shift;
            if byte & 0x80 == 0 {
                return Ok(n);
            }
        }
        Err(MAPI_E_CORRUPT_DATA)
    }

    /// A count of items each at least `min_size` bytes long: no more than the bytes left can
    /// hold, so that nothing is allocated for items that are not there.
    pub fn count(&mut self, min_size: usize) -> Result<usize, HRESULT> {
        let count = self.number()? as usize;
        if count.saturating_mul(min_size.max(1)) > self.rest.len() {
            return Err(MAPI_E_CORRUPT_DATA);
        }
        Ok(count)
    }

    /// A [`Writer::bytes`].
    pub fn bytes(&mut self) -> Result<&'a [u8], HRESULT> {
        let len = self.count(1)?;
        self.take(len)
    }

    fn text(&mut self) -> Result<&'a str, HRESULT> {
        std::str::from_utf8(self.bytes()?).map_err(|_| MAPI_E_CORRUPT_DATA)
    }

    /// A [`Writer::props`] list.
    pub fn props(&mut self) -> Result<Vec<Property>, HRESULT> {
        // A property is at least its ID and type.
        let count = self.count(4)?;
        let mut props = Vec::with_capacity(count);
        for _ in 0..count {
            let id = u16::from_le_bytes(self.array()?);
            let prop_type = u32::from(u16::from_le_bytes(self.array()?));
            let value = self.value(prop_type)?;
            if !value.is_storable() {
                return Err(MAPI_E_CORRUPT_DATA);
            }
            props.push(Property::new(id, value));
        }
        Ok(props)
    }

    /// `count` elements of `size` bytes or more, each read by `one`.
    fn each<T>(
        &mut self,
        size: usize,
        mut one: impl FnMut(&mut Self) -> Result<T, HRESULT>,
    ) -> Result<Vec<T>, HRESULT> {
        let count = self.count(size)?;
        (0..count).map(|_| one(self)).collect()
    }

    fn value(&mut self, prop_type: u32) -> Result<PropValue, HRESULT> {
        fn filetime(r: &mut Reader<'_>) -> Result<FILETIME, HRESULT> {
            Ok(FILETIME {
                dwLowDateTime: u32::from_le_bytes(r.array()?),
                dwHighDateTime: u32::from_le_bytes(r.array()?),
            })
        }
        fn guid(r: &mut Reader<'_>) -> Result<GUID, HRESULT> {
            Ok(GUID::from_u128(u128::from_le_bytes(r.array()?)))
        }
        let i2 = |r: &mut Self| r.array().map(i16::from_le_bytes);
        let long = |r: &mut Self| r.array().map(u32::from_le_bytes);
        let r4 = |r: &mut Self| r.array().map(f32::from_le_bytes);
        let double = |r: &mut Self| r.array().map(f64::from_le_bytes);
        let i8 = |r: &mut Self| r.array().map(i64::from_le_bytes);
        let owned = |r: &mut Self| r.bytes().map(<[u8]>::to_vec);
        Ok(match prop_type {
            PT_NULL => PropValue::Null,
            PT_OBJECT => PropValue::Object,
            PT_I2 => PropValue::I2(i2(self)?),
            PT_LONG => PropValue::Long(long(self)?),
            PT_R4 => PropValue::R4(r4(self)?),
            PT_DOUBLE => PropValue::Double(double(self)?),
            PT_APPTIME => PropValue::AppTime(double(self)?),
            PT_CURRENCY => PropValue::Currency(i8(self)?),
            PT_I8 => PropValue::I8(i8(self)?),
            PT_ERROR => PropValue::Error(HRESULT(i32::from_le_bytes(self.array()?))),
            PT_BOOLEAN => PropValue::Boolean(match self.byte()? {
                0 => false,
                1 => true,
                _ => return Err(MAPI_E_CORRUPT_DATA),
            }),
            PT_STRING8 => PropValue::String8(owned(self)?),
            PT_BINARY => PropValue::Binary(owned(self)?),
            PT_UNICODE => PropValue::Unicode(self.text()?.into()),
            PT_SYSTIME => PropValue::SysTime(filetime(self)?),
            PT_CLSID => PropValue::Clsid(guid(self)?),
            PT_MV_I2 => PropValue::MvI2(self.each(2, i2)?),
            PT_MV_LONG => PropValue::MvLong(self.each(4, long)?),
            PT_MV_R4 => PropValue::MvR4(self.each(4, r4)?),
            PT_MV_DOUBLE => PropValue::MvDouble(self.each(8, double)?),
            PT_MV_APPTIME => PropValue::MvAppTime(self.each(8, double)?),
            PT_MV_CURRENCY => PropValue::MvCurrency(self.each(8, i8)?),
            PT_MV_I8 => PropValue::MvI8(self.each(8, i8)?),
            PT_MV_SYSTIME => PropValue::MvSysTime(self.each(8, filetime)?),
            PT_MV_CLSID => PropValue::MvClsid(self.each(16, guid)?),
            PT_MV_STRING8 => PropValue::MvString8(self.each(1, owned)?),
            PT_MV_BINARY => PropValue::MvBinary(self.each(1, owned)?),
            PT_MV_UNICODE => PropValue::MvUnicode(self.each(1, |r| r.text().map(str::to_owned))?),
            _ => return Err(MAPI_E_CORRUPT_DATA),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The round trip of every type, and cut, changed and random bytes: proptests in
    // tests/props_engine.rs, with the engine's value strategies.

    #[test]
    fn the_layout_is_the_documented_one() {
        let props = [
            Property::new(0x0037, PropValue::Unicode("é".into())),
            Property::new(0x8001, PropValue::MvLong(vec![1, 300])),
            Property::new(0x0E07, PropValue::Boolean(true)),
        ];
        let expected: Vec<u8> = [
            &[VERSION, 3][..],
            &[0x37, 0x00, 0x1F, 0x00, 2, 0xC3, 0xA9],
            &[0x01, 0x80, 0x03, 0x10, 2, 1, 0, 0, 0, 0x2C, 0x01, 0, 0],
            &[0x07, 0x0E, 0x0B, 0x00, 1],
        ]
        .concat();
        assert_eq!(encode_props(&props), expected);
    }

    #[test]
    fn what_the_engine_does_not_store_is_refused() {
        let corrupt = |props: &[Property]| decode_props(&encode_props(props));
        let nul = Property::new(0x37, PropValue::Unicode("a\0b".into()));
        let empty = Property::new(0x8000, PropValue::MvLong(Vec::new()));
        assert_eq!(corrupt(&[nul]), Err(MAPI_E_CORRUPT_DATA));
        assert_eq!(corrupt(&[empty]), Err(MAPI_E_CORRUPT_DATA));
        // Another version, an unknown type, a boolean 2, a huge count, a number too long.
        let bad: [&[u8]; 6] = [
            &[2, 0],
            &[VERSION, 1, 0, 0, 0x99, 0x00],
            &[VERSION, 1, 0, 0, 0x0B, 0x00, 2],
            &[VERSION, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F],
            &[VERSION, 0x80, 0x80, 0x80, 0x80, 0x80, 0],
            &[VERSION, 0x80, 0],
        ];
        for bytes in bad {
            assert_eq!(decode_props(bytes), Err(MAPI_E_CORRUPT_DATA), "{bytes:?}");
        }
        assert_eq!(decode_props(&[VERSION, 0]), Ok(Vec::new()));
    }
}
