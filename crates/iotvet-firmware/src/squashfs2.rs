//! SquashFS 2.x, read by hand: the format of gateways and routers from before 2009 (binwalk's
//! `squashfs_v2.bin` vector is a 2.0 big-endian image from a DSL modem). No maintained crate
//! reads it — backhand reads 3.0 and 4.0 — and its only description is squashfs-tools' own
//! source (`squashfs_compat.h`, `unsquash-2.c`), which this follows:
//! - a 63-byte superblock: table offsets as 32-bit numbers, the root inode as (metadata block,
//!   offset), the block size, flags;
//! - inodes and directories in metadata blocks of at most 8 KiB, each after a 16-bit header
//!   (its length; the top bit set when stored uncompressed);
//! - inodes and directory entries as C bit-fields, packed: in a big-endian image numbered from
//!   each byte's top bit, in a little-endian one from its bottom bit (`Bits`);
//! - a regular file's data as blocks listed after its inode, 32-bit sizes with bit 24 set when a
//!   block is stored uncompressed.
//!
//! Blocks are zlib, as squashfs-tools 2.x wrote them, or LZMA as vendors patched it in: five
//! bytes of properties and dictionary size, no length (`5d 00 00 08 00` …), which is decoded
//! by liblzma's LZMA-alone decoder once a length is put after them. Each block says which by its
//! first byte. Fragments (tails of files packed together) are not read: such a file is listed
//! as damaged, with why. Directories are walked from the root once each, at most 64 deep.

use crate::formats::{be64, le64, u16_in, u32_in};
use crate::tree::{Contents, Entry, Failure, Node};

/// Inode types.
const DIR: u32 = 1;
const FILE: u32 = 2;
const SYMLINK: u32 = 3;
const LDIR: u32 = 8;

/// A metadata block holds at most this many bytes.
const METADATA: usize = 8192;
/// A regular file's block stored uncompressed.
const STORED: u32 = 1 << 24;
/// No fragment.
const NO_FRAGMENT: u32 = 0xffff_ffff;
/// Entries read at most (a hostile directory table cannot make more).
const MAX_ENTRIES: usize = 200_000;
const MAX_DEPTH: usize = 64;

/// Fields packed as C bit-fields, read in order.
struct Bits<'a> {
    bytes: &'a [u8],
    at: usize,
    big_endian: bool,
}

impl Bits<'_> {
    fn take(&mut self, n: usize) -> Option<u32> {
        let mut v: u64 = 0;
        for i in 0..n {
            let bit = self.at + i;
            let byte = u64::from(*self.bytes.get(bit / 8)?);
            if self.big_endian {
                v = (v << 1) | ((byte >> (7 - bit % 8)) & 1);
            } else {
                v |= ((byte >> (bit % 8)) & 1) << i;
            }
        }
        self.at += n;
        u32::try_from(v).ok()
    }

    /// Bytes read so far (the fields end on a byte).
    fn consumed(&self) -> usize {
        self.at.div_ceil(8)
    }
}

struct Superblock {
    big_endian: bool,
    inode_table: usize,
    directory_table: usize,
    /// Where the directory table ends: the next table's start.
    directory_end: usize,
    root_block: usize,
    root_offset: usize,
    block_size: usize,
}

fn superblock(b: &[u8], big_endian: bool) -> Option<Superblock> {
    let at = |at: usize| u32_in(b, at, big_endian).and_then(|v| usize::try_from(v).ok());
    let (inode_table, directory_table) = (at(20)?, at(24)?);
    let root = if big_endian { be64(b, 43)? } else { le64(b, 43)? };
    let block_size = at(51)?;
    // The tables that may follow the directory table: uids, gids, fragments; else the end.
    let directory_end = [at(12)?, at(16)?, at(59)?, at(8)?]
        .into_iter()
        .filter(|&t| t > directory_table)
        .min()
        .unwrap_or(b.len())
        .min(b.len());
    let ok = inode_table < directory_table && (4096..=1 << 20).contains(&block_size) && block_size.is_power_of_two();
    ok.then_some(Superblock {
        big_endian,
        inode_table,
        directory_table,
        directory_end,
        root_block: usize::try_from(root >> 16).ok()?,
        root_offset: (root & 0xffff) as usize,
        block_size,
    })
}

/// A block as stored: zlib (its first byte 0x78) or a vendor's LZMA with a bare 5-byte header;
/// `want` bytes when that is known (a data block), else at most `max`.
fn unpack(packed: &[u8], want: Option<usize>, max: usize) -> Result<Vec<u8>, String> {
    match packed.first() {
        Some(0x78) => {
            let mut out = vec![0; max];
            let n = libdeflater::Decompressor::new()
                .zlib_decompress(packed, &mut out)
                .map_err(|e| format!("a zlib block does not inflate: {e}"))?;
            out.truncate(n);
            Ok(out)
        }
        Some(props) if *props < 225 && packed.len() > 5 => {
            use std::io::Read as _;
            // LZMA-alone's 13-byte header: the five bytes there are, then the length (all ones:
            // not known, the stream ends where its bytes do).
            let length = want.map_or(u64::MAX, |n| n as u64);
            let head = packed.get(..5).unwrap_or_default();
            let input = [head, &length.to_le_bytes(), packed.get(5..).unwrap_or_default()].concat();
            let stream = liblzma::stream::Stream::new_lzma_decoder(crate::streams::LZMA_MEMLIMIT)
                .map_err(|e| format!("LZMA: {e}"))?;
            let mut out = Vec::new();
            let read =
                liblzma::bufread::XzDecoder::new_stream(&input[..], stream).take(max as u64 + 1).read_to_end(&mut out);
            // A stream without an end marker stops with an error once its bytes are used up:
            // what it gave is the block.
            match (read, want) {
                (_, Some(n)) if out.len() == n => Ok(out),
                (Err(e), _) if out.is_empty() => Err(format!("an LZMA block does not decode: {e}")),
                (_, Some(n)) => Err(format!("an LZMA block gives {} bytes of {n}", out.len())),
                _ if out.len() > max => Err(format!("an LZMA block gives more than {max} bytes")),
                _ => Ok(out),
            }
        }
        _ => Err("a block neither zlib nor LZMA".into()),
    }
}

/// A metadata table (`from`..`to`) decoded: its bytes, and where each block starts in them (by
/// the block's offset from the table's start, as inodes and directories point to it).
struct Table {
    bytes: Vec<u8>,
    starts: std::collections::HashMap<usize, usize>,
}

impl Table {
    fn read(b: &[u8], from: usize, to: usize, big_endian: bool) -> Result<Table, String> {
        let mut t = Table { bytes: Vec::new(), starts: std::collections::HashMap::new() };
        let mut at = from;
        while at + 2 <= to {
            let h = u16_in(b, at, big_endian).ok_or("a table past the end")?;
            let len = usize::from(h & 0x7fff);
            let packed = b.get(at + 2..at + 2 + len).ok_or("a metadata block past the end")?;
            t.starts.insert(at - from, t.bytes.len());
            if h & 0x8000 != 0 {
                t.bytes.extend_from_slice(packed);
            } else {
                t.bytes.extend(unpack(packed, None, METADATA)?);
            }
            at += 2 + len;
        }
        Ok(t)
    }

    /// The bytes from (block, offset) on.
    fn at(&self, block: usize, offset: usize) -> Option<&[u8]> {
        self.bytes.get(self.starts.get(&block)?.checked_add(offset)?..)
    }
}

/// What reading the tree needs.
struct Reader<'a> {
    b: &'a [u8],
    sb: Superblock,
    inodes: Table,
    dirs: Table,
    left: u64,
    out: Contents,
    seen: std::collections::HashSet<(usize, usize)>,
}

/// Reads every entry of the SquashFS 2.x filesystem `b`, at most `budget` bytes of file content.
pub fn read(b: &[u8], big_endian: bool, budget: u64) -> Result<Contents, Failure> {
    let sb = superblock(b, big_endian).ok_or_else(|| Failure::Unreadable("its superblock does not hold".into()))?;
    let unreadable = |what: &str, e: String| Failure::Unreadable(format!("its {what} does not read: {e}"));
    let inodes =
        Table::read(b, sb.inode_table, sb.directory_table, big_endian).map_err(|e| unreadable("inode table", e))?;
    let dirs = Table::read(b, sb.directory_table, sb.directory_end, big_endian)
        .map_err(|e| unreadable("directory table", e))?;
    let (root_block, root_offset) = (sb.root_block, sb.root_offset);
    let mut r = Reader {
        b,
        sb,
        inodes,
        dirs,
        left: budget,
        out: Contents { entries: Vec::new(), special: Vec::new(), damaged: Vec::new() },
        seen: std::collections::HashSet::new(),
    };
    let Some((DIR | LDIR, start, offset, size)) = r.dir_inode(root_block, root_offset) else {
        return Err(Failure::Unreadable("its root inode is not a directory".into()));
    };
    r.seen.insert((root_block, root_offset));
    r.walk("", start, offset, size, 0)?;
    Ok(r.out)
}

impl Reader<'_> {
    /// A directory inode at (block, offset): its type, and where its entries are and how long.
    fn dir_inode(&self, block: usize, offset: usize) -> Option<(u32, usize, usize, usize)> {
        let mut bits = Bits { bytes: self.inodes.at(block, offset)?, at: 0, big_endian: self.sb.big_endian };
        let kind = bits.take(4)?;
        bits.take(28)?;
        let (size, offset, start) = match kind {
            DIR => {
                let (size, offset) = (bits.take(19)?, bits.take(13)?);
                bits.take(32)?;
                (size, offset, bits.take(24)?)
            }
            LDIR => {
                let (size, offset) = (bits.take(27)?, bits.take(13)?);
                bits.take(32)?;
                (size, offset, bits.take(24)?)
            }
            _ => return Some((kind, 0, 0, 0)),
        };
        Some((kind, start as usize, offset as usize, size as usize))
    }

    /// The entries of the directory at `path` whose listing is at (start, offset), `size` bytes.
    fn walk(&mut self, path: &str, start: usize, offset: usize, size: usize, depth: usize) -> Result<(), Failure> {
        if depth > MAX_DEPTH {
            self.out.damaged.push(format!("{path}/: more than {MAX_DEPTH} directories deep: not walked"));
            return Ok(());
        }
        let Some(listing) = self.dirs.at(start, offset) else {
            self.out.damaged.push(format!("{path}/: its listing is past the directory table"));
            return Ok(());
        };
        let listing = listing.get(..size.min(listing.len())).unwrap_or_default().to_vec();
        let mut entries = Vec::new();
        let mut at = 0;
        while at + 4 <= listing.len() {
            let mut bits = Bits { bytes: &listing[at..], at: 0, big_endian: self.sb.big_endian };
            let (Some(count), Some(block)) = (bits.take(8), bits.take(24)) else { break };
            at += 4;
            for _ in 0..=count {
                let mut bits =
                    Bits { bytes: listing.get(at..).unwrap_or_default(), at: 0, big_endian: self.sb.big_endian };
                let (Some(inode_offset), Some(_), Some(len)) = (bits.take(13), bits.take(3), bits.take(8)) else {
                    break;
                };
                let name_at = at + bits.consumed();
                let Some(name) = listing.get(name_at..name_at + len as usize + 1) else { break };
                entries.push((String::from_utf8_lossy(name).into_owned(), block as usize, inode_offset as usize));
                at = name_at + len as usize + 1;
            }
        }
        for (name, block, inode_offset) in entries {
            if self.out.entries.len() >= MAX_ENTRIES {
                self.out.damaged.push(format!("{path}: more than {MAX_ENTRIES} entries: the rest not read"));
                return Ok(());
            }
            if name.contains('/') || name == "." || name == ".." {
                self.out.damaged.push(format!("{path}/{name}: not a name a directory can hold"));
                continue;
            }
            let full = format!("{path}/{name}");
            self.entry(full, block, inode_offset, depth)?;
        }
        Ok(())
    }

    /// The entry whose inode is at (block, offset).
    fn entry(&mut self, path: String, block: usize, offset: usize, depth: usize) -> Result<(), Failure> {
        let Some(inode) = self.inodes.at(block, offset) else {
            self.out.damaged.push(format!("{path}: its inode is past the inode table"));
            return Ok(());
        };
        let mut bits = Bits { bytes: inode, at: 0, big_endian: self.sb.big_endian };
        let (Some(kind), Some(mode)) = (bits.take(4), bits.take(12)) else { return Ok(()) };
        bits.take(16);
        match kind {
            DIR | LDIR => {
                let Some((_, start, listing, size)) = self.dir_inode(block, offset) else { return Ok(()) };
                self.out.entries.push(Entry { path: path.clone(), node: Node::Dir });
                // A directory is walked once: an entry pointing back at one met before (a loop
                // in a hostile image) is listed, not walked again.
                if !self.seen.insert((block, offset)) {
                    self.out.damaged.push(format!("{path}/: the directory met before: not walked again"));
                    return Ok(());
                }
                self.walk(&path, start, listing, size, depth + 1)
            }
            SYMLINK => {
                let len = bits.take(16).unwrap_or(0) as usize;
                let target = inode.get(6..6 + len).unwrap_or_default();
                self.out.entries.push(Entry { node: Node::file_or_link(true, &path, target.to_vec(), 0), path });
                Ok(())
            }
            FILE => {
                let fields: Option<Vec<u32>> = (0..5).map(|_| bits.take(32)).collect();
                let Some(&[_mtime, start, fragment, _offset, size]) = fields.as_deref() else { return Ok(()) };
                self.left = self.left.checked_sub(u64::from(size)).ok_or(Failure::OverBudget)?;
                let (data, damage) =
                    self.file(inode.get(bits.consumed()..).unwrap_or_default(), start, fragment, size)?;
                if let Some(why) = damage {
                    self.out.damaged.push(format!("{path}: {why}"));
                }
                self.out.entries.push(Entry { node: Node::file(&path, data, mode), path });
                Ok(())
            }
            _ => {
                self.out.special.push(path);
                Ok(())
            }
        }
    }

    /// A regular file's bytes from its block list (`list`, after its inode), and what is wrong
    /// with it if anything is.
    fn file(&self, list: &[u8], start: u32, fragment: u32, size: u32) -> Result<(Vec<u8>, Option<String>), Failure> {
        let (size, block_size) = (size as usize, self.sb.block_size);
        let blocks = if fragment == NO_FRAGMENT { size.div_ceil(block_size) } else { size / block_size };
        let mut data = Vec::with_capacity(size.min(self.b.len().saturating_mul(200)));
        let mut at = start as usize;
        for i in 0..blocks {
            let Some(entry) = u32_in(list, i * 4, self.sb.big_endian) else {
                return Ok((data, Some("its block list runs past the inode table".into())));
            };
            let len = (entry & !STORED) as usize;
            let want = (size - data.len()).min(block_size);
            let Some(packed) = self.b.get(at..at + len) else {
                return Ok((data, Some(format!("a block at {at} is past the filesystem's end"))));
            };
            match if entry & STORED != 0 { Ok(packed.to_vec()) } else { unpack(packed, Some(want), block_size) } {
                Ok(block) => data.extend_from_slice(block.get(..want.min(block.len())).unwrap_or_default()),
                Err(e) => return Ok((data, Some(format!("a block at {at}: {e}")))),
            }
            at += len;
        }
        let damage = (data.len() < size).then(|| {
            if fragment == NO_FRAGMENT {
                format!("{} of its {size} bytes read", data.len())
            } else {
                format!(
                    "its last {} bytes are in a fragment, which iotvet does not read in SquashFS 2.x",
                    size - data.len()
                )
            }
        });
        Ok((data, damage))
    }
}
