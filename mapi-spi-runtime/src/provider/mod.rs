//! What every provider shares, whatever its SPI: the entry points' types and version negotiation
//! ([`entry`]), failures and how they reach MAPI ([`ProviderError`], [`no_error_info`]), what an
//! entry point received ([`ProviderContext`]), text as MAPI passes it ([`text`]), and the message
//! service a provider belongs to, with its MAPISVC.INF sections ([`service`]).
//!
//! The message store SPI is [`store`]: a store provider implements
//! [`store::StoreProvider`] and exports `MSProviderInit` with [`crate::ms_provider_init!`].

pub mod entry;
pub mod profile;
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

impl ProviderError {
    /// Reports the error to MAPI: returns its code (never a success code: a success-class
    /// code becomes `MAPI_E_CALL_FAILED`) and, when the caller asked for one, writes a
    /// `MAPIERROR` with the message (or the code's name when there is none) and `component`,
    /// in the width `unicode` says, allocated from `allocators`. Without memory for the
    /// report, the code alone still tells MAPI what failed.
    ///
    /// # Safety
    ///
    /// `lppMAPIError` is NULL or valid for a pointer write.
    #[allow(non_snake_case)]
    pub unsafe fn report(
        self,
        component: &str,
        allocators: &AllocatorSet,
        unicode: bool,
        lppMAPIError: *mut *mut crate::types::MAPIERROR,
    ) -> HRESULT {
        let code = if self.code.is_ok() {
            crate::codes::MAPI_E_CALL_FAILED
        } else {
            self.code
        };
        if !lppMAPIError.is_null() {
            let message = self
                .message
                .unwrap_or_else(|| match crate::codes::name(code) {
                    Some(name) => name.to_owned(),
                    None => format!("0x{:08X}", code.0 as u32),
                });
            let info = crate::alloc::builders::ErrorInfo {
                error: Some(&message),
                component: Some(component),
                ..Default::default()
            };
            let flags = if unicode {
                crate::flags::MAPI_UNICODE
            } else {
                0
            };
            if let Ok(report) = crate::alloc::builders::mapi_error(allocators, &info, flags) {
                // SAFETY: writable (caller); the block is MAPI's to free from now on.
                unsafe { lppMAPIError.write(report.into_raw().cast()) };
            }
        }
        code
    }
}

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
