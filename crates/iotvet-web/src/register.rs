//! The signed-in register: every product (published or not) with its newest verdict, a
//! product's assessment history, publishing in the buyer's guide; the same list as JSON for
//! machines with an API token.

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use iotvet_store::Role;

use crate::auth::{form_field, Signed};
use crate::{
    not_found_page, page_of, render, unavailable, unavailable_page, with_store, with_store_checked, AppState, Filters,
};

pub async fn list(
    State(state): State<AppState>,
    Extension(me): Extension<Signed>,
    Query(filters): Query<Filters>,
) -> Response {
    let (products, more) = match page_of(&state, &filters, true).await {
        Ok(x) => x,
        Err(why) => return unavailable_page(&why),
    };
    let page = filters.page();
    render(
        &state,
        "register.html",
        minijinja::context! {
            user => me.user.name, role => me.user.role.as_str(), csrf => me.csrf,
            products => products.iter().map(|p| minijinja::context! {
                id => p.id, vendor => p.vendor, model => p.model, overall => p.overall, published => p.published,
                assessments => p.assessments, last_assessed => p.last_assessed,
                checklist => p.checklist, for_children => p.for_children,
                guidelines => p.verdicts.split_whitespace().filter_map(|v| v.split_once('=')).collect::<Vec<_>>(),
            }).collect::<Vec<_>>(),
            q => filters.q, verdict => filters.verdict, children => filters.children == "1",
            fails => filters.fails, vendor => filters.vendor, stale => filters.stale,
            guideline_ids => iotvet_core::Guideline::ALL.iter().map(|g| g.id()).collect::<Vec<_>>(),
            page => page,
            previous => (page > 1).then(|| filters.link("/register", page - 1)),
            next => more.then(|| filters.link("/register", page + 1)),
        },
    )
}

pub async fn product(
    State(state): State<AppState>,
    Extension(me): Extension<Signed>,
    Path(id): Path<String>,
) -> Response {
    let Ok(id) = id.parse::<i64>() else { return not_found_page() };
    let found = with_store(&state, move |s| match s.product(id)? {
        Some(p) => Ok(Some((p, s.assessments(id)?))),
        None => Ok(None),
    })
    .await;
    let (p, history) = match found {
        Ok(Some(x)) => x,
        Ok(None) => return not_found_page(),
        Err(why) => return unavailable_page(&why),
    };
    render(
        &state,
        "register_product.html",
        minijinja::context! {
            id => p.id, vendor => p.vendor, model => p.model, overall => p.overall, published => p.published,
            checklist => p.checklist, for_children => p.for_children,
            assessments => history, csrf => me.csrf, may_publish => me.user.role >= Role::Analyst,
            files => iotvet_report::Format::ALL.iter().map(|f| f.file_name()).collect::<Vec<_>>(), sbom => SBOM_FILE,
        },
    )
}

/// Publishes a product in the buyer's guide (`publish=1`) or takes it out (`publish=0`).
pub async fn publish(State(state): State<AppState>, Path(id): Path<String>, body: axum::body::Bytes) -> Response {
    let Ok(id) = id.parse::<i64>() else { return not_found_page() };
    let publish = form_field(&body, "publish").as_deref() == Some("1");
    match with_store(&state, move |s| s.set_published(id, publish)).await {
        Ok(true) => (StatusCode::SEE_OTHER, [(header::LOCATION, format!("/register/{id}"))]).into_response(),
        Ok(false) => not_found_page(),
        Err(why) => unavailable_page(&why),
    }
}

/// Every product as JSON (an API token's or a session's account, viewer or above).
pub async fn api_list(State(state): State<AppState>, Query(filters): Query<Filters>) -> Response {
    match page_of(&state, &filters, true).await {
        Ok((products, more)) => axum::Json(serde_json::json!({
            "products": products,
            "page": filters.page(),
            "next_page": more.then(|| filters.page() + 1),
        }))
        .into_response(),
        Err(why) => unavailable(&why),
    }
}

/// A case file or saved report uploaded, at most (a capture's or firmware's case is large,
/// never this large).
pub(crate) const CASE_CAP: usize = 64 << 20;

/// What an upload says about its product, when the case's declaration does not (or to
/// override it).
#[derive(Debug, Default, serde::Deserialize)]
pub struct UploadQuery {
    #[serde(default)]
    vendor: Option<String>,
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    category: Option<String>,
    /// The firmware version the case is of (a manufacturer's CI uploads each build's).
    #[serde(default)]
    firmware_version: Option<String>,
}

pub(crate) fn api_error(status: StatusCode, why: &str) -> Response {
    (status, axum::Json(serde_json::json!({ "error": why }))).into_response()
}

/// Stores an uploaded case file or saved report as an assessment: (whether it is new, what was
/// stored), or the status and reason it was refused with (nothing stored then).
async fn store_case(
    state: &AppState,
    bytes: &[u8],
    q: UploadQuery,
    by: String,
) -> Result<(bool, serde_json::Value), (StatusCode, String)> {
    let refuse = |why: &str| (StatusCode::UNPROCESSABLE_ENTITY, why.to_owned());
    let text = std::str::from_utf8(bytes).map_err(|_| refuse("the upload is not UTF-8 JSON"))?;
    let now = humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string();
    let report = iotvet_report::Report::from_saved(text, now).map_err(|e| refuse(&e.to_string()))?;
    let mut product = iotvet_store::ProductInfo::of_case(&report.case).given(
        q.vendor.as_deref().unwrap_or_default(),
        q.model.as_deref().unwrap_or_default(),
        q.category.as_deref().unwrap_or_default(),
    );
    if let Some(version) = q.firmware_version.filter(|v| !v.trim().is_empty()) {
        product.firmware_version = version.trim().to_owned();
    }
    let overall = report.overall.as_str();
    let saved = with_store_checked(state, move |s| s.save(&report, &product, &by))
        .await
        .map_err(|why| (StatusCode::SERVICE_UNAVAILABLE, why))?
        .map_err(|why| refuse(&why))?;
    Ok((
        saved.new,
        serde_json::json!({
            "product_id": saved.product_id, "assessment_id": saved.assessment_id,
            "new": saved.new, "overall": overall,
        }),
    ))
}

/// Stores an uploaded case file or saved report as an assessment (analyst or above; a
/// manufacturer's CI with its API token). Read whole before anything is stored, stored in one
/// transaction, answered 201 only once it is committed.
pub async fn upload(
    State(state): State<AppState>,
    Extension(me): Extension<Signed>,
    Query(q): Query<UploadQuery>,
    body: axum::body::Body,
) -> Response {
    let Ok(bytes) = axum::body::to_bytes(body, CASE_CAP).await else {
        return api_error(StatusCode::PAYLOAD_TOO_LARGE, "the upload is larger than 64 MiB (or was cut short)");
    };
    match store_case(&state, &bytes, q, me.user.name).await {
        Ok((new, stored)) => {
            (if new { StatusCode::CREATED } else { StatusCode::OK }, axum::Json(stored)).into_response()
        }
        Err((StatusCode::SERVICE_UNAVAILABLE, why)) => unavailable(&why),
        Err((status, why)) => api_error(status, &why),
    }
}

/// The register's upload form (analyst or above); its token rides in the action URL.
pub async fn upload_page(State(state): State<AppState>, Extension(me): Extension<Signed>) -> Response {
    render(&state, "upload.html", minijinja::context! { csrf => me.csrf })
}

/// The upload form's multipart body: `case` (the file), `vendor`, `model`, `category`.
pub async fn upload_form(
    State(state): State<AppState>,
    Extension(me): Extension<Signed>,
    mut form: axum::extract::Multipart,
) -> Response {
    let mut case = None;
    let mut q = UploadQuery::default();
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                return crate::message_page(
                    &state,
                    e.status(),
                    "Not stored",
                    &format!("The upload could not be read: {}", e.body_text()),
                )
            }
        };
        let name = field.name().unwrap_or_default().to_owned();
        let Ok(bytes) = field.bytes().await else {
            return crate::message_page(
                &state,
                StatusCode::PAYLOAD_TOO_LARGE,
                "Not stored",
                "The file is larger than 64 MiB.",
            );
        };
        let text = || Some(String::from_utf8_lossy(&bytes).trim().to_owned());
        match name.as_str() {
            "case" => case = Some(bytes.clone()),
            "vendor" => q.vendor = text(),
            "model" => q.model = text(),
            "category" => q.category = text(),
            "firmware_version" => q.firmware_version = text(),
            _ => {}
        }
    }
    let Some(case) = case.filter(|c| !c.is_empty()) else {
        return crate::message_page(
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            "Not stored",
            "Choose a report or case file to upload.",
        );
    };
    match store_case(&state, &case, q, me.user.name).await {
        Ok((_, stored)) => {
            let product = stored["product_id"].as_i64().unwrap_or(0);
            (StatusCode::SEE_OTHER, [(header::LOCATION, format!("/register/{product}"))]).into_response()
        }
        Err((StatusCode::SERVICE_UNAVAILABLE, why)) => unavailable_page(&why),
        Err((status, why)) => crate::message_page(&state, status, "Not stored", &why),
    }
}

/// One assessment's report (its newest judgement).
async fn report_of(state: &AppState, id: i64) -> Result<Option<iotvet_report::Report>, String> {
    with_store(state, move |s| s.report(id)).await
}

/// An assessment's report as JSON.
pub async fn api_assessment(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    let Ok(id) = id.parse::<i64>() else { return api_error(StatusCode::NOT_FOUND, "no such assessment") };
    match report_of(&state, id).await {
        Ok(Some(r)) => axum::Json(r).into_response(),
        Ok(None) => api_error(StatusCode::NOT_FOUND, "no such assessment"),
        Err(why) => unavailable(&why),
    }
}

/// The two assessments of a comparison.
#[derive(Debug, Default, serde::Deserialize)]
pub struct Pair {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

/// What changed from one assessment to another: findings new, gone and changed, verdicts
/// changed (`iotvet_core::gate::compare`, as `iotvet diff` shows it), as the diff's JSON.
async fn comparison(state: &AppState, pair: &Pair) -> Result<Option<serde_json::Value>, String> {
    let (Ok(from), Ok(to)) = (pair.from.parse::<i64>(), pair.to.parse::<i64>()) else { return Ok(None) };
    let (Some(old), Some(new)) = (report_of(state, from).await?, report_of(state, to).await?) else { return Ok(None) };
    let c = iotvet_core::gate::compare(&old.assessment(), &new.assessment());
    let json = iotvet_report::diff::render(&c, &old, &new, iotvet_report::Format::Json).map_err(|e| e.to_string())?;
    serde_json::from_str(&json).map(Some).map_err(|e| e.to_string())
}

pub async fn api_compare(State(state): State<AppState>, Query(pair): Query<Pair>) -> Response {
    match comparison(&state, &pair).await {
        Ok(Some(v)) => axum::Json(v).into_response(),
        Ok(None) => api_error(StatusCode::NOT_FOUND, "give two assessments that exist: ?from=ID&to=ID"),
        Err(why) => unavailable(&why),
    }
}

pub async fn compare_page(State(state): State<AppState>, Path(id): Path<String>, Query(pair): Query<Pair>) -> Response {
    let Ok(id) = id.parse::<i64>() else { return not_found_page() };
    // Both assessments must be this product's.
    let history = match with_store(&state, move |s| s.assessments(id)).await {
        Ok(h) => h,
        Err(why) => return unavailable_page(&why),
    };
    let ours = |a: &str| history.iter().any(|h| h.id.to_string() == a);
    if !ours(&pair.from) || !ours(&pair.to) {
        return not_found_page();
    }
    match comparison(&state, &pair).await {
        Ok(Some(v)) => render(&state, "compare.html", minijinja::context! { id => id, d => v }),
        Ok(None) => not_found_page(),
        Err(why) => unavailable_page(&why),
    }
}

/// An assessment's report as a file in one of the five formats (`report.html`, `report.json`,
/// `report.md`, `report.sarif`, `report.txt`), downloaded rather than shown: a report is a
/// document of its own, not a page of this site.
/// Also the SBOM of an assessment with a firmware image (`sbom.cdx.json`, CycloneDX, as
/// `iotvet firmware --sbom` writes it, with the vulnerabilities matched).
/// With `?view=1` the HTML, text and Markdown reports are shown in the browser instead: the HTML
/// report under a policy of its own (its inline style allowed, nothing else; sandboxed, so
/// the evidence in it cannot act as this site).
pub async fn download(
    State(state): State<AppState>,
    Path((id, file)): Path<(String, String)>,
    Query(how): Query<ViewQuery>,
) -> Response {
    let Ok(id) = id.parse::<i64>() else { return not_found_page() };
    let format = iotvet_report::Format::ALL.into_iter().find(|f| f.file_name() == file);
    if format.is_none() && file != SBOM_FILE {
        return not_found_page();
    }
    let report = match report_of(&state, id).await {
        Ok(Some(r)) => r,
        Ok(None) => return not_found_page(),
        Err(why) => return unavailable_page(&why),
    };
    let disposition = format!("attachment; filename=\"assessment-{id}-{file}\"");
    let Some(format) = format else {
        let Some(section) = &report.case.firmware else {
            return crate::message_page(
                &state,
                StatusCode::NOT_FOUND,
                "No SBOM",
                "This assessment has no firmware image, so no list of components: an SBOM comes with an assessment made with --firmware.",
            );
        };
        let bom = iotvet_report::cyclonedx::bom_with_vulnerabilities(section, report.case.vulnerabilities.as_ref());
        let text = serde_json::to_string_pretty(&bom).unwrap_or_default() + "\n";
        return (
            [
                (header::CONTENT_TYPE, "application/vnd.cyclonedx+json".to_owned()),
                (header::CONTENT_DISPOSITION, disposition),
            ],
            text,
        )
            .into_response();
    };
    let Ok(text) = iotvet_report::render(&report, format, false) else {
        return unavailable_page("the report could not be rendered");
    };
    let view = how.view.is_some();
    let kind = match format {
        iotvet_report::Format::Json | iotvet_report::Format::Sarif => "application/json",
        iotvet_report::Format::Html => "text/html; charset=utf-8",
        // Browsers download text/markdown; shown, it is text.
        iotvet_report::Format::Markdown if view => "text/plain; charset=utf-8",
        iotvet_report::Format::Markdown => "text/markdown; charset=utf-8",
        iotvet_report::Format::Terminal => "text/plain; charset=utf-8",
    };
    let mut response =
        ([(header::CONTENT_TYPE, kind.to_owned()), (header::CONTENT_DISPOSITION, disposition)], text).into_response();
    if view {
        let h = response.headers_mut();
        h.insert(header::CONTENT_DISPOSITION, header::HeaderValue::from_static("inline"));
        h.insert(header::CONTENT_SECURITY_POLICY, header::HeaderValue::from_static(REPORT_POLICY));
    }
    response
}

/// The HTML report's own policy when shown: its inline style, nothing else, in a sandbox.
const REPORT_POLICY: &str =
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'; sandbox";

#[derive(Debug, Default, serde::Deserialize)]
pub struct ViewQuery {
    #[serde(default)]
    view: Option<String>,
}

/// The download name of an assessment's SBOM.
const SBOM_FILE: &str = "sbom.cdx.json";

/// Jobs listed on a page or by the API, newest first.
const JOBS_SHOWN: i64 = 100;

/// Queues a job; Err with a reason a person can act on.
async fn queue(state: &AppState, request: iotvet_store::JobRequest, by: String) -> Result<Result<i64, String>, String> {
    with_store_checked(state, move |s| s.queue(&request, &by)).await
}

pub async fn jobs_page(State(state): State<AppState>, Extension(me): Extension<Signed>) -> Response {
    match with_store(&state, |s| s.jobs(JOBS_SHOWN)).await {
        Ok(jobs) => render(
            &state,
            "jobs.html",
            minijinja::context! { jobs => jobs, csrf => me.csrf, may_request => me.user.role >= Role::Analyst },
        ),
        Err(why) => unavailable_page(&why),
    }
}

/// The register's form asking for an assessment (analyst or above).
pub async fn request_job(
    State(state): State<AppState>,
    Extension(me): Extension<Signed>,
    body: axum::body::Bytes,
) -> Response {
    let field = |n: &str| form_field(&body, n).unwrap_or_default().trim().to_owned();
    let request = iotvet_store::JobRequest {
        target: field("target"),
        ports: field("ports"),
        udp_ports: field("udp_ports"),
        vendor: field("vendor"),
        model: field("model"),
    };
    match queue(&state, request, me.user.name).await {
        Ok(Ok(_)) => (StatusCode::SEE_OTHER, [(header::LOCATION, "/register/jobs")]).into_response(),
        Ok(Err(why)) => crate::message_page(&state, StatusCode::UNPROCESSABLE_ENTITY, "Not queued", &why),
        Err(why) => unavailable_page(&why),
    }
}

pub async fn api_jobs(State(state): State<AppState>) -> Response {
    match with_store(&state, |s| s.jobs(JOBS_SHOWN)).await {
        Ok(jobs) => axum::Json(serde_json::json!({ "jobs": jobs })).into_response(),
        Err(why) => unavailable(&why),
    }
}

/// Asks for an assessment by the API (analyst or above): `{"target": …, "ports": …}`.
pub async fn api_queue(
    State(state): State<AppState>,
    Extension(me): Extension<Signed>,
    body: axum::body::Bytes,
) -> Response {
    let Ok(request) = serde_json::from_slice::<iotvet_store::JobRequest>(&body) else {
        return api_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "a job is JSON: {\"target\": ADDRESS, \"ports\": …, \"udp_ports\": …, \"vendor\": …, \"model\": …}",
        );
    };
    match queue(&state, request, me.user.name).await {
        Ok(Ok(id)) => {
            (StatusCode::CREATED, axum::Json(serde_json::json!({ "id": id, "state": "queued" }))).into_response()
        }
        Ok(Err(why)) => api_error(StatusCode::UNPROCESSABLE_ENTITY, &why),
        Err(why) => unavailable(&why),
    }
}
