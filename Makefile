# omnigate: the two commands are `make run` and `make test` (see README.md).
BUILD_DIR ?= build
BUILD_TYPE ?= Release
JOBS ?= 2
CMAKE_FLAGS ?=

.PHONY: all deps configure build test test-faults test-unit test-integration test-docker test-sanitize run stop format format-check clean fuzz bench

all: build

deps:
	@bash tools/install-deps.sh

configure: deps
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_FLAGS) >/dev/null

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

# Every test: unit, integration (real redis-server) and end-to-end (real
# binaries); not the capacity measurements (label capacity: make test-faults).
test: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) --timeout 600 -LE capacity

# Long form of the fault suite (crash loops, Redis faults, storms, drain);
# figures are appended to build/reliability.txt (see RELIABILITY.md).
test-faults: build
	@rm -f $(BUILD_DIR)/reliability.txt
	@cd $(BUILD_DIR) && OMNIGATE_FAULTS_LONG=1 ctest --output-on-failure -j 1 -L faults --timeout 900
	@cat $(BUILD_DIR)/reliability.txt

test-unit: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) -L unit

# The Dockerfile's build stage (build + unit tests) replayed in an empty
# directory holding only what it COPYs: the image builds from the repository.
test-docker: deps
	@bash deploy/tests/check-docker-context.sh --full

# Local stack: redis-server on loopback plus the services, in the background.
run: build
	@bash tools/run-local.sh start

stop:
	@bash tools/run-local.sh stop

format:
	@git ls-files --cached --others --exclude-standard -- '*.cc' '*.h' | grep -v '^fuzz/corpus/' \
	  | xargs clang-format -i

# Fails when a C++ file is not as clang-format makes it (CI runs it).
format-check:
	@bash tools/check-format.sh

# Unit and integration tests built with AddressSanitizer and
# UndefinedBehaviorSanitizer (and warnings as errors) in build-asan/.
test-sanitize: deps
	@cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG=-O1 \
	  -DOMNIGATE_SANITIZE=ON -DOMNIGATE_WERROR=ON -DOMNIGATE_BUILD_BENCH=OFF >/dev/null
	@cmake --build build-asan -j $(JOBS)
	@cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j $(JOBS) --timeout 600 -L 'unit|integration'

# Every benchmark in one run (load generator, baselines, microbenchmarks): bench/results/*.json,
# bench/results/bench.png and the table in BENCHMARKS.md. Method in BENCHMARKS.md; < 10 min.
BENCH_SECONDS ?= 8
bench: build
	@mkdir -p bench/results
	@python3 tools/bench.py --seconds $(BENCH_SECONDS)
	@python3 tools/sender_bench.py

# Every adapter under libFuzzer with address and undefined sanitizers (clang):
# FUZZ_SECONDS per target (default 60), FUZZ_JOBS targets at a time (default 2),
# corpora kept in fuzz/corpus/.
FUZZ_SECONDS ?= 60
fuzz: deps
	@CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DOMNIGATE_FUZZ=ON -DOMNIGATE_BUILD_TESTS=OFF -DOMNIGATE_BUILD_BENCH=OFF >/dev/null
	@cmake --build build-fuzz -j $(JOBS) --target $(addprefix fuzz_,whatsapp messenger instagram telegram line twilio viber x webchat email_sendgrid email_mailgun)
	@bash tools/run-fuzz.sh $(FUZZ_SECONDS)

clean:
	@rm -rf $(BUILD_DIR) build-asan
