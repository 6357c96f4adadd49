/* tests/unit_sampler.c - the sampler against distributions computed here in double
 * from the definitions of each step (llama.cpp's order: penalties, top-k, top-p, min-p,
 * temperature): greedy and its tie rule, the empirical frequencies of many draws
 * against the expected truncated softmax, penalties, and seeds. */
#define LLM_NO_MAIN
#include "../llm.c"
#include "test.h"

enum { V = 12 };
static float logits[V] = { 1.0f, 2.5f, 0.3f, 2.5f, -1.0f, 0.9f, 1.7f, 3.1f, -0.5f, 0.0f, 2.0f, 1.2f };

/* Expected probabilities after top-k / top-p / min-p / temperature, in double. */
static void expected(const float *lg, int top_k, double top_p, double min_p, double temp, double *p) {
    int idx[V];
    for (int i = 0; i < V; i++) idx[i] = i;
    for (int i = 0; i < V; i++)            /* sort by logit desc, id asc */
        for (int j = i + 1; j < V; j++)
            if (lg[idx[j]] > lg[idx[i]] || (lg[idx[j]] == lg[idx[i]] && idx[j] < idx[i])) { int t = idx[i]; idx[i] = idx[j]; idx[j] = t; }
    int n = top_k > 0 && top_k < V ? top_k : V;
    if (top_p < 1) {
        double z = 0, c = 0;
        for (int i = 0; i < n; i++) z += exp(lg[idx[i]] - lg[idx[0]]);
        for (int i = 0; i < n; i++) {
            c += exp(lg[idx[i]] - lg[idx[0]]) / z;
            if (c >= top_p) { n = i + 1; break; }
        }
    }
    if (min_p > 0) {
        int k = 1;
        while (k < n && exp(lg[idx[k]] - lg[idx[0]]) >= min_p) k++;
        n = k;
    }
    double z = 0;
    for (int i = 0; i < V; i++) p[i] = 0;
    for (int i = 0; i < n; i++) z += exp((lg[idx[i]] - lg[idx[0]]) / temp);
    for (int i = 0; i < n; i++) p[idx[i]] = exp((lg[idx[i]] - lg[idx[0]]) / temp) / z;
}

/* Draws many samples and compares frequencies with the expectation (each within 5
 * standard deviations of a binomial, and zero where the expectation is zero). */
static void dist_case(const char *name, SampParams sp) {
    static uint8_t mem[1 << 16];
    Arena a = { mem, sizeof mem, 0, 0 };
    Sampler s;
    Err e = { { 0 } };
    samp_init(&s, &a, V, &sp, &e);
    enum { N = 100000 };
    double cnt[V] = { 0 }, p[V];
    for (int i = 0; i < N; i++) cnt[samp_sample(&s, logits)]++;
    expected(logits, sp.top_k, sp.top_p, sp.min_p, sp.temp, p);
    int bad = -1;
    for (int i = 0; i < V; i++) {
        double sd = sqrt(N * p[i] * (1 - p[i])) + 1e-9, d = fabs(cnt[i] - N * p[i]);
        if ((p[i] == 0 && cnt[i] > 0) || d > 5 * sd + 1) bad = i;
    }
    CHECK(name, bad < 0, "token %d drawn %.0f times, expected %.1f", bad, bad >= 0 ? cnt[bad] : 0, bad >= 0 ? N * p[bad] : 0);
}

int main(void) {
    static uint8_t mem[1 << 16];
    Err e = { { 0 } };
    SampParams greedy = { 0, 40, 0.95f, 0.05f, 1, 64, 0, 0, 1 };
    {
        Arena a = { mem, sizeof mem, 0, 0 };
        Sampler s;
        samp_init(&s, &a, V, &greedy, &e);
        CHECK("sampler greedy takes the largest logit", samp_sample(&s, logits) == 7, "got %d", samp_sample(&s, logits));
        float tie[V] = { 0 };
        tie[3] = tie[9] = 1;
        CHECK("sampler greedy ties go to the lowest id", samp_sample(&s, tie) == 3, "got %d", samp_sample(&s, tie));
    }
    dist_case("sampler temperature 1, no truncation", (SampParams){ 1.0f, 0, 1.0f, 0.0f, 1, 64, 0, 0, 11 });
    dist_case("sampler temperature 0.5", (SampParams){ 0.5f, 0, 1.0f, 0.0f, 1, 64, 0, 0, 12 });
    dist_case("sampler temperature 2", (SampParams){ 2.0f, 0, 1.0f, 0.0f, 1, 64, 0, 0, 13 });
    dist_case("sampler top-k 3", (SampParams){ 1.0f, 3, 1.0f, 0.0f, 1, 64, 0, 0, 14 });
    dist_case("sampler top-p 0.7", (SampParams){ 1.0f, 0, 0.7f, 0.0f, 1, 64, 0, 0, 15 });
    dist_case("sampler min-p 0.3", (SampParams){ 1.0f, 0, 1.0f, 0.3f, 1, 64, 0, 0, 16 });
    dist_case("sampler defaults (top-k 40, top-p 0.95, min-p 0.05, temp 0.8)",
              (SampParams){ 0.8f, 40, 0.95f, 0.05f, 1, 64, 0, 0, 17 });

    /* penalties: the repeat penalty divides positive and multiplies negative logits of
     * recent tokens; frequency and presence subtract; greedy shows the effect */
    {
        Arena a = { mem, sizeof mem, 0, 0 };
        Sampler s;
        SampParams sp = greedy;
        sp.repeat_penalty = 1.5f;
        samp_init(&s, &a, V, &sp, &e);
        samp_accept(&s, 7);                 /* 3.1 / 1.5 = 2.07 < 2.5 */
        CHECK("sampler repeat penalty", samp_sample(&s, logits) == 1, "got %d", samp_sample(&s, logits));
        Sampler s2;
        SampParams sp2 = greedy;
        sp2.frequency_penalty = 0.4f;
        sp2.presence_penalty = 0.0f;
        samp_init(&s2, &a, V, &sp2, &e);
        samp_accept(&s2, 7);                /* 3.1 - 0.4 = 2.7: still first */
        int one = samp_sample(&s2, logits);
        samp_accept(&s2, 7);                /* 3.1 - 0.8 = 2.3 < 2.5 */
        int two = samp_sample(&s2, logits);
        CHECK("sampler frequency penalty counts repeats", one == 7 && two == 1, "got %d then %d", one, two);
        Sampler s3;
        SampParams sp3 = greedy;
        sp3.presence_penalty = 0.7f;
        sp3.repeat_last_n = 2;
        samp_init(&s3, &a, V, &sp3, &e);
        samp_accept(&s3, 7);
        int p1 = samp_sample(&s3, logits);  /* 2.4 < 2.5 */
        samp_accept(&s3, 0);
        samp_accept(&s3, 0);                /* 7 has left the 2-token window */
        int p2 = samp_sample(&s3, logits);
        CHECK("sampler presence penalty and its window", p1 == 1 && p2 == 7, "got %d then %d", p1, p2);
    }
    /* seeds */
    {
        SampParams sp = { 1.0f, 0, 1.0f, 0.0f, 1, 64, 0, 0, 99 };
        int same = 1, differ = 0;
        Arena a = { mem, sizeof mem, 0, 0 };
        Sampler s1, s2, s3;
        samp_init(&s1, &a, V, &sp, &e);
        samp_init(&s2, &a, V, &sp, &e);
        sp.seed = 100;
        samp_init(&s3, &a, V, &sp, &e);
        for (int i = 0; i < 200; i++) {
            int x = samp_sample(&s1, logits), y = samp_sample(&s2, logits), z = samp_sample(&s3, logits);
            same &= x == y;
            differ |= x != z;
        }
        CHECK("sampler same seed, same draws; another seed, other draws", same && differ, "same %d differ %d", same, differ);
    }
    return test_failed ? 1 : 0;
}
