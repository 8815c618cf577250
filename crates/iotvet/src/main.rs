//! iotvet: vets connected consumer products against the five minimum standards for tackling
//! IoT security. This file is the table of contents; each subcommand lives in `cmd/`.
#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

mod cmd;
mod output;

/// mimalloc instead of the system allocator: the traffic reader hands each flow's buffers to
/// its inspector thread, and glibc's malloc serialised the two threads on its arena lock when
/// one freed what the other allocated (BENCHMARKS.md has the before and after).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// No transparent huge pages for this process. mimalloc asks for them (MADV_HUGEPAGE) where
/// the system allows it, and the kernel then zeroes 2 MiB at the first touch of each: in the
/// traffic reader, whose flows' buffers come and go, that zeroing was a tenth of its time, and
/// 4 KiB pages cut the run's system time by half and its peak memory by a fifth (BENCHMARKS.md).
/// A short-lived tool gains nothing from huge pages' fewer TLB misses. Tried for `iotvet
/// firmware`, which fills a tree of tens of MB once: 0.10 s instead of 0.15 s on a quiet
/// machine, but 0.2–0.3 s in runs alternated with binwalk (2 MiB zeroed per fault, peak memory
/// 165 MB instead of 117 MB), so 4 KiB pages here too. mimalloc is built with `no_thp`, so it
/// never asks for them either, not even for the arena it takes before `main` runs (two huge
/// pages zeroed at every start, 1.5 ms of `iotvet --version`'s 5.3).
fn no_huge_pages() {
    #[cfg(target_os = "linux")]
    if let Err(e) = rustix::thread::disable_transparent_huge_pages(true) {
        tracing::debug!("transparent huge pages left on: {e}");
    }
}

const EXIT_CODES: &str = "\
Exit codes: 0 meets the standards (or success), 1 a failing finding, 2 error (nothing judged),
3 unknown (nothing fails, something could not be settled). With --fail-on SEVERITY only failing
findings at or above it give 1; with --unknown-ok 3 becomes 0; findings accepted by the ignore
file (.iotvetignore) or present in --baseline never gate. `diff` exits on what is new.

Environment: NO_COLOR, COLUMNS (wrap width off a terminal), IOTVET_LOG=info|debug|trace (events on
stderr), IOTVET_PROGRESS_EVERY=SECONDS. iotvet keeps no data and reads no config file: every
setting is a flag, every result is written where --out says.";

const DEMO_EXAMPLES: &str = "Examples:
  iotvet demo                         the lab, a scorecard, reports in ./iotvet-demo
  iotvet demo --out /tmp/lab --fail-on high   gate a CI job on the lab";
const ASSESS_EXAMPLES: &str = "Examples:
  iotvet assess 192.168.1.20                               probe, judge, print
  iotvet assess cam.local --declaration cam.toml --out reports/
  iotvet assess 192.168.1.20 -p 1-1024 --no-credentials -f sarif > cam.sarif
  iotvet assess 192.168.1.20 --fail-on high --baseline last.json --ignore-file .iotvetignore";
const SCAN_EXAMPLES: &str = "Examples:
  iotvet scan 192.168.1.20
  iotvet scan 192.168.1.0/28 -p 22,23,80,443,554,1883,8080 -f json";
const TLS_EXAMPLES: &str = "Examples:
  iotvet tls cam.local              port 443, SNI cam.local
  iotvet tls 192.168.1.20:8443 --sni cam.local
  iotvet tls mail.example.net -p 143 --starttls imap";
const REPORT_EXAMPLES: &str = "Examples:
  iotvet report reports/report.json -f html > cam.html
  iotvet report reports/report.json --rejudge --out rejudged/
  iotvet report reports/report.json --guidelines MS-1,MS-3 --fail-on critical";
const TRAFFIC_EXAMPLES: &str = "Examples:
  iotvet traffic home.pcapng                         the hosts seen: pick the device
  iotvet traffic home.pcapng --device 192.168.1.20 --vendor-domain example-cam.com
  iotvet traffic cam.pcap --device aa:bb:cc:dd:ee:ff -f json > cam-traffic.json

Capture a device by mirroring its traffic: `tcpdump -i br-lan -w cam.pcap host 192.168.1.20` on
the router, a mirror port on a switch, or Wireshark on a hotspot the device joins.";
const DIFF_EXAMPLES: &str = "Examples:
  iotvet diff last-week.json today.json
  iotvet diff v1.2.json v1.3.json -f md > CHANGES.md";

/// Exit codes, as scanners used in CI do.
/// The exit-code policy lives with the printers, in `iotvet-report`.
pub use iotvet_report::exit;

#[derive(Parser)]
#[command(name = "iotvet", version, about = "Vet connected consumer products against the five minimum standards for IoT security", long_about = None)]
#[command(after_help = EXIT_CODES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// No progress, no verdict block on stderr: only the asked output and errors.
    #[arg(long, short = 'q', global = true)]
    quiet: bool,
    /// Colour in terminal output.
    #[arg(long, value_name = "WHEN", global = true, default_value = "auto")]
    color: output::ColorChoice,
}

#[derive(Subcommand)]
enum Command {
    /// Start the built-in device lab, vet every lab device, print a scorecard and write reports.
    #[command(after_help = DEMO_EXAMPLES)]
    Demo(Box<DemoArgs>),
    /// Vet one device: probe it, judge the five guidelines, report.
    #[command(after_help = ASSESS_EXAMPLES)]
    Assess(Box<AssessArgs>),
    /// Discovery only: open TCP ports and the services on them (like `nmap -sV`).
    #[command(after_help = SCAN_EXAMPLES)]
    Scan(ScanArgs),
    /// TLS assessment of one endpoint (like testssl.sh or sslyze): versions, suites, groups,
    /// DH size, compression, renegotiation, certificate chain.
    #[command(after_help = TLS_EXAMPLES)]
    Tls(TlsArgs),
    /// Run the emulated devices on 127.77.0.0/24 until Ctrl-C.
    Lab(LabArgs),
    /// Re-render a saved JSON report, optionally judging its case again with the current rules.
    #[command(after_help = REPORT_EXAMPLES)]
    Report(ReportArgs),
    /// Compare two JSON reports of a product: findings new, fixed and changed, verdicts changed.
    #[command(after_help = DIFF_EXAMPLES)]
    Diff(DiffArgs),
    /// What a device itself sends, from a capture (pcap or pcapng): its flows, whether each is
    /// encrypted, whom it talks to, secrets in clear, update traffic.
    #[command(after_help = TRAFFIC_EXAMPLES)]
    Traffic(TrafficArgs),
    /// Take a firmware image apart in memory (uImage, gzip, cpio, tar) and judge what it holds:
    /// accounts with known or empty passwords, cleartext daemons started at boot.
    Firmware(FirmwareArgs),
    /// Match an SBOM (CycloneDX 1.2–1.6 or SPDX 2.3 JSON, from any generator) against the
    /// vulnerability database and judge MS-4; exit codes for CI.
    #[command(after_help = SBOM_EXAMPLES)]
    Sbom(SbomArgs),
    /// The offline vulnerability database (NVD, OSV, CISA KEV) components are matched against.
    #[command(after_help = VULNDB_EXAMPLES)]
    Vulndb(VulndbArgs),
    /// Add saved assessments (JSON reports or case files) to the register.
    Import(ImportArgs),
    /// Serve the buyer's guide (published products, plain HTML) and its JSON API from the
    /// register.
    Serve(ServeArgs),
    /// A test bench's worker: takes assessments requested in the register (`iotvet queue`, the
    /// register's pages and API), runs them on targets its allow-list permits, and stores the
    /// results.
    Worker(WorkerArgs),
    /// Ask for an assessment: a job in the register that a bench's worker takes.
    Queue(QueueArgs),
    /// The register: products with their verdicts, a product's assessment history, judging
    /// stored cases again with the current rules.
    Register(RegisterArgs),
    /// List the checks, their guideline and the standards clauses they give evidence for.
    Checks(ChecksArgs),
    /// Read the vendor's documents alone: security.txt, privacy policy, terms.
    #[command(subcommand)]
    Docs(DocsCommand),
    /// The vendor declaration / retailer checklist file.
    #[command(subcommand)]
    Declaration(DeclarationCommand),
    /// Print a shell completion script: bash, zsh, fish, elvish or powershell.
    Completions {
        /// The shell to complete for.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), e.g. `iotvet man > iotvet.1 && man ./iotvet.1`.
    Man,
}

#[derive(Subcommand)]
pub enum DocsCommand {
    /// Fetch (https://DOMAIN/.well-known/security.txt, then /security.txt) or read a
    /// security.txt, and validate it against RFC 9116.
    SecurityTxt(SecurityTxtDocArgs),
    /// Fetch or read a privacy policy or terms (HTML, text or PDF): main text, readability,
    /// required topics, language.
    Policy(PolicyArgs),
}

#[derive(Args)]
pub struct SecurityTxtDocArgs {
    /// A domain (optionally host:port), a URL, or a file.
    source: String,
    /// terminal or json.
    #[arg(long, short = 'f', default_value = "terminal")]
    format: String,
    #[command(flatten)]
    fetch: FetchArgs,
    #[command(flatten)]
    security_txt: SecurityTxtOptions,
}

#[derive(Args)]
pub struct PolicyArgs {
    /// A URL or a file.
    source: String,
    /// terminal or json.
    #[arg(long, short = 'f', default_value = "terminal")]
    format: String,
    /// privacy-policy or terms.
    #[arg(long, default_value = "privacy-policy")]
    kind: String,
    #[command(flatten)]
    fetch: FetchArgs,
    #[command(flatten)]
    reading: ReadingArgs,
}

/// How documents are fetched (every document).
#[derive(Args, Clone)]
pub struct FetchArgs {
    /// Also trust the CA certificates in this PEM file (e.g. a test lab's; `iotvet lab --ca-out`).
    #[arg(long, value_name = "PEM")]
    ca_file: Option<PathBuf>,
    /// At most this many MiB of decompressed content per document (a PDF beyond it is not read).
    #[arg(long, value_name = "MIB", default_value_t = 64)]
    max_document_mib: u64,
}

/// security.txt only.
#[derive(Args, Clone, Default)]
pub struct SecurityTxtOptions {
    /// For a security.txt read from a file: the URL it is published at (checked against Canonical).
    #[arg(long, value_name = "URL")]
    fetched_from: Option<String>,
    /// The vendor's OpenPGP public key (armored file), to verify a signed security.txt.
    #[arg(long, value_name = "FILE")]
    security_txt_key: Option<PathBuf>,
}

/// Policies and terms only: the plain-language thresholds.
#[derive(Args, Clone)]
pub struct ReadingArgs {
    /// Flesch Reading Ease a policy must reach to count as plain language.
    #[arg(long, value_name = "N", default_value_t = 60.0)]
    min_reading_ease: f64,
    /// Reading grade (Flesch-Kincaid) a policy must not exceed.
    #[arg(long, value_name = "N", default_value_t = 8.0)]
    max_grade: f64,
}

impl Default for ReadingArgs {
    fn default() -> Self {
        Self { min_reading_ease: 60.0, max_grade: 8.0 }
    }
}

#[derive(Args, Clone)]
pub struct VendorArgs {
    /// The vendor declaration / retailer checklist (TOML; `iotvet declaration template`).
    #[arg(long, value_name = "FILE")]
    declaration: Option<PathBuf>,
    /// The vendor's security.txt: a domain, URL or file (default: the declaration's first vendor domain).
    #[arg(long, value_name = "SOURCE")]
    security_txt: Option<String>,
    /// The privacy policy: a URL or file (default: the declaration's).
    #[arg(long, value_name = "SOURCE")]
    privacy_policy: Option<String>,
    /// The terms and conditions: a URL or file (default: the declaration's).
    #[arg(long, value_name = "SOURCE")]
    terms: Option<String>,
    #[command(flatten)]
    fetch: FetchArgs,
    #[command(flatten)]
    security_txt_options: SecurityTxtOptions,
    #[command(flatten)]
    reading: ReadingArgs,
}

#[derive(Subcommand)]
pub enum DeclarationCommand {
    /// Print an annotated blank declaration to fill in.
    Template,
    /// Check a declaration file against the format; list the questions it leaves unanswered.
    Check {
        /// The declaration (TOML).
        file: PathBuf,
    },
}

#[derive(Args, Clone)]
pub struct ProbeArgs {
    /// Ports to scan: `22,80,8000-8100`, `-` for all. Default: all 65,535.
    #[arg(long, short = 'p', value_name = "SPEC")]
    ports: Option<String>,
    /// Timeout of one connection attempt, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 1500)]
    connect_timeout: u64,
    /// Simultaneous connection attempts (lowered to fit the file-descriptor limit).
    #[arg(long, value_name = "N", default_value_t = 1024)]
    concurrency: usize,
    /// Largest number of addresses a CIDR target may cover.
    #[arg(long, value_name = "N", default_value_t = 256)]
    max_hosts: u32,
    /// UDP ports asked with CoAP, SSDP, SNMP, mDNS, TFTP and DTLS requests, or `none`.
    /// Default: 69,161,1900,5353,5683,5684.
    #[arg(long, value_name = "SPEC")]
    udp_ports: Option<String>,
    /// How long UDP probes wait for answers, in milliseconds (a slow agent needs more).
    #[arg(long, value_name = "MS", default_value_t = 1000)]
    udp_wait: u64,
    /// Host name for TLS SNI and HTTP Host headers, when the target is an address and the
    /// device's servers want a name (a TLS server answering `unrecognized_name`).
    #[arg(long, value_name = "NAME")]
    sni: Option<String>,
    /// At most this many open ports are identified per target; the rest are reported as left out.
    #[arg(long, value_name = "N", default_value_t = 1000)]
    max_services: usize,
}

#[derive(Args, Clone)]
pub struct CredentialArgs {
    /// Do not try any credential (MS-3 then rests on the declaration, or stays unknown).
    #[arg(long)]
    no_credentials: bool,
    /// Built-in list to try: minimal, default or full.
    #[arg(long, value_name = "SET", default_value = "default")]
    credential_set: String,
    /// Your own list instead: one username:password per line.
    #[arg(long, value_name = "FILE")]
    credentials: Option<PathBuf>,
    /// Keep going after the first accepted credential of a service.
    #[arg(long)]
    all_credentials: bool,
    /// Show accepted passwords in clear in reports (masked by default).
    #[arg(long)]
    show_secrets: bool,
    /// Connections at once per login service.
    #[arg(long, value_name = "N", default_value_t = 4)]
    login_concurrency: usize,
    /// At most this many login attempts per second per service.
    #[arg(long, value_name = "N", default_value_t = 50.0)]
    login_rate: f64,
    /// At most this many login attempts per service.
    #[arg(long, value_name = "N", default_value_t = 200)]
    max_attempts: usize,
    /// UDP ports where SNMP community strings are tried (default 161).
    #[arg(long, value_name = "SPEC")]
    snmp_ports: Option<String>,
}

/// The CI gate: what makes the exit code 1 or 3, and which findings are accepted.
#[derive(Args, Clone, Default)]
pub struct GateArgs {
    /// Exit 1 only for failing findings at or above this severity: critical, high, medium or low
    /// (default: any failing finding).
    #[arg(long, value_name = "SEVERITY")]
    fail_on: Option<String>,
    /// Judge and gate on these guidelines only, e.g. `MS-1,MS-3` (the report holds only them).
    #[arg(long, value_name = "LIST")]
    guidelines: Option<String>,
    /// Exit 0 rather than 3 when nothing gates but something is unknown.
    #[arg(long)]
    unknown_ok: bool,
    /// Accepted findings, one per line: `ID|CHECK@PLACE [exp:YYYY-MM-DD] # reason`
    /// (default: ./.iotvetignore when it exists). Accepted findings stay in the report, marked.
    #[arg(long, value_name = "FILE")]
    ignore_file: Option<PathBuf>,
    /// A JSON report of an earlier run: findings it already had do not gate, only new ones.
    #[arg(long, value_name = "REPORT")]
    baseline: Option<PathBuf>,
    /// SARIF: passes and unknowns as results too (default: failing findings only).
    #[arg(long)]
    sarif_all: bool,
}

#[derive(Args)]
pub struct DemoArgs {
    /// Folder for the reports: one folder per device plus index.html.
    #[arg(long, short = 'o', value_name = "DIR", default_value = "iotvet-demo")]
    out: PathBuf,
    /// The register the lab's assessments are kept in (default: OUT/register.sqlite).
    #[arg(long, value_name = "URL")]
    database: Option<String>,
    /// The lab's /24 on loopback.
    #[arg(long, value_name = "NET", default_value = "127.77.0.0")]
    lab_net: String,
    #[command(flatten)]
    probe: ProbeArgs,
    #[command(flatten)]
    logins: CredentialArgs,
    #[command(flatten)]
    gate: GateArgs,
}

#[derive(Args)]
pub struct AssessArgs {
    /// The device: an IP address or a host name.
    target: String,
    #[command(flatten)]
    probe: ProbeArgs,
    #[command(flatten)]
    vendor: VendorArgs,
    #[command(flatten)]
    logins: CredentialArgs,
    #[command(flatten)]
    capture: CaptureArgs,
    /// The device's firmware image: its accounts, the services it starts at boot and its
    /// components are judged with the probing (the image's evidence is verified).
    #[arg(long, value_name = "IMAGE")]
    firmware: Option<PathBuf>,
    /// Keep the result in the register (see --database; `iotvet register list` shows it).
    #[arg(long)]
    store: bool,
    #[command(flatten)]
    register: StoreArgs,
    /// Private keys known from elsewhere, to compare this image's keys with (repeatable): another
    /// image's `iotvet firmware -f json` report or case file (the same key in two images), or a
    /// list of `FINGERPRINT<TAB>where` lines. Published keys iotvet knows are always compared.
    #[arg(long, value_name = "FILE")]
    known_keys: Vec<PathBuf>,
    #[command(flatten)]
    vulns: VulnArgs,
    /// Output formats, comma-separated: terminal, json, sarif, md, html.
    #[arg(long, short = 'f', value_name = "LIST")]
    format: Option<String>,
    /// Write one file per format into DIR (all formats when --format is not given).
    #[arg(long, short = 'o', value_name = "DIR")]
    out: Option<PathBuf>,
    #[command(flatten)]
    gate: GateArgs,
}

/// A capture of the device's own traffic, judged with the probing (`assess --pcap`).
#[derive(Args, Clone, Default)]
pub struct CaptureArgs {
    /// A capture of the device's traffic (pcap or pcapng): what it sends to its cloud, app and
    /// trackers (MS-1 all communications, MS-2 update channel, MS-5 trackers).
    #[arg(long, value_name = "CAPTURE")]
    pcap: Option<PathBuf>,
    /// The device's address or MAC in the capture, when not the assessed address (e.g. its LAN
    /// address behind the router the capture was taken on).
    #[arg(long, value_name = "IP|MAC", requires = "pcap")]
    pcap_device: Option<String>,
    /// A domain of the vendor's (first party) for the capture; the declaration's vendor domains
    /// count too. Repeat for several.
    #[arg(long, value_name = "DOMAIN")]
    vendor_domain: Vec<String>,
    /// Tracker domains to use instead of the bundled lists.
    #[arg(long, value_name = "FILE")]
    tracker_list: Option<PathBuf>,
}

#[derive(Args)]
pub struct ScanArgs {
    /// An IP address, a host name, or a CIDR block up to --max-hosts addresses.
    target: String,
    #[command(flatten)]
    probe: ProbeArgs,
    /// Output format: terminal or json.
    #[arg(long, short = 'f', value_name = "LIST", default_value = "terminal")]
    format: String,
}

#[derive(Args)]
pub struct TlsArgs {
    /// HOST, HOST:PORT or an IP address (IPv6 with a port as [::1]:443).
    target: String,
    /// Port when the target names none.
    #[arg(long, short = 'p', default_value_t = 443)]
    port: u16,
    /// Upgrade each connection first: ftp, smtp, imap or pop3.
    #[arg(long, value_name = "PROTO")]
    starttls: Option<String>,
    /// Timeout of one connection and its handshake, in milliseconds.
    #[arg(long = "connect-timeout", visible_alias = "timeout", value_name = "MS", default_value_t = 5000)]
    timeout: u64,
    /// Host name to send in SNI (default: the target when it is a name, none for an address).
    #[arg(long, value_name = "NAME")]
    sni: Option<String>,
    /// Output format: terminal or json.
    #[arg(long, short = 'f', default_value = "terminal")]
    format: String,
}

#[derive(Args)]
pub struct LabArgs {
    /// List the devices and their services, without starting them.
    #[arg(long)]
    list: bool,
    /// Start only this device.
    #[arg(long, value_name = "NAME")]
    only: Option<String>,
    /// The lab's /24 on loopback.
    #[arg(long, value_name = "NET", default_value = "127.77.0.0")]
    lab_net: String,
    /// Write the lab CA's certificate here, to assess lab devices by hand with `--ca-file`.
    #[arg(long, value_name = "FILE")]
    ca_out: Option<PathBuf>,
    /// Write each device's vendor declaration into DIR (NAME.toml), for `assess --declaration`.
    #[arg(long, value_name = "DIR")]
    declarations_out: Option<PathBuf>,
}

#[derive(Args)]
pub struct ReportArgs {
    /// A JSON report written by `iotvet assess --format json` or `iotvet demo`.
    case: PathBuf,
    /// Judge the saved case again with this version's rules.
    #[arg(long)]
    rejudge: bool,
    /// Output formats, comma-separated: terminal, json, sarif, md, html.
    #[arg(long, short = 'f', value_name = "LIST")]
    format: Option<String>,
    /// Write one file per format into DIR (all formats when --format is not given).
    #[arg(long, short = 'o', value_name = "DIR")]
    out: Option<PathBuf>,
    #[command(flatten)]
    gate: GateArgs,
}

#[derive(Args)]
pub struct DiffArgs {
    /// The earlier JSON report.
    old: PathBuf,
    /// The later JSON report of the same product.
    new: PathBuf,
    /// Output formats, comma-separated: terminal, json, sarif, md, html.
    #[arg(long, short = 'f', value_name = "LIST")]
    format: Option<String>,
    /// Write one file per format into DIR (diff.txt, diff.json, …).
    #[arg(long, short = 'o', value_name = "DIR")]
    out: Option<PathBuf>,
    /// Exit 1 only for new failing findings at or above this severity (default: any).
    #[arg(long, value_name = "SEVERITY")]
    fail_on: Option<String>,
    /// Exit 0 rather than 3 when the only new findings are unknowns.
    #[arg(long)]
    unknown_ok: bool,
}

#[derive(Args)]
pub struct TrafficArgs {
    /// The capture: pcap or pcapng.
    capture: PathBuf,
    /// The product under test: its IP or MAC address (without it, the hosts seen are listed).
    #[arg(long, value_name = "IP|MAC")]
    device: Option<String>,
    /// A domain of the vendor's (first party); repeat for several.
    #[arg(long, value_name = "DOMAIN")]
    vendor_domain: Vec<String>,
    /// Tracker domains to use instead of the bundled lists (one per line, or hosts format).
    #[arg(long, value_name = "FILE")]
    tracker_list: Option<PathBuf>,
    /// Show credentials and personal data found in clear (masked by default).
    #[arg(long)]
    show_secrets: bool,
    /// terminal or json.
    #[arg(long, short = 'f', default_value = "terminal")]
    format: String,
}

/// Where the register is, and what a stored assessment is of.
#[derive(Args, Clone, Default)]
pub struct StoreArgs {
    /// The register: a SQLite file (default $XDG_DATA_HOME/iotvet/register.sqlite, else
    /// ~/.local/share/iotvet/register.sqlite) or a PostgreSQL URL (postgres://USER@HOST/DB).
    #[arg(long, value_name = "URL")]
    database: Option<String>,
    /// The product's vendor (default: the declaration's, else "unknown").
    #[arg(long)]
    vendor: Option<String>,
    /// The product's model (default: the declaration's, else the target's name).
    #[arg(long)]
    model: Option<String>,
    /// The product's category, e.g. camera, plug, toy.
    #[arg(long)]
    category: Option<String>,
    /// The firmware version the assessment is of.
    #[arg(long, value_name = "VERSION")]
    firmware_version: Option<String>,
    /// Who ran the assessment (default: $USER).
    #[arg(long, value_name = "NAME")]
    ran_by: Option<String>,
}

#[derive(Args)]
pub struct ImportArgs {
    /// Saved JSON reports (`iotvet assess -f json`, report.json) or case files.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    #[command(flatten)]
    store: StoreArgs,
}

#[derive(Args)]
pub struct RegisterArgs {
    /// The register (see `iotvet import --help`).
    #[arg(long, value_name = "URL", global = true)]
    database: Option<String>,
    /// terminal or json.
    #[arg(long, short = 'f', default_value = "terminal", global = true)]
    format: String,
    #[command(subcommand)]
    command: RegisterCommand,
}

#[derive(Subcommand)]
pub enum RegisterCommand {
    /// Every product with its newest verdict and how many assessments it has.
    List,
    /// One product's assessments, newest first, each with its verdict and the rules that gave it.
    Show {
        /// The product's id (from `list`).
        product: i64,
    },
    /// Judge every stored case again with this iotvet's rules where it was judged by others;
    /// the old judgements stay.
    Rejudge,
    /// Show a product in the buyer's guide (`iotvet serve`).
    Publish {
        /// The product's id (from `list`).
        product: i64,
    },
    /// Take a product out of the buyer's guide.
    Unpublish {
        /// The product's id (from `list`).
        product: i64,
    },
    /// Accounts of the signed-in register (`iotvet serve`): add, list, disable, API tokens.
    #[command(subcommand)]
    User(UserCommand),
}

#[derive(Subcommand)]
pub enum UserCommand {
    /// Add an account. Its password is read from the first line of standard input (at least
    /// 12 characters), so it appears in no command line or shell history.
    Add {
        /// 1–64 letters, digits, '.', '_', '-' or '@'.
        name: String,
        /// viewer (reads the register), analyst (also publishes), admin.
        #[arg(long, value_parser = ["viewer", "analyst", "admin"])]
        role: String,
    },
    /// Every account with its role.
    List,
    /// Stop an account: its sessions and API tokens stop working.
    Disable {
        /// The account's name.
        name: String,
    },
    /// Let a disabled account in again.
    Enable {
        /// The account's name.
        name: String,
    },
    /// Make an API token for an account (a manufacturer's CI, a bench): printed once, stored
    /// only as its SHA-256; send it as `Authorization: Bearer TOKEN`.
    Token {
        /// The account's name.
        name: String,
        /// What the token is for.
        #[arg(long, default_value = "api")]
        label: String,
    },
}

#[derive(Args)]
pub struct ServeArgs {
    /// The register (see `iotvet import --help`).
    #[arg(long, value_name = "URL")]
    database: Option<String>,
    /// The address to listen on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    listen: String,
    /// Connections to the register, used in turn (PostgreSQL serves more side by side than
    /// SQLite gains from).
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    connections: u16,
}

#[derive(Args)]
pub struct WorkerArgs {
    /// The register (a shared PostgreSQL for several benches; see `iotvet import --help`).
    #[arg(long, value_name = "URL")]
    database: Option<String>,
    /// Addresses this bench may probe: a CIDR block or an address (repeatable; required). A job
    /// whose target lies outside is refused, whoever asked.
    #[arg(long, value_name = "CIDR", required = true)]
    allow: Vec<String>,
    /// This worker's name in the register (default: the host's name and the process id).
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
    /// Seconds a job stays this worker's without a heartbeat; past it another worker takes it.
    #[arg(long, value_name = "S", default_value_t = 60, value_parser = clap::value_parser!(i64).range(2..=3600))]
    lease: i64,
    /// Seconds between looks for a job when none is waiting.
    #[arg(long, value_name = "S", default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=600))]
    poll: u64,
    /// Seconds one assessment may take before it is stopped and its job failed.
    #[arg(long, value_name = "S", default_value_t = 3600, value_parser = clap::value_parser!(u64).range(10..=86400))]
    job_timeout: u64,
    /// Stop when no job is waiting (for a cron job or a test) instead of waiting for more.
    #[arg(long)]
    until_idle: bool,
}

#[derive(Args)]
pub struct QueueArgs {
    /// The device: one IP address or host name.
    target: String,
    /// The register (see `iotvet import --help`).
    #[arg(long, value_name = "URL")]
    database: Option<String>,
    /// Ports to scan (as `assess --ports`).
    #[arg(long, short = 'p', value_name = "SPEC", default_value = "")]
    ports: String,
    /// UDP ports to ask, or `none` (as `assess --udp-ports`).
    #[arg(long, value_name = "SPEC", default_value = "")]
    udp_ports: String,
    /// The product's vendor in the register.
    #[arg(long, value_name = "NAME", default_value = "")]
    vendor: String,
    /// The product's model in the register.
    #[arg(long, value_name = "NAME", default_value = "")]
    model: String,
}

#[derive(Args)]
pub struct FirmwareArgs {
    /// The firmware image.
    image: PathBuf,
    /// Show the passwords found for password hashes (masked by default).
    #[arg(long)]
    show_secrets: bool,
    /// Write the image's software bill of materials (CycloneDX 1.6 JSON) to FILE.
    #[arg(long, value_name = "FILE")]
    sbom: Option<PathBuf>,
    /// Write the image's files into DIR (new or empty): links are listed in DIR/links.tsv, not
    /// created; no set-uid bits, devices or hard links.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Private keys known from elsewhere, to compare this image's keys with (repeatable): another
    /// image's `iotvet firmware -f json` report or case file (the same key in two images), or a
    /// list of `FINGERPRINT<TAB>where` lines. Published keys iotvet knows are always compared.
    #[arg(long, value_name = "FILE")]
    known_keys: Vec<PathBuf>,
    #[command(flatten)]
    vulns: VulnArgs,
    /// terminal or json.
    #[arg(long, short = 'f', default_value = "terminal")]
    format: String,
}

const SBOM_EXAMPLES: &str = "Examples:
  iotvet sbom build/bom.cdx.json                 # components, known vulnerabilities, verdict
  iotvet sbom sbom.spdx.json -f json --db lab.sqlite
Exit codes: 0 nothing fails, 1 a known exploited or critical vulnerability, 2 error, 3 unknown
(no components, or no vulnerability data).";

/// How components are matched and judged for known vulnerabilities.
#[derive(Args, Clone)]
pub struct VulnArgs {
    /// The vulnerability database the components are matched against (default: the one
    /// `iotvet vulndb import` fills).
    #[arg(long, value_name = "PATH")]
    db: Option<PathBuf>,
    /// A known vulnerability with a CVSS base score at or above SCORE fails MS-4.
    #[arg(long, value_name = "SCORE", default_value_t = 9.0)]
    critical_cvss: f64,
    /// Vulnerability data whose newest record is older than DAYS is a warning on every finding.
    #[arg(long, value_name = "DAYS", default_value_t = 30)]
    max_data_age: i64,
}

#[derive(Args)]
pub struct SbomArgs {
    /// The SBOM (CycloneDX or SPDX JSON).
    sbom: PathBuf,
    #[command(flatten)]
    vulns: VulnArgs,
    /// terminal or json.
    #[arg(long, short = 'f', default_value = "terminal")]
    format: String,
}

const VULNDB_EXAMPLES: &str = "Examples:
  iotvet vulndb import nvdcve-2.0-*.json osv-debian/ known_exploited_vulnerabilities.json
  iotvet vulndb status
  iotvet vulndb --db lab.sqlite import nvd/";

#[derive(Args)]
pub struct VulndbArgs {
    /// The database file (default: $XDG_DATA_HOME/iotvet/vulndb.sqlite, else
    /// ~/.local/share/iotvet/vulndb.sqlite).
    #[arg(long, value_name = "PATH", global = true)]
    db: Option<PathBuf>,
    #[command(subcommand)]
    command: VulndbCommand,
}

#[derive(Subcommand)]
pub enum VulndbCommand {
    /// Import NVD (API 2.0 records or responses, 1.1 feeds), OSV advisories and the CISA KEV
    /// catalog from files or folders, in one transaction: all of it or, stopped midway, none.
    Import {
        /// JSON files or folders holding them.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// What the database holds: records per source, their newest date, KEV entries.
    Status {
        /// terminal or json.
        #[arg(long, short = 'f', default_value = "terminal")]
        format: String,
    },
    /// Compare version pairs (`A<TAB>B` lines on stdin) in a scheme — generic, debian, rpm,
    /// semver, alpine, pypi — printing `<`, `=`, `>` or `?` (unreadable) per line: for cross-checks.
    #[command(hide = true)]
    Order {
        /// generic, debian, rpm, semver, alpine or pypi.
        scheme: String,
    },
}

#[derive(Args)]
pub struct ChecksArgs {
    /// Only checks that give evidence for this standard: etsi-en-303-645, uk-psti, eu-cra,
    /// owasp-iot-2018, nist-ir-8425.
    #[arg(long, value_name = "NAME")]
    standard: Option<String>,
    /// One check in full: rationale, remediation, the evidence that settles it, the clauses.
    #[arg(long, value_name = "ID")]
    explain: Option<String>,
    /// terminal or json.
    #[arg(long, short = 'f', default_value = "terminal")]
    format: String,
}

fn main() -> ExitCode {
    quiet_on_closed_stdout();
    no_huge_pages();
    let cli = Cli::parse();
    output::configure(output::Settings { quiet: cli.quiet, color: cli.color });
    let level = match std::env::var("IOTVET_LOG").as_deref() {
        Ok("trace") => tracing::Level::TRACE,
        Ok("debug") => tracing::Level::DEBUG,
        Ok("info") => tracing::Level::INFO,
        _ => tracing::Level::WARN,
    };
    tracing_subscriber::fmt().with_max_level(level).with_writer(std::io::stderr).init();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("iotvet: error: cannot start the async runtime: {e}");
            return ExitCode::from(exit::ERROR);
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Demo(a) => cmd::demo::run(*a).await,
            Command::Assess(a) => cmd::assess::run(*a).await,
            Command::Scan(a) => cmd::scan::run(a).await,
            Command::Tls(a) => cmd::tls::run(a).await,
            Command::Lab(a) => cmd::lab::run(a).await,
            Command::Report(a) => cmd::report::run(a),
            Command::Diff(a) => cmd::diff::run(a),
            Command::Checks(a) => cmd::checks::run(a),
            Command::Import(a) => cmd::register::import(a),
            Command::Register(a) => cmd::register::run(a),
            Command::Serve(a) => cmd::register::serve(a).await,
            Command::Worker(a) => cmd::worker::worker(a).await,
            Command::Queue(a) => cmd::worker::queue(a),
            Command::Vulndb(a) => cmd::vulndb::run(a),
            Command::Sbom(a) => cmd::sbom::run(a),
            Command::Traffic(a) => cmd::traffic::run(a),
            Command::Firmware(a) => cmd::firmware::run(a),
            Command::Docs(c) => cmd::docs::run(c).await,
            Command::Declaration(c) => cmd::docs::declaration(c),
            Command::Completions { shell } => {
                use clap::CommandFactory as _;
                clap_complete::generate(shell, &mut Cli::command(), "iotvet", &mut std::io::stdout());
                Ok(exit::MEETS)
            }
            Command::Man => {
                use clap::CommandFactory as _;
                clap_mangen::Man::new(Cli::command())
                    .render(&mut std::io::stdout())
                    .map(|_| exit::MEETS)
                    .map_err(anyhow::Error::from)
            }
        }
    });
    runtime.shutdown_background();
    match result {
        Ok(code) => ExitCode::from(code),
        // `iotvet man | head`: the reader went away; end as a program killed by SIGPIPE would.
        Err(e) if e.downcast_ref::<std::io::Error>().is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe) => {
            ExitCode::from(141)
        }
        Err(e) => {
            eprintln!("iotvet: error: {e:#}");
            ExitCode::from(exit::ERROR)
        }
    }
}

/// `iotvet tls … | head` closes stdout early; `println!` then panics. End quietly instead, as a
/// program killed by SIGPIPE would (without unsafe code to restore SIGPIPE's default action).
fn quiet_on_closed_stdout() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if message.starts_with("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(141);
        }
        default(info);
    }));
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    /// Every subcommand, option and positional says what it is for, and has its examples.
    #[test]
    fn every_argument_has_help() {
        fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for arg in cmd.get_arguments() {
                if arg.get_help().is_none_or(|h| h.to_string().trim().is_empty()) && !arg.is_hide_set() {
                    missing.push(format!("{path} {}", arg.get_id()));
                }
            }
            for sub in cmd.get_subcommands() {
                if sub.get_about().is_none() {
                    missing.push(format!("{path} {} (no about)", sub.get_name()));
                }
                walk(sub, &format!("{path} {}", sub.get_name()), missing);
            }
        }
        let cli = Cli::command();
        cli.clone().debug_assert();
        let mut missing = Vec::new();
        walk(&cli, "iotvet", &mut missing);
        missing.retain(|m| !m.ends_with(" help") && !m.ends_with(" version"));
        assert!(missing.is_empty(), "without help: {missing:#?}");
        for name in ["assess", "scan", "tls", "report", "diff", "demo"] {
            let sub = cli.find_subcommand(name).unwrap();
            assert!(sub.get_after_help().is_some_and(|h| h.to_string().contains("Examples:")), "{name}");
        }
    }

    #[test]
    fn each_docs_subcommand_lists_only_its_own_options() {
        let cli = Cli::command();
        let docs = cli.find_subcommand("docs").unwrap();
        let ids = |name: &str| -> Vec<String> {
            docs.find_subcommand(name).unwrap().get_arguments().map(|a| a.get_id().to_string()).collect()
        };
        let (sectxt, policy) = (ids("security-txt"), ids("policy"));
        assert!(sectxt.contains(&"security_txt_key".into()) && !sectxt.contains(&"min_reading_ease".into()));
        assert!(policy.contains(&"min_reading_ease".into()) && !policy.contains(&"security_txt_key".into()));
        // One name for the connect timeout everywhere, and -p on tls as elsewhere.
        for name in ["assess", "scan", "tls", "demo"] {
            let sub = cli.find_subcommand(name).unwrap();
            assert!(sub.get_arguments().any(|a| a.get_long() == Some("connect-timeout")), "{name}");
            assert!(sub.get_arguments().any(|a| a.get_short() == Some('p')), "{name}");
        }
    }
}
