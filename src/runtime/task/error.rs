//! `JoinError`: why a task gave no result (public through [`task`](crate::task)).

use std::any::Any;
use std::fmt;

use crate::trace::Id;

enum Repr {
    Cancelled,
    /// In a mutex only to make `JoinError: Sync` (as tokio's), so that it
    /// converts into `Box<dyn Error + Send + Sync>`; it is never contended.
    Panic(std::sync::Mutex<Box<dyn Any + Send + 'static>>),
}

/// Why a task gave no result: it was aborted, or it panicked.
///
/// # Examples
///
/// ```
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let task = seedloop::spawn(std::future::pending::<()>());
///     task.abort();
///     let err = task.await.unwrap_err();
///     assert!(err.is_cancelled() && !err.is_panic());
///     assert_eq!(err.to_string(), "task 2 was cancelled");
/// });
/// ```
pub struct JoinError {
    inner: Box<(Id, Repr)>,
}

impl JoinError {
    pub(crate) fn cancelled(id: Id) -> JoinError {
        JoinError {
            inner: Box::new((id, Repr::Cancelled)),
        }
    }

    pub(crate) fn panic(id: Id, payload: Box<dyn Any + Send + 'static>) -> JoinError {
        JoinError {
            inner: Box::new((id, Repr::Panic(std::sync::Mutex::new(payload)))),
        }
    }

    /// True if the task was aborted.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let t = seedloop::spawn(std::future::pending::<()>());
    ///     t.abort();
    ///     assert!(t.await.unwrap_err().is_cancelled());
    /// });
    /// ```
    pub fn is_cancelled(&self) -> bool {
        matches!(self.inner.1, Repr::Cancelled)
    }

    /// True if the task panicked.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::builder()
    ///     .panic_policy(seedloop::PanicPolicy::ToJoinHandle)
    ///     .print_panics(false)
    ///     .build();
    /// sim.block_on(async {
    ///     assert!(seedloop::spawn(async { panic!() }).await.unwrap_err().is_panic());
    /// });
    /// ```
    pub fn is_panic(&self) -> bool {
        matches!(self.inner.1, Repr::Panic(_))
    }

    /// The panic payload, for `std::panic::resume_unwind`.
    ///
    /// # Panics
    ///
    /// If the task was cancelled rather than panicked; see [`JoinError::try_into_panic`].
    ///
    /// ```
    /// let mut sim = seedloop::Sim::builder()
    ///     .panic_policy(seedloop::PanicPolicy::ToJoinHandle)
    ///     .print_panics(false)
    ///     .build();
    /// sim.block_on(async {
    ///     let err = seedloop::spawn(async { panic!("boom") }).await.unwrap_err();
    ///     assert_eq!(*err.into_panic().downcast::<&str>().unwrap(), "boom");
    /// });
    /// ```
    #[track_caller]
    pub fn into_panic(self) -> Box<dyn Any + Send + 'static> {
        self.try_into_panic()
            .expect("JoinError::into_panic called on a cancelled task's error")
    }

    /// The panic payload, or the error back if the task was cancelled.
    ///
    /// # Errors
    ///
    /// The same `JoinError` when the task was cancelled.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let t = seedloop::spawn(std::future::pending::<()>());
    ///     t.abort();
    ///     assert!(t.await.unwrap_err().try_into_panic().is_err());
    /// });
    /// ```
    pub fn try_into_panic(self) -> Result<Box<dyn Any + Send + 'static>, JoinError> {
        match *self.inner {
            (_, Repr::Panic(p)) => Ok(p.into_inner().unwrap_or_else(|e| e.into_inner())),
            (id, Repr::Cancelled) => Err(JoinError::cancelled(id)),
        }
    }

    /// The id of the task that ended.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let t = seedloop::spawn(std::future::pending::<()>());
    ///     let id = t.id();
    ///     t.abort();
    ///     assert_eq!(t.await.unwrap_err().id(), id);
    /// });
    /// ```
    pub fn id(&self) -> Id {
        self.inner.0
    }
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (id, repr) = &*self.inner;
        match repr {
            Repr::Cancelled => write!(f, "task {id} was cancelled"),
            Repr::Panic(p) => write!(
                f,
                "task {id} panicked with message {:?}",
                payload_message(p)
            ),
        }
    }
}

impl fmt::Debug for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (id, repr) = &*self.inner;
        match repr {
            Repr::Cancelled => write!(f, "JoinError::Cancelled({id})"),
            Repr::Panic(p) => write!(f, "JoinError::Panic({id}, {:?})", payload_message(p)),
        }
    }
}

fn payload_message(p: &std::sync::Mutex<Box<dyn Any + Send + 'static>>) -> String {
    match p.lock() {
        Ok(p) => super::cell::panic_message(&**p),
        Err(e) => super::cell::panic_message(&**e.into_inner()),
    }
}

impl std::error::Error for JoinError {}
