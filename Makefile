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

.PHONY: run base test build deps test-deps apt bench torch check-hf rl experiments r1 deepmind-math clean

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

# The cluster tests run the release binary as real processes, so it is built first.
test: build test-deps
	$(SWIFT) build --build-tests
	$(SWIFT) test

# Throughput side by side with PyTorch (install it with `make torch`; skipped when absent).
# The figures (table + JSON), then the learner's update against the commit issue 20 measures
# from (9ff085c, built once into .build/update-bench; CPU-seconds on the same scored groups).
bench: build base
	$(BIN) bench
	CHECKPOINT=$(RUN_DIR)/checkpoint scripts/update_bench.sh

# PyTorch + transformers for the comparison benchmark and the Hugging Face check (several GB).
# A CPU-only wheel in pip's find-links folder (/opt/wheels here) is taken over PyPI's CUDA build.
torch:
	@wheel=$$(ls /opt/wheels/torch-*+cpu-*.whl 2>/dev/null | tail -1); \
	python3 -m pip install $${wheel:-torch} transformers safetensors tokenizers

# Hugging Face loads our checkpoint and agrees with our log-probabilities; its tokenizer
# gives our ids, its pipeline generates what ours does, and what its save_pretrained
# writes loads in ours with the same log-probabilities (the last two need `make torch`).
check-hf: build base
	$(BIN) logprobs --checkpoint $(RUN_DIR) --text "47+85=<think>47+85:7+5=12,4+8+1=13>132</think><answer>132</answer>" --full > /tmp/nanoreasoner_logprobs.json
	python3 scripts/check_hf.py --checkpoint $(RUN_DIR)/checkpoint --ours /tmp/nanoreasoner_logprobs.json --full-logprobs
	python3 scripts/check_hf_tokenizer.py --checkpoint $(RUN_DIR)/checkpoint --nanoreasoner $(BIN) \
	  --prompt "47+85=" --prompt "305-78=" --prompt "12*7=" scripts/hf_tokenizer_texts.txt

clean:
	rm -rf .build

# Fuzz the wire decoders with libFuzzer (swiftc -sanitize=fuzzer; RUNS=n to change the count).
.PHONY: fuzz
fuzz:
	fuzz/run.sh $(RUNS)
