//! A panic hook for tests: it records each panic caught at a MAPI boundary with the thread it
//! happened on, so that each test, running on its own thread, sees only its own.

use mapi_spi_runtime::set_panic_hook;
use std::sync::{Mutex, Once};
use std::thread::{self, ThreadId};

static CAUGHT: Mutex<Vec<(ThreadId, String)>> = Mutex::new(Vec::new());

/// Installs the recording hook (once per test binary).
fn install() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        set_panic_hook(|panic| {
            let line = format!("{}: {}", panic.boundary(), panic.message().unwrap_or("?"));
            CAUGHT
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push((thread::current().id(), line));
        })
    });
}

/// Runs `body` and returns what it did and the panics caught on this thread meanwhile, each as
/// `"boundary: message"`.
pub fn catching<R>(body: impl FnOnce() -> R) -> (R, Vec<String>) {
    install();
    let me = thread::current().id();
    let take = || {
        let mut caught = CAUGHT.lock().unwrap_or_else(|p| p.into_inner());
        let (mine, others) = caught.drain(..).partition(|(thread, _)| *thread == me);
        *caught = others;
        mine.into_iter().map(|(_, line)| line).collect::<Vec<_>>()
    };
    take();
    let result = body();
    (result, take())
}
