//! The explorer writes a failing run's view and names it in its report.

use super::*;

#[test]
fn a_failing_explorer_run_writes_its_view_and_names_it() {
    let dir = scratch("explorer-views");
    let _ = std::fs::remove_dir_all(&dir);
    let failure = Explorer::new("view::partition_story")
        .seeds(5)
        .view_dir(&dir)
        .run(partition_story)
        .unwrap_err();
    let path = failure.view().expect("a view was written").to_path_buf();
    assert_eq!(
        path,
        dir.join("view.partition_story")
            .join(format!("{:#x}.html", failure.seed()))
    );
    let report = failure.to_string();
    assert!(
        report.contains(&format!("  view: {}\n", path.display())),
        "{report}"
    );
    let data = data_of(&std::fs::read_to_string(&path).unwrap());
    assert!(
        data["title"]
            .as_str()
            .unwrap()
            .contains("view::partition_story")
    );
    assert!(
        data["failure"]["message"]
            .as_str()
            .unwrap()
            .contains("replica diverged")
    );
    // The view is of the shrunk run: its marks are the shrunk tape's.
    assert_eq!(choices(&data).len(), failure.tape().nonzero());
}

#[test]
fn passing_runs_write_no_view() {
    let dir = scratch("passing-views");
    let _ = std::fs::remove_dir_all(&dir);
    Explorer::new("view::passes")
        .seeds(20)
        .view_dir(&dir)
        .run(|| async {
            seedloop::sleep(Duration::from_millis(1)).await;
        })
        .unwrap();
    assert!(!dir.exists());
    let quiet = Explorer::new("view::quiet")
        .seeds(1)
        .view_dir(&dir)
        .views(false)
        .run(|| async { panic!("no picture") })
        .unwrap_err();
    assert_eq!(quiet.view(), None);
    assert!(!quiet.to_string().contains("  view: "));
    assert!(!dir.exists());
}
