//! STARTTLS: the plaintext exchange that turns an FTP, SMTP, IMAP or POP3 connection into a TLS
//! one (RFC 4217 `AUTH TLS`, RFC 3207, RFC 3501 §6.2.1, RFC 2595 `STLS`). After `upgrade` the
//! next bytes on the stream are the ClientHello, so the TLS scan runs through it unchanged.

use std::time::Duration;

use iotvet_core::case::Protocol;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// A protocol that can upgrade to TLS in-band.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartTls {
    Ftp,
    Smtp,
    Imap,
    Pop3,
}

/// Each server reply is read up to this many bytes.
const REPLY_CAP: usize = 16 * 1024;

impl StartTls {
    pub fn for_protocol(p: Protocol) -> Option<Self> {
        match p {
            Protocol::Ftp => Some(Self::Ftp),
            Protocol::Smtp => Some(Self::Smtp),
            Protocol::Imap => Some(Self::Imap),
            Protocol::Pop3 => Some(Self::Pop3),
            _ => None,
        }
    }

    /// `ftp`, `smtp`, `imap`, `pop3`, as testssl.sh's `--starttls` takes them.
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "ftp" => Some(Self::Ftp),
            "smtp" => Some(Self::Smtp),
            "imap" => Some(Self::Imap),
            "pop3" => Some(Self::Pop3),
            _ => None,
        }
    }

    /// The command that asks for TLS, as people name it.
    pub fn command(self) -> &'static str {
        match self {
            Self::Ftp => "AUTH TLS",
            Self::Smtp => "STARTTLS",
            Self::Imap => "STARTTLS",
            Self::Pop3 => "STLS",
        }
    }

    /// Reads the greeting, asks for TLS and reads the server's consent. Err says what the
    /// server answered instead (or that it fell silent within `timeout`).
    pub async fn upgrade<S: AsyncRead + AsyncWrite + Unpin>(self, s: &mut S, timeout: Duration) -> Result<(), String> {
        let exchange = async {
            let greeting = reply(s, self, None).await?;
            let ok = |line: &str| match self {
                Self::Ftp | Self::Smtp => line.starts_with('2'),
                Self::Imap => line.starts_with("* OK") || line.starts_with("* PREAUTH"),
                Self::Pop3 => line.starts_with("+OK"),
            };
            if !ok(&greeting) {
                return Err(format!("greeting \"{}\"", excerpt(&greeting)));
            }
            if self == Self::Smtp {
                write(s, b"EHLO iotvet.invalid\r\n").await?;
                reply(s, self, None).await?;
            }
            let (command, tag): (&[u8], Option<&str>) = match self {
                Self::Ftp => (b"AUTH TLS\r\n", None),
                Self::Smtp => (b"STARTTLS\r\n", None),
                Self::Imap => (b"a1 STARTTLS\r\n", Some("a1 ")),
                Self::Pop3 => (b"STLS\r\n", None),
            };
            write(s, command).await?;
            let answer = reply(s, self, tag).await?;
            let consent = match self {
                Self::Ftp => answer.starts_with("234"),
                Self::Smtp => answer.starts_with("220"),
                Self::Imap => answer.starts_with("a1 OK"),
                Self::Pop3 => answer.starts_with("+OK"),
            };
            if consent {
                Ok(())
            } else {
                Err(format!("{} refused: \"{}\"", self.command(), excerpt(&answer)))
            }
        };
        tokio::time::timeout(timeout, exchange).await.map_err(|_| format!("{} timed out", self.command()))?
    }
}

async fn write<S: AsyncWrite + Unpin>(s: &mut S, bytes: &[u8]) -> Result<(), String> {
    s.write_all(bytes).await.map_err(|e| e.to_string())
}

/// Reads one reply and returns its last line: FTP and SMTP replies end with a line `NNN text`
/// (continuations are `NNN-text`); an IMAP tagged reply starts with `tag`; otherwise the first
/// line. Reads byte by byte so that nothing after the reply (the TLS handshake) is consumed.
async fn reply<S: AsyncRead + Unpin>(s: &mut S, proto: StartTls, tag: Option<&str>) -> Result<String, String> {
    let mut line = Vec::new();
    let mut total = 0;
    let mut byte = [0u8; 1];
    loop {
        let n = s.read(&mut byte).await.map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("connection closed".into());
        }
        total += 1;
        if total > REPLY_CAP {
            return Err(format!("reply longer than {REPLY_CAP} bytes"));
        }
        if byte[0] != b'\n' {
            line.push(byte[0]);
            continue;
        }
        let text = String::from_utf8_lossy(&line).trim_end().to_owned();
        line.clear();
        let last = match (proto, tag) {
            (_, Some(tag)) => text.starts_with(tag),
            (StartTls::Ftp | StartTls::Smtp, None) => iotvet_wire::greeting::is_last_reply_line(&text),
            _ => true,
        };
        if last {
            return Ok(text);
        }
    }
}

fn excerpt(s: &str) -> String {
    s.chars().take(100).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn run(proto: StartTls, script: &'static [u8]) -> (Result<(), String>, Vec<u8>) {
        let (mut client, mut server) = tokio::io::duplex(4096);
        let server = tokio::spawn(async move {
            server.write_all(script).await.unwrap();
            let mut got = vec![0u8; 256];
            let n =
                tokio::time::timeout(Duration::from_millis(200), server.read(&mut got)).await.ok().and_then(|r| r.ok());
            got.truncate(n.unwrap_or(0));
            (server, got)
        });
        let r = proto.upgrade(&mut client, Duration::from_secs(1)).await;
        let (_server, got) = server.await.unwrap();
        (r, got)
    }

    #[tokio::test]
    async fn ftp_multiline_greeting_then_234() {
        let (r, _) = run(StartTls::Ftp, b"220-Welcome\r\n220 ready\r\n234 Proceed with negotiation.\r\n").await;
        assert_eq!(r, Ok(()));
    }

    #[tokio::test]
    async fn refusals_and_garbage_are_errors() {
        let (r, _) = run(StartTls::Ftp, b"220 ready\r\n530 Please login with USER and PASS.\r\n").await;
        assert!(r.unwrap_err().contains("AUTH TLS refused"));
        let (r, _) = run(StartTls::Pop3, b"-ERR go away\r\n").await;
        assert!(r.unwrap_err().contains("greeting"));
        let (r, _) = run(StartTls::Imap, b"* OK ready\r\n").await;
        assert!(r.is_err(), "no answer to STARTTLS: timeout or close");
    }
}
