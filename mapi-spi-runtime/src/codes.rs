//! Result codes of the MAPI SPI (`mapicode.h`) and of the streams it hands out (`winerror.h`'s
//! `STG_E_*`), as `HRESULT`s, and [`SuccessCode`].
//!
//! The Outlook `MAPICode.h` and mingw-w64 `mapicode.h` agree on every value here.
//! `MAKE_MAPI_E(x)` is `0x80040000 | x`, `MAKE_MAPI_S(x)` is `0x00040000 | x`.
#![allow(clippy::unreadable_literal)]

use windows_core::HRESULT;

const fn code(value: u32) -> HRESULT {
    HRESULT(value as i32)
}

pub const S_OK: HRESULT = code(0);
/// `S_FALSE`: success, "no" or "nothing done".
pub const S_FALSE: HRESULT = code(1);

/// Success with some per-item errors (for example `PT_ERROR` values in a `GetProps` result).
pub const MAPI_W_ERRORS_RETURNED: HRESULT = code(0x00040380);
pub const MAPI_W_NO_SERVICE: HRESULT = code(0x00040203);
pub const MAPI_W_POSITION_CHANGED: HRESULT = code(0x00040481);
pub const MAPI_W_APPROX_COUNT: HRESULT = code(0x00040482);
pub const MAPI_W_CANCEL_MESSAGE: HRESULT = code(0x00040580);
pub const MAPI_W_PARTIAL_COMPLETION: HRESULT = code(0x00040680);

/// `E_FAIL`. Also what a generated thunk returns when the implementation panics.
pub const MAPI_E_CALL_FAILED: HRESULT = code(0x80004005);
/// `E_OUTOFMEMORY`.
pub const MAPI_E_NOT_ENOUGH_MEMORY: HRESULT = code(0x8007000E);
/// `E_INVALIDARG`.
pub const MAPI_E_INVALID_PARAMETER: HRESULT = code(0x80070057);
/// `E_NOINTERFACE`.
pub const MAPI_E_INTERFACE_NOT_SUPPORTED: HRESULT = code(0x80004002);
/// `E_ACCESSDENIED`.
pub const MAPI_E_NO_ACCESS: HRESULT = code(0x80070005);
/// `E_POINTER`: a required pointer argument was NULL (COM's code; `QueryInterface` returns it).
pub const E_POINTER: HRESULT = code(0x80004003);
/// `E_NOINTERFACE`, COM's name for [`MAPI_E_INTERFACE_NOT_SUPPORTED`].
pub const E_NOINTERFACE: HRESULT = MAPI_E_INTERFACE_NOT_SUPPORTED;
/// `E_FAIL`, COM's name for [`MAPI_E_CALL_FAILED`].
pub const E_FAIL: HRESULT = MAPI_E_CALL_FAILED;

pub const MAPI_E_NO_SUPPORT: HRESULT = code(0x80040102);
pub const MAPI_E_BAD_CHARWIDTH: HRESULT = code(0x80040103);
pub const MAPI_E_STRING_TOO_LONG: HRESULT = code(0x80040105);
pub const MAPI_E_UNKNOWN_FLAGS: HRESULT = code(0x80040106);
pub const MAPI_E_INVALID_ENTRYID: HRESULT = code(0x80040107);
pub const MAPI_E_INVALID_OBJECT: HRESULT = code(0x80040108);
pub const MAPI_E_OBJECT_CHANGED: HRESULT = code(0x80040109);
pub const MAPI_E_OBJECT_DELETED: HRESULT = code(0x8004010A);
pub const MAPI_E_BUSY: HRESULT = code(0x8004010B);
pub const MAPI_E_NOT_ENOUGH_DISK: HRESULT = code(0x8004010D);
pub const MAPI_E_NOT_ENOUGH_RESOURCES: HRESULT = code(0x8004010E);
pub const MAPI_E_NOT_FOUND: HRESULT = code(0x8004010F);
pub const MAPI_E_VERSION: HRESULT = code(0x80040110);
pub const MAPI_E_LOGON_FAILED: HRESULT = code(0x80040111);
pub const MAPI_E_SESSION_LIMIT: HRESULT = code(0x80040112);
pub const MAPI_E_USER_CANCEL: HRESULT = code(0x80040113);
pub const MAPI_E_UNABLE_TO_ABORT: HRESULT = code(0x80040114);
pub const MAPI_E_NETWORK_ERROR: HRESULT = code(0x80040115);
pub const MAPI_E_DISK_ERROR: HRESULT = code(0x80040116);
pub const MAPI_E_TOO_COMPLEX: HRESULT = code(0x80040117);
pub const MAPI_E_BAD_COLUMN: HRESULT = code(0x80040118);
pub const MAPI_E_EXTENDED_ERROR: HRESULT = code(0x80040119);
pub const MAPI_E_COMPUTED: HRESULT = code(0x8004011A);
pub const MAPI_E_CORRUPT_DATA: HRESULT = code(0x8004011B);
pub const MAPI_E_UNCONFIGURED: HRESULT = code(0x8004011C);
pub const MAPI_E_FAILONEPROVIDER: HRESULT = code(0x8004011D);
pub const MAPI_E_UNKNOWN_CPID: HRESULT = code(0x8004011E);
pub const MAPI_E_UNKNOWN_LCID: HRESULT = code(0x8004011F);
pub const MAPI_E_PASSWORD_CHANGE_REQUIRED: HRESULT = code(0x80040120);
pub const MAPI_E_PASSWORD_EXPIRED: HRESULT = code(0x80040121);
pub const MAPI_E_INVALID_WORKSTATION_ACCOUNT: HRESULT = code(0x80040122);
pub const MAPI_E_INVALID_ACCESS_TIME: HRESULT = code(0x80040123);
pub const MAPI_E_ACCOUNT_DISABLED: HRESULT = code(0x80040124);
pub const MAPI_E_END_OF_SESSION: HRESULT = code(0x80040200);
pub const MAPI_E_UNKNOWN_ENTRYID: HRESULT = code(0x80040201);
pub const MAPI_E_MISSING_REQUIRED_COLUMN: HRESULT = code(0x80040202);
pub const MAPI_E_BAD_VALUE: HRESULT = code(0x80040301);
pub const MAPI_E_INVALID_TYPE: HRESULT = code(0x80040302);
pub const MAPI_E_TYPE_NO_SUPPORT: HRESULT = code(0x80040303);
pub const MAPI_E_UNEXPECTED_TYPE: HRESULT = code(0x80040304);
pub const MAPI_E_TOO_BIG: HRESULT = code(0x80040305);
pub const MAPI_E_DECLINE_COPY: HRESULT = code(0x80040306);
pub const MAPI_E_UNEXPECTED_ID: HRESULT = code(0x80040307);
pub const MAPI_E_UNABLE_TO_COMPLETE: HRESULT = code(0x80040400);
pub const MAPI_E_TIMEOUT: HRESULT = code(0x80040401);
pub const MAPI_E_TABLE_EMPTY: HRESULT = code(0x80040402);
pub const MAPI_E_TABLE_TOO_BIG: HRESULT = code(0x80040403);
pub const MAPI_E_INVALID_BOOKMARK: HRESULT = code(0x80040405);
pub const MAPI_E_WAIT: HRESULT = code(0x80040500);
pub const MAPI_E_CANCEL: HRESULT = code(0x80040501);
pub const MAPI_E_NOT_ME: HRESULT = code(0x80040502);
pub const MAPI_E_CORRUPT_STORE: HRESULT = code(0x80040600);
pub const MAPI_E_NOT_IN_QUEUE: HRESULT = code(0x80040601);
pub const MAPI_E_NO_SUPPRESS: HRESULT = code(0x80040602);
pub const MAPI_E_COLLISION: HRESULT = code(0x80040604);
pub const MAPI_E_NOT_INITIALIZED: HRESULT = code(0x80040605);
pub const MAPI_E_NON_STANDARD: HRESULT = code(0x80040606);
pub const MAPI_E_NO_RECIPIENTS: HRESULT = code(0x80040607);
pub const MAPI_E_SUBMITTED: HRESULT = code(0x80040608);
pub const MAPI_E_HAS_FOLDERS: HRESULT = code(0x80040609);
pub const MAPI_E_HAS_MESSAGES: HRESULT = code(0x8004060A);
pub const MAPI_E_FOLDER_CYCLE: HRESULT = code(0x8004060B);
pub const MAPI_E_AMBIGUOUS_RECIP: HRESULT = code(0x80040700);

// Structured storage (winerror.h): what an `IStream` answers.
/// The stream cannot do this (`LockRegion` on a stream without locks, a seek before the start).
pub const STG_E_INVALIDFUNCTION: HRESULT = code(0x80030001);
/// The stream was opened without write access.
pub const STG_E_ACCESSDENIED: HRESULT = code(0x80030005);
/// A required pointer argument was NULL.
pub const STG_E_INVALIDPOINTER: HRESULT = code(0x80030009);
/// No memory for the stream's data.
pub const STG_E_INSUFFICIENTMEMORY: HRESULT = code(0x80030008);
/// A flag or a seek origin the method does not know.
pub const STG_E_INVALIDFLAG: HRESULT = code(0x800300FF);
/// The stream's data would not fit (over 4 GiB).
pub const STG_E_MEDIUMFULL: HRESULT = code(0x80030070);

macro_rules! table {
    ($($name:ident),* $(,)?) => {
        [$(($name, stringify!($name))),*]
    };
}

/// Every code of this module with its C name, aliases (`E_FAIL`, `E_NOINTERFACE`) left out so
/// the MAPI name wins (for [`name`], and for the ABI tests that check each value against the
/// headers).
pub const ALL: &[(HRESULT, &str)] = &table![
    S_OK,
    S_FALSE,
    MAPI_W_ERRORS_RETURNED,
    MAPI_W_NO_SERVICE,
    MAPI_W_POSITION_CHANGED,
    MAPI_W_APPROX_COUNT,
    MAPI_W_CANCEL_MESSAGE,
    MAPI_W_PARTIAL_COMPLETION,
    MAPI_E_CALL_FAILED,
    MAPI_E_NOT_ENOUGH_MEMORY,
    MAPI_E_INVALID_PARAMETER,
    MAPI_E_INTERFACE_NOT_SUPPORTED,
    MAPI_E_NO_ACCESS,
    E_POINTER,
    MAPI_E_NO_SUPPORT,
    MAPI_E_BAD_CHARWIDTH,
    MAPI_E_STRING_TOO_LONG,
    MAPI_E_UNKNOWN_FLAGS,
    MAPI_E_INVALID_ENTRYID,
    MAPI_E_INVALID_OBJECT,
    MAPI_E_OBJECT_CHANGED,
    MAPI_E_OBJECT_DELETED,
    MAPI_E_BUSY,
    MAPI_E_NOT_ENOUGH_DISK,
    MAPI_E_NOT_ENOUGH_RESOURCES,
    MAPI_E_NOT_FOUND,
    MAPI_E_VERSION,
    MAPI_E_LOGON_FAILED,
    MAPI_E_SESSION_LIMIT,
    MAPI_E_USER_CANCEL,
    MAPI_E_UNABLE_TO_ABORT,
    MAPI_E_NETWORK_ERROR,
    MAPI_E_DISK_ERROR,
    MAPI_E_TOO_COMPLEX,
    MAPI_E_BAD_COLUMN,
    MAPI_E_EXTENDED_ERROR,
    MAPI_E_COMPUTED,
    MAPI_E_CORRUPT_DATA,
    MAPI_E_UNCONFIGURED,
    MAPI_E_FAILONEPROVIDER,
    MAPI_E_UNKNOWN_CPID,
    MAPI_E_UNKNOWN_LCID,
    MAPI_E_PASSWORD_CHANGE_REQUIRED,
    MAPI_E_PASSWORD_EXPIRED,
    MAPI_E_INVALID_WORKSTATION_ACCOUNT,
    MAPI_E_INVALID_ACCESS_TIME,
    MAPI_E_ACCOUNT_DISABLED,
    MAPI_E_END_OF_SESSION,
    MAPI_E_UNKNOWN_ENTRYID,
    MAPI_E_MISSING_REQUIRED_COLUMN,
    MAPI_E_BAD_VALUE,
    MAPI_E_INVALID_TYPE,
    MAPI_E_TYPE_NO_SUPPORT,
    MAPI_E_UNEXPECTED_TYPE,
    MAPI_E_TOO_BIG,
    MAPI_E_DECLINE_COPY,
    MAPI_E_UNEXPECTED_ID,
    MAPI_E_UNABLE_TO_COMPLETE,
    MAPI_E_TIMEOUT,
    MAPI_E_TABLE_EMPTY,
    MAPI_E_TABLE_TOO_BIG,
    MAPI_E_INVALID_BOOKMARK,
    MAPI_E_WAIT,
    MAPI_E_CANCEL,
    MAPI_E_NOT_ME,
    MAPI_E_CORRUPT_STORE,
    MAPI_E_NOT_IN_QUEUE,
    MAPI_E_NO_SUPPRESS,
    MAPI_E_COLLISION,
    MAPI_E_NOT_INITIALIZED,
    MAPI_E_NON_STANDARD,
    MAPI_E_NO_RECIPIENTS,
    MAPI_E_SUBMITTED,
    MAPI_E_HAS_FOLDERS,
    MAPI_E_HAS_MESSAGES,
    MAPI_E_FOLDER_CYCLE,
    MAPI_E_AMBIGUOUS_RECIP,
    STG_E_INVALIDFUNCTION,
    STG_E_ACCESSDENIED,
    STG_E_INVALIDPOINTER,
    STG_E_INSUFFICIENTMEMORY,
    STG_E_INVALIDFLAG,
    STG_E_MEDIUMFULL,
];

/// The name of a MAPI or COM result code, for logs and transcripts (`"MAPI_E_NOT_FOUND"`).
/// Returns `None` for codes this module does not define.
pub fn name(hr: HRESULT) -> Option<&'static str> {
    ALL.iter()
        .find(|(code, _)| *code == hr)
        .map(|(_, name)| *name)
}

/// [`name`], or the code in hexadecimal (`"0x80040999"`) for one this module does not define:
/// a code as a `MAPIERROR`'s text names it.
pub fn name_or_hex(hr: HRESULT) -> std::borrow::Cow<'static, str> {
    match name(hr) {
        Some(name) => name.into(),
        None => format!("0x{:08X}", hr.0 as u32).into(),
    }
}

/// A success `HRESULT` (severity bit clear): `S_OK`, or a warning such as
/// [`MAPI_W_ERRORS_RETURNED`].
///
/// Interface methods may return `Result<SuccessCode>`: `Ok` can then carry a warning, and
/// cannot carry a failure code by mistake.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub struct SuccessCode(HRESULT);

impl SuccessCode {
    pub const S_OK: Self = Self(S_OK);
    pub const ERRORS_RETURNED: Self = Self(MAPI_W_ERRORS_RETURNED);
    pub const PARTIAL_COMPLETION: Self = Self(MAPI_W_PARTIAL_COMPLETION);

    /// `Some` if `hr` is a success code, `None` for a failure code.
    pub const fn new(hr: HRESULT) -> Option<Self> {
        if hr.is_ok() { Some(Self(hr)) } else { None }
    }

    pub const fn hresult(self) -> HRESULT {
        self.0
    }
}

impl From<SuccessCode> for HRESULT {
    fn from(code: SuccessCode) -> Self {
        code.0
    }
}
