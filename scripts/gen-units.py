#!/usr/bin/env python3
"""Regenerates the built-in administrative units of Phủ Xanh.

Source: the MIT-licensed PyPI package `vietnamadminunits` 1.0.4, whose
SQLite file holds both the structure before 1 July 2025 (three levels,
table `admin_units_legacy`) and the one in force since then (two levels,
table `admin_units`). Each row of those tables is one commune with its
ancestors. Only codes, names and unit types are read; the coordinates,
bounds, areas and geocoder addresses come from a service whose terms
forbid redistribution and are deliberately left out.

Writes crates/units/data/vn-2024.csv and vn-2025.csv with the header
`code,name,level,parent_code`: all provinces, then districts, then
communes, each level sorted by code; names are full official names with
their type word ("Tỉnh Bến Tre", "Quận Ba Đình", "Thị trấn ..."), in
Unicode NFC. Also writes provinces-2024-to-2025.csv (`code_2024,code_2025`):
the province each of the 63 old provinces merged into on 1 July 2025, from
the package's converter table (`DICT_PROVINCE`).

    python3 scripts/gen-units.py
"""

import csv
import glob
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import unicodedata
import zipfile

PACKAGE = "vietnamadminunits==1.0.4"
DATABASE = "vietnamadminunits/data/dataset.db"
CONVERTER = "vietnamadminunits/data/converter_2025.json"
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "crates", "units", "data")

LEVELS = ("province", "district", "commune")
DIGITS = {"province": 2, "district": 3, "commune": 5}
PARENT = {  # (structure, level) -> level of the parent
    ("vn-2024", "district"): "province",
    ("vn-2024", "commune"): "district",
    ("vn-2025", "commune"): "province",
}
# The type words a full name may start with, as officially written.
TYPES = {
    "province": ["Thành phố", "Tỉnh"],
    "district": ["Thành phố", "Thị xã", "Quận", "Huyện"],
    "commune": ["Thị trấn", "Đặc khu", "Phường", "Xã"],
}


def fail(msg):
    sys.exit(f"gen-units: {msg}")


def clean(s):
    return unicodedata.normalize("NFC", s.strip()) if s is not None else None


def full_name(name, level, type_column, code):
    """The full name, its type word written the official way.

    The database's full names carry a few stray capitals ("Thành Phố Bắc
    Kạn", "Thị Trấn Ái Tử"), and its type column disagrees with the full
    name for a handful of communes; the full name is the one that matches
    the legal texts, so it wins and the disagreement is reported.
    """
    name = clean(name)
    for t in TYPES[level]:
        if name.lower().startswith(t.lower() + " "):
            if type_column and clean(type_column) != t:
                print(f"  note: {level} {code} {name!r}: type column says {type_column!r}, keeping {t!r}")
            return t + name[len(t):]
    fail(f"{level} {code} {name!r} does not start with one of {TYPES[level]}")


def fetch_database(workdir):
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", workdir, PACKAGE],
        check=True,
    )
    (wheel,) = glob.glob(os.path.join(workdir, "*.whl"))
    with zipfile.ZipFile(wheel) as z:
        z.extract(DATABASE, workdir)
        z.extract(CONVERTER, workdir)
    return os.path.join(workdir, DATABASE), os.path.join(workdir, CONVERTER)


def key(name):
    """The package's key for a name: ASCII, lower case, letters and digits."""
    folded = unicodedata.normalize("NFD", name.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in folded.lower() if c.isascii() and c.isalnum())


def provinces_2024_to_2025(converter, old_rows, new_rows):
    """(old code, new code) for every old province, checked to be complete."""
    old = {key(name): code for code, name, level, _ in old_rows if level == "province"}
    new = {key(name): code for code, name, level, _ in new_rows if level == "province"}
    with open(converter, encoding="utf-8") as f:
        merged_into = json.load(f)["DICT_PROVINCE"]
    pairs = {}
    for new_key, old_keys in merged_into.items():
        if new_key not in new:
            fail(f"converter: new province {new_key!r} is not in vn-2025")
        for old_key in old_keys:
            if old_key not in old:
                fail(f"converter: old province {old_key!r} is not in vn-2024")
            if pairs.setdefault(old[old_key], new[new_key]) != new[new_key]:
                fail(f"converter: old province {old_key!r} merges into two provinces")
    if len(pairs) != len(old) or set(pairs.values()) != set(new.values()):
        fail(f"converter: {len(pairs)} of {len(old)} old provinces mapped")
    return sorted(pairs.items())


class Units:
    """Units of one structure, keyed by code, checked as they are added."""

    def __init__(self):
        self.units = {}  # code -> (name, level, parent_code)

    def add(self, code, name, level, parent, type_column=None):
        code = clean(code)
        unit = (full_name(name, level, type_column, code), level, parent)
        seen = self.units.setdefault(code, unit)
        if seen != unit:
            fail(f"code {code} stands for both {seen} and {unit}")

    def rows(self):
        order = sorted(self.units.items(), key=lambda cu: (LEVELS.index(cu[1][1]), cu[0]))
        return [(code, name, level, parent) for code, (name, level, parent) in order]


def units_2024(db):
    units = Units()
    for p, pc, d, dtype, dc, w, wtype, wc in db.execute(
        "SELECT province, provinceCode, district, districtType, districtCode,"
        " ward, wardType, wardCode FROM admin_units_legacy"
    ):
        units.add(pc, p, "province", "")
        units.add(dc, d, "district", clean(pc), dtype)
        if wc is not None:  # island districts without communes have none
            units.add(wc, w, "commune", clean(dc), wtype)
    return units.rows()


def units_2025(db):
    units = Units()
    for p, pc, w, wtype, wc in db.execute(
        "SELECT province, provinceCode, ward, wardType, wardCode FROM admin_units"
    ):
        units.add(pc, p, "province", "")
        units.add(wc, w, "commune", clean(pc), wtype)
    return units.rows()


def validate(structure, rows):
    level_of = {}
    for code, name, level, parent in rows:
        if code in level_of:
            fail(f"{structure}: code {code} appears twice")
        if len(code) != DIGITS[level] or not code.isdigit():
            fail(f"{structure}: {level} code {code!r} is not {DIGITS[level]} digits")
        if not name:
            fail(f"{structure}: {code} has no name")
        want = PARENT.get((structure, level))
        if want is None:
            if parent:
                fail(f"{structure}: {level} {code} has a parent")
        elif level_of.get(parent) != want:
            fail(f"{structure}: {level} {code} has parent {parent!r}, not a {want} listed before it")
        level_of[code] = level
    counts = {lvl: sum(1 for r in rows if r[2] == lvl) for lvl in LEVELS}
    childless = sorted(set(c for c, _, lvl, _ in rows if lvl == "district") - {r[3] for r in rows})
    print(
        f"{structure}: {counts['province']} provinces, {counts['district']} districts, "
        f"{counts['commune']} communes ({len(rows)} units)"
    )
    if childless:
        print(f"  districts without communes: {', '.join(childless)}")


def write(structure, rows):
    path = os.path.join(OUT, f"{structure}.csv")
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["code", "name", "level", "parent_code"])
        w.writerows(rows)
    print(f"  wrote {os.path.normpath(path)} ({os.path.getsize(path)} bytes)")


def main():
    with tempfile.TemporaryDirectory() as tmp:
        database, converter = fetch_database(tmp)
        db = sqlite3.connect(database)
        try:
            built = {}
            for structure, build in (("vn-2024", units_2024), ("vn-2025", units_2025)):
                print(f"{structure}:")
                rows = build(db)
                validate(structure, rows)
                write(structure, rows)
                built[structure] = rows
        finally:
            db.close()
        pairs = provinces_2024_to_2025(converter, built["vn-2024"], built["vn-2025"])
        path = os.path.join(OUT, "provinces-2024-to-2025.csv")
        with open(path, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["code_2024", "code_2025"])
            w.writerows(pairs)
        print(f"provinces 2024 -> 2025: {len(pairs)} old provinces into {len(set(n for _, n in pairs))}")
        print(f"  wrote {os.path.normpath(path)}")


if __name__ == "__main__":
    main()
