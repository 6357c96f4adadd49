/* llm.c - run a language model from one static binary, offline, on small hardware.
 *
 * Build:   make    (musl-gcc -std=c11 -ffp-contract=off -falign-loops=64 -O2 -Wall -Wextra
 *                  -Ivendor/bearssl-src/inc -static -o llm llm.c
 *                  vendor/build/musl-gcc/libbearssl.a -lm -lpthread; `make vendor` fetches BearSSL)
 * Use:     ./llm -m model.gguf -p "Once upon a time"        (see README for every flag)
 *
 * One C11 translation unit in numbered sections, each using only those above it.
 * Weights are memory-mapped read-only from a GGUF file; everything else the run needs
 * (KV cache, activations, tokenizer tables, sampler state, scratch) is computed from the
 * model's hyper-parameters and the flags at start-up and taken in one allocation, so
 * nothing is allocated while generating.
 *
 * Configuration macros:
 *   LLM_NO_MAIN     leave out main() (tests #include "llm.c" with this defined)
 * Environment: LLM_FORCE_REF=1 runs the plain C reference kernels instead of the SIMD
 * variants chosen at start-up (AVX2, AVX-512 VNNI on x86_64 by cpuid; NEON, NEON dot
 * product on ARM by AT_HWCAP).
 *
 * Contents (sections marked "later" arrive with their issues and are not in this file yet):
 *    1. base        includes, platform, errors, logging, time
 *    2. arena       the fixed arena
 *    3. text        UTF-8, string slices, sizes, SHA-256 (BearSSL's)
 *    4. json        strict parser into the arena (depth and size limits), writer
 *    5. files       mmap, huge-page copies, atomic write
 *    6. net         DNS, TCP with timeouts, TLS (BearSSL), HTTP/1.1 client, URLs, proxy
 *    7. hub         Hugging Face API, tokens, --fetch, manifests, offline mode
 *    8. formats     GGUF read, validate and write
 *    9. convert     (later: safetensors import)
 *   10. kernels     reference and SIMD kernels per quant type, attention, dispatch
 *   11. threads     pool, parallel-for
 *   12. model       hyper-parameters, llama forward pass, KV cache, memory plan
 *   13. tokenizer   SentencePiece and byte-level BPE, pre-tokenizers, Unicode tables
 *   14. template    Jinja subset that runs the model's own chat template
 *   15. sampler     greedy, temperature, top-k, top-p, min-p, penalties, seeds
 *   16. session     prompt to tokens to streamed text; perplexity; benchmark
 *   17. cli         flags, commands, main
 */

/* ============================================================================
 * 1. base: includes, platform, errors, logging, time
 *
 * Errors: a function that can fail returns 0 on success and -1 on failure, after
 * writing a one-line message with err_set() (the first message wins, so the most
 * specific one, set deepest, is what the user sees). exit() only in main.
 * ========================================================================== */

#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/socket.h>
#if defined(__aarch64__) || defined(__arm__)
#include <sys/auxv.h>
#endif
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <bearssl.h>

#ifdef LLM_NO_MAIN   /* tests include this file and use a part of it each */
#pragma GCC diagnostic ignored "-Wunused-function"
#endif
#define LLM_MAYBE_UNUSED __attribute__((unused))

#define LLM_VERSION "0.1.0"

#if defined(__x86_64__)
#define LLM_ARCH "x86_64"
#elif defined(__aarch64__)
#define LLM_ARCH "aarch64"
#elif defined(__arm__)
#define LLM_ARCH "armv7"
#else
#define LLM_ARCH "unknown"
#endif

typedef struct { char msg[512]; } Err;   /* the first error message, "" when none */

static int err_set(Err *e, const char *fmt, ...) {
    if (e && !e->msg[0]) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->msg, sizeof e->msg, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* Logging goes to standard error; standard output carries only generated text. */
enum { LOG_QUIET = 0, LOG_INFO = 1, LOG_VERBOSE = 2 };
static int log_level = LOG_INFO;

static void log_msg(int level, const char *fmt, ...) {
    if (level > log_level) return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
}

static double time_now(void) {   /* seconds, monotonic */
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Size arithmetic on untrusted numbers: 1 when a*b or a+b would overflow. */
static int size_mul_over(size_t a, size_t b, size_t *r) {
    if (b && a > SIZE_MAX / b) return 1;
    *r = a * b;
    return 0;
}

/* ============================================================================
 * 2. arena: the fixed arena
 *
 * One block taken at start-up and handed out by bumping a pointer. Sizes are summed
 * first (every part has a *_mem_size function, rounded with ARENA_ROUND), then the
 * block is allocated once, then carved. Scratch use inside a call is mark / reset.
 * ========================================================================== */

typedef struct {
    uint8_t *base;  /* the block */
    size_t size;    /* bytes */
    size_t used;    /* bytes handed out */
    size_t peak;    /* bytes, highest `used` seen (for honest budgets) */
} Arena;

#define ARENA_ALIGN 64
#define ARENA_ROUND(n) (((size_t)(n) + (ARENA_ALIGN - 1)) & ~(size_t)(ARENA_ALIGN - 1))

/* Number of calls to malloc-like functions made by this program (tests check it stays
 * flat while generating: the arena is the only allocation). */
static size_t arena_os_allocs;

static int arena_create(Arena *a, size_t size, Err *e) {
    memset(a, 0, sizeof *a);
    if (size == 0) size = ARENA_ALIGN;
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return err_set(e, "cannot allocate %.1f MiB of memory for the arena: %s",
                       size / 1048576.0, strerror(errno));
    arena_os_allocs++;
    a->base = p;
    a->size = size;
    return 0;
}

static void arena_destroy(Arena *a) {
    if (a->base) munmap(a->base, a->size);
    memset(a, 0, sizeof *a);
}

/* 64-byte aligned, zero-filled; NULL when the arena is full (the caller reports). */
static void *arena_alloc(Arena *a, size_t n) {
    size_t off = ARENA_ROUND(a->used);
    if (off > a->size || n > a->size - off) return NULL;
    a->used = off + n;
    if (a->used > a->peak) a->peak = a->used;
    memset(a->base + off, 0, n);
    return a->base + off;
}

static size_t arena_mark(const Arena *a) { return a->used; }
static void arena_reset(Arena *a, size_t mark) { a->used = mark; }

/* A sub-arena carved from a parent: scratch with its own mark/reset. */
static int arena_sub(Arena *parent, Arena *child, size_t size) {
    memset(child, 0, sizeof *child);
    child->base = arena_alloc(parent, size);
    if (!child->base && size) return -1;
    child->size = size;
    return 0;
}

/* ============================================================================
 * 3. text: UTF-8, string slices, sizes, SHA-256 (BearSSL's)
 * ========================================================================== */

typedef struct { const char *p; size_t n; } Str;   /* a slice, not NUL-terminated */

LLM_MAYBE_UNUSED static Str str_c(const char *s) { Str r = { s, strlen(s) }; return r; }
static int str_eq(Str a, const char *b) { size_t n = strlen(b); return a.n == n && !memcmp(a.p, b, n); }

/* Bytes in the UTF-8 sequence that starts with byte c (1 for invalid lead bytes, so a
 * broken byte never swallows its neighbours). */
static int utf8_len(uint8_t c) {
    if (c < 0x80) return 1;
    if ((c & 0xE0) == 0xC0) return 2;
    if ((c & 0xF0) == 0xE0) return 3;
    if ((c & 0xF8) == 0xF0) return 4;
    return 1;
}

/* Length of the longest prefix of s[0..n) that does not end inside a UTF-8 character:
 * what may be written now without splitting one. */
static size_t utf8_complete_prefix(const char *s, size_t n) {
    size_t i = n, back = 0;
    while (i > 0 && back < 4) {
        uint8_t c = (uint8_t)s[i - 1];
        if ((c & 0xC0) != 0x80) {          /* a lead or ASCII byte */
            if ((size_t)utf8_len(c) > back + 1 && c >= 0xC0) return i - 1;
            return n;
        }
        i--, back++;
    }
    return n;
}

/* "1.5 GiB"-style sizes into buf. */
static const char *fmt_size(char *buf, size_t cap, double bytes) {
    const char *u[] = { "B", "KiB", "MiB", "GiB", "TiB" };
    int i = 0;
    while (bytes >= 1024 && i < 4) bytes /= 1024, i++;
    snprintf(buf, cap, i ? "%.1f %s" : "%.0f %s", bytes, u[i]);
    return buf;
}

/* Parse "512M", "2G", "1.5GiB", "1000000": bytes, -1 when malformed. */
static int64_t parse_size(const char *s) {
    char *end;
    double v = strtod(s, &end);
    if (end == s || v < 0) return -1;
    double m = 1;
    switch (*end) {
    case 'k': case 'K': m = 1024.0; end++; break;
    case 'm': case 'M': m = 1048576.0; end++; break;
    case 'g': case 'G': m = 1073741824.0; end++; break;
    case 't': case 'T': m = 1099511627776.0; end++; break;
    }
    if (*end == 'i') end++;
    if (*end == 'B' || *end == 'b') end++;
    if (*end) return -1;
    v *= m;
    if (v > 9e18) return -1;
    return (int64_t)v;
}

static void hex_encode(const uint8_t *in, size_t n, char *out) {
    static const char d[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) out[2 * i] = d[in[i] >> 4], out[2 * i + 1] = d[in[i] & 15];
    out[2 * n] = 0;
}

/* SHA-256 of a byte range, as 64 hex digits (BearSSL). */
static void sha256_hex(const void *data, size_t n, char out[65]) {
    br_sha256_context c;
    uint8_t h[32];
    br_sha256_init(&c);
    br_sha256_update(&c, data, n);
    br_sha256_out(&c, h);
    hex_encode(h, 32, out);
}

/* ============================================================================
 * 4. json: strict parser into the arena (depth and size limits), writer
 *
 * RFC 8259, strictly: one value, surrounded only by whitespace; no comments, no
 * trailing commas, no NaN/Infinity, no control characters in strings. Strings are
 * validated UTF-8 (overlong forms, surrogates encoded in UTF-8 and code points above
 * U+10FFFF rejected); \u escapes are decoded, surrogate pairs joined, and a lone
 * surrogate is rejected (Python's json.loads would accept it, but such a string could
 * not be written out as UTF-8 anyway). Integers that fit in int64 stay integers (Python
 * gives ints and floats, and the template engine prints 1 vs 1.0); bigger ones are
 * rejected. Duplicate keys keep the first position and the last value, like a Python
 * dict. Nesting deeper than JSON_MAX_DEPTH and objects with more than
 * JSON_MAX_MEMBERS members are rejected. Errors are one line with the byte offset.
 * Everything the parse returns lives in the arena it was given.
 *
 * The writer follows Python's json.dumps(x, ensure_ascii=False): separators ", " and
 * ": " (or "," and ": " with an indent), floats as Python's repr, non-ASCII kept.
 * ========================================================================== */

#define JSON_MAX_DEPTH 64
#define JSON_MAX_MEMBERS 100000

enum { JSON_NULL, JSON_BOOL, JSON_INT, JSON_FLOAT, JSON_STR, JSON_ARR, JSON_OBJ };

typedef struct JsonVal JsonVal;
struct JsonVal {
    int type;          /* JSON_* */
    int b;             /* JSON_BOOL: 0 or 1 */
    int64_t i;         /* JSON_INT */
    double f;          /* JSON_FLOAT */
    Str s;             /* JSON_STR: UTF-8, not NUL-terminated (a NUL follows in memory) */
    JsonVal **kids;    /* JSON_ARR: elements; JSON_OBJ: values, in insertion order */
    Str *keys;         /* JSON_OBJ: keys, parallel to kids */
    size_t n;          /* JSON_ARR / JSON_OBJ: count */
    JsonVal *next;     /* parse-time list link */
};

typedef struct {
    Arena *a;
    const char *p;     /* input */
    size_t n, i;       /* bytes, offset of the cursor */
    Err *e;
} JsonParser;

static int json__fail(JsonParser *jp, const char *what) {
    return err_set(jp->e, "json: %s at byte %zu", what, jp->i);
}

static void json__ws(JsonParser *jp) {
    while (jp->i < jp->n) {
        char c = jp->p[jp->i];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
        jp->i++;
    }
}

/* Length of the valid UTF-8 character at s[0..n), 0 when invalid. */
static int json__utf8_valid(const uint8_t *s, size_t n) {
    uint8_t c = s[0];
    if (c < 0x80) return 1;
    int len; uint32_t cp, min;
    if ((c & 0xE0) == 0xC0) len = 2, cp = c & 0x1F, min = 0x80;
    else if ((c & 0xF0) == 0xE0) len = 3, cp = c & 0x0F, min = 0x800;
    else if ((c & 0xF8) == 0xF0) len = 4, cp = c & 0x07, min = 0x10000;
    else return 0;
    if ((size_t)len > n) return 0;
    for (int k = 1; k < len; k++) {
        if ((s[k] & 0xC0) != 0x80) return 0;
        cp = cp << 6 | (s[k] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return len;
}

/* Makes p[0..n) valid UTF-8 in place, each byte that starts no valid sequence becoming
 * U+FFFD, within cap bytes (a '?' when the room runs out); the new length. Model output
 * and terminal input may hold broken sequences; JSON may not. */
static size_t utf8_sanitize(char *p, size_t n, size_t cap) {
    for (size_t i = 0; i < n;) {
        int k = json__utf8_valid((const uint8_t *)p + i, n - i);
        if (k) { i += (size_t)k; continue; }
        if (n + 2 <= cap) {
            memmove(p + i + 3, p + i + 1, n - i - 1);
            memcpy(p + i, "\xEF\xBF\xBD", 3);
            n += 2, i += 3;
        } else p[i++] = '?';
    }
    return n;
}

/* Appends code point cp as UTF-8 at o; returns bytes written. */
static int json__put_utf8(char *o, uint32_t cp) {
    if (cp < 0x80) { o[0] = (char)cp; return 1; }
    if (cp < 0x800) { o[0] = (char)(0xC0 | cp >> 6); o[1] = (char)(0x80 | (cp & 63)); return 2; }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | cp >> 12); o[1] = (char)(0x80 | (cp >> 6 & 63));
        o[2] = (char)(0x80 | (cp & 63)); return 3;
    }
    o[0] = (char)(0xF0 | cp >> 18); o[1] = (char)(0x80 | (cp >> 12 & 63));
    o[2] = (char)(0x80 | (cp >> 6 & 63)); o[3] = (char)(0x80 | (cp & 63)); return 4;
}

static int json__hex4(JsonParser *jp, uint32_t *out) {
    if (jp->n - jp->i < 4) return json__fail(jp, "truncated \\u escape");
    uint32_t v = 0;
    for (int k = 0; k < 4; k++) {
        char c = jp->p[jp->i + k];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (uint32_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (uint32_t)(c - 'A' + 10);
        else return json__fail(jp, "bad \\u escape");
    }
    jp->i += 4;
    *out = v;
    return 0;
}

/* The cursor is on the opening quote. Decoded text never outgrows its source. */
static int json__string(JsonParser *jp, Str *out) {
    size_t start = ++jp->i, end = start;
    while (end < jp->n && jp->p[end] != '"') end += (jp->p[end] == '\\') ? 2 : 1;
    if (end >= jp->n) return json__fail(jp, "unterminated string");
    char *o = arena_alloc(jp->a, end - start + 1);
    if (!o) return json__fail(jp, "out of memory");
    size_t k = 0;
    while (jp->p[jp->i] != '"') {
        uint8_t c = (uint8_t)jp->p[jp->i];
        if (c < 0x20) return json__fail(jp, "control character in string");
        if (c == '\\') {
            jp->i++;
            char x = jp->p[jp->i++];
            switch (x) {
            case '"': o[k++] = '"'; break;
            case '\\': o[k++] = '\\'; break;
            case '/': o[k++] = '/'; break;
            case 'b': o[k++] = '\b'; break;
            case 'f': o[k++] = '\f'; break;
            case 'n': o[k++] = '\n'; break;
            case 'r': o[k++] = '\r'; break;
            case 't': o[k++] = '\t'; break;
            case 'u': {
                uint32_t cp, lo;
                if (json__hex4(jp, &cp)) return -1;
                if (cp >= 0xDC00 && cp <= 0xDFFF) return json__fail(jp, "lone low surrogate");
                if (cp >= 0xD800 && cp <= 0xDBFF) {
                    if (jp->n - jp->i < 6 || jp->p[jp->i] != '\\' || jp->p[jp->i + 1] != 'u')
                        return json__fail(jp, "lone high surrogate");
                    jp->i += 2;
                    if (json__hex4(jp, &lo)) return -1;
                    if (lo < 0xDC00 || lo > 0xDFFF) return json__fail(jp, "lone high surrogate");
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                }
                k += (size_t)json__put_utf8(o + k, cp);
                break;
            }
            default: jp->i--; return json__fail(jp, "bad escape");
            }
            continue;
        }
        int len = json__utf8_valid((const uint8_t *)jp->p + jp->i, jp->n - jp->i);
        if (!len) return json__fail(jp, "invalid UTF-8");
        memcpy(o + k, jp->p + jp->i, (size_t)len);
        k += (size_t)len, jp->i += (size_t)len;
    }
    jp->i++;
    o[k] = 0;
    out->p = o, out->n = k;
    return 0;
}

static int json__number(JsonParser *jp, JsonVal *v) {
    size_t s = jp->i, i = s;
    const char *p = jp->p;
    int is_float = 0;
    if (i < jp->n && p[i] == '-') i++;
    if (i >= jp->n || p[i] < '0' || p[i] > '9') return json__fail(jp, "bad number");
    if (p[i] == '0') i++;
    else while (i < jp->n && p[i] >= '0' && p[i] <= '9') i++;
    if (i < jp->n && p[i] == '.') {
        is_float = 1, i++;
        if (i >= jp->n || p[i] < '0' || p[i] > '9') { jp->i = i; return json__fail(jp, "bad number"); }
        while (i < jp->n && p[i] >= '0' && p[i] <= '9') i++;
    }
    if (i < jp->n && (p[i] == 'e' || p[i] == 'E')) {
        is_float = 1, i++;
        if (i < jp->n && (p[i] == '+' || p[i] == '-')) i++;
        if (i >= jp->n || p[i] < '0' || p[i] > '9') { jp->i = i; return json__fail(jp, "bad number"); }
        while (i < jp->n && p[i] >= '0' && p[i] <= '9') i++;
    }
    char buf[512];
    if (i - s >= sizeof buf) return json__fail(jp, "number too long");
    memcpy(buf, p + s, i - s);
    buf[i - s] = 0;
    if (is_float) {
        v->type = JSON_FLOAT;
        v->f = strtod(buf, NULL);
    } else {
        errno = 0;
        long long x = strtoll(buf, NULL, 10);
        if (errno == ERANGE) return json__fail(jp, "integer out of range");
        v->type = JSON_INT;
        v->i = x;
    }
    jp->i = i;
    return 0;
}

static int json__value(JsonParser *jp, JsonVal **out, int depth) {
    json__ws(jp);
    if (jp->i >= jp->n) return json__fail(jp, "unexpected end of input");
    JsonVal *v = arena_alloc(jp->a, sizeof *v);
    if (!v) return json__fail(jp, "out of memory");
    *out = v;
    char c = jp->p[jp->i];
    if (c == '{' || c == '[') {
        if (depth >= JSON_MAX_DEPTH) return json__fail(jp, "nesting too deep");
        int obj = c == '{';
        char close = obj ? '}' : ']';
        v->type = obj ? JSON_OBJ : JSON_ARR;
        jp->i++;
        json__ws(jp);
        JsonVal *head = NULL, *tail = NULL;
        Str *keys_tmp = NULL;  /* object keys collected on the child's .s of a holder */
        (void)keys_tmp;
        if (jp->i < jp->n && jp->p[jp->i] == close) {
            jp->i++;
            return 0;
        }
        for (;;) {
            Str key = { 0, 0 };
            json__ws(jp);
            if (obj) {
                if (jp->i >= jp->n || jp->p[jp->i] != '"') return json__fail(jp, "expected a string key");
                if (json__string(jp, &key)) return -1;
                json__ws(jp);
                if (jp->i >= jp->n || jp->p[jp->i] != ':') return json__fail(jp, "expected ':'");
                jp->i++;
            }
            JsonVal *kid;
            if (json__value(jp, &kid, depth + 1)) return -1;
            int dup = 0;
            if (obj) {
                /* holder node: .s = key, .kids[0]... kept simple: store key in a wrapper */
                JsonVal *h;
                for (h = head; h; h = h->next)
                    if (h->s.n == key.n && !memcmp(h->s.p, key.p, key.n)) { h->kids[0] = kid; dup = 1; break; }
                if (!dup) {
                    if (v->n >= JSON_MAX_MEMBERS) return json__fail(jp, "too many members");
                    h = arena_alloc(jp->a, sizeof *h + sizeof(JsonVal *));
                    if (!h) return json__fail(jp, "out of memory");
                    h->s = key;
                    h->kids = (JsonVal **)(h + 1);
                    h->kids[0] = kid;
                    kid = h;
                }
            }
            if (!dup) {
                if (tail) tail->next = kid; else head = kid;
                tail = kid;
                v->n++;
            }
            json__ws(jp);
            if (jp->i >= jp->n) return json__fail(jp, "unexpected end of input");
            if (jp->p[jp->i] == ',') { jp->i++; continue; }
            if (jp->p[jp->i] == close) { jp->i++; break; }
            return json__fail(jp, obj ? "expected ',' or '}'" : "expected ',' or ']'");
        }
        v->kids = arena_alloc(jp->a, v->n * sizeof *v->kids);
        if (obj) v->keys = arena_alloc(jp->a, v->n * sizeof *v->keys);
        if (!v->kids || (obj && !v->keys)) return json__fail(jp, "out of memory");
        size_t k = 0;
        for (JsonVal *h = head; h; h = h->next, k++) {
            if (obj) v->keys[k] = h->s, v->kids[k] = h->kids[0];
            else v->kids[k] = h;
        }
        return 0;
    }
    if (c == '"') { v->type = JSON_STR; return json__string(jp, &v->s); }
    if (c == '-' || (c >= '0' && c <= '9')) return json__number(jp, v);
    static const struct { const char *w; int type, b; } lits[] = {
        { "null", JSON_NULL, 0 }, { "true", JSON_BOOL, 1 }, { "false", JSON_BOOL, 0 } };
    for (int k = 0; k < 3; k++) {
        size_t l = strlen(lits[k].w);
        if (jp->n - jp->i >= l && !memcmp(jp->p + jp->i, lits[k].w, l)) {
            v->type = lits[k].type, v->b = lits[k].b;
            jp->i += l;
            return 0;
        }
    }
    return json__fail(jp, "unexpected character");
}

/* Parses p[0..n) as one JSON value into arena a. On error *out is NULL and e holds
 * "json: WHAT at byte N"; the arena is left at its mark from before the call. */
static int json_parse(Arena *a, const char *p, size_t n, JsonVal **out, Err *e) {
    size_t mark = arena_mark(a);
    JsonParser jp = { a, p, n, 0, e };
    *out = NULL;
    JsonVal *v;
    if (n >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3)) jp.i = 3;   /* a UTF-8 BOM is tolerated */
    if (json__value(&jp, &v, 0) == 0) {
        json__ws(&jp);
        if (jp.i == n) { *out = v; return 0; }
        json__fail(&jp, "trailing characters");
    }
    arena_reset(a, mark);
    return -1;
}

/* Member `key` of object o, or NULL (also when o is not an object). */
static const JsonVal *json_get(const JsonVal *o, const char *key) {
    if (!o || o->type != JSON_OBJ) return NULL;
    size_t l = strlen(key);
    for (size_t k = 0; k < o->n; k++)
        if (o->keys[k].n == l && !memcmp(o->keys[k].p, key, l)) return o->kids[k];
    return NULL;
}

/* Element k of array a, or NULL. */
LLM_MAYBE_UNUSED static const JsonVal *json_at(const JsonVal *a, size_t k) {
    if (!a || a->type != JSON_ARR || k >= a->n) return NULL;
    return a->kids[k];
}

/* Member `key` as a string slice; def when absent or not a string. */
LLM_MAYBE_UNUSED static Str json_get_str(const JsonVal *o, const char *key, Str def) {
    const JsonVal *v = json_get(o, key);
    return v && v->type == JSON_STR ? v->s : def;
}

/* ---- writer ---- */

typedef struct {
    char *p;        /* caller's buffer */
    size_t cap;     /* bytes */
    size_t n;       /* bytes written (may exceed cap: then `over` is set and bytes dropped) */
    int over;       /* 1 when the buffer was too small */
} JsonBuf;

static void json_buf_put(JsonBuf *b, const char *s, size_t n) {
    if (b->n + n > b->cap || b->n + n < b->n) { b->over = 1; b->n += n; return; }
    memcpy(b->p + b->n, s, n);
    b->n += n;
}

static void json_buf_puts(JsonBuf *b, const char *s) { json_buf_put(b, s, strlen(s)); }

/* Python's repr(float): the shortest digits that read back to the same double, in
 * fixed notation when the exponent is in [-4, 16) ("0.5", "2.0", "1e-05", "1e+16"). */
static void json_fmt_double(double d, char out[40]) {
    if (isnan(d)) { strcpy(out, "nan"); return; }
    if (isinf(d)) { strcpy(out, d < 0 ? "-inf" : "inf"); return; }
    char e[40];
    int prec;
    for (prec = 1; prec <= 17; prec++) {
        snprintf(e, sizeof e, "%.*e", prec - 1, d);
        if (strtod(e, NULL) == d) break;
    }
    /* e is [-]D[.DDD]e[+-]XX */
    char digits[32];
    int nd = 0, neg = 0;
    const char *q = e;
    if (*q == '-') neg = 1, q++;
    for (; *q && *q != 'e'; q++) if (*q != '.') digits[nd++] = *q;
    int exp = atoi(q + 1);
    while (nd > 1 && digits[nd - 1] == '0') nd--;
    digits[nd] = 0;
    char *o = out;
    if (neg) *o++ = '-';
    if (exp >= -5 + 1 && exp < 16) {
        if (exp < 0) {
            *o++ = '0', *o++ = '.';
            for (int k = 0; k < -exp - 1; k++) *o++ = '0';
            for (int k = 0; k < nd; k++) *o++ = digits[k];
        } else {
            for (int k = 0; k <= exp; k++) *o++ = k < nd ? digits[k] : '0';
            *o++ = '.';
            if (nd > exp + 1) for (int k = exp + 1; k < nd; k++) *o++ = digits[k];
            else *o++ = '0';
        }
        *o = 0;
    } else {
        *o++ = digits[0];
        if (nd > 1) { *o++ = '.'; for (int k = 1; k < nd; k++) *o++ = digits[k]; }
        sprintf(o, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
    }
}

/* A JSON number as json.dumps writes it (NaN, Infinity, -Infinity for non-finite). */
static void json_write_double(JsonBuf *b, double d) {
    char t[40];
    if (isnan(d)) strcpy(t, "NaN");
    else if (isinf(d)) strcpy(t, d < 0 ? "-Infinity" : "Infinity");
    else json_fmt_double(d, t);
    json_buf_puts(b, t);
}

/* A JSON string with ensure_ascii=False escaping. */
static void json_write_str(JsonBuf *b, const char *s, size_t n) {
    json_buf_put(b, "\"", 1);
    size_t run = 0;
    for (size_t k = 0; k < n; k++) {
        uint8_t c = (uint8_t)s[k];
        const char *esc = NULL;
        char u[8];
        if (c == '"') esc = "\\\"";
        else if (c == '\\') esc = "\\\\";
        else if (c == '\n') esc = "\\n";
        else if (c == '\r') esc = "\\r";
        else if (c == '\t') esc = "\\t";
        else if (c == '\b') esc = "\\b";
        else if (c == '\f') esc = "\\f";
        else if (c < 0x20) { snprintf(u, sizeof u, "\\u%04x", c); esc = u; }
        if (esc) {
            json_buf_put(b, s + run, k - run);
            json_buf_puts(b, esc);
            run = k + 1;
        }
    }
    json_buf_put(b, s + run, n - run);
    json_buf_put(b, "\"", 1);
}

static void json__newline(JsonBuf *b, int indent, int level) {
    json_buf_put(b, "\n", 1);
    for (int k = 0; k < indent * level; k++) json_buf_put(b, " ", 1);
}

/* json.dumps(v, ensure_ascii=False, indent=indent) with indent < 0 meaning None. */
static void json__write(JsonBuf *b, const JsonVal *v, int indent, int level) {
    switch (v->type) {
    case JSON_NULL: json_buf_puts(b, "null"); break;
    case JSON_BOOL: json_buf_puts(b, v->b ? "true" : "false"); break;
    case JSON_INT: { char t[32]; snprintf(t, sizeof t, "%lld", (long long)v->i); json_buf_puts(b, t); break; }
    case JSON_FLOAT: json_write_double(b, v->f); break;
    case JSON_STR: json_write_str(b, v->s.p, v->s.n); break;
    case JSON_ARR: case JSON_OBJ: {
        int obj = v->type == JSON_OBJ;
        json_buf_put(b, obj ? "{" : "[", 1);
        for (size_t k = 0; k < v->n; k++) {
            if (k) json_buf_puts(b, indent >= 0 ? "," : ", ");
            if (indent >= 0) json__newline(b, indent, level + 1);
            if (obj) { json_write_str(b, v->keys[k].p, v->keys[k].n); json_buf_puts(b, ": "); }
            json__write(b, v->kids[k], indent, level + 1);
        }
        if (indent >= 0 && v->n) json__newline(b, indent, level);
        json_buf_put(b, obj ? "}" : "]", 1);
        break;
    }
    }
}

/* Writes v into buf[0..cap) (no NUL); returns the length, or -1 with e set when it
 * does not fit. indent < 0: one line. */
LLM_MAYBE_UNUSED static long json_write(const JsonVal *v, int indent, char *buf, size_t cap, Err *e) {
    JsonBuf b = { buf, cap, 0, 0 };
    json__write(&b, v, indent, 0);
    if (b.over) return err_set(e, "json: output of %zu bytes does not fit in %zu", b.n, cap);
    return (long)b.n;
}

/* ============================================================================
 * 5. files: mmap, huge-page copies, atomic write
 *
 * Model files are mapped read-only and never copied. Files this program writes go to
 * NAME.tmp first, are fsync'd, then renamed, so a half-written file never looks
 * complete.
 * ========================================================================== */

typedef struct {
    const uint8_t *data;   /* read-only mapping, NULL for an empty file */
    size_t size;           /* bytes */
    size_t huge;           /* bytes of the anonymous huge-page copy, 0 when mapped */
} FileMap;

static int file_map(FileMap *m, const char *path, Err *e) {
    memset(m, 0, sizeof *m);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return err_set(e, "cannot open '%s': %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return err_set(e, "'%s' is not a regular file", path);
    }
    m->size = (size_t)st.st_size;
    if (m->size) {
        void *p = mmap(NULL, m->size, PROT_READ, MAP_SHARED, fd, 0);
        if (p == MAP_FAILED) {
            close(fd);
            return err_set(e, "cannot map '%s': %s", path, strerror(errno));
        }
        m->data = p;
    }
    close(fd);
    return 0;
}

static void file_unmap(FileMap *m) {
    if (m->data) munmap((void *)m->data, m->huge ? m->huge : m->size);
    memset(m, 0, sizeof *m);
}

/* Replaces a read-only file mapping by a private copy in anonymous memory advised to
 * use transparent huge pages: 2 MiB pages make reading the weights much faster than
 * through 4 KiB page-cache pages, at the cost of the copy's memory and the time to copy
 * at load. Returns 0, or -1 (mapping unchanged) when memory cannot be had. */
static int file_to_hugepages(FileMap *m, Err *e) {
    const size_t huge = 2u << 20;
    size_t len = (m->size + huge - 1) / huge * huge;
    uint8_t *p = mmap(NULL, len + huge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return err_set(e, "cannot allocate %.1f MiB for --hugepages: %s", len / 1048576.0, strerror(errno));
    /* align to 2 MiB so every page can be huge; give back the slack */
    uint8_t *a = (uint8_t *)(((uintptr_t)p + huge - 1) & ~(uintptr_t)(huge - 1));
    if (a > p) munmap(p, (size_t)(a - p));
    if (a + len < p + len + huge) munmap(a + len, (size_t)(p + len + huge - (a + len)));
#ifdef MADV_HUGEPAGE
    madvise(a, len, MADV_HUGEPAGE);
#endif
    memcpy(a, m->data, m->size);
    mprotect(a, len, PROT_READ);
    munmap((void *)m->data, m->size);
    m->data = a;
    m->huge = len;
    return 0;
}

/* Write all n bytes to fd; -1 on error (errno set). */
static int file__write_all(int fd, const void *buf, size_t n) {
    const uint8_t *p = buf;
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        p += w, n -= (size_t)w;
    }
    return 0;
}

/* An output file written atomically: bytes go to PATH.tmp; file_commit fsyncs and
 * renames it to PATH; file_abort removes the temporary. */
typedef struct {
    int fd;
    char path[4096], tmp[4200];
    int failed;    /* sticky: a failed write makes commit fail */
    int err;       /* errno of the first failure */
} FileOut;

static int file_out_open(FileOut *f, const char *path, Err *e) {
    memset(f, 0, sizeof *f);
    if (strlen(path) >= sizeof f->path) return err_set(e, "path too long: %s", path);
    strcpy(f->path, path);
    snprintf(f->tmp, sizeof f->tmp, "%s.tmp", path);
    f->fd = open(f->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (f->fd < 0) return err_set(e, "cannot create '%s': %s", f->tmp, strerror(errno));
    return 0;
}

static void file_out_write(FileOut *f, const void *p, size_t n) {
    if (f->failed) return;
    if (file__write_all(f->fd, p, n) != 0) f->failed = 1, f->err = errno;
}

static void file_out_abort(FileOut *f) {
    if (f->fd >= 0) close(f->fd);
    f->fd = -1;
    unlink(f->tmp);
}

static int file_out_commit(FileOut *f, Err *e) {
    if (!f->failed && fsync(f->fd) != 0) f->failed = 1, f->err = errno;
    if (f->failed) {
        int er = f->err;
        file_out_abort(f);
        return err_set(e, "cannot write '%s': %s%s", f->path, strerror(er),
                       er == ENOSPC ? " (free some disk space and try again)" : "");
    }
    close(f->fd);
    f->fd = -1;
    if (rename(f->tmp, f->path) != 0) {
        int er = errno;
        unlink(f->tmp);
        return err_set(e, "cannot rename '%s' to '%s': %s", f->tmp, f->path, strerror(er));
    }
    return 0;
}

/* ============================================================================
 * 6. net: DNS, TCP with timeouts, TLS (BearSSL), HTTP/1.1 client, URLs, proxy
 *
 * Only --fetch and --login use this section; nothing else in the program opens a
 * socket. One request per connection (Connection: close): a download is one long
 * response anyway, and a fresh connection after a failure is what a retry wants.
 * Every wait on the network has a timeout. Certificates are always checked, against
 * --cacert, SSL_CERT_FILE or the system bundle, at the system clock's time, which is
 * first checked against the date this program was built (boards without a real-time
 * clock start in 1970, and a certificate error would hide the cause).
 *
 * The response head parser and the chunked-body decoder work on plain buffers, so
 * that they can be fuzzed without a network (tests/fuzz_http.c).
 * ========================================================================== */

#define HTTP_MAX_HEAD (64 << 10)   /* bytes of status line + headers */
#define HTTP_MAX_HEADERS 200
#define HTTP_MAX_REDIRECTS 10

typedef struct {
    int https;             /* 1 for https://, 0 for http:// */
    char host[256];        /* host name or IP address (IPv6 without brackets) */
    int port;
    char path[4096];       /* path and query, starting with '/'; no fragment */
    char userinfo[256];    /* "user:password" before '@' (proxies), else "" */
} Url;

static int net__bad_url_char(int c) { return c <= 0x20 || c >= 0x7f || c == '"' || c == '<' || c == '>' || c == '\\'; }

/* Parses an absolute http(s) URL. Spaces and control characters are refused so that
 * nothing from a server's Location header can inject request lines. */
static int url_parse(const char *s, Url *u, Err *e) {
    memset(u, 0, sizeof *u);
    const char *p;
    if (!strncasecmp(s, "https://", 8)) u->https = 1, p = s + 8;
    else if (!strncasecmp(s, "http://", 7)) p = s + 7;
    else return err_set(e, "'%.200s' is not an http:// or https:// URL", s);
    for (const char *q = s; *q; q++)
        if (net__bad_url_char((uint8_t)*q)) return err_set(e, "URL '%.200s' contains a space or control character", s);
    size_t an = strcspn(p, "/?#");            /* authority */
    const char *at = NULL;
    for (size_t k = 0; k < an; k++) if (p[k] == '@') at = p + k;
    if (at) {
        if ((size_t)(at - p) >= sizeof u->userinfo) return err_set(e, "URL '%.200s': user part too long", s);
        memcpy(u->userinfo, p, (size_t)(at - p));
        an -= (size_t)(at + 1 - p);
        p = at + 1;
    }
    const char *hp = p, *he, *port = NULL;
    if (*p == '[') {
        he = memchr(p, ']', an);
        if (!he) return err_set(e, "URL '%.200s': unclosed '[' in the host", s);
        hp = p + 1;
        if (he + 1 < p + an) {
            if (he[1] != ':') return err_set(e, "URL '%.200s': bad host", s);
            port = he + 2;
        }
    } else {
        he = memchr(p, ':', an);
        if (he) port = he + 1;
        else he = p + an;
    }
    if (he == hp || (size_t)(he - hp) >= sizeof u->host) return err_set(e, "URL '%.200s': bad host", s);
    for (const char *q = hp; q < he; q++) u->host[q - hp] = (char)tolower((uint8_t)*q);
    u->port = u->https ? 443 : 80;
    if (port) {
        long v = 0;
        const char *q = port;
        for (; q < p + an; q++) {
            if (*q < '0' || *q > '9' || v > 65535) return err_set(e, "URL '%.200s': bad port", s);
            v = v * 10 + (*q - '0');
        }
        if (q == port || v < 1 || v > 65535) return err_set(e, "URL '%.200s': bad port", s);
        u->port = (int)v;
    }
    const char *rest = p + an;
    size_t rn = strcspn(rest, "#");
    if (rn + 2 > sizeof u->path) return err_set(e, "URL '%.200s...' is too long", s);
    if (*rest != '/') u->path[0] = '/';
    memcpy(u->path + strlen(u->path), rest, rn);
    return 0;
}

/* "https://host:port" of u, for messages and Link/Location resolution. */
static void url_origin(const Url *u, char *out, size_t cap) {
    int def = u->port == (u->https ? 443 : 80);
    int v6 = strchr(u->host, ':') != NULL;
    snprintf(out, cap, "%s://%s%s%s%s%.0d", u->https ? "https" : "http", v6 ? "[" : "", u->host,
             v6 ? "]" : "", def ? "" : ":", def ? 0 : u->port);
}

/* The target of a redirect: absolute, scheme-relative, absolute-path or relative. */
static int url_resolve(const Url *base, const char *loc, Url *out, Err *e) {
    char buf[8192], origin[400];
    if (!strncasecmp(loc, "http://", 7) || !strncasecmp(loc, "https://", 8)) return url_parse(loc, out, e);
    url_origin(base, origin, sizeof origin);
    if (loc[0] == '/' && loc[1] == '/')
        snprintf(buf, sizeof buf, "%s:%s", base->https ? "https" : "http", loc);
    else if (loc[0] == '/')
        snprintf(buf, sizeof buf, "%s%s", origin, loc);
    else {
        size_t dir = strcspn(base->path, "?");
        while (dir > 0 && base->path[dir - 1] != '/') dir--;
        snprintf(buf, sizeof buf, "%s%.*s%s", origin, (int)dir, base->path, loc);
    }
    return url_parse(buf, out, e);
}

/* Percent-encodes a path for a URL, keeping '/' and the unreserved characters. */
static void url_encode_path(const char *s, char *out, size_t cap) {
    static const char hx[] = "0123456789ABCDEF";
    size_t o = 0;
    for (; *s && o + 4 < cap; s++) {
        uint8_t c = (uint8_t)*s;
        if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '/') out[o++] = (char)c;
        else out[o++] = '%', out[o++] = hx[c >> 4], out[o++] = hx[c & 15];
    }
    out[o] = 0;
}

/* ---- the clock ---- */

/* Seconds since 1970 when this file was compiled (from __DATE__, at midnight UTC). */
static int64_t net_build_time(void) {
    static const char *mon = "JanFebMarAprMayJunJulAugSepOctNovDec";
    const char *d = __DATE__;                       /* "Nov 23 2026" */
    int m = (int)((strstr(mon, (char[4]){ d[0], d[1], d[2], 0 }) - mon) / 3) + 1;
    int day = atoi(d + 4), y = atoi(d + 7);
    /* days from civil (proleptic Gregorian), after Howard Hinnant's published formula */
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (int64_t)(era * 146097 + doe - 719468) * 86400;
}

static int64_t net_clock_override;   /* tests: pretend the system clock says this */

static int64_t net_now(void) { return net_clock_override ? net_clock_override : (int64_t)time(NULL); }

static const char *net__date(int64_t t, char *buf, size_t cap) {
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(buf, cap, "%Y-%m-%d", &tm);
    return buf;
}

/* A clock earlier than the build date is wrong; say so before TLS blames a certificate. */
static int net_check_clock(Err *e) {
    int64_t now = net_now(), built = net_build_time();
    if (now >= built - 86400) return 0;
    char a[32], b[32];
    return err_set(e, "the system clock says %s, before this llm was built (%s), so no certificate "
                   "can be checked: set the time (date -s 'YYYY-MM-DD HH:MM', or enable NTP) and try again",
                   net__date(now, a, sizeof a), net__date(built, b, sizeof b));
}

/* ---- trust anchors ---- */

typedef struct {
    br_x509_trust_anchor *ta;
    size_t n, cap;
    char source[4096];      /* the file they came from, for messages */
} Trust;

typedef struct { uint8_t buf[4096]; size_t n; int over; } NetDn;

static void net__dn_append(void *ctx, const void *p, size_t n) {
    NetDn *d = ctx;
    if (d->n + n > sizeof d->buf) { d->over = 1; return; }
    memcpy(d->buf + d->n, p, n);
    d->n += n;
}

static void *net__dup(Arena *a, const void *p, size_t n) {
    void *q = arena_alloc(a, n ? n : 1);
    if (q && n) memcpy(q, p, n);
    return q;
}

/* Adds the certificate in `der` as a trust anchor. */
static int net__add_anchor(Arena *a, Trust *t, br_x509_decoder_context *dc, NetDn *dn, Err *e) {
    br_x509_pkey *pk = br_x509_decoder_get_pkey(dc);
    if (!pk || dn->over) return 0;                    /* unusable certificate: skip it */
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 256;
        br_x509_trust_anchor *nt = arena_alloc(a, cap * sizeof *nt);
        if (!nt) return err_set(e, "out of memory reading the trust store %s", t->source);
        if (t->n) memcpy(nt, t->ta, t->n * sizeof *nt);
        t->ta = nt, t->cap = cap;
    }
    br_x509_trust_anchor *ta = &t->ta[t->n];
    memset(ta, 0, sizeof *ta);
    ta->dn.data = net__dup(a, dn->buf, dn->n);
    ta->dn.len = dn->n;
    ta->flags = br_x509_decoder_isCA(dc) ? BR_X509_TA_CA : 0;
    ta->pkey.key_type = pk->key_type;
    if (pk->key_type == BR_KEYTYPE_RSA) {
        ta->pkey.key.rsa.n = net__dup(a, pk->key.rsa.n, pk->key.rsa.nlen);
        ta->pkey.key.rsa.nlen = pk->key.rsa.nlen;
        ta->pkey.key.rsa.e = net__dup(a, pk->key.rsa.e, pk->key.rsa.elen);
        ta->pkey.key.rsa.elen = pk->key.rsa.elen;
        if (!ta->pkey.key.rsa.n || !ta->pkey.key.rsa.e) return err_set(e, "out of memory reading the trust store");
    } else if (pk->key_type == BR_KEYTYPE_EC) {
        ta->pkey.key.ec.curve = pk->key.ec.curve;
        ta->pkey.key.ec.q = net__dup(a, pk->key.ec.q, pk->key.ec.qlen);
        ta->pkey.key.ec.qlen = pk->key.ec.qlen;
        if (!ta->pkey.key.ec.q) return err_set(e, "out of memory reading the trust store");
    } else return 0;
    if (!ta->dn.data) return err_set(e, "out of memory reading the trust store");
    t->n++;
    return 0;
}

static void net__pem_to_x509(void *ctx, const void *p, size_t n) { br_x509_decoder_push(ctx, p, n); }

/* Reads every CERTIFICATE of a PEM file into t. */
static int net_trust_load_file(Arena *a, Trust *t, const char *path, Err *e) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return err_set(e, "cannot read the certificate file '%s': %s", path, strerror(errno));
    snprintf(t->source, sizeof t->source, "%s", path);
    static br_pem_decoder_context pc;
    static br_x509_decoder_context dc;
    static NetDn dn;
    br_pem_decoder_init(&pc);
    int in_cert = 0, rc = 0;
    uint8_t buf[4096];
    ssize_t r;
    while (rc == 0 && (r = read(fd, buf, sizeof buf)) > 0) {
        size_t off = 0;
        while (rc == 0 && off < (size_t)r) {
            off += br_pem_decoder_push(&pc, buf + off, (size_t)r - off);
            switch (br_pem_decoder_event(&pc)) {
            case BR_PEM_BEGIN_OBJ:
                in_cert = !strcmp(br_pem_decoder_name(&pc), "CERTIFICATE") ||
                          !strcmp(br_pem_decoder_name(&pc), "X509 CERTIFICATE");
                if (in_cert) {
                    dn.n = 0, dn.over = 0;
                    br_x509_decoder_init(&dc, net__dn_append, &dn);
                    br_pem_decoder_setdest(&pc, net__pem_to_x509, &dc);
                } else br_pem_decoder_setdest(&pc, NULL, NULL);
                break;
            case BR_PEM_END_OBJ:
                if (in_cert && br_x509_decoder_last_error(&dc) == 0) rc = net__add_anchor(a, t, &dc, &dn, e);
                in_cert = 0;
                break;
            case BR_PEM_ERROR:
                rc = err_set(e, "'%s' is not a valid PEM certificate file", path);
                break;
            }
        }
    }
    if (r < 0 && rc == 0) rc = err_set(e, "cannot read '%s': %s", path, strerror(errno));
    close(fd);
    if (rc == 0 && t->n == 0) rc = err_set(e, "no certificate found in '%s' (expected PEM: -----BEGIN CERTIFICATE-----)", path);
    return rc;
}

/* The trust store: --cacert FILE, else $SSL_CERT_FILE, else the first system bundle. */
static int net_trust_load(Arena *a, Trust *t, const char *cacert, Err *e) {
    static const char *sys[] = {
        "/etc/ssl/certs/ca-certificates.crt",                 /* Debian, Ubuntu, Alpine, Buildroot */
        "/etc/pki/tls/certs/ca-bundle.crt",                   /* Fedora, RHEL */
        "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
        "/etc/ssl/ca-bundle.pem",                             /* openSUSE */
        "/etc/ssl/cert.pem",                                  /* Alpine, macOS, BSD */
    };
    memset(t, 0, sizeof *t);
    const char *env = getenv("SSL_CERT_FILE");
    if (cacert) return net_trust_load_file(a, t, cacert, e);
    if (env && *env) return net_trust_load_file(a, t, env, e);
    for (size_t k = 0; k < sizeof sys / sizeof *sys; k++)
        if (access(sys[k], R_OK) == 0) return net_trust_load_file(a, t, sys[k], e);
    return err_set(e, "no trusted certificates found (looked for /etc/ssl/certs/ca-certificates.crt and "
                   "other system bundles): install ca-certificates, or pass --cacert FILE or SSL_CERT_FILE");
}

/* ---- connections: TCP, TLS, timeouts ---- */

typedef struct {
    int fd;
    int timeout_ms;
    int timed_out, eof, sys_errno;   /* why the last socket read or write failed */
    int permanent;                   /* the failure is not worth retrying (certificates, DNS, clock) */
    int tls;
    char host[256];
    int port;
    br_ssl_client_context sc;
    br_x509_minimal_context xc;
    br_sslio_context io;
    unsigned char iobuf[BR_SSL_BUFSIZE_BIDI];
    uint8_t rbuf[16384];             /* bytes received and not yet consumed */
    size_t rpos, rlen;
} Conn;

static int conn__wait(Conn *c, short ev) {
    struct pollfd p = { c->fd, ev, 0 };
    for (;;) {
        int r = poll(&p, 1, c->timeout_ms);
        if (r < 0 && errno == EINTR) continue;
        if (r == 0) { c->timed_out = 1; return -1; }
        if (r < 0) { c->sys_errno = errno; return -1; }
        return 0;
    }
}

static int conn__sock_read(void *ctx, unsigned char *buf, size_t n) {
    Conn *c = ctx;
    for (;;) {
        if (conn__wait(c, POLLIN)) return -1;
        ssize_t r = recv(c->fd, buf, n, 0);
        if (r > 0) return (int)r;
        if (r == 0) { c->eof = 1; return -1; }
        if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
        c->sys_errno = errno;
        return -1;
    }
}

static int conn__sock_write(void *ctx, const unsigned char *buf, size_t n) {
    Conn *c = ctx;
    for (;;) {
        if (conn__wait(c, POLLOUT)) return -1;
        ssize_t r = send(c->fd, buf, n, MSG_NOSIGNAL);
        if (r > 0) return (int)r;
        if (r < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) continue;
        c->sys_errno = r < 0 ? errno : EPIPE;
        return -1;
    }
}

/* A one-line reason for the last failed read or write on c. */
static int conn__io_error(Conn *c, const char *what, Err *e) {
    if (c->tls) {
        int te = br_ssl_engine_last_error(&c->sc.eng);
        char when[32];
        switch (te) {
        case BR_ERR_OK: case BR_ERR_IO: break;
        case BR_ERR_X509_NOT_TRUSTED:
            c->permanent = 1;
            return err_set(e, "the certificate of %s is not signed by an authority in the trust store: "
                           "if a proxy or mirror uses its own authority, pass its CA with --cacert FILE or SSL_CERT_FILE", c->host);
        case BR_ERR_X509_EXPIRED:
            c->permanent = 1;
            return err_set(e, "the certificate of %s has expired or is not valid yet (this machine's date is %s): "
                           "check the clock (date), else the server's certificate is out of date",
                           c->host, net__date(net_now(), when, sizeof when));
        case BR_ERR_X509_BAD_SERVER_NAME:
            c->permanent = 1;
            return err_set(e, "the certificate presented by %s is for another host name: refusing to talk to it", c->host);
        default:
            c->permanent = te >= BR_ERR_X509_OK && te < 256;
            if (c->permanent)
                return err_set(e, "the certificate of %s could not be verified (BearSSL X.509 error %d)", c->host, te);
            if (te >= BR_ERR_RECV_FATAL_ALERT)
                return err_set(e, "%s ended the TLS session with alert %d while %s", c->host, te - BR_ERR_RECV_FATAL_ALERT, what);
            return err_set(e, "TLS error %d with %s while %s (does the server speak TLS 1.2?)", te, c->host, what);
        }
    }
    if (c->timed_out)
        return err_set(e, "%s:%d sent nothing for %d s while %s (timeout; --timeout SECONDS to wait longer)",
                       c->host, c->port, c->timeout_ms / 1000, what);
    if (c->eof) return err_set(e, "%s:%d closed the connection while %s", c->host, c->port, what);
    return err_set(e, "network error with %s:%d while %s: %s", c->host, c->port, what,
                   strerror(c->sys_errno ? c->sys_errno : EIO));
}

/* TCP connection to host:port with a timeout on connect, trying each address. */
static int conn__tcp(Conn *c, const char *host, int port, Err *e) {
    struct addrinfo hints = { 0 }, *res = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    char ps[16];
    snprintf(ps, sizeof ps, "%d", port);
    int g = getaddrinfo(host, ps, &hints, &res);
    if (g != 0 && (c->permanent = 1))
        return err_set(e, "cannot resolve host name '%s' (%s): is the network up, and DNS set in "
                       "/etc/resolv.conf?", host, g == EAI_SYSTEM ? strerror(errno) : gai_strerror(g));
    int last = ETIMEDOUT;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
        if (fd < 0) { last = errno; continue; }
        int r = connect(fd, ai->ai_addr, ai->ai_addrlen);
        if (r != 0 && errno == EINPROGRESS) {
            struct pollfd p = { fd, POLLOUT, 0 };
            int pr;
            while ((pr = poll(&p, 1, c->timeout_ms)) < 0 && errno == EINTR) {}
            int so = ETIMEDOUT;
            socklen_t sl = sizeof so;
            if (pr > 0) getsockopt(fd, SOL_SOCKET, SO_ERROR, &so, &sl);
            r = so ? -1 : 0;
            errno = so;
        }
        if (r == 0) {
            int one = 1;
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            c->fd = fd;
            freeaddrinfo(res);
            return 0;
        }
        last = errno;
        close(fd);
    }
    freeaddrinfo(res);
    if (last == ETIMEDOUT)
        return err_set(e, "connecting to %s:%d timed out after %d s: is the network up?", host, port, c->timeout_ms / 1000);
    if (last == ENETUNREACH || last == EHOSTUNREACH)
        return err_set(e, "cannot reach %s:%d: %s (is this machine online?)", host, port, strerror(last));
    return err_set(e, "cannot connect to %s:%d: %s", host, port, strerror(last));
}

static int conn_write(Conn *c, const void *p, size_t n, Err *e) {
    if (c->tls) {
        if (br_sslio_write_all(&c->io, p, n) != 0 || br_sslio_flush(&c->io) != 0)
            return conn__io_error(c, "sending the request", e);
        return 0;
    }
    const uint8_t *b = p;
    while (n) {
        int w = conn__sock_write(c, b, n);
        if (w < 0) return conn__io_error(c, "sending the request", e);
        b += w, n -= (size_t)w;
    }
    return 0;
}

/* Receives more bytes into rbuf: >0 bytes added, 0 at a clean end of stream, -1 error. */
static int conn_fill(Conn *c, const char *what, Err *e) {
    if (c->rpos == c->rlen) c->rpos = c->rlen = 0;
    if (c->rlen == sizeof c->rbuf) {
        if (c->rpos == 0) return err_set(e, "internal: connection buffer full");
        memmove(c->rbuf, c->rbuf + c->rpos, c->rlen - c->rpos);
        c->rlen -= c->rpos, c->rpos = 0;
    }
    size_t room = sizeof c->rbuf - c->rlen;
    int r;
    if (c->tls) {
        r = br_sslio_read(&c->io, c->rbuf + c->rlen, room);
        if (r < 0) {
            /* close_notify, or the peer closed TCP without it (common, and harmless for
             * bodies with a length: those are checked by length and hash) */
            int te = br_ssl_engine_last_error(&c->sc.eng);
            if (te == BR_ERR_OK || (te == BR_ERR_IO && c->eof)) return 0;
            return conn__io_error(c, what, e);
        }
    } else {
        r = conn__sock_read(c, c->rbuf + c->rlen, room);
        if (r < 0) return c->eof ? 0 : conn__io_error(c, what, e);
    }
    c->rlen += (size_t)r;
    return r;
}

static void conn_close(Conn *c) {
    if (c->fd >= 0) close(c->fd);
    c->fd = -1;
}

/* ---- the HTTP response head ---- */

typedef struct {
    int status;                 /* 200, 206, 302, ... */
    char reason[64];
    int64_t content_length;     /* -1 when absent */
    int chunked;
    int64_t range_start, range_end, range_total;   /* Content-Range, -1 when absent */
    int64_t linked_size;        /* X-Linked-Size, -1 when absent */
    int retry_after;            /* seconds, -1 when absent */
    char location[4096];
    char linked_etag[80];       /* X-Linked-Etag without quotes: the SHA-256 of an LFS file */
    char etag[80];
    char repo_commit[64];       /* X-Repo-Commit */
    char error_code[64];        /* X-Error-Code */
    char error_message[512];    /* X-Error-Message */
    char link_next[4096];       /* the URL of Link: <URL>; rel="next" */
} HttpResp;

static void http__copy_value(char *dst, size_t cap, const char *v, size_t n) {
    if (n >= cap) n = cap - 1;
    memcpy(dst, v, n);
    dst[n] = 0;
}

static int http__int(const char *v, size_t n, int64_t *out) {
    int64_t x = 0;
    if (n == 0 || n > 18) return -1;
    for (size_t k = 0; k < n; k++) {
        if (v[k] < '0' || v[k] > '9') return -1;
        x = x * 10 + (v[k] - '0');
    }
    *out = x;
    return 0;
}

static int http__hname(const char *name, size_t n, const char *want) {
    return strlen(want) == n && !strncasecmp(name, want, n);
}

/* Parses a response head (the bytes up to and including the blank line). */
static int http_parse_head(const char *buf, size_t n, HttpResp *r, Err *e) {
    memset(r, 0, sizeof *r);
    r->content_length = r->range_start = r->range_end = r->range_total = r->linked_size = -1;
    r->retry_after = -1;
    size_t i = 0, nh = 0;
    /* status line: HTTP/1.x SP 3DIGIT [SP reason] */
    size_t le = 0;
    while (le < n && buf[le] != '\n') le++;
    if (le == n) return err_set(e, "the server's response has no complete status line");
    size_t ll = le && buf[le - 1] == '\r' ? le - 1 : le;
    if (ll < 12 || memcmp(buf, "HTTP/1.", 7) || (buf[7] != '0' && buf[7] != '1') || buf[8] != ' ' ||
        !isdigit((uint8_t)buf[9]) || !isdigit((uint8_t)buf[10]) || !isdigit((uint8_t)buf[11]) ||
        (ll > 12 && buf[12] != ' '))
        return err_set(e, "the server did not answer with HTTP/1.x (status line '%.40s')", buf);
    r->status = (buf[9] - '0') * 100 + (buf[10] - '0') * 10 + (buf[11] - '0');
    if (r->status < 100) return err_set(e, "the server answered with status %d", r->status);
    if (ll > 13) http__copy_value(r->reason, sizeof r->reason, buf + 13, ll - 13);
    i = le + 1;
    for (;;) {
        if (i >= n) return err_set(e, "the server's response head is cut short");
        size_t s = i;
        while (i < n && buf[i] != '\n') i++;
        if (i == n) return err_set(e, "the server's response head is cut short");
        size_t end = i > s && buf[i - 1] == '\r' ? i - 1 : i;
        i++;
        if (end == s) break;                                   /* the blank line */
        if (++nh > HTTP_MAX_HEADERS) return err_set(e, "the server sent more than %d headers", HTTP_MAX_HEADERS);
        const char *line = buf + s;
        size_t L = end - s, c = 0;
        if (line[0] == ' ' || line[0] == '\t') return err_set(e, "the server sent a folded header line (obsolete HTTP)");
        while (c < L && line[c] != ':') {
            uint8_t ch = (uint8_t)line[c];
            if (ch <= 0x20 || ch >= 0x7f) return err_set(e, "the server sent a malformed header name");
            c++;
        }
        if (c == L || c == 0) return err_set(e, "the server sent a malformed header line");
        const char *name = line, *v = line + c + 1;
        size_t nn = c, vn = L - c - 1;
        while (vn && (*v == ' ' || *v == '\t')) v++, vn--;
        while (vn && (v[vn - 1] == ' ' || v[vn - 1] == '\t')) vn--;
        for (size_t k = 0; k < vn; k++)
            if ((uint8_t)v[k] < 0x20 && v[k] != '\t') return err_set(e, "the server sent a control character in a header");
        if (http__hname(name, nn, "content-length")) {
            int64_t x;
            if (http__int(v, vn, &x)) return err_set(e, "the server sent a bad Content-Length '%.*s'", (int)(vn > 40 ? 40 : vn), v);
            if (r->content_length >= 0 && r->content_length != x) return err_set(e, "the server sent two different Content-Lengths");
            r->content_length = x;
        } else if (http__hname(name, nn, "transfer-encoding")) {
            if (vn == 7 && !strncasecmp(v, "chunked", 7)) r->chunked = 1;
            else if (!(vn == 8 && !strncasecmp(v, "identity", 8)))
                return err_set(e, "the server used Transfer-Encoding '%.*s', which llm does not decode", (int)(vn > 40 ? 40 : vn), v);
        } else if (http__hname(name, nn, "location")) {
            if (vn >= sizeof r->location) return err_set(e, "the server sent a redirect location longer than %zu bytes", sizeof r->location - 1);
            http__copy_value(r->location, sizeof r->location, v, vn);
        } else if (http__hname(name, nn, "x-linked-etag") || http__hname(name, nn, "etag")) {
            char *dst = http__hname(name, nn, "etag") ? r->etag : r->linked_etag;
            if (vn >= 2 && v[0] == 'W' && v[1] == '/') v += 2, vn -= 2;
            if (vn >= 2 && v[0] == '"' && v[vn - 1] == '"') v++, vn -= 2;
            http__copy_value(dst, 80, v, vn);
        } else if (http__hname(name, nn, "x-linked-size")) {
            if (http__int(v, vn, &r->linked_size)) r->linked_size = -1;
        } else if (http__hname(name, nn, "x-repo-commit")) {
            http__copy_value(r->repo_commit, sizeof r->repo_commit, v, vn);
        } else if (http__hname(name, nn, "x-error-code")) {
            http__copy_value(r->error_code, sizeof r->error_code, v, vn);
        } else if (http__hname(name, nn, "x-error-message")) {
            http__copy_value(r->error_message, sizeof r->error_message, v, vn);
        } else if (http__hname(name, nn, "retry-after")) {
            int64_t x;
            if (!http__int(v, vn, &x)) r->retry_after = x > 3600 ? 3600 : (int)x;
        } else if (http__hname(name, nn, "content-range")) {
            /* bytes A-B/T or bytes A-B/ * or bytes * /T */
            char tmp[128];
            http__copy_value(tmp, sizeof tmp, v, vn);
            long long a, b, t;
            if (sscanf(tmp, "bytes %lld-%lld/%lld", &a, &b, &t) == 3 && a >= 0 && b >= a && t > b)
                r->range_start = a, r->range_end = b, r->range_total = t;
            else if (sscanf(tmp, "bytes */%lld", &t) == 1 && t >= 0) r->range_total = t;
            else if (sscanf(tmp, "bytes %lld-%lld/*", &a, &b) == 2 && a >= 0 && b >= a) r->range_start = a, r->range_end = b;
            else return err_set(e, "the server sent a bad Content-Range '%.60s'", tmp);
        } else if (http__hname(name, nn, "link")) {
            /* <url>; rel="next", <url>; rel="prev" */
            const char *p = v, *end = v + vn;
            while (p < end) {
                const char *lt = memchr(p, '<', (size_t)(end - p));
                if (!lt) break;
                const char *gt = memchr(lt, '>', (size_t)(end - lt));
                if (!gt) break;
                const char *comma = memchr(gt, ',', (size_t)(end - gt));
                const char *stop = comma ? comma : end;
                int next = 0;
                for (const char *q = gt; q + 8 <= stop; q++)
                    if (!strncasecmp(q, "rel=\"next\"", 10) || !strncasecmp(q, "rel=next", 8)) next = 1;
                if (next && (size_t)(gt - lt - 1) < sizeof r->link_next)
                    http__copy_value(r->link_next, sizeof r->link_next, lt + 1, (size_t)(gt - lt - 1));
                p = stop + (comma ? 1 : 0);
            }
        }
    }
    if (r->chunked) r->content_length = -1;   /* RFC 9112: chunked wins */
    return 0;
}

/* ---- chunked bodies ----
 * A push decoder: feed it received bytes, it says how many it consumed and which of
 * them (a contiguous span) are body data. */

enum { CHUNK_SIZE, CHUNK_EXT, CHUNK_SIZE_LF, CHUNK_DATA, CHUNK_DATA_CR, CHUNK_DATA_LF, CHUNK_TRAILER, CHUNK_TRAILER_LINE, CHUNK_DONE };

typedef struct {
    int state;
    int digits;          /* hex digits of the size seen so far */
    uint64_t left;       /* bytes left in the current chunk / size being read */
    size_t line;         /* bytes of the current size or trailer line (bounded) */
} HttpChunk;

/* Consumes bytes of in[0..n): returns bytes consumed (>= 1 when n > 0 and not done), or
 * -1 on a malformed body; *data / *data_n point at body bytes within what was consumed. */
static long http_chunk_step(HttpChunk *c, const uint8_t *in, size_t n, size_t *data_off, size_t *data_n, Err *e) {
    *data_off = *data_n = 0;
    size_t i = 0;
    while (i < n && c->state != CHUNK_DONE) {
        uint8_t b = in[i];
        switch (c->state) {
        case CHUNK_SIZE: {
            int d = b >= '0' && b <= '9' ? b - '0' : b >= 'a' && b <= 'f' ? b - 'a' + 10 : b >= 'A' && b <= 'F' ? b - 'A' + 10 : -1;
            if (d >= 0) {
                if (++c->digits > 15) return err_set(e, "the server sent an impossible chunk size"), -1;
                c->left = c->left * 16 + (uint64_t)d;
                i++;
            } else if (c->digits && (b == ';' || b == ' ' || b == '\t')) c->state = CHUNK_EXT, i++;
            else if (c->digits && b == '\r') c->state = CHUNK_SIZE_LF, i++;
            else if (c->digits && b == '\n') goto size_done;
            else return err_set(e, "the server sent a bad chunk size (byte 0x%02x)", b), -1;
            break;
        }
        case CHUNK_EXT:
            if (++c->line > 4096) return err_set(e, "the server sent a chunk extension longer than 4 KiB"), -1;
            if (b == '\n') goto size_done;
            if (b == '\r') c->state = CHUNK_SIZE_LF;
            i++;
            break;
        case CHUNK_SIZE_LF:
            if (b != '\n') return err_set(e, "the server sent a bad chunk size line"), -1;
        size_done:
            i++;
            c->digits = 0, c->line = 0;
            c->state = c->left ? CHUNK_DATA : CHUNK_TRAILER;
            break;
        case CHUNK_DATA: {
            if (*data_n) return (long)i;                 /* one data span per call */
            size_t take = n - i < c->left ? n - i : (size_t)c->left;
            *data_off = i, *data_n = take;
            c->left -= take;
            i += take;
            if (!c->left) c->state = CHUNK_DATA_CR;
            break;
        }
        case CHUNK_DATA_CR:
            if (b == '\n') { c->state = CHUNK_SIZE; i++; break; }
            if (b != '\r') return err_set(e, "the server sent a chunk longer than its size"), -1;
            c->state = CHUNK_DATA_LF, i++;
            break;
        case CHUNK_DATA_LF:
            if (b != '\n') return err_set(e, "the server sent a chunk longer than its size"), -1;
            c->state = CHUNK_SIZE, i++;
            break;
        case CHUNK_TRAILER:                               /* at the start of a trailer line */
            if (b == '\r') { i++; break; }
            if (b == '\n') { c->state = CHUNK_DONE, i++; break; }
            c->state = CHUNK_TRAILER_LINE, c->line = 0;
            break;
        case CHUNK_TRAILER_LINE:
            if (++c->line > 8192) return err_set(e, "the server sent a trailer line longer than 8 KiB"), -1;
            if (b == '\n') c->state = CHUNK_TRAILER;
            i++;
            break;
        }
    }
    return (long)i;
}

/* ---- the client ---- */

typedef struct {
    /* set up once */
    Arena *arena;              /* trust anchors live here */
    Trust trust;
    int trust_loaded;
    const char *cacert;        /* --cacert */
    int timeout_ms;
    char token[512];           /* "" when none */
    Url auth;                  /* the only origin that is sent the token (https only) */
    int permanent;             /* the last failure is not worth retrying */
    /* the response in progress */
    Conn conn;
    Url url;                   /* where the response came from, after redirects */
    HttpResp r;                /* its head */
    HttpResp first;            /* the head of the first answer (the Hub's, before a CDN redirect) */
    int mode;                  /* HTTP_BODY_* */
    uint64_t left;             /* HTTP_BODY_LENGTH: bytes still to come */
    uint64_t got;              /* body bytes delivered */
    HttpChunk chunk;
} Http;

enum { HTTP_BODY_NONE, HTTP_BODY_LENGTH, HTTP_BODY_CHUNKED, HTTP_BODY_CLOSE };

/* The proxy for url, from HTTPS_PROXY / https_proxy unless NO_PROXY / no_proxy names
 * the host: 1 and *p filled, 0 for a direct connection, -1 on a malformed setting. */
static int net__proxy_for(const Url *u, Url *p, Err *e) {
    if (!u->https) return 0;                 /* plain http (tests, mirrors on a LAN): direct */
    const char *v = getenv("HTTPS_PROXY");
    if (!v || !*v) v = getenv("https_proxy");
    if (!v || !*v) return 0;
    const char *np = getenv("NO_PROXY");
    if (!np || !*np) np = getenv("no_proxy");
    if (np) {
        char list[4096];
        snprintf(list, sizeof list, "%s", np);
        for (char *save = NULL, *t = strtok_r(list, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
            if (!strcmp(t, "*")) return 0;
            char *colon = strrchr(t, ':');
            if (colon && !strchr(colon, ']') && atoi(colon + 1) != u->port && colon[1]) continue;
            if (colon && !strchr(colon, ']')) *colon = 0;
            if (*t == '.') t++;
            size_t tl = strlen(t), hl = strlen(u->host);
            if (tl && (!strcasecmp(t, u->host) ||
                       (hl > tl && !strcasecmp(u->host + hl - tl, t) && u->host[hl - tl - 1] == '.')))
                return 0;
        }
    }
    char buf[4200];
    if (!strstr(v, "://")) snprintf(buf, sizeof buf, "http://%s", v);
    else snprintf(buf, sizeof buf, "%s", v);
    Err pe = { { 0 } };
    if (url_parse(buf, p, &pe)) return err_set(e, "HTTPS_PROXY is not a usable proxy URL (%s)", pe.msg);
    if (p->https) return err_set(e, "HTTPS_PROXY: a proxy reached over https:// is not supported; use http://HOST:PORT (the tunnel inside is still TLS)");
    return 1;
}

static void net__base64(const char *in, char *out, size_t cap) {
    static const char b[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t n = strlen(in), o = 0;
    for (size_t i = 0; i < n && o + 5 < cap; i += 3) {
        uint32_t v = (uint32_t)(uint8_t)in[i] << 16;
        if (i + 1 < n) v |= (uint32_t)(uint8_t)in[i + 1] << 8;
        if (i + 2 < n) v |= (uint8_t)in[i + 2];
        out[o++] = b[v >> 18 & 63];
        out[o++] = b[v >> 12 & 63];
        out[o++] = i + 1 < n ? b[v >> 6 & 63] : '=';
        out[o++] = i + 2 < n ? b[v & 63] : '=';
    }
    out[o] = 0;
}

/* Reads a response head from c into buf (which keeps it), leaving body bytes in c. */
static int http__read_head(Conn *c, HttpResp *r, Err *e) {
    static char head[HTTP_MAX_HEAD];
    size_t n = 0;
    for (;;) {
        while (c->rpos < c->rlen) {
            if (n == sizeof head && (c->permanent = 1))
                return err_set(e, "the response headers from %s are larger than %d KiB", c->host, HTTP_MAX_HEAD >> 10);
            char ch = (char)c->rbuf[c->rpos++];
            head[n++] = ch;
            if (ch == '\n' && ((n >= 2 && head[n - 2] == '\n') || (n >= 3 && head[n - 2] == '\r' && head[n - 3] == '\n')))
                return http_parse_head(head, n, r, e) ? (c->permanent = 1, -1) : 0;
        }
        int g = conn_fill(c, "waiting for the response", e);
        if (g < 0) return -1;
        if (g == 0)
            return err_set(e, "%s:%d closed the connection %s", c->host, c->port,
                           n ? "in the middle of the response headers" : "without answering");
    }
}

/* Opens a connection to u (through the proxy when one applies), TLS when https. */
static int http__connect(Http *h, const Url *u, Err *e) {
    Conn *c = &h->conn;
    memset(c, 0, offsetof(Conn, iobuf));   /* not the 33 KiB TLS buffer */
    c->fd = -1;
    c->rpos = c->rlen = 0;
    c->timeout_ms = h->timeout_ms;
    snprintf(c->host, sizeof c->host, "%s", u->host);
    c->port = u->port;
    if (u->https && net_check_clock(e)) return c->permanent = 1, -1;
    Url px;
    int via = net__proxy_for(u, &px, e);
    if (via < 0) return c->permanent = 1, -1;
    if (conn__tcp(c, via ? px.host : u->host, via ? px.port : u->port, e)) {
        if (via) { Err pe = *e; e->msg[0] = 0; return err_set(e, "proxy (HTTPS_PROXY): %s", pe.msg); }
        return -1;
    }
    if (via) {
        char req[1024], auth[600] = "";
        if (px.userinfo[0]) {
            char b64[400];
            net__base64(px.userinfo, b64, sizeof b64);
            snprintf(auth, sizeof auth, "Proxy-Authorization: Basic %s\r\n", b64);
        }
        int v6 = strchr(u->host, ':') != NULL;
        snprintf(req, sizeof req, "CONNECT %s%s%s:%d HTTP/1.1\r\nHost: %s%s%s:%d\r\n%sUser-Agent: llm/" LLM_VERSION "\r\n\r\n",
                 v6 ? "[" : "", u->host, v6 ? "]" : "", u->port, v6 ? "[" : "", u->host, v6 ? "]" : "", u->port, auth);
        snprintf(c->host, sizeof c->host, "%s", px.host);
        c->port = px.port;
        HttpResp pr;
        if (conn_write(c, req, strlen(req), e) || http__read_head(c, &pr, e)) { conn_close(c); return -1; }
        if (pr.status != 200) {
            conn_close(c);
            c->permanent = 1;
            return err_set(e, "the proxy %s:%d refused the tunnel to %s:%d: %d %s (check HTTPS_PROXY and NO_PROXY%s)",
                           px.host, px.port, u->host, u->port, pr.status, pr.reason,
                           pr.status == 407 ? "; the proxy wants a user and password: http://USER:PASS@HOST:PORT" : "");
        }
        if (c->rpos != c->rlen) { conn_close(c); return err_set(e, "the proxy sent data before the tunnel was set up"); }
        snprintf(c->host, sizeof c->host, "%s", u->host);
        c->port = u->port;
    }
    if (u->https) {
        if (!h->trust_loaded) {
            if (net_trust_load(h->arena, &h->trust, h->cacert, e)) { c->permanent = 1; conn_close(c); return -1; }
            h->trust_loaded = 1;
        }
        c->tls = 1;
        br_ssl_client_init_full(&c->sc, &c->xc, h->trust.ta, h->trust.n);
        int64_t now = net_now();
        br_x509_minimal_set_time(&c->xc, (uint32_t)(now / 86400 + 719528), (uint32_t)(now % 86400));
        br_ssl_engine_set_buffer(&c->sc.eng, c->iobuf, sizeof c->iobuf, 1);
        if (!br_ssl_client_reset(&c->sc, u->host, 0)) {
            conn_close(c);
            return err_set(e, "cannot start TLS with %s (BearSSL error %d)", u->host, br_ssl_engine_last_error(&c->sc.eng));
        }
        br_sslio_init(&c->io, &c->sc.eng, conn__sock_read, c, conn__sock_write, c);
    }
    return 0;
}

/* Whether url may be sent the token: https, and the endpoint's own host and port. */
static int http__may_auth(const Http *h, const Url *u) {
    return h->token[0] && u->https && h->auth.https &&
           !strcmp(u->host, h->auth.host) && u->port == h->auth.port;
}

/* Sends METHOD url (following up to 10 redirects) and reads the response head into
 * h->r; the body is then read with http_read. range_from >= 0 asks for bytes from
 * there on. The first answer's head is kept in h->first (the Hub's X-Linked-* headers
 * come with its redirect to the CDN). Non-2xx statuses are not errors here. */
static int http_request(Http *h, const char *method, const char *url, int64_t range_from, Err *e) {
    Url u;
    h->permanent = 1;
    if (url_parse(url, &u, e)) return -1;
    for (int hop = 0;; hop++) {
        h->permanent = 0;
        if (http__connect(h, &u, e)) return h->permanent = h->conn.permanent, -1;
        char req[8192], extra[1200] = "";
        size_t xl = 0;
        if (http__may_auth(h, &u))
            xl += (size_t)snprintf(extra + xl, sizeof extra - xl, "Authorization: Bearer %s\r\n", h->token);
        if (range_from >= 0)
            xl += (size_t)snprintf(extra + xl, sizeof extra - xl, "Range: bytes=%lld-\r\n", (long long)range_from);
        int def = u.port == (u.https ? 443 : 80), v6 = strchr(u.host, ':') != NULL;
        int rl = snprintf(req, sizeof req,
                          "%s %s HTTP/1.1\r\nHost: %s%s%s%s%.0d\r\nUser-Agent: llm/" LLM_VERSION "\r\n"
                          "Accept: */*\r\nAccept-Encoding: identity\r\nConnection: close\r\n%s\r\n",
                          method, u.path, v6 ? "[" : "", u.host, v6 ? "]" : "", def ? "" : ":", def ? 0 : u.port, extra);
        if (rl < 0 || (size_t)rl >= sizeof req) { conn_close(&h->conn); return err_set(e, "request for %.200s is too long", url); }
        if (conn_write(&h->conn, req, (size_t)rl, e) || http__read_head(&h->conn, &h->r, e)) {
            h->permanent = h->conn.permanent;
            conn_close(&h->conn);
            return -1;
        }
        if (hop == 0) h->first = h->r;
        h->url = u;
        int st = h->r.status;
        if ((st == 301 || st == 302 || st == 303 || st == 307 || st == 308) && h->r.location[0]) {
            conn_close(&h->conn);
            h->permanent = 1;
            if (hop + 1 > HTTP_MAX_REDIRECTS)
                return err_set(e, "more than %d redirects fetching %.200s (a redirect loop on the server)", HTTP_MAX_REDIRECTS, url);
            Url next;
            if (url_resolve(&u, h->r.location, &next, e)) return -1;
            h->permanent = 0;
            u = next;
            if (st == 303) method = "GET";
            continue;
        }
        break;
    }
    h->got = 0;
    memset(&h->chunk, 0, sizeof h->chunk);
    int st = h->r.status;
    if (!strcmp(method, "HEAD") || st == 204 || st == 304 || (st >= 100 && st < 200)) h->mode = HTTP_BODY_NONE;
    else if (h->r.chunked) h->mode = HTTP_BODY_CHUNKED;
    else if (h->r.content_length >= 0) h->mode = HTTP_BODY_LENGTH, h->left = (uint64_t)h->r.content_length;
    else h->mode = HTTP_BODY_CLOSE;
    return 0;
}

/* Reads body bytes: >0 bytes, 0 at the end of the body, -1 on error (a body cut short
 * is an error that says how much came). */
static long http_read(Http *h, void *buf, size_t cap, Err *e) {
    Conn *c = &h->conn;
    for (;;) {
        if (h->mode == HTTP_BODY_NONE) return 0;
        if (h->mode == HTTP_BODY_LENGTH && h->left == 0) return 0;
        if (h->mode == HTTP_BODY_CHUNKED && h->chunk.state == CHUNK_DONE) return 0;
        if (c->rpos == c->rlen) {
            int g = conn_fill(c, "receiving the body", e);
            if (g < 0) return -1;
            if (g == 0) {
                if (h->mode == HTTP_BODY_CLOSE) return 0;
                if (h->mode == HTTP_BODY_LENGTH)
                    return err_set(e, "%s closed the connection after %llu of %llu bytes", c->host,
                                   (unsigned long long)h->got, (unsigned long long)(h->got + h->left));
                return err_set(e, "%s closed the connection in the middle of a chunked body (after %llu bytes)",
                               c->host, (unsigned long long)h->got);
            }
        }
        const uint8_t *in = c->rbuf + c->rpos;
        size_t avail = c->rlen - c->rpos;
        if (h->mode == HTTP_BODY_CHUNKED) {
            size_t off, dn;
            long used = http_chunk_step(&h->chunk, in, avail < cap ? avail : cap, &off, &dn, e);
            if (used < 0) return c->permanent = 1, -1;
            c->rpos += (size_t)used;
            if (dn) {
                memcpy(buf, in + off, dn);
                h->got += dn;
                return (long)dn;
            }
            continue;
        }
        size_t take = avail < cap ? avail : cap;
        if (h->mode == HTTP_BODY_LENGTH && take > h->left) take = (size_t)h->left;
        memcpy(buf, in, take);
        c->rpos += take;
        h->got += take;
        if (h->mode == HTTP_BODY_LENGTH) h->left -= take;
        return (long)take;
    }
}

static void http_close(Http *h) { conn_close(&h->conn); }

/* ============================================================================
 * 7. hub: Hugging Face API, tokens, fetch, manifests, offline mode
 *
 * --fetch ORG/NAME[:QUANT][@REVISION] asks the Hub (HF_ENDPOINT, else huggingface.co)
 * for the repository's files at the revision, pins the commit it reports, chooses the
 * files (one GGUF quant and all its split parts, or the safetensors set), and streams
 * each to MODELS/ORG/NAME/PATH.<id>.part with SHA-256 on the fly. A partial file keeps
 * its bytes across runs and is resumed with a Range request; only a file whose size and
 * hash match what the Hub published is renamed into place. manifest.json, written last,
 * records repository, commit, files, sizes and hashes: a folder without it is not a
 * model. -m ORG/NAME then finds the model with no network.
 *
 * The token goes only to the endpoint's own host over https: never to the CDN a
 * download is redirected to, never over plain http, never into any output except
 * masked (hf_****abcd).
 * ========================================================================== */

/* models/catalog, built in: `--fetch ID` of a catalog model knows where its GGUF is. */
__asm__(".pushsection .rodata\n"
        "llm__catalog:\n"
        ".incbin \"models/catalog\"\n"
        ".byte 0\n"
        ".popsection\n");
extern const char llm__catalog[];

#define HUB_MAX_FILES 4096
#define HUB_API_MAX (16u << 20)   /* bytes of one API answer */

typedef struct {
    char path[1024];
    uint64_t size;
    char sha256[65];       /* LFS files: from the tree API; "" for plain git files */
    char oid[41];          /* git blob id (SHA-1 of "blob N\0" + content) */
    int want;              /* chosen for download */
} HubFile;

typedef struct {
    /* set-up */
    char endpoint[512];        /* "https://huggingface.co", no trailing slash */
    Url ep;
    char models_dir[2048];
    char token[512];
    char token_src[128];       /* where the token came from, for messages */
    int retries;               /* attempts after the first */
    int dry_run, offline;
    Http http;
    Arena arena;
    char *body;                /* API answers */
    /* the repository being fetched */
    char id[256];              /* what the user asked for (the folder's name) */
    char repo[256];            /* the repository files come from */
    char rev[256], commit[64], quant[64];
    char want_file[1024];      /* the catalog's file, "" when none */
    HubFile *files;
    int n_files;
    int gated, private_;
} Hub;

/* ---- tokens ---- */

/* "hf_****abcd": enough to tell tokens apart, never enough to use one. */
static const char *hub_mask(const char *tok, char *out, size_t cap) {
    size_t n = strlen(tok);
    if (n < 12) snprintf(out, cap, "****");
    else snprintf(out, cap, "%.3s****%s", tok, tok + n - 4);
    return out;
}

static int hub__token_ok(const char *t) {
    if (!*t || strlen(t) > 400) return 0;
    for (; *t; t++) if ((uint8_t)*t <= 0x20 || (uint8_t)*t >= 0x7f) return 0;
    return 1;
}

/* Reads the first line of a token file into out; 0 when found. */
static int hub__token_file(const char *path, char *out, size_t cap) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    char buf[1024];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return -1;
    buf[n] = 0;
    size_t s = 0, e = strcspn(buf, "\r\n");
    while (s < e && isspace((uint8_t)buf[s])) s++;
    while (e > s && isspace((uint8_t)buf[e - 1])) e--;
    if (e - s >= cap) return -1;
    memcpy(out, buf + s, e - s);
    out[e - s] = 0;
    return *out ? 0 : -1;
}

/* Where `llm --login` and huggingface-cli keep the token. */
static void hub_token_path(char *out, size_t cap) {
    const char *x;
    if ((x = getenv("HF_TOKEN_PATH")) && *x) snprintf(out, cap, "%s", x);
    else if ((x = getenv("HF_HOME")) && *x) snprintf(out, cap, "%s/token", x);
    else snprintf(out, cap, "%s/.cache/huggingface/token", (x = getenv("HOME")) && *x ? x : ".");
}

/* The token: --token-file, HF_TOKEN, HF_TOKEN_PATH, $HF_HOME/token,
 * ~/.cache/huggingface/token, in that order. No token is fine (public models). */
static int hub_find_token(Hub *h, const char *token_file, Err *e) {
    const char *x;
    char p[4096];
    h->token[0] = 0;
    if (token_file) {
        if (hub__token_file(token_file, h->token, sizeof h->token))
            return err_set(e, "cannot read a token from --token-file '%s' (the file should hold the token on its first line)", token_file);
        snprintf(h->token_src, sizeof h->token_src, "--token-file");
    } else if ((x = getenv("HF_TOKEN")) && *x) {
        snprintf(h->token, sizeof h->token, "%s", x);
        snprintf(h->token_src, sizeof h->token_src, "HF_TOKEN");
    } else {
        const char *home = getenv("HOME");
        const char *cands[3][2] = {
            { getenv("HF_TOKEN_PATH"), "HF_TOKEN_PATH" },
            { getenv("HF_HOME"), "$HF_HOME/token" },
            { home && *home ? home : NULL, "~/.cache/huggingface/token" },
        };
        for (int k = 0; k < 3 && !h->token[0]; k++) {
            if (!cands[k][0] || !*cands[k][0]) continue;
            if (k == 0) snprintf(p, sizeof p, "%s", cands[k][0]);
            else if (k == 1) snprintf(p, sizeof p, "%s/token", cands[k][0]);
            else snprintf(p, sizeof p, "%s/.cache/huggingface/token", cands[k][0]);
            if (!hub__token_file(p, h->token, sizeof h->token)) snprintf(h->token_src, sizeof h->token_src, "%s", cands[k][1]);
        }
    }
    if (h->token[0] && !hub__token_ok(h->token)) {
        h->token[0] = 0;
        return err_set(e, "the token from %s contains spaces or control characters: it is not a Hugging Face token", h->token_src);
    }
    return 0;
}

/* ---- set-up ---- */

static int hub_init(Hub *h, const char *models_dir, const char *token_file, const char *cacert,
                    int timeout_s, int retries, Err *e) {
    memset(h, 0, sizeof *h);
    const char *ep = getenv("HF_ENDPOINT");
    snprintf(h->endpoint, sizeof h->endpoint, "%s", ep && *ep ? ep : "https://huggingface.co");
    size_t L = strlen(h->endpoint);
    while (L > 0 && h->endpoint[L - 1] == '/') h->endpoint[--L] = 0;
    Err ue = { { 0 } };
    if (url_parse(h->endpoint, &h->ep, &ue)) return err_set(e, "HF_ENDPOINT: %s", ue.msg);
    if (strlen(models_dir) >= sizeof h->models_dir) return err_set(e, "the models directory path is too long: %.100s...", models_dir);
    snprintf(h->models_dir, sizeof h->models_dir, "%s", models_dir);
    h->retries = retries;
    const char *off = getenv("HF_HUB_OFFLINE");
    if (off && *off && strcmp(off, "0") && strcasecmp(off, "false")) h->offline = 1;
    if (hub_find_token(h, token_file, e)) return -1;
    if (arena_create(&h->arena, (size_t)64 << 20, e)) return -1;
    signal(SIGXFSZ, SIG_IGN);   /* a file size limit is a write error with a message, not a kill */
    signal(SIGPIPE, SIG_IGN);
    h->body = arena_alloc(&h->arena, HUB_API_MAX + 1);
    h->files = arena_alloc(&h->arena, HUB_MAX_FILES * sizeof *h->files);
    if (!h->body || !h->files) return err_set(e, "out of memory");
    h->http.arena = &h->arena;
    h->http.cacert = cacert;
    h->http.timeout_ms = timeout_s * 1000;
    snprintf(h->http.token, sizeof h->http.token, "%s", h->token);
    h->http.auth = h->ep;
    if (h->token[0] && !h->ep.https) {
        log_msg(LOG_INFO, "llm: note: %s is plain http: the token is not sent to it\n", h->endpoint);
    }
    return 0;
}

static void hub_free(Hub *h) {
    http_close(&h->http);
    arena_destroy(&h->arena);
}

/* ---- requests with retries ---- */

static void hub__sleep(double s) {
    struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
}

/* Replaces any copy of the token in a message by its mask (a server might echo it). */
static void hub__scrub(const Hub *h, char *msg) {
    if (!h->token[0]) return;
    char mask[32], *p;
    hub_mask(h->token, mask, sizeof mask);
    size_t tl = strlen(h->token), ml = strlen(mask);
    while ((p = strstr(msg, h->token))) {
        memmove(p + ml, p + tl, strlen(p + tl) + 1);
        memcpy(p, mask, ml);
    }
}

/* The message for an HTTP error status from the Hub; `what` names the repository or
 * file. Returns -1 always. */
static int hub__status_error(Hub *h, const HttpResp *r, const char *what, Err *e) {
    char mask[32], page[800];
    const char *code = r->error_code;
    snprintf(page, sizeof page, "%s/%s", h->endpoint, h->repo);
    if (h->token[0]) hub_mask(h->token, mask, sizeof mask);
    int st = r->status;
    if (!strcmp(code, "GatedRepo") || (st == 403 && h->gated)) {
        if (!h->token[0] || st == 401)
            return err_set(e, "%s is gated: accept its licence at %s while logged in, then give llm a token "
                           "(HF_TOKEN=hf_..., --token-file FILE or llm --login; tokens: https://huggingface.co/settings/tokens)",
                           h->repo, page);
        return err_set(e, "%s is gated and the token %s (from %s) has not been granted access: accept the "
                       "licence at %s with that account, wait for approval if the page says so, then try again",
                       h->repo, mask, h->token_src, page);
    }
    if (st == 401) {
        if (strstr(r->error_message, "Invalid credentials") || (h->token[0] && strcmp(code, "RepoNotFound")))
            return err_set(e, "the Hub rejected the token %s (from %s): it is wrong, expired or revoked; make a "
                           "new one at https://huggingface.co/settings/tokens", mask, h->token_src);
        if (!h->token[0])
            return err_set(e, "%s was not found, or it is private and needs a token: check the name, or give llm a "
                           "token that can read it (HF_TOKEN=hf_..., --token-file FILE or llm --login; tokens: "
                           "https://huggingface.co/settings/tokens)", h->repo);
        return err_set(e, "%s was not found, or the token %s (from %s) cannot read it: check the name and the "
                       "token's permissions", h->repo, mask, h->token_src);
    }
    if (st == 404 && !strcmp(code, "RevisionNotFound"))
        return err_set(e, "revision '%s' not found in %s: give a branch, tag or commit that exists (@main is the default)",
                       h->rev, h->repo);
    if (st == 404 && !strcmp(code, "EntryNotFound"))
        return err_set(e, "file %s not found in %s at commit %.12s", what, h->repo, h->commit);
    if (st == 404 && (!strcmp(code, "RepoNotFound") || !code[0]))
        return err_set(e, "%s not found on %s: check the spelling (ORG/NAME, as in the model page's URL)%s",
                       h->repo, h->endpoint, h->token[0] ? "" : "; a private repository also needs a token");
    if (st == 403)
        return err_set(e, "access to %s denied (403 %s)%s%s", what, r->reason, r->error_message[0] ? ": " : "", r->error_message);
    if (st == 429)
        return err_set(e, "the Hub keeps refusing requests for now (429 Too Many Requests): wait a few minutes and try again");
    if (st >= 500)
        return err_set(e, "the server answered %d %s for %s %d times: the Hub may be down; try again later",
                       st, r->reason, what, h->retries + 1);
    return err_set(e, "unexpected answer %d %s for %s%s%s", st, r->reason, what,
                   r->error_message[0] ? ": " : "", r->error_message);
}

static int hub__retryable_status(int st) { return st == 429 || st == 408 || st >= 500; }

/* GET url with retries; on success the response head is in h->http.r (any status that
 * is not worth retrying) and the body is ready to read. */
static int hub__get(Hub *h, const char *url, int64_t range_from, Err *e) {
    for (int attempt = 0;; attempt++) {
        Err te = { { 0 } };
        int rc = http_request(&h->http, "GET", url, range_from, &te);
        int st = rc ? 0 : h->http.r.status;
        if (rc == 0 && !hub__retryable_status(st)) return 0;
        if (rc) {
            hub__scrub(h, te.msg);
            if (h->http.permanent || attempt >= h->retries) {
                if (attempt && !h->http.permanent)
                    return err_set(e, "%s (gave up after %d attempts)", te.msg, attempt + 1);
                return err_set(e, "%s", te.msg);
            }
        } else if (attempt >= h->retries) {
            http_close(&h->http);
            return hub__status_error(h, &h->http.r, url, e);
        }
        double wait = attempt < 5 ? (double)(1 << attempt) : 30;
        if (rc == 0 && h->http.r.retry_after >= 0) wait = h->http.r.retry_after;
        if (rc) log_msg(LOG_INFO, "llm: %s; retrying in %.0f s (attempt %d of %d)\n", te.msg, wait, attempt + 2, h->retries + 1);
        else {
            http_close(&h->http);
            log_msg(LOG_INFO, "llm: the server answered %d %s; retrying in %.0f s (attempt %d of %d)\n",
                    st, h->http.r.reason, wait, attempt + 2, h->retries + 1);
        }
        hub__sleep(wait);
    }
}

/* GET an API URL and parse its JSON answer into the arena. */
static int hub__api(Hub *h, const char *url, const char *what, JsonVal **out, Err *e) {
    for (int attempt = 0;; attempt++) {
        if (hub__get(h, url, -1, e)) return -1;
        if (h->http.r.status != 200) {
            http_close(&h->http);
            return hub__status_error(h, &h->http.r, what, e);
        }
        size_t n = 0;
        long r;
        Err re = { { 0 } };
        while ((r = http_read(&h->http, h->body + n, HUB_API_MAX - n, &re)) > 0) {
            n += (size_t)r;
            if (n == HUB_API_MAX) { http_close(&h->http); return err_set(e, "the Hub's answer for %s is larger than %u MiB", what, HUB_API_MAX >> 20); }
        }
        http_close(&h->http);
        if (r < 0) {
            if (attempt >= h->retries || h->http.conn.permanent) return err_set(e, "%s", re.msg);
            log_msg(LOG_INFO, "llm: %s; retrying\n", re.msg);
            hub__sleep(1 << (attempt < 5 ? attempt : 5));
            continue;
        }
        h->body[n] = 0;
        Err je = { { 0 } };
        if (json_parse(&h->arena, h->body, n, out, &je))
            return err_set(e, "the Hub's answer for %s is not valid JSON (%s)", what, je.msg);
        return 0;
    }
}

/* ---- what the repository holds ---- */

static int hub__valid_repo(const char *r) {
    const char *slash = strchr(r, '/');
    if (!slash || slash == r || !slash[1] || strchr(slash + 1, '/') || strlen(r) > 200) return 0;
    if (strstr(r, "..") || r[0] == '.' || slash[1] == '.') return 0;
    for (const char *p = r; *p; p++)
        if (!isalnum((uint8_t)*p) && !strchr("-_./", *p)) return 0;
    return 1;
}

/* "ORG/NAME[:QUANT][@REVISION]" into h->id, h->quant, h->rev. */
static int hub_parse_spec(Hub *h, const char *spec, Err *e) {
    char s[600];
    snprintf(s, sizeof s, "%s", spec);
    h->quant[0] = 0;
    snprintf(h->rev, sizeof h->rev, "main");
    char *at = strchr(s, '@'), *colon = strchr(s, ':');
    if (at) *at = 0;
    if (colon) *colon = 0;
    if (at) {
        char *q = at + 1;
        if (!*q || strlen(q) >= sizeof h->rev) return err_set(e, "'%s': empty or too long revision after '@'", spec);
        snprintf(h->rev, sizeof h->rev, "%s", q);
        for (const char *p = h->rev; *p; p++)
            if ((uint8_t)*p <= 0x20 || *p == '?' || *p == '#' || *p == '%' || (uint8_t)*p >= 0x7f)
                return err_set(e, "'%s': a revision is a branch, tag or commit id", spec);
    }
    if (colon) {
        if (!colon[1] || strlen(colon + 1) >= sizeof h->quant) return err_set(e, "'%s': empty or too long quant after ':'", spec);
        snprintf(h->quant, sizeof h->quant, "%s", colon + 1);
    }
    if (!hub__valid_repo(s))
        return err_set(e, "'%s' is not a model name: use ORG/NAME as in the Hub's URL, e.g. TinyLlama/TinyLlama-1.1B-Chat-v1.0, "
                       "optionally with :QUANT (e.g. :Q8_0) and @REVISION", spec);
    size_t L = strlen(s);      /* < 201: hub__valid_repo checked */
    memcpy(h->id, s, L + 1);
    memcpy(h->repo, s, L + 1);
    return 0;
}

/* The next model line of the catalog after *p (comments and blank lines skipped) split
 * into its first eight columns; 0 at the end. */
static int hub__catalog_next(const char **p, char f[8][512]) {
    while (**p) {
        const char *eol = strchr(*p, '\n');
        size_t L = eol ? (size_t)(eol - *p) : strlen(*p);
        char line[1024];
        snprintf(line, sizeof line, "%.*s", (int)(L < sizeof line ? L : sizeof line - 1), *p);
        *p += L + (eol ? 1 : 0);
        if (line[0] != '#' && !isspace((uint8_t)line[0]) && line[0] &&
            sscanf(line, "%511s %511s %511s %511s %511s %511s %511s %511s", f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7]) == 8)
            return 1;
    }
    return 0;
}

/* The catalog's line for id: its GGUF source REPO/FILE into repo and file; 0 when found. */
static int hub_catalog_source(const char *id, char *repo, size_t rcap, char *file, size_t fcap) {
    const char *p = llm__catalog;
    char f[8][512];
    while (hub__catalog_next(&p, f)) {
        if (strcasecmp(f[0], id) || strcmp(f[1], "gguf")) continue;
        char *s1 = strchr(f[7], '/'), *s2 = s1 ? strchr(s1 + 1, '/') : NULL;
        if (!s2) continue;
        snprintf(repo, rcap, "%.*s", (int)(s2 - f[7]), f[7]);
        snprintf(file, fcap, "%s", s2 + 1);
        return 0;
    }
    return -1;
}

/* The catalog's default model: its first model line ("" when it has none). */
static void hub_catalog_default(char *id, size_t cap) {
    const char *p = llm__catalog;
    char f[8][512];
    snprintf(id, cap, "%.200s", hub__catalog_next(&p, f) ? f[0] : "");   /* ids are at most 200 bytes */
}

/* Lists the repository at h->rev: pins h->commit and fills h->files from the tree API. */
static int hub_list_files(Hub *h, Err *e) {
    char url[4600], erev[600], what[400];
    JsonVal *v;
    url_encode_path(h->rev, erev, sizeof erev);
    snprintf(url, sizeof url, "%s/api/models/%s/revision/%s", h->endpoint, h->repo, erev);
    snprintf(what, sizeof what, "%s", h->repo);
    if (hub__api(h, url, what, &v, e)) return -1;
    Str sha = json_get_str(v, "sha", (Str){ "", 0 });
    if (sha.n < 7 || sha.n >= sizeof h->commit)
        return err_set(e, "the Hub's answer for %s has no commit id (is HF_ENDPOINT a Hugging Face hub?)", h->repo);
    for (size_t k = 0; k < sha.n; k++)
        if (!isxdigit((uint8_t)sha.p[k])) return err_set(e, "the Hub sent a malformed commit id for %s", h->repo);
    memcpy(h->commit, sha.p, sha.n);
    h->commit[sha.n] = 0;
    const JsonVal *g = json_get(v, "gated");
    h->gated = g && ((g->type == JSON_BOOL && g->b) || g->type == JSON_STR);
    const JsonVal *pv = json_get(v, "private");
    h->private_ = pv && pv->type == JSON_BOOL && pv->b;
    /* sizes and hashes: the tree API, page by page */
    h->n_files = 0;
    snprintf(url, sizeof url, "%s/api/models/%s/tree/%s?recursive=true", h->endpoint, h->repo, h->commit);
    for (int page = 0; page < 10000; page++) {
        if (hub__api(h, url, what, &v, e)) return -1;
        if (v->type != JSON_ARR) return err_set(e, "the Hub's file list for %s is not a JSON array", h->repo);
        for (size_t k = 0; k < v->n; k++) {
            const JsonVal *f = v->kids[k];
            Str type = json_get_str(f, "type", (Str){ "", 0 }), path = json_get_str(f, "path", (Str){ "", 0 });
            if (!str_eq(type, "file")) continue;
            if (!path.n || path.n >= sizeof h->files[0].path || memchr(path.p, 0, path.n))
                return err_set(e, "the Hub listed a file with an unusable name in %s", h->repo);
            if (h->n_files == HUB_MAX_FILES) return err_set(e, "%s has more than %d files", h->repo, HUB_MAX_FILES);
            HubFile *hf = &h->files[h->n_files++];
            memset(hf, 0, sizeof *hf);
            memcpy(hf->path, path.p, path.n);
            const JsonVal *sz = json_get(f, "size");
            if (!sz || sz->type != JSON_INT || sz->i < 0) return err_set(e, "the Hub listed %s without a size", hf->path);
            hf->size = (uint64_t)sz->i;
            Str oid = json_get_str(f, "oid", (Str){ "", 0 });
            if (oid.n == 40) memcpy(hf->oid, oid.p, 40);
            const JsonVal *lfs = json_get(f, "lfs");
            if (lfs) {
                Str lo = json_get_str(lfs, "oid", (Str){ "", 0 });
                const JsonVal *ls = json_get(lfs, "size");
                if (lo.n != 64) return err_set(e, "the Hub listed %s without its SHA-256", hf->path);
                memcpy(hf->sha256, lo.p, 64);
                if (ls && ls->type == JSON_INT) hf->size = (uint64_t)ls->i;
            }
            /* a file name must stay inside the model's folder */
            if (hf->path[0] == '/' || strstr(hf->path, "../") || !strncmp(hf->path, "..", 2) || strstr(hf->path, "/./") ||
                strstr(hf->path, "//"))
                return err_set(e, "the Hub listed a file name that leaves the model folder: %s", hf->path);
        }
        if (!h->http.r.link_next[0]) break;
        Url base, next;
        if (url_parse(url, &base, e) || url_resolve(&base, h->http.r.link_next, &next, e)) return -1;
        char origin[400];
        url_origin(&next, origin, sizeof origin);
        snprintf(url, sizeof url, "%s%s", origin, next.path);
        /* follow pages only on the endpoint itself */
        if (strcmp(next.host, h->ep.host) || next.port != h->ep.port)
            return err_set(e, "the Hub's file list for %s points to another host (%s)", h->repo, next.host);
    }
    return 0;
}

/* ---- choosing files ---- */

/* Whether quant q names this file: a case-insensitive match not glued to letters or
 * digits before, nor to letters, digits or '_' after (so Q4_K does not pick Q4_K_M). */
static int hub__quant_match(const char *path, const char *q) {
    size_t ql = strlen(q), pl = strlen(path);
    for (size_t i = 0; i + ql <= pl; i++) {
        if (strncasecmp(path + i, q, ql)) continue;
        int before = i == 0 || !isalnum((uint8_t)path[i - 1]);
        char a = path[i + ql];
        int after = !a || (!isalnum((uint8_t)a) && a != '_');
        if (before && after) return 1;
    }
    return 0;
}

/* For "…-00001-of-00003.gguf": the length of the prefix shared by the parts and the
 * part count; 0 when the name is not a split part. */
static size_t hub__split(const char *p, int *no, int *of) {
    size_t L = strlen(p);
    if (L < 5 + 15 || strcmp(p + L - 5, ".gguf")) return 0;
    const char *s = p + L - 5 - 15;   /* "-00001-of-00003" */
    if (s[0] != '-' || strncmp(s + 6, "-of-", 4)) return 0;
    for (int k = 1; k < 6; k++) if (!isdigit((uint8_t)s[k]) || !isdigit((uint8_t)s[k + 9])) return 0;
    *no = atoi(s + 1), *of = atoi(s + 10);
    return (size_t)(s - p);
}

static int hub__is_gguf(const HubFile *f) {
    size_t L = strlen(f->path);
    const char *base = strrchr(f->path, '/');
    base = base ? base + 1 : f->path;
    /* vision projectors ride along in GGUF repositories; they are not language models */
    return L > 5 && !strcmp(f->path + L - 5, ".gguf") && strncasecmp(base, "mmproj", 6) && !strstr(base, "mmproj");
}

/* Marks file k and, when it is a split part, all parts of its set. */
static int hub__want_unit(Hub *h, int k, Err *e) {
    int no, of;
    size_t pre = hub__split(h->files[k].path, &no, &of);
    if (!pre) { h->files[k].want = 1; return 0; }
    int found = 0;
    for (int j = 0; j < h->n_files; j++) {
        int n2, o2;
        size_t p2 = hub__split(h->files[j].path, &n2, &o2);
        if (p2 == pre && !strncmp(h->files[j].path, h->files[k].path, pre) && o2 == of) h->files[j].want = 1, found++;
    }
    if (found != of)
        return err_set(e, "%s is split in %d parts but the repository holds %d of them", h->files[k].path, of, found);
    return 0;
}

/* The GGUF to fetch: the catalog's file, else :QUANT, else Q4_K_M, Q8_0, the first. */
static int hub__choose_gguf(Hub *h, Err *e) {
    if (h->want_file[0] && !h->quant[0]) {
        for (int k = 0; k < h->n_files; k++)
            if (!strcmp(h->files[k].path, h->want_file)) return hub__want_unit(h, k, e);
        log_msg(LOG_INFO, "llm: note: the catalog's file %s is not in %s; choosing by quant\n", h->want_file, h->repo);
    }
    const char *tries[3] = { h->quant, "Q4_K_M", "Q8_0" };
    for (int t = h->quant[0] ? 0 : 1; t < 3; t++) {
        int pick = -1;
        char first_unit[1024] = "";
        for (int k = 0; k < h->n_files; k++) {
            HubFile *f = &h->files[k];
            if (!hub__is_gguf(f) || !hub__quant_match(f->path, tries[t])) continue;
            int no, of;
            size_t pre = hub__split(f->path, &no, &of);
            char unit[1024];
            snprintf(unit, sizeof unit, "%.*s", (int)(pre ? pre : strlen(f->path)), f->path);
            if (pick < 0) pick = k, snprintf(first_unit, sizeof first_unit, "%s", unit);
            else if (strcmp(unit, first_unit))
                return err_set(e, "several GGUF files in %s match '%s' (%s, %s): name one more exactly, e.g. :%s",
                               h->repo, tries[t], first_unit, unit, tries[t]);
        }
        if (pick >= 0) return hub__want_unit(h, pick, e);
        if (t == 0) {
            char list[600] = "";
            for (int k = 0; k < h->n_files; k++) {
                if (!hub__is_gguf(&h->files[k])) continue;
                size_t L = strlen(list);
                if (L < sizeof list - 80) snprintf(list + L, sizeof list - L, "%s%.200s", L ? ", " : "", h->files[k].path);
            }
            return err_set(e, "no GGUF file in %s matches '%s'; it has: %s", h->repo, h->quant, list);
        }
    }
    for (int k = 0; k < h->n_files; k++)
        if (hub__is_gguf(&h->files[k])) return hub__want_unit(h, k, e);
    return err_set(e, "internal: no GGUF to choose");
}

static HubFile *hub__file(Hub *h, const char *path) {
    for (int k = 0; k < h->n_files; k++)
        if (!strcmp(h->files[k].path, path)) return &h->files[k];
    return NULL;
}

/* A small file of the repository read into memory (config.json, the shard index). */
static int hub__small_file(Hub *h, const char *path, JsonVal **out, Err *e) {
    char url[3000], ep[2100];
    url_encode_path(path, ep, sizeof ep);
    snprintf(url, sizeof url, "%s/%s/resolve/%s/%s", h->endpoint, h->repo, h->commit, ep);
    return hub__api(h, url, path, out, e);
}

/* Refuses, before any weights move, what llm could not run: multimodal models and
 * architectures it does not implement. */
static int hub__check_config(Hub *h, const JsonVal *cfg, Err *e) {
    static const char *mm[] = { "vision_config", "audio_config", "vision_tower", "mm_vision_tower", "speech_config",
                                "image_token_index", "image_token_id", "audio_token_index", "visual" };
    for (size_t k = 0; k < sizeof mm / sizeof *mm; k++)
        if (json_get(cfg, mm[k]))
            return err_set(e, "%s is multimodal (its config.json has '%s'): llm runs text-only language models; "
                           "nothing was downloaded", h->repo, mm[k]);
    const JsonVal *archs = json_get(cfg, "architectures");
    Str mt = json_get_str(cfg, "model_type", (Str){ "?", 1 });
    const JsonVal *a0 = json_at(archs, 0);
    Str arch = a0 && a0->type == JSON_STR ? a0->s : (Str){ "?", 1 };
    static const char *ok[] = { "LlamaForCausalLM", "MistralForCausalLM" };
    for (size_t k = 0; k < sizeof ok / sizeof *ok; k++)
        if (str_eq(arch, ok[k])) return 0;
    return err_set(e, "%s is a %.*s model (model_type %.*s), which llm cannot run (it runs LlamaForCausalLM and "
                   "MistralForCausalLM); nothing was downloaded", h->repo, (int)arch.n, arch.p, (int)mt.n, mt.p);
}

/* The safetensors set: the config and tokenizer files, and the weights. */
static int hub__choose_safetensors(Hub *h, Err *e) {
    HubFile *cfgf = hub__file(h, "config.json");
    if (!cfgf) return err_set(e, "%s has safetensors weights but no config.json: not a model llm can use", h->repo);
    JsonVal *cfg;
    size_t mark = arena_mark(&h->arena);
    if (hub__small_file(h, "config.json", &cfg, e)) return -1;
    if (hub__check_config(h, cfg, e)) return -1;
    arena_reset(&h->arena, mark);
    static const char *side[] = { "config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json",
                                  "special_tokens_map.json" };
    for (size_t k = 0; k < sizeof side / sizeof *side; k++) {
        HubFile *f = hub__file(h, side[k]);
        if (f) f->want = 1;
    }
    HubFile *f;
    if (!hub__file(h, "tokenizer.json") && (f = hub__file(h, "tokenizer.model"))) f->want = 1;
    if ((f = hub__file(h, "model.safetensors"))) { f->want = 1; return 0; }
    HubFile *idx = hub__file(h, "model.safetensors.index.json");
    if (!idx) return err_set(e, "%s has no model.safetensors and no model.safetensors.index.json", h->repo);
    idx->want = 1;
    JsonVal *iv;
    if (hub__small_file(h, idx->path, &iv, e)) return -1;
    const JsonVal *wm = json_get(iv, "weight_map");
    if (!wm || wm->type != JSON_OBJ || !wm->n) return err_set(e, "%s: model.safetensors.index.json has no weight_map", h->repo);
    for (size_t k = 0; k < wm->n; k++) {
        if (wm->kids[k]->type != JSON_STR) return err_set(e, "%s: a weight_map entry is not a file name", h->repo);
        char name[1024];
        snprintf(name, sizeof name, "%.*s", (int)wm->kids[k]->s.n, wm->kids[k]->s.p);
        HubFile *sf = hub__file(h, name);
        if (!sf) return err_set(e, "%s: the shard %s named in model.safetensors.index.json is not in the repository", h->repo, name);
        sf->want = 1;
    }
    arena_reset(&h->arena, mark);
    return 0;
}

static int hub_choose(Hub *h, Err *e) {
    int gguf = 0, st = 0;
    for (int k = 0; k < h->n_files; k++) {
        h->files[k].want = 0;
        size_t L = strlen(h->files[k].path);
        gguf += hub__is_gguf(&h->files[k]);
        st += L > 12 && !strcmp(h->files[k].path + L - 12, ".safetensors");
    }
    if (gguf) return hub__choose_gguf(h, e);
    if (st) return hub__choose_safetensors(h, e);
    return err_set(e, "%s holds no GGUF and no safetensors files: not a model llm can fetch", h->repo);
}

/* ---- the models folder ---- */

static int hub__mkdirs(const char *path, Err *e) {   /* mkdir -p of path's directories and path */
    char p[4096];
    snprintf(p, sizeof p, "%s", path);
    for (char *s = p + 1;; s++) {
        if (*s == '/' || !*s) {
            char c = *s;
            *s = 0;
            if (mkdir(p, 0755) != 0 && errno != EEXIST) return err_set(e, "cannot create folder '%s': %s", p, strerror(errno));
            *s = c;
            if (!c) break;
        }
    }
    return 0;
}

static void hub__fsync_dir(const char *dir) {
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) { fsync(fd); close(fd); }
}

/* ---- progress ---- */

typedef struct {
    const char *name;
    uint64_t total, done, at_start;
    double t0, last;
    int tty;
    int shown;
} Progress;

static void hub__progress(Progress *p, int final) {
    if (log_level < LOG_INFO) return;
    double now = time_now();
    if (!final && now - p->last < (p->tty ? 0.2 : 5.0)) return;
    p->last = now;
    double el = now - p->t0, rate = el > 0 ? (double)(p->done - p->at_start) / el : 0;
    char a[32], b[32], r[32], eta[32] = "";
    fmt_size(a, sizeof a, (double)p->done);
    fmt_size(b, sizeof b, (double)p->total);
    fmt_size(r, sizeof r, rate);
    if (!final && rate > 0 && p->total > p->done) {
        long s = (long)((double)(p->total - p->done) / rate);
        snprintf(eta, sizeof eta, " ETA %ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
    }
    int pct = p->total ? (int)(100.0 * (double)p->done / (double)p->total) : 100;
    if (p->tty) {
        int w = 24, fill = p->total ? (int)((double)w * (double)p->done / (double)p->total) : w;
        char bar[32];
        for (int k = 0; k < w; k++) bar[k] = k < fill ? '#' : '.';
        bar[w] = 0;
        fprintf(stderr, "\r%-.40s [%s] %3d%% %s / %s  %s/s%s\033[K", p->name, bar, pct, a, b, r, eta);
        if (final) fputc('\n', stderr);
    } else {
        fprintf(stderr, "llm: %s: %d%% (%s of %s, %s/s%s)\n", p->name, pct, a, b, r, eta);
    }
    fflush(stderr);
    p->shown = 1;
}

/* ---- one file ---- */

/* Hashes the bytes already in a partial file, so that hashing can go on where it stopped. */
static int hub__hash_existing(int fd, uint64_t n, br_sha256_context *s2, br_sha1_context *s1, int git, Err *e) {
    static uint8_t buf[1 << 16];
    uint64_t off = 0;
    while (off < n) {
        size_t want = n - off < sizeof buf ? (size_t)(n - off) : sizeof buf;
        ssize_t r = pread(fd, buf, want, (off_t)off);
        if (r <= 0) return err_set(e, "cannot read back the partial download: %s", r < 0 ? strerror(errno) : "short file");
        br_sha256_update(s2, buf, (size_t)r);
        if (git) br_sha1_update(s1, buf, (size_t)r);
        off += (uint64_t)r;
    }
    return 0;
}

static void hub__hash_start(br_sha256_context *s2, br_sha1_context *s1, uint64_t size) {
    char hdr[40];
    int n = snprintf(hdr, sizeof hdr, "blob %llu", (unsigned long long)size);
    br_sha256_init(s2);
    br_sha1_init(s1);
    br_sha1_update(s1, hdr, (size_t)n + 1);   /* with its NUL: git's blob header */
}

/* Downloads one file into dir, resuming a partial download; verifies size and hash,
 * then renames it into place. Records the SHA-256 in f->sha256. */
static int hub__download(Hub *h, HubFile *f, const char *dir, Err *e) {
    char final[3500], part[3600], url[3200], ep[2100];
    const char *id = f->sha256[0] ? f->sha256 : f->oid[0] ? f->oid : "nohash";
    snprintf(final, sizeof final, "%s/%s", dir, f->path);
    snprintf(part, sizeof part, "%s.%.12s.part", final, id);
    char *slash = strrchr(final, '/');
    *slash = 0;
    if (hub__mkdirs(final, e)) return -1;
    *slash = '/';
    int fd = open(part, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return err_set(e, "cannot create '%s': %s", part, strerror(errno));
    struct stat st;
    fstat(fd, &st);
    uint64_t have = (uint64_t)st.st_size;
    static br_sha256_context s2;
    static br_sha1_context s1;
    hub__hash_start(&s2, &s1, f->size);
    if (have > f->size || !strcmp(id, "nohash")) { if (ftruncate(fd, 0)) {} have = 0; }
    int git = !f->sha256[0];   /* small files are checked by their git blob id (SHA-1) */
    if (have && hub__hash_existing(fd, have, &s2, &s1, git, e)) { close(fd); return -1; }
    if (have) {
        char a[32], b[32];
        log_msg(LOG_INFO, "llm: %s: resuming at %s of %s\n", f->path, fmt_size(a, sizeof a, (double)have), fmt_size(b, sizeof b, (double)f->size));
    }
    url_encode_path(f->path, ep, sizeof ep);
    snprintf(url, sizeof url, "%s/%s/resolve/%s/%s", h->endpoint, h->repo, h->commit, ep);
    Progress pg = { f->path, f->size, have, have, time_now(), time_now(), isatty(2), 0 };
    static uint8_t buf[1 << 18];
    for (int attempt = 0; have < f->size;) {
        if (hub__get(h, url, have ? (int64_t)have : -1, e)) {
            close(fd);
            if (!have) unlink(part);
            return -1;
        }
        HttpResp *r = &h->http.r;
        if (r->status == 416 && have && r->range_total == (int64_t)f->size) { http_close(&h->http); have = f->size; break; }
        if (r->status != 200 && r->status != 206) {
            http_close(&h->http);
            close(fd);
            if (!have) unlink(part);
            return hub__status_error(h, r, f->path, e);
        }
        if (h->http.first.linked_size >= 0 && (uint64_t)h->http.first.linked_size != f->size) {
            http_close(&h->http);
            close(fd);
            return err_set(e, "%s: the Hub lists %llu bytes but serves %lld: the repository changed while fetching; run the command again",
                           f->path, (unsigned long long)f->size, (long long)h->http.first.linked_size);
        }
        if (f->sha256[0] && h->http.first.linked_etag[0] && strcasecmp(h->http.first.linked_etag, f->sha256)) {
            http_close(&h->http);
            close(fd);
            return err_set(e, "%s: the Hub lists SHA-256 %.12s but serves %.12s: the repository changed while fetching; run the command again",
                           f->path, f->sha256, h->http.first.linked_etag);
        }
        if (r->status == 200 && have) {
            log_msg(LOG_INFO, "llm: %s: the server does not resume downloads; starting this file again\n", f->path);
            if (ftruncate(fd, 0)) {}
            have = 0, pg.done = pg.at_start = 0;
            hub__hash_start(&s2, &s1, f->size);
        } else if (r->status == 206 && (r->range_start != (int64_t)have || (r->range_total >= 0 && r->range_total != (int64_t)f->size))) {
            http_close(&h->http);
            close(fd);
            return err_set(e, "%s: the server sent bytes from %lld when asked for %llu", f->path, (long long)r->range_start, (unsigned long long)have);
        }
        long n;
        Err re = { { 0 } };
        uint64_t before = have;
        while ((n = http_read(&h->http, buf, sizeof buf, &re)) > 0) {
            if (have + (uint64_t)n > f->size) {
                http_close(&h->http);
                close(fd);
                unlink(part);
                return err_set(e, "%s: the server sent more than the %llu bytes the Hub lists; the download was deleted",
                               f->path, (unsigned long long)f->size);
            }
            if (pwrite(fd, buf, (size_t)n, (off_t)have) != n) {
                int er = errno;
                http_close(&h->http);
                close(fd);
                char a[32], b[32];
                return err_set(e, "cannot write %s: %s; %s of %s are kept in %s: %s and run the same command to resume",
                               f->path, strerror(er), fmt_size(a, sizeof a, (double)have), fmt_size(b, sizeof b, (double)f->size), part,
                               er == ENOSPC ? "free disk space" : er == EFBIG ? "raise the file size limit (ulimit -f)" : "fix that");
            }
            br_sha256_update(&s2, buf, (size_t)n);
            if (git) br_sha1_update(&s1, buf, (size_t)n);
            have += (uint64_t)n;
            pg.done = have;
            hub__progress(&pg, 0);
        }
        http_close(&h->http);
        if (n == 0 && have == f->size) break;
        if (n == 0 && !re.msg[0]) snprintf(re.msg, sizeof re.msg, "the server ended the file after %llu of %llu bytes",
                                           (unsigned long long)have, (unsigned long long)f->size);
        hub__scrub(h, re.msg);
        if (pg.tty && pg.shown) fputc('\n', stderr);
        if (have == before || h->retries == 0) attempt++;   /* progress resets the count: only stalls give up */
        if (h->http.conn.permanent) {
            close(fd);
            if (!have) unlink(part);
            return err_set(e, "%s (%s): the server's answer is malformed; try again later", re.msg, f->path);
        }
        if (attempt > h->retries) {
            close(fd);
            if (!have) unlink(part);
            return err_set(e, "%s (%s); %llu of %llu bytes are kept: run the same command again to resume", re.msg, f->path,
                           (unsigned long long)have, (unsigned long long)f->size);
        }
        double wait = have > before ? 0 : (double)(1 << (attempt < 5 ? attempt - 1 : 4));
        log_msg(LOG_INFO, "llm: %s; resuming %s at byte %llu%s\n", re.msg, f->path, (unsigned long long)have,
                wait > 0 ? " after a pause" : "");
        hub__sleep(wait);
    }
    /* the whole file is here: check it */
    uint8_t d2[32], d1[20];
    char x2[65], x1[41];
    br_sha256_out(&s2, d2);
    br_sha1_out(&s1, d1);
    hex_encode(d2, 32, x2);
    hex_encode(d1, 20, x1);
    const char *bad = NULL, *want = NULL, *got = NULL;
    if (f->sha256[0] && strcasecmp(x2, f->sha256)) bad = "SHA-256", want = f->sha256, got = x2;
    else if (!f->sha256[0] && f->oid[0] && strcasecmp(x1, f->oid)) bad = "git blob id", want = f->oid, got = x1;
    if (bad) {
        close(fd);
        unlink(part);
        return err_set(e, "%s: the %s of the download is %.16s..., not the %.16s... the Hub lists: it was corrupted "
                       "on the way and has been deleted; run the command again", f->path, bad, got, want);
    }
    if (fsync(fd) != 0) {
        int er = errno;
        close(fd);
        return err_set(e, "cannot write %s: %s", part, strerror(er));
    }
    close(fd);
    if (rename(part, final) != 0) return err_set(e, "cannot rename '%s' to '%s': %s", part, final, strerror(errno));
    *slash = 0;
    hub__fsync_dir(final);
    *slash = '/';
    memcpy(f->sha256, x2, 65);
    pg.done = f->size;
    hub__progress(&pg, 1);
    return 0;
}

/* ---- manifests ---- */

static void hub__dir(const Hub *h, char *out, size_t cap) { snprintf(out, cap, "%s/%s", h->models_dir, h->id); }

static void hub__now_iso(char *out, size_t cap) {
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Writes dir/manifest.json (atomically) for the files just fetched, keeping the entries
 * of an earlier fetch into the same folder whose files are still there. */
static int hub__write_manifest(Hub *h, const char *dir, const char *format, const char *model, Err *e) {
    char path[4200], date[40];
    snprintf(path, sizeof path, "%s/manifest.json", dir);
    size_t cap = 1u << 20;
    char *buf = arena_alloc(&h->arena, cap);
    if (!buf) return err_set(e, "out of memory writing the manifest");
    JsonBuf b = { buf, cap, 0, 0 };
    hub__now_iso(date, sizeof date);
    json_buf_puts(&b, "{\n  \"id\": ");
    json_write_str(&b, h->id, strlen(h->id));
    json_buf_puts(&b, ",\n  \"repo\": ");
    json_write_str(&b, h->repo, strlen(h->repo));
    json_buf_puts(&b, ",\n  \"revision\": ");
    json_write_str(&b, h->rev, strlen(h->rev));
    json_buf_puts(&b, ",\n  \"commit\": ");
    json_write_str(&b, h->commit, strlen(h->commit));
    json_buf_puts(&b, ",\n  \"endpoint\": ");
    json_write_str(&b, h->endpoint, strlen(h->endpoint));
    json_buf_puts(&b, ",\n  \"format\": ");
    json_write_str(&b, format, strlen(format));
    json_buf_puts(&b, ",\n  \"model\": ");
    json_write_str(&b, model, strlen(model));
    json_buf_puts(&b, ",\n  \"fetched\": ");
    json_write_str(&b, date, strlen(date));
    json_buf_puts(&b, ",\n  \"files\": [");
    int first = 1;
    char line[1400];
    for (int k = 0; k < h->n_files; k++) {
        HubFile *f = &h->files[k];
        if (!f->want) continue;
        json_buf_puts(&b, first ? "\n    {\"path\": " : ",\n    {\"path\": ");
        first = 0;
        json_write_str(&b, f->path, strlen(f->path));
        snprintf(line, sizeof line, ", \"size\": %llu, \"sha256\": \"%s\"}", (unsigned long long)f->size, f->sha256);
        json_buf_puts(&b, line);
    }
    /* earlier entries for other files that are still on disk */
    FileMap old;
    Err oe = { { 0 } };
    if (file_map(&old, path, &oe) == 0) {
        JsonVal *ov;
        if (old.data && json_parse(&h->arena, (const char *)old.data, old.size, &ov, &oe) == 0) {
            const JsonVal *fl = json_get(ov, "files");
            for (size_t k = 0; fl && fl->type == JSON_ARR && k < fl->n; k++) {
                Str p = json_get_str(fl->kids[k], "path", (Str){ "", 0 });
                char fp[1024], full[5200];
                snprintf(fp, sizeof fp, "%.*s", (int)p.n, p.p);
                HubFile *now = hub__file(h, fp);
                snprintf(full, sizeof full, "%s/%s", dir, fp);
                if (!p.n || (now && now->want) || access(full, F_OK)) continue;
                const JsonVal *sz = json_get(fl->kids[k], "size");
                Str sh = json_get_str(fl->kids[k], "sha256", (Str){ "", 0 });
                json_buf_puts(&b, ",\n    {\"path\": ");
                json_write_str(&b, p.p, p.n);
                snprintf(line, sizeof line, ", \"size\": %lld, \"sha256\": \"%.*s\"}", sz && sz->type == JSON_INT ? (long long)sz->i : 0LL,
                         (int)(sh.n > 64 ? 64 : sh.n), sh.p);
                json_buf_puts(&b, line);
            }
        }
        file_unmap(&old);
    }
    json_buf_puts(&b, "\n  ]\n}\n");
    if (b.over) return err_set(e, "the manifest of %s is larger than 1 MiB", h->id);
    FileOut fo;
    if (file_out_open(&fo, path, e)) return -1;
    file_out_write(&fo, buf, b.n);
    if (file_out_commit(&fo, e)) return -1;
    hub__fsync_dir(dir);
    return 0;
}

/* ---- --fetch ---- */

/* Removes dir and its ORG parent when a failed first fetch left them empty. */
static void hub__prune(char *dir) {
    if (rmdir(dir) != 0) return;
    char *sl = strrchr(dir, '/');
    if (!sl) return;
    *sl = 0;
    rmdir(dir);
    *sl = '/';
}

static int hub__free_space(const char *dir, uint64_t *out) {
    struct statvfs s;
    char p[2400];
    snprintf(p, sizeof p, "%s", dir);
    while (statvfs(p, &s) != 0) {          /* the nearest existing parent */
        char *sl = strrchr(p, '/');
        if (!sl || sl == p) return -1;
        *sl = 0;
    }
    *out = (uint64_t)s.f_bavail * (uint64_t)s.f_frsize;
    return 0;
}

/* Size of the bytes already on disk for f (complete or partial), to skip or resume. */
static uint64_t hub__have(const char *dir, const HubFile *f, int *complete) {
    char p[4200];
    struct stat st;
    *complete = 0;
    snprintf(p, sizeof p, "%s/%s", dir, f->path);
    if (!stat(p, &st) && (uint64_t)st.st_size == f->size) { *complete = 1; return f->size; }
    const char *id = f->sha256[0] ? f->sha256 : f->oid;
    snprintf(p, sizeof p, "%s/%s.%.12s.part", dir, f->path, id);
    if (!stat(p, &st) && (uint64_t)st.st_size <= f->size) return (uint64_t)st.st_size;
    return 0;
}

/* SHA-256 of an existing file (to trust a complete file left by an earlier run). */
static int hub__sha256_file(const char *path, char out[65]) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    static uint8_t buf[1 << 16];
    br_sha256_context c;
    br_sha256_init(&c);
    ssize_t r;
    while ((r = read(fd, buf, sizeof buf)) > 0) br_sha256_update(&c, buf, (size_t)r);
    close(fd);
    if (r < 0) return -1;
    uint8_t d[32];
    br_sha256_out(&c, d);
    hex_encode(d, 32, out);
    return 0;
}

static int hub_fetch(Hub *h, const char *spec, Err *e) {
    if (h->offline)
        return err_set(e, "--fetch needs the network, but offline mode is on (--offline or HF_HUB_OFFLINE=1)");
    size_t mark = arena_mark(&h->arena);
    if (hub_parse_spec(h, spec, e)) return -1;
    h->want_file[0] = 0;
    char crepo[256], cfile[1024];
    if (!hub_catalog_source(h->id, crepo, sizeof crepo, cfile, sizeof cfile) && strcasecmp(crepo, h->id)) {
        snprintf(h->repo, sizeof h->repo, "%s", crepo);
        snprintf(h->want_file, sizeof h->want_file, "%s", cfile);
        log_msg(LOG_INFO, "llm: %s: the catalog's GGUF build is %s\n", h->id, h->repo);
    }
    if (hub_list_files(h, e) || hub_choose(h, e)) return -1;
    char dir[2400];
    hub__dir(h, dir, sizeof dir);
    uint64_t total = 0, todo = 0;
    int nw = 0;
    const char *model = "", *format = "safetensors";
    for (int k = 0; k < h->n_files; k++) {
        HubFile *f = &h->files[k];
        if (!f->want) continue;
        int complete;
        uint64_t have = hub__have(dir, f, &complete);
        total += f->size, todo += f->size - have, nw++;
        size_t L = strlen(f->path);
        if (L > 5 && !strcmp(f->path + L - 5, ".gguf")) {
            format = "gguf";
            int no, of;
            if (!*model || (hub__split(f->path, &no, &of) && no == 1)) model = f->path;
        }
    }
    if (!*model) model = "config.json";
    char a[32], b[32], c[32];
    uint64_t free_b = 0;
    int have_free = hub__free_space(dir, &free_b) == 0;
    log_msg(LOG_INFO, "llm: %s@%.12s: %d file%s, %s%s%s into %s%s%s\n", h->repo, h->commit, nw, nw == 1 ? "" : "s",
            fmt_size(a, sizeof a, (double)total), todo != total ? ", to download: " : "",
            todo != total ? fmt_size(b, sizeof b, (double)todo) : "", dir, have_free ? ", free: " : "",
            have_free ? fmt_size(c, sizeof c, (double)free_b) : "");
    if (h->dry_run) {
        for (int k = 0; k < h->n_files; k++)
            if (h->files[k].want)
                printf("%s  %s\n", fmt_size(a, sizeof a, (double)h->files[k].size), h->files[k].path);
        fflush(stdout);
        arena_reset(&h->arena, mark);
        return 0;
    }
    uint64_t margin = 16u << 20;
    if (have_free && todo + margin > free_b)
        return err_set(e, "not enough disk space for %s: %s to download, %s free in %s; free some space or fetch into "
                       "another folder with --models-dir DIR", h->id, fmt_size(a, sizeof a, (double)todo),
                       fmt_size(b, sizeof b, (double)free_b), h->models_dir);
    if (hub__mkdirs(dir, e)) return -1;
    for (int k = 0; k < h->n_files; k++) {
        HubFile *f = &h->files[k];
        if (!f->want) continue;
        int complete;
        hub__have(dir, f, &complete);
        if (complete) {
            char p[4200], sum[65];
            snprintf(p, sizeof p, "%s/%s", dir, f->path);
            if (f->sha256[0] && !hub__sha256_file(p, sum) && !strcasecmp(sum, f->sha256)) {
                log_msg(LOG_INFO, "llm: %s: already here and verified\n", f->path);
                continue;
            }
        }
        if (hub__download(h, f, dir, e)) {
            hub__prune(dir);
            return -1;
        }
    }
    if (hub__write_manifest(h, dir, format, model, e)) return -1;
    log_msg(LOG_INFO, "llm: %s is ready: llm -m %s%s\n", h->id, h->id,
            strcmp(format, "gguf") ? " (safetensors: conversion to GGUF is not implemented yet; --info reads its config)" : "");
    arena_reset(&h->arena, mark);
    return 0;
}

/* --fetch-list FILE: one model per line, '#' comments. */
static int hub_fetch_list(Hub *h, const char *file, int keep_going, Err *e) {
    FILE *f = fopen(file, "r");
    if (!f) return err_set(e, "cannot open the list '%s': %s", file, strerror(errno));
    char line[1024];
    int lineno = 0, failed = 0, done = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        char *s = line;
        while (isspace((uint8_t)*s)) s++;
        char *hash = strchr(s, '#');
        if (hash) *hash = 0;
        size_t L = strlen(s);
        while (L && isspace((uint8_t)s[L - 1])) s[--L] = 0;
        if (!*s) continue;
        Err fe = { { 0 } };
        if (hub_fetch(h, s, &fe)) {
            failed++;
            if (!keep_going) { fclose(f); return err_set(e, "%s line %d (%s): %s", file, lineno, s, fe.msg); }
            fprintf(stderr, "llm: %s line %d (%s): %s\n", file, lineno, s, fe.msg);
        } else done++;
    }
    fclose(f);
    if (failed) return err_set(e, "%d of %d models in %s failed (see above)", failed, failed + done, file);
    return 0;
}

/* ---- models on disk: -m ORG/NAME, --list, --rm ---- */

/* Reads MODELS/ID/manifest.json; NULL when absent or unreadable. */
static JsonVal *hub_manifest(Arena *a, const char *models_dir, const char *id, Err *e) {
    char p[4600];
    snprintf(p, sizeof p, "%s/%s/manifest.json", models_dir, id);
    FileMap m;
    Err me = { { 0 } };
    if (file_map(&m, p, &me)) return NULL;
    JsonVal *v = NULL;
    if (!m.data || json_parse(a, (const char *)m.data, m.size, &v, &me) || v->type != JSON_OBJ) {
        err_set(e, "%s is damaged (%s): fetch the model again with llm --fetch %s", p, me.msg[0] ? me.msg : "empty", id);
        v = NULL;
    }
    file_unmap(&m);
    return v;
}

/* -m ORG/NAME[:QUANT]: the GGUF of a fetched model. 1 when spec is not such a name
 * (the caller treats it as a file path), 0 with path filled, 2 with the path of
 * config.json for a safetensors model, -1 with a message. */
static int hub_resolve_model(const char *models_dir, const char *spec, char *path, size_t cap, Err *e) {
    char id[600], quant[64] = "";
    snprintf(id, sizeof id, "%s", spec);
    char *colon = strchr(id, ':');
    if (colon) snprintf(quant, sizeof quant, "%s", colon + 1), *colon = 0;
    if (!hub__valid_repo(id) || !access(spec, F_OK)) return 1;
    Arena a;
    if (arena_create(&a, 4u << 20, e)) return -1;
    Err me = { { 0 } };
    JsonVal *m = hub_manifest(&a, models_dir, id, &me);
    int rc = -1;
    if (!m) {
        if (me.msg[0]) err_set(e, "%s", me.msg);
        else if (strstr(spec, ".gguf")) err_set(e, "cannot open '%s': no such file", spec);
        else err_set(e, "%s is not in %s: fetch it first with llm --fetch %s (online), or give a GGUF file with -m FILE",
                     id, models_dir, id);
        goto out;
    }
    Str fmt = json_get_str(m, "format", (Str){ "", 0 }), model = json_get_str(m, "model", (Str){ "", 0 });
    if (!str_eq(fmt, "gguf")) {           /* safetensors: the caller decides (--info reads the config) */
        rc = (size_t)snprintf(path, cap, "%s/%s/config.json", models_dir, id) < cap ? 2 : err_set(e, "path too long");
        goto out;
    }
    if (quant[0]) {
        const JsonVal *fl = json_get(m, "files");
        model.n = 0;
        for (size_t k = 0; fl && fl->type == JSON_ARR && k < fl->n; k++) {
            Str p = json_get_str(fl->kids[k], "path", (Str){ "", 0 });
            char pp[1024];
            snprintf(pp, sizeof pp, "%.*s", (int)p.n, p.p);
            int no = 1, of;
            if (strstr(pp, ".gguf") && hub__quant_match(pp, quant) && (!hub__split(pp, &no, &of) || no == 1)) { model = p; break; }
        }
        if (!model.n) {
            err_set(e, "%s has no %s file on disk: fetch it with llm --fetch %s:%s", id, quant, id, quant);
            goto out;
        }
    }
    if ((size_t)snprintf(path, cap, "%s/%s/%.*s", models_dir, id, (int)model.n, model.p) >= cap) {
        err_set(e, "path too long");
        goto out;
    }
    if (access(path, R_OK)) {
        err_set(e, "%s is missing from %s/%s (deleted?): fetch the model again with llm --fetch %s", path, models_dir, id, id);
        goto out;
    }
    rc = 0;
out:
    arena_destroy(&a);
    return rc;
}

/* --list: the models in the models folder (those with a manifest, and unfinished ones). */
static int hub_list(const char *models_dir, Err *e) {
    DIR *d1 = opendir(models_dir);
    if (!d1) {
        if (errno == ENOENT) { printf("no models in %s yet: llm --fetch ORG/NAME\n", models_dir); return 0; }
        return err_set(e, "cannot read %s: %s", models_dir, strerror(errno));
    }
    Arena a;
    if (arena_create(&a, 8u << 20, e)) { closedir(d1); return -1; }
    struct dirent *o, *n;
    int count = 0;
    while ((o = readdir(d1))) {
        if (o->d_name[0] == '.') continue;
        char od[4400];
        snprintf(od, sizeof od, "%s/%s", models_dir, o->d_name);
        DIR *d2 = opendir(od);
        if (!d2) continue;
        while ((n = readdir(d2))) {
            if (n->d_name[0] == '.') continue;
            char id[600];
            snprintf(id, sizeof id, "%s/%s", o->d_name, n->d_name);
            if (!hub__valid_repo(id)) continue;
            size_t mark = arena_mark(&a);
            Err me = { { 0 } };
            JsonVal *m = hub_manifest(&a, models_dir, id, &me);
            char sz[32];
            if (!m) {
                char dp[5000];
                snprintf(dp, sizeof dp, "%s/%s", models_dir, id);
                struct stat st;
                if (stat(dp, &st) || !S_ISDIR(st.st_mode)) continue;
                printf("%-44s  %s\n", id, me.msg[0] ? "damaged manifest: fetch it again" : "incomplete: run llm --fetch again to finish");
                count++;
                continue;
            }
            const JsonVal *fl = json_get(m, "files");
            double total = 0;
            for (size_t k = 0; fl && fl->type == JSON_ARR && k < fl->n; k++) {
                const JsonVal *s = json_get(fl->kids[k], "size");
                if (s && s->type == JSON_INT) total += (double)s->i;
            }
            Str fmt = json_get_str(m, "format", (Str){ "?", 1 }), model = json_get_str(m, "model", (Str){ "?", 1 });
            Str date = json_get_str(m, "fetched", (Str){ "?", 1 }), commit = json_get_str(m, "commit", (Str){ "?", 1 });
            printf("%-44s  %-11.*s  %9s  %.10s  %.12s  %.*s\n", id, (int)fmt.n, fmt.p, fmt_size(sz, sizeof sz, total),
                   date.p, commit.p, (int)model.n, model.p);
            count++;
            arena_reset(&a, mark);
        }
        closedir(d2);
    }
    closedir(d1);
    arena_destroy(&a);
    if (!count) printf("no models in %s yet: llm --fetch ORG/NAME\n", models_dir);
    return 0;
}

/* Removes the files a folder's manifest names, partial downloads, the manifest, then
 * the empty folders. Files llm did not put there are left. */
static int hub__rm_tree(const char *dir, const char *rel, uint64_t *freed, int *left) {
    char p[4600];
    snprintf(p, sizeof p, "%s%s%s", dir, *rel ? "/" : "", rel);
    DIR *d = opendir(p);
    if (!d) return -1;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
        char sub[4600], full[5000];
        snprintf(sub, sizeof sub, "%s%s%s", rel, *rel ? "/" : "", de->d_name);
        snprintf(full, sizeof full, "%s/%s", dir, sub);
        struct stat st;
        if (lstat(full, &st)) continue;
        if (S_ISDIR(st.st_mode)) { hub__rm_tree(dir, sub, freed, left); rmdir(full); continue; }
        size_t L = strlen(de->d_name);
        int ours = (L > 5 && !strcmp(de->d_name + L - 5, ".part")) || (L > 4 && !strcmp(de->d_name + L - 4, ".tmp"));
        if (ours && !unlink(full)) *freed += (uint64_t)st.st_size;
        else if (!ours) (*left)++;
    }
    closedir(d);
    return 0;
}

static int hub_rm(const char *models_dir, const char *id, Err *e) {
    if (!hub__valid_repo(id)) return err_set(e, "'%s' is not a model name (ORG/NAME; see llm --list)", id);
    char dir[4600], p[5200];
    snprintf(dir, sizeof dir, "%s/%s", models_dir, id);
    struct stat st;
    if (stat(dir, &st) || !S_ISDIR(st.st_mode)) return err_set(e, "%s is not in %s (see llm --list)", id, models_dir);
    Arena a;
    if (arena_create(&a, 8u << 20, e)) return -1;
    Err me = { { 0 } };
    JsonVal *m = hub_manifest(&a, models_dir, id, &me);
    uint64_t freed = 0;
    int left = 0;
    const JsonVal *fl = m ? json_get(m, "files") : NULL;
    for (size_t k = 0; fl && fl->type == JSON_ARR && k < fl->n; k++) {
        Str fp = json_get_str(fl->kids[k], "path", (Str){ "", 0 });
        if (!fp.n || memmem(fp.p, fp.n, "..", 2)) continue;
        snprintf(p, sizeof p, "%s/%.*s", dir, (int)fp.n, fp.p);
        if (!lstat(p, &st) && !unlink(p)) freed += (uint64_t)st.st_size;
    }
    snprintf(p, sizeof p, "%s/manifest.json", dir);
    if (!lstat(p, &st) && !unlink(p)) freed += (uint64_t)st.st_size;
    hub__rm_tree(dir, "", &freed, &left);
    arena_destroy(&a);
    char sz[32];
    if (left)
        printf("removed %s (%s freed); %d file%s llm did not fetch %s left in %s\n", id, fmt_size(sz, sizeof sz, (double)freed),
               left, left == 1 ? "" : "s", left == 1 ? "is" : "are", dir);
    else {
        rmdir(dir);
        char *sl = strrchr(dir, '/');
        *sl = 0;
        rmdir(dir);                                      /* the ORG folder, when empty */
        printf("removed %s (%s freed)\n", id, fmt_size(sz, sizeof sz, (double)freed));
    }
    return 0;
}

/* --login: reads a token at a no-echo prompt, checks it with the Hub when it can, and
 * stores it where huggingface-cli does, readable only by its owner. */
static int hub_login(Hub *h, Err *e) {
    int tty = open("/dev/tty", O_RDWR | O_CLOEXEC);
    int in = tty >= 0 ? tty : 0, out = tty >= 0 ? tty : 2;
    struct termios old, noecho;
    int have_tc = tcgetattr(in, &old) == 0;
    const char *ask = "Hugging Face token (from https://huggingface.co/settings/tokens; input hidden): ";
    if (write(out, ask, strlen(ask)) < 0) {}
    if (have_tc) {
        noecho = old;
        noecho.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(in, TCSAFLUSH, &noecho);
    }
    char tok[600];
    size_t n = 0;
    for (;;) {
        char ch;
        ssize_t r = read(in, &ch, 1);
        if (r <= 0 || ch == '\n' || ch == '\r') break;
        if (n < sizeof tok - 1) tok[n++] = ch;
    }
    tok[n] = 0;
    if (have_tc) tcsetattr(in, TCSAFLUSH, &old);
    if (write(out, "\n", 1) < 0) {}
    if (tty >= 0) close(tty);
    char *s = tok;
    while (isspace((uint8_t)*s)) s++;
    n = strlen(s);
    while (n && isspace((uint8_t)s[n - 1])) s[--n] = 0;
    if (!hub__token_ok(s)) return err_set(e, "that is not a token (tokens look like hf_...; nothing was stored)");
    char mask[32];
    hub_mask(s, mask, sizeof mask);
    if (!h->offline) {
        char url[700];
        snprintf(url, sizeof url, "%s/api/whoami-v2", h->endpoint);
        snprintf(h->http.token, sizeof h->http.token, "%s", s);
        Err we = { { 0 } };
        int retries = h->retries;
        h->retries = 0;
        int rc = hub__get(h, url, -1, &we);
        h->retries = retries;
        if (!rc) {
            int st = h->http.r.status;
            http_close(&h->http);
            if (st == 401) return err_set(e, "the Hub rejected the token %s: copy it again from https://huggingface.co/settings/tokens (nothing was stored)", mask);
        } else log_msg(LOG_INFO, "llm: could not check the token with the Hub (%s); storing it anyway\n", we.msg);
    }
    char path[4096];
    hub_token_path(path, sizeof path);
    char *sl = strrchr(path, '/');
    if (sl) {
        *sl = 0;
        if (*path && hub__mkdirs(path, e)) return -1;
        *sl = '/';
    }
    FileOut fo;
    if (file_out_open(&fo, path, e)) return -1;
    fchmod(fo.fd, 0600);
    file_out_write(&fo, s, n);
    file_out_write(&fo, "\n", 1);
    if (file_out_commit(&fo, e)) return -1;
    chmod(path, 0600);
    log_msg(LOG_INFO, "llm: token %s stored in %s (mode 0600)\n", mask, path);
    return 0;
}

/* ============================================================================
 * 8. formats: GGUF read, validate and write
 *
 * GGUF (https://github.com/ggml-org/ggml/blob/master/docs/gguf.md), versions 2 and 3,
 * little-endian: magic "GGUF", u32 version, u64 tensor count, u64 key/value count,
 * the key/values, the tensor infos (name, n_dims, ne[n_dims], type, offset), padding
 * to general.alignment (default 32), then the tensor data.
 *
 * gguf_open validates the whole header against the file size before anything uses it
 * (every length, count, offset and size is checked with overflow-safe arithmetic) and
 * allocates nothing: lookups walk the validated bytes. The block layouts of the quant
 * types (elements per block, bytes per block) live here too; section 10 computes
 * with them.
 * ========================================================================== */

enum {
    GGUF_U8 = 0, GGUF_I8, GGUF_U16, GGUF_I16, GGUF_U32, GGUF_I32, GGUF_F32, GGUF_BOOL,
    GGUF_STRING, GGUF_ARRAY, GGUF_U64, GGUF_I64, GGUF_F64, GGUF_NTYPES
};

#define GGUF_MAX_DIMS 4
#define GGUF_DEFAULT_ALIGNMENT 32

/* ggml tensor types: the ids GGUF files carry. */
enum {
    T_F32 = 0, T_F16 = 1, T_Q4_0 = 2, T_Q4_1 = 3, T_Q5_0 = 6, T_Q5_1 = 7, T_Q8_0 = 8,
    T_Q8_1 = 9, T_Q2_K = 10, T_Q3_K = 11, T_Q4_K = 12, T_Q5_K = 13, T_Q6_K = 14,
    T_Q8_K = 15, T_BF16 = 30, T_COUNT = 40
};

typedef struct {
    const char *name;   /* as ggml names it; NULL for ids llm cannot compute with */
    int blck;           /* elements per block */
    int size;           /* bytes per block */
} TypeLayout;

/* Types llm computes with, and the names of other ggml types for honest errors. */
static const TypeLayout type_layouts[T_COUNT] = {
    [T_F32] = { "F32", 1, 4 },       [T_F16] = { "F16", 1, 2 },
    [T_Q4_0] = { "Q4_0", 32, 18 },   [T_Q4_1] = { "Q4_1", 32, 20 },
    [T_Q5_0] = { "Q5_0", 32, 22 },   [T_Q5_1] = { "Q5_1", 32, 24 },
    [T_Q8_0] = { "Q8_0", 32, 34 },   [T_Q8_1] = { "Q8_1", 32, 36 },
    [T_Q2_K] = { "Q2_K", 256, 84 },  [T_Q3_K] = { "Q3_K", 256, 110 },
    [T_Q4_K] = { "Q4_K", 256, 144 }, [T_Q5_K] = { "Q5_K", 256, 176 },
    [T_Q6_K] = { "Q6_K", 256, 210 }, [T_Q8_K] = { "Q8_K", 256, 292 },
    [T_BF16] = { "BF16", 1, 2 },
};
static const char *const type_other_names[T_COUNT] = {
    [4] = "Q4_2", [5] = "Q4_3", [16] = "IQ2_XXS", [17] = "IQ2_XS", [18] = "IQ3_XXS",
    [19] = "IQ1_S", [20] = "IQ4_NL", [21] = "IQ3_S", [22] = "IQ2_S", [23] = "IQ4_XS",
    [24] = "I8", [25] = "I16", [26] = "I32", [27] = "I64", [28] = "F64", [29] = "IQ1_M",
    [34] = "TQ1_0", [35] = "TQ2_0", [39] = "MXFP4",
};

/* Layout of a weight type llm can read (Q8_1 and Q8_K are activation-only), or NULL. */
static const TypeLayout *type_layout(uint32_t t) {
    if (t >= T_COUNT || !type_layouts[t].name || t == T_Q8_1 || t == T_Q8_K) return NULL;
    return &type_layouts[t];
}

static const char *type_name(uint32_t t) {
    if (t < T_COUNT && type_layouts[t].name) return type_layouts[t].name;
    if (t < T_COUNT && type_other_names[t]) return type_other_names[t];
    return "unknown";
}

/* Bytes of a row of n elements of type t (n a multiple of the block size). */
static size_t type_row_size(uint32_t t, int64_t n) {
    return (size_t)(n / type_layouts[t].blck) * (size_t)type_layouts[t].size;
}

/* Block layouts of the quant types (little-endian; f16 fields as raw bits). */
enum { QK = 32, QK_K = 256 };   /* elements per simple block / per K super-block */

/* Interleaved rows (Mat.il, see mat_interleave): the blocks of 4 rows side by side in
   groups of MAT_IL_BLOCKS blocks of 32, or of one K-quant block; elements per group. */
enum { MAT_IL_BLOCKS = 4 };
static int64_t mat__il_group(uint32_t type) { return type_layouts[type].blck == QK_K ? QK_K : QK * MAT_IL_BLOCKS; }


/* Q4_0, 32 weights: w = d * (q - 8), q 4-bit; qs[j] low nibble = element j,
   high nibble = element j+16. */
typedef struct { uint16_t d; uint8_t qs[QK / 2]; } BlockQ4_0;
_Static_assert(sizeof(BlockQ4_0) == 18, "BlockQ4_0 size");

/* Q4_1, 32 weights: w = d * q + m, q 4-bit unsigned; nibbles as in Q4_0. */
typedef struct { uint16_t d, m; uint8_t qs[QK / 2]; } BlockQ4_1;
_Static_assert(sizeof(BlockQ4_1) == 20, "BlockQ4_1 size");

/* Q5_0, 32 weights: w = d * (q - 16), q 5-bit; low 4 bits as in Q4_0, the 5th bit of
   element j is bit j of qh (little-endian uint32). */
typedef struct { uint16_t d; uint8_t qh[4]; uint8_t qs[QK / 2]; } BlockQ5_0;
_Static_assert(sizeof(BlockQ5_0) == 22, "BlockQ5_0 size");

/* Q5_1, 32 weights: w = d * q + m, q 5-bit unsigned; bits as in Q5_0. */
typedef struct { uint16_t d, m; uint8_t qh[4]; uint8_t qs[QK / 2]; } BlockQ5_1;
_Static_assert(sizeof(BlockQ5_1) == 24, "BlockQ5_1 size");

/* Q8_0, 32 values: v = d * qs[j]. */
typedef struct { uint16_t d; int8_t qs[QK]; } BlockQ8_0;
_Static_assert(sizeof(BlockQ8_0) == 34, "BlockQ8_0 size");

/* Q8_1, 32 values (activation for Q4_1/Q5_1): v = d * qs[j]; s = d * sum(qs) (f16). */
typedef struct { uint16_t d, s; int8_t qs[QK]; } BlockQ8_1;
_Static_assert(sizeof(BlockQ8_1) == 36, "BlockQ8_1 size");

/* Q2_K, 256 weights in 16 sub-blocks of 16: w = d*(sc & 15) * q - dmin*(sc >> 4),
   q 2-bit. Element e = 128*h + 32*j + l (h 0..1, j 0..3, l 0..31) is bits 2j..2j+1 of
   qs[32*h + l]; its scale byte is scales[8*h + 2*j + l/16]. */
typedef struct { uint8_t scales[QK_K / 16]; uint8_t qs[QK_K / 4]; uint16_t d, dmin; } BlockQ2_K;
_Static_assert(sizeof(BlockQ2_K) == 84, "BlockQ2_K size");

/* Q3_K, 256 weights in 16 sub-blocks of 16: w = d * (sc - 32) * (q - 4), q 3-bit.
   Element e = 128*h + 32*j + l: low 2 bits = bits 2j..2j+1 of qs[32*h + l], high bit =
   bit 4h+j of hmask[l]; 6-bit scale index 8*h + 2*j + l/16, packed in scales[12]
   (low nibbles in bytes 0..7, high 2 bits in bytes 8..11, see kern__q3_k_scale). */
typedef struct { uint8_t hmask[QK_K / 8]; uint8_t qs[QK_K / 4]; uint8_t scales[12]; uint16_t d; } BlockQ3_K;
_Static_assert(sizeof(BlockQ3_K) == 110, "BlockQ3_K size");

/* Q4_K, 256 weights in 8 sub-blocks of 32: w = d*sc * q - dmin*m, q 4-bit, sc/m 6-bit
   packed in scales[12] (see kern__k4_scale_min). Element e = 64*p + 32*s + l
   (p 0..3, s 0..1) is nibble s of qs[32*p + l]; sub-block 2p+s. */
typedef struct { uint16_t d, dmin; uint8_t scales[12]; uint8_t qs[QK_K / 2]; } BlockQ4_K;
_Static_assert(sizeof(BlockQ4_K) == 144, "BlockQ4_K size");

/* Q5_K: as Q4_K, plus the 5th bit of element e = 64*p + 32*s + l is bit 2p+s of qh[l]. */
typedef struct { uint16_t d, dmin; uint8_t scales[12]; uint8_t qh[QK_K / 8]; uint8_t qs[QK_K / 2]; } BlockQ5_K;
_Static_assert(sizeof(BlockQ5_K) == 176, "BlockQ5_K size");

/* Q6_K, 256 weights in 16 sub-blocks of 16: w = d * scales[i] * (q - 32), q 6-bit,
   scales int8. Element e = 128*h + 32*k + l (k 0..3): low 4 bits = nibble k/2 of
   ql[64*h + 32*(k&1) + l], high 2 bits = bits 2k..2k+1 of qh[32*h + l];
   sub-block 8*h + 2*k + l/16. */
typedef struct { uint8_t ql[QK_K / 2]; uint8_t qh[QK_K / 4]; int8_t scales[QK_K / 16]; uint16_t d; } BlockQ6_K;
_Static_assert(sizeof(BlockQ6_K) == 210, "BlockQ6_K size");

/* Q8_K, 256 values (activation for K-quants): v = d * qs[j], d a float;
   bsums[i] = sum of qs[16*i .. 16*i+15]. */
typedef struct { float d; int8_t qs[QK_K]; int16_t bsums[QK_K / 16]; } BlockQ8_K;
_Static_assert(sizeof(BlockQ8_K) == 292, "BlockQ8_K size");

typedef struct {
    Str name;
    uint32_t type;                 /* T_* */
    int n_dims;
    int64_t ne[GGUF_MAX_DIMS];     /* elements per dimension, ne[0] innermost; unused = 1 */
    const void *data;              /* into the mapping */
    size_t nbytes;
} GgufTensor;

typedef struct {
    Str key;
    uint32_t type;                 /* GGUF_* */
    const uint8_t *val;            /* the value; for arrays, the first element */
    uint32_t arr_type;             /* arrays: element type */
    uint64_t arr_n;                /* arrays: element count */
} GgufKV;

typedef struct {
    const uint8_t *base;           /* the whole file */
    size_t size;                   /* bytes */
    uint32_t version;
    uint64_t n_tensors, n_kv;
    size_t kv_off, ti_off;         /* byte offsets of the key/values and tensor infos */
    size_t alignment, data_off;    /* tensor data starts at data_off */
} Gguf;

/* A bounds-checked reader over the file bytes. */
typedef struct {
    const uint8_t *p;
    size_t off, size;
    Err *e;
    int bad;       /* sticky: the first failure makes every later read fail */
} GgufCur;

static int gguf__need(GgufCur *c, size_t n, const char *what) {
    if (c->bad) return -1;
    if (n > c->size - c->off) {
        c->bad = 1;
        return err_set(c->e, "GGUF file is truncated or corrupt: %s at byte %zu runs past the end "
                       "of the file (%zu bytes); download it again", what, c->off, c->size);
    }
    return 0;
}

static uint64_t gguf__u64(GgufCur *c, const char *what) {
    uint64_t v = 0;
    if (gguf__need(c, 8, what)) return 0;
    memcpy(&v, c->p + c->off, 8);
    c->off += 8;
    return v;
}

static uint32_t gguf__u32(GgufCur *c, const char *what) {
    uint32_t v = 0;
    if (gguf__need(c, 4, what)) return 0;
    memcpy(&v, c->p + c->off, 4);
    c->off += 4;
    return v;
}

static Str gguf__str(GgufCur *c, const char *what) {
    Str s = { "", 0 };
    uint64_t n = gguf__u64(c, what);
    if (c->bad) return s;
    if (n > c->size - c->off) {
        c->bad = 1;
        err_set(c->e, "GGUF file is corrupt: %s at byte %zu claims %llu bytes, past the end of "
                "the file", what, c->off - 8, (unsigned long long)n);
        return s;
    }
    s.p = (const char *)c->p + c->off;
    s.n = (size_t)n;
    c->off += (size_t)n;
    return s;
}

static size_t gguf__scalar_size(uint32_t t) {
    static const uint8_t sz[GGUF_NTYPES] = { 1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8 };
    return t < GGUF_NTYPES ? sz[t] : 0;
}

/* Reads one value of type t (not an array) for key k, checking it fits. */
static void gguf__skip_value(GgufCur *c, uint32_t t, Str k) {
    if (t == GGUF_STRING) {
        gguf__str(c, "a string value");
        return;
    }
    size_t n = gguf__scalar_size(t);
    if (!n) {
        c->bad = 1;
        err_set(c->e, "GGUF file is corrupt: key '%.*s' has unknown value type %u", (int)k.n, k.p, t);
        return;
    }
    gguf__need(c, n, "a value");
    if (!c->bad) c->off += n;
}

/* Reads the key/value at the cursor into kv (validated). */
static void gguf__read_kv(GgufCur *c, GgufKV *kv) {
    memset(kv, 0, sizeof *kv);
    kv->key = gguf__str(c, "a metadata key");
    kv->type = gguf__u32(c, "a metadata type");
    if (c->bad) return;
    Str k = kv->key;
    if (kv->type == GGUF_ARRAY) {
        kv->arr_type = gguf__u32(c, "an array type");
        kv->arr_n = gguf__u64(c, "an array length");
        if (c->bad) return;
        kv->val = c->p + c->off;
        if (kv->arr_type == GGUF_ARRAY) {
            c->bad = 1;
            err_set(c->e, "GGUF file uses nested arrays (key '%.*s'), which llm does not read",
                    (int)k.n, k.p);
            return;
        }
        if (kv->arr_type == GGUF_STRING) {
            /* each string needs at least its 8-byte length: an absurd count fails fast */
            if (kv->arr_n > (c->size - c->off) / 8) {
                c->bad = 1;
                err_set(c->e, "GGUF file is corrupt: array '%.*s' claims %llu strings, more than "
                        "the file can hold", (int)k.n, k.p, (unsigned long long)kv->arr_n);
                return;
            }
            for (uint64_t i = 0; i < kv->arr_n && !c->bad; i++) gguf__str(c, "an array string");
            return;
        }
        size_t es = gguf__scalar_size(kv->arr_type), total;
        if (!es) {
            c->bad = 1;
            err_set(c->e, "GGUF file is corrupt: array '%.*s' has unknown element type %u",
                    (int)k.n, k.p, kv->arr_type);
            return;
        }
        if (kv->arr_n > SIZE_MAX || size_mul_over((size_t)kv->arr_n, es, &total) ||
            gguf__need(c, total, "an array")) {
            c->bad = 1;
            err_set(c->e, "GGUF file is corrupt: array '%.*s' claims %llu elements, more than "
                    "the file can hold", (int)k.n, k.p, (unsigned long long)kv->arr_n);
            return;
        }
        c->off += total;
        return;
    }
    kv->val = c->p + c->off;
    gguf__skip_value(c, kv->type, k);
}

/* Reads the tensor info at the cursor (its data pointer is filled in by the caller,
 * which knows where the data section starts). */
static void gguf__read_ti(GgufCur *c, GgufTensor *t, uint64_t *offset) {
    memset(t, 0, sizeof *t);
    t->name = gguf__str(c, "a tensor name");
    uint32_t nd = gguf__u32(c, "a tensor's dimension count");
    if (c->bad) return;
    if (nd < 1 || nd > GGUF_MAX_DIMS) {
        c->bad = 1;
        err_set(c->e, "GGUF file is corrupt: tensor '%.*s' has %u dimensions (1 to 4 allowed)",
                (int)t->name.n, t->name.p, nd);
        return;
    }
    t->n_dims = (int)nd;
    for (int i = 0; i < GGUF_MAX_DIMS; i++) t->ne[i] = 1;
    for (uint32_t i = 0; i < nd; i++) {
        uint64_t v = gguf__u64(c, "a tensor dimension");
        if (c->bad) return;
        if (v == 0 || v > (uint64_t)INT64_MAX / 2) {
            c->bad = 1;
            err_set(c->e, "GGUF file is corrupt: tensor '%.*s' has dimension %u of size %llu",
                    (int)t->name.n, t->name.p, i, (unsigned long long)v);
            return;
        }
        t->ne[i] = (int64_t)v;
    }
    t->type = gguf__u32(c, "a tensor type");
    *offset = gguf__u64(c, "a tensor offset");
}

/* Validates the whole header and every tensor's place in the file; no allocation. */
static int gguf_open(Gguf *g, const uint8_t *p, size_t size, Err *e) {
    memset(g, 0, sizeof *g);
    GgufCur c = { p, 0, size, e, 0 };
    if (size < 24 || memcmp(p, "GGUF", 4) != 0)
        return err_set(e, size < 4 || memcmp(p, "GGUF", 4) ? "not a GGUF file (the first bytes are "
                       "not \"GGUF\"); llm reads GGUF models" : "GGUF file is truncated (%zu bytes)", size);
    c.off = 4;
    g->version = gguf__u32(&c, "the version");
    if (g->version == 1)
        return err_set(e, "GGUF version 1 is not supported; convert the model again with a current "
                       "llama.cpp or fetch a newer GGUF");
    if (g->version != 2 && g->version != 3)
        return err_set(e, "GGUF version %u is not supported (llm reads versions 2 and 3)", g->version);
    g->n_tensors = gguf__u64(&c, "the tensor count");
    g->n_kv = gguf__u64(&c, "the metadata count");
    /* every entry takes at least 13 (key/value) or 32 (tensor info) bytes */
    if (g->n_kv > size / 13 || g->n_tensors > size / 32)
        return err_set(e, "GGUF file is corrupt: it claims %llu metadata entries and %llu tensors, "
                       "more than its %zu bytes can hold", (unsigned long long)g->n_kv,
                       (unsigned long long)g->n_tensors, size);
    g->base = p;
    g->size = size;
    g->kv_off = c.off;
    g->alignment = GGUF_DEFAULT_ALIGNMENT;
    for (uint64_t i = 0; i < g->n_kv && !c.bad; i++) {
        GgufKV kv;
        gguf__read_kv(&c, &kv);
        if (c.bad) break;
        if (str_eq(kv.key, "general.alignment")) {
            uint32_t a;
            if (kv.type != GGUF_U32)
                return err_set(e, "GGUF file is corrupt: general.alignment is not a u32");
            memcpy(&a, kv.val, 4);
            if (a == 0 || (a & (a - 1)) || a > 65536)
                return err_set(e, "GGUF file is corrupt: general.alignment is %u (must be a power "
                               "of two)", a);
            g->alignment = a;
        }
    }
    if (c.bad) return -1;
    g->ti_off = c.off;
    for (uint64_t i = 0; i < g->n_tensors && !c.bad; i++) {
        GgufTensor t;
        uint64_t off;
        gguf__read_ti(&c, &t, &off);
    }
    if (c.bad) return -1;
    size_t data_off = (c.off + g->alignment - 1) / g->alignment * g->alignment;
    if (g->n_tensors && data_off > size)
        return err_set(e, "GGUF file is truncated: tensor data would start at byte %zu, past the "
                       "end of the file (%zu bytes); download it again", data_off, size);
    g->data_off = data_off;
    /* second walk: types known, offsets aligned, sizes within the file, names unique */
    c.off = g->ti_off;
    size_t data_size = data_off <= size ? size - data_off : 0;
    for (uint64_t i = 0; i < g->n_tensors; i++) {
        GgufTensor t;
        uint64_t off;
        gguf__read_ti(&c, &t, &off);
        const TypeLayout *L = type_layout(t.type);
        if (!L)
            return err_set(e, "tensor '%.*s' has type %s (%u), which llm cannot compute with; use a "
                           "GGUF quantised as F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1 or Q2_K..Q6_K",
                           (int)t.name.n, t.name.p, type_name(t.type), t.type);
        if (t.ne[0] % L->blck)
            return err_set(e, "GGUF file is corrupt: tensor '%.*s' has rows of %lld elements, not a "
                           "multiple of the %s block size %d", (int)t.name.n, t.name.p,
                           (long long)t.ne[0], L->name, L->blck);
        size_t rows = 1, nbytes = type_row_size(t.type, t.ne[0]);
        int over = 0;
        for (int d = 1; d < GGUF_MAX_DIMS; d++) over |= size_mul_over(rows, (size_t)t.ne[d], &rows);
        over |= size_mul_over(rows, nbytes, &nbytes);
        if (off % g->alignment)
            return err_set(e, "GGUF file is corrupt: tensor '%.*s' offset %llu is not aligned to %zu",
                           (int)t.name.n, t.name.p, (unsigned long long)off, g->alignment);
        if (over || off > data_size || nbytes > data_size - off)
            return err_set(e, "GGUF file is truncated or corrupt: tensor '%.*s' (%llu bytes at data "
                           "offset %llu) lies past the end of the file; download it again",
                           (int)t.name.n, t.name.p, over ? 0ULL : (unsigned long long)nbytes,
                           (unsigned long long)off);
    }
    return 0;
}

/* Finds a key; fills kv and returns 1, or 0 when absent. Walks the validated header. */
static int gguf_find(const Gguf *g, const char *key, GgufKV *kv) {
    GgufCur c = { g->base, g->kv_off, g->size, NULL, 0 };
    for (uint64_t i = 0; i < g->n_kv; i++) {
        gguf__read_kv(&c, kv);
        if (str_eq(kv->key, key)) return 1;
    }
    return 0;
}

/* Integer value of any integer or bool type, converted; def when absent or not integral.
 * u32 values of 0xFFFFFFFF (how some writers say "no token") read as -1. */
static int64_t gguf__kv_int(const GgufKV *kv, int64_t def) {
    const uint8_t *v = kv->val;
    switch (kv->type) {
    case GGUF_U8: case GGUF_BOOL: return v[0];
    case GGUF_I8: return (int8_t)v[0];
    case GGUF_U16: { uint16_t x; memcpy(&x, v, 2); return x; }
    case GGUF_I16: { int16_t x; memcpy(&x, v, 2); return x; }
    case GGUF_U32: { uint32_t x; memcpy(&x, v, 4); return x == 0xFFFFFFFFu ? -1 : (int64_t)x; }
    case GGUF_I32: { int32_t x; memcpy(&x, v, 4); return x; }
    case GGUF_U64: { uint64_t x; memcpy(&x, v, 8); return x > INT64_MAX ? -1 : (int64_t)x; }
    case GGUF_I64: { int64_t x; memcpy(&x, v, 8); return x; }
    }
    return def;
}

static int64_t gguf_get_int(const Gguf *g, const char *key, int64_t def) {
    GgufKV kv;
    return gguf_find(g, key, &kv) ? gguf__kv_int(&kv, def) : def;
}

static double gguf_get_float(const Gguf *g, const char *key, double def) {
    GgufKV kv;
    if (!gguf_find(g, key, &kv)) return def;
    if (kv.type == GGUF_F32) { float f; memcpy(&f, kv.val, 4); return f; }
    if (kv.type == GGUF_F64) { double d; memcpy(&d, kv.val, 8); return d; }
    return (double)gguf__kv_int(&kv, (int64_t)def);
}

static Str gguf_get_str(const Gguf *g, const char *key) {
    GgufKV kv;
    Str s = { "", 0 };
    if (gguf_find(g, key, &kv) && kv.type == GGUF_STRING) {
        GgufCur c = { g->base, (size_t)(kv.val - g->base), g->size, NULL, 0 };
        s = gguf__str(&c, "");
    }
    return s;
}

/* "{arch}.suffix" lookups, the way hyper-parameters are keyed. */
static int64_t gguf_arch_int(const Gguf *g, Str arch, const char *suffix, int64_t def) {
    char k[256];
    snprintf(k, sizeof k, "%.*s.%s", (int)arch.n, arch.p, suffix);
    return gguf_get_int(g, k, def);
}

static double gguf_arch_float(const Gguf *g, Str arch, const char *suffix, double def) {
    char k[256];
    snprintf(k, sizeof k, "%.*s.%s", (int)arch.n, arch.p, suffix);
    return gguf_get_float(g, k, def);
}

/* Tensor i of the table (0 <= i < n_tensors). */
static void gguf_tensor_at(const Gguf *g, uint64_t i, GgufTensor *t) {
    GgufCur c = { g->base, g->ti_off, g->size, NULL, 0 };
    uint64_t off = 0;
    for (uint64_t k = 0; k <= i; k++) gguf__read_ti(&c, t, &off);
    t->data = g->base + g->data_off + off;
    size_t rows = (size_t)(t->ne[1] * t->ne[2] * t->ne[3]);
    t->nbytes = type_row_size(t->type, t->ne[0]) * rows;
}

/* Finds a tensor by name: 1 and *t filled, or 0 when absent. */
static int gguf_tensor(const Gguf *g, const char *name, GgufTensor *t) {
    GgufCur c = { g->base, g->ti_off, g->size, NULL, 0 };
    for (uint64_t i = 0; i < g->n_tensors; i++) {
        uint64_t off;
        gguf__read_ti(&c, t, &off);
        if (str_eq(t->name, name)) {
            t->data = g->base + g->data_off + off;
            size_t rows = (size_t)(t->ne[1] * t->ne[2] * t->ne[3]);
            t->nbytes = type_row_size(t->type, t->ne[0]) * rows;
            return 1;
        }
    }
    return 0;
}

/* String i of a string array (walks the array; fine at load time). */
LLM_MAYBE_UNUSED static Str gguf_arr_str(const Gguf *g, const GgufKV *kv, uint64_t i) {
    GgufCur c = { g->base, (size_t)(kv->val - g->base), g->size, NULL, 0 };
    Str s = { "", 0 };
    for (uint64_t k = 0; k <= i; k++) s = gguf__str(&c, "");
    return s;
}

/* ---- GGUF writer: used by the tests to build models of their own, and later by
 * conversion (so unused in the program itself for now). Writes atomically (FileOut). Tensors are given in order with their data;
 * offsets are laid out aligned. ---- */

typedef struct {
    FileOut out;
    size_t written;     /* bytes so far, for padding */
} GgufWriter;

static void gguf_w__bytes(GgufWriter *w, const void *p, size_t n) {
    file_out_write(&w->out, p, n);
    w->written += n;
}
static void gguf_w__u32(GgufWriter *w, uint32_t v) { gguf_w__bytes(w, &v, 4); }
static void gguf_w__u64(GgufWriter *w, uint64_t v) { gguf_w__bytes(w, &v, 8); }
static void gguf_w__str(GgufWriter *w, const char *s, size_t n) { gguf_w__u64(w, n); gguf_w__bytes(w, s, n); }

LLM_MAYBE_UNUSED static int gguf_w_begin(GgufWriter *w, const char *path, uint64_t n_tensors, uint64_t n_kv, Err *e) {
    memset(w, 0, sizeof *w);
    if (file_out_open(&w->out, path, e)) return -1;
    gguf_w__bytes(w, "GGUF", 4);
    gguf_w__u32(w, 3);
    gguf_w__u64(w, n_tensors);
    gguf_w__u64(w, n_kv);
    return 0;
}

LLM_MAYBE_UNUSED static void gguf_w_kv_u32(GgufWriter *w, const char *k, uint32_t v) {
    gguf_w__str(w, k, strlen(k)); gguf_w__u32(w, GGUF_U32); gguf_w__u32(w, v);
}
LLM_MAYBE_UNUSED static void gguf_w_kv_f32(GgufWriter *w, const char *k, float v) {
    gguf_w__str(w, k, strlen(k)); gguf_w__u32(w, GGUF_F32); gguf_w__bytes(w, &v, 4);
}
LLM_MAYBE_UNUSED static void gguf_w_kv_str(GgufWriter *w, const char *k, const char *v) {
    gguf_w__str(w, k, strlen(k)); gguf_w__u32(w, GGUF_STRING); gguf_w__str(w, v, strlen(v));
}
LLM_MAYBE_UNUSED static void gguf_w_kv_bool(GgufWriter *w, const char *k, int v) {
    uint8_t b = (uint8_t)!!v;
    gguf_w__str(w, k, strlen(k)); gguf_w__u32(w, GGUF_BOOL); gguf_w__bytes(w, &b, 1);
}
/* An array of scalars (elem_type a scalar GGUF type) of n elements. */
LLM_MAYBE_UNUSED static void gguf_w_kv_arr(GgufWriter *w, const char *k, uint32_t elem_type, const void *v, uint64_t n) {
    gguf_w__str(w, k, strlen(k)); gguf_w__u32(w, GGUF_ARRAY); gguf_w__u32(w, elem_type);
    gguf_w__u64(w, n); gguf_w__bytes(w, v, (size_t)n * gguf__scalar_size(elem_type));
}
LLM_MAYBE_UNUSED static void gguf_w_kv_strs(GgufWriter *w, const char *k, const Str *v, uint64_t n) {
    gguf_w__str(w, k, strlen(k)); gguf_w__u32(w, GGUF_ARRAY); gguf_w__u32(w, GGUF_STRING);
    gguf_w__u64(w, n);
    for (uint64_t i = 0; i < n; i++) gguf_w__str(w, v[i].p, v[i].n);
}

/* Tensor info; `offset` accumulates aligned data offsets across calls (start at 0). */
LLM_MAYBE_UNUSED static void gguf_w_tensor_info(GgufWriter *w, const char *name, uint32_t type, int n_dims,
                               const int64_t *ne, uint64_t *offset) {
    gguf_w__str(w, name, strlen(name));
    gguf_w__u32(w, (uint32_t)n_dims);
    size_t rows = 1;
    for (int i = 0; i < n_dims; i++) gguf_w__u64(w, (uint64_t)ne[i]), rows *= (i ? (size_t)ne[i] : 1);
    gguf_w__u32(w, type);
    gguf_w__u64(w, *offset);
    size_t nb = type_row_size(type, ne[0]) * rows;
    *offset += (nb + GGUF_DEFAULT_ALIGNMENT - 1) / GGUF_DEFAULT_ALIGNMENT * GGUF_DEFAULT_ALIGNMENT;
}

static void gguf_w_align(GgufWriter *w) {
    static const uint8_t zero[GGUF_DEFAULT_ALIGNMENT];
    size_t pad = (GGUF_DEFAULT_ALIGNMENT - w->written % GGUF_DEFAULT_ALIGNMENT) % GGUF_DEFAULT_ALIGNMENT;
    gguf_w__bytes(w, zero, pad);
}

/* Tensor data, in the order of the infos; call gguf_w_align once before the first. */
LLM_MAYBE_UNUSED static void gguf_w_tensor_data(GgufWriter *w, const void *p, size_t n) {
    gguf_w__bytes(w, p, n);
    gguf_w_align(w);
}

LLM_MAYBE_UNUSED static int gguf_w_end(GgufWriter *w, Err *e) { return file_out_commit(&w->out, e); }

/* ============================================================================
 * 10. kernels: reference and SIMD kernels per quant type, attention, dispatch
 *
 * Plain C reference versions ("_ref"), byte-compatible with ggml's block layouts and
 * computing as llama.cpp's CPU path does: the activation row is converted to the
 * weight type's partner (Q8_0, Q8_1 or Q8_K blocks, F16, BF16) with the same rounding,
 * then each dot product sums integers within a block and scales once per block.
 * SIMD versions sit beside them with the same signatures (x86_64: AVX2+FMA+F16C and
 * AVX-512 VNNI through per-function target attributes; ARM: NEON, and the dot-product
 * instructions on aarch64), each tested against its reference; at the end of the
 * section kern_init picks, per type, the fastest one this CPU runs.
 * ========================================================================== */

/* ---- IEEE half / bfloat16 conversions ---- */

static uint32_t kern__f32_bits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static float kern__bits_f32(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }

static float f16_to_f32(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16;
    uint32_t exp = (h >> 10) & 0x1f;
    uint32_t man = h & 0x3ff;
    if (exp == 0x1f)                          /* inf / nan: keep the payload */
        return kern__bits_f32(sign | 0x7f800000u | (man << 13));
    if (exp == 0) {
        if (man == 0) return kern__bits_f32(sign);
        /* subnormal: man * 2^-24, exact in float */
        float v = (float)man * (1.0f / 16777216.0f);
        return sign ? -v : v;
    }
    return kern__bits_f32(sign | ((exp + 112) << 23) | (man << 13));   /* rebias 15 -> 127 */
}

/* Round to nearest, ties to even, overflow to inf; NaN becomes the quiet 0x7e00 with
   its sign, as in ggml's portable fp32_to_fp16. */
static uint16_t f32_to_f16(float f) {
    uint32_t u = kern__f32_bits(f);
    uint16_t sign = (uint16_t)((u >> 16) & 0x8000);
    uint32_t a = u & 0x7fffffffu;
    if (a > 0x7f800000u) return sign | 0x7e00;          /* nan */
    if (a >= 0x477ff000u) return sign | 0x7c00;         /* >= 65520 rounds to inf */
    if (a < 0x38800000u) {                              /* below 2^-14: f16 subnormal or 0 */
        if (a < 0x33000000u) return sign;               /* <= 2^-25 rounds to 0 (tie to even) */
        uint32_t exp = a >> 23;                         /* 102..112 */
        uint32_t man = (a & 0x7fffff) | 0x800000;       /* 24-bit significand */
        uint32_t shift = 126 - exp;                     /* value = man * 2^(exp-150); unit 2^-24 */
        uint32_t q = man >> shift, rem = man & ((1u << shift) - 1), half = 1u << (shift - 1);
        if (rem > half || (rem == half && (q & 1))) q++;
        return sign | (uint16_t)q;                      /* q may carry into the smallest normal */
    }
    /* normal: drop 13 mantissa bits with round-to-nearest-even; carry may bump the exponent */
    uint32_t r = a + 0x0fff + ((a >> 13) & 1);
    return sign | (uint16_t)((r >> 13) - (112u << 10));
}

static float bf16_to_f32(uint16_t h) { return kern__bits_f32((uint32_t)h << 16); }

/* ggml: NaN -> top half with the quiet bit forced; others round to nearest even
   (subnormals are not flushed; large values round to inf). */
static uint16_t f32_to_bf16(float f) {
    uint32_t u = kern__f32_bits(f);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 64);
    return (uint16_t)((u + 0x7fffu + ((u >> 16) & 1)) >> 16);
}


/* ---- helpers ---- */

/* Round to nearest, ties to even, for |f| < 2^22: adding 1.5*2^23 leaves the rounded
   integer in the low mantissa bits. Same result as ggml's nearest_int. */
static inline int kern__nearest_int(float f) {
    float v = f + 12582912.f;
    int32_t i; memcpy(&i, &v, 4);
    return (i & 0x007fffff) - 0x00400000;
}

/* The 32 fifth bits of a Q5_0/Q5_1 block, stored little-endian. */
static uint32_t kern__qh32(const uint8_t qh[4]) {
    return (uint32_t)qh[0] | (uint32_t)qh[1] << 8 | (uint32_t)qh[2] << 16 | (uint32_t)qh[3] << 24;
}

/* 6-bit scale and min of sub-block j (0..7) of Q4_K/Q5_K: bytes 0..3 hold sc 0..3 in
   bits 0..5, bytes 4..7 hold m 0..3; sc/m 4..7 have their low 4 bits in the nibbles of
   bytes 8..11 and their top 2 bits in bits 6..7 of bytes 0..3 (sc) / 4..7 (m). */
static inline void kern__k4_scale_min(int j, const uint8_t *s, int *sc, int *m) {
    if (j < 4) {
        *sc = s[j] & 63;
        *m = s[j + 4] & 63;
    } else {
        *sc = (s[j + 4] & 0x0f) | ((s[j - 4] >> 6) << 4);
        *m = (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
    }
}

/* The 12 bytes of Q4_K/Q5_K scales and mins (6 bits each) as 16 bytes: sc0..7, m0..7
 * (kern__k4_scale_min for all j at once, in 32-bit integer steps). */
static inline void kern__k4_unpack(const uint8_t *s, uint32_t u[4]) {
    memcpy(u, s, 12);
    const uint32_t m1 = 0x3f3f3f3f, m2 = 0x0f0f0f0f, m3 = 0x03030303;
    u[3] = ((u[2] >> 4) & m2) | (((u[1] >> 6) & m3) << 4);
    uint32_t ua = u[1] & m1;
    u[1] = (u[2] & m2) | (((u[0] >> 6) & m3) << 4);
    u[2] = ua;
    u[0] &= m1;
}

/* Signed scale of Q3_K sub-block j (0..15): low 4 bits in the low (j < 8) or high
   (j >= 8) nibble of byte j%8, top 2 bits at bits 2*(j/4) of byte 8 + j%4; biased by 32. */
static inline int kern__q3_k_scale(int j, const uint8_t *s) {
    int lo = j < 8 ? (s[j] & 0x0f) : (s[j - 8] >> 4);
    int hi = (s[8 + j % 4] >> (2 * (j / 4))) & 3;
    return (lo | (hi << 4)) - 32;
}

/* ---- F32 / F16 / BF16 ---- */

static void kern_dequant_f32_ref(const void *x, float *y, int64_t n) { memcpy(y, x, (size_t)n * sizeof(float)); }
static void kern_quant_f32_ref(const float *x, void *y, int64_t n) { memcpy(y, x, (size_t)n * sizeof(float)); }

static void kern_dequant_f16_ref(const void *vx, float *y, int64_t n) {
    const uint16_t *x = vx;
    for (int64_t i = 0; i < n; i++) y[i] = f16_to_f32(x[i]);
}
static void kern_quant_f16_ref(const float *x, void *vy, int64_t n) {
    uint16_t *y = vy;
    for (int64_t i = 0; i < n; i++) y[i] = f32_to_f16(x[i]);
}
static void kern_dequant_bf16_ref(const void *vx, float *y, int64_t n) {
    const uint16_t *x = vx;
    for (int64_t i = 0; i < n; i++) y[i] = bf16_to_f32(x[i]);
}
static void kern_quant_bf16_ref(const float *x, void *vy, int64_t n) {
    uint16_t *y = vy;
    for (int64_t i = 0; i < n; i++) y[i] = f32_to_bf16(x[i]);
}

/* Float products, double accumulation: ggml's scalar vec_dot_f32/f16/bf16. */
static float kern_dot_f32_ref(const void *vw, const void *vx, int64_t n) {
    const float *w = vw, *x = vx;
    double sum = 0.0;
    for (int64_t i = 0; i < n; i++) sum += (double)(w[i] * x[i]);
    return (float)sum;
}
static float kern_dot_f16_ref(const void *vw, const void *vx, int64_t n) {
    const uint16_t *w = vw, *x = vx;
    double sum = 0.0;
    for (int64_t i = 0; i < n; i++) sum += (double)(f16_to_f32(w[i]) * f16_to_f32(x[i]));
    return (float)sum;
}
static float kern_dot_bf16_ref(const void *vw, const void *vx, int64_t n) {
    const uint16_t *w = vw, *x = vx;
    double sum = 0.0;
    for (int64_t i = 0; i < n; i++) sum += (double)(bf16_to_f32(w[i]) * bf16_to_f32(x[i]));
    return (float)sum;
}

/* ---- Q8_0 / Q8_1 (activation formats; Q8_0 is also a weight format) ---- */

/* ggml quantize_row_q8_0_ref: d = amax/127, q = roundf(x/d) (ties away from zero). */
static void kern_quant_q8_0_ref(const float *x, void *vy, int64_t n) {
    BlockQ8_0 *y = vy;
    for (int64_t b = 0; b < n / QK; b++, x += QK) {
        float amax = 0.0f;
        for (int j = 0; j < QK; j++) amax = fmaxf(amax, fabsf(x[j]));
        float d = amax / 127.0f, id = d != 0.0f ? 1.0f / d : 0.0f;
        y[b].d = f32_to_f16(d);
        for (int j = 0; j < QK; j++) y[b].qs[j] = (int8_t)roundf(x[j] * id);
    }
}
static void kern_dequant_q8_0_ref(const void *vx, float *y, int64_t n) {
    const BlockQ8_0 *x = vx;
    for (int64_t b = 0; b < n / QK; b++, y += QK) {
        float d = f16_to_f32(x[b].d);
        for (int j = 0; j < QK; j++) y[j] = x[b].qs[j] * d;
    }
}

/* As Q8_0, plus s = sum(q) * d (unrounded d, clamped to the f16 range). */
static void kern_quant_q8_1_ref(const float *x, void *vy, int64_t n) {
    BlockQ8_1 *y = vy;
    for (int64_t b = 0; b < n / QK; b++, x += QK) {
        float amax = 0.0f;
        for (int j = 0; j < QK; j++) amax = fmaxf(amax, fabsf(x[j]));
        float d = amax / 127.0f, id = d != 0.0f ? 1.0f / d : 0.0f;
        int sum = 0;
        for (int j = 0; j < QK; j++) {
            y[b].qs[j] = (int8_t)roundf(x[j] * id);
            sum += y[b].qs[j];
        }
        y[b].d = f32_to_f16(d);
        y[b].s = f32_to_f16(fminf(65504.0f, fmaxf(-65504.0f, (float)sum * d)));
    }
}
static void kern_dequant_q8_1_ref(const void *vx, float *y, int64_t n) {
    const BlockQ8_1 *x = vx;
    for (int64_t b = 0; b < n / QK; b++, y += QK) {
        float d = f16_to_f32(x[b].d);
        for (int j = 0; j < QK; j++) y[j] = x[b].qs[j] * d;
    }
}

/* Activation rows for Q8_0 / Q8_1 dot products, rounded the way llama.cpp's x86 code
 * quantises them (scale 127/amax, ties to even), not as the portable _ref above
 * (divide, ties away): the two differ in rare near-ties, and models with quantised
 * weights amplify every such difference, so matching the reference engine needs this. */
static void kern_quant_q8_0_act(const float *x, void *vy, int64_t n) {
    BlockQ8_0 *y = vy;
    for (int64_t b = 0; b < n / QK; b++, x += QK) {
        float amax = 0.0f;
        for (int j = 0; j < QK; j++) amax = fmaxf(amax, fabsf(x[j]));
        float id = amax != 0.0f ? 127.0f / amax : 0.0f;
        y[b].d = f32_to_f16(amax / 127.0f);
        for (int j = 0; j < QK; j++) y[b].qs[j] = (int8_t)nearbyintf(x[j] * id);
    }
}
static void kern_quant_q8_1_act(const float *x, void *vy, int64_t n) {
    BlockQ8_1 *y = vy;
    for (int64_t b = 0; b < n / QK; b++, x += QK) {
        float amax = 0.0f;
        for (int j = 0; j < QK; j++) amax = fmaxf(amax, fabsf(x[j]));
        float d = amax / 127.0f, id = amax != 0.0f ? 127.0f / amax : 0.0f;
        int sum = 0;
        for (int j = 0; j < QK; j++) sum += y[b].qs[j] = (int8_t)nearbyintf(x[j] * id);
        y[b].d = f32_to_f16(d);
        y[b].s = f32_to_f16(fminf(65504.0f, fmaxf(-65504.0f, (float)sum * d)));
    }
}

static float kern_dot_q8_0_ref(const void *vw, const void *vx, int64_t n) {
    const BlockQ8_0 *w = vw;
    const BlockQ8_0 *x = vx;
    float sum = 0.0f;
    for (int64_t b = 0; b < n / QK; b++) {
        int isum = 0;
        for (int j = 0; j < QK; j++) isum += w[b].qs[j] * x[b].qs[j];
        sum += (float)isum * (f16_to_f32(w[b].d) * f16_to_f32(x[b].d));
    }
    return sum;
}

/* ---- Q8_K (activation for K-quants) ---- */

/* ggml quantize_row_q8_K_ref: the scale is taken from the signed value of largest
   magnitude, iscale = -127/max (so d = 1/iscale is negative when max > 0);
   q = min(127, nearest_int(iscale*x)); bsums per 16. All-zero block: d = 0, q = 0. */
static void kern_quant_q8_k_ref(const float *x, void *vy, int64_t n) {
    BlockQ8_K *y = vy;
    for (int64_t b = 0; b < n / QK_K; b++, x += QK_K) {
        float amax = 0.0f, max = 0.0f;
        for (int j = 0; j < QK_K; j++) {
            if (fabsf(x[j]) > amax) { amax = fabsf(x[j]); max = x[j]; }
        }
        if (amax == 0.0f) { memset(&y[b], 0, sizeof y[b]); continue; }
        float iscale = -127.0f / max;
        for (int j = 0; j < QK_K; j++) {
            int v = kern__nearest_int(iscale * x[j]);
            y[b].qs[j] = (int8_t)(v < 127 ? v : 127);
        }
        for (int i = 0; i < QK_K / 16; i++) {
            int sum = 0;
            for (int l = 0; l < 16; l++) sum += y[b].qs[16 * i + l];
            y[b].bsums[i] = (int16_t)sum;
        }
        y[b].d = 1.0f / iscale;
    }
}
static void kern_dequant_q8_k_ref(const void *vx, float *y, int64_t n) {
    const BlockQ8_K *x = vx;
    for (int64_t b = 0; b < n / QK_K; b++, y += QK_K)
        for (int j = 0; j < QK_K; j++) y[j] = x[b].d * x[b].qs[j];
}

/* ---- Q4_0 / Q4_1 / Q5_0 / Q5_1 ---- */

/* ggml *_ref: d = max/-8 from the signed value of largest magnitude, q = x/d + 8.5
   truncated, clamped to 15. */
static void kern_quant_q4_0_ref(const float *x, void *vy, int64_t n) {
    BlockQ4_0 *y = vy;
    for (int64_t b = 0; b < n / QK; b++, x += QK) {
        float amax = 0.0f, max = 0.0f;
        for (int j = 0; j < QK; j++) {
            if (amax < fabsf(x[j])) { amax = fabsf(x[j]); max = x[j]; }
        }
        float d = max / -8.0f, id = d != 0.0f ? 1.0f / d : 0.0f;
        y[b].d = f32_to_f16(d);
        for (int j = 0; j < QK / 2; j++) {
            int q0 = (int8_t)(x[j] * id + 8.5f), q1 = (int8_t)(x[j + QK / 2] * id + 8.5f);
            if (q0 > 15) q0 = 15;
            if (q1 > 15) q1 = 15;
            y[b].qs[j] = (uint8_t)(q0 | (q1 << 4));
        }
    }
}
static void kern_dequant_q4_0_ref(const void *vx, float *y, int64_t n) {
    const BlockQ4_0 *x = vx;
    for (int64_t b = 0; b < n / QK; b++, y += QK) {
        float d = f16_to_f32(x[b].d);
        for (int j = 0; j < QK / 2; j++) {
            y[j] = ((x[b].qs[j] & 0x0f) - 8) * d;
            y[j + QK / 2] = ((x[b].qs[j] >> 4) - 8) * d;
        }
    }
}
static float kern_dot_q4_0_ref(const void *vw, const void *vx, int64_t n) {
    const BlockQ4_0 *w = vw;
    const BlockQ8_0 *x = vx;
    float sum = 0.0f;
    for (int64_t b = 0; b < n / QK; b++) {
        int isum = 0;
        for (int j = 0; j < QK / 2; j++) {
            isum += ((w[b].qs[j] & 0x0f) - 8) * x[b].qs[j];
            isum += ((w[b].qs[j] >> 4) - 8) * x[b].qs[j + QK / 2];
        }
        sum += (float)isum * f16_to_f32(w[b].d) * f16_to_f32(x[b].d);
    }
    return sum;
}

/* d = (max - min)/15, m = min, q = (x - min)/d + 0.5 truncated, clamped to 15. */
static void kern_quant_q4_1_ref(const float *x, void *vy, int64_t n) {
    BlockQ4_1 *y = vy;
    for (int64_t b = 0; b < n / QK; b++, x += QK) {
        float min = INFINITY, max = -INFINITY;
        for (int j = 0; j < QK; j++) {
            if (x[j] < min) min = x[j];
            if (x[j] > max) max = x[j];
        }
        float d = (max - min) / 15.0f, id = d != 0.0f ? 1.0f / d : 0.0f;
        y[b].d = f32_to_f16(d);
        y[b].m = f32_to_f16(min);
        for (int j = 0; j < QK / 2; j++) {
            int q0 = (int8_t)((x[j] - min) * id + 0.5f), q1 = (int8_t)((x[j + QK / 2] - min) * id + 0.5f);
            if (q0 > 15) q0 = 15;
            if (q1 > 15) q1 = 15;
            y[b].qs[j] = (uint8_t)(q0 | (q1 << 4));
        }
    }
}
static void kern_dequant_q4_1_ref(const void *vx, float *y, int64_t n) {
    const BlockQ4_1 *x = vx;
    for (int64_t b = 0; b < n / QK; b++, y += QK) {
        float d = f16_to_f32(x[b].d), m = f16_to_f32(x[b].m);
        for (int j = 0; j < QK / 2; j++) {
            y[j] = (x[b].qs[j] & 0x0f) * d + m;
            y[j + QK / 2] = (x[b].qs[j] >> 4) * d + m;
        }
    }
}
/* The min term uses the activation's s = d_x * sum(q_x). */
static float kern_dot_q4_1_ref(const void *vw, const void *vx, int64_t n) {
    const BlockQ4_1 *w = vw;
    const BlockQ8_1 *x = vx;
    float sum = 0.0f;
    for (int64_t b = 0; b < n / QK; b++) {
        int isum = 0;
        for (int j = 0; j < QK / 2; j++) {
            isum += (w[b].qs[j] & 0x0f) * x[b].qs[j];
            isum += (w[b].qs[j] >> 4) * x[b].qs[j + QK / 2];
        }
        sum += (f16_to_f32(w[b].d) * f16_to_f32(x[b].d)) * (float)isum
             + f16_to_f32(w[b].m) * f16_to_f32(x[b].s);
    }
    return sum;
}

/* As Q4_0 with d = max/-16, q = x/d + 16.5 truncated, clamped to 31. */
static void kern_quant_q5_0_ref(const float *x, void *vy, int64_t n) {
    BlockQ5_0 *y = vy;
    for (int64_t b = 0; b < n / QK; b++, x += QK) {
        float amax = 0.0f, max = 0.0f;
        for (int j = 0; j < QK; j++) {
            if (amax < fabsf(x[j])) { amax = fabsf(x[j]); max = x[j]; }
        }
        float d = max / -16.0f, id = d != 0.0f ? 1.0f / d : 0.0f;
        uint32_t qh = 0;
        y[b].d = f32_to_f16(d);
        for (int j = 0; j < QK / 2; j++) {
            int q0 = (int8_t)(x[j] * id + 16.5f), q1 = (int8_t)(x[j + QK / 2] * id + 16.5f);
            if (q0 > 31) q0 = 31;
            if (q1 > 31) q1 = 31;
            y[b].qs[j] = (uint8_t)((q0 & 0x0f) | ((q1 & 0x0f) << 4));
            qh |= (uint32_t)(q0 >> 4) << j;
            qh |= (uint32_t)(q1 >> 4) << (j + QK / 2);
        }
        for (int k = 0; k < 4; k++) y[b].qh[k] = (uint8_t)(qh >> (8 * k));
    }
}
static void kern_dequant_q5_0_ref(const void *vx, float *y, int64_t n) {
    const BlockQ5_0 *x = vx;
    for (int64_t b = 0; b < n / QK; b++, y += QK) {
        float d = f16_to_f32(x[b].d);
        uint32_t qh = kern__qh32(x[b].qh);
        for (int j = 0; j < QK / 2; j++) {
            int q0 = (x[b].qs[j] & 0x0f) | (int)((qh >> j) & 1) << 4;
            int q1 = (x[b].qs[j] >> 4) | (int)((qh >> (j + QK / 2)) & 1) << 4;
            y[j] = (q0 - 16) * d;
            y[j + QK / 2] = (q1 - 16) * d;
        }
    }
}
static float kern_dot_q5_0_ref(const void *vw, const void *vx, int64_t n) {
    const BlockQ5_0 *w = vw;
    const BlockQ8_0 *x = vx;
    float sum = 0.0f;
    for (int64_t b = 0; b < n / QK; b++) {
        uint32_t qh = kern__qh32(w[b].qh);
        int isum = 0;
        for (int j = 0; j < QK / 2; j++) {
            int q0 = (w[b].qs[j] & 0x0f) | (int)((qh >> j) & 1) << 4;
            int q1 = (w[b].qs[j] >> 4) | (int)((qh >> (j + QK / 2)) & 1) << 4;
            isum += (q0 - 16) * x[b].qs[j] + (q1 - 16) * x[b].qs[j + QK / 2];
        }
        sum += (f16_to_f32(w[b].d) * f16_to_f32(x[b].d)) * (float)isum;
    }
    return sum;
}

/* As Q4_1 with d = (max - min)/31, q = (x - min)/d + 0.5 truncated (no clamp in ggml;
   the value cannot exceed 31 by construction). */
static void kern_quant_q5_1_ref(const float *x, void *vy, int64_t n) {
    BlockQ5_1 *y = vy;
    for (int64_t b = 0; b < n / QK; b++, x += QK) {
        float min = INFINITY, max = -INFINITY;
        for (int j = 0; j < QK; j++) {
            if (x[j] < min) min = x[j];
            if (x[j] > max) max = x[j];
        }
        float d = (max - min) / 31.0f, id = d != 0.0f ? 1.0f / d : 0.0f;
        uint32_t qh = 0;
        y[b].d = f32_to_f16(d);
        y[b].m = f32_to_f16(min);
        for (int j = 0; j < QK / 2; j++) {
            unsigned q0 = (uint8_t)((x[j] - min) * id + 0.5f), q1 = (uint8_t)((x[j + QK / 2] - min) * id + 0.5f);
            y[b].qs[j] = (uint8_t)((q0 & 0x0f) | ((q1 & 0x0f) << 4));
            qh |= ((q0 >> 4) & 1u) << j;
            qh |= ((q1 >> 4) & 1u) << (j + QK / 2);
        }
        for (int k = 0; k < 4; k++) y[b].qh[k] = (uint8_t)(qh >> (8 * k));
    }
}
static void kern_dequant_q5_1_ref(const void *vx, float *y, int64_t n) {
    const BlockQ5_1 *x = vx;
    for (int64_t b = 0; b < n / QK; b++, y += QK) {
        float d = f16_to_f32(x[b].d), m = f16_to_f32(x[b].m);
        uint32_t qh = kern__qh32(x[b].qh);
        for (int j = 0; j < QK / 2; j++) {
            int q0 = (x[b].qs[j] & 0x0f) | (int)((qh >> j) & 1) << 4;
            int q1 = (x[b].qs[j] >> 4) | (int)((qh >> (j + QK / 2)) & 1) << 4;
            y[j] = q0 * d + m;
            y[j + QK / 2] = q1 * d + m;
        }
    }
}
static float kern_dot_q5_1_ref(const void *vw, const void *vx, int64_t n) {
    const BlockQ5_1 *w = vw;
    const BlockQ8_1 *x = vx;
    float sum = 0.0f;
    for (int64_t b = 0; b < n / QK; b++) {
        uint32_t qh = kern__qh32(w[b].qh);
        int isum = 0;
        for (int j = 0; j < QK / 2; j++) {
            int q0 = (w[b].qs[j] & 0x0f) | (int)((qh >> j) & 1) << 4;
            int q1 = (w[b].qs[j] >> 4) | (int)((qh >> (j + QK / 2)) & 1) << 4;
            isum += q0 * x[b].qs[j] + q1 * x[b].qs[j + QK / 2];
        }
        sum += (f16_to_f32(w[b].d) * f16_to_f32(x[b].d)) * (float)isum
             + f16_to_f32(w[b].m) * f16_to_f32(x[b].s);
    }
    return sum;
}

/* ---- K-quants (weights only; dot against Q8_K) ---- */

static void kern_dequant_q2_k_ref(const void *vx, float *y, int64_t n) {
    const BlockQ2_K *x = vx;
    for (int64_t b = 0; b < n / QK_K; b++) {
        float d = f16_to_f32(x[b].d), dmin = f16_to_f32(x[b].dmin);
        for (int h = 0; h < 2; h++) {
            const uint8_t *q = x[b].qs + 32 * h;
            for (int j = 0; j < 4; j++) {
                for (int half = 0; half < 2; half++) {       /* two sub-blocks of 16 */
                    uint8_t sc = x[b].scales[8 * h + 2 * j + half];
                    float dl = d * (sc & 0x0f), ml = dmin * (sc >> 4);
                    for (int l = 16 * half; l < 16 * half + 16; l++)
                        *y++ = dl * ((q[l] >> (2 * j)) & 3) - ml;
                }
            }
        }
    }
}
/* Per sub-block of 16: d*sc * sum(q*q8) - dmin*m * sum(q8), the last sum from bsums. */
static float kern_dot_q2_k_ref(const void *vw, const void *vx, int64_t n) {
    const BlockQ2_K *w = vw;
    const BlockQ8_K *x = vx;
    float sum = 0.0f;
    for (int64_t b = 0; b < n / QK_K; b++) {
        const int8_t *q8 = x[b].qs;
        int isum = 0, msum = 0;
        for (int i = 0; i < 16; i++) msum += x[b].bsums[i] * (w[b].scales[i] >> 4);
        for (int h = 0; h < 2; h++) {
            const uint8_t *q = w[b].qs + 32 * h;
            for (int j = 0; j < 4; j++) {
                for (int half = 0; half < 2; half++) {
                    int sub = 0;
                    for (int l = 16 * half; l < 16 * half + 16; l++) sub += q8[l] * ((q[l] >> (2 * j)) & 3);
                    isum += (w[b].scales[8 * h + 2 * j + half] & 0x0f) * sub;
                }
                q8 += 32;
            }
        }
        float dall = x[b].d * f16_to_f32(w[b].d), dmin = x[b].d * f16_to_f32(w[b].dmin);
        sum += dall * (float)isum - dmin * (float)msum;
    }
    return sum;
}

static void kern_dequant_q3_k_ref(const void *vx, float *y, int64_t n) {
    const BlockQ3_K *x = vx;
    for (int64_t b = 0; b < n / QK_K; b++) {
        float d = f16_to_f32(x[b].d);
        for (int h = 0; h < 2; h++) {
            const uint8_t *q = x[b].qs + 32 * h;
            for (int j = 0; j < 4; j++) {
                uint8_t hbit = (uint8_t)(1u << (4 * h + j));
                for (int half = 0; half < 2; half++) {
                    float dl = d * kern__q3_k_scale(8 * h + 2 * j + half, x[b].scales);
                    for (int l = 16 * half; l < 16 * half + 16; l++) {
                        int v = ((q[l] >> (2 * j)) & 3) - ((x[b].hmask[l] & hbit) ? 0 : 4);
                        *y++ = dl * v;
                    }
                }
            }
        }
    }
}
static float kern_dot_q3_k_ref(const void *vw, const void *vx, int64_t n) {
    const BlockQ3_K *w = vw;
    const BlockQ8_K *x = vx;
    float sum = 0.0f;
    for (int64_t b = 0; b < n / QK_K; b++) {
        const int8_t *q8 = x[b].qs;
        int isum = 0;
        for (int h = 0; h < 2; h++) {
            const uint8_t *q = w[b].qs + 32 * h;
            for (int j = 0; j < 4; j++) {
                uint8_t hbit = (uint8_t)(1u << (4 * h + j));
                for (int half = 0; half < 2; half++) {
                    int sub = 0;
                    for (int l = 16 * half; l < 16 * half + 16; l++) {
                        int v = ((q[l] >> (2 * j)) & 3) - ((w[b].hmask[l] & hbit) ? 0 : 4);
                        sub += q8[l] * v;
                    }
                    isum += kern__q3_k_scale(8 * h + 2 * j + half, w[b].scales) * sub;
                }
                q8 += 32;
            }
        }
        sum += f16_to_f32(w[b].d) * x[b].d * (float)isum;
    }
    return sum;
}

static void kern_dequant_q4_k_ref(const void *vx, float *y, int64_t n) {
    const BlockQ4_K *x = vx;
    for (int64_t b = 0; b < n / QK_K; b++) {
        float d = f16_to_f32(x[b].d), dmin = f16_to_f32(x[b].dmin);
        for (int p = 0; p < 4; p++) {
            const uint8_t *q = x[b].qs + 32 * p;
            for (int s = 0; s < 2; s++) {
                int sc, m;
                kern__k4_scale_min(2 * p + s, x[b].scales, &sc, &m);
                float dl = d * sc, ml = dmin * m;
                for (int l = 0; l < 32; l++) *y++ = dl * ((q[l] >> (4 * s)) & 0x0f) - ml;
            }
        }
    }
}
/* Per sub-block of 32: d*sc * sum(q*q8) - dmin*m * sum(q8); sum(q8) = two bsums. */
static float kern_dot_q4_k_ref(const void *vw, const void *vx, int64_t n) {
    const BlockQ4_K *w = vw;
    const BlockQ8_K *x = vx;
    float sum = 0.0f;
    for (int64_t b = 0; b < n / QK_K; b++) {
        const int8_t *q8 = x[b].qs;
        int isum = 0, msum = 0;
        for (int p = 0; p < 4; p++) {
            const uint8_t *q = w[b].qs + 32 * p;
            for (int s = 0; s < 2; s++) {
                int sc, m, sub = 0, is = 2 * p + s;
                kern__k4_scale_min(is, w[b].scales, &sc, &m);
                for (int l = 0; l < 32; l++) sub += q8[l] * ((q[l] >> (4 * s)) & 0x0f);
                isum += sc * sub;
                msum += m * (x[b].bsums[2 * is] + x[b].bsums[2 * is + 1]);
                q8 += 32;
            }
        }
        float d = f16_to_f32(w[b].d) * x[b].d, dmin = f16_to_f32(w[b].dmin) * x[b].d;
        sum += d * (float)isum - dmin * (float)msum;
    }
    return sum;
}

static void kern_dequant_q5_k_ref(const void *vx, float *y, int64_t n) {
    const BlockQ5_K *x = vx;
    for (int64_t b = 0; b < n / QK_K; b++) {
        float d = f16_to_f32(x[b].d), dmin = f16_to_f32(x[b].dmin);
        for (int p = 0; p < 4; p++) {
            const uint8_t *q = x[b].qs + 32 * p;
            for (int s = 0; s < 2; s++) {
                int sc, m, is = 2 * p + s;
                kern__k4_scale_min(is, x[b].scales, &sc, &m);
                float dl = d * sc, ml = dmin * m;
                for (int l = 0; l < 32; l++) {
                    int v = ((q[l] >> (4 * s)) & 0x0f) | (((x[b].qh[l] >> is) & 1) << 4);
                    *y++ = dl * v - ml;
                }
            }
        }
    }
}
static float kern_dot_q5_k_ref(const void *vw, const void *vx, int64_t n) {
    const BlockQ5_K *w = vw;
    const BlockQ8_K *x = vx;
    float sum = 0.0f;
    for (int64_t b = 0; b < n / QK_K; b++) {
        const int8_t *q8 = x[b].qs;
        int isum = 0, msum = 0;
        for (int p = 0; p < 4; p++) {
            const uint8_t *q = w[b].qs + 32 * p;
            for (int s = 0; s < 2; s++) {
                int sc, m, sub = 0, is = 2 * p + s;
                kern__k4_scale_min(is, w[b].scales, &sc, &m);
                for (int l = 0; l < 32; l++) {
                    int v = ((q[l] >> (4 * s)) & 0x0f) | (((w[b].qh[l] >> is) & 1) << 4);
                    sub += q8[l] * v;
                }
                isum += sc * sub;
                msum += m * (x[b].bsums[2 * is] + x[b].bsums[2 * is + 1]);
                q8 += 32;
            }
        }
        float d = f16_to_f32(w[b].d) * x[b].d, dmin = f16_to_f32(w[b].dmin) * x[b].d;
        sum += d * (float)isum - dmin * (float)msum;
    }
    return sum;
}

/* 6-bit value of Q6_K element 128*h + 32*k + l, already minus 32. */
static inline int kern__q6_k_value(const BlockQ6_K *x, int h, int k, int l) {
    int lo = (x->ql[64 * h + 32 * (k & 1) + l] >> (4 * (k >> 1))) & 0x0f;
    int hi = (x->qh[32 * h + l] >> (2 * k)) & 3;
    return (lo | (hi << 4)) - 32;
}
static void kern_dequant_q6_k_ref(const void *vx, float *y, int64_t n) {
    const BlockQ6_K *x = vx;
    for (int64_t b = 0; b < n / QK_K; b++) {
        float d = f16_to_f32(x[b].d);
        for (int h = 0; h < 2; h++)
            for (int k = 0; k < 4; k++)
                for (int half = 0; half < 2; half++) {
                    float dl = d * x[b].scales[8 * h + 2 * k + half];
                    for (int l = 16 * half; l < 16 * half + 16; l++) *y++ = dl * kern__q6_k_value(&x[b], h, k, l);
                }
    }
}
static float kern_dot_q6_k_ref(const void *vw, const void *vx, int64_t n) {
    const BlockQ6_K *w = vw;
    const BlockQ8_K *x = vx;
    float sum = 0.0f;
    for (int64_t b = 0; b < n / QK_K; b++) {
        const int8_t *q8 = x[b].qs;
        int isum = 0;
        for (int h = 0; h < 2; h++)
            for (int k = 0; k < 4; k++) {
                for (int half = 0; half < 2; half++) {
                    int sub = 0;
                    for (int l = 16 * half; l < 16 * half + 16; l++) sub += q8[l] * kern__q6_k_value(&w[b], h, k, l);
                    isum += w[b].scales[8 * h + 2 * k + half] * sub;
                }
                q8 += 32;
            }
        sum += f16_to_f32(w[b].d) * x[b].d * (float)isum;
    }
    return sum;
}

/* ---- type table: the kernels of each weight and activation type ---- */

typedef struct {
    int vec_dot_type;       /* type the activation row is converted to for dot products */
    void (*to_float)(const void *x, float *y, int64_t n);      /* dequantize n elements */
    void (*from_float)(const float *x, void *y, int64_t n);    /* quantize n elements as
                               ggml's _ref does (weights); NULL for Q2_K..Q6_K for now */
    void (*from_float_act)(const float *x, void *y, int64_t n);  /* activation types: how
                               the matmul converts its input rows */
    float (*dot)(const void *w, const void *x, int64_t n);     /* w: row of this type, x: row
                               in vec_dot_type; NULL for the activation-only Q8_1/Q8_K */
} KernType;

static const KernType kern__types[T_COUNT] = {
    [T_F32]  = { T_F32,  kern_dequant_f32_ref,  kern_quant_f32_ref,  kern_quant_f32_ref,  kern_dot_f32_ref },
    [T_F16]  = { T_F16,  kern_dequant_f16_ref,  kern_quant_f16_ref,  kern_quant_f16_ref,  kern_dot_f16_ref },
    [T_BF16] = { T_BF16, kern_dequant_bf16_ref, kern_quant_bf16_ref, kern_quant_bf16_ref, kern_dot_bf16_ref },
    [T_Q4_0] = { T_Q8_0, kern_dequant_q4_0_ref, kern_quant_q4_0_ref, NULL, kern_dot_q4_0_ref },
    [T_Q4_1] = { T_Q8_1, kern_dequant_q4_1_ref, kern_quant_q4_1_ref, NULL, kern_dot_q4_1_ref },
    [T_Q5_0] = { T_Q8_0, kern_dequant_q5_0_ref, kern_quant_q5_0_ref, NULL, kern_dot_q5_0_ref },
    [T_Q5_1] = { T_Q8_1, kern_dequant_q5_1_ref, kern_quant_q5_1_ref, NULL, kern_dot_q5_1_ref },
    [T_Q8_0] = { T_Q8_0, kern_dequant_q8_0_ref, kern_quant_q8_0_ref, kern_quant_q8_0_act, kern_dot_q8_0_ref },
    [T_Q8_1] = { T_Q8_1, kern_dequant_q8_1_ref, kern_quant_q8_1_ref, kern_quant_q8_1_act, NULL },
    [T_Q2_K] = { T_Q8_K, kern_dequant_q2_k_ref, NULL, NULL, kern_dot_q2_k_ref },
    [T_Q3_K] = { T_Q8_K, kern_dequant_q3_k_ref, NULL, NULL, kern_dot_q3_k_ref },
    [T_Q4_K] = { T_Q8_K, kern_dequant_q4_k_ref, NULL, NULL, kern_dot_q4_k_ref },
    [T_Q5_K] = { T_Q8_K, kern_dequant_q5_k_ref, NULL, NULL, kern_dot_q5_k_ref },
    [T_Q6_K] = { T_Q8_K, kern_dequant_q6_k_ref, NULL, NULL, kern_dot_q6_k_ref },
    [T_Q8_K] = { T_Q8_K, kern_dequant_q8_k_ref, kern_quant_q8_k_ref, kern_quant_q8_k_ref, NULL },
};

/* The kernels of a type, or NULL for ids llm does not compute with (IQ*, ...). */
static const KernType *kern_type(int type) {
    if (type < 0 || type >= T_COUNT || !kern__types[type].to_float) return NULL;
    return &kern__types[type];
}

/* ---- attention over an F16 cache ----
 *
 * One query (hd floats) against n cached positions of one KV head (k and v: rows of hd
 * F16 values, `stride` elements apart), computed as llama.cpp's flash attention does on
 * the CPU, because models with quantised weights amplify even 1e-4 differences here
 * (the next layer re-quantises its input to 8 bits): the query rounded to F16, one pass
 * with a running maximum, and the weighted sum of values accumulated in F16. */
static void kern_attn_f16_ref(const float *qs, const uint16_t *k, const uint16_t *v, size_t stride, int n,
                              int hd, float scale, float *out) {
    float q[1024], M = -INFINITY, S = 0;
    uint16_t acc[1024];
    for (int d = 0; d < hd; d++) q[d] = f16_to_f32(f32_to_f16(qs[d])), acc[d] = 0;
    for (int p = 0; p < n; p++, k += stride, v += stride) {
        double dot = 0;
        for (int d = 0; d < hd; d++) dot += (double)q[d] * f16_to_f32(k[d]);
        float sc = (float)dot * scale, ms = 1.0f, vs = 1.0f;
        if (sc > M) {
            ms = expf(M - sc);
            M = sc;
            for (int d = 0; d < hd; d++) acc[d] = f32_to_f16(f16_to_f32(acc[d]) * ms);
        } else {
            vs = expf(sc - M);
        }
        for (int d = 0; d < hd; d++) acc[d] = f32_to_f16(fmaf(f16_to_f32(v[d]), vs, f16_to_f32(acc[d])));
        S = S * ms + vs;
    }
    float inv = S == 0.0f ? 0.0f : 1.0f / S;
    for (int d = 0; d < hd; d++) out[d] = f16_to_f32(acc[d]) * inv;
}

/* The vector kernels take the positions in blocks of ATT_BLK: the block's scores first
 * (the dots of several keys reduced together), then the steps of the online softmax in
 * the reference's order and with its expf, then the values. The F16 accumulation of the
 * values stays one position after the other, rounded as the reference rounds it. */
enum { ATT_BLK = 128 };

/* The softmax steps of a block's scores sc[0..n): up[p] = 1 when position p raises the
 * running maximum *M, and sc[p] becomes the reference's weight e: the factor that
 * rescales the accumulators (up) or weighs p's value (not up). *S: the sum of weights.
 * The exponents come first, then all their e^x at once with vexp (in place: expf's
 * values, or a vector kernel's within an ulp of them), then the sum in the reference's
 * order. */
static void kern__attn_steps(float *sc, uint8_t *up, int n, float *M, float *S, void (*vexp)(float *x, int n)) {
    float m = *M, sum = *S;
    for (int p = 0; p < n; p++) {
        float s = sc[p];
        up[p] = s > m;
        if (up[p]) sc[p] = m - s, m = s;
        else sc[p] = s - m;
    }
    vexp(sc, n);
    for (int p = 0; p < n; p++) sum = up[p] ? sum * sc[p] + 1.0f : sum + sc[p];
    *M = m, *S = sum;
}

/* The query heads that share a KV head (GQA) go through the vector kernels together,
 * ATT_G at a time: each key and value is loaded and converted once for all of them,
 * and their accumulators are independent chains the CPU overlaps. Every head is still
 * computed in exactly the order it would be alone. Head sizes up to ATT_HD (larger
 * ones take the reference). */
enum { ATT_G = 8, ATT_HD = 256 };

/* nq heads one after the other (q and out: nq rows of hd): the reference, and the
   vector kernels' way out for head sizes they do not take. */
static void kern_attn_heads_ref(const float *q, int nq, const uint16_t *k, const uint16_t *v, size_t stride, int n,
                                int hd, float scale, float *out) {
    for (int g = 0; g < nq; g++) kern_attn_f16_ref(q + (size_t)g * hd, k, v, stride, n, hd, scale, out + (size_t)g * hd);
}

/* The state of nq <= ATT_G heads going through the vector kernels together: head g's
 * F16 accumulators at acc + g * hd, its block's scores (then weights) and up flags at
 * g * ATT_BLK, its running maximum and sum; any[p]: position p raises some head's maximum. */
typedef struct {
    int nq;
    uint16_t acc[ATT_G * ATT_HD];
    float sc[ATT_G * ATT_BLK], M[ATT_G], S[ATT_G];
    uint8_t up[ATT_G * ATT_BLK], any[ATT_BLK];
} AttnGroup;

static void kern__attn_group_init(AttnGroup *a, int nq, int hd) {
    a->nq = nq;
    memset(a->acc, 0, (size_t)nq * hd * sizeof *a->acc);
    for (int g = 0; g < nq; g++) a->M[g] = -INFINITY, a->S[g] = 0;
}

/* kern__attn_steps for every head's scores of a block of n positions, and any[]. */
static void kern__attn_group_steps(AttnGroup *a, int n, void (*vexp)(float *x, int n)) {
    memset(a->any, 0, (size_t)n);
    for (int g = 0; g < a->nq; g++) {
        kern__attn_steps(a->sc + g * ATT_BLK, a->up + g * ATT_BLK, n, a->M + g, a->S + g, vexp);
        for (int p = 0; p < n; p++) a->any[p] |= a->up[g * ATT_BLK + p];
    }
}

/* What head g's accumulators are multiplied by at the end: 1 / the sum of weights. */
static float kern__attn_group_inv(const AttnGroup *a, int g) { return a->S[g] == 0.0f ? 0.0f : 1.0f / a->S[g]; }

/* Vectors of each head's accumulators the value loops take at once: about 8 chains of
   F16 round trips in all, to overlap, even for one head. */
#define ATT_VC(nq) ((nq) == 1 ? 8 : (nq) == 2 ? 4 : (nq) <= 4 ? 2 : 1)

/* `call` with the constant NQ = nq (1..ATT_G): the value loops keep nq accumulators in
   registers, which needs their count at compile time. */
#define ATT_BY_NQ(nq, call)                                                   \
    switch (nq) {                                                             \
    case 1: { enum { NQ = 1 }; call; } break;                                 \
    case 2: { enum { NQ = 2 }; call; } break;                                 \
    case 3: { enum { NQ = 3 }; call; } break;                                 \
    case 4: { enum { NQ = 4 }; call; } break;                                 \
    case 5: { enum { NQ = 5 }; call; } break;                                 \
    case 6: { enum { NQ = 6 }; call; } break;                                 \
    case 7: { enum { NQ = 7 }; call; } break;                                 \
    default: { enum { NQ = 8 }; call; } break;                                \
    }

/* The same for the batch kernels' step over nt tokens (1..4; PP_T = AP_T = 4): `call`
   with the constant TT = nt. */
#define KERN_BY_T(nt, call)                                                   \
    switch (nt) {                                                             \
    case 1: { enum { TT = 1 }; call; } break;                                 \
    case 2: { enum { TT = 2 }; call; } break;                                 \
    case 3: { enum { TT = 3 }; call; } break;                                 \
    default: { enum { TT = 4 }; call; } break;                                \
    }

/* The 32-element types' tokens, for the batch kernels (as constants once ty is): Q4_1 and
   Q5_1 go against Q8_1 (d, s, codes), the others against Q8_0; the token block's size and
   the offset of its codes. */
static inline int kern__q81(int ty) { return ty == T_Q4_1 || ty == T_Q5_1; }
static inline size_t kern__xbs(int ty) { return kern__q81(ty) ? sizeof(BlockQ8_1) : sizeof(BlockQ8_0); }
static inline size_t kern__xqs(int ty) { return kern__q81(ty) ? offsetof(BlockQ8_1, qs) : offsetof(BlockQ8_0, qs); }

/* The quantised types with prompt kernels of rows in vector lanes (kern__batch_variants),
   as X(name, type, ...) for each. */
#define KERN_BATCH_TYPES(X, ...)                                                                    \
    X(q4_0, T_Q4_0, __VA_ARGS__) X(q8_0, T_Q8_0, __VA_ARGS__) X(q4_1, T_Q4_1, __VA_ARGS__)          \
    X(q5_0, T_Q5_0, __VA_ARGS__) X(q5_1, T_Q5_1, __VA_ARGS__) X(q2_k, T_Q2_K, __VA_ARGS__)          \
    X(q3_k, T_Q3_K, __VA_ARGS__) X(q4_k, T_Q4_K, __VA_ARGS__) X(q5_k, T_Q5_K, __VA_ARGS__)          \
    X(q6_k, T_Q6_K, __VA_ARGS__)

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>

#endif

/* ---- x86_64 SIMD kernels for the K-quants (Q2_K..Q6_K against Q8_K) ----
 *
 * Every weight super-block of 256 is first put in one common form, KqRow: 8 vectors of
 * 32 unsigned bytes u (element 32i..32i+31 in vector i, 0 <= u <= 63), per vector the
 * int16 sub-block scales lined up with vpmaddubsw's pair sums, 16 int16 coefficients of
 * the activation's bsums, and the float scales. Then for every type
 *     isum = sum_i madd(maddubs(u_i, q8_i), sc_i)  [+ madd(bsums, coef) for Q3_K/Q6_K]
 *     msum = madd(bsums, coef)                     (Q2_K/Q4_K/Q5_K)
 * are the reference's integers exactly (Q3_K stores q+4 and Q6_K q+32, the offsets come
 * back through bsums; no int16 pair sum can saturate: |pair| <= 2*63*128), and the float
 * step per block is the reference's own expression, lane by lane, so the results are
 * bit-identical to kern_dot_*_ref (needs -ffp-contract=off, which -std=c11 implies).
 * Tiles: 4 rows x KQ_TT (8) tokens; the 4 rows of a block are unpacked once into L1 and used
 * for all tokens; four rows' sums are reduced together and their float step is one
 * 4-lane operation. The AVX-512 VNNI variant multiplies bytes with vpdpbusd, packs two
 * 32-byte products to int16 and applies both scales with one vpdpwssd (1.5 multiply
 * uops per 32 bytes instead of 2). */

#if defined(__x86_64__)
#include <immintrin.h>

#define KQ_AVX2 __attribute__((target("avx2,fma,f16c")))
#define KQ_VNNI __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")))
#define KQ_INL inline __attribute__((always_inline))
#define KQ_UNROLL _Pragma("GCC unroll 8")
/* Keeps GCC from reassociating the integer accumulations (it would compute every
   product first and spill them); emits no instruction. */
#define KQ_KEEP(v) __asm__("" : "+v"(v))
enum { KQ_TT = 8 };    /* tokens per tile (the rows per tile are 4) */

typedef struct {
    __m256i w[8];      /* unsigned weights, 32 per vector */
    __m256i sc[8];     /* int16 scale of each pair sum of maddubs(w[i], q8) */
    __m256i coef;      /* int16 coefficient of bsums[0..15] */
    float d, dmin;     /* f16 scales of the block (dmin 0 for Q3_K/Q6_K) */
} KqRow;

/* Bytes {2i, 2i+1} of every 16-bit lane: broadcasts int16 element i of a 128-bit lane. */
static const uint8_t kq__bcast16[8][32] __attribute__((aligned(32))) = {
#define KQ_B(i) { 2*i, 2*i+1, 2*i, 2*i+1, 2*i, 2*i+1, 2*i, 2*i+1, 2*i, 2*i+1, 2*i, 2*i+1, 2*i, 2*i+1, 2*i, 2*i+1, \
                  2*i, 2*i+1, 2*i, 2*i+1, 2*i, 2*i+1, 2*i, 2*i+1, 2*i, 2*i+1, 2*i, 2*i+1, 2*i, 2*i+1, 2*i, 2*i+1 }
    KQ_B(0), KQ_B(1), KQ_B(2), KQ_B(3), KQ_B(4), KQ_B(5), KQ_B(6), KQ_B(7)
#undef KQ_B
};
/* Bytes {2i x8, 2i+1 x8}: the two 16-element sub-block scales of 32-byte vector i. */
static const uint8_t kq__pair8[8][16] __attribute__((aligned(16))) = {
#define KQ_P(i) { 2*i, 2*i, 2*i, 2*i, 2*i, 2*i, 2*i, 2*i, 2*i+1, 2*i+1, 2*i+1, 2*i+1, 2*i+1, 2*i+1, 2*i+1, 2*i+1 }
    KQ_P(0), KQ_P(1), KQ_P(2), KQ_P(3), KQ_P(4), KQ_P(5), KQ_P(6), KQ_P(7)
#undef KQ_P
};

/* kern__k4_unpack in one vector: the 12 bytes of scales and mins (and the 4 bytes after
   them, ignored) to sc0..7, m0..7, one 32-bit word per lane. */
static KQ_INL KQ_AVX2 __m128i kq__k4_sm(const uint8_t *s) {
    __m128i v = _mm_loadu_si128((const __m128i *)s);                 /* u0, u1, u2 (and 4 code bytes) */
    __m128i a = _mm_shuffle_epi32(v, 0x98), b = _mm_shuffle_epi32(v, 0x50);   /* [u0 u2 u1 u2], [u0 u0 u1 u1] */
    const __m128i m1 = _mm_setr_epi32(0x3f3f3f3f, 0x0f0f0f0f, 0x3f3f3f3f, 0x0f0f0f0f);
    const __m128i m3 = _mm_setr_epi32(0, 0x03030303, 0, 0x03030303);
    __m128i lo = _mm_and_si128(_mm_srlv_epi32(a, _mm_setr_epi32(0, 0, 0, 4)), m1);
    return _mm_or_si128(lo, _mm_slli_epi32(_mm_and_si128(_mm_srli_epi32(b, 6), m3), 4));
}

/* Q4_K / Q5_K codes of the 32 bytes v of pair p: lo = sub-block 2p, hi = 2p + 1; Q5_K
   (is5) with bits 2p, 2p + 1 of qh (the block's 32 qh bytes) as the fifth bit. */
static KQ_INL KQ_AVX2 void kq__k45_codes(__m256i v, int is5, __m256i qh, int p, __m256i *lo, __m256i *hi) {
    const __m256i m4 = _mm256_set1_epi8(0x0f), b4 = _mm256_set1_epi8(0x10);
    *lo = _mm256_and_si256(v, m4);
    *hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), m4);
    if (!is5) return;
    const int i = 2 * p;
    __m256i h0 = i < 4 ? _mm256_slli_epi16(qh, 4 - i) : _mm256_srli_epi16(qh, i - 4);
    __m256i h1 = i + 1 < 4 ? _mm256_slli_epi16(qh, 3 - i) : _mm256_srli_epi16(qh, i - 3);
    *lo = _mm256_or_si256(*lo, _mm256_and_si256(h0, b4));
    *hi = _mm256_or_si256(*hi, _mm256_and_si256(h1, b4));
}
/* Q6_K codes u = q (0..63) of one half: u[k] = elements 32k..32k+31 of it, from ql
   (l0, l1: its 64 bytes) and qh (its 32 bytes). */
static KQ_INL KQ_AVX2 void kq__k6_codes(__m256i l0, __m256i l1, __m256i qh, __m256i u[4]) {
    const __m256i m4 = _mm256_set1_epi8(0x0f), m2 = _mm256_set1_epi8(0x30);
    u[0] = _mm256_or_si256(_mm256_and_si256(l0, m4), _mm256_and_si256(_mm256_slli_epi16(qh, 4), m2));
    u[1] = _mm256_or_si256(_mm256_and_si256(l1, m4), _mm256_and_si256(_mm256_slli_epi16(qh, 2), m2));
    u[2] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l0, 4), m4), _mm256_and_si256(qh, m2));
    u[3] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l1, 4), m4), _mm256_and_si256(_mm256_srli_epi16(qh, 2), m2));
}
/* Q6_K's -32 through bsums: the int16 coefficients -32 sc of bsums[0..15] */
static KQ_INL KQ_AVX2 __m256i kq__k6_coef(__m128i s8) {
    return _mm256_slli_epi16(_mm256_sub_epi16(_mm256_setzero_si256(), _mm256_cvtepi8_epi16(s8)), 5);
}

/* The unpackers are written once and compiled for each ISA (the macro body is
 * instantiated with that ISA's target attribute). */
#define KQ_UNPACKERS(SFX, TGT)                                                                   \
/* 16 int8 sub-block scales -> per-vector int16 pairs (Q3_K, Q6_K, Q2_K) */                      \
static KQ_INL TGT void kq__sc16_##SFX(__m128i s8, int is_signed, KqRow *r) {                    \
    KQ_UNROLL for (int i = 0; i < 8; i++) {                                                                \
        __m128i p = _mm_shuffle_epi8(s8, _mm_load_si128((const __m128i *)kq__pair8[i]));        \
        r->sc[i] = is_signed ? _mm256_cvtepi8_epi16(p) : _mm256_cvtepu8_epi16(p);               \
    }                                                                                            \
}                                                                                                \
/* Q4_K / Q5_K: 8 scales and 8 mins of 6 bits (kern__k4_scale_min for all j at once). */       \
static KQ_INL TGT void kq__k4_scales_##SFX(const uint8_t *s, KqRow *r) {                        \
    __m128i b = kq__k4_sm(s);                                 /* sc0..7, m0..7 */                \
    __m256i sc = _mm256_broadcastsi128_si256(_mm_cvtepu8_epi16(b));                              \
    KQ_UNROLL for (int i = 0; i < 8; i++)                                                                  \
        r->sc[i] = _mm256_shuffle_epi8(sc, _mm256_load_si256((const __m256i *)kq__bcast16[i])); \
    __m128i m = _mm_unpackhi_epi8(b, b);                      /* m0 m0 m1 m1 ... m7 m7 */        \
    r->coef = _mm256_cvtepu8_epi16(m);                                                           \
}                                                                                                \
static KQ_INL TGT void kq_unpack_q4_k_##SFX(const BlockQ4_K *x, KqRow *r) {                     \
    kq__k4_scales_##SFX(x->scales, r);                                                           \
    KQ_UNROLL for (int p = 0; p < 4; p++)                                                        \
        kq__k45_codes(_mm256_loadu_si256((const __m256i *)(x->qs + 32 * p)), 0, _mm256_setzero_si256(), p, \
                      &r->w[2 * p], &r->w[2 * p + 1]);                                           \
    r->d = _cvtsh_ss(x->d);                                                                      \
    r->dmin = _cvtsh_ss(x->dmin);                                                                \
}                                                                                                \
static KQ_INL TGT void kq_unpack_q5_k_##SFX(const BlockQ5_K *x, KqRow *r) {                     \
    kq__k4_scales_##SFX(x->scales, r);                                                           \
    __m256i qh = _mm256_loadu_si256((const __m256i *)x->qh);                                     \
    KQ_UNROLL for (int p = 0; p < 4; p++)                                                        \
        kq__k45_codes(_mm256_loadu_si256((const __m256i *)(x->qs + 32 * p)), 1, qh, p, &r->w[2 * p], &r->w[2 * p + 1]); \
    r->d = _cvtsh_ss(x->d);                                                                      \
    r->dmin = _cvtsh_ss(x->dmin);                                                                \
}                                                                                                \
/* Q6_K: u = q + 32 (0..63); the -32 comes back as coef = -32*sc on bsums. */                    \
static KQ_INL TGT void kq_unpack_q6_k_##SFX(const BlockQ6_K *x, KqRow *r) {                     \
    KQ_UNROLL for (int h = 0; h < 2; h++)                                                        \
        kq__k6_codes(_mm256_loadu_si256((const __m256i *)(x->ql + 64 * h)),                      \
                     _mm256_loadu_si256((const __m256i *)(x->ql + 64 * h + 32)),                 \
                     _mm256_loadu_si256((const __m256i *)(x->qh + 32 * h)), &r->w[4 * h]);       \
    __m128i s8 = _mm_loadu_si128((const __m128i *)x->scales);                                    \
    kq__sc16_##SFX(s8, 1, r);                                                                    \
    r->coef = kq__k6_coef(s8);                                                                   \
    r->d = _cvtsh_ss(x->d);                                                                      \
    r->dmin = 0.0f;                                                                              \
}                                                                                                \
/* Q3_K: u = v + 4 (0..7); coef = -4*sc. */                                                      \
static KQ_INL TGT void kq_unpack_q3_k_##SFX(const BlockQ3_K *x, KqRow *r) {                     \
    uint32_t a[3], u[4];                                                                         \
    memcpy(a, x->scales, 12);                                                                    \
    const uint32_t k1 = 0x03030303, k2 = 0x0f0f0f0f;                                             \
    u[3] = ((a[1] >> 4) & k2) | (((a[2] >> 6) & k1) << 4);                                       \
    u[2] = ((a[0] >> 4) & k2) | (((a[2] >> 4) & k1) << 4);                                       \
    u[1] = (a[1] & k2) | (((a[2] >> 2) & k1) << 4);                                              \
    u[0] = (a[0] & k2) | (((a[2] >> 0) & k1) << 4);                                              \
    __m128i s8 = _mm_sub_epi8(_mm_loadu_si128((const __m128i *)u), _mm_set1_epi8(32));          \
    kq__sc16_##SFX(s8, 1, r);                                                                    \
    r->coef = _mm256_slli_epi16(_mm256_sub_epi16(_mm256_setzero_si256(), _mm256_cvtepi8_epi16(s8)), 2); \
    const __m256i m3 = _mm256_set1_epi8(3), b2 = _mm256_set1_epi8(4);                           \
    __m256i hm = _mm256_loadu_si256((const __m256i *)x->hmask);                                  \
    KQ_UNROLL for (int h = 0; h < 2; h++) {                                                                \
        __m256i q = _mm256_loadu_si256((const __m256i *)(x->qs + 32 * h));                       \
        KQ_UNROLL for (int j = 0; j < 4; j++) {                                                            \
            int i = 4 * h + j;                                                                   \
            __m256i hb = i < 2 ? _mm256_slli_epi16(hm, 2 - i) : i == 2 ? hm : _mm256_srli_epi16(hm, i - 2); \
            __m256i lo = j == 0 ? q : _mm256_srli_epi16(q, 2 * j);                               \
            r->w[i] = _mm256_or_si256(_mm256_and_si256(lo, m3), _mm256_and_si256(hb, b2));       \
        }                                                                                        \
    }                                                                                            \
    r->d = _cvtsh_ss(x->d);                                                                      \
    r->dmin = 0.0f;                                                                              \
}                                                                                                \
static KQ_INL TGT void kq_unpack_q2_k_##SFX(const BlockQ2_K *x, KqRow *r) {                     \
    __m128i s = _mm_loadu_si128((const __m128i *)x->scales);                                     \
    kq__sc16_##SFX(_mm_and_si128(s, _mm_set1_epi8(0x0f)), 0, r);                                 \
    r->coef = _mm256_cvtepu8_epi16(_mm_and_si128(_mm_srli_epi16(s, 4), _mm_set1_epi8(0x0f)));   \
    const __m256i m3 = _mm256_set1_epi8(3);                                                      \
    KQ_UNROLL for (int h = 0; h < 2; h++) {                                                                \
        __m256i q = _mm256_loadu_si256((const __m256i *)(x->qs + 32 * h));                       \
        r->w[4 * h + 0] = _mm256_and_si256(q, m3);                                               \
        r->w[4 * h + 1] = _mm256_and_si256(_mm256_srli_epi16(q, 2), m3);                         \
        r->w[4 * h + 2] = _mm256_and_si256(_mm256_srli_epi16(q, 4), m3);                         \
        r->w[4 * h + 3] = _mm256_and_si256(_mm256_srli_epi16(q, 6), m3);                         \
    }                                                                                            \
    r->d = _cvtsh_ss(x->d);                                                                      \
    r->dmin = _cvtsh_ss(x->dmin);                                                                \
}

KQ_UNPACKERS(avx2, KQ_AVX2)
KQ_UNPACKERS(avx512vnni, KQ_VNNI)

/* ---- the integer sums of one row block against one activation block ---- */

/* AVX2: maddubs (u8 x s8 -> pair sums int16) then madd with the scales. */
static KQ_INL KQ_AVX2 __m256i kq__isum_avx2(const KqRow *r, const int8_t *q8) {
    __m256i a0 = _mm256_madd_epi16(_mm256_maddubs_epi16(r->w[0], _mm256_loadu_si256((const __m256i *)(q8 + 32 * 0))), r->sc[0]);
    __m256i a1 = _mm256_madd_epi16(_mm256_maddubs_epi16(r->w[1], _mm256_loadu_si256((const __m256i *)(q8 + 32 * 1))), r->sc[1]);
    KQ_UNROLL for (int i = 2; i < 8; i += 2) {
        a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(_mm256_maddubs_epi16(r->w[i], _mm256_loadu_si256((const __m256i *)(q8 + 32 * (i)))), r->sc[i]));
        a1 = _mm256_add_epi32(a1, _mm256_madd_epi16(_mm256_maddubs_epi16(r->w[i + 1], _mm256_loadu_si256((const __m256i *)(q8 + 32 * (i + 1)))), r->sc[i + 1]));
    }
    return _mm256_add_epi32(a0, a1);
}

/* VNNI: vpdpbusd per 32 bytes (int32 sums of 4; |.| <= 4*63*128 fits int16), two of
   them packed to int16 and scaled with one vpdpwssd. The scales are rearranged for
   the pack's lane order by kq__vnni_scales. */
static KQ_INL KQ_VNNI __m256i kq__isum_avx512vnni(const KqRow *r, const int8_t *q8) {
    const __m256i z = _mm256_setzero_si256();
    __m256i a0 = z, a1 = z;
    KQ_UNROLL for (int i = 0; i < 8; i += 4) {
        __m256i p0 = _mm256_dpbusd_epi32(z, r->w[i], _mm256_loadu_si256((const __m256i *)(q8 + 32 * (i))));
        __m256i p1 = _mm256_dpbusd_epi32(z, r->w[i + 1], _mm256_loadu_si256((const __m256i *)(q8 + 32 * (i + 1))));
        __m256i p2 = _mm256_dpbusd_epi32(z, r->w[i + 2], _mm256_loadu_si256((const __m256i *)(q8 + 32 * (i + 2))));
        __m256i p3 = _mm256_dpbusd_epi32(z, r->w[i + 3], _mm256_loadu_si256((const __m256i *)(q8 + 32 * (i + 3))));
        a0 = _mm256_dpwssd_epi32(a0, _mm256_packs_epi32(p0, p1), r->sc[i / 2]);
        a1 = _mm256_dpwssd_epi32(a1, _mm256_packs_epi32(p2, p3), r->sc[i / 2 + 1]);
    }
    return _mm256_add_epi32(a0, a1);
}
/* sc[i] (int16, 8 lanes of sub-block A then 8 of B per 32-byte vector i) to the layout
   of packs(p_{2k}, p_{2k+1}): 128-bit lane 0 = [A(2k) x4, A(2k+1) x4], lane 1 = B's. */
static KQ_INL KQ_VNNI void kq__vnni_scales(KqRow *r) {
    KQ_UNROLL for (int k = 0; k < 4; k++) {
        __m256i s0 = r->sc[2 * k], s1 = r->sc[2 * k + 1];
        /* s0 = [A0 x8 | B0 x8], s1 = [A1 x8 | B1 x8]; want [A0 x4 A1 x4 | B0 x4 B1 x4] */
        r->sc[k] = _mm256_blend_epi32(s0, s1, 0xCC);
    }
}

/* Four rows against one activation block, chunk-major so that each 32 bytes of q8 is
   loaded once and only the four accumulators stay live. */
static KQ_INL KQ_AVX2 void kq__isum4_avx2(const KqRow *r, const int8_t *q8, __m256i *a) {
    KQ_UNROLL for (int i = 0; i < 8; i++) {
        __m256i q = _mm256_loadu_si256((const __m256i *)(q8 + 32 * i));
        KQ_UNROLL for (int k = 0; k < 4; k++)
            a[k] = _mm256_add_epi32(a[k], _mm256_madd_epi16(_mm256_maddubs_epi16(r[k].w[i], q), r[k].sc[i]));
        KQ_UNROLL for (int k = 0; k < 4; k++) KQ_KEEP(a[k]);
    }
}
static KQ_INL KQ_VNNI void kq__isum4_avx512vnni(const KqRow *r, const int8_t *q8, __m256i *a) {
    const __m256i z = _mm256_setzero_si256();
    KQ_UNROLL for (int i = 0; i < 8; i += 2) {
        __m256i q0 = _mm256_loadu_si256((const __m256i *)(q8 + 32 * i));
        __m256i q1 = _mm256_loadu_si256((const __m256i *)(q8 + 32 * i + 32));
        KQ_UNROLL for (int k = 0; k < 4; k++)
            a[k] = _mm256_dpwssd_epi32(a[k], _mm256_packs_epi32(_mm256_dpbusd_epi32(z, r[k].w[i], q0),
                                                                _mm256_dpbusd_epi32(z, r[k].w[i + 1], q1)),
                                       r[k].sc[i / 2]);
        KQ_UNROLL for (int k = 0; k < 4; k++) KQ_KEEP(a[k]);
    }
}

/* Horizontal sums of four int32 vectors: [sum a0, sum a1, sum a2, sum a3]. */
#define KQ_HSUM4(TGT, SFX)                                                                       \
static KQ_INL TGT __m128i kq__hsum4_##SFX(__m256i a0, __m256i a1, __m256i a2, __m256i a3) {    \
    __m256i h = _mm256_hadd_epi32(_mm256_hadd_epi32(a0, a1), _mm256_hadd_epi32(a2, a3));        \
    return _mm_add_epi32(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));            \
}                                                                                                \
static KQ_INL TGT int kq__hsum1_##SFX(__m256i a) {                                             \
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(a), _mm256_extracti128_si256(a, 1));       \
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));                                            \
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));                                            \
    return _mm_cvtsi128_si32(s);                                                                 \
}
KQ_HSUM4(KQ_AVX2, avx2)
KQ_HSUM4(KQ_VNNI, avx512vnni)

/* ---- dot and tile per type and ISA ----
 * HASMIN: Q2_K/Q4_K/Q5_K (sum += d*isum - dmin*msum); else the bsums term belongs to
 * isum (sum += d*isum). d = f16(w.d) * x.d as in the reference. */
#define KQ_KERNELS(TYPE, BT, HASMIN, SFX, TGT, PREP)                                              \
static TGT float kern_dot_##TYPE##_##SFX(const void *vw, const void *vx, int64_t n) {           \
    const BT *w = vw;                                                                             \
    const BlockQ8_K *x = vx;                                                                      \
    float sum = 0.0f;                                                                             \
    for (int64_t b = 0; b < n / QK_K; b++) {                                                      \
        KqRow r;                                                                                  \
        kq_unpack_##TYPE##_##SFX(&w[b], &r);                                                      \
        PREP(&r);                                                                                 \
        __m256i acc = kq__isum_##SFX(&r, x[b].qs);                                                     \
        __m256i c = _mm256_madd_epi16(_mm256_loadu_si256((const __m256i *)x[b].bsums), r.coef);   \
        if (HASMIN) {                                                                             \
            int isum = kq__hsum1_##SFX(acc), msum = kq__hsum1_##SFX(c);                           \
            float d = r.d * x[b].d, dmin = r.dmin * x[b].d;                                       \
            sum += d * (float)isum - dmin * (float)msum;                                          \
        } else {                                                                                  \
            int isum = kq__hsum1_##SFX(_mm256_add_epi32(acc, c));                                 \
            sum += r.d * x[b].d * (float)isum;                                                    \
        }                                                                                         \
    }                                                                                             \
    return sum;                                                                                   \
}                                                                                                 \
static TGT void kern_tile_##TYPE##_##SFX(const uint8_t *w, size_t w_row, int nr, const uint8_t *x, \
                                         size_t x_row, int nt, int64_t n, float *out,             \
                                         int64_t out_stride) {                                     \
    (void)nr; (void)nt;                                                                           \
    __m128 acc[KQ_TT];                                                                            \
    for (int t = 0; t < KQ_TT; t++) acc[t] = _mm_setzero_ps();                                    \
    KqRow r[4];                                                                                   \
    for (int64_t b = 0; b < n / QK_K; b++) {                                                      \
        KQ_UNROLL for (int k = 0; k < 4; k++) {                                                             \
            kq_unpack_##TYPE##_##SFX((const BT *)(w + (size_t)k * w_row) + b, &r[k]);             \
            PREP(&r[k]);                                                                          \
        }                                                                                         \
        const __m128 dw = _mm_setr_ps(r[0].d, r[1].d, r[2].d, r[3].d);                            \
        const __m128 mw = _mm_setr_ps(r[0].dmin, r[1].dmin, r[2].dmin, r[3].dmin);                \
        for (int t = 0; t < KQ_TT; t++) {                                                         \
            const BlockQ8_K *xb = (const BlockQ8_K *)(x + (size_t)t * x_row) + b;                 \
            __m256i bs = _mm256_loadu_si256((const __m256i *)xb->bsums);                          \
            __m256i a[4], c[4];                                                                   \
            KQ_UNROLL for (int k = 0; k < 4; k++) {                                                         \
                c[k] = _mm256_madd_epi16(bs, r[k].coef);                                          \
                a[k] = HASMIN ? _mm256_setzero_si256() : c[k];                                    \
            }                                                                                     \
            kq__isum4_##SFX(r, xb->qs, a);                                                        \
            __m128 xd = _mm_set1_ps(xb->d);                                                       \
            __m128 isum = _mm_cvtepi32_ps(kq__hsum4_##SFX(a[0], a[1], a[2], a[3]));               \
            __m128 v = _mm_mul_ps(_mm_mul_ps(dw, xd), isum);                                      \
            if (HASMIN) {                                                                         \
                __m128 msum = _mm_cvtepi32_ps(kq__hsum4_##SFX(c[0], c[1], c[2], c[3]));           \
                v = _mm_sub_ps(v, _mm_mul_ps(_mm_mul_ps(mw, xd), msum));                          \
            }                                                                                     \
            acc[t] = _mm_add_ps(acc[t], v);                                                       \
        }                                                                                         \
    }                                                                                             \
    for (int t = 0; t < KQ_TT; t++) _mm_storeu_ps(out + t * out_stride, acc[t]);                  \
}

#define KQ_NOPREP(r) ((void)(r))
KQ_KERNELS(q2_k, BlockQ2_K, 1, avx2, KQ_AVX2, KQ_NOPREP)
KQ_KERNELS(q3_k, BlockQ3_K, 0, avx2, KQ_AVX2, KQ_NOPREP)
KQ_KERNELS(q4_k, BlockQ4_K, 1, avx2, KQ_AVX2, KQ_NOPREP)
KQ_KERNELS(q5_k, BlockQ5_K, 1, avx2, KQ_AVX2, KQ_NOPREP)
KQ_KERNELS(q6_k, BlockQ6_K, 0, avx2, KQ_AVX2, KQ_NOPREP)
KQ_KERNELS(q2_k, BlockQ2_K, 1, avx512vnni, KQ_VNNI, kq__vnni_scales)
KQ_KERNELS(q3_k, BlockQ3_K, 0, avx512vnni, KQ_VNNI, kq__vnni_scales)
KQ_KERNELS(q4_k, BlockQ4_K, 1, avx512vnni, KQ_VNNI, kq__vnni_scales)
KQ_KERNELS(q5_k, BlockQ5_K, 1, avx512vnni, KQ_VNNI, kq__vnni_scales)
KQ_KERNELS(q6_k, BlockQ6_K, 0, avx512vnni, KQ_VNNI, kq__vnni_scales)

/* ---- Q8_K activation rows: the same bytes as kern_quant_q8_k_ref ----
 * max = the first element of largest magnitude (NaNs never win, as in the reference's
 * strict >); q = min(127, nearest_int(iscale*x)) computed with the same magic-number
 * add (so inf/NaN products give the reference's bytes too), then truncated to 8 bits. */
static KQ_AVX2 void kern_quant_q8_k_avx2(const float *x, void *vy, int64_t n) {
    BlockQ8_K *y = vy;
    const __m256 absm = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
    const __m256 magic = _mm256_set1_ps(12582912.f);
    const __m256i mant = _mm256_set1_epi32(0x007fffff), off = _mm256_set1_epi32(0x00400000);
    const __m256i c127 = _mm256_set1_epi32(127);
    /* low byte of each int32 -> bytes 0..3 of each 128-bit lane */
    const __m256i lowb = _mm256_setr_epi8(0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
                                          0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1);
    const __m256i perm = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    for (int64_t b = 0; b < n / QK_K; b++, x += QK_K) {
        __m256 m0 = _mm256_setzero_ps(), m1 = m0;
        for (int j = 0; j < QK_K; j += 16) {
            /* max(v, acc) returns acc when v is NaN */
            m0 = _mm256_max_ps(_mm256_and_ps(_mm256_loadu_ps(x + j), absm), m0);
            m1 = _mm256_max_ps(_mm256_and_ps(_mm256_loadu_ps(x + j + 8), absm), m1);
        }
        __m256 m = _mm256_max_ps(m0, m1);
        __m128 h = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
        h = _mm_max_ps(h, _mm_movehl_ps(h, h));
        h = _mm_max_ss(h, _mm_shuffle_ps(h, h, 1));
        float amax = _mm_cvtss_f32(h);
        if (amax == 0.0f) { memset(&y[b], 0, sizeof y[b]); continue; }
        __m256 va = _mm256_set1_ps(amax);
        int jm = 0;
        for (int j = 0; j < QK_K; j += 8) {
            int mk = _mm256_movemask_ps(_mm256_cmp_ps(_mm256_and_ps(_mm256_loadu_ps(x + j), absm), va, _CMP_EQ_OQ));
            if (mk) { jm = j + __builtin_ctz((unsigned)mk); break; }
        }
        float iscale = -127.0f / x[jm];
        __m256 vs = _mm256_set1_ps(iscale);
        for (int j = 0; j < QK_K; j += 32) {
            __m256i v[4];
            KQ_UNROLL for (int k = 0; k < 4; k++) {
                __m256 f = _mm256_add_ps(_mm256_mul_ps(vs, _mm256_loadu_ps(x + j + 8 * k)), magic);
                __m256i i = _mm256_sub_epi32(_mm256_and_si256(_mm256_castps_si256(f), mant), off);
                v[k] = _mm256_shuffle_epi8(_mm256_min_epi32(i, c127), lowb);
            }
            /* each v[k]: 4 bytes in lane 0 (elements 0..3), 4 in lane 1 (4..7), rest 0 */
            __m256i a = _mm256_or_si256(v[0], _mm256_slli_si256(v[1], 4));
            __m256i c = _mm256_or_si256(v[2], _mm256_slli_si256(v[3], 4));
            a = _mm256_or_si256(a, _mm256_slli_si256(c, 8));
            /* lane0 dwords: e0-3 e8-11 e16-19 e24-27, lane1: e4-7 e12-15 e20-23 e28-31 */
            _mm256_storeu_si256((__m256i *)(y[b].qs + j), _mm256_permutevar8x32_epi32(a, perm));
        }
        const __m256i ones = _mm256_set1_epi8(1);
        for (int j = 0; j < QK_K; j += 32) {
            __m256i q = _mm256_loadu_si256((const __m256i *)(y[b].qs + j));
            __m256i s = _mm256_maddubs_epi16(ones, q);            /* pair sums, int16 */
            s = _mm256_madd_epi16(s, _mm256_set1_epi16(1));       /* sums of 4, int32 */
            /* sums of 16: dwords 0..3 (elements 0..15) and 4..7 (16..31) */
            __m128i t = _mm_hadd_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
            t = _mm_hadd_epi32(t, t);
            y[b].bsums[j / 16] = (int16_t)_mm_cvtsi128_si32(t);
            y[b].bsums[j / 16 + 1] = (int16_t)_mm_extract_epi32(t, 1);
        }
        y[b].d = 1.0f / iscale;
    }
}

#endif /* __x86_64__ */

/* ---- x86_64 SIMD kernels: F32/F16/BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1 ----
 *
 * AVX2 (+FMA, F16C) and AVX-512 VNNI (F+BW+VL+VNNI) versions of the dot products and
 * tiles, and AVX2 activation conversions (Q8_0, Q8_1, F16, BF16) that write exactly the
 * bytes of the reference from_float_act.
 *
 * Integer types: within a block the products are summed in integers exactly as the
 * reference does (maddubs/madd on AVX2, vpdpbusd on VNNI; no saturation can occur for
 * these value ranges, see kx__q_tile_avx2), and each block's integer sum is scaled by
 * d_w * d_x in float and accumulated in 8 float lanes; Q4_1/Q5_1 add m_w * s_x per block.
 * Unsigned weight codes with an offset (Q4_0: q - 8, Q5_0: q - 16, Q8_0 on VNNI: w + 128
 * - 128) use q . x - off * sum(x), where off * sum(x) is computed once per activation
 * block and shared by every weight row of a tile. Float types: float products
 * accumulated with FMA in float lanes (ggml's SIMD order), not in double. Results equal
 * the reference up to float summation order.
 *
 * Tiles: one generic body per ISA instantiated for R rows x T tokens (R, T compile-time
 * constants after inlining); the dot product is the same body with R = T = 1. */
#if defined(__x86_64__)
#include <immintrin.h>

#define KX_AVX2 __attribute__((target("avx2,fma,f16c")))
#define KX_VNNI __attribute__((target("avx512f,avx512bw,avx512vl,avx2,fma,f16c,avx512vnni")))
#define KX_INLINE static inline __attribute__((always_inline))
#define KX_UNROLL _Pragma("GCC unroll 16")

/* Block sizes and field offsets of the simple quant types (section 8 layouts). */
static inline size_t kx__wbs(int ty) {
    return ty == T_Q4_0 ? sizeof(BlockQ4_0) : ty == T_Q4_1 ? sizeof(BlockQ4_1) : ty == T_Q5_0 ? sizeof(BlockQ5_0)
         : ty == T_Q5_1 ? sizeof(BlockQ5_1) : sizeof(BlockQ8_0);
}
static inline size_t kx__wqs(int ty) {
    return ty == T_Q4_0 ? offsetof(BlockQ4_0, qs) : ty == T_Q4_1 ? offsetof(BlockQ4_1, qs)
         : ty == T_Q5_0 ? offsetof(BlockQ5_0, qs) : ty == T_Q5_1 ? offsetof(BlockQ5_1, qs) : offsetof(BlockQ8_0, qs);
}
static inline size_t kx__wqh(int ty) { return ty == T_Q5_0 ? offsetof(BlockQ5_0, qh) : offsetof(BlockQ5_1, qh); }
static inline int kx__hasmin(int ty) { return ty == T_Q4_1 || ty == T_Q5_1; }   /* activation Q8_1 */
static inline int kx__is5(int ty) { return ty == T_Q5_0 || ty == T_Q5_1; }
static inline uint16_t kx__u16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static inline uint32_t kx__u32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }

/* ================= AVX2 ================= */

KX_AVX2 KX_INLINE float kx__hsum256(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}
KX_AVX2 KX_INLINE float kx__h16(const uint8_t *p) { return _cvtsh_ss(kx__u16(p)); }

/* 0xff in byte i where bit i of qh is set (llama.cpp's bytes_from_bits_32). */
KX_AVX2 KX_INLINE __m256i kx__bits32_avx2(uint32_t qh) {
    const __m256i shuf = _mm256_set_epi64x(0x0303030303030303, 0x0202020202020202, 0x0101010101010101, 0);
    __m256i bytes = _mm256_shuffle_epi8(_mm256_set1_epi32((int)qh), shuf);
    bytes = _mm256_or_si256(bytes, _mm256_set1_epi64x(0x7fbfdfeff7fbfdfe));
    return _mm256_cmpeq_epi8(bytes, _mm256_set1_epi64x(-1));
}

/* The 32 weight codes of a block as bytes in element order: unsigned 0..15 / 0..31 for
 * Q4/Q5 (before the offset), the signed values for Q8_0. */
KX_AVX2 KX_INLINE __m256i kx__unpack_avx2(int ty, const uint8_t *blk) {
    if (ty == T_Q8_0) return _mm256_loadu_si256((const __m256i *)(blk + kx__wqs(ty)));
    __m128i raw = _mm_loadu_si128((const __m128i *)(blk + kx__wqs(ty)));
    __m256i q = _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(raw, 4), raw), _mm256_set1_epi8(0x0f));
    if (kx__is5(ty))
        q = _mm256_or_si256(q, _mm256_and_si256(kx__bits32_avx2(kx__u32(blk + kx__wqh(ty))), _mm256_set1_epi8(0x10)));
    return q;
}

/* One block of every row and token of the tile. */
KX_AVX2 KX_INLINE void kx__q_step_avx2(int ty, int R, int T, const uint8_t *w, size_t w_row, const uint8_t *x,
                                       size_t x_row, int64_t b, __m256 acc[4][4], float macc[4][4]) {
    const size_t wbs = kx__wbs(ty), xbs = kx__hasmin(ty) ? sizeof(BlockQ8_1) : sizeof(BlockQ8_0);
    const size_t xqs = kx__hasmin(ty) ? offsetof(BlockQ8_1, qs) : offsetof(BlockQ8_0, qs);
    const int hm = kx__hasmin(ty), off = ty == T_Q4_0 ? 8 : ty == T_Q5_0 ? 16 : 0;
    const __m256i ones16 = _mm256_set1_epi16(1), offv = _mm256_set1_epi8((char)off);
    __m256i xv[4], xo[4];
    __m256 dx[4];
    float sx[4];
    KX_UNROLL for (int t = 0; t < T; t++) {
        const uint8_t *xb = x + (size_t)t * x_row + (size_t)b * xbs;
        dx[t] = _mm256_set1_ps(kx__h16(xb));
        sx[t] = hm ? kx__h16(xb + offsetof(BlockQ8_1, s)) : 0.0f;
        xv[t] = _mm256_loadu_si256((const __m256i *)(xb + xqs));
        xo[t] = off ? _mm256_maddubs_epi16(offv, xv[t]) : _mm256_setzero_si256();
    }
    KX_UNROLL for (int r = 0; r < R; r++) {
        const uint8_t *wb = w + (size_t)r * w_row + (size_t)b * wbs;
        __m256i q = kx__unpack_avx2(ty, wb);
        __m256 dw = _mm256_set1_ps(kx__h16(wb));
        float mw = hm ? kx__h16(wb + 2) : 0.0f;
        __m256i qa = ty == T_Q8_0 ? _mm256_abs_epi8(q) : q;
        KX_UNROLL for (int t = 0; t < T; t++) {
            __m256i p = ty == T_Q8_0 ? _mm256_maddubs_epi16(qa, _mm256_sign_epi8(xv[t], q))
                                     : _mm256_maddubs_epi16(q, xv[t]);
            if (off) p = _mm256_sub_epi16(p, xo[t]);
            acc[r][t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_madd_epi16(p, ones16)),
                                        _mm256_mul_ps(dw, dx[t]), acc[r][t]);
            if (hm) macc[r][t] += mw * sx[t];
        }
    }
}

/* out[t * os + r] = dot(row r, token t) for r < R, t < T.
 * Ranges (no saturation): maddubs of codes q <= 31 with |x| <= 127 (Q8_0/Q8_1 activations
 * never hold -128: 127/amax scaling) gives |pair| <= 7874; the offset term off*(x0+x1) with
 * off <= 16 is <= 4064 and the difference (q-off)*x pairs <= 4096 in magnitude. Q8_0: the
 * sign trick |w| * sign(x, w), |pair| <= 2*128*127 = 32512 < 32767. */
KX_AVX2 KX_INLINE void kx__q_tile_avx2(int ty, int R, int T, const uint8_t *w, size_t w_row, const uint8_t *x,
                                       size_t x_row, int64_t n, float *out, int64_t os) {
    const int U = R * T == 1 ? 2 : 1;                    /* dot: two blocks in flight */
    __m256 acc[2][4][4];
    float macc[4][4];
    KX_UNROLL for (int u = 0; u < U; u++)
        KX_UNROLL for (int r = 0; r < R; r++)
            KX_UNROLL for (int t = 0; t < T; t++) acc[u][r][t] = _mm256_setzero_ps(), macc[r][t] = 0.0f;
    const int64_t nb = n / QK;
    int64_t b = 0;
    for (; b + U <= nb; b += U)
        KX_UNROLL for (int u = 0; u < U; u++) kx__q_step_avx2(ty, R, T, w, w_row, x, x_row, b + u, acc[u], macc);
    for (; b < nb; b++) kx__q_step_avx2(ty, R, T, w, w_row, x, x_row, b, acc[0], macc);
    KX_UNROLL for (int r = 0; r < R; r++)
        KX_UNROLL for (int t = 0; t < T; t++) {
            __m256 a = acc[0][r][t];
            if (U == 2) a = _mm256_add_ps(a, acc[1][r][t]);
            out[(int64_t)t * os + r] = kx__hsum256(a) + macc[r][t];
        }
}

/* Float rows: 8 elements of F32 / F16 / BF16 as floats. */
KX_AVX2 KX_INLINE __m256 kx__load8_avx2(int ty, const uint8_t *p) {
    if (ty == T_F32) return _mm256_loadu_ps((const float *)p);
    __m128i h = _mm_loadu_si128((const __m128i *)p);
    if (ty == T_F16) return _mm256_cvtph_ps(h);
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
}
KX_AVX2 KX_INLINE float kx__load1(int ty, const uint8_t *p) {
    if (ty == T_F32) { float f; memcpy(&f, p, 4); return f; }
    if (ty == T_F16) return _cvtsh_ss(kx__u16(p));
    return bf16_to_f32(kx__u16(p));
}

KX_AVX2 KX_INLINE void kx__f_tile_avx2(int ty, int R, int T, const uint8_t *w, size_t w_row, const uint8_t *x,
                                       size_t x_row, int64_t n, float *out, int64_t os) {
    const size_t es = ty == T_F32 ? 4 : 2;
    const int U = R * T == 1 ? 4 : R * T <= 2 ? 2 : 1;
    __m256 acc[4][4][4];
    for (int u = 0; u < U; u++)
        for (int r = 0; r < R; r++)
            for (int t = 0; t < T; t++) acc[u][r][t] = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 8 * U <= n; i += 8 * U)
        for (int u = 0; u < U; u++) {
            __m256 xv[4];
            for (int t = 0; t < T; t++) xv[t] = kx__load8_avx2(ty, x + (size_t)t * x_row + (size_t)(i + 8 * u) * es);
            for (int r = 0; r < R; r++) {
                __m256 wv = kx__load8_avx2(ty, w + (size_t)r * w_row + (size_t)(i + 8 * u) * es);
                for (int t = 0; t < T; t++) acc[u][r][t] = _mm256_fmadd_ps(wv, xv[t], acc[u][r][t]);
            }
        }
    for (; i + 8 <= n; i += 8) {
        __m256 xv[4];
        for (int t = 0; t < T; t++) xv[t] = kx__load8_avx2(ty, x + (size_t)t * x_row + (size_t)i * es);
        for (int r = 0; r < R; r++) {
            __m256 wv = kx__load8_avx2(ty, w + (size_t)r * w_row + (size_t)i * es);
            for (int t = 0; t < T; t++) acc[0][r][t] = _mm256_fmadd_ps(wv, xv[t], acc[0][r][t]);
        }
    }
    for (int r = 0; r < R; r++)
        for (int t = 0; t < T; t++) {
            __m256 a = acc[0][r][t];
            for (int u = 1; u < U; u++) a = _mm256_add_ps(a, acc[u][r][t]);
            float s = kx__hsum256(a);
            for (int64_t k = i; k < n; k++)
                s += kx__load1(ty, w + (size_t)r * w_row + (size_t)k * es) * kx__load1(ty, x + (size_t)t * x_row + (size_t)k * es);
            out[(int64_t)t * os + r] = s;
        }
}

#define KX_AVX2_Q(name, TY, TR, TT)                                                                          \
    KX_AVX2 static float kern_dot_##name##_avx2(const void *w, const void *x, int64_t n) {                  \
        float o;                                                                                             \
        kx__q_tile_avx2(TY, 1, 1, w, 0, x, 0, n, &o, 1);                                                     \
        return o;                                                                                            \
    }                                                                                                        \
    KX_AVX2 static void kern_tile_##name##_avx2(const uint8_t *w, size_t w_row, int nr, const uint8_t *x,    \
                                                size_t x_row, int nt, int64_t n, float *out, int64_t os) {   \
        (void)nr, (void)nt;                                                                                  \
        kx__q_tile_avx2(TY, TR, TT, w, w_row, x, x_row, n, out, os);                                         \
    }
#define KX_AVX2_F(name, TY, TR, TT)                                                                          \
    KX_AVX2 static float kern_dot_##name##_avx2(const void *w, const void *x, int64_t n) {                  \
        float o;                                                                                             \
        kx__f_tile_avx2(TY, 1, 1, w, 0, x, 0, n, &o, 1);                                                     \
        return o;                                                                                            \
    }                                                                                                        \
    KX_AVX2 static void kern_tile_##name##_avx2(const uint8_t *w, size_t w_row, int nr, const uint8_t *x,    \
                                                size_t x_row, int nt, int64_t n, float *out, int64_t os) {   \
        (void)nr, (void)nt;                                                                                  \
        kx__f_tile_avx2(TY, TR, TT, w, w_row, x, x_row, n, out, os);                                         \
    }

/* Tile shapes (rows x tokens), chosen by measurement (see the report). */
KX_AVX2_Q(q4_0, T_Q4_0, 4, 2)
KX_AVX2_Q(q4_1, T_Q4_1, 4, 2)
KX_AVX2_Q(q5_0, T_Q5_0, 4, 2)
KX_AVX2_Q(q5_1, T_Q5_1, 4, 2)
KX_AVX2_Q(q8_0, T_Q8_0, 4, 2)
KX_AVX2_F(f32, T_F32, 4, 2)
KX_AVX2_F(f16, T_F16, 4, 2)
KX_AVX2_F(bf16, T_BF16, 4, 2)

/* ---- activation conversions (AVX2), byte-identical to the reference ---- */

/* amax of 32 floats as the reference's fmaxf chain: NaN lanes are skipped (max_ps
 * returns its second operand when either is NaN). */
KX_AVX2 KX_INLINE float kx__amax32(const float *x, __m256 v[4]) {
    const __m256 nosign = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
    __m256 m = _mm256_setzero_ps();
    for (int k = 0; k < 4; k++) {
        v[k] = _mm256_loadu_ps(x + 8 * k);
        m = _mm256_max_ps(_mm256_and_ps(v[k], nosign), m);
    }
    __m128 s = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
    s = _mm_max_ps(s, _mm_movehl_ps(s, s));
    s = _mm_max_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}
/* (int8_t)nearbyintf(v * id) for 32 values: cvtps2dq rounds as nearbyintf (MXCSR, ties
 * to even by default) and gives 0x80000000 where the C conversion's cvttss2si does (NaN,
 * inf, out of range); the low byte of each is what the (int8_t) cast keeps. */
KX_AVX2 KX_INLINE __m256i kx__q8_32(const __m256 v[4], float id) {
    const __m256 idv = _mm256_set1_ps(id);
    const __m256i lo = _mm256_set1_epi32(0xff);
    __m256i i[4];
    for (int k = 0; k < 4; k++) i[k] = _mm256_and_si256(_mm256_cvtps_epi32(_mm256_mul_ps(v[k], idv)), lo);
    __m256i p = _mm256_packus_epi16(_mm256_packus_epi32(i[0], i[1]), _mm256_packus_epi32(i[2], i[3]));
    return _mm256_permutevar8x32_epi32(p, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

KX_AVX2 static void kern_quant_q8_0_avx2(const float *x, void *vy, int64_t n) {
    BlockQ8_0 *y = vy;
    for (int64_t b = 0; b < n / QK; b++, x += QK) {
        __m256 v[4];
        float amax = kx__amax32(x, v);
        float id = amax != 0.0f ? 127.0f / amax : 0.0f;
        y[b].d = f32_to_f16(amax / 127.0f);
        _mm256_storeu_si256((__m256i *)y[b].qs, kx__q8_32(v, id));
    }
}
KX_AVX2 static void kern_quant_q8_1_avx2(const float *x, void *vy, int64_t n) {
    BlockQ8_1 *y = vy;
    for (int64_t b = 0; b < n / QK; b++, x += QK) {
        __m256 v[4];
        float amax = kx__amax32(x, v);
        float d = amax / 127.0f, id = amax != 0.0f ? 127.0f / amax : 0.0f;
        __m256i q = kx__q8_32(v, id);
        _mm256_storeu_si256((__m256i *)y[b].qs, q);
        /* sum of the stored int8 values */
        __m256i s16 = _mm256_maddubs_epi16(_mm256_set1_epi8(1), q);
        __m256i s32 = _mm256_madd_epi16(s16, _mm256_set1_epi16(1));
        __m128i s = _mm_add_epi32(_mm256_castsi256_si128(s32), _mm256_extracti128_si256(s32, 1));
        s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
        s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
        int sum = _mm_cvtsi128_si32(s);
        y[b].d = f32_to_f16(d);
        y[b].s = f32_to_f16(fminf(65504.0f, fmaxf(-65504.0f, (float)sum * d)));
    }
}
/* F16C rounds to nearest even with overflow to inf and subnormals as f32_to_f16 does;
 * only NaN differs (F16C keeps payload bits), so NaN lanes are replaced by sign|0x7e00. */
KX_AVX2 static void kern_quant_f16_avx2(const float *x, void *vy, int64_t n) {
    uint16_t *y = vy;
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 v = _mm256_loadu_ps(x + i);
        __m128i h = _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        __m256 nan = _mm256_cmp_ps(v, v, _CMP_UNORD_Q);
        if (_mm256_movemask_ps(nan)) {
            __m256i u = _mm256_castps_si256(v);
            __m256i fix = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi32(u, 16), _mm256_set1_epi32(0x8000)),
                                          _mm256_set1_epi32(0x7e00));
            __m128i fix16 = _mm_packus_epi32(_mm256_castsi256_si128(fix), _mm256_extracti128_si256(fix, 1));
            __m256i m = _mm256_castps_si256(nan);
            __m128i m16 = _mm_packs_epi32(_mm256_castsi256_si128(m), _mm256_extracti128_si256(m, 1));
            h = _mm_blendv_epi8(h, fix16, m16);
        }
        _mm_storeu_si128((__m128i *)(y + i), h);
    }
    for (; i < n; i++) y[i] = f32_to_f16(x[i]);
}
/* f32_to_bf16 in integers: (u + 0x7fff + ((u >> 16) & 1)) >> 16, NaN: (u >> 16) | 64. */
KX_AVX2 static void kern_quant_bf16_avx2(const float *x, void *vy, int64_t n) {
    uint16_t *y = vy;
    int64_t i = 0;
    const __m256i one = _mm256_set1_epi32(1), r7 = _mm256_set1_epi32(0x7fff), inf = _mm256_set1_epi32(0x7f800000);
    const __m256i abs = _mm256_set1_epi32(0x7fffffff), q64 = _mm256_set1_epi32(64);
    for (; i + 16 <= n; i += 16) {
        __m256i o[2];
        for (int k = 0; k < 2; k++) {
            __m256i u = _mm256_loadu_si256((const __m256i *)(x + i + 8 * k));
            __m256i hi = _mm256_srli_epi32(u, 16);
            __m256i r = _mm256_srli_epi32(_mm256_add_epi32(_mm256_add_epi32(u, r7), _mm256_and_si256(hi, one)), 16);
            __m256i nan = _mm256_cmpgt_epi32(_mm256_and_si256(u, abs), inf);
            o[k] = _mm256_blendv_epi8(r, _mm256_or_si256(hi, q64), nan);
        }
        __m256i p = _mm256_permute4x64_epi64(_mm256_packus_epi32(o[0], o[1]), 0xd8);
        _mm256_storeu_si256((__m256i *)(y + i), p);
    }
    for (; i < n; i++) y[i] = f32_to_bf16(x[i]);
}

/* ================= AVX-512 VNNI =================
 * Two blocks per 512-bit register; weight codes as unsigned bytes with an offset:
 * Q4_0 8, Q5_0 16, Q8_0 128 (w ^ 0x80 = w + 128), Q4_1/Q5_1 none (min term).
 * vpdpbusd sums 4 u8*s8 products into int32 without saturation; each lane starts at
 * -off * (its 4 x's), computed once per activation block pair. */

KX_VNNI KX_INLINE __m512i kx__unpack2_vnni(int ty, const uint8_t *b0, const uint8_t *b1, int two) {
    if (ty == T_Q8_0) {
        __m256i lo = _mm256_loadu_si256((const __m256i *)(b0 + 2));
        __m512i z = two ? _mm512_inserti64x4(_mm512_castsi256_si512(lo), _mm256_loadu_si256((const __m256i *)(b1 + 2)), 1)
                        : _mm512_zextsi256_si512(lo);
        return _mm512_xor_si512(z, _mm512_set1_epi8((char)0x80));
    }
    __m128i r0 = _mm_loadu_si128((const __m128i *)(b0 + kx__wqs(ty)));
    __m128i r1 = two ? _mm_loadu_si128((const __m128i *)(b1 + kx__wqs(ty))) : _mm_setzero_si128();
    __m256i y = _mm256_set_m128i(r1, r0);
    __m512i z = _mm512_inserti64x4(_mm512_castsi256_si512(y), _mm256_srli_epi16(y, 4), 1);
    z = _mm512_shuffle_i64x2(z, z, (3 << 6) | (1 << 4) | (2 << 2) | 0);   /* r0, r0>>4, r1, r1>>4 */
    z = _mm512_and_si512(z, _mm512_set1_epi8(0x0f));
    if (kx__is5(ty)) {
        uint64_t qh = kx__u32(b0 + kx__wqh(ty));
        if (two) qh |= (uint64_t)kx__u32(b1 + kx__wqh(ty)) << 32;
        z = _mm512_mask_add_epi8(z, _cvtu64_mask64(qh), z, _mm512_set1_epi8(0x10));
    }
    return z;
}
KX_VNNI KX_INLINE __m512 kx__d2(float d0, float d1) {
    return _mm512_castpd_ps(_mm512_insertf64x4(_mm512_castps_pd(_mm512_set1_ps(d0)), _mm256_castps_pd(_mm256_set1_ps(d1)), 1));
}

/* Blocks b and b+1 (two = 0: b only) of every row and token of the tile. */
KX_VNNI KX_INLINE void kx__q_step_vnni(int ty, int R, int T, const uint8_t *w, size_t w_row, const uint8_t *x,
                                       size_t x_row, int64_t b, int two, __m512 acc[4][4], float macc[4][4]) {
    const size_t wbs = kx__wbs(ty), xbs = kx__hasmin(ty) ? sizeof(BlockQ8_1) : sizeof(BlockQ8_0);
    const size_t xqs = kx__hasmin(ty) ? offsetof(BlockQ8_1, qs) : offsetof(BlockQ8_0, qs);
    const int hm = kx__hasmin(ty), off = ty == T_Q4_0 ? 8 : ty == T_Q5_0 ? 16 : ty == T_Q8_0 ? 128 : 0;
    const __m512i offv = _mm512_set1_epi8((char)off), zero = _mm512_setzero_si512();
    __m512i xv[4], xo[4];
    __m512 dx[4];
    KX_UNROLL for (int t = 0; t < T; t++) {
        const uint8_t *xb = x + (size_t)t * x_row + (size_t)b * xbs;
        __m256i lo = _mm256_loadu_si256((const __m256i *)(xb + xqs));
        if (two) {
            xv[t] = _mm512_inserti64x4(_mm512_castsi256_si512(lo), _mm256_loadu_si256((const __m256i *)(xb + xbs + xqs)), 1);
            dx[t] = kx__d2(kx__h16(xb), kx__h16(xb + xbs));
        } else {
            xv[t] = _mm512_zextsi256_si512(lo);
            dx[t] = kx__d2(kx__h16(xb), 0.0f);
        }
        xo[t] = off ? _mm512_sub_epi32(zero, _mm512_dpbusd_epi32(zero, offv, xv[t])) : zero;
    }
    KX_UNROLL for (int r = 0; r < R; r++) {
        const uint8_t *wb = w + (size_t)r * w_row + (size_t)b * wbs;
        __m512i q = kx__unpack2_vnni(ty, wb, wb + wbs, two);
        __m512 dw = kx__d2(kx__h16(wb), two ? kx__h16(wb + wbs) : 0.0f);
        KX_UNROLL for (int t = 0; t < T; t++) {
            __m512i is = _mm512_dpbusd_epi32(xo[t], q, xv[t]);
            acc[r][t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(is), _mm512_mul_ps(dw, dx[t]), acc[r][t]);
            if (hm) {
                const uint8_t *xb = x + (size_t)t * x_row + (size_t)b * xbs;
                macc[r][t] += kx__h16(wb + 2) * kx__h16(xb + 2);
                if (two) macc[r][t] += kx__h16(wb + wbs + 2) * kx__h16(xb + xbs + 2);
            }
        }
    }
}

KX_VNNI KX_INLINE void kx__q_tile_vnni(int ty, int R, int T, const uint8_t *w, size_t w_row, const uint8_t *x,
                                       size_t x_row, int64_t n, float *out, int64_t os) {
    const int U = R * T == 1 ? 2 : 1;
    __m512 acc[2][4][4];
    float macc[4][4];
    KX_UNROLL for (int u = 0; u < U; u++)
        KX_UNROLL for (int r = 0; r < R; r++)
            KX_UNROLL for (int t = 0; t < T; t++) acc[u][r][t] = _mm512_setzero_ps(), macc[r][t] = 0.0f;
    const int64_t nb = n / QK;
    int64_t b = 0;
    for (; b + 2 * U <= nb; b += 2 * U)
        KX_UNROLL for (int u = 0; u < U; u++) kx__q_step_vnni(ty, R, T, w, w_row, x, x_row, b + 2 * u, 1, acc[u], macc);
    for (; b + 2 <= nb; b += 2) kx__q_step_vnni(ty, R, T, w, w_row, x, x_row, b, 1, acc[0], macc);
    if (b < nb) kx__q_step_vnni(ty, R, T, w, w_row, x, x_row, b, 0, acc[0], macc);
    KX_UNROLL for (int r = 0; r < R; r++)
        KX_UNROLL for (int t = 0; t < T; t++) {
            __m512 a = acc[0][r][t];
            if (U == 2) a = _mm512_add_ps(a, acc[1][r][t]);
            out[(int64_t)t * os + r] = _mm512_reduce_add_ps(a) + macc[r][t];
        }
}

/* Tile only: a 512-bit single-row dot measured slower than the AVX2 one on this CPU
 * (Zen 4 splits 512-bit ops), so VNNI rows keep the AVX2 dot for token generation. */
#define KX_VNNI_Q(name, TY, TR, TT)                                                                          \
    KX_VNNI static void kern_tile_##name##_avx512vnni(const uint8_t *w, size_t w_row, int nr,                \
                                                      const uint8_t *x, size_t x_row, int nt, int64_t n,     \
                                                      float *out, int64_t os) {                              \
        (void)nr, (void)nt;                                                                                  \
        kx__q_tile_vnni(TY, TR, TT, w, w_row, x, x_row, n, out, os);                                         \
    }

KX_VNNI_Q(q4_0, T_Q4_0, 4, 4)
KX_VNNI_Q(q4_1, T_Q4_1, 4, 4)
KX_VNNI_Q(q5_0, T_Q5_0, 4, 4)
KX_VNNI_Q(q5_1, T_Q5_1, 4, 4)
KX_VNNI_Q(q8_0, T_Q8_0, 4, 4)

#endif /* __x86_64__ */

/* ---- SwiGLU: g[i] = silu(g[i]) * u[i], silu(x) = x / (1 + e^-x) ---- */

static void kern_swiglu_ref(float *g, const float *u, int64_t n) {
    for (int64_t i = 0; i < n; i++) g[i] = g[i] / (1.0f + expf(-g[i])) * u[i];
}

#if defined(__x86_64__)
/* e^x for 8 floats to within ~2 ulp: x = k ln2 + r with |r| <= ln2/2 (ln2 in two parts
 * so r is exact), e^r by its Taylor polynomial to degree 7, times 2^k built in the
 * exponent bits. Inputs are clamped to where the result is a normal float. */
__attribute__((target("avx2,fma"))) static inline __m256 kern__exp_avx2(__m256 x) {
    x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-87.0f)), _mm256_set1_ps(88.0f));
    __m256 k = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                               _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(k, _mm256_set1_ps(0.693145751953125f), x);
    r = _mm256_fnmadd_ps(k, _mm256_set1_ps(1.428606765330187e-06f), r);
    __m256 p = _mm256_set1_ps(1.0f / 5040);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 720));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 120));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 24));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 6));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.5f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(k), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
}

__attribute__((target("avx2,fma"))) static void kern_swiglu_avx2(float *g, const float *u, int64_t n) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 x = _mm256_loadu_ps(g + i);
        __m256 e = kern__exp_avx2(_mm256_sub_ps(_mm256_setzero_ps(), x));
        __m256 s = _mm256_div_ps(x, _mm256_add_ps(_mm256_set1_ps(1.0f), e));
        _mm256_storeu_ps(g + i, _mm256_mul_ps(s, _mm256_loadu_ps(u + i)));
    }
    kern_swiglu_ref(g + i, u + i, n - i);
}

#define ATT_AVX2 __attribute__((target("avx2,fma,f16c")))
#define ATT_INL inline __attribute__((always_inline))

static ATT_AVX2 ATT_INL __m256 kern__f16_round8(__m256 x) {      /* to F16 and back */
    return _mm256_cvtph_ps(_mm256_cvtps_ph(x, _MM_FROUND_TO_NEAREST_INT));
}

/* 8 dimensions of F16 as floats, and back (rounded to nearest even). */
static ATT_AVX2 ATT_INL __m256 kern__h8_load(const uint16_t *p) { return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p)); }
static ATT_AVX2 ATT_INL void kern__h8_store(uint16_t *p, __m256 x) {
    _mm_storeu_si128((__m128i *)p, _mm256_cvtps_ph(x, _MM_FROUND_TO_NEAREST_INT));
}

/* W x C dimensions of the values of B positions into the accumulators of NQ heads (F16,
 * head g's at acc + g * hd): per position a new maximum of a head rescales its
 * accumulators by e, any other position weighs its value by e (e and up: ATT_BLK per
 * head). NQ x C accumulators (at most 16), each an F16 round trip per position. One
 * body for 8 (AVX2, PFX _mm256) and 16 (AVX-512, _mm512) dimensions per vector, so
 * both round every dimension alike. */
#define ATT_V_LOOP(W, TGT, VEC, PFX)                                                                            \
static TGT ATT_INL void kern__attn_v##W(uint16_t *acc, int hd, const int NQ, const int C, const uint16_t *v,     \
                                        size_t stride, int B, const uint8_t *up, const uint8_t *any, const float *e) { \
    VEC a[16];                                                                                                  \
    KQ_UNROLL for (int g = 0; g < NQ; g++)                                                                      \
        KQ_UNROLL for (int c = 0; c < C; c++) a[g * C + c] = kern__h##W##_load(acc + g * hd + W * c);           \
    for (int p = 0; p < B; p++, v += stride) {                                                                  \
        if (any[p]) {                                                                                           \
            KQ_UNROLL for (int g = 0; g < NQ; g++) {                                                            \
                VEC w = PFX##_set1_ps(e[g * ATT_BLK + p]);                                                      \
                if (!up[g * ATT_BLK + p]) continue;                                                             \
                KQ_UNROLL for (int c = 0; c < C; c++) a[g * C + c] = kern__f16_round##W(PFX##_mul_ps(a[g * C + c], w)); \
            }                                                                                                   \
        }                                                                                                       \
        KQ_UNROLL for (int c = 0; c < C; c++) {      /* a head whose maximum rose weighs it by 1 */             \
            VEC x = kern__h##W##_load(v + W * c);                                                               \
            KQ_UNROLL for (int g = 0; g < NQ; g++) {                                                            \
                VEC w = PFX##_set1_ps(any[p] && up[g * ATT_BLK + p] ? 1.0f : e[g * ATT_BLK + p]);               \
                a[g * C + c] = kern__f16_round##W(PFX##_fmadd_ps(x, w, a[g * C + c]));                          \
            }                                                                                                   \
        }                                                                                                       \
    }                                                                                                           \
    KQ_UNROLL for (int g = 0; g < NQ; g++)                                                                      \
        KQ_UNROLL for (int c = 0; c < C; c++) kern__h##W##_store(acc + g * hd + W * c, a[g * C + c]);           \
}
ATT_V_LOOP(8, ATT_AVX2, __m256, _mm256)

/* All hd dimensions of the values of a block: ATT_VC(NQ) slices of 8 at a time. */
static ATT_AVX2 ATT_INL void kern__attn_vals_avx2(uint16_t *acc, int hd, const int NQ, const uint16_t *v, size_t stride,
                                                  int B, const uint8_t *up, const uint8_t *any, const float *e) {
    const int nv = hd / 8;
    int i = 0;
    for (; i + ATT_VC(NQ) <= nv; i += ATT_VC(NQ))
        kern__attn_v8(acc + 8 * i, hd, NQ, ATT_VC(NQ), v + 8 * i, stride, B, up, any, e);
    for (; i < nv; i++) kern__attn_v8(acc + 8 * i, hd, NQ, 1, v + 8 * i, stride, B, up, any, e);
}
static ATT_AVX2 void kern__attn_block_avx2(uint16_t *acc, int hd, int nq, const uint16_t *v, size_t stride, int B,
                                           const uint8_t *up, const uint8_t *any, const float *e) {
    ATT_BY_NQ(nq, kern__attn_vals_avx2(acc, hd, NQ, v, stride, B, up, any, e))
}

/* The values with AVX-512: the same steps on 16 dimensions per vector, NQ x C <= 16
 * chains (32 registers). An F16 round trip after a multiply-add is a chain of 14 (ymm)
 * to 17 (zmm) cycles on Zen 4, and the conversions bound the loop: 3.1 cycles per step
 * of 8 dimensions with 8 ymm chains, 3.25 per 16 with 16 zmm chains. One KV head's
 * attention at 2048 positions: tinyllama's 8 heads of 64, 143.3 -> 134.8 us; 4 heads of
 * 128, 135.6 -> 122.4 us. The loop is ATT_V_LOOP's, as for AVX2, so the results are the
 * AVX2 kernel's bits. */
#define ATT_ZMM __attribute__((target("avx512f,avx512vl,avx2,fma,f16c")))
static ATT_ZMM ATT_INL __m512 kern__f16_round16(__m512 x) {
    return _mm512_cvtph_ps(_mm512_cvtps_ph(x, _MM_FROUND_TO_NEAREST_INT));
}
static ATT_ZMM ATT_INL __m512 kern__h16_load(const uint16_t *p) { return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)p)); }
static ATT_ZMM ATT_INL void kern__h16_store(uint16_t *p, __m512 x) {
    _mm256_storeu_si256((__m256i *)p, _mm512_cvtps_ph(x, _MM_FROUND_TO_NEAREST_INT));
}
ATT_V_LOOP(16, ATT_ZMM, __m512, _mm512)
/* C slices of 16 dimensions per pass: NQ x C up to 16 chains, as many as hd has. */
static ATT_ZMM ATT_INL void kern__attn_vals_zmm(uint16_t *acc, int hd, const int NQ, const uint16_t *v, size_t stride,
                                                int B, const uint8_t *up, const uint8_t *any, const float *e) {
    const int nv = hd / 16;
    int i = 0;
    if (NQ <= 2) for (; i + 8 <= nv; i += 8) kern__attn_v16(acc + 16 * i, hd, NQ, 8, v + 16 * i, stride, B, up, any, e);
    if (NQ <= 4) for (; i + 4 <= nv; i += 4) kern__attn_v16(acc + 16 * i, hd, NQ, 4, v + 16 * i, stride, B, up, any, e);
    if (NQ <= 8) for (; i + 2 <= nv; i += 2) kern__attn_v16(acc + 16 * i, hd, NQ, 2, v + 16 * i, stride, B, up, any, e);
    for (; i < nv; i++) kern__attn_v16(acc + 16 * i, hd, NQ, 1, v + 16 * i, stride, B, up, any, e);
}
static ATT_ZMM void kern__attn_block_zmm(uint16_t *acc, int hd, int nq, const uint16_t *v, size_t stride, int B,
                                         const uint8_t *up, const uint8_t *any, const float *e) {
    ATT_BY_NQ(nq, kern__attn_vals_zmm(acc, hd, NQ, v, stride, B, up, any, e))
}

/* e^x in place for kern__attn_steps, 8 at a time (the exponents are <= 0: no clamp
   matters but the one at -87, whose e^x no F16 accumulator keeps anyway). */
static ATT_AVX2 void kern__attn_exp_avx2(float *x, int n) {
    int i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(x + i, kern__exp_avx2(_mm256_loadu_ps(x + i)));
    if (i < n) {
        float t[8] = { 0 };
        memcpy(t, x + i, (size_t)(n - i) * sizeof *x);
        _mm256_storeu_ps(t, kern__exp_avx2(_mm256_loadu_ps(t)));
        memcpy(x + i, t, (size_t)(n - i) * sizeof *x);
    }
}

/* A head's dots with 8 keys (lane j: key j), each summed in float lanes: the keys
   converted in kf (key j's vector i at j * nv + i; several heads), or read from kb. */
static ATT_AVX2 ATT_INL __m256 kern__attn_dot8_avx2(const __m256 *q, int nv, const __m256 *kf, const uint16_t *kb,
                                                    size_t stride) {
    __m256 s[8];
    KQ_UNROLL for (int j = 0; j < 8; j++) s[j] = _mm256_setzero_ps();
    for (int i = 0; i < nv; i++)
        KQ_UNROLL for (int j = 0; j < 8; j++)
            s[j] = _mm256_fmadd_ps(q[i], kf ? kf[j * nv + i] : _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(kb + j * stride + 8 * i))), s[j]);
    __m256 h0 = _mm256_hadd_ps(_mm256_hadd_ps(s[0], s[1]), _mm256_hadd_ps(s[2], s[3]));
    __m256 h1 = _mm256_hadd_ps(_mm256_hadd_ps(s[4], s[5]), _mm256_hadd_ps(s[6], s[7]));
    return _mm256_add_ps(_mm256_permute2f128_ps(h0, h1, 0x20), _mm256_permute2f128_ps(h0, h1, 0x31));
}

/* kern_attn_f16_ref for nq <= ATT_G heads of one KV head, with F16C conversions and
 * 8-wide FMA (head sizes that are multiples of 8), in blocks of positions (see ATT_BLK):
 * eight keys converted once, and each head's dots with them summed in float lanes (not
 * in double). */
typedef void (*AttnBlockFn)(uint16_t *acc, int hd, int nq, const uint16_t *v, size_t stride, int B, const uint8_t *up,
                            const uint8_t *any, const float *e);
static ATT_AVX2 void kern__attn_group_avx2(const float *qs, int nq, const uint16_t *k, const uint16_t *v, size_t stride,
                                           int n, int hd, float scale, float *out, AttnBlockFn block) {
    const int nv = hd / 8;
    __m256 q[ATT_G * ATT_HD / 8], kf[8 * ATT_HD / 8];
    AttnGroup a;
    float *sc = a.sc;
    kern__attn_group_init(&a, nq, hd);
    for (int i = 0; i < nq * nv; i++) q[i] = kern__f16_round8(_mm256_loadu_ps(qs + 8 * i));
    for (int p0 = 0; p0 < n; p0 += ATT_BLK) {
        const int B = n - p0 < ATT_BLK ? n - p0 : ATT_BLK;
        const uint16_t *kb = k + (size_t)p0 * stride;
        int p = 0;
        for (; p + 8 <= B; p += 8) {
            if (nq == 1) {
                _mm256_storeu_ps(sc + p, _mm256_mul_ps(kern__attn_dot8_avx2(q, nv, NULL, kb + (size_t)p * stride, stride),
                                                       _mm256_set1_ps(scale)));
                continue;
            }
            for (int j = 0; j < 8; j++)
                for (int i = 0; i < nv; i++) kf[j * nv + i] = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(kb + (size_t)(p + j) * stride + 8 * i)));
            for (int g = 0; g < nq; g++)
                _mm256_storeu_ps(sc + g * ATT_BLK + p, _mm256_mul_ps(kern__attn_dot8_avx2(q + g * nv, nv, kf, NULL, 0),
                                                                     _mm256_set1_ps(scale)));
        }
        for (; p < B; p++)
            for (int g = 0; g < nq; g++) {
                __m256 s = _mm256_setzero_ps();
                for (int i = 0; i < nv; i++)
                    s = _mm256_fmadd_ps(q[g * nv + i], _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(kb + (size_t)p * stride + 8 * i))), s);
                __m128 h = _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
                h = _mm_add_ps(h, _mm_movehl_ps(h, h));
                sc[g * ATT_BLK + p] = _mm_cvtss_f32(_mm_add_ss(h, _mm_movehdup_ps(h))) * scale;
            }
        kern__attn_group_steps(&a, B, kern__attn_exp_avx2);
        const uint16_t *vb = v + (size_t)p0 * stride;
        block(a.acc, hd, nq, vb, stride, B, a.up, a.any, sc);
    }
    for (int g = 0; g < nq; g++) {
        __m256 inv = _mm256_set1_ps(kern__attn_group_inv(&a, g));
        for (int i = 0; i < nv; i++)
            _mm256_storeu_ps(out + (size_t)g * hd + 8 * i,
                             _mm256_mul_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(a.acc + g * hd + 8 * i))), inv));
    }
}

/* kern_attn_heads_ref's work, ATT_G heads at a time. */
static ATT_AVX2 void kern_attn_f16_avx2(const float *q, int nq, const uint16_t *k, const uint16_t *v, size_t stride,
                                        int n, int hd, float scale, float *out) {
    if (hd % 8 || hd > ATT_HD) { kern_attn_heads_ref(q, nq, k, v, stride, n, hd, scale, out); return; }
    for (int g = 0; g < nq; g += ATT_G)
        kern__attn_group_avx2(q + (size_t)g * hd, nq - g < ATT_G ? nq - g : ATT_G, k, v, stride, n, hd, scale,
                              out + (size_t)g * hd, kern__attn_block_avx2);
}

/* The same with the values in AVX-512 (head sizes that are multiples of 16) for groups
   of 2 or more heads that make at least 8 chains of 16. One head runs faster on AVX2
   (at 2048 positions, hd 64: 18.3 us AVX2, 19.8 AVX-512; hd 128: 34.3, 35.1; hd 256:
   69.4, 75.5), two do not (hd 128: 77.3 AVX2, 68.7 AVX-512). */
static ATT_ZMM void kern_attn_f16_zmm(const float *q, int nq, const uint16_t *k, const uint16_t *v, size_t stride,
                                      int n, int hd, float scale, float *out) {
    if (hd % 16 || hd > ATT_HD) { kern_attn_f16_avx2(q, nq, k, v, stride, n, hd, scale, out); return; }
    for (int g = 0; g < nq; g += ATT_G) {
        int ng = nq - g < ATT_G ? nq - g : ATT_G;
        kern__attn_group_avx2(q + (size_t)g * hd, ng, k, v, stride, n, hd, scale, out + (size_t)g * hd,
                              ng >= 2 && ng * (hd / 16) >= 8 ? kern__attn_block_zmm : kern__attn_block_avx2);
    }
}
#endif

/* ---- ARM NEON kernels (issue 5): aarch64 NEON, aarch64 NEON + dotprod, armv7 NEON ----
 *
 * One body per kernel, written once for the three variants: an always_inline function
 * that takes the int8 multiply-accumulate primitive as a (constant) function pointer,
 * arm__mdot (vmull_s8 + vpadalq_s16: baseline NEON, also armv7) or arm__sdot (vdotq_s32,
 * aarch64 with dotprod); the thin kern_*_neon / kern_*_neondot wrappers instantiate it,
 * and GCC inlines the primitive (checked in the disassembly: no calls in the loops).
 * armv7 (armhf: ARMv7-A, VFPv3-D16 by default) compiles this whole part with
 * `#pragma GCC target("fpu=neon")` (GCC 12 accepts it); kern__detect only picks these
 * functions when AT_HWCAP has HWCAP_NEON. The rest of llm.c stays plain VFP code.
 *
 * Numerics: within a block the integers are summed exactly, as the reference does, and
 * the block is scaled once in float. Q8_0/Q4_0/Q4_1/Q5_0/Q5_1 keep the scaled block
 * sums in float vector lanes (sum order differs from the reference); the K-quants sum
 * the whole super-block in int32 and then do exactly the reference's float operations
 * in the reference's order, so their results equal the reference bit for bit.
 * F32/F16: products summed in float vector lanes per chunk of 256, chunks in double.
 * The activation conversions (kern_quant_q8_0/q8_1/q8_k_neon) give the same bytes as
 * kern_quant_q8_0_act / kern_quant_q8_1_act / kern_quant_q8_k_ref: 127/amax (-127/max for
 * Q8_K) computed in scalar, products rounded to nearest even (vcvtnq_s32_f32 on aarch64;
 * adding 1.5*2^23 on armv7, exact for |v| < 2^22). armv7 NEON flushes denormals, so a
 * block with amax < 1e-30 is converted by the scalar reference there (such a block's
 * denormal inputs could otherwise round differently).
 *
 * Needs <sys/auxv.h> for HWCAP_* (musl's also defines HWCAP_ASIMDDP and HWCAP_NEON, so
 * <asm/hwcap.h>, which musl's cross sysroots lack, must not be included). */

#if defined(__aarch64__) || (defined(__arm__) && defined(__ARM_ARCH) && __ARM_ARCH >= 7)
#define LLM_SIMD_ARM 1
#include <arm_neon.h>

#if defined(__arm__)
#pragma GCC push_options
#pragma GCC target("fpu=neon")
#endif

#define ARM_AI static inline __attribute__((always_inline))

typedef int32x4_t (*arm__dotfn)(int32x4_t acc, int8x16_t a, int8x16_t b);

/* acc + the sums of 4 consecutive products a[i]*b[i], per lane (vdotq_s32's grouping
   does not matter here: every caller only uses the sum of the lanes). */
ARM_AI int32x4_t arm__mdot(int32x4_t acc, int8x16_t a, int8x16_t b) {
    acc = vpadalq_s16(acc, vmull_s8(vget_low_s8(a), vget_low_s8(b)));
    return vpadalq_s16(acc, vmull_s8(vget_high_s8(a), vget_high_s8(b)));
}

/* The 32 products of codes a, b with the token's x0, x1 as 8 int16 lanes, each the sum
   of 4 products: exact for codes of at most 5 bits (|.| <= 4 * 31 * 128 < 2^15). For
   CPUs without sdot, where it replaces arm__mdot's vmull + vpadal per 8 bytes. */
ARM_AI int16x8_t arm__sum32_s16(int8x16_t a, int8x16_t b, int8x16_t x0, int8x16_t x1) {
    int16x8_t s = vmull_s8(vget_low_s8(a), vget_low_s8(x0));
    s = vmlal_s8(s, vget_high_s8(a), vget_high_s8(x0));
    s = vmlal_s8(s, vget_low_s8(b), vget_low_s8(x1));
    return vmlal_s8(s, vget_high_s8(b), vget_high_s8(x1));
}

/* The 32 products of codes lo, hi with the token's xl, xh, summed per lane. Without
   sdot (dot == arm__mdot, known once inlined) and for codes of at most 5 bits (small:
   all but Q8_0): arm__sum32_s16 and one widening pairwise add, 5 instructions where two
   arm__mdot take 8. */
ARM_AI int32x4_t arm__dot32(arm__dotfn dot, int small, int8x16_t lo, int8x16_t hi, int8x16_t xl, int8x16_t xh) {
    if (dot != arm__mdot || !small) return dot(dot(vdupq_n_s32(0), lo, xl), hi, xh);
    return vpaddlq_s16(arm__sum32_s16(lo, hi, xl, xh));
}

ARM_AI int32_t arm__hadd_s32(int32x4_t v) {
#if defined(__aarch64__)
    return vaddvq_s32(v);
#else
    int32x2_t s = vadd_s32(vget_low_s32(v), vget_high_s32(v));
    return vget_lane_s32(vpadd_s32(s, s), 0);
#endif
}
ARM_AI float arm__hadd_f32(float32x4_t v) {
#if defined(__aarch64__)
    return vaddvq_f32(v);
#else
    float32x2_t s = vadd_f32(vget_low_f32(v), vget_high_f32(v));
    return vget_lane_f32(vpadd_f32(s, s), 0);
#endif
}
ARM_AI float arm__hmax_f32(float32x4_t v) {
#if defined(__aarch64__)
    return vmaxvq_f32(v);
#else
    float32x2_t s = vpmax_f32(vget_low_f32(v), vget_high_f32(v));
    return vget_lane_f32(vpmax_f32(s, s), 0);
#endif
}
/* Round to nearest, ties to even (|v| < 2^22 on armv7). */
ARM_AI int32x4_t arm__rne_s32(float32x4_t v) {
#if defined(__aarch64__)
    return vcvtnq_s32_f32(v);
#else
    const float32x4_t magic = vdupq_n_f32(12582912.0f);
    return vcvtq_s32_f32(vsubq_f32(vaddq_f32(v, magic), magic));
#endif
}
ARM_AI float arm__h2f(uint16_t h) {
#if defined(__aarch64__)
    __fp16 v;
    memcpy(&v, &h, 2);
    return (float)v;      /* fcvt: exact for every half */
#else
    return f16_to_f32(h);
#endif
}
/* Four halves to floats, the bits of f16_to_f32. armv7 NEON without VFPv4 has no half
   conversions, and the scalar one per block was about 40% of the instructions of the Q4_0
   gemv there: the exponent rebiased in integer lanes (inf and NaN to 255), subnormals
   as m * 2^-24 (normal in float, so NEON's flush to zero does not touch them). */
ARM_AI float32x4_t arm__h2f4q(uint16x4_t h) {
#if defined(__aarch64__)
    return vcvt_f32_f16(vreinterpret_f16_u16(h));
#else
    const uint32x4_t u = vmovl_u16(h), em = vandq_u32(u, vdupq_n_u32(0x7fff)), bias = vdupq_n_u32(112u << 23);
    uint32x4_t bits = vaddq_u32(vshlq_n_u32(em, 13), bias);
    bits = vaddq_u32(bits, vandq_u32(vcgeq_u32(em, vdupq_n_u32(0x7c00)), bias));
    const float32x4_t sub = vmulq_n_f32(vcvtq_f32_u32(em), 1.0f / 16777216.0f);
    bits = vbslq_u32(vcltq_u32(em, vdupq_n_u32(0x0400)), vreinterpretq_u32_f32(sub), bits);
    return vreinterpretq_f32_u32(vorrq_u32(bits, vshlq_n_u32(vandq_u32(u, vdupq_n_u32(0x8000)), 16)));
#endif
}
/* Halves at p, p + stride, p + 2 stride, p + 3 stride (bytes, 2-aligned) as floats:
   loaded into the lanes of one vector, converted together. */
ARM_AI float32x4_t arm__h2f4_at(const uint8_t *p, size_t stride) {
    uint16x4_t h = vld1_dup_u16((const uint16_t *)p);
    h = vld1_lane_u16((const uint16_t *)(p + stride), h, 1);
    h = vld1_lane_u16((const uint16_t *)(p + 2 * stride), h, 2);
    h = vld1_lane_u16((const uint16_t *)(p + 3 * stride), h, 3);
    return arm__h2f4q(h);
}

/* 16 bytes: 0x10 where bit i of the 16-bit value `bits` is set (byte i), else 0. */
ARM_AI uint8x16_t arm__bits_to_0x10(uint32_t bits) {
    static const uint8_t sel[16] = { 1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128 };
    uint8x16_t b = vcombine_u8(vdup_n_u8((uint8_t)bits), vdup_n_u8((uint8_t)(bits >> 8)));
    return vandq_u8(vtstq_u8(b, vld1q_u8(sel)), vdupq_n_u8(0x10));
}

/* ---- bodies: Q8_0 / Q4_0 / Q4_1 / Q5_0 / Q5_1 (32-element blocks) ---- */

ARM_AI float arm__dot_q8_0(const void *vw, const void *vx, int64_t n, arm__dotfn dot) {
    const BlockQ8_0 *w = vw;
    const BlockQ8_0 *x = vx;
    const int64_t nb = n / QK;
    float32x4_t acc0 = vdupq_n_f32(0.0f), acc1 = vdupq_n_f32(0.0f);
    int64_t b = 0;
    for (; b + 1 < nb; b += 2) {
        int32x4_t p0 = dot(vdupq_n_s32(0), vld1q_s8(w[b].qs), vld1q_s8(x[b].qs));
        int32x4_t p1 = dot(vdupq_n_s32(0), vld1q_s8(w[b + 1].qs), vld1q_s8(x[b + 1].qs));
        p0 = dot(p0, vld1q_s8(w[b].qs + 16), vld1q_s8(x[b].qs + 16));
        p1 = dot(p1, vld1q_s8(w[b + 1].qs + 16), vld1q_s8(x[b + 1].qs + 16));
        acc0 = vmlaq_n_f32(acc0, vcvtq_f32_s32(p0), arm__h2f(w[b].d) * arm__h2f(x[b].d));
        acc1 = vmlaq_n_f32(acc1, vcvtq_f32_s32(p1), arm__h2f(w[b + 1].d) * arm__h2f(x[b + 1].d));
    }
    if (b < nb) {
        int32x4_t p0 = dot(vdupq_n_s32(0), vld1q_s8(w[b].qs), vld1q_s8(x[b].qs));
        p0 = dot(p0, vld1q_s8(w[b].qs + 16), vld1q_s8(x[b].qs + 16));
        acc0 = vmlaq_n_f32(acc0, vcvtq_f32_s32(p0), arm__h2f(w[b].d) * arm__h2f(x[b].d));
    }
    return arm__hadd_f32(vaddq_f32(acc0, acc1));
}

/* Q4_0: element j (j < 16) is the low nibble of qs[j], element j + 16 its high nibble. */
ARM_AI int32x4_t arm__q4_0_block(const BlockQ4_0 *w, const BlockQ8_0 *x, arm__dotfn dot) {
    const uint8x16_t m4 = vdupq_n_u8(0x0f);
    const int8x16_t s8 = vdupq_n_s8(8);
    uint8x16_t v = vld1q_u8(w->qs);
    int8x16_t lo = vsubq_s8(vreinterpretq_s8_u8(vandq_u8(v, m4)), s8);
    int8x16_t hi = vsubq_s8(vreinterpretq_s8_u8(vshrq_n_u8(v, 4)), s8);
    return arm__dot32(dot, 1, lo, hi, vld1q_s8(x->qs), vld1q_s8(x->qs + 16));
}
ARM_AI float arm__dot_q4_0(const void *vw, const void *vx, int64_t n, arm__dotfn dot) {
    const BlockQ4_0 *w = vw;
    const BlockQ8_0 *x = vx;
    const int64_t nb = n / QK;
    float32x4_t acc0 = vdupq_n_f32(0.0f), acc1 = vdupq_n_f32(0.0f);
    int64_t b = 0;
    for (; b + 1 < nb; b += 2) {
        int32x4_t p0 = arm__q4_0_block(&w[b], &x[b], dot);
        int32x4_t p1 = arm__q4_0_block(&w[b + 1], &x[b + 1], dot);
        acc0 = vmlaq_n_f32(acc0, vcvtq_f32_s32(p0), arm__h2f(w[b].d) * arm__h2f(x[b].d));
        acc1 = vmlaq_n_f32(acc1, vcvtq_f32_s32(p1), arm__h2f(w[b + 1].d) * arm__h2f(x[b + 1].d));
    }
    if (b < nb)
        acc0 = vmlaq_n_f32(acc0, vcvtq_f32_s32(arm__q4_0_block(&w[b], &x[b], dot)),
                           arm__h2f(w[b].d) * arm__h2f(x[b].d));
    return arm__hadd_f32(vaddq_f32(acc0, acc1));
}

/* Q4_1 . Q8_1: d_w d_x sum(q_w q_x) + m_w s_x. */
ARM_AI float arm__dot_q4_1(const void *vw, const void *vx, int64_t n, arm__dotfn dot) {
    const BlockQ4_1 *w = vw;
    const BlockQ8_1 *x = vx;
    const int64_t nb = n / QK;
    const uint8x16_t m4 = vdupq_n_u8(0x0f);
    float32x4_t acc = vdupq_n_f32(0.0f);
    float summs = 0.0f;
    for (int64_t b = 0; b < nb; b++) {
        uint8x16_t v = vld1q_u8(w[b].qs);
        int8x16_t lo = vreinterpretq_s8_u8(vandq_u8(v, m4));
        int8x16_t hi = vreinterpretq_s8_u8(vshrq_n_u8(v, 4));
        int32x4_t p = arm__dot32(dot, 1, lo, hi, vld1q_s8(x[b].qs), vld1q_s8(x[b].qs + 16));
        acc = vmlaq_n_f32(acc, vcvtq_f32_s32(p), arm__h2f(w[b].d) * arm__h2f(x[b].d));
        summs += arm__h2f(w[b].m) * arm__h2f(x[b].s);
    }
    return arm__hadd_f32(acc) + summs;
}

/* Q5_0: the 5th bit of element j is bit j of qh (little-endian); value q - 16. */
ARM_AI float arm__dot_q5_0(const void *vw, const void *vx, int64_t n, arm__dotfn dot) {
    const BlockQ5_0 *w = vw;
    const BlockQ8_0 *x = vx;
    const int64_t nb = n / QK;
    const uint8x16_t m4 = vdupq_n_u8(0x0f);
    const int8x16_t s16 = vdupq_n_s8(16);
    float32x4_t acc = vdupq_n_f32(0.0f);
    for (int64_t b = 0; b < nb; b++) {
        uint32_t qh = kern__qh32(w[b].qh);
        uint8x16_t v = vld1q_u8(w[b].qs);
        int8x16_t lo = vsubq_s8(vreinterpretq_s8_u8(vorrq_u8(vandq_u8(v, m4), arm__bits_to_0x10(qh))), s16);
        int8x16_t hi = vsubq_s8(vreinterpretq_s8_u8(vorrq_u8(vshrq_n_u8(v, 4), arm__bits_to_0x10(qh >> 16))), s16);
        int32x4_t p = arm__dot32(dot, 1, lo, hi, vld1q_s8(x[b].qs), vld1q_s8(x[b].qs + 16));
        acc = vmlaq_n_f32(acc, vcvtq_f32_s32(p), arm__h2f(w[b].d) * arm__h2f(x[b].d));
    }
    return arm__hadd_f32(acc);
}

ARM_AI float arm__dot_q5_1(const void *vw, const void *vx, int64_t n, arm__dotfn dot) {
    const BlockQ5_1 *w = vw;
    const BlockQ8_1 *x = vx;
    const int64_t nb = n / QK;
    const uint8x16_t m4 = vdupq_n_u8(0x0f);
    float32x4_t acc = vdupq_n_f32(0.0f);
    float summs = 0.0f;
    for (int64_t b = 0; b < nb; b++) {
        uint32_t qh = kern__qh32(w[b].qh);
        uint8x16_t v = vld1q_u8(w[b].qs);
        int8x16_t lo = vreinterpretq_s8_u8(vorrq_u8(vandq_u8(v, m4), arm__bits_to_0x10(qh)));
        int8x16_t hi = vreinterpretq_s8_u8(vorrq_u8(vshrq_n_u8(v, 4), arm__bits_to_0x10(qh >> 16)));
        int32x4_t p = arm__dot32(dot, 1, lo, hi, vld1q_s8(x[b].qs), vld1q_s8(x[b].qs + 16));
        acc = vmlaq_n_f32(acc, vcvtq_f32_s32(p), arm__h2f(w[b].d) * arm__h2f(x[b].d));
        summs += arm__h2f(w[b].m) * arm__h2f(x[b].s);
    }
    return arm__hadd_f32(acc) + summs;
}

/* ---- tiles for prompt processing, and the K-quant dots: rows x ARM_TT tokens ----
 * A batch of tokens multiplies every weight row by ARM_TT tokens at a time: the row's
 * blocks are unpacked once for all of them instead of once per token, and the tokens'
 * sums are reduced together, one token per lane, into one float step per block (the
 * 32-element types take ARM_TR rows at once, sharing the tokens' loads; a K-quant
 * super-block's codes fill the registers with one row). The
 * K-quants keep exact integers and the reference's float operations lane by lane, so
 * they stay bit-identical to it; their dots are these tiles with one token. */
enum { ARM_TT = 4 };
#define ARM_UNROLL _Pragma("GCC unroll 8")   /* the token and vector loops: registers, not arrays */

/* [sum of a's lanes, b's, c's, d's] */
ARM_AI int32x4_t arm__hadd4(int32x4_t a, int32x4_t b, int32x4_t c, int32x4_t d) {
#if defined(__aarch64__)
    return vpaddq_s32(vpaddq_s32(a, b), vpaddq_s32(c, d));
#else
    int32x2_t ab = vpadd_s32(vadd_s32(vget_low_s32(a), vget_high_s32(a)), vadd_s32(vget_low_s32(b), vget_high_s32(b)));
    int32x2_t cd = vpadd_s32(vadd_s32(vget_low_s32(c), vget_high_s32(c)), vadd_s32(vget_low_s32(d), vget_high_s32(d)));
    return vcombine_s32(ab, cd);
#endif
}

/* Lanes [0, nt) of acc to out[t * os]. */
ARM_AI void arm__tile_store(float32x4_t acc, float *out, int64_t os, int nt) {
    float o[ARM_TT];
    vst1q_f32(o, acc);
    ARM_UNROLL for (int t = 0; t < nt; t++) out[t * os] = o[t];
}

/* Block b of a row of a 32-element type as signed codes lo (elements 0..15), hi (16..31),
   its scale and, for Q4_1/Q5_1, its min. */
ARM_AI void arm__unpack_32(const uint8_t *w, int64_t b, int type, int8x16_t *lo, int8x16_t *hi, uint16_t *dw, uint16_t *mw) {
    const uint8x16_t m4 = vdupq_n_u8(0x0f);
    uint8x16_t v;
    uint32_t qh = 0;
    switch (type) {
    case T_Q8_0: {
        const BlockQ8_0 *wb = (const BlockQ8_0 *)w + b;
        *lo = vld1q_s8(wb->qs), *hi = vld1q_s8(wb->qs + 16), *dw = wb->d;
        return;
    }
    case T_Q4_0: v = vld1q_u8(((const BlockQ4_0 *)w)[b].qs), *dw = ((const BlockQ4_0 *)w)[b].d; break;
    case T_Q4_1: {
        const BlockQ4_1 *wb = (const BlockQ4_1 *)w + b;
        v = vld1q_u8(wb->qs), *dw = wb->d, *mw = wb->m;
        break;
    }
    case T_Q5_0: {
        const BlockQ5_0 *wb = (const BlockQ5_0 *)w + b;
        v = vld1q_u8(wb->qs), *dw = wb->d, qh = kern__qh32(wb->qh);
        break;
    }
    default: {
        const BlockQ5_1 *wb = (const BlockQ5_1 *)w + b;
        v = vld1q_u8(wb->qs), *dw = wb->d, *mw = wb->m, qh = kern__qh32(wb->qh);
        break;
    }
    }
    uint8x16_t l = vandq_u8(v, m4), h = vshrq_n_u8(v, 4);
    if (type == T_Q5_0 || type == T_Q5_1) l = vorrq_u8(l, arm__bits_to_0x10(qh)), h = vorrq_u8(h, arm__bits_to_0x10(qh >> 16));
    const int8x16_t off = vdupq_n_s8((int8_t)(type == T_Q4_0 ? 8 : type == T_Q5_0 ? 16 : 0));
    *lo = vsubq_s8(vreinterpretq_s8_u8(l), off);
    *hi = vsubq_s8(vreinterpretq_s8_u8(h), off);
}

/* ARM_TR rows of the 32-element types (`type`: Q8_0, Q4_0, Q5_0 against Q8_0 tokens;
   Q4_1, Q5_1 against Q8_1 tokens, which add m_w s_x per block) by ARM_TT tokens: the
   tokens' codes and scales are loaded once per block for all the rows. */
#if defined(__aarch64__)
enum { ARM_TR = 4 };
#else
enum { ARM_TR = 2 };      /* 16 vector registers */
#endif
ARM_AI void arm__tile_32(const uint8_t *w, size_t w_row, const uint8_t *x, size_t x_row, int64_t n, float *out,
                         int64_t os, arm__dotfn dot, int type) {
    const int64_t nb = n / QK;
    const int q81 = type == T_Q4_1 || type == T_Q5_1;
    float32x4_t acc[ARM_TR], macc[ARM_TR];
    ARM_UNROLL for (int r = 0; r < ARM_TR; r++) acc[r] = macc[r] = vdupq_n_f32(0.0f);
    for (int64_t b = 0; b < nb; b++) {
        int8x16_t xl[ARM_TT], xh[ARM_TT];
        float dx[ARM_TT], sx[ARM_TT];
        ARM_UNROLL for (int t = 0; t < ARM_TT; t++) {
            const int8_t *qs;
            if (q81) {
                const BlockQ8_1 *xb = (const BlockQ8_1 *)(x + t * x_row) + b;
                qs = xb->qs, dx[t] = arm__h2f(xb->d), sx[t] = arm__h2f(xb->s);
            } else {
                const BlockQ8_0 *xb = (const BlockQ8_0 *)(x + t * x_row) + b;
                qs = xb->qs, dx[t] = arm__h2f(xb->d);
            }
            xl[t] = vld1q_s8(qs), xh[t] = vld1q_s8(qs + 16);
        }
        const float32x4_t dx4 = vld1q_f32(dx);
        ARM_UNROLL for (int r = 0; r < ARM_TR; r++) {
            int8x16_t lo, hi;
            uint16_t dw, mw = 0;
            arm__unpack_32(w + r * w_row, b, type, &lo, &hi, &dw, &mw);
            int32x4_t p[ARM_TT];
            ARM_UNROLL for (int t = 0; t < ARM_TT; t++) p[t] = arm__dot32(dot, type != T_Q8_0, lo, hi, xl[t], xh[t]);
            float32x4_t sum = vcvtq_f32_s32(arm__hadd4(p[0], p[1], p[2], p[3]));
            acc[r] = vaddq_f32(acc[r], vmulq_f32(sum, vmulq_n_f32(dx4, arm__h2f(dw))));
            if (q81) macc[r] = vaddq_f32(macc[r], vmulq_n_f32(vld1q_f32(sx), arm__h2f(mw)));
        }
    }
    ARM_UNROLL for (int r = 0; r < ARM_TR; r++) arm__tile_store(vaddq_f32(acc[r], macc[r]), out + r, os, ARM_TT);
}

/* Generation: ARM_GR rows of a 32-element type against one token. The token's block is
   loaded once for all the rows, and the rows' integer sums are reduced together, one
   lane each, so the float steps are done once per block for the rows. */
enum { ARM_GR = 4 };
ARM_AI void arm__gemv_32(const uint8_t *w, size_t w_row, const uint8_t *x, int64_t n, float *out, arm__dotfn dot,
                         int type) {
    const int64_t nb = n / QK;
    const int q81 = type == T_Q4_1 || type == T_Q5_1;
    float32x4_t acc = vdupq_n_f32(0.0f), macc = acc;
    for (int64_t b = 0; b < nb; b++) {
        const int8_t *qs;
        float dx, sx = 0.0f;
        if (q81) {
            const BlockQ8_1 *xb = (const BlockQ8_1 *)x + b;
            qs = xb->qs, dx = arm__h2f(xb->d), sx = arm__h2f(xb->s);
        } else {
            const BlockQ8_0 *xb = (const BlockQ8_0 *)x + b;
            qs = xb->qs, dx = arm__h2f(xb->d);
        }
        const int8x16_t xl = vld1q_s8(qs), xh = vld1q_s8(qs + 16);
        int32x4_t p[ARM_GR];
        uint16_t dw[ARM_GR], mw[ARM_GR] = { 0 };
        ARM_UNROLL for (int r = 0; r < ARM_GR; r++) {
            int8x16_t lo, hi;
            arm__unpack_32(w + r * w_row, b, type, &lo, &hi, &dw[r], &mw[r]);
            p[r] = arm__dot32(dot, type != T_Q8_0, lo, hi, xl, xh);
        }
        float32x4_t sum = vcvtq_f32_s32(arm__hadd4(p[0], p[1], p[2], p[3]));
        acc = vaddq_f32(acc, vmulq_f32(sum, vmulq_n_f32(arm__h2f4q(vld1_u16(dw)), dx)));
        if (q81) macc = vaddq_f32(macc, vmulq_n_f32(arm__h2f4q(vld1_u16(mw)), sx));
    }
    vst1q_f32(out, vaddq_f32(acc, macc));
}

/* Block b of the first nt tokens of a K-quant tile (x_row bytes apart) and their scales;
   the scales of lanes nt.. stay 0. */
ARM_AI float32x4_t arm__k_tokens(const uint8_t *x, size_t x_row, int64_t b, int nt, const BlockQ8_K **xb) {
    float xd[ARM_TT] = { 0 };
    ARM_UNROLL for (int t = 0; t < nt; t++) xb[t] = (const BlockQ8_K *)(x + t * x_row) + b, xd[t] = xb[t]->d;
    return vld1q_f32(xd);
}

/* ---- Q4_K / Q5_K steps shared by the tile and the gemv ---- */

/* bsums summed in pairs: the sums of the token's 8 sub-blocks of 32 */
ARM_AI int16x8_t arm__bsum32(const int16_t *bsums) {
    int16x8_t b0 = vld1q_s16(bsums), b1 = vld1q_s16(bsums + 8);
#if defined(__aarch64__)
    return vpaddq_s16(b0, b1);
#else
    return vcombine_s16(vpadd_s16(vget_low_s16(b0), vget_high_s16(b0)), vpadd_s16(vget_low_s16(b1), vget_high_s16(b1)));
#endif
}
/* msum terms: the mins (bytes 8..15 of kern__k4_unpack's words) times the sub-block sums */
ARM_AI int32x4_t arm__k4_mins(const uint32_t u[4], int16x8_t bs32) {
    const int16x8_t m8 = vreinterpretq_s16_u16(vmovl_u8(vld1_u8((const uint8_t *)u + 8)));
    return vmlal_s16(vmull_s16(vget_low_s16(bs32), vget_low_s16(m8)), vget_high_s16(bs32), vget_high_s16(m8));
}
/* Codes of sub-blocks 2p (c[0], c[1]: 16 bytes each) and 2p + 1 (c[2], c[3]) from the 32
   code bytes at qs; Q5_K (five): bits 2p, 2p + 1 of qh inserted above the nibbles (vsli
   keeps the low 4 bits), h0, h1 (the qh bytes) shifted on for the next pair. */
ARM_AI void arm__k45_codes(const uint8_t *qs, int five, uint8x16_t *h0, uint8x16_t *h1, int8x16_t c[4]) {
    const uint8x16_t v0 = vld1q_u8(qs), v1 = vld1q_u8(qs + 16), one = vdupq_n_u8(1);
    uint8x16_t l0, l1, g0 = vshrq_n_u8(v0, 4), g1 = vshrq_n_u8(v1, 4);
    if (five) {
        l0 = vsliq_n_u8(v0, vandq_u8(*h0, one), 4), l1 = vsliq_n_u8(v1, vandq_u8(*h1, one), 4);
        g0 = vsliq_n_u8(g0, vandq_u8(vshrq_n_u8(*h0, 1), one), 4);
        g1 = vsliq_n_u8(g1, vandq_u8(vshrq_n_u8(*h1, 1), one), 4);
        *h0 = vshrq_n_u8(*h0, 2), *h1 = vshrq_n_u8(*h1, 2);
    } else {
        l0 = vandq_u8(v0, vdupq_n_u8(0x0f)), l1 = vandq_u8(v1, vdupq_n_u8(0x0f));
    }
    c[0] = vreinterpretq_s8_u8(l0), c[1] = vreinterpretq_s8_u8(l1);
    c[2] = vreinterpretq_s8_u8(g0), c[3] = vreinterpretq_s8_u8(g1);
}
/* acc + sl * (c[0], c[1] . the token's 32 bytes at q8) + sh * (c[2], c[3] . the next 32).
   Without sdot the int16 sums of arm__sum32_s16 are widened and scaled in one vmlal_n
   per half: 6 instructions per 32 products where arm__mdot takes 8 and the scale one. */
ARM_AI int32x4_t arm__k45_dot(arm__dotfn dot, int32x4_t acc, const int8x16_t c[4], const int8_t *q8, int sl, int sh) {
    const int8x16_t x0 = vld1q_s8(q8), x1 = vld1q_s8(q8 + 16), x2 = vld1q_s8(q8 + 32), x3 = vld1q_s8(q8 + 48);
    if (dot == arm__mdot) {
        int16x8_t a = arm__sum32_s16(c[0], c[1], x0, x1), b = arm__sum32_s16(c[2], c[3], x2, x3);
        acc = vmlal_n_s16(vmlal_n_s16(acc, vget_low_s16(a), (int16_t)sl), vget_high_s16(a), (int16_t)sl);
        return vmlal_n_s16(vmlal_n_s16(acc, vget_low_s16(b), (int16_t)sh), vget_high_s16(b), (int16_t)sh);
    }
    int32x4_t pl = dot(dot(vdupq_n_s32(0), c[0], x0), c[1], x1), ph = dot(dot(vdupq_n_s32(0), c[2], x2), c[3], x3);
    return vmlaq_n_s32(vmlaq_n_s32(acc, pl, sl), ph, sh);
}
/* sc[j] from kern__k4_unpack's words */
ARM_AI int arm__k4_sc(const uint32_t u[4], int j) { return (int)((u[j >> 2] >> (8 * (j & 3))) & 0xff); }

/* Q4_K / Q5_K rows against Q8_K tokens: 8 sub-blocks of 32; isum = sum sc_j * dot_j,
   msum = sum m_j * (bsum pair j); the reference's d isum - dmin msum per lane. */
ARM_AI void arm__tile_q45_k(const uint8_t *vw, const uint8_t *x, size_t x_row, int64_t n, float *out, int64_t os,
                            arm__dotfn dot, int five, int nt) {
    const int64_t nb = n / QK_K;
    float32x4_t sum = vdupq_n_f32(0.0f);
    for (int64_t b = 0; b < nb; b++) {
        const uint8_t *scales, *qs, *qh = NULL;
        uint16_t d16, dmin16;
        if (five) {
            const BlockQ5_K *w = (const BlockQ5_K *)vw + b;
            scales = w->scales, qs = w->qs, qh = w->qh, d16 = w->d, dmin16 = w->dmin;
        } else {
            const BlockQ4_K *w = (const BlockQ4_K *)vw + b;
            scales = w->scales, qs = w->qs, d16 = w->d, dmin16 = w->dmin;
        }
        const BlockQ8_K *xb[ARM_TT];
        const float32x4_t x4 = arm__k_tokens(x, x_row, b, nt, xb);
        uint32_t u[4];
        kern__k4_unpack(scales, u);                             /* sc0..7, m0..7 */
        int32x4_t mm[ARM_TT] = { 0 }, acc[ARM_TT] = { 0 };
        ARM_UNROLL for (int t = 0; t < nt; t++) mm[t] = arm__k4_mins(u, arm__bsum32(xb[t]->bsums));
        uint8x16_t h0 = vdupq_n_u8(0), h1 = vdupq_n_u8(0);
        if (five) h0 = vld1q_u8(qh), h1 = vld1q_u8(qh + 16);
        ARM_UNROLL for (int p = 0; p < 4; p++) {
            int8x16_t c[4];
            arm__k45_codes(qs + 32 * p, five, &h0, &h1, c);
            ARM_UNROLL for (int t = 0; t < nt; t++)
                acc[t] = arm__k45_dot(dot, acc[t], c, xb[t]->qs + 64 * p, arm__k4_sc(u, 2 * p), arm__k4_sc(u, 2 * p + 1));
        }
        float32x4_t isum = vcvtq_f32_s32(arm__hadd4(acc[0], acc[1], acc[2], acc[3]));
        float32x4_t msum = vcvtq_f32_s32(arm__hadd4(mm[0], mm[1], mm[2], mm[3]));
        float32x4_t d = vmulq_n_f32(x4, arm__h2f(d16)), dmin = vmulq_n_f32(x4, arm__h2f(dmin16));
        sum = vaddq_f32(sum, vsubq_f32(vmulq_f32(d, isum), vmulq_f32(dmin, msum)));
    }
    arm__tile_store(sum, out, os, nt);
}

/* Generation of Q4_K / Q5_K: ARM_GR rows against one token, as arm__gemv_32 does for
   the 32-element types: the token's 64 bytes of a sub-block pair loaded once for the
   rows, the scales and mins unpacked by kern__k4_unpack's word steps instead of one
   sub-block at a time, and the rows' float steps in one vector. The integers and the
   float expression per lane are arm__tile_q45_k's. */
ARM_AI void arm__gemv_q45_k(const uint8_t *w, size_t w_row, const uint8_t *x, int64_t n, float *out, arm__dotfn dot,
                            int five) {
    const int64_t nb = n / QK_K;
    const size_t bsz = five ? sizeof(BlockQ5_K) : sizeof(BlockQ4_K);
    const size_t oqs = five ? offsetof(BlockQ5_K, qs) : offsetof(BlockQ4_K, qs);
    float32x4_t sum = vdupq_n_f32(0.0f);
    for (int64_t b = 0; b < nb; b++) {
        const BlockQ8_K *xb = (const BlockQ8_K *)x + b;
        const uint8_t *wb = w + (size_t)b * bsz;
        const int16x8_t bs32 = arm__bsum32(xb->bsums);
        int32x4_t acc[ARM_GR], mm[ARM_GR];
        uint32_t u[ARM_GR][4];
        uint8x16_t h0[ARM_GR], h1[ARM_GR];
        ARM_UNROLL for (int r = 0; r < ARM_GR; r++) {
            const uint8_t *p = wb + (size_t)r * w_row;
            kern__k4_unpack(p + 4, u[r]);                       /* sc0..7, m0..7 */
            mm[r] = arm__k4_mins(u[r], bs32);
            acc[r] = vdupq_n_s32(0);
            if (five) h0[r] = vld1q_u8(p + offsetof(BlockQ5_K, qh)), h1[r] = vld1q_u8(p + offsetof(BlockQ5_K, qh) + 16);
        }
#define ARM_K45_STEP(r, q)                                                                                             \
    {                                                                                                                  \
        int8x16_t c[4];                                                                                                \
        arm__k45_codes(wb + (size_t)(r) * w_row + oqs + 32 * (q), five, &h0[r], &h1[r], c);                            \
        acc[r] = arm__k45_dot(dot, acc[r], c, xb->qs + 64 * (q), arm__k4_sc(u[r], 2 * (q)), arm__k4_sc(u[r], 2 * (q) + 1)); \
    }
        /* the rows side by side share the token's loads; one row at a time where they would
           not fit the registers (Q5_K's fifth bits; armv7's 16 registers): instructions per
           row block under qemu, Q5_K dotprod 204 -> 187, armv7 Q4_K 328 -> 308, Q5_K 432 ->
           386 (aarch64 Q4_K went 125 -> 134) */
#if defined(__aarch64__)
        if (!five)
            ARM_UNROLL for (int q = 0; q < 4; q++) ARM_UNROLL for (int r = 0; r < ARM_GR; r++) ARM_K45_STEP(r, q)
        else
#endif
            _Pragma("GCC unroll 1") for (int r = 0; r < ARM_GR; r++) ARM_UNROLL for (int q = 0; q < 4; q++) ARM_K45_STEP(r, q)
#undef ARM_K45_STEP
        float32x4_t isum = vcvtq_f32_s32(arm__hadd4(acc[0], acc[1], acc[2], acc[3]));
        float32x4_t msum = vcvtq_f32_s32(arm__hadd4(mm[0], mm[1], mm[2], mm[3]));
        float32x4_t d = vmulq_n_f32(arm__h2f4_at(wb, w_row), xb->d), dmin = vmulq_n_f32(arm__h2f4_at(wb + 2, w_row), xb->d);
        sum = vaddq_f32(sum, vsubq_f32(vmulq_f32(d, isum), vmulq_f32(dmin, msum)));
    }
    vst1q_f32(out, sum);
}

/* Codes of half h of a Q6_K block (ql, qh: its 64 and 32 bytes) as signed bytes q - 32
   (q, 0..63, when !off): a[i] = elements 128h + 16i .. + 15, sub-block 8h + i. The low
   nibbles keep their place and the high ones shift down into it (vsli / vsri insert the
   qh bits above them): 2 instructions a vector where masking, shifting and or-ing took
   4 or 5. */
ARM_AI void arm__k6_codes(const uint8_t *ql, const uint8_t *qh, int8x16_t a[8], int off) {
    const uint8x16_t m3 = vdupq_n_u8(3), m30 = vdupq_n_u8(0x30);
    const int8x16_t s32 = vdupq_n_s8(32);
    const uint8x16_t qh0 = vld1q_u8(qh), qh1 = vld1q_u8(qh + 16), qs0 = vshrq_n_u8(qh0, 2), qs1 = vshrq_n_u8(qh1, 2);
    const uint8x16_t ql0 = vld1q_u8(ql), ql1 = vld1q_u8(ql + 16), ql2 = vld1q_u8(ql + 32), ql3 = vld1q_u8(ql + 48);
    uint8x16_t u[8];
    u[0] = vsliq_n_u8(ql0, vandq_u8(qh0, m3), 4);       /* (ql & 15) | (qh bits 0-1) << 4 */
    u[1] = vsliq_n_u8(ql1, vandq_u8(qh1, m3), 4);
    u[2] = vsliq_n_u8(ql2, vandq_u8(qs0, m3), 4);       /* qh bits 2-3 */
    u[3] = vsliq_n_u8(ql3, vandq_u8(qs1, m3), 4);
    u[4] = vsriq_n_u8(vandq_u8(qh0, m30), ql0, 4);      /* ql >> 4 | qh bits 4-5 in place */
    u[5] = vsriq_n_u8(vandq_u8(qh1, m30), ql1, 4);
    u[6] = vsriq_n_u8(vandq_u8(qs0, m30), ql2, 4);      /* qh bits 6-7 */
    u[7] = vsriq_n_u8(vandq_u8(qs1, m30), ql3, 4);
    ARM_UNROLL for (int i = 0; i < 8; i++) a[i] = off ? vsubq_s8(vreinterpretq_s8_u8(u[i]), s32) : vreinterpretq_s8_u8(u[i]);
}

/* Q6_K rows against Q8_K tokens: element 128h + 32k + l: low nibble (k >> 1) of
   ql[64h + 32(k & 1) + l], high 2 bits (qh[32h + l] >> 2k) & 3, minus 32; scale of
   sub-block 8h + 2k + l/16. */
ARM_AI void arm__tile_q6_k(const uint8_t *vw, const uint8_t *x, size_t x_row, int64_t n, float *out, int64_t os,
                           arm__dotfn dot, int nt) {
    const BlockQ6_K *w = (const BlockQ6_K *)vw;
    const int64_t nb = n / QK_K;
    float32x4_t sum = vdupq_n_f32(0.0f);
    for (int64_t b = 0; b < nb; b++) {
        const BlockQ8_K *xb[ARM_TT];
        const float32x4_t x4 = arm__k_tokens(x, x_row, b, nt, xb);
        int32x4_t acc[ARM_TT] = { 0 };
        /* without sdot on aarch64: int16 pairs of products (|.| <= 2 * 32 * 128), scaled as
           they widen (on armv7 the moves of the scale cost more than this saves) */
#if defined(__aarch64__)
        const int i16 = dot == arm__mdot;
#else
        const int i16 = 0;
#endif
        ARM_UNROLL for (int h = 0; h < 2; h++) {
            const int8_t *sc = w[b].scales + 8 * h;
            int8x16_t a[8];
            arm__k6_codes(w[b].ql + 64 * h, w[b].qh + 32 * h, a, 1);
            ARM_UNROLL for (int t = 0; t < nt; t++) {
                const int8_t *q8 = xb[t]->qs + 128 * h;
                ARM_UNROLL for (int i = 0; i < 8; i++) {
                    const int8x16_t xv = vld1q_s8(q8 + 16 * i);
                    if (i16) {
                        int16x8_t p = vmlal_s8(vmull_s8(vget_low_s8(a[i]), vget_low_s8(xv)), vget_high_s8(a[i]), vget_high_s8(xv));
                        acc[t] = vmlal_n_s16(vmlal_n_s16(acc[t], vget_low_s16(p), sc[i]), vget_high_s16(p), sc[i]);
                    } else {
                        acc[t] = vmlaq_n_s32(acc[t], dot(vdupq_n_s32(0), a[i], xv), sc[i]);
                    }
                }
            }
        }
        float32x4_t dx = vmulq_n_f32(x4, arm__h2f(w[b].d));
        sum = vaddq_f32(sum, vmulq_f32(dx, vcvtq_f32_s32(arm__hadd4(acc[0], acc[1], acc[2], acc[3]))));
    }
    arm__tile_store(sum, out, os, nt);
}

/* Q3_K rows against Q8_K tokens: element 128h + 32j + l: (qs[32h + l] >> 2j) & 3, minus 4
   unless bit 4h + j of hmask[l] is set; signed 6-bit scale of sub-block 8h + 2j + l/16. */
/* Q3_K codes q - 4 (signed) of elements 128h + 32j + 16s .. +15 as a[2j + s]. */
ARM_AI void arm__k3_codes(const BlockQ3_K *blk, int h, int8x16_t a[8]) {
    const uint8x16_t m3 = vdupq_n_u8(3), four = vdupq_n_u8(4);
    const uint8x16_t hm0 = vld1q_u8(blk->hmask), hm1 = vld1q_u8(blk->hmask + 16);
    const uint8x16_t q0 = vld1q_u8(blk->qs + 32 * h), q1 = vld1q_u8(blk->qs + 32 * h + 16);
    ARM_UNROLL for (int j = 0; j < 4; j++) {
        uint8x16_t bit = vdupq_n_u8((uint8_t)(1u << (4 * h + j)));
        int8x16_t sh = vdupq_n_s8((int8_t)(-2 * j));
        /* (q >> 2j) & 3, less 4 where the hmask bit is clear */
        uint8x16_t u0 = vsubq_u8(vandq_u8(vshlq_u8(q0, sh), m3), vbicq_u8(four, vtstq_u8(hm0, bit)));
        uint8x16_t u1 = vsubq_u8(vandq_u8(vshlq_u8(q1, sh), m3), vbicq_u8(four, vtstq_u8(hm1, bit)));
        a[2 * j] = vreinterpretq_s8_u8(u0), a[2 * j + 1] = vreinterpretq_s8_u8(u1);
    }
}

ARM_AI void arm__tile_q3_k(const uint8_t *vw, const uint8_t *x, size_t x_row, int64_t n, float *out, int64_t os,
                           arm__dotfn dot, int nt) {
    const BlockQ3_K *w = (const BlockQ3_K *)vw;
    const int64_t nb = n / QK_K;
    float32x4_t sum = vdupq_n_f32(0.0f);
    for (int64_t b = 0; b < nb; b++) {
        const BlockQ8_K *xb[ARM_TT];
        const float32x4_t x4 = arm__k_tokens(x, x_row, b, nt, xb);
        int32x4_t acc[ARM_TT] = { 0 };
        int sc[16];
        for (int j = 0; j < 16; j++) sc[j] = kern__q3_k_scale(j, w[b].scales);
        for (int h = 0; h < 2; h++) {
            int8x16_t a[8];
            arm__k3_codes(&w[b], h, a);
            ARM_UNROLL for (int j = 0; j < 4; j++)
                ARM_UNROLL for (int t = 0; t < nt; t++) {
                    const int8_t *q8 = xb[t]->qs + 128 * h + 32 * j;
                    acc[t] = vmlaq_n_s32(acc[t], dot(vdupq_n_s32(0), a[2 * j], vld1q_s8(q8)), sc[8 * h + 2 * j]);
                    acc[t] = vmlaq_n_s32(acc[t], dot(vdupq_n_s32(0), a[2 * j + 1], vld1q_s8(q8 + 16)), sc[8 * h + 2 * j + 1]);
                }
        }
        float32x4_t dx = vmulq_n_f32(x4, arm__h2f(w[b].d));
        sum = vaddq_f32(sum, vmulq_f32(dx, vcvtq_f32_s32(arm__hadd4(acc[0], acc[1], acc[2], acc[3]))));
    }
    arm__tile_store(sum, out, os, nt);
}

/* Q2_K codes (0..3) of elements 128h + 32j + 16s .. +15 as a[2j + s]. */
ARM_AI void arm__k2_codes(const BlockQ2_K *blk, int h, int8x16_t a[8]) {
    const uint8x16_t m3 = vdupq_n_u8(3);
    const uint8x16_t q0 = vld1q_u8(blk->qs + 32 * h), q1 = vld1q_u8(blk->qs + 32 * h + 16);
    ARM_UNROLL for (int j = 0; j < 4; j++) {
        int8x16_t sh = vdupq_n_s8((int8_t)(-2 * j));
        a[2 * j] = vreinterpretq_s8_u8(vandq_u8(vshlq_u8(q0, sh), m3));
        a[2 * j + 1] = vreinterpretq_s8_u8(vandq_u8(vshlq_u8(q1, sh), m3));
    }
}

/* Q2_K rows against Q8_K tokens: element 128h + 32j + l: (qs[32h + l] >> 2j) & 3; scale
   byte 8h + 2j + l/16 (low nibble scale, high nibble min). */
ARM_AI void arm__tile_q2_k(const uint8_t *vw, const uint8_t *x, size_t x_row, int64_t n, float *out, int64_t os,
                           arm__dotfn dot, int nt) {
    const BlockQ2_K *w = (const BlockQ2_K *)vw;
    const int64_t nb = n / QK_K;
    float32x4_t sum = vdupq_n_f32(0.0f);
    for (int64_t b = 0; b < nb; b++) {
        const BlockQ8_K *xb[ARM_TT];
        const float32x4_t x4 = arm__k_tokens(x, x_row, b, nt, xb);
        int32x4_t acc[ARM_TT] = { 0 }, mm[ARM_TT] = { 0 };
        /* msum per token: the 16 mins (high nibbles) times the bsums */
        uint8x16_t scb = vld1q_u8(w[b].scales);
        int16x8_t mn0 = vreinterpretq_s16_u16(vmovl_u8(vget_low_u8(vshrq_n_u8(scb, 4))));
        int16x8_t mn1 = vreinterpretq_s16_u16(vmovl_u8(vget_high_u8(vshrq_n_u8(scb, 4))));
        ARM_UNROLL for (int t = 0; t < nt; t++) {
            int16x8_t b0 = vld1q_s16(xb[t]->bsums), b1 = vld1q_s16(xb[t]->bsums + 8);
            int32x4_t s = vmull_s16(vget_low_s16(b0), vget_low_s16(mn0));
            s = vmlal_s16(s, vget_high_s16(b0), vget_high_s16(mn0));
            s = vmlal_s16(s, vget_low_s16(b1), vget_low_s16(mn1));
            mm[t] = vmlal_s16(s, vget_high_s16(b1), vget_high_s16(mn1));
        }
        for (int h = 0; h < 2; h++) {
            int8x16_t a[8];
            arm__k2_codes(&w[b], h, a);
            ARM_UNROLL for (int j = 0; j < 4; j++) {
                const int8x16_t a0 = a[2 * j], a1 = a[2 * j + 1];
                int s0 = w[b].scales[8 * h + 2 * j] & 0x0f, s1 = w[b].scales[8 * h + 2 * j + 1] & 0x0f;
                ARM_UNROLL for (int t = 0; t < nt; t++) {
                    const int8_t *q8 = xb[t]->qs + 128 * h + 32 * j;
                    acc[t] = vmlaq_n_s32(acc[t], dot(vdupq_n_s32(0), a0, vld1q_s8(q8)), s0);
                    acc[t] = vmlaq_n_s32(acc[t], dot(vdupq_n_s32(0), a1, vld1q_s8(q8 + 16)), s1);
                }
            }
        }
        float32x4_t dall = vmulq_n_f32(x4, arm__h2f(w[b].d)), dmin = vmulq_n_f32(x4, arm__h2f(w[b].dmin));
        float32x4_t isum = vcvtq_f32_s32(arm__hadd4(acc[0], acc[1], acc[2], acc[3]));
        float32x4_t msum = vcvtq_f32_s32(arm__hadd4(mm[0], mm[1], mm[2], mm[3]));
        sum = vaddq_f32(sum, vsubq_f32(vmulq_f32(dall, isum), vmulq_f32(dmin, msum)));
    }
    arm__tile_store(sum, out, os, nt);
}

/* ---- Generation of Q2_K / Q3_K / Q6_K: ARM_GR rows against one token ----
 * The three share a shape: 16 sub-blocks of 16 elements, each with its own scale, and
 * the codes of half h of a block as 8 vectors a[i] (elements 128h + 16i .., sub-block
 * 8h + i; arm__k2_codes, arm__k3_codes, arm__k6_codes). The rows go one after another
 * (the token's bytes come from L1 for each), their float steps in one vector; a half's
 * 8 scales are unpacked as one vector per row (Q3_K's 6-bit signed scales by shifts,
 * not kern__q3_k_scale per sub-block) and applied by multiply-by-lane, so no scalar
 * reaches the vector unit. The integers are exact, so the same as the tiles', and each
 * lane's float steps are the tile's: bit-identical to the reference. */

/* A half's 8 scales as int16: Q6_K's signed bytes, Q2_K's low nibbles, Q3_K's 6 bits
   (low nibble of byte j (h = 0) or its high nibble (h = 1), bits 2*(j/4) + 4h of byte
   8 + j%4 above it) less 32. */
ARM_AI int16x8_t arm__k16_scales(const uint8_t *blk, int type, int h) {
    if (type == T_Q6_K) return vmovl_s8(vld1_s8(((const BlockQ6_K *)blk)->scales + 8 * h));
    if (type == T_Q2_K)
        return vreinterpretq_s16_u16(vmovl_u8(vand_u8(vld1_u8(((const BlockQ2_K *)blk)->scales + 8 * h), vdup_n_u8(0x0f))));
    static const int8_t shr[2][8] = { { 0, 0, 0, 0, -2, -2, -2, -2 }, { -4, -4, -4, -4, -6, -6, -6, -6 } };
    const uint8_t *s = ((const BlockQ3_K *)blk)->scales;
    uint8x8_t lo = vld1_u8(s);
    lo = h ? vshr_n_u8(lo, 4) : vand_u8(lo, vdup_n_u8(0x0f));
    uint32_t hb;
    memcpy(&hb, s + 8, 4);
    uint8x8_t hi = vand_u8(vshl_u8(vreinterpret_u8_u32(vdup_n_u32(hb)), vld1_s8(shr[h])), vdup_n_u8(3));
    return vsubq_s16(vreinterpretq_s16_u16(vmovl_u8(vsli_n_u8(lo, hi, 4))), vdupq_n_s16(32));
}

#if defined(__aarch64__)
#define ARM_MLAL_HI(c, a, b) vmlal_high_s8(c, a, b)
#else
#define ARM_MLAL_HI(c, a, b) vmlal_s8(c, vget_high_s8(a), vget_high_s8(b))
#endif
/* acc + sum over i of sc[i] * (a[i] . x[i]). Without sdot the two products of a lane
   are summed in int16 (|.| <= 2 * 63 * 128: the gemv passes Q6_K codes 0..63). */
ARM_AI int32x4_t arm__k16_dot8(arm__dotfn dot, int32x4_t acc, const int8x16_t a[8], const int8_t *q8, int16x8_t sc) {
    const int32x4_t s0 = vmovl_s16(vget_low_s16(sc)), s1 = vmovl_s16(vget_high_s16(sc));
#define ARM_K16_STEP(i, sv, lane)                                                                                      \
    {                                                                                                                  \
        const int8x16_t x_ = vld1q_s8(q8 + 16 * (i));                                                                  \
        int32x4_t p_;                                                                                                  \
        if (dot == arm__mdot)                                                                                          \
            p_ = vpaddlq_s16(ARM_MLAL_HI(vmull_s8(vget_low_s8(a[i]), vget_low_s8(x_)), a[i], x_));                    \
        else                                                                                                           \
            p_ = dot(vdupq_n_s32(0), a[i], x_);                                                                        \
        acc = vmlaq_lane_s32(acc, p_, sv, lane);                                                                       \
    }
    ARM_K16_STEP(0, vget_low_s32(s0), 0) ARM_K16_STEP(1, vget_low_s32(s0), 1)
    ARM_K16_STEP(2, vget_high_s32(s0), 0) ARM_K16_STEP(3, vget_high_s32(s0), 1)
    ARM_K16_STEP(4, vget_low_s32(s1), 0) ARM_K16_STEP(5, vget_low_s32(s1), 1)
    ARM_K16_STEP(6, vget_high_s32(s1), 0) ARM_K16_STEP(7, vget_high_s32(s1), 1)
#undef ARM_K16_STEP
    return acc;
}

ARM_AI void arm__gemv_k16(const uint8_t *w, size_t w_row, const uint8_t *x, int64_t n, float *out, arm__dotfn dot,
                          int type) {
    const int64_t nb = n / QK_K;
    const size_t bsz = type == T_Q6_K ? sizeof(BlockQ6_K) : type == T_Q3_K ? sizeof(BlockQ3_K) : sizeof(BlockQ2_K);
    float32x4_t sum = vdupq_n_f32(0.0f);
    for (int64_t b = 0; b < nb; b++) {
        const BlockQ8_K *xb = (const BlockQ8_K *)x + b;
        int32x4_t acc[ARM_GR], mm[ARM_GR];
        const uint8_t *wb = w + (size_t)b * bsz;
        /* one row at a time: the four rows' codes interleaved would not fit the registers */
        _Pragma("GCC unroll 1") for (int r = 0; r < ARM_GR; r++) {
            const uint8_t *p = wb + (size_t)r * w_row;
            int32x4_t a32 = vdupq_n_s32(0);
            if (type == T_Q2_K) {
                /* msum: the 16 mins (high nibbles) times the token's bsums */
                const BlockQ2_K *q = (const BlockQ2_K *)p;
                const uint8x16_t m = vshrq_n_u8(vld1q_u8(q->scales), 4);
                const int16x8_t m0 = vreinterpretq_s16_u16(vmovl_u8(vget_low_u8(m))), m1 = vreinterpretq_s16_u16(vmovl_u8(vget_high_u8(m)));
                const int16x8_t b0 = vld1q_s16(xb->bsums), b1 = vld1q_s16(xb->bsums + 8);
                int32x4_t s = vmull_s16(vget_low_s16(b0), vget_low_s16(m0));
                s = vmlal_s16(s, vget_high_s16(b0), vget_high_s16(m0));
                s = vmlal_s16(s, vget_low_s16(b1), vget_low_s16(m1));
                mm[r] = vmlal_s16(s, vget_high_s16(b1), vget_high_s16(m1));
            }
            int32x4_t off = vdupq_n_s32(0);     /* Q6_K: sum of sc_j * bsum_j, the codes' 32 */
            ARM_UNROLL for (int h = 0; h < 2; h++) {
                int8x16_t a[8];
                const int16x8_t sc = arm__k16_scales(p, type, h);
                if (type == T_Q6_K) {
                    /* codes 0..63 and 32 sum_j sc_j bsum_j taken off once: 16 subtractions fewer */
                    const int16x8_t bs = vld1q_s16(xb->bsums + 8 * h);
                    off = vmlal_s16(vmlal_s16(off, vget_low_s16(sc), vget_low_s16(bs)), vget_high_s16(sc), vget_high_s16(bs));
                    arm__k6_codes(((const BlockQ6_K *)p)->ql + 64 * h, ((const BlockQ6_K *)p)->qh + 32 * h, a, 0);
                } else if (type == T_Q3_K) {
                    arm__k3_codes((const BlockQ3_K *)p, h, a);
                } else {
                    arm__k2_codes((const BlockQ2_K *)p, h, a);
                }
                a32 = arm__k16_dot8(dot, a32, a, xb->qs + 128 * h, sc);
            }
            acc[r] = type == T_Q6_K ? vsubq_s32(a32, vshlq_n_s32(off, 5)) : a32;
        }
        float32x4_t isum = vcvtq_f32_s32(arm__hadd4(acc[0], acc[1], acc[2], acc[3]));
        const size_t od = type == T_Q6_K ? offsetof(BlockQ6_K, d) : type == T_Q3_K ? offsetof(BlockQ3_K, d) : offsetof(BlockQ2_K, d);
        float32x4_t d = vmulq_n_f32(arm__h2f4_at(wb + od, w_row), xb->d);
        if (type == T_Q2_K) {
            float32x4_t msum = vcvtq_f32_s32(arm__hadd4(mm[0], mm[1], mm[2], mm[3]));
            float32x4_t dmin = vmulq_n_f32(arm__h2f4_at(wb + offsetof(BlockQ2_K, dmin), w_row), xb->d);
            sum = vaddq_f32(sum, vsubq_f32(vmulq_f32(d, isum), vmulq_f32(dmin, msum)));
        } else {
            sum = vaddq_f32(sum, vmulq_f32(d, isum));
        }
    }
    vst1q_f32(out, sum);
}

/* ---- wrappers ---- */

#define ARM_TILE(name, isa, call)                                                                                  \
    static void kern_tile_##name##_##isa(const uint8_t *w, size_t w_row, int nr, const uint8_t *x, size_t x_row,   \
                                         int nt, int64_t n, float *out, int64_t os) {                              \
        (void)w_row, (void)nr, (void)nt;                                                                           \
        call;                                                                                                      \
    }
/* One token against ARM_GR rows (out: the rows' results side by side). */
#define ARM_GEMV(name, isa, call)                                                                                  \
    static void kern_gemv_##name##_##isa(const uint8_t *w, size_t w_row, int nr, const uint8_t *x, size_t x_row,   \
                                         int nt, int64_t n, float *out, int64_t os) {                              \
        (void)nr, (void)x_row, (void)nt, (void)os;                                                                 \
        call;                                                                                                      \
    }
/* The K-quant dots are their tiles with one token (one body per type: the same integers
   and, in lane 0, the same float steps). */
#define ARM_KDOT(name, isa, call)                                                                                  \
    static float kern_dot_##name##_##isa(const void *w, const void *x, int64_t n) {                              \
        float o;                                                                                                   \
        call;                                                                                                      \
        return o;                                                                                                  \
    }
#define ARM_DOTS(isa, prim)                                                                                         \
    static float kern_dot_q8_0_##isa(const void *w, const void *x, int64_t n) { return arm__dot_q8_0(w, x, n, prim); } \
    static float kern_dot_q4_0_##isa(const void *w, const void *x, int64_t n) { return arm__dot_q4_0(w, x, n, prim); } \
    static float kern_dot_q4_1_##isa(const void *w, const void *x, int64_t n) { return arm__dot_q4_1(w, x, n, prim); } \
    static float kern_dot_q5_0_##isa(const void *w, const void *x, int64_t n) { return arm__dot_q5_0(w, x, n, prim); } \
    static float kern_dot_q5_1_##isa(const void *w, const void *x, int64_t n) { return arm__dot_q5_1(w, x, n, prim); } \
    ARM_KDOT(q2_k, isa, arm__tile_q2_k(w, x, 0, n, &o, 1, prim, 1))                                               \
    ARM_KDOT(q3_k, isa, arm__tile_q3_k(w, x, 0, n, &o, 1, prim, 1))                                               \
    ARM_KDOT(q4_k, isa, arm__tile_q45_k(w, x, 0, n, &o, 1, prim, 0, 1))                                           \
    ARM_KDOT(q5_k, isa, arm__tile_q45_k(w, x, 0, n, &o, 1, prim, 1, 1))                                           \
    ARM_KDOT(q6_k, isa, arm__tile_q6_k(w, x, 0, n, &o, 1, prim, 1))                                               \
    ARM_GEMV(q8_0, isa, arm__gemv_32(w, w_row, x, n, out, prim, T_Q8_0))                                          \
    ARM_GEMV(q4_0, isa, arm__gemv_32(w, w_row, x, n, out, prim, T_Q4_0))                                          \
    ARM_GEMV(q4_1, isa, arm__gemv_32(w, w_row, x, n, out, prim, T_Q4_1))                                          \
    ARM_GEMV(q5_0, isa, arm__gemv_32(w, w_row, x, n, out, prim, T_Q5_0))                                          \
    ARM_GEMV(q5_1, isa, arm__gemv_32(w, w_row, x, n, out, prim, T_Q5_1))                                          \
    ARM_GEMV(q4_k, isa, arm__gemv_q45_k(w, w_row, x, n, out, prim, 0))                                            \
    ARM_GEMV(q5_k, isa, arm__gemv_q45_k(w, w_row, x, n, out, prim, 1))                                            \
    ARM_GEMV(q2_k, isa, arm__gemv_k16(w, w_row, x, n, out, prim, T_Q2_K))                                         \
    ARM_GEMV(q3_k, isa, arm__gemv_k16(w, w_row, x, n, out, prim, T_Q3_K))                                         \
    ARM_GEMV(q6_k, isa, arm__gemv_k16(w, w_row, x, n, out, prim, T_Q6_K))                                         \
    ARM_TILE(q8_0, isa, arm__tile_32(w, w_row, x, x_row, n, out, os, prim, T_Q8_0))                                      \
    ARM_TILE(q4_0, isa, arm__tile_32(w, w_row, x, x_row, n, out, os, prim, T_Q4_0))                                      \
    ARM_TILE(q4_1, isa, arm__tile_32(w, w_row, x, x_row, n, out, os, prim, T_Q4_1))                                      \
    ARM_TILE(q5_0, isa, arm__tile_32(w, w_row, x, x_row, n, out, os, prim, T_Q5_0))                                      \
    ARM_TILE(q5_1, isa, arm__tile_32(w, w_row, x, x_row, n, out, os, prim, T_Q5_1))                                      \
    ARM_TILE(q2_k, isa, arm__tile_q2_k(w, x, x_row, n, out, os, prim, ARM_TT))                                    \
    ARM_TILE(q3_k, isa, arm__tile_q3_k(w, x, x_row, n, out, os, prim, ARM_TT))                                    \
    ARM_TILE(q4_k, isa, arm__tile_q45_k(w, x, x_row, n, out, os, prim, 0, ARM_TT))                                \
    ARM_TILE(q5_k, isa, arm__tile_q45_k(w, x, x_row, n, out, os, prim, 1, ARM_TT))                                \
    ARM_TILE(q6_k, isa, arm__tile_q6_k(w, x, x_row, n, out, os, prim, ARM_TT))

ARM_DOTS(neon, arm__mdot)

/* ---- ARM prompt kernels (every quantised type): weight rows in vector lanes ----
 *
 * The x86 batch kernels' scheme (see "x86_64 AVX-512 VNNI prompt-processing kernels"):
 * a vector holds 4 consecutive codes of each of 4 rows, one int32 lane per row, and
 *     isum[row] += vdotq_laneq_s32(w4[row], x16, j)
 * multiplies them by the 4 activation bytes in lane j of 16 loaded bytes of a token, for
 * the 4 rows at once. The weights of 8 rows are unpacked (codes as signed bytes) and
 * transposed once per chunk of AP_CB blocks into an L1 buffer and used for up to AP_TB
 * tokens, AP_T tokens per step with their float sums in registers; no horizontal sums.
 * The tile kernels (arm__tile_32) unpack every row for each 4 tokens and reduce every
 * (row, token) sum across lanes: about 9 instructions per row, token and block, here 4.
 * Each lane does the reference's float step per block in the reference's order (Q4_0
 * (isum * dw) * dx, Q8_0 and Q5_0 isum * (dw * dx), Q4_1 and Q5_1, against Q8_1 tokens,
 * isum * (dw * dx) + mw * sx), so the results are bit-identical to kern_dot_*_ref.
 *
 * Without the dot-product instructions (Pi 4, Cortex-A72, and armv7: the _neon kernels) each sdot
 * becomes widening multiplies (vmull_s8 / vmlal_s8, 8 products each) of the 4 rows' codes
 * and the 4 activation bytes copied into every lane, into int16 lanes [row r: 4 codes]
 * that are added pairwise (vpaddq_s16) and widened into the int32 row lanes (vpadalq_s16)
 * every AP_F steps, before they can overflow: |w x| <= 8 * 127 (Q4_0), 31 * 127 (Q5_K),
 * 32 * 127 (Q6_K), so 4 products per int16 lane and their pair sum stay below 2^15;
 * Q8_0's products (|w x| <= 128 * 128) are widened one by one (vpadalq_s16 into
 * [r, r, r+1, r+1] lanes, added pairwise per block). The integer sums are the same, so
 * are the results. 2 tokens per step, not AP_T: the int16 lanes of 4 would not fit in
 * the 32 registers (armv7, 16 registers: 1 token, and its forms of the AArch64-only
 * instructions, AP_DUP4 etc.). Instructions per row, token and 32 elements under qemu (64
 * rows x 64 tokens x 2048), tiles -> these: aarch64 (QEMU_CPU=cortex-a72) Q4_0 12.45 ->
 * 11.41, Q8_0 16.45 -> 14.11, Q4_K 14.13 -> 11.91, Q5_K 15.6 -> 12.03, Q6_K 17.33 -> 11.16;
 * armv7 Q4_0 29.27 -> 16.22, Q8_0 34.39 -> 19.33, Q4_K 34.12 -> 16.16, Q6_K 43.66 -> 15.6.
 * The multiplies are the same in both (8 products per instruction); the saving is the
 * tiles' per-token unpacking and horizontal sums. */
enum { AP_TB = 128, AP_CB = 16, AP_T = 4 };
typedef struct {
    int8x16_t w[AP_CB][16];   /* [8g + k]: rows 4g..4g+3, elements 4k..4k+3 of the block */
    float32x4_t d[AP_CB][2];  /* d of rows 4g..4g+3 */
    float32x4_t m[AP_CB][2];  /* Q4_1, Q5_1: m of rows 4g..4g+3 */
} ApW;
typedef struct {
    float d[AP_CB], s[AP_CB];  /* a token's d (and Q8_1's s) of each block of the chunk */
} ApX;

/* o[k] lane i = a[i] lane k (32-bit lanes) */
ARM_AI void ap__t4(const int8x16_t a[4], int8x16_t *o) {
#if defined(__aarch64__)
    int32x4_t t0 = vtrn1q_s32(vreinterpretq_s32_s8(a[0]), vreinterpretq_s32_s8(a[1]));
    int32x4_t t1 = vtrn2q_s32(vreinterpretq_s32_s8(a[0]), vreinterpretq_s32_s8(a[1]));
    int32x4_t t2 = vtrn1q_s32(vreinterpretq_s32_s8(a[2]), vreinterpretq_s32_s8(a[3]));
    int32x4_t t3 = vtrn2q_s32(vreinterpretq_s32_s8(a[2]), vreinterpretq_s32_s8(a[3]));
    o[0] = vreinterpretq_s8_s64(vtrn1q_s64(vreinterpretq_s64_s32(t0), vreinterpretq_s64_s32(t2)));
    o[1] = vreinterpretq_s8_s64(vtrn1q_s64(vreinterpretq_s64_s32(t1), vreinterpretq_s64_s32(t3)));
    o[2] = vreinterpretq_s8_s64(vtrn2q_s64(vreinterpretq_s64_s32(t0), vreinterpretq_s64_s32(t2)));
    o[3] = vreinterpretq_s8_s64(vtrn2q_s64(vreinterpretq_s64_s32(t1), vreinterpretq_s64_s32(t3)));
#else
    int32x4x2_t t01 = vtrnq_s32(vreinterpretq_s32_s8(a[0]), vreinterpretq_s32_s8(a[1]));
    int32x4x2_t t23 = vtrnq_s32(vreinterpretq_s32_s8(a[2]), vreinterpretq_s32_s8(a[3]));
    o[0] = vreinterpretq_s8_s32(vcombine_s32(vget_low_s32(t01.val[0]), vget_low_s32(t23.val[0])));
    o[1] = vreinterpretq_s8_s32(vcombine_s32(vget_low_s32(t01.val[1]), vget_low_s32(t23.val[1])));
    o[2] = vreinterpretq_s8_s32(vcombine_s32(vget_high_s32(t01.val[0]), vget_high_s32(t23.val[0])));
    o[3] = vreinterpretq_s8_s32(vcombine_s32(vget_high_s32(t01.val[1]), vget_high_s32(t23.val[1])));
#endif
}

/* Blocks b0..b0+nb-1 of the 8 rows at w + ro[r] (ro repeats the last row past the end),
   each row's block by arm__unpack_32 (signed codes). */
ARM_AI void ap__unpack(int ty, const uint8_t *w, const size_t *ro, int64_t b0, int nb, ApW *u) {
    for (int b = 0; b < nb; b++)
        ARM_UNROLL for (int g = 0; g < 2; g++) {
            int8x16_t lo[4], hi[4];
            uint16_t d[4], m[4] = { 0 };
            ARM_UNROLL for (int i = 0; i < 4; i++) arm__unpack_32(w + ro[4 * g + i], b0 + b, ty, &lo[i], &hi[i], &d[i], &m[i]);
            ap__t4(lo, &u->w[b][8 * g]);
            ap__t4(hi, &u->w[b][8 * g + 4]);
            u->d[b][g] = arm__h2f4q(vld1_u16(d)), u->m[b][g] = arm__h2f4q(vld1_u16(m));
        }
}

/* The float sums of T tokens x 8 rows: from out (0 for the first chunk), and back (the
   first `rows`). */
ARM_AI void ap__load(int T, const float *out, int64_t os, int first, int rows, float32x4_t acc[][2]) {
    ARM_UNROLL for (int t = 0; t < T; t++) {
        float o[8] = { 0 };
        if (!first) memcpy(o, out + (int64_t)t * os, sizeof(float) * (size_t)rows);
        acc[t][0] = vld1q_f32(o), acc[t][1] = vld1q_f32(o + 4);
    }
}
ARM_AI void ap__store(int T, float32x4_t acc[][2], float *out, int64_t os, int rows) {
    ARM_UNROLL for (int t = 0; t < T; t++) {
        if (rows == 8) {
            vst1q_f32(out + (int64_t)t * os, acc[t][0]), vst1q_f32(out + (int64_t)t * os + 4, acc[t][1]);
            continue;
        }
        float o[8];
        vst1q_f32(o, acc[t][0]), vst1q_f32(o + 4, acc[t][1]);
        memcpy(out + (int64_t)t * os, o, sizeof(float) * (size_t)rows);
    }
}


/* The float step of block b for T tokens x 8 rows (is: the integer sums). */
ARM_AI void ap__fstep(int ty, int T, const ApW *u, int b, const ApX *xs, int32x4_t is[][2], float32x4_t acc[][2]) {
    ARM_UNROLL for (int t = 0; t < T; t++)
        ARM_UNROLL for (int g = 0; g < 2; g++) {
            const float dx = xs[t].d[b];
            float32x4_t f = vcvtq_f32_s32(is[t][g]);
            float32x4_t v = ty == T_Q4_0 ? vmulq_n_f32(vmulq_f32(f, u->d[b][g]), dx)   /* (isum * dw) * dx */
                                         : vmulq_f32(f, vmulq_n_f32(u->d[b][g], dx));  /* isum * (dw * dx) */
            if (kern__q81(ty)) v = vaddq_f32(v, vmulq_n_f32(u->m[b][g], xs[t].s[b]));   /* + mw sx */
            acc[t][g] = vaddq_f32(acc[t][g], v);
        }
}

/* The AArch64 instructions the non-dot lanes use, and their armv7 forms (lane j, k:
   constants). armv7 has 16 vector registers: one token per step (AP_TSM) there. */
#if defined(__aarch64__)
#define AP_DUP4(v, j) vreinterpretq_s8_s32(vdupq_laneq_s32(vreinterpretq_s32_s8(v), j))
#define AP_MULL_HI(a, b) vmull_high_s8(a, b)
#define AP_MLAL_HI(c, a, b) vmlal_high_s8(c, a, b)
#define AP_PADD16(a, b) vpaddq_s16(a, b)
#define AP_PADD32(a, b) vpaddq_s32(a, b)
#define AP_MLAL_LANE(c, m, v, k) vmlal_laneq_s16(c, m, v, k)
#define AP_MULL_LANE(m, v, k) vmull_laneq_s16(m, v, k)
enum { AP_TSM = 2 };
#else
#define AP_DUP4(v, j) \
    vreinterpretq_s8_s32(vdupq_lane_s32((j) < 2 ? vget_low_s32(vreinterpretq_s32_s8(v)) : vget_high_s32(vreinterpretq_s32_s8(v)), (j) & 1))
#define AP_MULL_HI(a, b) vmull_s8(vget_high_s8(a), vget_high_s8(b))
#define AP_MLAL_HI(c, a, b) vmlal_s8(c, vget_high_s8(a), vget_high_s8(b))
#define AP_PADD16(a, b) vcombine_s16(vpadd_s16(vget_low_s16(a), vget_high_s16(a)), vpadd_s16(vget_low_s16(b), vget_high_s16(b)))
#define AP_PADD32(a, b) vcombine_s32(vpadd_s32(vget_low_s32(a), vget_high_s32(a)), vpadd_s32(vget_low_s32(b), vget_high_s32(b)))
#define AP_MLAL_LANE(c, m, v, k) vmlal_lane_s16(c, m, (k) < 4 ? vget_low_s16(v) : vget_high_s16(v), (k) & 3)
#define AP_MULL_LANE(m, v, k) vmull_lane_s16(m, (k) < 4 ? vget_low_s16(v) : vget_high_s16(v), (k) & 3)
enum { AP_TSM = 1 };
#endif

/* Products into int16 lanes before they are widened (see above). */
#define AP_F(ty) ((ty) == T_Q8_0 ? 1 : 4)

/* Step j (0..3) of the non-dot lanes for T tokens: the codes of rows 0..3 (w0) and
   4..7 (w1) times bytes 4j..4j+3 of xv[t], into m[t] (restarted when `fresh`). */
#define AP_MSTEP(T, w0, w1, xv, j, fresh, m)                                                        \
    ARM_UNROLL for (int t = 0; t < (T); t++) {                                                      \
        const int8x16_t xj = AP_DUP4(xv[t], j);                                                     \
        if (fresh) {                                                                                \
            m[t][0] = vmull_s8(vget_low_s8(w0), vget_low_s8(xj)), m[t][1] = AP_MULL_HI(w0, xj);     \
            m[t][2] = vmull_s8(vget_low_s8(w1), vget_low_s8(xj)), m[t][3] = AP_MULL_HI(w1, xj);     \
        } else {                                                                                    \
            m[t][0] = vmlal_s8(m[t][0], vget_low_s8(w0), vget_low_s8(xj));                          \
            m[t][1] = AP_MLAL_HI(m[t][1], w0, xj);                                                  \
            m[t][2] = vmlal_s8(m[t][2], vget_low_s8(w1), vget_low_s8(xj));                          \
            m[t][3] = AP_MLAL_HI(m[t][3], w1, xj);                                                  \
        }                                                                                           \
    }
/* m[t] widened into the row lanes of s[t][0] (rows 0..3) and s[t][1] (rows 4..7). */
#define AP_MFLUSH(T, m, s)                                                                          \
    ARM_UNROLL for (int t = 0; t < (T); t++) {                                                      \
        s[t][0] = vpadalq_s16(s[t][0], AP_PADD16(m[t][0], m[t][1]));                                \
        s[t][1] = vpadalq_s16(s[t][1], AP_PADD16(m[t][2], m[t][3]));                                \
    }

/* T tokens x 8 rows (the first `rows` written) over the chunk's nb blocks, without sdot. */
ARM_AI void ap__tgm(int ty, int T, const ApW *u, int nb, const uint8_t *x, size_t x_row, const ApX *xs,
                    float *out, int64_t os, int first, int rows) {
    const int F = AP_F(ty);
    float32x4_t acc[AP_T][2];
    ap__load(T, out, os, first, rows, acc);
    for (int b = 0; b < nb; b++) {
        int32x4_t is[AP_T][2], p[AP_T][4];          /* p: Q8_0's pair lanes */
        ARM_UNROLL for (int t = 0; t < T; t++) {
            is[t][0] = is[t][1] = vdupq_n_s32(0);
            ARM_UNROLL for (int i = 0; i < 4; i++) p[t][i] = vdupq_n_s32(0);
        }
        ARM_UNROLL for (int h = 0; h < 2; h++) {
            int8x16_t xv[AP_T];
            int16x8_t m[AP_T][4];
            ARM_UNROLL for (int t = 0; t < T; t++)
                xv[t] = vld1q_s8((const int8_t *)(x + (size_t)t * x_row + (size_t)b * kern__xbs(ty) + kern__xqs(ty) + 16 * h));
#define AP_LANE(j)                                                                                  \
            {                                                                                       \
                const int8x16_t w0 = u->w[b][4 * h + (j)], w1 = u->w[b][8 + 4 * h + (j)];           \
                AP_MSTEP(T, w0, w1, xv, j, (j) % F == 0, m)                                         \
                if (ty == T_Q8_0) {                                                                 \
                    ARM_UNROLL for (int t = 0; t < T; t++)                                          \
                        ARM_UNROLL for (int i = 0; i < 4; i++) p[t][i] = vpadalq_s16(p[t][i], m[t][i]); \
                } else if ((j) % F == F - 1) {                                                      \
                    AP_MFLUSH(T, m, is)                                                             \
                }                                                                                   \
            }
            AP_LANE(0) AP_LANE(1) AP_LANE(2) AP_LANE(3)
#undef AP_LANE
        }
        if (ty == T_Q8_0)
            ARM_UNROLL for (int t = 0; t < T; t++)
                is[t][0] = AP_PADD32(p[t][0], p[t][1]), is[t][1] = AP_PADD32(p[t][2], p[t][3]);
        ap__fstep(ty, T, u, b, xs, is, acc);
    }
    ap__store(T, acc, out, os, rows);
}

/* Q2_K..Q6_K (super-blocks of 256 against Q8_K): the same lanes, per sub-block (Q4_K /
 * Q5_K 8 of 32, the others 16 of 16 elements) the sdot sums go into `sub` and then isum
 * += sub * scale for the 4 rows of a vector (vmlaq_s32). Q6_K's codes are q - 32 and Q3_K's
 * q - 4 as signed bytes, as the tiles have them, so no bsums term; Q4_K's and Q5_K's msum
 * = sum m_j * (bsum pair j) is 8 vmlal_laneq_s16 per token and 4 rows, Q2_K's 16 (its 16
 * mins times bsums). The float steps are the tiles': Q2_K, Q4_K, Q5_K (dw dx) isum -
 * (dmin dx) msum, Q3_K and Q6_K (dw dx) isum, bit-identical to the references. */
enum { AP_CBK = 2 };
typedef struct {
    int8x16_t w[AP_CBK][2][64];    /* [b][g][k]: rows 4g..4g+3, codes 4k..4k+3 of the super-block */
    int32x4_t sc[AP_CBK][2][16];   /* sub-block scales of rows 4g..4g+3 */
    int16x4_t m[AP_CBK][2][16];    /* sub-block mins: Q4_K, Q5_K 8, Q2_K 16 */
    float32x4_t d[AP_CBK][2], dmin[AP_CBK][2];
} ApWK;

ARM_AI void ap__unpackk(int ty, const uint8_t *w, const size_t *ro, int64_t b0, int nb, ApWK *u) {
    const int five = ty == T_Q5_K, k45 = ty == T_Q4_K || ty == T_Q5_K;
    const size_t bsz = five ? sizeof(BlockQ5_K) : sizeof(BlockQ4_K);     /* Q4_K / Q5_K: d, dmin, scales alike */
    const size_t oqs = five ? offsetof(BlockQ5_K, qs) : offsetof(BlockQ4_K, qs);
    for (int b = 0; b < nb; b++)
        ARM_UNROLL for (int g = 0; g < 2; g++) {
            int32_t sc[16][4];
            int16_t mn[16][4];
            float d[4], dm[4] = { 0 };
            ARM_UNROLL for (int i = 0; i < 4; i++) {
                const uint8_t *p = w + ro[4 * g + i];
                if (k45) {
                    const BlockQ4_K *blk = (const BlockQ4_K *)(p + (size_t)(b0 + b) * bsz);
                    uint32_t uu[4];
                    kern__k4_unpack(blk->scales, uu);              /* sc0..7, m0..7 */
                    for (int j = 0; j < 8; j++) sc[j][i] = arm__k4_sc(uu, j), mn[j][i] = (int16_t)arm__k4_sc(uu, 8 + j);
                    d[i] = arm__h2f(blk->d), dm[i] = arm__h2f(blk->dmin);
                } else if (ty == T_Q2_K) {
                    const BlockQ2_K *blk = (const BlockQ2_K *)p + b0 + b;
                    for (int j = 0; j < 16; j++) sc[j][i] = blk->scales[j] & 0x0f, mn[j][i] = (int16_t)(blk->scales[j] >> 4);
                    d[i] = arm__h2f(blk->d), dm[i] = arm__h2f(blk->dmin);
                } else if (ty == T_Q3_K) {
                    const BlockQ3_K *blk = (const BlockQ3_K *)p + b0 + b;
                    for (int j = 0; j < 16; j++) sc[j][i] = kern__q3_k_scale(j, blk->scales);
                    d[i] = arm__h2f(blk->d);
                } else {
                    const BlockQ6_K *blk = (const BlockQ6_K *)p + b0 + b;
                    for (int j = 0; j < 16; j++) sc[j][i] = blk->scales[j];
                    d[i] = arm__h2f(blk->d);
                }
            }
            /* 8 code vectors (128 elements) of the 4 rows at a time, then transposed */
            ARM_UNROLL for (int h = 0; h < 2; h++) {
                int8x16_t c[4][8];
                ARM_UNROLL for (int i = 0; i < 4; i++) {
                    const uint8_t *p = w + ro[4 * g + i];
                    if (k45) {
                        const uint8_t *blk = p + (size_t)(b0 + b) * bsz;
                        uint8x16_t h0 = vdupq_n_u8(0), h1 = h0;      /* Q5_K: qh >> 4h for sub-blocks 4h.. */
                        if (five) {
                            const int8x16_t sh = vdupq_n_s8((int8_t)(-4 * h));
                            h0 = vshlq_u8(vld1q_u8(blk + offsetof(BlockQ5_K, qh)), sh);
                            h1 = vshlq_u8(vld1q_u8(blk + offsetof(BlockQ5_K, qh) + 16), sh);
                        }
                        arm__k45_codes(blk + oqs + 64 * h, five, &h0, &h1, c[i]);
                        arm__k45_codes(blk + oqs + 64 * h + 32, five, &h0, &h1, c[i] + 4);
                    } else if (ty == T_Q2_K) {
                        arm__k2_codes((const BlockQ2_K *)p + b0 + b, h, c[i]);
                    } else if (ty == T_Q3_K) {
                        arm__k3_codes((const BlockQ3_K *)p + b0 + b, h, c[i]);
                    } else {
                        const BlockQ6_K *blk = (const BlockQ6_K *)p + b0 + b;
                        arm__k6_codes(blk->ql + 64 * h, blk->qh + 32 * h, c[i], 1);
                    }
                }
                ARM_UNROLL for (int v = 0; v < 8; v++) {
                    int8x16_t a[4] = { c[0][v], c[1][v], c[2][v], c[3][v] };
                    ap__t4(a, &u->w[b][g][32 * h + 4 * v]);
                }
            }
            for (int j = 0; j < 16; j++) u->sc[b][g][j] = vld1q_s32(sc[j]);
            for (int j = 0; j < (k45 ? 8 : ty == T_Q2_K ? 16 : 0); j++) u->m[b][g][j] = vld1_s16(mn[j]);
            u->d[b][g] = vld1q_f32(d), u->dmin[b][g] = vld1q_f32(dm);
        }
}

/* The float step of super-block b for T tokens x 8 rows (xb: the tokens' blocks); the
   min term of Q4_K, Q5_K (8 mins times bsum pairs) and Q2_K (16 mins times bsums). */
ARM_AI void ap__kstep(int ty, int T, const ApWK *u, int b, const BlockQ8_K *const *xb, int32x4_t is[][2],
                      float32x4_t acc[][2]) {
    const int k45 = ty == T_Q4_K || ty == T_Q5_K;
    ARM_UNROLL for (int t = 0; t < T; t++) {
        const float xd = xb[t]->d;
        if (k45 || ty == T_Q2_K) {
            const int16x8_t bs = k45 ? arm__bsum32(xb[t]->bsums) : vld1q_s16(xb[t]->bsums);
            ARM_UNROLL for (int g = 0; g < 2; g++) {
                const int16x4_t *m = u->m[b][g];
                int32x4_t c = AP_MULL_LANE(m[0], bs, 0);
                c = AP_MLAL_LANE(c, m[1], bs, 1), c = AP_MLAL_LANE(c, m[2], bs, 2);
                c = AP_MLAL_LANE(c, m[3], bs, 3), c = AP_MLAL_LANE(c, m[4], bs, 4);
                c = AP_MLAL_LANE(c, m[5], bs, 5), c = AP_MLAL_LANE(c, m[6], bs, 6);
                c = AP_MLAL_LANE(c, m[7], bs, 7);
                if (!k45) {                             /* Q2_K: bsums 8..15 */
                    const int16x8_t bs8 = vld1q_s16(xb[t]->bsums + 8);
                    c = AP_MLAL_LANE(c, m[8], bs8, 0), c = AP_MLAL_LANE(c, m[9], bs8, 1);
                    c = AP_MLAL_LANE(c, m[10], bs8, 2), c = AP_MLAL_LANE(c, m[11], bs8, 3);
                    c = AP_MLAL_LANE(c, m[12], bs8, 4), c = AP_MLAL_LANE(c, m[13], bs8, 5);
                    c = AP_MLAL_LANE(c, m[14], bs8, 6), c = AP_MLAL_LANE(c, m[15], bs8, 7);
                }
                float32x4_t d = vmulq_n_f32(u->d[b][g], xd), dmin = vmulq_n_f32(u->dmin[b][g], xd);
                acc[t][g] = vaddq_f32(acc[t][g], vsubq_f32(vmulq_f32(d, vcvtq_f32_s32(is[t][g])),
                                                           vmulq_f32(dmin, vcvtq_f32_s32(c))));
            }
        } else {
            ARM_UNROLL for (int g = 0; g < 2; g++)
                acc[t][g] = vaddq_f32(acc[t][g], vmulq_f32(vmulq_n_f32(u->d[b][g], xd), vcvtq_f32_s32(is[t][g])));
        }
    }
}

/* T tokens x 8 rows (the first `rows` written) over the chunk's nb super-blocks. STEP(l)
   adds lane l of the token bytes xv (codes 4l..4l+3 of group v) to sub: sdot in ap__tgk,
   the int16 lanes (AP_KSTEP_M: 4 products, then widened) in ap__tgkm. */
#define AP_TGK(NAME, STEP)                                                                                     \
ARM_AI void NAME(int ty, int T, const ApWK *u, int nb, const uint8_t *x, size_t x_row, float *out, int64_t os, \
                 int first, int rows) {                                                                        \
    float32x4_t acc[AP_T][2];                                                                                  \
    ap__load(T, out, os, first, rows, acc);                                                                    \
    const int k45 = ty == T_Q4_K || ty == T_Q5_K, nsub = k45 ? 8 : 16, per = k45 ? 2 : 1; /* loads per sub-block */    \
    for (int b = 0; b < nb; b++) {                                                                             \
        const BlockQ8_K *xb[AP_T];                                                                             \
        ARM_UNROLL for (int t = 0; t < T; t++) xb[t] = (const BlockQ8_K *)(x + (size_t)t * x_row) + b;         \
        int32x4_t is[AP_T][2];                                                                                 \
        ARM_UNROLL for (int t = 0; t < T; t++) is[t][0] = is[t][1] = vdupq_n_s32(0);                           \
        for (int j = 0; j < nsub; j++) {                                                                       \
            int32x4_t sub[AP_T][2];                                                                            \
            ARM_UNROLL for (int t = 0; t < T; t++) sub[t][0] = sub[t][1] = vdupq_n_s32(0);                     \
            ARM_UNROLL for (int q = 0; q < per; q++) {                                                         \
                const int v = per * j + q;                 /* 16-byte group of the super-block */              \
                int8x16_t xv[AP_T];                                                                            \
                int16x8_t m[AP_T][4];                                                                          \
                (void)m;                                                                                       \
                ARM_UNROLL for (int t = 0; t < T; t++) xv[t] = vld1q_s8(xb[t]->qs + 16 * v);                   \
                STEP(0) STEP(1) STEP(2) STEP(3)                                                                \
            }                                                                                                  \
            const int32x4_t s0 = u->sc[b][0][j], s1 = u->sc[b][1][j];                                          \
            ARM_UNROLL for (int t = 0; t < T; t++)                                                             \
                is[t][0] = vmlaq_s32(is[t][0], sub[t][0], s0), is[t][1] = vmlaq_s32(is[t][1], sub[t][1], s1);  \
        }                                                                                                      \
        ap__kstep(ty, T, u, b, xb, is, acc);                                                                   \
    }                                                                                                          \
    ap__store(T, acc, out, os, rows);                                                                          \
}

#define AP_KSTEP_M(l)                                                               \
    {                                                                               \
        const int8x16_t w0 = u->w[b][0][4 * v + (l)], w1 = u->w[b][1][4 * v + (l)]; \
        AP_MSTEP(T, w0, w1, xv, l, (l) == 0, m)                                     \
        if ((l) == 3) { AP_MFLUSH(T, m, sub) }                                      \
    }
AP_TGK(ap__tgkm, AP_KSTEP_M)

/* The driver over chunks of blocks, 8 rows and AP_T tokens at a time, with the given
   token kernels (ap__tg / ap__tgk, or their non-dot twins). */
#define AP_RUN(SFX, TG, TGK, TS)                                                                            \
ARM_AI void ap__run_##SFX(int ty, const uint8_t *w, size_t w_row, int nr, const uint8_t *x, size_t x_row,   \
                          int nt, int64_t n, float *out, int64_t os) {                                      \
    const int k = type_layouts[ty].blck == QK_K;                                                            \
    const int64_t nbt = k ? n / QK_K : n / QK, cb = k ? AP_CBK : AP_CB;                                     \
    const size_t xbs = k ? sizeof(BlockQ8_K) : kern__xbs(ty);                                                 \
    const size_t wbs = type_layouts[ty].size;                                                               \
    union { ApW a; ApWK b; } pw;                                                                            \
    ApX xs[AP_TB];                                                                                          \
    for (int t0 = 0; t0 < nt; t0 += AP_TB) {                                                                \
        int ntb = nt - t0 < AP_TB ? nt - t0 : AP_TB;                                                        \
        const uint8_t *xt = x + (size_t)t0 * x_row;                                                         \
        for (int64_t b0 = 0; b0 < nbt; b0 += cb) {                                                          \
            int nb = (int)(nbt - b0 < cb ? nbt - b0 : cb);                                                  \
            for (int t = 0; t < ntb && !k; t++)                                                             \
                for (int b = 0; b < nb; b++) {                                                              \
                    uint16_t h[2];                                  /* d, and s of Q8_1 */                  \
                    memcpy(h, xt + (size_t)t * x_row + (size_t)(b0 + b) * xbs, 4);                          \
                    xs[t].d[b] = arm__h2f(h[0]), xs[t].s[b] = kern__q81(ty) ? arm__h2f(h[1]) : 0.0f;          \
                }                                                                                           \
            for (int r0 = 0; r0 < nr; r0 += 8) {                                                            \
                int rows = nr - r0 < 8 ? nr - r0 : 8;                                                       \
                size_t ro[8];                                                                               \
                for (int r = 0; r < 8; r++) ro[r] = (size_t)(r < rows ? r : rows - 1) * w_row;              \
                if (k) ap__unpackk(ty, w + (size_t)r0 * w_row, ro, b0, nb, &pw.b);                          \
                else ap__unpack(ty, w + (size_t)r0 * w_row, ro, b0, nb, &pw.a);                             \
                for (int r = r0 + 8; r < nr && r < r0 + 16; r++)  /* the next 8 rows' part of this chunk */ \
                    for (size_t o = 0; o < (size_t)nb * wbs; o += 64)                                       \
                        __builtin_prefetch(w + (size_t)r * w_row + (size_t)b0 * wbs + o, 0, 3);             \
                const uint8_t *xc = xt + (size_t)b0 * xbs;                                                  \
                for (int t = 0; t < ntb; t += (TS)) {                                                       \
                    int T = ntb - t < (TS) ? ntb - t : (TS);                                                \
                    float *o = out + (int64_t)(t0 + t) * os + r0;                                           \
                    const uint8_t *xg = xc + (size_t)t * x_row;                                             \
                    if (k) { KERN_BY_T(T, TGK(ty, TT, &pw.b, nb, xg, x_row, o, os, b0 == 0, rows)) }        \
                    else { KERN_BY_T(T, TG(ty, TT, &pw.a, nb, xg, x_row, xs + t, o, os, b0 == 0, rows)) }   \
                }                                                                                           \
            }                                                                                               \
        }                                                                                                   \
    }                                                                                                       \
}

#define AP_KERNEL(name, TY, SFX)                                                                               \
    static void kern_tile_##name##_pp_##SFX(const uint8_t *w, size_t w_row, int nr, const uint8_t *x,          \
                                            size_t x_row, int nt, int64_t n, float *out, int64_t os) {         \
        ap__run_##SFX(TY, w, w_row, nr, x, x_row, nt, n, out, os);                                             \
    }
#define AP_KERNELS(SFX) KERN_BATCH_TYPES(AP_KERNEL, SFX)
AP_RUN(neon, ap__tgm, ap__tgkm, AP_TSM)
AP_KERNELS(neon)

#if defined(__aarch64__)
#pragma GCC push_options
#pragma GCC target("arch=armv8.2-a+dotprod")
ARM_AI int32x4_t arm__sdot(int32x4_t acc, int8x16_t a, int8x16_t b) { return vdotq_s32(acc, a, b); }
ARM_DOTS(neondot, arm__sdot)

/* T tokens x 8 rows (the first `rows` written) over the chunk's nb blocks. */
ARM_AI void ap__tg(int ty, int T, const ApW *u, int nb, const uint8_t *x, size_t x_row, const ApX *xs,
                   float *out, int64_t os, int first, int rows) {
    float32x4_t acc[AP_T][2];
    ap__load(T, out, os, first, rows, acc);
    for (int b = 0; b < nb; b++) {
        int32x4_t is[AP_T][2];
        ARM_UNROLL for (int t = 0; t < T; t++) is[t][0] = is[t][1] = vdupq_n_s32(0);
        ARM_UNROLL for (int h = 0; h < 2; h++) {
            int8x16_t xv[AP_T];
            ARM_UNROLL for (int t = 0; t < T; t++)
                xv[t] = vld1q_s8((const int8_t *)(x + (size_t)t * x_row + (size_t)b * kern__xbs(ty) + kern__xqs(ty) + 16 * h));
#define AP_LANE(j)                                                                                  \
            {                                                                                       \
                const int8x16_t w0 = u->w[b][4 * h + (j)], w1 = u->w[b][8 + 4 * h + (j)];           \
                ARM_UNROLL for (int t = 0; t < T; t++) {                                            \
                    is[t][0] = vdotq_laneq_s32(is[t][0], w0, xv[t], j);                             \
                    is[t][1] = vdotq_laneq_s32(is[t][1], w1, xv[t], j);                             \
                }                                                                                   \
            }
            AP_LANE(0) AP_LANE(1) AP_LANE(2) AP_LANE(3)
#undef AP_LANE
        }
        ap__fstep(ty, T, u, b, xs, is, acc);
    }
    ap__store(T, acc, out, os, rows);
}

#define AP_KSTEP_DOT(l)                                                             \
    {                                                                               \
        const int8x16_t w0 = u->w[b][0][4 * v + (l)], w1 = u->w[b][1][4 * v + (l)]; \
        ARM_UNROLL for (int t = 0; t < T; t++) {                                    \
            sub[t][0] = vdotq_laneq_s32(sub[t][0], w0, xv[t], l);                   \
            sub[t][1] = vdotq_laneq_s32(sub[t][1], w1, xv[t], l);                   \
        }                                                                           \
    }
AP_TGK(ap__tgk, AP_KSTEP_DOT)

AP_RUN(neondot, ap__tg, ap__tgk, AP_T)
AP_KERNELS(neondot)
#pragma GCC pop_options
#endif

/* ---- F16 conversions and FMA: the float types' kernels, attention over the F16 cache, SwiGLU ----
 * aarch64 always has them; armv7 needs VFPv4 (ISA_NEONV4: AT_HWCAP has HWCAP_VFPv4, as
 * on every Pi from the Pi 2 on). GCC's armv7 arm_neon.h declares no float16 types
 * without the global -mfp16-format=ieee, so there the two conversions are one
 * instruction each in assembly. */
#if defined(__arm__)
#define ARM_V4 __attribute__((target("fpu=neon-vfpv4")))
ARM_AI float32x4_t arm__h2f4(uint16x4_t h) {
    float32x4_t r;
    __asm__("vcvt.f32.f16 %q0, %P1" : "=w"(r) : "w"(h));
    return r;
}
ARM_AI uint16x4_t arm__f2h4(float32x4_t f) {
    uint16x4_t r;
    __asm__("vcvt.f16.f32 %P0, %q1" : "=w"(r) : "w"(f));
    return r;
}
#else
#define ARM_V4
ARM_AI float32x4_t arm__h2f4(uint16x4_t h) { return vcvt_f32_f16(vreinterpret_f16_u16(h)); }
ARM_AI uint16x4_t arm__f2h4(float32x4_t f) { return vreinterpret_u16_f16(vcvt_f16_f32(f)); }
#endif

/* ---- the float types (F32, F16, BF16): dots, and tiles of rows x tokens ----
 * BF16 is the top half of an F32, so it widens by one shift. Dots: products summed in
 * float lanes per chunk of 256 elements, the chunks in double. A tile multiplies ARM_FR
 * rows by ARM_TT tokens: each 4 elements of a row and of a token are loaded and widened
 * once for the whole tile, not once per dot (16 multiply-adds per 8 loads, not 1 per
 * 2), and sums as the dots do. armv7 without VFPv4 has no fused multiply-add: vmlaq_f32
 * there (F16 needs VFPv4 for its conversions anyway, so its dot and tile are ARM_V4
 * functions, and its dot fuses). */
#if defined(__aarch64__)
enum { ARM_FR = 4 };
#define ARM_FMLA(a, b, c) vfmaq_f32(a, b, c)
#else
enum { ARM_FR = 2 };      /* 16 vector registers: 8 sums, 2 rows, 4 tokens */
#define ARM_FMLA(a, b, c) vmlaq_f32(a, b, c)
#endif

ARM_AI float32x4_t arm__bf2f4(uint16x4_t h) { return vreinterpretq_f32_u32(vshll_n_u16(h, 16)); }

/* Elements i .. i + 3 of a row of `type` (F32, F16, BF16) as floats. */
ARM_AI float32x4_t arm__f4(const uint8_t *row, int64_t i, int type) {
    if (type == T_F32) return vld1q_f32((const float *)row + i);
    const uint16x4_t h = vld1_u16((const uint16_t *)row + i);
    return type == T_F16 ? arm__h2f4(h) : arm__bf2f4(h);
}
ARM_AI float arm__f1(const uint8_t *row, int64_t i, int type) {
    if (type == T_F32) return ((const float *)row)[i];
    return type == T_F16 ? f16_to_f32(((const uint16_t *)row)[i]) : bf16_to_f32(((const uint16_t *)row)[i]);
}

#define ARM_DOT_F(name, ATTR, TY, FMA)                                                                          \
    ATTR static float kern_dot_##name##_neon(const void *vw, const void *vx, int64_t n) {                      \
        const uint8_t *w = vw, *x = vx;                                                                        \
        double sum = 0.0;                                                                                      \
        int64_t i = 0;                                                                                         \
        while (i + 16 <= n) {                                                                                  \
            int64_t end = i + 256 <= n ? i + 256 : n - (n - i) % 16;                                           \
            float32x4_t a0 = vdupq_n_f32(0.0f), a1 = a0, a2 = a0, a3 = a0;                                     \
            for (; i < end; i += 16) {                                                                         \
                a0 = FMA(a0, arm__f4(w, i, TY), arm__f4(x, i, TY));                                            \
                a1 = FMA(a1, arm__f4(w, i + 4, TY), arm__f4(x, i + 4, TY));                                    \
                a2 = FMA(a2, arm__f4(w, i + 8, TY), arm__f4(x, i + 8, TY));                                    \
                a3 = FMA(a3, arm__f4(w, i + 12, TY), arm__f4(x, i + 12, TY));                                  \
            }                                                                                                  \
            sum += (double)arm__hadd_f32(vaddq_f32(vaddq_f32(a0, a1), vaddq_f32(a2, a3)));                     \
        }                                                                                                      \
        for (; i < n; i++) sum += (double)(arm__f1(w, i, TY) * arm__f1(x, i, TY));                             \
        return (float)sum;                                                                                     \
    }
ARM_DOT_F(f32, , T_F32, ARM_FMLA)
ARM_DOT_F(bf16, , T_BF16, ARM_FMLA)
ARM_DOT_F(f16, ARM_V4, T_F16, vfmaq_f32)

ARM_AI void arm__tile_f(const uint8_t *w, size_t w_row, const uint8_t *x, size_t x_row, int64_t n, float *out, int64_t os,
                        int type) {
    double s[ARM_FR][ARM_TT] = { { 0 } };
    int64_t i = 0;
    while (i + 4 <= n) {
        const int64_t end = i + 256 <= n ? i + 256 : n - (n - i) % 4;
        float32x4_t acc[ARM_FR][ARM_TT];
        ARM_UNROLL for (int r = 0; r < ARM_FR; r++) ARM_UNROLL for (int t = 0; t < ARM_TT; t++) acc[r][t] = vdupq_n_f32(0.0f);
        for (; i < end; i += 4) {
            float32x4_t xv[ARM_TT];
            ARM_UNROLL for (int t = 0; t < ARM_TT; t++) xv[t] = arm__f4(x + t * x_row, i, type);
            ARM_UNROLL for (int r = 0; r < ARM_FR; r++) {
                const float32x4_t wv = arm__f4(w + r * w_row, i, type);
                ARM_UNROLL for (int t = 0; t < ARM_TT; t++) acc[r][t] = ARM_FMLA(acc[r][t], wv, xv[t]);
            }
        }
        ARM_UNROLL for (int r = 0; r < ARM_FR; r++) ARM_UNROLL for (int t = 0; t < ARM_TT; t++) s[r][t] += (double)arm__hadd_f32(acc[r][t]);
    }
    for (; i < n; i++)
        for (int r = 0; r < ARM_FR; r++)
            for (int t = 0; t < ARM_TT; t++) s[r][t] += (double)(arm__f1(w + r * w_row, i, type) * arm__f1(x + t * x_row, i, type));
    for (int r = 0; r < ARM_FR; r++)
        for (int t = 0; t < ARM_TT; t++) out[t * os + r] = (float)s[r][t];
}
static void kern_tile_f32_neon(const uint8_t *w, size_t w_row, int nr, const uint8_t *x, size_t x_row, int nt, int64_t n,
                               float *out, int64_t os) {
    (void)nr, (void)nt;
    arm__tile_f(w, w_row, x, x_row, n, out, os, T_F32);
}
static void kern_tile_bf16_neon(const uint8_t *w, size_t w_row, int nr, const uint8_t *x, size_t x_row, int nt, int64_t n,
                                float *out, int64_t os) {
    (void)nr, (void)nt;
    arm__tile_f(w, w_row, x, x_row, n, out, os, T_BF16);
}
ARM_V4 static void kern_tile_f16_neon(const uint8_t *w, size_t w_row, int nr, const uint8_t *x, size_t x_row, int nt,
                                      int64_t n, float *out, int64_t os) {
    (void)nr, (void)nt;
    arm__tile_f(w, w_row, x, x_row, n, out, os, T_F16);
}

ARM_V4 static inline __attribute__((always_inline)) float32x4_t arm__f16_round4(float32x4_t x) {
    return arm__h2f4(arm__f2h4(x));                             /* to F16 and back */
}

/* e^x for 4 floats as kern__exp_avx2 computes it (clamped to normal results, x = k ln2
   + r with ln2 in two parts, Taylor polynomial of degree 7, 2^k in the exponent bits). */
ARM_V4 static inline __attribute__((always_inline)) float32x4_t arm__exp4(float32x4_t x) {
    x = vminq_f32(vmaxq_f32(x, vdupq_n_f32(-87.0f)), vdupq_n_f32(88.0f));
    int32x4_t ki = arm__rne_s32(vmulq_n_f32(x, 1.44269504088896341f));
    float32x4_t k = vcvtq_f32_s32(ki);
    float32x4_t r = vfmsq_f32(x, k, vdupq_n_f32(0.693145751953125f));
    r = vfmsq_f32(r, k, vdupq_n_f32(1.428606765330187e-06f));
    static const float c[7] = { 1.0f / 720, 1.0f / 120, 1.0f / 24, 1.0f / 6, 0.5f, 1.0f, 1.0f };
    float32x4_t p = vdupq_n_f32(1.0f / 5040);
    for (int i = 0; i < 7; i++) p = vfmaq_f32(vdupq_n_f32(c[i]), p, r);
    return vmulq_f32(p, vreinterpretq_f32_s32(vshlq_n_s32(vaddq_s32(ki, vdupq_n_s32(127)), 23)));
}

/* e^x in place for kern__attn_steps, 4 at a time (see kern__attn_exp_avx2). */
ARM_V4 static void arm__attn_exp(float *x, int n) {
    int i = 0;
    for (; i + 4 <= n; i += 4) vst1q_f32(x + i, arm__exp4(vld1q_f32(x + i)));
    if (i < n) {
        float t[4] = { 0 };
        memcpy(t, x + i, (size_t)(n - i) * sizeof *x);
        vst1q_f32(t, arm__exp4(vld1q_f32(t)));
        memcpy(x + i, t, (size_t)(n - i) * sizeof *x);
    }
}

/* 4 x C dimensions of the values of B positions into the accumulators of NQ heads (F16,
 * head g's at acc + g * hd): see ATT_V_LOOP. */
ARM_V4 static inline __attribute__((always_inline)) void arm__attn_v(uint16_t *acc, int hd, const int NQ, const int C,
                                                                     const uint16_t *v, size_t stride, int B,
                                                                     const uint8_t *up, const uint8_t *any,
                                                                     const float *e) {
    float32x4_t a[8];
    ARM_UNROLL for (int g = 0; g < NQ; g++)
        ARM_UNROLL for (int c = 0; c < C; c++) a[g * C + c] = arm__h2f4(vld1_u16(acc + g * hd + 4 * c));
    for (int p = 0; p < B; p++, v += stride) {
        if (any[p]) {
            ARM_UNROLL for (int g = 0; g < NQ; g++) {
                if (!up[g * ATT_BLK + p]) continue;
                float32x4_t w = vdupq_n_f32(e[g * ATT_BLK + p]);
                ARM_UNROLL for (int c = 0; c < C; c++) a[g * C + c] = arm__f16_round4(vmulq_f32(a[g * C + c], w));
            }
        }
        float w[ATT_G];                              /* a head whose maximum rose weighs it by 1 */
        ARM_UNROLL for (int g = 0; g < NQ; g++) w[g] = any[p] && up[g * ATT_BLK + p] ? 1.0f : e[g * ATT_BLK + p];
        ARM_UNROLL for (int c = 0; c < C; c++) {
            float32x4_t x = arm__h2f4(vld1_u16(v + 4 * c));
            ARM_UNROLL for (int g = 0; g < NQ; g++) a[g * C + c] = arm__f16_round4(vfmaq_f32(a[g * C + c], x, vdupq_n_f32(w[g])));
        }
    }
    ARM_UNROLL for (int g = 0; g < NQ; g++)
        ARM_UNROLL for (int c = 0; c < C; c++) vst1_u16(acc + g * hd + 4 * c, arm__f2h4(a[g * C + c]));
}

/* All hd dimensions of the values of a block, ATT_VC(NQ) slices of 4 at a time. */
ARM_V4 static inline __attribute__((always_inline)) void arm__attn_vals(uint16_t *acc, int hd, const int NQ,
                                                                        const uint16_t *v, size_t stride, int B,
                                                                        const uint8_t *up, const uint8_t *any,
                                                                        const float *e) {
    const int nv = hd / 4;
    int i = 0;
    for (; i + ATT_VC(NQ) <= nv; i += ATT_VC(NQ)) arm__attn_v(acc + 4 * i, hd, NQ, ATT_VC(NQ), v + 4 * i, stride, B, up, any, e);
    for (; i < nv; i++) arm__attn_v(acc + 4 * i, hd, NQ, 1, v + 4 * i, stride, B, up, any, e);
}

/* A head's dots with 4 keys (see kern__attn_dot8_avx2). */
ARM_V4 static inline __attribute__((always_inline)) float32x4_t arm__attn_dot4(const float32x4_t *q, int nv,
                                                                               const float32x4_t *kf,
                                                                               const uint16_t *kb, size_t stride) {
    float32x4_t s[4];
    for (int j = 0; j < 4; j++) s[j] = vdupq_n_f32(0.0f);
    for (int i = 0; i < nv; i++)
        _Pragma("GCC unroll 4") for (int j = 0; j < 4; j++)
            s[j] = vfmaq_f32(s[j], q[i], kf ? kf[j * nv + i] : arm__h2f4(vld1_u16(kb + j * stride + 4 * i)));
    float32x2_t d[4];                 /* lane j of the result: the sum of s[j] */
    for (int j = 0; j < 4; j++) d[j] = vadd_f32(vget_low_f32(s[j]), vget_high_f32(s[j]));
    return vcombine_f32(vpadd_f32(d[0], d[1]), vpadd_f32(d[2], d[3]));
}

/* kern_attn_f16_ref for nq <= ATT_G heads of one KV head, with 4-wide F16 conversions and
 * FMA (head sizes that are multiples of 8), in blocks of positions (see ATT_BLK): four
 * keys converted once, and each head's dots with them summed in float lanes (not in
 * double). */
ARM_V4 static void arm__attn_group(const float *qs, int nq, const uint16_t *k, const uint16_t *v, size_t stride, int n,
                                   int hd, float scale, float *out) {
    const int nv = hd / 4;
    float32x4_t q[ATT_G * ATT_HD / 4], kf[4 * ATT_HD / 4];
    AttnGroup a;
    float *sc = a.sc;
    kern__attn_group_init(&a, nq, hd);
    for (int i = 0; i < nq * nv; i++) q[i] = arm__f16_round4(vld1q_f32(qs + 4 * i));
    for (int p0 = 0; p0 < n; p0 += ATT_BLK) {
        const int B = n - p0 < ATT_BLK ? n - p0 : ATT_BLK;
        const uint16_t *kb = k + (size_t)p0 * stride;
        int p = 0;
        for (; p + 4 <= B; p += 4) {
            if (nq == 1) {
                vst1q_f32(sc + p, vmulq_n_f32(arm__attn_dot4(q, nv, NULL, kb + (size_t)p * stride, stride), scale));
                continue;
            }
            for (int j = 0; j < 4; j++)
                for (int i = 0; i < nv; i++) kf[j * nv + i] = arm__h2f4(vld1_u16(kb + (size_t)(p + j) * stride + 4 * i));
            for (int g = 0; g < nq; g++)
                vst1q_f32(sc + g * ATT_BLK + p, vmulq_n_f32(arm__attn_dot4(q + g * nv, nv, kf, NULL, 0), scale));
        }
        for (; p < B; p++)
            for (int g = 0; g < nq; g++) {
                float32x4_t s = vdupq_n_f32(0.0f);
                for (int i = 0; i < nv; i++) s = vfmaq_f32(s, q[g * nv + i], arm__h2f4(vld1_u16(kb + (size_t)p * stride + 4 * i)));
                sc[g * ATT_BLK + p] = arm__hadd_f32(s) * scale;
            }
        kern__attn_group_steps(&a, B, arm__attn_exp);
        const uint16_t *vb = v + (size_t)p0 * stride;
        ATT_BY_NQ(nq, arm__attn_vals(a.acc, hd, NQ, vb, stride, B, a.up, a.any, sc))
    }
    for (int g = 0; g < nq; g++) {
        const float32x4_t inv = vdupq_n_f32(kern__attn_group_inv(&a, g));
        for (int i = 0; i < nv; i++) vst1q_f32(out + (size_t)g * hd + 4 * i, vmulq_f32(arm__h2f4(vld1_u16(a.acc + g * hd + 4 * i)), inv));
    }
}

/* kern_attn_heads_ref's work, ATT_G heads at a time. */
ARM_V4 static void kern_attn_f16_neon(const float *q, int nq, const uint16_t *k, const uint16_t *v, size_t stride,
                                      int n, int hd, float scale, float *out) {
    if (hd % 8 || hd > ATT_HD) { kern_attn_heads_ref(q, nq, k, v, stride, n, hd, scale, out); return; }
    for (int g = 0; g < nq; g += ATT_G)
        arm__attn_group(q + (size_t)g * hd, nq - g < ATT_G ? nq - g : ATT_G, k, v, stride, n, hd, scale,
                        out + (size_t)g * hd);
}

ARM_V4 static void kern_swiglu_neon(float *g, const float *u, int64_t n) {
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) {
        float32x4_t x = vld1q_f32(g + i);
        float32x4_t d = vaddq_f32(vdupq_n_f32(1.0f), arm__exp4(vnegq_f32(x)));
#if defined(__aarch64__)
        float32x4_t s = vdivq_f32(x, d);
#else
        float32x4_t r = vrecpeq_f32(d);       /* no division: the estimate and 3 Newton steps */
        r = vmulq_f32(vrecpsq_f32(d, r), r);
        r = vmulq_f32(vrecpsq_f32(d, r), r);
        r = vmulq_f32(vrecpsq_f32(d, r), r);
        float32x4_t s = vmulq_f32(x, r);
#endif
        vst1q_f32(g + i, vmulq_f32(s, vld1q_f32(u + i)));
    }
    kern_swiglu_ref(g + i, u + i, n - i);
}
#undef ARM_V4

/* ---- activation conversions (same bytes as the reference) ---- */

/* amax of 32 floats in v[8]. */
ARM_AI float arm__amax32(const float32x4_t v[8]) {
    float32x4_t m = vmaxq_f32(vmaxq_f32(vabsq_f32(v[0]), vabsq_f32(v[1])), vmaxq_f32(vabsq_f32(v[2]), vabsq_f32(v[3])));
    m = vmaxq_f32(m, vmaxq_f32(vmaxq_f32(vabsq_f32(v[4]), vabsq_f32(v[5])), vmaxq_f32(vabsq_f32(v[6]), vabsq_f32(v[7]))));
    return arm__hmax_f32(m);
}
/* 32 int8 = rne(v[i] * id) into q; returns their sum. */
ARM_AI int arm__q8_32(const float32x4_t v[8], float id, int8_t *q) {
    int16x8_t s = vdupq_n_s16(0);
    for (int k = 0; k < 4; k++) {
        int32x4_t i0 = arm__rne_s32(vmulq_n_f32(v[2 * k], id));
        int32x4_t i1 = arm__rne_s32(vmulq_n_f32(v[2 * k + 1], id));
        int16x8_t h = vcombine_s16(vmovn_s32(i0), vmovn_s32(i1));
        s = vaddq_s16(s, h);
        vst1_s8(q + 8 * k, vmovn_s16(h));
    }
    int32x4_t s4 = vpaddlq_s16(s);
    return arm__hadd_s32(s4);
}
#if defined(__aarch64__)
#define ARM_TINY(amax) 0
#else
#define ARM_TINY(amax) ((amax) < 1e-30f)       /* armv7 NEON flushes denormals: scalar */
#endif

static void kern_quant_q8_0_neon(const float *x, void *vy, int64_t n) {
    BlockQ8_0 *y = vy;
    for (int64_t b = 0; b < n / QK; b++, x += QK) {
        float32x4_t v[8];
        for (int k = 0; k < 8; k++) v[k] = vld1q_f32(x + 4 * k);
        float amax = arm__amax32(v);
        if (ARM_TINY(amax)) { kern_quant_q8_0_act(x, &y[b], QK); continue; }
        float id = amax != 0.0f ? 127.0f / amax : 0.0f;
        y[b].d = f32_to_f16(amax / 127.0f);
        arm__q8_32(v, id, y[b].qs);
    }
}
static void kern_quant_q8_1_neon(const float *x, void *vy, int64_t n) {
    BlockQ8_1 *y = vy;
    for (int64_t b = 0; b < n / QK; b++, x += QK) {
        float32x4_t v[8];
        for (int k = 0; k < 8; k++) v[k] = vld1q_f32(x + 4 * k);
        float amax = arm__amax32(v);
        if (ARM_TINY(amax)) { kern_quant_q8_1_act(x, &y[b], QK); continue; }
        float d = amax / 127.0f, id = amax != 0.0f ? 127.0f / amax : 0.0f;
        int sum = arm__q8_32(v, id, y[b].qs);
        y[b].d = f32_to_f16(d);
        y[b].s = f32_to_f16(fminf(65504.0f, fmaxf(-65504.0f, (float)sum * d)));
    }
}
/* As kern_quant_q8_k_ref: max is the first value of largest magnitude. */
static void kern_quant_q8_k_neon(const float *x, void *vy, int64_t n) {
    BlockQ8_K *y = vy;
    for (int64_t b = 0; b < n / QK_K; b++, x += QK_K) {
        float32x4_t m = vdupq_n_f32(0.0f);
        for (int j = 0; j < QK_K; j += 4) m = vmaxq_f32(m, vabsq_f32(vld1q_f32(x + j)));
        float amax = arm__hmax_f32(m);
        if (amax == 0.0f || ARM_TINY(amax)) { kern_quant_q8_k_ref(x, &y[b], QK_K); continue; }
        float max = 0.0f;
        for (int j = 0; j < QK_K; j++)
            if (fabsf(x[j]) == amax) { max = x[j]; break; }
        float iscale = -127.0f / max;
        const int32x4_t lim = vdupq_n_s32(127);
        for (int i = 0; i < QK_K / 16; i++) {
            const float *xs = x + 16 * i;
            int32x4_t i0 = vminq_s32(arm__rne_s32(vmulq_n_f32(vld1q_f32(xs), iscale)), lim);
            int32x4_t i1 = vminq_s32(arm__rne_s32(vmulq_n_f32(vld1q_f32(xs + 4), iscale)), lim);
            int32x4_t i2 = vminq_s32(arm__rne_s32(vmulq_n_f32(vld1q_f32(xs + 8), iscale)), lim);
            int32x4_t i3 = vminq_s32(arm__rne_s32(vmulq_n_f32(vld1q_f32(xs + 12), iscale)), lim);
            int16x8_t h0 = vcombine_s16(vmovn_s32(i0), vmovn_s32(i1)), h1 = vcombine_s16(vmovn_s32(i2), vmovn_s32(i3));
            vst1q_s8(y[b].qs + 16 * i, vcombine_s8(vmovn_s16(h0), vmovn_s16(h1)));
            y[b].bsums[i] = (int16_t)arm__hadd_s32(vaddq_s32(vpaddlq_s16(h0), vpaddlq_s16(h1)));
        }
        y[b].d = 1.0f / iscale;
    }
}

#if defined(__arm__)
#pragma GCC pop_options
#endif
#undef ARM_AI
#undef ARM_TINY
#endif /* aarch64 / armv7 */

/* ---- x86_64 gemv kernels: 4 weight rows x 1 activation row (token generation) ----
 *
 * Generation reads every weight row once per token, so the dot products must run at
 * memory speed. These kernels (KernImpl.gemv, gemv_r = 4) take four rows at a time so
 * that each activation block is loaded (and its offset term computed) once for four
 * rows, the integer sums of the four rows are reduced together (hadd) and scaled with
 * one float multiply-add for all four rows, and the f16 weight scales of the four rows
 * are packed into one vector with scalar loads (integer ports, idle otherwise) and
 * converted with one vcvtph2ps.
 *
 * Simple types (Q4_0, Q5_0, Q8_0, Q4_1, Q5_1): within a block the integer sum is the
 * reference's exactly; each block's sum is scaled by d_w * d_x in float (Q8_0 on AVX2:
 * the two 16-element halves are scaled separately) and accumulated in float lanes, so
 * results equal the reference up to float rounding/summation order (as the existing
 * AVX2 dots). Q4_0/Q4_1/Q5_0/Q5_1 take two blocks per 256-bit vector: the 16 code bytes of
 * blocks b and b+1 side by side, low nibbles against [x_b 0..15 | x_b+1 0..15] and
 * high nibbles against [x_b 16..31 | x_b+1 16..31] (activation bytes rearranged once
 * per block pair for all four rows).
 *
 * K-quants: the four-row tile of the KqRow code with one token: bit-identical to the
 * reference (same integers, the reference's float expression per block, blocks summed
 * in order in each lane). */
#if defined(__x86_64__)
#include <immintrin.h>

#define KG_AVX2 __attribute__((target("avx2,fma,f16c")))
#define KG_VNNI __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")))
#define KG_INLINE static inline __attribute__((always_inline))
#ifndef KG_PF
#define KG_PF 32768
#endif
/* Software prefetch (into L2: prefetcht1) of the same bytes KG_PF bytes further: the
   four rows are four short interleaved streams that the hardware prefetcher follows
   badly (measured on Zen 4, Q4_0 2048 columns: 6.6 GB/s without, 14 GB/s with
   prefetcht0, whose L1 miss buffers are too few, 18.5 GB/s with prefetcht1 = the
   in-cache speed of the kernel). The distance: 32 KiB ahead beat 16 KiB by 3% (Q4_0)
   to 9% (Q8_0) for one thread with the 512-bit kernels (tinyllama-1.1b, 32 tokens). */
#ifndef KG_HINT
#define KG_HINT _MM_HINT_T1
#endif
#define KG_PREFETCH(p, w_row) _mm_prefetch((const char *)(p) + KG_PF, KG_HINT)
/* The 512-bit generation kernels (Q4_0, Q8_0, Q4_K, Q5_K, Q6_K) prefetch every line twice, at
   KG_PF and at KG_PF2 bytes ahead: some first prefetches seem to be dropped when the
   miss queues are full, and the second one brings the line before the loads need it.
   Measured in one process, tokens alternating with and without it (so the machine's
   drift cancels), tinyllama-1.1b, huge pages: Q4_K_M 1.5-2.5% faster with one thread,
   5-7% with two; Q4_0 0.7% / 4-5%; 16 KiB beat 8 and 24. Not for the 256-bit gemvs (the
   Q8_0 one gained nothing) nor the AVX2 kernels, which are compute-bound with one
   thread (2.7-4% slower there). */
#ifndef KG_PF2
#define KG_PF2 16384
#endif
/* l1 (a literal where the kernels are instantiated): prefetcht0 instead of KG_HINT. On a
   Zen 5 (AMD family 1Ah) prefetcht1 left the 512-bit generation kernels 8-10% slower
   than prefetcht0 (tinyllama-1.1b, one thread, Q4_K_M 47-49 -> 51-53 t/s, Q8_0 22.1-23.2
   -> 24.4-25.3; Q4_0 no faster); Zen 4 measured the opposite (above). kern__detect sets
   kern_prefetch_l1 by the CPU's family and kern_init takes the KernGenVariant's fn_l1. */
#define KG_PF1(a, l1) ((l1) ? _mm_prefetch((const char *)(a), _MM_HINT_T0) : _mm_prefetch((const char *)(a), KG_HINT))
#define KG_PREFETCH2(p, l1) (KG_PF1((const char *)(p) + KG_PF, l1), KG_PF1((const char *)(p) + KG_PF2, l1))
/* Interleaved rows (Mat.il): one stream, each line prefetched into L1 KG_IL_PF bytes
   ahead, and by Q4_0 and Q8_0 (KG_IL_PREFETCH) again KG_IL_PF2 ahead, as KG_PF2 above.
   Zen 5, rows of 2048 from memory (huge pages), one thread, a scratch harness calling the
   kernels over 100000 rows, GB/s: Q4_0 with one prefetch 32-33 (any distance 2-16 KiB,
   or prefetcht1, or a prefetcht1 far and prefetcht0 near: 28-36); with two prefetcht0
   1+8 KiB 38-40, 4+16 KiB 42-43, 8+16 KiB 44-46, 8+24 KiB 43; the plain read of the same
   memory 41. Q8_0 31 -> 38. In the model (tinyllama-1.1b, one thread, huge pages) Q4_0
   55-58 -> 60-61 t/s, Q8_0 27.3 -> 31.4-32.1; but Q4_K_M 58.4 -> 55.0, so the K-quants
   keep one prefetch (their kernels do more work per byte). */
#ifndef KG_IL_PF
#define KG_IL_PF 8192
#endif
#ifndef KG_IL_PF2
#define KG_IL_PF2 16384
#endif
#define KG_IL_PREFETCH(p) (_mm_prefetch((const char *)(p) + KG_IL_PF, _MM_HINT_T0), \
                           _mm_prefetch((const char *)(p) + KG_IL_PF2, _MM_HINT_T0))
/* Rows in place (the file mapping) of at most KG_LIN_MAX bytes, with l1 (Q4_0, Q8_0 and
   the K-quants): the four rows' streams are prefetched as one, line by line through
   their bytes in address order, three prefetcht0 per line. At offset off of each row
   the pointer is at 3 w_row + 4 off (plus the distances), four times as fast as each
   row, so it passes row 3's position at the start and the next four rows' start at the
   end: every row is covered, and at most 3 w_row + KG_LIN_PF3 ahead. Zen 5, one
   thread, a scratch harness calling the kernels over 200000 rows of 2048 on 4 KiB
   pages, two prefetches, GB/s: Q8_0 26.8-27.5 -> 31.0-31.2 (the plain read 38-39), Q4_0
   30.4-30.6 -> 36.1-37.4; rows of 5632, Q4_0 29.1-30.9 -> 32.0-32.3, Q8_0 (5984 bytes)
   27 -> 26. Distances 2+8 KiB against 4+12, 8+16 and 8+24: the same for Q8_0, 3-8%
   better for Q4_0. In the model (tinyllama-1.1b, --no-hugepages), alternating:
   - two prefetches, rows up to 4 KiB: Q4_0 74-75% -> 81-83% of the limit with one
     thread, 72-74% -> 79-82% with two; Q8_0 66% -> 72-74%, 75-78% -> 81-84%;
   - the third, 16 KiB ahead: Q8_0 73-75% -> 77% with one thread, Q4_0 the same
     (prefetchnta instead: Q4_0 +3%, Q8_0 no better);
   - the K-quants (Q4_K_M) with three: 81-82% -> 85-86% (one thread), 69-73% -> 83-85%
     (two) for rows up to 4 KiB; 87-88% and 86-91% up to 8 KiB (Q6_K's 4620-byte rows
     too), where Q8_0's 5984-byte rows are neither faster nor slower. With two
     prefetches Q4_K_M gained nothing, with one it lost. */
#ifndef KG_LIN_MAX
#define KG_LIN_MAX 8192
#endif
#ifndef KG_LIN_PF
#define KG_LIN_PF 2048
#endif
#ifndef KG_LIN_PF2
#define KG_LIN_PF2 8192
#endif
#ifndef KG_LIN_PF3
#define KG_LIN_PF3 16384
#endif
/* Whether a kernel reading 4 rows w_row apart prefetches them by kg__lin_prefetch. */
#define KG_LIN(il, l1, w_row) (!(il) && (l1) && (w_row) <= KG_LIN_MAX)
KG_INLINE void kg__lin_prefetch(const uint8_t *w, size_t w_row, size_t off, size_t len) {
    const char *p = (const char *)w + 3 * w_row + 4 * off;
    for (size_t o = 0; o < 4 * len; o += 64) {
        _mm_prefetch(p + o + KG_LIN_PF, _MM_HINT_T0);
        _mm_prefetch(p + o + KG_LIN_PF2, _MM_HINT_T0);
        _mm_prefetch(p + o + KG_LIN_PF3, _MM_HINT_T0);
    }
}

/* The f16 at byte offset off of four rows w_row apart, as one 64-bit word. */
/* The empty asm keeps GCC from vectorising the packing (it would use vector ports,
   which are the bottleneck, for what the integer ports do for free). */
static inline uint64_t kg__f16x4(const uint8_t *w, size_t w_row, size_t off) {
    uint64_t a = kx__u16(w + off), b = kx__u16(w + w_row + off), c = kx__u16(w + 2 * w_row + off),
             d = kx__u16(w + 3 * w_row + off);
    __asm__("" : "+r"(a), "+r"(b), "+r"(c), "+r"(d));
    return a | b << 16 | c << 32 | d << 48;
}

/* Row sums of four int32 vectors, lane-wise per 128-bit half:
   [sum4 a0.lo, a1.lo, a2.lo, a3.lo | sum4 a0.hi, a1.hi, a2.hi, a3.hi]. */
#define KG_HADD4(a) _mm256_hadd_epi32(_mm256_hadd_epi32((a)[0], (a)[1]), _mm256_hadd_epi32((a)[2], (a)[3]))

/* ----- Q4_0 / Q5_0 / Q4_1 / Q5_1: two blocks per vector ----- */

/* Codes of blocks b (low lane) and b+1 (high lane): lo = elements 0..15, hi = 16..31, as
   unsigned bytes (Q5: fifth bit included). two = 0: block b only, high lane zero. */
KG_AVX2 KG_INLINE void kg__nib2_avx2(int ty, const uint8_t *b0, int two, __m256i *lo, __m256i *hi) {
    const size_t bs = kx__wbs(ty), qs = kx__wqs(ty);
    __m128i r0 = _mm_loadu_si128((const __m128i *)(b0 + qs));
    __m256i v = two ? _mm256_inserti128_si256(_mm256_castsi128_si256(r0), _mm_loadu_si128((const __m128i *)(b0 + bs + qs)), 1)
                    : _mm256_zextsi128_si256(r0);
    const __m256i m4 = _mm256_set1_epi8(0x0f);
    *lo = _mm256_and_si256(v, m4);
    *hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), m4);
}
/* Q5: the fifth bits of elements 0..15 of both blocks (ml) and of 16..31 (mh), bit j of
   each 16 for element j, block b's below block b+1's: the byte order of lo and hi. */
static inline void kg__qh2(int ty, const uint8_t *b0, int two, uint32_t *ml, uint32_t *mh) {
    uint32_t h0 = kx__u32(b0 + kx__wqh(ty)), h1 = two ? kx__u32(b0 + kx__wbs(ty) + kx__wqh(ty)) : 0;
    *ml = (h0 & 0xffff) | (h1 << 16), *mh = (h0 >> 16) | (h1 & 0xffff0000u);
}
KG_AVX2 KG_INLINE void kg__codes2_avx2(int ty, const uint8_t *b0, int two, __m256i *lo, __m256i *hi) {
    kg__nib2_avx2(ty, b0, two, lo, hi);
    if (kx__is5(ty)) {
        uint32_t ml, mh;
        kg__qh2(ty, b0, two, &ml, &mh);
        const __m256i b4 = _mm256_set1_epi8(0x10);
        *lo = _mm256_or_si256(*lo, _mm256_and_si256(kx__bits32_avx2(ml), b4));
        *hi = _mm256_or_si256(*hi, _mm256_and_si256(kx__bits32_avx2(mh), b4));
    }
}
/* kx__bits32_avx2 puts bits 0..7 in bytes 0..7 etc.: bits 0..15 -> bytes 0..15 (low lane),
   16..31 -> bytes 16..31 (high lane), which is what kg__codes2 needs. */

/* The same codes where AVX-512 (BW, VL) is there: the fifth bits are a byte mask as they
   stand, so each half takes one masked add of 16 instead of a shuffle, an or, a compare,
   an and and an or. */
KG_VNNI KG_INLINE void kg__codes2_vnni(int ty, const uint8_t *b0, int two, __m256i *lo, __m256i *hi) {
    kg__nib2_avx2(ty, b0, two, lo, hi);
    if (kx__is5(ty)) {
        uint32_t ml, mh;
        kg__qh2(ty, b0, two, &ml, &mh);
        const __m256i b4 = _mm256_set1_epi8(0x10);
        *lo = _mm256_mask_add_epi8(*lo, (__mmask32)ml, *lo, b4);
        *hi = _mm256_mask_add_epi8(*hi, (__mmask32)mh, *hi, b4);
    }
}

/* Activation blocks b, b+1: XL = [x_b 0..15 | x_b1 0..15], XH = [x_b 16..31 | x_b1 16..31],
   dx = [d_b x4 | d_b1 x4], and (hasmin) the s terms. */
KG_AVX2 KG_INLINE void kg__act2_avx2(int ty, const uint8_t *xb, int two, __m256i *XL, __m256i *XH, __m256 *dx) {
    const size_t xbs = kx__hasmin(ty) ? sizeof(BlockQ8_1) : sizeof(BlockQ8_0);
    const size_t xqs = kx__hasmin(ty) ? offsetof(BlockQ8_1, qs) : offsetof(BlockQ8_0, qs);
    __m256i a = _mm256_loadu_si256((const __m256i *)(xb + xqs));
    __m256i c = two ? _mm256_loadu_si256((const __m256i *)(xb + xbs + xqs)) : _mm256_setzero_si256();
    *XL = _mm256_permute2x128_si256(a, c, 0x20);
    *XH = _mm256_permute2x128_si256(a, c, 0x31);
    uint64_t d0 = kx__u16(xb) * 0x0001000100010001ull, d1 = two ? kx__u16(xb + xbs) * 0x0001000100010001ull : 0;
    *dx = _mm256_cvtph_ps(_mm_set_epi64x((long long)d1, (long long)d0));
}

/* Weight scales (d at offset 0, m at offset 2 for Q4_1/Q5_1) of blocks b, b+1 of 4 rows:
   [r0 r1 r2 r3 of b | r0 r1 r2 r3 of b+1]. */
KG_AVX2 KG_INLINE __m256 kg__w8_avx2(const uint8_t *w, size_t w_row, size_t off, size_t bs, int two) {
    uint64_t a = kg__f16x4(w, w_row, off), c = two ? kg__f16x4(w, w_row, off + bs) : 0;
    return _mm256_cvtph_ps(_mm_set_epi64x((long long)c, (long long)a));
}

/* Q8_1 s of blocks b, b+1 as [s_b x4 | s_b1 x4]. */
KG_AVX2 KG_INLINE __m256 kg__sx_avx2(const uint8_t *xb, int two) {
    uint64_t d0 = kx__u16(xb + offsetof(BlockQ8_1, s)) * 0x0001000100010001ull;
    uint64_t d1 = two ? kx__u16(xb + sizeof(BlockQ8_1) + offsetof(BlockQ8_1, s)) * 0x0001000100010001ull : 0;
    return _mm256_cvtph_ps(_mm_set_epi64x((long long)d1, (long long)d0));
}

/* Blocks b, b+1 of four rows; vnni selects the dot instruction (compile-time). */
#define KG_Q2_STEP(TGT, SFX, ...)                                                                              \
TGT KG_INLINE void kg__q_step_##SFX(int ty, const uint8_t *w, size_t w_row, const uint8_t *x, int64_t b, int two, \
                                    __m256 *acc, __m256 *macc) {                                               \
    const size_t wbs = kx__wbs(ty), xbs = kx__hasmin(ty) ? sizeof(BlockQ8_1) : sizeof(BlockQ8_0);               \
    const int hm = kx__hasmin(ty), off = ty == T_Q4_0 ? 8 : ty == T_Q5_0 ? 16 : 0;                              \
    const uint8_t *xb = x + (size_t)b * xbs, *wb = w + (size_t)b * wbs;                                       \
    __m256i XL, XH, s[4];                                                                                      \
    __m256 dx;                                                                                                 \
    kg__act2_avx2(ty, xb, two, &XL, &XH, &dx);                                                                 \
    __VA_ARGS__                                                                                                \
    __m256 dw = kg__w8_avx2(wb, w_row, 0, wbs, two);                                                           \
    *acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(KG_HADD4(s)), _mm256_mul_ps(dw, dx), *acc);                     \
    if (hm) *macc = _mm256_fmadd_ps(kg__w8_avx2(wb, w_row, 2, wbs, two), kg__sx_avx2(xb, two), *macc);       \
}

/* AVX2: maddubs of each half, the offset off*(x pairs) subtracted in int16 (|.| <= 2*31*127
   + 2*15*127... see kx__q_tile_avx2: every int16 here is below 2^15), madd to int32. */
KG_Q2_STEP(KG_AVX2, avx2,
    const __m256i ones = _mm256_set1_epi16(1);
    __m256i xo = _mm256_setzero_si256();
    if (off) {
        const __m256i ov = _mm256_set1_epi8((char)off);
        xo = _mm256_add_epi16(_mm256_maddubs_epi16(ov, XL), _mm256_maddubs_epi16(ov, XH));
    }
    KX_UNROLL for (int r = 0; r < 4; r++) {
        __m256i lo, hi;
        KG_PREFETCH(wb + (size_t)r * w_row, w_row);
        kg__codes2_avx2(ty, wb + (size_t)r * w_row, two, &lo, &hi);
        __m256i p = _mm256_add_epi16(_mm256_maddubs_epi16(lo, XL), _mm256_maddubs_epi16(hi, XH));
        if (off) p = _mm256_sub_epi16(p, xo);
        s[r] = _mm256_madd_epi16(p, ones);
    })

/* VNNI (256-bit): vpdpbusd from the int32 offset term -off*(x quads). */
KG_Q2_STEP(KG_VNNI, vnni,
    __m256i xo = _mm256_setzero_si256();
    if (off) {
        const __m256i ov = _mm256_set1_epi8((char)off);
        xo = _mm256_sub_epi32(xo, _mm256_dpbusd_epi32(_mm256_dpbusd_epi32(xo, ov, XL), ov, XH));
    }
    KX_UNROLL for (int r = 0; r < 4; r++) {
        __m256i lo, hi;
        KG_PREFETCH(wb + (size_t)r * w_row, w_row);
        kg__codes2_vnni(ty, wb + (size_t)r * w_row, two, &lo, &hi);
        s[r] = _mm256_dpbusd_epi32(_mm256_dpbusd_epi32(xo, lo, XL), hi, XH);
    })

#define KG_Q2_GEMV(TGT, SFX)                                                                                   \
TGT KG_INLINE void kg__q_gemv_##SFX(int ty, const uint8_t *w, size_t w_row, const uint8_t *x, int64_t n, float *out) { \
    __m256 acc = _mm256_setzero_ps(), macc = _mm256_setzero_ps();                                              \
    const int64_t nb = n / QK;                                                                                 \
    int64_t b = 0;                                                                                             \
    for (; b + 2 <= nb; b += 2) kg__q_step_##SFX(ty, w, w_row, x, b, 1, &acc, &macc);                          \
    if (b < nb) kg__q_step_##SFX(ty, w, w_row, x, b, 0, &acc, &macc);                                          \
    __m128 r = _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1));                        \
    if (kx__hasmin(ty)) r = _mm_add_ps(r, _mm_add_ps(_mm256_castps256_ps128(macc), _mm256_extractf128_ps(macc, 1))); \
    _mm_storeu_ps(out, r);                                                                                     \
}
KG_Q2_GEMV(KG_AVX2, avx2)
KG_Q2_GEMV(KG_VNNI, vnni)

/* Q4_0 / Q5_0 / Q4_1 / Q5_1 generation with prepared activations: the activation side
 * of every block pair (kg__act2_avx2's XL and XH, dx, and either the offset term -off x
 * (sum of the pair's x) per block as int32 (Q4_0: 8, Q5_0: 16) or Q8_1's s terms) is the
 * same for all rows, so kern_prep_*_avx2 prepares it once per matmul (KG_Q2P vectors per
 * pair, then an odd last block as it is); per pair of blocks a row is then its codes
 * (kg__codes2_avx2), two vpmaddubsw and a vpmaddwd (VNNI: two vpdpbusd). The 4 rows'
 * sums meet by an in-lane transpose and add (kg__sum4_avx2) instead of three vphaddd,
 * and a pair's float step is done after the next pair's multiplies, as in kg__k45_rows.
 * The integer sums are kg__q_step's; the float steps too, each sum in the same order,
 * so the result is the gemv's. In cache (256 rows x 2048), gemv -> gen, AVX2: Q4_0 23.5
 * -> 31.0 GB/s. */
#define KG_Q2P 4
KG_AVX2 KG_INLINE __m256i kg__sum4_avx2(const __m256i s[4]) {
    __m256i a01 = _mm256_add_epi32(_mm256_unpacklo_epi32(s[0], s[1]), _mm256_unpackhi_epi32(s[0], s[1]));
    __m256i a23 = _mm256_add_epi32(_mm256_unpacklo_epi32(s[2], s[3]), _mm256_unpackhi_epi32(s[2], s[3]));
    return _mm256_add_epi32(_mm256_unpacklo_epi64(a01, a23), _mm256_unpackhi_epi64(a01, a23));
}

KG_AVX2 KG_INLINE void kg__prep2_avx2(int ty, const uint8_t *xq, uint8_t *xp, int64_t n) {
    const int64_t nb = n / QK, np = nb / 2;
    const size_t xbs = kx__hasmin(ty) ? sizeof(BlockQ8_1) : sizeof(BlockQ8_0);
    const __m256i ov = _mm256_set1_epi8((char)(ty == T_Q4_0 ? 8 : 16)), ones = _mm256_set1_epi16(1);
    __m256i *pp = (__m256i *)xp;
    for (int64_t i = 0; i < np; i++, pp += KG_Q2P) {
        const uint8_t *xb = xq + (size_t)2 * i * xbs;
        __m256i XL, XH;
        __m256 dx;
        kg__act2_avx2(ty, xb, 1, &XL, &XH, &dx);
        _mm256_storeu_si256(pp, XL);
        _mm256_storeu_si256(pp + 1, XH);
        _mm256_storeu_ps((float *)(pp + 2), dx);
        if (kx__hasmin(ty)) {
            _mm256_storeu_ps((float *)(pp + 3), kg__sx_avx2(xb, 1));
        } else {
            /* off x (x pairs) per int32 lane, then the 4 lanes of each block summed */
            __m256i c = _mm256_madd_epi16(_mm256_add_epi16(_mm256_maddubs_epi16(ov, XL), _mm256_maddubs_epi16(ov, XH)), ones);
            c = _mm256_add_epi32(c, _mm256_shuffle_epi32(c, 0x4e));
            c = _mm256_add_epi32(c, _mm256_shuffle_epi32(c, 0xb1));
            _mm256_storeu_si256(pp + 3, _mm256_sub_epi32(_mm256_setzero_si256(), c));
        }
    }
    memcpy(pp, xq + (size_t)2 * np * xbs, (size_t)(nb - 2 * np) * xbs);
}
static KG_AVX2 void kern_prep_q4_0_avx2(const uint8_t *xq, uint8_t *xp, int64_t n) { kg__prep2_avx2(T_Q4_0, xq, xp, n); }
static KG_AVX2 void kern_prep_q5_0_avx2(const uint8_t *xq, uint8_t *xp, int64_t n) { kg__prep2_avx2(T_Q5_0, xq, xp, n); }
/* Q4_1 and Q5_1: the same bytes, so one function (matrices of both share a preparation) */
static KG_AVX2 void kern_prep_q81_avx2(const uint8_t *xq, uint8_t *xp, int64_t n) { kg__prep2_avx2(T_Q4_1, xq, xp, n); }

#define KG_Q2_GEN(TGT, SFX, CODES, ROWSUM)                                                                      \
TGT KG_INLINE void kg__gen2_##SFX(int ty, const uint8_t *w, size_t w_row, const uint8_t *xp, int64_t n, float *out) { \
    const size_t wbs = kx__wbs(ty), xbs = kx__hasmin(ty) ? sizeof(BlockQ8_1) : sizeof(BlockQ8_0);             \
    const int hm = kx__hasmin(ty);                                                                             \
    const int64_t nb = n / QK, np = nb / 2;                                                                    \
    const __m256i *pp = (const __m256i *)xp;                                                                   \
    __m256 acc = _mm256_setzero_ps(), macc = acc;                                                              \
    __m256i psum = _mm256_setzero_si256();             /* the previous pair's sums and scales */             \
    __m256 pdw = acc;                                                                                          \
    for (int64_t i = 0; i < np; i++, pp += KG_Q2P) {                                                           \
        const uint8_t *wb = w + (size_t)2 * i * wbs;                                                          \
        const __m256i XL = _mm256_loadu_si256(pp), XH = _mm256_loadu_si256(pp + 1);                           \
        __m256i s[4];                                                                                          \
        KX_UNROLL for (int r = 0; r < 4; r++) {                                                                \
            __m256i lo, hi;                                                                                    \
            KG_PREFETCH(wb + (size_t)r * w_row, w_row);                                                        \
            CODES(ty, wb + (size_t)r * w_row, 1, &lo, &hi);                                                    \
            s[r] = ROWSUM;                                                                                     \
        }                                                                                                      \
        __m256 dw = kg__w8_avx2(wb, w_row, 0, wbs, 1);                                                         \
        if (i > 0) acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(psum), _mm256_mul_ps(pdw, _mm256_loadu_ps((const float *)(pp - 2))), acc); \
        psum = kg__sum4_avx2(s);                                                                               \
        if (!hm) psum = _mm256_add_epi32(psum, _mm256_loadu_si256(pp + 3));                                    \
        else macc = _mm256_fmadd_ps(kg__w8_avx2(wb, w_row, 2, wbs, 1), _mm256_loadu_ps((const float *)(pp + 3)), macc); \
        pdw = dw;                                                                                              \
    }                                                                                                          \
    if (np > 0) acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(psum), _mm256_mul_ps(pdw, _mm256_loadu_ps((const float *)(pp - 2))), acc); \
    if (nb > 2 * np) kg__q_step_##SFX(ty, w, w_row, (const uint8_t *)pp - (size_t)2 * np * xbs, 2 * np, 0, &acc, &macc); \
    __m128 r = _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1));                        \
    if (hm) r = _mm_add_ps(r, _mm_add_ps(_mm256_castps256_ps128(macc), _mm256_extractf128_ps(macc, 1)));      \
    _mm_storeu_ps(out, r);                                                                                     \
}
/* AVX2: every int16 of the two vpmaddubsw and their sum stays below 2^15 (see the step) */
KG_Q2_GEN(KG_AVX2, avx2, kg__codes2_avx2,
          _mm256_madd_epi16(_mm256_add_epi16(_mm256_maddubs_epi16(lo, XL), _mm256_maddubs_epi16(hi, XH)), _mm256_set1_epi16(1)))
KG_Q2_GEN(KG_VNNI, vnni, kg__codes2_vnni, _mm256_dpbusd_epi32(_mm256_dpbusd_epi32(_mm256_setzero_si256(), lo, XL), hi, XH))

#define KG_GEN2_FN(name, TY, TGT, SFX)                                                                          \
    static TGT void kern_gen_##name##_##SFX(const uint8_t *w, size_t w_row, int nr, const uint8_t *xp, size_t x_row, \
                                            int nt, int64_t n, float *out, int64_t os) {                       \
        (void)nr; (void)nt; (void)x_row; (void)os;                                                             \
        kg__gen2_##SFX(TY, w, w_row, xp, n, out);                                                              \
    }
KG_GEN2_FN(q4_0, T_Q4_0, KG_AVX2, avx2)
KG_GEN2_FN(q4_1, T_Q4_1, KG_AVX2, avx2)
KG_GEN2_FN(q5_0, T_Q5_0, KG_AVX2, avx2)
KG_GEN2_FN(q5_1, T_Q5_1, KG_AVX2, avx2)
KG_GEN2_FN(q4_1, T_Q4_1, KG_VNNI, vnni)
KG_GEN2_FN(q5_0, T_Q5_0, KG_VNNI, vnni)

/* ----- Q8_0: one block per step ----- */

/* AVX2: sign trick as the dot (|pair| <= 2*128*127 < 2^15); the hadd leaves the sums of
   elements 0..15 in the low half and 16..31 in the high half, each scaled by d_w d_x. */
KG_AVX2 KG_INLINE void kg__q8_gemv_avx2(const uint8_t *w, size_t w_row, const uint8_t *x, int64_t n, float *out) {
    __m256 acc0 = _mm256_setzero_ps(), acc1 = acc0;
    const __m256i ones = _mm256_set1_epi16(1);
    const int64_t nb = n / QK;
    for (int64_t b = 0; b < nb; b++) {
        const uint8_t *xb = x + (size_t)b * sizeof(BlockQ8_0), *wb = w + (size_t)b * sizeof(BlockQ8_0);
        __m256i xv = _mm256_loadu_si256((const __m256i *)(xb + 2)), s[4];
        KX_UNROLL for (int r = 0; r < 4; r++) {
            KG_PREFETCH(wb + (size_t)r * w_row, w_row);
            __m256i q = _mm256_loadu_si256((const __m256i *)(wb + (size_t)r * w_row + 2));
            s[r] = _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_abs_epi8(q), _mm256_sign_epi8(xv, q)), ones);
        }
        __m256 dw = _mm256_cvtph_ps(_mm_set1_epi64x((long long)kg__f16x4(wb, w_row, 0)));
        __m256 d = _mm256_mul_ps(dw, _mm256_set1_ps(kx__h16(xb)));
        __m256 v = _mm256_cvtepi32_ps(KG_HADD4(s));
        if (b & 1) acc1 = _mm256_fmadd_ps(v, d, acc1);
        else acc0 = _mm256_fmadd_ps(v, d, acc0);
    }
    acc0 = _mm256_add_ps(acc0, acc1);
    _mm_storeu_ps(out, _mm_add_ps(_mm256_castps256_ps128(acc0), _mm256_extractf128_ps(acc0, 1)));
}

/* VNNI: w + 128 (w ^ 0x80) unsigned, vpdpbusd from -128*(x quads); two blocks per step,
   the hadd then gives [rows of b | rows of b+1] with whole-block sums. */
KG_VNNI KG_INLINE __m256 kg__q8_steps_vnni(const uint8_t *w, size_t w_row, const uint8_t *x, int64_t nb, __m256 acc) {
    const __m256i sg = _mm256_set1_epi8((char)0x80), z = _mm256_setzero_si256();
    for (int64_t b = 0; b < nb; b += 2) {
        const int two = b + 1 < nb;
        const size_t bs = sizeof(BlockQ8_0);
        const uint8_t *xb = x + (size_t)b * bs, *wb = w + (size_t)b * bs;
        __m256i x0 = _mm256_loadu_si256((const __m256i *)(xb + 2));
        __m256i x1 = two ? _mm256_loadu_si256((const __m256i *)(xb + bs + 2)) : z;
        __m256i o0 = _mm256_sub_epi32(z, _mm256_dpbusd_epi32(z, sg, x0));
        __m256i o1 = _mm256_sub_epi32(z, _mm256_dpbusd_epi32(z, sg, x1));
        __m256i s[4];
        KX_UNROLL for (int r = 0; r < 4; r++) {
            const uint8_t *p = wb + (size_t)r * w_row + 2;
            KG_PREFETCH(p, w_row);
            KG_PREFETCH(p + 64, w_row);
            __m256i a = _mm256_dpbusd_epi32(o0, _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)p), sg), x0);
            __m256i c = two ? _mm256_dpbusd_epi32(o1, _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(p + bs)), sg), x1) : z;
            /* [a.lo + a.hi | c.lo + c.hi] per 128-bit lane pairs: a 4-lane sum of block b,
               c of block b+1 */
            s[r] = _mm256_add_epi32(_mm256_permute2x128_si256(a, c, 0x20), _mm256_permute2x128_si256(a, c, 0x31));
        }
        __m256 dw = kg__w8_avx2(wb, w_row, 0, bs, two);
        uint64_t d0 = kx__u16(xb) * 0x0001000100010001ull, d1 = two ? kx__u16(xb + bs) * 0x0001000100010001ull : 0;
        __m256 dx = _mm256_cvtph_ps(_mm_set_epi64x((long long)d1, (long long)d0));
        acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(KG_HADD4(s)), _mm256_mul_ps(dw, dx), acc);
    }
    return acc;
}
KG_VNNI KG_INLINE void kg__q8_gemv_vnni(const uint8_t *w, size_t w_row, const uint8_t *x, int64_t n, float *out) {
    __m256 acc = kg__q8_steps_vnni(w, w_row, x, n / QK, _mm256_setzero_ps());
    _mm_storeu_ps(out, _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1)));
}

#define KG_SIMPLE(name, TY, SFX, TGT, CALL)                                                                    \
    TGT static void kern_gemv_##name##_##SFX(const uint8_t *w, size_t w_row, int nr, const uint8_t *x,        \
                                            size_t x_row, int nt, int64_t n, float *out, int64_t os) {        \
        (void)nr, (void)nt, (void)x_row, (void)os;                                                             \
        CALL;                                                                                                  \
    }
KG_SIMPLE(q4_0, T_Q4_0, avx2, KG_AVX2, kg__q_gemv_avx2(T_Q4_0, w, w_row, x, n, out))
KG_SIMPLE(q4_1, T_Q4_1, avx2, KG_AVX2, kg__q_gemv_avx2(T_Q4_1, w, w_row, x, n, out))
KG_SIMPLE(q5_0, T_Q5_0, avx2, KG_AVX2, kg__q_gemv_avx2(T_Q5_0, w, w_row, x, n, out))
KG_SIMPLE(q5_1, T_Q5_1, avx2, KG_AVX2, kg__q_gemv_avx2(T_Q5_1, w, w_row, x, n, out))
KG_SIMPLE(q8_0, T_Q8_0, avx2, KG_AVX2, kg__q8_gemv_avx2(w, w_row, x, n, out))
KG_SIMPLE(q4_1, T_Q4_1, avx512vnni, KG_VNNI, kg__q_gemv_vnni(T_Q4_1, w, w_row, x, n, out))
KG_SIMPLE(q5_0, T_Q5_0, avx512vnni, KG_VNNI, kg__q_gemv_vnni(T_Q5_0, w, w_row, x, n, out))
KG_SIMPLE(q5_1, T_Q5_1, avx512vnni, KG_VNNI, kg__q_gemv_vnni(T_Q5_1, w, w_row, x, n, out))
KG_SIMPLE(q8_0, T_Q8_0, avx512vnni, KG_VNNI, kg__q8_gemv_vnni(w, w_row, x, n, out))

/* ----- K-quants: four KqRow rows against one Q8_K block ----- */
#define KG_KQ(TYPE, BT, HASMIN, SFX, TGT, PREP)                                                               \
static TGT void kern_gemv_##TYPE##_##SFX(const uint8_t *w, size_t w_row, int nr, const uint8_t *x,            \
                                         size_t x_row, int nt, int64_t n, float *out, int64_t os) {           \
    (void)nr; (void)nt; (void)x_row; (void)os;                                                                \
    __m128 acc = _mm_setzero_ps();                                                                            \
    KqRow r[4];                                                                                               \
    const BlockQ8_K *xq = (const BlockQ8_K *)x;                                                               \
    for (int64_t b = 0; b < n / QK_K; b++) {                                                                  \
        KQ_UNROLL for (int k = 0; k < 4; k++) {                                                               \
            const uint8_t *pk = (const uint8_t *)((const BT *)(w + (size_t)k * w_row) + b);                   \
            KQ_UNROLL for (size_t o = 0; o < sizeof(BT); o += 64) KG_PREFETCH(pk + o, w_row);                 \
            kq_unpack_##TYPE##_##SFX((const BT *)(w + (size_t)k * w_row) + b, &r[k]);                         \
            PREP(&r[k]);                                                                                      \
        }                                                                                                     \
        const BlockQ8_K *xb = xq + b;                                                                         \
        __m256i bs = _mm256_loadu_si256((const __m256i *)xb->bsums);                                          \
        __m256i a[4], c[4];                                                                                   \
        KQ_UNROLL for (int k = 0; k < 4; k++) {                                                               \
            c[k] = _mm256_madd_epi16(bs, r[k].coef);                                                          \
            a[k] = HASMIN ? _mm256_setzero_si256() : c[k];                                                    \
        }                                                                                                     \
        kq__isum4_##SFX(r, xb->qs, a);                                                                        \
        __m128 xd = _mm_set1_ps(xb->d);                                                                       \
        __m128 dw = _mm_setr_ps(r[0].d, r[1].d, r[2].d, r[3].d);                                              \
        __m128 v = _mm_mul_ps(_mm_mul_ps(dw, xd), _mm_cvtepi32_ps(kq__hsum4_##SFX(a[0], a[1], a[2], a[3]))); \
        if (HASMIN) {                                                                                         \
            __m128 mw = _mm_setr_ps(r[0].dmin, r[1].dmin, r[2].dmin, r[3].dmin);                              \
            __m128 msum = _mm_cvtepi32_ps(kq__hsum4_##SFX(c[0], c[1], c[2], c[3]));                           \
            v = _mm_sub_ps(v, _mm_mul_ps(_mm_mul_ps(mw, xd), msum));                                          \
        }                                                                                                     \
        acc = _mm_add_ps(acc, v);                                                                             \
    }                                                                                                         \
    _mm_storeu_ps(out, acc);                                                                                  \
}
KG_KQ(q2_k, BlockQ2_K, 1, avx2, KQ_AVX2, KQ_NOPREP)
KG_KQ(q3_k, BlockQ3_K, 0, avx2, KQ_AVX2, KQ_NOPREP)

/* Q4_K / Q5_K on AVX2, streaming: KG_KQ unpacks four rows into KqRows (16 vectors each,
 * so they live on the stack) before the products; here every 32 code bytes go from the
 * load to vpmaddubsw in registers. Per pair of 32-element sub-blocks (the low and high
 * nibbles of 32 bytes) the token's 64 bytes are loaded once for the four rows; each
 * row's 8 scales sit as int16 in both halves of one vector, a sub-block's taken by one
 * vpshufb; the scales and mins are unpacked in vector steps (kern__k4_unpack's, one
 * 32-bit lane each). The integer sums are the reference's and the float step is KG_KQ's,
 * so the result stays bit-identical to kern_dot_q4_k_ref / _q5_k_ref. */
KG_INLINE KG_AVX2 void kg__k45_gemv_avx2(int is5, const uint8_t *w, size_t w_row, const uint8_t *x, int64_t n, float *out) {
    const size_t bsz = is5 ? sizeof(BlockQ5_K) : sizeof(BlockQ4_K);
    const size_t osc = is5 ? offsetof(BlockQ5_K, scales) : offsetof(BlockQ4_K, scales);
    const size_t oqs = is5 ? offsetof(BlockQ5_K, qs) : offsetof(BlockQ4_K, qs);
    __m128 acc = _mm_setzero_ps();
    for (int64_t b = 0; b < n / QK_K; b++) {
        const BlockQ8_K *xb = (const BlockQ8_K *)x + b;
        const uint8_t *wb = w + (size_t)b * bsz;
        const __m256i bs = _mm256_loadu_si256((const __m256i *)xb->bsums);
        __m256i sc[4], a[4], c[4], qh[4];
        KQ_UNROLL for (int k = 0; k < 4; k++) {
            const uint8_t *p = wb + (size_t)k * w_row;
            KQ_UNROLL for (size_t o = 0; o < bsz; o += 64) KG_PREFETCH(p + o, w_row);
            __m128i sm = kq__k4_sm(p + osc);
            sc[k] = _mm256_broadcastsi128_si256(_mm_cvtepu8_epi16(sm));
            c[k] = _mm256_madd_epi16(bs, _mm256_cvtepu8_epi16(_mm_unpackhi_epi8(sm, sm)));   /* m0 m0 m1 m1 .. */
            a[k] = _mm256_setzero_si256();
            qh[k] = is5 ? _mm256_loadu_si256((const __m256i *)(p + offsetof(BlockQ5_K, qh))) : _mm256_setzero_si256();
        }
        KQ_UNROLL for (int q = 0; q < 4; q++) {
            const __m256i x0 = _mm256_loadu_si256((const __m256i *)(xb->qs + 64 * q));
            const __m256i x1 = _mm256_loadu_si256((const __m256i *)(xb->qs + 64 * q + 32));
            const __m256i s0 = _mm256_load_si256((const __m256i *)kq__bcast16[2 * q]);
            const __m256i s1 = _mm256_load_si256((const __m256i *)kq__bcast16[2 * q + 1]);
            KQ_UNROLL for (int k = 0; k < 4; k++) {
                __m256i lo, hi;
                kq__k45_codes(_mm256_loadu_si256((const __m256i *)(wb + (size_t)k * w_row + oqs + 32 * q)), is5,
                              qh[k], q, &lo, &hi);
                __m256i p0 = _mm256_madd_epi16(_mm256_maddubs_epi16(lo, x0), _mm256_shuffle_epi8(sc[k], s0));
                __m256i p1 = _mm256_madd_epi16(_mm256_maddubs_epi16(hi, x1), _mm256_shuffle_epi8(sc[k], s1));
                a[k] = _mm256_add_epi32(a[k], _mm256_add_epi32(p0, p1));
            }
            KQ_UNROLL for (int k = 0; k < 4; k++) KQ_KEEP(a[k]);
        }
        __m128 xd = _mm_set1_ps(xb->d);
        __m128 dw = _mm_cvtph_ps(_mm_cvtsi64_si128((long long)kg__f16x4(wb, w_row, 0)));
        __m128 mw = _mm_cvtph_ps(_mm_cvtsi64_si128((long long)kg__f16x4(wb, w_row, 2)));
        __m128 v = _mm_mul_ps(_mm_mul_ps(dw, xd), _mm_cvtepi32_ps(kq__hsum4_avx2(a[0], a[1], a[2], a[3])));
        __m128 msum = _mm_cvtepi32_ps(kq__hsum4_avx2(c[0], c[1], c[2], c[3]));
        acc = _mm_add_ps(acc, _mm_sub_ps(v, _mm_mul_ps(_mm_mul_ps(mw, xd), msum)));
    }
    _mm_storeu_ps(out, acc);
}
static KG_AVX2 void kern_gemv_q4_k_avx2(const uint8_t *w, size_t w_row, int nr, const uint8_t *x, size_t x_row,
                                        int nt, int64_t n, float *out, int64_t os) {
    (void)nr; (void)nt; (void)x_row; (void)os;
    kg__k45_gemv_avx2(0, w, w_row, x, n, out);
}
static KG_AVX2 void kern_gemv_q5_k_avx2(const uint8_t *w, size_t w_row, int nr, const uint8_t *x, size_t x_row,
                                        int nt, int64_t n, float *out, int64_t os) {
    (void)nr; (void)nt; (void)x_row; (void)os;
    kg__k45_gemv_avx2(1, w, w_row, x, n, out);
}

/* Q6_K on AVX2, streaming as kg__k45_gemv_avx2 (KG_KQ's KqRow form was slower than the
 * dot). Per half of the block and row: ql (2 x 32 bytes) and qh (32) give the 4 code
 * vectors u = q (0..63) of 128 elements; the token's 128 bytes are loaded once per half
 * for the four rows. A code vector covers two 16-element sub-blocks (its 128-bit halves),
 * so the row's 16 scales are kept as int16 [even ones | odd ones] and vector i's pair
 * (2i, 2i+1) is one vpshufb. The -32 comes back as -32 sc on bsums (KqRow's coef). */
KG_INLINE KG_AVX2 void kg__k6_gemv_avx2(const uint8_t *w, size_t w_row, const uint8_t *x, int64_t n, float *out) {
    const __m128i evod = _mm_setr_epi8(0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15);
    __m128 acc = _mm_setzero_ps();
    for (int64_t b = 0; b < n / QK_K; b++) {
        const BlockQ8_K *xb = (const BlockQ8_K *)x + b;
        const uint8_t *wb = w + (size_t)b * sizeof(BlockQ6_K);
        const __m256i bs = _mm256_loadu_si256((const __m256i *)xb->bsums);
        __m256i sc[4], a[4];
        KQ_UNROLL for (int k = 0; k < 4; k++) {
            const BlockQ6_K *blk = (const BlockQ6_K *)(wb + (size_t)k * w_row);
            KQ_UNROLL for (size_t o = 0; o < sizeof(BlockQ6_K); o += 64) KG_PREFETCH((const uint8_t *)blk + o, w_row);
            __m128i s8 = _mm_loadu_si128((const __m128i *)blk->scales);
            sc[k] = _mm256_cvtepi8_epi16(_mm_shuffle_epi8(s8, evod));
            a[k] = _mm256_madd_epi16(bs, kq__k6_coef(s8));
        }
        KQ_UNROLL for (int h = 0; h < 2; h++) {
            __m256i xv[4];
            KQ_UNROLL for (int i = 0; i < 4; i++) xv[i] = _mm256_loadu_si256((const __m256i *)(xb->qs + 128 * h + 32 * i));
            KQ_UNROLL for (int k = 0; k < 4; k++) {
                const BlockQ6_K *blk = (const BlockQ6_K *)(wb + (size_t)k * w_row);
                __m256i u[4];
                kq__k6_codes(_mm256_loadu_si256((const __m256i *)(blk->ql + 64 * h)),
                             _mm256_loadu_si256((const __m256i *)(blk->ql + 64 * h + 32)),
                             _mm256_loadu_si256((const __m256i *)(blk->qh + 32 * h)), u);
                KQ_UNROLL for (int i = 0; i < 4; i++) {
                    __m256i s = _mm256_shuffle_epi8(sc[k], _mm256_load_si256((const __m256i *)kq__bcast16[4 * h + i]));
                    a[k] = _mm256_add_epi32(a[k], _mm256_madd_epi16(_mm256_maddubs_epi16(u[i], xv[i]), s));
                }
            }
            KQ_UNROLL for (int k = 0; k < 4; k++) KQ_KEEP(a[k]);
        }
        /* the reference's float step: (f16(d) * x.d) * isum */
        __m128 dw = _mm_cvtph_ps(_mm_cvtsi64_si128((long long)kg__f16x4(wb, w_row, offsetof(BlockQ6_K, d))));
        __m128 isum = _mm_cvtepi32_ps(kq__hsum4_avx2(a[0], a[1], a[2], a[3]));
        acc = _mm_add_ps(acc, _mm_mul_ps(_mm_mul_ps(dw, _mm_set1_ps(xb->d)), isum));
    }
    _mm_storeu_ps(out, acc);
}
static KG_AVX2 void kern_gemv_q6_k_avx2(const uint8_t *w, size_t w_row, int nr, const uint8_t *x, size_t x_row,
                                        int nt, int64_t n, float *out, int64_t os) {
    (void)nr; (void)nt; (void)x_row; (void)os;
    kg__k6_gemv_avx2(w, w_row, x, n, out);
}
KG_KQ(q2_k, BlockQ2_K, 1, avx512vnni, KQ_VNNI, kq__vnni_scales)
KG_KQ(q3_k, BlockQ3_K, 0, avx512vnni, KQ_VNNI, kq__vnni_scales)

/* Q4_K with 512-bit vectors (the generation kernel of the catalog's default quant).
 * Per row and block: the 128 code bytes in two loads, four vpdpbusd of 64 bytes against
 * the activation rearranged once per block for the four rows (XA = [x0..31 | x64..95],
 * XB = [x32..63 | x96..127], XC, XD the same for the second half: the nibbles of 64
 * code bytes are two sub-blocks each), packed to int16 and scaled by two vpdpwssd whose
 * scale vectors are one vpshufb each of the row's scales. The integer sums are the
 * reference's; the float step per block is the KG_KQ one, so the result stays
 * bit-identical to kern_dot_q4_k_ref. About half the vector instructions of the
 * 256-bit KqRow path per block (measured below in tests and --bench). */
static const uint8_t kg__k4_sc512[2][64] __attribute__((aligned(64))) = {   /* scale bytes to int16 */
#define KG_S(a, b) a, 0x80, a, 0x80, a, 0x80, a, 0x80, b, 0x80, b, 0x80, b, 0x80, b, 0x80
    { KG_S(0, 1), KG_S(0, 1), KG_S(2, 3), KG_S(2, 3) },
    { KG_S(4, 5), KG_S(4, 5), KG_S(6, 7), KG_S(6, 7) },
#undef KG_S
};

/* Q4_0 with 512-bit vectors: four blocks per vector (each 128-bit lane one block), the
 * block sums of the four rows brought together by an in-lane transpose (unpack and add)
 * instead of hadd, so one multiply-add scales 4 rows x 4 blocks. The integer sum of
 * every block is the reference's; the float sum runs in another order (the simple
 * types' tolerance of tests/unit_gemv.c). Blocks past a multiple of 4: the 256-bit step.
 *
 * The activation side of 4 blocks (their codes gathered per 128-bit lane, the -8 offset
 * term, the scales) is the same for every row: generation prepares it once per matmul
 * (kern_prep_q4_0_zmm, KG_Q4P = 4 vectors per 4 blocks, then the tail blocks as they
 * are) and kern_gen_q4_0_zmm reads it; kern_gemv_q4_0_zmm (a few tokens of a batch)
 * prepares it 16 groups at a time on the stack. Weight side: the codes of 4 blocks by
 * one two-source word permute of the 72 bytes, the 16 scales of 4 rows x 4 blocks by two
 * more and a blend. Tinyllama-1.1b shapes, one thread, in cache: 26 -> 36 GB/s. */
#define KG_Q4P 4
/* q81: the activations are Q8_1 (for Q4_1 and Q5_1): vector 2 holds the blocks' s (the
   minimum's term) per lane instead of the offset term. */
KG_VNNI KG_INLINE __m512 kg__h4_lanes(const uint8_t *xb, size_t xbs, size_t off) {   /* 4 halves, each x4 */
    const uint64_t rep = 0x0001000100010001ull;
    return _mm512_cvtph_ps(_mm256_set_epi64x((long long)(kx__u16(xb + 3 * xbs + off) * rep), (long long)(kx__u16(xb + 2 * xbs + off) * rep),
                                             (long long)(kx__u16(xb + xbs + off) * rep), (long long)(kx__u16(xb + off) * rep)));
}
KG_VNNI KG_INLINE void kg__q32_xprep(int q81, const uint8_t *xb, __m512i *pp, uint8_t off) {
    const size_t xbs = q81 ? sizeof(BlockQ8_1) : sizeof(BlockQ8_0), qo = q81 ? offsetof(BlockQ8_1, qs) : 2;
    const __m512i ov = _mm512_set1_epi8((char)off), z = _mm512_setzero_si512();
    __m512i XL = _mm512_castsi128_si512(_mm_loadu_si128((const __m128i *)(xb + qo)));
    __m512i XH = _mm512_castsi128_si512(_mm_loadu_si128((const __m128i *)(xb + qo + 16)));
    XL = _mm512_inserti32x4(XL, _mm_loadu_si128((const __m128i *)(xb + xbs + qo)), 1);   /* lane numbers must be */
    XH = _mm512_inserti32x4(XH, _mm_loadu_si128((const __m128i *)(xb + xbs + qo + 16)), 1);  /* literals for clang */
    XL = _mm512_inserti32x4(XL, _mm_loadu_si128((const __m128i *)(xb + 2 * xbs + qo)), 2);
    XH = _mm512_inserti32x4(XH, _mm_loadu_si128((const __m128i *)(xb + 2 * xbs + qo + 16)), 2);
    XL = _mm512_inserti32x4(XL, _mm_loadu_si128((const __m128i *)(xb + 3 * xbs + qo)), 3);
    XH = _mm512_inserti32x4(XH, _mm_loadu_si128((const __m128i *)(xb + 3 * xbs + qo + 16)), 3);
    _mm512_storeu_si512(pp, XL);
    _mm512_storeu_si512(pp + 1, XH);
    if (q81) _mm512_storeu_ps((float *)(pp + 2), kg__h4_lanes(xb, xbs, offsetof(BlockQ8_1, s)));
    else _mm512_storeu_si512(pp + 2, _mm512_sub_epi32(z, _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(z, ov, XL), ov, XH)));
    _mm512_storeu_ps((float *)(pp + 3), kg__h4_lanes(xb, xbs, 0));
}

/* Per 128-bit lane, the [row 0, 1, 2, 3] sums of that lane's dwords of s[0..3]: an
   in-lane transpose and add instead of hadd. */
KG_VNNI KG_INLINE __m512i kg__sum4_lanes(const __m512i s[4]) {
    __m512i a01 = _mm512_add_epi32(_mm512_unpacklo_epi32(s[0], s[1]), _mm512_unpackhi_epi32(s[0], s[1]));
    __m512i a23 = _mm512_add_epi32(_mm512_unpacklo_epi32(s[2], s[3]), _mm512_unpackhi_epi32(s[2], s[3]));
    return _mm512_add_epi32(_mm512_unpacklo_epi64(a01, a23), _mm512_unpackhi_epi64(a01, a23));
}
/* The same summed over the four lanes: the 4 rows' totals in the low 128 bits. */
KG_VNNI KG_INLINE __m128i kg__sum4(const __m512i s[4]) {
    __m512i sum = kg__sum4_lanes(s);
    sum = _mm512_add_epi32(sum, _mm512_shuffle_i32x4(sum, sum, 0x4e));
    return _mm512_castsi512_si128(_mm512_add_epi32(sum, _mm512_shuffle_i32x4(sum, sum, 0xb1)));
}

/* The float step of one group: sr, the 4 rows' dwords; S, their scales (words 4b..4b+3
   of block b: rows 0..3). */
KG_VNNI KG_INLINE __m512 kg__q4_0_tail(const __m512i sr[4], __m512i S, const __m512i *pp, __m512 acc) {
    __m512i sum = kg__sum4_lanes(sr);            /* per 128-bit lane (block): the 4 rows' block sums */
    __m512 dw = _mm512_cvtph_ps(_mm512_castsi512_si256(S));
    return _mm512_fmadd_ps(_mm512_cvtepi32_ps(sum), _mm512_mul_ps(dw, _mm512_loadu_ps((const float *)(pp + 3))), acc);
}

/* Q8_0 in the Q4_0 form: four blocks per vector, each 128-bit lane one block, its first
 * 16 codes in V0 (against the token's XL) and last 16 in V1 (XH). The codes of 4 blocks
 * (136 bytes, all at even offsets) are gathered by two two-source word permutes, of
 * [p, p+128) and of [p+8, p+136), and made unsigned for vpdpbusd by w + 128 (w ^ 0x80);
 * the prepared activations are Q4_0's with offset 128, so -128 x (sum of 4 x) starts
 * each lane. The 16 scales of 4 rows x 4 blocks: one masked permute per row. The
 * float step is Q4_0's (the simple types' tolerance). Tinyllama-1.1b rows, one thread,
 * in cache: 39.4 GB/s for the 256-bit gemv (4 rows, hadd per pair of blocks), 43 here;
 * generation with tokens alternating between the two in one process: 5-6% faster with
 * one thread, 2.4-3.2% with two. */
/* Q5_0 in the Q4_0 form: the 88 bytes of 4 blocks are read as [p, p+64) and [p+24,
 * p+88), whose words give the codes (one two-source permute), the 4 blocks' qh (lane b's
 * first dword: block b's) and the scales; each code byte's fifth bit comes from qh by an
 * in-lane byte shuffle and a bit test (vptestmb), and is added as 0x10 under that mask.
 * The prepared activations are Q4_0's with offset 16. Used for interleaved rows only
 * (KernGenVariant.il_only): Zen 5, one thread, a scratch harness over 200 MB of rows of
 * 2048, GB/s: interleaved in huge pages 30-34 (the plain read 38-43); but rows in place
 * in 4 KiB pages 17-22 against 34 for the 256-bit kernel (rows of 1024: 34-40 against
 * 24-27; in huge pages 35 against 34). In cache it runs at 52-55 GB/s against Q4_0's
 * 69-77; the fifth bits cost that (without them 72), and neither vpshufbitqmb, nor
 * vpmultishiftqb with vpternlogd, nor qh taken from a blend instead of a permute, nor
 * the masks built in general registers changed it or the 4 KiB page case. */
/* ng groups of 4 blocks of 4 rows of type ty (Q4_0, Q5_0 or Q8_0: above) against
 * prepared activations pp, added to acc. il: the rows are interleaved (mat_interleave: each
 * group's 4 x 4 blocks in one piece, row after row), so they are read as one stream,
 * each line prefetched into L1 by KG_IL_PREFETCH. Rows in place with l1 are prefetched
 * as one stream too where they are short enough (KG_LIN: kg__lin_prefetch), else per
 * row. */
KG_VNNI KG_INLINE __m512 kg__q32_rows(int ty, int l1, int il, const uint8_t *w, size_t w_row, const __m512i *pp,
                                      int64_t ng, __m512 acc) {
    const int is8 = ty == T_Q8_0, is5 = ty == T_Q5_0;
    const size_t wbs = is8 ? sizeof(BlockQ8_0) : is5 ? sizeof(BlockQ5_0) : sizeof(BlockQ4_0);
    const size_t gs = il ? 16 * wbs : 4 * wbs;
    if (il) w_row = 4 * wbs;
    const __m512i m4 = _mm512_set1_epi8(0x0f), sg = _mm512_set1_epi8((char)0x80);
    /* Q4_0: words of [p, p+64) and (index 32+) [p+8, p+72) holding the codes of blocks 0..3 */
    const __m512i iq = _mm512_set_epi16(63, 62, 61, 60, 59, 58, 57, 56, 26, 25, 24, 23, 22, 21, 20, 19,
                                        17, 16, 15, 14, 13, 12, 11, 10, 8, 7, 6, 5, 4, 3, 2, 1);
    /* the scales (words 0, 9, 18, 27) of rows 0, 1 to words 4b, 4b+1; of rows 2, 3 to 4b+2, 4b+3 */
    const __m512i i01 = _mm512_set_epi16(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                         0, 0, 59, 27, 0, 0, 50, 18, 0, 0, 41, 9, 0, 0, 32, 0);
    const __m512i i23 = _mm512_set_epi16(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                         59, 27, 0, 0, 50, 18, 0, 0, 41, 9, 0, 0, 32, 0, 0, 0);
    /* Q8_0, lane b: words 17b+1..17b+8 of p (first codes); 17b+9..17b+16 = words 17b+5.. of p+8 */
    const __m512i i0 = _mm512_set_epi16(59, 58, 57, 56, 55, 54, 53, 52, 42, 41, 40, 39, 38, 37, 36, 35,
                                        25, 24, 23, 22, 21, 20, 19, 18, 8, 7, 6, 5, 4, 3, 2, 1);
    const __m512i i1 = _mm512_set_epi16(63, 62, 61, 60, 59, 58, 57, 56, 46, 45, 44, 43, 42, 41, 40, 39,
                                        29, 28, 27, 26, 25, 24, 23, 22, 12, 11, 10, 9, 8, 7, 6, 5);
    /* the scale of block b (word 17b) to words 4b..4b+3, one of them per row by its mask */
    const __m512i is = _mm512_set_epi16(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                        51, 51, 51, 51, 34, 34, 34, 34, 17, 17, 17, 17, 0, 0, 0, 0);
    /* Q5_0 (B at p+24): lane b's codes, words 11b+3..11b+10 of p; its qh, words 11b+1, 11b+2 */
    const __m512i i5q = _mm512_set_epi16(63, 62, 61, 60, 59, 58, 57, 56, 52, 51, 50, 49, 48, 47, 46, 45,
                                         21, 20, 19, 18, 17, 16, 15, 14, 10, 9, 8, 7, 6, 5, 4, 3);
    const __m512i i5h = _mm512_set_epi16(55, 54, 55, 54, 55, 54, 55, 54, 24, 23, 24, 23, 24, 23, 24, 23,
                                         13, 12, 13, 12, 13, 12, 13, 12, 2, 1, 2, 1, 2, 1, 2, 1);
    const __m512i i5s = _mm512_set_epi16(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                         53, 53, 53, 53, 22, 22, 22, 22, 11, 11, 11, 11, 0, 0, 0, 0);
    /* byte i of a lane: qh byte i / 8 (low codes) or 2 + i / 8 (high), tested at bit i % 8 */
    const __m512i h5l = _mm512_broadcast_i32x4(_mm_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1));
    const __m512i h5h = _mm512_broadcast_i32x4(_mm_setr_epi8(2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3));
    const __m512i h5b = _mm512_broadcast_i32x4(_mm_setr_epi8(1, 2, 4, 8, 16, 32, 64, -128, 1, 2, 4, 8, 16, 32, 64, -128));
    const __m512i b16 = _mm512_set1_epi8(0x10);
    const __m512i z = _mm512_setzero_si512();
    const int lin = KG_LIN(il, l1, w_row);
    __m512i psr[4] = { z, z, z, z }, pS = z;        /* the previous group's sums and scales */
    for (int64_t g = 0; g < ng; g++, pp += KG_Q4P) {
        const uint8_t *wb = w + (size_t)g * gs;
        const __m512i XL = _mm512_loadu_si512(pp), XH = _mm512_loadu_si512(pp + 1), xo = _mm512_loadu_si512(pp + 2);
        __m512i sr[4], A[4], S = z;
        if (il)
            for (size_t o = 0; o < gs; o += 64) KG_IL_PREFETCH(wb + o);
        else if (lin)
            kg__lin_prefetch(w, w_row, (size_t)g * gs, gs);
        KX_UNROLL for (int r = 0; r < 4; r++) {
            const uint8_t *p = wb + (size_t)r * w_row;
            if (!il && !lin && l1 && !is8) {  /* Q4_0, Q5_0 with prefetcht0: nearer (KG_IL_PREFETCH) */
                KG_IL_PREFETCH(p);
                KG_IL_PREFETCH(p + 64);
            } else if (!il && !lin) {
                KG_PREFETCH2(p, l1);
                KG_PREFETCH2(p + 64, l1);
                if (is8) KG_PREFETCH2(p + 128, l1);
            }
            A[r] = _mm512_loadu_si512((const void *)p);
            if (is8) {
                const __m512i B = _mm512_loadu_si512((const void *)(p + 64));
                __m512i v0 = _mm512_xor_si512(_mm512_permutex2var_epi16(A[r], i0, B), sg);
                __m512i v1 = _mm512_xor_si512(_mm512_permutex2var_epi16(_mm512_loadu_si512((const void *)(p + 8)), i1,
                                                                        _mm512_loadu_si512((const void *)(p + 72))), sg);
                sr[r] = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(xo, v0, XL), v1, XH);
                S = _mm512_or_si512(S, _mm512_maskz_permutex2var_epi16(0x1111u << r, A[r], is, B));
            } else if (is5) {
                const __m512i B = _mm512_loadu_si512((const void *)(p + 24));
                const __m512i v = _mm512_permutex2var_epi16(A[r], i5q, B), h = _mm512_permutex2var_epi16(A[r], i5h, B);
                __m512i lo = _mm512_and_si512(v, m4), hi = _mm512_and_si512(_mm512_srli_epi16(v, 4), m4);
                lo = _mm512_mask_add_epi8(lo, _mm512_test_epi8_mask(_mm512_shuffle_epi8(h, h5l), h5b), lo, b16);
                hi = _mm512_mask_add_epi8(hi, _mm512_test_epi8_mask(_mm512_shuffle_epi8(h, h5h), h5b), hi, b16);
                sr[r] = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(xo, lo, XL), hi, XH);
                S = _mm512_or_si512(S, _mm512_maskz_permutex2var_epi16(0x1111u << r, A[r], i5s, B));
            } else {
                __m512i v = _mm512_permutex2var_epi16(A[r], iq, _mm512_loadu_si512((const void *)(p + 8)));
                __m512i lo = _mm512_and_si512(v, m4), hi = _mm512_and_si512(_mm512_srli_epi16(v, 4), m4);
                sr[r] = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(xo, lo, XL), hi, XH);
            }
        }
        if (ty == T_Q4_0)
            S = _mm512_mask_blend_epi16(0xccccccccu, _mm512_permutex2var_epi16(A[0], i01, A[1]),
                                        _mm512_permutex2var_epi16(A[2], i23, A[3]));
        /* the previous group's tail here, after this group's multiplies (see kg__k45_rows) */
        if (g > 0) acc = kg__q4_0_tail(psr, pS, pp - KG_Q4P, acc);
        KX_UNROLL for (int r = 0; r < 4; r++) psr[r] = sr[r];
        pS = S;
    }
    if (ng > 0) acc = kg__q4_0_tail(psr, pS, pp - KG_Q4P, acc);
    return acc;
}

/* The last nt (< 4) blocks of 4 rows of type ty by the 256-bit step, w and x at the
   first of them (x as quantised); adds acc and writes the 4 dot products. */
KG_VNNI KG_INLINE void kg__q32_end(int ty, const uint8_t *w, size_t w_row, const uint8_t *x, int64_t nt,
                                   __m512 acc, float *out) {
    __m256 acc2 = _mm256_setzero_ps(), macc = _mm256_setzero_ps();
    int64_t b = 0;
    for (; b + 2 <= nt; b += 2) kg__q_step_vnni(ty, w, w_row, x, b, 1, &acc2, &macc);
    if (b < nt) kg__q_step_vnni(ty, w, w_row, x, b, 0, &acc2, &macc);
    __m256 h = _mm256_add_ps(_mm512_castps512_ps256(acc), _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(acc), 1)));
    h = _mm256_add_ps(h, _mm256_add_ps(acc2, macc));
    _mm_storeu_ps(out, _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1)));
}

/* Generation's activation step: xq (Q8_0, n elements) to xp, at most 2 n + 128 bytes. */
KG_VNNI KG_INLINE void kg__q32_prep(int q81, const uint8_t *xq, uint8_t *xp, int64_t n, uint8_t off) {
    const size_t xbs = q81 ? sizeof(BlockQ8_1) : sizeof(BlockQ8_0);
    const int64_t nb = n / QK, ng = nb / 4;
    for (int64_t g = 0; g < ng; g++) kg__q32_xprep(q81, xq + (size_t)g * 4 * xbs, (__m512i *)xp + g * KG_Q4P, off);
    memcpy(xp + (size_t)ng * KG_Q4P * 64, xq + (size_t)ng * 4 * xbs, (size_t)(nb - 4 * ng) * xbs);
}
static KG_VNNI void kern_prep_q4_0_zmm(const uint8_t *xq, uint8_t *xp, int64_t n) { kg__q32_prep(0, xq, xp, n, 8); }
static KG_VNNI void kern_prep_q5_0_zmm(const uint8_t *xq, uint8_t *xp, int64_t n) { kg__q32_prep(0, xq, xp, n, 16); }
static KG_VNNI void kern_prep_q8_0_zmm(const uint8_t *xq, uint8_t *xp, int64_t n) { kg__q32_prep(0, xq, xp, n, 0x80); }
static KG_VNNI void kern_prep_q81_zmm(const uint8_t *xq, uint8_t *xp, int64_t n) { kg__q32_prep(1, xq, xp, n, 0); }

/* Q4_0 and Q5_0 generation (kern_gen_q4_0_zmm, kern_gen_q5_0_zmm and their _l1 and _il
   forms, by KG_GEN_ZMM below; Q5_0's only _il is used).
   il: interleaved rows (Mat.il), the tail's row stride its own; w_row is still a row's
   size. l1: rows of at most KG_LIN_MAX bytes prefetched as one stream (kg__lin_prefetch);
   longer ones per row with prefetcht0 8 and 16 KiB ahead (KG_IL_PREFETCH, not KG_PF's
   32), which, per row for every length (before kg__lin_prefetch), measured: Zen 5, rows
   of 2048 from 4 KiB pages, a scratch harness over 100000 rows, 31-33 -> 35-36 GB/s
   (prefetcht0 at 32 and 16 KiB: 30-32; the K-quants and Q8_0 were no faster at 8 KiB). */
KG_VNNI KG_INLINE void kg__gen_q32(int ty, int l1, int il, const uint8_t *w, size_t w_row, const uint8_t *xp,
                                   int64_t n, float *out) {
    const int64_t nb = n / QK, ng = nb / 4;
    const size_t bs = type_layouts[ty].size;
    __m512 acc = kg__q32_rows(ty, l1, il, w, w_row, (const __m512i *)xp, ng, _mm512_setzero_ps());
    kg__q32_end(ty, w + (size_t)ng * (il ? 16 : 4) * bs, il ? (size_t)(nb - 4 * ng) * bs : w_row,
                xp + (size_t)ng * KG_Q4P * 64, nb - 4 * ng, acc, out);
}
#define kg__gen_q4_0(...) kg__gen_q32(T_Q4_0, __VA_ARGS__)
#define kg__gen_q5_0(...) kg__gen_q32(T_Q5_0, __VA_ARGS__)

static KG_VNNI void kern_gemv_q4_0_zmm(const uint8_t *w, size_t w_row, int nr, const uint8_t *x, size_t x_row,
                                       int nt, int64_t n, float *out, int64_t os) {
    (void)nr; (void)nt; (void)x_row; (void)os;
    const int64_t nb = n / QK, ng = nb / 4;
    __m512i pp[16 * KG_Q4P];
    __m512 acc = _mm512_setzero_ps();
    for (int64_t g = 0; g < ng; g += 16) {
        int64_t k = ng - g < 16 ? ng - g : 16;
        for (int64_t i = 0; i < k; i++) kg__q32_xprep(0, x + (size_t)(g + i) * 4 * sizeof(BlockQ8_0), pp + i * KG_Q4P, 8);
        acc = kg__q32_rows(T_Q4_0, 0, 0, w + (size_t)g * 4 * sizeof(BlockQ4_0), w_row, pp, k, acc);
    }
    kg__q32_end(T_Q4_0, w + (size_t)ng * 4 * sizeof(BlockQ4_0), w_row, x + (size_t)ng * 4 * sizeof(BlockQ8_0), nb - 4 * ng,
                acc, out);
}


KG_VNNI KG_INLINE void kg__gen_q8_0(int l1, int il, const uint8_t *w, size_t w_row, const uint8_t *xp, int64_t n, float *out) {
    const int64_t nb = n / QK, ng = nb / 4;
    __m512 acc = kg__q32_rows(T_Q8_0, l1, il, w, w_row, (const __m512i *)xp, ng, _mm512_setzero_ps());
    const size_t bs = sizeof(BlockQ8_0);
    __m256 h = kg__q8_steps_vnni(w + (size_t)ng * (il ? 16 : 4) * bs, il ? (size_t)(nb - 4 * ng) * bs : w_row,
                                 xp + (size_t)ng * KG_Q4P * 64, nb - 4 * ng, _mm256_setzero_ps());
    h = _mm256_add_ps(h, _mm256_add_ps(_mm512_castps512_ps256(acc),
                                       _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(acc), 1))));
    _mm_storeu_ps(out, _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1)));
}

/* Q6_K: per half of the block, the 64 ql bytes and 32 qh bytes give the 6-bit codes of
 * elements 0..63 (low nibbles; qh bits 0-1, 2-3) and 64..127 (high nibbles; bits 4-5,
 * 6-7). qh is loaded into both 256-bit halves, masked to the two bits each half needs,
 * and moved to bits 4-5 by a 64-bit shift per half (the masked bits never cross a
 * byte); a ternlog merges them with the nibble. The codes are q + 32: the prepared
 * activations carry -32 x (sum of each 4 bytes) as the vpdpbusd accumulators, so the
 * packed int16 sums are exact (|sum of 4 q x| <= 16256) and no per-row bsum step is
 * left. Every 128-bit lane of a dot is one 16-element sub-block; its scale reaches
 * the packed sums through one in-lane vpshufb and a sign extension per half.
 * Prepared block: X0..X3 (the 256 codes), C0..C3, d broadcast: KG_K6P vectors.
 * Tinyllama-1.1b shape rows in L1, one thread: 33.0 -> 38.2 GB/s. */
#define KG_K6P 9
#define KG_K6C(a, b) a, a, a, a, b, b, b, b
static const int8_t kg__k6_sc[2][32] __attribute__((aligned(32))) = {
    { KG_K6C(0, 4), KG_K6C(1, 5), KG_K6C(2, 6), KG_K6C(3, 7) },
    { KG_K6C(8, 12), KG_K6C(9, 13), KG_K6C(10, 14), KG_K6C(11, 15) },
};
#undef KG_K6C

KQ_VNNI KG_INLINE void kg__k6_xprep(const BlockQ8_K *xb, __m512i *pp) {
    const __m512i k32 = _mm512_set1_epi8(32), z = _mm512_setzero_si512();
    KQ_UNROLL for (int i = 0; i < 4; i++) {
        __m512i X = _mm512_loadu_si512((const void *)(xb->qs + 64 * i));
        _mm512_storeu_si512(pp + i, X);
        _mm512_storeu_si512(pp + 4 + i, _mm512_sub_epi32(z, _mm512_dpbusd_epi32(z, k32, X)));
    }
    _mm512_storeu_ps((float *)(pp + 8), _mm512_set1_ps(xb->d));
}

/* The reference's float step of one block of 4 rows (wb: the block of row 0), so the
   result stays bit-identical. */
KQ_VNNI KG_INLINE __m128 kg__k6_tail(const __m512i s[4], const uint8_t *wb, size_t w_row, const __m512i *pp, __m128 acc) {
    const __m128i sum = kg__sum4(s);
    __m128 dw = _mm_cvtph_ps(_mm_cvtsi64_si128((long long)kg__f16x4(wb, w_row, offsetof(BlockQ6_K, d))));
    __m128 xd = _mm512_castps512_ps128(_mm512_loadu_ps((const float *)(pp + 8)));
    return _mm_add_ps(acc, _mm_mul_ps(_mm_mul_ps(dw, xd), _mm_cvtepi32_ps(sum)));
}

/* Blocks [0, nb) of 4 rows (w: block 0 of row 0) against prepared activations pp; a
   block's tail after the next block's multiplies, as in kg__k45_rows. il: the rows are
   interleaved (as in kg__k45_rows). */
KQ_VNNI KG_INLINE __m128 kg__k6_rows(int l1, int il, const uint8_t *w, size_t w_row, const __m512i *pp, int64_t nb,
                                     __m128 acc) {
    const size_t bsz = sizeof(BlockQ6_K), bstep = il ? 4 * bsz : bsz;
    const int lin = KG_LIN(il, l1, w_row);
    if (il) w_row = bsz;
    const __m512i m4 = _mm512_set1_epi8(0x0f);
    const __m512i mlo = _mm512_inserti64x4(_mm512_set1_epi8(0x03), _mm256_set1_epi8(0x0c), 1);
    const __m512i mhi = _mm512_inserti64x4(_mm512_set1_epi8(0x30), _mm256_set1_epi8((char)0xc0), 1);
    const __m512i clo = _mm512_inserti64x4(_mm512_set1_epi64(4), _mm256_set1_epi64x(2), 1);
    const __m512i chi = _mm512_inserti64x4(_mm512_setzero_si512(), _mm256_set1_epi64x(2), 1);
    const __m256i t0 = _mm256_load_si256((const __m256i *)kg__k6_sc[0]), t1 = _mm256_load_si256((const __m256i *)kg__k6_sc[1]);
    const __m512i z = _mm512_setzero_si512();
    __m512i ps[4] = { z, z, z, z };                 /* the previous block's s */
    _Pragma("GCC unroll 2") for (int64_t b = 0; b < nb; b++, pp += KG_K6P) {
        const uint8_t *wb = w + (size_t)b * bstep;
        if (il)
            KQ_UNROLL for (size_t o = 0; o < 4 * bsz; o += 64) _mm_prefetch((const char *)wb + KG_IL_PF + o, _MM_HINT_T0);
        else if (lin)
            kg__lin_prefetch(w, w_row, (size_t)b * bsz, bsz);
        const __m512i X[4] = { _mm512_loadu_si512(pp), _mm512_loadu_si512(pp + 1), _mm512_loadu_si512(pp + 2),
                               _mm512_loadu_si512(pp + 3) };
        const __m512i C[4] = { _mm512_loadu_si512(pp + 4), _mm512_loadu_si512(pp + 5), _mm512_loadu_si512(pp + 6),
                               _mm512_loadu_si512(pp + 7) };
        __m512i s[4];
        KQ_UNROLL for (int k = 0; k < 4; k++) {
            const BlockQ6_K *blk = (const BlockQ6_K *)(wb + (size_t)k * w_row);
            if (!il && !lin) KQ_UNROLL for (size_t o = 0; o < bsz; o += 64) KG_PREFETCH2((const uint8_t *)blk + o, l1);
            __m256i sb = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)blk->scales));
            const __m512i sc[2] = { _mm512_cvtepi8_epi16(_mm256_shuffle_epi8(sb, t0)),
                                    _mm512_cvtepi8_epi16(_mm256_shuffle_epi8(sb, t1)) };
            s[k] = _mm512_setzero_si512();
            KQ_UNROLL for (int h = 0; h < 2; h++) {
                __m512i L = _mm512_loadu_si512((const void *)(blk->ql + 64 * h));
                __m512i H = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(blk->qh + 32 * h)));
                /* ternlog 0xec: (L & m4) | bits */
                __m512i ulo = _mm512_ternarylogic_epi32(L, _mm512_sllv_epi64(_mm512_and_si512(H, mlo), clo), m4, 0xec);
                __m512i uhi = _mm512_ternarylogic_epi32(_mm512_srli_epi16(L, 4),
                                                        _mm512_srlv_epi64(_mm512_and_si512(H, mhi), chi), m4, 0xec);
                __m512i plo = _mm512_dpbusd_epi32(C[2 * h], ulo, X[2 * h]);
                __m512i phi = _mm512_dpbusd_epi32(C[2 * h + 1], uhi, X[2 * h + 1]);
                s[k] = _mm512_dpwssd_epi32(s[k], _mm512_packs_epi32(plo, phi), sc[h]);
            }
        }
        if (b > 0) acc = kg__k6_tail(ps, wb - bstep, w_row, pp - KG_K6P, acc);
        KQ_UNROLL for (int k = 0; k < 4; k++) ps[k] = s[k];
    }
    if (nb > 0) acc = kg__k6_tail(ps, w + (size_t)(nb - 1) * bstep, w_row, pp - KG_K6P, acc);
    return acc;
}

/* Generation's activation step for Q6_K: Q8_K to 2.25 bytes per element. */
static KQ_VNNI void kern_prep_q6_k_zmm(const uint8_t *xq, uint8_t *xp, int64_t n) {
    for (int64_t b = 0; b < n / QK_K; b++) kg__k6_xprep((const BlockQ8_K *)xq + b, (__m512i *)xp + b * KG_K6P);
}

KQ_VNNI KG_INLINE void kg__gen_q6_k(int l1, int il, const uint8_t *w, size_t w_row, const uint8_t *xp, int64_t n,
                                    float *out) {
    _mm_storeu_ps(out, kg__k6_rows(l1, il, w, w_row, (const __m512i *)xp, n / QK_K, _mm_setzero_ps()));
}

static KQ_VNNI void kern_gemv_q6_k_zmm(const uint8_t *w, size_t w_row, int nr, const uint8_t *x, size_t x_row,
                                       int nt, int64_t n, float *out, int64_t os) {
    (void)nr; (void)nt; (void)x_row; (void)os;
    __m512i pp[KG_K6P];
    __m128 acc = _mm_setzero_ps();
    for (int64_t b = 0; b < n / QK_K; b++) {
        kg__k6_xprep((const BlockQ8_K *)x + b, pp);
        acc = kg__k6_rows(0, 0, w + (size_t)b * sizeof(BlockQ6_K), w_row, pp, 1, acc);
    }
    _mm_storeu_ps(out, acc);
}

/* Q4_K and Q5_K (is5: the fifth bit of element 64p + 32s + l is bit 2p + s of qh[l];
 * with qh in the low half of a vector and qh >> 2 in the high half, the bit of every
 * code byte of the two 64-byte loads sits at one shift per load and nibble).
 *
 * The activation side of a block (XA..XD, the bsums of each 32-element sub-block packed
 * to int16 and broadcast, d broadcast: KG_K4P vectors) is prepared once per block: by
 * kern_prep_k45_zmm once per generation matmul, or per block on the stack for a gemv.
 * The scales and mins of the 4 rows are unpacked together, one row per 128-bit lane:
 * dwords [s0..3 & 63, (s8..11 & 15) | (s0..3 >> 6) << 4, s4..7 & 63, s8..11 >> 4 |
 * (s4..7 >> 6) << 4] = sc0..7, m0..7 as kern__k4_unpack gives them, so the mins of the 4
 * rows take one vpmaddwd and the scales of a row one lane broadcast. Tinyllama-1.1b Q4_K
 * rows, one thread: 24.8 -> 32.3 GB/s in cache, 21.2 -> 28.5 GB/s streamed. */
#define KG_K4P 6
KQ_VNNI KG_INLINE void kg__k45_xprep(const BlockQ8_K *xb, __m512i *pp) {
    const __m256i *q8 = (const __m256i *)xb->qs;
    KQ_UNROLL for (int i = 0; i < 4; i++) {       /* XA = [x0..31 | x64..95], XB = [x32..63 | x96..127], XC, XD */
        int j = (i & 1) + 4 * (i >> 1);
        _mm512_storeu_si512(pp + i, _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256(q8 + j)),
                                                       _mm256_loadu_si256(q8 + j + 2), 1));
    }
    __m256i bs = _mm256_madd_epi16(_mm256_loadu_si256((const __m256i *)xb->bsums), _mm256_set1_epi16(1));
    _mm512_storeu_si512(pp + 4, _mm512_broadcast_i32x4(_mm_packs_epi32(_mm256_castsi256_si128(bs), _mm256_extracti128_si256(bs, 1))));
    _mm512_storeu_ps((float *)(pp + 5), _mm512_set1_ps(xb->d));
}

/* The float step of one block of 4 rows (wb: the block of row 0; s: the rows' scaled
   sums; md: their min sums, 4 partial sums per 128-bit lane), added to acc. It is the
   float step of KG_KQ, so the result stays bit-identical to the reference. */
KQ_VNNI KG_INLINE __m128 kg__k45_tail(const __m512i s[4], __m512i md, const uint8_t *wb, size_t w_row,
                                      const __m512i *pp, __m128 acc) {
    const __m512i lane0 = _mm512_set_epi32(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 12, 8, 4, 0);
    const __m128i sum = kg__sum4(s);
    md = _mm512_add_epi32(md, _mm512_shuffle_epi32(md, 0x4e));
    md = _mm512_add_epi32(md, _mm512_shuffle_epi32(md, 0xb1));
    __m128i msum = _mm512_castsi512_si128(_mm512_permutexvar_epi32(lane0, md));
    __m128 dw = _mm_cvtph_ps(_mm_cvtsi64_si128((long long)kg__f16x4(wb, w_row, 0)));
    __m128 mw = _mm_cvtph_ps(_mm_cvtsi64_si128((long long)kg__f16x4(wb, w_row, 2)));
    __m128 xd = _mm512_castps512_ps128(_mm512_loadu_ps((const float *)(pp + 5)));
    __m128 v = _mm_mul_ps(_mm_mul_ps(dw, xd), _mm_cvtepi32_ps(sum));
    v = _mm_sub_ps(v, _mm_mul_ps(_mm_mul_ps(mw, xd), _mm_cvtepi32_ps(msum)));
    return _mm_add_ps(acc, v);
}

/* Blocks [0, nb) of 4 rows (w: block 0 of row 0) against prepared activations pp. The
 * tail of a block (horizontal sums, float step: a long dependency chain) is done after
 * the next block's multiplies, so that the two overlap in the out-of-order window:
 * tinyllama-1.1b Q4_K rows, one thread, in cache 32.3 -> 34.3 GB/s. il: the rows are
 * interleaved (mat_interleave: block b of the 4 rows in one piece, row after row), read
 * as one stream prefetched line by line KG_IL_PF ahead into L1, as kg__q32_rows. */
KQ_VNNI KG_INLINE __m128 kg__k45_rows(int is5, int l1, int il, const uint8_t *w, size_t w_row, const __m512i *pp,
                                      int64_t nb, __m128 acc) {
    const size_t bsz = is5 ? sizeof(BlockQ5_K) : sizeof(BlockQ4_K), bstep = il ? 4 * bsz : bsz;
    const int lin = KG_LIN(il, l1, w_row);
    if (il) w_row = bsz;
    const size_t oqs = is5 ? offsetof(BlockQ5_K, qs) : offsetof(BlockQ4_K, qs);
    const __m512i m4 = _mm512_set1_epi8(0x0f), b4 = _mm512_set1_epi8(0x10), z = _mm512_setzero_si512();
    const __m512i i0 = _mm512_load_si512((const void *)kg__k4_sc512[0]), i1 = _mm512_load_si512((const void *)kg__k4_sc512[1]);
    const __m512i K1 = _mm512_maskz_mov_epi32(0x5555, _mm512_set1_epi8(0x3f));
    const __m512i K2 = _mm512_maskz_mov_epi32(0xaaaa, _mm512_set1_epi8(0x30)), K3 = _mm512_maskz_mov_epi32(0xaaaa, m4);
    const __m512i sh = _mm512_set_epi32(4, 0, 0, 0, 4, 0, 0, 0, 4, 0, 0, 0, 4, 0, 0, 0);
    const __m512i imin = _mm512_broadcast_i32x4(_mm_setr_epi8(8, -128, 9, -128, 10, -128, 11, -128, 12, -128, 13, -128, 14, -128, 15, -128));
    __m512i ps[4] = { z, z, z, z }, pmd = z;       /* the previous block's s and md */
    for (int64_t b = 0; b < nb; b++, pp += KG_K4P) {
        const uint8_t *wb = w + (size_t)b * bstep;
        if (il)
            KQ_UNROLL for (size_t o = 0; o < 4 * bsz; o += 64) _mm_prefetch((const char *)wb + KG_IL_PF + o, _MM_HINT_T0);
        else if (lin)
            kg__lin_prefetch(w, w_row, (size_t)b * bsz, bsz);
        const __m512i XA = _mm512_loadu_si512(pp), XB = _mm512_loadu_si512(pp + 1);
        const __m512i XC = _mm512_loadu_si512(pp + 2), XD = _mm512_loadu_si512(pp + 3);
        __m512i V = _mm512_castsi128_si512(_mm_loadu_si128((const __m128i *)(wb + 4)));   /* scales at offset 4 */
        V = _mm512_inserti32x4(V, _mm_loadu_si128((const __m128i *)(wb + w_row + 4)), 1);
        V = _mm512_inserti32x4(V, _mm_loadu_si128((const __m128i *)(wb + 2 * w_row + 4)), 2);
        V = _mm512_inserti32x4(V, _mm_loadu_si128((const __m128i *)(wb + 3 * w_row + 4)), 3);
        __m512i P = _mm512_shuffle_epi32(V, 0x50), Q = _mm512_srlv_epi32(_mm512_shuffle_epi32(V, 0xaa), sh);
        __m512i sm = _mm512_or_si512(_mm512_or_si512(_mm512_and_si512(P, K1), _mm512_and_si512(_mm512_srli_epi32(P, 2), K2)),
                                     _mm512_and_si512(Q, K3));
        __m512i md = _mm512_madd_epi16(_mm512_shuffle_epi8(sm, imin), _mm512_loadu_si512(pp + 4));
        const __m512i scs[4] = { _mm512_shuffle_i32x4(sm, sm, 0x00), _mm512_shuffle_i32x4(sm, sm, 0x55),
                                 _mm512_shuffle_i32x4(sm, sm, 0xaa), _mm512_shuffle_i32x4(sm, sm, 0xff) };
        __m512i s[4];
        KQ_UNROLL for (int k = 0; k < 4; k++) {
            const uint8_t *blk = wb + (size_t)k * w_row;
            if (!il && !lin) KQ_UNROLL for (size_t o = 0; o < bsz; o += 64) KG_PREFETCH2(blk + o, l1);
            __m512i sc = scs[k];
            __m512i z0 = _mm512_loadu_si512((const void *)(blk + oqs)), z1 = _mm512_loadu_si512((const void *)(blk + oqs + 64));
            __m512i lo0 = _mm512_and_si512(z0, m4), hi0 = _mm512_and_si512(_mm512_srli_epi16(z0, 4), m4);
            __m512i lo1 = _mm512_and_si512(z1, m4), hi1 = _mm512_and_si512(_mm512_srli_epi16(z1, 4), m4);
            if (is5) {
                __m256i qh = _mm256_loadu_si256((const __m256i *)(blk + offsetof(BlockQ5_K, qh)));
                __m512i h = _mm512_inserti64x4(_mm512_castsi256_si512(qh), _mm256_srli_epi16(qh, 2), 1);
                lo0 = _mm512_or_si512(lo0, _mm512_and_si512(_mm512_slli_epi16(h, 4), b4));   /* bits 0 | 2 */
                hi0 = _mm512_or_si512(hi0, _mm512_and_si512(_mm512_slli_epi16(h, 3), b4));   /* bits 1 | 3 */
                lo1 = _mm512_or_si512(lo1, _mm512_and_si512(h, b4));                          /* bits 4 | 6 */
                hi1 = _mm512_or_si512(hi1, _mm512_and_si512(_mm512_srli_epi16(h, 1), b4));   /* bits 5 | 7 */
            }
            __m512i p0 = _mm512_dpbusd_epi32(z, lo0, XA), p1 = _mm512_dpbusd_epi32(z, hi0, XB);
            __m512i p2 = _mm512_dpbusd_epi32(z, lo1, XC), p3 = _mm512_dpbusd_epi32(z, hi1, XD);
            __m512i t = _mm512_dpwssd_epi32(z, _mm512_packs_epi32(p0, p1), _mm512_shuffle_epi8(sc, i0));
            s[k] = _mm512_dpwssd_epi32(t, _mm512_packs_epi32(p2, p3), _mm512_shuffle_epi8(sc, i1));
        }
        if (b > 0) acc = kg__k45_tail(ps, pmd, wb - bstep, w_row, pp - KG_K4P, acc);
        KQ_UNROLL for (int k = 0; k < 4; k++) ps[k] = s[k];
        pmd = md;
    }
    if (nb > 0) acc = kg__k45_tail(ps, pmd, w + (size_t)(nb - 1) * bstep, w_row, pp - KG_K4P, acc);
    return acc;
}

/* Generation's activation step for Q4_K and Q5_K: Q8_K to 1.5 bytes per element. */
static KQ_VNNI void kern_prep_k45_zmm(const uint8_t *xq, uint8_t *xp, int64_t n) {
    for (int64_t b = 0; b < n / QK_K; b++) kg__k45_xprep((const BlockQ8_K *)xq + b, (__m512i *)xp + b * KG_K4P);
}

static KQ_INL KQ_VNNI void kg__k45_gemv(int is5, const uint8_t *w, size_t w_row, const uint8_t *x, int64_t n, float *out) {
    __m512i pp[KG_K4P];
    __m128 acc = _mm_setzero_ps();
    for (int64_t b = 0; b < n / QK_K; b++) {
        kg__k45_xprep((const BlockQ8_K *)x + b, pp);
        acc = kg__k45_rows(is5, 0, 0, w + (size_t)b * (is5 ? sizeof(BlockQ5_K) : sizeof(BlockQ4_K)), w_row, pp, 1, acc);
    }
    _mm_storeu_ps(out, acc);
}

#define KG_K45(NAME, IS5)                                                                                      \
static KQ_VNNI void kern_gemv_##NAME##_zmm(const uint8_t *w, size_t w_row, int nr, const uint8_t *x, size_t x_row, \
                                          int nt, int64_t n, float *out, int64_t os) {                        \
    (void)nr; (void)nt; (void)x_row; (void)os;                                                                 \
    kg__k45_gemv(IS5, w, w_row, x, n, out);                                                                    \
}                                                                                                              \
KQ_VNNI KG_INLINE void kg__gen_##NAME(int l1, int il, const uint8_t *w, size_t w_row, const uint8_t *xp,     \
                                      int64_t n, float *out) {                                                 \
    _mm_storeu_ps(out, kg__k45_rows(IS5, l1, il, w, w_row, (const __m512i *)xp, n / QK_K, _mm_setzero_ps()));  \
}
KG_K45(q4_k, 0)
KG_K45(q5_k, 1)

/* The 512-bit generation kernels, in three forms: prefetching with KG_HINT, and (_l1) with
   prefetcht0 for the CPUs where that reads faster (see KG_PREFETCH2; Q4_0's prefetcht0
   at KG_PF and KG_PF2 was no faster on the Zen 5, file mapping 2-3% slower, so it takes
   KG_IL_PREFETCH's distances), and (_il) over interleaved rows (Mat.il). */
#define KG_GEN_ZMM(NAME)                                                                                        \
static KG_VNNI void kern_gen_##NAME##_zmm(const uint8_t *w, size_t w_row, int nr, const uint8_t *xp, size_t x_row, \
                                         int nt, int64_t n, float *out, int64_t os) {                          \
    (void)nr; (void)nt; (void)x_row; (void)os;                                                                  \
    kg__gen_##NAME(0, 0, w, w_row, xp, n, out);                                                                 \
}                                                                                                               \
static KG_VNNI void kern_gen_##NAME##_zmm_l1(const uint8_t *w, size_t w_row, int nr, const uint8_t *xp,         \
                                            size_t x_row, int nt, int64_t n, float *out, int64_t os) {          \
    (void)nr; (void)nt; (void)x_row; (void)os;                                                                  \
    kg__gen_##NAME(1, 0, w, w_row, xp, n, out);                                                                 \
}                                                                                                               \
static KG_VNNI void kern_gen_##NAME##_zmm_il(const uint8_t *w, size_t w_row, int nr, const uint8_t *xp,         \
                                            size_t x_row, int nt, int64_t n, float *out, int64_t os) {          \
    (void)nr; (void)nt; (void)x_row; (void)os;                                                                  \
    kg__gen_##NAME(0, 1, w, w_row, xp, n, out);                                                                 \
}
KG_GEN_ZMM(q4_0)
KG_GEN_ZMM(q5_0)
KG_GEN_ZMM(q8_0)
KG_GEN_ZMM(q4_k)
KG_GEN_ZMM(q5_k)
KG_GEN_ZMM(q6_k)

/* Q5_1 in Q4_0's 512-bit form: four blocks per vector, a 128-bit lane each, against
 * activations prepared from Q8_1 (whose s, per lane, takes the minimum's term). A row's 4
 * blocks (96 bytes) are read as A = [p, p+64) and B = [p+32, p+96), and two-source word
 * permutes gather: the codes (word w of the blocks is A's w for w < 32, else B's w - 16,
 * as index 32 + w - 16); the fifth bits (qh's low 16 bits for blocks 0..3, then the high
 * 16), as two 64-bit masks that add 16 to the code bytes; the scales d and m of each row
 * by one masked permute each, as Q8_0's. In cache 34-36 -> 50-54 GB/s, from memory 28-33
 * -> 35-40 (tinyllama rows, one thread, Zen 5). The same form for Q4_1 and Q5_0 (80 and
 * 88 bytes) was as fast in cache but read memory at half the speed of their 256-bit
 * kernels (18-20 against 33-41 GB/s, with any prefetch tried), so they keep those. */
static const uint16_t kg__q51z_idx[4][32] __attribute__((aligned(64))) = {
    { 4, 5, 6, 7, 8, 9, 10, 11, 16, 17, 18, 19, 20, 21, 22, 23, 28, 29, 30, 31, 48, 49, 50, 51, 56, 57, 58, 59, 60, 61, 62, 63 },
    { 2, 14, 26, 54, 3, 15, 27, 55 },                                           /* qh: low words, high words */
    { 0, 0, 0, 0, 12, 12, 12, 12, 24, 24, 24, 24, 52, 52, 52, 52 },             /* d of block b to words 4b.. */
    { 1, 1, 1, 1, 13, 13, 13, 13, 25, 25, 25, 25, 53, 53, 53, 53 },             /* m */
};

static KG_VNNI void kern_gen_q5_1_zmm(const uint8_t *w, size_t w_row, int nr, const uint8_t *xp, size_t x_row,
                                     int nt, int64_t n, float *out, int64_t os) {
    (void)nr; (void)nt; (void)x_row; (void)os;
    const size_t gb = 4 * sizeof(BlockQ5_1);
    const int64_t nb = n / QK, ng = nb / 4;
    const __m512i ic = _mm512_load_si512((const void *)kg__q51z_idx[0]), iq = _mm512_load_si512((const void *)kg__q51z_idx[1]);
    const __m512i id = _mm512_load_si512((const void *)kg__q51z_idx[2]), im = _mm512_load_si512((const void *)kg__q51z_idx[3]);
    const __m512i m4 = _mm512_set1_epi8(0x0f), b16 = _mm512_set1_epi8(0x10), z = _mm512_setzero_si512();
    const __m512i *pp = (const __m512i *)xp;
    __m512 acc = _mm512_setzero_ps(), macc = acc;
    for (int64_t g = 0; g < ng; g++, pp += KG_Q4P) {
        const uint8_t *wb = w + (size_t)g * gb;
        const __m512i XL = _mm512_loadu_si512(pp), XH = _mm512_loadu_si512(pp + 1);
        __m512i sr[4], S = z, M = z;
        KX_UNROLL for (int r = 0; r < 4; r++) {
            const uint8_t *p = wb + (size_t)r * w_row;
            KG_PREFETCH2(p, 0);
            KG_PREFETCH2(p + 64, 0);
            const __m512i A = _mm512_loadu_si512((const void *)p), B = _mm512_loadu_si512((const void *)(p + gb - 64));
            __m512i v = _mm512_permutex2var_epi16(A, ic, B);
            __m512i lo = _mm512_and_si512(v, m4), hi = _mm512_and_si512(_mm512_srli_epi16(v, 4), m4);
            __m128i h = _mm512_castsi512_si128(_mm512_permutex2var_epi16(A, iq, B));
            lo = _mm512_mask_add_epi8(lo, _cvtu64_mask64((uint64_t)_mm_cvtsi128_si64(h)), lo, b16);
            hi = _mm512_mask_add_epi8(hi, _cvtu64_mask64((uint64_t)_mm_extract_epi64(h, 1)), hi, b16);
            sr[r] = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(z, lo, XL), hi, XH);
            S = _mm512_or_si512(S, _mm512_maskz_permutex2var_epi16(0x1111u << r, A, id, B));
            M = _mm512_or_si512(M, _mm512_maskz_permutex2var_epi16(0x1111u << r, A, im, B));
        }
        __m512 dx = _mm512_loadu_ps((const float *)(pp + 3));
        acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(kg__sum4_lanes(sr)),
                              _mm512_mul_ps(_mm512_cvtph_ps(_mm512_castsi512_si256(S)), dx), acc);
        macc = _mm512_fmadd_ps(_mm512_cvtph_ps(_mm512_castsi512_si256(M)), _mm512_loadu_ps((const float *)(pp + 2)), macc);
    }
    kg__q32_end(T_Q5_1, w + (size_t)ng * gb, w_row, (const uint8_t *)pp, nb - 4 * ng, _mm512_add_ps(acc, macc), out);
}

#endif /* __x86_64__ */

/* ---- x86_64 AVX-512 VNNI prompt-processing kernels: weight rows in vector lanes ----
 *
 * For a batch of tokens the matmul driver calls these once per thread with all its rows
 * and all tokens (kern__batch_variants, KernImpl.batch; see model__matmul_job). A zmm
 * register holds 16
 * weight rows, one int32 lane per row: the weights of 16 rows are transposed once into
 * "4 consecutive bytes of each row in one lane" form (pp__t16), and
 *     isum[row] += vpdpbusd(w4[row], broadcast(x[4k..4k+3]))
 * computes the dot products of 16 rows with one token, 4 bytes per lane per instruction,
 * with the activation bytes taken straight from the Q8_0/Q8_K rows through the
 * instruction's broadcast memory operand. No horizontal sums: each lane is one
 * (row, token) pair from the first block to the last, so the per-block float step is one
 * 16-lane operation, and the result of 16 rows for one token is one store.
 *
 * Loop order (pp__run): tokens in groups of PP_TB, the row's blocks in chunks (PP_CB32
 * blocks of 32 or PP_CBK super-blocks of 256); per chunk the per-token, per-block data
 * the inner loop needs (32-element types: -offset * sum(x), the float d and, for Q8_1, s of
 * x; Q4_K, Q5_K: the sums of bsums per 32; Q2_K: the bsums; Q3_K, Q6_K: -4 / -32 * bsums)
 * is computed once for all tokens; then for every 16
 * rows the chunk's weights are unpacked once into an L1 buffer and used for every token,
 * PP_T tokens at a time with the float accumulators in registers (partial sums of later
 * chunks go through `out`, which holds exact floats, so the order is unchanged).
 *
 * Numerics: the integers per block are the reference's exactly (u = unsigned weight code;
 * Q4_0 u = q, offset 8; Q5_0 offset 16; Q4_1, Q5_1 u = q; Q8_0 u = w + 128, offset 128;
 * K-quants as KqRow: u = q, Q6_K u = q + 32, Q3_K u = q + 4, the offsets through bsums)
 * and each lane does the reference's float expression per block in the reference's
 * order: Q4_0 sum += (isum * dw) * dx, Q8_0 and Q5_0 sum += isum * (dw * dx), Q4_1 and
 * Q5_1 the same + mw * sx, Q2_K, Q4_K and Q5_K sum += d*isum - dmin*msum, Q3_K and Q6_K
 * sum += (dw * dx) * isum, so all ten are bit-identical to kern_dot_*_ref (built without
 * FP contraction, as -std=c11 does). */
#if defined(__x86_64__)
#include <immintrin.h>

#define PP_VNNI __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")))
#define PP_AVX2 __attribute__((target("avx2,fma,f16c")))
#define PP_INL static inline __attribute__((always_inline))
#define PP_UNROLL _Pragma("GCC unroll 16")
enum {
    PP_TB = 128,     /* tokens whose per-chunk data is prepared together */
    PP_CB32 = 16,    /* blocks of 32 per chunk (Q4_0, Q8_0) */
    PP_CBK = 2,      /* super-blocks of 256 per chunk (Q4_K, Q5_K, Q6_K) */
    PP_T = 4         /* tokens per register block (4..8 measure alike; 4 is the smallest code) */
};

/* Where the blocks of the rows a prompt kernel unpacks are. NULL: the row layout (block b
   of row r at w + ro[r] + b bs). Else the interleaved one (Mat.il, mat__il_quad): groups
   of G blocks of the 4 rows of a four side by side up to block nbg, then each row's
   remaining blocks; ro[r] and ro_t[r] are row r's offsets in the groups and the tail. */
typedef struct { int64_t G, nbg; const size_t *ro_t; } PpIl;
static inline const uint8_t *pp__blk(const uint8_t *w, const PpIl *il, size_t bs, int64_t b) {
    if (!il) return w + (size_t)b * bs;
    if (b < il->nbg) return w + (size_t)(b / il->G) * 4 * (size_t)il->G * bs + (size_t)(b % il->G) * bs;
    return w + (size_t)il->nbg * 4 * bs + (size_t)(b - il->nbg) * bs;
}
#define PP_RO(il, ro, b) ((il) && (b) >= (il)->nbg ? (il)->ro_t : (ro))

/* 16 bytes at p + ro[r] for the 16 rows r, transposed: o[j] lane r = dword j of row r.
 * (ro[] repeats the last valid row for the lanes past the end, so nothing is read out
 * of bounds.) */
PP_INL PP_VNNI void pp__t16(const uint8_t *p, const size_t *ro, __m512i o[4]) {
    __m512i a[4];
    PP_UNROLL for (int i = 0; i < 4; i++) {
        __m512i v = _mm512_castsi128_si512(_mm_loadu_si128((const __m128i *)(p + ro[i])));
        v = _mm512_inserti32x4(v, _mm_loadu_si128((const __m128i *)(p + ro[4 + i])), 1);
        v = _mm512_inserti32x4(v, _mm_loadu_si128((const __m128i *)(p + ro[8 + i])), 2);
        a[i] = _mm512_inserti32x4(v, _mm_loadu_si128((const __m128i *)(p + ro[12 + i])), 3);
    }
    /* per 128-bit lane L: a[i] = row 4L+i; 4x4 dword transpose */
    __m512i t0 = _mm512_unpacklo_epi32(a[0], a[1]), t1 = _mm512_unpackhi_epi32(a[0], a[1]);
    __m512i t2 = _mm512_unpacklo_epi32(a[2], a[3]), t3 = _mm512_unpackhi_epi32(a[2], a[3]);
    o[0] = _mm512_unpacklo_epi64(t0, t2);
    o[1] = _mm512_unpackhi_epi64(t0, t2);
    o[2] = _mm512_unpacklo_epi64(t1, t3);
    o[3] = _mm512_unpackhi_epi64(t1, t3);
}
PP_INL PP_VNNI __m512i pp__bcast32(const uint8_t *p) {
    int32_t v;
    memcpy(&v, p, 4);
    return _mm512_set1_epi32(v);
}
/* low / high 16 bits of each dword lane (f16 bits) as floats */
PP_INL PP_VNNI __m512 pp__h16lo(__m512i v) { return _mm512_cvtph_ps(_mm512_cvtepi32_epi16(v)); }
PP_INL PP_VNNI __m512 pp__h16hi(__m512i v) { return _mm512_cvtph_ps(_mm512_cvtepi32_epi16(_mm512_srli_epi32(v, 16))); }

/* ========= the 32-element types: Q4_0, Q5_0, Q8_0 against Q8_0; Q4_1, Q5_1 against Q8_1 ========= */

typedef struct {
    __m512i w[PP_CB32][8];   /* u bytes, dword group k = elements 4k..4k+3 of the block */
    __m512 d[PP_CB32], m[PP_CB32];  /* f16 d (and m: Q4_1, Q5_1) of the 16 rows */
} pp__W32;
typedef struct {
    int32_t corr[PP_TB][PP_CB32];   /* -offset * sum(x) of the block */
    float d[PP_TB][PP_CB32];        /* d of the block */
    float s[PP_TB][PP_CB32];        /* Q8_1: s of the block */
} PpX32;

/* The 32-element types: Q4_0 and Q5_0 (u = q, offset 8 / 16), Q8_0 (u = w + 128, offset
   128) against Q8_0; Q4_1 and Q5_1 (u = q, no offset, + m * s per block) against Q8_1.
   The weight block's codes and, for Q5_0 / Q5_1, fifth bits (the token side: kern__q81). */
static inline size_t pp__wqs(int ty) {
    return ty == T_Q4_1 ? offsetof(BlockQ4_1, qs) : ty == T_Q5_0 ? offsetof(BlockQ5_0, qs)
         : ty == T_Q5_1 ? offsetof(BlockQ5_1, qs) : offsetof(BlockQ4_0, qs);
}
static inline size_t pp__wqh(int ty) { return ty == T_Q5_0 ? offsetof(BlockQ5_0, qh) : offsetof(BlockQ5_1, qh); }

PP_INL PP_VNNI void pp__unpack32(int ty, int enc, const uint8_t *w, const size_t *ro0, const PpIl *il, int64_t b0, int nb,
                               pp__W32 *u) {
    (void)enc;                                      /* the pp8 kernels' integer step */
    const __m512i m4 = _mm512_set1_epi8(0x0f), x80 = _mm512_set1_epi8((char)0x80), x10 = _mm512_set1_epi8(0x10);
    /* byte 0 of each dword to its 4 bytes; bits 0..3 of it, one per byte */
    const __m512i bc0 = _mm512_broadcast_i32x4(_mm_setr_epi8(0, 0, 0, 0, 4, 4, 4, 4, 8, 8, 8, 8, 12, 12, 12, 12));
    const __m512i bit = _mm512_set1_epi32(0x08040201);
    const size_t bs = type_layouts[ty].size;
    for (int b = 0; b < nb; b++) {
        const size_t *ro = PP_RO(il, ro0, b0 + b);
        const uint8_t *p = pp__blk(w, il, bs, b0 + b);
        __m512i q[4];
        pp__t16(p, ro, q);                              /* dword 0: d and m, or d and 2 bytes */
        u->d[b] = pp__h16lo(q[0]);
        if (kern__q81(ty)) u->m[b] = pp__h16hi(q[0]);
        if (ty == T_Q8_0) {
            PP_UNROLL for (int h = 0; h < 2; h++) {
                pp__t16(p + 2 + 16 * h, ro, q);
                PP_UNROLL for (int j = 0; j < 4; j++) u->w[b][4 * h + j] = _mm512_xor_si512(q[j], x80);
            }
            continue;
        }
        pp__t16(p + pp__wqs(ty), ro, q);
        PP_UNROLL for (int j = 0; j < 4; j++) {
            u->w[b][j] = _mm512_and_si512(q[j], m4);
            u->w[b][4 + j] = _mm512_and_si512(_mm512_srli_epi32(q[j], 4), m4);
        }
        if (ty == T_Q5_0 || ty == T_Q5_1) {             /* group j's byte i: bit 4j + i of qh */
            pp__t16(p + pp__wqh(ty), ro, q);
            PP_UNROLL for (int j = 0; j < 8; j++) {
                __mmask64 k = _mm512_test_epi8_mask(_mm512_shuffle_epi8(_mm512_srli_epi32(q[0], 4 * j), bc0), bit);
                u->w[b][j] = _mm512_or_si512(u->w[b][j], _mm512_maskz_mov_epi8(k, x10));
            }
        }
    }
}

/* Per token and block of the chunk: -off * sum(x) (sum through vpsadbw on x ^ 0x80), d and
   (Q8_1) s. */
PP_INL PP_AVX2 void pp__prep32(int ty, const uint8_t *x, size_t x_row, int nt, int64_t b0, int nb, PpX32 *px) {
    const int off = ty == T_Q4_0 ? 8 : ty == T_Q5_0 ? 16 : ty == T_Q8_0 ? 128 : 0, q81 = kern__q81(ty);
    const size_t xbs = kern__xbs(ty), xqs = kern__xqs(ty);
    const __m256i x80 = _mm256_set1_epi8((char)0x80), z = _mm256_setzero_si256();
    for (int t = 0; t < nt; t++) {
        const uint8_t *xb = x + (size_t)t * x_row + (size_t)b0 * xbs;
        for (int b = 0; b < nb; b++, xb += xbs) {
            __m256i s = _mm256_sad_epu8(_mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(xb + xqs)), x80), z);
            __m128i h = _mm_add_epi64(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
            h = _mm_add_epi64(h, _mm_unpackhi_epi64(h, h));
            px->corr[t][b] = -off * (_mm_cvtsi128_si32(h) - 32 * 128);
            uint16_t d[2];
            memcpy(d, xb, 4);
            px->d[t][b] = _cvtsh_ss(d[0]);
            px->s[t][b] = q81 ? _cvtsh_ss(d[1]) : 0.0f;
        }
    }
}

/* T tokens x 16 rows over the chunk's nb blocks. */
PP_INL PP_VNNI void pp__tg32(int ty, int enc, int T, const pp__W32 *u, int nb, const uint8_t *x, size_t x_row,
                             const PpX32 *px, int t0, float *out, int64_t os, int first, int rows) {
    (void)enc;
    const __mmask16 m = (__mmask16)((1u << rows) - 1);
    __m512 acc[PP_T];
    PP_UNROLL for (int t = 0; t < T; t++)
        acc[t] = first ? _mm512_setzero_ps() : _mm512_maskz_loadu_ps(m, out + (int64_t)t * os);
    const size_t xbs = kern__xbs(ty), xqs = kern__xqs(ty);
    for (int b = 0; b < nb; b++) {
        const uint8_t *xb = x + (size_t)b * xbs + xqs;
        __m512i is[PP_T];
        PP_UNROLL for (int t = 0; t < T; t++) is[t] = _mm512_set1_epi32(px->corr[t0 + t][b]);
        PP_UNROLL for (int k = 0; k < 8; k++) {
            __m512i wv = _mm512_load_si512(&u->w[b][k]);
            PP_UNROLL for (int t = 0; t < T; t++)
                is[t] = _mm512_dpbusd_epi32(is[t], wv, pp__bcast32(xb + (size_t)t * x_row + 4 * k));
        }
        PP_UNROLL for (int t = 0; t < T; t++) {
            __m512 dx = _mm512_set1_ps(px->d[t0 + t][b]), f = _mm512_cvtepi32_ps(is[t]), v;
            if (ty == T_Q4_0) v = _mm512_mul_ps(_mm512_mul_ps(f, u->d[b]), dx);         /* (isum * dw) * dx */
            else v = _mm512_mul_ps(f, _mm512_mul_ps(u->d[b], dx));                       /* isum * (dw * dx) */
            if (kern__q81(ty)) v = _mm512_add_ps(v, _mm512_mul_ps(u->m[b], _mm512_set1_ps(px->s[t0 + t][b])));   /* + mw sx */
            acc[t] = _mm512_add_ps(acc[t], v);
        }
    }
    PP_UNROLL for (int t = 0; t < T; t++) _mm512_mask_storeu_ps(out + (int64_t)t * os, m, acc[t]);
}

/* ================= Q2_K..Q6_K against Q8_K =================
 * Q3_K goes the way of Q6_K: 16 sub-blocks of 16, codes u = q + 4 (3 bits from qs and
 * hmask), the -4 through bsums, float step (dw * dx) * isum as kern_dot_q3_k_ref. Q2_K:
 * 16 sub-blocks of 16 with 4-bit scales, codes u = q (2 bits), and 16 4-bit mins taken
 * as Q4_K's 8 are (int16 pairs against bsum pairs), float step as Q4_K's. */

typedef struct {
    __m512i w[PP_CBK][64];   /* u bytes, dword group k = elements 4k..4k+3 */
    __m512i sc[PP_CBK][16];  /* int32 scale of each sub-block (Q4_K: 8 of 32, Q6_K: 16 of 16) */
    __m512i mp[PP_CBK][8];   /* Q4_K, Q5_K (i < 4), Q2_K (i < 8): int16 pairs (m[2i], m[2i+1]) */
    __m512 d[PP_CBK], dmin[PP_CBK];
} pp__WK;
typedef struct {
    int32_t v[PP_TB][PP_CBK][16];  /* Q4_K: int16 pairs (bs32[2i], bs32[2i+1]), bs32[j] = bsums[2j] + bsums[2j+1];
                                      Q6_K: -32 * bsums[j] */
} PpXK;

/* Q3_K's 16 6-bit scales (as bytes sc + 32, 4 per dword: s[0] sub-blocks 0..3, ...) from
   the block's last 16 bytes transposed (q: the scales from byte 2 of dword 0; low
   nibbles in scale bytes 0..7, high 2 bits in bytes 8..11, as kern__q3_k_scale). */
PP_INL PP_VNNI void pp__k3_scales(const __m512i q[4], __m512i s[4]) {
    const __m512i m2 = _mm512_set1_epi32(0x0f0f0f0f), m3 = _mm512_set1_epi32(0x03030303);
    __m512i a0 = _mm512_or_si512(_mm512_srli_epi32(q[0], 16), _mm512_slli_epi32(q[1], 16));   /* bytes 0..3 */
    __m512i a1 = _mm512_or_si512(_mm512_srli_epi32(q[1], 16), _mm512_slli_epi32(q[2], 16));   /* 4..7 */
    __m512i a2 = _mm512_or_si512(_mm512_srli_epi32(q[2], 16), _mm512_slli_epi32(q[3], 16));   /* 8..11 */
    PP_UNROLL for (int k = 0; k < 4; k++) {
        __m512i lo = _mm512_and_si512(k < 2 ? (k ? a1 : a0) : _mm512_srli_epi32(k == 3 ? a1 : a0, 4), m2);
        s[k] = _mm512_or_si512(lo, _mm512_slli_epi32(_mm512_and_si512(_mm512_srli_epi32(a2, 2 * k), m3), 4));
    }
}

PP_INL PP_VNNI void pp__unpackk(int ty, int enc, const uint8_t *w, const size_t *ro0, const PpIl *il, int64_t b0, int nb,
                              pp__WK *u) {
    (void)enc;                                      /* the pp8 kernels' integer step */
    const __m512i m4 = _mm512_set1_epi8(0x0f), ff = _mm512_set1_epi32(0xff);
    const int five = ty == T_Q5_K;
    const size_t oqs = five ? offsetof(BlockQ5_K, qs) : offsetof(BlockQ4_K, qs);
    for (int b = 0; b < nb; b++) {
        const size_t *ro = PP_RO(il, ro0, b0 + b);
        __m512i q[4];
        if (ty == T_Q4_K || ty == T_Q5_K) {             /* d, dmin, scales alike */
            const uint8_t *p = pp__blk(w, il, type_layouts[ty].size, b0 + b);
            pp__t16(p, ro, q);                          /* d|dmin, scales u0, u1, u2 */
            u->d[b] = pp__h16lo(q[0]);
            u->dmin[b] = pp__h16hi(q[0]);
            const __m512i m1 = _mm512_set1_epi32(0x3f3f3f3f), m2 = _mm512_set1_epi32(0x0f0f0f0f),
                          m3 = _mm512_set1_epi32(0x03030303);
            __m512i u0 = q[1], u1 = q[2], u2 = q[3];
            __m512i s03 = _mm512_and_si512(u0, m1);                                   /* sc0..3 */
            __m512i s47 = _mm512_or_si512(_mm512_and_si512(u2, m2),
                                          _mm512_slli_epi32(_mm512_and_si512(_mm512_srli_epi32(u0, 6), m3), 4));
            __m512i m03 = _mm512_and_si512(u1, m1);                                   /* m0..3 */
            __m512i m47 = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi32(u2, 4), m2),
                                          _mm512_slli_epi32(_mm512_and_si512(_mm512_srli_epi32(u1, 6), m3), 4));
            PP_UNROLL for (int j = 0; j < 4; j++) {
                u->sc[b][j] = _mm512_and_si512(_mm512_srli_epi32(s03, 8 * j), ff);
                u->sc[b][4 + j] = _mm512_and_si512(_mm512_srli_epi32(s47, 8 * j), ff);
            }
            /* (m[2i], m[2i+1]) as int16 pairs: bytes 2i, 2i+1 of m03/m47 zero-extended */
            const __m512i lo = _mm512_set1_epi32(0x00ff00ff);
            __m512i e03 = _mm512_and_si512(m03, lo), o03 = _mm512_and_si512(_mm512_srli_epi32(m03, 8), lo);
            __m512i e47 = _mm512_and_si512(m47, lo), o47 = _mm512_and_si512(_mm512_srli_epi32(m47, 8), lo);
            /* e = [m0, m2] (16-bit halves), o = [m1, m3]: pair 0 = (m0, m1), pair 1 = (m2, m3) */
            u->mp[b][0] = _mm512_or_si512(_mm512_and_si512(e03, _mm512_set1_epi32(0xffff)), _mm512_slli_epi32(o03, 16));
            u->mp[b][1] = _mm512_or_si512(_mm512_srli_epi32(e03, 16), _mm512_andnot_si512(_mm512_set1_epi32(0xffff), o03));
            u->mp[b][2] = _mm512_or_si512(_mm512_and_si512(e47, _mm512_set1_epi32(0xffff)), _mm512_slli_epi32(o47, 16));
            u->mp[b][3] = _mm512_or_si512(_mm512_srli_epi32(e47, 16), _mm512_andnot_si512(_mm512_set1_epi32(0xffff), o47));
            PP_UNROLL for (int c = 0; c < 8; c++) {             /* qs bytes 16c..16c+15 */
                pp__t16(p + oqs + 16 * c, ro, q);
                int pp = c / 2, i0 = 4 * (c % 2);               /* dword 4c+j = 8pp + i0 + j */
                PP_UNROLL for (int j = 0; j < 4; j++) {
                    u->w[b][16 * pp + i0 + j] = _mm512_and_si512(q[j], m4);
                    u->w[b][16 * pp + 8 + i0 + j] = _mm512_and_si512(_mm512_srli_epi32(q[j], 4), m4);
                }
            }
            if (five) {                                 /* the fifth bit of group 8sb + k: bit sb of qh dword k */
                __m512i qh[8];
                pp__t16(p + offsetof(BlockQ5_K, qh), ro, qh);
                pp__t16(p + offsetof(BlockQ5_K, qh) + 16, ro, qh + 4);
                const __m512i m10 = _mm512_set1_epi8(0x10);
                PP_UNROLL for (int sb = 0; sb < 8; sb++)
                    PP_UNROLL for (int k = 0; k < 8; k++) {
                        __m512i h = sb < 4 ? _mm512_slli_epi32(qh[k], 4 - sb) : _mm512_srli_epi32(qh[k], sb - 4);
                        u->w[b][8 * sb + k] = _mm512_ternarylogic_epi32(u->w[b][8 * sb + k], h, m10, 0xf8);   /* a | (b & c) */
                    }
            }
        } else if (ty == T_Q2_K) {
            const uint8_t *p = pp__blk(w, il, sizeof(BlockQ2_K), b0 + b);
            __m512i qs[16], sm[4];
            PP_UNROLL for (int c = 0; c < 4; c++) pp__t16(p + offsetof(BlockQ2_K, qs) + 16 * c, ro, qs + 4 * c);
            pp__t16(p + offsetof(BlockQ2_K, scales), ro, sm);    /* scale | min << 4 per sub-block */
            pp__t16(p + sizeof(BlockQ2_K) - 16, ro, q);          /* d | dmin << 16 in dword 3 */
            u->d[b] = pp__h16lo(q[3]);
            u->dmin[b] = pp__h16hi(q[3]);
            const __m512i f = _mm512_set1_epi32(0x0f);
            PP_UNROLL for (int j = 0; j < 16; j++)
                u->sc[b][j] = _mm512_and_si512(_mm512_srli_epi32(sm[j / 4], 8 * (j % 4)), f);
            PP_UNROLL for (int i = 0; i < 8; i++) {              /* (m[2i], m[2i+1]): bytes 2i, 2i+1 >> 4 */
                __m512i v = _mm512_srli_epi32(sm[i / 2], 16 * (i % 2));
                u->mp[b][i] = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi32(v, 4), f),
                                              _mm512_slli_epi32(_mm512_and_si512(_mm512_srli_epi32(v, 12), f), 16));
            }
            const __m512i m3 = _mm512_set1_epi8(3);
            PP_UNROLL for (int h = 0; h < 2; h++)          /* group 32h + 8j + i: qs dword 8h + i >> 2j */
                PP_UNROLL for (int j = 0; j < 4; j++)
                    PP_UNROLL for (int i = 0; i < 8; i++)
                        u->w[b][32 * h + 8 * j + i] = _mm512_and_si512(_mm512_srli_epi32(qs[8 * h + i], 2 * j), m3);
        } else if (ty == T_Q3_K) {
            const uint8_t *p = pp__blk(w, il, sizeof(BlockQ3_K), b0 + b);
            __m512i qs[16], hm[8], s[4];
            PP_UNROLL for (int c = 0; c < 4; c++) pp__t16(p + offsetof(BlockQ3_K, qs) + 16 * c, ro, qs + 4 * c);
            PP_UNROLL for (int c = 0; c < 2; c++) pp__t16(p + offsetof(BlockQ3_K, hmask) + 16 * c, ro, hm + 4 * c);
            pp__t16(p + sizeof(BlockQ3_K) - 16, ro, q);          /* scales from byte 2, d in dword 3, high half */
            u->d[b] = pp__h16hi(q[3]);
            pp__k3_scales(q, s);
            PP_UNROLL for (int j = 0; j < 16; j++)
                u->sc[b][j] = _mm512_sub_epi32(_mm512_and_si512(_mm512_srli_epi32(s[j / 4], 8 * (j % 4)), ff),
                                               _mm512_set1_epi32(32));
            const __m512i m3 = _mm512_set1_epi8(3), m04 = _mm512_set1_epi8(4);
            /* group g = 32h + 8j + i: qs dword 8h + i >> 2j, hmask dword i: bit 4h + j to bit 2 */
            PP_UNROLL for (int h = 0; h < 2; h++)
                PP_UNROLL for (int j = 0; j < 4; j++)
                    PP_UNROLL for (int i = 0; i < 8; i++) {
                        const int sh = 4 * h + j;
                        __m512i hi = sh < 2 ? _mm512_slli_epi32(hm[i], 2 - sh) : sh > 2 ? _mm512_srli_epi32(hm[i], sh - 2) : hm[i];
                        u->w[b][32 * h + 8 * j + i] =
                            _mm512_ternarylogic_epi32(_mm512_and_si512(_mm512_srli_epi32(qs[8 * h + i], 2 * j), m3), hi, m04, 0xf8);
                    }
        } else {                                                /* Q6_K */
            const uint8_t *p = pp__blk(w, il, sizeof(BlockQ6_K), b0 + b);
            __m512i ql[32], qh[16];
            PP_UNROLL for (int c = 0; c < 8; c++) pp__t16(p + offsetof(BlockQ6_K, ql) + 16 * c, ro, ql + 4 * c);
            PP_UNROLL for (int c = 0; c < 4; c++) pp__t16(p + offsetof(BlockQ6_K, qh) + 16 * c, ro, qh + 4 * c);
            pp__t16(p + offsetof(BlockQ6_K, scales), ro, q);
            PP_UNROLL for (int j = 0; j < 16; j++)
                u->sc[b][j] = _mm512_srai_epi32(_mm512_slli_epi32(q[j / 4], 24 - 8 * (j % 4)), 24);
            pp__t16(p + offsetof(BlockQ6_K, d) - 14, ro, q);    /* bytes 194..209: d in dword 3, high half */
            u->d[b] = pp__h16hi(q[3]);
            const __m512i m30 = _mm512_set1_epi8(0x30);
            /* element group g = 32h + 8k + i: ql dword 16h + 8(k&1) + i >> 4(k>>1), qh dword 8h + i >> 2k */
            PP_UNROLL for (int h = 0; h < 2; h++)
                PP_UNROLL for (int k = 0; k < 4; k++)
                    PP_UNROLL for (int i = 0; i < 8; i++) {
                        __m512i lo = ql[16 * h + 8 * (k & 1) + i];
                        if (k >> 1) lo = _mm512_srli_epi32(lo, 4);
                        __m512i hi = qh[8 * h + i];
                        hi = 2 * k < 4 ? _mm512_slli_epi32(hi, 4 - 2 * k) : 2 * k > 4 ? _mm512_srli_epi32(hi, 2 * k - 4) : hi;
                        /* (lo & 0x0f) | (hi & 0x30) */
                        u->w[b][32 * h + 8 * k + i] =
                            _mm512_ternarylogic_epi32(_mm512_and_si512(lo, m4), hi, m30, 0xf8);
                    }
        }
    }
}

/* Per token and super-block of the chunk: Q4_K the (bs32[2i], bs32[2i+1]) int16 pairs,
   bs32[j] = bsums[2j] + bsums[2j+1]; Q6_K -32 * bsums[j] (Q3_K -4 * bsums[j]), or with
   pairs6 (and always for Q2_K) the pairs (bsums[2i], bsums[2i+1]). */
PP_INL PP_AVX2 void pp__prepk(int ty, int pairs6, const uint8_t *x, size_t x_row, int nt, int64_t b0, int nb, PpXK *px) {
    for (int t = 0; t < nt; t++)
        for (int b = 0; b < nb; b++) {
            const BlockQ8_K *xb = (const BlockQ8_K *)(x + (size_t)t * x_row) + b0 + b;
            if (ty == T_Q4_K || ty == T_Q5_K) {
                for (int i = 0; i < 4; i++) {
                    int lo = xb->bsums[4 * i] + xb->bsums[4 * i + 1], hi = xb->bsums[4 * i + 2] + xb->bsums[4 * i + 3];
                    px->v[t][b][i] = (int32_t)(((uint32_t)(uint16_t)(int16_t)hi << 16) | (uint16_t)(int16_t)lo);
                }
            } else if (pairs6 || ty == T_Q2_K) {
                for (int i = 0; i < 8; i++)
                    px->v[t][b][i] = (int32_t)(((uint32_t)(uint16_t)xb->bsums[2 * i + 1] << 16) | (uint16_t)xb->bsums[2 * i]);
            } else {
                for (int j = 0; j < 16; j++) px->v[t][b][j] = (ty == T_Q3_K ? -4 : -32) * xb->bsums[j];
            }
        }
}

PP_INL PP_VNNI void pp__tgk(int ty, int enc, int T, const pp__WK *u, int nb, const uint8_t *x, size_t x_row,
                            const PpXK *px, int t0, float *out, int64_t os, int first, int rows) {
    (void)enc;
    const __mmask16 m = (__mmask16)((1u << rows) - 1);
    /* 16 sub-blocks of 16 (Q2_K, Q3_K, Q6_K) or 8 of 32; Q3_K's and Q6_K's sums start at
       -4 / -32 * bsums; Q2_K, Q4_K and Q5_K have a min term, npair pairs of mins */
    const int k16 = ty == T_Q2_K || ty == T_Q3_K || ty == T_Q6_K, nsub = k16 ? 16 : 8, per = k16 ? 4 : 8;
    const int corr = ty == T_Q3_K || ty == T_Q6_K, npair = corr ? 0 : ty == T_Q2_K ? 8 : 4;
    __m512 acc[PP_T];
    PP_UNROLL for (int t = 0; t < T; t++)
        acc[t] = first ? _mm512_setzero_ps() : _mm512_maskz_loadu_ps(m, out + (int64_t)t * os);
    const __m512i z = _mm512_setzero_si512();
    for (int b = 0; b < nb; b++) {
        const uint8_t *xb = x + (size_t)b * sizeof(BlockQ8_K);
        const uint8_t *xq = xb + offsetof(BlockQ8_K, qs);
        __m512i is[PP_T], sub[PP_T];
        for (int j = 0; j < nsub; j++) {
            PP_UNROLL for (int t = 0; t < T; t++) sub[t] = corr ? _mm512_set1_epi32(px->v[t0 + t][b][j]) : z;
            PP_UNROLL for (int i = 0; i < per; i++) {
                __m512i wv = _mm512_load_si512(&u->w[b][per * j + i]);
                PP_UNROLL for (int t = 0; t < T; t++)
                    sub[t] = _mm512_dpbusd_epi32(sub[t], wv, pp__bcast32(xq + (size_t)t * x_row + 4 * (per * j + i)));
            }
            __m512i sc = _mm512_load_si512(&u->sc[b][j]);
            PP_UNROLL for (int t = 0; t < T; t++) {
                __m512i p = _mm512_mullo_epi32(sub[t], sc);
                is[t] = j ? _mm512_add_epi32(is[t], p) : p;
            }
        }
        if (npair) {                                    /* sub: the min term */
            PP_UNROLL for (int t = 0; t < T; t++) sub[t] = z;
            PP_UNROLL for (int i = 0; i < npair; i++) {
                __m512i mp = _mm512_load_si512(&u->mp[b][i]);
                PP_UNROLL for (int t = 0; t < T; t++)
                    sub[t] = _mm512_dpwssd_epi32(sub[t], mp, _mm512_set1_epi32(px->v[t0 + t][b][i]));
            }
        }
        PP_UNROLL for (int t = 0; t < T; t++) {
            float xd;
            memcpy(&xd, xb + (size_t)t * x_row, 4);
            __m512 vxd = _mm512_set1_ps(xd), v;
            if (npair) {
                __m512 d = _mm512_mul_ps(u->d[b], vxd), dmin = _mm512_mul_ps(u->dmin[b], vxd);
                v = _mm512_sub_ps(_mm512_mul_ps(d, _mm512_cvtepi32_ps(is[t])), _mm512_mul_ps(dmin, _mm512_cvtepi32_ps(sub[t])));
            } else {
                v = _mm512_mul_ps(_mm512_mul_ps(u->d[b], vxd), _mm512_cvtepi32_ps(is[t]));
            }
            acc[t] = _mm512_add_ps(acc[t], v);
        }
    }
    PP_UNROLL for (int t = 0; t < T; t++) _mm512_mask_storeu_ps(out + (int64_t)t * os, m, acc[t]);
}

/* ================= the loop over a thread's rows and tokens ================= */

/* The driver of one ISA's kernels (prefix P: pp__ AVX-512 VNNI, pp8__ AVX2 and AVX-VNNI),
   R rows per vector, ENC the pp8 kernels' integer step (PP8_*); the prep steps are shared
   (pp__prep32, pp__prepk with pairs6). */
#define PP_RUN(NAME, P, TGT, R, PAIRS6, ENC)                                                                    \
    PP_INL TGT void NAME(int ty, int ilv, const uint8_t *w, size_t w_row, int nr, const uint8_t *x,             \
                         size_t x_row, int nt, int64_t n, float *out, int64_t os) {                             \
        const int k = type_layouts[ty].blck == QK_K;                                                            \
        const int64_t nbt = k ? n / QK_K : n / QK, cb = k ? PP_CBK : PP_CB32;                                   \
        const size_t xbs = k ? sizeof(BlockQ8_K) : kern__xbs(ty);                                                 \
        const size_t wbs = type_layouts[ty].size;                                                               \
        /* ilv: the rows are interleaved (Mat.il; nr and the row starts multiples of 4) */                      \
        const int64_t G = mat__il_group((uint32_t)ty) / type_layouts[ty].blck;                                  \
        size_t ro_t[R];                                                                                         \
        PpIl ild = { G, nbt / G * G, ro_t }, *il = ilv ? &ild : NULL;                                           \
        const size_t tb = (size_t)(nbt - ild.nbg) * wbs;                                                         \
        union { PpX32 a; PpXK b; } px;                                                                          \
        union { P##W32 a; P##WK b; } pw;                                                                        \
        for (int t0 = 0; t0 < nt; t0 += PP_TB) {                                                                \
            int ntb = nt - t0 < PP_TB ? nt - t0 : PP_TB;                                                        \
            const uint8_t *xt = x + (size_t)t0 * x_row;                                                         \
            for (int64_t b0 = 0; b0 < nbt; b0 += cb) {                                                          \
                int nb = (int)(nbt - b0 < cb ? nbt - b0 : cb);                                                  \
                if (k) pp__prepk(ty, PAIRS6, xt, x_row, ntb, b0, nb, &px.b);                                    \
                else pp__prep32(ty, xt, x_row, ntb, b0, nb, &px.a);                                             \
                for (int r0 = 0; r0 < nr; r0 += R) {                                                            \
                    int rows = nr - r0 < R ? nr - r0 : R;                                                       \
                    size_t ro[R];                                                                               \
                    for (int r = 0; r < R; r++) {                                                               \
                        size_t q = (size_t)(r < rows ? r : rows - 1);                                           \
                        ro[r] = ilv ? q / 4 * 4 * w_row + q % 4 * (size_t)G * wbs : q * w_row;                  \
                        ro_t[r] = q / 4 * 4 * w_row + q % 4 * tb;                                               \
                    }                                                                                           \
                    const uint8_t *wr = w + (size_t)r0 * w_row;                                                 \
                    if (k) P##unpackk(ty, ENC, wr, ro, il, b0, nb, &pw.b);                                      \
                    else P##unpack32(ty, ENC, wr, ro, il, b0, nb, &pw.a);                                       \
                    /* the next R rows' part of this chunk, while these compute (interleaved: per four) */      \
                    for (int r = r0 + R; r < nr && r < r0 + 2 * R; r += ilv ? 4 : 1)                            \
                        for (size_t o = 0; o < (size_t)nb * wbs * (ilv ? 4 : 1); o += 64)                       \
                            _mm_prefetch((const char *)pp__blk(w + (size_t)r * w_row, il, wbs, b0) + o, _MM_HINT_T0); \
                    const uint8_t *xc = xt + (size_t)b0 * xbs;                                                  \
                    for (int t = 0; t < ntb; t += PP_T) {                                                       \
                        int T = ntb - t < PP_T ? ntb - t : PP_T;                                                \
                        float *o = out + (int64_t)(t0 + t) * os + r0;                                           \
                        const uint8_t *xg = xc + (size_t)t * x_row;                                             \
                        if (k) { KERN_BY_T(T, P##tgk(ty, ENC, TT, &pw.b, nb, xg, x_row, &px.b, t, o, os, b0 == 0, rows)) } \
                        else { KERN_BY_T(T, P##tg32(ty, ENC, TT, &pw.a, nb, xg, x_row, &px.a, t, o, os, b0 == 0, rows)) } \
                    }                                                                                           \
                }                                                                                               \
            }                                                                                                   \
        }                                                                                                       \
    }
PP_RUN(pp__run, pp__, PP_VNNI, 16, 0, 0)

#define PP_KERNEL(name, TY, RUN, TGT, ISA)                                                               \
    TGT static void kern_tile_##name##_pp_##ISA(const uint8_t *w, size_t w_row, int nr, const uint8_t *x, \
                                                size_t x_row, int nt, int64_t n, float *out, int64_t os) { \
        RUN(TY, 0, w, w_row, nr, x, x_row, nt, n, out, os);                                               \
    }
#define PP_KERNELS(RUN, TGT, ISA) KERN_BATCH_TYPES(PP_KERNEL, RUN, TGT, ISA)
PP_KERNELS(pp__run, PP_VNNI, avx512vnni)
/* The same over interleaved rows (Mat.il: the types with an interleaved generation kernel) */
#define PP_KERNEL_IL(name, TY)                                                                                \
    PP_VNNI static void kern_tile_##name##_pp_il(const uint8_t *w, size_t w_row, int nr, const uint8_t *x,    \
                                                 size_t x_row, int nt, int64_t n, float *out, int64_t os) {   \
        pp__run(TY, 1, w, w_row, nr, x, x_row, nt, n, out, os);                                               \
    }
PP_KERNEL_IL(q4_0, T_Q4_0)
PP_KERNEL_IL(q5_0, T_Q5_0)
PP_KERNEL_IL(q8_0, T_Q8_0)
PP_KERNEL_IL(q4_k, T_Q4_K)
PP_KERNEL_IL(q5_k, T_Q5_K)
PP_KERNEL_IL(q6_k, T_Q6_K)

/* ---- x86_64 AVX2 prompt-processing kernels: the same, 8 rows per ymm ----
 *
 * For the CPUs without AVX-512 (most laptops). Same layout, loop order and per-block
 * float expressions as above, so the results are bit-identical to the references too;
 * only the integer step differs. Without vpdpbusd, 4 bytes of a row times 4 of the token
 * is vpmaddubsw (u8 x s8, two int16 pair sums that saturate past 32767) and vpmaddwd:
 *   - Q4_0 and Q4_K (u <= 15): the pair sums of a whole 32-element block or sub-block
 *     add up in int16 (16 products, |sum| <= 16 * 15 * 128 = 30720), then one vpmaddwd
 *     by 1 (Q4_0) or by the sub-block's scale (Q4_K) widens them;
 *   - Q8_0 (u = w + 128 <= 255 would saturate): u as two nibble planes, u = 16 h + l,
 *     each summed as Q4_0's, then vpmaddwd by 16 and by 1;
 *   - Q6_K (u = q <= 63): 16-element sub-blocks, two vpmaddubsw per int16 sum
 *     (|sum| <= 4 * 63 * 128 = 32256), vpmaddwd by the scale; -32 * sum(sc * bsums) by
 *     vpmaddwd of (sc[2i], sc[2i+1]) and the token's (bsums[2i], bsums[2i+1]). */
#define PP8 PP_AVX2

/* The integer step: PP8_MADD the above; with vpdpbusd (4 u8 x s8 products added into an
 * int32 lane) as Intel's AVX-VNNI (Alder Lake and later, most laptops without AVX-512)
 * has it, PP8_VEX: Q4_0 and Q8_0 as the AVX-512 kernels (one dpbusd per dword group, Q8_0
 * without the nibble planes), K-quant sub-block sums in int32 times the int32 scale
 * (vpmulld). The instruction is inline asm so that these AVX2 functions carry it without
 * a target of their own; PP8_EVEX is the same instruction in its AVX-512 VNNI encoding,
 * for the tests (see pp8__run_evex). */
enum { PP8_MADD, PP8_VEX, PP8_EVEX };
PP_INL PP8 __m256i pp8__dpbusd(int enc, __m256i acc, __m256i u, __m256i s) {
    if (enc == PP8_VEX) __asm__("%{vex%} vpdpbusd %2, %1, %0" : "+x"(acc) : "x"(u), "x"(s));
    else __asm__("%{evex%} vpdpbusd %2, %1, %0" : "+x"(acc) : "x"(u), "x"(s));
    return acc;
}

/* 16 bytes at p + ro[r] for the 8 rows r, transposed: o[j] lane r = dword j of row r. */
PP_INL PP8 void pp8__t8(const uint8_t *p, const size_t *ro, __m256i o[4]) {
    __m256i a[4];
    PP_UNROLL for (int i = 0; i < 4; i++)
        a[i] = _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)(p + ro[i]))),
                                       _mm_loadu_si128((const __m128i *)(p + ro[4 + i])), 1);
    __m256i t0 = _mm256_unpacklo_epi32(a[0], a[1]), t1 = _mm256_unpackhi_epi32(a[0], a[1]);
    __m256i t2 = _mm256_unpacklo_epi32(a[2], a[3]), t3 = _mm256_unpackhi_epi32(a[2], a[3]);
    o[0] = _mm256_unpacklo_epi64(t0, t2);
    o[1] = _mm256_unpackhi_epi64(t0, t2);
    o[2] = _mm256_unpacklo_epi64(t1, t3);
    o[3] = _mm256_unpackhi_epi64(t1, t3);
}
PP_INL PP8 __m256i pp8__bcast32(const uint8_t *p) {
    int32_t v;
    memcpy(&v, p, 4);
    return _mm256_set1_epi32(v);
}
PP_INL PP8 __m256 pp8__h16lo(__m256i v) {   /* low / high 16 bits of each dword (f16) as floats */
    __m256i p = _mm256_packus_epi32(_mm256_and_si256(v, _mm256_set1_epi32(0xffff)), _mm256_setzero_si256());
    return _mm256_cvtph_ps(_mm256_castsi256_si128(_mm256_permute4x64_epi64(p, 0x08)));
}
PP_INL PP8 __m256 pp8__h16hi(__m256i v) { return pp8__h16lo(_mm256_srli_epi32(v, 16)); }
PP_INL PP8 __m256i pp8__mask(int rows) { return _mm256_cmpgt_epi32(_mm256_set1_epi32(rows), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)); }
PP_INL PP8 __m256i pp8__dup16(__m256i v) { return _mm256_or_si256(v, _mm256_slli_epi32(v, 16)); }   /* v < 2^16 */
/* (a, b) int16 pairs of the low halves of a and b */
PP_INL PP8 __m256i pp8__pair(__m256i a, __m256i b) {
    return _mm256_or_si256(_mm256_and_si256(a, _mm256_set1_epi32(0xffff)), _mm256_slli_epi32(b, 16));
}

typedef struct {
    __m256i w[PP_CB32][16];  /* [k] u bytes of dword group k; Q8_0 with PP8_MADD: [k] low, [8 + k] high nibbles of u */
    __m256 d[PP_CB32], m[PP_CB32];
} pp8__W32;

PP_INL PP8 void pp8__unpack32(int ty, int enc, const uint8_t *w, const size_t *ro0, const PpIl *il, int64_t b0, int nb,
                               pp8__W32 *u) {
    const __m256i m4 = _mm256_set1_epi8(0x0f), x80 = _mm256_set1_epi8((char)0x80), x10 = _mm256_set1_epi8(0x10);
    const __m256i bc0 = _mm256_broadcastsi128_si256(_mm_setr_epi8(0, 0, 0, 0, 4, 4, 4, 4, 8, 8, 8, 8, 12, 12, 12, 12));
    const __m256i bit = _mm256_set1_epi32(0x08040201);
    const size_t bs = type_layouts[ty].size;
    for (int b = 0; b < nb; b++) {
        const size_t *ro = PP_RO(il, ro0, b0 + b);
        const uint8_t *p = pp__blk(w, il, bs, b0 + b);
        __m256i q[4];
        pp8__t8(p, ro, q);
        u->d[b] = pp8__h16lo(q[0]);
        if (kern__q81(ty)) u->m[b] = pp8__h16hi(q[0]);
        if (ty == T_Q8_0) {
            PP_UNROLL for (int h = 0; h < 2; h++) {
                pp8__t8(p + 2 + 16 * h, ro, q);
                PP_UNROLL for (int j = 0; j < 4; j++) {
                    __m256i v = _mm256_xor_si256(q[j], x80);
                    if (enc != PP8_MADD) {
                        u->w[b][4 * h + j] = v;
                        continue;
                    }
                    u->w[b][4 * h + j] = _mm256_and_si256(v, m4);
                    u->w[b][8 + 4 * h + j] = _mm256_and_si256(_mm256_srli_epi16(v, 4), m4);
                }
            }
            continue;
        }
        pp8__t8(p + pp__wqs(ty), ro, q);
        PP_UNROLL for (int j = 0; j < 4; j++) {
            u->w[b][j] = _mm256_and_si256(q[j], m4);
            u->w[b][4 + j] = _mm256_and_si256(_mm256_srli_epi16(q[j], 4), m4);
        }
        if (ty == T_Q5_0 || ty == T_Q5_1) {             /* as pp__unpack32 */
            pp8__t8(p + pp__wqh(ty), ro, q);
            PP_UNROLL for (int j = 0; j < 8; j++) {
                __m256i v = _mm256_and_si256(_mm256_shuffle_epi8(_mm256_srli_epi32(q[0], 4 * j), bc0), bit);
                u->w[b][j] = _mm256_or_si256(u->w[b][j], _mm256_and_si256(_mm256_cmpeq_epi8(v, bit), x10));
            }
        }
    }
}

PP_INL PP8 void pp8__tg32(int ty, int enc, int T, const pp8__W32 *u, int nb, const uint8_t *x, size_t x_row,
                          const PpX32 *px, int t0, float *out, int64_t os, int first, int rows) {
    const __m256i m = pp8__mask(rows), one = _mm256_set1_epi16(1), sixteen = _mm256_set1_epi16(16);
    /* 5-bit codes: int16 lanes hold 4 maddubs pairs (4 * 2 * 31 * 128 < 2^15), so two sums */
    const int five = ty == T_Q5_0 || ty == T_Q5_1;
    const size_t xbs = kern__xbs(ty), xqs = kern__xqs(ty);
    __m256 acc[PP_T];
    PP_UNROLL for (int t = 0; t < T; t++) acc[t] = first ? _mm256_setzero_ps() : _mm256_maskload_ps(out + (int64_t)t * os, m);
    for (int b = 0; b < nb; b++) {
        const uint8_t *xb = x + (size_t)b * xbs + xqs;
        __m256i lo[PP_T], hi[PP_T], is[PP_T];
        PP_UNROLL for (int k = 0; k < 8; k++) {
            const __m256i wl = _mm256_load_si256(&u->w[b][k]);
            PP_UNROLL for (int t = 0; t < T; t++) {
                __m256i xv = pp8__bcast32(xb + (size_t)t * x_row + 4 * k);
                if (enc != PP8_MADD) {              /* two chains: dpbusd's latency, not its throughput, bounds one */
                    if (k & 1) hi[t] = pp8__dpbusd(enc, k > 1 ? hi[t] : _mm256_setzero_si256(), wl, xv);
                    else is[t] = pp8__dpbusd(enc, k ? is[t] : _mm256_set1_epi32(px->corr[t0 + t][b]), wl, xv);
                    continue;
                }
                __m256i pl = _mm256_maddubs_epi16(wl, xv);
                if (five && k >= 4) {
                    hi[t] = k > 4 ? _mm256_add_epi16(hi[t], pl) : pl;
                    KQ_KEEP(hi[t]);
                    continue;
                }
                lo[t] = k ? _mm256_add_epi16(lo[t], pl) : pl;
                KQ_KEEP(lo[t]);
                if (ty == T_Q8_0) {
                    __m256i ph = _mm256_maddubs_epi16(_mm256_load_si256(&u->w[b][8 + k]), xv);
                    hi[t] = k ? _mm256_add_epi16(hi[t], ph) : ph;
                    KQ_KEEP(hi[t]);
                }
            }
        }
        PP_UNROLL for (int t = 0; t < T; t++) {
            if (enc == PP8_MADD) {
                is[t] = _mm256_add_epi32(_mm256_madd_epi16(lo[t], one), _mm256_set1_epi32(px->corr[t0 + t][b]));
                if (ty == T_Q8_0) is[t] = _mm256_add_epi32(is[t], _mm256_madd_epi16(hi[t], sixteen));
                if (five) is[t] = _mm256_add_epi32(is[t], _mm256_madd_epi16(hi[t], one));
            } else {
                is[t] = _mm256_add_epi32(is[t], hi[t]);
            }
            __m256 dx = _mm256_set1_ps(px->d[t0 + t][b]), f = _mm256_cvtepi32_ps(is[t]), v;
            if (ty == T_Q4_0) v = _mm256_mul_ps(_mm256_mul_ps(f, u->d[b]), dx);         /* (isum * dw) * dx */
            else v = _mm256_mul_ps(f, _mm256_mul_ps(u->d[b], dx));                       /* isum * (dw * dx) */
            if (kern__q81(ty)) v = _mm256_add_ps(v, _mm256_mul_ps(u->m[b], _mm256_set1_ps(px->s[t0 + t][b])));   /* + mw sx */
            acc[t] = _mm256_add_ps(acc[t], v);
        }
    }
    PP_UNROLL for (int t = 0; t < T; t++) _mm256_maskstore_ps(out + (int64_t)t * os, m, acc[t]);
}

typedef struct {
    __m256i w[PP_CBK][64];   /* u bytes, dword group k = elements 4k..4k+3 */
    __m256i sc[PP_CBK][16];  /* scale of each sub-block (Q4_K: 8 of 32, Q6_K: 16 of 16) in both int16 halves
                                (PP8_MADD) or as int32 */
    __m256i mp[PP_CBK][8];   /* int16 pairs: Q4_K (m[2i], m[2i+1]), i < 4 (Q2_K i < 8); Q6_K (sc[2i], sc[2i+1]) */
    __m256 d[PP_CBK], dmin[PP_CBK];
} pp8__WK;

/* pp__k3_scales with 8 rows. */
PP_INL PP8 void pp8__k3_scales(const __m256i q[4], __m256i s[4]) {
    const __m256i m2 = _mm256_set1_epi32(0x0f0f0f0f), m3 = _mm256_set1_epi32(0x03030303);
    __m256i a0 = _mm256_or_si256(_mm256_srli_epi32(q[0], 16), _mm256_slli_epi32(q[1], 16));
    __m256i a1 = _mm256_or_si256(_mm256_srli_epi32(q[1], 16), _mm256_slli_epi32(q[2], 16));
    __m256i a2 = _mm256_or_si256(_mm256_srli_epi32(q[2], 16), _mm256_slli_epi32(q[3], 16));
    PP_UNROLL for (int k = 0; k < 4; k++) {
        __m256i lo = _mm256_and_si256(k < 2 ? (k ? a1 : a0) : _mm256_srli_epi32(k == 3 ? a1 : a0, 4), m2);
        s[k] = _mm256_or_si256(lo, _mm256_slli_epi32(_mm256_and_si256(_mm256_srli_epi32(a2, 2 * k), m3), 4));
    }
}

PP_INL PP8 void pp8__unpackk(int ty, int enc, const uint8_t *w, const size_t *ro0, const PpIl *il, int64_t b0, int nb,
                              pp8__WK *u) {
    const __m256i m4 = _mm256_set1_epi8(0x0f), ff = _mm256_set1_epi32(0xff);
    const int five = ty == T_Q5_K;
    const size_t oqs = five ? offsetof(BlockQ5_K, qs) : offsetof(BlockQ4_K, qs);
    for (int b = 0; b < nb; b++) {
        const size_t *ro = PP_RO(il, ro0, b0 + b);
        __m256i q[4];
        if (ty == T_Q4_K || ty == T_Q5_K) {             /* d, dmin, scales alike */
            const uint8_t *p = pp__blk(w, il, type_layouts[ty].size, b0 + b);
            pp8__t8(p, ro, q);                          /* d|dmin, scales u0, u1, u2 */
            u->d[b] = pp8__h16lo(q[0]);
            u->dmin[b] = pp8__h16hi(q[0]);
            const __m256i m1 = _mm256_set1_epi32(0x3f3f3f3f), m2 = _mm256_set1_epi32(0x0f0f0f0f),
                          m3 = _mm256_set1_epi32(0x03030303);
            __m256i u0 = q[1], u1 = q[2], u2 = q[3];
            __m256i s03 = _mm256_and_si256(u0, m1);                                   /* sc0..3 */
            __m256i s47 = _mm256_or_si256(_mm256_and_si256(u2, m2),
                                          _mm256_slli_epi32(_mm256_and_si256(_mm256_srli_epi32(u0, 6), m3), 4));
            __m256i m03 = _mm256_and_si256(u1, m1);                                   /* m0..3 */
            __m256i m47 = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi32(u2, 4), m2),
                                          _mm256_slli_epi32(_mm256_and_si256(_mm256_srli_epi32(u1, 6), m3), 4));
            __m256i mj[8];
            PP_UNROLL for (int j = 0; j < 4; j++) {
                u->sc[b][j] = _mm256_and_si256(_mm256_srli_epi32(s03, 8 * j), ff);
                u->sc[b][4 + j] = _mm256_and_si256(_mm256_srli_epi32(s47, 8 * j), ff);
                if (enc == PP8_MADD) u->sc[b][j] = pp8__dup16(u->sc[b][j]), u->sc[b][4 + j] = pp8__dup16(u->sc[b][4 + j]);
                mj[j] = _mm256_and_si256(_mm256_srli_epi32(m03, 8 * j), ff);
                mj[4 + j] = _mm256_and_si256(_mm256_srli_epi32(m47, 8 * j), ff);
            }
            PP_UNROLL for (int i = 0; i < 4; i++) u->mp[b][i] = pp8__pair(mj[2 * i], mj[2 * i + 1]);
            PP_UNROLL for (int c = 0; c < 8; c++) {             /* qs bytes 16c..16c+15 */
                pp8__t8(p + oqs + 16 * c, ro, q);
                int g = c / 2, i0 = 4 * (c % 2);                /* dword 4c+j = 8g + i0 + j */
                PP_UNROLL for (int j = 0; j < 4; j++) {
                    u->w[b][16 * g + i0 + j] = _mm256_and_si256(q[j], m4);
                    u->w[b][16 * g + 8 + i0 + j] = _mm256_and_si256(_mm256_srli_epi16(q[j], 4), m4);
                }
            }
            if (five) {                                 /* the fifth bit of group 8sb + k: bit sb of qh dword k */
                __m256i qh[8];
                pp8__t8(p + offsetof(BlockQ5_K, qh), ro, qh);
                pp8__t8(p + offsetof(BlockQ5_K, qh) + 16, ro, qh + 4);
                const __m256i m10 = _mm256_set1_epi8(0x10);
                PP_UNROLL for (int sb = 0; sb < 8; sb++)
                    PP_UNROLL for (int k = 0; k < 8; k++) {
                        __m256i h = sb < 4 ? _mm256_slli_epi32(qh[k], 4 - sb) : _mm256_srli_epi32(qh[k], sb - 4);
                        u->w[b][8 * sb + k] = _mm256_or_si256(u->w[b][8 * sb + k], _mm256_and_si256(h, m10));
                    }
            }
        } else if (ty == T_Q2_K) {                      /* as pp__unpackk */
            const uint8_t *p = pp__blk(w, il, sizeof(BlockQ2_K), b0 + b);
            __m256i qs[16], sm[4], mn[16];
            PP_UNROLL for (int c = 0; c < 4; c++) pp8__t8(p + offsetof(BlockQ2_K, qs) + 16 * c, ro, qs + 4 * c);
            pp8__t8(p + offsetof(BlockQ2_K, scales), ro, sm);
            pp8__t8(p + sizeof(BlockQ2_K) - 16, ro, q);
            u->d[b] = pp8__h16lo(q[3]);
            u->dmin[b] = pp8__h16hi(q[3]);
            const __m256i f = _mm256_set1_epi32(0x0f);
            PP_UNROLL for (int j = 0; j < 16; j++) {
                __m256i v = _mm256_srli_epi32(sm[j / 4], 8 * (j % 4));
                u->sc[b][j] = _mm256_and_si256(v, f);
                if (enc == PP8_MADD) u->sc[b][j] = pp8__dup16(u->sc[b][j]);
                mn[j] = _mm256_and_si256(_mm256_srli_epi32(v, 4), f);
            }
            PP_UNROLL for (int i = 0; i < 8; i++) u->mp[b][i] = pp8__pair(mn[2 * i], mn[2 * i + 1]);
            const __m256i m3 = _mm256_set1_epi8(3);
            PP_UNROLL for (int h = 0; h < 2; h++)
                PP_UNROLL for (int j = 0; j < 4; j++)
                    PP_UNROLL for (int i = 0; i < 8; i++)
                        u->w[b][32 * h + 8 * j + i] = _mm256_and_si256(_mm256_srli_epi32(qs[8 * h + i], 2 * j), m3);
        } else if (ty == T_Q3_K) {                      /* as pp__unpackk */
            const uint8_t *p = pp__blk(w, il, sizeof(BlockQ3_K), b0 + b);
            __m256i qs[16], hm[8], s[4], sc[16];
            PP_UNROLL for (int c = 0; c < 4; c++) pp8__t8(p + offsetof(BlockQ3_K, qs) + 16 * c, ro, qs + 4 * c);
            PP_UNROLL for (int c = 0; c < 2; c++) pp8__t8(p + offsetof(BlockQ3_K, hmask) + 16 * c, ro, hm + 4 * c);
            pp8__t8(p + sizeof(BlockQ3_K) - 16, ro, q);
            u->d[b] = pp8__h16hi(q[3]);
            pp8__k3_scales(q, s);
            PP_UNROLL for (int j = 0; j < 16; j++) {
                sc[j] = _mm256_sub_epi32(_mm256_and_si256(_mm256_srli_epi32(s[j / 4], 8 * (j % 4)), ff), _mm256_set1_epi32(32));
                u->sc[b][j] = enc == PP8_MADD ? pp8__pair(sc[j], sc[j]) : sc[j];
            }
            PP_UNROLL for (int i = 0; i < 8; i++) u->mp[b][i] = pp8__pair(sc[2 * i], sc[2 * i + 1]);
            const __m256i m3 = _mm256_set1_epi8(3), m04 = _mm256_set1_epi8(4);
            PP_UNROLL for (int h = 0; h < 2; h++)
                PP_UNROLL for (int j = 0; j < 4; j++)
                    PP_UNROLL for (int i = 0; i < 8; i++) {
                        const int sh = 4 * h + j;
                        __m256i hi = sh < 2 ? _mm256_slli_epi32(hm[i], 2 - sh) : sh > 2 ? _mm256_srli_epi32(hm[i], sh - 2) : hm[i];
                        u->w[b][32 * h + 8 * j + i] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi32(qs[8 * h + i], 2 * j), m3),
                                                                      _mm256_and_si256(hi, m04));
                    }
        } else {                                                /* Q6_K */
            const uint8_t *p = pp__blk(w, il, sizeof(BlockQ6_K), b0 + b);
            __m256i ql[32], qh[16], sc[16];
            PP_UNROLL for (int c = 0; c < 8; c++) pp8__t8(p + offsetof(BlockQ6_K, ql) + 16 * c, ro, ql + 4 * c);
            PP_UNROLL for (int c = 0; c < 4; c++) pp8__t8(p + offsetof(BlockQ6_K, qh) + 16 * c, ro, qh + 4 * c);
            pp8__t8(p + offsetof(BlockQ6_K, scales), ro, q);
            PP_UNROLL for (int j = 0; j < 16; j++) {
                sc[j] = _mm256_srai_epi32(_mm256_slli_epi32(q[j / 4], 24 - 8 * (j % 4)), 24);
                u->sc[b][j] = enc == PP8_MADD ? pp8__pair(sc[j], sc[j]) : sc[j];
            }
            PP_UNROLL for (int i = 0; i < 8; i++) u->mp[b][i] = pp8__pair(sc[2 * i], sc[2 * i + 1]);
            pp8__t8(p + offsetof(BlockQ6_K, d) - 14, ro, q);    /* bytes 194..209: d in dword 3, high half */
            u->d[b] = pp8__h16hi(q[3]);
            const __m256i m30 = _mm256_set1_epi8(0x30);
            /* element group g = 32h + 8k + i: ql dword 16h + 8(k&1) + i >> 4(k>>1), qh dword 8h + i >> 2k */
            PP_UNROLL for (int h = 0; h < 2; h++)
                PP_UNROLL for (int k = 0; k < 4; k++)
                    PP_UNROLL for (int i = 0; i < 8; i++) {
                        __m256i lo = ql[16 * h + 8 * (k & 1) + i];
                        if (k >> 1) lo = _mm256_srli_epi32(lo, 4);
                        __m256i hi = qh[8 * h + i];
                        hi = 2 * k < 4 ? _mm256_slli_epi32(hi, 4 - 2 * k) : 2 * k > 4 ? _mm256_srli_epi32(hi, 2 * k - 4) : hi;
                        u->w[b][32 * h + 8 * k + i] = _mm256_or_si256(_mm256_and_si256(lo, m4), _mm256_and_si256(hi, m30));
                    }
        }
    }
}

PP_INL PP8 void pp8__tgk(int ty, int enc, int T, const pp8__WK *u, int nb, const uint8_t *x, size_t x_row,
                         const PpXK *px, int t0, float *out, int64_t os, int first, int rows) {
    const __m256i m = pp8__mask(rows);
    __m256 acc[PP_T];
    PP_UNROLL for (int t = 0; t < T; t++) acc[t] = first ? _mm256_setzero_ps() : _mm256_maskload_ps(out + (int64_t)t * os, m);
    for (int b = 0; b < nb; b++) {
        const uint8_t *xb = x + (size_t)b * sizeof(BlockQ8_K);
        const uint8_t *xq = xb + offsetof(BlockQ8_K, qs);
        __m256i is[PP_T], s[PP_T], s2[PP_T], c[PP_T];
        /* sub-blocks; int16 sums per sub-block; dword groups per int16 sum */
        /* Q5_K's codes (<= 31) fill int16 in 8 products, Q4_K's in 16 */
        const int k16 = ty == T_Q6_K || ty == T_Q3_K || ty == T_Q2_K;   /* 16 sub-blocks of 16 */
        const int mins = ty != T_Q6_K && ty != T_Q3_K;      /* else -32 / -4 * sum(sc * bsums) */
        const int nsub = k16 ? 16 : 8, nh = ty == T_Q4_K ? 1 : 2, per = ty == T_Q4_K ? 8 : ty == T_Q5_K ? 4 : 2;
        for (int j = 0; j < nsub; j++) {
            const __m256i sc = _mm256_load_si256(&u->sc[b][j]);
            PP_UNROLL for (int h = 0; h < nh; h++) {
                PP_UNROLL for (int i = 0; i < per; i++) {
                    const int g = nh * per * j + per * h + i;                   /* dword group */
                    const __m256i wv = _mm256_load_si256(&u->w[b][g]);
                    PP_UNROLL for (int t = 0; t < T; t++) {
                        const __m256i xv = pp8__bcast32(xq + (size_t)t * x_row + 4 * g);
                        if (enc != PP8_MADD) {      /* two chains, as in pp8__tg32 */
                            const int q = per * h + i;
                            if (q & 1) s2[t] = pp8__dpbusd(enc, q > 1 ? s2[t] : _mm256_setzero_si256(), wv, xv);
                            else s[t] = pp8__dpbusd(enc, q ? s[t] : _mm256_setzero_si256(), wv, xv);
                            continue;
                        }
                        __m256i p = _mm256_maddubs_epi16(wv, xv);
                        s[t] = i ? _mm256_add_epi16(s[t], p) : p;
                        KQ_KEEP(s[t]);
                    }
                }
                PP_UNROLL for (int t = 0; t < T && enc == PP8_MADD; t++) {
                    __m256i p = _mm256_madd_epi16(s[t], sc);
                    is[t] = j || h ? _mm256_add_epi32(is[t], p) : p;
                    KQ_KEEP(is[t]);
                }
            }
            PP_UNROLL for (int t = 0; t < T && enc != PP8_MADD; t++) {
                __m256i p = _mm256_mullo_epi32(_mm256_add_epi32(s[t], s2[t]), sc);
                is[t] = j ? _mm256_add_epi32(is[t], p) : p;
            }
        }
        const int npair = k16 ? 8 : 4;
        PP_UNROLL for (int i = 0; i < npair; i++) {
            const __m256i mp = _mm256_load_si256(&u->mp[b][i]);
            PP_UNROLL for (int t = 0; t < T; t++) {
                __m256i p = _mm256_madd_epi16(mp, _mm256_set1_epi32(px->v[t0 + t][b][i]));
                c[t] = i ? _mm256_add_epi32(c[t], p) : p;
            }
        }
        PP_UNROLL for (int t = 0; t < T; t++) {
            float xd;
            memcpy(&xd, xb + (size_t)t * x_row, 4);
            __m256 vxd = _mm256_set1_ps(xd), v;
            if (mins) {
                __m256 d = _mm256_mul_ps(u->d[b], vxd), dmin = _mm256_mul_ps(u->dmin[b], vxd);
                v = _mm256_sub_ps(_mm256_mul_ps(d, _mm256_cvtepi32_ps(is[t])), _mm256_mul_ps(dmin, _mm256_cvtepi32_ps(c[t])));
            } else {            /* - 32 (Q3_K: 4) * sum(sc * bsums) */
                __m256i i6 = _mm256_sub_epi32(is[t], _mm256_slli_epi32(c[t], ty == T_Q3_K ? 2 : 5));
                v = _mm256_mul_ps(_mm256_mul_ps(u->d[b], vxd), _mm256_cvtepi32_ps(i6));
            }
            acc[t] = _mm256_add_ps(acc[t], v);
        }
    }
    PP_UNROLL for (int t = 0; t < T; t++) _mm256_maskstore_ps(out + (int64_t)t * os, m, acc[t]);
}

PP_RUN(pp8__run, pp8__, PP8, 8, 1, PP8_MADD)
PP_RUN(pp8__run_vex, pp8__, PP8, 8, 1, PP8_VEX)
PP_KERNELS(pp8__run_vex, PP8, avxvnni)
#if defined(LLM_NO_MAIN)
/* The tests' twin of the AVX-VNNI kernels: the same code with EVEX-encoded vpdpbusd, which
   CPUs with AVX-512 VNNI run (neither this project's machines nor qemu 7.2 run AVX-VNNI). */
PP_RUN(pp8__run_evex, pp8__, PP8, 8, 1, PP8_EVEX)
PP_KERNELS(pp8__run_evex, PP8, evex256)
#endif
PP_KERNELS(pp8__run, PP8, avx2)

#endif /* __x86_64__ */

/* SIMD_KERNELS_PLACEHOLDER */

/* ---- dispatch: the fastest variant this CPU runs, chosen once at start-up ----
 *
 * Every hot kernel has the reference above and may have SIMD variants with the same
 * signature. kern_init fills kern_impl[type] from the reference, then from each
 * variant in kern__variants (listed slowest ISA first) that this CPU supports, so the
 * forward pass calls through one table and has no #if. LLM_FORCE_REF=1 keeps the
 * reference everywhere. */

/* out[t * out_stride + r] = dot(w + r * w_row, x + t * x_row, n) for r < nr, t < nt:
 * a block of weight rows times a block of activation rows, so that every weight block
 * loaded is used for several tokens and every activation block for several rows. The
 * driver calls it for whole blocks only (nr == tile_r, nt == tile_t) and uses `dot`
 * for the edges. */
typedef void (*KernTileFn)(const uint8_t *w, size_t w_row, int nr, const uint8_t *x, size_t x_row,
                           int nt, int64_t n, float *out, int64_t out_stride);

/* Generation: one token's activations xq (n elements, the weights' dot type) rearranged
 * into xp, at most KERN_PREP_BYTES(n), for a kernel that reads them once per row group. */
typedef void (*KernPrepFn)(const uint8_t *xq, uint8_t *xp, int64_t n);
#define KERN_PREP_BYTES(n) (9 * (size_t)(n) / 4 + 256)

enum { ISA_REF, ISA_AVX2, ISA_AVXVNNI, ISA_AVX512, ISA_AVX512VNNI, ISA_NEON, ISA_NEONDOT, ISA_NEONV4, ISA_COUNT };
static const char *const isa_names[ISA_COUNT] = { "ref", "avx2", "avx-vnni", "avx512", "avx512vnni", "neon", "neon-dotprod",
                                                  "neon-vfpv4" };

typedef struct {
    int isa;                                                  /* ISA_* of the dot product */
    float (*dot)(const void *w, const void *x, int64_t n);    /* one row . one activation row */
    KernTileFn tile;                                          /* NULL: the driver loops `dot` */
    int tile_r, tile_t;                                       /* the block `tile` takes */
    void (*quant_act)(const float *x, void *y, int64_t n);    /* activation conversion; the same
                                                                 bytes as from_float_act */
    KernTileFn gemv;                                          /* gemv_r rows x 1 token (generation:
                                                                 one activation load, several rows) */
    int gemv_r;
    KernTileFn batch;                                         /* a thread's rows x all tokens at once
                                                                 (see KernBatchVariant); NULL: tiles */
    int batch_r, batch_t;
    KernPrepFn gen_prep;                                      /* see KernGenVariant; NULL: gemv */
    KernTileFn gen;
    int gen_r;
    KernTileFn gen_il;                                        /* gen of interleaved rows (Mat.il) */
    KernPrepFn gen_prep_il;                                   /* gen_il's prep (gen_prep's or its own) */
    KernTileFn batch_il;                                      /* batch of interleaved rows; NULL:
                                                                 rows copied back for `batch` */
} KernImpl;

typedef struct {
    int type, isa;
    float (*dot)(const void *w, const void *x, int64_t n);
    KernTileFn tile;
    int tile_r, tile_t;
    void (*quant_act)(const float *x, void *y, int64_t n);
    KernTileFn gemv;          /* optional; rows listed without it keep the previous one */
    int gemv_r;
} KernVariant;

/* Generation kernels that read prepared activations: once per matmul of one token,
 * prep(xq, xp, n); then fn(w, w_row, rows, xp, 0, 1, n, out, 1) for each group of `rows`
 * weight rows (dot for the rest). Listed slowest ISA first, later rows win. */
typedef struct {
    int type, isa;
    KernPrepFn prep;
    KernTileFn fn;
    int rows;
    KernTileFn fn_l1;         /* optional: fn prefetching into L1, where kern_prefetch_l1 */
    KernTileFn fn_il;         /* optional: fn of rows interleaved by mat_interleave (rows = 4) */
    int il_only;              /* only fn_il (and prep for it) is used; rows in place keep the
                                 previous row's kernels */
} KernGenVariant;

/* Whole-matmul kernels for batches of tokens (prompt processing). `fn` has the KernTileFn
 * signature but takes any nr >= 1 and nt >= 1, so it chooses its own loop order over rows,
 * blocks and tokens (and prepares per-token data once for all its rows). When a matmul
 * has at least min_t tokens the driver calls it once per thread with all tokens and the
 * thread's rows (a multiple of `rows` except at the end); below that the variant's tile,
 * gemv and dot are used as before. Listed slowest ISA first, later rows win. */
typedef struct {
    int type, isa;
    KernTileFn fn;
    int rows, min_t;
    KernTileFn fn_il;         /* optional: fn of rows interleaved by mat_interleave */
} KernBatchVariant;

#define KERN_BATCH_ROW(name, TY, ISA, SFX, R) { TY, ISA, kern_tile_##name##_pp_##SFX, R, 4, KERN_BATCH_IL_##SFX(name) },
#define KERN_BATCH_ROWS(ISA, SFX, R) KERN_BATCH_TYPES(KERN_BATCH_ROW, ISA, SFX, R)
#define KERN_BATCH_IL_avx2(name) NULL
#define KERN_BATCH_IL_avxvnni(name) NULL
#define KERN_BATCH_IL_evex256(name) NULL
#define KERN_BATCH_IL_neon(name) NULL
#define KERN_BATCH_IL_neondot(name) NULL
#define KERN_BATCH_IL_avx512vnni(name) KERN_BATCH_IL_##name
#define KERN_BATCH_IL_q4_0 kern_tile_q4_0_pp_il
#define KERN_BATCH_IL_q8_0 kern_tile_q8_0_pp_il
#define KERN_BATCH_IL_q4_k kern_tile_q4_k_pp_il
#define KERN_BATCH_IL_q5_k kern_tile_q5_k_pp_il
#define KERN_BATCH_IL_q6_k kern_tile_q6_k_pp_il
#define KERN_BATCH_IL_q4_1 NULL
#define KERN_BATCH_IL_q5_0 kern_tile_q5_0_pp_il
#define KERN_BATCH_IL_q5_1 NULL
#define KERN_BATCH_IL_q2_k NULL
#define KERN_BATCH_IL_q3_k NULL
static const KernBatchVariant kern__batch_variants[] = {
    /* { type, isa, fn, rows, min_t }: KERN_BATCH_ROWS, every type of KERN_BATCH_TYPES */
#if defined(__x86_64__)
    KERN_BATCH_ROWS(ISA_AVX2, avx2, 8)
    KERN_BATCH_ROWS(ISA_AVXVNNI, avxvnni, 8)
#if defined(LLM_NO_MAIN)                  /* tests only; the zmm rows below win */
    KERN_BATCH_ROWS(ISA_AVX512VNNI, evex256, 8)
#endif
    KERN_BATCH_ROWS(ISA_AVX512VNNI, avx512vnni, 16)
#endif
#if defined(LLM_SIMD_ARM)
    KERN_BATCH_ROWS(ISA_NEON, neon, 8)
#endif
#if defined(__aarch64__)
    KERN_BATCH_ROWS(ISA_NEONDOT, neondot, 8)
#endif
    { -1, ISA_REF, NULL, 0, 0, NULL }
};

static const KernGenVariant kern__gen_variants[] = {
#if defined(__x86_64__)
    { T_Q4_0, ISA_AVX2, kern_prep_q4_0_avx2, kern_gen_q4_0_avx2, 4, NULL, NULL, 0 },
    { T_Q4_1, ISA_AVX2, kern_prep_q81_avx2, kern_gen_q4_1_avx2, 4, NULL, NULL, 0 },
    { T_Q5_0, ISA_AVX2, kern_prep_q5_0_avx2, kern_gen_q5_0_avx2, 4, NULL, NULL, 0 },
    { T_Q5_1, ISA_AVX2, kern_prep_q81_avx2, kern_gen_q5_1_avx2, 4, NULL, NULL, 0 },
    { T_Q4_1, ISA_AVX512VNNI, kern_prep_q81_avx2, kern_gen_q4_1_vnni, 4, NULL, NULL, 0 },
    { T_Q5_0, ISA_AVX512VNNI, kern_prep_q5_0_avx2, kern_gen_q5_0_vnni, 4, NULL, NULL, 0 },
    { T_Q5_0, ISA_AVX512VNNI, kern_prep_q5_0_zmm, kern_gen_q5_0_zmm, 4, kern_gen_q5_0_zmm_l1, kern_gen_q5_0_zmm_il, 1 },
    { T_Q5_1, ISA_AVX512VNNI, kern_prep_q81_zmm, kern_gen_q5_1_zmm, 4, NULL, NULL, 0 },
    { T_Q4_0, ISA_AVX512VNNI, kern_prep_q4_0_zmm, kern_gen_q4_0_zmm, 4, kern_gen_q4_0_zmm_l1, kern_gen_q4_0_zmm_il, 0 },
    { T_Q8_0, ISA_AVX512VNNI, kern_prep_q8_0_zmm, kern_gen_q8_0_zmm, 4, kern_gen_q8_0_zmm_l1, kern_gen_q8_0_zmm_il, 0 },
    { T_Q4_K, ISA_AVX512VNNI, kern_prep_k45_zmm, kern_gen_q4_k_zmm, 4, kern_gen_q4_k_zmm_l1, kern_gen_q4_k_zmm_il, 0 },
    { T_Q5_K, ISA_AVX512VNNI, kern_prep_k45_zmm, kern_gen_q5_k_zmm, 4, kern_gen_q5_k_zmm_l1, kern_gen_q5_k_zmm_il, 0 },
    { T_Q6_K, ISA_AVX512VNNI, kern_prep_q6_k_zmm, kern_gen_q6_k_zmm, 4, kern_gen_q6_k_zmm_l1, kern_gen_q6_k_zmm_il, 0 },
#endif
    { -1, ISA_REF, NULL, NULL, 0, NULL, NULL, 0 }
};

#if defined(LLM_SIMD_ARM)
/* The quantised types' rows of one NEON ISA: the dot, the tile (ARM_TR rows for the
   32-element types, 1 for the K-quants, by ARM_TT tokens) and the gemv (ARM_GR rows). */
#define ARM_QUANT_ROW(T, name, ISA, isa, rows, gemv, gemv_r) \
    { T, ISA, kern_dot_##name##_##isa, kern_tile_##name##_##isa, rows, ARM_TT, NULL, gemv, gemv_r },
#define ARM_ROW32(T, name, ISA, isa) ARM_QUANT_ROW(T, name, ISA, isa, ARM_TR, kern_gemv_##name##_##isa, ARM_GR)
#define ARM_ROWK(T, name, ISA, isa) ARM_QUANT_ROW(T, name, ISA, isa, 1, kern_gemv_##name##_##isa, ARM_GR)
#define ARM_QUANT_ROWS(ISA, isa)                                                                                     \
    ARM_ROW32(T_Q8_0, q8_0, ISA, isa) ARM_ROW32(T_Q4_0, q4_0, ISA, isa) ARM_ROW32(T_Q4_1, q4_1, ISA, isa)           \
    ARM_ROW32(T_Q5_0, q5_0, ISA, isa) ARM_ROW32(T_Q5_1, q5_1, ISA, isa) ARM_ROWK(T_Q2_K, q2_k, ISA, isa)            \
    ARM_ROWK(T_Q3_K, q3_k, ISA, isa) ARM_ROWK(T_Q4_K, q4_k, ISA, isa) ARM_ROWK(T_Q5_K, q5_k, ISA, isa)              \
    ARM_ROWK(T_Q6_K, q6_k, ISA, isa)
#endif

static const KernVariant kern__variants[] = {
#if defined(__x86_64__)
    { T_F32,  ISA_AVX2, kern_dot_f32_avx2,  kern_tile_f32_avx2,  4, 2, NULL, NULL, 0 },
    { T_F16,  ISA_AVX2, kern_dot_f16_avx2,  kern_tile_f16_avx2,  4, 2, kern_quant_f16_avx2, NULL, 0 },
    { T_BF16, ISA_AVX2, kern_dot_bf16_avx2, kern_tile_bf16_avx2, 4, 2, kern_quant_bf16_avx2, NULL, 0 },
    { T_Q4_0, ISA_AVX2, kern_dot_q4_0_avx2, kern_tile_q4_0_avx2, 4, 2, NULL, NULL, 0 },
    { T_Q4_1, ISA_AVX2, kern_dot_q4_1_avx2, kern_tile_q4_1_avx2, 4, 2, NULL, NULL, 0 },
    { T_Q5_0, ISA_AVX2, kern_dot_q5_0_avx2, kern_tile_q5_0_avx2, 4, 2, NULL, NULL, 0 },
    { T_Q5_1, ISA_AVX2, kern_dot_q5_1_avx2, kern_tile_q5_1_avx2, 4, 2, NULL, NULL, 0 },
    { T_Q8_0, ISA_AVX2, kern_dot_q8_0_avx2, kern_tile_q8_0_avx2, 4, 2, kern_quant_q8_0_avx2, NULL, 0 },
    { T_Q8_1, ISA_AVX2, NULL, NULL, 0, 0, kern_quant_q8_1_avx2, NULL, 0 },
    { T_Q4_0, ISA_AVX512VNNI, NULL, kern_tile_q4_0_avx512vnni, 4, 4, NULL, NULL, 0 },
    { T_Q4_1, ISA_AVX512VNNI, NULL, kern_tile_q4_1_avx512vnni, 4, 4, NULL, NULL, 0 },
    { T_Q5_0, ISA_AVX512VNNI, NULL, kern_tile_q5_0_avx512vnni, 4, 4, NULL, NULL, 0 },
    { T_Q5_1, ISA_AVX512VNNI, NULL, kern_tile_q5_1_avx512vnni, 4, 4, NULL, NULL, 0 },
    { T_Q8_0, ISA_AVX512VNNI, NULL, kern_tile_q8_0_avx512vnni, 4, 4, NULL, NULL, 0 },
#endif
#if defined(__x86_64__)
    { T_Q2_K, ISA_AVX2, kern_dot_q2_k_avx2, kern_tile_q2_k_avx2, 4, KQ_TT, NULL, NULL, 0 },
    { T_Q3_K, ISA_AVX2, kern_dot_q3_k_avx2, kern_tile_q3_k_avx2, 4, KQ_TT, NULL, NULL, 0 },
    { T_Q4_K, ISA_AVX2, kern_dot_q4_k_avx2, kern_tile_q4_k_avx2, 4, KQ_TT, NULL, NULL, 0 },
    { T_Q5_K, ISA_AVX2, kern_dot_q5_k_avx2, kern_tile_q5_k_avx2, 4, KQ_TT, NULL, NULL, 0 },
    { T_Q6_K, ISA_AVX2, kern_dot_q6_k_avx2, kern_tile_q6_k_avx2, 4, KQ_TT, NULL, NULL, 0 },
    { T_Q8_K, ISA_AVX2, NULL, NULL, 0, 0, kern_quant_q8_k_avx2, NULL, 0 },
    { T_Q2_K, ISA_AVX512VNNI, kern_dot_q2_k_avx512vnni, kern_tile_q2_k_avx512vnni, 4, KQ_TT, NULL, NULL, 0 },
    { T_Q3_K, ISA_AVX512VNNI, kern_dot_q3_k_avx512vnni, kern_tile_q3_k_avx512vnni, 4, KQ_TT, NULL, NULL, 0 },
    { T_Q4_K, ISA_AVX512VNNI, kern_dot_q4_k_avx512vnni, kern_tile_q4_k_avx512vnni, 4, KQ_TT, NULL, NULL, 0 },
    { T_Q5_K, ISA_AVX512VNNI, kern_dot_q5_k_avx512vnni, kern_tile_q5_k_avx512vnni, 4, KQ_TT, NULL, NULL, 0 },
    { T_Q6_K, ISA_AVX512VNNI, kern_dot_q6_k_avx512vnni, kern_tile_q6_k_avx512vnni, 4, KQ_TT, NULL, NULL, 0 },
#endif
/* rows to add to kern__variants[] (before the { -1, ... } terminator, after the existing
   x86 rows); { type, isa, dot, tile, tile_r, tile_t, quant_act, gemv, gemv_r }. NULL dot/tile keep
   the earlier ones. gemv_r = 4 = tile_r of every one of these types (the driver walks rows in
   blocks of tile_r and calls gemv inside them, so gemv_r must not exceed tile_r). */
#if defined(__x86_64__)
    { T_Q4_0, ISA_AVX2, NULL, NULL, 0, 0, NULL, kern_gemv_q4_0_avx2, 4 },
    { T_Q4_1, ISA_AVX2, NULL, NULL, 0, 0, NULL, kern_gemv_q4_1_avx2, 4 },
    { T_Q5_0, ISA_AVX2, NULL, NULL, 0, 0, NULL, kern_gemv_q5_0_avx2, 4 },
    { T_Q5_1, ISA_AVX2, NULL, NULL, 0, 0, NULL, kern_gemv_q5_1_avx2, 4 },
    { T_Q8_0, ISA_AVX2, NULL, NULL, 0, 0, NULL, kern_gemv_q8_0_avx2, 4 },
    { T_Q2_K, ISA_AVX2, NULL, NULL, 0, 0, NULL, kern_gemv_q2_k_avx2, 4 },
    { T_Q3_K, ISA_AVX2, NULL, NULL, 0, 0, NULL, kern_gemv_q3_k_avx2, 4 },
    { T_Q4_K, ISA_AVX2, NULL, NULL, 0, 0, NULL, kern_gemv_q4_k_avx2, 4 },
    { T_Q5_K, ISA_AVX2, NULL, NULL, 0, 0, NULL, kern_gemv_q5_k_avx2, 4 },
    { T_Q6_K, ISA_AVX2, NULL, NULL, 0, 0, NULL, kern_gemv_q6_k_avx2, 4 },
    { T_Q4_0, ISA_AVX512VNNI, NULL, NULL, 0, 0, NULL, kern_gemv_q4_0_zmm, 4 },
    { T_Q4_1, ISA_AVX512VNNI, NULL, NULL, 0, 0, NULL, kern_gemv_q4_1_avx512vnni, 4 },
    { T_Q5_0, ISA_AVX512VNNI, NULL, NULL, 0, 0, NULL, kern_gemv_q5_0_avx512vnni, 4 },
    { T_Q5_1, ISA_AVX512VNNI, NULL, NULL, 0, 0, NULL, kern_gemv_q5_1_avx512vnni, 4 },
    { T_Q8_0, ISA_AVX512VNNI, NULL, NULL, 0, 0, NULL, kern_gemv_q8_0_avx512vnni, 4 },
    { T_Q2_K, ISA_AVX512VNNI, NULL, NULL, 0, 0, NULL, kern_gemv_q2_k_avx512vnni, 4 },
    { T_Q3_K, ISA_AVX512VNNI, NULL, NULL, 0, 0, NULL, kern_gemv_q3_k_avx512vnni, 4 },
    { T_Q4_K, ISA_AVX512VNNI, NULL, NULL, 0, 0, NULL, kern_gemv_q4_k_zmm, 4 },
    { T_Q5_K, ISA_AVX512VNNI, NULL, NULL, 0, 0, NULL, kern_gemv_q5_k_zmm, 4 },
    { T_Q6_K, ISA_AVX512VNNI, NULL, NULL, 0, 0, NULL, kern_gemv_q6_k_zmm, 4 },
#endif
#if defined(LLM_SIMD_ARM)
    /* ARM NEON (aarch64 baseline, armv7 when AT_HWCAP has NEON); quant_act rows first */
    { T_Q8_0, ISA_NEON, NULL, NULL, 0, 0, kern_quant_q8_0_neon, NULL, 0 },
    { T_Q8_1, ISA_NEON, NULL, NULL, 0, 0, kern_quant_q8_1_neon, NULL, 0 },
    { T_Q8_K, ISA_NEON, NULL, NULL, 0, 0, kern_quant_q8_k_neon, NULL, 0 },
    { T_F32,  ISA_NEON, kern_dot_f32_neon,  kern_tile_f32_neon,  ARM_FR, ARM_TT, NULL, NULL, 0 },
    { T_BF16, ISA_NEON, kern_dot_bf16_neon, kern_tile_bf16_neon, ARM_FR, ARM_TT, NULL, NULL, 0 },
    ARM_QUANT_ROWS(ISA_NEON, neon)
#if defined(__arm__)
    { T_F16,  ISA_NEONV4, kern_dot_f16_neon, kern_tile_f16_neon, ARM_FR, ARM_TT, NULL, NULL, 0 },   /* F16 conversions: VFPv4 */
#endif
#if defined(__aarch64__)
    { T_F16,  ISA_NEON, kern_dot_f16_neon,  kern_tile_f16_neon,  ARM_FR, ARM_TT, NULL, NULL, 0 },
    /* aarch64 with the dot-product instructions (AT_HWCAP & HWCAP_ASIMDDP) */
    ARM_QUANT_ROWS(ISA_NEONDOT, neondot)
#endif
#endif
    { -1, ISA_REF, NULL, NULL, 0, 0, NULL, NULL, 0 }
};

static KernImpl kern_impl[T_COUNT];
static void (*kern_attn_f16)(const float *q, int nq, const uint16_t *k, const uint16_t *v, size_t stride, int n,
                             int hd, float scale, float *out) = kern_attn_heads_ref;
static void (*kern_swiglu)(float *g, const float *u, int64_t n) = kern_swiglu_ref;
static int kern_attn_isa, kern_swiglu_isa;   /* ISA_* of kern_attn_f16, of kern_swiglu */
static int kern_isa_have[ISA_COUNT];   /* what this CPU runs */
static int kern_prefetch_l1;           /* gen kernels prefetch with prefetcht0 (KG_PREFETCH2) */
static int kern_ready;                 /* kern_init has run */

static void kern__detect(void) {
    kern_isa_have[ISA_REF] = 1;
#if defined(__x86_64__)
    __builtin_cpu_init();
    unsigned a, b, c, d;
    int f16c = __get_cpuid(1, &a, &b, &c, &d) && (c & bit_F16C);
    kern_isa_have[ISA_AVX2] = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && f16c;
    /* AVX-VNNI: cpuid leaf 7 sub-leaf 1, eax bit 4 (clang's __builtin_cpu_supports lacks the name) */
    kern_isa_have[ISA_AVXVNNI] = kern_isa_have[ISA_AVX2] && __get_cpuid_max(0, NULL) >= 7 &&
                                 __get_cpuid_count(7, 1, &a, &b, &c, &d) && (a & (1u << 4));
    kern_isa_have[ISA_AVX512] = kern_isa_have[ISA_AVX2] && __builtin_cpu_supports("avx512f") &&
                                __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
    kern_isa_have[ISA_AVX512VNNI] = kern_isa_have[ISA_AVX512] && __builtin_cpu_supports("avx512vnni");
    /* AMD family 1Ah (Zen 5) and later: ebx:edx:ecx "AuthenticAMD", family = base + extended */
    if (__get_cpuid(0, &a, &b, &c, &d) && b == 0x68747541u && d == 0x69746e65u && c == 0x444d4163u &&
        __get_cpuid(1, &a, &b, &c, &d))
        kern_prefetch_l1 = ((a >> 8) & 0xf) + (((a >> 8) & 0xf) == 0xf ? (a >> 20) & 0xff : 0) >= 0x1a;
#elif defined(__aarch64__)
    kern_isa_have[ISA_NEON] = 1;
    kern_isa_have[ISA_NEONDOT] = (getauxval(AT_HWCAP) & HWCAP_ASIMDDP) != 0;
    kern_isa_have[ISA_NEONV4] = 1;
#elif defined(__arm__)
    kern_isa_have[ISA_NEON] = (getauxval(AT_HWCAP) & HWCAP_NEON) != 0;
    kern_isa_have[ISA_NEONV4] = kern_isa_have[ISA_NEON] && (getauxval(AT_HWCAP) & HWCAP_VFPv4) != 0;
#endif
}

/* Fills kern_impl; force_ref keeps the reference kernels. */
static void kern_init(int force_ref) {
    kern_ready = 1;
    kern__detect();
    for (int t = 0; t < T_COUNT; t++) {
        const KernType *kt = kern_type(t);
        kern_impl[t] = (KernImpl){ ISA_REF, kt ? kt->dot : NULL, NULL, 1, 1, kt ? kt->from_float_act : NULL, NULL, 1,
                                   NULL, 1, 1, NULL, NULL, 1, NULL, NULL, NULL };
    }
    kern_attn_f16 = kern_attn_heads_ref;
    kern_swiglu = kern_swiglu_ref;
    kern_attn_isa = kern_swiglu_isa = ISA_REF;
    if (force_ref) return;
#if defined(__x86_64__)
    if (kern_isa_have[ISA_AVX2])
        kern_attn_f16 = kern_attn_f16_avx2, kern_swiglu = kern_swiglu_avx2, kern_attn_isa = kern_swiglu_isa = ISA_AVX2;
    if (kern_isa_have[ISA_AVX512]) kern_attn_f16 = kern_attn_f16_zmm, kern_attn_isa = ISA_AVX512;
#elif defined(LLM_SIMD_ARM)
    if (kern_isa_have[ISA_NEONV4])
        kern_attn_f16 = kern_attn_f16_neon, kern_swiglu = kern_swiglu_neon, kern_attn_isa = kern_swiglu_isa = ISA_NEONV4;
#endif
    for (size_t i = 0; kern__variants[i].type >= 0; i++) {
        const KernVariant *v = &kern__variants[i];
        if (!kern_isa_have[v->isa]) continue;
        KernImpl *k = &kern_impl[v->type];
        if (v->dot) k->dot = v->dot, k->isa = v->isa;
        if (v->tile) k->tile = v->tile, k->tile_r = v->tile_r, k->tile_t = v->tile_t;
        if (v->quant_act) k->quant_act = v->quant_act;
        if (v->gemv) k->gemv = v->gemv, k->gemv_r = v->gemv_r;
    }
    for (size_t i = 0; kern__batch_variants[i].type >= 0; i++) {
        const KernBatchVariant *v = &kern__batch_variants[i];
        if (!kern_isa_have[v->isa]) continue;
        KernImpl *k = &kern_impl[v->type];
        k->batch = v->fn, k->batch_r = v->rows, k->batch_t = v->min_t, k->batch_il = v->fn_il;
    }
    for (size_t i = 0; kern__gen_variants[i].type >= 0; i++) {
        const KernGenVariant *v = &kern__gen_variants[i];
        if (!kern_isa_have[v->isa]) continue;
        KernImpl *k = &kern_impl[v->type];
        k->gen_il = v->fn_il, k->gen_prep_il = v->prep;
        if (v->il_only) continue;
        k->gen_prep = v->prep, k->gen = kern_prefetch_l1 && v->fn_l1 ? v->fn_l1 : v->fn, k->gen_r = v->rows;
    }
}


/* ============================================================================
 * 11. threads: pool, parallel-for
 *
 * The workers are created once at start-up. pool_run publishes a job by bumping a
 * generation counter; workers spin on it for a short while (a token's matmuls follow
 * each other within microseconds, far less than a sleep and wake-up costs), then
 * sleep on a condition variable until the next job. The caller runs share 0 itself and
 * spins until the others are done. Work is split by output rows: pool_split gives fixed
 * shares; pool_share_* gives each thread the same contiguous share, walked front to
 * back, and lets a thread that is done take pieces from the back of another's (two
 * cores of a shared machine, or a big and a little core, rarely run at one speed).
 * ========================================================================== */

#include <stdatomic.h>

#define LLM_MAX_THREADS 64
#define POOL_SPINS 20000          /* pauses before a worker sleeps (about a millisecond) */

typedef void (*ParFn)(void *ctx, int ith, int nth);

typedef struct {
    int n;                          /* threads including the caller */
    pthread_t th[LLM_MAX_THREADS];
    pthread_mutex_t mu;
    pthread_cond_t wake;
    ParFn fn;                       /* the current job, valid once gen moves */
    void *ctx;
    _Atomic uint64_t gen;           /* job number */
    _Atomic int pending;            /* workers still running the current job */
    _Atomic int quit;
    struct {                        /* pool_share_*: [front, back) of each thread's items */
        _Atomic uint64_t fb;        /* front << 32 | back */
        char pad[64 - sizeof(uint64_t)];
    } share[LLM_MAX_THREADS];
} Pool;

typedef struct { Pool *p; int ith; } PoolArg;
static PoolArg pool_args[LLM_MAX_THREADS];

static inline void pool__relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__) || defined(__arm__)
    __asm__ __volatile__("yield");
#endif
}

static void *pool__worker(void *arg) {
    PoolArg *a = arg;
    Pool *p = a->p;
    uint64_t seen = 0;
    for (;;) {
        uint64_t g;
        int spins = 0;
        while ((g = atomic_load_explicit(&p->gen, memory_order_acquire)) == seen &&
               !atomic_load_explicit(&p->quit, memory_order_relaxed)) {
            if (++spins < POOL_SPINS) {
                if (spins & 255) pool__relax();
                else sched_yield();    /* let a descheduled thread of this pool in */
                continue;
            }
            pthread_mutex_lock(&p->mu);
            while (atomic_load(&p->gen) == seen && !atomic_load(&p->quit)) pthread_cond_wait(&p->wake, &p->mu);
            pthread_mutex_unlock(&p->mu);
            spins = 0;
        }
        if (atomic_load(&p->quit)) return NULL;
        seen = g;
        p->fn(p->ctx, a->ith, p->n);
        atomic_fetch_sub_explicit(&p->pending, 1, memory_order_release);
    }
}

static int pool_init(Pool *p, int n, Err *e) {
    memset(p, 0, sizeof *p);
    if (n < 1) n = 1;
    if (n > LLM_MAX_THREADS) n = LLM_MAX_THREADS;
    p->n = n;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->wake, NULL);
    for (int i = 1; i < n; i++) {
        pool_args[i].p = p;
        pool_args[i].ith = i;
        if (pthread_create(&p->th[i], NULL, pool__worker, &pool_args[i]) != 0) {
            p->n = i;
            return err_set(e, "cannot start thread %d of %d: %s (use fewer with -t)", i + 1, n,
                           strerror(errno));
        }
    }
    return 0;
}

static void pool_run(Pool *p, ParFn fn, void *ctx) {
    if (p->n <= 1) { fn(ctx, 0, 1); return; }
    p->fn = fn;
    p->ctx = ctx;
    atomic_store_explicit(&p->pending, p->n - 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&p->gen, 1, memory_order_release);
    pthread_mutex_lock(&p->mu);           /* wakes the workers that went to sleep */
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->mu);
    fn(ctx, 0, p->n);
    /* spin; when the others take long (more threads than free cores), let them run */
    for (int spins = 0; atomic_load_explicit(&p->pending, memory_order_acquire) > 0; spins++)
        if (spins < 4096) pool__relax();
        else sched_yield();
}

static void pool_free(Pool *p) {
    if (p->n <= 1) return;
    atomic_store(&p->quit, 1);
    pthread_mutex_lock(&p->mu);
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->mu);
    for (int i = 1; i < p->n; i++) pthread_join(p->th[i], NULL);
    p->n = 1;
}

/* The share [*a, *b) of n items for thread ith of nth. */
static void pool_split(int64_t n, int ith, int nth, int64_t *a, int64_t *b) {
    int64_t per = (n + nth - 1) / nth;
    *a = per * ith < n ? per * ith : n;
    *b = *a + per < n ? *a + per : n;
}

/* Before pool_run: the n items (< 2^32) of the next job in pool_split's shares. */
static void pool_share_init(Pool *p, int64_t n) {
    for (int i = 0; i < p->n; i++) {
        int64_t a, b;
        pool_split(n, i, p->n, &a, &b);
        atomic_store_explicit(&p->share[i].fb, (uint64_t)a << 32 | (uint64_t)b, memory_order_relaxed);
    }
}

/* In the job: the next items [*a, *b) for thread ith, at most `chunk` of them: from the
 * front of its own share, then from the back of the others'. 0 when all are taken. */
static int pool_share_next(Pool *p, int ith, int nth, int64_t chunk, int64_t *a, int64_t *b) {
    for (int k = 0; k < nth; k++) {
        _Atomic uint64_t *fb = &p->share[(ith + k) % nth].fb;
        uint64_t v = atomic_load_explicit(fb, memory_order_relaxed);
        for (;;) {
            int64_t f = (int64_t)(v >> 32), bk = (int64_t)(v & 0xffffffffu);
            if (f >= bk) break;
            int64_t lo = k ? (bk - chunk > f ? bk - chunk : f) : f, hi = k ? bk : (f + chunk < bk ? f + chunk : bk);
            uint64_t nv = k ? (uint64_t)f << 32 | (uint64_t)lo : (uint64_t)hi << 32 | (uint64_t)bk;
            if (atomic_compare_exchange_weak_explicit(fb, &v, nv, memory_order_relaxed, memory_order_relaxed)) {
                *a = lo, *b = hi;
                return 1;
            }
        }
    }
    return 0;
}

/* Physical cores (the default for -t): distinct (package, core) pairs in sysfs,
 * else the online CPU count. */
static int cpu_physical_cores(void) {
    int online = (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (online < 1) online = 1;
    int seen[256][2], n = 0;
    for (int cpu = 0; cpu < online && cpu < 256; cpu++) {
        char path[128];
        int ids[2] = { -1, -1 };
        const char *names[2] = { "physical_package_id", "core_id" };
        for (int k = 0; k < 2; k++) {
            snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu%d/topology/%s", cpu, names[k]);
            FILE *f = fopen(path, "r");
            if (!f) return online;
            if (fscanf(f, "%d", &ids[k]) != 1) ids[k] = -1;
            fclose(f);
        }
        int dup = 0;
        for (int i = 0; i < n; i++) dup |= seen[i][0] == ids[0] && seen[i][1] == ids[1];
        if (!dup) seen[n][0] = ids[0], seen[n][1] = ids[1], n++;
    }
    return n > 0 ? n : online;
}

/* ============================================================================
 * 12. model: hyper-parameters, llama forward pass, KV cache, memory plan
 *
 * The llama architecture as GGUF describes it (llama.cpp's tensor names): token
 * embedding, per layer pre-RMSNorm attention with RoPE and grouped-query heads, then
 * pre-RMSNorm SwiGLU feed-forward, final RMSNorm and the output matrix (the embedding
 * when output.weight is absent). Matrices in GGUF are ne = [in, out]: one row of `in`
 * elements per output feature. A batch of tokens goes through every layer together,
 * so each weight row read from memory is used for every token of the batch.
 * ========================================================================== */

#define LLM_MAX_LAYERS 512

typedef struct {
    Str arch;            /* general.architecture */
    Str name;            /* general.name */
    int n_vocab;
    int n_embd;          /* width of the residual stream */
    int n_layer;
    int n_head, n_head_kv;
    int head_dim;        /* per head, K and Q */
    int head_dim_v;      /* per head, V */
    int n_ff;            /* feed-forward width */
    int n_ctx_train;     /* context the model was trained for */
    int rope_dim;        /* leading dimensions of each head that rotate */
    int rope_neox;       /* 1: pairs (i, i+rope_dim/2); 0: adjacent pairs (2i, 2i+1) */
    float rope_base, rope_freq_scale;
    float eps;           /* RMSNorm epsilon */
} HParams;

typedef struct {
    const void *data;    /* rows of `cols` elements of `type`, in the mapping */
    uint32_t type;
    int64_t cols, rows;  /* GGUF ne[0], ne[1] */
    int il;              /* rows interleaved in fours (mat_interleave), in the huge-page copy */
} Mat;

typedef struct {
    const float *attn_norm;      /* (n_embd) */
    Mat wq;                      /* (n_embd -> n_head * head_dim) */
    Mat wk, wv;                  /* (n_embd -> n_head_kv * head_dim) */
    const float *bq, *bk, *bv;   /* optional biases, NULL when absent */
    Mat wo;                      /* (n_head * head_dim_v -> n_embd) */
    const float *ffn_norm;       /* (n_embd) */
    Mat gate, up;                /* (n_embd -> n_ff) */
    Mat down;                    /* (n_ff -> n_embd) */
} Layer;

typedef struct {
    FileMap map;
    Gguf gguf;
    HParams hp;
    Mat tok_embd;                /* (n_embd, n_vocab) */
    const float *output_norm;    /* (n_embd) */
    Mat output;                  /* (n_embd -> n_vocab); tok_embd when tied */
    const float *rope_freqs;     /* (rope_dim/2) frequency divisors, or NULL */
    int tied;                    /* output is tok_embd */
    Layer layers[LLM_MAX_LAYERS];
    uint64_t n_params;
} Model;

static const char *const model_supported_archs[] = { "llama" };

/* Looks a tensor up, checking it has the shape the hyper-parameters imply. */
static int model__tensor(const Model *m, const char *name, int64_t ne0, int64_t ne1, int optional,
                         GgufTensor *t, Err *e) {
    if (!gguf_tensor(&m->gguf, name, t)) {
        if (optional) return 1;
        return err_set(e, "model file has no tensor '%s' (is it a complete %.*s GGUF?)", name,
                       (int)m->hp.arch.n, m->hp.arch.p);
    }
    int64_t ne1_got = t->ne[1] * t->ne[2] * t->ne[3];
    if (t->ne[0] != ne0 || ne1_got != ne1)
        return err_set(e, "tensor '%s' has shape [%lld, %lld] but the hyper-parameters say [%lld, %lld]; "
                       "the GGUF file is inconsistent", name, (long long)t->ne[0], (long long)ne1_got,
                       (long long)ne0, (long long)ne1);
    return 0;
}

static int model__mat(const Model *m, const char *name, int64_t in, int64_t out, Mat *w, Err *e) {
    GgufTensor t;
    if (model__tensor(m, name, in, out, 0, &t, e)) return -1;
    w->data = t.data, w->type = t.type, w->cols = in, w->rows = out;
    return 0;
}

/* A vector (norm weight, bias) of n floats; NULL and 0 when optional and absent. */
static int model__vec(const Model *m, const char *name, int64_t n, int optional, const float **v, Err *e) {
    GgufTensor t;
    *v = NULL;
    int r = model__tensor(m, name, n, 1, optional, &t, e);
    if (r) return r > 0 ? 0 : -1;
    if (t.type != T_F32)
        return err_set(e, "tensor '%s' is %s; llm expects norm weights and biases in F32", name,
                       type_name(t.type));
    *v = t.data;
    return 0;
}

static int model__parse(Model *m, const char *path, Err *e);

/* Interleaved rows (Mat.il). A generation kernel reads 4 rows at a time, a block group
 * of each in turn: four streams, which the prefetchers follow far worse than one (Zen 5,
 * Q4_0 rows of 2048 from memory, one thread: 33-34 GB/s, against 42-45 when the four
 * rows' groups lie one after the other; a plain read: 41.7). In the huge-page copy,
 * where the bytes are ours, rows 4q..4q+3 can be stored that way: for each group g (of
 * MAT_IL_BLOCKS blocks of 32, or one block of the K-quants' 256: what the kernels take
 * per step), row 0's, then row 1's, 2's and 3's, and after the last group the 4 rows'
 * remaining blocks (none for the K-quants), row after row. Only matrices whose type has such a
 * kernel (KernImpl.gen_il) and whose rows are a multiple of 4. The AVX-512 prompt
 * kernels read that layout themselves (KernImpl.batch_il: pp__blk); the tile and gemv
 * paths of 2-3 tokens get the rows copied back into the row layout (mat__rows), a step
 * of rows at a time, and so would a batch kernel without an interleaved form, about
 * MAT_IL_BYTES at a time (copying back cost prompts 3-6%). */
enum { MAT_IL_BYTES = 1 << 20 };

/* Rows copied back at a time for the batch kernels: about MAT_IL_BYTES, a multiple of 16. */
static int64_t mat__il_chunk(size_t wrow) { int64_t n = (int64_t)(MAT_IL_BYTES / wrow) & ~(int64_t)15; return n < 16 ? 16 : n; }

/* Rows 4q..4q+3 (at src) from the row layout into the interleaved one at dst (to_il), or back. */
static void mat__il_quad(const Mat *W, const uint8_t *src, uint8_t *dst, int to_il) {
    const int64_t ge = mat__il_group(W->type), ng = W->cols / ge;
    const size_t wrow = type_row_size(W->type, W->cols), gb = type_row_size(W->type, ge);
    const size_t tb = wrow - (size_t)ng * gb;
    for (size_t r = 0; r < 4; r++) {
        uint8_t *d = dst + (to_il ? r * gb : r * wrow);
        const uint8_t *sp = src + (to_il ? r * wrow : r * gb);
        const size_t ds = to_il ? 4 * gb : gb, ss = to_il ? gb : 4 * gb;
        /* constant sizes, copied inline: the batch kernels' path copies every row back */
#define MAT__IL_COPY(GB) for (int64_t g = 0; g < ng; g++) memcpy(d + (size_t)g * ds, sp + (size_t)g * ss, GB)
        switch (gb) {
        case 72: MAT__IL_COPY(72); break;          /* Q4_0 */
        case 88: MAT__IL_COPY(88); break;          /* Q5_0 */
        case 136: MAT__IL_COPY(136); break;        /* Q8_0 */
        case 144: MAT__IL_COPY(144); break;        /* Q4_K */
        case 176: MAT__IL_COPY(176); break;        /* Q5_K */
        case 210: MAT__IL_COPY(210); break;        /* Q6_K */
        default: MAT__IL_COPY(gb);
        }
#undef MAT__IL_COPY
        size_t a = r * wrow + (size_t)ng * gb, b = (size_t)ng * 4 * gb + r * tb;
        memcpy(dst + (to_il ? b : a), src + (to_il ? a : b), tb);
    }
}

/* Rows [r, r + nr) of an interleaved matrix (r, nr multiples of 4) in the row layout. */
static void mat__rows(const Mat *W, int64_t r, int64_t nr, uint8_t *dst) {
    const size_t wrow = type_row_size(W->type, W->cols);
    for (int64_t q = 0; q < nr; q += 4)
        mat__il_quad(W, (const uint8_t *)W->data + (size_t)(r + q) * wrow, dst + (size_t)q * wrow, 0);
}

static int mat__can_interleave(const Mat *W) {
    const KernImpl *k = &kern_impl[W->type];   /* every path walks rows in whole fours */
    return k->gen_il && k->gen_r == 4 && k->tile_r % 4 == 0 && k->gemv_r % 4 == 0 && k->batch_r % 4 == 0 &&
           W->rows % 4 == 0 && W->cols % 32 == 0 && W->data;
}

/* Interleaves W in place (its memory writable), through tmp of 4 rows. */
static void mat_interleave(Mat *W, uint8_t *tmp) {
    const size_t wrow = type_row_size(W->type, W->cols);
    uint8_t *p = (uint8_t *)(uintptr_t)W->data;
    for (int64_t q = 0; q < W->rows; q += 4) {
        mat__il_quad(W, p + (size_t)q * wrow, tmp, 1);
        memcpy(p + (size_t)q * wrow, tmp, 4 * wrow);
    }
    W->il = 1;
}

/* The model's matrices that a matmul reads (not tok_embd, which is also looked up by
   row; nor output when it is tok_embd). */
static int model__mats(Model *m, Mat **out) {
    int n = 0;
    for (int l = 0; l < m->hp.n_layer; l++) {
        Layer *L = &m->layers[l];
        Mat *ms[7] = { &L->wq, &L->wk, &L->wv, &L->wo, &L->gate, &L->up, &L->down };
        for (int i = 0; i < 7; i++) out[n++] = ms[i];
    }
    if (!m->tied) out[n++] = &m->output;
    return n;
}

/* Interleaves what it can of a model in the huge-page copy: the number of matrices, or -1. */
static int model__interleave(Model *m, Err *e) {
    if (!kern_ready) kern_init(getenv("LLM_FORCE_REF") && strcmp(getenv("LLM_FORCE_REF"), "0"));
    static Mat *mats[7 * LLM_MAX_LAYERS + 1];
    int n = model__mats(m, mats), n_il = 0;
    size_t big = 0;
    for (int i = 0; i < n; i++)
        if (mat__can_interleave(mats[i]) && 4 * type_row_size(mats[i]->type, mats[i]->cols) > big)
            big = 4 * type_row_size(mats[i]->type, mats[i]->cols);
    if (!big || !m->map.huge) return 0;
    uint8_t *tmp = malloc(big);
    if (!tmp) return err_set(e, "cannot allocate %zu bytes to interleave the weights: out of memory", big);
    mprotect((void *)(uintptr_t)m->map.data, m->map.huge, PROT_READ | PROT_WRITE);
    for (int i = 0; i < n; i++)
        if (mat__can_interleave(mats[i])) mat_interleave(mats[i], tmp), n_il++;
    mprotect((void *)(uintptr_t)m->map.data, m->map.huge, PROT_READ);
    free(tmp);
    return n_il;
}

/* Opens, validates and maps a GGUF model; reads hyper-parameters and finds every tensor.
 * Nothing is allocated: the Model points into the mapping. */
static int model_load(Model *m, const char *path, Err *e) {
    memset(m, 0, sizeof *m);
    if (file_map(&m->map, path, e)) return -1;
    return model__parse(m, path, e);
}

/* Moves a loaded model's weights into huge-page memory (--hugepages); the tensors are
 * found again in the copy. Prints what it cost. */
static int model_to_hugepages(Model *m, const char *path, Err *e) {
    double t0 = time_now();
    if (file_to_hugepages(&m->map, e)) return -1;
    if (model__parse(m, path, e)) return -1;
    int n_il = model__interleave(m, e);
    if (n_il < 0) return -1;
    char il[96] = "";
    if (n_il) snprintf(il, sizeof il, "; the rows of %d matrices interleaved in fours for generation", n_il);
    log_msg(LOG_INFO, "llm: --hugepages: weights copied to %.1f MiB of huge-page memory in %.2f s%s\n",
            m->map.huge / 1048576.0, time_now() - t0, il);
    return 0;
}

/* Validates the mapped file and reads hyper-parameters and tensors from it. */
static int model__parse(Model *m, const char *path, Err *e) {
    FileMap map = m->map;
    memset(m, 0, sizeof *m);
    m->map = map;
    if (gguf_open(&m->gguf, m->map.data, m->map.size, e)) {
        char msg[sizeof e->msg];
        snprintf(msg, sizeof msg, "%.200s: %.300s", path, e->msg);
        strcpy(e->msg, msg);
        file_unmap(&m->map);
        return -1;
    }
    Gguf *g = &m->gguf;
    HParams *hp = &m->hp;
    int64_t parts = gguf_get_int(g, "split.count", 1);
    if (parts > 1)
        return err_set(e, "%s is part %lld of a model split in %lld files: llm cannot run split GGUF models yet "
                       "(choose a quant that comes in one file)", path, (long long)gguf_get_int(g, "split.no", 0) + 1,
                       (long long)parts);
    hp->arch = gguf_get_str(g, "general.architecture");
    hp->name = gguf_get_str(g, "general.name");
    if (!hp->arch.n) return err_set(e, "%s has no general.architecture: not a model GGUF", path);
    int ok = 0;
    for (size_t i = 0; i < sizeof model_supported_archs / sizeof *model_supported_archs; i++)
        ok |= str_eq(hp->arch, model_supported_archs[i]);
    if (!ok)
        return err_set(e, "architecture '%.*s' is not supported by llm (supported: llama)",
                       (int)hp->arch.n, hp->arch.p);
    Str a = hp->arch;
    hp->n_embd = (int)gguf_arch_int(g, a, "embedding_length", 0);
    hp->n_layer = (int)gguf_arch_int(g, a, "block_count", 0);
    hp->n_head = (int)gguf_arch_int(g, a, "attention.head_count", 0);
    hp->n_head_kv = (int)gguf_arch_int(g, a, "attention.head_count_kv", hp->n_head);
    hp->n_ff = (int)gguf_arch_int(g, a, "feed_forward_length", 0);
    hp->n_ctx_train = (int)gguf_arch_int(g, a, "context_length", 2048);
    hp->eps = (float)gguf_arch_float(g, a, "attention.layer_norm_rms_epsilon", 1e-5);
    hp->rope_base = (float)gguf_arch_float(g, a, "rope.freq_base", 10000.0);
    if (hp->n_embd <= 0 || hp->n_embd > 1 << 16 || hp->n_layer <= 0 || hp->n_layer > LLM_MAX_LAYERS ||
        hp->n_head <= 0 || hp->n_head > 1024 || hp->n_head_kv <= 0 || hp->n_head_kv > hp->n_head ||
        hp->n_head % hp->n_head_kv || hp->n_ff <= 0 || hp->n_ff > 1 << 20 || hp->n_ctx_train <= 0)
        return err_set(e, "%s has missing or impossible hyper-parameters (n_embd %d, n_layer %d, "
                       "n_head %d, n_head_kv %d, n_ff %d)", path, hp->n_embd, hp->n_layer, hp->n_head,
                       hp->n_head_kv, hp->n_ff);
    hp->head_dim = (int)gguf_arch_int(g, a, "attention.key_length", hp->n_embd / hp->n_head);
    hp->head_dim_v = (int)gguf_arch_int(g, a, "attention.value_length", hp->head_dim);
    hp->rope_dim = (int)gguf_arch_int(g, a, "rope.dimension_count", hp->head_dim);
    if (hp->head_dim <= 0 || hp->head_dim > 1024 || hp->head_dim % 2 || hp->head_dim_v != hp->head_dim ||
        hp->rope_dim <= 0 || hp->rope_dim > hp->head_dim || hp->rope_dim % 2)
        return err_set(e, "%s has impossible head sizes (key %d, value %d, rope %d)", path,
                       hp->head_dim, hp->head_dim_v, hp->rope_dim);
    hp->rope_freq_scale = 1.0f;
    {
        char k[256];
        snprintf(k, sizeof k, "%.*s.rope.scaling.type", (int)a.n, a.p);
        Str st = gguf_get_str(g, k);
        double factor = gguf_arch_float(g, a, "rope.scaling.factor", 0.0);
        if (st.n && str_eq(st, "linear") && factor > 0) hp->rope_freq_scale = (float)(1.0 / factor);
        else if (st.n && !str_eq(st, "none") && !str_eq(st, "linear"))
            return err_set(e, "%s uses RoPE scaling '%.*s', which llm does not implement yet", path,
                           (int)st.n, st.p);
    }
    hp->rope_neox = 0;

    GgufTensor t;
    if (!gguf_tensor(g, "token_embd.weight", &t))
        return err_set(e, "%s has no tensor 'token_embd.weight': not a complete model", path);
    hp->n_vocab = (int)t.ne[1];
    if (t.ne[0] != hp->n_embd || hp->n_vocab <= 0)
        return err_set(e, "tensor 'token_embd.weight' has shape [%lld, %lld], expected [%d, n_vocab]",
                       (long long)t.ne[0], (long long)t.ne[1], hp->n_embd);
    int64_t E = hp->n_embd, Q = (int64_t)hp->n_head * hp->head_dim, KV = (int64_t)hp->n_head_kv * hp->head_dim;
    if (model__mat(m, "token_embd.weight", E, hp->n_vocab, &m->tok_embd, e)) return -1;
    if (model__vec(m, "output_norm.weight", E, 0, &m->output_norm, e)) return -1;
    int r = model__tensor(m, "output.weight", E, hp->n_vocab, 1, &t, e);
    if (r < 0) return -1;
    m->tied = r == 1;
    if (m->tied) m->output = m->tok_embd;
    else m->output = (Mat){ t.data, t.type, E, hp->n_vocab, 0 };
    r = model__tensor(m, "rope_freqs.weight", hp->rope_dim / 2, 1, 1, &t, e);
    if (r < 0) return -1;
    if (r == 0) {
        if (t.type != T_F32) return err_set(e, "tensor 'rope_freqs.weight' must be F32");
        m->rope_freqs = t.data;
    }
    for (int l = 0; l < hp->n_layer; l++) {
        Layer *L = &m->layers[l];
        char n[96];
#define LNAME(s) (snprintf(n, sizeof n, "blk.%d.%s", l, s), n)
        if (model__vec(m, LNAME("attn_norm.weight"), E, 0, &L->attn_norm, e) ||
            model__mat(m, LNAME("attn_q.weight"), E, Q, &L->wq, e) ||
            model__mat(m, LNAME("attn_k.weight"), E, KV, &L->wk, e) ||
            model__mat(m, LNAME("attn_v.weight"), E, KV, &L->wv, e) ||
            model__vec(m, LNAME("attn_q.bias"), Q, 1, &L->bq, e) ||
            model__vec(m, LNAME("attn_k.bias"), KV, 1, &L->bk, e) ||
            model__vec(m, LNAME("attn_v.bias"), KV, 1, &L->bv, e) ||
            model__mat(m, LNAME("attn_output.weight"), Q, E, &L->wo, e) ||
            model__vec(m, LNAME("ffn_norm.weight"), E, 0, &L->ffn_norm, e) ||
            model__mat(m, LNAME("ffn_gate.weight"), E, hp->n_ff, &L->gate, e) ||
            model__mat(m, LNAME("ffn_up.weight"), E, hp->n_ff, &L->up, e) ||
            model__mat(m, LNAME("ffn_down.weight"), hp->n_ff, E, &L->down, e))
            return -1;
#undef LNAME
    }
    for (uint64_t i = 0; i < g->n_tensors; i++) {
        gguf_tensor_at(g, i, &t);
        m->n_params += (uint64_t)(t.ne[0] * t.ne[1] * t.ne[2] * t.ne[3]);
    }
    return 0;
}

static void model_free(Model *m) { file_unmap(&m->map); }

/* ---- memory plan: every byte the run needs, line by line, before it starts ---- */

typedef struct {
    const char *label[24];
    size_t bytes[24];
    int n;
    size_t total;   /* bytes, each line rounded to the arena's alignment */
} Budget;

static void budget_add(Budget *b, const char *label, size_t bytes) {
    if (b->n < 24) b->label[b->n] = label, b->bytes[b->n] = bytes, b->n++;
    b->total += ARENA_ROUND(bytes) + ARENA_ALIGN;
}

/* Matrices of one input in one matmul job; rows of gate and up per SwiGLU piece. */
enum { MM_MAX = 3, MM_SWIGLU_ROWS = 64 };

typedef struct {
    int n_ctx;        /* KV cache positions */
    int n_batch;      /* tokens evaluated together */
    int n_logits;     /* rows of logits kept per evaluation (1, or n_batch for perplexity) */
    int kv_type;      /* T_F16 or T_F32 */
    int n_threads;
} RunOpts;

typedef struct {
    const Model *m;
    RunOpts o;
    Pool *pool;
    uint8_t *kcache, *vcache;  /* (n_layer, n_head_kv, n_ctx, head_dim) of kv_type: a KV head's
                                  positions one after the other, read as one stream */
    float *x;                  /* (n_batch, n_embd) residual stream */
    float *xn;                 /* (n_batch, n_embd) normalised */
    float *q;                  /* (n_batch, n_head * head_dim) */
    float *k, *v;              /* (n_batch, n_head_kv * head_dim) */
    float *att;                /* (n_batch, n_head * head_dim) attention output */
    float *ffa, *ffb;          /* (n_batch, n_ff) */
    uint8_t *xq;               /* (max(n_batch, n_threads), xq_row) activations in the weights' dot type */
    size_t xq_row;             /* bytes */
    uint8_t *xp;               /* (n_threads, MM_MAX, xp_bytes): one token prepared for KernImpl.gen */
    size_t xp_bytes;
    uint8_t *rows;             /* (n_threads, rows_bytes): interleaved weight rows copied back, or NULL */
    size_t rows_bytes;
    float *scores;             /* (n_threads, n_ctx) */
    float *logits;             /* (n_logits, n_vocab) */
    int n_past;                /* positions held in the KV cache */
} State;

static size_t state__kv_bytes(const Model *m, const RunOpts *o) {   /* K and V */
    const HParams *hp = &m->hp;
    return 2 * (size_t)hp->n_layer * (size_t)o->n_ctx * (size_t)hp->n_head_kv * hp->head_dim *
           (o->kv_type == T_F16 ? 2 : 4);
}

/* The widest input of any matmul. */
static int64_t state__width(const Model *m) {
    int64_t width = m->hp.n_ff > m->hp.n_embd ? m->hp.n_ff : m->hp.n_embd;
    int64_t qw = (int64_t)m->hp.n_head * m->hp.head_dim;
    return qw > width ? qw : width;
}

/* Largest bytes per element any activation conversion needs (F32 weights: 4). */
static size_t state__xq_row(const Model *m) { return (size_t)state__width(m) * 4 + 1024; }

/* One prepared copy of one token's activations, in whole cache lines. */
static size_t state__xp_bytes(const Model *m) { return (KERN_PREP_BYTES(state__width(m)) + 63) & ~(size_t)63; }

/* Rows of converted activations: the batch's, or one per thread for a token (each thread
 * converts its own, see MatmulJob); and the prepared copies, MM_MAX per thread. */
static size_t state__xq_rows(const RunOpts *o) { return (size_t)(o->n_batch > o->n_threads ? o->n_batch : o->n_threads); }
static size_t state__xp_total(const Model *m, const RunOpts *o) { return (size_t)o->n_threads * MM_MAX * state__xp_bytes(m); }

/* Per thread, the rows of an interleaved matrix copied back at a time (see Mat.il), of the
   widest; 0 when there is none. */
static size_t state__rows_bytes(const Model *m) {
    static Mat *mats[7 * LLM_MAX_LAYERS + 1];
    size_t big = 0;
    int n = model__mats((Model *)(uintptr_t)m, mats);
    for (int i = 0; i < n; i++)
        if (mats[i]->il) {
            const KernImpl *k = &kern_impl[mats[i]->type];
            size_t wrow = type_row_size(mats[i]->type, mats[i]->cols);
            size_t need = (size_t)(k->batch_il ? (k->gemv_r > k->tile_r ? k->gemv_r : k->tile_r) : mat__il_chunk(wrow)) * wrow;
            if (need > big) big = need;
        }
    return (big + 63) & ~(size_t)63;
}

static void state_budget(const Model *m, const RunOpts *o, Budget *b) {
    const HParams *hp = &m->hp;
    size_t B = (size_t)o->n_batch, f = sizeof(float);
    size_t qd = (size_t)hp->n_head * hp->head_dim, kvd = (size_t)hp->n_head_kv * hp->head_dim;
    budget_add(b, "KV cache", state__kv_bytes(m, o));
    budget_add(b, "activations", B * f * (2 * (size_t)hp->n_embd + 2 * qd + 2 * kvd + 2 * (size_t)hp->n_ff));
    budget_add(b, "quantised activations", state__xq_rows(o) * state__xq_row(m) + state__xp_total(m, o));
    if (state__rows_bytes(m)) budget_add(b, "interleaved rows copied back", (size_t)o->n_threads * state__rows_bytes(m));
    budget_add(b, "attention scores", (size_t)o->n_threads * (size_t)o->n_ctx * f);
    budget_add(b, "logits", (size_t)o->n_logits * (size_t)hp->n_vocab * f);
}

static int state_init(State *s, Arena *a, const Model *m, const RunOpts *o, Pool *pool, Err *e) {
    const HParams *hp = &m->hp;
    size_t B = (size_t)o->n_batch, f = sizeof(float);
    size_t qd = (size_t)hp->n_head * hp->head_dim, kvd = (size_t)hp->n_head_kv * hp->head_dim;
    memset(s, 0, sizeof *s);
    if (!kern_ready) kern_init(getenv("LLM_FORCE_REF") && strcmp(getenv("LLM_FORCE_REF"), "0"));
    s->m = m, s->o = *o, s->pool = pool;
    s->xq_row = state__xq_row(m), s->xp_bytes = state__xp_bytes(m);
    if (pool->n > o->n_threads) return err_set(e, "internal error: %d threads, state for %d", pool->n, o->n_threads);
    size_t kvb = state__kv_bytes(m, o);
    if (!(s->kcache = arena_alloc(a, kvb / 2)) || !(s->vcache = arena_alloc(a, kvb / 2)) ||
        !(s->x = arena_alloc(a, B * hp->n_embd * f)) || !(s->xn = arena_alloc(a, B * hp->n_embd * f)) ||
        !(s->q = arena_alloc(a, B * qd * f)) || !(s->att = arena_alloc(a, B * qd * f)) ||
        !(s->k = arena_alloc(a, B * kvd * f)) || !(s->v = arena_alloc(a, B * kvd * f)) ||
        !(s->ffa = arena_alloc(a, B * hp->n_ff * f)) || !(s->ffb = arena_alloc(a, B * hp->n_ff * f)) ||
        !(s->xq = arena_alloc(a, state__xq_rows(o) * s->xq_row)) || !(s->xp = arena_alloc(a, state__xp_total(m, o))) ||
        !(s->scores = arena_alloc(a, (size_t)o->n_threads * o->n_ctx * f)) ||
        ((s->rows_bytes = state__rows_bytes(m)) && !(s->rows = arena_alloc(a, (size_t)o->n_threads * s->rows_bytes))) ||
        !(s->logits = arena_alloc(a, (size_t)o->n_logits * hp->n_vocab * f)))
        return err_set(e, "internal error: the arena is smaller than the memory plan");
    return 0;
}

/* ---- building blocks ---- */

/* y = x / rms(x) * w over n elements (sum of squares in double, as the reference does). */
static void model__rmsnorm(float *y, const float *x, const float *w, int n, float eps) {
    double ss = 0;
    for (int i = 0; i < n; i++) ss += (double)x[i] * x[i];
    float scale = 1.0f / sqrtf((float)(ss / n) + eps);
    for (int i = 0; i < n; i++) y[i] = x[i] * scale * w[i];
}

/* Rotates the first rope_dim dimensions of each of n_heads heads of vec for position pos. */
/* The rotation angles of position pos: cs[2i], cs[2i+1] = cos, sin of pair i. The
 * angle grows by the same factor per pair, computed by repeated multiplication as
 * the reference does; it is the same for every head of Q and K. */
static void model__rope_angles(const Model *m, int pos, float *cs) {
    const HParams *hp = &m->hp;
    float theta_scale = powf(hp->rope_base, -2.0f / hp->rope_dim), theta = (float)pos;
    for (int i = 0; i < hp->rope_dim / 2; i++) {
        float th = theta * hp->rope_freq_scale / (m->rope_freqs ? m->rope_freqs[i] : 1.0f);
        cs[2 * i] = cosf(th), cs[2 * i + 1] = sinf(th);
        theta *= theta_scale;
    }
}

/* Rotates the first rope_dim dimensions of each of n_heads heads of vec. */
static void model__rope(const Model *m, float *vec, int n_heads, const float *cs) {
    const HParams *hp = &m->hp;
    int half = hp->rope_dim / 2;
    for (int h = 0; h < n_heads; h++) {
        float *x = vec + (size_t)h * hp->head_dim;
        for (int i = 0; i < half; i++) {
            int a = hp->rope_neox ? i : 2 * i, b = hp->rope_neox ? i + half : 2 * i + 1;
            float c = cs[2 * i], sn = cs[2 * i + 1], x0 = x[a], x1 = x[b];
            x[a] = x0 * c - x1 * sn;
            x[b] = x0 * sn + x1 * c;
        }
    }
}

/* A matmul job: up to MM_MAX matrices that read the same input (Q, K and V; gate and
 * up) in one pass of the pool, their activations converted once. With one token each
 * thread converts the activations itself, into its own buffers, so the job needs no
 * conversion pass before it: one pool pass per matmul instead of two. */
typedef struct {
    int nw;
    const Mat *w[MM_MAX];      /* all of one activation type (kern_type's vec_dot_type) */
    float *out[MM_MAX];        /* out[m][t * out_stride[m] + r] */
    int64_t out_stride[MM_MAX];
    int swiglu;                /* w[0], w[1] are gate and up: out[0] = silu(out[0]) * out[1] */
    int n;                     /* tokens */
    const float *in;           /* the input, n rows in_stride apart */
    int64_t in_stride;
    uint8_t *xq;               /* converted activations: n rows (n > 1) or a row per thread */
    size_t xq_row;
    uint8_t *xp;               /* one token: MM_MAX KernImpl.gen_prep outputs per thread, or NULL */
    size_t xp_bytes;
    uint8_t *rows;             /* per thread, rows_bytes: interleaved rows copied back (Mat.il) */
    size_t rows_bytes;
    Pool *pool;                /* its shares of row groups (pool_share_*) */
    /* set by matmul__plan */
    int prep[MM_MAX];          /* matrix m's prepared copy (slot in xp), -1: none */
    int batch[MM_MAX];         /* matrix m goes through KernImpl.batch in fixed shares */
    int64_t group[MM_MAX];     /* rows per shared unit */
    int64_t first[MM_MAX + 1]; /* matrix m's units are [first[m], first[m+1]) */
    int64_t chunk;             /* units a thread takes at a time */
} MatmulJob;

static void matmul_add(MatmulJob *j, const Mat *w, float *out, int64_t out_stride) {
    j->w[j->nw] = w, j->out[j->nw] = out, j->out_stride[j->nw] = out_stride, j->nw++;
}

/* Rows model__matmul_rows takes at once: a tile's, or for one token a gemv's when more. */
static int matmul__step(const KernImpl *k, int n) { return n == 1 && k->gemv && k->gemv_r > k->tile_r ? k->gemv_r : k->tile_r; }

/* The activation step of W's generation kernel: gen_il's for interleaved rows. */
static KernPrepFn matmul__prep_fn(const Mat *W) {
    const KernImpl *k = &kern_impl[W->type];
    return W->il ? k->gen_prep_il : k->gen_prep;
}

/* Before the job runs: which kernel each matrix takes, its units (gen_r rows for one
 * token, else matmul__step; with swiglu, MM_SWIGLU_ROWS rows of gate and up, so every
 * element of the product goes through kern_swiglu in the same 64-element piece as in a
 * separate pass), and the units in the pool's shares. A thread takes about 64 rows of
 * one token at a time (a few microseconds; a steal from the back of another thread's
 * share is never smaller than a prefetch stream is long). */
static void matmul__plan(MatmulJob *j) {
    int nprep = 0;
    j->first[0] = 0;
    for (int m = 0; m < j->nw; m++) {
        const KernImpl *k = &kern_impl[j->w[m]->type];
        j->prep[m] = -1;
        if (j->n == 1 && j->xp && k->gen) {
            for (int i = 0; i < m && j->prep[m] < 0; i++)
                if (j->prep[i] >= 0 && matmul__prep_fn(j->w[i]) == matmul__prep_fn(j->w[m])) j->prep[m] = j->prep[i];
            if (j->prep[m] < 0) j->prep[m] = nprep++;
        }
        j->batch[m] = k->batch && j->n >= k->batch_t && !j->swiglu;
        j->group[m] = j->swiglu ? MM_SWIGLU_ROWS : j->prep[m] >= 0 ? k->gen_r : matmul__step(k, j->n);
        int64_t units = j->batch[m] || (j->swiglu && m > 0) ? 0 : (j->w[m]->rows + j->group[m] - 1) / j->group[m];
        j->first[m + 1] = j->first[m] + units;
    }
    j->chunk = j->swiglu ? 1 : 64 / j->group[0] / j->n;
    if (j->chunk < 1) j->chunk = 1;
    pool_share_init(j->pool, j->first[j->nw]);
}

/* Converts the job's n tokens into xq, a share of the tokens per thread (n > 1). */
static void model__convert_job(void *ctx, int ith, int nth) {
    MatmulJob *j = ctx;
    const KernImpl *k = &kern_impl[kern_type(j->w[0]->type)->vec_dot_type];
    int64_t a, b;
    pool_split(j->n, ith, nth, &a, &b);
    for (int64_t t = a; t < b; t++)
        k->quant_act(j->in + t * j->in_stride, (void *)(j->xq + t * j->xq_row), j->w[0]->cols);
}

/* Rows [r, r + nr) (nr <= matmul__step; row r at w0, in the row layout) of matrix m for
 * all tokens, in tiles of tile_t tokens (one token: gemv_r rows at a time, then dot). */
static void model__matmul_rows(const MatmulJob *j, int m, const uint8_t *xq, const uint8_t *w0, int64_t r, int nr) {
    const Mat *W = j->w[m];
    const KernImpl *k = &kern_impl[W->type];
    size_t wrow = type_row_size(W->type, W->cols);
    int64_t os = j->out_stride[m];
    for (int t = 0; t < j->n; t += k->tile_t) {
        int nt = j->n - t < k->tile_t ? j->n - t : k->tile_t;
        float *out = j->out[m] + t * os + r;
        const uint8_t *x = xq + (size_t)t * j->xq_row;
        if (k->tile && nr == k->tile_r && nt == k->tile_t) {
            k->tile(w0, wrow, nr, x, j->xq_row, nt, W->cols, out, os);
            continue;
        }
        for (int tt = 0; tt < nt; tt++) {
            int rr = 0;
            if (k->gemv)
                for (; rr + k->gemv_r <= nr; rr += k->gemv_r)
                    k->gemv(w0 + (size_t)rr * wrow, wrow, k->gemv_r, x + (size_t)tt * j->xq_row, j->xq_row, 1,
                            W->cols, out + tt * os + rr, os);
            for (; rr < nr; rr++)
                out[tt * os + rr] = k->dot(w0 + (size_t)rr * wrow, x + (size_t)tt * j->xq_row, W->cols);
        }
    }
}

/* The first lines of the 4 KiB page after the one p is in: the hardware prefetchers stop
 * at page boundaries, and with the file mapping's small pages a stream would restart
 * cold every 4 KiB. Touched while the rows before it compute, the next page's stream is
 * under way when they get there. Not before the generation kernels (gen), which
 * prefetch every line 16 and 32 KiB ahead themselves: there the touch gained nothing
 * and cost a quarter of the speed on a Zen 5 (tinyllama-1.1b Q4_0, one thread, file
 * mapping: 34.5 t/s with it, 45.9 without; in the gemv and dot paths it changed nothing
 * there, and gained 4 points on the Intel machine it was measured on). */
static inline void matmul__prefetch_page(const uint8_t *p) {
    const char *next = (const char *)(((uintptr_t)p + 4096) & ~(uintptr_t)4095);
    __builtin_prefetch(next, 0, 3);
    __builtin_prefetch(next + 64, 0, 3);
}

/* Rows [r0, r1) of matrix m: with prepared activations gen_r rows at a time (dot for
 * the rest), else through model__matmul_rows in groups of matmul__step. */
static void matmul__range(const MatmulJob *j, int m, const uint8_t *xq, const uint8_t *xp, uint8_t *rows, int64_t r0,
                          int64_t r1) {
    const Mat *W = j->w[m];
    const KernImpl *k = &kern_impl[W->type];
    size_t wrow = type_row_size(W->type, W->cols);
    const uint8_t *w = W->data;
    if (xp) {
        KernTileFn gen = W->il ? k->gen_il : k->gen;   /* interleaved: whole fours of rows only */
        for (; r0 + k->gen_r <= r1; r0 += k->gen_r)
            gen(w + (size_t)r0 * wrow, wrow, k->gen_r, xp, 0, 1, W->cols, j->out[m] + r0, 1);
        for (; r0 < r1; r0++) j->out[m][r0] = k->dot(w + (size_t)r0 * wrow, xq, W->cols);
        return;
    }
    const int step = matmul__step(k, j->n);
    for (; r0 < r1; r0 += step) {
        int nr = r1 - r0 < step ? (int)(r1 - r0) : step;
        matmul__prefetch_page(w + (size_t)r0 * wrow);
        if (W->il) mat__rows(W, r0, nr, rows);        /* step and r0 are multiples of 4 (mat__can_interleave) */
        model__matmul_rows(j, m, xq, W->il ? rows : w + (size_t)r0 * wrow, r0, nr);
    }
}

/* Rows are split between threads; each walks its rows in units and, for each, all
 * tokens in blocks of tile_t: the weights stream from memory once and the (small)
 * converted activations stay in cache. The units are shared out with pool_share_next;
 * the batch kernels take all tokens of a fixed share of rows in one call. */
static void model__matmul_job(void *ctx, int ith, int nth) {
    MatmulJob *j = ctx;
    const uint8_t *xq = j->xq, *xp[MM_MAX] = { 0 };
    uint8_t *rows = j->rows ? j->rows + (size_t)ith * j->rows_bytes : NULL;
    if (j->n == 1) {                      /* this thread's own conversion */
        uint8_t *q = j->xq + (size_t)ith * j->xq_row;
        int64_t cols = j->w[0]->cols;
        kern_impl[kern_type(j->w[0]->type)->vec_dot_type].quant_act(j->in, q, cols);
        for (int m = 0; m < j->nw; m++)
            if (j->prep[m] >= 0) {
                uint8_t *p = j->xp + ((size_t)ith * MM_MAX + (size_t)j->prep[m]) * j->xp_bytes;
                if (!xp[j->prep[m]]) matmul__prep_fn(j->w[m])(q, p, cols);
                xp[j->prep[m]] = p;
            }
        xq = q;
    }
    for (int m = 0; m < j->nw; m++) {
        const Mat *W = j->w[m];
        const KernImpl *k = &kern_impl[W->type];
        if (!j->batch[m]) continue;
        int64_t a, b, units = (W->rows + k->batch_r - 1) / k->batch_r;
        pool_split(units, ith, nth, &a, &b);
        a *= k->batch_r, b *= k->batch_r;
        if (b > W->rows) b = W->rows;
        size_t wrow = type_row_size(W->type, W->cols);
        KernTileFn batch = W->il ? k->batch_il : k->batch;   /* a is a multiple of batch_r, so of 4 */
        if (a < b && batch)
            batch((const uint8_t *)W->data + (size_t)a * wrow, wrow, (int)(b - a), xq, j->xq_row, j->n, W->cols,
                  j->out[m] + a, j->out_stride[m]);
        for (int64_t c = a, ch = mat__il_chunk(wrow); !batch && c < b; c += ch) {   /* rows copied back */
            int64_t nr = b - c < ch ? b - c : ch;
            mat__rows(W, c, nr, rows);
            k->batch(rows, wrow, (int)nr, xq, j->xq_row, j->n, W->cols, j->out[m] + c, j->out_stride[m]);
        }
    }
    int64_t a, b;
    while (pool_share_next(j->pool, ith, nth, j->chunk, &a, &b))
        for (int64_t u = a; u < b; u++) {
            int m = 0;
            while (u >= j->first[m + 1]) m++;
            int64_t r0 = (u - j->first[m]) * j->group[m], r1 = r0 + j->group[m];
            if (r1 > j->w[m]->rows) r1 = j->w[m]->rows;
            matmul__range(j, m, xq, j->prep[m] >= 0 ? xp[j->prep[m]] : NULL, rows, r0, r1);
            if (!j->swiglu) continue;
            matmul__range(j, 1, xq, j->prep[1] >= 0 ? xp[j->prep[1]] : NULL, rows, r0, r1);
            kern_swiglu(j->out[0] + r0, j->out[1] + r0, r1 - r0);
        }
}

/* The job's matmuls: out[t][r] = W[r] . in[t] for t < n, after the conversion pass
 * when there are several tokens. */
static void matmul__run(State *s, MatmulJob *j) {
    matmul__plan(j);
    if (j->n > 1) pool_run(s->pool, model__convert_job, j);
    pool_run(s->pool, model__matmul_job, j);
}

static MatmulJob matmul__job(State *s, const float *in, int64_t in_stride, int n) {
    MatmulJob j = { 0 };
    j.n = n, j.in = in, j.in_stride = in_stride, j.pool = s->pool;
    j.xq = s->xq, j.xq_row = s->xq_row, j.xp = s->xp, j.xp_bytes = s->xp_bytes;
    j.rows = s->rows, j.rows_bytes = s->rows_bytes;
    return j;
}

/* One matrix: every weight row is used for all n tokens while it is in cache. */
static void model__matmul(State *s, const Mat *w, const float *in, int64_t in_stride, int n,
                          float *out, int64_t out_stride) {
    MatmulJob j = matmul__job(s, in, in_stride, n);
    matmul_add(&j, w, out, out_stride);
    matmul__run(s, &j);
}

typedef struct {
    State *s;
    int layer, n, pos0;
} AttnJob;

typedef struct {
    float *g;
    const float *u;
    int64_t n;
} SwigluJob;

static void model__swiglu_job(void *ctx, int ith, int nth) {
    SwigluJob *j = ctx;
    int64_t a, b;
    pool_split((j->n + 63) / 64, ith, nth, &a, &b);      /* in 64-element pieces */
    a *= 64, b = b * 64 < j->n ? b * 64 : j->n;
    if (a < b) kern_swiglu(j->g + a, j->u + a, b - a);
}

/* Two or three matrices of one input (out_stride = rows), in one job when their
 * activations are of one type. swiglu: gate and up, then out[0] = silu(gate) * up. */
static void model__matmul_n(State *s, const float *in, int64_t in_stride, int n, int nw, const Mat *const *w,
                            float *const *out, int swiglu) {
    int one = 1;
    for (int m = 1; m < nw; m++)
        one &= kern_type(w[m]->type)->vec_dot_type == kern_type(w[0]->type)->vec_dot_type && w[m]->cols == w[0]->cols;
    MatmulJob j = matmul__job(s, in, in_stride, n);
    for (int m = 0; m < nw; m++) {
        matmul_add(&j, w[m], out[m], w[m]->rows);
        if (!one) matmul__run(s, &j), j.nw = 0;
    }
    j.swiglu = one && swiglu && n == 1 && w[0]->rows == w[1]->rows;
    if (one) matmul__run(s, &j);
    if (swiglu && !j.swiglu) {
        SwigluJob sj = { out[0], out[1], (int64_t)n * w[0]->rows };
        pool_run(s->pool, model__swiglu_job, &sj);
    }
}

/* Attention of one query over cached positions 0..pos of one KV head with an F32 cache:
 * exact softmax in two passes (sc: pos+1 floats). With an F16 cache: kern_attn_f16. */
static void model__attn_f32(const State *s, const float *q, const float *kbase, const float *vbase,
                            int pos, float *sc, float *out) {
    const HParams *hp = &s->m->hp;
    int hd = hp->head_dim;
    size_t stride = (size_t)hd;                      /* a KV head's positions are adjacent */
    float scale = 1.0f / sqrtf((float)hd), mx = -INFINITY;
    for (int p = 0; p <= pos; p++) {
        const float *k = kbase + (size_t)p * stride;
        float dot = 0;
        for (int d = 0; d < hd; d++) dot += q[d] * k[d];
        sc[p] = dot * scale;
        if (sc[p] > mx) mx = sc[p];
    }
    double sum = 0;
    for (int p = 0; p <= pos; p++) sc[p] = expf(sc[p] - mx), sum += sc[p];
    float inv = (float)(1.0 / sum);
    for (int d = 0; d < hd; d++) out[d] = 0;
    for (int p = 0; p <= pos; p++) {
        const float *v = vbase + (size_t)p * stride;
        float w = sc[p] * inv;
        for (int d = 0; d < hd; d++) out[d] += w * v[d];
    }
}

/* Causal attention for every (token, head) of the batch: each query against all
 * cached positions up to its own. Heads share KV heads in groups (GQA); the threads
 * take (token, KV head, part of its group) units, the parts as large as leaves every
 * thread a unit, so a group's heads read their keys and values together. */
static void model__attn_job(void *ctx, int ith, int nth) {
    AttnJob *j = ctx;
    State *s = j->s;
    const HParams *hp = &s->m->hp;
    int hd = hp->head_dim, group = hp->n_head / hp->n_head_kv, part = group;
    size_t esz = s->o.kv_type == T_F16 ? 2 : 4;
    while (part > 1 && (int64_t)j->n * hp->n_head_kv * ((group + part - 1) / part) < nth) part = (part + 1) / 2;
    const int parts = (group + part - 1) / part;
    int64_t a, b;
    pool_split((int64_t)j->n * hp->n_head_kv * parts, ith, nth, &a, &b);
    for (int64_t it = a; it < b; it++) {
        int t = (int)(it / (hp->n_head_kv * parts)), kvh = (int)(it / parts % hp->n_head_kv);
        int h0 = kvh * group + (int)(it % parts) * part, nq = group - (h0 - kvh * group) < part ? group - (h0 - kvh * group) : part;
        const float *q = s->q + ((size_t)t * hp->n_head + h0) * hd;
        float *o = s->att + ((size_t)t * hp->n_head + h0) * hd;
        size_t base = ((size_t)j->layer * hp->n_head_kv + kvh) * s->o.n_ctx * hd * esz;
        const uint8_t *k = s->kcache + base, *v = s->vcache + base;
        if (s->o.kv_type == T_F16)
            kern_attn_f16(q, nq, (const uint16_t *)k, (const uint16_t *)v, (size_t)hd, j->pos0 + t + 1, hd,
                          1.0f / sqrtf((float)hd), o);
        else
            for (int g = 0; g < nq; g++)
                model__attn_f32(s, q + (size_t)g * hd, (const float *)k, (const float *)v, j->pos0 + t,
                                s->scores + (size_t)ith * s->o.n_ctx, o + (size_t)g * hd);
    }
}

/* Evaluates n tokens at positions n_past.. and appends them to the KV cache. Logits of
 * the last token go to logits[0], or of every token to logits[t] when all_logits. */
static int model_forward(State *s, const int32_t *tok, int n, int all_logits, Err *e) {
    const Model *m = s->m;
    const HParams *hp = &m->hp;
    int E = hp->n_embd, hd = hp->head_dim, qd = hp->n_head * hd, kvd = hp->n_head_kv * hd, F = hp->n_ff;
    if (n <= 0 || n > s->o.n_batch) return err_set(e, "internal error: batch of %d tokens", n);
    if (s->n_past + n > s->o.n_ctx)
        return err_set(e, "context is full (%d tokens); use a larger -c", s->o.n_ctx);
    if (all_logits && n > s->o.n_logits) return err_set(e, "internal error: %d logit rows", n);
    const KernType *et = kern_type(m->tok_embd.type);
    size_t erow = type_row_size(m->tok_embd.type, E);
    for (int t = 0; t < n; t++) {
        if (tok[t] < 0 || tok[t] >= hp->n_vocab)
            return err_set(e, "token id %d is outside the vocabulary (0..%d)", tok[t], hp->n_vocab - 1);
        et->to_float((const uint8_t *)m->tok_embd.data + (size_t)tok[t] * erow, s->x + (size_t)t * E, E);
    }
    size_t esz = s->o.kv_type == T_F16 ? 2 : 4;
    for (int l = 0; l < hp->n_layer; l++) {
        const Layer *L = &m->layers[l];
        for (int t = 0; t < n; t++)
            model__rmsnorm(s->xn + (size_t)t * E, s->x + (size_t)t * E, L->attn_norm, E, hp->eps);
        const Mat *qkv[3] = { &L->wq, &L->wk, &L->wv };
        float *qkv_out[3] = { s->q, s->k, s->v };
        model__matmul_n(s, s->xn, E, n, 3, qkv, qkv_out, 0);
        for (int t = 0; t < n; t++) {
            float *q = s->q + (size_t)t * qd, *k = s->k + (size_t)t * kvd, *v = s->v + (size_t)t * kvd;
            if (L->bq) for (int i = 0; i < qd; i++) q[i] += L->bq[i];
            if (L->bk) for (int i = 0; i < kvd; i++) k[i] += L->bk[i];
            if (L->bv) for (int i = 0; i < kvd; i++) v[i] += L->bv[i];
            float cs[1024];
            model__rope_angles(m, s->n_past + t, cs);
            model__rope(m, q, hp->n_head, cs);
            model__rope(m, k, hp->n_head_kv, cs);
            /* F16 cache: the activation converter writes the same bytes as f32_to_f16 */
            const KernImpl *cv = &kern_impl[s->o.kv_type];
            for (int h = 0; h < hp->n_head_kv; h++) {
                size_t off = (((size_t)l * hp->n_head_kv + h) * s->o.n_ctx + (size_t)(s->n_past + t)) * hd * esz;
                cv->quant_act(k + (size_t)h * hd, s->kcache + off, hd);
                cv->quant_act(v + (size_t)h * hd, s->vcache + off, hd);
            }
        }
        AttnJob aj = { s, l, n, s->n_past };
        pool_run(s->pool, model__attn_job, &aj);
        model__matmul(s, &L->wo, s->att, qd, n, s->xn, E);
        for (size_t i = 0; i < (size_t)n * E; i++) s->x[i] += s->xn[i];
        for (int t = 0; t < n; t++)
            model__rmsnorm(s->xn + (size_t)t * E, s->x + (size_t)t * E, L->ffn_norm, E, hp->eps);
        const Mat *gu[2] = { &L->gate, &L->up };
        float *gu_out[2] = { s->ffa, s->ffb };
        model__matmul_n(s, s->xn, E, n, 2, gu, gu_out, 1);
        model__matmul(s, &L->down, s->ffa, F, n, s->xn, E);
        for (size_t i = 0; i < (size_t)n * E; i++) s->x[i] += s->xn[i];
    }
    int first = all_logits ? 0 : n - 1, rows = n - first;
    for (int t = first; t < n; t++)
        model__rmsnorm(s->xn + (size_t)(t - first) * E, s->x + (size_t)t * E, m->output_norm, E, hp->eps);
    model__matmul(s, &m->output, s->xn, E, rows, s->logits, hp->n_vocab);
    s->n_past += n;
    return 0;
}

/* ============================================================================
 * 13. tokenizer: SentencePiece and byte-level BPE, pre-tokenizers, Unicode tables
 *
 * Matches llama.cpp's tokenizer (src/llama-vocab.cpp, src/unicode.cpp), whose test
 * vectors come from Hugging Face tokenizers:
 *  - text first loses its special tokens (control/user-defined, longest first), then
 *  - SPM ("llama"): spaces become U+2581, a leading one is added, UTF-8 characters are
 *    merged pairwise by vocabulary score (highest first, leftmost on ties); what is left
 *    unknown becomes <0xXX> byte tokens;
 *  - BPE ("gpt2"): a list of regexes splits the text (each one splitting the pieces the
 *    previous produced, keeping matches and the text between them), each piece is
 *    mapped byte by byte to GPT-2's printable "byte-level" characters and merged by
 *    merge rank.
 * The regexes run on a small backtracking engine (below) with Unicode categories from
 * a generated table; a memo of visited (branch, position) states keeps every match
 * polynomial, so a 100 kB run of spaces is as cheap as a short one.
 * Memory: tables in the arena given to tok_init (sized by tok_mem_size); tok_encode
 * works in a scratch arena (sized by tok_scratch_size) and leaves it as it found it.
 * ========================================================================== */

/* BEGIN GENERATED: tools/gen_unicode.py */
/* Unicode 15.0.0 general categories and White_Space, from Debian's unicode-data
 * (UnicodeData.txt, PropList.txt). Do not edit: rerun tools/gen_unicode.py. */
enum {
    TOK_UCAT_CN = 0, TOK_UCAT_LU = 1, TOK_UCAT_LL = 2, TOK_UCAT_LT = 3, TOK_UCAT_LM = 4, TOK_UCAT_LO = 5,
    TOK_UCAT_MN = 6, TOK_UCAT_MC = 7, TOK_UCAT_ME = 8, TOK_UCAT_ND = 9, TOK_UCAT_NL = 10, TOK_UCAT_NO = 11,
    TOK_UCAT_PC = 12, TOK_UCAT_PD = 13, TOK_UCAT_PS = 14, TOK_UCAT_PE = 15, TOK_UCAT_PI = 16, TOK_UCAT_PF = 17,
    TOK_UCAT_PO = 18, TOK_UCAT_SM = 19, TOK_UCAT_SC = 20, TOK_UCAT_SK = 21, TOK_UCAT_SO = 22, TOK_UCAT_ZS = 23,
    TOK_UCAT_ZL = 24, TOK_UCAT_ZP = 25, TOK_UCAT_CC = 26, TOK_UCAT_CF = 27, TOK_UCAT_CS = 28, TOK_UCAT_CO = 29,
    TOK_UCAT_COUNT = 30
};
/* One-letter groups as category bit masks (1u << TOK_UCAT_X). */
#define TOK_UCAT_MASK_L 0x0000003Eu
#define TOK_UCAT_MASK_M 0x000001C0u
#define TOK_UCAT_MASK_N 0x00000E00u
#define TOK_UCAT_MASK_P 0x0007F000u
#define TOK_UCAT_MASK_S 0x00780000u
#define TOK_UCAT_MASK_Z 0x03800000u
#define TOK_UCAT_MASK_C 0x3C000001u

/* Range starts, ascending from 0: entry = start << 6 | White_Space << 5 | category;
 * a range runs to the next entry's start. 4011 entries. */
static const uint32_t tok__ucd_ranges[4011] = {
    0x0000001A, 0x0000027A, 0x0000039A, 0x00000837, 0x00000852, 0x00000914, 0x00000952, 0x00000A0E,
    0x00000A4F, 0x00000A92, 0x00000AD3, 0x00000B12, 0x00000B4D, 0x00000B92, 0x00000C09, 0x00000E92,
    0x00000F13, 0x00000FD2, 0x00001041, 0x000016CE, 0x00001712, 0x0000174F, 0x00001795, 0x000017CC,
    0x00001815, 0x00001842, 0x00001ECE, 0x00001F13, 0x00001F4F, 0x00001F93, 0x00001FDA, 0x0000217A,
    0x0000219A, 0x00002837, 0x00002852, 0x00002894, 0x00002996, 0x000029D2, 0x00002A15, 0x00002A56,
    0x00002A85, 0x00002AD0, 0x00002B13, 0x00002B5B, 0x00002B96, 0x00002BD5, 0x00002C16, 0x00002C53,
    0x00002C8B, 0x00002D15, 0x00002D42, 0x00002D92, 0x00002E15, 0x00002E4B, 0x00002E85, 0x00002ED1,
    0x00002F0B, 0x00002FD2, 0x00003001, 0x000035D3, 0x00003601, 0x000037C2, 0x00003DD3, 0x00003E02,
    0x00004001, 0x00004042, 0x00004081, 0x000040C2, 0x00004101, 0x00004142, 0x00004181, 0x000041C2,
    0x00004201, 0x00004242, 0x00004281, 0x000042C2, 0x00004301, 0x00004342, 0x00004381, 0x000043C2,
    0x00004401, 0x00004442, 0x00004481, 0x000044C2, 0x00004501, 0x00004542, 0x00004581, 0x000045C2,
    0x00004601, 0x00004642, 0x00004681, 0x000046C2, 0x00004701, 0x00004742, 0x00004781, 0x000047C2,
    0x00004801, 0x00004842, 0x00004881, 0x000048C2, 0x00004901, 0x00004942, 0x00004981, 0x000049C2,
    0x00004A01, 0x00004A42, 0x00004A81, 0x00004AC2, 0x00004B01, 0x00004B42, 0x00004B81, 0x00004BC2,
    0x00004C01, 0x00004C42, 0x00004C81, 0x00004CC2, 0x00004D01, 0x00004D42, 0x00004D81, 0x00004DC2,
    0x00004E41, 0x00004E82, 0x00004EC1, 0x00004F02, 0x00004F41, 0x00004F82, 0x00004FC1, 0x00005002,
    0x00005041, 0x00005082, 0x000050C1, 0x00005102, 0x00005141, 0x00005182, 0x000051C1, 0x00005202,
    0x00005281, 0x000052C2, 0x00005301, 0x00005342, 0x00005381, 0x000053C2, 0x00005401, 0x00005442,
    0x00005481, 0x000054C2, 0x00005501, 0x00005542, 0x00005581, 0x000055C2, 0x00005601, 0x00005642,
    0x00005681, 0x000056C2, 0x00005701, 0x00005742, 0x00005781, 0x000057C2, 0x00005801, 0x00005842,
    0x00005881, 0x000058C2, 0x00005901, 0x00005942, 0x00005981, 0x000059C2, 0x00005A01, 0x00005A42,
    0x00005A81, 0x00005AC2, 0x00005B01, 0x00005B42, 0x00005B81, 0x00005BC2, 0x00005C01, 0x00005C42,
    0x00005C81, 0x00005CC2, 0x00005D01, 0x00005D42, 0x00005D81, 0x00005DC2, 0x00005E01, 0x00005E82,
    0x00005EC1, 0x00005F02, 0x00005F41, 0x00005F82, 0x00006041, 0x000060C2, 0x00006101, 0x00006142,
    0x00006181, 0x00006202, 0x00006241, 0x00006302, 0x00006381, 0x00006482, 0x000064C1, 0x00006542,
    0x00006581, 0x00006642, 0x00006701, 0x00006782, 0x000067C1, 0x00006842, 0x00006881, 0x000068C2,
    0x00006901, 0x00006942, 0x00006981, 0x00006A02, 0x00006A41, 0x00006A82, 0x00006B01, 0x00006B42,
    0x00006B81, 0x00006C02, 0x00006C41, 0x00006D02, 0x00006D41, 0x00006D82, 0x00006DC1, 0x00006E42,
    0x00006EC5, 0x00006F01, 0x00006F42, 0x00007005, 0x00007101, 0x00007143, 0x00007182, 0x000071C1,
    0x00007203, 0x00007242, 0x00007281, 0x000072C3, 0x00007302, 0x00007341, 0x00007382, 0x000073C1,
    0x00007402, 0x00007441, 0x00007482, 0x000074C1, 0x00007502, 0x00007541, 0x00007582, 0x000075C1,
    0x00007602, 0x00007641, 0x00007682, 0x000076C1, 0x00007702, 0x00007781, 0x000077C2, 0x00007801,
    0x00007842, 0x00007881, 0x000078C2, 0x00007901, 0x00007942, 0x00007981, 0x000079C2, 0x00007A01,
    0x00007A42, 0x00007A81, 0x00007AC2, 0x00007B01, 0x00007B42, 0x00007B81, 0x00007BC2, 0x00007C41,
    0x00007C83, 0x00007CC2, 0x00007D01, 0x00007D42, 0x00007D81, 0x00007E42, 0x00007E81, 0x00007EC2,
    0x00007F01, 0x00007F42, 0x00007F81, 0x00007FC2, 0x00008001, 0x00008042, 0x00008081, 0x000080C2,
    0x00008101, 0x00008142, 0x00008181, 0x000081C2, 0x00008201, 0x00008242, 0x00008281, 0x000082C2,
    0x00008301, 0x00008342, 0x00008381, 0x000083C2, 0x00008401, 0x00008442, 0x00008481, 0x000084C2,
    0x00008501, 0x00008542, 0x00008581, 0x000085C2, 0x00008601, 0x00008642, 0x00008681, 0x000086C2,
    0x00008701, 0x00008742, 0x00008781, 0x000087C2, 0x00008801, 0x00008842, 0x00008881, 0x000088C2,
    0x00008901, 0x00008942, 0x00008981, 0x000089C2, 0x00008A01, 0x00008A42, 0x00008A81, 0x00008AC2,
    0x00008B01, 0x00008B42, 0x00008B81, 0x00008BC2, 0x00008C01, 0x00008C42, 0x00008C81, 0x00008CC2,
    0x00008E81, 0x00008F02, 0x00008F41, 0x00008FC2, 0x00009041, 0x00009082, 0x000090C1, 0x000091C2,
    0x00009201, 0x00009242, 0x00009281, 0x000092C2, 0x00009301, 0x00009342, 0x00009381, 0x000093C2,
    0x0000A505, 0x0000A542, 0x0000AC04, 0x0000B095, 0x0000B184, 0x0000B495, 0x0000B804, 0x0000B955,
    0x0000BB04, 0x0000BB55, 0x0000BB84, 0x0000BBD5, 0x0000C006, 0x0000DC01, 0x0000DC42, 0x0000DC81,
    0x0000DCC2, 0x0000DD04, 0x0000DD55, 0x0000DD81, 0x0000DDC2, 0x0000DE00, 0x0000DE84, 0x0000DEC2,
    0x0000DF92, 0x0000DFC1, 0x0000E000, 0x0000E115, 0x0000E181, 0x0000E1D2, 0x0000E201, 0x0000E2C0,
    0x0000E301, 0x0000E340, 0x0000E381, 0x0000E402, 0x0000E441, 0x0000E880, 0x0000E8C1, 0x0000EB02,
    0x0000F3C1, 0x0000F402, 0x0000F481, 0x0000F542, 0x0000F601, 0x0000F642, 0x0000F681, 0x0000F6C2,
    0x0000F701, 0x0000F742, 0x0000F781, 0x0000F7C2, 0x0000F801, 0x0000F842, 0x0000F881, 0x0000F8C2,
    0x0000F901, 0x0000F942, 0x0000F981, 0x0000F9C2, 0x0000FA01, 0x0000FA42, 0x0000FA81, 0x0000FAC2,
    0x0000FB01, 0x0000FB42, 0x0000FB81, 0x0000FBC2, 0x0000FD01, 0x0000FD42, 0x0000FD93, 0x0000FDC1,
    0x0000FE02, 0x0000FE41, 0x0000FEC2, 0x0000FF41, 0x00010C02, 0x00011801, 0x00011842, 0x00011881,
    0x000118C2, 0x00011901, 0x00011942, 0x00011981, 0x000119C2, 0x00011A01, 0x00011A42, 0x00011A81,
    0x00011AC2, 0x00011B01, 0x00011B42, 0x00011B81, 0x00011BC2, 0x00011C01, 0x00011C42, 0x00011C81,
    0x00011CC2, 0x00011D01, 0x00011D42, 0x00011D81, 0x00011DC2, 0x00011E01, 0x00011E42, 0x00011E81,
    0x00011EC2, 0x00011F01, 0x00011F42, 0x00011F81, 0x00011FC2, 0x00012001, 0x00012042, 0x00012096,
    0x000120C6, 0x00012208, 0x00012281, 0x000122C2, 0x00012301, 0x00012342, 0x00012381, 0x000123C2,
    0x00012401, 0x00012442, 0x00012481, 0x000124C2, 0x00012501, 0x00012542, 0x00012581, 0x000125C2,
    0x00012601, 0x00012642, 0x00012681, 0x000126C2, 0x00012701, 0x00012742, 0x00012781, 0x000127C2,
    0x00012801, 0x00012842, 0x00012881, 0x000128C2, 0x00012901, 0x00012942, 0x00012981, 0x000129C2,
    0x00012A01, 0x00012A42, 0x00012A81, 0x00012AC2, 0x00012B01, 0x00012B42, 0x00012B81, 0x00012BC2,
    0x00012C01, 0x00012C42, 0x00012C81, 0x00012CC2, 0x00012D01, 0x00012D42, 0x00012D81, 0x00012DC2,
    0x00012E01, 0x00012E42, 0x00012E81, 0x00012EC2, 0x00012F01, 0x00012F42, 0x00012F81, 0x00012FC2,
    0x00013001, 0x00013082, 0x000130C1, 0x00013102, 0x00013141, 0x00013182, 0x000131C1, 0x00013202,
    0x00013241, 0x00013282, 0x000132C1, 0x00013302, 0x00013341, 0x00013382, 0x00013401, 0x00013442,
    0x00013481, 0x000134C2, 0x00013501, 0x00013542, 0x00013581, 0x000135C2, 0x00013601, 0x00013642,
    0x00013681, 0x000136C2, 0x00013701, 0x00013742, 0x00013781, 0x000137C2, 0x00013801, 0x00013842,
    0x00013881, 0x000138C2, 0x00013901, 0x00013942, 0x00013981, 0x000139C2, 0x00013A01, 0x00013A42,
    0x00013A81, 0x00013AC2, 0x00013B01, 0x00013B42, 0x00013B81, 0x00013BC2, 0x00013C01, 0x00013C42,
    0x00013C81, 0x00013CC2, 0x00013D01, 0x00013D42, 0x00013D81, 0x00013DC2, 0x00013E01, 0x00013E42,
    0x00013E81, 0x00013EC2, 0x00013F01, 0x00013F42, 0x00013F81, 0x00013FC2, 0x00014001, 0x00014042,
    0x00014081, 0x000140C2, 0x00014101, 0x00014142, 0x00014181, 0x000141C2, 0x00014201, 0x00014242,
    0x00014281, 0x000142C2, 0x00014301, 0x00014342, 0x00014381, 0x000143C2, 0x00014401, 0x00014442,
    0x00014481, 0x000144C2, 0x00014501, 0x00014542, 0x00014581, 0x000145C2, 0x00014601, 0x00014642,
    0x00014681, 0x000146C2, 0x00014701, 0x00014742, 0x00014781, 0x000147C2, 0x00014801, 0x00014842,
    0x00014881, 0x000148C2, 0x00014901, 0x00014942, 0x00014981, 0x000149C2, 0x00014A01, 0x00014A42,
    0x00014A81, 0x00014AC2, 0x00014B01, 0x00014B42, 0x00014B81, 0x00014BC2, 0x00014C00, 0x00014C41,
    0x000155C0, 0x00015644, 0x00015692, 0x00015802, 0x00016252, 0x0001628D, 0x000162C0, 0x00016356,
    0x000163D4, 0x00016400, 0x00016446, 0x00016F8D, 0x00016FC6, 0x00017012, 0x00017046, 0x000170D2,
    0x00017106, 0x00017192, 0x000171C6, 0x00017200, 0x00017405, 0x00017AC0, 0x00017BC5, 0x00017CD2,
    0x00017D40, 0x0001801B, 0x00018193, 0x00018252, 0x000182D4, 0x00018312, 0x00018396, 0x00018406,
    0x000186D2, 0x0001871B, 0x00018752, 0x00018805, 0x00019004, 0x00019045, 0x000192C6, 0x00019809,
    0x00019A92, 0x00019B85, 0x00019C06, 0x00019C45, 0x0001B512, 0x0001B545, 0x0001B586, 0x0001B75B,
    0x0001B796, 0x0001B7C6, 0x0001B944, 0x0001B9C6, 0x0001BA56, 0x0001BA86, 0x0001BB85, 0x0001BC09,
    0x0001BE85, 0x0001BF56, 0x0001BFC5, 0x0001C012, 0x0001C380, 0x0001C3DB, 0x0001C405, 0x0001C446,
    0x0001C485, 0x0001CC06, 0x0001D2C0, 0x0001D345, 0x0001E986, 0x0001EC45, 0x0001EC80, 0x0001F009,
    0x0001F285, 0x0001FAC6, 0x0001FD04, 0x0001FD96, 0x0001FDD2, 0x0001FE84, 0x0001FEC0, 0x0001FF46,
    0x0001FF94, 0x00020005, 0x00020586, 0x00020684, 0x000206C6, 0x00020904, 0x00020946, 0x00020A04,
    0x00020A46, 0x00020B80, 0x00020C12, 0x00020FC0, 0x00021005, 0x00021646, 0x00021700, 0x00021792,
    0x000217C0, 0x00021805, 0x00021AC0, 0x00021C05, 0x00022215, 0x00022245, 0x000223C0, 0x0002241B,
    0x00022480, 0x00022606, 0x00022805, 0x00023244, 0x00023286, 0x0002389B, 0x000238C6, 0x000240C7,
    0x00024105, 0x00024E86, 0x00024EC7, 0x00024F06, 0x00024F45, 0x00024F87, 0x00025046, 0x00025247,
    0x00025346, 0x00025387, 0x00025405, 0x00025446, 0x00025605, 0x00025886, 0x00025912, 0x00025989,
    0x00025C12, 0x00025C44, 0x00025C85, 0x00026046, 0x00026087, 0x00026100, 0x00026145, 0x00026340,
    0x000263C5, 0x00026440, 0x000264C5, 0x00026A40, 0x00026A85, 0x00026C40, 0x00026C85, 0x00026CC0,
    0x00026D85, 0x00026E80, 0x00026F06, 0x00026F45, 0x00026F87, 0x00027046, 0x00027140, 0x000271C7,
    0x00027240, 0x000272C7, 0x00027346, 0x00027385, 0x000273C0, 0x000275C7, 0x00027600, 0x00027705,
    0x00027780, 0x000277C5, 0x00027886, 0x00027900, 0x00027989, 0x00027C05, 0x00027C94, 0x00027D0B,
    0x00027E96, 0x00027ED4, 0x00027F05, 0x00027F52, 0x00027F86, 0x00027FC0, 0x00028046, 0x000280C7,
    0x00028100, 0x00028145, 0x000282C0, 0x000283C5, 0x00028440, 0x000284C5, 0x00028A40, 0x00028A85,
    0x00028C40, 0x00028C85, 0x00028D00, 0x00028D45, 0x00028DC0, 0x00028E05, 0x00028E80, 0x00028F06,
    0x00028F40, 0x00028F87, 0x00029046, 0x000290C0, 0x000291C6, 0x00029240, 0x000292C6, 0x00029380,
    0x00029446, 0x00029480, 0x00029645, 0x00029740, 0x00029785, 0x000297C0, 0x00029989, 0x00029C06,
    0x00029C85, 0x00029D46, 0x00029D92, 0x00029DC0, 0x0002A046, 0x0002A0C7, 0x0002A100, 0x0002A145,
    0x0002A380, 0x0002A3C5, 0x0002A480, 0x0002A4C5, 0x0002AA40, 0x0002AA85, 0x0002AC40, 0x0002AC85,
    0x0002AD00, 0x0002AD45, 0x0002AE80, 0x0002AF06, 0x0002AF45, 0x0002AF87, 0x0002B046, 0x0002B180,
    0x0002B1C6, 0x0002B247, 0x0002B280, 0x0002B2C7, 0x0002B346, 0x0002B380, 0x0002B405, 0x0002B440,
    0x0002B805, 0x0002B886, 0x0002B900, 0x0002B989, 0x0002BC12, 0x0002BC54, 0x0002BC80, 0x0002BE45,
    0x0002BE86, 0x0002C000, 0x0002C046, 0x0002C087, 0x0002C100, 0x0002C145, 0x0002C340, 0x0002C3C5,
    0x0002C440, 0x0002C4C5, 0x0002CA40, 0x0002CA85, 0x0002CC40, 0x0002CC85, 0x0002CD00, 0x0002CD45,
    0x0002CE80, 0x0002CF06, 0x0002CF45, 0x0002CF87, 0x0002CFC6, 0x0002D007, 0x0002D046, 0x0002D140,
    0x0002D1C7, 0x0002D240, 0x0002D2C7, 0x0002D346, 0x0002D380, 0x0002D546, 0x0002D5C7, 0x0002D600,
    0x0002D705, 0x0002D780, 0x0002D7C5, 0x0002D886, 0x0002D900, 0x0002D989, 0x0002DC16, 0x0002DC45,
    0x0002DC8B, 0x0002DE00, 0x0002E086, 0x0002E0C5, 0x0002E100, 0x0002E145, 0x0002E2C0, 0x0002E385,
    0x0002E440, 0x0002E485, 0x0002E580, 0x0002E645, 0x0002E6C0, 0x0002E705, 0x0002E740, 0x0002E785,
    0x0002E800, 0x0002E8C5, 0x0002E940, 0x0002EA05, 0x0002EAC0, 0x0002EB85, 0x0002EE80, 0x0002EF87,
    0x0002F006, 0x0002F047, 0x0002F0C0, 0x0002F187, 0x0002F240, 0x0002F287, 0x0002F346, 0x0002F380,
    0x0002F405, 0x0002F440, 0x0002F5C7, 0x0002F600, 0x0002F989, 0x0002FC0B, 0x0002FCD6, 0x0002FE54,
    0x0002FE96, 0x0002FEC0, 0x00030006, 0x00030047, 0x00030106, 0x00030145, 0x00030340, 0x00030385,
    0x00030440, 0x00030485, 0x00030A40, 0x00030A85, 0x00030E80, 0x00030F06, 0x00030F45, 0x00030F86,
    0x00031047, 0x00031140, 0x00031186, 0x00031240, 0x00031286, 0x00031380, 0x00031546, 0x000315C0,
    0x00031605, 0x000316C0, 0x00031745, 0x00031780, 0x00031805, 0x00031886, 0x00031900, 0x00031989,
    0x00031C00, 0x00031DD2, 0x00031E0B, 0x00031FD6, 0x00032005, 0x00032046, 0x00032087, 0x00032112,
    0x00032145, 0x00032340, 0x00032385, 0x00032440, 0x00032485, 0x00032A40, 0x00032A85, 0x00032D00,
    0x00032D45, 0x00032E80, 0x00032F06, 0x00032F45, 0x00032F87, 0x00032FC6, 0x00033007, 0x00033140,
    0x00033186, 0x000331C7, 0x00033240, 0x00033287, 0x00033306, 0x00033380, 0x00033547, 0x000335C0,
    0x00033745, 0x000337C0, 0x00033805, 0x00033886, 0x00033900, 0x00033989, 0x00033C00, 0x00033C45,
    0x00033CC7, 0x00033D00, 0x00034006, 0x00034087, 0x00034105, 0x00034340, 0x00034385, 0x00034440,
    0x00034485, 0x00034EC6, 0x00034F45, 0x00034F87, 0x00035046, 0x00035140, 0x00035187, 0x00035240,
    0x00035287, 0x00035346, 0x00035385, 0x000353D6, 0x00035400, 0x00035505, 0x000355C7, 0x0003560B,
    0x000357C5, 0x00035886, 0x00035900, 0x00035989, 0x00035C0B, 0x00035E56, 0x00035E85, 0x00036000,
    0x00036046, 0x00036087, 0x00036100, 0x00036145, 0x000365C0, 0x00036685, 0x00036C80, 0x00036CC5,
    0x00036F00, 0x00036F45, 0x00036F80, 0x00037005, 0x000371C0, 0x00037286, 0x000372C0, 0x000373C7,
    0x00037486, 0x00037540, 0x00037586, 0x000375C0, 0x00037607, 0x00037800, 0x00037989, 0x00037C00,
    0x00037C87, 0x00037D12, 0x00037D40, 0x00038045, 0x00038C46, 0x00038C85, 0x00038D06, 0x00038EC0,
    0x00038FD4, 0x00039005, 0x00039184, 0x000391C6, 0x000393D2, 0x00039409, 0x00039692, 0x00039700,
    0x0003A045, 0x0003A0C0, 0x0003A105, 0x0003A140, 0x0003A185, 0x0003A2C0, 0x0003A305, 0x0003A900,
    0x0003A945, 0x0003A980, 0x0003A9C5, 0x0003AC46, 0x0003AC85, 0x0003AD06, 0x0003AF45, 0x0003AF80,
    0x0003B005, 0x0003B140, 0x0003B184, 0x0003B1C0, 0x0003B206, 0x0003B3C0, 0x0003B409, 0x0003B680,
    0x0003B705, 0x0003B800, 0x0003C005, 0x0003C056, 0x0003C112, 0x0003C4D6, 0x0003C512, 0x0003C556,
    0x0003C606, 0x0003C696, 0x0003C809, 0x0003CA8B, 0x0003CD16, 0x0003CD46, 0x0003CD96, 0x0003CDC6,
    0x0003CE16, 0x0003CE46, 0x0003CE8E, 0x0003CECF, 0x0003CF0E, 0x0003CF4F, 0x0003CF87, 0x0003D005,
    0x0003D200, 0x0003D245, 0x0003DB40, 0x0003DC46, 0x0003DFC7, 0x0003E006, 0x0003E152, 0x0003E186,
    0x0003E205, 0x0003E346, 0x0003E600, 0x0003E646, 0x0003EF40, 0x0003EF96, 0x0003F186, 0x0003F1D6,
    0x0003F340, 0x0003F396, 0x0003F412, 0x0003F556, 0x0003F652, 0x0003F6C0, 0x00040005, 0x00040AC7,
    0x00040B46, 0x00040C47, 0x00040C86, 0x00040E07, 0x00040E46, 0x00040EC7, 0x00040F46, 0x00040FC5,
    0x00041009, 0x00041292, 0x00041405, 0x00041587, 0x00041606, 0x00041685, 0x00041786, 0x00041845,
    0x00041887, 0x00041945, 0x000419C7, 0x00041B85, 0x00041C46, 0x00041D45, 0x00042086, 0x000420C7,
    0x00042146, 0x000421C7, 0x00042346, 0x00042385, 0x000423C7, 0x00042409, 0x00042687, 0x00042746,
    0x00042796, 0x00042801, 0x00043180, 0x000431C1, 0x00043200, 0x00043341, 0x00043380, 0x00043402,
    0x00043ED2, 0x00043F04, 0x00043F42, 0x00044005, 0x00049240, 0x00049285, 0x00049380, 0x00049405,
    0x000495C0, 0x00049605, 0x00049640, 0x00049685, 0x00049780, 0x00049805, 0x0004A240, 0x0004A285,
    0x0004A380, 0x0004A405, 0x0004AC40, 0x0004AC85, 0x0004AD80, 0x0004AE05, 0x0004AFC0, 0x0004B005,
    0x0004B040, 0x0004B085, 0x0004B180, 0x0004B205, 0x0004B5C0, 0x0004B605, 0x0004C440, 0x0004C485,
    0x0004C580, 0x0004C605, 0x0004D6C0, 0x0004D746, 0x0004D812, 0x0004DA4B, 0x0004DF40, 0x0004E005,
    0x0004E416, 0x0004E680, 0x0004E801, 0x0004FD80, 0x0004FE02, 0x0004FF80, 0x0005000D, 0x00050045,
    0x00059B56, 0x00059B92, 0x00059BC5, 0x0005A037, 0x0005A045, 0x0005A6CE, 0x0005A70F, 0x0005A740,
    0x0005A805, 0x0005BAD2, 0x0005BB8A, 0x0005BC45, 0x0005BE40, 0x0005C005, 0x0005C486, 0x0005C547,
    0x0005C580, 0x0005C7C5, 0x0005CC86, 0x0005CD07, 0x0005CD52, 0x0005CDC0, 0x0005D005, 0x0005D486,
    0x0005D500, 0x0005D805, 0x0005DB40, 0x0005DB85, 0x0005DC40, 0x0005DC86, 0x0005DD00, 0x0005E005,
    0x0005ED06, 0x0005ED87, 0x0005EDC6, 0x0005EF87, 0x0005F186, 0x0005F1C7, 0x0005F246, 0x0005F512,
    0x0005F5C4, 0x0005F612, 0x0005F6D4, 0x0005F705, 0x0005F746, 0x0005F780, 0x0005F809, 0x0005FA80,
    0x0005FC0B, 0x0005FE80, 0x00060012, 0x0006018D, 0x000601D2, 0x000602C6, 0x0006039B, 0x000603C6,
    0x00060409, 0x00060680, 0x00060805, 0x000610C4, 0x00061105, 0x00061E40, 0x00062005, 0x00062146,
    0x000621C5, 0x00062A46, 0x00062A85, 0x00062AC0, 0x00062C05, 0x00063D80, 0x00064005, 0x000647C0,
    0x00064806, 0x000648C7, 0x000649C6, 0x00064A47, 0x00064B00, 0x00064C07, 0x00064C86, 0x00064CC7,
    0x00064E46, 0x00064F00, 0x00065016, 0x00065040, 0x00065112, 0x00065189, 0x00065405, 0x00065B80,
    0x00065C05, 0x00065D40, 0x00066005, 0x00066B00, 0x00066C05, 0x00067280, 0x00067409, 0x0006768B,
    0x000676C0, 0x00067796, 0x00068005, 0x000685C6, 0x00068647, 0x000686C6, 0x00068700, 0x00068792,
    0x00068805, 0x00069547, 0x00069586, 0x000695C7, 0x00069606, 0x000697C0, 0x00069806, 0x00069847,
    0x00069886, 0x000698C7, 0x00069946, 0x00069B47, 0x00069CC6, 0x00069F40, 0x00069FC6, 0x0006A009,
    0x0006A280, 0x0006A409, 0x0006A680, 0x0006A812, 0x0006A9C4, 0x0006AA12, 0x0006AB80, 0x0006AC06,
    0x0006AF88, 0x0006AFC6, 0x0006B3C0, 0x0006C006, 0x0006C107, 0x0006C145, 0x0006CD06, 0x0006CD47,
    0x0006CD86, 0x0006CEC7, 0x0006CF06, 0x0006CF47, 0x0006D086, 0x0006D0C7, 0x0006D145, 0x0006D340,
    0x0006D409, 0x0006D692, 0x0006D856, 0x0006DAC6, 0x0006DD16, 0x0006DF52, 0x0006DFC0, 0x0006E006,
    0x0006E087, 0x0006E0C5, 0x0006E847, 0x0006E886, 0x0006E987, 0x0006EA06, 0x0006EA87, 0x0006EAC6,
    0x0006EB85, 0x0006EC09, 0x0006EE85, 0x0006F986, 0x0006F9C7, 0x0006FA06, 0x0006FA87, 0x0006FB46,
    0x0006FB87, 0x0006FBC6, 0x0006FC87, 0x0006FD00, 0x0006FF12, 0x00070005, 0x00070907, 0x00070B06,
    0x00070D07, 0x00070D86, 0x00070E00, 0x00070ED2, 0x00071009, 0x00071280, 0x00071345, 0x00071409,
    0x00071685, 0x00071E04, 0x00071F92, 0x00072002, 0x00072240, 0x00072401, 0x00072EC0, 0x00072F41,
    0x00073012, 0x00073200, 0x00073406, 0x000734D2, 0x00073506, 0x00073847, 0x00073886, 0x00073A45,
    0x00073B46, 0x00073B85, 0x00073D06, 0x00073D45, 0x00073DC7, 0x00073E06, 0x00073E85, 0x00073EC0,
    0x00074002, 0x00074B04, 0x00075AC2, 0x00075E04, 0x00075E42, 0x000766C4, 0x00077006, 0x00078001,
    0x00078042, 0x00078081, 0x000780C2, 0x00078101, 0x00078142, 0x00078181, 0x000781C2, 0x00078201,
    0x00078242, 0x00078281, 0x000782C2, 0x00078301, 0x00078342, 0x00078381, 0x000783C2, 0x00078401,
    0x00078442, 0x00078481, 0x000784C2, 0x00078501, 0x00078542, 0x00078581, 0x000785C2, 0x00078601,
    0x00078642, 0x00078681, 0x000786C2, 0x00078701, 0x00078742, 0x00078781, 0x000787C2, 0x00078801,
    0x00078842, 0x00078881, 0x000788C2, 0x00078901, 0x00078942, 0x00078981, 0x000789C2, 0x00078A01,
    0x00078A42, 0x00078A81, 0x00078AC2, 0x00078B01, 0x00078B42, 0x00078B81, 0x00078BC2, 0x00078C01,
    0x00078C42, 0x00078C81, 0x00078CC2, 0x00078D01, 0x00078D42, 0x00078D81, 0x00078DC2, 0x00078E01,
    0x00078E42, 0x00078E81, 0x00078EC2, 0x00078F01, 0x00078F42, 0x00078F81, 0x00078FC2, 0x00079001,
    0x00079042, 0x00079081, 0x000790C2, 0x00079101, 0x00079142, 0x00079181, 0x000791C2, 0x00079201,
    0x00079242, 0x00079281, 0x000792C2, 0x00079301, 0x00079342, 0x00079381, 0x000793C2, 0x00079401,
    0x00079442, 0x00079481, 0x000794C2, 0x00079501, 0x00079542, 0x00079581, 0x000795C2, 0x00079601,
    0x00079642, 0x00079681, 0x000796C2, 0x00079701, 0x00079742, 0x00079781, 0x000797C2, 0x00079801,
    0x00079842, 0x00079881, 0x000798C2, 0x00079901, 0x00079942, 0x00079981, 0x000799C2, 0x00079A01,
    0x00079A42, 0x00079A81, 0x00079AC2, 0x00079B01, 0x00079B42, 0x00079B81, 0x00079BC2, 0x00079C01,
    0x00079C42, 0x00079C81, 0x00079CC2, 0x00079D01, 0x00079D42, 0x00079D81, 0x00079DC2, 0x00079E01,
    0x00079E42, 0x00079E81, 0x00079EC2, 0x00079F01, 0x00079F42, 0x00079F81, 0x00079FC2, 0x0007A001,
    0x0007A042, 0x0007A081, 0x0007A0C2, 0x0007A101, 0x0007A142, 0x0007A181, 0x0007A1C2, 0x0007A201,
    0x0007A242, 0x0007A281, 0x0007A2C2, 0x0007A301, 0x0007A342, 0x0007A381, 0x0007A3C2, 0x0007A401,
    0x0007A442, 0x0007A481, 0x0007A4C2, 0x0007A501, 0x0007A542, 0x0007A781, 0x0007A7C2, 0x0007A801,
    0x0007A842, 0x0007A881, 0x0007A8C2, 0x0007A901, 0x0007A942, 0x0007A981, 0x0007A9C2, 0x0007AA01,
    0x0007AA42, 0x0007AA81, 0x0007AAC2, 0x0007AB01, 0x0007AB42, 0x0007AB81, 0x0007ABC2, 0x0007AC01,
    0x0007AC42, 0x0007AC81, 0x0007ACC2, 0x0007AD01, 0x0007AD42, 0x0007AD81, 0x0007ADC2, 0x0007AE01,
    0x0007AE42, 0x0007AE81, 0x0007AEC2, 0x0007AF01, 0x0007AF42, 0x0007AF81, 0x0007AFC2, 0x0007B001,
    0x0007B042, 0x0007B081, 0x0007B0C2, 0x0007B101, 0x0007B142, 0x0007B181, 0x0007B1C2, 0x0007B201,
    0x0007B242, 0x0007B281, 0x0007B2C2, 0x0007B301, 0x0007B342, 0x0007B381, 0x0007B3C2, 0x0007B401,
    0x0007B442, 0x0007B481, 0x0007B4C2, 0x0007B501, 0x0007B542, 0x0007B581, 0x0007B5C2, 0x0007B601,
    0x0007B642, 0x0007B681, 0x0007B6C2, 0x0007B701, 0x0007B742, 0x0007B781, 0x0007B7C2, 0x0007B801,
    0x0007B842, 0x0007B881, 0x0007B8C2, 0x0007B901, 0x0007B942, 0x0007B981, 0x0007B9C2, 0x0007BA01,
    0x0007BA42, 0x0007BA81, 0x0007BAC2, 0x0007BB01, 0x0007BB42, 0x0007BB81, 0x0007BBC2, 0x0007BC01,
    0x0007BC42, 0x0007BC81, 0x0007BCC2, 0x0007BD01, 0x0007BD42, 0x0007BD81, 0x0007BDC2, 0x0007BE01,
    0x0007BE42, 0x0007BE81, 0x0007BEC2, 0x0007BF01, 0x0007BF42, 0x0007BF81, 0x0007BFC2, 0x0007C201,
    0x0007C402, 0x0007C580, 0x0007C601, 0x0007C780, 0x0007C802, 0x0007CA01, 0x0007CC02, 0x0007CE01,
    0x0007D002, 0x0007D180, 0x0007D201, 0x0007D380, 0x0007D402, 0x0007D600, 0x0007D641, 0x0007D680,
    0x0007D6C1, 0x0007D700, 0x0007D741, 0x0007D780, 0x0007D7C1, 0x0007D802, 0x0007DA01, 0x0007DC02,
    0x0007DF80, 0x0007E002, 0x0007E203, 0x0007E402, 0x0007E603, 0x0007E802, 0x0007EA03, 0x0007EC02,
    0x0007ED40, 0x0007ED82, 0x0007EE01, 0x0007EF03, 0x0007EF55, 0x0007EF82, 0x0007EFD5, 0x0007F082,
    0x0007F140, 0x0007F182, 0x0007F201, 0x0007F303, 0x0007F355, 0x0007F402, 0x0007F500, 0x0007F582,
    0x0007F601, 0x0007F700, 0x0007F755, 0x0007F802, 0x0007FA01, 0x0007FB55, 0x0007FC00, 0x0007FC82,
    0x0007FD40, 0x0007FD82, 0x0007FE01, 0x0007FF03, 0x0007FF55, 0x0007FFC0, 0x00080037, 0x000802DB,
    0x0008040D, 0x00080592, 0x00080610, 0x00080651, 0x0008068E, 0x000806D0, 0x00080751, 0x0008078E,
    0x000807D0, 0x00080812, 0x00080A38, 0x00080A79, 0x00080A9B, 0x00080BF7, 0x00080C12, 0x00080E50,
    0x00080E91, 0x00080ED2, 0x00080FCC, 0x00081052, 0x00081113, 0x0008114E, 0x0008118F, 0x000811D2,
    0x00081493, 0x000814D2, 0x0008150C, 0x00081552, 0x000817F7, 0x0008181B, 0x00081940, 0x0008199B,
    0x00081C0B, 0x00081C44, 0x00081C80, 0x00081D0B, 0x00081E93, 0x00081F4E, 0x00081F8F, 0x00081FC4,
    0x0008200B, 0x00082293, 0x0008234E, 0x0008238F, 0x000823C0, 0x00082404, 0x00082740, 0x00082814,
    0x00083040, 0x00083406, 0x00083748, 0x00083846, 0x00083888, 0x00083946, 0x00083C40, 0x00084016,
    0x00084081, 0x000840D6, 0x000841C1, 0x00084216, 0x00084282, 0x000842C1, 0x00084382, 0x00084401,
    0x000844C2, 0x00084516, 0x00084541, 0x00084596, 0x00084613, 0x00084641, 0x00084796, 0x00084901,
    0x00084956, 0x00084981, 0x000849D6, 0x00084A01, 0x00084A56, 0x00084A81, 0x00084B96, 0x00084BC2,
    0x00084C01, 0x00084D02, 0x00084D45, 0x00084E42, 0x00084E96, 0x00084F02, 0x00084F81, 0x00085013,
    0x00085141, 0x00085182, 0x00085296, 0x000852D3, 0x00085316, 0x00085382, 0x000853D6, 0x0008540B,
    0x0008580A, 0x000860C1, 0x00086102, 0x0008614A, 0x0008624B, 0x00086296, 0x00086300, 0x00086413,
    0x00086556, 0x00086693, 0x00086716, 0x00086813, 0x00086856, 0x000868D3, 0x00086916, 0x00086993,
    0x000869D6, 0x00086B93, 0x00086BD6, 0x00087393, 0x00087416, 0x00087493, 0x000874D6, 0x00087513,
    0x00087556, 0x00087D13, 0x0008C016, 0x0008C20E, 0x0008C24F, 0x0008C28E, 0x0008C2CF, 0x0008C316,
    0x0008C813, 0x0008C896, 0x0008CA4E, 0x0008CA8F, 0x0008CAD6, 0x0008DF13, 0x0008DF56, 0x0008E6D3,
    0x0008ED16, 0x0008F713, 0x0008F896, 0x000909C0, 0x00091016, 0x000912C0, 0x0009180B, 0x00092716,
    0x00093A8B, 0x00094016, 0x00096DD3, 0x00096E16, 0x00097053, 0x00097096, 0x00097E13, 0x00098016,
    0x00099BD3, 0x00099C16, 0x0009DA0E, 0x0009DA4F, 0x0009DA8E, 0x0009DACF, 0x0009DB0E, 0x0009DB4F,
    0x0009DB8E, 0x0009DBCF, 0x0009DC0E, 0x0009DC4F, 0x0009DC8E, 0x0009DCCF, 0x0009DD0E, 0x0009DD4F,
    0x0009DD8B, 0x0009E516, 0x0009F013, 0x0009F14E, 0x0009F18F, 0x0009F1D3, 0x0009F98E, 0x0009F9CF,
    0x0009FA0E, 0x0009FA4F, 0x0009FA8E, 0x0009FACF, 0x0009FB0E, 0x0009FB4F, 0x0009FB8E, 0x0009FBCF,
    0x0009FC13, 0x000A0016, 0x000A4013, 0x000A60CE, 0x000A610F, 0x000A614E, 0x000A618F, 0x000A61CE,
    0x000A620F, 0x000A624E, 0x000A628F, 0x000A62CE, 0x000A630F, 0x000A634E, 0x000A638F, 0x000A63CE,
    0x000A640F, 0x000A644E, 0x000A648F, 0x000A64CE, 0x000A650F, 0x000A654E, 0x000A658F, 0x000A65CE,
    0x000A660F, 0x000A6653, 0x000A760E, 0x000A764F, 0x000A768E, 0x000A76CF, 0x000A7713, 0x000A7F0E,
    0x000A7F4F, 0x000A7F93, 0x000AC016, 0x000ACC13, 0x000AD156, 0x000AD1D3, 0x000AD356, 0x000ADD00,
    0x000ADD96, 0x000AE580, 0x000AE5D6, 0x000B0001, 0x000B0C02, 0x000B1801, 0x000B1842, 0x000B1881,
    0x000B1942, 0x000B19C1, 0x000B1A02, 0x000B1A41, 0x000B1A82, 0x000B1AC1, 0x000B1B02, 0x000B1B41,
    0x000B1C42, 0x000B1C81, 0x000B1CC2, 0x000B1D41, 0x000B1D82, 0x000B1F04, 0x000B1F81, 0x000B2042,
    0x000B2081, 0x000B20C2, 0x000B2101, 0x000B2142, 0x000B2181, 0x000B21C2, 0x000B2201, 0x000B2242,
    0x000B2281, 0x000B22C2, 0x000B2301, 0x000B2342, 0x000B2381, 0x000B23C2, 0x000B2401, 0x000B2442,
    0x000B2481, 0x000B24C2, 0x000B2501, 0x000B2542, 0x000B2581, 0x000B25C2, 0x000B2601, 0x000B2642,
    0x000B2681, 0x000B26C2, 0x000B2701, 0x000B2742, 0x000B2781, 0x000B27C2, 0x000B2801, 0x000B2842,
    0x000B2881, 0x000B28C2, 0x000B2901, 0x000B2942, 0x000B2981, 0x000B29C2, 0x000B2A01, 0x000B2A42,
    0x000B2A81, 0x000B2AC2, 0x000B2B01, 0x000B2B42, 0x000B2B81, 0x000B2BC2, 0x000B2C01, 0x000B2C42,
    0x000B2C81, 0x000B2CC2, 0x000B2D01, 0x000B2D42, 0x000B2D81, 0x000B2DC2, 0x000B2E01, 0x000B2E42,
    0x000B2E81, 0x000B2EC2, 0x000B2F01, 0x000B2F42, 0x000B2F81, 0x000B2FC2, 0x000B3001, 0x000B3042,
    0x000B3081, 0x000B30C2, 0x000B3101, 0x000B3142, 0x000B3181, 0x000B31C2, 0x000B3201, 0x000B3242,
    0x000B3281, 0x000B32C2, 0x000B3301, 0x000B3342, 0x000B3381, 0x000B33C2, 0x000B3401, 0x000B3442,
    0x000B3481, 0x000B34C2, 0x000B3501, 0x000B3542, 0x000B3581, 0x000B35C2, 0x000B3601, 0x000B3642,
    0x000B3681, 0x000B36C2, 0x000B3701, 0x000B3742, 0x000B3781, 0x000B37C2, 0x000B3801, 0x000B3842,
    0x000B3881, 0x000B38C2, 0x000B3956, 0x000B3AC1, 0x000B3B02, 0x000B3B41, 0x000B3B82, 0x000B3BC6,
    0x000B3C81, 0x000B3CC2, 0x000B3D00, 0x000B3E52, 0x000B3F4B, 0x000B3F92, 0x000B4002, 0x000B4980,
    0x000B49C2, 0x000B4A00, 0x000B4B42, 0x000B4B80, 0x000B4C05, 0x000B5A00, 0x000B5BC4, 0x000B5C12,
    0x000B5C40, 0x000B5FC6, 0x000B6005, 0x000B65C0, 0x000B6805, 0x000B69C0, 0x000B6A05, 0x000B6BC0,
    0x000B6C05, 0x000B6DC0, 0x000B6E05, 0x000B6FC0, 0x000B7005, 0x000B71C0, 0x000B7205, 0x000B73C0,
    0x000B7405, 0x000B75C0, 0x000B7605, 0x000B77C0, 0x000B7806, 0x000B8012, 0x000B8090, 0x000B80D1,
    0x000B8110, 0x000B8151, 0x000B8192, 0x000B8250, 0x000B8291, 0x000B82D2, 0x000B8310, 0x000B8351,
    0x000B8392, 0x000B85CD, 0x000B8612, 0x000B868D, 0x000B86D2, 0x000B8710, 0x000B8751, 0x000B8792,
    0x000B8810, 0x000B8851, 0x000B888E, 0x000B88CF, 0x000B890E, 0x000B894F, 0x000B898E, 0x000B89CF,
    0x000B8A0E, 0x000B8A4F, 0x000B8A92, 0x000B8BC4, 0x000B8C12, 0x000B8E8D, 0x000B8F12, 0x000B900D,
    0x000B9052, 0x000B908E, 0x000B90D2, 0x000B9416, 0x000B9492, 0x000B954E, 0x000B958F, 0x000B95CE,
    0x000B960F, 0x000B964E, 0x000B968F, 0x000B96CE, 0x000B970F, 0x000B974D, 0x000B9780, 0x000BA016,
    0x000BA680, 0x000BA6D6, 0x000BBD00, 0x000BC016, 0x000BF580, 0x000BFC16, 0x000BFF00, 0x000C0037,
    0x000C0052, 0x000C0116, 0x000C0144, 0x000C0185, 0x000C01CA, 0x000C020E, 0x000C024F, 0x000C028E,
    0x000C02CF, 0x000C030E, 0x000C034F, 0x000C038E, 0x000C03CF, 0x000C040E, 0x000C044F, 0x000C0496,
    0x000C050E, 0x000C054F, 0x000C058E, 0x000C05CF, 0x000C060E, 0x000C064F, 0x000C068E, 0x000C06CF,
    0x000C070D, 0x000C074E, 0x000C078F, 0x000C0816, 0x000C084A, 0x000C0A86, 0x000C0B87, 0x000C0C0D,
    0x000C0C44, 0x000C0D96, 0x000C0E0A, 0x000C0EC4, 0x000C0F05, 0x000C0F52, 0x000C0F96, 0x000C1000,
    0x000C1045, 0x000C25C0, 0x000C2646, 0x000C26D5, 0x000C2744, 0x000C27C5, 0x000C280D, 0x000C2845,
    0x000C3ED2, 0x000C3F04, 0x000C3FC5, 0x000C4000, 0x000C4145, 0x000C4C00, 0x000C4C45, 0x000C63C0,
    0x000C6416, 0x000C648B, 0x000C6596, 0x000C6805, 0x000C7016, 0x000C7900, 0x000C7C05, 0x000C8016,
    0x000C87C0, 0x000C880B, 0x000C8A96, 0x000C920B, 0x000C9416, 0x000C944B, 0x000C9816, 0x000CA00B,
    0x000CA296, 0x000CAC4B, 0x000CB016, 0x000D0005, 0x00137016, 0x00138005, 0x00280544, 0x00280585,
    0x00292340, 0x00292416, 0x002931C0, 0x00293405, 0x00293E04, 0x00293F92, 0x00294005, 0x00298304,
    0x00298352, 0x00298405, 0x00298809, 0x00298A85, 0x00298B00, 0x00299001, 0x00299042, 0x00299081,
    0x002990C2, 0x00299101, 0x00299142, 0x00299181, 0x002991C2, 0x00299201, 0x00299242, 0x00299281,
    0x002992C2, 0x00299301, 0x00299342, 0x00299381, 0x002993C2, 0x00299401, 0x00299442, 0x00299481,
    0x002994C2, 0x00299501, 0x00299542, 0x00299581, 0x002995C2, 0x00299601, 0x00299642, 0x00299681,
    0x002996C2, 0x00299701, 0x00299742, 0x00299781, 0x002997C2, 0x00299801, 0x00299842, 0x00299881,
    0x002998C2, 0x00299901, 0x00299942, 0x00299981, 0x002999C2, 0x00299A01, 0x00299A42, 0x00299A81,
    0x00299AC2, 0x00299B01, 0x00299B42, 0x00299B85, 0x00299BC6, 0x00299C08, 0x00299CD2, 0x00299D06,
    0x00299F92, 0x00299FC4, 0x0029A001, 0x0029A042, 0x0029A081, 0x0029A0C2, 0x0029A101, 0x0029A142,
    0x0029A181, 0x0029A1C2, 0x0029A201, 0x0029A242, 0x0029A281, 0x0029A2C2, 0x0029A301, 0x0029A342,
    0x0029A381, 0x0029A3C2, 0x0029A401, 0x0029A442, 0x0029A481, 0x0029A4C2, 0x0029A501, 0x0029A542,
    0x0029A581, 0x0029A5C2, 0x0029A601, 0x0029A642, 0x0029A681, 0x0029A6C2, 0x0029A704, 0x0029A786,
    0x0029A805, 0x0029B98A, 0x0029BC06, 0x0029BC92, 0x0029BE00, 0x0029C015, 0x0029C5C4, 0x0029C815,
    0x0029C881, 0x0029C8C2, 0x0029C901, 0x0029C942, 0x0029C981, 0x0029C9C2, 0x0029CA01, 0x0029CA42,
    0x0029CA81, 0x0029CAC2, 0x0029CB01, 0x0029CB42, 0x0029CB81, 0x0029CBC2, 0x0029CC81, 0x0029CCC2,
    0x0029CD01, 0x0029CD42, 0x0029CD81, 0x0029CDC2, 0x0029CE01, 0x0029CE42, 0x0029CE81, 0x0029CEC2,
    0x0029CF01, 0x0029CF42, 0x0029CF81, 0x0029CFC2, 0x0029D001, 0x0029D042, 0x0029D081, 0x0029D0C2,
    0x0029D101, 0x0029D142, 0x0029D181, 0x0029D1C2, 0x0029D201, 0x0029D242, 0x0029D281, 0x0029D2C2,
    0x0029D301, 0x0029D342, 0x0029D381, 0x0029D3C2, 0x0029D401, 0x0029D442, 0x0029D481, 0x0029D4C2,
    0x0029D501, 0x0029D542, 0x0029D581, 0x0029D5C2, 0x0029D601, 0x0029D642, 0x0029D681, 0x0029D6C2,
    0x0029D701, 0x0029D742, 0x0029D781, 0x0029D7C2, 0x0029D801, 0x0029D842, 0x0029D881, 0x0029D8C2,
    0x0029D901, 0x0029D942, 0x0029D981, 0x0029D9C2, 0x0029DA01, 0x0029DA42, 0x0029DA81, 0x0029DAC2,
    0x0029DB01, 0x0029DB42, 0x0029DB81, 0x0029DBC2, 0x0029DC04, 0x0029DC42, 0x0029DE41, 0x0029DE82,
    0x0029DEC1, 0x0029DF02, 0x0029DF41, 0x0029DFC2, 0x0029E001, 0x0029E042, 0x0029E081, 0x0029E0C2,
    0x0029E101, 0x0029E142, 0x0029E181, 0x0029E1C2, 0x0029E204, 0x0029E255, 0x0029E2C1, 0x0029E302,
    0x0029E341, 0x0029E382, 0x0029E3C5, 0x0029E401, 0x0029E442, 0x0029E481, 0x0029E4C2, 0x0029E581,
    0x0029E5C2, 0x0029E601, 0x0029E642, 0x0029E681, 0x0029E6C2, 0x0029E701, 0x0029E742, 0x0029E781,
    0x0029E7C2, 0x0029E801, 0x0029E842, 0x0029E881, 0x0029E8C2, 0x0029E901, 0x0029E942, 0x0029E981,
    0x0029E9C2, 0x0029EA01, 0x0029EA42, 0x0029EA81, 0x0029EBC2, 0x0029EC01, 0x0029ED42, 0x0029ED81,
    0x0029EDC2, 0x0029EE01, 0x0029EE42, 0x0029EE81, 0x0029EEC2, 0x0029EF01, 0x0029EF42, 0x0029EF81,
    0x0029EFC2, 0x0029F001, 0x0029F042, 0x0029F081, 0x0029F0C2, 0x0029F101, 0x0029F202, 0x0029F241,
    0x0029F282, 0x0029F2C0, 0x0029F401, 0x0029F442, 0x0029F480, 0x0029F4C2, 0x0029F500, 0x0029F542,
    0x0029F581, 0x0029F5C2, 0x0029F601, 0x0029F642, 0x0029F680, 0x0029FC84, 0x0029FD41, 0x0029FD82,
    0x0029FDC5, 0x0029FE04, 0x0029FE82, 0x0029FEC5, 0x002A0086, 0x002A00C5, 0x002A0186, 0x002A01C5,
    0x002A02C6, 0x002A0305, 0x002A08C7, 0x002A0946, 0x002A09C7, 0x002A0A16, 0x002A0B06, 0x002A0B40,
    0x002A0C0B, 0x002A0D96, 0x002A0E14, 0x002A0E56, 0x002A0E80, 0x002A1005, 0x002A1D12, 0x002A1E00,
    0x002A2007, 0x002A2085, 0x002A2D07, 0x002A3106, 0x002A3180, 0x002A3392, 0x002A3409, 0x002A3680,
    0x002A3806, 0x002A3C85, 0x002A3E12, 0x002A3EC5, 0x002A3F12, 0x002A3F45, 0x002A3FC6, 0x002A4009,
    0x002A4285, 0x002A4986, 0x002A4B92, 0x002A4C05, 0x002A51C6, 0x002A5487, 0x002A5500, 0x002A57D2,
    0x002A5805, 0x002A5F40, 0x002A6006, 0x002A60C7, 0x002A6105, 0x002A6CC6, 0x002A6D07, 0x002A6D86,
    0x002A6E87, 0x002A6F06, 0x002A6F87, 0x002A7052, 0x002A7380, 0x002A73C4, 0x002A7409, 0x002A7680,
    0x002A7792, 0x002A7805, 0x002A7946, 0x002A7984, 0x002A79C5, 0x002A7C09, 0x002A7E85, 0x002A7FC0,
    0x002A8005, 0x002A8A46, 0x002A8BC7, 0x002A8C46, 0x002A8CC7, 0x002A8D46, 0x002A8DC0, 0x002A9005,
    0x002A90C6, 0x002A9105, 0x002A9306, 0x002A9347, 0x002A9380, 0x002A9409, 0x002A9680, 0x002A9712,
    0x002A9805, 0x002A9C04, 0x002A9C45, 0x002A9DD6, 0x002A9E85, 0x002A9EC7, 0x002A9F06, 0x002A9F47,
    0x002A9F85, 0x002AAC06, 0x002AAC45, 0x002AAC86, 0x002AAD45, 0x002AADC6, 0x002AAE45, 0x002AAF86,
    0x002AB005, 0x002AB046, 0x002AB085, 0x002AB0C0, 0x002AB6C5, 0x002AB744, 0x002AB792, 0x002AB805,
    0x002ABAC7, 0x002ABB06, 0x002ABB87, 0x002ABC12, 0x002ABC85, 0x002ABCC4, 0x002ABD47, 0x002ABD86,
    0x002ABDC0, 0x002AC045, 0x002AC1C0, 0x002AC245, 0x002AC3C0, 0x002AC445, 0x002AC5C0, 0x002AC805,
    0x002AC9C0, 0x002ACA05, 0x002ACBC0, 0x002ACC02, 0x002AD6D5, 0x002AD704, 0x002AD802, 0x002ADA44,
    0x002ADA95, 0x002ADB00, 0x002ADC02, 0x002AF005, 0x002AF8C7, 0x002AF946, 0x002AF987, 0x002AFA06,
    0x002AFA47, 0x002AFAD2, 0x002AFB07, 0x002AFB46, 0x002AFB80, 0x002AFC09, 0x002AFE80, 0x002B0005,
    0x0035E900, 0x0035EC05, 0x0035F1C0, 0x0035F2C5, 0x0035FF00, 0x0036001C, 0x0038001D, 0x003E4005,
    0x003E9B80, 0x003E9C05, 0x003EB680, 0x003EC002, 0x003EC1C0, 0x003EC4C2, 0x003EC600, 0x003EC745,
    0x003EC786, 0x003EC7C5, 0x003ECA53, 0x003ECA85, 0x003ECDC0, 0x003ECE05, 0x003ECF40, 0x003ECF85,
    0x003ECFC0, 0x003ED005, 0x003ED080, 0x003ED0C5, 0x003ED140, 0x003ED185, 0x003EEC95, 0x003EF0C0,
    0x003EF4C5, 0x003F4F8F, 0x003F4FCE, 0x003F5016, 0x003F5405, 0x003F6400, 0x003F6485, 0x003F7200,
    0x003F73D6, 0x003F7400, 0x003F7C05, 0x003F7F14, 0x003F7F56, 0x003F8006, 0x003F8412, 0x003F85CE,
    0x003F860F, 0x003F8652, 0x003F8680, 0x003F8806, 0x003F8C12, 0x003F8C4D, 0x003F8CCC, 0x003F8D4E,
    0x003F8D8F, 0x003F8DCE, 0x003F8E0F, 0x003F8E4E, 0x003F8E8F, 0x003F8ECE, 0x003F8F0F, 0x003F8F4E,
    0x003F8F8F, 0x003F8FCE, 0x003F900F, 0x003F904E, 0x003F908F, 0x003F90CE, 0x003F910F, 0x003F9152,
    0x003F91CE, 0x003F920F, 0x003F9252, 0x003F934C, 0x003F9412, 0x003F94C0, 0x003F9512, 0x003F960D,
    0x003F964E, 0x003F968F, 0x003F96CE, 0x003F970F, 0x003F974E, 0x003F978F, 0x003F97D2, 0x003F9893,
    0x003F98CD, 0x003F9913, 0x003F99C0, 0x003F9A12, 0x003F9A54, 0x003F9A92, 0x003F9B00, 0x003F9C05,
    0x003F9D40, 0x003F9D85, 0x003FBF40, 0x003FBFDB, 0x003FC000, 0x003FC052, 0x003FC114, 0x003FC152,
    0x003FC20E, 0x003FC24F, 0x003FC292, 0x003FC2D3, 0x003FC312, 0x003FC34D, 0x003FC392, 0x003FC409,
    0x003FC692, 0x003FC713, 0x003FC7D2, 0x003FC841, 0x003FCECE, 0x003FCF12, 0x003FCF4F, 0x003FCF95,
    0x003FCFCC, 0x003FD015, 0x003FD042, 0x003FD6CE, 0x003FD713, 0x003FD74F, 0x003FD793, 0x003FD7CE,
    0x003FD80F, 0x003FD852, 0x003FD88E, 0x003FD8CF, 0x003FD912, 0x003FD985, 0x003FDC04, 0x003FDC45,
    0x003FE784, 0x003FE805, 0x003FEFC0, 0x003FF085, 0x003FF200, 0x003FF285, 0x003FF400, 0x003FF485,
    0x003FF600, 0x003FF685, 0x003FF740, 0x003FF814, 0x003FF893, 0x003FF8D5, 0x003FF916, 0x003FF954,
    0x003FF9C0, 0x003FFA16, 0x003FFA53, 0x003FFB56, 0x003FFBC0, 0x003FFE5B, 0x003FFF16, 0x003FFF80,
    0x00400005, 0x00400300, 0x00400345, 0x004009C0, 0x00400A05, 0x00400EC0, 0x00400F05, 0x00400F80,
    0x00400FC5, 0x00401380, 0x00401405, 0x00401780, 0x00402005, 0x00403EC0, 0x00404012, 0x004040C0,
    0x004041CB, 0x00404D00, 0x00404DD6, 0x0040500A, 0x00405D4B, 0x00405E56, 0x0040628B, 0x00406316,
    0x004063C0, 0x00406416, 0x00406740, 0x00406816, 0x00406840, 0x00407416, 0x00407F46, 0x00407F80,
    0x0040A005, 0x0040A740, 0x0040A805, 0x0040B440, 0x0040B806, 0x0040B84B, 0x0040BF00, 0x0040C005,
    0x0040C80B, 0x0040C900, 0x0040CB45, 0x0040D04A, 0x0040D085, 0x0040D28A, 0x0040D2C0, 0x0040D405,
    0x0040DD86, 0x0040DEC0, 0x0040E005, 0x0040E780, 0x0040E7D2, 0x0040E805, 0x0040F100, 0x0040F205,
    0x0040F412, 0x0040F44A, 0x0040F580, 0x00410001, 0x00410A02, 0x00411405, 0x00412780, 0x00412809,
    0x00412A80, 0x00412C01, 0x00413500, 0x00413602, 0x00413F00, 0x00414005, 0x00414A00, 0x00414C05,
    0x00415900, 0x00415BD2, 0x00415C01, 0x00415EC0, 0x00415F01, 0x004162C0, 0x00416301, 0x004164C0,
    0x00416501, 0x00416580, 0x004165C2, 0x00416880, 0x004168C2, 0x00416C80, 0x00416CC2, 0x00416E80,
    0x00416EC2, 0x00416F40, 0x00418005, 0x0041CDC0, 0x0041D005, 0x0041D580, 0x0041D805, 0x0041DA00,
    0x0041E004, 0x0041E180, 0x0041E1C4, 0x0041EC40, 0x0041EC84, 0x0041EEC0, 0x00420005, 0x00420180,
    0x00420205, 0x00420240, 0x00420285, 0x00420D80, 0x00420DC5, 0x00420E40, 0x00420F05, 0x00420F40,
    0x00420FC5, 0x00421580, 0x004215D2, 0x0042160B, 0x00421805, 0x00421DD6, 0x00421E4B, 0x00422005,
    0x004227C0, 0x004229CB, 0x00422C00, 0x00423805, 0x00423CC0, 0x00423D05, 0x00423D80, 0x00423ECB,
    0x00424005, 0x0042458B, 0x00424700, 0x004247D2, 0x00424805, 0x00424E80, 0x00424FD2, 0x00425000,
    0x00426005, 0x00426E00, 0x00426F0B, 0x00426F85, 0x0042700B, 0x00427400, 0x0042748B, 0x00428005,
    0x00428046, 0x00428100, 0x00428146, 0x004281C0, 0x00428306, 0x00428405, 0x00428500, 0x00428545,
    0x00428600, 0x00428645, 0x00428D80, 0x00428E06, 0x00428EC0, 0x00428FC6, 0x0042900B, 0x00429240,
    0x00429412, 0x00429640, 0x00429805, 0x00429F4B, 0x00429FD2, 0x0042A005, 0x0042A74B, 0x0042A800,
    0x0042B005, 0x0042B216, 0x0042B245, 0x0042B946, 0x0042B9C0, 0x0042BACB, 0x0042BC12, 0x0042BDC0,
    0x0042C005, 0x0042CD80, 0x0042CE52, 0x0042D005, 0x0042D580, 0x0042D60B, 0x0042D805, 0x0042DCC0,
    0x0042DE0B, 0x0042E005, 0x0042E480, 0x0042E652, 0x0042E740, 0x0042EA4B, 0x0042EC00, 0x00430005,
    0x00431240, 0x00432001, 0x00432CC0, 0x00433002, 0x00433CC0, 0x00433E8B, 0x00434005, 0x00434906,
    0x00434A00, 0x00434C09, 0x00434E80, 0x0043980B, 0x00439FC0, 0x0043A005, 0x0043AA80, 0x0043AAC6,
    0x0043AB4D, 0x0043AB80, 0x0043AC05, 0x0043AC80, 0x0043BF46, 0x0043C005, 0x0043C74B, 0x0043C9C5,
    0x0043CA00, 0x0043CC05, 0x0043D186, 0x0043D44B, 0x0043D552, 0x0043D680, 0x0043DC05, 0x0043E086,
    0x0043E192, 0x0043E280, 0x0043EC05, 0x0043F14B, 0x0043F300, 0x0043F805, 0x0043FDC0, 0x00440007,
    0x00440046, 0x00440087, 0x004400C5, 0x00440E06, 0x004411D2, 0x00441380, 0x0044148B, 0x00441989,
    0x00441C06, 0x00441C45, 0x00441CC6, 0x00441D45, 0x00441D80, 0x00441FC6, 0x00442087, 0x004420C5,
    0x00442C07, 0x00442CC6, 0x00442DC7, 0x00442E46, 0x00442ED2, 0x00442F5B, 0x00442F92, 0x00443086,
    0x004430C0, 0x0044335B, 0x00443380, 0x00443405, 0x00443A40, 0x00443C09, 0x00443E80, 0x00444006,
    0x004440C5, 0x004449C6, 0x00444B07, 0x00444B46, 0x00444D40, 0x00444D89, 0x00445012, 0x00445105,
    0x00445147, 0x004451C5, 0x00445200, 0x00445405, 0x00445CC6, 0x00445D12, 0x00445D85, 0x00445DC0,
    0x00446006, 0x00446087, 0x004460C5, 0x00446CC7, 0x00446D86, 0x00446FC7, 0x00447045, 0x00447152,
    0x00447246, 0x00447352, 0x00447387, 0x004473C6, 0x00447409, 0x00447685, 0x004476D2, 0x00447705,
    0x00447752, 0x00447800, 0x0044784B, 0x00447D40, 0x00448005, 0x00448480, 0x004484C5, 0x00448B07,
    0x00448BC6, 0x00448C87, 0x00448D06, 0x00448D47, 0x00448D86, 0x00448E12, 0x00448F86, 0x00448FC5,
    0x00449046, 0x00449080, 0x0044A005, 0x0044A1C0, 0x0044A205, 0x0044A240, 0x0044A285, 0x0044A380,
    0x0044A3C5, 0x0044A780, 0x0044A7C5, 0x0044AA52, 0x0044AA80, 0x0044AC05, 0x0044B7C6, 0x0044B807,
    0x0044B8C6, 0x0044BAC0, 0x0044BC09, 0x0044BE80, 0x0044C006, 0x0044C087, 0x0044C100, 0x0044C145,
    0x0044C340, 0x0044C3C5, 0x0044C440, 0x0044C4C5, 0x0044CA40, 0x0044CA85, 0x0044CC40, 0x0044CC85,
    0x0044CD00, 0x0044CD45, 0x0044CE80, 0x0044CEC6, 0x0044CF45, 0x0044CF87, 0x0044D006, 0x0044D047,
    0x0044D140, 0x0044D1C7, 0x0044D240, 0x0044D2C7, 0x0044D380, 0x0044D405, 0x0044D440, 0x0044D5C7,
    0x0044D600, 0x0044D745, 0x0044D887, 0x0044D900, 0x0044D986, 0x0044DB40, 0x0044DC06, 0x0044DD40,
    0x00450005, 0x00450D47, 0x00450E06, 0x00451007, 0x00451086, 0x00451147, 0x00451186, 0x004511C5,
    0x004512D2, 0x00451409, 0x00451692, 0x00451700, 0x00451752, 0x00451786, 0x004517C5, 0x00451880,
    0x00452005, 0x00452C07, 0x00452CC6, 0x00452E47, 0x00452E86, 0x00452EC7, 0x00452FC6, 0x00453047,
    0x00453086, 0x00453105, 0x00453192, 0x004531C5, 0x00453200, 0x00453409, 0x00453680, 0x00456005,
    0x00456BC7, 0x00456C86, 0x00456D80, 0x00456E07, 0x00456F06, 0x00456F87, 0x00456FC6, 0x00457052,
    0x00457605, 0x00457706, 0x00457780, 0x00458005, 0x00458C07, 0x00458CC6, 0x00458EC7, 0x00458F46,
    0x00458F87, 0x00458FC6, 0x00459052, 0x00459105, 0x00459140, 0x00459409, 0x00459680, 0x00459812,
    0x00459B40, 0x0045A005, 0x0045AAC6, 0x0045AB07, 0x0045AB46, 0x0045AB87, 0x0045AC06, 0x0045AD87,
    0x0045ADC6, 0x0045AE05, 0x0045AE52, 0x0045AE80, 0x0045B009, 0x0045B280, 0x0045C005, 0x0045C6C0,
    0x0045C746, 0x0045C807, 0x0045C886, 0x0045C987, 0x0045C9C6, 0x0045CB00, 0x0045CC09, 0x0045CE8B,
    0x0045CF12, 0x0045CFD6, 0x0045D005, 0x0045D1C0, 0x00460005, 0x00460B07, 0x00460BC6, 0x00460E07,
    0x00460E46, 0x00460ED2, 0x00460F00, 0x00462801, 0x00463002, 0x00463809, 0x00463A8B, 0x00463CC0,
    0x00463FC5, 0x004641C0, 0x00464245, 0x00464280, 0x00464305, 0x00464500, 0x00464545, 0x004645C0,
    0x00464605, 0x00464C07, 0x00464D80, 0x00464DC7, 0x00464E40, 0x00464EC6, 0x00464F47, 0x00464F86,
    0x00464FC5, 0x00465007, 0x00465045, 0x00465087, 0x004650C6, 0x00465112, 0x004651C0, 0x00465409,
    0x00465680, 0x00466805, 0x00466A00, 0x00466A85, 0x00467447, 0x00467506, 0x00467600, 0x00467686,
    0x00467707, 0x00467806, 0x00467845, 0x00467892, 0x004678C5, 0x00467907, 0x00467940, 0x00468005,
    0x00468046, 0x004682C5, 0x00468CC6, 0x00468E47, 0x00468E85, 0x00468EC6, 0x00468FD2, 0x004691C6,
    0x00469200, 0x00469405, 0x00469446, 0x004695C7, 0x00469646, 0x00469705, 0x0046A286, 0x0046A5C7,
    0x0046A606, 0x0046A692, 0x0046A745, 0x0046A792, 0x0046A8C0, 0x0046AC05, 0x0046BE40, 0x0046C012,
    0x0046C280, 0x00470005, 0x00470240, 0x00470285, 0x00470BC7, 0x00470C06, 0x00470DC0, 0x00470E06,
    0x00470F87, 0x00470FC6, 0x00471005, 0x00471052, 0x00471180, 0x00471409, 0x0047168B, 0x00471B40,
    0x00471C12, 0x00471C85, 0x00472400, 0x00472486, 0x00472A00, 0x00472A47, 0x00472A86, 0x00472C47,
    0x00472C86, 0x00472D07, 0x00472D46, 0x00472DC0, 0x00474005, 0x004741C0, 0x00474205, 0x00474280,
    0x004742C5, 0x00474C46, 0x00474DC0, 0x00474E86, 0x00474EC0, 0x00474F06, 0x00474F80, 0x00474FC6,
    0x00475185, 0x004751C6, 0x00475200, 0x00475409, 0x00475680, 0x00475805, 0x00475980, 0x004759C5,
    0x00475A40, 0x00475A85, 0x00476287, 0x004763C0, 0x00476406, 0x00476480, 0x004764C7, 0x00476546,
    0x00476587, 0x004765C6, 0x00476605, 0x00476640, 0x00476809, 0x00476A80, 0x0047B805, 0x0047BCC6,
    0x0047BD47, 0x0047BDD2, 0x0047BE40, 0x0047C006, 0x0047C085, 0x0047C0C7, 0x0047C105, 0x0047C440,
    0x0047C485, 0x0047CD07, 0x0047CD86, 0x0047CEC0, 0x0047CF87, 0x0047D006, 0x0047D047, 0x0047D086,
    0x0047D0D2, 0x0047D409, 0x0047D680, 0x0047EC05, 0x0047EC40, 0x0047F00B, 0x0047F556, 0x0047F754,
    0x0047F856, 0x0047FC80, 0x0047FFD2, 0x00480005, 0x0048E680, 0x0049000A, 0x00491BC0, 0x00491C12,
    0x00491D40, 0x00492005, 0x00495100, 0x004BE405, 0x004BFC52, 0x004BFCC0, 0x004C0005, 0x004D0C1B,
    0x004D1006, 0x004D1045, 0x004D11C6, 0x004D1580, 0x00510005, 0x005191C0, 0x005A0005, 0x005A8E40,
    0x005A9005, 0x005A97C0, 0x005A9809, 0x005A9A80, 0x005A9B92, 0x005A9C05, 0x005AAFC0, 0x005AB009,
    0x005AB280, 0x005AB405, 0x005ABB80, 0x005ABC06, 0x005ABD52, 0x005ABD80, 0x005AC005, 0x005ACC06,
    0x005ACDD2, 0x005ACF16, 0x005AD004, 0x005AD112, 0x005AD156, 0x005AD180, 0x005AD409, 0x005AD680,
    0x005AD6CB, 0x005AD880, 0x005AD8C5, 0x005ADE00, 0x005ADF45, 0x005AE400, 0x005B9001, 0x005B9802,
    0x005BA00B, 0x005BA5D2, 0x005BA6C0, 0x005BC005, 0x005BD2C0, 0x005BD3C6, 0x005BD405, 0x005BD447,
    0x005BE200, 0x005BE3C6, 0x005BE4C4, 0x005BE800, 0x005BF804, 0x005BF892, 0x005BF8C4, 0x005BF906,
    0x005BF940, 0x005BFC07, 0x005BFC80, 0x005C0005, 0x0061FE00, 0x00620005, 0x00633580, 0x00634005,
    0x00634240, 0x006BFC04, 0x006BFD00, 0x006BFD44, 0x006BFF00, 0x006BFF44, 0x006BFFC0, 0x006C0005,
    0x006C48C0, 0x006C4C85, 0x006C4CC0, 0x006C5405, 0x006C54C0, 0x006C5545, 0x006C5580, 0x006C5905,
    0x006C5A00, 0x006C5C05, 0x006CBF00, 0x006F0005, 0x006F1AC0, 0x006F1C05, 0x006F1F40, 0x006F2005,
    0x006F2240, 0x006F2405, 0x006F2680, 0x006F2716, 0x006F2746, 0x006F27D2, 0x006F281B, 0x006F2900,
    0x0073C006, 0x0073CB80, 0x0073CC06, 0x0073D1C0, 0x0073D416, 0x0073F100, 0x00740016, 0x00743D80,
    0x00744016, 0x007449C0, 0x00744A56, 0x00745947, 0x007459C6, 0x00745A96, 0x00745B47, 0x00745CDB,
    0x00745EC6, 0x007460D6, 0x00746146, 0x00746316, 0x00746A86, 0x00746B96, 0x00747AC0, 0x00748016,
    0x00749086, 0x00749156, 0x00749180, 0x0074B00B, 0x0074B500, 0x0074B80B, 0x0074BD00, 0x0074C016,
    0x0074D5C0, 0x0074D80B, 0x0074DE40, 0x00750001, 0x00750682, 0x00750D01, 0x00751382, 0x00751540,
    0x00751582, 0x00751A01, 0x00752082, 0x00752701, 0x00752740, 0x00752781, 0x00752800, 0x00752881,
    0x007528C0, 0x00752941, 0x007529C0, 0x00752A41, 0x00752B40, 0x00752B81, 0x00752D82, 0x00752E80,
    0x00752EC2, 0x00752F00, 0x00752F42, 0x00753100, 0x00753142, 0x00753401, 0x00753A82, 0x00754101,
    0x00754180, 0x007541C1, 0x007542C0, 0x00754341, 0x00754540, 0x00754581, 0x00754740, 0x00754782,
    0x00754E01, 0x00754E80, 0x00754EC1, 0x00754FC0, 0x00755001, 0x00755140, 0x00755181, 0x007551C0,
    0x00755281, 0x00755440, 0x00755482, 0x00755B01, 0x00756182, 0x00756801, 0x00756E82, 0x00757501,
    0x00757B82, 0x00758201, 0x00758882, 0x00758F01, 0x00759582, 0x00759C01, 0x0075A282, 0x0075A980,
    0x0075AA01, 0x0075B053, 0x0075B082, 0x0075B6D3, 0x0075B702, 0x0075B881, 0x0075BED3, 0x0075BF02,
    0x0075C553, 0x0075C582, 0x0075C701, 0x0075CD53, 0x0075CD82, 0x0075D3D3, 0x0075D402, 0x0075D581,
    0x0075DBD3, 0x0075DC02, 0x0075E253, 0x0075E282, 0x0075E401, 0x0075EA53, 0x0075EA82, 0x0075F0D3,
    0x0075F102, 0x0075F281, 0x0075F2C2, 0x0075F300, 0x0075F389, 0x00760016, 0x00768006, 0x00768DD6,
    0x00768EC6, 0x00769B56, 0x00769D46, 0x00769D96, 0x0076A106, 0x0076A156, 0x0076A1D2, 0x0076A300,
    0x0076A6C6, 0x0076A800, 0x0076A846, 0x0076AC00, 0x0077C002, 0x0077C285, 0x0077C2C2, 0x0077C7C0,
    0x0077C942, 0x0077CAC0, 0x00780006, 0x007801C0, 0x00780206, 0x00780640, 0x007806C6, 0x00780880,
    0x007808C6, 0x00780940, 0x00780986, 0x00780AC0, 0x00780C04, 0x00781B80, 0x007823C6, 0x00782400,
    0x00784005, 0x00784B40, 0x00784C06, 0x00784DC4, 0x00784F80, 0x00785009, 0x00785280, 0x00785385,
    0x007853D6, 0x00785400, 0x0078A405, 0x0078AB86, 0x0078ABC0, 0x0078B005, 0x0078BB06, 0x0078BC09,
    0x0078BE80, 0x0078BFD4, 0x0078C000, 0x00793405, 0x00793AC4, 0x00793B06, 0x00793C09, 0x00793E80,
    0x0079F805, 0x0079F9C0, 0x0079FA05, 0x0079FB00, 0x0079FB45, 0x0079FBC0, 0x0079FC05, 0x0079FFC0,
    0x007A0005, 0x007A3140, 0x007A31CB, 0x007A3406, 0x007A35C0, 0x007A4001, 0x007A4882, 0x007A5106,
    0x007A52C4, 0x007A5300, 0x007A5409, 0x007A5680, 0x007A5792, 0x007A5800, 0x007B1C4B, 0x007B2B16,
    0x007B2B4B, 0x007B2C14, 0x007B2C4B, 0x007B2D40, 0x007B404B, 0x007B4B96, 0x007B4BCB, 0x007B4F80,
    0x007B8005, 0x007B8100, 0x007B8145, 0x007B8800, 0x007B8845, 0x007B88C0, 0x007B8905, 0x007B8940,
    0x007B89C5, 0x007B8A00, 0x007B8A45, 0x007B8CC0, 0x007B8D05, 0x007B8E00, 0x007B8E45, 0x007B8E80,
    0x007B8EC5, 0x007B8F00, 0x007B9085, 0x007B90C0, 0x007B91C5, 0x007B9200, 0x007B9245, 0x007B9280,
    0x007B92C5, 0x007B9300, 0x007B9345, 0x007B9400, 0x007B9445, 0x007B94C0, 0x007B9505, 0x007B9540,
    0x007B95C5, 0x007B9600, 0x007B9645, 0x007B9680, 0x007B96C5, 0x007B9700, 0x007B9745, 0x007B9780,
    0x007B97C5, 0x007B9800, 0x007B9845, 0x007B98C0, 0x007B9905, 0x007B9940, 0x007B99C5, 0x007B9AC0,
    0x007B9B05, 0x007B9CC0, 0x007B9D05, 0x007B9E00, 0x007B9E45, 0x007B9F40, 0x007B9F85, 0x007B9FC0,
    0x007BA005, 0x007BA280, 0x007BA2C5, 0x007BA700, 0x007BA845, 0x007BA900, 0x007BA945, 0x007BAA80,
    0x007BAAC5, 0x007BAF00, 0x007BBC13, 0x007BBC80, 0x007C0016, 0x007C0B00, 0x007C0C16, 0x007C2500,
    0x007C2816, 0x007C2BC0, 0x007C2C56, 0x007C3000, 0x007C3056, 0x007C3400, 0x007C3456, 0x007C3D80,
    0x007C400B, 0x007C4356, 0x007C6B80, 0x007C7996, 0x007C80C0, 0x007C8416, 0x007C8F00, 0x007C9016,
    0x007C9240, 0x007C9416, 0x007C9480, 0x007C9816, 0x007C9980, 0x007CC016, 0x007CFED5, 0x007D0016,
    0x007DB600, 0x007DB716, 0x007DBB40, 0x007DBC16, 0x007DBF40, 0x007DC016, 0x007DDDC0, 0x007DDED6,
    0x007DF680, 0x007DF816, 0x007DFB00, 0x007DFC16, 0x007DFC40, 0x007E0016, 0x007E0300, 0x007E0416,
    0x007E1200, 0x007E1416, 0x007E1680, 0x007E1816, 0x007E2200, 0x007E2416, 0x007E2B80, 0x007E2C16,
    0x007E2C80, 0x007E4016, 0x007E9500, 0x007E9816, 0x007E9B80, 0x007E9C16, 0x007E9F40, 0x007EA016,
    0x007EA240, 0x007EA416, 0x007EAF80, 0x007EAFD6, 0x007EB180, 0x007EB396, 0x007EB700, 0x007EB816,
    0x007EBA40, 0x007EBC16, 0x007EBE40, 0x007EC016, 0x007EE4C0, 0x007EE516, 0x007EF2C0, 0x007EFC09,
    0x007EFE80, 0x00800005, 0x00A9B800, 0x00A9C005, 0x00ADCE80, 0x00ADD005, 0x00AE0780, 0x00AE0805,
    0x00B3A880, 0x00B3AC05, 0x00BAF840, 0x00BE0005, 0x00BE8780, 0x00C00005, 0x00C4D2C0, 0x00C4D405,
    0x00C8EC00, 0x0380005B, 0x03800080, 0x0380081B, 0x03802000, 0x03804006, 0x03807C00, 0x03C0001D,
    0x03FFFF80, 0x0400001D, 0x043FFF80,
};

/* Category | White_Space << 5 of code point cp (TOK_UCAT_CN above U+10FFFF). */
static unsigned tok__ucd_lookup(uint32_t cp) {
    size_t lo = 0, hi = sizeof tok__ucd_ranges / sizeof tok__ucd_ranges[0];
    if (cp >= 0x110000) return TOK_UCAT_CN;
    while (hi - lo > 1) {              /* invariant: start[lo] <= cp < start[hi] */
        size_t mid = lo + (hi - lo) / 2;
        if ((tok__ucd_ranges[mid] >> 6) <= cp) lo = mid; else hi = mid;
    }
    return tok__ucd_ranges[lo] & 63u;
}
/* END GENERATED */

/* ---- public types ---- */

typedef struct {
    int32_t n_vocab;
    const Str *tokens;          /* [n_vocab] tokenizer.ggml.tokens */
    const float *scores;        /* [n_vocab] tokenizer.ggml.scores, or NULL */
    const int32_t *types;       /* [n_vocab] tokenizer.ggml.token_type, or NULL:
                                   1 normal, 2 unknown, 3 control, 4 user_defined, 5 unused, 6 byte */
    int32_t n_merges;
    const Str *merges;          /* [n_merges] tokenizer.ggml.merges "left right" (BPE), or NULL */
    Str model;                  /* tokenizer.ggml.model: "llama" (SPM) | "gpt2" (BPE) | ... */
    Str pre;                    /* tokenizer.ggml.pre, length 0 when absent */
    int32_t bos, eos, unk, sep, pad, eot;   /* ids; -1 when absent */
    int add_bos, add_eos, add_space_prefix; /* -1 = absent (use the model's default) */
    Str name;                   /* general.name, length 0 when absent: llama.cpp keys a
                                   few per-model token attributes on it (Phi-3 rstrip) */
} TokDesc;

enum { TOK_SPM = 1, TOK_BPE = 2 };

/* Token attributes (bits), as llama.cpp derives them from token_type and the text. */
enum {
    TOK_ATTR_NORMAL = 1, TOK_ATTR_UNKNOWN = 2, TOK_ATTR_CONTROL = 4, TOK_ATTR_USER = 8,
    TOK_ATTR_UNUSED = 16, TOK_ATTR_BYTE = 32, TOK_ATTR_LSTRIP = 64, TOK_ATTR_RSTRIP = 128,
    TOK_ATTR_EOG = 256          /* ends generation */
};

#define TOK_MAX_RE 6            /* regexes per pre-tokenizer */
#define TOK_RE_MAX_SLOTS 64     /* memoised branch points per regex (8 bytes per char) */
#define TOK_RE_MAX_CODE 65536   /* instructions per compiled regex */
#define TOK_RE_MAX_DEPTH 32     /* group nesting */

typedef struct {                /* one regex instruction */
    uint8_t op;                 /* TOK__RE_* */
    uint8_t arg;                /* CHAR: case-insensitive; LOOK: negative */
    int16_t slot;               /* SPLIT: memo slot, -1 = not memoised */
    int32_t x, y;               /* CHAR: code point; CLASS: class index; SPLIT: preferred,
                                   other pc; JMP: target; LOOK: pc after the LOOKEND */
} TokReInst;

typedef struct {                /* a character class: ranges, categories, \s, negation */
    uint32_t ascii[4];          /* membership of 0..127, precomputed (negation included) */
    uint32_t cats;              /* bit per TOK_UCAT_* */
    uint8_t space, nonspace;    /* \s / \S items */
    uint8_t neg, icase;
    int32_t r0, nr;             /* ranges[2*r0 ..] lo,hi pairs */
} TokReClass;

typedef struct {
    TokReInst *code; int32_t n_code;
    TokReClass *cls; int32_t n_cls;
    uint32_t *ranges; int32_t n_ranges;     /* lo,hi pairs */
    int32_t n_slots;
} TokRe;

typedef struct {
    int kind;                   /* TOK_SPM or TOK_BPE */
    int32_t n_vocab;
    const Str *tokens;
    const float *scores;        /* or NULL (all 0) */
    uint16_t *attr;             /* [n_vocab] TOK_ATTR_* */
    int32_t *vocab_hash;        /* [vocab_mask+1] token id, -1 empty */
    uint32_t vocab_mask;
    int32_t n_merges;
    const Str *merges;
    int32_t *merge_sp;          /* [n_merges] offset of the separating space, -1 = none */
    int32_t *merge_hash;        /* [merge_mask+1] merge rank, -1 empty */
    uint32_t merge_mask;
    int32_t *special;           /* [n_special] control/user/unknown ids, longest text first */
    int32_t n_special;
    int32_t byte_tok[256];      /* token of each raw byte (SPM <0xXX>, BPE byte char), -1 */
    uint16_t byte_cp[256];      /* BPE: byte -> byte-level code point */
    int16_t cp_byte[324];       /* BPE: byte-level code point -> byte, -1 */
    TokRe re[TOK_MAX_RE];
    int n_re;
    int ignore_merges, clean_spaces, add_space_prefix, add_bos, add_eos;
    int32_t bos, eos, unk, eot;
} Tokenizer;

/* ---- UTF-8 as llama.cpp reads it ---- */

/* Decode one code point at s[0..n) like llama.cpp's unicode_cpt_from_utf8: lead byte and
 * continuation bytes are checked, overlongs are accepted; anything else is one byte of
 * U+FFFD. Code points above U+10FFFF also become U+FFFD. *adv = bytes used. */
static uint32_t tok__utf8_decode(const uint8_t *s, size_t n, size_t *adv) {
    uint8_t c = s[0];
    *adv = 1;
    if (c < 0x80) return c;
    if (!(c & 0x40)) return 0xFFFD;
    if (!(c & 0x20)) {
        if (n < 2 || (s[1] & 0xC0) != 0x80) return 0xFFFD;
        *adv = 2;
        return ((uint32_t)(c & 0x1F) << 6) | (s[1] & 0x3F);
    }
    if (!(c & 0x10)) {
        if (n < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80) return 0xFFFD;
        *adv = 3;
        return ((uint32_t)(c & 0x0F) << 12) | ((uint32_t)(s[1] & 0x3F) << 6) | (s[2] & 0x3F);
    }
    if (!(c & 0x08)) {
        if (n < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
            return 0xFFFD;
        *adv = 4;
        uint32_t cp = ((uint32_t)(c & 0x07) << 18) | ((uint32_t)(s[1] & 0x3F) << 12) |
                      ((uint32_t)(s[2] & 0x3F) << 6) | (s[3] & 0x3F);
        return cp <= 0x10FFFF ? cp : 0xFFFD;
    }
    return 0xFFFD;
}

/* Bytes of cp in UTF-8 written to out (at most 4). */
static int tok__utf8_encode(uint32_t cp, uint8_t *out) {
    if (cp < 0x80) { out[0] = (uint8_t)cp; return 1; }
    if (cp < 0x800) { out[0] = (uint8_t)(0xC0 | (cp >> 6)); out[1] = (uint8_t)(0x80 | (cp & 0x3F)); return 2; }
    if (cp < 0x10000) {
        out[0] = (uint8_t)(0xE0 | (cp >> 12)); out[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (uint8_t)(0x80 | (cp & 0x3F)); return 3;
    }
    out[0] = (uint8_t)(0xF0 | (cp >> 18)); out[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F)); out[3] = (uint8_t)(0x80 | (cp & 0x3F));
    return 4;
}

/* Character length SPM and BPE symbol splitting use: from the lead byte alone (llama.cpp's
 * unicode_len_utf8), so stray bytes stay single and nothing is validated. */
static size_t tok__lead_len(uint8_t c) {
    static const uint8_t len[16] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4 };
    return len[c >> 4];
}

/* ---- regex engine ----
 * Syntax: literals (UTF-8), . ^ $ (subject start/end), | ( ) (?: ) (?i) (?i: ) (?-i: )
 * (?= ) (?! ), quantifiers ? * + {m} {m,} {m,n} and their lazy forms, classes [...] with
 * ranges, negation and escapes, \p{X} \P{X} (general categories and their one-letter
 * groups, also \pL), \s \S (White_Space) \d \D (Nd) \w \W (L M N Pc) \b \B, \t \n \r \f
 * \v \e \a \0 \xHH \x{H..} \uHHHH. Case folding is ASCII (plus U+017F and U+212A, the only
 * non-ASCII code points that fold to ASCII letters). Lookbehind, backreferences,
 * possessive quantifiers, atomic groups and nested/intersected classes are rejected.
 * Compiled to a program run by a backtracking VM with an explicit stack. */

enum {
    TOK__RE_CHAR = 1, TOK__RE_ANY, TOK__RE_CLASS, TOK__RE_SPLIT, TOK__RE_JMP,
    TOK__RE_BOL, TOK__RE_EOL, TOK__RE_WORDB, TOK__RE_NWORDB, TOK__RE_LOOK,
    TOK__RE_LOOKEND, TOK__RE_MATCH
};

#define TOK__UCAT_ALL ((1u << TOK_UCAT_COUNT) - 1)
/* \w as Oniguruma (which Hugging Face tokenizers use) defines it: L, M, N, Pc */
#define TOK__UCAT_WORD (TOK_UCAT_MASK_L | TOK_UCAT_MASK_M | TOK_UCAT_MASK_N | (1u << TOK_UCAT_PC))

typedef struct {                /* compiler state; code == NULL means "only count" */
    const char *pat, *p, *end;
    int icase, depth;
    TokReInst *code; int32_t n_code, cap_code;
    TokReClass *cls; int32_t n_cls, cap_cls;
    uint32_t *ranges; int32_t n_ranges, cap_ranges;
    Err *e;
} TokReComp;

static int tok__re_fail(TokReComp *c, const char *what) {
    return err_set(c->e, "regex: %s at offset %d in \"%s\"", what, (int)(c->p - c->pat), c->pat);
}

/* Case fold for (?i): ASCII letters, long s and Kelvin sign. */
static uint32_t tok__re_fold(uint32_t cp) {
    if (cp >= 'A' && cp <= 'Z') return cp + 32;
    if (cp == 0x17F) return 's';
    if (cp == 0x212A) return 'k';
    return cp;
}

static int tok__re_emit(TokReComp *c, int op, int arg, int32_t x, int32_t y) {
    if (c->n_code >= TOK_RE_MAX_CODE) return tok__re_fail(c, "pattern too large");
    if (c->code) {
        if (c->n_code >= c->cap_code) return tok__re_fail(c, "internal: code overflow");
        TokReInst *in = &c->code[c->n_code];
        in->op = (uint8_t)op; in->arg = (uint8_t)arg; in->slot = -1; in->x = x; in->y = y;
    }
    c->n_code++;
    return 0;
}

static int tok__re_has_target(int op) { return op == TOK__RE_SPLIT || op == TOK__RE_JMP || op == TOK__RE_LOOK; }

/* Insert one instruction at pc `at`, moving the block [at, n_code) up by one; targets
 * inside the moved block that point into it (or to its end) move with it. */
static int tok__re_insert(TokReComp *c, int32_t at, int op, int32_t x, int32_t y) {
    int32_t n = c->n_code;
    if (tok__re_emit(c, TOK__RE_MATCH, 0, 0, 0) < 0) return -1;   /* grow by one */
    if (!c->code) return 0;
    memmove(&c->code[at + 1], &c->code[at], (size_t)(n - at) * sizeof c->code[0]);
    for (int32_t i = at + 1; i <= n; i++) {
        TokReInst *in = &c->code[i];
        if (!tok__re_has_target(in->op)) continue;
        if (in->x >= at) in->x++;
        if (in->op == TOK__RE_SPLIT && in->y >= at) in->y++;
    }
    TokReInst *in = &c->code[at];
    in->op = (uint8_t)op; in->arg = 0; in->slot = -1; in->x = x; in->y = y;
    return 0;
}

/* Append a copy of the block [a, b), relocating its internal targets. */
static int tok__re_copy(TokReComp *c, int32_t a, int32_t b) {
    int32_t delta = c->n_code - a;
    for (int32_t i = a; i < b; i++) {
        if (tok__re_emit(c, TOK__RE_MATCH, 0, 0, 0) < 0) return -1;
        if (!c->code) continue;
        TokReInst in = c->code[i];
        if (tok__re_has_target(in.op)) {
            if (in.x >= a && in.x <= b) in.x += delta;
            if (in.op == TOK__RE_SPLIT && in.y >= a && in.y <= b) in.y += delta;
        }
        c->code[c->n_code - 1] = in;
    }
    return 0;
}

/* Next code point of the pattern (UTF-8). */
static uint32_t tok__re_next(TokReComp *c) {
    size_t adv;
    uint32_t cp = tok__utf8_decode((const uint8_t *)c->p, (size_t)(c->end - c->p), &adv);
    c->p += adv;
    return cp;
}

static int tok__re_hex(TokReComp *c, int ndig, uint32_t *out) {
    uint32_t v = 0;
    int braced = 0, n = 0;
    if (ndig == 2 && c->p < c->end && *c->p == '{') { braced = 1; c->p++; ndig = 8; }
    while (c->p < c->end && n < ndig) {
        char h = *c->p;
        int d = h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10 :
                h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
        if (d < 0) break;
        v = v * 16 + (uint32_t)d; c->p++; n++;
    }
    if (braced) { if (c->p >= c->end || *c->p != '}') return tok__re_fail(c, "bad \\x{...}"); c->p++; }
    else if (n != ndig) return tok__re_fail(c, "bad hex escape");
    if (n == 0 || v > 0x10FFFF) return tok__re_fail(c, "bad hex escape");
    *out = v;
    return 0;
}

/* \p{Name} or \pL after the 'p'/'P': category mask. */
static int tok__re_property(TokReComp *c, uint32_t *mask) {
    static const char names[] = "Cn" "Lu" "Ll" "Lt" "Lm" "Lo" "Mn" "Mc" "Me" "Nd" "Nl" "No"
                                "Pc" "Pd" "Ps" "Pe" "Pi" "Pf" "Po" "Sm" "Sc" "Sk" "So"
                                "Zs" "Zl" "Zp" "Cc" "Cf" "Cs" "Co";
    char nm[32];
    size_t n = 0;
    if (c->p < c->end && *c->p == '{') {
        c->p++;
        while (c->p < c->end && *c->p != '}' && n < sizeof nm - 1) nm[n++] = *c->p++;
        if (c->p >= c->end || *c->p != '}') return tok__re_fail(c, "bad \\p{...}");
        c->p++;
    } else if (c->p < c->end) {
        nm[n++] = *c->p++;
    }
    nm[n] = 0;
    if (n == 1) {
        switch (nm[0]) {
        case 'L': *mask = TOK_UCAT_MASK_L; return 0;
        case 'M': *mask = TOK_UCAT_MASK_M; return 0;
        case 'N': *mask = TOK_UCAT_MASK_N; return 0;
        case 'P': *mask = TOK_UCAT_MASK_P; return 0;
        case 'S': *mask = TOK_UCAT_MASK_S; return 0;
        case 'Z': *mask = TOK_UCAT_MASK_Z; return 0;
        case 'C': *mask = TOK_UCAT_MASK_C; return 0;
        }
    } else if (n == 2) {
        for (int i = 0; i < TOK_UCAT_COUNT; i++)
            if (names[2 * i] == nm[0] && names[2 * i + 1] == nm[1]) { *mask = 1u << i; return 0; }
    }
    if (!strcmp(nm, "Letter")) { *mask = TOK_UCAT_MASK_L; return 0; }
    if (!strcmp(nm, "Mark")) { *mask = TOK_UCAT_MASK_M; return 0; }
    if (!strcmp(nm, "Number")) { *mask = TOK_UCAT_MASK_N; return 0; }
    if (!strcmp(nm, "Punctuation")) { *mask = TOK_UCAT_MASK_P; return 0; }
    if (!strcmp(nm, "Symbol")) { *mask = TOK_UCAT_MASK_S; return 0; }
    return tok__re_fail(c, "unsupported \\p property");
}

/* One parsed escape or character, for atoms and class items. kind: 0 = code point,
 * 1 = category mask (class), 2 = \s, 3 = \S, 4 = \b, 5 = \B, 6 = ^, 7 = $ */
typedef struct { int kind; uint32_t cp, mask; } TokReItem;

static int tok__re_escape(TokReComp *c, int in_class, TokReItem *it) {
    if (c->p >= c->end) return tok__re_fail(c, "trailing backslash");
    uint32_t ch = tok__re_next(c);
    it->kind = 0; it->mask = 0;
    switch (ch) {
    case 'd': it->kind = 1; it->mask = 1u << TOK_UCAT_ND; return 0;
    case 'D': it->kind = 1; it->mask = TOK__UCAT_ALL & ~(1u << TOK_UCAT_ND); return 0;
    case 'w': it->kind = 1; it->mask = TOK__UCAT_WORD; return 0;
    case 'W': it->kind = 1; it->mask = TOK__UCAT_ALL & ~TOK__UCAT_WORD; return 0;
    case 's': it->kind = 2; return 0;
    case 'S': it->kind = 3; return 0;
    case 'p': case 'P': {
        uint32_t m = 0;
        if (tok__re_property(c, &m) < 0) return -1;
        it->kind = 1; it->mask = ch == 'p' ? m : TOK__UCAT_ALL & ~m;
        return 0;
    }
    case 'b': case 'B':
        if (in_class) return tok__re_fail(c, "\\b in class");
        it->kind = ch == 'b' ? 4 : 5; return 0;
    case 'A': if (in_class) break; it->kind = 6; return 0;
    case 'z': case 'Z': if (in_class) break; it->kind = 7; return 0;
    case 't': it->cp = '\t'; return 0;
    case 'n': it->cp = '\n'; return 0;
    case 'r': it->cp = '\r'; return 0;
    case 'f': it->cp = '\f'; return 0;
    case 'v': it->cp = '\v'; return 0;
    case 'e': it->cp = 0x1B; return 0;
    case 'a': it->cp = 0x07; return 0;
    case '0': it->cp = 0; return 0;
    case 'x': return tok__re_hex(c, 2, &it->cp);
    case 'u': return tok__re_hex(c, 4, &it->cp);
    default:
        if (ch < 0x80 && ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '1' && ch <= '9')))
            break;                                  /* unknown letter escape or backreference */
        it->cp = ch;                                /* escaped punctuation / non-ASCII */
        return 0;
    }
    return tok__re_fail(c, "unsupported escape");
}

/* Raw membership of cp (category+White_Space byte cw) in class k, before negation. */
static int tok__re_class_raw(const TokReClass *k, const uint32_t *ranges, uint32_t cp, unsigned cw) {
    if ((k->cats >> (cw & 31)) & 1) return 1;
    if (k->space && (cw >> 5)) return 1;
    if (k->nonspace && !(cw >> 5)) return 1;
    for (int32_t i = 0; i < k->nr; i++)
        if (cp >= ranges[2 * (k->r0 + i)] && cp <= ranges[2 * (k->r0 + i) + 1]) return 1;
    return 0;
}

/* Membership with case folding and negation, for code points >= 128. */
static int tok__re_class_has(const TokReClass *k, const uint32_t *ranges, uint32_t cp, unsigned cw) {
    int in = tok__re_class_raw(k, ranges, cp, cw);
    if (!in && k->icase) {
        uint32_t f = tok__re_fold(cp);
        if (f != cp) in = tok__re_class_raw(k, ranges, f, tok__ucd_lookup(f));
    }
    return in ^ k->neg;
}

/* Parse a [...] class (the '[' is consumed) and emit CLASS. */
static int tok__re_class(TokReComp *c) {
    TokReClass k;
    memset(&k, 0, sizeof k);
    k.icase = (uint8_t)c->icase;
    k.r0 = c->n_ranges;
    if (c->p < c->end && *c->p == '^') { k.neg = 1; c->p++; }
    int first = 1;
    for (;;) {
        if (c->p >= c->end) return tok__re_fail(c, "unterminated [");
        if (*c->p == ']' && !first) { c->p++; break; }
        first = 0;
        TokReItem it;
        if (*c->p == '[') return tok__re_fail(c, "nested class");
        if (*c->p == '&' && c->p + 1 < c->end && c->p[1] == '&') return tok__re_fail(c, "class intersection");
        if (*c->p == '\\') { c->p++; if (tok__re_escape(c, 1, &it) < 0) return -1; }
        else { it.kind = 0; it.cp = tok__re_next(c); }
        if (it.kind == 1) { k.cats |= it.mask; continue; }
        if (it.kind == 2) { k.space = 1; continue; }
        if (it.kind == 3) { k.nonspace = 1; continue; }
        uint32_t lo = it.cp, hi = it.cp;
        if (c->p + 1 < c->end && *c->p == '-' && c->p[1] != ']') {
            c->p++;
            TokReItem it2;
            if (*c->p == '\\') { c->p++; if (tok__re_escape(c, 1, &it2) < 0) return -1; }
            else { it2.kind = 0; it2.cp = tok__re_next(c); }
            if (it2.kind != 0) return tok__re_fail(c, "bad class range");
            hi = it2.cp;
            if (hi < lo) return tok__re_fail(c, "reversed class range");
        }
        if (c->ranges) {
            if (c->n_ranges >= c->cap_ranges) return tok__re_fail(c, "internal: range overflow");
            c->ranges[2 * c->n_ranges] = lo;
            c->ranges[2 * c->n_ranges + 1] = hi;
        }
        c->n_ranges++;
        k.nr++;
    }
    if (c->cls) {
        if (c->n_cls >= c->cap_cls) return tok__re_fail(c, "internal: class overflow");
        for (uint32_t ch = 0; ch < 128; ch++) {     /* ASCII fast path */
            unsigned cw = tok__ucd_lookup(ch);
            int in = tok__re_class_raw(&k, c->ranges, ch, cw);
            if (!in && k.icase) {
                uint32_t alt = ch >= 'a' && ch <= 'z' ? ch - 32 : ch >= 'A' && ch <= 'Z' ? ch + 32 : ch;
                if (alt != ch) in = tok__re_class_raw(&k, c->ranges, alt, tok__ucd_lookup(alt));
                if (!in && (ch == 's' || ch == 'S')) in = tok__re_class_raw(&k, c->ranges, 0x17F, tok__ucd_lookup(0x17F));
                if (!in && (ch == 'k' || ch == 'K')) in = tok__re_class_raw(&k, c->ranges, 0x212A, tok__ucd_lookup(0x212A));
            }
            if (in ^ k.neg) k.ascii[ch >> 5] |= 1u << (ch & 31);
        }
        c->cls[c->n_cls] = k;
    }
    return tok__re_emit(c, TOK__RE_CLASS, 0, c->n_cls++, 0);
}

static int tok__re_alt(TokReComp *c);

/* Parse an integer for {m,n}; -1 when there is none. */
static long tok__re_int(TokReComp *c) {
    long v = -1;
    while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
        v = (v < 0 ? 0 : v) * 10 + (*c->p - '0');
        if (v > 100000) v = 100000;
        c->p++;
    }
    return v;
}

/* Apply a quantifier {min,max} (max < 0: unbounded) to the atom at [a, n_code). */
static int tok__re_repeat(TokReComp *c, int32_t a, long min, long max, int greedy) {
    int32_t len = c->n_code - a;
    if (max >= 0 && max < min) return tok__re_fail(c, "bad {m,n}");
    if (max == 0) { c->n_code = a; return 0; }             /* x{0}: nothing */
    if ((long)len * (max >= 0 ? max : min + 1) + 2 * (max >= 0 ? max : 1) > TOK_RE_MAX_CODE)
        return tok__re_fail(c, "pattern too large");
    int32_t last = a;                                       /* start of the last copy */
    for (long i = 1; i < min; i++) {
        last = c->n_code;
        if (tok__re_copy(c, a, a + len) < 0) return -1;
    }
    if (max < 0) {
        if (min == 0) {                                     /* L: SPLIT body, out; body; JMP L */
            if (tok__re_insert(c, a, TOK__RE_SPLIT, 0, 0) < 0) return -1;
            if (tok__re_emit(c, TOK__RE_JMP, 0, a, 0) < 0) return -1;
            if (c->code) {
                c->code[a].x = greedy ? a + 1 : c->n_code;
                c->code[a].y = greedy ? c->n_code : a + 1;
            }
        } else {                                            /* last copy; SPLIT last, out */
            int32_t out = c->n_code + 1;
            if (tok__re_emit(c, TOK__RE_SPLIT, 0, greedy ? last : out, greedy ? out : last) < 0) return -1;
        }
        return 0;
    }
    long opt = max - min;
    if (opt == 0) return 0;
    /* optional copies: each is SPLIT next, END; body. All exits go to END. */
    int32_t first_split;
    if (min == 0) {
        if (tok__re_insert(c, a, TOK__RE_SPLIT, 0, 0) < 0) return -1;
        first_split = a;
        opt--;
    } else {
        first_split = c->n_code;
    }
    for (long i = 0; i < opt; i++) {
        if (tok__re_emit(c, TOK__RE_SPLIT, 0, 0, 0) < 0) return -1;
        if (tok__re_copy(c, min == 0 ? a + 1 : a, (min == 0 ? a + 1 : a) + len) < 0) return -1;
    }
    if (c->code) {
        int32_t end = c->n_code;
        for (int32_t s = first_split; s < end; s += len + 1) {
            c->code[s].x = greedy ? s + 1 : end;
            c->code[s].y = greedy ? end : s + 1;
        }
    }
    return 0;
}

/* Parse a group after '(' : returns with ')' consumed. */
static int tok__re_group(TokReComp *c) {
    int saved_icase = c->icase;
    int look = 0, neg = 0;
    if (c->p < c->end && *c->p == '?') {
        c->p++;
        if (c->p >= c->end) return tok__re_fail(c, "bad group");
        char g = *c->p;
        if (g == ':') c->p++;
        else if (g == '=' || g == '!') { look = 1; neg = g == '!'; c->p++; }
        else if (g == '<' && c->p + 1 < c->end && (c->p[1] == '=' || c->p[1] == '!'))
            return tok__re_fail(c, "lookbehind not supported");
        else if (g == '>') return tok__re_fail(c, "atomic group not supported");
        else if (g == 'P' || g == '<') {                    /* named group: treat as plain */
            while (c->p < c->end && *c->p != '>') c->p++;
            if (c->p >= c->end) return tok__re_fail(c, "bad group name");
            c->p++;
        } else {                                            /* flags: (?i) (?i: (?-i: */
            int on = 1;
            while (c->p < c->end && *c->p != ':' && *c->p != ')') {
                if (*c->p == '-') on = 0;
                else if (*c->p == 'i') c->icase = on;
                else return tok__re_fail(c, "unsupported group flag");
                c->p++;
            }
            if (c->p >= c->end) return tok__re_fail(c, "bad group");
            if (*c->p == ')') {                             /* (?i): applies to the rest */
                c->p++;
                saved_icase = c->icase;
                return 1;                                   /* tells the caller: no atom */
            }
            c->p++;
        }
    }
    int32_t start = c->n_code;
    if (look && tok__re_emit(c, TOK__RE_LOOK, neg, 0, 0) < 0) return -1;
    if (++c->depth > TOK_RE_MAX_DEPTH) return tok__re_fail(c, "groups nested too deeply");
    if (tok__re_alt(c) < 0) return -1;
    c->depth--;
    if (c->p >= c->end || *c->p != ')') return tok__re_fail(c, "missing )");
    c->p++;
    if (look) {
        if (tok__re_emit(c, TOK__RE_LOOKEND, 0, 0, 0) < 0) return -1;
        if (c->code) c->code[start].x = c->n_code;
    }
    c->icase = saved_icase;
    return 0;
}

/* Parse a sequence of quantified atoms up to '|' or ')' or the end. */
static int tok__re_seq(TokReComp *c) {
    while (c->p < c->end && *c->p != '|' && *c->p != ')') {
        int32_t a = c->n_code;
        uint32_t ch = tok__re_next(c);
        switch (ch) {
        case '(': {
            int r = tok__re_group(c);
            if (r < 0) return -1;
            if (r == 1) continue;
            break;
        }
        case '[': if (tok__re_class(c) < 0) return -1; break;
        case '.': if (tok__re_emit(c, TOK__RE_ANY, 0, 0, 0) < 0) return -1; break;
        case '^': if (tok__re_emit(c, TOK__RE_BOL, 0, 0, 0) < 0) return -1; break;
        case '$': if (tok__re_emit(c, TOK__RE_EOL, 0, 0, 0) < 0) return -1; break;
        case '*': case '+': case '?': return tok__re_fail(c, "nothing to repeat");
        case '\\': {
            TokReItem it;
            if (tok__re_escape(c, 0, &it) < 0) return -1;
            if (it.kind == 0) {
                if (tok__re_emit(c, TOK__RE_CHAR, c->icase, (int32_t)(c->icase ? tok__re_fold(it.cp) : it.cp), 0) < 0) return -1;
            } else if (it.kind >= 4) {
                static const uint8_t op[4] = { TOK__RE_WORDB, TOK__RE_NWORDB, TOK__RE_BOL, TOK__RE_EOL };
                if (tok__re_emit(c, op[it.kind - 4], 0, 0, 0) < 0) return -1;
            } else {                                        /* \d \s \p{..} ... as a class */
                TokReClass k;
                memset(&k, 0, sizeof k);
                k.cats = it.kind == 1 ? it.mask : 0;
                k.space = it.kind == 2; k.nonspace = it.kind == 3;
                k.r0 = c->n_ranges;
                if (c->cls) {
                    if (c->n_cls >= c->cap_cls) return tok__re_fail(c, "internal: class overflow");
                    for (uint32_t b = 0; b < 128; b++)
                        if (tok__re_class_raw(&k, c->ranges, b, tok__ucd_lookup(b)))
                            k.ascii[b >> 5] |= 1u << (b & 31);
                    c->cls[c->n_cls] = k;
                }
                if (tok__re_emit(c, TOK__RE_CLASS, 0, c->n_cls++, 0) < 0) return -1;
            }
            break;
        }
        default:
            if (tok__re_emit(c, TOK__RE_CHAR, c->icase, (int32_t)(c->icase ? tok__re_fold(ch) : ch), 0) < 0) return -1;
        }
        /* quantifier */
        if (c->p >= c->end) break;
        long min = -1, max = -1;
        const char *q = c->p;
        if (*q == '*') { min = 0; max = -1; c->p++; }
        else if (*q == '+') { min = 1; max = -1; c->p++; }
        else if (*q == '?') { min = 0; max = 1; c->p++; }
        else if (*q == '{') {
            c->p++;
            min = tok__re_int(c);
            max = min;
            if (c->p < c->end && *c->p == ',') { c->p++; max = tok__re_int(c); }
            if (min < 0 || c->p >= c->end || *c->p != '}') { c->p = q; min = -1; }  /* literal '{' */
            else c->p++;
        }
        if (min < 0) continue;
        int greedy = 1;
        if (c->p < c->end && *c->p == '?') { greedy = 0; c->p++; }
        else if (c->p < c->end && *c->p == '+') return tok__re_fail(c, "possessive quantifier not supported");
        if (tok__re_repeat(c, a, min, max, greedy) < 0) return -1;
    }
    return 0;
}

/* Alternation: alt1 | alt2 | ... as a SPLIT chain; the JMPs to the end are linked through
 * their x field until the end is known. */
static int tok__re_alt(TokReComp *c) {
    int32_t start = c->n_code, pending = -1;
    if (tok__re_seq(c) < 0) return -1;
    while (c->p < c->end && *c->p == '|') {
        c->p++;
        if (tok__re_insert(c, start, TOK__RE_SPLIT, start + 1, 0) < 0) return -1;
        if (tok__re_emit(c, TOK__RE_JMP, 0, pending, 0) < 0) return -1;
        pending = c->n_code - 1;
        if (c->code) c->code[start].y = c->n_code;
        start = c->n_code;
        if (tok__re_seq(c) < 0) return -1;
    }
    if (c->code) {
        while (pending >= 0) {
            int32_t next = c->code[pending].x;
            c->code[pending].x = c->n_code;
            pending = next;
        }
    }
    return 0;
}

/* Parse the whole pattern; counts only when c->code is NULL. */
static int tok__re_parse(TokReComp *c, const char *pat) {
    c->pat = c->p = pat;
    c->end = pat + strlen(pat);
    c->icase = 0; c->depth = 0;
    c->n_code = c->n_cls = c->n_ranges = 0;
    if (tok__re_alt(c) < 0) return -1;
    if (c->p != c->end) return tok__re_fail(c, "unbalanced )");
    return tok__re_emit(c, TOK__RE_MATCH, 0, 0, 0);
}

/* Arena bytes tok__re_compile takes for pat (0 with an error set when it is invalid). */
static size_t tok__re_mem_size(const char *pat, Err *e) {
    TokReComp c;
    memset(&c, 0, sizeof c);
    c.e = e;
    if (tok__re_parse(&c, pat) < 0) return 0;
    return ARENA_ROUND((size_t)c.n_code * sizeof(TokReInst)) + ARENA_ROUND((size_t)(c.n_cls + 1) * sizeof(TokReClass)) +
           ARENA_ROUND((size_t)(c.n_ranges + 1) * 2 * sizeof(uint32_t));
}

/* Compile pat into re (arrays in the arena); SPLITs get memo slots in program order. */
static int tok__re_compile(TokRe *re, Arena *a, const char *pat, Err *e) {
    TokReComp c;
    memset(&c, 0, sizeof c);
    c.e = e;
    if (tok__re_parse(&c, pat) < 0) return -1;             /* sizes */
    c.cap_code = c.n_code; c.cap_cls = c.n_cls; c.cap_ranges = c.n_ranges;
    c.code = arena_alloc(a, (size_t)c.cap_code * sizeof(TokReInst));
    c.cls = arena_alloc(a, (size_t)(c.cap_cls + 1) * sizeof(TokReClass));
    c.ranges = arena_alloc(a, (size_t)(c.cap_ranges + 1) * 2 * sizeof(uint32_t));
    if (!c.code || !c.cls || !c.ranges) return err_set(e, "tokenizer: arena full (regex)");
    if (tok__re_parse(&c, pat) < 0) return -1;
    int32_t slots = 0;
    for (int32_t i = 0; i < c.n_code; i++)
        if (c.code[i].op == TOK__RE_SPLIT && slots < TOK_RE_MAX_SLOTS) c.code[i].slot = (int16_t)slots++;
    re->code = c.code; re->n_code = c.n_code;
    re->cls = c.cls; re->n_cls = c.n_cls;
    re->ranges = c.ranges; re->n_ranges = c.n_ranges;
    re->n_slots = slots;
    return 0;
}

/* Matching state for one subject (a piece of text as code points). */
typedef struct {
    const uint32_t *cp;         /* [n] code points */
    const uint8_t *cw;          /* [n] category | White_Space << 5 */
    int32_t n;
    uint32_t *memo;             /* [(n+1) * memo_words] visited (slot, pos) bits */
    int32_t memo_words;
    int32_t (*stack)[2];        /* backtrack entries: pc, pos */
    int32_t sp, stack_cap;
    uint32_t *undo;             /* memo bits set inside lookarounds, cleared after */
    int32_t undo_n, undo_cap;
    int32_t look_depth;
    int64_t steps, max_steps;
    int err;                    /* 1 stack full, 2 too many steps */
} TokReRun;

static int tok__re_isword(const TokReRun *r, int32_t pos) {
    return pos >= 0 && pos < r->n && ((TOK__UCAT_WORD >> (r->cw[pos] & 31)) & 1);
}

/* Run the program from pc at pos. Returns 1 when MATCH (end in *end) or LOOKEND is
 * reached, 0 when every path fails (or r->err is set). */
static int tok__re_exec(const TokRe *re, TokReRun *r, int32_t pc, int32_t pos, int32_t *end) {
    int32_t base = r->sp;
    for (;;) {
        if (++r->steps > r->max_steps) { r->err = 2; r->sp = base; return 0; }
        const TokReInst *in = &re->code[pc];
        switch (in->op) {
        case TOK__RE_CHAR:
            if (pos < r->n) {
                uint32_t ch = r->cp[pos];
                if (in->arg) ch = tok__re_fold(ch);
                if (ch == (uint32_t)in->x) { pc++; pos++; continue; }
            }
            break;
        case TOK__RE_ANY:
            if (pos < r->n && r->cp[pos] != '\n') { pc++; pos++; continue; }
            break;
        case TOK__RE_CLASS:
            if (pos < r->n) {
                const TokReClass *k = &re->cls[in->x];
                uint32_t ch = r->cp[pos];
                int ok = ch < 128 ? (int)((k->ascii[ch >> 5] >> (ch & 31)) & 1)
                                  : tok__re_class_has(k, re->ranges, ch, r->cw[pos]);
                if (ok) { pc++; pos++; continue; }
            }
            break;
        case TOK__RE_SPLIT:
            if (in->slot >= 0) {
                size_t bit = (size_t)pos * (size_t)r->memo_words * 32 + (size_t)in->slot;
                uint32_t m = 1u << (bit & 31);
                if (r->memo[bit >> 5] & m) break;           /* explored before: fails */
                r->memo[bit >> 5] |= m;
                if (r->look_depth) {
                    if (r->undo_n >= r->undo_cap) { r->err = 1; r->sp = base; return 0; }
                    r->undo[r->undo_n++] = (uint32_t)bit;
                }
            }
            if (r->sp >= r->stack_cap) { r->err = 1; r->sp = base; return 0; }
            r->stack[r->sp][0] = in->y; r->stack[r->sp][1] = pos; r->sp++;
            pc = in->x;
            continue;
        case TOK__RE_JMP:
            pc = in->x;
            continue;
        case TOK__RE_BOL:
            if (pos == 0) { pc++; continue; }
            break;
        case TOK__RE_EOL:
            if (pos == r->n) { pc++; continue; }
            break;
        case TOK__RE_WORDB: case TOK__RE_NWORDB: {
            int b = tok__re_isword(r, pos - 1) != tok__re_isword(r, pos);
            if (b == (in->op == TOK__RE_WORDB)) { pc++; continue; }
            break;
        }
        case TOK__RE_LOOK: {
            int32_t undo0 = r->undo_n, dummy;
            r->look_depth++;
            int ok = tok__re_exec(re, r, pc + 1, pos, &dummy);
            r->look_depth--;
            while (r->undo_n > undo0) {                     /* forget the sub-run's states */
                uint32_t bit = r->undo[--r->undo_n];
                r->memo[bit >> 5] &= ~(1u << (bit & 31));
            }
            if (r->err) { r->sp = base; return 0; }
            if (ok != in->arg) { pc = in->x; continue; }
            break;
        }
        case TOK__RE_LOOKEND:
            r->sp = base;
            return 1;
        case TOK__RE_MATCH:
            r->sp = base;
            *end = pos;
            return 1;
        }
        /* fail: resume the most recent alternative */
        if (r->sp == base) return 0;
        r->sp--;
        pc = r->stack[r->sp][0];
        pos = r->stack[r->sp][1];
    }
}

/* Split subject [0, n) by re: write the end offsets of the pieces (matches and the text
 * between them, empty pieces dropped) to ends[]; returns how many, -1 on error. */
static int32_t tok__re_split(const TokRe *re, TokReRun *r, int32_t *ends, Err *e) {
    int32_t n = r->n, count = 0, last = 0, pos = 0;
    r->memo_words = (re->n_slots + 31) / 32;
    if (r->memo_words) memset(r->memo, 0, (size_t)(n + 1) * (size_t)r->memo_words * sizeof(uint32_t));
    r->sp = 0; r->undo_n = 0; r->look_depth = 0; r->err = 0;
    r->steps = 0;
    r->max_steps = 1000000 + (int64_t)(n + 1) * 4096;
    while (pos <= n) {
        int32_t s, end = -1;
        for (s = pos; s <= n; s++)
            if (tok__re_exec(re, r, 0, s, &end) || r->err) break;
        if (r->err)
            return err_set(e, r->err == 1 ? "tokenizer: regex backtrack stack full" : "tokenizer: regex step limit hit");
        if (s > n) break;
        if (s > last) ends[count++] = s;
        if (end > s) ends[count++] = end;
        last = end > s ? end : s;
        pos = end > s ? end : s + 1;
        /* states at the match end that were on the successful path are not failures */
        if (r->memo_words) memset(r->memo + (size_t)end * (size_t)r->memo_words, 0, (size_t)r->memo_words * sizeof(uint32_t));
    }
    if (last < n) ends[count++] = n;
    return count;
}

/* ---- pre-tokenizers: llama.cpp's regex lists per tokenizer.ggml.pre ---- */

#define TOK__RE_GPT2 "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)"
#define TOK__RE_LLAMA3_HEAD "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|"
#define TOK__RE_LLAMA3_TAIL "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"

static const char *const tok__pre_gpt2[] = { TOK__RE_GPT2, NULL };
static const char *const tok__pre_llama3[] = { TOK__RE_LLAMA3_HEAD "\\p{N}{1,3}" TOK__RE_LLAMA3_TAIL, NULL };
static const char *const tok__pre_qwen2[] = { TOK__RE_LLAMA3_HEAD "\\p{N}" TOK__RE_LLAMA3_TAIL, NULL };
static const char *const tok__pre_starcoder[] = { "\\p{N}", TOK__RE_GPT2, NULL };
static const char *const tok__pre_falcon[] = {
    "[\\p{P}\\$\\+<=>\\^~\\|`]+", TOK__RE_GPT2, "[0-9][0-9][0-9]", NULL };
static const char *const tok__pre_default[] = {
    "[\\p{P}\\$\\+<=>\\^~\\|]+", TOK__RE_GPT2, "\\p{N}+", "[0-9][0-9][0-9]", NULL };
static const char *const tok__pre_deepseek_llm[] = {
    "[\\r\\n]",
    "\\s?[A-Za-z\u00B5\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u01BA\u01BC-\u01BF\u01C4-\u0293"
    "\u0295-\u02AF\u0370-\u0373\u0376\u0377\u037B-\u037D\u037F\u0386\u0388-\u038A"
    "\u038C\u038E-\u03A1\u03A3-\u03F5\u03F7-\u0481\u048A-\u052F\u0531-\u0556"
    "\u10A0-\u10C5\u13A0-\u13F5\u13F8-\u13FD\u1C90-\u1CBA\u1CBD-\u1CBF\u1D00-\u1D2B"
    "\u1D6B-\u1D77\u1D79-\u1D9A\u1E00-\u1F15\u1F18-\u1F1D\u1F20-\u1F45\u1F48-\u1F4D"
    "\u1F50-\u1F57\u1F59\u1F5B\u1F5D\u1F5F-\u1F7D\u1F80-\u1FB4\u1FB6-\u1FBC\u1FBE"
    "\u1FC2-\u1FC4\u1FC6-\u1FCC\u1FD0-\u1FD3\u1FD6-\u1FDB\u1FE0-\u1FEC\u1FF2-\u1FF4"
    "\u1FF6-\u1FFC\u2102\u2107\u210A-\u2113\u2115\u2119-\u211D\u2124\u2126\u2128"
    "\u212A-\u212D\u212F-\u2134\u2139\u213C-\u213F\u2145-\u2149\u214E\u2183\u2184"
    "\u2C00-\u2C7B\u2C7E-\u2CE4\u2CEB-\u2CEE\u2CF2\u2CF3\uA640-\uA66D\uA680-\uA69B"
    "\uA722-\uA76F\uA771-\uA787\uA78B-\uA78E\uAB70-\uABBF\uFB00-\uFB06\uFB13-\uFB17"
    "\uFF21-\uFF3A\uFF41-\uFF5A\U00010400-\U0001044F\U000104B0-\U000104D3"
    "\U000104D8-\U000104FB\U00010C80-\U00010CB2\U00010CC0-\U00010CF2"
    "\U000118A0-\U000118DF\U0001E900-\U0001E943]+",
    "\\s?[!-/:-~\uFF01-\uFF0F\uFF1A-\uFF5E\u2018-\u201F\u3000-\u3002]+",
    "\\s+$",
    "[\u4E00-\u9FA5\u0800-\u4E00\uAC00-\uD7FF]+",
    "\\p{N}+",
    NULL };
static const char *const tok__pre_deepseek_coder[] = {
    "[\\r\\n]", "\\s?\\p{L}+", "\\s?\\p{P}+", "[\u4E00-\u9FA5\u0800-\u4E00\uAC00-\uD7FF]+", "\\p{N}", NULL };

typedef struct {
    const char *names;          /* '|'-separated tokenizer.ggml.pre values */
    const char *const *re;      /* regex list, NULL-terminated */
    uint8_t ignore_merges, add_bos, clean_spaces;
} TokPre;

static const TokPre tok__pres[] = {
    { "default", tok__pre_default, 0, 0, 1 },
    { "llama3|llama-v3|llama-bpe|falcon3|falcon-h1|pixtral|midm-2.0|lfm2", tok__pre_llama3, 1, 1, 1 },
    { "dbrx|smaug-bpe", tok__pre_llama3, 0, 0, 1 },
    { "chatglm-bpe|glm4", tok__pre_llama3, 0, 0, 1 },
    { "deepseek-llm", tok__pre_deepseek_llm, 0, 0, 0 },
    { "deepseek-coder", tok__pre_deepseek_coder, 0, 0, 0 },
    { "falcon", tok__pre_falcon, 0, 0, 1 },
    { "mpt|gpt-2|gpt2|phi-2|jina-es|jina-de|gigachat|jina-v2-es|jina-v2-de|a.x-4.0|mellum|"
      "modern-bert|jina-v1-en|jina-v2-code|roberta-bpe|olmo|jais|exaone4", tok__pre_gpt2, 0, 0, 1 },
    { "trillion|granite-docling", tok__pre_gpt2, 0, 0, 0 },
    { "starcoder|refact|codeshell|exaone|minerva-7b|mellum2", tok__pre_starcoder, 0, 0, 1 },
    { "smollm|command-r", tok__pre_starcoder, 0, 0, 0 },
    { "qwen2|deepseek-r1-qwen|kormo|f2llmv2|hunyuan|solar-open|grok-2", tok__pre_qwen2, 0, 0, 0 },
    { "stablelm2", tok__pre_qwen2, 0, 0, 1 },
    { "megrez", tok__pre_qwen2, 0, 0, 1 },
};

/* The TokPre whose name list contains pre (length 0: "default"), or NULL. */
static const TokPre *tok__find_pre(Str pre) {
    if (pre.n == 0) return &tok__pres[0];
    for (size_t i = 0; i < sizeof tok__pres / sizeof tok__pres[0]; i++) {
        const char *s = tok__pres[i].names;
        while (*s) {
            const char *e = strchr(s, '|');
            size_t n = e ? (size_t)(e - s) : strlen(s);
            if (n == pre.n && !memcmp(s, pre.p, n)) return &tok__pres[i];
            s += n + (e ? 1 : 0);
        }
    }
    return NULL;
}

/* ---- hashing ---- */

static uint32_t tok__fnv(uint32_t h, const void *p, size_t n) {
    const uint8_t *s = p;
    for (size_t i = 0; i < n; i++) h = (h ^ s[i]) * 16777619u;
    return h;
}
#define TOK__FNV0 2166136261u

static uint32_t tok__table_size(int64_t n) {   /* power of two >= 2n, at least 16 */
    uint32_t s = 16;
    while ((int64_t)s < 2 * n) s *= 2;
    return s;
}

/* Token id of text s[0..n), -1 when it is not in the vocabulary. */
static int32_t tok_find(const Tokenizer *t, const char *s, size_t n) {
    uint32_t h = tok__fnv(TOK__FNV0, s, n) & t->vocab_mask;
    for (;;) {
        int32_t id = t->vocab_hash[h];
        if (id < 0) return -1;
        if (t->tokens[id].n == n && !memcmp(t->tokens[id].p, s, n)) return id;
        h = (h + 1) & t->vocab_mask;
    }
}

/* Rank of the merge "l r", -1 when there is none. */
static int32_t tok__merge_rank(const Tokenizer *t, const char *l, size_t ln, const char *r, size_t rn) {
    uint32_t h = tok__fnv(tok__fnv(tok__fnv(TOK__FNV0, l, ln), " ", 1), r, rn) & t->merge_mask;
    for (;;) {
        int32_t m = t->merge_hash[h];
        if (m < 0) return -1;
        const Str *s = &t->merges[m];
        if (t->merge_sp[m] == (int32_t)ln && s->n == ln + 1 + rn &&
            !memcmp(s->p, l, ln) && !memcmp(s->p + ln + 1, r, rn)) return m;
        h = (h + 1) & t->merge_mask;
    }
}

/* ---- init ---- */

static int tok__kind(Str model) {
    if (model.n == 5 && !memcmp(model.p, "llama", 5)) return TOK_SPM;
    if (model.n == 4 && !memcmp(model.p, "gpt2", 4)) return TOK_BPE;
    return 0;
}

/* Permanent arena bytes tok_init will take for d (0 when d cannot be used). */
static size_t tok_mem_size(const TokDesc *d) {
    int kind = tok__kind(d->model);
    if (!kind || d->n_vocab <= 0) return 0;
    size_t n = ARENA_ROUND((size_t)d->n_vocab * sizeof(uint16_t)) +
               ARENA_ROUND((size_t)tok__table_size(d->n_vocab) * sizeof(int32_t)) +
               ARENA_ROUND((size_t)d->n_vocab * sizeof(int32_t));           /* special list */
    if (kind == TOK_BPE) {
        const TokPre *pre = tok__find_pre(d->pre);
        if (!pre) return 0;
        n += ARENA_ROUND((size_t)(d->n_merges > 0 ? d->n_merges : 1) * sizeof(int32_t)) +
             ARENA_ROUND((size_t)tok__table_size(d->n_merges) * sizeof(int32_t));
        for (int i = 0; pre->re[i]; i++) n += tok__re_mem_size(pre->re[i], NULL) + 3 * 64;
    }
    return n;
}

/* Text-based attributes llama.cpp adds at load: end-of-generation and FIM tokens become
 * control tokens, a few gpt-oss markers become user-defined, Phi-3 strips spaces. */
static void tok__auto_attrs(Tokenizer *t, Str name) {
    static const char *const eog[] = {
        "<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<|flush|>", "<|calls|>",
        "<end_of_turn>", "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]", "[EOS]",
        "<|end_of_text|>", "<end_of_utterance>", "<eos>", "<turn|>", "<|tool_response>",
        "<\xef\xbd\x9c" "end\xe2\x96\x81of\xe2\x96\x81sentence\xef\xbd\x9c>", "[e~[",
        "<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]",                  /* FIM pad */
        "<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>",     /* FIM repo */
        "<|file_sep|>", NULL };
    static const char *const control[] = {                     /* FIM prefix/suffix/middle */
        "<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<\xef\xbd\x9c" "fim\xe2\x96\x81" "begin\xef\xbd\x9c>",
        "<PRE>", "\xe2\x96\x81<PRE>", "<|code_prefix|>", "<|prefix|>",
        "<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<\xef\xbd\x9c" "fim\xe2\x96\x81" "hole\xef\xbd\x9c>",
        "<SUF>", "\xe2\x96\x81<SUF>", "<|code_suffix|>", "<|suffix|>",
        "<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<\xef\xbd\x9c" "fim\xe2\x96\x81" "end\xef\xbd\x9c>",
        "<MID>", "\xe2\x96\x81<MID>", "<|code_middle|>", "<|middle|>", NULL };
    static const char *const user[] = { "<|channel|>", "<|message|>", "<|start|>", "<|constrain|>", NULL };
    for (const char *const *s = eog; *s; s++) {
        int32_t id = tok_find(t, *s, strlen(*s));
        if (id >= 0) t->attr[id] |= TOK_ATTR_CONTROL | TOK_ATTR_EOG;
    }
    for (const char *const *s = control; *s; s++) {
        int32_t id = tok_find(t, *s, strlen(*s));
        if (id >= 0) t->attr[id] |= TOK_ATTR_CONTROL;
    }
    for (const char *const *s = user; *s; s++) {
        int32_t id = tok_find(t, *s, strlen(*s));
        if (id >= 0) t->attr[id] = TOK_ATTR_USER;
    }
    if (t->eos >= 0) t->attr[t->eos] |= TOK_ATTR_EOG;
    if (t->eot >= 0) t->attr[t->eot] |= TOK_ATTR_EOG;
    /* model name, lower-cased, contains "phi-3" or "phi3": special tokens strip spaces on their right */
    char low[256];
    size_t n = name.n < sizeof low - 1 ? name.n : sizeof low - 1;
    for (size_t i = 0; i < n; i++) low[i] = (char)(name.p[i] >= 'A' && name.p[i] <= 'Z' ? name.p[i] + 32 : name.p[i]);
    low[n] = 0;
    if (strstr(low, "phi-3") || strstr(low, "phi3")) {
        for (int32_t i = 0; i < t->n_vocab; i++)
            if (t->attr[i] & (TOK_ATTR_CONTROL | TOK_ATTR_USER | TOK_ATTR_UNKNOWN)) t->attr[i] |= TOK_ATTR_RSTRIP;
        static const char *const keep[] = { "<unk>", "<s>", "<|endoftext|>" };
        int32_t id = tok_find(t, "</s>", 4);
        if (id >= 0) t->attr[id] |= TOK_ATTR_RSTRIP;
        for (int i = 0; i < 3; i++)
            if ((id = tok_find(t, keep[i], strlen(keep[i]))) >= 0) t->attr[id] &= (uint16_t)~TOK_ATTR_RSTRIP;
    }
}

/* Special tokens, longest text first (ties: lower id first); shell sort in place. */
static void tok__sort_special(Tokenizer *t) {
    int32_t *a = t->special, n = t->n_special;
    for (int32_t gap = n / 2; gap > 0; gap = gap == 2 ? 1 : gap * 5 / 11) {
        for (int32_t i = gap; i < n; i++) {
            int32_t v = a[i], j = i;
            while (j >= gap) {
                int32_t u = a[j - gap];
                size_t lu = t->tokens[u].n, lv = t->tokens[v].n;
                if (lu > lv || (lu == lv && u < v)) break;
                a[j] = u; j -= gap;
            }
            a[j] = v;
        }
    }
}

static int tok_init(Tokenizer *t, Arena *a, const TokDesc *d, Err *e) {
    memset(t, 0, sizeof *t);
    t->kind = tok__kind(d->model);
    if (!t->kind) return err_set(e, "tokenizer: unknown model '%.*s'", (int)d->model.n, d->model.p);
    if (d->n_vocab <= 0 || !d->tokens) return err_set(e, "tokenizer: empty vocabulary");
    const TokPre *pre = NULL;
    if (t->kind == TOK_BPE) {
        pre = tok__find_pre(d->pre);
        if (!pre) return err_set(e, "tokenizer: unknown pre-tokenizer '%.*s'", (int)d->pre.n, d->pre.p);
        if (d->n_merges <= 0 || !d->merges) return err_set(e, "tokenizer: BPE vocabulary without merges");
    }
    t->n_vocab = d->n_vocab;
    t->tokens = d->tokens;
    t->scores = d->scores;
    t->attr = arena_alloc(a, (size_t)d->n_vocab * sizeof(uint16_t));
    uint32_t vsize = tok__table_size(d->n_vocab);
    t->vocab_hash = arena_alloc(a, (size_t)vsize * sizeof(int32_t));
    t->special = arena_alloc(a, (size_t)d->n_vocab * sizeof(int32_t));
    if (!t->attr || !t->vocab_hash || !t->special) return err_set(e, "tokenizer: arena full");
    t->vocab_mask = vsize - 1;
    memset(t->vocab_hash, 0xFF, (size_t)vsize * sizeof(int32_t));
    for (int32_t i = 0; i < d->n_vocab; i++) {
        const Str *s = &d->tokens[i];
        int32_t ty = d->types ? d->types[i] : 1;
        t->attr[i] = ty == 1 ? TOK_ATTR_NORMAL : ty == 2 ? TOK_ATTR_UNKNOWN : ty == 3 ? TOK_ATTR_CONTROL :
                     ty == 4 ? TOK_ATTR_USER : ty == 5 ? TOK_ATTR_UNUSED : ty == 6 ? TOK_ATTR_BYTE : 0;
        if (s->n == 0) continue;                           /* never matches any text */
        uint32_t h = tok__fnv(TOK__FNV0, s->p, s->n) & t->vocab_mask;
        for (;;) {
            int32_t id = t->vocab_hash[h];
            if (id < 0) { t->vocab_hash[h] = i; break; }
            if (d->tokens[id].n == s->n && !memcmp(d->tokens[id].p, s->p, s->n))
                return err_set(e, "tokenizer: duplicate token '%.*s' (ids %d and %d)", (int)s->n, s->p, id, i);
            h = (h + 1) & t->vocab_mask;
        }
    }
    /* special ids and flags: llama.cpp's defaults when the file has none */
    int spm = t->kind == TOK_SPM;
    t->bos = d->bos >= 0 ? d->bos : spm ? 1 : 11;
    t->eos = d->eos >= 0 ? d->eos : spm ? 2 : 11;
    t->unk = d->unk >= 0 ? d->unk : spm ? 0 : -1;
    t->eot = d->eot;
    if (t->bos >= d->n_vocab) t->bos = -1;
    if (t->eos >= d->n_vocab) t->eos = -1;
    if (t->unk >= d->n_vocab) t->unk = -1;
    if (t->eot >= d->n_vocab) t->eot = -1;
    t->add_bos = d->add_bos >= 0 ? d->add_bos : spm ? 1 : pre->add_bos;
    t->add_eos = d->add_eos >= 0 ? d->add_eos : 0;
    t->add_space_prefix = d->add_space_prefix >= 0 ? d->add_space_prefix : spm;
    t->clean_spaces = spm ? 0 : pre->clean_spaces;
    t->ignore_merges = spm ? 0 : pre->ignore_merges;
    if (t->add_bos && t->bos < 0) return err_set(e, "tokenizer: add_bos_token is set but there is no BOS token");
    if (t->add_eos && t->eos < 0) return err_set(e, "tokenizer: add_eos_token is set but there is no EOS token");
    tok__auto_attrs(t, d->name);
    for (int32_t i = 0; i < d->n_vocab; i++)
        if (t->attr[i] & (TOK_ATTR_CONTROL | TOK_ATTR_USER | TOK_ATTR_UNKNOWN)) t->special[t->n_special++] = i;
    tok__sort_special(t);

    /* byte tokens and the byte-level alphabet */
    for (int b = 0; b < 256; b++) t->byte_tok[b] = -1;
    for (int i = 0; i < 324; i++) t->cp_byte[i] = -1;
    int extra = 0;
    for (int b = 0; b < 256; b++) {
        int printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
        t->byte_cp[b] = (uint16_t)(printable ? b : 256 + extra++);
        t->cp_byte[t->byte_cp[b]] = (int16_t)b;
    }
    for (int b = 0; b < 256; b++) {
        char buf[8];
        if (spm) {
            snprintf(buf, sizeof buf, "<0x%02X>", b);
            t->byte_tok[b] = tok_find(t, buf, 6);
            if (t->byte_tok[b] < 0) { buf[0] = (char)b; t->byte_tok[b] = tok_find(t, buf, 1); }
        } else {
            int n = tok__utf8_encode(t->byte_cp[b], (uint8_t *)buf);
            t->byte_tok[b] = tok_find(t, buf, (size_t)n);
        }
    }
    if (spm) return 0;

    /* merges: "left right", split at the first space after the first byte */
    t->n_merges = d->n_merges;
    t->merges = d->merges;
    uint32_t msize = tok__table_size(d->n_merges);
    t->merge_sp = arena_alloc(a, (size_t)d->n_merges * sizeof(int32_t));
    t->merge_hash = arena_alloc(a, (size_t)msize * sizeof(int32_t));
    if (!t->merge_sp || !t->merge_hash) return err_set(e, "tokenizer: arena full");
    t->merge_mask = msize - 1;
    memset(t->merge_hash, 0xFF, (size_t)msize * sizeof(int32_t));
    for (int32_t m = 0; m < d->n_merges; m++) {
        const Str *s = &d->merges[m];
        const char *sp = s->n > 1 ? memchr(s->p + 1, ' ', s->n - 1) : NULL;
        t->merge_sp[m] = sp ? (int32_t)(sp - s->p) : -1;
        if (!sp) continue;
        uint32_t h = tok__fnv(TOK__FNV0, s->p, s->n) & t->merge_mask;
        for (;;) {
            int32_t o = t->merge_hash[h];
            if (o < 0) { t->merge_hash[h] = m; break; }
            if (d->merges[o].n == s->n && t->merge_sp[o] == t->merge_sp[m] && !memcmp(d->merges[o].p, s->p, s->n))
                break;                                      /* repeated merge: first rank wins */
            h = (h + 1) & t->merge_mask;
        }
    }
    for (t->n_re = 0; pre->re[t->n_re]; t->n_re++)
        if (tok__re_compile(&t->re[t->n_re], a, pre->re[t->n_re], e) < 0) return -1;
    return 0;
}

/* ---- encoding ---- */

/* Scratch bytes tok_encode needs for a text of text_len bytes. Per byte: special-token
 * fragments 2 x 2 x 12, code points 5, piece ends 2 x 4, regex stack 4 x 8 and undo 4 x 4,
 * memo 8, BPE word 6 and symbols 3 x 16 and heap 9 x 12 (invalid UTF-8 triples in size). */
static size_t tok_scratch_size(size_t text_len) {
    size_t n = text_len + 8;
    return ARENA_ROUND(2 * (2 * n) * 12) + ARENA_ROUND(4 * n) + ARENA_ROUND(n) + 2 * ARENA_ROUND(4 * n) +
           ARENA_ROUND((4 * n + 64) * 8) + ARENA_ROUND((4 * n + 64) * 4) + ARENA_ROUND(8 * n) +
           ARENA_ROUND(6 * n) + ARENA_ROUND(3 * n * 16) + ARENA_ROUND(9 * n * 12) + 16 * 64;
}

typedef struct { int32_t off, len, id; } TokFrag;      /* raw text (id -1) or a special token */

typedef struct { int32_t prev, next, off, n; } TokSym;  /* symbol: bytes [off, off+n) of the word */
typedef struct { float key; int32_t left, size; } TokBigram;

/* Min-heap on (key, left): SPM uses -score, BPE the merge rank. */
static int tok__bigram_less(const TokBigram *a, const TokBigram *b) {
    return a->key < b->key || (a->key == b->key && a->left < b->left);
}
static void tok__heap_push(TokBigram *h, int32_t *n, TokBigram v) {
    int32_t i = (*n)++;
    while (i > 0) {
        int32_t p = (i - 1) / 2;
        if (!tok__bigram_less(&v, &h[p])) break;
        h[i] = h[p]; i = p;
    }
    h[i] = v;
}
static TokBigram tok__heap_pop(TokBigram *h, int32_t *n) {
    TokBigram top = h[0], v = h[--(*n)];
    int32_t i = 0;
    for (;;) {
        int32_t c = 2 * i + 1;
        if (c >= *n) break;
        if (c + 1 < *n && tok__bigram_less(&h[c + 1], &h[c])) c++;
        if (!tok__bigram_less(&h[c], &v)) break;
        h[i] = h[c]; i = c;
    }
    if (*n > 0) h[i] = v;
    return top;
}

typedef struct {                /* output sink: counts everything, stores what fits */
    int32_t *out; int max, n;
} TokOut;
static void tok__put(TokOut *o, int32_t id) {
    if (o->n < o->max) o->out[o->n] = id;
    o->n++;
}

/* Split symbols of word[0..len) into UTF-8 characters (lead-byte lengths). */
static int32_t tok__symbols(const char *word, int32_t len, TokSym *sym) {
    int32_t n = 0;
    for (int32_t off = 0; off < len; n++) {
        int32_t l = (int32_t)tok__lead_len((uint8_t)word[off]);
        if (l > len - off) l = len - off;
        sym[n].off = off; sym[n].n = l;
        sym[n].prev = n - 1; sym[n].next = off + l < len ? n + 1 : -1;
        off += l;
    }
    return n;
}

/* Queue the pair (left, right) if it can merge: SPM when the joined text is a token (key
 * -score), BPE when "left right" is a merge (key rank). */
static void tok__try_pair(const Tokenizer *t, const char *word, TokSym *sym, int32_t left, int32_t right,
                          TokBigram *heap, int32_t *nh) {
    if (left < 0 || right < 0) return;
    TokBigram b;
    b.left = left;
    b.size = sym[left].n + sym[right].n;
    if (t->kind == TOK_SPM) {
        int32_t id = tok_find(t, word + sym[left].off, (size_t)b.size);
        if (id < 0) return;
        b.key = -(t->scores ? t->scores[id] : 0.0f);
    } else {
        int32_t r = tok__merge_rank(t, word + sym[left].off, (size_t)sym[left].n, word + sym[right].off, (size_t)sym[right].n);
        if (r < 0) return;
        b.key = (float)r;
    }
    tok__heap_push(heap, nh, b);
}

/* Merge adjacent symbols of word, best pair first, until no pair qualifies. */
static void tok__merge_word(const Tokenizer *t, const char *word, TokSym *sym, int32_t nsym, TokBigram *heap) {
    int32_t nh = 0;
    for (int32_t i = 1; i < nsym; i++) tok__try_pair(t, word, sym, i - 1, i, heap, &nh);
    while (nh > 0) {
        TokBigram b = tok__heap_pop(heap, &nh);
        TokSym *l = &sym[b.left];
        if (l->n == 0 || l->next < 0) continue;
        TokSym *r = &sym[l->next];
        if (r->n == 0 || l->n + r->n != b.size) continue;  /* stale: a side changed */
        l->n += r->n;
        r->n = 0;
        l->next = r->next;
        if (r->next >= 0) sym[r->next].prev = b.left;
        tok__try_pair(t, word, sym, l->prev, b.left, heap, &nh);
        tok__try_pair(t, word, sym, b.left, l->next, heap, &nh);
    }
}

/* SPM on one raw fragment (spaces already escaped, prefix added). */
static int tok__spm(const Tokenizer *t, Arena *s, const char *text, int32_t len, TokOut *o, Err *e) {
    int32_t nch = 0;                                        /* characters, not bytes, bound the work */
    for (int32_t off = 0; off < len; nch++) off += (int32_t)tok__lead_len((uint8_t)text[off]);
    TokSym *sym = arena_alloc(s, (size_t)(nch + 1) * sizeof(TokSym));
    TokBigram *heap = arena_alloc(s, (size_t)(3 * nch + 3) * sizeof(TokBigram));
    if (!sym || !heap) return err_set(e, "tokenizer: scratch arena full");
    int32_t n = tok__symbols(text, len, sym);
    tok__merge_word(t, text, sym, n, heap);
    for (int32_t i = 0; n > 0 && i != -1; i = sym[i].next) {
        int32_t id = tok_find(t, text + sym[i].off, (size_t)sym[i].n);
        if (id >= 0) { tok__put(o, id); continue; }
        for (int32_t j = 0; j < sym[i].n; j++) {            /* byte fallback */
            int32_t b = t->byte_tok[(uint8_t)text[sym[i].off + j]];
            if (b < 0) b = t->unk;
            if (b >= 0) tok__put(o, b);
        }
    }
    return 0;
}

/* BPE on one pre-tokenized word given as code points. */
static int tok__bpe_word(const Tokenizer *t, Arena *s, const uint32_t *cp, int32_t ncp, char *buf, TokOut *o, Err *e) {
    int32_t len = 0, nch = 0;
    for (int32_t i = 0; i < ncp; i++) {                     /* UTF-8, then byte-level chars */
        uint8_t u[4];
        int nu = tok__utf8_encode(cp[i], u);
        for (int k = 0; k < nu; k++) len += tok__utf8_encode(t->byte_cp[u[k]], (uint8_t *)buf + len);
        nch += nu;
    }
    if (t->ignore_merges) {
        int32_t id = tok_find(t, buf, (size_t)len);
        if (id >= 0) { tok__put(o, id); return 0; }
    }
    size_t mark = arena_mark(s);
    TokSym *sym = arena_alloc(s, (size_t)(nch + 1) * sizeof(TokSym));
    TokBigram *heap = arena_alloc(s, (size_t)(3 * nch + 3) * sizeof(TokBigram));
    if (!sym || !heap) return err_set(e, "tokenizer: scratch arena full");
    int32_t n = tok__symbols(buf, len, sym);
    tok__merge_word(t, buf, sym, n, heap);
    for (int32_t i = 0; n > 0 && i != -1; i = sym[i].next) {
        int32_t id = tok_find(t, buf + sym[i].off, (size_t)sym[i].n);
        if (id >= 0) { tok__put(o, id); continue; }
        for (int32_t j = 0; j < sym[i].n; j++) {            /* llama.cpp: each raw byte as a token */
            int32_t b = tok_find(t, buf + sym[i].off + j, 1);
            if (b >= 0) tok__put(o, b);
        }
    }
    arena_reset(s, mark);
    return 0;
}

/* BPE on one raw fragment: code points, regex splits, then words. */
static int tok__bpe(const Tokenizer *t, Arena *s, const char *text, int32_t len, TokOut *o, Err *e) {
    uint32_t *cp = arena_alloc(s, (size_t)(len + 1) * sizeof(uint32_t));
    uint8_t *cw = arena_alloc(s, (size_t)(len + 1));
    int32_t *ends = arena_alloc(s, (size_t)(len + 1) * sizeof(int32_t));
    int32_t *ends2 = arena_alloc(s, (size_t)(len + 1) * sizeof(int32_t));
    if (!cp || !cw || !ends || !ends2) return err_set(e, "tokenizer: scratch arena full");
    int32_t n = 0;
    for (size_t off = 0; off < (size_t)len; n++) {
        size_t adv;
        cp[n] = tok__utf8_decode((const uint8_t *)text + off, (size_t)len - off, &adv);
        cw[n] = (uint8_t)tok__ucd_lookup(cp[n]);
        off += adv;
    }
    int32_t nends = 1;
    ends[0] = n;
    TokReRun r;
    memset(&r, 0, sizeof r);
    r.stack_cap = 4 * n + 64;
    r.undo_cap = 4 * n + 64;
    r.stack = arena_alloc(s, (size_t)r.stack_cap * sizeof r.stack[0]);
    r.undo = arena_alloc(s, (size_t)r.undo_cap * sizeof(uint32_t));
    r.memo = arena_alloc(s, (size_t)(n + 1) * 2 * sizeof(uint32_t));   /* TOK_RE_MAX_SLOTS bits */
    if (!r.stack || !r.undo || !r.memo) return err_set(e, "tokenizer: scratch arena full");
    for (int k = 0; k < t->n_re; k++) {
        int32_t m = 0, start = 0;
        for (int32_t i = 0; i < nends; i++) {
            r.cp = cp + start; r.cw = cw + start; r.n = ends[i] - start;
            int32_t c = tok__re_split(&t->re[k], &r, ends2 + m, e);
            if (c < 0) return -1;
            for (int32_t j = 0; j < c; j++) ends2[m + j] += start;
            m += c;
            start = ends[i];
        }
        int32_t *tmp = ends; ends = ends2; ends2 = tmp;
        nends = m;
    }
    char *buf = arena_alloc(s, (size_t)len * 6 + 8);
    if (!buf) return err_set(e, "tokenizer: scratch arena full");
    for (int32_t i = 0, start = 0; i < nends; start = ends[i++])
        if (tok__bpe_word(t, s, cp + start, ends[i] - start, buf, o, e) < 0) return -1;
    return 0;
}

/* First occurrence of needle in hay, -1 if none. */
static int64_t tok__find_bytes(const char *hay, size_t hn, const char *nd, size_t nn) {
    if (nn == 0 || nn > hn) return -1;
    const char *p = hay, *end = hay + hn - nn + 1;
    while (p < end) {
        p = memchr(p, nd[0], (size_t)(end - p));
        if (!p) return -1;
        if (!memcmp(p, nd, nn)) return p - hay;
        p++;
    }
    return -1;
}

static int tok__isspace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; }

/* Split raw fragments on special token id (llama.cpp's tokenizer_st_partition step):
 * from src[0..n) to dst, returns the new count. */
static int32_t tok__partition(const Tokenizer *t, const char *text, int32_t id, const TokFrag *src, int32_t n, TokFrag *dst) {
    const Str *tk = &t->tokens[id];
    uint16_t at = t->attr[id];
    int32_t m = 0;
    for (int32_t i = 0; i < n; i++) {
        if (src[i].id >= 0) { dst[m++] = src[i]; continue; }
        int32_t off = src[i].off, len = src[i].len;
        for (;;) {
            int64_t f = tok__find_bytes(text + off, (size_t)len, tk->p, tk->n);
            if (f < 0) { dst[m].off = off; dst[m].len = len; dst[m].id = -1; m++; break; }
            int32_t left = (int32_t)f;
            if (at & TOK_ATTR_LSTRIP) while (left > 0 && tok__isspace(text[off + left - 1])) left--;
            if (left > 0) { dst[m].off = off; dst[m].len = left; dst[m].id = -1; m++; }
            dst[m].off = off + (int32_t)f; dst[m].len = (int32_t)tk->n; dst[m].id = id; m++;
            int32_t roff = off + (int32_t)f + (int32_t)tk->n, rlen = len - (int32_t)f - (int32_t)tk->n;
            if (rlen <= 0) break;
            if (at & TOK_ATTR_RSTRIP) while (rlen > 0 && tok__isspace(text[roff])) roff++, rlen--;
            if (rlen <= 0) break;
            off = roff; len = rlen;
        }
    }
    return m;
}

/* Encode text to token ids (see TOK.md): special tokens first, then SPM or BPE on the
 * raw fragments. Returns the id count, -1 with err when it exceeds max_out. */
static int tok_encode(const Tokenizer *t, Arena *scratch, const char *text, size_t len,
                      int add_bos, int parse_special, int32_t *out, int max_out, Err *e) {
    size_t mark = arena_mark(scratch);
    TokOut o = { out, max_out, 0 };
    int rc = 0;
    if (len > (size_t)INT32_MAX / 8) return err_set(e, "tokenizer: text too long (%zu bytes)", len);
    int32_t cap = 2 * (int32_t)len + 3, nf = 0;
    TokFrag *fa = arena_alloc(scratch, (size_t)cap * sizeof(TokFrag));
    TokFrag *fb = arena_alloc(scratch, (size_t)cap * sizeof(TokFrag));
    if (!fa || !fb) { rc = err_set(e, "tokenizer: scratch arena full"); goto done; }
    if (len > 0) { fa[0].off = 0; fa[0].len = (int32_t)len; fa[0].id = -1; nf = 1; }
    uint8_t seen[256] = { 0 };
    for (size_t i = 0; i < len; i++) seen[(uint8_t)text[i]] = 1;
    for (int32_t k = 0; k < t->n_special && nf > 0; k++) {
        int32_t id = t->special[k];
        const Str *tk = &t->tokens[id];
        if (!parse_special && (t->attr[id] & (TOK_ATTR_CONTROL | TOK_ATTR_UNKNOWN))) continue;
        if (tk->n == 0 || tk->n > len || !seen[(uint8_t)tk->p[0]]) continue;
        int found = 0;
        for (int32_t i = 0; i < nf && !found; i++)
            found = fa[i].id < 0 && tok__find_bytes(text + fa[i].off, (size_t)fa[i].len, tk->p, tk->n) >= 0;
        if (!found) continue;
        nf = tok__partition(t, text, id, fa, nf, fb);
        TokFrag *tmp = fa; fa = fb; fb = tmp;
    }
    int bos = add_bos && t->add_bos && t->bos >= 0;
    if (bos) tok__put(&o, t->bos);
    int prev_special = 1;                                   /* SPM: space prefix at the start */
    for (int32_t i = 0; i < nf; i++) {
        if (fa[i].id >= 0) { tok__put(&o, fa[i].id); prev_special = 1; continue; }
        size_t m2 = arena_mark(scratch);
        const char *p = text + fa[i].off;
        int32_t n = fa[i].len;
        if (t->kind == TOK_SPM) {                           /* ' ' -> U+2581, optional prefix */
            int prefix = t->add_space_prefix && prev_special;
            char *buf = arena_alloc(scratch, (size_t)(n + 1) * 3);
            if (!buf) { rc = err_set(e, "tokenizer: scratch arena full"); goto done; }
            int32_t bn = 0;
            for (int32_t j = -prefix; j < n; j++) {
                char c = j < 0 ? ' ' : p[j];
                if (c == ' ') { buf[bn++] = (char)0xE2; buf[bn++] = (char)0x96; buf[bn++] = (char)0x81; }
                else buf[bn++] = c;
            }
            rc = tok__spm(t, scratch, buf, bn, &o, e);
        } else {
            rc = tok__bpe(t, scratch, p, n, &o, e);
        }
        arena_reset(scratch, m2);
        if (rc < 0) goto done;
        prev_special = 0;
    }
    if (add_bos && t->add_eos && t->eos >= 0) tok__put(&o, t->eos);
    if (o.n > max_out) rc = err_set(e, "prompt too long: %d tokens, limit %d", o.n, max_out);
done:
    arena_reset(scratch, mark);
    return rc < 0 ? -1 : o.n;
}

/* ---- decoding ---- */

/* Piece writer: drops up to `strip` leading spaces, counts every byte, stores what fits. */
typedef struct { char *buf; int cap, n, strip; } TokPieceOut;
static void tok__pc(TokPieceOut *w, char c) {
    if (w->n == 0 && w->strip > 0 && c == ' ') { w->strip--; return; }
    w->strip = 0;
    if (w->n < w->cap) w->buf[w->n] = c;
    w->n++;
}

/* Piece of token id into buf (llama.cpp's token_to_piece with special = false), after
 * dropping up to lstrip leading spaces. Returns the length, or -length when cap is too
 * small (then buf holds a truncated piece). */
static int tok__piece(const Tokenizer *t, int32_t id, char *buf, int cap, int lstrip) {
    if (id < 0 || id >= t->n_vocab) return 0;
    uint16_t at = t->attr[id];
    const Str *s = &t->tokens[id];
    TokPieceOut w = { buf, cap, 0, lstrip };
    if (at & (TOK_ATTR_CONTROL | TOK_ATTR_UNKNOWN)) return 0;
    if (at & TOK_ATTR_USER) {                               /* raw text */
        for (size_t i = 0; i < s->n; i++) tok__pc(&w, s->p[i]);
    } else if (at & TOK_ATTR_NORMAL) {
        for (size_t i = 0; i < s->n;) {
            if (t->kind == TOK_SPM) {                       /* U+2581 -> ' ' */
                if (i + 3 <= s->n && !memcmp(s->p + i, "\xe2\x96\x81", 3)) { tok__pc(&w, ' '); i += 3; }
                else tok__pc(&w, s->p[i++]);
                continue;
            }
            size_t adv;                                     /* byte-level char -> byte */
            uint32_t cp = tok__utf8_decode((const uint8_t *)s->p + i, s->n - i, &adv);
            if (cp < 324 && t->cp_byte[cp] >= 0) {
                tok__pc(&w, (char)t->cp_byte[cp]);
            } else {                                        /* as llama.cpp: "[UNK_BYTE_0x<hex><text>]" */
                static const char hex[] = "0123456789abcdef";
                uint8_t u[4];
                int nu = tok__utf8_encode(cp, u);
                for (const char *q = "[UNK_BYTE_0x"; *q; q++) tok__pc(&w, *q);
                for (int j = 0; j < nu; j++) { tok__pc(&w, hex[u[j] >> 4]); tok__pc(&w, hex[u[j] & 15]); }
                for (size_t j = 0; j < s->n; j++) tok__pc(&w, s->p[j]);
                tok__pc(&w, ']');
            }
            i += adv;
        }
    } else if (at & TOK_ATTR_BYTE) {                        /* <0xAB> */
        unsigned v = 0;
        for (size_t i = 3; i < 5 && i < s->n; i++) {
            char h = s->p[i];
            v = v * 16 + (unsigned)(h >= '0' && h <= '9' ? h - '0' : h >= 'A' && h <= 'F' ? h - 'A' + 10 :
                                    h >= 'a' && h <= 'f' ? h - 'a' + 10 : 0);
        }
        tok__pc(&w, (char)v);
    }
    return w.n <= cap ? w.n : -w.n;
}

/* Bytes token id stands for (see tok__piece); control tokens give "". */
static int tok_piece(const Tokenizer *t, int32_t id, char *buf, int cap) {
    return tok__piece(t, id, buf, cap, 0);
}

/* Text of ids[0..n) as llama.cpp's detokenize(remove_special = false, unparse_special =
 * false): pieces concatenated, one leading space dropped from the first piece when the
 * vocabulary adds a space prefix, and the clean-up of " ," " 's" etc. for vocabularies
 * that ask for it. Returns the length, or -length when cap is too small. */
LLM_MAYBE_UNUSED static int tok_decode(const Tokenizer *t, const int32_t *ids, int n, char *buf, int cap) {
    int avail = cap, total = 0, lstrip = t->add_space_prefix;
    for (int i = 0; i < n; i++) {
        int k = tok__piece(t, ids[i], buf + (total < cap ? total : cap), avail, lstrip);
        lstrip = 0;
        if (k < 0) { avail = 0; total -= k; }
        else { avail -= k; total += k; }
    }
    if (total > cap) return -total;
    if (t->clean_spaces && total > 0) {
        char *s = buf;
        int n1 = total, m = 1;
        for (int i = 1; i < n1; i++) {                      /* " ?" " !" " ." " ," */
            char x = s[i];
            if (s[i - 1] == ' ' && (x == '?' || x == '!' || x == '.' || x == ',')) m--;
            s[m++] = x;
        }
        int n2 = m; m = 1;
        for (int i = 1; i < n2; i++) {                      /* " ' " -> "'" */
            char x = s[i];
            if (x == '\'' && i + 1 < n2 && s[i - 1] == ' ' && s[i + 1] == ' ') { m--; s[++i] = 0; }
            s[m++] = x;
        }
        int n3 = m; m = 1;
        for (int i = 1; i < n3; i++) {                      /* " 's" " 'm" " 're" " 've" */
            char x = s[i];
            if (s[i - 1] == ' ' && x == '\'' && i + 1 < n3) {
                char x1 = s[i + 1];
                if (x1 == 's' || x1 == 'm') m--;
                else if (i + 2 < n3 && ((x1 == 'r' && s[i + 2] == 'e') || (x1 == 'v' && s[i + 2] == 'e'))) m--;
            }
            s[m++] = x;
        }
        total = m;
    }
    return total;
}

/* Whether id ends generation (EOS, EOT and the end-of-turn tokens llama.cpp knows). */
static int tok_is_eog(const Tokenizer *t, int32_t id) {
    return id >= 0 && id < t->n_vocab && (t->attr[id] & TOK_ATTR_EOG);
}

/* ---- the tokenizer description from GGUF metadata ---- */

typedef struct {
    int32_t n_vocab, n_merges;
} TokCounts;

static TokCounts tok_counts(const Gguf *g) {
    TokCounts c = { 0, 0 };
    GgufKV kv;
    if (gguf_find(g, "tokenizer.ggml.tokens", &kv) && kv.type == GGUF_ARRAY && kv.arr_type == GGUF_STRING &&
        kv.arr_n < INT32_MAX)
        c.n_vocab = (int32_t)kv.arr_n;
    if (gguf_find(g, "tokenizer.ggml.merges", &kv) && kv.type == GGUF_ARRAY && kv.arr_type == GGUF_STRING &&
        kv.arr_n < INT32_MAX)
        c.n_merges = (int32_t)kv.arr_n;
    return c;
}

/* Arena bytes tok_init will take for this file's vocabulary (from counts and names
 * only, so the plan is made before anything is built). */
static size_t tok_plan_size(const Gguf *g, TokCounts c) {
    TokDesc d;
    memset(&d, 0, sizeof d);
    d.n_vocab = c.n_vocab, d.n_merges = c.n_merges;
    d.model = gguf_get_str(g, "tokenizer.ggml.model");
    d.pre = gguf_get_str(g, "tokenizer.ggml.pre");
    return tok_mem_size(&d);
}

/* Arena bytes for the slices and arrays tok_desc_from_gguf builds. */
static size_t tok_desc_mem_size(TokCounts c) {
    return ARENA_ROUND((size_t)c.n_vocab * sizeof(Str)) + ARENA_ROUND((size_t)c.n_vocab * 4) * 2 +
           ARENA_ROUND((size_t)c.n_merges * sizeof(Str)) + 4 * ARENA_ALIGN;
}

/* Reads an array of n scalars of type want (4-byte types) into dst (copied: the file's
 * arrays need not be aligned). */
static int tok__arr4(const Gguf *g, const char *key, uint32_t want, int32_t n, void *dst, Err *e) {
    GgufKV kv;
    if (!gguf_find(g, key, &kv)) return 1;
    if (kv.type != GGUF_ARRAY || kv.arr_type != want || kv.arr_n != (uint64_t)n)
        return err_set(e, "tokenizer metadata '%s' has the wrong type or length (%llu, vocabulary %d)",
                       key, (unsigned long long)kv.arr_n, n);
    memcpy(dst, kv.val, (size_t)n * 4);
    return 0;
}

static int tok_desc_from_gguf(TokDesc *d, Arena *a, const Gguf *g, Err *e) {
    memset(d, 0, sizeof *d);
    TokCounts c = tok_counts(g);
    d->model = gguf_get_str(g, "tokenizer.ggml.model");
    d->pre = gguf_get_str(g, "tokenizer.ggml.pre");
    d->name = gguf_get_str(g, "general.name");
    if (!c.n_vocab || !d->model.n)
        return err_set(e, "the model file has no tokenizer (tokenizer.ggml.model and tokens are missing)");
    d->n_vocab = c.n_vocab;
    d->n_merges = c.n_merges;
    Str *tokens = arena_alloc(a, (size_t)c.n_vocab * sizeof(Str));
    float *scores = arena_alloc(a, (size_t)c.n_vocab * 4);
    int32_t *types = arena_alloc(a, (size_t)c.n_vocab * 4);
    Str *merges = c.n_merges ? arena_alloc(a, (size_t)c.n_merges * sizeof(Str)) : NULL;
    if (!tokens || !scores || !types || (c.n_merges && !merges))
        return err_set(e, "internal error: the arena is smaller than the memory plan");
    GgufKV kv;
    gguf_find(g, "tokenizer.ggml.tokens", &kv);
    GgufCur cur = { g->base, (size_t)(kv.val - g->base), g->size, NULL, 0 };
    for (int32_t i = 0; i < c.n_vocab; i++) tokens[i] = gguf__str(&cur, "");
    if (c.n_merges) {
        gguf_find(g, "tokenizer.ggml.merges", &kv);
        cur.off = (size_t)(kv.val - g->base);
        for (int32_t i = 0; i < c.n_merges; i++) merges[i] = gguf__str(&cur, "");
    }
    int r = tok__arr4(g, "tokenizer.ggml.scores", GGUF_F32, c.n_vocab, scores, e);
    if (r < 0) return -1;
    d->scores = r ? NULL : scores;
    r = tok__arr4(g, "tokenizer.ggml.token_type", GGUF_I32, c.n_vocab, types, e);
    if (r < 0) return -1;
    d->types = r ? NULL : types;
    d->tokens = tokens;
    d->merges = merges;
    int32_t *ids[] = { &d->bos, &d->eos, &d->unk, &d->sep, &d->pad, &d->eot };
    const char *keys[] = { "bos", "eos", "unknown", "seperator", "padding", "eot" };
    for (int i = 0; i < 6; i++) {
        char k[64];
        snprintf(k, sizeof k, "tokenizer.ggml.%s_token_id", keys[i]);
        int64_t v = gguf_get_int(g, k, -1);
        *ids[i] = v >= 0 && v < c.n_vocab ? (int32_t)v : -1;
    }
    d->add_bos = (int)gguf_get_int(g, "tokenizer.ggml.add_bos_token", -1);
    d->add_eos = (int)gguf_get_int(g, "tokenizer.ggml.add_eos_token", -1);
    d->add_space_prefix = (int)gguf_get_int(g, "tokenizer.ggml.add_space_prefix", -1);
    return 0;
}

/* ============================================================================
 * 14. template: Jinja subset that runs the model's own chat template
 *
 * Renders a model's `chat_template` exactly as Hugging Face does with Python's jinja2:
 * ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True) with the
 * loopcontrols extension, a {% generation %} block that renders its body, globals
 * raise_exception(msg) and strftime_now(fmt), and tojson as json.dumps(x,
 * ensure_ascii=False, indent=, separators=, sort_keys=). Values follow Python: ints
 * and floats kept apart (1/2 = 0.5, 4/2 = 2.0, 7//2 = 3), None/True/False printed
 * as such, lists and dicts printed as their repr, jinja2's default Undefined (prints
 * as "", is false and empty, errors on attribute access, arithmetic and calls).
 * Spec: https://jinja.palletsprojects.com/en/stable/templates/ and jinja2's lexer.
 *
 * Pipeline: lexer (whitespace control applied there, as jinja2 does) -> tokens ->
 * recursive-descent parser -> tree -> tree-walking interpreter. Everything lives in
 * the arena given to tmpl_render, which is reset to its mark before returning; only
 * the rendered text (in the caller's buffer) survives. Bounds: TMPL_MAX_STEPS
 * evaluation steps, TMPL_MAX_DEPTH of parse nesting and macro calls, the caller's
 * output capacity, and the arena: a hostile template ends in an error, never a hang.
 * Not supported (an error if used): include/import/extends/block, autoescape,
 * Unicode case mapping beyond ASCII in upper/lower/title, big integers.
 * ========================================================================== */

#define TMPL_MAX_STEPS 4000000L   /* evaluation steps per render */
#define TMPL_MAX_DEPTH 200        /* parse nesting, macro call depth */

enum { V_UNDEF, V_NONE, V_BOOL, V_INT, V_FLOAT, V_STR, V_LIST, V_DICT, V_NS, V_MACRO, V_FUNC, V_LOOP };

typedef struct TList TList;
typedef struct TDict TDict;
typedef struct TMacro TMacro;
typedef struct TFunc TFunc;
typedef struct TLoop TLoop;

typedef struct {
    uint8_t t;      /* V_* */
    uint8_t tuple;  /* V_LIST: printed as a tuple; V_STR: 1 when Markup (safe) */
    union {
        int64_t i;                            /* V_BOOL, V_INT */
        double f;                             /* V_FLOAT */
        struct { const char *p; size_t n; } s;/* V_STR; V_UNDEF: the error message */
        TList *l;
        TDict *d;                             /* V_DICT, V_NS */
        TMacro *m;
        TFunc *fn;
        TLoop *lp;
    } u;
} TV;

struct TList { TV *v; size_t n, cap; };
struct TDict { TV *k, *v; size_t n, cap; };

typedef struct { char *p; size_t n, cap; int fixed; } TBuf;   /* output or capture */

enum { T_EOF, T_DATA, T_VBEGIN, T_VEND, T_BBEGIN, T_BEND, T_NAME, T_STR, T_INT, T_FLOAT, T_OP };
typedef struct {
    int t, line;
    Str s;          /* T_DATA/T_NAME/T_OP: text; T_STR: decoded value */
    int64_t i;      /* T_INT */
    double f;       /* T_FLOAT */
} TTok;

typedef struct TNode TNode;
enum {
    /* expressions */
    N_LIT, N_NAME, N_LIST, N_TUPLE, N_DICT, N_ATTR, N_ITEM, N_SLICE, N_CALL, N_FILTER,
    N_TEST, N_BIN, N_NEG, N_POS, N_NOT, N_AND, N_OR, N_COND, N_CMP, N_CONCAT,
    /* statements */
    N_TEXT, N_OUT, N_IF, N_FOR, N_SET, N_SETBLOCK, N_MACRO, N_CALLBLOCK, N_FILTERBLOCK,
    N_BREAK, N_CONTINUE, N_BODY
};
struct TNode {
    int k, line;
    int op;            /* N_BIN, N_CMP ops: operator token index */
    Str s;             /* name, attribute, filter/test name, text */
    TV lit;            /* N_LIT */
    TNode *a, *b, *c, *d; /* operands / bodies */
    TNode **kids;      /* args, list items, statement lists, compare operands */
    int nk;
    Str *kwn;          /* keyword argument names */
    TNode **kwv;       /* keyword argument values */
    int nkw;
    int *ops;          /* N_CMP: operator per operand */
    Str *names;        /* N_FOR/N_SET targets, N_MACRO parameter names */
    int nnames;
};

typedef struct TScope TScope;
struct TScope { TScope *up; TDict vars; };

struct TMacro { TNode *def; TScope *closure; TV caller; };
struct TFunc { int id; TV self; Str name; TLoop *loop; };
struct TLoop {
    TList *items; size_t idx; int depth;
    TNode *recurse;  /* unused: recursive loops are not supported */
};

typedef struct {
    Arena *a;
    Err *e;
    const char *src; size_t n;
    TTok *tok; size_t ntok, tcap, pos;   /* lexer output, parser cursor */
    int depth;                           /* parse nesting / call depth */
    long steps;
    TBuf *out;                           /* where text goes now */
    int ctl;                             /* 1 break, 2 continue pending */
    int line;                            /* line being evaluated, for messages */
    int soft;                            /* parsing inside if/conditional: unknown filters and
                                            tests fail only when run, as in jinja2 */
} Tmpl;

/* ---- errors, memory, buffers ---- */

static int tmpl__err(Tmpl *t, int line, const char *fmt, ...) {
    if (t->e && !t->e->msg[0]) {
        char m[400];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(m, sizeof m, fmt, ap);
        va_end(ap);
        if (line > 0) err_set(t->e, "template: %s (line %d)", m, line);
        else err_set(t->e, "template: %s", m);
    }
    return -1;
}

static void *tmpl__alloc(Tmpl *t, size_t n) {
    void *p = arena_alloc(t->a, n ? n : 1);
    if (!p) tmpl__err(t, 0, "out of memory (arena of %zu bytes)", t->a->size);
    return p;
}

static int tmpl__buf_put(Tmpl *t, TBuf *b, const char *s, size_t n) {
    if (b->n + n > b->cap) {
        if (b->fixed) return tmpl__err(t, t->line, "output exceeds %zu bytes", b->cap);
        size_t cap = b->cap ? b->cap * 2 : 64;
        while (cap < b->n + n) cap *= 2;
        char *p = tmpl__alloc(t, cap);
        if (!p) return -1;
        if (b->n) memcpy(p, b->p, b->n);
        b->p = p, b->cap = cap;
    }
    if (n) memcpy(b->p + b->n, s, n);
    b->n += n;
    return 0;
}
static int tmpl__buf_puts(Tmpl *t, TBuf *b, const char *s) { return tmpl__buf_put(t, b, s, strlen(s)); }

static TV tv_str(const char *p, size_t n) { TV v; memset(&v, 0, sizeof v); v.t = V_STR; v.u.s.p = p; v.u.s.n = n; return v; }
static TV tv_int(int64_t i) { TV v; memset(&v, 0, sizeof v); v.t = V_INT; v.u.i = i; return v; }
static TV tv_float(double f) { TV v; memset(&v, 0, sizeof v); v.t = V_FLOAT; v.u.f = f; return v; }
static TV tv_bool(int b) { TV v; memset(&v, 0, sizeof v); v.t = V_BOOL; v.u.i = !!b; return v; }
static TV tv_none(void) { TV v; memset(&v, 0, sizeof v); v.t = V_NONE; return v; }

static TV tv_undef(Tmpl *t, const char *fmt, ...) {
    TV v; memset(&v, 0, sizeof v);
    v.t = V_UNDEF;
    char m[300];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(m, sizeof m, fmt, ap);
    va_end(ap);
    if (n < 0) n = 0;
    if ((size_t)n >= sizeof m) n = sizeof m - 1;
    char *p = arena_alloc(t->a, (size_t)n + 1);
    if (p) { memcpy(p, m, (size_t)n); v.u.s.p = p; v.u.s.n = (size_t)n; }
    return v;
}

static TV tv_strdup(Tmpl *t, const char *p, size_t n) {
    char *q = tmpl__alloc(t, n + 1);
    if (!q) return tv_str("", 0);
    memcpy(q, p, n);
    return tv_str(q, n);
}

static TList *tmpl__list(Tmpl *t, size_t cap) {
    TList *l = tmpl__alloc(t, sizeof *l);
    if (!l) return NULL;
    if (cap) { l->v = tmpl__alloc(t, cap * sizeof(TV)); if (!l->v) return NULL; l->cap = cap; }
    return l;
}
static int tmpl__list_push(Tmpl *t, TList *l, TV v) {
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 4;
        TV *p = tmpl__alloc(t, cap * sizeof(TV));
        if (!p) return -1;
        if (l->n) memcpy(p, l->v, l->n * sizeof(TV));
        l->v = p, l->cap = cap;
    }
    l->v[l->n++] = v;
    return 0;
}
static TV tv_list(TList *l) { TV v; memset(&v, 0, sizeof v); v.t = V_LIST; v.u.l = l; return v; }
static TV tv_dict(TDict *d) { TV v; memset(&v, 0, sizeof v); v.t = V_DICT; v.u.d = d; return v; }

static int tv_eq(const TV *a, const TV *b);

static TV *tmpl__dict_find(TDict *d, const TV *k) {
    for (size_t i = 0; i < d->n; i++) if (tv_eq(&d->k[i], k)) return &d->v[i];
    return NULL;
}
static TV *tmpl__dict_find_s(TDict *d, const char *p, size_t n) {
    for (size_t i = 0; i < d->n; i++)
        if (d->k[i].t == V_STR && d->k[i].u.s.n == n && !memcmp(d->k[i].u.s.p, p, n)) return &d->v[i];
    return NULL;
}
static int tmpl__dict_set(Tmpl *t, TDict *d, TV k, TV v) {
    TV *old = tmpl__dict_find(d, &k);
    if (old) { *old = v; return 0; }
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 4;
        TV *nk = tmpl__alloc(t, cap * sizeof(TV)), *nv = tmpl__alloc(t, cap * sizeof(TV));
        if (!nk || !nv) return -1;
        if (d->n) { memcpy(nk, d->k, d->n * sizeof(TV)); memcpy(nv, d->v, d->n * sizeof(TV)); }
        d->k = nk, d->v = nv, d->cap = cap;
    }
    d->k[d->n] = k, d->v[d->n] = v, d->n++;
    return 0;
}

/* ---- UTF-8 helpers (strings index by code point, as Python does) ---- */

static size_t tmpl__ulen(const char *p, size_t n) {
    size_t c = 0;
    for (size_t i = 0; i < n; i++) c += ((uint8_t)p[i] & 0xC0) != 0x80;
    return c;
}
/* byte offset of code point index ci (clamped to n) */
static size_t tmpl__uoff(const char *p, size_t n, size_t ci) {
    size_t i = 0;
    while (i < n && ci) { i++; while (i < n && ((uint8_t)p[i] & 0xC0) == 0x80) i++; ci--; }
    return i;
}
static uint32_t tmpl__udec(const char *p, size_t n, size_t *len) {
    uint8_t c = (uint8_t)p[0];
    int l = utf8_len(c);
    if ((size_t)l > n) l = 1;
    uint32_t cp = l == 1 ? c : l == 2 ? c & 0x1F : l == 3 ? c & 0x0F : c & 0x07;
    for (int k = 1; k < l; k++) cp = cp << 6 | ((uint8_t)p[k] & 0x3F);
    *len = (size_t)l;
    return cp;
}
static int tmpl__isspace_cp(uint32_t c) {
    return c == ' ' || (c >= 9 && c <= 13) || (c >= 0x1C && c <= 0x1F) || c == 0x85 || c == 0xA0 ||
           c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 ||
           c == 0x202F || c == 0x205F || c == 0x3000;
}
/* strip whitespace (chars == NULL) or any of the code points in chars; where: 1 left, 2 right */
static Str tmpl__strip(Str s, const Str *chars, int where) {
    size_t b = 0, e = s.n, l;
    while (b < e && (where & 1)) {
        uint32_t c = tmpl__udec(s.p + b, e - b, &l);
        int hit = 0;
        if (!chars) hit = tmpl__isspace_cp(c);
        else for (size_t k = 0, m; k < chars->n; k += m) if (tmpl__udec(chars->p + k, chars->n - k, &m) == c) { hit = 1; break; }
        if (!hit) break;
        b += l;
    }
    while (e > b && (where & 2)) {
        size_t s0 = e - 1;
        while (s0 > b && ((uint8_t)s.p[s0] & 0xC0) == 0x80) s0--;
        uint32_t c = tmpl__udec(s.p + s0, e - s0, &l);
        int hit = 0;
        if (!chars) hit = tmpl__isspace_cp(c);
        else for (size_t k = 0, m; k < chars->n; k += m) if (tmpl__udec(chars->p + k, chars->n - k, &m) == c) { hit = 1; break; }
        if (!hit) break;
        e = s0;
    }
    Str r = { s.p + b, e - b };
    return r;
}

/* ============================== lexer ============================== */

static int tmpl__push_tok(Tmpl *t, int type, int line, const char *p, size_t n) {
    if (t->ntok == t->tcap) {
        size_t cap = t->tcap ? t->tcap * 2 : 256;
        TTok *nt = tmpl__alloc(t, cap * sizeof *nt);
        if (!nt) return -1;
        if (t->ntok) memcpy(nt, t->tok, t->ntok * sizeof *nt);
        t->tok = nt, t->tcap = cap;
    }
    TTok *k = &t->tok[t->ntok++];
    memset(k, 0, sizeof *k);
    k->t = type, k->line = line, k->s.p = p, k->s.n = n;
    return 0;
}

static int tmpl__pyspace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' || (c >= 0x1c && c <= 0x1f); }

static int tmpl__line_of(Tmpl *t, size_t pos) {
    int l = 1;
    for (size_t i = 0; i < pos && i < t->n; i++) l += t->src[i] == '\n';
    return l;
}

/* Python's unicode-escape decoding of a string literal's body. */
static int tmpl__unescape(Tmpl *t, const char *p, size_t n, Str *out, int line) {
    char *o = tmpl__alloc(t, n + 1);
    if (!o) return -1;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] != '\\' || i + 1 >= n) { o[k++] = p[i]; continue; }
        char c = p[++i];
        uint32_t cp; int digits = 0;
        switch (c) {
        case '\n': break;
        case '\\': o[k++] = '\\'; break;
        case '\'': o[k++] = '\''; break;
        case '"': o[k++] = '"'; break;
        case 'a': o[k++] = 7; break;
        case 'b': o[k++] = 8; break;
        case 'f': o[k++] = 12; break;
        case 'n': o[k++] = '\n'; break;
        case 'r': o[k++] = '\r'; break;
        case 't': o[k++] = '\t'; break;
        case 'v': o[k++] = 11; break;
        case 'x': digits = 2; break;
        case 'u': digits = 4; break;
        case 'U': digits = 8; break;
        default:
            if (c >= '0' && c <= '7') {
                cp = (uint32_t)(c - '0');
                for (int d = 0; d < 2 && i + 1 < n && p[i + 1] >= '0' && p[i + 1] <= '7'; d++) cp = cp * 8 + (uint32_t)(p[++i] - '0');
                k += (size_t)json__put_utf8(o + k, cp);
            } else { o[k++] = '\\'; o[k++] = c; }
        }
        if (digits) {
            cp = 0;
            for (int d = 0; d < digits; d++) {
                char h = i + 1 < n ? p[i + 1] : 0;
                int v = h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10 : h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
                if (v < 0) return tmpl__err(t, line, "truncated \\%cXX escape in a string", c);
                cp = cp * 16 + (uint32_t)v, i++;
            }
            if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return tmpl__err(t, line, "bad escape in a string");
            k += (size_t)json__put_utf8(o + k, cp);
        }
    }
    o[k] = 0;
    out->p = o, out->n = k;
    return 0;
}

static const char *tmpl__ops[] = { "//", "**", "==", "!=", "<=", ">=", "+", "-", "/", "*", "%", "~",
    "[", "]", "(", ")", "{", "}", "<", ">", "=", ".", ":", "|", ",", ";", NULL };

/* Tokens of one {{ }} or {% %} tag starting at *pos (just after the opening); leaves
 * *pos after the closing, with *trail_nl set when the match ended in a newline. */
static int tmpl__lex_tag(Tmpl *t, size_t *pos, int block, int *line_starting) {
    const char *s = t->src;
    size_t n = t->n, i = *pos;
    char stack[64]; int sp = 0;
    for (;;) {
        while (i < n && tmpl__pyspace(s[i])) i++;
        int line = tmpl__line_of(t, i);
        if (i >= n) return tmpl__err(t, line, "unexpected end of template, expected '%s'", block ? "%}" : "}}");
        if (!sp) {
            char c = block ? '%' : '}';
            if (block && s[i] == '+' && i + 2 < n && s[i + 1] == '%' && s[i + 2] == '}') {
                *pos = i + 3, *line_starting = 0;
                return tmpl__push_tok(t, T_BEND, line, s + i, 0);
            }
            if (s[i] == '-' && i + 2 < n && s[i + 1] == c && s[i + 2] == '}') {
                i += 3;
                size_t b = i;
                while (i < n && tmpl__pyspace(s[i])) i++;
                *pos = i, *line_starting = i > b && s[i - 1] == '\n';
                return tmpl__push_tok(t, block ? T_BEND : T_VEND, line, s + i, 0);
            }
            if (s[i] == c && i + 1 < n && s[i + 1] == '}') {
                i += 2;
                *line_starting = 0;
                if (block && i < n && s[i] == '\n') i++, *line_starting = 1;
                *pos = i;
                return tmpl__push_tok(t, block ? T_BEND : T_VEND, line, s + i, 0);
            }
        }
        char c = s[i];
        if (c >= '0' && c <= '9') {
            size_t b = i;
            while (i < n && ((s[i] >= '0' && s[i] <= '9') || s[i] == '_')) i++;
            int isf = 0;
            if (i + 1 < n && s[i] == '.' && s[i + 1] >= '0' && s[i + 1] <= '9') {
                isf = 1, i++;
                while (i < n && ((s[i] >= '0' && s[i] <= '9') || s[i] == '_')) i++;
            }
            if (i < n && (s[i] == 'e' || s[i] == 'E')) {
                size_t j = i + 1;
                if (j < n && (s[j] == '+' || s[j] == '-')) j++;
                if (j < n && s[j] >= '0' && s[j] <= '9') {
                    isf = 1, i = j;
                    while (i < n && s[i] >= '0' && s[i] <= '9') i++;
                }
            }
            char buf[64]; size_t bl = 0;
            for (size_t k = b; k < i && bl < 63; k++) if (s[k] != '_') buf[bl++] = s[k];
            buf[bl] = 0;
            if (tmpl__push_tok(t, isf ? T_FLOAT : T_INT, line, s + b, i - b)) return -1;
            if (isf) t->tok[t->ntok - 1].f = strtod(buf, NULL);
            else {
                errno = 0;
                t->tok[t->ntok - 1].i = strtoll(buf, NULL, 10);
                if (errno) return tmpl__err(t, line, "integer literal too large");
            }
            continue;
        }
        if (c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
            size_t b = i;
            while (i < n && (s[i] == '_' || (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9'))) i++;
            if (tmpl__push_tok(t, T_NAME, line, s + b, i - b)) return -1;
            continue;
        }
        if (c == '\'' || c == '"') {
            size_t b = ++i;
            while (i < n && s[i] != c) i += s[i] == '\\' ? 2 : 1;
            if (i >= n) return tmpl__err(t, line, "unexpected end of string");
            Str v = { 0, 0 };
            if (tmpl__unescape(t, s + b, i - b, &v, line)) return -1;
            i++;
            if (tmpl__push_tok(t, T_STR, line, v.p, v.n)) return -1;
            continue;
        }
        int k;
        for (k = 0; tmpl__ops[k]; k++) {
            size_t l = strlen(tmpl__ops[k]);
            if (n - i >= l && !memcmp(s + i, tmpl__ops[k], l)) break;
        }
        if (!tmpl__ops[k]) return tmpl__err(t, line, "unexpected char '%c'", c);
        if (c == '(' || c == '[' || c == '{') {
            if (sp >= 64) return tmpl__err(t, line, "brackets nested too deeply");
            stack[sp++] = c == '(' ? ')' : c == '[' ? ']' : '}';
        } else if (c == ')' || c == ']' || c == '}') {
            if (!sp || stack[sp - 1] != c) return tmpl__err(t, line, "unexpected '%c'", c);
            sp--;
        }
        if (tmpl__push_tok(t, T_OP, line, tmpl__ops[k], strlen(tmpl__ops[k]))) return -1;
        i += strlen(tmpl__ops[k]);
    }
}

/* Emits text before a tag with jinja2's whitespace rules: `sign` is the tag's '-'/'+'
 * (0 for none); lstrip applies to block and comment tags. */
static int tmpl__emit_text(Tmpl *t, const char *p, size_t n, char sign, int is_var, int line_starting) {
    if (sign == '-') {
        while (n && tmpl__pyspace(p[n - 1])) n--;
    } else if (sign != '+' && !is_var) {
        size_t l = n;
        while (l && p[l - 1] != '\n') l--;
        if ((l > 0 || line_starting) && l < n) {
            size_t k = l;
            while (k < n && tmpl__pyspace(p[k])) k++;
            if (k == n) n = l;
        }
    }
    if (!n) return 0;
    return tmpl__push_tok(t, T_DATA, tmpl__line_of(t, (size_t)(p - t->src)), p, n);
}

static int tmpl__lex(Tmpl *t) {
    const char *s = t->src;
    size_t n = t->n, pos = 0;
    int line_starting = 1;
    while (pos < n) {
        size_t i = pos;
        while (i + 1 < n && !(s[i] == '{' && (s[i + 1] == '{' || s[i + 1] == '%' || s[i + 1] == '#'))) i++;
        if (i + 1 >= n) { /* plain text to the end */
            if (tmpl__push_tok(t, T_DATA, tmpl__line_of(t, pos), s + pos, n - pos)) return -1;
            break;
        }
        char kind = s[i + 1];
        char sign = (i + 2 < n && (s[i + 2] == '-' || s[i + 2] == '+')) ? s[i + 2] : 0;
        size_t after = i + 2 + (sign ? 1 : 0);
        int line = tmpl__line_of(t, i);
        if (kind == '#') {
            if (tmpl__emit_text(t, s + pos, i - pos, sign, 0, line_starting)) return -1;
            size_t j = after;
            for (;; j++) {
                if (j + 1 >= n) return tmpl__err(t, line, "Missing end of comment tag");
                if (s[j] == '+' && j + 2 < n && s[j + 1] == '#' && s[j + 2] == '}') { j += 3; line_starting = 0; break; }
                if (s[j] == '-' && j + 2 < n && s[j + 1] == '#' && s[j + 2] == '}') {
                    j += 3;
                    size_t b = j;
                    while (j < n && tmpl__pyspace(s[j])) j++;
                    line_starting = j > b && s[j - 1] == '\n';
                    break;
                }
                if (s[j] == '#' && s[j + 1] == '}') {
                    j += 2, line_starting = 0;
                    if (j < n && s[j] == '\n') j++, line_starting = 1;
                    break;
                }
            }
            pos = j;
            continue;
        }
        if (kind == '%') {
            /* {% raw %} ... {% endraw %} */
            size_t j = after;
            while (j < n && tmpl__pyspace(s[j])) j++;
            if (n - j >= 3 && !memcmp(s + j, "raw", 3)) {
                size_t k = j + 3;
                while (k < n && tmpl__pyspace(s[k])) k++;
                int ok = 0;
                if (k + 2 < n && s[k] == '-' && s[k + 1] == '%' && s[k + 2] == '}') {
                    k += 3; while (k < n && tmpl__pyspace(s[k])) k++; ok = 1;
                } else if (k + 1 < n && s[k] == '%' && s[k + 1] == '}') { k += 2; ok = 1; }
                if (ok) {
                    if (tmpl__emit_text(t, s + pos, i - pos, sign, 0, line_starting)) return -1;
                    /* find {%[-+]? endraw ... %} */
                    size_t r = k;
                    for (;; r++) {
                        if (r + 1 >= n) return tmpl__err(t, line, "Missing end of raw directive");
                        if (s[r] != '{' || s[r + 1] != '%') continue;
                        size_t q = r + 2;
                        char es = (q < n && (s[q] == '-' || s[q] == '+')) ? s[q] : 0;
                        if (es) q++;
                        while (q < n && tmpl__pyspace(s[q])) q++;
                        if (n - q < 6 || memcmp(s + q, "endraw", 6)) continue;
                        q += 6;
                        while (q < n && tmpl__pyspace(s[q])) q++;
                        int ls = 0;
                        if (q + 2 < n && s[q] == '+' && s[q + 1] == '%' && s[q + 2] == '}') q += 3;
                        else if (q + 2 < n && s[q] == '-' && s[q + 1] == '%' && s[q + 2] == '}') {
                            q += 3; size_t b = q;
                            while (q < n && tmpl__pyspace(s[q])) q++;
                            ls = q > b && s[q - 1] == '\n';
                        } else if (q + 1 < n && s[q] == '%' && s[q + 1] == '}') {
                            q += 2;
                            if (q < n && s[q] == '\n') q++, ls = 1;
                        } else continue;
                        if (tmpl__emit_text(t, s + k, r - k, es, 0, 0)) return -1;
                        pos = q, line_starting = ls;
                        break;
                    }
                    continue;
                }
            }
        }
        if (tmpl__emit_text(t, s + pos, i - pos, sign, kind == '{', line_starting)) return -1;
        if (tmpl__push_tok(t, kind == '%' ? T_BBEGIN : T_VBEGIN, line, s + i, 2)) return -1;
        pos = after;
        if (tmpl__lex_tag(t, &pos, kind == '%', &line_starting)) return -1;
    }
    return tmpl__push_tok(t, T_EOF, tmpl__line_of(t, n), s + n, 0);
}

/* ============================== parser ============================== */

static TTok *tmpl__cur(Tmpl *t) { return &t->tok[t->pos]; }
static int tmpl__is_op(Tmpl *t, const char *op) {
    TTok *k = tmpl__cur(t);
    return k->t == T_OP && str_eq(k->s, op);
}
static int tmpl__is_name(Tmpl *t, const char *nm) {
    TTok *k = tmpl__cur(t);
    return k->t == T_NAME && str_eq(k->s, nm);
}
static int tmpl__tok_err(Tmpl *t, const char *want) {
    TTok *k = tmpl__cur(t);
    const char *what = k->t == T_EOF ? "end of template" : k->t == T_BEND ? "end of statement block" :
                       k->t == T_VEND ? "end of print statement" : NULL;
    if (what) return tmpl__err(t, k->line, "expected %s, got %s", want, what);
    return tmpl__err(t, k->line, "expected %s, got '%.*s'", want, (int)(k->s.n > 40 ? 40 : k->s.n), k->s.p);
}
static int tmpl__expect_op(Tmpl *t, const char *op) {
    if (!tmpl__is_op(t, op)) { char w[16]; snprintf(w, sizeof w, "'%s'", op); return tmpl__tok_err(t, w); }
    t->pos++;
    return 0;
}

static TNode *tmpl__node(Tmpl *t, int k, int line) {
    TNode *x = tmpl__alloc(t, sizeof *x);
    if (x) x->k = k, x->line = line;
    return x;
}

/* A growable array of node pointers during parsing. */
typedef struct { TNode **v; int n, cap; } TNodes;
static int tmpl__nodes_push(Tmpl *t, TNodes *l, TNode *x) {
    if (l->n == l->cap) {
        int cap = l->cap ? l->cap * 2 : 4;
        TNode **p = tmpl__alloc(t, (size_t)cap * sizeof *p);
        if (!p) return -1;
        if (l->n) memcpy(p, l->v, (size_t)l->n * sizeof *p);
        l->v = p, l->cap = cap;
    }
    l->v[l->n++] = x;
    return 0;
}

static const char *tmpl__filters[] = { "abs", "attr", "batch", "capitalize", "center", "count", "d",
    "default", "dictsort", "e", "escape", "filesizeformat", "first", "float", "forceescape", "format",
    "groupby", "indent", "int", "items", "join", "last", "length", "list", "lower", "map", "max", "min",
    "pprint", "random", "reject", "rejectattr", "replace", "reverse", "round", "safe", "select",
    "selectattr", "slice", "sort", "string", "striptags", "sum", "title", "tojson", "trim", "truncate",
    "unique", "upper", "urlencode", "urlize", "wordcount", "wordwrap", "xmlattr", NULL };
static const char *tmpl__tests[] = { "boolean", "callable", "defined", "divisibleby", "eq", "equalto",
    "escaped", "even", "false", "filter", "float", "ge", "gt", "greaterthan", "in", "integer", "iterable",
    "le", "lower", "lessthan", "lt", "mapping", "ne", "none", "number", "odd", "sameas", "sequence",
    "string", "test", "true", "undefined", "upper", "==", "!=", "<", "<=", ">", ">=", NULL };
static int tmpl__in_list(Str s, const char **l) {
    for (int k = 0; l[k]; k++) if (str_eq(s, l[k])) return 1;
    return 0;
}

static TNode *tmpl__expr(Tmpl *t);
static TNode *tmpl__or(Tmpl *t);
static TNode *tmpl__unary(Tmpl *t, int with_filter);
static TNode *tmpl__primary(Tmpl *t);
static TNode *tmpl__postfix(Tmpl *t, TNode *x);

/* ( args, kw=args ) after the '(' has been seen; fills kids/kw of x. */
static int tmpl__call_args(Tmpl *t, TNode *x) {
    TNodes pos = { 0 }, kwv = { 0 };
    Str kwn[64]; int nkw = 0;
    if (tmpl__expect_op(t, "(")) return -1;
    while (!tmpl__is_op(t, ")")) {
        if (pos.n || nkw) { if (tmpl__expect_op(t, ",")) return -1; if (tmpl__is_op(t, ")")) break; }
        if (tmpl__cur(t)->t == T_NAME && t->tok[t->pos + 1].t == T_OP && str_eq(t->tok[t->pos + 1].s, "=")) {
            if (nkw >= 64) return tmpl__err(t, tmpl__cur(t)->line, "too many keyword arguments");
            kwn[nkw++] = tmpl__cur(t)->s;
            t->pos += 2;
            TNode *v = tmpl__expr(t);
            if (!v || tmpl__nodes_push(t, &kwv, v)) return -1;
        } else {
            if (tmpl__is_op(t, "*")) return tmpl__err(t, tmpl__cur(t)->line, "*args calls are not supported");
            if (nkw) return tmpl__err(t, tmpl__cur(t)->line, "positional argument follows keyword argument");
            TNode *v = tmpl__expr(t);
            if (!v || tmpl__nodes_push(t, &pos, v)) return -1;
        }
    }
    t->pos++;
    x->kids = pos.v, x->nk = pos.n, x->kwv = kwv.v, x->nkw = nkw;
    if (nkw) {
        x->kwn = tmpl__alloc(t, (size_t)nkw * sizeof(Str));
        if (!x->kwn) return -1;
        memcpy(x->kwn, kwn, (size_t)nkw * sizeof(Str));
    }
    return 0;
}

static TNode *tmpl__filter_tail(Tmpl *t, TNode *x) {
    for (;;) {
        if (tmpl__is_op(t, "|")) {
            t->pos++;
            TTok *k = tmpl__cur(t);
            if (k->t != T_NAME) { tmpl__tok_err(t, "a filter name"); return NULL; }
            Str name = k->s;
            t->pos++;
            while (tmpl__is_op(t, ".") && t->tok[t->pos + 1].t == T_NAME) {   /* dotted names */
                name.n = (size_t)(t->tok[t->pos + 1].s.p + t->tok[t->pos + 1].s.n - name.p);
                t->pos += 2;
            }
            int unknown = !tmpl__in_list(name, tmpl__filters);
            if (unknown && !t->soft) { tmpl__err(t, k->line, "No filter named '%.*s'.", (int)name.n, name.p); return NULL; }
            TNode *f = tmpl__node(t, N_FILTER, k->line);
            if (!f) return NULL;
            f->s = name, f->a = x, f->op = unknown;
            if (tmpl__is_op(t, "(") && tmpl__call_args(t, f)) return NULL;
            x = f;
        } else if (tmpl__is_name(t, "is")) {
            int line = tmpl__cur(t)->line;
            t->pos++;
            int neg = 0;
            if (tmpl__is_name(t, "not")) neg = 1, t->pos++;
            TTok *k = tmpl__cur(t);
            Str name = k->s;
            if (k->t == T_NAME || (k->t == T_OP && tmpl__in_list(k->s, tmpl__tests))) t->pos++;
            else { tmpl__tok_err(t, "a test name"); return NULL; }
            int unknown = !tmpl__in_list(name, tmpl__tests);
            if (unknown && !t->soft) { tmpl__err(t, line, "No test named '%.*s'.", (int)name.n, name.p); return NULL; }
            TNode *f = tmpl__node(t, N_TEST, line);
            if (!f) return NULL;
            f->s = name, f->a = x, f->op = unknown;
            TTok *c = tmpl__cur(t);
            if (tmpl__is_op(t, "(")) { if (tmpl__call_args(t, f)) return NULL; }
            else if ((c->t == T_NAME || c->t == T_STR || c->t == T_INT || c->t == T_FLOAT ||
                      tmpl__is_op(t, "[") || tmpl__is_op(t, "{")) &&
                     !tmpl__is_name(t, "else") && !tmpl__is_name(t, "or") && !tmpl__is_name(t, "and")) {
                if (tmpl__is_name(t, "is")) { tmpl__err(t, line, "You cannot chain multiple tests with is"); return NULL; }
                TNode *arg = tmpl__primary(t);
                if (!arg || !(arg = tmpl__postfix(t, arg))) return NULL;
                f->kids = tmpl__alloc(t, sizeof(TNode *));
                if (!f->kids) return NULL;
                f->kids[0] = arg, f->nk = 1;
            }
            if (neg) {
                TNode *nn = tmpl__node(t, N_NOT, line);
                if (!nn) return NULL;
                nn->a = f;
                f = nn;
            }
            x = f;
        } else if (tmpl__is_op(t, "(")) {
            TNode *c = tmpl__node(t, N_CALL, tmpl__cur(t)->line);
            if (!c) return NULL;
            c->a = x;
            if (tmpl__call_args(t, c)) return NULL;
            x = c;
        } else return x;
    }
}

static TNode *tmpl__postfix(Tmpl *t, TNode *x) {
    for (;;) {
        int line = tmpl__cur(t)->line;
        if (tmpl__is_op(t, ".")) {
            t->pos++;
            TTok *k = tmpl__cur(t);
            TNode *g;
            if (k->t == T_NAME) { g = tmpl__node(t, N_ATTR, line); if (!g) return NULL; g->s = k->s; }
            else if (k->t == T_INT) {
                g = tmpl__node(t, N_ITEM, line);
                TNode *ix = tmpl__node(t, N_LIT, line);
                if (!g || !ix) return NULL;
                ix->lit = tv_int(k->i);
                g->b = ix;
            } else { tmpl__tok_err(t, "a name"); return NULL; }
            t->pos++;
            g->a = x;
            x = g;
        } else if (tmpl__is_op(t, "[")) {
            t->pos++;
            TNode *parts[3] = { 0 };
            int np = 0, is_slice = 0;
            for (;;) {
                if (tmpl__is_op(t, ":")) { is_slice = 1; t->pos++; if (++np > 2) { tmpl__err(t, line, "bad slice"); return NULL; } continue; }
                if (tmpl__is_op(t, "]")) break;
                if (parts[np]) { tmpl__tok_err(t, "']'"); return NULL; }
                if (!(parts[np] = tmpl__expr(t))) return NULL;
            }
            t->pos++;
            TNode *g = tmpl__node(t, is_slice ? N_SLICE : N_ITEM, line);
            if (!g) return NULL;
            g->a = x;
            if (is_slice) g->b = parts[0], g->c = parts[1], g->d = parts[2];
            else {
                if (!parts[0]) { tmpl__err(t, line, "expected an expression in []"); return NULL; }
                g->b = parts[0];
            }
            x = g;
        } else if (tmpl__is_op(t, "(")) {
            TNode *c = tmpl__node(t, N_CALL, line);
            if (!c) return NULL;
            c->a = x;
            if (tmpl__call_args(t, c)) return NULL;
            x = c;
        } else return x;
    }
}

static TNode *tmpl__primary(Tmpl *t) {
    TTok *k = tmpl__cur(t);
    int line = k->line;
    if (++t->depth > TMPL_MAX_DEPTH) { tmpl__err(t, line, "expression nested too deeply"); return NULL; }
    TNode *x = NULL;
    if (k->t == T_NAME) {
        x = tmpl__node(t, N_LIT, line);
        if (!x) return NULL;
        if (str_eq(k->s, "true") || str_eq(k->s, "True")) x->lit = tv_bool(1);
        else if (str_eq(k->s, "false") || str_eq(k->s, "False")) x->lit = tv_bool(0);
        else if (str_eq(k->s, "none") || str_eq(k->s, "None")) x->lit = tv_none();
        else x->k = N_NAME, x->s = k->s;
        t->pos++;
    } else if (k->t == T_STR) {
        /* adjacent string literals concatenate */
        size_t total = 0, p = t->pos;
        while (t->tok[p].t == T_STR) total += t->tok[p].s.n, p++;
        char *buf = tmpl__alloc(t, total + 1);
        x = tmpl__node(t, N_LIT, line);
        if (!buf || !x) return NULL;
        total = 0;
        while (tmpl__cur(t)->t == T_STR) { memcpy(buf + total, tmpl__cur(t)->s.p, tmpl__cur(t)->s.n); total += tmpl__cur(t)->s.n; t->pos++; }
        x->lit = tv_str(buf, total);
    } else if (k->t == T_INT || k->t == T_FLOAT) {
        x = tmpl__node(t, N_LIT, line);
        if (!x) return NULL;
        x->lit = k->t == T_INT ? tv_int(k->i) : tv_float(k->f);
        t->pos++;
    } else if (tmpl__is_op(t, "(")) {
        t->pos++;
        if (tmpl__is_op(t, ")")) {
            t->pos++;
            x = tmpl__node(t, N_TUPLE, line);
        } else {
            x = tmpl__expr(t);
            if (!x) return NULL;
            if (tmpl__is_op(t, ",")) {
                TNodes l = { 0 };
                if (tmpl__nodes_push(t, &l, x)) return NULL;
                while (tmpl__is_op(t, ",")) {
                    t->pos++;
                    if (tmpl__is_op(t, ")")) break;
                    TNode *y = tmpl__expr(t);
                    if (!y || tmpl__nodes_push(t, &l, y)) return NULL;
                }
                x = tmpl__node(t, N_TUPLE, line);
                if (!x) return NULL;
                x->kids = l.v, x->nk = l.n;
            }
            if (tmpl__expect_op(t, ")")) return NULL;
        }
    } else if (tmpl__is_op(t, "[")) {
        t->pos++;
        TNodes l = { 0 };
        while (!tmpl__is_op(t, "]")) {
            if (l.n) { if (tmpl__expect_op(t, ",")) return NULL; if (tmpl__is_op(t, "]")) break; }
            TNode *y = tmpl__expr(t);
            if (!y || tmpl__nodes_push(t, &l, y)) return NULL;
        }
        t->pos++;
        x = tmpl__node(t, N_LIST, line);
        if (!x) return NULL;
        x->kids = l.v, x->nk = l.n;
    } else if (tmpl__is_op(t, "{")) {
        t->pos++;
        TNodes ks = { 0 }, vs = { 0 };
        while (!tmpl__is_op(t, "}")) {
            if (ks.n) { if (tmpl__expect_op(t, ",")) return NULL; if (tmpl__is_op(t, "}")) break; }
            TNode *kk = tmpl__expr(t);
            if (!kk || tmpl__expect_op(t, ":")) return NULL;
            TNode *vv = tmpl__expr(t);
            if (!vv || tmpl__nodes_push(t, &ks, kk) || tmpl__nodes_push(t, &vs, vv)) return NULL;
        }
        t->pos++;
        x = tmpl__node(t, N_DICT, line);
        if (!x) return NULL;
        x->kids = ks.v, x->kwv = vs.v, x->nk = ks.n;
    } else {
        tmpl__tok_err(t, "an expression");
        return NULL;
    }
    t->depth--;
    return x;
}

static TNode *tmpl__unary(Tmpl *t, int with_filter) {
    int line = tmpl__cur(t)->line;
    TNode *x;
    if (tmpl__is_op(t, "-") || tmpl__is_op(t, "+")) {
        int neg = tmpl__is_op(t, "-");
        t->pos++;
        if (++t->depth > TMPL_MAX_DEPTH) { tmpl__err(t, line, "expression nested too deeply"); return NULL; }
        TNode *a = tmpl__unary(t, 0);
        t->depth--;
        if (!a) return NULL;
        x = tmpl__node(t, neg ? N_NEG : N_POS, line);
        if (!x) return NULL;
        x->a = a;
    } else if (!(x = tmpl__primary(t))) return NULL;
    if (!(x = tmpl__postfix(t, x))) return NULL;
    if (with_filter) x = tmpl__filter_tail(t, x);
    return x;
}

/* Binary operator levels, loosest first: ops per level. */
static TNode *tmpl__binlevel(Tmpl *t, int level);
static const char *tmpl__levels[][5] = { { "+", "-" }, { "~" }, { "*", "/", "//", "%" }, { "**" } };

static TNode *tmpl__binlevel(Tmpl *t, int level) {
    if (level == 4) return tmpl__unary(t, 1);
    TNode *x = tmpl__binlevel(t, level + 1);
    while (x) {
        const char *op = NULL;
        for (int k = 0; k < 5 && tmpl__levels[level][k]; k++) if (tmpl__is_op(t, tmpl__levels[level][k])) op = tmpl__levels[level][k];
        if (!op) break;
        int line = tmpl__cur(t)->line;
        t->pos++;
        TNode *y = tmpl__binlevel(t, level + 1);
        if (!y) return NULL;
        TNode *b = tmpl__node(t, level == 1 ? N_CONCAT : N_BIN, line);
        if (!b) return NULL;
        b->a = x, b->b = y, b->s = str_c(op);
        x = b;
    }
    return x;
}

enum { CMP_EQ, CMP_NE, CMP_LT, CMP_LE, CMP_GT, CMP_GE, CMP_IN, CMP_NOTIN };

static TNode *tmpl__compare(Tmpl *t) {
    TNode *x = tmpl__binlevel(t, 0);
    if (!x) return NULL;
    TNodes l = { 0 };
    int ops[64], nops = 0;
    for (;;) {
        int op = -1;
        static const char *o[] = { "==", "!=", "<", "<=", ">", ">=" };
        for (int k = 0; k < 6; k++) if (tmpl__is_op(t, o[k])) op = k;
        if (op >= 0) t->pos++;
        else if (tmpl__is_name(t, "in")) op = CMP_IN, t->pos++;
        else if (tmpl__is_name(t, "not") && t->tok[t->pos + 1].t == T_NAME && str_eq(t->tok[t->pos + 1].s, "in")) op = CMP_NOTIN, t->pos += 2;
        else break;
        if (nops >= 64) { tmpl__err(t, tmpl__cur(t)->line, "comparison chain too long"); return NULL; }
        TNode *y = tmpl__binlevel(t, 0);
        if (!y || tmpl__nodes_push(t, &l, y)) return NULL;
        ops[nops++] = op;
    }
    if (!nops) return x;
    TNode *c = tmpl__node(t, N_CMP, x->line);
    if (!c) return NULL;
    c->a = x, c->kids = l.v, c->nk = l.n;
    c->ops = tmpl__alloc(t, (size_t)nops * sizeof(int));
    if (!c->ops) return NULL;
    memcpy(c->ops, ops, (size_t)nops * sizeof(int));
    return c;
}

static TNode *tmpl__not(Tmpl *t) {
    if (tmpl__is_name(t, "not")) {
        int line = tmpl__cur(t)->line;
        t->pos++;
        if (++t->depth > TMPL_MAX_DEPTH) { tmpl__err(t, line, "expression nested too deeply"); return NULL; }
        TNode *a = tmpl__not(t);
        t->depth--;
        if (!a) return NULL;
        TNode *x = tmpl__node(t, N_NOT, line);
        if (x) x->a = a;
        return x;
    }
    return tmpl__compare(t);
}

static TNode *tmpl__and(Tmpl *t) {
    TNode *x = tmpl__not(t);
    while (x && tmpl__is_name(t, "and")) {
        int line = tmpl__cur(t)->line;
        t->pos++;
        TNode *y = tmpl__not(t);
        if (!y) return NULL;
        TNode *b = tmpl__node(t, N_AND, line);
        if (!b) return NULL;
        b->a = x, b->b = y, x = b;
    }
    return x;
}

static TNode *tmpl__or(Tmpl *t) {
    TNode *x = tmpl__and(t);
    while (x && tmpl__is_name(t, "or")) {
        int line = tmpl__cur(t)->line;
        t->pos++;
        TNode *y = tmpl__and(t);
        if (!y) return NULL;
        TNode *b = tmpl__node(t, N_OR, line);
        if (!b) return NULL;
        b->a = x, b->b = y, x = b;
    }
    return x;
}

/* expr := or ['if' or ['else' expr]] */
static TNode *tmpl__expr(Tmpl *t) {
    if (++t->depth > TMPL_MAX_DEPTH) { tmpl__err(t, tmpl__cur(t)->line, "expression nested too deeply"); return NULL; }
    int save_soft = t->soft;
    int cond = 0;
    {   /* a conditional expression makes its operands soft: look ahead for 'if' at this level */
        int lvl = 0;
        for (size_t p = t->pos; p < t->ntok; p++) {
            TTok *k = &t->tok[p];
            if (k->t == T_OP && (str_eq(k->s, "(") || str_eq(k->s, "[") || str_eq(k->s, "{"))) lvl++;
            else if (k->t == T_OP && (str_eq(k->s, ")") || str_eq(k->s, "]") || str_eq(k->s, "}"))) { if (!lvl--) break; }
            else if (k->t == T_BEND || k->t == T_VEND || k->t == T_EOF || (!lvl && k->t == T_OP && str_eq(k->s, ","))) break;
            else if (!lvl && k->t == T_NAME && str_eq(k->s, "if")) { cond = 1; break; }
        }
    }
    if (cond) t->soft = 1;
    TNode *x = tmpl__or(t);
    while (x && tmpl__is_name(t, "if")) {
        int line = tmpl__cur(t)->line;
        t->pos++;
        TNode *c = tmpl__or(t);
        if (!c) return NULL;
        TNode *e = NULL;
        if (tmpl__is_name(t, "else")) { t->pos++; if (!(e = tmpl__expr(t))) return NULL; }
        TNode *n = tmpl__node(t, N_COND, line);
        if (!n) return NULL;
        n->a = x, n->b = c, n->c = e;
        x = n;
    }
    t->soft = save_soft;
    t->depth--;
    return x;
}

/* ---- statements ---- */

static int tmpl__body(Tmpl *t, TNode **out, const char **ends, Str *which);

static int tmpl__block_end(Tmpl *t) {
    if (tmpl__cur(t)->t != T_BEND) return tmpl__tok_err(t, "end of statement block");
    t->pos++;
    return 0;
}

/* Target names: `a` or `a, b` (for loops and set). */
static int tmpl__targets(Tmpl *t, TNode *x) {
    Str names[16]; int n = 0;
    int paren = 0;
    if (tmpl__is_op(t, "(")) paren = 1, t->pos++;
    for (;;) {
        if (tmpl__cur(t)->t != T_NAME) return tmpl__tok_err(t, "a name");
        if (n >= 16) return tmpl__err(t, tmpl__cur(t)->line, "too many targets");
        names[n++] = tmpl__cur(t)->s;
        t->pos++;
        if (!tmpl__is_op(t, ",")) break;
        t->pos++;
    }
    if (paren && tmpl__expect_op(t, ")")) return -1;
    x->names = tmpl__alloc(t, (size_t)n * sizeof(Str));
    if (!x->names) return -1;
    memcpy(x->names, names, (size_t)n * sizeof(Str));
    x->nnames = n;
    x->op = n > 1 || paren;   /* unpack */
    return 0;
}

static TNode *tmpl__stmt_if(Tmpl *t, int line);
static TNode *tmpl__stmt_rest(Tmpl *t, Str nm, int line);
static TNode *tmpl__stmt_rest2(Tmpl *t, Str nm, int line);

static TNode *tmpl__stmt(Tmpl *t) {
    TTok *k = tmpl__cur(t);
    int line = k->line;
    if (k->t != T_NAME) { tmpl__tok_err(t, "a statement name"); return NULL; }
    Str nm = k->s;
    t->pos++;
    TNode *x;
    if (str_eq(nm, "if") || str_eq(nm, "elif")) {
        int save_soft = t->soft;
        t->soft = 1;
        x = tmpl__stmt_if(t, line);
        t->soft = save_soft;
        return x;
    }
    return tmpl__stmt_rest(t, nm, line);
}

/* if/elif: the rest of the statement after its name */
static TNode *tmpl__stmt_if(Tmpl *t, int line) {
    TNode *x;
    {
        x = tmpl__node(t, N_IF, line);
        if (!x || !(x->a = tmpl__expr(t)) || tmpl__block_end(t)) return NULL;
        static const char *ends[] = { "elif", "else", "endif", NULL };
        Str which;
        if (tmpl__body(t, &x->b, ends, &which)) return NULL;
        if (str_eq(which, "elif")) {
            t->pos--;   /* back to the 'elif' name, parsed like an 'if' */
            if (!(x->c = tmpl__stmt(t))) return NULL;   /* consumes through endif */
            return x;
        }
        if (str_eq(which, "else")) {
            static const char *ends2[] = { "endif", NULL };
            if (tmpl__block_end(t) || tmpl__body(t, &x->c, ends2, &which)) return NULL;
        }
        if (tmpl__block_end(t)) return NULL;
        return x;
    }
}

/* statements other than if: the name has been read */
static TNode *tmpl__stmt_rest(Tmpl *t, Str nm, int line) {
    TNode *x;
    int save_soft = t->soft;
    if (str_eq(nm, "for") || str_eq(nm, "macro") || str_eq(nm, "call") || str_eq(nm, "filter"))
        t->soft = 0;   /* loops, macros and call/filter blocks open a new (hard) frame */
    x = tmpl__stmt_rest2(t, nm, line);
    t->soft = save_soft;
    return x;
}

static TNode *tmpl__stmt_rest2(Tmpl *t, Str nm, int line) {
    TNode *x;
    if (str_eq(nm, "for")) {
        x = tmpl__node(t, N_FOR, line);
        if (!x || tmpl__targets(t, x)) return NULL;
        if (!tmpl__is_name(t, "in")) { tmpl__tok_err(t, "'in'"); return NULL; }
        t->pos++;
        if (!(x->a = tmpl__or(t))) return NULL;    /* no conditional expression here */
        if (tmpl__is_name(t, "if")) { t->pos++; if (!(x->d = tmpl__expr(t))) return NULL; }
        if (tmpl__is_name(t, "recursive")) { tmpl__err(t, line, "recursive loops are not supported"); return NULL; }
        if (tmpl__block_end(t)) return NULL;
        static const char *ends[] = { "else", "endfor", NULL };
        Str which;
        if (tmpl__body(t, &x->b, ends, &which)) return NULL;
        if (str_eq(which, "else")) {
            static const char *ends2[] = { "endfor", NULL };
            if (tmpl__block_end(t) || tmpl__body(t, &x->c, ends2, &which)) return NULL;
        }
        if (tmpl__block_end(t)) return NULL;
        return x;
    }
    if (str_eq(nm, "set")) {
        x = tmpl__node(t, N_SET, line);
        if (!x) return NULL;
        if (tmpl__cur(t)->t == T_NAME && tmpl__is_op(t, "=") == 0 && t->tok[t->pos + 1].t == T_OP && str_eq(t->tok[t->pos + 1].s, ".")) {
            /* set ns.attr = value */
            x->names = tmpl__alloc(t, 2 * sizeof(Str));
            if (!x->names) return NULL;
            x->names[0] = tmpl__cur(t)->s;
            t->pos += 2;
            if (tmpl__cur(t)->t != T_NAME) { tmpl__tok_err(t, "a name"); return NULL; }
            x->names[1] = tmpl__cur(t)->s;
            x->nnames = 2, x->op = 2;
            t->pos++;
        } else if (tmpl__targets(t, x)) return NULL;
        if (tmpl__cur(t)->t == T_BEND || tmpl__is_op(t, "|")) {   /* block set */
            if (x->op == 2 || x->nnames != 1) { tmpl__err(t, line, "block set needs one name"); return NULL; }
            x->k = N_SETBLOCK;
            TNode *f = NULL;
            if (tmpl__is_op(t, "|")) {   /* {% set x | filter %} */
                TNode *dummy = tmpl__node(t, N_LIT, line);
                if (!dummy || !(f = tmpl__filter_tail(t, dummy))) return NULL;
                x->c = f;
                x->d = dummy;
            }
            static const char *ends[] = { "endset", NULL };
            Str which;
            if (tmpl__block_end(t) || tmpl__body(t, &x->b, ends, &which) || tmpl__block_end(t)) return NULL;
            return x;
        }
        if (tmpl__expect_op(t, "=")) return NULL;
        TNode *v = tmpl__expr(t);
        if (!v) return NULL;
        if (tmpl__is_op(t, ",")) {   /* set a = 1, 2 makes a tuple */
            TNodes l = { 0 };
            if (tmpl__nodes_push(t, &l, v)) return NULL;
            while (tmpl__is_op(t, ",")) {
                t->pos++;
                if (tmpl__cur(t)->t == T_BEND) break;
                TNode *y = tmpl__expr(t);
                if (!y || tmpl__nodes_push(t, &l, y)) return NULL;
            }
            v = tmpl__node(t, N_TUPLE, line);
            if (!v) return NULL;
            v->kids = l.v, v->nk = l.n;
        }
        x->a = v;
        if (tmpl__block_end(t)) return NULL;
        return x;
    }
    if (str_eq(nm, "macro")) {
        x = tmpl__node(t, N_MACRO, line);
        if (!x) return NULL;
        if (tmpl__cur(t)->t != T_NAME) { tmpl__tok_err(t, "a macro name"); return NULL; }
        x->s = tmpl__cur(t)->s;
        t->pos++;
        if (tmpl__expect_op(t, "(")) return NULL;
        Str names[64]; TNodes defs = { 0 }; int n = 0;
        while (!tmpl__is_op(t, ")")) {
            if (n && tmpl__expect_op(t, ",")) return NULL;
            if (tmpl__cur(t)->t != T_NAME) { tmpl__tok_err(t, "a parameter name"); return NULL; }
            if (n >= 64) { tmpl__err(t, line, "too many parameters"); return NULL; }
            names[n++] = tmpl__cur(t)->s;
            t->pos++;
            TNode *d = NULL;
            if (tmpl__is_op(t, "=")) { t->pos++; if (!(d = tmpl__expr(t))) return NULL; }
            else if (defs.n && defs.v[defs.n - 1]) { tmpl__err(t, line, "non-default argument follows default argument"); return NULL; }
            if (tmpl__nodes_push(t, &defs, d)) return NULL;
        }
        t->pos++;
        x->names = tmpl__alloc(t, (size_t)(n ? n : 1) * sizeof(Str));
        if (!x->names) return NULL;
        memcpy(x->names, names, (size_t)n * sizeof(Str));
        x->nnames = n, x->kids = defs.v, x->nk = defs.n;
        static const char *ends[] = { "endmacro", NULL };
        Str which;
        if (tmpl__block_end(t) || tmpl__body(t, &x->b, ends, &which)) return NULL;
        if (tmpl__cur(t)->t == T_NAME) t->pos++;   /* {% endmacro name %} */
        if (tmpl__block_end(t)) return NULL;
        return x;
    }
    if (str_eq(nm, "call")) {
        x = tmpl__node(t, N_CALLBLOCK, line);
        if (!x) return NULL;
        if (tmpl__is_op(t, "(")) { tmpl__err(t, line, "call blocks with caller arguments are not supported"); return NULL; }
        TNode *c = tmpl__unary(t, 0);
        if (!c) return NULL;
        if (c->k != N_CALL) { tmpl__err(t, line, "expected a call"); return NULL; }
        x->a = c;
        static const char *ends[] = { "endcall", NULL };
        Str which;
        if (tmpl__block_end(t) || tmpl__body(t, &x->b, ends, &which) || tmpl__block_end(t)) return NULL;
        return x;
    }
    if (str_eq(nm, "filter")) {
        x = tmpl__node(t, N_FILTERBLOCK, line);
        TNode *dummy = tmpl__node(t, N_LIT, line);
        if (!x || !dummy) return NULL;
        t->pos--;   /* the filter parser wants a '|': the name token becomes one */
        t->tok[t->pos].t = T_OP, t->tok[t->pos].s = str_c("|");
        TNode *f = tmpl__filter_tail(t, dummy);
        if (!f) return NULL;
        x->c = f, x->d = dummy;
        static const char *ends[] = { "endfilter", NULL };
        Str which;
        if (tmpl__block_end(t) || tmpl__body(t, &x->b, ends, &which) || tmpl__block_end(t)) return NULL;
        return x;
    }
    if (str_eq(nm, "generation")) {
        static const char *ends[] = { "endgeneration", NULL };
        Str which;
        if (tmpl__block_end(t) || tmpl__body(t, &x, ends, &which) || tmpl__block_end(t)) return NULL;
        return x;
    }
    if (str_eq(nm, "break") || str_eq(nm, "continue")) {
        x = tmpl__node(t, str_eq(nm, "break") ? N_BREAK : N_CONTINUE, line);
        if (!x || tmpl__block_end(t)) return NULL;
        return x;
    }
    tmpl__err(t, line, "Encountered unknown tag '%.*s'.", (int)nm.n, nm.p);
    return NULL;
}

/* Parses statements and text until a block tag named in ends (or EOF when ends is
 * NULL); leaves the cursor just after that name and says which in *which. */
static int tmpl__body(Tmpl *t, TNode **out, const char **ends, Str *which) {
    TNodes l = { 0 };
    int line = tmpl__cur(t)->line;
    if (++t->depth > TMPL_MAX_DEPTH) return tmpl__err(t, line, "blocks nested too deeply");
    for (;;) {
        TTok *k = tmpl__cur(t);
        TNode *x = NULL;
        if (k->t == T_EOF) {
            if (ends) return tmpl__err(t, k->line, "Unexpected end of template. Jinja was looking for '%s'.", ends[0] ? ends[ends[1] ? 1 : 0] : "");
            break;
        }
        if (k->t == T_DATA) {
            x = tmpl__node(t, N_TEXT, k->line);
            if (!x) return -1;
            x->s = k->s;
            t->pos++;
        } else if (k->t == T_VBEGIN) {
            t->pos++;
            x = tmpl__node(t, N_OUT, k->line);
            if (!x || !(x->a = tmpl__expr(t))) return -1;
            if (tmpl__cur(t)->t != T_VEND) return tmpl__tok_err(t, "end of print statement");
            t->pos++;
        } else if (k->t == T_BBEGIN) {
            t->pos++;
            TTok *nm = tmpl__cur(t);
            if (nm->t == T_NAME && ends) {
                int hit = 0;
                for (int e = 0; ends[e]; e++) if (str_eq(nm->s, ends[e])) hit = 1;
                if (hit) { *which = nm->s; t->pos++; break; }
            }
            if (nm->t == T_NAME && (str_eq(nm->s, "endif") || str_eq(nm->s, "endfor") || str_eq(nm->s, "else") ||
                                    str_eq(nm->s, "elif") || str_eq(nm->s, "endmacro") || str_eq(nm->s, "endset") ||
                                    str_eq(nm->s, "endcall") || str_eq(nm->s, "endfilter") || str_eq(nm->s, "endgeneration")))
                return tmpl__err(t, nm->line, "Encountered unknown tag '%.*s'.", (int)nm->s.n, nm->s.p);
            if (!(x = tmpl__stmt(t))) return -1;
        } else return tmpl__tok_err(t, "template text");
        if (tmpl__nodes_push(t, &l, x)) return -1;
    }
    t->depth--;
    TNode *b = tmpl__node(t, N_BODY, line);
    if (!b) return -1;
    b->kids = l.v, b->nk = l.n;
    *out = b;
    return 0;
}

/* ============================== values ============================== */

static int tv_truthy(const TV *v) {
    switch (v->t) {
    case V_UNDEF: case V_NONE: return 0;
    case V_BOOL: case V_INT: return v->u.i != 0;
    case V_FLOAT: return v->u.f != 0;
    case V_STR: return v->u.s.n != 0;
    case V_LIST: return v->u.l->n != 0;
    case V_DICT: return v->u.d->n != 0;
    default: return 1;
    }
}

static int tv_isnum(const TV *v) { return v->t == V_BOOL || v->t == V_INT || v->t == V_FLOAT; }
static double tv_num(const TV *v) { return v->t == V_FLOAT ? v->u.f : (double)v->u.i; }

/* Python ==, with jinja2's Undefined (equal only to another Undefined). */
static int tv_eq(const TV *a, const TV *b) {
    if (tv_isnum(a) && tv_isnum(b)) {
        if (a->t != V_FLOAT && b->t != V_FLOAT) return a->u.i == b->u.i;
        return tv_num(a) == tv_num(b);
    }
    if (a->t != b->t) return 0;
    switch (a->t) {
    case V_UNDEF: case V_NONE: return 1;
    case V_STR: return a->u.s.n == b->u.s.n && !memcmp(a->u.s.p, b->u.s.p, a->u.s.n);
    case V_LIST:
        if (a->tuple != b->tuple || a->u.l->n != b->u.l->n) return 0;
        for (size_t i = 0; i < a->u.l->n; i++) if (!tv_eq(&a->u.l->v[i], &b->u.l->v[i])) return 0;
        return 1;
    case V_DICT:
        if (a->u.d->n != b->u.d->n) return 0;
        for (size_t i = 0; i < a->u.d->n; i++) {
            TV *o = tmpl__dict_find(b->u.d, &a->u.d->k[i]);
            if (!o || !tv_eq(&a->u.d->v[i], o)) return 0;
        }
        return 1;
    case V_NS: return a->u.d == b->u.d;
    case V_MACRO: return a->u.m == b->u.m;
    default: return 0;
    }
}

static const char *tv_typename(const TV *v) {
    switch (v->t) {
    case V_UNDEF: return "Undefined";
    case V_NONE: return "NoneType";
    case V_BOOL: return "bool";
    case V_INT: return "int";
    case V_FLOAT: return "float";
    case V_STR: return "str";
    case V_LIST: return v->tuple ? "tuple" : "list";
    case V_DICT: return "dict";
    case V_NS: return "Namespace";
    case V_MACRO: return "Macro";
    case V_LOOP: return "LoopContext";
    default: return "builtin_function_or_method";
    }
}

/* Python's <: -2 when the types cannot be ordered, else -1/0/1. */
static int tv_cmp(const TV *a, const TV *b) {
    if (tv_isnum(a) && tv_isnum(b)) {
        if (a->t != V_FLOAT && b->t != V_FLOAT) return a->u.i < b->u.i ? -1 : a->u.i > b->u.i;
        double x = tv_num(a), y = tv_num(b);
        return x < y ? -1 : x > y;
    }
    if (a->t == V_STR && b->t == V_STR) {
        size_t n = a->u.s.n < b->u.s.n ? a->u.s.n : b->u.s.n;
        int c = memcmp(a->u.s.p, b->u.s.p, n);
        if (c) return c < 0 ? -1 : 1;
        return a->u.s.n < b->u.s.n ? -1 : a->u.s.n > b->u.s.n;
    }
    if (a->t == V_LIST && b->t == V_LIST) {
        for (size_t i = 0; i < a->u.l->n && i < b->u.l->n; i++) {
            if (tv_eq(&a->u.l->v[i], &b->u.l->v[i])) continue;
            return tv_cmp(&a->u.l->v[i], &b->u.l->v[i]);
        }
        return a->u.l->n < b->u.l->n ? -1 : a->u.l->n > b->u.l->n;
    }
    return -2;
}

static int tmpl__repr(Tmpl *t, TBuf *b, const TV *v, int depth);

/* Python str(v) appended to b. */
static int tmpl__str(Tmpl *t, TBuf *b, const TV *v) {
    char num[48];
    switch (v->t) {
    case V_UNDEF: return 0;
    case V_NONE: return tmpl__buf_puts(t, b, "None");
    case V_BOOL: return tmpl__buf_puts(t, b, v->u.i ? "True" : "False");
    case V_INT: snprintf(num, sizeof num, "%lld", (long long)v->u.i); return tmpl__buf_puts(t, b, num);
    case V_FLOAT: json_fmt_double(v->u.f, num); return tmpl__buf_puts(t, b, num);
    case V_STR: return tmpl__buf_put(t, b, v->u.s.p, v->u.s.n);
    default: return tmpl__repr(t, b, v, 0);
    }
}

static int tmpl__repr_str(Tmpl *t, TBuf *b, const char *p, size_t n) {
    int has_sq = memchr(p, '\'', n) != NULL, has_dq = memchr(p, '"', n) != NULL;
    char q = has_sq && !has_dq ? '"' : '\'';
    if (tmpl__buf_put(t, b, &q, 1)) return -1;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = (uint8_t)p[i];
        char e[8];
        const char *s = NULL;
        if (c == '\\') s = "\\\\";
        else if (c == '\n') s = "\\n";
        else if (c == '\r') s = "\\r";
        else if (c == '\t') s = "\\t";
        else if (c == (uint8_t)q) s = q == '\'' ? "\\'" : "\\\"";
        else if (c < 0x20 || c == 0x7f) { snprintf(e, sizeof e, "\\x%02x", c); s = e; }
        else if (c == 0xC2 && i + 1 < n && (uint8_t)p[i + 1] >= 0x80 && (uint8_t)p[i + 1] <= 0xA0) {
            /* U+0080..U+00A0 are not printable in Python */
            snprintf(e, sizeof e, "\\x%02x", (uint8_t)p[i + 1]); s = e; i++;
        }
        if (s) { if (tmpl__buf_puts(t, b, s)) return -1; }
        else if (tmpl__buf_put(t, b, p + i, 1)) return -1;
    }
    return tmpl__buf_put(t, b, &q, 1);
}

static int tmpl__repr(Tmpl *t, TBuf *b, const TV *v, int depth) {
    if (depth > 100) return tmpl__err(t, t->line, "value nested too deeply to print");
    switch (v->t) {
    case V_STR: return tmpl__repr_str(t, b, v->u.s.p, v->u.s.n);
    case V_LIST: {
        if (tmpl__buf_puts(t, b, v->tuple ? "(" : "[")) return -1;
        for (size_t i = 0; i < v->u.l->n; i++) {
            if (i && tmpl__buf_puts(t, b, ", ")) return -1;
            if (tmpl__repr(t, b, &v->u.l->v[i], depth + 1)) return -1;
        }
        if (v->tuple && v->u.l->n == 1 && tmpl__buf_puts(t, b, ",")) return -1;
        return tmpl__buf_puts(t, b, v->tuple ? ")" : "]");
    }
    case V_DICT: case V_NS: {
        if (v->t == V_NS && tmpl__buf_puts(t, b, "<Namespace ")) return -1;
        if (tmpl__buf_puts(t, b, "{")) return -1;
        for (size_t i = 0; i < v->u.d->n; i++) {
            if (i && tmpl__buf_puts(t, b, ", ")) return -1;
            if (tmpl__repr(t, b, &v->u.d->k[i], depth + 1) || tmpl__buf_puts(t, b, ": ") ||
                tmpl__repr(t, b, &v->u.d->v[i], depth + 1)) return -1;
        }
        return tmpl__buf_puts(t, b, v->t == V_NS ? "}>" : "}");
    }
    case V_MACRO: {
        char m[160];
        snprintf(m, sizeof m, "<Macro '%.*s'>", (int)v->u.m->def->s.n, v->u.m->def->s.p);
        return tmpl__buf_puts(t, b, m);
    }
    case V_FUNC: return tmpl__buf_puts(t, b, "<built-in method>");
    case V_LOOP: return tmpl__buf_puts(t, b, "<LoopContext>");
    case V_UNDEF: return tmpl__buf_puts(t, b, "Undefined");
    default: return tmpl__str(t, b, v);
    }
}

/* str(v) as a new string value. */
static int tmpl__to_str(Tmpl *t, const TV *v, TV *out) {
    if (v->t == V_STR) { *out = *v; out->tuple = 0; return 0; }
    TBuf b = { 0 };
    if (tmpl__str(t, &b, v)) return -1;
    *out = tv_str(b.p ? b.p : "", b.n);
    return 0;
}

/* tojson: json.dumps(v, ensure_ascii=False, indent, separators, sort_keys). */
typedef struct { int indent; Str item_sep, key_sep; int sort_keys; } TJson;

static int tmpl__json(Tmpl *t, TBuf *b, const TV *v, const TJson *o, int level) {
    if (level > 100) return tmpl__err(t, t->line, "value nested too deeply for tojson");
    char num[48];
    switch (v->t) {
    case V_NONE: return tmpl__buf_puts(t, b, "null");
    case V_BOOL: return tmpl__buf_puts(t, b, v->u.i ? "true" : "false");
    case V_INT: snprintf(num, sizeof num, "%lld", (long long)v->u.i); return tmpl__buf_puts(t, b, num);
    case V_FLOAT: {
        JsonBuf jb = { num, sizeof num, 0, 0 };
        json_write_double(&jb, v->u.f);
        return tmpl__buf_put(t, b, num, jb.n);
    }
    case V_STR: {
        /* escape into a temporary of the worst-case size */
        size_t cap = v->u.s.n * 6 + 2;
        char *tmp = tmpl__alloc(t, cap);
        if (!tmp) return -1;
        JsonBuf jb = { tmp, cap, 0, 0 };
        json_write_str(&jb, v->u.s.p, v->u.s.n);
        return tmpl__buf_put(t, b, tmp, jb.n);
    }
    case V_LIST: case V_DICT: {
        int obj = v->t == V_DICT;
        size_t n = obj ? v->u.d->n : v->u.l->n;
        size_t *ord = NULL;
        if (obj && n) {
            ord = tmpl__alloc(t, n * sizeof *ord);
            if (!ord) return -1;
            for (size_t i = 0; i < n; i++) ord[i] = i;
            for (size_t i = 0; i < n; i++) if (v->u.d->k[i].t != V_STR)
                return tmpl__err(t, t->line, "tojson: keys must be str");   /* json.dumps also takes int keys; rare */
            if (o->sort_keys)   /* insertion sort: dicts here are small */
                for (size_t i = 1; i < n; i++)
                    for (size_t j = i; j > 0 && tv_cmp(&v->u.d->k[ord[j - 1]], &v->u.d->k[ord[j]]) > 0; j--) {
                        size_t x = ord[j]; ord[j] = ord[j - 1]; ord[j - 1] = x;
                    }
        }
        if (tmpl__buf_puts(t, b, obj ? "{" : "[")) return -1;
        for (size_t i = 0; i < n; i++) {
            if (i && tmpl__buf_put(t, b, o->item_sep.p, o->item_sep.n)) return -1;
            if (o->indent >= 0) {
                if (tmpl__buf_puts(t, b, "\n")) return -1;
                for (int s = 0; s < o->indent * (level + 1); s++) if (tmpl__buf_puts(t, b, " ")) return -1;
            }
            if (obj) {
                if (tmpl__json(t, b, &v->u.d->k[ord[i]], o, level + 1) ||
                    tmpl__buf_put(t, b, o->key_sep.p, o->key_sep.n) ||
                    tmpl__json(t, b, &v->u.d->v[ord[i]], o, level + 1)) return -1;
            } else if (tmpl__json(t, b, &v->u.l->v[i], o, level + 1)) return -1;
        }
        if (o->indent >= 0 && n) {
            if (tmpl__buf_puts(t, b, "\n")) return -1;
            for (int s = 0; s < o->indent * level; s++) if (tmpl__buf_puts(t, b, " ")) return -1;
        }
        return tmpl__buf_puts(t, b, obj ? "}" : "]");
    }
    default:
        return tmpl__err(t, t->line, "Object of type %s is not JSON serializable", tv_typename(v));
    }
}

/* JsonVal -> template value (the render context). */
static int tmpl__from_json(Tmpl *t, const JsonVal *j, TV *out) {
    switch (j->type) {
    case JSON_NULL: *out = tv_none(); return 0;
    case JSON_BOOL: *out = tv_bool(j->b); return 0;
    case JSON_INT: *out = tv_int(j->i); return 0;
    case JSON_FLOAT: *out = tv_float(j->f); return 0;
    case JSON_STR: *out = tv_str(j->s.p, j->s.n); return 0;
    case JSON_ARR: {
        TList *l = tmpl__list(t, j->n);
        if (!l) return -1;
        for (size_t i = 0; i < j->n; i++) if (tmpl__from_json(t, j->kids[i], &l->v[i])) return -1;
        l->n = j->n;
        *out = tv_list(l);
        return 0;
    }
    default: {
        TDict *d = tmpl__alloc(t, sizeof *d);
        if (!d) return -1;
        for (size_t i = 0; i < j->n; i++) {
            TV v;
            if (tmpl__from_json(t, j->kids[i], &v) || tmpl__dict_set(t, d, tv_str(j->keys[i].p, j->keys[i].n), v)) return -1;
        }
        *out = tv_dict(d);
        return 0;
    }
    }
}

/* ============================== interpreter ============================== */

static int tmpl__eval(Tmpl *t, TNode *x, TScope *sc, TV *out);
static int tmpl__exec(Tmpl *t, TNode *x, TScope *sc);

static int tmpl__step(Tmpl *t, int line) {
    if (++t->steps > TMPL_MAX_STEPS) return tmpl__err(t, line, "template exceeds %ld steps", TMPL_MAX_STEPS);
    return 0;
}

static TScope *tmpl__scope(Tmpl *t, TScope *up) {
    TScope *s = tmpl__alloc(t, sizeof *s);
    if (s) s->up = up;
    return s;
}

static TV tmpl__func(Tmpl *t, const char *name, TV self) {
    TV v; memset(&v, 0, sizeof v);
    TFunc *f = tmpl__alloc(t, sizeof *f);
    if (!f) return tv_none();
    f->name = str_c(name), f->self = self;
    v.t = V_FUNC, v.u.fn = f;
    return v;
}

static const char *tmpl__globals[] = { "range", "dict", "namespace", "raise_exception", "strftime_now",
    "joiner", "cycler", "lipsum", NULL };

static int tmpl__lookup(Tmpl *t, Str name, TScope *sc, TV *out) {
    for (TScope *s = sc; s; s = s->up) {
        TV *v = tmpl__dict_find_s(&s->vars, name.p, name.n);
        if (v) { *out = *v; return 0; }
    }
    for (int k = 0; tmpl__globals[k]; k++)
        if (str_eq(name, tmpl__globals[k])) { *out = tmpl__func(t, tmpl__globals[k], tv_none()); return 0; }
    *out = tv_undef(t, "'%.*s' is undefined", (int)name.n, name.p);
    return 0;
}

static int tmpl__setvar(Tmpl *t, TScope *sc, Str name, TV v) {
    return tmpl__dict_set(t, &sc->vars, tv_str(name.p, name.n), v);
}

static int tmpl__undef_err(Tmpl *t, const TV *v) {
    return tmpl__err(t, t->line, "%.*s", (int)v->u.s.n, v->u.s.p);
}

static const char *tmpl__str_methods[] = { "strip", "lstrip", "rstrip", "startswith", "endswith", "split",
    "rsplit", "replace", "upper", "lower", "title", "capitalize", "format", "join", "find", "rfind", "count",
    "index", "isdigit", "isalpha", "isalnum", "isspace", "islower", "isupper", "splitlines", "center",
    "ljust", "rjust", "zfill", "partition", "rpartition", "casefold", "swapcase", "isnumeric", "isdecimal",
    "istitle", "encode", "removeprefix", "removesuffix", "expandtabs", NULL };
static const char *tmpl__dict_methods[] = { "get", "items", "keys", "values", "copy", NULL };
static const char *tmpl__dict_unsafe[] = { "pop", "popitem", "update", "setdefault", "clear", NULL };
static const char *tmpl__list_methods[] = { "index", "count", "copy", NULL };
static const char *tmpl__list_unsafe[] = { "append", "extend", "insert", "pop", "remove", "reverse", "sort", "clear", NULL };

/* jinja2's getattr: a Python attribute (method) first, then the item. */
static int tmpl__getattr(Tmpl *t, const TV *o, Str name, TV *out) {
    switch (o->t) {
    case V_UNDEF: return tmpl__undef_err(t, o);
    case V_DICT:
        if (tmpl__in_list(name, tmpl__dict_methods)) { *out = tmpl__func(t, tmpl__dict_methods[0], *o); out->u.fn->name = name; return 0; }
        if (tmpl__in_list(name, tmpl__dict_unsafe)) {
            *out = tv_undef(t, "access to attribute '%.*s' of 'dict' object is unsafe.", (int)name.n, name.p);
            return 0;
        }
        {
            TV *v = tmpl__dict_find_s(o->u.d, name.p, name.n);
            if (v) { *out = *v; return 0; }
        }
        *out = tv_undef(t, "'dict object' has no attribute '%.*s'", (int)name.n, name.p);
        return 0;
    case V_NS: {
        TV *v = tmpl__dict_find_s(o->u.d, name.p, name.n);
        if (v) { *out = *v; return 0; }
        *out = tv_undef(t, "'jinja2.utils.Namespace object' has no attribute '%.*s'", (int)name.n, name.p);
        return 0;
    }
    case V_STR:
        if (tmpl__in_list(name, tmpl__str_methods)) { *out = tmpl__func(t, "", *o); out->u.fn->name = name; out->u.fn->id = 1; return 0; }
        break;
    case V_LIST:
        if (tmpl__in_list(name, tmpl__list_methods)) { *out = tmpl__func(t, "", *o); out->u.fn->name = name; out->u.fn->id = 2; return 0; }
        if (tmpl__in_list(name, tmpl__list_unsafe)) {
            *out = tv_undef(t, "access to attribute '%.*s' of 'list' object is unsafe.", (int)name.n, name.p);
            return 0;
        }
        break;
    case V_LOOP: {
        TLoop *lp = o->u.lp;
        size_t n = lp->items->n, i = lp->idx;
        if (str_eq(name, "index")) { *out = tv_int((int64_t)i + 1); return 0; }
        if (str_eq(name, "index0")) { *out = tv_int((int64_t)i); return 0; }
        if (str_eq(name, "revindex")) { *out = tv_int((int64_t)(n - i)); return 0; }
        if (str_eq(name, "revindex0")) { *out = tv_int((int64_t)(n - i - 1)); return 0; }
        if (str_eq(name, "first")) { *out = tv_bool(i == 0); return 0; }
        if (str_eq(name, "last")) { *out = tv_bool(i + 1 == n); return 0; }
        if (str_eq(name, "length")) { *out = tv_int((int64_t)n); return 0; }
        if (str_eq(name, "depth")) { *out = tv_int(lp->depth + 1); return 0; }
        if (str_eq(name, "depth0")) { *out = tv_int(lp->depth); return 0; }
        if (str_eq(name, "previtem")) {
            if (i) *out = lp->items->v[i - 1];
            else *out = tv_undef(t, "there is no previous item");
            return 0;
        }
        if (str_eq(name, "nextitem")) {
            if (i + 1 < n) *out = lp->items->v[i + 1];
            else *out = tv_undef(t, "there is no next item");
            return 0;
        }
        if (str_eq(name, "cycle")) { *out = tmpl__func(t, "cycle", *o); out->u.fn->id = 3; out->u.fn->loop = lp; return 0; }
        break;
    }
    default: break;
    }
    *out = tv_undef(t, "'%s object' has no attribute '%.*s'", tv_typename(o), (int)name.n, name.p);
    return 0;
}

/* Python index normalisation: -1 when out of range. */
static long tmpl__index(int64_t i, size_t n) {
    if (i < 0) i += (int64_t)n;
    if (i < 0 || (uint64_t)i >= n) return -1;
    return (long)i;
}

/* jinja2's getitem: the item first, then the attribute for string keys. */
static int tmpl__getitem(Tmpl *t, const TV *o, const TV *k, TV *out) {
    if (o->t == V_UNDEF) return tmpl__undef_err(t, o);
    if (k->t == V_UNDEF && o->t != V_DICT) return tmpl__undef_err(t, k);
    if ((o->t == V_LIST || o->t == V_STR) && (k->t == V_INT || k->t == V_BOOL)) {
        if (o->t == V_LIST) {
            long i = tmpl__index(k->u.i, o->u.l->n);
            if (i < 0) { *out = tv_undef(t, "list object has no element %lld", (long long)k->u.i); return 0; }
            *out = o->u.l->v[i];
            return 0;
        }
        size_t n = tmpl__ulen(o->u.s.p, o->u.s.n);
        long i = tmpl__index(k->u.i, n);
        if (i < 0) { *out = tv_undef(t, "str object has no element %lld", (long long)k->u.i); return 0; }
        size_t b = tmpl__uoff(o->u.s.p, o->u.s.n, (size_t)i), e = tmpl__uoff(o->u.s.p, o->u.s.n, (size_t)i + 1);
        *out = tv_str(o->u.s.p + b, e - b);
        return 0;
    }
    if (o->t == V_DICT || o->t == V_NS) {
        TV *v = tmpl__dict_find(o->u.d, k);
        if (v) { *out = *v; return 0; }
    }
    if (k->t == V_STR) return tmpl__getattr(t, o, (Str){ k->u.s.p, k->u.s.n }, out);
    char kb[64] = "?";
    if (k->t == V_INT) snprintf(kb, sizeof kb, "%lld", (long long)k->u.i);
    *out = tv_undef(t, "'%s object' has no attribute '%s'", tv_typename(o), kb);
    return 0;
}

static int tmpl__slice(Tmpl *t, const TV *o, TV *lo, TV *hi, TV *st, TV *out) {
    int64_t step = 1;
    if (st && st->t != V_NONE) {
        if (st->t != V_INT) return tmpl__err(t, t->line, "slice indices must be integers or None");
        step = st->u.i;
        if (!step) return tmpl__err(t, t->line, "slice step cannot be zero");
    }
    int isstr = o->t == V_STR;
    if (!isstr && o->t != V_LIST) {
        if (o->t == V_UNDEF) return tmpl__undef_err(t, o);
        return tmpl__err(t, t->line, "'%s' object is not subscriptable", tv_typename(o));
    }
    int64_t n = isstr ? (int64_t)tmpl__ulen(o->u.s.p, o->u.s.n) : (int64_t)o->u.l->n;
    int64_t b, e;   /* Python's slice.indices */
    TV *ends[2] = { lo, hi };
    int64_t vals[2];
    for (int k = 0; k < 2; k++) {
        TV *v = ends[k];
        if (!v || v->t == V_NONE) { vals[k] = step > 0 ? (k ? n : 0) : (k ? -1 : n - 1); continue; }
        if (v->t != V_INT && v->t != V_BOOL) return tmpl__err(t, t->line, "slice indices must be integers or None");
        int64_t x = v->u.i;
        if (x < 0) { x += n; if (x < 0) x = step > 0 ? 0 : -1; }
        else if (x >= n) x = step > 0 ? n : n - 1;
        vals[k] = x;
    }
    b = vals[0], e = vals[1];
    TList *l = NULL;
    TBuf sb = { 0 };
    if (!isstr && !(l = tmpl__list(t, 0))) return -1;
    /* for strings collect code point offsets once */
    size_t *offs = NULL;
    if (isstr) {
        offs = tmpl__alloc(t, (size_t)(n + 1) * sizeof *offs);
        if (!offs) return -1;
        size_t i = 0;
        for (int64_t c = 0; c < n; c++) { offs[c] = i; i++; while (i < o->u.s.n && ((uint8_t)o->u.s.p[i] & 0xC0) == 0x80) i++; }
        offs[n] = o->u.s.n;
    }
    for (int64_t i = b; step > 0 ? i < e : i > e; i += step) {
        if (i < 0 || i >= n) break;
        if (tmpl__step(t, t->line)) return -1;
        if (isstr) { if (tmpl__buf_put(t, &sb, o->u.s.p + offs[i], offs[i + 1] - offs[i])) return -1; }
        else if (tmpl__list_push(t, l, o->u.l->v[i])) return -1;
    }
    if (isstr) *out = tv_str(sb.p ? sb.p : "", sb.n);
    else { *out = tv_list(l); out->tuple = o->tuple; }
    return 0;
}

/* Iteration: the list of items a for loop or a filter walks (dict: keys, str: chars). */
static int tmpl__iter(Tmpl *t, const TV *v, TList **out) {
    switch (v->t) {
    case V_LIST: *out = v->u.l; return 0;
    case V_UNDEF: return (*out = tmpl__list(t, 0)) ? 0 : -1;
    case V_DICT: {
        TList *l = tmpl__list(t, v->u.d->n);
        if (!l) return -1;
        for (size_t i = 0; i < v->u.d->n; i++) l->v[i] = v->u.d->k[i];
        l->n = v->u.d->n;
        *out = l;
        return 0;
    }
    case V_STR: {
        TList *l = tmpl__list(t, 0);
        if (!l) return -1;
        for (size_t i = 0, len; i < v->u.s.n; i += len) {
            tmpl__udec(v->u.s.p + i, v->u.s.n - i, &len);
            if (tmpl__list_push(t, l, tv_str(v->u.s.p + i, len))) return -1;
        }
        *out = l;
        return 0;
    }
    default:
        return tmpl__err(t, t->line, "'%s' object is not iterable", tv_typename(v));
    }
}

static int tmpl__contains(Tmpl *t, const TV *hay, const TV *needle, int *res) {
    switch (hay->t) {
    case V_STR:
        if (needle->t != V_STR) return tmpl__err(t, t->line, "'in <string>' requires string as left operand, not %s", tv_typename(needle));
        if (!needle->u.s.n) { *res = 1; return 0; }
        *res = 0;
        for (size_t i = 0; i + needle->u.s.n <= hay->u.s.n; i++)
            if (!memcmp(hay->u.s.p + i, needle->u.s.p, needle->u.s.n)) { *res = 1; break; }
        return 0;
    case V_LIST:
        *res = 0;
        for (size_t i = 0; i < hay->u.l->n; i++) if (tv_eq(&hay->u.l->v[i], needle)) { *res = 1; break; }
        return 0;
    case V_DICT: case V_NS:
        *res = tmpl__dict_find(hay->u.d, needle) != NULL;
        return 0;
    case V_UNDEF: *res = 0; return 0;
    default:
        return tmpl__err(t, t->line, "argument of type '%s' is not iterable", tv_typename(hay));
    }
}

static int tmpl__concat2(Tmpl *t, Str a, Str b, TV *out) {
    char *p = tmpl__alloc(t, a.n + b.n + 1);
    if (!p) return -1;
    if (a.n) memcpy(p, a.p, a.n);
    if (b.n) memcpy(p + a.n, b.p, b.n);
    *out = tv_str(p, a.n + b.n);
    return 0;
}

static int64_t tmpl__floordiv(int64_t a, int64_t b) { int64_t q = a / b; if ((a % b) && ((a < 0) != (b < 0))) q--; return q; }

/* markupsafe.escape: Markup is returned as is, anything else is str()'d and escaped */
static int tmpl__escape(Tmpl *t, const TV *v, TV *out) {
    TV s;
    if (tmpl__to_str(t, v, &s)) return -1;
    if (v->t == V_STR && v->tuple) { *out = *v; return 0; }
    TBuf b = { 0 };
    for (size_t i = 0; i < s.u.s.n; i++) {
        char c = s.u.s.p[i];
        const char *r = c == '&' ? "&amp;" : c == '<' ? "&lt;" : c == '>' ? "&gt;" : c == '"' ? "&#34;" : c == '\'' ? "&#39;" : NULL;
        if (r ? tmpl__buf_puts(t, &b, r) : tmpl__buf_put(t, &b, &c, 1)) return -1;
    }
    *out = tv_str(b.p ? b.p : "", b.n);
    out->tuple = 1;
    return 0;
}

static int tmpl__binop(Tmpl *t, const char *op, const TV *a, const TV *b, TV *out) {
    if (a->t == V_UNDEF) return tmpl__undef_err(t, a);
    if (b->t == V_UNDEF) return tmpl__undef_err(t, b);
    char o = op[0];
    int dbl = op[1] != 0;
    if (tv_isnum(a) && tv_isnum(b)) {
        int ints = a->t != V_FLOAT && b->t != V_FLOAT;
        int64_t x = a->u.i, y = b->u.i;
        double fx = tv_num(a), fy = tv_num(b);
        switch (o) {
        case '+': if (ints) { if (__builtin_add_overflow(x, y, &x)) goto big; *out = tv_int(x); } else *out = tv_float(fx + fy); return 0;
        case '-': if (ints) { if (__builtin_sub_overflow(x, y, &x)) goto big; *out = tv_int(x); } else *out = tv_float(fx - fy); return 0;
        case '*':
            if (dbl) {   /* ** */
                if (ints && y >= 0) {
                    int64_t r = 1;
                    for (int64_t k = 0; k < y; k++) { if (__builtin_mul_overflow(r, x, &r)) goto big; if (tmpl__step(t, t->line)) return -1; }
                    *out = tv_int(r);
                } else *out = tv_float(pow(fx, fy));
                return 0;
            }
            if (ints) { if (__builtin_mul_overflow(x, y, &x)) goto big; *out = tv_int(x); } else *out = tv_float(fx * fy);
            return 0;
        case '/':
            if (dbl) {
                if (ints) { if (!y) goto zero; if (x == INT64_MIN && y == -1) goto big; *out = tv_int(tmpl__floordiv(x, y)); }
                else { if (fy == 0) goto zero; *out = tv_float(floor(fx / fy)); }
                return 0;
            }
            if (fy == 0) goto zero;
            *out = tv_float(fx / fy);
            return 0;
        case '%':
            if (ints) {
                if (!y) goto zero;
                if (y == -1) { *out = tv_int(0); return 0; }
                int64_t r = x % y;
                if (r && ((r < 0) != (y < 0))) r += y;
                *out = tv_int(r);
            } else {
                if (fy == 0) goto zero;
                double r = fmod(fx, fy);
                if (r != 0 && ((r < 0) != (fy < 0))) r += fy;
                *out = tv_float(r);
            }
            return 0;
        }
    }
    if (o == '+' && a->t == V_STR && b->t == V_STR) {
        if (a->tuple != b->tuple) {   /* Markup + str escapes the str (markupsafe) */
            TV ea, eb;
            if (tmpl__escape(t, a, &ea) || tmpl__escape(t, b, &eb) ||
                tmpl__concat2(t, (Str){ ea.u.s.p, ea.u.s.n }, (Str){ eb.u.s.p, eb.u.s.n }, out)) return -1;
            out->tuple = 1;
            return 0;
        }
        if (tmpl__concat2(t, (Str){ a->u.s.p, a->u.s.n }, (Str){ b->u.s.p, b->u.s.n }, out)) return -1;
        out->tuple = a->tuple;
        return 0;
    }
    if (o == '+' && a->t == V_LIST && b->t == V_LIST && a->tuple == b->tuple) {
        TList *l = tmpl__list(t, a->u.l->n + b->u.l->n);
        if (!l) return -1;
        if (a->u.l->n) memcpy(l->v, a->u.l->v, a->u.l->n * sizeof(TV));
        if (b->u.l->n) memcpy(l->v + a->u.l->n, b->u.l->v, b->u.l->n * sizeof(TV));
        l->n = a->u.l->n + b->u.l->n;
        *out = tv_list(l);
        out->tuple = a->tuple;
        return 0;
    }
    if (o == '*' && !dbl && ((a->t == V_STR || a->t == V_LIST) && (b->t == V_INT || b->t == V_BOOL))) {
        int64_t k = b->u.i < 0 ? 0 : b->u.i;
        size_t unit = a->t == V_STR ? a->u.s.n : a->u.l->n;
        if (unit && (uint64_t)k > (t->a->size / unit)) return tmpl__err(t, t->line, "repetition too large");
        if (a->t == V_STR) {
            TBuf sb = { 0 };
            for (int64_t i = 0; i < k; i++) if (tmpl__buf_put(t, &sb, a->u.s.p, a->u.s.n)) return -1;
            *out = tv_str(sb.p ? sb.p : "", sb.n);
        } else {
            TList *l = tmpl__list(t, 0);
            if (!l) return -1;
            for (int64_t i = 0; i < k; i++) for (size_t j = 0; j < a->u.l->n; j++) if (tmpl__list_push(t, l, a->u.l->v[j])) return -1;
            *out = tv_list(l);
        }
        return 0;
    }
    if (o == '%' && a->t == V_STR) return tmpl__err(t, t->line, "printf-style string formatting is not supported");
    return tmpl__err(t, t->line, "unsupported operand type(s) for %s: '%s' and '%s'", op, tv_typename(a), tv_typename(b));
big:
    return tmpl__err(t, t->line, "integer overflow");
zero:
    return tmpl__err(t, t->line, "division by zero");
}

/* Arguments of a call, evaluated. */
typedef struct { TV *pos; int npos; Str *kwn; TV *kwv; int nkw; } TArgs;

static int tmpl__args(Tmpl *t, TNode *x, TScope *sc, TArgs *a) {
    memset(a, 0, sizeof *a);
    if (x->nk) { a->pos = tmpl__alloc(t, (size_t)x->nk * sizeof(TV)); if (!a->pos) return -1; }
    for (int i = 0; i < x->nk; i++) if (tmpl__eval(t, x->kids[i], sc, &a->pos[i])) return -1;
    a->npos = x->nk;
    if (x->nkw) { a->kwv = tmpl__alloc(t, (size_t)x->nkw * sizeof(TV)); if (!a->kwv) return -1; }
    for (int i = 0; i < x->nkw; i++) if (tmpl__eval(t, x->kwv[i], sc, &a->kwv[i])) return -1;
    a->kwn = x->kwn, a->nkw = x->nkw;
    return 0;
}

/* Argument `name` at position `i` (or keyword), or NULL. */
static TV *tmpl__arg(TArgs *a, int i, const char *name) {
    for (int k = 0; k < a->nkw; k++) if (str_eq(a->kwn[k], name)) return &a->kwv[k];
    if (i >= 0 && i < a->npos) return &a->pos[i];
    return NULL;
}

static int tmpl__test(Tmpl *t, Str name, const TV *v, TArgs *a, int *res);
static int tmpl__filter(Tmpl *t, Str name, const TV *v, TArgs *a, TV *out);

/* Tests that the sandbox would let through as filters in map()/select() use these. */
static int tmpl__is_upper_lower(const TV *v, int upper) {
    if (v->t != V_STR) return 0;
    int cased = 0;
    for (size_t i = 0; i < v->u.s.n; i++) {
        char c = v->u.s.p[i];
        if (c >= 'a' && c <= 'z') { if (upper) return 0; cased = 1; }
        if (c >= 'A' && c <= 'Z') { if (!upper) return 0; cased = 1; }
    }
    return cased;
}

static int tmpl__test(Tmpl *t, Str name, const TV *v, TArgs *a, int *res) {
    TV *x = tmpl__arg(a, 0, "value");
#define IS(s) str_eq(name, s)
    if (IS("defined")) *res = v->t != V_UNDEF;
    else if (IS("undefined")) *res = v->t == V_UNDEF;
    else if (IS("none")) *res = v->t == V_NONE;
    else if (IS("boolean")) *res = v->t == V_BOOL;
    else if (IS("true")) *res = v->t == V_BOOL && v->u.i;
    else if (IS("false")) *res = v->t == V_BOOL && !v->u.i;
    else if (IS("integer")) *res = v->t == V_INT;
    else if (IS("float")) *res = v->t == V_FLOAT;
    else if (IS("number")) *res = tv_isnum(v);
    else if (IS("string")) *res = v->t == V_STR;
    else if (IS("mapping")) *res = v->t == V_DICT;
    else if (IS("iterable")) *res = v->t == V_LIST || v->t == V_DICT || v->t == V_STR || v->t == V_UNDEF;
    else if (IS("sequence")) *res = v->t == V_LIST || v->t == V_DICT || v->t == V_STR || v->t == V_UNDEF;
    else if (IS("callable")) *res = v->t == V_MACRO || v->t == V_FUNC;
    else if (IS("escaped")) *res = v->t == V_STR && v->tuple;
    else if (IS("lower")) *res = tmpl__is_upper_lower(v, 0);
    else if (IS("upper")) *res = tmpl__is_upper_lower(v, 1);
    else if (IS("odd") || IS("even") || IS("divisibleby")) {
        if (v->t == V_UNDEF) return tmpl__undef_err(t, v);
        if (v->t != V_INT && v->t != V_BOOL) return tmpl__err(t, t->line, "test '%.*s' needs an integer", (int)name.n, name.p);
        if (IS("divisibleby")) {
            TV *d = tmpl__arg(a, 0, "num");
            if (!d || (d->t != V_INT && d->t != V_BOOL)) return tmpl__err(t, t->line, "divisibleby needs an integer");
            if (!d->u.i) return tmpl__err(t, t->line, "division by zero");
            *res = d->u.i == -1 || v->u.i % d->u.i == 0;
        } else *res = (v->u.i % 2 != 0) == IS("odd");
    } else if (IS("in")) {
        if (!(x = tmpl__arg(a, 0, "seq"))) return tmpl__err(t, t->line, "test 'in' needs an argument");
        return tmpl__contains(t, x, v, res);
    } else if (IS("sameas")) {
        if (!x && !(x = tmpl__arg(a, 0, "other"))) return tmpl__err(t, t->line, "test needs an argument");
        *res = v->t == x->t && (v->t == V_NONE || v->t == V_UNDEF || ((v->t == V_BOOL || v->t == V_INT) && v->u.i == x->u.i) ||
                                 (v->t == V_STR && v->u.s.p == x->u.s.p && v->u.s.n == x->u.s.n) || (v->t == V_LIST && v->u.l == x->u.l) ||
                                 ((v->t == V_DICT || v->t == V_NS) && v->u.d == x->u.d));
    } else if (IS("filter") || IS("test")) {
        *res = v->t == V_STR && ((IS("filter") ? tmpl__in_list((Str){ v->u.s.p, v->u.s.n }, tmpl__filters)
                                                : tmpl__in_list((Str){ v->u.s.p, v->u.s.n }, tmpl__tests)));
    } else {
        if (!x && !(x = tmpl__arg(a, 0, "other"))) return tmpl__err(t, t->line, "test '%.*s' needs an argument", (int)name.n, name.p);
        if (IS("eq") || IS("equalto") || IS("==")) *res = tv_eq(v, x);
        else if (IS("ne") || IS("!=")) *res = !tv_eq(v, x);
        else {
            if (v->t == V_UNDEF) return tmpl__undef_err(t, v);
            if (x->t == V_UNDEF) return tmpl__undef_err(t, x);
            int c = tv_cmp(v, x);
            if (c == -2) return tmpl__err(t, t->line, "'<' not supported between instances of '%s' and '%s'", tv_typename(v), tv_typename(x));
            if (IS("lt") || IS("lessthan") || IS("<")) *res = c < 0;
            else if (IS("le") || IS("<=")) *res = c <= 0;
            else if (IS("gt") || IS("greaterthan") || IS(">")) *res = c > 0;
            else *res = c >= 0;
        }
    }
#undef IS
    return 0;
}

static int tmpl__call_macro(Tmpl *t, TMacro *m, TArgs *a, TV caller, TV *out);

/* ---- string methods ---- */

static int tmpl__split(Tmpl *t, Str s, const TV *sep, int64_t maxsplit, int right, TV *out) {
    TList *l = tmpl__list(t, 0);
    if (!l) return -1;
    if (!sep || sep->t == V_NONE) {   /* runs of whitespace, no empty strings */
        size_t i = 0, len;
        if (right) {   /* rsplit(None, k): scan from the end */
            TList *r = tmpl__list(t, 0);
            if (!r) return -1;
            size_t e = s.n;
            while (e > 0) {
                while (e > 0 && tmpl__pyspace(s.p[e - 1])) e--;
                if (!e) break;
                size_t b = e;
                if (maxsplit >= 0 && (int64_t)r->n >= maxsplit) b = 0;
                else while (b > 0 && !tmpl__pyspace(s.p[b - 1])) b--;
                if (tmpl__list_push(t, r, tv_str(s.p + b, e - b))) return -1;
                e = b;
            }
            for (size_t k = r->n; k > 0; k--) if (tmpl__list_push(t, l, r->v[k - 1])) return -1;
            *out = tv_list(l);
            return 0;
        }
        while (i < s.n) {
            while (i < s.n && tmpl__isspace_cp(tmpl__udec(s.p + i, s.n - i, &len))) i += len;
            if (i >= s.n) break;
            size_t b = i;
            if (maxsplit >= 0 && (int64_t)l->n >= maxsplit) {
                size_t e = s.n;
                while (e > b && tmpl__pyspace(s.p[e - 1])) e--;
                if (tmpl__list_push(t, l, tv_str(s.p + b, e - b))) return -1;
                break;
            }
            while (i < s.n && !tmpl__isspace_cp(tmpl__udec(s.p + i, s.n - i, &len))) i += len;
            if (tmpl__list_push(t, l, tv_str(s.p + b, i - b))) return -1;
        }
        *out = tv_list(l);
        return 0;
    }
    if (sep->t != V_STR) return tmpl__err(t, t->line, "must be str or None, not %s", tv_typename(sep));
    Str p = { sep->u.s.p, sep->u.s.n };
    if (!p.n) return tmpl__err(t, t->line, "empty separator");
    if (right) {
        TList *r = tmpl__list(t, 0);
        if (!r) return -1;
        size_t e = s.n;
        for (;;) {
            size_t i = e, hit = (size_t)-1;
            if (maxsplit < 0 || (int64_t)r->n < maxsplit)
                while (i >= p.n) { if (!memcmp(s.p + i - p.n, p.p, p.n)) { hit = i - p.n; break; } i--; }
            if (hit == (size_t)-1) { if (tmpl__list_push(t, r, tv_str(s.p, e))) return -1; break; }
            if (tmpl__list_push(t, r, tv_str(s.p + hit + p.n, e - hit - p.n))) return -1;
            e = hit;
        }
        for (size_t k = r->n; k > 0; k--) if (tmpl__list_push(t, l, r->v[k - 1])) return -1;
        *out = tv_list(l);
        return 0;
    }
    size_t b = 0;
    for (size_t i = 0; i + p.n <= s.n;) {
        if ((maxsplit < 0 || (int64_t)l->n < maxsplit) && !memcmp(s.p + i, p.p, p.n)) {
            if (tmpl__list_push(t, l, tv_str(s.p + b, i - b))) return -1;
            i += p.n, b = i;
        } else i++;
    }
    if (tmpl__list_push(t, l, tv_str(s.p + b, s.n - b))) return -1;
    *out = tv_list(l);
    return 0;
}

static int tmpl__replace(Tmpl *t, Str s, Str from, Str to, int64_t count, TV *out) {
    TBuf b = { 0 };
    int64_t done = 0;
    if (!from.n) {   /* Python inserts `to` between every character */
        size_t len;
        for (size_t i = 0; i <= s.n; i += len) {
            if (count < 0 || done < count) { if (tmpl__buf_put(t, &b, to.p, to.n)) return -1; done++; }
            if (i == s.n) break;
            tmpl__udec(s.p + i, s.n - i, &len);
            if (tmpl__buf_put(t, &b, s.p + i, len)) return -1;
        }
    } else {
        size_t i = 0, run = 0;
        while (i + from.n <= s.n) {
            if ((count < 0 || done < count) && !memcmp(s.p + i, from.p, from.n)) {
                if (tmpl__buf_put(t, &b, s.p + run, i - run) || tmpl__buf_put(t, &b, to.p, to.n)) return -1;
                i += from.n, run = i, done++;
            } else i++;
        }
        if (tmpl__buf_put(t, &b, s.p + run, s.n - run)) return -1;
    }
    *out = tv_str(b.p ? b.p : "", b.n);
    return 0;
}

/* mode: 0 lower, 1 upper, 2 title, 3 capitalize (ASCII letters only) */
static int tmpl__case(Tmpl *t, Str s, int mode, TV *out) {
    char *p = tmpl__alloc(t, s.n + 1);
    if (!p) return -1;
    int prev_cased = 0;
    for (size_t i = 0; i < s.n; i++) {
        char c = s.p[i];
        int lower = c >= 'a' && c <= 'z', upper = c >= 'A' && c <= 'Z';
        int up;
        if (mode == 0) up = 0;
        else if (mode == 1) up = 1;
        else if (mode == 2) up = !prev_cased;
        else up = i == 0;
        if (up && lower) c = (char)(c - 32);
        else if (!up && upper) c = (char)(c + 32);
        p[i] = c;
        /* title(): a letter follows a cased letter; non-ASCII bytes count as letters */
        prev_cased = lower || upper || ((uint8_t)c >= 0x80);
    }
    *out = tv_str(p, s.n);
    return 0;
}

static int tmpl__str_method(Tmpl *t, Str name, Str s, TArgs *a, TV *out) {
    TV *x = tmpl__arg(a, 0, "");
    TV *y = tmpl__arg(a, 1, "");
#define IS(w) str_eq(name, w)
    if (IS("strip") || IS("lstrip") || IS("rstrip")) {
        Str chars;
        int has = x && x->t == V_STR;
        if (has) chars = (Str){ x->u.s.p, x->u.s.n };
        Str r = tmpl__strip(s, has ? &chars : NULL, IS("strip") ? 3 : IS("lstrip") ? 1 : 2);
        *out = tv_str(r.p, r.n);
        return 0;
    }
    if (IS("startswith") || IS("endswith")) {
        if (!x) return tmpl__err(t, t->line, "%.*s() takes at least 1 argument", (int)name.n, name.p);
        TList one = { x, 1, 1 };
        TList *opts = x->t == V_LIST && x->tuple ? x->u.l : &one;
        *out = tv_bool(0);
        for (size_t k = 0; k < opts->n; k++) {
            TV *o = &opts->v[k];
            if (o->t != V_STR) return tmpl__err(t, t->line, "%.*s first arg must be str or a tuple of str", (int)name.n, name.p);
            if (o->u.s.n <= s.n && !memcmp(IS("startswith") ? s.p : s.p + s.n - o->u.s.n, o->u.s.p, o->u.s.n)) *out = tv_bool(1);
        }
        return 0;
    }
    if (IS("split") || IS("rsplit")) {
        TV *sep = tmpl__arg(a, 0, "sep"), *ms = tmpl__arg(a, 1, "maxsplit");
        return tmpl__split(t, s, sep, ms && ms->t == V_INT ? ms->u.i : -1, IS("rsplit"), out);
    }
    if (IS("replace")) {
        if (!x || !y || x->t != V_STR || y->t != V_STR) return tmpl__err(t, t->line, "replace() needs two strings");
        TV *c = tmpl__arg(a, 2, "count");
        return tmpl__replace(t, s, (Str){ x->u.s.p, x->u.s.n }, (Str){ y->u.s.p, y->u.s.n }, c && c->t == V_INT ? c->u.i : -1, out);
    }
    if (IS("upper")) return tmpl__case(t, s, 1, out);
    if (IS("lower") || IS("casefold")) return tmpl__case(t, s, 0, out);
    if (IS("title")) return tmpl__case(t, s, 2, out);
    if (IS("capitalize")) return tmpl__case(t, s, 3, out);
    if (IS("find") || IS("rfind") || IS("index") || IS("count")) {
        if (!x || x->t != V_STR) return tmpl__err(t, t->line, "%.*s() needs a string", (int)name.n, name.p);
        int64_t pos = -1, cnt = 0;
        for (size_t i = 0; i + x->u.s.n <= s.n; i++) {
            if (memcmp(s.p + i, x->u.s.p, x->u.s.n)) continue;
            if (pos < 0 || IS("rfind")) pos = (int64_t)tmpl__ulen(s.p, i);
            cnt++;
            if (IS("count") && x->u.s.n) i += x->u.s.n - 1;
            if ((IS("find") || IS("index"))) break;
        }
        if (IS("count")) { *out = tv_int(x->u.s.n ? cnt : (int64_t)tmpl__ulen(s.p, s.n) + 1); return 0; }
        if (IS("index") && pos < 0) return tmpl__err(t, t->line, "substring not found");
        *out = tv_int(pos);
        return 0;
    }
    if (IS("isdigit") || IS("isalpha") || IS("isalnum") || IS("isspace") || IS("isnumeric") || IS("isdecimal")) {
        int ok = s.n > 0;
        for (size_t i = 0; i < s.n; i++) {
            char c = s.p[i];
            int d = c >= '0' && c <= '9', l = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
            if (IS("isalpha") ? !l : IS("isalnum") ? !(l || d) : IS("isspace") ? !tmpl__pyspace(c) : !d) ok = 0;
        }
        *out = tv_bool(ok);
        return 0;
    }
    if (IS("islower") || IS("isupper")) { TV v = tv_str(s.p, s.n); *out = tv_bool(tmpl__is_upper_lower(&v, IS("isupper"))); return 0; }
    if (IS("join")) {
        if (!x) return tmpl__err(t, t->line, "join() takes one argument");
        TList *l;
        if (tmpl__iter(t, x, &l)) return -1;
        TBuf b = { 0 };
        for (size_t i = 0; i < l->n; i++) {
            if (l->v[i].t != V_STR) return tmpl__err(t, t->line, "sequence item %zu: expected str instance, %s found", i, tv_typename(&l->v[i]));
            if ((i && tmpl__buf_put(t, &b, s.p, s.n)) || tmpl__buf_put(t, &b, l->v[i].u.s.p, l->v[i].u.s.n)) return -1;
        }
        *out = tv_str(b.p ? b.p : "", b.n);
        return 0;
    }
    if (IS("splitlines")) {
        TList *l = tmpl__list(t, 0);
        if (!l) return -1;
        size_t b = 0;
        for (size_t i = 0; i < s.n; i++) {
            if (s.p[i] != '\n' && s.p[i] != '\r') continue;
            if (tmpl__list_push(t, l, tv_str(s.p + b, i - b))) return -1;
            if (s.p[i] == '\r' && i + 1 < s.n && s.p[i + 1] == '\n') i++;
            b = i + 1;
        }
        if (b < s.n && tmpl__list_push(t, l, tv_str(s.p + b, s.n - b))) return -1;
        *out = tv_list(l);
        return 0;
    }
    if (IS("removeprefix") || IS("removesuffix")) {
        if (!x || x->t != V_STR) return tmpl__err(t, t->line, "%.*s() needs a string", (int)name.n, name.p);
        *out = tv_str(s.p, s.n);
        if (x->u.s.n <= s.n) {
            if (IS("removeprefix") && !memcmp(s.p, x->u.s.p, x->u.s.n)) *out = tv_str(s.p + x->u.s.n, s.n - x->u.s.n);
            if (IS("removesuffix") && !memcmp(s.p + s.n - x->u.s.n, x->u.s.p, x->u.s.n)) *out = tv_str(s.p, s.n - x->u.s.n);
        }
        return 0;
    }
    if (IS("partition") || IS("rpartition")) {
        if (!x || x->t != V_STR || !x->u.s.n) return tmpl__err(t, t->line, "%.*s() needs a non-empty string", (int)name.n, name.p);
        TList *l = tmpl__list(t, 3);
        if (!l) return -1;
        l->n = 3;
        size_t hit = (size_t)-1;
        for (size_t i = 0; i + x->u.s.n <= s.n; i++)
            if (!memcmp(s.p + i, x->u.s.p, x->u.s.n)) { hit = i; if (IS("partition")) break; }
        if (hit == (size_t)-1) {
            int r = IS("rpartition");
            l->v[0] = r ? tv_str("", 0) : tv_str(s.p, s.n);
            l->v[1] = tv_str("", 0);
            l->v[2] = r ? tv_str(s.p, s.n) : tv_str("", 0);
        } else {
            l->v[0] = tv_str(s.p, hit);
            l->v[1] = tv_str(x->u.s.p, x->u.s.n);
            l->v[2] = tv_str(s.p + hit + x->u.s.n, s.n - hit - x->u.s.n);
        }
        *out = tv_list(l);
        out->tuple = 1;
        return 0;
    }
    if (IS("format")) {   /* "{}" and "{0}" and "{name}" fields only */
        TBuf b = { 0 };
        int auto_i = 0;
        for (size_t i = 0; i < s.n; i++) {
            if (s.p[i] == '{' && i + 1 < s.n && s.p[i + 1] == '{') { if (tmpl__buf_put(t, &b, "{", 1)) return -1; i++; continue; }
            if (s.p[i] == '}' && i + 1 < s.n && s.p[i + 1] == '}') { if (tmpl__buf_put(t, &b, "}", 1)) return -1; i++; continue; }
            if (s.p[i] != '{') { if (tmpl__buf_put(t, &b, s.p + i, 1)) return -1; continue; }
            size_t e = i + 1;
            while (e < s.n && s.p[e] != '}') e++;
            if (e >= s.n) return tmpl__err(t, t->line, "Single '{' encountered in format string");
            Str f = { s.p + i + 1, e - i - 1 };
            TV *v = NULL;
            if (!f.n) v = auto_i < a->npos ? &a->pos[auto_i++] : NULL;
            else if (f.p[0] >= '0' && f.p[0] <= '9') { int k = atoi(f.p); v = k < a->npos ? &a->pos[k] : NULL; }
            else for (int k = 0; k < a->nkw; k++) if (a->kwn[k].n == f.n && !memcmp(a->kwn[k].p, f.p, f.n)) v = &a->kwv[k];
            if (!v) return tmpl__err(t, t->line, "format: missing argument for {%.*s}", (int)f.n, f.p);
            if (tmpl__str(t, &b, v)) return -1;
            i = e;
        }
        *out = tv_str(b.p ? b.p : "", b.n);
        return 0;
    }
    if (IS("center") || IS("ljust") || IS("rjust") || IS("zfill")) {
        if (!x || x->t != V_INT) return tmpl__err(t, t->line, "%.*s() needs a width", (int)name.n, name.p);
        size_t len = tmpl__ulen(s.p, s.n);
        int64_t pad = x->u.i - (int64_t)len;
        if (pad > 100000) return tmpl__err(t, t->line, "width too large");
        char fill = IS("zfill") ? '0' : (y && y->t == V_STR && y->u.s.n == 1 ? y->u.s.p[0] : ' ');
        int64_t left = IS("center") ? pad / 2 + (pad & x->u.i & 1) : IS("rjust") || IS("zfill") ? pad : 0;
        TBuf b = { 0 };
        for (int64_t k = 0; k < left; k++) if (tmpl__buf_put(t, &b, &fill, 1)) return -1;
        if (tmpl__buf_put(t, &b, s.p, s.n)) return -1;
        for (int64_t k = left; k < pad; k++) if (tmpl__buf_put(t, &b, &fill, 1)) return -1;
        *out = tv_str(b.p ? b.p : "", b.n);
        return 0;
    }
#undef IS
    return tmpl__err(t, t->line, "str.%.*s() is not supported", (int)name.n, name.p);
}

static time_t tmpl_time_override;   /* tests pin strftime_now to this time when non-zero */

static int tmpl__call(Tmpl *t, const TV *f, TArgs *a, TV *out) {
    if (f->t == V_UNDEF) return tmpl__undef_err(t, f);
    if (f->t == V_MACRO) return tmpl__call_macro(t, f->u.m, a, f->u.m->caller, out);
    if (f->t != V_FUNC) return tmpl__err(t, t->line, "'%s' object is not callable", tv_typename(f));
    TFunc *fn = f->u.fn;
    Str name = fn->name;
    TV *x = tmpl__arg(a, 0, "");
    if (fn->id == 1) return tmpl__str_method(t, name, (Str){ fn->self.u.s.p, fn->self.u.s.n }, a, out);
    if (fn->id == 2) {   /* list.index / count / copy */
        TList *l = fn->self.u.l;
        if (str_eq(name, "copy")) { *out = fn->self; return 0; }
        if (!x) return tmpl__err(t, t->line, "list.%.*s() takes one argument", (int)name.n, name.p);
        int64_t cnt = 0, pos = -1;
        for (size_t i = 0; i < l->n; i++) if (tv_eq(&l->v[i], x)) { cnt++; if (pos < 0) pos = (int64_t)i; }
        if (str_eq(name, "count")) { *out = tv_int(cnt); return 0; }
        if (pos < 0) return tmpl__err(t, t->line, "value is not in list");
        *out = tv_int(pos);
        return 0;
    }
    if (fn->id == 3) {   /* loop.cycle(a, b, ...) */
        if (!a->npos) return tmpl__err(t, t->line, "no items for cycling given");
        *out = a->pos[fn->loop->idx % (size_t)a->npos];
        return 0;
    }
    if (fn->self.t == V_DICT) {
        TDict *d = fn->self.u.d;
        if (str_eq(name, "get")) {
            if (!x) return tmpl__err(t, t->line, "get expected at least 1 argument, got 0");
            TV *v = tmpl__dict_find(d, x);
            TV *def = tmpl__arg(a, 1, "");
            *out = v ? *v : def ? *def : tv_none();
            return 0;
        }
        if (str_eq(name, "copy")) { *out = fn->self; return 0; }
        TList *l = tmpl__list(t, d->n);
        if (!l) return -1;
        for (size_t i = 0; i < d->n; i++) {
            if (str_eq(name, "keys")) l->v[i] = d->k[i];
            else if (str_eq(name, "values")) l->v[i] = d->v[i];
            else {
                TList *p = tmpl__list(t, 2);
                if (!p) return -1;
                p->v[0] = d->k[i], p->v[1] = d->v[i], p->n = 2;
                l->v[i] = tv_list(p);
                l->v[i].tuple = 1;
            }
        }
        l->n = d->n;
        *out = tv_list(l);
        return 0;
    }
    /* globals */
    if (str_eq(name, "raise_exception")) {
        TV m;
        if (!x) return tmpl__err(t, t->line, "raise_exception() needs a message");
        if (tmpl__to_str(t, x, &m)) return -1;
        if (t->e && !t->e->msg[0]) err_set(t->e, "%.*s", (int)m.u.s.n, m.u.s.p);
        return -1;
    }
    if (str_eq(name, "strftime_now")) {
        if (!x || x->t != V_STR) return tmpl__err(t, t->line, "strftime_now() needs a format string");
        char fmt[256], buf[512];
        snprintf(fmt, sizeof fmt, "%.*s", (int)x->u.s.n, x->u.s.p);
        time_t now = tmpl_time_override ? tmpl_time_override : time(NULL);
        struct tm tm;
        localtime_r(&now, &tm);
        size_t n = strftime(buf, sizeof buf, fmt, &tm);
        *out = tv_strdup(t, buf, n);
        return 0;
    }
    if (str_eq(name, "range")) {
        int64_t lo = 0, hi, st = 1;
        for (int i = 0; i < a->npos; i++) if (a->pos[i].t != V_INT && a->pos[i].t != V_BOOL) return tmpl__err(t, t->line, "range() needs integers");
        if (a->npos == 1) hi = a->pos[0].u.i;
        else if (a->npos >= 2) { lo = a->pos[0].u.i, hi = a->pos[1].u.i; if (a->npos > 2) st = a->pos[2].u.i; }
        else return tmpl__err(t, t->line, "range expected at least 1 argument");
        if (!st) return tmpl__err(t, t->line, "range() arg 3 must not be zero");
        TList *l = tmpl__list(t, 0);
        if (!l) return -1;
        for (int64_t i = lo; st > 0 ? i < hi : i > hi; i += st) {
            if ((int64_t)l->n >= 100000) return tmpl__err(t, t->line, "range too big");   /* like jinja2's MAX_RANGE */
            if (tmpl__list_push(t, l, tv_int(i))) return -1;
        }
        *out = tv_list(l);
        return 0;
    }
    if (str_eq(name, "namespace") || str_eq(name, "dict")) {
        TDict *d = tmpl__alloc(t, sizeof *d);
        if (!d) return -1;
        if (x && x->t == V_DICT)
            for (size_t i = 0; i < x->u.d->n; i++) if (tmpl__dict_set(t, d, x->u.d->k[i], x->u.d->v[i])) return -1;
        for (int k = 0; k < a->nkw; k++) if (tmpl__dict_set(t, d, tv_str(a->kwn[k].p, a->kwn[k].n), a->kwv[k])) return -1;
        *out = tv_dict(d);
        if (str_eq(name, "namespace")) out->t = V_NS;
        return 0;
    }
    return tmpl__err(t, t->line, "%.*s() is not supported", (int)name.n, name.p);
}

/* attribute path "a.b" (jinja2's make_attrgetter; digits index lists) */
static int tmpl__attr_path(Tmpl *t, const TV *v, const TV *path, TV *out) {
    if (!path || path->t != V_STR) {
        if (path && path->t == V_INT) return tmpl__getitem(t, v, path, out);
        return tmpl__err(t, t->line, "attribute must be a string");
    }
    TV cur = *v;
    const char *p = path->u.s.p, *e = p + path->u.s.n;
    while (p <= e) {
        const char *d = memchr(p, '.', (size_t)(e - p));
        if (!d) d = e;
        TV key = tv_str(p, (size_t)(d - p));
        if (key.u.s.n && key.u.s.p[0] >= '0' && key.u.s.p[0] <= '9') key = tv_int(atoll(p));
        if (tmpl__getitem(t, &cur, &key, &cur)) return -1;
        p = d + 1;
    }
    *out = cur;
    return 0;
}

static int tmpl__sort_key(Tmpl *t, const TV *v, const TV *attr, int case_sensitive, TV *out) {
    if (attr && attr->t != V_NONE) { if (tmpl__attr_path(t, v, attr, out)) return -1; }
    else *out = *v;
    if (!case_sensitive && out->t == V_STR) return tmpl__case(t, (Str){ out->u.s.p, out->u.s.n }, 0, out);
    return 0;
}

/* Stable sort of l (copied) by key; mergesort-free insertion sort: lists are small,
 * and each comparison costs a step. */
static int tmpl__sort(Tmpl *t, TList *src, const TV *attr, int case_sensitive, int reverse, int by_value_of_pair, TList **out) {
    size_t n = src->n;
    TList *l = tmpl__list(t, n);
    TV *keys = tmpl__alloc(t, (n ? n : 1) * sizeof(TV));
    if (!l || !keys) return -1;
    for (size_t i = 0; i < n; i++) {
        l->v[i] = src->v[i];
        const TV *v = &src->v[i];
        if (by_value_of_pair >= 0) v = &v->u.l->v[by_value_of_pair];
        if (tmpl__sort_key(t, v, attr, case_sensitive, &keys[i])) return -1;
    }
    l->n = n;
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0; j--) {
            if (tmpl__step(t, t->line)) return -1;
            int c = tv_cmp(&keys[j - 1], &keys[j]);
            if (c == -2) return tmpl__err(t, t->line, "'<' not supported between instances of '%s' and '%s'", tv_typename(&keys[j]), tv_typename(&keys[j - 1]));
            if (reverse ? c >= 0 : c <= 0) break;
            TV a = keys[j]; keys[j] = keys[j - 1]; keys[j - 1] = a;
            a = l->v[j]; l->v[j] = l->v[j - 1]; l->v[j - 1] = a;
        }
    *out = l;
    return 0;
}

/* select/reject/selectattr/rejectattr */
static int tmpl__select(Tmpl *t, const TV *v, TArgs *a, int attr, int keep, TV *out) {
    TList *src, *l = tmpl__list(t, 0);
    if (!l) return -1;
    if (!tv_truthy(v)) { *out = tv_list(l); return 0; }   /* jinja2: `if value:` first */
    if (tmpl__iter(t, v, &src)) return -1;
    int k = 0;
    TV *path = attr ? tmpl__arg(a, k++, "") : NULL;
    TV *tname = tmpl__arg(a, k, "");
    TArgs ta = { 0 };
    if (tname) { ta.pos = a->pos + k + 1; ta.npos = a->npos - k - 1; if (ta.npos < 0) ta.npos = 0; }
    for (size_t i = 0; i < src->n; i++) {
        TV item = src->v[i], x = item;
        if (path && tmpl__attr_path(t, &item, path, &x)) return -1;
        int r;
        if (tname) {
            if (tname->t != V_STR || !tmpl__in_list((Str){ tname->u.s.p, tname->u.s.n }, tmpl__tests))
                return tmpl__err(t, t->line, "No test named %s.", tname->t == V_STR ? "given" : "given");
            if (tmpl__test(t, (Str){ tname->u.s.p, tname->u.s.n }, &x, &ta, &r)) return -1;
        } else r = tv_truthy(&x);
        if (r == keep && tmpl__list_push(t, l, item)) return -1;
    }
    *out = tv_list(l);
    return 0;
}

static int tmpl__filter(Tmpl *t, Str name, const TV *v, TArgs *a, TV *out) {
    TV *x = tmpl__arg(a, 0, "");
#define IS(w) str_eq(name, w)
    if (IS("default") || IS("d")) {
        TV *b = tmpl__arg(a, 1, "boolean");
        int use = v->t == V_UNDEF || (b && tv_truthy(b) && !tv_truthy(v));
        *out = use ? (x ? *x : tv_str("", 0)) : *v;
        return 0;
    }
    if (IS("length") || IS("count")) {
        if (v->t == V_STR) *out = tv_int((int64_t)tmpl__ulen(v->u.s.p, v->u.s.n));
        else if (v->t == V_LIST) *out = tv_int((int64_t)v->u.l->n);
        else if (v->t == V_DICT || v->t == V_NS) *out = tv_int((int64_t)v->u.d->n);
        else if (v->t == V_UNDEF) *out = tv_int(0);
        else return tmpl__err(t, t->line, "object of type '%s' has no len()", tv_typename(v));
        return 0;
    }
    if (IS("safe")) { if (tmpl__to_str(t, v, out)) return -1; out->tuple = 1; return 0; }
    if (IS("string")) return v->t == V_STR ? (*out = *v, 0) : tmpl__to_str(t, v, out);
    if (IS("tojson")) {
        TV *ind = tmpl__arg(a, 0, "indent"), *sep = tmpl__arg(a, -1, "separators"), *sk = tmpl__arg(a, -1, "sort_keys");
        TV *ea = tmpl__arg(a, -1, "ensure_ascii");
        if (ea && tv_truthy(ea)) return tmpl__err(t, t->line, "tojson(ensure_ascii=True) is not supported");
        TJson o = { -1, str_c(", "), str_c(": "), sk ? tv_truthy(sk) : 0 };
        if (ind && ind->t == V_INT) { o.indent = (int)(ind->u.i < 0 ? 0 : ind->u.i > 64 ? 64 : ind->u.i); o.item_sep = str_c(","); }
        else if (ind && ind->t != V_NONE) return tmpl__err(t, t->line, "tojson: indent must be an integer");
        if (sep && sep->t == V_LIST && sep->u.l->n == 2 && sep->u.l->v[0].t == V_STR && sep->u.l->v[1].t == V_STR) {
            o.item_sep = (Str){ sep->u.l->v[0].u.s.p, sep->u.l->v[0].u.s.n };
            o.key_sep = (Str){ sep->u.l->v[1].u.s.p, sep->u.l->v[1].u.s.n };
        }
        TBuf b = { 0 };
        if (tmpl__json(t, &b, v, &o, 0)) return -1;
        *out = tv_str(b.p ? b.p : "", b.n);
        return 0;
    }
    if (v->t == V_UNDEF && !IS("list") && !IS("join") && !IS("first") && !IS("items") && !IS("trim") && !IS("upper") && !IS("lower") && !IS("select") && !IS("reject") && !IS("selectattr") && !IS("rejectattr") && !IS("map") && !IS("unique") && !IS("sort") && !IS("reverse") && !IS("dictsort"))
        return tmpl__undef_err(t, v);
    if (IS("trim")) {
        TV s;
        if (tmpl__to_str(t, v, &s)) return -1;
        Str chars;
        int has = x && x->t == V_STR;
        if (has) chars = (Str){ x->u.s.p, x->u.s.n };
        Str r = tmpl__strip((Str){ s.u.s.p, s.u.s.n }, has ? &chars : NULL, 3);
        *out = tv_str(r.p, r.n);
        return 0;
    }
    if (IS("upper") || IS("lower") || IS("title") || IS("capitalize")) {
        TV s;
        if (tmpl__to_str(t, v, &s)) return -1;
        return tmpl__case(t, (Str){ s.u.s.p, s.u.s.n }, IS("lower") ? 0 : IS("upper") ? 1 : IS("title") ? 2 : 3, out);
    }
    if (IS("replace")) {
        TV s, *y = tmpl__arg(a, 1, "new"), *c = tmpl__arg(a, 2, "count");
        if (!x || !y) return tmpl__err(t, t->line, "replace needs two arguments");
        TV xs, ys;
        if (tmpl__to_str(t, v, &s) || tmpl__to_str(t, x, &xs) || tmpl__to_str(t, y, &ys)) return -1;
        return tmpl__replace(t, (Str){ s.u.s.p, s.u.s.n }, (Str){ xs.u.s.p, xs.u.s.n }, (Str){ ys.u.s.p, ys.u.s.n },
                             c && c->t == V_INT ? c->u.i : -1, out);
    }
    if (IS("first") || IS("last")) {
        TList *l;
        if (tmpl__iter(t, v, &l)) return -1;
        if (!l->n) { *out = tv_undef(t, "No first item, sequence was empty."); return 0; }
        *out = IS("first") ? l->v[0] : l->v[l->n - 1];
        return 0;
    }
    if (IS("list")) {
        TList *l, *c;
        if (tmpl__iter(t, v, &l) || !(c = tmpl__list(t, l->n))) return -1;
        if (l->n) memcpy(c->v, l->v, l->n * sizeof(TV));
        c->n = l->n;
        *out = tv_list(c);
        return 0;
    }
    if (IS("join")) {
        TList *l;
        if (tmpl__iter(t, v, &l)) return -1;
        TV *attr = tmpl__arg(a, 1, "attribute");
        TV sep = tv_str("", 0);
        if (x && tmpl__arg(a, 0, "d") && tmpl__to_str(t, x, &sep)) return -1;
        TBuf b = { 0 };
        for (size_t i = 0; i < l->n; i++) {
            TV item = l->v[i];
            if (attr && tmpl__attr_path(t, &item, attr, &item)) return -1;
            if ((i && tmpl__buf_put(t, &b, sep.u.s.p, sep.u.s.n)) || tmpl__str(t, &b, &item)) return -1;
        }
        *out = tv_str(b.p ? b.p : "", b.n);
        return 0;
    }
    if (IS("items")) {
        if (v->t == V_UNDEF) { TList *l = tmpl__list(t, 0); if (!l) return -1; *out = tv_list(l); return 0; }
        if (v->t != V_DICT) return tmpl__err(t, t->line, "Can only get item pairs from a mapping.");
        TFunc f = { 0, *v, str_c("items"), NULL };
        TV fv; memset(&fv, 0, sizeof fv); fv.t = V_FUNC; fv.u.fn = &f;
        TArgs none = { 0 };
        return tmpl__call(t, &fv, &none, out);
    }
    if (IS("dictsort")) {
        if (v->t != V_DICT) return tmpl__err(t, t->line, "You can only sort by either \"key\" or \"value\"");
        TV *cs = tmpl__arg(a, 0, "case_sensitive"), *by = tmpl__arg(a, 1, "by"), *rev = tmpl__arg(a, 2, "reverse");
        TFunc f = { 0, *v, str_c("items"), NULL };
        TV fv, items; memset(&fv, 0, sizeof fv); fv.t = V_FUNC; fv.u.fn = &f;
        TArgs none = { 0 };
        if (tmpl__call(t, &fv, &none, &items)) return -1;
        int pos = by && by->t == V_STR && str_eq((Str){ by->u.s.p, by->u.s.n }, "value") ? 1 : 0;
        TList *l;
        if (tmpl__sort(t, items.u.l, NULL, cs && tv_truthy(cs), rev && tv_truthy(rev), pos, &l)) return -1;
        *out = tv_list(l);
        return 0;
    }
    if (IS("sort")) {
        TList *src, *l;
        TV *rev = tmpl__arg(a, 0, "reverse"), *cs = tmpl__arg(a, 1, "case_sensitive"), *attr = tmpl__arg(a, 2, "attribute");
        if (tmpl__iter(t, v, &src) || tmpl__sort(t, src, attr, cs && tv_truthy(cs), rev && tv_truthy(rev), -1, &l)) return -1;
        *out = tv_list(l);
        return 0;
    }
    if (IS("reverse")) {
        if (v->t == V_STR) { TV st = tv_int(-1); return tmpl__slice(t, v, NULL, NULL, &st, out); }
        TList *src, *l;
        if (tmpl__iter(t, v, &src) || !(l = tmpl__list(t, src->n))) return -1;
        for (size_t i = 0; i < src->n; i++) l->v[i] = src->v[src->n - 1 - i];
        l->n = src->n;
        *out = tv_list(l);
        return 0;
    }
    if (IS("unique")) {
        TList *src, *l = tmpl__list(t, 0);
        TV *cs = tmpl__arg(a, 0, "case_sensitive"), *attr = tmpl__arg(a, 1, "attribute");
        TList *seen = tmpl__list(t, 0);
        if (!l || !seen || tmpl__iter(t, v, &src)) return -1;
        for (size_t i = 0; i < src->n; i++) {
            TV k;
            int hit = 0;
            if (tmpl__sort_key(t, &src->v[i], attr, cs && tv_truthy(cs), &k)) return -1;
            for (size_t j = 0; j < seen->n && !hit; j++) hit = tv_eq(&seen->v[j], &k);
            if (!hit && (tmpl__list_push(t, seen, k) || tmpl__list_push(t, l, src->v[i]))) return -1;
        }
        *out = tv_list(l);
        return 0;
    }
    if (IS("map")) {
        TList *src, *l = tmpl__list(t, 0);
        if (!l) return -1;
        if (!tv_truthy(v)) { *out = tv_list(l); return 0; }
        if (tmpl__iter(t, v, &src)) return -1;
        TV *attr = tmpl__arg(a, -1, "attribute"), *def = tmpl__arg(a, -1, "default");
        for (size_t i = 0; i < src->n; i++) {
            TV r;
            if (attr) {
                if (tmpl__attr_path(t, &src->v[i], attr, &r)) return -1;
                if (r.t == V_UNDEF && def) r = *def;
            } else {
                if (!x || x->t != V_STR) return tmpl__err(t, t->line, "map needs a filter name or attribute=");
                Str fname = { x->u.s.p, x->u.s.n };
                if (!tmpl__in_list(fname, tmpl__filters)) return tmpl__err(t, t->line, "No filter named '%.*s'.", (int)fname.n, fname.p);
                TArgs fa = { a->pos + 1, a->npos - 1, a->kwn, a->kwv, a->nkw };
                if (tmpl__filter(t, fname, &src->v[i], &fa, &r)) return -1;
            }
            if (tmpl__list_push(t, l, r)) return -1;
        }
        *out = tv_list(l);
        return 0;
    }
    if (IS("select") || IS("reject")) return tmpl__select(t, v, a, 0, IS("select"), out);
    if (IS("selectattr") || IS("rejectattr")) return tmpl__select(t, v, a, 1, IS("selectattr"), out);
    if (IS("int")) {
        TV *def = tmpl__arg(a, 0, "default");
        if (v->t == V_INT || v->t == V_BOOL) *out = tv_int(v->u.i);
        else if (v->t == V_FLOAT && isfinite(v->u.f) && fabs(v->u.f) < 9.2e18) *out = tv_int((int64_t)v->u.f);
        else if (v->t == V_STR) {
            char buf[64]; char *end;
            Str s = tmpl__strip((Str){ v->u.s.p, v->u.s.n }, NULL, 3);
            snprintf(buf, sizeof buf, "%.*s", (int)(s.n < 63 ? s.n : 63), s.p);
            errno = 0;
            long long r = strtoll(buf, &end, 10);
            if (!*buf || *end || errno) {
                double d = strtod(buf, &end);
                if (*buf && !*end && isfinite(d) && fabs(d) < 9.2e18) *out = tv_int((int64_t)d);
                else *out = def ? *def : tv_int(0);
            } else *out = tv_int(r);
        } else *out = def ? *def : tv_int(0);
        return 0;
    }
    if (IS("float")) {
        TV *def = tmpl__arg(a, 0, "default");
        if (tv_isnum(v)) *out = tv_float(tv_num(v));
        else if (v->t == V_STR) {
            char buf[64]; char *end;
            Str s = tmpl__strip((Str){ v->u.s.p, v->u.s.n }, NULL, 3);
            snprintf(buf, sizeof buf, "%.*s", (int)(s.n < 63 ? s.n : 63), s.p);
            double d = strtod(buf, &end);
            *out = *buf && !*end ? tv_float(d) : def ? *def : tv_float(0);
        } else *out = def ? *def : tv_float(0);
        return 0;
    }
    if (IS("abs")) {
        if (v->t == V_INT || v->t == V_BOOL) *out = tv_int(v->u.i < 0 ? -v->u.i : v->u.i);
        else if (v->t == V_FLOAT) *out = tv_float(fabs(v->u.f));
        else return tmpl__err(t, t->line, "bad operand type for abs(): '%s'", tv_typename(v));
        return 0;
    }
    if (IS("round")) {
        TV *pr = tmpl__arg(a, 0, "precision"), *me = tmpl__arg(a, 1, "method");
        if (!tv_isnum(v)) return tmpl__err(t, t->line, "round needs a number");
        int p = pr && pr->t == V_INT ? (int)pr->u.i : 0;
        double m = pow(10, p), f = tv_num(v) * m;
        Str meth = me && me->t == V_STR ? (Str){ me->u.s.p, me->u.s.n } : str_c("common");
        if (str_eq(meth, "common")) f = round(f);
        else if (str_eq(meth, "ceil")) f = ceil(f);
        else if (str_eq(meth, "floor")) f = floor(f);
        else return tmpl__err(t, t->line, "method must be common, ceil or floor");
        *out = tv_float(f / m);
        return 0;
    }
    if (IS("indent")) {
        TV s;
        TV *w = tmpl__arg(a, 0, "width"), *first = tmpl__arg(a, 1, "first"), *blank = tmpl__arg(a, 2, "blank");
        if (tmpl__to_str(t, v, &s)) return -1;
        TV pad = tv_str("    ", 4);
        if (w && w->t == V_STR) pad = *w;
        else if (w && w->t == V_INT) {
            TBuf pb = { 0 };
            for (int64_t k = 0; k < w->u.i && k < 1000; k++) if (tmpl__buf_put(t, &pb, " ", 1)) return -1;
            pad = tv_str(pb.p ? pb.p : "", pb.n);
        }
        /* jinja2: lines = (s + "\n").splitlines(); the first kept as is, the rest
         * indented unless empty (or always with blank=True) */
        TV s2, lines;
        if (tmpl__concat2(t, (Str){ s.u.s.p, s.u.s.n }, str_c("\n"), &s2)) return -1;
        TArgs none = { 0 };
        if (tmpl__str_method(t, str_c("splitlines"), (Str){ s2.u.s.p, s2.u.s.n }, &none, &lines)) return -1;
        TBuf b = { 0 };
        int bl = blank && tv_truthy(blank);
        if (first && tv_truthy(first) && tmpl__buf_put(t, &b, pad.u.s.p, pad.u.s.n)) return -1;
        for (size_t i = 0; i < lines.u.l->n; i++) {
            TV *ln = &lines.u.l->v[i];
            if (i && tmpl__buf_put(t, &b, "\n", 1)) return -1;
            if (i && (bl || ln->u.s.n) && tmpl__buf_put(t, &b, pad.u.s.p, pad.u.s.n)) return -1;
            if (tmpl__buf_put(t, &b, ln->u.s.p, ln->u.s.n)) return -1;
        }
        *out = tv_str(b.p ? b.p : "", b.n);
        return 0;
    }
    if (IS("attr")) {
        if (!x || x->t != V_STR) return tmpl__err(t, t->line, "attr needs a name");
        return tmpl__getattr(t, v, (Str){ x->u.s.p, x->u.s.n }, out);
    }
    if (IS("max") || IS("min")) {
        TList *src, *l;
        TV *cs = tmpl__arg(a, 0, "case_sensitive"), *attr = tmpl__arg(a, 1, "attribute");
        if (tmpl__iter(t, v, &src) || tmpl__sort(t, src, attr, cs && tv_truthy(cs), 0, -1, &l)) return -1;
        if (!l->n) { *out = tv_undef(t, "No aggregated item, sequence was empty."); return 0; }
        *out = IS("min") ? l->v[0] : l->v[l->n - 1];
        return 0;
    }
    if (IS("sum")) {
        TList *src;
        TV *attr = tmpl__arg(a, 0, "attribute"), *start = tmpl__arg(a, 1, "start");
        TV acc = start ? *start : tv_int(0);
        if (tmpl__iter(t, v, &src)) return -1;
        for (size_t i = 0; i < src->n; i++) {
            TV x2 = src->v[i];
            if (attr && tmpl__attr_path(t, &x2, attr, &x2)) return -1;
            if (tmpl__binop(t, "+", &acc, &x2, &acc)) return -1;
        }
        *out = acc;
        return 0;
    }
    if (IS("wordcount")) {
        TV s, l;
        if (tmpl__to_str(t, v, &s) || tmpl__split(t, (Str){ s.u.s.p, s.u.s.n }, NULL, -1, 0, &l)) return -1;
        *out = tv_int((int64_t)l.u.l->n);
        return 0;
    }
    if (IS("format")) {
        if (v->t != V_STR) return tmpl__err(t, t->line, "format needs a string");
        /* "%s"-only printf formatting */
        TBuf b = { 0 };
        int ai = 0;
        for (size_t i = 0; i < v->u.s.n; i++) {
            if (v->u.s.p[i] != '%' || i + 1 >= v->u.s.n) { if (tmpl__buf_put(t, &b, v->u.s.p + i, 1)) return -1; continue; }
            char c = v->u.s.p[++i];
            if (c == '%') { if (tmpl__buf_put(t, &b, "%", 1)) return -1; continue; }
            if ((c != 's' && c != 'd') || ai >= a->npos) return tmpl__err(t, t->line, "format: only %%s and %%d with enough arguments are supported");
            if (tmpl__str(t, &b, &a->pos[ai++])) return -1;
        }
        *out = tv_str(b.p ? b.p : "", b.n);
        return 0;
    }
    if (IS("escape") || IS("e") || IS("forceescape")) {
        TV s;
        if (tmpl__to_str(t, v, &s)) return -1;
        if (s.tuple && !IS("forceescape")) { *out = s; return 0; }
        TBuf b = { 0 };
        for (size_t i = 0; i < s.u.s.n; i++) {
            char c = s.u.s.p[i];
            const char *r = c == '&' ? "&amp;" : c == '<' ? "&lt;" : c == '>' ? "&gt;" : c == '"' ? "&#34;" : c == '\'' ? "&#39;" : NULL;
            if (r ? tmpl__buf_puts(t, &b, r) : tmpl__buf_put(t, &b, &c, 1)) return -1;
        }
        *out = tv_str(b.p ? b.p : "", b.n);
        out->tuple = 1;
        return 0;
    }
#undef IS
    return tmpl__err(t, t->line, "filter '%.*s' is not supported", (int)name.n, name.p);
}

/* ---- evaluation ---- */

static int tmpl__eval(Tmpl *t, TNode *x, TScope *sc, TV *out) {
    if (tmpl__step(t, x->line)) return -1;
    t->line = x->line;
    TV a, b;
    switch (x->k) {
    case N_LIT: *out = x->lit; return 0;
    case N_NAME: return tmpl__lookup(t, x->s, sc, out);
    case N_LIST: case N_TUPLE: {
        TList *l = tmpl__list(t, (size_t)x->nk);
        if (!l) return -1;
        for (int i = 0; i < x->nk; i++) if (tmpl__eval(t, x->kids[i], sc, &l->v[i])) return -1;
        l->n = (size_t)x->nk;
        *out = tv_list(l);
        out->tuple = x->k == N_TUPLE;
        return 0;
    }
    case N_DICT: {
        TDict *d = tmpl__alloc(t, sizeof *d);
        if (!d) return -1;
        for (int i = 0; i < x->nk; i++) {
            if (tmpl__eval(t, x->kids[i], sc, &a) || tmpl__eval(t, x->kwv[i], sc, &b)) return -1;
            if (a.t == V_LIST && !a.tuple) return tmpl__err(t, x->line, "unhashable type: 'list'");
            if (tmpl__dict_set(t, d, a, b)) return -1;
        }
        *out = tv_dict(d);
        return 0;
    }
    case N_ATTR:
        if (tmpl__eval(t, x->a, sc, &a)) return -1;
        t->line = x->line;
        return tmpl__getattr(t, &a, x->s, out);
    case N_ITEM:
        if (tmpl__eval(t, x->a, sc, &a) || tmpl__eval(t, x->b, sc, &b)) return -1;
        t->line = x->line;
        return tmpl__getitem(t, &a, &b, out);
    case N_SLICE: {
        TV lo, hi, st;
        if (tmpl__eval(t, x->a, sc, &a)) return -1;
        if (x->b && tmpl__eval(t, x->b, sc, &lo)) return -1;
        if (x->c && tmpl__eval(t, x->c, sc, &hi)) return -1;
        if (x->d && tmpl__eval(t, x->d, sc, &st)) return -1;
        t->line = x->line;
        return tmpl__slice(t, &a, x->b ? &lo : NULL, x->c ? &hi : NULL, x->d ? &st : NULL, out);
    }
    case N_CALL: {
        TArgs args;
        if (tmpl__eval(t, x->a, sc, &a) || tmpl__args(t, x, sc, &args)) return -1;
        t->line = x->line;
        return tmpl__call(t, &a, &args, out);
    }
    case N_FILTER: {
        TArgs args;
        if (x->op) return tmpl__err(t, x->line, "No filter named '%.*s' found.", (int)x->s.n, x->s.p);
        if (tmpl__eval(t, x->a, sc, &a) || tmpl__args(t, x, sc, &args)) return -1;
        t->line = x->line;
        return tmpl__filter(t, x->s, &a, &args, out);
    }
    case N_TEST: {
        TArgs args;
        int r;
        if (x->op) return tmpl__err(t, x->line, "No test named '%.*s' found.", (int)x->s.n, x->s.p);
        if (tmpl__eval(t, x->a, sc, &a) || tmpl__args(t, x, sc, &args)) return -1;
        t->line = x->line;
        if (tmpl__test(t, x->s, &a, &args, &r)) return -1;
        *out = tv_bool(r);
        return 0;
    }
    case N_BIN:
        if (tmpl__eval(t, x->a, sc, &a) || tmpl__eval(t, x->b, sc, &b)) return -1;
        t->line = x->line;
        return tmpl__binop(t, x->s.p, &a, &b, out);
    case N_CONCAT: {
        TV sa, sb;
        if (tmpl__eval(t, x->a, sc, &a) || tmpl__eval(t, x->b, sc, &b)) return -1;
        if (tmpl__to_str(t, &a, &sa) || tmpl__to_str(t, &b, &sb)) return -1;
        return tmpl__concat2(t, (Str){ sa.u.s.p, sa.u.s.n }, (Str){ sb.u.s.p, sb.u.s.n }, out);
    }
    case N_NEG: case N_POS:
        if (tmpl__eval(t, x->a, sc, &a)) return -1;
        if (a.t == V_UNDEF) return tmpl__undef_err(t, &a);
        if (a.t == V_INT || a.t == V_BOOL) { if (a.u.i == INT64_MIN) return tmpl__err(t, x->line, "integer overflow"); *out = tv_int(x->k == N_NEG ? -a.u.i : a.u.i); }
        else if (a.t == V_FLOAT) *out = tv_float(x->k == N_NEG ? -a.u.f : a.u.f);
        else return tmpl__err(t, x->line, "bad operand type for unary %c: '%s'", x->k == N_NEG ? '-' : '+', tv_typename(&a));
        return 0;
    case N_NOT:
        if (tmpl__eval(t, x->a, sc, &a)) return -1;
        *out = tv_bool(!tv_truthy(&a));
        return 0;
    case N_AND: case N_OR:
        if (tmpl__eval(t, x->a, sc, &a)) return -1;
        if (tv_truthy(&a) == (x->k == N_OR)) { *out = a; return 0; }
        return tmpl__eval(t, x->b, sc, out);
    case N_COND:
        if (tmpl__eval(t, x->b, sc, &a)) return -1;
        if (tv_truthy(&a)) return tmpl__eval(t, x->a, sc, out);
        if (x->c) return tmpl__eval(t, x->c, sc, out);
        *out = tv_undef(t, "the inline if-expression on line %d evaluated to false and no else section was defined.", x->line);
        return 0;
    case N_CMP: {
        if (tmpl__eval(t, x->a, sc, &a)) return -1;
        for (int i = 0; i < x->nk; i++) {
            int r, op = x->ops[i];
            if (tmpl__eval(t, x->kids[i], sc, &b)) return -1;
            t->line = x->line;
            if (op == CMP_EQ) r = tv_eq(&a, &b);
            else if (op == CMP_NE) r = !tv_eq(&a, &b);
            else if (op == CMP_IN || op == CMP_NOTIN) {
                if (tmpl__contains(t, &b, &a, &r)) return -1;
                if (op == CMP_NOTIN) r = !r;
            } else {
                if (a.t == V_UNDEF) return tmpl__undef_err(t, &a);
                if (b.t == V_UNDEF) return tmpl__undef_err(t, &b);
                int c = tv_cmp(&a, &b);
                static const char *on[] = { "", "", "<", "<=", ">", ">=" };
                if (c == -2) return tmpl__err(t, x->line, "'%s' not supported between instances of '%s' and '%s'", on[op], tv_typename(&a), tv_typename(&b));
                r = op == CMP_LT ? c < 0 : op == CMP_LE ? c <= 0 : op == CMP_GT ? c > 0 : c >= 0;
            }
            if (!r) { *out = tv_bool(0); return 0; }
            a = b;
        }
        *out = tv_bool(1);
        return 0;
    }
    default:
        return tmpl__err(t, x->line, "internal: bad expression node %d", x->k);
    }
}

/* Renders body into a fresh capture buffer and returns it as a string (Markup). */
static int tmpl__capture(Tmpl *t, TNode *body, TScope *sc, TV *out) {
    TBuf cap = { 0 }, *save = t->out;
    t->out = &cap;
    int r = tmpl__exec(t, body, sc);
    t->out = save;
    if (r) return -1;
    *out = tv_str(cap.p ? cap.p : "", cap.n);   /* plain str: autoescape is off */
    return 0;
}

static int tmpl__call_macro(Tmpl *t, TMacro *m, TArgs *a, TV caller, TV *out) {
    TNode *def = m->def;
    if (++t->depth > TMPL_MAX_DEPTH) return tmpl__err(t, t->line, "macro calls nested too deeply");
    TScope *sc = tmpl__scope(t, m->closure);
    if (!sc) return -1;
    int np = def->nnames;
    for (int i = 0; i < np; i++) {
        TV v;
        TV *given = NULL;
        if (i < a->npos) given = &a->pos[i];
        for (int k = 0; k < a->nkw; k++) if (str_eq(a->kwn[k], "") == 0 && a->kwn[k].n == def->names[i].n && !memcmp(a->kwn[k].p, def->names[i].p, def->names[i].n)) given = &a->kwv[k];
        if (given) v = *given;
        else if (def->kids[i]) { if (tmpl__eval(t, def->kids[i], sc, &v)) return -1; }
        else v = tv_undef(t, "parameter '%.*s' was not provided", (int)def->names[i].n, def->names[i].p);
        if (tmpl__setvar(t, sc, def->names[i], v)) return -1;
    }
    TList *va = tmpl__list(t, 0);
    TDict *kw = tmpl__alloc(t, sizeof *kw);
    if (!va || !kw) return -1;
    for (int i = np; i < a->npos; i++) if (tmpl__list_push(t, va, a->pos[i])) return -1;
    for (int k = 0; k < a->nkw; k++) {
        int known = 0;
        for (int i = 0; i < np; i++) if (a->kwn[k].n == def->names[i].n && !memcmp(a->kwn[k].p, def->names[i].p, def->names[i].n)) known = 1;
        if (!known && tmpl__dict_set(t, kw, tv_str(a->kwn[k].p, a->kwn[k].n), a->kwv[k])) return -1;
    }
    TV vv = tv_list(va);
    vv.tuple = 1;
    if (tmpl__setvar(t, sc, str_c("varargs"), vv) || tmpl__setvar(t, sc, str_c("kwargs"), tv_dict(kw))) return -1;
    if (caller.t != V_UNDEF && tmpl__setvar(t, sc, str_c("caller"), caller)) return -1;
    int save_ctl = t->ctl;
    t->ctl = 0;
    int r = tmpl__capture(t, def->b, sc, out);
    t->ctl = save_ctl;
    t->depth--;
    return r;
}

static int tmpl__assign(Tmpl *t, TNode *x, TScope *sc, TV v) {
    if (x->op == 2) {   /* ns.attr */
        TV ns;
        if (tmpl__lookup(t, x->names[0], sc, &ns)) return -1;
        if (ns.t != V_NS) return tmpl__err(t, x->line, "cannot assign attribute on non-namespace object");
        return tmpl__dict_set(t, ns.u.d, tv_str(x->names[1].p, x->names[1].n), v);
    }
    if (x->op == 1) {   /* unpack */
        TList *l;
        if (v.t != V_LIST && v.t != V_STR && v.t != V_DICT) return tmpl__err(t, x->line, "cannot unpack non-iterable %s object", tv_typename(&v));
        if (tmpl__iter(t, &v, &l)) return -1;
        if (l->n != (size_t)x->nnames)
            return tmpl__err(t, x->line, l->n > (size_t)x->nnames ? "too many values to unpack (expected %d)" : "not enough values to unpack (expected %d)", x->nnames);
        for (int i = 0; i < x->nnames; i++) if (tmpl__setvar(t, sc, x->names[i], l->v[i])) return -1;
        return 0;
    }
    return tmpl__setvar(t, sc, x->names[0], v);
}

static int tmpl__exec(Tmpl *t, TNode *x, TScope *sc) {
    if (tmpl__step(t, x->line)) return -1;
    t->line = x->line;
    TV v;
    switch (x->k) {
    case N_BODY:
        for (int i = 0; i < x->nk && !t->ctl; i++) if (tmpl__exec(t, x->kids[i], sc)) return -1;
        return 0;
    case N_TEXT: return tmpl__buf_put(t, t->out, x->s.p, x->s.n);
    case N_OUT:
        if (tmpl__eval(t, x->a, sc, &v)) return -1;
        return tmpl__str(t, t->out, &v);
    case N_IF:
        if (tmpl__eval(t, x->a, sc, &v)) return -1;
        if (tv_truthy(&v)) return tmpl__exec(t, x->b, sc);
        return x->c ? tmpl__exec(t, x->c, sc) : 0;
    case N_FOR: {
        TList *src, *items;
        if (tmpl__eval(t, x->a, sc, &v)) return -1;
        t->line = x->line;
        if (v.t == V_NONE || tv_isnum(&v)) return tmpl__err(t, x->line, "'%s' object is not iterable", tv_typename(&v));
        if (tmpl__iter(t, &v, &src)) return -1;
        items = src;
        if (x->d) {   /* {% for x in y if cond %}: filtered before the loop */
            if (!(items = tmpl__list(t, 0))) return -1;
            for (size_t i = 0; i < src->n; i++) {
                TScope *fs = tmpl__scope(t, sc);
                TV c;
                if (!fs || tmpl__assign(t, x, fs, src->v[i]) || tmpl__eval(t, x->d, fs, &c)) return -1;
                if (tv_truthy(&c) && tmpl__list_push(t, items, src->v[i])) return -1;
            }
        }
        if (!items->n) return x->c ? tmpl__exec(t, x->c, sc) : 0;
        TLoop *lp = tmpl__alloc(t, sizeof *lp);
        if (!lp) return -1;
        lp->items = items;
        TV lv; memset(&lv, 0, sizeof lv); lv.t = V_LOOP; lv.u.lp = lp;
        size_t mark = arena_mark(t->a);
        for (size_t i = 0; i < items->n; i++) {
            /* a fresh scope per iteration: sets inside the loop do not survive it */
            TScope *ls = tmpl__scope(t, sc);
            if (!ls) return -1;
            lp->idx = i;
            if (tmpl__setvar(t, ls, str_c("loop"), lv) || tmpl__assign(t, x, ls, items->v[i])) return -1;
            if (tmpl__exec(t, x->b, ls)) return -1;
            (void)mark;
            if (t->ctl == 1) { t->ctl = 0; break; }
            t->ctl = 0;
        }
        return 0;
    }
    case N_SET:
        if (tmpl__eval(t, x->a, sc, &v)) return -1;
        return tmpl__assign(t, x, sc, v);
    case N_SETBLOCK:
        if (tmpl__capture(t, x->b, sc, &v)) return -1;
        if (x->c) { x->d->lit = v; if (tmpl__eval(t, x->c, sc, &v)) return -1; }
        return tmpl__assign(t, x, sc, v);
    case N_FILTERBLOCK:
        if (tmpl__capture(t, x->b, sc, &v)) return -1;
        x->d->lit = v;
        if (tmpl__eval(t, x->c, sc, &v)) return -1;
        return tmpl__str(t, t->out, &v);
    case N_MACRO: {
        TMacro *m = tmpl__alloc(t, sizeof *m);
        if (!m) return -1;
        m->def = x, m->closure = sc;
        m->caller = tv_undef(t, "'caller' is undefined");
        TV mv; memset(&mv, 0, sizeof mv); mv.t = V_MACRO; mv.u.m = m;
        return tmpl__setvar(t, sc, x->s, mv);
    }
    case N_CALLBLOCK: {
        /* the body becomes a macro named caller, passed to the called macro */
        TV f;
        TArgs args;
        if (tmpl__eval(t, x->a->a, sc, &f) || tmpl__args(t, x->a, sc, &args)) return -1;
        if (f.t != V_MACRO) return tmpl__err(t, x->line, "call block needs a macro");
        TNode *cdef = tmpl__node(t, N_MACRO, x->line);
        TMacro *cm = tmpl__alloc(t, sizeof *cm);
        if (!cdef || !cm) return -1;
        cdef->s = str_c("caller"), cdef->b = x->b;
        cm->def = cdef, cm->closure = sc, cm->caller = tv_undef(t, "'caller' is undefined");
        TV cv; memset(&cv, 0, sizeof cv); cv.t = V_MACRO; cv.u.m = cm;
        if (tmpl__call_macro(t, f.u.m, &args, cv, &v)) return -1;
        return tmpl__str(t, t->out, &v);
    }
    case N_BREAK: t->ctl = 1; return 0;
    case N_CONTINUE: t->ctl = 2; return 0;
    default:
        return tmpl__err(t, x->line, "internal: bad statement node %d", x->k);
    }
}

/* Renders template src[0..n) with the variables of object ctx (messages,
 * add_generation_prompt, bos_token, ...) into out[0..cap) (NUL-terminated when it
 * fits; *len is the length). Uses arena a for scratch and leaves it as found. Errors:
 * the template's own raise_exception message, or "template: WHAT (line N)". */
static int tmpl_render(Arena *a, const char *src, size_t n, const JsonVal *ctx, char *out, size_t cap,
                       size_t *len, Err *e) {
    size_t mark = arena_mark(a);
    Tmpl t;
    memset(&t, 0, sizeof t);
    t.a = a, t.e = e;
    *len = 0;
    /* jinja2 normalises newlines and drops one trailing newline */
    char *s = arena_alloc(a, n + 1);
    if (!s) { arena_reset(a, mark); return err_set(e, "template: out of memory (arena of %zu bytes)", a->size); }
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (src[i] == '\r') { s[m++] = '\n'; if (i + 1 < n && src[i + 1] == '\n') i++; }
        else s[m++] = src[i];
    }
    if (m && s[m - 1] == '\n') m--;
    t.src = s, t.n = m;
    TBuf ob = { out, 0, cap, 1 };
    TNode *root;
    int r = -1;
    if (tmpl__lex(&t) == 0 && tmpl__body(&t, &root, NULL, NULL) == 0) {
        TScope *g = tmpl__scope(&t, NULL);
        r = g ? 0 : -1;
        if (!r && ctx && ctx->type == JSON_OBJ)
            for (size_t i = 0; i < ctx->n && !r; i++) {
                TV v;
                r = tmpl__from_json(&t, ctx->kids[i], &v) || tmpl__setvar(&t, g, ctx->keys[i], v) ? -1 : 0;
            }
        if (!r) {
            t.out = &ob;
            t.depth = 0;
            r = tmpl__exec(&t, root, g);
        }
    }
    if (r == 0) {
        *len = ob.n;
        if (ob.n < cap) out[ob.n] = 0;
    } else if (e && !e->msg[0]) err_set(e, "template: failed");
    arena_reset(a, mark);
    return r;
}

/* ---- built-in templates (Jinja source, as their models ship them) ---- */

static const struct { const char *name, *src; } tmpl_builtins[] = {
    { "chatml",
      "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
      "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}" },
    { "llama2",
      "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}{% set system_message = messages[0]['content'] %}"
      "{% else %}{% set loop_messages = messages %}{% set system_message = false %}{% endif %}"
      "{% for message in loop_messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
      "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
      "{% if loop.index0 == 0 and system_message != false %}{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}"
      "{% else %}{% set content = message['content'] %}{% endif %}"
      "{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}"
      "{% elif message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}" },
    { "llama3",
      "{% set loop_messages = messages %}{% for message in loop_messages %}"
      "{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' %}"
      "{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}"
      "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}" },
    { "zephyr",
      "{% for message in messages %}\n{% if message['role'] == 'user' %}\n{{ '<|user|>\\n' + message['content'] + eos_token }}\n"
      "{% elif message['role'] == 'system' %}\n{{ '<|system|>\\n' + message['content'] + eos_token }}\n"
      "{% elif message['role'] == 'assistant' %}\n{{ '<|assistant|>\\n'  + message['content'] + eos_token }}\n{% endif %}\n"
      "{% if loop.last and add_generation_prompt %}\n{{ '<|assistant|>' }}\n{% endif %}\n{% endfor %}" },
    { "gemma",
      "{{ bos_token }}{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}"
      "{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
      "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
      "{% if (message['role'] == 'assistant') %}{% set role = 'model' %}{% else %}{% set role = message['role'] %}{% endif %}"
      "{{ '<start_of_turn>' + role + '\\n' + message['content'] | trim + '<end_of_turn>\\n' }}{% endfor %}"
      "{% if add_generation_prompt %}{{'<start_of_turn>model\\n'}}{% endif %}" },
    { "mistral",
      "{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
      "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
      "{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}"
      "{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token}}"
      "{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}" },
    { "phi3",
      "{% for message in messages %}{% if message['role'] == 'system' %}{{'<|system|>\\n' + message['content'] + '<|end|>\\n'}}"
      "{% elif message['role'] == 'user' %}{{'<|user|>\\n' + message['content'] + '<|end|>\\n'}}"
      "{% elif message['role'] == 'assistant' %}{{'<|assistant|>\\n' + message['content'] + '<|end|>\\n'}}{% endif %}{% endfor %}"
      "{% if add_generation_prompt %}{{ '<|assistant|>\\n' }}{% else %}{{ eos_token }}{% endif %}" },
};

/* Jinja source of built-in template `name`, or NULL. */
static const char *tmpl_builtin(const char *name) {
    for (size_t i = 0; i < sizeof tmpl_builtins / sizeof tmpl_builtins[0]; i++)
        if (!strcmp(name, tmpl_builtins[i].name)) return tmpl_builtins[i].src;
    return NULL;
}

/* ============================================================================
 * 15. sampler: greedy, temperature, top-k, top-p, min-p, penalties, seeds
 *
 * The order is llama.cpp's default chain: penalties, top-k, top-p, min-p, temperature,
 * then a draw. Temperature <= 0 is greedy (lowest id on ties). The random generator is
 * splitmix64, so the same seed gives the same text on every machine.
 * ========================================================================== */

typedef struct {
    float temp;             /* <= 0: greedy */
    int top_k;              /* <= 0: all */
    float top_p;            /* 1: off */
    float min_p;            /* 0: off */
    float repeat_penalty;   /* 1: off */
    int repeat_last_n;      /* tokens of history the penalties look at */
    float presence_penalty, frequency_penalty;
    uint64_t seed;
} SampParams;

typedef struct {
    int32_t id;
    float logit;
    float p;
} Cand;

typedef struct {
    SampParams p;
    uint64_t rng;
    int n_vocab;
    Cand *cand;            /* (n_vocab) */
    int32_t *hist;         /* (repeat_last_n) ring of recent tokens */
    int hist_n, hist_pos;
} Sampler;

static size_t samp_mem_size(int n_vocab, const SampParams *p) {
    return ARENA_ROUND((size_t)n_vocab * sizeof(Cand)) + ARENA_ROUND((size_t)(p->repeat_last_n + 1) * 4);
}

static int samp_init(Sampler *s, Arena *a, int n_vocab, const SampParams *p, Err *e) {
    memset(s, 0, sizeof *s);
    s->p = *p;
    s->rng = p->seed;
    s->n_vocab = n_vocab;
    s->cand = arena_alloc(a, (size_t)n_vocab * sizeof(Cand));
    s->hist = arena_alloc(a, (size_t)(p->repeat_last_n + 1) * 4);
    if (!s->cand || !s->hist) return err_set(e, "internal error: the arena is smaller than the memory plan");
    return 0;
}

static uint64_t samp__next(uint64_t *x) {
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Remembers a token for the penalties (prompt and generated alike). */
static void samp_accept(Sampler *s, int32_t id) {
    if (s->p.repeat_last_n <= 0) return;
    s->hist[s->hist_pos] = id;
    s->hist_pos = (s->hist_pos + 1) % s->p.repeat_last_n;
    if (s->hist_n < s->p.repeat_last_n) s->hist_n++;
}

static int samp__by_logit(const void *a, const void *b) {
    const Cand *x = a, *y = b;
    if (x->logit != y->logit) return x->logit < y->logit ? 1 : -1;
    return x->id - y->id;
}

/* Softmax of cand[0..n) into .p (sorted or not). */
static void samp__softmax(Cand *c, int n) {
    float mx = -INFINITY;
    for (int i = 0; i < n; i++) if (c[i].logit > mx) mx = c[i].logit;
    double sum = 0;
    for (int i = 0; i < n; i++) c[i].p = expf(c[i].logit - mx), sum += c[i].p;
    for (int i = 0; i < n; i++) c[i].p = (float)(c[i].p / sum);
}

/* Moves the k largest candidates to the front, sorted (partial selection: a k-heap
 * pass for small k, a full sort otherwise). */
static void samp__top(Cand *c, int n, int k) {
    if (k >= n || k > 512) { qsort(c, (size_t)n, sizeof *c, samp__by_logit); return; }
    /* insertion into a sorted front of size k */
    int m = 0;
    for (int i = 0; i < n; i++) {
        Cand x = c[i];
        if (m == k && samp__by_logit(&x, &c[k - 1]) >= 0) continue;
        int j = m < k ? m++ : k - 1;
        while (j > 0 && samp__by_logit(&x, &c[j - 1]) < 0) c[j] = c[j - 1], j--;
        c[j] = x;
    }
}

/* Picks the next token from logits[n_vocab] (the logits are not modified). */
static int32_t samp_sample(Sampler *s, const float *logits) {
    const SampParams *p = &s->p;
    int n = s->n_vocab;
    Cand *c = s->cand;
    for (int i = 0; i < n; i++) c[i].id = i, c[i].logit = logits[i], c[i].p = 0;
    /* penalties over the distinct tokens of the recent history */
    if (s->hist_n && (p->repeat_penalty != 1.0f || p->presence_penalty != 0.0f || p->frequency_penalty != 0.0f)) {
        for (int i = 0; i < s->hist_n; i++) {
            int32_t id = s->hist[i], count = 0, first = 1;
            for (int j = 0; j < s->hist_n; j++) {
                if (s->hist[j] == id) count++;
                if (j < i && s->hist[j] == id) first = 0;
            }
            if (!first || id < 0 || id >= n) continue;
            float *l = &c[id].logit;
            *l = *l > 0 ? *l / p->repeat_penalty : *l * p->repeat_penalty;
            *l -= (float)count * p->frequency_penalty + p->presence_penalty;
        }
    }
    if (p->temp <= 0) {
        int best = 0;
        for (int i = 1; i < n; i++) if (c[i].logit > c[best].logit) best = i;
        return c[best].id;
    }
    int k = p->top_k > 0 && p->top_k < n ? p->top_k : n;
    samp__top(c, n, k);
    n = k;
    if (p->top_p < 1.0f) {
        samp__softmax(c, n);
        double cum = 0;
        int keep = n;
        for (int i = 0; i < n; i++) {
            cum += c[i].p;
            if (cum >= p->top_p) { keep = i + 1; break; }
        }
        n = keep;
    }
    if (p->min_p > 0.0f) {
        float floor_logit = c[0].logit + logf(p->min_p);
        int keep = 1;
        while (keep < n && c[keep].logit >= floor_logit) keep++;
        n = keep;
    }
    for (int i = 0; i < n; i++) c[i].logit /= p->temp;
    samp__softmax(c, n);
    double r = (double)(samp__next(&s->rng) >> 11) * (1.0 / 9007199254740992.0), cum = 0;
    for (int i = 0; i < n; i++) {
        cum += c[i].p;
        if (r < cum) return c[i].id;
    }
    return c[n - 1].id;
}

/* ============================================================================
 * 16. session: prompt to tokens to streamed text; perplexity; benchmark
 *
 * Output is written as it is produced, never splitting a UTF-8 character, and holding
 * back only what could still become a --stop string.
 * ========================================================================== */

#define SESS_MAX_STOPS 16

typedef struct {
    int n_predict;            /* tokens to generate; < 0 until end or full context */
    int ignore_eos;
    const char *stops[SESS_MAX_STOPS];
    int n_stops;
    int out_fd;               /* where generated text goes */
} GenParams;

typedef struct {
    Model *m;
    Tokenizer *tok;
    int spm_strip;            /* SentencePiece: drop the space a token carries right after BOS */
    int32_t bos;              /* BOS id, -1 when none */
    State st;
    Sampler samp;
    Arena scratch;            /* tokenisation scratch */
    int32_t *toks;            /* (toks_cap) prompt tokens */
    int toks_cap;
    char *pend;               /* (pend_cap) generated bytes not written yet */
    size_t pend_n, pend_cap;
    double t_prompt, t_gen;   /* seconds of the last run */
    int n_prompt, n_gen;
    char *cap;                /* (cap_max) when set: a copy of the text written (a chat answer) */
    size_t cap_n, cap_max;
} Session;

/* Set by SIGINT (Ctrl-C) while an answer is generated: stop the answer, not the program. */
static volatile sig_atomic_t sess_interrupt;

static void sess__write(int fd, const char *p, size_t n) {
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return;    /* a closed pipe ends output, not the program */
        }
        p += w, n -= (size_t)w;
    }
}

static void sess__out(Session *s, const GenParams *g, const char *p, size_t n) {
    sess__write(g->out_fd, p, n);
    if (s->cap) {
        size_t k = n < s->cap_max - s->cap_n ? n : s->cap_max - s->cap_n;
        memcpy(s->cap + s->cap_n, p, k);
        s->cap_n += k;
    }
}

/* Appends piece to the pending text and writes what is safe to write. Returns 1 when a
 * stop string was found (the text before it is written, the rest dropped). */
static int sess__emit(Session *s, const GenParams *g, const char *piece, size_t n, int final) {
    if (n > s->pend_cap - s->pend_n) {            /* cannot happen with the planned size */
        sess__out(s, g, s->pend, s->pend_n);
        s->pend_n = 0;
        if (n > s->pend_cap) n = s->pend_cap;
    }
    memcpy(s->pend + s->pend_n, piece, n);
    s->pend_n += n;
    for (int i = 0; i < g->n_stops; i++) {
        size_t L = strlen(g->stops[i]);
        for (size_t k = 0; L && k + L <= s->pend_n; k++)
            if (!memcmp(s->pend + k, g->stops[i], L)) {
                sess__out(s, g, s->pend, k);
                s->pend_n = 0;
                return 1;
            }
    }
    size_t keep = 0;   /* longest pending suffix that is a prefix of a stop string */
    if (!final)
        for (int i = 0; i < g->n_stops; i++) {
            size_t L = strlen(g->stops[i]);
            for (size_t k = L - 1; k > keep && L; k--)
                if (k <= s->pend_n && !memcmp(s->pend + s->pend_n - k, g->stops[i], k)) { keep = k; break; }
        }
    size_t out = s->pend_n - keep;
    if (!final) out = utf8_complete_prefix(s->pend, out);
    sess__out(s, g, s->pend, out);
    memmove(s->pend, s->pend + out, s->pend_n - out);
    s->pend_n -= out;
    return 0;
}

/* Evaluates toks[0..n) from position st.n_past in batches; logits of the last token. */
static int sess_eval(Session *s, const int32_t *toks, int n, Err *e) {
    for (int i = 0; i < n; i += s->st.o.n_batch) {
        int nb = n - i < s->st.o.n_batch ? n - i : s->st.o.n_batch;
        if (model_forward(&s->st, toks + i, nb, 0, e)) return -1;
    }
    return 0;
}

/* Samples and streams tokens after a prompt whose last token was prev, until an
 * end-of-generation token (or end_tok), a stop string, n_predict tokens, a full
 * context or Ctrl-C. Each token fed back into the model is stored in track[position]
 * when track is given (the chat's record of what the KV cache holds). */
static int sess__gen_loop(Session *s, const GenParams *g, int32_t prev, int32_t end_tok, int32_t *track, Err *e) {
    double t0 = time_now();
    s->n_gen = 0;
    s->pend_n = 0;
    for (;;) {
        if (g->n_predict >= 0 && s->n_gen >= g->n_predict) break;
        if (sess_interrupt) break;
        int32_t id = samp_sample(&s->samp, s->st.logits);
        s->n_gen++;
        if (!g->ignore_eos && (tok_is_eog(s->tok, id) || id == end_tok)) break;
        samp_accept(&s->samp, id);
        char piece[1024];
        int pn = tok_piece(s->tok, id, piece, sizeof piece);
        if (pn < 0) pn = 0;    /* a token longer than 1 KiB: no real vocabulary has one */
        const char *pp = piece;
        if (s->spm_strip && prev == s->bos && pn > 0 && piece[0] == ' ') pp++, pn--;
        prev = id;
        if (sess__emit(s, g, pp, (size_t)pn, 0)) break;
        if (s->st.n_past >= s->st.o.n_ctx) {
            log_msg(LOG_INFO, "\nllm: the context is full (%d tokens); stopping (use a larger -c)\n", s->st.o.n_ctx);
            break;
        }
        if (track) track[s->st.n_past] = id;
        if (model_forward(&s->st, &id, 1, 0, e)) return -1;
    }
    sess__emit(s, g, "", 0, 1);
    s->t_gen = time_now() - t0;
    return 0;
}

/* One-shot generation: prompt, then sampled tokens streamed to g->out_fd. */
static int sess_generate(Session *s, const char *prompt, size_t len, const GenParams *g, Err *e) {
    Err te = { { 0 } };
    int n = tok_encode(s->tok, &s->scratch, prompt, len, 1, 1, s->toks, s->toks_cap, &te);
    if (n < 0)
        return err_set(e, "%s%s", te.msg, strncmp(te.msg, "prompt too long", 15) ? "" :
                       "; use a larger -c or a shorter prompt");
    if (n == 0) return err_set(e, "the prompt is empty and the model adds no BOS token; give some text");
    if (n >= s->st.o.n_ctx)
        return err_set(e, "the prompt is %d tokens but the context holds %d; use a larger -c or a "
                       "shorter prompt", n, s->st.o.n_ctx);
    for (int i = 0; i < n; i++) samp_accept(&s->samp, s->toks[i]);
    double t0 = time_now();
    s->st.n_past = 0;
    if (sess_eval(s, s->toks, n, e)) return -1;
    s->t_prompt = time_now() - t0;
    s->n_prompt = n;
    return sess__gen_loop(s, g, s->toks[n - 1], -1, NULL, e);
}

/* ---- chat: the conversation through the model's own template ----
 *
 * Each turn renders the whole conversation with the chat template (as Hugging Face
 * does: messages, add_generation_prompt, bos_token, eos_token), tokenises it, and
 * evaluates only the tokens after the longest prefix the KV cache already holds, so
 * earlier turns are not read again. When the conversation no longer fits in the
 * context, the oldest turns go (the system prompt stays), said once. An answer ends at
 * an end-of-generation token, at the template's own end-of-turn marker, or at Ctrl-C;
 * what was said so far stays in the conversation either way. */

#define CHAT_MAX_MSGS 4096
enum { CHAT_SYSTEM, CHAT_USER, CHAT_ASSISTANT };
static const char *const chat_roles[] = { "system", "user", "assistant" };

typedef struct { int role; size_t off, len; } ChatMsg;

typedef struct {
    Session *s;
    const char *tmpl;             /* the template's Jinja source */
    size_t tmpl_n;
    Arena tarena;                 /* the interpreter's scratch, reset for every render */
    char *text;                   /* (text_cap) the messages' contents, one after another */
    size_t text_n, text_cap;
    ChatMsg *msg;                 /* (CHAT_MAX_MSGS) */
    int n_msg;
    char *json;                   /* (json_cap) the variables the template sees */
    size_t json_cap;
    char *render;                 /* (render_cap) the rendered conversation */
    size_t render_cap;
    int32_t *cache;               /* (n_ctx) the tokens at KV positions 0 .. n_cache-1 */
    int n_cache;
    char bos_text[128], eos_text[128];
    char end_marker[64];          /* what the template puts after an answer, e.g. <|im_end|> */
    int32_t end_tok;              /* that marker's token, -1 when it is not one token */
    int dropped;                  /* turns dropped for room */
    int last_reused;              /* the last turn: prompt tokens taken from the cache (the
                                     evaluated ones are the session's n_prompt) */
} Chat;

/* Bytes of text the conversation may hold: a full context at 6 bytes a token (English
 * averages about 4). More is dropped like turns that do not fit; the bound matters
 * because the tokenizer's scratch grows with the text it may be given. */
static size_t chat_text_cap(int n_ctx) { return (size_t)n_ctx * 6 + (16u << 10); }

/* The rendered size the tokenizer's scratch must take: the text and the markup. */
static size_t chat_render_cap(int n_ctx) { return chat_text_cap(n_ctx) + (16u << 10); }

static size_t chat_mem_size(int n_ctx, size_t tmpl_n) {
    size_t t = chat_text_cap(n_ctx);
    return ARENA_ROUND(t) + ARENA_ROUND(chat_render_cap(n_ctx)) * 2 + ARENA_ROUND(CHAT_MAX_MSGS * sizeof(ChatMsg)) +
           ARENA_ROUND((size_t)n_ctx * 4) + ARENA_ROUND((2u << 20) + 16 * (tmpl_n + 2 * t));
}


static void chat__token_text(const Tokenizer *t, int32_t id, char *out, size_t cap) {
    out[0] = 0;
    if (id >= 0 && id < t->n_vocab && t->tokens[id].n < cap) {
        memcpy(out, t->tokens[id].p, t->tokens[id].n);
        out[t->tokens[id].n] = 0;
    }
}

/* The conversation as a JSON array of {"role", "content"}; sep goes before each message. */
static void chat__messages(const Chat *c, JsonBuf *b, const char *sep) {
    json_buf_puts(b, "[");
    for (int i = 0; i < c->n_msg; i++) {
        json_buf_puts(b, i ? "," : "");
        json_buf_puts(b, sep);
        json_buf_puts(b, "{\"role\": ");
        json_write_str(b, chat_roles[c->msg[i].role], strlen(chat_roles[c->msg[i].role]));
        json_buf_puts(b, ", \"content\": ");
        json_write_str(b, c->text + c->msg[i].off, c->msg[i].len);
        json_buf_puts(b, "}");
    }
}

/* The template's variables as JSON: messages, add_generation_prompt, bos/eos tokens. */
static int chat__json(Chat *c, int add_gen, size_t *n) {
    JsonBuf b = { c->json, c->json_cap, 0, 0 };
    json_buf_puts(&b, "{\"messages\": ");
    chat__messages(c, &b, "");
    json_buf_puts(&b, add_gen ? "], \"add_generation_prompt\": true" : "], \"add_generation_prompt\": false");
    json_buf_puts(&b, ", \"bos_token\": ");
    json_write_str(&b, c->bos_text, strlen(c->bos_text));
    json_buf_puts(&b, ", \"eos_token\": ");
    json_write_str(&b, c->eos_text, strlen(c->eos_text));
    json_buf_puts(&b, "}");
    *n = b.n;
    return b.over ? -1 : 0;
}

/* Renders the conversation into c->render. *too_big is set when it failed for size. */
static int chat_render(Chat *c, int add_gen, size_t *len, int *too_big, Err *e) {
    size_t jn;
    *too_big = 0;
    arena_reset(&c->tarena, 0);
    if (chat__json(c, add_gen, &jn)) { *too_big = 1; return err_set(e, "the conversation is too long"); }
    JsonVal *ctx;
    if (json_parse(&c->tarena, c->json, jn, &ctx, e)) { *too_big = 1; return -1; }
    if (tmpl_render(&c->tarena, c->tmpl, c->tmpl_n, ctx, c->render, c->render_cap, len, e)) {
        *too_big = strstr(e->msg, "output exceeds") || strstr(e->msg, "out of memory");
        return -1;
    }
    return 0;
}

/* Adds a message (made valid UTF-8); 0, or -1 when the text buffer has no room. */
static int chat__push(Chat *c, int role, const char *p, size_t n) {
    if (c->n_msg == CHAT_MAX_MSGS || n > c->text_cap - c->text_n) return -1;
    memcpy(c->text + c->text_n, p, n);
    n = utf8_sanitize(c->text + c->text_n, n, c->text_cap - c->text_n);
    c->msg[c->n_msg++] = (ChatMsg){ role, c->text_n, n };
    c->text_n += n;
    return 0;
}

/* Removes messages [i, j) and closes the gap in the text. */
static void chat__remove(Chat *c, int i, int j) {
    if (i >= j) return;
    size_t from = c->msg[i].off, to = j < c->n_msg ? c->msg[j].off : c->text_n, gap = to - from;
    memmove(c->text + from, c->text + to, c->text_n - to);
    c->text_n -= gap;
    for (int k = j; k < c->n_msg; k++) c->msg[k].off -= gap;
    memmove(c->msg + i, c->msg + j, (size_t)(c->n_msg - j) * sizeof *c->msg);
    c->n_msg -= j - i;
}

/* Drops the oldest turn (a user message and what follows up to the next user
 * message), never the system prompt nor the last user message. */
static int chat__drop_oldest(Chat *c) {
    int i = 0;
    while (i < c->n_msg && c->msg[i].role == CHAT_SYSTEM) i++;
    int j = i + 1;
    while (j < c->n_msg && c->msg[j].role != CHAT_USER) j++;
    if (j >= c->n_msg) return -1;
    chat__remove(c, i, j);
    c->dropped++;
    return 0;
}

/* Sets (or with n == 0 removes) the system prompt: the first message, its text first in
 * the buffer (messages keep their texts in order, which chat__remove relies on). */
static int chat_set_system(Chat *c, const char *p, size_t n) {
    if (c->n_msg && c->msg[0].role == CHAT_SYSTEM) chat__remove(c, 0, 1);
    if (!n) return 0;
    if (c->n_msg == CHAT_MAX_MSGS || n > c->text_cap - c->text_n) return -1;
    memmove(c->text + n, c->text, c->text_n);
    memcpy(c->text, p, n);
    utf8_sanitize(c->text, n, n);                          /* no room to grow: '?' for broken bytes */
    c->text_n += n;
    for (int k = 0; k < c->n_msg; k++) c->msg[k].off += n;
    memmove(c->msg + 1, c->msg, (size_t)c->n_msg * sizeof *c->msg);
    c->msg[0] = (ChatMsg){ CHAT_SYSTEM, 0, n };
    c->n_msg++;
    return 0;
}

static void chat_reset(Chat *c) {   /* the conversation, not the system prompt */
    int keep = c->n_msg && c->msg[0].role == CHAT_SYSTEM;
    chat__remove(c, keep, c->n_msg);
    c->dropped = 0;
}

static int chat_init(Chat *c, Session *s, Arena *a, const char *tmpl, size_t tmpl_n, Err *e) {
    memset(c, 0, sizeof *c);
    int n_ctx = s->st.o.n_ctx;
    c->s = s, c->tmpl = tmpl, c->tmpl_n = tmpl_n;
    c->text_cap = chat_text_cap(n_ctx);
    c->json_cap = c->render_cap = chat_render_cap(n_ctx);
    c->text = arena_alloc(a, c->text_cap);
    c->json = arena_alloc(a, c->json_cap);
    c->render = arena_alloc(a, c->render_cap);
    c->msg = arena_alloc(a, CHAT_MAX_MSGS * sizeof *c->msg);
    c->cache = arena_alloc(a, (size_t)n_ctx * 4);
    if (!c->text || !c->json || !c->render || !c->msg || !c->cache ||
        arena_sub(a, &c->tarena, (2u << 20) + 16 * (tmpl_n + 2 * c->text_cap)))
        return err_set(e, "internal error: the arena is smaller than the memory plan");
    chat__token_text(s->tok, s->tok->bos, c->bos_text, sizeof c->bos_text);
    chat__token_text(s->tok, s->tok->eos, c->eos_text, sizeof c->eos_text);
    /* the end-of-turn marker: what the template writes right after an answer */
    c->end_tok = -1;
    static const char probe[] = "Zq7Xw";
    size_t len;
    int big;
    Err pe = { { 0 } };
    if (chat__push(c, CHAT_USER, "Hi", 2) || chat__push(c, CHAT_ASSISTANT, probe, sizeof probe - 1))
        return err_set(e, "internal error: chat buffers");
    int r = chat_render(c, 0, &len, &big, &pe);
    chat__remove(c, 0, c->n_msg);
    if (r) return err_set(e, "the chat template fails on a plain conversation: %s", pe.msg);
    const char *at = strstr(c->render, probe);
    if (at) {
        const char *p = at + sizeof probe - 1, *end = c->render + len;
        while (p < end && (*p == ' ' || *p == '\n')) p++;
        size_t n = 0;
        while (p + n < end && p[n] != '\n' && !(n && p[n] == '<' && p[n - 1] == '>') && n < sizeof c->end_marker - 1) n++;
        memcpy(c->end_marker, p, n);
        c->end_marker[n] = 0;
        while (n && c->end_marker[n - 1] == ' ') c->end_marker[--n] = 0;
        if (n) c->end_tok = tok_find(s->tok, c->end_marker, n);
    }
    log_msg(LOG_VERBOSE, "llm: chat: end of turn '%s' (token %d)\n", c->end_marker, c->end_tok);
    return 0;
}

/* One turn: the user's message in, the answer streamed to g->out_fd and kept. */
static int chat_turn(Chat *c, const char *user, size_t un, const GenParams *gp, Err *e) {
    Session *s = c->s;
    int n_ctx = s->st.o.n_ctx;
    while (chat__push(c, CHAT_USER, user, un))
        if (chat__drop_oldest(c)) return err_set(e, "this message is too long for the conversation buffer (-c %d)", n_ctx);
    int reserve = gp->n_predict > 0 ? (gp->n_predict < n_ctx / 2 ? gp->n_predict : n_ctx / 2) : n_ctx / 4;
    int nt, dropped_before = c->dropped;
    for (;;) {
        size_t len;
        int big = 0;
        Err re = { { 0 } };
        nt = -1;
        if (chat_render(c, 1, &len, &big, &re) == 0) {
            int add_bos = !(c->bos_text[0] && len >= strlen(c->bos_text) && !memcmp(c->render, c->bos_text, strlen(c->bos_text)));
            nt = tok_encode(s->tok, &s->scratch, c->render, len, add_bos, 1, s->toks, s->toks_cap, &re);
            if (nt < 0) big = 1;
        }
        if (nt > 0 && nt + reserve <= n_ctx) break;
        if (nt == 0 || (nt < 0 && !big) || chat__drop_oldest(c)) {   /* the user message is taken back */
            chat__remove(c, c->n_msg - 1, c->n_msg);
            if (nt == 0) return err_set(e, "the template rendered nothing");
            if (nt < 0 && !big) return err_set(e, "%s", re.msg);      /* the template refused: its own message */
            return err_set(e, "this message does not fit in the context of %d tokens with room for an answer: "
                           "use a larger -c or a shorter message", n_ctx);
        }
    }
    if (c->dropped > dropped_before && !dropped_before)
        log_msg(LOG_INFO, "llm: the conversation no longer fits in the context (%d tokens): dropping the oldest "
                "turns (the system prompt stays)\n", n_ctx);
    /* reuse the longest prefix the cache holds; at least one token is evaluated for logits */
    int p = 0;
    while (p < c->n_cache && p < nt && c->cache[p] == s->toks[p]) p++;
    if (p == nt) p = nt - 1;
    double t0 = time_now();
    s->st.n_past = p;
    c->n_cache = 0;                                   /* until the evaluation succeeds */
    if (sess_eval(s, s->toks + p, nt - p, e)) return -1;
    memcpy(c->cache, s->toks, (size_t)nt * 4);
    c->n_cache = nt;
    for (int i = p; i < nt; i++) samp_accept(&s->samp, s->toks[i]);
    c->last_reused = p;
    s->n_prompt = nt - p, s->t_prompt = time_now() - t0;
    /* the answer, with the template's end marker as one more stop string */
    GenParams g = *gp;
    if (c->end_marker[0] && c->end_tok < 0 && g.n_stops < SESS_MAX_STOPS) g.stops[g.n_stops++] = c->end_marker;
    s->cap = c->text + c->text_n;
    s->cap_max = c->text_cap - c->text_n;
    s->cap_n = 0;
    int r = sess__gen_loop(s, &g, s->toks[nt - 1], c->end_tok, c->cache, e);
    c->n_cache = s->st.n_past;
    size_t an = s->cap_n;
    s->cap = NULL;
    if (r) return -1;
    /* the answer joins the conversation as the model said it (also when interrupted) */
    if (c->n_msg < CHAT_MAX_MSGS) {
        an = utf8_sanitize(c->text + c->text_n, an, c->text_cap - c->text_n);
        c->msg[c->n_msg++] = (ChatMsg){ CHAT_ASSISTANT, c->text_n, an };
        c->text_n += an;
    }
    log_msg(LOG_VERBOSE, "llm: turn: %d prompt tokens evaluated, %d reused from the cache; %d generated\n",
            s->n_prompt, c->last_reused, s->n_gen);
    return 0;
}

/* /save: the conversation as a JSON array of {"role", "content"} messages. */
static int chat_save(Chat *c, const char *path, Err *e) {
    JsonBuf b = { c->json, c->json_cap, 0, 0 };
    chat__messages(c, &b, "\n  ");
    json_buf_puts(&b, "\n]\n");
    if (b.over) return err_set(e, "the conversation is too long to save");
    FileOut f;
    if (file_out_open(&f, path, e)) return -1;
    file_out_write(&f, c->json, b.n);
    return file_out_commit(&f, e);
}

/* /load: a JSON array of messages, or an object with "messages" (what /save and
 * --render-template's context files hold). Replaces the conversation. */
static int chat_load(Chat *c, const char *path, Err *e) {
    FileMap f;
    if (file_map(&f, path, e)) return -1;
    arena_reset(&c->tarena, 0);
    JsonVal *v;
    Err je = { { 0 } };
    int r = json_parse(&c->tarena, f.data ? (const char *)f.data : "", f.size, &v, &je);
    file_unmap(&f);
    if (r) return err_set(e, "%s: %s", path, je.msg);
    const JsonVal *msgs = v->type == JSON_ARR ? v : json_get(v, "messages");
    if (!msgs || msgs->type != JSON_ARR) return err_set(e, "%s: expected a JSON array of messages (or {\"messages\": [...]})", path);
    for (size_t i = 0; i < msgs->n; i++) {
        Str role = json_get_str(msgs->kids[i], "role", (Str){ "", 0 });
        const JsonVal *ct = json_get(msgs->kids[i], "content");
        if (!str_eq(role, "system") && !str_eq(role, "user") && !str_eq(role, "assistant"))
            return err_set(e, "%s: message %zu has role '%.*s' (system, user or assistant)", path, i + 1, (int)role.n, role.p);
        if (!ct || ct->type != JSON_STR) return err_set(e, "%s: message %zu has no text content", path, i + 1);
    }
    chat__remove(c, 0, c->n_msg);
    c->dropped = 0;
    for (size_t i = 0; i < msgs->n; i++) {
        Str role = json_get_str(msgs->kids[i], "role", (Str){ "", 0 });
        const JsonVal *ct = json_get(msgs->kids[i], "content");
        int ro = str_eq(role, "system") ? CHAT_SYSTEM : str_eq(role, "user") ? CHAT_USER : CHAT_ASSISTANT;
        if (chat__push(c, ro, ct->s.p, ct->s.n)) return err_set(e, "%s: the conversation is too long for -c %d", path, c->s->st.o.n_ctx);
    }
    return 0;
}

/* Perplexity as llama-perplexity computes it: the text tokenised with BOS, cut into
 * chunks of n_ctx tokens, the first token of each chunk replaced by BOS, and the second
 * half of each chunk scored (positions n_ctx/2 .. n_ctx-2 predicting the next token).
 * Prints the running estimate per chunk to stderr and the final line to stdout. */
static int sess_perplexity(Session *s, const char *text, size_t len, double *ppl_out, Err *e) {
    int n = tok_encode(s->tok, &s->scratch, text, len, 1, 0, s->toks, s->toks_cap, e);
    if (n < 0) return -1;
    int n_ctx = s->st.o.n_ctx, first = n_ctx / 2;
    if (n < 2 * n_ctx)
        return err_set(e, "the text is %d tokens; perplexity with -c %d needs at least %d (use a smaller "
                       "-c or a longer text)", n, n_ctx, 2 * n_ctx);
    int n_chunk = n / n_ctx, n_vocab = s->m->hp.n_vocab, add_bos = s->toks[0] == s->bos && s->bos >= 0;
    double nll = 0, nll2 = 0;
    long count = 0;
    double t0 = time_now();
    log_msg(LOG_INFO, "llm: perplexity over %d chunks of %d tokens (%d tokens in all)\n", n_chunk, n_ctx, n);
    for (int c = 0; c < n_chunk; c++) {
        int32_t *chunk = s->toks + (size_t)c * n_ctx, saved = chunk[0];
        if (add_bos) chunk[0] = s->bos;
        s->st.n_past = 0;
        for (int j0 = 0; j0 < n_ctx; j0 += s->st.o.n_batch) {
            int nb = n_ctx - j0 < s->st.o.n_batch ? n_ctx - j0 : s->st.o.n_batch;
            if (model_forward(&s->st, chunk + j0, nb, 1, e)) { chunk[0] = saved; return -1; }
            for (int t = 0; t < nb; t++) {
                int pos = j0 + t;
                if (pos < first || pos > n_ctx - 2) continue;
                const float *l = s->st.logits + (size_t)t * n_vocab;
                float mx = -INFINITY;
                for (int i = 0; i < n_vocab; i++) if (l[i] > mx) mx = l[i];
                double sum = 0;
                for (int i = 0; i < n_vocab; i++) sum += exp((double)(l[i] - mx));
                double v = -((double)(l[chunk[pos + 1]] - mx) - log(sum));
                nll += v, nll2 += v * v, count++;
            }
        }
        chunk[0] = saved;
        log_msg(LOG_INFO, "[%d]%.4f,", c + 1, exp(nll / count));
    }
    log_msg(LOG_INFO, "\nllm: %.2f s, %.1f tokens/s\n", time_now() - t0, n_chunk * n_ctx / (time_now() - t0));
    double mean = nll / count, ppl = exp(mean), var = nll2 / count - mean * mean;
    double err = var > 0 && count > 1 ? sqrt(var / (count - 1)) * ppl : 0;
    printf("Final estimate: PPL = %.4f +/- %.5f\n", ppl, err);
    fflush(stdout);
    if (ppl_out) *ppl_out = ppl;
    return 0;
}

/* ---- benchmark: prompt processing and generation speed, memory bandwidth ----
 *
 * As llama-bench measures: pp = a prompt of n_prompt tokens evaluated from an empty
 * cache in batches, tg = n_gen tokens evaluated one at a time from an empty cache;
 * each repeated, reported as mean and standard deviation of tokens per second. The
 * bandwidth of reading the weights is measured too: generation reads every weight once
 * per token, so bandwidth / bytes per token is the limit it can reach. */

typedef struct {
    const char *name;
    int n_vocab, n_embd, n_layer, n_head, n_head_kv, n_ff, tied;
} BenchShape;

static const BenchShape bench_shapes[] = {
    { "tinyllama-1.1b", 32000, 2048, 22, 32, 4, 5632, 0 },
    { "llama-3.2-1b", 128256, 2048, 16, 32, 8, 8192, 1 },
    { "qwen2.5-0.5b", 151936, 896, 24, 14, 2, 4864, 1 },
    { "smollm2-135m", 49152, 576, 30, 9, 3, 1536, 1 },
};

static uint64_t bench__rng = 0x2545F4914F6CDD1Dull;
static uint64_t bench__next(void) {
    bench__rng ^= bench__rng << 13, bench__rng ^= bench__rng >> 7, bench__rng ^= bench__rng << 17;
    return bench__rng;
}

/* Type of one tensor in a synthetic model of quant `q` ("Q4_K_M" and "Q5_K_M" mix Q4_K or
 * Q5_K with Q6_K as llama-quantize does); K-quants fall back to a 32-block type when rows are not
 * multiples of 256, as llama-quantize also does. */
static uint32_t bench__type(const char *q, const char *tensor, int layer, int n_layer, int64_t ne0) {
    uint32_t t;
    if (!strcmp(q, "Q4_K_M") || !strcmp(q, "Q5_K_M")) {
        int more = layer < n_layer / 8 || layer >= 7 * n_layer / 8 || (layer - n_layer / 8) % 3 == 2;
        t = q[1] == '4' ? T_Q4_K : T_Q5_K;
        if (!strcmp(tensor, "output.weight") || ((!strcmp(tensor, "attn_v.weight") || !strcmp(tensor, "ffn_down.weight")) && more))
            t = T_Q6_K;
    } else {
        t = T_COUNT;
        for (uint32_t i = 0; i < T_COUNT; i++)
            if (type_layout(i) && !strcmp(type_layouts[i].name, q)) t = i;
    }
    if (ne0 % QK_K && type_layouts[t].blck == QK_K)
        t = t == T_Q2_K || t == T_Q3_K ? T_Q4_0 : t == T_Q4_K ? T_Q5_0 : t == T_Q5_K ? T_Q5_1 : T_Q8_0;
    return t;
}

/* Random bytes that are a valid tensor of type t: scales set to small finite values. */
static void bench__fill(uint8_t *p, size_t nbytes, uint32_t t) {
    for (size_t i = 0; i + 8 <= nbytes; i += 8) { uint64_t r = bench__next(); memcpy(p + i, &r, 8); }
    if (t == T_F32) {
        for (size_t i = 0; i + 4 <= nbytes; i += 4) { float f = (float)((int)(bench__next() % 2001) - 1000) * 2e-5f; memcpy(p + i, &f, 4); }
        return;
    }
    if (t == T_F16 || t == T_BF16) {
        for (size_t i = 0; i + 2 <= nbytes; i += 2) {
            float f = (float)((int)(bench__next() % 2001) - 1000) * 2e-5f;
            uint16_t h = t == T_F16 ? f32_to_f16(f) : f32_to_bf16(f);
            memcpy(p + i, &h, 2);
        }
        return;
    }
    size_t bs = (size_t)type_layouts[t].size, off[2] = { 0, 0 };
    int nf = 1;
    switch (t) {
    case T_Q4_1: case T_Q5_1: case T_Q4_K: case T_Q5_K: off[1] = 2, nf = 2; break;
    case T_Q2_K: off[0] = offsetof(BlockQ2_K, d), off[1] = offsetof(BlockQ2_K, dmin), nf = 2; break;
    case T_Q3_K: off[0] = offsetof(BlockQ3_K, d); break;
    case T_Q6_K: off[0] = offsetof(BlockQ6_K, d); break;
    }
    for (size_t b = 0; b + bs <= nbytes; b += bs)
        for (int k = 0; k < nf; k++) {
            uint16_t h = f32_to_f16((float)(bench__next() % 1000 + 1) * 1e-5f);
            memcpy(p + b + off[k], &h, 2);
        }
}

/* Writes a model of the named shape and quant with random weights to path. */
static int bench_synthetic(const char *spec, const char *path, Err *e) {
    char shape[64], quant[16];
    const char *colon = strchr(spec, ':');
    if (!colon || (size_t)(colon - spec) >= sizeof shape || strlen(colon + 1) >= sizeof quant)
        return err_set(e, "--synthetic takes SHAPE:QUANT, e.g. tinyllama-1.1b:Q4_0");
    snprintf(shape, sizeof shape, "%.*s", (int)(colon - spec), spec);
    snprintf(quant, sizeof quant, "%s", colon + 1);
    for (char *c = quant; *c; c++) if (*c >= 'a' && *c <= 'z') *c = (char)(*c - 32);
    const BenchShape *S = NULL;
    for (size_t i = 0; i < sizeof bench_shapes / sizeof *bench_shapes; i++)
        if (!strcmp(bench_shapes[i].name, shape)) S = &bench_shapes[i];
    if (!S) return err_set(e, "unknown shape '%s' (tinyllama-1.1b, llama-3.2-1b, qwen2.5-0.5b, smollm2-135m)", shape);
    if (bench__type(quant, "x", 0, 1, 2048) == T_COUNT)
        return err_set(e, "unknown quant '%s' (F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K..Q6_K, Q4_K_M, Q5_K_M)", quant);
    int E = S->n_embd, hd = E / S->n_head, KV = S->n_head_kv * hd;
    struct { char name[64]; int64_t ne0, ne1; uint32_t type; } t[16 * 64];
    int nt = 0;
#define ADD(nm, a, b, ty) (snprintf(t[nt].name, 64, "%s", nm), t[nt].ne0 = a, t[nt].ne1 = b, t[nt].type = ty, nt++)
    ADD("token_embd.weight", E, S->n_vocab, bench__type(quant, "token_embd.weight", 0, S->n_layer, E));
    ADD("output_norm.weight", E, 1, T_F32);
    if (!S->tied) ADD("output.weight", E, S->n_vocab, bench__type(quant, "output.weight", 0, S->n_layer, E));
    for (int l = 0; l < S->n_layer; l++) {
        static const char *const mats[] = { "attn_q.weight", "attn_k.weight", "attn_v.weight", "attn_output.weight",
                                            "ffn_gate.weight", "ffn_up.weight", "ffn_down.weight" };
        int64_t ins[] = { E, E, E, E, E, E, S->n_ff }, outs[] = { E, KV, KV, E, S->n_ff, S->n_ff, E };
        char nm[64];
        snprintf(nm, 64, "blk.%d.attn_norm.weight", l), ADD(nm, E, 1, T_F32);
        snprintf(nm, 64, "blk.%d.ffn_norm.weight", l), ADD(nm, E, 1, T_F32);
        for (int k = 0; k < 7; k++) {
            snprintf(nm, 64, "blk.%d.%s", l, mats[k]);
            ADD(nm, ins[k], outs[k], bench__type(quant, mats[k], l, S->n_layer, ins[k]));
        }
    }
#undef ADD
    GgufWriter w;
    if (gguf_w_begin(&w, path, (uint64_t)nt, 10, e)) return -1;
    char k[128];
    gguf_w_kv_str(&w, "general.architecture", "llama");
    snprintf(k, sizeof k, "synthetic %s %s", shape, quant);
    gguf_w_kv_str(&w, "general.name", k);
    gguf_w_kv_u32(&w, "llama.context_length", 4096);
    gguf_w_kv_u32(&w, "llama.embedding_length", (uint32_t)E);
    gguf_w_kv_u32(&w, "llama.block_count", (uint32_t)S->n_layer);
    gguf_w_kv_u32(&w, "llama.feed_forward_length", (uint32_t)S->n_ff);
    gguf_w_kv_u32(&w, "llama.attention.head_count", (uint32_t)S->n_head);
    gguf_w_kv_u32(&w, "llama.attention.head_count_kv", (uint32_t)S->n_head_kv);
    gguf_w_kv_f32(&w, "llama.attention.layer_norm_rms_epsilon", 1e-5f);
    gguf_w_kv_f32(&w, "llama.rope.freq_base", 10000.0f);
    uint64_t off = 0;
    for (int i = 0; i < nt; i++) {
        int64_t ne[2] = { t[i].ne0, t[i].ne1 };
        gguf_w_tensor_info(&w, t[i].name, t[i].type, t[i].ne1 == 1 ? 1 : 2, ne, &off);
    }
    gguf_w_align(&w);
    static uint8_t buf[1 << 20];
    for (int i = 0; i < nt; i++) {
        size_t row = type_row_size(t[i].type, t[i].ne0), rows_per = sizeof buf / row, done = 0;
        if (t[i].ne1 == 1) {              /* norm weights: ones */
            float *f = (float *)buf;
            for (int64_t j = 0; j < t[i].ne0; j++) f[j] = 1.0f;
            gguf_w_tensor_data(&w, buf, (size_t)t[i].ne0 * 4);
            continue;
        }
        while (done < (size_t)t[i].ne1) {
            size_t n = (size_t)t[i].ne1 - done < rows_per ? (size_t)t[i].ne1 - done : rows_per;
            bench__fill(buf, n * row, t[i].type);
            gguf_w__bytes(&w, buf, n * row);
            done += n;
        }
        gguf_w_align(&w);
    }
    return gguf_w_end(&w, e);
}

typedef struct {
    const uint8_t *p;
    size_t n;
    int prefetch;             /* touch 4 KiB ahead (faster on some machines, slower on others) */
    uint64_t sum[LLM_MAX_THREADS];
} BwJob;

static void bench__read_job(void *ctx, int ith, int nth) {
    BwJob *j = ctx;
    int64_t a, b;
    pool_split((int64_t)(j->n / 64), ith, nth, &a, &b);
    /* 16-byte vector loads, four independent sums: the loop is not what limits it */
    typedef uint64_t V2 __attribute__((vector_size(16)));
    const V2 *q = (const V2 *)(j->p + (size_t)a * 64);
    V2 s0 = { 0, 0 }, s1 = s0, s2 = s0, s3 = s0;
    if (j->prefetch)
        for (int64_t i = 0; i < b - a; i++, q += 4) {
            __builtin_prefetch((const uint8_t *)q + 4096);
            s0 += q[0], s1 += q[1], s2 += q[2], s3 += q[3];
        }
    else
        for (int64_t i = 0; i < b - a; i++, q += 4) s0 += q[0], s1 += q[1], s2 += q[2], s3 += q[3];
    s0 += s1 + s2 + s3;
    j->sum[ith] = s0[0] + s0[1];
}

/* Read bandwidth of n bytes at p with the pool's threads: bytes per second, the best
   of `passes` reads, each with and without software prefetch, after one that faults the
   pages in. (The prefetch helped one thread by 10% on one machine and cost 10% on
   another, Zen 4, 2026: the limit is the best read, so both are tried.) */
static double bench_bandwidth(Pool *pool, const uint8_t *p, size_t n, int passes) {
    BwJob j;
    memset(&j, 0, sizeof j);
    j.p = (const uint8_t *)((uintptr_t)(p + 63) & ~(uintptr_t)63);
    j.n = (n - (size_t)(j.p - p)) / 64 * 64;
    double best = 0;
    pool_run(pool, bench__read_job, &j);          /* fault in */
    for (int r = 0; r < 2 * passes; r++) {
        j.prefetch = r & 1;
        double t0 = time_now();
        pool_run(pool, bench__read_job, &j);
        double dt = time_now() - t0;
        if (dt > 0 && j.n / dt > best) best = j.n / dt;
    }
    return best;
}

/* Bandwidth of anonymous memory in 2 MiB pages (what --hugepages gives), n bytes. */
static double bench_bandwidth_huge(Pool *pool, size_t n) {
    const size_t huge = 2u << 20;
    n = (n + huge - 1) / huge * huge;
    uint8_t *p = mmap(NULL, n + huge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return 0;
    uint8_t *a = (uint8_t *)(((uintptr_t)p + huge - 1) & ~(uintptr_t)(huge - 1));
#ifdef MADV_HUGEPAGE
    madvise(a, n, MADV_HUGEPAGE);
#endif
    memset(a, 1, n);
    double bw = bench_bandwidth(pool, a, n, 3);
    munmap(p, n + huge);
    return bw;
}

/* Bytes of weights one generated token reads: everything but the embedding table, of
 * which it reads one row. */
static size_t bench_bytes_per_token(const Model *m) {
    size_t n = 0;
    for (uint64_t i = 0; i < m->gguf.n_tensors; i++) {
        GgufTensor t;
        gguf_tensor_at(&m->gguf, i, &t);
        n += str_eq(t.name, "token_embd.weight") && !m->tied ? type_row_size(t.type, t.ne[0]) : t.nbytes;
    }
    return n;
}

typedef struct {
    int n_prompt, n_gen, reps;
    int depth;                /* tokens already in the cache when each test starts */
    double samples[2][64];    /* tokens per second of each repetition: [0] pp, [1] tg */
    double bw[64];            /* read bandwidth of the weights around each tg repetition: the */
    double bw_lo[64];         /* higher of the reads just before and just after it, and the lower */
} BenchResult;

/* Random token ids at positions n_past.., n of them, in batches (not timed). */
static int bench__prompt(State *st, int n, Err *e) {
    static int32_t batch[1 << 16];
    for (int i = 0; i < n; i += st->o.n_batch) {
        int nb = n - i < st->o.n_batch ? n - i : st->o.n_batch;
        for (int k = 0; k < nb; k++) batch[k] = (int32_t)(bench__next() % (uint64_t)st->m->hp.n_vocab);
        if (model_forward(st, batch, nb, 0, e)) return -1;
    }
    return 0;
}

/* Runs the pp and tg tests r times each (random token ids), each after r->depth tokens:
 * the cache is filled once, and every test starts at that position again (it writes
 * only the positions after it). */
static int bench_run(State *st, BenchResult *r, Err *e) {
    const int V = st->m->hp.n_vocab;
    int32_t tok[1];
    st->n_past = 0;
    if (r->depth > 0 && bench__prompt(st, r->depth, e)) return -1;
    for (int rep = -1; rep < r->reps; rep++) {      /* rep -1: warm-up, not counted */
        if (r->n_prompt > 0) {
            st->n_past = r->depth;
            double t0 = time_now();
            if (bench__prompt(st, rep < 0 && r->n_prompt > 8 ? 8 : r->n_prompt, e)) return -1;
            if (rep >= 0) r->samples[0][rep] = r->n_prompt / (time_now() - t0);
        }
        if (r->n_gen > 0) {
            st->n_past = r->depth;
            /* this machine's bandwidth drifts (other tenants, clocks, which cores the
               threads are on), within seconds: each repetition is compared with reads of
               the same weights right before and right after it, the faster of the two */
            const Gguf *g = &st->m->gguf;
            double before = rep >= 0 ? bench_bandwidth(st->pool, g->base + g->data_off, g->size - g->data_off, 2) : 0;
            double t0 = time_now();
            int n = rep < 0 ? 2 : r->n_gen;
            for (int i = 0; i < n; i++) {
                tok[0] = (int32_t)(bench__next() % (uint64_t)V);
                if (model_forward(st, tok, 1, 0, e)) return -1;
            }
            if (rep >= 0) {
                r->samples[1][rep] = r->n_gen / (time_now() - t0);
                double after = bench_bandwidth(st->pool, g->base + g->data_off, g->size - g->data_off, 2);
                r->bw[rep] = before > after ? before : after;
                r->bw_lo[rep] = before > after ? after : before;
            }
        }
    }
    return 0;
}

static void bench__stats(const double *x, int n, double *mean, double *sd) {
    double s = 0, s2 = 0;
    for (int i = 0; i < n; i++) s += x[i];
    *mean = n ? s / n : 0;
    for (int i = 0; i < n; i++) s2 += (x[i] - *mean) * (x[i] - *mean);
    *sd = n > 1 ? sqrt(s2 / (n - 1)) : 0;
}

/* ============================================================================
 * 17. cli: flags, commands, main
 * ========================================================================== */

#ifndef LLM_NO_MAIN

typedef struct {
    const char *model;         /* -m */
    const char *prompt;        /* -p */
    const char *prompt_file;   /* -f */
    const char *models_dir;    /* --models-dir */
    int n_ctx, n_batch, n_threads;
    int64_t mem_limit;         /* bytes, 0 = none */
    int kv_type;
    int info, tokenize, perplexity;
    int bench, bench_reps, json, bench_depth;
    const char *synthetic;     /* --synthetic SHAPE:QUANT */
    int hugepages;             /* -1 auto, 0 off, 1 on */
    const char *n_gen_arg;     /* -n as given (bench reads it as its own default) */
    const char *render_template, *context;   /* --render-template FILE|NAME, --context FILE */
    const char *fetch, *fetch_list, *rm;      /* --fetch SPEC, --fetch-list FILE, --rm ID */
    const char *token_file, *cacert;          /* --token-file, --cacert */
    int list, login, offline, dry_run, keep_going, timeout, retries;
    const char *template_, *system;           /* --template FILE|NAME, --system TEXT */
    int chat, no_chat;                        /* --chat, --no-chat */
    SampParams sp;
    int seed_given;
    GenParams gp;
} Opts;

static void cli__usage(FILE *f) {
    fprintf(f,
"usage: llm [options]                      run a GGUF model offline (see README)\n"
"\n"
"model and input:\n"
"  -m, --model FILE          GGUF model to run (default: the only model in the models directory)\n"
"  --models-dir DIR          where models live (default: $LLM_MODELS, else $XDG_CACHE_HOME/llm\n"
"                            or ~/.cache/llm)\n"
"  -p, --prompt TEXT         prompt; the generated text goes to standard output\n"
"  -f, --file FILE           read the prompt (or the --perplexity text) from FILE\n"
"                            (without -p and -f: a chat when the model has a chat template, one\n"
"                            turn per line when standard input is not a terminal; without a\n"
"                            template, standard input is the prompt)\n"
"chat:\n"
"  --template FILE|NAME      chat template instead of the model's own (built-in NAMEs: chatml,\n"
"                            llama2, llama3, zephyr, gemma, mistral, phi3)\n"
"  --system TEXT             the system prompt\n"
"  --chat                    with -p/-f: one chat turn through the template\n"
"  --no-chat                 plain completion even when the model has a chat template\n"
"generation:\n"
"  -n, --n-predict N         tokens to generate (default -1: until end of text or full context)\n"
"  -c, --ctx-size N          context length in tokens (default: the model's, at most 4096)\n"
"  -b, --batch-size N        prompt tokens evaluated together (default 512)\n"
"  -t, --threads N           threads (default: physical cores)\n"
"  --temp T                  temperature (default 0.8; 0 = greedy)\n"
"  --top-k N                 keep the N most likely tokens (default 40; 0 = all)\n"
"  --top-p P                 nucleus sampling (default 0.95; 1 = off)\n"
"  --min-p P                 drop tokens below P x the top probability (default 0.05; 0 = off)\n"
"  --repeat-penalty X        penalise recent tokens (default 1.0 = off)\n"
"  --repeat-last-n N         tokens the penalties look back (default 64)\n"
"  --presence-penalty X      (default 0)\n"
"  --frequency-penalty X     (default 0)\n"
"  --seed N                  random seed (default: random); same seed, same output\n"
"  --ignore-eos              keep generating past the end-of-text token\n"
"  --stop TEXT               stop when TEXT is generated (repeatable; TEXT is not printed)\n"
"  -ctk, --cache-type-k T    KV cache type, f16 (default) or f32 (sets both K and V)\n"
"  -ctv, --cache-type-v T    same as -ctk\n"
"  --mem-limit SIZE          refuse to run when weights + memory plan exceed SIZE (e.g. 512M)\n"
"  --hugepages               copy the weights into huge-page memory at load (faster generation;\n"
"                            default when they fit in 40%% of available memory)\n"
"  --no-hugepages            keep the weights in the read-only file mapping\n"
"commands:\n"
"  --info                    print the model's architecture, tensors and memory plan\n"
"  --tokenize                print the token ids of the prompt (no BOS, special text as text)\n"
"  --perplexity              perplexity of the -f text, as llama-perplexity computes it\n"
"  --bench                   speed, as llama-bench measures it: -p N prompt tokens (default 128),\n"
"                            -n N generated tokens (default 64), -r N repetitions (default 3),\n"
"                            --json for llama-bench's JSON; also the memory bandwidth limit;\n"
"                            -d N: each test after N tokens already in the context\n"
"  --synthetic SHAPE:QUANT   with --bench: a model of that shape with random weights, e.g.\n"
"                            tinyllama-1.1b:Q4_0 (shapes: tinyllama-1.1b, llama-3.2-1b,\n"
"                            qwen2.5-0.5b, smollm2-135m)\n"
"  --render-template FILE    print FILE's Jinja chat template rendered for the variables of\n"
"                            --context CONTEXT.json (messages, add_generation_prompt, bos_token,\n"
"                            tools, ...), as Hugging Face renders it; FILE may be a built-in:\n"
"                            chatml, llama2, llama3, zephyr, gemma, mistral, phi3\n"
"models from the Hugging Face Hub (the only commands that use the network):\n"
"  --fetch ORG/NAME[:QUANT][@REV]  download a model into the models directory, once; then\n"
"                            -m ORG/NAME runs it offline. GGUF repositories: one quant (default\n"
"                            Q4_K_M, then Q8_0); safetensors repositories: config, tokenizer, weights\n"
"  --fetch-list FILE         --fetch each model named in FILE (one per line, # comments)\n"
"  --continue-on-error       with --fetch-list: go on after a model fails\n"
"  --dry-run                 with --fetch: say what would be downloaded, download nothing\n"
"  --list                    the models in the models directory\n"
"  --rm ORG/NAME             delete a fetched model\n"
"  --login                   store a Hugging Face token (typed at a hidden prompt) for gated models\n"
"  --token-file FILE         read the token from FILE (else HF_TOKEN, HF_TOKEN_PATH, $HF_HOME/token,\n"
"                            ~/.cache/huggingface/token)\n"
"  --cacert FILE             trusted certificates (PEM) instead of the system's (or SSL_CERT_FILE)\n"
"  --timeout SECONDS         network connect and read timeout (default 30)\n"
"  --retries N               retries after a failed request or a stalled download (default 4)\n"
"  --offline                 never use the network (also HF_HUB_OFFLINE=1): --fetch refuses\n"
"  --verbose, --quiet        more or no messages on standard error\n"
"  -h, --help, --version\n");
}

static int cli__int(const char *flag, const char *v, long lo, long hi, int *out) {
    char *end;
    errno = 0;
    long x = v ? strtol(v, &end, 10) : 0;
    if (!v || !*v || *end || errno || x < lo || x > hi) {
        fprintf(stderr, "llm: %s needs a whole number from %ld to %ld (got '%s')\n", flag, lo, hi, v ? v : "");
        return -1;
    }
    *out = (int)x;
    return 0;
}

static int cli__float(const char *flag, const char *v, double lo, double hi, float *out) {
    char *end;
    double x = v ? strtod(v, &end) : 0;
    if (!v || !*v || *end || !(x >= lo && x <= hi)) {
        fprintf(stderr, "llm: %s needs a number from %g to %g (got '%s')\n", flag, lo, hi, v ? v : "");
        return -1;
    }
    *out = (float)x;
    return 0;
}

/* 0 ok, 1 = exit 0 (help/version printed), -1 = bad flags (message printed). */
static int cli_parse(int argc, char **argv, Opts *o) {
    memset(o, 0, sizeof *o);
    o->n_batch = 512;
    o->kv_type = T_F16;
    o->sp = (SampParams){ 0.8f, 40, 0.95f, 0.05f, 1.0f, 64, 0.0f, 0.0f, 0 };
    o->gp.n_predict = -1;
    o->gp.out_fd = 1;
    o->bench_reps = 3;
    o->hugepages = -1;
    o->timeout = 30;
    o->retries = 4;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
#define FLAG(s) (!strcmp(a, s))
#define NEED() do { if (!v) { fprintf(stderr, "llm: %s needs a value (see --help)\n", a); return -1; } i++; } while (0)
        if (FLAG("-h") || FLAG("--help")) { cli__usage(stdout); return 1; }
        else if (FLAG("--version")) { printf("llm %s (%s)\n", LLM_VERSION, LLM_ARCH); return 1; }
        else if (FLAG("-m") || FLAG("--model")) { NEED(); o->model = v; }
        else if (FLAG("--models-dir")) { NEED(); o->models_dir = v; }
        else if (FLAG("-p") || FLAG("--prompt")) { NEED(); o->prompt = v; }
        else if (FLAG("-f") || FLAG("--file")) { NEED(); o->prompt_file = v; }
        else if (FLAG("-n") || FLAG("--n-predict")) { NEED(); o->n_gen_arg = v; if (cli__int(a, v, -1, INT_MAX, &o->gp.n_predict)) return -1; }
        else if (FLAG("-c") || FLAG("--ctx-size")) { NEED(); if (cli__int(a, v, 0, 1 << 24, &o->n_ctx)) return -1; }
        else if (FLAG("-b") || FLAG("--batch-size")) { NEED(); if (cli__int(a, v, 1, 1 << 16, &o->n_batch)) return -1; }
        else if (FLAG("-t") || FLAG("--threads")) { NEED(); if (cli__int(a, v, 1, LLM_MAX_THREADS, &o->n_threads)) return -1; }
        else if (FLAG("--temp")) { NEED(); if (cli__float(a, v, 0, 100, &o->sp.temp)) return -1; }
        else if (FLAG("--top-k")) { NEED(); if (cli__int(a, v, 0, INT_MAX, &o->sp.top_k)) return -1; }
        else if (FLAG("--top-p")) { NEED(); if (cli__float(a, v, 0, 1, &o->sp.top_p)) return -1; }
        else if (FLAG("--min-p")) { NEED(); if (cli__float(a, v, 0, 1, &o->sp.min_p)) return -1; }
        else if (FLAG("--repeat-penalty")) { NEED(); if (cli__float(a, v, 0.01, 100, &o->sp.repeat_penalty)) return -1; }
        else if (FLAG("--repeat-last-n")) { NEED(); if (cli__int(a, v, 0, 1 << 20, &o->sp.repeat_last_n)) return -1; }
        else if (FLAG("--presence-penalty")) { NEED(); if (cli__float(a, v, -100, 100, &o->sp.presence_penalty)) return -1; }
        else if (FLAG("--frequency-penalty")) { NEED(); if (cli__float(a, v, -100, 100, &o->sp.frequency_penalty)) return -1; }
        else if (FLAG("--seed")) {
            NEED();
            char *end;
            errno = 0;
            unsigned long long s = strtoull(v, &end, 10);
            if (!*v || *end || errno || *v == '-') { fprintf(stderr, "llm: --seed needs a whole number (got '%s')\n", v); return -1; }
            o->sp.seed = s, o->seed_given = 1;
        }
        else if (FLAG("--ignore-eos")) o->gp.ignore_eos = 1;
        else if (FLAG("--stop")) {
            NEED();
            if (!*v) { fprintf(stderr, "llm: --stop needs a non-empty text\n"); return -1; }
            if (o->gp.n_stops == SESS_MAX_STOPS) { fprintf(stderr, "llm: at most %d --stop texts\n", SESS_MAX_STOPS); return -1; }
            if (strlen(v) > 1024) { fprintf(stderr, "llm: a --stop text may be at most 1024 bytes\n"); return -1; }
            o->gp.stops[o->gp.n_stops++] = v;
        }
        else if (FLAG("-ctk") || FLAG("-ctv") || FLAG("--cache-type-k") || FLAG("--cache-type-v")) {
            NEED();
            if (!strcmp(v, "f16")) o->kv_type = T_F16;
            else if (!strcmp(v, "f32")) o->kv_type = T_F32;
            else { fprintf(stderr, "llm: %s takes f16 or f32 (got '%s')\n", a, v); return -1; }
        }
        else if (FLAG("--mem-limit")) {
            NEED();
            o->mem_limit = parse_size(v);
            if (o->mem_limit <= 0) { fprintf(stderr, "llm: --mem-limit needs a size such as 512M or 2G (got '%s')\n", v); return -1; }
        }
        else if (FLAG("--info")) o->info = 1;
        else if (FLAG("--bench")) o->bench = 1;
        else if (FLAG("-r") || FLAG("--repetitions")) { NEED(); if (cli__int(a, v, 1, 64, &o->bench_reps)) return -1; }
        else if (FLAG("--json")) o->json = 1;
        else if (FLAG("-d") || FLAG("--n-depth")) { NEED(); if (cli__int(a, v, 0, 1 << 20, &o->bench_depth)) return -1; }
        else if (FLAG("--synthetic")) { NEED(); o->synthetic = v; }
        else if (FLAG("--render-template")) { NEED(); o->render_template = v; }
        else if (FLAG("--context")) { NEED(); o->context = v; }
        else if (FLAG("--hugepages")) o->hugepages = 1;
        else if (FLAG("--no-hugepages")) o->hugepages = 0;
        else if (FLAG("--tokenize")) o->tokenize = 1;
        else if (FLAG("--perplexity")) o->perplexity = 1;
        else if (FLAG("--fetch")) { NEED(); o->fetch = v; }
        else if (FLAG("--fetch-list")) { NEED(); o->fetch_list = v; }
        else if (FLAG("--continue-on-error")) o->keep_going = 1;
        else if (FLAG("--dry-run")) o->dry_run = 1;
        else if (FLAG("--list")) o->list = 1;
        else if (FLAG("--rm")) { NEED(); o->rm = v; }
        else if (FLAG("--login")) o->login = 1;
        else if (FLAG("--token-file")) { NEED(); o->token_file = v; }
        else if (FLAG("--cacert")) { NEED(); o->cacert = v; }
        else if (FLAG("--timeout")) { NEED(); if (cli__int(a, v, 1, 3600, &o->timeout)) return -1; }
        else if (FLAG("--retries")) { NEED(); if (cli__int(a, v, 0, 100, &o->retries)) return -1; }
        else if (FLAG("--offline")) o->offline = 1;
        else if (FLAG("--template")) { NEED(); o->template_ = v; }
        else if (FLAG("--system")) { NEED(); o->system = v; }
        else if (FLAG("--chat")) o->chat = 1;
        else if (FLAG("--no-chat")) o->no_chat = 1;
        else if (FLAG("--verbose")) log_level = LOG_VERBOSE;
        else if (FLAG("--quiet")) log_level = LOG_QUIET;
        else { fprintf(stderr, "llm: unknown option '%s' (see llm --help)\n", a); return -1; }
#undef FLAG
#undef NEED
    }
    return 0;
}

/* The models directory: --models-dir, $LLM_MODELS, $XDG_CACHE_HOME/llm, ~/.cache/llm. */
static void cli__models_dir(const Opts *o, char *buf, size_t cap) {
    const char *x;
    if (o->models_dir) snprintf(buf, cap, "%s", o->models_dir);
    else if ((x = getenv("LLM_MODELS")) && *x) snprintf(buf, cap, "%s", x);
    else if ((x = getenv("XDG_CACHE_HOME")) && *x) snprintf(buf, cap, "%s/llm", x);
    else snprintf(buf, cap, "%s/.cache/llm", (x = getenv("HOME")) && *x ? x : ".");
}

/* Collects up to max .gguf paths under dir (three levels deep: ORG/NAME/file), leaving
 * out the second and later parts of split files. */
static int cli__scan(const char *dir, int depth, char found[][4096], int n, int max) {
    DIR *d = opendir(dir);
    if (!d) return n;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.') continue;
        char p[4096];
        if ((size_t)snprintf(p, sizeof p, "%s/%s", dir, de->d_name) >= sizeof p) continue;
        struct stat st;
        if (stat(p, &st)) continue;
        size_t L = strlen(de->d_name);
        int no = 1, of;
        if (S_ISDIR(st.st_mode) && depth < 3) n = cli__scan(p, depth + 1, found, n, max);
        else if (S_ISREG(st.st_mode) && L > 5 && !strcmp(de->d_name + L - 5, ".gguf") &&
                 (!hub__split(de->d_name, &no, &of) || no == 1)) {
            if (n < max) strcpy(found[n], p);
            n++;
        }
    }
    closedir(d);
    return n;
}

/* The model to run when -m is not given: the only one in the models directory; among
 * several, the catalog's default when it is there, else (on a terminal) the one the
 * user picks from a numbered list. */
static int cli__default_model(const Opts *o, char *path, size_t cap, Err *e) {
    char dir[4096], def[256];
    static char found[32][4096];
    cli__models_dir(o, dir, sizeof dir);
    int n = cli__scan(dir, 0, found, 0, 32);
    if (n == 1) { snprintf(path, cap, "%s", found[0]); return 0; }
    hub_catalog_default(def, sizeof def);
    if (n == 0)
        return err_set(e, "no model given and none in %s: fetch one with llm --fetch %s (online, once), or give a "
                       "GGUF file with -m FILE", dir, def);
    Err de = { { 0 } };
    if (def[0] && hub_resolve_model(dir, def, path, cap, &de) == 0) {
        log_msg(LOG_INFO, "llm: %d models in %s; running the default, %s (choose another with -m)\n", n, dir, def);
        return 0;
    }
    size_t dl = strlen(dir);
    if (isatty(0) && isatty(2)) {
        fprintf(stderr, "llm: %d models in %s:\n", n, dir);
        for (int i = 0; i < n && i < 32; i++) fprintf(stderr, "  %2d  %s\n", i + 1, found[i] + dl + 1);
        fprintf(stderr, "which one (1-%d)? ", n < 32 ? n : 32);
        char line[64];
        if (fgets(line, sizeof line, stdin)) {
            int k = atoi(line);
            if (k >= 1 && k <= n && k <= 32) { snprintf(path, cap, "%s", found[k - 1]); return 0; }
        }
        return err_set(e, "no model chosen; pass -m FILE or -m ORG/NAME");
    }
    char list[600] = "";
    for (int i = 0; i < n && i < 32; i++) {
        size_t L = strlen(list);
        if (L < sizeof list - 100) snprintf(list + L, sizeof list - L, "%s%.90s", i ? ", " : "", found[i] + dl + 1);
    }
    return err_set(e, "%d models in %s (%s); choose one with -m", n, dir, list);
}

/* Reads standard input to its end (start-up only: the arena is planned from its size). */
static char *cli__read_stdin(size_t *len, Err *e) {
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (!buf) return err_set(e, "out of memory reading standard input"), NULL;
        ssize_t r = read(0, buf + n, cap - n);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) { free(buf); err_set(e, "cannot read standard input: %s", strerror(errno)); return NULL; }
        if (r == 0) break;
        n += (size_t)r;
        if (n == cap) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb) free(buf);
            buf = nb;
        }
    }
    *len = n;
    return buf;
}

static void cli__print_info(const char *path, const Model *m, const TokDesc *td, const RunOpts *ro,
                            const Budget *b, size_t weights) {
    const HParams *hp = &m->hp;
    char s1[32], s2[32];
    printf("model          %s\n", path);
    printf("architecture   %.*s\n", (int)hp->arch.n, hp->arch.p);
    if (hp->name.n) printf("name           %.*s\n", (int)hp->name.n, hp->name.p);
    printf("parameters     %.2f M\n", m->n_params / 1e6);
    printf("file size      %s (%zu bytes, GGUF v%u, %llu tensors)\n", fmt_size(s1, sizeof s1, (double)m->map.size),
           m->map.size, m->gguf.version, (unsigned long long)m->gguf.n_tensors);
    size_t count[T_COUNT] = { 0 }, bytes[T_COUNT] = { 0 };
    for (uint64_t i = 0; i < m->gguf.n_tensors; i++) {
        GgufTensor t;
        gguf_tensor_at(&m->gguf, i, &t);
        count[t.type]++, bytes[t.type] += t.nbytes;
    }
    printf("tensor types  ");
    for (int t = 0; t < T_COUNT; t++)
        if (count[t]) printf(" %s x%zu (%s)", type_name((uint32_t)t), count[t], fmt_size(s1, sizeof s1, (double)bytes[t]));
    printf("\n");
    printf("shape          %d layers, n_embd %d, n_ff %d, heads %d (kv %d), head dim %d, vocab %d\n",
           hp->n_layer, hp->n_embd, hp->n_ff, hp->n_head, hp->n_head_kv, hp->head_dim, hp->n_vocab);
    printf("context        %d trained, %d in this run\n", hp->n_ctx_train, ro->n_ctx);
    printf("rope           %s, base %g, %d dims%s%s\n", hp->rope_neox ? "neox" : "normal", hp->rope_base,
           hp->rope_dim, m->rope_freqs ? ", frequency factors" : "",
           hp->rope_freq_scale != 1.0f ? ", linear scaling" : "");
    printf("output         %s\n", m->tied ? "tied to the token embedding" : "own matrix");
    printf("tokenizer      %.*s%s%.*s, %d tokens, %d merges\n", (int)td->model.n, td->model.p,
           td->pre.n ? " / " : "", (int)td->pre.n, td->pre.p, td->n_vocab, td->n_merges);
    printf("memory plan    (-c %d, -b %d, -t %d, KV cache %s)\n", ro->n_ctx, ro->n_batch, ro->n_threads,
           ro->kv_type == T_F16 ? "F16" : "F32");
    printf("  %-28s %12s  (mapped read-only, in the page cache)\n", "weights", fmt_size(s1, sizeof s1, (double)weights));
    for (int i = 0; i < b->n; i++) printf("  %-28s %12s\n", b->label[i], fmt_size(s1, sizeof s1, (double)b->bytes[i]));
    printf("  %-28s %12s  (one allocation)\n", "arena total", fmt_size(s1, sizeof s1, (double)b->total));
    printf("  %-28s %12s\n", "total", fmt_size(s2, sizeof s2, (double)(b->total + weights)));
    if (log_level >= LOG_VERBOSE) {    /* reads the whole file: compare with the Hub's listing */
        char hex[65];
        sha256_hex(m->map.data, m->map.size, hex);
        printf("sha256         %s\n", hex);
    }
}

/* Bytes of memory available (MemAvailable), 0 when unknown. */
static uint64_t cli__mem_available(void) {
    FILE *f = fopen("/proc/meminfo", "r");
    char line[256];
    unsigned long long kb = 0;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1) break;
    if (f) fclose(f);
    return (uint64_t)kb * 1024;
}

/* --hugepages by default when the weights fit in 40% of available memory. */
static int cli__want_hugepages(const Opts *o, size_t weights) {
    if (o->hugepages >= 0) return o->hugepages;
    uint64_t avail = cli__mem_available();
    return avail && weights <= avail / 10 * 4;
}

/* --bench: llama-bench's tests and table (or JSON), and the bandwidth limit. */
static int cli__bench(Opts *o, const char *path, Err *e) {
    static Model m;
    char tmp[4096] = "";
    int n_prompt = 128, n_gen = 64;
    if (o->prompt && cli__int("-p (with --bench)", o->prompt, 0, 1 << 16, &n_prompt)) return 2;
    if (o->n_gen_arg) n_gen = o->gp.n_predict < 0 ? 0 : o->gp.n_predict;
    if (o->synthetic) {
        const char *td = getenv("TMPDIR");
        snprintf(tmp, sizeof tmp, "%s/llm-synthetic-%d.gguf", td && *td ? td : "/tmp", (int)getpid());
        double t0 = time_now();
        if (bench_synthetic(o->synthetic, tmp, e)) return 1;
        log_msg(LOG_INFO, "llm: wrote a synthetic %s model in %.1f s\n", o->synthetic, time_now() - t0);
        path = tmp;
    }
    int r = model_load(&m, path, e);
    if (tmp[0]) unlink(tmp);              /* the mapping keeps it until the end */
    if (r) return 1;
    const char *force = getenv("LLM_FORCE_REF");
    kern_init(force && *force && strcmp(force, "0"));
    RunOpts ro;
    const int depth = o->bench_depth;
    ro.n_ctx = depth + n_prompt + n_gen + 1;
    int most = n_prompt > depth ? n_prompt : depth;    /* the largest batch a test or the fill takes */
    ro.n_batch = o->n_batch < most ? o->n_batch : (most > 0 ? most : 1);
    ro.n_logits = 1;
    ro.kv_type = o->kv_type;
    ro.n_threads = o->n_threads ? o->n_threads : cpu_physical_cores();
    static Pool pool;
    if (pool_init(&pool, ro.n_threads, e)) return 1;
    size_t weights = m.map.size, w_token = bench_bytes_per_token(&m);
    /* a generated token also reads the K and V of every position before it: on average
       depth + (n_gen + 1) / 2 of them */
    size_t kv_pos = (size_t)m.hp.n_layer * 2 * m.hp.n_head_kv * m.hp.head_dim * (o->kv_type == T_F16 ? 2 : 4);
    size_t kv_token = n_gen ? kv_pos * (size_t)(depth + (n_gen + 1) / 2) : 0, per_token = w_token + kv_token;
    double bw_map = bench_bandwidth(&pool, m.gguf.base + m.gguf.data_off, m.map.size - m.gguf.data_off, 3);
    double bw_huge = bench_bandwidth_huge(&pool, w_token < (1u << 30) ? w_token : (1u << 30));
    /* both ways of holding the weights, unless one was asked for: mapping first */
    int modes[2], n_modes = 0;
    if (o->hugepages != 1) modes[n_modes++] = 0;
    if (o->hugepages != 0) modes[n_modes++] = 1;
    const HParams *hp = &m.hp;
    char size[32], params[32], type[96];
    fmt_size(size, sizeof size, (double)weights);
    snprintf(params, sizeof params, "%.2f B", m.n_params / 1e9);
    size_t by[T_COUNT] = { 0 };     /* the dominant weight type names the model */
    for (uint64_t i = 0; i < m.gguf.n_tensors; i++) {
        GgufTensor t;
        gguf_tensor_at(&m.gguf, i, &t);
        by[t.type] += t.nbytes;
    }
    int dom = 0;
    for (int t = 0; t < T_COUNT; t++) if (by[t] > by[dom]) dom = t;
    char quant[16];                                   /* a synthetic model's quant as named, in capitals */
    snprintf(quant, sizeof quant, "%s", o->synthetic && strchr(o->synthetic, ':') ? strchr(o->synthetic, ':') + 1
                                                                                  : type_name((uint32_t)dom));
    for (char *c = quant; *c; c++) if (*c >= 'a' && *c <= 'z') *c = (char)(*c - 32);
    snprintf(type, sizeof type, "%.*s %.1fB %s", (int)hp->arch.n, hp->arch.p, m.n_params / 1e9, quant);
    const char *fname = o->synthetic ? o->synthetic : (strrchr(path, '/') ? strrchr(path, '/') + 1 : path);
    if (o->json) printf("[\n");
    else printf("| model | size | params | threads | weights in | test | t/s |\n| --- | ---: | ---: | ---: | --- | ---: | ---: |\n");
    int first = 1;
    double tg_frac[2] = { 0, 0 }, tg_bw[2] = { 0, 0 };   /* per mode: mean of the repetitions' */
    double tg_bw_min[2] = { 0, 0 }, tg_bw_max[2] = { 0, 0 }, tg_drift[2] = { 0, 0 };
    Arena a = { 0 };
    for (int mi = 0; mi < n_modes; mi++) {
        int huge = modes[mi];
        if (huge && model_to_hugepages(&m, path, e)) return 1;
        Budget b = { 0 };
        state_budget(&m, &ro, &b);
        State st;
        arena_destroy(&a);
        if (arena_create(&a, b.total, e) || state_init(&st, &a, &m, &ro, &pool, e)) return 1;
        BenchResult res = { n_prompt, n_gen, o->bench_reps, depth, { { 0 } }, { 0 }, { 0 } };
        if (bench_run(&st, &res, e)) return 1;
        double mean[2], sd[2];
        bench__stats(res.samples[0], res.reps, &mean[0], &sd[0]);
        bench__stats(res.samples[1], res.reps, &mean[1], &sd[1]);
        for (int i = 0; i < res.reps && n_gen; i++) {
            tg_frac[huge] += res.samples[1][i] * (double)per_token / res.bw[i] / res.reps;
            tg_bw[huge] += res.bw[i] / res.reps;
            if (!i || res.bw_lo[i] < tg_bw_min[huge]) tg_bw_min[huge] = res.bw_lo[i];
            if (res.bw[i] > tg_bw_max[huge]) tg_bw_max[huge] = res.bw[i];
            if (res.bw[i] / res.bw_lo[i] - 1 > tg_drift[huge]) tg_drift[huge] = res.bw[i] / res.bw_lo[i] - 1;
        }
        for (int k = 0; k < 2; k++) {
            int nt = k ? n_gen : n_prompt;
            if (!nt) continue;
            if (!o->json) {
                char at[32] = "";
                if (depth) snprintf(at, sizeof at, " @ d%d", depth);       /* llama-bench's name */
                printf("| %s | %s | %s | %d | %s | %s%d%s | %.2f ± %.2f |\n", type, size, params, ro.n_threads,
                       huge ? "huge pages" : "file mapping", k ? "tg" : "pp", nt, at, mean[k], sd[k]);
                continue;
            }
            printf("%s  {\n    \"build_commit\": \"%s\",\n    \"cpu_info\": \"%s\",\n    \"backends\": \"CPU\",\n"
                   "    \"model_filename\": \"%s\",\n    \"model_type\": \"%s\",\n    \"model_size\": %zu,\n"
                   "    \"model_n_params\": %llu,\n    \"n_batch\": %d,\n    \"n_threads\": %d,\n"
                   "    \"type_k\": \"%s\",\n    \"type_v\": \"%s\",\n    \"hugepages\": %s,\n"
                   "    \"n_prompt\": %d,\n    \"n_gen\": %d,\n    \"n_depth\": %d,\n    \"avg_ns\": %.0f,\n"
                   "    \"avg_ts\": %.6f,\n    \"stddev_ts\": %.6f,\n    \"samples_ns\": [",
                   first ? "" : ",\n", LLM_VERSION, LLM_ARCH, fname, type, weights, (unsigned long long)m.n_params,
                   ro.n_batch, ro.n_threads, ro.kv_type == T_F16 ? "f16" : "f32", ro.kv_type == T_F16 ? "f16" : "f32",
                   huge ? "true" : "false", k ? 0 : n_prompt, k ? n_gen : 0, depth, 1e9 * nt / mean[k], mean[k], sd[k]);
            for (int i = 0; i < res.reps; i++) printf("%s%.0f", i ? ", " : " ", 1e9 * nt / res.samples[k][i]);
            printf(" ],\n    \"samples_ts\": [");
            for (int i = 0; i < res.reps; i++) printf("%s%.6f", i ? ", " : " ", res.samples[k][i]);
            double bw = n_gen ? tg_bw[huge] : huge ? bw_huge : bw_map;   /* the weights' own, when measured */
            printf(" ],\n    \"bandwidth_gbs\": %.2f,\n    \"limit_ts\": %.3f\n  }", bw / 1e9, bw / (double)per_token);
            first = 0;
        }
    }
    if (o->json) printf("\n]\n");
    else {
        printf("\nmemory read bandwidth (%d threads): file mapping %.1f GB/s, huge pages %.1f GB/s\n", ro.n_threads,
               bw_map / 1e9, bw_huge / 1e9);
        char kv[96] = "", kvs[32];
        fmt_size(kvs, sizeof kvs, (double)kv_token);
        if (depth && n_gen) snprintf(kv, sizeof kv, " and %s of KV cache", kvs);
        printf("generation reads %.1f MiB of weights%s per token: limit %.1f t/s (file mapping), %.1f t/s (huge pages)\n",
               w_token / 1048576.0, kv, bw_map / per_token, bw_huge / per_token);
        for (int mi = 0; mi < n_modes && n_gen; mi++) {
            int h = modes[mi];
            printf("tg%d reaches %.0f%% of the limit with %s (the weights read at %.1f-%.1f GB/s just before and "
                   "after each run; each run against the faster read)\n",
                   n_gen, 100 * tg_frac[h], h ? "huge pages" : "the file mapping", tg_bw_min[h] / 1e9, tg_bw_max[h] / 1e9);
            if (tg_drift[h] > 0.10)
                printf("the read bandwidth moved by up to %.0f%% within one run (%s): the fraction is uncertain; "
                       "repeat, or run with more -r\n", 100 * tg_drift[h], h ? "huge pages" : "file mapping");
        }
    }
    fflush(stdout);
    pool_free(&pool);
    arena_destroy(&a);
    model_free(&m);
    return 0;
}

/* ---- the REPL: chat on a terminal, a serial line, SSH or a pipe ----
 *
 * On a terminal the line is edited here, in raw mode, with nothing but characters,
 * backspace-space-backspace and newlines on the screen: no escape sequences, so the
 * dumbest terminal and a 115200-baud serial console show it right. Keys: Backspace,
 * Ctrl-U (line), Ctrl-W (word), Up/Down (history), Ctrl-C (clear the line), Ctrl-D on
 * an empty line (leave). During an answer the terminal is back in its normal mode, so
 * Ctrl-C is a signal, which stops the answer and returns to the prompt. With standard
 * input not a terminal, each line is a turn and the answers are printed plainly. */

#define REPL_LINE_MAX (64 << 10)
#define REPL_HIST 64

typedef struct {
    int tty;
    struct termios cooked;
    int raw;
    char hist[REPL_HIST][1024];
    int n_hist;
    FILE *in;
} Repl;

static Repl *repl__active;   /* for restoring the terminal at exit */

static void repl__cooked(Repl *r) {
    if (r->tty && r->raw) tcsetattr(0, TCSADRAIN, &r->cooked), r->raw = 0;
}

static void repl__atexit(void) { if (repl__active) repl__cooked(repl__active); }

static void repl__raw(Repl *r) {
    if (!r->tty || r->raw) return;
    struct termios t = r->cooked;   /* TCSADRAIN below: keys typed during an answer are kept */
    t.c_lflag &= ~(tcflag_t)(ECHO | ICANON | ISIG | IEXTEN);
    t.c_iflag &= ~(tcflag_t)(IXON | ICRNL | INLCR | ISTRIP | BRKINT);
    t.c_cc[VMIN] = 1, t.c_cc[VTIME] = 0;
    tcsetattr(0, TCSADRAIN, &t);
    r->raw = 1;
}

static void repl__put(const char *s, size_t n) { sess__write(1, s, n); }
static void repl__puts(const char *s) { repl__put(s, strlen(s)); }

/* Erases the last k characters of the line on the screen. */
static void repl__rub(const char *buf, size_t from, size_t to) {
    for (size_t i = from; i < to; i++)
        if (((uint8_t)buf[i] & 0xC0) != 0x80) repl__puts("\b \b");
}

static void repl__sigint(int sig) { (void)sig; sess_interrupt = 1; }

/* Reads one line: 1 a line, 0 end of input, 2 cancelled with Ctrl-C. */
static int repl_getline(Repl *r, const char *prompt, char *buf, size_t cap, size_t *n) {
    *n = 0;
    if (!r->tty) {
        if (!fgets(buf, (int)cap, r->in)) return 0;
        *n = strcspn(buf, "\n");
        if (*n && buf[*n - 1] == '\r') (*n)--;
        buf[*n] = 0;
        return 1;
    }
    repl__raw(r);
    repl__puts(prompt);
    int h = r->n_hist;
    for (;;) {
        uint8_t ch;
        ssize_t got = read(0, &ch, 1);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) { repl__puts("\n"); return 0; }
        size_t L = *n;
        if (ch == '\r' || ch == '\n') { repl__puts("\n"); buf[L] = 0; break; }
        if (ch == 3) { repl__puts("^C\n"); *n = 0; buf[0] = 0; return 2; }
        if (ch == 4) { if (!L) { repl__puts("\n"); return 0; } continue; }
        if (ch == 127 || ch == 8) {
            size_t k = L;
            while (k > 0 && ((uint8_t)buf[k - 1] & 0xC0) == 0x80) k--;
            if (k > 0) k--;
            repl__rub(buf, k, L);
            *n = k;
        } else if (ch == 21) {
            repl__rub(buf, 0, L);
            *n = 0;
        } else if (ch == 23) {
            size_t k = L;
            while (k > 0 && buf[k - 1] == ' ') k--;
            while (k > 0 && buf[k - 1] != ' ') k--;
            repl__rub(buf, k, L);
            *n = k;
        } else if (ch == 27) {                     /* ESC [ A / ESC O A and friends */
            uint8_t seq[8];
            size_t sn = 0;
            while (sn < sizeof seq && read(0, &seq[sn], 1) == 1) {
                if (sn > 0 && seq[sn] >= 0x40 && seq[sn] <= 0x7e) { sn++; break; }
                if (sn == 0 && seq[0] != '[' && seq[0] != 'O') { sn++; break; }
                sn++;
            }
            char fin = sn ? (char)seq[sn - 1] : 0;
            if (fin == 'A' && h > 0 && r->n_hist - (h - 1) <= REPL_HIST) h--;
            else if (fin == 'B' && h < r->n_hist) h++;
            else continue;
            {
                const char *hl = h < r->n_hist ? r->hist[h % REPL_HIST] : "";
                repl__rub(buf, 0, L);
                size_t k = strlen(hl) < cap - 1 ? strlen(hl) : cap - 1;
                memcpy(buf, hl, k);
                *n = k;
                repl__put(buf, k);
            }
        } else if (ch == '\t' || ch >= 0x20) {
            if (L + 1 < cap) { buf[L] = (char)ch; *n = L + 1; repl__put((char *)&ch, 1); }
        }
    }
    if (*n && *n < sizeof r->hist[0] && (!r->n_hist || strcmp(r->hist[(r->n_hist - 1) % REPL_HIST], buf))) {
        memcpy(r->hist[r->n_hist % REPL_HIST], buf, *n + 1);
        r->n_hist++;
    }
    return 1;
}

/* A whole input: a line; a line ending in \ goes on; a """ line starts a block that
 * ends at the next """ line. 1 input, 0 end, 2 cancelled. */
static int repl_read(Repl *r, char *buf, size_t cap, size_t *n) {
    size_t len = 0, got;
    int block = 0;
    for (;;) {
        int k = repl_getline(r, len || block ? "... " : "> ", buf + len, cap - len, &got);
        if (k != 1) return k == 0 && len ? (buf[len] = 0, *n = len, 1) : k;
        if (!block && len == 0 && got == 3 && !memcmp(buf, "\"\"\"", 3)) { block = 1; continue; }
        if (block && got == 3 && !memcmp(buf + len, "\"\"\"", 3)) {
            if (len && buf[len - 1] == '\n') len--;
            break;
        }
        len += got;
        if (block) { if (len + 1 < cap) buf[len++] = '\n'; continue; }
        if (len && buf[len - 1] == '\\') { buf[len - 1] = '\n'; continue; }
        break;
    }
    buf[len] = 0;
    *n = len;
    return 1;
}

static void repl__help(int chat) {
    repl__puts("Type a message and press Enter; the answer streams back. Ctrl-C stops an answer or clears the line,\n"
               "Ctrl-D leaves. A line ending in \\ continues on the next line; \"\"\" on its own line starts and ends\n"
               "a block of several lines. Backspace, Ctrl-U and Ctrl-W edit; Up and Down recall earlier lines.\n"
               "/help              this text\n");
    if (chat)
        repl__puts("/reset             forget the conversation (the system prompt stays)\n"
                   "/system TEXT       set the system prompt (/system alone removes it)\n"
                   "/save FILE         write the conversation as JSON messages\n"
                   "/load FILE         read a conversation written by /save\n");
    repl__puts("/set NAME VALUE    temp, top-k, top-p, min-p, seed or n (tokens per answer, -1 = no limit)\n"
               "/info              model, context used and left, speed of the last answer\n"
               "/quit              leave (also Ctrl-D)\n");
}

typedef struct {
    Session *s;
    Chat *chat;               /* NULL: plain completion of each line */
    GenParams *gp;
    const char *model_path, *tmpl_name;
} ReplCtx;

/* A command line: 1 to leave, 0 otherwise (errors are printed). */
static int repl_command(ReplCtx *x, char *line) {
    char *arg = line + strcspn(line, " \t");
    if (*arg) *arg++ = 0;
    while (*arg == ' ' || *arg == '\t') arg++;
    Err e = { { 0 } };
    Chat *c = x->chat;
    Session *s = x->s;
    char out[600];
    if (!strcmp(line, "/quit") || !strcmp(line, "/exit")) return 1;
    if (!strcmp(line, "/help")) { repl__help(c != NULL); return 0; }
    if (!strcmp(line, "/info")) {
        const HParams *hp = &s->m->hp;
        int used = c ? c->n_cache : s->st.n_past, n_ctx = s->st.o.n_ctx;
        snprintf(out, sizeof out, "model: %s (%.*s, %.1f M parameters)%s%s\ncontext: %d of %d tokens used, %d left\n",
                 x->model_path, (int)hp->arch.n, hp->arch.p, s->m->n_params / 1e6, c ? ", chat template: " : ", no chat template",
                 c ? x->tmpl_name : "", used, n_ctx, n_ctx - used);
        repl__puts(out);
        if (s->n_gen || s->n_prompt) {
            snprintf(out, sizeof out, "last answer: %d tokens, %.1f tokens/s; prompt: %d tokens evaluated (%.1f t/s)%s",
                     s->n_gen, s->n_gen / (s->t_gen > 0 ? s->t_gen : 1e-9), s->n_prompt,
                     s->n_prompt / (s->t_prompt > 0 ? s->t_prompt : 1e-9), c ? "" : "\n");
            repl__puts(out);
            if (c) {
                snprintf(out, sizeof out, ", %d reused from the cache\n", c->last_reused);
                repl__puts(out);
            }
        }
        return 0;
    }
    if (!strcmp(line, "/set")) {
        char name[32] = "";
        double v = 0;
        char *end = NULL;
        sscanf(arg, "%31s", name);
        const char *val = arg + strlen(name);
        while (*val == ' ') val++;
        v = strtod(val, &end);
        if (!*name || !*val || (end && *end)) { repl__puts("usage: /set temp|top-k|top-p|min-p|seed|n VALUE\n"); return 0; }
        if (!strcmp(name, "temp") && v >= 0 && v <= 100) s->samp.p.temp = (float)v;
        else if (!strcmp(name, "top-k") && v >= 0 && v == (int)v) s->samp.p.top_k = (int)v;
        else if (!strcmp(name, "top-p") && v >= 0 && v <= 1) s->samp.p.top_p = (float)v;
        else if (!strcmp(name, "min-p") && v >= 0 && v <= 1) s->samp.p.min_p = (float)v;
        else if (!strcmp(name, "seed") && v >= 0 && v == floor(v)) s->samp.p.seed = s->samp.rng = (uint64_t)v;
        else if (!strcmp(name, "n") && v >= -1 && v == (int)v) x->gp->n_predict = (int)v;
        else { snprintf(out, sizeof out, "/set: %s %s is not a known setting or is out of range\n", name, val); repl__puts(out); return 0; }
        snprintf(out, sizeof out, "%s = %s\n", name, val);
        repl__puts(out);
        return 0;
    }
    if (!c && (!strcmp(line, "/reset") || !strcmp(line, "/system") || !strcmp(line, "/save") || !strcmp(line, "/load"))) {
        snprintf(out, sizeof out, "%s needs chat mode: this model has no chat template (give --template NAME)\n", line);
        repl__puts(out);
        return 0;
    }
    if (!strcmp(line, "/reset")) { chat_reset(c); repl__puts("conversation cleared\n"); return 0; }
    if (!strcmp(line, "/system")) {
        if (chat_set_system(c, arg, strlen(arg))) repl__puts("/system: the text is too long\n");
        else repl__puts(*arg ? "system prompt set\n" : "system prompt removed\n");
        return 0;
    }
    if (!strcmp(line, "/save") || !strcmp(line, "/load")) {
        if (!*arg) { snprintf(out, sizeof out, "usage: %s FILE\n", line); repl__puts(out); return 0; }
        int r = line[1] == 's' ? chat_save(c, arg, &e) : chat_load(c, arg, &e);
        if (r) snprintf(out, sizeof out, "%s: %.500s\n", line, e.msg);
        else snprintf(out, sizeof out, "%s %d messages %s %.400s\n", line[1] == 's' ? "saved" : "loaded", c->n_msg,
                      line[1] == 's' ? "to" : "from", arg);
        repl__puts(out);
        return 0;
    }
    snprintf(out, sizeof out, "unknown command %.100s (/help lists them)\n", line);
    repl__puts(out);
    return 0;
}

static int cli__repl(ReplCtx *x, Err *e) {
    static Repl r;
    static char line[REPL_LINE_MAX];
    r.tty = isatty(0) && tcgetattr(0, &r.cooked) == 0;
    r.in = stdin;
    repl__active = &r;
    atexit(repl__atexit);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = repl__sigint;                  /* no SA_RESTART: a read is interrupted */
    sigaction(SIGINT, &sa, NULL);
    if (r.tty)
        log_msg(LOG_INFO, "llm: %s with %s%s%s; /help for commands, Ctrl-D to leave\n", x->chat ? "chat" : "completion",
                x->model_path, x->chat ? ", template: " : " (no chat template: each line is completed as it is)",
                x->chat ? x->tmpl_name : "");
    for (;;) {
        size_t n;
        sess_interrupt = 0;
        int k = repl_read(&r, line, sizeof line, &n);
        if (k == 0) break;
        if (k == 2) continue;
        if (!r.tty && sess_interrupt) break;
        size_t a = 0;
        while (a < n && isspace((uint8_t)line[a])) a++;
        if (a == n) continue;
        if (line[a] == '/') {
            if (repl_command(x, line + a)) break;
            continue;
        }
        repl__cooked(&r);                         /* Ctrl-C is a signal during the answer */
        Err te = { { 0 } };
        int rc;
        if (x->chat) rc = chat_turn(x->chat, line, n, x->gp, &te);
        else {
            x->s->st.n_past = 0;
            rc = sess_generate(x->s, line, n, x->gp, &te);
        }
        if (sess_interrupt && r.tty) repl__puts("\n[stopped]");
        repl__puts("\n");
        if (rc) {
            fprintf(stderr, "llm: %s\n", te.msg);
            if (!r.tty && !strstr(te.msg, "does not fit") && !strstr(te.msg, "too long")) {
                repl__cooked(&r);
                return err_set(e, "%s", te.msg);
            }
        }
        if (!r.tty && sess_interrupt) break;
    }
    repl__cooked(&r);
    return 0;
}

/* --info of a model fetched as safetensors: what its config.json says. */
static int cli__info_config(const char *id, const char *path, Err *e) {
    FileMap f;
    if (file_map(&f, path, e)) return -1;
    Arena a;
    if (arena_create(&a, (4u << 20) + 8 * f.size, e)) { file_unmap(&f); return -1; }
    JsonVal *c;
    int rc = json_parse(&a, f.data ? (const char *)f.data : "", f.size, &c, e);
    if (!rc && c->type != JSON_OBJ) rc = err_set(e, "%s is not a JSON object", path);
    if (!rc) {
        const JsonVal *ar = json_at(json_get(c, "architectures"), 0);
        printf("model:          %s (safetensors; conversion to GGUF is not implemented yet)\n", id);
        printf("architecture:   %.*s\n", ar && ar->type == JSON_STR ? (int)ar->s.n : 1, ar && ar->type == JSON_STR ? ar->s.p : "?");
        static const char *keys[] = { "model_type", "hidden_size", "num_hidden_layers", "num_attention_heads",
                                      "num_key_value_heads", "intermediate_size", "vocab_size", "max_position_embeddings",
                                      "rope_theta", "rms_norm_eps", "torch_dtype", "tie_word_embeddings" };
        for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) {
            const JsonVal *v = json_get(c, keys[k]);
            if (!v) continue;
            char buf[256];
            long n = json_write(v, -1, buf, sizeof buf, e);
            if (n < 0) { e->msg[0] = 0; continue; }
            printf("%-15s %.*s\n", keys[k], (int)n, buf);
        }
    }
    arena_destroy(&a);
    file_unmap(&f);
    return rc;
}

/* A chat template named on the command line: a built-in (chatml, llama2, ...), a Jinja
 * file, or a tokenizer_config.json, whose chat_template is a string or a list of
 * {"name", "template"} (the one named "default" is used). The text lives in fm or a. */
static int cli__load_template(const char *arg, FileMap *fm, Arena *a, const char **src, size_t *n, Err *e) {
    memset(fm, 0, sizeof *fm);
    memset(a, 0, sizeof *a);
    if (access(arg, F_OK) != 0 && tmpl_builtin(arg)) {
        *src = tmpl_builtin(arg), *n = strlen(*src);
        return 0;
    }
    if (file_map(fm, arg, e)) {
        char m[sizeof e->msg];
        snprintf(m, sizeof m, "%.400s (built-in templates: chatml, llama2, llama3, zephyr, gemma, mistral, phi3)", e->msg);
        strcpy(e->msg, m);
        return -1;
    }
    *src = fm->data ? (const char *)fm->data : "", *n = fm->size;
    size_t L = strlen(arg);
    if (L < 5 || strcmp(arg + L - 5, ".json")) return 0;
    JsonVal *v;
    if (arena_create(a, (1u << 20) + 8 * fm->size, e)) return -1;
    if (json_parse(a, *src, *n, &v, e)) return -1;
    const JsonVal *ct = json_get(v, "chat_template");
    if (ct && ct->type == JSON_ARR) {
        const JsonVal *pick = NULL;
        for (size_t k = 0; k < ct->n; k++)
            if (str_eq(json_get_str(ct->kids[k], "name", (Str){ "", 0 }), "default") || !pick) pick = ct->kids[k];
        ct = json_get(pick, "template");
    }
    if (!ct || ct->type != JSON_STR) return err_set(e, "%s has no chat_template (a string, or a list of {\"name\", \"template\"})", arg);
    *src = ct->s.p, *n = ct->s.n;
    return 0;
}

/* --render-template FILE --context CONTEXT.json: the rendering alone on stdout. The
 * template runs in an arena sized from the inputs, with the interpreter's step bound. */
static int cli__render_template(const Opts *o, Err *e) {
    FileMap tf, cf = { 0 };
    Arena ta;
    const char *src;
    size_t n;
    if (cli__load_template(o->render_template, &tf, &ta, &src, &n, e)) return -1;
    if (o->context && file_map(&cf, o->context, e)) return -1;
    const char *cj = o->context ? (cf.data ? (const char *)cf.data : "") : "{}";
    size_t cn = o->context ? cf.size : 2, cap = (8u << 20) + 4 * (n + cn);
    Arena a;
    if (arena_create(&a, (64u << 20) + 16 * (n + cn) + cap, e)) return -1;
    JsonVal *ctx;
    char *out = arena_alloc(&a, cap);
    size_t len = 0;
    int r = json_parse(&a, cj, cn, &ctx, e);
    if (!r && ctx->type != JSON_OBJ) r = err_set(e, "%s: the context must be a JSON object of variables", o->context);
    if (!r) r = tmpl_render(&a, src, n, ctx, out, cap, &len, e);
    if (!r) {
        fwrite(out, 1, len, stdout);
        fflush(stdout);
    }
    arena_destroy(&a);
    arena_destroy(&ta);
    file_unmap(&tf);
    file_unmap(&cf);
    return r;
}

int main(int argc, char **argv) {
    Opts o;
    int r = cli_parse(argc, argv, &o);
    if (r) return r > 0 ? 0 : 2;
    Err e = { { 0 } };
    char path[4096];
    if (o.render_template) {
        if (cli__render_template(&o, &e)) goto fail;
        return 0;
    }
    if (o.context) {
        err_set(&e, "--context goes with --render-template");
        goto fail;
    }
    char models_dir[4096];
    cli__models_dir(&o, models_dir, sizeof models_dir);
    if (o.fetch || o.fetch_list || o.login) {
        static Hub hub;
        if (hub_init(&hub, models_dir, o.token_file, o.cacert, o.timeout, o.retries, &e)) goto fail;
        hub.offline |= o.offline;
        hub.dry_run = o.dry_run;
        if (o.login) r = hub_login(&hub, &e);
        else if (o.fetch) r = hub_fetch(&hub, o.fetch, &e);
        else r = hub_fetch_list(&hub, o.fetch_list, o.keep_going, &e);
        hub_free(&hub);
        if (r) goto fail;
        return 0;
    }
    if (o.list) return hub_list(models_dir, &e) ? (fprintf(stderr, "llm: %s\n", e.msg), 1) : 0;
    if (o.rm) return hub_rm(models_dir, o.rm, &e) ? (fprintf(stderr, "llm: %s\n", e.msg), 1) : 0;
    if (o.model) {
        r = hub_resolve_model(models_dir, o.model, path, sizeof path, &e);
        if (r < 0) goto fail;
        if (r == 1) snprintf(path, sizeof path, "%s", o.model);
        if (r == 2) {
            if (o.info) return cli__info_config(o.model, path, &e) ? (fprintf(stderr, "llm: %s\n", e.msg), 1) : 0;
            err_set(&e, "%s was fetched as safetensors; converting it to GGUF is not implemented yet "
                    "(llm --info -m %s shows its config)", o.model, o.model);
            goto fail;
        }
    }
    else if (!o.synthetic && cli__default_model(&o, path, sizeof path, &e)) goto fail;
    if (o.synthetic && !o.bench) {
        err_set(&e, "--synthetic works with --bench");
        goto fail;
    }
    if (o.bench) {
        r = cli__bench(&o, path, &e);
        if (r == 1) goto fail;
        return r;
    }

    if (o.chat && o.no_chat) { err_set(&e, "--chat and --no-chat contradict each other"); goto fail; }
    const char *text = NULL;
    size_t text_len = 0;
    FileMap text_map = { 0 }, tmpl_map = { 0 };
    Arena tmpl_arena = { 0 };
    char *stdin_buf = NULL;
    if (o.prompt) text = o.prompt, text_len = strlen(o.prompt);
    else if (o.prompt_file) {
        if (file_map(&text_map, o.prompt_file, &e)) goto fail;
        text = (const char *)text_map.data, text_len = text_map.size;
        if (!text) text = "";
    }
    if ((o.perplexity || o.tokenize) && !text && isatty(0)) {
        err_set(&e, "%s needs a text: -f FILE or -p TEXT", o.perplexity ? "--perplexity" : "--tokenize");
        goto fail;
    }

    static Model m;
    if (model_load(&m, path, &e)) goto fail;
    const HParams *hp = &m.hp;
    const char *force = getenv("LLM_FORCE_REF");
    kern_init(force && *force && strcmp(force, "0"));
    if (log_level >= LOG_VERBOSE) {
        int used[T_COUNT] = { 0 };
        for (uint64_t i = 0; i < m.gguf.n_tensors; i++) {
            GgufTensor t;
            gguf_tensor_at(&m.gguf, i, &t);
            used[t.type] = 1;
        }
        log_msg(LOG_VERBOSE, "llm: kernels:");
        for (int t = 0; t < T_COUNT; t++)
            if (used[t]) {
                int q = kern_type(t)->vec_dot_type;
                if (q < 0 || q >= T_COUNT) continue;
                int l1 = 0;
                for (size_t i = 0; kern__gen_variants[i].type >= 0; i++)
                    l1 |= kern_impl[t].gen && kern__gen_variants[i].fn_l1 == kern_impl[t].gen;
                log_msg(LOG_VERBOSE, " %s %s%s%s%s%s%s (activations %s %s)", type_name((uint32_t)t),
                        isa_names[kern_impl[t].isa], kern_impl[t].tile ? " tiled" : "", kern_impl[t].batch ? " batch" : "",
                        kern_impl[t].gen ? " gen-prepared" : kern_impl[t].gemv ? " gemv" : "", l1 ? " prefetcht0" : "",
                        force && *force && strcmp(force, "0") ? " (LLM_FORCE_REF)" : "", type_name((uint32_t)q),
                        kern_impl[q].quant_act == kern_type(q)->from_float_act ? "ref" : "simd");
            }
        if (kern_attn_isa == kern_swiglu_isa) log_msg(LOG_VERBOSE, " attention+swiglu %s\n", isa_names[kern_attn_isa]);
        else log_msg(LOG_VERBOSE, " attention %s swiglu %s\n", isa_names[kern_attn_isa], isa_names[kern_swiglu_isa]);
    }
    if (!o.info && !o.tokenize && cli__want_hugepages(&o, m.map.size)) {
        int lvl = log_level;
        if (o.hugepages < 0 && log_level < LOG_VERBOSE) log_level = LOG_QUIET;   /* the default: say it only with --verbose */
        int hr = model_to_hugepages(&m, path, &e);
        log_level = lvl;
        if (hr) goto fail;
    }
    /* chat or completion: the model's chat template (or --template), and where the text comes from */
    const char *tmpl = NULL, *tmpl_name = "";
    size_t tmpl_n = 0;
    if (o.template_) {
        if (cli__load_template(o.template_, &tmpl_map, &tmpl_arena, &tmpl, &tmpl_n, &e)) {
            char msg[sizeof e.msg];
            snprintf(msg, sizeof msg, "--template: %.480s", e.msg);
            strcpy(e.msg, msg);
            goto fail;
        }
        tmpl_name = o.template_;
    } else {
        Str ct = gguf_get_str(&m.gguf, "tokenizer.chat_template");
        if (ct.n) tmpl = ct.p, tmpl_n = ct.n, tmpl_name = "the model's own";
    }
    int interactive = !text && !o.info && !o.tokenize && !o.perplexity;
    int chat = !o.no_chat && (o.chat || (interactive && tmpl));
    if (chat && !tmpl) {
        err_set(&e, "--chat needs a chat template and this model has none: give --template NAME|FILE (chatml, llama2, "
                "llama3, zephyr, gemma, mistral, phi3)");
        goto fail;
    }
    if (chat && (o.tokenize || o.perplexity || o.info)) chat = 0;
    int repl = interactive && (chat || isatty(0));      /* turns line by line (or lines completed on a terminal) */
    if (interactive && !chat && !o.no_chat)
        log_msg(LOG_INFO, "llm: %s has no chat template: plain completion (--template NAME for a chat)\n", path);
    if (!text && !repl && !o.info) {                   /* the prompt is all of standard input */
        if (!(stdin_buf = cli__read_stdin(&text_len, &e))) goto fail;
        text = stdin_buf;
    }
    if (o.perplexity && !text_len) { err_set(&e, "--perplexity needs a text: -f FILE"); goto fail; }

    RunOpts ro;
    ro.n_ctx = o.n_ctx ? o.n_ctx : (hp->n_ctx_train < 4096 ? hp->n_ctx_train : 4096);
    ro.n_batch = o.n_batch < ro.n_ctx ? o.n_batch : ro.n_ctx;
    ro.n_logits = o.perplexity ? ro.n_batch : 1;
    ro.kv_type = o.kv_type;
    ro.n_threads = o.n_threads ? o.n_threads : cpu_physical_cores();
    if (ro.n_threads > LLM_MAX_THREADS) ro.n_threads = LLM_MAX_THREADS;
    if (o.n_ctx > hp->n_ctx_train)
        log_msg(LOG_INFO, "llm: note: -c %d is more than the %d tokens the model was trained for\n",
                o.n_ctx, hp->n_ctx_train);

    /* the memory plan */
    TokCounts tc = tok_counts(&m.gguf);
    Budget b = { 0 };
    int toks_cap = (o.tokenize || o.perplexity) ? (int)(text_len < INT_MAX - 8 ? text_len + 8 : INT_MAX) : ro.n_ctx + 8;
    size_t pend_cap = 4096;
    for (int i = 0; i < o.gp.n_stops; i++) pend_cap += 2 * strlen(o.gp.stops[i]);
    budget_add(&b, "vocabulary", tok_desc_mem_size(tc) + tok_plan_size(&m.gguf, tc));
    budget_add(&b, "token buffer", (size_t)toks_cap * 4);
    size_t scratch_text = chat ? chat_render_cap(ro.n_ctx) : repl ? REPL_LINE_MAX : text_len;
    budget_add(&b, "tokenizer scratch", tok_scratch_size(scratch_text));
    if (chat) budget_add(&b, "chat (conversation, template, cache record)", chat_mem_size(ro.n_ctx, tmpl_n));
    if (!o.tokenize) {
        state_budget(&m, &ro, &b);
        budget_add(&b, "sampler", samp_mem_size(hp->n_vocab, &o.sp));
        budget_add(&b, "output buffer", pend_cap);
    }
    size_t weights = m.map.size;
    if (o.mem_limit && (uint64_t)(b.total + weights) > (uint64_t)o.mem_limit) {
        char s1[32], s2[32], s3[32], s4[32], s5[32];
        snprintf(e.msg, sizeof e.msg, "this run needs %s (weights %s + arena %s, of which KV cache %s) but "
                 "--mem-limit is %s; use a smaller -c or -b, or a smaller quant",
                 fmt_size(s1, 32, (double)(b.total + weights)), fmt_size(s2, 32, (double)weights),
                 fmt_size(s3, 32, (double)b.total), fmt_size(s4, 32, (double)state__kv_bytes(&m, &ro)),
                 fmt_size(s5, 32, (double)o.mem_limit));
        goto fail;
    }
    Arena arena;
    if (arena_create(&arena, b.total, &e)) goto fail;
    TokDesc td;
    static Tokenizer tok;
    if (tok_desc_from_gguf(&td, &arena, &m.gguf, &e) || tok_init(&tok, &arena, &td, &e)) goto fail;
    if (o.info) {
        cli__print_info(path, &m, &td, &ro, &b, weights);
        return 0;
    }
    static Session s;
    s.m = &m, s.tok = &tok, s.bos = td.bos;
    s.spm_strip = str_eq(td.model, "llama") && td.add_space_prefix != 0;
    s.toks_cap = toks_cap;
    s.toks = arena_alloc(&arena, (size_t)toks_cap * 4);
    if (!s.toks || arena_sub(&arena, &s.scratch, tok_scratch_size(scratch_text))) {
        err_set(&e, "internal error: the arena is smaller than the memory plan");
        goto fail;
    }
    if (o.tokenize) {
        int n = tok_encode(&tok, &s.scratch, text, text_len, 0, 0, s.toks, s.toks_cap, &e);
        if (n < 0) goto fail;
        for (int i = 0; i < n; i++) printf(i ? " %d" : "%d", s.toks[i]);
        printf("\n");
        return 0;
    }
    static Pool pool;
    if (pool_init(&pool, ro.n_threads, &e) || state_init(&s.st, &arena, &m, &ro, &pool, &e)) goto fail;
    if (!o.seed_given) o.sp.seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
    if (samp_init(&s.samp, &arena, hp->n_vocab, &o.sp, &e)) goto fail;
    s.pend_cap = pend_cap;
    if (!(s.pend = arena_alloc(&arena, pend_cap))) { err_set(&e, "internal error: arena too small"); goto fail; }
    {
        char s1[32], s2[32];
        log_msg(LOG_VERBOSE, "llm: %s: %.*s, %.1f M parameters, -c %d -b %d -t %d, seed %llu\n", path,
                (int)hp->arch.n, hp->arch.p, m.n_params / 1e6, ro.n_ctx, ro.n_batch, ro.n_threads,
                (unsigned long long)o.sp.seed);
        log_msg(LOG_VERBOSE, "llm: memory: weights %s mapped, arena %s\n", fmt_size(s1, 32, (double)weights),
                fmt_size(s2, 32, (double)b.total));
    }
    if (chat || repl) {
        static Chat ch;
        if (chat && chat_init(&ch, &s, &arena, tmpl, tmpl_n, &e)) goto fail;
        if (chat && o.system && chat_set_system(&ch, o.system, strlen(o.system))) { err_set(&e, "--system: the text is too long"); goto fail; }
        if (repl) {
            ReplCtx x = { &s, chat ? &ch : NULL, &o.gp, path, tmpl_name };
            if (cli__repl(&x, &e)) goto fail;
        } else {                                        /* --chat with -p or -f: one turn */
            if (chat_turn(&ch, text, text_len, &o.gp, &e)) goto fail;
            sess__write(1, "\n", 1);
            log_msg(LOG_INFO, "llm: prompt %d tokens, %.1f t/s; generated %d tokens, %.1f t/s\n", s.n_prompt,
                    s.n_prompt / (s.t_prompt > 0 ? s.t_prompt : 1e-9), s.n_gen, s.n_gen / (s.t_gen > 0 ? s.t_gen : 1e-9));
        }
    } else if (o.perplexity) {
        if (sess_perplexity(&s, text, text_len, NULL, &e)) goto fail;
    } else {
        if (sess_generate(&s, text, text_len, &o.gp, &e)) goto fail;
        log_msg(LOG_INFO, "\nllm: prompt %d tokens, %.1f t/s; generated %d tokens, %.1f t/s\n", s.n_prompt,
                s.n_prompt / (s.t_prompt > 0 ? s.t_prompt : 1e-9), s.n_gen,
                s.n_gen / (s.t_gen > 0 ? s.t_gen : 1e-9));
    }
    pool_free(&pool);
    arena_destroy(&arena);
    model_free(&m);
    file_unmap(&text_map);
    file_unmap(&tmpl_map);
    arena_destroy(&tmpl_arena);
    free(stdin_buf);
    return 0;
fail:
    fprintf(stderr, "llm: %s\n", e.msg);
    return 1;
}

#endif /* LLM_NO_MAIN */
