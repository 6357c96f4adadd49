/* tests/fuzz_template.c - libFuzzer target for the JSON parser and the Jinja
 * interpreter: the input is a template, optionally followed by a NUL byte and a JSON
 * context. Any input must render or fail with a message, within the interpreter's step
 * and output bounds: never a crash, a hang or undefined behaviour (`make fuzz
 * FUZZ_TARGET=template` runs it with ASan and UBSan, seeded with real chat templates). */
#define LLM_NO_MAIN
#include "../llm.c"

static const char default_ctx[] =
    "{\"messages\":[{\"role\":\"system\",\"content\":\"s\"},{\"role\":\"user\",\"content\":\"hi {{x}}\"},"
    "{\"role\":\"assistant\",\"content\":\"yo\",\"tool_calls\":[{\"function\":{\"name\":\"f\",\"arguments\":{\"a\":1}}}]},"
    "{\"role\":\"tool\",\"content\":\"42\"}],\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}],"
    "\"add_generation_prompt\":true,\"bos_token\":\"<s>\",\"eos_token\":\"</s>\",\"enable_thinking\":false}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static Arena a;
    static char out[1 << 16];
    Err e = { { 0 } };
    if (!a.base && arena_create(&a, 64u << 20, &e)) return 0;
    arena_reset(&a, 0);
    const uint8_t *nul = memchr(data, 0, size);
    size_t tn = nul ? (size_t)(nul - data) : size;
    const char *cj = nul ? (const char *)nul + 1 : default_ctx;
    size_t cn = nul ? size - tn - 1 : strlen(default_ctx);
    JsonVal *ctx;
    if (json_parse(&a, cj, cn, &ctx, &e) || ctx->type != JSON_OBJ) {
        memset(&e, 0, sizeof e);
        if (json_parse(&a, "{}", 2, &ctx, &e)) return 0;
    }
    size_t len = 0;
    memset(&e, 0, sizeof e);
    tmpl_render(&a, (const char *)data, tn, ctx, out, sizeof out, &len, &e);
    return 0;
}
