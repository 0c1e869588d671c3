# Two commands do everything on a fresh machine: `make run` and `make test`.
# PYTHON=/path/to/python3.13 overrides the interpreter used to create .venv.

VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
MANAGE := $(PY) manage.py
# Values that only satisfy the production settings' start-up checks, for `check --deploy`.
DEPLOY_CHECK_ENV := DJANGO_SETTINGS_MODULE=config.settings.prod \
	SECRET_KEY=deploy-check-only-$$(date +%s)-not-a-real-secret-0123456789abcdefghij \
	AUDIT_HMAC_KEY=deploy-check-only-audit-key-0123456789 \
	AUDIT_HEAD_SIGNING_KEY=ZGVwbG95LWNoZWNrLW9ubHktbm90LWEtcmVhbC1rZXk= \
	FIELD_ENCRYPTION_KEYS=ZGVwbG95LWNoZWNrLW9ubHktbm90LWEtcmVhbC1rZXk= \
	EVIDENCE_KEYS=deploy:ZGVwbG95LWNoZWNrLW9ubHktbm90LWEtcmVhbC1rZXk= \
	ALLOWED_HOSTS=cases.example.org DATABASE_URL=postgres://deploy-check@127.0.0.1:1/none

.PHONY: run test lint check chromium axe pdf-libs bench load backup restore clean

$(PY):
	@interpreter="$$(PYTHON="$(PYTHON)" scripts/find-python)" || exit 1; \
	echo "Creating $(VENV) with $$interpreter"; \
	"$$interpreter" -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.runtime-installed: requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@ $(VENV)/.runtime-installed

# `make run PORT=8001` when 8000 is taken; e-mailed links follow the port.
PORT ?= 8000
run: $(VENV)/.runtime-installed pdf-libs
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo --if-empty --quiet-logins
	WEB_PORT=$(PORT) SITE_URL=http://127.0.0.1:$(PORT) PATH="$(CURDIR)/$(BIN):$$PATH" \
		$(BIN)/honcho start --procfile Procfile.dev

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(BIN)/lint-imports

check: $(VENV)/.dev-installed
	$(MANAGE) check --fail-level WARNING
	$(MANAGE) makemigrations --check --dry-run
	$(MANAGE) spectacular --validate --fail-on-warn --file /dev/null
	$(DEPLOY_CHECK_ENV) $(MANAGE) check --deploy --fail-level WARNING

chromium:
	@scripts/ensure-chromium

axe:
	@scripts/ensure-axe

pdf-libs:
	@scripts/ensure-pdf-libs

test: lint check chromium axe pdf-libs
	$(BIN)/pytest

bench: $(VENV)/.dev-installed
	@scripts/ensure-age
	TEST_DATABASE_NAME=test_cases_bench $(BIN)/pytest -o addopts="-p no:cacheprovider" tests/perf -s

# 50 simulated users for 60 s against gunicorn with the production settings (scripts/load_test.py).
load: $(VENV)/.dev-installed
	$(PY) scripts/load_test.py

# `make backup` writes backups/<UTC time>/; `make restore BACKUP=backups/...` needs an empty database
# and evidence store (for example DATABASE_URL and EVIDENCE_ROOT pointing at new ones).
backup: $(VENV)/.runtime-installed
	$(MANAGE) backup_system

restore: $(VENV)/.runtime-installed
	@test -n "$(BACKUP)" || { echo "Say which backup: make restore BACKUP=backups/<time>"; exit 2; }
	$(MANAGE) restore_system "$(BACKUP)"
	$(MANAGE) verify_audit_chain --head "$(BACKUP)/audit-head.json"
	$(MANAGE) verify_evidence

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache staticfiles
