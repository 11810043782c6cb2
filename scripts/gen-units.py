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
the package's converter table (`DICT_PROVINCE`), and
communes-2024-to-2025.csv (`code_2024,code_2025,whole`): for every old
commune, the new commune it went into whole (one row, whole=1) or the new
communes it was split among (one row each, whole=0), from the converter's
tables `DICT_PROVINCE_WARD_NO_DIVIDED` and `DICT_PROVINCE_WARD_DIVIDED`.

    python3 scripts/gen-units.py
"""

import collections
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
# At most this many converter entries or old communes may stay unmatched;
# each one is listed, and must be listed in ATTRIBUTION.md too.
UNMATCHED_TOLERATED = 5
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


def accented_key(name):
    """The package's key for a name whose plain key another unit under the
    same parent shares (its `wardKeyDuplicated`): lower case, letters and
    digits, the diacritics kept ("Xã Hoằng Phú" -> "xãhoằngphú")."""
    return "".join(c for c in unicodedata.normalize("NFC", name).lower() if c.isalnum())


def keyed(units):
    """key -> code for the (code, name) of units under one parent, keyed the
    way the package's converter keys them: by `key`, except that units whose
    `key` collides under that parent are keyed by `accented_key` instead."""
    units = list(units)
    plain = collections.Counter(key(name) for _, name in units)
    out = {}
    for code, name in units:
        k = key(name) if plain[key(name)] == 1 else accented_key(name)
        if out.setdefault(k, code) != code:
            fail(f"units {out[k]} and {code} share the key {k!r} under one parent")
    return out


def load_converter(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def provinces_2024_to_2025(converter, old_rows, new_rows):
    """(old code, new code) for every old province, checked to be complete."""
    old = {key(name): code for code, name, level, _ in old_rows if level == "province"}
    new = {key(name): code for code, name, level, _ in new_rows if level == "province"}
    merged_into = converter["DICT_PROVINCE"]
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


def communes_2024_to_2025(converter, old_rows, new_rows, province_map):
    """(old commune, new commune, whole) rows, checked and summarised.

    The converter lists, under each new province, (a) each new ward with the
    old wards that went into it whole (`DICT_PROVINCE_WARD_NO_DIVIDED`:
    new ward key -> ["oldprovince_olddistrict_oldward", ...]) and (b) each
    old ward split among several new wards (`DICT_PROVINCE_WARD_DIVIDED`:
    old key -> [{"newWardKey", "isDefaultNewWard", coordinates...}]). Its own
    converter looks an old ward up in (a) first, then in (b), where without a
    street address it takes the `isDefaultNewWard` piece. Only the keys are
    taken here; the default flag (the package's guess for an address without
    a street) and the coordinates and areas are not.

    Keys are matched within their parents: an old key's district within its
    province, its ward within that district; a new ward within the new
    province it is listed under. The old island districts without communes
    appear with an empty ward ("tinhquangngai_huyenlyson_"); they hold no
    commune, so they are checked and reported but give no row.
    """
    name = {code: n for code, n, _, _ in old_rows}
    parent = {code: p for code, _, _, p in old_rows}
    children = collections.defaultdict(list)
    for code, n, level, p in old_rows:
        children[p].append((code, n))
    old_provinces = keyed(children[""])
    old_districts = {pc: keyed(children[pc]) for pc in old_provinces.values()}
    old_communes = {dc: keyed(children[dc]) for ds in old_districts.values() for dc in ds.values()}
    old_commune_codes = {c for c, _, level, _ in old_rows if level == "commune"}
    childless = {c for c, _, level, _ in old_rows if level == "district" and not children[c]}

    new_parent = {code: p for code, _, level, p in new_rows if level == "commune"}
    new_name = {code: n for code, n, _, _ in new_rows}
    new_children = collections.defaultdict(list)
    for code, n, level, p in new_rows:
        new_children[p].append((code, n))
    new_provinces = keyed(new_children[""])
    new_communes = {pc: keyed(new_children[pc]) for pc in new_provinces.values()}

    unmatched = []  # human-readable descriptions

    def new_province(pkey, table):
        if pkey not in new_provinces:
            fail(f"converter {table}: new province {pkey!r} is not in vn-2025")
        return new_provinces[pkey]

    def new_commune(province, wkey, table):
        code = new_communes[province].get(wkey)
        if code is None:
            unmatched.append(f"{table}: new ward {wkey!r} not found in vn-2025 province {province}")
        return code

    islands = {}  # old district -> new commune

    def old_commune(okey, table):
        """The old commune code for a converter key, None if it has none."""
        parts = okey.split("_")
        if len(parts) != 3:
            fail(f"converter {table}: old key {okey!r} is not province_district_ward")
        pk, dk, wk = parts
        pc = old_provinces.get(pk)
        dc = old_districts[pc].get(dk) if pc else None
        if dc is None:
            unmatched.append(f"{table}: old key {okey!r}: province or district not found in vn-2024")
            return None
        if wk == "":
            if dc not in childless:
                unmatched.append(f"{table}: old key {okey!r} names district {dc} without a ward")
            return ("district", dc)
        code = old_communes[dc].get(wk)
        if code is None:
            unmatched.append(f"{table}: old key {okey!r}: ward not found in district {dc} ({name[dc]})")
        return code

    rows = {}  # old commune -> list of (new commune, whole)
    listed_under = {}  # old commune -> new province whose tables list it

    def add(old, new, whole, province, okey):
        if old is None or new is None:
            return
        if isinstance(old, tuple):
            if old[1] in islands:
                fail(f"converter: island district {old[1]} listed twice")
            islands[old[1]] = new
            return
        if listed_under.setdefault(old, province) != province:
            fail(f"converter: old commune {old} ({okey!r}) is listed under two new provinces")
        pieces = rows.setdefault(old, [])
        if any(w for _, w in pieces) or (whole and pieces):
            fail(f"converter: old commune {old} ({okey!r}) is listed whole and again")
        if any(n == new for n, _ in pieces):
            fail(f"converter: old commune {old} ({okey!r}) lists new commune {new} twice")
        pieces.append((new, whole))

    table = "DICT_PROVINCE_WARD_NO_DIVIDED"
    for pkey, wards in converter[table].items():
        province = new_province(pkey, table)
        for wkey, okeys in wards.items():
            new = new_commune(province, wkey, table)
            for okey in okeys:
                add(old_commune(okey, table), new, 1, province, okey)
    table = "DICT_PROVINCE_WARD_DIVIDED"
    for pkey, splits in converter[table].items():
        province = new_province(pkey, table)
        for okey, pieces in splits.items():
            old = old_commune(okey, table)
            if len(pieces) < 2:
                fail(f"converter {table}: {okey!r} is split into {len(pieces)} new ward(s)")
            if sum(1 for p in pieces if p["isDefaultNewWard"]) != 1:
                print(f"  note: {okey!r} has no single default new ward")
            for piece in pieces:
                add(old, new_commune(province, piece["newWardKey"], table), 0, province, okey)

    # Invariants.
    missing = sorted(old_commune_codes - set(rows))
    for code in missing:
        unmatched.append(f"vn-2024 commune {code} {name[code]} ({name[parent[code]]}, "
                         f"{name[parent[parent[code]]]}) has no destination")
    if set(islands) != childless:
        fail(f"converter: island districts {sorted(islands)} are not the districts without communes {sorted(childless)}")
    for old, pieces in rows.items():
        want = province_map[parent[parent[old]]]
        if listed_under[old] != want:
            fail(f"converter: old commune {old} is listed under new province {listed_under[old]}, not {want}")
        for new, _ in pieces:
            if new_parent[new] != want:
                fail(f"converter: old commune {old} goes to {new} in province {new_parent[new]}, not {want}")
    for district, new in islands.items():
        if new_parent[new] != province_map[parent[district]]:
            fail(f"converter: island district {district} goes to {new} outside its new province")

    if unmatched:
        print(f"  UNMATCHED ({len(unmatched)}):")
        for u in unmatched:
            print(f"    {u}")
        if len(unmatched) > UNMATCHED_TOLERATED:
            fail(f"{len(unmatched)} converter entries or communes unmatched (at most {UNMATCHED_TOLERATED} tolerated)")

    # Summary.
    whole = sum(1 for p in rows.values() if p[0][1])
    split = collections.Counter(len(p) for p in rows.values() if not p[0][1])
    print(f"communes 2024 -> 2025: {len(rows)} of {len(old_commune_codes)} old communes "
          f"({len(missing)} without a destination)")
    print(f"  whole: {whole}; split: {sum(split.values())} ("
          + ", ".join(f"{n} into {k}" for k, n in sorted(split.items())) + ")")
    sources = collections.defaultdict(lambda: [0, 0])  # new -> [whole old, parts of old]
    for pieces in rows.values():
        for new, w in pieces:
            sources[new][0 if w else 1] += 1
    by_count = collections.Counter(sum(s) for s in sources.values())
    print(f"  new communes reached: {len(sources)} of {len(new_parent)}; by number of old communes "
          "(whole or part) forming them: " + ", ".join(f"{k}: {n}" for k, n in sorted(by_count.items())))
    only_whole = sum(1 for s in sources.values() if s[1] == 0)
    print(f"  formed of whole old communes only: {only_whole}; with part of a split one: {len(sources) - only_whole}; "
          f"of parts only: {sum(1 for s in sources.values() if s[0] == 0)}")
    unchanged = sum(1 for s in sources.values() if s == [1, 0])
    print(f"  one whole old commune and nothing else (renamed or unchanged): {unchanged}")
    for district, new in sorted(islands.items()):
        print(f"  island district {district} {name[district]} (no communes) -> {new} {new_name[new]}")
    unreached = sorted(set(new_parent) - set(sources) - set(islands.values()))
    if unreached:
        fail(f"new communes formed from no old unit: {unreached}")
    for new in sorted(set(islands.values()) & set(sources)):
        print(f"  note: {new} {new_name[new]} is formed of an island district and old communes")

    # The converter's split table conflates same-named old communes of one
    # new province: "Phường 4" of Tân An (Long An) and "Phường 4" of Tây
    # Ninh are each listed as split between Phường Long An and Phường Tân
    # Ninh. Such rows are kept (the true destination is among them, so a
    # user asked to map the split can always answer) but reported here.
    by_new = collections.defaultdict(list)
    for old, pieces in rows.items():
        for new, _ in pieces:
            by_new[new].append(old)
    doubtful = collections.defaultdict(list)  # old commune -> [(new, twin)]
    for old, pieces in sorted(rows.items()):
        for new, w in pieces:
            if w:
                continue
            twins = [o for o in by_new[new] if o != old and parent[o] != parent[old]
                     and key(name[o]) == key(name[old])]
            if twins:
                doubtful[old].append((new, twins))
    print(f"  doubtful splits: {len(doubtful)} split old communes have a piece in a new commune that also "
          f"takes a same-named old commune of another district ({sum(map(len, doubtful.values()))} rows):")
    for old, pieces in doubtful.items():
        print(f"    {old} {name[old]} ({name[parent[old]]}, {name[parent[parent[old]]]}) split into "
              + ", ".join(f"{n} {new_name[n]}" for n, _ in sorted(rows[old]))
              + "; doubtful: " + "; ".join(f"{n}, which also takes {', '.join(sorted(t))}" for n, t in sorted(pieces)))

    return sorted((old, new, w) for old, pieces in rows.items() for new, w in pieces)


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
        converter = load_converter(converter)
        pairs = provinces_2024_to_2025(converter, built["vn-2024"], built["vn-2025"])
        path = os.path.join(OUT, "provinces-2024-to-2025.csv")
        with open(path, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["code_2024", "code_2025"])
            w.writerows(pairs)
        print(f"provinces 2024 -> 2025: {len(pairs)} old provinces into {len(set(n for _, n in pairs))}")
        print(f"  wrote {os.path.normpath(path)}")
        communes = communes_2024_to_2025(converter, built["vn-2024"], built["vn-2025"], dict(pairs))
        path = os.path.join(OUT, "communes-2024-to-2025.csv")
        with open(path, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["code_2024", "code_2025", "whole"])
            w.writerows(communes)
        print(f"  wrote {os.path.normpath(path)} ({os.path.getsize(path)} bytes)")


if __name__ == "__main__":
    main()
