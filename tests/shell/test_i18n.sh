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

# The rest of the commands' text: each in Chinese, machine formats in English.
# col_end SELECT TEXT FILE: display columns of the first line holding SELECT,
# up to and including TEXT (wc -L counts display width: CJK is two).
col_end() {
    line=$(grep -F -m1 -- "$1" "$3") || return 1
    printf '%s\n' "${line%%"$2"*}$2" | LANG=zh_CN.UTF-8 wc -L
}
same_col() {   # A B: the same number, both found
    [ -n "$1" ] && [ "$1" = "$2" ] || { echo "  columns end at '$1' and '$2'"; return 1; }
}

LANG=zh_CN.UTF-8 "$MAILCTL" report import --db "$T_TMP/r.db" "$SRC_DIR"/testdata/reports/*.eml \
    "$SRC_DIR"/testdata/reports/*.xml "$SRC_DIR"/testdata/reports/*.gz > "$T_TMP/imp" 2>&1
check "report import counts in Chinese" has "已存储 7 份报告，0 份已存在" "$T_TMP/imp"
sqlite3 "$T_TMP/r.db" "INSERT OR REPLACE INTO ptr_cache VALUES
    ('198.51.100.20', 'a-very-long-reverse-name-of-a-sending-host.bulk-mail.provider.example',
     1, strftime('%s', 'now')), ('192.0.2.10', 'mx.good.example', 1, strftime('%s', 'now'))"
LANG=zh_CN.UTF-8 "$MAILCTL" report summary --db "$T_TMP/r.db" --no-dns > "$T_TMP/sum"
check "report summary readiness in Chinese" has "3 天内 3,625 封邮件中 80.1 % 已对齐；距离 p=quarantine 还剩 1 个来源" "$T_TMP/sum"
check "report summary why in Chinese" has "原因：SPF 对 bounces.sendprovider.example 通过，但它与 good.example 不对齐" "$T_TMP/sum"
check "report summary fix in Chinese" has "修复：在 sp1._domainkey.good.example 发布发信方的 DKIM 密钥" "$T_TMP/sum"
check "report summary counts in Chinese" has "TLS-RPT：2 份报告，3040 个会话成功，14 个失败" "$T_TMP/sum"
check "TLS failure meaning in Chinese" has "MX 的证书已过期" "$T_TMP/sum"
check "a long PTR name is cut to its column" has " a-very-long-reverse-name-of-a-sending-host.bulk-mail.prov...  " "$T_TMP/sum"
check "CJK heading and rows end on one column" same_col \
    "$(col_end 对齐率 对齐率 "$T_TMP/sum")" "$(col_end mx.good.example 100.0% "$T_TMP/sum")"
check "a row with a long name too" same_col \
    "$(col_end 对齐率 对齐率 "$T_TMP/sum")" "$(col_end prov... 0.0% "$T_TMP/sum")"
check "second column starts on one column" same_col \
    "$(col_end 对齐率 P "$T_TMP/sum")" "$(col_end mx.good.example m "$T_TMP/sum")"
LANG=C "$MAILCTL" report summary --db "$T_TMP/r.db" --no-dns > "$T_TMP/sum.c"
check "English table aligned with a long PTR name" same_col \
    "$(col_end status aligned "$T_TMP/sum.c")" "$(col_end prov... 0.0% "$T_TMP/sum.c")"
LANG=zh_CN.UTF-8 "$MAILCTL" report summary --db "$T_TMP/r.db" --no-dns --format csv > "$T_TMP/sum.csv"
check "report summary CSV stays English" has ',"SPF passed for bounces.sendprovider.example, which' "$T_TMP/sum.csv"

LANG=zh_CN.UTF-8 "$MAILCTL" check-dns --file "$SRC_DIR/testdata/replay/audit-domains.txt" \
    --no-smtp --dns-replay "$T_TMP/empty.tape" --json > "$T_TMP/fleet.jsonl" 2>/dev/null
LANG=zh_CN.UTF-8 "$MAILCTL" fleet "$T_TMP/fleet.jsonl" > "$T_TMP/fleet"
check "fleet text in Chinese" has "个域，来自 1 个文件 (" "$T_TMP/fleet"
check "fleet labels padded by display width" has "  无法判定           " "$T_TMP/fleet"
check "fleet verdict rows on one column" same_col \
    "$(col_end 无法判定 % "$T_TMP/fleet")" "$(col_end "  通过 " % "$T_TMP/fleet")"

LANG=zh_CN.UTF-8 "$MAILCTL" dkim record example.com --selector s1 \
    --dns-replay "$T_TMP/empty.tape" > "$T_TMP/dkim"
check "dkim record in Chinese" has "s1._domainkey.example.com TXT （无）" "$T_TMP/dkim"
check "dkim record finding in Chinese" has "dkim.not-found: 密钥查询失败" "$T_TMP/dkim"
LANG=zh_CN.UTF-8 "$MAILCTL" dmarc check example.com --dns-replay "$T_TMP/empty.tape" > "$T_TMP/walk"
check "dmarc walk notes in Chinese" has "临时 DNS 故障：遍历无法继续" "$T_TMP/walk"
LANG=zh_CN.UTF-8 "$MAILCTL" dmarc check example.com --dns-replay "$T_TMP/empty.tape" --json > "$T_TMP/walk.json"
check "dmarc walk notes in JSON stay English" has '"note": "temporary DNS failure: the walk cannot go on"' "$T_TMP/walk.json"
LANG=zh_CN.UTF-8 audit --profile gmail-bulk > "$T_TMP/profile"
check "profile requirements in Chinese" has "profile.spam-rate          垃圾邮件率低于 0.3%" "$T_TMP/profile"
check "profile reasons in Chinese" has "请用 --ip 指明发件地址来检查这一项" "$T_TMP/profile"

mkdir "$T_TMP/setup"
LANG=zh_CN.UTF-8 "$MAILCTL" setup example.com --mail-host mx.example.com --ip 192.0.2.25 \
    --algorithm ed25519 --out "$T_TMP/setup/k" > "$T_TMP/setup/zone" 2> "$T_TMP/setup/err"
check "setup headings in Chinese" has "; --- 检查清单：DNS 做不到的事 ---" "$T_TMP/setup/zone"
check "setup checklist in Chinese" has "; [ ] 确保出站 TCP 25 端口没有被封锁" "$T_TMP/setup/zone"
check "setup record notes in Chinese" has "; 该域的邮件发往邮件主机" "$T_TMP/setup/zone"
check "setup stderr in Chinese" has "私钥已写入" "$T_TMP/setup/err"
LANG=zh_CN.UTF-8 "$MAILCTL" setup example.com --mail-host mx.example.com --ip 192.0.2.25 \
    --algorithm ed25519 --out "$T_TMP/setup/j" --json > "$T_TMP/setup/json" 2>/dev/null
check "setup JSON stays English" has '"Make sure outbound TCP port 25 is not blocked' "$T_TMP/setup/json"

# A loopback port nothing listens on: ports and send-test report it closed.
closed=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
LANG=zh_CN.UTF-8 "$MAILCTL" ports 127.0.0.1 --timeout 5 \
    --port-map "25=$closed,465=$closed,587=$closed,993=$closed,995=$closed,110=$closed,143=$closed" \
    > "$T_TMP/ports"
check "ports table in Chinese, padded by width" has "     25 smtp         关闭    （位于 $closed）" "$T_TMP/ports"
LANG=zh_CN.UTF-8 "$MAILCTL" ports 127.0.0.1 --outbound --port-map "25=$closed" --timeout 5 > "$T_TMP/ob"
check "ports --outbound in Chinese" has "127.0.0.1（出站 25 端口）" "$T_TMP/ob"
check "ports finding summary in Chinese" has "ports.smtp-closed          25 端口关闭：其他服务器无法向这里投递邮件" "$T_TMP/ports"
check "ports finding fix in Chinese" has "在防火墙中开放 TCP 25 端口，并让 MTA 在该端口监听" "$T_TMP/ports"
LANG=zh_CN.UTF-8 "$MAILCTL" ports 127.0.0.1 --timeout 5 -v --port-map "25=$closed" > "$T_TMP/ports-v"
check "ports evidence in Chinese" has "证据：25 端口（smtp），在 $closed 探测：关闭，无法连接到 127.0.0.1 的 $closed 端口" \
    "$T_TMP/ports-v"
check "ports --outbound finding in Chinese" has "该主机拒绝了 25 端口的连接：从这里出站没有被封锁" "$T_TMP/ob"

# The linters' problems (checks/*_problems.c), answered from the recorded tape.
tape=$SRC_DIR/testdata/replay/audit.tape
LANG=zh_CN.UTF-8 "$MAILCTL" spf lint afterall.spf-tests.example --dns-replay "$tape" > "$T_TMP/spf"
check "spf lint summary format in Chinese" has "afterall.spf-tests.example：'ip4:192.0.2.1' 位于 '-all' 之后，永远不会被求值" "$T_TMP/spf"
check "spf lint detail in Chinese" has "机制按从左到右的顺序求值，而 'all' 总是匹配。" "$T_TMP/spf"
LANG=zh_CN.UTF-8 "$MAILCTL" spf lint afterall.spf-tests.example --dns-replay "$tape" --json > "$T_TMP/spf.json"
check "spf lint JSON stays English" has "'ip4:192.0.2.1' comes after '-all' and is never evaluated" "$T_TMP/spf.json"
LANG=zh_CN.UTF-8 "$MAILCTL" dmarc check inherits.policies.example --dns-replay "$tape" > "$T_TMP/inh"
check "dmarc check detail pieces in Chinese" has "适用 _dmarc.policies.example 上的组织域记录（sp=none）" "$T_TMP/inh"
LANG=zh_CN.UTF-8 "$MAILCTL" dkim record weak.keys.example --selector selector1 --dns-replay "$tape" > "$T_TMP/weak"
check "dkim record key finding in Chinese" has "selector1._domainkey.weak.keys.example：768 位 RSA；验证方必须拒绝它" "$T_TMP/weak"
LANG=zh_CN.UTF-8 "$MAILCTL" send-test --from a@example.com --to b@example.net \
    --server "127.0.0.1:$closed" --tls none --timeout 5 > "$T_TMP/st" 2> "$T_TMP/st.err"
check "send-test exits 3 when it cannot connect" [ $? -eq 3 ]
check "send-test text in Chinese" has "未投递（connect）" "$T_TMP/st"
check "send-test error line in Chinese" has "mailctl: send-test：" "$T_TMP/st.err"
check "libauth's errors in Chinese" has "无法连接到 127.0.0.1 的 $closed 端口" "$T_TMP/st.err"
LANG=zh_CN.UTF-8 "$MAILCTL" send-test --from a@example.com --to b@example.net \
    --server "127.0.0.1:$closed" --tls none --timeout 5 --json > "$T_TMP/st.json" 2>/dev/null
check "libauth's errors in JSON stay English" has "cannot connect to 127.0.0.1 port $closed" "$T_TMP/st.json"

# SPF: the reason, with the record's syntax error, for people in Chinese;
# the same reason in JSON and in the Authentication-Results header in English.
# ascii_only FILE: every octet printable ASCII, tab, CR or LF (a header field).
ascii_only() { ! LC_ALL=C grep -q "$(printf '[^ -~\t\r]')" "$1"; }
spf_syntax() { "$MAILCTL" spf check --ip 192.0.2.1 --mail-from a@syntax.spf-tests.example \
    --dns-replay "$tape" "$@"; }
LANG=zh_CN.UTF-8 spf_syntax > "$T_TMP/spfc"
check "SPF reason and parse error in Chinese" has \
    "syntax.spf-tests.example：语法错误：第 22 列，'ip4:192.0.2.300'：不是 IPv4 地址（应为 a.b.c.d）" "$T_TMP/spfc"
LANG=zh_CN.UTF-8 spf_syntax --json > "$T_TMP/spfc.json"
check "SPF reason in JSON stays English" has \
    "syntax error: column 22, 'ip4:192.0.2.300': not an IPv4 address (a.b.c.d)" "$T_TMP/spfc.json"
printf 'From: a@syntax.spf-tests.example\r\nTo: b@example.net\r\nSubject: t\r\n\r\nhi\r\n' \
    > "$T_TMP/syntax.eml"
LANG=zh_CN.UTF-8 "$MAILCTL" auth "$T_TMP/syntax.eml" --ip 192.0.2.1 --helo syntax.spf-tests.example \
    --mail-from a@syntax.spf-tests.example --dns-replay "$tape" > "$T_TMP/auth"
sed '/^$/q' "$T_TMP/auth" > "$T_TMP/auth.header"
check "auth: the header's SPF reason in English" has \
    "reason=\"syntax.spf-tests.example: syntax error: column 22, 'ip4:192.0.2.300': not" "$T_TMP/auth.header"
check "auth: the header's DMARC reason in English" has \
    'reason="no DMARC policy for syntax.spf-tests.example"' "$T_TMP/auth.header"
check "auth: the header is ASCII" ascii_only "$T_TMP/auth.header"
check "auth: the DMARC line in Chinese" has "syntax.spf-tests.example 没有 DMARC 策略；处置 none" "$T_TMP/auth"

# A DNS answer's why, for people in Chinese, in JSON in English.
LANG=zh_CN.UTF-8 "$MAILCTL" mx nonexist.example --dns-replay "$tape" > "$T_TMP/mx" 2> "$T_TMP/mx.err"
check "DNS why in Chinese" has "MX 查询失败：回放文件中没有 nonexist.example MX" "$T_TMP/mx"
check "DNS why in the error line too" has "mailctl: 回放文件中没有 nonexist.example MX" "$T_TMP/mx.err"
LANG=zh_CN.UTF-8 "$MAILCTL" mx nonexist.example --dns-replay "$tape" --json > "$T_TMP/mx.json" 2>/dev/null
check "DNS why in JSON stays English" has '"error": "nonexist.example MX is not in the replay file"' \
    "$T_TMP/mx.json"

# DKIM: the signature's reason for people in Chinese; in JSON and in the
# Authentication-Results header in English, with the DMARC query's why.
printf 'DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com; s=s1; h=subject;\r\n bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=AAAA\r\nFrom: a@example.com\r\nSubject: t\r\n\r\n' \
    > "$T_TMP/nofrom.eml"
LANG=zh_CN.UTF-8 "$MAILCTL" dkim verify "$T_TMP/nofrom.eml" --dns-replay "$tape" > "$T_TMP/dv"
check "DKIM reason in Chinese" has "permerror d=example.com s=s1 a=rsa-sha256 (h= 没有列出 From)" "$T_TMP/dv"
LANG=zh_CN.UTF-8 "$MAILCTL" dkim verify "$T_TMP/nofrom.eml" --dns-replay "$tape" --json > "$T_TMP/dv.json"
check "DKIM reason in JSON stays English" has '"reason": "h= does not list From"' "$T_TMP/dv.json"
LANG=zh_CN.UTF-8 "$MAILCTL" auth "$T_TMP/nofrom.eml" --ip 192.0.2.1 --mail-from a@example.com \
    --helo example.com --dns-replay "$tape" > "$T_TMP/auth2"
sed '/^$/q' "$T_TMP/auth2" > "$T_TMP/auth2.header"
check "auth: the DKIM reason in the header in English" has 'dkim=permerror reason="h= does not list From"' \
    "$T_TMP/auth2.header"
check "auth: the DMARC query's why in the header in English" has \
    'reason="DNS query for _dmarc.example.com failed: _dmarc.example.com TXT is not in the replay file"' \
    "$T_TMP/auth2.header"
check "auth: that header is ASCII" ascii_only "$T_TMP/auth2.header"
check "auth: the DMARC line with the why in Chinese" has "查询 _dmarc.example.com 失败：回放文件中没有 _dmarc.example.com TXT" \
    "$T_TMP/auth2"

# ARC: the chain's reason for people in Chinese, in JSON in English.
printf 'ARC-Seal: i=1; a=rsa-sha256; cv=none; d=example.com; s=s1; b=AAAA\r\nFrom: a@example.com\r\nSubject: t\r\n\r\nhi\r\n' \
    > "$T_TMP/arc.eml"
LANG=zh_CN.UTF-8 "$MAILCTL" arc verify "$T_TMP/arc.eml" --dns-replay "$tape" > "$T_TMP/arc"
check "ARC reason in Chinese" has "arc=fail (实例 i=1 没有 ARC-Authentication-Results)" "$T_TMP/arc"
LANG=zh_CN.UTF-8 "$MAILCTL" arc verify "$T_TMP/arc.eml" --dns-replay "$tape" --json > "$T_TMP/arc.json"
check "ARC reason in JSON stays English" has '"reason": "instance i=1 has no ARC-Authentication-Results"' \
    "$T_TMP/arc.json"

# SPF trace: a DNS answer's why (the tape's recorded REFUSED) in Chinese.
LANG=zh_CN.UTF-8 "$MAILCTL" spf check --ip 192.0.2.9 --mail-from a@temp.spf-tests.example \
    --dns-replay "$tape" > "$T_TMP/spft"
check "SPF trace: why a question has no data, in Chinese" has \
    "TXT? not-served.invalid refused：查询 not-served.invalid TXT 被拒绝（REFUSED），来自 replay" \
    "$T_TMP/spft"

# Reports: why a file is unreadable in Chinese on the terminal, in English
# in the database (which machines read).
printf '<?xml version="1.0"?><foo/>' > "$T_TMP/notdmarc.xml"
LANG=zh_CN.UTF-8 "$MAILCTL" report import --db "$T_TMP/bad.db" "$T_TMP/notdmarc.xml" \
    > /dev/null 2> "$T_TMP/imp.err"
check "report error in Chinese" has "不是 DMARC 汇总报告（根元素为 <foo>）" "$T_TMP/imp.err"
sqlite3 "$T_TMP/bad.db" "SELECT error FROM reports" > "$T_TMP/imp.db"
check "report error in the database stays English" has \
    "not a DMARC aggregate report (root element <foo>)" "$T_TMP/imp.db"

# DMARC: the record parser's problems and the tag standards.
LANG=zh_CN.UTF-8 "$MAILCTL" dmarc check syntax.policies.example --dns-replay "$tape" > "$T_TMP/dsyn"
check "DMARC record problem in Chinese" has "pct=150 不是 0 到 100 之间的整数；按 100 处理" "$T_TMP/dsyn"
check "DMARC tag standard in Chinese" has "仅 RFC 7489  无效" "$T_TMP/dsyn"

LANG=zh_CN.UTF-8 "$MAILCTL" arc verify --help > "$T_TMP/out"
check "arc verify --help in Chinese" has "验证邮件的 ARC 链" "$T_TMP/out"
LANG=zh_CN.UTF-8 "$MAILCTL" report summary --help > "$T_TMP/out"
check "report summary --help in Chinese" has "按域列出：邮件数、DMARC 通过比例" "$T_TMP/out"
LANG=zh_CN.UTF-8 "$BUILD_DIR/dkimkeygen" --bogus 2> "$T_TMP/err"
check "dkimkeygen errors in Chinese, naming dkimkeygen" has "dkimkeygen: 未知选项 '--bogus'" "$T_TMP/err"
check "dkimkeygen hint names its own help" has "请试试 'dkimkeygen --help'。" "$T_TMP/err"

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
