//! The real vendor images and binwalk's vectors in ../shared/corpora/firmware give the facts
//! written in its NOTES.md and README (checked there with binwalk, unsquashfs and openssl).

use std::path::PathBuf;

use iotvet_core::firmware::FirmwareSection;
use iotvet_firmware::{analyze, Limits};

fn corpus(name: &str) -> Option<Vec<u8>> {
    let path: PathBuf = [env!("CARGO_MANIFEST_DIR"), "../../../shared/corpora/firmware", name].iter().collect();
    match std::fs::read(&path) {
        Ok(b) => Some(b),
        Err(_) => {
            assert!(std::env::var_os("CI").is_none(), "{} is absent in CI", path.display());
            eprintln!("SKIPPED: {} is absent", path.display());
            None
        }
    }
}

/// The image analysed as `iotvet firmware` does (keeping only the bytes its evidence reads),
/// checked to say exactly what an analysis keeping every file's bytes says.
fn analysed(name: &str) -> Option<FirmwareSection> {
    let bytes = corpus(name)?;
    let f = analyze(&bytes, name, &Limits::for_analysis()).unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut all = analyze(&bytes, name, &Limits::default()).unwrap_or_else(|e| panic!("{name}: {e}"));
    all.provenance = f.provenance.clone();
    assert_eq!(f, all, "{name}: the same evidence whichever bytes are kept");
    Some(f)
}

fn version(f: &FirmwareSection, name: &str) -> Option<String> {
    f.components.iter().find(|c| c.name == name).map(|c| c.version.clone())
}

#[test]
fn tp_link_mr3020_vendor_lzma_squashfs_gives_its_accounts_and_no_telnetd() {
    let Some(f) = analysed("images/tp-link_tl-mr3020_v1_3.17.2_build150921_up_boot.bin") else { return };
    // TP-Link's non-standard LZMA (bare 5-byte headers), which stock unsquashfs refuses.
    let fs = f.image.layers.iter().find(|l| l.format == "squashfs").expect("the root SquashFS");
    assert_eq!((fs.offset, fs.size, fs.opened), (0x120200, 2_597_236, true), "{fs:?}");
    // The two LZMA streams binwalk lists: U-Boot's (95,584 bytes) and the kernel (2,581,428).
    let lzma: Vec<(&str, bool)> =
        f.image.layers.iter().filter(|l| l.format == "lzma").map(|l| (l.place.as_str(), l.opened)).collect();
    assert_eq!(lzma, [("uimage@0x3c80/lzma@0x0", true), ("lzma@0x20400", true)]);
    // The root filesystem's 444 regular files, and the two streams' decompressed bytes kept as
    // files (binwalk and unblob keep them too).
    assert_eq!(f.files, 446, "444 regular files + 2 decompressed streams");
    let bytes = corpus("images/tp-link_tl-mr3020_v1_3.17.2_build150921_up_boot.bin").unwrap_or_default();
    let u = iotvet_firmware::unpack(&bytes, &Limits::default()).expect("unpacks");
    let kernel = match u.tree.get("lzma@0x20400/decompressed") {
        Some(iotvet_firmware::Node::File { data, .. }) => data.len(),
        other => panic!("the kernel as a file: {:?}", other.is_some()),
    };
    assert_eq!(kernel, 2_581_428, "the kernel's size as the README gives it");
    let account = |n: &str| f.accounts.iter().find(|a| a.name == n).unwrap_or_else(|| panic!("{n}: {:?}", f.accounts));
    assert_eq!(f.accounts.len(), 13);
    for uid0 in ["root", "Admin"] {
        let a = account(uid0);
        assert_eq!(
            (a.uid, a.hash.as_str(), a.found_in.as_deref()),
            (0, "md5-crypt", Some("the default-credential list"))
        );
        assert!(a.password.is_some(), "5up, masked");
    }
    for empty in ["bin", "daemon", "adm", "nobody", "ap71"] {
        assert_eq!(account(empty).hash, "empty");
    }
    assert_eq!(version(&f, "busybox").as_deref(), Some("1.01"));
    assert_eq!(version(&f, "uclibc").as_deref(), Some("0.9.30"), "from lib/ld-uClibc-0.9.30.so");
    assert_eq!(version(&f, "hostapd").as_deref(), Some("0.5.9"));
    // The kernel, from its banner in the decompressed kernel stream (outside the filesystem).
    let linux = f.components.iter().find(|c| c.name == "linux").expect("the kernel's version");
    assert_eq!((linux.version.as_str(), linux.confidence.as_str()), ("2.6.31", "high"));
    assert!(linux.evidence.contains("lzma@0x20400 (decompressed)"), "{linux:?}");
    // rcS starts /usr/sbin/telnetd only if it is there, and it is not.
    let telnetd: Vec<_> = f.boot_services.iter().filter(|s| s.name == "telnetd").collect();
    assert_eq!(telnetd.len(), 1, "{:?}", f.boot_services);
    assert!(telnetd[0].absent && telnetd[0].source.ends_with("etc/rc.d/rcS"), "{telnetd:?}");
}

#[test]
fn belkin_f9k1015_standard_lzma_squashfs_has_no_shadow_and_no_telnetd() {
    let Some(f) = analysed("images/belkin_f9k1015_v1_1.00.08_rootfs.squashfs") else { return };
    assert!(f.image.layers.iter().any(|l| l.format == "squashfs" && l.opened && l.offset == 0));
    assert_eq!(version(&f, "busybox").as_deref(), Some("1.11.1"));
    assert!(f.accounts.iter().all(|a| !a.source.ends_with("shadow")), "no /etc/shadow");
    assert!(f.boot_services.iter().all(|s| s.name != "telnetd"), "{:?}", f.boot_services);
    // Its web UI checks for new firmware over plain HTTP (and nothing else is taken for it).
    let urls: Vec<(&str, bool)> =
        f.update.iter().filter(|u| u.kind == "url").map(|u| (u.detail.as_str(), u.plaintext)).collect();
    assert_eq!(urls, [("http://networking.belkin.com/update/files/F9K1015/v1/WW/version.html", true)]);
}

#[test]
fn rraycom_camera_xz_squashfs_has_an_empty_root_password_and_starts_telnetd() {
    let Some(f) = analysed("images/rraycom_c-s-acs229-us_rootfs_mtd.squashfs") else { return };
    let root = f.accounts.iter().find(|a| a.name == "root").expect("root");
    assert_eq!((root.hash.as_str(), root.source.ends_with("etc/shadow")), ("empty", true));
    let telnetd = f.boot_services.iter().find(|s| s.name == "telnetd").expect("S80network runs telnetd&");
    assert!(telnetd.source.ends_with("S80network") && !telnetd.absent, "{telnetd:?}");
    assert_eq!(version(&f, "busybox").as_deref(), Some("1.22.1"));
    assert_eq!(version(&f, "uclibc").as_deref(), Some("0.9.33.2"));
    // The mtd dump goes on past the SquashFS into a JFFS2 partition (binwalk: 0x10005C), the
    // camera's settings: read, 124 files (jefferson, binwalk's JFFS2 extractor, gives the same
    // 124 paths and contents).
    let jffs2: Vec<(&str, bool)> =
        f.image.layers.iter().filter(|l| l.format == "jffs2").map(|l| (l.place.as_str(), l.opened)).collect();
    assert_eq!(jffs2, [("jffs2@0x10005c", true)]);
    assert_eq!(f.image.layers[1].note.as_deref(), Some("JFFS2, little-endian, 348 nodes, 133 entries"));
}

#[test]
fn binwalk_squashfs_vectors_are_found_at_offset_zero() {
    for (name, opened) in [("binwalk_test_inputs/squashfs.bin", true), ("binwalk_test_inputs/squashfs_v2.bin", true)] {
        let Some(f) = analysed(name) else { return };
        let first = f.image.layers.first().unwrap_or_else(|| panic!("{name}: no layer"));
        assert_eq!((first.format.as_str(), first.offset, first.opened), ("squashfs", 0, opened), "{name}: {first:?}");
    }
}

/// binwalk's SquashFS 2.0 vector (big-endian, a vendor's LZMA with bare 5-byte headers, inodes
/// stored uncompressed): the tree `unsquashfs -lls` lists — 431 inodes: 263 regular files, 68
/// links, 28 folders under the root, 71 devices and a FIFO — with every file's size and every
/// link's target the same (checked entry by entry with the listing when the reader was written).
#[test]
fn binwalk_squashfs_v2_vector_is_read_whole() {
    let name = "binwalk_test_inputs/squashfs_v2.bin";
    let Some(f) = analysed(name) else { return };
    let fs = &f.image.layers[0];
    assert_eq!(fs.note.as_deref(), Some("SquashFS 2.0, big-endian, zlib or LZMA, 359 entries"), "{fs:?}");
    assert_eq!(f.files, 263);
    assert_eq!(
        f.image.warnings,
        ["squashfs@0x0: 71 device nodes, FIFOs or sockets not created (/dev/initctl, …)"],
        "no file damaged"
    );
    assert_eq!(version(&f, "busybox").as_deref(), Some("1.00"));
    assert_eq!(version(&f, "dropbear").as_deref(), Some("0.46"));
    assert_eq!(version(&f, "openssl").as_deref(), Some("0.9.7f"));
    // inetd.conf would start ftpd and telnetd, neither of which the image has.
    let started: Vec<(&str, bool)> = f.boot_services.iter().map(|s| (s.name.as_str(), s.absent)).collect();
    assert_eq!(started, [("ftpd", true), ("telnetd", true)]);
    let bytes = corpus(name).unwrap_or_default();
    let u = iotvet_firmware::unpack(&bytes, &Limits::default()).expect("unpacks");
    let file = |p: &str| match u.tree.get(&format!("squashfs@0x0/{p}")) {
        Some(iotvet_firmware::Node::File { data, mode, .. }) => (data.clone(), *mode),
        other => panic!("{p}: {other:?}"),
    };
    let (busybox, mode) = file("bin/busybox");
    assert_eq!((busybox.len(), mode), (224_756, 0o755));
    assert!(busybox.starts_with(b"\x7fELF"), "a program, whole");
    assert!(busybox.windows(14).any(|w| w == b"BusyBox v1.00 "));
    assert_eq!(file("bin/cfm").0.len(), 1_198_588, "a file of 19 blocks");
    assert_eq!(file("etc/inittab").0.get(..24), Some(&b"::sysinit:/etc/init.d/rc"[..]));
    assert_eq!(u.tree.get("squashfs@0x0/bin/cat"), Some(&iotvet_firmware::Node::Symlink("busybox".into())));
    let dirs = u.tree.iter().filter(|(_, n)| matches!(n, iotvet_firmware::Node::Dir)).count();
    let links = u.tree.iter().filter(|(_, n)| matches!(n, iotvet_firmware::Node::Symlink(_))).count();
    assert_eq!((dirs, links), (28, 68));
}

/// The 2.x reader on the vector cut short and with bytes of its tables changed: never a panic
/// (the reader is called directly, without the catch around it), an error or fewer entries.
#[test]
fn squashfs_v2_cut_or_corrupted_never_panics() {
    let Some(bytes) = corpus("binwalk_test_inputs/squashfs_v2.bin") else { return };
    let tables = 0x27_4019; // the inode table's start: the directory table and the rest follow
    let mut cuts: Vec<usize> = (0..bytes.len()).step_by(bytes.len() / 16).collect();
    cuts.extend((tables..bytes.len()).step_by(1229));
    for cut in cuts {
        let _ = iotvet_firmware::squashfs2::read(&bytes[..cut], true, 1 << 30);
    }
    for (i, at) in (tables..bytes.len()).step_by(389).enumerate() {
        let mut b = bytes.clone();
        b[at] ^= [0xff, 0x80, 0x01, 0x10][i % 4];
        let _ = iotvet_firmware::squashfs2::read(&b, true, 1 << 30);
    }
}
