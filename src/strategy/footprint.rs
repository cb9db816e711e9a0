//! A step's footprint: the resources it touched, as the event loop records
//! them (`runtime::footprint`) for the strategies that reduce or count
//! schedules by the order of independent steps (`Dfs`).

/// The resources one step touched: sorted, without duplicates, or `all`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub(crate) struct Footprint {
    /// The step touched everything (a kill, an abort, a time advance).
    pub(crate) all: bool,
    /// The resources touched, sorted.
    pub(crate) ids: Vec<u64>,
}

impl Footprint {
    /// Whether two steps with these footprints commute.
    pub(crate) fn independent(&self, other: &Footprint) -> bool {
        if self.all || other.all {
            return false;
        }
        let (mut a, mut b) = (self.ids.iter().peekable(), other.ids.iter().peekable());
        while let (Some(x), Some(y)) = (a.peek(), b.peek()) {
            match x.cmp(y) {
                std::cmp::Ordering::Less => {
                    a.next();
                }
                std::cmp::Ordering::Greater => {
                    b.next();
                }
                std::cmp::Ordering::Equal => return false,
            }
        }
        true
    }

    /// Adds what `other` touched.
    pub(crate) fn union(&mut self, other: &Footprint) {
        self.all |= other.all;
        if !other.ids.is_empty() {
            self.ids.extend_from_slice(&other.ids);
            self.ids.sort_unstable();
            self.ids.dedup();
        }
    }

    /// The footprint of a step that touched these resources (sorted).
    #[cfg(test)]
    pub(crate) fn of(ids: &[u64]) -> Footprint {
        Footprint {
            all: false,
            ids: ids.to_vec(),
        }
    }

    pub(crate) fn add(&mut self, id: u64) {
        if let Err(at) = self.ids.binary_search(&id) {
            self.ids.insert(at, id);
        }
    }
}
