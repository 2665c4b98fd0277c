# bash completion for mailctl and dkimkeygen.
# Commands, options and fixed value sets come from the program itself
# (`mailctl --list-commands`, `mailctl --list-options COMMAND [SUB]`), so
# they are always those of the installed version.

# _mailctl_list WORDS...: the --list-options output for those words.
_mailctl_list()
{
    "$_mailctl_bin" --list-options "$@" 2>/dev/null
}

_mailctl()
{
    local cur prev words cword split
    _init_completion -s -n : || return
    local _mailctl_bin=${words[0]}
    [[ $_mailctl_bin == dkimkeygen || $_mailctl_bin == */dkimkeygen ]] &&
        _mailctl_bin=${_mailctl_bin%dkimkeygen}mailctl

    # The command words typed so far (mailctl dkim sign), skipping options
    # and the values of options that take one.
    local -a path=()
    [[ ${words[0]} == *dkimkeygen ]] && path=(dkim keygen)
    local i w takes_value=""
    for ((i = 1; i < cword; i++)); do
        w=${words[i]}
        if [[ -n $takes_value ]]; then
            takes_value=""
        elif [[ $w == -* ]]; then
            [[ $w != *=* ]] &&
                _mailctl_list "${path[@]}" | grep -qx -- "$w=.*" && takes_value=1
        elif ((${#path[@]} == 0)); then
            path=("$w")
        elif ((${#path[@]} == 1)) && _mailctl_list "${path[0]}" | grep -qx -- "$w"; then
            path+=("$w")    # a subcommand: its list has the bare word
        fi
    done

    local listing
    listing=$(_mailctl_list "${path[@]}")

    # The value of an option: a fixed set, else files.
    local opt=$prev
    if [[ $cword -gt 1 && $opt == --* ]] && grep -qx -- "$opt=.*" <<<"$listing"; then
        local values
        values=$(sed -n "s/^${opt}=//p" <<<"$listing" | tr '|' ' ')
        if [[ -z $values ]]; then
            _filedir
        elif [[ $opt == --checks ]]; then
            # a comma-separated list: complete its last element
            local done_part=""
            [[ $cur == *,* ]] && done_part=${cur%,*},
            COMPREPLY=($(compgen -P "$done_part" -W "$values" -- "${cur##*,}"))
            compopt -o nospace 2>/dev/null
        else
            COMPREPLY=($(compgen -W "$values" -- "$cur"))
        fi
        return
    fi

    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$(grep -- '^--' <<<"$listing" | sed 's/=.*//')" -- "$cur"))
        return
    fi
    if ((${#path[@]} == 0)); then
        COMPREPLY=($(compgen -W "$("$_mailctl_bin" --list-commands 2>/dev/null | cut -f1)" \
                     -- "$cur"))
        return
    fi
    local subs
    subs=$(grep -v '^-' <<<"$listing")
    if [[ -n $subs ]]; then
        COMPREPLY=($(compgen -W "$subs" -- "$cur"))
        return
    fi
    _filedir
} &&
    complete -F _mailctl mailctl dkimkeygen
