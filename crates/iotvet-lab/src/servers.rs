//! The lab's protocol servers. Each connection has an overall time limit and every read a byte
//! cap, so a misbehaving client cannot pin the lab.

use std::net::IpAddr;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

use crate::devices::{ServiceKind, Vendor};

const CONNECTION_LIMIT: Duration = Duration::from_secs(60);
const READ_IDLE: Duration = Duration::from_secs(15);
const HEAD_CAP: usize = 16 * 1024;

pub async fn serve(listener: TcpListener, kind: ServiceKind, tls: Option<TlsAcceptor>, ip: IpAddr) {
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        let tls = tls.clone();
        tokio::spawn(async move {
            let _ = tcp.set_nodelay(true);
            let work = async move {
                match tls {
                    Some(acceptor) => {
                        if let Ok(Ok(stream)) = tokio::time::timeout(READ_IDLE, acceptor.accept(tcp)).await {
                            handle(kind, stream, ip).await;
                        }
                    }
                    None => handle(kind, tcp, ip).await,
                }
            };
            let _ = tokio::time::timeout(CONNECTION_LIMIT, work).await;
        });
    }
}

async fn handle<S: AsyncRead + AsyncWrite + Unpin + Send>(kind: ServiceKind, mut s: S, ip: IpAddr) {
    let _ = match kind {
        ServiceKind::CameraTelnet => telnet(&mut s).await,
        ServiceKind::CameraRtsp => rtsp(&mut s, ip).await,
        ServiceKind::PlugMqtt => mqtt(&mut s, None).await,
        ServiceKind::HubMqtt => mqtt(&mut s, Some(("hub-client", "correct horse battery staple"))).await,
        ServiceKind::HubSsh | ServiceKind::LegacyTls => Ok(()), // served by ssh.rs, legacy.rs
        ServiceKind::CameraHttp
        | ServiceKind::PlugHttp
        | ServiceKind::HubWebUi
        | ServiceKind::HubRedirect
        | ServiceKind::SensorUpnpHttp => http(&mut s, kind, ip).await,
        ServiceKind::SensorCoap | ServiceKind::SensorSsdp | ServiceKind::SensorSnmp => Ok(()), // UDP: udp.rs
        ServiceKind::VendorSite(vendor) => vendor_site(&mut s, vendor, ip).await,
        ServiceKind::CloudHttp => crate::phonehome::cloud_http(&mut s).await,
        ServiceKind::CloudApi => crate::phonehome::cloud_api(&mut s).await,
        ServiceKind::CloudDns => Ok(()), // UDP: phonehome::dns
    };
    let _ = s.shutdown().await;
}

type Io = std::io::Result<()>;

fn eof() -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "peer closed or went idle")
}

async fn read_some<S: AsyncRead + Unpin>(s: &mut S, buf: &mut Vec<u8>) -> std::io::Result<usize> {
    let mut chunk = [0u8; 2048];
    let n = tokio::time::timeout(READ_IDLE, s.read(&mut chunk)).await.map_err(|_| eof())??;
    if n == 0 || buf.len() + n > HEAD_CAP {
        return Err(eof());
    }
    buf.extend_from_slice(&chunk[..n]);
    Ok(n)
}

/// Reads one request head (up to the blank line); leftover bytes stay in `buf`.
async fn read_head<S: AsyncRead + Unpin>(s: &mut S, buf: &mut Vec<u8>) -> std::io::Result<String> {
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).into_owned();
            buf.drain(..end + 4);
            return Ok(head);
        }
        read_some(s, buf).await?;
    }
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().skip(1).find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

/// `Authorization: Basic` carrying exactly `user:password` (compared encoded).
fn basic_auth_is(head: &str, user: &str, password: &str) -> bool {
    let want = base64(format!("{user}:{password}").as_bytes());
    header(head, "authorization")
        .and_then(|v| v.strip_prefix("Basic ").or_else(|| v.strip_prefix("basic ")))
        .is_some_and(|v| v.trim() == want)
}

fn base64(input: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(input)
}

const RTSP_REALM: &str = "IPCAM";

/// A fresh nonce for a Digest challenge.
fn nonce() -> String {
    use ring::rand::SecureRandom;
    let mut b = [0u8; 16];
    let _ = ring::rand::SystemRandom::new().fill(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn md5_hex(s: &str) -> String {
    use md5::Digest as _;
    md5::Md5::digest(s.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// `Authorization: Digest` (RFC 2617, MD5, no qop — as many cameras do it) for exactly
/// `user:password`. The lab does not track nonces: any nonce it could have issued is taken.
fn digest_auth_is(head: &str, method: &str, user: &str, password: &str) -> bool {
    let Some(v) = header(head, "authorization").and_then(|v| v.strip_prefix("Digest ")) else { return false };
    let field = |name: &str| {
        v.split(',').find_map(|p| {
            let (k, val) = p.trim().split_once('=')?;
            (k.trim() == name).then(|| val.trim().trim_matches('"').to_owned())
        })
    };
    let (Some(u), Some(nonce), Some(uri), Some(response)) =
        (field("username"), field("nonce"), field("uri"), field("response"))
    else {
        return false;
    };
    let ha1 = md5_hex(&format!("{u}:{RTSP_REALM}:{password}"));
    let ha2 = md5_hex(&format!("{method}:{uri}"));
    u == user && response == md5_hex(&format!("{ha1}:{nonce}:{ha2}"))
}

fn response(status: &str, headers: &[(&str, String)], body: &str) -> Vec<u8> {
    response_bytes(status, headers, body.as_bytes())
}

fn response_bytes(status: &str, headers: &[(&str, String)], body: &[u8]) -> Vec<u8> {
    let mut r = format!("HTTP/1.1 {status}\r\n");
    for (k, v) in headers {
        r.push_str(&format!("{k}: {v}\r\n"));
    }
    r.push_str(&format!("Content-Length: {}\r\nConnection: close\r\n\r\n", body.len()));
    let mut out = r.into_bytes();
    out.extend_from_slice(body);
    out
}

/// A vendor's web site: security.txt (rendered with its own origin and, for the good vendor,
/// an Expires half a year ahead), the privacy policy and the terms.
async fn vendor_site<S: AsyncRead + AsyncWrite + Unpin>(s: &mut S, vendor: Vendor, ip: IpAddr) -> Io {
    let mut buf = Vec::new();
    let head = read_head(s, &mut buf).await?;
    let path = head.split_whitespace().nth(1).unwrap_or("/");
    let origin = format!("https://{ip}:8443");
    let expires = humantime::format_rfc3339_seconds(std::time::SystemTime::now() + Duration::from_secs(182 * 86400));
    let render = |t: &str| {
        t.replace("{origin}", &origin).replace("{host}", &ip.to_string()).replace("{expires}", &expires.to_string())
    };
    let text = ("Content-Type", "text/plain; charset=utf-8".to_owned());
    let html = ("Content-Type", "text/html; charset=utf-8".to_owned());
    let reply = match (vendor, path) {
        (Vendor::Good, "/.well-known/security.txt") => {
            response("200 OK", &[text], &render(include_str!("../vendors/good/security.txt")))
        }
        (Vendor::Good, "/privacy") => response("200 OK", &[html], include_str!("../vendors/good/privacy.html")),
        (Vendor::Good, "/terms") => response("200 OK", &[html], include_str!("../vendors/good/terms.html")),
        (Vendor::Good, p) if p.starts_with("/security/") => response(
            "200 OK",
            &[html],
            "<html><body><p>Report flaws to security@brightnest.example. We reply within 3 days.</p></body></html>",
        ),
        (Vendor::Bad, "/.well-known/security.txt" | "/security.txt") => {
            response("200 OK", &[text], &render(include_str!("../vendors/bad/security.txt")))
        }
        (Vendor::Bad, "/privacy") => response_bytes(
            "200 OK",
            &[("Content-Type", "text/html; charset=iso-8859-1".to_owned())],
            include_bytes!("../vendors/bad/privacy.html"),
        ),
        _ => response("404 Not Found", &[html], "<html><body>Not found</body></html>"),
    };
    s.write_all(&reply).await
}

/// The request body after `head`: Content-Length bytes (at most 4 KiB), some already in `buf`.
async fn body<S: AsyncRead + Unpin>(s: &mut S, head: &str, buf: &mut Vec<u8>) -> std::io::Result<String> {
    let len = header(head, "content-length").and_then(|l| l.parse::<usize>().ok()).unwrap_or(0).min(4096);
    while buf.len() < len {
        read_some(s, buf).await?;
    }
    Ok(String::from_utf8_lossy(&buf[..len]).into_owned())
}

/// A field of an `application/x-www-form-urlencoded` body, decoded.
fn form_field(body: &str, name: &str) -> Option<String> {
    body.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == name).then(|| {
            let bytes = v.replace('+', " ").into_bytes();
            let mut out = Vec::new();
            let mut i = 0;
            while let Some(&b) = bytes.get(i) {
                let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
                match (b, hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
                    (b'%', Some(x)) => {
                        out.push(x);
                        i += 3;
                    }
                    _ => {
                        out.push(b);
                        i += 1;
                    }
                }
            }
            String::from_utf8_lossy(&out).into_owned()
        })
    })
}

async fn http<S: AsyncRead + AsyncWrite + Unpin>(s: &mut S, kind: ServiceKind, ip: IpAddr) -> Io {
    let mut buf = Vec::new();
    let head = read_head(s, &mut buf).await?;
    let path = head.split_whitespace().nth(1).unwrap_or("/");
    let html = ("Content-Type", "text/html; charset=utf-8".to_owned());
    let json = ("Content-Type", "application/json".to_owned());
    let reply = match kind {
        ServiceKind::CameraHttp => {
            let server = ("Server", "GoAhead-Webs".to_owned());
            if basic_auth_is(&head, "admin", "admin") {
                response("200 OK", &[server, html], "<html><head><title>IPCAM Admin</title></head><body><h1>Live view</h1><a href=\"/config\">Settings</a></body></html>")
            } else {
                response("401 Unauthorized", &[server, ("WWW-Authenticate", "Basic realm=\"IPCAM\"".into()), html], "<html><body>401 Unauthorized</body></html>")
            }
        }
        ServiceKind::PlugHttp => match path {
            "/" | "/api/status" => response("200 OK", &[json], "{\"model\":\"SP-10\",\"fw\":\"1.0.3\",\"relay\":\"on\",\"power_w\":42.5}"),
            _ => response("404 Not Found", &[json], "{\"error\":\"not found\"}"),
        },
        ServiceKind::HubRedirect => response("301 Moved Permanently", &[("Location", format!("https://{ip}:8443{path}"))], ""),
        ServiceKind::SensorUpnpHttp => response(
            "200 OK",
            &[("Content-Type", "text/xml".into()), ("Server", "Linux/3.10 UPnP/1.0 SensorOS/2.1.0".into())],
            "<?xml version=\"1.0\"?><root xmlns=\"urn:schemas-upnp-org:device-1-0\"><device><friendlyName>Sensor</friendlyName><modelName>ES-2</modelName><modelNumber>2.1.0</modelNumber><serviceList><service><serviceType>urn:Belkin:service:basicevent:1</serviceType><controlURL>/upnp/control/basicevent1</controlURL></service></serviceList></device></root>",
        ),
        // The hub ships with admin / admin, but signing in with it leads only to a page that
        // demands a new password (and every other page sends the user back there): the default
        // is reset at setup, as MS-3 asks.
        _ if head.starts_with("POST /login ") && form_field(&body(s, &head, &mut buf).await?, "password").as_deref() == Some("admin") => {
            let hsts = ("Strict-Transport-Security", "max-age=31536000".to_owned());
            response("303 See Other", &[hsts, ("Location", "/setup/new-password".into()), ("Set-Cookie", "hub=setup; HttpOnly; Secure".into())], "")
        }
        _ if path == "/setup/new-password" && header(&head, "cookie").is_some_and(|c| c.contains("hub=setup")) => response(
            "200 OK",
            &[("Strict-Transport-Security", "max-age=31536000".into()), html],
            "<html><head><title>Hub setup</title></head><body><h1>Choose a password</h1><p>The default password must be changed before the hub can be used. Enter a new password.</p><form method=\"post\" action=\"/setup/new-password\"><input type=\"password\" name=\"new\"><input type=\"password\" name=\"confirm\"><button>Save</button></form></body></html>",
        ),
        _ => response(
            "200 OK",
            &[("Strict-Transport-Security", "max-age=31536000".into()), html],
            "<html><head><title>Hub sign in</title></head><body><form method=\"post\" action=\"/login\"><input name=\"user\"><input type=\"password\" name=\"password\"><button>Sign in</button></form></body></html>",
        ),
    };
    s.write_all(&reply).await
}

async fn rtsp<S: AsyncRead + AsyncWrite + Unpin>(s: &mut S, ip: IpAddr) -> Io {
    let mut buf = Vec::new();
    loop {
        let head = read_head(s, &mut buf).await?;
        let mut words = head.split_whitespace();
        let (method, _uri, version) =
            (words.next().unwrap_or(""), words.next().unwrap_or(""), words.next().unwrap_or(""));
        let cseq = header(&head, "cseq").unwrap_or("0").to_owned();
        let reply = if version != "RTSP/1.0" {
            format!("RTSP/1.0 400 Bad Request\r\nCSeq: {cseq}\r\n\r\n")
        } else {
            match method {
                "OPTIONS" => format!("RTSP/1.0 200 OK\r\nCSeq: {cseq}\r\nServer: IPCAM RTSP 1.0\r\nPublic: OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN\r\n\r\n"),
                "DESCRIBE" if digest_auth_is(&head, "DESCRIBE", "admin", "admin") => {
                    let sdp = format!("v=0\r\no=- 1 1 IN IP4 {ip}\r\ns=IPCAM stream\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=control:track1\r\n");
                    format!("RTSP/1.0 200 OK\r\nCSeq: {cseq}\r\nContent-Type: application/sdp\r\nContent-Length: {}\r\n\r\n{sdp}", sdp.len())
                }
                "DESCRIBE" | "SETUP" | "PLAY" => format!(
                    "RTSP/1.0 401 Unauthorized\r\nCSeq: {cseq}\r\nWWW-Authenticate: Digest realm=\"{RTSP_REALM}\", nonce=\"{}\"\r\n\r\n",
                    nonce()
                ),
                "TEARDOWN" => format!("RTSP/1.0 200 OK\r\nCSeq: {cseq}\r\n\r\n"),
                _ => format!("RTSP/1.0 405 Method Not Allowed\r\nCSeq: {cseq}\r\n\r\n"),
            }
        };
        s.write_all(reply.as_bytes()).await?;
        if version != "RTSP/1.0" {
            return Ok(());
        }
    }
}

const IAC: u8 = 0xff;

/// Reads one line of user input, dropping telnet commands (IAC sequences).
async fn telnet_line<S: AsyncRead + Unpin>(s: &mut S, pending: &mut Vec<u8>) -> std::io::Result<String> {
    loop {
        let mut clean = Vec::new();
        let mut i = 0;
        while i < pending.len() {
            match pending[i] {
                IAC if pending.get(i + 1).is_some_and(|c| (0xfb..=0xfe).contains(c)) => i += 3,
                IAC => i += 2,
                b => {
                    clean.push(b);
                    i += 1;
                }
            }
        }
        if let Some(nl) = clean.iter().position(|b| *b == b'\n' || *b == b'\r') {
            let line = String::from_utf8_lossy(&clean[..nl]).trim().to_owned();
            let rest: Vec<u8> = clean[nl + 1..].iter().copied().skip_while(|b| *b == b'\n' || *b == 0).collect();
            *pending = rest;
            return Ok(line);
        }
        read_some(s, pending).await?;
    }
}

async fn telnet<S: AsyncRead + AsyncWrite + Unpin>(s: &mut S) -> Io {
    // DO ECHO, DO NAWS, WILL ECHO, WILL SUPPRESS-GO-AHEAD, as busybox telnetd opens.
    s.write_all(&[IAC, 0xfd, 0x01, IAC, 0xfd, 0x1f, IAC, 0xfb, 0x01, IAC, 0xfb, 0x03]).await?;
    let mut pending = Vec::new();
    for _ in 0..3 {
        s.write_all(b"\r\nIPCAM login: ").await?;
        let user = telnet_line(s, &mut pending).await?;
        s.write_all(b"Password: ").await?;
        let password = telnet_line(s, &mut pending).await?;
        if user == "root" && password == "xc3511" {
            s.write_all(b"\r\n\r\nBusyBox v1.19.4 (2016-03-09 11:24:40 CST) built-in shell (ash)\r\nEnter 'help' for a list of built-in commands.\r\n\r\n# ").await?;
            loop {
                let cmd = telnet_line(s, &mut pending).await?;
                if cmd == "exit" {
                    return Ok(());
                }
                s.write_all(b"\r\n# ").await?;
            }
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        s.write_all(b"\r\nLogin incorrect").await?;
    }
    Ok(())
}

/// Reads one MQTT control packet: (first byte, body).
async fn mqtt_packet<S: AsyncRead + Unpin>(s: &mut S, pending: &mut Vec<u8>) -> std::io::Result<(u8, Vec<u8>)> {
    loop {
        if let Some((header_len, body_len)) = mqtt_lengths(pending)? {
            if pending.len() >= header_len + body_len {
                let first = pending[0];
                let body = pending[header_len..header_len + body_len].to_vec();
                pending.drain(..header_len + body_len);
                return Ok((first, body));
            }
        }
        read_some(s, pending).await?;
    }
}

/// Fixed-header length and remaining length, once enough bytes are in.
fn mqtt_lengths(b: &[u8]) -> std::io::Result<Option<(usize, usize)>> {
    let mut len = 0usize;
    for i in 0..4 {
        let Some(&byte) = b.get(1 + i) else {
            return Ok(None);
        };
        len |= usize::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return Ok(Some((2 + i, len)));
        }
    }
    Err(std::io::Error::new(std::io::ErrorKind::InvalidData, "bad remaining length"))
}

fn mqtt_string(b: &[u8], at: usize) -> Option<(String, usize)> {
    let len = usize::from(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]));
    let s = b.get(at + 2..at + 2 + len)?;
    Some((String::from_utf8_lossy(s).into_owned(), at + 2 + len))
}

/// A small MQTT 3.1.1 broker: CONNECT/CONNACK, SUBSCRIBE/SUBACK, PINGREQ/PINGRESP, DISCONNECT.
/// With `credentials`, a CONNECT without exactly those is refused (return code 5).
async fn mqtt<S: AsyncRead + AsyncWrite + Unpin>(s: &mut S, credentials: Option<(&str, &str)>) -> Io {
    let mut pending = Vec::new();
    let (first, body) = mqtt_packet(s, &mut pending).await?;
    if first != 0x10 {
        return Ok(());
    }
    let bad = || std::io::Error::new(std::io::ErrorKind::InvalidData, "bad CONNECT");
    let (proto, at) = mqtt_string(&body, 0).ok_or_else(bad)?;
    let (level, flags) = (*body.get(at).ok_or_else(bad)?, *body.get(at + 1).ok_or_else(bad)?);
    if proto != "MQTT" || level != 4 {
        // Unacceptable protocol version.
        return s.write_all(&[0x20, 0x02, 0x00, 0x01]).await;
    }
    let (_client_id, mut at) = mqtt_string(&body, at + 4).ok_or_else(bad)?;
    if flags & 0x04 != 0 {
        let (_topic, next) = mqtt_string(&body, at).ok_or_else(bad)?;
        let (_msg, next) = mqtt_string(&body, next).ok_or_else(bad)?;
        at = next;
    }
    let user =
        if flags & 0x80 != 0 { mqtt_string(&body, at).map(|(u, n)| (Some(u), n)).ok_or_else(bad)? } else { (None, at) };
    let password = if flags & 0x40 != 0 { mqtt_string(&body, user.1).map(|(p, _)| p) } else { None };
    let allowed = match credentials {
        None => true,
        Some((u, p)) => user.0.as_deref() == Some(u) && password.as_deref() == Some(p),
    };
    s.write_all(&[0x20, 0x02, 0x00, if allowed { 0 } else { 5 }]).await?;
    if !allowed {
        return Ok(());
    }
    loop {
        let (first, body) = mqtt_packet(s, &mut pending).await?;
        match first >> 4 {
            8 => {
                // SUBSCRIBE: grant QoS 0 to each topic filter.
                let topics = body.len().saturating_sub(2).div_ceil(4).max(1);
                let mut ack = vec![0x90, (2 + topics) as u8, *body.first().unwrap_or(&0), *body.get(1).unwrap_or(&0)];
                ack.extend(std::iter::repeat_n(0u8, topics));
                s.write_all(&ack).await?;
            }
            12 => s.write_all(&[0xd0, 0x00]).await?,
            14 => return Ok(()),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_auth_is_checked_exactly() {
        let head = "GET / HTTP/1.1\r\nAuthorization: Basic YWRtaW46YWRtaW4=";
        assert!(basic_auth_is(head, "admin", "admin"));
        assert!(!basic_auth_is(head, "admin", "12345"));
        assert!(!basic_auth_is("GET / HTTP/1.1", "admin", "admin"));
    }

    #[test]
    fn mqtt_remaining_length_decodes() {
        assert_eq!(mqtt_lengths(&[0x10, 0x0c]).unwrap(), Some((2, 12)));
        assert_eq!(mqtt_lengths(&[0x10, 0xc1, 0x02]).unwrap(), Some((3, 321)));
        assert_eq!(mqtt_lengths(&[0x10]).unwrap(), None);
        assert!(mqtt_lengths(&[0x10, 0xff, 0xff, 0xff, 0xff]).is_err());
    }
}
