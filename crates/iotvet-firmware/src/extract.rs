//! Writing an image's files to a folder (`iotvet firmware IMAGE --out DIR`), for people who want
//! to look for themselves. Safe by construction: the folder must be new or empty; every path is
//! the tree's, already normalised (nothing climbs out); files are created with `create_new`
//! (an existing path, a link included, is never opened or followed); permission bits are kept
//! without set-uid, set-gid, sticky or group/other write; links are not created at all but
//! listed in `links.tsv` (path, target), so nothing written later can go through one; there are
//! no device nodes or hard links in the tree to create.

use std::io::Write as _;
use std::path::Path;

use crate::tree::{Node, Tree};

/// What was written.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Written {
    pub files: usize,
    pub dirs: usize,
    pub links: usize,
    pub bytes: u64,
    /// Entries not written, with why (a file where the image also has a folder of that name).
    pub skipped: Vec<String>,
}

/// Writes the tree's files under `dir` (created if missing; refused if not empty).
pub fn extract(tree: &Tree, dir: &Path) -> std::io::Result<Written> {
    std::fs::create_dir_all(dir)?;
    if std::fs::read_dir(dir)?.next().is_some() {
        return Err(std::io::Error::other(format!("{} is not empty: give a new or empty folder", dir.display())));
    }
    let mut written = Written::default();
    let mut links = String::from("# path\ttarget (links are listed, not created)\n");
    for (path, node) in tree.iter() {
        let to = dir.join(path);
        // The tree's paths never climb out; checked again here, where it matters.
        if !to.starts_with(dir) || path.split('/').any(|p| p == ".." || p.is_empty()) {
            return Err(std::io::Error::other(format!("{path}: not inside the output folder")));
        }
        let done = match node {
            Node::Dir => std::fs::create_dir_all(&to).map(|()| written.dirs += 1),
            Node::File { data, size, .. } if data.len() as u64 != *size => {
                Err(std::io::Error::other("its bytes were not kept (an analysis keeps only what its evidence reads)"))
            }
            Node::File { data, mode, .. } => write_file(&to, data, *mode).map(|()| {
                written.files += 1;
                written.bytes += data.len() as u64;
            }),
            Node::Symlink(target) => {
                links.push_str(&format!(
                    "{}\t{}\n",
                    path.replace(['\t', '\n'], " "),
                    target.replace(['\t', '\n'], " ")
                ));
                written.links += 1;
                Ok(())
            }
        };
        if let Err(e) = done {
            written.skipped.push(format!("{path}: {e}"));
        }
    }
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).open(dir.join("links.tsv"))?;
    f.write_all(links.as_bytes())?;
    Ok(written)
}

fn write_file(to: &Path, data: &[u8], mode: u32) -> std::io::Result<()> {
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).open(to)?;
    f.write_all(data)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        f.set_permissions(std::fs::Permissions::from_mode((mode & 0o755) | 0o600))?;
    }
    #[cfg(not(unix))]
    let _ = mode;
    Ok(())
}
