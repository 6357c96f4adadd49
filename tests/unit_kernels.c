/* tests/unit_kernels.c - section 10 (kernels) of llm.c: the type table, f16/bf16
 * conversion, activation quantisation (Q8_0, Q8_1, Q8_K and the _act variants), and the
 * dequantisation and dot products of every weight type against llama.cpp's files.
 *
 * Always run (no data needed):
 *   - type table: names and block layouts of every type, row sizes, vec_dot_type, which
 *     types have from_float / from_float_act / dot, unknown ids.
 *   - f16/bf16: hand-picked cases (ties, subnormals, overflow, NaN), every one of the
 *     65536 halves round-trips, f32_to_f16 equals the compiler's IEEE _Float16 cast on
 *     every midpoint between halves (+-2 ulp) and on random float bit patterns, f32_to_bf16
 *     is the nearest bf16 (ties to even) on random floats.
 *   - Q8_K/Q8_0/Q8_1 _ref: bsums, scale sign, error <= d/2 (+ the f16 rounding of d),
 *     s = f16(d * sum q), quantise(dequantise) gives the blocks back (a Q8_K block holding
 *     both +127 and -127 may come back negated: a magnitude tie), tie rules.
 *   - _act (how matmuls quantise activation rows for Q8_0/Q8_1): id = 127/amax with
 *     ties to even, against _ref's d = amax/127, q = roundf(x/d). Exact arithmetic gives
 *     t = x*127/amax; _ref's value carries three float roundings (d, 1/d, x*id) and
 *     _act's two, so they can round t differently only when t is within 3u|t| of a
 *     half-integer (u = 2^-24), or is exactly one (ties away vs ties to even). Every
 *     disagreement must have |frac(t) - 1/2| <= 4u|t| and differ by exactly 1. Dot
 *     products of a Q8_0 and a Q4_0 weight row with both activation versions then differ
 *     by exactly sum over flipped elements of w_j * d_x * dq_j, so the bound is that sum
 *     (computed) plus both dots' float rounding, (nb + 2) u sum|w x| each.
 *
 * With $LLM_TEST_DATA/reference (else SKIP): synth-llama-F32.gguf holds the original
 * weights and synth-llama-{F16,Q8_0,...,Q6_K,Q4_K_M}.gguf the same weights quantised by
 * llama-quantize (no imatrix). Per type, over every tensor of that type in those files:
 *   - dequantise vs F32 original: relative RMS error below that type's limit (below;
 *     round-to-nearest quantisation measures ~half of it; a wrong layout gives ~1);
 *   - quantise (from_float) reproduces llama-quantize's bytes and quantise(dequantise)
 *     gives the file back (F16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1);
 *   - K-quants: llama-quantize ends every *_K_ref with q = clamp(nearest_int((w + m)/d))
 *     on the final f16 sub-block scale d and min m, so every dequantised value must be
 *     exactly d*q - m with q from the F32 original (checks every bit position);
 *   - dot vs dequantised double: the activation is converted with from_float_act of the
 *     vec_dot_type as the matmul does, and the dot must equal sum(wdeq * xdeq) in double
 *     within (nb + 2) u sum|w x|: within a block the kernels sum integers exactly, each
 *     of the nb block terms is rounded a couple of times (relative u each) and summed in
 *     float (each partial sum rounded, error <= nb u sum of |terms|). F32 products are
 *     rounded once (u), F16/BF16 products are exact. Lengths: one and two blocks, half a row,
 *     a row; F32/BF16 rows of ffn_down at lengths 1, 4, 13, 40, 121, 364.
 *   BF16 has no llama-quantize file: its weights are the F32 ones through f32_to_bf16.
 * A `# ` table of the measured values follows the checks. */
#define LLM_NO_MAIN
/* llm.c and test.h define static functions this test does not call; those warnings
   belong to neither file's correctness, so they are silenced for the two includes only. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#include "../llm.c"
#include "test.h"
#pragma GCC diagnostic pop

#define U24 (1.0 / 16777216.0)    /* float unit roundoff 2^-24 */

static uint32_t rnd_u32(void) { test_uniform(); return (uint32_t)(test_rng >> 32); }
static uint32_t fbits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static float bitsf(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }

/* One check line over many values: counts, and the first failure's description. */

/* ---------------- type table ---------------- */

static void test_table(void) {
    static const struct { int id; const char *name; int blck, size, vdt; } want[] = {
        { T_F32, "F32", 1, 4, T_F32 },       { T_F16, "F16", 1, 2, T_F16 },
        { T_Q4_0, "Q4_0", 32, 18, T_Q8_0 },  { T_Q4_1, "Q4_1", 32, 20, T_Q8_1 },
        { T_Q5_0, "Q5_0", 32, 22, T_Q8_0 },  { T_Q5_1, "Q5_1", 32, 24, T_Q8_1 },
        { T_Q8_0, "Q8_0", 32, 34, T_Q8_0 },  { T_Q8_1, "Q8_1", 32, 36, T_Q8_1 },
        { T_Q2_K, "Q2_K", 256, 84, T_Q8_K }, { T_Q3_K, "Q3_K", 256, 110, T_Q8_K },
        { T_Q4_K, "Q4_K", 256, 144, T_Q8_K }, { T_Q5_K, "Q5_K", 256, 176, T_Q8_K },
        { T_Q6_K, "Q6_K", 256, 210, T_Q8_K }, { T_Q8_K, "Q8_K", 256, 292, T_Q8_K },
        { T_BF16, "BF16", 1, 2, T_BF16 },
    };
    Agg lay = { 0 }, vdt = { 0 }, fns = { 0 }, unk = { 0 };
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        int id = want[i].id;
        const TypeLayout *L = &type_layouts[id];
        const KernType *t = kern_type(id);
        int act_only = id == T_Q8_1 || id == T_Q8_K;
        agg(&lay, L->name && !strcmp(L->name, want[i].name) && L->blck == want[i].blck &&
            L->size == want[i].size && !strcmp(type_name(id), want[i].name) &&
            type_row_size(id, 4096) == (size_t)(4096 / want[i].blck) * (size_t)want[i].size &&
            (type_layout(id) == NULL) == act_only,
            "type %d: %s blck %d size %d (want %s %d %d), layout %s", id, L->name ? L->name : "NULL",
            L->blck, L->size, want[i].name, want[i].blck, want[i].size,
            type_layout(id) ? "non-NULL" : "NULL");
        if (!t) { agg(&fns, 0, "%s: kern_type is NULL", want[i].name); continue; }
        const KernType *v = kern_type(t->vec_dot_type);
        agg(&vdt, t->vec_dot_type == want[i].vdt && v && v->from_float_act &&
            type_layouts[t->vec_dot_type].blck == want[i].blck,
            "%s: vec_dot_type %d (want %d)", want[i].name, t->vec_dot_type, want[i].vdt);
        int is_float = id == T_F32 || id == T_F16 || id == T_BF16;
        int act = is_float || id == T_Q8_0 || act_only;
        int has_ff = act || id == T_Q4_0 || id == T_Q4_1 || id == T_Q5_0 || id == T_Q5_1;
        /* from_float_act: the _act rounding for Q8_0/Q8_1, equal to from_float for the
           float types and Q8_K, NULL for weight-only types */
        int act_ok = !act ? t->from_float_act == NULL
                   : (id == T_Q8_0 || id == T_Q8_1) ? t->from_float_act && t->from_float_act != t->from_float
                   : t->from_float_act == t->from_float;
        agg(&fns, t->to_float && (t->from_float != NULL) == has_ff && act_ok &&
            (t->dot == NULL) == act_only,
            "%s: to_float %s from_float %s from_float_act %s dot %s", want[i].name,
            t->to_float ? "set" : "NULL", t->from_float ? "set" : "NULL",
            t->from_float_act ? (t->from_float_act == t->from_float ? "=from_float" : "own") : "NULL",
            t->dot ? "set" : "NULL");
    }
    static const int unknown[] = { -1, 4, 5, 16, 17, 20, 29, 31, 39, 40, 1000 };
    for (size_t i = 0; i < sizeof unknown / sizeof *unknown; i++) {
        int id = unknown[i];
        agg(&unk, kern_type(id) == NULL && type_layout((uint32_t)id) == NULL &&
            (id < 0 || id >= T_COUNT || type_layouts[id].name == NULL),
            "type %d is known", id);
    }
    CHECK("kernels table unknown type names", !strcmp(type_name(20), "IQ4_NL") &&
          !strcmp(type_name(39), "MXFP4") && !strcmp(type_name(1000), "unknown"),
          "type_name(20) %s, (39) %s, (1000) %s", type_name(20), type_name(39), type_name(1000));
    agg_check("kernels table block layouts and row sizes", &lay);
    agg_check("kernels table vec_dot_type", &vdt);
    agg_check("kernels table kernel functions per type", &fns);
    agg_check("kernels table unknown ids have no kernels", &unk);
}

/* ---------------- f16 / bf16 ---------------- */

static void test_f16(void) {
    static const struct { float f; uint16_t h; } c16[] = {
        { 0.0f, 0x0000 }, { -0.0f, 0x8000 }, { 1.0f, 0x3c00 }, { -2.0f, 0xc000 },
        { 65504.0f, 0x7bff }, { 65519.99f, 0x7bff }, { 65520.0f, 0x7c00 }, { 1e10f, 0x7c00 },
        { INFINITY, 0x7c00 }, { -INFINITY, 0xfc00 },
        { 0x1p-24f, 0x0001 }, { 0x1p-25f, 0x0000 }, { 0x1.8p-25f, 0x0001 }, { 0x1p-26f, 0x0000 },
        { 0x3p-25f, 0x0002 },   /* 1.5 units: tie, to even 2 */
        { 0x5p-25f, 0x0002 },   /* 2.5 units: tie, to even 2 */
        { 0x1p-14f, 0x0400 }, { 0x1.ff8p-15f, 0x03ff },
        { 0x1.ffcp-15f, 0x0400 },   /* 1023.5 units: to even, into the normals */
        { 1.0f + 0x1p-11f, 0x3c00 }, { 1.0f + 0x3p-11f, 0x3c02 }, { 1.0f + 0x1.02p-11f, 0x3c01 },
        { 2049.0f, 0x6800 }, { 2051.0f, 0x6802 }, { 0x1p-30f, 0x0000 }, { -0x1p-24f, 0x8001 },
        { 1e-45f, 0x0000 },
    };
    Agg cases = { 0 }, rt = { 0 };
    for (size_t i = 0; i < sizeof c16 / sizeof *c16; i++) {
        uint16_t h = f32_to_f16(c16[i].f);
        agg(&cases, h == c16[i].h, "f32_to_f16(%a) = %04x, want %04x", c16[i].f, h, c16[i].h);
    }
    agg(&cases, (f32_to_f16(NAN) & 0x7fff) == 0x7e00, "f32_to_f16(nan) = %04x", f32_to_f16(NAN));
    agg(&cases, f32_to_f16(bitsf(0xff800001u)) == 0xfe00, "f32_to_f16(-nan) = %04x",
        f32_to_f16(bitsf(0xff800001u)));
    agg(&cases, isnan(f16_to_f32(0x7e00)) && isnan(f16_to_f32(0x7c01)), "f16_to_f32(nan) not nan");
    agg(&cases, isinf(f16_to_f32(0xfc00)) && f16_to_f32(0xfc00) < 0, "f16_to_f32(fc00) not -inf");
    agg(&cases, f16_to_f32(0x0001) == 0x1p-24f && f16_to_f32(0x83ff) == -0x3ffp-24f,
        "f16 subnormals: %a %a", f16_to_f32(0x0001), f16_to_f32(0x83ff));
    agg_check("kernels f16 conversion cases", &cases);

    for (uint32_t h = 0; h < 65536; h++) {
        uint16_t back = f32_to_f16(f16_to_f32((uint16_t)h));
        if ((h & 0x7c00) == 0x7c00 && (h & 0x3ff))   /* NaN: quiet 0x7e00, sign kept */
            agg(&rt, (back & 0x7fff) == 0x7e00 && (back & 0x8000) == (h & 0x8000),
                "nan %04x -> %04x", h, back);
        else agg(&rt, back == h, "%04x -> %a -> %04x", h, f16_to_f32((uint16_t)h), back);
    }
    agg_check("kernels f16 round trip of all 65536 halves", &rt);

#ifdef __FLT16_MAX__
    Agg ieee = { 0 };
    for (uint32_t h = 0; h < 0x7c00; h++) {
        float lo = f16_to_f32((uint16_t)h), hi = h + 1 < 0x7c00 ? f16_to_f32((uint16_t)(h + 1)) : 65536.0f;
        uint32_t mb = fbits((float)(((double)lo + (double)hi) / 2));
        for (int dlt = -2; dlt <= 2; dlt++)
            for (int s = 0; s < 2; s++) {
                float f = bitsf((mb + (uint32_t)dlt) | (s ? 0x80000000u : 0));
                _Float16 r = (_Float16)f;
                uint16_t w;
                memcpy(&w, &r, 2);
                agg(&ieee, f32_to_f16(f) == w, "%a: %04x, _Float16 %04x", f, f32_to_f16(f), w);
            }
    }
    for (int i = 0; i < 4000000; i++) {
        float f = bitsf(rnd_u32());
        if (isnan(f)) continue;
        _Float16 r = (_Float16)f;
        uint16_t w;
        memcpy(&w, &r, 2);
        agg(&ieee, f32_to_f16(f) == w, "%a: %04x, _Float16 %04x", f, f32_to_f16(f), w);
    }
    printf("# f16: %ld conversions compared with the compiler's _Float16, %ld differ\n", ieee.n, ieee.bad);
    agg_check("kernels f16 rounding vs _Float16", &ieee);
#else
    SKIP("kernels f16 rounding vs _Float16", "the compiler has no _Float16");
#endif
}

static void test_bf16(void) {
    static const struct { uint32_t f; uint16_t h; } cb[] = {
        { 0x3f800000u, 0x3f80 }, { 0x3f808000u, 0x3f80 }, { 0x3f818000u, 0x3f82 }, { 0x3f808001u, 0x3f81 },
        { 0x3f807fffu, 0x3f80 }, { 0x7f800000u, 0x7f80 }, { 0xff800000u, 0xff80 },
        { 0x7f7fffffu, 0x7f80 },   /* FLT_MAX rounds to inf */
        { 0x00008000u, 0x0000 }, { 0x00018000u, 0x0002 }, { 0x00010001u, 0x0001 },  /* subnormals kept */
        { 0x80000000u, 0x8000 }, { 0x7f800001u, 0x7fc0 }, { 0xffc00000u, 0xffc0 }, { 0x7fa12345u, 0x7fe1 },
    };
    Agg cases = { 0 }, rt = { 0 }, rnd = { 0 };
    for (size_t i = 0; i < sizeof cb / sizeof *cb; i++) {
        uint16_t h = f32_to_bf16(bitsf(cb[i].f));
        agg(&cases, h == cb[i].h, "f32_to_bf16(%08x) = %04x, want %04x", cb[i].f, h, cb[i].h);
    }
    agg_check("kernels bf16 conversion cases", &cases);
    for (uint32_t h = 0; h < 65536; h++) {
        uint16_t back = f32_to_bf16(bf16_to_f32((uint16_t)h));
        if ((h & 0x7f80) == 0x7f80 && (h & 0x7f)) agg(&rt, back == (h | 0x40), "nan %04x -> %04x", h, back);
        else agg(&rt, back == h, "%04x -> %04x", h, back);
    }
    agg_check("kernels bf16 round trip of all 65536 values", &rt);
    /* nearest of the two bf16 neighbours, ties to even, by double arithmetic */
    for (int i = 0; i < 2000000; i++) {
        float f = bitsf(rnd_u32());
        if (!isfinite(f)) continue;
        uint16_t h = f32_to_bf16(f);
        uint32_t u = fbits(f);
        double e = fabs((double)bf16_to_f32(h) - f);
        double e_lo = fabs((double)bitsf(u & 0xffff0000u) - f);
        double e_hi = fabs((double)bitsf((u & 0xffff0000u) + 0x10000u) - f);
        double best = e_lo < e_hi ? e_lo : e_hi;
        int ok = isinf(bf16_to_f32(h)) ? fabsf(f) >= 0x1.fefffep127f : e <= best;
        if (e_lo == e_hi && (h & 1)) ok = 0;
        agg(&rnd, ok, "%a -> %04x (%a)", f, h, bf16_to_f32(h));
    }
    agg_check("kernels bf16 nearest-even on random floats", &rnd);
}

/* ---------------- activation formats: _ref ---------------- */

static void test_activation_ref(void) {
    enum { N = 1024 };
    static float x[N], y[N], z[N];
    static uint8_t q[N * 2], q2[N * 2];
    Agg bsums = { 0 }, sign = { 0 }, kerr = { 0 }, krt = { 0 }, rt0 = { 0 }, s1 = { 0 }, e1 = { 0 },
        rt1 = { 0 }, same = { 0 };
    for (int rep = 0; rep < 50; rep++) {
        for (int i = 0; i < N; i++) x[i] = test_normal(rep % 5 == 0 ? 100.0f : 0.3f);
        if (rep == 1) for (int i = 0; i < 256; i++) x[i] = 0.0f;   /* an all-zero block */
        if (rep == 2) x[7] = 50.0f;                               /* positive max: Q8_K d < 0 */
        if (rep == 3) x[7] = -50.0f;
        kern_quant_q8_k_ref(x, q, N);
        const BlockQ8_K *b = (const BlockQ8_K *)q;
        for (int i = 0; i < N / QK_K; i++) {
            float amax = 0, mx = 0;
            for (int j = 0; j < QK_K; j++)
                if (fabsf(x[QK_K * i + j]) > amax) amax = fabsf(x[QK_K * i + j]), mx = x[QK_K * i + j];
            for (int k = 0; k < 16; k++) {
                int s = 0;
                for (int l = 0; l < 16; l++) s += b[i].qs[16 * k + l];
                agg(&bsums, s == b[i].bsums[k], "block %d sub %d: %d, sum %d", i, k, b[i].bsums[k], s);
            }
            agg(&sign, amax == 0 ? b[i].d == 0 : (b[i].d < 0) == (mx > 0), "d=%g max=%g", b[i].d, mx);
            float worst = 0;
            for (int j = 0; j < QK_K; j++) worst = fmaxf(worst, fabsf(b[i].d * b[i].qs[j] - x[QK_K * i + j]));
            agg(&kerr, worst <= fabsf(b[i].d) * 0.5001f, "error %g > d/2 = %g", worst, fabsf(b[i].d) / 2);
        }
        kern_dequant_q8_k_ref(q, y, N);
        kern_quant_q8_k_ref(y, q2, N);
        /* d and qs come back, except that a block holding both +127 and -127 may come
           back negated: its dequantised values tie in magnitude, and the first wins */
        for (int i = 0; i < N / QK_K; i++) {
            const BlockQ8_K *b2 = (const BlockQ8_K *)q2;
            int both = 0, neg = 1, same = !memcmp(b[i].qs, b2[i].qs, QK_K) && !memcmp(b[i].bsums, b2[i].bsums, 32);
            for (int j = 0; j < QK_K; j++) both |= (b[i].qs[j] == 127) | (b[i].qs[j] == -127) << 1;
            for (int j = 0; j < QK_K; j++) neg &= b2[i].qs[j] == -b[i].qs[j];
            for (int j = 0; j < QK_K / 16; j++) neg &= b2[i].bsums[j] == -b[i].bsums[j];
            float d2 = same ? b2[i].d : -b2[i].d;
            agg(&krt, (same || (neg && both == 3)) && fabsf(b[i].d - d2) <= 1e-6f * fabsf(b[i].d),
                "block %d: d %g -> %g%s", i, b[i].d, b2[i].d, both == 3 ? " (holds +-127)" : "");
        }
        kern_quant_q8_0_ref(x, q, N);
        kern_dequant_q8_0_ref(q, y, N);
        kern_quant_q8_0_ref(y, q2, N);
        for (int i = 0; i < N / QK; i++)
            agg(&rt0, !memcmp(q + i * sizeof(BlockQ8_0), q2 + i * sizeof(BlockQ8_0), sizeof(BlockQ8_0)),
                "rep %d block %d changes", rep, i);
        kern_quant_q8_1_ref(x, q, N);
        kern_dequant_q8_1_ref(q, z, N);
        const BlockQ8_1 *c = (const BlockQ8_1 *)q;
        for (int i = 0; i < N / QK; i++) {
            float amax = 0;
            int s = 0;
            for (int j = 0; j < QK; j++) amax = fmaxf(amax, fabsf(x[QK * i + j])), s += c[i].qs[j];
            float d = amax / 127.0f, d16 = f16_to_f32(c[i].d);
            agg(&s1, c[i].s == f32_to_f16(s * d), "block %d: s %04x, want %04x", i, c[i].s, f32_to_f16(s * d));
            agg(&same, !memcmp(y + QK * i, z + QK * i, QK * sizeof(float)), "block %d", i);
            /* rounding error d/2, plus the f16 rounding of d times |q| <= 127 */
            float lim = d * 0.5f + 127.0f * fabsf(d - d16) + d * 1e-5f, worst = 0;
            for (int j = 0; j < QK; j++) worst = fmaxf(worst, fabsf(z[QK * i + j] - x[QK * i + j]));
            agg(&e1, worst <= lim, "block %d: error %g > %g", i, worst, lim);
        }
        /* d and qs come back; s does not (it uses the unrounded d) */
        kern_quant_q8_1_ref(z, q2, N);
        for (int i = 0; i < N / QK; i++) {
            const BlockQ8_1 *c2 = (const BlockQ8_1 *)q2;
            agg(&rt1, c[i].d == c2[i].d && !memcmp(c[i].qs, c2[i].qs, QK), "block %d changes", i);
        }
    }
    agg_check("kernels Q8_K activation bsums", &bsums);
    agg_check("kernels Q8_K activation scale sign", &sign);
    agg_check("kernels Q8_K activation error within d/2", &kerr);
    agg_check("kernels Q8_K activation quantise(dequantise) round trip", &krt);
    agg_check("kernels Q8_0 activation quantise(dequantise) round trip", &rt0);
    agg_check("kernels Q8_1 activation s field", &s1);
    agg_check("kernels Q8_1 activation values equal Q8_0's", &same);
    agg_check("kernels Q8_1 activation error within d/2 + f16(d)", &e1);
    agg_check("kernels Q8_1 activation quantise(dequantise) round trip", &rt1);

    /* rounding rules: _ref Q8_0 roundf (ties away), Q8_K nearest-even, _act nearest-even */
    float t[QK_K] = { 127.0f, 2.5f, -2.5f, 3.5f, 0.5f };
    kern_quant_q8_0_ref(t, q, QK);
    const BlockQ8_0 *a = (const BlockQ8_0 *)q;
    CHECK("kernels Q8_0 _ref rounds ties away from zero",
          a->qs[0] == 127 && a->qs[1] == 3 && a->qs[2] == -3 && a->qs[3] == 4 && a->qs[4] == 1 &&
          f16_to_f32(a->d) == 1.0f, "q = %d %d %d %d %d, want 127 3 -3 4 1",
          a->qs[0], a->qs[1], a->qs[2], a->qs[3], a->qs[4]);
    kern_quant_q8_0_act(t, q, QK);
    CHECK("kernels Q8_0 _act rounds ties to even",
          a->qs[0] == 127 && a->qs[1] == 2 && a->qs[2] == -2 && a->qs[3] == 4 && a->qs[4] == 0 &&
          f16_to_f32(a->d) == 1.0f, "q = %d %d %d %d %d, want 127 2 -2 4 0",
          a->qs[0], a->qs[1], a->qs[2], a->qs[3], a->qs[4]);
    kern_quant_q8_1_act(t, q, QK);
    const BlockQ8_1 *a1 = (const BlockQ8_1 *)q;
    CHECK("kernels Q8_1 _act rounds ties to even",
          a1->qs[0] == 127 && a1->qs[1] == 2 && a1->qs[2] == -2 && a1->qs[3] == 4 && a1->qs[4] == 0 &&
          f16_to_f32(a1->d) == 1.0f && f16_to_f32(a1->s) == 131.0f,
          "q = %d %d %d %d %d s=%g, want 127 2 -2 4 0 s=131", a1->qs[0], a1->qs[1], a1->qs[2],
          a1->qs[3], a1->qs[4], f16_to_f32(a1->s));
    kern_quant_q8_k_ref(t, q, QK_K);
    const BlockQ8_K *k = (const BlockQ8_K *)q;
    CHECK("kernels Q8_K rounds ties to even",
          k->d == -1.0f && k->qs[0] == -127 && k->qs[1] == -2 && k->qs[2] == 2 && k->qs[3] == -4 &&
          k->qs[4] == 0 && k->bsums[0] == -127 - 2 + 2 - 4,
          "d=%g q = %d %d %d %d %d bsums[0] %d", k->d, k->qs[0], k->qs[1], k->qs[2], k->qs[3],
          k->qs[4], k->bsums[0]);
}

/* ---------------- activation formats: _act vs _ref ---------------- */

/* Dot of one weight row (type wt, n elements) with x converted by _ref and by _act:
   returns |difference| / its bound (see the header), and the difference relative to
   sum|w x| in *rel. */
static double act_dot_pair(int wt, const void *wrow, const float *x, int n, const float *wdeq, double *rel) {
    static BlockQ8_0 xa[64], xr[64];
    const KernType *t = kern_type(wt);
    kern_quant_q8_0_act(x, xa, n);
    kern_quant_q8_0_ref(x, xr, n);
    float da = t->dot(wrow, xa, n), dr = t->dot(wrow, xr, n);
    double flips = 0, mag = 0;
    for (int b = 0; b < n / QK; b++) {
        double dx = f16_to_f32(xa[b].d);
        for (int j = 0; j < QK; j++) {
            int e = QK * b + j;
            flips += fabs((double)wdeq[e]) * dx * abs(xa[b].qs[j] - xr[b].qs[j]);
            mag += fabs((double)wdeq[e]) * dx * (abs(xa[b].qs[j]) + abs(xr[b].qs[j]));
        }
    }
    double diff = fabs((double)da - dr), bound = flips + (n / QK + 2) * U24 * mag;
    *rel = mag > 0 ? diff / (mag / 2) : diff;
    return bound > 0 ? diff / bound : (diff > 0 ? INFINITY : 0);
}

static void test_activation_act(void) {
    enum { N = 1024, ROWS = 400, DOT_ROWS = 48 };
    static float x[N], wsrc[N], wdeq0[N], wdeq4[N];
    static BlockQ8_0 qa[N / QK], qr[N / QK], w8[N / QK];
    static BlockQ8_1 pa[N / QK], pr[N / QK];
    static BlockQ4_0 w4[N / QK];
    static const float scales[] = { 1e-4f, 1e-2f, 1.0f, 1e2f, 1e4f };
    Agg tie0 = { 0 }, tie1 = { 0 }, d01 = { 0 }, s1 = { 0 }, dot8 = { 0 }, dot4 = { 0 };
    long flips0 = 0, exact0 = 0, flips1 = 0, ulp0 = 0;
    double worst_tie = 0, worst8 = 0, worst4 = 0, rel8 = 0, rel4 = 0;
    for (size_t si = 0; si < sizeof scales / sizeof *scales; si++) {
        float sc = scales[si];
        float grid = ldexpf(1.0f, ilogbf(sc));   /* power of two near sc: exact ties below */
        for (int row = 0; row < ROWS; row++) {
            if (row % 8 == 7) {
                /* exact half-integer multiples of amax/127: every element is a tie */
                for (int i = 0; i < N; i++) {
                    int k = (int)(rnd_u32() % 253) - 126;
                    x[i] = ((float)k + (k < 0 ? -0.5f : 0.5f)) * grid;
                    if (i % QK == 3) x[i] = 127.0f * grid;
                }
            } else {
                for (int i = 0; i < N; i++) x[i] = test_normal(sc);
                if (row % 8 == 1) x[5] = 40.0f * sc;   /* an outlier block */
            }
            kern_quant_q8_0_act(x, qa, N);
            kern_quant_q8_0_ref(x, qr, N);
            kern_quant_q8_1_act(x, pa, N);
            kern_quant_q8_1_ref(x, pr, N);
            for (int b = 0; b < N / QK; b++) {
                const float *xb = x + QK * b;
                float amax = 0;
                for (int j = 0; j < QK; j++) amax = fmaxf(amax, fabsf(xb[j]));
                float dr = amax / 127.0f;
                int scales_differ = amax != 0 && 1.0f / dr != 127.0f / amax;
                agg(&d01, qa[b].d == qr[b].d && pa[b].d == pr[b].d && pa[b].d == qa[b].d &&
                    !memcmp(pa[b].qs, qa[b].qs, QK), "block d %04x %04x %04x or Q8_1 qs differ from Q8_0",
                    qa[b].d, qr[b].d, pa[b].d);
                int sum = 0;
                for (int j = 0; j < QK; j++) sum += pa[b].qs[j];
                agg(&s1, pa[b].s == f32_to_f16(fminf(65504.0f, fmaxf(-65504.0f, (float)sum * (amax / 127.0f)))),
                    "s %04x for sum %d", pa[b].s, sum);
                for (int j = 0; j < QK; j++) {
                    double tt = (double)xb[j] * 127.0 / (double)amax;
                    double dist = fabs(tt - floor(tt) - 0.5), lim = 4 * U24 * fmax(fabs(tt), 1.0);
                    int da = qa[b].qs[j] - qr[b].qs[j], d1 = pa[b].qs[j] - pr[b].qs[j];
                    if (da) {
                        flips0++;
                        exact0 += dist == 0;
                        ulp0 += scales_differ;
                        worst_tie = fmax(worst_tie, dist / (U24 * fmax(fabs(tt), 1.0)));
                    }
                    if (d1) flips1++;
                    agg(&tie0, !da || (abs(da) == 1 && dist <= lim),
                        "x=%a amax=%a t=%.9f: _act %d, _ref %d", xb[j], amax, tt, qa[b].qs[j], qr[b].qs[j]);
                    agg(&tie1, !d1 || (abs(d1) == 1 && dist <= lim),
                        "x=%a amax=%a t=%.9f: _act %d, _ref %d", xb[j], amax, tt, pa[b].qs[j], pr[b].qs[j]);
                }
            }
            if (row >= DOT_ROWS) continue;
            /* weight rows: Q8_0 and Q4_0 quantised from another random row */
            for (int i = 0; i < N; i++) wsrc[i] = test_normal(0.02f);
            kern_quant_q8_0_ref(wsrc, w8, N);
            kern_quant_q4_0_ref(wsrc, w4, N);
            kern_dequant_q8_0_ref(w8, wdeq0, N);
            kern_dequant_q4_0_ref(w4, wdeq4, N);
            static const int lens[] = { QK, 4 * QK, N };
            for (int li = 0; li < 3; li++) {
                double rel, r = act_dot_pair(T_Q8_0, w8, x, lens[li], wdeq0, &rel);
                agg(&dot8, r <= 1, "scale %g row %d n=%d: |difference| %.3g of its bound", sc, row, lens[li], r);
                worst8 = fmax(worst8, r), rel8 = fmax(rel8, rel);
                r = act_dot_pair(T_Q4_0, w4, x, lens[li], wdeq4, &rel);
                agg(&dot4, r <= 1, "scale %g row %d n=%d: |difference| %.3g of its bound", sc, row, lens[li], r);
                worst4 = fmax(worst4, r), rel4 = fmax(rel4, rel);
            }
        }
    }
    printf("# _act vs _ref on %ld values (scales 1e-4..1e4; 1 row in 8 all exact ties): Q8_0 %ld differ "
           "(%ld exact ties, %ld in blocks where 1/(amax/127) != 127/amax), Q8_1 %ld; worst "
           "distance of a non-tie from 1/2: %.3g u|t| (limit 4)\n",
           tie0.n, flips0, exact0, ulp0, flips1, worst_tie);
    printf("# dot with _act vs _ref activations: Q8_0 worst %.3g of the bound, %.3g of sum|wx|; "
           "Q4_0 worst %.3g of the bound, %.3g of sum|wx|\n", worst8, rel8, worst4, rel4);
    agg_check("kernels Q8_0/Q8_1 _act scale and values agree with each other", &d01);
    agg_check("kernels Q8_1 _act s field", &s1);
    agg_check("kernels Q8_0 _act vs _ref differ only at near-ties", &tie0);
    agg_check("kernels Q8_1 _act vs _ref differ only at near-ties", &tie1);
    agg_check("kernels Q8_0 dot with _act vs _ref activations", &dot8);
    agg_check("kernels Q4_0 dot with _act vs _ref activations", &dot4);
}

/* ---------------- weights vs llama.cpp's files ---------------- */

typedef struct {
    double max_abs, sse, ssw;     /* dequantised vs F32 original */
    long n_vals, n_tensors;
    double dot_rel, dot_ratio;    /* worst |dot - ref| / sum|wx|, and / tolerance */
    long n_dots, dot_bad;
    char dot_msg[200];
    long rq_blocks, rq_diff;      /* from_float(F32) vs the file's bytes */
    long rt_blocks, rt_diff;      /* from_float(dequantised) vs the file's bytes */
    long kq_checked, kq_diff;     /* K-quant values vs ggml's final requantisation */
} Stat;

static Stat stats[T_COUNT];

/* Elements of one K-quant block that differ from d*clamp(nearest_int((w + m)/d)) - m. */
static long kquant_requant(int type, const uint8_t *blk, const float *w, const float *deq, long *n_checked) {
    long bad = 0;
    for (int e = 0; e < QK_K; e++) {
        float dl = 0, ml = 0;
        int lo = 0, hi = 0;
        if (type == T_Q2_K) {
            const BlockQ2_K *b = (const BlockQ2_K *)blk;
            uint8_t sc = b->scales[e / 16];
            dl = f16_to_f32(b->d) * (sc & 0x0f), ml = f16_to_f32(b->dmin) * (sc >> 4), lo = 0, hi = 3;
        } else if (type == T_Q3_K) {
            const BlockQ3_K *b = (const BlockQ3_K *)blk;
            dl = f16_to_f32(b->d) * kern__q3_k_scale(e / 16, b->scales), lo = -4, hi = 3;
        } else if (type == T_Q4_K || type == T_Q5_K) {
            const BlockQ4_K *b = (const BlockQ4_K *)blk;   /* Q5_K starts the same way */
            int sc, m;
            kern__k4_scale_min(e / 32, b->scales, &sc, &m);
            dl = f16_to_f32(b->d) * sc, ml = f16_to_f32(b->dmin) * m, lo = 0, hi = type == T_Q4_K ? 15 : 31;
        } else if (type == T_Q6_K) {
            const BlockQ6_K *b = (const BlockQ6_K *)blk;
            dl = f16_to_f32(b->d) * b->scales[e / 16], lo = -32, hi = 31;
        } else return 0;
        if (dl == 0.0f) continue;
        int q = kern__nearest_int((w[e] + ml) / dl);
        q = q < lo ? lo : q > hi ? hi : q;
        (*n_checked)++;
        bad += deq[e] != dl * q - ml;
    }
    return bad;
}

/* Dot of row w (type wt) with activation x[n] against the double dot of the
   dequantised rows (the activation converted as the matmul does). */
static void check_dot(int wt, const void *wrow, const float *x, int64_t n, float *wdeq, float *xdeq, uint8_t *xq) {
    const KernType *t = kern_type(wt);
    int vt = t->vec_dot_type;
    const KernType *v = kern_type(vt);
    v->from_float_act(x, xq, n);
    v->to_float(xq, xdeq, n);
    t->to_float(wrow, wdeq, n);
    double ref = 0, mag = 0;
    for (int64_t i = 0; i < n; i++) ref += (double)wdeq[i] * xdeq[i], mag += fabs((double)wdeq[i] * xdeq[i]);
    if (vt == T_Q8_1) {
        /* ggml's min term is m * s with s = f16(sum(q) * unrounded d), not m * sum(x):
           replace the one by the other (m is the f16 after d in Q4_1/Q5_1 blocks) */
        for (int64_t b = 0; b < n / QK; b++) {
            uint16_t mh;
            memcpy(&mh, (const uint8_t *)wrow + b * type_layouts[wt].size + 2, 2);
            const BlockQ8_1 *xb = (const BlockQ8_1 *)xq + b;
            double m = f16_to_f32(mh), sx = 0;
            for (int j = 0; j < QK; j++) sx += xdeq[QK * b + j];
            ref += m * (f16_to_f32(xb->s) - sx);
        }
    }
    float got = t->dot(wrow, xq, n);
    int blck = type_layouts[wt].blck;
    double nb = blck > 1 ? (double)(n / blck) : 0;   /* float types: product and final rounding */
    double tol = (nb + 2) * U24 * mag, err = fabs((double)got - ref);
    double rel = mag > 0 ? err / mag : err, ratio = tol > 0 ? err / tol : (err > 0 ? INFINITY : 0);
    Stat *s = &stats[wt];
    s->n_dots++;
    if (rel > s->dot_rel) s->dot_rel = rel;
    if (ratio > s->dot_ratio) {
        s->dot_ratio = ratio;
        snprintf(s->dot_msg, sizeof s->dot_msg, "n=%lld: got %.9g, double %.9g (%.3g of sum|wx| = %.4g, "
                 "tolerance %.3g)", (long long)n, got, ref, rel, mag, (nb + 2) * U24);
    }
    if (ratio > 1) s->dot_bad++;
}

static void account(Stat *s, const float *deq, const float *w, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        double e = fabs((double)deq[i] - w[i]);
        if (e > s->max_abs) s->max_abs = e;
        s->sse += e * e, s->ssw += (double)w[i] * w[i];
    }
    s->n_vals += n;
}

static int open_gguf(const char *path, Gguf *g, uint8_t **buf, Err *e) {
    size_t n;
    *buf = test_read(path, &n);
    if (!*buf) return err_set(e, "cannot read %s", path);
    if (gguf_open(g, *buf, n, e)) { free(*buf); *buf = NULL; return -1; }
    return 0;
}

/* Every quantised tensor of one file against the F32 original. */
static int compare_file(const Gguf *ref, const char *path, Err *e) {
    Gguf g;
    uint8_t *buf;
    if (open_gguf(path, &g, &buf, e)) return -1;
    for (uint64_t ti = 0; ti < g.n_tensors; ti++) {
        GgufTensor q, r;
        char name[256];
        gguf_tensor_at(&g, ti, &q);
        snprintf(name, sizeof name, "%.*s", (int)q.name.n, q.name.p);
        if (q.type == T_F32) continue;
        const KernType *t = kern_type((int)q.type);
        if (!t) { free(buf); return err_set(e, "%s: %s has type %s, unknown", path, name, type_name(q.type)); }
        if (!gguf_tensor(ref, name, &r) || r.type != T_F32 || r.ne[0] != q.ne[0] || r.ne[1] != q.ne[1]) {
            free(buf);
            return err_set(e, "%s: %s has no F32 original of its shape", path, name);
        }
        int64_t ne0 = q.ne[0], nrow = q.ne[1] * q.ne[2] * q.ne[3];
        int blck = type_layouts[q.type].blck, bsz = type_layouts[q.type].size;
        size_t rs = type_row_size(q.type, ne0);
        float *deq = malloc(sizeof(float) * (size_t)ne0), *xd = malloc(sizeof(float) * (size_t)ne0);
        float *act = malloc(sizeof(float) * (size_t)ne0);
        uint8_t *tmp = malloc(rs + 64), *xq = malloc(4 * (size_t)ne0 + 64);
        Stat *s = &stats[q.type];
        s->n_tensors++;
        for (int64_t row = 0; row < nrow; row++) {
            const uint8_t *qrow = (const uint8_t *)q.data + (size_t)row * rs;
            const float *wrow = (const float *)r.data + row * ne0;
            t->to_float(qrow, deq, ne0);
            account(s, deq, wrow, ne0);
            if (blck == QK_K)
                for (int64_t b = 0; b < ne0 / QK_K; b++)
                    s->kq_diff += kquant_requant((int)q.type, qrow + b * bsz, wrow + b * QK_K, deq + b * QK_K, &s->kq_checked);
            if (t->from_float) {
                t->from_float(wrow, tmp, ne0);
                for (int64_t b = 0; b < ne0 / blck; b++, s->rq_blocks++)
                    s->rq_diff += memcmp(tmp + b * bsz, qrow + b * bsz, (size_t)bsz) != 0;
                t->from_float(deq, tmp, ne0);
                for (int64_t b = 0; b < ne0 / blck; b++, s->rt_blocks++)
                    s->rt_diff += memcmp(tmp + b * bsz, qrow + b * bsz, (size_t)bsz) != 0;
            }
            if (row % 37 == 0 || row == nrow - 1) {
                for (int64_t i = 0; i < ne0; i++)
                    act[i] = test_normal(row % 2 ? 1.0f : 30.0f) + (i % 97 == 0 ? 5.0f : 0.0f);
                int64_t lens[4] = { blck, 2 * blck, (ne0 / 2) / blck * blck, ne0 };
                for (int li = 0; li < 4; li++)
                    if (lens[li] > 0 && lens[li] <= ne0) check_dot((int)q.type, qrow, act, lens[li], deq, xd, xq);
            }
        }
        free(deq), free(xd), free(act), free(tmp), free(xq);
    }
    free(buf);
    return 0;
}

/* F32 and BF16 dots and the BF16 error, on ffn_down rows of the F32 file. */
static int float_dots(const Gguf *ref, Err *e) {
    GgufTensor r;
    if (!gguf_tensor(ref, "blk.0.ffn_down.weight", &r) || r.type != T_F32)
        return err_set(e, "synth-llama-F32.gguf has no F32 blk.0.ffn_down.weight");
    int64_t ne0 = r.ne[0];
    float *act = malloc(sizeof(float) * (size_t)ne0), *wd = malloc(sizeof(float) * (size_t)ne0);
    float *xd = malloc(sizeof(float) * (size_t)ne0);
    uint16_t *w16 = malloc(2 * (size_t)ne0);
    uint8_t *xq = malloc(4 * (size_t)ne0);
    stats[T_BF16].n_tensors = stats[T_F32].n_tensors = 1;
    for (int64_t row = 0; row < r.ne[1]; row += 17) {
        const float *w = (const float *)r.data + row * ne0;
        for (int64_t i = 0; i < ne0; i++) act[i] = test_normal(1.0f);
        for (int64_t n = 1; n <= ne0; n = n * 3 + 1) {
            check_dot(T_F32, w, act, n, wd, xd, xq);
            kern_quant_bf16_ref(w, w16, n);
            check_dot(T_BF16, w16, act, n, wd, xd, xq);
        }
        kern_quant_bf16_ref(w, w16, ne0);
        kern_dequant_bf16_ref(w16, wd, ne0);
        account(&stats[T_BF16], wd, w, ne0);
    }
    free(act), free(wd), free(xd), free(w16), free(xq);
    return 0;
}

static const int weight_types[] = {
    T_F32, T_F16, T_BF16, T_Q8_0, T_Q6_K, T_Q5_0, T_Q5_1, T_Q5_K, T_Q4_0, T_Q4_1, T_Q4_K, T_Q3_K, T_Q2_K,
};

/* Relative RMS error limits of the dequantised weights: about twice what round-to-
   nearest quantisation of normal(0, 0.02) weights gives; a wrong layout gives ~1. */
static double rms_limit(int t) {
    switch (t) {
    case T_F16: return 1e-3;
    case T_BF16: return 4e-3;
    case T_Q8_0: return 0.01;
    case T_Q6_K: return 0.03;
    case T_Q5_0: case T_Q5_1: case T_Q5_K: return 0.06;
    case T_Q4_0: case T_Q4_1: case T_Q4_K: return 0.12;
    case T_Q3_K: return 0.25;
    case T_Q2_K: return 0.5;
    }
    return 0;
}

static void report_type(int ty, const char *why_skip) {
    const Stat *s = &stats[ty];
    const char *nm = type_layouts[ty].name;
    int is_k = type_layouts[ty].blck == QK_K;
    int quant_file = ty != T_F32 && ty != T_BF16 && kern_type(ty)->from_float;
    char name[4][96];
    snprintf(name[0], sizeof name[0], "kernels %s dequantise vs F32 original", nm);
    snprintf(name[1], sizeof name[1], "kernels %s dot vs dequantised double", nm);
    snprintf(name[2], sizeof name[2], is_k ? "kernels %s values follow ggml's requantisation"
             : "kernels %s quantise of F32 reproduces the file", nm);
    snprintf(name[3], sizeof name[3], "kernels %s quantise(dequantise) round trip", nm);
    if (!why_skip && s->n_tensors == 0) why_skip = "no tensor of this type in the reference files";
    if (why_skip) {
        if (ty != T_F32) SKIP(name[0], "%s", why_skip);
        SKIP(name[1], "%s", why_skip);
        if (is_k || quant_file) SKIP(name[2], "%s", why_skip);
        if (quant_file) SKIP(name[3], "%s", why_skip);
        return;
    }
    double rel = s->ssw > 0 ? sqrt(s->sse / s->ssw) : 0;
    if (ty != T_F32)
        CHECK(name[0], s->n_vals > 0 && rel < rms_limit(ty), "relative rms error %.4g (limit %.3g), "
              "max |error| %.4g over %ld values", rel, rms_limit(ty), s->max_abs, s->n_vals);
    CHECK(name[1], s->n_dots > 0 && s->dot_bad == 0, "%ld of %ld dots outside tolerance; worst %s",
          s->dot_bad, s->n_dots, s->dot_msg);
    if (is_k)
        CHECK(name[2], s->kq_checked > 0 && s->kq_diff == 0, "%ld of %ld values differ",
              s->kq_diff, s->kq_checked);
    if (quant_file) {
        CHECK(name[2], s->rq_blocks > 0 && s->rq_diff == 0, "%ld of %ld blocks differ",
              s->rq_diff, s->rq_blocks);
        CHECK(name[3], s->rt_blocks > 0 && s->rt_diff == 0, "%ld of %ld blocks change",
              s->rt_diff, s->rt_blocks);
    }
}

static void print_table(void) {
    printf("# %-5s %7s %11s %9s %9s %10s %7s %8s %13s %13s %15s\n", "type", "tensors", "max|deq-w|",
           "rms rel", "rms limit", "dot/|wx|", "dot/tol", "dots", "quant diff", "roundtrip",
           "K requant diff");
    for (size_t i = 0; i < sizeof weight_types / sizeof *weight_types; i++) {
        int ty = weight_types[i];
        const Stat *s = &stats[ty];
        if (!s->n_tensors) continue;
        char rq[32] = "-", rt[32] = "-", kq[32] = "-", lim[16] = "-", rms[16] = "-", mx[16] = "-";
        if (s->rq_blocks) snprintf(rq, sizeof rq, "%ld/%ld", s->rq_diff, s->rq_blocks);
        if (s->rt_blocks) snprintf(rt, sizeof rt, "%ld/%ld", s->rt_diff, s->rt_blocks);
        if (s->kq_checked) snprintf(kq, sizeof kq, "%ld/%ld", s->kq_diff, s->kq_checked);
        if (ty != T_F32) {
            snprintf(lim, sizeof lim, "%.3g", rms_limit(ty));
            snprintf(rms, sizeof rms, "%.4g", s->ssw > 0 ? sqrt(s->sse / s->ssw) : 0);
            snprintf(mx, sizeof mx, "%.4g", s->max_abs);
        }
        printf("# %-5s %7ld %11s %9s %9s %10.3g %7.3f %8ld %13s %13s %15s\n", type_layouts[ty].name,
               s->n_tensors, mx, rms, lim, s->dot_rel, s->dot_ratio, s->n_dots, rq, rt, kq);
    }
    printf("# (dot/|wx|: worst |dot - double| / sum|w x|; dot/tol: the same over the tolerance "
           "(nb + 2) 2^-24; quant/roundtrip: differing blocks; K requant: differing values)\n");
}

static void test_files(void) {
    static const char *files[] = { "F16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q2_K", "Q3_K",
                                   "Q4_K", "Q5_K", "Q6_K", "Q4_K_M" };
    char path[4096], rel[128];
    const char *skip = NULL;
    Err e = { { 0 } };
    Gguf ref;
    uint8_t *refbuf = NULL;
    if (!test_data("reference/synth-llama-F32.gguf", path, sizeof path)) {
        skip = "reference/synth-llama-F32.gguf not found (LLM_TEST_DATA)";
        SKIP("kernels reference files read", "%s", skip);
    } else if (open_gguf(path, &ref, &refbuf, &e)) {
        CHECK("kernels reference files read", 0, "%s", e.msg);
        skip = "synth-llama-F32.gguf unreadable";
    } else {
        char missing[512] = "";
        int bad = 0;
        for (size_t i = 0; i < sizeof files / sizeof *files && !bad; i++) {
            snprintf(rel, sizeof rel, "reference/synth-llama-%s.gguf", files[i]);
            if (!test_data(rel, path, sizeof path)) {
                size_t l = strlen(missing);
                snprintf(missing + l, sizeof missing - l, " %s", files[i]);
                continue;
            }
            bad = compare_file(&ref, path, &e) != 0;
        }
        if (!bad) bad = float_dots(&ref, &e) != 0;
        CHECK("kernels reference files read", !bad && !missing[0], "%s%s%s", bad ? e.msg : "",
              missing[0] ? " missing:" : "", missing);
        free(refbuf);
    }
    for (size_t i = 0; i < sizeof weight_types / sizeof *weight_types; i++) report_type(weight_types[i], skip);
    if (!skip) print_table();
}

int main(void) {
    test_table();
    test_f16();
    test_bf16();
    test_activation_ref();
    test_activation_act();
    test_files();
    return test_failed ? 1 : 0;
}
