//! The register in a real browser: headless Chromium driven through chromedriver (W3C
//! WebDriver). An analyst signs in, uploads two assessments of a camera from the page, sees
//! its verdict, compares the two (the newer with a finding the older lacks), publishes it, and the buyer's guide shows it to someone
//! signed out. Screenshots of each step are saved under the target folder (the path is
//! printed).

mod common;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::report;
use fantoccini::{Client, ClientBuilder, Locator};
use iotvet_store::{Role, Store};

struct Kill(Child);

impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn installed(tool: &str) -> bool {
    Command::new(tool).arg("--version").output().is_ok_and(|o| o.status.success())
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

async fn shot(c: &Client, dir: &std::path::Path, name: &str) {
    let png = c.screenshot().await.unwrap();
    assert!(png.starts_with(b"\x89PNG") && png.len() > 5_000, "{name}: {} bytes", png.len());
    std::fs::write(dir.join(name), png).unwrap();
}

async fn fill(c: &Client, css: &str, text: &str) {
    c.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}")).send_keys(text).await.unwrap();
}

/// The page once it holds `text` (a click's navigation may still be on its way).
async fn page_with(c: &Client, text: &str) -> String {
    let started = Instant::now();
    loop {
        let page = c.source().await.unwrap();
        if page.contains(text) || started.elapsed() > Duration::from_secs(10) {
            return page;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits (10 s at most) for the browser to be at `path`: a page's text alone can be on the
/// page being left too (the register's "Products" is on the guide as well).
async fn path_becomes(c: &Client, path: &str) -> String {
    let started = Instant::now();
    loop {
        let now = c.current_url().await.unwrap().path().to_owned();
        if now == path || started.elapsed() > Duration::from_secs(10) {
            return now;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}")).click().await.unwrap();
}

#[test]
fn an_analyst_signs_in_uploads_compares_and_publishes_and_the_guide_shows_it_signed_out() {
    if !installed("chromedriver") || !installed("chromium") {
        assert!(std::env::var_os("CI").is_none(), "chromium and chromedriver are missing in CI");
        eprintln!("SKIPPED: chromium or chromedriver missing (apt-get install chromium chromium-driver)");
        return;
    }
    let dir = std::env::temp_dir().join(format!("iotvet-browser-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let shots = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("register-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let db = dir.join("register.sqlite");
    let mut store = Store::open(Some(db.to_str().unwrap())).unwrap();
    store.add_user("ana", "analyst's long password", Role::Analyst).unwrap();
    let files: Vec<std::path::PathBuf> = ["2026-11-20T08:00:00Z", "2026-11-25T08:00:00Z"]
        .iter()
        .enumerate()
        .map(|(i, at)| {
            let path = dir.join(format!("report-{i}.json"));
            let mut r = report("cam.lab", at);
            if i == 1 {
                // The newer one declares a children's product whose checklist answers fail:
                // a finding the older one does not have.
                r.case.declaration = Some(
                    serde_json::from_value(serde_json::json!({
                        "product": {"name": "EC-100", "vendor": "Example Cams", "for_children": true},
                        "children": {"strangers_can_contact_child": true},
                    }))
                    .unwrap(),
                );
                r = iotvet_report::Report::new(r.case, (*at).to_owned());
            }
            std::fs::write(&path, serde_json::to_vec(&r).unwrap()).unwrap();
            path
        })
        .collect();

    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    // `localhost`: browsers keep Secure cookies from it over plain HTTP (a secure context).
    let site = format!("http://localhost:{}", listener.local_addr().unwrap().port());
    rt.spawn(iotvet_web::serve(listener, iotvet_web::AppState::new(vec![store]).unwrap()));
    let driver_port = free_port();
    let _driver = Kill(
        Command::new("chromedriver")
            .arg(format!("--port={driver_port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", driver_port)).is_err() {
        assert!(started.elapsed() < Duration::from_secs(20), "chromedriver did not start");
        std::thread::sleep(Duration::from_millis(100));
    }

    rt.block_on(async {
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({
                "binary": "/usr/bin/chromium",
                "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--window-size=1100,1300", format!("--user-data-dir={}", dir.join("profile").display())],
            }),
        );
        let http = hyper_util::client::legacy::connect::HttpConnector::new();
        let c = ClientBuilder::new(http)
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{driver_port}"))
            .await
            .expect("a session in chromedriver");
        let url = |path: &str| format!("{site}{path}");

        // Signed out, the register sends to the sign-in page.
        c.goto(&url("/register")).await.unwrap();
        assert_eq!(c.current_url().await.unwrap().path(), "/login");
        fill(&c, "#name", "ana").await;
        fill(&c, "#password", "analyst's long password").await;
        shot(&c, &shots, "1-sign-in.png").await;
        click(&c, "button[type=submit]").await;
        page_with(&c, "Signed in as ana").await;
        assert_eq!(c.current_url().await.unwrap().path(), "/register", "signed in");

        // Two assessments uploaded from the page.
        for file in &files {
            c.goto(&url("/register/upload")).await.unwrap();
            fill(&c, "#case", file.to_str().unwrap()).await;
            fill(&c, "#vendor", "Example <Cams>").await;
            fill(&c, "#model", "EC-100").await;
            click(&c, "button[type=submit]").await;
            page_with(&c, "Assessments").await;
            assert!(c.current_url().await.unwrap().path().starts_with("/register/"), "on the product's page");
        }
        let product = c.current_url().await.unwrap().path().to_owned();
        let page = page_with(&c, "2026-11-20T08:00:00Z").await;
        assert!(page.contains("Example &lt;Cams&gt; EC-100"), "{page}");
        assert!(page.contains("2026-11-25T08:00:00Z") && page.contains("2026-11-20T08:00:00Z"), "both assessments");
        shot(&c, &shots, "2-product.png").await;

        // What changed between them.
        click(&c, "form[action$='/compare'] button").await;
        assert_eq!(path_becomes(&c, &format!("{product}/compare")).await, format!("{product}/compare"));
        let page = page_with(&c, "What changed").await;
        assert!(page.contains("New findings") && !page.contains("Nothing changed"), "{page}");
        assert!(page.contains("checklist"), "the new finding named: {page}");
        shot(&c, &shots, "3-compare.png").await;

        // Published in the buyer's guide.
        c.goto(&url(&product)).await.unwrap();
        click(&c, "form[action$='/publish'] button").await;
        let page = page_with(&c, "In the buyer's guide").await;
        assert!(page.contains("In the buyer's guide"), "{page}");

        // Signed out, the guide shows it; the register does not.
        click(&c, "a[href='/register']").await;
        assert_eq!(path_becomes(&c, "/register").await, "/register");
        let page = page_with(&c, "Sign out").await;
        // The newer assessment's failing checklist answers, in the register's list.
        assert!(page.contains("\">fail</span></td>"), "the checklist column says fail: {page}");
        click(&c, "form[action='/logout'] button").await;
        assert_eq!(path_becomes(&c, "/guide").await, "/guide");
        page_with(&c, "Products").await;
        let id = product.trim_start_matches("/register/");
        c.goto(&url(&format!("/guide/{id}"))).await.unwrap();
        let page = c.source().await.unwrap();
        assert!(page.contains("EC-100") && page.contains("Evidence from 2026-11-25"), "{page}");
        shot(&c, &shots, "4-guide-signed-out.png").await;
        c.goto(&url("/register")).await.unwrap();
        assert_eq!(c.current_url().await.unwrap().path(), "/login", "signed out for good");
        c.close().await.unwrap();
    });
    eprintln!("screenshots: {}", shots.display());
    drop(rt);
    let _ = std::fs::remove_dir_all(&dir);
}
