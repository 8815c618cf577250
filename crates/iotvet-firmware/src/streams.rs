//! Compressed streams, one mechanism for all: gzip (flate2), xz and the LZMA "alone" format that
//! vendors use for kernels and root filesystems (liblzma), bzip2 (libbz2-rs, pure Rust), zstd,
//! and LZ4 (lz4_flex: frames, and the legacy format Linux uses for kernels and initramfs, whose
//! blocks are read here by hand — it is a length before each block, nothing more). Each is
//! decoded from memory through a cap on its output, and says how many input bytes it spanned,
//! so the walk can go on after it.

use std::io::Read;

/// The stream formats.
pub const KINDS: [&str; 6] = ["gzip", "xz", "lzma", "bzip2", "zstd", "lz4"];

/// What decoding the bytes at the start of a slice gave.
pub enum Outcome {
    /// Not that format here (a signature by chance).
    NotThere,
    /// It would unpack to more than the cap.
    OverCap,
    /// Its bytes, the input bytes it spanned, why it stopped early if it did, and the file
    /// name its header records (gzip's, when the compressor kept it).
    Done { out: Vec<u8>, consumed: usize, cut: Option<String>, name: Option<String> },
}

/// Decodes the `kind` stream at the start of `b`, producing at most `cap` bytes.
pub fn decode(kind: &str, b: &[u8], cap: u64) -> Outcome {
    let mut rest = b;
    let mut name = None;
    let (out, err) = match kind {
        "gzip" => {
            let mut gz = flate2::bufread::GzDecoder::new(&mut rest);
            let drained = drain(&mut gz, cap);
            name = gz.header().and_then(|h| h.filename()).map(|n| String::from_utf8_lossy(n).into_owned());
            drained
        }
        "xz" => drain(liblzma::bufread::XzDecoder::new(&mut rest), cap),
        "lzma" => {
            if !lzma_header_plausible(b) {
                return Outcome::NotThere;
            }
            let Ok(stream) = liblzma::stream::Stream::new_lzma_decoder(LZMA_MEMLIMIT) else {
                return Outcome::NotThere;
            };
            drain(liblzma::bufread::XzDecoder::new_stream(&mut rest, stream), cap)
        }
        "bzip2" => drain(bzip2::bufread::BzDecoder::new(&mut rest), cap),
        "zstd" => match zstd::stream::read::Decoder::with_buffer(&mut rest) {
            Ok(d) => drain(d.single_frame(), cap),
            Err(_) => return Outcome::NotThere,
        },
        "lz4" if b.starts_with(&LZ4_LEGACY) => return lz4_legacy(b, cap),
        "lz4" => drain(lz4_flex::frame::FrameDecoder::new(&mut rest), cap),
        _ => return Outcome::NotThere,
    };
    if out.len() as u64 > cap {
        return Outcome::OverCap;
    }
    if out.is_empty() && err.is_some() {
        return Outcome::NotThere;
    }
    // Random bytes after a 3-byte LZMA signature decode to garbage for a while before failing:
    // an LZMA stream counts only if it ends cleanly or gave a megabyte.
    if kind == "lzma" && err.is_some() && out.len() < 1 << 20 {
        return Outcome::NotThere;
    }
    let consumed = b.len() - rest.len();
    Outcome::Done { out, consumed, cut: err.map(|e| format!("stream cut short: {e}")), name }
}

/// Reads a decoder to its end, or one byte past the cap.
fn drain(reader: impl Read, cap: u64) -> (Vec<u8>, Option<std::io::Error>) {
    let mut out = Vec::new();
    let err = reader.take(cap.saturating_add(1)).read_to_end(&mut out).err();
    (out, err)
}

/// The memory the LZMA decoder may use (its dictionary): 256 MiB, past any firmware's.
pub(crate) const LZMA_MEMLIMIT: u64 = 256 << 20;

/// An LZMA "alone" header (props, dictionary size, uncompressed size; 13 bytes) as encoders
/// write it: the usual properties (lc=3, lp=0, pb=2: 0x5d), a dictionary of 64 KiB to 128 MiB,
/// and a length either unknown (all ones) or under 1 GiB. The signature is three bytes; this
/// keeps a chance match from being decoded.
fn lzma_header_plausible(b: &[u8]) -> bool {
    let Some(h) = b.get(..13) else { return false };
    let dict = u32::from_le_bytes([h[1], h[2], h[3], h[4]]);
    let size = u64::from_le_bytes([h[5], h[6], h[7], h[8], h[9], h[10], h[11], h[12]]);
    h[0] == 0x5d && (1 << 16..=1 << 27).contains(&dict) && (size == u64::MAX || (1..1 << 30).contains(&size))
}

pub const LZ4_LEGACY: [u8; 4] = [0x02, 0x21, 0x4c, 0x18];

/// The legacy LZ4 format (`lz4 -l`, Linux's kernel and initramfs compression): the magic, then
/// blocks, each a little-endian compressed length and the block, decompressing to at most
/// 8 MiB; it ends at the data's end or at a length that cannot be a block (the next magic, or
/// anything larger than a compressed block can be).
fn lz4_legacy(b: &[u8], cap: u64) -> Outcome {
    const BLOCK: usize = 8 << 20;
    let mut at = 4usize;
    let mut out = Vec::new();
    let mut cut = None;
    while let Some(len) = b.get(at..at + 4).map(|x| u32::from_le_bytes([x[0], x[1], x[2], x[3]]) as usize) {
        if len == 0 || len > lz4_flex::block::get_maximum_output_size(BLOCK) || b.get(at..at + 4) == Some(&LZ4_LEGACY) {
            break;
        }
        let Some(block) = b.get(at + 4..at + 4 + len) else {
            cut = Some("stream cut short: a block runs past the data".to_owned());
            break;
        };
        let start = out.len();
        out.resize(start + BLOCK, 0);
        match lz4_flex::block::decompress_into(block, out.get_mut(start..).unwrap_or_default()) {
            Ok(n) => out.truncate(start + n),
            Err(e) => {
                out.truncate(start);
                if start == 0 {
                    return Outcome::NotThere;
                }
                cut = Some(format!("stream cut short: {e}"));
                break;
            }
        }
        if out.len() as u64 > cap {
            return Outcome::OverCap;
        }
        at += 4 + len;
    }
    if out.is_empty() {
        return Outcome::NotThere;
    }
    Outcome::Done { out, consumed: at, cut, name: None }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A chance `5d 00 00` with a plausible header, then random bytes: LZMA decodes garbage for
    /// a while and fails — not a stream. The same header with a real stream after it is one.
    #[test]
    fn a_chance_lzma_signature_is_not_a_stream() {
        // The header, then the range coder's first byte (always 0), then noise: 64 times over.
        for seed in 1..=64u64 {
            let mut x = 0x9e37_79b9_7f4a_7c15u64.wrapping_mul(seed);
            let mut junk = vec![0x5d, 0, 0, 0x80, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0];
            junk.extend((0..200_000).map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            }));
            let got = match decode("lzma", &junk, 1 << 30) {
                Outcome::NotThere => None,
                Outcome::OverCap => Some(usize::MAX),
                Outcome::Done { out, .. } => Some(out.len()),
            };
            assert_eq!(got, None, "seed {seed}");
        }
    }
}
