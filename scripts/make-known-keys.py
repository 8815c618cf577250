#!/usr/bin/env python3
"""Makes crates/iotvet-firmware/data/published-keys.tsv: the fingerprints (as `iotvet firmware`
computes them) of private keys published where anyone can download them — test and sample keys
of open-source projects that vendors copy into products, and iotvet's own lab key. Each line
says where the key is published. Files that are missing on this machine are skipped (said on
stderr); rerun after installing the packages named below to get them all.

    python3 scripts/make-known-keys.py [IOTVET]   # IOTVET: the binary (default target/debug/iotvet)
"""
import io
import json
import pathlib
import re
import subprocess
import sys
import tarfile
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
PY = pathlib.Path(sys.prefix) / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}"
SITE = PY / "site-packages"
CORPORA = ROOT.parent / "shared" / "corpora"

# (file on this machine, where the key is published)
SOURCES = [
    (PY / "test/certdata/keycert.pem", "CPython's test suite, Lib/test/certdata/keycert.pem"),
    (PY / "test/certdata/keycert2.pem", "CPython's test suite, Lib/test/certdata/keycert2.pem"),
    (PY / "test/certdata/keycert3.pem", "CPython's test suite, Lib/test/certdata/keycert3.pem"),
    (PY / "test/certdata/keycert4.pem", "CPython's test suite, Lib/test/certdata/keycert4.pem"),
    (PY / "test/certdata/keycertecc.pem", "CPython's test suite, Lib/test/certdata/keycertecc.pem"),
    (PY / "test/certdata/ssl_key.pem", "CPython's test suite, Lib/test/certdata/ssl_key.pem"),
    (PY / "test/certdata/pycakey.pem", "CPython's test suite, Lib/test/certdata/pycakey.pem"),
    (PY / "test/certdata/nosan.pem", "CPython's test suite, Lib/test/certdata/nosan.pem"),
    (PY / "test/certdata/allsans.pem", "CPython's test suite, Lib/test/certdata/allsans.pem"),
    (PY / "test/certdata/idnsans.pem", "CPython's test suite, Lib/test/certdata/idnsans.pem"),
    (SITE / "moto/moto_proxy/ca.key", "moto (PyPI), moto_proxy/ca.key"),
    (SITE / "moto/moto_proxy/cert.key", "moto (PyPI), moto_proxy/cert.key"),
    (pathlib.Path("/usr/lib/python3/dist-packages/aiosmtpd/tests/certs/server.key"),
     "aiosmtpd's tests (PyPI, Debian python3-aiosmtpd), tests/certs/server.key"),
    (pathlib.Path("/usr/lib/python3/dist-packages/aiosmtpd/tests/certs/server_alt.key"),
     "aiosmtpd's tests (PyPI, Debian python3-aiosmtpd), tests/certs/server_alt.key"),
    (pathlib.Path("/usr/share/doc/libxmlsec1-dev/examples/rsakey.pem"),
     "xmlsec's examples (Debian libxmlsec1-dev), examples/rsakey.pem"),
    (CORPORA / "tls/badssl_certs/badssl.com.key", "badssl.com's repository, certs/sets/current/gen/key"),
    (CORPORA / "tls/badssl_certs/badssl-intermediate.key", "badssl.com's repository, intermediate CA key"),
]


def lab_key() -> bytes:
    src = (ROOT / "crates/iotvet-firmware/src/build.rs").read_text()
    m = re.search(r'const LAB_CAMERA_KEY: &str = "([^"]+)"', src)
    return m.group(1).replace("\\n", "\n").encode()


def main() -> int:
    iotvet = sys.argv[1] if len(sys.argv) > 1 else str(ROOT / "target/debug/iotvet")
    members = []
    for path, where in SOURCES:
        if path.is_file():
            members.append((path.read_bytes(), where))
        else:
            print(f"missing, skipped: {path}", file=sys.stderr)
    members.append((lab_key(), "iotvet's lab camera, crates/iotvet-firmware/src/build.rs in iotvet's source"))
    with tempfile.TemporaryDirectory() as tmp:
        tar_path = pathlib.Path(tmp) / "keys.tar"
        with tarfile.open(tar_path, "w") as tar:
            for i, (data, _) in enumerate(members):
                info = tarfile.TarInfo(f"keys/{i}.pem")
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
        out = subprocess.run([iotvet, "firmware", str(tar_path), "-f", "json"], capture_output=True, text=True)
        report = json.loads(out.stdout)
    lines = [
        "# Private keys published where anyone can download them: FINGERPRINT<TAB>where.",
        "# Made by scripts/make-known-keys.py (fingerprints as iotvet firmware computes them).",
    ]
    seen = set()
    for s in report["secrets"]:
        if s["kind"] != "private-key":
            continue
        i = int(re.search(r"keys/(\d+)\.pem$", s["source"]).group(1))
        if s["fingerprint"] in seen:
            continue
        seen.add(s["fingerprint"])
        lines.append(f"{s['fingerprint']}\t{members[i][1]}")
    dest = ROOT / "crates/iotvet-firmware/data/published-keys.tsv"
    dest.write_text("\n".join(lines) + "\n")
    print(f"{len(seen)} keys written to {dest.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
