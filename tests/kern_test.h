/* tests/kern_test.h - random inputs and error bounds shared by the SIMD kernel tests
 * (unit_simd.c, unit_gemv.c). Include after test.h. */

static uint32_t rnd_u32(void) { test_uniform(); return (uint32_t)(test_rng >> 32); }
static int rnd_int(int n) { return (int)(test_uniform() * n); }

/* Activation rows: blocks of 32 at random scales, some zero, some tiny, some huge. */
static void gen_act(float *x, int64_t n) {
    for (int64_t i = 0; i < n; i += 32) {
        int kind = rnd_int(12);
        float sc = kind == 0 ? 0.0f : kind == 1 ? 1e-3f : kind == 2 ? 1e3f : (float)exp(test_uniform() * 8 - 4);
        for (int64_t j = i; j < i + 32 && j < n; j++) x[j] = test_normal(sc);
    }
}

/* S = sum |w_i x_i| from the dequantised rows, + sum |m_b s_b| for Q4_1/Q5_1. */
static double abs_dot(int t, const uint8_t *w, const uint8_t *xq, int64_t n) {
    const KernType *kt = kern_type(t), *xt = kern_type(kt->vec_dot_type);
    float *a = malloc((size_t)n * 4), *b = malloc((size_t)n * 4);
    kt->to_float(w, a, n);
    xt->to_float(xq, b, n);
    double s = 0;
    for (int64_t i = 0; i < n; i++) s += fabs((double)a[i] * b[i]);
    if (t == T_Q4_1 || t == T_Q5_1) {
        size_t wbs = type_row_size(t, QK);
        const BlockQ8_1 *x = (const BlockQ8_1 *)xq;
        for (int64_t k = 0; k < n / QK; k++) {
            uint16_t m; memcpy(&m, w + k * wbs + 2, 2);
            s += fabs((double)f16_to_f32(m) * f16_to_f32(x[k].s));
        }
    }
    free(a), free(b);
    return s;
}
