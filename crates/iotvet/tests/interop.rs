//! Interop: real servers from Debian packages, started here on loopback, must each be
//! identified as the right protocol with the right plaintext/encrypted status.
//! `.ci/run` (through scripts/test) installs the packages; when one is missing outside CI, its
//! test says SKIPPED and returns.

mod common;

use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

/// A server process, killed when the test ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The program, or None (and a SKIPPED line) when it is not installed outside CI.
fn need(program: &str) -> Option<String> {
    for dir in ["/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/local/bin"] {
        let p = Path::new(dir).join(program);
        if p.is_file() {
            return Some(p.to_string_lossy().into_owned());
        }
    }
    if std::env::var_os("CI").is_some() {
        panic!("{program} is not installed; scripts/test installs it (apt-get)");
    }
    eprintln!("SKIPPED: {program} is not installed (scripts/test installs it)");
    None
}

fn start(cmd: &mut Command, port: u16) -> Server {
    let child = cmd.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("start server");
    let server = Server(child);
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "server on port {port} did not start: {cmd:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
    server
}

/// Runs `iotvet scan` on the one port and returns (service name, encrypted) it reported.
fn identify(port: u16) -> (String, bool, serde_json::Value) {
    let o = iotvet(&["scan", "127.0.0.1", "--ports", &port.to_string(), "--format", "json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let s = v["hosts"][0]["network"]["services"][0].clone();
    assert!(!s.is_null(), "port {port} not found open:\n{}", stdout(&o));
    let protocol = s["protocol"].as_str().unwrap().to_owned();
    let tls = !s["tls"].is_null();
    let encrypted = tls || protocol == "ssh" || protocol == "tls";
    let name = match (protocol.as_str(), tls) {
        ("http", true) => "https".to_owned(),
        (p, true) => format!("{p}+tls"),
        (p, false) => p.to_owned(),
    };
    (name, encrypted, s)
}

#[test]
fn vsftpd_is_plaintext_ftp() {
    let Some(vsftpd) = need("vsftpd") else { return };
    let dir = TempDir::new("vsftpd");
    let empty = dir.join("empty");
    std::fs::create_dir(&empty).unwrap();
    let port = free_port();
    let conf = dir.join("vsftpd.conf");
    std::fs::write(
        &conf,
        format!(
            "listen=YES\nlisten_ipv6=NO\nlisten_address=127.0.0.1\nlisten_port={port}\nbackground=NO\nanonymous_enable=NO\nlocal_enable=YES\nseccomp_sandbox=NO\nsecure_chroot_dir={}\n",
            empty.display()
        ),
    )
    .unwrap();
    let _s = start(Command::new(vsftpd).arg(&conf), port);
    let (name, encrypted, s) = identify(port);
    assert_eq!((name.as_str(), encrypted), ("ftp", false), "{s}");
    assert!(s["identified_by"].as_str().unwrap().contains("vsFTPd"), "{s}");
}

#[test]
fn busybox_telnetd_is_plaintext_telnet() {
    let Some(busybox) = need("busybox") else {
        return;
    };
    let has_telnetd = Command::new(&busybox)
        .arg("--list")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).lines().any(|l| l == "telnetd"));
    if !has_telnetd.unwrap_or(false) {
        if std::env::var_os("CI").is_some() {
            panic!("{busybox} has no telnetd applet: install busybox-static");
        }
        eprintln!("SKIPPED: {busybox} has no telnetd applet (install busybox-static)");
        return;
    }
    let port = free_port();
    let _s = start(
        Command::new(&busybox).args(["telnetd", "-F", "-b", &format!("127.0.0.1:{port}"), "-l", "/bin/login"]),
        port,
    );
    let (name, encrypted, s) = identify(port);
    assert_eq!((name.as_str(), encrypted), ("telnet", false), "{s}");
    assert!(!s["telnet_options"].as_array().unwrap().is_empty(), "{s}");
}

#[test]
fn mosquitto_anonymous_is_plaintext_mqtt_and_lets_anyone_in() {
    let Some(mosquitto) = need("mosquitto") else {
        return;
    };
    let dir = TempDir::new("mosquitto");
    let port = free_port();
    let conf = dir.join("mosquitto.conf");
    std::fs::write(&conf, format!("listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n")).unwrap();
    let _s = start(Command::new(mosquitto).arg("-c").arg(&conf), port);
    let (name, encrypted, s) = identify(port);
    assert_eq!((name.as_str(), encrypted), ("mqtt", false), "{s}");
    assert_eq!(s["mqtt"]["return_code"], 0, "{s}");
}

#[test]
fn mosquitto_with_a_password_file_refuses_anonymous_clients() {
    let Some(mosquitto) = need("mosquitto") else {
        return;
    };
    let dir = TempDir::new("mosquitto-auth");
    let port = free_port();
    let conf = dir.join("mosquitto.conf");
    std::fs::write(&conf, format!("listener {port} 127.0.0.1\nallow_anonymous false\npersistence false\n")).unwrap();
    let _s = start(Command::new(mosquitto).arg("-c").arg(&conf), port);
    let (name, _, s) = identify(port);
    assert_eq!(name, "mqtt", "{s}");
    assert_eq!(s["mqtt"]["return_code"], 5, "{s}");
}

#[test]
fn dropbear_is_ssh() {
    let Some(dropbear) = need("dropbear") else {
        return;
    };
    let Some(keygen) = need("dropbearkey") else {
        return;
    };
    let dir = TempDir::new("dropbear");
    let key = dir.join("host_key");
    let made = Command::new(keygen)
        .args(["-t", "ed25519", "-f"])
        .arg(&key)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(made.success());
    let port = free_port();
    let _s = start(
        Command::new(dropbear).args(["-F", "-E", "-s", "-r"]).arg(&key).args(["-p", &format!("127.0.0.1:{port}")]),
        port,
    );
    let (name, encrypted, s) = identify(port);
    assert_eq!((name.as_str(), encrypted), ("ssh", true), "{s}");
    assert!(s["identified_by"].as_str().unwrap().contains("dropbear"), "{s}");
}

#[test]
fn openssl_s_server_is_https() {
    let Some(openssl) = need("openssl") else {
        return;
    };
    let dir = TempDir::new("openssl");
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let made = Command::new(&openssl)
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-keyout",
        ])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(made.success());
    let port = free_port();
    let _s = start(
        Command::new(&openssl)
            .args(["s_server", "-accept", &format!("127.0.0.1:{port}"), "-www", "-quiet", "-cert"])
            .arg(&cert)
            .arg("-key")
            .arg(&key),
        port,
    );
    let (name, encrypted, s) = identify(port);
    assert_eq!((name.as_str(), encrypted), ("https", true), "{s}");
    assert!(s["tls"]["version"].as_str().unwrap().starts_with("TLSv1."), "{s}");
}
