/* tests/tiny.h - tiny llama models with random weights, written by llm's own GGUF
 * writer, with the weights kept in memory (F32) so a test can compute the expected
 * output independently of the GGUF reader and the model code. */

typedef struct {
    int n_vocab, n_embd, n_layer, n_head, n_head_kv, n_ff, n_ctx;
    int tied;              /* no output.weight */
    int rope_freqs;        /* write a rope_freqs.weight tensor */
    float rope_scale;      /* linear rope scaling factor, 0 = none */
    uint32_t wtype;        /* type of the 2-D weights (F32, F16, Q8_0, ...) */
    const char *arch;      /* general.architecture (default "llama") */
    int bad_shape;         /* write attn_q with a wrong shape */
    int split_count;       /* write split.no = 0 and split.count (a split GGUF's first part) */
} TinySpec;

typedef struct {
    TinySpec s;
    float *tok_embd, *output, *output_norm, *rope_freqs;   /* (n_vocab,n_embd) ... */
    float *attn_norm[8], *wq[8], *wk[8], *wv[8], *wo[8], *ffn_norm[8], *gate[8], *up[8], *down[8];
} TinyWeights;

static float *tiny__rand(size_t n, float mean, float sd) {
    float *p = malloc(n * sizeof *p);
    for (size_t i = 0; i < n; i++) p[i] = mean + test_normal(sd);
    return p;
}

/* The vocabulary: <unk> <s> </s>, the 256 byte tokens, then "▁" and letter pieces. */
static int tiny__vocab(Str *tok, float *score, int32_t *type, int n_vocab) {
    static char bytes[256][8], extra[512][8];
    int n = 0;
    tok[n] = str_c("<unk>"), type[n] = 2, score[n++] = 0;
    tok[n] = str_c("<s>"), type[n] = 3, score[n++] = 0;
    tok[n] = str_c("</s>"), type[n] = 3, score[n++] = 0;
    for (int b = 0; b < 256; b++) {
        snprintf(bytes[b], 8, "<0x%02X>", b);
        tok[n] = str_c(bytes[b]), type[n] = 6, score[n++] = 0;
    }
    tok[n] = str_c("\xe2\x96\x81"), type[n] = 1, score[n++] = -1;
    for (int i = 0; n < n_vocab; i++) {
        if (i < 26) snprintf(extra[i], 8, "%c", 'a' + i);
        else if (i < 52) snprintf(extra[i], 8, "\xe2\x96\x81%c", 'a' + i - 26);
        else snprintf(extra[i], 8, "%c%c", 'a' + (i - 52) % 26, 'a' + (i - 52) / 26 % 26);
        tok[n] = str_c(extra[i]), type[n] = 1, score[n] = -2.0f - i * 0.01f, n++;
    }
    return n;
}

/* Converts n floats to type t with the kernels' quantiser; returns malloc'd bytes. */
static void *tiny__convert(const float *x, int64_t rows, int64_t cols, uint32_t t, size_t *nbytes) {
    size_t rb = type_row_size(t, cols);
    uint8_t *p = malloc(rb * (size_t)rows);
    for (int64_t r = 0; r < rows; r++) kern_type((int)t)->from_float(x + r * cols, p + r * rb, cols);
    *nbytes = rb * (size_t)rows;
    return p;
}

/* Frees the weights tiny_write made. */
static void tiny_free(TinyWeights *w) {
    free(w->tok_embd), free(w->output_norm), free(w->rope_freqs);
    if (w->output != w->tok_embd) free(w->output);
    for (int l = 0; l < w->s.n_layer; l++)
        free(w->attn_norm[l]), free(w->wq[l]), free(w->wk[l]), free(w->wv[l]), free(w->wo[l]),
            free(w->ffn_norm[l]), free(w->gate[l]), free(w->up[l]), free(w->down[l]);
    memset(w, 0, sizeof *w);
}

/* Writes the model to path; fills w with the F32 weights (quantised types: the
 * dequantised values, so a reference computes with what the file holds). */
static int tiny_write(const char *path, const TinySpec *spec, TinyWeights *w, Err *e) {
    memset(w, 0, sizeof *w);
    w->s = *spec;
    const TinySpec *s = &w->s;
    int E = s->n_embd, V = s->n_vocab, hd = E / s->n_head, KV = s->n_head_kv * hd, F = s->n_ff;
    w->tok_embd = tiny__rand((size_t)V * E, 0, 0.5f);
    w->output = s->tied ? w->tok_embd : tiny__rand((size_t)V * E, 0, 0.1f);
    w->output_norm = tiny__rand(E, 1, 0.1f);
    w->rope_freqs = s->rope_freqs ? tiny__rand(hd / 2, 2.0f, 0.5f) : NULL;
    if (w->rope_freqs) for (int i = 0; i < hd / 2; i++) w->rope_freqs[i] = fabsf(w->rope_freqs[i]) + 0.5f;
    for (int l = 0; l < s->n_layer; l++) {
        w->attn_norm[l] = tiny__rand(E, 1, 0.1f);
        w->wq[l] = tiny__rand((size_t)E * E, 0, 0.2f);
        w->wk[l] = tiny__rand((size_t)KV * E, 0, 0.2f);
        w->wv[l] = tiny__rand((size_t)KV * E, 0, 0.2f);
        w->wo[l] = tiny__rand((size_t)E * E, 0, 0.2f);
        w->ffn_norm[l] = tiny__rand(E, 1, 0.1f);
        w->gate[l] = tiny__rand((size_t)F * E, 0, 0.2f);
        w->up[l] = tiny__rand((size_t)F * E, 0, 0.2f);
        w->down[l] = tiny__rand((size_t)E * F, 0, 0.2f);
    }
    /* tensors in file order: name, data, ne0, ne1, type */
    struct { char name[64]; float *x; int64_t ne0, ne1; uint32_t type; } t[8 + 9 * 8];
    int nt = 0;
#define ADD(nm, ptr, a, b, ty) (snprintf(t[nt].name, 64, "%s", nm), t[nt].x = ptr, t[nt].ne0 = a, t[nt].ne1 = b, t[nt].type = ty, nt++)
    ADD("token_embd.weight", w->tok_embd, E, V, s->wtype);
    ADD("output_norm.weight", w->output_norm, E, 1, T_F32);
    if (!s->tied) ADD("output.weight", w->output, E, V, s->wtype);
    if (w->rope_freqs) ADD("rope_freqs.weight", w->rope_freqs, hd / 2, 1, T_F32);
    for (int l = 0; l < s->n_layer; l++) {
        char nm[64];
#define L(x) (snprintf(nm, 64, "blk.%d.%s", l, x), nm)
        ADD(L("attn_norm.weight"), w->attn_norm[l], E, 1, T_F32);
        ADD(L("attn_q.weight"), w->wq[l], E, s->bad_shape ? E / 2 : E, s->wtype);
        ADD(L("attn_k.weight"), w->wk[l], E, KV, s->wtype);
        ADD(L("attn_v.weight"), w->wv[l], E, KV, s->wtype);
        ADD(L("attn_output.weight"), w->wo[l], E, E, s->wtype);
        ADD(L("ffn_norm.weight"), w->ffn_norm[l], E, 1, T_F32);
        ADD(L("ffn_gate.weight"), w->gate[l], E, F, s->wtype);
        ADD(L("ffn_up.weight"), w->up[l], E, F, s->wtype);
        ADD(L("ffn_down.weight"), w->down[l], F, E, s->wtype);
#undef L
    }
#undef ADD
    static Str tok[4096];
    static float score[4096];
    static int32_t type[4096];
    tiny__vocab(tok, score, type, V);
    const char *arch = s->arch ? s->arch : "llama";
    GgufWriter gw;
    int n_kv = 15 + (s->rope_scale > 0 ? 2 : 0) + (s->split_count ? 2 : 0);
    if (gguf_w_begin(&gw, path, (uint64_t)nt, (uint64_t)n_kv, e)) return -1;
    char k[128];
#define AK(x) (snprintf(k, sizeof k, "%s.%s", arch, x), k)
    gguf_w_kv_str(&gw, "general.architecture", arch);
    gguf_w_kv_str(&gw, "general.name", "tiny");
    if (s->split_count) {
        gguf_w_kv_u32(&gw, "split.no", 0);
        gguf_w_kv_u32(&gw, "split.count", (uint32_t)s->split_count);
    }
    gguf_w_kv_u32(&gw, AK("context_length"), (uint32_t)s->n_ctx);
    gguf_w_kv_u32(&gw, AK("embedding_length"), (uint32_t)E);
    gguf_w_kv_u32(&gw, AK("block_count"), (uint32_t)s->n_layer);
    gguf_w_kv_u32(&gw, AK("feed_forward_length"), (uint32_t)F);
    gguf_w_kv_u32(&gw, AK("attention.head_count"), (uint32_t)s->n_head);
    gguf_w_kv_u32(&gw, AK("attention.head_count_kv"), (uint32_t)s->n_head_kv);
    gguf_w_kv_f32(&gw, AK("attention.layer_norm_rms_epsilon"), 1e-5f);
    if (s->rope_scale > 0) {
        gguf_w_kv_str(&gw, AK("rope.scaling.type"), "linear");
        gguf_w_kv_f32(&gw, AK("rope.scaling.factor"), s->rope_scale);
    }
    gguf_w_kv_str(&gw, "tokenizer.ggml.model", "llama");
    gguf_w_kv_strs(&gw, "tokenizer.ggml.tokens", tok, (uint64_t)V);
    gguf_w_kv_arr(&gw, "tokenizer.ggml.scores", GGUF_F32, score, (uint64_t)V);
    gguf_w_kv_arr(&gw, "tokenizer.ggml.token_type", GGUF_I32, type, (uint64_t)V);
    gguf_w_kv_u32(&gw, "tokenizer.ggml.bos_token_id", 1);
    gguf_w_kv_u32(&gw, "tokenizer.ggml.eos_token_id", 2);
#undef AK
    uint64_t off = 0;
    for (int i = 0; i < nt; i++) {
        int64_t ne[2] = { t[i].ne0, t[i].ne1 };
        gguf_w_tensor_info(&gw, t[i].name, t[i].type, t[i].ne1 == 1 ? 1 : 2, ne, &off);
    }
    gguf_w_align(&gw);
    for (int i = 0; i < nt; i++) {
        size_t nb;
        void *data = tiny__convert(t[i].x, t[i].ne1, t[i].ne0, t[i].type, &nb);
        gguf_w_tensor_data(&gw, data, nb);
        /* keep what the file holds: dequantise back into the reference weights */
        if (t[i].type != T_F32)
            for (int64_t r = 0; r < t[i].ne1; r++)
                kern_type((int)t[i].type)->to_float((uint8_t *)data + r * type_row_size(t[i].type, t[i].ne0),
                                                    t[i].x + r * t[i].ne0, t[i].ne0);
        free(data);
    }
    return gguf_w_end(&gw, e);
}
