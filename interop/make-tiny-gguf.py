#!/usr/bin/env python3
"""Writes a tiny random-weight Qwen2 GGUF for the interop tier, deterministically.

The model's text is meaningless; what matters is that llama-server loads it and
speaks the real wire protocol (chat template, grammar-constrained JSON, usage).

    python3 interop/make-tiny-gguf.py OUT.gguf [--llama-src DIR]

DIR is the llama.cpp checkout that interop/build-llama-server.sh leaves in its
cache dir (default: $SYNTHGEN_LLAMA_SRC, else
${XDG_CACHE_HOME:-~/.cache}/synthgen/llama-server/node-llama-cpp-3.22.1/src).
From it come gguf-py (the writer), models/ggml-vocab-qwen2.gguf (the Qwen2
vocabulary: every tokenizer.* key is copied) and the Qwen2.5 chat template
(models/templates/Qwen-Qwen2.5-7B-Instruct.jinja; the vocab file's own ChatML
template when that is missing). Needs numpy (Debian: python3-numpy).

Same bytes on every run: fixed seed, fixed key and tensor order, no timestamps.
"""
import argparse
import os
import sys

SEED = 20240613
N_EMBD = 64
N_LAYER = 2
N_HEAD = 4
N_HEAD_KV = 2
N_FF = 128
N_CTX_TRAIN = 4096


def default_src():
    if os.environ.get("SYNTHGEN_LLAMA_SRC"):
        return os.environ["SYNTHGEN_LLAMA_SRC"]
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(cache, "synthgen", "llama-server", "node-llama-cpp-3.22.1", "src")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--llama-src", default=default_src())
    args = ap.parse_args()

    src = args.llama_src
    vocab_path = os.path.join(src, "models", "ggml-vocab-qwen2.gguf")
    if not os.path.isfile(vocab_path):
        sys.exit(f"make-tiny-gguf: {vocab_path} not found; run interop/build-llama-server.sh first")
    sys.path.insert(0, os.path.join(src, "gguf-py"))
    try:
        import numpy as np
    except ImportError:
        sys.exit("make-tiny-gguf: numpy is missing for %s (Debian: apt-get install python3-numpy)" % sys.executable)
    import gguf

    reader = gguf.GGUFReader(vocab_path)
    arch = "qwen2"
    w = gguf.GGUFWriter(args.out, arch)

    w.add_name("synthgen-interop-tiny-qwen2")
    w.add_block_count(N_LAYER)
    w.add_context_length(N_CTX_TRAIN)
    w.add_embedding_length(N_EMBD)
    w.add_feed_forward_length(N_FF)
    w.add_head_count(N_HEAD)
    w.add_head_count_kv(N_HEAD_KV)
    w.add_rope_freq_base(1000000.0)
    w.add_layer_norm_rms_eps(1e-6)
    w.add_file_type(gguf.LlamaFileType.MOSTLY_F16)

    # Tokenizer: every tokenizer.* key of the vocab file, as stored there.
    # As in Qwen2.5-Instruct, a turn ends with <|im_end|> (eos), <|endoftext|> pads; no BOS.
    tokens = reader.fields["tokenizer.ggml.tokens"].contents()
    overrides = {}
    if "<|im_end|>" in tokens:
        overrides["tokenizer.ggml.eos_token_id"] = tokens.index("<|im_end|>")
    n_vocab = None
    for name, field in reader.fields.items():
        if not name.startswith("tokenizer.") or name == "tokenizer.chat_template":
            continue
        vtype = field.types[0]
        value = overrides.get(name, field.contents())
        sub = field.types[-1] if vtype == gguf.GGUFValueType.ARRAY else None
        w.add_key_value(name, value, vtype, sub_type=sub)
        if name == "tokenizer.ggml.tokens":
            n_vocab = len(value)
    if n_vocab is None:
        sys.exit("make-tiny-gguf: no tokenizer.ggml.tokens in " + vocab_path)
    if "tokenizer.ggml.add_bos_token" not in reader.fields:
        w.add_add_bos_token(False)

    tmpl_path = os.path.join(src, "models", "templates", "Qwen-Qwen2.5-7B-Instruct.jinja")
    if os.path.isfile(tmpl_path):
        with open(tmpl_path, encoding="utf-8") as f:
            w.add_chat_template(f.read())
    else:
        w.add_chat_template(reader.fields["tokenizer.chat_template"].contents())

    rng = np.random.default_rng(SEED)

    def mat(rows, cols, std=0.02):
        # numpy shape (rows, cols) is ggml ne {cols, rows}
        return (rng.standard_normal((rows, cols), dtype=np.float32) * std).astype(np.float16)

    def vec(n, std=0.02):
        return rng.standard_normal(n, dtype=np.float32) * std

    head_dim = N_EMBD // N_HEAD
    n_kv = head_dim * N_HEAD_KV
    # Tied embeddings: no output.weight, llama.cpp reuses token_embd (keeps the file small).
    w.add_tensor("token_embd.weight", mat(n_vocab, N_EMBD, 0.05))
    w.add_tensor("output_norm.weight", np.ones(N_EMBD, dtype=np.float32))
    for i in range(N_LAYER):
        p = f"blk.{i}."
        w.add_tensor(p + "attn_norm.weight", np.ones(N_EMBD, dtype=np.float32))
        w.add_tensor(p + "attn_q.weight", mat(N_EMBD, N_EMBD))
        w.add_tensor(p + "attn_q.bias", vec(N_EMBD))
        w.add_tensor(p + "attn_k.weight", mat(n_kv, N_EMBD))
        w.add_tensor(p + "attn_k.bias", vec(n_kv))
        w.add_tensor(p + "attn_v.weight", mat(n_kv, N_EMBD))
        w.add_tensor(p + "attn_v.bias", vec(n_kv))
        w.add_tensor(p + "attn_output.weight", mat(N_EMBD, N_EMBD))
        w.add_tensor(p + "ffn_norm.weight", np.ones(N_EMBD, dtype=np.float32))
        w.add_tensor(p + "ffn_gate.weight", mat(N_FF, N_EMBD))
        w.add_tensor(p + "ffn_up.weight", mat(N_FF, N_EMBD))
        w.add_tensor(p + "ffn_down.weight", mat(N_EMBD, N_FF))

    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    print(args.out)


if __name__ == "__main__":
    main()
