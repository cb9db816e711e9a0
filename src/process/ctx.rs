//! What a running program sees of itself: [`Ctx`].

use std::path::Path;
use std::rc::Rc;

use super::stdio::{Stderr, Stdin, Stdout};
use super::table::Proc;
use crate::runtime::local::Local;

/// A running program's view of its process, passed to the program at each
/// start: its arguments, environment, working directory and standard
/// streams (the `argv`, `environ`, `getcwd` and fds 0 to 2 of a real one).
///
/// ```
/// use futures::AsyncWriteExt;
/// use seedloop::process::{self, Command};
///
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     process::register("greet", |ctx| async move {
///         let who = ctx.env("USER").unwrap_or("nobody").to_string();
///         let line = format!("{} {who} in {}\n", ctx.args().join(" "), ctx.current_dir().display());
///         ctx.stdout().write_all(line.as_bytes()).await.unwrap();
///         0
///     });
///     let out = Command::new("greet")
///         .arg("hello")
///         .env("USER", "ada")
///         .current_dir("/home/ada")
///         .output()
///         .await
///         .unwrap();
///     assert_eq!(out.stdout, b"hello ada in /home/ada\n");
/// });
/// ```
pub struct Ctx {
    proc: Local<Rc<Proc>>,
    args: Vec<String>,
}

impl std::fmt::Debug for Ctx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ctx")
            .field("program", &&*self.proc.program)
            .field("pid", &self.proc.pid)
            .field("args", &self.args)
            .finish_non_exhaustive()
    }
}

impl Ctx {
    pub(crate) fn new(proc: Rc<Proc>, args: Vec<String>) -> Ctx {
        Ctx {
            proc: Local::new(proc),
            args,
        }
    }

    /// The name it was started by (`Command::new`'s), `argv[0]`.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     seedloop::process::register("me", |ctx| async move { ctx.program().len() as i32 });
    ///     let status = seedloop::process::Command::new("me").status().await.unwrap();
    ///     assert_eq!(status.code(), Some(2));
    /// });
    /// ```
    pub fn program(&self) -> &str {
        &self.proc.program
    }

    /// Its arguments, after the program's name.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     seedloop::process::register("count", |ctx| async move { ctx.args().len() as i32 });
    ///     let status = seedloop::process::Command::new("count").args(["a", "b", "c"]).status().await;
    ///     assert_eq!(status.unwrap().code(), Some(3));
    /// });
    /// ```
    pub fn args(&self) -> &[String] {
        &self.args
    }

    /// The value of environment variable `name`, if it is set. A child
    /// starts with its parent's environment (a task outside any process
    /// has an empty one) changed by `Command::env`, `env_remove` and
    /// `env_clear`.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     seedloop::process::register("lvl", |ctx| async move {
    ///         ctx.env("LEVEL").and_then(|l| l.parse().ok()).unwrap_or(-1)
    ///     });
    ///     let cmd = seedloop::process::Command::new("lvl").env("LEVEL", "3").status().await;
    ///     assert_eq!(cmd.unwrap().code(), Some(3));
    /// });
    /// ```
    pub fn env(&self, name: &str) -> Option<&str> {
        self.proc.env.get(name).map(String::as_str)
    }

    /// Every environment variable, by name.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     seedloop::process::register("env", |ctx| async move { ctx.envs().count() as i32 });
    ///     let mut cmd = seedloop::process::Command::new("env");
    ///     let status = cmd.env("A", "1").env("B", "2").status().await.unwrap();
    ///     assert_eq!(status.code(), Some(2));
    /// });
    /// ```
    pub fn envs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.proc.env.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Its working directory: `Command::current_dir`'s (a relative one is
    /// taken from the parent's), else its parent's; `/` for a child of a
    /// task outside any process.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     seedloop::process::register("pwd", |ctx| async move {
    ///         (ctx.current_dir() == std::path::Path::new("/srv/data")) as i32
    ///     });
    ///     let mut cmd = seedloop::process::Command::new("pwd");
    ///     let status = cmd.current_dir("/srv/data").status().await.unwrap();
    ///     assert_eq!(status.code(), Some(1));
    /// });
    /// ```
    pub fn current_dir(&self) -> &Path {
        &self.proc.cwd
    }

    /// Its process id, as its parent's `Child::id` reads it.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     seedloop::process::register("pid", |ctx| async move { ctx.pid() as i32 });
    ///     let mut child = seedloop::process::Command::new("pid").spawn().unwrap();
    ///     let pid = child.id().unwrap();
    ///     assert_eq!(child.wait().await.unwrap().code(), Some(pid as i32));
    /// });
    /// ```
    pub fn pid(&self) -> u32 {
        self.proc.pid
    }

    /// A handle to its stdin (see [`Stdin`]).
    ///
    /// ```
    /// use futures::AsyncReadExt;
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     seedloop::process::register("drain", |ctx| async move {
    ///         let mut buf = Vec::new();
    ///         ctx.stdin().read_to_end(&mut buf).await.map_or(-1, |n| n as i32)
    ///     });
    ///     let status = seedloop::process::Command::new("drain").status().await.unwrap();
    ///     assert_eq!(status.code(), Some(0));
    /// });
    /// ```
    pub fn stdin(&self) -> Stdin {
        Stdin::new(Rc::clone(&self.proc))
    }

    /// A handle to its stdout (see [`Stdout`]).
    ///
    /// ```
    /// use futures::AsyncWriteExt;
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     seedloop::process::register("hi", |ctx| async move {
    ///         ctx.stdout().write_all(b"hi").await.unwrap();
    ///         0
    ///     });
    ///     let out = seedloop::process::Command::new("hi").output().await.unwrap();
    ///     assert_eq!(out.stdout, b"hi");
    /// });
    /// ```
    pub fn stdout(&self) -> Stdout {
        Stdout::new(Rc::clone(&self.proc))
    }

    /// A handle to its stderr (see [`Stderr`]).
    ///
    /// ```
    /// use futures::AsyncWriteExt;
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     seedloop::process::register("oops", |ctx| async move {
    ///         ctx.stderr().write_all(b"oops").await.unwrap();
    ///         1
    ///     });
    ///     let out = seedloop::process::Command::new("oops").output().await.unwrap();
    ///     assert_eq!((out.status.code(), &out.stderr[..]), (Some(1), &b"oops"[..]));
    /// });
    /// ```
    pub fn stderr(&self) -> Stderr {
        Stderr::new(Rc::clone(&self.proc))
    }
}
