/* tests/unit_model.c - the llama forward pass on tiny models written by the project's
 * GGUF writer, against a plain double-precision reference written here from the
 * architecture's definition (token by token, no batching, no KV cache, weights taken
 * from memory rather than from the file): F32 weights with an F32 cache agree to float
 * rounding; batched evaluation equals token-by-token evaluation; grouped-query heads,
 * tied embeddings, rope frequency factors and linear rope scaling are covered; and
 * generating allocates nothing. */
#define LLM_NO_MAIN
#include "../llm.c"
#include "test.h"
#include "tiny.h"

/* ---- the reference: logits of every position of toks[0..n) ---- */

static void ref_rmsnorm(double *y, const double *x, const float *w, int n) {
    double ss = 0;
    for (int i = 0; i < n; i++) ss += x[i] * x[i];
    double s = 1.0 / sqrt(ss / n + 1e-5);
    for (int i = 0; i < n; i++) y[i] = x[i] * s * w[i];
}

static void ref_matvec(double *y, const float *W, const double *x, int in, int out) {
    for (int r = 0; r < out; r++) {
        double s = 0;
        for (int i = 0; i < in; i++) s += (double)W[(size_t)r * in + i] * x[i];
        y[r] = s;
    }
}

static void ref_rope(double *v, int n_heads, int hd, int pos, const TinyWeights *w) {
    for (int h = 0; h < n_heads; h++)
        for (int i = 0; i < hd / 2; i++) {
            double freq = pow(10000.0, -2.0 * i / hd);
            if (w->rope_freqs) freq /= w->rope_freqs[i];
            if (w->s.rope_scale > 0) freq /= w->s.rope_scale;
            double th = pos * freq, c = cos(th), s = sin(th);
            double *x = v + h * hd + 2 * i, x0 = x[0], x1 = x[1];
            x[0] = x0 * c - x1 * s;
            x[1] = x0 * s + x1 * c;
        }
}

static void ref_forward(const TinyWeights *w, const int32_t *toks, int n, double *logits /* n x V */) {
    const TinySpec *s = &w->s;
    int E = s->n_embd, H = s->n_head, KVH = s->n_head_kv, hd = E / H, F = s->n_ff, V = s->n_vocab;
    double *x = calloc((size_t)n * E, sizeof *x), *xn = malloc(E * sizeof *xn);
    double *K = malloc((size_t)s->n_layer * n * KVH * hd * sizeof *K), *Vc = malloc((size_t)s->n_layer * n * KVH * hd * sizeof *Vc);
    double *q = malloc(E * sizeof *q), *att = malloc(E * sizeof *att), *o = malloc(E * sizeof *o);
    double *g = malloc(F * sizeof *g), *u = malloc(F * sizeof *u), *sc = malloc(n * sizeof *sc);
    for (int t = 0; t < n; t++) {
        double *xt = x + (size_t)t * E;
        for (int i = 0; i < E; i++) xt[i] = w->tok_embd[(size_t)toks[t] * E + i];
        for (int l = 0; l < s->n_layer; l++) {
            double *Kl = K + (size_t)l * n * KVH * hd, *Vl = Vc + (size_t)l * n * KVH * hd;
            ref_rmsnorm(xn, xt, w->attn_norm[l], E);
            ref_matvec(q, w->wq[l], xn, E, E);
            ref_matvec(Kl + (size_t)t * KVH * hd, w->wk[l], xn, E, KVH * hd);
            ref_matvec(Vl + (size_t)t * KVH * hd, w->wv[l], xn, E, KVH * hd);
            ref_rope(q, H, hd, t, w);
            ref_rope(Kl + (size_t)t * KVH * hd, KVH, hd, t, w);
            for (int h = 0; h < H; h++) {
                int kh = h / (H / KVH);
                double mx = -1e300, sum = 0;
                for (int p = 0; p <= t; p++) {
                    double d = 0;
                    for (int i = 0; i < hd; i++) d += q[h * hd + i] * Kl[((size_t)p * KVH + kh) * hd + i];
                    sc[p] = d / sqrt((double)hd);
                    if (sc[p] > mx) mx = sc[p];
                }
                for (int p = 0; p <= t; p++) sc[p] = exp(sc[p] - mx), sum += sc[p];
                for (int i = 0; i < hd; i++) {
                    double a = 0;
                    for (int p = 0; p <= t; p++) a += sc[p] / sum * Vl[((size_t)p * KVH + kh) * hd + i];
                    att[h * hd + i] = a;
                }
            }
            ref_matvec(o, w->wo[l], att, E, E);
            for (int i = 0; i < E; i++) xt[i] += o[i];
            ref_rmsnorm(xn, xt, w->ffn_norm[l], E);
            ref_matvec(g, w->gate[l], xn, E, F);
            ref_matvec(u, w->up[l], xn, E, F);
            for (int i = 0; i < F; i++) g[i] = g[i] / (1 + exp(-g[i])) * u[i];
            ref_matvec(o, w->down[l], g, F, E);
            for (int i = 0; i < E; i++) xt[i] += o[i];
        }
        ref_rmsnorm(xn, xt, w->output_norm, E);
        ref_matvec(logits + (size_t)t * V, w->output, xn, E, V);
    }
    free(x), free(xn), free(K), free(Vc), free(q), free(att), free(o), free(g), free(u), free(sc);
}

static Pool pool;

/* Runs llm on the model at path: all logits of toks, in batches of `batch`. */
static int run_llm(const char *path, const int32_t *toks, int n, int batch, int kv_type, float *out, Err *e) {
    static Model m;
    if (model_load(&m, path, e)) return -1;
    RunOpts ro = { 64, batch, batch, kv_type, 2 };
    Budget b = { 0 };
    state_budget(&m, &ro, &b);
    Arena a;
    State st;
    if (arena_create(&a, b.total, e) || state_init(&st, &a, &m, &ro, &pool, e)) return -1;
    for (int i = 0; i < n; i += batch) {
        int nb = n - i < batch ? n - i : batch;
        if (model_forward(&st, toks + i, nb, 1, e)) return -1;
        memcpy(out + (size_t)i * m.hp.n_vocab, st.logits, (size_t)nb * m.hp.n_vocab * sizeof(float));
    }
    arena_destroy(&a);
    model_free(&m);
    return 0;
}

static double max_diff_d(const float *a, const double *b, size_t n) {
    double m = 0;
    for (size_t i = 0; i < n; i++) if (fabs(a[i] - b[i]) > m) m = fabs(a[i] - b[i]);
    return m;
}

static double max_diff_f(const float *a, const float *b, size_t n) {
    double m = 0;
    for (size_t i = 0; i < n; i++) if (fabs((double)a[i] - b[i]) > m) m = fabs((double)a[i] - b[i]);
    return m;
}

static void model_case(const char *name, TinySpec s, double tol_f32kv, double tol_f16kv) {
    char path[4096], nm[200];
    Err e = { { 0 } };
    TinyWeights w;
    snprintf(nm, sizeof nm, "tiny-%s.gguf", name);
    test_tmp(nm, path, sizeof path);
    if (tiny_write(path, &s, &w, &e)) { CHECK(name, 0, "write: %s", e.msg); return; }
    enum { N = 23 };
    int32_t toks[N];
    for (int i = 0; i < N; i++) toks[i] = (int32_t)((i * 37 + 11) % s.n_vocab);
    toks[0] = 1;
    size_t nl = (size_t)N * s.n_vocab;
    double *ref = malloc(nl * sizeof *ref);
    float *a = malloc(nl * sizeof *a), *b = malloc(nl * sizeof *b);
    ref_forward(&w, toks, N, ref);
    double logit_scale = 0;
    for (size_t i = 0; i < nl; i++) logit_scale = fmax(logit_scale, fabs(ref[i]));
    tol_f32kv *= logit_scale, tol_f16kv *= logit_scale;   /* relative to the largest logit */
    int r = run_llm(path, toks, N, N, T_F32, a, &e);
    double d = r ? 1e9 : max_diff_d(a, ref, nl);
    snprintf(nm, sizeof nm, "model %s: F32 cache vs double reference", name);
    CHECK(nm, d <= tol_f32kv, "max |diff| %.3g > %.3g (logits up to %.2f) %s", d, tol_f32kv, logit_scale, e.msg);
    printf("# %s: F32 cache max |diff| %.3g, logits up to %.2f\n", name, d, logit_scale);
    r = run_llm(path, toks, N, 1, T_F32, b, &e);
    d = r ? 1e9 : max_diff_f(a, b, nl);
    snprintf(nm, sizeof nm, "model %s: batched equals token by token", name);
    /* batches go through the tile kernels, single tokens through the gemv or dot ones:
     * only the summation order differs, but with F16 or 8-bit activations an ulp can move
     * an activation to its other rounding neighbour, and these tiny models (weights of
     * sd 0.2) amplify that: measured up to 7e-3 of the logit scale for Q4_0. The kernels
     * themselves are checked tightly in unit_simd / unit_gemv; here a wrong kernel would
     * move logits by the whole scale. */
    double tol_batch = (s.wtype == T_F32 ? 1e-5 : s.wtype == T_F16 ? 1e-3 : 2e-2) * (1 + logit_scale);
    CHECK(nm, d <= tol_batch, "max |diff| %.3g > %.3g %s", d, tol_batch, e.msg);
    r = run_llm(path, toks, N, 5, T_F16, b, &e);
    d = r ? 1e9 : max_diff_d(b, ref, nl);
    snprintf(nm, sizeof nm, "model %s: F16 cache vs double reference", name);
    CHECK(nm, d <= tol_f16kv, "max |diff| %.3g > %.3g %s", d, tol_f16kv, e.msg);
    printf("# %s: F16 cache max |diff| %.3g\n", name, d);
    free(ref), free(a), free(b);
    tiny_free(&w);
}

/* malloc/calloc/realloc calls made by the whole process (libc's included) while the
 * counter is armed: generation must make none. musl lets a program replace malloc;
 * sanitizer builds own malloc, so there the check counts the arena only. */
static size_t alloc_calls;
static int alloc_armed;
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEST_NO_MALLOC_HOOK
#endif
#endif
#ifdef __SANITIZE_ADDRESS__
#define TEST_NO_MALLOC_HOOK
#endif
#ifndef TEST_NO_MALLOC_HOOK
static char heap[64 << 20];
static size_t heap_used;
void *malloc(size_t n) {
    if (alloc_armed) alloc_calls++;
    n = (n + 15) & ~(size_t)15;
    if (heap_used + n + 16 > sizeof heap) return NULL;
    size_t *p = (size_t *)(heap + heap_used);
    *p = n;
    heap_used += n + 16;
    return (char *)p + 16;
}
void free(void *p) { (void)p; }
void *calloc(size_t a, size_t b) {
    size_t n;
    if (size_mul_over(a, b, &n)) return NULL;
    void *p = malloc(n);
    if (p) memset(p, 0, n);
    return p;
}
void *realloc(void *p, size_t n) {
    void *q = malloc(n);
    if (q && p) {
        size_t old = *(size_t *)((char *)p - 16);
        memcpy(q, p, old < n ? old : n);
    }
    return q;
}
#endif

/* pool_share_next: every item handed out once; a thread's own share front to back in
 * pieces of at most `chunk`, then pieces from the back end of the others'. Calls
 * interleaved by a fixed pattern, as threads of different speeds would make them. */
static void share_case(void) {
    static Pool p;
    p.n = 3;
    enum { N = 1000 };
    int seen[N] = { 0 }, ok = 1;
    int64_t a, b, front[3], back[3];
    pool_share_init(&p, N);
    for (int i = 0; i < 3; i++) pool_split(N, i, 3, &front[i], &back[i]);
    const int pattern[] = { 0, 1, 2, 1, 1, 1, 2, 1, 1, 1, 1 };    /* thread 1 is the fast one */
    for (int step = 0; ok; step++) {
        int th = pattern[step % (int)(sizeof pattern / sizeof *pattern)];
        if (!pool_share_next(&p, th, 3, 7, &a, &b)) break;   /* it would steal whatever is left */
        ok &= b - a >= 1 && b - a <= 7;
        for (int64_t i = a; i < b && i < N; i++) ok &= seen[i]++ == 0;
        if (a == front[th] && b <= back[th]) front[th] = b;            /* own share: the front */
        else {                                                           /* else the back of another */
            int v = -1;
            for (int t = 0; t < 3; t++) if (t != th && b == back[t] && a >= front[t]) v = t;
            ok &= v >= 0;
            if (v >= 0) back[v] = a;
        }
    }
    for (int i = 0; i < N; i++) ok &= seen[i] == 1;
    CHECK("pool_share_next hands out every item once, own share from the front, others' from the back", ok,
          "bad split");
}

int main(void) {
    Err e = { { 0 } };
    share_case();
    pool_init(&pool, 2, &e);
    /* tolerances, relative to the largest logit: F32 arithmetic 1e-5; an F16 cache rounds
     * K and V to 11 bits (5e-3); quantised weights: the reference computes with the
     * dequantised weights and float activations, llm with 8-bit activations, which
     * moves these small random models by up to ~5% (8e-2; a wrong layout moves them by
     * the whole logit range) */
    TinySpec s = { 320, 64, 2, 4, 2, 96, 128, 0, 0, 0, T_F32, NULL, 0 };
    model_case("gqa", s, 1e-5, 5e-3);
    TinySpec mha = s;
    mha.n_head_kv = 4;
    model_case("mha", mha, 1e-5, 5e-3);
    TinySpec tied = s;
    tied.tied = 1;
    model_case("tied", tied, 1e-5, 5e-3);
    TinySpec rf = s;
    rf.rope_freqs = 1;
    model_case("rope-freqs", rf, 1e-5, 5e-3);
    TinySpec lin = s;
    lin.rope_scale = 4.0f;
    model_case("rope-linear", lin, 1e-5, 5e-3);
    TinySpec q8 = s;
    q8.wtype = T_Q8_0;
    model_case("q8_0", q8, 8e-2, 8e-2);
    TinySpec q4 = s;
    q4.wtype = T_Q4_0;
    model_case("q4_0", q4, 8e-2, 8e-2);
    TinySpec f16 = s;
    f16.wtype = T_F16;
    model_case("f16", f16, 5e-3, 5e-3);

    /* ---- nothing allocates while generating ---- */
    {
        char path[4096];
        TinyWeights w;
        test_tmp("tiny-alloc.gguf", path, sizeof path);
        static Model m;
        Arena a;
        State st;
        RunOpts ro = { 64, 8, 1, T_F16, 2 };
        Budget b = { 0 };
        int ok = tiny_write(path, &s, &w, &e) == 0 && model_load(&m, path, &e) == 0;
        state_budget(&m, &ro, &b);
        SampParams sp = { 0.8f, 40, 0.95f, 0.05f, 1.1f, 64, 0.1f, 0.1f, 1234 };
        budget_add(&b, "sampler", samp_mem_size(m.hp.n_vocab, &sp));
        Sampler smp;
        ok = ok && arena_create(&a, b.total, &e) == 0 && state_init(&st, &a, &m, &ro, &pool, &e) == 0 &&
             samp_init(&smp, &a, m.hp.n_vocab, &sp, &e) == 0;
        int32_t toks[8] = { 1, 5, 9, 33, 40, 41, 42, 43 };
        size_t used = a.used;
        alloc_calls = 0;
        alloc_armed = 1;
        ok = ok && model_forward(&st, toks, 8, 0, &e) == 0;
        for (int i = 0; ok && i < 40; i++) {
            int32_t id = samp_sample(&smp, st.logits);
            samp_accept(&smp, id);
            ok = model_forward(&st, &id, 1, 0, &e) == 0;
        }
        alloc_armed = 0;
        CHECK("generation allocates nothing (malloc calls and arena use)", ok && alloc_calls == 0 && a.used == used,
              "%zu malloc calls, arena %zu -> %zu bytes %s", alloc_calls, used, a.used, e.msg);
        arena_destroy(&a);
        model_free(&m);
        tiny_free(&w);
    }
    pool_free(&pool);
    return test_failed ? 1 : 0;
}
