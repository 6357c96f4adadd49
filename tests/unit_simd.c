/* tests/unit_simd.c - SIMD variants of section 10 (kern__variants) against the reference
 * kernels, on this CPU (a variant whose ISA the CPU lacks prints SKIP).
 *
 * For every row of kern__variants:
 *   - dot: random weight rows of the row's type at 1, 2, 3, 7 blocks and a few thousand
 *     elements (float types also at odd lengths), against the reference dot of the same
 *     bytes. Weight blocks: random codes (every bit pattern, e.g. Q8_0 -128) with scales
 *     of random magnitude per block, including all-zero blocks, d = 0, the largest f16
 *     scales and f16 subnormal scales; activations: floats of random scale per block with
 *     all-zero blocks, converted by the reference from_float_act of the vec_dot_type (as
 *     the matmul does). Tolerance: |simd - ref| <= (2 nb + 16) u S for quant types (nb
 *     blocks; each block term is rounded a few times, the reference sums nb terms in
 *     float) and (n/8 + 16) u S for float types (float FMA chains of n/8 against the
 *     reference's double sum), u = 2^-24, S = sum |w_i x_i| (+ sum |m_b s_b| for Q4_1/Q5_1).
 *   - tile: one full tile_r x tile_t block with padded strides (weight rows, activation
 *     rows and output), against the reference dot of each pair (same tolerance) and the
 *     variant's own dot; output cells outside the tile must stay untouched.
 *   - quant_act: exactly the bytes of the reference from_float_act, on random rows,
 *     blocks with ties (x*127/amax exactly k + 1/2), zero, tiny (subnormal amax, 127/amax
 *     = inf), huge, inf and NaN elements; F16/BF16 also on random float bit patterns.
 *   - dispatch: kern_init(0) installs, per type, the last listed variant this CPU runs.
 */
#define LLM_NO_MAIN
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#include "../llm.c"
#include "test.h"
#include "kern_test.h"
#pragma GCC diagnostic pop

#define U24 (1.0 / 16777216.0)

static float bitsf(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }

static int is_float_type(int t) { return t == T_F32 || t == T_F16 || t == T_BF16; }
static int is_simple_q(int t) { return t == T_Q4_0 || t == T_Q4_1 || t == T_Q5_0 || t == T_Q5_1 || t == T_Q8_0; }

/* A random block scale: 0, f16 subnormal, tiny, ordinary, or the largest f16. */
static uint16_t rnd_scale(int allow_neg) {
    float v;
    switch (rnd_int(8)) {
    case 0: v = 0.0f; break;
    case 1: v = (float)(rnd_int(1023) + 1) * (1.0f / 16777216.0f); break;      /* subnormal */
    case 2: v = 65504.0f; break;
    case 3: v = (float)(test_uniform() * 1e-3); break;
    default: v = (float)(exp(test_uniform() * 12 - 8)); break;                     /* 3e-4 .. 50 */
    }
    if (allow_neg && rnd_int(2)) v = -v;
    return f32_to_f16(v);
}

/* n elements of weights of type t into w (row bytes). */
static void gen_weights(int t, uint8_t *w, int64_t n) {
    size_t bytes = type_row_size(t, n);
    for (size_t i = 0; i < bytes; i++) w[i] = (uint8_t)rnd_u32();
    if (t == T_F32) {
        float *f = (float *)w;
        for (int64_t i = 0; i < n; i++) f[i] = rnd_int(16) == 0 ? 0.0f : test_normal((float)exp(test_uniform() * 16 - 8));
    } else if (t == T_F16) {
        uint16_t *h = (uint16_t *)w;
        for (int64_t i = 0; i < n; i++) if ((h[i] & 0x7c00) == 0x7c00) h[i] &= 0xbfff;   /* no inf/NaN */
    } else if (t == T_BF16) {
        uint16_t *h = (uint16_t *)w;
        for (int64_t i = 0; i < n; i++) {     /* exponent within 2^-40 .. 2^40, some zeros */
            int e = 127 - 40 + rnd_int(81);
            h[i] = (uint16_t)((h[i] & 0x807f) | (e << 7));
            if (rnd_int(32) == 0) h[i] &= 0x8000;
        }
    } else if (is_simple_q(t)) {
        size_t bs = type_row_size(t, QK);
        for (int64_t b = 0; b < n / QK; b++) {
            uint8_t *blk = w + b * bs;
            int kind = rnd_int(10);
            if (kind == 0) memset(blk, 0, bs);                   /* all-zero block */
            else if (kind == 1) memset(blk + 2, t == T_Q8_0 ? 0x80 : 0xff, bs - 2);   /* extreme codes */
            else if (kind == 2 && t == T_Q8_0) memset(blk + 2, 0x7f, bs - 2);
            uint16_t d = rnd_scale(1);
            memcpy(blk, &d, 2);
            if (t == T_Q4_1 || t == T_Q5_1) { uint16_t m = rnd_scale(1); memcpy(blk + 2, &m, 2); }
        }
    } else {
        /* other types (K-quants, ...): quantise random floats with the reference when it can */
        const KernType *kt = kern_type(t);
        float *f = malloc((size_t)n * sizeof(float));
        for (int64_t i = 0; i < n; i++) f[i] = test_normal(1.0f);
        if (kt && kt->from_float) kt->from_float(f, w, n);
        free(f);
    }
}

/* n activation floats: per 32-element block a random scale, some zero blocks. */

static double tol_for(int t, int64_t n, double S) {
    double k = is_float_type(t) ? (double)n / 8 + 16 : 2.0 * (double)(n / (t >= T_Q2_K && t <= T_Q8_K ? QK_K : QK)) + 16;
    return k * U24 * S + 1e-30;
}


static int same(float a, float b, double tol) {
    if (isnan(a) || isnan(b)) return isnan(a) && isnan(b);
    if (isinf(a) || isinf(b)) return a == b;
    return fabs((double)a - b) <= tol;
}

static int64_t blk_of(int t) {
    if (is_float_type(t)) return 1;
    return (t >= T_Q2_K && t <= T_Q8_K) ? QK_K : QK;
}

/* ---------------- dot ---------------- */

static void test_dot(const KernVariant *v, const char *name) {
    const KernType *kt = kern_type(v->type);
    const KernType *xt = kern_type(kt->vec_dot_type);
    int64_t B = blk_of(v->type);
    int64_t lens_q[] = { 1, 2, 3, 7, 64, 176 };   /* blocks */
    int64_t lens_f[] = { 1, 2, 3, 7, 8, 15, 16, 17, 31, 33, 100, 2048, 5632, 5637 };
    Agg a = { 0 };
    for (int rep = 0; rep < 6; rep++) {
        int nl = is_float_type(v->type) ? (int)(sizeof lens_f / sizeof *lens_f) : (int)(sizeof lens_q / sizeof *lens_q);
        for (int li = 0; li < nl; li++) {
            int64_t n = is_float_type(v->type) ? lens_f[li] : lens_q[li] * B;
            uint8_t *w = malloc(type_row_size(v->type, n) + 64), *xq = malloc(type_row_size(kt->vec_dot_type, n) + 64);
            float *x = malloc((size_t)n * 4);
            gen_weights(v->type, w, n);
            gen_act(x, n);
            xt->from_float_act(x, xq, n);
            float r = kt->dot(w, xq, n), s = v->dot(w, xq, n);
            double S = abs_dot(v->type, w, xq, n), tol = tol_for(v->type, n, S);
            agg(&a, same(s, r, tol), "n=%lld rep %d: simd %.9g ref %.9g (diff %.3g, tol %.3g)", (long long)n, rep,
                s, r, fabs((double)s - r), tol);
            free(w), free(xq), free(x);
        }
    }
    agg_check(name, &a);
}

/* ---------------- tile ---------------- */

static void test_tile(const KernVariant *v, const char *name) {
    const KernType *kt = kern_type(v->type);
    const KernType *xt = kern_type(kt->vec_dot_type);
    int64_t B = blk_of(v->type);
    int nr = v->tile_r, nt = v->tile_t;
    /* the dot the driver uses for the edges: this variant's, else the one kern_init installs */
    kern_init(0);
    float (*vdot)(const void *, const void *, int64_t) = v->dot ? v->dot : kern_impl[v->type].dot;
    Agg a = { 0 };
    int64_t lens[] = { 1, 3, 7, 64, 176 };
    for (int rep = 0; rep < 3; rep++)
        for (int li = 0; li < 5; li++) {
            int64_t n = lens[li] * (is_float_type(v->type) ? 32 : B) + (is_float_type(v->type) ? rep : 0);
            size_t wrow = type_row_size(v->type, n) + 40 * rep, xrow = type_row_size(kt->vec_dot_type, n) + 64;
            int64_t os = nr + 3;
            uint8_t *w = calloc((size_t)nr, wrow), *xq = calloc((size_t)nt, xrow);
            float *x = malloc((size_t)n * 4), *out = malloc((size_t)(nt + 1) * os * 4);
            for (int r = 0; r < nr; r++) gen_weights(v->type, w + r * wrow, n);
            for (int t = 0; t < nt; t++) gen_act(x, n), xt->from_float_act(x, xq + t * xrow, n);
            for (int64_t i = 0; i < (nt + 1) * os; i++) out[i] = -12345.0f;
            v->tile(w, wrow, nr, xq, xrow, nt, n, out, os);
            for (int t = 0; t < nt; t++)
                for (int r = 0; r < nr; r++) {
                    float ref = kt->dot(w + r * wrow, xq + t * xrow, n), d = vdot(w + r * wrow, xq + t * xrow, n);
                    float got = out[t * os + r];
                    double tol = tol_for(v->type, n, abs_dot(v->type, w + r * wrow, xq + t * xrow, n));
                    agg(&a, same(got, ref, tol) && same(got, d, tol), "n=%lld r%d t%d: tile %.9g dot %.9g ref %.9g tol %.3g",
                        (long long)n, r, t, got, d, ref, tol);
                }
            int untouched = 1;
            for (int64_t i = 0; i < (nt + 1) * os; i++)
                if (i % os >= nr || i / os >= nt) untouched &= out[i] == -12345.0f;
            agg(&a, untouched, "n=%lld: wrote outside the tile", (long long)n);
            free(w), free(xq), free(x), free(out);
        }
    agg_check(name, &a);
}

/* ---------------- quant_act ---------------- */

static void special_block(float *x, int kind) {
    float amax = 127.0f;
    for (int j = 0; j < 32; j++) x[j] = test_normal(30.0f);
    switch (kind) {
    case 0: for (int j = 0; j < 32; j++) x[j] = 0.0f; break;
    case 1: /* ties: amax = 127 so x * 127/amax = x; x = k + 1/2 */
        x[0] = amax;
        for (int j = 1; j < 32; j++) x[j] = (float)(rnd_int(254) - 127) + 0.5f;
        break;
    case 2: for (int j = 0; j < 32; j++) x[j] = bitsf(rnd_u32() & 0x807fffff); break;   /* subnormals */
    case 3: for (int j = 0; j < 32; j++) x[j] = test_normal(1e-37f); break;            /* 127/amax may be inf */
    case 4: for (int j = 0; j < 32; j++) x[j] = test_normal(1e30f); break;
    case 5: x[rnd_int(32)] = INFINITY; break;
    case 6: x[rnd_int(32)] = -INFINITY; break;
    case 7: x[rnd_int(32)] = NAN; break;
    case 8: x[rnd_int(32)] = -NAN; x[rnd_int(32)] = 1e38f; break;
    case 9: for (int j = 0; j < 32; j++) x[j] = bitsf(rnd_u32()); break;   /* any bit pattern */
    case 10: x[rnd_int(32)] = 3e38f; x[rnd_int(32)] = -3e38f; break;
    default: break;
    }
}

static void test_quant_act(const KernVariant *v, const char *name) {
    const KernType *kt = kern_type(v->type);
    int64_t B = (v->type == T_Q8_0 || v->type == T_Q8_1) ? QK : v->type == T_Q8_K ? QK_K : 1;
    int64_t lens[] = { 1, 2, 3, 7, 15, 16, 17, 64, 2048, 5632, 5633 };
    Agg a = { 0 };
    for (int rep = 0; rep < 8; rep++)
        for (int li = 0; li < (int)(sizeof lens / sizeof *lens); li++) {
            int64_t n = B == 1 ? lens[li] : lens[li] * B;
            if (B > 1 && lens[li] > 200) n = (lens[li] / B) * B * 1;   /* keep it a whole number of blocks */
            if (B > 1 && n % B) continue;
            float *x = malloc((size_t)n * 4 + 128);
            gen_act(x, n);
            /* non-finite and overflowing inputs (kinds 2, 3, 5-10) make the reference's
             * float-to-int8 conversion platform-defined: the x86 kernels copy what x86
             * does; other ISAs are checked on finite, in-range blocks only */
            int x86 = v->isa == ISA_AVX2 || v->isa == ISA_AVX512 || v->isa == ISA_AVX512VNNI;
            if (rep >= 2)
                for (int64_t i = 0; i + 32 <= n; i += 32)
                    if (rnd_int(3) == 0) {
                        int kind = rnd_int(12);
                        if (x86 || kind == 0 || kind == 1 || kind == 4 || kind == 11) special_block(x + i, kind);
                    }
            if (B == 1 && rep >= 6 && x86)
                for (int64_t i = 0; i < n; i++) x[i] = bitsf(rnd_u32());
            size_t bytes = type_row_size(v->type, n);
            uint8_t *y1 = malloc(bytes + 64), *y2 = malloc(bytes + 64);
            memset(y1, 0xa5, bytes + 64), memset(y2, 0xa5, bytes + 64);
            kt->from_float_act(x, y1, n);
            v->quant_act(x, y2, n);
            size_t k = 0;
            while (k < bytes + 64 && y1[k] == y2[k]) k++;
            agg(&a, k == bytes + 64, "n=%lld rep %d: first differing byte %zu (ref %02x simd %02x)%s", (long long)n, rep, k,
                k < bytes + 64 ? y1[k] : 0, k < bytes + 64 ? y2[k] : 0, k >= bytes ? " past the end" : "");
            free(x), free(y1), free(y2);
        }
    agg_check(name, &a);
}

/* ---------------- dispatch ---------------- */

static void test_dispatch(void) {
    kern_init(0);
    Agg a = { 0 };
    for (int t = 0; t < T_COUNT; t++) {
        int want = ISA_REF;
        float (*dot)(const void *, const void *, int64_t) = kern_type(t) ? kern_type(t)->dot : NULL;
        for (size_t i = 0; kern__variants[i].type >= 0; i++)
            if (kern__variants[i].type == t && kern_isa_have[kern__variants[i].isa] && kern__variants[i].dot)
                want = kern__variants[i].isa, dot = kern__variants[i].dot;
        agg(&a, kern_impl[t].isa == want && kern_impl[t].dot == dot, "type %s: isa %s, expected %s", type_name((uint32_t)t),
            isa_names[kern_impl[t].isa], isa_names[want]);
    }
    agg_check("dispatch: kern_init picks the last listed variant the CPU runs", &a);
    kern_init(1);
    int ref = 1;
    for (int t = 0; t < T_COUNT; t++) ref &= kern_impl[t].isa == ISA_REF && !kern_impl[t].tile;
    CHECK("dispatch: force_ref keeps the reference", ref, "a SIMD kernel was installed");
}

int main(void) {
    kern__detect();
    for (size_t i = 0; kern__variants[i].type >= 0; i++) {
        const KernVariant *v = &kern__variants[i];
        char name[128];
        const char *tn = v->type == T_Q8_1 ? "Q8_1" : type_name((uint32_t)v->type), *isa = isa_names[v->isa];
        if (!kern_type(v->type)) {
            snprintf(name, sizeof name, "variant %s %s", tn, isa);
            CHECK(name, 0, "type has no reference kernels");
            continue;
        }
        if (v->dot) {
            snprintf(name, sizeof name, "dot %s %s", tn, isa);
            if (!kern_isa_have[v->isa]) SKIP(name, "CPU lacks ISA %s", isa);
            else test_dot(v, name);
        }
        if (v->tile) {
            snprintf(name, sizeof name, "tile %s %s %dx%d", tn, isa, v->tile_r, v->tile_t);
            if (!kern_isa_have[v->isa]) SKIP(name, "CPU lacks ISA %s", isa);
            else test_tile(v, name);
        }
        if (v->quant_act) {
            snprintf(name, sizeof name, "quant_act %s %s", tn, isa);
            if (!kern_isa_have[v->isa]) SKIP(name, "CPU lacks ISA %s", isa);
            else if (!kern_type(v->type)->from_float_act) CHECK(name, 0, "type has no reference from_float_act");
            else test_quant_act(v, name);
        }
    }
    test_dispatch();
    return test_failed ? 1 : 0;
}
