/* SPDX-License-Identifier: MIT */
/* Local host facts; see host-facts.h. Nothing here touches the network. */

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <systemd/sd-id128.h>

#include "host-facts.h"

/* The address the kernel would use as the source for outbound traffic. A UDP connect()
 * sends nothing; it only asks the routing table. This avoids getifaddrs(), which needs
 * netlink sockets that the hardened unit does not allow (RestrictAddressFamilies=). */
static char *primary_ipv4(void) {
        struct sockaddr_in dst = { .sin_family = AF_INET, .sin_port = htons(9) }, src = {};
        socklen_t len = sizeof src;
        char buf[INET_ADDRSTRLEN] = "127.0.0.1";
        _cleanup_close_ int fd = -1;

        (void) inet_pton(AF_INET, "192.0.2.1", &dst.sin_addr); /* TEST-NET-1: never routed anywhere real */
        fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd >= 0 && connect(fd, (struct sockaddr *) &dst, sizeof dst) >= 0 &&
            getsockname(fd, (struct sockaddr *) &src, &len) >= 0)
                (void) inet_ntop(AF_INET, &src.sin_addr, buf, sizeof buf);
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
