//! The errors of the mpsc channels. Each error that stems from a value the
//! caller tried to send carries that value back, so nothing is lost.

use std::fmt;

crate::sync::error::send_error! {
    /// A send failed because the receiver was closed or dropped; the value
    /// comes back in the `.0` field.
    ///
    /// `Debug` does not print the value, so `T` needs no `Debug` bound.
    ///
    /// # Examples
    ///
    /// ```
    /// use seedloop::sync::mpsc::{self, error::SendError};
    ///
    /// let (tx, rx) = mpsc::unbounded_channel();
    /// drop(rx);
    /// let err: SendError<&str> = tx.send("lost?").unwrap_err();
    /// assert_eq!(err.0, "lost?"); // no: handed back
    /// assert_eq!(err.to_string(), "channel closed");
    /// ```
}

/// Why a [`try_send`](super::Sender::try_send) (or a `try_reserve`) failed;
/// both variants hand the value back.
///
/// # Examples
///
/// ```
/// use seedloop::sync::mpsc::{self, error::TrySendError};
///
/// let (tx, rx) = mpsc::channel(1);
/// tx.try_send(1).unwrap();
/// assert_eq!(tx.try_send(2), Err(TrySendError::Full(2)));
/// drop(rx);
/// let err = tx.try_send(3).unwrap_err();
/// assert!(err.is_closed());
/// assert_eq!(err.into_inner(), 3);
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum TrySendError<T> {
    /// The channel's buffer has no free slot now.
    Full(T),
    /// The receiver was closed or dropped.
    Closed(T),
}

impl<T> TrySendError<T> {
    /// The value that could not be sent.
    ///
    /// ```
    /// use seedloop::sync::mpsc::error::TrySendError;
    /// assert_eq!(TrySendError::Full(7).into_inner(), 7);
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            TrySendError::Full(v) | TrySendError::Closed(v) => v,
        }
    }

    /// True for [`TrySendError::Full`].
    ///
    /// ```
    /// use seedloop::sync::mpsc::error::TrySendError;
    /// assert!(TrySendError::Full(()).is_full());
    /// ```
    pub fn is_full(&self) -> bool {
        matches!(self, TrySendError::Full(_))
    }

    /// True for [`TrySendError::Closed`].
    ///
    /// ```
    /// use seedloop::sync::mpsc::error::TrySendError;
    /// assert!(TrySendError::Closed(()).is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        matches!(self, TrySendError::Closed(_))
    }
}

impl<T> fmt::Debug for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrySendError::Full(_) => f.write_str("Full(..)"),
            TrySendError::Closed(_) => f.write_str("Closed(..)"),
        }
    }
}

impl<T> fmt::Display for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrySendError::Full(_) => f.write_str("no available capacity"),
            TrySendError::Closed(_) => f.write_str("channel closed"),
        }
    }
}

impl<T> std::error::Error for TrySendError<T> {}

impl<T> From<SendError<T>> for TrySendError<T> {
    /// A [`SendError`] is a [`TrySendError::Closed`].
    ///
    /// ```
    /// use seedloop::sync::mpsc::error::{SendError, TrySendError};
    /// assert_eq!(TrySendError::from(SendError(1)), TrySendError::Closed(1));
    /// ```
    fn from(err: SendError<T>) -> TrySendError<T> {
        TrySendError::Closed(err.0)
    }
}

/// Why a [`send_timeout`](super::Sender::send_timeout) failed; both
/// variants hand the value back.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use seedloop::sync::mpsc::{self, error::SendTimeoutError};
///
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let (tx, _rx) = mpsc::channel(1);
///     tx.send(1).await.unwrap();
///     let err = tx.send_timeout(2, Duration::from_millis(5)).await.unwrap_err();
///     assert_eq!(err, SendTimeoutError::Timeout(2));
///     assert_eq!(err.to_string(), "timed out waiting on send operation");
/// });
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum SendTimeoutError<T> {
    /// No slot came free in time.
    Timeout(T),
    /// The receiver was closed or dropped.
    Closed(T),
}

impl<T> SendTimeoutError<T> {
    /// The value that could not be sent.
    ///
    /// ```
    /// use seedloop::sync::mpsc::error::SendTimeoutError;
    /// assert_eq!(SendTimeoutError::Closed(7).into_inner(), 7);
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            SendTimeoutError::Timeout(v) | SendTimeoutError::Closed(v) => v,
        }
    }

    /// True for [`SendTimeoutError::Timeout`].
    ///
    /// ```
    /// use seedloop::sync::mpsc::error::SendTimeoutError;
    /// assert!(SendTimeoutError::Timeout(()).is_timeout());
    /// ```
    pub fn is_timeout(&self) -> bool {
        matches!(self, SendTimeoutError::Timeout(_))
    }

    /// True for [`SendTimeoutError::Closed`].
    ///
    /// ```
    /// use seedloop::sync::mpsc::error::SendTimeoutError;
    /// assert!(SendTimeoutError::Closed(()).is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        matches!(self, SendTimeoutError::Closed(_))
    }
}

impl<T> fmt::Debug for SendTimeoutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendTimeoutError::Timeout(_) => f.write_str("Timeout(..)"),
            SendTimeoutError::Closed(_) => f.write_str("Closed(..)"),
        }
    }
}

impl<T> fmt::Display for SendTimeoutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendTimeoutError::Timeout(_) => f.write_str("timed out waiting on send operation"),
            SendTimeoutError::Closed(_) => f.write_str("channel closed"),
        }
    }
}

impl<T> std::error::Error for SendTimeoutError<T> {}

/// Why a [`try_recv`](super::Receiver::try_recv) returned no message.
///
/// # Examples
///
/// ```
/// use seedloop::sync::mpsc::{self, error::TryRecvError};
///
/// let (tx, mut rx) = mpsc::unbounded_channel::<u8>();
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
/// drop(tx);
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TryRecvError {
    /// No message is buffered now, but one may still come.
    Empty,
    /// No message is buffered and none can ever come: every sender is gone,
    /// or the receiver was closed (and no reserved slot is outstanding).
    Disconnected,
}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryRecvError::Empty => f.write_str("receiving on an empty channel"),
            TryRecvError::Disconnected => f.write_str("receiving on a closed channel"),
        }
    }
}

impl std::error::Error for TryRecvError {}
