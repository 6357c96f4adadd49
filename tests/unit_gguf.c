/* tests/unit_gguf.c - the GGUF reader and writer: a file with every metadata type
 * written by the writer reads back with the same values; broken files (truncated at
 * every byte, bad magic and version, absurd counts and lengths, unknown types,
 * misaligned or out-of-range tensors, wrong shapes, unknown architectures) are
 * refused with a message naming the problem. */
#define LLM_NO_MAIN
#include "../llm.c"
#include "test.h"
#include "tiny.h"

static uint8_t *file_bytes(const char *path, size_t *n) { return test_read(path, n); }

static void put_u32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put_u64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

/* gguf_open on a modified copy; returns the message ("" when it was accepted). */
static const char *open_msg(const uint8_t *p, size_t n) {
    static Err e;
    Gguf g;
    memset(&e, 0, sizeof e);
    if (gguf_open(&g, p, n, &e) == 0) return "";
    return e.msg;
}

static size_t find(const uint8_t *p, size_t n, const char *s) {
    size_t L = strlen(s);
    for (size_t i = 0; i + L <= n; i++) if (!memcmp(p + i, s, L)) return i;
    return (size_t)-1;
}

int main(void) {
    char path[4096];
    Err e = { { 0 } };

    /* ---- every metadata type round-trips ---- */
    test_tmp("all-types.gguf", path, sizeof path);
    GgufWriter w;
    float fv[3] = { 1.5f, -2.25f, 3.0f };
    int32_t iv[4] = { -1, 0, 7, 2147483647 };
    Str sv[3] = { str_c("a"), str_c(""), str_c("h\xc3\xa9llo") };
    int ok = gguf_w_begin(&w, path, 1, 9, &e) == 0;
    gguf_w_kv_str(&w, "general.architecture", "llama");
    gguf_w_kv_u32(&w, "k.u32", 4000000000u);
    gguf_w_kv_f32(&w, "k.f32", 0.125f);
    gguf_w_kv_bool(&w, "k.bool", 1);
    gguf_w_kv_arr(&w, "k.arr.f32", GGUF_F32, fv, 3);
    gguf_w_kv_arr(&w, "k.arr.i32", GGUF_I32, iv, 4);
    gguf_w_kv_strs(&w, "k.arr.str", sv, 3);
    { /* the scalar types the writer has no helper for, written raw */
        uint64_t u = 1ull << 40;
        int64_t i = -5;
        double d = 2.5;
        int8_t i8 = -3;
        gguf_w__str(&w, "k.u64", 5); gguf_w__u32(&w, GGUF_U64); gguf_w__bytes(&w, &u, 8);
        gguf_w__str(&w, "k.i64", 5); gguf_w__u32(&w, GGUF_I64); gguf_w__bytes(&w, &i, 8);
        (void)d; (void)i8;
    }
    float data[64];
    for (int i = 0; i < 64; i++) data[i] = (float)i;
    int64_t ne[2] = { 32, 2 };
    uint64_t off = 0;
    gguf_w_tensor_info(&w, "t.weight", T_F32, 2, ne, &off);
    gguf_w_align(&w);
    gguf_w_tensor_data(&w, data, sizeof data);
    ok &= gguf_w_end(&w, &e) == 0;
    CHECK("gguf writer writes a file atomically", ok && access(path, R_OK) == 0, "%s", e.msg);
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    CHECK("gguf writer leaves no temporary behind", access(tmp, F_OK) != 0, "%s exists", tmp);

    size_t n;
    uint8_t *p = file_bytes(path, &n);
    Gguf g;
    int r = p ? gguf_open(&g, p, n, &e) : -1;
    CHECK("gguf reads what the writer wrote", r == 0 && g.version == 3 && g.n_kv == 9 && g.n_tensors == 1, "%s", e.msg);
    if (r == 0) {
        GgufKV kv;
        Str s = gguf_get_str(&g, "general.architecture");
        CHECK("gguf string value", str_eq(s, "llama"), "got '%.*s'", (int)s.n, s.p);
        CHECK("gguf u32 value", gguf_get_int(&g, "k.u32", 0) == 4000000000LL, "got %lld", (long long)gguf_get_int(&g, "k.u32", 0));
        CHECK("gguf u64 and i64 values", gguf_get_int(&g, "k.u64", 0) == (1LL << 40) && gguf_get_int(&g, "k.i64", 0) == -5, "wrong");
        CHECK("gguf f32 value", gguf_get_float(&g, "k.f32", 0) == 0.125, "got %g", gguf_get_float(&g, "k.f32", 0));
        CHECK("gguf bool value", gguf_get_int(&g, "k.bool", 0) == 1, "wrong");
        CHECK("gguf missing key gives the default", gguf_get_int(&g, "nope", 77) == 77 && !gguf_find(&g, "nope", &kv), "wrong");
        int a1 = gguf_find(&g, "k.arr.f32", &kv) && kv.type == GGUF_ARRAY && kv.arr_type == GGUF_F32 && kv.arr_n == 3 &&
                 !memcmp(kv.val, fv, sizeof fv);
        CHECK("gguf f32 array", a1, "wrong");
        int a2 = gguf_find(&g, "k.arr.i32", &kv) && kv.arr_type == GGUF_I32 && kv.arr_n == 4 && !memcmp(kv.val, iv, sizeof iv);
        CHECK("gguf i32 array", a2, "wrong");
        int a3 = gguf_find(&g, "k.arr.str", &kv) && kv.arr_type == GGUF_STRING && kv.arr_n == 3;
        for (int i = 0; a3 && i < 3; i++) {
            Str x = gguf_arr_str(&g, &kv, (uint64_t)i);
            a3 = x.n == sv[i].n && !memcmp(x.p, sv[i].p, x.n);
        }
        CHECK("gguf string array", a3, "wrong");
        GgufTensor t;
        int t1 = gguf_tensor(&g, "t.weight", &t) && t.type == T_F32 && t.ne[0] == 32 && t.ne[1] == 2 &&
                 t.nbytes == sizeof data && !memcmp(t.data, data, sizeof data) &&
                 (size_t)((const uint8_t *)t.data - p) % 32 == 0;
        CHECK("gguf tensor info and aligned data", t1, "wrong");
    }

    /* ---- version 2 has the same layout as 3 (3 only added big-endian files) ---- */
    if (p) {
        uint8_t *q = malloc(n);
        memcpy(q, p, n);
        put_u32(q + 4, 2);
        Gguf g2;
        Err e2 = { { 0 } };
        int ok2 = gguf_open(&g2, q, n, &e2) == 0 && g2.version == 2 && gguf_get_int(&g2, "k.u32", 0) == 4000000000LL;
        CHECK("gguf reads version 2", ok2, "%s", e2.msg);
        free(q);
    }

    /* ---- truncation at every byte before the end of the tensor data ---- */
    if (p) {
        size_t data_end = n - (n % 32 ? 0 : 0);
        GgufTensor t;
        gguf_tensor(&g, "t.weight", &t);
        data_end = (size_t)((const uint8_t *)t.data - p) + t.nbytes;
        int bad = -1;
        for (size_t cut = 0; cut < data_end; cut++) {
            uint8_t *q = malloc(cut ? cut : 1);
            memcpy(q, p, cut);
            const char *m = open_msg(q, cut);
            if (!*m || (!strstr(m, "truncated") && !strstr(m, "corrupt") && !strstr(m, "not a GGUF")) ) { bad = (int)cut; free(q); break; }
            free(q);
        }
        CHECK("gguf refuses a file truncated at every byte", bad < 0, "cut at %d: '%s'", bad, bad >= 0 ? "accepted or unclear" : "");
    }

    /* ---- specific corruptions, each with its message ---- */
    struct { const char *name, *expect; size_t at; int width; uint64_t value; } cases[] = {
        { "bad magic", "not a GGUF file", 0, 4, 0x46554746 },
        { "version 1", "version 1", 4, 4, 1 },
        { "version 9", "version 9", 4, 4, 9 },
        { "absurd tensor count", "more than its", 8, 8, 1ull << 60 },
        { "absurd metadata count", "more than its", 16, 8, 1ull << 60 },
    };
    for (size_t i = 0; p && i < sizeof cases / sizeof *cases; i++) {
        uint8_t *q = malloc(n);
        memcpy(q, p, n);
        if (cases[i].width == 4) put_u32(q + cases[i].at, (uint32_t)cases[i].value);
        else put_u64(q + cases[i].at, cases[i].value);
        const char *m = open_msg(q, n);
        char nm[128];
        snprintf(nm, sizeof nm, "gguf refuses %s", cases[i].name);
        CHECK(nm, strstr(m, cases[i].expect) != NULL, "message '%s'", m);
        free(q);
    }
    if (p) {
        /* positions found by searching the known bytes */
        size_t k = find(p, n, "k.u32");          /* key string; its u64 length is 8 bytes before */
        size_t ts = find(p, n, "t.weight");      /* tensor name; then n_dims, ne[2], type, offset */
        struct { const char *name, *expect; size_t at; int width; uint64_t value; } c2[] = {
            { "a string length past the end", "past the end", k - 8, 8, 1ull << 40 },
            { "an unknown value type", "unknown value type", k + 5, 4, 99 },
            { "an array count past the end", "past the end", find(p, n, "k.arr.f32") + 9 + 8, 8, 1ull << 50 },
            { "a string array count past the end", "claims", find(p, n, "k.arr.str") + 9 + 8, 8, 1ull << 50 },
            { "5 tensor dimensions", "5 dimensions", ts + 8, 4, 5 },
            { "a zero dimension", "dimension 0 of size 0", ts + 12, 8, 0 },
            { "an unknown tensor type", "type unknown (99)", ts + 28, 4, 99 },
            { "an IQ tensor type by name", "IQ2_XXS", ts + 28, 4, 16 },
            { "rows not a multiple of the block", "not a multiple", ts + 28, 4, T_Q4_K },
            { "a misaligned tensor offset", "not aligned", ts + 32, 8, 4 },
            { "a tensor offset past the end", "past the end", ts + 32, 8, 1ull << 40 },
            { "a tensor size past the end", "past the end", ts + 20, 8, 1ull << 40 },
            { "an overflowing tensor size", "past the end", ts + 12, 8, 1ull << 61 },
        };
        for (size_t i = 0; i < sizeof c2 / sizeof *c2; i++) {
            uint8_t *q = malloc(n);
            memcpy(q, p, n);
            if (c2[i].width == 4) put_u32(q + c2[i].at, (uint32_t)c2[i].value);
            else put_u64(q + c2[i].at, c2[i].value);
            const char *m = open_msg(q, n);
            char nm[128];
            snprintf(nm, sizeof nm, "gguf refuses %s", c2[i].name);
            CHECK(nm, strstr(m, c2[i].expect) != NULL, "message '%s'", m);
            free(q);
        }
    }
    free(p);

    /* ---- model-level checks on tiny models ---- */
    TinySpec base = { 300, 64, 2, 4, 2, 96, 128, 0, 0, 0, T_F32, NULL, 0 };
    TinyWeights tw;
    static Model m;
    struct { const char *name, *expect; TinySpec s; } mc[] = {
        { "a tensor with the wrong shape", "has shape", base },
        { "an unknown architecture by name", "architecture 'mamba9' is not supported", base },
        { "a split GGUF's first part", "is part 1 of a model split in 3 files", base },
    };
    mc[0].s.bad_shape = 1;
    mc[1].s.arch = "mamba9";
    mc[2].s.split_count = 3;
    for (size_t i = 0; i < sizeof mc / sizeof *mc; i++) {
        Err e2 = { { 0 } };
        test_tmp("bad-model.gguf", path, sizeof path);
        if (tiny_write(path, &mc[i].s, &tw, &e2)) { CHECK("tiny model written", 0, "%s", e2.msg); tiny_free(&tw); continue; }
        int rr = model_load(&m, path, &e2);
        char nm[128];
        snprintf(nm, sizeof nm, "model refuses %s", mc[i].name);
        CHECK(nm, rr != 0 && strstr(e2.msg, mc[i].expect), "message '%s'", e2.msg);
        model_free(&m);
        tiny_free(&tw);
    }
    {
        Err e2 = { { 0 } };
        test_tmp("good-model.gguf", path, sizeof path);
        int rr = tiny_write(path, &base, &tw, &e2) || model_load(&m, path, &e2);
        CHECK("model loads a tiny llama written by the writer", !rr && m.hp.n_layer == 2 && m.hp.n_head_kv == 2 &&
              m.hp.n_vocab == 300 && !m.tied, "%s", e2.msg);
        model_free(&m);
        tiny_free(&tw);
        Err e3 = { { 0 } };
        CHECK("model refuses a file that does not exist", model_load(&m, "/nonexistent/x.gguf", &e3) != 0 &&
              strstr(e3.msg, "cannot open"), "message '%s'", e3.msg);
    }
    return test_failed ? 1 : 0;
}
