//! `iotvet import`, `iotvet register` and the `--store` of `assess`: assessments kept in the
//! register (iotvet-store), SQLite by default, PostgreSQL by URL.

use anyhow::{bail, Context, Result};
use iotvet_report::Report;
use iotvet_store::{ProductInfo, Store};

use crate::{ImportArgs, RegisterArgs, RegisterCommand, ServeArgs, StoreArgs, UserCommand};

/// A file given to `import` is read up to this size.
const MAX_CASE: u64 = 256 << 20;

fn open(database: Option<&str>) -> Result<Store> {
    Ok(Store::open(database)?)
}

/// The product a report is of: the declaration's, with what the user gave on top.
fn product_of(report: &Report, args: &StoreArgs) -> ProductInfo {
    let mut p = ProductInfo::of_case(&report.case);
    if let Some(v) = &args.vendor {
        p.vendor = v.clone();
    }
    if let Some(m) = &args.model {
        p.model = m.clone();
        if p.name.is_empty() || args.vendor.is_some() {
            p.name = m.clone();
        }
    }
    if let Some(c) = &args.category {
        p.category = c.clone();
    }
    if let Some(f) = &args.firmware_version {
        p.firmware_version = f.clone();
    }
    p
}

fn ran_by(args: &StoreArgs) -> String {
    args.ran_by.clone().or_else(|| std::env::var("USER").ok()).unwrap_or_else(|| "unknown".into())
}

/// Stores one report; returns what was stored, in words.
pub fn save(store: &mut Store, report: &Report, args: &StoreArgs) -> Result<String> {
    let product = product_of(report, args);
    let saved = store.save(report, &product, &ran_by(args))?;
    Ok(format!(
        "iotvet: {} in the register {} as assessment {} of product {} ({} {})",
        if saved.new { "stored" } else { "already" },
        store.location,
        saved.assessment_id,
        saved.product_id,
        iotvet_report::printable(&product.vendor),
        iotvet_report::printable(&product.model)
    ))
}

/// `assess --store`: the report saved in the register given (or the default one).
pub fn store_report(report: &Report, args: &StoreArgs) -> Result<()> {
    let mut store = open(args.database.as_deref())?;
    crate::output::progress(&save(&mut store, report, args)?);
    Ok(())
}

/// A saved report, or a bare case file judged now.
fn read_report(path: &std::path::Path) -> Result<Report> {
    let size = std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?.len();
    if size > MAX_CASE {
        bail!("{} is {size} bytes: larger than the 256 MiB a case file is read up to", path.display());
    }
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {} as text", path.display()))?;
    Report::from_saved(&text, iotvet_net::now_rfc3339()).with_context(|| format!("{} is not usable", path.display()))
}

pub fn import(args: ImportArgs) -> Result<u8> {
    // Every file is read before anything is stored: a bad one stops the import with nothing added.
    let reports: Vec<Report> = args.files.iter().map(|f| read_report(f)).collect::<Result<_>>()?;
    let mut store = open(args.store.database.as_deref())?;
    for report in &reports {
        println!("{}", save(&mut store, report, &args.store)?);
    }
    Ok(0)
}

pub fn run(args: RegisterArgs) -> Result<u8> {
    let json = match args.format.as_str() {
        "json" => true,
        "terminal" => false,
        other => bail!("unknown format '{other}' for register (use terminal or json)"),
    };
    let mut store = open(args.database.as_deref())?;
    let clean = |s: &str| iotvet_report::printable(s);
    match args.command {
        RegisterCommand::List => {
            let products = store.products()?;
            if json {
                println!("{}", serde_json::to_string_pretty(&serde_json::json!({ "products": products }))?);
            } else if products.is_empty() {
                println!(
                    "The register {} holds no product yet (iotvet import REPORT.json, or assess --store).",
                    store.location
                );
            } else {
                println!("{:>5}  {:<8} {:>3}  {:<20}  product", "id", "overall", "n", "last assessed");
                for p in &products {
                    println!(
                        "{:>5}  {:<8} {:>3}  {:<20}  {} {}{}",
                        p.id,
                        p.overall,
                        p.assessments,
                        p.last_assessed,
                        clean(&p.vendor),
                        clean(&p.model),
                        if p.for_children { " (children's)" } else { "" }
                    );
                }
            }
        }
        RegisterCommand::User(command) => return user(&mut store, command, json),
        RegisterCommand::Show { product } => {
            let rows = store.assessments(product)?;
            if rows.is_empty() {
                bail!("no assessment of product {product} in the register {}", store.location);
            }
            if json {
                let shown = serde_json::json!({ "product": product, "assessments": rows });
                println!("{}", serde_json::to_string_pretty(&shown)?);
            } else {
                for a in &rows {
                    println!(
                        "{:>5}  {:<8} {}  {} by {} (iotvet {}; judged by rules {}, {} judgement{})",
                        a.id,
                        a.overall,
                        a.ran_at,
                        clean(&a.target),
                        clean(&a.ran_by),
                        a.tool_version,
                        a.rules_version,
                        a.judgements,
                        if a.judgements == 1 { "" } else { "s" }
                    );
                }
            }
        }
        RegisterCommand::Publish { product } | RegisterCommand::Unpublish { product } => {
            let publish = matches!(args.command, RegisterCommand::Publish { .. });
            if !store.set_published(product, publish)? {
                bail!("no product {product} in the register {}", store.location);
            }
            println!("product {product} {} the buyer's guide", if publish { "is now in" } else { "is no longer in" });
        }
        RegisterCommand::Rejudge => {
            let added = store.rejudge(&iotvet_net::now_rfc3339())?;
            println!(
                "{added} stored assessment{} judged again with rules {}",
                if added == 1 { "" } else { "s" },
                iotvet_core::catalog::rules_version()
            );
        }
    }
    Ok(0)
}

/// `iotvet serve`: the buyer's guide on `--listen` until Ctrl-C.
pub async fn serve(args: ServeArgs) -> Result<u8> {
    // Connections taken in turn: readers do not wait for one another (SQLite's WAL, or
    // PostgreSQL's sessions).
    let (database, connections) = (args.database.clone(), args.connections);
    let stores = tokio::task::spawn_blocking(move || {
        (0..connections).map(|_| Store::open(database.as_deref())).collect::<Result<Vec<_>, _>>()
    })
    .await??;
    let location = stores.first().map(|s| s.location.clone()).unwrap_or_default();
    let state = iotvet_web::AppState::new(stores)?;
    let listener = tokio::net::TcpListener::bind(&args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let at = listener.local_addr()?;
    eprintln!("iotvet: serving the buyer's guide of {location} on http://{at}/guide (Ctrl-C stops)");
    tokio::select! {
        served = iotvet_web::serve(listener, state) => served?,
        _ = tokio::signal::ctrl_c() => {}
    }
    Ok(0)
}

/// `iotvet register user ...`.
fn user(store: &mut Store, command: UserCommand, json: bool) -> Result<u8> {
    match command {
        UserCommand::Add { name, role } => {
            let role = iotvet_store::Role::parse(&role).context("the role is viewer, analyst or admin")?;
            let mut line = String::new();
            std::io::stdin().read_line(&mut line).context("reading the password from standard input")?;
            let password = line.trim_end_matches(['\r', '\n']);
            let id = store.add_user(&name, password, role)?;
            println!("iotvet: account {name} ({}) added to the register {} as {id}", role.as_str(), store.location);
        }
        UserCommand::List => {
            let users = store.users()?;
            if json {
                let rows: Vec<serde_json::Value> = users
                    .iter()
                    .map(|(u, disabled)| serde_json::json!({ "id": u.id, "name": u.name, "role": u.role, "disabled": disabled }))
                    .collect();
                println!("{}", serde_json::to_string_pretty(&serde_json::json!({ "users": rows }))?);
            } else {
                for (u, disabled) in users {
                    println!("{:<24} {:<8}{}", u.name, u.role.as_str(), if disabled { " (disabled)" } else { "" });
                }
            }
        }
        UserCommand::Disable { name } => {
            if !store.set_disabled(&name, true)? {
                bail!("there is no account named {name}");
            }
            println!("iotvet: account {name} disabled");
        }
        UserCommand::Enable { name } => {
            if !store.set_disabled(&name, false)? {
                bail!("there is no account named {name}");
            }
            println!("iotvet: account {name} enabled");
        }
        UserCommand::Token { name, label } => {
            let token = store.new_api_token(&name, &label)?;
            eprintln!("iotvet: API token for {name} ({label}); it is shown this once:");
            println!("{token}");
        }
    }
    Ok(0)
}
