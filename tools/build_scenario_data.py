#!/usr/bin/python3
"""Build the migflow scenario input tables from the raw public data.

Reads the raw files described in <raw>/PROVENANCE.md and writes small, sorted,
UTF-8 CSV tables for the simulator to <out>:

    attributes.csv              id,year,population,gdp_pc,unemployment
    destinations_outside_eu.csv partner,destination,persons_2005,cumulative_share
    diaspora.csv                origin,destination,persons,year  (UN DESA 2020 revision)
    diaspora_rev2024.csv        origin,destination,persons,year  (UN DESA 2024 revision)
    diaspora_2005.csv           origin,destination,persons
    diaspora_2024.csv           origin,destination,persons,year  (UN DESA 2024 revision, 2024)
    distances.csv               from,to,distance_km,contiguous
    land_borders.csv            a,b
    partnerships.csv            partner,partner_iso3,signed,member_states
    readmission.csv             partner_iso3,entry_into_force
    visa_regimes.csv            partner_iso3,instrument,in_force,verified
    frontex_detections.csv      origin,year,route,border_type,detections
    asylum_applications.csv     origin,destination,year,applicants
    refugees_hosted.csv         host,origin,year,refugees  (UNHCR)
    employment_permits.csv      origin,destination,year,permits
    enforcement.csv             origin,destination,year,ordered_to_leave,returned_to_third_country,
                                returned_total,illegally_present
    visas.csv                   origin,destination,year,c_applied,c_issued,c_not_issued
    remittances.csv             origin,year,received_current_usd,received_pct_gdp,
                                received_const2021_usd
    pair_ties.csv               origin,destination,contig,comlang_off,comlang_ethno,colony,comcol,smctry
    valid_permits.csv           origin,destination,year,valid_permits
    immigration.csv             origin,destination,year,immigrants
    romanian_citizenship_mda.csv  year,restorations
    irregular_population_estimates.csv  area,year,low,high,includes_waiting_asylum_seekers,source_id

Only the Python standard library is used, and the output is deterministic
(rows sorted, floats written with a fixed number of decimals).  See
scenarios/data/README.md for the meaning, unit and source of every column.

Usage:  /usr/bin/python3 tools/build_scenario_data.py [--raw DIR] [--out DIR]
        (default raw folder: <repo>/data/raw, described in data/raw/PROVENANCE.md)
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

# Destinations outside the EU: for each partner, the largest non-EU destinations of its
# 2005 diaspora (UN DESA 2020 revision), taken in order until they hold, with the
# Member States, OUTSIDE_EU_SHARE of the diaspora (the baseline issue's rule). Pairs
# across a border closed to all travel for the whole period are left out of both the
# candidates and the total: Armenians born in Azerbaijan and Azerbaijanis born in
# Armenia (26% and 19% of the two diasporas) are the legacy of the 1988-1994 war, and
# no one has moved between the two since. See destinations_outside_eu.csv.
OUTSIDE_EU_SHARE = 0.9
NO_MIGRATION_PAIRS = {frozenset(("ARM", "AZE"))}

FIRST_YEAR = 2000
LAST_YEAR = 2023
# Years after the data that attributes.csv projects (WPP 2024 and SSP paths are five-yearly).
PROJECTED_YEARS = (2025, 2030, 2035, 2040, 2045, 2050)
# The SSP paths of GDP per head written besides the default (SSP2): attributes_<ssp>.csv.
SSP_VARIANTS = ("SSP1", "SSP3")
DIASPORA_YEARS = (2005, 2010, 2015, 2020)
DIASPORA_START_YEAR = 2005

# CEPII GeoDist uses legacy codes.  ISO3 -> CEPII code for the included
# countries whose code differs.  Montenegro has no CEPII row of its own
# (CEPII's YUG = Serbia and Montenegro, main city Belgrade); see mne_distance.
CEPII_CODE = {"ROU": "ROM", "SRB": "YUG", "PSE": "PAL"}
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


def build_attributes(raw, countries, ssp="SSP2"):
    """The WDI's years, then the projected years: the working-age population of WPP
    2024's medium variant and GDP per head on the path of `ssp` (PROJECTED_YEARS)."""
    wanted = set(countries)
    rows = [attribute_row(r) for r in read_rows(raw / "wdi_country_indicators.csv")
            if r["iso3"] in wanted and FIRST_YEAR <= int(r["year"]) <= LAST_YEAR]
    last_gdp_pc = {r[0]: float(r[3]) for r in rows if r[1] == str(LAST_YEAR) and r[3]}
    population = projected_working_age(raw, wanted)
    gdp_pc = projected_gdp_pc(raw, last_gdp_pc, ssp)
    for iso3 in sorted(wanted):
        for year in PROJECTED_YEARS:
            pop, gdp = population.get((iso3, year)), gdp_pc.get((iso3, year))
            if pop is not None or gdp is not None:
                rows.append([iso3, str(year), "" if pop is None else str(pop), fmt(gdp, 2), ""])
    rows.sort(key=lambda r: (r[0], int(r[1])))
    return rows


def projected_working_age(raw, wanted):
    """{(iso3, year): population aged 15-64} for the projected years: WPP 2024 medium
    variant, 1 July (thousands x 1,000, rounded). The WDI's 15-64 (total population and
    age dependency ratio) is WPP 2024 too: they agree to the person in 2005 and 2020."""
    out = {}
    for r in read_rows(raw / "wpp2024_pop15_64_quinquennial_derived.csv"):
        year = int(r["year"])
        if r["iso3"] in wanted and r["variant"] == "medium" and year in PROJECTED_YEARS:
            out[(r["iso3"], year)] = round(float(r["pop_15_64_thousands"]) * 1000)
    return out


def projected_gdp_pc(raw, last_gdp_pc, ssp):
    """{(iso3, year): GDP per head} for the projected years: the WDI's LAST_YEAR level
    (PPP, constant 2021 $) grown as the SSP database's path `ssp` grows (OECD ENV-Growth
    2023 marker, PPP 2017 $ per head; LAST_YEAR's value log-linear between its five-yearly
    2020 and 2025). Only growth is taken from the SSP: its levels use other prices."""
    path = {}
    for r in read_rows(raw / "ssp_gdp_population_projections.csv"):
        if r["model"] == "OECD ENV-Growth 2023" and r["scenario"] == ssp and r["gdp_ppp_per_capita_usd2017"]:
            path.setdefault(r["iso3"], {})[int(r["year"])] = float(r["gdp_ppp_per_capita_usd2017"])
    out = {}
    for iso3, level in last_gdp_pc.items():
        p = path.get(iso3)
        if not p or 2020 not in p or 2025 not in p:
            continue
        w = (LAST_YEAR - 2020) / 5
        base = math.exp((1 - w) * math.log(p[2020]) + w * math.log(p[2025]))
        for year in PROJECTED_YEARS:
            if year in p:
                out[(iso3, year)] = level * p[year] / base
    return out


# --------------------------------------------------------------- diaspora

def outside_eu_destinations(raw):
    """{partner: [(destination, persons_2005, cumulative share)]} by the rule above
    (OUTSIDE_EU_SHARE), from the UN DESA 2020 revision's 2005 stocks."""
    stocks = {}
    for r in read_rows(raw / "undesa_ims2020_bilateral_stock.csv"):
        o, d, value = r["orig_iso3"], r["dest_iso3"], to_float(r["stock_2005"])
        if o in PARTNERS and value and frozenset((o, d)) not in NO_MIGRATION_PAIRS:
            stocks.setdefault(o, {})[d] = value
    out = {}
    for p in PARTNERS:
        total = sum(stocks[p].values())
        covered = sum(v for d, v in stocks[p].items() if d in MEMBER_STATES)
        rest = sorted(((-v, d) for d, v in stocks[p].items() if d not in MEMBER_STATES and d != "OOO"))
        out[p] = []
        for minus_v, d in rest:
            if covered >= OUTSIDE_EU_SHARE * total:
                break
            covered -= minus_v
            out[p].append((d, round(-minus_v), covered / total))
    return out


def diaspora_cells(raw, revision_file, destinations_of, years=DIASPORA_YEARS):
    """Yield (origin, destination, year, persons) for the included corridors of one
    UN DESA revision, skipping missing and zero cells. `destinations_of(origin)` is
    the set of destinations kept for that origin."""
    for r in read_rows(raw / revision_file):
        o, d = r["orig_iso3"], r["dest_iso3"]
        if o not in ORIGINS or d not in destinations_of(o):
            continue
        for year in years:
            value = to_float(r.get(f"stock_{year}", ""))
            if value is not None and round(value) > 0:
                yield o, d, year, round(value)


def build_diaspora(raw, outside):
    """Both revisions' stocks of every origin in the Member States and of the partners
    in every destination outside the EU (any partner's: a partner's own list is chosen
    in the scenarios), and the 2005 start from the 2020 revision."""
    non_eu = {d for dests in outside.values() for d, _, _ in dests}
    destinations_of = lambda o: set(MEMBER_STATES) | (non_eu - {o} if o in PARTNERS else set())
    tables = {}
    for name, revision_file in (("rev2020", "undesa_ims2020_bilateral_stock.csv"),
                                ("rev2024", "undesa_ims2024_bilateral_stock.csv")):
        cells = sorted(diaspora_cells(raw, revision_file, destinations_of))
        tables[name] = [[o, d, str(p), str(y)] for o, d, y, p in cells]
    start = [[o, d, p] for o, d, p, y in tables["rev2020"] if y == str(DIASPORA_START_YEAR)]
    cells_2024 = diaspora_cells(raw, "undesa_ims2024_bilateral_stock.csv", destinations_of, (2024,))
    latest = [[o, d, str(p), str(y)] for o, d, y, p in sorted(cells_2024)]
    return tables["rev2020"], tables["rev2024"], start, latest


def build_outside_eu(outside):
    return [[p, d, str(n), f"{share:.4f}"] for p in PARTNERS for d, n, share in outside[p]]


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


def land_border_set(raw, countries):
    """Unordered land-border pairs {frozenset({a, b})} among included countries."""
    wanted = set(countries)
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


def build_distances(raw, countries):
    pairs, cities = cepii_pairs(raw), cepii_main_cities(raw)
    centres, borders = approx_centres(raw), land_border_set(raw, countries)
    rows = []
    for a in countries:
        for b in countries:
            if a == b:
                continue
            km = pair_distance(a, b, pairs, cities, centres)
            rows.append([a, b, fmt(km, 1), str(pair_contiguity(a, b, pairs, borders))])
    return rows


def build_land_borders(raw, countries):
    return sorted(sorted(pair) for pair in land_border_set(raw, countries))


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


def build_visa_regimes(raw):
    """EU visa facilitation and liberalisation per partner, with the date each took
    effect (YYYY-MM-DD) and whether the date was read in the cited source."""
    kinds = {"visa facilitation agreement": "facilitation",
             "visa liberalisation (visa-free short stays with a biometric passport)": "liberalisation"}
    rows = []
    for r in read_rows(raw / "eu_visa_regimes.csv"):
        if r["partner_iso3"] in PARTNERS and r["instrument"] in kinds:
            rows.append([r["partner_iso3"], kinds[r["instrument"]], r["in_force_date"], r["verified"]])
    return sorted(rows, key=lambda r: (r[0], r[2]))


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


def build_asylum(raw):
    """First-time asylum applicants who are partner nationals, per Member State (EU-27,
    GBR, NOR, CHE as reported) and year, both sexes summed."""
    totals = {}
    for r in read_rows(raw / "eurostat_migr_asyappctza_first_time_by_citizenship.csv"):
        o, d = r["citizenship_iso3"], r["reporting_iso3"]
        value = to_float(r["applicants"])
        if o in PARTNERS and d in MEMBER_STATES and value:
            key = (o, d, int(r["year"]))
            totals[key] = totals.get(key, 0) + value
    return [[o, d, y, round(n)] for (o, d, y), n in sorted(totals.items()) if round(n) > 0]


# Eurostat's English citizenship labels of the partners in migr_resfirst.
CITIZENSHIP_LABEL = {"Cabo Verde": "CPV", "Moldova": "MDA", "Georgia": "GEO", "Armenia": "ARM",
                     "Azerbaijan": "AZE", "Morocco": "MAR", "Tunisia": "TUN", "Jordan": "JOR",
                     "Belarus": "BLR"}


def build_permits(raw):
    """First residence permits for employment issued to partner nationals, per Member
    State and year. The source lists only each state's top citizenships: an absent row
    means 'not among them', not zero."""
    rows = []
    for r in read_rows(raw / "eurostat_migr_resfirst_employment_top_citizenships.csv"):
        o = CITIZENSHIP_LABEL.get(r["citizenship_group"])
        if o and r["reporting_iso3"] in MEMBER_STATES and r["first_permits_employment"].strip():
            rows.append([o, r["reporting_iso3"], int(r["year"]), int(r["first_permits_employment"])])
    return sorted(rows)


# Refugee populations hosted by partners and transit countries that resettlement
# programmes draw on (policies/protection_resettlement): Syrians in Jordan, Turkey and
# Lebanon, the largest such populations near the EU's partners.
HOSTED_REFUGEES = [("JOR", "SYR"), ("TUR", "SYR"), ("LBN", "SYR")]


def build_refugees(raw):
    """UNHCR end-year refugee stocks (group 'refugee') per (host, origin) pair and year."""
    wanted = set(HOSTED_REFUGEES)
    rows = []
    for r in read_rows(raw / "unhcr_forcibly_displaced_selected.csv"):
        if (r["asylum_iso3"], r["origin_iso3"]) in wanted and r["group"] == "refugee":
            rows.append([r["asylum_iso3"], r["origin_iso3"], int(r["year"]), int(float(r["persons"]))])
    return sorted(rows)


# ------------------------------------------------- Eurostat names to ISO3

# Eurostat's English names of reporting countries, as written in the raw files that
# carry names rather than codes (the post-2014 extractions in data/raw). An exact
# table, no fuzzy matching; a name not in it (and not in EUROSTAT_GEO_IGNORED)
# stops the script, so a new spelling cannot be dropped silently.
EUROSTAT_GEO = {
    "Austria": "AUT", "Belgium": "BEL", "Bulgaria": "BGR", "Croatia": "HRV", "Cyprus": "CYP",
    "Czechia": "CZE", "Denmark": "DNK", "Estonia": "EST", "Finland": "FIN", "France": "FRA",
    "Germany": "DEU", "Greece": "GRC", "Hungary": "HUN", "Iceland": "ISL", "Ireland": "IRL",
    "Italy": "ITA", "Latvia": "LVA", "Liechtenstein": "LIE", "Lithuania": "LTU",
    "Luxembourg": "LUX", "Malta": "MLT", "Montenegro": "MNE", "Netherlands": "NLD",
    "Norway": "NOR", "Poland": "POL", "Portugal": "PRT", "Romania": "ROU", "Slovakia": "SVK",
    "Slovenia": "SVN", "Spain": "ESP", "Sweden": "SWE", "Switzerland": "CHE",
    "United Kingdom": "GBR",
}
# Reporting units that are not among the 30 Member States and have no ISO3 here:
# the EU aggregate and the non-European or candidate countries that report
# immigration to Eurostat (migr_imm1ctz).
EUROSTAT_GEO_IGNORED = {
    "European Union - 27 countries (from 2020)", "Andorra", "Armenia", "Azerbaijan", "Belarus",
    "Bosnia and Herzegovina", "Kyrgyzstan", "Moldova", "North Macedonia", "Russia",
    "San Marino", "Tajikistan", "United States", "Uzbekistan",
}


def eurostat_geo(name):
    """ISO3 of a Eurostat reporting-country name, or None for an ignored unit."""
    if name in EUROSTAT_GEO:
        return EUROSTAT_GEO[name]
    if name in EUROSTAT_GEO_IGNORED:
        return None
    raise ValueError(f"unknown Eurostat reporting country {name!r}")


def to_count(text):
    """A count written as '35', '35.0' or '' (missing) -> int or None."""
    value = to_float(text)
    return None if value is None else round(value)


def count_cell(value):
    return "" if value is None else str(value)


# ------------------------------------------------------------ enforcement

def reported_citizenship_cells(rows, geo_col, year_col, citizen_col, value_col):
    """{(partner, Member State, year): count or None} from an extraction whose compiler
    dropped the zero cells (data/raw/PROVENANCE.md). A state-year is reported when the
    file has a row of that state and year for any citizenship; a partner cell absent
    from a reported state-year was a zero, so it is given 0."""
    values, reported = {}, set()
    for r in rows:
        state = eurostat_geo(r[geo_col])
        if state not in MEMBER_STATES:
            continue
        year = int(r[year_col])
        reported.add((state, year))
        o = CITIZENSHIP_LABEL.get(r[citizen_col])
        if o:
            values[(o, state, year)] = to_count(r[value_col])
    for state, year in reported:
        for o in PARTNERS:
            values.setdefault((o, state, year), 0)
    return values


def iso3_citizenship_cells(rows, value_col, years=None):
    """{(partner, state, year): count or None} from a Deutsche Welle extraction
    (reporting_iso3, citizenship_iso3; zero cells kept, ':' written as empty)."""
    values = {}
    for r in rows:
        o, d, year = r["citizenship_iso3"], r["reporting_iso3"], int(r["year"])
        if o in PARTNERS and d in MEMBER_STATES and (years is None or year in years):
            values[(o, d, year)] = to_count(r[value_col])
    return values


# migr_eipre: the 2017 Deutsche Welle extraction is used for 2012 only; the 2024/25
# extraction (NATIX) for 2013 on, because it carries Eurostat's later revisions.
EIPRE_DW_YEARS = {2012}


def build_enforcement(raw):
    """Orders to leave, returns and persons found illegally present, per partner
    nationality, Member State and year (Eurostat migr_eiord, migr_eirtn, migr_eipre)."""
    ordered = iso3_citizenship_cells(read_rows(raw / "eurostat_migr_eiord_by_citizenship.csv"),
                                     "persons_ordered_to_leave")
    returned_total = iso3_citizenship_cells(
        read_rows(raw / "eurostat_migr_eirtn_returned_total_by_citizenship_2012_2016.csv"),
        "persons_returned_total")
    returned_third = reported_citizenship_cells(
        read_rows(raw / "eurostat_migr_eirtn_returned_to_third_country_by_citizenship.csv"),
        "reporting_country", "year", "citizenship", "persons_returned")
    present = iso3_citizenship_cells(
        read_rows(raw / "eurostat_migr_eipre_illegally_present_by_citizenship.csv"),
        "persons_illegally_present", EIPRE_DW_YEARS)
    present.update(reported_citizenship_cells(
        read_rows(raw / "eurostat_migr_eipre_by_citizenship_2013_2024.csv"),
        "geo", "year", "citizen", "Illegal Third Country Nationals"))
    columns = (ordered, returned_third, returned_total, present)
    rows = []
    for key in sorted(set().union(*columns)):
        values = [c.get(key) for c in columns]
        if any(v is not None for v in values):
            rows.append([*key, *map(count_cell, values)])
    return rows


# ------------------------------------------------------------------ visas

# 2023, France, "MOROCCO", consulate city ORAN: Oran is in Algeria; the row (73,215
# applications) is Algerian demand filed under Morocco in the Commission's workbook.
VISA_ROWS_DROPPED = {("2023", "FRA", "MAR", "ORAN")}
# The 2009 workbook mixes in national visas of three states then outside Schengen.
VISA_NATIONAL_2009 = {"BGR", "CYP", "ROU"}


def build_visas(raw):
    """Schengen short-stay (C) visa applications and decisions at the consulates of
    each Schengen state located in each partner, summed over consulate cities."""
    sums = {}
    for r in read_rows(raw / "schengen_visa_statistics_consulates.csv"):
        o, d, year = r["consulate_country_iso3"], r["schengen_state_iso3"], r["year"]
        if (year, d, o, r["consulate_city"]) in VISA_ROWS_DROPPED:
            continue
        if year == "2009" and d in VISA_NATIONAL_2009:
            continue
        if o not in PARTNERS or d not in MEMBER_STATES:
            continue
        # 2009-2010 have no C-only refusal column: their A+B+C total is used.
        not_issued = r["total_not_issued"] if year in ("2009", "2010") else r["c_not_issued"]
        cells = [to_count(r["c_applied"]), to_count(r["c_issued"]), to_count(not_issued)]
        key = (o, d, int(year))
        if key not in sums:
            sums[key] = cells
        else:
            # a sum with an empty cell in any of its cities is unknown
            sums[key] = [None if a is None or b is None else a + b for a, b in zip(sums[key], cells)]
    return [[*key, *map(count_cell, cells)] for key, cells in sorted(sums.items())
            if any(c is not None for c in cells)]


def build_short_stays(visas, regimes):
    """Visits on short stays, the simulation's input: the C visas issued at each
    Schengen state's consulates in a partner per year (the rows of build_visas with a
    count of issued visas), and the regime they were issued under: facilitation from
    the first whole year with a visa facilitation agreement in force, else none. The
    years from a visa liberalisation on are left out (visa-free travellers need no visa,
    so the counts no longer measure visits); the simulation holds the last year before
    and scales it by the liberalisation's effect."""
    facilitation, liberalisation = {}, {}
    for partner, kind, date, _ in regimes:
        year = int(date[:4])
        if kind == "facilitation":  # the first whole year in force
            facilitation[partner] = year if date[5:10] == "01-01" else year + 1
        else:  # the year it took effect, the first with visa-free travel
            liberalisation[partner] = year
    rows = []
    for o, d, year, _, issued, _ in visas:
        if issued == "" or year >= liberalisation.get(o, 9999):
            continue
        facilitated = facilitation.get(o)
        regime = "facilitation" if facilitated is not None and year >= facilitated else "none"
        rows.append([o, d, year, issued, regime])
    return rows


# ------------------------------------------------------------ remittances

REMITTANCE_BASE_YEAR = 2021


def us_cpi_index(wdi_rows):
    """{year: US consumer price index, REMITTANCE_BASE_YEAR = 1} chained from WDI's
    US CPI inflation (FP.CPI.TOTL.ZG, % per year)."""
    inflation = {int(r["year"]): to_float(r["inflation_cpi_pct"])
                 for r in wdi_rows if r["iso3"] == "USA" and r["inflation_cpi_pct"].strip()}
    index = {REMITTANCE_BASE_YEAR: 1.0}
    year = REMITTANCE_BASE_YEAR
    while year + 1 in inflation:
        index[year + 1] = index[year] * (1 + inflation[year + 1] / 100)
        year += 1
    year = REMITTANCE_BASE_YEAR
    while year in inflation:
        index[year - 1] = index[year] / (1 + inflation[year] / 100)
        year -= 1
    return index


def build_remittances(raw):
    """Personal remittances received by each partner (WDI), in current US$, as a share
    of GDP, and in constant 2021 US$ (deflated by the US CPI)."""
    wdi = read_rows(raw / "wdi_country_indicators.csv")
    cpi = us_cpi_index(wdi)
    rows = []
    for r in wdi:
        received = to_float(r["remittances_received_current_usd"])
        if r["iso3"] not in PARTNERS or received is None:
            continue
        year = int(r["year"])
        deflator = cpi.get(year)
        constant = None if deflator is None else received / deflator
        rows.append([r["iso3"], year, fmt(received, 0),
                     fmt(to_float(r["remittances_received_pct_gdp_derived"]), 4), fmt(constant, 0)])
    return sorted(rows)


# -------------------------------------------------------------- pair ties

PAIR_TIES = ("contig", "comlang_off", "comlang_ethno", "colony", "comcol", "smctry")


def build_pair_ties(raw, outside):
    """CEPII GeoDist language, colonial and border ties of each partner with every
    destination of the world: the 30 Member States and the destinations outside the EU."""
    ties = {(r["iso_o"], r["iso_d"]): [r[c] for c in PAIR_TIES]
            for r in read_rows(raw / "cepii_geodist_dist.csv")}
    non_eu = {d for dests in outside.values() for d, _, _ in dests}
    rows = []
    for o in PARTNERS:
        for d in sorted(set(MEMBER_STATES) | non_eu):
            if d != o:
                rows.append([o, d, *ties[(cepii(o), cepii(d))]])
    return rows


# ------------------------------------------------- permits and immigration

def partner_state_year_counts(path, citizen_col, value_col):
    """{(partner, Member State, year): count or None} from a name-coded Eurostat
    extraction that keeps its zero cells."""
    values = {}
    for r in read_rows(path):
        o, d = CITIZENSHIP_LABEL.get(r[citizen_col]), eurostat_geo(r["geo"])
        if o and d in MEMBER_STATES:
            values[(o, d, int(r["year"]))] = to_count(r[value_col])
    return [[*key, count_cell(v)] for key, v in sorted(values.items())]


def build_valid_permits(raw):
    """Valid residence permits held by partner nationals on 31 December (migr_resvalid)."""
    return partner_state_year_counts(raw / "eurostat_migr_resvalid_by_citizenship_30_origins.csv",
                                     "Country of citizenship", "Migrants number")


def build_immigration(raw):
    """Immigrants of partner citizenship arriving in each Member State (migr_imm1ctz)."""
    return partner_state_year_counts(raw / "eurostat_migr_imm1ctz_by_citizenship_30_origins.csv",
                                     "Country of citizenship", "Migrants number")


# ------------------------------------------ hand-typed published figures

def build_romanian_citizenship(raw):
    """Positive decisions restoring Romanian citizenship to citizens of Moldova, per
    year (a published table, data/raw/PROVENANCE.md section 9). The 1991-2002 total
    (about 85,500, not by year) is left out of the yearly table."""
    return [[int(r["year_from"]), int(r["persons"])]
            for r in read_rows(raw / "romanian_citizenship_restored_moldova.csv")
            if r["year_from"] == r["year_to"]]


def build_irregular_estimates(raw):
    """Published estimates (low, high) of the irregular migrant population in Europe."""
    rows = [[r["area"], int(r["year"]), int(r["low"]), int(r["high"]),
             r["includes_waiting_asylum_seekers"], r["source_id"]]
            for r in read_rows(raw / "irregular_migrant_population_estimates.csv")]
    return sorted(rows, key=lambda r: (r[0], r[1]))


# ------------------------------------------------------------------- main

def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--raw", type=Path, default=REPO / "data" / "raw",
                        help="folder with the raw CSV files (default: %(default)s)")
    parser.add_argument("--out", type=Path, default=REPO / "scenarios" / "data",
                        help="output folder (default: %(default)s)")
    return parser.parse_args()


def main():
    args = parse_args()
    raw, out = args.raw, args.out
    out.mkdir(parents=True, exist_ok=True)

    outside = outside_eu_destinations(raw)
    countries = sorted(set(MEMBER_STATES + ORIGINS) | {d for v in outside.values() for d, _, _ in v})

    write_rows(out / "attributes.csv", ["id", "year", "population", "gdp_pc", "unemployment"],
               build_attributes(raw, countries))
    for ssp in SSP_VARIANTS:
        write_rows(out / f"attributes_{ssp.lower()}.csv", ["id", "year", "population", "gdp_pc", "unemployment"],
                   build_attributes(raw, countries, ssp))
    write_rows(out / "destinations_outside_eu.csv", ["partner", "destination", "persons_2005", "cumulative_share"],
               build_outside_eu(outside))
    rev2020, rev2024, start, latest = build_diaspora(raw, outside)
    write_rows(out / "diaspora.csv", ["origin", "destination", "persons", "year"], rev2020)
    write_rows(out / "diaspora_rev2024.csv", ["origin", "destination", "persons", "year"], rev2024)
    write_rows(out / "diaspora_2005.csv", ["origin", "destination", "persons"], start)
    write_rows(out / "diaspora_2024.csv", ["origin", "destination", "persons", "year"], latest)
    write_rows(out / "diaspora_2024_start.csv", ["origin", "destination", "persons"],
               [[o, d, p] for o, d, p, _ in latest])
    write_rows(out / "distances.csv", ["from", "to", "distance_km", "contiguous"],
               build_distances(raw, countries))
    write_rows(out / "land_borders.csv", ["a", "b"], build_land_borders(raw, countries))
    write_rows(out / "partnerships.csv", ["partner", "partner_iso3", "signed", "member_states"],
               build_partnerships(raw))
    write_rows(out / "readmission.csv", ["partner_iso3", "entry_into_force"],
               build_readmission(raw))
    write_rows(out / "visa_regimes.csv", ["partner_iso3", "instrument", "in_force", "verified"],
               build_visa_regimes(raw))
    write_rows(out / "frontex_detections.csv", ["origin", "year", "route", "border_type", "detections"],
               build_detections(raw))
    write_rows(out / "asylum_applications.csv", ["origin", "destination", "year", "applicants"],
               build_asylum(raw))
    write_rows(out / "refugees_hosted.csv", ["host", "origin", "year", "refugees"], build_refugees(raw))
    write_rows(out / "employment_permits.csv", ["origin", "destination", "year", "permits"],
               build_permits(raw))
    write_rows(out / "enforcement.csv",
               ["origin", "destination", "year", "ordered_to_leave", "returned_to_third_country",
                "returned_total", "illegally_present"], build_enforcement(raw))
    visas = build_visas(raw)
    write_rows(out / "visas.csv", ["origin", "destination", "year", "c_applied", "c_issued", "c_not_issued"], visas)
    write_rows(out / "short_stays.csv", ["origin", "destination", "year", "visits", "regime"],
               build_short_stays(visas, build_visa_regimes(raw)))
    write_rows(out / "remittances.csv",
               ["origin", "year", "received_current_usd", "received_pct_gdp", "received_const2021_usd"],
               build_remittances(raw))
    write_rows(out / "pair_ties.csv", ["origin", "destination", *PAIR_TIES],
               build_pair_ties(raw, outside))
    write_rows(out / "valid_permits.csv", ["origin", "destination", "year", "valid_permits"],
               build_valid_permits(raw))
    write_rows(out / "immigration.csv", ["origin", "destination", "year", "immigrants"],
               build_immigration(raw))
    write_rows(out / "romanian_citizenship_mda.csv", ["year", "restorations"],
               build_romanian_citizenship(raw))
    write_rows(out / "irregular_population_estimates.csv",
               ["area", "year", "low", "high", "includes_waiting_asylum_seekers", "source_id"],
               build_irregular_estimates(raw))

if __name__ == "__main__":
    main()
