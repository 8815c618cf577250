//! One suite, run against SQLite and against a real PostgreSQL server the test starts itself:
//! a temporary cluster made with Debian's `initdb`, listening on a Unix socket only (no TCP
//! port at all), removed afterwards.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use iotvet_report::Report;
use iotvet_store::{ProductInfo, Store, StoreError, SCHEMA_VERSION};

fn case(target: &str, created_at: &str) -> iotvet_core::CaseFile {
    serde_json::from_value(serde_json::json!({
        "target": {"name": target, "address": "127.0.0.1"},
        "created_at": created_at,
    }))
    .unwrap()
}

fn report(target: &str, created_at: &str) -> Report {
    Report::new(case(target, created_at), created_at.to_owned())
}

fn camera() -> ProductInfo {
    ProductInfo {
        vendor: "Example Cams".into(),
        model: "EC-100".into(),
        name: "Example camera".into(),
        ..Default::default()
    }
}

/// The whole suite, on a fresh database at `url`, and `fresh()` for more fresh databases.
fn suite(fresh: &dyn Fn(&str) -> String) {
    jobs(&fresh("jobs"));
    let url = fresh("main");
    let mut s = Store::open(Some(&url)).unwrap();
    assert_eq!(s.schema_version().unwrap(), SCHEMA_VERSION);

    // The same case twice is stored once; a second case is a second assessment of the product.
    let first = report("cam.lab", "2026-11-01T10:00:00Z");
    let a = s.save(&first, &camera(), "analyst@lab").unwrap();
    assert!(a.new);
    // The older assessment's judgement made to differ: the product must show the newer one's.
    assert_ne!(first.overall, iotvet_core::Overall::Meets);
    s.execute_raw(&format!("UPDATE judgements SET overall = 'meets' WHERE assessment_id = {}", a.assessment_id))
        .unwrap();
    let again = s.save(&first, &camera(), "analyst@lab").unwrap();
    assert_eq!((again.new, again.assessment_id, again.product_id), (false, a.assessment_id, a.product_id));
    let b = s.save(&report("cam.lab", "2026-11-20T10:00:00Z"), &camera(), "ci").unwrap();
    assert!(b.new && b.assessment_id != a.assessment_id && b.product_id == a.product_id);

    accounts(&mut s);

    // The retailer checklist: a children's product whose declared answers fail it shows
    // `fail`, the same product answering safely `pass`; other products nothing.
    let toy = |created_at: &str, strangers: bool| {
        let mut c = case("toy.lab", created_at);
        c.declaration = Some(
            serde_json::from_value(serde_json::json!({
                "product": {"name": "Talking bear", "vendor": "Toys", "for_children": true},
                "children": {"collects_childrens_data": false, "parents_can_delete_data": true,
                             "data_encrypted_at_rest_and_in_transit": true, "strangers_can_contact_child": strangers},
            }))
            .unwrap(),
        );
        Report::new(c, created_at.to_owned())
    };
    let bear = ProductInfo { vendor: "Toys".into(), model: "Bear".into(), for_children: true, ..Default::default() };
    let t = s.save(&toy("2026-11-02T00:00:00Z", true), &bear, "x").unwrap();
    assert_eq!(s.product(t.product_id).unwrap().unwrap().checklist, "fail");
    s.save(&toy("2026-11-03T00:00:00Z", false), &bear, "x").unwrap();
    assert_eq!(s.product(t.product_id).unwrap().unwrap().checklist, "pass", "the newest assessment's");
    assert_eq!(s.product(a.product_id).unwrap().unwrap().checklist, "", "not a children's product");

    let products = s.products().unwrap();
    assert_eq!(products.len(), 2);
    assert_eq!(
        (products[0].vendor.as_str(), products[0].model.as_str(), products[0].assessments),
        ("Example Cams", "EC-100", 2)
    );
    assert_eq!(products[0].last_assessed, "2026-11-20T10:00:00Z");
    assert_eq!(products[0].overall, first.overall.as_str());
    let history = s.assessments(a.product_id).unwrap();
    assert_eq!(history.iter().map(|h| h.id).collect::<Vec<_>>(), [b.assessment_id, a.assessment_id], "newest first");
    assert_eq!(history[1].ran_by, "analyst@lab");
    assert_eq!(history[0].judgements, 1);

    // A stored assessment reads back as the report it was.
    let back = s.report(a.assessment_id).unwrap().unwrap();
    assert_eq!(
        (back.case.clone(), back.verdicts.clone(), back.findings.clone()),
        (first.case.clone(), first.verdicts.clone(), first.findings.clone())
    );
    assert!(s.report(999_999).unwrap().is_none());

    // Judging again with other rules adds a judgement; the old one stays.
    assert_eq!(s.rejudge("2026-11-25T00:00:00Z").unwrap(), 0, "judged by these rules already");
    s.execute_raw("UPDATE judgements SET rules_version = '0.0.1+old'").unwrap();
    assert_eq!(s.rejudge("2026-11-25T00:00:00Z").unwrap(), 4, "every stored assessment");
    assert!(s
        .assessments(a.product_id)
        .unwrap()
        .iter()
        .all(|h| h.judgements == 2 && h.rules_version == iotvet_core::catalog::rules_version()));
    assert_eq!(s.rejudge("2026-11-25T00:00:00Z").unwrap(), 0);

    // Hostile names are data (bound parameters), long ones and empty ones are refused.
    let hostile = ProductInfo {
        vendor: "x'); DROP TABLE products;--".into(),
        model: "<script>alert(1)</script>".into(),
        ..Default::default()
    };
    s.save(&report("h", "2026-11-21T00:00:00Z"), &hostile, "x").unwrap();
    assert!(s.products().unwrap().iter().any(|p| p.vendor == hostile.vendor && p.model == hostile.model));
    let long = ProductInfo { name: "n".repeat(10_000), ..camera() };
    assert!(matches!(s.save(&report("l", "2026-11-22T00:00:00Z"), &long, "x"), Err(StoreError::Invalid(_))));
    let empty = ProductInfo { vendor: " ".into(), ..camera() };
    assert!(matches!(s.save(&report("e", "2026-11-22T00:00:00Z"), &empty, "x"), Err(StoreError::Invalid(_))));
    assert_eq!(s.products().unwrap().len(), 3, "nothing stored half-way");
    drop(s);

    // Migrations, up from the first: a register made at version 1 keeps its data at the newest.
    let old = fresh("old");
    let mut s = Store::open_upto(Some(&old), 1).unwrap();
    assert_eq!(s.schema_version().unwrap(), 1);
    // Rows as version 1 wrote them (this iotvet writes only the newest schema).
    s.execute_raw(
        "INSERT INTO products (vendor, model, created_at) VALUES ('Old', 'O-1', '2026-01-01T00:00:00Z');
         INSERT INTO assessments (product_id, target, case_json, case_sha256, ran_by, ran_at, tool_version, stored_at)
           VALUES (1, 'old', '{}', 'x', 'a', '2026-01-02T00:00:00Z', '0.0.9', '2026-01-02T00:00:00Z');
         INSERT INTO judgements (assessment_id, rules_version, judged_at, overall, verdicts_json, findings_json)
           VALUES (1, '0.0.9+old', '2026-01-02T00:00:00Z', 'fails',
                   '{\"MS-1\":{\"verdict\":\"pass\",\"reason\":\"r\"},\"MS-3\":{\"verdict\":\"fail\",\"reason\":\"r\"}}',
                   '[{\"check\":\"priv.children-checklist\",\"guideline\":\"MS-5\",\"status\":\"fail\"}]');",
    )
    .unwrap();
    drop(s);
    let mut s = Store::open(Some(&old)).unwrap();
    assert_eq!(s.schema_version().unwrap(), SCHEMA_VERSION);
    let kept = s.products().unwrap();
    assert_eq!(kept.len(), 1);
    // Version 3 keeps each product's newest verdict on it: filled in for the old rows.
    assert_eq!((kept[0].overall.as_str(), kept[0].last_assessed.as_str()), ("fails", "2026-01-02T00:00:00Z"));
    // Version 6 keeps its verdict per guideline, read from the stored judgement.
    assert_eq!(kept[0].verdicts, "MS-1=pass MS-2=unknown MS-3=fail MS-4=unknown MS-5=unknown");
    // Version 7 keeps its retailer checklist status, read from the stored findings.
    assert_eq!(kept[0].checklist, "fail");
    // Version 8 keeps its number of assessments.
    assert_eq!(kept[0].assessments, 1);
    let only = |s: &mut Store, f: iotvet_store::GuideFilter| s.published_page(&f, 0, 10).unwrap().len();
    let all = iotvet_store::GuideFilter { unpublished_too: true, ..Default::default() };
    assert_eq!(only(&mut s, iotvet_store::GuideFilter { fails: Some(iotvet_core::Guideline::Ms3), ..all.clone() }), 1);
    assert_eq!(only(&mut s, iotvet_store::GuideFilter { fails: Some(iotvet_core::Guideline::Ms1), ..all.clone() }), 0);
    assert_eq!(only(&mut s, iotvet_store::GuideFilter { vendor: "Old".into(), ..all.clone() }), 1);
    assert_eq!(only(&mut s, iotvet_store::GuideFilter { vendor: "old".into(), ..all.clone() }), 0);
    let stale = |since: &str| iotvet_store::GuideFilter { not_assessed_since: since.into(), ..all.clone() };
    assert_eq!((only(&mut s, stale("2026-02-01T00:00:00Z")), only(&mut s, stale("2026-01-01T00:00:00Z"))), (1, 0));
    // A register from a newer iotvet is not touched.
    s.execute_raw("INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'future', 'x')").unwrap();
    drop(s);
    assert!(matches!(Store::open(Some(&old)), Err(StoreError::NewerSchema { found: 99, .. })));
}

/// Accounts, sessions and tokens: passwords checked by their Argon2id hash, secrets kept only
/// as digests, disabled accounts shut out.
fn accounts(s: &mut Store) {
    use iotvet_store::Role;
    let id = s.add_user("ana", "correct horse battery", Role::Analyst).unwrap();
    assert!(matches!(s.add_user("ana", "another long password", Role::Viewer), Err(StoreError::Invalid(_))));
    assert!(matches!(s.add_user("bob", "short", Role::Viewer), Err(StoreError::Invalid(_))), "too short");
    assert!(matches!(s.add_user("<b>", "a long enough password", Role::Viewer), Err(StoreError::Invalid(_))));
    s.add_user("vic", "viewer's long password", Role::Viewer).unwrap();
    let users = s.users().unwrap();
    assert_eq!(
        users.iter().map(|(u, _)| (u.name.as_str(), u.role)).collect::<Vec<_>>(),
        [("ana", Role::Analyst), ("vic", Role::Viewer)]
    );
    let hash = s.raw_text("SELECT password_hash FROM users WHERE name = 'ana'");
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    assert_eq!(s.check_password("ana", "correct horse battery").unwrap().map(|u| u.id), Some(id));
    assert_eq!(s.check_password("ana", "correct horse batterY").unwrap(), None);
    assert_eq!(s.check_password("nobody", "correct horse battery").unwrap(), None);

    let ana = s.check_password("ana", "correct horse battery").unwrap().unwrap();
    let (token, csrf) = s.new_session(&ana).unwrap();
    assert_ne!(token, csrf);
    assert_eq!(s.session(&token).unwrap(), Some((ana.clone(), csrf.clone())));
    assert_eq!(s.session("forged").unwrap(), None);
    // Only the digest is stored.
    assert_eq!(s.raw_text(&format!("SELECT COUNT(*) FROM sessions WHERE token_sha256 = '{token}'")), "0");
    let api = s.new_api_token("ana", "ci").unwrap();
    assert_eq!(s.token_user(&api).unwrap(), Some(ana.clone()));
    // A session past its time is over.
    s.execute_raw("UPDATE sessions SET expires_at = 0").unwrap();
    assert_eq!(s.session(&token).unwrap(), None);
    let (token, _) = s.new_session(&ana).unwrap();
    assert_eq!(s.raw_text("SELECT COUNT(*) FROM sessions"), "1", "expired sessions removed");
    // A disabled account's sessions and tokens stop working.
    assert!(s.set_disabled("ana", true).unwrap());
    assert_eq!((s.session(&token).unwrap(), s.token_user(&api).unwrap()), (None, None));
    assert_eq!(s.check_password("ana", "correct horse battery").unwrap(), None);
    s.set_disabled("ana", false).unwrap();
    s.end_session(&token).unwrap();
    assert_eq!(s.session(&token).unwrap(), None, "signed out");
}

/// Jobs: claimed with a lease, renewed, taken again when the lease runs out, completed once by
/// the worker that holds them, failed after too many attempts; many workers at once each take
/// a different job.
fn jobs(url: &str) {
    use iotvet_store::JobRequest;
    let mut s = Store::open(Some(url)).unwrap();
    let req = |t: &str| JobRequest {
        target: t.into(),
        ports: "22,80".into(),
        udp_ports: "none".into(),
        vendor: "Acme".into(),
        model: "J-1".into(),
    };
    for bad in [
        JobRequest { target: "10.0.0.0/8".into(), ..Default::default() },
        JobRequest { target: "cam; rm -rf /".into(), ..Default::default() },
        JobRequest { ports: "22 --out /etc".into(), ..req("cam.lab") },
    ] {
        assert!(matches!(s.queue(&bad, "ana"), Err(StoreError::Invalid(_))), "{bad:?}");
    }
    let (j1, j2) = (s.queue(&req("127.0.0.1"), "ana").unwrap(), s.queue(&req("127.0.0.2"), "ana").unwrap());
    let a = s.claim("w1", 60).unwrap().unwrap();
    assert_eq!((a.id, a.attempts, a.state.as_str(), a.request.ports.as_str()), (j1, 1, "running", "22,80"));
    assert_eq!(s.claim("w2", 60).unwrap().unwrap().id, j2);
    assert_eq!(s.claim("w3", 60).unwrap(), None, "nothing left");
    assert!(s.heartbeat(j1, "w1", 60).unwrap());
    assert!(!s.heartbeat(j1, "w2", 60).unwrap(), "not w2's");
    // w2 dies: its lease runs out and w3 takes the job.
    s.execute_raw(&format!("UPDATE jobs SET lease_until = 0 WHERE id = {j2}")).unwrap();
    let c = s.claim("w3", 60).unwrap().unwrap();
    assert_eq!((c.id, c.attempts), (j2, 2));
    let r = report("127.0.0.2", "2026-11-26T01:00:00Z");
    let p = ProductInfo { vendor: "Acme".into(), model: "J-1".into(), ..Default::default() };
    let assessments = |s: &mut Store| s.raw_text("SELECT COUNT(*) FROM assessments");
    assert_eq!(s.complete(j2, "w2", &r, &p).unwrap(), None, "the old worker's late result is not stored");
    assert_eq!(assessments(&mut s), "0");
    let saved = s.complete(j2, "w3", &r, &p).unwrap().expect("stored");
    let done = s.job(j2).unwrap().unwrap();
    assert_eq!((done.state.as_str(), done.assessment_id), ("done", Some(saved.assessment_id)));
    assert_eq!(s.complete(j2, "w3", &r, &p).unwrap(), None, "completed once");
    assert_eq!(assessments(&mut s), "1");
    assert!(s.give_up(j1, "w1", "refused", "127.0.0.1 is not in this bench's allow-list").unwrap());
    assert_eq!(s.job(j1).unwrap().unwrap().state, "refused");
    // A job that stops every worker that takes it is failed after MAX_ATTEMPTS.
    let j3 = s.queue(&req("127.0.0.3"), "ana").unwrap();
    for w in 0..iotvet_store::MAX_ATTEMPTS {
        assert_eq!(s.claim(&format!("dies-{w}"), 60).unwrap().map(|j| j.id), Some(j3));
        s.execute_raw(&format!("UPDATE jobs SET lease_until = 0 WHERE id = {j3}")).unwrap();
    }
    assert_eq!(s.claim("w4", 60).unwrap(), None);
    assert_eq!(s.job(j3).unwrap().unwrap().state, "failed");
    // Four workers on their own connections at once: forty jobs, each taken once.
    let queued: Vec<i64> = (0..40).map(|i| s.queue(&req(&format!("127.0.1.{i}")), "ana").unwrap()).collect();
    let taken: Vec<i64> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..4)
            .map(|w| {
                scope.spawn(move || {
                    let mut mine = Store::open(Some(url)).unwrap();
                    let mut got = Vec::new();
                    while let Some(j) = mine.claim(&format!("bench-{w}"), 60).unwrap() {
                        got.push(j.id);
                    }
                    got
                })
            })
            .collect();
        workers.into_iter().flat_map(|w| w.join().unwrap()).collect()
    });
    let mut sorted = taken.clone();
    sorted.sort();
    assert_eq!(sorted, queued, "every job taken exactly once");
}

struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn temp(name: &str) -> TempDir {
    let dir = std::env::temp_dir().join(format!("iotvet-store-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    TempDir(dir)
}

#[test]
fn the_register_on_sqlite() {
    let dir = temp("sqlite");
    let root = dir.0.clone();
    suite(&move |name| root.join(format!("{name}.sqlite")).display().to_string());
}

/// A PostgreSQL cluster of the test's own, on a Unix socket in a temporary folder.
struct Postgres {
    child: Child,
    dir: TempDir,
    port: u16,
}

impl Drop for Postgres {
    fn drop(&mut self) {
        // SIGINT: PostgreSQL's fast shutdown (its helper processes go with it); SIGKILL after 10 s.
        let _ = Command::new("kill").args(["-INT", &self.child.id().to_string()]).status();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while matches!(self.child.try_wait(), Ok(None)) && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn postgres_bin(tool: &str) -> Option<PathBuf> {
    let mut versions: Vec<PathBuf> =
        std::fs::read_dir("/usr/lib/postgresql").ok()?.flatten().map(|e| e.path()).collect();
    versions.sort();
    versions.into_iter().rev().map(|v| v.join("bin").join(tool)).find(|p| p.is_file())
}

impl Postgres {
    fn start() -> Option<Postgres> {
        let (Some(initdb), Some(server)) = (postgres_bin("initdb"), postgres_bin("postgres")) else {
            assert!(std::env::var_os("CI").is_none(), "PostgreSQL is not installed; scripts/test installs it in CI");
            eprintln!("SKIPPED: PostgreSQL is not installed (apt-get install postgresql)");
            return None;
        };
        let dir = temp("pg");
        // initdb and postgres refuse to run as root: as root, they run as the postgres user.
        let root = Command::new("id").arg("-u").output().map(|o| o.stdout == b"0\n").unwrap_or(false);
        let owner = root.then(|| {
            let id = |flag: &str| {
                let out = Command::new("id").args([flag, "postgres"]).output().unwrap();
                String::from_utf8_lossy(&out.stdout)
                    .trim()
                    .parse::<u32>()
                    .expect("a postgres user (the package makes it)")
            };
            (id("-u"), id("-g"))
        });
        let as_owner = |program: &PathBuf| {
            use std::os::unix::process::CommandExt as _;
            let mut c = Command::new(program);
            if let Some((uid, gid)) = owner {
                c.uid(uid).gid(gid);
            }
            c
        };
        if root {
            assert!(Command::new("chown").args(["postgres"]).arg(&dir.0).status().unwrap().success());
        }
        let data = dir.0.join("data");
        let made = as_owner(&initdb)
            .arg("-D")
            .arg(&data)
            .args(["-A", "trust", "-U", "iotvet", "--no-sync", "-E", "UTF8"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert!(made.success(), "initdb failed");
        // A port number names the socket file; no TCP listener is opened (listen_addresses '').
        let port = 40_000 + (std::process::id() % 20_000) as u16;
        let child = as_owner(&server)
            .arg("-D")
            .arg(&data)
            .arg("-k")
            .arg(&dir.0)
            .args(["-c", "listen_addresses=", "-c", "fsync=off", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let socket = dir.0.join(format!(".s.PGSQL.{port}"));
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        let pg = Postgres { child, dir, port };
        while !socket.exists() {
            assert!(std::time::Instant::now() < deadline, "PostgreSQL did not start");
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        Some(pg)
    }

    fn url(&self, dbname: &str) -> String {
        format!("host={} port={} user=iotvet dbname={dbname}", self.dir.0.display(), self.port)
    }
}

#[test]
fn the_register_on_postgresql() {
    let Some(pg) = Postgres::start() else { return };
    // Each fresh register is a database of its own in the cluster.
    let admin = pg.url("postgres");
    let fresh = move |name: &str| {
        let mut c = loop {
            match postgres::Client::connect(&admin, postgres::NoTls) {
                Ok(c) => break c,
                Err(e) if e.to_string().contains("starting up") => {
                    std::thread::sleep(std::time::Duration::from_millis(100))
                }
                Err(e) => panic!("{e}"),
            }
        };
        c.batch_execute(&format!("CREATE DATABASE reg_{name}")).unwrap();
        admin.replace("dbname=postgres", &format!("dbname=reg_{name}"))
    };
    suite(&fresh);
}
