#!/usr/bin/env python3
"""iotvet's TLS enumeration against the tools people trust.

Starts `openssl s_server` on 127.0.0.1 in six configurations (modern, intermediate, legacy,
RSA-1024 self-signed expired, ECDSA, server order enforced) and checks that the protocol
versions and cipher suites `iotvet tls` reports equal what `sslyze` (PyPI) and `testssl.sh`
(Debian) report for the same server, and that iotvet's other observations (server order, DH
size, certificate) match the configuration. Differences that are known and explained are
listed in EXPLAINED and printed; any other difference fails.

    scripts/tls-agreement.py [--iotvet PATH] [--only NAME] [--bench [RUNS]]

--bench times one full assessment of each endpoint by each tool (same run, sequentially) and
prints the table for BENCHMARKS.md. Traffic goes to 127.0.0.1 only.
"""

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LAB_DATA = os.path.join(ROOT, "crates", "iotvet-lab", "data")
VERSIONS = ["SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"]

INTERMEDIATE = (
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384"
)

# name -> (certificate, s_server arguments, what iotvet must also see)
CONFIGS = {
    "modern": ("rsa2048", ["-tls1_3"], {"versions": ["TLSv1.3"]}),
    "intermediate": (
        "rsa2048",
        ["-min_protocol", "TLSv1.2", "-cipher", INTERMEDIATE],
        {"versions": ["TLSv1.2", "TLSv1.3"]},
    ),
    # Debian 12's OpenSSL has no 3DES or RC4 even at security level 0 (built without weak
    # ciphers), so "legacy" is TLS 1.0-1.2 with every CBC, NULL and anonymous suite it has,
    # and a 1024-bit DH prime.
    "legacy": (
        "rsa2048",
        [
            "-min_protocol", "TLSv1", "-max_protocol", "TLSv1.2",
            "-cipher", "ALL:COMPLEMENTOFALL:@SECLEVEL=0",
            "-dhparam", os.path.join(LAB_DATA, "legacy-nvr-dh1024.pem"),
        ],
        {"versions": ["TLSv1.0", "TLSv1.1", "TLSv1.2"], "dh_prime_bits": 1024},
    ),
    # The case: every suite at security level 0, no TLS 1.3, and no DH parameters given
    # (OpenSSL picks them itself), where the anonymous suites were reported missed.
    "all-auto-dh": (
        "rsa2048",
        ["-no_tls1_3", "-cipher", "ALL:@SECLEVEL=0"],
        # OpenSSL sizes its automatic primes by suite: 1024 bits for some, so weak key exchange.
        {"versions": ["TLSv1.0", "TLSv1.1", "TLSv1.2"], "dh_prime_bits": 1024},
    ),
    "rsa1024-expired": (
        "legacy-nvr",
        ["-cipher", "DEFAULT:@SECLEVEL=0"],
        {"key": ("RSA", 1024), "expired": True, "self_signed": True},
    ),
    "ecdsa": ("ecdsa", [], {"key": ("EC P-256", 256)}),
    "server-order": (
        "rsa2048",
        [
            "-serverpref", "-no_tls1_3", "-min_protocol", "TLSv1.2",
            "-cipher", "AES256-SHA:ECDHE-RSA-AES128-GCM-SHA256:AES128-SHA",
        ],
        {"server_order_enforced": True, "order": ["TLS_RSA_WITH_AES_256_CBC_SHA"]},
    ),
    # Not s_server: vsftpd with AUTH TLS, assessed through STARTTLS by all three tools.
    "ftp-starttls": ("rsa2048", "vsftpd", {"starttls": "AUTH TLS"}),
    # GnuTLS still serves 3DES and RC4 (Debian's OpenSSL cannot). gnutls-serv listens on every
    # address and has no option to choose one, so this setup runs in a network namespace of its
    # own, where the only interface is loopback (`unshare -n`).
    "legacy-3des-rc4": (
        "legacy-nvr",
        "gnutls",
        {"versions": ["TLSv1.0", "TLSv1.1", "TLSv1.2"], "dh_prime_bits": 1024, "key": ("RSA", 1024), "expired": True},
    ),
    # dovecot's IMAP as Debian ships it, without `ssl_dh`: it prefers a DHE suite it then cannot
    # serve and hangs up, which hides the rest of the offer from a bundled hello.
    "imap-starttls": ("rsa2048", "dovecot", {"starttls": "STARTTLS", "versions": ["TLSv1.2", "TLSv1.3"]}),
}

# (config, tool, version, suite, why): differences understood and accepted.
NASSL_LEGACY = (
    "sslyze enumerates TLS 1.2 and older with nassl's OpenSSL 1.0.2 build, which does not know this suite "
    "(LegacySslClient.set_cipher_list fails: no cipher match); testssl.sh sees it as iotvet does"
)
TESTSSL_BUNDLE = (
    "testssl.sh offers suites in bundles; dovecot picks a DHE suite from the bundle, fails for lack of DH "
    "parameters and hangs up, so the bundle's other suites look refused. `openssl s_client -starttls imap "
    "-cipher` with this suite alone connects; sslyze (one suite per handshake) and iotvet (which walks "
    "each key-exchange family apart after a silent refusal) find it"
)
EXPLAINED = [
    ("legacy", "sslyze", "TLSv1.2", "TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA256", NASSL_LEGACY),
    ("legacy", "sslyze", "TLSv1.2", "TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA256", NASSL_LEGACY),
    ("all-auto-dh", "sslyze", "TLSv1.2", "TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA256", NASSL_LEGACY),
    ("all-auto-dh", "sslyze", "TLSv1.2", "TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA256", NASSL_LEGACY),
] + [
    # The suites testssl.sh's bundles (Debian 12's 3.0.8) hide on this dovecot, each named (sslyze sees them).
    ("imap-starttls", "testssl.sh", "TLSv1.2", suite, TESTSSL_BUNDLE)
    for suite in [
        "TLS_ECDHE_RSA_WITH_ARIA_256_GCM_SHA384",
        "TLS_ECDHE_RSA_WITH_CAMELLIA_128_CBC_SHA256",
        "TLS_ECDHE_RSA_WITH_CAMELLIA_256_CBC_SHA384",
        "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    ]
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def certificates(tmp):
    """rsa2048 and ecdsa made now; legacy-nvr is the lab's checked-in expired RSA-1024 one."""
    made = {"legacy-nvr": (os.path.join(LAB_DATA, "legacy-nvr.crt"), os.path.join(LAB_DATA, "legacy-nvr.key"))}
    for name, key_args in [("rsa2048", ["-newkey", "rsa:2048"]), ("ecdsa", ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"])]:
        crt, key = os.path.join(tmp, name + ".crt"), os.path.join(tmp, name + ".key")
        subprocess.run(
            ["openssl", "req", "-x509", *key_args, "-nodes", "-keyout", key, "-out", crt, "-days", "30",
             "-subj", "/CN=agreement.test"],
            check=True, capture_output=True,
        )
        made[name] = (crt, key)
    return made


def vsftpd_command(port, cert, tmp):
    crt, key = cert
    empty = os.path.join(tmp, "empty")
    os.makedirs(empty, exist_ok=True)
    conf = os.path.join(tmp, f"vsftpd-{port}.conf")
    with open(conf, "w") as f:
        f.write(
            f"listen=YES\nlisten_ipv6=NO\nlisten_address=127.0.0.1\nlisten_port={port}\nbackground=NO\n"
            f"anonymous_enable=NO\nlocal_enable=YES\nseccomp_sandbox=NO\nsecure_chroot_dir={empty}\n"
            f"ssl_enable=YES\nrsa_cert_file={crt}\nrsa_private_key_file={key}\nforce_local_logins_ssl=NO\n"
            "force_local_data_ssl=NO\n"
        )
    return [shutil.which("vsftpd") or "/usr/sbin/vsftpd", conf]


def dovecot_command(port, cert, tmp):
    crt, key = cert
    base = os.path.join(tmp, f"dovecot-{port}")
    os.makedirs(os.path.join(base, "home"), exist_ok=True)
    conf = os.path.join(base, "dovecot.conf")
    with open(conf, "w") as f:
        f.write(
            f"protocols = imap\nlisten = 127.0.0.1\nbase_dir = {base}/run\nstate_dir = {base}/state\n"
            f"log_path = {base}/log\nssl = yes\nssl_cert = <{crt}\nssl_key = <{key}\n"
            "passdb {\n  driver = static\n  args = password=unused\n}\n"
            f"userdb {{\n  driver = static\n  args = uid=nobody gid=nogroup home={base}/home\n}}\n"
            f"service imap-login {{\n  inet_listener imap {{\n    port = {port}\n  }}\n"
            "  inet_listener imaps {\n    port = 0\n  }\n}\n"
            "service stats {\n  inet_listener http {\n    port = 0\n  }\n}\n"
        )
    return ["/usr/sbin/dovecot", "-F", "-c", conf]


GNUTLS_PRIORITY = (
    "NORMAL:+3DES-CBC:+ARCFOUR-128:+RSA:+DHE-RSA:+VERS-TLS1.0:+VERS-TLS1.1:-VERS-TLS1.3:+SHA1:+MD5:%PROFILE_VERY_WEAK"
)


def gnutls_command(port, cert, _tmp):
    assert in_own_netns(), "gnutls-serv listens on every address: only in a namespace of our own"
    crt, key = cert
    return [
        "gnutls-serv", "--http", "--port", str(port), "--x509certfile", crt, "--x509keyfile", key,
        "--dhparams", os.path.join(LAB_DATA, "legacy-nvr-dh1024.pem"), "--priority", GNUTLS_PRIORITY,
    ]


def in_own_netns():
    return os.environ.get("IOTVET_AGREEMENT_NETNS") == "1"


def run_in_netns(name, args):
    """Runs this script for one setup inside a new network namespace (loopback only); returns
    its exit code, having printed its lines."""
    inner = [sys.executable, os.path.abspath(__file__), "--only", name, "--inner", "--iotvet", os.path.abspath(args.iotvet)]
    command = ["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$@"', "sh", *inner]
    out = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "IOTVET_AGREEMENT_NETNS": "1"}, timeout=1800)
    for line in out.stdout.splitlines():
        if not line.startswith("crosscheck:") and "configurations," not in line:
            print(line)
    if out.returncode != 0 and "tls-agreement:" not in out.stdout:
        print(f"tls-agreement: DISAGREE: {name}: the namespaced run failed: {out.stderr.strip()[-300:]}")
    return out.returncode


def s_server_command(args):
    def command(port, cert, _tmp):
        crt, key = cert
        return ["openssl", "s_server", "-accept", f"127.0.0.1:{port}", "-cert", crt, "-key", key, "-www", "-quiet", *args]

    return command


# Servers other than s_server, by the name CONFIGS gives them: (command builder, STARTTLS protocol).
OTHER_SERVERS = {
    "vsftpd": (vsftpd_command, "ftp"),
    "dovecot": (dovecot_command, "imap"),
    "gnutls": (gnutls_command, None),
}


class Server:
    """A server of CONFIGS: `args` is s_server's argument list or the name of another server."""

    def __init__(self, cert, args, tmp="/tmp"):
        self.port = free_port()
        build, self.starttls = OTHER_SERVERS[args] if isinstance(args, str) else (s_server_command(args), None)
        command = build(self.port, cert, tmp)
        self.proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        deadline = time.time() + 5
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"openssl s_server {' '.join(args)} did not start")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.proc.kill()
        self.proc.wait()


def run_iotvet(binary, port, starttls=None):
    extra = ["--starttls", starttls] if starttls else []
    out = subprocess.run([binary, "tls", f"127.0.0.1:{port}", "--format", "json", *extra], capture_output=True, text=True, timeout=300)
    doc = json.loads(out.stdout)
    scan = doc["service"]["tls_scan"]
    suites = {v["version"]: set(v.get("cipher_suites", [])) for v in scan["versions"] if v["accepted"]}
    return suites, doc


def run_sslyze(port, starttls=None):
    extra = [f"--starttls={starttls}"] if starttls else []
    with tempfile.NamedTemporaryFile(suffix=".json") as f:
        subprocess.run(
            [sys.executable, "-m", "sslyze", "--sslv3", "--tlsv1", "--tlsv1_1", "--tlsv1_2", "--tlsv1_3",
             "--elliptic_curves", *extra, f"--json_out={f.name}", f"127.0.0.1:{port}"],
            capture_output=True, timeout=600,
        )
        doc = json.load(open(f.name))
    result = doc["server_scan_results"][0]["scan_result"]
    keys = dict(zip(VERSIONS, ["ssl_3_0", "tls_1_0", "tls_1_1", "tls_1_2", "tls_1_3"]))
    suites, dh = {}, set()
    for version, key in keys.items():
        r = (result.get(key + "_cipher_suites") or {}).get("result") or {}
        accepted = {c["cipher_suite"]["name"] for c in r.get("accepted_cipher_suites", [])}
        if accepted:
            suites[version] = accepted
        for c in r.get("accepted_cipher_suites", []):
            key_info = c.get("ephemeral_key") or {}
            if key_info.get("type_name") == "DH" and version != "TLSv1.3":
                dh.add(key_info.get("size"))
    curves = (result.get("elliptic_curves") or {}).get("result") or {}
    groups = {OPENSSL_CURVES.get(c["name"], c["name"]) for c in curves.get("supported_curves") or []}
    LAST_SSLYZE_EXTRAS.update(groups=groups, dh=dh)
    return suites


# sslyze names curves as OpenSSL does; IANA's names are iotvet's.
OPENSSL_CURVES = {"prime256v1": "secp256r1", "X25519": "x25519", "X448": "x448", "prime192v1": "secp192r1"}
LAST_SSLYZE_EXTRAS = {}


def other_observations(config, doc):
    """Groups and DH size against sslyze's elliptic_curves and DHE ephemeral keys."""
    scan = doc["service"]["tls_scan"]
    ours = {g for g in scan.get("groups", []) if not g.startswith("ffdhe")}
    theirs = LAST_SSLYZE_EXTRAS.get("groups", set())
    problems = []
    if ours != theirs:
        problems.append(f"{config}: EC groups: iotvet {sorted(ours)}, sslyze {sorted(theirs)}")
    # Both must agree, also when one of them sees no DHE prime at all.
    dh = LAST_SSLYZE_EXTRAS.get("dh", set())
    ours_dh = set(scan.get("dh_prime_sizes") or ([scan["dh_prime_bits"]] if scan.get("dh_prime_bits") else []))
    if ours_dh != dh:
        problems.append(f"{config}: DH prime: iotvet {sorted(ours_dh)}, sslyze {sorted(dh)}")
    return problems


def testssl_binary():
    return shutil.which("testssl") or shutil.which("testssl.sh")


def run_testssl(port, starttls=None, extra=("-p", "-E")):
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "t.json")
        st = ["--starttls", starttls] if starttls else []
        subprocess.run(
            [testssl_binary(), "--quiet", "--warnings", "off", "--color", "0", "--jsonfile", path, *st, *extra, f"127.0.0.1:{port}"],
            capture_output=True, timeout=1200,
        )
        doc = json.load(open(path))
    names = {"tls1": "TLSv1.0", "tls1_1": "TLSv1.1", "tls1_2": "TLSv1.2", "tls1_3": "TLSv1.3", "ssl3": "SSLv3"}
    suites = {}
    for item in doc:
        ident = item.get("id", "")
        if not ident.startswith("cipher-") or ident.startswith("cipher_order"):
            continue
        proto = ident[len("cipher-"):].rsplit("_x", 1)[0]
        if proto in names:
            suites.setdefault(names[proto], set()).add(item["finding"].split()[-1])
    return suites


def compare(config, tool, ours, theirs):
    """Differences not in EXPLAINED, as lines."""
    problems, explained = [], []
    for version in VERSIONS:
        a, b = ours.get(version, set()), theirs.get(version, set())
        for suite, side in [(s, "only iotvet") for s in sorted(a - b)] + [(s, f"only {tool}") for s in sorted(b - a)]:
            why = next(
                (
                    e[4]
                    for e in EXPLAINED
                    if e[:3] == (config, tool, version) and e[3] == suite
                ),
                None,
            )
            line = f"{config}: {version} {suite}: {side}"
            (explained if why else problems).append(line + (f" ({why})" if why else ""))
    return problems, explained


def expectations(config, doc, want):
    """iotvet's other observations against what the configuration sets."""
    scan, tls = doc["service"]["tls_scan"], doc["service"].get("tls") or {}
    leaf = (tls.get("chain") or [{}])[0]
    problems = []
    accepted = [v["version"] for v in scan["versions"] if v["accepted"]]
    if "starttls" in want and scan.get("starttls") != want["starttls"]:
        problems.append(f"{config}: STARTTLS {scan.get('starttls')}, configured {want['starttls']}")
    if "versions" in want and accepted != want["versions"]:
        problems.append(f"{config}: versions {accepted}, configured {want['versions']}")
    if "dh_prime_bits" in want and scan.get("dh_prime_bits") != want["dh_prime_bits"]:
        problems.append(f"{config}: DH prime {scan.get('dh_prime_bits')} bits, configured {want['dh_prime_bits']}")
    if "server_order_enforced" in want and scan.get("server_order_enforced") != want["server_order_enforced"]:
        problems.append(f"{config}: server order {scan.get('server_order_enforced')}, configured {want['server_order_enforced']}")
    if "order" in want:
        tls12 = next(v for v in scan["versions"] if v["version"] == "TLSv1.2")
        if tls12.get("cipher_suites", [])[: len(want["order"])] != want["order"]:
            problems.append(f"{config}: server's first choice {tls12.get('cipher_suites')[:1]}, configured {want['order']}")
    if "key" in want and (leaf.get("key_type"), leaf.get("key_bits")) != want["key"]:
        problems.append(f"{config}: certificate key {leaf.get('key_type')} {leaf.get('key_bits')}, configured {want['key']}")
    checks = {f["check"] for f in doc["findings"]}
    if want.get("expired") and "enc.tls-cert-expired" not in checks:
        problems.append(f"{config}: expired certificate not reported")
    if want.get("self_signed") and not leaf.get("self_signed"):
        problems.append(f"{config}: self-signed certificate not seen as such")
    return problems


def timed(fn, *args):
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--iotvet", default=os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "debug", "iotvet"))
    ap.add_argument("--only")
    ap.add_argument("--bench", nargs="?", const=3, type=int, help="time each tool, RUNS times per endpoint")
    ap.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    missing = [t for t, ok in [("openssl", shutil.which("openssl")), ("testssl.sh", testssl_binary()), ("vsftpd", shutil.which("vsftpd") or os.path.exists("/usr/sbin/vsftpd"))] if not ok]
    try:
        import sslyze  # noqa: F401
    except ImportError:
        missing.append("sslyze (pip install sslyze)")
    if missing:
        print(f"tls-agreement: SKIPPED, missing {', '.join(missing)}")
        return 1 if os.environ.get("CI") else 0
    configs = {k: v for k, v in CONFIGS.items() if not args.only or k == args.only}
    netns_ok = os.geteuid() == 0 and shutil.which("unshare") and shutil.which("ip") and shutil.which("gnutls-serv")
    if "legacy-3des-rc4" in configs and not netns_ok:
        if os.environ.get("CI"):
            missing.append("gnutls-bin, iproute2 and root (for unshare -n)")
        else:
            print("tls-agreement: SKIPPED legacy-3des-rc4 (needs gnutls-bin, iproute2 and root for unshare -n)")
            configs.pop("legacy-3des-rc4", None)
    if "imap-starttls" in configs and not (os.path.exists("/usr/sbin/dovecot") and os.geteuid() == 0):
        if os.environ.get("CI"):
            missing.append("dovecot-imapd (and root)")
        else:
            print("tls-agreement: SKIPPED imap-starttls (needs dovecot-imapd and root)")
            configs.pop("imap-starttls", None)
    if missing:
        print(f"tls-agreement: SKIPPED, missing {', '.join(missing)}")
        return 1
    problems, explained = [], []
    ran = 0
    with tempfile.TemporaryDirectory() as tmp:
        certs = certificates(tmp)
        if args.bench:
            return bench(args, configs, certs)
        for name, (cert, server_args, want) in configs.items():
            ran += 1
            if server_args == "gnutls" and not in_own_netns():
                if run_in_netns(name, args) != 0:
                    problems.append(f"{name}: see above")
                continue
            with Server(certs[cert], server_args, tmp) as server:
                ours, doc = run_iotvet(args.iotvet, server.port, server.starttls)
                counts = {"iotvet": sum(map(len, ours.values()))}
                problems += expectations(name, doc, want)
                for tool, run in [("sslyze", run_sslyze), ("testssl.sh", run_testssl)]:
                    theirs = run(server.port, server.starttls)
                    counts[tool] = sum(map(len, theirs.values()))
                    p, e = compare(name, tool, ours, theirs)
                    problems += p
                    explained += e
                    if tool == "sslyze":
                        problems += other_observations(name, doc)
                versions = ", ".join(v for v in VERSIONS if v in ours)
                print(f"tls-agreement: {name:<16} {versions:<36} suites: " + ", ".join(f"{t} {n}" for t, n in counts.items()))
    for line in explained:
        print(f"tls-agreement: explained: {line}")
    for line in problems:
        print(f"tls-agreement: DISAGREE: {line}")
    if args.inner:
        return 1 if problems else 0
    # Every configuration must have run: a skipped one is no agreement.
    expected = 1 if args.only else len(CONFIGS)
    if ran != expected and not args.inner:
        problems.append(f"only {ran} of {expected} configurations ran")
    bad = {line.split(":", 1)[0] for line in problems}
    print(f"tls-agreement: {len(configs)} configurations, {len(problems)} unexplained differences")
    print(f"crosscheck: {len(configs) - len(bad)} passed, {len(bad)} failed (TLS agreement with sslyze and testssl.sh)")
    return 1 if problems else 0


def tmp_of(certs):
    return os.path.dirname(certs["rsa2048"][0])


def sslyze_in_process(port, starttls=None):
    """Seconds sslyze's own Scanner takes for the same checks inside this Python process: no
    interpreter start-up or import (sslyze is imported once, before any timing)."""
    from sslyze import (
        ProtocolWithOpportunisticTlsEnum,
        ScanCommand,
        Scanner,
        ServerNetworkConfiguration,
        ServerNetworkLocation,
        ServerScanRequest,
    )

    opportunistic = {"ftp": ProtocolWithOpportunisticTlsEnum.FTP, "imap": ProtocolWithOpportunisticTlsEnum.IMAP}
    config = ServerNetworkConfiguration(
        tls_server_name_indication="127.0.0.1",
        tls_opportunistic_encryption=opportunistic.get(starttls) if starttls else None,
    )
    request = ServerScanRequest(
        server_location=ServerNetworkLocation("127.0.0.1", port),
        network_configuration=config,
        scan_commands={
            ScanCommand.SSL_3_0_CIPHER_SUITES, ScanCommand.TLS_1_0_CIPHER_SUITES, ScanCommand.TLS_1_1_CIPHER_SUITES,
            ScanCommand.TLS_1_2_CIPHER_SUITES, ScanCommand.TLS_1_3_CIPHER_SUITES, ScanCommand.ELLIPTIC_CURVES,
        },
    )
    start = time.perf_counter()
    scanner = Scanner()
    scanner.queue_scans([request])
    for _ in scanner.get_results():
        pass
    return time.perf_counter() - start


def bench(args, configs, certs):
    import sslyze  # noqa: F401  (imported before any timing: the in-process column excludes it)

    print(
        "| endpoint | iotvet tls | sslyze in-process (same checks) | sslyze (same checks) | sslyze (all checks) | testssl.sh -p -E | testssl.sh (all checks) "
        "| sslyze in-process / iotvet | sslyze same / iotvet | sslyze all / iotvet | testssl -p -E / iotvet | testssl all / iotvet |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name, (cert, server_args, _) in configs.items():
        if server_args == "gnutls" and not in_own_netns():
            print(f"| {name} | not timed here: it runs in a network namespace of its own | | | | | | | | | | |")
            continue
        with Server(certs[cert], server_args, tmp_of(certs)) as server:
            st = server.starttls
            best = lambda fn, *a: min(timed(fn, *a) for _ in range(args.bench))  # noqa: E731
            t_iot = best(run_iotvet, args.iotvet, server.port, st)
            sslyze_all = [sys.executable, "-m", "sslyze", *([f"--starttls={st}"] if st else [])]
            t_sslyze = best(lambda p: subprocess.run([*sslyze_all, f"127.0.0.1:{p}"], capture_output=True), server.port)
            t_same = best(run_sslyze, server.port, st)
            t_api = min(sslyze_in_process(server.port, st) for _ in range(args.bench))
            t_pe = timed(run_testssl, server.port, st)
            t_all = timed(run_testssl, server.port, st, ())
            print(
                f"| {name} | {t_iot:.3f} s | {t_api:.3f} s | {t_same:.2f} s | {t_sslyze:.2f} s | {t_pe:.1f} s | {t_all:.1f} s | "
                f"{t_api / t_iot:.1f}x | {t_same / t_iot:.0f}x | {t_sslyze / t_iot:.0f}x | {t_pe / t_iot:.0f}x | {t_all / t_iot:.0f}x |",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
