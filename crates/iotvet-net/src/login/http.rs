//! HTTP logins: Basic and Digest (RFC 7617, RFC 7616) against `/`, and HTML login forms. A
//! credential counts only when the answer differs from the control credential's (see `mod.rs`);
//! a form must also lose the form and any failure words; a redirect to a page that only asks for
//! a new password is "change forced".

use tokio::io::AsyncWriteExt;

use super::{demands_new_password, Attempt, Ctx, Method, Pending, Tester};
use crate::creds::Credential;
use crate::identify::{header, response_complete};
use iotvet_wire::form::{login_form, LoginForm};

/// The HTTP Basic or Digest tester (which one: `Ctx::method`).
pub(super) struct HttpAuth;

impl Tester for HttpAuth {
    fn attempt<'a>(&'a self, ctx: &'a Ctx, cred: &'a Credential) -> Pending<'a, Attempt> {
        Box::pin(ctx.http_auth(cred))
    }
}

/// The HTML login form tester.
pub(super) struct HttpForm;

impl Tester for HttpForm {
    fn attempt<'a>(&'a self, ctx: &'a Ctx, cred: &'a Credential) -> Pending<'a, Attempt> {
        Box::pin(ctx.http_form(cred))
    }

    fn control_accepted_is_undecided(&self) -> bool {
        true
    }
}

impl Ctx {
    pub(super) async fn http_exchange(&self, request: String) -> Result<(u16, String, Vec<u8>), Attempt> {
        let mut s = self.stream().await?;
        s.write_all(request.as_bytes())
            .await
            .map_err(|e| Attempt::Inconclusive(format!("sending the request: {e}")))?;
        let b = self.read(&mut s, response_complete).await;
        match iotvet_wire::http::parse_head(&b) {
            Some(head) => Ok((head.status, head.text, b.get(head.body_offset..).unwrap_or_default().to_vec())),
            None => Err(Attempt::Inconclusive("no HTTP status line in the answer".into())),
        }
    }

    pub(super) fn http_request(&self, method: &str, path: &str, extra: &str, body: &str) -> String {
        format!(
            "{method} {path} HTTP/1.1\r\nHost: {}:{}\r\nUser-Agent: iotvet/{}\r\nConnection: close\r\n{extra}Content-Length: {}\r\n\r\n{body}",
            self.host,
            self.addr.port(),
            iotvet_core::TOOL_VERSION,
            body.len()
        )
    }

    pub(super) async fn http_auth(&self, cred: &Credential) -> Attempt {
        let authorization = if self.method == Method::HttpDigest {
            let (_, head, _) = match self.http_exchange(self.http_request("GET", "/", "", "")).await {
                Ok(r) => r,
                Err(a) => return a,
            };
            let Some(challenge) = header(&head, "www-authenticate") else {
                return Attempt::Inconclusive("no Digest challenge".into());
            };
            match digest_authorization(challenge, "GET", "/", cred) {
                Some(a) => a,
                None => return Attempt::Inconclusive(format!("unsupported Digest challenge: {challenge}")),
            }
        } else {
            basic_authorization(cred)
        };
        let (code, head) = match self
            .http_exchange(self.http_request("GET", "/", &format!("Authorization: {authorization}\r\n"), ""))
            .await
        {
            Err(a) => return a,
            Ok((code, head, _)) => (code, head),
        };
        let status_line = head.lines().next().unwrap_or_default().to_owned();
        let answer = (code, header(&head, "location").unwrap_or_default().to_owned());
        let baseline = self.baseline.get_or_init(|| answer.clone());
        match code {
            401 | 403 | 407 => Attempt::Rejected,
            429 | 503 => Attempt::Lockout(format!("HTTP {status_line}")),
            200..=399 if cred.is_control() && code < 300 => {
                Attempt::Accepted(format!("HTTP {code} to a random credential ({status_line})"))
            }
            200..=399 if !cred.is_control() && &answer != baseline => Attempt::Accepted(format!(
                "HTTP {code} with credentials ({status_line}), where a random credential got {}",
                baseline.0
            )),
            200..=399 => Attempt::Rejected,
            _ => Attempt::Inconclusive(format!("HTTP {code} with credentials is neither a refusal nor a success")),
        }
    }

    pub(super) async fn http_form(&self, cred: &Credential) -> Attempt {
        let (_, _, body) = match self.http_exchange(self.http_request("GET", "/", "", "")).await {
            Ok(r) => r,
            Err(a) => return a,
        };
        let Some(form) = login_form(&String::from_utf8_lossy(&body)) else {
            return Attempt::Inconclusive("the login form is gone".into());
        };
        if form.password_field.is_empty() {
            return Attempt::Inconclusive(
                "the login form's password field has no name: only a script submits it".into(),
            );
        }
        let fields = encode_form(&form, cred);
        let path = form_path(&form.action);
        let request = if form.method == "get" {
            let join = if path.contains('?') { '&' } else { '?' };
            self.http_request("GET", &format!("{path}{join}{fields}"), "", "")
        } else {
            self.http_request("POST", &path, "Content-Type: application/x-www-form-urlencoded\r\n", &fields)
        };
        match self.http_exchange(request).await {
            Err(a) => a,
            Ok((429 | 503, head, _)) => Attempt::Lockout(format!("HTTP {}", head.lines().next().unwrap_or_default())),
            Ok((401 | 403, _, _)) => Attempt::Rejected,
            Ok((code, head, body)) => {
                let location = header(&head, "location").unwrap_or_default().to_ascii_lowercase();
                let answer = (code, location.clone());
                let baseline = self.baseline.get_or_init(|| answer.clone());
                if !cred.is_control() && &answer == baseline {
                    return Attempt::Rejected;
                }
                let page = String::from_utf8_lossy(&body);
                let form_again = login_form(&page).is_some();
                let text = page.to_ascii_lowercase();
                let cookie = header(&head, "set-cookie").is_some();
                let failure =
                    ["invalid", "incorrect", "failed", "wrong", "denied", "error"].iter().any(|w| text.contains(w));
                if (300..400).contains(&code) && !location.contains("login") && !location.is_empty() {
                    let original = header(&head, "location").unwrap_or_default();
                    match self.forced_change_page(original, header(&head, "set-cookie")).await {
                        Some(page) => Attempt::ChangeForced(format!(
                            "HTTP {code} redirect to {location} after the form, where {page}"
                        )),
                        None => Attempt::Accepted(format!("HTTP {code} redirect to {location} after the form")),
                    }
                } else if code == 200 && cookie && !form_again && !failure {
                    Attempt::Accepted("session cookie set and the login form gone".into())
                } else if form_again || failure || location.contains("login") {
                    Attempt::Rejected
                } else {
                    Attempt::Inconclusive(format!("HTTP {code} after the form, neither the form again nor a session"))
                }
            }
        }
    }

    /// Follows a redirect after login (with its session cookie) and says whether the page there
    /// only asks for a new password: the device makes its user replace the default first.
    pub(super) async fn forced_change_page(&self, location: &str, cookie: Option<&str>) -> Option<String> {
        let path = match location.find("://") {
            Some(i) => location[i + 3..].find('/').map(|p| &location[i + 3 + p..]).unwrap_or("/"),
            None if location.starts_with('/') => location,
            None => return None,
        };
        let cookie = cookie.and_then(|c| c.split(';').next()).map(|c| format!("Cookie: {c}\r\n")).unwrap_or_default();
        let (code, _, body) = self.http_exchange(self.http_request("GET", path, &cookie, "")).await.ok()?;
        let text = String::from_utf8_lossy(&body).to_ascii_lowercase();
        let password_fields = text.matches("type=\"password\"").count() + text.matches("type=password").count();
        (code == 200 && password_fields >= 1 && demands_new_password(&text))
            .then(|| format!("the page asks for a new password ({password_fields} password fields)"))
    }
}

/// `Basic <base64(user:password)>` (RFC 7617).
pub(super) fn basic_authorization(cred: &Credential) -> String {
    use base64::Engine as _;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", cred.username, cred.password))
    )
}

/// The Authorization header answering a Digest challenge (MD5 or SHA-256, qop auth or none).
pub(super) fn digest_authorization(challenge: &str, method: &str, uri: &str, cred: &Credential) -> Option<String> {
    use md5::Digest as _;
    let params = iotvet_wire::form::challenge_params(challenge);
    let get = |k: &str| params.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
    let realm = get("realm")?;
    let nonce = get("nonce")?;
    let algorithm = get("algorithm").unwrap_or_else(|| "MD5".into());
    let hash = |s: String| -> Option<String> {
        let bytes: Vec<u8> = match algorithm.to_ascii_uppercase().as_str() {
            "MD5" => md5::Md5::digest(s.as_bytes()).to_vec(),
            "SHA-256" => sha2::Sha256::digest(s.as_bytes()).to_vec(),
            _ => return None,
        };
        Some(bytes.iter().map(|b| format!("{b:02x}")).collect())
    };
    let ha1 = hash(format!("{}:{realm}:{}", cred.username, cred.password))?;
    let ha2 = hash(format!("{method}:{uri}"))?;
    let qop_auth = get("qop").is_some_and(|q| q.split(',').any(|v| v.trim() == "auth"));
    let cnonce = "0a4f113b";
    let nc = "00000001";
    let response = if qop_auth {
        hash(format!("{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}"))?
    } else {
        hash(format!("{ha1}:{nonce}:{ha2}"))?
    };
    let mut header = format!(
        "Digest username=\"{}\", realm=\"{realm}\", nonce=\"{nonce}\", uri=\"{uri}\", algorithm={algorithm}, response=\"{response}\"",
        cred.username
    );
    if qop_auth {
        header.push_str(&format!(", qop=auth, nc={nc}, cnonce=\"{cnonce}\""));
    }
    if let Some(opaque) = get("opaque") {
        header.push_str(&format!(", opaque=\"{opaque}\""));
    }
    Some(header)
}

/// The form's fields filled with a credential, `application/x-www-form-urlencoded`.
pub(super) fn encode_form(form: &LoginForm, cred: &Credential) -> String {
    let mut pairs: Vec<(&str, &str)> = form.hidden.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    if let Some(u) = &form.user_field {
        pairs.push((u, &cred.username));
    }
    pairs.push((&form.password_field, &cred.password));
    pairs.iter().map(|(k, v)| format!("{}={}", url_encode(k), url_encode(v))).collect::<Vec<_>>().join("&")
}

/// The path a form on `/` sends to: its action made absolute (a full URL keeps only its path,
/// as the tester talks to the one service it tests; no action is the page itself).
pub(super) fn form_path(action: &str) -> String {
    let path = match action.split_once("://") {
        Some((_, rest)) => rest.find('/').and_then(|i| rest.get(i..)).unwrap_or("/"),
        None => action,
    };
    let path = path.split('#').next().unwrap_or_default();
    if path.starts_with('/') {
        path.to_owned()
    } else {
        format!("/{path}")
    }
}

pub(super) fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            b' ' => "+".into(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
