//! Writers for the formats iotvet reads, to build images byte by byte: the tests' images and,
//! later, the lab camera's. cpio (newc), gzip and a legacy uImage with both CRCs.

use std::io::Write;

/// A newc cpio archive of (path, mode, data) entries, trailer included.
pub fn cpio(entries: &[(&str, u32, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    let trailer: (&str, u32, &[u8]) = ("TRAILER!!!", 0, b"");
    for (i, (name, mode, data)) in entries.iter().chain(std::iter::once(&trailer)).enumerate() {
        let fields = [i as u32 + 1, *mode, 0, 0, 1, 0, data.len() as u32, 0, 0, 0, 0, name.len() as u32 + 1, 0];
        out.extend_from_slice(b"070701");
        for f in fields {
            out.extend_from_slice(format!("{f:08x}").as_bytes());
        }
        out.extend_from_slice(name.as_bytes());
        out.push(0);
        pad4(&mut out);
        out.extend_from_slice(data);
        pad4(&mut out);
    }
    out
}

fn pad4(out: &mut Vec<u8>) {
    while !out.len().is_multiple_of(4) {
        out.push(0);
    }
}

pub fn gzip(b: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing to a Vec cannot fail.
    let _ = e.write_all(b);
    e.finish().unwrap_or_default()
}

/// A legacy uImage of `data` (gzip compression declared), with its header and data CRCs.
pub fn uimage(data: &[u8], name: &str) -> Vec<u8> {
    let mut h = vec![0u8; 64];
    h[..4].copy_from_slice(&crate::formats::UIMAGE_MAGIC);
    h[12..16].copy_from_slice(&(data.len() as u32).to_be_bytes());
    h[24..28].copy_from_slice(&crate::formats::crc32(data).to_be_bytes());
    h[31] = 1;
    let name = name.as_bytes();
    let n = name.len().min(32);
    h[32..32 + n].copy_from_slice(&name[..n]);
    let crc = crate::formats::crc32(&h);
    h[4..8].copy_from_slice(&crc.to_be_bytes());
    h.extend_from_slice(data);
    h
}
