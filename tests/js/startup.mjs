// Drives the official Mattermost JavaScript client (@mattermost/client: Client4 and
// WebSocketClient, the library under Mattermost's web, desktop and mobile apps) against a server,
// the way the web app starts: log in, mattermost-redux's loadMe sequence, then an incoming
// webhook, its post read back, and the websocket: `posted`, a connection cut by a proxy on the
// network side, the client's reconnect and resume, and the next posts.
//
// Prints one JSON object per line on stdout, one per step:
//   {"step": "...", "ok": true, "ms": 3, "summary": {...}}
//   {"step": "...", "ok": false, "ms": 3, "status": 404, "id": "api.x.y", "error": "..."}
// and exits 0 whatever the server answered; tests/test_mattermost_js_client.py judges the steps.
//
// Usage: node tests/js/startup.mjs --url http://127.0.0.1:8065 --ws-url ws://127.0.0.1:PROXY
//          --control PORT   (the cuttable proxy's control port: "cut" / "release" lines)
// Credentials from MM_LOGIN_ID and MM_PASSWORD. Without --ws-url/--control the websocket goes
// straight to the server and the cut/resume steps are left out.
import net from 'node:net';
import util from 'node:util';
import {performance} from 'node:perf_hooks';

import WS from 'ws';
import mattermostClient from '@mattermost/client';

const {Client4, WebSocketClient} = mattermostClient;

const WAIT_MS = 4000;

const {values: args} = util.parseArgs({
    options: {
        url: {type: 'string'},
        'ws-url': {type: 'string', default: ''},
        control: {type: 'string', default: ''},
        team: {type: 'string', default: 'main'},
        channel: {type: 'string', default: 'town-square'},
    },
});
if (!args.url) {
    process.stderr.write('usage: startup.mjs --url http://host:port [--ws-url ws://proxy --control port]\n');
    process.exit(2);
}
const loginId = process.env.MM_LOGIN_ID || 'admin';
const password = process.env.MM_PASSWORD || '';

// What a browser gives the client and node 20 lacks: a global WebSocket (the client reads
// WebSocket.OPEN) and CloseEvent (built on a sequence mismatch or a ping timeout).
globalThis.WebSocket = WS;
if (typeof globalThis.CloseEvent === 'undefined') {
    globalThis.CloseEvent = class CloseEvent extends Event {
        constructor(type, init = {}) {
            super(type);
            this.code = init.code ?? 0;
            this.reason = init.reason ?? '';
            this.wasClean = init.wasClean ?? false;
        }
    };
}

// The client reports through console.log ("websocket re-established connection", "missed
// websocket event, act_seq=…"): keep those lines for the steps instead of printing them.
const clientLogs = [];
const keep = (...parts) => {
    const line = parts.map((p) => (typeof p === 'string' ? p : util.inspect(p, {depth: 1, breakLength: Infinity}))).join(' ');
    if (clientLogs.length < 200) {
        clientLogs.push(line.slice(0, 300));
    }
};
console.log = keep;
console.warn = keep;
console.error = keep;
console.info = keep;

function emit(step, fields) {
    process.stdout.write(JSON.stringify({step, ...fields}) + '\n');
}

process.on('uncaughtException', (error) => emit('uncaught_exception', {ok: false, error: String(error?.stack || error)}));
process.on('unhandledRejection', (error) => emit('unhandled_rejection', {ok: false, error: String(error?.stack || error)}));

function errorFields(error) {
    const fields = {error: String(error?.message ?? error)};
    if (error?.status_code !== undefined) {
        fields.status = error.status_code;
    }
    if (error?.server_error_id !== undefined) {
        fields.id = error.server_error_id;
    }
    if (error?.url) {
        fields.url = error.url;
    }
    if (error?.cause) {
        fields.cause = String(error.cause?.message ?? error.cause);
    }
    return fields;
}

// Run one step: its value is summarised for the line (a summariser that throws makes the step
// fail: the answer was not what the web app reads).
// `context` adds what was seen so far to a failed step's line.
async function step(name, run, summarize = (v) => v, context = undefined) {
    const started = performance.now();
    const ms = () => Math.round(performance.now() - started);
    let value;
    try {
        value = await run();
    } catch (error) {
        emit(name, {ok: false, ms: ms(), ...errorFields(error), ...(context ? {seen: context()} : {})});
        return undefined;
    }
    try {
        emit(name, {ok: true, ms: ms(), summary: summarize(value)});
    } catch (error) {
        emit(name, {ok: false, ms: ms(), error: `unexpected answer: ${error.message}`, answer: String(JSON.stringify(value)).slice(0, 500)});
        return undefined;
    }
    return value;
}

// Client4 parses a body as JSON only when Content-Type is exactly application/json; anything
// else arrives as a string, which the web app then mistakes for data.
function json(value, kind) {
    if (kind === 'array' && !Array.isArray(value)) {
        throw new Error(`expected a JSON array, got ${typeof value}`);
    }
    if (kind === 'object' && (value === null || typeof value !== 'object' || Array.isArray(value))) {
        throw new Error(`expected a JSON object, got ${Array.isArray(value) ? 'array' : typeof value}`);
    }
    return value;
}

const splitRoles = (roles) => String(roles || '').split(' ').filter(Boolean);

const client = new Client4();
client.setUrl(args.url);
client.setIncludeCookies(false);

// --- log in and loadMe ---------------------------------------------------------------------
const me = await step('login', () => client.login(loginId, password), (user) => {
    json(user, 'object');
    return {user_id: user.id, username: user.username, roles: user.roles, token_set: Boolean(client.getToken())};
});
if (!me) {
    process.exit(0);
}

// mattermost-redux's loadMe asks for these together.
const [config, license, self, preferences, teams, teamMembers] = await Promise.all([
    step('getClientConfig', () => client.getClientConfig(), (c) => {
        json(c, 'object');
        return {keys: Object.keys(c).length, Version: c.Version, BuildNumber: c.BuildNumber, SiteName: c.SiteName, DiagnosticId: c.DiagnosticId};
    }),
    step('getClientLicenseOld', () => client.getClientLicenseOld(), (l) => json(l, 'object')),
    step('getMe', () => client.getMe(), (u) => {
        json(u, 'object');
        return {id: u.id, username: u.username, roles: u.roles, last_picture_update: u.last_picture_update};
    }),
    step('getMyPreferences', () => client.getMyPreferences(), (p) => ({count: json(p, 'array').length, categories: [...new Set(p.map((x) => x.category))]})),
    step('getMyTeams', () => client.getMyTeams(), (t) => json(t, 'array').map((x) => ({id: x.id, name: x.name, type: x.type}))),
    step('getMyTeamMembers', () => client.getMyTeamMembers(), (m) => json(m, 'array').map((x) => ({team_id: x.team_id, user_id: x.user_id, roles: x.roles}))),
]);
await step('getMyTeamUnreads', () => client.getMyTeamUnreads(false), (u) => json(u, 'array').map((x) => ({team_id: x.team_id, msg_count: x.msg_count, mention_count: x.mention_count})));

// The team and channel the rest works in: from the answers above, else looked up by name so
// that one missing endpoint does not hide the results of the others.
let team = teams?.find((t) => t.name === args.team) ?? teams?.[0];
if (!team) {
    team = await client.getTeamByName(args.team).catch(() => undefined);
}
if (!team) {
    emit('team', {ok: false, error: `no team ${args.team}`});
    process.exit(0);
}
const channels = await step('getMyChannels', () => client.getMyChannels(team.id), (c) => json(c, 'array').map((x) => ({id: x.id, name: x.name, type: x.type, team_id: x.team_id})));
const channelMembers = await step('getMyChannelMembers', () => client.getMyChannelMembers(team.id), (m) => json(m, 'array').map((x) => ({channel_id: x.channel_id, user_id: x.user_id, roles: x.roles, msg_count: x.msg_count, mention_count: x.mention_count})));
let channel = channels?.find((c) => c.name === args.channel);
if (!channel) {
    channel = await client.getChannelByName(team.id, args.channel).catch(() => undefined);
}
if (!channel) {
    emit('channel', {ok: false, error: `no channel ${args.channel}`});
    process.exit(0);
}

const roleNames = [...new Set([
    ...splitRoles((self ?? me).roles),
    ...(teamMembers ?? []).flatMap((m) => splitRoles(m.roles)),
    ...(channelMembers ?? []).flatMap((m) => splitRoles(m.roles)),
])].sort();
await step('getRolesByNames', () => client.getRolesByNames(roleNames), (roles) => ({
    requested: roleNames,
    returned: json(roles, 'array').map((r) => r.name).sort(),
    permissions: Object.fromEntries(roles.map((r) => [r.name, Array.isArray(r.permissions) ? r.permissions.length : null])),
}));
await step('getChannelStats', () => client.getChannelStats(channel.id), (s) => {
    json(s, 'object');
    return {channel_id: s.channel_id, member_count: s.member_count};
});
await step('getStatusesByIds', () => client.getStatusesByIds([me.id]), (s) => json(s, 'array').map((x) => ({user_id: x.user_id, status: x.status})));
await step('getProfilePictureUrl', async () => {
    const url = client.getProfilePictureUrl(me.id, (self ?? me).last_picture_update);
    const response = await fetch(url, {headers: {Authorization: `Bearer ${client.getToken()}`}});
    const body = Buffer.from(await response.arrayBuffer());
    if (!response.ok) {
        const error = new Error(`GET ${url} answered ${response.status}`);
        error.status_code = response.status;
        try {
            error.server_error_id = JSON.parse(body.toString()).id;
        } catch {
            // not a Mattermost error body
        }
        throw error;
    }
    return {status: response.status, content_type: response.headers.get('content-type'), bytes: body.length, png: body.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))};
});
// Client4 keeps the X-Version-Id of answers without Cache-Control (client4.js doFetchWithResponse).
await step('serverVersion', async () => client.getServerVersion(), (v) => ({value: v}));

// --- an incoming webhook, a post through it, read back ----------------------------------------
const hook = await step('createIncomingWebhook', () => client.createIncomingWebhook({
    channel_id: channel.id,
    display_name: 'JS client test',
    description: 'made by tests/js/startup.mjs',
}), (h) => {
    json(h, 'object');
    return {id: h.id, channel_id: h.channel_id, team_id: h.team_id};
});

async function postThroughHook(text) {
    const response = await fetch(`${args.url}/hooks/${hook.id}`, {
        method: 'POST',
        headers: {'Content-Type': 'application/json'},
        body: JSON.stringify({text}),
    });
    const body = await response.text();
    if (!response.ok) {
        const error = new Error(`POST /hooks/… answered ${response.status}: ${body.slice(0, 200)}`);
        error.status_code = response.status;
        throw error;
    }
    return {status: response.status, body: body.slice(0, 100)};
}

// --- the websocket ----------------------------------------------------------------------------
const events = []; // what the client handed to its message listeners (in order, seq checked)
const frames = []; // every frame each connection received, before the client's checks
const urls = []; // each connection's URL, as the client built it
let waiters = [];
const counts = {firstConnect: 0, reconnect: 0, missed: 0, close: 0, error: 0};
const notify = () => {
    waiters = waiters.filter((w) => !w());
};

function waitFor(what, predicate, ms = WAIT_MS) {
    return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
            waiters = waiters.filter((w) => w !== check);
            reject(new Error(`timed out after ${ms} ms waiting for ${what}`));
        }, ms);
        const check = () => {
            const value = predicate();
            if (value) {
                clearTimeout(timer);
                resolve(value);
                return true;
            }
            return false;
        };
        if (!check()) {
            waiters.push(check);
        }
    });
}

function control(command) {
    return new Promise((resolve, reject) => {
        const socket = net.connect(Number(args.control), '127.0.0.1');
        let answer = '';
        socket.setEncoding('utf8');
        socket.on('connect', () => socket.write(`${command}\n`));
        socket.on('data', (chunk) => {
            answer += chunk;
            if (answer.includes('\n')) {
                socket.end();
                resolve(answer.trim());
            }
        });
        socket.on('error', reject);
    });
}

const query = (url) => Object.fromEntries(new URL(url).searchParams);
const postedFor = (text) => events.filter((e) => e.event === 'posted' && parsePost(e)?.message === text);
function parsePost(event) {
    try {
        return JSON.parse(event.data.post);
    } catch {
        return undefined;
    }
}
const since = (mark) => clientLogs.slice(mark, mark + 12);

const wsBase = args['ws-url'] || args.url.replace(/^http/, 'ws');
const wsUrl = wsBase + new URL(client.getWebSocketUrl()).pathname;
const ws = new WebSocketClient({
    // The web app's retry is 3 s plus up to 2 s of jitter; shortened so the test stays fast.
    minWebSocketRetryTime: 100,
    reconnectJitterRange: 50,
    maxWebSocketFails: 1000,
    newWebSocketFn: (url) => {
        urls.push(url);
        const index = urls.length - 1;
        const conn = new WS(url);
        conn.addEventListener('message', (message) => {
            try {
                const m = JSON.parse(message.data);
                frames.push({conn: index, event: m.event, seq: m.seq, seq_reply: m.seq_reply, connection_id: m.data?.connection_id});
            } catch {
                frames.push({conn: index, raw: String(message.data).slice(0, 100)});
            }
            notify();
        });
        return conn;
    },
});
ws.addMessageListener((message) => {
    events.push(message);
    notify();
});
ws.addFirstConnectListener(() => {
    counts.firstConnect++;
    notify();
});
ws.addReconnectListener(() => {
    counts.reconnect++;
    notify();
});
ws.addMissedMessageListener(() => {
    counts.missed++;
    notify();
});
ws.addCloseListener(() => {
    counts.close++;
    notify();
});
ws.addErrorListener(() => {
    counts.error++;
});

let logMark = clientLogs.length;
const hello = await step('ws_hello', async () => {
    ws.initialize(wsUrl, client.getToken());
    return waitFor('hello', () => events.find((e) => e.event === 'hello'));
}, (h) => ({
    url_query: query(urls[0]),
    seq: h.seq,
    connection_id: h.data?.connection_id ?? null,
    server_version: h.data?.server_version ?? null,
    x_version_id: client.getServerVersion(),
    client_connection_id: ws.connectionId ?? null,
    client_logs: since(logMark),
}));

const stamp = Date.now().toString(36);
const texts = {live: `js client live ${stamp}`, gap: `js client during the cut ${stamp}`, after: `js client after the resume ${stamp}`};

if (hook) {
    await step('hook_post', () => postThroughHook(texts.live));
    await step('ws_posted', () => waitFor('posted for the hook post', () => postedFor(texts.live)[0]), (e) => {
        const post = parsePost(e);
        return {
            seq: e.seq,
            post_id: post.id,
            channel_id: post.channel_id,
            from_webhook: post.props?.from_webhook ?? null,
            set_online: e.data.set_online ?? null,
            channel_type: e.data.channel_type ?? null,
            team_id: e.data.team_id ?? null,
            broadcast_channel_id: e.broadcast?.channel_id ?? null,
        };
    });
    await step('getPosts', () => client.getPosts(channel.id, 0, 30), (list) => {
        json(list, 'object');
        const found = Object.values(list.posts ?? {}).find((p) => p.message === texts.live);
        return {
            order: (list.order ?? []).length,
            found: Boolean(found),
            first_is_hook_post: Boolean(found) && list.order?.[0] === found.id,
            from_webhook: found?.props?.from_webhook ?? null,
        };
    });
}

if (hook && hello && args.control) {
    const before = {events: events.length, serverSequence: ws.serverSequence, connectionId: ws.connectionId};
    logMark = clientLogs.length;
    await step('ws_cut', async () => {
        const answer = await control('cut');
        await waitFor('the client to see its connection close', () => counts.close >= 1);
        return answer;
    }, (answer) => ({proxy: answer, client_close_code: ws.lastErrCode ?? null, next_seq_expected: ws.serverSequence}));
    // Posted while the client is away (the proxy holds its reconnect until released): the
    // server must keep it for the connection and send it on resume.
    await step('hook_post_during_cut', () => postThroughHook(texts.gap));
    await step('ws_release', () => control('release'), (answer) => ({proxy: answer}));
    function resumeSummary(e) {
        const resumedFrames = frames.filter((f) => f.conn >= 1);
        return {
            reconnect_url_query: urls[1] ? query(urls[1]) : null,
            third_url_query: urls[2] ? query(urls[2]) : null,
            expected: {connection_id: before.connectionId ?? null, sequence_number: String(before.serverSequence)},
            connections: urls.length,
            reconnects: counts.reconnect,
            missed_message_listener_calls: counts.missed,
            client_connection_id: ws.connectionId ?? null,
            hellos_after_cut: resumedFrames.filter((f) => f.event === 'hello').map((f) => ({conn: f.conn, seq: f.seq, connection_id: f.connection_id ?? null})).slice(0, 3),
            first_event_after_cut: resumedFrames.find((f) => f.event) ?? null,
            gap_post_seq: e?.seq ?? null,
            client_logs: since(logMark),
        };
    }
    await step('ws_resume', async () => {
        await waitFor('the client to reconnect', () => counts.reconnect >= 1);
        return waitFor('posted for the post made during the cut', () => postedFor(texts.gap)[0]);
    }, (e) => resumeSummary(e), () => resumeSummary(undefined));
    logMark = clientLogs.length;
    await step('hook_post_after_resume', () => postThroughHook(texts.after));
    await step('ws_posted_after_resume', () => waitFor('posted for the post made after the resume', () => postedFor(texts.after)[0]), (e) => ({seq: e.seq, client_logs: since(logMark)}));
}

if (hello) {
    // The whole stream as the client's listeners saw it: one numbering from 0, no gap, each
    // post once, and nothing the client took for lost events.
    await step('ws_stream', async () => null, () => {
        const seqs = events.map((e) => e.seq);
        return {
            seqs,
            events: events.map((e) => e.event),
            contiguous: seqs.every((s, i) => s === i),
            posted_counts: Object.fromEntries(Object.entries(texts).map(([k, t]) => [k, postedFor(t).length])),
            connections: urls.length,
            reconnects: counts.reconnect,
            missed_message_listener_calls: counts.missed,
            closes: counts.close,
            missed_event_logs: clientLogs.filter((l) => /missed websocket event|long timeout|sequence number is not found/.test(l)).slice(0, 5),
            frames_per_connection: urls.slice(0, 3).map((_, i) => frames.filter((f) => f.conn === i).map((f) => (f.event ? `${f.event}:${f.seq}` : `reply:${f.seq_reply}`)).slice(0, 8)),
        };
    });
}

ws.close();
emit('done', {ok: true});
process.exit(0);
