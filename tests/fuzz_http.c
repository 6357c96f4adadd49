/* tests/fuzz_http.c - libFuzzer target for what llm reads from servers: the HTTP
 * response head parser, the chunked-body decoder (fed in pieces whose sizes come from
 * the input), and the URL parser with redirect resolution on the Location header. Any
 * input must parse or fail with a message: never a crash or undefined behaviour
 * (`make fuzz FUZZ_TARGET=http`, ASan and UBSan). */
#define LLM_NO_MAIN
#include "../llm.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static char buf[HTTP_MAX_HEAD + 1];
    static HttpResp r;
    Err e = { { 0 } };
    /* the head: up to the first blank line, as http__read_head would deliver it */
    size_t n = 0;
    while (n < size && n < HTTP_MAX_HEAD) {
        buf[n] = (char)data[n];
        n++;
        if (buf[n - 1] == '\n' && ((n >= 2 && buf[n - 2] == '\n') || (n >= 3 && buf[n - 2] == '\r' && buf[n - 3] == '\n')))
            break;
    }
    if (http_parse_head(buf, n, &r, &e) == 0 && r.location[0]) {
        Url base, next;
        Err ue = { { 0 } };
        if (url_parse("https://huggingface.co/org/name/resolve/main/a/b.gguf", &base, &ue) == 0)
            url_resolve(&base, r.location, &next, &ue);
    }
    /* the rest as a chunked body, in pieces of 1 + (byte % 64) */
    HttpChunk c = { 0 };
    size_t i = n, step = 0;
    while (i < size && c.state != CHUNK_DONE) {
        size_t piece = 1 + (size_t)(data[step++ % size] % 64);
        if (piece > size - i) piece = size - i;
        size_t off, dn;
        Err ce = { { 0 } };
        long used = http_chunk_step(&c, data + i, piece, &off, &dn, &ce);
        if (used <= 0) break;
        if (off + dn > (size_t)used) __builtin_trap();   /* the data span lies in what was consumed */
        i += (size_t)used;
    }
    return 0;
}
