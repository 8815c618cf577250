//! The lab's legacy-TLS device: a TLS stack no Rust library will serve (TLS 1.0 and 1.1, NULL
//! and anonymous suites, a 1024-bit DH prime, an expired self-signed RSA-1024 certificate), so
//! it is `openssl s_server` at security level 0, started as a child process on the device's
//! address. Debian 12's OpenSSL has no 3DES or RC4 at any level and no TLS compression; NULL
//! and anonymous suites are its weakest. The certificate, key and DH prime are checked in
//! (`data/`), written to a private temporary folder for s_server and removed with it.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use tokio::process::{Child, Command};

const CERT: &str = include_str!("../data/legacy-nvr.crt");
const KEY: &str = include_str!("../data/legacy-nvr.key");
const DH: &str = include_str!("../data/legacy-nvr-dh1024.pem");

/// The running s_server; killed and its files removed when dropped.
pub struct LegacyTls {
    _child: Child,
    dir: PathBuf,
}

impl Drop for LegacyTls {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Starts s_server on `addr` and waits until it accepts connections.
pub async fn start(addr: SocketAddr) -> Result<LegacyTls, String> {
    let dir = std::env::temp_dir().join(format!("iotvet-lab-legacy-{}-{}", std::process::id(), addr.port()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for (name, text) in [("cert.pem", CERT), ("key.pem", KEY), ("dh.pem", DH)] {
        std::fs::write(dir.join(name), text).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let child = Command::new("openssl")
        .arg("s_server")
        .arg("-accept")
        .arg(addr.to_string())
        .arg("-cert")
        .arg(dir.join("cert.pem"))
        .arg("-key")
        .arg(dir.join("key.pem"))
        .arg("-dhparam")
        .arg(dir.join("dh.pem"))
        .args(["-cipher", "ALL:COMPLEMENTOFALL:@SECLEVEL=0", "-min_protocol", "TLSv1", "-max_protocol", "TLSv1.2"])
        .args(["-www", "-quiet"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn();
    let server = match child {
        Ok(child) => LegacyTls { _child: child, dir },
        Err(e) => {
            let _ = std::fs::remove_dir_all(&dir);
            return Err(format!("cannot run `openssl s_server` ({e}); install the openssl package"));
        }
    };
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if tokio::net::TcpStream::connect(addr).await.is_ok() {
            return Ok(server);
        }
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    Err(format!("openssl s_server did not start listening on {addr} within 5 s"))
}
