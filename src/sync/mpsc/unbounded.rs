//! The sending half of an unbounded channel.

use std::fmt;
use std::panic::Location;

use super::chan::Tx;
use super::closed::Closed;
use super::error::SendError;

/// The sending half of an unbounded channel, made by
/// [`unbounded_channel`](super::unbounded_channel).
///
/// Sending never waits: the buffer grows as needed. Clone it to get more
/// producers; the channel closes for the receiver once every clone is
/// dropped (and the buffer is drained).
///
/// # Determinism
///
/// [`send`](UnboundedSender::send) is synchronous and never a switch point.
///
/// # Examples
///
/// ```
/// use seedloop::sync::mpsc;
///
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let (tx, mut rx) = mpsc::unbounded_channel();
///     let tx2 = tx.clone();
///     tx.send(1).unwrap();
///     tx2.send(2).unwrap();
///     drop((tx, tx2));
///     assert_eq!(rx.recv().await, Some(1));
///     assert_eq!(rx.recv().await, Some(2));
///     assert_eq!(rx.recv().await, None);
/// });
/// ```
pub struct UnboundedSender<T> {
    pub(super) tx: Tx<T>,
}

impl<T> Clone for UnboundedSender<T> {
    fn clone(&self) -> UnboundedSender<T> {
        UnboundedSender {
            tx: self.tx.clone(),
        }
    }
}

impl<T> fmt::Debug for UnboundedSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnboundedSender")
            .field("chan", &*self.tx.chan)
            .finish()
    }
}

impl<T> UnboundedSender<T> {
    /// Queues `value` at once, waking the receiver.
    ///
    /// # Errors
    ///
    /// [`SendError`], with the value, if the receiver is closed or dropped.
    ///
    /// # Determinism
    ///
    /// Never yields (it is not async).
    ///
    /// ```
    /// let (tx, rx) = seedloop::sync::mpsc::unbounded_channel();
    /// assert!(tx.send("kept").is_ok());
    /// drop(rx);
    /// assert_eq!(tx.send("back").unwrap_err().0, "back");
    /// ```
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        self.tx.chan.push(value, true).map_err(SendError)
    }

    /// Completes once the receiver is closed or dropped.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// # Determinism
    ///
    /// Never a switch point. A task blocked here is reported as waiting on
    /// `mpsc::Sender::closed` with this call site.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let (tx, rx) = seedloop::sync::mpsc::unbounded_channel::<u8>();
    ///     seedloop::spawn(async move { drop(rx) });
    ///     tx.closed().await;
    ///     assert!(tx.is_closed());
    /// });
    /// ```
    #[track_caller]
    pub fn closed(&self) -> Closed<'_, T> {
        self.tx.closed(Location::caller())
    }

    /// True once the receiver is closed or dropped.
    ///
    /// ```
    /// let (tx, mut rx) = seedloop::sync::mpsc::unbounded_channel::<u8>();
    /// rx.close();
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.tx.chan.is_rx_closed()
    }

    /// True if both senders feed the same channel.
    ///
    /// ```
    /// let (a, _rx) = seedloop::sync::mpsc::unbounded_channel::<u8>();
    /// let b = a.clone();
    /// assert!(a.same_channel(&b));
    /// ```
    pub fn same_channel(&self, other: &UnboundedSender<T>) -> bool {
        self.tx.same_channel(&other.tx)
    }
}
