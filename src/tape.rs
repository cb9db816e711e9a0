//! The tape: the record of every choice a run made.
//!
//! Text form (stable, shell-safe, no spaces): `-` for an empty tape, otherwise
//! the values in decimal separated by `,`, where a run of `k >= 2` zeros is
//! written `z<k>`. For example the values `[3, 0, 0, 0, 0, 0, 17]` read
//! `3,z5,17`.

use std::fmt;
use std::str::FromStr;

/// The record of every choice of a run, in order; replaying it reproduces the run.
///
/// A choice asks for a value in `0..n` (with `n >= 2`; a choice with one option
/// is not recorded). `0` is always the simplest value, so a tape of zeros is the
/// plainest run and shrinking lowers values toward zero. A replayed tape that
/// runs out continues with zeros, and a value too large for its choice is
/// clamped to the largest allowed one.
///
/// # Examples
///
/// ```
/// use seedloop::{Sim, Strategy, Tape};
///
/// let run = |strategy| {
///     let mut sim = Sim::builder().seed(9).strategy(strategy).build();
///     sim.block_on(async {
///         let a = seedloop::spawn(async { seedloop::rand::random::<u8>() });
///         let b = seedloop::spawn(async { seedloop::rand::random::<u8>() });
///         (a.await.unwrap(), b.await.unwrap())
///     });
///     (sim.tape().clone(), sim.fingerprint())
/// };
/// let (tape, fingerprint) = run(Strategy::Random);
/// let text = tape.to_string();
/// let parsed: Tape = text.parse().unwrap();
/// assert_eq!(parsed, tape);
/// assert_eq!(run(Strategy::Replay(parsed)).1, fingerprint);
/// ```
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Tape {
    values: Vec<u32>,
}

impl Tape {
    /// An empty tape.
    ///
    /// ```
    /// assert!(seedloop::Tape::new().is_empty());
    /// ```
    pub fn new() -> Tape {
        Tape { values: Vec::new() }
    }

    /// A tape holding these values (for hand-written or generated schedules).
    ///
    /// ```
    /// let tape = seedloop::Tape::from_values(vec![0, 2, 0]);
    /// assert_eq!(tape.nonzero(), 1);
    /// ```
    pub fn from_values(values: Vec<u32>) -> Tape {
        Tape { values }
    }

    /// The values, in the order the choices were made.
    ///
    /// ```
    /// let tape: seedloop::Tape = "1,z2".parse().unwrap();
    /// assert_eq!(tape.values(), &[1, 0, 0]);
    /// ```
    pub fn values(&self) -> &[u32] {
        &self.values
    }

    /// Consumes the tape, giving its values.
    ///
    /// ```
    /// let tape = seedloop::Tape::from_values(vec![4]);
    /// assert_eq!(tape.into_values(), vec![4]);
    /// ```
    pub fn into_values(self) -> Vec<u32> {
        self.values
    }

    /// The number of choices recorded.
    ///
    /// ```
    /// assert_eq!(seedloop::Tape::from_values(vec![0, 0, 1]).len(), 3);
    /// ```
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// True when no choice is recorded.
    ///
    /// ```
    /// assert!(seedloop::Tape::default().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The number of non-zero choices: how far the run strays from the plainest one.
    ///
    /// ```
    /// assert_eq!(seedloop::Tape::from_values(vec![0, 3, 0, 1]).nonzero(), 2);
    /// ```
    pub fn nonzero(&self) -> usize {
        self.values.iter().filter(|v| **v != 0).count()
    }

    /// The same tape without its trailing zeros, which replay identically
    /// (a replayed tape that runs out continues with zeros).
    ///
    /// ```
    /// let tape = seedloop::Tape::from_values(vec![2, 0, 0]);
    /// assert_eq!(tape.trimmed().values(), &[2]);
    /// ```
    pub fn trimmed(&self) -> Tape {
        let end = self
            .values
            .iter()
            .rposition(|v| *v != 0)
            .map_or(0, |i| i + 1);
        Tape {
            values: self.values[..end].to_vec(),
        }
    }

    pub(crate) fn extend_from_slice(&mut self, values: &[u32]) {
        self.values.extend_from_slice(values);
    }
}

impl fmt::Debug for Tape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Tape({self})")
    }
}

impl fmt::Display for Tape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.values.is_empty() {
            return f.write_str("-");
        }
        let mut i = 0;
        let mut first = true;
        while i < self.values.len() {
            if !first {
                f.write_str(",")?;
            }
            first = false;
            let v = self.values[i];
            if v == 0 {
                let run = self.values[i..].iter().take_while(|x| **x == 0).count();
                if run >= 2 {
                    write!(f, "z{run}")?;
                    i += run;
                    continue;
                }
            }
            write!(f, "{v}")?;
            i += 1;
        }
        Ok(())
    }
}

/// Why a tape's text form could not be read; names the offending item.
///
/// # Examples
///
/// ```
/// let err = "1,x,2".parse::<seedloop::Tape>().unwrap_err();
/// assert_eq!(err.item(), "x");
/// assert_eq!(err.position(), 1);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseTapeError {
    position: usize,
    item: String,
    reason: &'static str,
}

impl ParseTapeError {
    /// The 0-based index of the bad item among the `,`-separated items.
    ///
    /// ```
    /// assert_eq!("z".parse::<seedloop::Tape>().unwrap_err().position(), 0);
    /// ```
    pub fn position(&self) -> usize {
        self.position
    }

    /// The bad item's text.
    ///
    /// ```
    /// assert_eq!("5,-3".parse::<seedloop::Tape>().unwrap_err().item(), "-3");
    /// ```
    pub fn item(&self) -> &str {
        &self.item
    }
}

impl fmt::Display for ParseTapeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "bad tape item {} `{}`: {}",
            self.position, self.item, self.reason
        )
    }
}

impl std::error::Error for ParseTapeError {}

impl FromStr for Tape {
    type Err = ParseTapeError;

    fn from_str(s: &str) -> Result<Tape, ParseTapeError> {
        let s = s.trim();
        if s == "-" {
            return Ok(Tape::new());
        }
        let mut values = Vec::new();
        for (position, item) in s.split(',').enumerate() {
            let err = |reason| ParseTapeError {
                position,
                item: item.to_string(),
                reason,
            };
            if let Some(run) = item.strip_prefix('z') {
                let run: usize = run
                    .parse()
                    .map_err(|_| err("expected `z` followed by a count of zeros"))?;
                if run < 2 {
                    return Err(err("a zero run `zK` needs K >= 2"));
                }
                if values.len() + run > MAX_TEXT_TAPE {
                    return Err(err("tape longer than 2^28 choices"));
                }
                values.resize(values.len() + run, 0);
            } else if item.is_empty() {
                return Err(err(
                    "empty item (the empty tape is written `-`, items are separated by one `,`)",
                ));
            } else if !item.bytes().all(|b| b.is_ascii_digit()) {
                return Err(err("expected a decimal value or `zK`"));
            } else {
                let v = item
                    .parse::<u32>()
                    .map_err(|_| err("value does not fit in u32"))?;
                values.push(v);
            }
        }
        Ok(Tape { values })
    }
}

/// A bound on tapes read from text, so that `z99999999999` cannot exhaust memory.
const MAX_TEXT_TAPE: usize = 1 << 28;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_round_trips() {
        for values in [
            vec![],
            vec![0],
            vec![0, 0],
            vec![1, 0, 0, 0, 2],
            vec![u32::MAX, 0, 7, 0],
        ] {
            let tape = Tape::from_values(values.clone());
            let text = tape.to_string();
            assert_eq!(
                text.parse::<Tape>().unwrap().values(),
                &values[..],
                "{text}"
            );
        }
        assert_eq!(
            Tape::from_values(vec![3, 0, 0, 0, 0, 0, 17]).to_string(),
            "3,z5,17"
        );
    }

    #[test]
    fn malformed_text_is_named() {
        for bad in [
            "",
            "1,,2",
            "z1",
            "z",
            "zz",
            "1 2",
            "4294967296",
            "+1",
            "z999999999999",
        ] {
            let err = bad.parse::<Tape>().unwrap_err();
            assert!(err.to_string().contains("bad tape item"), "{bad}: {err}");
        }
    }
}
