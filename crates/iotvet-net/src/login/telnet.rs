//! Telnet logins: a shell prompt after the password (and no "incorrect" or "login:" again)
//! is a login; a login prompt again without a password asked is undecided; a demand for a new
//! password right after the default is "change forced".

use tokio::io::AsyncWriteExt;

use super::{demands_new_password, tail, Attempt, Ctx, Pending, Precheck, Tester};
use crate::bytes::find_ci;
use crate::creds::Credential;
use crate::identify::BoxStream;
use iotvet_wire::telnet::{prompt_kind, text as telnet_text, Prompt};

/// The telnet tester.
pub(super) struct Telnet;

impl Tester for Telnet {
    /// A shell prompt before any login: open to anyone.
    fn precheck<'a>(&'a self, ctx: &'a Ctx) -> Pending<'a, Option<Precheck>> {
        Box::pin(async move {
            let mut s = ctx.stream().await.ok()?;
            let text = telnet_text(&ctx.read(&mut s, |b| prompt_kind(&telnet_text(b)).is_some()).await);
            (prompt_kind(&text) == Some(Prompt::Shell))
                .then(|| super::open(&format!("a shell prompt without any login: {}", tail(&text))))
        })
    }

    fn attempt<'a>(&'a self, ctx: &'a Ctx, cred: &'a Credential) -> Pending<'a, Attempt> {
        Box::pin(ctx.telnet(cred))
    }
}

impl Ctx {
    pub(super) async fn telnet(&self, cred: &Credential) -> Attempt {
        let mut s = match self.stream().await {
            Ok(s) => s,
            Err(a) => return a,
        };
        let until_prompt = |b: &[u8]| prompt_kind(&telnet_text(b)).is_some();
        let first = telnet_text(&self.read(&mut s, until_prompt).await);
        match prompt_kind(&first) {
            Some(Prompt::Login) => {}
            Some(Prompt::Password) => return self.telnet_password(&mut s, cred, false).await,
            Some(Prompt::Shell) => return Attempt::Open(format!("shell prompt without login: {}", tail(&first))),
            Some(Prompt::Failure) | None => {
                return Attempt::Inconclusive(format!("no login prompt (got {:?})", tail(&first)))
            }
        }
        if s.write_all(format!("{}\r\n", cred.username).as_bytes()).await.is_err() {
            return Attempt::Inconclusive("connection dropped after the login prompt".into());
        }
        let after_user = telnet_text(&self.read(&mut s, until_prompt).await);
        match prompt_kind(&after_user) {
            Some(Prompt::Password) => self.telnet_password(&mut s, cred, true).await,
            Some(Prompt::Shell) => {
                Attempt::Accepted(format!("shell prompt after the username alone: {}", tail(&after_user)))
            }
            Some(Prompt::Failure) => Attempt::Rejected,
            // The login again, with no password asked and no failure said: nothing was tried.
            Some(Prompt::Login) => {
                Attempt::Inconclusive("the login prompt again, without asking for a password".into())
            }
            None => Attempt::Inconclusive("no password prompt after the username".into()),
        }
    }

    pub(super) async fn telnet_password(&self, s: &mut BoxStream, cred: &Credential, user_sent: bool) -> Attempt {
        if s.write_all(format!("{}\r\n", cred.password).as_bytes()).await.is_err() {
            return Attempt::Inconclusive("connection dropped at the password prompt".into());
        }
        let answer = telnet_text(&self.read(s, |b| prompt_kind(&telnet_text(b)).is_some()).await);
        // "Your password has expired ... New password:": in, but only to set a new one.
        if demands_new_password(&answer) {
            return Attempt::ChangeForced(format!("a new password was demanded at once: {}", tail(&answer)));
        }
        match prompt_kind(&answer) {
            Some(Prompt::Shell) if user_sent || !cred.username.is_empty() => {
                Attempt::Accepted(format!("shell prompt after login: {}", tail(&answer)))
            }
            Some(Prompt::Shell) => Attempt::Accepted(format!("shell prompt after the password: {}", tail(&answer))),
            Some(Prompt::Failure) | Some(Prompt::Login) | Some(Prompt::Password) => {
                if find_ci(answer.as_bytes(), b"locked").is_some() || find_ci(answer.as_bytes(), b"too many").is_some()
                {
                    Attempt::Lockout(format!("the server said: {}", tail(&answer)))
                } else {
                    Attempt::Rejected
                }
            }
            None if answer.is_empty() => Attempt::Inconclusive("no answer to the password".into()),
            None => Attempt::Inconclusive(format!("unrecognised answer to the password: {}", tail(&answer))),
        }
    }
}
