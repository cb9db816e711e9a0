//! [`Command`]: a process to start, shaped like `tokio::process::Command`.

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::future::Future;
use std::io;
use std::panic::{AssertUnwindSafe, Location};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::process::{ExitStatus, Output};
use std::rc::Rc;
use std::task::{Context, Poll};

use super::config::ProcessConfig;
use super::pipe::{Fd, Pipe};
use super::program::{self, Program};
use super::stdio::{ChildStderr, ChildStdin, ChildStdout, Kind, ReaderEnd, Stdio};
use super::table::{self, Ended, Proc, Target};
use super::{Child, Ctx};
use crate::runtime::core::Core;
use crate::runtime::current_core;

/// A process to start: a program registered with
/// [`register`](super::register) (or on the node), its arguments,
/// environment, working directory and standard streams. Its methods are
/// `tokio::process::Command`'s.
///
/// ```
/// use seedloop::process::{self, Command};
///
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     process::register("exit", |ctx| async move { ctx.args()[0].parse().unwrap() });
///     let status = Command::new("exit").arg("3").status().await.unwrap();
///     assert_eq!(status.code(), Some(3));
///     assert!(!status.success());
/// });
/// ```
#[derive(Debug)]
pub struct Command {
    program: OsString,
    args: Vec<OsString>,
    /// Changes to the inherited environment, in order (`None`: removed).
    env: Vec<(OsString, Option<OsString>)>,
    env_clear: bool,
    cwd: Option<PathBuf>,
    stdio: [Option<Kind>; 3],
    /// The pipe end given as a stream (`Stdio::from(ChildStdout)`), if any.
    ends: [Option<ReaderEnd>; 3],
    kill_on_drop: bool,
}

/// A value that must be text without NUL, or `InvalidInput` naming it.
fn text(what: &str, value: &OsStr) -> io::Result<String> {
    let Some(s) = value.to_str() else {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("the {what} {value:?} is not valid UTF-8"),
        ));
    };
    if s.contains('\0') {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("nul byte found in the {what} {s:?}"),
        ));
    }
    Ok(s.to_string())
}

impl Command {
    /// A command to run `program`, with no arguments, the parent's
    /// environment and working directory, and (for `spawn` and `status`)
    /// the parent's streams.
    ///
    /// ```
    /// let cmd = seedloop::process::Command::new("pg_dump");
    /// assert_eq!(cmd.get_program(), "pg_dump");
    /// ```
    pub fn new(program: impl AsRef<OsStr>) -> Command {
        Command {
            program: program.as_ref().to_owned(),
            args: Vec::new(),
            env: Vec::new(),
            env_clear: false,
            cwd: None,
            stdio: [None; 3],
            ends: [None, None, None],
            kill_on_drop: false,
        }
    }

    /// Adds an argument.
    ///
    /// ```
    /// let mut cmd = seedloop::process::Command::new("ls");
    /// cmd.arg("-l").arg("/tmp");
    /// assert_eq!(cmd.get_args().count(), 2);
    /// ```
    pub fn arg(&mut self, arg: impl AsRef<OsStr>) -> &mut Command {
        self.args.push(arg.as_ref().to_owned());
        self
    }

    /// Adds arguments.
    ///
    /// ```
    /// let mut cmd = seedloop::process::Command::new("ls");
    /// cmd.args(["-l", "-a"]);
    /// assert_eq!(cmd.get_args().collect::<Vec<_>>(), ["-l", "-a"]);
    /// ```
    pub fn args<I, S>(&mut self, args: I) -> &mut Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_owned()));
        self
    }

    /// Sets an environment variable of the child.
    ///
    /// ```
    /// let mut cmd = seedloop::process::Command::new("env");
    /// cmd.env("RUST_LOG", "debug");
    /// assert_eq!(cmd.get_envs().count(), 1);
    /// ```
    pub fn env(&mut self, key: impl AsRef<OsStr>, val: impl AsRef<OsStr>) -> &mut Command {
        self.env
            .push((key.as_ref().to_owned(), Some(val.as_ref().to_owned())));
        self
    }

    /// Sets several environment variables.
    ///
    /// ```
    /// let mut cmd = seedloop::process::Command::new("env");
    /// cmd.envs([("A", "1"), ("B", "2")]);
    /// assert_eq!(cmd.get_envs().count(), 2);
    /// ```
    pub fn envs<I, K, V>(&mut self, vars: I) -> &mut Command
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        for (k, v) in vars {
            self.env(k, v);
        }
        self
    }

    /// Removes an environment variable the child would inherit.
    ///
    /// ```
    /// let mut cmd = seedloop::process::Command::new("env");
    /// cmd.env_remove("HOME");
    /// assert_eq!(cmd.get_envs().next().unwrap().1, None);
    /// ```
    pub fn env_remove(&mut self, key: impl AsRef<OsStr>) -> &mut Command {
        self.env.push((key.as_ref().to_owned(), None));
        self
    }

    /// The child inherits no environment: only what is set after this.
    ///
    /// ```
    /// let mut cmd = seedloop::process::Command::new("env");
    /// cmd.env("KEPT", "1").env_clear().env("SET", "2");
    /// assert_eq!(cmd.get_envs().count(), 1);
    /// ```
    pub fn env_clear(&mut self) -> &mut Command {
        self.env_clear = true;
        self.env.clear();
        self
    }

    /// The child's working directory; a relative one is taken from the
    /// parent's. Nothing checks that it exists: a simulated process has
    /// no filesystem of its own (its node's disk is `seedloop::fs`'s).
    ///
    /// ```
    /// let mut cmd = seedloop::process::Command::new("make");
    /// cmd.current_dir("/src/app");
    /// assert_eq!(cmd.get_current_dir(), Some(std::path::Path::new("/src/app")));
    /// ```
    pub fn current_dir(&mut self, dir: impl AsRef<Path>) -> &mut Command {
        self.cwd = Some(dir.as_ref().to_owned());
        self
    }

    /// The child's stdin (`spawn` and `status` default to
    /// [`Stdio::inherit`], `output` to [`Stdio::null`]).
    ///
    /// ```
    /// let mut cmd = seedloop::process::Command::new("cat");
    /// cmd.stdin(seedloop::process::Stdio::piped());
    /// ```
    pub fn stdin(&mut self, cfg: impl Into<Stdio>) -> &mut Command {
        let Stdio(kind, end) = cfg.into();
        self.stdio[0] = Some(kind);
        self.ends[0] = end;
        self
    }

    /// The child's stdout (`spawn` and `status` default to
    /// [`Stdio::inherit`], `output` to [`Stdio::piped`]).
    ///
    /// ```
    /// let mut cmd = seedloop::process::Command::new("ls");
    /// cmd.stdout(std::process::Stdio::piped());
    /// ```
    pub fn stdout(&mut self, cfg: impl Into<Stdio>) -> &mut Command {
        let Stdio(kind, end) = cfg.into();
        self.stdio[1] = Some(kind);
        self.ends[1] = end;
        self
    }

    /// The child's stderr (defaults as for [`Command::stdout`]).
    ///
    /// ```
    /// let mut cmd = seedloop::process::Command::new("ls");
    /// cmd.stderr(seedloop::process::Stdio::null());
    /// ```
    pub fn stderr(&mut self, cfg: impl Into<Stdio>) -> &mut Command {
        let Stdio(kind, end) = cfg.into();
        self.stdio[2] = Some(kind);
        self.ends[2] = end;
        self
    }

    /// Whether dropping the [`Child`] kills the process (default: no, it
    /// runs on, as an orphan does).
    ///
    /// ```
    /// use std::{cell::Cell, rc::Rc, time::Duration};
    /// use seedloop::process::{self, Command};
    ///
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let finished = Rc::new(Cell::new(0));
    ///     let done = finished.clone();
    ///     process::register("sleep", move |_| {
    ///         let done = done.clone();
    ///         async move {
    ///             seedloop::sleep(Duration::from_secs(60)).await;
    ///             done.set(done.get() + 1);
    ///             0
    ///         }
    ///     });
    ///     drop(Command::new("sleep").kill_on_drop(true).spawn().unwrap()); // killed now
    ///     drop(Command::new("sleep").spawn().unwrap()); // runs on
    ///     seedloop::sleep(Duration::from_secs(61)).await;
    ///     assert_eq!(finished.get(), 1);
    /// });
    /// ```
    pub fn kill_on_drop(&mut self, kill_on_drop: bool) -> &mut Command {
        self.kill_on_drop = kill_on_drop;
        self
    }

    /// The program's name.
    ///
    /// ```
    /// assert_eq!(seedloop::process::Command::new("git").get_program(), "git");
    /// ```
    pub fn get_program(&self) -> &OsStr {
        &self.program
    }

    /// The arguments.
    ///
    /// ```
    /// let mut cmd = seedloop::process::Command::new("git");
    /// cmd.arg("log");
    /// assert_eq!(cmd.get_args().next(), Some(std::ffi::OsStr::new("log")));
    /// ```
    pub fn get_args(&self) -> impl Iterator<Item = &OsStr> {
        self.args.iter().map(OsString::as_os_str)
    }

    /// The environment changes, in order: a value set, or `None` removed.
    ///
    /// ```
    /// let mut cmd = seedloop::process::Command::new("git");
    /// cmd.env("A", "1");
    /// let (k, v) = cmd.get_envs().next().unwrap();
    /// assert_eq!((k.to_str(), v.and_then(|v| v.to_str())), (Some("A"), Some("1")));
    /// ```
    pub fn get_envs(&self) -> impl Iterator<Item = (&OsStr, Option<&OsStr>)> {
        self.env.iter().map(|(k, v)| (k.as_os_str(), v.as_deref()))
    }

    /// The working directory set with [`Command::current_dir`].
    ///
    /// ```
    /// assert_eq!(seedloop::process::Command::new("git").get_current_dir(), None);
    /// ```
    pub fn get_current_dir(&self) -> Option<&Path> {
        self.cwd.as_deref()
    }

    /// Whether the child is killed when its [`Child`] is dropped.
    ///
    /// ```
    /// assert!(!seedloop::process::Command::new("git").get_kill_on_drop());
    /// ```
    pub fn get_kill_on_drop(&self) -> bool {
        self.kill_on_drop
    }

    /// Starts the process on the current node and returns at once; its
    /// program runs as a task group of the node (see the
    /// [module](super)).
    ///
    /// # Errors
    ///
    /// - `NotFound` when no program of that name is registered for the
    ///   node, as for a missing executable;
    /// - `InvalidInput` when the program, an argument or the environment
    ///   holds a NUL byte or is not UTF-8, or a stream was given a real
    ///   file or descriptor.
    ///
    /// # Panics
    ///
    /// Outside a simulation.
    ///
    /// # Determinism
    ///
    /// With a start latency configured ([`ProcessConfig::start_latency`]),
    /// one choice for the delay. The child's task is scheduled like any.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let err = seedloop::process::Command::new("nope").spawn().unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    ///     assert!(err.to_string().contains("nope"));
    /// });
    /// ```
    #[track_caller]
    pub fn spawn(&mut self) -> io::Result<Child> {
        self.start([Kind::Inherit; 3], Location::caller())
    }

    /// Starts the process, collects its stdout and stderr (piped unless
    /// set otherwise; stdin is null unless set) and waits for it.
    ///
    /// # Errors
    ///
    /// As [`Command::spawn`], and what reading the pipes returns.
    ///
    /// # Panics
    ///
    /// Outside a simulation.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future drops the [`Child`]: with `kill_on_drop`, the
    /// process is killed; otherwise it runs on, its pipes' reader gone.
    ///
    /// ```
    /// use futures::AsyncWriteExt;
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     seedloop::process::register("echo", |ctx| async move {
    ///         let line = ctx.args().join(" ") + "\n";
    ///         ctx.stdout().write_all(line.as_bytes()).await.unwrap();
    ///         0
    ///     });
    ///     let out = seedloop::process::Command::new("echo").args(["a", "b"]).output().await.unwrap();
    ///     assert!(out.status.success());
    ///     assert_eq!(out.stdout, b"a b\n");
    /// });
    /// ```
    #[track_caller]
    pub fn output(&mut self) -> impl Future<Output = io::Result<Output>> + Send + '_ {
        let at = Location::caller();
        async move {
            let child = self.start([Kind::Null, Kind::Piped, Kind::Piped], at)?;
            child.wait_with_output().await
        }
    }

    /// Starts the process with the parent's streams (unless set otherwise)
    /// and waits for it.
    ///
    /// # Errors
    ///
    /// As [`Command::spawn`].
    ///
    /// # Panics
    ///
    /// Outside a simulation.
    ///
    /// # Cancel safety
    ///
    /// As [`Command::output`].
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     seedloop::process::register("true", |_| async { 0 });
    ///     assert!(seedloop::process::Command::new("true").status().await.unwrap().success());
    /// });
    /// ```
    #[track_caller]
    pub fn status(&mut self) -> impl Future<Output = io::Result<ExitStatus>> + Send + '_ {
        let at = Location::caller();
        async move {
            let mut child = self.start([Kind::Inherit; 3], at)?;
            child.wait().await
        }
    }

    fn start(&mut self, defaults: [Kind; 3], at: &'static Location<'static>) -> io::Result<Child> {
        let core = current_core();
        let name = text("program", &self.program)?;
        let args = self
            .args
            .iter()
            .map(|a| text("argument", a))
            .collect::<io::Result<Vec<_>>>()?;
        let kinds = [0, 1, 2].map(|i| self.stdio[i].unwrap_or(defaults[i]));
        if kinds[1] == Kind::Reader || kinds[2] == Kind::Reader {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "'{name}': a pipe's reading end can be a child's stdin only, not its stdout or stderr"
                ),
            ));
        }
        if kinds.contains(&Kind::Real) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "'{name}': a real file or descriptor cannot be a simulated process's stream; \
                     use Stdio::piped(), null() or inherit()"
                ),
            ));
        }
        let (node, _) = core.current_place();
        let parent = table::current(&core);
        let env = self.environment(parent.as_deref())?;
        let Some(program) = program::find(&core, node, &name) else {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!(
                    "program not found: '{name}' is not registered on node '{}' \
                     (install it with process::register or node::Builder::program)",
                    core.node_name(node)
                ),
            ));
        };
        let root = PathBuf::from("/");
        let base = parent.as_ref().map_or(&root, |p| &p.cwd);
        let cwd = match &self.cwd {
            Some(dir) => base.join(dir),
            None => base.clone(),
        };
        let cfg = config(&core, node);
        let table = table::get(&core);
        let pid = table.next_pid();
        let mut ends = Ends::default();
        let given = self.ends[0].as_ref().map(|e| Rc::clone(&e.0));
        let fds = [Fd::Stdin, Fd::Stdout, Fd::Stderr].map(|fd| {
            let kind = kinds[fd.number()];
            if kind == Kind::Reader {
                let pipe = given.clone().expect("a Reader kind comes with its pipe");
                pipe.open_reader(); // the child's own end
                return Some(Target::Pipe(pipe));
            }
            stream(
                fd,
                kind,
                parent.as_deref(),
                at,
                cfg.pipe_capacity,
                &mut ends,
            )
        });
        let group = core.new_group();
        let proc = Rc::new(Proc::new(
            pid,
            node,
            group,
            name.as_str().into(),
            env,
            cwd,
            fds,
        ));
        table.insert(proc.clone());
        table::record(&core, &proc, start_code(&name, &args), || {
            let mut line = format!("start '{name}'");
            for a in &args {
                line.push(' ');
                line.push_str(a);
            }
            line
        });
        let delay = {
            let r = &cfg.start_latency;
            if r.end.is_zero() {
                std::time::Duration::ZERO
            } else {
                core.choose_duration(r.start, r.end)
            }
        };
        let ctx = Ctx::new(proc.clone(), args);
        let task = run(EndGuard(proc.clone()), program, ctx, delay);
        drop(core.spawn_placed(node, group, task, Some(format!("{name} (pid {pid})")), at));
        Ok(Child::new(core.clone(), proc, ends, self.kill_on_drop))
    }

    /// The child's environment: the parent's (none outside a process),
    /// cleared or changed as asked.
    fn environment(&self, parent: Option<&Proc>) -> io::Result<BTreeMap<String, String>> {
        let mut env = match parent {
            Some(p) if !self.env_clear => p.env.clone(),
            _ => BTreeMap::new(),
        };
        for (k, v) in &self.env {
            let k = text("environment variable name", k)?;
            match v {
                Some(v) => {
                    env.insert(k, text("environment variable value", v)?);
                }
                None => {
                    env.remove(&k);
                }
            }
        }
        Ok(env)
    }
}

/// The node's process settings, else the run's, else the defaults.
fn config(core: &Core, node: u32) -> ProcessConfig {
    core.node_part::<ProcessConfig>(node)
        .or_else(|| core.cfg.parts.get::<ProcessConfig>().cloned())
        .unwrap_or_default()
}

/// A stable word for a start, for the fingerprint.
fn start_code(name: &str, args: &[String]) -> u64 {
    let bytes = name
        .bytes()
        .chain(args.iter().flat_map(|a| a.bytes().chain([0])));
    crate::trace::hash::fnv1a(bytes)
}

/// The parent's ends of the pipes made at a spawn.
#[derive(Default)]
pub(crate) struct Ends {
    pub(crate) stdin: Option<ChildStdin>,
    pub(crate) stdout: Option<ChildStdout>,
    pub(crate) stderr: Option<ChildStderr>,
}

/// The child's stream `fd`: a new pipe (whose other end goes to `ends`),
/// nothing, or the parent's own (closed, `None`, if the parent closed it:
/// the child's uses of it are `EBADF`, as on unix).
fn stream(
    fd: Fd,
    kind: Kind,
    parent: Option<&Proc>,
    at: &'static Location<'static>,
    capacity: usize,
    ends: &mut Ends,
) -> Option<Target> {
    Some(match kind {
        Kind::Piped => {
            let pipe = Rc::new(Pipe::new(fd, at, capacity));
            match fd {
                Fd::Stdin => ends.stdin = Some(ChildStdin::new(pipe.clone())),
                Fd::Stdout => ends.stdout = Some(ChildStdout::new(pipe.clone())),
                Fd::Stderr => ends.stderr = Some(ChildStderr::new(pipe.clone())),
            }
            Target::Pipe(pipe)
        }
        Kind::Null | Kind::Real | Kind::Reader => Target::Null,
        Kind::Inherit => match parent {
            None if fd == Fd::Stdin => Target::Null,
            None => Target::Console,
            Some(p) => match p.fd(fd)? {
                Target::Pipe(pipe) => {
                    match fd {
                        Fd::Stdin => pipe.open_reader(),
                        Fd::Stdout | Fd::Stderr => pipe.open_writer(),
                    }
                    Target::Pipe(pipe)
                }
                other => other,
            },
        },
    })
}

/// The child's task: its start-up delay, its program, and its end. The
/// guard is an argument, so that it is part of the future from its
/// creation: a task dropped before its first poll (spawned on a killed
/// node) still ends its process.
async fn run(guard: EndGuard, program: Program, ctx: Ctx, delay: std::time::Duration) {
    if !delay.is_zero() {
        crate::time::sleep(delay).await;
    }
    let code = CatchPanic {
        proc: &guard.0,
        start: Some((program, ctx)),
        running: None,
    }
    .await;
    crate::runtime::with_core(|core| {
        if let Some(core) = core {
            table::end(core, &guard.0, Ended::Code(code), true);
        }
    });
}

/// Ends the process as killed if its task is dropped before its program
/// returned (its node crashed, the run ended).
struct EndGuard(Rc<Proc>);

impl Drop for EndGuard {
    fn drop(&mut self) {
        crate::runtime::with_core(|core| {
            if let Some(core) = core {
                table::end(core, &self.0, Ended::Signal(table::SIGKILL), false);
            }
        });
    }
}

/// Calls the program and polls its future; a panic in either ends the
/// process with 101, as a Rust program's does, and goes on up to the
/// runtime (whose panic policy decides whether the run fails).
struct CatchPanic<'a> {
    proc: &'a Rc<Proc>,
    start: Option<(Program, Ctx)>,
    running: Option<Pin<Box<dyn Future<Output = i32>>>>,
}

impl Future for CatchPanic<'_> {
    type Output = i32;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<i32> {
        let this = &mut *self;
        let polled = std::panic::catch_unwind(AssertUnwindSafe(|| {
            if let Some((program, ctx)) = this.start.take() {
                this.running = Some(program(ctx));
            }
            this.running
                .as_mut()
                .expect("the program's future")
                .as_mut()
                .poll(cx)
        }));
        match polled {
            Ok(poll) => poll,
            Err(payload) => {
                crate::runtime::with_core(|core| {
                    if let Some(core) = core {
                        table::end(core, this.proc, Ended::Panicked, true);
                    }
                });
                std::panic::resume_unwind(payload)
            }
        }
    }
}
