/* SPDX-License-Identifier: MIT */
/*
 * Sections at run time: opening each one's source and shipper queue, and reload. On reload,
 * a section whose settings did not change keeps its source, queues and position untouched
 * (its SectionConfig object moves into the new Config); changed sections restart from their
 * saved state; new ones start per initial_position; removed ones stop.
 */

#include "daemon-private.h"
#include "shared/log.h"

static int section_open(Daemon *d, const SectionConfig *c, Section *ret) {
        Section s = { .config = c };
        EventSink sink;
        int r;

        r = shipper_add_section(d->shipper, c, &s.shipper_section);
        if (r < 0)
                return log_error_errno(r, "[%s] Failed to set up shipping: %m", c->name);
        sink = shipper_section_sink(s.shipper_section);

        if (c->kind == SOURCE_JOURNAL)
                r = journal_source_new(c, d->event, &sink, d->opts.state_dir, d->state_writer, &s.source);
        else
                r = file_source_new(c, d->event, &sink, d->opts.state_dir, d->state_writer, &s.source);
        if (r >= 0) {
                r = s.source->ops->start(s.source);
                if (r < 0)
                        s.source = log_source_free(s.source);
        }
        if (r < 0) {
                /* Other sections keep shipping; this one is reported in STATUS. */
                log_error_errno(r, "[%s] Failed to open the %s source, skipping this section: %m", c->name,
                                c->kind == SOURCE_JOURNAL ? "journal" : "file");
                d->failed_sections++;
        } else
                shipper_section_set_source(s.shipper_section, s.source);
        *ret = s;
        return 0;
}

static void section_close(Daemon *d, Section *s) {
        /* Source first: its tracker detaches, so dropping its queued records commits nothing.
         * (The shipper stops asking it whether it is saving.) */
        if (s->shipper_section)
                shipper_section_set_source(s->shipper_section, NULL);
        s->source = log_source_free(s->source);
        if (s->shipper_section)
                shipper_remove_section(d->shipper, s->shipper_section);
        s->shipper_section = NULL;
}

int daemon_open_sections(Daemon *d) {
        d->sections = calloc(MAX(d->config->n_sections, (size_t) 1), sizeof(Section));
        if (!d->sections)
                return log_oom();
        for (size_t i = 0; i < d->config->n_sections; i++) {
                int r = section_open(d, d->config->sections[i], &d->sections[d->n_sections]);
                if (r < 0)
                        return r;
                d->n_sections++;
        }
        if (d->n_sections == 0)
                log_notice("No log streams are configured; nothing to ship.");
        return 0;
}

void daemon_close_sections(Daemon *d) {
        for (size_t i = 0; i < d->n_sections; i++)
                section_close(d, &d->sections[i]);
        d->sections = mfree(d->sections);
        d->n_sections = 0;
}

bool daemon_sources_caught_up(Daemon *d) {
        for (size_t i = 0; i < d->n_sections; i++) {
                LogSource *s = d->sections[i].source;

                if (s && !s->ops->caught_up(s))
                        return false;
        }
        return true;
}

static bool general_equal(const GeneralConfig *a, const GeneralConfig *b) {
        return streq_ptr(a->region, b->region) && streq_ptr(a->endpoint, b->endpoint) &&
               streq_ptr(a->profile, b->profile) && streq_ptr(a->ca_bundle, b->ca_bundle) &&
               a->use_gzip == b->use_gzip && a->queue_size == b->queue_size &&
               a->max_event_size == b->max_event_size && streq_ptr(a->metrics_listen, b->metrics_listen);
}

/* Finds the running section of that name whose settings are unchanged. */
static Section *find_kept(Daemon *d, const SectionConfig *c) {
        for (size_t i = 0; i < d->n_sections; i++) {
                const SectionConfig *old = d->sections[i].config;

                /* Sections already taken over by the new configuration are emptied. */
                if (old && streq(old->name, c->name) && section_config_equal(old, c))
                        return &d->sections[i];
        }
        return NULL;
}

int daemon_reload(Daemon *d) {
        _cleanup_free_ char *error = NULL;
        _cleanup_(config_freep) Config *nc = NULL;
        Section *ns;
        size_t n = 0;
        unsigned kept = 0, started = 0, stopped = 0;
        int r;

        r = config_load(d->opts.config_path, d->opts.dropin_dir, &nc, &error);
        if (r < 0) {
                log_error("Reload failed, keeping the running configuration: %s", error ?: errno_text(-r));
                return r;
        }
        if (!general_equal(&nc->general, &d->config->general))
                log_warning("Changes to [general] take effect at the next restart; sections are reloaded now.");
        STRV_FOREACH(m, nc->notices)
                log_notice("%s", *m);

        ns = calloc(MAX(nc->n_sections, (size_t) 1), sizeof(Section));
        if (!ns)
                return log_oom();

        /* Keep unchanged sections: move their SectionConfig into the new Config. */
        for (size_t i = 0; i < nc->n_sections; i++) {
                Section *old = find_kept(d, nc->sections[i]);
                SectionConfig *mine;

                if (!old)
                        continue;
                for (size_t j = 0; j < d->config->n_sections; j++)
                        if (d->config->sections[j] == old->config) {
                                mine = d->config->sections[j];
                                d->config->sections[j] = nc->sections[i];
                                nc->sections[i] = mine;
                                break;
                        }
                ns[i] = *old;
                *old = (Section) {};
                kept++;
        }
        /* Stop what is gone or changed, before its replacement opens the same state file. */
        for (size_t i = 0; i < d->n_sections; i++)
                if (d->sections[i].config) {
                        section_close(d, &d->sections[i]);
                        stopped++;
                }
        d->failed_sections = 0;
        for (size_t i = 0; i < nc->n_sections; i++) {
                if (ns[i].config) {
                        if (!ns[i].source)
                                d->failed_sections++;
                        continue;
                }
                r = section_open(d, nc->sections[i], &ns[i]);
                if (r < 0)
                        log_error_errno(r, "[%s] Failed to start after reload: %m", nc->sections[i]->name);
                started++;
        }
        n = nc->n_sections;

        /* The general part keeps running as it was (see the warning above). */
        {
                GeneralConfig running = d->config->general;

                d->config->general = nc->general;
                nc->general = running;
        }
        free(d->sections);
        d->sections = ns;
        d->n_sections = n;
        config_free(d->config);
        d->config = TAKE_PTR(nc);
        log_info("Reloaded: %u sections kept, %u started, %u stopped.", kept, started, stopped);
        return 0;
}
