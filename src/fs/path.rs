//! Paths on a simulated disk: absolute from the node's root, a relative
//! path starting at `/`. `.` is skipped and `..` goes up; a `..` above
//! the root, an empty path or a NUL byte is `InvalidInput`, naming the path.

use std::io;
use std::path::{Component, Path};

/// A path as its components below the root.
pub(crate) fn parse(path: &Path) -> io::Result<Vec<String>> {
    let bad = |why: &str| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("bad path {}: {why}", path.display()),
        )
    };
    if path.as_os_str().is_empty() {
        return Err(bad("it is empty"));
    }
    let mut parts: Vec<String> = Vec::new();
    for c in path.components() {
        match c {
            Component::RootDir | Component::CurDir => {}
            Component::Prefix(_) => return Err(bad("a drive prefix has no meaning here")),
            Component::ParentDir => {
                if parts.pop().is_none() {
                    return Err(bad("`..` goes above the root"));
                }
            }
            Component::Normal(name) => {
                let name = name.to_str().ok_or_else(|| bad("it is not UTF-8"))?;
                if name.contains('\0') {
                    return Err(bad("it contains a NUL byte"));
                }
                parts.push(name.to_string());
            }
        }
    }
    Ok(parts)
}

/// The components as an absolute path, for messages and the trace.
pub(crate) fn show(parts: &[String]) -> String {
    if parts.is_empty() {
        "/".to_string()
    } else {
        parts.iter().map(|p| format!("/{p}")).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_start_at_the_root_and_dots_resolve() {
        assert_eq!(parse(Path::new("a/./b/../c")).unwrap(), ["a", "c"]);
        assert_eq!(parse(Path::new("/a/b")).unwrap(), ["a", "b"]);
        assert!(parse(Path::new("/")).unwrap().is_empty());
        assert_eq!(show(&parse(Path::new("x//y/")).unwrap()), "/x/y");
    }

    #[test]
    fn bad_paths_are_invalid_input_naming_the_path() {
        for p in ["", "/..", "a/../../b", "a\0b"] {
            let err = parse(Path::new(p)).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{p:?}");
            assert!(err.to_string().contains("bad path"), "{err}");
        }
    }
}
