//! Logins of the mail protocols a device may run (a camera's or NAS's mail relay, a hub's
//! IMAP store): IMAP `LOGIN` (RFC 9051 §6.2.3), POP3 `USER`/`PASS` (RFC 1939 §7), SMTP
//! `AUTH PLAIN` (RFC 4954, RFC 4616) or `AUTH LOGIN`. When the service offers STARTTLS the login
//! goes through it: servers commonly refuse logins in clear (dovecot's
//! `disable_plaintext_auth`), and the question here is the password, not the channel.
//!
//! Success is the protocol's own unambiguous answer: IMAP tagged `OK`, POP3 `+OK` to `PASS`,
//! SMTP `235`. A refusal is `NO`/`-ERR`/`535`; a refusal that says logins are not allowed at
//! all here (`PRIVACYREQUIRED`, "plaintext authentication disallowed", `538`) is inconclusive.

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::{Attempt, Ctx, Method, Pending, Precheck, Tester};
use crate::creds::Credential;
use crate::identify::BoxStream;
use iotvet_core::logins::LoginOutcome;
use iotvet_wire::greeting::{self, imap_quoted, is_last_reply_line as smtp_last, logins_disallowed};

/// The IMAP, POP3 and SMTP tester (which one: `Ctx::method`).
pub(super) struct Mail;

impl Tester for Mail {
    /// An SMTP server that offers no AUTH takes no password at all.
    fn precheck<'a>(&'a self, ctx: &'a Ctx) -> Pending<'a, Option<Precheck>> {
        Box::pin(async move {
            if ctx.method != Method::Smtp {
                return None;
            }
            (ctx.smtp_offers_auth().await == Some(false)).then(|| {
                (LoginOutcome::Rejected, "the server offers no AUTH PLAIN or LOGIN: no password can log in".into(), 0)
            })
        })
    }

    fn attempt<'a>(&'a self, ctx: &'a Ctx, cred: &'a Credential) -> Pending<'a, Attempt> {
        Box::pin(ctx.mail(cred))
    }
}

/// At most this many bytes of replies per login.
const REPLY_CAP: usize = 16 * 1024;

/// Why an attempt ended without an answer to decide on.
enum Miss {
    /// No answer to the credential within the deadline (a server slowing logins down).
    Stalled(String),
    Broken(String),
}

impl From<String> for Miss {
    fn from(why: String) -> Self {
        Self::Broken(why)
    }
}

/// Reads one reply before the credential is sent (greeting, EHLO, USER).
async fn reply(s: &mut BoxStream, ctx: &Ctx, last: impl Fn(&str) -> bool) -> Result<Vec<String>, Miss> {
    read_reply(s, ctx.timeout, last).await?.ok_or_else(|| Miss::Broken("no complete reply before the timeout".into()))
}

/// Reads the answer to (part of) a credential, with the patience the service has earned.
async fn answer(s: &mut BoxStream, ctx: &Ctx, to: &str, last: impl Fn(&str) -> bool) -> Result<Vec<String>, Miss> {
    let deadline = ctx.answer_timeout();
    read_reply(s, deadline, last)
        .await?
        .ok_or_else(|| Miss::Stalled(format!("no answer to {to} within {} ms", deadline.as_millis())))
}

/// Reads one reply: up to a line for which `last` says it ends the reply (multi-line replies
/// and IMAP untagged lines come first), within the cap; None when the deadline passed.
async fn read_reply(
    s: &mut BoxStream,
    deadline: std::time::Duration,
    last: impl Fn(&str) -> bool,
) -> Result<Option<Vec<String>>, String> {
    let read = async {
        let mut lines = Vec::new();
        let mut line = Vec::new();
        let mut total = 0usize;
        let mut buf = [0u8; 512];
        loop {
            let n = s.read(&mut buf).await.map_err(|e| e.to_string())?;
            if n == 0 {
                return Err(format!("connection closed ({})", lines.join(" | ")));
            }
            total += n;
            if total > REPLY_CAP {
                return Err(format!("reply longer than {REPLY_CAP} bytes"));
            }
            for b in buf.iter().take(n) {
                if *b != b'\n' {
                    line.push(*b);
                    continue;
                }
                let text = String::from_utf8_lossy(&line).trim_end().to_owned();
                line.clear();
                let done = last(&text);
                lines.push(text);
                if done {
                    return Ok(lines);
                }
            }
        }
    };
    tokio::time::timeout(deadline, read).await.map_or(Ok(None), |r| r.map(Some))
}

async fn send(s: &mut BoxStream, text: &str) -> Result<(), String> {
    s.write_all(text.as_bytes()).await.map_err(|e| format!("sending: {e}"))
}

fn smtp_code(lines: &[String]) -> u16 {
    lines.last().map_or(0, |l| greeting::line_code(l))
}

/// What one answer to a login command says: accepted, refused, or — when the server says it
/// takes no login here at all, or answers something else — undecided.
fn decide(command: &str, answer: &str, accepted: bool, refused: bool) -> Attempt {
    if accepted {
        Attempt::Accepted(format!("{command} answered \"{}\"", excerpt(answer)))
    } else if logins_disallowed(answer) {
        Attempt::Inconclusive(format!("{command} not possible here: \"{}\"", excerpt(answer)))
    } else if refused {
        Attempt::Rejected
    } else {
        Attempt::Inconclusive(format!("unrecognised answer to {command}: \"{}\"", excerpt(answer)))
    }
}

fn b64(s: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(s)
}

impl Ctx {
    /// Whether the SMTP server offers AUTH PLAIN or LOGIN at all; None when it could not be told.
    /// A server without AUTH takes no password, as an SSH server taking keys only.
    pub(super) async fn smtp_offers_auth(&self) -> Option<bool> {
        let mut s = self.stream().await.ok()?;
        if self.starttls.is_none() {
            reply(&mut s, self, smtp_last).await.ok()?;
        }
        send(&mut s, "EHLO iotvet.invalid\r\n").await.ok()?;
        let ehlo = reply(&mut s, self, smtp_last).await.ok()?;
        let _ = send(&mut s, "QUIT\r\n").await;
        Some(!smtp_auth_methods(&ehlo).is_empty())
    }

    pub(super) async fn mail(&self, cred: &Credential) -> Attempt {
        let mut s = match self.stream().await {
            Ok(s) => s,
            Err(a) => return a,
        };
        let r = match self.method {
            Method::Imap => self.imap(&mut s, cred).await,
            Method::Pop3 => self.pop3(&mut s, cred).await,
            _ => self.smtp(&mut s, cred).await,
        };
        r.unwrap_or_else(|miss| match miss {
            Miss::Stalled(why) => Attempt::Stalled(why),
            Miss::Broken(why) => Attempt::Inconclusive(why),
        })
    }

    async fn imap(&self, s: &mut BoxStream, cred: &Credential) -> Result<Attempt, Miss> {
        if self.starttls.is_none() {
            let greeting = reply(s, self, |_| true).await?;
            if greeting.first().is_some_and(|g| g.starts_with("* PREAUTH")) {
                return Ok(Attempt::Open("the IMAP greeting is PREAUTH: logged in without credentials".into()));
            }
        }
        let (Some(user), Some(pass)) = (imap_quoted(&cred.username), imap_quoted(&cred.password)) else {
            return Ok(Attempt::Inconclusive("credential cannot be sent as an IMAP string".into()));
        };
        send(s, &format!("a1 LOGIN {user} {pass}\r\n")).await?;
        let lines = answer(s, self, "LOGIN", |l| l.starts_with("a1 ")).await?;
        let last = lines.last().cloned().unwrap_or_default();
        let _ = send(s, "a2 LOGOUT\r\n").await;
        Ok(decide("IMAP LOGIN", &last, last.starts_with("a1 OK"), last.starts_with("a1 NO")))
    }

    async fn pop3(&self, s: &mut BoxStream, cred: &Credential) -> Result<Attempt, Miss> {
        if self.starttls.is_none() {
            reply(s, self, |_| true).await?;
        }
        if cred.username.contains(['\r', '\n']) || cred.password.contains(['\r', '\n']) {
            return Ok(Attempt::Inconclusive("credential holds a line break".into()));
        }
        send(s, &format!("USER {}\r\n", cred.username)).await?;
        let user = reply(s, self, |_| true).await?.concat();
        if !user.starts_with("+OK") {
            // An unknown user refused at USER is a refusal all the same.
            return Ok(decide("POP3 USER", &user, false, true));
        }
        send(s, &format!("PASS {}\r\n", cred.password)).await?;
        let pass = answer(s, self, "PASS", |_| true).await?.concat();
        let _ = send(s, "QUIT\r\n").await;
        Ok(decide("POP3 PASS", &pass, pass.starts_with("+OK"), pass.starts_with("-ERR")))
    }

    async fn smtp(&self, s: &mut BoxStream, cred: &Credential) -> Result<Attempt, Miss> {
        if self.starttls.is_none() {
            reply(s, self, smtp_last).await?;
        }
        send(s, "EHLO iotvet.invalid\r\n").await?;
        let ehlo = reply(s, self, smtp_last).await?;
        let auth = smtp_auth_methods(&ehlo);
        let answer = if auth.iter().any(|m| m == "PLAIN") {
            send(s, &format!("AUTH PLAIN {}\r\n", b64(&format!("\0{}\0{}", cred.username, cred.password)))).await?;
            answer(s, self, "AUTH PLAIN", smtp_last).await?
        } else if auth.iter().any(|m| m == "LOGIN") {
            send(s, "AUTH LOGIN\r\n").await?;
            let mut r = reply(s, self, smtp_last).await?;
            for field in [&cred.username, &cred.password] {
                if smtp_code(&r) != 334 {
                    break;
                }
                send(s, &format!("{}\r\n", b64(field))).await?;
                r = answer(s, self, "AUTH LOGIN", smtp_last).await?;
            }
            r
        } else {
            return Ok(Attempt::Inconclusive(format!(
                "the server offers no AUTH PLAIN or LOGIN (EHLO: {})",
                excerpt(&ehlo.join(" | "))
            )));
        };
        let _ = send(s, "QUIT\r\n").await;
        let last = answer.last().cloned().unwrap_or_default();
        Ok(match smtp_code(&answer) {
            235 => Attempt::Accepted(format!("SMTP AUTH answered \"{}\"", excerpt(&last))),
            535 | 534 => Attempt::Rejected,
            421 | 454 => Attempt::Lockout(format!("SMTP \"{}\"", excerpt(&last))),
            _ => Attempt::Inconclusive(format!("unrecognised answer to AUTH: \"{}\"", excerpt(&last))),
        })
    }
}

/// The AUTH mechanisms an EHLO reply offers that iotvet can use (PLAIN, LOGIN).
fn smtp_auth_methods(ehlo: &[String]) -> Vec<String> {
    greeting::smtp_auth_mechanisms(ehlo).into_iter().filter(|m| m == "PLAIN" || m == "LOGIN").collect()
}

fn excerpt(s: &str) -> String {
    s.chars().take(100).map(|c| if c.is_control() { ' ' } else { c }).collect()
}
