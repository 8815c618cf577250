//! SquashFS 4.0 read from memory with backhand: little- and big-endian, gzip, xz, lz4, zstd,
//! standard LZMA and the vendor LZMA variants (TP-Link's bare 5-byte headers and the like, which
//! stock `unsquashfs` refuses; backhand finds their parameters by search). 2.x is read by
//! `squashfs2`; 1.x and 3.x are identified with their offset and size, not opened (backhand
//! reads 3.0, but no 3.x image was at hand to check it against `unsquashfs`).
//!
//! backhand parses the whole directory tree before a file is read; every file's bytes are then
//! read through a cap (the image's remaining byte budget), so a lying size in an inode cannot
//! allocate past it. A panic inside the reader on a hostile image is caught and reported as the
//! filesystem not opened, never as iotvet stopping.

use std::io::Read as _;

use crate::tree::{self, Contents, Entry, Failure, Kept, Node};

/// The superblock fields the walk needs before opening.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Superblock {
    pub big_endian: bool,
    pub major: u16,
    pub minor: u16,
    /// 1 gzip, 2 lzma, 3 lzo, 4 xz, 5 lz4, 6 zstd; 0 before 4.0 (each block says which).
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
    Some(Superblock { big_endian, major, minor, compression: if major == 4 { u16_at(20)? } else { 0 }, bytes_used })
}

pub fn compression_name(id: u16) -> &'static str {
    match id {
        1 => "gzip",
        2 => "lzma",
        3 => "lzo",
        4 => "xz",
        5 => "lz4",
        6 => "zstd",
        0 => "zlib or LZMA",
        _ => "unknown compression",
    }
}

/// Reads every entry of the SquashFS 4.0 filesystem `b` (exactly its `bytes_used`), taking at
/// most `budget` bytes of file content.
pub fn read(b: &[u8], sb: &Superblock, budget: u64, kept: Kept) -> Result<Contents, Failure> {
    if sb.major == 2 {
        let caught =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| crate::squashfs2::read(b, sb.big_endian, budget)));
        return caught
            .unwrap_or_else(|_| Err(Failure::Unreadable("the SquashFS 2.x reader failed on this filesystem".into())));
    }
    if sb.major != 4 {
        return Err(Failure::Unreadable(format!(
            "SquashFS {}.{}: identified, not opened (iotvet reads versions 2 and 4)",
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
    let caught =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| read_kind(b, kind, sb.compression, budget, kept)));
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

fn read_kind(
    b: &[u8],
    kind: backhand::kind::Kind,
    compression: u16,
    budget: u64,
    kept: Kept,
) -> Result<Contents, Failure> {
    let fs = backhand::FilesystemReader::from_reader_with_offset_and_kind(std::io::Cursor::new(b), 0, kind)
        .map_err(|e| Failure::Unreadable(format!("SquashFS 4.0 does not open: {e}")))?;
    let mut out = Contents { entries: Vec::new(), special: Vec::new(), damaged: Vec::new() };
    // The tree first (cheap), then the files' bytes on two threads: decompressing the blocks is
    // nearly all the work.
    let mut files = Vec::new();
    for node in fs.files() {
        let path = node.fullpath.to_string_lossy().into_owned();
        let mode = u32::from(node.header.permissions);
        match &node.inner {
            backhand::InnerNode::File(file) => {
                files.push((out.entries.len(), tree::normalise(&path).unwrap_or_default(), mode, file));
                // Its place in the listing: the reading threads make its node.
                out.entries.push(Entry { path, node: Node::Dir });
            }
            backhand::InnerNode::Symlink(link) => {
                out.entries.push(Entry { path, node: Node::Symlink(link.link.to_string_lossy().into_owned()) })
            }
            backhand::InnerNode::Dir(_) if path == "/" => {}
            backhand::InnerNode::Dir(_) => out.entries.push(Entry { path, node: Node::Dir }),
            _ => out.special.push(path),
        }
    }
    let direct = Direct::new(b, &fs, compression);
    let left = std::sync::atomic::AtomicU64::new(budget);
    let over = std::sync::atomic::AtomicBool::new(false);
    // A file's bytes go into the thread's buffer (`bytes`, reused from file to file), are read
    // for version strings there and copied out only if the tree keeps them: most of an image
    // is programs, whose bytes an analysis lets go, and a buffer reused needs no fresh pages.
    let read_one = |file: &backhand::SquashfsFileReader, bytes: &mut Vec<u8>, scratch: &mut Scratch| {
        let room = left.load(std::sync::atomic::Ordering::Relaxed);
        let want = u64::try_from(file.file_len()).unwrap_or(u64::MAX).min(room.saturating_add(1));
        let want = usize::try_from(want).unwrap_or(usize::MAX);
        let mut n = 0;
        let err = match &direct {
            Some(direct) => direct.fill(file, want, bytes, &mut n, scratch).err(),
            None => {
                bytes.clear();
                let err = fs.file(file).reader().take(want as u64).read_to_end(bytes).err();
                n = bytes.len();
                err.map(|e| e.to_string())
            }
        };
        if left
            .fetch_update(std::sync::atomic::Ordering::Relaxed, std::sync::atomic::Ordering::Relaxed, |l| {
                l.checked_sub(n as u64)
            })
            .is_err()
        {
            over.store(true, std::sync::atomic::Ordering::Relaxed);
        }
        (n, err)
    };
    type Read = Vec<(usize, Node, Option<String>)>;
    // Each thread takes the next run of files in the tree's order: neighbours share fragment
    // blocks, which each thread keeps a few of (files dealt alternately had both threads
    // inflate nearly every fragment block).
    const RUN: usize = 32;
    let next = std::sync::atomic::AtomicUsize::new(0);
    let halves: Option<Vec<Read>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..2)
            .map(|_| {
                let (files, read_one, over, next) = (&files, &read_one, &over, &next);
                scope.spawn(move || {
                    let mut got = Vec::new();
                    let mut scratch = Scratch::default();
                    let mut bytes = Vec::new();
                    while let Some(run) = files.get(next.fetch_add(RUN, std::sync::atomic::Ordering::Relaxed)..) {
                        for (at, inside, mode, file) in run.iter().take(RUN) {
                            if over.load(std::sync::atomic::Ordering::Relaxed) {
                                return got;
                            }
                            let (n, err) = read_one(file, &mut bytes, &mut scratch);
                            let data = bytes.get(..n).unwrap_or_default();
                            got.push((*at, Node::file_from(inside, data, *mode, kept), err));
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
    for (at, node, err) in halves.into_iter().flatten() {
        if let Some(Entry { path, node: slot }) = out.entries.get_mut(at) {
            if let Some(e) = err {
                out.damaged.push(format!("{path}: {e}"));
            }
            *slot = node;
        }
    }
    Ok(out)
}

/// A file's bytes read straight from the image with backhand's file table, each block inflated
/// in place into the reading thread's buffer (`fill`). backhand's own file reader does
/// more per block — copies the packed bytes out of the image under a lock, zero-fills the
/// caller's buffer before copying into it — and keeps every fragment block it inflates for as
/// long as the filesystem is open (39 MB on the benchmark image). Not for LZMA, whose vendor
/// variants only backhand's adaptive decoder reads (it is not public): those files go through
/// backhand's reader.
struct Direct<'a> {
    image: &'a [u8],
    block_size: usize,
    fragments: &'a [backhand::Fragment],
    compressor: backhand::compression::Compressor,
}

/// What a reading thread keeps between files: the vector other compressors than gzip append a
/// block to, the last fragment blocks it inflated (neighbouring files share them), and its
/// inflater for gzip blocks.
#[derive(Default)]
struct Scratch {
    spare: Vec<u8>,
    fragments: std::collections::VecDeque<(usize, Vec<u8>)>,
    inflater: Option<libdeflater::Decompressor>,
}

/// Fragment blocks a thread keeps.
const KEPT_FRAGMENTS: usize = 4;

impl<'a> Direct<'a> {
    fn new(image: &'a [u8], fs: &'a backhand::FilesystemReader, compression: u16) -> Option<Self> {
        use backhand::compression::Compressor;
        let compressor = match compression {
            1 => Compressor::Gzip,
            3 => Compressor::Lzo,
            4 => Compressor::Xz,
            5 => Compressor::Lz4,
            6 => Compressor::Zstd,
            _ => return None,
        };
        Some(Self {
            image,
            block_size: usize::try_from(fs.block_size).ok()?,
            fragments: fs.fragments.as_deref().unwrap_or_default(),
            compressor,
        })
    }

    /// The stored block at `start`, `size` as the table says it (its high bit: stored as it
    /// is), inflated into `out` (a block's room); how many bytes it holds. Gzip is inflated
    /// straight into `out`; the other compressors append to a vector, `spare`, copied from.
    fn block_into(
        &self,
        start: u64,
        size: backhand::DataSize,
        out: &mut [u8],
        inflater: &mut Option<libdeflater::Decompressor>,
        spare: &mut Vec<u8>,
    ) -> Result<usize, String> {
        use backhand::compression::CompressionAction as _;
        let len = size.size() as usize;
        let packed = usize::try_from(start)
            .ok()
            .and_then(|s| self.image.get(s..s.checked_add(len)?))
            .ok_or_else(|| format!("a block at {start} of {len} bytes is past the filesystem's end"))?;
        if len > self.block_size {
            return Err(format!("a block at {start} says {len} bytes, more than a block"));
        }
        let too_big = |n: usize| format!("a block at {start} unpacks to {n} bytes, more than a block");
        if size.uncompressed() {
            out.get_mut(..len).ok_or_else(|| too_big(len))?.copy_from_slice(packed);
            Ok(len)
        } else if self.compressor == backhand::compression::Compressor::Gzip {
            inflater
                .get_or_insert_with(libdeflater::Decompressor::new)
                .zlib_decompress(packed, out)
                .map_err(|e| format!("a block at {start}: {e}"))
        } else {
            spare.clear();
            spare.reserve(self.block_size);
            LZO.decompress(packed, spare, self.compressor).map_err(|e| format!("a block at {start}: {e}"))?;
            out.get_mut(..spare.len()).ok_or_else(|| too_big(spare.len()))?.copy_from_slice(spare);
            Ok(spare.len())
        }
    }

    /// The file's bytes, `want` of them at most, written at the start of `buf`; `written` says
    /// how many, also when a damaged block stops the file. `buf` is the reading thread's: it
    /// grows to hold a file and a block more and never shrinks, so its pages are touched once
    /// and blocks are inflated into it in place (into a block of its own and copied onto the
    /// file, every byte was written twice, and every file's room zero-filled first).
    fn fill(
        &self,
        file: &backhand::SquashfsFileReader,
        want: usize,
        buf: &mut Vec<u8>,
        written: &mut usize,
        scratch: &mut Scratch,
    ) -> Result<(), String> {
        let Scratch { spare, fragments, inflater } = scratch;
        let block_size = self.block_size;
        // Room for a block at `n`: grown by doubling, at most to the file and a block (a hostile
        // length is not allocated before its blocks are there).
        let grow = |buf: &mut Vec<u8>, n: usize| {
            let end = n + block_size;
            if buf.len() < end {
                buf.resize(end.max(buf.len().saturating_mul(2)).min(want.saturating_add(block_size)), 0);
            }
        };
        let mut n = 0;
        let mut at = file.blocks_start();
        for size in file.block_sizes() {
            *written = n;
            let left = want - n;
            if left == 0 {
                return Ok(());
            }
            grow(buf, n);
            let room = buf.get_mut(n..n + block_size).ok_or("no room for a block")?;
            if size.size() == 0 {
                // A hole: a block of zeros, nothing stored.
                room.fill(0);
                n += left.min(block_size);
                continue;
            }
            n += self.block_into(at, *size, room, inflater, spare)?.min(left);
            at += u64::from(size.size());
        }
        *written = n;
        let left = want - n;
        if left == 0 {
            return Ok(());
        }
        let index = file.frag_index();
        let Some(fragment) = self.fragments.get(index) else {
            return Err(format!("{left} bytes missing (no fragment {index})"));
        };
        if !fragments.iter().any(|(i, _)| *i == index) {
            let mut block = if fragments.len() >= KEPT_FRAGMENTS {
                fragments.pop_front().map(|(_, b)| b).unwrap_or_default()
            } else {
                Vec::new()
            };
            block.resize(block_size, 0);
            let got = self.block_into(fragment.start, fragment.size, &mut block, inflater, spare)?;
            block.truncate(got);
            fragments.push_back((index, block));
        }
        let Some((_, block)) = fragments.iter().find(|(i, _)| *i == index) else {
            return Err(format!("fragment {index} not read"));
        };
        let from = file.block_offset() as usize;
        let tail = from.checked_add(left).and_then(|end| block.get(from..end));
        let tail = tail.ok_or_else(|| format!("the file's end is past its fragment block {index}"))?;
        grow(buf, n);
        buf.get_mut(n..n + left).ok_or("no room for the file's end")?.copy_from_slice(tail);
        *written = n + left;
        Ok(())
    }
}
