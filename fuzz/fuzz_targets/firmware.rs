//! A whole image: signature carving, uImage/FIT/TRX/Android headers, every compressed stream,
//! cpio, tar, ZIP, SquashFS, CramFS, romfs, ext, flash filesystem identification, and the
//! in-memory tree with its path rules, under small limits so a bomb ends quickly; then the
//! evidence readers on what came out, as an analysis keeps it.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = iotvet_firmware::Limits {
        max_bytes: 16 << 20,
        max_files: 10_000,
        max_depth: 6,
        max_ratio: 200,
        kept: iotvet_firmware::Kept::Evidence,
    };
    if let Ok(u) = iotvet_firmware::unpack(data, &limits) {
        for (path, _) in u.tree.iter().take(64) {
            let _ = u.tree.read("", path);
        }
        let _ = iotvet_firmware::section_of(&u, "fuzzed.bin", String::new());
    }
});
