//! Memory benchmarks measure each case in a fresh child process (the
//! benchmark binary again, told its case by an environment variable),
//! because freed heap memory is not returned to the OS: in-process, one
//! case would reuse the memory the one before left behind.

/// Resident set size in bytes, from `/proc/self/statm` (pages of 4096 bytes).
pub fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("read /proc/self/statm");
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .expect("resident pages in /proc/self/statm");
    pages * 4096
}

/// Runs this binary again with `var` set to `spec`; its standard output.
///
/// # Panics
///
/// If the child cannot start or fails.
pub fn run(var: &str, spec: &str) -> String {
    let exe = std::env::current_exe().expect("path of the benchmark binary");
    let out = std::process::Command::new(exe)
        .env(var, spec)
        .output()
        .expect("run the memory child process");
    assert!(
        out.status.success(),
        "memory child ({spec}) failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A target's verdict, as the tables print it.
pub fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "MISSED" }
}
