//! The page in a real headless Chromium: its DOM after load, driven
//! through the address's filter and zoom, and a screenshot.

use super::*;

/// The Chromium to test with, or `None` (and a note) when there is none
/// and the browser tests are not required.
fn chromium() -> Option<PathBuf> {
    let required = std::env::var_os("SEEDLOOP_BROWSER_TESTS").is_some_and(|v| v == "1");
    let found = ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|name| {
            let out = Command::new("sh")
                .args(["-c", &format!("command -v {name}")])
                .output()
                .ok()?;
            let path = String::from_utf8(out.stdout).ok()?;
            let path = path.trim();
            (!path.is_empty()).then(|| PathBuf::from(path))
        });
    if found.is_none() {
        assert!(
            !required,
            "SEEDLOOP_BROWSER_TESTS=1 but no chromium on PATH (apt-get install -y chromium)"
        );
        eprintln!("note: no chromium on PATH; the browser tests of the view are skipped");
    }
    found
}

/// Runs headless Chromium on `page` with `args`, at most 60 s.
fn browse(chromium: &Path, page: &Path, hash: &str, args: &[&str]) -> String {
    let profile = tempdir(&format!(
        "profile-{}",
        page.file_stem().unwrap().to_string_lossy()
    ));
    let url = format!("file://{}{hash}", page.display());
    let out = Command::new("timeout")
        .arg("60")
        .arg(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--hide-scrollbars",
            "--window-size=1400,900",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(&url)
        .output()
        .expect("chromium runs");
    let _ = std::fs::remove_dir_all(&profile);
    assert!(
        out.status.success(),
        "chromium failed on {url}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn tempdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir()
        .join("seedloop-view-tests")
        .join(format!("{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The elements of a serialized DOM: each start tag's name and attributes.
fn tags(dom: &str) -> Vec<(String, Vec<(String, String)>)> {
    let mut out = Vec::new();
    let mut rest = dom;
    while let Some(i) = rest.find('<') {
        rest = &rest[i + 1..];
        let Some(end) = rest.find('>') else { break };
        let tag = &rest[..end];
        rest = &rest[end + 1..];
        if tag.starts_with('/') || tag.starts_with('!') {
            continue;
        }
        let name_end = tag.find(|c: char| c.is_whitespace()).unwrap_or(tag.len());
        let name = tag[..name_end].trim_end_matches('/').to_string();
        let mut attrs = Vec::new();
        let mut a = &tag[name_end..];
        while let Some(eq) = a.find("=\"") {
            let key = a[..eq].trim().to_string();
            let v = &a[eq + 2..];
            let close = v.find('"').unwrap_or(v.len());
            attrs.push((key, v[..close].to_string()));
            a = &v[(close + 1).min(v.len())..];
        }
        out.push((name, attrs));
    }
    out
}

fn attr<'a>(tag: &'a (String, Vec<(String, String)>), key: &str) -> Option<&'a str> {
    tag.1
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

fn has_class(tag: &(String, Vec<(String, String)>), class: &str) -> bool {
    attr(tag, "class").is_some_and(|c| c.split_whitespace().any(|x| x == class))
}

fn count(dom: &str, class: &str, pred: impl Fn(&(String, Vec<(String, String)>)) -> bool) -> usize {
    tags(dom)
        .iter()
        .filter(|t| has_class(t, class) && pred(t))
        .count()
}

fn body_data(dom: &str, key: &str) -> u64 {
    let body = tags(dom)
        .into_iter()
        .find(|t| t.0 == "body")
        .expect("a body");
    attr(&body, &format!("data-{key}"))
        .unwrap_or_else(|| panic!("body has no data-{key}"))
        .parse()
        .unwrap()
}

#[test]
fn the_page_draws_lanes_arrows_and_the_failure_in_chromium() {
    let Some(chromium) = chromium() else { return };
    let sim = recorded(11);
    let page = scratch("story.html");
    sim.write_view(&page).unwrap();
    let dom = browse(&chromium, &page, "", &["--dump-dom"]);
    assert_eq!(body_data(&dom, "ready"), 1);
    let lanes: Vec<String> = tags(&dom)
        .iter()
        .filter(|t| has_class(t, "lane"))
        .filter_map(|t| attr(t, "data-node").map(str::to_string))
        .collect();
    assert_eq!(lanes, ["main", "server", "replica"]);
    let delivered = count(&dom, "arrow", |t| attr(t, "data-fate") == Some("delivered"));
    assert_eq!(delivered, delivered_packets(&sim));
    assert!(count(&dom, "arrow", |t| attr(t, "data-fate") == Some("dropped")) >= 1);
    assert!(
        count(&dom, "failure", |_| true) >= 1,
        "the failure is highlighted"
    );
    assert!(dom.contains("replica diverged"));
    assert!(count(&dom, "band", |t| attr(t, "data-kind") == Some("partition")) >= 1);
    assert_eq!(
        count(&dom, "choice", |_| true) > 0,
        sim.tape().nonzero() > 0,
        "choices are marked"
    );
}

#[test]
fn the_address_filters_nodes_and_zooms_time_in_chromium() {
    let Some(chromium) = chromium() else { return };
    let sim = recorded(12);
    let page = scratch("filter.html");
    sim.write_view(&page).unwrap();
    let all = browse(&chromium, &page, "", &["--dump-dom"]);
    let only = browse(&chromium, &page, "#nodes=server", &["--dump-dom"]);
    let lanes = |dom: &str| {
        tags(dom)
            .iter()
            .filter(|t| has_class(t, "lane"))
            .filter_map(|t| attr(t, "data-node").map(str::to_string))
            .collect::<Vec<_>>()
    };
    assert_eq!(lanes(&only), ["server"]);
    assert!(body_data(&only, "events") < body_data(&all, "events"));
    // Zoom into the partition: the first 1 ms + a bit holds none of it.
    let data = data_of(&sim.view_html().unwrap());
    let end = data["end"].as_u64().unwrap();
    let zoomed = browse(
        &chromium,
        &page,
        &format!("#from=0&to={}", end / 4),
        &["--dump-dom"],
    );
    let shown = body_data(&zoomed, "events");
    let total = body_data(&all, "events");
    assert!(shown > 0 && shown < total, "{shown} of {total}");
    let arrows = |dom: &str| count(dom, "arrow", |t| attr(t, "data-fate") == Some("delivered"));
    assert!(arrows(&zoomed) < arrows(&all));
    // A task filter keeps that task's row only.
    let checker = data["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t[2] == "checker")
        .unwrap()[0]
        .as_u64()
        .unwrap();
    let one = browse(
        &chromium,
        &page,
        &format!("#tasks={checker}"),
        &["--dump-dom"],
    );
    let rows: Vec<String> = tags(&one)
        .iter()
        .filter(|t| has_class(t, "task"))
        .filter_map(|t| attr(t, "data-task").map(str::to_string))
        .collect();
    assert_eq!(rows, [checker.to_string()]);
}

#[test]
fn a_run_within_one_instant_opens_on_the_step_axis_in_chromium() {
    let Some(chromium) = chromium() else { return };
    // A lost update: every event at virtual time 0.
    let mut sim = Sim::builder()
        .seed(16)
        .record_trace(true)
        .print_panics(false)
        .build();
    let _ = sim.try_block_on(async {
        let a = seedloop::spawn(async { seedloop::task::yield_now().await });
        let b = seedloop::spawn(async {});
        let _ = (a.await, b.await);
        panic!("at once");
    });
    assert_eq!(sim.elapsed(), Duration::ZERO);
    let page = scratch("instant.html");
    sim.write_view(&page).unwrap();
    let steps = browse(&chromium, &page, "", &["--dump-dom"]);
    let axis = |dom: &str| {
        let body = tags(dom).into_iter().find(|t| t.0 == "body").unwrap();
        attr(&body, "data-axis").map(str::to_string)
    };
    assert_eq!(axis(&steps).as_deref(), Some("steps"));
    // The marks spread out: each event has its own x.
    let xs: std::collections::BTreeSet<String> = tags(&steps)
        .iter()
        .filter(|t| has_class(t, "ev"))
        .filter_map(|t| attr(t, "x").map(str::to_string))
        .collect();
    assert!(
        xs.len() >= sim.trace().len() / 2,
        "{} distinct x of {}",
        xs.len(),
        sim.trace().len()
    );
    let time = browse(&chromium, &page, "#axis=time", &["--dump-dom"]);
    assert_eq!(axis(&time).as_deref(), Some("time"));
    // A zoom in steps: the first three steps only.
    let zoomed = browse(&chromium, &page, "#axis=steps&from=0&to=5", &["--dump-dom"]);
    assert_eq!(body_data(&zoomed, "events"), 5);
}

#[test]
fn the_linearizability_panel_marks_the_bad_call_in_chromium() {
    let Some(chromium) = chromium() else { return };
    let mut sim = Sim::builder()
        .seed(13)
        .record_trace(true)
        .print_panics(false)
        .build();
    let _ = sim.try_block_on(async {
        let history = History::new();
        history
            .invoke(1, RegisterOp::Write(7))
            .ok(RegisterRet::Written);
        seedloop::sleep(Duration::from_millis(1)).await;
        history
            .invoke(2, RegisterOp::Read)
            .ok(RegisterRet::Value(0));
        check::assert_linearizable(&history, &Register::new(0));
    });
    let page = scratch("panel.html");
    sim.write_view(&page).unwrap();
    let dom = browse(&chromium, &page, "", &["--dump-dom"]);
    assert_eq!(count(&dom, "call", |_| true), 2);
    assert_eq!(count(&dom, "call", |t| has_class(t, "bad")), 1);
}

#[test]
fn hostile_names_stay_text_in_chromium() {
    let Some(chromium) = chromium() else { return };
    let evil = "x'\"<img src=x onerror=alert(1)>&amp;</script>";
    let mut sim = Sim::builder()
        .seed(21)
        .record_trace(true)
        .print_panics(false)
        .build();
    let _ = sim.try_block_on(async move {
        node::Builder::new(evil).build();
        seedloop::task::Builder::new()
            .name(evil)
            .spawn(async move { panic!("{evil}") })
            .await
            .unwrap();
    });
    let page = scratch("hostile.html");
    sim.write_view(&page).unwrap();
    let dom = browse(&chromium, &page, "", &["--dump-dom"]);
    assert_eq!(body_data(&dom, "ready"), 1);
    assert!(
        !tags(&dom).iter().any(|t| t.0 == "img"),
        "no element made from a name"
    );
    assert!(
        dom.contains("&lt;img src=x onerror=alert(1)&gt;&amp;amp;"),
        "shown as text"
    );
}

#[test]
fn a_screenshot_of_the_view_is_not_blank() {
    let Some(chromium) = chromium() else { return };
    let sim = recorded(14);
    let page = scratch("shot.html");
    sim.write_view(&page).unwrap();
    let shot = scratch("shot.png");
    let _ = std::fs::remove_file(&shot);
    browse(
        &chromium,
        &page,
        "",
        &[&format!("--screenshot={}", shot.display())],
    );
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&shot).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!((info.width, info.height), (1400, 900));
    let px = info.color_type.samples();
    let pixels: Vec<&[u8]> = buf[..info.buffer_size()].chunks(px).collect();
    let background = pixels[pixels.len() - 1];
    let differ = pixels.iter().filter(|p| p[..3] != background[..3]).count();
    let colours: std::collections::BTreeSet<&[u8]> = pixels.iter().copied().collect();
    assert!(
        differ * 20 > pixels.len(),
        "at least 5% of the page is drawn: {differ} of {}",
        pixels.len()
    );
    assert!(colours.len() > 50, "{} colours", colours.len());
}
