//! Where reports go: stdout, or one file per format in an output folder. Files are written to a
//! temporary name in the same folder and renamed, so no report is ever half-written.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use anyhow::{bail, Context, Result};
use iotvet_report::{render_with, verdict_block, Format, RenderOptions, Report};

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorChoice {
    /// When the output is a terminal and NO_COLOR is not set.
    #[default]
    Auto,
    Always,
    Never,
}

/// The global output settings (`-q`, `--color`), set once at start.
#[derive(Debug, Clone, Copy, Default)]
pub struct Settings {
    pub quiet: bool,
    pub color: ColorChoice,
}

static SETTINGS: OnceLock<Settings> = OnceLock::new();

pub fn configure(settings: Settings) {
    let _ = SETTINGS.set(settings);
}

fn settings() -> Settings {
    SETTINGS.get().copied().unwrap_or_default()
}

pub fn quiet() -> bool {
    settings().quiet
}

/// Parses `terminal,json,...`.
pub fn parse_formats(list: &str) -> Result<Vec<Format>> {
    let mut out = Vec::new();
    for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let f = Format::parse(item)
            .with_context(|| format!("unknown format '{item}' (use terminal, json, sarif, md, html)"))?;
        if !out.contains(&f) {
            out.push(f);
        }
    }
    if out.is_empty() {
        bail!("no output format given (use terminal, json, sarif, md, html)");
    }
    Ok(out)
}

/// The formats asked for; with an output folder and none asked, all of them.
pub fn formats_for(list: Option<&str>, out: Option<&Path>) -> Result<Vec<Format>> {
    match (list, out) {
        (Some(l), _) => parse_formats(l),
        (None, Some(_)) => Ok(Format::ALL.to_vec()),
        (None, None) => Ok(vec![Format::Terminal]),
    }
}

fn color_for(is_terminal: bool) -> bool {
    match settings().color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => is_terminal && std::env::var_os("NO_COLOR").is_none(),
    }
}

/// The width to wrap stdout at: the terminal's, else `$COLUMNS`, else 100 columns.
pub fn terminal_width() -> usize {
    if let Some((terminal_size::Width(w), _)) = terminal_size::terminal_size_of(std::io::stdout()) {
        return usize::from(w).max(40);
    }
    std::env::var("COLUMNS").ok().and_then(|c| c.parse::<usize>().ok()).filter(|w| *w >= 40).unwrap_or(100)
}

pub fn color_stdout() -> bool {
    color_for(std::io::stdout().is_terminal())
}

pub fn color_stderr() -> bool {
    color_for(std::io::stderr().is_terminal())
}

/// Progress for people: on stderr, and only when stderr is a terminal and not `--quiet`.
pub fn progress(msg: &str) {
    if std::io::stderr().is_terminal() && !quiet() {
        eprintln!("{msg}");
    }
}

/// A progress line every few seconds while a long collection runs (every 3 s on a terminal,
/// every 15 s in a log; `IOTVET_PROGRESS_EVERY=SECONDS` sets it), with the elapsed time and the collector's counts; stops when dropped.
/// Short runs print nothing.
pub struct Ticker(Option<tokio::task::JoinHandle<()>>);

impl Ticker {
    pub fn start(label: String, progress: std::sync::Arc<iotvet_net::Progress>) -> Self {
        if quiet() {
            return Self(None);
        }
        let default = if std::io::stderr().is_terminal() { 3.0 } else { 15.0 };
        let secs = std::env::var("IOTVET_PROGRESS_EVERY").ok().and_then(|s| s.parse::<f64>().ok()).unwrap_or(default);
        let every = std::time::Duration::from_secs_f64(secs.clamp(0.1, 3600.0));
        let started = std::time::Instant::now();
        Self(Some(tokio::spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                eprintln!("{label}: {:.1} s, {}", started.elapsed().as_secs_f64(), progress.line());
            }
        })))
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        if let Some(h) = &self.0 {
            h.abort();
        }
    }
}

/// What a log should always show (the written paths, the verdict block): on stderr unless
/// `--quiet`, terminal or not.
pub fn notice(msg: &str) {
    if !quiet() {
        eprintln!("{msg}");
    }
}

/// Creates the folder and proves it is writable before any work is done.
pub fn prepare_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create output folder {}", dir.display()))?;
    let probe = dir.join(".iotvet-write-test");
    std::fs::write(&probe, b"").with_context(|| format!("cannot write in output folder {}", dir.display()))?;
    let _ = std::fs::remove_file(probe);
    Ok(())
}

/// Writes `contents` to `dir/name` through a temporary file and a rename.
pub fn write_file(dir: &Path, name: &str, contents: &str) -> Result<PathBuf> {
    let path = dir.join(name);
    let tmp = dir.join(format!(".{name}.tmp"));
    std::fs::write(&tmp, contents).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, &path).with_context(|| format!("writing {}", path.display()))?;
    Ok(path)
}

/// Sends a report where it was asked to go. With an output folder, people at a terminal still
/// see the report; a CI log (stdout not a terminal) gets a short verdict block and the written
/// paths on stderr.
pub fn emit(report: &Report, formats: &[Format], out: Option<&Path>, sarif_all: bool) -> Result<()> {
    let options = RenderOptions { color: false, sarif_all };
    match out {
        Some(dir) => {
            let mut written = Vec::new();
            for f in formats {
                let text = render_with(report, *f, options)?;
                written.push(write_file(dir, f.file_name(), &text)?);
            }
            if std::io::stdout().is_terminal() && !quiet() {
                let text = render_with(report, Format::Terminal, RenderOptions { color: color_stdout(), ..options })?;
                print!("{text}");
            } else {
                notice(verdict_block(report, color_stderr()).trim_end());
            }
            for path in written {
                notice(&format!("wrote {}", path.display()));
            }
            Ok(())
        }
        None => {
            if formats.len() > 1 {
                bail!("several formats need --out DIR (stdout takes one)");
            }
            let f = formats.first().copied().unwrap_or(Format::Terminal);
            let text =
                render_with(report, f, RenderOptions { color: f == Format::Terminal && color_stdout(), ..options })?;
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(text.as_bytes()).context("writing to stdout")?;
            Ok(())
        }
    }
}
