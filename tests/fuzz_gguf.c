/* tests/fuzz_gguf.c - libFuzzer target for the GGUF reader and the model loader's
 * checks: any byte string must give either a valid model description or a one-line
 * error, never a crash, a hang or undefined behaviour (run with ASan and UBSan by
 * `make fuzz`). The input is written to a temporary file so model_load's mmap path is
 * exercised too, exactly as the command line uses it. */
#define LLM_NO_MAIN
#include "../llm.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    Err e = { { 0 } };
    Gguf g;
    if (gguf_open(&g, data, size, &e) == 0) {
        /* walk everything a loader reads */
        GgufKV kv;
        gguf_find(&g, "general.architecture", &kv);
        (void)gguf_get_str(&g, "general.architecture");
        (void)gguf_get_int(&g, "llama.block_count", 0);
        (void)gguf_get_float(&g, "llama.rope.freq_base", 0);
        TokCounts tc = tok_counts(&g);
        (void)tc;
        for (uint64_t i = 0; i < g.n_tensors && i < 64; i++) {
            GgufTensor t;
            gguf_tensor_at(&g, i, &t);
            volatile uint8_t x = 0;
            if (t.nbytes) x ^= ((const uint8_t *)t.data)[t.nbytes - 1];   /* in bounds */
            (void)x;
        }
        static char path[64];
        if (!path[0]) snprintf(path, sizeof path, "/tmp/fuzz_gguf.%d.gguf", (int)getpid());
        FILE *f = fopen(path, "wb");
        if (f) {
            fwrite(data, 1, size, f);
            fclose(f);
            static Model m;
            Err e2 = { { 0 } };
            if (model_load(&m, path, &e2) == 0) {
                Arena a;
                TokDesc td;
                Budget b = { 0 };
                budget_add(&b, "vocabulary", tok_desc_mem_size(tok_counts(&m.gguf)) + tok_plan_size(&m.gguf, tok_counts(&m.gguf)));
                if (b.total < (64u << 20) && arena_create(&a, b.total, &e2) == 0) {
                    static Tokenizer tok;
                    if (tok_desc_from_gguf(&td, &a, &m.gguf, &e2) == 0) tok_init(&tok, &a, &td, &e2);
                    arena_destroy(&a);
                }
            }
            model_free(&m);
            unlink(path);
        }
    }
    return 0;
}
