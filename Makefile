# wpf-webhooks: build, install and package the PHP extension and the WordPress plugin, the way PHP extensions
# are installed on Debian and Ubuntu. `make help` lists the targets; docs/install.md is the guide.
#
# Variables (defaults in brackets):
#   PHP_CONFIG     php-config of the PHP to build and install for [php-config]; e.g. php-config8.3
#   PHP            that PHP's CLI binary [`$(PHP_CONFIG) --php-binary`]
#   EXTENSION_DIR  where the .so goes [`$(PHP_CONFIG) --extension-dir`]
#   PHP_CONF_DIR   Debian's configuration directory of that PHP [/etc/php/MAJOR.MINOR]
#   SAPIS          the SAPIs to enable the extension for [cli fpm]; add apache2 for mod_php
#   DESTDIR        stage the files under this root instead of installing them (nothing is enabled)
#   WP_PATH        a WordPress directory: also install (or remove) the plugin in WP_PLUGIN_DIR
#   WP_PLUGIN_DIR  [$(WP_PATH)/wp-content/plugins]
#   DIST_DIR       where `make dist` writes the plugin zip [dist]
#   POT            where `make pot` writes the plugin's translation template [wp-plugin-shim/languages/wpf-webhooks.pot]

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.ONESHELL:
.DEFAULT_GOAL := help

CARGO ?= cargo
# ext-php-rs builds against the PHP that PHP_CONFIG names. Only a PHP_CONFIG given by the caller is passed to
# cargo: a change of its environment makes cargo rebuild, and a plain build leaves it unset.
ifeq ($(origin PHP_CONFIG),undefined)
PHP_CONFIG := php-config
CARGO_ENV :=
else
CARGO_ENV = PHP_CONFIG=$(shell command -v $(PHP_CONFIG)) PHP=$(shell command -v $(PHP))
endif
PHP ?= $(shell $(PHP_CONFIG) --php-binary 2>/dev/null)
PHP_VERSION := $(shell $(PHP) -n -r 'echo PHP_MAJOR_VERSION, ".", PHP_MINOR_VERSION;' 2>/dev/null)
EXTENSION_DIR ?= $(shell $(PHP_CONFIG) --extension-dir 2>/dev/null)
PHP_CONF_DIR ?= /etc/php/$(PHP_VERSION)
SAPIS ?= cli fpm
DESTDIR ?=
WP_PATH ?=
WP_PLUGIN_DIR ?= $(WP_PATH)/wp-content/plugins
DIST_DIR ?= dist

TARGET_DIR := $(or $(CARGO_TARGET_DIR),target)
SO := $(TARGET_DIR)/release/libwpf_webhooks.so
PLUGIN_SRC := wp-plugin-shim
VERSION := $(shell sed -n 's/^ \* Version: *//p' $(PLUGIN_SRC)/wpf-webhooks.php)
ZIP := $(DIST_DIR)/wpf-webhooks-$(VERSION).zip
POT ?= $(PLUGIN_SRC)/languages/wpf-webhooks.pot
# WordPress's translation functions, for xgettext (Debian's gettext): argument numbers, c = the context.
POT_KEYWORDS := __ _e _x:1,2c _ex:1,2c _n:1,2 _nx:1,2,4c _n_noop:1,2 _nx_noop:1,2,3c esc_html__ esc_html_e \
  esc_attr__ esc_attr_e esc_html_x:1,2c esc_attr_x:1,2c
INI := $(DESTDIR)$(PHP_CONF_DIR)/mods-available/wpf_webhooks.ini
SO_DEST := $(DESTDIR)$(EXTENSION_DIR)/wpf_webhooks.so

.PHONY: help build install uninstall dist pot bench contract

help: ## list the targets
	@echo "wpf-webhooks $(VERSION): make TARGET [VARIABLE=value …] (variables: see the top of the Makefile)"
	sed -n 's/^\([a-z-]*\):.*## \(.*\)/  \1\t\2/p' $(firstword $(MAKEFILE_LIST)) | expand -t 14
	echo "PHP: $(PHP) $(PHP_VERSION), extensions in $(EXTENSION_DIR), configuration in $(PHP_CONF_DIR)"

build: ## build the extension in release mode (cargo; run it as yourself before `sudo make install`)
	@if command -v $(CARGO) >/dev/null; then
	  $(CARGO_ENV) $(CARGO) build --release
	elif [[ -f $(SO) ]]; then
	  echo "make: $(CARGO) is not on PATH (sudo resets it): installing the existing build $(SO)"
	else
	  echo "make: $(CARGO) is not on PATH and there is no build: run 'make build' as yourself first" >&2
	  exit 1
	fi

install: build $(if $(WP_PATH),dist) ## install the .so, write and enable wpf_webhooks.ini (cli, fpm); WP_PATH=… the plugin
	@[[ -n "$(PHP_VERSION)" && -n "$(EXTENSION_DIR)" ]] || { echo "make: cannot run $(PHP_CONFIG) / $(PHP): install php-dev" >&2; exit 1; }
	if [[ -n "$(WP_PATH)" ]]; then
	  [[ -f $(WP_PATH)/wp-load.php ]] || { echo "make: WP_PATH=$(WP_PATH) is not a WordPress directory (no wp-load.php)" >&2; exit 1; }
	  [[ -d $(WP_PLUGIN_DIR) ]] || { echo "make: no plugin directory $(WP_PLUGIN_DIR) (set WP_PLUGIN_DIR)" >&2; exit 1; }
	  [[ ! -L $(WP_PLUGIN_DIR)/wpf-webhooks ]] || { echo "make: $(WP_PLUGIN_DIR)/wpf-webhooks is a symbolic link: remove it first" >&2; exit 1; }
	fi
	# The build must load in the PHP it is installed for: PHP refuses a module built for another PHP API.
	loaded=$$($(PHP) -n -d extension=$(abspath $(SO)) -r 'echo phpversion("wpf_webhooks");' 2>&1 || true)
	if [[ $$loaded != "$(VERSION)" ]]; then
	  echo "make: $(SO) does not load in $(PHP) (PHP $(PHP_VERSION), API $$($(PHP_CONFIG) --phpapi)): $$loaded" >&2
	  echo "make: build it for that PHP: make build PHP_CONFIG=$(PHP_CONFIG)" >&2
	  exit 1
	fi
	# install(1) replaces the file (new inode): running php-fpm workers keep the old one until reloaded.
	install -D -m 0644 $(SO) $(SO_DEST)
	install -D -m 0644 packaging/wpf_webhooks.ini $(INI)
	echo "installed $(SO_DEST)"
	echo "installed $(INI)"
	if [[ -n "$(DESTDIR)" ]]; then
	  echo "DESTDIR is set: files staged under $(DESTDIR), nothing enabled (on the target: phpenmod -v $(PHP_VERSION) wpf_webhooks)"
	else
	  [[ $(PHP_CONF_DIR) == /etc/php/$(PHP_VERSION) ]] || { echo "make: phpenmod only knows /etc/php/$(PHP_VERSION); enable $(INI) by hand" >&2; exit 1; }
	  command -v phpenmod >/dev/null || { echo "make: phpenmod not found (not Debian's PHP packaging?): enable $(INI) by hand" >&2; exit 1; }
	  for sapi in $(SAPIS); do
	    if [[ -d $(PHP_CONF_DIR)/$$sapi/conf.d ]]; then
	      phpenmod -v $(PHP_VERSION) -s $$sapi wpf_webhooks
	      echo "enabled for PHP $(PHP_VERSION) $$sapi: $$(ls $(PHP_CONF_DIR)/$$sapi/conf.d/*-wpf_webhooks.ini)"
	    else
	      echo "skipped $$sapi: PHP $(PHP_VERSION) has no $$sapi SAPI here ($(PHP_CONF_DIR)/$$sapi/conf.d)"
	    fi
	  done
	  if [[ -d $(PHP_CONF_DIR)/cli/conf.d ]]; then
	    env -u PHP_INI_SCAN_DIR $(PHP) -m | grep -x wpf_webhooks >/dev/null || { echo "make: php -m does not list wpf_webhooks" >&2; exit 1; }
	    echo "php -m lists wpf_webhooks $$(env -u PHP_INI_SCAN_DIR $(PHP) -r 'echo phpversion("wpf_webhooks");')"
	  fi
	fi
	if [[ -n "$(WP_PATH)" ]]; then
	  tmp=$$(mktemp -d $(WP_PLUGIN_DIR)/.wpf-webhooks.XXXXXX)
	  unzip -q $(ZIP) -d $$tmp
	  chown -R --reference=$(WP_PLUGIN_DIR) $$tmp/wpf-webhooks
	  rm -rf $(WP_PLUGIN_DIR)/wpf-webhooks
	  mv $$tmp/wpf-webhooks $(WP_PLUGIN_DIR)/wpf-webhooks
	  rmdir $$tmp
	  echo "installed the plugin $(VERSION) in $(WP_PLUGIN_DIR)/wpf-webhooks: activate it in wp-admin, Plugins"
	fi
	if [[ -z "$(DESTDIR)" ]]; then
	  echo
	  echo "Now reload PHP so that it loads the extension:"
	  echo "  php-fpm:         sudo systemctl reload php$(PHP_VERSION)-fpm"
	  echo "  Apache mod_php:  sudo systemctl restart apache2   (after make install SAPIS=\"cli apache2\")"
	fi

uninstall: ## disable and remove the extension; WP_PATH=… also removes the plugin's files
	@[[ -n "$(PHP_VERSION)" && -n "$(EXTENSION_DIR)" ]] || { echo "make: cannot run $(PHP_CONFIG) / $(PHP): install php-dev" >&2; exit 1; }
	if [[ -z "$(DESTDIR)" ]] && command -v phpdismod >/dev/null; then
	  # Every SAPI, whatever SAPIS was at install time; -p also forgets phpenmod's state (one SAPI per call:
	  # phpdismod purges the state of the last SAPI it was given only).
	  shopt -s nullglob
	  for dir in $(PHP_CONF_DIR)/*/conf.d; do
	    sapi=$$(basename "$$(dirname "$$dir")")
	    phpdismod -p -v $(PHP_VERSION) -s $$sapi wpf_webhooks
	  done
	fi
	rm -f $(DESTDIR)$(PHP_CONF_DIR)/*/conf.d/[0-9]*-wpf_webhooks.ini
	rm -f $(INI) $(SO_DEST)
	echo "removed $(SO_DEST) and $(INI)"
	if [[ -z "$(DESTDIR)" && -d $(PHP_CONF_DIR)/cli/conf.d ]]; then
	  ! env -u PHP_INI_SCAN_DIR $(PHP) -m | grep -x wpf_webhooks >/dev/null || { echo "make: php -m still lists wpf_webhooks" >&2; exit 1; }
	  echo "php -m no longer lists wpf_webhooks"
	fi
	if [[ -n "$(WP_PATH)" ]]; then
	  dir=$(WP_PLUGIN_DIR)/wpf-webhooks
	  if [[ -f $$dir/wpf-webhooks.php && ! -L $$dir ]]; then
	    rm -rf "$$dir"
	    echo "removed the plugin's files ($$dir); its settings and tables stay (delete the plugin in wp-admin to remove them)"
	  fi
	fi
	if [[ -z "$(DESTDIR)" ]]; then
	  echo
	  echo "Now reload PHP: sudo systemctl reload php$(PHP_VERSION)-fpm (Apache mod_php: sudo systemctl restart apache2)"
	fi

dist: ## write dist/wpf-webhooks-VERSION.zip (DIST_DIR=…), the plugin to upload in wp-admin
	@stable=$$(sed -n 's/^Stable tag: *//p' $(PLUGIN_SRC)/readme.txt)
	[[ $$stable == "$(VERSION)" ]] || { echo "make: readme.txt says Stable tag $$stable, the plugin is $(VERSION)" >&2; exit 1; }
	stage=$$(mktemp -d)
	trap 'rm -rf "$$stage"' EXIT
	mkdir -p $$stage/wpf-webhooks $(DIST_DIR)
	# The plugin as WordPress runs it: no dot files, no tests, no editor leftovers.
	(cd $(PLUGIN_SRC) && find . -type f ! -path '*/.*' ! -name '*~' ! -path '*/tests/*' ! -name '*Test.php' ! -name 'phpunit*' |
	  LC_ALL=C sort | tar -cf - -T -) | tar -C $$stage/wpf-webhooks -xf -
	rm -f $(ZIP)
	(cd $$stage && zip -qrX - wpf-webhooks) >$(ZIP)
	echo "wrote $(ZIP) ($$(unzip -Z1 $(ZIP) | grep -vc '/$$') files)"

pot: ## write the plugin's translation template (POT=…): its strings and the contract's texts (xgettext, Debian's gettext)
	@command -v xgettext >/dev/null || { echo "make: xgettext is not installed (Debian package gettext)" >&2; exit 1; }
	tmp=$$(mktemp -d)
	trap 'rm -rf "$$tmp"' EXIT
	# The contract's texts reach __() as variables (Contract::text()): xgettext reads them from a generated file.
	$(PHP) -n scripts/php/contract-texts.php $(PLUGIN_SRC)/includes/contract-fallback.php >$$tmp/contract-texts.php
	(cd $(PLUGIN_SRC) && find . -name '*.php' ! -name contract-fallback.php | sed 's|^\./||' | LC_ALL=C sort) >$$tmp/files
	echo contract-texts.php >>$$tmp/files
	# Locations name the file, not the line: moving a string is no change to translate.
	xgettext --language=PHP --from-code=UTF-8 --add-comments=translators: --add-location=file --sort-by-file --no-wrap \
	  $(addprefix --keyword=,$(POT_KEYWORDS)) --package-name=wpf-webhooks --package-version=$(VERSION) \
	  --copyright-holder='the wpf-webhooks maintainers' -D $(PLUGIN_SRC) -D $$tmp -f $$tmp/files -o $$tmp/new.pot
	sed -i -e '1s/.*/# The WPF Webhooks plugin'"'"'s strings, to translate (make pot writes this file)./' \
	  -e 's/charset=CHARSET/charset=UTF-8/' -e 's/^\("Language-Team:.*\)$$/\1\n"X-Domain: wpf-webhooks\\n"/' $$tmp/new.pot
	# Rewritten only when a string changed: the creation date alone is no change.
	if [[ -f $(POT) ]] && diff -q <(grep -v '^"POT-Creation-Date:' $(POT)) <(grep -v '^"POT-Creation-Date:' $$tmp/new.pot) >/dev/null; then
	  echo "$(POT) is current ($$(grep -c '^msgid "[^"]' $(POT)) strings)"
	else
	  mkdir -p $$(dirname $(POT))
	  mv $$tmp/new.pot $(POT)
	  echo "wrote $(POT) ($$(grep -c '^msgid "[^"]' $(POT)) strings)"
	fi

contract: build ## regenerate the plugin's copy of the core's rules for when the extension is not loaded
	$(PHP) -n -d extension=$(abspath $(SO)) scripts/php/contract-fallback.php > $(PLUGIN_SRC)/includes/contract-fallback.php.new
	mv $(PLUGIN_SRC)/includes/contract-fallback.php.new $(PLUGIN_SRC)/includes/contract-fallback.php

bench: ## run the benchmark (nginx + php-fpm + WordPress + the sandbox CRM, wrk) and write BENCHMARKS.md
	bash scripts/bench.sh
