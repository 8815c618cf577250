//! What the unpacked files say, for each filesystem found: the accounts (`/etc/passwd` with
//! `/etc/shadow`, or inline hashes), each password hash tried against the default-credential
//! list and a short list of common weak passwords (DES, MD5, SHA-256 and SHA-512 crypt and
//! bcrypt, with pwhash; yescrypt is named, not tried); and the network services started at boot
//! (inittab, init scripts, rc.local, inetd.conf, systemd units, OpenWrt procd scripts).

use iotvet_core::firmware::{AccountSeen, BootService, Listen};

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
    for line in crate::tree::text(passwd).lines().take(10_000) {
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
        for line in crate::tree::text(data).lines() {
            let line = line.trim();
            if line.starts_with('#') || line.is_empty() {
                continue;
            }
            for command in commands(path, line) {
                let Some(run) = program(&command) else { continue };
                let base = run.rsplit('/').next().unwrap_or(run);
                let Some((_, name)) = DAEMONS.iter().find(|(d, _)| base == *d) else { continue };
                if out.iter().any(|s| s.name == *name && s.source == *path && s.line == line) {
                    continue;
                }
                let found = resolve(fs, run);
                let at = command.iter().position(|w| w == run).map_or(0, |i| i + 1);
                out.push(BootService {
                    name: (*name).to_owned(),
                    source: path.clone(),
                    line: line.chars().take(200).collect(),
                    absent: found.is_none(),
                    program: found.map(|p| format!("/{p}")),
                    listens: listens(fs, base, command.get(at..).unwrap_or_default()),
                });
            }
        }
    }
    out
}

/// The value of option `flag` in a command's arguments (`-p 80`, `-p80`).
fn option<'a>(args: &'a [String], flag: &str) -> Vec<&'a str> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(a) = args.get(i) {
        if a == flag {
            if let Some(v) = args.get(i + 1) {
                out.push(v.as_str());
            }
            i += 1;
        } else if let Some(v) = a.strip_prefix(flag).filter(|v| !v.is_empty() && flag.len() == 2) {
            out.push(v);
        }
        i += 1;
    }
    out
}

/// `[ADDR:]PORT`, `ADDR:PORT`, `[::]:PORT`, `udp:ADDR:PORT` (snmpd), a bare port or address.
fn endpoint(text: &str, tls: bool, from: &str) -> Listen {
    let t = text.trim().trim_matches(['"', '\'']);
    let t = t.strip_prefix("udp:").or_else(|| t.strip_prefix("tcp:")).unwrap_or(t);
    let (address, port) = match t.rsplit_once(':') {
        Some((a, p)) if p.parse::<u16>().is_ok() => (Some(a.trim_matches(['[', ']']).to_owned()), p.parse().ok()),
        _ if t.parse::<u16>().is_ok() => (None, t.parse().ok()),
        _ => (Some(t.to_owned()), None),
    };
    Listen { address: address.filter(|a| !a.is_empty()), port, tls, from: from.to_owned() }
}

/// A configuration file the command names with `flag`, else the first of `defaults` present:
/// its path inside the image and its lines without comments.
fn config(fs: &Fs, args: &[String], flag: &str, defaults: &[&str]) -> Option<(String, Vec<String>)> {
    let named = option(args, flag).first().map(|p| p.trim_start_matches('/').to_owned());
    let (path, data) = named.into_iter().chain(defaults.iter().map(|d| (*d).to_owned())).find_map(|p| {
        let data = fs.read(&p)?;
        Some((p, data))
    })?;
    let text = crate::tree::text(data);
    let lines = text
        .lines()
        .map(|l| l.split('#').next().unwrap_or_default().trim().to_owned())
        .filter(|l| !l.is_empty())
        .collect();
    Some((format!("/{path}"), lines))
}

/// Where a daemon started at boot listens and whether with TLS, from its options or its
/// configuration file: BusyBox httpd and telnetd (`-p`, `-b`), uhttpd (`-p`, `-s`, or UCI's
/// `listen_http`/`listen_https`), lighttpd (`server.bind`, `server.port`, `ssl.engine`, socket
/// blocks), Boa (`Listen`, `Port`), Mosquitto (`listener`, `port`, `bind_address`, `certfile`),
/// snmpd (`agentaddress`), miniupnpd (`listening_ip`). Empty when none of that can be read.
fn listens(fs: &Fs, program: &str, args: &[String]) -> Vec<Listen> {
    const OPTS: &str = "its options";
    const DEFAULT: &str = "the program's default";
    let plain = |port: u16, from: &str| Listen { address: None, port: Some(port), tls: false, from: from.to_owned() };
    match program {
        "httpd" => match option(args, "-p").first() {
            Some(p) => vec![endpoint(p, false, OPTS)],
            None => vec![plain(80, DEFAULT)],
        },
        "telnetd" => {
            let bound = option(args, "-b").first().map(|b| endpoint(b, false, OPTS));
            let port = option(args, "-p").first().and_then(|p| p.parse().ok());
            match bound {
                Some(mut b) => {
                    b.port = b.port.or(port).or(Some(23));
                    vec![b]
                }
                None => vec![plain(port.unwrap_or(23), if port.is_some() { OPTS } else { DEFAULT })],
            }
        }
        "uhttpd" => {
            let mut out: Vec<Listen> = option(args, "-p").iter().map(|p| endpoint(p, false, OPTS)).collect();
            out.extend(option(args, "-s").iter().map(|p| endpoint(p, true, OPTS)));
            if out.is_empty() {
                if let Some((path, lines)) = config(fs, args, "-c", &["etc/config/uhttpd"]) {
                    for l in &lines {
                        let words: Vec<&str> = l.split_whitespace().collect();
                        if let ["list" | "option", key @ ("listen_http" | "listen_https"), value] = words.as_slice() {
                            out.push(endpoint(value, *key == "listen_https", &path));
                        }
                    }
                }
            }
            out
        }
        "lighttpd" => {
            let Some((path, lines)) = config(fs, args, "-f", &["etc/lighttpd/lighttpd.conf", "etc/lighttpd.conf"])
            else {
                return vec![];
            };
            let value = |l: &str, key: &str| {
                let (k, v) = l.split_once('=')?;
                (k.trim() == key).then(|| v.trim().trim_matches(['"', '\'']).to_owned())
            };
            let (mut main, mut blocks, mut depth) = (plain(80, &path), Vec::new(), 0usize);
            for l in &lines {
                if let Some(socket) = l.strip_prefix("$SERVER[\"socket\"]") {
                    let addr = socket.split('"').nth(1).unwrap_or_default();
                    blocks.push(endpoint(addr, false, &path));
                }
                let was = depth;
                depth = (depth + l.matches('{').count()).saturating_sub(l.matches('}').count());
                if let Some(v) = value(l, "ssl.engine") {
                    let on = v == "enable";
                    match (was > 0, blocks.last_mut()) {
                        (true, Some(b)) => b.tls = on,
                        _ => main.tls = on,
                    }
                }
                if was == 0 {
                    if let Some(b) = value(l, "server.bind") {
                        main.address = Some(b);
                    }
                    if let Some(p) = value(l, "server.port").and_then(|p| p.parse().ok()) {
                        main.port = Some(p);
                    }
                }
            }
            blocks.insert(0, main);
            blocks
        }
        "boa" => {
            let dir = option(args, "-c")
                .first()
                .map(|d| format!("{}/boa.conf", d.trim_start_matches('/').trim_end_matches('/')));
            let defaults: Vec<&str> =
                dir.iter().map(String::as_str).chain(["etc/boa/boa.conf", "etc/boa.conf"]).collect();
            let Some((path, lines)) = config(fs, &[], "", &defaults) else { return vec![plain(80, DEFAULT)] };
            let mut l = plain(80, &path);
            for line in &lines {
                match line.split_whitespace().collect::<Vec<_>>().as_slice() {
                    ["Port", p] => l.port = p.parse().ok(),
                    ["Listen", a] => l.address = Some((*a).to_owned()),
                    _ => {}
                }
            }
            vec![l]
        }
        "mosquitto" => {
            let Some((path, lines)) = config(fs, args, "-c", &["etc/mosquitto/mosquitto.conf", "etc/mosquitto.conf"])
            else {
                return vec![];
            };
            let mut out: Vec<Listen> = Vec::new();
            let mut default = plain(1883, &path);
            let mut default_set = false;
            for line in &lines {
                match line.split_whitespace().collect::<Vec<_>>().as_slice() {
                    ["listener", port, rest @ ..] => out.push(Listen {
                        address: rest.first().map(|a| (*a).to_owned()),
                        port: port.parse().ok(),
                        tls: false,
                        from: path.clone(),
                    }),
                    ["port", p] => {
                        default.port = p.parse().ok();
                        default_set = true;
                    }
                    ["bind_address", a] => {
                        default.address = Some((*a).to_owned());
                        default_set = true;
                    }
                    ["certfile", _] => match out.last_mut() {
                        Some(l) => l.tls = true,
                        None => default.tls = true,
                    },
                    _ => {}
                }
            }
            if default_set || out.is_empty() {
                out.insert(0, default);
            }
            out
        }
        "snmpd" => {
            let trailing: Vec<Listen> = args
                .iter()
                .filter(|a| !a.starts_with('-') && a.contains(':'))
                .map(|a| endpoint(a, false, OPTS))
                .collect();
            if !trailing.is_empty() {
                return trailing;
            }
            let Some((path, lines)) = config(fs, args, "-c", &["etc/snmp/snmpd.conf", "etc/snmpd.conf"]) else {
                return vec![plain(161, DEFAULT)];
            };
            let set: Vec<Listen> = lines
                .iter()
                .filter_map(|l| l.strip_prefix("agentaddress").or_else(|| l.strip_prefix("agentAddress")))
                .flat_map(|v| v.split(',').map(|a| endpoint(a, false, &path)).collect::<Vec<_>>())
                .map(|mut l| {
                    if l.port.is_none() && l.address.as_deref().is_some_and(|a| a.parse::<u16>().is_ok()) {
                        l.port = l.address.take().and_then(|a| a.parse().ok());
                    }
                    l
                })
                .collect();
            if set.is_empty() {
                vec![plain(161, &path)]
            } else {
                set
            }
        }
        "miniupnpd" => {
            let Some((path, lines)) = config(fs, args, "-f", &["etc/miniupnpd.conf", "var/etc/miniupnpd.conf"]) else {
                return vec![];
            };
            lines
                .iter()
                .filter_map(|l| l.strip_prefix("listening_ip").map(|v| v.trim_start_matches([' ', '=']).trim()))
                .map(|ip| Listen { address: Some(ip.to_owned()), port: None, tls: false, from: path.clone() })
                .collect()
        }
        _ => vec![],
    }
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
