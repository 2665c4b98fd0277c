/*
 * test_zones.c - every zone file in testdata/zones loads in NSD without an
 * error (a zone NSD refuses would silently turn its tests into SERVFAIL
 * tests), checked with NSD's own nsd-checkzone.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "testenv.h"

static void every_zone_loads(void **state)
{
    char dir[512], path[1024], name[256];
    DIR *d;
    struct dirent *de;
    int checked = 0;

    snprintf(dir, sizeof dir, "%s/zones", test_datadir());
    d = opendir(dir);
    assert_non_null(d);
    while ((de = readdir(d))) {
        size_t n = strlen(de->d_name);
        struct test_out out;
        if (n <= 5 || strcmp(de->d_name + n - 5, ".zone"))
            continue;
        snprintf(name, sizeof name, "%.*s", (int)(n - 5), de->d_name);
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        char *argv[] = { "/usr/sbin/nsd-checkzone", name, path, NULL };
        assert_int_equal(test_run(argv, NULL, NULL, 0, 30, &out), 0);
        if (out.status != 0)
            fail_msg("zone %s does not load: %s%s", name, out.out, out.err);
        test_out_free(&out);
        checked++;
    }
    closedir(d);
    assert_true(checked >= 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = { cmocka_unit_test(every_zone_loads) };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
