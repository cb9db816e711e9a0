//! The peer every timing case is compared with: tokio's current-thread
//! runtime with a paused clock, the nearest tokio has to virtual time.
//! Shared with `#[path]`.

/// A fresh current-thread runtime whose clock starts paused.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("tokio runtime")
}
