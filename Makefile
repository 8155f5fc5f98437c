# Roost — build, test and run.
#
#   make run     the broker on its embedded default (loopback, data in ./data), release build
#   make test    installs what is missing, builds, runs every test
#   make bench   storage and broker micro-benchmarks (release build)
#   make reliability  fault-injection tests and the full crash-under-load checker (Docs/reliability.md)
#   make soak    30 minutes of mixed load, RSS and descriptors sampled (SOAK_SECONDS)
#   make fuzz    every libFuzzer harness for FUZZ_SECONDS each (Docs/reliability.md)
#
# Only what is missing is installed: Debian packages through apt-get, Python test tools through pip.

SHELL        := /bin/bash
SWIFT        ?= swift
APT_PACKAGES := liblz4-dev libxxhash-dev libjemalloc-dev pkg-config
DATA_DIR     ?= ./data
ROOST_FLAGS  ?=

.PHONY: all deps build release test run bench clean reliability crash-quick soak fuzz fuzz-build

all: build

deps:
	@missing=""; \
	for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "make: installing$$missing"; \
		SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi
	@python3 -c "import websockets" 2>/dev/null || { echo "make: installing Python websockets"; python3 -m pip install -q websockets; }

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release --product roost

# The test log is kept in .build/test.log; on a failure its failing lines are repeated last, where a CI
# summary that shows only the tail of the output still names them.
test: deps
	$(SWIFT) build --build-tests
	@set -o pipefail; $(SWIFT) test --skip-build 2>&1 | tee .build/test.log || { \
		echo "make: failed tests:"; grep -E '✘|error:|Fatal error|AssertionError|Traceback' .build/test.log | head -60; exit 1; }
	$(MAKE) crash-quick

# Crash under load: CRASH_ROUNDS SIGKILLs of `roost serve` under publishers and durable consumers.
CRASH_ROUNDS ?= 20
CRASH_FLAGS  ?=

crash-quick:
	$(SWIFT) build --product roost
	timeout 170 python3 Tests/RoostReliabilityTests/Scripts/crash_checker.py --roost .build/debug/roost --rounds 3 $(CRASH_FLAGS)

reliability: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --filter RoostReliabilityTests
	timeout $$(( $(CRASH_ROUNDS) * 60 + 120 )) python3 Tests/RoostReliabilityTests/Scripts/crash_checker.py --roost .build/debug/roost --rounds $(CRASH_ROUNDS) $(CRASH_FLAGS)
	timeout 700 python3 Tests/RoostReliabilityTests/Scripts/network_faults.py --roost .build/debug/roost
	timeout 300 python3 Tests/RoostReliabilityTests/Scripts/damaged_files.py --roost .build/debug/roost

# Soak: SOAK_SECONDS of mixed load with RSS and descriptors sampled every 10 s (Docs/reliability.md).
SOAK_SECONDS ?= 1800

soak:
	$(SWIFT) build --product roost
	timeout $$(( $(SOAK_SECONDS) + 400 )) python3 Tests/RoostReliabilityTests/Scripts/soak.py --roost .build/debug/roost --seconds $(SOAK_SECONDS)

# libFuzzer harnesses (Tests/Fuzz, a package of its own): FUZZ_SECONDS per target; the working corpus grows
# in .build-fuzz/corpus, the seeds stay in Tests/Fuzz/Corpus; a crash leaves its input in .build-fuzz/artifacts.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= FuzzJSONFrames FuzzBinaryFrames FuzzRecordBatch FuzzWebSocketFrames FuzzHandshake
FUZZ_BUILD   := $(SWIFT) build --package-path Tests/Fuzz --build-path .build-fuzz -c debug \
	-Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library

fuzz-build:
	$(FUZZ_BUILD)

fuzz: fuzz-build
	@mkdir -p .build-fuzz/artifacts
	@for t in $(FUZZ_TARGETS); do \
		mkdir -p .build-fuzz/corpus/$$t; \
		echo "fuzz: $$t for $(FUZZ_SECONDS) s"; \
		.build-fuzz/debug/$$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
			-artifact_prefix=.build-fuzz/artifacts/$$t- .build-fuzz/corpus/$$t Tests/Fuzz/Corpus/$$t \
			> .build-fuzz/$$t.log 2>&1; rc=$$?; \
		grep -E 'stat::number_of_executed_units|ERROR|Fatal error|Program crashed' .build-fuzz/$$t.log; \
		test $$rc -eq 0 || { echo "fuzz: $$t failed, see .build-fuzz/$$t.log"; exit 1; }; \
	done

run: release
	mkdir -p $(DATA_DIR)
	.build/release/roost serve --data $(DATA_DIR) $(ROOST_FLAGS)

bench: release
	.build/release/roost bench storage --dir $$(mktemp -d) $(ROOST_FLAGS)

clean:
	rm -rf .build .build-fuzz
