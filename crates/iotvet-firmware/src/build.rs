//! Writers for the formats iotvet reads, to build images: the tests' images and the lab
//! camera's. cpio (newc), gzip, a legacy uImage with both CRCs, a TRX and an Android boot image
//! by hand (a few lines each);
//! SquashFS with backhand's writer and ZIP with the zip crate's.

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

/// A TRX (version 1) holding `parts` one after another, each aligned to 4, with its CRC.
pub fn trx(parts: &[&[u8]]) -> Vec<u8> {
    let mut out = vec![0u8; 28];
    out[..4].copy_from_slice(crate::formats::TRX_MAGIC);
    out[14..16].copy_from_slice(&1u16.to_le_bytes());
    for (i, part) in parts.iter().take(3).enumerate() {
        let at = out.len() as u32;
        out[16 + 4 * i..20 + 4 * i].copy_from_slice(&at.to_le_bytes());
        out.extend_from_slice(part);
        pad4(&mut out);
    }
    let len = out.len() as u32;
    out[4..8].copy_from_slice(&len.to_le_bytes());
    let crc = !crate::formats::crc32(&out[12..]);
    out[8..12].copy_from_slice(&crc.to_le_bytes());
    out
}

/// An Android boot image (header version 0, pages of 2048 bytes) of a kernel and a ramdisk.
pub fn android_boot(kernel: &[u8], ramdisk: &[u8]) -> Vec<u8> {
    const PAGE: usize = 2048;
    let mut out = vec![0u8; PAGE];
    out[..8].copy_from_slice(b"ANDROID!");
    out[8..12].copy_from_slice(&(kernel.len() as u32).to_le_bytes());
    out[16..20].copy_from_slice(&(ramdisk.len() as u32).to_le_bytes());
    out[36..40].copy_from_slice(&(PAGE as u32).to_le_bytes());
    for part in [kernel, ramdisk] {
        out.extend_from_slice(part);
        out.resize(out.len().div_ceil(PAGE) * PAGE, 0);
    }
    out
}

/// One entry of an image being built: a file (mode, bytes), a link, or a folder.
pub enum Entry<'a> {
    File(&'a str, u16, Vec<u8>),
    Link(&'a str, &'a str),
    Dir(&'a str),
}

/// A SquashFS 4.0 (gzip) of the entries, every owner root, with a fixed time (the same entries
/// give the same bytes).
pub fn squashfs(entries: Vec<Entry<'_>>) -> Result<Vec<u8>, String> {
    use backhand::{compression::Compressor, FilesystemCompressor, FilesystemWriter, NodeHeader};
    let mut fs = FilesystemWriter::default();
    fs.set_time(1_700_000_000);
    fs.set_compressor(FilesystemCompressor::new(Compressor::Gzip, None).map_err(|e| e.to_string())?);
    for entry in entries {
        match entry {
            Entry::Dir(path) => fs.push_dir_all(path, NodeHeader::new(0o755, 0, 0, 1_700_000_000)),
            Entry::File(path, mode, data) => {
                if let Some((parent, _)) = path.rsplit_once('/') {
                    fs.push_dir_all(parent, NodeHeader::new(0o755, 0, 0, 1_700_000_000)).map_err(|e| e.to_string())?;
                }
                fs.push_file(std::io::Cursor::new(data), path, NodeHeader::new(mode, 0, 0, 1_700_000_000))
            }
            Entry::Link(path, target) => {
                if let Some((parent, _)) = path.rsplit_once('/') {
                    fs.push_dir_all(parent, NodeHeader::new(0o755, 0, 0, 1_700_000_000)).map_err(|e| e.to_string())?;
                }
                fs.push_symlink(target, path, NodeHeader::new(0o777, 0, 0, 1_700_000_000))
            }
        }
        .map_err(|e| e.to_string())?;
    }
    let mut out = std::io::Cursor::new(Vec::new());
    fs.write(&mut out).map_err(|e| e.to_string())?;
    Ok(out.into_inner())
}

/// A ZIP archive of (name, bytes) members, deflated.
pub fn zip(members: &[(&str, &[u8])]) -> Result<Vec<u8>, String> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in members {
        w.start_file(*name, options).map_err(|e| e.to_string())?;
        w.write_all(data).map_err(|e| e.to_string())?;
    }
    Ok(w.finish().map_err(|e| e.to_string())?.into_inner())
}

/// The lab camera's TLS private key (generated for the lab with `openssl genpkey`; nothing
/// else uses it).
const LAB_CAMERA_KEY: &str = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgmWhcfYgWon+mcx7P\nVio0YrtNGGFlaIFdX+KIIrxybI+hRANCAATy0Ja42FhCnZxVB0Oy4Tu5K2lemTc5\nCtjZeGM+Kb80fWmz/OAO5hrYnOFPFEk1eZDgFdtrGj7KqOafcNMWJ3x0\n-----END PRIVATE KEY-----\n";

/// The lab camera's firmware package, as its vendor would publish it: a ZIP holding
/// `firmware.bin`, a uImage whose payload is the camera's root SquashFS. Inside: a shadow file
/// whose root password is on the default-credential list (`xc3511`, MD5-crypt), an inittab that
/// starts telnetd (BusyBox's applet), a start script running BusyBox's httpd on port 80 of every
/// interface, an update script that fetches firmware over plain HTTP,
/// BusyBox, OpenSSL and dropbear with their version strings, and the web UI's private key.
pub fn lab_camera_image() -> Result<Vec<u8>, String> {
    // `openssl passwd -1 -salt camlab xc3511`
    let shadow_hash = "$1$camlab$i5MKhh7aM56IkoSY1j56F1";
    let text = |s: &str| s.as_bytes().to_vec();
    let rootfs = squashfs(vec![
        Entry::Dir("etc/init.d"),
        Entry::File("etc/passwd", 0o644, text("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n")),
        Entry::File("etc/shadow", 0o600, format!("root:{shadow_hash}:19000:0:99999:7:::\nnobody:*:19000:0:99999:7:::\n").into_bytes()),
        Entry::File(
            "etc/inittab",
            0o644,
            text("::sysinit:/etc/init.d/rcS\n::respawn:/usr/sbin/telnetd -F -l /bin/login\n::respawn:/sbin/getty 115200 ttyS0\n"),
        ),
        Entry::File(
            "etc/init.d/rcS",
            0o755,
            text("#!/bin/sh\nmount -a\n/usr/sbin/dropbear -R -p 22\n/usr/sbin/httpd -p 80 -h /www\n/usr/bin/camd &\n"),
        ),
        Entry::File(
            "usr/bin/ota_check.sh",
            0o755,
            text("#!/bin/sh\n# Looks for new firmware every night.\nwget -q -O /tmp/fw.bin http://update.lab-camera.example/firmware/cam-2.1.0.bin\n"),
        ),
        Entry::File("bin/busybox", 0o755, text("\u{7f}ELF BusyBox v1.24.1 (2019-03-14 10:02:11 CST) multi-call binary.")),
        Entry::Link("bin/sh", "busybox"),
        Entry::Link("bin/login", "busybox"),
        Entry::Link("usr/sbin/telnetd", "../../bin/busybox"),
        Entry::Link("usr/sbin/httpd", "../../bin/busybox"),
        Entry::File("usr/sbin/dropbear", 0o755, text("\u{7f}ELF SSH-2.0-dropbear_2017.75\u{0}Dropbear SSH multi-purpose v2017.75")),
        Entry::File("usr/lib/libcrypto.so.1.0.0", 0o755, text("\u{7f}ELF OpenSSL 1.0.2k  26 Jan 2017")),
        Entry::File("usr/bin/camd", 0o755, text("\u{7f}ELF camd")),
        // The web UI's TLS key, the same in every camera (a throwaway key made for the lab).
        Entry::File("etc/ssl/private/camera.key", 0o600, text(LAB_CAMERA_KEY)),
    ])?;
    let firmware = uimage(&rootfs, "lab camera 2.1.0 rootfs");
    zip(&[("README.txt", b"Lab camera firmware 2.1.0\n"), ("firmware.bin", &firmware)])
}
