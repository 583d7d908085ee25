# The two commands a fresh machine needs (see README.md). Both install what is missing first.
.PHONY: run test setup app

run: ## install what is missing, build, and start the wallet with a local gateway
	bash scripts/run-local.sh

test: ## install what is missing and run every check and test
	bash scripts/test-all.sh

setup: ## only install the toolchain
	bash scripts/install-toolchain.sh

app: ## only build the browser app into dist/
	bash scripts/install-toolchain.sh && bash scripts/build-app.sh
