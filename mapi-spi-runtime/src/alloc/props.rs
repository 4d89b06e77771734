//! Property values on the Rust side ([`PropValue`]) and the `SPropValue` arrays built from them:
//! a `GetProps` result ([`props`]) and a `QueryRows` row set ([`rows`]).
//!
//! [`Value`] borrows what it can, for building results; the property engine's owned values
//! ([`crate::props::value`]) are written through it. [`ValueRef`] and [`PropRef`] borrow
//! everything: `Copy`, nothing to drop, what the builder reads ([`WireProperty`]) and what an
//! object answering `GetProps` from its own fields hands the engine.

use std::borrow::Cow;
use windows_core::{GUID, HRESULT};

use super::buffer::RootBuf;
use super::builders::{check_string8, invalid, too_big, utf16_len, write_utf16};
use super::set::AllocatorSet;
use crate::tags::{
    PT_APPTIME, PT_BINARY, PT_BOOLEAN, PT_CLSID, PT_CURRENCY, PT_DOUBLE, PT_ERROR, PT_I2, PT_I8,
    PT_LONG, PT_MV_APPTIME, PT_MV_BINARY, PT_MV_CLSID, PT_MV_CURRENCY, PT_MV_DOUBLE, PT_MV_I2,
    PT_MV_I8, PT_MV_LONG, PT_MV_R4, PT_MV_STRING8, PT_MV_SYSTIME, PT_MV_UNICODE, PT_NULL,
    PT_OBJECT, PT_R4, PT_STRING8, PT_SYSTIME, PT_UNICODE, prop_id, prop_tag,
};
use crate::types::{FILETIME, PV, SArray, SBinary, SPropValue, SRow, SRowSet, cb_new_srowset};

/// The value of a property, one variant per `PT_` type, single- and multi-valued. Strings,
/// binaries and arrays are borrowed or owned ([`Cow`]), and copied into the host's block when
/// built.
#[derive(Clone, Debug, PartialEq)]
pub enum Value<'a> {
    /// `PT_NULL`: no value (`Value.x` is 0).
    Null,
    /// `PT_I2`
    I2(i16),
    /// `PT_LONG`
    Long(u32),
    /// `PT_R4`
    R4(f32),
    /// `PT_DOUBLE`
    Double(f64),
    /// `PT_CURRENCY`: the value times 10,000.
    Currency(i64),
    /// `PT_APPTIME`
    AppTime(f64),
    /// `PT_ERROR`: why the property has no value (`MAPI_E_NOT_FOUND` in a `GetProps` result).
    Error(HRESULT),
    /// `PT_BOOLEAN`
    Boolean(bool),
    /// `PT_OBJECT`: the property is opened with `OpenProperty`; `Value.x` is 0.
    Object,
    /// `PT_I8`
    I8(i64),
    /// `PT_STRING8`: bytes in the caller's code page, without NUL.
    String8(Cow<'a, [u8]>),
    /// `PT_UNICODE`: stored as UTF-16, without NUL.
    Unicode(Cow<'a, str>),
    /// `PT_SYSTIME`
    SysTime(FILETIME),
    /// `PT_CLSID`
    Clsid(GUID),
    /// `PT_BINARY` (entry IDs, search keys, ...)
    Binary(Cow<'a, [u8]>),
    /// `PT_MV_I2`
    MvI2(Cow<'a, [i16]>),
    /// `PT_MV_LONG`
    MvLong(Cow<'a, [u32]>),
    /// `PT_MV_R4`
    MvR4(Cow<'a, [f32]>),
    /// `PT_MV_DOUBLE`
    MvDouble(Cow<'a, [f64]>),
    /// `PT_MV_CURRENCY`
    MvCurrency(Cow<'a, [i64]>),
    /// `PT_MV_APPTIME`
    MvAppTime(Cow<'a, [f64]>),
    /// `PT_MV_SYSTIME`
    MvSysTime(Cow<'a, [FILETIME]>),
    /// `PT_MV_CLSID`
    MvClsid(Cow<'a, [GUID]>),
    /// `PT_MV_I8`
    MvI8(Cow<'a, [i64]>),
    /// `PT_MV_STRING8`: each in the caller's code page, without NUL.
    MvString8(Vec<Cow<'a, [u8]>>),
    /// `PT_MV_UNICODE`
    MvUnicode(Vec<Cow<'a, str>>),
    /// `PT_MV_BINARY` (for example `PR_ADDITIONAL_REN_ENTRYIDS`)
    MvBinary(Vec<Cow<'a, [u8]>>),
}

impl Value<'_> {
    /// The `PT_` type of this value.
    #[inline]
    pub fn prop_type(&self) -> u32 {
        self.borrowed().prop_type()
    }

    /// This value borrowing what it holds: nothing is copied, nothing allocated.
    // Always inlined: where the builder reads a value, the compiler folds this match into the
    // builder's own.
    #[inline(always)]
    pub fn borrowed(&self) -> ValueRef<'_> {
        match self {
            Value::Null => ValueRef::Null,
            Value::Object => ValueRef::Object,
            Value::I2(v) => ValueRef::I2(*v),
            Value::Long(v) => ValueRef::Long(*v),
            Value::R4(v) => ValueRef::R4(*v),
            Value::Double(v) => ValueRef::Double(*v),
            Value::Currency(v) => ValueRef::Currency(*v),
            Value::AppTime(v) => ValueRef::AppTime(*v),
            Value::Error(v) => ValueRef::Error(*v),
            Value::Boolean(v) => ValueRef::Boolean(*v),
            Value::I8(v) => ValueRef::I8(*v),
            Value::SysTime(v) => ValueRef::SysTime(*v),
            Value::Clsid(v) => ValueRef::Clsid(*v),
            Value::String8(v) => ValueRef::String8(v),
            Value::Unicode(v) => ValueRef::Unicode(v),
            Value::Binary(v) => ValueRef::Binary(v),
            Value::MvI2(v) => ValueRef::MvI2(v),
            Value::MvLong(v) => ValueRef::MvLong(v),
            Value::MvR4(v) => ValueRef::MvR4(v),
            Value::MvDouble(v) => ValueRef::MvDouble(v),
            Value::MvCurrency(v) => ValueRef::MvCurrency(v),
            Value::MvAppTime(v) => ValueRef::MvAppTime(v),
            Value::MvSysTime(v) => ValueRef::MvSysTime(v),
            Value::MvClsid(v) => ValueRef::MvClsid(v),
            Value::MvI8(v) => ValueRef::MvI8(v),
            Value::MvString8(v) => ValueRef::MvString8(v),
            Value::MvUnicode(v) => ValueRef::MvUnicode(v),
            Value::MvBinary(v) => ValueRef::MvBinary(v),
        }
    }
}

/// A [`Value`] borrowed: every string, binary and array a reference, so it is `Copy` and has
/// nothing to drop. What the one-block builder reads, and what an object answering `GetProps`
/// from its own fields hands the engine
/// ([`props_block_by`](crate::props::bag::props_block_by),
/// [`props_block_of`](crate::props::bag::props_block_of)): a value made per call for a field
/// costs a few stores, and nothing after.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ValueRef<'a> {
    /// `PT_NULL`: no value (`Value.x` is 0).
    Null,
    /// `PT_I2`
    I2(i16),
    /// `PT_LONG`
    Long(u32),
    /// `PT_R4`
    R4(f32),
    /// `PT_DOUBLE`
    Double(f64),
    /// `PT_CURRENCY`: the value times 10,000.
    Currency(i64),
    /// `PT_APPTIME`
    AppTime(f64),
    /// `PT_ERROR`: why the property has no value.
    Error(HRESULT),
    /// `PT_BOOLEAN`
    Boolean(bool),
    /// `PT_OBJECT`: opened with `OpenProperty`; `Value.x` is 0.
    Object,
    /// `PT_I8`
    I8(i64),
    /// `PT_STRING8`: bytes in the caller's code page, without NUL.
    String8(&'a [u8]),
    /// `PT_UNICODE`: written as UTF-16, without NUL.
    Unicode(&'a str),
    /// `PT_SYSTIME`
    SysTime(FILETIME),
    /// `PT_CLSID`
    Clsid(GUID),
    /// `PT_BINARY`
    Binary(&'a [u8]),
    /// `PT_MV_I2`
    MvI2(&'a [i16]),
    /// `PT_MV_LONG`
    MvLong(&'a [u32]),
    /// `PT_MV_R4`
    MvR4(&'a [f32]),
    /// `PT_MV_DOUBLE`
    MvDouble(&'a [f64]),
    /// `PT_MV_CURRENCY`
    MvCurrency(&'a [i64]),
    /// `PT_MV_APPTIME`
    MvAppTime(&'a [f64]),
    /// `PT_MV_SYSTIME`
    MvSysTime(&'a [FILETIME]),
    /// `PT_MV_CLSID`
    MvClsid(&'a [GUID]),
    /// `PT_MV_I8`
    MvI8(&'a [i64]),
    /// `PT_MV_STRING8`: each in the caller's code page, without NUL.
    MvString8(&'a [Cow<'a, [u8]>]),
    /// `PT_MV_UNICODE`
    MvUnicode(&'a [Cow<'a, str>]),
    /// `PT_MV_BINARY`
    MvBinary(&'a [Cow<'a, [u8]>]),
}

impl ValueRef<'_> {
    /// The `PT_` type of this value.
    pub fn prop_type(&self) -> u32 {
        match self {
            ValueRef::Null => PT_NULL,
            ValueRef::Object => PT_OBJECT,
            ValueRef::I2(_) => PT_I2,
            ValueRef::Long(_) => PT_LONG,
            ValueRef::R4(_) => PT_R4,
            ValueRef::Double(_) => PT_DOUBLE,
            ValueRef::Currency(_) => PT_CURRENCY,
            ValueRef::AppTime(_) => PT_APPTIME,
            ValueRef::Error(_) => PT_ERROR,
            ValueRef::Boolean(_) => PT_BOOLEAN,
            ValueRef::I8(_) => PT_I8,
            ValueRef::String8(_) => PT_STRING8,
            ValueRef::Unicode(_) => PT_UNICODE,
            ValueRef::SysTime(_) => PT_SYSTIME,
            ValueRef::Clsid(_) => PT_CLSID,
            ValueRef::Binary(_) => PT_BINARY,
            ValueRef::MvI2(_) => PT_MV_I2,
            ValueRef::MvLong(_) => PT_MV_LONG,
            ValueRef::MvR4(_) => PT_MV_R4,
            ValueRef::MvDouble(_) => PT_MV_DOUBLE,
            ValueRef::MvCurrency(_) => PT_MV_CURRENCY,
            ValueRef::MvAppTime(_) => PT_MV_APPTIME,
            ValueRef::MvSysTime(_) => PT_MV_SYSTIME,
            ValueRef::MvClsid(_) => PT_MV_CLSID,
            ValueRef::MvI8(_) => PT_MV_I8,
            ValueRef::MvString8(_) => PT_MV_STRING8,
            ValueRef::MvUnicode(_) => PT_MV_UNICODE,
            ValueRef::MvBinary(_) => PT_MV_BINARY,
        }
    }
}

/// A property: its ID and value. The tag is derived from both, so it cannot disagree with the
/// value's type.
#[derive(Clone, Debug, PartialEq)]
pub struct PropValue<'a> {
    pub id: u16,
    pub value: Value<'a>,
}

impl<'a> PropValue<'a> {
    pub const fn new(id: u16, value: Value<'a>) -> Self {
        Self { id, value }
    }

    /// The property `tag` names, with `value` (whose type wins over the tag's: a `PT_ERROR`
    /// value for a `PT_UNICODE` tag is the usual "not found" answer).
    pub fn for_tag(tag: u32, value: Value<'a>) -> Self {
        // A property ID is the tag's upper 16 bits.
        Self::new(prop_id(tag) as u16, value)
    }

    /// The `PT_ERROR` entry for `id` (for example `MAPI_E_NOT_FOUND` for a property the object
    /// does not have).
    pub fn error(id: u16, code: HRESULT) -> Self {
        Self::new(id, Value::Error(code))
    }

    /// `ulPropTag`: `PROP_TAG(value's type, id)`.
    pub fn tag(&self) -> u32 {
        prop_tag(self.value.prop_type(), u32::from(self.id))
    }
}

/// A property borrowed ([`ValueRef`]): `Copy`, nothing to drop. What an object keeps in its
/// own fields answers `GetProps` as these.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PropRef<'a> {
    pub id: u16,
    pub value: ValueRef<'a>,
}

impl<'a> PropRef<'a> {
    pub const fn new(id: u16, value: ValueRef<'a>) -> Self {
        Self { id, value }
    }

    /// The property `tag` names, with `value` (whose type wins over the tag's).
    pub const fn for_tag(tag: u32, value: ValueRef<'a>) -> Self {
        // A property ID is the tag's upper 16 bits.
        Self::new((tag >> 16) as u16, value)
    }

    /// `ulPropTag`: `PROP_TAG(value's type, id)`.
    pub fn tag(&self) -> u32 {
        prop_tag(self.value.prop_type(), u32::from(self.id))
    }
}

/// A property the one-block builder writes: a [`PropRef`], or what lends one (a
/// [`PropValue`], a reference to either).
pub trait WireProperty {
    fn wire(&self) -> PropRef<'_>;
}

impl WireProperty for PropRef<'_> {
    #[inline]
    fn wire(&self) -> PropRef<'_> {
        *self
    }
}

impl WireProperty for PropValue<'_> {
    #[inline(always)]
    fn wire(&self) -> PropRef<'_> {
        PropRef::new(self.id, self.value.borrowed())
    }
}

impl<T: WireProperty + ?Sized> WireProperty for &T {
    #[inline(always)]
    fn wire(&self) -> PropRef<'_> {
        (**self).wire()
    }
}

/// The sizes in bytes of the regions of a property array's block after the `SPropValue`s, in
/// block order, largest alignment first: arrays of 8-byte values, arrays of pointers and
/// `SBinary`s (multi-valued strings and binaries), 4-byte values (`u32` and `f32` arrays,
/// GUIDs), 2-byte values (`i16` arrays, UTF-16 text), then bytes (8-bit strings and binaries).
/// Each part is a multiple of its region's alignment, so every part is aligned.
#[derive(Default)]
struct Regions {
    eights: usize,
    pointer_arrays: usize,
    fours: usize,
    twos: usize,
    bytes: usize,
}

impl Regions {
    // Always inlined, as `utf16_len`.
    #[inline(always)]
    fn unicode(&mut self, text: &str) -> crate::com::Result<()> {
        let (units, nul) = utf16_len(text);
        if nul {
            return Err(invalid());
        }
        let bytes = units
            .checked_add(1)
            .and_then(|n| n.checked_mul(size_of::<u16>()));
        grow(&mut self.twos, bytes)
    }

    fn string8(&mut self, bytes: &[u8]) -> crate::com::Result<()> {
        check_string8(bytes)?;
        grow(&mut self.bytes, bytes.len().checked_add(1))
    }

    fn binary(&mut self, bytes: &[u8]) -> crate::com::Result<()> {
        u32::try_from(bytes.len()).map_err(|_| too_big())?;
        grow(&mut self.bytes, Some(bytes.len()))
    }

    /// A multi-valued property's array of `n` `T`s.
    fn pointer_array<T>(&mut self, n: usize) -> crate::com::Result<()> {
        u32::try_from(n).map_err(|_| too_big())?;
        grow(&mut self.pointer_arrays, n.checked_mul(size_of::<T>()))
    }

    /// A multi-valued property's array of fixed-size values, in `region`.
    fn scalars<T>(region: &mut usize, values: &[T]) -> crate::com::Result<()> {
        u32::try_from(values.len()).map_err(|_| too_big())?;
        grow(region, Some(size_of_val(values)))
    }

    // Always inlined into `Cursors::plan`, which is too.
    #[inline(always)]
    fn measure(values: &[impl WireProperty]) -> crate::com::Result<Self> {
        let mut regions = Self::default();
        for prop in values {
            regions.add(prop.wire().value)?;
        }
        Ok(regions)
    }

    /// Adds the parts of `value` after its `SPropValue`, none for a fixed-size value:
    /// `MAPI_E_INVALID_PARAMETER` for text with a NUL inside.
    // Always inlined, as `measure`.
    #[inline(always)]
    fn add(&mut self, value: ValueRef<'_>) -> crate::com::Result<()> {
        let r = self;
        match value {
            ValueRef::Clsid(_) => grow(&mut r.fours, Some(size_of::<GUID>()))?,
            ValueRef::Unicode(text) => r.unicode(text)?,
            ValueRef::String8(bytes) => r.string8(bytes)?,
            ValueRef::Binary(bytes) => r.binary(bytes)?,
            ValueRef::MvI2(v) => Self::scalars(&mut r.twos, v)?,
            ValueRef::MvLong(v) => Self::scalars(&mut r.fours, v)?,
            ValueRef::MvR4(v) => Self::scalars(&mut r.fours, v)?,
            ValueRef::MvClsid(v) => Self::scalars(&mut r.fours, v)?,
            ValueRef::MvDouble(v) | ValueRef::MvAppTime(v) => Self::scalars(&mut r.eights, v)?,
            ValueRef::MvCurrency(v) | ValueRef::MvI8(v) => Self::scalars(&mut r.eights, v)?,
            ValueRef::MvSysTime(v) => Self::scalars(&mut r.eights, v)?,
            ValueRef::MvString8(strings) => {
                r.pointer_array::<*mut u8>(strings.len())?;
                strings.iter().try_for_each(|s| r.string8(s))?;
            }
            ValueRef::MvUnicode(strings) => {
                r.pointer_array::<*mut u16>(strings.len())?;
                strings.iter().try_for_each(|s| r.unicode(s))?;
            }
            ValueRef::MvBinary(binaries) => {
                r.pointer_array::<SBinary>(binaries.len())?;
                binaries.iter().try_for_each(|b| r.binary(b))?;
            }
            ValueRef::Null
            | ValueRef::Object
            | ValueRef::I2(_)
            | ValueRef::Long(_)
            | ValueRef::R4(_)
            | ValueRef::Double(_)
            | ValueRef::Currency(_)
            | ValueRef::AppTime(_)
            | ValueRef::Error(_)
            | ValueRef::Boolean(_)
            | ValueRef::I8(_)
            | ValueRef::SysTime(_) => {}
        }
        Ok(())
    }
}

/// Adds a part of `bytes` (`None`: its size overflowed) to a region. Checked: on a 32-bit
/// target the parts of one answer can add up past `usize::MAX` (one large value borrowed many
/// times), which is an answer too big to allocate, not a wrapped size.
fn grow(region: &mut usize, bytes: Option<usize>) -> crate::com::Result<()> {
    *region = bytes
        .and_then(|bytes| region.checked_add(bytes))
        .ok_or_else(too_big)?;
    Ok(())
}

/// Where the next part of each region goes while writing; each method writes one part and
/// returns its address.
struct Cursors {
    eights: usize,
    pointer_array: usize,
    fours: usize,
    twos: usize,
    byte: usize,
}

impl Cursors {
    /// Lays out `values` and their variable parts; returns the block size and where each
    /// region starts.
    // Always inlined, as `Regions::measure`: returned through memory, the sizes and cursors
    // cost more to read back than to compute.
    #[inline(always)]
    fn plan(values: &[impl WireProperty]) -> crate::com::Result<(usize, Self)> {
        Self::layout(values.len(), Regions::measure(values)?)
    }

    /// Lays out `count` `SPropValue`s and the `regions` after them ([`Self::plan`]).
    #[inline(always)]
    fn layout(count: usize, regions: Regions) -> crate::com::Result<(usize, Self)> {
        // Each region starts where the one before it ends, aligned without padding: the
        // `SPropValue` array is a multiple of 8, and each region a multiple of the next one's
        // alignment (8 whatever the target for the first: Windows i686 aligns f64 and i64 to
        // 8, other 32-bit targets to 4, and MAPI's readers are built for Windows).
        const {
            assert!(size_of::<SPropValue>().is_multiple_of(8));
            assert!(align_of::<SBinary>() <= 8);
            assert!(
                size_of::<*mut u8>().is_multiple_of(4) && size_of::<SBinary>().is_multiple_of(4)
            );
        };
        let after = |start: usize, bytes: usize| start.checked_add(bytes).ok_or_else(too_big);
        let eights = count
            .checked_mul(size_of::<SPropValue>())
            .ok_or_else(too_big)?;
        let pointer_array = after(eights, regions.eights)?;
        let fours = after(pointer_array, regions.pointer_arrays)?;
        let twos = after(fours, regions.fours)?;
        let byte = after(twos, regions.twos)?;
        let size = after(byte, regions.bytes)?;
        let cursors = Self {
            eights,
            pointer_array,
            fours,
            twos,
            byte,
        };
        Ok((size, cursors))
    }

    // Inlined: for the usual text it is a few vector instructions, less than a call and the
    // registers saved around it.
    #[inline(always)]
    fn unicode(&mut self, root: &RootBuf, text: &str) -> *mut u16 {
        let at = self.twos;
        let units = write_utf16(root, at, text);
        self.twos += (units + 1) * size_of::<u16>();
        root.ptr_at(at).cast()
    }

    // Always inlined, as `unicode`: left to the compiler, the writer called it (and `binary`)
    // out of line, a call per value, and `props` measured 13% slower.
    #[inline(always)]
    fn string8(&mut self, root: &RootBuf, bytes: &[u8]) -> *mut u8 {
        let at = self.byte;
        root.write_slice(at, bytes);
        root.write(at + bytes.len(), 0u8);
        self.byte += bytes.len() + 1;
        root.ptr_at(at)
    }

    // Always inlined, as `string8`.
    #[inline(always)]
    fn binary(&mut self, root: &RootBuf, bytes: &[u8]) -> SBinary {
        let at = self.byte;
        root.write_slice(at, bytes);
        self.byte += bytes.len();
        SBinary {
            // Checked in `Regions::measure`.
            cb: bytes.len() as u32,
            lpb: root.ptr_at(at),
        }
    }

    /// Copies fixed-size `values` to `cursor` (a region measured by `Regions::scalars`); the
    /// result is the array as the `SPropValue` member of type `U` (`[u32]` is `MVl`'s `i32`).
    fn scalars<T: Copy, U>(cursor: &mut usize, root: &RootBuf, values: &[T]) -> SArray<U> {
        let at = *cursor;
        root.write_slice(at, values);
        *cursor += size_of_val(values);
        SArray {
            // Counts checked in `Regions::measure`.
            cValues: values.len() as u32,
            lp: root.ptr_at(at).cast(),
        }
    }

    /// A multi-valued property's array: `element` writes each element's variable part and
    /// returns what goes into the array.
    fn array<E, T: Copy>(
        &mut self,
        root: &RootBuf,
        items: &[E],
        mut element: impl FnMut(&mut Self, &E) -> T,
    ) -> SArray<T> {
        let at = self.pointer_array;
        self.pointer_array += items.len() * size_of::<T>();
        for (index, item) in items.iter().enumerate() {
            let value = element(self, item);
            root.write(at + index * size_of::<T>(), value);
        }
        SArray {
            // Counts checked in `Regions::measure`.
            cValues: items.len() as u32,
            lp: root.ptr_at(at).cast(),
        }
    }
}

/// Writes `values` as `SPropValue`s at the start of `root`, their variable parts from `cursors`.
// `#[inline]`: with the plan, in the function that makes the answer's block; out of line, a
// bag's `GetProps` block measured 10% slower (and no faster from an object's fields).
#[inline]
fn write(root: &RootBuf, values: &[impl WireProperty], mut cursors: Cursors) {
    // Checked once, not per value.
    let array = root.array_at::<SPropValue>(0, values.len());
    for (index, prop) in values.iter().enumerate() {
        let prop = prop.wire();
        // SAFETY: index < values.len(), in the array `array_at` checked.
        let slot = unsafe { Slot::new(array.add(index), prop.tag()) };
        write_value(root, slot, prop.value, &mut cursors);
    }
}

/// Writes `value` into `slot`, its variable part at `c`'s cursors.
#[inline(always)]
fn write_value(root: &RootBuf, slot: Slot, value: ValueRef<'_>, c: &mut Cursors) {
    match value {
        ValueRef::Null | ValueRef::Object => slot.put(|pv| pv.x = 0),
        ValueRef::I2(v) => slot.put(|pv| pv.i = v),
        ValueRef::Long(v) => slot.put(|pv| pv.ul = v),
        ValueRef::R4(v) => slot.put(|pv| pv.flt = v),
        ValueRef::Double(v) => slot.put(|pv| pv.dbl = v),
        ValueRef::Currency(v) => slot.put(|pv| pv.cur = v),
        ValueRef::AppTime(v) => slot.put(|pv| pv.at = v),
        ValueRef::Error(v) => slot.put(|pv| pv.err = v.0),
        ValueRef::Boolean(v) => slot.put(|pv| pv.b = u16::from(v)),
        ValueRef::I8(v) => slot.put(|pv| pv.li = v),
        ValueRef::SysTime(v) => slot.put(|pv| pv.ft = v),
        ValueRef::Clsid(guid) => {
            slot.put(|pv| pv.lpguid = Cursors::scalars(&mut c.fours, root, &[guid]).lp)
        }
        // The text or bytes written first, then the slot: in the closure, the writer was one
        // function shared by every caller of `write_value`, and the compiler called it out of
        // line.
        ValueRef::Unicode(text) => {
            let text = c.unicode(root, text);
            slot.put(|pv| pv.lpszW = text)
        }
        ValueRef::String8(bytes) => {
            let bytes = c.string8(root, bytes);
            slot.put(|pv| pv.lpszA = bytes)
        }
        ValueRef::Binary(bytes) => {
            let bin = c.binary(root, bytes);
            slot.put(|pv| pv.bin = bin)
        }
        ValueRef::MvI2(v) => slot.put(|pv| pv.MVi = Cursors::scalars(&mut c.twos, root, v)),
        ValueRef::MvLong(v) => slot.put(|pv| pv.MVl = Cursors::scalars(&mut c.fours, root, v)),
        ValueRef::MvR4(v) => slot.put(|pv| pv.MVflt = Cursors::scalars(&mut c.fours, root, v)),
        ValueRef::MvDouble(v) => slot.put(|pv| pv.MVdbl = Cursors::scalars(&mut c.eights, root, v)),
        ValueRef::MvCurrency(v) => {
            slot.put(|pv| pv.MVcur = Cursors::scalars(&mut c.eights, root, v))
        }
        ValueRef::MvAppTime(v) => slot.put(|pv| pv.MVat = Cursors::scalars(&mut c.eights, root, v)),
        ValueRef::MvSysTime(v) => slot.put(|pv| pv.MVft = Cursors::scalars(&mut c.eights, root, v)),
        ValueRef::MvClsid(v) => slot.put(|pv| pv.MVguid = Cursors::scalars(&mut c.fours, root, v)),
        ValueRef::MvI8(v) => slot.put(|pv| pv.MVli = Cursors::scalars(&mut c.eights, root, v)),
        ValueRef::MvString8(strings) => {
            slot.put(|pv| pv.MVszA = c.array(root, strings, |c, s| c.string8(root, s)))
        }
        ValueRef::MvUnicode(strings) => {
            slot.put(|pv| pv.MVszW = c.array(root, strings, |c, s| c.unicode(root, s)))
        }
        ValueRef::MvBinary(binaries) => {
            slot.put(|pv| pv.MVbin = c.array(root, binaries, |c, b| c.binary(root, b)))
        }
    }
}

/// The `SPropValue` of `tag` that [`write`] writes next.
struct Slot {
    at: *mut SPropValue,
    tag: u32,
}

impl Slot {
    /// # Safety
    ///
    /// `at` is valid for an unaligned write of an `SPropValue`.
    #[inline(always)]
    unsafe fn new(at: *mut SPropValue, tag: u32) -> Self {
        Self { at, tag }
    }

    /// Writes the value, its `Value` zeroed then set by `set`, so that the bytes a smaller
    /// member leaves unused are defined. Each of [`write`]'s arms writes its own: one value
    /// made in every arm and written after the match was merged piece by piece from all of
    /// them, a few instructions more per value.
    #[inline(always)]
    fn put(self, set: impl FnOnce(&mut PV)) {
        // SAFETY: all-zero is a valid PV (integers, floats and NULL pointers).
        let mut pv: PV = unsafe { core::mem::zeroed() };
        set(&mut pv);
        let value = SPropValue {
            ulPropTag: self.tag,
            dwAlignPad: 0,
            Value: pv,
        };
        // SAFETY: writable (`Slot::new`'s contract); unaligned.
        unsafe { self.at.write_unaligned(value) };
    }
}

/// An `SPropValue` array of `values` with all their strings, binaries and GUIDs, in one block
/// (one `MAPIAllocateBuffer`; see [`builders`](super::builders) for why). The count for
/// `lpcValues` is `values.len()`.
///
/// `MAPI_E_INVALID_PARAMETER` for a string with a NUL inside; the allocator's errors otherwise.
pub fn props(allocators: &AllocatorSet, values: &[PropValue<'_>]) -> crate::com::Result<RootBuf> {
    props_of(allocators, values)
}

/// [`props`] of values held or borrowed (`&PropValue`): an answer made of values an object
/// keeps needs not copy them into a list first.
// Always inlined: where an answer's block is made ([`PropsBlock`](crate::props::bag::PropsBlock)),
// the block is written once into that result, not returned and copied.
#[inline(always)]
pub(crate) fn props_of(
    allocators: &AllocatorSet,
    values: &[impl WireProperty],
) -> crate::com::Result<RootBuf> {
    let (size, cursors) = Cursors::plan(values)?;
    let root = allocators.allocate(size)?;
    write(&root, values, cursors);
    Ok(root)
}

/// The usual `GetProps` answer from properties an object keeps in its own fields
/// ([`props_block_of`](crate::props::bag::props_block_of),
/// [`props_block_by`](crate::props::bag::props_block_by)): each requested property as it is
/// kept, or a `PT_ERROR` entry holding its rule's code, and every value of a usual kind
/// (fixed-size, binary, or text). Each value is measured as the answer chooses it
/// ([`Usual::add`]), and the block written from the choices ([`Usual::write_each`]): two short
/// loops over the request, in place of a list of answers measured, then written, by the general
/// builder ([`props`]).
#[cfg(feature = "props")]
#[derive(Default)]
pub(crate) struct Usual(Regions);

#[cfg(feature = "props")]
impl Usual {
    /// Measures `value`, if it is of a usual kind and [`props`] would write it; `None`
    /// otherwise (GUIDs, multi-valued values, text with a NUL inside), for the general builder.
    // Always inlined, in the loop that chooses the answer.
    #[inline(always)]
    pub(crate) fn add(&mut self, value: ValueRef<'_>) -> Option<()> {
        match value {
            ValueRef::Clsid(_)
            | ValueRef::MvI2(_)
            | ValueRef::MvLong(_)
            | ValueRef::MvR4(_)
            | ValueRef::MvDouble(_)
            | ValueRef::MvCurrency(_)
            | ValueRef::MvAppTime(_)
            | ValueRef::MvSysTime(_)
            | ValueRef::MvClsid(_)
            | ValueRef::MvI8(_)
            | ValueRef::MvString8(_)
            | ValueRef::MvUnicode(_)
            | ValueRef::MvBinary(_) => None,
            usual => self.0.add(usual).ok(),
        }
    }

    /// The block of `count` answers, answer `index` being `answer(index)`: its tag and value,
    /// each value measured by [`Usual::add`] before. Panics, the block freed, if the values
    /// written are not the ones measured (an `answer` that answers twice differently): their
    /// parts would run into each other's.
    // Always inlined, so that an answer made by a `match` is written by its own arm.
    #[inline(always)]
    pub(crate) fn write_each<'v>(
        self,
        allocators: &AllocatorSet,
        count: usize,
        mut answer: impl FnMut(usize) -> (u32, ValueRef<'v>),
    ) -> crate::com::Result<RootBuf> {
        let (size, mut cursors) = Cursors::layout(count, self.0)?;
        // Where each region ends: where the next one starts.
        let ends = [
            cursors.pointer_array,
            cursors.fours,
            cursors.twos,
            cursors.byte,
            size,
        ];
        let root = allocators.allocate(size)?;
        // Checked once, not per value.
        let array = root.array_at::<SPropValue>(0, count);
        for index in 0..count {
            let (tag, value) = answer(index);
            // SAFETY: index < count, in the array `array_at` checked.
            let slot = unsafe { Slot::new(array.add(index), tag) };
            write_value(&root, slot, value, &mut cursors);
        }
        let Cursors {
            eights,
            pointer_array,
            fours,
            twos,
            byte,
        } = cursors;
        // The bits in which each cursor differs from its end, OR'd: as an array compare (or a
        // chain of `==`, which the compiler merges into one), the check was a call to `bcmp` over
        // the cursors stored for it.
        let off_end = (eights ^ ends[0])
            | (pointer_array ^ ends[1])
            | (fours ^ ends[2])
            | (twos ^ ends[3])
            | (byte ^ ends[4]);
        assert!(off_end == 0, "the values written are the ones measured");
        Ok(root)
    }
}

/// The row of a store's status ([`props`] of its display name, `PT_UNICODE` property
/// `text_id`, then each of `longs`, `PT_LONG`), written as its fixed shape says, with no
/// dispatch on the values' types: the row every store's logon sends MAPI.
///
/// `MAPI_E_INVALID_PARAMETER` for text with a NUL inside; the allocator's errors otherwise.
// Always inlined into its caller (a logon's announce), whose columns are constants.
#[cfg(feature = "store")]
#[inline(always)]
pub(crate) fn text_and_longs(
    allocators: &AllocatorSet,
    (text_id, text): (u16, &str),
    longs: &[(u16, u32)],
) -> crate::com::Result<RootBuf> {
    let mut regions = Regions::default();
    regions.unicode(text)?;
    let count = 1 + longs.len();
    let (size, mut cursors) = Cursors::layout(count, regions)?;
    let root = allocators.allocate(size)?;
    let array = root.array_at::<SPropValue>(0, count);
    // SAFETY: value 0 of the `count` in the array `array_at` checked.
    let slot = unsafe { Slot::new(array, prop_tag(PT_UNICODE, u32::from(text_id))) };
    slot.put(|pv| pv.lpszW = cursors.unicode(&root, text));
    for (index, &(id, value)) in longs.iter().enumerate() {
        // SAFETY: value `1 + index` < `count`, in the array `array_at` checked.
        let slot = unsafe { Slot::new(array.add(1 + index), prop_tag(PT_LONG, u32::from(id))) };
        slot.put(|pv| pv.ul = value);
    }
    Ok(root)
}

/// The size of the block [`props`] would allocate for `values`, without allocating (for
/// size limits). Errors as [`props`] before it allocates.
pub fn props_size(values: &[impl WireProperty]) -> crate::com::Result<usize> {
    Cursors::plan(values).map(|(size, _)| size)
}

/// An `SRowSet` (or `ADRLIST`) built by [`rows`]: the outer array and, separately, each row's
/// property array. Dropping it frees every row then the array; [`RowSetBuf::into_raw`] hands
/// all of them over (the caller frees them with `FreeProws`).
pub struct RowSetBuf {
    outer: RootBuf,
    rows: usize,
}

impl RowSetBuf {
    pub fn as_ptr(&self) -> *mut SRowSet {
        self.outer.as_ptr().cast()
    }

    /// The number of rows (`cRows`).
    pub fn len(&self) -> usize {
        self.rows
    }

    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// Hands the row set to the caller, which frees each row's `lpProps` then the array with
    /// `MAPIFreeBuffer` of the same set.
    #[must_use = "the rows are leaked unless someone frees them"]
    pub fn into_raw(self) -> *mut SRowSet {
        let this = core::mem::ManuallyDrop::new(self);
        // SAFETY: `this` is never used or dropped again, so the root is moved out once.
        unsafe { core::ptr::read(&this.outer) }.into_raw().cast()
    }

    fn row_at(&self, index: usize) -> usize {
        core::mem::offset_of!(SRowSet, aRow) + index * size_of::<SRow>()
    }
}

impl Drop for RowSetBuf {
    fn drop(&mut self) {
        let allocators = self.outer.allocators();
        for index in 0..self.rows {
            // SAFETY: row `index` was written by `rows`, its `lpProps` a root of this set that
            // only this value owns.
            unsafe {
                let row = self.outer.as_ptr().add(self.row_at(index)).cast::<SRow>();
                allocators.free(row.read_unaligned().lpProps.cast());
            }
        }
    }
}

impl core::fmt::Debug for RowSetBuf {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RowSetBuf")
            .field("outer", &self.outer)
            .field("rows", &self.rows)
            .finish()
    }
}

/// An `SRowSet` (or `ADRLIST`) with one row per element of `rows`.
///
/// As MAPI requires, the outer array is one root and each row's `lpProps` is a root of its
/// own (built with [`props`]), so consumers can free rows one by one (`FreeProws` frees each
/// row, then the array): `rows.len() + 1` host allocations. If one fails, the rows already
/// built are freed and the error returned.
pub fn rows<'v, R: AsRef<[PropValue<'v>]>>(
    allocators: &AllocatorSet,
    rows: &[R],
) -> crate::com::Result<RowSetBuf> {
    row_set(allocators, rows.len(), |at| {
        let values = rows[at].as_ref();
        Ok((values.len(), props(allocators, values)?))
    })
}

/// As [`rows`], for `count` rows whose values `fill` writes, row by row in order, into one
/// vector reused for every row (emptied before each): a caller making thousands of rows'
/// values keeps one row's at a time, not all of them.
pub fn rows_with<'v>(
    allocators: &AllocatorSet,
    count: usize,
    mut fill: impl FnMut(usize, &mut Vec<PropValue<'v>>),
) -> crate::com::Result<RowSetBuf> {
    let mut values = Vec::new();
    row_set(allocators, count, |at| {
        values.clear();
        fill(at, &mut values);
        Ok((values.len(), props(allocators, &values)?))
    })
}

/// The set of `count` rows, row `at`'s value count and property block made by `row(at)`.
fn row_set(
    allocators: &AllocatorSet,
    count: usize,
    mut row: impl FnMut(usize) -> crate::com::Result<(usize, RootBuf)>,
) -> crate::com::Result<RowSetBuf> {
    let c_rows = u32::try_from(count).map_err(|_| too_big())?;
    let outer = allocators.allocate(cb_new_srowset(count))?;
    let mut built = Vec::with_capacity(count);
    for at in 0..count {
        built.push(row(at)?);
    }
    outer.write(core::mem::offset_of!(SRowSet, cRows), c_rows);
    let mut set = RowSetBuf { outer, rows: 0 };
    for (values, row) in built {
        let entry = SRow {
            ulAdrEntryPad: 0,
            // Fits: an SPropValue block of that many values was allocated.
            cValues: values as u32,
            lpProps: row.into_raw().cast(),
        };
        set.outer.write(set.row_at(set.rows), entry);
        // Counted as soon as written, so that the row is freed with the set from here on.
        set.rows += 1;
    }
    Ok(set)
}

#[cfg(test)]
mod tests {
    use super::grow;
    use crate::codes::MAPI_E_NOT_ENOUGH_MEMORY;

    #[test]
    fn a_region_past_usize_max_is_too_big_not_wrapped() {
        let mut region = usize::MAX - 1;
        assert!(grow(&mut region, Some(1)).is_ok());
        assert_eq!(region, usize::MAX);
        let error = grow(&mut region, Some(1)).unwrap_err();
        assert_eq!(error.code(), MAPI_E_NOT_ENOUGH_MEMORY);
        assert_eq!(region, usize::MAX, "unchanged by the failure");
        assert!(
            grow(&mut 0, None).is_err(),
            "a part whose own size overflowed"
        );
    }

    /// The status row's writer writes what the general one writes for the same columns, byte
    /// for byte (pointers as offsets in the block), and refuses what it refuses.
    #[test]
    #[cfg(feature = "store")]
    fn text_and_longs_is_props_of_the_same_columns() {
        use super::{PropRef, RootBuf, ValueRef, props_of, text_and_longs};
        use crate::alloc::AllocatorSet;
        use crate::codes::MAPI_E_INVALID_PARAMETER;
        use crate::types::SPropValue;
        let set = AllocatorSet::native();
        // Values as offsets: the pointers of one block read relative to its start.
        let relative = |root: &RootBuf, count: usize| {
            let start = root.as_ptr() as usize;
            let mut bytes = root_bytes(root);
            for index in 0..count {
                let at = index * size_of::<SPropValue>() + 8;
                // A pointer's width: 4 bytes on a 32-bit target.
                let word = at..at + size_of::<usize>();
                let value = usize::from_ne_bytes(bytes[word.clone()].try_into().unwrap());
                if (start..start + root.len()).contains(&value) {
                    bytes[word].copy_from_slice(&(value - start).to_ne_bytes());
                }
            }
            bytes
        };
        for text in [
            "",
            "Sample store abc",
            "a store named at length, past 16",
            "Boîte 📬",
        ] {
            for longs in [&[][..], &[(0x3E04, 1), (0x3E02, 0)][..]] {
                let general: Vec<PropRef<'_>> = [PropRef::new(0x3001, ValueRef::Unicode(text))]
                    .into_iter()
                    .chain(
                        longs
                            .iter()
                            .map(|&(id, v)| PropRef::new(id, ValueRef::Long(v))),
                    )
                    .collect();
                let expected = props_of(&set, &general).unwrap();
                let row = text_and_longs(&set, (0x3001, text), longs).unwrap();
                assert_eq!(row.len(), expected.len(), "{text:?}");
                let count = general.len();
                assert_eq!(
                    relative(&row, count),
                    relative(&expected, count),
                    "{text:?}"
                );
            }
        }
        let nul = text_and_longs(&set, (0x3001, "a\0b"), &[]).unwrap_err();
        assert_eq!(nul.code(), MAPI_E_INVALID_PARAMETER);
    }

    /// The bytes of a block, all written.
    fn root_bytes(root: &super::RootBuf) -> Vec<u8> {
        // SAFETY: the block's `len` bytes, every one written by the builder.
        unsafe { core::slice::from_raw_parts(root.as_ptr(), root.len()) }.to_vec()
    }

    /// On i686 (Windows under Wine in CI) one 64 MiB value borrowed 64 times adds up to 4 GiB:
    /// the plan refuses it before anything is allocated or written.
    #[cfg(target_pointer_width = "32")]
    #[test]
    fn one_value_borrowed_past_4_gib_is_too_big() {
        use super::{Cursors, PropRef, ValueRef};
        let big = vec![0u8; 64 << 20];
        let props: Vec<PropRef<'_>> = (0..64)
            .map(|id| PropRef::new(id, ValueRef::Binary(&big)))
            .collect();
        let error = Cursors::plan(&props).err().expect("refused");
        assert_eq!(error.code(), MAPI_E_NOT_ENOUGH_MEMORY);
    }
}
