//! The tour's subprocess scene (layer 5b): a supervisor runs a report
//! generator as a child process and parses its output. It waits for the
//! child to exit before it reads the child's stdout. That works while a
//! report fits in the pipe (64 KiB); a longer one fills the pipe, the child
//! waits for a reader, the supervisor waits for the child: a deadlock. The
//! explorer finds it, shrinks the report to the first size that does not
//! fit, and the report names both waits; reading while waiting fixes it.

use std::process::Output;

use futures::{AsyncReadExt, AsyncWriteExt};
use seedloop::explore::Explorer;
use seedloop::process::{self, Command, Stdio};

/// Each row of a report is this long.
const ROW: usize = "row 00000 ok\n".len();

/// The simulated `report-gen ROWS`: prints ROWS rows, then exits 0.
fn install() {
    process::register("report-gen", |ctx| async move {
        let rows: usize = ctx.args()[0].parse().expect("a row count");
        let mut out = ctx.stdout();
        for i in 0..rows {
            out.write_all(format!("row {i:05} ok\n").as_bytes())
                .await
                .expect("the supervisor reads the report");
        }
        0
    });
}

/// Runs a report of a size the run draws, and checks every row arrived.
async fn supervise(fixed: bool) {
    install();
    let rows = seedloop::rand::random_range(100..=8000usize);
    let mut child = Command::new("report-gen")
        .arg(rows.to_string())
        .stdout(Stdio::piped())
        .spawn()
        .expect("report-gen is installed");
    let out = if fixed {
        child.wait_with_output().await.expect("the report")
    } else {
        // The bug: wait first, read after.
        let status = child.wait().await.expect("an exit status");
        let mut stdout = Vec::new();
        let mut pipe = child.stdout.take().expect("piped");
        pipe.read_to_end(&mut stdout).await.expect("the report");
        Output {
            status,
            stdout,
            stderr: Vec::new(),
        }
    };
    assert!(out.status.success(), "report-gen failed: {}", out.status);
    let text = String::from_utf8(out.stdout).expect("text");
    let parsed = text.lines().filter(|l| l.ends_with(" ok")).count();
    assert_eq!(parsed, rows, "every row parsed");
}

pub fn scene() {
    super::heading("layer 5b: a supervisor and its child process, joined by a pipe");
    println!("  a supervisor runs `report-gen ROWS` (a simulated program) with its stdout");
    println!("  piped, waits for it to exit, then reads and parses the report. Each row");
    println!("  is {ROW} bytes; the run draws ROWS from 100..=8000. A pipe holds 64 KiB.");
    let failure = Explorer::new("tour::supervisor")
        .seeds(200)
        .run(|| supervise(false))
        .expect_err("the sweep finds the deadlock");
    for line in failure.to_string().lines() {
        println!("  | {line}");
    }
    let fits = seedloop::process::DEFAULT_PIPE_CAPACITY / ROW;
    println!(
        "  the shrunk run's report is the first that outgrows the pipe: {} rows fit.",
        fits
    );
    println!("  The child waits for room, the supervisor for the child: each names its wait.");
    let fixed = Explorer::new("tour::supervisor")
        .seeds(200)
        .run(|| supervise(true))
        .expect("reading while waiting holds");
    println!("  fixed (wait_with_output reads both pipes as it waits): {fixed}");
}
