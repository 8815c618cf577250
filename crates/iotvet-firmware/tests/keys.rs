//! Private keys are named by what identifies them, not by how they were written: one RSA key
//! written by the real tools as PKCS#1, PKCS#8, OpenSSH (plain and passphrase-protected) and
//! dropbear gets one fingerprint; a published key is recognised; a key from another image's
//! report is recognised in a second image.

mod common;

use iotvet_firmware::build::cpio;
use iotvet_firmware::secrets::KnownKeys;
use iotvet_firmware::Limits;
use std::process::Command;

const FILE: u32 = 0o100600;

fn run(cmd: &mut Command) -> bool {
    cmd.output().map(|o| o.status.success()).unwrap_or(false)
}

fn tools() -> bool {
    let have = ["openssl", "ssh-keygen", "dropbearconvert"].iter().all(|t| {
        Command::new("sh").args(["-c", &format!("command -v {t}")]).output().is_ok_and(|o| o.status.success())
    });
    if !have && std::env::var_os("CI").is_some() {
        panic!("openssl, ssh-keygen (openssh-client) and dropbearconvert (dropbear-bin) are needed in CI");
    }
    have
}

#[test]
fn one_rsa_key_in_five_forms_has_one_fingerprint_and_is_known_from_another_image() {
    if !tools() {
        eprintln!("skipped: openssl, ssh-keygen or dropbearconvert missing");
        return;
    }
    let dir = common::temp("keys");
    let p = |name: &str| dir.0.join(name);
    let path = |name: &str| p(name).display().to_string();
    assert!(run(Command::new("openssl").args(["genrsa", "-traditional", "-out", &path("pkcs1.pem"), "2048"])));
    assert!(run(Command::new("openssl").args([
        "pkcs8",
        "-topk8",
        "-nocrypt",
        "-in",
        &path("pkcs1.pem"),
        "-out",
        &path("pkcs8.pem")
    ])));
    std::fs::copy(p("pkcs1.pem"), p("openssh")).unwrap();
    std::fs::copy(p("pkcs1.pem"), p("openssh-locked")).unwrap();
    for (file, pass) in [("openssh", ""), ("openssh-locked", "a passphrase")] {
        // `ssh-keygen -p` rewrites a key in OpenSSH's own format.
        assert!(run(Command::new("ssh-keygen").args(["-q", "-p", "-P", "", "-N", pass, "-f", &path(file)])));
    }
    assert!(run(Command::new("dropbearconvert").args(["openssh", "dropbear", &path("pkcs1.pem"), &path("dropbear")])));
    assert!(run(Command::new("openssl").args([
        "ecparam",
        "-genkey",
        "-name",
        "prime256v1",
        "-noout",
        "-out",
        &path("ec.pem")
    ])));
    let read = |f: &str| std::fs::read(p(f)).unwrap();
    let files = [
        ("etc/ssl/pkcs1.pem", read("pkcs1.pem")),
        ("etc/ssl/pkcs8.pem", read("pkcs8.pem")),
        ("root/.ssh/id_rsa", read("openssh")),
        ("root/.ssh/id_rsa_locked", read("openssh-locked")),
        ("etc/dropbear/dropbear_rsa_host_key", read("dropbear")),
        ("etc/ssl/ec.pem", read("ec.pem")),
    ];
    assert!(String::from_utf8_lossy(&files[2].1).contains("OPENSSH PRIVATE KEY"));
    let entries: Vec<(&str, u32, &[u8])> = files.iter().map(|(n, b)| (*n, FILE, b.as_slice())).collect();
    let image = cpio(&entries);
    let f = iotvet_firmware::analyze(&image, "a.cpio", &Limits::for_analysis()).unwrap();
    let fp = |name: &str| {
        f.secrets.iter().find(|s| s.source.ends_with(name)).map(|s| s.fingerprint.clone()).unwrap_or_default()
    };
    let rsa = fp("pkcs1.pem");
    assert_eq!(rsa.len(), 16);
    for name in ["pkcs8.pem", "id_rsa", "id_rsa_locked", "dropbear_rsa_host_key"] {
        assert_eq!(fp(name), rsa, "{name}: {:#?}", f.secrets);
    }
    assert_ne!(fp("ec.pem"), rsa);
    assert_eq!(fp("ec.pem").len(), 16);
    // A fresh key is nobody's published key.
    assert!(f.secrets.iter().all(|s| s.known.is_none()), "{:#?}", f.secrets);

    // A second image with the same key (as PKCS#8 only), compared with the first's report.
    let second = cpio(&[("etc/ssl/device.key", FILE, &files[1].1)]);
    let mut g = iotvet_firmware::analyze(&second, "b.cpio", &Limits::for_analysis()).unwrap();
    let mut known = KnownKeys::default();
    assert_eq!(known.add_firmware(&f), 6);
    known.mark(&mut g.secrets, &g.image.sha256);
    let said = g.secrets[0].known.as_deref().unwrap_or_default();
    assert!(said.starts_with("the same key as cpio@0x0/") && said.contains("in the image a.cpio"), "{said}");
    // An image compared with its own report finds nothing new.
    let mut again = f.clone();
    known.mark(&mut again.secrets, &f.image.sha256);
    assert!(again.secrets.iter().all(|s| s.known.is_none()));
}

#[test]
fn a_published_key_is_recognised_and_a_list_is_read() {
    // The lab camera's key is published in iotvet's own source.
    let image = iotvet_firmware::build::lab_camera_image().unwrap();
    let f = iotvet_firmware::analyze(&image, "cam.zip", &Limits::for_analysis()).unwrap();
    let key = f.secrets.iter().find(|s| s.kind == "private-key").unwrap();
    assert!(key.known.as_deref().unwrap_or_default().contains("iotvet's lab camera"), "{key:#?}");

    let mut known = KnownKeys::default();
    let list =
        format!("# comment\n\n{}\tthe vendor's SDK sample\nnot-hex\tskipped\n0123\ttoo short\n", key.fingerprint);
    assert_eq!(known.add_list(&list, "sdk-keys.tsv"), 1);
    let mut secrets = f.secrets.clone();
    for s in &mut secrets {
        s.known = None;
    }
    known.mark(&mut secrets, &f.image.sha256);
    let said = secrets.iter().find_map(|s| s.known.clone()).unwrap_or_default();
    assert_eq!(said, "the vendor's SDK sample (sdk-keys.tsv)");
    assert!(KnownKeys::published().len() >= 10);
}
