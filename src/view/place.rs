//! Where a failing run's view is written (pub(crate)):
//! `<dir>/<test>/<seed>.html`, `<dir>` being `SEEDLOOP_VIEW_DIR` or, by
//! default, `seedloop` in cargo's target directory.

use std::path::{Path, PathBuf};

/// The view file of test `test`'s failing `seed` under `dir`, or under the
/// target directory's `seedloop` when `dir` is `None`.
pub(crate) fn view_path(dir: Option<&Path>, test: &str, seed: u64) -> PathBuf {
    let root = match dir {
        Some(d) => d.to_path_buf(),
        None => target_dir().join("seedloop"),
    };
    root.join(file_name(test)).join(format!("{seed:#x}.html"))
}

/// A test's path as one file name: `kv::stale_read` is `kv.stale_read`;
/// anything but letters, digits, `_`, `-` and `.` becomes `_`.
pub(crate) fn file_name(test: &str) -> String {
    let name: String = test
        .replace("::", ".")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    match name.trim_matches('.') {
        "" => "run".to_string(),
        n => n.to_string(),
    }
}

/// Cargo's target directory: `CARGO_TARGET_DIR` when set, else found from
/// the running binary (`target/<profile>/deps/<test>` or
/// `target/<profile>/examples/<name>`), else `target` here.
fn target_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    std::env::current_exe()
        .ok()
        .and_then(|exe| from_binary(&exe))
        .unwrap_or_else(|| PathBuf::from("target"))
}

/// The target directory of a binary cargo built: the parent of its
/// profile directory.
fn from_binary(exe: &Path) -> Option<PathBuf> {
    let mut dir = exe.parent()?;
    if matches!(
        dir.file_name().and_then(|n| n.to_str()),
        Some("deps" | "examples")
    ) {
        dir = dir.parent()?;
    }
    // `dir` is the profile's (debug, release...); cargo marks its parent.
    let target = dir.parent()?;
    target
        .join("CACHEDIR.TAG")
        .exists()
        .then(|| target.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_paths_become_file_names() {
        assert_eq!(file_name("kv::stale_read"), "kv.stale_read");
        assert_eq!(file_name("a b/c"), "a_b_c");
        assert_eq!(file_name("::"), "run");
        assert_eq!(
            view_path(Some(Path::new("/v")), "t::x", 31),
            PathBuf::from("/v/t.x/0x1f.html")
        );
    }

    #[test]
    fn the_target_directory_is_found_from_the_binary() {
        let exe = std::env::current_exe().unwrap();
        let target = from_binary(&exe).expect("tests run from cargo's target directory");
        assert!(exe.starts_with(&target));
        assert!(target.join("CACHEDIR.TAG").exists());
    }
}
