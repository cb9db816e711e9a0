//! tokio's `process`: not simulated yet. A simulated node cannot run a
//! real program, and seedloop's simulated programs are still to come;
//! every item here is a compile error that says so.

missing_types! {
    /// tokio's `Command`.
    type Command[] = CommandNotSimulated[], CommandT,
        "`tokio::process::Command` is not simulated by seedloop",
        "a simulated node cannot start a real program: put the child's work behind a trait and give the test an in-process version, or run it as a task (`tokio::spawn`)",
        "let _c = tokio::process::Command::new(\"ls\");";
    /// tokio's `Child`.
    type Child[] = ChildNotSimulated[], ChildT,
        "`tokio::process::Child` is not simulated by seedloop",
        "a simulated node cannot start a real program",
        "let _c: Option<tokio::process::Child> = None;";
    /// tokio's child's standard input.
    type ChildStdin[] = ChildStdinNotSimulated[], ChildStdinT,
        "`tokio::process::ChildStdin` is not simulated by seedloop",
        "a simulated node cannot start a real program",
        "let _c: Option<tokio::process::ChildStdin> = None;";
    /// tokio's child's standard output.
    type ChildStdout[] = ChildStdoutNotSimulated[], ChildStdoutT,
        "`tokio::process::ChildStdout` is not simulated by seedloop",
        "a simulated node cannot start a real program",
        "let _c: Option<tokio::process::ChildStdout> = None;";
    /// tokio's child's standard error.
    type ChildStderr[] = ChildStderrNotSimulated[], ChildStderrT,
        "`tokio::process::ChildStderr` is not simulated by seedloop",
        "a simulated node cannot start a real program",
        "let _c: Option<tokio::process::ChildStderr> = None;";
}
