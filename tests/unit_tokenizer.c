/* tests/unit_tokenizer.c - the tokenizer (llm.c section 13) against llama.cpp's test
 * vectors, through llm's real loading path.
 *
 * Each vocabulary in $LLM_TEST_DATA/vocab is mapped (file_map), opened (gguf_open) and
 * loaded as the CLI does it: one arena sized by tok_desc_mem_size + tok_plan_size, plus a
 * scratch sub-arena of tok_scratch_size(longest input); tok_desc_from_gguf, tok_init.
 * Every tok_encode call below runs in a sub-arena of exactly tok_scratch_size(its
 * length), so that bound is tested too. Per vocabulary:
 *   - vectors: the ids of each .inp text equal the .out line (no BOS, parse_special 0);
 *   - pieces: the tok_piece texts of those ids joined give back the input (SPM: after
 *     the one space its prefix adds);
 *   - tok_decode gives back the input, or for vocabularies where llama.cpp cleans up
 *     spaces (" ," " 's" ...), the input after that same clean-up;
 *   - baichuan (no vectors): encode/decode round trips of a few texts;
 *   - "prompt too long" when max_out is too small (and nothing written past max_out),
 *     BOS with add_bos = 1 (SPM), special tokens with parse_special = 1, 20 kB of random
 *     bytes (SPM: decoded back byte for byte), 100 kB of spaces, the scratch arena left
 *     as found after every call.
 * Then every pre-tokenizer (on gpt-2's vocabulary) on 100 kB adversarial texts.
 * Without LLM_TEST_DATA those SKIP; the checks on a small hand-made vocabulary always run.
 * The regex engine itself: tests/unit_regex.c. */
#define LLM_NO_MAIN
#include "../llm.c"
#include "test.h"

#define SEP "\n__ggml_vocab_test__\n"
#define LONGEST 100000          /* the longest text encoded here: the run of spaces */

static const char *const vocab_names[] = {
    "llama-spm", "phi-3", "gpt-2", "deepseek-llm", "falcon", "starcoder", "mpt", "baichuan",
};

typedef struct {
    FileMap map;
    Gguf g;
    Arena arena, scratch;
    TokDesc d;
    Tokenizer t;
    size_t plan, used;          /* vocabulary bytes planned and taken */
    int scratch_bad;            /* encode calls that left the scratch arena moved */
    int calls;
} Vocab;

static Vocab V;

/* ---- helpers ---- */

static void names(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void names(char *buf, size_t cap, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, cap, fmt, ap);
    va_end(ap);
}

/* tok_encode in a scratch sub-arena of exactly tok_scratch_size(len), checking that
 * both it and the parent are left as found. */
static int encode(Vocab *v, const char *text, size_t len, int add_bos, int parse_special,
                  int32_t *out, int max_out, Err *e) {
    size_t mark = arena_mark(&v->scratch);
    Arena tight;
    if (arena_sub(&v->scratch, &tight, tok_scratch_size(len)))
        return err_set(e, "test: the scratch arena cannot hold tok_scratch_size(%zu)", len);
    int n = tok_encode(&v->t, &tight, text, len, add_bos, parse_special, out, max_out, e);
    v->calls++;
    if (tight.used != 0) v->scratch_bad++;
    arena_reset(&v->scratch, mark);
    return n;
}

/* Pieces of ids joined into buf; -1 when a piece does not fit. */
static int join_pieces(const Tokenizer *t, const int32_t *ids, int n, char *buf, int cap) {
    int total = 0;
    for (int i = 0; i < n; i++) {
        int k = tok_piece(t, ids[i], buf + total, cap - total);
        if (k < 0) return -1;
        total += k;
    }
    return total;
}

/* llama.cpp's clean-up of spaces in detokenize (src/llama-vocab.cpp, clean_spaces),
 * applied in place to a copy of the input text: " ?" " !" " ." " ," lose the space,
 * " ' " becomes "'", and " 's" " 'm" " 're" " 've" lose the space. Returns the length. */
static int clean_spaces(char *text, int total) {
    int total1 = total;
    total = total ? 1 : 0;
    for (int i = 1; i < total1; i++) {
        char x = text[i];
        if (text[i - 1] == ' ' && (x == '?' || x == '!' || x == '.' || x == ',')) total--;
        text[total++] = x;
    }
    int total2 = total;
    total = total ? 1 : 0;
    for (int i = 1; i < total2; i++) {
        char x = text[i];
        if (x == '\'' && i + 1 < total2 && text[i - 1] == ' ' && text[i + 1] == ' ') {
            total--;
            text[++i] = '\0';
        }
        text[total++] = x;
    }
    int total3 = total;
    total = total ? 1 : 0;
    for (int i = 1; i < total3; i++) {
        char x = text[i];
        if (text[i - 1] == ' ' && x == '\'' && i + 1 < total3) {
            char x1 = text[i + 1];
            if (x1 == 's' || x1 == 'm') total--;
            else if (i + 2 < total3 && ((x1 == 'r' && text[i + 2] == 'e') || (x1 == 'v' && text[i + 2] == 'e'))) total--;
        }
        text[total++] = x;
    }
    return total;
}

static int utf8_valid(const char *s, size_t n) {
    for (size_t i = 0; i < n;) {
        size_t adv;
        uint32_t cp = tok__utf8_decode((const uint8_t *)s + i, n - i, &adv);
        if (cp == 0xFFFD && !(adv == 3 && (uint8_t)s[i] == 0xEF)) return 0;
        i += adv;
    }
    return 1;
}

/* Printable text, truncated to max bytes. */
static const char *show(const char *s, size_t n, size_t max, char *buf, size_t cap) {
    size_t o = 0;
    for (size_t i = 0; i < n && i < max && o + 8 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\n') o += (size_t)snprintf(buf + o, cap - o, "\\n");
        else if (c == '\t') o += (size_t)snprintf(buf + o, cap - o, "\\t");
        else if (c < 0x20 || c == 0x7F) o += (size_t)snprintf(buf + o, cap - o, "\\x%02x", c);
        else buf[o++] = (char)c;
    }
    if (n > max && o + 4 < cap) o += (size_t)snprintf(buf + o, cap - o, "...");
    buf[o] = 0;
    return buf;
}

/* " 1 2 3 ... (N)" of ids, at most 16. */
static const char *show_ids(const int32_t *ids, int n, char *buf, size_t cap) {
    size_t o = 0;
    buf[0] = 0;
    for (int i = 0; i < n && i < 16 && o < cap; i++) o += (size_t)snprintf(buf + o, cap - o, " %d", ids[i]);
    if (n > 16 && o < cap) snprintf(buf + o, cap - o, " ... (%d ids)", n);
    if (n == 0) snprintf(buf, cap, " (none)");
    return buf;
}

static int ids_equal(const int32_t *a, int na, const int32_t *b, int nb) {
    if (na != nb) return 0;
    for (int i = 0; i < na; i++) if (a[i] != b[i]) return 0;
    return 1;
}

/* ---- loading, as the CLI plans it ---- */

static int vocab_load(Vocab *v, const char *path, Err *e) {
    memset(v, 0, sizeof *v);
    if (file_map(&v->map, path, e) || gguf_open(&v->g, v->map.data, v->map.size, e)) return -1;
    TokCounts c = tok_counts(&v->g);
    v->plan = tok_desc_mem_size(c) + tok_plan_size(&v->g, c);
    size_t scratch = tok_scratch_size(LONGEST);
    if (arena_create(&v->arena, v->plan + scratch + 4 * ARENA_ALIGN, e)) return -1;
    if (tok_desc_from_gguf(&v->d, &v->arena, &v->g, e) || tok_init(&v->t, &v->arena, &v->d, e)) return -1;
    v->used = v->arena.used;
    if (v->used > v->plan) return err_set(e, "the vocabulary took %zu arena bytes, the plan says %zu", v->used, v->plan);
    if (arena_sub(&v->arena, &v->scratch, scratch)) return err_set(e, "no room for the scratch arena");
    return 0;
}

static void vocab_free(Vocab *v) {
    arena_destroy(&v->arena);
    file_unmap(&v->map);
}

/* ---- per vocabulary ---- */

static const char *pre_note(int spm_prefix) {
    return spm_prefix ? "; SPM: after the one space its prefix adds" : "";
}

/* The .inp/.out vectors: ids, joined pieces, tok_decode. */
static void check_vectors(Vocab *v, const char *name, const char *dir) {
    char path[8192], nm[256];
    snprintf(path, sizeof path, "%s/ggml-vocab-%s.gguf.inp", dir, name);
    size_t ninp, nout;
    char *inp = test_read(path, &ninp);
    snprintf(path, sizeof path, "%s/ggml-vocab-%s.gguf.out", dir, name);
    char *out = test_read(path, &nout);
    if (!inp || !out) {
        free(inp); free(out);
        return;                 /* no vectors (baichuan): see check_round_trips */
    }
    const Tokenizer *t = &v->t;
    int spm = t->kind == TOK_SPM;
    int n_in = 0, pass = 0, pieces_ok = 0, pieces_n = 0, dec_ok = 0, dec_n = 0, skipped_utf8 = 0;
    char fail_ids[2048] = "", fail_pieces[1024] = "", fail_dec[1024] = "";
    int32_t *ids = malloc(sizeof(int32_t) * 16384), *want = malloc(sizeof(int32_t) * 16384);
    char *buf = malloc(ninp * 4 + 256), *exp = malloc(ninp + 256);
    char *outline = out;
    for (size_t pos = 0; pos < ninp; n_in++) {
        const char *text = inp + pos, *nx = strstr(text, SEP);
        size_t len = nx ? (size_t)(nx - text) : ninp - pos;
        pos = nx ? (size_t)(nx - inp) + strlen(SEP) : ninp;
        char *eol = strchr(outline, '\n');
        if (eol) *eol = 0;
        int nw = 0;
        for (char *q = outline; *q && nw < 16384;) {
            char *q2;
            long x = strtol(q, &q2, 10);
            if (q2 == q) break;
            want[nw++] = (int32_t)x;
            q = q2;
        }
        outline = eol ? eol + 1 : outline + strlen(outline);
        Err e = { { 0 } };
        int n = encode(v, text, len, 0, 0, ids, 16384, &e);
        char s1[160], s2[400], s3[400];
        if (n >= 0 && ids_equal(ids, n, want, nw)) pass++;
        else if (!fail_ids[0])
            snprintf(fail_ids, sizeof fail_ids, "first failing input #%d '%s': want%s; got%s%s", n_in,
                     show(text, len, 60, s1, sizeof s1), show_ids(want, nw, s2, sizeof s2),
                     n < 0 ? " error: " : "", n < 0 ? e.msg : show_ids(ids, n, s3, sizeof s3));
        if (n < 0) continue;
        if (!utf8_valid(text, len)) { skipped_utf8++; continue; }   /* BPE would see U+FFFD */
        /* pieces joined: the input (SPM: after the space prefix) */
        int pre = spm && t->add_space_prefix && len > 0;
        int k = join_pieces(t, ids, n, buf, (int)(ninp * 4 + 200));
        pieces_n++;
        if (k == (int)len + pre && (!pre || buf[0] == ' ') && !memcmp(buf + pre, text, len)) pieces_ok++;
        else if (!fail_pieces[0])
            snprintf(fail_pieces, sizeof fail_pieces, "first: input #%d '%s' gives '%s'", n_in,
                     show(text, len, 60, s1, sizeof s1), k < 0 ? "(piece too long)" : show(buf, (size_t)k, 60, s2, sizeof s2));
        /* tok_decode: the input, cleaned up as llama.cpp does for vocabularies that ask */
        memcpy(exp, text, len);
        int elen = t->clean_spaces ? clean_spaces(exp, (int)len) : (int)len;
        int d = tok_decode(t, ids, n, buf, (int)(ninp * 4 + 200));
        dec_n++;
        if (d == elen && !memcmp(buf, exp, (size_t)elen)) dec_ok++;
        else if (!fail_dec[0])
            snprintf(fail_dec, sizeof fail_dec, "first: input #%d '%s' decodes to '%s', want '%s'", n_in,
                     show(text, len, 60, s1, sizeof s1), d < 0 ? "(too long)" : show(buf, (size_t)d, 60, s2, sizeof s2),
                     show(exp, (size_t)elen, 60, s3, sizeof s3));
    }
    names(nm, sizeof nm, "tokenizer %s vectors (%d/%d)", name, pass, n_in);
    CHECK(nm, pass == n_in && n_in > 0, "%s", fail_ids[0] ? fail_ids : "no inputs");
    names(nm, sizeof nm, "tokenizer %s pieces joined == input (%d/%d%s%s)", name, pieces_ok, pieces_n,
          pre_note(spm && t->add_space_prefix), skipped_utf8 ? "; invalid UTF-8 inputs left out" : "");
    CHECK(nm, pieces_ok == pieces_n && pieces_n > 0, "%s", fail_pieces);
    names(nm, sizeof nm, "tokenizer %s tok_decode == input (%d/%d%s)", name, dec_ok, dec_n,
          t->clean_spaces ? "; llama.cpp cleans up spaces for this vocabulary: compared with the input after that clean-up"
                          : "; no clean-up of spaces");
    CHECK(nm, dec_ok == dec_n && dec_n > 0, "%s", fail_dec);
    free(ids); free(want); free(buf); free(exp); free(inp); free(out);
}

/* A few texts through encode and tok_decode (the checks for baichuan, which has no vectors). */
static void check_round_trips(Vocab *v, const char *name) {
    static const char *const texts[] = {
        "Hello world", "  two leading spaces, and trailing  ", "tabs\tand\nnew\r\nlines\n\n",
        "\xE4\xB8\xAD\xE6\x96\x87\xE6\xB5\x8B\xE8\xAF\x95 mixed \xE6\x96\x87\xE6\x9C\xAC",  /* 中文测试 mixed 文本 */
        "emoji \xF0\x9F\x98\x80 and \xC3\xA9\xC3\xA0\xC3\xBC, numbers 3.14159 and 1,000,000",
        "code: for (int i = 0; i < n; i++) { x[i] += 1; }",
    };
    int nt = (int)(sizeof texts / sizeof texts[0]), ok = 0;
    char why[1536] = "", nm[256], buf[1024], exp[512], s1[200], s2[200];
    int32_t ids[512];
    for (int i = 0; i < nt; i++) {
        Err e = { { 0 } };
        size_t len = strlen(texts[i]);
        int n = encode(v, texts[i], len, 0, 0, ids, 512, &e);
        memcpy(exp, texts[i], len);
        int elen = v->t.clean_spaces ? clean_spaces(exp, (int)len) : (int)len;
        int d = n >= 0 ? tok_decode(&v->t, ids, n, buf, (int)sizeof buf) : -1;
        if (d == elen && !memcmp(buf, exp, (size_t)elen)) ok++;
        else if (!why[0])
            snprintf(why, sizeof why, "'%s' -> %s%s", show(texts[i], len, 60, s1, sizeof s1),
                     n < 0 ? "error: " : "", n < 0 ? e.msg : show(buf, d > 0 ? (size_t)d : 0, 60, s2, sizeof s2));
    }
    names(nm, sizeof nm, "tokenizer %s round trips through tok_encode and tok_decode (%d/%d)", name, ok, nt);
    CHECK(nm, ok == nt, "first: %s", why);
}

static void check_limits_and_specials(Vocab *v, const char *name) {
    const Tokenizer *t = &v->t;
    char nm[256], s1[400], s2[400];
    int32_t ids[256], ref[256];
    Err e = { { 0 } };

    /* max_out too small: the error, and nothing written past max_out */
    const char *txt = "Hello world, this is a somewhat longer prompt";
    for (int i = 0; i < 256; i++) ids[i] = -7;
    int n = encode(v, txt, strlen(txt), 0, 0, ids, 2, &e);
    int canary = 1;
    for (int i = 2; i < 256; i++) canary &= ids[i] == -7;
    names(nm, sizeof nm, "tokenizer %s \"prompt too long\" when max_out is 2", name);
    CHECK(nm, n == -1 && !strncmp(e.msg, "prompt too long", 15) && strstr(e.msg, "limit 2") && canary,
          "returned %d, error '%s'%s", n, e.msg, canary ? "" : ", and wrote past max_out");

    /* BOS: add_bos = 1 adds it when the vocabulary wants one (SPM: always by default) */
    memset(&e, 0, sizeof e);
    int nr = encode(v, "Hello world", 11, 0, 0, ref, 256, &e);
    int nb = encode(v, "Hello world", 11, 1, 0, ids, 256, &e);
    int want_bos = t->add_bos && t->bos >= 0, want_eos = t->add_eos && t->eos >= 0;
    int ok = nr > 0 && nb == nr + want_bos + want_eos && (!want_bos || ids[0] == t->bos) &&
             ids_equal(ids + want_bos, nr, ref, nr) && (!want_eos || ids[nb - 1] == t->eos);
    if (t->kind == TOK_SPM) ok &= want_bos && t->bos == v->d.bos;
    names(nm, sizeof nm, "tokenizer %s add_bos=1 %s", name,
          want_bos ? (t->kind == TOK_SPM ? "adds BOS (SPM)" : "adds BOS (the vocabulary asks for it)")
                   : "adds no BOS (the vocabulary does not ask for one)");
    snprintf(s1, sizeof s1, "%s", show_ids(ids, nb, s2, sizeof s2));
    CHECK(nm, ok, "with BOS:%s; without:%s (bos %d, add_bos %d)", s1, show_ids(ref, nr, s2, sizeof s2), t->bos, t->add_bos);

    /* special tokens: the EOS text between two words becomes EOS with parse_special = 1
     * and stays text with 0 (no spaces next to it: Phi-3's rstrip would take them) */
    int32_t eos = t->eos;
    names(nm, sizeof nm, "tokenizer %s parse_special=1 turns EOS text into EOS", name);
    if (eos < 0 || !(t->attr[eos] & (TOK_ATTR_CONTROL | TOK_ATTR_USER)) || t->tokens[eos].n == 0 ||
        t->tokens[eos].n > 100) {
        SKIP(nm, "EOS %d is not a control or user-defined token", eos);
    } else {
        char text[256], s3[400];
        const Str *es = &t->tokens[eos];
        int tl = snprintf(text, sizeof text, "Hi%.*sthere", (int)es->n, es->p);
        int32_t a[256], b[256];
        int na = encode(v, "Hi", 2, 0, 0, a, 256, &e), nbb = encode(v, "there", 5, 0, 0, b, 256, &e);
        int ns = encode(v, text, (size_t)tl, 0, 1, ids, 256, &e);
        int good = na > 0 && nbb > 0 && ns == na + 1 + nbb && ids_equal(ids, na, a, na) && ids[na] == eos &&
                   ids_equal(ids + na + 1, nbb, b, nbb);
        snprintf(s1, sizeof s1, "%s", show(text, (size_t)tl, 80, s3, sizeof s3));
        CHECK(nm, good, "'%s' gives%s", s1, show_ids(ids, ns, s2, sizeof s2));
        int np = encode(v, text, (size_t)tl, 0, 0, ids, 256, &e);
        int has = 0;
        for (int i = 0; i < np; i++) has |= ids[i] == eos;
        names(nm, sizeof nm, "tokenizer %s parse_special=0 keeps EOS text as text", name);
        CHECK(nm, np > 0 && !has, "'%s' gives%s", s1, show_ids(ids, np, s2, sizeof s2));
    }
    if (t->kind == TOK_SPM && t->bos >= 0) {   /* "<s>" alone, and around a word */
        const Str *bs = &t->tokens[t->bos];
        char text[256];
        int tl = snprintf(text, sizeof text, "%.*s", (int)bs->n, bs->p);
        int n1 = encode(v, text, (size_t)tl, 0, 1, ids, 256, &e);
        names(nm, sizeof nm, "tokenizer %s parse_special=1: \"%s\" alone is BOS %d", name, text, t->bos);
        CHECK(nm, n1 == 1 && ids[0] == t->bos, "gives%s", show_ids(ids, n1, s2, sizeof s2));
    }
}

/* 20 kB of random bytes, and 100 kB of spaces. */
static void check_long_inputs(Vocab *v, const char *name) {
    const Tokenizer *t = &v->t;
    char nm[256];
    size_t L = 20000;
    char *txt = malloc(LONGEST + 16), *back = malloc(LONGEST * 4 + 64);
    int32_t *ids = malloc(sizeof(int32_t) * (4 * LONGEST + 8));
    test_rng = 12345;
    for (size_t i = 0; i < L; i++) txt[i] = (char)(int)(test_uniform() * 256);
    Err e = { { 0 } };
    double t0 = time_now();
    int n = encode(v, txt, L, 0, 0, ids, 4 * LONGEST + 8, &e);
    double ms = (time_now() - t0) * 1e3;
    if (t->kind == TOK_SPM) {
        /* Byte for byte, but for one thing llama.cpp does too: spaces become U+2581 (3
         * bytes) before the text is cut into characters by lead-byte length, so after a
         * truncated multi-byte lead (e.g. 0xCA then a space) the U+2581 is split across
         * characters, falls back to byte tokens and decodes as the bytes E2 96 81. */
        char *want = malloc(L * 3 + 8);
        int wn = 0, split = 0;
        size_t esc = t->add_space_prefix ? 3 : 0, next = esc;    /* next: where the next character starts */
        for (size_t i = 0; i < L; i++) {
            uint8_t c = (uint8_t)txt[i];
            int whole = esc == next;                        /* does this byte start a character? */
            size_t clen = c == ' ' ? 3 : 1;
            if (esc == next) next += (size_t)(c == ' ' ? 3 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1);
            while (next < esc + clen) next += 1;            /* continuation bytes of the U+2581 start none */
            if (c == ' ' && !whole) { memcpy(want + wn, "\xE2\x96\x81", 3); wn += 3; split++; }
            else want[wn++] = (char)c;
            esc += clen;
        }
        int d = n >= 0 ? tok_decode(t, ids, n, back, LONGEST * 4 + 64) : -1;
        int diff = -1;
        if (d >= 0) for (int i = 0; i < d && i < wn && diff < 0; i++) if (back[i] != want[i]) diff = i;
        names(nm, sizeof nm, "tokenizer %s 20 kB of random bytes encode and decode back byte for byte (%d tokens, %.0f ms; "
              "%d spaces after a truncated UTF-8 lead byte come back as E2 96 81, as in llama.cpp)", name, n, ms, split);
        CHECK(nm, n > 0 && d == wn && diff < 0, "%s%s decoded %d bytes, want %d, first difference at %d", n < 0 ? "error: " : "",
              n < 0 ? e.msg : "", d, wn, diff);
        free(want);
    } else {
        names(nm, sizeof nm, "tokenizer %s 20 kB of random bytes encode (%d tokens, %.0f ms)", name, n, ms);
        CHECK(nm, n > 0, "error: %s", e.msg);
    }
    memset(txt, ' ', LONGEST);
    memset(&e, 0, sizeof e);
    t0 = time_now();
    n = encode(v, txt, LONGEST, 0, 0, ids, 4 * LONGEST + 8, &e);
    ms = (time_now() - t0) * 1e3;
    int pre = t->kind == TOK_SPM && t->add_space_prefix;
    int k = n >= 0 ? join_pieces(t, ids, n, back, LONGEST * 4 + 64) : -1;
    int same = k == LONGEST + pre;
    for (int i = 0; same && i < k; i++) same = back[i] == ' ';
    names(nm, sizeof nm, "tokenizer %s 100 kB of spaces (%d tokens, pieces give back the spaces%s, %.0f ms)", name, n,
          pre ? " and the prefix" : "", ms);
    CHECK(nm, n > 0 && same, "%s%s pieces joined: %d bytes", n < 0 ? "error: " : "", n < 0 ? e.msg : "", k);
    free(txt); free(back); free(ids);
}

static void check_vocab(const char *name) {
    char rel[256], path[4096], nm[256];
    snprintf(rel, sizeof rel, "vocab/ggml-vocab-%s.gguf", name);
    names(nm, sizeof nm, "tokenizer %s loads", name);
    if (!test_data(rel, path, sizeof path)) { SKIP(nm, "%s not found (LLM_TEST_DATA)", rel); return; }
    Err e = { { 0 } };
    double t0 = time_now();
    int r = vocab_load(&V, path, &e);
    double ms = (time_now() - t0) * 1e3;
    if (r) { CHECK(nm, 0, "%s", e.msg); vocab_free(&V); return; }
    names(nm, sizeof nm, "tokenizer %s loads (%s, pre '%.*s', %d tokens, %d merges; arena %zu of %zu planned bytes; %.0f ms)",
          name, V.t.kind == TOK_SPM ? "SPM" : "BPE", (int)V.d.pre.n, V.d.pre.p, V.d.n_vocab, V.d.n_merges, V.used, V.plan, ms);
    CHECK(nm, 1, "-");
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/vocab", getenv("LLM_TEST_DATA"));
    t0 = time_now();
    check_vectors(&V, name, dir);
    check_round_trips(&V, name);
    check_limits_and_specials(&V, name);
    check_long_inputs(&V, name);
    names(nm, sizeof nm, "tokenizer %s scratch arena left as found (%d tok_encode calls)", name, V.calls);
    CHECK(nm, V.scratch_bad == 0, "%d calls left it moved", V.scratch_bad);
    printf("# %s: checks took %.0f ms\n", name, (time_now() - t0) * 1e3);
    vocab_free(&V);
}

/* Every pre-tokenizer's regexes on gpt-2's vocabulary, on 100 kB adversarial texts. */
static void check_pre_tokenizers(void) {
    char path[4096];
    if (!test_data("vocab/ggml-vocab-gpt-2.gguf", path, sizeof path)) {
        SKIP("tokenizer every pre-tokenizer on 100 kB adversarial texts", "vocab/ggml-vocab-gpt-2.gguf not found (LLM_TEST_DATA)");
        return;
    }
    Err e = { { 0 } };
    if (vocab_load(&V, path, &e)) { CHECK("tokenizer every pre-tokenizer: load gpt-2", 0, "%s", e.msg); vocab_free(&V); return; }
    static const char *const kinds[] = { "spaces", "spaces+x", "newlines+spaces", "digits", "punctuation", "random bytes" };
    enum { NK = 6 };
    char *txt = malloc(LONGEST);
    int32_t *ids = malloc(sizeof(int32_t) * (LONGEST + 8));
    TokDesc d = V.d;
    for (size_t p = 0; p < sizeof tok__pres / sizeof tok__pres[0]; p++) {
        const char *nmp = tok__pres[p].names;
        int nl = (int)strcspn(nmp, "|");
        d.pre.p = nmp; d.pre.n = (size_t)nl;
        char nm[512], times[256] = "", why[1024] = "";
        size_t o = 0;
        Arena a;
        Tokenizer t;
        size_t msz = tok_mem_size(&d);
        memset(&e, 0, sizeof e);
        if (arena_create(&a, msz, &e) || tok_init(&t, &a, &d, &e)) {
            names(nm, sizeof nm, "tokenizer pre-tokenizer %.*s on 100 kB adversarial texts", nl, nmp);
            CHECK(nm, 0, "init: %s", e.msg);
            arena_destroy(&a);
            continue;
        }
        Tokenizer saved = V.t;
        V.t = t;
        int bad = 0;
        double worst = 0;
        test_rng = 777;
        for (int k = 0; k < NK; k++) {
            for (size_t i = 0; i < LONGEST; i++) {
                char c = ' ';
                switch (k) {
                case 1: c = i == LONGEST - 1 ? 'x' : ' '; break;
                case 2: c = i % 3 ? ' ' : '\n'; break;
                case 3: c = (char)('0' + i % 10); break;
                case 4: c = "!?.,;:"[i % 6]; break;
                case 5: c = (char)(int)(test_uniform() * 256); break;
                }
                txt[i] = c;
            }
            memset(&e, 0, sizeof e);
            double t0 = time_now();
            int n = encode(&V, txt, LONGEST, 0, 0, ids, LONGEST + 8, &e);
            double ms = (time_now() - t0) * 1e3;
            if (ms > worst) worst = ms;
            o += (size_t)snprintf(times + o, sizeof times - o, "%s%s %.0f", k ? ", " : "", kinds[k], ms);
            if (n < 0 && !bad++) snprintf(why, sizeof why, "%s: %s", kinds[k], e.msg);
        }
        V.t = saved;
        arena_destroy(&a);
        names(nm, sizeof nm, "tokenizer pre-tokenizer %.*s on 100 kB adversarial texts (slowest %.0f ms)", nl, nmp, worst);
        CHECK(nm, bad == 0, "%s", why);
        printf("# %.*s: %s ms\n", nl, nmp, times);
    }
    names(path, sizeof path, "tokenizer scratch arena left as found (pre-tokenizer runs, %d tok_encode calls)", V.calls);
    CHECK(path, V.scratch_bad == 0, "%d calls left it moved", V.scratch_bad);
    free(txt); free(ids);
    vocab_free(&V);
}

/* ---- no data needed: a hand-made SPM vocabulary ---- */

static void check_tiny_spm(void) {
    /* <unk> <s> </s>, the 256 byte tokens, then pieces with scores */
    static Str tok[300];
    static float score[300];
    static int32_t type[300];
    static char bytes[256][8];
    int n = 0;
    tok[n] = str_c("<unk>"); type[n++] = 2;
    tok[n] = str_c("<s>"); type[n++] = 3;
    tok[n] = str_c("</s>"); type[n++] = 3;
    for (int b = 0; b < 256; b++) {
        snprintf(bytes[b], sizeof bytes[b], "<0x%02X>", b);
        tok[n] = str_c(bytes[b]); type[n++] = 6;
    }
    static const struct { const char *s; float score; } pieces[] = {
        { "\xE2\x96\x81", -1.0f }, { "a", -2.0f }, { "b", -2.0f }, { "ab", -1.0f }, { "\xE2\x96\x81" "a", -0.5f },
        { "\xE2\x96\x81" "ab", -3.0f },
    };
    int first = n;
    for (size_t i = 0; i < sizeof pieces / sizeof pieces[0]; i++) {
        tok[n] = str_c(pieces[i].s); score[n] = pieces[i].score; type[n++] = 1;
    }
    int SP = first, A = first + 1, B = first + 2, AB_ = first + 5;   /* "▁", "a", "b", "▁ab" */
    TokDesc d;
    memset(&d, 0, sizeof d);
    d.n_vocab = n; d.tokens = tok; d.scores = score; d.types = type;
    d.model = str_c("llama");
    d.bos = 1; d.eos = 2; d.unk = 0; d.sep = d.pad = d.eot = -1;
    d.add_bos = d.add_eos = d.add_space_prefix = -1;
    Err e = { { 0 } };
    Arena a, s;
    Tokenizer t;
    size_t msz = tok_mem_size(&d);
    if (arena_create(&a, msz, &e) || tok_init(&t, &a, &d, &e) || arena_create(&s, tok_scratch_size(64), &e)) {
        CHECK("tokenizer hand-made SPM vocabulary loads", 0, "%s", e.msg);
        return;
    }
    CHECK("tokenizer hand-made SPM vocabulary loads within tok_mem_size", a.used <= msz, "%zu > %zu", a.used, msz);
    static const struct { const char *text; int add_bos, parse_special; int want[8]; int nw; } cases[] = {
        /* "▁ab": ▁+a (-0.5) first, then ▁a+b = ▁ab (-3): merges by score, not by length */
        { "ab", 0, 0, { 0 }, 1 },
        /* "▁ab▁ab": equal scores merge leftmost first; both become ▁ab */
        { "ab ab", 0, 0, { 0 }, 2 },
        /* "▁ba": no pair is a token */
        { "ba", 0, 0, { 0 }, 3 },
        /* "c" is no token: byte fallback <0x63> */
        { "c", 0, 0, { 0 }, 2 },
        /* BOS, and <s> parsed as BOS with the text after it prefixed again */
        { "ab", 1, 0, { 0 }, 2 },
        { "<s>ab</s>", 0, 1, { 0 }, 3 },
    };
    int want[6][8] = {
        { AB_ }, { AB_, AB_ }, { SP, B, A }, { SP, 3 + 0x63 }, { 1, AB_ }, { 1, AB_, 2 },
    };
    int bad = 0;
    char why[1536] = "", s1[200], s2[200];
    for (int i = 0; i < 6; i++) {
        int32_t ids[32];
        memset(&e, 0, sizeof e);
        int k = tok_encode(&t, &s, cases[i].text, strlen(cases[i].text), cases[i].add_bos, cases[i].parse_special, ids, 32, &e);
        if (k >= 0 && ids_equal(ids, k, want[i], cases[i].nw) && s.used == 0) continue;
        if (!bad++)
            snprintf(why, sizeof why, "'%s' (bos %d, special %d): want%s, got%s%s", cases[i].text, cases[i].add_bos,
                     cases[i].parse_special, show_ids(want[i], cases[i].nw, s1, sizeof s1),
                     k < 0 ? " error: " : show_ids(ids, k, s2, sizeof s2), k < 0 ? e.msg : "");
    }
    CHECK("tokenizer hand-made SPM vocabulary: score order, leftmost ties, byte fallback, BOS, <s> </s>", bad == 0,
          "%d wrong; first: %s", bad, why);
    /* decode: byte token back to its byte, control tokens "", and (llama.cpp's detokenize
     * with remove_special false) the prefix space dropped from the first token only: after
     * a BOS it stays */
    int32_t ids[] = { 1, AB_, AB_, SP, 3 + 0x63, 2 };
    char buf[64];
    int k = tok_decode(&t, ids + 1, 5, buf, sizeof buf);
    CHECK("tokenizer hand-made SPM vocabulary: tok_decode drops the prefix space", k == 7 && !memcmp(buf, "ab ab c", 7),
          "'%.*s' (%d)", k > 0 ? k : 0, buf, k);
    k = tok_decode(&t, ids, 6, buf, sizeof buf);
    CHECK("tokenizer hand-made SPM vocabulary: tok_decode after BOS keeps it (as llama.cpp)", k == 8 && !memcmp(buf, " ab ab c", 8),
          "'%.*s' (%d)", k > 0 ? k : 0, buf, k);
    k = tok_decode(&t, ids, 6, buf, 3);
    CHECK("tokenizer tok_decode with a small buffer returns -length", k == -8, "%d", k);
    /* unknown model and pre-tokenizer: errors that name them */
    TokDesc bad_d = d;
    bad_d.model = str_c("bert");
    memset(&e, 0, sizeof e);
    CHECK("tokenizer unknown model is an error naming it", tok_mem_size(&bad_d) == 0 && tok_init(&t, &a, &bad_d, &e) < 0 &&
          strstr(e.msg, "'bert'"), "'%s'", e.msg);
    bad_d = d;
    bad_d.model = str_c("gpt2");
    bad_d.pre = str_c("no-such-pre");
    memset(&e, 0, sizeof e);
    CHECK("tokenizer unknown pre-tokenizer is an error naming it", tok_init(&t, &a, &bad_d, &e) < 0 &&
          strstr(e.msg, "'no-such-pre'"), "'%s'", e.msg);
    arena_destroy(&a);
    arena_destroy(&s);
}

int main(void) {
    check_tiny_spm();
    for (size_t i = 0; i < sizeof vocab_names / sizeof vocab_names[0]; i++) check_vocab(vocab_names[i]);
    check_pre_tokenizers();
    return test_failed ? 1 : 0;
}
