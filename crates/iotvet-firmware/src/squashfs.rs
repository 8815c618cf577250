//! SquashFS 4.0 read from memory with backhand: little- and big-endian, gzip, xz, lz4, zstd,
//! standard LZMA and the vendor LZMA variants (TP-Link's bare 5-byte headers and the like, which
//! stock `unsquashfs` refuses; backhand finds their parameters by search). Other versions (2.x,
//! 3.x: older big-endian gateways) are identified with their offset and size, not opened.
//!
//! backhand parses the whole directory tree before a file is read; every file's bytes are then
//! read through a cap (the image's remaining byte budget), so a lying size in an inode cannot
//! allocate past it. A panic inside the reader on a hostile image is caught and reported as the
//! filesystem not opened, never as iotvet stopping.

use std::io::Read as _;

use crate::tree::{Contents, Entry, Failure, Node};

/// The superblock fields the walk needs before opening.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Superblock {
    pub big_endian: bool,
    pub major: u16,
    pub minor: u16,
    /// 1 gzip, 2 lzma, 3 lzo, 4 xz, 5 lz4, 6 zstd.
    pub compression: u16,
    /// The filesystem's length in bytes (bounded by the bytes there are).
    pub bytes_used: u64,
}

/// Reads the superblock at the start of `b`; None when it is not one.
pub fn superblock(b: &[u8]) -> Option<Superblock> {
    let big_endian = match b.get(..4)? {
        b"hsqs" => false,
        b"sqsh" => true,
        _ => return None,
    };
    let u16_at = |at: usize| -> Option<u16> {
        let x: [u8; 2] = b.get(at..at + 2)?.try_into().ok()?;
        Some(if big_endian { u16::from_be_bytes(x) } else { u16::from_le_bytes(x) })
    };
    let u64_at = |at: usize| -> Option<u64> {
        let x: [u8; 8] = b.get(at..at + 8)?.try_into().ok()?;
        Some(if big_endian { u64::from_be_bytes(x) } else { u64::from_le_bytes(x) })
    };
    let (major, minor) = (u16_at(28)?, u16_at(30)?);
    if !(1..=4).contains(&major) {
        return None;
    }
    // Versions before 4 keep the length elsewhere (a 32-bit field at offset 8 in 2.x/3.x).
    let bytes_used = if major == 4 {
        u64_at(40)?
    } else {
        let x: [u8; 4] = b.get(8..12)?.try_into().ok()?;
        u64::from(if big_endian { u32::from_be_bytes(x) } else { u32::from_le_bytes(x) })
    };
    Some(Superblock { big_endian, major, minor, compression: if major == 4 { u16_at(20)? } else { 1 }, bytes_used })
}

pub fn compression_name(id: u16) -> &'static str {
    match id {
        1 => "gzip",
        2 => "lzma",
        3 => "lzo",
        4 => "xz",
        5 => "lz4",
        6 => "zstd",
        _ => "unknown compression",
    }
}

/// Reads every entry of the SquashFS 4.0 filesystem `b` (exactly its `bytes_used`), taking at
/// most `budget` bytes of file content.
pub fn read(b: &[u8], sb: &Superblock, budget: u64) -> Result<Contents, Failure> {
    if sb.major != 4 {
        return Err(Failure::Unreadable(format!(
            "SquashFS {}.{}: identified, not opened (iotvet reads version 4)",
            sb.major, sb.minor
        )));
    }
    let kind = if sb.compression == 3 {
        // LZO through backhand's custom-compressor hook, decoded by lzallright (safe Rust).
        let inner = if sb.big_endian { backhand::kind::BE_V4_0 } else { backhand::kind::LE_V4_0 };
        backhand::kind::Kind::new_v4_with_const(&LZO, inner)
    } else {
        // Standard LZMA (id 2) is not in backhand's default compressor: its adaptive LZMA kind
        // reads it, and the vendor variants too.
        let target = match (sb.big_endian, sb.compression == 2) {
            (false, false) => "le_v4_0",
            (true, false) => "be_v4_0",
            (false, true) => "le_v4_0_lzma",
            (true, true) => "be_v4_0_lzma",
        };
        backhand::kind::Kind::from_target(target).map_err(Failure::Unreadable)?
    };
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| read_kind(b, kind, budget)));
    caught.unwrap_or_else(|_| Err(Failure::Unreadable("the SquashFS reader failed on this filesystem".into())))
}

/// backhand's compressor with LZO added: backhand's own LZO support is a machine translation
/// of C that works on raw pointers; lzallright decodes LZO1X in safe Rust.
struct WithLzo;

static LZO: WithLzo = WithLzo;

impl backhand::compression::CompressionAction for WithLzo {
    type Error = backhand::BackhandError;
    type Compressor = backhand::compression::Compressor;
    type FilesystemCompressor = backhand::FilesystemCompressor;
    type SuperBlock = backhand::SuperBlock;

    fn decompress(&self, bytes: &[u8], out: &mut Vec<u8>, compressor: Self::Compressor) -> Result<(), Self::Error> {
        if compressor != backhand::compression::Compressor::Lzo {
            return backhand::compression::DefaultCompressor.decompress(bytes, out, compressor);
        }
        // backhand reserves a block's size; the block is decoded into that room.
        let start = out.len();
        out.resize(out.capacity().max(start + 4096), 0);
        let n = lzallright::decompress(bytes, out.get_mut(start..).unwrap_or_default())
            .map_err(|_| backhand::BackhandError::CorruptedOrInvalidSquashfs)?;
        out.truncate(start + n);
        Ok(())
    }

    fn compress(&self, _: &[u8], _: Self::FilesystemCompressor, _: u32) -> Result<Vec<u8>, Self::Error> {
        Err(backhand::BackhandError::UnsupportedCompression("iotvet reads SquashFS, it does not write it".into()))
    }
}

fn read_kind(b: &[u8], kind: backhand::kind::Kind, budget: u64) -> Result<Contents, Failure> {
    let fs = backhand::FilesystemReader::from_reader_with_offset_and_kind(std::io::Cursor::new(b), 0, kind)
        .map_err(|e| Failure::Unreadable(format!("SquashFS 4.0 does not open: {e}")))?;
    let mut out = Contents { entries: Vec::new(), special: Vec::new(), damaged: Vec::new() };
    // The tree first (cheap), then the files' bytes on two threads: decompressing the blocks is
    // nearly all the work, and backhand's reader may be shared (its reads are locked, its
    // decompression is not).
    let mut files = Vec::new();
    for node in fs.files() {
        let path = node.fullpath.to_string_lossy().into_owned();
        let mode = u32::from(node.header.permissions);
        match &node.inner {
            backhand::InnerNode::File(file) => {
                files.push((out.entries.len(), file));
                out.entries.push(Entry { path, node: Node::File { data: Vec::new(), mode } });
            }
            backhand::InnerNode::Symlink(link) => {
                out.entries.push(Entry { path, node: Node::Symlink(link.link.to_string_lossy().into_owned()) })
            }
            backhand::InnerNode::Dir(_) if path == "/" => {}
            backhand::InnerNode::Dir(_) => out.entries.push(Entry { path, node: Node::Dir }),
            _ => out.special.push(path),
        }
    }
    let left = std::sync::atomic::AtomicU64::new(budget);
    let over = std::sync::atomic::AtomicBool::new(false);
    let read_one = |file: &backhand::SquashfsFileReader| -> (Vec<u8>, Option<String>) {
        let room = left.load(std::sync::atomic::Ordering::Relaxed);
        // Sized once: growing by doubling copied every large file several times.
        let want = u64::try_from(file.file_len()).unwrap_or(u64::MAX).min(room.saturating_add(1));
        let mut data = Vec::with_capacity(usize::try_from(want).unwrap_or(0));
        let err = fs.file(file).reader().take(room.saturating_add(1)).read_to_end(&mut data).err();
        let n = data.len() as u64;
        if left
            .fetch_update(std::sync::atomic::Ordering::Relaxed, std::sync::atomic::Ordering::Relaxed, |l| {
                l.checked_sub(n)
            })
            .is_err()
        {
            over.store(true, std::sync::atomic::Ordering::Relaxed);
        }
        (data, err.map(|e| e.to_string()))
    };
    type Read = Vec<(usize, (Vec<u8>, Option<String>))>;
    // Each thread takes the next run of files in the tree's order: neighbours share fragment
    // blocks, and a block two threads both miss in backhand's cache is inflated twice (files
    // dealt alternately did that for nearly every fragment).
    const RUN: usize = 32;
    let next = std::sync::atomic::AtomicUsize::new(0);
    let halves: Option<Vec<Read>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..2)
            .map(|_| {
                let (files, read_one, over, next) = (&files, &read_one, &over, &next);
                scope.spawn(move || {
                    let mut got = Vec::new();
                    while let Some(run) = files.get(next.fetch_add(RUN, std::sync::atomic::Ordering::Relaxed)..) {
                        for (at, file) in run.iter().take(RUN) {
                            if over.load(std::sync::atomic::Ordering::Relaxed) {
                                return got;
                            }
                            got.push((*at, read_one(file)));
                        }
                    }
                    got
                })
            })
            .collect();
        // A reader that panicked on a hostile block: the filesystem is not opened.
        workers.into_iter().map(|w| w.join().ok()).collect()
    });
    let Some(halves) = halves else {
        return Err(Failure::Unreadable("the SquashFS reader failed on this filesystem".into()));
    };
    if over.load(std::sync::atomic::Ordering::Relaxed) {
        return Err(Failure::OverBudget);
    }
    for (at, (data, err)) in halves.into_iter().flatten() {
        if let Some(Entry { path, node: Node::File { data: slot, .. } }) = out.entries.get_mut(at) {
            if let Some(e) = err {
                out.damaged.push(format!("{path}: {e}"));
            }
            *slot = data;
        }
    }
    Ok(out)
}
