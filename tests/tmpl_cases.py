#!/usr/bin/python3
"""Generate template test cases: render every template in the templates folder with
Python's jinja2 set up as Hugging Face does, for a set of conversations.

usage: /usr/bin/python3 tmpl_cases.py TEMPLATES_DIR OUT_DIR
Writes OUT_DIR/NNNN.json (the context), OUT_DIR/NNNN.out (expected text, or
"ERROR: message" when jinja2 raises) and OUT_DIR/manifest.txt (lines
"template_path<TAB>case_id<TAB>conversation name"). Time is pinned at 1700000000."""
import glob, json, os, sys, datetime
import jinja2
from jinja2 import nodes
from jinja2.ext import Extension, loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment

FIXED_TIME = 1700000000


class Generation(Extension):
    # HF's AssistantTracker without the tracking: {% generation %} renders its body
    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        return nodes.CallBlock(self.call_method("_render", []), [], [], body).set_lineno(lineno)

    def _render(self, caller):
        return caller()


def make_env():
    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    def strftime_now(fmt):
        return datetime.datetime.fromtimestamp(FIXED_TIME).strftime(fmt)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[Generation, loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


TOOLS = [
    {"type": "function", "function": {
        "name": "get_weather", "description": "Get the current weather in a city",
        "parameters": {"type": "object", "properties": {
            "city": {"type": "string", "description": "City name"},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
            "required": ["city"]}}},
    {"type": "function", "function": {
        "name": "add", "description": "Add two numbers",
        "parameters": {"type": "object", "properties": {
            "a": {"type": "number"}, "b": {"type": "integer"}}, "required": ["a", "b"]}}},
]

SYS = {"role": "system", "content": "You are a helpful assistant."}
U1 = {"role": "user", "content": "Hello! How are you?"}
A1 = {"role": "assistant", "content": "I'm fine, thanks. How can I help?"}
U2 = {"role": "user", "content": "Tell me a joke."}
A2 = {"role": "assistant", "content": "Why did the chicken cross the road?"}
UNI = {"role": "user", "content": "héllo wörld — 世界 🎉\n  {{ not_a_var }} {% if x %}y{% endif %} {# c #} \\n 'quotes' \"dq\"\t<|im_end|>"}
AUNI = {"role": "assistant", "content": "  Ça va 👍 {{ raw }}  \n"}
ATHINK = {"role": "assistant", "content": "<think>\nLet me think.\n</think>\n\nThe answer is 4."}
TOOLCALL = {"role": "assistant", "content": "", "tool_calls": [{"id": "call_1", "type": "function", "function": {
    "name": "get_weather", "arguments": {"city": "Paris", "unit": "celsius"}}}]}
TOOLRES = {"role": "tool", "name": "get_weather", "tool_call_id": "call_1", "content": "{\"temp\": 21.5, \"sky\": \"clear\"}"}
UW = {"role": "user", "content": "What's the weather in Paris?"}

CONVS = [
    ("single", [U1], {}),
    ("system_multi", [SYS, U1, A1, U2], {}),
    ("multi_no_system", [U1, A1, U2, A2], {}),
    ("unicode_jinja", [SYS, UNI, AUNI, U2], {}),
    ("thinking", [U1, ATHINK, U2], {}),
    ("thinking_off", [SYS, U1], {"enable_thinking": False}),
    ("tools", [SYS, UW], {"tools": TOOLS}),
    ("tool_calls", [SYS, UW, TOOLCALL, TOOLRES], {"tools": TOOLS}),
    ("tool_calls_answer", [UW, TOOLCALL, TOOLRES, {"role": "assistant", "content": "It is 21.5 °C and clear."}, U2], {"tools": TOOLS}),
    ("empty_messages", [], {}),
]


def main():
    tdir, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    env = make_env()
    man = []
    n = 0
    for path in sorted(glob.glob(os.path.join(tdir, "*", "*.jinja"))):
        src = open(path, encoding="utf-8").read()
        try:
            tmpl = env.from_string(src)
            perr = None
        except Exception as e:
            tmpl, perr = None, e
        for name, msgs, extra in CONVS:
            for agp in (False, True):
                ctx = {"messages": msgs, "tools": None, "documents": None, "add_generation_prompt": agp,
                       "bos_token": "<s>", "eos_token": "</s>"}
                ctx.update(extra)
                if perr is not None:
                    res = "ERROR: %s" % perr
                else:
                    try:
                        res = tmpl.render(**json.loads(json.dumps(ctx)))
                    except Exception as e:
                        res = "ERROR: %s" % e
                cid = "%05d" % n
                n += 1
                with open(os.path.join(out, cid + ".json"), "w", encoding="utf-8") as f:
                    json.dump(ctx, f, ensure_ascii=False)
                with open(os.path.join(out, cid + ".out"), "w", encoding="utf-8", newline="") as f:
                    f.write(res)
                man.append("%s\t%s\t%s%s\n" % (path, cid, name, "+gen" if agp else ""))
    with open(os.path.join(out, "manifest.txt"), "w") as f:
        f.writelines(man)
    print("%d cases" % n)


if __name__ == "__main__":
    main()
