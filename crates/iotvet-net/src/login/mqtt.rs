//! MQTT logins: CONNACK 0 to a CONNECT with username and password; a CONNECT without them
//! accepted is open to anyone.

use tokio::io::AsyncWriteExt;

use super::{Attempt, Ctx, Pending, Precheck, Tester};
use crate::creds::Credential;

/// The MQTT tester.
pub(super) struct Mqtt;

impl Tester for Mqtt {
    fn precheck<'a>(&'a self, ctx: &'a Ctx) -> Pending<'a, Option<Precheck>> {
        Box::pin(async move {
            let mut s = ctx.stream().await.ok()?;
            s.write_all(&iotvet_wire::mqtt::connect("iotvet-probe", None).unwrap_or_default()).await.ok()?;
            let b = ctx.read(&mut s, |b| b.len() >= 4).await;
            let accepted = iotvet_wire::mqtt::connack(&b).is_some_and(|c| c.return_code == 0);
            accepted.then(|| super::open("the broker accepted a CONNECT without username or password"))
        })
    }

    fn attempt<'a>(&'a self, ctx: &'a Ctx, cred: &'a Credential) -> Pending<'a, Attempt> {
        Box::pin(ctx.mqtt(cred))
    }
}

impl Ctx {
    pub(super) async fn mqtt(&self, cred: &Credential) -> Attempt {
        let mut s = match self.stream().await {
            Ok(s) => s,
            Err(a) => return a,
        };
        let Some(connect) = iotvet_wire::mqtt::connect("iotvet-login", Some((&cred.username, &cred.password))) else {
            return Attempt::Inconclusive("the credential is longer than an MQTT field".into());
        };
        if s.write_all(&connect).await.is_err() {
            return Attempt::Inconclusive("connection dropped at CONNECT".into());
        }
        let b = self.read(&mut s, |b| b.len() >= 4).await;
        let _ = s.write_all(&[0xe0, 0x00]).await;
        match iotvet_wire::mqtt::connack(&b).map(|c| c.return_code) {
            Some(0) => Attempt::Accepted("CONNACK return code 0".into()),
            Some(4 | 5) => Attempt::Rejected,
            Some(3) => Attempt::Lockout("CONNACK 3: server unavailable".into()),
            Some(code) => Attempt::Inconclusive(format!("CONNACK return code {code}")),
            None => Attempt::Inconclusive("no CONNACK".into()),
        }
    }
}
