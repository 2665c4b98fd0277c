#!/usr/bin/env python3
"""Peer of bench/report.c: the same aggregate report files parsed with
Python's xml.etree.ElementTree (C-accelerated, on expat), taking out every
field mailctl takes (report_parse_aggregate_xml), with the values trimmed and
lower-cased where mailctl does so.  It does less than mailctl: no IP address
canonical form, no UTF-8 repair, no bounds, no warnings.

Also measured, to show where Python's time goes: pyexpat alone over the same
bytes (no callbacks: the parser under xml.etree), and the xml.etree tree alone
(no fields taken).  CPU time of this process (time.process_time), one pass each.

usage: report_etree.py FILE...   prints "MODE SECONDS" lines (expat, tree,
fields) and "bytes N"
"""
import sys, time
import pyexpat
import xml.etree.ElementTree as ET

def text(e, path):
    x = e.find(path)
    return x.text.strip() if x is not None and x.text else None

def low(e, path):
    v = text(e, path)
    return v.lower() if v is not None else None

def num(e, path):
    v = text(e, path)
    return int(v) if v is not None and v.isdigit() else None

def record(r):
    return {"source_ip": text(r, "row/source_ip"), "count": num(r, "row/count"),
            "disposition": low(r, "row/policy_evaluated/disposition"),
            "dkim": low(r, "row/policy_evaluated/dkim"), "spf": low(r, "row/policy_evaluated/spf"),
            "reason": low(r, "row/policy_evaluated/reason/type"),
            "header_from": low(r, "identifiers/header_from"),
            "envelope_from": low(r, "identifiers/envelope_from"),
            "dkim_auth": [{"domain": low(d, "domain"), "selector": text(d, "selector"),
                           "result": low(d, "result")} for d in r.findall("auth_results/dkim")],
            "spf_auth": [{"domain": low(s, "domain"), "scope": low(s, "scope"),
                          "result": low(s, "result")} for s in r.findall("auth_results/spf")]}

def fields(path):
    root = ET.parse(path).getroot()
    pol = root.find("policy_published")
    rep = {"version": text(root, "version"),
           "org_name": text(root, "report_metadata/org_name"),
           "email": text(root, "report_metadata/email"),
           "report_id": text(root, "report_metadata/report_id"),
           "begin": num(root, "report_metadata/date_range/begin"),
           "end": num(root, "report_metadata/date_range/end"),
           "domain": low(pol, "domain"),
           "policy": {k: low(pol, k) for k in ("adkim", "aspf", "p", "sp", "fo", "np", "testing",
                                               "discovery_method")},
           "pct": num(pol, "pct"),
           "records": [record(r) for r in root.findall("record")]}
    rep["messages"] = sum(r["count"] or 0 for r in rep["records"])
    return rep

def tree(path):
    ET.parse(path)

def expat(path):
    with open(path, "rb") as fp:
        pyexpat.ParserCreate().Parse(fp.read(), True)

files = sys.argv[1:]
size = 0
for f in files:
    with open(f, "rb") as fp:
        size += len(fp.read())
for name, fn in (("expat", expat), ("tree", tree), ("fields", fields)):
    t = time.process_time()
    for f in files:
        fn(f)
    print(name, time.process_time() - t)
print("bytes", size)
