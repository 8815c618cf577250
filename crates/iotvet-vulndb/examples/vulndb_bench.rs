//! Times an import and the matching of an SBOM's components, the parts apart:
//! `cargo run --release -p iotvet-vulndb --example vulndb_bench DB DATA_DIR SBOM`.
#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [db, data, sbom] = args.as_slice() else {
        eprintln!("usage: vulndb_bench DB DATA_DIR SBOM");
        std::process::exit(2);
    };
    let t = Instant::now();
    let mut n = 0usize;
    iotvet_vulndb::read_paths(&[PathBuf::from(data)], |d| {
        if let iotvet_vulndb::Document::Records(r) = d {
            n += r.len();
        }
    });
    println!("read and parse alone: {n} records in {:.2} s", t.elapsed().as_secs_f64());
    let _ = std::fs::remove_file(db);
    let mut store = iotvet_vulndb::store::Store::open(std::path::Path::new(db)).expect("open");
    let t = Instant::now();
    let report = store.import(&[PathBuf::from(data)], "2030-01-01T00:00:00Z").expect("import");
    let secs = t.elapsed().as_secs_f64();
    println!("import: {} records in {secs:.2} s: {:.0} records/s", report.records, report.records as f64 / secs);
    let bytes = std::fs::read(sbom).unwrap_or_default();
    let (_, components) = iotvet_vulndb::sbom::read(&bytes).expect("sbom");
    for _ in 0..3 {
        let t = Instant::now();
        let status = store.status().expect("status");
        let loaded = store.db_for(&components).expect("load");
        let matched: usize = components.iter().map(|c| loaded.match_component(c).matches.len()).sum();
        println!(
            "match {} components: {:?} ({} records loaded, {matched} matches; {} sources)",
            components.len(),
            t.elapsed(),
            loaded.records.len(),
            status.sources.len()
        );
    }
}
