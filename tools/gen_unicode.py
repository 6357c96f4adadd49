#!/usr/bin/env python3
"""Generate llm.c's Unicode table: general category + White_Space per code point.

Reads Debian's unicode-data files (UnicodeData.txt, PropList.txt; standard library only)
and writes a C fragment: one sorted array of range starts packed with their category,
plus a binary-search lookup. Adjacent code points with the same (category, White_Space)
share one entry, and unassigned gaps are explicit Cn ranges, so the table covers
0..0x10FFFF with no holes.

    python3 tools/gen_unicode.py            print the fragment to stdout
    python3 tools/gen_unicode.py FILE...    rewrite the region between
                                            "/* BEGIN GENERATED: tools/gen_unicode.py */"
                                            and "/* END GENERATED */" in each FILE
    --ucd DIR                               data directory (default /usr/share/unicode)
"""
import os
import re
import sys

BEGIN = "/* BEGIN GENERATED: tools/gen_unicode.py */"
END = "/* END GENERATED */"

# Order matters: each one-letter group (L, M, N, P, S, Z, C) is a contiguous run of
# values except C, which also owns 0 (Cn), so group masks stay simple bit ranges.
CATS = ["Cn", "Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Mc", "Me", "Nd", "Nl", "No",
        "Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po", "Sm", "Sc", "Sk", "So",
        "Zs", "Zl", "Zp", "Cc", "Cf", "Cs", "Co"]
MAX_CP = 0x110000


def read_categories(ucd):
    cat = bytearray(MAX_CP)  # 0 = Cn
    first = None
    with open(os.path.join(ucd, "UnicodeData.txt"), encoding="utf-8") as f:
        for line in f:
            fields = line.rstrip("\n").split(";")
            if len(fields) < 3:
                continue
            cp, name, gc = int(fields[0], 16), fields[1], fields[2]
            v = CATS.index(gc)
            if name.endswith(", First>"):
                first = cp
                continue
            if name.endswith(", Last>"):
                for c in range(first, cp + 1):
                    cat[c] = v
                first = None
                continue
            cat[cp] = v
    return cat


def read_white_space(ucd):
    ws = bytearray(MAX_CP)
    pat = re.compile(r"^([0-9A-F]+)(?:\.\.([0-9A-F]+))?\s*;\s*White_Space\b")
    with open(os.path.join(ucd, "PropList.txt"), encoding="utf-8") as f:
        for line in f:
            m = pat.match(line)
            if m:
                lo = int(m.group(1), 16)
                hi = int(m.group(2), 16) if m.group(2) else lo
                for c in range(lo, hi + 1):
                    ws[c] = 1
    return ws


def unicode_version(ucd):
    try:
        with open(os.path.join(ucd, "PropList.txt"), encoding="utf-8") as f:
            m = re.search(r"PropList-([0-9.]+)\.txt", f.readline())
            return m.group(1) if m else "unknown"
    except OSError:
        return "unknown"


def fragment(ucd):
    cat = read_categories(ucd)
    ws = read_white_space(ucd)
    entries = []  # (start, packed value)
    prev = None
    for cp in range(MAX_CP):
        v = cat[cp] | (ws[cp] << 5)
        if v != prev:
            entries.append((cp, v))
            prev = v
    lines = []
    w = lines.append
    w("/* Unicode %s general categories and White_Space, from Debian's unicode-data"
      % unicode_version(ucd))
    w(" * (UnicodeData.txt, PropList.txt). Do not edit: rerun tools/gen_unicode.py. */")
    w("enum {")
    for i in range(0, len(CATS), 6):
        w("    " + " ".join("TOK_UCAT_%s = %d," % (c.upper(), i + j)
                            for j, c in enumerate(CATS[i:i + 6])))
    w("    TOK_UCAT_COUNT = %d" % len(CATS))
    w("};")
    w("/* One-letter groups as category bit masks (1u << TOK_UCAT_X). */")
    groups = {}
    for i, c in enumerate(CATS):
        groups[c[0]] = groups.get(c[0], 0) | (1 << i)
    for g in "LMNPSZC":
        w("#define TOK_UCAT_MASK_%s 0x%08Xu" % (g, groups[g]))
    w("")
    w("/* Range starts, ascending from 0: entry = start << 6 | White_Space << 5 | category;")
    w(" * a range runs to the next entry's start. %d entries. */" % len(entries))
    w("static const uint32_t tok__ucd_ranges[%d] = {" % len(entries))
    per = 8
    for i in range(0, len(entries), per):
        chunk = entries[i:i + per]
        w("    " + " ".join("0x%08X," % ((s << 6) | v) for s, v in chunk))
    w("};")
    w("")
    w("/* Category | White_Space << 5 of code point cp (TOK_UCAT_CN above U+10FFFF). */")
    w("static unsigned tok__ucd_lookup(uint32_t cp) {")
    w("    size_t lo = 0, hi = sizeof tok__ucd_ranges / sizeof tok__ucd_ranges[0];")
    w("    if (cp >= 0x110000) return TOK_UCAT_CN;")
    w("    while (hi - lo > 1) {              /* invariant: start[lo] <= cp < start[hi] */")
    w("        size_t mid = lo + (hi - lo) / 2;")
    w("        if ((tok__ucd_ranges[mid] >> 6) <= cp) lo = mid; else hi = mid;")
    w("    }")
    w("    return tok__ucd_ranges[lo] & 63u;")
    w("}")
    return "\n".join(lines) + "\n"


def rewrite(path, frag):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    b = text.find(BEGIN)
    e = text.find(END, b + 1) if b >= 0 else -1
    if b < 0 or e < 0:
        sys.exit("%s: markers %r ... %r not found" % (path, BEGIN, END))
    new = text[:b + len(BEGIN)] + "\n" + frag + text[e:]
    if new != text:
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(new)
        os.replace(tmp, path)


def main(argv):
    ucd = "/usr/share/unicode"
    files = []
    i = 0
    while i < len(argv):
        if argv[i] == "--ucd" and i + 1 < len(argv):
            ucd = argv[i + 1]
            i += 2
            continue
        files.append(argv[i])
        i += 1
    frag = fragment(ucd)
    if not files:
        sys.stdout.write(frag)
    for p in files:
        rewrite(p, frag)


if __name__ == "__main__":
    main(sys.argv[1:])
