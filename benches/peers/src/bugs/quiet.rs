//! Keeping the expected failures quiet.
//!
//! Every sweep ends in a panic (the bug found) that we catch. Two things
//! would print for each one: the panic hook, and shuttle itself, which
//! writes a few lines to stderr on every failing execution ("test panicked
//! in task ...", the failing seed) whatever its `Config` says. So:
//!
//! - [`install_hook`] puts a panic hook in place that prints nothing while
//!   [`Quiet`] is held and calls the standard hook otherwise (so a panic in
//!   the harness itself is still reported);
//! - [`Quiet`] also points file descriptor 2 at `/dev/null` while it is held
//!   (unless asked to keep stderr), and restores it when dropped.

use std::panic;
use std::sync::atomic::{AtomicBool, Ordering};

static QUIET: AtomicBool = AtomicBool::new(false);

/// Installs the harness's panic hook. Call it before anything else: shuttle
/// installs its own hook once per process, at its first execution, wrapping
/// the one it finds. We let it do that (`warm_up` runs one execution), then
/// replace it: shuttle's hook only prints the failing schedule, which we do
/// not want, and its failure detection does not depend on it. seedloop
/// installs its hook at its first simulation, chained to ours.
pub fn install_hook(warm_up: impl FnOnce()) {
    let standard = panic::take_hook();
    warm_up();
    panic::set_hook(Box::new(move |info| {
        if !QUIET.load(Ordering::Relaxed) {
            standard(info);
        }
    }));
}

/// While held: panics are not printed, and stderr goes to `/dev/null`
/// unless `keep_stderr`.
pub struct Quiet {
    saved_stderr: Option<libc::c_int>,
}

impl Quiet {
    pub fn new(keep_stderr: bool) -> Quiet {
        QUIET.store(true, Ordering::Relaxed);
        let saved_stderr = (!keep_stderr).then(redirect_stderr).flatten();
        Quiet { saved_stderr }
    }
}

impl Drop for Quiet {
    fn drop(&mut self) {
        if let Some(saved) = self.saved_stderr.take() {
            // SAFETY: `saved` is the descriptor `redirect_stderr` duplicated
            // from 2; putting it back and closing the copy touches nothing else.
            unsafe {
                libc::dup2(saved, 2);
                libc::close(saved);
            }
        }
        QUIET.store(false, Ordering::Relaxed);
    }
}

/// Points descriptor 2 at `/dev/null`; returns a copy of the old one.
fn redirect_stderr() -> Option<libc::c_int> {
    // SAFETY: plain descriptor calls on a NUL-terminated path; every
    // descriptor opened here is either returned or closed.
    unsafe {
        let null = libc::open(c"/dev/null".as_ptr(), libc::O_WRONLY);
        if null < 0 {
            return None;
        }
        let saved = libc::dup(2);
        if saved < 0 {
            libc::close(null);
            return None;
        }
        libc::dup2(null, 2);
        libc::close(null);
        Some(saved)
    }
}
