//! UBIFS (Linux `fs/ubifs/ubifs-media.h`), read by hand: no maintained crate reads it. Every
//! node of the volume is found by its common header (magic `0x06101831`, little-endian, 8-byte
//! aligned, CRC-32 over all but its first 8 bytes) and kept when it is the newest of its key
//! (the sequence number): inode nodes (mode, size, a symbolic link's target inline), directory
//! entries (parent inode, name, child inode; an entry naming inode 0 deletes the name) and data
//! nodes (4 KiB blocks: stored, LZO, zlib's raw deflate or zstd). The tree is then walked from
//! the root inode (1). Like ubireader's scan mode, the on-flash index is not walked: an image as
//! a build system writes it holds no stale nodes, and on one taken from a used device the
//! newest node of each key wins, as the journal replay would have it; a block left by a file
//! later truncated is cut at the inode's size.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::formats::{le16, le32, le64};
use crate::tree::{Contents, Entry, Failure, Node};

const MAGIC: u32 = 0x0610_1831;
const BLOCK: usize = 4096;
const ROOT: u64 = 1;

/// A node's CRC: Linux's `crc32(0xffffffff, …)` without the final inversion, over everything
/// after the magic and the CRC.
fn crc_ok(node: &[u8]) -> bool {
    let mut crc = flate2::Crc::new();
    crc.update(node.get(8..).unwrap_or_default());
    le32(node, 4) == Some(!crc.sum())
}

struct Inode {
    sqnum: u64,
    size: u64,
    mode: u32,
    nlink: u32,
    inline: Vec<u8>,
}

/// One 4 KiB block of a file: its sequence number, uncompressed size, compressor, bytes.
struct Block<'a> {
    sqnum: u64,
    size: usize,
    compression: u16,
    data: &'a [u8],
}

/// The newest node of each key.
#[derive(Default)]
struct Nodes<'a> {
    inodes: HashMap<u64, Inode>,
    /// (parent, name) → (sequence number, child inode; 0 when the name was deleted)
    dents: HashMap<(u64, Vec<u8>), (u64, u64)>,
    /// (inode, block number) → block
    blocks: HashMap<(u64, u32), Block<'a>>,
}

/// Every node of the filesystem `b`, newest of each key kept.
fn scan(b: &[u8]) -> Nodes<'_> {
    let mut nodes = Nodes::default();
    let Nodes { inodes, dents, blocks } = &mut nodes;
    let mut at = 0usize;
    while let Some(found) = b.get(at..).and_then(|r| memchr::memmem::find(r, &MAGIC.to_le_bytes())) {
        at += found;
        if !at.is_multiple_of(8) {
            at = (at + 7) & !7;
            continue;
        }
        let len = le32(b, at + 16).unwrap_or(0) as usize;
        let Some(node) = b.get(at..at.saturating_add(len)).filter(|n| n.len() >= 24 && crc_ok(n)) else {
            at += 8;
            continue;
        };
        at += (len + 7) & !7;
        let (Some(sqnum), Some(kind)) = (le64(node, 8), node.get(20)) else { continue };
        let inum = u64::from(le32(node, 24).unwrap_or(0));
        match kind {
            0 => {
                let (Some(size), Some(nlink), Some(mode), Some(data_len)) =
                    (le64(node, 48), le32(node, 92), le32(node, 104), le32(node, 112))
                else {
                    continue;
                };
                if inodes.get(&inum).is_none_or(|i| i.sqnum < sqnum) {
                    let inline = node.get(160..160 + data_len as usize).unwrap_or_default().to_vec();
                    inodes.insert(inum, Inode { sqnum, size, mode, nlink, inline });
                }
            }
            1 => {
                let block = le32(node, 28).unwrap_or(0) & 0x1fff_ffff;
                let (Some(size), Some(compression)) = (le32(node, 40), le16(node, 44)) else { continue };
                let data = node.get(48..).unwrap_or_default();
                if blocks.get(&(inum, block)).is_none_or(|x| x.sqnum < sqnum) {
                    blocks.insert((inum, block), Block { sqnum, size: size as usize, compression, data });
                }
            }
            2 => {
                let (Some(child), Some(nlen)) = (le64(node, 40), le16(node, 50)) else { continue };
                let Some(name) = node.get(56..56 + nlen as usize) else { continue };
                let key = (inum, name.to_vec());
                if dents.get(&key).is_none_or(|(s, _)| *s < sqnum) {
                    dents.insert(key, (sqnum, child));
                }
            }
            _ => {}
        }
    }
    nodes
}

/// One block inflated to its `size` (at most 4 KiB).
fn inflate(block: &Block<'_>) -> Result<Vec<u8>, String> {
    let size = block.size.min(BLOCK);
    match block.compression {
        0 => Ok(block.data.get(..size).unwrap_or(block.data).to_vec()),
        1 => {
            let mut out = vec![0u8; size];
            let n = lzallright::decompress(block.data, &mut out).map_err(|e| format!("LZO: {e:?}"))?;
            out.truncate(n);
            Ok(out)
        }
        2 => {
            let mut out = Vec::with_capacity(size);
            let mut d = flate2::Decompress::new(false);
            d.decompress_vec(block.data, &mut out, flate2::FlushDecompress::Finish)
                .map_err(|e| format!("deflate: {e}"))?;
            Ok(out)
        }
        3 => zstd::bulk::decompress(block.data, size).map_err(|e| format!("zstd: {e}")),
        other => Err(format!("compressor {other}")),
    }
}

/// The files of the UBIFS at the start of `b` (a UBI volume's bytes), at most `budget` bytes of
/// file content.
pub fn read(b: &[u8], budget: u64) -> Result<Contents, Failure> {
    let Nodes { inodes, dents, blocks } = scan(b);
    if !inodes.contains_key(&ROOT) {
        return Err(Failure::Unreadable("UBIFS: no root inode found".into()));
    }
    let mut children: BTreeMap<u64, Vec<(&[u8], u64)>> = BTreeMap::new();
    for ((parent, name), (_, child)) in &dents {
        if *child != 0 {
            children.entry(*parent).or_default().push((name.as_slice(), *child));
        }
    }
    let mut by_file: BTreeMap<u64, Vec<(u32, &Block<'_>)>> = BTreeMap::new();
    for ((inum, n), block) in &blocks {
        by_file.entry(*inum).or_default().push((*n, block));
    }
    let mut out = Contents { entries: Vec::new(), special: Vec::new(), damaged: Vec::new() };
    let mut left = budget;
    let mut seen = HashSet::from([ROOT]);
    let mut dirs = vec![(String::new(), ROOT)];
    while let Some((path, dir)) = dirs.pop() {
        let mut names = children.remove(&dir).unwrap_or_default();
        names.sort();
        for (name, inum) in names {
            let name = String::from_utf8_lossy(name);
            let full = format!("{path}/{name}");
            let Some(inode) = inodes.get(&inum).filter(|i| i.nlink > 0) else {
                out.damaged.push(format!("{full}: its inode {inum} is not in the filesystem"));
                continue;
            };
            match inode.mode & 0o170000 {
                0o040000 => {
                    out.entries.push(Entry { path: full.clone(), node: Node::Dir });
                    if seen.insert(inum) {
                        dirs.push((full, inum));
                    }
                }
                0o120000 => out
                    .entries
                    .push(Entry { node: Node::file_or_link(true, &full, inode.inline.clone(), 0), path: full }),
                0o100000 => {
                    let size = usize::try_from(inode.size).unwrap_or(usize::MAX);
                    left = left.checked_sub(inode.size).ok_or(Failure::OverBudget)?;
                    let mut data = Vec::with_capacity(size);
                    let mut pieces = by_file.get(&inum).cloned().unwrap_or_default();
                    pieces.sort_by_key(|(n, _)| *n);
                    for (n, block) in pieces {
                        let start = (n as usize).saturating_mul(BLOCK);
                        if start >= size {
                            break;
                        }
                        match inflate(block) {
                            Ok(bytes) => {
                                // A hole (no block written) reads as zeros.
                                data.resize(start.max(data.len()), 0);
                                data.truncate(start);
                                data.extend_from_slice(&bytes);
                            }
                            Err(why) => {
                                out.damaged.push(format!("{full}: block {n}: {why}"));
                            }
                        }
                    }
                    data.resize(size, 0);
                    out.entries.push(Entry { node: Node::file(&full, data, inode.mode & 0o7777), path: full });
                }
                _ => out.special.push(full),
            }
        }
    }
    Ok(out)
}
