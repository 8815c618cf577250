//! romfs (Linux `Documentation/filesystems/romfs.rst`), read by hand: no maintained crate
//! reads it, and it is the simplest filesystem there is — `-rom1fs-`, a big-endian size and
//! checksum, the volume name, then file headers (next header offset with the type in its low
//! bits, a type-specific word, size, checksum, name padded to 16) each followed by its
//! uncompressed data. A directory's word is its first entry; hard links (`.` and `..` among
//! them) are skipped, and a header chain that loops is read once.

use crate::tree::{Contents, Entry, Failure, Node};

pub const MAGIC: &[u8] = b"-rom1fs-";

fn be32(b: &[u8], at: usize) -> Option<usize> {
    crate::formats::be32(b, at).map(|v| v as usize)
}

/// The name ending at the first NUL, and the offset after its padding to 16 bytes.
fn name_at(b: &[u8], at: usize) -> Option<(String, usize)> {
    let rest = b.get(at..)?;
    let len = memchr::memchr(0, rest)?;
    let name = String::from_utf8_lossy(rest.get(..len)?).into_owned();
    Some((name, (at + len + 1 + 15) & !15))
}

/// The filesystem's size and volume name; None when `b` does not start with one.
pub fn superblock(b: &[u8]) -> Option<(usize, String)> {
    if !b.starts_with(MAGIC) {
        return None;
    }
    let size = be32(b, 8)?;
    let (volume, _) = name_at(b, 16)?;
    (size >= 32).then_some((size, volume))
}

pub fn read(b: &[u8], budget: u64) -> Result<Contents, Failure> {
    let mut out = Contents { entries: Vec::new(), special: Vec::new(), damaged: Vec::new() };
    let (_, first) = name_at(b, 16).ok_or_else(|| Failure::Unreadable("romfs: the volume name is cut short".into()))?;
    let mut left = budget;
    let mut seen = std::collections::HashSet::new();
    let mut dirs = vec![(String::new(), first)];
    while let Some((path, mut at)) = dirs.pop() {
        while at != 0 && seen.insert(at) {
            let (Some(next), Some(spec), Some(size)) = (be32(b, at), be32(b, at + 4), be32(b, at + 8)) else {
                out.damaged.push(format!("{path}/: a file header at {at:#x} is cut short"));
                break;
            };
            let Some((name, data_at)) = name_at(b, at + 16) else { break };
            let full = format!("{path}/{name}");
            let mode = if next & 8 != 0 { 0o755 } else { 0o644 };
            match next & 7 {
                1 if name != "." && name != ".." => {
                    out.entries.push(Entry { path: full.clone(), node: Node::Dir });
                    dirs.push((full, spec & !15));
                }
                0 | 1 => {}
                kind @ (2 | 3) => {
                    let data = b.get(data_at..data_at.saturating_add(size)).unwrap_or_default().to_vec();
                    if data.len() != size {
                        out.damaged.push(format!("{full}: its data runs past the filesystem"));
                    }
                    left = left.checked_sub(data.len() as u64).ok_or(Failure::OverBudget)?;
                    let node = Node::file_or_link(kind == 3, &full, data, mode);
                    out.entries.push(Entry { path: full, node });
                }
                _ => out.special.push(full),
            }
            at = next & !15;
        }
    }
    Ok(out)
}
