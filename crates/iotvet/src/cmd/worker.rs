//! `iotvet worker` (a test bench taking the register's assessment jobs) and `iotvet queue`.
//!
//! A worker claims a job (`Store::claim`, under a lease), checks that its target resolves
//! inside the bench's allow-list, and runs `iotvet assess ADDRESS -f json -o DIR` as a child
//! process on the address it checked (not the name again: a name that resolves elsewhere the
//! second time cannot move the probe). While the child runs it renews the lease; if the job is
//! no longer its own (its lease ran out and another bench took it) it stops the child and stores
//! nothing. The report is stored and the job marked done in one transaction. A worker killed
//! mid-job leaves its job to be taken again once its lease runs out.

use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use iotvet_store::{Job, JobRequest, ProductInfo, Store};

use crate::{QueueArgs, WorkerArgs};

/// A report read back from the child, at most.
const MAX_REPORT: u64 = 256 << 20;

pub fn queue(args: QueueArgs) -> Result<u8> {
    let mut store = Store::open(args.database.as_deref())?;
    let request = JobRequest {
        target: args.target,
        ports: args.ports,
        udp_ports: args.udp_ports,
        vendor: args.vendor,
        model: args.model,
    };
    let by = std::env::var("USER").unwrap_or_else(|_| "unknown".into());
    let id = store.queue(&request, &by)?;
    println!("iotvet: job {id} queued in the register {}: assess {}", store.location, request.target);
    Ok(0)
}

pub async fn worker(args: WorkerArgs) -> Result<u8> {
    let allow = iotvet_net::scope::AllowList::parse(&args.allow)?;
    let handle = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || run(args, allow, handle)).await.context("the worker stopped")?
}

fn run(args: WorkerArgs, allow: iotvet_net::scope::AllowList, rt: tokio::runtime::Handle) -> Result<u8> {
    let mut store = Store::open(args.database.as_deref())?;
    let name = args.name.clone().unwrap_or_else(|| {
        let host = std::fs::read_to_string("/etc/hostname").unwrap_or_default();
        format!("{}-{}", host.trim(), std::process::id())
    });
    crate::output::progress(&format!("iotvet worker {name}: taking jobs from the register {}", store.location));
    loop {
        let Some(job) = store.claim(&name, args.lease)? else {
            if args.until_idle {
                return Ok(0);
            }
            std::thread::sleep(Duration::from_secs(args.poll));
            continue;
        };
        crate::output::progress(&format!(
            "iotvet worker {name}: job {} (attempt {}): {}",
            job.id, job.attempts, job.request.target
        ));
        let outcome = one(&mut store, &name, &job, &args, &allow, &rt);
        match outcome {
            Ok(said) => crate::output::progress(&format!("iotvet worker {name}: job {}: {said}", job.id)),
            Err(e) => {
                let why = format!("{e:#}");
                store.give_up(job.id, &name, "failed", &why)?;
                crate::output::progress(&format!("iotvet worker {name}: job {} failed: {why}", job.id));
            }
        }
    }
}

/// Does one job; what became of it, in words.
fn one(
    store: &mut Store,
    name: &str,
    job: &Job,
    args: &WorkerArgs,
    allow: &iotvet_net::scope::AllowList,
    rt: &tokio::runtime::Handle,
) -> Result<String> {
    // The target, resolved once and checked against the allow-list.
    let policy = iotvet_net::scope::ScopePolicy { max_hosts: 1, ..Default::default() };
    let resolved = rt.block_on(iotvet_net::scope::resolve_target(&job.request.target, policy));
    let address = match resolved.as_deref() {
        Ok([first, ..]) if allow.allows(first.address) => first.address,
        Ok([first, ..]) => {
            let why = format!("{} ({}) is not in this bench's allow-list", job.request.target, first.address);
            store.give_up(job.id, name, "refused", &why)?;
            return Ok(format!("refused: {why}"));
        }
        Ok([]) => anyhow::bail!("{} resolves to no address", job.request.target),
        Err(e) => anyhow::bail!("{e}"),
    };
    let out = std::env::temp_dir().join(format!("iotvet-worker-{}-{}-{}", std::process::id(), job.id, job.attempts));
    let _ = std::fs::remove_dir_all(&out);
    let mut cmd = std::process::Command::new(std::env::current_exe().context("this program's path")?);
    cmd.args(["-q", "assess", &address.to_string(), "-f", "json", "-o"]).arg(&out);
    if !job.request.ports.is_empty() {
        cmd.args(["--ports", &job.request.ports]);
    }
    if !job.request.udp_ports.is_empty() {
        cmd.args(["--udp-ports", &job.request.udp_ports]);
    }
    let mut child = cmd
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .context("starting iotvet assess")?;
    let (started, mut beat) = (Instant::now(), Instant::now());
    let every = Duration::from_secs((args.lease / 3).max(1) as u64);
    loop {
        if child.try_wait()?.is_some() {
            break;
        }
        if started.elapsed() > Duration::from_secs(args.job_timeout) {
            let _ = child.kill();
            let _ = child.wait();
            anyhow::bail!("the assessment did not finish within {} s", args.job_timeout);
        }
        if beat.elapsed() >= every {
            beat = Instant::now();
            if !store.heartbeat(job.id, name, args.lease)? {
                let _ = child.kill();
                let _ = child.wait();
                let _ = std::fs::remove_dir_all(&out);
                return Ok("stopped: another worker has the job now (this one's lease ran out)".into());
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let report_path = out.join("report.json");
    let read = std::fs::metadata(&report_path)
        .ok()
        .filter(|m| m.len() <= MAX_REPORT)
        .and_then(|_| std::fs::read_to_string(&report_path).ok());
    let _ = std::fs::remove_dir_all(&out);
    let text = read.context("the assessment wrote no report")?;
    let report = iotvet_report::Report::from_json(&text)?;
    let product = ProductInfo::of_case(&report.case).given(&job.request.vendor, &job.request.model, "");
    Ok(match store.complete(job.id, name, &report, &product)? {
        Some(saved) => format!(
            "done: assessment {} of product {} ({})",
            saved.assessment_id,
            saved.product_id,
            report.overall.as_str()
        ),
        None => "not stored: another worker has the job now".into(),
    })
}
