#!/usr/bin/env node
// compare-mailauth.js - `mailctl auth` beside mailauth (npm mailauth@4.13.3,
// an independent SPF/DKIM/DMARC implementation) on the DMARC test messages
// and zones, case by case.  Both get their DNS from the test NSD only:
// mailctl through --resolver, mailauth through a resolver function that asks
// the same server with Node's dns.Resolver (setServers), so nothing leaves
// 127.0.0.1.  Run by scripts/compare-mailauth.sh (`make compare`) under
// build/tools/with-nsd, which sets MAILCTL_RESOLVER.
//
//   node compare-mailauth.js MAILCTL PEERS_DIR DATADIR
//
// Prints one row per case and method: mailctl's result, mailauth's, and
// agree / DIFFER (with the id of the explanation in docs/comparison-mailauth.md).
// Exit 0 when every disagreement is one of the explained ones, 1 otherwise.
'use strict';

const { execFileSync } = require('node:child_process');
const dgram = require('node:dgram');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Resolver } = require('node:dns').promises;

const [mailctl, peersDir, dataDir] = process.argv.slice(2);
const server = process.env.MAILCTL_RESOLVER;
if (!mailctl || !peersDir || !dataDir || !server) {
    console.error('usage: MAILCTL_RESOLVER=IP:PORT compare-mailauth.js MAILCTL PEERS_DIR DATADIR');
    process.exit(2);
}
const { authenticate } = require(path.join(peersDir, 'node_modules', 'mailauth'));

// The envelope of the DMARC integration tests (tests/integration/test_dmarc_auth.c).
const SPF_OK = { ip: '192.0.2.5', mailFrom: 'bounce@org.dmarctest' };
const SPF_FAIL = { ip: '198.51.100.7', mailFrom: 'bounce@nodmarc.dmarctest' };
const HELO = 'mx.org.dmarctest';

// Messages made from plain.eml with another From domain, for the records of
// dmarctest.zone the integration tests check with `dmarc check`.
const DERIVED = {
    'mon.eml': 'mon.dmarctest', 'testing.eml': 'testing.dmarctest',
    'multi.eml': 'multi.dmarctest', 'split.eml': 'split.dmarctest',
    'dept.eml': 'x.dept.org.dmarctest', 'bad.eml': 'bad.dmarctest',
    'badrua.eml': 'badrua.dmarctest', 'nop.eml': 'nop.dmarctest',
};

// [label, message, envelope, known disagreements {method: doc id}]
const CASES = [
    ['DKIM aligned only (mailctl-signed)', 'signed-mailctl.eml', SPF_FAIL, {}],
    ['DKIM aligned only (dkimpy-signed)', 'signed-dkimpy.eml', SPF_FAIL, {}],
    ['SPF aligned only', 'plain.eml', SPF_OK, {}],
    ['SPF aligned, relaxed, From subdomain', 'sub.eml', SPF_OK, {}],
    ['neither aligned, p=reject', 'plain.eml', SPF_FAIL, {}],
    ['tampered body', 'signed-tampered.eml', SPF_FAIL, { dkim: 'D9' }],
    ['p=reject pct=0', 'pct0.eml', SPF_FAIL, { policy: 'D1' }],
    ['p=reject pct=50', 'pct50.eml', SPF_FAIL, { policy: 'D1' }],
    ['sp=quarantine, existing subdomain', 'sub.eml', SPF_FAIL, {}],
    ['np=reject, non-existent subdomain', 'nxsub.eml', SPF_FAIL, { policy: 'D2' }],
    ['public suffix domain policy (co.uk)', 'psd.eml', SPF_FAIL, { dmarc: 'D3', policy: 'D3' }],
    ['two From fields', 'two-from.eml', SPF_OK, { dmarc: 'D4' }],
    ['two addresses in From', 'two-addr.eml', SPF_OK, { dmarc: 'D4' }],
    ['p=none', 'mon.eml', SPF_FAIL, {}],
    ['t=y (DMARCbis testing)', 'testing.eml', SPF_FAIL, { policy: 'D5' }],
    ['two DMARC records', 'multi.eml', SPF_FAIL, { dmarc: 'D8' }],
    ['record in several strings', 'split.eml', SPF_FAIL, {}],
    ['psd=n below org domain', 'dept.eml', SPF_FAIL, { dmarc: 'D6', policy: 'D6' }],
    ['invalid p, no rua', 'bad.eml', SPF_FAIL, { dmarc: 'D8', policy: 'D8' }],
    ['invalid p with rua (acts as none)', 'badrua.eml', SPF_FAIL, { dmarc: 'D7', policy: 'D7' }],
    ['no p, rua only (DMARCbis)', 'nop.eml', SPF_FAIL, { dmarc: 'D7', policy: 'D7' }],
    ['DNS timeout on every query', 'plain.eml', { ...SPF_OK, dead: true }, {}],
];

function freePort() {
    return new Promise(resolve => {
        const s = dgram.createSocket('udp4');
        s.bind(0, '127.0.0.1', () => {
            const port = s.address().port;
            s.close(() => resolve(port));
        });
    });
}

// mailauth's resolver: the test NSD only, one try, a short timeout.
function nsdResolver(spec) {
    const r = new Resolver({ timeout: 1000, tries: 1 });
    r.setServers([spec]);
    return (name, rrtype) => r.resolve(name, rrtype);
}

function messagePath(tmp, msg) {
    if (!DERIVED[msg])
        return path.join(dataDir, 'messages', 'dmarc', msg);
    const p = path.join(tmp, msg);
    if (!fs.existsSync(p)) {
        const plain = fs.readFileSync(path.join(dataDir, 'messages', 'dmarc', 'plain.eml'), 'utf8');
        fs.writeFileSync(p, plain.replace('alice@org.dmarctest', 'alice@' + DERIVED[msg]));
    }
    return p;
}

function runMailctl(file, env, spec) {
    let out;
    try {
        out = execFileSync(mailctl, ['--resolver', spec, '--timeout', '1', 'auth', file,
            '--ip', env.ip, '--mail-from', env.mailFrom, '--helo', HELO,
            '--authserv-id', 'mx.test', '--json'], { encoding: 'utf8' });
    } catch (e) {
        out = e.stdout;                    // exit 1/3 still print the verdict
    }
    const d = JSON.parse(out);
    const sigs = d.dkim.signatures;
    return {
        spf: d.spf.result,
        dkim: sigs.length ? sigs.map(s => s.result).join(',') : 'none',
        dmarc: d.dmarc.result,
        policy: d.dmarc.result === 'fail' ? d.dmarc.disposition : '-',
    };
}

async function runMailauth(file, env, spec) {
    const res = await authenticate(fs.readFileSync(file), {
        ip: env.ip, helo: HELO, sender: env.mailFrom, mta: 'mx.test',
        resolver: nsdResolver(spec), disableArc: true, disableBimi: true,
    });
    const sigs = (res.dkim && res.dkim.results) || [];
    const dm = res.dmarc || {};
    const result = dm.status ? dm.status.result : 'none';
    // mailauth reports the policy the receiver should apply as policy= in its
    // Authentication-Results (the record's p or sp, pct not applied).
    let policy = '-';
    if (result === 'fail')
        policy = dm.policy || '-';
    return {
        spf: res.spf && res.spf.status ? res.spf.status.result : 'none',
        dkim: sigs.length && !(sigs.length === 1 && sigs[0].status.result === 'none')
            ? sigs.map(s => s.status.result).join(',') : 'none',
        dmarc: result,
        policy,
    };
}

async function main() {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mailauth-cmp-'));
    const deadPort = await freePort();
    const rows = [];
    let unexplained = 0, explained = 0;

    for (const [label, msg, env, known] of CASES) {
        const spec = env.dead ? `127.0.0.1:${deadPort}` : server;
        const file = messagePath(tmp, msg);
        const a = runMailctl(file, env, spec);
        let b;
        try {
            b = await runMailauth(file, env, spec);
        } catch (e) {
            b = { spf: 'error', dkim: 'error', dmarc: 'error', policy: 'error' };
            console.error(`${label}: mailauth threw ${e.message}`);
        }
        for (const m of ['spf', 'dkim', 'dmarc', 'policy']) {
            let verdict = 'agree';
            if (a[m] !== b[m]) {
                if (known[m]) {
                    verdict = `differ (${known[m]})`;
                    explained++;
                } else {
                    verdict = 'DIFFER (unexplained)';
                    unexplained++;
                }
            }
            rows.push([label, msg, m, a[m], b[m], verdict]);
        }
    }
    fs.rmSync(tmp, { recursive: true, force: true });
    const w = [38, 20, 7, 20, 20, 0];
    const line = r => r.map((c, i) => w[i] ? String(c).padEnd(w[i]) : c).join(' ');
    console.log(line(['case', 'message', 'method', 'mailctl', 'mailauth 4.13.3', 'verdict']));
    for (const r of rows)
        console.log(line(r));
    console.log(`\n${rows.length} comparisons: ${rows.length - explained - unexplained} agree, ` +
        `${explained} differ as explained in docs/comparison-mailauth.md, ${unexplained} unexplained`);
    process.exit(unexplained ? 1 : 0);
}

main().catch(e => {
    console.error(e);
    process.exit(3);
});
