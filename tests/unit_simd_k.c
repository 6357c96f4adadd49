/* tests/unit_simd_x86_k.c - the x86_64 SIMD kernels of the K-quants (Q2_K..Q6_K dot
 * products and tiles against Q8_K, and the Q8_K activation conversion) against the
 * reference kernels of section 10.
 *
 * For every row of kern__variants whose type is Q2_K..Q6_K or Q8_K (SKIP when this CPU
 * lacks the ISA):
 *   - dot: random weight rows (every byte random, f16 scales of random magnitude, some
 *     all-zero blocks, some blocks of extreme values: all quants at their maximum,
 *     maximal scales, activations all -128 or +127) at 1, 2, 3, 7, 8 and 22 blocks
 *     (22 = a 5632-element row), activations both from kern_quant_q8_k_ref of random
 *     floats and raw random bytes (with consistent bsums). Tolerance: 0 - the SIMD
 *     kernels sum the same integers per block and do the reference's float operations
 *     per block in the same order, so the result must be bit-identical (NaN == NaN).
 *   - tile: a tile_r x tile_t tile over rows/activations with padded strides equals
 *     the variant's own dot for every (row, token), bit for bit; the output outside
 *     the tile is untouched.
 *   - quant_act: the same bytes as kern_quant_q8_k_ref on rows of normal, uniform,
 *     tiny (subnormal), huge (1e38), all-zero, single-spike, +-ties (x*iscale exactly
 *     k + 0.5), inf and NaN inputs, at 1, 2, 3, 7 and 22 blocks. */
#define LLM_NO_MAIN
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#include "../llm.c"
#include "test.h"
#pragma GCC diagnostic pop

static uint32_t sx_u32(void) { test_uniform(); return (uint32_t)(test_rng >> 32); }

static int sx_is_k(int t) { return t == T_Q2_K || t == T_Q3_K || t == T_Q4_K || t == T_Q5_K || t == T_Q6_K; }

/* f16 bits of a random finite positive scale 2^e, e in [lo, hi], random mantissa. */
static uint16_t sx_f16_scale(int lo, int hi) {
    int e = lo + (int)(sx_u32() % (uint32_t)(hi - lo + 1));
    float v = ldexpf(1.0f + (float)test_uniform(), e);
    return f32_to_f16(v);
}

/* Offsets of d (and dmin) in each K block. */
static void sx_fix_scales(int type, uint8_t *blk, int mode) {
    size_t od = 0, om = 0; int hasm = 0;
    switch (type) {
    case T_Q2_K: od = offsetof(BlockQ2_K, d); om = offsetof(BlockQ2_K, dmin); hasm = 1; break;
    case T_Q3_K: od = offsetof(BlockQ3_K, d); break;
    case T_Q4_K: od = offsetof(BlockQ4_K, d); om = offsetof(BlockQ4_K, dmin); hasm = 1; break;
    case T_Q5_K: od = offsetof(BlockQ5_K, d); om = offsetof(BlockQ5_K, dmin); hasm = 1; break;
    case T_Q6_K: od = offsetof(BlockQ6_K, d); break;
    }
    uint16_t d = mode == 2 ? 0x7bff : sx_f16_scale(-20, 4);    /* 65504: largest f16 */
    uint16_t m = mode == 2 ? 0x7bff : sx_f16_scale(-20, 4);
    if (sx_u32() % 4 == 0) d |= 0x8000;
    memcpy(blk + od, &d, 2);
    if (hasm) memcpy(blk + om, &m, 2);
}

/* A weight row of nb blocks. mode per block: 0 random, 1 all-zero, 2 extreme
   (every byte 0xff: quants and scales at their maximum; for Q3_K/Q6_K also the most
   negative signed scale patterns through other bytes). */
static void sx_weights(int type, uint8_t *row, int64_t nb, int allow_special) {
    size_t bs = type_layouts[type].size;
    for (int64_t b = 0; b < nb; b++) {
        uint8_t *blk = row + b * bs;
        int mode = allow_special ? (int)(sx_u32() % 8) : 0;
        if (mode > 2) mode = 0;
        if (mode == 1) { memset(blk, 0, bs); continue; }
        for (size_t i = 0; i < bs; i++) blk[i] = mode == 2 ? 0xff : (uint8_t)sx_u32();
        if (mode == 2 && type == T_Q6_K) memset(((BlockQ6_K *)blk)->scales, 0x80, 16);   /* -128 */
        if (mode == 2 && type == T_Q3_K) memset(((BlockQ3_K *)blk)->scales, 0x00, 12);   /* -32 */
        sx_fix_scales(type, blk, mode);
    }
}

static void sx_bsums(BlockQ8_K *y) {
    for (int i = 0; i < 16; i++) {
        int s = 0;
        for (int l = 0; l < 16; l++) s += y->qs[16 * i + l];
        y->bsums[i] = (int16_t)s;
    }
}

/* An activation row: from floats through the reference, or raw bytes, or extremes. */
static void sx_acts(BlockQ8_K *y, int64_t nb, float *tmp) {
    int kind = (int)(sx_u32() % 4);
    if (kind <= 1) {
        float sd = ldexpf(1.0f, (int)(sx_u32() % 40) - 20);
        for (int64_t i = 0; i < nb * QK_K; i++) tmp[i] = test_normal(sd);
        kern_quant_q8_k_ref(tmp, y, nb * QK_K);
        return;
    }
    for (int64_t b = 0; b < nb; b++) {
        int ext = kind == 3 ? (int)(sx_u32() % 3) : 0;
        for (int j = 0; j < QK_K; j++)
            y[b].qs[j] = ext == 1 ? -128 : ext == 2 ? 127 : (int8_t)sx_u32();
        y[b].d = ldexpf((float)test_uniform() - 0.5f, (int)(sx_u32() % 30) - 15);
        sx_bsums(&y[b]);
    }
}

static int sx_same(float a, float b) {
    if (a != a && b != b) return 1;
    uint32_t x, y; memcpy(&x, &a, 4); memcpy(&y, &b, 4);
    return x == y;
}

static void test_dot(const KernVariant *v) {
    char name[96];
    snprintf(name, sizeof name, "simd x86 dot %s %s", type_layouts[v->type].name, isa_names[v->isa]);
    const int64_t sizes[] = { 1, 2, 3, 7, 8, 22 };
    size_t bs = type_layouts[v->type].size;
    uint8_t *w = malloc(22 * bs);
    BlockQ8_K *x = malloc(22 * sizeof(BlockQ8_K));
    float *tmp = malloc(22 * QK_K * sizeof(float));
    long n = 0, bad = 0; char first[200] = "";
    float (*ref)(const void *, const void *, int64_t) = kern_type(v->type)->dot;
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
        for (int rep = 0; rep < 300; rep++) {
            int64_t nb = sizes[s];
            sx_weights(v->type, w, nb, 1);
            sx_acts(x, nb, tmp);
            float a = ref(w, x, nb * QK_K), b = v->dot(w, x, nb * QK_K);
            n++;
            if (!sx_same(a, b) && !bad++)
                snprintf(first, sizeof first, "%lld blocks rep %d: ref %.9g simd %.9g", (long long)nb, rep, a, b);
        }
    CHECK(name, bad == 0, "%ld of %ld differ (tolerance 0); first: %s", bad, n, first);
    free(w); free(x); free(tmp);
}

static void test_tile(const KernVariant *v) {
    char name[96];
    snprintf(name, sizeof name, "simd x86 tile %dx%d %s %s", v->tile_r, v->tile_t, type_layouts[v->type].name,
             isa_names[v->isa]);
    const int64_t sizes[] = { 1, 2, 3, 7, 22 };
    size_t bs = type_layouts[v->type].size;
    int R = v->tile_r, T = v->tile_t;
    long n = 0, bad = 0; char first[200] = "";
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
        for (int rep = 0; rep < 40; rep++) {
            int64_t nb = sizes[s];
            size_t w_row = nb * bs + 3 * bs, x_row = (nb + 1) * sizeof(BlockQ8_K) + 4;   /* padded */
            uint8_t *w = malloc(R * w_row), *x = malloc(T * x_row);
            float *tmp = malloc(nb * QK_K * sizeof(float));
            int64_t stride = R + 5;
            float *out = malloc(T * stride * sizeof(float));
            for (int r = 0; r < R; r++) sx_weights(v->type, w + r * w_row, nb, 1);
            for (int t = 0; t < T; t++) {
                BlockQ8_K *xb = malloc(nb * sizeof(BlockQ8_K));
                sx_acts(xb, nb, tmp);
                memcpy(x + t * x_row, xb, nb * sizeof(BlockQ8_K));
                free(xb);
            }
            for (int64_t i = 0; i < T * stride; i++) out[i] = -7.0f;
            v->tile(w, w_row, R, x, x_row, T, nb * QK_K, out, stride);
            for (int t = 0; t < T; t++)
                for (int64_t r = 0; r < stride; r++) {
                    float got = out[t * stride + r];
                    float want = r < R ? v->dot(w + r * w_row, x + t * x_row, nb * QK_K) : -7.0f;
                    n++;
                    if (!sx_same(got, want) && !bad++)
                        snprintf(first, sizeof first, "%lld blocks rep %d row %lld token %d: dot %.9g tile %.9g",
                                 (long long)nb, rep, (long long)r, t, want, got);
                }
            free(w); free(x); free(tmp); free(out);
        }
    CHECK(name, bad == 0, "%ld of %ld differ (tolerance 0); first: %s", bad, n, first);
}

static void sx_act_row(float *x, int64_t n, int kind) {
    float sd = ldexpf(1.0f, (int)(sx_u32() % 60) - 30);
    for (int64_t i = 0; i < n; i++) {
        switch (kind) {
        case 0: x[i] = test_normal(sd); break;
        case 1: x[i] = ((float)test_uniform() * 2 - 1) * sd; break;
        case 2: x[i] = test_normal(1e-40f); break;                            /* subnormal */
        case 3: x[i] = test_normal(1e38f); break;                             /* huge (some inf) */
        case 4: x[i] = 0.0f; break;
        case 5: x[i] = (i % QK_K == (int64_t)(sx_u32() % QK_K)) ? -sd : 0.0f; break;
        case 6: x[i] = (float)((int)(sx_u32() % 255) - 127) * 0.5f; break;  /* ties after scaling */
        case 7: x[i] = sx_u32() % 50 == 0 ? (sx_u32() & 1 ? INFINITY : -INFINITY) : test_normal(1); break;
        case 8: x[i] = sx_u32() % 50 == 0 ? NAN : test_normal(1); break;
        case 9: x[i] = (i % 7 == 0) ? 127.0f : (i % 5 == 0 ? -127.0f : test_normal(30)); break;  /* +- max ties */
        }
    }
    if (kind == 6) x[0] = 127.0f;          /* iscale = -1: every x*iscale is an exact half */
}

static void test_quant_act(const KernVariant *v) {
    char name[96];
    snprintf(name, sizeof name, "simd x86 quant_act Q8_K %s", isa_names[v->isa]);
    const int64_t sizes[] = { 1, 2, 3, 7, 22 };
    float *x = malloc(22 * QK_K * sizeof(float));
    BlockQ8_K *a = malloc(22 * sizeof(BlockQ8_K)), *b = malloc(22 * sizeof(BlockQ8_K));
    long n = 0, bad = 0; char first[200] = "";
    for (int kind = 0; kind < 10; kind++)
        for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
            for (int rep = 0; rep < 30; rep++) {
                int64_t nb = sizes[s];
                sx_act_row(x, nb * QK_K, kind);
                memset(a, 0x55, nb * sizeof *a);
                memset(b, 0xaa, nb * sizeof *b);
                kern_quant_q8_k_ref(x, a, nb * QK_K);
                v->quant_act(x, b, nb * QK_K);
                n++;
                if (memcmp(a, b, nb * sizeof *a) && !bad++) {
                    size_t i = 0;
                    while (((uint8_t *)a)[i] == ((uint8_t *)b)[i]) i++;
                    snprintf(first, sizeof first, "kind %d, %lld blocks: byte %zu ref %02x simd %02x", kind,
                             (long long)nb, i, ((uint8_t *)a)[i], ((uint8_t *)b)[i]);
                }
            }
    CHECK(name, bad == 0, "%ld of %ld rows differ; first: %s", bad, n, first);
    free(x); free(a); free(b);
}

int main(void) {
    kern__detect();
    for (size_t i = 0; kern__variants[i].type >= 0; i++) {
        const KernVariant *v = &kern__variants[i];
        if (v->isa != ISA_AVX2 && v->isa != ISA_AVX512 && v->isa != ISA_AVX512VNNI) continue;
        if (!sx_is_k(v->type) && v->type != T_Q8_K) continue;
        char name[96];
        snprintf(name, sizeof name, "simd x86 %s %s", type_layouts[v->type].name, isa_names[v->isa]);
        if (!kern_isa_have[v->isa]) { SKIP(name, "CPU lacks ISA"); continue; }
        if (v->dot) test_dot(v);
        if (v->tile) test_tile(v);
        if (v->quant_act) test_quant_act(v);
    }
    return test_failed ? 1 : 0;
}
