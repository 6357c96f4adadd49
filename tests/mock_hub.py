#!/usr/bin/python3
"""A mock Hugging Face Hub (API, resolve, LFS CDN, CONNECT proxy) for testing `llm --fetch`
without the network. Python 3 standard library only; certificates come from the `openssl`
command-line tool.

    mock_hub.py --dir DIR [--gguf FILE]     start; prints "ready" once DIR/ports.json exists
    mock_hub.py --dir DIR --reset           reset the running mock's fault state and log

DIR/certs/      generated once (reused when all files exist), RSA 2048, SHA-256:
    ca.pem ca.key          the test CA (give the client --cacert DIR/certs/ca.pem)
    hub.pem                CN=127.0.0.1, SAN DNS:127.0.0.1, IP:127.0.0.1, DNS:localhost;
                           valid from yesterday for a year, serverAuth
    cdn.pem                the same for 127.0.0.2
    badca.pem              as hub.pem but signed by other-ca.pem (not trusted)
    expired.pem            as hub.pem, valid 2020-01-01 .. 2021-01-01
    wronghost.pem          CN=wrong.example, SAN DNS:wrong.example only
DIR/ports.json  {"hub","cdn","badca","expired","wronghost","http","proxy"}: port numbers,
                written (atomically) when every listener accepts; removed at exit
DIR/requests.jsonl  one line per request on any listener:
                {"listener":..,"method":..,"path":raw path+query,"headers":{lower-case: value}}

Listeners (OS-chosen ports):
    hub        https://127.0.0.1 (hub.pem)         the Hub application
    cdn        https://127.0.0.2 (cdn.pem)         LFS content: /repos/xx/yy/SHA256?...
    badca, expired, wronghost   https://127.0.0.1  the Hub application, bad certificates
    http       http://127.0.0.1                    the Hub application without TLS
    proxy      http://127.0.0.1                    CONNECT-only forward proxy (tunnel);
               target host blocked.example -> 403; other methods -> 405
    Any listener: GET /_mock/reset clears fault counters and truncates requests.jsonl.

Tokens (Authorization: Bearer T):
    hf_testTOKENvalid0000abcd       reads everything (private repo, gated repo accepted);
                                    whoami-v2 name "tester"
    hf_testTOKENnoaccess0000wxyz    valid, but not accepted for test/gated; cannot see
                                    test/private (404); whoami-v2 name "tester-noaccess"
    anything else                   401 "Invalid credentials in Authorization header" on
                                    every Hub request (the CDN ignores Authorization)

Hub application (errors: X-Error-Code when applicable, X-Error-Message, JSON {"error":..}):
    GET /api/models/ORG/NAME[/revision/REV]   model info (sha, private, gated, siblings;
                                              ?blobs=true adds size/blobId/lfs)
    GET /api/models/ORG/NAME/tree/REV[/DIR][?recursive=true|1]   2 entries a page, next
        page in `Link: <absolute url ...&cursor=N>; rel="next"`
    GET|HEAD /ORG/NAME/resolve/REV/PATH   LFS file (.gguf .safetensors .bin .pth .onnx):
        302 to https://127.0.0.2:CDN/repos/ab/cd/SHA256?X-Amz-Signature=abc123&file=BASE
        &X-Mock-Repo=ORG%2FNAME, with X-Linked-Etag: "SHA256", X-Linked-Size, X-Repo-Commit,
        ETag: "GITBLOBSHA1"; other files: 200 with the content (Range honoured)
    GET /api/whoami-v2
    commit sha of a repo = sha1(repo id); revisions: main, the sha, tag v1.0; else 404
    RevisionNotFound "Invalid rev id: REV". Unknown repo: 404 RepoNotFound "Repository not
    found" with a valid token, 401 without one. Missing file: 404 EntryNotFound.
    ETag / tree oid of a file = git blob sha1 of its content; lfs.oid = sha256.

Repositories (content deterministic; random .gguf files start with a minimal GGUF v3
header, random .safetensors files have a valid header naming the index's tensors):
    test/tiny-GGUF       .gitattributes README.md tiny-model.Q4_K_M.gguf (--gguf file, or
                         1.5 MiB random) tiny-model.Q8_0.gguf (1 MiB) tiny-model.Q4_0.gguf
                         (700 KiB) tiny-model.Q4_K_S.gguf (600 KiB)
                         mmproj-tiny-model-f16.gguf (300 KiB, vision projector: skip it)
    test/q8-only-GGUF    README.md m.Q2_K.gguf (200 KiB) m.Q8_0.gguf (300 KiB)
    test/split-GGUF      README.md Q4_K_M/model-Q4_K_M-0000{1,2,3}-of-00003.gguf (400 KiB
                         each) model-Q8_0.gguf (500 KiB)
    test/tiny-st         .gitattributes README.md config.json (LlamaForCausalLM)
                         generation_config.json tokenizer.json tokenizer_config.json
                         (chat_template) special_tokens_map.json model.safetensors.index.json
                         model-00001-of-00002.safetensors (500 KiB)
                         model-00002-of-00002.safetensors (400 KiB); not to download:
                         pytorch_model.bin onnx/model.onnx original/consolidated.pth
    test/single-st       config.json tokenizer.json model.safetensors (300 KiB)
    test/vision          config.json (LlavaForConditionalGeneration) model.safetensors
    test/bert            config.json (BertModel) model.safetensors
    test/gated           gated "manual": README.md g.Q4_K_M.gguf (--gguf file, or 400 KiB);
                         API readable by all; resolve: no token 401 GatedRepo, the noaccess
                         token 403 GatedRepo, the valid token 200/302
    test/private         private: README.md p.Q8_0.gguf (300 KiB); without the valid token
                         every endpoint answers as for an unknown repo

Fault repositories: files and contents of test/tiny-GGUF (own sha); the fault concerns
tiny-model.Q4_K_M.gguf ("the big file") on the CDN unless said otherwise. "Once" counters
are cleared by /_mock/reset (or --reset).
    test/drop-once          first CDN GET: headers (full Content-Length), half the body, close
    test/drop-each          every CDN GET: at most 400 KiB of the requested range, then close
    test/no-range           CDN ignores Range (200, whole file, Accept-Ranges: none); first
                            GET cut in the middle as drop-once
    test/corrupt            CDN body has its middle byte flipped (headers unchanged)
    test/rate-limit         first revision/info API request: 429, Retry-After: 1
    test/flaky              first resolve (GET or HEAD) of the big file: 500
    test/always-500         every revision/info API request: 500
    test/slow               revision/info API answers after 30 s
    test/stall              every CDN GET: headers and half the body, then silence (no close)
    test/redirect-loop      resolve of any file: 302 to the same absolute URL, forever
    test/relative-redirect  resolve of the big file: 302 to relative /cdn-rel/SHA256, which
                            the hub listener serves like the CDN
    test/big-headers        resolve of any file carries X-Padding: a 100 KiB header
    test/bad-chunk          CDN: Transfer-Encoding: chunked, first chunk-size line "zz"
    test/chunked            CDN: valid chunked body (chunks of 1, 7, 65536, ... bytes), no
                            Content-Length, Range ignored (200)
    test/short-body         every CDN GET: Content-Length of the range, 1000 bytes fewer
                            sent, close
    test/missing-file       the tree lists the big file, but resolve answers 404
                            EntryNotFound (a file deleted between listing and download)
"""
import argparse
import datetime
import hashlib
import http
import http.server
import json
import os
import re
import secrets
import shutil
import signal
import socket
import socketserver
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.parse
import urllib.request

TOKEN_VALID = "hf_testTOKENvalid0000abcd"
TOKEN_NOACCESS = "hf_testTOKENnoaccess0000wxyz"
BIG = "tiny-model.Q4_K_M.gguf"
LFS_EXT = (".gguf", ".safetensors", ".bin", ".pth", ".onnx")
KiB = 1024
PIECE = 64 * KiB
LAST_MODIFIED = "2026-01-01T00:00:00.000Z"
FAULTS = ("drop-once", "drop-each", "no-range", "corrupt", "rate-limit", "flaky", "always-500",
          "slow", "stall", "redirect-loop", "relative-redirect", "big-headers", "bad-chunk",
          "chunked", "short-body", "missing-file")
CDN_FAULTS = ("drop-once", "drop-each", "no-range", "corrupt", "stall", "bad-chunk", "chunked",
              "short-body")
FOREVER = threading.Event()           # never set: what a stalled connection waits on

# ---------------------------------------------------------------------------------------
# Certificates
# ---------------------------------------------------------------------------------------
SAN_HUB = "DNS:127.0.0.1,IP:127.0.0.1,DNS:localhost"
CAS = {"ca": "llm mock hub test CA", "other-ca": "llm mock hub untrusted CA"}
LEAVES = {  # name: (issuer, CN, subjectAltName, fixed dates or None = yesterday + 1 year)
    "hub": ("ca", "127.0.0.1", SAN_HUB, None),
    "cdn": ("ca", "127.0.0.2", "DNS:127.0.0.2,IP:127.0.0.2", None),
    "badca": ("other-ca", "127.0.0.1", SAN_HUB, None),
    "expired": ("ca", "127.0.0.1", SAN_HUB, ("20200101000000Z", "20210101000000Z")),
    "wronghost": ("ca", "wrong.example", "DNS:wrong.example", None),
}
CERT_FILES = [n + e for n in list(CAS) + list(LEAVES) for e in (".pem", ".key")]
CA_EXT = """basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
"""
LEAF_EXT = """basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = %s
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid,issuer
"""
OPENSSL_CNF = """[ca]
default_ca = CA_default
[CA_default]
dir = {work}
database = {work}/index.txt
new_certs_dir = {work}
serial = {work}/serial
default_md = sha256
policy = policy_any
unique_subject = no
email_in_dn = no
[policy_any]
commonName = supplied
[req]
distinguished_name = dn
[dn]
[ext]
{ext}"""


def openssl(*args):
    r = subprocess.run(["openssl", *args], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        raise RuntimeError("openssl %s failed:\n%s%s" % (args[0], r.stdout, r.stderr))


def make_cert(out, name, cn, ext, issuer, dates):
    """out/name.key + out/name.pem, signed by out/issuer.{pem,key} (None: self-signed), made
    with `openssl ca` and a throwaway CA database because it alone can set past dates."""
    work = tempfile.mkdtemp(dir=out)
    cnf = os.path.join(work, "openssl.cnf")
    with open(cnf, "w") as f:
        f.write(OPENSSL_CNF.format(work=work, ext=ext))
    open(os.path.join(work, "index.txt"), "w").close()
    with open(os.path.join(work, "serial"), "w") as f:
        f.write("4" + secrets.token_hex(8)[1:] + "\n")
    key, pem, csr = (os.path.join(out, name + ".key"), os.path.join(out, name + ".pem"),
                     os.path.join(work, "req.csr"))
    openssl("req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr,
            "-subj", "/CN=" + cn, "-config", cnf)
    args = ["ca", "-batch", "-config", cnf, "-in", csr, "-out", pem, "-startdate", dates[0],
            "-enddate", dates[1], "-extensions", "ext", "-notext", "-md", "sha256"]
    if issuer is None:
        args += ["-selfsign", "-keyfile", key]
    else:
        args += ["-cert", os.path.join(out, issuer + ".pem"),
                 "-keyfile", os.path.join(out, issuer + ".key")]
    openssl(*args)
    shutil.rmtree(work)


def ensure_certs(cdir):
    if all(os.path.exists(os.path.join(cdir, f)) for f in CERT_FILES):
        return cdir
    tmp = tempfile.mkdtemp(prefix=".certs-", dir=os.path.dirname(cdir))
    try:
        start = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=1)
        fmt = lambda days: (start + datetime.timedelta(days=days)).strftime("%Y%m%d%H%M%SZ")
        for name, cn in CAS.items():
            make_cert(tmp, name, cn, CA_EXT, None, (fmt(0), fmt(3650)))
        for name, (issuer, cn, san, dates) in LEAVES.items():
            make_cert(tmp, name, cn, LEAF_EXT % san, issuer, dates or (fmt(0), fmt(365)))
        if os.path.exists(cdir):
            shutil.rmtree(cdir)
        os.rename(tmp, cdir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return cdir


# ---------------------------------------------------------------------------------------
# Repository contents
# ---------------------------------------------------------------------------------------
def prng(seed, n):
    return hashlib.shake_256(seed.encode()).digest(n)


def fake_gguf(seed, n):
    """n bytes: a GGUF v3 header (0 tensors, general.architecture = llama), then noise."""
    key, val = b"general.architecture", b"llama"
    head = (b"GGUF" + struct.pack("<IQQQ", 3, 0, 1, len(key)) + key
            + struct.pack("<IQ", 8, len(val)) + val)
    return head + prng(seed, n - len(head))


def fake_safetensors(seed, n, names):
    """n bytes of safetensors: a 1 KiB header of 1-D BF16 tensors `names` filling the rest
    with noise. Returns (bytes, tensor data size)."""
    hlen = 1024
    elems = (n - 8 - hlen) // 2
    per = elems // len(names)
    meta, off = {"__metadata__": {"format": "pt"}}, 0
    for i, name in enumerate(names):
        cnt = per if i < len(names) - 1 else elems - per * (len(names) - 1)
        meta[name] = {"dtype": "BF16", "shape": [cnt], "data_offsets": [off, off + 2 * cnt]}
        off += 2 * cnt
    return struct.pack("<Q", hlen) + json.dumps(meta).encode().ljust(hlen) + prng(seed, off), off


class Blob:
    """One file's content and the hashes the Hub reports for it."""

    def __init__(self, data):
        self.data, self.size = data, len(data)
        self.sha256 = hashlib.sha256(data).hexdigest()
        g = hashlib.sha1(b"blob %d\0" % len(data))
        g.update(data)
        self.git_oid = g.hexdigest()
        self._corrupt = None

    def corrupt(self):
        if self._corrupt is None:
            b = bytearray(self.data)
            b[len(b) // 2] ^= 0xFF
            self._corrupt = bytes(b)
        return self._corrupt


def is_lfs(path):
    return path.endswith(LFS_EXT)


def pointer_size(blob):
    return len("version https://git-lfs.github.com/spec/v1\noid sha256:%s\nsize %d\n"
               % (blob.sha256, blob.size))


class Repo:
    def __init__(self, rid, files, private=False, gated=False):
        self.id, self.files = rid, dict(sorted(files.items()))
        self.sha = hashlib.sha1(rid.encode()).hexdigest()
        self.private, self.gated = private, gated
        self.fault = rid[5:] if rid[5:] in FAULTS else None
        dirs = {"/".join(p.split("/")[:i]) for p in self.files for i in range(1, p.count("/") + 1)}
        self.dirs = dirs
        self.paths = sorted(dirs | set(self.files))

    def tree(self, prefix, recursive):
        """Paths under directory `prefix` ("" = root), or None if there is no such dir."""
        if prefix and prefix not in self.dirs:
            return None
        base = prefix + "/" if prefix else ""
        return [p for p in self.paths
                if p.startswith(base) and (recursive or "/" not in p[len(base):])]

    def entry(self, path):
        if path in self.dirs:
            oid = hashlib.sha1(("tree %s %s" % (self.id, path)).encode()).hexdigest()
            return {"type": "directory", "oid": oid, "size": 0, "path": path}
        b = self.files[path]
        e = {"type": "file", "oid": b.git_oid, "size": b.size, "path": path}
        if is_lfs(path):
            e["lfs"] = {"oid": b.sha256, "size": b.size, "pointerSize": pointer_size(b)}
        return e


LLAMA_CONFIG = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 64,
                "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
                "intermediate_size": 128, "vocab_size": 512, "max_position_embeddings": 256,
                "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "torch_dtype": "bfloat16",
                "tie_word_embeddings": False}
SPECIALS = ["<unk>", "<s>", "</s>"]
TOKENIZER = {"version": "1.0", "truncation": None, "padding": None,
             "added_tokens": [{"id": i, "content": t, "single_word": False, "lstrip": False,
                               "rstrip": False, "normalized": False, "special": True}
                              for i, t in enumerate(SPECIALS)],
             "normalizer": None,
             "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False,
                               "trim_offsets": True, "use_regex": True},
             "post_processor": None,
             "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True,
                         "use_regex": True},
             "model": {"type": "BPE", "dropout": None, "unk_token": "<unk>",
                       "continuing_subword_prefix": None, "end_of_word_suffix": None,
                       "fuse_unk": False, "byte_fallback": False,
                       "vocab": {t: i for i, t in enumerate(SPECIALS + list("abcdeh\u0120lo")
                                                            + ["he", "ll", "hell", "hello"])},
                       "merges": ["h e", "l l", "he ll", "hell o"]}}
CHAT_TEMPLATE = ("{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + "
                 "message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}"
                 "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}")
TOKENIZER_CONFIG = {"add_bos_token": True, "add_eos_token": False, "bos_token": "<s>",
                    "eos_token": "</s>", "unk_token": "<unk>", "pad_token": None,
                    "model_max_length": 256, "tokenizer_class": "LlamaTokenizer",
                    "chat_template": CHAT_TEMPLATE}
SPECIAL_TOKENS_MAP = {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>"}
GENERATION_CONFIG = {"bos_token_id": 1, "eos_token_id": 2, "max_length": 256,
                     "transformers_version": "4.40.0"}
GITATTRIBUTES = "".join("*%s filter=lfs diff=lfs merge=lfs -text\n" % e for e in LFS_EXT)


def build_repos(gguf):
    text = lambda s: Blob(s.encode())
    js = lambda o: Blob((json.dumps(o, indent=2) + "\n").encode())
    gg = lambda rid, path, kib: Blob(fake_gguf(rid + "/" + path, kib * KiB))
    rnd = lambda rid, path, kib: Blob(prng(rid + "/" + path, kib * KiB))
    readme = lambda rid, lib: text("---\nlicense: mit\nlibrary_name: %s\n---\n# %s\n\n"
                                   "A mock repository for llm --fetch tests.\n" % (lib, rid))

    def st(rid, path, kib, names):
        data, _ = fake_safetensors(rid + "/" + path, kib * KiB, names)
        return Blob(data)

    t = "test/tiny-GGUF"
    tiny = {".gitattributes": text(GITATTRIBUTES), "README.md": readme(t, "gguf"),
            BIG: Blob(gguf) if gguf is not None else gg(t, BIG, 1536),
            "tiny-model.Q8_0.gguf": gg(t, "tiny-model.Q8_0.gguf", 1024),
            "tiny-model.Q4_0.gguf": gg(t, "tiny-model.Q4_0.gguf", 700),
            "tiny-model.Q4_K_S.gguf": gg(t, "tiny-model.Q4_K_S.gguf", 600),
            "mmproj-tiny-model-f16.gguf": gg(t, "mmproj-tiny-model-f16.gguf", 300)}
    repos = [Repo(t, tiny)]
    r = "test/q8-only-GGUF"
    repos.append(Repo(r, {"README.md": readme(r, "gguf"), "m.Q2_K.gguf": gg(r, "m.Q2_K.gguf", 200),
                          "m.Q8_0.gguf": gg(r, "m.Q8_0.gguf", 300)}))
    r = "test/split-GGUF"
    files = {"README.md": readme(r, "gguf"), "model-Q8_0.gguf": gg(r, "model-Q8_0.gguf", 500)}
    for i in (1, 2, 3):
        p = "Q4_K_M/model-Q4_K_M-%05d-of-00003.gguf" % i
        files[p] = gg(r, p, 400)
    repos.append(Repo(r, files))

    r = "test/tiny-st"
    shards = {"model-00001-of-00002.safetensors": (500, ["model.embed_tokens.weight",
                                                         "model.layers.0.self_attn.q_proj.weight",
                                                         "model.layers.0.mlp.down_proj.weight"]),
              "model-00002-of-00002.safetensors": (400, ["model.layers.1.self_attn.q_proj.weight",
                                                         "model.norm.weight", "lm_head.weight"])}
    files, total, weight_map = {}, 0, {}
    for p, (kib, names) in shards.items():
        data, size = fake_safetensors(r + "/" + p, kib * KiB, names)
        files[p], total = Blob(data), total + size
        weight_map.update({n: p for n in names})
    files.update({".gitattributes": text(GITATTRIBUTES), "README.md": readme(r, "transformers"),
                  "config.json": js(LLAMA_CONFIG), "generation_config.json": js(GENERATION_CONFIG),
                  "tokenizer.json": js(TOKENIZER), "tokenizer_config.json": js(TOKENIZER_CONFIG),
                  "special_tokens_map.json": js(SPECIAL_TOKENS_MAP),
                  "model.safetensors.index.json": js({
                      "metadata": {"total_size": total},
                      "weight_map": dict(sorted(weight_map.items()))}),
                  "pytorch_model.bin": rnd(r, "pytorch_model.bin", 300),
                  "onnx/model.onnx": rnd(r, "onnx/model.onnx", 200),
                  "original/consolidated.pth": rnd(r, "original/consolidated.pth", 200)})
    repos.append(Repo(r, files))
    names = ["model.embed_tokens.weight", "model.norm.weight", "lm_head.weight"]
    r = "test/single-st"
    repos.append(Repo(r, {"config.json": js(LLAMA_CONFIG), "tokenizer.json": js(TOKENIZER),
                          "model.safetensors": st(r, "model.safetensors", 300, names)}))
    r = "test/vision"
    repos.append(Repo(r, {"config.json": js({"architectures": ["LlavaForConditionalGeneration"],
                                             "model_type": "llava",
                                             "vision_config": {"model_type": "clip_vision_model"},
                                             "text_config": {"model_type": "llama"}}),
                          "model.safetensors": st(r, "model.safetensors", 300, names)}))
    r = "test/bert"
    repos.append(Repo(r, {"config.json": js({"architectures": ["BertModel"], "model_type": "bert"}),
                          "model.safetensors": st(r, "model.safetensors", 300,
                                                  ["embeddings.word_embeddings.weight"])}))
    r = "test/gated"
    repos.append(Repo(r, {"README.md": readme(r, "gguf"),
                          "g.Q4_K_M.gguf": (tiny[BIG] if gguf is not None
                                            else gg(r, "g.Q4_K_M.gguf", 400))},
                      gated=True))
    r = "test/private"
    repos.append(Repo(r, {"README.md": readme(r, "gguf"), "p.Q8_0.gguf": gg(r, "p.Q8_0.gguf", 300)},
                      private=True))
    repos += [Repo("test/" + f, tiny) for f in FAULTS]
    return {r.id: r for r in repos}


# ---------------------------------------------------------------------------------------
# Shared state: request log, fault counters
# ---------------------------------------------------------------------------------------
class Mock:
    def __init__(self, d, repos):
        self.dir, self.repos = d, repos
        self.log_path = os.path.join(d, "requests.jsonl")
        self.blobs = {b.sha256: b for r in repos.values() for b in r.files.values()}
        self.lock = threading.Lock()
        self.counters = {}
        self.ports = {}
        open(self.log_path, "w").close()

    def log(self, listener, method, path, headers):
        line = json.dumps({"listener": listener, "method": method, "path": path,
                           "headers": headers}) + "\n"
        with self.lock:
            with open(self.log_path, "a") as f:
                f.write(line)

    def bump(self, repo, fault):
        """How many times (repo, fault) fired before; counts this one."""
        with self.lock:
            n = self.counters.get((repo, fault), 0)
            self.counters[(repo, fault)] = n + 1
            return n

    def reset(self):
        with self.lock:
            self.counters.clear()
            open(self.log_path, "w").close()


def parse_range(value, total):
    """(start, end exclusive), None (no or ignorable Range: 200) or "416"."""
    m = re.fullmatch(r"\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*", value or "")
    if not m or (m[1] == "" and m[2] == ""):
        return None
    if m[1] == "":
        suffix = int(m[2])
        return (max(0, total - suffix), total) if suffix > 0 and total > 0 else "416"
    start = int(m[1])
    end = int(m[2]) + 1 if m[2] else total
    if start >= total:
        return "416"
    return (start, min(end, total)) if end > start else None


# ---------------------------------------------------------------------------------------
# HTTP
# ---------------------------------------------------------------------------------------
class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 300                     # idle keep-alive connections are closed after this

    def log_message(self, *args):      # requests.jsonl is the log
        pass

    def __getattr__(self, name):       # every method (GET, HEAD, CONNECT, POST, ...)
        if name.startswith("do_"):
            return self.dispatch
        raise AttributeError(name)

    # -- plumbing ---------------------------------------------------------------------
    def dispatch(self):
        srv, mock = self.server, self.server.mock
        hdrs = {}
        for k, v in self.headers.items():
            k = k.lower()
            hdrs[k] = hdrs[k] + ", " + v if k in hdrs else v
        mock.log(srv.name, self.command, self.path, hdrs)
        try:
            if self.command != "CONNECT":
                self.discard_body()
            if self.path.partition("?")[0] == "/_mock/reset":
                mock.reset()
                self.json(200, {"reset": True})
            elif srv.app == "proxy":
                self.proxy()
            elif srv.app == "cdn":
                self.cdn()
            else:
                self.hub()
        except OSError:                                  # disconnects, resets, TLS errors
            self.close_connection = True
        except Exception:
            traceback.print_exc()
            self.close_connection = True

    def discard_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self.close_connection = True
        n = int(self.headers.get("Content-Length") or 0)
        while n > 0:
            got = self.rfile.read(min(n, PIECE))
            if not got:
                break
            n -= len(got)

    def respond(self, status, headers=(), body=b"", close=False):
        """Write status line, headers (raw: any size) and body (unless HEAD)."""
        try:
            phrase = http.HTTPStatus(status).phrase
        except ValueError:
            phrase = "Unknown"
        lines = ["HTTP/1.1 %d %s" % (status, phrase), "Server: mock-hub",
                 "Date: " + self.date_time_string()]
        lines += ["%s: %s" % hv for hv in headers]
        names = {n.lower() for n, _ in headers}
        if "content-length" not in names and "transfer-encoding" not in names:
            lines.append("Content-Length: %d" % len(body))
        if close or self.close_connection:
            lines.append("Connection: close")
            self.close_connection = True
        self.wfile.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        if self.command != "HEAD":
            self.write_pieces(body)

    def write_pieces(self, data):
        data = memoryview(data)
        for i in range(0, len(data), PIECE):
            self.wfile.write(data[i:i + PIECE])

    def cut(self):
        """Close the connection now, without TLS close_notify: a truncated response."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def json(self, status, obj, headers=()):
        self.respond(status, [("Content-Type", "application/json; charset=utf-8")] + list(headers),
                     json.dumps(obj).encode())

    def error(self, status, message, code=None, headers=(), close=False):
        h = [("X-Error-Code", code)] if code else []
        h += [("X-Error-Message", message), ("Content-Type", "application/json; charset=utf-8")]
        self.respond(status, h + list(headers), json.dumps({"error": message}).encode(), close)

    def own_url(self, path):
        srv = self.server
        return "%s://%s:%d%s" % (srv.scheme, srv.server_address[0], srv.server_address[1], path)

    # -- the Hub application ------------------------------------------------------------
    def token(self):
        """None (no Authorization), "valid", "noaccess" or "invalid"."""
        auth = self.headers.get("Authorization")
        if auth is None:
            return None
        scheme, _, value = auth.strip().partition(" ")
        value = value.strip() if scheme.lower() == "bearer" else None
        return {TOKEN_VALID: "valid", TOKEN_NOACCESS: "noaccess"}.get(value, "invalid")

    def hub(self):
        raw, _, query = self.path.partition("?")
        segs = [urllib.parse.unquote(s) for s in raw.split("/")[1:]]
        if self.command not in ("GET", "HEAD"):
            return self.error(405, "Method not allowed", headers=[("Allow", "GET, HEAD")])
        if len(segs) == 2 and segs[0] == "cdn-rel":                  # test/relative-redirect
            blob = self.server.mock.blobs.get(segs[1])
            if blob is None:
                return self.error(404, "Not found")
            return self.serve_blob(blob, [("Content-Type", "application/octet-stream"),
                                          ("ETag", '"%s"' % blob.sha256)])
        tok = self.token()
        if tok == "invalid":
            return self.error(401, "Invalid credentials in Authorization header")
        if segs == ["api", "whoami-v2"]:
            if tok is None:
                return self.error(401, "Invalid username or password.")
            return self.json(200, {"type": "user", "name": "tester" if tok == "valid" else
                                   "tester-noaccess", "auth": {"type": "access_token"}})
        if len(segs) >= 3 and segs[:2] == ["api", "models"]:
            rest = segs[2:]
            if "/" in rest[0]:                                          # org%2Fname
                rest = rest[0].split("/", 1) + rest[1:]
            if len(rest) >= 2:
                rid, tail = rest[0] + "/" + rest[1], rest[2:]
                if not tail:
                    return self.api_info(rid, "main", tok, query)
                if tail[0] == "revision" and len(tail) >= 2:
                    return self.api_info(rid, "/".join(tail[1:]), tok, query)
                if tail[0] == "tree" and len(tail) >= 2:
                    return self.api_tree(rid, tail[1], "/".join(tail[2:]).strip("/"), tok, query)
        if len(segs) >= 5 and segs[2] == "resolve":
            return self.resolve(segs[0] + "/" + segs[1], segs[3], "/".join(segs[4:]), tok)
        return self.error(404, "Sorry, we can't find the page you are looking for.")

    def find_repo(self, rid, tok):
        repo = self.server.mock.repos.get(rid)
        if repo is None or (repo.private and tok != "valid"):
            self.error(404 if tok else 401, "Repository not found", "RepoNotFound")
            return None
        return repo

    def check_rev(self, repo, rev):
        if rev in ("main", "v1.0", repo.sha):
            return True
        self.error(404, "Invalid rev id: %s" % rev, "RevisionNotFound")
        return False

    def api_info(self, rid, rev, tok, query):
        repo = self.find_repo(rid, tok)
        if repo is None:
            return
        mock = self.server.mock
        if repo.fault == "rate-limit" and mock.bump(rid, "rate-limit") == 0:
            return self.error(429, "You have been rate-limited; you can retry this action in "
                              "about 1 second.", headers=[("Retry-After", "1")])
        if repo.fault == "always-500":
            return self.error(500, "Internal Error - We're working hard to fix this as soon as "
                              "possible!")
        if repo.fault == "slow":
            time.sleep(30)
        if not self.check_rev(repo, rev):
            return
        blobs = urllib.parse.parse_qs(query).get("blobs", [""])[-1].lower() in ("true", "1")
        siblings = []
        for p, b in repo.files.items():
            s = {"rfilename": p}
            if blobs:
                s.update(blobId=b.git_oid, size=b.size)
                if is_lfs(p):
                    s["lfs"] = {"sha256": b.sha256, "size": b.size, "pointerSize": pointer_size(b)}
            siblings.append(s)
        gguf = any(p.endswith(".gguf") for p in repo.files)
        info = {"_id": hashlib.sha1(("id " + rid).encode()).hexdigest()[:24], "id": rid,
                "modelId": rid, "author": rid.split("/")[0], "sha": repo.sha,
                "lastModified": LAST_MODIFIED, "createdAt": LAST_MODIFIED,
                "private": repo.private, "gated": "manual" if repo.gated else False,
                "disabled": False, "downloads": 0, "likes": 0,
                "library_name": "gguf" if gguf else "transformers",
                "tags": ["gguf"] if gguf else ["transformers", "safetensors"],
                "siblings": siblings}
        if "config.json" in repo.files:
            cfg = json.loads(repo.files["config.json"].data)
            info["config"] = {k: cfg[k] for k in ("architectures", "model_type") if k in cfg}
        self.json(200, info)

    def api_tree(self, rid, rev, prefix, tok, query):
        repo = self.find_repo(rid, tok)
        if repo is None or not self.check_rev(repo, rev):
            return
        q = urllib.parse.parse_qs(query)
        recursive = q.get("recursive", [""])[-1].lower() in ("true", "1")
        try:
            cursor = max(0, int(q.get("cursor", ["0"])[-1]))
        except ValueError:
            return self.error(400, "Invalid cursor")
        paths = repo.tree(prefix, recursive)
        if paths is None:
            return self.error(404, "Entry not found", "EntryNotFound")
        headers = []
        if cursor + 2 < len(paths):
            url = self.own_url("/api/models/%s/tree/%s%s?%scursor=%d" % (
                urllib.parse.quote(rid), urllib.parse.quote(rev, safe=""),
                "/" + urllib.parse.quote(prefix) if prefix else "",
                "recursive=true&" if recursive else "", cursor + 2))
            headers.append(("Link", '<%s>; rel="next"' % url))
        self.json(200, [repo.entry(p) for p in paths[cursor:cursor + 2]], headers)

    def resolve(self, rid, rev, path, tok):
        repo = self.find_repo(rid, tok)
        if repo is None:
            return
        if repo.gated and tok is None:
            return self.error(401, "Access to model %s is restricted. You must have access to it "
                              "and be authenticated to access it. Please log in." % rid,
                              "GatedRepo")
        if repo.gated and tok == "noaccess":
            return self.error(403, "Access to model %s is restricted and you are not in the "
                              "authorized list. Visit https://huggingface.co/%s to ask for "
                              "access." % (rid, rid), "GatedRepo")
        if not self.check_rev(repo, rev):
            return
        blob = repo.files.get(path)
        if blob is None or (repo.fault == "missing-file" and path == BIG):
            return self.error(404, "Entry not found", "EntryNotFound",
                              headers=[("X-Repo-Commit", repo.sha)])
        fault, mock = repo.fault, self.server.mock
        extra = [("X-Padding", "a" * (100 * KiB))] if fault == "big-headers" else []
        common = [("X-Repo-Commit", repo.sha), ("ETag", '"%s"' % blob.git_oid)] + extra
        if fault == "redirect-loop":
            loc = self.own_url(self.path)
            return self.respond(302, [("Location", loc),
                                      ("Content-Type", "text/plain; charset=utf-8")] + common,
                                b"Found. Redirecting to " + loc.encode())
        if fault == "flaky" and path == BIG and mock.bump(rid, "flaky") == 0:
            return self.error(500, "Internal Error - We're working hard to fix this as soon as "
                              "possible!")
        if is_lfs(path):
            if fault == "relative-redirect" and path == BIG:
                loc = "/cdn-rel/" + blob.sha256
            else:
                loc = ("https://127.0.0.2:%d/repos/%s/%s/%s?X-Amz-Signature=abc123&file=%s"
                       "&X-Mock-Repo=%s") % (
                    mock.ports["cdn"], blob.sha256[:2], blob.sha256[2:4], blob.sha256,
                    urllib.parse.quote(path.rsplit("/", 1)[-1], safe=""),
                    urllib.parse.quote(rid, safe=""))
            return self.respond(302, [("Location", loc), ("X-Linked-Etag", '"%s"' % blob.sha256),
                                      ("X-Linked-Size", str(blob.size)),
                                      ("Content-Type", "text/plain; charset=utf-8")] + common,
                                b"Found. Redirecting to " + loc.encode())
        ctype = ("application/json" if path.endswith(".json") else "text/plain; charset=utf-8")
        self.serve_blob(blob, [("Content-Type", ctype)] + common)

    # -- content (CDN, /cdn-rel, non-LFS resolve) ----------------------------------------
    def cdn(self):
        raw, _, query = self.path.partition("?")
        if self.command not in ("GET", "HEAD"):
            return self.error(405, "Method not allowed", headers=[("Allow", "GET, HEAD")])
        segs = raw.split("/")
        ok = len(segs) == 5 and segs[1] == "repos"
        blob = self.server.mock.blobs.get(segs[-1]) if ok else None
        if blob is None:
            return self.error(404, "NoSuchKey: The specified key does not exist.")
        rid = urllib.parse.parse_qs(query).get("X-Mock-Repo", [""])[-1]
        repo = self.server.mock.repos.get(rid)
        fault = None
        if repo and repo.fault in CDN_FAULTS and repo.files.get(BIG) is blob:
            fault = repo.fault
        self.serve_blob(blob, [("Content-Type", "application/octet-stream"),
                               ("ETag", '"%s"' % blob.sha256)], fault, rid)

    def serve_blob(self, blob, headers, fault=None, rid=None):
        data = blob.corrupt() if fault == "corrupt" else blob.data
        total = blob.size
        if fault in ("chunked", "bad-chunk"):
            return self.serve_chunked(data, headers, fault)
        rng = None if fault == "no-range" else parse_range(self.headers.get("Range"), total)
        accept = [("Accept-Ranges", "none" if fault == "no-range" else "bytes")]
        if rng == "416":
            return self.error(416, "The requested range is not satisfiable",
                              headers=[h for h in headers if h[0] != "Content-Type"] + accept
                              + [("Content-Range", "bytes */%d" % total)])
        start, end = rng or (0, total)
        n = end - start
        h = headers + accept + [("Content-Length", str(n))]
        if rng:
            h.append(("Content-Range", "bytes %d-%d/%d" % (start, end - 1, total)))
        self.respond(206 if rng else 200, h)
        if self.command == "HEAD":
            return
        mock, send, stall = self.server.mock, n, False
        if fault in ("drop-once", "no-range") and mock.bump(rid, fault) == 0:
            send = n // 2
        elif fault == "drop-each":
            send = min(n, 400 * KiB)
        elif fault == "short-body":
            send = max(0, n - 1000)
        elif fault == "stall":
            send, stall = n // 2, True
        self.write_pieces(memoryview(data)[start:start + send])
        if stall:
            FOREVER.wait()
        if send < n or fault == "drop-each":
            self.cut()

    def serve_chunked(self, data, headers, fault):
        self.respond(200, headers + [("Transfer-Encoding", "chunked")])
        if self.command == "HEAD":
            return
        if fault == "bad-chunk":
            self.wfile.write(b"zz\r\n" + data[:100] + b"\r\n")
            return self.cut()
        sizes, i, k = (1, 7, 65536, 3, 1000, 131072, 12345, 2), 0, 0
        view = memoryview(data)
        while i < len(data):
            piece = view[i:i + sizes[k % len(sizes)]]
            self.wfile.write(b"%x\r\n" % len(piece) + piece.tobytes() + b"\r\n")
            i, k = i + len(piece), k + 1
        self.wfile.write(b"0\r\n\r\n")

    # -- CONNECT proxy --------------------------------------------------------------------
    def proxy(self):
        if self.command != "CONNECT":
            return self.error(405, "Only CONNECT is supported", headers=[("Allow", "CONNECT")])
        host, sep, port = self.path.rpartition(":")
        host = host.strip("[]")
        if not sep or not host or not port.isdigit():
            return self.error(400, "Bad CONNECT target", close=True)
        if host.lower() == "blocked.example":
            return self.error(403, "Forbidden by proxy policy: %s" % host, close=True)
        try:
            up = socket.create_connection((host, int(port)), timeout=10)
        except OSError as e:
            return self.error(502, "Cannot connect to %s: %s" % (self.path, e), close=True)
        self.close_connection = True
        client = self.connection
        try:
            up.settimeout(None)
            client.settimeout(self.timeout)
            self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")

            def downstream():
                try:
                    while True:
                        d = up.recv(PIECE)
                        if not d:
                            break
                        client.sendall(d)
                except OSError:
                    pass
                for s in (client, up):
                    try:
                        s.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
            t = threading.Thread(target=downstream, daemon=True)
            t.start()
            try:
                while True:
                    d = self.rfile.read1(PIECE)   # read1: bytes already buffered come first
                    if not d:
                        break
                    up.sendall(d)
            except OSError:
                pass
            try:
                up.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            t.join()
        finally:
            up.close()


class Listener(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, mock, name, host, app, ctx):
        self.mock, self.name, self.app, self.ctx = mock, name, app, ctx
        self.scheme = "https" if ctx else "http"
        super().__init__((host, 0), Handler)

    def server_bind(self):               # HTTPServer's would call getfqdn (a DNS lookup)
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def finish_request(self, request, client_address):
        if self.ctx is None:
            return self.RequestHandlerClass(request, client_address, self)
        request.settimeout(30)                           # the handshake, in this thread
        tls = self.ctx.wrap_socket(request, server_side=True)
        try:
            self.RequestHandlerClass(tls, client_address, self)
        finally:
            tls.close()

    def handle_error(self, request, client_address):    # refused handshakes, disconnects
        pass


def tls_context(certs, name):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(os.path.join(certs, name + ".pem"), os.path.join(certs, name + ".key"))
    ctx.set_alpn_protocols(["http/1.1"])
    return ctx


# ---------------------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------------------
def reset(d):
    with open(os.path.join(d, "ports.json")) as f:
        port = json.load(f)["http"]
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))   # no $http_proxy
    with opener.open("http://127.0.0.1:%d/_mock/reset" % port, timeout=10) as r:
        r.read()
        return 0 if r.status == 200 else 1


def main():
    ap = argparse.ArgumentParser(description="Mock Hugging Face Hub for llm --fetch tests")
    ap.add_argument("--dir", required=True, help="state directory (certs, ports.json, log)")
    ap.add_argument("--gguf", help="GGUF file served as tiny-model.Q4_K_M.gguf")
    ap.add_argument("--reset", action="store_true", help="reset the running mock and exit")
    args = ap.parse_args()
    d = os.path.abspath(args.dir)
    os.makedirs(d, exist_ok=True)
    if args.reset:
        try:
            return reset(d)
        except (OSError, ValueError, KeyError) as e:
            print("mock_hub: reset failed: %s" % e, file=sys.stderr)
            return 1
    ports_path = os.path.join(d, "ports.json")

    def stop(signum, frame):
        try:
            os.unlink(ports_path)
        except OSError:
            pass
        os._exit(0)                      # stalled connections must not delay the exit
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        os.unlink(ports_path)
    except OSError:
        pass

    certs = ensure_certs(os.path.join(d, "certs"))
    gguf = None
    if args.gguf:
        with open(args.gguf, "rb") as f:
            gguf = f.read()
    mock = Mock(d, build_repos(gguf))
    plan = [("hub", "127.0.0.1", "hub", "hub"), ("cdn", "127.0.0.2", "cdn", "cdn"),
            ("badca", "127.0.0.1", "hub", "badca"), ("expired", "127.0.0.1", "hub", "expired"),
            ("wronghost", "127.0.0.1", "hub", "wronghost"), ("http", "127.0.0.1", "hub", None),
            ("proxy", "127.0.0.1", "proxy", None)]
    for name, host, app, cert in plan:
        srv = Listener(mock, name, host, app, tls_context(certs, cert) if cert else None)
        mock.ports[name] = srv.server_address[1]
        threading.Thread(target=srv.serve_forever, name=name, daemon=True).start()
    for name, host, _, _ in plan:                       # every listener accepts
        socket.create_connection((host, mock.ports[name]), timeout=5).close()
    tmp = ports_path + ".tmp.%d" % os.getpid()
    with open(tmp, "w") as f:
        json.dump(mock.ports, f)
    os.rename(tmp, ports_path)
    try:
        print("ready", flush=True)
    except OSError:
        pass
    while True:
        signal.pause()


if __name__ == "__main__":
    sys.exit(main())
