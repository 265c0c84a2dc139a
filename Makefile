# dockerlab.registry: the two commands are `make lab` and `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
export PATH := $(BIN):$(PATH)
# The scenario `make lab` brings up and leaves running: the guide's whole lab.
LAB_SCENARIO ?= default
COLLECTION_LINK := .collections/ansible_collections/dockerlab/registry

.PHONY: setup engine lab lab-down test lint package contracts molecule bench changelog clean

## setup: Docker engine + debootstrap (Debian packages), .venv, collection link
setup: engine $(VENV)/.installed $(COLLECTION_LINK)

engine:
	tests/lab/engine.sh

$(VENV)/.installed: requirements-dev.txt
	python3 -m venv $(VENV)
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

# Lets a checkout resolve its own roles and playbooks as dockerlab.registry.*
$(COLLECTION_LINK):
	mkdir -p $(dir $@)
	ln -sfn ../../.. $@

## lab: bring up docker01-03 locally, run site.yml against them, prove a push/pull
## (tests/lab/proof.yml, between the clients the scenario's group_vars/lab_hosts.yml names)
lab: setup
	molecule converge -s $(LAB_SCENARIO)
	ansible-playbook -i tests/lab/inventory.yml -e @molecule/$(LAB_SCENARIO)/group_vars/lab_hosts.yml tests/lab/proof.yml

## lab-down: remove the local lab (images stay for the next run)
lab-down: setup
	molecule destroy -s $(LAB_SCENARIO)

## test: lint, the Galaxy package, the stand-in images' contracts, then the Molecule scenarios from scratch
## (MOLECULE_SCENARIOS: every scenario, insecure's checks inside operations, nginx's inside ha)
test: setup lint package contracts molecule

lint:
	yamllint --strict .
	ansible-lint --profile production
	antsibull-changelog lint
	python tests/check_argument_specs.py
	# The S3 bucket check's request signing against AWS's published SigV4 examples, and its messages;
	# the redis cache clearing against a fake redis (RESP2); htpasswd users at a bcrypt cost, on temporary files.
	python tests/plugins/test_s3_bucket_check.py
	python tests/plugins/test_redis_cache_clear.py
	python tests/plugins/test_htpasswd_users.py
	# Every `that`/`when` item is a string: an unquoted ': ' makes YAML read a mapping.
	python tests/check_conditionals.py
	# requirements.yml is galaxy.yml's dependencies (`python tests/galaxy/requirements.py --write` writes it).
	python tests/galaxy/requirements.py
	# docs/bad-input.md is the table of tests/bad_input_cases.yml (`python tests/bad_input_table.py --write` writes it).
	python tests/bad_input_table.py >/dev/null
	# The guide's lab inventory parses, its vault opens with the demo password, site.yml resolves.
	ansible-playbook --syntax-check -i inventory/lab.ini --vault-password-file tests/lab/demo-vault-pass site.yml
	ansible -i inventory/lab.ini --vault-password-file tests/lab/demo-vault-pass localhost -m ansible.builtin.assert \
	  -a "that='lab_users | length > 0 and lab_users[0].password | length > 0' quiet=true"
	ansible-playbook --syntax-check awx/job_templates.yml
	# CHANGELOG.rst is what antsibull-changelog generates from changelogs/.
	mkdir -p .ansible && antsibull-changelog generate --output .ansible/CHANGELOG.rst && diff -u CHANGELOG.rst .ansible/CHANGELOG.rst
	# Every scenario runs in `make test`: in MOLECULE_SCENARIOS, or insecure or nginx (whose checks operations and ha run).
	for dir in molecule/*/; do case " $(MOLECULE_SCENARIOS) insecure nginx " in *" $$(basename $$dir) "*) ;; \
	  *) echo "$$dir is not in MOLECULE_SCENARIOS: make test would never run it" >&2; exit 1 ;; esac; done

## package: the Galaxy tarball (nothing of tests/ or the lab in it) installed into an empty
## path, ansible-test sanity on that copy, and the AWX execution environment: its build
## context and its image built from that tarball (rebuilt only when an input changed);
## the `default` scenario runs site.yml in it against the lab (tests/runner.yml)
package:
	tests/galaxy/install.sh .build
	tests/galaxy/sanity.sh .build/collections
	tests/galaxy/ee_context.sh .build/ee
	tests/ee/build.sh .build/dist/dockerlab-registry-*.tar.gz

## contracts: build the stand-in images (build.sh, reused while unchanged), or with
## LAB_IMAGES=official pull the real ones, and check them against the official images'
## contracts (tests/lab/images/contracts.yml)
OFFICIAL_IMAGES := registry:2 nginx:latest busybox:latest
CONTRACT_RECIPES := nginx-debian $(if $(filter official,$(LAB_IMAGES)),,registry nginx busybox)
contracts: setup $(addprefix image-,$(CONTRACT_RECIPES))
	$(if $(filter official,$(LAB_IMAGES)),for image in $(OFFICIAL_IMAGES); do docker pull $$image; done)
	python tests/lab/images/check_contracts.py

image-%: engine
	tests/lab/images/build.sh $*.recipe

# Every scenario but insecure and nginx: operations is insecure's mode with registry
# operations on top, and its verify runs insecure's checks (molecule/insecure/checks.yml)
# on its lab; ha is nginx's lab with nginx.me's registry as two replicas on S3, and its
# verify runs nginx's checks (molecule/nginx/checks.yml) there. `molecule test -s insecure`
# and `molecule test -s nginx` run those modes alone.
MOLECULE_SCENARIOS := default htpasswd ha operations tls
# A failed scenario ends make's output with its failed tasks (from its log in .build/molecule/,
# colour stripped), so the last lines of a CI run name what failed.
MOLECULE_LOGS := .build/molecule
molecule:
	mkdir -p $(MOLECULE_LOGS)
	for scenario in $(MOLECULE_SCENARIOS); do \
	  if ! molecule test -s $$scenario 2>&1 | tee $(MOLECULE_LOGS)/$$scenario.log; then \
	    echo "== molecule test -s $$scenario failed; its failed tasks ($(MOLECULE_LOGS)/$$scenario.log):"; \
	    sed 's/\x1b\[[0-9;]*m//g' $(MOLECULE_LOGS)/$$scenario.log \
	      | grep -E -B6 -A24 '(fatal|failed): \[|Cases that failed' | grep -v 'RETRYING' | tail -150; \
	    exit 1; \
	  fi; \
	done

## bench: converge cost and registry throughput on the local lab, with baselines (not part of
## test); writes docs/benchmarks.md, .png and .json. BENCH_RUNS, BENCH_CLIENTS, BENCH_PARTS narrow it.
bench: setup
	pip install -q -r bench/requirements.txt
	python bench/bench.py

changelog:
	antsibull-changelog release

clean: lab-down
	rm -rf $(VENV) .collections
