//! YAFFS2 (Aleph One's `yaffs_guts.h`, `yaffs_packedtags2.h`), read by hand: no maintained crate
//! reads it. The image is a run of chunks, each a page of data and a spare area whose first 16
//! bytes are the packed tags: sequence number, object id (object type in its top 4 bits on
//! headers), chunk id (0, or the extra-header flag 0x80000000, for an object header; else the
//! data chunk's number from 1) and the byte count. An object header holds the type (file,
//! symlink, directory, hard link, special), the parent object, the name (256 bytes), the mode
//! and the file size; object 1 is the root. For each object the header and each data chunk with
//! the highest sequence number count.
//!
//! The flash layout is found, not assumed (`layout`): pages of 512 bytes to 16 KiB, spare areas
//! of the sizes NAND chips have, and the tags at the spare's start (as mkyaffs2image writes them)
//! or after its two-byte bad-block marker (as many NAND drivers lay the spare out: unyaffs's
//! `-b`). A layout is taken when the first chunk's tags name an object header and every other
//! chunk of the first sixteen that is not erased has tags that hold together.

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

/// Where a YAFFS2 image's chunks and tags are: page and spare sizes, and the tags' place in the
/// spare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    pub page: usize,
    pub spare: usize,
    pub tags: usize,
}

/// Page sizes tried, the most common first.
const PAGES: [usize; 6] = [2048, 4096, 512, 1024, 8192, 16384];
/// Spare sizes tried after a page's usual one (a 32nd of it).
const SPARES: [usize; 10] = [16, 32, 64, 128, 224, 256, 436, 448, 640, 1024];

/// The layout of the YAFFS2 image at the start of `b`, if one holds (see the module's notes).
pub fn layout(b: &[u8]) -> Option<Layout> {
    for page in PAGES {
        let usual = page / 32;
        let spares = std::iter::once(usual).chain(SPARES.into_iter().filter(move |s| *s != usual && *s < page));
        for spare in spares {
            for tags in [0, 2] {
                let l = Layout { page, spare, tags };
                if tags + 16 <= spare && l.holds(b) {
                    return Some(l);
                }
            }
        }
    }
    None
}

impl Layout {
    fn stride(self) -> usize {
        self.page + self.spare
    }

    /// The packed tags of a chunk: sequence number, object id, chunk id, byte count.
    fn tags(self, chunk: &[u8]) -> Option<(u32, u32, u32, u32)> {
        let t = chunk.get(self.page + self.tags..self.page + self.tags + 16)?;
        Some((le32(t, 0)?, le32(t, 4)?, le32(t, 8)?, le32(t, 12)?))
    }

    /// Whether the image's first chunks read as this layout's: the first an object header, the
    /// rest (of sixteen, erased ones passed over) with a sequence number, an object id and
    /// either a header's type or a byte count within the page.
    fn holds(self, b: &[u8]) -> bool {
        let plausible = |chunk: &[u8], first: bool| -> bool {
            let Some((seq, obj, id, n)) = self.tags(chunk) else { return false };
            let obj = obj & 0x0fff_ffff;
            let header = id == 0 || id & 0x8000_0000 != 0;
            (0x1000..0xefff_ff00).contains(&seq)
                && (1..0x40000).contains(&obj)
                && if header { matches!(le32(chunk, 0), Some(1..=5)) } else { !first && n as usize <= self.page }
        };
        let mut chunks = b.chunks_exact(self.stride()).take(16).filter(|c| c.iter().any(|x| *x != 0xff));
        chunks.next().is_some_and(|first| plausible(first, true)) && chunks.all(|c| plausible(c, false))
    }

    /// Chunks up to the first fully erased one.
    pub fn chunks(self, b: &[u8]) -> usize {
        b.chunks_exact(self.stride()).take_while(|c| c.iter().any(|x| *x != 0xff)).count()
    }
}

/// Reads every entry of the YAFFS2 image `b`, taking at most `budget` bytes of file content.
pub fn read(b: &[u8], budget: u64) -> Result<Contents, Failure> {
    let l = layout(b).ok_or_else(|| Failure::Unreadable("no flash layout iotvet knows holds for its chunks".into()))?;
    let (page, stride) = (l.page, l.stride());
    let mut headers: HashMap<u32, Header> = HashMap::new();
    // (object, chunk) → (sequence, bytes)
    let mut chunks: HashMap<(u32, u32), (u32, &[u8])> = HashMap::new();
    for chunk in b.chunks_exact(stride) {
        if chunk.iter().all(|x| *x == 0xff) {
            continue;
        }
        let (Some(data), Some((seq, obj, id, n))) = (chunk.get(..page), l.tags(chunk)) else { continue };
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
