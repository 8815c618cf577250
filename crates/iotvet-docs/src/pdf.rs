//! Text from a PDF document, with lopdf. A hostile PDF must not take iotvet down: parsing runs
//! under `catch_unwind` (lopdf is not fuzzed for us), and the page count is capped.

const MAX_PAGES: usize = 500;

/// The text of every page, in order; an error in words when the PDF cannot be read.
pub fn pdf_text(bytes: &[u8]) -> Result<String, String> {
    let outcome = std::panic::catch_unwind(|| -> Result<String, String> {
        let doc = lopdf::Document::load_mem(bytes).map_err(|e| format!("the PDF does not parse: {e}"))?;
        let pages: Vec<u32> = doc.get_pages().keys().copied().take(MAX_PAGES).collect();
        if pages.is_empty() {
            return Err("the PDF has no pages".into());
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
    outcome.unwrap_or_else(|_| Err("the PDF could not be read (the parser gave up on it)".into()))
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
        let t = pdf_text(&minimal_pdf("We collect your email address. We never sell it.")).unwrap();
        assert!(t.contains("We collect your email address."), "{t:?}");
    }

    #[test]
    fn a_broken_pdf_is_an_error_not_a_panic() {
        assert!(pdf_text(b"%PDF-1.7\n\x00\x01\x02 not really").is_err());
        let mut cut = minimal_pdf("Hello there, reader.");
        cut.truncate(cut.len() / 2);
        let _ = pdf_text(&cut);
        for n in [0usize, 9, 100, 400] {
            let mut junk = minimal_pdf("x");
            if let Some(b) = junk.get_mut(n) {
                *b = 0xff;
            }
            let _ = pdf_text(&junk);
        }
    }
}
