//! What a firmware image showed: the case file's `firmware` section, filled by
//! `iotvet-firmware` and judged by `rules/firmware.rs`. Each observation names the path inside
//! the image and how it was found; passwords found for hashes are stored masked.

use serde::{Deserialize, Serialize};

use crate::case::Provenance;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirmwareSection {
    pub provenance: Provenance,
    pub image: ImageInfo,
    /// Files unpacked (links and directories not counted).
    pub files: u64,
    #[serde(default)]
    pub accounts: Vec<AccountSeen>,
    #[serde(default)]
    pub boot_services: Vec<BootService>,
    /// Components and their versions (for the SBOM and known vulnerabilities).
    #[serde(default)]
    pub components: Vec<Component>,
    /// How the image updates itself: agents, update URLs, verification keys, switches.
    #[serde(default)]
    pub update: Vec<UpdateSeen>,
    /// Private keys and certificates built into the image (by fingerprint, never by value).
    #[serde(default)]
    pub secrets: Vec<SecretFound>,
}

/// A key, certificate, token or password built into the image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretFound {
    /// `private-key`, `certificate`, `token` (a cloud API key or token recognised by its
    /// format, a URL with a password in it) or `password` (a literal password in a config file
    /// or script).
    pub kind: String,
    /// What it is: the PEM label, the dropbear key type, the certificate's subject and expiry.
    pub detail: String,
    pub source: String,
    /// The first 16 hex digits of a SHA-256: of an RSA key's modulus (whatever form the key was
    /// written in: PKCS#1, PKCS#8, OpenSSH, dropbear), of anything else's bytes. The same key in
    /// two images (or two products) has the same fingerprint.
    pub fingerprint: String,
    /// Where else this key is known from: a published key (a project's test or sample key) or
    /// another image given with `--known-keys`. Such a key is no secret at all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub known: Option<String>,
    /// A private key protected by a passphrase (still the same on every device).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub encrypted: bool,
    /// A token's or password's value, masked (`a******z`) unless asked for in full; never set
    /// for keys and certificates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// One piece of evidence of the image's update mechanism.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdateSeen {
    /// `agent` (an update program), `url` (an update address), `key` (a signature-verification
    /// key), `setting` (an automatic-update switch set on).
    pub kind: String,
    /// The agent's name, the URL, the key's kind or the setting's line.
    pub detail: String,
    /// Where in the image.
    pub source: String,
    /// For a URL: plain `http://`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub plaintext: bool,
}

impl UpdateSeen {
    pub fn new(kind: &str, detail: &str, source: &str) -> Self {
        Self { kind: kind.to_owned(), detail: detail.to_owned(), source: source.to_owned(), plaintext: false }
    }
}

/// A component the image ships.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Component {
    /// Lower-case, as commonly written: `busybox`, `openssl`, `dropbear`, `linux`, …
    pub name: String,
    pub version: String,
    pub purl: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpe: Option<String>,
    /// Where and how it was found.
    pub evidence: String,
    /// `high` or `medium`.
    pub confidence: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageInfo {
    pub file: String,
    pub size: u64,
    pub sha256: String,
    /// The formats found, in order, with where they lie.
    pub layers: Vec<LayerSeen>,
    /// Header CRCs that do not match, entries refused, formats not opened.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerSeen {
    pub format: String,
    pub place: String,
    pub offset: u64,
    pub size: u64,
    pub opened: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// An account of the image's `/etc/passwd` (with its `/etc/shadow` entry).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountSeen {
    pub name: String,
    pub uid: u32,
    pub shell: String,
    /// Where the password field came from, e.g. `cpio@0x40/etc/shadow`.
    pub source: String,
    /// `empty`, `locked`, `des-crypt`, `md5-crypt`, `sha256-crypt`, `sha512-crypt`, `bcrypt`,
    /// `yescrypt`, `unknown`.
    pub hash: String,
    /// The password the hash was found to be (masked by the collector unless asked), and from
    /// which list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub found_in: Option<String>,
}

impl AccountSeen {
    /// Whether the account can be logged into: a login shell and a password that is not locked.
    pub fn can_log_in(&self) -> bool {
        let no_login = ["/sbin/nologin", "/usr/sbin/nologin", "/bin/false", "/usr/bin/false", "/dev/null", ""];
        !no_login.contains(&self.shell.as_str()) && self.hash != "locked"
    }
}

/// A network service the image starts at boot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BootService {
    /// `telnetd`, `ftpd`, `tftpd`, `sshd`, `dropbear`, `httpd`, `upnpd`, …
    pub name: String,
    /// The file and line that start it.
    pub source: String,
    pub line: String,
    /// The program in the image the line runs (a file or link), when it is there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub program: Option<String>,
    /// The program the line names is not in the image: the line starts nothing (scripts start
    /// debugging daemons "if present").
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub absent: bool,
    /// Where it listens, as its options or its configuration say (empty: not read).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub listens: Vec<Listen>,
}

/// One listening socket of a service started at boot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Listen {
    /// The address or interface it binds; None: every interface.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// It speaks TLS there.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub tls: bool,
    /// How this was read: `its options`, a configuration file's path, or `the program's default`.
    pub from: String,
}

impl Listen {
    /// Bound to every interface (no address, or a wildcard one).
    pub fn everywhere(&self) -> bool {
        self.address.as_deref().is_none_or(|a| matches!(a, "0.0.0.0" | "::" | "[::]" | "*" | ""))
    }
}
