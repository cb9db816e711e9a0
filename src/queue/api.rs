//! The methods the three queue kinds share, written once and generated for
//! each (they differ only in the order items come out, and in docs naming
//! the type). `queue_api!(Queue, "oldest")` adds them to `Queue<T>`.

/// Generates the shared methods of a queue type whose `shared` field is a
/// `Shared<T>`. `$next` names the item `get` returns ("oldest", ...).
macro_rules! queue_api {
    ($Q:ident, $next:literal) => {
        impl<T> $Q<T> {
            /// The largest number of items the queue holds (`0`: no limit).
            ///
            #[doc = concat!("```\nassert_eq!(seedloop::queue::", stringify!($Q), "::<u8>::new(3).maxsize(), 3);\n```")]
            pub fn maxsize(&self) -> usize {
                self.shared.maxsize()
            }

            /// The number of items in the queue now.
            ///
            /// Items already set aside for a blocked `get` that has not run
            /// yet are still counted (as in asyncio, where the getter takes
            /// its item when it runs).
            ///
            #[doc = concat!("```\nlet q = seedloop::queue::", stringify!($Q), "::new(0);\nq.put_nowait(1).unwrap();\nq.put_nowait(2).unwrap();\nassert_eq!(q.qsize(), 2);\n```")]
            pub fn qsize(&self) -> usize {
                self.shared.qsize()
            }

            /// True when the queue holds no item.
            ///
            #[doc = concat!("```\nlet q = seedloop::queue::", stringify!($Q), "::new(0);\nassert!(q.is_empty());\nq.put_nowait(1).unwrap();\nassert!(!q.is_empty());\n```")]
            pub fn is_empty(&self) -> bool {
                self.qsize() == 0
            }

            /// True when the queue holds `maxsize` items (never, when unbounded).
            ///
            #[doc = concat!("```\nlet q = seedloop::queue::", stringify!($Q), "::new(1);\nassert!(!q.is_full());\nq.put_nowait(1).unwrap();\nassert!(q.is_full());\n```")]
            pub fn is_full(&self) -> bool {
                self.shared.is_full()
            }

            /// True once [`shutdown`](Self::shutdown) was called.
            ///
            #[doc = concat!("```\nlet q = seedloop::queue::", stringify!($Q), "::<u8>::new(0);\nq.shutdown(false);\nassert!(q.is_shut_down());\n```")]
            pub fn is_shut_down(&self) -> bool {
                self.shared.is_shut_down()
            }

            /// How many items were put and not yet marked done with
            /// [`task_done`](Self::task_done); [`join`](Self::join) waits for
            /// this to reach zero.
            ///
            #[doc = concat!("```\nlet q = seedloop::queue::", stringify!($Q), "::new(0);\nq.put_nowait(1).unwrap();\nq.get_nowait().unwrap();\nassert_eq!(q.unfinished_tasks(), 1); // taken, not yet done\nq.task_done().unwrap();\nassert_eq!(q.unfinished_tasks(), 0);\n```")]
            pub fn unfinished_tasks(&self) -> usize {
                self.shared.unfinished_tasks()
            }

            /// Puts an item, waiting while the queue is full.
            ///
            /// Blocked putters are served in the order they started waiting;
            /// a blocked putter's item enters the queue as soon as there is
            /// room.
            ///
            /// # Errors
            ///
            /// [`QueueShutDown`](crate::queue::QueueShutDown) with the item,
            /// if the queue is shut down before the item could enter.
            ///
            /// # Cancel safety
            ///
            /// Not cancel safe: dropping the future while it waits for room
            /// drops the item. (Once the item has entered the queue,
            /// dropping the future does not take it out.)
            ///
            /// # Determinism
            ///
            /// A switch point when there is room at once. A blocked put is
            /// named, with this call site, in a deadlock report.
            ///
            #[doc = concat!("```\nlet mut sim = seedloop::Sim::new(1);\nsim.block_on(async {\n    let q = seedloop::queue::", stringify!($Q), "::new(1);\n    q.put(1).await.unwrap();\n    let q2 = q.clone();\n    let putter = seedloop::spawn(async move { q2.put(2).await }); // full: waits\n    assert_eq!(q.get().await, Ok(1)); // makes room\n    putter.await.unwrap().unwrap();\n    assert_eq!(q.get().await, Ok(2));\n});\n```")]
            #[track_caller]
            pub fn put(&self, item: T) -> Put<'_, T> {
                self.shared.put(item, Location::caller())
            }

            /// Puts an item if there is room now, never waiting.
            ///
            /// # Errors
            ///
            /// [`QueueFull`](crate::queue::QueueFull) with the item when the
            /// queue is full, and also when it was shut down;
            /// [`try_put`](Self::try_put) says which.
            ///
            /// # Determinism
            ///
            /// Never yields.
            ///
            #[doc = concat!("```\nuse seedloop::queue::{QueueFull, ", stringify!($Q), "};\n\nlet q = ", stringify!($Q), "::new(1);\nassert_eq!(q.put_nowait(1), Ok(()));\nassert_eq!(q.put_nowait(2), Err(QueueFull(2)));\n```")]
            pub fn put_nowait(&self, item: T) -> Result<(), QueueFull<T>> {
                self.shared.try_put(item).map_err(QueueFull::from)
            }

            /// Puts an item if there is room now, never waiting; the error
            /// says whether the queue was full or shut down.
            ///
            /// # Errors
            ///
            /// [`TryPutError::Full`](crate::queue::TryPutError::Full) or
            /// [`TryPutError::ShutDown`](crate::queue::TryPutError::ShutDown),
            /// with the item.
            ///
            /// # Determinism
            ///
            /// Never yields.
            ///
            #[doc = concat!("```\nuse seedloop::queue::{TryPutError, ", stringify!($Q), "};\n\nlet q = ", stringify!($Q), "::new(1);\nq.try_put(1).unwrap();\nassert_eq!(q.try_put(2), Err(TryPutError::Full(2)));\nq.shutdown(false);\nassert_eq!(q.try_put(3), Err(TryPutError::ShutDown(3)));\n```")]
            pub fn try_put(&self, item: T) -> Result<(), TryPutError<T>> {
                self.shared.try_put(item)
            }

            #[doc = concat!("Removes and returns the ", $next, " item, waiting while the queue is empty.")]
            ///
            /// Blocked getters are served in the order they started waiting:
            /// an item that arrives while some wait is set aside for the first
            /// of them at once, and no later `get` or `get_nowait` can take it.
            ///
            /// # Errors
            ///
            /// [`QueueShutDown`](crate::queue::QueueShutDown) once the queue
            /// is shut down and has no item left for this getter.
            ///
            /// # Cancel safety
            ///
            /// Cancel safe: no item is taken unless the future returns it. A
            /// getter dropped after an item was set aside for it puts the item
            /// back where it was, and the next waiting getter receives it.
            ///
            /// # Determinism
            ///
            /// A switch point when an item is there at once. A blocked get is
            /// named (`Queue::get`), with this call site, in a deadlock
            /// report.
            ///
            #[doc = concat!("```\nlet mut sim = seedloop::Sim::new(1);\nsim.block_on(async {\n    let q = seedloop::queue::", stringify!($Q), "::new(0);\n    let q2 = q.clone();\n    let consumer = seedloop::spawn(async move { q2.get().await });\n    q.put(7).await.unwrap();\n    assert_eq!(consumer.await.unwrap(), Ok(7));\n});\n```")]
            #[track_caller]
            pub fn get(&self) -> Get<'_, T> {
                self.shared.get(Location::caller())
            }

            /// Takes the next item if one is there now, never waiting.
            ///
            /// Items set aside for blocked getters that have not run yet
            /// cannot be taken.
            ///
            /// # Errors
            ///
            /// [`QueueEmpty`](crate::queue::QueueEmpty) when no item can be
            /// taken (also on a shut-down, empty queue;
            /// [`try_get`](Self::try_get) says which).
            ///
            /// # Determinism
            ///
            /// Never yields.
            ///
            #[doc = concat!("```\nuse seedloop::queue::{QueueEmpty, ", stringify!($Q), "};\n\nlet q = ", stringify!($Q), "::new(0);\nq.put_nowait(\"a\").unwrap();\nassert_eq!(q.get_nowait(), Ok(\"a\"));\nassert_eq!(q.get_nowait(), Err(QueueEmpty));\n```")]
            pub fn get_nowait(&self) -> Result<T, QueueEmpty> {
                self.shared.try_get().map_err(QueueEmpty::from)
            }

            /// Takes the next item if one is there now, never waiting; the
            /// error says whether more items may come.
            ///
            /// # Errors
            ///
            /// [`TryGetError::Empty`](crate::queue::TryGetError::Empty) when
            /// no item can be taken now;
            /// [`TryGetError::ShutDown`](crate::queue::TryGetError::ShutDown)
            /// when the queue is shut down and empty.
            ///
            /// # Determinism
            ///
            /// Never yields.
            ///
            #[doc = concat!("```\nuse seedloop::queue::{TryGetError, ", stringify!($Q), "};\n\nlet q = ", stringify!($Q), "::new(0);\nq.put_nowait(1).unwrap();\nq.shutdown(false);\nassert_eq!(q.try_get(), Ok(1)); // items left are still handed out\nassert_eq!(q.try_get(), Err(TryGetError::ShutDown));\n```")]
            pub fn try_get(&self) -> Result<T, TryGetError> {
                self.shared.try_get()
            }

            /// Marks one item taken from the queue as processed.
            ///
            /// Every item put counts as unfinished until `task_done` is called
            /// once for it; [`join`](Self::join) waits until none is.
            ///
            /// # Errors
            ///
            /// [`TaskDoneError`](crate::queue::TaskDoneError) when called more
            /// times than items were put (the count is left at zero).
            ///
            #[doc = concat!("```\nuse seedloop::queue::{TaskDoneError, ", stringify!($Q), "};\n\nlet q = ", stringify!($Q), "::new(0);\nq.put_nowait(1).unwrap();\nq.get_nowait().unwrap();\nassert_eq!(q.task_done(), Ok(()));\nassert_eq!(q.task_done(), Err(TaskDoneError));\n```")]
            pub fn task_done(&self) -> Result<(), TaskDoneError> {
                self.shared.task_done()
            }

            /// Waits until every item put has been marked done with
            /// [`task_done`](Self::task_done).
            ///
            /// # Cancel safety
            ///
            /// Cancel safe.
            ///
            /// # Determinism
            ///
            /// A switch point when nothing is unfinished at once. A blocked
            /// join is named (`Queue::join`), with this call site, in a
            /// deadlock report.
            ///
            #[doc = concat!("```\nlet mut sim = seedloop::Sim::new(1);\nsim.block_on(async {\n    let q = seedloop::queue::", stringify!($Q), "::new(0);\n    for job in 0..3 {\n        q.put_nowait(job).unwrap();\n    }\n    let worker = q.clone();\n    seedloop::spawn(async move {\n        while let Ok(_job) = worker.get().await {\n            worker.task_done().unwrap();\n        }\n    });\n    q.join().await;\n    assert_eq!(q.unfinished_tasks(), 0);\n    q.shutdown(false); // lets the worker end\n});\n```")]
            #[track_caller]
            pub fn join(&self) -> Join<'_, T> {
                self.shared.join(Location::caller())
            }

            /// Shuts the queue down (Python 3.13's `Queue.shutdown`).
            ///
            /// From then on every put fails ([`put`](Self::put) with
            /// [`QueueShutDown`](crate::queue::QueueShutDown),
            /// [`put_nowait`](Self::put_nowait) with
            /// [`QueueFull`](crate::queue::QueueFull), both handing the item
            /// back), and blocked putters are woken to fail the same way.
            /// Getters still receive the items left; once the queue is empty,
            /// blocked and later `get`s fail with `QueueShutDown`.
            ///
            /// With `immediate`, the items left are removed (and dropped)
            /// first, each counting as done, so that [`join`](Self::join)
            /// returns once no other item is unfinished; getters then fail at
            /// once. Calling it again is harmless (`immediate` then still
            /// empties the queue).
            ///
            #[doc = concat!("```\nuse seedloop::queue::{QueueShutDown, ", stringify!($Q), "};\n\nlet mut sim = seedloop::Sim::new(1);\nsim.block_on(async {\n    let q = ", stringify!($Q), "::new(0);\n    q.put_nowait(1).unwrap();\n    q.put_nowait(2).unwrap();\n    q.shutdown(true);\n    assert!(q.is_empty());\n    q.join().await; // the removed items count as done\n    assert_eq!(q.get().await, Err(QueueShutDown(())));\n});\n```")]
            pub fn shutdown(&self, immediate: bool) {
                self.shared.shutdown(immediate);
            }
        }
    };
}

pub(super) use queue_api;
