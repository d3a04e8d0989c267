#!/usr/bin/env python3
"""TRL's GRPOTrainer doing one of our RL steps (CPU, float32), timed step by step.

The PyTorch/TRL twin of `nanoreasoner train configs/smollm2.yaml`'s step: one GRPOTrainer
optimisation step of 8 prompts × 8 completions (generation, reward, loss, backward, AdamW)
on a Hugging Face folder (default runs/smollm2-135m-instruct) with the problems of a JSONL
task file (default runs/two_digit/train.jsonl, lines {"prompt": "56-35=", "answer": "21"}),
so that `nanoreasoner bench` can time TRL's step against ours in alternating pairs.

Settings, as in configs/smollm2.yaml: LoRA rank 16, alpha 32 (dropout 0) on
q,k,v,o,gate,up,down_proj through peft (`--lora 0`: full fine-tuning); lr 3e-4 with a linear
warm-up over 3 steps, then constant; beta 0 (no reference model); temperature 0.7, top-p 1,
no top-k; max_completion_length 100 (`--max-new-tokens`); num_generations 8; 8 prompts per
step; one gradient step per batch (num_iterations 1, steps_per_generation =
gradient_accumulation_steps, so the completions are never reused); grad clip 1.0, weight
decay 0. Our GRPO's loss: advantages without the std (scale_rewards "none") and each
sequence's tokens weighted 1/length (loss_type "grpo"). float32 (bf16/fp16 off: GRPOConfig
turns bf16 on unless told), no gradient checkpointing (GRPOConfig's default is on), no eval,
no saving, no logging, report_to none, use_cpu, dataloader workers 0. Not reproduced: our
dynamic sampling (drop flat groups and sample more) and prompt curriculum; TRL trains on
every group of its one batch.

The prompts are asked as our ChatCodec asks them (Sources/Tasks/ChatQuestion.swift,
Sources/Verifier/AnswerFormat.swift): "What is 56-35? Think step by step, then give the
final answer as: Answer: <number>" as the user's message, in the model's chat template
with its default system prompt (SmolLM2's "You are a helpful AI assistant named SmolLM,
trained by Hugging Face"; `--system` replaces it). The reward is our ArithmeticVerifier's
for answer_line: 1 when the number after the last "Answer:" (or "answer is") equals the
answer, plus 0.2 when the completion is well formed (one "Answer:" line, and it is the last).

How one step is timed: the trainer is built once and `trainer.train()` runs TRL's own loop
(max_steps = warm-up + repeats, or unbounded with --serve); a TrainerCallback takes the time
at `on_step_begin` and at `on_step_end`. Between the two, transformers' loop runs exactly one
optimisation step: GRPOTrainer.training_step → _prepare_inputs → generation of the 64
completions, decoding, the reward, advantages; the loss's forward and backward (per
micro-batch with --micro-batch); grad clipping, optimizer.step, lr_scheduler.step,
zero_grad. Outside it: building the trainer and loading the model, the optimizer's creation,
fetching the next 8 prompts from the dataloader, epoch boundaries, and (with --serve)
waiting for the request, which is read inside on_step_begin before the clock starts. This
was chosen over driving training_step by hand (that would re-implement the loop being
measured) and over a fresh trainer per repetition with max_steps=1 (that would time the
first step every time: optimizer moments created, allocator cold). The first `--warmup`
steps (default 1) are not reported. Generation and reward are timed inside the step by
wrapping GRPOTrainer._generate_single_turn and _calculate_rewards (TRL's own profiling
timers go only to wandb/mlflow/trackio, not to its logs).

Run:
  python3 scripts/trl_grpo_step.py --json                                  # 1 warm-up + 3 steps
  python3 scripts/trl_grpo_step.py --prompts 2 --generations 2 --max-new-tokens 8 --repeats 1 --json

Per step: {"seconds", "rate" (completions per second: prompts × generations / seconds),
"completion_tokens" (generated tokens, the closing <|im_end|> included), "max_rss_mb" (peak
RSS of the process so far), "generation_seconds", "reward_seconds", "rest_seconds",
"mean_reward"}. --json prints one object on stdout: versions, settings, "steps" (one of
those per repeat), "seconds_median", "rate_median". Exits 3 if torch/transformers/peft/trl
are not installed.

--serve (for `nanoreasoner bench`, same protocol as scripts/torch_train_bench.py): after
the warm-up step(s), print {"ready": true}, then for every line "once" on stdin run and
time one step and print its JSON line; exit at end of input. Only JSON goes to stdout
(anything the libraries print goes to stderr).
"""
import argparse
import json
import os
import re
import resource
import statistics
import sys
import tempfile
import time
from fractions import Fraction

# What our verifier (answer_line) and ChatCodec use; see the docstring.
INSTRUCTION = "Think step by step, then give the final answer as: Answer: <number>"
ACCURACY_WEIGHT = 1.0
FORMAT_WEIGHT = 0.2
LORA_TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
EXPRESSION_CHARACTERS = set("0123456789+-*() ")


def log(*a):
    print(*a, file=sys.stderr, flush=True)


# --- The question, as Sources/Tasks/ChatQuestion.swift asks it -------------------------------

def phrase(prompt):
    """`47+85=` becomes "What is 47+85?"; any other prompt is asked as it is."""
    if not prompt.endswith("="):
        return prompt
    expression = prompt[:-1]
    if not expression or not all(c in EXPRESSION_CHARACTERS for c in expression):
        return prompt
    return f"What is {expression}?"


def messages(prompt, system):
    user = {"role": "user", "content": phrase(prompt) + " " + INSTRUCTION}
    return ([{"role": "system", "content": system}] if system is not None else []) + [user]


# --- The reward, as Sources/Verifier/{AnswerFormat,ArithmeticVerifier,NumberValue}.swift ----

ANSWER_MARK = re.compile(r"answer:|answer is", re.IGNORECASE)


def extract(text):
    """After the last "answer:" or "answer is" (any case), to the end of its line."""
    last = None
    for last in ANSWER_MARK.finditer(text):
        pass
    if last is None:
        return None
    rest = text[last.end():].split("\n", 1)[0]
    value = rest.strip(" *_`$.:").strip(" \t")
    return value or None


def well_formed(text):
    """One answer line, and it is the last line."""
    lines = [line for line in text.strip().split("\n") if line]
    marked = [line for line in lines if "answer:" in line.lower()]
    return len(marked) == 1 and bool(lines) and "answer:" in lines[-1].lower() and extract(text) is not None


def number_value(text):
    """An exact rational (`-12`, `+3`, `0.75`, `3/4`), or None."""
    s = text.strip(" \t\n")
    if "/" in s:
        left, right = s.split("/", 1)
        n, d = number_value(left), number_value(right)
        if n is None or d is None or d == 0:
            return None
        return n / d
    body, negative = s, False
    if body[:1] in ("-", "+"):
        negative, body = body[0] == "-", body[1:]
    parts = body.split(".")
    if len(parts) > 2 or not body or body == "." or len("".join(parts)) > 17:
        return None
    if not all(c in "0123456789" for part in parts for c in part):
        return None
    digits = "".join(parts) or "0"
    value = Fraction(int(digits), 10 ** (len(parts[1]) if len(parts) == 2 else 0))
    return -value if negative else value


def score(completion, answer):
    extracted = extract(completion)
    if extracted is not None and number_value(extracted) is not None and number_value(answer) is not None:
        correct = number_value(extracted) == number_value(answer)
    else:
        correct = extracted is not None and extracted.strip(" ") == answer.strip(" ")
    return (ACCURACY_WEIGHT if correct else 0.0) + (FORMAT_WEIGHT if well_formed(completion) else 0.0)


def answer_reward(completions, answer, **kwargs):
    """TRL reward function: chat completions are [{"role": "assistant", "content": ...}]."""
    texts = [c[-1]["content"] if isinstance(c, list) else c for c in completions]
    return [score(t, a) for t, a in zip(texts, answer)]


# --- The trainer ------------------------------------------------------------------------------

class StopServing(Exception):
    """End of input in --serve: leave trainer.train() between steps."""


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default="runs/smollm2-135m-instruct", help="a Hugging Face folder")
    p.add_argument("--tasks", default="runs/two_digit/train.jsonl",
                   help='JSONL problems, lines {"prompt": "56-35=", "answer": "21"}')
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--lora", type=int, default=16, help="LoRA rank (alpha 2×rank); 0: full fine-tuning")
    p.add_argument("--prompts", type=int, default=8, help="prompts per step")
    p.add_argument("--generations", type=int, default=8, help="completions per prompt (num_generations)")
    p.add_argument("--micro-batch", type=int, default=0,
                   help="completions per forward/backward (gradients accumulate over them; one optimizer "
                        "step per batch either way); 0: all of them in one pass")
    p.add_argument("--max-new-tokens", type=int, default=100, help="max_completion_length")
    p.add_argument("--temperature", type=float, default=0.7)
    p.add_argument("--lr", type=float, default=3e-4)
    p.add_argument("--warmup-lr-steps", type=int, default=3, help="linear lr warm-up steps, then constant")
    p.add_argument("--system", help="a system prompt instead of the chat template's default")
    p.add_argument("--warmup", type=int, default=1, help="untimed steps first")
    p.add_argument("--repeats", type=int, default=3, help="timed steps (without --serve)")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.add_argument("--serve", action="store_true", help="time one step per 'once' line on stdin")
    return p.parse_args()


def main():
    args = parse_args()
    # stdout carries only our JSON lines; whatever the libraries print goes to stderr.
    out = sys.stdout
    sys.stdout = sys.stderr

    def emit(obj):
        out.write(json.dumps(obj) + "\n")
        out.flush()

    try:
        import torch
        import transformers
        import peft
        import trl
        from datasets import Dataset
        from peft import LoraConfig
        from transformers import AutoModelForCausalLM, AutoTokenizer, TrainerCallback
        from trl import GRPOConfig, GRPOTrainer
    except ImportError as e:
        log(f"missing dependency ({e}); install with: make torch (pip install torch transformers peft trl)")
        sys.exit(3)

    torch.set_num_threads(args.threads)
    completions_per_step = args.prompts * args.generations
    micro = args.micro_batch or completions_per_step
    if completions_per_step % micro:
        sys.exit(f"--micro-batch {micro} does not divide {completions_per_step} completions")
    accumulation = completions_per_step // micro

    with open(args.tasks) as f:
        rows = [json.loads(line) for line in f if line.strip()]
    dataset = Dataset.from_list([{"prompt": messages(r["prompt"], args.system), "answer": str(r["answer"])}
                                 for r in rows])

    tokenizer = AutoTokenizer.from_pretrained(args.model, padding_side="left", truncation_side="left")
    model = AutoModelForCausalLM.from_pretrained(args.model, dtype=torch.float32)
    lora = (LoraConfig(r=args.lora, lora_alpha=2 * args.lora, lora_dropout=0.0, target_modules=LORA_TARGETS,
                       task_type="CAUSAL_LM") if args.lora else None)
    log("first prompt as the model reads it:\n" +
        tokenizer.apply_chat_template(dataset[0]["prompt"], tokenize=False, add_generation_prompt=True))

    total_steps = args.warmup + args.repeats
    output_dir = tempfile.TemporaryDirectory(prefix="trl_grpo_step_")
    config = GRPOConfig(
        output_dir=output_dir.name,
        # the step
        per_device_train_batch_size=micro,
        gradient_accumulation_steps=accumulation,
        steps_per_generation=accumulation,  # generation batch = micro × accumulation = prompts × generations
        num_generations=args.generations,
        num_iterations=1,
        max_completion_length=args.max_new_tokens,
        temperature=args.temperature,
        top_p=1.0,
        top_k=0,
        beta=0.0,
        loss_type="grpo",
        scale_rewards="none",
        learning_rate=args.lr,
        lr_scheduler_type="constant_with_warmup",
        warmup_steps=args.warmup_lr_steps,
        weight_decay=0.0,
        max_grad_norm=1.0,
        max_steps=10**9 if args.serve else total_steps,
        seed=args.seed,
        # CPU, float32, nothing but the step
        use_cpu=True,
        bf16=False,
        fp16=False,
        gradient_checkpointing=False,
        dataloader_num_workers=0,
        report_to="none",
        logging_strategy="no",
        save_strategy="no",
        eval_strategy="no",
        disable_tqdm=True,
        log_completions=False,
    )

    step = {}  # the current step's sub-timings

    class TimedGRPOTrainer(GRPOTrainer):
        def _generate_single_turn(self, *a, **kw):
            t0 = time.perf_counter()
            completion_ids, logprobs = super()._generate_single_turn(*a, **kw)
            step["generation_seconds"] = step.get("generation_seconds", 0.0) + time.perf_counter() - t0
            step["completion_tokens"] = step.get("completion_tokens", 0) + sum(len(c) for c in completion_ids)
            return completion_ids, logprobs

        def _calculate_rewards(self, *a, **kw):
            t0 = time.perf_counter()
            rewards = super()._calculate_rewards(*a, **kw)
            step["reward_seconds"] = step.get("reward_seconds", 0.0) + time.perf_counter() - t0
            step.setdefault("rewards", []).append(rewards.detach())
            return rewards

    results = []

    class StepClock(TrainerCallback):
        """Times each optimisation step; with --serve, waits for "once" before each timed one."""

        def __init__(self):
            self.steps_begun = 0
            self.t0 = None

        def on_step_begin(self, targs, state, control, **kw):
            self.steps_begun += 1
            timed = self.steps_begun > args.warmup
            if timed and args.serve:
                if self.steps_begun == args.warmup + 1:
                    emit({"ready": True})
                while True:
                    line = sys.stdin.readline()
                    if not line:
                        raise StopServing()
                    if line.strip() == "once":
                        break
                    log(f"unknown request {line.strip()!r}; expected 'once'")
            step.clear()
            self.t0 = time.perf_counter()

        def on_step_end(self, targs, state, control, **kw):
            seconds = time.perf_counter() - self.t0
            rewards = torch.cat(step.get("rewards", [torch.zeros(0)]))
            gen, rew = step.get("generation_seconds", 0.0), step.get("reward_seconds", 0.0)
            r = {"seconds": seconds, "rate": completions_per_step / seconds,
                 "completion_tokens": step.get("completion_tokens", 0),
                 "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                 "generation_seconds": gen, "reward_seconds": rew, "rest_seconds": seconds - gen - rew,
                 "mean_reward": rewards.sum(dim=1).mean().item() if rewards.numel() else None}
            if self.steps_begun <= args.warmup:
                log(f"warm-up step {self.steps_begun}: {seconds:.2f} s (generation {gen:.2f} s)")
                return
            if args.serve:
                emit(r)
            else:
                results.append(r)
                log(f"step {len(results)}: {seconds:.2f} s, {r['rate']:.2f} completions/s, generation {gen:.2f} s, "
                    f"{r['completion_tokens']} completion tokens, mean reward {r['mean_reward']:.3f}, "
                    f"peak RSS {r['max_rss_mb']:.0f} MB")

    trainer = TimedGRPOTrainer(model=model, reward_funcs=answer_reward, args=config, train_dataset=dataset,
                               processing_class=tokenizer, peft_config=lora, callbacks=[StepClock()])
    n_params = sum(p.numel() for p in trainer.model.parameters())
    n_trainable = sum(p.numel() for p in trainer.model.parameters() if p.requires_grad)
    log(f"torch {torch.__version__}, transformers {transformers.__version__}, peft {peft.__version__}, "
        f"trl {trl.__version__}, threads {torch.get_num_threads()}, params {n_params}, trainable {n_trainable}, "
        f"optimizer {config.optim}, {args.prompts} prompts × {args.generations} completions, micro-batch {micro}")

    try:
        trainer.train()
    except StopServing:
        return
    finally:
        output_dir.cleanup()
    if args.serve:
        return

    result = {"framework": "trl", "torch_version": torch.__version__,
              "transformers_version": transformers.__version__, "peft_version": peft.__version__,
              "trl_version": trl.__version__, "threads": torch.get_num_threads(),
              "model": args.model, "lora": args.lora, "prompts": args.prompts, "generations": args.generations,
              "micro_batch": micro, "max_new_tokens": args.max_new_tokens, "temperature": args.temperature,
              "params": n_params, "trainable_params": n_trainable, "warmup": args.warmup, "steps": results}
    if results:
        result["seconds_median"] = statistics.median(r["seconds"] for r in results)
        result["rate_median"] = statistics.median(r["rate"] for r in results)
        log(f"median: {result['seconds_median']:.2f} s per step, {result['rate_median']:.2f} completions/s")
    if args.json:
        emit(result)


if __name__ == "__main__":
    main()
