// Mistake: moving a pointer to a `thread_affine` interface to another thread.
// Why: MAPI does not guarantee that callback interfaces such as IMAPIAdviseSink and
// IMAPIProgress can be called from any thread, so their pointers are not `Send`.
// Fix: call the callback on the thread that handed it over, or have the client wrap it in a
// thread-safe sink (MAPI's HrThisThreadAdviseSink does this for advise sinks).
use mapi_spi_runtime::interfaces::IMAPIAdviseSink;

fn notify_later(sink: IMAPIAdviseSink) {
    std::thread::spawn(move || drop(sink));
}

fn main() {
    let _ = notify_later;
}
