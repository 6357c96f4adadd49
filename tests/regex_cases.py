#!/usr/bin/python3
"""Expected regex splits for tests/unit_regex.c, from Python's `regex` module (Debian's
python3-regex; standard library otherwise). Run with $PYTHON (tests/run.sh sets it).

    regex_cases.py PATTERNS OUT [SEED]

PATTERNS: one pattern a line, as hex of its UTF-8 (what unit_regex.c writes).
OUT, one record a line:
    S <hex>              a subject (UTF-8 as hex); all subjects come first, in order
    P <hex>              a pattern, followed by one E or X line:
    X <message>          Python could not compile it
    E <e1,e2,...>        per subject, in order: end offsets (in code points) of the pieces
                         a split gives, as llama.cpp / Hugging Face split: the matches and
                         the text between them, empty pieces dropped
    E ?                  Python took longer than TIMEOUT seconds (not compared)
Patterns are translated to Python's dialect first (see to_python)."""
import random
import sys
import time

import regex

TIMEOUT = 0.25   # seconds per subject: Python's backtracking is quadratic on a few long runs

W = r'[\p{L}\p{M}\p{N}\p{Pc}]'
NW = r'[^\p{L}\p{M}\p{N}\p{Pc}]'
SUBST = {'\\w': W, '\\W': NW,
         '\\b': '(?:(?<=%s)(?!%s)|(?<!%s)(?=%s))' % (W, W, W, W),
         '\\B': '(?:(?<=%s)(?=%s)|(?<!%s)(?!%s))' % (W, W, W, W)}


def to_python(p):
    """llm's '$' is the end of the subject only (Python's also matches before a final
    newline), and \\w / \\b follow Oniguruma (L M N Pc), not Python (Alphabetic M Nd Pc)."""
    out, i, in_cls = [], 0, False
    while i < len(p):
        c = p[i]
        if c == '\\':
            e = p[i:i + 2]
            if e in SUBST and not (in_cls and e in ('\\b', '\\B')):
                out.append(SUBST[e] if not in_cls else SUBST[e][1:-1])
                i += 2
                continue
            out.append(e)
            i += 2
            continue
        if in_cls:
            if c == ']':
                in_cls = False
        elif c == '[':
            in_cls = True
            if p[i + 1:i + 2] == '^':
                out.append('[^')
                i += 2
                continue
            if p[i + 1:i + 2] == ']':
                out.append('[]')
                i += 2
                continue
        elif c == '$':
            out.append(r'\Z')
            i += 1
            continue
        out.append(c)
        i += 1
    return ''.join(out)


def split_ends(rx, s):
    ends, last = [], 0
    for m in rx.finditer(s, timeout=TIMEOUT):
        a, b = m.span()
        if a > last:
            ends.append(a)
        if b > a:
            ends.append(b)
        last = max(last, b) if b > a else max(last, a)
    if last < len(s):
        ends.append(len(s))
    return ends


ALPHABET = (list(" \t\n\r\x0b\x0c\x85\xa0\u1680\u2000\u2028\u2029\u3000\u200b\x1c\x00") +
            list("aZkKsStTrReEvVmMlLdD'\u2019_-.,!?$+<=>^`|~()[]{}\"#%&*/:;@\\") +
            list("\u00e9\u00df\u03a3\u03c9\u1f7d\u212a\u017f\u00b5\u0130\u01c5\u02b0\u05d0\u4e2d"
                 "\u4e00\u9fa5\ud55c\u30fc\u3042") +
            list("0123456789\u0663\u2167\u00bd\u00b2\u0301\u0903\u20dd\u2026\u3002\uff0c\u3001\u201c"
                 "\u00a7\u00a9\u20ac") +
            ["\U0001f600", "\U0001d400", "\U00010400", "\ue000", "\u0378", "\ufffd", "\U0001e900",
             "\uff21", "\u2126"])


def subjects(rng):
    out = []
    for _ in range(300):   # random characters from an alphabet of edge cases
        n = rng.choice([1, 2, 3, 5, 8, 13, 30, 80])
        out.append(''.join(rng.choice(ALPHABET) for _ in range(n)))
    for _ in range(100):   # word-like text
        words = []
        for _ in range(rng.randint(1, 12)):
            kind = rng.random()
            if kind < 0.5:
                w = ''.join(rng.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
                            for _ in range(rng.randint(1, 8)))
            elif kind < 0.6:
                w = rng.choice(["'s", "'T", "'re", "'VE", "'ll", "'d", "'m", "n't"])
            elif kind < 0.75:
                w = str(rng.randint(0, 10 ** rng.randint(1, 9)))
            elif kind < 0.85:
                w = ''.join(rng.choice("!?.,;:()[]{}<>+-*/=_$^|~`\"'") for _ in range(rng.randint(1, 4)))
            else:
                w = ''.join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 4)))
            words.append(w)
            words.append(rng.choice([" ", " ", "  ", "\n", " \n ", "\t", "\r\n", "   \n\n", "\u3000"]))
        out.append(''.join(words))
    # adversarial: long runs
    for unit in [" ", "\n", " \n", "a", "1", "!", "\u00a0", "'", "a1", " a"]:
        for n in [1000, 5000]:
            for tail in ["", "x", "1", "!", "\n", " "]:
                out.append(unit * n + tail)
    out.append(" " * 100000)
    out.append(" " * 100000 + "x")
    return out


def main():
    pats = [bytes.fromhex(line.strip()).decode() for line in open(sys.argv[1]) if line.strip()]
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 1234)
    subs = subjects(rng)
    t0, slow = time.time(), 0
    with open(sys.argv[2], 'w') as f:
        for s in subs:
            f.write("S %s\n" % s.encode().hex())
        for p in pats:
            f.write("P %s\n" % p.encode().hex())
            try:
                rx = regex.compile(to_python(p))
            except regex.error as e:
                f.write("X %s\n" % str(e).replace("\n", " "))
                continue
            for s in subs:
                try:
                    f.write("E %s\n" % ",".join(map(str, split_ends(rx, s))))
                except TimeoutError:
                    f.write("E ?\n")
                    slow += 1
    print("# regex_cases.py: %d patterns x %d subjects in %.1f s (%d not computed: over %.2f s each)"
          % (len(pats), len(subs), time.time() - t0, slow, TIMEOUT))


main()
