//! The container formats read by hand, each a documented fixed header: U-Boot's legacy uImage
//! (`include/image.h`: 64 bytes, big-endian, CRC-32 of the header and of the data) and cpio
//! (newc/crc: 110 ASCII-hex bytes, fields and name padded to 4; odc: 76 ASCII-octal bytes).
//! No maintained crate reads a uImage header, and cpio's are a few lines; gzip and tar go to
//! flate2 and tar.

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
    let name = String::from_utf8_lossy(name_bytes.split(|c| *c == 0).next().unwrap_or_default()).into_owned();
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
        let name = String::from_utf8_lossy(name.split(|c| *c == 0).next().unwrap_or_default()).into_owned();
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
