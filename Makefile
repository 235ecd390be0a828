# Switchboard. 'make dev' runs everything on localhost; 'make test' runs
# every test, the store's against DynamoDB Local. Both install what a fresh
# Debian machine lacks (Java 17, Node/npm, DynamoDB Local, Chromium) first.

SHELL := /bin/bash
GO ?= go
DYNAMODB_LOCAL_VERSION := 2.9.30
DDB_DIR := .cache/dynamodb-local
DDB_JAR := $(DDB_DIR)/package/emulator/DynamoDBLocal.jar
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
FUNCTIONS := chat slack router dispatcher snooze channel-webhooks email-inbound csat reports digest rebuild-stats
LAMBDA_BUILD := CGO_ENABLED=0 GOOS=linux GOARCH=arm64 $(GO) build -tags lambda.norpc -trimpath -ldflags='-s -w'
FUZZTIME ?= 10s

.PHONY: dev test deps tools vet fmt-check archcheck bench fuzz fuzz-decoders telegram-webhook eval build sizes deploy clean rebuild-stats \
	build-ChatFunction build-SlackFunction build-RouterFunction build-DispatcherFunction build-SnoozeFunction \
	build-ChannelWebhooksFunction build-EmailInboundFunction build-CsatFunction build-ReportsFunction build-DigestFunction \
	build-RebuildStatsFunction

dev: deps
	$(GO) run ./infra/dev

# Store and end-to-end tests need DynamoDB Local: withddb starts one for
# the whole run, and SWITCHBOARD_REQUIRE_DYNAMODB turns a skip into a failure.
# The dashboard's browser test saves its screenshot under artifacts/.
test: deps vet fmt-check archcheck
	mkdir -p artifacts
	SWITCHBOARD_REQUIRE_DYNAMODB=1 SWITCHBOARD_REQUIRE_BROWSER=1 SWITCHBOARD_ARTIFACTS=$(CURDIR)/artifacts $(GO) run ./infra/withddb $(GO) test -count=1 ./...
	@$(MAKE) --no-print-directory fuzz-decoders FUZZTIME=3s

# The decoders of what providers send are fuzzed on every test run, a few
# seconds each; 'make fuzz' runs every fuzz test for longer.
DECODER_FUZZ := ./shared/channel/chat:FuzzParsePost ./shared/channel/chat:FuzzParseRating ./shared/channel/meta:FuzzParse \
	./shared/channel/telegram:FuzzParseUpdate ./shared/channel/twilio:FuzzParse \
	./shared/channel/twilio:FuzzVerify ./shared/channel/email:FuzzParse \
	./shared/csat:FuzzParseToken ./shared/inbox:FuzzParseSurveyPayload ./shared/inbox:FuzzScoreReply \
	./shared/report:FuzzParseLink
fuzz-decoders:
	@for t in $(DECODER_FUZZ); do \
		echo "fuzz $${t#*:} in $${t%:*} for $(FUZZTIME)"; \
		out=$$($(GO) test -run '^$$' -fuzz "^$${t#*:}\$$" -fuzztime $(FUZZTIME) $${t%:*} 2>&1) || \
			{ echo "$$out"; exit 1; }; \
	done

deps: tools $(DDB_JAR)
	$(GO) mod download

tools:
	@command -v java >/dev/null && java -version 2>&1 | grep -qE 'version "(1[7-9]|2[0-9])' || \
		{ echo "installing Java 17"; $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq openjdk-17-jre-headless; }
	@command -v npm >/dev/null || \
		{ echo "installing Node.js and npm"; $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq nodejs npm; }
	@command -v chromium >/dev/null || \
		{ echo "installing Chromium for the browser tests"; $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium; }

# DynamoDB Local ships inside this npm package; only its emulator/ folder is
# used, so the package is unpacked rather than installed with its dependencies.
$(DDB_JAR):
	mkdir -p $(DDB_DIR)
	cd $(DDB_DIR) && npm pack --silent amplify-dynamodb-simulator@$(DYNAMODB_LOCAL_VERSION) >/dev/null && \
		tar xzf amplify-dynamodb-simulator-$(DYNAMODB_LOCAL_VERSION).tgz package/emulator && \
		rm amplify-dynamodb-simulator-$(DYNAMODB_LOCAL_VERSION).tgz
	test -f $@

vet:
	$(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.cache/*')); \
		if [ -n "$$out" ]; then echo "gofmt would change: $$out"; exit 1; fi

archcheck:
	$(GO) run ./infra/archcheck

bench: deps
	SWITCHBOARD_REQUIRE_DYNAMODB=1 $(GO) run ./infra/withddb \
		$(GO) test -p 1 -run '^$$' -bench . -benchmem -count $${COUNT:-6} ./... | tee bench.txt
	@echo "compare runs with: go run golang.org/x/perf/cmd/benchstat@latest old.txt bench.txt"
	@$(MAKE) --no-print-directory sizes

fuzz: fuzz-decoders
	$(GO) test -run '^$$' -fuzz FuzzNormalizePhone -fuzztime $(FUZZTIME) ./shared/inbox
	$(GO) test -run '^$$' -fuzz FuzzEscape -fuzztime $(FUZZTIME) ./shared/slackui
	$(GO) test -run '^$$' -fuzz FuzzPlainText -fuzztime $(FUZZTIME) ./shared/slackapp
	$(GO) test -run '^$$' -fuzz FuzzParseAnswer -fuzztime $(FUZZTIME) ./shared/triage
	$(GO) test -run '^$$' -fuzz FuzzParseRules -fuzztime $(FUZZTIME) ./shared/route

# Recounts every report counter from the stored conversations, in the
# stack 'make dev' runs (PORT, default 8080); in AWS invoke the
# rebuild-stats function instead (README).
rebuild-stats:
	$(GO) run ./infra/rebuild-stats

# Registers {PUBLIC_BASE_URL}/webhooks/telegram with the bot and its secret
# token (TELEGRAM_BOT_TOKEN, TELEGRAM_SECRET_TOKEN, PUBLIC_BASE_URL).
telegram-webhook:
	$(GO) run ./infra/telegram-webhook

# Scores triage on the labelled set in shared/triage/testdata/eval.jsonl:
# the rules always, the model too when OPENAI_BASE_URL or OPENAI_API_KEY is set.
eval:
	$(GO) run ./infra/eval

build: $(addprefix bin/,$(addsuffix /bootstrap,$(FUNCTIONS)))

bin/%/bootstrap: FORCE
	$(LAMBDA_BUILD) -o $@ ./functions/$*

sizes: build
	@for f in $(FUNCTIONS); do printf '%-12s %s bytes\n' $$f $$(stat -c %s bin/$$f/bootstrap); done

# Targets for 'sam build' (Metadata: BuildMethod: makefile in template.yaml).
build-ChatFunction:
	$(LAMBDA_BUILD) -o $(ARTIFACTS_DIR)/bootstrap ./functions/chat
build-SlackFunction:
	$(LAMBDA_BUILD) -o $(ARTIFACTS_DIR)/bootstrap ./functions/slack
build-RouterFunction:
	$(LAMBDA_BUILD) -o $(ARTIFACTS_DIR)/bootstrap ./functions/router
build-DispatcherFunction:
	$(LAMBDA_BUILD) -o $(ARTIFACTS_DIR)/bootstrap ./functions/dispatcher
build-SnoozeFunction:
	$(LAMBDA_BUILD) -o $(ARTIFACTS_DIR)/bootstrap ./functions/snooze

build-ChannelWebhooksFunction:
	$(LAMBDA_BUILD) -o $(ARTIFACTS_DIR)/bootstrap ./functions/channel-webhooks

build-EmailInboundFunction:
	$(LAMBDA_BUILD) -o $(ARTIFACTS_DIR)/bootstrap ./functions/email-inbound

build-CsatFunction:
	$(LAMBDA_BUILD) -o $(ARTIFACTS_DIR)/bootstrap ./functions/csat

build-ReportsFunction:
	$(LAMBDA_BUILD) -o $(ARTIFACTS_DIR)/bootstrap ./functions/reports

build-DigestFunction:
	$(LAMBDA_BUILD) -o $(ARTIFACTS_DIR)/bootstrap ./functions/digest

build-RebuildStatsFunction:
	$(LAMBDA_BUILD) -o $(ARTIFACTS_DIR)/bootstrap ./functions/rebuild-stats

deploy:
	sam build && sam deploy --guided

clean:
	rm -rf bin .aws-sam bench.txt

.PHONY: FORCE
FORCE:
