//! Credential testing: for every service that asks for a login, try the credential list with a
//! protocol-correct client, politely. Per service: a few connections at once, a rate limit, a cap
//! on attempts, a stop at the first success (unless all are asked for), and lockout detection
//! (refusals, "locked"/"too many" replies, HTTP 429/503, FTP 421) with back-off. Every read has a
//! deadline and a byte cap; what cannot be decided is recorded as inconclusive, never as found.
//!
//! Every service first gets a **control**: a random username and password no device ships. A
//! control that is let in means the service lets anyone in (`Open`), not that a listed
//! credential works; a control's answer is also the baseline a listed credential must differ
//! from, so a server that answers every request alike (a 404, a 302, a 200 "Login failed") is
//! never reported as accepting a credential. hydra is fooled by some of these.
//!
//! Success is decided per protocol: telnet — a shell prompt after the password (and no
//! "incorrect"/"login:" again); FTP — 230; HTTP Basic/Digest — a 2xx or 3xx that differs from
//! the control's answer (a 401/403/407 refuses; a 404 or 400 is no success); HTTP forms — a
//! redirect away from the login page or a session cookie, with the password field gone from the
//! answer and the answer unlike the control's; RTSP — 200 to DESCRIBE; MQTT — CONNACK 0; IMAP,
//! POP3 and SMTP AUTH — their protocol's success reply (`mail.rs`). After a run of undecided
//! attempts in a row (a server gone silent after `Password:`) the service is given up as
//! untested rather than waited on for the whole list.
//!
//! Servers slow their answers to logins on purpose (dovecot's `auth_failure_delay` and its
//! per-address penalty of up to 15 s after failures, `login(1)`'s delay after a bad password).
//! An answer to a credential that misses the deadline while the server had answered everything
//! before it (`Attempt::Stalled`) turns the service's testing patient: that credential is tried
//! again, and every later answer waited for, with [`PATIENT`] times the deadline (8 s → 32 s,
//! hydra's default wait). Without it a tarpit would turn a default password into "untested".

mod adb;
mod ftp;
mod http;
mod mail;
mod mqtt;
mod rtsp;
mod ssh;
mod telnet;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::creds::Credential;
use crate::identify::{connect, read_bounded, BoxStream};
use crate::ProbeOptions;
use iotvet_core::case::{CollectorStep, NetworkSection, Protocol, ServiceObservation, StepKind};
use iotvet_core::logins::{mask, AcceptedCredential, LoginOutcome, LoginSection, LoginTest};

#[derive(Debug, Clone)]
pub struct LoginOptions {
    /// Connections at once per service (hydra's -t).
    pub concurrency: usize,
    /// At most this many attempts per second per service.
    pub attempts_per_second: f64,
    /// Never more than this many attempts per service.
    pub max_attempts: usize,
    /// Go on after the first accepted credential.
    pub find_all: bool,
    /// Deadline of one attempt (connect, prompts, answer).
    pub attempt_timeout: Duration,
    /// Keep accepted passwords in clear in the case file.
    pub show_secrets: bool,
    /// SNMP community strings to try, and on which UDP ports (none: no SNMP test).
    pub snmp_communities: Vec<String>,
    pub snmp_ports: Vec<u16>,
    /// How long SNMP answers are waited for after the last request.
    pub snmp_wait: Duration,
}

impl Default for LoginOptions {
    fn default() -> Self {
        Self {
            concurrency: 4,
            attempts_per_second: 50.0,
            max_attempts: 200,
            find_all: false,
            attempt_timeout: Duration::from_secs(8),
            show_secrets: false,
            snmp_communities: vec![],
            snmp_ports: vec![161],
            snmp_wait: Duration::from_secs(1),
        }
    }
}

/// The result of one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Attempt {
    Accepted(String),
    /// Accepted, and a new password demanded at once (expired-password prompt, set-password page).
    ChangeForced(String),
    Rejected,
    /// Access without any credential.
    Open(String),
    Lockout(String),
    /// The server answered up to the credential, then not within the deadline: slow on purpose,
    /// perhaps. Retried once with patience; counted as undecided after that.
    Stalled(String),
    Inconclusive(String),
}

/// How many times the deadline the answer to a credential is waited for once a service has
/// stalled an answer.
const PATIENT: u32 = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Method {
    Telnet,
    Ftp,
    HttpBasic,
    HttpDigest,
    HttpForm,
    Rtsp,
    Mqtt,
    Ssh,
    Adb,
    Imap,
    Pop3,
    Smtp,
}

/// A page title that names a sign-in page.
fn looks_like_sign_in(title: &str) -> bool {
    let t = title.to_ascii_lowercase();
    ["login", "log in", "sign in", "signin", "sign-in", "anmelden", "connexion"].iter().any(|w| t.contains(w))
}

/// Undecided attempts in a row after which a service is given up as untested.
const UNDECIDED_STREAK: u32 = 5;

/// A future a tester returns (boxed: testers are chosen at run time, one per service).
type Pending<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

/// What settles a service before any credential: the outcome, why, and the attempts it took.
type Precheck = (LoginOutcome, String, u32);

/// "Open to anyone", as a precheck says it.
fn open(why: &str) -> Precheck {
    (LoginOutcome::Open, why.to_owned(), 1)
}

/// One protocol's credential tester; each lives in a module of its own.
trait Tester: Sync {
    /// Settles the service before any credential where the protocol can: it lets anyone in
    /// (open), or no password can ever log in (SSH with public keys only, ADB asking for its key).
    fn precheck<'a>(&'a self, _ctx: &'a Ctx) -> Pending<'a, Option<Precheck>> {
        Box::pin(async { None })
    }

    /// Tries one credential.
    fn attempt<'a>(&'a self, ctx: &'a Ctx, cred: &'a Credential) -> Pending<'a, Attempt>;

    /// A control credential let in says nothing either way (a form that answers anything
    /// alike), rather than that anyone is let in.
    fn control_accepted_is_undecided(&self) -> bool {
        false
    }
}

impl Method {
    /// The tester of this method: the one place a method is matched to its protocol's code.
    fn tester(self) -> &'static dyn Tester {
        match self {
            Self::Telnet => &telnet::Telnet,
            Self::Ftp => &ftp::Ftp,
            Self::HttpBasic | Self::HttpDigest => &http::HttpAuth,
            Self::HttpForm => &http::HttpForm,
            Self::Rtsp => &rtsp::Rtsp,
            Self::Mqtt => &mqtt::Mqtt,
            Self::Ssh => &ssh::Ssh,
            Self::Adb => &adb::Adb,
            Self::Imap | Self::Pop3 | Self::Smtp => &mail::Mail,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Telnet => "telnet-login",
            Self::Ftp => "ftp",
            Self::HttpBasic => "http-basic",
            Self::HttpDigest => "http-digest",
            Self::HttpForm => "http-form",
            Self::Rtsp => "rtsp-describe",
            Self::Mqtt => "mqtt-connect",
            Self::Ssh => "ssh-password",
            Self::Adb => "adb-connect",
            Self::Imap => "imap-login",
            Self::Pop3 => "pop3-user-pass",
            Self::Smtp => "smtp-auth",
        }
    }
}

/// Which tester fits a service, from what identification saw. None: not a login service.
fn method_for(s: &ServiceObservation) -> Option<Result<Method, &'static str>> {
    let auth = s.response.as_ref().and_then(|r| r.www_authenticate.as_deref()).map(str::to_ascii_lowercase);
    match s.protocol {
        Protocol::Telnet => Some(Ok(Method::Telnet)),
        Protocol::Ftp => Some(Ok(Method::Ftp)),
        Protocol::Rtsp => Some(Ok(Method::Rtsp)),
        Protocol::Mqtt => Some(Ok(Method::Mqtt)),
        Protocol::Ssh => Some(Ok(Method::Ssh)),
        Protocol::Adb => Some(Ok(Method::Adb)),
        Protocol::Imap => Some(Ok(Method::Imap)),
        Protocol::Pop3 => Some(Ok(Method::Pop3)),
        Protocol::Smtp => Some(Ok(Method::Smtp)),
        Protocol::Http => match (auth, s.response.as_ref().is_some_and(|r| r.login_form)) {
            (Some(a), _) if a.starts_with("digest") => Some(Ok(Method::HttpDigest)),
            (Some(a), _) if a.starts_with("basic") => Some(Ok(Method::HttpBasic)),
            (_, true) => Some(Ok(Method::HttpForm)),
            // A sign-in page with no form in its HTML: the form is built by a script, which
            // iotvet does not run. A login service all the same: untested, so MS-3 is unknown.
            _ if s.response.as_ref().and_then(|r| r.title.as_deref()).is_some_and(looks_like_sign_in) => Some(Err(
                "the page is titled as a sign-in page but has no form in its HTML (a login built by JavaScript); iotvet does not run scripts",
            )),
            _ => None,
        },
        _ => None,
    }
}

/// Tests every login service of the network section, services concurrently.
pub async fn test_logins(
    net: &NetworkSection,
    address: std::net::IpAddr,
    host: &str,
    creds: &[Credential],
    set_name: &str,
    options: &LoginOptions,
) -> LoginSection {
    let started_at = crate::now_rfc3339();
    let creds: Arc<[Credential]> = creds.into();
    let mut tasks = tokio::task::JoinSet::new();
    let mut spawned = std::collections::HashMap::new();
    for s in &net.services {
        let Some(method) = method_for(s) else { continue };
        let endpoint = s.endpoint.clone();
        let (s, creds, options, host) = (s.clone(), creds.clone(), options.clone(), host.to_owned());
        let handle = tasks.spawn(async move { test_service(&s, method, &host, &creds, &options).await });
        spawned.insert(handle.id(), endpoint);
    }
    let mut snmp = tokio::task::JoinSet::new();
    if !options.snmp_communities.is_empty() {
        // The ports asked for, and every port where UDP probing found an SNMP agent.
        let mut ports = options.snmp_ports.clone();
        ports.extend(net.udp_services.iter().filter(|u| u.protocol == "snmp").map(|u| u.endpoint.port));
        ports.sort_unstable();
        ports.dedup();
        for port in ports {
            let (list, o) = (options.snmp_communities.clone(), options.clone());
            let wait = o.snmp_wait;
            snmp.spawn(async move {
                crate::snmp::test_communities(
                    SocketAddr::new(address, port),
                    &list,
                    o.attempts_per_second,
                    wait,
                    o.show_secrets,
                )
                .await
            });
        }
    }
    let mut tests = Vec::new();
    let mut steps = Vec::new();
    while let Some(done) = tasks.join_next_with_id().await {
        match done {
            Ok((_, t)) => tests.push(t),
            Err(e) => steps.push(CollectorStep::error(
                StepKind::LoginTest,
                spawned.get(&e.id()).cloned(),
                crate::task_failure(&e),
            )),
        }
    }
    while let Some(done) = snmp.join_next().await {
        match done {
            Ok(Some(t)) => tests.push(t),
            Ok(None) => {}
            Err(e) => steps.push(CollectorStep::error(
                StepKind::LoginTest,
                None,
                format!("SNMP: {}", crate::task_failure(&e)),
            )),
        }
    }
    tests.sort_by_key(|t| t.endpoint.port);
    LoginSection {
        provenance: iotvet_core::case::Provenance {
            collector: "iotvet-net/credentials".into(),
            tool_version: iotvet_core::TOOL_VERSION.into(),
            started_at,
            finished_at: crate::now_rfc3339(),
        },
        credential_set: set_name.to_owned(),
        credentials_in_list: creds.len() as u32,
        secrets_shown: options.show_secrets,
        tests,
        steps,
    }
}

async fn test_service(
    s: &ServiceObservation,
    method: Result<Method, &'static str>,
    host: &str,
    creds: &Arc<[Credential]>,
    options: &LoginOptions,
) -> LoginTest {
    let started = Instant::now();
    let mut test = LoginTest {
        endpoint: s.endpoint.clone(),
        service: s.service_name(),
        method: String::new(),
        outcome: LoginOutcome::NotTested,
        attempts: 0,
        accepted: vec![],
        detail: String::new(),
        lockout: None,
        duration_ms: 0,
    };
    let method = match method {
        Ok(m) => m,
        Err(why) => {
            test.method = "none".into();
            test.detail = why.into();
            return test;
        }
    };
    test.method = method.name().into();
    // Never another address than the one probed: an address that does not parse is not tested.
    let Ok(ip) = s.endpoint.address.parse::<std::net::IpAddr>() else {
        test.outcome = LoginOutcome::Inconclusive;
        test.detail = format!("'{}' is not an IP address; nothing was tried", s.endpoint.address);
        return test;
    };
    let addr = SocketAddr::new(ip, s.endpoint.port);
    let starttls = s.starttls().and(crate::starttls::StartTls::for_protocol(s.protocol));
    let ctx = Arc::new(Ctx {
        addr,
        tls: s.tls.is_some() && starttls.is_none(),
        starttls,
        baseline: std::sync::OnceLock::new(),
        host: host.to_owned(),
        method,
        probe: ProbeOptions {
            connect_timeout: options.attempt_timeout,
            read_timeout: options.attempt_timeout,
            host: host.to_owned(),
            ..ProbeOptions::default()
        },
        timeout: options.attempt_timeout,
        patient: AtomicBool::new(false),
    });

    // Settled before any credential? (open to anyone, or no password can ever log in)
    let tester = method.tester();
    if let Some((outcome, detail, attempts)) = tester.precheck(&ctx).await {
        test.outcome = outcome;
        test.detail = detail;
        test.attempts = attempts;
        test.duration_ms = started.elapsed().as_millis() as u64;
        return test;
    }
    // The control: a credential no device ships. Let in → anyone is let in; its answer is the
    // baseline every listed credential must differ from.
    let control = Credential::control();
    match tester.attempt(&ctx, &control).await {
        Attempt::Accepted(why) | Attempt::ChangeForced(why) | Attempt::Open(why) => {
            test.attempts = 1;
            test.duration_ms = started.elapsed().as_millis() as u64;
            if tester.control_accepted_is_undecided() {
                // A form that answers a random pair as a good one cannot be told apart.
                test.outcome = LoginOutcome::Inconclusive;
                test.detail = format!(
                    "the login form answers a random username and password as it would a good one ({why}): iotvet cannot tell a good credential from a bad one here"
                );
            } else {
                test.outcome = LoginOutcome::Open;
                test.detail = format!("accepts any credential: a random username and password was let in ({why})");
            }
            return test;
        }
        Attempt::Lockout(why) => {
            test.attempts = 1;
            test.outcome = LoginOutcome::Inconclusive;
            test.detail = "the first attempt (a random control credential) already met a lockout".into();
            test.lockout = Some(format!("{why}; stopped before trying the list"));
            test.duration_ms = started.elapsed().as_millis() as u64;
            return test;
        }
        Attempt::Rejected | Attempt::Inconclusive(_) => {}
        Attempt::Stalled(_) => ctx.be_patient(),
    }
    let list: Vec<Credential> = creds.iter().take(options.max_attempts).cloned().collect();
    let cursor = Arc::new(AtomicU32::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let undecided = Arc::new(AtomicU32::new(0));
    let gave_up = Arc::new(AtomicBool::new(false));
    let results = Arc::new(Mutex::new(Vec::<(Credential, Attempt)>::new()));
    let pacer = Arc::new(Mutex::new(Instant::now()));
    let interval = Duration::from_secs_f64(1.0 / options.attempts_per_second.max(0.1));
    let list = Arc::new(list);
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..options.concurrency.max(1) {
        let (ctx, list, cursor, stop, results, pacer) =
            (ctx.clone(), list.clone(), cursor.clone(), stop.clone(), results.clone(), pacer.clone());
        let (undecided, gave_up) = (undecided.clone(), gave_up.clone());
        let find_all = options.find_all;
        workers.spawn(async move {
            let tester = ctx.method.tester();
            let mut backoffs = 0u32;
            while !stop.load(Ordering::Relaxed) {
                let i = cursor.fetch_add(1, Ordering::Relaxed) as usize;
                let Some(cred) = list.get(i) else { break };
                // Rate limit: each attempt takes the next slot.
                let wait = {
                    let mut next = pacer.lock().map_err(|_| ()).ok();
                    next.as_mut().map(|n| {
                        let now = Instant::now();
                        let slot = (**n).max(now);
                        **n = slot + interval;
                        slot.saturating_duration_since(now)
                    })
                };
                if let Some(w) = wait {
                    tokio::time::sleep(w).await;
                }
                let was_patient = ctx.is_patient();
                let mut outcome = tester.attempt(&ctx, cred).await;
                // A stalled answer: the same credential again, waited for with patience.
                if matches!(outcome, Attempt::Stalled(_)) && !was_patient {
                    ctx.be_patient();
                    outcome = tester.attempt(&ctx, cred).await;
                }
                // A lockout: back off and retry the same credential, up to three times.
                while matches!(outcome, Attempt::Lockout(_)) && backoffs < 3 && !stop.load(Ordering::Relaxed) {
                    backoffs += 1;
                    tokio::time::sleep(Duration::from_millis(500 << backoffs)).await;
                    outcome = tester.attempt(&ctx, cred).await;
                }
                // A server that leaves attempt after attempt undecided is not worth the whole list.
                let streak = match &outcome {
                    Attempt::Inconclusive(_) | Attempt::Stalled(_) => undecided.fetch_add(1, Ordering::Relaxed) + 1,
                    _ => {
                        undecided.store(0, Ordering::Relaxed);
                        0
                    }
                };
                if streak >= UNDECIDED_STREAK {
                    gave_up.store(true, Ordering::Relaxed);
                }
                let done = match &outcome {
                    Attempt::Accepted(_) | Attempt::ChangeForced(_) => !find_all,
                    Attempt::Lockout(_) => true,
                    _ => streak >= UNDECIDED_STREAK,
                };
                if let Ok(mut r) = results.lock() {
                    r.push((cred.clone(), outcome));
                }
                if done {
                    stop.store(true, Ordering::Relaxed);
                }
            }
        });
    }
    let mut lost = 0;
    while let Some(done) = workers.join_next().await {
        lost += u32::from(done.is_err());
    }
    let results = results.lock().map(|r| r.clone()).unwrap_or_default();
    test.attempts = results.len() as u32 + 1;
    for (cred, outcome) in &results {
        let (evidence, change_forced) = match outcome {
            Attempt::Accepted(e) => (e, false),
            Attempt::ChangeForced(e) => (e, true),
            _ => continue,
        };
        test.accepted.push(AcceptedCredential {
            change_forced,
            username: cred.username.clone(),
            password: if options.show_secrets { cred.password.clone() } else { mask(&cred.password) },
            list_entry: cred.entry.clone(),
            evidence: evidence.clone(),
        });
    }
    let lockout = results.iter().find_map(|(_, o)| if let Attempt::Lockout(w) = o { Some(w.clone()) } else { None });
    let inconclusive: Vec<&str> = results
        .iter()
        .filter_map(|(_, o)| match o {
            Attempt::Inconclusive(w) | Attempt::Stalled(w) => Some(w.as_str()),
            _ => None,
        })
        .collect();
    let rejected = results.iter().filter(|(_, o)| *o == Attempt::Rejected).count();
    test.lockout = lockout.clone().map(|w| format!("{w}; backed off and stopped"));
    (test.outcome, test.detail) = if !test.accepted.is_empty() {
        (
            LoginOutcome::Accepted,
            format!("{} of {} credentials tried were accepted", test.accepted.len(), test.attempts),
        )
    } else if gave_up.load(Ordering::Relaxed) {
        let why = inconclusive.last().copied().unwrap_or("no answer");
        (
            LoginOutcome::Inconclusive,
            format!(
                "untested: stopped after {UNDECIDED_STREAK} undecided attempts in a row (last: {why}); {rejected} refused of {} tried",
                test.attempts
            ),
        )
    } else if lost > 0 {
        (
            LoginOutcome::Inconclusive,
            format!("{lost} tester task(s) died; {rejected} refused of {} tried", test.attempts),
        )
    } else if lockout.is_some() || !inconclusive.is_empty() {
        let why = inconclusive.first().copied().unwrap_or("lockout");
        (
            LoginOutcome::Inconclusive,
            format!("{rejected} refused, {} undecided (e.g. {why}) of {} tried", inconclusive.len(), test.attempts),
        )
    } else if results.is_empty() {
        (LoginOutcome::Inconclusive, "no credential was tried".into())
    } else {
        (
            LoginOutcome::Rejected,
            format!("all {} credentials tried were refused (and a random control credential too)", test.attempts),
        )
    };
    test.duration_ms = started.elapsed().as_millis() as u64;
    tracing::info!(endpoint = %test.endpoint, method = %test.method, outcome = test.outcome.as_str(), attempts = test.attempts, ms = test.duration_ms, "credential test done");
    test
}

struct Ctx {
    addr: SocketAddr,
    tls: bool,
    /// The in-band upgrade done before every login (mail services that offer it).
    starttls: Option<crate::starttls::StartTls>,
    /// The control credential's answer (status, Location), set by the first HTTP attempt.
    baseline: std::sync::OnceLock<(u16, String)>,
    host: String,
    method: Method,
    probe: ProbeOptions,
    timeout: Duration,
    /// Set once the service stalled an answer: answers to credentials get `PATIENT` × `timeout`.
    patient: AtomicBool,
}

const CAP: usize = 64 * 1024;
const IDLE: Duration = Duration::from_millis(400);

impl Ctx {
    async fn stream(&self) -> Result<BoxStream, Attempt> {
        let stream = match self.starttls {
            Some(st) => crate::identify::connect_starttls(self.addr, st, &self.host, &self.probe).await,
            None => connect(self.addr, self.tls, &self.host, &self.probe).await,
        };
        stream.map_err(|e| match e.kind() {
            std::io::ErrorKind::ConnectionRefused | std::io::ErrorKind::ConnectionReset => {
                Attempt::Lockout(format!("connection refused during testing ({e})"))
            }
            _ => Attempt::Inconclusive(format!("could not connect: {e}")),
        })
    }

    fn be_patient(&self) {
        if !self.patient.swap(true, Ordering::Relaxed) {
            tracing::info!(endpoint = %self.addr, "a login answer stalled: waiting longer from now on");
        }
    }

    fn is_patient(&self) -> bool {
        self.patient.load(Ordering::Relaxed)
    }

    /// The deadline of the answer to a credential (longer once the service has stalled one).
    fn answer_timeout(&self) -> Duration {
        if self.is_patient() {
            self.timeout * PATIENT
        } else {
            self.timeout
        }
    }

    async fn read(&self, s: &mut BoxStream, done: impl Fn(&[u8]) -> bool) -> Vec<u8> {
        read_bounded(s, CAP, self.timeout, IDLE, done).await
    }
}

/// Words a device uses when it lets a default in only to have it changed.
fn demands_new_password(text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    [
        "password has expired",
        "password expired",
        "must change your password",
        "you are required to change your password",
        "password change required",
        "change your password",
        "new password",
        "set a password",
        "set your password",
        "choose a password",
    ]
    .iter()
    .any(|w| t.contains(w))
}

fn tail(text: &str) -> String {
    let t = text.trim();
    let start = t.char_indices().rev().nth(59).map(|(i, _)| i).unwrap_or(0);
    t[start..].replace(['\r', '\n'], " ")
}

#[cfg(test)]
mod tests {
    use super::http::{digest_authorization, encode_form, form_path};
    use super::*;

    fn cred(u: &str, p: &str) -> Credential {
        Credential { username: u.into(), password: p.into(), entry: "test".into() }
    }

    #[test]
    fn a_sign_in_page_without_a_form_is_a_login_left_untested() {
        let mut s = ServiceObservation::new(
            iotvet_core::case::Endpoint {
                address: "192.0.2.7".into(),
                port: 80,
                transport: iotvet_core::case::Transport::Tcp,
            },
            Protocol::Http,
            "test",
        );
        let page = |title: &str| iotvet_core::case::ResponseHead {
            status_line: "HTTP/1.1 200 OK".into(),
            status: 200,
            server: None,
            location: None,
            www_authenticate: None,
            strict_transport_security: None,
            content_type: None,
            title: Some(title.into()),
            login_form: false,
        };
        s.response = Some(page("Camera - Sign in"));
        assert!(matches!(method_for(&s), Some(Err(why)) if why.contains("JavaScript")));
        s.response = Some(page("Live view"));
        assert!(method_for(&s).is_none(), "a page without a login is not a login service");
    }

    #[test]
    fn digest_matches_rfc_2617_example() {
        // RFC 2617 §3.5: Mufasa / Circle Of Life.
        let challenge = r#"Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41""#;
        let params = iotvet_wire::form::challenge_params(challenge);
        assert_eq!(params[0], ("realm".into(), "testrealm@host.com".into()));
        let h = digest_authorization(challenge, "GET", "/dir/index.html", &cred("Mufasa", "Circle Of Life")).unwrap();
        // With cnonce 0a4f113b and nc 00000001, as in the RFC's example.
        assert!(h.contains(r#"response="6629fae49393a05397450978507c4ef1""#), "{h}");
        assert!(h.contains(r#"opaque="5ccc069c403ebaf9f0171e9517f40e41""#));
    }

    #[test]
    fn login_forms_are_found_with_their_fields() {
        let f = iotvet_wire::form::login_form(
            r#"<html><form method="post" action="login"><input type="hidden" name="csrf" value="t0k"><input name="user"><input type="password" name="pw"></form>"#,
        )
        .unwrap();
        assert_eq!(form_path(&f.action), "/login");
        assert_eq!(form_path("http://cam/cgi/login?x=1#top"), "/cgi/login?x=1");
        assert_eq!(form_path(""), "/");
        assert_eq!(f.user_field.as_deref(), Some("user"));
        assert_eq!(f.password_field, "pw");
        assert_eq!(encode_form(&f, &cred("ad min", "p&w")), "csrf=t0k&user=ad+min&pw=p%26w");
    }
}
