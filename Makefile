# Roost — build, test and run.
#
#   make run     the broker on its embedded default (loopback, data in ./data), release build
#   make test    installs what is missing, builds, runs every test
#   make bench   storage and broker micro-benchmarks (release build)
#
# Only what is missing is installed: Debian packages through apt-get, Python test tools through pip.

SWIFT        ?= swift
APT_PACKAGES := liblz4-dev libxxhash-dev pkg-config
DATA_DIR     ?= ./data
ROOST_FLAGS  ?=

.PHONY: all deps build release test run bench clean

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

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

run: release
	mkdir -p $(DATA_DIR)
	.build/release/roost serve --data $(DATA_DIR) $(ROOST_FLAGS)

bench: release
	.build/release/roost bench storage --dir $$(mktemp -d) $(ROOST_FLAGS)

clean:
	rm -rf .build
