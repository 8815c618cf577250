//! Plain-text printers of the commands that show one collection rather than a whole report
//! (`scan`, `tls`, `docs`): like the report writers, they escape every text that came from a
//! device or a document (`printable`), so the binary only chooses which one to print.

use std::fmt::Write as _;

use iotvet_core::case::{NetworkSection, ServiceObservation};
use iotvet_core::documents::DocumentsSection;
use iotvet_core::Finding;

use crate::view::{printable as p_, TlsView};

/// Wraps `text` to `width` columns: the first line after `first`, the rest indented by `indent`.
/// A word longer than a line is cut with `…`, so no line is wider than `width`.
pub fn wrap_to(width: usize, first: &str, indent: usize, text: &str) -> String {
    let width = width.max(indent + 10);
    let mut out = String::from(first);
    let mut col = first.chars().count();
    let mut line_has_word = false;
    for word in text.split_whitespace() {
        let w = word.chars().count();
        if line_has_word && col + 1 + w > width {
            out.push('\n');
            out.push_str(&" ".repeat(indent));
            col = indent;
            line_has_word = false;
        }
        if line_has_word {
            out.push(' ');
            col += 1;
        }
        let room = width.saturating_sub(col).max(1);
        let shown: String =
            if w > room { word.chars().take(room.saturating_sub(1)).chain(['…']).collect() } else { word.to_owned() };
        col += shown.chars().count();
        out.push_str(&shown);
        line_has_word = true;
    }
    out.push('\n');
    out
}

/// One host of `iotvet scan`: open ports with their service, then any step that did not complete.
pub fn scan_host(name: &str, address: &str, net: &NetworkSection, width: usize) -> String {
    let mut out = format!(
        "{} ({address}): {} of {} TCP ports open, {} ms\n",
        p_(name),
        net.open_ports.len(),
        net.ports_scanned,
        net.scan_duration_ms
    );
    if !net.services.is_empty() || !net.udp_services.is_empty() {
        let _ = writeln!(out, "{:<12} {:<10} {:<10} DETAIL", "PORT", "SERVICE", "ENCRYPTED");
    }
    for s in &net.services {
        let head = format!(
            "{:<12} {:<10} {:<10} ",
            format!("{}/tcp", s.endpoint.port),
            s.service_name(),
            if s.is_encrypted() { "yes" } else { "no" }
        );
        out.push_str(&wrap_to(width, &head, 35, &p_(&s.detail())));
    }
    for u in &net.udp_services {
        let head = format!("{:<12} {:<10} {:<10} ", format!("{}/udp", u.endpoint.port), u.protocol, "-");
        out.push_str(&wrap_to(width, &head, 35, &p_(&u.identified_by)));
    }
    for step in &net.steps {
        if let Some(why) = step.failure() {
            let place = step.endpoint.as_ref().map(|e| format!(" of {e}")).unwrap_or_default();
            out.push_str(&wrap_to(width, "incomplete: ", 2, &format!("the {}{place}: {}", step.step.name(), p_(why))));
        }
    }
    out.push('\n');
    out
}

/// `iotvet tls`: versions and suites, the other observations, the chain, the findings.
pub fn tls(s: &ServiceObservation, findings: &[Finding], width: usize) -> String {
    let mut out = String::new();
    let Some(view) = TlsView::of(s) else { return out };
    let _ = writeln!(out, "{}", view.endpoint);
    for (version, suites) in &view.versions {
        let _ = writeln!(out, "  {version:<9} {}", if suites.is_empty() { "not offered" } else { "offered" });
        for c in suites {
            let _ = writeln!(out, "      {c}");
        }
    }
    for fact in &view.facts {
        out.push_str(&wrap_to(width, "  ", 4, fact));
    }
    for (i, c) in view.chain.iter().enumerate() {
        out.push_str(&wrap_to(width, &format!("  certificate #{i}: "), 4, c));
    }
    for f in findings {
        let head = format!("  {:<7} {:<32} ", f.status.as_str().to_uppercase(), f.check);
        out.push_str(&wrap_to(width, &head, 10, &p_(&f.evidence.join("; "))));
    }
    out
}

/// `iotvet docs`: what was read, its figures and topics, then the findings.
pub fn documents(docs: &DocumentsSection, findings: &[Finding], width: usize) -> String {
    let mut out = String::new();
    if let Some(s) = &docs.security_txt {
        for a in &s.attempts {
            let _ = writeln!(out, "{}: {}", p_(&a.source), p_(a.error.as_deref().unwrap_or("found")));
        }
        if let Some(f) = &s.file {
            let signed = match (f.signed, f.signature_verified) {
                (false, _) => "no",
                (true, Some(true)) => "yes (signature verified with the key given)",
                (true, Some(false)) => "yes (the signature does NOT verify with the key given)",
                (true, None) => "yes (signature not verified: give the key with --security-txt-key)",
            };
            let _ = writeln!(out, "signed: {signed}; line endings: {}", f.line_endings);
            for field in &f.fields {
                let _ = writeln!(out, "  {:<20} {}", p_(&field.name), p_(&field.value));
            }
            for p in &f.problems {
                let line = p.line.map(|l| format!("line {l}: ")).unwrap_or_default();
                let level = format!("{:?}", p.level).to_lowercase();
                let _ = writeln!(out, "  {level:<14} {line}{} ({})", p_(&p.message), p.code);
            }
        }
    }
    for p in &docs.policies {
        let state = p.retrieval.error.as_deref().or(p.extraction_error.as_deref()).unwrap_or("read");
        let _ = writeln!(out, "{} {}: {}", p.kind, p_(&p.retrieval.source), p_(state));
        if let Some(l) = &p.language {
            let _ = writeln!(out, "  language {l}, {} characters of main text", p.text_chars);
        }
        if let Some(r) = &p.readability {
            let _ = writeln!(
                out,
                "  words {}  sentences {}  syllables {}  reading time {:.1} min",
                r.words, r.sentences, r.syllables, r.reading_time_minutes
            );
            let _ = writeln!(
                out,
                "  Flesch Reading Ease {:.2}  Flesch-Kincaid grade {:.2}  Gunning Fog {:.2}  SMOG {:.2}  Coleman-Liau {:.2}  ARI {:.2}",
                r.flesch_reading_ease, r.flesch_kincaid_grade, r.gunning_fog, r.smog, r.coleman_liau, r.ari
            );
        }
        for t in &p.topics {
            let head = format!("  {:<15} ", t.topic);
            out.push_str(&wrap_to(width, &head, 18, &p_(t.sentence.as_deref().unwrap_or("NOT COVERED"))));
        }
    }
    out.push('\n');
    for f in findings {
        let _ = writeln!(out, "{:<8} {} at {}", f.status.as_str().to_uppercase(), f.check, p_(&f.location.to_string()));
        for e in &f.evidence {
            out.push_str(&wrap_to(width, "         - ", 11, &p_(e)));
        }
    }
    out
}

/// `iotvet firmware`: the image, its layers, warnings and components, then the firmware
/// findings (the same lines the reports show, device text escaped).
pub fn firmware(f: &iotvet_core::firmware::FirmwareSection, findings: &[Finding], width: usize) -> String {
    let v = crate::view::FirmwareView::of(f);
    let mut out = String::new();
    let _ = writeln!(out, "{}", v.file);
    out.push_str(&wrap_to(width, "  ", 2, &v.summary));
    for l in &v.layers {
        out.push_str(&wrap_to(width, "  ", 4, l));
    }
    for w in &v.warnings {
        out.push_str(&wrap_to(width, "  warning: ", 4, w));
    }
    for c in &v.components {
        out.push_str(&wrap_to(width, "  component ", 4, c));
    }
    let shown = |check: &str| {
        iotvet_core::rules::firmware::CHECKS.contains(&check) || iotvet_core::rules::vulns::CHECKS.contains(&check)
    };
    for x in findings.iter().filter(|x| shown(x.check.as_str())) {
        let _ = writeln!(out, "{:<7} {} at {}", x.status.as_str().to_uppercase(), x.check, p_(&x.location.to_string()));
        for e in &x.evidence {
            out.push_str(&wrap_to(width, "        ", 8, &p_(e)));
        }
    }
    out
}

/// `iotvet sbom`: the database, each component with its known vulnerabilities, the findings.
pub fn vulnerabilities(v: &iotvet_core::vulns::VulnSection, findings: &[Finding], width: usize) -> String {
    let mut out = String::new();
    let d = &v.database;
    let _ = writeln!(
        out,
        "{}: {} components; database {} ({} records, newest {}, {} KEV entries)",
        p_(&v.inventory),
        v.components.len(),
        p_(&d.path),
        d.records(),
        d.newest().unwrap_or_else(|| "-".into()),
        d.kev_entries
    );
    for (i, c) in v.components.iter().enumerate() {
        let found: Vec<&iotvet_core::vulns::VulnMatch> = v.matches.iter().filter(|m| m.component == i).collect();
        if found.is_empty() {
            continue;
        }
        let _ = writeln!(out, "  {} {}: {} known", p_(&c.name), p_(&c.version), found.len());
        for m in found {
            let score = m.cvss.as_ref().map(|c| format!(" CVSS {}", c.score)).unwrap_or_default();
            let kev = m.kev.as_ref().map(|k| format!(" KEV since {}", k.date_added)).unwrap_or_default();
            let fixed = m.fixed.as_ref().map(|f| format!(" fixed in {f}")).unwrap_or_default();
            out.push_str(&wrap_to(width, "    ", 6, &p_(&format!("{}{score}{kev}{fixed}: {}", m.id, m.rule))));
        }
    }
    for x in findings {
        let _ = writeln!(out, "{:<7} {}", x.status.as_str().to_uppercase(), x.check);
        for e in &x.evidence {
            out.push_str(&wrap_to(width, "        ", 8, &p_(e)));
        }
    }
    out
}

/// `iotvet traffic`: the capture, then the hosts (no device) or the device's flows,
/// destinations, secrets and findings.
pub fn traffic(t: &iotvet_core::traffic::TrafficSection, findings: Option<&[Finding]>, width: usize) -> String {
    let mut out = String::new();
    let c = &t.capture;
    let _ = writeln!(
        out,
        "{} ({}; {}): {} packets, {} bytes, {:.1} s",
        p_(&c.file),
        c.format,
        c.link_types.join(", "),
        c.packets,
        c.bytes,
        c.duration_s
    );
    for s in &c.skipped {
        out.push_str(&wrap_to(
            width,
            "  skipped: ",
            11,
            &format!("{} × {} (first packet {})", s.count, s.reason, s.first_packet),
        ));
    }
    let Some(findings) = findings else {
        let _ = writeln!(out, "\n{:<19} {:<28} {:>8} {:>10} {:>6}  NAMES", "MAC", "IP", "PACKETS", "BYTES", "FLOWS");
        for h in &t.devices {
            let head = format!(
                "{:<19} {:<28} {:>8} {:>10} {:>6}  ",
                h.mac.as_deref().unwrap_or("-"),
                h.ips.join(","),
                h.packets,
                h.bytes,
                h.flows
            );
            out.push_str(&wrap_to(width, &head, head.chars().count(), &p_(&h.names.join("; "))));
        }
        out.push_str("\nPick the product under test with --device IP or --device MAC.\n");
        return out;
    };
    let _ = writeln!(out, "\nFlows of {} ({}):", p_(t.device.as_deref().unwrap_or("")), t.flows.len());
    // A terminal shows the first flows; the JSON has every one.
    const SHOWN: usize = 200;
    for f in t.flows.iter().take(SHOWN) {
        let enc = match f.encrypted {
            Some(true) => "encrypted",
            Some(false) => "PLAINTEXT",
            None => "?",
        };
        let name = f.server_name.as_deref().map(|n| format!(" ({})", p_(n))).unwrap_or_default();
        let mut detail = format!("{} → {}{name}, {} packets, {} bytes", f.client, f.server, f.packets, f.bytes);
        if let Some(tls) = &f.tls {
            if let Some(v) = &tls.version {
                detail.push_str(&format!(", {v}"));
            }
            if let Some(s) = &tls.cipher_suite {
                detail.push_str(&format!(" {s}"));
            }
            if let Some(j) = &tls.ja4 {
                detail.push_str(&format!(", JA4 {j}"));
            }
        }
        if let Some(u) = &f.update {
            detail.push_str(&format!("; update traffic: {}", p_(u)));
        }
        let head = format!("  {:<8} {:<9} ", f.protocol, enc);
        out.push_str(&wrap_to(width, &head, 21, &p_(&detail)));
    }
    if t.flows.len() > SHOWN {
        let _ = writeln!(out, "  … and {} more flows (--format json lists every one)", t.flows.len() - SHOWN);
    }
    if !t.destinations.is_empty() {
        let _ = writeln!(out, "\nDestinations:");
        for d in &t.destinations {
            let tracker = d.tracker.as_deref().map(|x| format!("; TRACKER {x}")).unwrap_or_default();
            let line = format!(
                "{} [{}] {}: {} flows, {} bytes, {} encrypted{tracker}",
                d.ip,
                d.party,
                p_(&d.names.join(", ")),
                d.flows,
                d.bytes,
                d.encrypted_bytes
            );
            out.push_str(&wrap_to(width, "  ", 4, &line));
        }
    }
    if !t.secrets.is_empty() {
        let _ = writeln!(out, "\nIn clear:");
        for s in &t.secrets {
            out.push_str(&wrap_to(
                width,
                "  ",
                4,
                &p_(&format!("{}: {} — {} (packet {}, {})", s.kind, s.value, s.how, s.packet, s.place)),
            ));
        }
    }
    let _ = writeln!(out, "\nFindings:");
    for f in findings.iter().filter(|f| iotvet_core::rules::traffic::CHECKS.contains(&f.check.as_str())) {
        let head = format!("  {:<7} {:<36} ", f.status.as_str().to_uppercase(), f.check);
        out.push_str(&wrap_to(width, &head, 10, &p_(&f.evidence.join("; "))));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scan_lines_escape_device_text_and_say_what_did_not_complete() {
        let r = crate::fixtures::report();
        let mut net = r.case.network.clone().unwrap();
        net.steps.push(iotvet_core::case::CollectorStep::error(
            iotvet_core::case::StepKind::TcpScan,
            None,
            "no port accepted or refused \u{1b}[2J",
        ));
        let text = scan_host("cam.test", "192.0.2.7", &net, 100);
        assert!(text.contains("23/tcp       telnet     no"), "{text}");
        assert!(text.contains("incomplete: the TCP scan: no port accepted or refused \\x1b[2J"), "{text}");
        assert!(!text.contains('\u{1b}'));
    }
}
