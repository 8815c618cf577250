//! The real published records in ../shared/corpora/vulndb (NVD 2.0 and 1.1, AlmaLinux OSV, the
//! CISA KEV catalog): import counts, the matches its NOTES.md computes for the firmware images'
//! components, and every range boundary of a record with letter versions (just below, at, just
//! above).

use std::path::{Path, PathBuf};

use iotvet_vulndb::{import_paths, Component, Db};

fn corpus(part: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpora/vulndb").join(part)
}

fn db(parts: &[&str]) -> Db {
    let mut db = Db::default();
    let paths: Vec<PathBuf> = parts.iter().map(|p| corpus(p)).collect();
    let report = import_paths(&mut db, &paths);
    assert!(report.skipped.is_empty(), "{:?}", report.skipped);
    db
}

fn cpe(vendor: &str, product: &str, version: &str) -> Component {
    Component {
        name: product.into(),
        version: version.into(),
        purl: None,
        cpe: Some(format!("cpe:2.3:a:{vendor}:{product}:{version}:*:*:*:*:*:*:*")),
    }
}

fn ids(db: &Db, c: &Component) -> Vec<String> {
    db.match_component(c).matches.into_iter().map(|m| m.id).collect()
}

#[test]
fn everything_in_the_corpus_is_read_and_counted() {
    let mut db = Db::default();
    let report = import_paths(&mut db, &[corpus("nvd"), corpus("osv/almalinux"), corpus("kev")]);
    assert!(report.skipped.is_empty(), "{:?}", report.skipped);
    // 29 + 2 + 337 NVD records (NOTES.md: 368 files), 68 OSV advisories, 1404 KEV entries.
    assert_eq!((report.records, report.kev_entries), (368 + 68, 1404));
    // Six CVEs are in both formats: one record each, the copy modified last.
    assert_eq!(db.records.iter().filter(|r| r.source == "nvd").count(), 362);
}

#[test]
fn busybox_uclibc_and_hostapd_of_the_real_images_match_as_notes_md_computes() {
    let db = db(&["nvd/cve-2.0", "nvd/api-2.0-response", "kev"]);
    for version in ["1.01", "1.11.1", "1.22.1"] {
        let found = ids(&db, &cpe("busybox", "busybox", version));
        for id in ["CVE-2016-2148", "CVE-2018-1000500", "CVE-2022-28391", "CVE-2022-48174"] {
            assert!(found.contains(&id.to_owned()), "busybox {version}: {id} not in {found:?}");
        }
        for id in ["CVE-2021-42374", "CVE-2023-42366"] {
            assert!(!found.contains(&id.to_owned()), "busybox {version}: {id} in {found:?}");
        }
    }
    assert_eq!(ids(&db, &cpe("uclibc", "uclibc", "0.9.33.2")), ["CVE-2021-43523", "CVE-2022-29503"]);
    assert_eq!(ids(&db, &cpe("uclibc", "uclibc", "0.9.30")), ["CVE-2021-43523"]);
    assert!(ids(&db, &cpe("w1.fi", "hostapd", "0.5.9")).is_empty());
    assert_eq!(ids(&db, &cpe("w1.fi", "hostapd", "2.9")), ["CVE-2021-30004"]);
    // CVE-2022-29503 holds in an AND configuration: the platform is named in the rule.
    let m = db.match_component(&cpe("uclibc", "uclibc", "0.9.33.2"));
    let rule = &m.matches.iter().find(|m| m.id == "CVE-2022-29503").unwrap().rule;
    assert!(rule.starts_with("CVE-2022-29503: cpe:2.3:a:uclibc:uclibc:"), "{rule}");
}

/// CVE-2023-0286: openssl from 1.0.2 up to 1.0.2zg, from 1.1.1 up to 1.1.1t, from 3.0.0 up to
/// 3.0.8 (all excluding their ends).
#[test]
fn range_boundaries_just_below_at_and_just_above() {
    let db = db(&["nvd/cve-2.0"]);
    let hit = |v: &str| ids(&db, &cpe("openssl", "openssl", v)).contains(&"CVE-2023-0286".to_owned());
    for (v, want) in [
        ("1.0.1zz", false),
        ("1.0.2", true),
        ("1.0.2k", true),
        ("1.0.2zf", true),
        ("1.0.2zg", false),
        ("1.0.2zh", false),
        ("1.1.0l", false),
        ("1.1.1", true),
        ("1.1.1s", true),
        ("1.1.1t", false),
        ("2.9.9", false),
        ("3.0.0", true),
        ("3.0.7", true),
        ("3.0.8", false),
        ("3.0.10", false),
    ] {
        assert_eq!(hit(v), want, "openssl {v}");
    }
    let m = db.match_component(&cpe("openssl", "openssl", "1.0.2k"));
    let rule = &m.matches.iter().find(|m| m.id == "CVE-2023-0286").unwrap().rule;
    assert_eq!(
        rule,
        "CVE-2023-0286: cpe:2.3:a:openssl:openssl:*:*:*:*:*:*:*:* from 1.0.2 (including) up to 1.0.2zg (excluding)"
    );
    let cvss = m.matches.iter().find(|m| m.id == "CVE-2023-0286").unwrap().cvss.clone().unwrap();
    assert_eq!((cvss.score, cvss.version.as_str()), (7.4, "3.1"));
}

#[test]
fn known_exploited_vulnerabilities_carry_their_dates() {
    let db = db(&["nvd", "kev"]);
    let heartbleed = db.match_component(&cpe("openssl", "openssl", "1.0.1f"));
    let m = heartbleed.matches.iter().find(|m| m.id == "CVE-2014-0160").expect("Heartbleed");
    let kev = m.kev.clone().unwrap();
    assert_eq!((kev.date_added.as_str(), kev.due_date.as_str()), ("2022-05-04", "2022-05-25"));
    // 1.0.1g fixed it.
    assert!(!ids(&db, &cpe("openssl", "openssl", "1.0.1g")).contains(&"CVE-2014-0160".to_owned()));
    let kernel = Component {
        name: "linux".into(),
        version: "6.6.10".into(),
        purl: None,
        cpe: Some("cpe:2.3:o:linux:linux_kernel:6.6.10:*:*:*:*:*:*:*".into()),
    };
    let m = db.match_component(&kernel);
    let nft = m.matches.iter().find(|m| m.id == "CVE-2024-1086").expect("CVE-2024-1086 covers 6.6.10");
    assert_eq!(nft.kev.as_ref().map(|k| k.date_added.as_str()), Some("2024-05-30"));
}

/// AlmaLinux advisories: RPM ordering, CVE ids in `related`, fixed versions.
#[test]
fn osv_ranges_use_the_ecosystems_order() {
    let db = db(&["osv/almalinux"]);
    let dnsmasq = |v: &str| Component {
        name: "dnsmasq".into(),
        version: v.into(),
        purl: Some(format!("pkg:rpm/almalinux/dnsmasq@{v}")),
        cpe: None,
    };
    let m = db.match_component(&dnsmasq("2.79-15.el8"));
    let a = m.matches.iter().find(|m| m.id == "ALSA-2021:4153").expect("fixed in 2.79-19.el8");
    assert_eq!(a.fixed.as_deref(), Some("2.79-19.el8"));
    assert!(a.aliases.contains(&"CVE-2021-3448".to_owned()));
    assert_eq!(a.rule, "AlmaLinux:8 dnsmasq: introduced 0, fixed in 2.79-19.el8");
    assert!(!db.match_component(&dnsmasq("2.79-19.el8")).matches.iter().any(|m| m.id == "ALSA-2021:4153"));
    // An el8 package is not judged by AlmaLinux 9's advisories.
    assert!(m.matches.iter().all(|x| x.rule.starts_with("AlmaLinux:8 ")), "{:#?}", m.matches);
    // A component with no ecosystem (a version string in a firmware image) is not matched
    // against a distribution's rebuilds.
    let generic = Component { name: "openssl".into(), version: "1.0.1f".into(), purl: None, cpe: None };
    assert!(db.match_component(&generic).matches.is_empty());
}

#[test]
fn a_version_no_order_reads_is_unmatched_not_safe() {
    let db = db(&["nvd/cve-2.0"]);
    let out = db.match_component(&cpe("openssl", "openssl", "1.0.2 (patched)"));
    assert!(out.matches.is_empty());
    assert!(out.unparseable.contains(&"CVE-2023-0286".to_owned()), "{:?}", out.unparseable);
}

#[test]
fn malformed_files_are_counted_and_named() {
    let dir = std::env::temp_dir().join(format!("iotvet-vulndb-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("broken.json"), b"{\"id\": ").unwrap();
    std::fs::write(dir.join("odd.json"), b"{\"hello\": 1}").unwrap();
    std::fs::copy(corpus("nvd/cve-2.0/CVE-2016-2148.json"), dir.join("good.json")).unwrap();
    let mut db = Db::default();
    let report = import_paths(&mut db, std::slice::from_ref(&dir));
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!((report.files, report.records), (3, 1));
    let names: Vec<&str> = report.skipped.iter().map(|(f, _)| f.rsplit('/').next().unwrap()).collect();
    assert_eq!(names, ["broken.json", "odd.json"]);
}

/// The corpus in a database file: counts by source, newest dates, the same matches as in
/// memory; imported twice, nothing doubles.
#[test]
fn the_database_file_holds_what_was_imported_and_answers_the_same() {
    use iotvet_vulndb::store::Store;
    let path = std::env::temp_dir().join(format!("iotvet-vulndb-{}.sqlite", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let sources = [corpus("nvd"), corpus("osv/almalinux"), corpus("kev")];
    let mut store = Store::open(&path).unwrap();
    let report = store.import(&sources, "2026-11-26T00:00:00Z").unwrap();
    assert_eq!((report.records, report.kev_entries), (436, 1404));
    let again = store.import(&sources, "2026-11-26T00:00:01Z").unwrap();
    assert_eq!(again.records, 436);
    let status = store.status().unwrap();
    let by: Vec<(&str, u64)> = status.sources.iter().map(|s| (s.source.as_str(), s.records)).collect();
    // 368 NVD files hold 362 CVEs (six are in both formats: the later file replaces the
    // earlier); 68 OSV advisories.
    assert_eq!(by, [("nvd", 362), ("osv", 68)]);
    assert_eq!((status.kev_entries, status.kev_newest.as_deref()), (1404, Some("2025-08-25")));
    assert_eq!(status.imported_at.as_deref(), Some("2026-11-26T00:00:01Z"));
    assert!(status.sources[0].newest.starts_with("2026-"), "{:?}", status.sources);
    let busybox = cpe("busybox", "busybox", "1.22.1");
    let db = store.db_for(std::slice::from_ref(&busybox)).unwrap();
    let from_file = ids(&db, &busybox);
    let in_memory = ids(&self::db(&["nvd", "kev"]), &busybox);
    assert_eq!(from_file, in_memory);
    assert!(from_file.len() >= 4, "{from_file:?}");
    drop(store);
    let _ = std::fs::remove_file(&path);
}

/// The typed fast path for NVD API responses makes the same records as the general one, on
/// every 2.0 record of the corpus wrapped as a response.
#[test]
fn the_typed_nvd_reader_agrees_with_the_general_one() {
    let mut checked = 0;
    for entry in std::fs::read_dir(corpus("nvd/cve-2.0")).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        let page = format!("{{\"resultsPerPage\": 1, \"vulnerabilities\": [{{\"cve\": {text}}}]}}");
        let value: serde_json::Value = serde_json::from_str(&page).unwrap();
        let general = iotvet_vulndb::nvd::records(&value).unwrap();
        let typed: iotvet_vulndb::nvd::typed::Response = serde_json::from_str(&page).unwrap();
        let typed: Vec<_> = typed.vulnerabilities.into_iter().map(|v| v.cve.into_record()).collect();
        assert_eq!(general, typed);
        checked += 1;
    }
    assert_eq!(checked, 29);
}

/// Data as it is published: an NVD 1.1 yearly feed gzipped (`nvdcve-1.1-2018.json.gz`, its
/// items in `CVE_Items`) and OSV advisories in a ZIP (osv.dev's `all.zip`).
#[test]
fn gzip_feeds_and_zip_archives_are_read_as_published() {
    use std::io::Write;
    let dir = std::env::temp_dir().join(format!("iotvet-vulndb-packed-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let items: Vec<serde_json::Value> = std::fs::read_dir(corpus("nvd/cve-1.1-legacy"))
        .unwrap()
        .filter_map(|e| {
            let p = e.ok()?.path();
            (p.extension()? == "json").then(|| serde_json::from_slice(&std::fs::read(p).ok()?).ok())?
        })
        .collect();
    let feed = serde_json::json!({ "CVE_data_type": "CVE", "CVE_data_format": "MITRE", "CVE_data_version": "4.0",
        "CVE_data_numberOfCVEs": items.len().to_string(), "CVE_Items": items });
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(feed.to_string().as_bytes()).unwrap();
    std::fs::write(dir.join("nvdcve-1.1-legacy.json.gz"), gz.finish().unwrap()).unwrap();
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let mut osv = 0;
    for e in std::fs::read_dir(corpus("osv/almalinux")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "json") {
            zip.start_file(p.file_name().unwrap().to_string_lossy(), options).unwrap();
            zip.write_all(&std::fs::read(&p).unwrap()).unwrap();
            osv += 1;
        }
    }
    std::fs::write(dir.join("all.zip"), zip.finish().unwrap().into_inner()).unwrap();
    let mut db = Db::default();
    let report = import_paths(&mut db, std::slice::from_ref(&dir));
    let _ = std::fs::remove_dir_all(&dir);
    assert!(report.skipped.is_empty(), "{:?}", report.skipped);
    assert_eq!((report.files, report.records), (1 + osv, 337 + 68));
    assert!(ids(&db, &cpe("openssl", "openssl", "1.0.1f")).contains(&"CVE-2014-0160".to_owned()));
}
