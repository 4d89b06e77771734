//! The layout oracle: compares the Rust declarations of the MAPI SPI with the mingw-w64 headers
//! (`mapidefs.h`, `mapispi.h`, ...), never with a copy of our own.
//!
//! The Rust side is described from the Rust types themselves: [`ToC`] renders a Rust type as C
//! (`*mut SPropValue` → `SPropValue *`, `usize` → `ULONG_PTR`, an `Option<extern fn>` → a function
//! pointer type), [`FnSig`] reads a vtable slot's function pointer type, and [`Layout`] describes
//! a `#[repr(C)]` struct field by field with the offsets `offset_of!` reports. From that the
//! oracle writes a C file of `_Static_assert`s that includes the real headers and compiles it with
//! `x86_64-w64-mingw32-gcc -fsyntax-only` and `i686-w64-mingw32-gcc -fsyntax-only`:
//!
//! - vtables: every slot's offset (`offsetof(IFooVtbl, Method) == slot * sizeof(void *)`, which
//!   checks order by name), the vtable size, and the type of every parameter and result against
//!   the header's, with the calling convention (checked on i686, where it matters);
//! - structs: size, alignment, every field's offset and size, for x64 and for i686 (the i686
//!   numbers are computed from the field descriptions with the Microsoft rules: pointers 4 bytes,
//!   8-byte `double`/`LONGLONG` aligned to 8);
//! - constants: every value against the header macro of the same name.
//!
//! Parameter types come from the preprocessed header text (the only parsing done here); the parse
//! is itself checked: the header's parameter types, put back together with the Rust calling
//! convention, must be compatible with the type of the vtable member.
//!
//! Where the Outlook header (the binary contract of current Outlook) has `ULONG_PTR` and mingw
//! has `ULONG`, the difference is listed in [`ULONG_PTR_EXCEPTIONS`], each with the parameter's
//! name: for those the oracle asserts that Rust has the pointer-width type and mingw the `ULONG`
//! one, so a stale entry fails too.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

// ---------------------------------------------------------------------------------------------
// Rust types rendered as C types

/// A C type, as rendered from a Rust type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CType {
    Void,
    /// A typedef or scalar name: `ULONG`, `SPropValue`, `union _PV`.
    Named(&'static str),
    /// A type as the header spells it (`LPMAPIERROR *`), read from the preprocessed header.
    Spelled(String),
    Ptr {
        pointee: Box<CType>,
        is_const: bool,
    },
    Fn(Box<Sig>),
}

/// Calling convention of a function pointer type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Conv {
    /// `extern "system"`: `__stdcall` on x86.
    Stdcall,
    /// `extern "C"`: `__cdecl`.
    Cdecl,
}

/// A function signature, from a Rust function pointer type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sig {
    pub conv: Conv,
    pub ret: CType,
    pub params: Vec<CType>,
}

impl CType {
    pub fn render(&self) -> String {
        match self {
            CType::Void => "void".into(),
            CType::Named(name) => (*name).into(),
            CType::Spelled(text) => text.clone(),
            CType::Ptr { pointee, is_const } => match (&**pointee, is_const) {
                (CType::Ptr { .. }, true) => format!("{} const *", pointee.render()),
                (_, true) => format!("const {} *", pointee.render()),
                (_, false) => format!("{} *", pointee.render()),
            },
            CType::Fn(sig) => format!("typeof({})", sig.render_pointer("")),
        }
    }

    /// How many pointer levels end in `void` (`*mut c_void` = 1, `*mut *mut c_void` = 2), or 0.
    fn void_depth(&self) -> usize {
        let mut depth = 0;
        let mut ty = self;
        while let CType::Ptr { pointee, .. } = ty {
            depth += 1;
            ty = pointee;
        }
        if *ty == CType::Void { depth } else { 0 }
    }
}

impl Sig {
    /// `RET (CONV *first)(P1, P2, ...)`, with `first` the first parameter's C spelling if given.
    pub fn render_pointer(&self, first: &str) -> String {
        let conv = match self.conv {
            Conv::Stdcall => "__stdcall",
            Conv::Cdecl => "__cdecl",
        };
        let mut params: Vec<String> = Vec::new();
        if !first.is_empty() {
            params.push(first.into());
        }
        params.extend(self.params.iter().map(CType::render));
        if params.is_empty() {
            params.push("void".into());
        }
        format!("{} ({conv} *)({})", self.ret.render(), params.join(", "))
    }
}

/// A Rust type that crosses the MAPI boundary, and its C spelling.
pub trait ToC {
    fn c() -> CType;
}

macro_rules! named {
    ($($ty:ty => $name:literal),* $(,)?) => {
        $(impl ToC for $ty { fn c() -> CType { CType::Named($name) } })*
    };
}

use mapi_spi_runtime::types::*;
named! {
    u8 => "BYTE", i8 => "CHAR", u16 => "USHORT", i16 => "SHORT", u32 => "ULONG", i32 => "LONG",
    u64 => "ULONGLONG", i64 => "LONGLONG", usize => "ULONG_PTR", isize => "LONG_PTR",
    f32 => "float", f64 => "double",
    windows_core::GUID => "GUID", windows_core::HRESULT => "HRESULT",
    MAPIUID => "MAPIUID", ENTRYID => "ENTRYID", MAPIERROR => "MAPIERROR", SBinary => "SBinary",
    SBinaryArray => "SBinaryArray", FILETIME => "FILETIME", SPropValue => "SPropValue",
    LARGE_INTEGER => "LARGE_INTEGER", ULARGE_INTEGER => "ULARGE_INTEGER", STATSTG => "STATSTG",
    SPropTagArray => "SPropTagArray", SPropProblem => "SPropProblem",
    SPropProblemArray => "SPropProblemArray", SRow => "SRow", SRowSet => "SRowSet",
    ADRENTRY => "ADRENTRY", ADRLIST => "ADRLIST", FlagList => "FlagList", NOTIFKEY => "NOTIFKEY",
    NOTIFICATION => "NOTIFICATION", MAPINAMEID => "MAPINAMEID", ADRPARM => "ADRPARM",
    SRestriction => "SRestriction", SSortOrder => "SSortOrder", SSortOrderSet => "SSortOrderSet",
    OPTIONDATA => "OPTIONDATA",
}

impl ToC for () {
    fn c() -> CType {
        CType::Void
    }
}
impl ToC for core::ffi::c_void {
    fn c() -> CType {
        CType::Void
    }
}
impl<T: ToC + ?Sized> ToC for *mut T {
    fn c() -> CType {
        CType::Ptr {
            pointee: Box::new(T::c()),
            is_const: false,
        }
    }
}
impl<T: ToC + ?Sized> ToC for *const T {
    fn c() -> CType {
        CType::Ptr {
            pointee: Box::new(T::c()),
            is_const: true,
        }
    }
}
impl<F: FnSig> ToC for Option<F> {
    fn c() -> CType {
        CType::Fn(Box::new(F::sig()))
    }
}

/// A Rust function pointer type and its signature.
pub trait FnSig {
    fn sig() -> Sig;
}

macro_rules! fn_sig {
    ($($arg:ident),*) => {
        impl<R: ToC, $($arg: ToC),*> FnSig for unsafe extern "system" fn($($arg),*) -> R {
            fn sig() -> Sig {
                Sig { conv: Conv::Stdcall, ret: R::c(), params: vec![$($arg::c()),*] }
            }
        }
        impl<R: ToC, $($arg: ToC),*> FnSig for unsafe extern "C" fn($($arg),*) -> R {
            fn sig() -> Sig {
                Sig { conv: Conv::Cdecl, ret: R::c(), params: vec![$($arg::c()),*] }
            }
        }
    };
}
fn_sig!();
fn_sig!(A);
fn_sig!(A, B);
fn_sig!(A, B, C);
fn_sig!(A, B, C, D);
fn_sig!(A, B, C, D, E);
fn_sig!(A, B, C, D, E, F);
fn_sig!(A, B, C, D, E, F, G);
fn_sig!(A, B, C, D, E, F, G, H);
fn_sig!(A, B, C, D, E, F, G, H, I);
fn_sig!(A, B, C, D, E, F, G, H, I, J);
fn_sig!(A, B, C, D, E, F, G, H, I, J, K);
fn_sig!(A, B, C, D, E, F, G, H, I, J, K, L);
fn_sig!(A, B, C, D, E, F, G, H, I, J, K, L, M);
fn_sig!(A, B, C, D, E, F, G, H, I, J, K, L, M, N);

/// The signature of the field `field` picks out of a `V`, without a value of `V`.
pub fn sig_of<V, F: FnSig>(_field: fn(&V) -> &F) -> Sig {
    F::sig()
}

// ---------------------------------------------------------------------------------------------
// Vtables

/// One vtable slot, as the Rust declaration has it.
#[derive(Clone, Debug)]
pub struct Slot {
    /// The interface that declares the method.
    pub declared_in: &'static str,
    pub name: &'static str,
    /// Byte offset in the Rust vtable (x64 build).
    pub offset: usize,
    /// The slot's function pointer type; its first parameter is `this`.
    pub sig: Sig,
}

/// A vtable, flattened from IUnknown down: every slot in order.
#[derive(Clone, Debug)]
pub struct Vtable {
    /// The C name of the interface whose `IFooVtbl` is compared (normally the Rust name).
    pub c_name: &'static str,
    pub rust_name: &'static str,
    pub slots: Vec<Slot>,
    /// `size_of` of the Rust vtable.
    pub size: usize,
    /// `MapiInterface::METHOD_NAMES` of the Rust interface: every method after IUnknown's.
    pub method_names: &'static [&'static str],
    /// The Rust interface's IID.
    pub iid: windows_core::GUID,
}

/// Builds the [`Vtable`] description of a `#[mapi_interface]` interface from its generated
/// `IFooVtbl`: `vtable!(IFoo: base_description { OwnMethod1, OwnMethod2 })`, optionally
/// `vtable!(IFoo as "ICName" => base, { ... })` to compare with another C interface.
macro_rules! vtable {
    ($iface:ident : $base:expr, { $($method:ident),* $(,)? }) => {
        vtable!($iface as stringify!($iface) => $base, { $($method),* })
    };
    ($iface:ident as $c_name:expr => $base:expr, { $($method:ident),* $(,)? }) => {{
        type Vtbl = <$iface as windows_core::Interface>::Vtable;
        let base: $crate::oracle::Vtable = $base;
        let base_offset = ::core::mem::offset_of!(Vtbl, base__);
        let mut slots: Vec<$crate::oracle::Slot> = base
            .slots
            .into_iter()
            .map(|slot| $crate::oracle::Slot { offset: slot.offset + base_offset, ..slot })
            .collect();
        slots.extend(vtable!(@slots Vtbl, stringify!($iface), [$($method),*]));
        $crate::oracle::Vtable {
            c_name: $c_name,
            rust_name: stringify!($iface),
            slots,
            size: ::core::mem::size_of::<Vtbl>(),
            method_names: <$iface as mapi_spi_runtime::com::MapiInterface>::METHOD_NAMES,
            iid: <$iface as windows_core::Interface>::IID,
        }
    }};
    (@slots $vtbl:ty, $declared_in:expr, [$($method:ident),*]) => {
        vec![$($crate::oracle::Slot {
            declared_in: $declared_in,
            name: stringify!($method),
            offset: ::core::mem::offset_of!($vtbl, $method),
            sig: $crate::oracle::sig_of(|v: &$vtbl| &v.$method),
        }),*]
    };
}

/// The IUnknown part every vtable starts with.
pub fn iunknown() -> Vtable {
    Vtable {
        c_name: "IUnknown",
        rust_name: "IUnknown",
        slots: vtable!(@slots windows_core::IUnknown_Vtbl, "IUnknown", [QueryInterface, AddRef, Release]),
        size: size_of::<windows_core::IUnknown_Vtbl>(),
        method_names: &[],
        iid: <windows_core::IUnknown as windows_core::Interface>::IID,
    }
}

/// A parameter whose type is `ULONG_PTR` (or `ULONG_PTR *`, or a callback taking `ULONG_PTR`) in
/// the Outlook header, which current Outlook follows, and `ULONG` in mingw-w64 (and the 1996 SDK
/// and Wine): see the reference's section 11, items 1 to 3 and 21.
pub struct UlongPtrException {
    pub interface: &'static str,
    pub method: &'static str,
    /// 1-based, after `this`.
    pub index: usize,
    /// The header's parameter name, checked against the header.
    pub param: &'static str,
}

macro_rules! exceptions {
    ($($interface:ident :: $method:ident ( $index:literal $param:ident )),* $(,)?) => {
        &[$(UlongPtrException {
            interface: stringify!($interface),
            method: stringify!($method),
            index: $index,
            param: stringify!($param),
        }),*]
    };
}

/// Every place where the Rust declaration follows the Outlook header's `ULONG_PTR` and mingw-w64
/// has `ULONG`.
pub const ULONG_PTR_EXCEPTIONS: &[UlongPtrException] = exceptions![
    // Window handles: `ULONG_PTR ulUIParam` (section 11, item 1).
    IMSProvider::Logon(2 ulUIParam),
    IMSProvider::SpoolerLogon(2 ulUIParam),
    IMAPIProp::CopyTo(4 ulUIParam),
    IMAPIProp::CopyProps(2 ulUIParam),
    IMAPIFolder::CopyMessages(4 ulUIParam),
    IMAPIFolder::DeleteMessages(2 ulUIParam),
    IMAPIFolder::CopyFolder(6 ulUIParam),
    IMAPIFolder::DeleteFolder(3 ulUIParam),
    IMAPIFolder::SetReadFlags(2 ulUIParam),
    IMAPIFolder::EmptyFolder(1 ulUIParam),
    IMessage::DeleteAttach(2 ulUIParam),
    IMAPIStatus::ValidateState(1 ulUIParam),
    IMAPIStatus::SettingsDialog(1 ulUIParam),
    IMAPIStatus::FlushQueues(1 ulUIParam),
    IMAPISupport::Address(1 lpulUIParam),
    IMAPISupport::Details(1 lpulUIParam),
    IMAPISupport::NewEntry(1 ulUIParam),
    IMAPISupport::DoConfigPropsheet(1 ulUIParam),
    IMAPISupport::CopyMessages(6 ulUIParam),
    IMAPISupport::CopyFolder(8 ulUIParam),
    IMAPISupport::DoCopyTo(6 ulUIParam),
    IMAPISupport::DoCopyProps(4 ulUIParam),
    IMAPISupport::DoProgressDialog(1 ulUIParam),
    IABProvider::Logon(2 ulUIParam),
    IXPProvider::TransportLogon(2 ulUIParam),
    IXPLogon::ValidateState(1 ulUIParam),
    IXPLogon::FlushQueues(1 ulUIParam),
    IProviderAdmin::CreateProvider(4 ulUIParam),
    IABContainer::CopyEntries(2 ulUIParam),
    MSGSERVICEENTRY::MSGSERVICEENTRY(4 ulUIParam),
    // Address-book UI callbacks whose first parameter is `ULONG_PTR ulUIParam` (item 21).
    IMAPISupport::Details(2 lpfnDismiss),
    IMAPISupport::Details(6 lpfButtonCallback),
    // Notification connection numbers (item 2).
    IMSLogon::Advise(5 lpulConnection),
    IMSLogon::Unadvise(1 ulConnection),
    IMsgStore::Advise(5 lpulConnection),
    IMsgStore::Unadvise(1 ulConnection),
    IMAPITable::Advise(3 lpulConnection),
    IMAPITable::Unadvise(1 ulConnection),
    IABLogon::Advise(5 lpulConnection),
    IABLogon::Unadvise(1 ulConnection),
    IMAPISupport::Subscribe(5 lpulConnection),
    IMAPISupport::Unsubscribe(1 ulConnection),
    // `BOOKMARK` (item 3).
    IMAPITable::SeekRow(1 bkOrigin),
    IMAPITable::FindRow(2 bkOrigin),
    IMAPITable::CreateBookmark(1 lpbkPosition),
    IMAPITable::FreeBookmark(1 bkPosition),
    IMAPITable::SetCollapseState(4 lpbkLocation),
    // Transport message references (item 3).
    IXPLogon::SubmitMessage(3 lpulMsgRef),
    IXPLogon::SubmitMessage(4 lpulReturnParm),
    IXPLogon::EndMessage(1 ulMsgRef),
    IXPLogon::StartMessage(3 lpulMsgRef),
];

/// An entry point type (`ABPROVIDERINIT`, ...) and the Rust function pointer type for it.
#[derive(Clone, Debug)]
pub struct EntryPoint {
    /// The header's typedef name.
    pub c_name: &'static str,
    pub rust_name: &'static str,
    pub sig: Sig,
}

// ---------------------------------------------------------------------------------------------
// Struct layouts

/// How a field is laid out; pointers differ between x64 and i686, nothing else does (Microsoft
/// rules: `double`, `LONGLONG` are 8-aligned on i686 too).
#[derive(Clone, Debug)]
pub enum Kind {
    Scalar { size: usize, align: usize },
    Pointer,
    Array(Box<Kind>, usize),
    Record(Record),
}

/// A struct or union.
#[derive(Clone, Debug)]
pub struct Record {
    /// The C name (`SPropValue`, `union _PV`), or `None` for an anonymous member type
    /// (`NOTIFICATION::info`), which is checked through its parent.
    pub c_name: Option<&'static str>,
    pub rust_name: &'static str,
    pub is_union: bool,
    /// Whether the fields are compared by name (the Rust names are the C names).
    pub compare_fields: bool,
    pub fields: Vec<Field>,
    /// `size_of` and `align_of` on this (x64) build.
    pub rust_size: usize,
    pub rust_align: usize,
}

#[derive(Clone, Debug)]
pub struct Field {
    pub name: &'static str,
    pub kind: Kind,
    /// `offset_of!` on this (x64) build.
    pub rust_offset: usize,
}

/// A computed layout for one pointer width.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Computed {
    pub size: usize,
    pub align: usize,
    pub offsets: Vec<usize>,
}

impl Kind {
    pub fn size_align(&self, pointer: usize) -> (usize, usize) {
        match self {
            Kind::Scalar { size, align } => (*size, *align),
            Kind::Pointer => (pointer, pointer),
            Kind::Array(element, n) => {
                let (size, align) = element.size_align(pointer);
                (size * n, align)
            }
            Kind::Record(record) => {
                let computed = record.compute(pointer);
                (computed.size, computed.align)
            }
        }
    }
}

impl Record {
    /// The C layout rules: each field at the next multiple of its alignment (all at 0 in a
    /// union), the size rounded up to the largest alignment.
    pub fn compute(&self, pointer: usize) -> Computed {
        let (mut end, mut align, mut offsets) = (0usize, 1usize, Vec::new());
        for field in &self.fields {
            let (size, field_align) = field.kind.size_align(pointer);
            align = align.max(field_align);
            let offset = if self.is_union {
                0
            } else {
                end.div_ceil(field_align) * field_align
            };
            offsets.push(offset);
            end = end.max(offset + size);
        }
        Computed {
            size: end.div_ceil(align) * align,
            align,
            offsets,
        }
    }
}

/// A Rust type whose C layout the oracle can describe.
pub trait Layout {
    fn kind() -> Kind;
}

macro_rules! scalar_layout {
    ($($ty:ty),*) => {
        $(impl Layout for $ty {
            fn kind() -> Kind {
                Kind::Scalar { size: size_of::<$ty>(), align: align_of::<$ty>() }
            }
        })*
    };
}
scalar_layout!(u8, i8, u16, i16, u32, i32, u64, i64, f32, f64);

impl Layout for usize {
    fn kind() -> Kind {
        Kind::Pointer
    }
}
impl<T: ?Sized> Layout for *mut T {
    fn kind() -> Kind {
        Kind::Pointer
    }
}
impl<T: ?Sized> Layout for *const T {
    fn kind() -> Kind {
        Kind::Pointer
    }
}
impl<F: FnSig> Layout for Option<F> {
    fn kind() -> Kind {
        Kind::Pointer
    }
}
impl<T: Layout, const N: usize> Layout for [T; N] {
    fn kind() -> Kind {
        Kind::Array(Box::new(T::kind()), N)
    }
}
impl Layout for windows_core::HRESULT {
    fn kind() -> Kind {
        Kind::Scalar { size: 4, align: 4 }
    }
}
impl Layout for windows_core::GUID {
    fn kind() -> Kind {
        Kind::Record(Record {
            c_name: Some("GUID"),
            rust_name: "GUID",
            is_union: false,
            compare_fields: false,
            fields: vec![
                field::<u32>("Data1", 0),
                field::<u16>("Data2", 4),
                field::<u16>("Data3", 6),
                field::<[u8; 8]>("Data4", 8),
            ],
            rust_size: size_of::<windows_core::GUID>(),
            rust_align: align_of::<windows_core::GUID>(),
        })
    }
}
impl<T> Layout for SArray<T> {
    fn kind() -> Kind {
        // The C members are `SShortArray`, `SLongArray`, ... with differently named pointers;
        // the union member's size is what is compared.
        Kind::Record(Record {
            c_name: None,
            rust_name: "SArray",
            is_union: false,
            compare_fields: false,
            fields: vec![
                field::<u32>("cValues", core::mem::offset_of!(SArray<T>, cValues)),
                field::<*mut T>("lp", core::mem::offset_of!(SArray<T>, lp)),
            ],
            rust_size: size_of::<SArray<T>>(),
            rust_align: align_of::<SArray<T>>(),
        })
    }
}

fn field<F: Layout>(name: &'static str, offset: usize) -> Field {
    Field {
        name,
        kind: F::kind(),
        rust_offset: offset,
    }
}

/// The [`Kind`] of the field `pick` selects, without a value.
pub fn kind_of<S, F: Layout>(_pick: fn(&S) -> &F) -> Kind {
    F::kind()
}

/// `impl Layout` for `#[repr(C)]` structs and unions whose Rust field names are the C ones:
/// `layouts! { struct SRow { ulAdrEntryPad, cValues, lpProps } union PV as "union _PV" { ... } }`
/// (`as ""` for an anonymous member type).
macro_rules! layouts {
    ($($kw:ident $ty:ident $(as $c_name:tt)? { $($field:ident),* $(,)? })*) => {
        $(impl $crate::oracle::Layout for $ty {
            #[allow(unused_unsafe)]
            fn kind() -> $crate::oracle::Kind {
                $crate::oracle::Kind::Record($crate::oracle::Record {
                    c_name: layouts!(@name $ty $(as $c_name)?),
                    rust_name: stringify!($ty),
                    is_union: layouts!(@union $kw),
                    compare_fields: true,
                    fields: vec![$($crate::oracle::Field {
                        // A raw identifier (`r#type`) is the C member `type`.
                        name: $crate::oracle::c_member(stringify!($field)),
                        kind: $crate::oracle::kind_of(|s: &$ty| unsafe { &s.$field }),
                        rust_offset: ::core::mem::offset_of!($ty, $field),
                    }),*],
                    rust_size: ::core::mem::size_of::<$ty>(),
                    rust_align: ::core::mem::align_of::<$ty>(),
                })
            }
        })*
    };
    (@name $ty:ident as "") => { None };
    (@name $ty:ident as $c_name:tt) => { Some($c_name) };
    (@name $ty:ident) => { Some(stringify!($ty)) };
    (@union struct) => { false };
    (@union union) => { true };
}

/// The C name of a Rust field: a raw identifier without its `r#`.
pub fn c_member(rust: &'static str) -> &'static str {
    rust.strip_prefix("r#").unwrap_or(rust)
}

/// Members the Outlook header has and mingw-w64 does not: `(C type, member)`.
pub const MEMBERS_ABSENT_IN_MINGW: &[(&str, &str)] = &[
    // `LPVOID lpv` (PT_PTR): no layout effect (section 11, item 8).
    ("union _PV", "lpv"),
];

pub fn record_of<T: Layout>() -> Record {
    match T::kind() {
        Kind::Record(record) => record,
        other => panic!("not a record: {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// The header side: parameter lists from the preprocessed headers

/// A parameter of the header: its type and name as spelled.
#[derive(Clone, Debug)]
pub struct HeaderParam {
    pub ty: String,
    pub name: String,
}

#[derive(Clone, Debug)]
pub struct HeaderMethod {
    pub ret: String,
    pub name: String,
    /// After `This`.
    pub params: Vec<HeaderParam>,
}

/// The methods of `struct IFooVtbl { ... }` in preprocessed C, in order.
pub fn parse_vtable(preprocessed: &str, interface: &str) -> Option<Vec<HeaderMethod>> {
    let start = preprocessed.find(&format!("struct {interface}Vtbl {{"))?;
    let open = start + preprocessed[start..].find('{')?;
    // The matching brace: `};` (mapidefs.h's macros) or `} IFooVtbl;` (objidl.h's).
    let mut depth = 0;
    let close = open
        + preprocessed[open..].find(|c: char| {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                _ => {}
            }
            depth == 0
        })?;
    let body = &preprocessed[open + 1..close];
    body.split(';')
        .map(str::trim)
        .filter(|member| !member.is_empty())
        .map(|member| parse_function_pointer(member, true))
        .collect()
}

/// The parameters of `typedef RET (CONV NAME)(params);` in preprocessed C.
pub fn parse_function_typedef(preprocessed: &str, name: &str) -> Option<HeaderMethod> {
    let pattern = format!("{name})(");
    let at = preprocessed.find(&pattern)?;
    let line_start = preprocessed[..at].rfind("typedef")?;
    let end = at + preprocessed[at..].find(';')?;
    let text = &preprocessed[line_start + "typedef".len()..end];
    let mut method = parse_function_pointer(text.trim(), false)?;
    method.name = name.into();
    Some(method)
}

/// `RET ( [attributes] *NAME) (PARAMS)`; with `has_this`, the first parameter is dropped.
fn parse_function_pointer(text: &str, has_this: bool) -> Option<HeaderMethod> {
    let open = text.find('(')?;
    let ret = text[..open].trim().to_string();
    let close = matching_paren(text, open)?;
    let declarator = &text[open + 1..close];
    let name = declarator
        .rsplit(|c: char| !(c.is_alphanumeric() || c == '_'))
        .find(|s| !s.is_empty())?
        .to_string();
    let params_open = close + text[close..].find('(')?;
    let params_close = matching_paren(text, params_open)?;
    let mut params: Vec<HeaderParam> = split_top_level(&text[params_open + 1..params_close])
        .into_iter()
        .filter(|p| !p.is_empty() && p != "void")
        .map(|p| split_param(&p))
        .collect();
    if has_this {
        if params.is_empty() {
            return None;
        }
        params.remove(0);
    }
    Some(HeaderMethod { ret, name, params })
}

fn matching_paren(text: &str, open: usize) -> Option<usize> {
    let mut depth = 0;
    for (i, c) in text[open..].char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(open + i);
                }
            }
            _ => {}
        }
    }
    None
}

fn split_top_level(text: &str) -> Vec<String> {
    let (mut parts, mut depth, mut current) = (Vec::new(), 0, String::new());
    for c in text.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(current.trim().to_string());
                current.clear();
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    parts.push(current.trim().to_string());
    parts
}

/// `LPENTRYID *lppEntryID` → (`LPENTRYID *`, `lppEntryID`); a parameter without a name keeps its
/// whole text as the type.
fn split_param(param: &str) -> HeaderParam {
    let name_start = param
        .rfind(|c: char| !(c.is_alphanumeric() || c == '_'))
        .map_or(0, |i| i + 1);
    let (ty, name) = param.split_at(name_start);
    let ty = ty.trim();
    let is_qualifier = matches!(
        ty,
        "" | "const" | "struct" | "union" | "unsigned" | "signed"
    );
    if is_qualifier {
        HeaderParam {
            ty: param.trim().into(),
            name: String::new(),
        }
    } else {
        HeaderParam {
            ty: ty.into(),
            name: name.into(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Generating and compiling the checks

/// Everything to check in one C file.
#[derive(Default)]
pub struct Oracle {
    pub vtables: Vec<Vtable>,
    pub entry_points: Vec<EntryPoint>,
    pub structs: Vec<Record>,
    /// `(table name, [(C name, value)])`.
    pub constants: Vec<(&'static str, Vec<(&'static str, u32)>)>,
    /// Constants known to be absent from the mingw headers (Outlook header only).
    pub constants_absent_in_mingw: &'static [&'static str],
    /// `(table name, [(C name, value)])` of enumeration values: no `#ifdef` can see them.
    pub enum_constants: Vec<(&'static str, Vec<(&'static str, u32)>)>,
    /// The ULONG_PTR exceptions in force.
    pub exceptions: &'static [UlongPtrException],
}

/// Problems found on the Rust side (descriptions against `offset_of!`, slot lists against
/// `METHOD_NAMES`, parameter counts, IIDs), before any C is compiled.
#[derive(Debug)]
pub struct Problems(pub Vec<String>);

pub const HEADERS: &str = "#define WIN32_LEAN_AND_MEAN\n#include <windows.h>\n#include <mapispi.h>\n#include <mapix.h>\n#include <mapitags.h>\n#include <mapicode.h>\n#include <stddef.h>\n";

/// The compilers, x64 first.
pub const COMPILERS: [&str; 2] = ["x86_64-w64-mingw32-gcc", "i686-w64-mingw32-gcc"];

/// Whether a compiler runs; the reason if not.
pub fn compiler_available(compiler: &str) -> Result<(), String> {
    match Command::new(compiler).arg("--version").output() {
        Ok(output) if output.status.success() => Ok(()),
        Ok(output) => Err(format!(
            "`{compiler} --version` failed: {:?}",
            output.status
        )),
        Err(error) => Err(format!("`{compiler}` not found: {error}")),
    }
}

/// The preprocessed headers (x64), from which parameter lists are read. `name` keeps the files of
/// tests running in parallel apart.
pub fn preprocess(dir: &Path, name: &str) -> Result<String, String> {
    preprocess_text(dir, &format!("{name}_headers"), HEADERS)
}

/// `text` as a C file `<name>.c` in `dir`, preprocessed by the x64 compiler (`-E -P`).
fn preprocess_text(dir: &Path, name: &str, text: &str) -> Result<String, String> {
    let source = dir.join(format!("{name}.c"));
    std::fs::write(&source, text).map_err(|e| e.to_string())?;
    let output = Command::new(COMPILERS[0])
        .args(["-E", "-P"])
        .arg(&source)
        .output()
        .map_err(|e| e.to_string())?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).into_owned());
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

fn c_string(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

/// `_Static_assert(condition, message);`
fn assert(out: &mut String, condition: &str, message: &str) {
    let _ = writeln!(
        out,
        "_Static_assert({condition}, \"{}\");",
        c_string(message)
    );
}

/// `x64` on 64-bit, `x86` on 32-bit.
fn by_width(x64: usize, x86: usize) -> String {
    if x64 == x86 {
        x64.to_string()
    } else {
        format!("(sizeof(void *) == 8 ? {x64} : {x86})")
    }
}

impl Oracle {
    /// Checks the Rust side (offsets against the computed layouts, names against
    /// `METHOD_NAMES`) and writes the C checks. `Err` lists the Rust-side problems.
    pub fn generate(&self, preprocessed: &str) -> Result<String, Problems> {
        let mut problems = Vec::new();
        let mut out = String::new();
        out.push_str("/* Generated by tests/oracle: the Rust declarations of mapi-spi against the mingw-w64 MAPI headers. */\n");
        out.push_str(HEADERS);
        out.push_str("#define TYPES_MATCH(a, b) __builtin_types_compatible_p(a, b)\n");
        out.push('\n');
        for vtable in &self.vtables {
            self.vtable_checks(vtable, preprocessed, &mut out, &mut problems);
        }
        for entry in &self.entry_points {
            self.entry_point_checks(entry, preprocessed, &mut out, &mut problems);
        }
        let mut done = BTreeSet::new();
        for check in &self.structs {
            struct_checks(check, &mut done, &mut out, &mut problems);
        }
        for (table, values) in &self.constants {
            let _ = writeln!(out, "\n/* constants: {table} */");
            for (name, value) in values {
                if self.constants_absent_in_mingw.contains(name) {
                    let _ = writeln!(
                        out,
                        "#ifdef {name}\n#error \"{name} is listed as absent from mingw but is defined\"\n#endif"
                    );
                    continue;
                }
                let _ = writeln!(
                    out,
                    "#ifndef {name}\n#error \"{name} ({table}) is not defined by the mingw headers\"\n#else"
                );
                assert(
                    &mut out,
                    &format!("(ULONG)({name}) == 0x{value:08X}u"),
                    &format!("{name}: Rust has 0x{value:08X}"),
                );
                out.push_str("#endif\n");
            }
        }
        for (table, values) in &self.enum_constants {
            let _ = writeln!(out, "\n/* enumeration values: {table} */");
            for (name, value) in values {
                assert(
                    &mut out,
                    &format!("(ULONG)({name}) == 0x{value:08X}u"),
                    &format!("{name}: Rust has 0x{value:08X}"),
                );
            }
        }
        if problems.is_empty() {
            Ok(out)
        } else {
            Err(Problems(problems))
        }
    }

    fn vtable_checks(
        &self,
        vtable: &Vtable,
        preprocessed: &str,
        out: &mut String,
        problems: &mut Vec<String>,
    ) {
        let (c, rust) = (vtable.c_name, vtable.rust_name);
        let pointer = size_of::<usize>();
        // Rust side: slots are consecutive pointers, in METHOD_NAMES order.
        let names: Vec<&str> = vtable.slots.iter().skip(3).map(|s| s.name).collect();
        if names != vtable.method_names {
            problems.push(format!(
                "{rust}: the oracle's slot list {names:?} is not METHOD_NAMES {:?}",
                vtable.method_names
            ));
        }
        for (index, slot) in vtable.slots.iter().enumerate() {
            if slot.offset != index * pointer {
                problems.push(format!(
                    "{rust}::{}: Rust offset {} is not slot {index}",
                    slot.name, slot.offset
                ));
            }
        }
        if vtable.size != vtable.slots.len() * pointer {
            problems.push(format!(
                "{rust}Vtbl: size {} for {} slots",
                vtable.size,
                vtable.slots.len()
            ));
        }
        let Some(header) = parse_vtable(preprocessed, c) else {
            problems.push(format!(
                "{c}Vtbl: not found in the preprocessed headers (or not parsed)"
            ));
            return;
        };
        let _ = writeln!(
            out,
            "\n/* {rust} against {c}Vtbl: {} slots */",
            vtable.slots.len()
        );
        assert(
            out,
            &format!("sizeof({c}Vtbl) == {} * sizeof(void *)", vtable.slots.len()),
            &format!("{c}Vtbl: Rust {rust} has {} slots", vtable.slots.len()),
        );
        for (index, slot) in vtable.slots.iter().enumerate() {
            let what = format!("{c}::{} (slot {index})", slot.name);
            assert(
                out,
                &format!(
                    "offsetof({c}Vtbl, {}) == {index} * sizeof(void *)",
                    slot.name
                ),
                &format!("{what}: Rust has it at slot {index}"),
            );
            let Some(method) = header.iter().find(|m| m.name == slot.name) else {
                problems.push(format!("{what}: no such member parsed from {c}Vtbl"));
                continue;
            };
            // `this` is the interface pointer in C, `*mut c_void` in Rust.
            let rust_params = &slot.sig.params[1..];
            if rust_params.len() != method.params.len() {
                problems.push(format!(
                    "{what}: Rust has {} parameters after this, the header {}",
                    rust_params.len(),
                    method.params.len()
                ));
                continue;
            }
            // The parse put back together, with Rust's calling convention.
            let rebuilt = Sig {
                conv: slot.sig.conv,
                ret: CType::Spelled(method.ret.clone()),
                params: method
                    .params
                    .iter()
                    .map(|p| CType::Spelled(p.ty.clone()))
                    .collect(),
            };
            assert(
                out,
                &format!(
                    "TYPES_MATCH(typeof((({c}Vtbl *)0)->{}), {})",
                    slot.name,
                    rebuilt.render_pointer(&format!("{c} *"))
                ),
                &format!(
                    "{what}: the header's type, or the calling convention (Rust {:?})",
                    slot.sig.conv
                ),
            );
            assert(
                out,
                &same_type(&method.ret, &slot.sig.ret.render()),
                &format!("{what}: result; Rust has {}", slot.sig.ret.render()),
            );
            for (i, (rust_ty, param)) in rust_params.iter().zip(&method.params).enumerate() {
                let exception = self.exceptions.iter().find(|e| {
                    e.interface == slot.declared_in && e.method == slot.name && e.index == i + 1
                });
                param_check(
                    out,
                    problems,
                    &format!("{what}: parameter {} `{}`", i + 1, param.name),
                    rust_ty,
                    param,
                    exception,
                );
            }
        }
        // Slots the header has and Rust does not are caught by the size check; name them too.
        for method in &header {
            if !vtable.slots.iter().any(|s| s.name == method.name) {
                problems.push(format!(
                    "{c}::{}: in the header, not in Rust {rust}",
                    method.name
                ));
            }
        }
    }

    fn entry_point_checks(
        &self,
        entry: &EntryPoint,
        preprocessed: &str,
        out: &mut String,
        problems: &mut Vec<String>,
    ) {
        let (c, rust) = (entry.c_name, entry.rust_name);
        let Some(header) = parse_function_typedef(preprocessed, c) else {
            problems.push(format!(
                "{c}: typedef not found in the preprocessed headers"
            ));
            return;
        };
        let _ = writeln!(out, "\n/* {rust} against {c} */");
        if header.params.len() != entry.sig.params.len() {
            problems.push(format!(
                "{c}: Rust {rust} has {} parameters, the header {}",
                entry.sig.params.len(),
                header.params.len()
            ));
            return;
        }
        let rebuilt = Sig {
            conv: entry.sig.conv,
            ret: CType::Spelled(header.ret.clone()),
            params: header
                .params
                .iter()
                .map(|p| CType::Spelled(p.ty.clone()))
                .collect(),
        };
        assert(
            out,
            &format!("TYPES_MATCH({c} *, {})", rebuilt.render_pointer("")),
            &format!(
                "{c}: the header's type, or the calling convention (Rust {:?})",
                entry.sig.conv
            ),
        );
        assert(
            out,
            &same_type(&header.ret, &entry.sig.ret.render()),
            &format!("{c}: result"),
        );
        for (i, (rust_ty, param)) in entry.sig.params.iter().zip(&header.params).enumerate() {
            // An entry point's exceptions are listed as `TYPEDEF::TYPEDEF(index name)`.
            let exception = self
                .exceptions
                .iter()
                .find(|e| e.interface == c && e.method == c && e.index == i + 1);
            param_check(
                out,
                problems,
                &format!("{c}: parameter {} `{}`", i + 1, param.name),
                rust_ty,
                param,
                exception,
            );
        }
    }
}

/// One parameter: the Rust type's C spelling against the header's type.
///
/// - `*mut c_void` (an interface argument, `LPVOID`, `LPTSTR`) matches any pointer,
///   `*mut *mut c_void` (an interface out-parameter, `LPTSTR *`) any pointer to a pointer, and so
///   on (`__builtin_classify_type` of `(T)0`, `*(T)0`, ...: 5 is a pointer);
/// - `*mut u8` matches `BYTE *` and `char *` (`LPSTR`: 8-bit text), `i32` `LONG` and `int`,
///   `u32` `ULONG` and `unsigned int` (same size and kind on Windows);
/// - a listed exception must be `ULONG_PTR`-based in Rust and the same with `ULONG` in mingw;
/// - anything else must be the same type (`__builtin_types_compatible_p`).
fn param_check(
    out: &mut String,
    problems: &mut Vec<String>,
    what: &str,
    rust: &CType,
    header: &HeaderParam,
    exception: Option<&UlongPtrException>,
) {
    let h = &header.ty;
    let r = rust.render();
    if let Some(exception) = exception {
        if exception.param != header.name {
            problems.push(format!(
                "{what}: the exception names `{}`, the header `{}`",
                exception.param, header.name
            ));
        }
        if !r.contains("ULONG_PTR") {
            problems.push(format!(
                "{what}: the Outlook header has ULONG_PTR here (mingw: {h}); Rust has {r}"
            ));
            return;
        }
        let mingw = r.replace("ULONG_PTR", "ULONG");
        assert(
            out,
            // On i686 `ULONG_PTR` is `ULONG`: only x64 can tell them apart.
            &format!(
                "TYPES_MATCH({h}, {mingw}) && (sizeof(void *) == 4 || !TYPES_MATCH({h}, {r}))"
            ),
            &format!(
                "{what}: listed as ULONG_PTR in Outlook and ULONG in mingw; mingw has {h}, Rust {r}"
            ),
        );
        return;
    }
    let condition = match rust.void_depth() {
        0 => same_type(h, &r),
        depth => pointer_depth(h, depth),
    };
    assert(out, &condition, &format!("{what}: mingw has {h}, Rust {r}"));
}

/// `TYPES_MATCH(h, r)`, where a Rust type stands for every C type of its size and kind: `LONG`
/// (`i32`) for `LONG` and `int`, `ULONG` (`u32`) for `ULONG` and `unsigned int`, `BYTE *`
/// (`*mut u8`) for `BYTE *` and `char *` (`LPSTR`).
fn same_type(h: &str, r: &str) -> String {
    let alternatives: &[&str] = match r {
        "LONG" => &["LONG", "int"],
        "ULONG" => &["ULONG", "unsigned int"],
        "BYTE *" => &["BYTE *", "char *"],
        _ => &[],
    };
    if alternatives.is_empty() {
        return format!("TYPES_MATCH({h}, {r})");
    }
    let any: Vec<String> = alternatives
        .iter()
        .map(|a| format!("TYPES_MATCH({h}, {a})"))
        .collect();
    format!("({})", any.join(" || "))
}

/// `h` is a pointer type with at least `depth` levels of pointers (`*(h)0`, `**(h)0`, ... are
/// pointers too).
fn pointer_depth(h: &str, depth: usize) -> String {
    (0..depth)
        .map(|level| format!("__builtin_classify_type({}({h})0) == 5", "*".repeat(level)))
        .collect::<Vec<_>>()
        .join(" && ")
}

fn struct_checks(
    record: &Record,
    done: &mut BTreeSet<String>,
    out: &mut String,
    problems: &mut Vec<String>,
) {
    let Some(c_name) = record.c_name else {
        problems.push(format!(
            "{}: only named records can be checked",
            record.rust_name
        ));
        return;
    };
    if !done.insert(c_name.to_string()) {
        return;
    }
    // Rust side: the description computes the layout Rust actually has.
    verify_rust(record, problems);
    let (x64, x86) = (record.compute(8), record.compute(4));
    let _ = writeln!(out, "\n/* {} against {c_name} */", record.rust_name);
    assert(
        out,
        &format!("sizeof({c_name}) == {}", by_width(x64.size, x86.size)),
        &format!(
            "sizeof({c_name}): Rust {} has {} (x64) / {} (x86)",
            record.rust_name, x64.size, x86.size
        ),
    );
    assert(
        out,
        &format!("_Alignof({c_name}) == {}", by_width(x64.align, x86.align)),
        &format!(
            "alignment of {c_name}: Rust has {} (x64) / {} (x86)",
            x64.align, x86.align
        ),
    );
    if record.compare_fields {
        member_checks(c_name, "", record, 0, 0, done, out, problems);
    }
}

/// Offsets and sizes of every field of `record`, found at `prefix` inside `c_name`, which itself
/// starts at `base64` / `base86`.
#[allow(clippy::too_many_arguments)]
fn member_checks(
    c_name: &str,
    prefix: &str,
    record: &Record,
    base64: usize,
    base86: usize,
    done: &mut BTreeSet<String>,
    out: &mut String,
    problems: &mut Vec<String>,
) {
    let (x64, x86) = (record.compute(8), record.compute(4));
    for (i, field) in record.fields.iter().enumerate() {
        let path = format!("{prefix}{}", field.name);
        if MEMBERS_ABSENT_IN_MINGW.contains(&(c_name, &path)) {
            let _ = writeln!(
                out,
                "/* {c_name}.{path}: Outlook header only, not in mingw */"
            );
            continue;
        }
        let (o64, o86) = (base64 + x64.offsets[i], base86 + x86.offsets[i]);
        let (s64, _) = field.kind.size_align(8);
        let (s86, _) = field.kind.size_align(4);
        assert(
            out,
            &format!("offsetof({c_name}, {path}) == {}", by_width(o64, o86)),
            &format!("{c_name}.{path}: Rust offset {o64} (x64) / {o86} (x86)"),
        );
        assert(
            out,
            &format!("sizeof((({c_name} *)0)->{path}) == {}", by_width(s64, s86)),
            &format!("{c_name}.{path}: Rust size {s64} (x64) / {s86} (x86)"),
        );
        if let Kind::Record(inner) = &field.kind {
            match inner.c_name {
                // A named member type is also checked on its own.
                Some(_) => struct_checks(inner, done, out, problems),
                None if inner.compare_fields => member_checks(
                    c_name,
                    &format!("{path}."),
                    inner,
                    o64,
                    o86,
                    done,
                    out,
                    problems,
                ),
                None => {}
            }
        }
    }
}

/// The description's computed x64 layout must be the one Rust has (same pointer width as this
/// build), so the i686 numbers computed from the same description describe the Rust types too.
fn verify_rust(record: &Record, problems: &mut Vec<String>) {
    let computed = record.compute(size_of::<usize>());
    if computed.size != record.rust_size || computed.align != record.rust_align {
        problems.push(format!(
            "{}: the description gives size {} align {}, Rust has {} {}",
            record.rust_name, computed.size, computed.align, record.rust_size, record.rust_align
        ));
    }
    for (field, offset) in record.fields.iter().zip(&computed.offsets) {
        if field.rust_offset != *offset {
            problems.push(format!(
                "{}.{}: the description gives offset {offset}, Rust has {}",
                record.rust_name, field.name, field.rust_offset
            ));
        }
        if let Kind::Record(inner) = &field.kind {
            verify_rust(inner, problems);
        }
    }
}

/// The MAPI IIDs of `mapiguid.h`, all `DEFINE_OLEGUID(name, l, 0, 0)`: `(name, GUID)`. Read by
/// preprocessing the header with `DEFINE_OLEGUID` redefined to leave its arguments in the text.
pub fn header_iids(dir: &Path, name: &str) -> Result<Vec<(String, windows_core::GUID)>, String> {
    let text = preprocess_text(
        dir,
        &format!("{name}_guids"),
        "#include <windows.h>\n#undef DEFINE_OLEGUID\n#define DEFINE_OLEGUID(n, l, w1, w2) ORACLE_IID n l w1 w2\n#include <mapiguid.h>\n",
    )?;
    let mut iids = Vec::new();
    for line in text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("ORACLE_IID "))
    {
        let parts: Vec<&str> = line.trim_end_matches(';').split_whitespace().collect();
        let [name, l, w1, w2] = parts[..] else {
            return Err(format!("unexpected DEFINE_OLEGUID: {line}"));
        };
        let number = |t: &str| {
            let t = t.trim_start_matches("0x").trim_start_matches("0X");
            u32::from_str_radix(t, 16).map_err(|e| format!("{line}: {e}"))
        };
        let guid = windows_core::GUID {
            data1: number(l)?,
            data2: number(w1)? as u16,
            data3: number(w2)? as u16,
            data4: [0xC0, 0, 0, 0, 0, 0, 0, 0x46],
        };
        iids.push((name.to_string(), guid));
    }
    Ok(iids)
}

/// The `mapiguid.h` name of an interface's IID: `IID_IFoo`, except `IID_IMAPISup` and
/// `IID_IAttachment`.
pub fn iid_name(interface: &str) -> String {
    match interface {
        "IMAPISupport" => "IID_IMAPISup".into(),
        "IAttach" => "IID_IAttachment".into(),
        other => format!("IID_{other}"),
    }
}

/// The IIDs of OLE's interfaces, which are in the COM headers (objidl.h), not in mapiguid.h: as
/// `INITGUID` makes `DEFINE_GUID` spell them, `const GUID ... IID_X = { l, w1, w2, { b... } };`.
pub fn ole_iids(dir: &Path, name: &str) -> Result<Vec<(String, windows_core::GUID)>, String> {
    let text = preprocess_text(
        dir,
        &format!("{name}_ole_guids"),
        "#define INITGUID\n#include <windows.h>\n#include <objidl.h>\n",
    )?;
    let mut iids = Vec::new();
    for line in text.lines().filter(|l| l.starts_with("const GUID")) {
        let Some((left, right)) = line.split_once('=') else {
            continue;
        };
        let Some(iid) = left
            .split_whitespace()
            .last()
            .filter(|n| n.starts_with("IID_"))
        else {
            continue;
        };
        let numbers: Vec<u32> = right
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter_map(|t| t.strip_prefix("0x"))
            .map(|t| u32::from_str_radix(t, 16).map_err(|e| format!("{line}: {e}")))
            .collect::<Result<_, _>>()?;
        let [l, w1, w2, ref bytes @ ..] = numbers[..] else {
            return Err(format!("unexpected GUID: {line}"));
        };
        let data4: [u8; 8] = bytes
            .iter()
            .map(|&b| b as u8)
            .collect::<Vec<_>>()
            .try_into()
            .map_err(|_| format!("unexpected GUID: {line}"))?;
        let guid = windows_core::GUID {
            data1: l,
            data2: w1 as u16,
            data3: w2 as u16,
            data4,
        };
        iids.push((iid.to_string(), guid));
    }
    Ok(iids)
}

/// Every vtable's IID against `mapiguid.h` and, for OLE's interfaces, objidl.h (IUnknown's is
/// windows-core's).
pub fn iid_problems(vtables: &[Vtable], iids: &[(String, windows_core::GUID)]) -> Vec<String> {
    let mut problems = Vec::new();
    for vtable in vtables.iter().filter(|v| v.c_name != "IUnknown") {
        let name = iid_name(vtable.c_name);
        match iids.iter().find(|(n, _)| *n == name) {
            None => problems.push(format!("{name}: not in mapiguid.h or objidl.h")),
            Some((_, guid)) if *guid != vtable.iid => problems.push(format!(
                "{name}: the header has {guid:?}, Rust {} has {:?}",
                vtable.rust_name, vtable.iid
            )),
            Some(_) => {}
        }
    }
    problems
}

/// Compiles `source` with each compiler; the compilers' error output if any fails.
pub fn compile(dir: &Path, name: &str, source: &str) -> Result<(), String> {
    let path: PathBuf = dir.join(format!("{name}.c"));
    std::fs::write(&path, source).map_err(|e| e.to_string())?;
    let mut failures = String::new();
    for compiler in COMPILERS {
        let output = Command::new(compiler)
            .args(["-fsyntax-only", "-std=gnu11", "-fmax-errors=0"])
            .arg(&path)
            .output()
            .map_err(|e| format!("{compiler}: {e}"))?;
        if !output.status.success() {
            let _ = writeln!(
                failures,
                "{compiler} rejected {}:\n{}",
                path.display(),
                String::from_utf8_lossy(&output.stderr)
            );
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(failures)
    }
}

/// The directory for generated files: `target/tmp/abi_oracle`.
pub fn work_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("abi_oracle");
    std::fs::create_dir_all(&dir).expect("create the oracle's directory");
    dir
}

/// Whether the compilers are there; panics under CI (`CI=true`) if not, so CI cannot skip the
/// oracle. Returns `false` (skip) elsewhere.
pub fn compilers_or_skip() -> bool {
    let missing: Vec<String> = COMPILERS
        .iter()
        .filter_map(|c| compiler_available(c).err())
        .collect();
    if missing.is_empty() {
        return true;
    }
    let message = format!(
        "the mingw-w64 compilers are required by the layout oracle: {}; run .ci/install-mingw",
        missing.join("; ")
    );
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{message}");
    }
    eprintln!("SKIPPED (not under CI=true): {message}");
    false
}
