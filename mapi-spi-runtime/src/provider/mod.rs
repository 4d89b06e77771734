//! What every provider shares, whatever its SPI: the entry points' types and version negotiation
//! ([`entry`]), failures and how they reach MAPI ([`ProviderError`], [`no_error_info`]), what an
//! entry point received ([`ProviderContext`]), text as MAPI passes it ([`text`]), and the message
//! service a provider belongs to, with its MAPISVC.INF sections ([`service`]).
//!
//! The message store SPI is [`store`]: a store provider implements
//! [`store::StoreProvider`] and exports `MSProviderInit` with [`crate::ms_provider_init!`].

pub mod entry;
pub mod service;
pub mod store;
pub mod text;

use windows_core::HRESULT;

use crate::alloc::AllocatorSet;

/// What `MSProviderInit` reports, and the oldest MAPI SPI it accepts.
pub use crate::flags::CURRENT_SPI_VERSION;

/// A failed provider operation: the code MAPI receives and, optionally, a message it receives in
/// a `MAPIERROR` when the caller asked for one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderError {
    pub code: HRESULT,
    pub message: Option<String>,
}

impl ProviderError {
    pub fn new(code: HRESULT, message: impl Into<String>) -> Self {
        Self {
            code,
            message: Some(message.into()),
        }
    }
}

impl From<HRESULT> for ProviderError {
    fn from(code: HRESULT) -> Self {
        Self {
            code,
            message: None,
        }
    }
}

impl From<windows_core::Error> for ProviderError {
    fn from(error: windows_core::Error) -> Self {
        Self {
            code: error.code(),
            message: None,
        }
    }
}

pub type ProviderResult<T> = Result<T, ProviderError>;

/// The answer of a `GetLastError` (`IMAPIProp`, `IMSLogon`, `IABLogon`, `IMAPISupport`, ...)
/// that has nothing to report: `S_OK` with `*lppMAPIError = NULL`, as the docs allow;
/// `MAPI_E_INVALID_PARAMETER` for a NULL `lppMAPIError`. The runtime's store and logon objects
/// answer this way: they keep no per-call error text.
///
/// # Safety
///
/// `lppMAPIError` is NULL or valid for a pointer write.
#[allow(non_snake_case)]
pub unsafe fn no_error_info(lppMAPIError: *mut *mut crate::types::MAPIERROR) -> HRESULT {
    if lppMAPIError.is_null() {
        return crate::codes::MAPI_E_INVALID_PARAMETER;
    }
    // SAFETY: not NULL, and writable by the caller's contract.
    unsafe { lppMAPIError.write(core::ptr::null_mut()) };
    crate::codes::S_OK
}

/// What `MSProviderInit` received, for [`store::StoreProvider::create`].
pub struct ProviderContext {
    /// The provider DLL's `HINSTANCE`, as an address (0 under mapi4linux).
    pub instance: usize,
    /// `MSProviderInit`'s `ulFlags` (`MAPI_NT_SERVICE`: never show UI).
    pub flags: u32,
    pub allocators: AllocatorSet,
}
