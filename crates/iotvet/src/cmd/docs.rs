//! `iotvet docs security-txt|policy` and `iotvet declaration template|check`; and the document
//! collection that `assess` and `demo` share.

use std::path::Path;

use anyhow::{bail, Context, Result};
use iotvet_core::{
    case::Target,
    declaration::{Declaration, DeclarationSource},
    documents::ReadabilityThresholds,
    CaseFile, Guideline,
};
use iotvet_docs::{DocsOptions, DocumentSources, FetchOptions};
use iotvet_net::now_rfc3339;
use serde_json::json;

use crate::{DeclarationCommand, DocsCommand, FetchArgs, ReadingArgs, SecurityTxtOptions, VendorArgs};

impl FetchArgs {
    /// The options of the document collector: how to fetch, and the options of the documents
    /// the command reads (security.txt, policies).
    pub fn options(&self, security_txt: &SecurityTxtOptions, reading: &ReadingArgs) -> Result<DocsOptions> {
        let mut fetch = FetchOptions::default();
        if let Some(path) = &self.ca_file {
            let pem = std::fs::read(path).with_context(|| format!("cannot read CA file {}", path.display()))?;
            let certs = iotvet_docs::fetch::pem_certificates(&pem);
            if certs.is_empty() {
                bail!("{} holds no PEM certificate", path.display());
            }
            fetch.extra_roots = certs;
        }
        Ok(DocsOptions {
            fetch,
            thresholds: ReadabilityThresholds {
                min_flesch_reading_ease: reading.min_reading_ease,
                max_grade: reading.max_grade,
            },
            security_txt_url: security_txt.fetched_from.clone(),
            security_txt_key: match &security_txt.security_txt_key {
                Some(path) => Some(
                    std::fs::read_to_string(path)
                        .with_context(|| format!("cannot read OpenPGP key {}", path.display()))?,
                ),
                None => None,
            },
            max_decompressed: self.max_document_mib.max(1).saturating_mul(1024 * 1024),
        })
    }
}

/// A declaration and the file it was read from.
pub type DeclarationFile = (Declaration, DeclarationSource);

/// Reads and checks a declaration file, with where each of its keys is (for findings to point at).
pub fn read_declaration(path: &Path) -> Result<DeclarationFile> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read declaration {}", path.display()))?;
    let d = parse_declaration(&text).with_context(|| format!("declaration {} is not valid", path.display()))?;
    Ok((d, DeclarationSource::new(path.display().to_string(), &text)))
}

/// The declaration's own schema, as published in `schemas/`.
const DECLARATION_SCHEMA: &str = include_str!("../../../../schemas/declaration.schema.json");

/// A declaration read as TOML, checked against its JSON schema (enums, patterns, types), then
/// by the core's own checks (dates that exist). Errors are one short line.
pub fn parse_declaration(text: &str) -> Result<Declaration> {
    let one_line = |s: String| s.replace(['\n', '\r'], " ").trim().to_owned();
    let d = Declaration::from_toml(text).map_err(|e| anyhow::anyhow!("{}", one_line(e.to_string())))?;
    let doc = toml::from_str::<toml::Value>(text)
        .map_err(|e| anyhow::anyhow!("{}", one_line(e.message().to_owned())))
        .and_then(|v| serde_json::to_value(v).map_err(anyhow::Error::from))?;
    let schema: serde_json::Value = serde_json::from_str(DECLARATION_SCHEMA)?;
    let validator = jsonschema::validator_for(&schema).map_err(|e| anyhow::anyhow!("declaration schema: {e}"))?;
    let problems: Vec<String> = validator
        .iter_errors(&doc)
        .take(5)
        .map(|e| {
            let value: String = e.instance.to_string().chars().take(60).collect();
            format!("{} ({value}) does not match the format", e.instance_path)
        })
        .collect();
    if !problems.is_empty() {
        anyhow::bail!("{}", iotvet_report::printable(&problems.join("; ")));
    }
    Ok(d)
}

/// The declaration, the documents asked for and the fetch options `assess` was given, read
/// before any probing so a bad file is an error up front.
pub fn vendor_inputs(args: &VendorArgs) -> Result<(Option<DeclarationFile>, DocumentSources, DocsOptions)> {
    let declaration = args.declaration.as_deref().map(read_declaration).transpose()?;
    let sources = DocumentSources {
        security_txt: args.security_txt.clone(),
        privacy_policy: args.privacy_policy.clone(),
        terms: args.terms.clone(),
    };
    Ok((declaration, sources, args.fetch.options(&args.security_txt_options, &args.reading)?))
}

/// Reads the documents off the async runtime (the HTTP client blocks).
pub async fn collect(
    sources: DocumentSources,
    options: DocsOptions,
) -> Result<Option<iotvet_core::documents::DocumentsSection>> {
    tokio::task::spawn_blocking(move || iotvet_docs::collect(&sources, &options))
        .await
        .context("the document collector stopped")
}

pub async fn run(command: DocsCommand) -> Result<u8> {
    let (source, format, sources, guideline, options) = match &command {
        DocsCommand::SecurityTxt(a) => (
            &a.source,
            &a.format,
            DocumentSources { security_txt: Some(a.source.clone()), ..Default::default() },
            Guideline::Ms4,
            a.fetch.options(&a.security_txt, &ReadingArgs::default())?,
        ),
        DocsCommand::Policy(p) => {
            let sources = match p.kind.as_str() {
                "privacy-policy" => DocumentSources { privacy_policy: Some(p.source.clone()), ..Default::default() },
                "terms" => DocumentSources { terms: Some(p.source.clone()), ..Default::default() },
                other => bail!("unknown document kind '{other}' (use privacy-policy or terms)"),
            };
            (
                &p.source,
                &p.format,
                sources,
                Guideline::Ms5,
                p.fetch.options(&SecurityTxtOptions::default(), &p.reading)?,
            )
        }
    };
    if !matches!(format.as_str(), "terminal" | "json") {
        bail!("unknown format '{format}' for docs (use terminal or json)");
    }
    let mut case = CaseFile::new(Target { name: source.clone(), address: source.clone() }, now_rfc3339());
    case.documents = collect(sources, options).await?;
    let assessment = iotvet_core::judge(&case);
    let findings: Vec<_> =
        assessment.findings.into_iter().filter(|f| f.guideline == guideline && f.location.document.is_some()).collect();
    // One source was asked for, so the section is there.
    let docs = case.documents.context("no document was read")?;
    if format == "json" {
        let mut out = json!({
            "schema_version": iotvet_report::OUTPUT_SCHEMA_VERSION,
            "tool": iotvet_report::tool_json(),
            "source": source,
            "findings": findings,
        });
        if let Some(s) = &docs.security_txt {
            out["security_txt"] = json!(s);
        }
        if let Some(p) = docs.policies.first() {
            out["document"] = json!(p);
            out["readability"] = json!(p.readability);
            out["language"] = json!(p.language);
            out["topics"] = json!(p.topics);
        }
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        print!("{}", iotvet_report::text::documents(&docs, &findings, crate::output::terminal_width()));
    }
    Ok(crate::exit::of_findings(&findings))
}

pub fn declaration(command: DeclarationCommand) -> Result<u8> {
    match command {
        DeclarationCommand::Template => print!("{}", iotvet_core::declaration::TEMPLATE),
        DeclarationCommand::Check { file } => {
            let (d, _) = read_declaration(&file)?;
            println!("{}: a valid declaration for {} by {}", file.display(), d.product.name, d.product.vendor);
            let open = d.unanswered();
            if !open.is_empty() {
                println!("not answered (their guidelines stay unknown on the vendor's side): {}", open.join(", "));
            }
        }
    }
    Ok(crate::exit::MEETS)
}
