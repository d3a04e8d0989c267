#!/usr/bin/env python3
"""Write the small GGUF and safetensors fixtures of Tests/ModelFilesTests.

Run:
  python3 scripts/make_gguf_fixtures.py                 # (re)writes Tests/Fixtures/gguf/
  python3 scripts/make_gguf_fixtures.py --check DIR...  # checks folders `GGUFImport` wrote

Needs numpy and the `gguf` package (llama.cpp's gguf-py, on PyPI); --check also needs
tokenizers, transformers and torch. Output is deterministic (fixed seeds).

Fixtures (Tests/Fixtures/gguf/):
  llama-f16.gguf        llama, 2 layers, F32 norms and F16/F32 weights, tied embeddings,
                        Q and K rows permuted exactly as llama.cpp's convert_hf_to_gguf
                        does, pre-tokenizer "smollm", plus one metadata key of every GGUF
                        value type (test.*)
  qwen2-quant.gguf      qwen2, 2 layers, Q/K/V biases, weights in Q8_0, Q4_0, Q4_1 and
                        BF16 (quantised with gguf.quants), an untied output head,
                        pre-tokenizer "qwen2"
  *.expected.safetensors  the Hugging Face-named fp32 tensors an import must produce:
                        dequantised with gguf.quants.dequantize, the permutation undone
                        here in numpy
  mixed.safetensors     F32, F16 and BF16 copies of the same values plus an I64 tensor,
                        written by the safetensors library (an independent writer)

Both GGUFs carry a toy byte-level BPE vocabulary: three control tokens (ChatML), the 256
byte symbols, a few merges, and one user-defined token, with bos/eos/pad ids and a chat
template.
"""
import argparse
import json
import os
import sys

import numpy as np

HIDDEN, HEADS, KV_HEADS, FF, LAYERS, CONTEXT = 32, 4, 2, 64, 2, 256
HEAD_DIM = HIDDEN // HEADS
CHAT_TEMPLATE = ("{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] "
                 "+ '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}")
MERGES = ["Ġ t", "h e", "Ġt he", "i n", "Ġ a", "e r", "1 2", "Ġ 1", "o n", "Ġ in"]
CONTROL = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
USER_DEFINED = "<tool>"


def byte_symbols():
    """GPT-2's printable stand-in for each byte (bytes_to_unicode)."""
    keep = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    out, extra = {}, 0
    for b in range(256):
        if b in keep:
            out[b] = chr(b)
        else:
            out[b] = chr(256 + extra)
            extra += 1
    return [out[b] for b in range(256)]


def toy_vocab():
    """tokens, token types (gguf.TokenType values), merges."""
    import gguf
    tokens = CONTROL + byte_symbols()
    for m in MERGES:
        merged = m.replace(" ", "")
        if merged not in tokens:
            tokens.append(merged)
    tokens.append(USER_DEFINED)
    types = [gguf.TokenType.CONTROL] * len(CONTROL) + [gguf.TokenType.NORMAL] * (len(tokens) - len(CONTROL) - 1) + [gguf.TokenType.USER_DEFINED]
    return tokens, [int(t) for t in types], MERGES


def permute(w, n_head):
    """convert_hf_to_gguf's LlamaModel.permute: HF rotate-half rows -> interleaved pairs per head."""
    return w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def unpermute(w, n_head):
    """The inverse of permute."""
    return w.reshape(n_head, w.shape[0] // n_head // 2, 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def hf_tensors(rng, arch, vocab, tied):
    """Random Hugging Face-named fp32 weights of a tiny model, in module order."""
    def w(*shape, scale=0.2):
        return (rng.standard_normal(shape) * scale).astype(np.float32)
    t = {"model.embed_tokens.weight": w(vocab, HIDDEN)}
    for i in range(LAYERS):
        p = f"model.layers.{i}."
        t[p + "input_layernorm.weight"] = (1 + w(HIDDEN, scale=0.1))
        t[p + "self_attn.q_proj.weight"] = w(HEADS * HEAD_DIM, HIDDEN)
        t[p + "self_attn.k_proj.weight"] = w(KV_HEADS * HEAD_DIM, HIDDEN)
        t[p + "self_attn.v_proj.weight"] = w(KV_HEADS * HEAD_DIM, HIDDEN)
        if arch == "qwen2":
            t[p + "self_attn.q_proj.bias"] = w(HEADS * HEAD_DIM)
            t[p + "self_attn.k_proj.bias"] = w(KV_HEADS * HEAD_DIM)
            t[p + "self_attn.v_proj.bias"] = w(KV_HEADS * HEAD_DIM)
        t[p + "self_attn.o_proj.weight"] = w(HIDDEN, HEADS * HEAD_DIM)
        t[p + "post_attention_layernorm.weight"] = (1 + w(HIDDEN, scale=0.1))
        t[p + "mlp.gate_proj.weight"] = w(FF, HIDDEN)
        t[p + "mlp.up_proj.weight"] = w(FF, HIDDEN)
        t[p + "mlp.down_proj.weight"] = w(HIDDEN, FF)
    t["model.norm.weight"] = (1 + w(HIDDEN, scale=0.1))
    if not tied:
        t["lm_head.weight"] = w(vocab, HIDDEN)
    return t


GGUF_NAMES = {
    "model.embed_tokens.weight": "token_embd.weight", "model.norm.weight": "output_norm.weight", "lm_head.weight": "output.weight",
    "input_layernorm.weight": "attn_norm.weight", "post_attention_layernorm.weight": "ffn_norm.weight",
    "self_attn.q_proj.weight": "attn_q.weight", "self_attn.k_proj.weight": "attn_k.weight",
    "self_attn.v_proj.weight": "attn_v.weight", "self_attn.o_proj.weight": "attn_output.weight",
    "self_attn.q_proj.bias": "attn_q.bias", "self_attn.k_proj.bias": "attn_k.bias", "self_attn.v_proj.bias": "attn_v.bias",
    "mlp.gate_proj.weight": "ffn_gate.weight", "mlp.up_proj.weight": "ffn_up.weight", "mlp.down_proj.weight": "ffn_down.weight",
}


def gguf_name(hf):
    if hf.startswith("model.layers."):
        i, rest = hf[len("model.layers."):].split(".", 1)
        return f"blk.{i}.{GGUF_NAMES[rest]}"
    return GGUF_NAMES[hf]


def write_fixture(out_dir, name, arch, pre, tied, type_of, seed, all_value_types=False):
    """Writes NAME.gguf and NAME.expected.safetensors; type_of(hf_name) picks the ggml type."""
    import gguf
    from gguf.quants import dequantize, quantize
    from safetensors.numpy import save_file

    rng = np.random.default_rng(seed)
    tokens, types, merges = toy_vocab()
    hf = hf_tensors(rng, arch, len(tokens), tied)

    w = gguf.GGUFWriter(os.path.join(out_dir, name + ".gguf"), arch)
    w.add_name(f"toy {arch}")
    w.add_block_count(LAYERS)
    w.add_context_length(CONTEXT)
    w.add_embedding_length(HIDDEN)
    w.add_feed_forward_length(FF)
    w.add_head_count(HEADS)
    w.add_head_count_kv(KV_HEADS)
    w.add_layer_norm_rms_eps(1e-5 if arch == "llama" else 1e-6)
    w.add_rope_freq_base(100000.0 if arch == "llama" else 1000000.0)
    w.add_rope_dimension_count(HEAD_DIM)
    w.add_vocab_size(len(tokens))
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre(pre)
    w.add_token_list(tokens)
    w.add_token_types(types)
    w.add_token_merges(merges)
    w.add_bos_token_id(1)
    w.add_eos_token_id(2)
    w.add_pad_token_id(2 if arch == "llama" else 0)
    w.add_unk_token_id(0)
    w.add_add_bos_token(False)
    w.add_chat_template(CHAT_TEMPLATE)
    if all_value_types:
        w.add_uint8("test.u8", 200)
        w.add_int8("test.i8", -100)
        w.add_uint16("test.u16", 60000)
        w.add_int16("test.i16", -30000)
        w.add_uint32("test.u32", 4000000000)
        w.add_int32("test.i32", -2000000000)
        w.add_float32("test.f32", 0.25)
        w.add_uint64("test.u64", 2**63 + 5)
        w.add_int64("test.i64", -(2**62))
        w.add_float64("test.f64", -1.5e300)
        w.add_bool("test.bool", True)
        w.add_string("test.string", "héllo\nwörld")
        w.add_array("test.ints", [1, -2, 3])
        w.add_array("test.strings", ["a", "", "ü"])
        w.add_array("test.nested", [[1, 2], [3]])

    expected = {}
    for hf_name, value in hf.items():
        stored = value
        heads = None
        if arch == "llama" and hf_name.endswith("q_proj.weight"):
            heads = HEADS
        if arch == "llama" and hf_name.endswith("k_proj.weight"):
            heads = KV_HEADS
        if heads:
            stored = permute(value, heads)
        qtype = type_of(hf_name) if value.ndim == 2 else gguf.GGMLQuantizationType.F32
        if qtype == gguf.GGMLQuantizationType.F32:
            raw = stored
        elif qtype == gguf.GGMLQuantizationType.F16:
            raw = stored.astype(np.float16)
        else:
            raw = quantize(stored, qtype)
        back = dequantize(raw, qtype).reshape(value.shape).astype(np.float32)
        if qtype == gguf.GGMLQuantizationType.F16 or qtype == gguf.GGMLQuantizationType.F32:
            w.add_tensor(gguf_name(hf_name), raw)
        else:
            w.add_tensor(gguf_name(hf_name), raw, raw_dtype=qtype)
        expected[hf_name] = unpermute(back, heads) if heads else back

    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    save_file(expected, os.path.join(out_dir, name + ".expected.safetensors"), metadata={"format": "pt"})


def write_mixed_safetensors(out_dir):
    import torch
    from safetensors.torch import save_file
    values = torch.tensor([[0.0, -0.0, 1.0, -2.5], [65504.0, 6.1035156e-05, 5.9604645e-08, 3.140625]])
    save_file({
        "values.f32": values.clone(),
        "values.f16": values.to(torch.float16),
        "values.bf16": values.to(torch.bfloat16),
        "values.bf16_as_f32": values.to(torch.bfloat16).to(torch.float32),
        "ids.i64": torch.arange(3, dtype=torch.int64),
        "empty": torch.zeros(0, 4),
    }, os.path.join(out_dir, "mixed.safetensors"), metadata={"note": "written by safetensors.torch"})


def make(out_dir):
    import gguf
    Q = gguf.GGMLQuantizationType
    os.makedirs(out_dir, exist_ok=True)

    def llama_types(name):
        return Q.F32 if "v_proj" in name else Q.F16

    def qwen_types(name):
        for key, t in [("q_proj", Q.Q4_1), ("k_proj", Q.Q4_0), ("v_proj", Q.Q8_0), ("o_proj", Q.BF16),
                       ("gate_proj", Q.Q4_1), ("up_proj", Q.Q4_0), ("down_proj", Q.Q8_0), ("embed_tokens", Q.Q8_0), ("lm_head", Q.Q4_1)]:
            if key in name:
                return t
        return Q.F32

    write_fixture(out_dir, "llama-f16", "llama", "smollm", tied=True, type_of=llama_types, seed=1, all_value_types=True)
    write_fixture(out_dir, "qwen2-quant", "qwen2", "qwen2", tied=False, type_of=qwen_types, seed=2)
    write_mixed_safetensors(out_dir)
    for f in sorted(os.listdir(out_dir)):
        print(f"{os.path.getsize(os.path.join(out_dir, f)):8d}  {os.path.join(out_dir, f)}")


def check(folder, expected):
    """Loads an imported folder with Hugging Face's own libraries."""
    import torch
    from safetensors.numpy import load_file
    from tokenizers import Tokenizer
    from transformers import AutoModelForCausalLM, AutoTokenizer

    Tokenizer.from_file(os.path.join(folder, "tokenizer.json"))
    tok = AutoTokenizer.from_pretrained(folder)
    text = "Hello the 12 in there<|im_end|> <tool>"
    ids = tok.encode(text)
    assert tok.decode(ids) == text, (tok.decode(ids), text)
    chat = tok.apply_chat_template([{"role": "user", "content": "hi"}], tokenize=False, add_generation_prompt=True)
    assert chat == "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n", chat
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32)
    state = {k: v.numpy() for k, v in model.state_dict().items()}
    want = load_file(expected)
    for k, v in want.items():
        assert np.array_equal(state[k], v), k
    with torch.no_grad():
        logits = model(torch.tensor([ids])).logits
    assert torch.isfinite(logits).all()
    print(f"ok: {folder}: {type(tok).__name__} {ids}, {type(model).__name__} loads the expected tensors")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    p.add_argument("--out", default=os.path.join(root, "Tests", "Fixtures", "gguf"))
    p.add_argument("--check", nargs="+", metavar="DIR", help="imported folders named after their fixture (llama-f16, qwen2-quant)")
    args = p.parse_args()
    if args.check:
        for folder in args.check:
            name = os.path.basename(os.path.normpath(folder))
            check(folder, os.path.join(args.out, name + ".expected.safetensors"))
    else:
        make(args.out)


if __name__ == "__main__":
    sys.exit(main())
