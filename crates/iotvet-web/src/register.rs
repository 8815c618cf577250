//! The signed-in register: every product (published or not) with its newest verdict, a
//! product's assessment history, publishing in the buyer's guide; the same list as JSON for
//! machines with an API token.

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use iotvet_store::Role;

use crate::auth::{form_field, Signed};
use crate::{not_found_page, render, unavailable, unavailable_page, with_store, AppState, Filters, PAGE};

async fn page_of(state: &AppState, filters: &Filters) -> Result<(Vec<iotvet_store::ProductRow>, bool), String> {
    let (mut filter, page) = (filters.of_guide(), filters.page());
    filter.unpublished_too = true;
    let mut rows = with_store(state, move |s| s.published_page(&filter, (page - 1) * PAGE, PAGE + 1)).await?;
    let more = rows.len() as i64 > PAGE;
    rows.truncate(PAGE as usize);
    Ok((rows, more))
}

pub async fn list(
    State(state): State<AppState>,
    Extension(me): Extension<Signed>,
    Query(filters): Query<Filters>,
) -> Response {
    let (products, more) = match page_of(&state, &filters).await {
        Ok(x) => x,
        Err(why) => return unavailable_page(&why),
    };
    let page = filters.page();
    render(
        &state,
        "register.html",
        minijinja::context! {
            user => me.user.name, role => me.user.role.as_str(), csrf => me.csrf,
            products => products, q => filters.q, verdict => filters.verdict, children => filters.children == "1",
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
    let found = with_store(&state, move |s| Ok(s.product(id)?.map(|p| (p, s.assessments(id))))).await;
    let (p, history) = match found {
        Ok(Some((p, Ok(h)))) => (p, h),
        Ok(None) => return not_found_page(),
        Ok(Some((_, Err(e)))) => return unavailable_page(&e.to_string()),
        Err(why) => return unavailable_page(&why),
    };
    render(
        &state,
        "register_product.html",
        minijinja::context! {
            id => p.id, vendor => p.vendor, model => p.model, overall => p.overall, published => p.published,
            assessments => history, csrf => me.csrf, may_publish => me.user.role >= Role::Analyst,
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
    match page_of(&state, &filters).await {
        Ok((products, more)) => axum::Json(serde_json::json!({
            "products": products,
            "page": filters.page(),
            "next_page": more.then(|| filters.page() + 1),
        }))
        .into_response(),
        Err(why) => unavailable(&why),
    }
}
