/* tests/unit_net.c - the network and Hub code that needs no network: URLs, the HTTP
 * response head parser, the chunked decoder (against an encoder written here, fed in
 * random pieces), the clock check, token masking, quant choice, split names, the
 * catalog, proxy selection. The end-to-end checks are in t_fetch.sh. */
#define LLM_NO_MAIN
#include "../llm.c"
#include "test.h"

static void test_urls(void) {
    Url u;
    Err e = { { 0 } };
    int ok = url_parse("https://huggingface.co/api/models/a/b?x=1#frag", &u, &e) == 0 && u.https && u.port == 443 &&
             !strcmp(u.host, "huggingface.co") && !strcmp(u.path, "/api/models/a/b?x=1");
    CHECK("net url: https, default port, path and query, fragment dropped", ok, "%s %d %s %s", e.msg, u.port, u.host, u.path);
    ok = url_parse("http://user:pw@Proxy.LAN:3128", &u, &e) == 0 && !u.https && u.port == 3128 &&
         !strcmp(u.host, "proxy.lan") && !strcmp(u.userinfo, "user:pw") && !strcmp(u.path, "/");
    CHECK("net url: user info, port, host lower-cased, empty path is /", ok, "%s %s %s", u.host, u.userinfo, u.path);
    ok = url_parse("https://[::1]:8443/x", &u, &e) == 0 && !strcmp(u.host, "::1") && u.port == 8443;
    CHECK("net url: IPv6 literal", ok, "%s %d", u.host, u.port);
    const char *bad[] = { "ftp://x/", "https://", "https://h:0/", "https://h:70000/", "https://h:1x/", "https://a b/",
                          "https://h/\r\nX: y", "huggingface.co", "https://[::1/" };
    int nbad = 0;
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        Err be = { { 0 } };
        nbad += url_parse(bad[k], &u, &be) != 0 && be.msg[0];
    }
    CHECK("net url: malformed URLs refused with a message", nbad == (int)(sizeof bad / sizeof *bad), "%d refused", nbad);

    Url base, r;
    url_parse("https://hub.example:444/org/name/resolve/main/dir/file.gguf?q=1", &base, &e);
    struct { const char *loc, *want; } cases[] = {
        { "https://cdn.example/a?b", "https://cdn.example/a?b" },
        { "//cdn.example/x", "https://cdn.example/x" },
        { "/cdn-rel/abc", "https://hub.example:444/cdn-rel/abc" },
        { "other.gguf", "https://hub.example:444/org/name/resolve/main/dir/other.gguf" },
    };
    int good = 0;
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        char o[5000], origin[400];
        if (url_resolve(&base, cases[k].loc, &r, &e)) continue;
        url_origin(&r, origin, sizeof origin);
        snprintf(o, sizeof o, "%s%s", origin, r.path);
        good += !strcmp(o, cases[k].want);
    }
    CHECK("net url: redirects absolute, scheme-relative, absolute-path, relative", good == 4, "%d of 4", good);
    char enc[200];
    url_encode_path("Q4_K_M/a b+é.gguf", enc, sizeof enc);
    CHECK("net url: path encoding keeps / and unreserved", !strcmp(enc, "Q4_K_M/a%20b%2B%C3%A9.gguf"), "%s", enc);
}

static void test_head(void) {
    HttpResp r;
    Err e = { { 0 } };
    const char *h = "HTTP/1.1 302 Found\r\nLocation: https://cdn/x\r\nX-Linked-Etag: \"abc123\"\r\n"
                    "x-linked-size: 1185376\r\nX-Repo-Commit: 0123abcd\r\nContent-Length: 0\r\nETag: W/\"g1\"\r\n"
                    "Link: <https://h/p?cursor=2>; rel=\"next\"\r\nRetry-After: 7\r\n\r\n";
    int ok = http_parse_head(h, strlen(h), &r, &e) == 0 && r.status == 302 && !strcmp(r.reason, "Found") &&
             !strcmp(r.location, "https://cdn/x") && !strcmp(r.linked_etag, "abc123") && r.linked_size == 1185376 &&
             !strcmp(r.repo_commit, "0123abcd") && r.content_length == 0 && !strcmp(r.etag, "g1") &&
             !strcmp(r.link_next, "https://h/p?cursor=2") && r.retry_after == 7;
    CHECK("net http head: status, Hub headers, Link next, Retry-After", ok, "%s status %d", e.msg, r.status);
    h = "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 100-199/1000\r\nContent-Length: 100\r\n"
        "Transfer-Encoding: chunked\r\n\r\n";
    ok = http_parse_head(h, strlen(h), &r, &e) == 0 && r.range_start == 100 && r.range_end == 199 &&
         r.range_total == 1000 && r.chunked && r.content_length == -1;
    CHECK("net http head: Content-Range; chunked wins over Content-Length", ok, "%s", e.msg);
    h = "HTTP/1.0 416 Range Not Satisfiable\nContent-Range: bytes */1000\n\n";
    ok = http_parse_head(h, strlen(h), &r, &e) == 0 && r.status == 416 && r.range_total == 1000 && r.range_start == -1;
    CHECK("net http head: bare LF line ends, bytes */N", ok, "%s", e.msg);
    const char *bad[] = {
        "HTTP/2 200 OK\r\n\r\n", "HTTP/1.1 20 OK\r\n\r\n", "SSH-2.0-x\r\n\r\n", "HTTP/1.1 200 OK\r\nNo colon\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 12x\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", "HTTP/1.1 200 OK\r\n folded: x\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Range: bytes 5-1/3\r\n\r\n", "HTTP/1.1 200 OK\r\nX: a\x01" "b\r\n\r\n",
        "HTTP/1.1 200 OK\r\nX: y\r\n",
    };
    int nbad = 0;
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        Err be = { { 0 } };
        nbad += http_parse_head(bad[k], strlen(bad[k]), &r, &be) != 0 && be.msg[0];
    }
    CHECK("net http head: malformed heads refused with a message", nbad == (int)(sizeof bad / sizeof *bad), "%d of %zu",
          nbad, sizeof bad / sizeof *bad);
}

/* Chunked encoding written here (the inverse of what is tested), with extensions and
 * a trailer, then decoded from pieces of random sizes. */
static size_t chunk_encode(const uint8_t *d, size_t n, char *out) {
    size_t o = 0, i = 0;
    while (i < n) {
        size_t c = 1 + (size_t)(test_uniform() * 3000);
        if (c > n - i) c = n - i;
        o += (size_t)sprintf(out + o, test_uniform() < 0.3 ? "%zX;ext=1\r\n" : "%zx\r\n", c);
        memcpy(out + o, d + i, c);
        o += c, i += c;
        out[o++] = '\r', out[o++] = '\n';
    }
    o += (size_t)sprintf(out + o, "0\r\nTrailer: x\r\n\r\n");
    return o;
}

static long chunk_decode(const char *enc, size_t n, uint8_t *out, int random_pieces, Err *e) {
    HttpChunk c = { 0 };
    size_t i = 0, o = 0;
    while (i < n && c.state != CHUNK_DONE) {
        size_t piece = random_pieces ? 1 + (size_t)(test_uniform() * 50) : n - i;
        if (piece > n - i) piece = n - i;
        size_t off, dn;
        long used = http_chunk_step(&c, (const uint8_t *)enc + i, piece, &off, &dn, e);
        if (used < 0) return -1;
        if (used == 0) return err_set(e, "no progress"), -1;
        memcpy(out + o, enc + i + off, dn);
        o += dn, i += (size_t)used;
    }
    if (c.state != CHUNK_DONE) return err_set(e, "not done"), -1;
    return (long)o;
}

static void test_chunked(void) {
    static uint8_t data[100000], out[100000];
    static char enc[200000];
    Agg a = { 0 };
    for (int t = 0; t < 40; t++) {
        size_t n = (size_t)(test_uniform() * sizeof data);
        for (size_t k = 0; k < n; k++) data[k] = (uint8_t)(test_uniform() * 256);
        size_t en = chunk_encode(data, n, enc);
        Err e = { { 0 } };
        long got = chunk_decode(enc, en, out, t & 1, &e);
        agg(&a, got == (long)n && !memcmp(out, data, n), "case %d: n %zu got %ld (%s)", t, n, got, e.msg);
    }
    agg_check("net chunked: decodes random bodies fed whole and in random pieces", &a);
    const char *bad[] = { "zz\r\n", "\r\n", "5\r\nabcdefg\r\n", "5\rX", "10000000000000000\r\n" };
    int nbad = 0;
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        Err e = { { 0 } };
        nbad += chunk_decode(bad[k], strlen(bad[k]), out, 0, &e) < 0 && strstr(e.msg, "chunk");
    }
    CHECK("net chunked: bad sizes and overlong chunks refused", nbad == (int)(sizeof bad / sizeof *bad), "%d", nbad);
}

static void test_clock(void) {
    int64_t b = net_build_time();
    char d[32];
    time_t t = (time_t)b;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(d, sizeof d, "%b %e %Y", &tm);
    char want[16];
    snprintf(want, sizeof want, "%.3s %2d %s", __DATE__, atoi(__DATE__ + 4), __DATE__ + 7);
    CHECK("net clock: build time is __DATE__ at midnight UTC", b % 86400 == 0 && !strcmp(d, want), "%s vs %s", d, want);
    Err e = { { 0 } };
    net_clock_override = 0;
    CHECK("net clock: today is not before the build date", net_check_clock(&e) == 0, "%s", e.msg);
    net_clock_override = 86400 * 3;   /* 1970-01-04: a board without a real-time clock */
    Http h = { 0 };
    h.timeout_ms = 1000;
    int r = http_request(&h, "GET", "https://127.0.0.1:1/", -1, &e);
    CHECK("net clock: a 1970 clock is named before any connection",
          r != 0 && h.permanent && strstr(e.msg, "the system clock says 1970-01-04, before this llm was built") &&
          strstr(e.msg, "set the time"), "%s", e.msg);
    net_clock_override = 0;
}

static void test_hub_names(void) {
    char m[32];
    CHECK("hub mask: hf_****abcd", !strcmp(hub_mask("hf_testTOKENvalid0000abcd", m, sizeof m), "hf_****abcd") &&
          !strcmp(hub_mask("short", m, sizeof m), "****"), "%s", m);
    struct { const char *path, *q; int want; } qm[] = {
        { "tiny.Q4_K_M.gguf", "Q4_K_M", 1 }, { "tiny.Q4_K_M.gguf", "q4_k_m", 1 }, { "tiny.Q4_K_M.gguf", "Q4_K", 0 },
        { "model-q8_0.gguf", "Q8_0", 1 },   { "Q4_K_M/m-Q4_K_M-00001-of-00002.gguf", "Q4_K_M", 1 },
        { "m_Q4_0.gguf", "Q4_0", 1 },       { "m.IQ4_XS.gguf", "Q4_X", 0 }, { "m.Q4_0.gguf", "4_0", 0 },
    };
    int good = 0;
    for (size_t k = 0; k < sizeof qm / sizeof *qm; k++) good += hub__quant_match(qm[k].path, qm[k].q) == qm[k].want;
    CHECK("hub quant match: case-insensitive, Q4_K does not pick Q4_K_M", good == (int)(sizeof qm / sizeof *qm), "%d", good);
    int no = 0, of = 0;
    size_t pre = hub__split("Q4_K_M/model-Q4_K_M-00002-of-00003.gguf", &no, &of);
    CHECK("hub split names", pre == strlen("Q4_K_M/model-Q4_K_M") && no == 2 && of == 3 && !hub__split("model-Q8_0.gguf", &no, &of),
          "%zu %d %d", pre, no, of);
    const char *okr[] = { "TinyLlama/TinyLlama-1.1B-Chat-v1.0", "a/b", "Qwen/Qwen2.5-0.5B-Instruct" };
    const char *badr[] = { "a", "/a", "a/", "a/b/c", "../x", "a/..", "a/.x", "a b/c", "a/b?x", "" };
    good = 0;
    for (size_t k = 0; k < 3; k++) good += hub__valid_repo(okr[k]);
    for (size_t k = 0; k < sizeof badr / sizeof *badr; k++) good += !hub__valid_repo(badr[k]);
    CHECK("hub repo names", good == 3 + (int)(sizeof badr / sizeof *badr), "%d", good);
    static Hub h;
    Err e = { { 0 } };
    int ok = hub_parse_spec(&h, "Org/Name:Q8_0@v1.0", &e) == 0 && !strcmp(h.id, "Org/Name") && !strcmp(h.quant, "Q8_0") &&
             !strcmp(h.rev, "v1.0");
    ok = ok && hub_parse_spec(&h, "Org/Name@abc:q4_k_m", &e) == 0 && !strcmp(h.quant, "q4_k_m") && !strcmp(h.rev, "abc");
    ok = ok && hub_parse_spec(&h, "Org/Name", &e) == 0 && !h.quant[0] && !strcmp(h.rev, "main");
    CHECK("hub spec: ORG/NAME[:QUANT][@REVISION] in either order", ok, "%s", e.msg);
    char repo[256], file[1024];
    ok = hub_catalog_source("tinyllama/tinyllama-1.1b-chat-v1.0", repo, sizeof repo, file, sizeof file) == 0 &&
         !strcmp(repo, "TheBloke/TinyLlama-1.1B-Chat-v1.0-GGUF") && !strcmp(file, "tinyllama-1.1b-chat-v1.0.Q4_K_M.gguf") &&
         hub_catalog_source("Qwen/Qwen3-0.6B", repo, sizeof repo, file, sizeof file) != 0;
    CHECK("hub catalog: built in; a GGUF line gives its source, a safetensors line none", ok, "%s %s", repo, file);
}

static void test_proxy(void) {
    Url u, p;
    Err e = { { 0 } };
    url_parse("https://huggingface.co/x", &u, &e);
    setenv("HTTPS_PROXY", "proxy.lan:3128", 1);
    unsetenv("NO_PROXY");
    unsetenv("no_proxy");
    int r1 = net__proxy_for(&u, &p, &e);
    setenv("NO_PROXY", "localhost, .huggingface.co", 1);
    int r2 = net__proxy_for(&u, &p, &e);
    setenv("NO_PROXY", "face.co", 1);
    int r3 = net__proxy_for(&u, &p, &e);
    setenv("NO_PROXY", "*", 1);
    int r4 = net__proxy_for(&u, &p, &e);
    unsetenv("NO_PROXY");
    setenv("HTTPS_PROXY", "https://secure.proxy:443", 1);
    int r5 = net__proxy_for(&u, &p, &e);
    unsetenv("HTTPS_PROXY");
    int r6 = net__proxy_for(&u, &p, &e);
    CHECK("net proxy: HTTPS_PROXY, NO_PROXY suffixes and *, https proxies refused",
          r1 == 1 && r2 == 0 && r3 == 1 && r4 == 0 && r5 == -1 && r6 == 0, "%d %d %d %d %d %d", r1, r2, r3, r4, r5, r6);
    char b[64];
    net__base64("Aladdin:open sesame", b, sizeof b);
    CHECK("net base64 (RFC 7617 example)", !strcmp(b, "QWxhZGRpbjpvcGVuIHNlc2FtZQ=="), "%s", b);
}

int main(void) {
    test_urls();
    test_head();
    test_chunked();
    test_clock();
    test_hub_names();
    test_proxy();
    return test_failed ? 1 : 0;
}
