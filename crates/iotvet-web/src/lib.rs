//! `iotvet serve`: the buyer's guide and its API, read from the register.
//!
//! Public pages show only products an analyst published (`iotvet register publish ID`): an
//! index with search and filters, and one page per product in plain language — meets the
//! minimum standards or not, guideline by guideline, each with its one-sentence reason and the
//! date of the evidence. Plain HTML that works without JavaScript (no script at all; the
//! Content-Security-Policy forbids it), labelled form fields, high-contrast colours, readable on
//! a phone. The same facts as JSON under `/api/`, described by the OpenAPI document at
//! `/api/openapi.json`; every route is in one table (`ROUTES`), which both builds the router
//! and is checked against that document by the tests.
//!
//! Not built yet (issue 14): the signed-in register, accounts and roles, uploads, jobs.
#![forbid(unsafe_code)]

use std::sync::{Arc, Mutex};

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use iotvet_core::Guideline;
use iotvet_store::{ProductRow, Role, Store, Verdicts};

mod auth;
mod register;

pub use auth::{Access, Peer};
use serde::Deserialize;

/// The OpenAPI 3.1 document of the API.
pub const OPENAPI: &str = include_str!("../openapi.json");
const CSS: &str = include_str!("../templates/site.css");

/// A route: its method, its path as OpenAPI writes it, and who may use it. The router is
/// built from the same paths, and `auth::guard` refuses any routed request whose route is not
/// in `ROUTES` with the access it asks for.
#[derive(Debug, Clone, Copy)]
pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
    pub access: Access,
}

const fn route(method: &'static str, path: &'static str, access: Access) -> Route {
    Route { method, path, access }
}

const VIEWER: Access = Access::Signed(Role::Viewer);
const ANALYST: Access = Access::Signed(Role::Analyst);

/// Every route.
pub const ROUTES: [Route; 25] = [
    route("GET", "/", Access::Public),
    route("GET", "/guide", Access::Public),
    route("GET", "/guide/{id}", Access::Public),
    route("GET", "/static/site.css", Access::Public),
    route("GET", "/api/openapi.json", Access::Public),
    route("GET", "/api/guide/products", Access::Public),
    route("GET", "/api/guide/products/{id}", Access::Public),
    route("GET", "/login", Access::Public),
    route("POST", "/login", Access::Public),
    route("POST", "/logout", VIEWER),
    route("GET", "/register", VIEWER),
    route("GET", "/register/{id}", VIEWER),
    route("POST", "/register/{id}/publish", ANALYST),
    route("GET", "/register/{id}/compare", VIEWER),
    route("GET", "/register/assessments/{id}/{file}", VIEWER),
    route("GET", "/api/products", VIEWER),
    route("POST", "/api/assessments", ANALYST),
    route("GET", "/api/assessments/{id}", VIEWER),
    route("GET", "/api/compare", VIEWER),
    route("GET", "/register/upload", ANALYST),
    route("POST", "/register/upload", ANALYST),
    route("GET", "/register/jobs", VIEWER),
    route("POST", "/register/jobs", ANALYST),
    route("GET", "/api/jobs", VIEWER),
    route("POST", "/api/jobs", ANALYST),
];

#[derive(Clone)]
pub struct AppState {
    /// Connections to the register, taken in turn (SQLite in WAL mode and PostgreSQL both
    /// serve readers side by side).
    stores: Arc<Vec<Mutex<Store>>>,
    next: Arc<std::sync::atomic::AtomicUsize>,
    templates: Arc<minijinja::Environment<'static>>,
    /// Time a register call may take (`Limits::query`).
    query_timeout: std::time::Duration,
    /// Failed sign-ins, by address and by name.
    failures: Arc<auth::Failures>,
}

/// Products on one page of the guide.
pub const PAGE: i64 = 50;

impl AppState {
    /// The state of a server on `stores` (one or more connections to the same register); an
    /// error only if a built-in template does not parse.
    pub fn new(stores: Vec<Store>) -> Result<Self, minijinja::Error> {
        let mut env = minijinja::Environment::new();
        // Autoescape by file name: every template is HTML, so every value is escaped.
        env.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
        for (name, text) in [
            ("base.html", include_str!("../templates/base.html")),
            ("filters.html", include_str!("../templates/filters.html")),
            ("guide.html", include_str!("../templates/guide.html")),
            ("product.html", include_str!("../templates/product.html")),
            ("login.html", include_str!("../templates/login.html")),
            ("message.html", include_str!("../templates/message.html")),
            ("register.html", include_str!("../templates/register.html")),
            ("register_product.html", include_str!("../templates/register_product.html")),
            ("compare.html", include_str!("../templates/compare.html")),
            ("jobs.html", include_str!("../templates/jobs.html")),
            ("upload.html", include_str!("../templates/upload.html")),
        ] {
            env.add_template(name, text)?;
        }
        Ok(AppState {
            stores: Arc::new(stores.into_iter().map(Mutex::new).collect()),
            next: Arc::new(std::sync::atomic::AtomicUsize::new(0)),
            templates: Arc::new(env),
            query_timeout: Limits::default().query,
            failures: Arc::default(),
        })
    }
}

/// The router, every route of `ROUTES` and nothing else.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(|| async { (StatusCode::SEE_OTHER, [(header::LOCATION, "/guide")]) }))
        .route("/guide", get(guide))
        .route("/guide/{id}", get(product_page))
        .route("/static/site.css", get(|| async { ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], CSS) }))
        .route("/api/openapi.json", get(|| async { ([(header::CONTENT_TYPE, "application/json")], OPENAPI) }))
        .route("/api/guide/products", get(api_products))
        .route("/api/guide/products/{id}", get(api_product))
        .route("/login", get(auth::login_page).post(auth::login))
        .route("/logout", post(auth::logout))
        .route("/register", get(register::list))
        .route("/register/{id}", get(register::product))
        .route("/register/{id}/publish", post(register::publish))
        .route("/register/{id}/compare", get(register::compare_page))
        .route("/register/assessments/{id}/{file}", get(register::download))
        .route("/api/products", get(register::api_list))
        .route("/api/assessments", post(register::upload))
        .route("/api/assessments/{id}", get(register::api_assessment))
        .route("/api/compare", get(register::api_compare))
        .route(
            "/register/upload",
            get(register::upload_page)
                .post(register::upload_form)
                .layer(axum::extract::DefaultBodyLimit::max(register::CASE_CAP + 64 * 1024)),
        )
        .route("/register/jobs", get(register::jobs_page).post(register::request_job))
        .route("/api/jobs", get(register::api_jobs).post(register::api_queue))
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), auth::guard))
        .fallback(|| async { not_found_page() })
        .layer(axum::middleware::map_response(security_headers))
        .with_state(state)
}

/// How a server treats its connections.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Connections served at once; more wait in the kernel's queue until one ends.
    pub connections: usize,
    /// Time a client has to send a request's head (the request line and headers), and to
    /// start its next request on a kept-alive connection: a client that trickles bytes or
    /// sits idle cannot hold a connection.
    pub head: std::time::Duration,
    /// Time the register has to answer one request's query; past it the request gets a 503
    /// (a database locked by a long write, a PostgreSQL server gone quiet).
    pub query: std::time::Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            connections: 1024,
            head: std::time::Duration::from_secs(10),
            query: std::time::Duration::from_secs(15),
        }
    }
}

/// Serves `router` on `listener` until the process ends, with the default limits.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    serve_with(listener, state, Limits::default()).await
}

/// Serves `router` on `listener` until the process ends. Each connection is hyper's HTTP/1.1
/// with a head-read timeout and a 64 KiB cap on what it buffers; a failed accept (out of file
/// descriptors) pauses the loop instead of ending it.
pub async fn serve_with(listener: tokio::net::TcpListener, mut state: AppState, limits: Limits) -> std::io::Result<()> {
    state.query_timeout = limits.query;
    let app = router(state);
    let slots = Arc::new(tokio::sync::Semaphore::new(limits.connections.max(1)));
    loop {
        let Ok(slot) = slots.clone().acquire_owned().await else { return Ok(()) };
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(_) => {
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        // Each request carries the peer's address (the sign-in limits read it); the router is
        // shared, not layered again for every connection.
        let (app, ip) = (app.clone(), peer.ip());
        let service = hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
            req.extensions_mut().insert(Peer(ip));
            // A router is always ready: `call` needs no `poll_ready` first.
            tower_service::Service::call(&mut app.clone(), req)
        });
        tokio::spawn(async move {
            let _slot = slot;
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(limits.head)
                .max_buf_size(64 * 1024)
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service);
            // A client that goes away mid-request is its own business.
            let _ = connection.await;
        });
    }
}

async fn security_headers(mut r: Response) -> Response {
    let h = r.headers_mut();
    // A response with a policy of its own (a report shown in the browser) keeps it.
    h.entry(header::CONTENT_SECURITY_POLICY).or_insert(HeaderValue::from_static(
        "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    ));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    r
}

/// Runs a register call on the blocking pool (the drivers are synchronous), within the query
/// time limit; an error says why the register could not answer.
pub(crate) async fn with_store<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce(&mut Store) -> Result<T, iotvet_store::StoreError> + Send + 'static,
) -> Result<T, String> {
    let stores = state.stores.clone();
    let turn = state.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let call = tokio::task::spawn_blocking(move || {
        let Some(store) = stores.get(turn % stores.len().max(1)) else {
            return Err(iotvet_store::StoreError::Invalid("no connection to the register".into()));
        };
        let mut guard = store.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut guard)
    });
    match tokio::time::timeout(state.query_timeout, call).await {
        Ok(Ok(Ok(v))) => Ok(v),
        Ok(Ok(Err(e))) => Err(e.to_string()),
        Ok(Err(_)) => Err("the request failed".into()),
        Err(_) => Err(format!("the register did not answer within {} s", state.query_timeout.as_secs())),
    }
}

/// `with_store` for a call whose `StoreError::Invalid` is the user's to mend (a bad upload, a
/// bad job): `Ok(Err(why))` for it, `Err` when the register itself failed.
pub(crate) async fn with_store_checked<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce(&mut Store) -> Result<T, iotvet_store::StoreError> + Send + 'static,
) -> Result<Result<T, String>, String> {
    with_store(state, move |s| match f(s) {
        Ok(v) => Ok(Ok(v)),
        Err(iotvet_store::StoreError::Invalid(why)) => Ok(Err(why)),
        Err(e) => Err(e),
    })
    .await
}

/// The API's answer when the register cannot be read.
pub(crate) fn unavailable(why: &str) -> Response {
    let body = serde_json::json!({ "error": "the register cannot be read just now", "detail": why });
    (StatusCode::SERVICE_UNAVAILABLE, axum::Json(body)).into_response()
}

/// A page's answer when the register cannot be read: a page, not JSON (the reason is not
/// shown to the public; the server's log has it).
pub(crate) fn unavailable_page(why: &str) -> Response {
    eprintln!("iotvet serve: the register could not be read: {why}");
    (StatusCode::SERVICE_UNAVAILABLE, [(header::RETRY_AFTER, "30")], Html(ERROR_503.to_owned())).into_response()
}

/// A short page of its own: a title and one sentence (the guard's refusals).
pub(crate) fn message_page(state: &AppState, status: StatusCode, title: &str, text: &str) -> Response {
    let mut r = render(state, "message.html", minijinja::context! { title => title, text => text });
    *r.status_mut() = status;
    r
}

const ERROR_503: &str = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Try again soon — iotvet buyer's guide</title><link rel=\"stylesheet\" href=\"/static/site.css\"></head><body><main><h1>Try again soon</h1><p>The buyer's guide cannot be read just now. Please try again in a minute.</p></main></body></html>";

pub(crate) fn not_found_page() -> Response {
    (StatusCode::NOT_FOUND, Html(ERROR_404.to_owned())).into_response()
}

const ERROR_404: &str = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Not found — iotvet buyer's guide</title><link rel=\"stylesheet\" href=\"/static/site.css\"></head><body><main><h1>Not found</h1><p>There is no such page in the buyer's guide. <a href=\"/guide\">See every product</a>.</p></main></body></html>";

fn not_found_json() -> Response {
    (StatusCode::NOT_FOUND, axum::Json(serde_json::json!({ "error": "no such published product" }))).into_response()
}

/// Search and filters of the index.
#[derive(Debug, Default, Deserialize)]
pub struct Filters {
    /// Words in the vendor, model or name.
    #[serde(default)]
    q: String,
    /// meets, fails or unknown.
    #[serde(default)]
    verdict: String,
    /// "1": children's products only.
    #[serde(default)]
    children: String,
    /// The page, from 1.
    #[serde(default)]
    page: String,
    /// The register only: products failing this guideline (`MS-3`).
    #[serde(default)]
    fails: String,
    /// The register only: this vendor's products.
    #[serde(default)]
    vendor: String,
    /// The register only: products not assessed for this many days.
    #[serde(default)]
    stale: String,
}

impl Filters {
    /// A link to page `to` of `base` with the same search and filters.
    fn link(&self, base: &str, to: i64) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query.append_pair("page", &to.to_string());
        let children = if self.children == "1" { "1" } else { "" };
        let register =
            [("fails", self.fails.as_str()), ("vendor", self.vendor.as_str()), ("stale", self.stale.as_str())];
        let guide = [("q", self.q.as_str()), ("verdict", self.verdict.as_str()), ("children", children)];
        for (k, v) in guide.into_iter().chain(register.into_iter().filter(|_| base == "/register")) {
            if !v.is_empty() {
                query.append_pair(k, v);
            }
        }
        format!("{base}?{}", query.finish())
    }

    fn of_guide(&self) -> iotvet_store::GuideFilter {
        let verdict = if matches!(self.verdict.as_str(), "meets" | "fails" | "unknown") {
            self.verdict.clone()
        } else {
            String::new()
        };
        iotvet_store::GuideFilter {
            q: self.q.chars().take(200).collect(),
            verdict,
            children_only: self.children == "1",
            unpublished_too: false,
            ..Default::default()
        }
    }

    /// The register's filters: the guide's, and failing a guideline, a vendor, not assessed
    /// for N days.
    fn of_register(&self) -> iotvet_store::GuideFilter {
        let days = self.stale.trim().parse::<u64>().ok().filter(|d| *d > 0 && *d <= 36_500);
        let since = days.map(|d| {
            let then = std::time::SystemTime::now() - std::time::Duration::from_secs(d * 86_400);
            humantime::format_rfc3339_seconds(then).to_string()
        });
        iotvet_store::GuideFilter {
            unpublished_too: true,
            fails: Guideline::ALL.into_iter().find(|g| g.id() == self.fails),
            vendor: self.vendor.chars().take(200).collect(),
            not_assessed_since: since.unwrap_or_default(),
            ..self.of_guide()
        }
    }

    fn page(&self) -> i64 {
        self.page.parse::<i64>().unwrap_or(1).clamp(1, 1_000_000)
    }
}

/// The overall verdict in a shopper's words.
fn overall_words(overall: &str) -> &'static str {
    match overall {
        "meets" => "Meets the minimum security standards",
        "fails" => "Does not meet the minimum security standards",
        _ => "Not enough evidence to say",
    }
}

fn date_of(rfc3339: &str) -> String {
    rfc3339.get(..10).unwrap_or(rfc3339).to_owned()
}

fn product_json(p: &ProductRow) -> serde_json::Value {
    serde_json::json!({
        "id": p.id, "vendor": p.vendor, "model": p.model, "name": p.name,
        "for_children": p.for_children, "overall": p.overall, "assessed_at": p.last_assessed,
    })
}

/// One page of the products the filters keep — the published ones, or all of them for the
/// signed-in register — and whether there is a next page.
pub(crate) async fn page_of(
    state: &AppState,
    filters: &Filters,
    unpublished_too: bool,
) -> Result<(Vec<ProductRow>, bool), String> {
    let filter = if unpublished_too { filters.of_register() } else { filters.of_guide() };
    let page = filters.page();
    let mut rows = with_store(state, move |s| s.published_page(&filter, (page - 1) * PAGE, PAGE + 1)).await?;
    let more = rows.len() as i64 > PAGE;
    rows.truncate(PAGE as usize);
    Ok((rows, more))
}

pub(crate) fn render(state: &AppState, name: &str, ctx: minijinja::Value) -> Response {
    match state.templates.get_template(name).and_then(|t| t.render(ctx)) {
        Ok(html) => Html(html).into_response(),
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "the page could not be made").into_response(),
    }
}

async fn guide(State(state): State<AppState>, Query(filters): Query<Filters>) -> Response {
    let (q, verdict, children, page) =
        (filters.q.clone(), filters.verdict.clone(), filters.children == "1", filters.page());
    let (products, more) = match page_of(&state, &filters, false).await {
        Ok(p) => p,
        Err(why) => return unavailable_page(&why),
    };
    let link = |to: i64| filters.link("/guide", to);
    let previous = (page > 1).then(|| link(page - 1));
    let next = more.then(|| link(page + 1));
    let rows: Vec<minijinja::Value> = products
        .iter()
        .map(|p| {
            minijinja::context! {
                id => p.id, vendor => p.vendor, model => p.model, name => p.name,
                overall => p.overall, words => overall_words(&p.overall), date => date_of(&p.last_assessed),
                for_children => p.for_children,
            }
        })
        .collect();
    render(
        &state,
        "guide.html",
        minijinja::context! {
            products => rows, q => q, verdict => verdict, children => children,
            page => page, previous => previous, next => next,
        },
    )
}

/// A published product's newest assessment, guideline by guideline.
async fn published_product(
    state: &AppState,
    id: i64,
) -> Result<Option<(ProductRow, iotvet_store::AssessmentRow, Verdicts)>, String> {
    with_store(state, move |s| {
        let Some(p) = s.product(id)?.filter(|p| p.published) else { return Ok(None) };
        Ok(s.latest_verdicts(id)?.map(|(a, v)| (p, a, v)))
    })
    .await
}

fn guidelines(verdicts: &Verdicts) -> Vec<(Guideline, String, String)> {
    Guideline::ALL
        .iter()
        .map(|g| {
            let v = verdicts.get(g);
            let word = v.map(|v| v.verdict.as_str()).unwrap_or("unknown").to_owned();
            let why =
                v.map(|v| if v.summary.is_empty() { v.reason.clone() } else { v.summary.clone() }).unwrap_or_default();
            (*g, word, why)
        })
        .collect()
}

async fn product_page(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    let Ok(id) = id.parse::<i64>() else { return not_found_page() };
    let (p, a, verdicts) = match published_product(&state, id).await {
        Ok(Some(x)) => x,
        Ok(None) => return not_found_page(),
        Err(why) => return unavailable_page(&why),
    };
    let rows: Vec<minijinja::Value> = guidelines(&verdicts)
        .into_iter()
        .map(|(g, word, why)| minijinja::context! { id => g.id(), name => g.name(), verdict => word, why => why })
        .collect();
    render(
        &state,
        "product.html",
        minijinja::context! {
            vendor => p.vendor, model => p.model, name => p.name, overall => a.overall,
            words => overall_words(&a.overall), date => date_of(&a.ran_at), guidelines => rows,
            for_children => p.for_children,
        },
    )
}

async fn api_products(State(state): State<AppState>, Query(filters): Query<Filters>) -> Response {
    match page_of(&state, &filters, false).await {
        Ok((products, more)) => axum::Json(serde_json::json!({
            "products": products.iter().map(product_json).collect::<Vec<_>>(),
            "page": filters.page(),
            "next_page": more.then(|| filters.page() + 1),
        }))
        .into_response(),
        Err(why) => unavailable(&why),
    }
}

async fn api_product(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    let Ok(id) = id.parse::<i64>() else { return not_found_json() };
    match published_product(&state, id).await {
        Ok(Some((p, _, verdicts))) => {
            let mut v = product_json(&p);
            v["guidelines"] = guidelines(&verdicts)
                .into_iter()
                .map(|(g, word, why)| serde_json::json!({ "id": g.id(), "name": g.name(), "verdict": word, "reason": why }))
                .collect();
            axum::Json(v).into_response()
        }
        Ok(None) => not_found_json(),
        Err(why) => unavailable(&why),
    }
}
