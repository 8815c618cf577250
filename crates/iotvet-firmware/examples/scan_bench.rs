//! Times the phases of a firmware analysis on one image, then each evidence reader alone:
//! `cargo run --release -p iotvet-firmware --example scan_bench IMAGE`.
#![forbid(unsafe_code)]

use std::time::Instant;

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: scan_bench IMAGE");
        std::process::exit(2);
    };
    let bytes = std::fs::read(&path).unwrap_or_default();
    let t = Instant::now();
    let Ok(u) = iotvet_firmware::unpack(&bytes, &iotvet_firmware::Limits::for_analysis()) else {
        eprintln!("does not unpack");
        std::process::exit(1);
    };
    println!("unpack: {:?}", t.elapsed());
    let kept: Vec<usize> = u
        .tree
        .iter()
        .filter_map(|(_, n)| match n {
            iotvet_firmware::Node::File { data, .. } if !data.is_empty() => Some(data.len()),
            _ => None,
        })
        .collect();
    println!(
        "bytes kept for the evidence: {} of {} (in {} files)",
        kept.iter().sum::<usize>(),
        u.tree.bytes(),
        kept.len()
    );
    let t = Instant::now();
    let section = iotvet_firmware::section_of(&u, &path, String::new());
    println!("evidence, all readers as `iotvet firmware` runs them: {:?} ({} files)", t.elapsed(), section.files);
    let roots: Vec<&str> = u.layers.iter().filter_map(|l| l.root.as_deref()).collect();
    for root in &roots {
        let fs = iotvet_firmware::tree::Fs::new(&u.tree, root, &roots);
        let tries = iotvet_firmware::evidence::candidates();
        let t = Instant::now();
        let _ = iotvet_firmware::evidence::accounts(&fs, &tries);
        println!("accounts: {:?}", t.elapsed());
        let t = Instant::now();
        let _ = iotvet_firmware::evidence::boot_services(&fs);
        println!("boot services: {:?}", t.elapsed());
        let t = Instant::now();
        let _ = iotvet_firmware::components::components(&fs);
        println!("components: {:?}", t.elapsed());
        let t = Instant::now();
        let _ = iotvet_firmware::update::update(&fs);
        println!("update: {:?}", t.elapsed());
        let t = Instant::now();
        let _ = iotvet_firmware::secrets::secrets(&fs);
        println!("keys: {:?}", t.elapsed());
        let t = Instant::now();
        let c = iotvet_firmware::secrets::credentials(&fs);
        println!("credentials: {:?} ({} found)", t.elapsed(), c.len());
        for s in &c {
            println!("  {} {} {} {:?}", s.kind, s.detail, s.source, s.value);
        }
    }
}
