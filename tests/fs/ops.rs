//! The operations, shaped like tokio::fs, and their errors.

use std::io::{ErrorKind, SeekFrom};

use futures::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};
use seedloop::Sim;
use seedloop::fs::{self, File, OpenOptions};

fn run<F: std::future::Future>(f: F) -> F::Output {
    Sim::new(1).block_on(f)
}

#[test]
fn files_are_written_read_copied_renamed_and_removed() {
    run(async {
        fs::create_dir_all("/srv/data").await.unwrap();
        fs::write("/srv/data/a", b"alpha").await.unwrap();
        assert_eq!(fs::read("/srv/data/a").await.unwrap(), b"alpha");
        assert_eq!(fs::read_to_string("srv/data/a").await.unwrap(), "alpha");
        assert_eq!(fs::copy("/srv/data/a", "/srv/b").await.unwrap(), 5);
        fs::rename("/srv/b", "/srv/data/c").await.unwrap();
        assert!(!fs::try_exists("/srv/b").await.unwrap());
        assert_eq!(fs::read("/srv/./data/../data/c").await.unwrap(), b"alpha");
        let mut dir = fs::read_dir("/srv/data").await.unwrap();
        let mut names = Vec::new();
        while let Some(e) = dir.next_entry().await.unwrap() {
            names.push((
                e.file_name().into_string().unwrap(),
                e.metadata().await.unwrap().len(),
            ));
        }
        assert_eq!(names, [("a".to_string(), 5), ("c".to_string(), 5)]);
        fs::remove_file("/srv/data/a").await.unwrap();
        fs::remove_dir_all("/srv").await.unwrap();
        assert!(!fs::try_exists("/srv").await.unwrap());
        assert!(
            fs::read_dir("/")
                .await
                .unwrap()
                .next_entry()
                .await
                .unwrap()
                .is_none()
        );
    });
}

#[test]
fn a_file_reads_writes_seeks_appends_and_truncates() {
    run(async {
        let mut f = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .open("/f")
            .await
            .unwrap();
        f.write_all(b"hello world").await.unwrap();
        assert_eq!(f.seek(SeekFrom::Start(6)).await.unwrap(), 6);
        let mut word = String::new();
        f.read_to_string(&mut word).await.unwrap();
        assert_eq!(word, "world");
        f.seek(SeekFrom::End(-5)).await.unwrap();
        f.write_all(b"WORLD").await.unwrap();
        assert!(f.seek(SeekFrom::Current(-100)).await.is_err());
        f.set_len(5).await.unwrap();
        assert_eq!(f.metadata().await.unwrap().len(), 5);
        drop(f);
        let mut log = OpenOptions::new().append(true).open("/f").await.unwrap();
        log.write_all(b"!").await.unwrap();
        assert_eq!(fs::read("/f").await.unwrap(), b"hello!");
        // Past the end: a hole of zeros.
        let mut f = OpenOptions::new().write(true).open("/f").await.unwrap();
        f.seek(SeekFrom::Start(8)).await.unwrap();
        f.write_all(b"x").await.unwrap();
        assert_eq!(fs::read("/f").await.unwrap(), b"hello!\0\0x");
    });
}

#[test]
fn an_unlinked_file_stays_readable_through_its_open_handle() {
    run(async {
        fs::write("/tmpfile", b"still here").await.unwrap();
        let mut f = File::open("/tmpfile").await.unwrap();
        fs::remove_file("/tmpfile").await.unwrap();
        let mut s = String::new();
        f.read_to_string(&mut s).await.unwrap();
        assert_eq!(s, "still here");
        assert!(!fs::try_exists("/tmpfile").await.unwrap());
    });
}

#[test]
fn every_error_has_its_real_kind_and_names_the_path() {
    run(async {
        fs::write("/file", b"").await.unwrap();
        fs::create_dir_all("/dir/sub").await.unwrap();
        let kind = |r: std::io::Result<()>| r.unwrap_err().kind();
        assert_eq!(kind(fs::read("/nope").await.map(drop)), ErrorKind::NotFound);
        let err = fs::read("/nope").await.unwrap_err();
        assert!(err.to_string().contains("/nope"), "{err}");
        assert_eq!(kind(fs::create_dir("/dir").await), ErrorKind::AlreadyExists);
        assert_eq!(kind(fs::create_dir("/a/b").await), ErrorKind::NotFound);
        assert_eq!(
            kind(fs::create_dir_all("/file/x").await),
            ErrorKind::NotADirectory
        );
        assert_eq!(
            kind(fs::create_dir_all("/file").await),
            ErrorKind::AlreadyExists
        );
        assert_eq!(
            kind(fs::remove_dir("/dir").await),
            ErrorKind::DirectoryNotEmpty
        );
        assert_eq!(kind(fs::remove_file("/dir").await), ErrorKind::IsADirectory);
        assert_eq!(
            kind(fs::remove_dir("/file").await),
            ErrorKind::NotADirectory
        );
        assert_eq!(
            kind(fs::read("/dir").await.map(drop)),
            ErrorKind::IsADirectory
        );
        assert_eq!(
            kind(fs::read("/file/x").await.map(drop)),
            ErrorKind::NotADirectory
        );
        assert_eq!(
            kind(fs::rename("/file", "/dir").await),
            ErrorKind::IsADirectory
        );
        assert_eq!(
            kind(fs::rename("/dir", "/dir/sub/in").await),
            ErrorKind::InvalidInput
        );
        assert_eq!(kind(fs::remove_dir("/").await), ErrorKind::InvalidInput);
        assert_eq!(kind(fs::write("/", b"x").await), ErrorKind::IsADirectory);
        assert_eq!(
            kind(File::open("/dir").await.map(drop)),
            ErrorKind::IsADirectory
        );
        assert_eq!(kind(fs::sync_dir("/file").await), ErrorKind::NotADirectory);
        let mut o = OpenOptions::new();
        assert_eq!(
            kind(o.open("/file").await.map(drop)),
            ErrorKind::InvalidInput
        );
        o.read(true).create(true);
        assert_eq!(
            kind(o.open("/file").await.map(drop)),
            ErrorKind::InvalidInput
        );
        let mut ro = File::open("/file").await.unwrap();
        assert_eq!(kind(ro.write_all(b"x").await), ErrorKind::PermissionDenied);
        assert_eq!(kind(ro.set_len(1).await), ErrorKind::PermissionDenied);
        let mut wo = File::create("/w").await.unwrap();
        let mut buf = [0; 1];
        assert_eq!(
            kind(wo.read(&mut buf).await.map(drop)),
            ErrorKind::PermissionDenied
        );
        fs::write("/bin", [0xff, 0xfe]).await.unwrap();
        assert_eq!(
            kind(fs::read_to_string("/bin").await.map(drop)),
            ErrorKind::InvalidData
        );
    });
}

#[test]
fn bad_paths_are_typed_errors_naming_the_path_never_panics() {
    run(async {
        for bad in ["", "/..", "/a/../../b", "a\0b"] {
            let err = fs::write(bad, b"x").await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidInput, "{bad:?}");
            assert!(err.to_string().contains("bad path"), "{err}");
            let err = fs::metadata(bad).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidInput);
        }
    });
}

#[test]
fn create_new_refuses_an_existing_file_and_metadata_has_virtual_times() {
    use std::time::{Duration, UNIX_EPOCH};
    run(async {
        let mut o = OpenOptions::new();
        o.write(true).create_new(true);
        o.open("/lock").await.unwrap();
        assert_eq!(
            o.open("/lock").await.unwrap_err().kind(),
            ErrorKind::AlreadyExists
        );
        seedloop::sleep(Duration::from_secs(90)).await;
        fs::write("/later", b"x").await.unwrap();
        let secs = |m: fs::Metadata| {
            m.modified()
                .unwrap()
                .duration_since(UNIX_EPOCH)
                .unwrap()
                .as_secs()
                - seedloop::time::EPOCH_UNIX_SECS
        };
        assert_eq!(secs(fs::metadata("/lock").await.unwrap()), 0);
        assert_eq!(secs(fs::metadata("/later").await.unwrap()), 90);
        assert!(fs::metadata("/").await.unwrap().is_dir());
    });
}

#[test]
fn every_node_has_its_own_disk() {
    run(async {
        fs::write("/who", b"main").await.unwrap();
        let db = seedloop::node::Builder::new("db").build();
        let seen = seedloop::node::spawn_on(db, async {
            let before = fs::try_exists("/who").await.unwrap();
            fs::write("/who", b"db").await.unwrap();
            before
        })
        .await
        .unwrap();
        assert!(!seen, "the db node's disk starts empty");
        assert_eq!(fs::read("/who").await.unwrap(), b"main");
        let theirs = seedloop::node::spawn_on(db, async { fs::read("/who").await.unwrap() })
            .await
            .unwrap();
        assert_eq!(theirs, b"db");
    });
}

#[cfg(feature = "tokio-io")]
mod tokio_traits {
    use std::io::SeekFrom;

    use seedloop::fs::OpenOptions;
    use tokio::io::{AsyncReadExt as _, AsyncSeekExt as _, AsyncWriteExt as _};

    #[test]
    fn a_file_speaks_tokios_io_traits() {
        super::run(async {
            let mut f = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .open("/t")
                .await
                .unwrap();
            f.write_all(b"tokio").await.unwrap();
            f.seek(SeekFrom::Start(1)).await.unwrap();
            let mut s = String::new();
            f.read_to_string(&mut s).await.unwrap();
            assert_eq!(s, "okio");
        });
    }
}

#[test]
fn append_with_truncate_is_refused_as_std_does() {
    run(async {
        fs::write("/a", b"old").await.unwrap();
        let err = OpenOptions::new()
            .append(true)
            .truncate(true)
            .open("/a")
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert_eq!(fs::read("/a").await.unwrap(), b"old");
    });
}
