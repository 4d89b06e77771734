//! Owned property values ([`PropValue`], [`Property`]): read from a caller's `SPropValue`
//! ([`Property::from_raw`]) and written into one MAPI block ([`props_block`]).
//!
//! Reading checks what a C caller can get wrong (an unknown type, a NULL pointer with a
//! non-zero count, UTF-16 that is not text) and answers an error instead of reading through
//! it. Writing goes through [`alloc::props`](crate::alloc::props), the one-block builder: a
//! whole result is one `MAPIAllocateBuffer`, freed by one `MAPIFreeBuffer`.

use core::mem::MaybeUninit;
use std::borrow::Cow;
use windows_core::{Error, GUID, HRESULT};

use super::{Text, ansi};
use crate::alloc::builders::invalid;
use crate::alloc::props::{PropValue as WireProp, Value};
use crate::alloc::{AllocatorSet, RootBuf};
use crate::codes::MAPI_E_INVALID_TYPE;
use crate::tags::*;
use crate::types::{FILETIME, PV, SArray, SBinary, SPropValue};

/// The value of a property: one variant per MAPI type, single- and multi-valued, owning its
/// data.
///
/// Text: `PT_UNICODE` is a [`Text`] (UTF-16 on the wire); `PT_STRING8` is the bytes the
/// client gave, in its ANSI code page, converted only on request (see [`ansi`] for the rule
/// and why it never loses data silently). Neither contains a NUL: MAPI strings end at the
/// first one.
#[derive(Clone, Debug, PartialEq)]
pub enum PropValue {
    /// `PT_NULL`
    Null,
    /// `PT_I2`
    I2(i16),
    /// `PT_LONG` (`Value.l` and `Value.ul` are the same bits; flags read better unsigned).
    Long(u32),
    /// `PT_R4`
    R4(f32),
    /// `PT_DOUBLE`
    Double(f64),
    /// `PT_CURRENCY`: the amount times 10,000 (`CY`).
    Currency(i64),
    /// `PT_APPTIME`: days since 30 December 1899, as an OLE date.
    AppTime(f64),
    /// `PT_ERROR`: why there is no value.
    Error(HRESULT),
    /// `PT_BOOLEAN`: MAPI's `unsigned short`, any non-zero value being true.
    Boolean(bool),
    /// `PT_OBJECT`: a marker; the value itself is opened with `OpenProperty`.
    Object,
    /// `PT_I8`
    I8(i64),
    /// `PT_STRING8`: 8-bit text in the client's ANSI code page, without NUL.
    String8(Vec<u8>),
    /// `PT_UNICODE`, without NUL: owned, static or shared ([`Text`]).
    Unicode(Text),
    /// `PT_SYSTIME`: 100 ns intervals since 1601 (UTC).
    SysTime(FILETIME),
    /// `PT_CLSID`
    Clsid(GUID),
    /// `PT_BINARY`
    Binary(Vec<u8>),
    /// `PT_MV_I2`
    MvI2(Vec<i16>),
    /// `PT_MV_LONG`
    MvLong(Vec<u32>),
    /// `PT_MV_R4`
    MvR4(Vec<f32>),
    /// `PT_MV_DOUBLE`
    MvDouble(Vec<f64>),
    /// `PT_MV_CURRENCY`
    MvCurrency(Vec<i64>),
    /// `PT_MV_APPTIME`
    MvAppTime(Vec<f64>),
    /// `PT_MV_SYSTIME`
    MvSysTime(Vec<FILETIME>),
    /// `PT_MV_STRING8`
    MvString8(Vec<Vec<u8>>),
    /// `PT_MV_UNICODE`
    MvUnicode(Vec<String>),
    /// `PT_MV_BINARY`
    MvBinary(Vec<Vec<u8>>),
    /// `PT_MV_CLSID`
    MvClsid(Vec<GUID>),
    /// `PT_MV_I8`
    MvI8(Vec<i64>),
}

impl PropValue {
    /// The `PT_` type of this value.
    pub fn prop_type(&self) -> u32 {
        match self {
            PropValue::Null => PT_NULL,
            PropValue::I2(_) => PT_I2,
            PropValue::Long(_) => PT_LONG,
            PropValue::R4(_) => PT_R4,
            PropValue::Double(_) => PT_DOUBLE,
            PropValue::Currency(_) => PT_CURRENCY,
            PropValue::AppTime(_) => PT_APPTIME,
            PropValue::Error(_) => PT_ERROR,
            PropValue::Boolean(_) => PT_BOOLEAN,
            PropValue::Object => PT_OBJECT,
            PropValue::I8(_) => PT_I8,
            PropValue::String8(_) => PT_STRING8,
            PropValue::Unicode(_) => PT_UNICODE,
            PropValue::SysTime(_) => PT_SYSTIME,
            PropValue::Clsid(_) => PT_CLSID,
            PropValue::Binary(_) => PT_BINARY,
            PropValue::MvI2(_) => PT_MV_I2,
            PropValue::MvLong(_) => PT_MV_LONG,
            PropValue::MvR4(_) => PT_MV_R4,
            PropValue::MvDouble(_) => PT_MV_DOUBLE,
            PropValue::MvCurrency(_) => PT_MV_CURRENCY,
            PropValue::MvAppTime(_) => PT_MV_APPTIME,
            PropValue::MvSysTime(_) => PT_MV_SYSTIME,
            PropValue::MvString8(_) => PT_MV_STRING8,
            PropValue::MvUnicode(_) => PT_MV_UNICODE,
            PropValue::MvBinary(_) => PT_MV_BINARY,
            PropValue::MvClsid(_) => PT_MV_CLSID,
            PropValue::MvI8(_) => PT_MV_I8,
        }
    }

    /// This value borrowed as the one-block builder's [`Value`].
    pub fn as_value(&self) -> Value<'_> {
        fn borrowed<T: Clone>(v: &[T]) -> Cow<'_, [T]> {
            Cow::Borrowed(v)
        }
        fn slices(v: &[Vec<u8>]) -> Vec<Cow<'_, [u8]>> {
            v.iter().map(|b| Cow::Borrowed(b.as_slice())).collect()
        }
        match self {
            PropValue::Null => Value::Null,
            PropValue::I2(v) => Value::I2(*v),
            PropValue::Long(v) => Value::Long(*v),
            PropValue::R4(v) => Value::R4(*v),
            PropValue::Double(v) => Value::Double(*v),
            PropValue::Currency(v) => Value::Currency(*v),
            PropValue::AppTime(v) => Value::AppTime(*v),
            PropValue::Error(v) => Value::Error(*v),
            PropValue::Boolean(v) => Value::Boolean(*v),
            PropValue::Object => Value::Object,
            PropValue::I8(v) => Value::I8(*v),
            PropValue::String8(v) => Value::String8(borrowed(v)),
            PropValue::Unicode(v) => Value::Unicode(Cow::Borrowed(v)),
            PropValue::SysTime(v) => Value::SysTime(*v),
            PropValue::Clsid(v) => Value::Clsid(*v),
            PropValue::Binary(v) => Value::Binary(borrowed(v)),
            PropValue::MvI2(v) => Value::MvI2(borrowed(v)),
            PropValue::MvLong(v) => Value::MvLong(borrowed(v)),
            PropValue::MvR4(v) => Value::MvR4(borrowed(v)),
            PropValue::MvDouble(v) => Value::MvDouble(borrowed(v)),
            PropValue::MvCurrency(v) => Value::MvCurrency(borrowed(v)),
            PropValue::MvAppTime(v) => Value::MvAppTime(borrowed(v)),
            PropValue::MvSysTime(v) => Value::MvSysTime(borrowed(v)),
            PropValue::MvString8(v) => Value::MvString8(slices(v)),
            PropValue::MvUnicode(v) => Value::MvUnicode(v.iter().map(|s| s.into()).collect()),
            PropValue::MvBinary(v) => Value::MvBinary(slices(v)),
            PropValue::MvClsid(v) => Value::MvClsid(borrowed(v)),
            PropValue::MvI8(v) => Value::MvI8(borrowed(v)),
        }
    }

    /// This value as the one-block builder's [`Value`], owning its data (no copy of strings,
    /// binaries or arrays): for values made on the fly, such as converted text.
    pub fn into_value(self) -> Value<'static> {
        fn owned<T: Clone>(v: Vec<T>) -> Cow<'static, [T]> {
            Cow::Owned(v)
        }
        match self {
            PropValue::String8(v) => Value::String8(owned(v)),
            PropValue::Unicode(v) => Value::Unicode(Cow::Owned(v.into_string())),
            PropValue::Binary(v) => Value::Binary(owned(v)),
            PropValue::MvI2(v) => Value::MvI2(owned(v)),
            PropValue::MvLong(v) => Value::MvLong(owned(v)),
            PropValue::MvR4(v) => Value::MvR4(owned(v)),
            PropValue::MvDouble(v) => Value::MvDouble(owned(v)),
            PropValue::MvCurrency(v) => Value::MvCurrency(owned(v)),
            PropValue::MvAppTime(v) => Value::MvAppTime(owned(v)),
            PropValue::MvSysTime(v) => Value::MvSysTime(owned(v)),
            PropValue::MvString8(v) => Value::MvString8(v.into_iter().map(Cow::Owned).collect()),
            PropValue::MvUnicode(v) => Value::MvUnicode(v.into_iter().map(Cow::Owned).collect()),
            PropValue::MvBinary(v) => Value::MvBinary(v.into_iter().map(Cow::Owned).collect()),
            PropValue::MvClsid(v) => Value::MvClsid(owned(v)),
            PropValue::MvI8(v) => Value::MvI8(owned(v)),
            // Nothing to own: the borrowed form has no borrow.
            PropValue::Null => Value::Null,
            PropValue::I2(v) => Value::I2(v),
            PropValue::Long(v) => Value::Long(v),
            PropValue::R4(v) => Value::R4(v),
            PropValue::Double(v) => Value::Double(v),
            PropValue::Currency(v) => Value::Currency(v),
            PropValue::AppTime(v) => Value::AppTime(v),
            PropValue::Error(v) => Value::Error(v),
            PropValue::Boolean(v) => Value::Boolean(v),
            PropValue::Object => Value::Object,
            PropValue::I8(v) => Value::I8(v),
            PropValue::SysTime(v) => Value::SysTime(v),
            PropValue::Clsid(v) => Value::Clsid(v),
        }
    }

    /// Whether this is text (`PT_STRING8`, `PT_UNICODE` or their multi-valued forms).
    pub fn is_text(&self) -> bool {
        is_text_type(self.prop_type())
    }

    /// This value with its text in the width asked for (`unicode`: UTF-16, else 8-bit);
    /// anything else, and text already in that width, is borrowed unchanged. 8-bit text
    /// always converts; Unicode text with a character outside the 8-bit code page is an
    /// error (see [`ansi`]).
    pub fn with_text_width(&self, unicode: bool) -> Result<Cow<'_, Self>, ansi::Unrepresentable> {
        Ok(Cow::Owned(match (self, unicode) {
            (PropValue::String8(bytes), true) => PropValue::Unicode(ansi::decode(bytes).into()),
            (PropValue::MvString8(all), true) => {
                PropValue::MvUnicode(all.iter().map(|b| ansi::decode(b)).collect())
            }
            (PropValue::Unicode(text), false) => PropValue::String8(ansi::encode(text)?),
            (PropValue::MvUnicode(all), false) => PropValue::MvString8(
                all.iter()
                    .map(|t| ansi::encode(t))
                    .collect::<Result<_, _>>()?,
            ),
            _ => return Ok(Cow::Borrowed(self)),
        }))
    }

    /// The bytes this value adds to a `GetProps` block beyond its `SPropValue` (text with its
    /// NUL, binaries, arrays and what their elements point to, as the one-block builder lays
    /// them out): what a size limit is checked against. `usize::MAX` for a value no block can
    /// hold (text with a NUL inside).
    pub fn data_size(&self) -> usize {
        let one = [WireProp::new(0, self.as_value())];
        crate::alloc::props::props_size(&one)
            .map_or(usize::MAX, |size| size - size_of::<SPropValue>())
    }

    /// Whether this value can be stored as a property and returned by `GetProps`: no NUL
    /// inside text (MAPI would see it cut short), and at least one value in a multi-valued
    /// property (`GetProps` must not return an empty one).
    // Inlined: a table checks every property of every row it is given, most of them numbers.
    #[inline]
    pub fn is_storable(&self) -> bool {
        // 16 bytes at a time, every byte of a block looked at with no early exit, so that a
        // block is a few vector instructions: texts are mostly short, and memchr's setup cost
        // more than the scan.
        fn text8(b: &[u8]) -> bool {
            fn nul(bytes: &[u8]) -> bool {
                bytes.iter().fold(false, |nul, &byte| nul | (byte == 0))
            }
            let (blocks, tail) = b.as_chunks::<16>();
            !(blocks.iter().any(|block| nul(block)) || nul(tail))
        }
        fn text(t: &str) -> bool {
            // UTF-8 has a 0 byte only for U+0000.
            text8(t.as_bytes())
        }
        match self {
            PropValue::String8(b) => text8(b),
            PropValue::Unicode(t) => text(t),
            PropValue::MvString8(v) => !v.is_empty() && v.iter().all(|b| text8(b)),
            PropValue::MvUnicode(v) => !v.is_empty() && v.iter().all(|t| text(t)),
            PropValue::MvBinary(v) => !v.is_empty(),
            PropValue::MvI2(v) => !v.is_empty(),
            PropValue::MvLong(v) => !v.is_empty(),
            PropValue::MvR4(v) => !v.is_empty(),
            PropValue::MvDouble(v) | PropValue::MvAppTime(v) => !v.is_empty(),
            PropValue::MvCurrency(v) | PropValue::MvI8(v) => !v.is_empty(),
            PropValue::MvSysTime(v) => !v.is_empty(),
            PropValue::MvClsid(v) => !v.is_empty(),
            _ => true,
        }
    }
}

/// Whether `prop_type` is text: `PT_STRING8`, `PT_UNICODE` or their multi-valued forms.
pub fn is_text_type(prop_type: u32) -> bool {
    matches!(prop_type & !MV_FLAG, PT_STRING8 | PT_UNICODE)
}

/// Whether `prop_type` is a type a property value can have: every single-valued type, and the
/// multi-valued forms of the twelve types MAPI defines them for. `PT_UNSPECIFIED` (only in
/// requests), `MV_INSTANCE` (tables only) and unknown types are not.
pub fn is_value_type(prop_type: u32) -> bool {
    matches!(
        prop_type,
        PT_NULL
            | PT_I2
            | PT_LONG
            | PT_R4
            | PT_DOUBLE
            | PT_CURRENCY
            | PT_APPTIME
            | PT_ERROR
            | PT_BOOLEAN
            | PT_OBJECT
            | PT_I8
            | PT_STRING8
            | PT_UNICODE
            | PT_SYSTIME
            | PT_CLSID
            | PT_BINARY
            | PT_MV_I2
            | PT_MV_LONG
            | PT_MV_R4
            | PT_MV_DOUBLE
            | PT_MV_CURRENCY
            | PT_MV_APPTIME
            | PT_MV_SYSTIME
            | PT_MV_STRING8
            | PT_MV_UNICODE
            | PT_MV_BINARY
            | PT_MV_CLSID
            | PT_MV_I8
    )
}

/// A property: its ID and its value. The tag is derived from both, so it cannot disagree with
/// the value's type.
#[derive(Clone, Debug, PartialEq)]
pub struct Property {
    pub id: u16,
    pub value: PropValue,
}

impl Property {
    pub fn new(id: u16, value: PropValue) -> Self {
        Self { id, value }
    }

    /// The property `tag` names (its type is the value's, not the tag's).
    pub fn for_tag(tag: u32, value: PropValue) -> Self {
        // A property ID is the tag's upper 16 bits.
        Self::new(prop_id(tag) as u16, value)
    }

    /// The `PT_ERROR` entry for the property `tag` names.
    pub fn error(tag: u32, code: HRESULT) -> Self {
        Self::for_tag(tag, PropValue::Error(code))
    }

    /// `ulPropTag`: `PROP_TAG(value's type, id)`.
    pub fn tag(&self) -> u32 {
        prop_tag(self.value.prop_type(), u32::from(self.id))
    }

    /// Reads a caller's `SPropValue` into an owned property.
    ///
    /// Errors, with nothing read past what was valid:
    /// - `MAPI_E_INVALID_TYPE`: the tag's type is not a value type ([`is_value_type`]):
    ///   `PT_UNSPECIFIED`, `MV_INSTANCE`, a multi-valued form MAPI does not define, or unknown;
    /// - `MAPI_E_INVALID_PARAMETER`: a NULL pointer where the type needs one (a string, a
    ///   GUID, an array or binary with a non-zero count), or `PT_UNICODE` text that is not
    ///   UTF-16 (an unpaired surrogate cannot become a `String` without loss).
    ///
    /// A `PT_BOOLEAN` reads as `true` for any non-zero value (MAPI's rule), so it is written
    /// back as 1.
    ///
    /// # Safety
    ///
    /// The member of `value.Value` the tag's type selects must be initialised, and its
    /// non-NULL pointers must point to what that type says: NUL-terminated strings, `cb`
    /// bytes, `cValues` elements (the pointers may be unaligned).
    pub unsafe fn from_raw(value: &SPropValue) -> crate::com::Result<Property> {
        let tag = value.ulPropTag;
        let pv = &value.Value;
        // SAFETY: the member read is the one the tag's type selects (caller).
        let value = unsafe { read_value(prop_type(tag), pv)? };
        Ok(Property::for_tag(tag, value))
    }
}

/// # Safety
///
/// As [`Property::from_raw`], for the member `prop_type` selects.
unsafe fn read_value(prop_type: u32, pv: &PV) -> crate::com::Result<PropValue> {
    // SAFETY (for the whole block): each arm reads the union member its type selects, which
    // the caller initialised; the readers below check pointers before following them.
    // SAFETY: each arm reads the union member its type selects, which the caller initialised; the
    // readers below check pointers before following them.
    unsafe {
        Ok(match prop_type {
            PT_NULL => PropValue::Null,
            PT_I2 => PropValue::I2(pv.i),
            PT_LONG => PropValue::Long(pv.ul),
            PT_R4 => PropValue::R4(pv.flt),
            PT_DOUBLE => PropValue::Double(pv.dbl),
            PT_CURRENCY => PropValue::Currency(pv.cur),
            PT_APPTIME => PropValue::AppTime(pv.at),
            PT_ERROR => PropValue::Error(HRESULT(pv.err)),
            PT_BOOLEAN => PropValue::Boolean(pv.b != 0),
            PT_OBJECT => PropValue::Object,
            PT_I8 => PropValue::I8(pv.li),
            PT_STRING8 => PropValue::String8(string8(pv.lpszA)?),
            PT_UNICODE => PropValue::Unicode(unicode(pv.lpszW)?.into()),
            PT_SYSTIME => PropValue::SysTime(pv.ft),
            PT_CLSID => PropValue::Clsid(array(pv.lpguid, 1)?.pop().ok_or_else(invalid)?),
            PT_BINARY => PropValue::Binary(binary(pv.bin)?),
            PT_MV_I2 => PropValue::MvI2(mv(pv.MVi)?),
            PT_MV_LONG => PropValue::MvLong(mv(pv.MVl)?.into_iter().map(|l| l as u32).collect()),
            PT_MV_R4 => PropValue::MvR4(mv(pv.MVflt)?),
            PT_MV_DOUBLE => PropValue::MvDouble(mv(pv.MVdbl)?),
            PT_MV_CURRENCY => PropValue::MvCurrency(mv(pv.MVcur)?),
            PT_MV_APPTIME => PropValue::MvAppTime(mv(pv.MVat)?),
            PT_MV_SYSTIME => PropValue::MvSysTime(mv(pv.MVft)?),
            PT_MV_CLSID => PropValue::MvClsid(mv(pv.MVguid)?),
            PT_MV_I8 => PropValue::MvI8(mv(pv.MVli)?),
            PT_MV_STRING8 => PropValue::MvString8(each(pv.MVszA, |p| string8(p))?),
            PT_MV_UNICODE => PropValue::MvUnicode(each(pv.MVszW, |p| unicode(p))?),
            PT_MV_BINARY => PropValue::MvBinary(each(pv.MVbin, |b| binary(b))?),
            _ => return Err(Error::from_hresult(MAPI_E_INVALID_TYPE)),
        })
    }
}

/// Copies `count` elements from `ptr`, which may be unaligned (a 4-aligned host block holding
/// 8-byte values) and may be NULL only when `count` is 0.
///
/// # Safety
///
/// A non-NULL `ptr` points to `count` initialised `T`s.
unsafe fn array<T: Copy>(ptr: *const T, count: u32) -> crate::com::Result<Vec<T>> {
    if count == 0 {
        return Ok(Vec::new());
    }
    if ptr.is_null() {
        return Err(invalid());
    }
    // SAFETY: `count` elements are readable from `ptr` (caller); unaligned reads.
    Ok((0..count as usize)
        .map(|i| unsafe { ptr.add(i).read_unaligned() })
        .collect())
}

/// # Safety
///
/// As [`array`], for the array's own pointer and count.
unsafe fn mv<T: Copy>(values: SArray<T>) -> crate::com::Result<Vec<T>> {
    // SAFETY: forwarded.
    unsafe { array(values.lp, values.cValues) }
}

/// Reads each element of a multi-valued array with `read`.
///
/// # Safety
///
/// As [`array`]; `read` is given each element as stored.
unsafe fn each<T: Copy, R>(
    values: SArray<T>,
    read: impl Fn(T) -> crate::com::Result<R>,
) -> crate::com::Result<Vec<R>> {
    // SAFETY: forwarded.
    unsafe { array(values.lp, values.cValues) }?
        .into_iter()
        .map(read)
        .collect()
}

/// The units of a NUL-terminated string, without the NUL.
///
/// # Safety
///
/// A non-NULL `ptr` points to a NUL-terminated string of `T`s (possibly unaligned).
unsafe fn terminated<T: Copy + Default + PartialEq>(ptr: *const T) -> crate::com::Result<Vec<T>> {
    if ptr.is_null() {
        return Err(invalid());
    }
    let mut units = Vec::new();
    loop {
        // SAFETY: every unit up to the NUL is readable (caller).
        let unit = unsafe { ptr.add(units.len()).read_unaligned() };
        if unit == T::default() {
            return Ok(units);
        }
        units.push(unit);
    }
}

/// # Safety
///
/// As [`terminated`].
unsafe fn string8(ptr: *const u8) -> crate::com::Result<Vec<u8>> {
    // SAFETY: forwarded.
    unsafe { terminated(ptr) }
}

/// # Safety
///
/// As [`terminated`].
unsafe fn unicode(ptr: *const u16) -> crate::com::Result<String> {
    // SAFETY: forwarded.
    let units = unsafe { terminated(ptr) }?;
    String::from_utf16(&units).map_err(|_| invalid())
}

/// # Safety
///
/// A non-NULL `bin.lpb` points to `bin.cb` bytes.
unsafe fn binary(bin: SBinary) -> crate::com::Result<Vec<u8>> {
    // SAFETY: forwarded.
    unsafe { array(bin.lpb, bin.cb) }
}

/// Reads `count` `SPropValue`s from a caller's array (`SetProps`' `cValues` and
/// `lpPropArray`), stopping at the first that [`Property::from_raw`] refuses.
///
/// `MAPI_E_INVALID_PARAMETER` if `array` is NULL and `count` is not 0.
///
/// # Safety
///
/// A non-NULL `array` points to `count` `SPropValue`s (possibly unaligned), each valid as
/// [`Property::from_raw`] requires.
pub unsafe fn props_from_raw(
    array: *const SPropValue,
    count: u32,
) -> crate::com::Result<Vec<Property>> {
    // SAFETY: `count` values are readable (caller); each is copied out, then read as
    // `from_raw` requires (caller).
    unsafe { self::array(array, count) }?
        .iter()
        .map(|value| unsafe { Property::from_raw(value) })
        .collect()
}

/// The tags of a caller's `SPropTagArray`; `None` for a NULL array (`GetProps`' "all
/// properties").
///
/// # Safety
///
/// A non-NULL `tags` points to an `SPropTagArray` with `cValues` tags (possibly unaligned).
pub unsafe fn tags_from_raw(tags: *const crate::types::SPropTagArray) -> Option<Vec<u32>> {
    // SAFETY: as this function's contract.
    unsafe { tags_in(tags) }.map(Cow::into_owned)
}

/// The tags of a caller's `SPropTagArray`, borrowed where they are aligned (as MAPI's are) and
/// copied otherwise; `None` for a NULL array.
///
/// # Safety
///
/// As [`tags_from_raw`], and the array stays alive and unchanged for `'a`.
#[inline]
pub unsafe fn tags_in<'a>(tags: *const crate::types::SPropTagArray) -> Option<Cow<'a, [u32]>> {
    if tags.is_null() {
        return None;
    }
    use core::mem::offset_of;
    let base = tags.cast::<u8>();
    // SAFETY: the header and `cValues` tags are readable (caller); unaligned reads.
    unsafe {
        let count = base
            .add(offset_of!(crate::types::SPropTagArray, cValues))
            .cast::<u32>()
            .read_unaligned();
        let first = base
            .add(offset_of!(crate::types::SPropTagArray, aulPropTag))
            .cast::<u32>();
        Some(if first.is_aligned() {
            Cow::Borrowed(core::slice::from_raw_parts(first, count as usize))
        } else {
            Cow::Owned(unaligned_tags(first, count as usize))
        })
    }
}

/// A copy of the `count` tags at `first`, read unaligned: the rare array that is not aligned
/// as MAPI's are, copied out of line so that [`tags_in`] inlines.
///
/// # Safety
///
/// `count` tags are readable at `first`.
#[cold]
unsafe fn unaligned_tags(first: *const u32, count: usize) -> Vec<u32> {
    // SAFETY: as this function's contract.
    (0..count)
        .map(|i| unsafe { first.add(i).read_unaligned() })
        .collect()
}

/// How many values [`gathered`] keeps on the stack; more take a heap allocation.
const ON_STACK: usize = 16;

/// Runs `f` on the `answer`s of `items` gathered in a slice: on the stack up to 16 of them, on
/// the heap beyond. Each answer is made in its slot: an answer passed through the iterator's
/// `Option` was copied in pieces and read back wider (a store-forwarding stall per value).
// Inlined, so that each caller's `answer` is made in the loop, not called per item.
#[inline(always)]
pub(crate) fn gathered<I, T, R>(
    items: impl Iterator<Item = I>,
    mut answer: impl FnMut(I) -> T,
    f: impl FnOnce(&[T]) -> R,
) -> R {
    /// The first `count` slots of `slots`, initialised: dropped when this is, unwinding
    /// included.
    struct Filled<'s, T> {
        slots: &'s mut [MaybeUninit<T>; ON_STACK],
        count: usize,
    }
    impl<T> Filled<'_, T> {
        fn values(&self) -> &[T] {
            // SAFETY: the first `count` slots are initialised (see `gathered`).
            unsafe { core::slice::from_raw_parts(self.slots.as_ptr().cast(), self.count) }
        }
    }
    impl<T> Drop for Filled<'_, T> {
        fn drop(&mut self) {
            let first = self.slots.as_mut_ptr().cast::<T>();
            // SAFETY: the first `count` slots are initialised and dropped once, here.
            unsafe {
                core::ptr::drop_in_place(core::ptr::slice_from_raw_parts_mut(first, self.count))
            }
        }
    }

    let mut items = items;
    // Uninitialised: filling and dropping only the slots used (values are large to set).
    let mut slots = [const { MaybeUninit::<T>::uninit() }; ON_STACK];
    let mut filled = Filled {
        slots: &mut slots,
        count: 0,
    };
    while filled.count < ON_STACK {
        let Some(item) = items.next() else {
            return f(filled.values());
        };
        filled.slots[filled.count].write(answer(item));
        filled.count += 1;
    }
    match items.next() {
        None => f(filled.values()),
        Some(next) => {
            let count = core::mem::take(&mut filled.count);
            let first = filled.slots[..count].iter().map(|slot| {
                // SAFETY: the first `count` slots are initialised; each is moved out once, and
                // `filled` drops none of them now (its count is 0).
                unsafe { slot.assume_init_read() }
            });
            let rest = core::iter::once(next).chain(items).map(answer);
            let all: Vec<T> = first.chain(rest).collect();
            f(&all)
        }
    }
}

/// An `SPropValue` array of `props`, with everything they point to, in one MAPI block (one
/// `MAPIAllocateBuffer`, freed by one `MAPIFreeBuffer`; see [`crate::alloc::props::props`]).
///
/// `MAPI_E_INVALID_PARAMETER` for text holding a NUL; the allocator's errors otherwise.
pub fn props_block<'p>(
    allocators: &AllocatorSet,
    props: impl IntoIterator<Item = &'p Property>,
) -> crate::com::Result<RootBuf> {
    gathered(
        props.into_iter(),
        |p| WireProp::new(p.id, p.value.as_value()),
        |wire| crate::alloc::props::props(allocators, wire),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alloc::testing::probe;
    use crate::codes::{MAPI_E_INVALID_PARAMETER, MAPI_E_NOT_FOUND};

    #[test]
    fn a_nul_anywhere_in_a_text_makes_it_unstorable() {
        // Lengths around the 16-byte blocks the scan looks at, the NUL in a block or the tail.
        for len in [1, 15, 16, 17, 31, 32, 33, 50] {
            let clean = "a".repeat(len);
            assert!(PropValue::Unicode(clean.as_str().into()).is_storable());
            assert!(PropValue::String8(clean.clone().into_bytes()).is_storable());
            for at in 0..len {
                let mut text = clean.clone().into_bytes();
                text[at] = 0;
                assert!(
                    !PropValue::String8(text.clone()).is_storable(),
                    "{len} {at}"
                );
                let text = String::from_utf8(text).unwrap();
                let many = PropValue::MvUnicode(vec![clean.clone(), text.clone()]);
                assert!(!PropValue::Unicode(text.into()).is_storable(), "{len} {at}");
                assert!(!many.is_storable(), "{len} {at}");
            }
        }
    }

    fn round_trip(props: &[Property]) -> Vec<Property> {
        let (read, calls) = probe(None, |set| {
            let block = props_block(&set, props).unwrap();
            // SAFETY: the block holds `props.len()` values written by the builder.
            unsafe { props_from_raw(block.as_ptr().cast(), props.len() as u32) }.unwrap()
        });
        assert_eq!((calls.allocate_buffer, calls.allocate_more), (1, 0));
        assert_eq!(calls.live_roots, 0);
        read
    }

    #[test]
    fn blocks_of_more_values_than_the_stack_holds_survive_too() {
        for count in [15, 16, 17, 40] {
            let props: Vec<Property> = (1..=count)
                .map(|id| Property::new(id, PropValue::Unicode(format!("value {id}").into())))
                .collect();
            assert_eq!(round_trip(&props), props, "{count} values");
        }
    }

    #[test]
    fn owned_values_are_gathered_and_dropped_once() {
        for count in [3, 16, 17] {
            let owned = |i| WireProp::new(i, Value::Unicode(format!("{i}").into()));
            let ids = gathered(0..count, owned, |wire| {
                wire.iter().map(|p| p.id).collect::<Vec<_>>()
            });
            assert_eq!(ids, (0..count).collect::<Vec<_>>());
        }
    }

    #[test]
    fn a_value_of_each_single_valued_type_survives_the_block() {
        let props = vec![
            Property::new(1, PropValue::Null),
            Property::new(2, PropValue::I2(-7)),
            Property::new(3, PropValue::Long(u32::MAX)),
            Property::new(4, PropValue::R4(1.5)),
            Property::new(5, PropValue::Double(-2.25e100)),
            Property::new(6, PropValue::Currency(-123_4567)),
            Property::new(7, PropValue::AppTime(45_000.75)),
            Property::new(8, PropValue::Error(MAPI_E_NOT_FOUND)),
            Property::new(9, PropValue::Boolean(true)),
            Property::new(10, PropValue::Object),
            Property::new(11, PropValue::I8(i64::MIN)),
            Property::new(12, PropValue::String8(b"caf\xe9".to_vec())),
            Property::new(13, PropValue::Unicode("Boîte 📌".into())),
            Property::new(
                14,
                PropValue::SysTime(FILETIME {
                    dwLowDateTime: 1,
                    dwHighDateTime: 2,
                }),
            ),
            Property::new(15, PropValue::Clsid(GUID::from_u128(0x1234))),
            Property::new(16, PropValue::Binary(vec![0, 1, 2, 255])),
        ];
        assert_eq!(round_trip(&props), props);
    }

    #[test]
    fn null_pointers_with_counts_are_errors_not_reads() {
        let mut raw = SPropValue {
            ulPropTag: prop_tag(PT_MV_LONG, 1),
            dwAlignPad: 0,
            // SAFETY: all-zero is a valid PV.
            Value: unsafe { core::mem::zeroed() },
        };
        raw.Value.MVl = SArray {
            cValues: 3,
            lp: core::ptr::null_mut(),
        };
        // SAFETY: the member matches the tag; its pointer is NULL, which is checked.
        let error = unsafe { Property::from_raw(&raw) }.unwrap_err();
        assert_eq!(error.code(), MAPI_E_INVALID_PARAMETER);
        raw.Value.MVl.cValues = 0;
        // SAFETY: as above, with no element to read.
        let empty = unsafe { Property::from_raw(&raw) }.unwrap();
        assert_eq!(empty.value, PropValue::MvLong(Vec::new()));
        for tag in [PT_STRING8, PT_UNICODE, PT_CLSID] {
            raw.ulPropTag = prop_tag(tag, 1);
            raw.Value.lpszA = core::ptr::null_mut();
            // SAFETY: a NULL pointer, checked before use.
            let error = unsafe { Property::from_raw(&raw) }.unwrap_err();
            assert_eq!(error.code(), MAPI_E_INVALID_PARAMETER, "type {tag:#x}");
        }
        raw.ulPropTag = prop_tag(PT_BINARY, 1);
        raw.Value.bin = SBinary {
            cb: 1,
            lpb: core::ptr::null_mut(),
        };
        // SAFETY: a NULL pointer, checked before use.
        let error = unsafe { Property::from_raw(&raw) }.unwrap_err();
        assert_eq!(error.code(), MAPI_E_INVALID_PARAMETER);
        // SAFETY: NULL with a count is checked before any read.
        let error = unsafe { props_from_raw(core::ptr::null(), 1) }.unwrap_err();
        assert_eq!(error.code(), MAPI_E_INVALID_PARAMETER);
    }

    #[test]
    fn types_that_are_not_value_types_are_invalid_types() {
        for prop_type in [
            PT_UNSPECIFIED,
            MV_FLAG | PT_BOOLEAN,
            MV_FLAG | PT_ERROR,
            PT_MV_LONG | MV_INSTANCE,
            PT_PTR,
            0x0999,
        ] {
            let raw = SPropValue {
                ulPropTag: prop_tag(prop_type, 1),
                dwAlignPad: 0,
                // SAFETY: all-zero is a valid PV.
                Value: unsafe { core::mem::zeroed() },
            };
            // SAFETY: the type is refused before any member is read.
            let error = unsafe { Property::from_raw(&raw) }.unwrap_err();
            assert_eq!(error.code(), MAPI_E_INVALID_TYPE, "type {prop_type:#x}");
            assert!(!is_value_type(prop_type));
        }
    }

    #[test]
    fn unpaired_surrogates_are_refused_and_any_nonzero_boolean_is_true() {
        let text = [0x0041u16, 0xD800, 0];
        let mut raw = SPropValue {
            ulPropTag: prop_tag(PT_UNICODE, 1),
            dwAlignPad: 0,
            // SAFETY: all-zero is a valid PV.
            Value: unsafe { core::mem::zeroed() },
        };
        raw.Value.lpszW = text.as_ptr().cast_mut();
        // SAFETY: a NUL-terminated UTF-16 string.
        let error = unsafe { Property::from_raw(&raw) }.unwrap_err();
        assert_eq!(error.code(), MAPI_E_INVALID_PARAMETER);
        raw.ulPropTag = prop_tag(PT_BOOLEAN, 1);
        raw.Value.b = 0x100;
        // SAFETY: `b` is set.
        let read = unsafe { Property::from_raw(&raw) }.unwrap();
        assert_eq!(read.value, PropValue::Boolean(true));
    }

    #[test]
    fn a_caller_array_at_an_odd_address_is_read_unaligned() {
        let props = vec![
            Property::new(1, PropValue::MvDouble(vec![1.5, -2.0])),
            Property::new(2, PropValue::I8(-1)),
        ];
        let block = props_block(&crate::alloc::AllocatorSet::native(), &props).unwrap();
        let bytes = props.len() * size_of::<SPropValue>();
        let mut copy = vec![0u8; bytes + 1];
        // SAFETY: the block starts with `bytes` bytes of SPropValues; the copy has room.
        unsafe { core::ptr::copy_nonoverlapping(block.as_ptr(), copy.as_mut_ptr().add(1), bytes) };
        // SAFETY: two SPropValues at an odd address, pointing into the live block.
        let read = unsafe { props_from_raw(copy.as_ptr().add(1).cast(), 2) }.unwrap();
        assert_eq!(read, props);
    }

    #[test]
    fn data_size_is_what_the_block_adds_for_the_value() {
        assert_eq!(PropValue::Long(1).data_size(), 0);
        assert_eq!(PropValue::Binary(vec![0; 5000]).data_size(), 5000);
        assert_eq!(PropValue::String8(b"abc".to_vec()).data_size(), 4);
        assert_eq!(PropValue::Unicode("ab".into()).data_size(), 6);
        let strings = PropValue::MvUnicode(vec!["a".into()]);
        assert_eq!(strings.data_size(), size_of::<*mut u16>() + 4);
        assert_eq!(PropValue::Unicode("a\0".into()).data_size(), usize::MAX);
    }

    #[test]
    fn text_width_conversion_is_explicit() {
        let eight = PropValue::String8(b"\x80 caf\xe9".to_vec());
        let wide = eight.with_text_width(true).unwrap();
        assert_eq!(*wide, PropValue::Unicode("€ café".into()));
        assert_eq!(*wide.with_text_width(false).unwrap(), eight);
        let error = PropValue::MvUnicode(vec!["a".into(), "日本".into()])
            .with_text_width(false)
            .unwrap_err();
        assert_eq!(error.character, '日');
        let long = PropValue::Long(3);
        assert!(matches!(
            long.with_text_width(true).unwrap(),
            Cow::Borrowed(_)
        ));
    }
}
