//! Each firmware decoder and header parser on its own, fed the same bytes: the hand-written
//! headers (uImage, TRX, Matter OTA with its TLV, Arcadyan's obfuscation, FIT/device tree, Android boot and sparse, cpio, UBI and its volumes, UBIFS, JFFS2,
//! YAFFS2, ext superblock, CramFS and romfs superblocks), the filesystem readers (CramFS, romfs,
//! JFFS2, YAFFS2, UBIFS, ext via ext4-view, SquashFS via backhand) and every compressed-stream decoder, each under a
//! small cap. The first byte picks which stream decoder runs, so each gets its share.
#![no_main]
use iotvet_firmware::{cramfs, ext, formats, jffs2, romfs, squashfs, streams, ubifs, yaffs2};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let cap = 4 << 20;
    let _ = formats::uimage(data);
    let _ = formats::trx(data);
    let _ = formats::matter_ota(data);
    let _ = formats::arcadyan(data);
    let _ = formats::fdt(data);
    let _ = formats::android_boot(data);
    let _ = formats::unsparse(data, cap);
    let _ = formats::cpio(data);
    let _ = formats::ubi(data);
    if let Some((peb, _)) = formats::ubi_geometry(data) {
        let _ = formats::ubi_volumes(data, peb, cap);
    }
    let _ = formats::ubifs(data);
    let _ = formats::jffs2(data);
    let _ = formats::yaffs2(data);
    let _ = formats::ext(data);
    if cramfs::superblock(data).is_some_and(|(_, _, openable)| openable) {
        let _ = cramfs::read(data, cap);
    }
    if formats::jffs2(data).is_some() {
        let _ = jffs2::read(data, data.first() == Some(&0x19), cap);
    }
    if formats::ubifs(data).is_some() {
        let _ = ubifs::read(data, cap);
    }
    if formats::yaffs2(data).is_some() {
        let _ = yaffs2::read(data, cap);
    }
    if romfs::superblock(data).is_some() {
        let _ = romfs::read(data, cap);
    }
    if formats::ext(data).is_some() {
        let _ = ext::read(data, cap);
    }
    if let Some(sb) = squashfs::superblock(data) {
        let _ = squashfs::read(data, &sb, cap, iotvet_firmware::Kept::All);
    }
    if let Some((first, rest)) = data.split_first() {
        let kind = streams::KINDS[usize::from(*first) % streams::KINDS.len()];
        let _ = streams::decode(kind, rest, cap);
    }
});
