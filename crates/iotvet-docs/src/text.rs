//! From a fetched body to the main text: decode the character set, then, for HTML, drop what
//! is not the document (scripts, styles, navigation, headers, footers, forms) and keep the text
//! of `<main>` or `<article>` when the page has one. Tokenising is html5gum's (a WHATWG-compliant
//! tokenizer: every named entity, rawtext and comments as browsers read them, linear in the
//! input); the walk over its tokens is one pass with a stack of open skipped elements, so a
//! hostile page costs time in proportion to its size (BENCHMARKS.md: 8 MiB of nested `<nav>`).

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

/// Whether the text is HTML: the server says so, or the markup shows it (a `.html` file read
/// from disk has no Content-Type, and many pages have no `<html>` element).
pub fn looks_like_html(text: &str, content_type: Option<&str>) -> bool {
    if let Some(c) = content_type.map(str::to_ascii_lowercase) {
        if c.contains("html") {
            return true;
        }
        if c.starts_with("text/plain") {
            return false;
        }
    }
    let head: String = text.trim_start().chars().take(8192).collect::<String>().to_ascii_lowercase();
    if head.starts_with("<!doctype html") || head.starts_with("<?xml") && head.contains("<html") {
        return true;
    }
    // Tags as tags: `<ul>` or `<ul class=…>`, not `<uli.peru@example.com>` in a licence text.
    const TAGS: [&str; 20] = [
        "html", "head", "body", "title", "meta", "p", "div", "span", "a", "br", "ul", "ol", "li", "h1", "h2", "h3",
        "table", "tr", "td", "section",
    ];
    let is_tag = |at: usize, name: &str| {
        head.get(at + name.len()..)
            .and_then(|rest| rest.chars().next())
            .is_some_and(|c| c == '>' || c == '/' || c.is_ascii_whitespace())
    };
    let mut found = 0;
    let mut closed = false;
    for name in TAGS {
        let open = head.match_indices(&format!("<{name}")).any(|(at, _)| is_tag(at + 1, name));
        if open && ["html", "head", "body"].contains(&name) {
            return true;
        }
        found += usize::from(open);
        closed |= head.match_indices(&format!("</{name}")).any(|(at, _)| is_tag(at + 2, name));
    }
    found >= 2 && closed
}

/// Elements whose content is not the document's text.
const SKIP: [&str; 11] =
    ["script", "style", "noscript", "svg", "nav", "header", "footer", "aside", "form", "template", "head"];
/// Elements that start a new line.
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
/// Elements that never have content (no end tag follows).
const VOID: [&str; 14] =
    ["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"];

/// The readable text of an HTML page, one block per line: the first `<main>`, else the first
/// `<article>`, else the whole page.
pub fn html_main_text(html: &str) -> String {
    use html5gum::{emitters::default::DefaultEmitter, Token, Tokenizer};
    let mut emitter = DefaultEmitter::default();
    // Script, style and the like hold raw text, not markup, as in a browser.
    emitter.naively_switch_states(true);
    // Text of the whole page, of the first <main>, of the first <article>.
    let mut all = String::with_capacity(html.len() / 2);
    let mut regions: [(Option<String>, usize, bool); 2] = [(None, 0, false), (None, 0, false)];
    let mut skipped: Vec<String> = Vec::new();
    let push = |text: &str, all: &mut String, regions: &mut [(Option<String>, usize, bool); 2]| {
        all.push_str(text);
        for (out, depth, _) in regions.iter_mut() {
            if let (Some(out), true) = (out.as_mut(), *depth > 0) {
                out.push_str(text);
            }
        }
    };
    for token in Tokenizer::new_with_emitter(html, emitter).flatten() {
        match token {
            Token::StartTag(tag) => {
                let name = String::from_utf8_lossy(&tag.name).to_ascii_lowercase();
                let void = tag.self_closing || VOID.contains(&name.as_str());
                if !skipped.is_empty() {
                    if SKIP.contains(&name.as_str()) && !void {
                        skipped.push(name);
                    }
                    continue;
                }
                if SKIP.contains(&name.as_str()) && !void {
                    skipped.push(name);
                    continue;
                }
                for (i, region) in ["main", "article"].iter().enumerate() {
                    let (out, depth, done) = &mut regions[i];
                    if name == *region && !*done {
                        out.get_or_insert_with(String::new);
                        *depth += 1;
                    }
                }
                push(if BLOCK.contains(&name.as_str()) { "\n" } else { "" }, &mut all, &mut regions);
            }
            Token::EndTag(tag) => {
                let name = String::from_utf8_lossy(&tag.name).to_ascii_lowercase();
                if let Some(at) = skipped.iter().rposition(|n| *n == name) {
                    skipped.truncate(at);
                    continue;
                }
                if !skipped.is_empty() {
                    continue;
                }
                if BLOCK.contains(&name.as_str()) {
                    push("\n", &mut all, &mut regions);
                }
                for (i, region) in ["main", "article"].iter().enumerate() {
                    let (_, depth, done) = &mut regions[i];
                    if name == *region && *depth > 0 {
                        *depth -= 1;
                        *done = *depth == 0;
                    }
                }
            }
            Token::String(text) if skipped.is_empty() => {
                push(&String::from_utf8_lossy(&text), &mut all, &mut regions);
            }
            _ => {}
        }
    }
    let [(main, ..), (article, ..)] = regions;
    let chosen = main.or(article).unwrap_or(all);
    chosen
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
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
        assert_eq!(t, "Privacy\nWe collect & keep little.\nCafé été");
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
    fn an_unclosed_tag_before_a_multibyte_character_is_not_a_panic() {
        assert_eq!(html_main_text("<html><body><p>We collect</p><é"), "We collect\n<é");
        assert_eq!(html_main_text("<p>a</p><"), "a\n<");
    }

    #[test]
    fn markup_is_told_by_content() {
        assert!(looks_like_html("<h1>Privacy</h1><p>We collect data.</p>", None));
        assert!(!looks_like_html("Privacy policy. We collect data <when> asked.", None));
        assert!(!looks_like_html("Packaged by Uli <uli.peru@example.com> and <p.q@example.org>", None));
        assert!(looks_like_html("<div class=x><p>We collect data.</p></div>", None));
        assert!(!looks_like_html("<p>x</p>", Some("text/plain; charset=utf-8")));
    }

    #[test]
    fn hostile_nesting_is_linear() {
        // 1 MiB of <nav> openings then closings: quadratic scanning took minutes on this.
        let n = 1 << 17;
        let page = format!("<p>before</p>{}x{}<p>after</p>", "<nav>".repeat(n / 5), "</nav>".repeat(n / 6));
        let t = std::time::Instant::now();
        let text = html_main_text(&page);
        assert!(t.elapsed() < std::time::Duration::from_secs(2), "{:?}", t.elapsed());
        assert!(text.starts_with("before"), "{text}");
    }

    #[test]
    fn broken_html_is_text_not_a_panic() {
        for junk in ["<", "<<<>>>", "<script>never closed", "&#xFFFFFFFF; &#0; &", "<main>", "<nav><nav></nav>"] {
            let _ = html_main_text(junk);
        }
    }
}
