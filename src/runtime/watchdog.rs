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
    seed: u64,
    /// The names of the named tasks, published at spawn.
    task_names: Mutex<BTreeMap<u64, String>>,
    /// The names of the nodes, by id, published when they are made.
    node_names: Mutex<Vec<String>>,
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
    pub(crate) fn register(seed: u64) -> Arc<Watch> {
        let watch = Arc::new(Watch {
            seq: AtomicU64::new(0),
            task: AtomicU64::new(0),
            node: AtomicU32::new(0),
            site: AtomicPtr::new(std::ptr::null_mut()),
            seed,
            task_names: Mutex::new(BTreeMap::new()),
            node_names: Mutex::new(vec!["main".to_string()]),
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
        watch
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

    /// Publishes a named task's name.
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
        let mut names = self.node_names.lock().unwrap_or_else(|e| e.into_inner());
        let i = id as usize;
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
        if let Some(name) = self
            .task_names
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&task)
        {
            who.push_str(&format!(" '{name}'"));
        }
        let nodes = self.node_names.lock().unwrap_or_else(|e| e.into_inner());
        if nodes.len() > 1 || node != 0 {
            let name = nodes.get(node as usize).map_or("?", String::as_str);
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
            for_how_long, self.seed
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
}
