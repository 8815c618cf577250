//! Everything a vendor's document can hand iotvet: HTML (text extraction, markup detection),
//! charsets, PDF (under a small decompression cap), and the TOML declaration.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (text, _) = iotvet_docs::text::decode(data, Some("text/html"));
    let _ = iotvet_docs::text::looks_like_html(&text, None);
    let _ = iotvet_docs::text::html_main_text(&text);
    let _ = iotvet_docs::pdf::pdf_text(data, 1 << 20);
    let _ = iotvet_core::declaration::Declaration::from_toml(&text);
});
