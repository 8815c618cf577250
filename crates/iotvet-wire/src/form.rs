//! Sign-in pages and HTTP authentication challenges: the login form of an HTML page (where it
//! posts, its user and password fields, the hidden fields to send back), tokenised with html5gum
//! as a browser would (attribute quoting, entities, case), and the parameters of a `Digest`
//! challenge (RFC 7616 §3.3: `realm="x", nonce="y", qop="auth"`, quoted or not).

/// A login form: a `<form>` with a password field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginForm {
    /// The form's `action` as written ("" when it has none: the page itself).
    pub action: String,
    /// `get` or `post`, lower-cased (`get` when not given, as in HTML).
    pub method: String,
    pub user_field: Option<String>,
    /// The password field's name; empty when it has none (a form only a script can submit).
    pub password_field: String,
    pub hidden: Vec<(String, String)>,
}

/// The first form of `html` that has a password field.
pub fn login_form(html: &str) -> Option<LoginForm> {
    use html5gum::{emitters::default::DefaultEmitter, Token, Tokenizer};
    let mut emitter = DefaultEmitter::default();
    emitter.naively_switch_states(true);
    let mut form: Option<LoginForm> = None;
    let mut password: Option<String> = None;
    for token in Tokenizer::new_with_emitter(html, emitter).flatten() {
        let text = |v: &[u8]| String::from_utf8_lossy(v).into_owned();
        match token {
            Token::StartTag(tag) if tag.name.as_slice() == b"form" => {
                let attr = |k: &str| tag.attributes.get(k.as_bytes()).map(|v| text(v)).unwrap_or_default();
                form = Some(LoginForm {
                    action: attr("action").trim().to_owned(),
                    method: match attr("method").to_ascii_lowercase().as_str() {
                        "post" => "post".into(),
                        _ => "get".into(),
                    },
                    user_field: None,
                    password_field: String::new(),
                    hidden: vec![],
                });
                password = None;
            }
            Token::StartTag(tag) if tag.name.as_slice() == b"input" => {
                let Some(f) = form.as_mut() else { continue };
                let attr = |k: &str| tag.attributes.get(k.as_bytes()).map(|v| text(v));
                let name = attr("name").unwrap_or_default();
                let kind = attr("type").unwrap_or_default().to_ascii_lowercase();
                if kind == "password" {
                    if password.as_deref().is_none_or(str::is_empty) {
                        password = Some(name);
                    }
                    continue;
                }
                if name.is_empty() {
                    continue;
                }
                match kind.as_str() {
                    "hidden" => f.hidden.push((name, attr("value").unwrap_or_default())),
                    "" | "text" | "email" | "tel" => {
                        f.user_field.get_or_insert(name);
                    }
                    _ => {}
                }
            }
            Token::EndTag(tag) if tag.name.as_slice() == b"form" => {
                if let (Some(mut f), Some(p)) = (form.take(), password.take()) {
                    f.password_field = p;
                    return Some(f);
                }
            }
            _ => {}
        }
    }
    // A form the page never closes ends with the page.
    let mut f = form?;
    f.password_field = password?;
    Some(f)
}

/// The parameters of an authentication challenge after its scheme (`Digest realm="a", nonce=b`),
/// names lower-cased; quoted values unescaped (`\"`), unquoted values trimmed.
pub fn challenge_params(challenge: &str) -> Vec<(String, String)> {
    let rest = challenge.trim_start();
    let rest = rest.split_once(char::is_whitespace).map_or("", |(_, r)| r);
    let mut out = Vec::new();
    let mut chars = rest.chars().peekable();
    let mut key = String::new();
    while let Some(c) = chars.next() {
        match c {
            '=' => {
                let mut value = String::new();
                while chars.peek() == Some(&' ') {
                    chars.next();
                }
                if chars.peek() == Some(&'"') {
                    chars.next();
                    while let Some(c) = chars.next() {
                        match c {
                            '"' => break,
                            '\\' => value.extend(chars.next()),
                            c => value.push(c),
                        }
                    }
                } else {
                    while let Some(c) = chars.next_if(|c| *c != ',') {
                        value.push(c);
                    }
                }
                out.push((key.trim().to_ascii_lowercase(), value.trim().to_owned()));
                key.clear();
            }
            ',' => key.clear(),
            c => key.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_forms_are_found_with_their_fields() {
        let f = login_form(
            r#"<html><form method="POST" action="login"><input type="hidden" name="csrf" value="t0k&amp;1"><INPUT NAME=user><input type='password' name="pw"></form>"#,
        )
        .unwrap();
        assert_eq!((f.action.as_str(), f.method.as_str()), ("login", "post"));
        assert_eq!(f.user_field.as_deref(), Some("user"));
        assert_eq!(f.password_field, "pw");
        assert_eq!(f.hidden, [("csrf".to_owned(), "t0k&1".to_owned())]);
        assert!(login_form("<form><input name=q></form>").is_none());
        let second = login_form("<form><input name=q></form><form action=/s><input type=password name=p>").unwrap();
        assert_eq!((second.action.as_str(), second.password_field.as_str()), ("/s", "p"));
        assert!(login_form("<input type=password name=p>").is_none(), "a field outside a form");
        assert_eq!(login_form("<form><input type=password></form>").unwrap().password_field, "");
        assert!(login_form("<form><input type=password name=p").is_none(), "a tag cut by the end of the page");
    }

    #[test]
    fn digest_challenges_are_read() {
        let p = challenge_params(r#"Digest realm="a \"b\", c", qop="auth,auth-int", nonce=abc , algorithm=MD5"#);
        assert_eq!(p.first(), Some(&("realm".to_owned(), "a \"b\", c".to_owned())));
        assert_eq!(p.get(1).map(|(_, v)| v.as_str()), Some("auth,auth-int"));
        assert_eq!(p.get(2).map(|(_, v)| v.as_str()), Some("abc"));
        assert_eq!(p.len(), 4);
        assert!(challenge_params("Digest").is_empty());
        assert!(challenge_params(r#"Digest realm="unterminated"#).len() == 1);
    }
}
