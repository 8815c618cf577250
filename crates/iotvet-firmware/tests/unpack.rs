//! Images built here, byte by byte: nested containers, and every hostile archive the issue names.

use iotvet_firmware::{unpack, FirmwareError, Limits, Node};

use iotvet_firmware::build::{cpio, gzip, uimage};

const FILE: u32 = 0o100644;
const LINK: u32 = 0o120777;

#[test]
fn a_root_filesystem_in_a_gzip_in_a_uimage_is_read_in_memory() {
    let rootfs = cpio(&[
        ("etc", 0o040755, b""),
        ("etc/passwd", FILE, b"root:x:0:0:root:/root:/bin/sh\n"),
        ("etc/shadow.real", FILE, b"root:$1$abc$def:0:0:99999:7:::\n"),
        ("etc/shadow", LINK, b"/etc/shadow.real"),
        ("bin/busybox", 0o104755, b"BusyBox v1.22.1 (2014-01-01) multi-call binary"),
    ]);
    let mut image = vec![0xffu8; 100];
    image.extend(uimage(&gzip(&rootfs), "camera rootfs"));
    image.extend(vec![0xff; 50]);
    let u = unpack(&image, &Limits::default()).unwrap();
    let chain: Vec<&str> = u.layers.iter().map(|l| l.place.as_str()).collect();
    assert_eq!(chain, ["uimage@0x64", "uimage@0x64/gzip@0x0", "uimage@0x64/gzip@0x0/cpio@0x0"]);
    assert!(u.warnings.is_empty(), "{:?}", u.warnings);
    let root = u.layers[2].root.clone().unwrap();
    assert_eq!(u.tree.read(&root, "/etc/shadow"), Some(&b"root:$1$abc$def:0:0:99999:7:::\n"[..]));
    // The set-uid bit is not kept.
    match u.tree.get(&format!("{root}/bin/busybox")) {
        Some(Node::File { mode, .. }) => assert_eq!(*mode, 0o755),
        other => panic!("{other:?}"),
    }
    // The cpio's three regular files, and the gzip's decompressed bytes (the cpio archive).
    assert_eq!(u.tree.files(), 4);
    assert_eq!(u.tree.read("uimage@0x64/gzip@0x0", "decompressed"), Some(&rootfs[..]));
    assert_eq!(u.size, image.len() as u64);
    assert_eq!(u.sha256.len(), 64);
}

#[test]
fn a_gzip_stream_is_kept_as_the_file_its_header_names() {
    use std::io::Write;
    let gz = |name: &[u8]| {
        let mut w = flate2::GzBuilder::new().filename(name).write(Vec::new(), flate2::Compression::fast());
        w.write_all(b"option telnet 1\n").unwrap();
        w.finish().unwrap()
    };
    let mut image = gz(b"default.cfg");
    image.extend(vec![0u8; 64]);
    // A name that would climb out of the output folder is not used.
    let at = image.len();
    image.extend(gz(b"../../etc/evil"));
    let u = unpack(&image, &Limits::default()).unwrap();
    assert_eq!(u.tree.read("gzip@0x0", "default.cfg"), Some(&b"option telnet 1\n"[..]));
    let second = format!("gzip@{at:#x}");
    assert_eq!(
        u.tree.read(&second, "evil"),
        Some(&b"option telnet 1\n"[..]),
        "{:?}",
        u.tree.iter().map(|(p, _)| p).collect::<Vec<_>>()
    );
    assert_eq!(u.tree.files(), 2);
}

#[test]
fn hostile_entries_stay_inside_the_image() {
    let archive = cpio(&[
        ("../../../../tmp/evil", FILE, b"climbs out"),
        ("/etc/absolute", FILE, b"taken as the image's own /etc"),
        ("dev/sda", 0o060660, b""),
        ("escape", LINK, b"../../../../../etc"),
        ("escape/passwd", FILE, b"written through a link"),
    ]);
    let u = unpack(&archive, &Limits::default()).unwrap();
    let root = u.layers[0].root.clone().unwrap();
    let paths: Vec<&String> = u.tree.iter().map(|(p, _)| p).collect();
    assert!(paths.iter().all(|p| p.starts_with(&format!("{root}/"))), "{paths:?}");
    assert!(u.tree.get(&format!("{root}/etc/absolute")).is_some());
    assert!(u.tree.get(&format!("{root}/escape/passwd")).is_some(), "{paths:?}");
    assert!(u.warnings.iter().any(|w| w.contains("climbs out")), "{:?}", u.warnings);
    assert!(u.warnings.iter().any(|w| w.contains("dev/sda") && w.contains("not created")), "{:?}", u.warnings);
    // The link resolves inside the image only: nothing of the host is ever read.
    assert_eq!(u.tree.read(&root, "escape/hostname"), None);
}

#[test]
fn a_decompression_bomb_is_refused() {
    let bomb = gzip(&vec![0u8; 20 << 20]);
    // Far more than 200 times its size (the exact size depends on flate2's backend).
    assert!(bomb.len() * 400 < 20 << 20, "{}", bomb.len());
    match unpack(&bomb, &Limits::default()) {
        Err(FirmwareError::Bomb(place, 200)) => assert_eq!(place, "gzip@0x0"),
        other => panic!("{other:?}"),
    }
    let limits = Limits { max_ratio: 100_000, max_bytes: 1 << 20, ..Limits::default() };
    assert_eq!(unpack(&bomb, &limits).unwrap_err(), FirmwareError::TooManyBytes(1 << 20));
}

#[test]
fn nesting_past_the_limit_is_refused() {
    let mut b = cpio(&[("f", FILE, b"x")]);
    for _ in 0..12 {
        b = gzip(&b);
    }
    match unpack(&b, &Limits::default()) {
        Err(FirmwareError::TooDeep(8, place)) => assert!(place.matches("gzip").count() == 9, "{place}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn truncated_streams_and_lying_headers_are_noted_not_fatal() {
    let rootfs = cpio(&[("etc/passwd", FILE, b"root:x:0:0::/:/bin/sh\n")]);
    let gz = gzip(&rootfs);
    let cut = &gz[..gz.len() - 12];
    let u = unpack(cut, &Limits::default()).unwrap();
    assert!(u.layers[0].note.as_deref().unwrap_or("").contains("cut short"), "{:?}", u.layers);
    // A uImage whose header claims more data than there is.
    let mut lying = uimage(b"tiny", "liar");
    lying[12..16].copy_from_slice(&(1u32 << 30).to_be_bytes());
    let u = unpack(&lying, &Limits::default()).unwrap();
    assert!(u.warnings.iter().any(|w| w.contains("shorter")), "{:?}", u.warnings);
    // A cpio entry whose size runs past the end.
    let mut cpio_cut = cpio(&[("a", FILE, b"0123456789")]);
    cpio_cut.truncate(120);
    let u = unpack(&cpio_cut, &Limits::default()).unwrap();
    assert!(u.tree.is_empty());
    // A corrupted header CRC is said.
    let mut bad = uimage(&gzip(&rootfs), "x");
    bad[40] ^= 0xff;
    let u = unpack(&bad, &Limits::default()).unwrap();
    assert!(u.warnings.iter().any(|w| w.contains("header CRC")), "{:?}", u.warnings);
}

#[test]
fn a_tar_with_a_climbing_path_and_a_hard_link() {
    let mut b = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_ustar();
    h.set_size(5);
    h.set_mode(0o644);
    h.set_entry_type(tar::EntryType::Regular);
    h.set_path("etc/passwd").unwrap();
    h.set_cksum();
    b.append(&h, &b"root\n"[..]).unwrap();
    // A name the builder would refuse, written into the header by hand.
    let mut evil = tar::Header::new_old();
    evil.as_old_mut().name[..14].copy_from_slice(b"../../evil.txt");
    evil.set_size(4);
    evil.set_mode(0o644);
    evil.set_entry_type(tar::EntryType::Regular);
    evil.set_cksum();
    b.append(&evil, &b"evil"[..]).unwrap();
    let mut link = tar::Header::new_ustar();
    link.set_entry_type(tar::EntryType::Link);
    link.set_path("etc/passwd.hard").unwrap();
    link.set_link_name("etc/passwd").unwrap();
    link.set_size(0);
    link.set_cksum();
    b.append(&link, &b""[..]).unwrap();
    let bytes = b.into_inner().unwrap();
    let u = unpack(&bytes, &Limits::default()).unwrap();
    assert_eq!(u.layers[0].format, "tar", "{:?}", u.layers);
    let root = u.layers[0].root.clone().unwrap();
    assert_eq!(u.tree.read(&root, "etc/passwd.hard"), Some(&b"root\n"[..]));
    assert!(u.warnings.iter().any(|w| w.contains("climbs out")), "{:?}", u.warnings);
    assert_eq!(u.tree.files(), 1);
}

/// A camera's root filesystem as the lab will ship it: root's password is a Mirai default, a
/// service account has none but cannot log in, another user's is unique; inittab starts telnetd.
pub fn camera_rootfs() -> Vec<u8> {
    cpio(&[
        (
            "etc/passwd",
            FILE,
            b"root:x:0:0:root:/root:/bin/sh\nnobody:*:65534:65534:nobody:/:/bin/false\nsvc::1000:1000::/:/sbin/nologin\nadmin:x:1001:1001::/home/admin:/bin/sh\nguest::1002:1002::/:/bin/sh\n",
        ),
        (
            "etc/shadow",
            FILE,
            b"root:$1$Vx9q$2u7qU2TvJP9nzAjwQiF/m.:19000:0:99999:7:::\nadmin:$6$s4lt0123$hMjllVYKyzqpw9Hs.1tGbgAGQF3mP4xq/1atG0YEXrlCruu4H/btBPWNJdDaAyItqd3hu5jBa9JwfgSKXkxn0/:19000:0:99999:7:::\n",
        ),
        ("etc/inittab", FILE, b"::sysinit:/etc/init.d/rcS\n# ::respawn:/usr/sbin/ftpd\n::respawn:/usr/sbin/telnetd -F -l /bin/login\n"),
        ("etc/init.d/S50dropbear", FILE, b"#!/bin/sh\n/usr/sbin/dropbear -R -p 22\n"),
        ("bin/busybox", 0o100755, b"\x7fELF...BusyBox v1.22.1 (2014-05-22 19:53:07 CEST) multi-call binary"),
        ("usr/lib/libcrypto.so.1.0.0", FILE, b"\x7fELF...OpenSSL 1.0.2k  26 Jan 2017\x00"),
        ("usr/sbin/dropbear", 0o100755, b"\x7fELF...SSH-2.0-dropbear_2017.75\x00"),
        ("usr/lib/opkg/status", FILE, b"Package: mosquitto\nVersion: 1.4.15-1\nStatus: install ok installed\n\nPackage: uhttpd\nVersion: 2018-11-28\n"),
    ])
}

#[test]
fn accounts_and_boot_services_are_read_from_the_filesystem() {
    let image = uimage(&gzip(&camera_rootfs()), "camera");
    let f = iotvet_firmware::analyze(&image, "camera.img", &Limits::for_analysis()).unwrap();
    let accounts: Vec<(&str, &str, Option<&str>, bool)> =
        f.accounts.iter().map(|a| (a.name.as_str(), a.hash.as_str(), a.password.as_deref(), a.can_log_in())).collect();
    assert_eq!(
        accounts,
        [
            ("root", "md5-crypt", Some("xc3511"), true),
            ("nobody", "locked", None, false),
            ("svc", "empty", None, false),
            ("admin", "sha512-crypt", None, true),
            ("guest", "empty", None, true),
        ]
    );
    assert_eq!(f.accounts[0].found_in.as_deref(), Some("the default-credential list"));
    assert!(f.accounts[0].source.ends_with("/etc/shadow"));
    let services: Vec<(&str, &str)> = f.boot_services.iter().map(|s| (s.name.as_str(), s.source.as_str())).collect();
    assert_eq!(services.len(), 2, "{services:?}");
    assert!(services.iter().any(|(n, s)| *n == "telnetd" && s.ends_with("etc/inittab")));
    assert!(services.iter().any(|(n, s)| *n == "dropbear" && s.ends_with("etc/init.d/S50dropbear")));
    assert_eq!(f.files, 9, "the cpio's 8 files and the gzip's decompressed bytes");
    assert_eq!(f.image.layers.len(), 3);
    let components: Vec<(&str, &str, Option<&str>, &str)> = f
        .components
        .iter()
        .map(|c| (c.name.as_str(), c.version.as_str(), c.cpe.as_deref(), c.confidence.as_str()))
        .collect();
    assert_eq!(
        components,
        [
            ("busybox", "1.22.1", Some("cpe:2.3:a:busybox:busybox:1.22.1:*:*:*:*:*:*:*"), "high"),
            ("dropbear", "2017.75", Some("cpe:2.3:a:dropbear_ssh_project:dropbear_ssh:2017.75:*:*:*:*:*:*:*"), "high"),
            ("mosquitto", "1.4.15-1", None, "high"),
            ("openssl", "1.0.2k", Some("cpe:2.3:a:openssl:openssl:1.0.2k:*:*:*:*:*:*:*"), "high"),
            ("uhttpd", "2018-11-28", None, "high"),
        ]
    );
}

#[test]
fn the_update_mechanism_is_read_from_agents_urls_keys_and_switches() {
    let rootfs = cpio(&[
        ("usr/bin/ota_upgrade.sh", 0o100755, b"#!/bin/sh\nwget -q http://fw.example-cam.com/firmware/latest.bin -O /tmp/fw\n# http://old.example.com/firmware/ is a comment\n"),
        ("etc/opkg/distfeeds.conf", FILE, b"src/gz core https://downloads.openwrt.org/releases/22.03.5/targets/ath79/generic/packages\n"),
        ("bin/opkg", 0o100755, b"\x7fELF opkg"),
        ("etc/opkg/keys/b5043e70f9a75cde", FILE, b"untrusted comment: public key b5043e70f9a75cde\nRWS1BD5w+adc3j2Hqg9+b66CvLR7NlHbsj7wjNVj0XGt/othDgIAOJS+\n"),
        ("etc/config/system", FILE, b"option auto_update '1'\nAUTO_UPDATE=\"yes\"\n"),
        ("www/index.html", FILE, b"<a href=\"http://example.com/help\">help</a>"),
        // A library's documentation: download URLs that say nothing of the device.
        ("usr/lib/python3.11/pydoc.py", FILE, b"# https://www.python.org/download/releases/2.3/mro/\nsee https://www.python.org/download/releases/ for updates\n"),
    ]);
    let f = iotvet_firmware::analyze(&rootfs, "fw.cpio", &Limits::for_analysis()).unwrap();
    let got: Vec<(&str, &str, bool)> =
        f.update.iter().map(|u| (u.kind.as_str(), u.detail.as_str(), u.plaintext)).collect();
    assert_eq!(
        got,
        [
            ("agent", "opkg", false),
            ("setting", "AUTO_UPDATE=\"yes\"", false),
            ("url", "https://downloads.openwrt.org/releases/22.03.5/targets/ath79/generic/packages", false),
            ("key", "OpenWrt usign key", false),
            ("agent", "vendor update program ota_upgrade.sh", false),
            ("url", "http://fw.example-cam.com/firmware/latest.bin", true),
        ],
        "{:#?}",
        f.update
    );
}

#[test]
fn the_lab_cameras_package_is_a_squashfs_in_a_uimage_in_a_zip_with_its_findings() {
    let image = iotvet_firmware::build::lab_camera_image().unwrap();
    let f = iotvet_firmware::analyze(&image, "lab-camera.zip", &Limits::for_analysis()).unwrap();
    let chain: Vec<(&str, &str, bool)> =
        f.image.layers.iter().map(|l| (l.format.as_str(), l.place.as_str(), l.opened)).collect();
    assert_eq!(
        chain,
        [
            ("zip", "zip@0x0", true),
            ("uimage", "zip@0x0/firmware.bin.extracted/uimage@0x0", true),
            ("squashfs", "zip@0x0/firmware.bin.extracted/uimage@0x0/squashfs@0x0", true),
        ]
    );
    let root = f.accounts.iter().find(|a| a.name == "root").unwrap();
    assert_eq!(
        (root.password.as_deref(), root.found_in.as_deref()),
        (Some("xc3511"), Some("the default-credential list"))
    );
    let telnetd = f.boot_services.iter().find(|s| s.name == "telnetd").unwrap();
    assert_eq!((telnetd.program.as_deref(), telnetd.absent), (Some("/usr/sbin/telnetd"), false));
    let mut found: Vec<(&str, &str)> = f.components.iter().map(|c| (c.name.as_str(), c.version.as_str())).collect();
    found.sort_unstable();
    assert_eq!(found, [("busybox", "1.24.1"), ("dropbear", "2017.75"), ("openssl", "1.0.2k")]);
    let plain: Vec<&str> = f.update.iter().filter(|u| u.plaintext).map(|u| u.detail.as_str()).collect();
    assert_eq!(plain, ["http://update.lab-camera.example/firmware/cam-2.1.0.bin"]);
    let keys: Vec<(&str, &str, usize)> =
        f.secrets.iter().map(|k| (k.kind.as_str(), k.detail.as_str(), k.fingerprint.len())).collect();
    assert_eq!(keys, [("private-key", "PRIVATE KEY (PEM)", 16)]);
    assert!(f.secrets[0].source.ends_with("etc/ssl/private/camera.key"));
    // Written out, the package member and the filesystem in it both land.
    let u = unpack(&image, &Limits::default()).unwrap();
    let out = std::env::temp_dir().join(format!("iotvet-camera-out-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let w = iotvet_firmware::extract::extract(&u.tree, &out).unwrap();
    assert!(w.skipped.is_empty(), "{:?}", w.skipped);
    assert!(out.join("zip@0x0/firmware.bin").is_file());
    assert!(out.join("zip@0x0/firmware.bin.extracted/uimage@0x0/squashfs@0x0/etc/inittab").is_file());
    let _ = std::fs::remove_dir_all(&out);
    // An analysis's tree has let go of what no reader looks at: writing it out says so for
    // each such file, never writes it empty.
    let u = unpack(&image, &Limits::for_analysis()).unwrap();
    let w = iotvet_firmware::extract::extract(&u.tree, &out).unwrap();
    assert!(w.skipped.iter().all(|s| s.contains("not kept")), "{:?}", w.skipped);
    assert!(w.skipped.iter().any(|s| s.contains("squashfs@0x0/bin/busybox:")), "{:?}", w.skipped);
    assert!(!out.join("zip@0x0/firmware.bin.extracted/uimage@0x0/squashfs@0x0/bin/busybox").exists());
    assert!(out.join("zip@0x0/firmware.bin.extracted/uimage@0x0/squashfs@0x0/etc/inittab").is_file());
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn keys_and_certificates_are_named_by_fingerprint_and_junk_pem_is_no_panic() {
    let rootfs = cpio(&[
        ("etc/dropbear/dropbear_rsa_host_key", FILE, b"\x00\x00\x00\x07ssh-rsa binary key bytes"),
        ("etc/ssl/legacy.pem", FILE, b"-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAAAA\n-----END RSA PRIVATE KEY-----\n"),
        ("etc/ssl/junk.pem", FILE, b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n-----BEGIN X"),
        ("www/readme.txt", FILE, b"-----BEGIN PRIVATE KEY----- with no end"),
    ]);
    let f = iotvet_firmware::analyze(&rootfs, "fw.cpio", &Limits::for_analysis()).unwrap();
    let got: Vec<(&str, &str, bool)> =
        f.secrets.iter().map(|s| (s.kind.as_str(), s.detail.as_str(), s.encrypted)).collect();
    assert_eq!(
        got,
        [
            ("private-key", "dropbear host key (rsa)", false),
            ("certificate", "certificate (does not parse)", false),
            ("private-key", "RSA PRIVATE KEY (PEM, encrypted)", true),
        ]
    );
}

/// Where each web, MQTT, SNMP and UPnP daemon listens, from its options or its configuration;
/// the rule fails only the ones on every interface without TLS.
#[test]
fn where_services_listen_is_read_from_their_options_and_configuration() {
    use iotvet_core::firmware::Listen;
    let rootfs = cpio(&[
        ("bin/busybox", FILE, b"BusyBox v1.36.1"),
        ("usr/sbin/httpd", LINK, b"../../bin/busybox"),
        ("usr/sbin/uhttpd", FILE, b"ELF"),
        ("usr/sbin/lighttpd", FILE, b"ELF"),
        ("usr/sbin/mosquitto", FILE, b"ELF"),
        ("usr/sbin/snmpd", FILE, b"ELF"),
        ("usr/sbin/miniupnpd", FILE, b"ELF"),
        (
            "etc/init.d/rcS",
            FILE,
            b"#!/bin/sh\n/usr/sbin/httpd -p 127.0.0.1:8080 -h /www\nuhttpd -f -h /www\nlighttpd -f /etc/lighttpd.conf\n\
              mosquitto -c /etc/mosquitto/mosquitto.conf -d\nsnmpd -Lf /dev/null\nminiupnpd -f /etc/miniupnpd.conf\n",
        ),
        ("etc/config/uhttpd", FILE, b"config uhttpd main\n\tlist listen_http '0.0.0.0:80'\n\tlist listen_https '0.0.0.0:443'\n"),
        (
            "etc/lighttpd.conf",
            FILE,
            b"server.bind = \"127.0.0.1\"\nserver.port = 81\n$SERVER[\"socket\"] == \":443\" {\n  ssl.engine = \"enable\"\n}\n",
        ),
        ("etc/mosquitto/mosquitto.conf", FILE, b"listener 8883\ncertfile /etc/m.crt\nlistener 1883 127.0.0.1\n"),
        ("etc/miniupnpd.conf", FILE, b"listening_ip=br-lan\n"),
    ]);
    let f = iotvet_firmware::analyze(&rootfs, "fw.cpio", &Limits::for_analysis()).unwrap();
    let of =
        |name: &str| f.boot_services.iter().find(|s| s.name == name).map(|s| s.listens.clone()).unwrap_or_default();
    let l = |address: Option<&str>, port: Option<u16>, tls: bool, from: &str| Listen {
        address: address.map(str::to_owned),
        port,
        tls,
        from: from.to_owned(),
    };
    let httpd: Vec<Vec<Listen>> =
        f.boot_services.iter().filter(|s| s.name == "httpd").map(|s| s.listens.clone()).collect();
    assert_eq!(
        httpd,
        [
            vec![l(Some("127.0.0.1"), Some(8080), false, "its options")],
            vec![
                l(Some("0.0.0.0"), Some(80), false, "/etc/config/uhttpd"),
                l(Some("0.0.0.0"), Some(443), true, "/etc/config/uhttpd")
            ],
            vec![
                l(Some("127.0.0.1"), Some(81), false, "/etc/lighttpd.conf"),
                l(None, Some(443), true, "/etc/lighttpd.conf")
            ],
        ]
    );
    assert_eq!(
        of("mqtt broker"),
        [
            l(None, Some(8883), true, "/etc/mosquitto/mosquitto.conf"),
            l(Some("127.0.0.1"), Some(1883), false, "/etc/mosquitto/mosquitto.conf")
        ]
    );
    assert_eq!(of("snmpd"), [l(None, Some(161), false, "the program's default")]);
    assert_eq!(of("upnpd"), [l(Some("br-lan"), None, false, "/etc/miniupnpd.conf")]);

    let mut case = iotvet_core::case::CaseFile::new(
        iotvet_core::case::Target { name: "fw".into(), address: "fw".into() },
        "2026-01-01T00:00:00Z".into(),
    );
    case.firmware = Some(f);
    let exposed: Vec<String> = iotvet_core::rules::firmware::findings(&case)
        .into_iter()
        .filter(|x| x.check == "enc.firmware-exposed-cleartext")
        .map(|x| format!("{:?} {}", x.status, x.evidence.join(" ")))
        .collect();
    assert_eq!(exposed.len(), 2, "{exposed:#?}");
    assert!(
        exposed[0].starts_with(
            "Fail httpd started at boot listens on every interface, port 80 (/etc/config/uhttpd) without TLS: uhttpd"
        ),
        "{exposed:#?}"
    );
    assert!(
        exposed[1].starts_with(
            "Fail snmpd started at boot listens on every interface, port 161 (the program's default) without TLS"
        ),
        "{exposed:#?}"
    );
}

/// Tokens by their formats, URLs with passwords and literal password assignments are found;
/// variables, placeholders, comments and binaries are not.
#[test]
fn tokens_and_passwords_in_text_files_are_found_and_placeholders_are_not() {
    let rootfs = cpio(&[
        ("etc/cloud.json", FILE, b"{\"region\": \"eu\", \"aws_key\": \"AKIAIOSFODNN7EXAMPLE\", \"api_key\": \"k3y-for-the-cloud\"}"),
        ("etc/wpa_supplicant.conf", FILE, b"network={\n  ssid=\"cam\"\n  psk=\"sunshine99\"\n}\n"),
        ("usr/bin/upload.sh", FILE, b"#!/bin/sh\ncurl -T $1 ftp://camera:Upl0adPass@ftp.vendor.example/in/\n"),
        (
            "etc/init.d/S50app",
            FILE,
            b"#!/bin/sh\n# password=commented-out\nPASSWORD=$1\npassword=${ADMIN_PW}\ntoken=\"<your token>\"\npass=xxxx\nsecret=none\nbypass=letmein99\n",
        ),
        ("etc/config/wireless", FILE, b"config wifi-iface 'ap'\n\toption encryption 'psk2'\n\toption key 'Summer2024!'\n"),
        ("www/login.html", FILE, b"<input type=\"password\" name=\"password\" value=\"\">"),
        ("usr/bin/camd", FILE, b"\x7fELF\x00\x00password=inbinary123"),
    ]);
    let f = iotvet_firmware::analyze(&rootfs, "fw.cpio", &Limits::for_analysis()).unwrap();
    let mut got: Vec<(String, String, String)> = f
        .secrets
        .iter()
        .map(|s| {
            (
                s.kind.clone(),
                s.detail.clone(),
                format!("{} {}", s.source.rsplit('/').next().unwrap(), s.value.clone().unwrap()),
            )
        })
        .collect();
    got.sort();
    let want = [
        ("password", "a literal assigned to \"api_key\"", "cloud.json k3y-for-the-cloud"),
        ("password", "a literal assigned to \"key\"", "wireless Summer2024!"),
        ("password", "a literal assigned to \"psk\"", "wpa_supplicant.conf sunshine99"),
        ("token", "AWS access key id", "cloud.json AKIAIOSFODNN7EXAMPLE"),
        ("token", "URL with a password", "upload.sh Upl0adPass"),
    ];
    // The AWS key is one secret (by its format), not again as an assignment.
    let want: Vec<(String, String, String)> =
        want.iter().map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string())).collect();
    assert_eq!(got, want);
}

/// A default configuration kept as a compressed archive inside the root filesystem (a common
/// vendor habit) is walked beside its file, and its evidence read: here a shadow file whose root
/// password is on the default list. A program that merely holds a magic in its middle is not.
#[test]
fn an_archive_kept_as_a_file_in_the_filesystem_is_walked_and_read() {
    use iotvet_firmware::build::{squashfs, Entry};
    // In it, one more archive as a file: archives' files are walked as filesystems' are.
    let more = gzip(&cpio(&[("etc/hosts", FILE, b"127.0.0.1 localhost\n")]));
    let defaults = gzip(&cpio(&[
        ("etc/more.cpio.gz", FILE, &more),
        ("etc/passwd", FILE, b"root:x:0:0:root:/root:/bin/sh\n"),
        // "xc3511", MD5-crypt (the lab camera's).
        ("etc/shadow", FILE, b"root:$1$iotvet$sFoZ7V3iXQqFH8OlwsdS6.:19000:0:99999:7:::\n"),
    ]));
    let mut program = b"\x7fELF".to_vec();
    program.extend(gzip(b"not walked: the magic is not at the start"));
    let rootfs = squashfs(vec![
        Entry::File("etc/passwd", 0o644, b"root:x:0:0:root:/root:/bin/sh\n".to_vec()),
        Entry::File("etc/defaults.cpio.gz", 0o644, defaults),
        Entry::File("bin/tool", 0o755, program),
    ])
    .unwrap();
    let u = unpack(&rootfs, &Limits::default()).unwrap();
    let places: Vec<&str> = u.layers.iter().map(|l| l.place.as_str()).collect();
    assert_eq!(
        places,
        [
            "squashfs@0x0",
            "squashfs@0x0/etc/defaults.cpio.gz.extracted/gzip@0x0",
            "squashfs@0x0/etc/defaults.cpio.gz.extracted/gzip@0x0/cpio@0x0",
            "squashfs@0x0/etc/defaults.cpio.gz.extracted/gzip@0x0/cpio@0x0/etc/more.cpio.gz.extracted/gzip@0x0",
            "squashfs@0x0/etc/defaults.cpio.gz.extracted/gzip@0x0/cpio@0x0/etc/more.cpio.gz.extracted/gzip@0x0/cpio@0x0"
        ]
    );
    let f = iotvet_firmware::analyze(&rootfs, "fw.sqfs", &Limits::for_analysis()).unwrap();
    let nested: Vec<(&str, Option<&str>)> = f
        .accounts
        .iter()
        .filter(|a| a.source.contains(".extracted"))
        .map(|a| (a.hash.as_str(), a.found_in.as_deref()))
        .collect();
    assert_eq!(nested, [("md5-crypt", Some("the default-credential list"))], "{:#?}", f.accounts);
}
