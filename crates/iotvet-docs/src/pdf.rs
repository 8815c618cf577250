//! Text from a PDF document, with lopdf. A hostile PDF must not take iotvet down: parsing runs
//! under `catch_unwind` (lopdf is not fuzzed for us), the page count is capped, and before lopdf
//! sees the file every zlib stream in it is inflated into a counter (nothing kept), so a file
//! whose streams decompress past the cap (a 1 MB file that inflates to 1 GiB) is refused
//! without the memory: lopdf itself has no limit on decompression.

use std::io::Read;

use iotvet_core::documents::ExtractionFailure;

const MAX_PAGES: usize = 500;

/// The default cap on a document's decompressed content.
pub const DEFAULT_MAX_DECOMPRESSED: u64 = 64 * 1024 * 1024;

/// Why a PDF's text could not be had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PdfError {
    pub failure: ExtractionFailure,
    pub message: String,
}

fn unreadable(message: impl Into<String>) -> PdfError {
    PdfError { failure: ExtractionFailure::UnreadableFormat, message: message.into() }
}

/// The total size of the zlib streams of a PDF once inflated, counting at most up to `cap + 1`.
/// A stream's data starts after the `stream` keyword's line end; a zlib stream ends itself, so
/// its declared /Length (which a hostile file may lie about) is not needed.
fn inflated_size(bytes: &[u8], cap: u64) -> u64 {
    let mut total = 0u64;
    let mut at = 0usize;
    while let Some(i) = bytes.get(at..).and_then(|rest| rest.windows(6).position(|w| w == b"stream")) {
        let mut start = at + i + 6;
        at = start;
        // `endstream` also ends with "stream": skip it.
        if bytes.get(start.saturating_sub(9)..start) == Some(b"endstream") {
            continue;
        }
        if bytes.get(start) == Some(&b'\r') {
            start += 1;
        }
        if bytes.get(start) == Some(&b'\n') {
            start += 1;
        }
        let Some(data) = bytes.get(start..) else { break };
        let budget = cap.saturating_sub(total) + 1;
        let mut decoder = flate2::read::ZlibDecoder::new(data).take(budget);
        total += std::io::copy(&mut decoder, &mut std::io::sink()).unwrap_or(0);
        if total > cap {
            break;
        }
    }
    total
}

/// The text of every page, in order; an error when the PDF cannot be read or inflates past
/// `max_decompressed` bytes.
pub fn pdf_text(bytes: &[u8], max_decompressed: u64) -> Result<String, PdfError> {
    let inflated = inflated_size(bytes, max_decompressed);
    if inflated > max_decompressed {
        return Err(PdfError {
            failure: ExtractionFailure::TooLarge,
            message: format!(
                "the PDF's compressed streams inflate past the {} MiB cap ({} bytes in the file): not read",
                max_decompressed / (1024 * 1024),
                bytes.len()
            ),
        });
    }
    let outcome = std::panic::catch_unwind(|| -> Result<String, PdfError> {
        let doc = lopdf::Document::load_mem(bytes).map_err(|e| unreadable(format!("the PDF does not parse: {e}")))?;
        let pages: Vec<u32> = doc.get_pages().keys().copied().take(MAX_PAGES).collect();
        if pages.is_empty() {
            return Err(PdfError { failure: ExtractionFailure::NoText, message: "the PDF has no pages".into() });
        }
        let mut text = String::new();
        for chunk in doc.extract_text_chunks(&pages) {
            match chunk {
                Ok(t) => text.push_str(&t),
                Err(_) => continue,
            }
        }
        Ok(text)
    });
    outcome.unwrap_or_else(|_| Err(unreadable("the PDF could not be read (the parser gave up on it)")))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A minimal one-page PDF whose page says `text` (Helvetica, uncompressed), with a correct
    /// cross-reference table.
    pub fn minimal_pdf(text: &str) -> Vec<u8> {
        let content = format!("BT /F1 12 Tf 72 720 Td ({}) Tj ET", text.replace('(', "\\(").replace(')', "\\)"));
        let objects = [
            "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_owned(),
            format!("<< /Length {} >>\nstream\n{content}\nendstream", content.len()),
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".to_owned(),
        ];
        let mut out = b"%PDF-1.4\n".to_vec();
        let mut offsets = Vec::new();
        for (i, o) in objects.iter().enumerate() {
            offsets.push(out.len());
            out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
        }
        let xref = out.len();
        out.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
        for off in offsets {
            out.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
        }
        out.extend_from_slice(
            format!("trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n", objects.len() + 1).as_bytes(),
        );
        out
    }

    #[test]
    fn reads_the_text_of_a_pdf() {
        let t = pdf_text(&minimal_pdf("We collect your email address. We never sell it."), DEFAULT_MAX_DECOMPRESSED)
            .unwrap();
        assert!(t.contains("We collect your email address."), "{t:?}");
    }

    /// A PDF whose one content stream is `n` zero bytes, Flate-compressed.
    pub fn bomb_pdf(n: usize) -> Vec<u8> {
        use std::io::Write;
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..n / zeros.len() {
            z.write_all(&zeros).unwrap();
        }
        let data = z.finish().unwrap();
        let mut out = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n".to_vec();
        out.extend_from_slice(
            format!("4 0 obj\n<< /Length {} /Filter /FlateDecode >>\nstream\n", data.len()).as_bytes(),
        );
        out.extend_from_slice(&data);
        out.extend_from_slice(b"\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n");
        out
    }

    #[test]
    fn a_decompression_bomb_is_refused_within_the_cap() {
        // 32 MiB of zeros in a ~33 KB file; the cap is 8 MiB here (64 MiB by default).
        let bomb = bomb_pdf(32 << 20);
        assert!(bomb.len() < 100_000, "{}", bomb.len());
        let t = std::time::Instant::now();
        let e = pdf_text(&bomb, 8 << 20).unwrap_err();
        assert_eq!(e.failure, ExtractionFailure::TooLarge, "{}", e.message);
        assert!(e.message.contains("8 MiB cap"), "{}", e.message);
        assert!(t.elapsed() < std::time::Duration::from_secs(5));
        // The same content under the cap is read (it has no text, but it is not refused as large).
        assert_ne!(pdf_text(&bomb_pdf(2 << 20), 8 << 20).map_err(|e| e.failure), Err(ExtractionFailure::TooLarge));
    }

    #[test]
    fn a_broken_pdf_is_an_error_not_a_panic() {
        let e = pdf_text(b"%PDF-1.7\n\x00\x01\x02 not really", DEFAULT_MAX_DECOMPRESSED).unwrap_err();
        assert_eq!(e.failure, ExtractionFailure::UnreadableFormat);
        let mut cut = minimal_pdf("Hello there, reader.");
        cut.truncate(cut.len() / 2);
        let _ = pdf_text(&cut, DEFAULT_MAX_DECOMPRESSED);
        for n in [0usize, 9, 100, 400] {
            let mut junk = minimal_pdf("x");
            if let Some(b) = junk.get_mut(n) {
                *b = 0xff;
            }
            let _ = pdf_text(&junk, DEFAULT_MAX_DECOMPRESSED);
        }
    }
}
