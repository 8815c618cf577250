//! HTTP logins: Basic and Digest (RFC 7617, RFC 7616) against `/`, and HTML login forms. A
//! credential counts only when the answer differs from the control credential's (see `mod.rs`);
//! a form must also lose the form and any failure words; a redirect to a page that only asks for
//! a new password is "change forced".

use tokio::io::AsyncWriteExt;

use super::{demands_new_password, Attempt, Ctx, Method, Pending, Tester};
use crate::creds::Credential;
use crate::identify::{header, response_complete};

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
        let Some(form) = LoginForm::find(&String::from_utf8_lossy(&body)) else {
            return Attempt::Inconclusive("the login form is gone".into());
        };
        let body = form.encode(cred);
        let request =
            self.http_request("POST", &form.action, "Content-Type: application/x-www-form-urlencoded\r\n", &body);
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
                let text = String::from_utf8_lossy(&body).to_ascii_lowercase();
                let form_again = text.contains("type=\"password\"")
                    || text.contains("type=password")
                    || text.contains("type='password'");
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

/// The parameters of a Digest challenge (RFC 7616): `realm="x", nonce="y", qop="auth"`.
pub(super) fn digest_params(challenge: &str) -> Vec<(String, String)> {
    let rest = challenge.trim_start().get(6..).unwrap_or_default();
    let mut out = Vec::new();
    let mut chars = rest.char_indices().peekable();
    let mut key = String::new();
    while let Some((_, c)) = chars.next() {
        match c {
            '=' => {
                let mut value = String::new();
                if chars.peek().map(|(_, c)| *c) == Some('"') {
                    chars.next();
                    for (_, c) in chars.by_ref() {
                        if c == '"' {
                            break;
                        }
                        value.push(c);
                    }
                } else {
                    while let Some((_, c)) = chars.peek() {
                        if *c == ',' {
                            break;
                        }
                        value.push(*c);
                        chars.next();
                    }
                }
                out.push((key.trim().to_ascii_lowercase(), value.trim().to_owned()));
                key.clear();
            }
            ',' => key.clear(),
            c => key.push(c),
        }
    }
    out
}

/// The Authorization header answering a Digest challenge (MD5 or SHA-256, qop auth or none).
pub(super) fn digest_authorization(challenge: &str, method: &str, uri: &str, cred: &Credential) -> Option<String> {
    use md5::Digest as _;
    let params = digest_params(challenge);
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

/// A login form found in a page: where it posts, the user and password field names, and
/// hidden fields to send back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct LoginForm {
    pub(super) action: String,
    pub(super) user_field: Option<String>,
    pub(super) password_field: String,
    pub(super) hidden: Vec<(String, String)>,
}

impl LoginForm {
    pub(super) fn find(html: &str) -> Option<Self> {
        let lower = html.to_ascii_lowercase();
        let start = lower.find("<form")?;
        let end = lower[start..].find("</form").map(|e| start + e).unwrap_or(lower.len());
        let form = &html[start..end];
        let open_end = form.find('>').unwrap_or(form.len());
        let action = attr(&form[..open_end], "action").unwrap_or_else(|| "/".into());
        let action = if action.starts_with('/') { action } else { format!("/{action}") };
        let mut user_field = None;
        let mut password_field = None;
        let mut hidden = Vec::new();
        let lower_form = form.to_ascii_lowercase();
        let mut at = 0;
        while let Some(i) = lower_form[at..].find("<input") {
            let tag_start = at + i;
            let tag_end = lower_form[tag_start..].find('>').map(|e| tag_start + e).unwrap_or(form.len());
            let tag = &form[tag_start..tag_end];
            let kind = attr(tag, "type").unwrap_or_else(|| "text".into()).to_ascii_lowercase();
            if let Some(name) = attr(tag, "name") {
                match kind.as_str() {
                    "password" => password_field = password_field.or(Some(name)),
                    "hidden" => hidden.push((name, attr(tag, "value").unwrap_or_default())),
                    "text" | "email" => user_field = user_field.or(Some(name)),
                    _ => {}
                }
            }
            at = tag_end;
        }
        Some(Self { action, user_field, password_field: password_field?, hidden })
    }

    pub(super) fn encode(&self, cred: &Credential) -> String {
        let mut pairs: Vec<(String, String)> = self.hidden.clone();
        if let Some(u) = &self.user_field {
            pairs.push((u.clone(), cred.username.clone()));
        }
        pairs.push((self.password_field.clone(), cred.password.clone()));
        pairs.iter().map(|(k, v)| format!("{}={}", url_encode(k), url_encode(v))).collect::<Vec<_>>().join("&")
    }
}

pub(super) fn attr(tag: &str, name: &str) -> Option<String> {
    let lower = tag.to_ascii_lowercase();
    let mut from = 0;
    while let Some(i) = lower[from..].find(name) {
        let at = from + i;
        let before_ok = at == 0 || lower.as_bytes()[at - 1].is_ascii_whitespace();
        let rest = lower[at + name.len()..].trim_start();
        if before_ok && rest.starts_with('=') {
            let value_start = tag.len() - rest.len() + 1;
            let value = tag[value_start..].trim_start();
            return Some(match value.chars().next() {
                Some(q @ ('"' | '\'')) => value[1..].split(q).next().unwrap_or_default().to_owned(),
                _ => value.split(|c: char| c.is_whitespace() || c == '>').next().unwrap_or_default().to_owned(),
            });
        }
        from = at + name.len();
    }
    None
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
