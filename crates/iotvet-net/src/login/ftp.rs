//! FTP logins: 230 is a login, 530/430 a refusal, 421 a lockout; anonymous FTP is tried first.

use tokio::io::AsyncWriteExt;

use super::{Attempt, Ctx, Pending, Precheck, Tester};
use crate::creds::Credential;
use iotvet_wire::greeting::{reply_code as ftp_code, reply_complete as ftp_reply_complete};

/// The FTP tester.
pub(super) struct Ftp;

impl Tester for Ftp {
    /// Anonymous FTP: open to anyone.
    fn precheck<'a>(&'a self, ctx: &'a Ctx) -> Pending<'a, Option<Precheck>> {
        Box::pin(async move {
            let anonymous = Credential {
                username: "anonymous".into(),
                password: "iotvet@example.invalid".into(),
                entry: String::new(),
            };
            match ctx.ftp(&anonymous).await {
                Attempt::Accepted(_) => Some(super::open("anonymous FTP login accepted")),
                _ => None,
            }
        })
    }

    fn attempt<'a>(&'a self, ctx: &'a Ctx, cred: &'a Credential) -> Pending<'a, Attempt> {
        Box::pin(ctx.ftp(cred))
    }
}

impl Ctx {
    pub(super) async fn ftp(&self, cred: &Credential) -> Attempt {
        let mut s = match self.stream().await {
            Ok(s) => s,
            Err(a) => return a,
        };
        let line_done = |b: &[u8]| ftp_reply_complete(b);
        let greeting = self.read(&mut s, line_done).await;
        match ftp_code(&greeting) {
            Some(220) => {}
            Some(421) => return Attempt::Lockout("421 at connect".into()),
            _ => {
                return Attempt::Inconclusive(format!(
                    "no FTP greeting ({})",
                    crate::bytes::escape_excerpt(&greeting, 60)
                ))
            }
        }
        if s.write_all(format!("USER {}\r\n", cred.username).as_bytes()).await.is_err() {
            return Attempt::Inconclusive("connection dropped after USER".into());
        }
        match ftp_code(&self.read(&mut s, line_done).await) {
            Some(230) => return Attempt::Accepted("230 after USER alone".into()),
            Some(331) | Some(332) => {}
            Some(421) => return Attempt::Lockout("421 after USER".into()),
            Some(530) => return Attempt::Rejected,
            other => return Attempt::Inconclusive(format!("unexpected reply to USER: {other:?}")),
        }
        if s.write_all(format!("PASS {}\r\n", cred.password).as_bytes()).await.is_err() {
            return Attempt::Inconclusive("connection dropped after PASS".into());
        }
        let reply = self.read(&mut s, line_done).await;
        let _ = s.write_all(b"QUIT\r\n").await;
        match ftp_code(&reply) {
            Some(230) => Attempt::Accepted(format!("FTP {}", crate::bytes::escape_excerpt(reply.trim_ascii_end(), 80))),
            Some(530) | Some(430) => Attempt::Rejected,
            Some(421) => Attempt::Lockout("421 after PASS".into()),
            other => Attempt::Inconclusive(format!("unexpected reply to PASS: {other:?}")),
        }
    }
}
