/* tests/unit_gemv.c - the gemv kernels of kern__variants (gemv_r weight rows x one
 * activation row, used for token generation) against the reference dot products, on
 * this CPU (a variant whose ISA the CPU lacks prints SKIP).
 *
 * For every row of kern__variants with a gemv: gemv_r weight rows of the row's type with
 * padded row stride, at 1, 2, 3, 7, 8, 22 blocks and 2048 / 5632 elements, several
 * repetitions; weight blocks with random codes, all-zero blocks, extreme codes (all
 * 0x80 / 0xff / 0x7f) and random scales (0, f16 subnormal, tiny, ordinary, 65504;
 * K-quants: random bytes, so also inf/NaN scales); activations of random scale per
 * block (0, 1e-3, 1e3, ...) converted by the reference from_float_act. Checks:
 *   - K-quants (Q2_K..Q6_K): bit-identical to kern_dot_*_ref (NaN matches NaN).
 *   - simple types: |gemv - ref| <= (2 nb + 16) u S, u = 2^-24, S = sum |w_i x_i|
 *     (+ sum |m_b s_b| for Q4_1/Q5_1), nb blocks: the tolerance of tests/unit_simd.c
 *     (each block term is rounded a few times; the order of the float sum differs).
 *   - the output cells next to the gemv_r written ones stay untouched.
 *   - a row with gen_prep/gen (generation's prepared activations): gen after gen_prep
 *     the same way, the prepared bytes within KERN_PREP_BYTES(n) (a canary after it);
 *     also its fn_l1 (the same kernel prefetching into L1) where it has one.
 *   - through the driver: model__matmul_job with one token over rows not a multiple of
 *     gemv_r (gemv or gen for whole groups, dot for the rest) against the reference;
 *     three matrices in one job (Q, K, V), and gate and up with SwiGLU in the job, over
 *     1 to 3 threads' shares (each thread converts the token itself).
 *   - interleaved rows (Mat.il, KernGenVariant.fn_il): the layout, the kernel and the
 *     driver's paths over such a matrix (test_il, test_il_job).
 */
#define LLM_NO_MAIN
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#include "../llm.c"
#include "test.h"
#include "kern_test.h"
#pragma GCC diagnostic pop

#define U24 (1.0 / 16777216.0)

static int is_k(int t) { return t >= T_Q2_K && t <= T_Q6_K; }
static int is_simple_q(int t) { return t == T_Q4_0 || t == T_Q4_1 || t == T_Q5_0 || t == T_Q5_1 || t == T_Q8_0; }
static int64_t blk_of(int t) { return is_k(t) ? QK_K : QK; }

static uint16_t rnd_scale(int allow_neg) {
    float v;
    switch (rnd_int(8)) {
    case 0: v = 0.0f; break;
    case 1: v = (float)(rnd_int(1023) + 1) * (1.0f / 16777216.0f); break;
    case 2: v = 65504.0f; break;
    case 3: v = (float)(test_uniform() * 1e-3); break;
    default: v = (float)(exp(test_uniform() * 12 - 8)); break;
    }
    if (allow_neg && rnd_int(2)) v = -v;
    return f32_to_f16(v);
}

/* finite: every K block gets sane scales (a whole-matrix test that needs finite sums) */
static void gen_weights_k(int t, uint8_t *w, int64_t n, int finite) {
    size_t bytes = type_row_size(t, n), bs = type_row_size(t, blk_of(t));
    for (size_t i = 0; i < bytes; i++) w[i] = (uint8_t)rnd_u32();
    for (int64_t b = 0; b < n / blk_of(t); b++) {
        uint8_t *blk = w + b * bs;
        int kind = rnd_int(10);
        if (kind == 0) memset(blk, 0, bs);                                          /* all zero */
        else if (kind == 1) memset(blk, t == T_Q8_0 ? 0x80 : 0xff, bs);             /* extreme codes */
        else if (kind == 2) memset(blk, 0x7f, bs);
        if (is_simple_q(t) && kind != 0) {
            uint16_t d = rnd_scale(1);
            memcpy(blk, &d, 2);
            if (t == T_Q4_1 || t == T_Q5_1) { uint16_t m = rnd_scale(1); memcpy(blk + 2, &m, 2); }
        }
        if (is_k(t) && (finite || rnd_int(2))) {   /* half the K blocks: sane scales at their offsets */
            uint16_t d = rnd_scale(0), dm = rnd_scale(0);
            size_t od = t == T_Q2_K ? offsetof(BlockQ2_K, d) : t == T_Q3_K ? offsetof(BlockQ3_K, d)
                      : t == T_Q6_K ? offsetof(BlockQ6_K, d) : 0;
            memcpy(blk + od, &d, 2);
            if (t == T_Q2_K) memcpy(blk + offsetof(BlockQ2_K, dmin), &dm, 2);
            if (t == T_Q4_K || t == T_Q5_K) memcpy(blk + 2, &dm, 2);
        }
    }
}
static void gen_weights(int t, uint8_t *w, int64_t n) { gen_weights_k(t, w, n, 0); }



/* K-quants: the same bits (any NaN matches any NaN); others: within tol. */
static int same(int t, float a, float b, double tol) {
    if (isnan(a) || isnan(b)) return isnan(a) && isnan(b);
    if (is_k(t)) return memcmp(&a, &b, 4) == 0;
    if (isinf(a) || isinf(b)) return a == b;
    return fabs((double)a - b) <= tol;
}

static void test_gemv(int type, KernTileFn fn, KernPrepFn prep, int R, const char *name) {
    const KernType *kt = kern_type(type), *xt = kern_type(kt->vec_dot_type);
    int64_t B = blk_of(type);
    int64_t lens[] = { 1 * B, 2 * B, 3 * B, 7 * B, 8 * B, 22 * B, 2048, 5632 };
    Agg a = { 0 };
    for (int rep = 0; rep < 8; rep++)
        for (int li = 0; li < 8; li++) {
            int64_t n = lens[li];
            if (n % B) continue;
            size_t wrow = type_row_size(type, n) + 36 * (rep & 3), xrow = type_row_size(kt->vec_dot_type, n);
            uint8_t *w = calloc((size_t)R, wrow), *xq = malloc(xrow + 64);
            float *x = malloc((size_t)n * 4), out[64 + 8];
            for (int r = 0; r < R; r++) gen_weights(type, w + r * wrow, n);
            gen_act(x, n);
            xt->from_float_act(x, xq, n);
            for (int i = 0; i < R + 8; i++) out[i] = -12345.0f;
            if (prep) {
                size_t pb = KERN_PREP_BYTES(n);
                uint8_t *xp = malloc(pb + 64);
                memset(xp, 0xa5, pb + 64);
                prep(xq, xp, n);
                int canary = 1;
                for (size_t i = pb; i < pb + 64; i++) canary &= xp[i] == 0xa5;
                agg(&a, canary, "n=%lld: gen_prep wrote past KERN_PREP_BYTES", (long long)n);
                fn(w, wrow, R, xp, 0, 1, n, out + 4, 1);
                free(xp);
            } else
                fn(w, wrow, R, xq, xrow, 1, n, out + 4, 1);
            for (int r = 0; r < R; r++) {
                float ref = kt->dot(w + r * wrow, xq, n);
                double S = abs_dot(type, w + r * wrow, xq, n), tol = (2.0 * (double)(n / B) + 16) * U24 * S + 1e-30;
                agg(&a, same(type, out[4 + r], ref, tol), "n=%lld rep %d row %d: gemv %.9g ref %.9g (diff %.3g, tol %.3g)",
                    (long long)n, rep, r, out[4 + r], ref, fabs((double)out[4 + r] - ref), tol);
            }
            for (int i = 0; i < 4; i++) agg(&a, out[i] == -12345.0f && out[4 + R + i] == -12345.0f, "n=%lld: wrote outside", (long long)n);
            free(w), free(xq), free(x);
        }
    agg_check(name, &a);
}

/* The driver with one token: matrices of `types` (one activation type) over `rows` rows
 * (not a multiple of any row group) in one job, run as the shares of `nth` threads one
 * after another, the last first (each converts the token into its own buffers; the
 * last also steals from the others). Every row against the reference dot of the
 * reference conversion; swiglu (gate, up): out[0] = silu(gate) * up bit for bit as a
 * separate pass would give it: the reference dots through kern_swiglu in 64-element
 * pieces (K types only, whose dots are bit-identical to the reference). */
static void test_job(const int *types, int nw, int swiglu, int64_t rows, int nth) {
    int at = kern_type(types[0])->vec_dot_type;
    const KernType *xt = kern_type(at);
    char name[160];
    int len = snprintf(name, sizeof name, "matmul job, one token, %d threads:", nth);
    for (int m = 0; m < nw; m++)
        len += snprintf(name + len, sizeof name - len, " %s (%s)", type_layouts[types[m]].name,
                        kern_impl[types[m]].gen ? "gen" : kern_impl[types[m]].gemv ? "gemv" : "dot");
    if (swiglu) snprintf(name + len, sizeof name - len, " + swiglu");
    int64_t n = 2048;
    float *x = malloc(n * 4);
    gen_act(x, n);
    uint8_t *xq = malloc(type_row_size(at, n));
    xt->from_float_act(x, xq, n);
    static Pool pool;                       /* no workers: its shares, for calls one after another */
    pool.n = nth;
    size_t xq_row = type_row_size(at, n) + 64, xp_bytes = (KERN_PREP_BYTES(n) + 63) & ~(size_t)63;
    MatmulJob j = { 0 };
    j.n = 1, j.in = x, j.in_stride = n, j.pool = &pool;
    j.xq = malloc(xq_row * nth), j.xq_row = xq_row;
    j.xp = aligned_alloc(64, xp_bytes * MM_MAX * nth), j.xp_bytes = xp_bytes;
    uint8_t *w[MM_MAX];
    float *out[MM_MAX];
    Mat mats[MM_MAX];
    for (int m = 0; m < nw; m++) {
        size_t wrow = type_row_size(types[m], n);
        w[m] = malloc(rows * wrow), out[m] = malloc(rows * sizeof(float));
        for (int64_t r = 0; r < rows; r++) gen_weights(types[m], w[m] + r * wrow, n);
        for (int64_t r = 0; r < rows; r++) out[m][r] = -12345.0f;
        mats[m] = (Mat){ w[m], (uint32_t)types[m], n, rows, 0 };
        matmul_add(&j, &mats[m], out[m], rows);
    }
    j.swiglu = swiglu;
    matmul__plan(&j);
    for (int i = nth - 1; i >= 0; i--) model__matmul_job(&j, i, nth);
    float *sw = malloc(rows * sizeof(float)), *up = malloc(rows * sizeof(float));
    if (swiglu) {                          /* as a separate pass: kern_swiglu in 64-element pieces */
        for (int64_t r = 0; r < rows; r++) {
            sw[r] = kern_type(types[0])->dot(w[0] + r * type_row_size(types[0], n), xq, n);
            up[r] = kern_type(types[1])->dot(w[1] + r * type_row_size(types[1], n), xq, n);
        }
        for (int64_t r = 0; r < rows; r += 64) kern_swiglu(sw + r, up + r, rows - r < 64 ? rows - r : 64);
    }
    Agg a = { 0 };
    for (int m = 0; m < nw; m++) {
        int t = types[m];
        size_t wrow = type_row_size(t, n);
        for (int64_t r = 0; r < rows; r++) {
            float ref = kern_type(t)->dot(w[m] + r * wrow, xq, n), got = out[m][r];
            if (swiglu && m == 1) continue;                    /* up is an intermediate */
            if (swiglu) {
                float g = sw[r];
                agg(&a, memcmp(&g, &got, 4) == 0 || (isnan(g) && isnan(got)), "row %lld: silu(gate) * up %.9g, separately %.9g",
                    (long long)r, got, g);
                continue;
            }
            double S = abs_dot(t, w[m] + r * wrow, xq, n), tol = (2.0 * (double)(n / blk_of(t)) + 16) * U24 * S + 1e-30;
            agg(&a, same(t, got, ref, tol), "matrix %d row %lld: %.9g ref %.9g", m, (long long)r, got, ref);
        }
    }
    agg_check(name, &a);
    for (int m = 0; m < nw; m++) free(w[m]), free(out[m]);
    free(j.xq), free(j.xp), free(xq), free(x), free(sw), free(up);
}

/* Interleaved rows (Mat.il, the huge-page copy): for a variant with fn_il, the layout
 * built here from its description in llm.c (each group of 4 blocks of 32, or of one
 * K-quant block, of the 4 rows of a four in turn, then the 4 rows' remaining blocks row
 * after row) against mat_interleave's bytes, mat__rows giving the rows back, fn_il
 * against the reference dot of the rows as they were (the tolerance above) and against
 * fn on the row layout (the same bits: only the addressing differs); at 4, 5, 7 and 64+3
 * blocks of 32 (tails of 0, 1, 3) and 2048 / 5632 elements; 1, 2, 3, 5, 8 and 22 K blocks. */
static void test_il(const KernGenVariant *v, const char *name) {
    int type = v->type;
    const KernType *kt = kern_type(type), *xt = kern_type(kt->vec_dot_type);
    /* a group: 4 blocks of 32, or one K-quant block of 256 (G blocks of bs bytes) */
    int64_t blck = type_layouts[type].blck, G = blck == 32 ? 4 : 1;
    int64_t lens32[] = { 128, 160, 224, 2144, 2048, 5632 }, lensk[] = { 256, 512, 768, 2048, 5632, 1280 };
    Agg a = { 0 };
    for (int li = 0; li < 6; li++) {
        int64_t n = blck == 32 ? lens32[li] : lensk[li], nb = n / blck, ng = nb / G, rows = 12;
        size_t wrow = type_row_size(type, n), bs = type_row_size(type, blck);
        uint8_t *w = malloc(rows * wrow), *want = malloc(rows * wrow), *il = malloc(rows * wrow), *tmp = malloc(4 * wrow);
        uint8_t *back = malloc(rows * wrow), *xq = malloc(type_row_size(kt->vec_dot_type, n) + 64);
        uint8_t *xp = malloc(KERN_PREP_BYTES(n) + 64);
        float *x = malloc(n * 4), out[12], out_rows[12];
        for (int64_t r = 0; r < rows; r++) gen_weights(type, w + r * wrow, n);
        for (int64_t q = 0; q < rows; q += 4)
            for (int64_t r = 0; r < 4; r++)
                for (int64_t b = 0; b < nb; b++) {
                    size_t off = b < G * ng ? (size_t)(b / G) * 4 * G * bs + (size_t)r * G * bs + (size_t)(b % G) * bs
                                            : (size_t)ng * 4 * G * bs + (size_t)r * (nb - G * ng) * bs + (size_t)(b - G * ng) * bs;
                    memcpy(want + q * wrow + off, w + (q + r) * wrow + b * bs, bs);
                }
        memcpy(il, w, rows * wrow);
        Mat M = { il, (uint32_t)type, n, rows, 0 };
        mat_interleave(&M, tmp);
        agg(&a, M.il == 1 && memcmp(il, want, rows * wrow) == 0, "n=%lld: mat_interleave's layout differs", (long long)n);
        mat__rows(&M, 4, 8, back);
        agg(&a, memcmp(back, w + 4 * wrow, 8 * wrow) == 0, "n=%lld: mat__rows does not give the rows back", (long long)n);
        gen_act(x, n);
        xt->from_float_act(x, xq, n);
        v->prep(xq, xp, n);
        for (int64_t q = 0; q < rows; q += 4) v->fn_il(il + q * wrow, wrow, 4, xp, 0, 1, n, out + q, 1);
        for (int64_t q = 0; q < rows; q += 4) v->fn(w + q * wrow, wrow, 4, xp, 0, 1, n, out_rows + q, 1);
        int bits = 1;
        for (int r = 0; r < 12; r++) bits &= isnan(out[r]) ? isnan(out_rows[r]) : memcmp(&out[r], &out_rows[r], 4) == 0;
        agg(&a, bits, "n=%lld: fn_il's bits differ from fn's on the row layout", (long long)n);
        for (int64_t r = 0; r < rows; r++) {
            float ref = kt->dot(w + r * wrow, xq, n);
            double S = abs_dot(type, w + r * wrow, xq, n), tol = (2.0 * (double)nb + 16) * U24 * S + 1e-30;
            agg(&a, same(type, out[r], ref, tol), "n=%lld row %lld: interleaved gen %.9g ref %.9g", (long long)n,
                (long long)r, out[r], ref);
        }
        free(w), free(want), free(il), free(tmp), free(back), free(xq), free(xp), free(x);
    }
    agg_check(name, &a);
}

/* The driver over an interleaved matrix: ntok tokens (1: gen_il; 2, 3: the tile and gemv
 * path, rows copied back; 5 and more: the batch kernel reading the interleaved rows
 * (batch_il), or with copy_back the rows copied back a chunk (mat__il_chunk) at a time,
 * as for a batch kernel without that form), over nth threads' shares run one after
 * another, against the reference dot of the reference conversion of each token, within
 * 1e-5 of sum |w x| (the batch and fallback kernels sum in other orders; a misplaced
 * block is far outside). 16384 columns (16576 for blocks of 32: 518 blocks, so a
 * prompt kernel's chunk of 16 blocks holds the last group and the 2-block tail), so a
 * thread's share is several chunks. */
static void test_il_job(int type, int ntok, int nth, int copy_back) {
    int at = kern_type(type)->vec_dot_type;
    const KernType *kt = kern_type(type), *xt = kern_type(at);
    char name[128];
    snprintf(name, sizeof name, "matmul job, interleaved %s rows, %d tokens, %d threads%s", type_layouts[type].name, ntok,
             nth, copy_back ? ", rows copied back" : "");
    int64_t n = type_layouts[type].blck == 32 ? 16576 : 16384, rows = 4 * 37;
    KernTileFn batch_il = kern_impl[type].batch_il;
    if (copy_back) kern_impl[type].batch_il = NULL;
    size_t wrow = type_row_size(type, n), xq_row = type_row_size(at, n) + 64;
    size_t xp_bytes = (KERN_PREP_BYTES(n) + 63) & ~(size_t)63, rows_bytes = (size_t)mat__il_chunk(wrow) * wrow;
    uint8_t *w = malloc(rows * wrow), *il = malloc(rows * wrow), *tmp = malloc(4 * wrow), *xq = malloc(xq_row);
    float *in = malloc(sizeof(float) * n * ntok), *out = malloc(sizeof(float) * rows * ntok);
    for (int64_t r = 0; r < rows; r++) gen_weights_k(type, w + r * wrow, n, 1);
    for (int64_t i = 0; i < n * ntok; i++) in[i] = test_normal(1.0f);
    memcpy(il, w, rows * wrow);
    Mat M = { il, (uint32_t)type, n, rows, 0 };
    mat_interleave(&M, tmp);
    static Pool pool;
    pool.n = nth;
    MatmulJob j = { 0 };
    j.n = ntok, j.in = in, j.in_stride = n, j.pool = &pool;
    j.xq = malloc(xq_row * (ntok > nth ? ntok : nth)), j.xq_row = xq_row;
    j.xp = aligned_alloc(64, xp_bytes * MM_MAX * nth), j.xp_bytes = xp_bytes;
    j.rows = malloc(rows_bytes * nth), j.rows_bytes = rows_bytes;
    matmul_add(&j, &M, out, rows);
    matmul__plan(&j);
    if (ntok > 1) for (int i = 0; i < nth; i++) model__convert_job(&j, i, nth);
    for (int i = nth - 1; i >= 0; i--) model__matmul_job(&j, i, nth);
    float *wf = malloc(sizeof(float) * n), *xf = malloc(sizeof(float) * n);
    Agg a = { 0 };
    for (int t = 0; t < ntok; t++) {
        xt->from_float_act(in + (size_t)t * n, xq, n);
        xt->to_float(xq, xf, n);
        for (int64_t r = 0; r < rows; r++) {
            float ref = kt->dot(w + r * wrow, xq, n), got = out[(size_t)t * rows + r];
            kt->to_float(w + r * wrow, wf, n);
            double mag = 0;
            for (int64_t i = 0; i < n; i++) mag += fabs((double)wf[i] * xf[i]);
            agg(&a, fabs((double)got - ref) <= 1e-5 * mag + 1e-30, "token %d row %lld: %.9g ref %.9g", t, (long long)r, got, ref);
        }
    }
    agg_check(name, &a);
    kern_impl[type].batch_il = batch_il;
    free(w), free(il), free(tmp), free(xq), free(in), free(out), free(j.xq), free(j.xp), free(j.rows), free(wf), free(xf);
}

int main(void) {
    kern_init(0);
    for (size_t i = 0; kern__variants[i].type >= 0; i++) {
        const KernVariant *v = &kern__variants[i];
        if (!v->gemv) continue;
        char name[96];
        snprintf(name, sizeof name, "gemv %s %s x%d", type_layouts[v->type].name, isa_names[v->isa], v->gemv_r);
        if (!kern_isa_have[v->isa]) { SKIP(name, "CPU lacks ISA %s", isa_names[v->isa]); continue; }
        test_gemv(v->type, v->gemv, NULL, v->gemv_r, name);
    }
    for (size_t i = 0; kern__gen_variants[i].type >= 0; i++) {
        const KernGenVariant *v = &kern__gen_variants[i];
        char name[96];
        snprintf(name, sizeof name, "gen %s %s x%d%s (prepared activations)", type_layouts[v->type].name,
                 isa_names[v->isa], v->rows, v->il_only ? ", interleaved rows' kernel" : "");
        if (!kern_isa_have[v->isa]) { SKIP(name, "CPU lacks ISA %s", isa_names[v->isa]); continue; }
        test_gemv(v->type, v->fn, v->prep, v->rows, name);
        if (!v->fn_l1) continue;        /* the same kernel prefetching with prefetcht0 */
        snprintf(name, sizeof name, "gen %s %s x%d%s (prepared activations, prefetcht0)", type_layouts[v->type].name,
                 isa_names[v->isa], v->rows, v->il_only ? ", interleaved rows' kernel" : "");
        test_gemv(v->type, v->fn_l1, v->prep, v->rows, name);
    }
    for (size_t i = 0; kern__gen_variants[i].type >= 0; i++) {
        const KernGenVariant *v = &kern__gen_variants[i];
        if (!v->fn_il) continue;
        char name[96];
        snprintf(name, sizeof name, "gen %s %s x%d (interleaved rows)", type_layouts[v->type].name, isa_names[v->isa], v->rows);
        if (!kern_isa_have[v->isa]) { SKIP(name, "CPU lacks ISA %s", isa_names[v->isa]); continue; }
        test_il(v, name);
        if (kern_impl[v->type].gen_il != v->fn_il) continue;   /* the driver: with the kernels kern_init chose */
        for (int nth = 1; nth <= 3; nth++) {
            int toks[] = { 1, 2, 3, 5, 40 };
            for (int k = 0; k < 5; k++) test_il_job(v->type, toks[k], nth, 0);
            if (kern_impl[v->type].batch_il) test_il_job(v->type, 40, nth, 1);
        }
    }
    int types[] = { T_Q4_0, T_Q4_1, T_Q5_0, T_Q5_1, T_Q8_0, T_Q2_K, T_Q3_K, T_Q4_K, T_Q5_K, T_Q6_K };
    for (int i = 0; i < 10; i++) test_job(&types[i], 1, 0, 4 * 5 + 3, 1);
    /* Q, K and V of a Q4_K_M model (Q6_K V), and of a Q4_0 one; gate and up + SwiGLU */
    int qkv_k[] = { T_Q4_K, T_Q4_K, T_Q6_K }, qkv_0[] = { T_Q4_0, T_Q4_0, T_Q4_0 }, gu[] = { T_Q4_K, T_Q6_K };
    for (int nth = 1; nth <= 3; nth++) {
        test_job(qkv_k, 3, 0, 77, nth);
        test_job(qkv_0, 3, 0, 77, nth);
        test_job(gu, 2, 1, 150, nth);
    }
    return test_failed ? 1 : 0;
}
