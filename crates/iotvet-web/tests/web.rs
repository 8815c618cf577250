//! The buyer's guide served on loopback from a register the test fills: only published
//! products are shown, hostile names are text, every documented route answers as documented
//! and nothing else answers.

mod common;

use std::io::{Read, Write};

use common::{get, post_json, raw_request, report, request};
use iotvet_store::{ProductInfo, Store};

#[test]
fn the_buyers_guide_shows_published_products_only_and_every_route_answers_as_documented() {
    let dir = std::env::temp_dir().join(format!("iotvet-web-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("register.sqlite");
    let mut store = Store::open(Some(db.to_str().unwrap())).unwrap();
    let hostile = ProductInfo {
        vendor: "<script>alert('x')</script>".into(),
        model: "Cam \"1\" & <b>2</b>".into(),
        for_children: true,
        ..Default::default()
    };
    let shown = store.save(&report("cam", "2026-11-20T08:00:00Z"), &hostile, "analyst").unwrap();
    let hidden_product = ProductInfo { vendor: "Secret Co".into(), model: "S-1".into(), ..Default::default() };
    let hidden = store.save(&report("plug", "2026-11-21T08:00:00Z"), &hidden_product, "analyst").unwrap();
    assert!(store.set_published(shown.product_id, true).unwrap());
    assert!(!store.set_published(999, true).unwrap());
    // A page holds 50: 60 more published products make a second page.
    for i in 0..60 {
        let p = ProductInfo { vendor: "Zeta".into(), model: format!("Z-{i:02}"), ..Default::default() };
        let saved = store.save(&report(&format!("z{i}"), "2026-11-22T08:00:00Z"), &p, "analyst").unwrap();
        store.set_published(saved.product_id, true).unwrap();
    }

    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let port = listener.local_addr().unwrap().port();
    rt.spawn(iotvet_web::serve(listener, iotvet_web::AppState::new(vec![store]).unwrap()));

    let (status, head, body) = get(port, "/guide");
    assert_eq!(status, 200);
    assert!(body.contains("&lt;script&gt;alert(") && !body.contains("<script>"), "{body}");
    assert!(
        body.contains("Cam &quot;1&quot; &amp; &lt;b&gt;2&lt;&#x2f;b&gt;")
            || body.contains("Cam &quot;1&quot; &amp; &lt;b&gt;2&lt;/b&gt;"),
        "{body}"
    );
    assert!(!body.contains("Secret Co"), "unpublished products are not shown");
    assert!(body.contains("<label for=\"q\">") && body.contains("lang=\"en\""));
    for h in ["content-security-policy: default-src 'none'", "x-content-type-options: nosniff", "x-frame-options: deny"]
    {
        assert!(head.contains(h), "{h}: {head}");
    }
    let (_, _, body) = get(port, "/guide?q=zeta");
    assert_eq!(body.matches("<li><a href=\"/guide/").count(), 50, "{body}");
    // (minijinja escapes "/" too: the link reads "&#x2f;guide?page=2&amp;q=zeta".)
    assert!(body.contains("guide?page=2&amp;q=zeta\" rel=\"next\">Next page"), "{body}");
    let (_, _, body) = get(port, "/guide?q=zeta&page=2");
    assert_eq!(body.matches("<li><a href=\"/guide/").count(), 10, "{body}");
    assert!(body.contains("Z-59") && !body.contains("Next page"), "{body}");
    let (_, _, body) = get(port, "/api/guide/products?q=z-0");
    let list: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(list["products"].as_array().unwrap().len(), 10, "Z-00 to Z-09: {list}");
    assert_eq!(list["next_page"], serde_json::Value::Null);
    // LIKE's wildcards are text in a search.
    let (_, _, body) = get(port, "/guide?q=%25");
    assert!(body.contains("No published product matches"), "{body}");
    let (_, _, body) = get(port, "/guide?q=secret");
    assert!(body.contains("No published product matches"), "{body}");
    let overall = shown_overall(port, shown.product_id);
    let (_, _, body) = get(port, &format!("/guide?children=1&verdict={overall}"));
    assert!(body.contains(&format!("/guide/{}", shown.product_id)), "{body}");
    let other = if overall == "meets" { "fails" } else { "meets" };
    let (_, _, body) = get(port, &format!("/guide?verdict={other}"));
    assert!(body.contains("No published product matches"), "{body}");

    // The product page: guideline by guideline, the date of the evidence.
    let (status, _, body) = get(port, &format!("/guide/{}", shown.product_id));
    assert_eq!(status, 200);
    for g in ["MS-1 Encrypted communications", "MS-3 Strong passwords", "MS-5 Privacy practices"] {
        assert!(body.contains(g), "{g}: {body}");
    }
    assert!(body.contains("Evidence from 2026-11-20"), "{body}");
    assert_eq!(get(port, &format!("/guide/{}", hidden.product_id)).0, 404, "an unpublished product is not found");
    assert_eq!(get(port, "/guide/not-a-number").0, 404);
    assert_eq!(get(port, &format!("/api/guide/products/{}", hidden.product_id)).0, 404);

    // The API against its OpenAPI document: every documented path answers with a documented
    // status; the JSON has the documented fields.
    let (status, _, body) = get(port, "/api/openapi.json");
    assert_eq!(status, 200);
    let doc: serde_json::Value = serde_json::from_str(&body).unwrap();
    let paths = doc["paths"].as_object().unwrap();
    let documented: std::collections::BTreeSet<&str> = paths.keys().map(String::as_str).collect();
    let routed: std::collections::BTreeSet<&str> = iotvet_web::ROUTES.iter().map(|r| r.path).collect();
    assert_eq!(documented, routed, "every route documented, nothing documented that is not routed");
    for r in iotvet_web::ROUTES {
        assert!(paths[r.path].get(r.method.to_lowercase()).is_some(), "{} {} documented", r.method, r.path);
    }
    // The public pages and API answer anyone (the signed-in ones: the accounts test).
    for r in iotvet_web::ROUTES.iter().filter(|r| r.access == iotvet_web::Access::Public && r.method == "GET") {
        let path = r.path;
        let url = path.replace("{id}", &shown.product_id.to_string());
        let (status, _, _) = get(port, &url);
        let answers = paths[path]["get"]["responses"].as_object().unwrap();
        assert!(answers.contains_key(&status.to_string()), "{path} answered {status}, documented {:?}", answers.keys());
    }
    let (_, head, body) = get(port, "/api/guide/products");
    assert!(head.contains("application/json"));
    let list: serde_json::Value = serde_json::from_str(&body).unwrap();
    let products = list["products"].as_array().unwrap();
    assert_eq!(products.len(), 50);
    assert_eq!(list["next_page"], 2);
    for field in doc["components"]["schemas"]["Product"]["required"].as_array().unwrap() {
        assert!(products[0].get(field.as_str().unwrap()).is_some(), "{field}");
    }
    let (_, _, body) = get(port, &format!("/api/guide/products/{}", shown.product_id));
    let detail: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(detail["guidelines"].as_array().unwrap().len(), 5);
    assert_eq!(detail["vendor"], hostile.vendor.as_str(), "JSON keeps the name as it is");

    // Nothing else answers.
    for path in ["/admin", "/api/users", "/guide/1/edit", "/../etc/passwd"] {
        assert_eq!(get(port, path).0, 404, "{path}");
    }
    drop(rt);
    let _ = std::fs::remove_dir_all(&dir);
}

fn shown_overall(port: u16, id: i64) -> String {
    let (_, _, body) = get(port, &format!("/api/guide/products/{id}"));
    serde_json::from_str::<serde_json::Value>(&body).unwrap()["overall"].as_str().unwrap_or_default().to_owned()
}

#[test]
fn slow_clients_are_cut_off_and_a_broken_register_gets_an_error_page_while_the_server_serves_on() {
    let dir = std::env::temp_dir().join(format!("iotvet-web-faults-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("register.sqlite");
    let mut store = Store::open(Some(db.to_str().unwrap())).unwrap();
    let product = ProductInfo { vendor: "Acme".into(), model: "C-1".into(), ..Default::default() };
    let saved = store.save(&report("cam", "2026-11-20T08:00:00Z"), &product, "analyst").unwrap();
    store.set_published(saved.product_id, true).unwrap();

    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let port = listener.local_addr().unwrap().port();
    let limits = iotvet_web::Limits { head: std::time::Duration::from_secs(1), ..Default::default() };
    rt.spawn(iotvet_web::serve_with(listener, iotvet_web::AppState::new(vec![store]).unwrap(), limits));
    assert_eq!(get(port, "/guide").0, 200);

    // A client that sends half a request head, and one that sends nothing: each connection is
    // closed once the head timeout passes, not held.
    for half in ["GET /guide HTTP/1.1\r\nHost: loc", ""] {
        let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.set_read_timeout(Some(std::time::Duration::from_secs(8))).unwrap();
        s.write_all(half.as_bytes()).unwrap();
        let started = std::time::Instant::now();
        let mut rest = Vec::new();
        let read = s.read_to_end(&mut rest);
        let waited = started.elapsed();
        assert!(read.is_ok(), "{half:?}: the server closed the connection (not the client's timeout): {read:?}");
        assert!(waited < std::time::Duration::from_secs(5), "{half:?}: held {waited:?}");
    }

    // The register broken under the server (its products table gone): the pages answer with an
    // error page, the API with a JSON error, and the server goes on serving what it can.
    let mut other = Store::open(Some(db.to_str().unwrap())).unwrap();
    other.execute_raw("PRAGMA foreign_keys = OFF; DROP TABLE products").unwrap();
    let (status, head, body) = get(port, "/guide");
    assert_eq!(status, 503, "{body}");
    assert!(head.contains("content-type: text/html") && body.contains("Try again soon"), "{head}{body}");
    assert!(!body.contains("products"), "the reason stays in the server's log: {body}");
    let (status, _, body) = get(port, &format!("/api/guide/products/{}", saved.product_id));
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("\"error\""), "{body}");
    assert_eq!(get(port, "/static/site.css").0, 200);
    assert_eq!(get(port, "/api/openapi.json").0, 200);
    drop(rt);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A cookie the response sets: (value, its attributes in lower case).
fn set_cookie(head: &str, name: &str) -> Option<(String, String)> {
    head.lines().filter_map(|l| l.strip_prefix("set-cookie: ")).find_map(|c| {
        let rest = c.strip_prefix(&format!("{name}="))?;
        let (value, attrs) = rest.split_once(';').unwrap_or((rest, ""));
        Some((value.to_owned(), attrs.to_owned()))
    })
}

fn field(html: &str, name: &str) -> String {
    let at = html.find(&format!("name=\"{name}\" value=\"")).unwrap_or_else(|| panic!("{name} in {html}"));
    let rest = &html[at + name.len() + 15..];
    rest[..rest.find('"').unwrap()].to_owned()
}

/// Signs in through the form: (status, the session token set, the response head as sent).
fn sign_in(port: u16, name: &str, password: &str, planted: Option<&str>) -> (u16, Option<String>, String) {
    let (_, head, body) = request(port, "GET", "/login", &[], "");
    let token = field(&body, "login");
    let (login_cookie, _) = set_cookie(&head, "iotvet_login").expect("the sign-in form's cookie");
    assert_eq!(login_cookie, token.to_ascii_lowercase());
    let mut cookie = format!("iotvet_login={token}");
    if let Some(p) = planted {
        cookie.push_str(&format!("; iotvet_session={p}"));
    }
    let form = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("name", name)
        .append_pair("password", password)
        .append_pair("login", &token)
        .finish();
    let (status, head, _) = raw_request(port, "POST", "/login", &[("Cookie", &cookie)], &form);
    // Header names in any case; the value as sent.
    let prefix = "set-cookie: iotvet_session=";
    let session = head
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with(prefix))
        .map(|l| l[prefix.len()..].split(';').next().unwrap_or_default().to_owned());
    (status, session.filter(|s| !s.is_empty()), head)
}

#[test]
fn every_register_route_refuses_the_anonymous_and_the_wrong_role_and_forms_need_their_csrf_token() {
    use iotvet_store::Role;
    let dir = std::env::temp_dir().join(format!("iotvet-web-accounts-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("register.sqlite");
    let mut store = Store::open(Some(db.to_str().unwrap())).unwrap();
    store.add_user("ana", "analyst's long password", Role::Analyst).unwrap();
    store.add_user("vic", "viewer's long password", Role::Viewer).unwrap();
    let api = store.new_api_token("vic", "ci").unwrap();
    let hostile = ProductInfo { vendor: "<script>x()</script>".into(), model: "M-1".into(), ..Default::default() };
    let product = store.save(&report("cam", "2026-11-20T08:00:00Z"), &hostile, "ana").unwrap().product_id;

    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let port = listener.local_addr().unwrap().port();
    rt.spawn(iotvet_web::serve(listener, iotvet_web::AppState::new(vec![store]).unwrap()));
    let url = |path: &str| path.replace("{id}", &product.to_string()).replace("{file}", "report.json");

    // Every route that needs an account refuses a request without one: pages send to the
    // sign-in page, the API answers 401. Enumerated from ROUTES: a new route is checked too.
    let signed: Vec<&iotvet_web::Route> =
        iotvet_web::ROUTES.iter().filter(|r| r.access != iotvet_web::Access::Public).collect();
    assert!(signed.len() >= 5);
    for r in &signed {
        let (status, head, _) = request(port, r.method, &url(r.path), &[], "csrf=x&publish=1");
        if r.path.starts_with("/api/") {
            assert_eq!(status, 401, "{} {}", r.method, r.path);
        } else {
            assert_eq!((status, head.contains("location: /login")), (303, true), "{} {}", r.method, r.path);
        }
        // A forged session is no session.
        let (status, _, _) = request(port, r.method, &url(r.path), &[("Cookie", "iotvet_session=forged")], "");
        assert!(status == 303 || status == 401, "{} {}: {status}", r.method, r.path);
    }
    let unpublished = |port| get(port, &format!("/guide/{product}")).0 == 404;
    assert!(unpublished(port), "nothing was published by the anonymous requests");

    // Signing in: the cookie's flags, a new token whatever was planted before.
    let (status, vic, head) = sign_in(port, "vic", "viewer's long password", Some("planted-by-an-attacker"));
    assert_eq!(status, 303, "{head}");
    let vic = vic.expect("a session cookie");
    assert_ne!(vic, "planted-by-an-attacker");
    let flags =
        head.to_ascii_lowercase().lines().find(|l| l.starts_with("set-cookie: iotvet_session=")).unwrap().to_owned();
    for flag in ["httponly", "secure", "samesite=strict", "path=/"] {
        assert!(flags.contains(flag), "{flag}: {flags}");
    }
    let vic_cookie = format!("iotvet_session={vic}");
    let (status, _, page) = request(port, "GET", "/register", &[("Cookie", &vic_cookie)], "");
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("&lt;script&gt;x()") && !page.contains("<script>"), "hostile names are text: {page}");
    // The retailer checklist's column: this product is not a children's product.
    assert!(page.contains("Retailer checklist</th>") && page.contains("<td>not a children's product</td>"), "{page}");
    let csrf = field(&page, "csrf");
    assert_eq!(request(port, "GET", &format!("/register/{product}"), &[("Cookie", &vic_cookie)], "").0, 200);
    // A viewer may not publish, even with the right CSRF token.
    let (status, _, _) = request(
        port,
        "POST",
        &format!("/register/{product}/publish"),
        &[("Cookie", &vic_cookie)],
        &format!("csrf={csrf}&publish=1"),
    );
    assert_eq!(status, 403);
    assert!(unpublished(port));

    // An analyst may, with the session's CSRF token and only with it.
    let (_, ana, _) = sign_in(port, "ana", "analyst's long password", None);
    let ana_cookie = format!("iotvet_session={}", ana.unwrap());
    let (_, _, page) = request(port, "GET", &format!("/register/{product}"), &[("Cookie", &ana_cookie)], "");
    let ana_csrf = field(&page, "csrf");
    for body in ["publish=1".to_owned(), format!("csrf={csrf}&publish=1"), "csrf=&publish=1".to_owned()] {
        let (status, _, _) =
            request(port, "POST", &format!("/register/{product}/publish"), &[("Cookie", &ana_cookie)], &body);
        assert_eq!(status, 403, "{body}");
        assert!(unpublished(port), "{body}");
    }
    let (status, head, _) = request(
        port,
        "POST",
        &format!("/register/{product}/publish"),
        &[("Cookie", &ana_cookie)],
        &format!("csrf={ana_csrf}&publish=1"),
    );
    assert_eq!((status, head.contains(&format!("location: /register/{product}"))), (303, true));
    assert!(!unpublished(port), "published: its guide page is public now");
    // The analyst asks for an assessment from the jobs page's form.
    let form = format!("csrf={ana_csrf}&target=127.77.0.30&ports=2222&udp_ports=none&vendor=Lab&model=hub");
    let (status, head, _) = request(port, "POST", "/register/jobs", &[("Cookie", &ana_cookie)], &form);
    assert_eq!((status, head.contains("location: /register/jobs")), (303, true), "{head}");
    let (_, _, page) = request(port, "GET", "/register/jobs", &[("Cookie", &ana_cookie)], "");
    assert!(page.contains("127.77.0.30") && page.contains("Ask for an assessment"), "{page}");

    // Machines: an API token as a bearer token; the list holds unpublished products too.
    let (status, _, body) = request(port, "GET", "/api/products", &[("Authorization", &format!("Bearer {api}"))], "");
    assert_eq!(status, 200, "{body}");
    let list: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(list["products"][0]["vendor"], "<script>x()</script>");
    assert_eq!(request(port, "GET", "/api/products", &[("Authorization", "Bearer iotvet_wrong")], "").0, 401);

    // Signing out ends the session (with its CSRF token; without, refused).
    assert_eq!(request(port, "POST", "/logout", &[("Cookie", &vic_cookie)], "").0, 403);
    assert_eq!(request(port, "POST", "/logout", &[("Cookie", &vic_cookie)], &format!("csrf={csrf}")).0, 303);
    assert_eq!(request(port, "GET", "/register", &[("Cookie", &vic_cookie)], "").0, 303, "signed out");

    // Wrong passwords: refused, then blocked for the name, even with the right password.
    let (status, session, _) = sign_in(port, "vic", "not the password at all", None);
    assert_eq!((status, session), (401, None));
    for _ in 0..10 {
        sign_in(port, "vic", "not the password at all", None);
    }
    let (status, session, _) = sign_in(port, "vic", "viewer's long password", None);
    assert_eq!((status, session), (429, None));
    // The sign-in form's token must match its cookie (a form posted from elsewhere).
    let (status, _, _) = raw_request(
        port,
        "POST",
        "/login",
        &[("Cookie", "iotvet_login=abc")],
        "name=ana&password=analyst%27s+long+password&login=abd",
    );
    assert_eq!(status, 403);
    drop(rt);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_upload_is_stored_whole_or_not_at_all_and_two_assessments_compare_and_download() {
    use iotvet_store::Role;
    let dir = std::env::temp_dir().join(format!("iotvet-web-upload-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("register.sqlite");
    let mut store = Store::open(Some(db.to_str().unwrap())).unwrap();
    store.add_user("ci", "the CI account's password", Role::Analyst).unwrap();
    store.add_user("vic", "viewer's long password", Role::Viewer).unwrap();
    let ci = store.new_api_token("ci", "firmware builds").unwrap();
    let vic = store.new_api_token("vic", "dashboard").unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let port = listener.local_addr().unwrap().port();
    rt.spawn(iotvet_web::serve(listener, iotvet_web::AppState::new(vec![store]).unwrap()));
    let products = |port| {
        let (_, _, body) = request(port, "GET", "/api/products", &[("Authorization", &format!("Bearer {vic}"))], "");
        serde_json::from_str::<serde_json::Value>(&body).unwrap()["products"].as_array().unwrap().len()
    };

    let first = serde_json::to_vec(&report("cam", "2026-11-20T08:00:00Z")).unwrap();
    let q = "/api/assessments?vendor=Acme&model=C-1";
    // A viewer may not upload.
    assert_eq!(post_json(port, q, &vic, &first).0, 403);
    // Bad uploads: a clear error, nothing stored.
    let mut newer: serde_json::Value = serde_json::from_slice(&first).unwrap();
    newer["schema_version"] = 99.into();
    let long = format!("/api/assessments?vendor={}&model=C-1", "x".repeat(10_000));
    for (path, body, status, says) in [
        (q, b"not json".to_vec(), 422, "not an iotvet report"),
        (q, b"{\"hello\": 1}".to_vec(), 422, "neither an iotvet report nor a case file"),
        (q, serde_json::to_vec(&newer).unwrap(), 422, "schema version"),
        (long.as_str(), first.clone(), 422, "at most 200 characters"),
        (q, vec![b' '; (64 << 20) + 1], 413, "64 mib"),
    ] {
        let (got, answer) = post_json(port, path, &ci, &body);
        assert_eq!(got, status, "{answer}");
        assert!(answer.to_lowercase().contains(says), "{says}: {answer}");
    }
    assert_eq!(products(port), 0, "nothing stored by a refused upload");
    assert_eq!(get(port, "/static/site.css").0, 200, "the server serves on");

    // Two assessments of one product; the same case again adds nothing.
    let (status, body) = post_json(port, q, &ci, &first);
    assert_eq!(status, 201, "{body}");
    let a: serde_json::Value = serde_json::from_str(&body).unwrap();
    let second = serde_json::to_vec(&report("cam", "2026-11-25T08:00:00Z")).unwrap();
    let (status, body) = post_json(port, q, &ci, &second);
    assert_eq!(status, 201, "{body}");
    let b: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(a["product_id"], b["product_id"]);
    let (status, body) = post_json(port, q, &ci, &first);
    assert_eq!((status, serde_json::from_str::<serde_json::Value>(&body).unwrap()["new"].clone()), (200, false.into()));
    assert_eq!(products(port), 1);
    // The register's filters: vendor, not assessed for N days, failing a guideline.
    let count = |query: &str| {
        let (_, _, body) =
            request(port, "GET", &format!("/api/products?{query}"), &[("Authorization", &format!("Bearer {vic}"))], "");
        serde_json::from_str::<serde_json::Value>(&body).unwrap()["products"].as_array().map_or(0, Vec::len)
    };
    assert_eq!((count("vendor=Acme"), count("vendor=Other"), count("vendor=acme")), (1, 0, 0));
    assert_eq!((count("stale=1"), count("stale=3650")), (1, 0), "assessed 2026-11-25");
    assert_eq!(
        (count("fails=MS-3"), count("fails=MS-9")),
        (0, 1),
        "no failing verdict; an unknown guideline is no filter"
    );

    let bearer = format!("Bearer {vic}");
    let (aid, bid, pid) =
        (a["assessment_id"].as_i64().unwrap(), b["assessment_id"].as_i64().unwrap(), a["product_id"].as_i64().unwrap());
    let (status, _, body) =
        request(port, "GET", &format!("/api/compare?from={aid}&to={bid}"), &[("Authorization", &bearer)], "");
    assert_eq!(status, 200, "{body}");
    let diff: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (diff["old"]["generated_at"].as_str(), diff["new"]["generated_at"].as_str()),
        (Some("2026-11-20T08:00:00Z"), Some("2026-11-25T08:00:00Z"))
    );
    assert_eq!(request(port, "GET", "/api/compare?from=1&to=999", &[("Authorization", &bearer)], "").0, 404);
    let (status, _, body) = request(port, "GET", &format!("/api/assessments/{bid}"), &[("Authorization", &bearer)], "");
    assert_eq!(status, 200);
    assert_eq!(serde_json::from_str::<serde_json::Value>(&body).unwrap()["generated_at"], "2026-11-25T08:00:00Z");

    // In the signed-in register: the comparison page and each report's five files.
    let (_, session, _) = sign_in(port, "vic", "viewer's long password", None);
    let cookie = format!("iotvet_session={}", session.unwrap());
    let (status, _, page) = request(port, "GET", &format!("/register/{pid}"), &[("Cookie", &cookie)], "");
    assert_eq!(status, 200);
    assert!(page.contains(&format!("/register/assessments/{aid}/report.sarif")) && page.contains("Compare"), "{page}");
    let (status, _, page) =
        request(port, "GET", &format!("/register/{pid}/compare?from={aid}&to={bid}"), &[("Cookie", &cookie)], "");
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("What changed") && page.contains("2026-11-25T08:00:00Z"), "{page}");
    // An assessment of another product is not compared under this one.
    assert_eq!(
        request(port, "GET", &format!("/register/{}/compare?from={aid}&to={bid}", pid + 1), &[("Cookie", &cookie)], "")
            .0,
        404
    );
    for file in ["report.txt", "report.json", "report.sarif", "report.md", "report.html"] {
        let (status, head, body) =
            request(port, "GET", &format!("/register/assessments/{aid}/{file}"), &[("Cookie", &cookie)], "");
        assert_eq!(status, 200, "{file}");
        assert!(
            head.contains(&format!("content-disposition: attachment; filename=\"assessment-{aid}-{file}\"")),
            "{head}"
        );
        assert!(!body.is_empty(), "{file}");
    }
    assert_eq!(
        request(port, "GET", &format!("/register/assessments/{aid}/report.exe"), &[("Cookie", &cookie)], "").0,
        404
    );
    // Shown in the browser: inline, the HTML report under its own sandboxed policy.
    let (status, head, body) =
        request(port, "GET", &format!("/register/assessments/{aid}/report.html?view=1"), &[("Cookie", &cookie)], "");
    assert_eq!(status, 200);
    assert!(head.contains("content-disposition: inline") && body.contains("<style"), "{head}");
    let policy = head.lines().find(|l| l.starts_with("content-security-policy:")).unwrap_or_default().to_owned();
    assert!(
        policy.contains("style-src 'unsafe-inline'") && policy.ends_with("sandbox") && !policy.contains("script"),
        "{policy}"
    );
    let (_, head, _) = request(port, "GET", &format!("/register/{pid}"), &[("Cookie", &cookie)], "");
    assert!(head.contains("style-src 'self'"), "the site's own pages keep the site's policy: {head}");
    // The SBOM of an assessment with a firmware image; none for one without.
    let (status, _, body) =
        request(port, "GET", &format!("/register/assessments/{aid}/sbom.cdx.json"), &[("Cookie", &cookie)], "");
    assert!(status == 404 && body.contains("no firmware image"), "{status} {body}");
    let mut with_firmware = serde_json::to_value(report("cam", "2026-11-26T08:00:00Z")).unwrap();
    with_firmware["case"]["firmware"] = serde_json::json!({
        "provenance": {"collector": "iotvet-firmware", "tool_version": "0", "started_at": "2026-11-26T08:00:00Z",
                       "finished_at": "2026-11-26T08:00:00Z"},
        "image": {"file": "fw.bin", "size": 1, "sha256": "00", "layers": []},
        "files": 1,
        "components": [{"name": "busybox", "version": "1.36.1", "purl": "pkg:generic/busybox@1.36.1",
                        "cpe": "cpe:2.3:a:busybox:busybox:1.36.1:*:*:*:*:*:*:*", "evidence": "e", "confidence": "high"}],
    });
    let (status, body) = post_json(
        port,
        "/api/assessments?vendor=Acme&model=F-1&firmware_version=2.4.1-build.77",
        &ci,
        &serde_json::to_vec(&with_firmware).unwrap(),
    );
    assert_eq!(status, 201, "{body}");
    let stored = serde_json::from_str::<serde_json::Value>(&body).unwrap();
    let (fid, fpid) = (stored["assessment_id"].as_i64().unwrap(), stored["product_id"].as_i64().unwrap());
    let (status, head, body) =
        request(port, "GET", &format!("/register/assessments/{fid}/sbom.cdx.json"), &[("Cookie", &cookie)], "");
    assert_eq!(status, 200, "{body}");
    assert!(head.contains("application/vnd.cyclonedx+json"), "{head}");
    let bom: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (bom["bomFormat"].as_str(), bom["components"][0]["name"].as_str()),
        (Some("CycloneDX"), Some("busybox"))
    );
    // The firmware version the upload named is in the product's history.
    let (_, _, page) = request(port, "GET", &format!("/register/{fpid}"), &[("Cookie", &cookie)], "");
    assert!(page.contains("<td>2.4.1-build.77</td>"), "{page}");

    // Jobs for the benches: asked by an analyst's token, refused for a viewer and for what is
    // not one host; listed for a viewer.
    let job =
        br#"{"target": "127.77.0.30", "ports": "2222,8443", "udp_ports": "none", "vendor": "Lab", "model": "hub"}"#;
    assert_eq!(post_json(port, "/api/jobs", &vic, job).0, 403);
    let (status, body) = post_json(port, "/api/jobs", &ci, job);
    assert_eq!(status, 201, "{body}");
    for bad in [&br#"{"target": "10.0.0.0/8"}"#[..], br#"{"target": "x", "ports": "1; rm"}"#, b"[]"] {
        assert_eq!(post_json(port, "/api/jobs", &ci, bad).0, 422, "{}", String::from_utf8_lossy(bad));
    }
    let (status, _, body) = request(port, "GET", "/api/jobs", &[("Authorization", &bearer)], "");
    assert_eq!(status, 200);
    let jobs: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(jobs["jobs"].as_array().unwrap().len(), 1);
    assert_eq!(
        (jobs["jobs"][0]["state"].as_str(), jobs["jobs"][0]["requested_by"].as_str()),
        (Some("queued"), Some("ci"))
    );
    let (status, _, page) = request(port, "GET", "/register/jobs", &[("Cookie", &cookie)], "");
    assert_eq!(status, 200);
    assert!(page.contains("127.77.0.30") && !page.contains("Ask for an assessment"), "a viewer sees no form: {page}");
    drop(rt);
    let _ = std::fs::remove_dir_all(&dir);
}
