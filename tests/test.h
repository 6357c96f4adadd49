/* tests/test.h - the PASS/FAIL/SKIP protocol of tests/run.sh, and small helpers.
 * Include after "../llm.c" (with LLM_NO_MAIN defined). */
#include <stdio.h>

static int test_failed;

/* CHECK(name, condition, printf-style reason shown on failure) */
#define CHECK(name, cond, ...)                                   \
    do {                                                         \
        if (cond) printf("PASS %s\n", name);                     \
        else {                                                   \
            printf("FAIL %s: ", name);                           \
            printf(__VA_ARGS__);                                 \
            printf("\n");                                        \
            test_failed++;                                       \
        }                                                        \
        fflush(stdout);                                          \
    } while (0)

#define SKIP(name, ...) (printf("SKIP %s: ", name), printf(__VA_ARGS__), printf("\n"), fflush(stdout))

/* $LLM_TEST_DATA/rel, or NULL when the variable is unset or the file is absent. */
static const char *test_data(const char *rel, char *buf, size_t cap) {
    const char *d = getenv("LLM_TEST_DATA");
    if (!d || !*d) return NULL;
    snprintf(buf, cap, "%s/%s", d, rel);
    return access(buf, R_OK) == 0 ? buf : NULL;
}

static const char *test_tmp(const char *name, char *buf, size_t cap) {
    const char *d = getenv("TESTS_TMP");
    snprintf(buf, cap, "%s/%s", d && *d ? d : "/tmp", name);
    return buf;
}

/* Deterministic pseudo-random numbers for test data (independent of the sampler's). */
static uint64_t test_rng = 42;
static double test_uniform(void) {            /* [0, 1) */
    test_rng ^= test_rng << 13, test_rng ^= test_rng >> 7, test_rng ^= test_rng << 17;
    return (double)(test_rng >> 11) / 9007199254740992.0;
}
static float test_normal(float sd) {           /* Box-Muller */
    double u = test_uniform() + 1e-12, v = test_uniform();
    return (float)(sd * sqrt(-2 * log(u)) * cos(6.283185307179586 * v));
}

/* Aggregates many comparisons into one PASS/FAIL line: counts them and keeps the first
 * failure's description. */
typedef struct { long n, bad; char first[300]; } Agg;

static void agg(Agg *a, int ok, const char *fmt, ...) {
    a->n++;
    if (ok) return;
    if (!a->bad++) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(a->first, sizeof a->first, fmt, ap);
        va_end(ap);
    }
}

/* PASS when every comparison held and there was at least one. */
static void agg_check(const char *name, const Agg *a) {
    CHECK(name, a->bad == 0 && a->n > 0, "%ld of %ld wrong; first: %s", a->bad, a->n, a->first);
}

/* Reads whole file into a static-lifetime malloc'd buffer (tests only). */
static void *test_read(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    void *p = malloc((size_t)sz + 1);
    if (p && fread(p, 1, (size_t)sz, f) != (size_t)sz) { free(p); p = NULL; }
    fclose(f);
    if (p) ((char *)p)[sz] = 0;
    if (n) *n = (size_t)sz;
    return p;
}
