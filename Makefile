# Condense: the two Quick-start commands (`make run`, `make test`) and a few conveniences.
.PHONY: run test build bootstrap clean

# The main job: set up a fresh machine, build, and run the default recipe end to end (tools/run-main).
run: bootstrap build
	tools/run-main

# The whole test suite (what .ci/run calls).
test: bootstrap
	swift build --build-tests
	swift test

build:
	swift build -c release --product condense

bootstrap:
	tools/bootstrap

clean:
	rm -rf .build
