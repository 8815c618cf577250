#!/usr/bin/env python3
"""Makes the vulnerability-database benchmark's input: at least 250,000 schema-valid NVD CVE
records — the real API 2.0 records of ../shared/corpora/vulndb/nvd/cve-2.0 replicated with
fresh ids (CVE-2030-NNNNNNN) — written as NVD API 2.0 response pages of 2,000 records each (as
the NVD API serves them), and an SBOM of 1,000 components (CycloneDX 1.6) to match.

Each copy's CPE vendor and product get the copy's number as a suffix (busybox → busybox_c17),
so that, as in the real NVD (about 250,000 records over tens of thousands of products), a
product has a handful of records rather than one record per copy of the 29 templates. The
SBOM names 1,000 of those products at versions inside and outside their ranges.

Usage: scripts/make-vulndb-bench.py OUT_DIR [--records N]
"""

import copy
import glob
import json
import os
import random
import re
import sys


def main():
    out = sys.argv[1]
    n = int(sys.argv[sys.argv.index("--records") + 1]) if "--records" in sys.argv else 250_000
    here = os.path.dirname(os.path.abspath(__file__))
    corpus = os.path.join(here, "..", "..", "shared", "corpora", "vulndb", "nvd", "cve-2.0")
    templates = [json.load(open(p)) for p in sorted(glob.glob(os.path.join(corpus, "*.json")))]
    templates = [t for t in templates if t.get("configurations")]
    os.makedirs(os.path.join(out, "nvd"), exist_ok=True)
    rng = random.Random(2030)
    products = []
    page, pages = [], 0

    def flush():
        nonlocal page, pages
        if not page:
            return
        doc = {"resultsPerPage": len(page), "startIndex": pages * 2000, "totalResults": n, "format": "NVD_CVE",
               "version": "2.0", "timestamp": "2030-01-01T00:00:00.000", "vulnerabilities": [{"cve": c} for c in page]}
        with open(os.path.join(out, "nvd", f"page-{pages:04d}.json"), "w") as f:
            json.dump(doc, f)
        pages += 1
        page = []

    for i in range(n):
        t = templates[i % len(templates)]
        copy_no = i // len(templates)
        c = copy.deepcopy(t)
        c["id"] = f"CVE-2030-{i:07d}"
        text = json.dumps(c["configurations"])
        text = re.sub(r"(cpe:2\.3:[aoh]:)([^:]+):([^:]+):", lambda m: f"{m.group(1)}{m.group(2)}_c{copy_no}:{m.group(3)}_c{copy_no}:", text)
        c["configurations"] = json.loads(text)
        for m in re.finditer(r"cpe:2\.3:[aoh]:([^:]+):([^:]+):", text):
            if len(products) < 200_000:
                products.append((m.group(1), m.group(2)))
        page.append(c)
        if len(page) == 2000:
            flush()
    flush()
    picks = rng.sample(sorted(set(products)), 1000)
    components = []
    for vendor, product in picks:
        version = rng.choice(["1.0", "1.22.1", "1.36.1", "2.0.5", "0.9.33.2", "1.0.2k", "3.0.7", "2017.75", "6.6.10"])
        components.append({"type": "library", "name": product, "version": version,
                           "cpe": f"cpe:2.3:a:{vendor}:{product}:{version}:*:*:*:*:*:*:*"})
    bom = {"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1, "components": components}
    with open(os.path.join(out, "sbom-1000.cdx.json"), "w") as f:
        json.dump(bom, f)
    print(f"make-vulndb-bench: {n} records in {pages} pages under {out}/nvd, an SBOM of {len(components)} components")


if __name__ == "__main__":
    main()
