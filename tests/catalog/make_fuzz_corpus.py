"""Write tests/catalog/fuzz_corpus/: small bad (and oddly shaped) catalog files, and what each must give.

    .venv/bin/python tests/catalog/make_fuzz_corpus.py

Every file is a few KB at most. `tests/catalog/fuzz_corpus/expected.json` says, per file, either

- ``{"expect": "load", "n_rows": N, "kept": [[time, lat, lon, depth, mag], ...],
  "dropped": {"<row>": "<reason>", ...}}``: the file loads; exactly these events are kept
  (in time order, times in UTC) and exactly these rows (line / record numbers in the file)
  are dropped for these reasons; or
- ``{"expect": "error", "message": "<text>"}``: `load_catalog` raises CatalogError, one
  line, starting with the file's name and containing <text>.

The expectations are written by hand here, from what is in each file, not by running the
loader. tests/test_fuzz_catalogs.py checks them; docs/reliability.md lists them.
The script is deterministic: running it again rewrites the same bytes.
"""

import gzip
import io
import json
import os
import random
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "fuzz_corpus")
HEADER = "time,latitude,longitude,depth,magnitude"

CASES = {}  # file name -> (bytes, expectation)


def good(i):
    """A valid event: (ISO UTC time, lat, lon, depth km, magnitude); times increase with i."""
    day = 1 + i % 28
    month = 1 + (i // 28) % 12
    time = f"2020-{month:02d}-{day:02d}T{(i * 7) % 24:02d}:{(i * 13) % 60:02d}:{(i * 17) % 60:02d}Z"
    return (time, round(28.0 + 0.01 * i, 4), round(104.5 + 0.013 * i, 4),
            round(1.0 + (i % 9) * 0.5, 2), round(0.5 + (i % 7) * 0.3, 1))


def csv_line(ev, sep=","):
    t, lat, lon, dep, mag = ev
    return sep.join([t, repr(lat), repr(lon), repr(dep), repr(mag)])


def loads(name, data, kept, n_rows, dropped=None, note=""):
    """`kept`: the events that must come out (any order here; compared sorted by time)."""
    kept = sorted(([e[0], float(e[1]), float(e[2]), float(e[3]), float(e[4])] for e in kept),
                  key=lambda e: e[0])
    CASES[name] = (data, {"expect": "load", "n_rows": n_rows, "kept": kept,
                          "dropped": {str(k): v for k, v in sorted((dropped or {}).items())},
                          "note": note})


def fails(name, data, message, note=""):
    CASES[name] = (data, {"expect": "error", "message": message, "note": note})


def text(lines, crlf=False):
    nl = "\r\n" if crlf else "\n"
    return (nl.join(lines) + nl).encode("utf-8")


def lines_case(name, head, items, note=""):
    """A text file: `head` lines, then `items`, each (line, event kept or None, reason or None).

    The line number of each dropped row is counted here from its position in the file."""
    lines = list(head)
    kept, dropped = [], {}
    for line, event, reason in items:
        lines.append(line)
        if event is not None:
            kept.append(event)
        if reason is not None:
            dropped[len(lines)] = reason
    loads(name, text(lines), kept, len(kept) + len(dropped), dropped, note)


def ok(event, sep=","):
    return (csv_line(event, sep), event, None)


def bad(line, reason):
    return (line, None, reason)


# ---- nothing to read ---------------------------------------------------------------------
fails("empty.csv", b"", "empty file", "zero bytes")
fails("blank_lines.csv", b"\n  \n\t\n\r\n", "empty file", "only whitespace")
fails("header_only.csv", text([HEADER]), "has a header but no data rows", "a header line only")
fails("header_only_bom_crlf.csv", b"\xef\xbb\xbf" + text([HEADER, "", ""], crlf=True),
      "has a header but no data rows", "UTF-8 BOM, CRLF, trailing blank lines")

# ---- not text at all ---------------------------------------------------------------------
rng = random.Random(7)
fails("binary_junk.csv", bytes(rng.randrange(256) for _ in range(2048)), "not a text file",
      "2 KB of random bytes")
fails("binary_no_nul.dat", bytes(rng.randrange(1, 32) for _ in range(1024)),
      "not a text file (binary data)", "control characters, no NUL byte")
png = (b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02"
       b"\x00\x00\x00\x90wS\xde" + b"\x00" * 32)
fails("png_named.csv", png, "not a text file (a PNG image)", "a PNG renamed to .csv")
fails("gzip_named.csv", gzip.compress(text([HEADER, csv_line(good(0))]), mtime=0),
      "a gzip archive; unzip it first", "a gzipped CSV renamed to .csv")
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w") as z:
    z.writestr(zipfile.ZipInfo("events.csv", (2020, 1, 1, 0, 0, 0)),
               text([HEADER, csv_line(good(0))]))
fails("zip_not_xlsx.xlsx", buf.getvalue(), "a zip archive that is not an Excel .xlsx workbook",
      "a zip of a CSV renamed to .xlsx")
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w") as z:
    z.writestr(zipfile.ZipInfo("[Content_Types].xml", (2020, 1, 1, 0, 0, 0)), b"<Types/>")
    z.writestr(zipfile.ZipInfo("xl/workbook.xml", (2020, 1, 1, 0, 0, 0)), b"<not-a-workbook")
fails("broken_workbook.xlsx", buf.getvalue(), "cannot read the Excel workbook",
      "a zip with xl/workbook.xml that is not a workbook")
fails("nul_in_text.csv", text([HEADER, csv_line(good(0)), csv_line(good(1)) + "\x00"]),
      "not a text file (binary data)", "one NUL byte in an otherwise good CSV")
fails("not_utf8_nor_gbk.csv",
      text([HEADER, csv_line(good(0))])[:-1] + b"\xff\xff\xff\n",
      "neither UTF-8 nor GBK text", "bytes that decode as neither UTF-8 nor GB18030")

# ---- an xlsx that is really a CSV (content wins over the name) -----------------------------
evs = [good(i) for i in range(5)]
loads("csv_named.xlsx", text([HEADER] + [csv_line(e) for e in evs]), evs, 5,
      note="a CSV renamed to .xlsx: read as CSV")

# ---- columns that cannot be found ----------------------------------------------------------
fails("no_known_columns.csv", text(["a,b,c,d,e", "1,2,3,4,5", "6,7,8,9,10"]),
      "no recognisable columns for time, latitude, longitude, depth, magnitude",
      "columns named a, b, c, d, e")
fails("missing_magnitude_column.csv",
      text(["time,latitude,longitude,depth,colour"]
           + [csv_line(good(i)).rsplit(",", 1)[0] + ",red" for i in range(3)]),
      "no recognisable column for magnitude", "a 'colour' column where the magnitude should be")
fails("colon_delimited.csv",
      text([HEADER.replace(",", ":")] + [csv_line(good(i), ":") for i in range(3)]),
      "no recognisable columns for time, latitude, longitude, depth, magnitude",
      "':' is no delimiter seisviz knows")
fails("wrong_delimiter_rows.csv",
      text([HEADER.replace(",", ";")] + [csv_line(good(i)) for i in range(4)]),
      "no usable rows: dropped all 4: 4 wrong number of columns (expected 5, got 1)",
      "header separated by ';', rows by ','")
fails("only_invalid_rows.csv",
      text([HEADER, "yesterday,28.1,104.5,5.0,1.0", "2020-01-01T00:00:00Z,,104.5,5.0,1.0",
            "2020-01-02T00:00:00Z,28.1,104.5,5.0,99"]),
      "no usable rows: dropped all 3: 1 magnitude out of range, 1 missing latitude, "
      "1 unparseable time", "three rows, each bad in its own way")

# ---- other delimiters, encodings, line ends (all rows good) ---------------------------------
evs = [good(i) for i in range(6)]
loads("semicolon_decimal_comma.csv",
      text(["datetime;lat;lon;depth_km;mag"]
           + [";".join([e[0], str(e[1]).replace(".", ","), str(e[2]).replace(".", ","),
                        str(e[3]).replace(".", ","), str(e[4]).replace(".", ",")]) for e in evs]),
      evs, 6, note="European CSV: ';' and decimal commas")
loads("tab_delimited.tsv", text(["Origin Time\tLat\tLon\tDepth (km)\tML"]
                                + [csv_line(e, "\t") for e in evs]), evs, 6,
      note="tabs; column names Origin Time, Lat, Lon, Depth (km), ML")
fdsn_header = ("#EventID|Time|Latitude|Longitude|Depth/km|Author|Catalog|Contributor|"
               "ContributorID|MagType|Magnitude|MagAuthor|EventLocationName")
loads("fdsn_pipe.txt",
      text([fdsn_header] + [f"ev{i}|{e[0][:-1]}|{e[1]}|{e[2]}|{e[3]}|X|X|X|X|ML|{e[4]}|X|Sichuan"
                            for i, e in enumerate(evs)]), evs, 6, note="FDSN text format")
loads("crlf_bom.csv", b"\xef\xbb\xbf" + text([HEADER] + [csv_line(e) for e in evs], crlf=True),
      evs, 6, note="UTF-8 BOM and Windows line ends")
loads("utf16_bom.csv", "\n".join([HEADER] + [csv_line(e) for e in evs]).encode("utf-16"),
      evs, 6, note="UTF-16 with BOM (Excel 'Unicode text')")
loads("mac_line_ends.csv", "\r".join([HEADER] + [csv_line(e) for e in evs]).encode(), evs, 6,
      note="classic Mac CR line ends")
loads("quoted_fields.csv",
      text([HEADER + ",event_id"] + [csv_line(e) + f',"id {i}, ""quoted"""'
                                      for i, e in enumerate(evs)]),
      evs, 6, note="quoted ids holding commas and quotes")
# CENC export in GBK with Beijing-time header: times are UTC+8 in the file
cenc_rows = []
for e in evs:
    t = e[0]  # UTC; Beijing = UTC + 8 h
    hh = int(t[11:13]) + 8
    day = int(t[8:10]) + hh // 24  # good() days are <= 28, so no month roll-over
    bj = f"{t[:8]}{day:02d} {hh % 24:02d}:{t[14:19]}"
    cenc_rows.append(f"{bj},{e[1]},{e[2]},{e[3]},{e[4]},四川")
loads("cenc_gbk.csv", text(["发震时刻(北京时间),纬度(°),经度(°),深度(km),震级(M),参考位置"]
                           + cenc_rows).decode().encode("gbk"),
      evs, 6, note="CENC export in GBK, Beijing time converted to UTC")

# ---- rows with bad values: dropped with reasons, good rows kept ------------------------------
E = [good(i) for i in range(8)]
lines_case("nan_and_out_of_range_coordinates.csv", [HEADER], [
    ok(E[0]), bad("2020-02-01T00:00:00Z,NaN,104.5,5.0,1.0", "missing latitude"),
    ok(E[1]), bad("2020-02-02T00:00:00Z,28.2,nan,5.0,1.0", "missing longitude"),
    ok(E[2]), bad("2020-02-03T00:00:00Z,91.0,104.5,5.0,1.0", "latitude out of range"),
    bad("2020-02-04T00:00:00Z,28.2,-200.0,5.0,1.0", "longitude out of range"),
    bad("2020-02-05T00:00:00Z,north,104.5,5.0,1.0", "latitude not a number"),
    bad("2020-02-06T00:00:00Z,1e999,104.5,5.0,1.0", "latitude out of range"),  # inf
    bad("2020-02-07T00:00:00Z,28.2,104.5,-11,1.0", "depth out of range"),  # 11 km up
    bad("2020-02-08T00:00:00Z,28.2,104.5,5000,1.0", "depth out of range"),
    bad("2020-02-09T00:00:00Z,28.2,104.5,,1.0", "missing depth"),
    ok(E[3]), ok(E[4]), ok(E[5]), ok(E[6]), ok(E[7]),
    ok(("2020-03-01T00:00:00Z", -90.0, 360.0, -10.0, 1.0)),  # the edges are allowed
], note="NaN, 91°, -200°, 'north', 1e999, depth -11 / 5000 km, empty depth; the range edges "
        "(-90°, 360°, -10 km) are kept")

E = [good(i) for i in range(6)]
lines_case("magnitude_99.csv", [HEADER], [ok(E[0]), ok(E[1]), ok(E[2])] + [
    bad(f"2020-04-{k + 1:02d}T00:00:00Z,28.0,104.5,5.0,{mag}",
        "magnitude not a number" if mag == "M2.0" else "magnitude out of range")
    for k, mag in enumerate(["99", "99.9", "-9", "-99", "10.1", "inf", "M2.0"])
] + [ok(E[3]), ok(E[4]), ok(E[5]), ok(("2020-03-01T00:00:00Z", 28.0, 104.5, 5.0, 10.0)),
     ok(("2020-03-02T00:00:00Z", 28.0, 104.5, 5.0, -3.0))],
    note="placeholder magnitudes (99, -9) are not magnitudes; 10.0 and -3.0 are kept")

E = [good(i) for i in range(5)]
# a duplicate is the same time, epicentre and magnitude; depth is not compared (a second
# agency's solution of one event often differs in depth only)
other_depth = (E[2][0], E[2][1], E[2][2], E[2][3] + 1.0, E[2][4])
one_second_later = (E[2][0][:-3] + f"{int(E[2][0][-3:-1]) + 1:02d}Z",) + E[2][1:]
ten_seconds_later = (E[2][0][:-3] + f"{int(E[2][0][-3:-1]) + 10:02d}Z",) + E[2][1:]
lines_case("duplicates.csv", [HEADER], [ok(e) for e in E] + [
    bad(csv_line(E[1]), "duplicate"), bad(csv_line(E[3]), "duplicate"),
    bad(csv_line(E[3]), "duplicate"), bad(csv_line(other_depth), "duplicate"),
    bad(csv_line(one_second_later), "near-duplicate"), ok(ten_seconds_later)],
    note="the same time, epicentre and magnitude again (depth not compared) is a duplicate; "
         "one second later a near-duplicate (one earthquake, two agencies: within 2 s and "
         "5 km); ten seconds later another event")

E = [good(i) for i in range(12)]
random.Random(3).shuffle(E)
lines_case("out_of_order.csv", [HEADER], [ok(e) for e in E],
           note="times shuffled: the catalog comes out sorted")

mixed = [("2020-01-01T00:00:00Z", "2020-01-01T00:00:00Z"),
         ("2020-01-02 03:04:05", "2020-01-02T03:04:05Z"),
         ("2020/01/03 06:07:08", "2020-01-03T06:07:08Z"),
         ("2020-01-04T09:10:11+08:00", "2020-01-04T01:10:11Z"),
         ("2020-01-05T12:13:14.250Z", "2020-01-05T12:13:14.250000Z"),
         ("2020-01-06", "2020-01-06T00:00:00Z")]
items = []
for k, (written, utc) in enumerate(mixed):
    e = good(k)
    items.append((",".join([written] + [repr(v) for v in e[1:]]), (utc,) + e[1:], None))
items += [bad("yesterday,28.0,104.5,5.0,1.0", "unparseable time"),
          bad("2020-13-45 00:00:00,28.0,104.5,5.0,1.0", "unparseable time"),
          bad(",28.0,104.5,5.0,1.0", "missing time"),
          bad("2020-02-30T00:00:00Z,28.0,104.5,5.0,1.0", "unparseable time")]
lines_case("mixed_date_formats.csv", [HEADER], items,
           note="ISO with and without T/Z/offset, slashes, date only; garbage and impossible dates")

E = [good(i) for i in range(6)]
lines_case("ragged_rows.csv", [HEADER], [
    ok(E[0]), bad(csv_line(good(50)) + ",extra", "wrong number of columns (expected 5, got 6)"),
    ok(E[1]), bad("2020-05-01T00:00:00Z,28.1,104.5", "wrong number of columns (expected 5, got 3)"),
    ok(E[2]), bad("x" * 3000, "wrong number of columns (expected 5, got 1)"),
    ok(E[3]), ok(E[4]), ok(E[5])], note="a row too long, one too short, one 3,000-character line")

E = [good(i) for i in range(5)]
lines_case("comments_and_footer.csv", ["# exported by some tool", "# 5 events", HEADER],
           [ok(e) for e in E] + [("", None, None),
                                 bad("Total: 5 events", "wrong number of columns (expected 5, got 1)")],
           note="comment lines before the header, a blank line and a footer after the data")


def parts_line(e):
    t = e[0]
    return (f"{t[:4]},{int(t[5:7])},{int(t[8:10])},{int(t[11:13])},{int(t[14:16])},"
            f"{float(t[17:19])},{e[1]},{e[2]},{e[3]},{e[4]}")


E = [good(i) for i in range(5)]
lines_case("date_parts_columns.csv", ["year,month,day,hour,minute,second,lat,lon,depth,mag"],
           [(parts_line(e), e, None) for e in E] + [
               bad("2020,2,30,0,0,0.0,28.0,104.5,5.0,1.0", "unparseable time"),  # 30 February
               bad("2020,1,1,25,0,0.0,28.0,104.5,5.0,1.0", "unparseable time"),  # hour 25
               bad(",1,1,0,0,0.0,28.0,104.5,5.0,1.0", "missing time")],          # no year
           note="time in year/month/day/hour/minute/second columns")

# ---- QuakeML --------------------------------------------------------------------------------
def quakeml_event(i, e, mag=True, lat=None):
    t, la, lo, dep, m = e
    mag_xml = (f"<magnitude publicID='m{i}'><mag><value>{m}</value></mag><type>ML</type>"
               f"</magnitude>") if mag else ""
    return (f"<event publicID='smi:x/event/{i}'><origin publicID='o{i}'>"
            f"<time><value>{t}</value></time><latitude><value>{la if lat is None else lat}"
            f"</value></latitude><longitude><value>{lo}</value></longitude>"
            f"<depth><value>{dep * 1000}</value></depth></origin>{mag_xml}</event>")


QML_HEAD = ("<?xml version='1.0' encoding='UTF-8'?>\n<q:quakeml xmlns:q='http://quakeml.org/xmlns/"
            "quakeml/1.2' xmlns='http://quakeml.org/xmlns/bed/1.2'>\n<eventParameters "
            "publicID='smi:x/catalog'>\n")
QML_TAIL = "</eventParameters>\n</q:quakeml>\n"
evs = [good(i) for i in range(4)]
whole = QML_HEAD + "\n".join(quakeml_event(i, e) for i, e in enumerate(evs)) + "\n" + QML_TAIL
fails("truncated_quakeml.xml", whole[: len(whole) * 2 // 3].encode(), "not valid XML",
      "QuakeML cut off two thirds of the way through")
evs = [good(i) for i in range(4)]
body = [quakeml_event(i, e) for i, e in enumerate(evs)]
body.insert(1, quakeml_event(90, good(90), mag=False))            # event 2: no magnitude
body.insert(3, quakeml_event(91, good(91), lat="twenty-eight"))  # event 4
loads("quakeml_bad_values.xml", (QML_HEAD + "\n".join(body) + "\n" + QML_TAIL).encode(), evs, 6,
      {2: "missing magnitude", 4: "latitude not a number"},
      note="row = event number in the file")
fails("html_page.csv", text(["<!DOCTYPE html>", "<html><head><title>404 Not Found</title></head>",
                             "<body><p>Not found</p></body></html>"]),
      "XML but not QuakeML (root element <html>", "an error page saved as .csv")
laughs = ["<?xml version='1.0'?>", "<!DOCTYPE lolz [", " <!ENTITY lol 'lol'>"]
laughs += [f" <!ENTITY lol{k} '" + f"&lol{k - 1 if k > 1 else ''};" * 10 + "'>" for k in range(1, 10)]
laughs += ["]>", "<eventParameters>&lol9;</eventParameters>"]
fails("billion_laughs.xml", text(laughs), "not valid XML",
      "entity expansion bomb: expat refuses it, nothing is expanded")

# ---- ZMAP and hypoDD -----------------------------------------------------------------------
def zmap_line(e):
    t = e[0]
    return (f"{e[2]} {e[1]} {int(t[:4])} {int(t[5:7])} {int(t[8:10])} {e[4]} {e[3]} "
            f"{int(t[11:13])} {int(t[14:16])} {float(t[17:19])}")


E = [good(i) for i in range(5)]
lines_case("zmap_with_garbage.txt", [], [
    (zmap_line(E[0]), E[0], None), (zmap_line(E[1]), E[1], None),
    bad("104.5 28.0 2020 1", "wrong number of columns (expected 10, got 4)"),
    (zmap_line(E[2]), E[2], None), (zmap_line(E[3]), E[3], None), (zmap_line(E[4]), E[4], None),
    bad("104.5 28.0 2020 1 1 99 5.0 0 0 0", "magnitude out of range")],
           note="ZMAP: a truncated line and a magnitude 99")


def reloc_line(i, e):
    t = e[0]
    return (f"{i + 1} {e[1]} {e[2]} {e[3]} 0.0 0.0 0.0 10.0 10.0 10.0 {int(t[:4])} {int(t[5:7])} "
            f"{int(t[8:10])} {int(t[11:13])} {int(t[14:16])} {float(t[17:19])} {e[4]} 5 5 0 0 "
            f"0.1 0.1 1")


E = [good(i) for i in range(5)]
cut = " ".join(reloc_line(5, good(5)).split()[:11])  # the last line cut after 11 fields
lines_case("reloc_truncated.reloc", [],
           [(reloc_line(i, e), e, None) for i, e in enumerate(E)]
           + [bad(cut, "wrong number of columns (expected 24, got 11)")],
           note="hypoDD .reloc whose last line is cut off")


# ---- a real .xlsx (CENC export) with bad rows ------------------------------------------------
def cenc_xlsx():
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "地震目录"
    ws.append(["CENC 地震目录"])  # a title row above the header
    ws.append(["发震时刻(国际时)", "纬度(°)", "经度(°)", "深度(km)", "震级(M)", "参考位置"])
    out = []
    for i in range(5):
        e = good(i)
        ws.append([e[0][:10] + " " + e[0][11:19], e[1], e[2], e[3], e[4], "四川"])
        out.append(e)
    ws.append(["2020-06-01 00:00:00", 28.0, 104.5, 5.0, None, "四川"])  # row 8
    ws.append(["not a time", 28.0, 104.5, 5.0, 1.0, "四川"])            # row 9
    buf = io.BytesIO()
    wb.save(buf)
    # openpyxl stamps the save time into docProps/core.xml: rewrite the zip with fixed
    # times so that running this script again gives the same bytes
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    fixed = io.BytesIO()
    with zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                import re

                data = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b"2020-01-01T00:00:00Z", data)
            dst.writestr(zipfile.ZipInfo(info.filename, (2020, 1, 1, 0, 0, 0)), data,
                         zipfile.ZIP_DEFLATED)
    return fixed.getvalue(), out


data, evs = cenc_xlsx()
loads("cenc_bad_rows.xlsx", data, evs, 7, {8: "missing magnitude", 9: "unparseable time"},
      note="a real workbook: title row, CJK header; row = spreadsheet row")


def main():
    os.makedirs(OUT, exist_ok=True)
    for old in os.listdir(OUT):
        if old not in CASES and old != "expected.json":
            os.remove(os.path.join(OUT, old))
    for name, (data, _) in CASES.items():
        assert len(data) <= 8192, (name, len(data))
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump({name: exp for name, (_, exp) in CASES.items()}, f, indent=1,
                  ensure_ascii=False)
        f.write("\n")
    print(f"wrote {len(CASES)} files and expected.json into {os.path.relpath(OUT)}")


if __name__ == "__main__":
    main()
