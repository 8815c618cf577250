//! The presentation model shared by the human-readable formats: labels and texts computed once,
//! so the terminal, Markdown and HTML reports say the same thing.

use iotvet_core::{catalog::Standard, Guideline, Status, VerdictKind};
use serde::Serialize;

use crate::Report;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_human_format_and_iotvet_firmware_show_the_image_escaped() {
        use iotvet_core::firmware::{Component, FirmwareSection, ImageInfo, LayerSeen};
        let mut r = crate::fixtures::report();
        r.case.firmware = Some(FirmwareSection {
            provenance: iotvet_core::case::Provenance {
                collector: "iotvet-firmware".into(),
                tool_version: "0".into(),
                started_at: "2026-11-26T08:00:00Z".into(),
                finished_at: "2026-11-26T08:00:01Z".into(),
            },
            image: ImageInfo {
                file: "camera.zip".into(),
                size: 10,
                sha256: "00".repeat(32),
                layers: vec![LayerSeen {
                    format: "squashfs".into(),
                    place: "zip@0x0/firmware.bin.extracted/squashfs@0x40".into(),
                    offset: 64,
                    size: 9,
                    opened: true,
                    note: None,
                }],
                warnings: vec![],
            },
            files: 3,
            accounts: vec![],
            boot_services: vec![],
            components: vec![Component {
                name: "busybox".into(),
                version: "1.24.1".into(),
                purl: "pkg:generic/busybox@1.24.1".into(),
                cpe: None,
                evidence: "the string \"BusyBox v1.24.1\x1b[2J\" in bin/busybox".into(),
                confidence: "high".into(),
            }],
            update: vec![],
            secrets: vec![],
        });
        let alone = crate::text::firmware(r.case.firmware.as_ref().unwrap(), &r.findings, 100);
        for format in [
            crate::terminal::render(&r, false),
            crate::markdown::render(&r).unwrap(),
            crate::html::render(&r).unwrap(),
            alone,
        ] {
            assert!(format.contains("busybox 1.24.1 (high)"), "{format}");
            assert!(format.contains("squashfs@0x40"), "{format}");
            assert!(!format.contains('\x1b'), "an escape reached a report");
        }
    }

    #[test]
    fn every_human_format_lists_the_known_vulnerabilities_escaped() {
        use iotvet_core::vulns::*;
        let mut r = crate::fixtures::report();
        r.case.vulnerabilities = Some(VulnSection {
            provenance: iotvet_core::case::Provenance {
                collector: "iotvet-vulndb".into(),
                tool_version: "0".into(),
                started_at: "2026-11-26T08:00:00Z".into(),
                finished_at: "2026-11-26T08:00:01Z".into(),
            },
            database: DatabaseInfo {
                path: "v.sqlite".into(),
                sources: vec![],
                kev_entries: 3,
                kev_newest: None,
                imported_at: None,
            },
            inventory: "firmware camera.zip".into(),
            components: vec![ComponentRef {
                name: "busybox".into(),
                version: "1.24.1\x1b[2J".into(),
                purl: None,
                cpe: None,
            }],
            matches: vec![VulnMatch {
                component: 0,
                id: "CVE-2016-2148".into(),
                aliases: vec![],
                source: "nvd".into(),
                cvss: Some(CvssScore { score: 9.8, vector: "CVSS:3.1/AV:N".into(), version: "3.1".into() }),
                kev: Some(KevEntry { date_added: "2022-05-04".into(), due_date: "2022-05-25".into() }),
                fixed: None,
                rule: "CVE-2016-2148: cpe:2.3:a:busybox:busybox:*:*:*:*:*:*:*:* up to 1.24.2 (including)".into(),
            }],
            thresholds: Thresholds::default(),
            unparseable: vec![],
        });
        for format in
            [crate::terminal::render(&r, false), crate::markdown::render(&r).unwrap(), crate::html::render(&r).unwrap()]
        {
            assert!(format.contains("CVE-2016-2148"), "{format}");
            assert!(format.contains("up to 1.24.2"), "{format}");
            assert!(format.contains("in KEV since 2022-05-04"), "{format}");
            assert!(!format.contains('\x1b'), "an escape reached a report");
        }
    }

    #[test]
    fn device_text_cannot_drive_the_terminal() {
        assert_eq!(printable("ok"), "ok");
        assert_eq!(printable("220 \x1b[2J\x1b]0;pwned\x07hi\r\nPASS"), "220 \\x1b[2J\\x1b]0;pwned\\x07hi\\r\\nPASS");
        assert_eq!(printable("a\u{202e}b\u{9b}c"), "a\\u{202e}b\\x9bc");
        let mut r = crate::fixtures::report();
        r.findings[0].evidence.push("banner: \x1b[31mFAKE PASS\x1b[0m".into());
        let v = View::of(&r);
        assert!(v.findings[0].evidence.iter().any(|e| e == "banner: \\x1b[31mFAKE PASS\\x1b[0m"));
        for format in
            [crate::terminal::render(&r, false), crate::markdown::render(&r).unwrap(), crate::html::render(&r).unwrap()]
        {
            assert!(!format.contains('\x1b'), "an escape reached a report");
        }
    }
}

#[derive(Serialize)]
pub struct View {
    pub tool: String,
    pub target_name: String,
    pub target_address: String,
    pub generated_at: String,
    pub overall: &'static str,
    pub overall_label: String,
    pub verdicts: Vec<VerdictView>,
    pub findings: Vec<FindingView>,
    pub services: Vec<ServiceView>,
    /// The TLS assessment of each encrypted (or STARTTLS) service, in full.
    pub tls: Vec<TlsView>,
    pub excluded: Vec<String>,
    pub scan_summary: Option<String>,
    /// The firmware image, when the case has one.
    pub firmware: Option<FirmwareView>,
    /// The components' known vulnerabilities, when they were matched.
    pub vulnerabilities: Option<VulnView>,
}

/// The known vulnerabilities of the components, for the human-readable formats.
#[derive(Serialize)]
pub struct VulnView {
    /// Where the components came from and the database's size and date.
    pub summary: String,
    pub rows: Vec<VulnRow>,
}

#[derive(Serialize)]
pub struct VulnRow {
    pub component: String,
    pub id: String,
    /// "9.8 (CVSS 3.1)" or "".
    pub cvss: String,
    /// "in KEV since 2022-05-04" or "".
    pub kev: String,
    pub fixed: String,
    /// The rule that matched, in words.
    pub rule: String,
}

impl VulnView {
    pub fn of(v: &iotvet_core::vulns::VulnSection) -> Self {
        let d = &v.database;
        let summary = format!(
            "{}: {} components, {} known vulnerabilities; database {} ({} records, newest {}, {} KEV entries)",
            v.inventory,
            v.components.len(),
            v.matches.len(),
            d.path,
            d.records(),
            d.newest().unwrap_or_else(|| "-".into()),
            d.kev_entries
        );
        let mut rows: Vec<VulnRow> = v
            .matches
            .iter()
            .map(|m| VulnRow {
                component: v
                    .components
                    .get(m.component)
                    .map(|c| format!("{} {}", c.name, c.version))
                    .unwrap_or_default(),
                id: m.id.clone(),
                cvss: m.cvss.as_ref().map(|c| format!("{} (CVSS {})", c.score, c.version)).unwrap_or_default(),
                kev: m.kev.as_ref().map(|k| format!("in KEV since {}", k.date_added)).unwrap_or_default(),
                fixed: m.fixed.clone().unwrap_or_default(),
                rule: m.rule.clone(),
            })
            .collect();
        for r in &mut rows {
            for field in [&mut r.component, &mut r.id, &mut r.fixed, &mut r.rule] {
                *field = printable(field);
            }
        }
        Self { summary: printable(&summary), rows }
    }
}

/// What the firmware image held, for the human-readable formats (the JSON has it all).
#[derive(Serialize)]
pub struct FirmwareView {
    pub file: String,
    /// "N files; A accounts; …" and the image's digest.
    pub summary: String,
    /// Each format found: where, and what it said.
    pub layers: Vec<String>,
    /// "busybox 1.24.1 (high): the string … in …".
    pub components: Vec<String>,
    /// Header CRCs that do not match, entries not created, …
    pub warnings: Vec<String>,
}

impl FirmwareView {
    /// The firmware's lines, device text escaped (as every view's).
    pub fn of(f: &iotvet_core::firmware::FirmwareSection) -> Self {
        let mut view = Self {
            file: f.image.file.clone(),
            summary: format!(
                "{} bytes, sha256 {}; {} files, {} accounts, {} services started at boot, {} update items, {} keys, certificates, tokens and passwords",
                f.image.size,
                f.image.sha256,
                f.files,
                f.accounts.len(),
                f.boot_services.len(),
                f.update.len(),
                f.secrets.len()
            ),
            layers: f
                .image
                .layers
                .iter()
                .map(|l| {
                    let state = if l.opened { "opened" } else { "identified" };
                    format!("{} ({} bytes, {state}){}", l.place, l.size, l.note.as_deref().map(|n| format!(": {n}")).unwrap_or_default())
                })
                .collect(),
            components: f
                .components
                .iter()
                .map(|c| format!("{} {} ({}): {}", c.name, c.version, c.confidence, c.evidence))
                .collect(),
            warnings: f.image.warnings.clone(),
        };
        view.make_printable();
        view
    }

    fn make_printable(&mut self) {
        self.file = printable(&self.file);
        printable_all(&mut self.layers);
        printable_all(&mut self.components);
        printable_all(&mut self.warnings);
    }
}

#[derive(Serialize)]
pub struct VerdictView {
    pub id: &'static str,
    pub name: &'static str,
    pub wording: &'static str,
    pub verdict: &'static str,
    pub label: &'static str,
    /// One plain sentence for a shopper.
    pub summary: String,
    pub reason: String,
    pub needs: Vec<String>,
}

#[derive(Serialize)]
pub struct FindingView {
    /// The stable id (`gate::finding_id`).
    pub id: String,
    /// Accepted by an ignore file or a baseline: how, why, until when.
    pub accepted: Option<String>,
    pub check: String,
    pub guideline: &'static str,
    pub status: &'static str,
    pub label: &'static str,
    pub severity: &'static str,
    /// `verified` or `declared`.
    pub basis: &'static str,
    pub title: String,
    pub location: String,
    pub evidence: Vec<String>,
    pub remediation: Option<String>,
    pub needs: Option<String>,
    pub references: Vec<String>,
}

#[derive(Serialize)]
pub struct TlsView {
    pub endpoint: String,
    pub service: String,
    /// (version, accepted suites by IANA name; empty when not offered).
    pub versions: Vec<(String, Vec<String>)>,
    /// `name: value` lines: server order, groups, DH prime, compression, renegotiation…
    pub facts: Vec<String>,
    /// One line per certificate, leaf first.
    pub chain: Vec<String>,
}

impl TlsView {
    /// The TLS assessment of `s` in words, as every human-readable output shows it.
    pub fn of(s: &iotvet_core::case::ServiceObservation) -> Option<Self> {
        let scan = s.tls_scan.as_ref()?;
        let only13 = scan.any_accepted() && scan.versions.iter().all(|v| !v.accepted || v.version == "TLSv1.3");
        let absent =
            if only13 { "not applicable (TLS 1.3 only)" } else { "unknown (no answer to the details handshake)" };
        let yes_no = |b: Option<bool>| b.map_or(absent, |b| if b { "yes" } else { "no" });
        let mut facts = Vec::new();
        if let Some(command) = &scan.starttls {
            facts.push(format!("STARTTLS: {command}"));
        }
        facts.push(format!(
            "server enforces its suite order: {}",
            scan.server_order_enforced.map_or("could not be told", |b| if b { "yes" } else { "no" })
        ));
        if !scan.groups.is_empty() {
            facts.push(format!("key-exchange groups: {}", scan.groups.join(", ")));
        }
        match (scan.dh_prime_sizes.as_slice(), scan.dh_prime_bits) {
            (sizes @ [_, _, ..], _) => facts.push(format!(
                "DHE primes: {} bits (by suite)",
                sizes.iter().map(u32::to_string).collect::<Vec<_>>().join(", ")
            )),
            (_, Some(bits)) => facts.push(format!("DHE prime: {bits} bits")),
            _ => {}
        }
        facts.push(format!("TLS compression: {}", yes_no(scan.compression)));
        facts.push(format!("secure renegotiation (RFC 5746): {}", yes_no(scan.secure_renegotiation)));
        facts.push(format!("extended master secret (RFC 7627): {}", yes_no(scan.extended_master_secret)));
        if let Some(v) = s.tls.as_ref().and_then(|t| t.chain_verification.as_ref()) {
            facts.push(format!("chain against the Mozilla roots: {v}"));
        }
        facts.extend(scan.anomalies.iter().map(|a| format!("anomaly: {a}")));
        facts.push(format!("{} handshakes in {} ms", scan.handshakes, scan.duration_ms));
        let chain = s
            .tls
            .iter()
            .flat_map(|t| &t.chain)
            .map(|c| {
                format!(
                    "{} — issued by {}; {} {} bits; {}; valid {} to {}{}",
                    c.subject,
                    c.issuer,
                    c.key_type,
                    c.key_bits,
                    c.signature_algorithm,
                    c.not_before,
                    c.not_after,
                    if c.self_signed { "; self-signed" } else { "" }
                )
            })
            .collect();
        let mut view = Self {
            endpoint: s.endpoint.to_string(),
            service: s.service_name(),
            versions: scan.versions.iter().map(|v| (v.version.clone(), v.cipher_suites.clone())).collect(),
            facts,
            chain,
        };
        printable_all(&mut view.facts);
        printable_all(&mut view.chain);
        Some(view)
    }
}

#[derive(Serialize)]
pub struct ServiceView {
    pub endpoint: String,
    pub service: String,
    pub encrypted: bool,
    pub detail: String,
}

/// Text from a device or a document made safe to show: control characters (C0, DEL, C1) and
/// the bidirectional overrides that can reorder what a reader sees are written as escapes
/// (`\x1b`, `\u{202e}`), so a banner cannot move the cursor, recolour the terminal or fake a
/// line. Applied once, to every text of the presentation model, by every human-readable format.
pub fn printable(text: &str) -> String {
    if !text.chars().any(needs_escape) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x100 && needs_escape(c) => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if needs_escape(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

fn needs_escape(c: char) -> bool {
    c.is_control() || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

fn printable_all(texts: &mut [String]) {
    for t in texts {
        *t = printable(t);
    }
}

pub fn verdict_label(v: VerdictKind) -> &'static str {
    match v {
        VerdictKind::Pass => "PASS",
        VerdictKind::Fail => "FAIL",
        VerdictKind::Unknown => "UNKNOWN",
    }
}

pub fn status_label(s: Status) -> &'static str {
    match s {
        Status::Pass => "PASS",
        Status::Fail => "FAIL",
        Status::Unknown => "UNKNOWN",
    }
}

pub fn overall_label(r: &Report) -> String {
    match r.overall {
        iotvet_core::Overall::Meets => "MEETS the minimum standards".into(),
        iotvet_core::Overall::Fails => "FAILS the minimum standards".into(),
        iotvet_core::Overall::Unknown => "UNKNOWN: not enough evidence to say it meets the minimum standards".into(),
    }
}

pub fn reference_text(standard: Standard, clause: &str) -> String {
    format!("{} {clause}", standard.title())
}

impl View {
    pub fn of(r: &Report) -> Self {
        let verdicts = Guideline::ALL
            .iter()
            .filter_map(|g| {
                let v = r.verdicts.get(g)?;
                Some(VerdictView {
                    id: g.id(),
                    name: g.name(),
                    wording: g.wording(),
                    verdict: v.verdict.as_str(),
                    label: verdict_label(v.verdict),
                    summary: v.summary.clone(),
                    reason: v.reason.clone(),
                    needs: v.needs.clone(),
                })
            })
            .collect();
        // Failing findings first, worst first; then unknowns; passes last (collapsed by the writers).
        let mut ordered: Vec<&iotvet_core::Finding> = r.findings.iter().collect();
        let rank = |s: Status| match s {
            Status::Fail => 0,
            Status::Unknown => 1,
            Status::Pass => 2,
        };
        ordered.sort_by_key(|f| (rank(f.status), std::cmp::Reverse(f.severity)));
        let findings = ordered
            .into_iter()
            .map(|f| FindingView {
                id: f.id.clone(),
                accepted: f.suppressed.as_ref().map(|s| {
                    let until = s.expires.as_deref().map(|d| format!(", until {d}")).unwrap_or_default();
                    format!("accepted ({}{until}): {}", s.by, s.reason)
                }),
                check: f.check.clone(),
                guideline: f.guideline.id(),
                status: f.status.as_str(),
                label: status_label(f.status),
                severity: f.severity.as_str(),
                basis: f.basis.as_str(),
                title: f.title.clone(),
                location: f.location.to_string(),
                evidence: f.evidence.clone(),
                remediation: f.remediation.clone(),
                needs: f.needs.clone(),
                references: f.references.iter().map(|x| reference_text(x.standard, &x.clause)).collect(),
            })
            .collect();
        let net = r.case.network.as_ref();
        let services = net
            .map(|n| {
                n.services
                    .iter()
                    .map(|s| ServiceView {
                        endpoint: s.endpoint.to_string(),
                        service: s.service_name(),
                        encrypted: s.is_encrypted(),
                        detail: s.detail(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let mut view = Self {
            tool: format!("{} {}", r.tool.name, r.tool.version),
            target_name: r.target.name.clone(),
            target_address: r.target.address.clone(),
            generated_at: r.generated_at.clone(),
            overall: r.overall.as_str(),
            overall_label: overall_label(r),
            verdicts,
            findings,
            services,
            tls: net.map(|n| n.services.iter().filter_map(TlsView::of).collect()).unwrap_or_default(),
            excluded: net
                .map(|n| n.excluded_ports.iter().map(|e| format!("{}: {}", e.port, e.reason)).collect())
                .unwrap_or_default(),
            scan_summary: net.map(|n| {
                format!(
                    "{} TCP ports scanned ({}), {} open, in {} ms",
                    n.ports_scanned,
                    n.port_spec,
                    n.open_ports.len(),
                    n.scan_duration_ms
                )
            }),
            firmware: r.case.firmware.as_ref().map(FirmwareView::of),
            vulnerabilities: r.case.vulnerabilities.as_ref().map(VulnView::of),
        };
        view.make_printable();
        view
    }

    /// Every text that may have come from a device or a document, escaped once (see `printable`).
    fn make_printable(&mut self) {
        self.target_name = printable(&self.target_name);
        for v in &mut self.verdicts {
            v.reason = printable(&v.reason);
            v.summary = printable(&v.summary);
            printable_all(&mut v.needs);
        }
        for f in &mut self.findings {
            f.location = printable(&f.location);
            f.accepted = f.accepted.as_deref().map(printable);
            printable_all(&mut f.evidence);
            f.needs = f.needs.as_deref().map(printable);
        }
        for s in &mut self.services {
            s.detail = printable(&s.detail);
        }
        printable_all(&mut self.excluded);
    }
}
