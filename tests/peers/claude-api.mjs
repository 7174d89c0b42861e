// A scripted Anthropic Messages API, so that tests can drive the real Claude
// Code CLI offline: run `claude -p ...` with
// ANTHROPIC_BASE_URL=http://127.0.0.1:<port> and it gets the answers a JSON
// script sets out instead of a model's (tests/fixtures/claude-stream/NOTES.md
// has what the CLI sends and prints).
//
// Usage: node --import ./exit-with-stdin.mjs claude-api.mjs <script.json> [PORT]
// (PORT 0 or none picks a free port). Prints `READY <port>` once listening on
// 127.0.0.1; exits when its stdin closes. The script is read again on every
// request, so a test may rewrite it between runs.
//
// Script:
//   {
//     "request_log": "/tmp/x/requests.jsonl",  // one JSON line per request (optional)
//     "log_bodies": false,                     // true: each line also holds the request body
//     "rules": [
//       { "name": "resumed",                   // optional; logged as `rule` (else the index)
//         "match": "^Fix CI failures for PR #7",  // regex on the prompt, see below
//         "when_history_contains": "Go on",    // optional: a substring of any message
//         "turns": [ { "text": "Picked up where I left off." } ] },
//       { "match": "Work on GitHub issue #12",
//         "turns": [
//           { "bash": "git status", "description": "Show status" },  // tool_use of Bash
//           { "text": "Checking.", "bash": "make test" },            // text, then tool_use
//           { "text": "All done.", "delay_ms": 500,                  // end_turn, after 0.5 s
//             "usage": { "input_tokens": 1200, "output_tokens": 80 } },
//           { "hang": true },                  // accept, never answer
//           { "error": { "status": 400, "type": "invalid_request_error", "message": "bad" } }
//         ] }
//     ]
//   }
// The prompt is the conversation's FIRST user message without the
// <system-reminder> blocks the CLI puts before it: the positional prompt, or
// an expanded slash command. It stays the same on every turn and on resume.
// The first rule whose `match` and `when_history_contains` both hold answers.
// The turn it answers is the number of assistant messages since the latest
// prompt message (a user message without tool_result): 0, 1, ... in a fresh
// run, and from 0 again after the new prompt of a `--resume`. Past the last
// turn it answers the end_turn text "done". `delay_ms` and `usage` may go on
// any turn; usage defaults to 1000 input / 50 output tokens.
//
// Requests outside a scripted conversation get a minimal answer and are
// logged with `"rule": null`: a conversation no rule matches (end_turn text
// "No scripted rule matched this conversation."), side requests that offer no
// Bash tool (a title), the CLI's summary request when it compacts an
// overflowing conversation, and `POST /v1/messages/count_tokens`. Any other
// path answers 404 in the API's error shape; a bad script answers 400, so the
// CLI fails at once with the reason in its result.
//
// Each log line holds: time, method, path, rule, turn, model, stream,
// messages, assistant_messages, tools, history (role:block types of each
// message), prompt, latest_prompt, first_user (the first user message in
// full), last_tool_result (the last tool_result's text, or null) and answer.

import http from 'node:http';
import fs from 'node:fs';

const [scriptPath, portArg] = process.argv.slice(2);
if (!scriptPath) {
  process.stderr.write('usage: claude-api.mjs <script.json> [PORT]\n');
  process.exit(2);
}
const DEFAULT_USAGE = { input_tokens: 1000, output_tokens: 50 };
const NO_RULE = 'No scripted rule matched this conversation.';
const SUMMARY = '<analysis>Scripted.</analysis>\n<summary>Scripted summary of the conversation.</summary>';
const TITLE = 'Scripted session';
const TITLE_JSON = '{"title": "Scripted session"}';

let ids = 0;
const newId = (prefix) => `${prefix}_${process.pid}_${Date.now()}_${++ids}`;
const log = (line) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);

// --- Reading a request -------------------------------------------------

// Text of a message's content: its text blocks, tool_result contents, tool_use inputs.
function textOf(content) {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((block) => {
    if (block.type === 'text') return block.text;
    if (block.type === 'tool_result') return textOf(block.content);
    if (block.type === 'tool_use') return JSON.stringify(block.input);
    return '';
  }).join('\n');
}

const withoutReminders = (text) => text.replace(/<system-reminder>[\s\S]*?<\/system-reminder>/g, '').trim();
const hasToolResult = (m) => Array.isArray(m.content) && m.content.some((block) => block.type === 'tool_result');
const isPrompt = (m) => m.role === 'user' && !hasToolResult(m);
const firstUserText = (messages) => textOf(messages.find((m) => m.role === 'user')?.content);

function turnOf(messages) {
  const latest = messages.findLastIndex(isPrompt);
  return messages.slice(latest + 1).filter((m) => m.role === 'assistant').length;
}

function lastToolResult(messages) {
  const results = messages.flatMap((m) => (Array.isArray(m.content) ? m.content : []))
    .filter((block) => block.type === 'tool_result');
  return results.length ? textOf(results.at(-1).content) : null;
}

const historyOf = (messages) => messages.map((m) => `${m.role}:${
  typeof m.content === 'string' ? 'text' : (m.content ?? []).map((block) => block.type).join(',')}`);

// 'summary' for the CLI's compaction request, 'side' for one without the Bash
// tool (not the agent's conversation), null for the conversation itself.
function sideKind(body) {
  const latest = textOf((body.messages ?? []).findLast((m) => m.role === 'user')?.content);
  if (/^CRITICAL: Respond with TEXT ONLY|create a detailed summary of the conversation/m.test(latest)) return 'summary';
  return (body.tools ?? []).some((tool) => tool.name === 'Bash') ? null : 'side';
}

// --- Choosing the answer -----------------------------------------------

function pickRule(rules, messages) {
  const prompt = withoutReminders(firstUserText(messages));
  const history = messages.map((m) => textOf(m.content)).join('\n');
  const index = rules.findIndex((rule) => new RegExp(rule.match ?? '', 's').test(prompt)
    && (rule.when_history_contains === undefined || history.includes(rule.when_history_contains)));
  return index < 0 ? null : { name: rules[index].name ?? index, rule: rules[index] };
}

function checkTurn(answer) {
  if (!['text', 'bash', 'hang', 'error'].some((key) => key in answer)) {
    throw new Error(`a turn needs text, bash, hang or error: ${JSON.stringify(answer)}`);
  }
  return answer;
}

// { rule, turn, answer } for a POST /v1/messages body.
function answerFor(script, body) {
  const messages = body.messages ?? [];
  const turn = turnOf(messages);
  const side = sideKind(body);
  if (side === 'summary') return { rule: null, turn, answer: { text: SUMMARY } };
  if (side) return { rule: null, turn, answer: { text: /json/i.test(textOf(body.system)) ? TITLE_JSON : TITLE } };
  const picked = pickRule(script.rules ?? [], messages);
  if (!picked) return { rule: null, turn, answer: { text: NO_RULE } };
  return { rule: picked.name, turn, answer: checkTurn(picked.rule.turns?.[turn] ?? { text: 'done' }) };
}

// --- Answering ---------------------------------------------------------

function message(model, answer) {
  const usage = { ...DEFAULT_USAGE, ...answer.usage, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
  const tool = answer.bash !== undefined;
  const content = [];
  if (answer.text !== undefined || !tool) content.push({ type: 'text', text: answer.text ?? 'done' });
  if (tool) {
    const input = { command: answer.bash, description: answer.description ?? answer.bash };
    content.push({ type: 'tool_use', id: newId('toolu'), name: 'Bash', input });
  }
  const stop_reason = tool ? 'tool_use' : 'end_turn';
  return { id: newId('msg'), type: 'message', role: 'assistant', model, content, stop_reason, stop_sequence: null, usage };
}

const apiError = (type, text) => ({ type: 'error', error: { type, message: text } });

function sendJson(res, status, payload) {
  if (res.destroyed) return;
  const body = JSON.stringify(payload);
  res.writeHead(status, {
    'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'request-id': newId('req'),
  });
  res.end(body);
}

// A message as the server-sent events of a streamed answer.
function sendStream(res, msg) {
  if (res.destroyed) return;
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'request-id': newId('req') });
  const event = (type, data) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
  const { usage, content, stop_reason } = msg;
  event('message_start', { message: { ...msg, content: [], stop_reason: null, usage: { ...usage, output_tokens: 1 } } });
  content.forEach((block, index) => {
    const tool = block.type === 'tool_use';
    event('content_block_start', { index, content_block: tool ? { ...block, input: {} } : { type: 'text', text: '' } });
    const delta = tool
      ? { type: 'input_json_delta', partial_json: JSON.stringify(block.input) }
      : { type: 'text_delta', text: block.text };
    event('content_block_delta', { index, delta });
    event('content_block_stop', { index });
  });
  event('message_delta', { delta: { stop_reason, stop_sequence: null }, usage: { output_tokens: usage.output_tokens } });
  event('message_stop', {});
  res.end();
}

function send(res, body, answer) {
  if (answer.error) {
    const { status = 400, type = 'invalid_request_error', message: text = 'Scripted error' } = answer.error;
    return sendJson(res, status, apiError(type, text));
  }
  const msg = message(body.model ?? 'claude-scripted', answer);
  return body.stream ? sendStream(res, msg) : sendJson(res, 200, msg);
}

// --- Server ------------------------------------------------------------

function record(script, entry) {
  if (!script.request_log) return;
  fs.appendFileSync(script.request_log, `${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`);
}

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : {};
}

async function handle(req, res) {
  const path = req.url.split('?')[0];
  const body = req.method === 'POST' ? await readBody(req) : {};
  const script = JSON.parse(fs.readFileSync(scriptPath, 'utf8'));
  const base = { method: req.method, path, ...(script.log_bodies ? { body } : {}) };
  if (req.method === 'POST' && path === '/v1/messages/count_tokens') {
    const answer = { input_tokens: DEFAULT_USAGE.input_tokens };
    record(script, { ...base, rule: null, model: body.model, messages: body.messages?.length ?? 0, answer });
    return sendJson(res, 200, answer);
  }
  if (req.method !== 'POST' || path !== '/v1/messages') {
    record(script, { ...base, rule: null, answer: 404 });
    return sendJson(res, 404, apiError('not_found_error', `${req.method} ${path} is not scripted`));
  }
  const messages = body.messages ?? [];
  const { rule, turn, answer } = answerFor(script, body);
  const firstUser = firstUserText(messages);
  record(script, {
    ...base, rule, turn, model: body.model, stream: Boolean(body.stream), messages: messages.length,
    assistant_messages: messages.filter((m) => m.role === 'assistant').length, tools: body.tools?.length ?? 0,
    history: historyOf(messages), prompt: withoutReminders(firstUser),
    latest_prompt: withoutReminders(textOf(messages.findLast(isPrompt)?.content)),
    first_user: firstUser, last_tool_result: lastToolResult(messages), answer,
  });
  log(`${path} rule=${rule} turn=${turn} stream=${Boolean(body.stream)} -> ${JSON.stringify(answer)}`);
  if (answer.hang) return;
  if (answer.delay_ms) setTimeout(() => send(res, body, answer), answer.delay_ms);
  else send(res, body, answer);
}

const server = http.createServer((req, res) => {
  handle(req, res).catch((err) => {
    log(`failed: ${err.stack ?? err}`);
    if (!res.headersSent) sendJson(res, 400, apiError('invalid_request_error', `claude-api: ${err.message ?? err}`));
  });
});
// A hung or delayed answer waits for as long as the client does.
server.requestTimeout = 0;
server.headersTimeout = 0;
server.listen(Number(portArg ?? 0), '127.0.0.1', () => {
  const { port } = server.address();
  log(`claude-api listening on 127.0.0.1:${port}, script ${scriptPath}`);
  process.stdout.write(`READY ${port}\n`);
});
