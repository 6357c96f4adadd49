/* tests/unit_pp.c - the prompt-processing kernels (kern_tile_*_pp_avx512vnni, _avx2, _neon, _neondot:
 * rows in vector lanes, called by the matmul driver once per thread with all its rows
 * and tokens; kern__batch_variants) against the reference dot products of section 10.
 *
 * For every row of kern__batch_variants (SKIP when this CPU lacks the ISA):
 *   - tile: random weight rows (every byte random with f16 scales of random magnitude,
 *     and blocks that are all zero or extreme: every byte 0xff with the largest f16
 *     scale, Q8_0 weights of -128/-127, Q6_K scales of -128, Q3_K scales of -32) times activation rows
 *     (from the reference quant_act of random floats, or raw random bytes with
 *     consistent bsums / random d (and Q8_1's s), or all -128 / +127), at 1, 2, 3, 7, 17 (and 64/176,
 *     a 2048/5632-element row) blocks of 32, or 1, 2, 3, 7, 22 super-blocks of 256; row
 *     counts 1, 5, 16, 17, 40 (partial groups of 16 and 8) and token counts 1, 3, 8, 9, 20,
 *     130 (partial register blocks, more than one token group of PP_TB); padded row
 *     strides and out_stride > nr. Tolerance: 0. Each lane computes the reference's
 *     integers per block and the reference's float expression per block in the
 *     reference's order, so every output must be bit-identical to kern_dot_*_ref
 *     (NaN == NaN); the output outside the nr x nt block must be untouched.
 *   - driver: model__matmul_job over a Mat of 37 rows, split over 1, 2 and 3 threads
 *     (called one share after another), for 1, 4 and 13 tokens, equals the reference
 *     dot for every (row, token) (bit for bit; the gemv/dot fallback below min_t
 *     tokens within 1e-5 relative to sum |w x|). */
#define LLM_NO_MAIN
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#include "../llm.c"
#include "test.h"
#pragma GCC diagnostic pop

static uint32_t pp_u32(void) { test_uniform(); return (uint32_t)(test_rng >> 32); }

static uint16_t pp_f16_scale(int lo, int hi) {
    int e = lo + (int)(pp_u32() % (uint32_t)(hi - lo + 1));
    uint16_t h = f32_to_f16(ldexpf(1.0f + (float)test_uniform(), e));
    if (pp_u32() % 4 == 0) h |= 0x8000;
    return h;
}

static int pp_is_k(int t) { return type_layouts[t].blck == QK_K; }
static int64_t pp_qk(int t) { return pp_is_k(t) ? QK_K : QK; }

/* Offsets of the f16 scales of a weight block. */
static void pp_scales(int type, uint8_t *blk, int extreme) {
    uint16_t d = extreme ? 0x7bff : pp_f16_scale(-20, 4), m = extreme ? 0x7bff : pp_f16_scale(-20, 4);
    switch (type) {
    case T_Q4_0: memcpy(blk + offsetof(BlockQ4_0, d), &d, 2); break;
    case T_Q8_0: memcpy(blk + offsetof(BlockQ8_0, d), &d, 2); break;
    case T_Q4_1: memcpy(blk + offsetof(BlockQ4_1, d), &d, 2); memcpy(blk + offsetof(BlockQ4_1, m), &m, 2); break;
    case T_Q5_0: memcpy(blk + offsetof(BlockQ5_0, d), &d, 2); break;
    case T_Q5_1: memcpy(blk + offsetof(BlockQ5_1, d), &d, 2); memcpy(blk + offsetof(BlockQ5_1, m), &m, 2); break;
    case T_Q4_K: memcpy(blk + offsetof(BlockQ4_K, d), &d, 2); memcpy(blk + offsetof(BlockQ4_K, dmin), &m, 2); break;
    case T_Q5_K: memcpy(blk + offsetof(BlockQ5_K, d), &d, 2); memcpy(blk + offsetof(BlockQ5_K, dmin), &m, 2); break;
    case T_Q6_K: memcpy(blk + offsetof(BlockQ6_K, d), &d, 2); break;
    case T_Q3_K: memcpy(blk + offsetof(BlockQ3_K, d), &d, 2); break;
    case T_Q2_K: memcpy(blk + offsetof(BlockQ2_K, d), &d, 2); memcpy(blk + offsetof(BlockQ2_K, dmin), &m, 2); break;
    }
}

static void pp_weights(int type, uint8_t *row, int64_t nb) {
    size_t bs = type_layouts[type].size;
    for (int64_t b = 0; b < nb; b++) {
        uint8_t *blk = row + b * bs;
        int mode = (int)(pp_u32() % 8);
        if (mode == 1) { memset(blk, 0, bs); continue; }
        if (mode == 2) {                                       /* extreme */
            memset(blk, 0xff, bs);
            if (type == T_Q8_0) memset(((BlockQ8_0 *)blk)->qs, pp_u32() % 2 ? 0x80 : 0x81, QK);
            if (type == T_Q6_K) memset(((BlockQ6_K *)blk)->scales, 0x80, 16);
            if (type == T_Q3_K && pp_u32() % 2) memset(((BlockQ3_K *)blk)->scales, 0, 12);   /* all scales -32 */
            pp_scales(type, blk, 1);
            continue;
        }
        for (size_t i = 0; i < bs; i++) blk[i] = (uint8_t)pp_u32();
        pp_scales(type, blk, 0);
    }
}

static void pp_bsums(BlockQ8_K *y) {
    for (int i = 0; i < 16; i++) {
        int s = 0;
        for (int l = 0; l < 16; l++) s += y->qs[16 * i + l];
        y->bsums[i] = (int16_t)s;
    }
}

/* mode 0: the reference conversion of random floats; 1: raw random bytes; 2: extremes */
static void pp_act(int atype, uint8_t *row, int64_t n, int mode) {
    if (mode == 0) {
        float *f = malloc((size_t)n * sizeof(float));
        float sd = ldexpf(1.0f, (int)(pp_u32() % 16) - 8);
        for (int64_t i = 0; i < n; i++) f[i] = test_normal(sd);
        if (pp_u32() % 3 == 0) for (int64_t i = 0; i < n && i < 40; i++) f[i] = 0.0f;   /* zero block */
        kern_type(atype)->from_float_act(f, row, n);
        free(f);
        return;
    }
    if (atype == T_Q8_K) {
        BlockQ8_K *y = (BlockQ8_K *)row;
        for (int64_t b = 0; b < n / QK_K; b++) {
            int8_t v = pp_u32() % 2 ? -128 : 127;
            for (int i = 0; i < QK_K; i++) y[b].qs[i] = mode == 1 ? (int8_t)pp_u32() : v;
            y[b].d = ldexpf(1.0f + (float)test_uniform(), (int)(pp_u32() % 24) - 20) * (pp_u32() % 2 ? 1 : -1);
            pp_bsums(&y[b]);
        }
    } else if (atype == T_Q8_1) {
        BlockQ8_1 *y = (BlockQ8_1 *)row;
        for (int64_t b = 0; b < n / QK; b++) {
            int8_t v = pp_u32() % 2 ? -128 : 127;
            for (int i = 0; i < QK; i++) y[b].qs[i] = mode == 1 ? (int8_t)pp_u32() : v;
            y[b].d = mode == 1 ? pp_f16_scale(-20, 4) : 0x7bff;
            y[b].s = mode == 1 ? pp_f16_scale(-20, 4) : 0xfbff;        /* any s: the kernels take it as it is */
        }
    } else {
        BlockQ8_0 *y = (BlockQ8_0 *)row;
        for (int64_t b = 0; b < n / QK; b++) {
            int8_t v = pp_u32() % 2 ? -128 : 127;
            for (int i = 0; i < QK; i++) y[b].qs[i] = mode == 1 ? (int8_t)pp_u32() : v;
            y[b].d = mode == 1 ? pp_f16_scale(-20, 4) : 0x7bff;
        }
    }
}

static float (*pp_ref_dot(int type))(const void *, const void *, int64_t) {
    switch (type) {
    case T_Q4_0: return kern_dot_q4_0_ref;
    case T_Q8_0: return kern_dot_q8_0_ref;
    case T_Q4_1: return kern_dot_q4_1_ref;
    case T_Q5_0: return kern_dot_q5_0_ref;
    case T_Q5_1: return kern_dot_q5_1_ref;
    case T_Q4_K: return kern_dot_q4_k_ref;
    case T_Q5_K: return kern_dot_q5_k_ref;
    case T_Q3_K: return kern_dot_q3_k_ref;
    case T_Q2_K: return kern_dot_q2_k_ref;
    default: return kern_dot_q6_k_ref;
    }
}

static int pp_same(float a, float b) {
    uint32_t x, y;
    memcpy(&x, &a, 4), memcpy(&y, &b, 4);
    return x == y || (a != a && b != b);
}

static const char *pp_name(int type) {
    return type == T_Q4_0 ? "q4_0" : type == T_Q8_0 ? "q8_0" : type == T_Q4_K ? "q4_k" : type == T_Q5_K ? "q5_k"
         : type == T_Q3_K ? "q3_k" : type == T_Q2_K ? "q2_k" : type == T_Q4_1 ? "q4_1" : type == T_Q5_0 ? "q5_0"
         : type == T_Q5_1 ? "q5_1" : "q6_k";
}

/* One nr x nt tile call against the reference; returns the number of mismatches. */
static int pp_check_tile(const KernBatchVariant *v, int64_t nb, int nr, int nt, char *why, size_t whylen) {
    int type = v->type, atype = kern_type(type)->vec_dot_type;
    int64_t n = nb * pp_qk(type);
    /* padded strides; x rows stay 4-byte aligned, as the floats in Q8_K blocks need on armv7 */
    size_t wrow = type_row_size(type, n) + 7, xrow = type_row_size(atype, n) + 4;
    uint8_t *w = malloc(wrow * (size_t)nr), *x = malloc(xrow * (size_t)nt);
    int64_t os = nr + 3;
    float *out = malloc(sizeof(float) * (size_t)(os * nt));
    for (int r = 0; r < nr; r++) pp_weights(type, w + r * wrow, nb);
    for (int t = 0; t < nt; t++) pp_act(atype, x + t * xrow, n, (int)(pp_u32() % 4) == 3 ? 2 : (int)(pp_u32() % 2));
    for (int64_t i = 0; i < os * nt; i++) out[i] = -1234.5f;
    v->fn(w, wrow, nr, x, xrow, nt, n, out, os);
    float (*dot)(const void *, const void *, int64_t) = pp_ref_dot(type);
    int bad = 0;
    for (int t = 0; t < nt; t++)
        for (int64_t r = 0; r < os; r++) {
            float got = out[t * os + r];
            if (r >= nr) {
                if (got != -1234.5f && !bad++) snprintf(why, whylen, "wrote outside the tile at t=%d r=%d", t, (int)r);
                continue;
            }
            float want = dot(w + r * wrow, x + t * xrow, n);
            if (!pp_same(got, want) && !bad++)
                snprintf(why, whylen, "nb=%d nr=%d nt=%d: row %d token %d: %.9g, reference %.9g", (int)nb, nr, nt,
                         (int)r, t, got, want);
        }
    free(w), free(x), free(out);
    return bad;
}

/* The driver with this variant installed, over `nth` shares run one after another. */
static int pp_check_driver(const KernBatchVariant *v, int nth, int ntok, char *why, size_t whylen) {
    int type = v->type, atype = kern_type(type)->vec_dot_type;
    int64_t nb = pp_is_k(type) ? 3 : 19, n = nb * pp_qk(type), rows = 37;
    size_t wrow = type_row_size(type, n), xrow = type_row_size(atype, n);
    uint8_t *w = malloc(wrow * rows), *x = malloc(xrow * (ntok > nth ? ntok : nth));   /* one token: a row per thread */
    float *in = malloc(sizeof(float) * n * ntok), *out = malloc(sizeof(float) * rows * ntok);
    /* moderate weights so the fallback's summation order stays within the tolerance */
    float *f = malloc(sizeof(float) * n);
    for (int64_t r = 0; r < rows; r++) {
        for (int64_t i = 0; i < n; i++) f[i] = test_normal(1.0f);
        if (type == T_Q4_0) kern_quant_q4_0_ref(f, w + r * wrow, n);
        else if (type == T_Q8_0) kern_quant_q8_0_ref(f, w + r * wrow, n);
        else pp_weights(type, w + r * wrow, nb);
    }
    for (int64_t i = 0; i < n * ntok; i++) in[i] = test_normal(1.0f);
    Mat m = { w, (uint32_t)type, n, rows, 0 };
    KernImpl keep = kern_impl[type];      /* this variant as the driver's batch kernel */
    kern_impl[type].batch = v->fn, kern_impl[type].batch_r = v->rows, kern_impl[type].batch_t = v->min_t;
    static Pool pool;                     /* no workers: its shares, for calls one after another */
    pool.n = nth;
    MatmulJob j = { 0 };
    j.n = ntok, j.in = in, j.in_stride = n, j.xq = x, j.xq_row = xrow, j.pool = &pool;
    matmul_add(&j, &m, out, rows);
    matmul__plan(&j);
    if (ntok > 1) for (int i = 0; i < nth; i++) model__convert_job(&j, i, nth);
    /* the last thread first: it takes its share, then steals the others' from the back */
    for (int i = nth - 1; i >= 0; i--) model__matmul_job(&j, i, nth);
    float (*dot)(const void *, const void *, int64_t) = pp_ref_dot(type);
    int bad = 0;
    for (int t = 0; t < ntok; t++)
        for (int64_t r = 0; r < rows; r++) {
            float want = dot(w + r * wrow, x + t * xrow, n), got = out[t * rows + r];
            int ok;
            if (ntok >= kern_impl[type].batch_t) ok = pp_same(got, want);
            else {
                /* fallback kernels (other summation order): relative to sum |w x| */
                float *wf = malloc(sizeof(float) * n), *xf = malloc(sizeof(float) * n);
                kern_type(type)->to_float(w + r * wrow, wf, n);
                kern_type(atype)->to_float(x + t * xrow, xf, n);
                double mag = 0;
                for (int64_t i = 0; i < n; i++) mag += fabs((double)wf[i] * xf[i]);
                ok = fabs((double)got - want) <= 1e-5 * mag + 1e-30;
                free(wf), free(xf);
            }
            if (!ok && !bad++)
                snprintf(why, whylen, "%d threads, %d tokens: row %d token %d: %.9g, reference %.9g", nth, ntok, (int)r, t,
                         got, want);
        }
    kern_impl[type] = keep;
    free(w), free(x), free(in), free(out), free(f);
    return bad;
}

int main(void) {
    kern_init(0);
    int any = 0;
    for (size_t i = 0; kern__batch_variants[i].type >= 0; i++) {
        const KernBatchVariant *v = &kern__batch_variants[i];
        any = 1;
        char name[96], why[256] = "";
        snprintf(name, sizeof name, "pp tile %s %s x%d", pp_name(v->type), isa_names[v->isa], v->rows);
        if (!kern_isa_have[v->isa]) { SKIP(name, "CPU lacks %s", isa_names[v->isa]); continue; }
        static const int64_t nb32[] = { 1, 2, 3, 7, 17, 64, 176 }, nbk[] = { 1, 2, 3, 7, 22 };
        static const int nrs[] = { 1, 5, 16, 17, 40 }, nts[] = { 1, 3, 8, 9, 20, 130 };
        const int64_t *nbs = pp_is_k(v->type) ? nbk : nb32;
        int nnb = pp_is_k(v->type) ? 5 : 7, bad = 0, cases = 0;
        for (int a = 0; a < nnb && !bad; a++)
            for (int b = 0; b < 5 && !bad; b++)
                for (int c = 0; c < 6 && !bad; c++) {
                    if (nbs[a] > 22 && (nrs[b] > 17 || nts[c] > 20)) continue;   /* keep the big rows quick */
                    bad = pp_check_tile(v, nbs[a], nrs[b], nts[c], why, sizeof why);
                    cases++;
                }
        CHECK(name, !bad, "%s", why);
        snprintf(name, sizeof name, "pp driver %s %s x%d", pp_name(v->type), isa_names[v->isa], v->rows);
        bad = 0;
        for (int nth = 1; nth <= 3 && !bad; nth++)
            for (int k = 0; k < 3 && !bad; k++) bad = pp_check_driver(v, nth, (int[]){ 1, 4, 13 }[k], why, sizeof why);
        CHECK(name, !bad, "%s", why);
    }
    if (!any) SKIP("pp", "no batch kernels on this architecture");
    return test_failed ? 1 : 0;
}
