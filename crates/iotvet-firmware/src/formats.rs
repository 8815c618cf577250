//! The formats read by hand, each a documented fixed header:
//! - U-Boot's legacy uImage (`include/image.h`: 64 bytes, big-endian, CRC-32 of the header and
//!   of the data) and its FIT images (a flattened device tree, devicetree specification §5,
//!   whose `/images/*` nodes hold the kernel, ramdisk and filesystem as `data` properties or
//!   at `data-offset`/`data-position` after the tree);
//! - Broadcom's TRX (`trxhdr.h`: 28 or 32 bytes, little-endian, a CRC-32 over the rest);
//! - Android boot images (`bootimg.h`, versions 0–4) and sparse images (`sparse_format.h`,
//!   expanded: raw, fill and don't-care chunks);
//! - cpio (newc/crc: 110 ASCII-hex bytes, fields and name padded to 4; odc: 76 ASCII-octal);
//! - UBI (erase-counter headers `UBI#` at each erase block, volume-id headers `UBI!`): its
//!   volumes put back together from their logical blocks (`ubi_volumes`), each walked for what
//!   it holds (a SquashFS root, a kernel);
//! - headers that identify flash filesystems — UBIFS (superblock node; not opened: no reader),
//!   JFFS2 (node headers with their CRC), YAFFS2 (no magic: an object header followed by its
//!   spare-area tags), read by their own modules — and the ext2/3/4 superblock, for its size
//!   and generation.
//!
//! No maintained crate reads these headers (the one device-tree crate is an alpha release),
//! and each is a few lines; gzip, tar and the compressed streams go to their crates.

use std::ops::Range;

use sha2::Digest as _;

pub(crate) fn be32(b: &[u8], at: usize) -> Option<u32> {
    b.get(at..at + 4).map(|x| u32::from_be_bytes([x[0], x[1], x[2], x[3]]))
}

pub(crate) fn be64(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_be_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

pub(crate) fn le64(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

pub(crate) fn le32(b: &[u8], at: usize) -> Option<u32> {
    b.get(at..at + 4).map(|x| u32::from_le_bytes([x[0], x[1], x[2], x[3]]))
}

pub(crate) fn le16(b: &[u8], at: usize) -> Option<u16> {
    b.get(at..at + 2).map(|x| u16::from_le_bytes([x[0], x[1]]))
}

/// A 32-bit field in the given byte order (JFFS2 and CramFS are written in the device's).
pub(crate) fn u32_in(b: &[u8], at: usize, big: bool) -> Option<u32> {
    if big {
        be32(b, at)
    } else {
        le32(b, at)
    }
}

pub(crate) fn u16_in(b: &[u8], at: usize, big: bool) -> Option<u16> {
    b.get(at..at + 2).map(|x| if big { u16::from_be_bytes([x[0], x[1]]) } else { u16::from_le_bytes([x[0], x[1]]) })
}

/// A NUL-terminated name from a fixed field, lossy.
pub(crate) fn c_name(b: &[u8]) -> String {
    String::from_utf8_lossy(b.split(|c| *c == 0).next().unwrap_or_default()).into_owned()
}

/// A uImage header: what it says about its payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UImage {
    pub name: String,
    pub data_size: usize,
    /// U-Boot's compression code: 0 none, 1 gzip, 2 bzip2, 3 lzma, 4 lzo, 5 lz4, 6 zstd.
    pub compression: u8,
    pub header_crc_ok: bool,
    pub data_crc_ok: Option<bool>,
}

/// A Matter OTA image (Matter Core Specification §11.21.2 "OTA Software Update File Format"):
/// `0x1BEEF11E` (little-endian), the file's total size (u64), the header's size (u32), the
/// header as Matter TLV (an anonymous structure of context-tagged fields), then the payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatterOta {
    pub total: usize,
    pub vendor_id: Option<u64>,
    pub product_id: Option<u64>,
    pub version: Option<u64>,
    pub version_string: Option<String>,
    pub payload: Range<usize>,
    /// The payload's digest as the header gives it (type, bytes), and whether it matches.
    pub digest_type: Option<u64>,
    pub digest_ok: Option<bool>,
}

pub const MATTER_OTA_MAGIC: [u8; 4] = [0x1e, 0xf1, 0xee, 0x1b];

/// One Matter TLV element's value: an unsigned or signed integer, or the bytes of a string.
enum Tlv<'a> {
    Int(u64),
    Bytes(&'a [u8]),
    Other,
}

/// The context-tagged fields of the TLV structure at the start of `b` (Matter Core
/// Specification Appendix A): tag → value, at most 32 of them; nested containers are skipped
/// whole (the OTA header has none).
fn tlv_struct(b: &[u8]) -> Option<Vec<(u8, Tlv<'_>)>> {
    if *b.first()? != 0x15 {
        return None;
    }
    let mut at = 1;
    let mut out = Vec::new();
    let mut depth = 0usize;
    while out.len() < 32 {
        let control = *b.get(at)?;
        at += 1;
        let (tag_form, kind) = (control >> 5, control & 0x1f);
        let tag = match tag_form {
            0 => None,
            1 => {
                at += 1;
                Some(*b.get(at - 1)?)
            }
            // Profile-specific and fully qualified tags (2, 4, 6 or 8 bytes).
            2 | 3 => {
                at += 2;
                None
            }
            4 | 5 => {
                at += 4;
                None
            }
            _ => {
                at += 8;
                None
            }
        };
        let int_len = |k: u8| 1usize << (k & 3);
        let value = match kind {
            0x00..=0x07 => {
                let n = int_len(kind);
                let raw = b.get(at..at + n)?;
                at += n;
                let mut v = [0u8; 8];
                v.get_mut(..n)?.copy_from_slice(raw);
                Tlv::Int(u64::from_le_bytes(v))
            }
            0x08 | 0x09 | 0x14 => Tlv::Other,
            0x0a => {
                at += 4;
                Tlv::Other
            }
            0x0b => {
                at += 8;
                Tlv::Other
            }
            0x0c..=0x13 => {
                let n = int_len(kind);
                let mut len = [0u8; 8];
                len.get_mut(..n)?.copy_from_slice(b.get(at..at + n)?);
                at += n;
                let len = usize::try_from(u64::from_le_bytes(len)).ok()?;
                let bytes = b.get(at..at.checked_add(len)?)?;
                at += len;
                Tlv::Bytes(bytes)
            }
            0x15..=0x17 => {
                depth += 1;
                Tlv::Other
            }
            0x18 if depth == 0 => return Some(out),
            0x18 => {
                depth -= 1;
                Tlv::Other
            }
            _ => return None,
        };
        if let (Some(tag), 0) = (tag, depth) {
            out.push((tag, value));
        }
    }
    Some(out)
}

pub fn matter_ota(b: &[u8]) -> Option<MatterOta> {
    if !b.starts_with(&MATTER_OTA_MAGIC) {
        return None;
    }
    let total = usize::try_from(le64(b, 4)?).ok()?;
    let header_len = le32(b, 12)? as usize;
    let fields = tlv_struct(b.get(16..16usize.checked_add(header_len)?)?)?;
    let int = |t: u8| {
        fields.iter().find_map(|(k, v)| match v {
            Tlv::Int(i) if *k == t => Some(*i),
            _ => None,
        })
    };
    let bytes = |t: u8| {
        fields.iter().find_map(|(k, v)| match v {
            Tlv::Bytes(x) if *k == t => Some(*x),
            _ => None,
        })
    };
    let start = 16 + header_len;
    let payload_size = usize::try_from(int(4)?).ok()?;
    let end = start.checked_add(payload_size)?;
    if end > total {
        return None;
    }
    let digest_type = int(8);
    let digest_ok = match (digest_type, bytes(9), b.get(start..end)) {
        (Some(1), Some(want), Some(payload)) => Some(sha2::Sha256::digest(payload).as_slice() == want),
        (Some(7), Some(want), Some(payload)) => Some(sha2::Sha384::digest(payload).as_slice() == want),
        (Some(8), Some(want), Some(payload)) => Some(sha2::Sha512::digest(payload).as_slice() == want),
        _ => None,
    };
    Some(MatterOta {
        total,
        vendor_id: int(0),
        product_id: int(1),
        version: int(2),
        version_string: bytes(3).map(|s| String::from_utf8_lossy(s).into_owned()),
        payload: start..end,
        digest_type,
        digest_ok,
    })
}

/// Arcadyan's obfuscated firmware (routers Arcadyan builds for ISPs), as binwalk documents it
/// (its `firmware` magic and its deobfuscation plugin): a 4-byte signature without a NUL,
/// `00 d5 08 00` at 0x68 and six zero bytes at 0x70. The 32-byte blocks at 4 and at 0x68 were
/// swapped, and the one now at 4 nibble-swapped and byte-pair-swapped; undone, an LZMA stream
/// starts at 4.
pub const ARCADYAN_MAGIC: [u8; 4] = [0x00, 0xd5, 0x08, 0x00];
pub const ARCADYAN_MAGIC_AT: usize = 0x68;

pub fn arcadyan(b: &[u8]) -> Option<Vec<u8>> {
    const BLOCK: usize = 32;
    let (one, two) = (4usize, ARCADYAN_MAGIC_AT);
    if b.get(two..two + 4)? != ARCADYAN_MAGIC
        || b.get(0x70..0x76)? != [0u8; 6]
        || b.get(..4)?.contains(&0)
        || b.len() < two + BLOCK
    {
        return None;
    }
    let mut out = b.to_vec();
    let (first, second) = (b.get(one..one + BLOCK)?, b.get(two..two + BLOCK)?);
    out.get_mut(two..two + BLOCK)?.copy_from_slice(first);
    let block = out.get_mut(one..one + BLOCK)?;
    block.copy_from_slice(second);
    for byte in block.iter_mut() {
        *byte = byte.rotate_left(4);
    }
    for pair in block.chunks_exact_mut(2) {
        pair.swap(0, 1);
    }
    // Ten fixed bytes can still turn up by chance in a large image: only what then starts with
    // LZMA's usual properties byte is taken (a copy of the rest of the image is walked again).
    (out.get(4) == Some(&0x5d)).then_some(out)
}

pub const UIMAGE_MAGIC: [u8; 4] = [0x27, 0x05, 0x19, 0x56];

pub fn uimage(b: &[u8]) -> Option<UImage> {
    let h = b.get(..64)?;
    if h.get(..4)? != UIMAGE_MAGIC {
        return None;
    }
    let be = |at: usize| h.get(at..at + 4).map(|x| u32::from_be_bytes([x[0], x[1], x[2], x[3]]));
    let header_crc = be(4)?;
    let data_size = be(12)? as usize;
    let data_crc = be(24)?;
    let mut zeroed = h.to_vec();
    zeroed.get_mut(4..8)?.fill(0);
    let name_bytes = h.get(32..64)?;
    let name = c_name(name_bytes);
    let data = b.get(64..64 + data_size);
    Some(UImage {
        name,
        data_size,
        compression: *h.get(31)?,
        header_crc_ok: crc32(&zeroed) == header_crc,
        data_crc_ok: data.map(|d| crc32(d) == data_crc),
    })
}

pub fn crc32(b: &[u8]) -> u32 {
    let mut c = flate2::Crc::new();
    c.update(b);
    c.sum()
}

/// One cpio entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CpioEntry<'a> {
    pub name: String,
    pub mode: u32,
    pub data: &'a [u8],
}

/// The entries of a cpio archive (newc, crc or odc) and the bytes it spans; None when `b` does
/// not start with one. An entry cut short ends the archive (with `truncated`).
pub fn cpio(b: &[u8]) -> Option<(Vec<CpioEntry<'_>>, usize, bool)> {
    let odc = b.starts_with(b"070707");
    if !(odc || b.starts_with(b"070701") || b.starts_with(b"070702")) {
        return None;
    }
    let mut out = Vec::new();
    let mut at = 0usize;
    loop {
        let Some(head) = entry_header(b.get(at..)?, odc) else { return Some((out, at, true)) };
        let (mode, name_size, file_size, header_len) = head;
        let pad = |n: usize| if odc { n } else { (n + 3) & !3 };
        let name_at = at + header_len;
        let Some(name) = b.get(name_at..name_at + name_size) else { return Some((out, at, true)) };
        let name = c_name(name);
        let data_at = pad(name_at + name_size);
        let Some(data) = b.get(data_at..data_at.saturating_add(file_size)) else { return Some((out, at, true)) };
        at = pad(data_at + file_size);
        if name == "TRAILER!!!" {
            return Some((out, at.min(b.len()), false));
        }
        out.push(CpioEntry { name, mode, data });
    }
}

/// (mode, name size, file size, header length) of a cpio entry header.
fn entry_header(b: &[u8], odc: bool) -> Option<(u32, usize, usize, usize)> {
    let field = |at: usize, len: usize, radix: u32| -> Option<u64> {
        let t = std::str::from_utf8(b.get(at..at + len)?).ok()?;
        u64::from_str_radix(t, radix).ok()
    };
    if odc {
        if !b.starts_with(b"070707") {
            return None;
        }
        let mode = field(18, 6, 8)? as u32;
        let name_size = field(59, 6, 8)? as usize;
        let file_size = field(65, 11, 8)? as usize;
        Some((mode, name_size, file_size, 76))
    } else {
        if !(b.starts_with(b"070701") || b.starts_with(b"070702")) {
            return None;
        }
        let mode = field(14, 8, 16)? as u32;
        let file_size = field(54, 8, 16)? as usize;
        let name_size = field(94, 8, 16)? as usize;
        Some((mode, name_size, file_size, 110))
    }
}

/// A TRX header: the length it covers and its partitions (offsets from the header's start).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trx {
    pub version: u16,
    pub len: usize,
    pub partitions: Vec<usize>,
    /// None when the image is shorter than `len`.
    pub crc_ok: Option<bool>,
}

pub const TRX_MAGIC: &[u8] = b"HDR0";

pub fn trx(b: &[u8]) -> Option<Trx> {
    if !b.starts_with(TRX_MAGIC) {
        return None;
    }
    let len = le32(b, 4)? as usize;
    let crc = le32(b, 8)?;
    let version = le16(b, 14)?;
    let slots = match version {
        1 => 3,
        2 => 4,
        _ => return None,
    };
    let header = 16 + 4 * slots;
    if len < header {
        return None;
    }
    let partitions: Vec<usize> = (0..slots)
        .filter_map(|i| le32(b, 16 + 4 * i))
        .map(|o| o as usize)
        .filter(|o| *o >= header && *o < len)
        .collect();
    // The CRC runs from the flags to the end, seeded with all ones and not inverted at the end
    // (Broadcom's crc32buf): the complement of the usual CRC-32.
    let crc_ok = b.get(12..len).map(|d| !crc32(d) == crc);
    Some(Trx { version, len, partitions, crc_ok })
}

/// One image of a FIT: its node name, what its properties say, and where its data lies
/// (relative to the start of the FIT), if it has any inside the bytes there are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FitImage {
    pub name: String,
    pub description: String,
    pub kind: String,
    pub compression: String,
    pub data: Option<Range<usize>>,
}

pub const FDT_MAGIC: [u8; 4] = [0xd0, 0x0d, 0xfe, 0xed];

/// A flattened device tree at the start of `b`: its total size and, for a FIT, its images.
pub fn fdt(b: &[u8]) -> Option<(usize, Vec<FitImage>)> {
    if b.get(..4)? != FDT_MAGIC {
        return None;
    }
    let total = be32(b, 4)? as usize;
    let (off_struct, off_strings) = (be32(b, 8)? as usize, be32(b, 12)? as usize);
    let version = be32(b, 20)?;
    let size_struct = be32(b, 36)? as usize;
    if !(16..=17).contains(&version) || total < 40 || off_struct >= total || off_strings >= total {
        return None;
    }
    let tree = b.get(..total.min(b.len()))?;
    let strings = tree.get(off_strings..)?;
    let structure = tree.get(off_struct..off_struct.checked_add(size_struct)?.min(tree.len()))?;
    let mut images = Vec::new();
    let mut path: Vec<String> = Vec::new();
    let mut at = 0usize;
    // External data (`data-offset`) counts from the end of the tree, rounded up to 4.
    let external = (total + 3) & !3;
    let mut current: Option<(FitImage, Option<usize>, Option<usize>)> = None;
    while let Some(token) = be32(structure, at) {
        at += 4;
        match token {
            1 => {
                let name = c_name(structure.get(at..)?);
                at = (at + name.len() + 1 + 3) & !3;
                path.push(name.clone());
                if path.len() == 3 && path[1] == "images" {
                    let image = FitImage {
                        name,
                        description: String::new(),
                        kind: String::new(),
                        compression: String::new(),
                        data: None,
                    };
                    current = Some((image, None, None));
                }
            }
            2 => {
                if path.len() == 3 {
                    if let Some((mut image, offset, size)) = current.take() {
                        if let (None, Some(start), Some(size)) = (&image.data, offset, size) {
                            image.data = Some(start..start.checked_add(size)?).filter(|r| r.end <= b.len());
                        }
                        images.push(image);
                    }
                }
                path.pop()?;
            }
            3 => {
                let len = be32(structure, at)? as usize;
                let name = c_name(strings.get(be32(structure, at + 4)? as usize..)?);
                let value_at = at + 8;
                let value = structure.get(value_at..value_at.checked_add(len)?)?;
                at = (value_at + len + 3) & !3;
                if let Some((image, offset, size)) = current.as_mut().filter(|_| path.len() == 3) {
                    match name.as_str() {
                        "data" => {
                            let start = off_struct + value_at;
                            image.data = Some(start..start + len);
                        }
                        "description" => image.description = c_name(value),
                        "type" => image.kind = c_name(value),
                        "compression" => image.compression = c_name(value),
                        "data-offset" => *offset = be32(value, 0).map(|v| external + v as usize),
                        // An absolute position, from the FIT's start.
                        "data-position" => *offset = be32(value, 0).map(|v| v as usize),
                        "data-size" => *size = be32(value, 0).map(|v| v as usize),
                        _ => {}
                    }
                }
            }
            4 => {}
            9 => break,
            _ => return None,
        }
    }
    Some((total, images))
}

/// An Android boot image's header: its version and its parts (relative to its start).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AndroidBoot {
    pub version: u32,
    pub kernel: Range<usize>,
    pub ramdisk: Range<usize>,
    pub len: usize,
}

pub fn android_boot(b: &[u8]) -> Option<AndroidBoot> {
    if !b.starts_with(b"ANDROID!") {
        return None;
    }
    let version = le32(b, 40)?;
    let (kernel_size, ramdisk_size, second_size, page) = if version >= 3 {
        (le32(b, 8)? as usize, le32(b, 12)? as usize, 0, 4096usize)
    } else {
        (le32(b, 8)? as usize, le32(b, 16)? as usize, le32(b, 24)? as usize, le32(b, 36)? as usize)
    };
    if version > 4 || !page.is_power_of_two() || !(2048..=16384).contains(&page) {
        return None;
    }
    let pages = |n: usize| n.div_ceil(page).checked_mul(page);
    let kernel = page..page.checked_add(kernel_size)?;
    let ramdisk_at = page.checked_add(pages(kernel_size)?)?;
    let ramdisk = ramdisk_at..ramdisk_at.checked_add(ramdisk_size)?;
    let len = ramdisk_at.checked_add(pages(ramdisk_size)?)?.checked_add(pages(second_size)?)?;
    Some(AndroidBoot { version, kernel, ramdisk, len })
}

pub const SPARSE_MAGIC: [u8; 4] = [0x3a, 0xff, 0x26, 0xed];

/// An Android sparse image expanded, within `cap` bytes: (the bytes, the sparse image's
/// length, why it stopped early). None when it is not one; Err(()) past the cap.
#[allow(clippy::type_complexity)]
pub fn unsparse(b: &[u8], cap: u64) -> Option<Result<(Vec<u8>, usize, Option<String>), ()>> {
    if b.get(..4)? != SPARSE_MAGIC || le16(b, 4)? != 1 {
        return None;
    }
    let (file_header, chunk_header) = (le16(b, 8)? as usize, le16(b, 10)? as usize);
    let block = le32(b, 12)? as usize;
    let chunks = le32(b, 20)?;
    if file_header < 28 || chunk_header < 12 || block == 0 || !block.is_multiple_of(4) {
        return None;
    }
    if u64::from(le32(b, 16)?).saturating_mul(block as u64) > cap {
        return Some(Err(()));
    }
    let mut out = Vec::new();
    let mut at = file_header;
    let mut cut = None;
    for _ in 0..chunks {
        let (Some(kind), Some(blocks), Some(total)) = (le16(b, at), le32(b, at + 4), le32(b, at + 8)) else {
            cut = Some("the image is cut short".to_owned());
            break;
        };
        let size = (blocks as usize).saturating_mul(block);
        if (out.len() + size) as u64 > cap {
            return Some(Err(()));
        }
        let body = at + chunk_header;
        match kind {
            0xcac1 => match b.get(body..body + size) {
                Some(raw) => out.extend_from_slice(raw),
                None => {
                    cut = Some("a raw chunk runs past the image".to_owned());
                    break;
                }
            },
            0xcac2 => {
                let fill = b.get(body..body + 4)?;
                out.extend(fill.iter().cycle().take(size));
            }
            0xcac3 => out.resize(out.len() + size, 0),
            0xcac4 => {}
            _ => {
                cut = Some(format!("unknown chunk type {kind:#x}"));
                break;
            }
        }
        at = at.checked_add(total as usize)?;
    }
    Some(Ok((out, at.min(b.len()), cut)))
}

/// A flash filesystem identified, not opened: what it is and how many bytes it spans.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identified {
    pub what: String,
    pub len: usize,
}

/// UBI: erase blocks each starting with an erase-counter header `UBI#` (version 1); the
/// erase-block size is the distance to the next header.
pub fn ubi(b: &[u8]) -> Option<Identified> {
    ubi_geometry(b).map(|geometry| ubi_extent(b, geometry))
}

/// What a UBI image of that geometry is, and how far it spans in `b`.
pub fn ubi_extent(b: &[u8], (peb, blocks): (usize, usize)) -> Identified {
    if blocks == 1 {
        return Identified { what: "UBI image, one erase block".into(), len: b.len() };
    }
    let len = (blocks * peb).min(b.len());
    Identified { what: format!("UBI image, {blocks} erase blocks of {peb} bytes"), len }
}

/// (erase-block size, erase blocks in a row) of a UBI image; one block is the whole of `b`.
pub fn ubi_geometry(b: &[u8]) -> Option<(usize, usize)> {
    if !b.starts_with(b"UBI#") || b.get(4)? != &1 {
        return None;
    }
    let (vid, data) = (be32(b, 16)? as usize, be32(b, 20)? as usize);
    if vid < 64 || data <= vid {
        return None;
    }
    let Some(peb) = memchr::memmem::find(b.get(64..)?, b"UBI#").map(|p| p + 64) else {
        return Some((b.len(), 1));
    };
    let mut blocks = 1usize;
    while b.get(blocks * peb..).is_some_and(|r| r.starts_with(b"UBI#")) {
        blocks += 1;
    }
    Some((peb, blocks))
}

/// One UBI volume put back together: its logical erase blocks in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UbiVolume {
    pub id: u32,
    /// From the volume table (the layout volume); `volume-ID` when it has none.
    pub name: String,
    /// `static` or `dynamic`.
    pub kind: &'static str,
    pub data: Vec<u8>,
}

/// The layout volume's id: it holds the volume table.
const UBI_LAYOUT_VOLUME: u32 = 0x7fff_efff;

/// The volumes of the UBI image `b` (its first `peb * blocks` bytes, as [`ubi`] found them), at
/// most `cap` bytes in all (`None` past it). By the documented headers (Linux's
/// `drivers/mtd/ubi/ubi-media.h`; no maintained crate reads UBI): each erase block's
/// erase-counter header gives where its volume-id header and data are; that header gives the
/// volume, the logical block number, the sequence number (the newest copy of a block wins),
/// and for static volumes how many data bytes the block holds. Blocks without a volume-id header
/// are free. Missing logical blocks of a dynamic volume read as erased flash (0xff), as UBI
/// reads them. Volume names come from the volume table (172-byte records in the layout
/// volume's first block).
pub fn ubi_volumes(b: &[u8], peb: usize, cap: u64) -> Option<Vec<UbiVolume>> {
    use std::collections::BTreeMap;
    // (volume, logical block) -> (sequence number, static, bytes)
    let mut blocks: BTreeMap<(u32, u32), (u64, bool, &[u8])> = BTreeMap::new();
    let mut at = 0;
    while peb >= 64 && at + peb <= b.len() {
        let block = b.get(at..at + peb).unwrap_or_default();
        at += peb;
        if !block.starts_with(b"UBI#") {
            continue;
        }
        let (Some(vid_at), Some(data_at)) = (be32(block, 16), be32(block, 20)) else { continue };
        let (vid_at, data_at) = (vid_at as usize, data_at as usize);
        let Some(vid) = block.get(vid_at..vid_at + 64).filter(|v| v.starts_with(b"UBI!")) else { continue };
        let (Some(vol), Some(lnum), Some(data_size), Some(data_pad), Some(sqnum)) =
            (be32(vid, 8), be32(vid, 12), be32(vid, 20), be32(vid, 28), be64(vid, 40))
        else {
            continue;
        };
        let is_static = vid.get(5) == Some(&2);
        let leb = peb.saturating_sub(data_at).saturating_sub(data_pad as usize);
        let len = if is_static { (data_size as usize).min(leb) } else { leb };
        let Some(data) = block.get(data_at..data_at + len) else { continue };
        match blocks.get(&(vol, lnum)) {
            Some((newer, ..)) if *newer >= sqnum => {}
            _ => {
                blocks.insert((vol, lnum), (sqnum, is_static, data));
            }
        }
    }
    let names = ubi_volume_names(blocks.get(&(UBI_LAYOUT_VOLUME, 0)).map(|(_, _, d)| *d).unwrap_or_default());
    let mut out: Vec<UbiVolume> = Vec::new();
    let mut total = 0usize;
    for ((vol, lnum), (_, is_static, data)) in blocks.iter().filter(|((vol, _), _)| *vol < UBI_LAYOUT_VOLUME) {
        if out.last().is_none_or(|v| v.id != *vol) {
            out.push(UbiVolume {
                id: *vol,
                name: names.get(vol).cloned().unwrap_or_else(|| format!("volume-{vol}")),
                kind: if *is_static { "static" } else { "dynamic" },
                data: Vec::new(),
            });
        }
        let Some(v) = out.last_mut() else { continue };
        // A gap of unmapped blocks reads as erased flash, as UBI gives it; each block's length
        // is that of the block before it (the volume's logical block size).
        let leb = data.len();
        let want = (*lnum as usize).saturating_mul(leb);
        let gap = want.saturating_sub(v.data.len());
        total = total.saturating_add(gap).saturating_add(leb);
        if total as u64 > cap {
            return None;
        }
        v.data.resize(v.data.len() + gap, 0xff);
        v.data.extend_from_slice(data);
    }
    Some(out)
}

/// The volume table: up to 128 records of 172 bytes — reserved blocks, alignment, data pad,
/// type, update marker, name length (u16), name (128 bytes), flags, padding, CRC.
fn ubi_volume_names(table: &[u8]) -> std::collections::HashMap<u32, String> {
    let mut names = std::collections::HashMap::new();
    for (id, record) in table.chunks_exact(172).take(128).enumerate() {
        let Some(len) = record.get(14..16).and_then(|l| l.try_into().ok()).map(|l| u16::from_be_bytes(l) as usize)
        else {
            continue;
        };
        if (1..=127).contains(&len) {
            if let Some(name) = record.get(16..16 + len) {
                let name = String::from_utf8_lossy(name).into_owned();
                if let Ok(clean) = crate::tree::normalise(&name) {
                    names.insert(id as u32, clean);
                }
            }
        }
    }
    names
}

/// UBIFS: its superblock node (common header magic 0x06101831, node type 6).
pub fn ubifs(b: &[u8]) -> Option<Identified> {
    if le32(b, 0)? != 0x0610_1831 || *b.get(20)? != 6 {
        return None;
    }
    let (leb, count) = (le32(b, 36)? as usize, le32(b, 40)? as usize);
    if leb == 0 || count == 0 {
        return None;
    }
    let len = leb.saturating_mul(count).min(b.len());
    Some(Identified { what: format!("UBIFS, {count} logical erase blocks of {leb} bytes"), len })
}

/// JFFS2: a run of nodes (magic 0x1985, a known node type — current or marked obsolete —,
/// a header CRC that matches), each next node found within an erase block (64 KiB) of the
/// last: what lies between them is erased flash, padding, or obsolete data the kernel skips
/// in the same way.
pub fn jffs2(b: &[u8]) -> Option<Identified> {
    const REACH: usize = 64 * 1024;
    let big = match b.get(..2)? {
        [0x85, 0x19] => false,
        [0x19, 0x85] => true,
        _ => return None,
    };
    let u16_at = |at: usize| u16_in(b, at, big);
    let u32_at = |at: usize| u32_in(b, at, big);
    let node_at = |at: usize| -> Option<usize> {
        // The "accurate" bit (0x2000) is cleared on obsolete nodes.
        let kind = u16_at(at + 2)? | 0x2000;
        if u16_at(at)? != 0x1985 || ![0xe001, 0xe002, 0x2003, 0x2004, 0x2006, 0xe008, 0xe009].contains(&kind) {
            return None;
        }
        let len = u32_at(at + 4)? as usize;
        (len >= 12 && jffs2_crc(b.get(at..at + 8)?) == u32_at(at + 8)?).then_some(len)
    };
    let magic: [u8; 2] = if big { [0x19, 0x85] } else { [0x85, 0x19] };
    let (mut at, mut nodes, mut end) = (0usize, 0usize, 0usize);
    while let Some(len) = node_at(at) {
        nodes += 1;
        end = at.saturating_add(len).min(b.len());
        let from = (end + 3) & !3;
        let window = b.get(from..from.saturating_add(REACH).min(b.len())).unwrap_or_default();
        let next =
            memchr::memmem::find_iter(window, &magic).map(|p| from + p).find(|p| p % 4 == 0 && node_at(*p).is_some());
        match next {
            Some(p) => at = p,
            None => break,
        }
    }
    (nodes > 0).then(|| Identified {
        what: format!("JFFS2, {}-endian, {nodes} nodes", if big { "big" } else { "little" }),
        len: end,
    })
}

/// The CRC JFFS2 writes: CRC-32 seeded with zero, not inverted (Linux's `crc32(0, …)`).
fn jffs2_crc(b: &[u8]) -> u32 {
    let mut c = 0u32;
    for byte in b {
        c ^= u32::from(*byte);
        for _ in 0..8 {
            c = if c & 1 != 0 { (c >> 1) ^ 0xedb8_8320 } else { c >> 1 };
        }
    }
    c
}

/// YAFFS2 has no magic number: it is recognised by an object header (type file or directory,
/// parent 1 — the root —, the unused checksum 0xffff, a printable name) and a flash layout whose
/// spare-area tags hold together (`yaffs2::layout`). It spans the chunks up to the first fully
/// erased one.
pub fn yaffs2(b: &[u8]) -> Option<Identified> {
    let header_ok = |h: &[u8]| -> bool {
        let name = h.get(10..10 + 256).map(c_name).unwrap_or_default();
        matches!(le32(h, 0), Some(1..=5))
            && le16(h, 8) == Some(0xffff)
            && !name.is_empty()
            && name.bytes().all(|c| c.is_ascii_graphic() || c == b' ')
    };
    if !header_ok(b) || le32(b, 4) != Some(1) {
        return None;
    }
    let l = crate::yaffs2::layout(b)?;
    let chunks = l.chunks(b);
    let marker = if l.tags > 0 { format!(", tags after a {}-byte bad-block marker", l.tags) } else { String::new() };
    Some(Identified {
        what: format!("YAFFS2, pages of {} bytes + {} spare{marker}, {chunks} chunks", l.page, l.spare),
        len: chunks * (l.page + l.spare),
    })
}

/// The ext2/3/4 superblock (1024 bytes in, magic 0xef53): generation and size.
pub fn ext(b: &[u8]) -> Option<Identified> {
    let sb = b.get(1024..2048)?;
    if le16(sb, 56)? != 0xef53 {
        return None;
    }
    let (inodes, blocks, log) = (le32(sb, 0)?, le32(sb, 4)? as u64, le32(sb, 24)?);
    let state = le16(sb, 58)?;
    if inodes == 0 || blocks == 0 || log > 6 || !(1..=7).contains(&state) || le32(sb, 76)? > 1 {
        return None;
    }
    let (compat, incompat) = (le32(sb, 92)?, le32(sb, 96)?);
    // extents, 64bit, flex_bg, or huge files → ext4; a journal → ext3; else ext2.
    let generation = if incompat & (0x40 | 0x80 | 0x200) != 0 {
        "ext4"
    } else if compat & 0x4 != 0 {
        "ext3"
    } else {
        "ext2"
    };
    let len = blocks.saturating_mul(1024 << log);
    Some(Identified { what: generation.to_owned(), len: usize::try_from(len).ok()? })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_uimage_header_and_its_crcs_are_read() {
        let data = b"payload".to_vec();
        let mut h = vec![0u8; 64];
        h[..4].copy_from_slice(&UIMAGE_MAGIC);
        h[12..16].copy_from_slice(&(data.len() as u32).to_be_bytes());
        h[24..28].copy_from_slice(&crc32(&data).to_be_bytes());
        h[31] = 1;
        h[32..38].copy_from_slice(b"kernel");
        let crc = crc32(&h);
        h[4..8].copy_from_slice(&crc.to_be_bytes());
        let mut image = h.clone();
        image.extend_from_slice(&data);
        let u = uimage(&image).unwrap();
        assert_eq!((u.name.as_str(), u.data_size, u.compression), ("kernel", 7, 1));
        assert!(u.header_crc_ok && u.data_crc_ok == Some(true));
        image[70] ^= 1;
        assert_eq!(uimage(&image).unwrap().data_crc_ok, Some(false));
    }
}
