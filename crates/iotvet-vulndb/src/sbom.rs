//! Software bills of materials from any generator, read for their components: CycloneDX JSON
//! 1.2–1.6 (`bomFormat` "CycloneDX", `components[]` with their nested `components[]`, each
//! `name`, `version`, `purl`, `cpe`, `group`) and SPDX 2.3 JSON (`spdxVersion` "SPDX-2.x",
//! `packages[]` with `name`, `versionInfo` and `externalRefs[]` of type `purl` and
//! `cpe23Type`). Bounded: a file larger than `MAX_BYTES` or holding more than
//! `MAX_COMPONENTS` components is refused with a clear error before it can exhaust memory.

use serde_json::Value;

use crate::Component;

/// Largest SBOM read (a JSON document is held whole while it is read).
pub const MAX_BYTES: u64 = 256 << 20;
/// Most components matched from one SBOM.
pub const MAX_COMPONENTS: usize = 200_000;

/// What an SBOM is.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SbomInfo {
    /// `CycloneDX` or `SPDX`.
    pub format: String,
    /// `1.6`, `SPDX-2.3`, …
    pub spec_version: String,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SbomError {
    #[error("{0} bytes: larger than the {MAX_BYTES} bytes an SBOM is read up to")]
    TooLarge(u64),
    #[error("more than {MAX_COMPONENTS} components")]
    TooManyComponents,
    #[error("not JSON: {0}")]
    Json(String),
    #[error("neither a CycloneDX nor an SPDX JSON document (no bomFormat \"CycloneDX\", no spdxVersion)")]
    Unknown,
}

/// Reads an SBOM from its bytes.
pub fn read(bytes: &[u8]) -> Result<(SbomInfo, Vec<Component>), SbomError> {
    if bytes.len() as u64 > MAX_BYTES {
        return Err(SbomError::TooLarge(bytes.len() as u64));
    }
    let doc: Value = serde_json::from_slice(bytes).map_err(|e| SbomError::Json(e.to_string()))?;
    if doc.get("bomFormat").and_then(Value::as_str) == Some("CycloneDX") {
        let info = SbomInfo {
            format: "CycloneDX".into(),
            spec_version: doc.get("specVersion").and_then(Value::as_str).unwrap_or("").to_owned(),
        };
        let mut out = Vec::new();
        let mut stack: Vec<&Value> =
            doc.get("components").and_then(Value::as_array).map(|a| a.iter().rev().collect()).unwrap_or_default();
        if let Some(c) = doc.pointer("/metadata/component") {
            stack.push(c);
        }
        while let Some(c) = stack.pop() {
            if out.len() >= MAX_COMPONENTS {
                return Err(SbomError::TooManyComponents);
            }
            let text = |k: &str| c.get(k).and_then(Value::as_str).map(str::to_owned);
            if let (Some(name), Some(version)) = (text("name"), text("version")) {
                out.push(Component { name, version, purl: text("purl"), cpe: text("cpe") });
            }
            if let Some(children) = c.get("components").and_then(Value::as_array) {
                stack.extend(children.iter().rev());
            }
        }
        return Ok((info, out));
    }
    if let Some(v) = doc.get("spdxVersion").and_then(Value::as_str) {
        let info = SbomInfo { format: "SPDX".into(), spec_version: v.to_owned() };
        let packages = doc.get("packages").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
        if packages.len() > MAX_COMPONENTS {
            return Err(SbomError::TooManyComponents);
        }
        let out = packages
            .iter()
            .filter_map(|p| {
                let refs = p.get("externalRefs").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
                let locator = |kind: &str| {
                    refs.iter()
                        .find(|r| r.get("referenceType").and_then(Value::as_str) == Some(kind))
                        .and_then(|r| r.get("referenceLocator"))
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                };
                Some(Component {
                    name: p.get("name")?.as_str()?.to_owned(),
                    version: p.get("versionInfo")?.as_str()?.to_owned(),
                    purl: locator("purl"),
                    cpe: locator("cpe23Type"),
                })
            })
            .collect();
        return Ok((info, out));
    }
    Err(SbomError::Unknown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cyclonedx_nested_and_spdx_packages() {
        let bom =
            br#"{"bomFormat":"CycloneDX","specVersion":"1.6","metadata":{"component":{"name":"cam","version":"2.1"}},
            "components":[{"name":"busybox","version":"1.24.1","cpe":"cpe:2.3:a:busybox:busybox:1.24.1:*:*:*:*:*:*:*",
            "components":[{"name":"inner","version":"1","purl":"pkg:generic/inner@1"}]},{"name":"noversion"}]}"#;
        let (info, c) = read(bom).unwrap();
        assert_eq!((info.format.as_str(), info.spec_version.as_str()), ("CycloneDX", "1.6"));
        let names: Vec<&str> = c.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["cam", "busybox", "inner"]);
        let spdx = br#"{"spdxVersion":"SPDX-2.3","packages":[{"name":"openssl","versionInfo":"1.0.2k","externalRefs":[
            {"referenceCategory":"SECURITY","referenceType":"cpe23Type","referenceLocator":"cpe:2.3:a:openssl:openssl:1.0.2k:*:*:*:*:*:*:*"},
            {"referenceCategory":"PACKAGE-MANAGER","referenceType":"purl","referenceLocator":"pkg:generic/openssl@1.0.2k"}]}]}"#;
        let (info, c) = read(spdx).unwrap();
        assert_eq!(info.spec_version, "SPDX-2.3");
        assert_eq!(c[0].cpe.as_deref(), Some("cpe:2.3:a:openssl:openssl:1.0.2k:*:*:*:*:*:*:*"));
        assert_eq!(c[0].purl.as_deref(), Some("pkg:generic/openssl@1.0.2k"));
        assert_eq!(read(b"{}"), Err(SbomError::Unknown));
        // Past the component cap: a clear error, not a million components in memory.
        let many = format!(
            "{{\"bomFormat\":\"CycloneDX\",\"components\":[{}]}}",
            vec![r#"{"name":"a","version":"1"}"#; MAX_COMPONENTS + 1].join(",")
        );
        assert_eq!(read(many.as_bytes()).map(|(_, c)| c.len()), Err(SbomError::TooManyComponents));
        let spdx_many = format!(
            "{{\"spdxVersion\":\"SPDX-2.3\",\"packages\":[{}]}}",
            vec![r#"{"name":"a","versionInfo":"1"}"#; MAX_COMPONENTS + 1].join(",")
        );
        assert_eq!(read(spdx_many.as_bytes()).map(|(_, c)| c.len()), Err(SbomError::TooManyComponents));
        assert!(matches!(read(b"{"), Err(SbomError::Json(_))));
    }
}
