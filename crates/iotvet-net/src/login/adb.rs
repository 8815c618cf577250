//! Android Debug Bridge: no passwords. A CNXN answer lets anyone in; AUTH asks for the host's
//! RSA key, so no password can log in.

use tokio::io::AsyncWriteExt;

use super::{Attempt, Ctx, Pending, Precheck, Tester};
use crate::creds::Credential;
use iotvet_core::logins::LoginOutcome;

/// The ADB tester: settled before any credential, always.
pub(super) struct Adb;

impl Tester for Adb {
    fn precheck<'a>(&'a self, ctx: &'a Ctx) -> Pending<'a, Option<Precheck>> {
        Box::pin(async move {
            Some(match ctx.adb().await {
                Some(true) => (LoginOutcome::Open, "ADB answered CNXN: a shell for anyone who connects".into(), 1),
                Some(false) => {
                    (LoginOutcome::Rejected, "ADB asks for key authentication: no password to try".into(), 1)
                }
                None => (LoginOutcome::Inconclusive, "no ADB answer".into(), 1),
            })
        })
    }

    fn attempt<'a>(&'a self, _ctx: &'a Ctx, _cred: &'a Credential) -> Pending<'a, Attempt> {
        Box::pin(async { Attempt::Inconclusive("ADB has no passwords".into()) })
    }
}

impl Ctx {
    /// Some(true) when the device accepts an ADB connection without authentication.
    pub(super) async fn adb(&self) -> Option<bool> {
        let mut s = self.stream().await.ok()?;
        s.write_all(&iotvet_wire::adb::connect()).await.ok()?;
        let b = self.read(&mut s, |b| b.len() >= 24).await;
        match iotvet_wire::adb::command(&b).as_ref() {
            Some(b"CNXN") => Some(true),
            Some(b"AUTH") | Some(b"STLS") => Some(false),
            _ => None,
        }
    }
}
