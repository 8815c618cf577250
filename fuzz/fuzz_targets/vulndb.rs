//! Vulnerability data and SBOMs as bytes: any JSON document through the shape detection and
//! the NVD (2.0 typed and general, 1.1), OSV and KEV readers, then matched against a component;
//! the same bytes as a CycloneDX or SPDX SBOM; version pairs in every ordering scheme.
#![no_main]
use iotvet_vulndb::version::Scheme;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(doc) = serde_json::from_slice::<serde_json::Value>(data) {
        if let Ok(iotvet_vulndb::Document::Records(records)) = iotvet_vulndb::read_document(&doc) {
            let mut db = iotvet_vulndb::Db::default();
            for r in records {
                db.add(r);
            }
            let c = iotvet_vulndb::Component {
                name: "busybox".into(),
                version: "1.24.1".into(),
                purl: Some("pkg:deb/debian/busybox@1.24.1?distro=debian-12".into()),
                cpe: Some("cpe:2.3:a:busybox:busybox:1.24.1:*:*:*:*:*:*:*".into()),
            };
            let _ = db.match_component(&c);
        }
    }
    let _ = serde_json::from_slice::<iotvet_vulndb::nvd::typed::Response>(data);
    let _ = iotvet_vulndb::sbom::read(data);
    if let Ok(text) = std::str::from_utf8(data) {
        if let Some((a, b)) = text.split_once('\t') {
            for s in [Scheme::Generic, Scheme::Debian, Scheme::Rpm, Scheme::Semver, Scheme::Alpine, Scheme::Pypi] {
                let _ = s.compare(a, b);
            }
        }
        let _ = iotvet_vulndb::cpe::parse(text);
    }
});
