//! SSH logins (russh): method "none" first, which also lists the methods the server takes
//! (RFC 4252 §5.2) — public keys only means no password can log in — then "password", falling
//! back to "keyboard-interactive".

use super::{Attempt, Ctx, Pending, Precheck, Tester};
use crate::creds::Credential;
use iotvet_core::logins::LoginOutcome;

/// The SSH tester.
pub(super) struct Ssh;

impl Tester for Ssh {
    fn precheck<'a>(&'a self, ctx: &'a Ctx) -> Pending<'a, Option<Precheck>> {
        Box::pin(async move {
            match ssh_methods(ctx).await {
                Ok(SshAnswer::Open) => Some(super::open("SSH login accepted with no credential at all (method none)")),
                Ok(SshAnswer::Methods(m)) if !m.iter().any(|m| m == "password" || m == "keyboard-interactive") => {
                    Some((
                        LoginOutcome::Rejected,
                        format!("the server offers only {} authentication: no password can log in", m.join(", ")),
                        0,
                    ))
                }
                Ok(SshAnswer::Methods(_)) => None,
                Err(why) => Some((LoginOutcome::Inconclusive, why, 0)),
            }
        })
    }

    fn attempt<'a>(&'a self, ctx: &'a Ctx, cred: &'a Credential) -> Pending<'a, Attempt> {
        Box::pin(ssh_password(ctx, cred))
    }
}

/// An SSH client that accepts any host key: iotvet is testing passwords, not the host's key.
struct AnyHostKey;

impl russh::client::Handler for AnyHostKey {
    type Error = russh::Error;

    async fn check_server_key(&mut self, _key: &russh::keys::PublicKey) -> Result<bool, Self::Error> {
        Ok(true)
    }
}

enum SshAnswer {
    Open,
    Methods(Vec<String>),
}

async fn ssh_session(ctx: &Ctx) -> Result<russh::client::Handle<AnyHostKey>, String> {
    let config = std::sync::Arc::new(russh::client::Config {
        inactivity_timeout: Some(ctx.timeout),
        ..russh::client::Config::default()
    });
    match tokio::time::timeout(ctx.timeout, russh::client::connect(config, ctx.addr, AnyHostKey)).await {
        Err(_) => Err("SSH handshake timed out".into()),
        Ok(Err(e)) => Err(format!("SSH handshake failed: {e}")),
        Ok(Ok(h)) => Ok(h),
    }
}

fn method_names(set: &russh::MethodSet) -> Vec<String> {
    set.iter().map(|m| <&str>::from(m).to_owned()).collect()
}

/// Asks with method "none" which methods the server takes (RFC 4252 §5.2).
async fn ssh_methods(ctx: &Ctx) -> Result<SshAnswer, String> {
    let mut h = ssh_session(ctx).await?;
    let answer = tokio::time::timeout(ctx.timeout, h.authenticate_none("root")).await;
    let _ = h.disconnect(russh::Disconnect::ByApplication, "", "en").await;
    match answer {
        Err(_) => Err("no answer to SSH authentication".into()),
        Ok(Err(e)) => Err(format!("SSH authentication failed: {e}")),
        Ok(Ok(russh::client::AuthResult::Success)) => Ok(SshAnswer::Open),
        Ok(Ok(russh::client::AuthResult::Failure { remaining_methods, .. })) => {
            Ok(SshAnswer::Methods(method_names(&remaining_methods)))
        }
    }
}

/// One password attempt, by "password", falling back to "keyboard-interactive".
async fn ssh_password(ctx: &Ctx, cred: &Credential) -> Attempt {
    let mut h = match ssh_session(ctx).await {
        Ok(h) => h,
        Err(e) if e.contains("refused") || e.contains("reset") => return Attempt::Lockout(e),
        Err(e) => return Attempt::Inconclusive(e),
    };
    let result = match tokio::time::timeout(ctx.timeout, h.authenticate_password(&cred.username, &cred.password)).await
    {
        Err(_) => Attempt::Inconclusive("no answer to the password".into()),
        Ok(Err(e)) => Attempt::Inconclusive(format!("SSH error: {e}")),
        Ok(Ok(russh::client::AuthResult::Success)) => Attempt::Accepted("SSH password authentication succeeded".into()),
        Ok(Ok(russh::client::AuthResult::Failure { remaining_methods, .. })) => {
            if remaining_methods.iter().any(|m| matches!(m, russh::MethodKind::KeyboardInteractive)) {
                ssh_keyboard_interactive(ctx, &mut h, cred).await
            } else {
                Attempt::Rejected
            }
        }
    };
    let _ = h.disconnect(russh::Disconnect::ByApplication, "", "en").await;
    result
}

async fn ssh_keyboard_interactive(ctx: &Ctx, h: &mut russh::client::Handle<AnyHostKey>, cred: &Credential) -> Attempt {
    use russh::client::KeyboardInteractiveAuthResponse as R;
    let mut answer =
        tokio::time::timeout(ctx.timeout, h.authenticate_keyboard_interactive_start(&cred.username, None)).await;
    for _ in 0..4 {
        match answer {
            Ok(Ok(R::Success)) => return Attempt::Accepted("SSH keyboard-interactive authentication succeeded".into()),
            Ok(Ok(R::Failure { .. })) => return Attempt::Rejected,
            Ok(Ok(R::InfoRequest { prompts, .. })) => {
                let responses = prompts.iter().map(|_| cred.password.clone()).collect();
                answer =
                    tokio::time::timeout(ctx.timeout, h.authenticate_keyboard_interactive_respond(responses)).await;
            }
            Ok(Err(e)) => return Attempt::Inconclusive(format!("SSH error: {e}")),
            Err(_) => return Attempt::Inconclusive("no answer in keyboard-interactive".into()),
        }
    }
    Attempt::Inconclusive("keyboard-interactive went on asking".into())
}
