//! The receiving halves: [`Receiver`] (bounded) and [`UnboundedReceiver`].
//! Both are thin wrappers over the shared receiving core (`chan::Rx`), and
//! what they share is written once, in `receivers!`, with each type's docs.

use std::fmt;
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::Stream;

use super::chan::{Recv, RecvMany, Rx};
use super::error::TryRecvError;

/// The receiving half of a bounded channel, made by [`channel`](super::channel).
///
/// Also a [`futures::Stream`] of the messages, which ends once the channel
/// is closed and drained. Dropping the receiver closes the channel: pending
/// and later sends fail and hand their value back, and buffered messages are
/// dropped.
///
/// # Determinism
///
/// A receive that finds a message waiting is a switch point (a choice on the
/// tape; 0 = proceed). [`try_recv`](Receiver::try_recv) never yields.
///
/// # Examples
///
/// ```
/// use futures::StreamExt;
/// use seedloop::sync::mpsc;
///
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let (tx, rx) = mpsc::channel(2);
///     seedloop::spawn(async move {
///         for i in 0..5 {
///             tx.send(i).await.unwrap();
///         }
///     });
///     let all: Vec<i32> = rx.collect().await;
///     assert_eq!(all, [0, 1, 2, 3, 4]);
/// });
/// ```
pub struct Receiver<T> {
    pub(super) rx: Rx<T>,
}

/// The receiving half of an unbounded channel, made by
/// [`unbounded_channel`](super::unbounded_channel).
///
/// The same as [`Receiver`], without a buffer size. Also a
/// [`futures::Stream`].
///
/// # Determinism
///
/// A receive that finds a message waiting is a switch point.
/// [`try_recv`](UnboundedReceiver::try_recv) never yields.
///
/// # Examples
///
/// ```
/// use seedloop::sync::mpsc;
///
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let (tx, mut rx) = mpsc::unbounded_channel();
///     seedloop::spawn(async move {
///         for word in ["a", "b"] {
///             tx.send(word).unwrap();
///         }
///     });
///     assert_eq!(rx.recv().await, Some("a"));
///     assert_eq!(rx.recv().await, Some("b"));
///     assert_eq!(rx.recv().await, None); // the sender is gone
/// });
/// ```
pub struct UnboundedReceiver<T> {
    pub(super) rx: Rx<T>,
}

/// Writes what the two receivers share once for both: their methods (each
/// a call into the core, `Rx`), `Debug` and `Stream`. A shared method comes
/// as three groups: its docs on [`Receiver`], its docs on
/// [`UnboundedReceiver`], then the method. The bounded receiver's own
/// methods follow `bounded only:`.
macro_rules! receivers {
    (
        $( { $($bounded_doc:tt)* } { $($unbounded_doc:tt)* } { $($method:tt)* } )*
        bounded only: { $($bounded_only:tt)* }
    ) => {
        impl<T> Receiver<T> {
            $( $($bounded_doc)* $($method)* )*
            $($bounded_only)*
        }

        impl<T> UnboundedReceiver<T> {
            $( $($unbounded_doc)* $($method)* )*
        }

        receivers!(@traits Receiver);
        receivers!(@traits UnboundedReceiver);
    };
    (@traits $Rx:ident) => {
        impl<T> fmt::Debug for $Rx<T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($Rx))
                    .field("chan", &*self.rx.chan)
                    .finish()
            }
        }

        impl<T> Stream for $Rx<T> {
            type Item = T;

            fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
                self.get_mut().rx.poll_recv(cx)
            }

            fn size_hint(&self) -> (usize, Option<usize>) {
                self.rx.size_hint()
            }
        }
    };
}

receivers! {
    {
        /// Waits for the next message; `None` once every sender is gone (or the
        /// receiver was closed) and the buffer is drained.
        ///
        /// # Cancel safety
        ///
        /// Cancel safe: a message leaves the channel only when the future
        /// returns it, so dropping the future (in a `select!` or a timeout)
        /// loses nothing.
        ///
        /// # Determinism
        ///
        /// A switch point when a message is waiting. A task blocked here is
        /// reported as waiting on `mpsc::Receiver::recv` with this call site.
        ///
        /// ```
        /// let mut sim = seedloop::Sim::new(1);
        /// sim.block_on(async {
        ///     let (tx, mut rx) = seedloop::sync::mpsc::channel(1);
        ///     seedloop::spawn(async move { tx.send("ping").await.unwrap() });
        ///     assert_eq!(rx.recv().await, Some("ping"));
        ///     assert_eq!(rx.recv().await, None);
        /// });
        /// ```
    } {
        /// Waits for the next message; `None` once every sender is gone (or the
        /// receiver was closed) and the buffer is drained.
        ///
        /// # Cancel safety
        ///
        /// Cancel safe: a message leaves the channel only when the future
        /// returns it.
        ///
        /// # Determinism
        ///
        /// A switch point when a message is waiting. A task blocked here is
        /// reported as waiting on `mpsc::Receiver::recv` with this call site.
        ///
        /// ```
        /// let mut sim = seedloop::Sim::new(1);
        /// sim.block_on(async {
        ///     let (tx, mut rx) = seedloop::sync::mpsc::unbounded_channel();
        ///     tx.send(1).unwrap();
        ///     drop(tx);
        ///     assert_eq!(rx.recv().await, Some(1));
        ///     assert_eq!(rx.recv().await, None);
        /// });
        /// ```
    } {
        #[track_caller]
        pub fn recv(&mut self) -> Recv<'_, T> {
            self.rx.recv(Location::caller())
        }
    }
    {
        /// Waits for at least one message, then appends to `buffer` every
        /// buffered message up to `limit`; returns how many were appended. 0
        /// means the channel is closed and drained (or `limit` is 0).
        ///
        /// # Cancel safety
        ///
        /// Cancel safe, as [`recv`](Receiver::recv).
        ///
        /// # Determinism
        ///
        /// A switch point when a message is waiting.
        ///
        /// ```
        /// let mut sim = seedloop::Sim::new(1);
        /// sim.block_on(async {
        ///     let (tx, mut rx) = seedloop::sync::mpsc::channel(4);
        ///     for i in 0..4 {
        ///         tx.send(i).await.unwrap();
        ///     }
        ///     let mut batch = Vec::new();
        ///     assert_eq!(rx.recv_many(&mut batch, 3).await, 3);
        ///     assert_eq!(rx.recv_many(&mut batch, 3).await, 1);
        ///     assert_eq!(batch, [0, 1, 2, 3]);
        /// });
        /// ```
    } {
        /// Waits for at least one message, then appends up to `limit` buffered
        /// messages to `buffer`; returns how many. 0 means closed and drained
        /// (or `limit` is 0).
        ///
        /// # Cancel safety
        ///
        /// Cancel safe.
        ///
        /// # Determinism
        ///
        /// A switch point when a message is waiting.
        ///
        /// ```
        /// let mut sim = seedloop::Sim::new(1);
        /// sim.block_on(async {
        ///     let (tx, mut rx) = seedloop::sync::mpsc::unbounded_channel();
        ///     tx.send('a').unwrap();
        ///     tx.send('b').unwrap();
        ///     let mut out = Vec::new();
        ///     assert_eq!(rx.recv_many(&mut out, 8).await, 2);
        ///     assert_eq!(out, ['a', 'b']);
        /// });
        /// ```
    } {
        #[track_caller]
        pub fn recv_many<'a>(&'a mut self, buffer: &'a mut Vec<T>, limit: usize) -> RecvMany<'a, T> {
            self.rx.recv_many(buffer, limit, Location::caller())
        }
    }
    {
        /// Takes the next message if one is buffered, without waiting.
        ///
        /// # Errors
        ///
        /// [`TryRecvError::Empty`] if none is buffered yet,
        /// [`TryRecvError::Disconnected`] if none can come any more.
        ///
        /// ```
        /// use seedloop::sync::mpsc::{self, error::TryRecvError};
        ///
        /// let (tx, mut rx) = mpsc::channel(1);
        /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
        /// tx.try_send(1).unwrap();
        /// drop(tx);
        /// assert_eq!(rx.try_recv(), Ok(1));
        /// assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
        /// ```
    } {
        /// Takes the next message if one is buffered, without waiting.
        ///
        /// # Errors
        ///
        /// [`TryRecvError::Empty`] or [`TryRecvError::Disconnected`].
        ///
        /// ```
        /// use seedloop::sync::mpsc::{self, error::TryRecvError};
        ///
        /// let (tx, mut rx) = mpsc::unbounded_channel();
        /// tx.send(5).unwrap();
        /// assert_eq!(rx.try_recv(), Ok(5));
        /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
        /// ```
    } {
        pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
            self.rx.try_recv()
        }
    }
    {
        /// Closes the channel without dropping the receiver: sends fail from now
        /// on (senders waiting for room fail at once), while the messages
        /// already buffered, and those of permits already reserved, can still be
        /// received.
        ///
        /// ```
        /// let mut sim = seedloop::Sim::new(1);
        /// sim.block_on(async {
        ///     let (tx, mut rx) = seedloop::sync::mpsc::channel(2);
        ///     tx.send(1).await.unwrap();
        ///     rx.close();
        ///     assert!(tx.send(2).await.is_err());
        ///     assert_eq!(rx.recv().await, Some(1)); // drained after close
        ///     assert_eq!(rx.recv().await, None);
        /// });
        /// ```
    } {
        /// Closes the channel without dropping the receiver: sends fail from now
        /// on; buffered messages can still be received.
        ///
        /// ```
        /// let (tx, mut rx) = seedloop::sync::mpsc::unbounded_channel();
        /// tx.send(1).unwrap();
        /// rx.close();
        /// assert!(tx.send(2).is_err());
        /// assert_eq!(rx.try_recv(), Ok(1));
        /// ```
    } {
        pub fn close(&mut self) {
            self.rx.close();
        }
    }
    {
        /// Polls for the next message, for hand-written futures and streams.
        /// `Ready(None)` once the channel is closed and drained.
        ///
        /// # Determinism
        ///
        /// A switch point when a message is waiting. A task blocked here is
        /// reported with the call site of [`channel`](super::channel).
        ///
        /// ```
        /// use std::future::poll_fn;
        /// let mut sim = seedloop::Sim::new(1);
        /// sim.block_on(async {
        ///     let (tx, mut rx) = seedloop::sync::mpsc::channel(1);
        ///     tx.send(3).await.unwrap();
        ///     assert_eq!(poll_fn(|cx| rx.poll_recv(cx)).await, Some(3));
        /// });
        /// ```
    } {
        /// Polls for the next message. `Ready(None)` once closed and drained.
        ///
        /// # Determinism
        ///
        /// A switch point when a message is waiting. A task blocked here is
        /// reported with the call site of
        /// [`unbounded_channel`](super::unbounded_channel).
        ///
        /// ```
        /// use std::future::poll_fn;
        /// let mut sim = seedloop::Sim::new(1);
        /// sim.block_on(async {
        ///     let (tx, mut rx) = seedloop::sync::mpsc::unbounded_channel::<u8>();
        ///     drop(tx);
        ///     assert_eq!(poll_fn(|cx| rx.poll_recv(cx)).await, None);
        /// });
        /// ```
    } {
        pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
            self.rx.poll_recv(cx)
        }
    }
    {
        /// How many messages are buffered.
        ///
        /// ```
        /// let (tx, rx) = seedloop::sync::mpsc::channel(3);
        /// tx.try_send(()).unwrap();
        /// assert_eq!(rx.len(), 1);
        /// ```
    } {
        /// How many messages are buffered.
        ///
        /// ```
        /// let (tx, rx) = seedloop::sync::mpsc::unbounded_channel();
        /// tx.send(1).unwrap();
        /// tx.send(2).unwrap();
        /// assert_eq!(rx.len(), 2);
        /// ```
    } {
        pub fn len(&self) -> usize {
            self.rx.len()
        }
    }
    {
        /// True when no message is buffered.
        ///
        /// ```
        /// let (_tx, rx) = seedloop::sync::mpsc::channel::<u8>(3);
        /// assert!(rx.is_empty());
        /// ```
    } {
        /// True when no message is buffered.
        ///
        /// ```
        /// let (_tx, rx) = seedloop::sync::mpsc::unbounded_channel::<u8>();
        /// assert!(rx.is_empty());
        /// ```
    } {
        pub fn is_empty(&self) -> bool {
            self.rx.len() == 0
        }
    }
    {
        /// True once every sender is gone or [`close`](Receiver::close) was
        /// called (buffered messages may still be waiting).
        ///
        /// ```
        /// let (tx, rx) = seedloop::sync::mpsc::channel::<u8>(1);
        /// assert!(!rx.is_closed());
        /// drop(tx);
        /// assert!(rx.is_closed());
        /// ```
    } {
        /// True once every sender is gone or [`close`](UnboundedReceiver::close)
        /// was called.
        ///
        /// ```
        /// let (_tx, mut rx) = seedloop::sync::mpsc::unbounded_channel::<u8>();
        /// rx.close();
        /// assert!(rx.is_closed());
        /// ```
    } {
        pub fn is_closed(&self) -> bool {
            self.rx.is_closed()
        }
    }
    bounded only: {
        /// How many slots are free now.
        ///
        /// ```
        /// let (tx, rx) = seedloop::sync::mpsc::channel(2);
        /// tx.try_send(1).unwrap();
        /// assert_eq!(rx.capacity(), 1);
        /// ```
        pub fn capacity(&self) -> usize {
            self.rx.chan.sem().available_permits()
        }

        /// The buffer size the channel was made with.
        ///
        /// ```
        /// let (_tx, rx) = seedloop::sync::mpsc::channel::<u8>(2);
        /// assert_eq!(rx.max_capacity(), 2);
        /// ```
        pub fn max_capacity(&self) -> usize {
            self.rx.chan.max
        }
    }
}
