//! SSH logins (russh): method "none" first, which also lists the methods the server takes
//! (RFC 4252 §5.2) — public keys only means no password can log in — then "password", falling
//! back to "keyboard-interactive".

use super::{demands_new_password, tail, Attempt, Ctx, Pending, Precheck, Tester};
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
        Ok(Ok(russh::client::AuthResult::Success)) => {
            after_login(ctx, &h, "SSH password authentication succeeded").await
        }
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
            Ok(Ok(R::Success)) => {
                return after_login(ctx, h, "SSH keyboard-interactive authentication succeeded").await
            }
            Ok(Ok(R::Failure { .. })) => return Attempt::Rejected,
            // PAM with an expired password, after the right one: "You are required to change
            // your password immediately", then "Current password:" / "New password:".
            Ok(Ok(R::InfoRequest { name, instructions, prompts }))
                if demands_new_password(&format!(
                    "{name}\n{instructions}\n{}",
                    prompts.iter().map(|p| p.prompt.as_str()).collect::<Vec<_>>().join("\n")
                )) =>
            {
                let said = format!(
                    "{instructions} {}",
                    prompts.iter().map(|p| p.prompt.as_str()).collect::<Vec<_>>().join(" ")
                );
                return Attempt::ChangeForced(format!(
                    "SSH keyboard-interactive asked for a new password after this one: {}",
                    tail(&said)
                ));
            }
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

/// What a login that succeeded leads to: a server may let the default password in only to demand
/// a new one at once (OpenSSH with an expired password: "WARNING: Your password has expired. You
/// must change your password now", PAM's "You are required to change your password
/// immediately", then `passwd`). A shell with a terminal is asked for and its first words read
/// (at most 4 KiB, within the login timeout); nothing is typed into it.
async fn after_login(ctx: &Ctx, h: &russh::client::Handle<AnyHostKey>, accepted: &str) -> Attempt {
    let first_words = async {
        let mut channel = h.channel_open_session().await.ok()?;
        channel.request_pty(false, "vt100", 80, 24, 0, 0, &[]).await.ok()?;
        channel.request_shell(false).await.ok()?;
        let mut seen = Vec::new();
        let quiet = std::time::Duration::from_millis(700);
        while seen.len() < 4096 {
            let wait = if seen.is_empty() { ctx.timeout } else { quiet };
            match tokio::time::timeout(wait, channel.wait()).await {
                Ok(Some(russh::ChannelMsg::Data { data } | russh::ChannelMsg::ExtendedData { data, .. })) => {
                    seen.extend_from_slice(&data);
                    if expired(&String::from_utf8_lossy(&seen)) {
                        break;
                    }
                }
                Ok(Some(_)) => {}
                Ok(None) | Err(_) => break,
            }
        }
        let _ = channel.close().await;
        Some(seen)
    };
    let seen =
        tokio::time::timeout(ctx.timeout.saturating_mul(2), first_words).await.ok().flatten().unwrap_or_default();
    let text = String::from_utf8_lossy(&seen);
    if let Some(line) = text.lines().find(|l| expired(l)) {
        let line: String = line.trim().chars().take(120).collect();
        return Attempt::ChangeForced(format!("{accepted}, and the session demanded a new password at once: {line}"));
    }
    Attempt::Accepted(accepted.into())
}

/// A session's first words saying the password must be changed now. Stricter than the words
/// that count after a password prompt: a login banner may well say "change your password
/// regularly" of a device that forces nothing.
fn expired(text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    [
        "password has expired",
        "password expired",
        "required to change your password",
        "password change required",
        "must change your password now",
    ]
    .iter()
    .any(|w| t.contains(w))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_banner_that_advises_a_change_is_not_a_forced_change() {
        assert!(super::expired(
            "WARNING: Your password has expired.\r\nYou must change your password now and login again!"
        ));
        assert!(super::expired("You are required to change your password immediately (administrator enforced)"));
        assert!(!super::expired("Welcome! Please change your password regularly.\r\n$ "));
        assert!(!super::expired("Set a new password in the web UI.\r\n# "));
    }
}
