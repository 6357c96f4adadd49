/* tests/unit_text.c - small helpers with exact expectations: UTF-8 boundaries, sizes,
 * SHA-256 (FIPS 180-2 test vectors), and the output stream: never a split UTF-8
 * character, --stop texts cut exactly, whatever the token boundaries. */
#define LLM_NO_MAIN
#include "../llm.c"
#include "test.h"

/* Feeds text to sess__emit in pieces of `step` bytes into `out`; 1 when a stop text
 * ended it. */
static char out[4096];
static int emit_all(const char *text, int step, const char *stop) {
    static char pend[256];
    Session s;
    memset(&s, 0, sizeof s);
    s.pend = pend, s.pend_cap = sizeof pend;
    GenParams g = { -1, 0, { stop }, stop ? 1 : 0, -1 };
    int fds[2];
    if (pipe(fds)) return -1;
    g.out_fd = fds[1];
    size_t n = strlen(text);
    int stopped = 0;
    for (size_t i = 0; i < n && !stopped; i += (size_t)step) {
        size_t k = n - i < (size_t)step ? n - i : (size_t)step;
        stopped = sess__emit(&s, &g, text + i, k, 0);
    }
    if (!stopped) sess__emit(&s, &g, "", 0, 1);
    close(fds[1]);
    ssize_t r = read(fds[0], out, sizeof out - 1);
    close(fds[0]);
    out[r > 0 ? r : 0] = 0;
    return stopped;
}

int main(void) {
    CHECK("utf8 complete prefix keeps whole characters", utf8_complete_prefix("ab\xc3\xa9", 4) == 4 &&
          utf8_complete_prefix("ab\xc3", 3) == 2 && utf8_complete_prefix("\xe2\x96", 2) == 0 &&
          utf8_complete_prefix("\xf0\x9f\x98\x80", 3) == 0 && utf8_complete_prefix("\xf0\x9f\x98\x80", 4) == 4 &&
          utf8_complete_prefix("a\x80", 2) == 2, "wrong");
    CHECK("parse_size", parse_size("512M") == 512 << 20 && parse_size("2G") == 2LL << 30 && parse_size("1.5GiB") == 3LL << 29 &&
          parse_size("100") == 100 && parse_size("x") == -1 && parse_size("5Q") == -1 && parse_size("-1") == -1, "wrong");
    char b[32];
    CHECK("fmt_size", !strcmp(fmt_size(b, 32, 1536), "1.5 KiB") && !strcmp(fmt_size(b, 32, 100), "100 B"), "got %s", b);
    char h[65];
    sha256_hex("abc", 3, h);
    CHECK("sha256 of \"abc\"", !strcmp(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"), "got %s", h);
    sha256_hex("", 0, h);
    CHECK("sha256 of the empty string", !strcmp(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"), "got %s", h);

    const char *text = "caf\xc3\xa9 \xe2\x96\x81 na\xc3\xafve \xf0\x9f\x98\x80 end";
    int all_ok = 1;
    for (int step = 1; step <= 5; step++) {
        emit_all(text, step, NULL);
        all_ok &= !strcmp(out, text);
    }
    CHECK("output stream writes all text for any piece size", all_ok, "got '%s'", out);
    /* writes must never end inside a character: check through a 1-byte pipe reader */
    {
        static char pend[256];
        Session s;
        memset(&s, 0, sizeof s);
        s.pend = pend, s.pend_cap = sizeof pend;
        char path[4096];
        test_tmp("emit.txt", path, sizeof path);
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        GenParams g = { -1, 0, { 0 }, 0, fd };
        int bad = 0;
        off_t written = 0;
        for (size_t i = 0; text[i]; i++) {
            sess__emit(&s, &g, text + i, 1, 0);
            off_t now = lseek(fd, 0, SEEK_CUR);
            if (now != written && utf8_complete_prefix(text, (size_t)now) != (size_t)now) bad = 1;
            written = now;
        }
        close(fd);
        CHECK("output stream never splits a UTF-8 character", !bad, "a write ended inside a character");
    }
    int stopped = emit_all("Once upon a time, the end. More text", 1, "the end");
    CHECK("--stop cuts before the stop text, byte by byte", stopped && !strcmp(out, "Once upon a time, "), "got '%s'", out);
    stopped = emit_all("Once upon a time, the end. More text", 7, "the end");
    CHECK("--stop cuts before the stop text, 7 bytes at a time", stopped && !strcmp(out, "Once upon a time, "), "got '%s'", out);
    stopped = emit_all("the then thee", 2, "they");
    CHECK("--stop holds back only possible prefixes", !stopped && !strcmp(out, "the then thee"), "got '%s'", out);
    return test_failed ? 1 : 0;
}
