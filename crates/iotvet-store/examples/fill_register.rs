//! Fills a register for the load benchmark: `cargo run --release -p iotvet-store --example
//! fill_register DATABASE PRODUCTS ASSESSMENTS` — PRODUCTS products (every one published, one
//! in ten a children's product), ASSESSMENTS assessments spread over them, each a small case
//! judged by the current rules. Prints how long it took.
#![forbid(unsafe_code)]

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(db), Some(products), Some(assessments)) = (
        args.get(1),
        args.get(2).and_then(|n| n.parse::<usize>().ok()),
        args.get(3).and_then(|n| n.parse::<usize>().ok()),
    ) else {
        eprintln!("usage: fill_register DATABASE PRODUCTS ASSESSMENTS");
        std::process::exit(2);
    };
    let started = std::time::Instant::now();
    let mut store = iotvet_store::Store::open(Some(db)).unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(1)
    });
    let vendors = ["Acme", "Brightnest", "Camco", "Doorly", "Eyeris", "Fenwick", "Glow", "Homely"];
    for i in 0..assessments {
        let p = i % products.max(1);
        let day = 1 + (i / products.max(1)) % 28;
        let case: iotvet_core::CaseFile = serde_json::from_value(serde_json::json!({
            "target": {"name": format!("device-{p}"), "address": "127.0.0.1"},
            "created_at": format!("2026-10-{day:02}T{:02}:00:{:02}Z", i % 24, i % 60),
        }))
        .unwrap_or_else(|e| panic!("{e}"));
        let report = iotvet_report::Report::new(case, "2026-11-01T00:00:00Z".into());
        let info = iotvet_store::ProductInfo {
            vendor: vendors[p % vendors.len()].to_owned(),
            model: format!("M-{p:05}"),
            name: format!("Model {p}"),
            for_children: p % 10 == 0,
            ..Default::default()
        };
        let saved = store.save(&report, &info, "bench").unwrap_or_else(|e| panic!("{e}"));
        if saved.new && i < products {
            store.set_published(saved.product_id, true).unwrap_or_else(|e| panic!("{e}"));
        }
    }
    println!("{products} products, {assessments} assessments in {:.1} s", started.elapsed().as_secs_f64());
}
