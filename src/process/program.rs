//! Simulated executables: what [`register`] installs on every node and
//! [`node::Builder::program`](crate::node::Builder::program) on one, and
//! how `Command::new(name)` finds them.

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use super::Ctx;
use super::table;
use crate::error::ConfigError;
use crate::runtime::core::Core;
use crate::runtime::current_core;
use crate::runtime::local::Local;
use crate::runtime::parts::Part;

/// A program: called with its context at each start, its future's output
/// is the exit code.
pub(crate) type Program = Rc<dyn Fn(Ctx) -> Pin<Box<dyn Future<Output = i32>>>>;

fn boxed<F, Fut>(program: F) -> Program
where
    F: Fn(Ctx) -> Fut + 'static,
    Fut: Future<Output = i32> + 'static,
{
    Rc::new(move |ctx| Box::pin(program(ctx)))
}

/// Why `name` cannot name a program, if it cannot.
fn bad_name(name: &str) -> Option<ConfigError> {
    let reason = if name.is_empty() {
        "a program needs a name"
    } else if name.contains('\0') {
        "a program's name cannot hold a NUL byte"
    } else {
        return None;
    };
    Some(ConfigError::new("program", format!("{name:?}"), reason))
}

/// Installs a simulated program named `name` on every node of the current
/// simulation, as an executable on each machine's `PATH`. A node's own
/// [`node::Builder::program`](crate::node::Builder::program) of the same
/// name takes precedence; registering a name again replaces the program
/// (for the processes spawned after).
///
/// `program` is called at each start with the process's [`Ctx`]: its
/// arguments, environment, working directory and standard streams. The
/// future it returns is the process; its output is the exit code, of
/// which a parent sees the low byte, as on unix. Tasks it spawns (with
/// `spawn`) belong to the process and are dropped when it ends.
///
/// # Panics
///
/// Outside a simulation, or when `name` is empty or holds a NUL byte.
///
/// ```
/// use seedloop::process::{self, Command};
///
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     process::register("false", |_ctx| async { 1 });
///     let status = Command::new("false").status().await.unwrap();
///     assert_eq!(status.code(), Some(1));
/// });
/// ```
#[track_caller]
pub fn register<F, Fut>(name: impl Into<String>, program: F)
where
    F: Fn(Ctx) -> Fut + 'static,
    Fut: Future<Output = i32> + 'static,
{
    let name = name.into();
    if let Some(err) = bad_name(&name) {
        panic!("seedloop: {err}");
    }
    let core = current_core();
    table::get(&core)
        .programs
        .borrow_mut()
        .insert(name, boxed(program));
}

/// The programs installed on one node, a node setting.
#[derive(Clone)]
pub(crate) struct NodePrograms(Local<Rc<Vec<(String, Program)>>>);

impl fmt::Debug for NodePrograms {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(|(n, _)| n))
            .finish()
    }
}

impl Part for NodePrograms {
    fn validate(&self) -> Result<(), ConfigError> {
        match self.0.iter().find_map(|(name, _)| bad_name(name)) {
            Some(err) => Err(err),
            None => Ok(()),
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl crate::node::Builder {
    /// Installs a simulated program on this node only (see
    /// [`process::register`](crate::process::register)), in front of one
    /// installed on every node under the same name.
    ///
    /// # Errors
    ///
    /// [`try_build`](crate::node::Builder::try_build) fails with a
    /// `ConfigError` naming the value when `name` is empty or holds a NUL
    /// byte.
    ///
    /// ```
    /// use seedloop::process::Command;
    ///
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let db = seedloop::node::Builder::new("db")
    ///         .program("pg_dump", |_ctx| async { 0 })
    ///         .build();
    ///     let here = Command::new("pg_dump").spawn();
    ///     assert_eq!(here.unwrap_err().kind(), std::io::ErrorKind::NotFound);
    ///     let there = seedloop::node::spawn_on(db, async {
    ///         Command::new("pg_dump").status().await.unwrap()
    ///     });
    ///     assert!(there.await.unwrap().success());
    /// });
    /// ```
    pub fn program<F, Fut>(self, name: impl Into<String>, program: F) -> crate::node::Builder
    where
        F: Fn(Ctx) -> Fut + 'static,
        Fut: Future<Output = i32> + 'static,
    {
        let mut all: Vec<(String, Program)> = self
            .part::<NodePrograms>()
            .map(|p| p.0.to_vec())
            .unwrap_or_default();
        all.push((name.into(), boxed(program)));
        self.with_part(NodePrograms(Local::new(Rc::new(all))))
    }
}

/// The program `name` names on `node`: the node's own, else the run's.
pub(crate) fn find(core: &Core, node: u32, name: &str) -> Option<Program> {
    let own = core.node_part::<NodePrograms>(node).and_then(|p| {
        p.0.iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, prog)| prog.clone())
    });
    own.or_else(|| table::get(core).programs.borrow().get(name).cloned())
}
