//! SquashFS images made by Debian's `mksquashfs` (squashfs-tools) from a root filesystem the
//! test writes: every compression it offers opens (LZO too, through lzallright), with the same files,
//! links and permission bits; a cut or lying image is refused with a reason, never a panic.

use std::path::{Path, PathBuf};
use std::process::Command;

use iotvet_firmware::{unpack, FirmwareError, Limits, Node};

mod common;
use common::{noise, temp};

/// A small root filesystem: passwd and shadow, an inittab starting telnetd, BusyBox with its
/// applet links, a file of 300 KiB (several blocks).
fn rootfs(dir: &Path) -> PathBuf {
    use std::os::unix::fs::{symlink, PermissionsExt};
    let root = dir.join("root");
    for d in ["etc", "bin", "usr/sbin", "www"] {
        std::fs::create_dir_all(root.join(d)).unwrap();
    }
    std::fs::write(root.join("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n").unwrap();
    // "admin", MD5-crypt, salt "iotvet".
    std::fs::write(root.join("etc/shadow"), "root:$1$iotvet$Qrfb35CFcfbuviFIOX1Ez0:19000:0:99999:7:::\n").unwrap();
    std::fs::write(root.join("etc/inittab"), "::sysinit:/etc/init.d/rcS\n::respawn:/usr/sbin/telnetd -F\n").unwrap();
    std::fs::write(root.join("bin/busybox"), b"\x7fELF BusyBox v1.36.1 (2024-01-01) multi-call binary").unwrap();
    std::fs::set_permissions(root.join("bin/busybox"), std::fs::Permissions::from_mode(0o4755)).unwrap();
    symlink("../../bin/busybox", root.join("usr/sbin/telnetd")).unwrap();
    std::fs::write(root.join("www/big.bin"), noise(300 * 1024)).unwrap();
    root
}

fn mksquashfs(root: &Path, out: &Path, comp: &str) -> bool {
    mksquashfs_with(root, out, comp, &[])
}

fn mksquashfs_with(root: &Path, out: &Path, comp: &str, options: &[&str]) -> bool {
    let Ok(status) = Command::new("mksquashfs")
        .arg(root)
        .arg(out)
        .args(["-noappend", "-all-root", "-no-progress", "-quiet", "-comp", comp])
        .args(options)
        .status()
    else {
        assert!(std::env::var_os("CI").is_none(), "mksquashfs is absent in CI (scripts/test installs squashfs-tools)");
        eprintln!("SKIPPED: mksquashfs is absent");
        return false;
    };
    assert!(status.success(), "mksquashfs -comp {comp}");
    true
}

#[test]
fn every_compression_mksquashfs_offers_opens_with_the_same_files() {
    let dir = temp("comp");
    let root = rootfs(&dir.0);
    for comp in ["gzip", "xz", "lzma", "lz4", "zstd", "lzo"] {
        let image = dir.0.join(format!("{comp}.sqfs"));
        if !mksquashfs(&root, &image, comp) {
            return;
        }
        let bytes = std::fs::read(&image).unwrap();
        let u = unpack(&bytes, &Limits::default()).unwrap();
        let layer = &u.layers[0];
        assert_eq!((layer.format, layer.offset), ("squashfs", 0), "{comp}");
        assert!(layer.opened, "{comp}: {layer:?}");
        let r = layer.root.clone().unwrap();
        assert_eq!(u.tree.read(&r, "etc/passwd"), Some(&b"root:x:0:0:root:/root:/bin/sh\n"[..]), "{comp}");
        let big = u.tree.read(&r, "www/big.bin").unwrap();
        assert!(big == noise(300 * 1024).as_slice(), "{comp}");
        match u.tree.get(&format!("{r}/usr/sbin/telnetd")) {
            Some(Node::Symlink(t)) => assert_eq!(t, "../../bin/busybox"),
            other => panic!("{comp}: {other:?}"),
        }
        match u.tree.get(&format!("{r}/bin/busybox")) {
            Some(Node::File { mode, .. }) => assert_eq!(*mode, 0o755, "{comp}: the set-uid bit is dropped"),
            other => panic!("{comp}: {other:?}"),
        }
    }
}

/// Every way mksquashfs lays out a file's bytes — packed and stored blocks, holes, tails in
/// shared fragment blocks or in blocks of their own — reads back byte for byte (iotvet reads
/// the blocks itself with backhand's tables).
#[test]
fn stored_blocks_holes_and_fragments_read_back_byte_for_byte() {
    let dir = temp("layout");
    let root = rootfs(&dir.0);
    // A sparse file: 1 MiB of hole, then data, then another hole at its end.
    let sparse =
        std::fs::OpenOptions::new().create(true).truncate(true).write(true).open(root.join("www/sparse.img")).unwrap();
    std::os::unix::fs::FileExt::write_at(&sparse, b"after the hole", 1 << 20).unwrap();
    sparse.set_len(3 << 20).unwrap();
    // Forty small files whose tails share fragment blocks, of sizes around a block's.
    for i in 0..40usize {
        let n = [10, 4_000, 131_071, 131_072, 131_073, 200_000][i % 6] + i;
        std::fs::write(root.join(format!("www/f{i}.bin")), &noise(n + 262_144)[262_144..]).unwrap();
    }
    let want: Vec<(String, Vec<u8>)> = std::fs::read_dir(root.join("www"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| (format!("www/{}", p.file_name().unwrap().to_string_lossy()), std::fs::read(&p).unwrap()))
        .collect();
    for (comp, options) in [
        ("gzip", &[][..]),
        ("gzip", &["-noD", "-noF"][..]),
        ("xz", &["-no-fragments"][..]),
        ("zstd", &["-always-use-fragments"][..]),
        ("lz4", &["-b", "4096"][..]),
    ] {
        let image = dir.0.join("layout.sqfs");
        if !mksquashfs_with(&root, &image, comp, options) {
            return;
        }
        let u = unpack(&std::fs::read(&image).unwrap(), &Limits::default()).unwrap();
        assert!(u.warnings.is_empty(), "{comp} {options:?}: {:?}", u.warnings);
        let r = u.layers[0].root.clone().unwrap();
        for (path, bytes) in &want {
            let got = u.tree.read(&r, path).unwrap_or_else(|| panic!("{comp} {options:?}: {path} missing"));
            assert!(got == bytes.as_slice(), "{comp} {options:?}: {path}: {} bytes, {} wanted", got.len(), bytes.len());
        }
    }
}

#[test]
fn a_squashfs_in_a_uimage_gives_its_evidence() {
    let dir = temp("evidence");
    let root = rootfs(&dir.0);
    let image = dir.0.join("root.sqfs");
    if !mksquashfs(&root, &image, "xz") {
        return;
    }
    let mut firmware = vec![0u8; 512];
    firmware.extend(iotvet_firmware::build::uimage(&std::fs::read(&image).unwrap(), "rootfs"));
    let f = iotvet_firmware::analyze(&firmware, "fw.bin", &Limits::for_analysis()).unwrap();
    let places: Vec<&str> = f.image.layers.iter().map(|l| l.place.as_str()).collect();
    assert_eq!(places, ["uimage@0x200", "uimage@0x200/squashfs@0x0"]);
    let root_account = f.accounts.iter().find(|a| a.name == "root").unwrap();
    assert_eq!(root_account.found_in.as_deref(), Some("the default-credential list"), "{root_account:?}");
    let telnetd = f.boot_services.iter().find(|s| s.name == "telnetd").expect("inittab respawns telnetd");
    assert_eq!((telnetd.program.as_deref(), telnetd.absent), (Some("/usr/sbin/telnetd"), false));
    assert!(f.components.iter().any(|c| c.name == "busybox" && c.version == "1.36.1"), "{:?}", f.components);
}

#[test]
fn a_cut_or_lying_squashfs_is_refused_with_a_reason() {
    let dir = temp("hostile");
    let root = rootfs(&dir.0);
    let image = dir.0.join("root.sqfs");
    if !mksquashfs(&root, &image, "gzip") {
        return;
    }
    let bytes = std::fs::read(&image).unwrap();
    // Cut anywhere before its end: never a panic; a cut filesystem is not opened, or says it is
    // cut (mksquashfs pads the file to 4 KiB past the filesystem's own length).
    let used = u64::from_le_bytes(bytes[40..48].try_into().unwrap()) as usize;
    for cut in [97, 200, used / 3, used / 2, used - 1] {
        let u = unpack(&bytes[..cut], &Limits::default()).unwrap();
        let layer = &u.layers[0];
        assert!(!layer.opened || layer.note.as_deref().unwrap_or("").contains("are there"), "cut at {cut}: {layer:?}");
    }
    // Bytes of the superblock and of the tables (mksquashfs writes them after the data)
    // flipped in turn: an error or a layer, no panic.
    for at in (0..96).chain((used.saturating_sub(2048)..used).step_by(3)) {
        let mut b = bytes.clone();
        b[at] ^= 0xa5;
        let _ = unpack(&b, &Limits::default());
    }
    // 4 MiB of zeros in a small image: past a low expansion limit, a bomb.
    let strict = Limits { max_ratio: 2, ..Limits::default() };
    let pattern: Vec<u8> = vec![0; 4 << 20];
    std::fs::write(root.join("www/zeros.bin"), pattern).unwrap();
    let image = dir.0.join("bomb.sqfs");
    assert!(mksquashfs(&root, &image, "gzip"));
    let bytes = std::fs::read(&image).unwrap();
    assert!(matches!(unpack(&bytes, &strict), Err(FirmwareError::Bomb(..))), "{:?}", unpack(&bytes, &strict).err());
}

#[test]
fn files_written_out_stay_in_the_folder_and_links_are_listed_not_made() {
    use iotvet_firmware::build::cpio;
    // A link out of the image, then a file "written through" it, and a set-uid program.
    let archive = cpio(&[
        ("etc", 0o040755, b""),
        ("etc/evil", 0o120777, b"/tmp"),
        ("etc/evil/pwned", 0o100644, b"through the link"),
        ("bin/su", 0o104755, b"setuid"),
    ]);
    let u = unpack(&archive, &Limits::default()).unwrap();
    let dir = temp("extract");
    let out = dir.0.join("out");
    let w = iotvet_firmware::extract::extract(&u.tree, &out).unwrap();
    assert_eq!(w.links, 1);
    let links = std::fs::read_to_string(out.join("links.tsv")).unwrap();
    assert!(links.contains("cpio@0x0/etc/evil\t/tmp"), "{links}");
    // No link on disk: "etc/evil" is a folder holding the file, inside the output folder.
    let through = out.join("cpio@0x0/etc/evil/pwned");
    assert!(std::fs::symlink_metadata(out.join("cpio@0x0/etc/evil")).unwrap().is_dir());
    assert_eq!(std::fs::read(&through).unwrap(), b"through the link");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(out.join("cpio@0x0/bin/su")).unwrap().permissions().mode();
    assert_eq!(mode & 0o7777, 0o755, "no set-uid bit on disk");
    // A folder that is not empty is refused: nothing is overwritten.
    assert!(iotvet_firmware::extract::extract(&u.tree, &out).is_err());
}
