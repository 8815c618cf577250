//! What the unpacked files say, for each filesystem found: the accounts (`/etc/passwd` with
//! `/etc/shadow`, or inline hashes), each password hash tried against the default-credential
//! list and a short list of common weak passwords (DES, MD5, SHA-256 and SHA-512 crypt and
//! bcrypt, with pwhash; yescrypt is named, not tried); and the network services started at boot
//! (inittab, init scripts, rc.local, inetd.conf, systemd units, OpenWrt procd scripts).

use iotvet_core::firmware::{AccountSeen, BootService};

use crate::tree::{Fs, Node};

/// Common weak passwords beyond the device defaults (the most frequent of public leak lists).
const WEAK: [&str; 24] = [
    "123456",
    "password",
    "12345678",
    "qwerty",
    "123456789",
    "12345",
    "1234",
    "111111",
    "1234567",
    "dragon",
    "123123",
    "abc123",
    "letmein",
    "monkey",
    "000000",
    "passw0rd",
    "admin123",
    "root123",
    "toor",
    "changeme",
    "default",
    "secret",
    "guest",
    "pass",
];

/// The passwords tried: the defaults first (in the list's order), then the weak ones.
pub fn candidates() -> Vec<(String, &'static str)> {
    let mut out: Vec<(String, &'static str)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for c in iotvet_core::logins::default_credentials() {
        if seen.insert(c.password.to_owned()) {
            out.push((c.password.to_owned(), "the default-credential list"));
        }
    }
    for w in WEAK {
        if seen.insert(w.to_owned()) {
            out.push((w.to_owned(), "the common weak passwords"));
        }
    }
    out
}

/// The kind of a password field.
pub fn hash_kind(field: &str) -> &'static str {
    let des = field.len() == 13 && field.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'.' || c == b'/');
    match field {
        "" => "empty",
        f if f.starts_with('!') || f.starts_with('*') => "locked",
        f if f.starts_with("$1$") => "md5-crypt",
        f if f.starts_with("$5$") => "sha256-crypt",
        f if f.starts_with("$6$") => "sha512-crypt",
        f if f.starts_with("$2a$") || f.starts_with("$2b$") || f.starts_with("$2y$") => "bcrypt",
        f if f.starts_with("$y$") => "yescrypt",
        _ if des => "des-crypt",
        _ => "unknown",
    }
}

/// The accounts of the filesystem at `root`.
pub fn accounts(fs: &Fs, tries: &[(String, &'static str)]) -> Vec<AccountSeen> {
    let root = fs.root;
    let Some(passwd) = fs.read("etc/passwd") else { return vec![] };
    let shadow = fs.read("etc/shadow").map(|s| String::from_utf8_lossy(s).into_owned()).unwrap_or_default();
    let shadow_of = |name: &str| {
        shadow.lines().find_map(|l| {
            let mut f = l.split(':');
            (f.next() == Some(name)).then(|| f.next().unwrap_or("").to_owned())
        })
    };
    let mut out = Vec::new();
    for line in String::from_utf8_lossy(passwd).lines().take(10_000) {
        let f: Vec<&str> = line.split(':').collect();
        let [name, field, uid, _gid, _gecos, _home, shell] = f.as_slice() else { continue };
        let (field, source) = match (*field, shadow_of(name)) {
            ("x", Some(h)) => (h, format!("{root}/etc/shadow")),
            (inline, _) => (inline.to_owned(), format!("{root}/etc/passwd")),
        };
        let kind = hash_kind(&field);
        let found = match kind {
            "md5-crypt" | "sha256-crypt" | "sha512-crypt" | "bcrypt" | "des-crypt" => {
                tries.iter().find(|(p, _)| pwhash::unix::verify(p, &field))
            }
            _ => None,
        };
        out.push(AccountSeen {
            name: (*name).to_owned(),
            uid: uid.parse().unwrap_or(u32::MAX),
            shell: (*shell).to_owned(),
            source,
            hash: kind.to_owned(),
            password: found.map(|(p, _)| p.clone()),
            found_in: found.map(|(_, list)| (*list).to_owned()),
        });
    }
    out
}

/// Daemons that serve the network, as their names appear in start-up lines.
const DAEMONS: [(&str, &str); 16] = [
    ("utelnetd", "telnetd"),
    ("telnetd", "telnetd"),
    ("vsftpd", "ftpd"),
    ("proftpd", "ftpd"),
    ("tftpd", "tftpd"),
    ("ftpd", "ftpd"),
    ("dropbear", "dropbear"),
    ("sshd", "sshd"),
    ("lighttpd", "httpd"),
    ("uhttpd", "httpd"),
    ("boa", "httpd"),
    ("httpd", "httpd"),
    ("miniupnpd", "upnpd"),
    ("upnpd", "upnpd"),
    ("mosquitto", "mqtt broker"),
    ("snmpd", "snmpd"),
];

/// Words that separate one shell command from the next on a line.
const SEPARATORS: [&str; 10] = [";", "&&", "||", "|", "&", "then", "do", "else", "(", ")"];

/// Words that run the command after them (their own options skipped).
const WRAPPERS: [&str; 14] = [
    "exec",
    "nohup",
    "env",
    "nice",
    "setsid",
    "busybox",
    "start-stop-daemon",
    "sudo",
    "if",
    "elif",
    "while",
    "until",
    "!",
    "time",
];

/// The commands a start-up line runs, each as its words: shell lines split at `;`, `&&`, `|`,
/// `&`, `then`…; an inittab entry's process field; a systemd `ExecStart=`; procd's
/// `procd_set_param command`; an inetd.conf entry's server program. Wrappers (`exec`, `nohup`,
/// `start-stop-daemon … --exec`) and variable assignments are looked through. A daemon named
/// as an argument (`killall httpd`, `[ -x /usr/sbin/telnetd ]`, `echo telnetd`) is not run.
fn commands(file: &str, line: &str) -> Vec<Vec<String>> {
    let line = line.trim();
    if file.ends_with("etc/inittab") {
        // id:runlevels:action:process
        return line.splitn(4, ':').nth(3).map(|p| commands("", p)).unwrap_or_default();
    }
    if file.ends_with("etc/inetd.conf") {
        // service socket protocol wait user server args…
        let f: Vec<&str> = line.split_whitespace().collect();
        return f.get(5).map(|server| vec![vec![(*server).to_owned()]]).unwrap_or_default();
    }
    let line = line.strip_prefix("ExecStart=").map(|l| l.trim_start_matches(['-', '@', '+', '!'])).unwrap_or(line);
    let line = line.strip_prefix("procd_set_param command").unwrap_or(line);
    // Shell punctuation becomes words of its own.
    let mut spaced = String::with_capacity(line.len() + 8);
    for c in line.chars() {
        if matches!(c, ';' | '&' | '|' | '(' | ')' | '`') {
            spaced.push(' ');
            spaced.push(if c == '`' { ';' } else { c });
            spaced.push(' ');
        } else {
            spaced.push(c);
        }
    }
    let mut out = Vec::new();
    let mut current: Vec<String> = Vec::new();
    for word in spaced.split_whitespace().map(|w| w.trim_matches(['"', '\''])) {
        // `& &` is how `&&` comes out of the spacing above.
        if SEPARATORS.contains(&word) {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            continue;
        }
        current.push(word.to_owned());
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// The program a command runs: past assignments and wrappers (and a wrapper's options, or the
/// value of `start-stop-daemon`'s `--exec`/`-x`/`--startas`/`-a`).
fn program(words: &[String]) -> Option<&str> {
    let mut i = 0;
    while let Some(w) = words.get(i) {
        let base = w.rsplit('/').next().unwrap_or(w);
        if w.contains('=') && !w.starts_with('-') {
            i += 1;
        } else if base == "start-stop-daemon" {
            let at = words.iter().position(|x| matches!(x.as_str(), "--exec" | "-x" | "--startas" | "-a"))?;
            return words.get(at + 1).map(String::as_str);
        } else if WRAPPERS.contains(&base) {
            i += 1;
            while words.get(i).is_some_and(|x| x.starts_with('-')) {
                i += 1;
            }
        } else {
            return Some(w);
        }
    }
    None
}

/// Where a program a start-up line names lies in the filesystem: its path (a file or a link,
/// e.g. BusyBox's applet links), or for a bare name the usual directories.
fn resolve(fs: &Fs, program: &str) -> Option<String> {
    let candidates: Vec<String> = if program.contains('/') {
        vec![program.trim_start_matches('/').to_owned()]
    } else {
        ["bin", "sbin", "usr/bin", "usr/sbin", "usr/local/bin", "usr/local/sbin"]
            .iter()
            .map(|d| format!("{d}/{program}"))
            .collect()
    };
    candidates.into_iter().find(|c| matches!(fs.get(c), Some(Node::File { .. } | Node::Symlink(_))))
}

/// The network services the filesystem at `root` starts at boot, each with whether the
/// program is in the image (a script may start `/usr/sbin/telnetd` only "if present").
pub fn boot_services(fs: &Fs) -> Vec<BootService> {
    let start_files = |p: &str| {
        p == "etc/inittab"
            || p == "etc/inetd.conf"
            || p == "etc/rc.local"
            || p.starts_with("etc/init.d/")
            || p.starts_with("etc/rc.d/")
            || (p.starts_with("etc/rc") && p.contains(".d/"))
            || ((p.starts_with("lib/systemd/system/") || p.starts_with("etc/systemd/system/"))
                && p.ends_with(".service"))
    };
    let mut out: Vec<BootService> = Vec::new();
    for (_, path, node) in fs.entries().filter(|(inside, _, _)| start_files(inside)) {
        let Node::File { data, .. } = node else { continue };
        for line in String::from_utf8_lossy(data).lines() {
            let line = line.trim();
            if line.starts_with('#') || line.is_empty() {
                continue;
            }
            for command in commands(path, line) {
                let Some(run) = program(&command) else { continue };
                let base = run.rsplit('/').next().unwrap_or(run);
                let Some((_, name)) = DAEMONS.iter().find(|(d, _)| base == *d) else { continue };
                if out.iter().any(|s| s.name == *name && s.source == *path) {
                    continue;
                }
                let found = resolve(fs, run);
                out.push(BootService {
                    name: (*name).to_owned(),
                    source: path.clone(),
                    line: line.chars().take(200).collect(),
                    absent: found.is_none(),
                    program: found.map(|p| format!("/{p}")),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(file: &str, line: &str) -> Vec<String> {
        commands(file, line).iter().filter_map(|c| program(c).map(str::to_owned)).collect()
    }

    #[test]
    fn only_programs_in_command_position_are_started() {
        assert_eq!(run("etc/init.d/S80network", "telnetd&"), ["telnetd"]);
        assert_eq!(
            run("etc/rc.d/rcS", "if [ -x /usr/sbin/telnetd ]; then /usr/sbin/telnetd & fi"),
            ["[", "/usr/sbin/telnetd", "fi"]
        );
        assert_eq!(run("etc/rc.d/rcS", "if telnetd -l /bin/sh; then :; fi"), ["telnetd", ":", "fi"]);
        assert_eq!(run("etc/init.d/rcS", "killall softwdg webs httpd 2>/dev/null"), ["killall"]);
        assert_eq!(run("etc/inittab", "::respawn:/usr/sbin/telnetd -F -l /bin/login"), ["/usr/sbin/telnetd"]);
        assert_eq!(run("etc/inetd.conf", "ftp stream tcp nowait root /usr/sbin/ftpd ftpd -w /srv"), ["/usr/sbin/ftpd"]);
        assert_eq!(run("lib/systemd/system/ssh.service", "ExecStart=/usr/sbin/sshd -D $SSHD_OPTS"), ["/usr/sbin/sshd"]);
        assert_eq!(
            run("etc/init.d/dropbear", "procd_set_param command /usr/sbin/dropbear -F -P /var/run/d.pid"),
            ["/usr/sbin/dropbear"]
        );
        assert_eq!(
            run("etc/init.d/x", "start-stop-daemon -S -b -x /usr/sbin/vsftpd -- /etc/vsftpd.conf"),
            ["/usr/sbin/vsftpd"]
        );
        assert_eq!(
            run("etc/init.d/x", "LD_LIBRARY_PATH=/lib nohup -n /bin/boa -c /etc && echo up"),
            ["/bin/boa", "echo"]
        );
        assert_eq!(run("etc/init.d/x", "echo `telnetd` started"), ["echo", "telnetd", "started"]);
    }
}
