//! The poll watchdog (pub(crate)): a wall-clock observer, outside the
//! simulation, that notices a task stuck inside one poll.
//!
//! A task whose `poll` never returns (a loop with no `.await`, a
//! `std::thread::sleep`, a blocking lock) stops the whole simulation: no
//! other task runs, the virtual clock stands still, and without this the
//! process hangs with no word. Each `Sim` publishes, at every poll, which
//! task it is polling: a few relaxed stores to its own [`Watch`]. One
//! thread per process looks at every live `Watch` a few times a second.
//! When one has stayed inside the same poll for `SEEDLOOP_POLL_WARN` of
//! wall time (default 10 s) it prints which task, on which node, spawned
//! where, and the likely causes; past `SEEDLOOP_POLL_TIMEOUT` (unset by
//! default) it aborts the process.
//!
//! The watchdog only reads: it never touches a simulation's state, so a
//! run is the same with it or without it, warned or not.

use std::collections::BTreeMap;
use std::panic::Location;
use std::sync::atomic::{AtomicPtr, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::{Duration, Instant};

use crate::error::ConfigError;

/// What one simulation says about the poll it is in.
pub(crate) struct Watch {
    /// Odd while inside a poll; each poll adds 2.
    seq: AtomicU64,
    task: AtomicU64,
    node: AtomicU32,
    site: AtomicPtr<Location<'static>>,
    seed: AtomicU64,
    /// The id of the current `main` task (named without an allocation).
    main_task: AtomicU64,
    /// The names of the other named tasks, published at spawn.
    task_names: Mutex<BTreeMap<u64, String>>,
    /// The names of the nodes after `main`, by id - 1, published when they
    /// are made.
    node_names: Mutex<Vec<String>>,
}

/// A simulation's lease on a `Watch`. Watches are kept for reuse by the
/// thread that made them, so that making a `Sim` costs no allocation and
/// no lock of the registry once the thread has made one before.
pub(crate) struct Lease(Arc<Watch>);

impl std::ops::Deref for Lease {
    type Target = Watch;
    #[inline]
    fn deref(&self) -> &Watch {
        &self.0
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        // At rest, even if a panic left it inside a poll.
        if self.0.seq.load(Ordering::Relaxed) & 1 == 1 {
            self.0.seq.fetch_add(1, Ordering::Release);
        }
        self.0.main_task.store(0, Ordering::Relaxed);
        self.0
            .task_names
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
        self.0
            .node_names
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
        let watch = self.0.clone();
        // A thread that is ending has no pool any more: the watch just goes.
        let _ = SPARE.try_with(|spare| {
            let mut spare = spare.borrow_mut();
            if spare.len() < SPARE_MAX {
                spare.push(watch);
            }
        });
    }
}

/// Idle watches a thread keeps (more than one: a determinism check holds
/// two simulations at once).
const SPARE_MAX: usize = 4;

thread_local! {
    static SPARE: std::cell::RefCell<Vec<Arc<Watch>>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The watchdog's settings, from the environment, read once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Settings {
    /// After how long inside one poll a warning is printed (`None`: never).
    pub(crate) warn: Option<Duration>,
    /// After how long inside one poll the process is aborted (`None`: never).
    pub(crate) abort: Option<Duration>,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            warn: Some(Duration::from_secs(10)),
            abort: None,
        }
    }
}

/// Reads `SEEDLOOP_POLL_WARN` and `SEEDLOOP_POLL_TIMEOUT` through `var`:
/// a duration such as `10s` or `500ms`, or `off`.
pub(crate) fn read(var: impl Fn(&str) -> Option<String>) -> Result<Settings, ConfigError> {
    let duration = |name: &str| -> Result<Option<Option<Duration>>, ConfigError> {
        match var(name) {
            None => Ok(None),
            Some(text) if text.trim() == "off" => Ok(Some(None)),
            Some(text) => crate::env::parse_duration(name, &text)
                .map(|d| Some(Some(d)))
                .map_err(|e| ConfigError::new(name, &text, format!("{}, or off", e.reason()))),
        }
    };
    let mut s = Settings::default();
    if let Some(warn) = duration("SEEDLOOP_POLL_WARN")? {
        s.warn = warn;
    }
    if let Some(abort) = duration("SEEDLOOP_POLL_TIMEOUT")? {
        s.abort = abort;
    }
    Ok(s)
}

/// The process's settings: the environment's, checked at every build so a
/// bad value is a build's error.
pub(crate) fn settings() -> Result<Settings, ConfigError> {
    static SETTINGS: OnceLock<Result<Settings, ConfigError>> = OnceLock::new();
    SETTINGS
        .get_or_init(|| read(|name| std::env::var(name).ok()))
        .clone()
}

/// Every live simulation's `Watch`, and whether the thread runs.
static REGISTRY: Mutex<Vec<Weak<Watch>>> = Mutex::new(Vec::new());
static STARTED: OnceLock<()> = OnceLock::new();

impl Watch {
    /// The watch of a new simulation of `seed`, registered with the
    /// watchdog (started on first use, when a limit is set).
    pub(crate) fn register(seed: u64) -> Lease {
        if let Some(watch) = SPARE.try_with(|s| s.borrow_mut().pop()).ok().flatten() {
            // Registered already (if the watchdog runs), and at rest: its
            // sequence number is even, and goes on counting.
            watch.seed.store(seed, Ordering::Relaxed);
            return Lease(watch);
        }
        let watch = Arc::new(Watch {
            seq: AtomicU64::new(0),
            task: AtomicU64::new(0),
            node: AtomicU32::new(0),
            site: AtomicPtr::new(std::ptr::null_mut()),
            seed: AtomicU64::new(seed),
            main_task: AtomicU64::new(0),
            task_names: Mutex::new(BTreeMap::new()),
            node_names: Mutex::new(Vec::new()),
        });
        let s = settings().unwrap_or_default();
        if s.warn.is_some() || s.abort.is_some() {
            let mut registry = REGISTRY.lock().unwrap_or_else(|e| e.into_inner());
            registry.retain(|w| w.strong_count() > 0);
            registry.push(Arc::downgrade(&watch));
            drop(registry);
            STARTED.get_or_init(|| {
                // The watchdog is a convenience: without a thread, runs
                // are the same, only a hang stays silent.
                let _ = std::thread::Builder::new()
                    .name("seedloop-watchdog".to_string())
                    .spawn(move || observe(s));
            });
        }
        Lease(watch)
    }

    /// Notes that the simulation enters a poll of `task` (on `node`,
    /// spawned at `site`). Returns whether it did: a poll inside a poll
    /// (a task dropped while another runs) keeps the outer one.
    #[inline]
    pub(crate) fn enter(&self, task: u64, node: u32, site: &'static Location<'static>) -> bool {
        let seq = self.seq.load(Ordering::Relaxed);
        if seq & 1 == 1 {
            return false;
        }
        self.task.store(task, Ordering::Relaxed);
        self.node.store(node, Ordering::Relaxed);
        self.site
            .store(std::ptr::from_ref(site).cast_mut(), Ordering::Relaxed);
        self.seq.store(seq + 1, Ordering::Release);
        true
    }

    /// Notes that the poll entered by a successful `enter` returned.
    #[inline]
    pub(crate) fn leave(&self) {
        let seq = self.seq.load(Ordering::Relaxed);
        self.seq.store(seq + 1, Ordering::Release);
    }

    /// Publishes the id of the run's current `main` task.
    #[inline]
    pub(crate) fn name_main(&self, task: u64) {
        self.main_task.store(task, Ordering::Relaxed);
    }

    /// Publishes a named task's name.
    #[cold]
    #[inline(never)]
    pub(crate) fn name_task(&self, task: u64, name: &str) {
        let mut names = self.task_names.lock().unwrap_or_else(|e| e.into_inner());
        names.insert(task, name.to_string());
    }

    /// Forgets a named task's name when the task is gone.
    pub(crate) fn forget_task(&self, task: u64) {
        let mut names = self.task_names.lock().unwrap_or_else(|e| e.into_inner());
        names.remove(&task);
    }

    /// Publishes node `id`'s name.
    pub(crate) fn name_node(&self, id: u32, name: &str) {
        let Some(i) = (id as usize).checked_sub(1) else {
            return; // node 0 is `main`
        };
        let mut names = self.node_names.lock().unwrap_or_else(|e| e.into_inner());
        if names.len() <= i {
            names.resize(i + 1, String::new());
        }
        names[i] = name.to_string();
    }

    /// The words for the poll in progress, if one is.
    fn describe(&self, for_how_long: Duration) -> String {
        let task = self.task.load(Ordering::Relaxed);
        let node = self.node.load(Ordering::Relaxed);
        let site = self.site.load(Ordering::Relaxed);
        let mut who = format!("task {task}");
        if task != 0 && task == self.main_task.load(Ordering::Relaxed) {
            who.push_str(" 'main'");
        } else if let Some(name) = self
            .task_names
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&task)
        {
            who.push_str(&format!(" '{name}'"));
        }
        let nodes = self.node_names.lock().unwrap_or_else(|e| e.into_inner());
        if !nodes.is_empty() || node != 0 {
            let name = match node {
                0 => "main",
                n => nodes.get(n as usize - 1).map_or("?", String::as_str),
            };
            who.push_str(&format!(" on node '{name}'"));
        }
        drop(nodes);
        // SAFETY: the pointer was stored from a `&'static Location`.
        if let Some(site) = unsafe { site.as_ref() } {
            who.push_str(&format!(" (spawned at {site})"));
        }
        format!(
            "seedloop watchdog: {who} has been inside one poll for {:.1?} of wall time (seed {:#x}).\n\
             \x20 While a poll runs, nothing else in the simulation can: the run is stuck, not slow. Likely causes:\n\
             \x20 - a loop with no .await in it (waiting for a flag another task sets);\n\
             \x20 - std::thread::sleep, or real blocking I/O, inside a task: use seedloop::time::sleep;\n\
             \x20 - a blocking lock (std::sync::Mutex, or a spin lock) held by another task;\n\
             \x20 - a long computation: move it to task::spawn_blocking, or yield_now() inside it.\n\
             \x20 The watchdog only observes: the run is unchanged. SEEDLOOP_POLL_WARN sets when it speaks,\n\
             \x20 SEEDLOOP_POLL_TIMEOUT when it aborts the process.",
            for_how_long,
            self.seed.load(Ordering::Relaxed)
        )
    }
}

/// What the watchdog remembers of one watch between looks.
struct Seen {
    watch: Weak<Watch>,
    seq: u64,
    since: Instant,
    warned: bool,
}

/// The watchdog's loop: look, sleep, look again.
fn observe(s: Settings) {
    let shortest = [s.warn, s.abort].into_iter().flatten().min();
    let tick = shortest.map_or(Duration::from_secs(1), |d| {
        (d / 4).clamp(Duration::from_millis(10), Duration::from_millis(250))
    });
    let mut seen: Vec<Seen> = Vec::new();
    loop {
        std::thread::sleep(tick);
        let live: Vec<Weak<Watch>> = REGISTRY.lock().unwrap_or_else(|e| e.into_inner()).clone();
        seen.retain(|x| x.watch.strong_count() > 0);
        for w in live {
            let Some(watch) = w.upgrade() else { continue };
            let seq = watch.seq.load(Ordering::Acquire);
            let now = Instant::now();
            let entry = match seen.iter_mut().find(|x| x.watch.ptr_eq(&w)) {
                Some(e) => e,
                None => {
                    seen.push(Seen {
                        watch: w.clone(),
                        seq,
                        since: now,
                        warned: false,
                    });
                    continue;
                }
            };
            if entry.seq != seq || seq & 1 == 0 {
                *entry = Seen {
                    watch: w.clone(),
                    seq,
                    since: now,
                    warned: false,
                };
                continue;
            }
            let stuck = now - entry.since;
            if let Some(abort) = s.abort {
                if stuck >= abort {
                    eprintln!("{}", watch.describe(stuck));
                    eprintln!(
                        "seedloop watchdog: aborting the process: SEEDLOOP_POLL_TIMEOUT ({abort:?}) passed"
                    );
                    std::process::abort();
                }
            }
            if let Some(warn) = s.warn {
                if stuck >= warn && !entry.warned {
                    entry.warned = true;
                    eprintln!("{}", watch.describe(stuck));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::table;

    #[test]
    fn settings_default_to_a_warning_after_ten_seconds_and_no_abort() {
        assert_eq!(read(table(&[])).unwrap(), Settings::default());
        let s = read(table(&[
            ("SEEDLOOP_POLL_WARN", "250ms"),
            ("SEEDLOOP_POLL_TIMEOUT", "2s"),
        ]))
        .unwrap();
        assert_eq!(s.warn, Some(Duration::from_millis(250)));
        assert_eq!(s.abort, Some(Duration::from_secs(2)));
        let off = read(table(&[("SEEDLOOP_POLL_WARN", "off")])).unwrap();
        assert_eq!(off.warn, None);
    }

    #[test]
    fn bad_values_name_the_variable_and_the_value() {
        for (var, value) in [
            ("SEEDLOOP_POLL_WARN", "soon"),
            ("SEEDLOOP_POLL_WARN", "0s"),
            ("SEEDLOOP_POLL_TIMEOUT", "-1s"),
        ] {
            let err = read(table(&[(var, value)])).unwrap_err();
            assert_eq!((err.setting(), err.value()), (var, value), "{err}");
        }
    }

    #[test]
    fn a_watch_tells_which_task_is_inside_a_poll() {
        let w = Watch::register(0x2a);
        w.name_node(1, "db");
        w.name_task(7, "compactor");
        let site = Location::caller();
        assert!(w.enter(7, 1, site));
        assert!(!w.enter(8, 0, site), "a nested poll keeps the outer one");
        let text = w.describe(Duration::from_secs(12));
        assert!(text.contains("task 7 'compactor' on node 'db'"), "{text}");
        assert!(text.contains(&format!("spawned at {site}")), "{text}");
        assert!(text.contains("seed 0x2a"), "{text}");
        assert!(text.contains("a loop with no .await"), "{text}");
        w.leave();
        assert_eq!(w.seq.load(Ordering::Relaxed) & 1, 0);
        w.forget_task(7);
        assert!(!w.describe(Duration::ZERO).contains("compactor"));
    }

    #[test]
    fn a_reused_watch_starts_clean_and_at_rest() {
        let first = Watch::register(1);
        first.name_main(1);
        first.name_node(1, "db");
        first.name_task(2, "old");
        let site = Location::caller();
        assert!(first.enter(2, 1, site)); // left inside a poll, as by a panic
        let ptr = Arc::as_ptr(&first.0);
        drop(first);
        let again = Watch::register(9);
        assert_eq!(Arc::as_ptr(&again.0), ptr, "the thread's spare is reused");
        assert_eq!(again.seq.load(Ordering::Relaxed) & 1, 0, "at rest");
        assert!(again.enter(2, 0, site));
        let text = again.describe(Duration::ZERO);
        assert!(!text.contains("'old'") && !text.contains("db"), "{text}");
        assert!(text.contains("seed 0x9"), "{text}");
        again.leave();
        again.name_main(5);
        assert!(again.enter(5, 0, site));
        assert!(again.describe(Duration::ZERO).contains("task 5 'main'"));
    }
}
