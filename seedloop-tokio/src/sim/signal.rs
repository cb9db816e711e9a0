//! tokio's `signal`: signals to the simulated node a task runs on. No
//! real signal ever reaches the simulation; a test sends one with
//! `seedloop::node::send_signal(node, signo)`, and until then
//! [`ctrl_c`] and [`unix::Signal::recv`] wait.

use std::io;

/// Waits for ctrl-C (`SIGINT`, 2) to the current node.
///
/// # Errors
///
/// Never: `io::Result` as in tokio.
///
/// # Cancel safety
///
/// The wait starts at the first poll; a ctrl-C sent before it is not seen.
///
/// ```
/// # use seedloop_tokio as tokio;
/// let rt = tokio::runtime::Runtime::new().unwrap();
/// rt.block_on(async {
///     let server = tokio::spawn(async {
///         tokio::signal::ctrl_c().await.unwrap();
///         "stopped"
///     });
///     // Time moves only when every task waits: the server waits by then.
///     tokio::time::sleep(std::time::Duration::from_secs(1)).await;
///     seedloop::node::send_signal(seedloop::node::current(), 2);
///     assert_eq!(server.await.unwrap(), "stopped");
/// });
/// ```
pub async fn ctrl_c() -> io::Result<()> {
    seedloop::node::signal(unix::SignalKind::interrupt().as_raw_value())
        .recv()
        .await;
    Ok(())
}

/// Unix signals, by number.
pub mod unix {
    use std::io;

    /// A signal number, as tokio's `SignalKind`.
    ///
    /// ```
    /// use seedloop_tokio::signal::unix::SignalKind;
    /// assert_eq!(SignalKind::terminate().as_raw_value(), 15);
    /// assert_eq!(SignalKind::from_raw(10), SignalKind::user_defined1());
    /// ```
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct SignalKind(i32);

    macro_rules! kinds {
        ($($(#[$doc:meta])* $name:ident = $n:literal;)*) => {
            impl SignalKind {
                $(
                    $(#[$doc])*
                    #[doc = concat!("\n\n```\nassert_eq!(seedloop_tokio::signal::unix::SignalKind::", stringify!($name), "().as_raw_value(), ", $n, ");\n```")]
                    pub const fn $name() -> SignalKind {
                        SignalKind($n)
                    }
                )*
            }
        };
    }

    kinds! {
        /// `SIGALRM`.
        alarm = 14;
        /// `SIGCHLD`.
        child = 17;
        /// `SIGHUP`.
        hangup = 1;
        /// `SIGINT`, ctrl-C.
        interrupt = 2;
        /// `SIGIO`.
        io = 29;
        /// `SIGPIPE`.
        pipe = 13;
        /// `SIGQUIT`.
        quit = 3;
        /// `SIGTERM`.
        terminate = 15;
        /// `SIGUSR1`.
        user_defined1 = 10;
        /// `SIGUSR2`.
        user_defined2 = 12;
        /// `SIGWINCH`.
        window_change = 28;
    }

    impl SignalKind {
        /// The kind of signal number `signum`.
        ///
        /// ```
        /// let k = seedloop_tokio::signal::unix::SignalKind::from_raw(2);
        /// assert_eq!(k, seedloop_tokio::signal::unix::SignalKind::interrupt());
        /// ```
        pub const fn from_raw(signum: i32) -> SignalKind {
            SignalKind(signum)
        }

        /// The signal number.
        ///
        /// ```
        /// assert_eq!(seedloop_tokio::signal::unix::SignalKind::hangup().as_raw_value(), 1);
        /// ```
        pub const fn as_raw_value(&self) -> i32 {
            self.0
        }
    }

    impl From<i32> for SignalKind {
        fn from(signum: i32) -> SignalKind {
            SignalKind(signum)
        }
    }

    impl From<SignalKind> for i32 {
        fn from(kind: SignalKind) -> i32 {
            kind.0
        }
    }

    /// A stream of one signal's deliveries to the current node.
    #[derive(Debug)]
    pub struct Signal(seedloop::node::Signals);

    /// Listens for `kind` on the current node, as tokio's `signal`.
    ///
    /// # Errors
    ///
    /// `InvalidInput` for a signal a process cannot catch (`SIGKILL`,
    /// `SIGSTOP`) or a number outside 1..=64, as the OS refuses them.
    ///
    /// # Panics
    ///
    /// Outside a simulation.
    ///
    /// ```
    /// # use seedloop_tokio as tokio;
    /// use tokio::signal::unix::{signal, SignalKind};
    /// let rt = tokio::runtime::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let mut term = signal(SignalKind::terminate()).unwrap();
    ///     seedloop::node::send_signal(seedloop::node::current(), 15);
    ///     assert_eq!(term.recv().await, Some(()));
    ///     assert!(signal(SignalKind::from_raw(9)).is_err());
    /// });
    /// ```
    #[track_caller]
    pub fn signal(kind: SignalKind) -> io::Result<Signal> {
        match kind.0 {
            9 | 19 => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "signal {} cannot be caught (SIGKILL and SIGSTOP never reach a handler)",
                    kind.0
                ),
            )),
            1..=64 => Ok(Signal(seedloop::node::signal(kind.0))),
            n => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{n} is not a signal number (1 to 64)"),
            )),
        }
    }

    impl Signal {
        /// Waits for the next delivery (coalesced, as the OS does).
        ///
        /// # Cancel safety
        ///
        /// Cancel safe.
        ///
        /// ```
        /// # use seedloop_tokio as tokio;
        /// use tokio::signal::unix::{signal, SignalKind};
        /// let rt = tokio::runtime::Runtime::new().unwrap();
        /// rt.block_on(async {
        ///     let mut hup = signal(SignalKind::hangup()).unwrap();
        ///     seedloop::node::send_signal(seedloop::node::current(), 1);
        ///     assert_eq!(hup.recv().await, Some(()));
        /// });
        /// ```
        pub async fn recv(&mut self) -> Option<()> {
            self.0.recv().await
        }

        /// A delivery not yet seen, without waiting (tokio's `poll_recv`
        /// in a synchronous form).
        ///
        /// ```
        /// # use seedloop_tokio as tokio;
        /// use tokio::signal::unix::{signal, SignalKind};
        /// let rt = tokio::runtime::Runtime::new().unwrap();
        /// rt.block_on(async {
        ///     let mut usr = signal(SignalKind::user_defined1()).unwrap();
        ///     assert_eq!(usr.try_recv(), None);
        /// });
        /// ```
        pub fn try_recv(&mut self) -> Option<()> {
            self.0.try_recv()
        }
    }
}
