/* SPDX-License-Identifier: MIT */
/* Command line (SPEC §2) and exit codes. Everything else lives in daemon.c. */

#include <getopt.h>

#include "build-config.h"
#include "config.h"
#include "daemon.h"
#include "shared/log.h"
#include "status-file.h"

#define DEFAULT_CONFIG SYSCONFDIR "/cwlogd/cwlogd.conf"
#define DEFAULT_DROPIN_DIR SYSCONFDIR "/cwlogd/conf.d"
#define DEFAULT_STATE_DIR LOCALSTATEDIR "/lib/cwlogd"

typedef enum Action {
        ACTION_RUN,
        ACTION_CHECK_CONFIG,
        ACTION_DUMP_KEYS,
        ACTION_STATUS,
        ACTION_HELP,
        ACTION_VERSION,
} Action;

typedef struct Args {
        Action action;
        DaemonOptions daemon;
        char *state_dir_env; /* first entry of $STATE_DIRECTORY */
} Args;

static void help(void) {
        printf("Usage: cwlogd [OPTIONS]\n"
               "Ship the systemd journal and text log files to Amazon CloudWatch Logs.\n\n"
               "  --config=FILE                  Main configuration (default %s)\n"
               "  --config-file=FILE             Same as --config (awslogs compatibility)\n"
               "  --additional-configs-dir=DIR   Drop-in directory, *.conf in lexical order\n"
               "                                 (default %s)\n"
               "  --state-dir=DIR                Cursor and offset files (default $STATE_DIRECTORY,\n"
               "                                 else %s)\n"
               "  --runtime-dir=DIR              Where status.json is written (default $RUNTIME_DIRECTORY,\n"
               "                                 else %s)\n"
               "  --region=REGION                AWS region\n"
               "  --endpoint=URL                 CloudWatch Logs endpoint\n"
               "  --once                         Ship what exists now, wait for acknowledgement, exit\n"
               "  --dry-run                      Print request bodies as JSON lines; no network, no state\n"
               "  --check-config                 Validate the configuration and list the streams\n"
               "  --status                       Show the running daemon's counters per stream\n"
               "  --log-level=LEVEL              debug, info, notice, warning or err (default info)\n"
               "  --version                      Print the version\n"
               "  --help                         Print this help\n\n"
               "Exit status: 0 success, 1 configuration error, 2 runtime failure.\n"
               "See cwlogd(8) and cwlogd.conf(5).\n",
               DEFAULT_CONFIG, DEFAULT_DROPIN_DIR, DEFAULT_STATE_DIR, RUNTIME_DIR_DEFAULT);
}

enum {
        ARG_CONFIG = 0x100,
        ARG_DROPIN_DIR,
        ARG_STATE_DIR,
        ARG_RUNTIME_DIR,
        ARG_REGION,
        ARG_ENDPOINT,
        ARG_ONCE,
        ARG_DRY_RUN,
        ARG_CHECK_CONFIG,
        ARG_STATUS,
        ARG_LOG_LEVEL,
        ARG_VERSION,
        ARG_HELP,
        ARG_DUMP_KEYS,
};

static int parse_args(int argc, char *argv[], Args *a) {
        static const struct option options[] = {
                { "config", required_argument, NULL, ARG_CONFIG },
                { "config-file", required_argument, NULL, ARG_CONFIG },
                { "additional-configs-dir", required_argument, NULL, ARG_DROPIN_DIR },
                { "state-dir", required_argument, NULL, ARG_STATE_DIR },
                { "runtime-dir", required_argument, NULL, ARG_RUNTIME_DIR },
                { "region", required_argument, NULL, ARG_REGION },
                { "endpoint", required_argument, NULL, ARG_ENDPOINT },
                { "once", no_argument, NULL, ARG_ONCE },
                { "dry-run", no_argument, NULL, ARG_DRY_RUN },
                { "check-config", no_argument, NULL, ARG_CHECK_CONFIG },
                { "status", no_argument, NULL, ARG_STATUS },
                { "log-level", required_argument, NULL, ARG_LOG_LEVEL },
                { "version", no_argument, NULL, ARG_VERSION },
                { "help", no_argument, NULL, ARG_HELP },
                { "dump-config-keys", no_argument, NULL, ARG_DUMP_KEYS },
                {}
        };
        const char *env;
        int c, level;

        a->daemon.config_path = DEFAULT_CONFIG;
        a->daemon.dropin_dir = DEFAULT_DROPIN_DIR;
        a->daemon.state_dir = DEFAULT_STATE_DIR;
        env = getenv("STATE_DIRECTORY");
        if (!isempty(env)) {
                /* systemd passes a colon-separated list; ours is the first. */
                a->state_dir_env = strndup(env, strcspn(env, ":"));
                if (!a->state_dir_env)
                        return log_oom();
                a->daemon.state_dir = a->state_dir_env;
        }

        while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0)
                switch (c) {
                case ARG_CONFIG:
                        a->daemon.config_path = optarg;
                        break;
                case ARG_DROPIN_DIR:
                        a->daemon.dropin_dir = optarg;
                        break;
                case ARG_STATE_DIR:
                        a->daemon.state_dir = optarg;
                        break;
                case ARG_RUNTIME_DIR:
                        a->daemon.runtime_dir = optarg;
                        break;
                case ARG_REGION:
                        a->daemon.region = optarg;
                        break;
                case ARG_ENDPOINT:
                        a->daemon.endpoint = optarg;
                        break;
                case ARG_ONCE:
                        a->daemon.once = true;
                        break;
                case ARG_DRY_RUN:
                        a->daemon.dry_run = true;
                        break;
                case ARG_CHECK_CONFIG:
                        a->action = ACTION_CHECK_CONFIG;
                        break;
                case ARG_STATUS:
                        a->action = ACTION_STATUS;
                        break;
                case ARG_LOG_LEVEL:
                        level = log_level_from_string(optarg);
                        if (level < 0) {
                                log_error("Invalid --log-level '%s': use debug, info, notice, warning or err.", optarg);
                                return -EINVAL;
                        }
                        log_set_max_level(level);
                        break;
                case ARG_VERSION:
                        a->action = ACTION_VERSION;
                        break;
                case ARG_HELP:
                        a->action = ACTION_HELP;
                        break;
                case ARG_DUMP_KEYS:
                        a->action = ACTION_DUMP_KEYS;
                        break;
                default:
                        return -EINVAL;
                }
        if (optind < argc) {
                log_error("Unexpected argument '%s'; see --help.", argv[optind]);
                return -EINVAL;
        }
        return 0;
}

static const char *source_label(const SectionConfig *c, char *buf, size_t size) {
        if (c->kind == SOURCE_FILE)
                (void) snprintf(buf, size, "file:%s", c->file);
        else if (c->journal_directory)
                (void) snprintf(buf, size, "journal:%s", c->journal_directory);
        else if (c->journal_namespace)
                (void) snprintf(buf, size, "journal-namespace:%s", c->journal_namespace);
        else
                (void) snprintf(buf, size, "journal");
        return buf;
}

static int check_config(const Args *a) {
        _cleanup_(config_freep) Config *c = NULL;
        _cleanup_free_ char *error = NULL;
        char label[4096];
        int r;

        r = config_load(a->daemon.config_path, a->daemon.dropin_dir, &c, &error);
        if (r < 0) {
                fprintf(stderr, "%s\n", error ?: errno_text(-r));
                return EXIT_CONFIG;
        }
        STRV_FOREACH(n, c->notices)
                fprintf(stderr, "%s\n", *n);
        for (size_t i = 0; i < c->n_sections; i++) {
                const SectionConfig *s = c->sections[i];

                printf("%s\t%s\t%s\t%s\n", s->name, source_label(s, label, sizeof label), s->log_group_name,
                       s->log_stream_name);
        }
        return EXIT_OK;
}

static int dump_keys(void) {
        for (const ConfigKeyInfo *k = config_key_table(); k->name; k++)
                printf("%s %s %s\n", k->scope == CONFIG_SCOPE_GENERAL ? "general" : "section", k->name,
                       isempty(k->default_value) ? "-" : k->default_value);
        return EXIT_OK;
}

int main(int argc, char *argv[]) {
        Args a = {};
        int r;

        log_open();
        r = parse_args(argc, argv, &a);
        if (r < 0) {
                free(a.state_dir_env);
                return EXIT_CONFIG;
        }
        switch (a.action) {
        case ACTION_HELP:
                help();
                r = EXIT_OK;
                break;
        case ACTION_VERSION:
                printf("cwlogd %s\n", PACKAGE_VERSION);
                r = EXIT_OK;
                break;
        case ACTION_CHECK_CONFIG:
                r = check_config(&a);
                break;
        case ACTION_DUMP_KEYS:
                r = dump_keys();
                break;
        case ACTION_STATUS:
                r = status_show(a.daemon.runtime_dir);
                break;
        default:
                r = daemon_run(&a.daemon);
                break;
        }
        free(a.state_dir_env);
        return r;
}
