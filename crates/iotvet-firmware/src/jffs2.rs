//! JFFS2 (Linux `include/uapi/linux/jffs2.h`), read by hand: no maintained crate reads it. A
//! JFFS2 image is a log of nodes: directory entries (parent inode, name, child inode, a
//! version) and inode nodes (an inode's metadata and one piece of its data at an offset,
//! compressed). The filesystem is what the log says last: for each name in a directory the
//! entry of the highest version (a child inode 0 is a deletion), for each inode its data
//! pieces applied in version order, its size and mode from its newest node. Data compressed
//! with zlib, rtime (a small documented byte-repeat scheme) or LZO (lzallright) is read; LZMA
//! pieces leave the file marked damaged. Both byte orders; node header CRCs are checked by the
//! identifier before this reads anything, and every piece is inflated through a cap.

use std::collections::{BTreeMap, HashMap};
use std::io::Read as _;

use crate::formats::{u16_in, u32_in};
use crate::tree::{Contents, Entry, Failure, Node};

/// The most one data piece may hold (JFFS2 writes a page, 4 KiB, at most).
const PIECE: usize = 64 * 1024;

struct Dirent {
    version: u32,
    ino: u32,
    name: String,
}

struct Piece {
    version: u32,
    offset: usize,
    data: Option<Vec<u8>>,
}

#[derive(Default)]
struct Inode {
    version: u32,
    mode: u32,
    size: usize,
    pieces: Vec<Piece>,
}

/// Reads every entry of the JFFS2 image `b` (its byte order `big`), taking at most `budget`
/// bytes of file content.
pub fn read(b: &[u8], big: bool, budget: u64) -> Result<Contents, Failure> {
    let u16_at = |at: usize| u16_in(b, at, big);
    let u32_at = |at: usize| u32_in(b, at, big);
    let mut dirents: HashMap<(u32, String), Dirent> = HashMap::new();
    let mut inodes: HashMap<u32, Inode> = HashMap::new();
    let mut left = budget;
    let mut at = 0usize;
    while at + 12 <= b.len() {
        let (Some(magic), Some(kind), Some(len)) = (u16_at(at), u16_at(at + 2), u32_at(at + 4)) else { break };
        let len = len as usize;
        if magic != 0x1985 || len < 12 || at + len > b.len() {
            at += 4;
            continue;
        }
        let node = b.get(at..at + len).unwrap_or_default();
        match kind {
            0xe001 => {
                if let (Some(pino), Some(version), Some(ino), Some(nsize)) =
                    (u32_at(at + 12), u32_at(at + 16), u32_at(at + 20), node.get(28))
                {
                    let name = node.get(40..40 + usize::from(*nsize)).map(|n| String::from_utf8_lossy(n).into_owned());
                    if let Some(name) = name.filter(|n| !n.is_empty() && !n.contains('/')) {
                        let key = (pino, name.clone());
                        if dirents.get(&key).is_none_or(|d| d.version < version) {
                            dirents.insert(key, Dirent { version, ino, name });
                        }
                    }
                }
            }
            0xe002 => {
                let fields = (u32_at(at + 12), u32_at(at + 16), u32_at(at + 20), u32_at(at + 28));
                let (Some(ino), Some(version), Some(mode), Some(isize)) = fields else { break };
                let (offset, csize, dsize) = (u32_at(at + 44), u32_at(at + 48), u32_at(at + 52));
                let (Some(offset), Some(csize), Some(dsize)) = (offset, csize, dsize) else { break };
                let compr = node.get(56).copied().unwrap_or(0);
                let (csize, dsize) = (csize as usize, dsize as usize);
                let data = node.get(68..68 + csize).and_then(|raw| {
                    if dsize > PIECE {
                        return None;
                    }
                    match compr {
                        0 | 4 => Some(raw.get(..dsize)?.to_vec()),
                        1 => Some(vec![0; dsize]),
                        2 => rtime(raw, dsize),
                        6 => {
                            let mut out = Vec::with_capacity(dsize);
                            flate2::read::ZlibDecoder::new(raw).take(dsize as u64).read_to_end(&mut out).ok()?;
                            (out.len() == dsize).then_some(out)
                        }
                        // LZO1X (JFFS2_COMPR_LZO), as mkfs.jffs2 -X lzo writes it.
                        7 => {
                            let mut out = vec![0u8; dsize];
                            let n = lzallright::decompress(raw, &mut out).ok()?;
                            (n == dsize).then_some(out)
                        }
                        _ => None,
                    }
                });
                if let Some(d) = &data {
                    left = left.checked_sub(d.len() as u64).ok_or(Failure::OverBudget)?;
                }
                let inode = inodes.entry(ino).or_default();
                if version >= inode.version {
                    inode.version = version;
                    inode.mode = mode;
                    inode.size = isize as usize;
                }
                if dsize > 0 || data.is_none() {
                    inode.pieces.push(Piece { version, offset: offset as usize, data: data.filter(|_| dsize > 0) });
                }
            }
            _ => {}
        }
        at = (at + len + 3) & !3;
    }
    if dirents.is_empty() {
        return Err(Failure::Unreadable("no directory entry in the JFFS2 log".into()));
    }
    let mut children: BTreeMap<u32, Vec<&Dirent>> = BTreeMap::new();
    for ((pino, _), d) in &dirents {
        if d.ino != 0 {
            children.entry(*pino).or_default().push(d);
        }
    }
    let mut out = Contents { entries: Vec::new(), special: Vec::new(), damaged: Vec::new() };
    let mut seen = std::collections::HashSet::new();
    let mut stack = vec![(1u32, String::new())];
    while let Some((dir, path)) = stack.pop() {
        if !seen.insert(dir) {
            continue;
        }
        for d in children.get(&dir).map(Vec::as_slice).unwrap_or_default() {
            let full = format!("{path}/{}", d.name);
            let Some(inode) = inodes.get_mut(&d.ino) else {
                out.damaged.push(format!("{full}: its inode is not in the log"));
                continue;
            };
            match inode.mode & 0o170000 {
                0o040000 => {
                    out.entries.push(Entry { path: full.clone(), node: Node::Dir });
                    stack.push((d.ino, full));
                }
                kind @ (0o100000 | 0o120000) => {
                    inode.pieces.sort_by_key(|p| p.version);
                    // The size its newest node says, within what its pieces cover (a lying size
                    // allocates nothing).
                    let extent =
                        inode.pieces.iter().filter_map(|p| Some(p.offset + p.data.as_ref()?.len())).max().unwrap_or(0);
                    let size = inode.size.min(extent);
                    left = left.checked_sub(size as u64).ok_or(Failure::OverBudget)?;
                    let mut data = vec![0u8; size];
                    let mut damaged = false;
                    for p in &inode.pieces {
                        match &p.data {
                            Some(bytes) => {
                                let end = (p.offset + bytes.len()).min(data.len());
                                if let (Some(dst), Some(src)) =
                                    (data.get_mut(p.offset..end), bytes.get(..end.saturating_sub(p.offset)))
                                {
                                    dst.copy_from_slice(src);
                                }
                            }
                            None => damaged = true,
                        }
                    }
                    if damaged {
                        out.damaged.push(format!(
                            "{full}: a piece compressed with LZMA or another scheme iotvet does not read"
                        ));
                    }
                    let node = Node::file_or_link(kind == 0o120000, &full, data, inode.mode & 0o7777);
                    out.entries.push(Entry { path: full, node });
                }
                _ => out.special.push(full),
            }
        }
    }
    Ok(out)
}

/// JFFS2's rtime: each output byte is followed by a repeat count, copied from where that byte
/// value was last written (`fs/jffs2/compr_rtime.c`).
fn rtime(src: &[u8], dsize: usize) -> Option<Vec<u8>> {
    let mut positions = [0usize; 256];
    let mut out = Vec::with_capacity(dsize);
    let mut pos = 0usize;
    while out.len() < dsize {
        let value = *src.get(pos)?;
        let repeat = usize::from(*src.get(pos + 1)?);
        pos += 2;
        out.push(value);
        let from = positions[usize::from(value)];
        positions[usize::from(value)] = out.len();
        for back in from..from + repeat {
            if out.len() >= dsize {
                break;
            }
            let byte = *out.get(back)?;
            out.push(byte);
        }
    }
    Some(out)
}
