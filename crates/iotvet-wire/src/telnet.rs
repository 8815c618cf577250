//! Telnet (RFC 854/855): the option negotiation a server opens with, the text it sends once the
//! IAC sequences are taken out, and what its last line asks for. Hand-written: the protocol is
//! three byte patterns, and no maintained crate reads them without also owning the socket.

/// IAC, "interpret as command".
pub const IAC: u8 = 0xff;
const SB: u8 = 0xfa;
const SE: u8 = 0xf0;

/// One option negotiation: a verb (WILL, WONT, DO, DONT) and the option's number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Negotiation {
    pub verb: Verb,
    pub option: u8,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    Will,
    Wont,
    Do,
    Dont,
}

impl Verb {
    fn of(b: u8) -> Option<Self> {
        match b {
            0xfb => Some(Self::Will),
            0xfc => Some(Self::Wont),
            0xfd => Some(Self::Do),
            0xfe => Some(Self::Dont),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Will => "WILL",
            Self::Wont => "WONT",
            Self::Do => "DO",
            Self::Dont => "DONT",
        }
    }
}

impl std::fmt::Display for Negotiation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.verb.name(), option_name(self.option))
    }
}

/// The name of a telnet option (the IANA registry's, for the ones devices send).
pub fn option_name(option: u8) -> String {
    let name = match option {
        0 => "BINARY",
        1 => "ECHO",
        3 => "SUPPRESS-GO-AHEAD",
        5 => "STATUS",
        24 => "TERMINAL-TYPE",
        31 => "NAWS",
        32 => "TERMINAL-SPEED",
        33 => "REMOTE-FLOW-CONTROL",
        34 => "LINEMODE",
        35 => "X-DISPLAY-LOCATION",
        39 => "NEW-ENVIRON",
        n => return format!("option {n}"),
    };
    name.to_owned()
}

/// Whether `b` starts with a telnet command (IAC followed by SB, WILL, WONT, DO or DONT).
pub fn opens_with_negotiation(b: &[u8]) -> bool {
    matches!(b, [IAC, cmd, ..] if (SB..=0xfe).contains(cmd))
}

/// The option negotiations at the start of `b`, up to the first byte that is not one.
pub fn leading_negotiations(b: &[u8]) -> Vec<Negotiation> {
    b.chunks(3)
        .map_while(|c| match *c {
            [IAC, verb, option] => Verb::of(verb).map(|verb| Negotiation { verb, option }),
            _ => None,
        })
        .collect()
}

/// Telnet bytes as text: IAC sequences (negotiations, subnegotiations up to IAC SE, other
/// commands) dropped; NULs and other controls but CR, LF and tab removed.
pub fn text(b: &[u8]) -> String {
    let mut out = Vec::with_capacity(b.len());
    let mut rest = b;
    while let Some((&first, tail)) = rest.split_first() {
        if first != IAC {
            if matches!(first, b'\r' | b'\n' | b'\t' | 0x20..=0x7e) {
                out.push(first);
            }
            rest = tail;
            continue;
        }
        rest = match tail.first() {
            Some(0xfb..=0xfe) => tail.get(2..).unwrap_or_default(),
            Some(&SB) => match tail.windows(2).position(|w| w == [IAC, SE]) {
                Some(p) => tail.get(p + 2..).unwrap_or_default(),
                None => &[],
            },
            _ => tail.get(1..).unwrap_or_default(),
        };
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// What the last thing a login service wrote asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prompt {
    Login,
    Password,
    Shell,
    Failure,
}

/// Reads a login dialogue's text (telnet's, or any line-based service's) for what it asks now.
pub fn prompt_kind(text: &str) -> Option<Prompt> {
    let lower = text.to_ascii_lowercase();
    let last = lower.trim_end_matches([' ', '\t']).lines().last().unwrap_or("").trim_end().to_owned();
    let shell = last.ends_with('#') || last.ends_with('$');
    if ["incorrect", "invalid", "failed", "denied", "bad password", "locked", "too many"]
        .iter()
        .any(|w| lower.contains(w))
        && !shell
    {
        return Some(Prompt::Failure);
    }
    if last.ends_with("password:") || last.ends_with("passwd:") {
        return Some(Prompt::Password);
    }
    if ["login:", "username:", "user name:", "user:"].iter().any(|p| last.ends_with(p)) {
        return Some(Prompt::Login);
    }
    if shell || (last.ends_with('>') && !last.contains('<')) {
        return Some(Prompt::Shell);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiations_are_read_and_named() {
        let b = b"\xff\xfd\x18\xff\xfb\x01\xff\xfb\x03login:";
        assert!(opens_with_negotiation(b));
        let n: Vec<String> = leading_negotiations(b).iter().map(ToString::to_string).collect();
        assert_eq!(n, ["DO TERMINAL-TYPE", "WILL ECHO", "WILL SUPPRESS-GO-AHEAD"]);
        assert!(leading_negotiations(b"\xff\xfd").is_empty());
        assert!(!opens_with_negotiation(b"\xff"));
    }

    #[test]
    fn text_drops_commands_and_controls() {
        assert_eq!(text(b"\xff\xfb\x01\xff\xfa\x18\x01\xff\xf0lo\x00gin: "), "login: ");
        assert_eq!(text(b"a\xff\xfa\x18 unterminated"), "a");
        assert_eq!(text(b"a\xff"), "a");
        assert_eq!(text(b"a\xff\xfb"), "a");
    }

    #[test]
    fn prompts_are_told_apart() {
        assert_eq!(prompt_kind("Welcome\r\ncam login: "), Some(Prompt::Login));
        assert_eq!(prompt_kind("Password:"), Some(Prompt::Password));
        assert_eq!(prompt_kind("Login incorrect\r\nlogin: "), Some(Prompt::Failure));
        assert_eq!(prompt_kind("BusyBox v1.31\r\n# "), Some(Prompt::Shell));
        assert_eq!(prompt_kind("<html>"), None);
    }
}
