//! [`PropertyStream`]: the `IStream` `IMAPIProp::OpenProperty` hands out for a `PT_BINARY`,
//! `PT_STRING8` or `PT_UNICODE` property of a [`PropertyObject`] (a message body, an
//! attachment's data), and the rules of [`open`].
//!
//! The stream holds a copy of the value: `PT_BINARY` as is, `PT_STRING8` as its 8-bit bytes,
//! `PT_UNICODE` as UTF-16LE, none with a terminating NUL. Writes change the copy only; `Commit`
//! makes it the property's value (so a value no one commits is never half-written), `Revert`
//! goes back to what was last committed. `Clone` shares the data and copies the seek pointer,
//! as COM's streams do. Committed text must be text: a `PT_UNICODE` stream of odd length or
//! with a lone surrogate, or text with a NUL inside (one NUL at the end is dropped, as writers
//! often add it), is refused with `MAPI_E_INVALID_PARAMETER` and the property keeps its value.
#![allow(non_snake_case)]

use std::sync::{Arc, Mutex};
use windows_core::{GUID, HRESULT, IUnknown, Interface};

use super::object::PropertyObject;
use super::value::{PropValue, Property};
use super::{ObjectAccess, PropAccess};
use crate::codes::{
    MAPI_E_INTERFACE_NOT_SUPPORTED, MAPI_E_INVALID_PARAMETER, MAPI_E_NO_ACCESS, MAPI_E_NO_SUPPORT,
    MAPI_E_NOT_FOUND, MAPI_E_UNKNOWN_FLAGS, S_FALSE, S_OK, STG_E_ACCESSDENIED, STG_E_INVALIDFLAG,
    STG_E_INVALIDFUNCTION, STG_E_INVALIDPOINTER, STG_E_MEDIUMFULL,
};
use crate::com::{ComObject, Object};
use crate::flags::{
    MAPI_BEST_ACCESS, MAPI_CREATE, MAPI_DEFERRED_ERRORS, MAPI_MODIFY, STATFLAG_DEFAULT,
    STATFLAG_NONAME, STGC_DANGEROUSLYCOMMITMERELYTODISKCACHE, STGC_ONLYIFCURRENT, STGC_OVERWRITE,
    STGM_READ, STGM_READWRITE, STGTY_STREAM, STREAM_SEEK_CUR, STREAM_SEEK_END, STREAM_SEEK_SET,
};
use crate::interfaces::{ISequentialStream, ISequentialStreamImpl, IStream, IStreamImpl};
use crate::props::ansi;
use crate::sync::lock;
use crate::tags::{PT_BINARY, PT_OBJECT, PT_STRING8, PT_UNICODE, prop_id, prop_type};
use crate::types::{LARGE_INTEGER, STATSTG, ULARGE_INTEGER};
use mapi_spi_macros::mapi_object;

/// A MAPI property value is at most 4 GiB: so is a stream over one.
const MAX_SIZE: u64 = u32::MAX as u64;

/// What the clones of one opened stream share.
struct StreamData {
    bytes: Vec<u8>,
    /// The value as last committed, for `Revert`.
    committed: Vec<u8>,
    /// Where `Commit` writes: `None` for a read-only stream.
    target: Option<Target>,
}

/// The property a writable stream commits to.
struct Target {
    object: ComObject<PropertyObject>,
    tag: u32,
}

/// An `IStream` over a copy of one property's value; see the module documentation.
#[mapi_object(IStream)]
pub struct PropertyStream {
    data: Arc<Mutex<StreamData>>,
    position: Mutex<u64>,
}

/// The stream bytes of a property value of type `prop_type`, or `None` when the value has
/// another type (a property is its tag, text in either width excepted).
fn value_bytes(value: &PropValue, prop_type: u32) -> Option<Vec<u8>> {
    match (value, prop_type) {
        (PropValue::Binary(bytes), PT_BINARY) => Some(bytes.clone()),
        (PropValue::String8(bytes), PT_STRING8) => Some(bytes.clone()),
        (PropValue::Unicode(text), PT_STRING8) => ansi::encode(text).ok(),
        (PropValue::Unicode(text), PT_UNICODE) => {
            Some(text.encode_utf16().flat_map(u16::to_le_bytes).collect())
        }
        (PropValue::String8(bytes), PT_UNICODE) => Some(
            ansi::decode(bytes)
                .encode_utf16()
                .flat_map(u16::to_le_bytes)
                .collect(),
        ),
        _ => None,
    }
}

/// The property value committed stream bytes make, or `None` when they are not a value of the
/// type (see the module documentation).
fn bytes_value(bytes: &[u8], prop_type: u32) -> Option<PropValue> {
    match prop_type {
        PT_BINARY => Some(PropValue::Binary(bytes.to_vec())),
        PT_STRING8 => {
            let text = bytes.strip_suffix(&[0]).unwrap_or(bytes);
            (!text.contains(&0)).then(|| PropValue::String8(text.to_vec()))
        }
        PT_UNICODE => {
            if !bytes.len().is_multiple_of(2) {
                return None;
            }
            let units: Vec<u16> = bytes
                .chunks_exact(2)
                .map(|pair| u16::from_le_bytes([pair[0], pair[1]]))
                .collect();
            let units = units.strip_suffix(&[0]).unwrap_or(&units);
            let text = String::from_utf16(units).ok()?;
            (!text.contains('\0')).then_some(PropValue::Unicode(text.into()))
        }
        _ => None,
    }
}

/// `IMAPIProp::OpenProperty` of a stream on `object`, as the docs describe it: `ulFlags`
/// `MAPI_MODIFY` (write access), `MAPI_CREATE` (create the property, or discard its value),
/// `MAPI_BEST_ACCESS` (write access if allowed), `MAPI_DEFERRED_ERRORS`; `iid` `IStream` (or
/// `ISequentialStream`, `IUnknown`) for a `PT_BINARY`, `PT_STRING8` or `PT_UNICODE` property,
/// else `MAPI_E_INTERFACE_NOT_SUPPORTED`; `PT_OBJECT` properties are the provider's
/// ([`PropertyObject::with_objects`])
/// (`MAPI_E_NO_SUPPORT` here). `MAPI_E_NOT_FOUND` for a property the object does not have,
/// without `MAPI_CREATE`; `MAPI_E_NO_ACCESS` for write access to a read-only object or
/// property.
pub fn open(
    object: &Object<PropertyObject>,
    tag: u32,
    iid: &GUID,
    flags: u32,
) -> Result<IStream, HRESULT> {
    let known = MAPI_MODIFY | MAPI_CREATE | MAPI_BEST_ACCESS | MAPI_DEFERRED_ERRORS;
    if flags & !known != 0 {
        return Err(MAPI_E_UNKNOWN_FLAGS);
    }
    let prop_type = prop_type(tag);
    if prop_type == PT_OBJECT {
        return Err(MAPI_E_NO_SUPPORT);
    }
    let stream_iid = [IStream::IID, ISequentialStream::IID, IUnknown::IID].contains(iid);
    if !stream_iid || ![PT_BINARY, PT_STRING8, PT_UNICODE].contains(&prop_type) {
        return Err(MAPI_E_INTERFACE_NOT_SUPPORTED);
    }
    let bag = object.bag();
    let id = prop_id(tag) as u16;
    let may_write = bag.object_access() == ObjectAccess::ReadWrite
        && bag
            .prop_access(Some(&[tag]))
            .first()
            .is_none_or(|&(_, access)| {
                access == 0 || PropAccess::from_flags(access).is_ok_and(|a| a.writable)
            });
    let asks_write = flags & (MAPI_MODIFY | MAPI_CREATE) != 0;
    if asks_write && !may_write {
        return Err(MAPI_E_NO_ACCESS);
    }
    let writable = asks_write || (flags & MAPI_BEST_ACCESS != 0 && may_write);
    let bytes = if flags & MAPI_CREATE != 0 {
        Vec::new()
    } else {
        bag.get(id)
            .and_then(|value| value_bytes(value, prop_type))
            .ok_or(MAPI_E_NOT_FOUND)?
    };
    drop(bag);
    let target = writable.then(|| Target {
        object: object.to_object(),
        tag,
    });
    let stream = PropertyStream {
        data: Arc::new(Mutex::new(StreamData {
            committed: bytes.clone(),
            bytes,
            target,
        })),
        position: Mutex::new(0),
    };
    Ok(ComObject::new(stream).into_interface())
}

impl PropertyStream {
    fn data(&self) -> std::sync::MutexGuard<'_, StreamData> {
        lock(&self.data)
    }

    fn position(&self) -> std::sync::MutexGuard<'_, u64> {
        lock(&self.position)
    }
}

impl ISequentialStreamImpl for PropertyStream {
    /// `S_FALSE` when fewer bytes than asked were left (the docs' rule for reaching the end).
    unsafe fn Read(
        this: &Object<Self>,
        pv: *mut core::ffi::c_void,
        cb: u32,
        pcbRead: *mut u32,
    ) -> HRESULT {
        if pv.is_null() && cb != 0 {
            return STG_E_INVALIDPOINTER;
        }
        let data = this.data();
        let mut position = this.position();
        let start = (*position).min(data.bytes.len() as u64) as usize;
        let count = (data.bytes.len() - start).min(cb as usize);
        if count != 0 {
            // SAFETY: `pv` has room for `cb` bytes (the caller's contract), `count <= cb`; the
            // source is our own buffer, which the caller's cannot overlap.
            unsafe {
                core::ptr::copy_nonoverlapping(data.bytes.as_ptr().add(start), pv.cast(), count)
            };
        }
        *position = (start + count) as u64;
        if !pcbRead.is_null() {
            // SAFETY: NULL or writable (the caller's contract).
            unsafe { pcbRead.write(count as u32) };
        }
        if count == cb as usize { S_OK } else { S_FALSE }
    }

    unsafe fn Write(
        this: &Object<Self>,
        pv: *const core::ffi::c_void,
        cb: u32,
        pcbWritten: *mut u32,
    ) -> HRESULT {
        if !pcbWritten.is_null() {
            // SAFETY: NULL or writable (the caller's contract).
            unsafe { pcbWritten.write(0) };
        }
        if pv.is_null() && cb != 0 {
            return STG_E_INVALIDPOINTER;
        }
        let mut data = this.data();
        if data.target.is_none() {
            return STG_E_ACCESSDENIED;
        }
        let mut position = this.position();
        let end = *position + u64::from(cb);
        if end > MAX_SIZE {
            return STG_E_MEDIUMFULL;
        }
        let (start, end) = (*position as usize, end as usize);
        if data.bytes.len() < end {
            data.bytes.resize(end, 0);
        }
        if cb != 0 {
            // SAFETY: `pv` holds `cb` readable bytes (the caller's contract); the buffer was
            // just made long enough.
            let source = unsafe { core::slice::from_raw_parts(pv.cast::<u8>(), cb as usize) };
            data.bytes[start..end].copy_from_slice(source);
        }
        *position = end as u64;
        if !pcbWritten.is_null() {
            // SAFETY: as above.
            unsafe { pcbWritten.write(cb) };
        }
        S_OK
    }
}

impl IStreamImpl for PropertyStream {
    /// `STG_E_INVALIDFUNCTION` for an unknown origin or a position before the start, as the
    /// docs name it.
    unsafe fn Seek(
        this: &Object<Self>,
        dlibMove: LARGE_INTEGER,
        dwOrigin: u32,
        plibNewPosition: *mut ULARGE_INTEGER,
    ) -> HRESULT {
        let len = this.data().bytes.len() as i128;
        let mut position = this.position();
        let base = match dwOrigin {
            STREAM_SEEK_SET => 0,
            STREAM_SEEK_CUR => i128::from(*position),
            STREAM_SEEK_END => len,
            _ => return STG_E_INVALIDFUNCTION,
        };
        let target = base + i128::from(dlibMove.QuadPart);
        let Ok(target) = u64::try_from(target) else {
            return STG_E_INVALIDFUNCTION;
        };
        *position = target;
        if !plibNewPosition.is_null() {
            // SAFETY: NULL or writable (the caller's contract).
            unsafe { plibNewPosition.write(ULARGE_INTEGER { QuadPart: target }) };
        }
        S_OK
    }

    unsafe fn SetSize(this: &Object<Self>, libNewSize: ULARGE_INTEGER) -> HRESULT {
        let mut data = this.data();
        if data.target.is_none() {
            return STG_E_ACCESSDENIED;
        }
        if libNewSize.QuadPart > MAX_SIZE {
            return STG_E_MEDIUMFULL;
        }
        data.bytes.resize(libNewSize.QuadPart as usize, 0);
        S_OK
    }

    /// Reads from this stream and writes to `pstm` with its own `Write`, without holding this
    /// stream's locks (`pstm` may be a clone of it).
    unsafe fn CopyTo(
        this: &Object<Self>,
        pstm: Option<&IStream>,
        cb: ULARGE_INTEGER,
        pcbRead: *mut ULARGE_INTEGER,
        pcbWritten: *mut ULARGE_INTEGER,
    ) -> HRESULT {
        let Some(destination) = pstm else {
            return STG_E_INVALIDPOINTER;
        };
        let chunk = {
            let data = this.data();
            let mut position = this.position();
            let start = (*position).min(data.bytes.len() as u64) as usize;
            let count = ((data.bytes.len() - start) as u64).min(cb.QuadPart) as usize;
            *position = (start + count) as u64;
            data.bytes[start..start + count].to_vec()
        };
        let mut written = 0u32;
        // SAFETY: `chunk` holds `chunk.len()` bytes (at most 4 GiB: the stream's limit).
        let hr =
            unsafe { destination.Write(chunk.as_ptr().cast(), chunk.len() as u32, &mut written) };
        // SAFETY: NULL or writable (the caller's contract).
        unsafe {
            if !pcbRead.is_null() {
                pcbRead.write(ULARGE_INTEGER {
                    QuadPart: chunk.len() as u64,
                });
            }
            if !pcbWritten.is_null() {
                pcbWritten.write(ULARGE_INTEGER {
                    QuadPart: u64::from(written),
                });
            }
        }
        hr
    }

    /// Makes the stream's bytes the property's value (a read-only stream has nothing to
    /// commit); see the module documentation for what text must be.
    unsafe fn Commit(this: &Object<Self>, grfCommitFlags: u32) -> HRESULT {
        let known = STGC_OVERWRITE | STGC_ONLYIFCURRENT | STGC_DANGEROUSLYCOMMITMERELYTODISKCACHE;
        if grfCommitFlags & !known != 0 {
            return STG_E_INVALIDFLAG;
        }
        let mut data = this.data();
        let Some(target) = &data.target else {
            return S_OK;
        };
        let Some(value) = bytes_value(&data.bytes, prop_type(target.tag)) else {
            return MAPI_E_INVALID_PARAMETER;
        };
        let problems = target
            .object
            .bag_mut()
            .set_props(&[Property::for_tag(target.tag, value)]);
        match problems {
            Ok(problems) if problems.is_empty() => {
                data.committed = data.bytes.clone();
                S_OK
            }
            Ok(_) => STG_E_ACCESSDENIED,
            Err(error) => error.code(),
        }
    }

    unsafe fn Revert(this: &Object<Self>) -> HRESULT {
        let mut data = this.data();
        data.bytes = data.committed.clone();
        S_OK
    }

    /// Range locking is not supported: `STG_E_INVALIDFUNCTION`, as the docs name it.
    unsafe fn LockRegion(
        _: &Object<Self>,
        _: ULARGE_INTEGER,
        _: ULARGE_INTEGER,
        _: u32,
    ) -> HRESULT {
        STG_E_INVALIDFUNCTION
    }

    /// Range locking is not supported: `STG_E_INVALIDFUNCTION`, as the docs name it.
    unsafe fn UnlockRegion(
        _: &Object<Self>,
        _: ULARGE_INTEGER,
        _: ULARGE_INTEGER,
        _: u32,
    ) -> HRESULT {
        STG_E_INVALIDFUNCTION
    }

    /// The size, `STGTY_STREAM` and the access mode; the stream has no name (`pwcsName` NULL,
    /// whatever `grfStatFlag` asks) and no times.
    unsafe fn Stat(this: &Object<Self>, pstatstg: *mut STATSTG, grfStatFlag: u32) -> HRESULT {
        if pstatstg.is_null() {
            return STG_E_INVALIDPOINTER;
        }
        if grfStatFlag != STATFLAG_DEFAULT && grfStatFlag != STATFLAG_NONAME {
            return STG_E_INVALIDFLAG;
        }
        let data = this.data();
        let stat = STATSTG {
            pwcsName: core::ptr::null_mut(),
            r#type: STGTY_STREAM,
            cbSize: ULARGE_INTEGER {
                QuadPart: data.bytes.len() as u64,
            },
            mtime: Default::default(),
            ctime: Default::default(),
            atime: Default::default(),
            grfMode: if data.target.is_some() {
                STGM_READWRITE
            } else {
                STGM_READ
            },
            grfLocksSupported: 0,
            clsid: GUID::zeroed(),
            grfStateBits: 0,
            reserved: 0,
        };
        // SAFETY: checked non-NULL; writable (the caller's contract).
        unsafe { pstatstg.write(stat) };
        S_OK
    }

    unsafe fn Clone(this: &Object<Self>, ppstm: *mut *mut core::ffi::c_void) -> HRESULT {
        if ppstm.is_null() {
            return STG_E_INVALIDPOINTER;
        }
        let clone = PropertyStream {
            data: this.data.clone(),
            position: Mutex::new(*this.position()),
        };
        let clone: IStream = ComObject::new(clone).into_interface();
        // SAFETY: checked non-NULL; the new reference is the caller's.
        unsafe { ppstm.write(clone.into_raw()) };
        S_OK
    }
}
