# zsh_complete.zsh WORD... - run completion/_mailctl for a command line whose
# last WORD is being completed, printing what it offers, one per line.  The
# completion system's builtins are replaced by stubs that print their
# candidates (compadd filters by the typed prefix itself in a real shell).
compadd() { if [[ $1 == -a ]]; then print -l -- ${(P)2}; else print -l -- "$@"; fi }
_describe() { print -l -- ${${(P)2}%%:*}; }
_files() { print -- "<files>"; }
_values() { shift 3; print -l -- "$@"; }   # -s , DESCRIPTION VALUES...
PREFIX=${@[-1]}
words=("$@")
CURRENT=$#
source "${0:h}/../../completion/_mailctl"
