/* SPDX-License-Identifier: MIT */
/* Placeholder until the daemon lands. */
#include "shared/log.h"

int main(int argc, char *argv[]) {
        log_open();
        return 0;
}
