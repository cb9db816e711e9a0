//! `seeds/`: the failures a test has found, one line each, replayed before
//! every sweep so that a found bug stays a regression test.
//!
//! A line reads `seed=0x2a strategy=pct:3 tape=<text form> # cause`. Lines
//! are appended atomically: the new content goes to a temporary file in the
//! same folder, which is then renamed over the old one, so a crash leaves
//! either the old file or the new one, never a torn line. Blank lines and
//! lines starting with `#` are comments.

use std::fmt;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::strategy::Strategy;
use crate::tape::Tape;

/// One failure recorded in a seeds file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Line {
    pub(crate) seed: u64,
    pub(crate) strategy: Strategy,
    pub(crate) tape: Tape,
    pub(crate) cause: String,
}

impl fmt::Display for Line {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tape = self.tape.trimmed();
        write!(
            f,
            "seed={:#x} strategy={} tape={}",
            self.seed, self.strategy, tape
        )?;
        let cause: String = self.cause.replace(['\n', '\r'], " ");
        if !cause.is_empty() {
            write!(f, " # {cause}")?;
        }
        Ok(())
    }
}

/// A seeds file that cannot be read or has a malformed line: names the file,
/// the line (1-based; 0 when the file itself could not be read) and what is
/// wrong.
///
/// # Examples
///
/// ```
/// use seedloop::explore::Explorer;
///
/// let dir = std::env::temp_dir().join(format!("seedloop-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("bad.seeds");
/// std::fs::write(&path, "seed=0x2a strategy=random tape=-\nseed=banana\n").unwrap();
/// let err = Explorer::new("doc").replay_file(&path).unwrap_err();
/// assert_eq!(err.line(), 2);
/// assert!(err.to_string().contains("banana"), "{err}");
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeedsFileError {
    path: PathBuf,
    line: usize,
    reason: String,
}

impl SeedsFileError {
    fn new(path: &Path, line: usize, reason: impl Into<String>) -> SeedsFileError {
        SeedsFileError {
            path: path.to_path_buf(),
            line,
            reason: reason.into(),
        }
    }

    /// The file.
    ///
    /// ```
    /// # let dir = std::env::temp_dir().join(format!("seedloop-doc-path-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// let path = dir.join("t.seeds");
    /// std::fs::write(&path, "tape=1\n").unwrap();
    /// let err = seedloop::explore::Explorer::new("t").replay_file(&path).unwrap_err();
    /// assert_eq!(err.path(), path.as_path());
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// ```
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The 1-based line number (0: the file could not be read at all).
    ///
    /// ```
    /// # let dir = std::env::temp_dir().join(format!("seedloop-doc-line-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// let path = dir.join("t.seeds");
    /// std::fs::write(&path, "# a comment\n\nseed=1 strategy=fifo tape=oops\n").unwrap();
    /// let err = seedloop::explore::Explorer::new("t").replay_file(&path).unwrap_err();
    /// assert_eq!(err.line(), 3);
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// ```
    pub fn line(&self) -> usize {
        self.line
    }

    /// What is wrong.
    ///
    /// ```
    /// # let dir = std::env::temp_dir().join(format!("seedloop-doc-why-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// let path = dir.join("t.seeds");
    /// std::fs::write(&path, "seed=1 strategy=chaos tape=-\n").unwrap();
    /// let err = seedloop::explore::Explorer::new("t").replay_file(&path).unwrap_err();
    /// assert!(err.reason().contains("chaos"), "{}", err.reason());
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// ```
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

impl fmt::Display for SeedsFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "seeds file {}: {}", self.path.display(), self.reason)
        } else {
            write!(
                f,
                "seeds file {}, line {}: {}",
                self.path.display(),
                self.line,
                self.reason
            )
        }
    }
}

impl std::error::Error for SeedsFileError {}

/// `seeds/<test path, :: as __>.seeds` under `manifest_dir`.
pub(crate) fn path_for(manifest_dir: &Path, test_path: &str) -> PathBuf {
    manifest_dir
        .join("seeds")
        .join(format!("{}.seeds", test_path.replace("::", "__")))
}

/// Parses one line (without its newline); `Ok(None)` for a blank or comment line.
pub(crate) fn parse_line(text: &str) -> Result<Option<Line>, String> {
    let (fields, cause) = match text.split_once(" #") {
        Some((fields, cause)) => (fields, cause.trim()),
        None => (text, ""),
    };
    let fields = fields.trim();
    if fields.is_empty() || fields.starts_with('#') {
        return Ok(None);
    }
    let (mut seed, mut strategy, mut tape) = (None, None, None);
    for field in fields.split_whitespace() {
        let Some((key, value)) = field.split_once('=') else {
            return Err(format!("`{field}` is not a `key=value` field"));
        };
        let slot_taken = match key {
            "seed" => seed
                .replace(crate::parse_seed("seed", value).map_err(|e| e.to_string())?)
                .is_some(),
            "strategy" => strategy
                .replace(
                    value
                        .parse::<Strategy>()
                        .map_err(|e| format!("strategy `{value}`: {}", e.reason()))?,
                )
                .is_some(),
            "tape" => tape
                .replace(
                    value
                        .parse::<Tape>()
                        .map_err(|e| format!("tape `{value}`: {e}"))?,
                )
                .is_some(),
            _ => {
                return Err(format!(
                    "unknown field `{key}` (expected seed, strategy, tape)"
                ));
            }
        };
        if slot_taken {
            return Err(format!("field `{key}` appears twice"));
        }
    }
    let missing = |name: &str| format!("the `{name}=` field is missing");
    Ok(Some(Line {
        seed: seed.ok_or_else(|| missing("seed"))?,
        strategy: strategy.ok_or_else(|| missing("strategy"))?,
        tape: tape.ok_or_else(|| missing("tape"))?,
        cause: cause.to_string(),
    }))
}

/// Every line of the file, in order, with its line number. A missing file
/// has no lines.
pub(crate) fn read(path: &Path) -> Result<Vec<(usize, Line)>, SeedsFileError> {
    let text = match fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(SeedsFileError::new(path, 0, e.to_string())),
    };
    let mut lines = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        match parse_line(raw) {
            Ok(Some(line)) => lines.push((i + 1, line)),
            Ok(None) => {}
            Err(reason) => return Err(SeedsFileError::new(path, i + 1, reason)),
        }
    }
    Ok(lines)
}

/// Appends `line` atomically: write the whole new content to a temporary
/// file beside the target, flush it to disk, rename it over the target.
pub(crate) fn append(path: &Path, line: &Line) -> io::Result<()> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir)?;
    let mut content = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(e),
    };
    if !content.is_empty() && !content.ends_with(b"\n") {
        content.push(b'\n');
    }
    content.extend_from_slice(format!("{line}\n").as_bytes());
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(
        ".{name}.tmp-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let written = (|| {
        let mut file = fs::File::create(&temp)?;
        file.write_all(&content)?;
        file.sync_all()?;
        fs::rename(&temp, path)
    })();
    if written.is_err() {
        let _ = fs::remove_file(&temp);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(seed: u64) -> Line {
        Line {
            seed,
            strategy: Strategy::Pct { depth: 3 },
            tape: Tape::from_values(vec![0, 0, 4, 0, 1, 0, 0]),
            cause: "task 3 panicked:\nboom".to_string(),
        }
    }

    #[test]
    fn a_line_round_trips_through_its_text() {
        let l = line(42);
        let text = l.to_string();
        assert_eq!(
            text,
            "seed=0x2a strategy=pct:3 tape=z2,4,0,1 # task 3 panicked: boom"
        );
        let back = parse_line(&text).unwrap().unwrap();
        assert_eq!(back.seed, 42);
        assert_eq!(back.strategy, l.strategy);
        assert_eq!(back.tape, l.tape.trimmed());
        assert_eq!(back.cause, "task 3 panicked: boom");
    }

    #[test]
    fn malformed_lines_say_what_is_wrong() {
        for (text, needle) in [
            ("seed=1 strategy=fifo", "`tape=` field is missing"),
            ("seed=1 strategy=fifo tape=- seed=2", "appears twice"),
            ("seed=x strategy=fifo tape=-", "seed"),
            ("seed=1 strategy=fifo tape=1,,2", "tape `1,,2`"),
            ("seed=1 colour=red tape=-", "unknown field `colour`"),
            ("seed=1 strategy", "not a `key=value`"),
        ] {
            let err = parse_line(text).unwrap_err();
            assert!(err.contains(needle), "{text}: {err}");
        }
        assert_eq!(parse_line("   "), Ok(None));
        assert_eq!(parse_line("# seeds for x"), Ok(None));
    }

    #[test]
    fn path_replaces_path_separators() {
        let p = path_for(Path::new("/crate"), "bugs::kv::linearizable");
        assert_eq!(p, Path::new("/crate/seeds/bugs__kv__linearizable.seeds"));
    }

    #[test]
    fn appends_keep_earlier_lines_and_survive_a_torn_temporary_file() {
        let dir = std::env::temp_dir().join(format!("seedloop-seeds-unit-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let path = dir.join("seeds").join("t.seeds");
        append(&path, &line(1)).unwrap();
        // A crash in the middle of an earlier append left a partial temporary file.
        fs::write(dir.join("seeds").join(".t.seeds.tmp-1-0"), "seed=0x2 strat").unwrap();
        // And the file itself lacks its final newline (edited by hand).
        let mut text = fs::read_to_string(&path).unwrap();
        text.pop();
        fs::write(&path, text).unwrap();
        append(&path, &line(2)).unwrap();
        let lines = read(&path).unwrap();
        assert_eq!(
            lines.iter().map(|(n, l)| (*n, l.seed)).collect::<Vec<_>>(),
            vec![(1, 1), (2, 2)]
        );
        fs::remove_dir_all(&dir).unwrap();
    }
}
