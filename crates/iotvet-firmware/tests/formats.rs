//! Every format the carver reads, made by the real tool that writes it (Debian's xz-utils,
//! bzip2, zstd, lz4, util-linux's mkfs.cramfs, genromfs, e2fsprogs, android-sdk-libsparse-utils,
//! u-boot-tools with dtc, mtd-utils) or, where no tool is packaged (TRX, Android boot), by
//! iotvet's own writer; and the binwalk project's vectors for CramFS, romfs and YAFFS2. Each
//! test asserts the exact chain of layers and files read back; a missing tool skips the test
//! outside CI and fails it in CI (scripts/test installs them).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use iotvet_firmware::build::{cpio, trx};
use iotvet_firmware::{unpack, FirmwareError, Limits, Node};

mod common;
use common::{noise, temp};

/// Runs a tool with `input` on stdin; its stdout, or None (skipped) when it is not installed.
fn tool(cmd: &str, args: &[&str], input: &[u8]) -> Option<Vec<u8>> {
    use std::io::Write;
    let child =
        Command::new(cmd).args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn();
    let Ok(mut child) = child else {
        assert!(std::env::var_os("CI").is_none(), "{cmd} is absent in CI (scripts/test installs it)");
        eprintln!("SKIPPED: {cmd} is absent");
        return None;
    };
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    let feeder = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output().unwrap();
    let _ = feeder.join();
    assert!(out.status.success(), "{cmd} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    Some(out.stdout)
}

const PASSWD: &[u8] = b"root:x:0:0:root:/root:/bin/sh\n";

fn rootfs_cpio() -> Vec<u8> {
    cpio(&[("etc", 0o040755, b""), ("etc/passwd", 0o100644, PASSWD), ("bin/busybox", 0o100755, b"BusyBox v1.31.1")])
}

/// A root filesystem directory: passwd, a link, a 100 KiB file (several blocks everywhere).
fn rootfs_dir(dir: &Path) -> PathBuf {
    let root = dir.join("root");
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::create_dir_all(root.join("bin")).unwrap();
    std::fs::write(root.join("etc/passwd"), PASSWD).unwrap();
    std::fs::write(root.join("bin/busybox"), noise(100 * 1024)).unwrap();
    std::os::unix::fs::symlink("../bin/busybox", root.join("etc/telnetd")).unwrap();
    std::fs::write(root.join("etc/services"), SERVICES.repeat(300)).unwrap();
    root
}

/// A file that compresses well (rtime and zlib both take it).
const SERVICES: &str = "telnet\t\t23/tcp\nhttp\t\t80/tcp\n";

fn places(u: &iotvet_firmware::Unpacked) -> Vec<String> {
    u.layers.iter().map(|l| format!("{}{}", l.place, if l.opened { "" } else { " (identified)" })).collect()
}

#[test]
fn every_compressed_stream_is_opened_and_walked_past() {
    let inner = rootfs_cpio();
    for (format, cmd, args) in [
        ("gzip", "gzip", &["-c"][..]),
        ("xz", "xz", &["-c"][..]),
        ("lzma", "lzma", &["-c"][..]),
        ("bzip2", "bzip2", &["-c"][..]),
        ("zstd", "zstd", &["-c", "-q"][..]),
        ("lz4", "lz4", &["-c", "-q"][..]),
        ("lz4", "lz4", &["-c", "-q", "-l"][..]),
    ] {
        let Some(packed) = tool(cmd, args, &inner) else { return };
        // Junk before and after: the stream's own length is found, and what follows is walked.
        let mut image = vec![0xa5u8; 256];
        image.extend_from_slice(&packed);
        image.extend(std::iter::repeat_n(0xffu8, 64));
        image.extend(cpio(&[("after", 0o100644, b"x")]));
        let u = unpack(&image, &Limits::default()).unwrap();
        let after = 256 + packed.len() + 64;
        assert_eq!(
            places(&u),
            [format!("{format}@0x100"), format!("{format}@0x100/cpio@0x0"), format!("cpio@{after:#x}")],
            "{cmd} {args:?}"
        );
        assert_eq!(u.layers[0].size, packed.len() as u64, "{cmd} {args:?}");
        let root = u.layers[1].root.clone().unwrap();
        assert_eq!(u.tree.read(&root, "etc/passwd"), Some(PASSWD), "{cmd} {args:?}");
        // Cut in the middle: never a panic; what came out is walked, the layer says it is cut.
        let cut = unpack(&image[..256 + packed.len() / 2], &Limits::default()).unwrap();
        assert!(cut.layers.iter().all(|l| l.place != format!("cpio@{after:#x}")), "{cmd}");
        if let Some(l) = cut.layers.first() {
            assert!(l.note.as_deref().unwrap_or("").contains("cut short"), "{cmd} {args:?}: {l:?}");
        }
    }
}

#[test]
fn a_stream_bomb_is_refused_by_every_decoder() {
    let zeros = vec![0u8; 64 << 20];
    let limits = Limits { max_ratio: 50, ..Limits::default() };
    for (cmd, args) in [
        ("xz", &["-c"][..]),
        ("lzma", &["-c"][..]),
        ("bzip2", &["-c"][..]),
        ("zstd", &["-c", "-q"][..]),
        ("lz4", &["-c", "-q"][..]),
    ] {
        let Some(packed) = tool(cmd, args, &zeros) else { return };
        match unpack(&packed, &limits) {
            Err(FirmwareError::Bomb(at, 50)) => assert!(at.ends_with("@0x0"), "{cmd}: {at}"),
            other => panic!("{cmd}: {other:?}"),
        }
    }
}

/// The same three entries out of a filesystem made by a real tool.
fn assert_rootfs(u: &iotvet_firmware::Unpacked, format: &str, what: &str) {
    let layer = u.layers.iter().find(|l| l.format == format).unwrap_or_else(|| panic!("{format}: {:?}", places(u)));
    assert!(layer.opened, "{layer:?}");
    assert!(layer.note.as_deref().unwrap_or("").starts_with(what), "{layer:?}");
    let root = layer.root.clone().unwrap();
    assert_eq!(u.tree.read(&root, "etc/passwd"), Some(PASSWD), "{format}");
    assert!(u.tree.read(&root, "bin/busybox") == Some(&noise(100 * 1024)[..]), "{format}");
    match u.tree.get(&format!("{root}/etc/telnetd")) {
        Some(Node::Symlink(t)) => assert_eq!(t, "../bin/busybox", "{format}"),
        other => panic!("{format}: {other:?}"),
    }
}

fn made(dir: &Path, cmd: &str, args: &[&str], out: &str) -> Option<Vec<u8>> {
    tool(cmd, args, b"")?;
    Some(std::fs::read(dir.join(out)).unwrap())
}

#[test]
fn cramfs_romfs_ext2_ext4_and_sparse_images_are_read() {
    let dir = temp("fs");
    let root = rootfs_dir(&dir.0);
    let (r, d) = (root.to_str().unwrap(), dir.0.to_str().unwrap());
    let Some(cram) = made(&dir.0, "mkfs.cramfs", &[r, &format!("{d}/c.cramfs")], "c.cramfs") else { return };
    let u = unpack(&cram, &Limits::default()).unwrap();
    assert_eq!(places(&u), ["cramfs@0x0"]);
    assert_rootfs(&u, "cramfs", "CramFS, little-endian");
    // Big-endian, as MIPS and PowerPC devices have it: the same files.
    let Some(cram) = made(&dir.0, "mkfs.cramfs", &["-N", "big", r, &format!("{d}/b.cramfs")], "b.cramfs") else {
        return;
    };
    let u = unpack(&cram, &Limits::default()).unwrap();
    assert_eq!(places(&u), ["cramfs@0x0"]);
    assert_rootfs(&u, "cramfs", "CramFS, big-endian");

    let Some(rom) = made(&dir.0, "genromfs", &["-d", r, "-f", &format!("{d}/r.romfs"), "-V", "iotvet"], "r.romfs")
    else {
        return;
    };
    let u = unpack(&rom, &Limits::default()).unwrap();
    assert_eq!(places(&u), ["romfs@0x0"]);
    assert_rootfs(&u, "romfs", "romfs \"iotvet\"");

    for (kind, what) in [("ext2", "ext2"), ("ext4", "ext4")] {
        let out = format!("{d}/{kind}.img");
        let Some(img) = made(&dir.0, "mke2fs", &["-q", "-F", "-t", kind, "-d", r, &out, "4M"], &format!("{kind}.img"))
        else {
            return;
        };
        let mut image = vec![0u8; 4096];
        image.extend_from_slice(&img);
        let u = unpack(&image, &Limits::default()).unwrap();
        assert_eq!(places(&u)[0], "ext@0x1000", "{kind}");
        assert_rootfs(&u, "ext", what);
    }

    let ext4 = format!("{d}/ext4.img");
    let Some(sparse) = made(&dir.0, "img2simg", &[&ext4, &format!("{d}/s.simg")], "s.simg") else { return };
    let u = unpack(&sparse, &Limits::default()).unwrap();
    assert_eq!(places(&u), ["android-sparse@0x0", "android-sparse@0x0/ext@0x0"]);
    assert_rootfs(&u, "ext", "ext4");
}

#[test]
fn a_fit_image_made_by_mkimage_gives_its_kernel_and_ramdisk() {
    let dir = temp("fit");
    let d = dir.0.to_str().unwrap();
    let Some(ramdisk) = tool("gzip", &["-c"], &rootfs_cpio()) else { return };
    std::fs::write(dir.0.join("ramdisk.gz"), &ramdisk).unwrap();
    std::fs::write(dir.0.join("kernel"), noise(3000)).unwrap();
    for external in [false, true] {
        let mut args =
            vec!["-f", "auto", "-A", "arm", "-O", "linux", "-T", "kernel", "-C", "none", "-a", "0", "-e", "0"];
        if external {
            args.push("-E");
        }
        let (k, rd, out) = (format!("{d}/kernel"), format!("{d}/ramdisk.gz"), format!("{d}/fit.itb"));
        args.extend(["-d", &k, "-i", &rd, &out]);
        let Some(fit) = made(&dir.0, "mkimage", &args, "fit.itb") else { return };
        let u = unpack(&fit, &Limits::default()).unwrap();
        assert_eq!(places(&u), ["fit@0x0", "fit@0x0/ramdisk-1/gzip@0x0", "fit@0x0/ramdisk-1/gzip@0x0/cpio@0x0"]);
        let note = u.layers[0].note.clone().unwrap();
        assert_eq!(note, "FIT: kernel-1 (kernel, none); ramdisk-1 (ramdisk)", "external {external}");
        assert_eq!(u.layers[0].size, fit.len() as u64, "external {external}");
        let root = u.layers[2].root.clone().unwrap();
        assert_eq!(u.tree.read(&root, "etc/passwd"), Some(PASSWD));
    }
}

#[test]
fn a_trx_and_an_android_boot_image_are_opened_with_their_checks() {
    let Some(kernel) = tool("lzma", &["-c"], &noise(5000)) else { return };
    let Some(ramdisk) = tool("gzip", &["-c"], &rootfs_cpio()) else { return };
    let mut image = trx(&[&kernel, &ramdisk]);
    let u = unpack(&image, &Limits::default()).unwrap();
    assert!(u.warnings.is_empty(), "{:?}", u.warnings);
    assert_eq!(
        places(&u),
        [
            "trx@0x0",
            "trx@0x0/lzma@0x1c",
            &format!("trx@0x0/gzip@{:#x}", 28 + kernel.len().next_multiple_of(4)),
            &format!("trx@0x0/gzip@{:#x}/cpio@0x0", 28 + kernel.len().next_multiple_of(4))
        ]
    );
    assert!(u.layers[0].note.as_deref().unwrap().starts_with("TRX v1, partitions at 0x1c, "), "{:?}", u.layers[0]);
    let last = image.len() - 1;
    image[last] ^= 0xff;
    let u = unpack(&image, &Limits::default()).unwrap();
    assert_eq!(u.warnings, ["trx@0x0: TRX CRC does not match"]);

    let boot = iotvet_firmware::build::android_boot(&noise(3000), &ramdisk);
    let u = unpack(&boot, &Limits::default()).unwrap();
    assert_eq!(
        places(&u),
        ["android-boot@0x0", "android-boot@0x0/ramdisk/gzip@0x0", "android-boot@0x0/ramdisk/gzip@0x0/cpio@0x0"]
    );
    assert_eq!(u.layers[0].size, boot.len() as u64);
}

#[test]
fn jffs2_and_ubi_volumes_are_read() {
    let dir = temp("flash");
    let root = rootfs_dir(&dir.0);
    let (r, d) = (root.to_str().unwrap(), dir.0.to_str().unwrap());
    for endian in ["-l", "-b"] {
        let Some(jffs2) =
            made(&dir.0, "mkfs.jffs2", &[endian, "-r", r, "-o", &format!("{d}/j.jffs2"), "-e", "64KiB"], "j.jffs2")
        else {
            return;
        };
        let mut image = jffs2.clone();
        image.extend(rootfs_cpio());
        let u = unpack(&image, &Limits::default()).unwrap();
        assert_eq!(places(&u), ["jffs2@0x0", &format!("cpio@{:#x}", jffs2.len())], "{endian}");
        assert_rootfs(&u, "jffs2", if endian == "-l" { "JFFS2, little-endian" } else { "JFFS2, big-endian" });
        // Every compressor mkfs.jffs2 has, one at a time.
        for compressor in ["zlib", "rtime", "lzo", "none"] {
            let out = format!("{d}/{compressor}.jffs2");
            let mut args = vec![endian, "-r", r, "-o", &out, "-e", "64KiB"];
            match compressor {
                "zlib" => args.extend(["-x", "rtime"]),
                "rtime" => args.extend(["-x", "zlib"]),
                "lzo" => args.extend(["-X", "lzo", "-x", "zlib", "-x", "rtime"]),
                _ => args.extend(["-m", "none"]),
            }
            let Some(image) = made(&dir.0, "mkfs.jffs2", &args, &format!("{compressor}.jffs2")) else { return };
            let u = unpack(&image, &Limits::default()).unwrap();
            assert!(u.warnings.is_empty(), "{compressor}: {:?}", u.warnings);
            assert_rootfs(&u, "jffs2", "JFFS2");
            let root = u.layers[0].root.clone().unwrap();
            assert!(u.tree.read(&root, "etc/services") == Some(SERVICES.repeat(300).as_bytes()), "{compressor}");
        }
    }
    // UBIFS in each compressor mkfs.ubifs has, read on its own.
    for compressor in ["lzo", "zlib", "zstd", "none"] {
        let out = format!("{d}/{compressor}.ubifs");
        let args = ["-r", r, "-m", "2048", "-e", "126976", "-c", "64", "-x", compressor, "-o", &out];
        let Some(image) = made(&dir.0, "mkfs.ubifs", &args, &format!("{compressor}.ubifs")) else { return };
        let u = unpack(&image, &Limits::default()).unwrap();
        assert_eq!(places(&u), ["ubifs@0x0"], "{compressor}: {:?}", u.layers);
        assert!(u.warnings.is_empty(), "{compressor}: {:?}", u.warnings);
        assert_rootfs(&u, "ubifs", "UBIFS");
    }
    let ubifs = format!("{d}/fs.ubifs");
    let Some(_) =
        made(&dir.0, "mkfs.ubifs", &["-r", r, "-m", "2048", "-e", "126976", "-c", "64", "-o", &ubifs], "fs.ubifs")
    else {
        return;
    };
    // A NAND image as OpenWrt builds them: the root SquashFS in a static UBI volume, the
    // writable UBIFS in a dynamic one. The volumes are put back together and walked: both are
    // read.
    let squash = format!("{d}/root.sqfs");
    let Some(sqfs) = made(&dir.0, "mksquashfs", &[r, &squash, "-noappend", "-quiet"], "root.sqfs") else { return };
    std::fs::write(
        dir.0.join("ubi.cfg"),
        format!(
            "[rootfs]\nmode=ubi\nimage={squash}\nvol_id=0\nvol_type=static\nvol_name=rootfs\n\
             [data]\nmode=ubi\nimage={ubifs}\nvol_id=1\nvol_type=dynamic\nvol_name=rootfs_data\nvol_size=8MiB\n"
        ),
    )
    .unwrap();
    let cfg = format!("{d}/ubi.cfg");
    let Some(ubi) =
        made(&dir.0, "ubinize", &["-o", &format!("{d}/ubi.img"), "-m", "2048", "-p", "128KiB", &cfg], "ubi.img")
    else {
        return;
    };
    let u = unpack(&ubi, &Limits::default()).unwrap();
    assert_eq!(
        places(&u),
        ["ubi@0x0", "ubi@0x0/rootfs/squashfs@0x0", "ubi@0x0/rootfs_data/ubifs@0x0"],
        "{:?}",
        u.layers
    );
    let blocks = ubi.len() / (128 * 1024);
    let note = u.layers[0].note.clone().unwrap();
    assert!(note.starts_with(&format!("UBI image, {blocks} erase blocks of 131072 bytes; volumes: rootfs (static, id 0, {} bytes), rootfs_data (dynamic, id 1,", sqfs.len())), "{note}");
    assert_eq!(u.layers[0].size, ubi.len() as u64);
    assert_rootfs(&u, "squashfs", "SquashFS");
    assert_rootfs(&u, "ubifs", "UBIFS");
    // A block rewritten later (a higher sequence number) wins over the older copy: the
    // volume's first block, copied to the end of the image with a newer number and different
    // data, replaces it.
    let peb = 128 * 1024;
    let first = (0..blocks)
        .find(|i| {
            ubi[i * peb + 2048..].starts_with(b"UBI!") && ubi[i * peb + 2048 + 8..][..8] == [0, 0, 0, 0, 0, 0, 0, 0]
        })
        .unwrap();
    let mut newer = ubi[first * peb..(first + 1) * peb].to_vec();
    newer[2048 + 40..2048 + 48].copy_from_slice(&u64::MAX.to_be_bytes());
    newer[4096..4100].copy_from_slice(b"JUNK");
    let mut rewritten = ubi.clone();
    rewritten.extend(newer);
    let u = unpack(&rewritten, &Limits::default()).unwrap();
    assert!(!places(&u).iter().any(|p| p.contains("squashfs")), "{:?}", places(&u));
}

fn vector(name: &str) -> Vec<u8> {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpora/firmware/binwalk_test_inputs").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The binwalk project's test vectors, with what binwalk says of them.
#[test]
fn the_binwalk_vectors_give_what_binwalk_finds() {
    let u = unpack(&vector("cramfs.bin"), &Limits::default()).unwrap();
    assert_eq!(places(&u), ["cramfs@0x0"]);
    assert_eq!(u.layers[0].size, 4096);
    let root = u.layers[0].root.clone().unwrap();
    let release = u.tree.read(&root, "lsb-release").unwrap();
    assert!(release.starts_with(b"DISTRIB_ID=Ubuntu\n"), "{}", String::from_utf8_lossy(release));

    let u = unpack(&vector("romfs.bin"), &Limits::default()).unwrap();
    assert_eq!(places(&u), ["romfs@0x0"]);
    assert_eq!(u.layers[0].size, 240);
    assert_eq!(u.layers[0].note.as_deref(), Some("romfs \"rom 67269c23\", 1 entries"));
    let root = u.layers[0].root.clone().unwrap();
    assert!(u.tree.read(&root, "lsb-release").unwrap().starts_with(b"DISTRIB_ID=Ubuntu\n"));

    let yaffs = vector("yaffs2.bin");
    let u = unpack(&yaffs, &Limits::default()).unwrap();
    assert_eq!(places(&u)[0], "yaffs2@0x0");
    // YAFFS's own sources, 13 files: each whole, as the chunks' byte counts and the headers'
    // sizes say.
    let root = u.layers[0].root.clone().unwrap();
    assert!(u.warnings.is_empty(), "{:?}", u.warnings);
    assert_eq!(u.tree.files(), 13);
    let env = u.tree.read(&root, "yutilsenv.h").unwrap();
    assert!(env.len() == 844 && env.starts_with(b"/*\n * YAFFS: Yet another Flash File System"));
    assert!(u.tree.read(&root, "mkyaffs2image.c").unwrap().ends_with(b"exit(error);\n}\t\n\n"));
    // 64 chunks of 2048 + 64 bytes, the last four erased: the filesystem spans the first 60.
    assert_eq!(yaffs.len(), 64 * 2112);
    assert_eq!(u.layers[0].size, 60 * 2112);
    assert!(u.layers[0]
        .note
        .as_deref()
        .unwrap()
        .starts_with("YAFFS2, pages of 2048 bytes + 64 spare, 60 chunks, 13 entries"));
}

/// YAFFS2 laid out as other NAND parts lay it out — larger spare areas, the tags after the
/// spare's two-byte bad-block marker — made from binwalk's vector chunk by chunk: the same 13
/// files, and the same as unyaffs reads from each (`-b` for the marker).
#[test]
fn yaffs2_in_other_flash_layouts_gives_the_same_files() {
    let yaffs = vector("yaffs2.bin");
    let files = |u: &iotvet_firmware::Unpacked| -> Vec<(String, Vec<u8>)> {
        u.tree
            .iter()
            .filter_map(|(p, n)| match n {
                Node::File { data, .. } => {
                    Some((p.split_once('/').map_or(p.as_str(), |(_, r)| r).to_owned(), data.clone()))
                }
                _ => None,
            })
            .collect()
    };
    let want = files(&unpack(&yaffs, &Limits::default()).unwrap());
    assert_eq!(want.len(), 13);
    for (spare, at) in [(64, 2), (128, 0), (128, 2), (224, 2)] {
        let mut image = Vec::new();
        for chunk in yaffs.chunks_exact(2112) {
            image.extend_from_slice(&chunk[..2048]);
            let mut area = vec![0xff; spare];
            area[at..at + 16].copy_from_slice(&chunk[2048..2064]);
            image.extend_from_slice(&area);
        }
        let u = unpack(&image, &Limits::default()).unwrap();
        let note = u.layers[0].note.clone().unwrap_or_default();
        let marker = if at > 0 { ", tags after a 2-byte bad-block marker" } else { "" };
        assert!(note.starts_with(&format!("YAFFS2, pages of 2048 bytes + {spare} spare{marker}, 60 chunks")), "{note}");
        assert!(u.warnings.is_empty(), "{:?}", u.warnings);
        assert_eq!(files(&u), want, "spare {spare}, tags at {at}");
        // unyaffs (Debian) on the same image: every file the same.
        let dir = temp(&format!("yaffs-{spare}-{at}"));
        let img = dir.0.join("image.yaffs2");
        std::fs::write(&img, &image).unwrap();
        let spare_arg = spare.to_string();
        let mut args = vec!["-c", "2", "-s", spare_arg.as_str()];
        if at > 0 {
            args.push("-b");
        }
        let out = dir.0.join("out");
        let (img_arg, out_arg) = (img.display().to_string(), out.display().to_string());
        args.extend([img_arg.as_str(), out_arg.as_str()]);
        if tool("unyaffs", &args, b"").is_none() {
            continue;
        }
        for (path, data) in &want {
            assert_eq!(
                std::fs::read(out.join(path)).ok().as_ref(),
                Some(data),
                "unyaffs, spare {spare}, tags at {at}: {path}"
            );
        }
    }
}

/// binwalk's Matter OTA vector: the header's TLV read (vendor, product, version string), the
/// payload's SHA-256 checked against the header's digest, and a payload changed after signing
/// is a warning.
#[test]
fn a_matter_ota_image_is_read_and_its_digest_checked() {
    let ota = vector("matter_ota.bin");
    let u = unpack(&ota, &Limits::default()).unwrap();
    assert_eq!(places(&u), ["matter-ota@0x0"]);
    assert_eq!(
        u.layers[0].note.as_deref(),
        Some("Matter OTA image: vendor 0x1234, product 0x1234, software version 285240832 (\"1.2.120.0\"), payload 8 bytes, digest matches")
    );
    assert!(u.warnings.is_empty(), "{:?}", u.warnings);
    let mut tampered = ota.clone();
    let last = tampered.len() - 2;
    tampered[last] ^= 1;
    let u = unpack(&tampered, &Limits::default()).unwrap();
    assert_eq!(u.warnings, ["matter-ota@0x0: Matter OTA payload digest does not match its header"]);
    // A header that says more than there is: not a Matter OTA image, and no panic.
    for cut in [10, 20, 60, 90] {
        let _ = unpack(&ota[..cut], &Limits::default());
    }
}

/// binwalk's Arcadyan vector: the swapped, nibble- and byte-swapped block put back, the LZMA
/// stream at 4 then inflates (to the router's 2.8 MB RTOS image); one byte of the signature
/// changed and it is not taken for Arcadyan's.
#[test]
fn arcadyan_obfuscation_is_undone() {
    let image = vector("arcadyan.bin");
    let u = unpack(&image, &Limits::default()).unwrap();
    assert_eq!(places(&u), ["arcadyan@0x0", "arcadyan@0x0/lzma@0x4"]);
    assert_eq!(u.layers[1].size, 733_162);
    let plain = iotvet_firmware::formats::arcadyan(&image).unwrap();
    assert_eq!(&plain[4..9], &[0x5d, 0, 0, 0x80, 0], "an LZMA header with an 8 MiB dictionary");
    let mut other = image.clone();
    other[0x70] = 1;
    assert!(iotvet_firmware::formats::arcadyan(&other).is_none());
}
