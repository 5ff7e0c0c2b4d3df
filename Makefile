# Packyard — the commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help
# Node 24 comes from the `node` devDependency; put it (and every tool npm installed) first on PATH.
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)

NPM_STAMP := node_modules/.package-lock.json

.PHONY: help
help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

# `npm install`, which keeps an existing node_modules (`npm ci` removes it first); it honours the lock's
# versions. The lock holds every platform's optional packages (hack/lock-complete.mjs), so `npm ci`,
# which CI uses, works from a fresh clone on any OS or CPU too.
$(NPM_STAMP): package.json package-lock.json
	npm install --no-audit --no-fund
	@touch $@

.PHONY: deps
deps: $(NPM_STAMP) ## Install npm packages (and Node 24)

.PHONY: build
build: deps ## Type-check and compile src/, test/ and bench/ into build/
	@rm -rf build # no stale output of deleted files may run as a test
	tsc -p tsconfig.json
	@chmod +x build/src/cli/main.js # for an npx cache that still links the bin of an older checkout

.PHONY: lint
lint: deps ## Lint with eslint
	eslint .

.PHONY: format
format: deps ## Format the tree with prettier (.prettierrc.json; .prettierignore lists what is left alone)
	prettier --write --log-level warn .

.PHONY: format-check
format-check: deps ## Fail when a file is not formatted as `make format` would write it
	prettier --check --log-level warn .

.PHONY: crds
crds: build ## Regenerate crds/ (and their copies in deploy/, docs/api.md, docs/troubleshooting.md's reasons) from src/api
	node build/src/api/generate-crds.js crds
	hack/sync-chart-crds.sh
	node build/src/api/generate-api-docs.js docs/api.md
	node build/src/api/generate-troubleshooting.js docs/troubleshooting.md

.PHONY: tools
tools: ## Build (or take from cache) etcd, kube-apiserver, kubectl, helm, oras, cosign and an OCI registry
	@for tool in etcd kube-apiserver kubectl helm oras registry cosign; do hack/build-tool.sh $$tool >/dev/null || exit 1; done

.PHONY: browser
browser: ## Install Debian's chromium for the UI tests when it is missing (apt-get; sudo when not root)
	@hack/ensure-chromium.sh

.PHONY: test
test: build lint format-check tools browser ## Type-check, lint, and run every test against a real local control plane
	@mkdir -p test-results
	node --experimental-vm-modules node_modules/jest/bin/jest.js --json --outputFile=test-results/jest.json $(JEST_ARGS); \
	  status=$$?; node hack/test-summary.mjs test-results/jest.json; exit $$status

.PHONY: bench
bench: bench-index bench-sync bench-resolve bench-resolve-catalogue bench-rss bench-verify bench-leader-imports ## Every benchmark (not tests; each prints ratios against a peer)

.PHONY: bench-index
bench-index: build tools ## Index parse: Packyard vs Helm's Go repo.LoadIndexFile (and vs js-yaml / yaml)
	node build/bench/helm-index-vs-helm.js
	node build/bench/helm-index-parse.js

.PHONY: bench-sync
bench-sync: build tools ## A whole Helm sync vs `helm repo update` on the same index
	node build/bench/helm-sync.js

.PHONY: bench-verify
bench-verify: build tools ## Signature verification per version (cosign tag and bundle, keyed and keyless, helm .prov), cold and cached, vs cosign/helm verify
	node build/bench/verify-cost.js

.PHONY: bench-resolve-catalogue
bench-resolve-catalogue: build ## The resolver alone: 1000 profiles × 10 packs of 300 versions, Packs shared as the cache holds them vs copied
	node build/bench/resolve-catalogue.js

.PHONY: bench-rss
bench-rss: build tools ## Operator RSS, idle and after syncing the largest fixture index, vs a bare node process
	node build/bench/operator-rss.js

.PHONY: bench-resolve
bench-resolve: build tools ## 1000 profiles × 10 packs; one Pack changes: time and status writes
	node build/bench/resolve-fanout.js

.PHONY: bench-leader-imports
bench-leader-imports: build ## A new leader's lazy imports: the longest event-loop stall, a part per turn vs at once
	node build/bench/leader-imports.js

.PHONY: bench-status-write
bench-status-write: build tools ## Apiserver CPU per ClusterProfile status write, by CRD variant (CEL rules) and status size
	node build/bench/status-write-cost.js

.PHONY: soak
soak: build tools ## Fault and soak run (30 min, ≥100 registries, ≥2000 profiles; SOAK_DURATION etc.); report in soak-results/
	node build/test/soak/soak-main.js

.PHONY: dev-cluster
dev-cluster: build tools ## Start a local kube-apiserver + etcd in the background; writes .dev/kubeconfig
	hack/dev-cluster.sh up

.PHONY: dev-cluster-down
dev-cluster-down: ## Stop the local control plane started by `make dev-cluster`
	hack/dev-cluster.sh down

.PHONY: operator
operator: build ## Run the operator in the foreground against the cluster in KUBECONFIG
	MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=65536 MALLOC_TRIM_THRESHOLD_=131072 \
	  node --max-semi-space-size=1 --optimize-for-size --no-turbofan --no-maglev-inlining --initial-old-space-size=16 \
	  build/src/main.js $(ARGS) # as deploy/Dockerfile runs it

.PHONY: run
run: build tools ## The main job: run Packyard on your cluster, or on a local control plane with demo registries
	hack/run.sh

.PHONY: kind-up
kind-up: ## Create a kind cluster for Packyard (needs Docker and kind)
	hack/kind.sh up

.PHONY: kind-deploy
kind-deploy: ## Build the image, load it into kind and deploy with kustomize (needs Docker and kind)
	hack/kind.sh deploy

.PHONY: kind-down
kind-down: ## Delete the kind cluster
	hack/kind.sh down

.PHONY: clean
clean: ## Remove build output (the binary cache in ~/.cache/packyard stays)
	rm -rf build test-results
