#!/usr/bin/env python3
"""Per-flow agreement of `iotvet traffic` with ndpiReader (Debian libndpi-bin) and tshark on real
captures nobody here wrote: Zeek's protocol traces and the IoT Sentinel device setups
(../shared/corpora/pcaps/). Fields: protocol (vs nDPI's master protocol), TLS/QUIC SNI (vs tshark
and nDPI), JA3 and JA3S (vs tshark and nDPI), TLS version (vs nDPI), cipher suite (vs tshark), JA4
(vs ja4plus, an independent implementation of FoxIO's JA4 on PyPI: tshark 4.0 and nDPI 4.2 predate
JA4; run without its remote look-up, it sends nothing).

Flows are matched by their two endpoints and transport. A field counts only where both tools
give a value. Every difference is either fixed in iotvet or listed in EXPLAINED with the reason;
the script fails on an unexplained difference, or when fewer captures ran than expected.

    scripts/traffic-agreement.py [--iotvet PATH] [--verbose]
"""

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpora" / "pcaps"
ZEEK = CORPUS / "zeek" / "testing" / "btest" / "Traces"
SENTINEL = CORPUS / "iot_sentinel"

# nDPI master protocol -> iotvet protocol. nDPI's names that carry an application
# ("TLS.Google") are cut at the dot first.
NDPI = {
    "TLS": "tls", "DTLS": "dtls", "QUIC": "quic", "SSH": "ssh", "HTTP": "http", "DNS": "dns",
    "MDNS": "mdns", "SSDP": "ssdp", "MQTT": "mqtt", "COAP": "coap", "NTP": "ntp", "DHCP": "dhcp",
    "DHCPV6": "dhcp", "Telnet": "telnet", "FTP_CONTROL": "ftp", "FTP_DATA": "ftp-data",
    "RTSP": "rtsp", "SNMP": "snmp", "TFTP": "tftp", "SMTP": "smtp", "IMAP": "imap", "POP3": "pop3",
    "DoH_DoT": "dot", "NetBIOS": "netbios-ns", "SMTPS": "tls", "IMAPS": "tls", "POP3S": "tls", "FTPS": "tls",
}

# (file name, field, iotvet value, peer value) → why. Field values may be "*".
EXPLAINED = {
    ("*", "version", "TLSv1.0", "TLSv1.2"):
        "nDPI reports the ClientHello's version field; the server chose TLS 1.0 (tshark: ServerHello version 0x0301)",
    ("*", "version", "None", "TLSv1.2"):
        "no ServerHello in the capture (the server answered with an alert, aborted, or is not TLS): iotvet reports "
        "no chosen version, nDPI the client's hello version",
    ("ssl-to-http-server.pcap", "version", "None", "TLSv1.0"):
        "the server is plain HTTP and never answers the hello: no version was chosen",
    ("dtls13-cid.pcap", "version", "None", "DTLSv1.2"):
        "these DTLS 1.3 flows carry no ServerHello in clear (connection-id records); nDPI reports the client's legacy field",
    ("*", "version", "TLSv1.3 (draft *)", "TLSv1.2"):
        "TLS 1.3 drafts (0x7fNN): iotvet names the draft the server chose, nDPI the legacy TLS 1.2 field",
    ("tls*draft*.pcap", "ja3s", "*", "*"):
        "TLS 1.3 drafts: tshark and iotvet compute JA3S from the ServerHello's version field as sent (0x7fNN); "
        "nDPI from another (iotvet equals tshark on every one of these)",
    ("*", "sni", "*.*", "(none)"):
        "QUIC: iotvet and tshark decrypt the client Initial (RFC 9001) and read the SNI, also when the ClientHello "
        "spans several Initial packets; nDPI does not report it for these flows",
    ("imap-starttls.pcap", "protocol", "imap", "tls"):
        "IMAP upgraded with STARTTLS: iotvet names the protocol upgraded (imap, encrypted), nDPI the TLS that follows",
    ("telnet-auth-missing-name.pcap", "protocol", "telnet", "ftp"):
        "the server on port 21 opens with telnet option negotiation: iotvet goes by the content, nDPI by the port",
}

MIN_CAPTURES = 60


def key(a, b, transport):
    return (transport,) + tuple(sorted([a, b]))


def norm_ep(ip, port):
    ip = ip.strip()
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"


def iotvet_flows(binary, path):
    out = subprocess.run([binary, "traffic", str(path), "-f", "json", "-q"], capture_output=True, text=True, timeout=300)
    if out.returncode not in (0, 1, 3):
        raise RuntimeError(f"iotvet failed on {path}: {out.stderr.strip()}")
    doc = json.loads(out.stdout)
    flows = {}
    for f in doc["flows"]:
        k = key(f["client"], f["server"], f["transport"])
        tls = f.get("tls") or {}
        flows.setdefault(k, {
            "protocol": f["protocol"],
            "payload": f["payload_bytes"],
            "sni": tls.get("sni"),
            "ja3": tls.get("ja3"),
            "ja3s": tls.get("ja3s"),
            "ja4": tls.get("ja4"),
            "version": tls.get("version"),
            "cipher": tls.get("cipher_suite"),
        })
    return flows


def ndpi_flows(path):
    with tempfile.TemporaryDirectory() as d:
        out = Path(d) / "flows.csv"
        subprocess.run(["ndpiReader", "-i", str(path), "-C", str(out), "-q"], capture_output=True, timeout=300)
        if not out.exists():
            return {}
        flows = {}
        with open(out, newline="") as fh:
            header = fh.readline().lstrip("#").strip().split(",")
            for row in csv.reader(line for line in fh if not line.startswith("#")):
                if len(row) < len(header):
                    continue
                r = dict(zip(header, row))
                transport = {"6": "tcp", "17": "udp"}.get(r["protocol"])
                if not transport:
                    continue
                k = key(norm_ep(r["src_ip"], r["src_port"]), norm_ep(r["dst_ip"], r["dst_port"]), transport)
                proto = r["ndpi_proto"].split(".")[0]
                version = r.get("tls_version") or None
                flows[k] = {
                    "protocol": NDPI.get(proto, proto.lower() if proto != "Unknown" else None),
                    "sni": r.get("server_name_sni") or None,
                    "ja3": r.get("ja3c") or None,
                    "ja3s": r.get("ja3s") or None,
                    "version": version if version and version.startswith(("TLS", "DTLS", "SSL")) else None,
                }
        return flows


def tshark_flows(path):
    fields = ["ip.src", "ipv6.src", "tcp.srcport", "udp.srcport", "ip.dst", "ipv6.dst", "tcp.dstport", "udp.dstport",
              "tls.handshake.type", "tls.handshake.extensions_server_name", "tls.handshake.ja3", "tls.handshake.ja3s",
              "tls.handshake.ciphersuite"]
    cmd = ["tshark", "-n", "-r", str(path), "-Y", "tls.handshake.type == 1 or tls.handshake.type == 2", "-T", "fields",
           "-E", "separator=\t", "-E", "occurrence=f"] + sum((["-e", f] for f in fields), [])
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    flows = defaultdict(dict)
    for line in out.stdout.splitlines():
        v = dict(zip(fields, line.split("\t")))
        src = v["ip.src"] or v["ipv6.src"]
        dst = v["ip.dst"] or v["ipv6.dst"]
        transport = "tcp" if v["tcp.srcport"] else "udp"
        sport = v["tcp.srcport"] or v["udp.srcport"]
        dport = v["tcp.dstport"] or v["udp.dstport"]
        if not src or not sport:
            continue
        k = key(norm_ep(src, sport), norm_ep(dst, dport), transport)
        kinds = v["tls.handshake.type"].split(",")
        f = flows[k]
        if "1" in kinds:
            f.setdefault("sni", v["tls.handshake.extensions_server_name"] or None)
            f.setdefault("ja3", v["tls.handshake.ja3"] or None)
        if "2" in kinds:
            f.setdefault("ja3s", v["tls.handshake.ja3s"] or None)
            suite = v["tls.handshake.ciphersuite"]
            if suite:
                f.setdefault("cipher_code", int(suite, 16) if suite.startswith("0x") else int(suite))
    return flows


def ja4plus_flows(path):
    """JA4 of each flow's first ClientHello, by ja4plus (`ja4plus analyze --types ja4`)."""
    out = subprocess.run(["ja4plus", "analyze", str(path), "--types", "ja4", "--format", "json"],
                         capture_output=True, text=True, timeout=300)
    flows = defaultdict(dict)
    for line in out.stdout.splitlines():
        try:
            r = json.loads(line)
        except ValueError:
            continue
        fp = r.get("fingerprint") or ""
        if r.get("type") != "ja4" or not fp:
            continue
        # The first letter is the transport: t TCP, q QUIC, d DTLS.
        transport = "udp" if fp[0] in "qd" else "tcp"
        k = key(norm_ep(r["src_ip"], r["src_port"]), norm_ep(r["dst_ip"], r["dst_port"]), transport)
        flows[k].setdefault("ja4", fp)
    return flows


def captures():
    files = []
    for sub in ["tls", "quic", "http", "ssh", "dns", "dhcp", "ntp", "snmp", "ftp"]:
        files += sorted(p for p in (ZEEK / sub).glob("*.pcap*") if not p.name.endswith(".gz"))
    files += [ZEEK / "mqtt.pcap", ZEEK / "telnet-auth-missing-name.pcap", ZEEK / "ssl-and-ssh-using-sslh.pcap"]
    files += sorted(SENTINEL.glob("*/*.pcap"))
    return [f for f in files if f.exists()]


TLS_LIKE = {"tls", "quic", "dtls", "dot"}


def is_ip(text):
    import ipaddress
    try:
        ipaddress.ip_address(text)
        return True
    except ValueError:
        return False


# The fields each peer gives.
PEER_FIELDS = {
    "ndpi": {"protocol", "sni", "ja3", "ja3s", "version"},
    "tshark": {"sni", "ja3", "ja3s", "cipher"},
    "ja4plus": {"ja4"},
}


def compared(field, mine, peer, peer_name):
    """(peer value, iotvet value) for one field, or (None, _) when it is not compared."""
    if field not in PEER_FIELDS[peer_name]:
        return None, None
    if field == "protocol":
        theirs = peer.get("protocol")
        # nDPI names an organisation from the address ("amazonaws", "google") when the content
        # says nothing: only protocol names are compared.
        if peer_name != "ndpi" or theirs not in set(NDPI.values()):
            return None, None
        # Without payload there is no content to tell: nDPI then guesses from the port.
        if mine.get("payload") == 0:
            return None, None
        return theirs, mine.get("protocol")
    if field == "ja4":
        theirs = peer.get("ja4")
        if theirs is None or mine.get("ja4") is None:
            return None, None
        return theirs, mine.get("ja4")
    if field == "sni":
        # nDPI's server_name column also holds DNS query names, HTTP hosts, DHCP names, SSH
        # banners, or the address: SNI is compared on TLS-like flows, a literal address being none.
        theirs = peer.get("sni")
        if mine.get("protocol") not in TLS_LIKE or (peer_name == "ndpi" and peer.get("protocol") not in TLS_LIKE):
            return None, None
        if theirs and is_ip(theirs):
            theirs = None
        if theirs is None and mine.get("sni") is None:
            return None, None
        return theirs or "(none)", mine.get("sni") or "(none)"
    if field == "version":
        theirs = peer.get("version")
        # nDPI's names for versions it has no name for: "TLS (FEFC)" is DTLS 1.3, "TLS (7E01)"
        # an experimental code point, which iotvet prints as 0x7e01.
        theirs = {"TLSv1": "TLSv1.0", "TLS (FEFC)": "DTLSv1.3", "TLSv1.3 (draft)": None}.get(theirs, theirs)
        if theirs and theirs.startswith("TLS (") and theirs.endswith(")"):
            theirs = "0x" + theirs[5:-1].lower()
        if theirs is None:
            return None, None
        return theirs, mine.get("version")
    if field == "cipher":
        code = peer.get("cipher_code")
        if code is None:
            return None, None
        return code, SUITES.get(mine.get("cipher") or "", mine.get("cipher"))
    theirs = peer.get(field)
    if theirs is None:
        return None, None
    return theirs, mine.get(field)


def explain(path, field, mine, theirs):
    """The reason a difference is expected; file names and values are shell patterns."""
    from fnmatch import fnmatchcase
    for (name, f, m, t), why in EXPLAINED.items():
        if fnmatchcase(path.name, name) and f == field and fnmatchcase(str(mine), m) and fnmatchcase(str(theirs), t):
            return why
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--iotvet", default=str(Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")) / "debug" / "iotvet"))
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    for tool in ["ndpiReader", "tshark", "ja4plus"]:
        if subprocess.run(["which", tool], capture_output=True).returncode != 0:
            print(f"traffic-agreement: {tool} is missing (Debian: libndpi-bin, tshark; PyPI: ja4plus)", file=sys.stderr)
            return 1
    files = captures()
    agree = defaultdict(int)
    total = defaultdict(int)
    unexplained = []
    explained = []
    def peers(path):
        ours = iotvet_flows(args.iotvet, path)
        # ja4plus (scapy) is slow: only captures with a ClientHello iotvet fingerprinted.
        ja4 = ja4plus_flows(path) if any(f.get("ja4") for f in ours.values()) else {}
        return path, ours, ndpi_flows(path), tshark_flows(path), ja4

    # Two captures at a time (the tools are separate processes).
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(peers, files))
    for path, ours, ndpi, tshark, ja4 in results:
        for k, mine in ours.items():
            for peer_name, peer in [("ndpi", ndpi.get(k)), ("tshark", tshark.get(k)), ("ja4plus", ja4.get(k))]:
                if not peer:
                    continue
                for field in ["protocol", "sni", "ja3", "ja3s", "version", "cipher", "ja4"]:
                    theirs, mine_v = compared(field, mine, peer, peer_name)
                    if theirs is None:
                        continue
                    name = f"{field} vs {peer_name}"
                    total[name] += 1
                    if mine_v == theirs:
                        agree[name] += 1
                        continue
                    why = explain(path, field, mine_v, theirs)
                    line = f"{path.relative_to(CORPUS)} {k[1]} {k[2]} {name}: iotvet {mine_v!r}, {peer_name} {theirs!r}"
                    (explained if why else unexplained).append(line + (f" — {why}" if why else ""))
    print(f"traffic-agreement: {len(files)} captures")
    for name in sorted(total):
        rate = 100.0 * agree[name] / total[name]
        print(f"  {name:<22} {agree[name]:>5} / {total[name]:<5} {rate:6.1f} %")
    if args.verbose or unexplained:
        for line in explained:
            print("  explained:", line)
    for line in unexplained:
        print("  DIFFERENT:", line)
    if len(files) < MIN_CAPTURES:
        print(f"traffic-agreement: only {len(files)} captures (expected {MIN_CAPTURES})", file=sys.stderr)
        return 1
    return 1 if unexplained else 0


# IANA suite name -> code, from tshark's own value table (`tshark -G values`), so that the names
# iotvet prints compare with the codes tshark prints.
SUITES = {}


def load_suites():
    out = subprocess.run(["tshark", "-G", "values"], capture_output=True, text=True)
    for line in out.stdout.splitlines():
        parts = line.split("\t")
        if len(parts) >= 4 and parts[0] == "V" and parts[1] == "tls.handshake.ciphersuite":
            try:
                SUITES[parts[3]] = int(parts[2], 0)
            except ValueError:
                pass


if __name__ == "__main__":
    load_suites()
    sys.exit(main())
