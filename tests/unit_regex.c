/* tests/unit_regex.c - the tokenizer's regex engine (llm.c section 13).
 *
 * 1. Hand-written cases: a pattern, a subject and the split written out by hand from the
 *    regex semantics (leftmost match, ordered alternation, greedy/lazy quantifiers,
 *    Unicode categories, Oniguruma's \w and \b, '$' = end of subject); the split keeps
 *    the matches and the text between them, as llama.cpp's pre-tokenizers do. Patterns
 *    the engine must reject. Long runs that stay linear.
 * 2. The step limit: a lookahead that is quadratic on a long run of digits must end in
 *    the "regex step limit hit" error, never in a wrong split.
 * 3. Every pre-tokenizer regex (and a few engine stress patterns) against Python's
 *    `regex` module on ~520 random and adversarial subjects: tests/regex_cases.py writes
 *    the expected splits; SKIP when $PYTHON has no `regex` module.
 * None of this needs LLM_TEST_DATA. */
#define LLM_NO_MAIN
#include "../llm.c"
#include "test.h"

#define MAX_CP 200000           /* longest subject, in code points */

static Arena ar;                /* compiled patterns and the matcher's buffers */
static uint32_t *cps;
static uint8_t *cws;
static size_t *boff;            /* byte offset of each code point (and of the end) */
static int32_t *ends;
static TokReRun run;

static void setup(void) {
    Err e = { { 0 } };
    if (arena_create(&ar, (size_t)160 << 20, &e)) { printf("FAIL regex setup: %s\n", e.msg); exit(1); }
    cps = arena_alloc(&ar, (MAX_CP + 1) * sizeof *cps);
    cws = arena_alloc(&ar, MAX_CP + 1);
    boff = arena_alloc(&ar, (MAX_CP + 1) * sizeof *boff);
    ends = arena_alloc(&ar, (MAX_CP + 1) * sizeof *ends);
    run.stack = arena_alloc(&ar, (size_t)(4 * MAX_CP + 64) * sizeof run.stack[0]);
    run.undo = arena_alloc(&ar, (size_t)(4 * MAX_CP + 64) * sizeof(uint32_t));
    run.memo = arena_alloc(&ar, (size_t)(MAX_CP + 1) * 2 * sizeof(uint32_t));
}

/* Subject s[0..n) to code points (as tok__bpe does); returns their count. */
static int32_t load_subject(const char *s, size_t n) {
    int32_t m = 0;
    size_t off = 0;
    while (off < n && m < MAX_CP) {
        size_t adv;
        boff[m] = off;
        cps[m] = tok__utf8_decode((const uint8_t *)s + off, n - off, &adv);
        cws[m] = (uint8_t)tok__ucd_lookup(cps[m]);
        off += adv;
        m++;
    }
    boff[m] = off;
    run.cp = cps; run.cw = cws; run.n = m;
    run.stack_cap = run.undo_cap = 4 * m + 64;             /* as tok__bpe sizes them */
    return m;
}

/* Compile pat at the arena's mark (the caller resets). */
static int compile(TokRe *re, const char *pat, Err *e) {
    return tok__re_compile(re, &ar, pat, e);
}

/* Split s by pat into "piece|piece|..." (bytes; '|' between pieces) in out.
 * Returns the piece count, -1 with e set on a compile or run error. */
static int split_str(const char *pat, const char *s, size_t n, char *out, size_t cap, Err *e) {
    size_t mark = arena_mark(&ar);
    TokRe re;
    int32_t c = -1;
    if (compile(&re, pat, e) == 0) {
        load_subject(s, n);
        c = tok__re_split(&re, &run, ends, e);
    }
    arena_reset(&ar, mark);
    if (c < 0) return -1;
    size_t o = 0;
    for (int32_t i = 0, start = 0; i < c; start = ends[i++]) {
        size_t a = boff[start], b = boff[ends[i]];
        if (i && o < cap) out[o++] = '|';
        for (size_t k = a; k < b && o < cap; k++) out[o++] = s[k];
    }
    out[o < cap ? o : cap - 1] = 0;
    return c;
}

/* Printable form of s (escapes for control bytes and '|' kept), truncated. */
static const char *show(const char *s, char *buf, size_t cap) {
    size_t o = 0;
    for (; *s && o + 8 < cap; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '\n') o += (size_t)snprintf(buf + o, cap - o, "\\n");
        else if (c == '\t') o += (size_t)snprintf(buf + o, cap - o, "\\t");
        else if (c == '\r') o += (size_t)snprintf(buf + o, cap - o, "\\r");
        else if (c < 0x20) o += (size_t)snprintf(buf + o, cap - o, "\\x%02x", c);
        else buf[o++] = (char)c;
    }
    if (*s) o += (size_t)snprintf(buf + o, cap - o, "...");
    buf[o] = 0;
    return buf;
}

/* ---- 1. hand-written cases ---- */

#define GPT2 "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)"

typedef struct { const char *pat, *subject, *want; } Case;

static const Case cases[] = {
    /* GPT-2's pre-tokenizer: contractions, optional leading space, the last space of a
     * run goes with the next word, trailing whitespace is one piece */
    { GPT2, "Hello world's 123  x", "Hello| world|'s| 123| | x" },
    { GPT2, "I'm  done.\n", "I|'m| | done|.|\n" },
    { GPT2, "a   ", "a|   " },
    /* quantifiers */
    { "a+?", "aaa", "a|a|a" },
    { "a*?b", "aaab", "aaab" },
    { "\\p{N}{1,3}", "1234567", "123|456|7" },
    { "a{2,}", "aaaba", "aaa|ba" },
    { "(?:ab)+", "ababa", "abab|a" },
    { "x*", "axb", "a|x|b" },                               /* empty matches: no pieces */
    /* ordered alternation: the first alternative that lets the rest match, not the longest */
    { "(ab|a)(c|bcd)", "abcd", "abc|d" },
    /* case folding: ASCII, and the Kelvin sign folds to k */
    { "(?i:'s|'t)", "'S'T'x", "'S|'T|'x" },
    { "(?i)[a-c]+", "xAbCd", "x|AbC|d" },
    { "(?i:k)+", "kK\xE2\x84\xAAx", "kK\xE2\x84\xAA|x" },
    /* \s is Unicode White_Space: NBSP and the ideographic space are, ZWSP (Cf) is not */
    { "\\s+", "a\xC2\xA0\xE3\x80\x80\xE2\x80\x8B" "b", "a|\xC2\xA0\xE3\x80\x80|\xE2\x80\x8B" "b" },
    /* categories */
    { "\\p{L}+", "h\xC3\xA9llo w\xC3\xB6rld", "h\xC3\xA9llo| |w\xC3\xB6rld" },
    { "\\p{P}+", "a.,b", "a|.,|b" },
    { "[^\\s\\p{L}]+", "ab, 12!", "ab|,| |12!" },
    /* \w as Oniguruma: L M N Pc (combining acute Mn, vulgar half No, roman eight Nl) */
    { "\\w+", "a_1\xCC\x81\xC2\xBD\xE2\x85\xA7-x", "a_1\xCC\x81\xC2\xBD\xE2\x85\xA7|-|x" },
    /* \d is Nd only: Arabic-Indic three is, the vulgar half (No) is not */
    { "\\d+", "1\xD9\xA3\xC2\xBD" "2", "1\xD9\xA3|\xC2\xBD|2" },
    /* ranges above ASCII */
    { "[\xE4\xB8\x80-\xE9\xBE\xA5]+", "ab\xE4\xB8\xAD\xE6\x96\x87" "c", "ab|\xE4\xB8\xAD\xE6\x96\x87|c" },
    /* anchors: ^ is the subject start, $ the subject end (not before a final newline) */
    { "^\\s+|\\s+$", "  a  b  ", "  |a  b|  " },
    { "a$", "a\n", "a\n" },
    { "a$", "ba", "b|a" },
    /* word boundaries */
    { "\\bx", "x ax x", "x| ax |x" },
    { "x\\B", "xa x", "x|a x" },
    /* lookaheads */
    { "\\s+(?!\\S)", "a  b", "a| | b" },
    { "a(?=b)", "abac", "a|bac" },
    /* '.' is anything but a newline; escapes */
    { ".+", "ab\ncd", "ab|\n|cd" },
    { "\\x41\\u0042\\x{43}", "xABCx", "x|ABC|x" },
    { "[\\t\\n]+", "a\t\nb", "a|\t\n|b" },
    /* invalid UTF-8 in the subject is one U+FFFD per bad byte, which is no letter */
    { "\\p{L}+", "ab\xFF" "cd", "ab|\xFF|cd" },
};

static const char *const bad_patterns[] = {
    "(", "a)", "[a", "a{3,2}", "*a", "\\p{Nonsense}", "(?<=a)b", "(a)\\1", "a++", "(?>a)", "\\x{110000}",
};

static void hand_written(void) {
    int bad = 0, first = -1;
    char got[512], why[1024] = "";
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        Err e = { { 0 } };
        int c = split_str(cases[i].pat, cases[i].subject, strlen(cases[i].subject), got, sizeof got, &e);
        if (c >= 0 && !strcmp(got, cases[i].want)) continue;
        bad++;
        if (first < 0) {
            char a[128], b[128], d[128], g[128];
            first = (int)i;
            snprintf(why, sizeof why, "case %d: /%s/ on '%s': want '%s', got %s%s%s", (int)i,
                     show(cases[i].pat, a, sizeof a), show(cases[i].subject, b, sizeof b),
                     show(cases[i].want, d, sizeof d), c < 0 ? "error: " : "'", c < 0 ? e.msg : show(got, g, sizeof g),
                     c < 0 ? "" : "'");
        }
    }
    char name[128];
    int nc = (int)(sizeof cases / sizeof cases[0]);
    snprintf(name, sizeof name, "regex hand-written splits (%d/%d)", nc - bad, nc);
    CHECK(name, bad == 0, "%d wrong; first: %s", bad, why);

    int accepted = 0;
    char which[256] = "";
    for (size_t i = 0; i < sizeof bad_patterns / sizeof bad_patterns[0]; i++) {
        Err e = { { 0 } };
        size_t mark = arena_mark(&ar);
        TokRe re;
        int r = compile(&re, bad_patterns[i], &e);
        arena_reset(&ar, mark);
        if (r == 0 || !strstr(e.msg, "regex")) {
            accepted++;
            size_t l = strlen(which);
            snprintf(which + l, sizeof which - l, " /%s/%s", bad_patterns[i], r == 0 ? "" : " (no message)");
        }
    }
    int nb = (int)(sizeof bad_patterns / sizeof bad_patterns[0]);
    snprintf(name, sizeof name, "regex rejects unsupported or invalid patterns (%d)", nb);
    CHECK(name, accepted == 0, "compiled without an error:%s", which);
}

/* Long runs: the memo of visited states keeps these linear (a backtracking engine
 * without it takes ~n^2/2 steps on the first two). */
static void long_runs(void) {
    size_t n = 100000;
    char *s = malloc(n + 2);
    memset(s, ' ', n);
    s[n] = 'x'; s[n + 1] = 0;
    static const struct { const char *pat; int with_x; int pieces; size_t first; } runs[] = {
        { "\\s+$", 1, 1, 100001 },                          /* no match: one piece */
        { "\\s+$", 0, 1, 100000 },
        { "\\s+(?!\\S)|\\s+", 1, 3, 99999 },                /* 99999 spaces | ' ' | x */
        { GPT2, 1, 2, 99999 },                              /* 99999 spaces | ' x' */
        { "\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+", 1, 3, 99999 },
    };
    for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
        size_t len = n + (size_t)runs[i].with_x;
        size_t mark = arena_mark(&ar);
        Err e = { { 0 } };
        TokRe re;
        double t0 = time_now();
        int32_t c = -1;
        if (compile(&re, runs[i].pat, &e) == 0) {
            load_subject(s, len);
            c = tok__re_split(&re, &run, ends, &e);
        }
        double ms = (time_now() - t0) * 1e3;
        arena_reset(&ar, mark);
        char name[200], p[80];
        snprintf(name, sizeof name, "regex 100 kB of spaces%s: /%s/ (%.0f ms)", runs[i].with_x ? " then x" : "",
                 show(runs[i].pat, p, 40), ms);
        CHECK(name, c == runs[i].pieces && (size_t)ends[0] == runs[i].first, "%d pieces, first ends at %d (want %d, %zu)%s%s",
              (int)c, c > 0 ? (int)ends[0] : -1, runs[i].pieces, runs[i].first, c < 0 ? ": " : "", c < 0 ? e.msg : "");
    }
    free(s);
}

/* ---- 2. the step limit ---- */

#define STRESS "\\d{1,3}(?=(?:\\d{3})*\\b)"

static void step_limit(void) {
    size_t n = 5000;
    char *s = malloc(n + 2);
    memset(s, '1', n + 1);
    s[n + 1] = 0;
    /* 5001 digits and the end: groups of three from the left (5001 = 3 x 1667) */
    Err e = { { 0 } };
    size_t mark = arena_mark(&ar);
    TokRe re;
    int32_t c = -1;
    int ok = 1;
    if (compile(&re, STRESS, &e) == 0) {
        load_subject(s, n + 1);
        c = tok__re_split(&re, &run, ends, &e);
        for (int32_t i = 0; c == 1667 && i < c; i++) ok &= ends[i] == 3 * (i + 1);
    }
    CHECK("regex step limit: /" STRESS "/ on 5001 digits splits in threes", c == 1667 && ok,
          "%d pieces%s%s", (int)c, c < 0 ? ": " : "", e.msg);
    /* 5000 digits then 'x': no boundary after any digit, so no match at all; every start
     * position rescans the run in the lookahead (~n^2/2 steps): the limit must stop it
     * with an error rather than return a split */
    s[n] = 'x';
    memset(&e, 0, sizeof e);
    load_subject(s, n + 1);
    c = tok__re_split(&re, &run, ends, &e);
    CHECK("regex step limit: /" STRESS "/ on 5000 digits then x is the step-limit error, not a split",
          c < 0 && strstr(e.msg, "step limit"), "returned %d pieces%s%s", (int)c, e.msg[0] ? ", error: " : "", e.msg);
    /* the same on a shorter run is within the limit and gives the right answer (no match) */
    memset(&e, 0, sizeof e);
    load_subject(s + n - 300, 301);
    c = tok__re_split(&re, &run, ends, &e);
    CHECK("regex step limit: /" STRESS "/ on 300 digits then x is one piece (no match)",
          c == 1 && ends[0] == 301, "%d pieces%s%s", (int)c, c < 0 ? ": " : "", e.msg);
    arena_reset(&ar, mark);
    free(s);
}

/* ---- 3. against Python's regex module ---- */

typedef struct { const char *pat, *label; } Pat;

static const char *const extra_patterns[] = {
    /* llama3 with (?i:...) contractions; a Llama-4 / GPT-4o-like one; the step-limit
     * stress pattern; nested lookaheads in stars; counted whitespace; alternation and
     * laziness; a class that looks like a group; anchors and boundaries */
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
    "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
    STRESS,
    "[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))*((?=[\\p{L}])([^A-Z]))+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+",
    "\\s{4}(?!\\S)|\\s{1,2}(?!\\S)|\\s",
    "a*?b|a+?|(ab|a)(c|bcd)|[\\w]+|\\W|\\D\\d",
    " ?[^(\\s|.,!?\xE2\x80\xA6\xE3\x80\x82\xEF\xBC\x8C\xE3\x80\x81\xE0\xA5\xA4\xDB\x94\xD8\x8C)]+",
    "^\\s+|\\s+$|\\bx|x\\B|[\\P{L}\\P{N}]",
};

#define MAX_PATS 64

/* Every distinct regex of the pre-tokenizer table, labelled by the first name of the
 * first entry using it, then the extras. */
static int collect_patterns(Pat *p, char labels[][64]) {
    int n = 0;
    for (size_t i = 0; i < sizeof tok__pres / sizeof tok__pres[0]; i++) {
        const char *nm = tok__pres[i].names;
        int nl = (int)strcspn(nm, "|");
        for (int k = 0; tok__pres[i].re[k]; k++) {
            int dup = 0;
            for (int j = 0; j < n; j++) dup |= !strcmp(p[j].pat, tok__pres[i].re[k]);
            if (dup || n >= MAX_PATS) continue;
            snprintf(labels[n], 64, "pre %.*s re %d", nl, nm, k);
            p[n].pat = tok__pres[i].re[k];
            p[n].label = labels[n];
            n++;
        }
    }
    for (size_t k = 0; k < sizeof extra_patterns / sizeof extra_patterns[0] && n < MAX_PATS; k++) {
        snprintf(labels[n], 64, "extra %d", (int)k);
        p[n].pat = extra_patterns[k];
        p[n].label = labels[n];
        n++;
    }
    return n;
}

static int hexval(int c) {
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* hex text [h, end) to bytes in out (malloc'd); returns the byte count. */
static size_t unhex(const char *h, const char *end, char **out) {
    size_t n = (size_t)(end - h) / 2;
    char *o = malloc(n + 1);
    for (size_t i = 0; i < n; i++) o[i] = (char)(hexval(h[2 * i]) * 16 + hexval(h[2 * i + 1]));
    o[n] = 0;
    *out = o;
    return n;
}

static void versus_python(void) {
    const char *py = getenv("PYTHON");
    if (!py || !*py) py = "python3";
    const char *root = getenv("ROOT");
    char cmd[4096], pats_path[1024], out_path[1024], script[1024];
    snprintf(script, sizeof script, "%s/tests/regex_cases.py", root && *root ? root : ".");
    snprintf(cmd, sizeof cmd, "'%s' -c 'import regex' >/dev/null 2>&1", py);
    if (system(cmd) != 0) {
        SKIP("regex vs Python", "%s has no 'regex' module (Debian: python3-regex)", py);
        return;
    }
    static Pat pats[MAX_PATS];
    static char labels[MAX_PATS][64];
    int np = collect_patterns(pats, labels);
    test_tmp("regex_patterns.txt", pats_path, sizeof pats_path);
    test_tmp("regex_cases.txt", out_path, sizeof out_path);
    FILE *f = fopen(pats_path, "w");
    if (!f) { CHECK("regex vs Python", 0, "cannot write %s", pats_path); return; }
    for (int i = 0; i < np; i++) {
        for (const char *s = pats[i].pat; *s; s++) fprintf(f, "%02x", (uint8_t)*s);
        fputc('\n', f);
    }
    fclose(f);
    snprintf(cmd, sizeof cmd, "'%s' '%s' '%s' '%s'", py, script, pats_path, out_path);
    double t0 = time_now();
    fflush(stdout);
    int rc = system(cmd);
    double t_py = time_now() - t0;
    size_t n_all;
    char *all = rc == 0 ? test_read(out_path, &n_all) : NULL;
    if (!all) { CHECK("regex vs Python", 0, "'%s' failed (status %d)", cmd, rc); return; }

    /* subjects first */
    int ns = 0, cap = 1024;
    char **subj = malloc((size_t)cap * sizeof *subj);
    size_t *subj_n = malloc((size_t)cap * sizeof *subj_n);
    char *line = all, *end_all = all + n_all;
    while (line < end_all && line[0] == 'S') {
        char *eol = memchr(line, '\n', (size_t)(end_all - line));
        if (!eol) eol = end_all;
        if (ns == cap) {
            cap *= 2;
            subj = realloc(subj, (size_t)cap * sizeof *subj);
            subj_n = realloc(subj_n, (size_t)cap * sizeof *subj_n);
        }
        subj_n[ns] = unhex(line + 2, eol, &subj[ns]);
        ns++;
        line = eol + 1;
    }
    int32_t *want = malloc((MAX_CP + 1) * sizeof *want);
    double t_match = 0;
    int pi = -1, total_bad = 0;
    /* one pattern per iteration: its P line, then X or ns E lines */
    while (line < end_all && line[0] == 'P') {
        pi++;
        char *eol = memchr(line, '\n', (size_t)(end_all - line));
        if (!eol) eol = end_all;
        char *pat;
        unhex(line + 2, eol, &pat);
        line = eol + 1;
        const char *label = pi < np && !strcmp(pats[pi].pat, pat) ? pats[pi].label : "?";
        char name[256], pshow[200];
        int is_stress = !strcmp(pat, STRESS);
        snprintf(name, sizeof name, "regex vs Python: %s", label);
        printf("# %s: /%s/\n", label, show(pat, pshow, sizeof pshow));
        if (line < end_all && line[0] == 'X') {
            eol = memchr(line, '\n', (size_t)(end_all - line));
            if (!eol) eol = end_all;
            SKIP(name, "Python cannot compile it: %.*s", (int)(eol - line - 2), line + 2);
            line = eol + 1;
            free(pat);
            continue;
        }
        size_t mark = arena_mark(&ar);
        Err ce = { { 0 } };
        TokRe re;
        int compiled = compile(&re, pat, &ce) == 0;
        int equal = 0, unknown = 0, refused = 0, bad = 0;
        char why[1024] = "";
        for (int si = 0; si < ns && line < end_all && line[0] == 'E'; si++) {
            eol = memchr(line, '\n', (size_t)(end_all - line));
            if (!eol) eol = end_all;
            char *q = line + 2;
            line = eol + 1;
            if (*q == '?') { unknown++; continue; }
            int nw = 0;
            while (q < eol && nw <= MAX_CP) {
                want[nw++] = (int32_t)strtol(q, &q, 10);
                if (*q == ',') q++;
            }
            if (!compiled) { bad++; continue; }
            int32_t m = load_subject(subj[si], subj_n[si]);
            Err e = { { 0 } };
            double t1 = time_now();
            int32_t c = tok__re_split(&re, &run, ends, &e);
            t_match += time_now() - t1;
            int ok = c == nw;
            for (int32_t i = 0; ok && i < c; i++) ok = ends[i] == want[i];
            if (ok) { equal++; continue; }
            if (c < 0 && is_stress && strstr(e.msg, "step limit")) {   /* the known limit: see step_limit() */
                refused++;
                printf("# %s: subject %d (%d code points) refused: %s\n", label, si, (int)m, e.msg);
                continue;
            }
            if (!bad++) {
                char sb[200];
                int k = 0;
                size_t o = (size_t)snprintf(why, sizeof why, "subject %d '%s' (%d code points): want", si,
                                            show(subj[si], sb, 120), (int)m);
                for (k = 0; k < nw && k < 12 && o < sizeof why; k++) o += (size_t)snprintf(why + o, sizeof why - o, " %d", want[k]);
                if (nw > 12 && o < sizeof why) o += (size_t)snprintf(why + o, sizeof why - o, " ...(%d)", nw);
                if (o < sizeof why) o += (size_t)snprintf(why + o, sizeof why - o, ", got");
                for (k = 0; k < c && k < 12 && o < sizeof why; k++) o += (size_t)snprintf(why + o, sizeof why - o, " %d", ends[k]);
                if (c > 12 && o < sizeof why) o += (size_t)snprintf(why + o, sizeof why - o, " ...(%d)", (int)c);
                if (c < 0 && o < sizeof why) snprintf(why + o, sizeof why - o, " error: %s", e.msg);
            }
        }
        arena_reset(&ar, mark);
        total_bad += bad;
        char extra[160] = "";
        if (refused || unknown)
            snprintf(extra, sizeof extra, "; %d refused with the step limit, %d too slow in Python", refused, unknown);
        snprintf(name + strlen(name), sizeof name - strlen(name), " (%d/%d equal%s)", equal, equal + bad, extra);
        if (!compiled) CHECK(name, 0, "does not compile: %s", ce.msg);
        else CHECK(name, bad == 0 && equal > 0, "%d differ; first: %s", bad, why);
        free(pat);
    }
    CHECK("regex vs Python: every pattern was checked", pi + 1 == np, "%d of %d patterns in %s", pi + 1, np, out_path);
    printf("# regex vs Python: %d patterns x %d subjects; Python %.1f s, matching %.2f s\n", np, ns, t_py, t_match);
    for (int i = 0; i < ns; i++) free(subj[i]);
    free(subj); free(subj_n); free(want); free(all);
}

int main(void) {
    setup();
    hand_written();
    long_runs();
    step_limit();
    versus_python();
    arena_destroy(&ar);
    return test_failed ? 1 : 0;
}
