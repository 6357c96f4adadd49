/* tests/unit_attention.c - the kernels outside the matrix products: attention over an
 * F16 cache (every SIMD variant against the reference, which rounds as llama.cpp's
 * flash attention does, for groups of query heads sharing a KV head, and the reference
 * against exact attention in double) and SwiGLU (SIMD against silu computed in double). */
#define LLM_NO_MAIN
#include "../llm.c"
#include "test.h"

typedef void (*AttnFn)(const float *, int, const uint16_t *, const uint16_t *, size_t, int, int, float, float *);

/* Exact attention in double from the F16 values. */
static void exact(const float *q, const uint16_t *k, const uint16_t *v, size_t stride, int n, int hd, double *out) {
    double *sc = malloc((size_t)n * sizeof *sc), mx = -1e300, sum = 0;
    for (int p = 0; p < n; p++) {
        double d = 0;
        for (int i = 0; i < hd; i++) d += (double)q[i] * f16_to_f32(k[(size_t)p * stride + i]);
        sc[p] = d / sqrt((double)hd);
        if (sc[p] > mx) mx = sc[p];
    }
    for (int p = 0; p < n; p++) sc[p] = exp(sc[p] - mx), sum += sc[p];
    for (int i = 0; i < hd; i++) {
        double a = 0;
        for (int p = 0; p < n; p++) a += sc[p] / sum * f16_to_f32(v[(size_t)p * stride + i]);
        out[i] = a;
    }
    free(sc);
}

int main(void) {
    struct { const char *name; AttnFn fn; int isa; } variants[] = {
#if defined(__x86_64__)
        { "avx2", kern_attn_f16_avx2, ISA_AVX2 },
        { "avx512", kern_attn_f16_zmm, ISA_AVX512 },
#endif
#if defined(LLM_SIMD_ARM)
        { "neon-vfpv4", kern_attn_f16_neon, ISA_NEONV4 },
#endif
        { NULL, NULL, 0 },
    };
    kern__detect();
    /* head sizes: common ones, the largest the vector kernels take (256), and ones that
       go to the reference (not a multiple of 8; above 256); positions: inside one block,
       across blocks (128), not a multiple of the keys a step takes; query heads per KV
       head: 1, 3, 8 (ATT_G) and 11 (two passes of the vector kernels) */
    int hds[] = { 64, 128, 80, 20, 256, 264 }, ns[] = { 1, 2, 7, 64, 129, 300 }, nqs[] = { 1, 3, 8, 11 };
    double worst_ref = 0, worst_var[8] = { 0 };
    int grouped_differs[8] = { 0 };
#if defined(__x86_64__)
    int wide_differs = 0, wide_runs = 0;   /* the AVX-512 values against the AVX2 ones */
#endif
    for (size_t a = 0; a < sizeof hds / sizeof *hds; a++)
        for (size_t b = 0; b < sizeof ns / sizeof *ns; b++) {
            int hd = hds[a], n = ns[b], nq = nqs[(a + b) % 4];
            size_t stride = (size_t)hd * 3;          /* three KV heads side by side */
            float *q = malloc((size_t)nq * hd * sizeof *q), *o_ref = malloc((size_t)nq * hd * sizeof *q);
            float *o = malloc((size_t)nq * hd * sizeof *q), o1[1024];
            uint16_t *k = malloc((size_t)n * stride * 2), *v = malloc((size_t)n * stride * 2);
            for (int i = 0; i < nq * hd; i++) q[i] = test_normal(1.5f);
            for (size_t i = 0; i < (size_t)n * stride; i++) k[i] = f32_to_f16(test_normal(1.0f)), v[i] = f32_to_f16(test_normal(2.0f));
            double ex[1024];
            for (int g = 0; g < nq; g++) {
                exact(q + g * hd, k + hd, v + hd, stride, n, hd, ex);
                kern_attn_f16_ref(q + g * hd, k + hd, v + hd, stride, n, hd, 1.0f / sqrtf((float)hd), o_ref + g * hd);
                for (int i = 0; i < hd; i++) worst_ref = fmax(worst_ref, fabs(o_ref[g * hd + i] - ex[i]));
            }
            for (int vi = 0; variants[vi].name; vi++) {
                if (!kern_isa_have[variants[vi].isa]) continue;
                variants[vi].fn(q, nq, k + hd, v + hd, stride, n, hd, 1.0f / sqrtf((float)hd), o);
                for (int i = 0; i < nq * hd; i++) worst_var[vi] = fmax(worst_var[vi], fabs(o[i] - o_ref[i]));
                /* a head's result does not depend on the heads it went through with */
                for (int g = 0; g < nq; g++) {
                    variants[vi].fn(q + g * hd, 1, k + hd, v + hd, stride, n, hd, 1.0f / sqrtf((float)hd), o1);
                    if (memcmp(o1, o + g * hd, (size_t)hd * sizeof *o)) grouped_differs[vi]++;
                }
#if defined(__x86_64__)
                /* the AVX-512 values round every dimension as the AVX2 ones do */
                if (variants[vi].fn == kern_attn_f16_zmm && kern_isa_have[ISA_AVX2]) {
                    float *o2 = malloc((size_t)nq * hd * sizeof *o2);
                    kern_attn_f16_avx2(q, nq, k + hd, v + hd, stride, n, hd, 1.0f / sqrtf((float)hd), o2);
                    wide_differs += memcmp(o, o2, (size_t)nq * hd * sizeof *o) != 0, wide_runs++;
                    free(o2);
                }
#endif
            }
            free(k), free(v), free(q), free(o), free(o_ref);
        }
    /* values ~N(0, 2): an F16 accumulator keeps ~3 significant digits, so the result is
     * within a few F16 ulps of values up to ~8 (ulp 2^-7) */
    CHECK("attention reference vs exact double attention", worst_ref < 0.05, "max |diff| %.3g", worst_ref);
    printf("# reference vs exact: max |diff| %.3g\n", worst_ref);
    for (int vi = 0; variants[vi].name; vi++) {
        char nm[96];
        snprintf(nm, sizeof nm, "attention %s vs reference", variants[vi].name);
        if (!kern_isa_have[variants[vi].isa]) { SKIP(nm, "this CPU lacks %s", isa_names[variants[vi].isa]); continue; }
        /* only float summation order differs; at worst it moves an F16 rounding: 2 ulps */
        CHECK(nm, worst_var[vi] < 0.02, "max |diff| %.3g", worst_var[vi]);
        printf("# %s vs reference: max |diff| %.3g\n", variants[vi].name, worst_var[vi]);
        snprintf(nm, sizeof nm, "attention %s: a head alone gives the bits it gives in its group", variants[vi].name);
        CHECK(nm, grouped_differs[vi] == 0, "%d heads differ", grouped_differs[vi]);
    }
#if defined(__x86_64__)
    if (kern_isa_have[ISA_AVX512])
        CHECK("attention avx512 gives the avx2 kernel's bits", wide_differs == 0 && wide_runs > 0, "%d of %d cases differ",
              wide_differs, wide_runs);
    else
        SKIP("attention avx512 gives the avx2 kernel's bits", "this CPU lacks %s", isa_names[ISA_AVX512]);
#endif
    /* SwiGLU: relative error against double, over the range activations take and the
     * clamped tails (e^x is clamped where floats overflow) */
    {
        enum { N = 20011 };
        static float g[N], u[N], g2[N];
        for (int i = 0; i < N; i++) g[i] = (float)(i - N / 2) * (i % 7 == 0 ? 0.02f : 0.003f), u[i] = test_normal(1.0f);
        g[0] = -200.0f, g[1] = 200.0f, g[2] = 0.0f, g[3] = -1e-30f;
        struct { const char *name; void (*fn)(float *, const float *, int64_t); int isa; } sv[] = {
            { "ref", kern_swiglu_ref, ISA_REF },
#if defined(__x86_64__)
            { "avx2", kern_swiglu_avx2, ISA_AVX2 },
#endif
#if defined(LLM_SIMD_ARM)
            { "neon-vfpv4", kern_swiglu_neon, ISA_NEONV4 },
#endif
        };
        for (size_t k = 0; k < sizeof sv / sizeof *sv; k++) {
            char nm[96];
            snprintf(nm, sizeof nm, "swiglu %s vs double", sv[k].name);
            if (!kern_isa_have[sv[k].isa]) { SKIP(nm, "this CPU lacks %s", isa_names[sv[k].isa]); continue; }
            memcpy(g2, g, sizeof g);
            sv[k].fn(g2, u, N);
            double worst = 0;
            for (int i = 0; i < N; i++) {
                double x = g[i], want = x / (1 + exp(-x)) * u[i];
                double err = fabs(g2[i] - want) / (fabs(want) + 1e-30);
                if (fabs(want) > 1e-30 && err > worst) worst = err;
            }
            CHECK(nm, worst < 1e-6, "max relative error %.3g", worst);   /* a few float ulps */
            printf("# swiglu %s: max relative error %.3g\n", sv[k].name, worst);
        }
    }
    return test_failed ? 1 : 0;
}
