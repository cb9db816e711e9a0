//! tokio's `fs`: seedloop's simulated disk, one per node, which loses
//! what was not synced when its node crashes.

pub use seedloop::fs::{
    DirEntry, File, OpenOptions, ReadDir, copy, create_dir, create_dir_all, metadata, read,
    read_dir, read_to_string, remove_dir, remove_dir_all, remove_file, rename, try_exists, write,
};

missing_fns! {
    /// tokio's `canonicalize`.
    fn canonicalize(P) => CanonicalizeFn,
        "`tokio::fs::canonicalize` is not simulated by seedloop",
        "the simulated disk has no symbolic links or working directory: use the absolute path as it is",
        "let _p = tokio::fs::canonicalize(\"/data/../data\").await;";
    /// tokio's `hard_link`.
    fn hard_link(P, Q) => HardLinkFn,
        "`tokio::fs::hard_link` is not simulated by seedloop",
        "the simulated disk has no links: `tokio::fs::copy` the file, or `rename` it",
        "let _r = tokio::fs::hard_link(\"/a\", \"/b\").await;";
    /// tokio's `read_link`.
    fn read_link(P) => ReadLinkFn,
        "`tokio::fs::read_link` is not simulated by seedloop",
        "the simulated disk has no symbolic links",
        "let _p = tokio::fs::read_link(\"/a\").await;";
    /// tokio's `symlink`.
    fn symlink(P, Q) => SymlinkFn,
        "`tokio::fs::symlink` is not simulated by seedloop",
        "the simulated disk has no symbolic links: `tokio::fs::copy` or `rename` instead",
        "let _r = tokio::fs::symlink(\"/a\", \"/b\").await;";
    /// tokio's `symlink_metadata`.
    fn symlink_metadata(P) => SymlinkMetadataFn,
        "`tokio::fs::symlink_metadata` is not simulated by seedloop",
        "the simulated disk has no symbolic links: `tokio::fs::metadata` is the same there",
        "let _m = tokio::fs::symlink_metadata(\"/a\").await;";
    /// tokio's `set_permissions`.
    fn set_permissions(P, Q) => SetPermissionsFn,
        "`tokio::fs::set_permissions` is not simulated by seedloop",
        "the simulated disk has no permissions: every file is readable and writable",
        "let _r = tokio::fs::set_permissions(\"/a\", std::fs::Permissions::from(std::os::unix::fs::PermissionsExt::from_mode(0o644))).await;";
}

missing_types! {
    /// tokio's `DirBuilder`.
    type DirBuilder[] = DirBuilderNotSimulated[], DirBuilderT,
        "`tokio::fs::DirBuilder` is not simulated by seedloop",
        "use `tokio::fs::create_dir` or `tokio::fs::create_dir_all`",
        "let _b = tokio::fs::DirBuilder::new();";
    /// tokio's `FileTimes`.
    type FileTimes[] = FileTimesNotSimulated[], FileTimesT,
        "`tokio::fs::FileTimes` is not simulated by seedloop",
        "the simulated disk keeps no access or modification times",
        "let _t = tokio::fs::FileTimes::new();";
}
