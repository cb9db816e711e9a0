//! Weak senders (tokio's `WeakSender`, `WeakUnboundedSender`): a handle on
//! a channel that does not keep it open.

use std::fmt;
use std::rc::Weak;

use crate::runtime::local::Local;

use super::chan::{Chan, Tx};
use super::sender::Sender;
use super::unbounded::UnboundedSender;

/// A handle on a bounded channel that does not count as a sender: the
/// channel closes for the receiver once every [`Sender`] is gone, weak
/// ones or not. [`upgrade`](WeakSender::upgrade) gives a `Sender` back
/// while another one lives.
///
/// # Examples
///
/// ```
/// use seedloop::sync::mpsc;
///
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let (tx, mut rx) = mpsc::channel::<u8>(4);
///     let weak = tx.downgrade();
///     weak.upgrade().unwrap().send(1).await.unwrap();
///     drop(tx);
///     assert!(weak.upgrade().is_none(), "no sender left");
///     assert_eq!(rx.recv().await, Some(1));
///     assert_eq!(rx.recv().await, None, "closed, though a weak sender lives");
/// });
/// ```
pub struct WeakSender<T> {
    chan: Local<Weak<Chan<T>>>,
}

impl<T> Clone for WeakSender<T> {
    fn clone(&self) -> WeakSender<T> {
        WeakSender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> fmt::Debug for WeakSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeakSender").finish_non_exhaustive()
    }
}

impl<T> WeakSender<T> {
    /// A [`Sender`], if any other sender still lives.
    ///
    /// ```
    /// let (tx, _rx) = seedloop::sync::mpsc::channel::<()>(1);
    /// let weak = tx.downgrade();
    /// assert!(weak.upgrade().is_some());
    /// ```
    pub fn upgrade(&self) -> Option<Sender<T>> {
        Tx::upgrade(&self.chan).map(|tx| Sender { tx })
    }
}

impl<T> Sender<T> {
    /// A [`WeakSender`] for this channel.
    ///
    /// ```
    /// let (tx, _rx) = seedloop::sync::mpsc::channel::<()>(1);
    /// let weak = tx.downgrade();
    /// assert_eq!((tx.strong_count(), tx.weak_count()), (1, 1));
    /// # drop(weak);
    /// ```
    pub fn downgrade(&self) -> WeakSender<T> {
        WeakSender {
            chan: Local::new(self.tx.downgrade()),
        }
    }

    /// How many `Sender`s the channel has (permits that own one count).
    ///
    /// ```
    /// let (tx, _rx) = seedloop::sync::mpsc::channel::<()>(1);
    /// let _tx2 = tx.clone();
    /// assert_eq!(tx.strong_count(), 2);
    /// ```
    pub fn strong_count(&self) -> usize {
        self.tx.counts().0
    }

    /// How many `WeakSender`s the channel has.
    ///
    /// ```
    /// let (tx, _rx) = seedloop::sync::mpsc::channel::<()>(1);
    /// assert_eq!(tx.weak_count(), 0);
    /// ```
    pub fn weak_count(&self) -> usize {
        self.tx.counts().1
    }
}

/// A handle on an unbounded channel that does not count as a sender (see
/// [`WeakSender`]).
///
/// # Examples
///
/// ```
/// use seedloop::sync::mpsc;
///
/// let (tx, mut rx) = mpsc::unbounded_channel::<u8>();
/// let weak = tx.downgrade();
/// weak.upgrade().unwrap().send(1).unwrap();
/// drop(tx);
/// assert!(weak.upgrade().is_none());
/// assert_eq!(rx.try_recv(), Ok(1));
/// ```
pub struct WeakUnboundedSender<T> {
    chan: Local<Weak<Chan<T>>>,
}

impl<T> Clone for WeakUnboundedSender<T> {
    fn clone(&self) -> WeakUnboundedSender<T> {
        WeakUnboundedSender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> fmt::Debug for WeakUnboundedSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeakUnboundedSender")
            .finish_non_exhaustive()
    }
}

impl<T> WeakUnboundedSender<T> {
    /// An [`UnboundedSender`], if any other sender still lives.
    ///
    /// ```
    /// let (tx, _rx) = seedloop::sync::mpsc::unbounded_channel::<()>();
    /// assert!(tx.downgrade().upgrade().is_some());
    /// ```
    pub fn upgrade(&self) -> Option<UnboundedSender<T>> {
        Tx::upgrade(&self.chan).map(|tx| UnboundedSender { tx })
    }
}

impl<T> UnboundedSender<T> {
    /// A [`WeakUnboundedSender`] for this channel.
    ///
    /// ```
    /// let (tx, _rx) = seedloop::sync::mpsc::unbounded_channel::<()>();
    /// let weak = tx.downgrade();
    /// assert_eq!((tx.strong_count(), tx.weak_count()), (1, 1));
    /// # drop(weak);
    /// ```
    pub fn downgrade(&self) -> WeakUnboundedSender<T> {
        WeakUnboundedSender {
            chan: Local::new(self.tx.downgrade()),
        }
    }

    /// How many `UnboundedSender`s the channel has.
    ///
    /// ```
    /// let (tx, _rx) = seedloop::sync::mpsc::unbounded_channel::<()>();
    /// assert_eq!(tx.strong_count(), 1);
    /// ```
    pub fn strong_count(&self) -> usize {
        self.tx.counts().0
    }

    /// How many `WeakUnboundedSender`s the channel has.
    ///
    /// ```
    /// let (tx, _rx) = seedloop::sync::mpsc::unbounded_channel::<()>();
    /// assert_eq!(tx.weak_count(), 0);
    /// ```
    pub fn weak_count(&self) -> usize {
        self.tx.counts().1
    }
}
