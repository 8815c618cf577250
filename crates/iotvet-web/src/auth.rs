//! Who is asking, and may they: sessions (a cookie), API tokens (a bearer header), the guard
//! every route goes through, signing in and out, and the limit on failed sign-ins.
//!
//! One mechanism for every route: `guard` looks the matched route up in `ROUTES` and lets the
//! request through only with the access that table gives it — a route missing from the table
//! is refused, so a new route cannot be left open by forgetting a check. Forms sent with a
//! session cookie must carry the session's CSRF token (checked here too, for every method but
//! GET: a form field, or `?csrf=` in the action URL of a file upload); a bearer token is not sent by browsers on their own, so API calls with one need none.
//! Cookies are `HttpOnly; Secure; SameSite=Strict` (browsers treat `http://localhost` as
//! secure; elsewhere serve behind TLS). Signing in makes a new session token every time, so a
//! token planted before sign-in is never adopted (session fixation).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use iotvet_store::{Role, User};

use crate::{with_store, AppState, ROUTES};

/// Who may use a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not (the buyer's guide, signing in).
    Public,
    /// An account of at least this role.
    Signed(Role),
}

/// The signed-in account of a request, for its handler.
#[derive(Debug, Clone)]
pub struct Signed {
    pub user: User,
    /// The session's CSRF token, for the forms a page shows (none with an API token).
    pub csrf: Option<String>,
    /// The session's token (to end it on signing out).
    pub session: Option<String>,
}

/// The address a connection came from (set per connection by `serve_with`).
#[derive(Debug, Clone, Copy)]
pub struct Peer(pub IpAddr);

pub const SESSION_COOKIE: &str = "iotvet_session";
const LOGIN_COOKIE: &str = "iotvet_login";
/// A form's body, at most.
const FORM_CAP: usize = 64 * 1024;

/// A cookie's value from the request's `Cookie` headers (`name=value; name2=value2`).
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

fn set_cookie(name: &str, value: &str, path: &str, max_age: i64) -> HeaderValue {
    let text = format!("{name}={value}; Path={path}; Max-Age={max_age}; HttpOnly; Secure; SameSite=Strict");
    HeaderValue::from_str(&text).unwrap_or(HeaderValue::from_static("x=; Max-Age=0"))
}

/// Equal, in a time that does not depend on where they differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A field of an `application/x-www-form-urlencoded` body.
pub fn form_field(body: &[u8], name: &str) -> Option<String> {
    url::form_urlencoded::parse(body).find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

/// The account behind a request's session cookie or bearer token.
async fn identify(state: &AppState, headers: &HeaderMap) -> Result<Option<Signed>, String> {
    if let Some(token) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty() && t.len() <= 256)
        .map(str::to_owned)
    {
        let user = with_store(state, move |s| s.token_user(&token)).await?;
        return Ok(user.map(|user| Signed { user, csrf: None, session: None }));
    }
    let Some(token) = cookie(headers, SESSION_COOKIE).filter(|t| !t.is_empty() && t.len() <= 256) else {
        return Ok(None);
    };
    let t = token.clone();
    let found = with_store(state, move |s| s.session(&t)).await?;
    Ok(found.map(|(user, csrf)| Signed { user, csrf: Some(csrf), session: Some(token) }))
}

/// Every routed request passes here (see the module's documentation).
pub async fn guard(State(state): State<AppState>, matched: Option<MatchedPath>, req: Request, next: Next) -> Response {
    let path = matched.as_ref().map(MatchedPath::as_str).unwrap_or_default().to_owned();
    let method = req.method().clone();
    let wanted = if method == Method::HEAD { "GET" } else { method.as_str() };
    let Some(access) = ROUTES.iter().find(|r| r.method == wanted && r.path == path).map(|r| r.access) else {
        return crate::not_found_page();
    };
    let Access::Signed(need) = access else { return next.run(req).await };
    let api = path.starts_with("/api/");
    let signed = match identify(&state, req.headers()).await {
        Ok(Some(s)) => s,
        Ok(None) if api => {
            return (
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, "Bearer")],
                axum::Json(serde_json::json!({ "error": "sign in, or send an API token as a bearer token" })),
            )
                .into_response()
        }
        Ok(None) => return (StatusCode::SEE_OTHER, [(header::LOCATION, "/login")]).into_response(),
        Err(why) if api => return crate::unavailable(&why),
        Err(why) => return crate::unavailable_page(&why),
    };
    if signed.user.role < need {
        return refused(&state, api, StatusCode::FORBIDDEN, "Your account's role may not do this.");
    }
    let mut req = req;
    // A file upload's form carries its token in its action URL (`?csrf=`): its body is a large
    // multipart stream, read by its handler, not here.
    let in_query = req.uri().query().and_then(|q| form_field(q.as_bytes(), "csrf"));
    if method != Method::GET && method != Method::HEAD {
        if let (Some(csrf), Some(given)) = (&signed.csrf, &in_query) {
            if !same(given, csrf) {
                return refused(
                    &state,
                    api,
                    StatusCode::FORBIDDEN,
                    "The form has expired or did not come from this site: go back, reload the page and send it again.",
                );
            }
        } else if let Some(csrf) = &signed.csrf {
            let (parts, body) = req.into_parts();
            let Ok(bytes) = axum::body::to_bytes(body, FORM_CAP).await else {
                return refused(&state, api, StatusCode::PAYLOAD_TOO_LARGE, "The form is too large.");
            };
            if !form_field(&bytes, "csrf").is_some_and(|t| same(&t, csrf)) {
                return refused(
                    &state,
                    api,
                    StatusCode::FORBIDDEN,
                    "The form has expired or did not come from this site: go back, reload the page and send it again.",
                );
            }
            req = Request::from_parts(parts, Body::from(bytes));
        }
    }
    req.extensions_mut().insert(signed);
    next.run(req).await
}

fn refused(state: &AppState, api: bool, status: StatusCode, why: &str) -> Response {
    if api {
        (status, axum::Json(serde_json::json!({ "error": why }))).into_response()
    } else {
        crate::message_page(state, status, "Not allowed", why)
    }
}

/// Failed sign-ins allowed per address and per account name in `WINDOW`; past it, sign-ins
/// from that address or for that name are refused until the window passes.
const FAILURES: u32 = 10;
const WINDOW: Duration = Duration::from_secs(15 * 60);
/// Addresses and names tracked at most (the oldest forgotten past it).
const TRACKED: usize = 10_000;

/// Failed sign-ins by address and by name, in memory (a restart forgets them).
#[derive(Default)]
pub struct Failures(Mutex<HashMap<String, (u32, Instant)>>);

impl Failures {
    fn blocked(&self, keys: &[String]) -> bool {
        let map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        keys.iter().any(|k| map.get(k).is_some_and(|(n, since)| *n >= FAILURES && since.elapsed() < WINDOW))
    }

    fn failed(&self, keys: &[String]) {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= TRACKED {
            map.retain(|_, (_, since)| since.elapsed() < WINDOW);
            if map.len() >= TRACKED {
                map.clear();
            }
        }
        for k in keys {
            let e = map.entry(k.clone()).or_insert((0, Instant::now()));
            if e.1.elapsed() >= WINDOW {
                *e = (0, Instant::now());
            }
            e.0 += 1;
        }
    }

    fn forget(&self, key: &str) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).remove(key);
    }
}

/// The sign-in page, with a fresh token in a cookie and in the form (a login form's CSRF
/// defence: a page elsewhere cannot read the cookie to copy it).
pub async fn login_page(State(state): State<AppState>) -> Response {
    login_form(&state, StatusCode::OK, "")
}

fn login_form(state: &AppState, status: StatusCode, error: &str) -> Response {
    let Ok(token) = iotvet_store::random_token() else {
        return crate::unavailable_page("no randomness for the sign-in form");
    };
    let mut r = crate::render(state, "login.html", minijinja::context! { token => token, error => error });
    *r.status_mut() = status;
    r.headers_mut().append(header::SET_COOKIE, set_cookie(LOGIN_COOKIE, &token, "/login", 600));
    r
}

/// Signing in: the form's token must match its cookie; failures are counted per address and
/// per name; a success opens a new session.
pub async fn login(
    State(state): State<AppState>,
    peer: Option<axum::Extension<Peer>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let (Some(name), Some(password), Some(token)) =
        (form_field(&body, "name"), form_field(&body, "password"), form_field(&body, "login"))
    else {
        return login_form(&state, StatusCode::BAD_REQUEST, "Give an account name and a password.");
    };
    if !cookie(&headers, LOGIN_COOKIE).is_some_and(|c| same(&c, &token)) {
        return login_form(&state, StatusCode::FORBIDDEN, "The sign-in form expired: try again.");
    }
    let ip = peer.map(|p| p.0 .0.to_string()).unwrap_or_default();
    let keys = [format!("ip {ip}"), format!("name {}", name.to_lowercase())];
    if state.failures.blocked(&keys) {
        return login_form(
            &state,
            StatusCode::TOO_MANY_REQUESTS,
            "Too many failed sign-ins: wait a quarter of an hour and try again.",
        );
    }
    let (n, p) = (name.clone(), password);
    let user = match with_store(&state, move |s| s.check_password(&n, &p)).await {
        Ok(u) => u,
        Err(why) => return crate::unavailable_page(&why),
    };
    let Some(user) = user else {
        state.failures.failed(&keys);
        return login_form(&state, StatusCode::UNAUTHORIZED, "Wrong account name or password.");
    };
    state.failures.forget(&keys[1]);
    let u = user.clone();
    let (session, _) = match with_store(&state, move |s| s.new_session(&u)).await {
        Ok(x) => x,
        Err(why) => return crate::unavailable_page(&why),
    };
    let mut r = (StatusCode::SEE_OTHER, [(header::LOCATION, "/register")]).into_response();
    r.headers_mut()
        .append(header::SET_COOKIE, set_cookie(SESSION_COOKIE, &session, "/", iotvet_store::SESSION_SECONDS));
    r.headers_mut().append(header::SET_COOKIE, set_cookie(LOGIN_COOKIE, "", "/login", 0));
    r
}

/// Signing out: the session ends and its cookie is cleared.
pub async fn logout(State(state): State<AppState>, axum::Extension(signed): axum::Extension<Signed>) -> Response {
    if let Some(token) = signed.session {
        if let Err(why) = with_store(&state, move |s| s.end_session(&token)).await {
            return crate::unavailable_page(&why);
        }
    }
    let mut r = (StatusCode::SEE_OTHER, [(header::LOCATION, "/guide")]).into_response();
    r.headers_mut().append(header::SET_COOKIE, set_cookie(SESSION_COOKIE, "", "/", 0));
    r
}
