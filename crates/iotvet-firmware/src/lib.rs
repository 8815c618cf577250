//! iotvet's firmware collector. This part takes an image apart: its formats are found by
//! signature anywhere in it (`carve`), containers are opened recursively — uImage (header and
//! CRCs checked), gzip, cpio (newc, crc, odc), tar — and every file lands in an in-memory tree
//! (`tree`) that never touches the disk and keeps every path inside the image. Limits on total
//! bytes, file count, nesting depth and expansion ratio stop decompression bombs and cyclic
//! nesting with a clear error. What is found but not opened (a format iotvet has no reader
//! for, a filesystem too damaged to read) is listed with its offset and size, and why.
#![forbid(unsafe_code)]

use std::io::Read;

use serde::Serialize;
use sha2::Digest;

pub mod build;
pub mod components;
pub mod cramfs;
pub mod evidence;
pub mod ext;
pub mod extract;
pub mod formats;
pub mod jffs2;
pub mod romfs;
pub mod secrets;
pub mod squashfs;
pub mod squashfs2;
pub mod streams;
pub mod tree;
pub mod ubifs;
pub mod update;
pub mod yaffs2;

pub use tree::{Kept, Node, Tree};

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Bytes of all files and decompressed streams together.
    pub max_bytes: u64,
    pub max_files: usize,
    /// Containers inside containers.
    pub max_depth: usize,
    /// A compressed stream may not grow past this many times its own size.
    pub max_ratio: u64,
    /// Which files' bytes the tree keeps: all of them (to write them out), or only what the
    /// evidence readers look at (an analysis: programs are read on arrival and let go).
    pub kept: tree::Kept,
}

impl Default for Limits {
    fn default() -> Self {
        Self { max_bytes: 1 << 30, max_files: 200_000, max_depth: 8, max_ratio: 200, kept: tree::Kept::All }
    }
}

impl Limits {
    /// The default limits for an analysis: only the bytes evidence needs are kept.
    pub fn for_analysis() -> Self {
        Self { kept: tree::Kept::Evidence, ..Self::default() }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FirmwareError {
    #[error("the image is empty")]
    Empty,
    #[error("containers nested deeper than {0} levels at {1} (cyclic or hostile nesting)")]
    TooDeep(usize, String),
    #[error("more than {0} bytes unpacked (a decompression bomb, or raise the limit)")]
    TooManyBytes(u64),
    #[error("more than {0} files unpacked")]
    TooManyFiles(usize),
    #[error("the stream at {0} expands more than {1} times its size (a decompression bomb)")]
    Bomb(String, u64),
}

/// One format found in the image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Layer {
    /// `uimage`, `gzip`, `cpio`, `tar`, `squashfs`, `zip`, `xz`, …
    pub format: &'static str,
    /// Where it lies: the chain of layers that holds it, e.g. `uimage@0x0/gzip@0x40`.
    pub place: String,
    pub offset: u64,
    pub size: u64,
    /// Whether its content was opened (else identified only, and `note` says why).
    pub opened: bool,
    /// For a filesystem or archive: where its files are in the tree.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub root: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// An image taken apart.
#[derive(Debug, Default)]
pub struct Unpacked {
    pub size: u64,
    pub sha256: String,
    pub layers: Vec<Layer>,
    /// Header CRCs that do not match, entries refused (paths that climb out, device nodes), …
    pub warnings: Vec<String>,
    pub tree: Tree,
    /// Components named in decompressed streams outside any filesystem (a kernel's banner).
    pub blob_components: Vec<iotvet_core::firmware::Component>,
}

/// Takes an image apart and reads its evidence: the case file's firmware section.
pub fn analyze(
    image: &[u8],
    file: &str,
    limits: &Limits,
) -> Result<iotvet_core::firmware::FirmwareSection, FirmwareError> {
    let started_at = humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string();
    let u = unpack(image, limits)?;
    Ok(section_of(&u, file, started_at))
}

/// The case file's firmware section of an image already taken apart.
pub fn section_of(u: &Unpacked, file: &str, started_at: String) -> iotvet_core::firmware::FirmwareSection {
    use iotvet_core::firmware::{FirmwareSection, ImageInfo, LayerSeen};
    let tries = evidence::candidates();
    let (mut accounts, mut boot_services, mut components, mut updates) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut keys = Vec::new();
    let roots: Vec<&str> = u.layers.iter().filter_map(|l| l.root.as_deref()).collect();
    for root in &roots {
        // Each filesystem without those found inside it (a ZIP's root holds the SquashFS of
        // its firmware.bin): every file is read once, under its own filesystem.
        let fs = tree::Fs::new(&u.tree, root, &roots);
        accounts.extend(evidence::accounts(&fs, &tries));
        boot_services.extend(evidence::boot_services(&fs));
        components.extend(components::components(&fs));
        updates.extend(update::update(&fs));
        keys.extend(secrets::secrets(&fs));
        keys.extend(secrets::credentials(&fs));
    }
    secrets::KnownKeys::published().mark(&mut keys, &u.sha256);
    // Components of decompressed streams (a kernel's banner), each once, unless a filesystem
    // named them already.
    for c in &u.blob_components {
        if !components.iter().any(|k: &iotvet_core::firmware::Component| k.name == c.name && k.version == c.version) {
            components.push(c.clone());
        }
    }
    FirmwareSection {
        provenance: iotvet_core::case::Provenance {
            collector: "iotvet-firmware".into(),
            tool_version: iotvet_core::TOOL_VERSION.into(),
            started_at,
            finished_at: humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
        },
        image: ImageInfo {
            file: file.to_owned(),
            size: u.size,
            sha256: u.sha256.clone(),
            layers: u
                .layers
                .iter()
                .map(|l| LayerSeen {
                    format: l.format.to_owned(),
                    place: l.place.clone(),
                    offset: l.offset,
                    size: l.size,
                    opened: l.opened,
                    note: l.note.clone(),
                })
                .collect(),
            warnings: u.warnings.clone(),
        },
        files: u.tree.files() as u64,
        accounts,
        boot_services,
        components,
        update: updates,
        secrets: keys,
    }
}

/// Takes an image apart in memory.
pub fn unpack(image: &[u8], limits: &Limits) -> Result<Unpacked, FirmwareError> {
    if image.is_empty() {
        return Err(FirmwareError::Empty);
    }
    let sha256 = || -> String { sha2::Sha256::digest(image).iter().map(|b| format!("{b:02x}")).collect() };
    let mut u = Unpacked { size: image.len() as u64, tree: Tree::new(limits.kept), ..Unpacked::default() };
    let mut budget = Budget { limits: *limits, bytes: 0 };
    // The image's digest (a few milliseconds per 10 MB) beside the walk, whose start — finding
    // and parsing the first format — is on one core.
    let walked = std::thread::scope(|scope| {
        let digest = scope.spawn(sha256);
        let walked = walk(image, "", 0, &mut u, &mut budget);
        u.sha256 = digest.join().unwrap_or_else(|_| sha256());
        walked
    });
    walked?;
    Ok(u)
}

struct Budget {
    limits: Limits,
    bytes: u64,
}

/// How much a stream of `packed` bytes may unpack to: the expansion ratio's share, within what
/// is left of the byte budget; and the error for going past it.
struct Cap {
    bytes: u64,
    by_ratio: bool,
    max_ratio: u64,
    max_bytes: u64,
}

impl Cap {
    fn exceeded(&self, at: &str) -> FirmwareError {
        if self.by_ratio {
            FirmwareError::Bomb(at.to_owned(), self.max_ratio)
        } else {
            FirmwareError::TooManyBytes(self.max_bytes)
        }
    }
}

impl Budget {
    fn cap(&self, packed: u64) -> Cap {
        let by_ratio = packed.saturating_mul(self.limits.max_ratio);
        let room = self.limits.max_bytes.saturating_sub(self.bytes);
        Cap {
            bytes: by_ratio.min(room),
            by_ratio: by_ratio <= room,
            max_ratio: self.limits.max_ratio,
            max_bytes: self.limits.max_bytes,
        }
    }

    fn take(&mut self, n: u64) -> Result<(), FirmwareError> {
        self.bytes += n;
        if self.bytes > self.limits.max_bytes {
            return Err(FirmwareError::TooManyBytes(self.limits.max_bytes));
        }
        Ok(())
    }
}

/// The signatures looked for, and the offset of the magic inside the format's start. Short
/// magics (JFFS2's two bytes, ext's at 1080) are confirmed by their parser before anything is
/// taken from them.
const SIGNATURES: [(&str, &[u8], usize); 30] = [
    ("uimage", &formats::UIMAGE_MAGIC, 0),
    ("fit", &formats::FDT_MAGIC, 0),
    ("trx", formats::TRX_MAGIC, 0),
    ("android-boot", b"ANDROID!", 0),
    ("android-sparse", &formats::SPARSE_MAGIC, 0),
    ("gzip", &[0x1f, 0x8b, 0x08], 0),
    ("xz", &[0xfd, b'7', b'z', b'X', b'Z', 0], 0),
    ("lzma", &[0x5d, 0, 0], 0),
    ("bzip2", b"1AY&SY", 4),
    ("zstd", &[0x28, 0xb5, 0x2f, 0xfd], 0),
    ("lz4", &[0x04, 0x22, 0x4d, 0x18], 0),
    ("lz4", &streams::LZ4_LEGACY, 0),
    ("cpio", b"070701", 0),
    ("cpio", b"070702", 0),
    ("cpio", b"070707", 0),
    ("tar", b"ustar", 257),
    ("zip", b"PK\x03\x04", 0),
    ("matter-ota", &formats::MATTER_OTA_MAGIC, 0),
    ("arcadyan", &formats::ARCADYAN_MAGIC, formats::ARCADYAN_MAGIC_AT),
    ("squashfs", b"hsqs", 0),
    ("squashfs", b"sqsh", 0),
    ("cramfs", cramfs::SIGNATURE, 16),
    ("romfs", romfs::MAGIC, 0),
    ("ext", &[0x53, 0xef], 1080),
    ("ubi", b"UBI#", 0),
    ("ubifs", &[0x31, 0x18, 0x10, 0x06], 0),
    ("jffs2", &[0x85, 0x19], 0),
    ("jffs2", &[0x19, 0x85], 0),
    ("yaffs2", &[1, 0, 0, 0, 1, 0, 0, 0, 0xff, 0xff], 0),
    ("yaffs2", &[3, 0, 0, 0, 1, 0, 0, 0, 0xff, 0xff], 0),
];

/// The largest offset of a magic inside its format (ext's superblock magic, 1080 bytes in),
/// and the longest magic.
const MAX_MAGIC_OFFSET: usize = 1080 + 16;

/// Every signature's magic in one automaton: one pass over the bytes finds the next format,
/// and the bytes of a format opened are never searched again.
fn signatures() -> Option<&'static aho_corasick::AhoCorasick> {
    static AC: std::sync::OnceLock<Option<aho_corasick::AhoCorasick>> = std::sync::OnceLock::new();
    AC.get_or_init(|| aho_corasick::AhoCorasick::new(SIGNATURES.iter().map(|(_, magic, _)| *magic)).ok()).as_ref()
}

/// The format starting first at or after `at` (by its start, the magic's offset taken off),
/// as (signature index, start); the earlier signature wins a tie.
fn next_format(bytes: &[u8], at: usize) -> Option<(usize, usize)> {
    let ac = signatures()?;
    let hay = bytes.get(at..)?;
    let mut best: Option<(usize, usize)> = None;
    for m in ac.find_overlapping_iter(hay) {
        let p = at + m.start();
        // Matches come in order of their end: none later can start before `best`.
        if best.is_some_and(|(_, b)| p > b + MAX_MAGIC_OFFSET) {
            break;
        }
        let i = m.pattern().as_usize();
        let Some(start) = SIGNATURES.get(i).and_then(|(_, _, offset)| p.checked_sub(*offset)) else { continue };
        if start >= at && best.is_none_or(|(bi, bs)| (start, i) < (bs, bi)) {
            best = Some((i, start));
        }
    }
    best
}

/// Finds and opens every format in `bytes` (which lies at `place`), in order of offset.
fn walk(bytes: &[u8], place: &str, depth: usize, u: &mut Unpacked, budget: &mut Budget) -> Result<(), FirmwareError> {
    walk_from(bytes, 0, place, depth, u, budget)
}

/// `walk`, from `from` on (past the header of the container that holds `bytes`).
fn walk_from(
    bytes: &[u8],
    from: usize,
    place: &str,
    depth: usize,
    u: &mut Unpacked,
    budget: &mut Budget,
) -> Result<(), FirmwareError> {
    if depth > budget.limits.max_depth {
        return Err(FirmwareError::TooDeep(budget.limits.max_depth, place.to_owned()));
    }
    let mut at = from;
    while let Some((i, start)) = next_format(bytes, at) {
        let format = SIGNATURES[i].0;
        let here =
            if place.is_empty() { format!("{format}@{start:#x}") } else { format!("{place}/{format}@{start:#x}") };
        let rest = bytes.get(start..).unwrap_or_default();
        match open(format, rest, start, &here, depth, u, budget)? {
            Some(len) => at = start + len.max(1),
            // Not really this format here: look further.
            None => at = start + 1,
        }
    }
    Ok(())
}

/// Opens the format at the start of `b` (at `offset` in its container, `here` in the image);
/// the bytes it spans, or None if it is not there.
fn open(
    format: &'static str,
    b: &[u8],
    offset: usize,
    here: &str,
    depth: usize,
    u: &mut Unpacked,
    budget: &mut Budget,
) -> Result<Option<usize>, FirmwareError> {
    let layer = |size: usize, opened: bool, root: Option<String>, note: Option<String>| Layer {
        format,
        place: here.to_owned(),
        offset: offset as u64,
        size: size as u64,
        opened,
        root,
        note,
    };
    match format {
        "uimage" => {
            let Some(h) = formats::uimage(b) else { return Ok(None) };
            let Some(data) = b.get(64..64 + h.data_size) else {
                u.warnings.push(format!(
                    "{here}: uImage \"{}\" says {} data bytes, the image is shorter",
                    h.name, h.data_size
                ));
                return Ok(None);
            };
            if !h.header_crc_ok {
                u.warnings.push(format!("{here}: uImage header CRC does not match"));
            }
            if h.data_crc_ok == Some(false) {
                u.warnings.push(format!("{here}: uImage data CRC does not match"));
            }
            u.layers.push(layer(
                64 + h.data_size,
                true,
                None,
                Some(format!("\"{}\", compression {}", h.name, h.compression)),
            ));
            walk(data, here, depth + 1, u, budget)?;
            Ok(Some(64 + h.data_size))
        }
        stream if streams::KINDS.contains(&stream) => {
            let cap = budget.cap(b.len() as u64);
            let (out, consumed, cut, name) = match streams::decode(format, b, cap.bytes) {
                streams::Outcome::NotThere => return Ok(None),
                streams::Outcome::OverCap => return Err(cap.exceeded(here)),
                streams::Outcome::Done { out, consumed, cut, name } => (out, consumed, cut, name),
            };
            budget.take(out.len() as u64)?;
            u.layers.push(layer(consumed, true, None, cut));
            u.blob_components.extend(components::in_blob(&out, here));
            walk(&out, here, depth + 1, u, budget)?;
            // The decompressed bytes are kept as a file beside what was found in them (as
            // binwalk and unblob keep them): a kernel, a configuration that was gzipped. Named
            // as the gzip header names it, else `decompressed`; counted in the budget above.
            let name = name
                .and_then(|n| n.rsplit('/').next().map(str::to_owned))
                .filter(|n| tree::normalise(n).is_ok_and(|c| !c.contains('/')))
                .unwrap_or_else(|| "decompressed".to_owned());
            if let Err(refused) = u.tree.insert(here, &name, Node::file(&name, out, 0o644)) {
                u.warnings.push(format!("{here}: {refused}: not stored"));
            }
            if u.tree.len() > budget.limits.max_files {
                return Err(FirmwareError::TooManyFiles(budget.limits.max_files));
            }
            Ok(Some(consumed))
        }
        "arcadyan" => {
            let Some(plain) = formats::arcadyan(b) else { return Ok(None) };
            budget.take(plain.len() as u64)?;
            u.layers.push(layer(b.len(), true, None, Some("obfuscated Arcadyan firmware, blocks swapped back".into())));
            walk(&plain, here, depth + 1, u, budget)?;
            Ok(Some(b.len()))
        }
        "matter-ota" => {
            let Some(h) = formats::matter_ota(b) else { return Ok(None) };
            let id = |v: Option<u64>| v.map(|v| format!("{v:#06x}")).unwrap_or_else(|| "?".into());
            let mut note = format!(
                "Matter OTA image: vendor {}, product {}, software version {}{}, payload {} bytes",
                id(h.vendor_id),
                id(h.product_id),
                h.version.map(|v| v.to_string()).unwrap_or_else(|| "?".into()),
                h.version_string.as_deref().map(|s| format!(" (\"{s}\")")).unwrap_or_default(),
                h.payload.len()
            );
            match h.digest_ok {
                Some(true) => note.push_str(", digest matches"),
                Some(false) => u.warnings.push(format!("{here}: Matter OTA payload digest does not match its header")),
                None => {}
            }
            let len = h.total.min(b.len());
            u.layers.push(layer(len, true, None, Some(note)));
            if let Some(payload) = b.get(h.payload.clone()) {
                walk(payload, here, depth + 1, u, budget)?;
            }
            Ok(Some(len.max(1)))
        }
        "trx" => {
            let Some(h) = formats::trx(b) else { return Ok(None) };
            let Some(body) = b.get(..h.len) else {
                u.warnings.push(format!("{here}: TRX says {} bytes, the image is shorter", h.len));
                return Ok(None);
            };
            if h.crc_ok == Some(false) {
                u.warnings.push(format!("{here}: TRX CRC does not match"));
            }
            let parts: Vec<String> = h.partitions.iter().map(|p| format!("{p:#x}")).collect();
            let note = format!("TRX v{}, partitions at {}", h.version, parts.join(", "));
            u.layers.push(layer(h.len, true, None, Some(note)));
            walk_from(body, 16 + 4 * if h.version == 2 { 4 } else { 3 }, here, depth + 1, u, budget)?;
            Ok(Some(h.len))
        }
        "fit" => {
            let Some((total, images)) = formats::fdt(b) else { return Ok(None) };
            if images.is_empty() {
                u.layers.push(layer(total, false, None, Some("device tree blob (not a FIT: no images)".into())));
                return Ok(Some(total));
            }
            let end = images.iter().filter_map(|i| i.data.as_ref().map(|d| d.end)).fold(total, usize::max);
            let listed: Vec<String> = images
                .iter()
                .map(|i| {
                    let what = [i.kind.as_str(), i.compression.as_str()]
                        .iter()
                        .filter(|w| !w.is_empty())
                        .cloned()
                        .collect::<Vec<_>>();
                    let missing = if i.data.is_none() { ", no data inside" } else { "" };
                    format!("{} ({}{missing})", i.name, what.join(", "))
                })
                .collect();
            u.layers.push(layer(end, true, None, Some(format!("FIT: {}", listed.join("; ")))));
            for image in &images {
                if let (Some(data), Ok(name)) =
                    (image.data.as_ref().and_then(|d| b.get(d.clone())), tree::normalise(&image.name))
                {
                    walk(data, &format!("{here}/{name}"), depth + 1, u, budget)?;
                }
            }
            Ok(Some(end))
        }
        "android-boot" => {
            let Some(h) = formats::android_boot(b) else { return Ok(None) };
            let len = h.len.min(b.len());
            let cut = (h.len > b.len()).then(|| format!("; it says {} bytes, {} are there", h.len, b.len()));
            u.layers.push(layer(
                len,
                true,
                None,
                Some(format!("Android boot image v{}{}", h.version, cut.unwrap_or_default())),
            ));
            for (part, range) in [("kernel", h.kernel), ("ramdisk", h.ramdisk)] {
                if let Some(data) = b.get(range).filter(|d| !d.is_empty()) {
                    walk(data, &format!("{here}/{part}"), depth + 1, u, budget)?;
                }
            }
            Ok(Some(len))
        }
        "android-sparse" => {
            let cap = budget.cap(b.len() as u64);
            let (out, len, cut) = match formats::unsparse(b, cap.bytes) {
                None => return Ok(None),
                Some(Err(())) => return Err(cap.exceeded(here)),
                Some(Ok(x)) => x,
            };
            budget.take(out.len() as u64)?;
            let note = format!(
                "Android sparse image, {} bytes expanded{}",
                out.len(),
                cut.map(|c| format!("; {c}")).unwrap_or_default()
            );
            u.layers.push(layer(len, true, None, Some(note)));
            walk(&out, here, depth + 1, u, budget)?;
            Ok(Some(len))
        }
        // The flash filesystems found by their node or chunk headers (no superblock): each is
        // identified for its extent, then read.
        "jffs2" | "yaffs2" => {
            let jffs2 = format == "jffs2";
            let Some(found) = (if jffs2 { formats::jffs2(b) } else { formats::yaffs2(b) }) else { return Ok(None) };
            let fs = b.get(..found.len).unwrap_or_default();
            let cap = budget.cap(found.len as u64);
            let read =
                if jffs2 { jffs2::read(fs, b.first() == Some(&0x19), cap.bytes) } else { yaffs2::read(fs, cap.bytes) };
            mount(u, budget, depth, here, layer(found.len, true, None, None), &found.what, None, read, &cap)?;
            Ok(Some(found.len.max(1)))
        }
        "ubi" => {
            let Some(geometry) = formats::ubi_geometry(b) else { return Ok(None) };
            let (found, peb) = (formats::ubi_extent(b, geometry), geometry.0);
            let image = b.get(..found.len).unwrap_or_default();
            let cap = budget.cap(found.len as u64);
            let Some(volumes) = formats::ubi_volumes(image, peb, cap.bytes) else {
                return Err(cap.exceeded(here));
            };
            let listed: Vec<String> = volumes
                .iter()
                .map(|v| format!("{} ({}, id {}, {} bytes)", v.name, v.kind, v.id, v.data.len()))
                .collect();
            let note = format!(
                "{}; volumes: {}",
                found.what,
                if listed.is_empty() { "none".into() } else { listed.join(", ") }
            );
            u.layers.push(layer(found.len, true, None, Some(note)));
            for v in &volumes {
                budget.take(v.data.len() as u64)?;
                walk(&v.data, &format!("{here}/{}", v.name), depth + 1, u, budget)?;
            }
            Ok(Some(found.len.max(1)))
        }
        "ubifs" => {
            let Some(found) = formats::ubifs(b) else { return Ok(None) };
            let fs = b.get(..found.len).unwrap_or_default();
            let cap = budget.cap(found.len as u64);
            let read = ubifs::read(fs, cap.bytes);
            mount(u, budget, depth, here, layer(found.len, true, None, None), &found.what, None, read, &cap)?;
            Ok(Some(found.len.max(1)))
        }
        "ext" => {
            let Some(found) = formats::ext(b) else { return Ok(None) };
            let size = found.len.min(b.len());
            let cut = (found.len > b.len())
                .then(|| format!("; the filesystem says {} bytes, {} are there", found.len, b.len()));
            let cap = budget.cap(size as u64);
            let read = ext::read(b.get(..size).unwrap_or_default(), cap.bytes);
            mount(u, budget, depth, here, layer(size, true, None, None), &found.what, cut, read, &cap)?;
            Ok(Some(size))
        }
        "cramfs" => {
            let Some((size, what, openable)) = cramfs::superblock(b) else { return Ok(None) };
            let size = size.min(b.len());
            let fs = b.get(..size).unwrap_or_default();
            let cap = budget.cap(size as u64);
            let read = if openable {
                cramfs::read(fs, cap.bytes)
            } else {
                Err(tree::Failure::Unreadable(
                    "identified, not opened (iotvet reads CramFS with the classic block pointers, not the extended ones)".into(),
                ))
            };
            mount(u, budget, depth, here, layer(size, true, None, None), &what, None, read, &cap)?;
            Ok(Some(size))
        }
        "romfs" => {
            let Some((size, volume)) = romfs::superblock(b) else { return Ok(None) };
            let size = size.min(b.len());
            let cap = budget.cap(size as u64);
            let read = romfs::read(b.get(..size).unwrap_or_default(), cap.bytes);
            mount(
                u,
                budget,
                depth,
                here,
                layer(size, true, None, None),
                &format!("romfs \"{volume}\""),
                None,
                read,
                &cap,
            )?;
            Ok(Some(size))
        }
        "cpio" => {
            let Some((entries, len, truncated)) = formats::cpio(b) else { return Ok(None) };
            if entries.is_empty() {
                return Ok(None);
            }
            let root = here.to_owned();
            let mut nested = Nested::default();
            for e in &entries {
                let node = match e.mode & 0o170000 {
                    0o100000 => Node::file(&e.name, e.data.to_vec(), e.mode),
                    0o120000 => Node::Symlink(String::from_utf8_lossy(e.data).into_owned()),
                    0o040000 => Node::Dir,
                    _ => {
                        u.warnings.push(format!("{here}: {} is a device, FIFO or socket: not created", e.name));
                        continue;
                    }
                };
                nested.consider(&e.name, &node);
                add(u, budget, &root, &e.name, node)?;
            }
            let note = truncated.then(|| "the archive is cut short".to_owned());
            u.layers.push(layer(len, true, Some(root), note));
            nested.walk(here, depth, u, budget)?;
            Ok(Some(len))
        }
        "tar" => {
            let root = here.to_owned();
            let mut nested = Nested::default();
            let mut archive = tar::Archive::new(b);
            let mut count = 0usize;
            let mut note = None;
            let Ok(entries) = archive.entries() else { return Ok(None) };
            for entry in entries {
                let mut entry = match entry {
                    Ok(e) => e,
                    Err(e) => {
                        note = Some(format!("stops at a bad entry: {e}"));
                        break;
                    }
                };
                let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
                let kind = entry.header().entry_type();
                let mode = entry.header().mode().unwrap_or(0o644);
                let node = if kind.is_file() {
                    let mut data = Vec::new();
                    if entry.read_to_end(&mut data).is_err() {
                        note = Some(format!("{name} is cut short"));
                    }
                    Node::file(&name, data, mode)
                } else if kind.is_symlink() {
                    let target = entry.link_name_bytes().map(|t| String::from_utf8_lossy(&t).into_owned());
                    Node::Symlink(target.unwrap_or_default())
                } else if kind.is_dir() {
                    Node::Dir
                } else if kind.is_hard_link() {
                    // Recorded as a link to the same file, not created as a hard link.
                    let target = entry.link_name_bytes().map(|t| String::from_utf8_lossy(&t).into_owned());
                    Node::Symlink(format!("/{}", target.unwrap_or_default().trim_start_matches('/')))
                } else {
                    u.warnings.push(format!("{here}: {name} is a device, FIFO or other special entry: not created"));
                    continue;
                };
                nested.consider(&name, &node);
                add(u, budget, &root, &name, node)?;
                count += 1;
            }
            if count == 0 {
                return Ok(None);
            }
            let len = b.len() - archive.into_inner().len();
            u.layers.push(layer(len, true, Some(root), note));
            nested.walk(here, depth, u, budget)?;
            Ok(Some(len))
        }
        "squashfs" => {
            let Some(sb) = squashfs::superblock(b) else { return Ok(None) };
            if sb.bytes_used < 96 {
                return Ok(None);
            }
            let size = sb.bytes_used.min(b.len() as u64) as usize;
            let fs = b.get(..size).unwrap_or_default();
            let what = format!(
                "SquashFS {}.{}, {}, {}",
                sb.major,
                sb.minor,
                if sb.big_endian { "big-endian" } else { "little-endian" },
                squashfs::compression_name(sb.compression)
            );
            let cut = (sb.bytes_used > b.len() as u64)
                .then(|| format!("; the filesystem says {} bytes, {} are there", sb.bytes_used, b.len()));
            let cap = budget.cap(size as u64);
            let read = squashfs::read(fs, &sb, cap.bytes, budget.limits.kept);
            mount(u, budget, depth, here, layer(size, true, None, None), &what, cut, read, &cap)?;
            Ok(Some(size))
        }
        "zip" => open_zip(b, offset, here, depth, u, budget),
        _ => Ok(None),
    }
}

/// A filesystem a reader opened (or could not): its entries into the tree under `here`, the
/// special files and damaged ones as warnings, and its layer (`shell`, completed here with
/// its root and a note saying what it is).
#[allow(clippy::too_many_arguments)]
fn mount(
    u: &mut Unpacked,
    budget: &mut Budget,
    depth: usize,
    here: &str,
    mut shell: Layer,
    what: &str,
    cut: Option<String>,
    read: Result<tree::Contents, tree::Failure>,
    cap: &Cap,
) -> Result<(), FirmwareError> {
    let read = match read {
        Ok(read) => read,
        Err(tree::Failure::OverBudget) => return Err(cap.exceeded(here)),
        Err(tree::Failure::Unreadable(why)) => {
            shell.opened = false;
            shell.note = Some(format!("{what}: {why}{}", cut.unwrap_or_default()));
            u.layers.push(shell);
            return Ok(());
        }
    };
    if let Some(first) = read.special.first() {
        u.warnings.push(format!(
            "{here}: {} device nodes, FIFOs or sockets not created ({first}{})",
            read.special.len(),
            if read.special.len() > 1 { ", …" } else { "" }
        ));
    }
    for damaged in &read.damaged {
        u.warnings.push(format!("{here}: {damaged}"));
    }
    let files = read.entries.len();
    // Images and archives kept as files — a default configuration as a .tar.gz, a second
    // firmware image, a kernel's initramfs — are walked in their turn, beside the file (as a
    // ZIP member's are, and as binwalk's `_NAME.extracted`). Only files that start with a format
    // are: a magic in the middle of a program is chance.
    let mut nested = Nested::default();
    for e in read.entries {
        nested.consider(&e.path, &e.node);
        add(u, budget, here, &e.path, e.node)?;
    }
    shell.root = Some(here.to_owned());
    shell.note = Some(format!("{what}, {files} entries{}", cut.unwrap_or_default()));
    u.layers.push(shell);
    nested.walk(here, depth, u, budget)
}

/// Files of a filesystem or archive walked for what they hold, at most (the rest are listed
/// as files).
const MAX_NESTED: usize = 1_000;

/// The files of a filesystem or archive that start with a format of their own, to be walked
/// beside them once the filesystem is stored.
#[derive(Default)]
struct Nested(Vec<(String, Vec<u8>)>);

impl Nested {
    fn consider(&mut self, path: &str, node: &Node) {
        if let Node::File { data, .. } = node {
            if self.0.len() < MAX_NESTED && starts_with_format(data) {
                if let Ok(clean) = tree::normalise(path) {
                    self.0.push((clean, data.clone()));
                }
            }
        }
    }

    fn walk(self, here: &str, depth: usize, u: &mut Unpacked, budget: &mut Budget) -> Result<(), FirmwareError> {
        for (path, data) in self.0 {
            walk(&data, &format!("{here}/{path}.extracted"), depth + 1, u, budget)?;
        }
        Ok(())
    }
}

/// Whether `data` starts with one of the formats iotvet opens (its magic where the format
/// puts it).
pub(crate) fn starts_with_format(data: &[u8]) -> bool {
    SIGNATURES.iter().any(|(_, magic, at)| data.get(*at..at + magic.len()) == Some(magic))
}

/// A ZIP archive (an update package, most often): its members are stored, and each member's
/// bytes are walked in turn for the formats inside (the firmware image in the package). It
/// spans to the end of what holds it (its directory is at its end). Members with a method
/// other than stored or deflate are listed in a warning, not read.
fn open_zip(
    b: &[u8],
    offset: usize,
    here: &str,
    depth: usize,
    u: &mut Unpacked,
    budget: &mut Budget,
) -> Result<Option<usize>, FirmwareError> {
    let Ok(mut archive) = zip::ZipArchive::new(std::io::Cursor::new(b)) else { return Ok(None) };
    let root = here.to_owned();
    let mut members = Vec::new();
    for i in 0..archive.len() {
        let mut entry = match archive.by_index(i) {
            Ok(e) => e,
            Err(e) => {
                u.warnings.push(format!("{here}: member {i} not read: {e}"));
                continue;
            }
        };
        let name = String::from_utf8_lossy(entry.name_raw()).into_owned();
        let mode = entry.unix_mode().unwrap_or(0o644);
        let cap = budget.cap(entry.compressed_size().max(1));
        let node = if entry.is_dir() {
            Node::Dir
        } else if entry.is_symlink() {
            let mut target = Vec::new();
            let _ = (&mut entry).take(4096).read_to_end(&mut target);
            Node::Symlink(String::from_utf8_lossy(&target).into_owned())
        } else {
            let mut data = Vec::new();
            let read = (&mut entry).take(cap.bytes.saturating_add(1)).read_to_end(&mut data);
            if data.len() as u64 > cap.bytes {
                return Err(cap.exceeded(&format!("{here}/{name}")));
            }
            if let Err(e) = read {
                u.warnings.push(format!("{here}: {name}: {e}"));
            }
            Node::file(&name, data, mode)
        };
        members.push((name, node));
    }
    if members.is_empty() {
        return Ok(None);
    }
    u.layers.push(Layer {
        format: "zip",
        place: here.to_owned(),
        offset: offset as u64,
        size: b.len() as u64,
        opened: true,
        root: Some(root.clone()),
        note: Some(format!("{} members", members.len())),
    });
    for (name, node) in members {
        let data = match &node {
            Node::File { data, .. } => Some(data.clone()),
            _ => None,
        };
        add(u, budget, &root, &name, node)?;
        // What a member holds goes beside it, as binwalk's `_NAME.extracted` (the member stays a
        // file: `--out` writes both).
        if let (Some(data), Ok(clean)) = (data, tree::normalise(&name)) {
            walk(&data, &format!("{here}/{clean}.extracted"), depth + 1, u, budget)?;
        }
    }
    Ok(Some(b.len()))
}

fn add(u: &mut Unpacked, budget: &mut Budget, root: &str, name: &str, node: Node) -> Result<(), FirmwareError> {
    if let Node::File { size, .. } = &node {
        budget.take(*size)?;
    }
    match u.tree.insert(root, name, node) {
        Ok(_) => {}
        Err(refused) => u.warnings.push(format!("{root}: {refused}: not stored")),
    }
    if u.tree.len() > budget.limits.max_files {
        return Err(FirmwareError::TooManyFiles(budget.limits.max_files));
    }
    Ok(())
}
