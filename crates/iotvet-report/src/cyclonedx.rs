//! The software bill of materials of a firmware image: CycloneDX 1.6 JSON (ECMA-424), the
//! format Trivy, Syft and Dependency-Track read. The image is the BOM's subject
//! (`metadata.component`, type `firmware`, with its SHA-256); each component found in it is a
//! component with its purl and CPE 2.3, and its evidence: how it was identified (a version
//! string in a binary is `binary-analysis`, a package database `manifest-analysis`), with a
//! confidence, and where in the image. Validated in tests against the official schema.

use iotvet_core::firmware::{Component, FirmwareSection};
use serde_json::{json, Value};

/// The CycloneDX specification version written.
pub const SPEC_VERSION: &str = "1.6";

/// A serial number for the BOM, made from the image's digest and the components so that the
/// same image gives the same BOM (diffable in CI), in the UUID form the schema asks for.
fn serial(section: &FirmwareSection) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    section.image.sha256.hash(&mut h);
    for c in &section.components {
        (&c.name, &c.version, &c.evidence).hash(&mut h);
    }
    let a = h.finish();
    let hex = section.image.sha256.get(..16).unwrap_or("0000000000000000");
    let b = u64::from_str_radix(hex, 16).unwrap_or(0);
    // Version 8 (custom) and the RFC 9562 variant bits.
    let hi = (a & 0xffff_ffff_ffff_0fff) | 0x8000;
    let lo = (b & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000;
    format!(
        "urn:uuid:{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        hi >> 32,
        (hi >> 16) & 0xffff,
        hi & 0xffff,
        lo >> 48,
        lo & 0xffff_ffff_ffff
    )
}

/// CycloneDX's component type for a component iotvet names.
fn kind(name: &str) -> &'static str {
    match name {
        "linux" => "operating-system",
        "openssl" | "libressl" | "mbedtls" | "wolfssl" | "uclibc" | "uclibc-ng" | "musl" | "glibc" | "libcurl"
        | "zlib" => "library",
        _ => "application",
    }
}

fn confidence(c: &Component) -> f64 {
    match c.confidence.as_str() {
        "high" => 0.9,
        "medium" => 0.6,
        _ => 0.3,
    }
}

/// How the component was identified, as CycloneDX's evidence technique.
fn technique(c: &Component) -> &'static str {
    if c.evidence.contains("status") || c.evidence.contains("package") {
        "manifest-analysis"
    } else if c.evidence.contains("file name") {
        "filename"
    } else {
        "binary-analysis"
    }
}

/// The path inside the image the evidence names (after "in "), if any.
fn location(c: &Component) -> Option<&str> {
    c.evidence.rsplit_once(" in ").map(|(_, at)| at.trim())
}

fn bom_ref(c: &Component, i: usize) -> String {
    if c.purl.is_empty() {
        format!("component-{i}")
    } else {
        c.purl.clone()
    }
}

/// The BOM of a firmware image's components.
pub fn bom(section: &FirmwareSection) -> Value {
    let file = std::path::Path::new(&section.image.file)
        .file_name()
        .map_or_else(|| section.image.file.clone(), |n| n.to_string_lossy().into_owned());
    let mut refs: Vec<String> = Vec::new();
    let components: Vec<Value> = section
        .components
        .iter()
        .enumerate()
        .filter_map(|(i, c)| {
            let r = bom_ref(c, i);
            // bom-refs are unique in a BOM: the same component found twice is listed once.
            if refs.contains(&r) {
                return None;
            }
            refs.push(r.clone());
            let mut v = json!({
                "type": kind(&c.name),
                "bom-ref": r,
                "name": c.name,
                "version": c.version,
                "evidence": {
                    "identity": [{
                        "field": "version",
                        "confidence": confidence(c),
                        "methods": [{ "technique": technique(c), "confidence": confidence(c), "value": c.evidence }],
                    }],
                },
            });
            if !c.purl.is_empty() {
                v["purl"] = json!(c.purl);
            }
            if let Some(cpe) = &c.cpe {
                v["cpe"] = json!(cpe);
            }
            if let Some(at) = location(c) {
                v["evidence"]["occurrences"] = json!([{ "location": at }]);
            }
            Some(v)
        })
        .collect();
    json!({
        "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": SPEC_VERSION,
        "serialNumber": serial(section),
        "version": 1,
        "metadata": {
            "timestamp": section.provenance.finished_at,
            "tools": { "components": [{ "type": "application", "name": "iotvet", "version": iotvet_core::TOOL_VERSION }] },
            "component": {
                "type": "firmware",
                "bom-ref": "firmware-image",
                "name": file,
                "hashes": [{ "alg": "SHA-256", "content": section.image.sha256 }],
            },
        },
        "components": components,
        "dependencies": [{ "ref": "firmware-image", "dependsOn": refs }],
    })
}

/// The section's SBOM with the vulnerabilities matched to its components, where they were
/// looked up: what `iotvet firmware --sbom` writes and the register serves.
pub fn bom_with_vulnerabilities(section: &FirmwareSection, v: Option<&iotvet_core::vulns::VulnSection>) -> Value {
    let mut out = bom(section);
    if let Some(v) = v {
        add_vulnerabilities(&mut out, section, v);
    }
    out
}

/// Adds the known vulnerabilities of the BOM's components (CycloneDX's `vulnerabilities`, the
/// form VEX takes): each match with its source, CVSS rating, the component it affects, iotvet's
/// matching rule and KEV dates as properties, and the analysis state `in_triage` — a match by
/// version, not a finding that the device is exploitable. `v`'s components are the section's,
/// in the same order.
pub fn add_vulnerabilities(bom: &mut Value, section: &FirmwareSection, v: &iotvet_core::vulns::VulnSection) {
    let list: Vec<Value> = v
        .matches
        .iter()
        .filter_map(|m| {
            let c = section.components.get(m.component)?;
            let (name, url) = if m.source == "osv" {
                ("OSV", format!("https://osv.dev/vulnerability/{}", m.id))
            } else {
                ("NVD", format!("https://nvd.nist.gov/vuln/detail/{}", m.id))
            };
            let mut entry = json!({
                "id": m.id,
                "source": { "name": name, "url": url },
                "affects": [{ "ref": bom_ref(c, m.component) }],
                "analysis": { "state": "in_triage", "detail": format!("matched by version: {}", m.rule) },
                "properties": [{ "name": "iotvet:rule", "value": m.rule }],
            });
            if let Some(cvss) = &m.cvss {
                let method = match cvss.version.as_str() {
                    "3.1" => "CVSSv31",
                    "3.0" => "CVSSv3",
                    "2.0" => "CVSSv2",
                    "4.0" => "CVSSv4",
                    _ => "other",
                };
                let severity = iotvet_core::rules::vulns::severity_of(cvss.score);
                entry["ratings"] = json!([{ "source": { "name": name }, "score": cvss.score, "severity": severity, "method": method, "vector": cvss.vector }]);
            }
            if let Some(fixed) = &m.fixed {
                entry["recommendation"] = json!(format!("update to {fixed} or later"));
            }
            if let Some(kev) = &m.kev {
                if let Some(props) = entry["properties"].as_array_mut() {
                    props.push(json!({ "name": "cisa:kev:dateAdded", "value": kev.date_added }));
                    props.push(json!({ "name": "cisa:kev:dueDate", "value": kev.due_date }));
                }
            }
            Some(entry)
        })
        .collect();
    if !list.is_empty() {
        bom["vulnerabilities"] = Value::Array(list);
    }
}
