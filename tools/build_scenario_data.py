#!/usr/bin/python3
"""Build the migflow scenario input tables from the raw public data.

Reads the raw files described in <raw>/PROVENANCE.md and writes small, sorted,
UTF-8 CSV tables for the simulator to <out>:

    attributes.csv       id,year,population,gdp_pc,unemployment
    diaspora.csv         origin,destination,persons,year
    diaspora_2005.csv    origin,destination,persons
    distances.csv        from,to,distance_km,contiguous
    land_borders.csv     a,b
    partnerships.csv     partner,partner_iso3,signed,member_states
    readmission.csv      partner_iso3,entry_into_force

Only the Python standard library is used, and the output is deterministic
(rows sorted, floats written with a fixed number of decimals).  See
scenarios/data/README.md for the meaning, unit and source of every column.

Usage:  /usr/bin/python3 tools/build_scenario_data.py [--raw DIR] [--out DIR]
"""

import argparse
import csv
import math
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

MEMBER_STATES = (
    "AUT BEL BGR HRV CYP CZE DNK EST FIN FRA DEU GRC HUN IRL ITA LVA LTU LUX "
    "MLT NLD POL PRT ROU SVK SVN ESP SWE GBR NOR CHE"
).split()
PARTNERS = "CPV MDA GEO ARM AZE MAR TUN JOR BLR".split()
TRANSIT = (
    "TUR LBY DZA EGY UKR RUS SRB MKD ALB BIH MNE SEN MRT MLI NER SYR LBN IRQ "
    "AFG PAK NGA"
).split()
ORIGINS = PARTNERS + TRANSIT
ALL_COUNTRIES = sorted(set(MEMBER_STATES + ORIGINS))

FIRST_YEAR = 2000
LAST_YEAR = 2023
DIASPORA_YEARS = (2005, 2010, 2015, 2020)
DIASPORA_START_YEAR = 2005

# CEPII GeoDist uses legacy codes.  ISO3 -> CEPII code for the included
# countries whose code differs.  Montenegro has no CEPII row of its own
# (CEPII's YUG = Serbia and Montenegro, main city Belgrade); see mne_distance.
CEPII_CODE = {"ROU": "ROM", "SRB": "YUG"}
NOT_IN_CEPII = {"MNE"}

EARTH_RADIUS_KM = 6371.0


# ---------------------------------------------------------------- helpers

def read_rows(path):
    """Return the rows of a CSV file as a list of dicts."""
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def write_rows(path, header, rows):
    """Write a header and rows as UTF-8 CSV with '\\n' line endings."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    print(f"wrote {path} ({len(rows)} rows)")


def to_float(text):
    """Parse a number; an empty cell gives None."""
    text = text.strip()
    return float(text) if text else None


def fmt(value, decimals):
    """Format a float with fixed decimals; None gives an empty cell."""
    return "" if value is None else f"{value:.{decimals}f}"


def year_month(date):
    """'YYYY-MM-DD' -> 'YYYY-MM' (empty stays empty)."""
    return date.strip()[:7]


def great_circle_km(a, b):
    """Haversine distance in km between two (lat, lon) points in degrees."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


# ------------------------------------------------------------- attributes

def working_age(population, dependency_ratio):
    """Population aged 15-64 from total population and the age dependency
    ratio (dependants aged <15 or >64 per 100 persons aged 15-64)."""
    if population is None or dependency_ratio is None:
        return None
    return population / (1 + dependency_ratio / 100)


def attribute_row(wdi):
    """One attributes.csv row from one WDI country-year row."""
    pop = working_age(to_float(wdi["population"]), to_float(wdi["age_dependency_ratio"]))
    gdp_pc = to_float(wdi["gdp_pc_ppp_const2021_intl_usd"])
    unemp_pct = to_float(wdi["unemployment_pct_labour_force"])
    unemployment = None if unemp_pct is None else unemp_pct / 100
    return [wdi["iso3"], wdi["year"],
            "" if pop is None else str(round(pop)),
            fmt(gdp_pc, 2), fmt(unemployment, 5)]


def build_attributes(raw):
    wanted = set(ALL_COUNTRIES)
    rows = [attribute_row(r) for r in read_rows(raw / "wdi_country_indicators.csv")
            if r["iso3"] in wanted and FIRST_YEAR <= int(r["year"]) <= LAST_YEAR]
    rows.sort(key=lambda r: (r[0], int(r[1])))
    return rows


# --------------------------------------------------------------- diaspora

def diaspora_cells(raw):
    """Yield (origin, destination, year, persons) for the included corridors,
    skipping missing and zero cells."""
    origins, destinations = set(ORIGINS), set(MEMBER_STATES)
    for r in read_rows(raw / "undesa_ims2020_bilateral_stock.csv"):
        if r["orig_iso3"] not in origins or r["dest_iso3"] not in destinations:
            continue
        for year in DIASPORA_YEARS:
            value = to_float(r[f"stock_{year}"])
            if value is not None and round(value) > 0:
                yield r["orig_iso3"], r["dest_iso3"], year, round(value)


def build_diaspora(raw):
    cells = sorted(diaspora_cells(raw))
    by_year = [[o, d, str(p), str(y)] for o, d, y, p in cells]
    start = [[o, d, str(p)] for o, d, y, p in cells if y == DIASPORA_START_YEAR]
    return by_year, start


# -------------------------------------------------------------- geography

def cepii_pairs(raw):
    """{(iso_o, iso_d): (dist_km, contig)} in CEPII codes."""
    return {(r["iso_o"], r["iso_d"]): (float(r["dist"]), int(r["contig"]))
            for r in read_rows(raw / "cepii_geodist_dist.csv")}


def cepii_main_cities(raw):
    """{cepii_code: (lat, lon)} of each country's main city (maincity == 1)."""
    return {r["iso3"]: (float(r["lat"]), float(r["lon"]))
            for r in read_rows(raw / "cepii_geodist_geo.csv") if r["maincity"] == "1"}


def approx_centres(raw):
    """{iso3: (lat, lon)} approximate country centres from world-countries."""
    return {r["iso3"]: (float(r["lat_approx"]), float(r["lon_approx"]))
            for r in read_rows(raw / "countries_reference.csv")
            if r["lat_approx"] and r["lon_approx"]}


def land_border_set(raw):
    """Unordered land-border pairs {frozenset({a, b})} among included countries."""
    wanted = set(ALL_COUNTRIES)
    return {frozenset((r["iso3_a"], r["iso3_b"]))
            for r in read_rows(raw / "land_borders.csv")
            if r["iso3_a"] in wanted and r["iso3_b"] in wanted}


def cepii(iso3):
    return CEPII_CODE.get(iso3, iso3)


def pair_distance(a, b, pairs, cities, centres):
    """Distance in km for an ordered pair; Montenegro is computed (see README)."""
    if a in NOT_IN_CEPII or b in NOT_IN_CEPII:
        other = b if a in NOT_IN_CEPII else a
        return great_circle_km(centres["MNE"], cities[cepii(other)])
    return pairs[(cepii(a), cepii(b))][0]


def pair_contiguity(a, b, pairs, borders):
    """CEPII contig, except for Serbia/Montenegro, whose CEPII row is the
    union 'Serbia and Montenegro'; for them use the land-border list."""
    if {a, b} & {"SRB", "MNE"}:
        return int(frozenset((a, b)) in borders)
    return pairs[(cepii(a), cepii(b))][1]


def build_distances(raw):
    pairs, cities = cepii_pairs(raw), cepii_main_cities(raw)
    centres, borders = approx_centres(raw), land_border_set(raw)
    rows = []
    for a in ALL_COUNTRIES:
        for b in ALL_COUNTRIES:
            if a == b:
                continue
            km = pair_distance(a, b, pairs, cities, centres)
            rows.append([a, b, fmt(km, 1), str(pair_contiguity(a, b, pairs, borders))])
    return rows


def build_land_borders(raw):
    return sorted(sorted(pair) for pair in land_border_set(raw))


# ----------------------------------------------------------------- policy

def build_partnerships(raw):
    rows = []
    for r in read_rows(raw / "eu_mobility_partnerships.csv"):
        states = " ".join(sorted(r["member_states_iso3"].split(";")))
        rows.append([r["partner"], r["partner_iso3"], year_month(r["signing_date"]), states])
    rows.sort(key=lambda r: (r[2], r[1]))
    return rows


def build_readmission(raw):
    wanted = set(ORIGINS)
    rows = [[r["partner_iso3"], year_month(r["entry_into_force_date"])]
            for r in read_rows(raw / "eu_readmission_agreements.csv")
            if r["partner_iso3"] in wanted and r["entry_into_force_date"].strip()]
    return sorted(rows)


# ------------------------------------------------------------ observations

def build_detections(raw):
    """Frontex detections of illegal border crossings of the origins' nationals, summed
    over the months of each whole year (2009-2024; 2025 is partial), by route and border type."""
    wanted = set(ORIGINS)
    totals = {}
    for r in read_rows(raw / "frontex_ibc_detections_monthly.csv"):
        year = int(r["month"][:4])
        if r["nationality_iso3"] not in wanted or year > 2024:
            continue
        key = (r["nationality_iso3"], year, r["route"], r["border_type"])
        totals[key] = totals.get(key, 0) + int(r["detections"])
    return [[o, y, route, border, n] for (o, y, route, border), n in sorted(totals.items()) if n > 0]


# ------------------------------------------------------------------- main

def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--raw", type=Path, default=REPO.parent / "shared" / "data" / "raw",
                        help="folder with the raw CSV files (default: %(default)s)")
    parser.add_argument("--out", type=Path, default=REPO / "scenarios" / "data",
                        help="output folder (default: %(default)s)")
    return parser.parse_args()


def main():
    args = parse_args()
    raw, out = args.raw, args.out
    out.mkdir(parents=True, exist_ok=True)

    write_rows(out / "attributes.csv", ["id", "year", "population", "gdp_pc", "unemployment"],
               build_attributes(raw))
    by_year, start = build_diaspora(raw)
    write_rows(out / "diaspora.csv", ["origin", "destination", "persons", "year"], by_year)
    write_rows(out / "diaspora_2005.csv", ["origin", "destination", "persons"], start)
    write_rows(out / "distances.csv", ["from", "to", "distance_km", "contiguous"],
               build_distances(raw))
    write_rows(out / "land_borders.csv", ["a", "b"], build_land_borders(raw))
    write_rows(out / "partnerships.csv", ["partner", "partner_iso3", "signed", "member_states"],
               build_partnerships(raw))
    write_rows(out / "readmission.csv", ["partner_iso3", "entry_into_force"],
               build_readmission(raw))
    write_rows(out / "frontex_detections.csv", ["origin", "year", "route", "border_type", "detections"],
               build_detections(raw))


if __name__ == "__main__":
    main()
