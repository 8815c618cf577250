#!/usr/bin/env python3
"""Do iotvet, binwalk and unblob take the same files out of the same firmware images?

For each image, `iotvet firmware IMAGE --out DIR`, `binwalk -Me -C DIR IMAGE` and
`unblob -e DIR IMAGE` extract it; the regular files iotvet wrote under each filesystem it opened
(a path inside that filesystem and a SHA-256) are looked for in each peer's output: the same
content at a path that ends with the same path. Printed per image and tool: files iotvet found
that the peer found too, files only iotvet found, and the peer's files (below the root of the
matching filesystem) that iotvet did not write. Links are not compared (iotvet lists them in
links.tsv and never makes them; the peers make them). A peer that is not installed is skipped.

Usage: scripts/firmware-agreement.py [IMAGE...]   (default: ../shared/corpora/firmware/images
and the lab camera's package, built by `iotvet demo`'s builder through `iotvet firmware`).
"""

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
CORPUS = os.path.join(REPO, "..", "shared", "corpora", "firmware", "images")


def iotvet_bin():
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(REPO, "target"))
    for profile in ("release", "debug"):
        path = os.path.join(target, profile, "iotvet")
        if os.path.exists(path):
            return path
    sys.exit("build iotvet first (cargo build --release -p iotvet)")


def files_under(root):
    """{relative path: sha256} of the regular files under root (links not followed)."""
    out = {}
    for dirpath, _dirs, names in os.walk(root):
        for name in names:
            path = os.path.join(dirpath, name)
            if os.path.islink(path) or not os.path.isfile(path):
                continue
            with open(path, "rb") as f:
                out[os.path.relpath(path, root)] = hashlib.sha256(f.read()).hexdigest()
    return out


def iotvet_filesystems(out_dir):
    """{filesystem place: {path inside it: sha256}}: the deepest layer folders that hold files."""
    every = files_under(out_dir)
    every.pop("links.tsv", None)
    fs = {}
    for rel, digest in every.items():
        parts = rel.split(os.sep)
        # The place is the chain of format@offset folders (and a ZIP member's name between).
        cut = max(i for i, p in enumerate(parts) if "@0x" in p) + 1
        fs.setdefault(os.sep.join(parts[:cut]), {})[os.sep.join(parts[cut:])] = digest
    return fs


def run(cmd, timeout=600, cwd=None, env=None):
    try:
        return subprocess.run(
            cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=timeout, cwd=cwd, env=env
        ).returncode
    except (FileNotFoundError, subprocess.TimeoutExpired) as e:
        return str(e)


STREAMS = ("gzip@", "xz@", "lzma@", "bzip2@", "zstd@", "lz4@")


def compare(ours, theirs):
    """(both, only ours, only theirs): ours matched to theirs by path suffix and content. A
    stream's decompressed bytes (iotvet's `FORMAT@OFFSET/NAME`) by content alone: each tool
    names them its own way (binwalk by offset, unblob by format)."""
    by_digest = {}
    for path, digest in theirs.items():
        by_digest.setdefault(digest, []).append(path)
    both, only_ours, roots = 0, [], set()
    for path, digest in ours.items():
        if path.startswith(STREAMS):
            if digest in by_digest:
                both += 1
            else:
                only_ours.append(path)
            continue
        hit = [p for p in by_digest.get(digest, []) if p == path or p.endswith(os.sep + path)]
        if hit:
            both += 1
            roots.add(hit[0][: len(hit[0]) - len(path)])
        else:
            only_ours.append(path)
    matched = {p for p, d in theirs.items() for r in roots if p.startswith(r) and ours.get(p[len(r):]) == d}
    only_theirs = [p for p in theirs if any(p.startswith(r) for r in roots) and p not in matched]
    return both, only_ours, only_theirs


# unblob extracts SquashFS with sasquatch (unsquashfs with vendor LZMA patches, not packaged by
# Debian or PyPI). Where it is missing, this stand-in runs Debian's unsquashfs instead, which is
# what sasquatch is built from: the same files for standard SquashFS (4.0 little-endian, and
# 1.x-3.x of either byte order); vendor LZMA variants and big-endian 4.0 fail, as without it.
SASQUATCH_STANDIN = """#!/usr/bin/env python3
import subprocess, sys
if sys.argv[0].endswith("v4be"):
    sys.exit("sasquatch stand-in: big-endian SquashFS 4.0 needs the real sasquatch")
args = [a for a in sys.argv[1:] if a not in ("-le", "-be", "-no-exit-code")]
subprocess.run(["unsquashfs"] + args)
"""


def unblob_env(work):
    """unblob's environment: sasquatch's stand-in first on PATH when sasquatch is missing."""
    env = dict(os.environ)
    if shutil.which("sasquatch") or not shutil.which("unsquashfs"):
        return env
    bindir = os.path.join(work, "bin")
    os.makedirs(bindir, exist_ok=True)
    for name in ("sasquatch", "sasquatch-v4be"):
        path = os.path.join(bindir, name)
        with open(path, "w") as f:
            f.write(SASQUATCH_STANDIN)
        os.chmod(path, 0o755)
    env["PATH"] = bindir + os.pathsep + env.get("PATH", "")
    print("firmware-agreement: sasquatch is not installed: unblob runs Debian's unsquashfs in its place")
    return env


def main():
    # Absolute: unblob runs in the scratch folder (its log goes there), not here.
    images = [os.path.abspath(i) for i in sys.argv[1:]]
    bin_ = iotvet_bin()
    work = tempfile.mkdtemp(prefix="iotvet-fw-agree-")
    if not images:
        images = sorted(
            os.path.join(CORPUS, n) for n in os.listdir(CORPUS) if n.endswith((".bin", ".squashfs"))
        ) if os.path.isdir(CORPUS) else []
        camera = os.path.join(work, "lab-camera.zip")
        # The demo writes the camera's package; a quick demo run is the builder's one door.
        demo = os.path.join(work, "demo")
        if run([bin_, "demo", "--out", demo], timeout=300) == 0 or os.path.exists(os.path.join(demo, "camera", "firmware.zip")):
            shutil.copy(os.path.join(demo, "camera", "firmware.zip"), camera)
            images.append(camera)
    peers = [t for t in ("binwalk", "unblob") if shutil.which(t)]
    print(f"firmware-agreement: {len(images)} images; peers: {', '.join(peers) or 'none installed'}")
    env = unblob_env(work) if "unblob" in peers else None
    total = {p: [0, 0, 0] for p in peers}
    for image in images:
        name = os.path.basename(image)
        mine = os.path.join(work, name + ".iotvet")
        run([bin_, "firmware", image, "--out", mine])
        ours = {}
        for place, files in iotvet_filesystems(mine).items():
            last = os.path.basename(place)
            for rel, d in files.items():
                # A stream's decompressed bytes: kept by the stream's place (`lzma@0x20400/…`).
                ours[os.path.join(last, rel) if last.startswith(STREAMS) else rel] = d
        for peer in peers:
            theirs_dir = os.path.join(work, f"{name}.{peer}")
            os.makedirs(theirs_dir, exist_ok=True)
            if peer == "binwalk":
                root = ["--run-as=root"] if os.geteuid() == 0 else []
                rc = run(["binwalk", "-q", "-Me", *root, "-C", theirs_dir, image])
            else:
                # unblob writes unblob.log into its working folder: the scratch folder, not the repository.
                rc = run(["unblob", "-e", theirs_dir, image], cwd=work, env=env)
            theirs = files_under(theirs_dir)
            both, only_ours, only_theirs = compare(ours, theirs)
            total[peer][0] += both
            total[peer][1] += len(only_ours)
            total[peer][2] += len(only_theirs)
            print(
                f"  {name:<58} {peer:<8} same {both:>4} of {len(ours):>4} iotvet files; "
                f"only iotvet {len(only_ours):>4}; only {peer} {len(only_theirs):>4} (exit {rc})"
            )
            for p in only_ours[:3]:
                print(f"      only iotvet: {p}")
            for p in only_theirs[:3]:
                print(f"      only {peer}: {p}")
    for peer, (both, mine_only, theirs_only) in total.items():
        print(f"firmware-agreement: {peer}: {both} files the same, {mine_only} only iotvet, {theirs_only} only {peer}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
