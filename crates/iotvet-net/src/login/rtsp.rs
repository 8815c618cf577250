//! RTSP logins: DESCRIBE with Basic or Digest credentials answered 200 is a login; a DESCRIBE
//! answered 200 without any is open to anyone.

use super::http::{basic_authorization, digest_authorization};
use super::{Attempt, Ctx, Pending, Precheck, Tester};
use crate::creds::Credential;
use crate::identify::{header, response_complete, BoxStream};
use tokio::io::AsyncWriteExt;

/// The RTSP tester.
pub(super) struct Rtsp;

impl Tester for Rtsp {
    fn precheck<'a>(&'a self, ctx: &'a Ctx) -> Pending<'a, Option<Precheck>> {
        Box::pin(async move {
            let mut s = ctx.stream().await.ok()?;
            let (code, _) = ctx.rtsp_describe(&mut s, None).await;
            (code == 200).then(|| super::open("DESCRIBE answered 200 with a stream description, without credentials"))
        })
    }

    fn attempt<'a>(&'a self, ctx: &'a Ctx, cred: &'a Credential) -> Pending<'a, Attempt> {
        Box::pin(ctx.rtsp(cred))
    }
}

impl Ctx {
    pub(super) async fn rtsp_describe(&self, s: &mut BoxStream, authorization: Option<&str>) -> (u16, String) {
        let auth = authorization.map(|a| format!("Authorization: {a}\r\n")).unwrap_or_default();
        let req = format!(
            "DESCRIBE {} RTSP/1.0\r\nCSeq: 2\r\nAccept: application/sdp\r\nUser-Agent: iotvet/{}\r\n{auth}\r\n",
            self.rtsp_url(),
            iotvet_core::TOOL_VERSION
        );
        if s.write_all(req.as_bytes()).await.is_err() {
            return (0, String::new());
        }
        let b = self.read(s, response_complete).await;
        let head = String::from_utf8_lossy(&b).into_owned();
        (head.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0), head)
    }

    pub(super) fn rtsp_url(&self) -> String {
        format!("rtsp://{}:{}/", self.host, self.addr.port())
    }

    pub(super) async fn rtsp(&self, cred: &Credential) -> Attempt {
        let mut s = match self.stream().await {
            Ok(s) => s,
            Err(a) => return a,
        };
        let (code, head) = self.rtsp_describe(&mut s, None).await;
        if code != 401 {
            return Attempt::Inconclusive(format!("DESCRIBE without credentials answered {code}"));
        }
        let Some(challenge) = header(&head, "www-authenticate") else {
            return Attempt::Inconclusive("401 without a challenge".into());
        };
        let scheme = if challenge.to_ascii_lowercase().starts_with("digest") { "Digest" } else { "Basic" };
        let authorization = if scheme == "Digest" {
            match digest_authorization(challenge, "DESCRIBE", &self.rtsp_url(), cred) {
                Some(a) => a,
                None => return Attempt::Inconclusive(format!("unsupported Digest challenge: {challenge}")),
            }
        } else {
            basic_authorization(cred)
        };
        match self.rtsp_describe(&mut s, Some(&authorization)).await {
            (200, head) => Attempt::Accepted(format!(
                "DESCRIBE with {scheme} credentials answered {}",
                head.lines().next().unwrap_or_default()
            )),
            (401 | 403, _) => Attempt::Rejected,
            (0, _) => Attempt::Inconclusive("no answer to the authenticated DESCRIBE".into()),
            (code, _) => Attempt::Inconclusive(format!("DESCRIBE with credentials answered {code}")),
        }
    }
}
