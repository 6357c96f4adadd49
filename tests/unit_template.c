/* tests/unit_template.c - sections 4 (json) and 14 (template) of llm.c:
 *   - unit cases of the JSON parser and the interpreter, expectations worked out with
 *     Python's json and jinja2 by hand;
 *   - every chat template in $LLM_TEST_DATA/templates rendered for a set of
 *     conversations equals Python jinja2's rendering as Hugging Face sets it up
 *     (tests/tmpl_cases.py writes the contexts and expectations at test time; a
 *     template jinja2 rejects must be rejected too);
 *   - random mutations of every template give a rendering or an error, never a crash
 *     or a hang (the interpreter's step and output bounds).
 * With no test data, or no jinja2 for $PYTHON, the comparison says SKIP. */
#define LLM_NO_MAIN
#include "../llm.c"
#include "test.h"
#include <dirent.h>

/* A whole file, NUL-terminated (tests/test.h). */
static char *slurp(const char *path, size_t *n) { return test_read(path, n); }

static Arena arena;
static char outbuf[1 << 20];

/* 0 rendered, -1 error (message in e) */
static int render(const char *src, size_t n, const char *ctxjson, size_t cn, size_t *len, Err *e) {
    JsonVal *ctx;
    arena_reset(&arena, 0);
    if (json_parse(&arena, ctxjson, cn, &ctx, e)) return -1;
    return tmpl_render(&arena, src, n, ctx, outbuf, sizeof outbuf, len, e);
}

static void show_diff(const char *exp, size_t en, const char *got, size_t gn) {
    size_t i = 0;
    while (i < en && i < gn && exp[i] == got[i]) i++;
    size_t s = i > 60 ? i - 60 : 0;
    printf("#    first difference at byte %zu\n#    expected: %.*s\n#    got:      %.*s\n", i,
           (int)((en - s) > 160 ? 160 : en - s), exp + s, (int)((gn - s) > 160 ? 160 : gn - s), got + s);
}

static int run_cases(const char *dir) {
    char path[4096];
    snprintf(path, sizeof path, "%.3000s/manifest.txt", dir);
    FILE *m = fopen(path, "r");
    if (!m) { printf("FAIL template cases: cannot open %s\n", path); return 2; }
    char line[8192], cur[4096] = "";
    int pass = 0, total = 0, tpass = 0, ttotal = 0, shown = 0, all_pass_templates = 0, templates = 0;
    char *src = NULL; size_t sn = 0;
    for (;;) {
        char *ok = fgets(line, sizeof line, m);
        char tp[4096] = "", id[64] = "", name[256] = "";
        if (ok) sscanf(line, "%4095[^\t]\t%63[^\t]\t%255[^\n]", tp, id, name);
        if (!ok || strcmp(tp, cur)) {
            if (cur[0]) {
                const char *b = strrchr(cur, '/');
                if (tpass == ttotal) printf("PASS template %s equals jinja2 (%d/%d)\n", b ? b + 1 : cur, tpass, ttotal);
                else printf("FAIL template %s: %d of %d cases differ from jinja2 (first shown above)\n", b ? b + 1 : cur,
                            ttotal - tpass, ttotal);
                templates++, all_pass_templates += tpass == ttotal;
            }
            if (!ok) break;
            snprintf(cur, sizeof cur, "%s", tp);
            free(src);
            src = slurp(tp, &sn);
            tpass = ttotal = 0, shown = 0;
        }
        size_t cn, en;
        snprintf(path, sizeof path, "%.3000s/%.60s.json", dir, id);
        char *ctx = slurp(path, &cn);
        snprintf(path, sizeof path, "%.3000s/%.60s.out", dir, id);
        char *exp = slurp(path, &en);
        Err e = { { 0 } };
        size_t len = 0;
        int r = render(src, sn, ctx, cn, &len, &e);
        int exp_err = en >= 7 && !memcmp(exp, "ERROR: ", 7);
        int good;
        if (exp_err) good = r != 0;
        else good = r == 0 && len == en && !memcmp(outbuf, exp, en);
        total++, ttotal++, pass += good, tpass += good;
        if (!good && shown < 1) {
            shown++;
            printf("# case %s (%s) differs:\n", id, name);
            if (exp_err) printf("#    expected error: %s\n#    got output (%zu bytes)\n", exp + 7, len);
            else if (r) printf("#    expected output, got error: %s\n", e.msg);
            else show_diff(exp, en, outbuf, len);
        }
        free(ctx), free(exp);
    }
    fclose(m);
    free(src);
    printf("# templates fully passing: %d/%d; cases: %d passed, %d failed\n", all_pass_templates, templates, pass, total - pass);
    return pass == total ? 0 : 1;
}

static uint64_t rng = 88172645463325252ull;
static uint64_t xr(void) { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return rng; }

static int run_fuzz(int iters, char **files, int nf) {
    static const char *frag[] = { "{%", "%}", "{{", "}}", "{#", "#}", "{%-", "-%}", "{% for x in messages %}",
        "{% endfor %}", "{% if ", "{% endif %}", "{% set ns = namespace(a=1) %}", "(", ")", "[", "]", "|", "'", "\"",
        "\\", "loop.", "{% macro m(a) %}{{ m(a) }}{% endmacro %}{{ m(1) }}", "{% raw %}", "{% endraw %}", " is ",
        " not ", "[::-1]", "|tojson", "{% break %}", "* 1000000", "range(100000)", "~", "{%+", "\n" };
    const char *ctx = "{\"messages\":[{\"role\":\"system\",\"content\":\"s\"},{\"role\":\"user\",\"content\":\"hi\"},"
                      "{\"role\":\"assistant\",\"content\":\"yo\",\"tool_calls\":[{\"function\":{\"name\":\"f\",\"arguments\":{\"a\":1}}}]}],"
                      "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}],\"add_generation_prompt\":true,"
                      "\"bos_token\":\"<s>\",\"eos_token\":\"</s>\"}";
    long ok = 0, errs = 0;
    char *buf = malloc(1 << 20);
    for (int f = 0; f < nf; f++) {
        size_t n;
        char *src = slurp(files[f], &n);
        if (!src) continue;
        for (int it = 0; it < iters; it++) {
            size_t m = n < (1 << 19) ? n : (1 << 19);
            memcpy(buf, src, m);
            int muts = 1 + (int)(xr() % 4);
            for (int k = 0; k < muts && m; k++) {
                size_t at = xr() % m;
                switch (xr() % 4) {
                case 0: buf[at] = (char)(xr() & 0xff); break;                       /* flip a byte */
                case 1: { size_t l = xr() % 16; if (at + l > m) l = m - at; memmove(buf + at, buf + at + l, m - at - l); m -= l; break; }
                default: {                                                           /* insert a fragment */
                    const char *fr = frag[xr() % (sizeof frag / sizeof *frag)];
                    size_t l = strlen(fr);
                    if (m + l < (1 << 20)) { memmove(buf + at + l, buf + at, m - at); memcpy(buf + at, fr, l); m += l; }
                }
                }
            }
            Err e = { { 0 } };
            size_t len;
            if (render(buf, m, ctx, strlen(ctx), &len, &e)) errs++; else ok++;
        }
        free(src);
    }
    free(buf);
    printf("PASS template mutations: %ld rendered, %ld refused with an error, no crash or hang\n", ok, errs);
    return 0;
}

static int fails;
#define UCHECK(c) do { if (!(c)) { printf("# unit check failed, line %d: %s\n", __LINE__, #c); fails++; } } while (0)

static void expect(const char *src, const char *want) {
    Err e = { { 0 } };
    size_t len;
    const char *ctx = "{\"d\":{\"a\":1,\"b\":[1,2.5,null,true,\"x'y\"]},\"l\":[3,1,2],\"s\":\"Hello World\",\"n\":null}";
    int r = render(src, strlen(src), ctx, strlen(ctx), &len, &e);
    if (want == NULL) {   /* an error is expected */
        if (!r) { printf("# unit: %s\n#   expected an error, got '%.*s'\n", src, (int)len, outbuf); fails++; }
        return;
    }
    if (r || len != strlen(want) || memcmp(outbuf, want, len)) {
        printf("# unit: %s\n#   want '%s'\n#   got  '%.*s' %s\n", src, want, r ? 0 : (int)len, outbuf, e.msg);
        fails++;
    }
}

static int run_unit(void) {
    Err e = { { 0 } };
    JsonVal *v;
    const char *J1 = "{\"a\":[1,2.0,\"\\u00e9\\ud83d\\ude00\"],\"a\":true}";
    UCHECK(json_parse(&arena, J1, strlen(J1), &v, &e) == 0);
    UCHECK(v && v->n == 1 && json_get(v, "a")->type == JSON_BOOL);
    const char *bad[] = { "[1,]", "{\"a\" 1}", "01", "1.", "\"\\ud800\"", "\"\xff\"", "[1] x", "NaN", "\"a\nb\"", "-", "" };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        e.msg[0] = 0;
        UCHECK(json_parse(&arena, bad[i], strlen(bad[i]), &v, &e) == -1 && strstr(e.msg, "at byte"));
    }
    char deep[200];
    memset(deep, '[', 100); memset(deep + 100, ']', 100);
    UCHECK(json_parse(&arena, deep, 200, &v, &e) == -1);
    char num[40];
    json_fmt_double(0.5, num); UCHECK(!strcmp(num, "0.5"));
    json_fmt_double(2.0, num); UCHECK(!strcmp(num, "2.0"));
    json_fmt_double(1e16, num); UCHECK(!strcmp(num, "1e+16"));
    json_fmt_double(1e-5, num); UCHECK(!strcmp(num, "1e-05"));
    json_fmt_double(0.1 + 0.2, num); UCHECK(!strcmp(num, "0.30000000000000004"));
    json_fmt_double(123456789012345.6, num); UCHECK(!strcmp(num, "123456789012345.6"));
    /* interpreter: expected values checked against jinja2 by hand */
    expect("{{ 1/2 }} {{ 4/2 }} {{ 7//2 }} {{ -7//2 }} {{ -7%3 }} {{ 2**10 }} {{ 1.0 }}", "0.5 2.0 3 -4 2 1024 1.0");
    expect("{{ n }} {{ true }} {{ d }} {{ l }} {{ (1,) }}", "None True {'a': 1, 'b': [1, 2.5, None, True, \"x'y\"]} [3, 1, 2] (1,)");
    expect("{{ x }}|{{ x is defined }}|{{ d.zz is defined }}|{{ x|default('dflt') }}", "|False|False|dflt");
    expect("{{ x.y }}", NULL);
    expect("{{ l.append(1) }}", NULL);
    expect("{{ s[::-1] }} {{ s[1:3] }} {{ s[-1] }} {{ 'héllo'|length }} {{ s.split()|join(',') }}", "dlroW olleH el d 5 Hello,World");
    expect("{% for i in l %}{{ loop.index }}{{ i }}{% if loop.last %}!{% endif %}{% endfor %}", "132132!");
    expect("{% for i in l if i > 1 %}{{ loop.length }}{% else %}none{% endfor %}", "22");
    expect("{% for i in [] %}x{% else %}empty{% endfor %}", "empty");
    expect("{% set ns = namespace(c=0) %}{% for i in l %}{% set ns.c = ns.c + i %}{% endfor %}{{ ns.c }}", "6");
    expect("{% for i in l %}{% if i == 1 %}{% continue %}{% endif %}{% if i == 2 %}{% break %}{% endif %}{{ i }}{% endfor %}", "3");
    expect("{% macro m(a, b=2) %}[{{ a }}{{ b }}]{% endmacro %}{{ m(1) }}{{ m(1, b=3) }}", "[12][13]");
    expect("{{ d|tojson }} {{ l|sort|list }} {{ d|dictsort }} {{ [1,2]|tojson(indent=2) }}",
           "{\"a\": 1, \"b\": [1, 2.5, null, true, \"x'y\"]} [1, 2, 3] [('a', 1), ('b', [1, 2.5, None, True, \"x'y\"])] [\n  1,\n  2\n]");
    expect("  {% if true %}\n  x\n  {% endif %}\n", "  x\n");
    expect("a {{- ' b ' -}} c{# comment #}{% raw %}{{ raw }}{% endraw %}", "a b c{{ raw }}");
    expect("{{ raise_exception('boom') }}", NULL);
    expect("{% for %}", NULL);
    expect("{{ 'a' ~ 1 ~ none }} {{ 'x' in 'xyz' }} {{ 2 in l }} {{ 'a' if false }}|", "a1None True True |");
    expect("{% set x %}block{% endset %}{{ x|upper }} {{ 'hello world'|title }} {{ 'aBC'|capitalize }}", "BLOCK Hello World Abc");
    expect("{{ l|map('string')|join('-') }} {{ [{'a':1},{'a':2}]|selectattr('a','equalto',2)|list }}", "3-1-2 [{'a': 2}]");
    expect("{{ '%s' }} {{ \"\\u00e9\\n\" }}", "%s é\n");
    expect("{% for i in range(1000000) %}{% endfor %}", NULL);   /* range limit */
    expect("{% macro r(n) %}{{ r(n) }}{% endmacro %}{{ r(1) }}", NULL);   /* depth limit */
    if (fails) printf("FAIL template unit cases: %d failed (above)\n", fails);
    else printf("PASS template unit cases (json parser and writer, interpreter semantics, limits)\n");
    return fails != 0;
}

int main(void) {
    Err e = { { 0 } };
    if (arena_create(&arena, 256u << 20, &e)) { printf("FAIL template arena: %s\n", e.msg); return 1; }
    tmpl_time_override = 1700000000;    /* the expectations pin strftime_now's clock */
    int rc = run_unit();
    char dir[1024], cases[1024], cmd[8192];
    (void)test_failed;
    if (!test_data("templates", dir, sizeof dir)) {
        SKIP("template cases", "LLM_TEST_DATA not set");
        return rc;
    }
    const char *py = getenv("PYTHON");
    if (!py || !*py) py = "python3";
    test_tmp("tmpl_cases", cases, sizeof cases);
    snprintf(cmd, sizeof cmd, "'%s' -c 'import jinja2' 2>/dev/null", py);
    if (system(cmd) != 0) {
        SKIP("template cases", "%s has no jinja2 (apt-get install python3-jinja2)", py);
        return rc;
    }
    /* the templates to compare: the test data's, and llm's built-ins written out */
    char src[1024], p2[1200];
    test_tmp("tmpl_src", src, sizeof src);
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s/builtin' && ln -s '%s/llama.cpp' '%s/chat_templates' '%s'/ 2>/dev/null",
             src, src, dir, dir, src);
    if (system(cmd) != 0) { printf("FAIL template cases: cannot prepare %s\n", src); return 1; }
    static const char *const builtins[] = { "chatml", "llama2", "llama3", "zephyr", "gemma", "mistral", "phi3" };
    for (size_t i = 0; i < sizeof builtins / sizeof *builtins; i++) {
        snprintf(p2, sizeof p2, "%s/builtin/%s.jinja", src, builtins[i]);
        FILE *f = fopen(p2, "w");
        if (f) fputs(tmpl_builtin(builtins[i]), f), fclose(f);
    }
    const char *root = getenv("ROOT");
    snprintf(cmd, sizeof cmd, "'%s' '%s/tests/tmpl_cases.py' '%s' '%s' > '%s.log' 2>&1", py, root && *root ? root : ".",
             src, cases, cases);
    if (system(cmd) != 0) {
        printf("FAIL template cases: tmpl_cases.py failed (see %s.log)\n", cases);
        return 1;
    }
    rc |= run_cases(cases);
    /* mutations of every template */
    char **files = malloc(256 * sizeof *files);
    int nf = 0;
    const char *subs[] = { "llama.cpp", "chat_templates" };
    for (int k = 0; k < 2; k++) {
        char d[4200];
        snprintf(d, sizeof d, "%s/%s", dir, subs[k]);
        DIR *dd = opendir(d);
        struct dirent *de;
        while (dd && (de = readdir(dd)) && nf < 256) {
            size_t L = strlen(de->d_name);
            if (L < 7 || strcmp(de->d_name + L - 6, ".jinja")) continue;
            files[nf] = malloc(strlen(d) + L + 2);
            sprintf(files[nf++], "%s/%s", d, de->d_name);
        }
        if (dd) closedir(dd);
    }
    run_fuzz(30, files, nf);
    for (int i = 0; i < nf; i++) free(files[i]);
    free(files);
    arena_destroy(&arena);
    return rc;
}
