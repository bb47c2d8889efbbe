# Condense: the two Quick-start commands (`make run`, `make test`) and a few conveniences.
.PHONY: run test build bootstrap clean fuzz

# The main job: set up a fresh machine, build, and run the default recipe end to end (tools/run-main).
run: bootstrap build
	tools/run-main

# The whole test suite (what .ci/run calls), then the int8 tests that run through the kernel dispatch once more with
# CONDENSE_INT8_PATH=scalar and =avx2 where the CPU has it, so that every machine exercises the paths it does not pick
# by default (a focused subset, not a second full run). Their summary lines are renamed so that .ci/run counts the main run.
INT8_PATH_TESTS := Int8LinearTests|QuantizedFormatTests|QuantizeTests\.|Int8PathTests|Avx2NarrowKernelTests
test: bootstrap
	swift build --build-tests
	swift test
	@for p in scalar avx2; do \
	  if [ $$p = avx2 ] && ! { grep -qw avx2 /proc/cpuinfo && grep -qw fma /proc/cpuinfo; }; then \
	    echo "int8 path avx2: skipped (this CPU has no AVX2+FMA)"; continue; fi; \
	  echo "int8 path $$p: CONDENSE_INT8_PATH=$$p swift test --skip-build --filter '$(INT8_PATH_TESTS)'"; \
	  log=$$(mktemp); rc=0; \
	  CONDENSE_INT8_PATH=$$p swift test --skip-build --filter '$(INT8_PATH_TESTS)' >$$log 2>&1 || rc=$$?; \
	  sed "s/Test run with/int8 path $$p: test run with/" $$log; rm -f $$log; \
	  [ $$rc -eq 0 ] || exit $$rc; \
	done
	@tools/fuzz run-if-built 10

# The libFuzzer harnesses (Fuzz/, docs/notes/fuzzing.md): build them with -sanitize=fuzzer,address in .build/fuzz
# (about 13 min from a clean clone on 2 cores, so not part of `make test`), then run each target 20 s. Once built,
# `make test` runs each for 10 s as long as the build is newer than every source (tools/fuzz run-if-built).
fuzz: bootstrap
	tools/fuzz build
	tools/fuzz run 20

build:
	swift build -c release --product condense

bootstrap:
	tools/bootstrap

clean:
	rm -rf .build
