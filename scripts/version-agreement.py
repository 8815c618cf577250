#!/usr/bin/env python3
"""Does iotvet order versions as univers (PyPI, the library behind VulnerableCode) does?

For each scheme iotvet has — debian (dpkg), rpm (rpmvercmp), semver, alpine (apk), pypi
(PEP 440), and generic (embedded components as NVD names them) — at least 10,000 version pairs are compared by both, through
`iotvet vulndb order SCHEME` (pairs on stdin, one sign per line). Versions come from the real
records in ../shared/corpora/vulndb (NVD bounds and CPE versions, AlmaLinux fixed versions)
and from generators that mix the parts each scheme gives meaning to (epochs, tildes, carets,
pre-releases, letter releases). A fixed seed makes every run compare the same pairs.

debian, rpm, semver, alpine and pypi must agree on every pair both can read. generic is iotvet's own
documented order; univers has no scheme for embedded versions, so it is compared with
OpensslVersion on OpenSSL's versions and GenericVersion on the others, and each kind of
disagreement is counted and named with an example: the differences are the documented rules
(letter releases after the release, pre-release words before it).

Usage: scripts/version-agreement.py [--iotvet PATH]   (default: $CARGO_TARGET_DIR or target, /debug/iotvet)
Exit 1 when debian, rpm, semver, alpine, pypi or the generic order's dotted integers and
OpenSSL releases disagree anywhere.
"""

import glob
import json
import os
import random
import re
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(REPO, "..", "shared", "corpora", "vulndb")
PAIRS = 12_000

try:
    from univers.versions import (
        DebianVersion,
        AlpineLinuxVersion,
        GentooVersion,
        InvalidVersion,
        OpensslVersion,
        PypiVersion,
        RpmVersion,
        SemverVersion,
    )
except ImportError:
    print("version-agreement: univers is not installed (pip install univers)")
    sys.exit(2)


def iotvet_order(binary, scheme, pairs):
    text = "".join(f"{a}\t{b}\n" for a, b in pairs)
    out = subprocess.run([binary, "vulndb", "order", scheme], input=text, capture_output=True, text=True, check=True)
    return out.stdout.split()


def univers_order(cls, a, b):
    try:
        x, y = cls(a), cls(b)
    except (InvalidVersion, ValueError, TypeError, AttributeError):
        return "?"
    try:
        return "<" if x < y else ">" if x > y else "="
    except (TypeError, ValueError):
        return "?"


def nvd_versions():
    """(product, version) of every bound and exact CPE version in the NVD corpus."""
    out = set()
    for path in glob.glob(os.path.join(CORPUS, "nvd", "**", "*.json"), recursive=True):
        try:
            text = open(path).read()
        except OSError:
            continue
        for m in re.finditer(r'"(?:criteria|cpe23Uri)": "cpe:2\.3:[aoh]:[^:]*:([^:]*):([^:]*):([^:]*):', text):
            product, version, update = (g.replace("\\\\", "\\").replace("\\", "") for g in m.groups())
            if version not in ("*", "-"):
                out.add((product, version + ("-" + update if update not in ("*", "-") else "")))
        for m in re.finditer(r'"version(?:Start|End)(?:Including|Excluding)": "([^"]+)"', text):
            # The bound's product: the nearest criteria before it.
            before = text[: m.start()]
            c = re.findall(r'cpe:2\.3:[aoh]:[^:]*:([^:]*):', before)
            out.add((c[-1] if c else "?", m.group(1)))
    return sorted(out)


def alma_versions():
    out = set()
    for path in glob.glob(os.path.join(CORPUS, "osv", "almalinux", "*.json")):
        doc = json.load(open(path))
        for a in doc.get("affected", []):
            for r in a.get("ranges", []):
                for e in r.get("events", []):
                    for k in ("introduced", "fixed"):
                        if e.get(k) and e[k] != "0":
                            out.add(e[k])
    return sorted(out)


def gen_debian(rng):
    up = ".".join(str(rng.choice([0, 1, 2, 9, 10, 99])) for _ in range(rng.randint(1, 3)))
    up += rng.choice(["", "", "a", "b1", "~rc1", "~beta2", "+dfsg", "+b1", "~~", "+really1.0"])
    rev = rng.choice(["", "-1", "-2", "-10", "-1ubuntu1", "-1+deb12u1", "-0.1", "-1~bpo11+1"])
    epoch = rng.choice(["", "", "", "1:", "2:"])
    return epoch + up + rev


def gen_rpm(rng, alma):
    if alma and rng.random() < 0.4:
        return rng.choice(alma)
    v = ".".join(str(rng.choice([0, 1, 2, 3, 10, 79, 85])) for _ in range(rng.randint(1, 3)))
    v += rng.choice(["", "", "a", "~rc1", "^git20240101", "~beta", "b"])
    rel = rng.choice(["", "-1", "-24.el8", "-24.el8_5.1", "-7.el9", "-1.fc40", "-0.rc1"])
    epoch = rng.choice(["", "", "1:"])
    return epoch + v + rel


def gen_semver(rng):
    v = f"{rng.choice([0, 1, 2, 10])}.{rng.choice([0, 1, 5, 10])}.{rng.choice([0, 1, 2, 11])}"
    v += rng.choice(["", "", "", "-alpha", "-alpha.1", "-beta.2", "-rc.1", "-rc.10", "-0.3.7", "-x.7.z.92"])
    v += rng.choice(["", "", "+build.5", "+20130313144700"])
    return v


def gen_alpine(rng):
    v = ".".join(str(rng.choice([0, 1, 2, 9, 10, 79])) for _ in range(rng.randint(1, 3)))
    if rng.random() < 0.15:
        v += "." + rng.choice(["01", "001", "010", "1"])
    v += rng.choice(["", "", "", "a", "b", "z"])
    v += rng.choice(["", "", "_alpha", "_beta2", "_pre1", "_rc1", "_rc10", "_p1", "_p20", "_git20240101", "_svn5", "_cvs", "_hg1"])
    v += rng.choice(["", "", "-r0", "-r1", "-r2", "-r10", "-r24"])
    return v


def gen_pypi(rng):
    v = ".".join(str(rng.choice([0, 1, 2, 3, 10])) for _ in range(rng.randint(1, 4)))
    v = rng.choice(["", "", "", "1!"]) + v
    v += rng.choice(["", "", "", "a1", "b2", "rc1", "rc10", ".post1", ".post2", ".dev1", "a1.dev2", ".post1.dev3", "+local.1", "+ubuntu1"])
    return v


def pairs_of(values, rng, n):
    return [(rng.choice(values), rng.choice(values)) for _ in range(n)]


def explained(scheme, a, b, o, u):
    """Why iotvet differs from univers here on purpose, or None."""
    if scheme == "rpm" and o == "=" and (("-" in a.split(":")[-1]) != ("-" in b.split(":")[-1])):
        return "explained: a version without a release stands for every release of it, as rpm compares dependency ranges (univers compares packages: no release is older)"
    if scheme == "generic" and re.search(r"\.0\d", a + " " + b):
        return "explained: a part with a leading zero (15.04) is a number in the generic order, a decimal fraction in apk's"
    return None


def compare(binary, scheme, pairs, pick):
    """(read by both, the same order, differences not explained, kinds with examples)."""
    ours = iotvet_order(binary, scheme, pairs)
    both = agree = unexplained = 0
    kinds = {}
    for (a, b), o in zip(pairs, ours):
        u = univers_order(pick(a, b), a, b)
        if o == "?" or u == "?":
            kinds.setdefault(f"unread by {'iotvet' if o == '?' else 'univers'}", []).append((a, b, o, u))
            continue
        both += 1
        if o == u:
            agree += 1
        else:
            why = explained(scheme, a, b, o, u)
            if why is None:
                unexplained += 1
            kinds.setdefault(why or "different order, not explained", []).append((a, b, o, u))
    return both, agree, unexplained, kinds


def main():
    binary = os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(REPO, "target")), "debug", "iotvet")
    if "--iotvet" in sys.argv:
        binary = sys.argv[sys.argv.index("--iotvet") + 1]
    rng = random.Random(20261126)
    alma = alma_versions()
    nvd = nvd_versions()
    strict_failures = 0

    plans = [
        ("debian", [gen_debian(rng) for _ in range(3000)], lambda a, b: DebianVersion),
        ("rpm", [gen_rpm(rng, alma) for _ in range(3000)], lambda a, b: RpmVersion),
        ("semver", [gen_semver(rng) for _ in range(3000)], lambda a, b: SemverVersion),
        ("alpine", [gen_alpine(rng) for _ in range(3000)], lambda a, b: AlpineLinuxVersion),
        ("pypi", [gen_pypi(rng) for _ in range(3000)], lambda a, b: PypiVersion),
    ]
    for scheme, values, pick in plans:
        # univers reads about half of the generated apk versions: twice the pairs, so that
        # more than 10,000 are compared.
        pairs = pairs_of(values, rng, PAIRS * 2 if scheme == "alpine" else PAIRS)
        both, agree, unexplained, kinds = compare(binary, scheme, pairs, pick)
        print(f"version-agreement: {scheme:<7} {len(pairs)} pairs, {both} read by both, {agree} the same order, {both - agree} different ({unexplained} not explained)")
        for kind, examples in sorted(kinds.items()):
            a, b, o, u = examples[0]
            print(f"    {kind}: {len(examples)} (e.g. {a!r} vs {b!r}: iotvet {o}, univers {u})")
        strict_failures += unexplained

    # generic: pairs within one product, so the versions are of one family.
    by_product = {}
    for product, version in nvd:
        by_product.setdefault(product, []).append(version)
    pairs = []
    while len(pairs) < PAIRS:
        product = rng.choice(sorted(by_product))
        values = by_product[product]
        pairs.append((rng.choice(values), rng.choice(values)))
    # univers has no scheme for embedded versions, and its GenericVersion and IntdotVersion
    # compare text in univers 32.0.1 (both put 10.2.1 after 10.11.4; IntdotVersion fails on
    # 3.0.1 against 3.0). The pairs are split by what they are: dotted integers (univers'
    # AlpineLinuxVersion, numeric parts) and OpenSSL's versions (OpensslVersion) must agree;
    # the rest is compared with Gentoo's order (letters after a number, _rc/_alpha suffixes,
    # the nearest univers has) for reference.
    openssl = set(by_product.get("openssl", []))
    intdot = lambda v: re.fullmatch(r"\d+(\.\d+)*", v) is not None
    groups = {"dotted integers (AlpineLinuxVersion)": [], "OpenSSL versions (OpensslVersion)": [], "others (GentooVersion, for reference)": []}
    for a, b in pairs:
        if intdot(a) and intdot(b):
            groups["dotted integers (AlpineLinuxVersion)"].append((a, b))
        elif a in openssl and b in openssl:
            groups["OpenSSL versions (OpensslVersion)"].append((a, b))
        else:
            groups["others (GentooVersion, for reference)"].append((a, b))
    classes = {
        "dotted integers (AlpineLinuxVersion)": AlpineLinuxVersion,
        "OpenSSL versions (OpensslVersion)": OpensslVersion,
        "others (GentooVersion, for reference)": GentooVersion,
    }
    for name, group in groups.items():
        if not group:
            continue
        both, agree, unexplained, kinds = compare(binary, "generic", group, lambda a, b, c=classes[name]: c)
        print(f"version-agreement: generic {name}: {len(group)} pairs, {both} read by both, {agree} the same order, {both - agree} different ({unexplained} not explained)")
        for kind, examples in sorted(kinds.items()):
            shown = "; ".join(f"{a!r} vs {b!r}: iotvet {o}, univers {u}" for a, b, o, u in examples[:4])
            print(f"    {kind}: {len(examples)} (e.g. {shown})")
        if not name.startswith("others"):
            strict_failures += unexplained
    # OpenSSL's letter releases, every branch from 0.9.8 to 1.1.1 and 3.x patch releases:
    # 10,000 more pairs against OpensslVersion.
    letters = [""] + [chr(c) for c in range(ord("a"), ord("z") + 1)] + ["za", "zb", "zc", "zd", "zg", "zh", "zl"]
    releases = [f"{b}{l}" for b in ("0.9.8", "1.0.0", "1.0.1", "1.0.2", "1.1.0", "1.1.1") for l in letters]
    releases += [f"3.{m}.{p}" for m in range(0, 6) for p in range(0, 16)]
    pairs = pairs_of(releases, rng, 10_000)
    both, agree, unexplained, kinds = compare(binary, "generic", pairs, lambda a, b: OpensslVersion)
    print(f"version-agreement: generic OpenSSL releases (OpensslVersion): {len(pairs)} pairs, {both} read by both, {agree} the same order, {both - agree} different ({unexplained} not explained)")
    for kind, examples in sorted(kinds.items()):
        shown = "; ".join(f"{a!r} vs {b!r}: iotvet {o}, univers {u}" for a, b, o, u in examples[:4])
        print(f"    {kind}: {len(examples)} (e.g. {shown})")
    strict_failures += unexplained
    print(f"version-agreement: {strict_failures} differences not explained")
    sys.exit(1 if strict_failures else 0)


if __name__ == "__main__":
    main()
