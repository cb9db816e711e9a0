//! A picture of a run: one self-contained HTML file with a space-time
//! diagram of its nodes, tasks and messages.
//!
//! A failing distributed run is a story (who sent what to whom, what was
//! lost, where the partition cut, which task yielded where, and the step
//! that broke the invariant), and Lamport's diagrams are how people read
//! one. [`Sim::write_view`] draws the recorded run:
//!
//! - a lane per node, a row per task in it, every event at its virtual time;
//! - every packet as an arrow from its send to its delivery, dropped and
//!   lost ones ending in a cross, duplicates dashed, held ones open;
//! - partitions, clogs, holds, kills and pauses as bands over their lanes;
//! - the tape's non-zero choices where they were made: after shrinking,
//!   these few marks are the bug's cause;
//! - the failure highlighted, with its message and place;
//! - after a failed [`check::assert_linearizable`](crate::check::assert_linearizable),
//!   the clients' calls as bars, the call that cannot be placed marked.
//!
//! Zoom with the wheel, pan by dragging, filter by node or task, hover or
//! click for an event's details. The filter and zoom live in the page's
//! address (`#nodes=a,b&tasks=2,5&from=NS&to=NS`), so a link shows the same
//! view. The file loads nothing from elsewhere: it opens offline and as a
//! CI artifact. Past 100,000 events the view samples (polls first) and says
//! so.
//!
//! The explorer and `#[seedloop::test]` write the view of a shrunk failing
//! run by themselves, under `target/seedloop/<test>/<seed>.html` (or
//! `SEEDLOOP_VIEW_DIR`), and the report names it on its `view:` line.
//!
//! ```
//! use seedloop::{Sim, net};
//!
//! let mut sim = Sim::builder().seed(1).record_trace(true).build();
//! sim.block_on(async {
//!     seedloop::node::Builder::new("server").build();
//!     let s = net::UdpSocket::bind("0.0.0.0:0").await.unwrap();
//!     s.send_to(b"hello", "server:9").await.unwrap();
//!     seedloop::sleep(std::time::Duration::from_millis(10)).await;
//! });
//! let path = std::env::temp_dir().join("seedloop-view-doc.html");
//! sim.write_view(&path).unwrap();
//! let html = std::fs::read_to_string(&path).unwrap();
//! assert!(html.contains("\"name\":\"server\""));
//! ```
//!
//! # Determinism
//!
//! The file is a function of the run: the same seed gives the same bytes.
//! Recording the side tables the view needs (each task's node, each
//! packet's number, where each choice was made) changes neither the tape
//! nor the fingerprint.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::runtime::Sim;

mod data;
mod json;
pub(crate) mod place;

pub(crate) use data::Heading;

/// The page: its markup with a marker where its style, the run's data
/// and its script go, in that order.
const PAGE: &str = include_str!("page.html");
const STYLE: &str = include_str!("page.css");
const SCRIPT: &str = include_str!("page.js");
const STYLE_MARK: &str = "/*SEEDLOOP_CSS*/";
const DATA_MARK: &str = "/*SEEDLOOP_DATA*/";
const SCRIPT_MARK: &str = "/*SEEDLOOP_JS*/";

/// Why [`Sim::write_view`] could not write the view.
///
/// ```
/// let mut sim = seedloop::Sim::new(1); // no trace recorded
/// sim.block_on(async {});
/// let err = sim.write_view(std::env::temp_dir().join("never.html")).unwrap_err();
/// assert!(matches!(err, seedloop::view::WriteViewError::NotRecorded));
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum WriteViewError {
    /// The run kept no trace: build it with
    /// [`Builder::record_trace(true)`](crate::Builder::record_trace).
    NotRecorded,
    /// The file or its directory could not be written.
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        source: io::Error,
    },
}

impl fmt::Display for WriteViewError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WriteViewError::NotRecorded => f.write_str(
                "the run kept no trace to draw: build the Sim with Builder::record_trace(true)",
            ),
            WriteViewError::Io { path, source } => {
                write!(
                    f,
                    "could not write the view to {}: {source}",
                    path.display()
                )
            }
        }
    }
}

impl std::error::Error for WriteViewError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            WriteViewError::NotRecorded => None,
            WriteViewError::Io { source, .. } => Some(source),
        }
    }
}

impl Sim {
    /// Writes the recorded run as one self-contained HTML file at `path`
    /// (its directory is created if missing): see [`view`](crate::view).
    ///
    /// # Errors
    ///
    /// [`WriteViewError::NotRecorded`] when the simulation was not built
    /// with [`Builder::record_trace(true)`](crate::Builder::record_trace);
    /// [`WriteViewError::Io`], naming the path, when it cannot be written.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::builder().record_trace(true).build();
    /// let _ = sim.try_block_on(async {
    ///     seedloop::spawn(async { panic!("the bug") }).await.unwrap();
    /// });
    /// let path = std::env::temp_dir().join("seedloop-write-view.html");
    /// sim.write_view(&path).unwrap();
    /// assert!(std::fs::read_to_string(&path).unwrap().contains("the bug"));
    /// ```
    ///
    /// # Determinism
    ///
    /// The same run gives the same bytes.
    pub fn write_view(&self, path: impl AsRef<Path>) -> Result<(), WriteViewError> {
        let path = path.as_ref();
        let html = self.view_html()?;
        write_file(path, &html)
    }

    /// The recorded run as the HTML text [`Sim::write_view`] writes.
    ///
    /// # Errors
    ///
    /// [`WriteViewError::NotRecorded`] when the trace was not recorded.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::builder().record_trace(true).build();
    /// sim.block_on(async {});
    /// let html = sim.view_html().unwrap();
    /// assert!(html.to_ascii_lowercase().starts_with("<!doctype html>"));
    /// // Nothing is loaded from elsewhere: no script, style or image by address.
    /// assert!(!html.contains("src=\"http") && !html.contains("href=\"http"));
    /// ```
    pub fn view_html(&self) -> Result<String, WriteViewError> {
        let title = format!("seedloop run, seed {:#x}", self.seed());
        render(self, &title)
    }
}

/// The page of `sim`'s recorded run under the heading `title`.
pub(crate) fn render(sim: &Sim, title: &str) -> Result<String, WriteViewError> {
    if !sim.records_trace() {
        return Err(WriteViewError::NotRecorded);
    }
    let heading = Heading {
        title,
        subtitle: format!(
            "seed {:#x}, strategy {}, {} steps, {} events, virtual time {}, fingerprint {:016x}",
            sim.seed(),
            sim.strategy(),
            sim.steps(),
            sim.trace().len(),
            crate::trace::fmt_time(sim.elapsed()),
            sim.fingerprint()
        ),
    };
    let data = data::build(sim, &heading);
    let [head, middle, foot, tail] = template();
    let mut html = String::with_capacity(PAGE.len() + STYLE.len() + SCRIPT.len() + data.len());
    for part in [head, STYLE, middle, &data, foot, SCRIPT, tail] {
        html.push_str(part);
    }
    Ok(html)
}

/// The page's markup cut at its three markers. The data goes in after the
/// cut, so nothing in it (a task's name) can be taken for a marker.
fn template() -> [&'static str; 4] {
    let cut = |text: &'static str, mark| {
        text.split_once(mark)
            .expect("the page's markup holds each marker once, in order")
    };
    let (head, rest) = cut(PAGE, STYLE_MARK);
    let (middle, rest) = cut(rest, DATA_MARK);
    let (foot, tail) = cut(rest, SCRIPT_MARK);
    [head, middle, foot, tail]
}

/// Writes `html` at `path`, creating its directory. The text goes to a
/// file beside it first, renamed over `path` once whole: a reader (or a
/// sweep's other thread writing the same view) never sees half a file.
pub(crate) fn write_file(path: &Path, html: &str) -> Result<(), WriteViewError> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let io = |source| WriteViewError::Io {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let mut part = path.as_os_str().to_owned();
    part.push(format!(
        ".{}-{}.part",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let part = PathBuf::from(part);
    let written = std::fs::write(&part, html).and_then(|()| std::fs::rename(&part, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&part);
    }
    written.map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_has_each_marker_once_and_nothing_ends_a_script_early() {
        for mark in [STYLE_MARK, DATA_MARK, SCRIPT_MARK] {
            assert_eq!(PAGE.matches(mark).count(), 1, "{mark}");
        }
        let [head, middle, foot, _] = template();
        assert!(head.ends_with("<style>\n"));
        assert!(middle.ends_with("<script id=\"data\" type=\"application/json\">"));
        assert!(foot.ends_with("<script>\n"));
        assert!(!SCRIPT.contains("</script") && !STYLE.contains("</style"));
    }
}
