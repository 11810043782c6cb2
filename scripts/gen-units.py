#!/usr/bin/env python3
"""Regenerates the built-in administrative units of Phủ Xanh.

Source: the MIT-licensed PyPI package `vietnamadminunits` (1.0.4), whose
SQLite file holds both the pre-July-2025 three-level structure (table
`admin_units_legacy`) and the two-level structure in force since
1 July 2025 (table `admin_units`). Only codes, names and unit types are
taken; its coordinates come from a service whose terms forbid
redistribution and are deliberately left out.

Writes crates/units/data/vn-2024.csv and vn-2025.csv
(`code,name,level,parent_code`, parents first, names in Unicode NFC).

    python3 scripts/gen-units.py
"""

import csv
import glob
import os
import sqlite3
import subprocess
import sys
import tempfile
import unicodedata
import zipfile

PACKAGE = "vietnamadminunits==1.0.4"
OUT = os.path.join(os.path.dirname(__file__), "..", "crates", "units", "data")


def nfc(s):
    return unicodedata.normalize("NFC", s.strip())


def fetch_database(workdir):
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", workdir, PACKAGE],
        check=True,
    )
    wheel = glob.glob(os.path.join(workdir, "*.whl"))[0]
    with zipfile.ZipFile(wheel) as z:
        z.extract("vietnamadminunits/data/dataset.db", workdir)
    return os.path.join(workdir, "vietnamadminunits/data/dataset.db")


def check_code(code, digits, what):
    if len(code) != digits or not code.isdigit():
        sys.exit(f"{what} code {code!r} is not {digits} digits")
    return code


def units_2024(db):
    provinces, districts, communes = {}, {}, {}
    rows = db.execute(
        "SELECT provinceCode, province, districtCode, district, wardCode, ward"
        " FROM admin_units_legacy"
    )
    for pc, pname, dc, dname, wc, wname in rows:
        pc = check_code(pc, 2, "province")
        provinces.setdefault(pc, nfc(pname))
        if dc:
            dc = check_code(dc, 3, "district")
            if districts.setdefault(dc, (nfc(dname), pc))[1] != pc:
                sys.exit(f"district {dc} under two provinces")
        if wc:
            wc = check_code(wc, 5, "commune")
            if wc in communes:
                sys.exit(f"commune {wc} appears twice")
            communes[wc] = (nfc(wname), dc)
    out = [(c, n, "province", "") for c, n in sorted(provinces.items())]
    out += [(c, n, "district", p) for c, (n, p) in sorted(districts.items())]
    out += [(c, n, "commune", p) for c, (n, p) in sorted(communes.items())]
    return out


def units_2025(db):
    provinces, communes = {}, {}
    for pc, pname, wc, wname in db.execute(
        "SELECT provinceCode, province, wardCode, ward FROM admin_units"
    ):
        pc = check_code(pc, 2, "province")
        provinces.setdefault(pc, nfc(pname))
        wc = check_code(wc, 5, "commune")
        if wc in communes:
            sys.exit(f"commune {wc} appears twice")
        communes[wc] = (nfc(wname), pc)
    out = [(c, n, "province", "") for c, n in sorted(provinces.items())]
    out += [(c, n, "commune", p) for c, (n, p) in sorted(communes.items())]
    return out


def validate(name, units):
    levels = {}
    for code, _, level, parent in units:
        if parent and parent not in levels:
            sys.exit(f"{name}: {code} comes before its parent {parent}")
        levels[code] = level
    counts = {lvl: sum(1 for u in units if u[2] == lvl) for lvl in ("province", "district", "commune")}
    print(f"{name}: {counts['province']} provinces, {counts['district']} districts, {counts['commune']} communes")


def write(name, units):
    path = os.path.join(OUT, f"{name}.csv")
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["code", "name", "level", "parent_code"])
        w.writerows(units)


def main():
    with tempfile.TemporaryDirectory() as tmp:
        db = sqlite3.connect(fetch_database(tmp))
        for name, build in (("vn-2024", units_2024), ("vn-2025", units_2025)):
            units = build(db)
            validate(name, units)
            write(name, units)


if __name__ == "__main__":
    main()
