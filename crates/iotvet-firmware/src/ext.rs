//! ext2/3/4 read from memory with ext4-view (read-only, no unsafe code). Its directories are
//! walked from the root with symbolic links recorded, never followed; a file's size is checked
//! against the budget before its bytes are read; a panic inside the reader on a hostile
//! filesystem is caught and reported as the filesystem not opened.

use crate::tree::{Contents, Entry, Failure, Node};

pub fn read(b: &[u8], budget: u64) -> Result<Contents, Failure> {
    let owned = b.to_vec();
    let caught = std::panic::catch_unwind(move || read_owned(owned, budget));
    caught.unwrap_or_else(|_| Err(Failure::Unreadable("the ext reader failed on this filesystem".into())))
}

fn read_owned(b: Vec<u8>, budget: u64) -> Result<Contents, Failure> {
    let fs = ext4_view::Ext4::load(Box::new(b)).map_err(|e| Failure::Unreadable(format!("does not open: {e}")))?;
    let mut out = Contents { entries: Vec::new(), special: Vec::new(), damaged: Vec::new() };
    let mut left = budget;
    let mut dirs = vec![ext4_view::PathBuf::new("/")];
    while let Some(dir) = dirs.pop() {
        let listing = match fs.read_dir(&dir) {
            Ok(l) => l,
            Err(e) => {
                out.damaged.push(format!("{}: {e}", dir.display()));
                continue;
            }
        };
        for entry in listing {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    out.damaged.push(format!("{}: {e}", dir.display()));
                    break;
                }
            };
            let name = entry.file_name();
            if name.as_ref() == b"." || name.as_ref() == b".." {
                continue;
            }
            let path = entry.path();
            let shown = String::from_utf8_lossy(path.as_ref()).into_owned();
            let meta = match entry.metadata() {
                Ok(m) => m,
                Err(e) => {
                    out.damaged.push(format!("{shown}: {e}"));
                    continue;
                }
            };
            let kind = meta.file_type();
            if kind.is_dir() {
                // lost+found is mke2fs's, not the vendor's.
                if shown != "/lost+found" {
                    out.entries.push(Entry { path: shown, node: Node::Dir });
                    dirs.push(path);
                }
            } else if kind.is_symlink() {
                match fs.read_link(&path) {
                    Ok(target) => out.entries.push(Entry {
                        path: shown,
                        node: Node::Symlink(String::from_utf8_lossy(target.as_ref()).into_owned()),
                    }),
                    Err(e) => out.damaged.push(format!("{shown}: {e}")),
                }
            } else if kind.is_regular_file() {
                left = left.checked_sub(meta.len()).ok_or(Failure::OverBudget)?;
                match fs.read(&path) {
                    Ok(data) => {
                        out.entries.push(Entry { node: Node::file(&shown, data, u32::from(meta.mode())), path: shown })
                    }
                    Err(e) => out.damaged.push(format!("{shown}: {e}")),
                }
            } else {
                out.special.push(shown);
            }
        }
    }
    Ok(out)
}
