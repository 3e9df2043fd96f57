/* SPDX-License-Identifier: MIT */
/*
 * Creating a missing log stream, and its group when that is missing too (SPEC §5):
 *   CreateLogStream -> (group missing) CreateLogGroup -> [PutRetentionPolicy] -> CreateLogStream
 * "Already exists" counts as success at every step. A round that keeps failing backs off
 * like any other failure. Only groups that cwlogd itself created get a retention policy.
 */

#include "cw-limits.h"
#include "shared/log.h"
#include "shipper-private.h"

typedef enum CreateStep {
        STEP_STREAM,
        STEP_GROUP,
        STEP_RETENTION,
} CreateStep;

static void create_step(Stream *st, CreateStep step);

static void create_finished(Stream *st, bool ok, const char *why) {
        st->state = STREAM_READY;
        st->create_step = 0;
        if (ok) {
                log_info("[%s] Created log stream '%s' in group '%s'.", st->section->config->name, st->name,
                         st->section->config->log_group_name);
                st->blocked_until_usec = 0;
        } else
                stream_back_off(st, "creating the log stream", why);
        stream_pump(st);
}

static void on_create_done(int error, const CwResult *res, void *userdata) {
        Stream *st = userdata;
        CreateStep step = (CreateStep) (st->create_step & 0xff);
        unsigned rounds = st->create_step >> 8;
        char why[256];

        st->create_call = NULL;
        if (error < 0) {
                create_finished(st, false, errno_text(-error));
                return;
        }
        (void) snprintf(why, sizeof why, "%s: %s", res->error_type ?: cw_outcome_to_string(res->outcome),
                        strna(res->error_message));
        if (res->outcome == CW_CREDENTIALS)
                cw_client_invalidate_credentials(st->section->shipper->cw);

        switch (step) {
        case STEP_STREAM:
                if (res->outcome == CW_OK || res->outcome == CW_ALREADY_EXISTS)
                        create_finished(st, true, NULL);
                else if (res->outcome == CW_NOT_FOUND && rounds < CREATE_MAX_ROUNDS) {
                        st->create_step = ((rounds + 1) << 8) | STEP_GROUP;
                        create_step(st, STEP_GROUP);
                } else
                        create_finished(st, false, why);
                break;
        case STEP_GROUP:
                if (res->outcome == CW_OK) {
                        log_info("[%s] Created log group '%s'.", st->section->config->name,
                                 st->section->config->log_group_name);
                        st->created_group = true;
                        if (st->section->config->retention_in_days > 0) {
                                create_step(st, STEP_RETENTION);
                                break;
                        }
                } else if (res->outcome != CW_ALREADY_EXISTS) {
                        create_finished(st, false, why);
                        break;
                }
                create_step(st, STEP_STREAM);
                break;
        case STEP_RETENTION:
                if (res->outcome != CW_OK)
                        log_warning("[%s] Failed to set retention of log group '%s', ignoring: %s",
                                    st->section->config->name, st->section->config->log_group_name, why);
                create_step(st, STEP_STREAM);
                break;
        }
}

static void create_step(Stream *st, CreateStep step) {
        const SectionConfig *c = st->section->config;
        StrBuf body = STRBUF_INIT(0);
        const char *op;
        int r;

        st->create_step = (st->create_step & ~0xffU) | step;
        switch (step) {
        case STEP_STREAM:
                op = "CreateLogStream";
                r = cw_build_create_log_stream(&body, c->log_group_name, st->name);
                break;
        case STEP_GROUP:
                op = "CreateLogGroup";
                r = cw_build_create_log_group(&body, c->log_group_name);
                break;
        default:
                op = "PutRetentionPolicy";
                r = cw_build_put_retention_policy(&body, c->log_group_name, c->retention_in_days);
                break;
        }
        if (r >= 0)
                r = cw_client_call(st->section->shipper->cw, op, &body, on_create_done, st, &st->create_call);
        strbuf_done(&body);
        if (r < 0)
                create_finished(st, false, errno_text(-r));
}

void stream_create(Stream *st) {
        if (st->state == STREAM_CREATING)
                return;
        st->state = STREAM_CREATING;
        st->create_step = 0;
        create_step(st, STEP_STREAM);
}
