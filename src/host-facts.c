/* SPDX-License-Identifier: MIT */
/* Local host facts; see host-facts.h. Nothing here touches the network. */

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <systemd/sd-id128.h>

#include "host-facts.h"

static char *primary_ipv4(void) {
        struct ifaddrs *list = NULL;
        char buf[INET_ADDRSTRLEN] = "127.0.0.1";

        if (getifaddrs(&list) >= 0) {
                for (struct ifaddrs *i = list; i; i = i->ifa_next) {
                        if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET)
                                continue;
                        if (i->ifa_flags & IFF_LOOPBACK || !(i->ifa_flags & IFF_UP))
                                continue;
                        (void) inet_ntop(AF_INET, &((struct sockaddr_in *) i->ifa_addr)->sin_addr, buf, sizeof buf);
                        break;
                }
                freeifaddrs(list);
        }
        return strdup(buf);
}

static void refresh(HostFactsStorage *h) {
        h->facts = (HostFacts) {
                .instance_id = h->instance_id,
                .hostname = h->hostname,
                .ip_address = h->ip_address,
                .machine_id = h->machine_id,
                .boot_id = h->boot_id,
        };
}

int host_facts_gather(HostFactsStorage *ret) {
        HostFactsStorage h = {};
        char name[256] = "localhost", id[SD_ID128_STRING_MAX];
        sd_id128_t m;

        (void) gethostname(name, sizeof name - 1);
        h.hostname = strdup(name);
        h.instance_id = strdup(name);
        h.ip_address = primary_ipv4();
        h.machine_id = strdup(sd_id128_get_machine(&m) >= 0 ? sd_id128_to_string(m, id) : "unknown");
        h.boot_id = strdup(sd_id128_get_boot(&m) >= 0 ? sd_id128_to_string(m, id) : "unknown");
        if (!h.hostname || !h.instance_id || !h.ip_address || !h.machine_id || !h.boot_id) {
                host_facts_done(&h);
                return -ENOMEM;
        }
        refresh(&h);
        *ret = h;
        return 0;
}

int host_facts_set_ec2(HostFactsStorage *h, const char *instance_id, const char *ip_address) {
        char *i = strdup(instance_id), *a = ip_address ? strdup(ip_address) : NULL;

        if (!i || (ip_address && !a)) {
                free(i);
                free(a);
                return -ENOMEM;
        }
        free(h->instance_id);
        h->instance_id = i;
        if (a) {
                free(h->ip_address);
                h->ip_address = a;
        }
        refresh(h);
        return 0;
}

void host_facts_done(HostFactsStorage *h) {
        free(h->instance_id);
        free(h->hostname);
        free(h->ip_address);
        free(h->machine_id);
        free(h->boot_id);
        *h = (HostFactsStorage) {};
}
