//! CramFS (Linux `include/uapi/linux/cramfs_fs.h`), read by hand: no maintained crate reads it,
//! and it is small — a 64-byte superblock, 12-byte inodes (mode and uid, size and gid, name
//! length and offset in 4-byte units, little-endian bit fields), directories as runs of inodes
//! with their names, and files as a table of block end pointers followed by zlib blocks of one
//! page (4096 bytes) each. Both byte orders are opened — a big-endian CramFS (`mkfs.cramfs -N
//! big`, as MIPS and PowerPC devices have them) swaps every field and lays its bit-fields out
//! from the top bit (util-linux's `cramfs_common.c`) — with the classic block pointers; the
//! extended block pointers of newer kernels are identified.
//! Directories pointing into themselves are read once; every block is decompressed through a
//! cap of one page.

use std::io::Read as _;

use crate::formats::{c_name, u32_in};
use crate::tree::{Contents, Entry, Failure, Node};

pub const SIGNATURE: &[u8] = b"Compressed ROMFS";
const PAGE: usize = 4096;

/// The size the superblock gives and a description; None when `b` does not start with one.
pub fn superblock(b: &[u8]) -> Option<(usize, String, bool)> {
    let little = match b.get(..4)? {
        [0x45, 0x3d, 0xcd, 0x28] => true,
        [0x28, 0xcd, 0x3d, 0x45] => false,
        _ => return None,
    };
    if b.get(16..32)? != SIGNATURE {
        return None;
    }
    let u = |at: usize| u32_in(b, at, !little);
    let (size, flags, files) = (u(4)? as usize, u(8)?, u(44)?);
    let what = format!("CramFS, {}-endian, {files} files", if little { "little" } else { "big" });
    Some((size.max(76), what, flags & 0x800 == 0))
}

/// Reads every entry of the CramFS `b` (either byte order), taking at most `budget` bytes of
/// file content.
pub fn read(b: &[u8], budget: u64) -> Result<Contents, Failure> {
    let big = b.get(..4) == Some(&[0x28, 0xcd, 0x3d, 0x45][..]);
    let mut out = Contents { entries: Vec::new(), special: Vec::new(), damaged: Vec::new() };
    let root = inode(b, 64, big).ok_or_else(|| Failure::Unreadable("CramFS: the root inode is cut short".into()))?;
    let mut left = budget;
    let mut seen = std::collections::HashSet::new();
    let mut dirs = vec![(String::new(), root)];
    while let Some((path, dir)) = dirs.pop() {
        if !seen.insert(dir.offset) {
            continue;
        }
        let mut at = dir.offset;
        let end = dir.offset.saturating_add(dir.size).min(b.len());
        while at + 12 <= end {
            let Some(child) = inode(b, at, big) else { break };
            let name_len = child.name_len;
            let name = b.get(at + 12..at + 12 + name_len).map(c_name);
            at += 12 + name_len;
            let Some(name) = name.filter(|n| !n.is_empty()) else { break };
            let full = format!("{path}/{name}");
            match child.mode & 0o170000 {
                0o040000 => {
                    out.entries.push(Entry { path: full.clone(), node: Node::Dir });
                    dirs.push((full, child));
                }
                kind @ (0o100000 | 0o120000) => {
                    let (data, damage) = file(b, &child, big);
                    left = left.checked_sub(data.len() as u64).ok_or(Failure::OverBudget)?;
                    if let Some(why) = damage {
                        out.damaged.push(format!("{full}: {why}"));
                    }
                    let node = Node::file_or_link(kind == 0o120000, &full, data, child.mode & 0o7777);
                    out.entries.push(Entry { path: full, node });
                }
                _ => out.special.push(full),
            }
        }
    }
    Ok(out)
}

#[derive(Debug, Clone, Copy)]
struct Inode {
    mode: u32,
    size: usize,
    name_len: usize,
    offset: usize,
}

/// The inode at `at`: three 32-bit words of bit-fields — mode:16 uid:16, size:24 gid:8,
/// namelen:6 offset:26 — from each word's bottom bit in a little-endian filesystem, from its
/// top bit in a big-endian one.
fn inode(b: &[u8], at: usize, big: bool) -> Option<Inode> {
    let w = |i: usize| u32_in(b, at + 4 * i, big);
    let (w0, w1, w2) = (w(0)?, w(1)?, w(2)?);
    Some(if big {
        Inode {
            mode: w0 >> 16,
            size: (w1 >> 8) as usize,
            name_len: ((w2 >> 26) * 4) as usize,
            offset: ((w2 & 0x03ff_ffff) * 4) as usize,
        }
    } else {
        Inode {
            mode: w0 & 0xffff,
            size: (w1 & 0x00ff_ffff) as usize,
            name_len: ((w2 & 0x3f) * 4) as usize,
            offset: ((w2 >> 6) * 4) as usize,
        }
    })
}

/// A file's (or link's) bytes: its blocks inflated in turn; what went wrong, if anything.
fn file(b: &[u8], node: &Inode, big: bool) -> (Vec<u8>, Option<String>) {
    let blocks = node.size.div_ceil(PAGE);
    let mut out = Vec::with_capacity(node.size.min(1 << 24));
    let mut start = node.offset + 4 * blocks;
    for i in 0..blocks {
        let Some(end) = u32_in(b, node.offset + 4 * i, big).map(|e| e as usize) else {
            return (out, Some("its block table is cut short".into()));
        };
        let want = (node.size - i * PAGE).min(PAGE);
        if end == start {
            // A hole: a page of zeros.
            out.resize(out.len() + want, 0);
            continue;
        }
        let Some(block) = b.get(start..end) else {
            return (out, Some(format!("block {i} lies outside the filesystem")));
        };
        let before = out.len();
        let read = flate2::read::ZlibDecoder::new(block).take(PAGE as u64).read_to_end(&mut out);
        if let Err(e) = read {
            return (out, Some(format!("block {i}: {e}")));
        }
        let got = out.len() - before;
        if got != want {
            return (out, Some(format!("block {i} inflates to {got} bytes, not {want}")));
        }
        start = end;
    }
    (out, None)
}
