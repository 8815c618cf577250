//! OpenPGP verification of a signed security.txt, against signatures made by GnuPG (Debian's
//! `gpg`) with a throw-away key in a temporary GNUPGHOME.

use std::process::Command;

use iotvet_docs::signature::verify_cleartext;

fn gpg(home: &std::path::Path, args: &[&str], stdin: Option<&str>) -> String {
    use std::io::Write;
    let mut child = Command::new("gpg")
        .env("GNUPGHOME", home)
        .args(["--batch", "--yes", "--pinentry-mode", "loopback", "--passphrase", ""])
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("gpg runs");
    if let Some(input) = stdin {
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    } else {
        drop(child.stdin.take());
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "gpg {args:?} failed");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn a_gnupg_signature_verifies_and_a_tampered_file_does_not() {
    if Command::new("gpg").arg("--version").output().is_err() {
        assert!(std::env::var_os("CI").is_none(), "gpg is missing; scripts/test installs gnupg");
        eprintln!("SKIPPED: gpg is not installed");
        return;
    }
    let home = std::env::temp_dir().join(format!("iotvet-gpg-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&home);
    std::fs::create_dir_all(&home).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&home, std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    gpg(&home, &["--quick-generate-key", "security@vendor.test", "ed25519", "sign", "1d"], None);
    let key = gpg(&home, &["--armor", "--export", "security@vendor.test"], None);
    let body = "Contact: mailto:security@vendor.test\nExpires: 2027-06-01T00:00:00Z\n";
    let signed = gpg(&home, &["--clearsign", "--local-user", "security@vendor.test"], Some(body));
    assert_eq!(verify_cleartext(&signed, &key), Ok(true));
    // A real signature parses: no pgp_data_error, and the dash-escaped fields are read.
    let parsed = iotvet_docs::securitytxt::parse(signed.as_bytes(), &[], 0);
    assert!(parsed.signed && !parsed.has("pgp_data_error"), "{:?}", parsed.problems);
    assert_eq!(parsed.values("contact").collect::<Vec<_>>(), vec!["mailto:security@vendor.test"]);
    let tampered = signed.replace("security@vendor.test\nExpires", "attacker@evil.test\nExpires");
    assert_ne!(tampered, signed);
    assert_eq!(verify_cleartext(&tampered, &key), Ok(false));
    assert!(verify_cleartext(&signed, "not a key").is_err());
    assert!(verify_cleartext("not signed", &key).is_err());
    let _ = std::fs::remove_dir_all(&home);
}
