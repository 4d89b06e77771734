//! What every provider shares, whatever its SPI: the entry points' types and version negotiation
//! ([`entry`]), failures and how they reach MAPI ([`ProviderError`], [`LastError`],
//! [`no_error_info`]), what an entry point received ([`ProviderContext`]), text as MAPI passes it
//! ([`text`]), and the message service a provider belongs to, with its MAPISVC.INF sections
//! ([`service`]).
//!
//! The message store SPI is [`store`]: a store provider implements
//! [`store::StoreProvider`] and exports `MSProviderInit` with [`crate::ms_provider_init!`].

pub mod entry;
pub mod last_error;
#[cfg(feature = "service")]
#[cfg_attr(docsrs, doc(cfg(feature = "service")))]
pub mod profile;
#[cfg(feature = "service")]
#[cfg_attr(docsrs, doc(cfg(feature = "service")))]
pub mod service;
#[cfg(feature = "store")]
#[cfg_attr(docsrs, doc(cfg(feature = "store")))]
pub mod store;
pub mod text;

use windows_core::HRESULT;

use crate::alloc::AllocatorSet;
pub use last_error::LastError;

/// What `MSProviderInit` reports, and the oldest MAPI SPI it accepts.
pub use crate::flags::CURRENT_SPI_VERSION;

/// A failed provider operation: the code MAPI receives and, optionally, a message it receives in
/// a `MAPIERROR` when the caller asked for one (an `lppMAPIError` out-parameter, or the object's
/// `GetLastError`: see [`LastError`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderError {
    pub code: HRESULT,
    pub message: Option<String>,
    /// `MAPIERROR::ulLowLevelError`: the lower-level code behind the failure (a Win32 or server
    /// error), or 0.
    pub low_level_error: u32,
    /// `MAPIERROR::ulContext`: where in the provider the failure arose, or 0.
    pub context: u32,
}

impl ProviderError {
    pub fn new(code: HRESULT, message: impl Into<String>) -> Self {
        Self {
            message: Some(message.into()),
            ..Self::from(code)
        }
    }

    /// The same error with a lower-level code for the `MAPIERROR`.
    pub fn with_low_level_error(self, low_level_error: u32) -> Self {
        Self {
            low_level_error,
            ..self
        }
    }

    /// The same error with a context for the `MAPIERROR`.
    pub fn with_context(self, context: u32) -> Self {
        Self { context, ..self }
    }
}

impl From<HRESULT> for ProviderError {
    fn from(code: HRESULT) -> Self {
        Self {
            code,
            message: None,
            low_level_error: 0,
            context: 0,
        }
    }
}

impl From<windows_core::Error> for ProviderError {
    fn from(error: windows_core::Error) -> Self {
        Self::from(error.code())
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
        let error = self.failing();
        if !lppMAPIError.is_null()
            && let Ok(report) = error.mapi_error(component, allocators, unicode)
        {
            // SAFETY: writable (caller); the block is MAPI's to free from now on.
            unsafe { lppMAPIError.write(report.into_raw().cast()) };
        }
        error.code
    }

    /// The error as a failure: a success-class code (which would tell MAPI the call worked, with
    /// its out-parameters unwritten) becomes `MAPI_E_CALL_FAILED`.
    pub(crate) fn failing(self) -> Self {
        if self.code.is_ok() {
            Self {
                code: crate::codes::MAPI_E_CALL_FAILED,
                ..self
            }
        } else {
            self
        }
    }

    /// The `MAPIERROR` describing the error: its message (or the code's name when there is
    /// none), `component`, the low-level code and the context, in the width `unicode` says.
    pub(crate) fn mapi_error(
        &self,
        component: &str,
        allocators: &AllocatorSet,
        unicode: bool,
    ) -> crate::com::Result<crate::alloc::RootBuf> {
        let message = match &self.message {
            // A C string ends at its first NUL: the rest of the message is kept without them.
            Some(message) => message.replace('\0', ""),
            None => crate::codes::name_or_hex(self.code).into_owned(),
        };
        let info = crate::alloc::builders::ErrorInfo {
            error: Some(&message),
            component: Some(component),
            low_level_error: self.low_level_error,
            context: self.context,
        };
        let flags = if unicode {
            crate::flags::MAPI_UNICODE
        } else {
            0
        };
        crate::alloc::builders::mapi_error(allocators, &info, flags)
    }
}

/// The answer of a `GetLastError` (`IMAPIProp`, `IMSLogon`, `IABLogon`, `IMAPISupport`, ...)
/// that has nothing to report: `S_OK` with `*lppMAPIError = NULL`, as the docs allow;
/// `MAPI_E_INVALID_PARAMETER` for a NULL `lppMAPIError`. An object that keeps its last error
/// answers with a [`LastError`], which answers this way when it has nothing to describe.
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
