//! Processes killed while they work. Test benches taking the register's jobs: two workers on
//! one register and a lab of their own; one is killed mid-job, and its job is taken again by
//! the other once its lease runs out. Every job ends once: done with one assessment, or refused
//! when its target is outside the bench's allow-list (nothing probed). And the register's
//! server killed while uploads arrive: every upload it acknowledged is there afterwards.

mod common;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use iotvet_store::{JobRequest, Store};

struct Kill(Child);

impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(args: &[&str]) -> Kill {
    Kill(
        Command::new(env!("CARGO_BIN_EXE_iotvet"))
            .args(args)
            .env("XDG_DATA_HOME", std::env::temp_dir().join("iotvet-tests-no-user-data"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    )
}

fn wait_for(what: &str, timeout: Duration, mut ready: impl FnMut() -> bool) {
    let started = Instant::now();
    while !ready() {
        assert!(started.elapsed() < timeout, "waited {timeout:?} for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn two_benches_share_the_jobs_and_a_killed_workers_job_is_done_once_by_the_other() {
    let dir = TempDir::new("workers");
    let db = dir.join("register.sqlite");
    let db = db.to_str().unwrap().to_owned();
    let mut store = Store::open(Some(&db)).unwrap();
    // The lab on a /24 of its own.
    let _lab = start(&["lab", "--lab-net", "127.77.7.0"]);
    wait_for("the lab", Duration::from_secs(30), || std::net::TcpStream::connect("127.77.7.30:2222").is_ok());
    let job = |target: &str, ports: &str, model: &str| JobRequest {
        target: target.into(),
        ports: ports.into(),
        udp_ports: "none".into(),
        vendor: "Lab".into(),
        model: model.into(),
    };
    let jobs = [
        store.queue(&job("127.77.7.30", "2222,8080,8443,8883", "hub"), "ana").unwrap(),
        store.queue(&job("127.77.7.10", "2323,8080,8554", "camera"), "ana").unwrap(),
        store.queue(&job("127.77.7.20", "1883,8080", "plug"), "ana").unwrap(),
        // Outside the benches' allow-list: refused, never probed.
        store.queue(&job("127.0.0.1", "22", "elsewhere"), "ana").unwrap(),
    ];
    let worker = |name: &str| {
        start(&["worker", "--database", &db, "--allow", "127.77.7.0/24", "--name", name, "--lease", "3", "--poll", "1"])
    };
    let first = worker("bench-a");
    // bench-a is killed while it works on its first job.
    let mut taken = None;
    wait_for("bench-a to take a job", Duration::from_secs(30), || {
        taken = store.jobs(10).unwrap().into_iter().find(|j| j.state == "running" && j.worker == "bench-a");
        taken.is_some()
    });
    drop(first);
    let killed = taken.unwrap().id;
    let _second = worker("bench-b");
    wait_for("every job to end", Duration::from_secs(240), || {
        store.jobs(10).unwrap().iter().all(|j| matches!(j.state.as_str(), "done" | "refused" | "failed"))
    });
    let all = store.jobs(10).unwrap();
    let by_id = |id: i64| all.iter().find(|j| j.id == id).unwrap();
    for id in &jobs[..3] {
        let j = by_id(*id);
        assert_eq!((j.state.as_str(), j.note.as_str()), ("done", ""), "{j:?}");
        assert!(j.assessment_id.is_some(), "{j:?}");
    }
    let k = by_id(killed);
    assert_eq!((k.worker.as_str(), k.attempts), ("bench-b", 2), "taken again after bench-a's lease ran out: {k:?}");
    let refused = by_id(jobs[3]);
    assert_eq!(refused.state, "refused", "{refused:?}");
    assert!(refused.note.contains("not in this bench's allow-list"), "{refused:?}");
    // Once each: three assessments, one per job, of three products.
    let mut ids: Vec<i64> = all.iter().filter_map(|j| j.assessment_id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 3);
    assert_eq!(store.raw_text("SELECT COUNT(*) FROM assessments"), "3");
    let products: Vec<String> = store.products().unwrap().into_iter().map(|p| p.model).collect();
    assert_eq!(products, ["camera", "hub", "plug"]);
    // The camera, with its default telnet login, fails.
    let camera = store.products().unwrap().into_iter().find(|p| p.model == "camera").unwrap();
    assert_eq!(camera.overall, "fails");
}

/// One HTTP/1.1 exchange on loopback: the status and the body (empty when the server is gone).
fn exchange(port: u16, request: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let Ok(mut c) = std::net::TcpStream::connect(("127.0.0.1", port)) else { return (0, String::new()) };
    let _ = c.set_read_timeout(Some(Duration::from_secs(10)));
    if c.write_all(request.as_bytes()).is_err() {
        return (0, String::new());
    }
    let mut reply = String::new();
    let _ = c.read_to_string(&mut reply);
    let status = reply.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    (status, reply.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default())
}

#[test]
fn the_server_killed_during_uploads_loses_none_it_acknowledged() {
    let dir = TempDir::new("serve-killed");
    let db = dir.join("register.sqlite");
    let db = db.to_str().unwrap().to_owned();
    let token = {
        let mut s = Store::open(Some(&db)).unwrap();
        s.add_user("ci", "the build server's password", iotvet_store::Role::Analyst).unwrap();
        s.new_api_token("ci", "builds").unwrap()
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let listen = format!("127.0.0.1:{port}");
    let serve = || start(&["serve", "--database", &db, "--listen", &listen]);
    let server = serve();
    wait_for("the server", Duration::from_secs(30), || std::net::TcpStream::connect(("127.0.0.1", port)).is_ok());
    // Uploads one after another until the server is gone: (build, assessment) acknowledged.
    let acknowledged = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let uploader = {
        let (acknowledged, token) = (acknowledged.clone(), token.clone());
        std::thread::spawn(move || {
            for build in 0.. {
                let case = serde_json::json!({
                    "target": {"name": format!("build-{build}"), "address": "127.0.0.1"},
                    "created_at": format!("2026-11-26T10:{:02}:{:02}Z", build / 60 % 60, build % 60),
                })
                .to_string();
                let (status, body) = exchange(
                    port,
                    &format!(
                        "POST /api/assessments?vendor=Lab&model=Cam HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\
                         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{case}",
                        case.len()
                    ),
                );
                if status == 0 {
                    return build;
                }
                assert_eq!(status, 201, "{body}");
                let stored: serde_json::Value = serde_json::from_str(&body).unwrap();
                acknowledged.lock().unwrap().push((build, stored["assessment_id"].as_i64().unwrap()));
            }
            unreachable!()
        })
    };
    wait_for("20 uploads", Duration::from_secs(60), || acknowledged.lock().unwrap().len() >= 20);
    // One more upload half sent as the server is killed.
    let mut half = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    std::io::Write::write_all(
        &mut half,
        format!(
            "POST /api/assessments?vendor=Lab&model=Half HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nContent-Length: 1000\r\n\r\n{{\"target\":"
        )
        .as_bytes(),
    )
    .unwrap();
    drop(server);
    let tried = uploader.join().unwrap();
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(acknowledged.len() >= 20 && tried >= acknowledged.len(), "{tried} tried");
    // Every acknowledged upload is there, whole; the half one is not; the server starts again.
    let mut s = Store::open(Some(&db)).unwrap();
    for (build, id) in &acknowledged {
        let report = s.report(*id).unwrap().unwrap_or_else(|| panic!("build {build}: assessment {id} lost"));
        assert_eq!(report.case.target.name, format!("build-{build}"));
    }
    assert!(s.products().unwrap().iter().all(|p| p.model != "Half"), "nothing of the half upload");
    let _again = serve();
    let (_, last) = acknowledged.last().unwrap();
    wait_for("the server again", Duration::from_secs(30), || {
        exchange(
            port,
            &format!("GET /api/assessments/{last} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"),
        )
        .0 == 200
    });
}
