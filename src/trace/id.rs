//! The id of a task: a word of the vocabulary every layer speaks (traces,
//! errors and reports name tasks by it). The event loop hands ids out;
//! [`task::Id`](crate::task::Id) is its public name.

use std::fmt;

/// A task's id, unique within its simulation and stable across replays.
///
/// # Examples
///
/// ```
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let task = seedloop::spawn(async { seedloop::task::id() });
///     let id = task.id();
///     assert_eq!(task.await.unwrap(), id);
/// });
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Id(u64);

impl Id {
    pub(crate) fn from_u64(id: u64) -> Id {
        Id(id)
    }

    /// The id as a number.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// let id = sim.block_on(async { seedloop::task::id() });
    /// assert_eq!(id.as_u64(), 1); // the main future is the first task
    /// ```
    pub fn as_u64(self) -> u64 {
        self.0
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}
