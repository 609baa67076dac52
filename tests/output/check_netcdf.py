"""Reads a migflow output file the way researchers do: xarray (h5netcdf), h5py and
ncdump. Fails (non-zero exit) if any axis is unlabelled or a reader rejects the file.
Usage: check_netcdf.py MIGFLOW_BINARY SCENARIO WORKDIR"""
import os
import subprocess
import sys

import h5py
import xarray as xr

binary, scenario, workdir = sys.argv[1:4]
os.makedirs(workdir, exist_ok=True)
path = os.path.join(workdir, "check.h5")
subprocess.run([binary, "run", scenario, "--out", path, "--replicates", "2"], check=True)

ds = xr.open_dataset(path, engine="h5netcdf")
assert ds.stocks.dims == ("replicate", "time", "node", "status"), ds.stocks.dims
assert list(ds.status.values) == ["at_home", "in_transit", "regular", "irregular", "returned", "visitor",
                                  "asylum_seeker", "exploited"]
assert ds.destination_in_eu.dims == ("destination",)
assert set(ds.destination_in_eu.sel(destination=["ROU", "ITA", "DEU"]).values) == {1}
assert ds.asylum_decisions.dims == ("replicate", "time", "origin", "destination", "decision")
assert "MDA" in list(ds.node.values)
assert ds.time.dtype.kind == "M", "time is not decoded to dates"
assert str(ds.time.values[0])[:7] == ds.attrs["scenario"].split("start:")[1].split()[0][:7]
assert ds.arrivals.dims == ("replicate", "time", "origin", "destination", "channel")
assert ds.flows.dims == ("replicate", "time", "edge", "channel")
assert ds.stocks.attrs["units"] == "persons"
# Conservation as a reader sees it: total persons constant over time.
total = ds.stocks.sum(["node", "status"])
assert float(abs(total - total.isel(time=0)).max()) < 1e-6 * float(total.max())

with h5py.File(path, "r") as f:
    assert f["stocks"].compression == "gzip"
    assert f["stocks"].chunks is not None
    assert f["stocks"].dims[2][0].name == "/node"

# Text is UTF-8 (issue #13): a non-ASCII title comes back as written, in xarray and h5py.
title = "Moldova \u2013 Mo\u0142dova, \u0413\u0430\u0433\u0430\u0443\u0437\u0438\u044f"
utf8 = os.path.join(workdir, "utf8.yaml")
with open(utf8, "w", encoding="utf-8") as f:
    f.write(f"extends: {os.path.abspath(scenario)}\ntitle: {title}\n")
utf8_out = os.path.join(workdir, "utf8.h5")
subprocess.run([binary, "run", utf8, "--out", utf8_out, "--replicates", "1"], check=True)
with xr.open_dataset(utf8_out, engine="h5netcdf") as u:
    assert u.attrs["title"] == title, repr(u.attrs["title"])
with h5py.File(utf8_out, "r") as f:
    raw = f.attrs["title"]
    assert (raw.decode("utf-8") if isinstance(raw, bytes) else raw) == title, repr(raw)

header = subprocess.run(["ncdump", "-h", path], check=True, capture_output=True, text=True).stdout
assert "stocks(replicate, time, node, status)" in header, header
print("netCDF-4 check passed:", path)
