//! NVD CVE records and the CISA KEV catalog, read from their published JSON.
//! - API 2.0: a `cve` object (`id`, `published`, `lastModified`, `metrics.cvssMetricV40/V31/
//!   V30/V2`, `configurations[]` of `nodes[]` with `operator`, `negate`, `cpeMatch[]`), or a
//!   whole response (`vulnerabilities[].cve`).
//! - 1.1 feeds: `CVE_Items[]`, or one item (`cve.CVE_data_meta.ID`, `publishedDate`,
//!   `lastModifiedDate`, `impact.baseMetricV3/V2`, `configurations.nodes[]` with `children[]`
//!   and `cpe_match[]` of `cpe23Uri`): each top-level node is a configuration of its own.
//! - KEV: `vulnerabilities[]` of `cveID`, `dateAdded`, `dueDate`, `vulnerabilityName`.
//!
//! The score kept is NVD's Primary one of the newest CVSS version given, else the first
//! Secondary (a CNA's).

use std::collections::HashMap;

use serde_json::Value;

use crate::{Bounds, Config, CpeMatch, Cvss, Kev, Node, ReadError, Record};

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// The records in one NVD document (either format, one record or many).
pub fn records(doc: &Value) -> Result<Vec<Record>, ReadError> {
    if let Some(items) = doc.get("vulnerabilities").and_then(Value::as_array) {
        return Ok(items.iter().filter_map(|v| v.get("cve")).filter_map(record_v2).collect());
    }
    if let Some(items) = doc.get("CVE_Items").and_then(Value::as_array) {
        return Ok(items.iter().filter_map(record_v11).collect());
    }
    if doc.get("id").is_some() && doc.get("published").is_some() {
        return record_v2(doc).map(|r| vec![r]).ok_or_else(|| ReadError::Shape("an NVD 2.0 cve without an id".into()));
    }
    if doc.pointer("/cve/CVE_data_meta/ID").is_some() {
        return record_v11(doc)
            .map(|r| vec![r])
            .ok_or_else(|| ReadError::Shape("an NVD 1.1 item without an id".into()));
    }
    Err(ReadError::Shape("neither an NVD 2.0 record or response nor a 1.1 feed or item".into()))
}

fn cvss_v2_style(metric: &Value, data_key: &str) -> Option<Cvss> {
    let data = metric.get(data_key)?;
    Some(Cvss {
        score: data.get("baseScore")?.as_f64()?,
        vector: text(data, "vectorString")?,
        version: text(data, "version")?,
    })
}

fn record_v2(cve: &Value) -> Option<Record> {
    let id = text(cve, "id")?;
    let metrics = cve.get("metrics");
    let mut cvss = None;
    for key in ["cvssMetricV40", "cvssMetricV31", "cvssMetricV30", "cvssMetricV2"] {
        let Some(list) = metrics.and_then(|m| m.get(key)).and_then(Value::as_array) else { continue };
        let primary = list.iter().find(|m| m.get("type").and_then(Value::as_str) == Some("Primary"));
        if let Some(c) = primary.or_else(|| list.first()).and_then(|m| cvss_v2_style(m, "cvssData")) {
            cvss = Some(c);
            break;
        }
    }
    let configs = cve
        .get("configurations")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .map(|c| Config {
                    and: c.get("operator").and_then(Value::as_str) == Some("AND"),
                    nodes: c
                        .get("nodes")
                        .and_then(Value::as_array)
                        .map(|n| n.iter().map(node).collect())
                        .unwrap_or_default(),
                })
                .collect()
        })
        .unwrap_or_default();
    Some(Record::nvd(
        id,
        text(cve, "published").unwrap_or_default(),
        text(cve, "lastModified").unwrap_or_default(),
        cvss,
        configs,
    ))
}

fn bounds(m: &Value) -> Bounds {
    Bounds {
        start_including: text(m, "versionStartIncluding"),
        start_excluding: text(m, "versionStartExcluding"),
        end_including: text(m, "versionEndIncluding"),
        end_excluding: text(m, "versionEndExcluding"),
    }
}

/// A node of either format (`cpeMatch`/`criteria` in 2.0, `cpe_match`/`cpe23Uri` and
/// `children` in 1.1).
fn node(n: &Value) -> Node {
    let matches = n
        .get("cpeMatch")
        .or_else(|| n.get("cpe_match"))
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|m| {
                    Some(CpeMatch {
                        vulnerable: m.get("vulnerable").and_then(Value::as_bool).unwrap_or(false),
                        criteria: text(m, "criteria").or_else(|| text(m, "cpe23Uri"))?,
                        bounds: bounds(m),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    Node {
        and: n.get("operator").and_then(Value::as_str) == Some("AND"),
        negate: n.get("negate").and_then(Value::as_bool).unwrap_or(false),
        matches,
        children: n.get("children").and_then(Value::as_array).map(|c| c.iter().map(node).collect()).unwrap_or_default(),
    }
}

fn record_v11(item: &Value) -> Option<Record> {
    let id = item.pointer("/cve/CVE_data_meta/ID")?.as_str()?.to_owned();
    let impact = item.get("impact");
    let cvss = impact
        .and_then(|i| i.get("baseMetricV3"))
        .and_then(|m| cvss_v2_style(m, "cvssV3"))
        .or_else(|| impact.and_then(|i| i.get("baseMetricV2")).and_then(|m| cvss_v2_style(m, "cvssV2")));
    // In 1.1 every top-level node is its own configuration; an AND node holds its parts as
    // children.
    let configs = item
        .pointer("/configurations/nodes")
        .and_then(Value::as_array)
        .map(|nodes| {
            nodes
                .iter()
                .map(|n| {
                    let top = node(n);
                    if top.and && top.matches.is_empty() {
                        Config { and: true, nodes: top.children }
                    } else {
                        Config { and: false, nodes: vec![top] }
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    Some(Record::nvd(
        id,
        text(item, "publishedDate").unwrap_or_default(),
        text(item, "lastModifiedDate").unwrap_or_default(),
        cvss,
        configs,
    ))
}

/// The KEV catalog's entries by CVE id.
pub fn kev(doc: &Value) -> Result<HashMap<String, Kev>, ReadError> {
    let list = doc
        .get("vulnerabilities")
        .and_then(Value::as_array)
        .filter(|_| doc.get("catalogVersion").is_some())
        .ok_or_else(|| ReadError::Shape("not the CISA KEV catalog (no catalogVersion and vulnerabilities)".into()))?;
    Ok(list
        .iter()
        .filter_map(|v| {
            Some((
                text(v, "cveID")?,
                Kev {
                    date_added: text(v, "dateAdded").unwrap_or_default(),
                    due_date: text(v, "dueDate").unwrap_or_default(),
                    name: text(v, "vulnerabilityName").unwrap_or_default(),
                },
            ))
        })
        .collect())
}

/// NVD API 2.0 data read straight into typed structs (the fields iotvet uses; descriptions,
/// references and weaknesses skipped unparsed): about four times faster than through a
/// `serde_json::Value`, which matters for the 250,000 records of a full feed.
pub mod typed {
    use serde::Deserialize;

    use crate::{Bounds, Config, CpeMatch, Cvss, Node, Record};

    #[derive(Deserialize)]
    pub struct Response {
        pub vulnerabilities: Vec<Item>,
    }

    #[derive(Deserialize)]
    pub struct Item {
        pub cve: Cve,
    }

    #[derive(Deserialize)]
    pub struct Cve {
        id: String,
        #[serde(default)]
        published: String,
        #[serde(default, rename = "lastModified")]
        last_modified: String,
        #[serde(default)]
        metrics: Metrics,
        #[serde(default)]
        configurations: Vec<Configuration>,
    }

    #[derive(Deserialize, Default)]
    struct Metrics {
        #[serde(default, rename = "cvssMetricV40")]
        v40: Vec<Metric>,
        #[serde(default, rename = "cvssMetricV31")]
        v31: Vec<Metric>,
        #[serde(default, rename = "cvssMetricV30")]
        v30: Vec<Metric>,
        #[serde(default, rename = "cvssMetricV2")]
        v2: Vec<Metric>,
    }

    #[derive(Deserialize)]
    struct Metric {
        #[serde(default, rename = "type")]
        kind: String,
        #[serde(rename = "cvssData")]
        data: CvssData,
    }

    #[derive(Deserialize)]
    struct CvssData {
        version: String,
        #[serde(rename = "vectorString")]
        vector: String,
        #[serde(rename = "baseScore")]
        score: f64,
    }

    #[derive(Deserialize)]
    struct Configuration {
        #[serde(default)]
        operator: Option<String>,
        #[serde(default)]
        nodes: Vec<NodeIn>,
    }

    #[derive(Deserialize)]
    struct NodeIn {
        #[serde(default)]
        operator: Option<String>,
        #[serde(default)]
        negate: bool,
        #[serde(default, rename = "cpeMatch")]
        cpe_match: Vec<MatchIn>,
    }

    #[derive(Deserialize)]
    struct MatchIn {
        #[serde(default)]
        vulnerable: bool,
        criteria: String,
        #[serde(default, rename = "versionStartIncluding")]
        start_including: Option<String>,
        #[serde(default, rename = "versionStartExcluding")]
        start_excluding: Option<String>,
        #[serde(default, rename = "versionEndIncluding")]
        end_including: Option<String>,
        #[serde(default, rename = "versionEndExcluding")]
        end_excluding: Option<String>,
    }

    impl Cve {
        /// The same record `records` makes of this CVE through a `Value`.
        pub fn into_record(self) -> Record {
            let m = self.metrics;
            let cvss = [m.v40, m.v31, m.v30, m.v2].into_iter().find_map(|list| {
                let at = list.iter().position(|x| x.kind == "Primary").unwrap_or(0);
                list.into_iter().nth(at).map(|x| Cvss {
                    score: x.data.score,
                    vector: x.data.vector,
                    version: x.data.version,
                })
            });
            let configs = self
                .configurations
                .into_iter()
                .map(|c| Config {
                    and: c.operator.as_deref() == Some("AND"),
                    nodes: c
                        .nodes
                        .into_iter()
                        .map(|n| Node {
                            and: n.operator.as_deref() == Some("AND"),
                            negate: n.negate,
                            matches: n
                                .cpe_match
                                .into_iter()
                                .map(|x| CpeMatch {
                                    vulnerable: x.vulnerable,
                                    criteria: x.criteria,
                                    bounds: Bounds {
                                        start_including: x.start_including,
                                        start_excluding: x.start_excluding,
                                        end_including: x.end_including,
                                        end_excluding: x.end_excluding,
                                    },
                                })
                                .collect(),
                            children: vec![],
                        })
                        .collect(),
                })
                .collect();
            Record::nvd(self.id, self.published, self.last_modified, cvss, configs)
        }
    }
}
