//! From a fetched body to the main text: decode the character set, then, for HTML, drop what
//! is not the document (scripts, styles, navigation, headers, footers, forms) and keep the text
//! of `<main>` or `<article>` when the page has one. A small tolerant scanner rather than a full
//! HTML5 parser: it only needs text and block boundaries, and it must survive any input in
//! linear time.

/// Decodes `body` using, in order: a byte-order mark, the `charset` of the Content-Type, an HTML
/// `<meta charset>`, else UTF-8 (invalid bytes replaced).
pub fn decode(body: &[u8], content_type: Option<&str>) -> (String, &'static str) {
    if let Some((enc, bom_len)) = encoding_rs::Encoding::for_bom(body) {
        let (text, _) = enc.decode_without_bom_handling(&body[bom_len..]);
        return (text.into_owned(), enc.name());
    }
    let label = content_type.and_then(charset_of).or_else(|| meta_charset(body));
    let enc = label.and_then(|l| encoding_rs::Encoding::for_label(l.as_bytes())).unwrap_or(encoding_rs::UTF_8);
    let (text, _) = enc.decode_without_bom_handling(body);
    (text.into_owned(), enc.name())
}

fn charset_of(content_type: &str) -> Option<String> {
    content_type.split(';').find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim().eq_ignore_ascii_case("charset").then(|| v.trim().trim_matches('"').to_owned())
    })
}

fn meta_charset(body: &[u8]) -> Option<String> {
    let head = String::from_utf8_lossy(&body[..body.len().min(4096)]).to_ascii_lowercase();
    let at = head.find("charset=")? + "charset=".len();
    let value: String = head[at..]
        .trim_start_matches(['"', '\''])
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    (!value.is_empty()).then_some(value)
}

pub fn looks_like_html(text: &str, content_type: Option<&str>) -> bool {
    if content_type.is_some_and(|c| c.to_ascii_lowercase().contains("html")) {
        return true;
    }
    let start = text.trim_start().get(..200).unwrap_or(text.trim_start()).to_ascii_lowercase();
    start.starts_with("<!doctype html") || start.starts_with("<html") || start.contains("<body")
}

const SKIP: [&str; 11] =
    ["script", "style", "noscript", "svg", "nav", "header", "footer", "aside", "form", "template", "head"];
const BLOCK: [&str; 24] = [
    "p",
    "div",
    "br",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "tr",
    "td",
    "th",
    "table",
    "section",
    "article",
    "main",
    "blockquote",
    "pre",
    "dd",
    "dt",
    "hr",
];

/// The readable text of an HTML page, one block per line.
pub fn html_main_text(html: &str) -> String {
    let region = main_region(html).unwrap_or(html);
    // ASCII lower-casing keeps byte offsets, so one copy serves every tag search (linear time).
    let lower = region.to_ascii_lowercase();
    let mut out = String::with_capacity(region.len() / 2);
    let bytes = region.as_bytes();
    let mut i = 0;
    let mut text_start = 0;
    while i < bytes.len() {
        if bytes[i] != b'<' {
            i += 1;
            continue;
        }
        out.push_str(&decode_entities(&region[text_start..i]));
        if region[i..].starts_with("<!--") {
            i = region[i..].find("-->").map(|e| i + e + 3).unwrap_or(bytes.len());
            text_start = i;
            continue;
        }
        let end = region[i..].find('>').map(|e| i + e + 1).unwrap_or(bytes.len());
        let tag = &region[i + 1..end.saturating_sub(1).max(i + 1)];
        let closing = tag.starts_with('/');
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        i = end;
        if !closing && SKIP.contains(&name.as_str()) && !tag.ends_with('/') {
            i = skip_element(&lower, i, &name);
        } else if BLOCK.contains(&name.as_str()) {
            out.push('\n');
        } else {
            out.push(' ');
        }
        text_start = i;
    }
    if text_start < bytes.len() {
        out.push_str(&decode_entities(&region[text_start..]));
    }
    out.lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The inside of the first `<main>`, else the first `<article>`, if the page has one.
fn main_region(html: &str) -> Option<&str> {
    let lower = html.to_ascii_lowercase();
    for name in ["main", "article"] {
        if let Some(open) = lower.find(&format!("<{name}")) {
            let body_start = lower[open..].find('>').map(|e| open + e + 1)?;
            let close = lower[body_start..].find(&format!("</{name}")).map(|e| body_start + e).unwrap_or(html.len());
            return html.get(body_start..close);
        }
    }
    None
}

/// Index just after the element opened at `from` closes (nested same-name elements counted).
fn skip_element(lower_html: &str, from: usize, name: &str) -> usize {
    let lower = &lower_html[from..];
    let (open, close) = (format!("<{name}"), format!("</{name}"));
    let mut depth = 1usize;
    let mut at = 0usize;
    while depth > 0 {
        let next_close = lower[at..].find(&close);
        let next_open = if name == "script" || name == "style" { None } else { lower[at..].find(&open) };
        match (next_open, next_close) {
            (_, None) => return lower_html.len(),
            (Some(o), Some(c)) if o < c => {
                depth += 1;
                at += o + open.len();
            }
            (_, Some(c)) => {
                depth -= 1;
                at += c + close.len();
            }
        }
    }
    let after = lower[at..].find('>').map(|e| at + e + 1).unwrap_or(lower.len());
    from + after
}

fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let end = rest.char_indices().take(12).find(|(_, c)| *c == ';').map(|(i, _)| i);
        let decoded = end.and_then(|e| {
            let name = &rest[1..e];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" | "#39" => Some('\''),
                "nbsp" => Some(' '),
                "rsquo" | "lsquo" => Some('\''),
                "ldquo" | "rdquo" => Some('"'),
                "mdash" | "ndash" => Some('-'),
                "hellip" => Some('…'),
                "copy" => Some('©'),
                _ => name
                    .strip_prefix("#x")
                    .or_else(|| name.strip_prefix("#X"))
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .or_else(|| name.strip_prefix('#').and_then(|d| d.parse().ok()))
                    .and_then(char::from_u32),
            }?;
            Some((c, e + 1))
        });
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_main_text_and_drops_boilerplate() {
        let html = "<html><head><title>T</title><style>p{}</style></head><body><nav><a>Home</a><nav>x</nav>More</nav>\
            <main><h1>Privacy</h1><p>We collect &amp; keep <b>little</b>.</p><script>var a='<p>';</script><p>Caf&eacute; &#233;t&#xE9;</p></main>\
            <footer>© 2026</footer></body></html>";
        let t = html_main_text(html);
        assert_eq!(t, "Privacy\nWe collect & keep little .\nCaf&eacute; été");
    }

    #[test]
    fn decodes_declared_charsets() {
        let latin1 = b"<meta charset=\"iso-8859-1\"><p>Donn\xe9es</p>";
        let (t, enc) = decode(latin1, None);
        assert!(t.contains("Données"), "{t}");
        assert_eq!(enc, "windows-1252");
        let (t, _) = decode("Daten".as_bytes(), Some("text/html; charset=utf-8"));
        assert_eq!(t, "Daten");
        let (t, enc) = decode(b"\xff\xfeH\x00i\x00", None);
        assert_eq!((t.as_str(), enc), ("Hi", "UTF-16LE"));
    }

    #[test]
    fn broken_html_is_text_not_a_panic() {
        for junk in ["<", "<<<>>>", "<script>never closed", "&#xFFFFFFFF; &#0; &", "<main>", "<nav><nav></nav>"] {
            let _ = html_main_text(junk);
        }
    }
}
