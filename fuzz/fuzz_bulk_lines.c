/*
 * fuzz_bulk_lines.c - lines of check-dns --output read back by --resume
 * (the hand-written RFC 4180 field reader and the JSON line check) on
 * arbitrary bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../cmd/bulk_parse.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *line = malloc(size + 1), name[300];
    int code;

    if (!line)
        return 0;
    memcpy(line, data, size);
    line[size] = '\0';
    code = bulk_parse_csv_line(line, name, sizeof name);
    if (code >= 0 && (code > EXIT_RUNTIME || strlen(name) >= sizeof name || !name[0]))
        __builtin_trap();
    code = bulk_parse_json_line(line, size, name, sizeof name);
    if (code >= 0 && (code > EXIT_RUNTIME || strlen(name) >= sizeof name || !name[0]))
        __builtin_trap();
    free(line);
    return 0;
}
