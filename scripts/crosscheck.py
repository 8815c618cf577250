#!/usr/bin/env python3
"""Cross-checks iotvet's document analysis against the tools people trust, in one run:

  * security.txt findings against the `sectxt` validator (PyPI), on the crafted files in
    crates/iotvet-docs/tests/data/securitytxt/, the real files in ../shared/corpora/securitytxt/
    and signed variants derived from one of them at run time (not stored);
  * readability figures against Python's `textstat` 0.7.3 (PyPI; rounding off), on real-world
    legal texts found on this machine (Debian's licence texts and package copyright files) and
    textstat's own sample passages.

Usage: scripts/crosscheck.py [path/to/iotvet]. Prints a table per check and a closing
'N passed, N failed' line; exits 1 on any unexplained disagreement.
"""
import glob
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
IOTVET = sys.argv[1] if len(sys.argv) > 1 else os.path.join(TARGET, "debug", "iotvet")
CORPORA = os.path.join(ROOT, "..", "shared", "corpora")

# Differences understood and accepted: one file and one code each, with the reason (BENCHMARKS.md).
SECTXT_KNOWN = {
    ("signed_no_checksum.txt", "pgp_data_error"): "RFC 9580 makes the armor checksum optional (and says not to emit it); "
    "pgpy requires it, rPGP (iotvet) does not",
    ("signed_pgp_error.txt", "pgp_data_error"): "the signature block holds no OpenPGP packet at all: pgpy discards "
    "it and reports nothing, iotvet reports pgp_data_error",
}
# Fewer files than this means the corpus was not found: no agreement to claim.
SECTXT_MIN_FILES = 36
READABILITY_MIN_TEXTS = 27

# Readability tolerances (absolute), from the measured spread of syllable counting between
# TeX's en-US hyphenation patterns (iotvet) and LibreOffice's en_US patterns (pyphen, textstat).
TOLERANCE = {
    "words": 0.0,
    "sentences": 0.0,
    "flesch_reading_ease": 2.5,
    "flesch_kincaid_grade": 0.5,
    "gunning_fog": 1.0,
    "smog": 0.5,
    "coleman_liau": 0.01,
    "ari": 0.01,
}

passed = failed = 0


def result(ok, line):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
    print(("ok    " if ok else "FAIL  ") + line)


def iotvet_json(*args):
    out = subprocess.run([IOTVET, *args, "--format", "json"], capture_output=True, text=True)
    return json.loads(out.stdout)


def sectxt_codes(path, url):
    import sectxt

    with open(path, "rb") as f:
        p = sectxt.Parser(f.read(), urls=url)
    return {e["code"] for e in p.errors + p.recommendations + p.notifications}


def iotvet_codes(path, url):
    args = ["docs", "security-txt", path]
    if url:
        args += ["--fetched-from", url]
    doc = iotvet_json(*args)
    return {p["code"] for p in doc["security_txt"]["file"]["problems"]}


def truncated_signature(text):
    import base64

    body = text[text.index("iQIz"): text.index("\n=", text.index("iQIz"))].replace("\n", "")
    return base64.b64encode(base64.b64decode(body)[:40]).decode()


def signed_variants(tmp):
    src = os.path.join(CORPORA, "securitytxt", "grapheneos.org__static_.well-known_security.txt")
    if not os.path.exists(src):
        return []
    text = open(src, encoding="utf-8").read()
    variants = {
        "signed_data_after_sig": text + "Contact: mailto:late@example.com\n",
        "signed_format_issue": "# a comment first\n" + text,
        "signed_too_many_line_separators": text + "\n",
        "signed_pgp_data_error": text.replace("iQIzBAEBCgAdFiEE", "not base64 at all !!"),
        "signed_no_canonical": text.replace("Canonical: https://grapheneos.org/.well-known/security.txt\n", ""),
        # A literal-data packet where the signature should be; a signature cut short; no checksum.
        "signed_literal_packet": text[: text.index("iQIz")] + "ywpiAAAAAABoZWxs\n-----END PGP SIGNATURE-----\n",
        "signed_truncated_signature": text[: text.index("iQIz")] + truncated_signature(text) + "\n-----END PGP SIGNATURE-----\n",
        "signed_no_checksum": text.replace("=dWjZ\n", ""),
        # Well-formed armor around bytes that are no OpenPGP packet.
        "signed_pgp_error": text[: text.index("iQIz")] + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n=AAAA\n-----END PGP SIGNATURE-----\n",
    }
    paths = []
    for name, body in variants.items():
        p = os.path.join(tmp, name + ".txt")
        open(p, "w", encoding="utf-8").write(body)
        paths.append(p)
    return paths


def check_securitytxt():
    print("== security.txt: iotvet vs sectxt ==")
    files = sorted(glob.glob(os.path.join(ROOT, "crates/iotvet-docs/tests/data/securitytxt/*.txt")))
    files += sorted(glob.glob(os.path.join(CORPORA, "securitytxt", "*security.txt")))
    with tempfile.TemporaryDirectory() as tmp:
        files += signed_variants(tmp)
        seen = set()
        for path in files:
            sidecar = path[:-4] + ".url"
            url = open(sidecar).read().strip() if os.path.exists(sidecar) else None
            theirs, ours = sectxt_codes(path, url), iotvet_codes(path, url)
            seen |= theirs
            name = os.path.basename(path)
            unexplained = {c for c in theirs ^ ours if (name, c) not in SECTXT_KNOWN}
            note = "; ".join(f"{c}: {SECTXT_KNOWN[(name, c)]}" for c in sorted(theirs ^ ours) if (name, c) in SECTXT_KNOWN)
            result(not unexplained, f"{os.path.basename(path)}: {sorted(theirs)}"
                   + (f"  only sectxt: {sorted(theirs - ours)} only iotvet: {sorted(ours - theirs)}" if theirs != ours else "")
                   + (f"  ({note})" if note else ""))
        print(f"   {len(files)} files; sectxt codes seen: {len(seen)}: {sorted(seen)}")
        result(len(files) >= SECTXT_MIN_FILES, f"{len(files)} security.txt files compared (at least {SECTXT_MIN_FILES} expected)")


def legal_texts():
    texts = sorted(p for p in glob.glob("/usr/share/common-licenses/*") if os.path.isfile(p) and not os.path.islink(p))
    copyrights = []
    for p in glob.glob("/usr/share/doc/*/copyright"):
        try:
            if os.path.getsize(p) > 6000:
                copyrights.append(p)
        except OSError:
            pass
    # The largest distinct copyright files: the longest real licence terms on the machine.
    seen_sizes = set()
    for p in sorted(copyrights, key=os.path.getsize, reverse=True):
        size = os.path.getsize(p)
        if size in seen_sizes:
            continue
        seen_sizes.add(size)
        texts.append(p)
        if len(texts) >= 24:
            break
    return texts


def textstat_figures(text):
    import textstat

    textstat.set_rounding(False)
    return {
        "words": textstat.lexicon_count(text),
        "sentences": textstat.sentence_count(text),
        "syllables": textstat.syllable_count(text),
        "flesch_reading_ease": textstat.flesch_reading_ease(text),
        "flesch_kincaid_grade": textstat.flesch_kincaid_grade(text),
        "gunning_fog": textstat.gunning_fog(text),
        "smog": textstat.smog_index(text),
        "coleman_liau": textstat.coleman_liau_index(text),
        "ari": textstat.automated_readability_index(text),
    }


def check_readability():
    print("== readability: iotvet vs textstat 0.7.3 (rounding off) ==")
    texts = legal_texts()
    for p in sorted(glob.glob(os.path.join(CORPORA, "readability", "textstat_dev_texts", "*.toml"))):
        texts.append(p)
    worst = {k: 0.0 for k in TOLERANCE}
    with tempfile.TemporaryDirectory() as tmp:
        for i, path in enumerate(texts):
            raw = open(path, "rb").read().decode("utf-8", errors="replace")
            if path.endswith(".toml"):
                import tomllib

                raw = tomllib.loads(raw).get("text", raw)
            plain = os.path.join(tmp, f"{i}.txt")
            open(plain, "w", encoding="utf-8").write(raw)
            doc = iotvet_json("docs", "policy", plain, "--kind", "terms")
            ours = doc.get("readability")
            if not ours:
                result(False, f"{path}: iotvet gave no readability (language {doc.get('language')})")
                continue
            theirs = textstat_figures(raw)
            diffs = {k: abs(ours[k] - theirs[k]) for k in TOLERANCE}
            for k, d in diffs.items():
                worst[k] = max(worst[k], d)
            bad = {k: round(d, 2) for k, d in diffs.items() if d > TOLERANCE[k]}
            syl = ours["syllables"] - theirs["syllables"]
            result(not bad, f"{os.path.basename(os.path.dirname(path)) if path.endswith('copyright') else os.path.basename(path)}: "
                   f"{ours['words']} words, FRE {ours['flesch_reading_ease']:.1f} vs {theirs['flesch_reading_ease']:.1f}, "
                   f"FK {ours['flesch_kincaid_grade']:.1f} vs {theirs['flesch_kincaid_grade']:.1f}, syllables {syl:+d}"
                   + (f"  beyond tolerance: {bad}" if bad else ""))
    print(f"   {len(texts)} texts; largest differences: " + ", ".join(f"{k} {v:.2f}" for k, v in worst.items()))
    result(len(texts) >= READABILITY_MIN_TEXTS, f"{len(texts)} texts compared (at least {READABILITY_MIN_TEXTS} expected)")


if __name__ == "__main__":
    if not os.path.isdir(CORPORA):
        print(f"the corpus files are absent: {CORPORA} (CI lays shared/ beside the clone); the counts below will fail")
    check_securitytxt()
    check_readability()
    print(f"\ncrosscheck: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)
