/* SPDX-License-Identifier: MIT */
/*
 * The SIGBUS handler; see sigbus.h.
 *
 * Lock-free by construction: the handler only increments an atomic counter and stores the
 * address into a small ring indexed by that counter. Readers on the main thread load the
 * counter and the ring; a torn read of the ring can only show an older address, which is
 * acceptable for a diagnostic.
 */

#include <signal.h>
#include <stdatomic.h>
#include <sys/mman.h>

#include "cw-limits.h"
#include "sigbus.h"

static _Atomic uint64_t fault_count;
static void *_Atomic fault_ring[SIGBUS_RECENT_MAX];
static atomic_bool installed;

static void sigbus_handler(int sig, siginfo_t *si, void *ucontext) {
        long page_size = sysconf(_SC_PAGESIZE);
        uintptr_t page;
        uint64_t n;
        void *p;

        if (si->si_code == SI_USER || si->si_code == SI_QUEUE || !si->si_addr || page_size <= 0) {
                /* Sent by someone, or nothing to repair: behave as if we were not here. */
                (void) signal(SIGBUS, SIG_DFL);
                (void) raise(SIGBUS);
                return;
        }

        page = (uintptr_t) si->si_addr & ~((uintptr_t) page_size - 1);
        p = mmap((void *) page, (size_t) page_size, PROT_READ | PROT_WRITE,
                 MAP_FIXED | MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
        if (p == MAP_FAILED) {
                /* Returning would fault again forever; let the default action end it. */
                (void) signal(SIGBUS, SIG_DFL);
                return;
        }

        n = atomic_fetch_add(&fault_count, 1);
        atomic_store(&fault_ring[n % SIGBUS_RECENT_MAX], si->si_addr);
}

int sigbus_install(void) {
        struct sigaction sa = {
                .sa_sigaction = sigbus_handler,
                .sa_flags = SA_SIGINFO,
        };

        if (atomic_exchange(&installed, true))
                return 0;
        (void) sigemptyset(&sa.sa_mask);
        if (sigaction(SIGBUS, &sa, NULL) < 0) {
                atomic_store(&installed, false);
                return -errno;
        }
        return 0;
}

uint64_t sigbus_count(void) {
        return atomic_load(&fault_count);
}

size_t sigbus_recent(void **addrs, size_t n) {
        uint64_t total = atomic_load(&fault_count);
        size_t k = (size_t) MIN((uint64_t) MIN(n, (size_t) SIGBUS_RECENT_MAX), total);

        for (size_t i = 0; i < k; i++)
                addrs[i] = atomic_load(&fault_ring[(total - 1 - i) % SIGBUS_RECENT_MAX]);
        return k;
}
