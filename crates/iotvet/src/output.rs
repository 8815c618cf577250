//! Where reports go: stdout, or one file per format in an output folder. Files are written to a
//! temporary name in the same folder and renamed, so no report is ever half-written.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use iotvet_report::{render, Format, Report};

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

pub fn color_stdout() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

/// Progress for people: on stderr, and only when stderr is a terminal.
pub fn progress(msg: &str) {
    if std::io::stderr().is_terminal() {
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

/// Sends a report where it was asked to go.
pub fn emit(report: &Report, formats: &[Format], out: Option<&Path>) -> Result<()> {
    match out {
        Some(dir) => {
            for f in formats {
                let text = render(report, *f, false)?;
                let path = write_file(dir, f.file_name(), &text)?;
                progress(&format!("wrote {}", path.display()));
            }
            // People still see the verdict on their terminal.
            if !formats.is_empty() && std::io::stdout().is_terminal() {
                print!("{}", render(report, Format::Terminal, color_stdout())?);
            }
            Ok(())
        }
        None => {
            if formats.len() > 1 {
                bail!("several formats need --out DIR (stdout takes one)");
            }
            let f = formats.first().copied().unwrap_or(Format::Terminal);
            let text = render(report, f, f == Format::Terminal && color_stdout())?;
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(text.as_bytes()).context("writing to stdout")?;
            Ok(())
        }
    }
}

pub fn exit_code(report: &Report) -> u8 {
    crate::exit::of_overall(report.overall)
}
