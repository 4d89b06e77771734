//! Panics caught where MAPI calls into Rust, and how they are reported.
//!
//! A panic must not unwind into MAPI's C code, so every entry from MAPI (each vtable thunk, the
//! final `Release` that runs a struct's `Drop`, each provider callback the runtime makes during
//! logon, logoff and shutdown, `MSProviderInit`) runs under a guard that catches it and returns
//! the documented failure instead. A caught panic is reported to the hook set with
//! [`set_panic_hook`]; without one, a line on stderr. Either way the process goes on.

use std::any::Any;
use std::fmt;
use std::sync::{Arc, RwLock};

/// A panic caught at a boundary: where, and its message.
#[derive(Debug, Clone, Copy)]
pub struct CaughtPanic<'a> {
    boundary: &'static str,
    object: &'static str,
    message: Option<&'a str>,
}

impl<'a> CaughtPanic<'a> {
    /// What MAPI called: `"IMsgStore::GetProps"`, `"IUnknown::Release"` (the object's `Drop`),
    /// `"StoreProvider::shutdown"`, ...
    pub fn boundary(&self) -> &'static str {
        self.boundary
    }

    /// The Rust type whose code panicked, as `core::any::type_name` spells it.
    pub fn object(&self) -> &'static str {
        self.object
    }

    /// The panic's message, when its payload is a string (as with `panic!("...")`).
    pub fn message(&self) -> Option<&'a str> {
        self.message
    }
}

impl fmt::Display for CaughtPanic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "mapi-spi: a panic in {} of {} was caught before it reached MAPI: {}",
            self.boundary,
            self.object,
            self.message.unwrap_or("(no message)")
        )
    }
}

type Hook = Arc<dyn Fn(&CaughtPanic<'_>) + Send + Sync>;

static HOOK: RwLock<Option<Hook>> = RwLock::new(None);

/// Sets what is done with each panic caught at a boundary (log it, count it, ...), for the whole
/// process, replacing the previous hook. The hook runs on the thread that panicked, after the
/// unwinding, before the call returns to MAPI; a panic inside it is caught and dropped.
pub fn set_panic_hook(hook: impl Fn(&CaughtPanic<'_>) + Send + Sync + 'static) {
    *HOOK.write().unwrap_or_else(|p| p.into_inner()) = Some(Arc::new(hook));
}

/// Restores the default report: one line on stderr per caught panic.
pub fn reset_panic_hook() {
    *HOOK.write().unwrap_or_else(|p| p.into_inner()) = None;
}

/// Reports a caught panic to the hook (or stderr) and drops its payload, neither of which may
/// unwind further: a panic in the hook, or in the payload's `Drop`, is caught and its payload
/// leaked, since dropping that one could panic again.
#[cold]
pub(crate) fn caught(boundary: &'static str, object: &'static str, payload: Box<dyn Any + Send>) {
    let message = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str));
    let report = CaughtPanic {
        boundary,
        object,
        message,
    };
    // Cloned out, so the hook runs without the lock: it may set another hook.
    let hook = HOOK.read().unwrap_or_else(|p| p.into_inner()).clone();
    let reported = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match hook {
        Some(hook) => hook(&report),
        None => eprintln!("{report}"),
    }));
    if let Err(second) = reported {
        core::mem::forget(second);
    }
    if let Err(second) =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || drop(payload)))
    {
        core::mem::forget(second);
    }
}
