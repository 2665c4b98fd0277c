/*
 * testjson.c - finding look-ups in mailctl's JSON output (see testjson.h).
 */
#include <string.h>

#include "testjson.h"

static const char *str(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

bool test_has_finding_in(json_t *doc, const char *key, const char *id, const char *sev,
                         const char *needle)
{
    size_t i;
    json_t *f;

    json_array_foreach(json_object_get(doc, key), i, f)
        if (!strcmp(str(f, "id"), id) && !strcmp(str(f, "severity"), sev) &&
            (!needle || strstr(str(f, "detail"), needle)))
            return true;
    return false;
}

bool test_has_finding(json_t *doc, const char *id, const char *sev, const char *needle)
{
    return test_has_finding_in(doc, "findings", id, sev, needle);
}

json_t *test_finding(json_t *doc, const char *id)
{
    size_t i;
    json_t *f;

    json_array_foreach(json_object_get(doc, "findings"), i, f)
        if (!strcmp(str(f, "id"), id))
            return f;
    return NULL;
}

const char *test_finding_severity(json_t *doc, const char *id)
{
    json_t *f = test_finding(doc, id);

    return f ? str(f, "severity") : NULL;
}
