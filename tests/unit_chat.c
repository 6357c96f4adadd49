/* tests/unit_chat.c - the chat's bookkeeping without a model: messages kept in one text
 * buffer, the oldest turns dropped (never the system prompt nor the newest message),
 * the system prompt replaced in front, /load's checks, and broken UTF-8 made whole.
 * Rendering and KV-cache reuse are checked end to end in t_chat.sh. */
#define LLM_NO_MAIN
#include "../llm.c"
#include "test.h"

static char text[4096];
static ChatMsg msgs[CHAT_MAX_MSGS];

static void setup(Chat *c) {
    memset(c, 0, sizeof *c);
    c->text = text, c->text_cap = sizeof text, c->msg = msgs;
}

/* "role:content|role:content|..." of the conversation */
static const char *dump(const Chat *c) {
    static char out[4096];
    size_t o = 0;
    for (int i = 0; i < c->n_msg; i++)
        o += (size_t)snprintf(out + o, sizeof out - o, "%s%c:%.*s", i ? "|" : "", chat_roles[c->msg[i].role][0],
                              (int)c->msg[i].len, c->text + c->msg[i].off);
    out[o] = 0;
    return out;
}

int main(void) {
    Chat c;
    setup(&c);
    chat__push(&c, CHAT_USER, "u1", 2);
    chat__push(&c, CHAT_ASSISTANT, "a1", 2);
    chat__push(&c, CHAT_USER, "u2", 2);
    chat__push(&c, CHAT_ASSISTANT, "a2", 2);
    chat__push(&c, CHAT_USER, "u3", 2);
    chat_set_system(&c, "sys", 3);
    CHECK("chat: the system prompt goes in front", !strcmp(dump(&c), "s:sys|u:u1|a:a1|u:u2|a:a2|u:u3"), "%s", dump(&c));
    int r1 = chat__drop_oldest(&c);
    CHECK("chat: dropping removes the oldest turn, keeps the system prompt", !r1 && !strcmp(dump(&c), "s:sys|u:u2|a:a2|u:u3") &&
          c.text_n == 3 + 6 && c.dropped == 1, "%d %s (%zu bytes)", r1, dump(&c), c.text_n);
    int r2 = chat__drop_oldest(&c), r3 = chat__drop_oldest(&c);
    CHECK("chat: the newest message is never dropped", !r2 && r3 == -1 && !strcmp(dump(&c), "s:sys|u:u3"), "%d %d %s", r2, r3, dump(&c));
    chat_set_system(&c, "other", 5);
    CHECK("chat: /system replaces the system prompt", !strcmp(dump(&c), "s:other|u:u3") && c.text_n == 7, "%s", dump(&c));
    chat_set_system(&c, "", 0);
    CHECK("chat: /system with no text removes it", !strcmp(dump(&c), "u:u3") && c.text_n == 2, "%s", dump(&c));
    chat_set_system(&c, "s", 1);
    chat__push(&c, CHAT_ASSISTANT, "a3", 2);
    chat_reset(&c);
    CHECK("chat: /reset keeps only the system prompt", !strcmp(dump(&c), "s:s") && c.text_n == 1, "%s", dump(&c));
    setup(&c);
    char big[5000];
    memset(big, 'x', sizeof big);
    CHECK("chat: a message larger than the buffer is refused", chat__push(&c, CHAT_USER, big, sizeof big) == -1 && c.n_msg == 0, "%d", c.n_msg);

    /* broken UTF-8 becomes U+FFFD per byte that starts no valid sequence */
    struct { const char *in, *out; } u[] = {
        { "ok \xc3\xa9", "ok \xc3\xa9" },
        { "a\xff" "b", "a\xef\xbf\xbd" "b" },
        { "\xe2\x82", "\xef\xbf\xbd\xef\xbf\xbd" },                    /* cut short: each byte */
        { "\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd" },                    /* overlong '/' */
        { "\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },    /* a surrogate */
        { "\xf0\x9f\x98\x80!", "\xf0\x9f\x98\x80!" },
    };
    int good = 0;
    for (size_t k = 0; k < sizeof u / sizeof *u; k++) {
        char buf[64];
        size_t n = strlen(u[k].in);
        memcpy(buf, u[k].in, n);
        n = utf8_sanitize(buf, n, sizeof buf);
        good += n == strlen(u[k].out) && !memcmp(buf, u[k].out, n);
    }
    CHECK("utf8_sanitize: invalid bytes become U+FFFD, valid text unchanged", good == (int)(sizeof u / sizeof *u), "%d", good);
    char tight[4] = { 'a', (char)0xff, 'b' };
    size_t tn = utf8_sanitize(tight, 3, 4);
    CHECK("utf8_sanitize: '?' when there is no room", tn == 3 && !memcmp(tight, "a?b", 3), "%zu", tn);

    /* /load refuses what is not a conversation, and leaves the old one */
    static Session s;
    s.st.o.n_ctx = 256;
    setup(&c);
    c.s = &s;
    Err e = { { 0 } };
    c.json = malloc(1 << 16), c.json_cap = 1 << 16;
    if (arena_create(&c.tarena, 1 << 20, &e)) return 1;
    chat__push(&c, CHAT_USER, "keep", 4);
    char path[512];
    test_tmp("chat-load.json", path, sizeof path);
    const char *bad[] = { "{\"x\": 1}", "[{\"role\": \"wizard\", \"content\": \"x\"}]", "[{\"role\": \"user\"}]", "[1," };
    const char *why[] = { "expected a JSON array", "role 'wizard'", "no text content", "json:" };
    int nbad = 0;
    for (int k = 0; k < 4; k++) {
        FILE *f = fopen(path, "w");
        fputs(bad[k], f);
        fclose(f);
        Err le = { { 0 } };
        nbad += chat_load(&c, path, &le) != 0 && strstr(le.msg, why[k]) && !strcmp(dump(&c), "u:keep");
    }
    CHECK("chat: /load refuses malformed conversations and keeps the current one", nbad == 4, "%d of 4", nbad);
    FILE *f = fopen(path, "w");
    fputs("{\"messages\": [{\"role\": \"system\", \"content\": \"S\"}, {\"role\": \"user\", \"content\": \"caf\\u00e9\"}]}", f);
    fclose(f);
    CHECK("chat: /load reads {\"messages\": [...]}", chat_load(&c, path, &e) == 0 && !strcmp(dump(&c), "s:S|u:caf\xc3\xa9"), "%s %s", e.msg, dump(&c));
    return test_failed ? 1 : 0;
}
