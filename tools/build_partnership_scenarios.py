#!/usr/bin/python3
"""Generate the EU Mobility Partnership scenarios from scenarios/data/*.csv.

Writes
    scenarios/worlds/mobility_partnerships.yaml   one world: 30 Member States (EU-27,
                                                  GBR, NOR, CHE), the nine partners as
                                                  origins, their main destinations
                                                  outside the EU, transit countries, edges
    scenarios/<partner>/{baseline,security_heavy,mobility_heavy,
                         eu_layer,eu_and_member_states}.yaml
                                                  for every partner
    scenarios/all_partners/baseline.yaml          all nine partners at one agent per
                                                  person: the full-scale benchmark
    scenarios/all_partners/baseline_1in100.yaml   the same at 100 persons per agent

Only the Python standard library is used and the output is deterministic (fixed
orders, fixed decimals): the same CSV files give byte-identical YAML. The rules are
documented in docs/scenarios.md and in the comments written into the world file.

Usage:  /usr/bin/python3 tools/build_partnership_scenarios.py [--check]
        (--check: write nothing, exit 1 if any generated file would change)
"""

import argparse
import csv
import heapq
import math
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "scenarios" / "data"
SCEN = REPO / "scenarios"
WORLD_NAME = "mobility_partnerships.yaml"

CALENDAR_START, CALENDAR_END = "2005-01", "2020-12"
START_YEAR, END_YEAR = int(CALENDAR_START[:4]), int(CALENDAR_END[:4])
SEED = 20080605
# Replicates of every partner scenario: with two replicates per posterior draw
# (replicates_per_draw), 40 give 20 parameter draws behind each 95% interval.
WORLD_REPLICATES = 40

# EU-27 (post-2020 membership, applied to the whole period) + GBR, NOR, CHE.
EU27 = ("AUT BEL BGR HRV CYP CZE DNK EST FIN FRA DEU GRC HUN IRL ITA LVA LTU LUX "
        "MLT NLD POL PRT ROU SVK SVN ESP SWE").split()
OTHER_DESTINATIONS = "GBR NOR CHE".split()
MEMBER_STATES = EU27 + OTHER_DESTINATIONS

# Partners in order of signature (partnerships.csv), and their folder names.
FOLDER = {"CPV": "cape_verde", "MDA": "moldova", "GEO": "georgia", "ARM": "armenia",
          "MAR": "morocco", "AZE": "azerbaijan", "TUN": "tunisia", "JOR": "jordan",
          "BLR": "belarus"}

TRANSIT = "TUR UKR RUS SRB MKD ALB BIH MNE LBY DZA EGY SEN MRT MLI NER SYR LBN IRQ".split()

# Destinations outside the EU (scenarios/data/destinations_outside_eu.csv: per partner, the
# largest until, with the Member States, they hold 90% of its 2005 diaspora). The EU's
# policies never act there. Entry conditions, per destination and partner:
#  - visa-free entry and the right to stay and work (after registration) for citizens of
#    the CIS free-movement area (Russia, Ukraine, Kazakhstan, Uzbekistan for Moldovans,
#    Armenians, Azerbaijanis and Belarusians; Ukraine and Azerbaijan also for Georgians):
#    every mover has a legal route (legal_access 1). Georgians need a Russian visa since
#    2000-12. These regimes are general knowledge, not from a stored source (the raw
#    data have no table of them).
#  - legacy stocks closed to new migration: the Moroccan- and Tunisian-born in Israel
#    (the emigration of the 1950s-60s) and the Jordanian-born in Palestine. The agents
#    are there at the start and may return home; no one moves there in the model.
#  - everywhere else (the Gulf, the Americas, Angola, Libya, Iraq): open, with the
#    partner's own legal access; no irregular route (they are reached only by air).
#  - a destination outside the EU where a partner has a diaspora but that is not among
#    its largest (Tunisians and Georgians in the United States, Moroccans and Tunisians
#    in the Emirates): open to it where the partner's stock there grew from 2005 to the
#    fit cut-off (UN DESA 2020 revision, diaspora.csv), so new movers keep arriving as
#    the data show; else a legacy stock.
VISA_FREE = {
    "RUS": "MDA ARM AZE BLR", "UKR": "MDA GEO ARM AZE BLR", "KAZ": "MDA ARM AZE BLR",
    "UZB": "MDA ARM AZE BLR", "AZE": "GEO",
}
LEGACY_ONLY = {("MAR", "ISR"), ("TUN", "ISR"), ("JOR", "PSE")}
NAMES_OUTSIDE_EU = {"AGO": "Angola", "ARE": "United Arab Emirates", "ISR": "Israel", "KAZ": "Kazakhstan",
                    "KWT": "Kuwait", "OMN": "Oman", "PSE": "Palestine", "QAT": "Qatar", "SAU": "Saudi Arabia",
                    "USA": "United States", "UZB": "Uzbekistan"}

# Member States that apply the EU's common visa policy (Regulation 539/2001): the
# Schengen area and the states bound to join it (BGR, ROU, HRV, CYP); not IRL or GBR.
VISA_POLICY_STATES = [m for m in "AUT BEL BGR HRV CYP CZE DNK EST FIN FRA DEU GRC HUN ITA LVA LTU LUX MLT NLD POL PRT ROU SVK SVN ESP SWE NOR CHE".split()]

# National labour schemes (labour_market_openness quotas in the baselines): every
# (Member State, partner) pair with at least SCHEME_MIN first employment permits in some
# year up to the fit cut-off (Eurostat migr_resfirst, employment_permits.csv), sized by
# those permits year by year, and after the cut-off by the mean of its last three years
# (what was known in 2015). Earlier years hold the first year's size.
SCHEME_MIN = 500
FIT_CUTOFF = 2015

# Projections (docs/scenarios.md, "Projections"): the last year of data they are fitted
# to and their schemes are sized by, and the months they run.
PROJECTION_CUTOFF = 2023
PROJECTION_START, PROJECTION_END = "2025-01", "2035-12"

NAMES = {
    "AUT": "Austria", "BEL": "Belgium", "BGR": "Bulgaria", "HRV": "Croatia", "CYP": "Cyprus",
    "CZE": "Czechia", "DNK": "Denmark", "EST": "Estonia", "FIN": "Finland", "FRA": "France",
    "DEU": "Germany", "GRC": "Greece", "HUN": "Hungary", "IRL": "Ireland", "ITA": "Italy",
    "LVA": "Latvia", "LTU": "Lithuania", "LUX": "Luxembourg", "MLT": "Malta",
    "NLD": "Netherlands", "POL": "Poland", "PRT": "Portugal", "ROU": "Romania",
    "SVK": "Slovakia", "SVN": "Slovenia", "ESP": "Spain", "SWE": "Sweden",
    "GBR": "United Kingdom", "NOR": "Norway", "CHE": "Switzerland",
    "CPV": "Cape Verde", "MDA": "Moldova", "GEO": "Georgia", "ARM": "Armenia",
    "AZE": "Azerbaijan", "MAR": "Morocco", "TUN": "Tunisia", "JOR": "Jordan", "BLR": "Belarus",
    "TUR": "Turkey", "UKR": "Ukraine", "RUS": "Russia", "SRB": "Serbia",
    "MKD": "North Macedonia", "ALB": "Albania", "BIH": "Bosnia and Herzegovina",
    "MNE": "Montenegro", "LBY": "Libya", "DZA": "Algeria", "EGY": "Egypt", "SEN": "Senegal",
    "MRT": "Mauritania", "MLI": "Mali", "NER": "Niger", "SYR": "Syria", "LBN": "Lebanon",
    "IRQ": "Iraq",
}

# partner_type is descriptive only (the engine does not use it). EU status over
# 2005-2020: candidates TUR, MKD (2005), MNE (2010), SRB (2012), ALB (2014); BIH a
# potential candidate (pre_accession) until 2022; ENP countries neighbourhood; RUS and
# IRQ in no EU partnership framework; Sahel / West Africa development cooperation.
PARTNER_TYPE = {
    "CPV": "development", "MDA": "neighbourhood", "GEO": "neighbourhood",
    "ARM": "neighbourhood", "AZE": "neighbourhood", "MAR": "neighbourhood",
    "TUN": "neighbourhood", "JOR": "neighbourhood", "BLR": "neighbourhood",
    "TUR": "candidate", "MKD": "candidate", "MNE": "candidate", "SRB": "candidate",
    "ALB": "candidate", "BIH": "pre_accession", "UKR": "neighbourhood",
    "LBY": "neighbourhood", "DZA": "neighbourhood", "EGY": "neighbourhood",
    "SYR": "neighbourhood", "LBN": "neighbourhood", "RUS": "none", "IRQ": "none",
    "SEN": "development", "MRT": "development", "MLI": "development", "NER": "development",
}

# Land borders in land_borders.csv that were closed to ordinary crossing for the
# whole period 2005-2020, so no edge is written.
CLOSED_BORDERS = {
    ("ARM", "TUR"): "closed by Turkey since 1993",
    ("ARM", "AZE"): "closed since the Nagorno-Karabakh war (1990s)",
    ("DZA", "MAR"): "closed since 1994",
}
# Two pairs have both a land border and a main sea route. One edge is written per pair
# (the engine takes the cheapest edge to the next node, so a second edge of the same
# length would never be used), the one that carries most of the partners' nationals
# in Frontex's detections 2009-2025 (frontex_ibc_detections_monthly.csv):
#  - ESP-MAR: the sea edge; the land border (Ceuta and Melilla) is folded into it
#    (Moroccans on the Western Mediterranean route: 51,413 sea, 3,509 land detections).
#  - GRC-TUR: the land edge (Evros); the Aegean crossing to the islands is folded into
#    it (Georgians on the Eastern Mediterranean route: 1,956 land, 268 sea detections).
FOLDED_INTO_SEA = {("ESP", "MAR")}
FOLDED_INTO_LAND = {("GRC", "TUR")}

# Sea crossings of the external border: (from, to, Frontex route, hazard per attempt).
# The hazard is a failed attempt (boat turned back, breakdown, rescued and landed
# back) that must be retried, NOT a death. IOM's Missing Migrants Project counts
# deaths and disappearances of the order of 1-3% of crossing attempts on the Central
# Mediterranean; failed attempts are more frequent than deaths, so 0.04 there; the
# Atlantic route to the Canaries is longer and deadlier (0.05); the Strait of Gibraltar
# and Alboran Sea are short (0.03); the Aegean crossings to the Greek islands are a few
# km (0.02). Rounded judgements, not fitted.
SEA_ROUTES = [
    ("LBY", "ITA", "Central Mediterranean", 0.04),
    ("TUN", "ITA", "Central Mediterranean", 0.04),
    ("LBY", "MLT", "Central Mediterranean", 0.04),
    ("EGY", "ITA", "Central Mediterranean (departures from Egypt)", 0.04),
    ("MAR", "ESP", "Western Mediterranean (and Ceuta/Melilla, Atlantic to the Canaries)", 0.03),
    ("DZA", "ESP", "Western Mediterranean", 0.03),
    ("TUR", "GRC", "Eastern Mediterranean (Aegean)", 0.02),  # folded into the land edge
    ("TUR", "CYP", "Eastern Mediterranean", 0.02),
    ("LBN", "CYP", "Eastern Mediterranean", 0.02),
    ("SEN", "ESP", "Western African (Atlantic, to the Canaries)", 0.05),
    ("MRT", "ESP", "Western African (Atlantic, to the Canaries)", 0.05),
    ("CPV", "ESP", "Western African (Atlantic, to the Canaries)", 0.05),
]

# Links between destination countries that share no land border in the data, so that
# every destination is reachable over land and sea (internal: no external border).
INTERNAL_LINKS = [
    ("FRA", "GBR", "land", "Channel Tunnel (1994)"),
    ("DNK", "SWE", "land", "Oresund Bridge (2000)"),
    ("EST", "FIN", "sea", "Tallinn-Helsinki ferries"),
    ("GRC", "ITA", "sea", "Patras/Igoumenitsa-Bari/Ancona ferries"),
    ("GRC", "CYP", "sea", "Piraeus-Limassol (air and sea)"),
    ("ITA", "MLT", "sea", "Sicily-Malta ferries"),
]

AIR_DESTINATIONS = 6  # air edges per partner: the Member States with the largest 2005 diaspora

# Working-age skill shares (ISCED 0-2 / 3-4 / 5-8). There is no education table in
# scenarios/data, so these are rounded guesses, labelled as such in every file.
SKILLS = {
    "CPV": (0.65, 0.25, 0.10), "MDA": (0.35, 0.45, 0.20), "GEO": (0.20, 0.50, 0.30),
    "ARM": (0.20, 0.50, 0.30), "AZE": (0.20, 0.60, 0.20), "MAR": (0.65, 0.25, 0.10),
    "TUN": (0.55, 0.30, 0.15), "JOR": (0.45, 0.35, 0.20), "BLR": (0.15, 0.55, 0.30),
}
SKILL_NOTE = {
    "MDA": "rounded from ILO education data",
}

# First-instance recognition rates of each partner's nationals in the EU (refugee status
# and subsidiary protection over all first decisions), Eurostat migr_asydcfsta for 2014 as
# tabulated by the European Stability Initiative (decisions in brackets): Belarus 28% (470),
# Azerbaijan 16% (2,225), Moldova 12% (170), Morocco 8.4% (1,835), Armenia 7.6% (3,900),
# Tunisia 5.2% (1,450), Georgia 4.1% (6,145). Moldova's 12% rests on 170 decisions and
# fell to 0.3% in 2019 (EASO): 0.03. Jordan and Cape Verde are not in the table: 0.08,
# the other partners' median. Belarus before its 2020 crisis: 0.25.
RECOGNITION = {"CPV": 0.08, "MDA": 0.03, "GEO": 0.04, "ARM": 0.076, "AZE": 0.16, "MAR": 0.084, "TUN": 0.052,
               "JOR": 0.08, "BLR": 0.25}
RECOGNITION_NOTE = "Eurostat 2014 (docs/policies.md, protection_resettlement)."

PERSONS_PER_AGENT_STEPS = [1, 2, 5, 10, 20, 50]
# At most this many agents per partner scenario (at home and abroad) where 50 persons an
# agent or fewer allow it; never more than 50 persons an agent, so that a cell of 1,000
# persons (the stock cells the calibration fits and the backtest scores) is at least 20
# agents, in the bundled runs as in the fits. Morocco needs about 500,000 agents.
MAX_AGENTS = 150000


# ---------------------------------------------------------------- data

def read_rows(name):
    with open(DATA / name, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def load():
    d = {}
    d["partnerships"] = read_rows("partnerships.csv")
    d["readmission"] = {r["partner_iso3"]: r["entry_into_force"] for r in read_rows("readmission.csv")}
    d["dist"] = {(r["from"], r["to"]): float(r["distance_km"]) for r in read_rows("distances.csv")}
    d["borders"] = [(r["a"], r["b"]) for r in read_rows("land_borders.csv")]
    d["pop"] = {}
    d["attr_ids"] = set()
    for r in read_rows("attributes.csv"):
        d["attr_ids"].add(r["id"])
        if int(r["year"]) == START_YEAR and r["population"]:
            d["pop"][r["id"]] = float(r["population"])
    def count(text):
        return None if text == "" else float(text)
    d["enforcement"] = {(r["origin"], r["destination"], int(r["year"])):
                        (count(r["ordered_to_leave"]), count(r["returned_to_third_country"]))
                        for r in read_rows("enforcement.csv") if int(r["year"]) <= FIT_CUTOFF}
    d["stock"] = {(r["origin"], r["destination"], int(r["year"])): int(r["persons"])
                  for r in read_rows("diaspora.csv") if int(r["year"]) <= FIT_CUTOFF}
    d["diaspora"] = {}
    for r in read_rows("diaspora_2005.csv"):
        d["diaspora"].setdefault(r["origin"], []).append((r["destination"], int(r["persons"])))
    d["outside_eu"] = {}
    for r in read_rows("destinations_outside_eu.csv"):
        d["outside_eu"].setdefault(r["partner"], []).append(r["destination"])
    d["visa"] = {}
    for r in read_rows("visa_regimes.csv"):
        d["visa"].setdefault(r["partner_iso3"], []).append((r["instrument"], r["in_force"][:7]))
    d["refugees"] = {(r["host"], r["origin"], int(r["year"])): int(r["refugees"]) for r in read_rows("refugees_hosted.csv")}
    d["permits"], d["permits_projection"] = {}, {}
    for r in read_rows("employment_permits.csv"):
        for key, cutoff in (("permits", FIT_CUTOFF), ("permits_projection", PROJECTION_CUTOFF)):
            if int(r["year"]) <= cutoff:
                d[key].setdefault((r["destination"], r["origin"]), {})[int(r["year"])] = int(r["permits"])
    return d


# Member States' enforcement, relative to the others, from the nine partners' data up
# to the fit cut-off: orders to leave per resident, and returns per order.
ENFORCEMENT_YEARS = (2012, 2013, 2014, 2015)
RETURN_YEARS = (2014, 2015)
ENFORCEMENT_PSEUDO = 50


def enforcement_factors(d):
    """{Member State: (detection_factor, execution_factor)}. Detection: the state's
    orders to leave of the nine partners' nationals over ENFORCEMENT_YEARS against what
    the overall rate per resident (UN DESA 2015 stocks) would give it; execution: its
    returns to third countries per order over RETURN_YEARS against the overall ratio.
    Both shrunk towards 1 by ENFORCEMENT_PSEUDO pseudo-orders at the overall rates, and
    kept within [0.2, 5]."""
    orders, returns, orders_r, residents = {}, {}, {}, {}
    for (o, m, y), (order, ret) in d["enforcement"].items():
        if y in ENFORCEMENT_YEARS and order is not None:
            orders[m] = orders.get(m, 0) + order
        if y in RETURN_YEARS and order is not None and ret is not None:
            orders_r[m] = orders_r.get(m, 0) + order
            returns[m] = returns.get(m, 0) + ret
    partners = FOLDER.keys()
    for m in MEMBER_STATES:
        residents[m] = sum(d["stock"].get((p, m, FIT_CUTOFF), 0) for p in partners) * len(ENFORCEMENT_YEARS)
    rate = sum(orders.values()) / sum(residents[m] for m in orders)
    ratio = sum(returns.values()) / sum(orders_r.values())
    a = ENFORCEMENT_PSEUDO
    out = {}
    for m in MEMBER_STATES:
        detect = (orders.get(m, 0) + a) / (rate * residents[m] + a)
        execute = (returns.get(m, 0) + a * ratio) / (ratio * (orders_r.get(m, 0) + a))
        out[m] = (min(5.0, max(0.2, detect)), min(5.0, max(0.2, execute)))
    return out


def km(d, a, b):
    if (a, b) not in d["dist"]:
        sys.exit(f"no distance for {a}-{b} in distances.csv")
    return d["dist"][(a, b)]


def fmt_km(x):
    return f"{x:.1f}"


# ---------------------------------------------------------------- world

def entry_rules(partners, d):
    """{destination: [(partner, legal_access or None)]}: who may choose each destination
    outside the EU, and with what legal access (None: the partner's own)."""
    rules = {}
    outside = {dest for p in partners for dest in d["outside_eu"].get(p, [])} - set(partners)
    for p in partners:
        largest = d["outside_eu"].get(p, [])
        growing = [dest for dest in sorted(outside) if dest not in largest and grew(d, p, dest)]
        for dest in largest + growing:
            if (p, dest) in LEGACY_ONLY:
                continue
            free = p in VISA_FREE.get(dest, "").split()
            rules.setdefault(dest, []).append((p, 1.0 if free else None))
    return {dest: sorted(r) for dest, r in rules.items()}


def grew(d, p, dest):
    """Whether partner p's stock in dest grew from 2005 to the fit cut-off (UN DESA)."""
    start, end = d["stock"].get((p, dest, START_YEAR), 0), d["stock"].get((p, dest, FIT_CUTOFF), 0)
    return start > 0 and end > start


def build_world(d):
    partners = [r["partner_iso3"] for r in d["partnerships"]]
    outside = sorted({dest for p in partners for dest in d["outside_eu"].get(p, [])} - set(partners))
    transit = [t for t in TRANSIT if t in d["attr_ids"] and t not in outside]
    nodes = partners + transit + outside + MEMBER_STATES
    role = {n: "origin" for n in partners}
    role.update({n: "transit" for n in transit})
    role.update({n: "destination" for n in outside})
    role.update({n: "member_state" for n in MEMBER_STATES})
    included = set(nodes)
    entry = entry_rules(partners, d)

    def external(a, b):
        return (role[a] == "member_state") != (role[b] == "member_state")

    edges = []  # dicts: from, to, km, mode, external, hazard, note, group
    seen = set()
    for a, b in sorted(d["borders"]):
        if a not in included or b not in included:
            continue
        if (a, b) in CLOSED_BORDERS or (a, b) in FOLDED_INTO_SEA:
            continue
        # Write the non-member side first so that edges read outward -> inward.
        f, t = (b, a) if role[a] == "member_state" and role[b] != "member_state" else (a, b)
        edges.append(dict(frm=f, to=t, km=km(d, f, t), mode="land", external=external(f, t),
                          hazard=0.0, group="land"))
        seen.add(frozenset((a, b)))
    for f, t, route, hz in SEA_ROUTES:
        if tuple(sorted((f, t))) in FOLDED_INTO_LAND:
            continue
        assert f in included and t in included, (f, t)
        assert frozenset((f, t)) not in seen, (f, t)
        edges.append(dict(frm=f, to=t, km=km(d, f, t), mode="sea", external=external(f, t),
                          hazard=hz, note=route, group="sea"))
        seen.add(frozenset((f, t)))
    for f, t, mode, note in INTERNAL_LINKS:
        assert not external(f, t)
        edges.append(dict(frm=f, to=t, km=km(d, f, t), mode=mode, external=False, hazard=0.0,
                          note=note, group="internal"))
        seen.add(frozenset((f, t)))
    air = {}
    for p in partners:
        ranked = sorted(((-n, m) for m, n in d["diaspora"].get(p, []) if role.get(m) == "member_state"))
        chosen = [m for _, m in ranked if frozenset((p, m)) not in seen][:AIR_DESTINATIONS]
        air[p] = chosen
        for m in chosen:
            edges.append(dict(frm=p, to=m, km=km(d, p, m), mode="air", external=True, hazard=0.0,
                              group="air"))
    # Each partner flies to the destinations outside the EU open to it that it does not
    # border; these air edges cross no EU border.
    for dest in sorted(entry):
        for p, _ in entry[dest]:
            if frozenset((p, dest)) not in seen:
                edges.append(dict(frm=p, to=dest, km=km(d, p, dest), mode="air", external=False, hazard=0.0,
                                  group="air_outside"))
                seen.add(frozenset((p, dest)))
    return dict(partners=partners, transit=transit, outside=outside, nodes=nodes, role=role, edges=edges,
                air=air, entry=entry)


def shortest(world, target, usable):
    """Distance to `target` from every node over usable edges (both directions)."""
    adj = {n: [] for n in world["nodes"]}
    for e in world["edges"]:
        if usable(e):
            adj[e["frm"]].append((e["to"], e))
            adj[e["to"]].append((e["frm"], e))
    dist = {target: 0.0}
    heap = [(0.0, target)]
    while heap:
        dv, v = heapq.heappop(heap)
        if dv > dist.get(v, math.inf):
            continue
        for u, e in adj[v]:
            nd = dv + e["km"]
            if nd < dist.get(u, math.inf):
                dist[u] = nd
                heapq.heappush(heap, (nd, u))
    return dist, adj


def route(world, origin, target, usable):
    """The cheapest route from origin to target as a list of edges (None if none)."""
    dist, adj = shortest(world, target, usable)
    if origin not in dist:
        return None
    path, at = [], origin
    while at != target:
        best = min(((e["km"] + dist[u], world["nodes"].index(u), u, e) for u, e in adj[at] if u in dist),
                   key=lambda x: (x[0], x[1]))
        path.append(best[3])
        at = best[2]
    return path


def not_air(e):
    return e["mode"] != "air"


def check_and_routes(world):
    """Check reachability; return per partner the irregular routes and 'via' nodes."""
    ms = [n for n in world["nodes"] if world["role"][n] == "member_state"]
    # Member States connected to each other without flying.
    internal = lambda e: world["role"][e["frm"]] == "member_state" and world["role"][e["to"]] == "member_state"
    dist, _ = shortest(world, ms[0], internal)
    missing = [m for m in ms if m not in dist]
    if missing:
        sys.exit(f"Member States not connected over land/sea: {missing}")
    info = {}
    for p in world["partners"]:
        vias, crossings, unreachable = {}, {}, []
        for m in ms:
            if route(world, p, m, lambda e: True) is None:
                sys.exit(f"no route from {p} to {m}")
            path = route(world, p, m, not_air)
            if path is None:
                unreachable.append(m)
                continue
            at = p
            for e in path:
                nxt = e["to"] if e["frm"] == at else e["frm"]
                if e["external"]:
                    vias.setdefault(at, []).append(m)
                    crossings.setdefault(f"{at}->{nxt}", []).append(m)
                    break
                at = nxt
        for dest, rules in world["entry"].items():
            if any(q == p for q, _ in rules) and route(world, p, dest, lambda e: True) is None:
                sys.exit(f"no route from {p} to {dest}")
        info[p] = dict(vias=vias, crossings=crossings, unreachable=unreachable)
    return info


# ---------------------------------------------------------------- YAML writers

def flow(fields):
    return "{" + ", ".join(f"{k}: {v}" for k, v in fields) + "}"


def world_yaml(world, d):
    out = []
    w = out.append
    w("# GENERATED by tools/build_partnership_scenarios.py from scenarios/data/*.csv; do not")
    w("# edit by hand (docs/scenarios.md explains the rules and how to regenerate).")
    w("#")
    w("# The EU Mobility Partnerships world: the nine partners (Cape Verde, Moldova, Georgia,")
    w("# Armenia, Morocco, Azerbaijan, Tunisia, Jordan, Belarus) as origins, the transit")
    w("# countries on their routes and on Frontex's main routes, 30 destinations where the")
    w("# EU's policies act (role member_state): the EU-27 (membership as of 2020 for the whole")
    w("# period, so Croatia from 2005 although it joined in 2013, Romania and Bulgaria although")
    w("# they joined in 2007) plus the United Kingdom, Norway and Switzerland (a large")
    w("# destination, and two Schengen states bound by EU readmission and visa rules), and the")
    w("# partners' main destinations outside the EU (role destination, or an origin with an")
    w("# entry: list): per partner, the largest until, with the 30, they hold 90% of its 2005")
    w("# diaspora (scenarios/data/destinations_outside_eu.csv). EU policies never act there.")
    w("# Attributes (working-age population, GDP per capita PPP, unemployment) and the 2005")
    w("# diaspora come from scenarios/data/ (sources in scenarios/data/README.md); distances")
    w("# are CEPII's great-circle distances between main cities (distances.csv).")
    w("# A partner scenario extends this file and adds its population: block and policies.")
    w(f"calendar: {{start: {CALENDAR_START}, end: {CALENDAR_END}, step_months: 1}}")
    w(f"seed: {SEED}")
    w(f"replicates: {WORLD_REPLICATES}")
    w("")
    w("attributes_csv: ../data/attributes.csv")
    w("diaspora_csv: ../data/diaspora_2005.csv")
    w("# Visits on short stays: Schengen visas issued at the Member States' consulates in each")
    w("# partner, and the visa regime they were issued under (scenarios/data/short_stays.csv).")
    w("short_stays_csv: ../data/short_stays.csv")
    w("# A common official language and colonial links (CEPII GeoDist, scenarios/data/pair_ties.csv).")
    w("pair_ties_csv: ../data/pair_ties.csv")
    w("")
    w("nodes:")
    sections = [("  # Mobility Partnership partners (scenarios/data/partnerships.csv).", world["partners"]),
                ("  # Transit countries on the partners' routes and Frontex's main routes.", world["transit"]),
                ("  # Destinations outside the EU. entry: which partners may move there and, where they\n"
                 "  # enter visa-free with the right to stay (CIS free movement), legal_access 1; the\n"
                 "  # others use their own legal access. Not listed: no one moves there (a legacy stock:\n"
                 "  # MAR and TUN in ISR, JOR in PSE). See tools/build_partnership_scenarios.py.", world["outside"]),
                ("  # Destinations governed by EU policy: EU-27, then GBR, NOR, CHE (see the header).\n"
                 "  # detection_factor, execution_factor: each state's enforcement against the others'\n"
                 "  # (enforcement_factors() in tools/build_partnership_scenarios.py): orders to leave\n"
                 f"  # per resident of the nine partners {ENFORCEMENT_YEARS[0]}-{FIT_CUTOFF}, and returns per order\n"
                 f"  # {RETURN_YEARS[0]}-{FIT_CUTOFF} (Eurostat, scenarios/data/enforcement.csv; UN DESA stocks), shrunk\n"
                 f"  # towards 1 by {ENFORCEMENT_PSEUDO} pseudo-orders.", MEMBER_STATES)]
    factors = enforcement_factors(d)
    for title, ids in sections:
        w(title)
        for n in ids:
            fields = [("id", n), ("name", NAMES.get(n) or NAMES_OUTSIDE_EU[n]), ("role", world["role"][n])]
            if n in PARTNER_TYPE:
                fields.append(("partner_type", PARTNER_TYPE[n]))
            if n in world["entry"]:
                fields.append(("entry", entry_yaml(world["entry"][n])))
            if n in factors:
                fields += [("detection_factor", f"{factors[n][0]:.2f}"), ("execution_factor", f"{factors[n][1]:.2f}")]
            w("  - " + flow(fields))
    w("")
    w("# Edges are bidirectional; cost = distance_km. external_border is true when exactly")
    w("# one endpoint has role member_state: the EU's (and NOR's, CHE's, the UK's) outer")
    w("# border. Romania, Bulgaria, Croatia and Cyprus being outside Schengen, and the UK")
    w("# outside Schengen, are ignored. Irregular migrants can be stopped only on land and sea")
    w("# edges across that border; air edges carry legal travel only.")
    w("edges:")
    w("  # Land: every pair in scenarios/data/land_borders.csv among the nodes, except")
    for (a, b), why in sorted(CLOSED_BORDERS.items()):
        w(f"  # {a}-{b} ({why}) and")
    w("  # ESP-MAR (Ceuta and Melilla, folded into the MAR->ESP sea edge below). TUR->GRC")
    w("  # (Evros) also stands for the Aegean sea crossing: one edge per pair, the one most")
    w("  # used by the partners' nationals in Frontex's detections (docs/scenarios.md).")
    for e in world["edges"]:
        if e["group"] == "land":
            fields = [("from", e["frm"]), ("to", e["to"]), ("distance_km", fmt_km(e["km"])), ("mode", "land")]
            if e["external"]:
                fields.append(("external_border", "true"))
            w("  - " + flow(fields))
    w("  # Sea: Frontex's main routes across the Mediterranean and the Atlantic (ESP includes")
    w("  # the Canary Islands; distances are still between main cities). hazard = chance per")
    w("  # attempt that the crossing fails and must be retried (not a death rate): IOM's")
    w("  # Missing Migrants Project counts deaths and disappearances of the order of 1-3% of")
    w("  # attempts on the Central Mediterranean, and failed attempts are more frequent, so")
    w("  # 0.04 there, 0.05 on the longer Atlantic route, 0.03 across the Strait of Gibraltar,")
    w("  # 0.02 on the short Aegean and Levantine crossings. Rounded judgements, not fitted.")
    for e in world["edges"]:
        if e["group"] == "sea":
            fields = [("from", e["frm"]), ("to", e["to"]), ("distance_km", fmt_km(e["km"])), ("mode", "sea"),
                      ("external_border", "true"), ("hazard", f"{e['hazard']:.2f}")]
            w("  - " + flow(fields) + f"   # {e['note']}")
    w("  # Links between destinations without a common land border in the data, so that all")
    w("  # are connected over land and sea (internal, no hazard).")
    for e in world["edges"]:
        if e["group"] == "internal":
            fields = [("from", e["frm"]), ("to", e["to"]), ("distance_km", fmt_km(e["km"])), ("mode", e["mode"])]
            w("  - " + flow(fields) + f"   # {e['note']}")
    w(f"  # Air (legal travel only): each partner to the {AIR_DESTINATIONS} Member States with its largest")
    w("  # 2005 diaspora (diaspora_2005.csv), skipping destinations it borders by land, and to each")
    w("  # destination outside the EU open to it that it does not border.")
    for e in world["edges"]:
        if e["group"] in ("air", "air_outside"):
            fields = [("from", e["frm"]), ("to", e["to"]), ("distance_km", fmt_km(e["km"])), ("mode", "air")]
            if e["external"]:
                fields.append(("external_border", "true"))
            w("  - " + flow(fields))
    w("")
    w("model: {}")
    return "\n".join(out) + "\n"


def entry_yaml(rules):
    """[(partner, legal_access or None)] -> a flow list grouping partners by access."""
    groups = {}
    for p, access in rules:
        groups.setdefault(access, []).append(p)
    items = []
    for access in sorted(groups, key=lambda a: (a is None, a or 0)):
        fields = [("origins", "[" + ", ".join(groups[access]) + "]")]
        if access is not None:
            fields.append(("legal_access", f"{access:g}"))
        items.append(flow(fields))
    return "[" + ", ".join(items) + "]"


def persons_per_agent(pop):
    """The smallest round scale at which the origin's agents (at home and, at the same
    scale, its diaspora abroad) number at most MAX_AGENTS; never above 50."""
    for s in PERSONS_PER_AGENT_STEPS:
        if pop / s <= MAX_AGENTS:
            return s
    return PERSONS_PER_AGENT_STEPS[-1]


def diaspora_in_destinations(p, d):
    """The partner's 2005 stock in every destination of the world (EU and outside)."""
    places = set(MEMBER_STATES) | set(d["outside_eu"].get(p, []))
    return sum(n for m, n in d["diaspora"].get(p, []) if m in places)


def skills_line(p):
    lo, me, hi = SKILLS[p]
    return f"{{low: {lo:.2f}, medium: {me:.2f}, high: {hi:.2f}}}"


def skills_comment(p):
    return SKILL_NOTE.get(p, "a rounded guess (no education data in scenarios/data)")


def agreements(p, info, d, tcn_own=False):
    """Readmission agreements for partner p: own nationals, then the transit countries
    (with an agreement) through which its irregular routes leave for the EU."""
    out = []
    # What was agreed and when; its effect is the readmission module's mechanism (the
    # partner's readmission_effect, docs/policies.md), not a share written here.
    if p in d["readmission"]:
        fields = [("partner", p), ("in_force", d["readmission"][p])]
        if tcn_own:
            fields += [("third_country_nationals", "true")]
        out.append((p, fields))
    for v in sorted(info[p]["vias"]):
        if v != p and v in d["readmission"]:
            out.append((v, [("partner", v), ("in_force", d["readmission"][v]), ("third_country_nationals", "true")]))
    return out


def route_summary(p, info):
    parts = []
    for c, ms in sorted(info[p]["crossings"].items(), key=lambda x: (-len(x[1]), x[0])):
        parts.append(f"{c} ({len(ms)})")
    return ", ".join(parts)


def partner_baseline(p, row, info, d):
    name = row["partner"]
    pop = d["pop"][p]
    abroad = diaspora_in_destinations(p, d)
    ppa = persons_per_agent(pop + abroad)
    ag = agreements(p, info, d)
    out = []
    w = out.append
    w("# GENERATED by tools/build_partnership_scenarios.py; do not edit by hand.")
    w(f"# {name}, baseline: what was actually agreed. Mobility Partnership signed {row['signed']}")
    w(f"# with {len(row['member_states'].split())} Member States (scenarios/data/partnerships.csv):")
    ms = row["member_states"].split()
    for i in range(0, len(ms), 12):
        w("#   " + " ".join(ms[i:i + 12]))
    w("# It brought no sizeable labour quota of its own; national labour schemes and the EU's")
    w("# visa regimes, which did shape the period, are below with their sources.")
    if p in d["readmission"]:
        w(f"# The EU-{name} readmission agreement entered into force in {d['readmission'][p]}")
        w("# (scenarios/data/readmission.csv).")
    else:
        w(f"# There is no EU-{name} readmission agreement (none in scenarios/data/readmission.csv).")
    transit = [v for v, _ in ag if v != p]
    if transit:
        w("# Agreements of transit countries covering third-country nationals, where the")
        w(f"# partner's irregular routes cross the external border (from {', '.join(transit)}):")
        w("# their real entry-into-force dates, same source.")
    w("# Irregular routes in this world, as crossings of the external border (number of")
    w("# destinations reached through each):")
    summary = route_summary(p, info).split(", ")
    for i in range(0, len(summary), 5):
        w("#   " + ", ".join(summary[i:i + 5]))
    w("# The partner's behaviour fitted to UN DESA stocks by `migflow calibrate` is in calibration.yaml.")
    w(f"extends: [../worlds/{WORLD_NAME}, calibration.yaml]")
    w(f"title: {name} - baseline (as agreed)")
    w("population:")
    w(f"  # One agent per {ppa} persons: {pop / 1e6:.2f} million of working age at home in {START_YEAR} and")
    w(f"  # {abroad / 1e3:.0f} thousand abroad in the world's destinations (2005 diaspora): about "
      f"{round((pop + abroad) / ppa / 1000)},000 agents.")
    w(f"  # Skill shares (ISCED 0-2 / 3-4 / 5-8 of the working-age population): {skills_comment(p)}.")
    w(f"  # Share of first asylum decisions granting protection: {RECOGNITION_NOTE}")
    w(f"  - {{origin: {p}, persons_per_agent: {ppa}, skills: {skills_line(p)}, "
      f"model: {{asylum_recognition: {RECOGNITION[p]}}}}}")
    w("policies:")
    if ag:
        w("  - id: readmission_as_agreed")
        w("    name: readmission")
        w("    agreements:")
        for _, fields in ag:
            w("      - " + flow(fields))
    else:
        w("  # No readmission agreement applies to this partner's routes.")
    out += timeline_blocks([p], d)
    return "\n".join(out) + "\n"


def scheme_map(years, cutoff=FIT_CUTOFF):
    """{year: permits} up to the cut-off -> the quota's per_year figures: those years,
    then the mean of the last three known years from the year after the cut-off."""
    last = sorted(years)[-3:]
    sizes = dict(sorted(years.items()))
    sizes[cutoff + 1] = round(sum(years[y] for y in last) / len(last))
    return sizes


def scheme_sizes(years, cutoff=FIT_CUTOFF):
    """The per_year map of a national scheme."""
    return "{" + ", ".join(f"{y}: {n}" for y, n in scheme_map(years, cutoff).items()) + "}"


def national_scheme(d, m, p, key="permits"):
    """The (Member State, partner) national labour scheme of the baselines (key
    "permits_projection": of the projections), or None."""
    years = d[key].get((m, p))
    return years if years and max(years.values()) >= SCHEME_MIN else None


def timeline_blocks(partners, d):
    """The dated policy timeline of the partners' baseline: EU visa regimes and national
    labour schemes, each entry with its source."""
    out = []
    w = out.append
    regimes = [(p, kind, date) for p in partners for kind, date in d["visa"].get(p, [])]
    if regimes:
        w("  # EU visa facilitation (easier short-stay visas) and liberalisation (visa-free short")
        w("  # stays with a biometric passport), from the dates they took effect")
        w("  # (scenarios/data/visa_regimes.csv; sources per row in data/raw/eu_visa_regimes.csv).")
        w("  # They act in the Member States that apply the EU's common visa policy (not IRL, GBR).")
        w("  - id: visa_regimes_in_force")
        w("    name: visa_regime")
        w("    member_states: [" + ", ".join(VISA_POLICY_STATES) + "]")
        w("    regimes:")
        for p, kind, date in regimes:
            w("      - " + flow([("partner", p), ("kind", kind), ("from", date)]))
    schemes = [(m, p) for (m, p) in sorted(d["permits"]) if p in partners and national_scheme(d, m, p)]
    if schemes:
        w("  # National labour schemes: first residence permits for employment issued to the")
        w(f"  # partner's citizens (Eurostat migr_resfirst, scenarios/data/employment_permits.csv), per")
        w(f"  # year up to {FIT_CUTOFF} where a Member State issued at least {SCHEME_MIN} in some year; from")
        w(f"  # {FIT_CUTOFF + 1} on, the mean of {FIT_CUTOFF - 2}-{FIT_CUTOFF} (later permits are held out for the backtest).")
        w("  # Years before the first known one hold its size. Eurostat lists only each state's top")
        w("  # citizenships, so smaller schemes are missing.")
        w("  - id: national_labour_schemes")
        w("    name: labour_market_openness")
        w("    quotas:")
        for m, p in schemes:
            w("      - " + flow([("member_state", m), ("partner", p), ("per_year", scheme_sizes(d["permits"][(m, p)]))]))
    return out


def projection_policies(p, row, d):
    """What a projection changes in the partner's baseline besides its calendar and start:
    a renewing population, and national labour schemes sized by the permits up to
    PROJECTION_CUTOFF. Shared by the projections and the history their calibration fits."""
    name = row["partner"]
    out = ["# GENERATED by tools/build_partnership_scenarios.py; do not edit by hand.",
           f"# {name}: what the projections (projection_*.yaml) and the history their calibration fits",
           f"# (projection_history.yaml) change in the baseline. The working-age population",
           "# renews: each January the residents at home follow the UN WPP 2024 series (estimates, then",
           "# the medium projection; docs/model.md, \"Population\").",
           "demography: {mode: renewing}"]
    w = out.append
    schemes = [(m, q) for (m, q) in sorted(d["permits_projection"])
               if q == p and national_scheme(d, m, q, "permits_projection")]
    w("policies:")
    w("  # National labour schemes as in the baseline, with the permits up to "
      f"{PROJECTION_CUTOFF} (Eurostat migr_resfirst,")
    w(f"  # scenarios/data/employment_permits.csv) where a Member State issued at least {SCHEME_MIN} in some year;")
    w(f"  # from {PROJECTION_CUTOFF + 1} on, the mean of its last three known years. Policies as they stand:")
    w("  # no scheme grows or shrinks after the data.")
    w("  - id: national_labour_schemes")
    w("    name: labour_market_openness")
    if schemes:
        w("    quotas:")
        for m, q in schemes:
            w("      - " + flow([("member_state", m), ("partner", q),
                                 ("per_year", scheme_sizes(d["permits_projection"][(m, q)], PROJECTION_CUTOFF))]))
    else:
        w("    quotas: []")
    return "\n".join(out) + "\n"


# Readmission agreements no longer applied at the projections' start: partner -> (since,
# source). The history the projections' calibration fits keeps them (their last months
# there are a small error; the module has no end date per agreement).
SUSPENDED_READMISSION = {
    "BLR": ("2021-06", ["Belarus announced on 28 June 2021 that it suspended its readmission agreement",
                        "with the EU (its Ministry of Foreign Affairs, answering EU sanctions). The EU's",
                        "visa facilitation stays: Council Decision (EU) 2021/1940 of 9 November 2021",
                        "suspended it only for officials."]),
}


def projection_history(p, row):
    """The run the projections' calibration fits: the baseline from 2005 with the
    projections' policies and renewing population, to the projection cut-off."""
    name = row["partner"]
    return "\n".join([
        "# GENERATED by tools/build_partnership_scenarios.py; do not edit by hand.",
        f"# {name}, 2005-{PROJECTION_CUTOFF}: the run tools/calibrate_projections.sh fits to every datum up to",
        f"# {PROJECTION_CUTOFF}; its posterior (projection_calibration.yaml) is the projections' behaviour.",
        "extends: [baseline.yaml, projection_policies.yaml]",
        f"title: {name} - history 2005-{PROJECTION_CUTOFF} for the projections",
        f"calendar: {{start: 2005-01, end: {PROJECTION_CUTOFF}-12}}",
    ]) + "\n"


def generated():
    """A generated file's lines, opened with the header, and the function that adds one."""
    out = ["# GENERATED by tools/build_partnership_scenarios.py; do not edit by hand."]
    return out, out.append


def projection_scenario(p, row, kind, info, d):
    """A partner's projection from PROJECTION_START: policies as they stand (kind
    "baseline"), or a package from the start."""
    name = row["partner"]
    out, w = generated()
    if kind == "baseline":
        w(f"# {name}, {PROJECTION_START[:4]}-{PROJECTION_END[:4]}: the policies in force at the start (the baseline's")
        w("# agreements, visa regimes and national schemes, projection_policies.yaml), a renewing")
        w("# working-age population, the diaspora of the UN DESA 2024 revision's 2024 stocks")
        w("# (scenarios/data/diaspora_2024_start.csv; in the Member States a fitted share of it")
        w("# irregular), GDP per head on the SSP2 path (scenarios/data/attributes.csv), and the")
        w(f"# partner's behaviour fitted to data up to {PROJECTION_CUTOFF} (projection_calibration.yaml,")
        w("# tools/calibrate_projections.sh). Posterior draws per replicate, as in every run.")
        w("extends: [baseline.yaml, projection_policies.yaml, projection_calibration.yaml]")
        w(f"title: {name} - projection {PROJECTION_START[:4]}-{PROJECTION_END[:4]} (policies as they stand)")
        w(f"calendar: {{start: {PROJECTION_START}, end: {PROJECTION_END}}}")
        w("diaspora_csv: ../data/diaspora_2024_start.csv")
        ag = agreements(p, info, d)
        kept = [fields for v, fields in ag if v not in SUSPENDED_READMISSION]
        if len(kept) < len(ag):
            w("policies:")
            for v, _ in ag:
                if v in SUSPENDED_READMISSION:
                    since, source = SUSPENDED_READMISSION[v]
                    w(f"  # Not applied: the agreement with {v}, suspended since {since}.")
                    for line in source:
                        w(f"  # {line}")
            w("  - id: readmission_as_agreed")
            w("    name: readmission")
            if kept:
                w("    agreements:")
                for fields in kept:
                    w("      - " + flow(fields))
            else:
                w("    agreements: []")
        return "\n".join(out) + "\n"
    ids = (["security_readmission", "security_border"] if kind == "security_heavy"
           else ["mobility_quotas", "mobility_remittances", "mobility_readmission"])
    what = kind.replace("_", "-")
    w(f"# {name}, {PROJECTION_START[:4]}-{PROJECTION_END[:4]}, with a {what} partnership from the start:")
    w(f"# projection_baseline.yaml and the generic package (scenarios/packages/{kind}.yaml).")
    w(f"extends: [projection_baseline.yaml, ../packages/{kind}.yaml]")
    w(f"title: {name} - projection {PROJECTION_START[:4]}-{PROJECTION_END[:4]}, {what} partnership")
    w("policies:")
    for i in ids:
        w(f"  - {{id: {i}, from: {PROJECTION_START}}}")
    return "\n".join(out) + "\n"


def package_scenario(p, row, kind):
    name = row["partner"]
    date = row["signed"]
    if kind == "security_heavy":
        ids = ["security_readmission", "security_border"]
        title = f"{name} - security-heavy partnership"
        what = "security-heavy"
    else:
        ids = ["mobility_quotas", "mobility_remittances", "mobility_readmission"]
        title = f"{name} - mobility-heavy partnership"
        what = "mobility-heavy"
    out = ["# GENERATED by tools/build_partnership_scenarios.py; do not edit by hand.",
           f"# {name} with a {what} partnership from the Mobility Partnership's signature ({date})."]
    if kind == "mobility_heavy":
        signed = set(row["member_states"].split())
        quota_ms = ["DEU", "FRA", "ITA", "POL", "ESP"]
        outside = [m for m in quota_ms if m not in signed]
        if outside:
            out.append(f"# The generic package opens quotas in {', '.join(quota_ms)}; {', '.join(outside)} did not sign")
            out.append(f"# the {name} partnership: the package is a what-if, not the agreed text.")
    out += [f"extends: [baseline.yaml, ../packages/{kind}.yaml]", f"title: {title}", "policies:"]
    out += [f"  - {{id: {i}, from: {date}}}" for i in ids]
    return "\n".join(out) + "\n"


# The two layers of competence (docs/policies.md, "Packages"). "EU layer only" is what
# the Commission can deliver alone (scenarios/packages/eu_layer.yaml); "EU and Member
# States" adds labour quotas opened by the Member States that signed the partnership.
# Their total size is the mobility-heavy package's (4 states x 3,000 skilled and 2 x
# 4,000 seasonal permits a year), split evenly over the signatories, so that the layers
# differ in who opens the quotas, not in how many: the partnerships themselves fixed no
# quota sizes (scenarios/data/partnerships.csv lists only the signatories).
MS_SKILLED_PER_YEAR = 12000
MS_SEASONAL_PER_YEAR = 8000
EU_LAYER_IDS = ["eu_readmission", "eu_border", "eu_visa_facilitation", "eu_development_aid", "eu_anti_trafficking",
                "eu_information_campaign"]
# Resettlement by the signatories from a partner hosting many refugees (Jordan: Syrians,
# scenarios/data/refugees_hosted.csv): a what-if of this many places a year in all, split
# evenly, about 0.5% of the Syrians Jordan hosted in 2015; not an agreed figure.
RESETTLEMENT_PER_YEAR = 3000
RESETTLEMENT_FROM = {"JOR": "SYR"}


def layer_scenario(p, row, kind, d):
    name, date = row["partner"], row["signed"]
    out, w = generated()
    if kind == "eu_layer":
        w(f"# {name} with the EU layer of a partnership only, from the signature ({date}): what the")
        w("# Commission can deliver without the Member States (scenarios/packages/eu_layer.yaml).")
        w("extends: [baseline.yaml, ../packages/eu_layer.yaml]")
        w(f"title: {name} - EU layer only")
        w("policies:")
        out += [f"  - {{id: {i}, from: {date}}}" for i in EU_LAYER_IDS]
        return "\n".join(out) + "\n"
    signed = row["member_states"].split()
    skilled = round(MS_SKILLED_PER_YEAR / len(signed))
    seasonal = round(MS_SEASONAL_PER_YEAR / len(signed))
    w(f"# {name} with the EU layer and the Member States' layer, from the signature ({date}): the")
    w(f"# EU layer (eu_layer.yaml) plus labour quotas in the {len(signed)} Member States that signed")
    w("# the partnership, together as large as the mobility-heavy package's quotas")
    w(f"# ({MS_SKILLED_PER_YEAR:,} skilled and {MS_SEASONAL_PER_YEAR:,} seasonal permits a year, split evenly).")
    w("extends: eu_layer.yaml")
    w(f"title: {name} - EU and Member States")
    w("policies:")
    w("  - id: member_state_quotas")
    w("    name: labour_market_openness")
    w(f"    from: {date}")
    w("    quotas:")
    # Announced places, which become permits at the partner's quota_fill; where the
    # baseline has a national scheme, they add to it (a quota's losers apply to the next).
    w("      # Skilled work permits, 2 years, mostly renewed or followed by return (as mobility_heavy).")
    w(f"      - {{member_states: [{', '.join(signed)}], partner: {p}, per_year: {skilled}, places: announced,")
    w("         skills: [medium, high], permit_months: 24, renewal: 0.5, return: 0.4}")
    w("      # Seasonal schemes: short permits, most go home (circular), as mobility_heavy.")
    w(f"      - {{member_states: [{', '.join(signed)}], partner: {p}, per_year: {seasonal}, places: announced,")
    w("         skills: [low], permit_months: 9, renewal: 0.1, return: 0.85}")
    if p in RESETTLEMENT_FROM:
        who = RESETTLEMENT_FROM[p]
        stocks = {y: n for (h, o, y), n in d["refugees"].items() if h == p and o == who and START_YEAR <= y <= END_YEAR}
        w(f"  # Resettlement of refugees from {who} hosted in {name} by the signatories: a what-if of")
        w(f"  # {RESETTLEMENT_PER_YEAR:,} places a year in all, split evenly (not an agreed figure). Hosted refugees:")
        w("  # UNHCR end-year stocks (scenarios/data/refugees_hosted.csv).")
        w("  - id: member_state_resettlement")
        w("    name: protection_resettlement")
        w(f"    from: {date}")
        w("    resettlement:")
        w(f"      - {{host: {p}, name: {who}_in_{p}, member_states: [{', '.join(signed)}],")
        w(f"         per_year: {round(RESETTLEMENT_PER_YEAR / len(signed))},")
        w("         refugees: {" + ", ".join(f"{y}: {n}" for y, n in sorted(stocks.items())) + "}}")
    return "\n".join(out) + "\n"


def all_partners(world, info, d, ppa_override=None):
    rows = d["partnerships"]
    out = []
    w = out.append
    w("# GENERATED by tools/build_partnership_scenarios.py; do not edit by hand.")
    if ppa_override is None:
        w("# All nine Mobility Partnership partners at once, one agent per working-age person:")
        w("# the full-scale benchmark scenario (tens of millions of agents; one replicate).")
        w("# baseline_1in100.yaml is the same at 100 persons per agent, for quick checks.")
        w("# Policies: every readmission agreement as agreed (scenarios/data/readmission.csv),")
        w("# for own nationals and, where another partner's irregular routes leave from the")
        w("# country, for third-country nationals who transited it.")
        w("# Each partner's calibrated behaviour comes from its folder's calibration.yaml.")
        w("extends:")
        w(f"  - ../worlds/{WORLD_NAME}")
        for r in rows:
            w(f"  - ../{FOLDER[r['partner_iso3']]}/calibration.yaml")
        w("title: All Mobility Partnership partners - baseline (as agreed), full scale")
        w("replicates: 1")
    else:
        w(f"# scenarios/all_partners/baseline.yaml at {ppa_override} persons per agent (a quick check).")
        w("extends: baseline.yaml")
        w(f"title: All Mobility Partnership partners - baseline (as agreed), 1 agent per {ppa_override} persons")
        w("population:")
        for r in rows:
            w(f"  - {{origin: {r['partner_iso3']}, persons_per_agent: {ppa_override}}}")
        return "\n".join(out) + "\n"
    w("population:")
    w("  # Skill shares: Moldova rounded from ILO education data; the others rounded guesses")
    w("  # (no education data in scenarios/data).")
    for r in rows:
        p = r["partner_iso3"]
        w(f"  - {{origin: {p}, persons_per_agent: 1, skills: {skills_line(p)}, "
          f"model: {{asylum_recognition: {RECOGNITION[p]}}}}}")
    # Union of agreements; third-country coverage for any country that is a 'via' of some partner.
    vias = set()
    for p in world["partners"]:
        vias.update(v for v in info[p]["vias"] if v != p)
    entries = {}
    for p in world["partners"]:
        for v, fields in agreements(p, info, d, tcn_own=p in vias):
            entries.setdefault(v, fields)
    w("policies:")
    w("  - id: readmission_as_agreed")
    w("    name: readmission")
    w("    agreements:")
    for v in sorted(entries, key=lambda v: (d["readmission"][v], v)):
        w("      - " + flow(entries[v]))
    out += timeline_blocks(world["partners"], d)
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="write nothing; exit 1 if a file would change")
    args = ap.parse_args()
    d = load()
    world = build_world(d)
    info = check_and_routes(world)
    files = {SCEN / "worlds" / WORLD_NAME: world_yaml(world, d)}
    for row in d["partnerships"]:
        p = row["partner_iso3"]
        folder = SCEN / FOLDER[p]
        calibration = folder / "calibration.yaml"
        if not calibration.exists() and not args.check:
            # `migflow calibrate` rewrites it (tools/calibrate_all.sh); never overwritten here.
            calibration.parent.mkdir(parents=True, exist_ok=True)
            calibration.write_text(f"# Not calibrated yet: run tools/calibrate_all.sh.\npopulation:\n  - origin: {p}\n",
                                   encoding="utf-8")
        files[folder / "baseline.yaml"] = partner_baseline(p, row, info, d)
        files[folder / "security_heavy.yaml"] = package_scenario(p, row, "security_heavy")
        files[folder / "mobility_heavy.yaml"] = package_scenario(p, row, "mobility_heavy")
        for kind in ("eu_layer", "eu_and_member_states"):
            files[folder / f"{kind}.yaml"] = layer_scenario(p, row, kind, d)
        projection_calibration = folder / "projection_calibration.yaml"
        if not projection_calibration.exists() and not args.check:
            # `migflow calibrate` writes it (tools/calibrate_projections.sh); never overwritten here.
            projection_calibration.write_text(
                f"# Not calibrated yet: run tools/calibrate_projections.sh.\npopulation:\n  - origin: {p}\n", encoding="utf-8")
        files[folder / "projection_policies.yaml"] = projection_policies(p, row, d)
        files[folder / "projection_history.yaml"] = projection_history(p, row)
        for kind in ("baseline", "security_heavy", "mobility_heavy"):
            files[folder / f"projection_{kind}.yaml"] = projection_scenario(p, row, kind, info, d)
    files[SCEN / "all_partners" / "baseline.yaml"] = all_partners(world, info, d)
    files[SCEN / "all_partners" / "baseline_1in100.yaml"] = all_partners(world, info, d, ppa_override=100)

    changed = []
    for path, text in files.items():
        old = path.read_text(encoding="utf-8") if path.exists() else None
        if old != text:
            changed.append(path)
            if not args.check:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
    for p in world["partners"]:
        i = info[p]
        print(f"{p}: ppa {persons_per_agent(d['pop'][p] + diaspora_in_destinations(p, d))}, air {' '.join(world['air'][p])}; "
              f"irregular crossings {route_summary(p, info)}"
              + (f"; no irregular route to {' '.join(i['unreachable'])}" if i["unreachable"] else ""))
    verb = "would change" if args.check else "written"
    print(f"{len(changed)} of {len(files)} files {verb}" + "".join(f"\n  {c.relative_to(REPO)}" for c in changed))
    if args.check and changed:
        sys.exit(1)


if __name__ == "__main__":
    main()
