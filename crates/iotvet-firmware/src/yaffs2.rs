//! YAFFS2 (Aleph One's `yaffs_guts.h`, `yaffs_packedtags2.h`), read by hand: no maintained crate
//! reads it. The image is a run of chunks, each a page of data and a spare area whose first 16
//! bytes are the packed tags: sequence number, object id (object type in its top 4 bits on
//! headers), chunk id (0, or the extra-header flag 0x80000000, for an object header; else the
//! data chunk's number from 1) and the byte count. An object header holds the type (file,
//! symlink, directory, hard link, special), the parent object, the name (256 bytes), the mode
//! and the file size; object 1 is the root. For each object the header and each data chunk with
//! the highest sequence number count. Pages of 2048 + 64 and 4096 + 128 bytes with the tags at
//! the spare's start (as mkyaffs2image writes them) are read.

use std::collections::HashMap;

use crate::formats::{c_name, le32};
use crate::tree::{Contents, Entry, Failure, Node};

struct Header {
    seq: u32,
    kind: u32,
    parent: u32,
    name: String,
    mode: u32,
    size: usize,
    alias: String,
}

/// Reads every entry of the YAFFS2 image `b`, taking at most `budget` bytes of file content.
pub fn read(b: &[u8], budget: u64) -> Result<Contents, Failure> {
    let (page, spare) = [(2048usize, 64usize), (4096, 128)]
        .into_iter()
        .find(|(p, _)| le32(b, *p + 8) == Some(0) && le32(b, 4) == Some(1))
        .ok_or_else(|| Failure::Unreadable("YAFFS2 with a page size other than 2048 or 4096 bytes".into()))?;
    let stride = page + spare;
    let mut headers: HashMap<u32, Header> = HashMap::new();
    // (object, chunk) → (sequence, bytes)
    let mut chunks: HashMap<(u32, u32), (u32, &[u8])> = HashMap::new();
    for chunk in b.chunks_exact(stride) {
        let (Some(data), Some(tags)) = (chunk.get(..page), chunk.get(page..page + 16)) else { continue };
        if chunk.iter().all(|x| *x == 0xff) {
            continue;
        }
        let (Some(seq), Some(obj), Some(id), Some(n)) = (le32(tags, 0), le32(tags, 4), le32(tags, 8), le32(tags, 12))
        else {
            continue;
        };
        let obj = obj & 0x0fff_ffff;
        if id == 0 || id & 0x8000_0000 != 0 {
            let name = data.get(10..266).map(c_name);
            let alias = data.get(300..460).map(c_name);
            let header = Header {
                seq,
                kind: le32(data, 0).unwrap_or(0),
                parent: le32(data, 4).unwrap_or(0),
                name: name.unwrap_or_default(),
                mode: le32(data, 268).unwrap_or(0),
                size: le32(data, 292).unwrap_or(0) as usize,
                alias: alias.unwrap_or_default(),
            };
            if headers.get(&obj).is_none_or(|h| h.seq <= seq) {
                headers.insert(obj, header);
            }
        } else if let Some(bytes) = data.get(..(n as usize).min(page)) {
            if chunks.get(&(obj, id)).is_none_or(|(s, _)| *s <= seq) {
                chunks.insert((obj, id), (seq, bytes));
            }
        }
    }
    let mut out = Contents { entries: Vec::new(), special: Vec::new(), damaged: Vec::new() };
    // Paths: walk each object up to the root (object 1), refusing loops.
    let path_of = |mut obj: u32| -> Option<String> {
        let mut parts = Vec::new();
        for _ in 0..64 {
            if obj == 1 {
                parts.reverse();
                return Some(format!("/{}", parts.join("/")));
            }
            let h = headers.get(&obj)?;
            if h.name.is_empty() || h.name.contains('/') {
                return None;
            }
            parts.push(h.name.clone());
            obj = h.parent;
        }
        None
    };
    let mut left = budget;
    let mut ids: Vec<&u32> = headers.keys().collect();
    ids.sort();
    for &obj in ids {
        let Some(h) = headers.get(&obj) else { continue };
        // Parent 3 and 4 are yaffs's deleted and unlinked pseudo-directories.
        if obj == 1 || matches!(h.parent, 3 | 4) {
            continue;
        }
        let Some(path) = path_of(obj) else {
            out.damaged.push(format!("object {obj} ({}): no path to the root", h.name));
            continue;
        };
        match h.kind {
            3 => out.entries.push(Entry { path, node: Node::Dir }),
            2 => out.entries.push(Entry { path, node: Node::Symlink(h.alias.clone()) }),
            1 => {
                let pieces = h.size.div_ceil(page);
                let mut data = Vec::with_capacity(h.size.min(1 << 24));
                let mut missing = false;
                for id in 1..=pieces as u32 {
                    match chunks.get(&(obj, id)) {
                        Some((_, bytes)) => data.extend_from_slice(bytes),
                        None => {
                            missing = true;
                            break;
                        }
                    }
                }
                data.truncate(h.size);
                if missing || data.len() != h.size {
                    out.damaged.push(format!("{path}: data chunks are missing"));
                }
                left = left.checked_sub(data.len() as u64).ok_or(Failure::OverBudget)?;
                let node = Node::file(&path, data, h.mode & 0o7777);
                out.entries.push(Entry { path, node });
            }
            _ => out.special.push(path),
        }
    }
    Ok(out)
}
