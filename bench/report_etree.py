#!/usr/bin/env python3
"""Peer of bench/report.c: the same aggregate report files parsed with
Python's xml.etree.ElementTree (C-accelerated, on expat), with the fields a
report tool needs taken out of the tree the way parsedmarc does.

usage: report_etree.py FILE...   prints "reports SECONDS BYTES"
"""
import sys, time
import xml.etree.ElementTree as ET

def text(e, path):
    x = e.find(path)
    return x.text.strip() if x is not None and x.text else None

def parse(path):
    root = ET.parse(path).getroot()
    rep = {"org_name": text(root, "report_metadata/org_name"),
           "report_id": text(root, "report_metadata/report_id"),
           "begin": int(text(root, "report_metadata/date_range/begin")),
           "end": int(text(root, "report_metadata/date_range/end")),
           "domain": text(root, "policy_published/domain"), "records": []}
    total = 0
    for r in root.findall("record"):
        rec = {"source_ip": text(r, "row/source_ip"), "count": int(text(r, "row/count")),
               "disposition": text(r, "row/policy_evaluated/disposition"),
               "dkim": text(r, "row/policy_evaluated/dkim"), "spf": text(r, "row/policy_evaluated/spf"),
               "header_from": text(r, "identifiers/header_from"),
               "dkim_auth": [{"domain": text(d, "domain"), "selector": text(d, "selector"),
                              "result": text(d, "result")} for d in r.findall("auth_results/dkim")],
               "spf_auth": [{"domain": text(s, "domain"), "result": text(s, "result")}
                            for s in r.findall("auth_results/spf")]}
        total += rec["count"]
        rep["records"].append(rec)
    rep["messages"] = total
    return rep

files = sys.argv[1:]
size = 0
for f in files:
    with open(f, "rb") as fp:
        size += len(fp.read())
t = time.perf_counter()
for f in files:
    parse(f)
print(len(files), time.perf_counter() - t, size)
