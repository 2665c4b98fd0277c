#!/bin/sh
# test_i18n.sh - messages in the user's language: a zh_CN.UTF-8 locale is
# generated here (localedef into a temporary LOCPATH, nothing installed);
# help, errors, report headings and findings come out in Chinese, chosen by
# LANG / LC_MESSAGES / LANGUAGE; JSON, JUnit and finding ids do not change;
# every marked string has a translation in po/zh_CN.po.
. "$(dirname "$0")/lib.sh"

localedef -i zh_CN -f UTF-8 "$T_TMP/zh_CN.UTF-8" >/dev/null 2>&1 || true
export LOCPATH=$T_TMP MAILCTL_LOCALEDIR=$BUILD_DIR/locale
unset LC_ALL LANGUAGE LC_MESSAGES
printf '# mailctl dns tape 1\n' > "$T_TMP/empty.tape"   # every lookup fails, offline
audit() { "$MAILCTL" check-dns example.com --no-smtp --dns-replay "$T_TMP/empty.tape" "$@"; }

# has TEXT FILE: FILE holds TEXT.
has() { grep -qF -- "$1" "$2" || { echo "  no '$1' in:"; sed 's/^/    /' "$2" | head -n 12; return 1; }; }

check "locale generated" [ -f "$T_TMP/zh_CN.UTF-8/LC_CTYPE" ]

LANG=zh_CN.UTF-8 "$MAILCTL" --help > "$T_TMP/out"
check "mailctl --help in Chinese" has "对一个或多个域做送达能力审计" "$T_TMP/out"
LANG=zh_CN.UTF-8 "$MAILCTL" mx --help > "$T_TMP/out"
check "command --help in Chinese" has "按优先级列出 DOMAIN 的邮件交换主机" "$T_TMP/out"
check "its examples stay commands" has "  mailctl mx example.com" "$T_TMP/out"

LANG=zh_CN.UTF-8 "$MAILCTL" chek-dns 2> "$T_TMP/err"
check "usage error exits 2" [ $? -eq 2 ]
check "usage error in Chinese" has "mailctl: 未知命令 'chek-dns'；您是想用 check-dns 吗？" "$T_TMP/err"
LANG=zh_CN.UTF-8 "$MAILCTL" check-dns --jsn 2> "$T_TMP/err"
check "option hint in Chinese" has "mailctl: 未知选项 '--jsn'；您是想用 --json 吗？" "$T_TMP/err"
LANG=zh_CN.UTF-8 "$MAILCTL" --timeout x mx a.example 2> "$T_TMP/err"
check "runtime error formats in Chinese" has "--timeout 'x' 无效" "$T_TMP/err"

LANG=C.UTF-8 LC_MESSAGES=zh_CN.UTF-8 "$MAILCTL" chek-dns 2> "$T_TMP/err"
check "LC_MESSAGES chooses the language" has "未知命令" "$T_TMP/err"
LANG=zh_CN.UTF-8 LANGUAGE=en "$MAILCTL" chek-dns 2> "$T_TMP/err"
check "LANGUAGE overrides LANG" has "unknown command 'chek-dns'; did you mean check-dns?" "$T_TMP/err"
LANG=C "$MAILCTL" chek-dns 2> "$T_TMP/err"
check "C locale stays English" has "unknown command" "$T_TMP/err"

LANG=zh_CN.UTF-8 audit -v > "$T_TMP/text"
check "report headings in Chinese" has " MX 与地址" "$T_TMP/text"
check "finding summary in Chinese" has "MX 查询失败" "$T_TMP/text"
check "finding detail format in Chinese" has "34/34 个选择器查询失败" "$T_TMP/text"
check "finding ids unchanged" has "[ERR ] mx.present " "$T_TMP/text"
check "report summary in Chinese" has "无法判定：0 通过" "$T_TMP/text"
# Evidence lines continue under the label's display width (证据： is 6 columns).
check "labels aligned by display width" has "         证据：" "$T_TMP/text"

# Labels padded to the same display column as in English: 策略 is two
# characters but four columns, so eight spaces follow it, not six.
LANG=zh_CN.UTF-8 "$MAILCTL" dmarc check example.com --dns-replay "$T_TMP/empty.tape" > "$T_TMP/dmarc"
check "dmarc labels in Chinese, aligned by width" has "  策略        temperror" "$T_TMP/dmarc"
check "second label on the same column" has "  组织域      example.com" "$T_TMP/dmarc"

LANG=C audit --json | sed 's/"timing_ms": [0-9]*//' > "$T_TMP/c.json"
LANG=zh_CN.UTF-8 audit --json | sed 's/"timing_ms": [0-9]*//' > "$T_TMP/zh.json"
check "JSON unchanged" cmp -s "$T_TMP/c.json" "$T_TMP/zh.json"
check "JSON has the English summary" has '"summary": "MX lookup failed"' "$T_TMP/zh.json"
LANG=C audit --format junit | sed 's/time="[0-9.]*"//' > "$T_TMP/c.xml"
LANG=zh_CN.UTF-8 audit --format junit | sed 's/time="[0-9.]*"//' > "$T_TMP/zh.xml"
check "JUnit unchanged" cmp -s "$T_TMP/c.xml" "$T_TMP/zh.xml"
LANG=zh_CN.UTF-8 audit --format expect > "$T_TMP/zh.expect"
LANG=C audit --format expect > "$T_TMP/c.expect"
check "expect lines unchanged" cmp -s "$T_TMP/c.expect" "$T_TMP/zh.expect"

# Every string marked in the sources has a translation: extract them afresh
# and merge into the catalog; nothing may be left untranslated or fuzzy.
complete_catalog() {
    "$SRC_DIR/scripts/po.sh" "$T_TMP/mailctl.pot" || return 1
    msgmerge -q --no-fuzzy-matching -o "$T_TMP/merged.po" "$SRC_DIR/po/zh_CN.po" \
        "$T_TMP/mailctl.pot" || return 1
    msgfmt -c -o /dev/null "$T_TMP/merged.po" || return 1
    missing=$(msgattrib --untranslated --no-obsolete "$T_TMP/merged.po" | grep -c '^msgid ')
    [ "$missing" -le 1 ] && return 0     # the header is the one
    echo "  po/zh_CN.po lacks $((missing - 1)) translation(s) (make po-update, then translate):"
    msgattrib --untranslated --no-obsolete "$T_TMP/merged.po" | grep -A1 '^msgid ' | sed 's/^/    /' | head -n 40
    return 1
}
check "zh_CN catalog translates every marked string" complete_catalog
# ... and that check notices a missing one.
sed '/^msgid "MX lookup failed"$/{n;s/.*/msgstr ""/}' "$SRC_DIR/po/zh_CN.po" > "$T_TMP/holey.po"
msgmerge -q --no-fuzzy-matching -o "$T_TMP/merged2.po" "$T_TMP/holey.po" "$T_TMP/mailctl.pot"
check "an untranslated string is caught" \
    sh -c "msgattrib --untranslated '$T_TMP/merged2.po' | grep -q '^msgid \"MX lookup failed\"'"
finish
