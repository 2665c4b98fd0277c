/*
 * registry.c - the check families of the audit, in report order.  Adding a
 * family is adding its file and one line here.
 */
#include "audit.h"

const struct audit_check audit_checks[] = {
    {"mx", check_mx},
    {"ptr", check_ptr},
    {"spf", check_spf},
    {"dkim", check_dkim},
    {"dmarc", check_dmarc},
    {"mtasts", check_mtasts},
    {"tlsrpt", check_tlsrpt},
    {"bimi", check_bimi},
    {"smtp", check_smtp},
    {"dnssec", check_dnssec},
    {"dnsbl", check_dnsbl},
    {"ports", check_ports},
};

const size_t audit_ncheck = sizeof audit_checks / sizeof audit_checks[0];
