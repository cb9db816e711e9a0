//! The errors several channels share, written once. Each channel keeps its
//! own type (`mpsc::error::SendError` and `watch::error::SendError` stay
//! distinct, as in tokio), with its own docs; the shape and the behaviour
//! come from here.

/// Defines `pub struct SendError<T>(pub T)` in the calling module, with the
/// docs given: a send failed because no receiver is left, and the value
/// comes back in the field. `Debug` does not print the value (so `T` needs
/// no `Debug` bound); `Display` says "channel closed".
macro_rules! send_error {
    ($(#[$doc:meta])*) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq)]
        pub struct SendError<T>(pub T);

        impl<T> ::std::fmt::Debug for SendError<T> {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct("SendError").finish_non_exhaustive()
            }
        }

        impl<T> ::std::fmt::Display for SendError<T> {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str("channel closed")
            }
        }

        impl<T> ::std::error::Error for SendError<T> {}
    };
}

/// Defines `pub struct RecvError(pub(super) ())` in the calling module (an
/// `error` module: only the channel beside it makes one), with the docs
/// given: the sending side is gone. `Display` says "channel closed".
macro_rules! recv_error {
    ($(#[$doc:meta])*) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub struct RecvError(pub(super) ());

        impl ::std::fmt::Display for RecvError {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str("channel closed")
            }
        }

        impl ::std::error::Error for RecvError {}
    };
}

pub(crate) use {recv_error, send_error};
