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

mod mail;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use iotvet_core::case::{CollectorStep, NetworkSection, Protocol, ServiceObservation, StepKind};
use iotvet_core::logins::{mask, AcceptedCredential, LoginOutcome, LoginSection, LoginTest};
use tokio::io::AsyncWriteExt;

use crate::bytes::find_ci;
use crate::creds::Credential;
use crate::identify::{connect, header, read_bounded, response_complete, BoxStream};
use crate::ProbeOptions;

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
    Inconclusive(String),
}

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

impl Method {
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
    let failed = |e: &tokio::task::JoinError| if e.is_panic() { "the task panicked" } else { "the task was cancelled" };
    while let Some(done) = tasks.join_next_with_id().await {
        match done {
            Ok((_, t)) => tests.push(t),
            Err(e) => steps.push(CollectorStep::error(StepKind::LoginTest, spawned.get(&e.id()).cloned(), failed(&e))),
        }
    }
    while let Some(done) = snmp.join_next().await {
        match done {
            Ok(Some(t)) => tests.push(t),
            Ok(None) => {}
            Err(e) => steps.push(CollectorStep::error(StepKind::LoginTest, None, format!("SNMP: {}", failed(&e)))),
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
    });

    // Settled before any credential? (open to anyone, or no password can ever log in)
    if let Some((outcome, detail, attempts)) = ctx.before_credentials().await {
        test.outcome = outcome;
        test.detail = detail;
        test.attempts = attempts;
        test.duration_ms = started.elapsed().as_millis() as u64;
        return test;
    }
    // The control: a credential no device ships. Let in → anyone is let in; its answer is the
    // baseline every listed credential must differ from.
    let control = Credential::control();
    match ctx.attempt(&control).await {
        Attempt::Accepted(why) | Attempt::ChangeForced(why) | Attempt::Open(why) => {
            test.attempts = 1;
            test.duration_ms = started.elapsed().as_millis() as u64;
            if method == Method::HttpForm {
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
                let mut outcome = ctx.attempt(cred).await;
                // A lockout: back off and retry the same credential, up to three times.
                while matches!(outcome, Attempt::Lockout(_)) && backoffs < 3 && !stop.load(Ordering::Relaxed) {
                    backoffs += 1;
                    tokio::time::sleep(Duration::from_millis(500 << backoffs)).await;
                    outcome = ctx.attempt(cred).await;
                }
                // A server that leaves attempt after attempt undecided is not worth the whole list.
                let streak = match &outcome {
                    Attempt::Inconclusive(_) => undecided.fetch_add(1, Ordering::Relaxed) + 1,
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
        {
            test.accepted.push(AcceptedCredential {
                change_forced,
                username: cred.username.clone(),
                password: if options.show_secrets { cred.password.clone() } else { mask(&cred.password) },
                list_entry: cred.entry.clone(),
                evidence: evidence.clone(),
            });
        }
    }
    let lockout = results.iter().find_map(|(_, o)| if let Attempt::Lockout(w) = o { Some(w.clone()) } else { None });
    let inconclusive: Vec<&str> = results
        .iter()
        .filter_map(|(_, o)| if let Attempt::Inconclusive(w) = o { Some(w.as_str()) } else { None })
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

    async fn read(&self, s: &mut BoxStream, done: impl Fn(&[u8]) -> bool) -> Vec<u8> {
        read_bounded(s, CAP, self.timeout, IDLE, done).await
    }

    /// Settles the test before any credential is tried, where the protocol can: the service lets
    /// anyone in (open), or no password can ever log in (SSH taking public keys only, ADB asking
    /// for its RSA key). Returns the outcome, why, and the attempts it took.
    async fn before_credentials(&self) -> Option<(LoginOutcome, String, u32)> {
        let open = |why: &str| Some((LoginOutcome::Open, why.to_owned(), 1));
        match self.method {
            // SSH says with method "none" which methods it takes (RFC 4252 §5.2).
            Method::Ssh => match ssh_methods(self).await {
                Ok(SshAnswer::Open) => open("SSH login accepted with no credential at all (method none)"),
                Ok(SshAnswer::Methods(m)) if !m.iter().any(|m| m == "password" || m == "keyboard-interactive") => {
                    Some((
                        LoginOutcome::Rejected,
                        format!("the server offers only {} authentication: no password can log in", m.join(", ")),
                        0,
                    ))
                }
                Ok(SshAnswer::Methods(_)) => None,
                Err(why) => Some((LoginOutcome::Inconclusive, why, 0)),
            },
            // ADB has no passwords: it lets a host in (CNXN), or asks for its RSA key (AUTH).
            Method::Adb => Some(match self.adb().await {
                Some(true) => (LoginOutcome::Open, "ADB answered CNXN: a shell for anyone who connects".into(), 1),
                Some(false) => {
                    (LoginOutcome::Rejected, "ADB asks for key authentication: no password to try".into(), 1)
                }
                None => (LoginOutcome::Inconclusive, "no ADB answer".into(), 1),
            }),
            Method::Rtsp => {
                let mut s = self.stream().await.ok()?;
                let r = self.rtsp_describe(&mut s, None).await;
                if r.0 == 200 {
                    open("DESCRIBE answered 200 with a stream description, without credentials")
                } else {
                    None
                }
            }
            Method::Mqtt => {
                let mut s = self.stream().await.ok()?;
                s.write_all(&crate::identify::mqtt_connect()).await.ok()?;
                let b = self.read(&mut s, |b| b.len() >= 4).await;
                if b.get(..4) == Some(&[0x20, 0x02, 0, 0][..]) || b.get(..4) == Some(&[0x20, 0x02, 1, 0][..]) {
                    open("the broker accepted a CONNECT without username or password")
                } else {
                    None
                }
            }
            Method::Ftp => match self
                .ftp(&Credential {
                    username: "anonymous".into(),
                    password: "iotvet@example.invalid".into(),
                    entry: String::new(),
                })
                .await
            {
                Attempt::Accepted(_) => open("anonymous FTP login accepted"),
                _ => None,
            },
            Method::Smtp => match self.smtp_offers_auth().await {
                Some(false) => Some((
                    LoginOutcome::Rejected,
                    "the server offers no AUTH PLAIN or LOGIN: no password can log in".into(),
                    0,
                )),
                _ => None,
            },
            Method::Telnet => {
                let mut s = self.stream().await.ok()?;
                let text = telnet_text(&self.read(&mut s, |b| prompt_kind(&telnet_text(b)).is_some()).await);
                if prompt_kind(&text) == Some(Prompt::Shell) {
                    open(&format!("a shell prompt without any login: {}", tail(&text)))
                } else {
                    None
                }
            }
            _ => None,
        }
    }

    /// Some(true) when the device accepts an ADB connection without authentication.
    async fn adb(&self) -> Option<bool> {
        let mut s = self.stream().await.ok()?;
        s.write_all(&crate::identify::adb_connect()).await.ok()?;
        let b = self.read(&mut s, |b| b.len() >= 24).await;
        match crate::identify::adb_command(&b).as_ref() {
            Some(b"CNXN") => Some(true),
            Some(b"AUTH") | Some(b"STLS") => Some(false),
            _ => None,
        }
    }

    async fn attempt(&self, cred: &Credential) -> Attempt {
        match self.method {
            Method::Telnet => self.telnet(cred).await,
            Method::Ftp => self.ftp(cred).await,
            Method::HttpBasic | Method::HttpDigest => self.http_auth(cred).await,
            Method::HttpForm => self.http_form(cred).await,
            Method::Rtsp => self.rtsp(cred).await,
            Method::Mqtt => self.mqtt(cred).await,
            Method::Ssh => ssh_password(self, cred).await,
            Method::Adb => Attempt::Inconclusive("ADB has no passwords".into()),
            Method::Imap | Method::Pop3 | Method::Smtp => self.mail(cred).await,
        }
    }

    async fn telnet(&self, cred: &Credential) -> Attempt {
        let mut s = match self.stream().await {
            Ok(s) => s,
            Err(a) => return a,
        };
        let until_prompt = |b: &[u8]| prompt_kind(&telnet_text(b)).is_some();
        let first = telnet_text(&self.read(&mut s, until_prompt).await);
        match prompt_kind(&first) {
            Some(Prompt::Login) => {}
            Some(Prompt::Password) => return self.telnet_password(&mut s, cred, false).await,
            Some(Prompt::Shell) => return Attempt::Open(format!("shell prompt without login: {}", tail(&first))),
            Some(Prompt::Failure) | None => {
                return Attempt::Inconclusive(format!("no login prompt (got {:?})", tail(&first)))
            }
        }
        if s.write_all(format!("{}\r\n", cred.username).as_bytes()).await.is_err() {
            return Attempt::Inconclusive("connection dropped after the login prompt".into());
        }
        let after_user = telnet_text(&self.read(&mut s, until_prompt).await);
        match prompt_kind(&after_user) {
            Some(Prompt::Password) => self.telnet_password(&mut s, cred, true).await,
            Some(Prompt::Shell) => {
                Attempt::Accepted(format!("shell prompt after the username alone: {}", tail(&after_user)))
            }
            Some(Prompt::Failure) => Attempt::Rejected,
            // The login again, with no password asked and no failure said: nothing was tried.
            Some(Prompt::Login) => {
                Attempt::Inconclusive("the login prompt again, without asking for a password".into())
            }
            None => Attempt::Inconclusive("no password prompt after the username".into()),
        }
    }

    async fn telnet_password(&self, s: &mut BoxStream, cred: &Credential, user_sent: bool) -> Attempt {
        if s.write_all(format!("{}\r\n", cred.password).as_bytes()).await.is_err() {
            return Attempt::Inconclusive("connection dropped at the password prompt".into());
        }
        let answer = telnet_text(&self.read(s, |b| prompt_kind(&telnet_text(b)).is_some()).await);
        // "Your password has expired ... New password:": in, but only to set a new one.
        if demands_new_password(&answer) {
            return Attempt::ChangeForced(format!("a new password was demanded at once: {}", tail(&answer)));
        }
        match prompt_kind(&answer) {
            Some(Prompt::Shell) if user_sent || !cred.username.is_empty() => {
                Attempt::Accepted(format!("shell prompt after login: {}", tail(&answer)))
            }
            Some(Prompt::Shell) => Attempt::Accepted(format!("shell prompt after the password: {}", tail(&answer))),
            Some(Prompt::Failure) | Some(Prompt::Login) | Some(Prompt::Password) => {
                if find_ci(answer.as_bytes(), b"locked").is_some() || find_ci(answer.as_bytes(), b"too many").is_some()
                {
                    Attempt::Lockout(format!("the server said: {}", tail(&answer)))
                } else {
                    Attempt::Rejected
                }
            }
            None if answer.is_empty() => Attempt::Inconclusive("no answer to the password".into()),
            None => Attempt::Inconclusive(format!("unrecognised answer to the password: {}", tail(&answer))),
        }
    }

    async fn ftp(&self, cred: &Credential) -> Attempt {
        let mut s = match self.stream().await {
            Ok(s) => s,
            Err(a) => return a,
        };
        let line_done = |b: &[u8]| ftp_reply_complete(b);
        let greeting = self.read(&mut s, line_done).await;
        match ftp_code(&greeting) {
            Some(220) => {}
            Some(421) => return Attempt::Lockout("421 at connect".into()),
            _ => {
                return Attempt::Inconclusive(format!(
                    "no FTP greeting ({})",
                    crate::bytes::escape_excerpt(&greeting, 60)
                ))
            }
        }
        if s.write_all(format!("USER {}\r\n", cred.username).as_bytes()).await.is_err() {
            return Attempt::Inconclusive("connection dropped after USER".into());
        }
        match ftp_code(&self.read(&mut s, line_done).await) {
            Some(230) => return Attempt::Accepted("230 after USER alone".into()),
            Some(331) | Some(332) => {}
            Some(421) => return Attempt::Lockout("421 after USER".into()),
            Some(530) => return Attempt::Rejected,
            other => return Attempt::Inconclusive(format!("unexpected reply to USER: {other:?}")),
        }
        if s.write_all(format!("PASS {}\r\n", cred.password).as_bytes()).await.is_err() {
            return Attempt::Inconclusive("connection dropped after PASS".into());
        }
        let reply = self.read(&mut s, line_done).await;
        let _ = s.write_all(b"QUIT\r\n").await;
        match ftp_code(&reply) {
            Some(230) => Attempt::Accepted(format!("FTP {}", crate::bytes::escape_excerpt(reply.trim_ascii_end(), 80))),
            Some(530) | Some(430) => Attempt::Rejected,
            Some(421) => Attempt::Lockout("421 after PASS".into()),
            other => Attempt::Inconclusive(format!("unexpected reply to PASS: {other:?}")),
        }
    }

    async fn http_exchange(&self, request: String) -> Result<(u16, String, Vec<u8>), Attempt> {
        let mut s = self.stream().await?;
        s.write_all(request.as_bytes())
            .await
            .map_err(|e| Attempt::Inconclusive(format!("sending the request: {e}")))?;
        let b = self.read(&mut s, response_complete).await;
        let end = b.windows(4).position(|w| w == b"\r\n\r\n").map(|p| p + 4).unwrap_or(b.len());
        let head = String::from_utf8_lossy(&b[..end]).into_owned();
        let status = head.split_whitespace().nth(1).and_then(|c| c.parse().ok());
        match status {
            Some(code) => Ok((code, head, b[end..].to_vec())),
            None => Err(Attempt::Inconclusive("no HTTP status line in the answer".into())),
        }
    }

    fn http_request(&self, method: &str, path: &str, extra: &str, body: &str) -> String {
        format!(
            "{method} {path} HTTP/1.1\r\nHost: {}:{}\r\nUser-Agent: iotvet/{}\r\nConnection: close\r\n{extra}Content-Length: {}\r\n\r\n{body}",
            self.host,
            self.addr.port(),
            iotvet_core::TOOL_VERSION,
            body.len()
        )
    }

    async fn http_auth(&self, cred: &Credential) -> Attempt {
        let authorization = if self.method == Method::HttpDigest {
            let (_, head, _) = match self.http_exchange(self.http_request("GET", "/", "", "")).await {
                Ok(r) => r,
                Err(a) => return a,
            };
            let Some(challenge) = header(&head, "www-authenticate") else {
                return Attempt::Inconclusive("no Digest challenge".into());
            };
            match digest_authorization(challenge, "GET", "/", cred) {
                Some(a) => a,
                None => return Attempt::Inconclusive(format!("unsupported Digest challenge: {challenge}")),
            }
        } else {
            basic_authorization(cred)
        };
        let (code, head) = match self
            .http_exchange(self.http_request("GET", "/", &format!("Authorization: {authorization}\r\n"), ""))
            .await
        {
            Err(a) => return a,
            Ok((code, head, _)) => (code, head),
        };
        let status_line = head.lines().next().unwrap_or_default().to_owned();
        let answer = (code, header(&head, "location").unwrap_or_default().to_owned());
        let baseline = self.baseline.get_or_init(|| answer.clone());
        match code {
            401 | 403 | 407 => Attempt::Rejected,
            429 | 503 => Attempt::Lockout(format!("HTTP {status_line}")),
            200..=399 if cred.is_control() && code < 300 => {
                Attempt::Accepted(format!("HTTP {code} to a random credential ({status_line})"))
            }
            200..=399 if !cred.is_control() && &answer != baseline => Attempt::Accepted(format!(
                "HTTP {code} with credentials ({status_line}), where a random credential got {}",
                baseline.0
            )),
            200..=399 => Attempt::Rejected,
            _ => Attempt::Inconclusive(format!("HTTP {code} with credentials is neither a refusal nor a success")),
        }
    }

    async fn http_form(&self, cred: &Credential) -> Attempt {
        let (_, _, body) = match self.http_exchange(self.http_request("GET", "/", "", "")).await {
            Ok(r) => r,
            Err(a) => return a,
        };
        let Some(form) = LoginForm::find(&String::from_utf8_lossy(&body)) else {
            return Attempt::Inconclusive("the login form is gone".into());
        };
        let body = form.encode(cred);
        let request =
            self.http_request("POST", &form.action, "Content-Type: application/x-www-form-urlencoded\r\n", &body);
        match self.http_exchange(request).await {
            Err(a) => a,
            Ok((429 | 503, head, _)) => Attempt::Lockout(format!("HTTP {}", head.lines().next().unwrap_or_default())),
            Ok((401 | 403, _, _)) => Attempt::Rejected,
            Ok((code, head, body)) => {
                let location = header(&head, "location").unwrap_or_default().to_ascii_lowercase();
                let answer = (code, location.clone());
                let baseline = self.baseline.get_or_init(|| answer.clone());
                if !cred.is_control() && &answer == baseline {
                    return Attempt::Rejected;
                }
                let text = String::from_utf8_lossy(&body).to_ascii_lowercase();
                let form_again = text.contains("type=\"password\"")
                    || text.contains("type=password")
                    || text.contains("type='password'");
                let cookie = header(&head, "set-cookie").is_some();
                let failure =
                    ["invalid", "incorrect", "failed", "wrong", "denied", "error"].iter().any(|w| text.contains(w));
                if (300..400).contains(&code) && !location.contains("login") && !location.is_empty() {
                    let original = header(&head, "location").unwrap_or_default();
                    match self.forced_change_page(original, header(&head, "set-cookie")).await {
                        Some(page) => Attempt::ChangeForced(format!(
                            "HTTP {code} redirect to {location} after the form, where {page}"
                        )),
                        None => Attempt::Accepted(format!("HTTP {code} redirect to {location} after the form")),
                    }
                } else if code == 200 && cookie && !form_again && !failure {
                    Attempt::Accepted("session cookie set and the login form gone".into())
                } else if form_again || failure || location.contains("login") {
                    Attempt::Rejected
                } else {
                    Attempt::Inconclusive(format!("HTTP {code} after the form, neither the form again nor a session"))
                }
            }
        }
    }

    /// Follows a redirect after login (with its session cookie) and says whether the page there
    /// only asks for a new password: the device makes its user replace the default first.
    async fn forced_change_page(&self, location: &str, cookie: Option<&str>) -> Option<String> {
        let path = match location.find("://") {
            Some(i) => location[i + 3..].find('/').map(|p| &location[i + 3 + p..]).unwrap_or("/"),
            None if location.starts_with('/') => location,
            None => return None,
        };
        let cookie = cookie.and_then(|c| c.split(';').next()).map(|c| format!("Cookie: {c}\r\n")).unwrap_or_default();
        let (code, _, body) = self.http_exchange(self.http_request("GET", path, &cookie, "")).await.ok()?;
        let text = String::from_utf8_lossy(&body).to_ascii_lowercase();
        let password_fields = text.matches("type=\"password\"").count() + text.matches("type=password").count();
        (code == 200 && password_fields >= 1 && demands_new_password(&text))
            .then(|| format!("the page asks for a new password ({password_fields} password fields)"))
    }

    async fn rtsp_describe(&self, s: &mut BoxStream, authorization: Option<&str>) -> (u16, String) {
        let auth = authorization.map(|a| format!("Authorization: {a}\r\n")).unwrap_or_default();
        let req = format!(
            "DESCRIBE {} RTSP/1.0\r\nCSeq: 2\r\nAccept: application/sdp\r\nUser-Agent: iotvet/{}\r\n{auth}\r\n",
            self.rtsp_url(),
            iotvet_core::TOOL_VERSION
        );
        if s.write_all(req.as_bytes()).await.is_err() {
            return (0, String::new());
        }
        let b = self.read(s, response_complete).await;
        let head = String::from_utf8_lossy(&b).into_owned();
        (head.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0), head)
    }

    fn rtsp_url(&self) -> String {
        format!("rtsp://{}:{}/", self.host, self.addr.port())
    }

    async fn rtsp(&self, cred: &Credential) -> Attempt {
        let mut s = match self.stream().await {
            Ok(s) => s,
            Err(a) => return a,
        };
        let (code, head) = self.rtsp_describe(&mut s, None).await;
        if code != 401 {
            return Attempt::Inconclusive(format!("DESCRIBE without credentials answered {code}"));
        }
        let Some(challenge) = header(&head, "www-authenticate") else {
            return Attempt::Inconclusive("401 without a challenge".into());
        };
        let scheme = if challenge.to_ascii_lowercase().starts_with("digest") { "Digest" } else { "Basic" };
        let authorization = if scheme == "Digest" {
            match digest_authorization(challenge, "DESCRIBE", &self.rtsp_url(), cred) {
                Some(a) => a,
                None => return Attempt::Inconclusive(format!("unsupported Digest challenge: {challenge}")),
            }
        } else {
            basic_authorization(cred)
        };
        match self.rtsp_describe(&mut s, Some(&authorization)).await {
            (200, head) => Attempt::Accepted(format!(
                "DESCRIBE with {scheme} credentials answered {}",
                head.lines().next().unwrap_or_default()
            )),
            (401 | 403, _) => Attempt::Rejected,
            (0, _) => Attempt::Inconclusive("no answer to the authenticated DESCRIBE".into()),
            (code, _) => Attempt::Inconclusive(format!("DESCRIBE with credentials answered {code}")),
        }
    }

    async fn mqtt(&self, cred: &Credential) -> Attempt {
        let mut s = match self.stream().await {
            Ok(s) => s,
            Err(a) => return a,
        };
        if s.write_all(&mqtt_connect_with(cred)).await.is_err() {
            return Attempt::Inconclusive("connection dropped at CONNECT".into());
        }
        let b = self.read(&mut s, |b| b.len() >= 4).await;
        let _ = s.write_all(&[0xe0, 0x00]).await;
        match b.get(..4) {
            Some([0x20, 0x02, _, 0]) => Attempt::Accepted("CONNACK return code 0".into()),
            Some([0x20, 0x02, _, 4 | 5]) => Attempt::Rejected,
            Some([0x20, 0x02, _, 3]) => Attempt::Lockout("CONNACK 3: server unavailable".into()),
            _ => Attempt::Inconclusive("no CONNACK".into()),
        }
    }
}

/// An SSH client that accepts any host key: iotvet is testing passwords, not the host's key.
struct AnyHostKey;

impl russh::client::Handler for AnyHostKey {
    type Error = russh::Error;

    async fn check_server_key(&mut self, _key: &russh::keys::PublicKey) -> Result<bool, Self::Error> {
        Ok(true)
    }
}

enum SshAnswer {
    Open,
    Methods(Vec<String>),
}

async fn ssh_session(ctx: &Ctx) -> Result<russh::client::Handle<AnyHostKey>, String> {
    let config = std::sync::Arc::new(russh::client::Config {
        inactivity_timeout: Some(ctx.timeout),
        ..russh::client::Config::default()
    });
    match tokio::time::timeout(ctx.timeout, russh::client::connect(config, ctx.addr, AnyHostKey)).await {
        Err(_) => Err("SSH handshake timed out".into()),
        Ok(Err(e)) => Err(format!("SSH handshake failed: {e}")),
        Ok(Ok(h)) => Ok(h),
    }
}

fn method_names(set: &russh::MethodSet) -> Vec<String> {
    set.iter().map(|m| <&str>::from(m).to_owned()).collect()
}

/// Asks with method "none" which methods the server takes (RFC 4252 §5.2).
async fn ssh_methods(ctx: &Ctx) -> Result<SshAnswer, String> {
    let mut h = ssh_session(ctx).await?;
    let answer = tokio::time::timeout(ctx.timeout, h.authenticate_none("root")).await;
    let _ = h.disconnect(russh::Disconnect::ByApplication, "", "en").await;
    match answer {
        Err(_) => Err("no answer to SSH authentication".into()),
        Ok(Err(e)) => Err(format!("SSH authentication failed: {e}")),
        Ok(Ok(russh::client::AuthResult::Success)) => Ok(SshAnswer::Open),
        Ok(Ok(russh::client::AuthResult::Failure { remaining_methods, .. })) => {
            Ok(SshAnswer::Methods(method_names(&remaining_methods)))
        }
    }
}

/// One password attempt, by "password", falling back to "keyboard-interactive".
async fn ssh_password(ctx: &Ctx, cred: &Credential) -> Attempt {
    let mut h = match ssh_session(ctx).await {
        Ok(h) => h,
        Err(e) if e.contains("refused") || e.contains("reset") => return Attempt::Lockout(e),
        Err(e) => return Attempt::Inconclusive(e),
    };
    let result = match tokio::time::timeout(ctx.timeout, h.authenticate_password(&cred.username, &cred.password)).await
    {
        Err(_) => Attempt::Inconclusive("no answer to the password".into()),
        Ok(Err(e)) => Attempt::Inconclusive(format!("SSH error: {e}")),
        Ok(Ok(russh::client::AuthResult::Success)) => Attempt::Accepted("SSH password authentication succeeded".into()),
        Ok(Ok(russh::client::AuthResult::Failure { remaining_methods, .. })) => {
            if remaining_methods.iter().any(|m| matches!(m, russh::MethodKind::KeyboardInteractive)) {
                ssh_keyboard_interactive(ctx, &mut h, cred).await
            } else {
                Attempt::Rejected
            }
        }
    };
    let _ = h.disconnect(russh::Disconnect::ByApplication, "", "en").await;
    result
}

async fn ssh_keyboard_interactive(ctx: &Ctx, h: &mut russh::client::Handle<AnyHostKey>, cred: &Credential) -> Attempt {
    use russh::client::KeyboardInteractiveAuthResponse as R;
    let mut answer =
        tokio::time::timeout(ctx.timeout, h.authenticate_keyboard_interactive_start(&cred.username, None)).await;
    for _ in 0..4 {
        match answer {
            Ok(Ok(R::Success)) => return Attempt::Accepted("SSH keyboard-interactive authentication succeeded".into()),
            Ok(Ok(R::Failure { .. })) => return Attempt::Rejected,
            Ok(Ok(R::InfoRequest { prompts, .. })) => {
                let responses = prompts.iter().map(|_| cred.password.clone()).collect();
                answer =
                    tokio::time::timeout(ctx.timeout, h.authenticate_keyboard_interactive_respond(responses)).await;
            }
            Ok(Err(e)) => return Attempt::Inconclusive(format!("SSH error: {e}")),
            Err(_) => return Attempt::Inconclusive("no answer in keyboard-interactive".into()),
        }
    }
    Attempt::Inconclusive("keyboard-interactive went on asking".into())
}

/// MQTT 3.1.1 CONNECT with username and password.
fn mqtt_connect_with(cred: &Credential) -> Vec<u8> {
    let mut var = vec![0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04, 0xc2, 0x00, 0x1e];
    for field in ["iotvet-login", cred.username.as_str(), cred.password.as_str()] {
        let bytes = &field.as_bytes()[..field.len().min(0xffff)];
        var.extend_from_slice(&(bytes.len() as u16).to_be_bytes());
        var.extend_from_slice(bytes);
    }
    let mut packet = vec![0x10];
    let mut len = var.len();
    loop {
        let mut byte = (len % 128) as u8;
        len /= 128;
        if len > 0 {
            byte |= 0x80;
        }
        packet.push(byte);
        if len == 0 {
            break;
        }
    }
    packet.extend_from_slice(&var);
    packet
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Prompt {
    Login,
    Password,
    Shell,
    Failure,
}

/// Telnet bytes as text: IAC sequences dropped, NULs and other controls but CR/LF removed.
fn telnet_text(b: &[u8]) -> String {
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            0xff => {
                i += match b.get(i + 1) {
                    Some(0xfb..=0xfe) => 3,
                    Some(0xfa) => {
                        b[i..].windows(2).position(|w| w == [0xff, 0xf0]).map(|p| p + 2).unwrap_or(b.len() - i)
                    }
                    _ => 2,
                };
                continue;
            }
            b'\r' | b'\n' | b'\t' | 0x20..=0x7e => out.push(b[i]),
            _ => {}
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// What the last thing the server wrote asks for.
fn prompt_kind(text: &str) -> Option<Prompt> {
    let lower = text.to_ascii_lowercase();
    let last = lower.trim_end_matches([' ', '\t']).lines().last().unwrap_or("").trim_end().to_owned();
    if ["incorrect", "invalid", "failed", "denied", "bad password", "locked", "too many"]
        .iter()
        .any(|w| lower.contains(w))
        && !(last.ends_with('#') || last.ends_with('$'))
    {
        return Some(Prompt::Failure);
    }
    if last.ends_with("password:") || last.ends_with("passwd:") {
        return Some(Prompt::Password);
    }
    if last.ends_with("login:")
        || last.ends_with("username:")
        || last.ends_with("user name:")
        || last.ends_with("user:")
    {
        return Some(Prompt::Login);
    }
    if last.ends_with('#') || last.ends_with('$') || (last.ends_with('>') && !last.contains('<')) {
        return Some(Prompt::Shell);
    }
    None
}

/// Words a device uses when it lets a default in only to have it changed.
fn demands_new_password(text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    [
        "password has expired",
        "password expired",
        "must change your password",
        "you are required to change your password",
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

fn ftp_code(b: &[u8]) -> Option<u16> {
    // The last complete reply line ("NNN text"), past any multi-line continuation.
    let text = String::from_utf8_lossy(b);
    text.lines().rev().find_map(|l| {
        let code = l.get(..3)?.parse().ok()?;
        (l.as_bytes().get(3).is_none_or(|c| *c == b' ')).then_some(code)
    })
}

fn ftp_reply_complete(b: &[u8]) -> bool {
    b.ends_with(b"\n") && ftp_code(b).is_some()
}

/// `Basic <base64(user:password)>` (RFC 7617).
fn basic_authorization(cred: &Credential) -> String {
    use base64::Engine as _;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", cred.username, cred.password))
    )
}

/// The parameters of a Digest challenge (RFC 7616): `realm="x", nonce="y", qop="auth"`.
fn digest_params(challenge: &str) -> Vec<(String, String)> {
    let rest = challenge.trim_start().get(6..).unwrap_or_default();
    let mut out = Vec::new();
    let mut chars = rest.char_indices().peekable();
    let mut key = String::new();
    while let Some((_, c)) = chars.next() {
        match c {
            '=' => {
                let mut value = String::new();
                if chars.peek().map(|(_, c)| *c) == Some('"') {
                    chars.next();
                    for (_, c) in chars.by_ref() {
                        if c == '"' {
                            break;
                        }
                        value.push(c);
                    }
                } else {
                    while let Some((_, c)) = chars.peek() {
                        if *c == ',' {
                            break;
                        }
                        value.push(*c);
                        chars.next();
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

/// The Authorization header answering a Digest challenge (MD5 or SHA-256, qop auth or none).
fn digest_authorization(challenge: &str, method: &str, uri: &str, cred: &Credential) -> Option<String> {
    use md5::Digest as _;
    let params = digest_params(challenge);
    let get = |k: &str| params.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
    let realm = get("realm")?;
    let nonce = get("nonce")?;
    let algorithm = get("algorithm").unwrap_or_else(|| "MD5".into());
    let hash = |s: String| -> Option<String> {
        let bytes: Vec<u8> = match algorithm.to_ascii_uppercase().as_str() {
            "MD5" => md5::Md5::digest(s.as_bytes()).to_vec(),
            "SHA-256" => sha2::Sha256::digest(s.as_bytes()).to_vec(),
            _ => return None,
        };
        Some(bytes.iter().map(|b| format!("{b:02x}")).collect())
    };
    let ha1 = hash(format!("{}:{realm}:{}", cred.username, cred.password))?;
    let ha2 = hash(format!("{method}:{uri}"))?;
    let qop_auth = get("qop").is_some_and(|q| q.split(',').any(|v| v.trim() == "auth"));
    let cnonce = "0a4f113b";
    let nc = "00000001";
    let response = if qop_auth {
        hash(format!("{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}"))?
    } else {
        hash(format!("{ha1}:{nonce}:{ha2}"))?
    };
    let mut header = format!(
        "Digest username=\"{}\", realm=\"{realm}\", nonce=\"{nonce}\", uri=\"{uri}\", algorithm={algorithm}, response=\"{response}\"",
        cred.username
    );
    if qop_auth {
        header.push_str(&format!(", qop=auth, nc={nc}, cnonce=\"{cnonce}\""));
    }
    if let Some(opaque) = get("opaque") {
        header.push_str(&format!(", opaque=\"{opaque}\""));
    }
    Some(header)
}

/// A login form found in a page: where it posts, the user and password field names, and
/// hidden fields to send back.
#[derive(Debug, Clone, PartialEq, Eq)]
struct LoginForm {
    action: String,
    user_field: Option<String>,
    password_field: String,
    hidden: Vec<(String, String)>,
}

impl LoginForm {
    fn find(html: &str) -> Option<Self> {
        let lower = html.to_ascii_lowercase();
        let start = lower.find("<form")?;
        let end = lower[start..].find("</form").map(|e| start + e).unwrap_or(lower.len());
        let form = &html[start..end];
        let open_end = form.find('>').unwrap_or(form.len());
        let action = attr(&form[..open_end], "action").unwrap_or_else(|| "/".into());
        let action = if action.starts_with('/') { action } else { format!("/{action}") };
        let mut user_field = None;
        let mut password_field = None;
        let mut hidden = Vec::new();
        let lower_form = form.to_ascii_lowercase();
        let mut at = 0;
        while let Some(i) = lower_form[at..].find("<input") {
            let tag_start = at + i;
            let tag_end = lower_form[tag_start..].find('>').map(|e| tag_start + e).unwrap_or(form.len());
            let tag = &form[tag_start..tag_end];
            let kind = attr(tag, "type").unwrap_or_else(|| "text".into()).to_ascii_lowercase();
            if let Some(name) = attr(tag, "name") {
                match kind.as_str() {
                    "password" => password_field = password_field.or(Some(name)),
                    "hidden" => hidden.push((name, attr(tag, "value").unwrap_or_default())),
                    "text" | "email" => user_field = user_field.or(Some(name)),
                    _ => {}
                }
            }
            at = tag_end;
        }
        Some(Self { action, user_field, password_field: password_field?, hidden })
    }

    fn encode(&self, cred: &Credential) -> String {
        let mut pairs: Vec<(String, String)> = self.hidden.clone();
        if let Some(u) = &self.user_field {
            pairs.push((u.clone(), cred.username.clone()));
        }
        pairs.push((self.password_field.clone(), cred.password.clone()));
        pairs.iter().map(|(k, v)| format!("{}={}", url_encode(k), url_encode(v))).collect::<Vec<_>>().join("&")
    }
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let lower = tag.to_ascii_lowercase();
    let mut from = 0;
    while let Some(i) = lower[from..].find(name) {
        let at = from + i;
        let before_ok = at == 0 || lower.as_bytes()[at - 1].is_ascii_whitespace();
        let rest = lower[at + name.len()..].trim_start();
        if before_ok && rest.starts_with('=') {
            let value_start = tag.len() - rest.len() + 1;
            let value = tag[value_start..].trim_start();
            return Some(match value.chars().next() {
                Some(q @ ('"' | '\'')) => value[1..].split(q).next().unwrap_or_default().to_owned(),
                _ => value.split(|c: char| c.is_whitespace() || c == '>').next().unwrap_or_default().to_owned(),
            });
        }
        from = at + name.len();
    }
    None
}

fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            b' ' => "+".into(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cred(u: &str, p: &str) -> Credential {
        Credential { username: u.into(), password: p.into(), entry: "test".into() }
    }

    #[test]
    fn prompts_are_told_apart() {
        assert_eq!(prompt_kind("\r\nIPCAM login: "), Some(Prompt::Login));
        assert_eq!(prompt_kind("Password: "), Some(Prompt::Password));
        assert_eq!(prompt_kind("BusyBox v1.19.4 built-in shell (ash)\r\n# "), Some(Prompt::Shell));
        assert_eq!(prompt_kind("\r\nLogin incorrect\r\nIPCAM login: "), Some(Prompt::Failure));
        assert_eq!(prompt_kind("Welcome"), None);
        assert_eq!(telnet_text(b"\xff\xfd\x01\xff\xfb\x03\r\nlogin: "), "\r\nlogin: ");
    }

    #[test]
    fn digest_matches_rfc_2617_example() {
        // RFC 2617 §3.5: Mufasa / Circle Of Life.
        let challenge = r#"Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41""#;
        let params = digest_params(challenge);
        assert_eq!(params[0], ("realm".into(), "testrealm@host.com".into()));
        let h = digest_authorization(challenge, "GET", "/dir/index.html", &cred("Mufasa", "Circle Of Life")).unwrap();
        // With cnonce 0a4f113b and nc 00000001, as in the RFC's example.
        assert!(h.contains(r#"response="6629fae49393a05397450978507c4ef1""#), "{h}");
        assert!(h.contains(r#"opaque="5ccc069c403ebaf9f0171e9517f40e41""#));
    }

    #[test]
    fn login_forms_are_found_with_their_fields() {
        let f = LoginForm::find(
            r#"<html><form method="post" action="login"><input type="hidden" name="csrf" value="t0k"><input name="user"><input type="password" name="pw"></form>"#,
        )
        .unwrap();
        assert_eq!(f.action, "/login");
        assert_eq!(f.user_field.as_deref(), Some("user"));
        assert_eq!(f.password_field, "pw");
        assert_eq!(f.encode(&cred("ad min", "p&w")), "csrf=t0k&user=ad+min&pw=p%26w");
        assert!(LoginForm::find("<form><input name=q></form>").is_none());
    }

    #[test]
    fn ftp_codes_and_mqtt_connect_with_credentials() {
        assert_eq!(ftp_code(b"230-Welcome\r\n230 Login successful.\r\n"), Some(230));
        assert_eq!(ftp_code(b"530 Login incorrect.\r\n"), Some(530));
        assert_eq!(ftp_code(b"garbage"), None);
        let p = mqtt_connect_with(&cred("u", "p"));
        assert_eq!(p[0], 0x10);
        assert_eq!(p[1] as usize, p.len() - 2);
        assert_eq!(p[9], 0xc2);
    }
}
