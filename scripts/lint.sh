#!/bin/sh
# Bans the string functions that have caused the classic mail-software bugs.
set -u
hits=$(grep -rnE '\b(sprintf|vsprintf|strcpy|strcat|atoi|atol|sscanf|strtok|gets)\s*\(' \
       --include='*.c' --include='*.h' libauth cmd checks dkimkeygen 2>/dev/null)
if [ -n "$hits" ]; then
    echo "lint: banned functions (use snprintf, memcpy with checked lengths, strtol):"
    echo "$hits"
    exit 1
fi
echo "lint: clean"
