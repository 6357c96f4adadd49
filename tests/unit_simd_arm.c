/* tests/unit_simd.c - every SIMD variant in kern__variants (section 10 of llm.c) against
 * the reference kernels, on this machine's ISAs (x86_64 natively; aarch64 and armv7 under
 * qemu-user, see tests/t_cross.sh). A variant whose ISA this CPU lacks prints SKIP.
 *
 * Per variant row:
 *   - dot: random weight rows of 1, 2, 3, 7 blocks and a few thousand elements (and for
 *     the 32-blocks 4 and 5 blocks, for the 2-block unrolled loops), the block bytes
 *     random and the f16 scales random per row over 10^-4..10^3 (and some f16 maxima
 *     65504 / tiny subnormals), some blocks all zero; activations random with a random
 *     scale per block (and all-zero blocks, single spikes) converted with the reference
 *     from_float_act of the vec_dot_type. Tolerance: the variant and the reference both
 *     sum integers exactly within a block and differ only in float rounding and order
 *     of the per-block terms, so |simd - ref| <= 2 (nb + 4) u S with u = 2^-24,
 *     nb = blocks (elements for F32/F16) and S = sum |w_i x_i| plus the affine terms
 *     (sum |min_i x_i| for Q4_1/Q5_1/Q2_K/Q4_K/Q5_K, from the dequantised rows).
 *     Results that must be bit-identical are not required to be, only within that bound;
 *     the largest measured error in units of u S is printed as a `# ` line.
 *   - quant_act: the same bytes as from_float_act of that type (Q8_0/Q8_1/Q8_K) on
 *     random rows with per-block scales 10^-38..10^30, all-zero blocks, exact ties
 *     (x.5 after scaling), negative and positive maxima, repeated maxima of both signs.
 *   - tile: every tile_r x tile_t block equals tile_r * tile_t calls of the variant's
 *     dot and of the reference dot (within the same tolerance; F16 activations clamped
 *     to stay finite, as for the dots).
 * Then kern_init(0) must pick, per type, the last listed variant of an ISA this CPU has.
 * On ARM also arm__h2f4q, the scales' vector half-to-float conversion (integer lanes on
 * armv7), against f16_to_f32 on all 65536 halves. */
#define LLM_NO_MAIN
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#include "../llm.c"
#include "test.h"
#pragma GCC diagnostic pop

#define U24 (1.0 / 16777216.0)

static float rnd_f(float lo, float hi) { return lo + (hi - lo) * (float)test_uniform(); }
static uint8_t rnd_b(void) { return (uint8_t)(test_uniform() * 256.0); }

/* A random f16 scale for row scale `rs` (or, rarely, an extreme). */
static uint16_t rnd_scale(float rs, int allow_neg) {
    double u = test_uniform();
    if (u < 0.01) return 0x7bff;                          /* 65504 */
    if (u < 0.02) return (uint16_t)(1 + rnd_b() % 8);     /* subnormal */
    float v = rs * rnd_f(0.25f, 1.0f);
    if (allow_neg && test_uniform() < 0.3) v = -v;
    return f32_to_f16(v);
}

/* Byte offsets of the f16 scales of a block, -1 terminated; [0] = d (may be negative
   only where the format has a signed d; here every d is allowed either sign). */
static const int *scale_offsets(int type) {
    static const int o_d0[] = { 0, -1 }, o_d0m2[] = { 0, 2, -1 }, o_q2k[] = { 80, 82, -1 },
                     o_q3k[] = { 108, -1 }, o_q6k[] = { 208, -1 };
    switch (type) {
    case T_Q4_0: case T_Q5_0: case T_Q8_0: return o_d0;
    case T_Q4_1: case T_Q5_1: case T_Q4_K: case T_Q5_K: return o_d0m2;
    case T_Q2_K: return o_q2k;
    case T_Q3_K: return o_q3k;
    case T_Q6_K: return o_q6k;
    default: return NULL;
    }
}

/* A random weight row of n elements of `type` into w. */
static void make_weights(int type, uint8_t *w, int64_t n) {
    const TypeLayout *L = &type_layouts[type];
    int64_t nb = n / L->blck;
    float rs = powf(10.0f, rnd_f(-4.0f, 3.0f));
    if (type == T_F32) {
        float *f = (float *)w;
        for (int64_t i = 0; i < n; i++) f[i] = test_normal(rs);
        return;
    }
    if (type == T_F16 || type == T_BF16) {
        uint16_t *h = (uint16_t *)w;
        for (int64_t i = 0; i < n; i++) {
            float v = test_normal(rs);
            h[i] = type == T_F16 ? f32_to_f16(v) : f32_to_bf16(v);
        }
        return;
    }
    const int *off = scale_offsets(type);
    for (int64_t b = 0; b < nb; b++) {
        uint8_t *blk = w + b * L->size;
        if (test_uniform() < 0.08) { memset(blk, 0, (size_t)L->size); continue; }
        for (int i = 0; i < L->size; i++) blk[i] = rnd_b();
        for (int k = 0; off && off[k] >= 0; k++) {
            uint16_t s = rnd_scale(rs, 1);
            memcpy(blk + off[k], &s, 2);
        }
    }
}

/* A random activation row: per 32 elements a scale 10^-3..10^2, some zero blocks and spikes. */
static void make_acts(float *x, int64_t n) {
    for (int64_t i = 0; i < n; i += 32) {
        float s = powf(10.0f, rnd_f(-3.0f, 2.0f));
        double u = test_uniform();
        for (int64_t j = i; j < i + 32 && j < n; j++) x[j] = u < 0.05 ? 0.0f : test_normal(s);
        if (u > 0.95 && i < n) x[i + (int64_t)(test_uniform() * 31) % (n - i)] = 1000.0f * s;
    }
}

/* sum |w_i x_i| + sum |min_i x_i| from the dequantised rows. */
static double mag_bound(int type, const uint8_t *w, const float *wdq, const float *xdq, int64_t n) {
    double S = 0.0;
    for (int64_t i = 0; i < n; i++) S += fabs((double)wdq[i] * xdq[i]);
    const TypeLayout *L = &type_layouts[type];
    for (int64_t i = 0; i < n; i++) {
        const uint8_t *blk = w + (i / L->blck) * L->size;
        int e = (int)(i % L->blck);
        double mn = 0.0;
        uint16_t h;
        switch (type) {
        case T_Q4_1: case T_Q5_1: memcpy(&h, blk + 2, 2); mn = f16_to_f32(h); break;
        case T_Q2_K: memcpy(&h, blk + 82, 2); mn = f16_to_f32(h) * (blk[e / 16] >> 4); break;
        case T_Q4_K: case T_Q5_K: {
            int sc, m;
            kern__k4_scale_min(e / 32, blk + 4, &sc, &m);
            memcpy(&h, blk + 2, 2);
            mn = f16_to_f32(h) * m;
            break;
        }
        default: break;
        }
        S += 2.0 * fabs(mn * xdq[i]);
    }
    return S;
}

static int have_isa(int isa) { return isa >= 0 && isa < ISA_COUNT && kern_isa_have[isa]; }

static void test_dot(const KernVariant *v) {
    char name[96];
    snprintf(name, sizeof name, "simd.dot.%s.%s", type_name((uint32_t)v->type), isa_names[v->isa]);
    if (!have_isa(v->isa)) { SKIP(name, "CPU lacks %s", isa_names[v->isa]); return; }
    const KernType *kt = kern_type(v->type);
    const KernType *at = kern_type(kt->vec_dot_type);
    int blck = type_layouts[v->type].blck;
    int qb = blck == 1 ? 32 : blck;                 /* length unit */
    int64_t lens[] = { 1, 2, 3, 4, 5, 7, 4096 / qb + 3, 5632 / qb, 0 };
    if (blck == 1) { lens[0] = 1; lens[1] = 13; lens[2] = 40; lens[3] = 121; lens[4] = 364; }
    double worst = 0.0;
    int bad = 0;
    char why[200] = "";
    for (int li = 0; lens[li]; li++) {
        int64_t n = blck == 1 && li < 5 ? lens[li] : lens[li] * qb;
        for (int rep = 0; rep < 12; rep++) {
            size_t wbytes = type_row_size(v->type, n), xbytes = type_row_size(kt->vec_dot_type, n);
            uint8_t *w = malloc(wbytes), *xq = malloc(xbytes);
            float *x = malloc((size_t)n * 4), *wdq = malloc((size_t)n * 4), *xdq = malloc((size_t)n * 4);
            make_weights(v->type, w, n);
            make_acts(x, n);
            if (kt->vec_dot_type == T_F16)          /* stay finite in half precision */
                for (int64_t i = 0; i < n; i++) x[i] = fminf(60000.0f, fmaxf(-60000.0f, x[i]));
            at->from_float_act(x, xq, n);
            kt->to_float(w, wdq, n);
            at->to_float(xq, xdq, n);
            float r = kt->dot(w, xq, n), s = v->dot(w, xq, n);
            double S = mag_bound(v->type, w, wdq, xdq, n);
            int64_t nterms = blck == 1 ? n : n / blck;
            double tol = 2.0 * (double)(nterms + 4) * U24 * S + 1e-35;
            double err = fabs((double)s - (double)r);
            if (S > 0 && err / (U24 * S) > worst) worst = err / (U24 * S);
            if (!(err <= tol) && !bad++)
                snprintf(why, sizeof why, "n=%lld rep %d: ref %.9g simd %.9g (|diff| %.3g > tol %.3g)",
                         (long long)n, rep, r, s, err, tol);
            free(w), free(xq), free(x), free(wdq), free(xdq);
        }
    }
    CHECK(name, !bad, "%d rows out of tolerance; first: %s", bad, why);
    printf("# %s: largest |simd - ref| = %.2f u S\n", name, worst);
}

static void fill_act_case(float *x, int64_t n, int c) {
    for (int64_t i = 0; i < n; i += 32) {
        int kind = (int)(test_uniform() * 8);
        float s = powf(10.0f, rnd_f(-37.0f, 30.0f));
        for (int64_t j = i; j < i + 32 && j < n; j++) {
            switch (c == 0 ? kind : c) {
            case 0: x[j] = 0.0f; break;
            case 1: x[j] = (float)((int)(test_uniform() * 254) - 127) + 0.5f; break;   /* ties */
            case 2: x[j] = test_normal(s); break;
            case 3: x[j] = test_normal(1.0f); break;
            case 4: x[j] = (float)((int)(test_uniform() * 253) - 126); break;          /* integers */
            case 5: x[j] = test_normal(1e-30f * s); break;                            /* tiny */
            default: x[j] = test_normal(s) * (test_uniform() < 0.5 ? 1.0f : 1e-3f); break;
            }
        }
        /* amax 127 of either sign: scale exactly 1, so the .5 values are exact ties */
        if ((c == 0 ? kind : c) == 1 || (c == 0 ? kind : c) == 4) x[i] = test_uniform() < 0.5 ? 127.0f : -127.0f;
        if (kind == 6 && i + 1 < n) { x[i] = -x[i + 1]; }                              /* repeated magnitude */
        if (kind == 7 && i + 20 < n) { x[i + 3] = 7.0f * s; x[i + 20] = -7.0f * s; }   /* +max first */
        if (kind == 2 && i + 20 < n) { x[i + 3] = -7.0f * s; x[i + 20] = 7.0f * s; }   /* -max first */
    }
}

static void test_quant_act(const KernVariant *v) {
    char name[96];
    snprintf(name, sizeof name, "simd.quant_act.%s.%s", type_name((uint32_t)v->type), isa_names[v->isa]);
    if (!have_isa(v->isa)) { SKIP(name, "CPU lacks %s", isa_names[v->isa]); return; }
    const KernType *kt = kern_type(v->type);
    int blck = type_layouts[v->type].blck;
    int64_t lens[] = { 1, 2, 3, 7, 5632 / blck, 0 };
    int bad = 0;
    char why[200] = "";
    for (int li = 0; lens[li]; li++) {
        int64_t n = lens[li] * blck;
        for (int c = 0; c < 8; c++) {
            size_t nbytes = type_row_size(v->type, n);
            float *x = malloc((size_t)n * 4);
            uint8_t *a = malloc(nbytes), *b = malloc(nbytes);
            fill_act_case(x, n, c);
            memset(a, 0x55, nbytes), memset(b, 0xaa, nbytes);
            kt->from_float_act(x, a, n);
            v->quant_act(x, b, n);
            if (memcmp(a, b, nbytes) && !bad++) {
                size_t k = 0;
                while (a[k] == b[k]) k++;
                snprintf(why, sizeof why, "n=%lld case %d: byte %zu (block %zu) ref %02x simd %02x",
                         (long long)n, c, k, k / (size_t)type_layouts[v->type].size, a[k], b[k]);
            }
            free(x), free(a), free(b);
        }
    }
    CHECK(name, !bad, "%d rows differ; first: %s", bad, why);
}

static void test_tile(const KernVariant *v) {
    char name[96];
    snprintf(name, sizeof name, "simd.tile.%s.%s.%dx%d", type_name((uint32_t)v->type), isa_names[v->isa],
             v->tile_r, v->tile_t);
    if (!have_isa(v->isa)) { SKIP(name, "CPU lacks %s", isa_names[v->isa]); return; }
    const KernType *kt = kern_type(v->type);
    const KernType *at = kern_type(kt->vec_dot_type);
    int blck = type_layouts[v->type].blck;
    /* the float types: lengths that leave a tail of 1..3 elements after the 4-element steps */
    int64_t lens[] = { blck == 1 ? 43 : blck, 3 * (blck == 1 ? 33 : blck), 2048 + (blck == 1 ? 2 : 0), 0 };
    int bad = 0;
    char why[200] = "";
    float (*dot)(const void *, const void *, int64_t) = v->dot ? v->dot : kt->dot;
    for (int li = 0; lens[li]; li++) {
        int64_t n = lens[li];
        size_t wr = type_row_size(v->type, n), xr = type_row_size(kt->vec_dot_type, n);
        uint8_t *w = malloc(wr * (size_t)v->tile_r), *xq = malloc(xr * (size_t)v->tile_t);
        float *x = malloc((size_t)n * 4), *out = malloc(sizeof(float) * (size_t)(v->tile_r * v->tile_t + 1) * 2);
        float *wdq = malloc((size_t)n * 4), *xdq = malloc((size_t)n * 4);
        for (int r = 0; r < v->tile_r; r++) make_weights(v->type, w + r * wr, n);
        for (int t = 0; t < v->tile_t; t++) {
            make_acts(x, n);
            if (kt->vec_dot_type == T_F16)          /* stay finite in half precision */
                for (int64_t i = 0; i < n; i++) x[i] = fminf(60000.0f, fmaxf(-60000.0f, x[i]));
            at->from_float_act(x, xq + t * xr, n);
        }
        int64_t stride = v->tile_r + 1;
        v->tile(w, wr, v->tile_r, xq, xr, v->tile_t, n, out, stride);
        for (int t = 0; t < v->tile_t; t++)
            for (int r = 0; r < v->tile_r; r++) {
                float d = dot(w + r * wr, xq + t * xr, n), o = out[t * stride + r], ref = kt->dot(w + r * wr, xq + t * xr, n);
                kt->to_float(w + r * wr, wdq, n);
                at->to_float(xq + t * xr, xdq, n);
                double S = mag_bound(v->type, w + r * wr, wdq, xdq, n);
                int64_t nterms = blck == 1 ? n : n / blck;
                double tol = 2.0 * (double)(nterms + 4) * U24 * S + 1e-35;
                if (!(fabs((double)d - o) <= tol && fabs((double)ref - o) <= tol) && !bad++)
                    snprintf(why, sizeof why, "n=%lld r %d t %d: dot %.9g tile %.9g ref %.9g", (long long)n, r, t, d, o, ref);
            }
        free(w), free(xq), free(x), free(out), free(wdq), free(xdq);
    }
    CHECK(name, !bad, "%d outputs out of tolerance; first: %s", bad, why);
}

/* kern_init picks, per type, the last row whose ISA this CPU has. */
static void test_dispatch(void) {
    kern_init(0);
    int bad = 0;
    char why[160] = "";
    for (int t = 0; t < T_COUNT; t++) {
        const KernType *kt = kern_type(t);
        if (!kt) continue;
        float (*want_dot)(const void *, const void *, int64_t) = kt->dot;
        void (*want_q)(const float *, void *, int64_t) = kt->from_float_act;
        for (size_t i = 0; kern__variants[i].type >= 0; i++) {
            const KernVariant *v = &kern__variants[i];
            if (v->type != t || !kern_isa_have[v->isa]) continue;
            if (v->dot) want_dot = v->dot;
            if (v->quant_act) want_q = v->quant_act;
        }
        if ((kern_impl[t].dot != want_dot || kern_impl[t].quant_act != want_q) && !bad++)
            snprintf(why, sizeof why, "type %s", type_name((uint32_t)t));
        if (kern_impl[t].isa != ISA_REF || kern_impl[t].quant_act != kt->from_float_act)
            printf("# kern_impl %s: dot %s%s, quant_act %s\n", type_name((uint32_t)t), isa_names[kern_impl[t].isa],
                   kern_impl[t].tile ? " +tile" : "", kern_impl[t].quant_act == kt->from_float_act ? "ref" : "simd");
    }
    CHECK("simd.dispatch picks the last supported variant", !bad, "%s", why);
    kern_init(1);
    int ref = 1;
    for (int t = 0; t < T_COUNT; t++)
        if (kern_type(t) && (kern_impl[t].dot != kern_type(t)->dot || kern_impl[t].tile)) ref = 0;
    CHECK("simd.dispatch LLM_FORCE_REF keeps the reference", ref, "a variant was chosen");
}

#if defined(LLM_SIMD_ARM)
/* The scales' vector conversion: every half against f16_to_f32, bit for bit (a NaN only
   as NaN: aarch64's fcvt quiets signalling NaNs, which no kernel result depends on). */
#if defined(__arm__)
__attribute__((target("fpu=neon")))     /* as llm.c's NEON part (the rest is plain VFP) */
#endif
static void test_h2f4q(void) {
    int bad = 0;
    char why[120] = "";
    for (uint32_t h = 0; h < 65536; h += 4) {
        const uint16_t in[4] = { (uint16_t)h, (uint16_t)(h + 1), (uint16_t)(h + 2), (uint16_t)(h + 3) };
        float got[4];
        vst1q_f32(got, arm__h2f4q(vld1_u16(in)));
        for (int i = 0; i < 4; i++) {
            float want = f16_to_f32(in[i]);
            uint32_t gb, wb;
            memcpy(&gb, &got[i], 4), memcpy(&wb, &want, 4);
            int ok = isnan(want) ? isnan(got[i]) : gb == wb;
            if (!ok && !bad++) snprintf(why, sizeof why, "half 0x%04x: got 0x%08x, f16_to_f32 0x%08x", in[i], gb, wb);
        }
    }
    CHECK("simd.h2f4q: all 65536 halves as f16_to_f32", !bad, "%d differ; first: %s", bad, why);
}
#endif

int main(void) {
    kern_init(0);
#if defined(LLM_SIMD_ARM)
    test_h2f4q();
#endif
    printf("# ISAs:");
    for (int i = 0; i < ISA_COUNT; i++)
        if (kern_isa_have[i]) printf(" %s", isa_names[i]);
    printf("\n");
    int rows = 0;
    for (size_t i = 0; kern__variants[i].type >= 0; i++, rows++) {
        const KernVariant *v = &kern__variants[i];
        if (v->dot) test_dot(v);
        if (v->quant_act) test_quant_act(v);
        if (v->tile) test_tile(v);
    }
    if (!rows) SKIP("simd.variants", "no SIMD variant is compiled for this architecture");
    test_dispatch();
    return test_failed ? 1 : 0;
}
