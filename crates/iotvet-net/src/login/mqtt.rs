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
            s.write_all(&crate::identify::mqtt_connect()).await.ok()?;
            let b = ctx.read(&mut s, |b| b.len() >= 4).await;
            let accepted = b.get(..4) == Some(&[0x20, 0x02, 0, 0][..]) || b.get(..4) == Some(&[0x20, 0x02, 1, 0][..]);
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
        if s.write_all(&mqtt_connect_with(cred)).await.is_err() {
            return Attempt::Inconclusive("connection dropped at CONNECT".into());
        }
        let b = self.read(&mut s, |b| b.len() >= 4).await;
        let _ = s.write_all(&[0xe0, 0x00]).await;
        match b.get(..4) {
            Some([0x20, 0x02, _, 0]) => Attempt::Accepted("CONNACK return code 0".into()),
            Some([0x20, 0x02, _, 4 | 5]) => Attempt::Rejected,
            Some([0x20, 0x02, _, 3]) => Attempt::Lockout("CONNACK 3: server unavailable".into()),
            _ => Attempt::Inconclusive("no CONNACK".into()),
        }
    }
}

/// MQTT 3.1.1 CONNECT with username and password.
pub(super) fn mqtt_connect_with(cred: &Credential) -> Vec<u8> {
    let mut var = vec![0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04, 0xc2, 0x00, 0x1e];
    for field in ["iotvet-login", cred.username.as_str(), cred.password.as_str()] {
        let bytes = &field.as_bytes()[..field.len().min(0xffff)];
        var.extend_from_slice(&(bytes.len() as u16).to_be_bytes());
        var.extend_from_slice(bytes);
    }
    let mut packet = vec![0x10];
    let mut len = var.len();
    loop {
        let mut byte = (len % 128) as u8;
        len /= 128;
        if len > 0 {
            byte |= 0x80;
        }
        packet.push(byte);
        if len == 0 {
            break;
        }
    }
    packet.extend_from_slice(&var);
    packet
}
