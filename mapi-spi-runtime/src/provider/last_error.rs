//! [`LastError`]: what an object's `GetLastError` describes.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use windows_core::HRESULT;

use super::{ProviderError, no_error_info};
use crate::alloc::AllocatorSet;
use crate::codes::MAPI_E_INVALID_PARAMETER;
use crate::flags::MAPI_UNICODE;
use crate::interfaces::IMAPIProp;
use crate::sync::lock;
use crate::types::MAPIERROR;

/// The last failed call on one object, for its `GetLastError` (`IMAPIProp`, `IMSLogon`, ...): the
/// object embeds one, passes each failure it answers through [`LastError::fail`], and answers
/// `GetLastError` with [`LastError::get_last_error`].
///
/// What it answers follows `IMAPIProp::GetLastError` and "MAPI Extended Errors": the caller names
/// the failure it asks about by its code (`hResult`), and gets a `MAPIERROR` (message, component,
/// low-level code, context) when that is the code of the object's last failure, else `S_OK` with
/// NULL, the docs' "nothing more to report" (so it never describes another failure than the one
/// asked about). Both widths are supported, so `MAPI_E_BAD_CHARWIDTH` never applies. A later
/// success leaves the error in place: the docs tie the answer to the failing call's code, not to
/// the calls in between, and a client may make some (a `Release`, a `GetProps`) before asking.
///
/// A failure can also be kept as *unexplained* (`fail_unexplained`): the runtime saw a
/// call it forwarded to the provider fail with a bare code. Its description (the method and the
/// code) is a last resort: `explains` leaves it out, so that the object asks the
/// provider's own `GetLastError` first.
#[derive(Debug)]
pub struct LastError {
    /// `MAPIERROR::lpszComponent`.
    component: &'static str,
    last: Mutex<Option<Kept>>,
    /// How many failures [`Self::fail`] has kept: a forwarded call that sees it change kept a
    /// description of its own.
    explained: AtomicU64,
}

/// A failure and whether it came with words of its own.
#[derive(Clone, Debug)]
struct Kept {
    error: ProviderError,
    /// Kept by [`LastError::fail_unexplained`]: the runtime's words for a bare code. Only the
    /// store SPI's forwarding keeps such failures and reads this.
    #[cfg_attr(not(feature = "store"), allow(dead_code))]
    unexplained: bool,
}

impl LastError {
    /// An empty cell whose errors name `component`.
    pub const fn new(component: &'static str) -> Self {
        Self {
            component,
            last: Mutex::new(None),
            explained: AtomicU64::new(0),
        }
    }

    /// Keeps `error` as the object's last error and returns the code the failed call answers
    /// (never a success code: `MAPI_E_CALL_FAILED` instead, as [`ProviderError::report`] does).
    pub fn fail(&self, error: impl Into<ProviderError>) -> HRESULT {
        let error = error.into().failing();
        let code = error.code;
        let mut last = lock(&self.last);
        *last = Some(Kept {
            error,
            unexplained: false,
        });
        // Under the lock, so that `fail_unexplained` sees the count and the error together.
        self.explained.fetch_add(1, Ordering::Relaxed);
        code
    }

    /// Where the failures [`Self::fail`] keeps stand: what a forwarded call reads when it starts
    /// and passes to [`Self::fail_unexplained`] if it fails.
    #[cfg(feature = "store")]
    pub(crate) fn explained(&self) -> u64 {
        self.explained.load(Ordering::Relaxed)
    }

    /// A call the runtime forwarded, `method` (`"IMsgStore::OpenEntry"`), failed with `code`:
    /// unless [`Self::fail`] kept a failure since `explained` (read when the call started: the
    /// call described its failure itself), `code` is kept as the last error, unexplained,
    /// described as "`method` failed with `code`'s name". Another thread's `fail` meanwhile
    /// counts as the call's own: its words are kept rather than these.
    #[cfg(feature = "store")]
    pub(crate) fn fail_unexplained(&self, explained: u64, method: &str, code: HRESULT) {
        let name = crate::codes::name_or_hex(code);
        let mut last = lock(&self.last);
        if self.explained() == explained {
            *last = Some(Kept {
                error: ProviderError::new(code, format!("{method} failed with {name}")),
                unexplained: true,
            });
        }
    }

    /// Whether the last error has the code `code` and was kept with words of its own
    /// ([`Self::fail`]), not as [`Self::fail_unexplained`]'s last resort.
    #[cfg(feature = "store")]
    pub(crate) fn explains(&self, code: HRESULT) -> bool {
        lock(&self.last)
            .as_ref()
            .is_some_and(|last| last.error.code == code && !last.unexplained)
    }

    /// A method's answer from its `result`: the code of a success, or of a failure kept first
    /// (as [`Self::fail`] keeps it).
    pub fn answer(&self, result: Result<HRESULT, ProviderError>) -> HRESULT {
        result.unwrap_or_else(|error| self.fail(error))
    }

    /// Whether the last error has the code `code`, so that [`Self::get_last_error`] describes
    /// it.
    pub fn describes(&self, code: HRESULT) -> bool {
        lock(&self.last)
            .as_ref()
            .is_some_and(|last| last.error.code == code)
    }

    /// `GetLastError(hResult, ulFlags, lppMAPIError)`: the last error as a `MAPIERROR` allocated
    /// from `allocators` (the caller frees it with one `MAPIFreeBuffer`), in UTF-16 with
    /// `MAPI_UNICODE` and 8-bit without, when its code is `hResult`; else `S_OK` with NULL.
    /// `MAPI_E_INVALID_PARAMETER` for a NULL `lppMAPIError`; `MAPI_E_NOT_ENOUGH_MEMORY` (with
    /// NULL) when the block cannot be allocated.
    ///
    /// # Safety
    ///
    /// `lppMAPIError` is NULL or valid for a pointer write.
    #[allow(non_snake_case)]
    pub unsafe fn get_last_error(
        &self,
        hResult: HRESULT,
        ulFlags: u32,
        allocators: &AllocatorSet,
        lppMAPIError: *mut *mut MAPIERROR,
    ) -> HRESULT {
        if lppMAPIError.is_null() {
            return MAPI_E_INVALID_PARAMETER;
        }
        // Cloned, so that no lock is held while the allocator (MAPI's code) runs.
        let last = lock(&self.last).as_ref().map(|last| last.error.clone());
        let described = last
            .filter(|last| last.code == hResult)
            .map(|last| last.mapi_error(self.component, allocators, ulFlags & MAPI_UNICODE != 0));
        // SAFETY: not NULL, so writable (this function's contract).
        let code = unsafe { no_error_info(lppMAPIError) };
        match described {
            None => code,
            Some(Ok(block)) => {
                // SAFETY: as above; the block is the caller's to free from now on.
                unsafe { lppMAPIError.write(block.into_raw().cast()) };
                code
            }
            Some(Err(error)) => error.code(),
        }
    }

    /// `GetLastError` of an object whose property calls go to the property object `props`:
    /// [`Self::get_last_error`] when `hResult` is the code of this cell's last failure (or
    /// `lppMAPIError` is NULL, which both answer alike), else `props`' own `GetLastError`, so
    /// a failed `GetProps` or `SetProps` is described too.
    ///
    /// # Safety
    ///
    /// `lppMAPIError` is NULL or valid for a pointer write.
    #[allow(non_snake_case)]
    pub unsafe fn get_last_error_or(
        &self,
        props: &IMAPIProp,
        hResult: HRESULT,
        ulFlags: u32,
        allocators: &AllocatorSet,
        lppMAPIError: *mut *mut MAPIERROR,
    ) -> HRESULT {
        if lppMAPIError.is_null() || self.describes(hResult) {
            // SAFETY: NULL or writable (this function's contract).
            unsafe { self.get_last_error(hResult, ulFlags, allocators, lppMAPIError) }
        } else {
            // SAFETY: the caller's arguments, passed on under the same contract.
            unsafe { props.GetLastError(hResult, ulFlags, lppMAPIError) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alloc::testing::probe;
    use crate::codes::{
        MAPI_E_CALL_FAILED, MAPI_E_NOT_ENOUGH_MEMORY, MAPI_E_NOT_FOUND, MAPI_W_ERRORS_RETURNED,
        S_OK,
    };
    use crate::provider::text::decode;

    #[test]
    fn a_warning_is_kept_as_the_failure_it_answers() {
        let cell = LastError::new("Test");
        assert_eq!(cell.fail(MAPI_W_ERRORS_RETURNED), MAPI_E_CALL_FAILED);
        assert!(cell.describes(MAPI_E_CALL_FAILED));
        assert!(!cell.describes(MAPI_W_ERRORS_RETURNED));
    }

    #[test]
    fn describes_the_last_error_asked_about_in_either_width() {
        let cell = LastError::new("Test component");
        let error = ProviderError::new(MAPI_E_NOT_FOUND, "no such folder")
            .with_low_level_error(5)
            .with_context(7);
        assert_eq!(cell.fail(error), MAPI_E_NOT_FOUND);
        let ((), calls) = probe(None, |allocators| {
            for unicode in [false, true] {
                let flags = if unicode { MAPI_UNICODE } else { 0 };
                let mut out = core::ptr::null_mut();
                // SAFETY: a valid out-pointer.
                let hr =
                    unsafe { cell.get_last_error(MAPI_E_NOT_FOUND, flags, &allocators, &mut out) };
                assert_eq!(hr, S_OK);
                // SAFETY: a MAPIERROR the cell allocated, its strings in the width asked for;
                // freed once, after the reads.
                unsafe {
                    let error = &*out;
                    assert_eq!(decode(error.lpszError, unicode).unwrap(), "no such folder");
                    assert_eq!(
                        decode(error.lpszComponent, unicode).unwrap(),
                        "Test component"
                    );
                    assert_eq!((error.ulLowLevelError, error.ulContext), (5, 7));
                    allocators.free(out.cast());
                }
            }
            let mut out = core::ptr::dangling_mut();
            // SAFETY: a valid out-pointer.
            let hr = unsafe { cell.get_last_error(MAPI_E_CALL_FAILED, 0, &allocators, &mut out) };
            assert_eq!(
                (hr, out),
                (S_OK, core::ptr::null_mut()),
                "not the last error"
            );
            // SAFETY: NULL is what is checked.
            let hr = unsafe {
                cell.get_last_error(MAPI_E_NOT_FOUND, 0, &allocators, core::ptr::null_mut())
            };
            assert_eq!(hr, MAPI_E_INVALID_PARAMETER);
        });
        assert_eq!(calls.live_roots, 0, "every block freed");
    }

    #[test]
    fn an_unexplained_failure_never_replaces_the_calls_own_words_and_is_a_last_resort() {
        let cell = LastError::new("Test");
        let started = cell.explained();
        assert_eq!(
            cell.fail(ProviderError::new(MAPI_E_NOT_FOUND, "own words")),
            MAPI_E_NOT_FOUND
        );
        // The call that kept those words fails with their code: they stay.
        cell.fail_unexplained(started, "IMsgStore::OpenEntry", MAPI_E_NOT_FOUND);
        assert!(cell.explains(MAPI_E_NOT_FOUND));
        // A later call fails with a bare code this module has no name for.
        let unnamed = HRESULT(0x8004_0999_u32 as i32);
        cell.fail_unexplained(cell.explained(), "IFoo::Bar", unnamed);
        assert!(cell.describes(unnamed) && !cell.explains(unnamed));
        assert_eq!(
            text_of(&cell, unnamed).as_deref(),
            Some("IFoo::Bar failed with 0x80040999")
        );
    }

    #[test]
    fn a_message_with_nul_characters_is_described_without_them() {
        let cell = LastError::new("Test");
        assert_eq!(
            cell.fail(ProviderError::new(MAPI_E_NOT_FOUND, "a\0b")),
            MAPI_E_NOT_FOUND
        );
        assert_eq!(text_of(&cell, MAPI_E_NOT_FOUND).as_deref(), Some("ab"));
    }

    /// The 8-bit text `cell` describes `code` with, its block freed (checked).
    fn text_of(cell: &LastError, code: HRESULT) -> Option<String> {
        let (text, calls) = probe(None, |allocators| {
            let mut out = core::ptr::null_mut();
            // SAFETY: a valid out-pointer.
            let hr = unsafe { cell.get_last_error(code, 0, &allocators, &mut out) };
            assert_eq!(hr, S_OK);
            // SAFETY: a MAPIERROR the cell allocated, 8-bit; freed once, after the read.
            unsafe {
                let text = decode((*out).lpszError, false);
                allocators.free(out.cast());
                text
            }
        });
        assert_eq!(calls.live_roots, 0, "the block freed");
        text
    }

    #[test]
    fn without_memory_for_the_block_the_answer_says_so_with_null() {
        let cell = LastError::new("Test");
        assert_eq!(cell.fail(MAPI_E_NOT_FOUND), MAPI_E_NOT_FOUND);
        let (answer, calls) = probe(Some(1), |allocators| {
            let mut out = core::ptr::dangling_mut();
            // SAFETY: a valid out-pointer.
            let hr = unsafe { cell.get_last_error(MAPI_E_NOT_FOUND, 0, &allocators, &mut out) };
            (hr, out)
        });
        assert_eq!(answer, (MAPI_E_NOT_ENOUGH_MEMORY, core::ptr::null_mut()));
        assert_eq!(calls.live_roots, 0);
    }
}
