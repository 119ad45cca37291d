# openmetadata.ops — developer and CI entry points.
#   make sandbox   the main job on this machine (see README)
#   make test      the whole test suite: pytest (unit + integration), ansible-test sanity, ansible-lint
#   pytest runs with -rs (skips listed with their reason); a skip not allowed by tests/allowed_skips.txt fails it.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
# ansible-playbook and ansible-test find this collection through a link tree:
# .build/collections/ansible_collections/openmetadata/ops -> this repository.
COLLECTIONS := $(CURDIR)/.build/collections
LINK := $(COLLECTIONS)/ansible_collections/openmetadata/ops
export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
export ANSIBLE_COLLECTIONS_SCAN_SYS_PATH := true
export ANSIBLE_PYTHON_INTERPRETER := $(CURDIR)/$(PY)
export ANSIBLE_NOCOLOR := 1
PYTEST_ARGS ?=

.PHONY: all venv sandbox-venv link oracle oracle-wheels services search-engines search-engines-cached ingestion-wheelhouse ingestion-venv docker-engine-up docker-engine-down sandbox-docker sandbox-docker-reset sandbox sandbox-reset test pytest unit integration compat molecule sanity lint changelog bench ee-context ee-image ee-test faults clean

all: test

# the venv and the link tree that ansible.cfg points at (commands run from the checkout's root find openmetadata.ops)
venv: $(VENV)/.installed link
$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

link:
	@mkdir -p $(dir $(LINK))
	@[ -L $(LINK) ] || ln -s $(CURDIR) $(LINK)

services:
	bash scripts/services.sh

# A real Docker engine (own data root and socket; DOCKER_HOST from `scripts/docker-engine.sh env`)
docker-engine-up:
	bash scripts/docker-engine.sh up

docker-engine-down:
	bash scripts/docker-engine.sh down

# The Docker variant of the sandbox: a 1.1.7 compose deployment on a real engine, upgraded by playbooks/upgrade.yml.
sandbox-docker: venv link services docker-engine-up
	@# the images hold the real Elasticsearch 7.16.3 and 8.10.2 only: no OpenSearch download
	@bash scripts/search-engines.sh --check elasticsearch-7.16.3 elasticsearch-8.10.2 \
	  || bash scripts/search-engines.sh elasticsearch-7.16.3 elasticsearch-8.10.2
	DOCKER_HOST=unix:///var/lib/openmetadata-ops-docker/docker.sock $(PY) examples/sandbox-docker/sandbox_docker.py up
	ANSIBLE_STDOUT_CALLBACK=$${ANSIBLE_STDOUT_CALLBACK:-openmetadata.ops.upgrade} $(BIN)/ansible-playbook -i examples/sandbox-docker/inventory.yml playbooks/upgrade.yml

sandbox-docker-reset: venv
	DOCKER_HOST=unix:///var/lib/openmetadata-ops-docker/docker.sock $(PY) examples/sandbox-docker/sandbox_docker.py down

# The sandbox: two stand-in OpenMetadata 1.1.7 hosts on this machine (MariaDB and PostgreSQL),
# built by examples/sandbox/setup.yml when missing, then upgraded by playbooks/upgrade.yml.
# Run it again: the upgrade play reports changed=0. sandbox-reset removes it all.
# It needs ansible-core and the modules' libraries only (requirements-sandbox.txt), not the development
# toolchain: it uses .venv when `make venv` made it, else a venv of its own in .build/sandbox-venv.
SANDBOX_VENV ?= $(if $(wildcard $(VENV)/.installed),$(VENV),.build/sandbox-venv)
SANDBOX_BIN := $(SANDBOX_VENV)/bin
# the sandbox shows phases, changes and status lines (plugins/callback/upgrade.py); -v: every task
SANDBOX_ENV := ANSIBLE_PYTHON_INTERPRETER=$(CURDIR)/$(SANDBOX_BIN)/python ANSIBLE_STDOUT_CALLBACK=$${ANSIBLE_STDOUT_CALLBACK:-openmetadata.ops.upgrade}

sandbox-venv: $(SANDBOX_VENV)/.installed
.build/sandbox-venv/.installed: requirements.txt requirements-sandbox.txt
	@echo "sandbox: installing ansible-core and the modules' libraries (requirements-sandbox.txt) into .build/sandbox-venv"
	$(PYTHON) -m venv .build/sandbox-venv
	.build/sandbox-venv/bin/pip install --disable-pip-version-check --progress-bar off -r requirements-sandbox.txt \
	  | grep --line-buffered -E '^(Collecting|Successfully installed|ERROR)' || true
	@.build/sandbox-venv/bin/ansible-playbook --version >/dev/null && echo "sandbox: .build/sandbox-venv ready ($$(du -sm .build/sandbox-venv | cut -f1) MB)"
	touch $@

sandbox: sandbox-venv link services
	$(SANDBOX_ENV) $(SANDBOX_BIN)/ansible-playbook -i examples/sandbox/inventory.yml examples/sandbox/setup.yml
	$(SANDBOX_ENV) $(SANDBOX_BIN)/ansible-playbook -i examples/sandbox/inventory.yml openmetadata.ops.upgrade

sandbox-reset: sandbox-venv link services
	$(SANDBOX_ENV) $(SANDBOX_BIN)/ansible-playbook -i examples/sandbox/inventory.yml examples/sandbox/reset.yml

test: pytest oracle compat molecule sanity lint

# Real Elasticsearch 7.16.3 / 8.10.2 and OpenSearch 2.11.1 (Maven Central integ-test zips, cached in
# ~/.m2 and unpacked under .build/search-engines/). The test targets try it but go on without it:
# the real-engine tests then skip, saying why, and that skip fails the run unless OM_ALLOW_SKIP_SEARCH_ENGINES=1
# (tests/allowed_skips.txt).
search-engines:
	bash scripts/search-engines.sh
search-engines-cached:
	-@bash scripts/search-engines.sh >/dev/null || echo "real search engines unavailable: their tests will skip (a failure unless OM_ALLOW_SKIP_SEARCH_ENGINES=1)"

# openmetadata-ingestion 1.1.7.0 and 1.2.5.x wheels with all dependencies under .build/ingestion-wheelhouse
# (~70 MB, ~15 s once), so the ingestion role's tests install offline. The tests build it too when missing.
ingestion-wheelhouse:
	-@bash scripts/ingestion-wheelhouse.sh >/dev/null || echo "ingestion wheelhouse unavailable: the ingestion role tests will build it or fail"

# The real openmetadata-ingestion 1.2.5.x (PyPI, base dependencies) in a Python 3.10 venv under
# .build/ingestion-venv-1.2, for the tests marked ingestion_package (~30 s once, then cached).
ingestion-venv:
	-@bash scripts/ingestion-venv.sh >/dev/null || echo "openmetadata-ingestion venv unavailable: the ingestion_package tests will build it or fail"

# The fidelity oracle: each release's openmetadata-ingestion wheel (PyPI, no dependencies; cached under
# ~/.cache/openmetadata-ops/oracle-wheels and unpacked to .build/oracle) and a Python 3.10 / pydantic 1 venv
# that imports its generated models (docs/fidelity.md). `make oracle` checks what the collection writes and
# sends against them (tests/oracle/, marker oracle).
oracle-wheels:
	bash scripts/oracle-wheels.sh >/dev/null
oracle: venv link oracle-wheels
	$(PY) -m pytest -p no:pytest-ansible -p no:cacheprovider -q -rs -m oracle tests/oracle $(PYTEST_ARGS)

# The execution-environment run (marker awx_ee: builds the image, ~7 min cold, then a whole upgrade inside it)
# and the fault suite (marker faults: tests/faults, plus the whole-upgrade runs of two upgrades at once and of
# the secret sampling, and test_upgrade's injected failures, in tests/integration) have targets of their own:
# make ee-test, make faults. make test alone takes about 35 min here and about 80 of CI's 90 (CI works like one
# core: docs/development.md).
FAULT_SUITE = tests/faults tests/integration/test_upgrade_one_at_a_time.py tests/integration/test_secret_exposure.py \
  tests/integration/test_upgrade.py
pytest: venv link services search-engines-cached ingestion-wheelhouse ingestion-venv
	$(PY) -m pytest -p no:pytest-ansible -p no:cacheprovider -q -rs -n 2 --durations=30 -m "not awx_ee and not faults" tests/unit tests/integration $(PYTEST_ARGS)

faults: venv link services search-engines-cached ingestion-wheelhouse ingestion-venv
	$(PY) -m pytest -p no:pytest-ansible -p no:cacheprovider -q -rs -n 2 --dist loadfile -m faults $(FAULT_SUITE) $(PYTEST_ARGS)

ee-test: venv link services docker-engine-up
	$(PY) -m pytest -p no:pytest-ansible -p no:cacheprovider -q -rs -m awx_ee tests/integration/test_awx_ee.py $(PYTEST_ARGS)

unit: venv link
	$(PY) -m pytest -p no:pytest-ansible -p no:cacheprovider -q -rs tests/unit $(PYTEST_ARGS)

integration: venv link services search-engines-cached ingestion-wheelhouse ingestion-venv
	$(PY) -m pytest -p no:pytest-ansible -p no:cacheprovider -q -rs -n 2 tests/integration $(PYTEST_ARGS)

# meta/runtime.yml claims ansible-core >= 2.16: run the playbook tests with 2.16 too
# (its ansible-playbook, this venv's modules' Python and the ansible.posix json callback).
CORE_OLDEST := 2.16.19
COMPAT_VENV := .build/ansible-core-$(CORE_OLDEST)
compat: venv link services
	@[ -x $(COMPAT_VENV)/bin/ansible-playbook ] || { $(PYTHON) -m venv $(COMPAT_VENV) && \
	  $(COMPAT_VENV)/bin/pip install --quiet --disable-pip-version-check "ansible-core==$(CORE_OLDEST)"; }
	OM_TEST_ANSIBLE_PLAYBOOK=$(CURDIR)/$(COMPAT_VENV)/bin/ansible-playbook \
	OM_TEST_EXTRA_COLLECTIONS=$$($(PY) -c 'import ansible_collections, os; print(os.path.dirname(list(ansible_collections.__path__)[0]))') \
	  $(PY) -m pytest -p no:pytest-ansible -p no:cacheprovider -q -rs $(PYTEST_ARGS) tests/integration/test_playbooks.py \
	  tests/integration/test_backup_restore.py -k "round_trip or second_run or playbooks or wrong_password"

# Role scenarios (extensions/molecule/<role>/, default driver on localhost):
# prepare, converge, idempotence (a second run must report changed=0), verify, cleanup.
# molecule 26 prints "'molecule/default/molecule.yml' glob failed" first: harmless, there is no default scenario.
molecule: venv link services
	cd extensions && PATH=$(CURDIR)/$(BIN):$$PATH $(CURDIR)/$(BIN)/molecule test --all

# ansible-test must run from a real .../ansible_collections/openmetadata/ops folder and
# cannot download its pip bootstrap here: scripts/sanity.sh takes care of both.
sanity: venv
	VENV=$(CURDIR)/$(VENV) bash scripts/sanity.sh

lint: venv link
	PATH=$(CURDIR)/$(BIN):$$PATH $(BIN)/ansible-lint --nocolor --offline --profile production
	$(BIN)/antsibull-changelog lint

# CHANGELOG.md is generated: a preview of the unreleased version from changelogs/fragments/
# (changelogs/changelog.yaml stays without releases until 0.1.0 is released).
changelog: venv
	VENV=$(CURDIR)/$(VENV) bash scripts/changelog-preview.sh

# docs/images/*.svg from their Graphviz sources (needs `dot`; CI does not: tests/unit/test_docs.py
# compares the source hash recorded in each SVG).
docs-images:
	bash scripts/docs-images.sh

bench: venv link services
	$(PY) bench/backup_bench.py

# Where the time of a sandbox upgrade goes (per-task times, ansible.posix.profile_tasks): resets the sandbox, upgrades
# it, runs the upgrade again (the no-op rerun); bench/results/<date>-profile-<label>-*.json, docs/performance.md
.PHONY: bench-profile
bench-profile: venv link services
	ANSIBLE_STDOUT_CALLBACK=$${ANSIBLE_STDOUT_CALLBACK:-openmetadata.ops.upgrade} $(PY) bench/run_profile.py --label $${LABEL:-run}

# docs/images/performance.png from the recorded results (bench/results/*.json, *restore*.txt); runs no benchmark
.PHONY: bench-plot
bench-plot: venv
	$(PY) bench/plot.py --output docs/images/performance.png

# The AWX execution environment's build context in .build/ee (docs/awx.md): the collection tarball,
# then ansible-builder create (`make ee-image` builds the image).
ee-context: venv
	rm -rf .build/ee-src && $(BIN)/ansible-galaxy collection build --force --output-path .build/ee-src .
	cp .build/ee-src/openmetadata-ops-*.tar.gz examples/awx/ee-files/openmetadata-ops.tar.gz
	$(BIN)/ansible-builder create -f examples/awx/execution-environment.yml -c .build/ee

# The AWX execution environment image, built for real on the project's Docker engine (docs/awx.md):
# a bookworm base from Debian packages (debootstrap + docker import, rootfs cached in .build/ee-base),
# then ansible-builder build -> localhost/openmetadata-ops-ee:<collection version>.
ee-image: venv docker-engine-up
	VENV=$(CURDIR)/$(VENV) bash scripts/ee-image.sh

clean:
	rm -rf .build tests/output examples/sandbox/work bench/work
