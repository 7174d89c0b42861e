// A Telegram Bot API emulator for tests: telegram-test-api's TelegramServer,
// with its bot-facing side wrapped so that teloxide 0.17 can drive it. The
// package keeps the storage and the test-facing routes (`POST /sendMessage`,
// `/sendCallback`, `/getUpdates`, `/getUpdatesHistory`); this file answers
// the bot's `/bot<token>/<method>` calls itself, on that same storage, fixing
// what teloxide cannot read (see test-peers.md):
//   - getMe carries every field of teloxide's `Me`;
//   - messages carry `date` in seconds and a `from`;
//   - callback queries carry `chat_instance` and the full message they belong to;
//   - answerCallbackQuery / deleteMessage answer `true`, editMessage* the edited Message;
//   - unsupported methods answer `{"ok": false, ...}` with 400, never 500
//     (teloxide waits 10 s after any 5xx);
//   - getUpdates honours `offset` (confirming earlier updates), `limit` and
//     `timeout` (long polling, so a polling bot does not spin);
//   - getChat (which the package lacks) answers the chat as `chatOf` builds
//     it, with the fields of teloxide's `ChatFullInfo`, for a chat the bot
//     knows: someone wrote to it there, or it sent a message there. Any other
//     chat is "chat not found", as Telegram answers a bot nobody started.
// It also adds `POST /botMessages {"token", "chatId"}`: every message the bot
// has in that chat now (edits applied, deleted ones gone), as Telegram Messages.
//
// Usage: node telegram-emulator.mjs [PORT]   (or TELEGRAM_EMULATOR_PORT; 0 or
// nothing picks a free port). Prints `READY <port>` once listening. Exits when
// stdin closes or on SIGTERM/SIGINT, so a test that dies leaves nothing running.

import TelegramServer from 'telegram-test-api';
import './exit-with-stdin.mjs';

const requested = Number(process.argv[2] ?? process.env.TELEGRAM_EMULATOR_PORT ?? 0);
const UPDATE_EVENTS = ['AddedUserMessage', 'AddedUserCommand', 'AddedUserCallbackQuery'];
// The package's cleanup drops messages older than this, read or not.
const STORE_SECONDS = 3600;

const log = (line) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);

// The package's test-facing routes do not await their work; a bad request
// must show up in the log, not end the emulator.
process.on('unhandledRejection', (err) => log(`unhandled: ${err?.stack ?? err}`));

const server = new TelegramServer({ host: '127.0.0.1', port: requested || 1, storeTimeout: STORE_SECONDS });
// The package turns port 0 into its default 9000; ask for what was requested.
server.config.port = requested;
server.setMaxListeners(0);

class BotApiError extends Error {
  constructor(description, code = 400) {
    super(description);
    this.code = code;
  }
}

const seconds = (date) => {
  const n = Number(date ?? Date.now());
  return Math.floor(n > 1e11 ? n / 1000 : n);
};

function botUser(token) {
  const id = Number(String(token).split(':')[0]);
  return { id: Number.isSafeInteger(id) && id > 0 ? id : 666, is_bot: true, first_name: 'Test Bot', username: 'TestNameBot' };
}

function chatOf(id) {
  const chatId = Number(id);
  return chatId < 0 ? { id: chatId, type: 'group', title: 'Test group' } : { id: chatId, type: 'private', first_name: 'Tester' };
}

// Telegram's getChat answer (ChatFullInfo) for a chat the bot can reach.
function chatInfo(token, id) {
  const known = server.storage.userMessages.some((u) => u.botToken === token && String(u.message?.chat?.id ?? u.message?.chat_id) === String(id))
    || server.storage.botMessages.some((r) => r.botToken === token && String(r.message.chat_id) === String(id));
  if (!known) throw new BotApiError('Bad Request: chat not found');
  const noGifts = { unlimited_gifts: false, limited_gifts: false, unique_gifts: false, premium_subscription: false };
  return { ...chatOf(id), accent_color_id: 0, max_reaction_count: 11, accepted_gift_types: noGifts };
}

function userOf(from) {
  return { is_bot: false, first_name: 'Tester', ...from, id: Number(from?.id) };
}

function findBotMessage(token, chatId, messageId) {
  return server.storage.botMessages.find((r) => r.botToken === token
    && String(r.message.chat_id) === String(chatId) && String(r.messageId) === String(messageId));
}

// A stored bot message as the Message Telegram would return for it.
function botMessage(record) {
  const m = record.message;
  const out = { message_id: record.messageId, date: seconds(record.time), chat: chatOf(m.chat_id), from: botUser(record.botToken), text: m.text ?? '' };
  if (m.entities) out.entities = m.entities;
  if (m.reply_markup?.inline_keyboard) out.reply_markup = { inline_keyboard: m.reply_markup.inline_keyboard };
  if (record.editedAt) out.edit_date = seconds(record.editedAt);
  return out;
}

function editedRecord(token, params) {
  if (params.inline_message_id) return null;
  const record = findBotMessage(token, params.chat_id, params.message_id);
  if (!record) throw new BotApiError('Bad Request: message to edit not found');
  return record;
}

// Telegram removes the inline keyboard when an edit does not repeat it.
function setKeyboard(record, params) {
  const markup = typeof params.reply_markup === 'string' ? JSON.parse(params.reply_markup) : params.reply_markup;
  if (markup?.inline_keyboard) record.message.reply_markup = markup;
  else delete record.message.reply_markup;
  record.editedAt = Date.now();
}

function formatUpdate(update) {
  if (update.callbackQuery) {
    const cb = update.callbackQuery;
    const chatId = cb.message?.chat?.id ?? cb.message?.chat_id;
    const stored = findBotMessage(update.botToken, chatId, cb.message?.message_id);
    const message = stored ? botMessage(stored) : { ...cb.message, date: seconds(cb.message?.date), chat: chatOf(chatId) };
    return {
      update_id: update.updateId,
      callback_query: { id: String(update.callbackId), from: userOf(cb.from), message, chat_instance: String(chatId), data: cb.data },
    };
  }
  const { botToken, reply_to_message_id: replyTo, ...message } = update.message;
  const chatId = message.chat?.id ?? message.chat_id;
  const out = { ...message, message_id: update.messageId, date: seconds(message.date), chat: { ...chatOf(chatId), ...message.chat }, from: userOf(message.from) };
  delete out.chat_id;
  const replied = replyTo !== undefined && findBotMessage(botToken, chatId, replyTo);
  if (replied) out.reply_to_message = botMessage(replied);
  return { update_id: update.updateId, message: out };
}

// Updates below `offset` are confirmed and never handed out again (they stay
// stored, so the bot can still delete a user's message); a negative offset
// confirms all but the last -offset.
function pendingUpdates(token, offset) {
  const open = server.storage.userMessages.filter((u) => u.botToken === token && !u.confirmed);
  const keep = offset < 0 ? open.slice(offset) : open.filter((u) => u.updateId >= offset);
  open.filter((u) => !keep.includes(u)).forEach((u) => { u.confirmed = true; });
  return keep;
}

function nextUserUpdate(ms, res) {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      UPDATE_EVENTS.forEach((e) => server.off(e, done));
      res.off('close', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    UPDATE_EVENTS.forEach((e) => server.on(e, done));
    res.on('close', done);
  });
}

async function getUpdates(token, params, res) {
  const offset = Number(params.offset ?? 0);
  const limit = Math.min(Math.max(Number(params.limit ?? 100), 1), 100);
  const deadline = Date.now() + 1000 * Number(params.timeout ?? 0);
  let updates = pendingUpdates(token, offset);
  while (updates.length === 0 && Date.now() < deadline && !res.destroyed) {
    await nextUserUpdate(deadline - Date.now(), res);
    updates = pendingUpdates(token, offset);
  }
  updates.forEach((u) => { u.isRead = true; });
  return updates.slice(0, limit).map(formatUpdate);
}

const METHODS = {
  getMe: (token) => ({
    ...botUser(token),
    can_join_groups: true,
    can_read_all_group_messages: false,
    supports_inline_queries: false,
    can_connect_to_business: false,
    has_main_web_app: false,
  }),
  getUpdates,
  getChat: (token, params) => chatInfo(token, params.chat_id),
  getWebhookInfo: (token) => ({
    url: server.webhooks[token]?.url ?? '',
    has_custom_certificate: false,
    pending_update_count: server.storage.userMessages.filter((u) => u.botToken === token && !u.confirmed).length,
  }),
  setWebhook: (token, params) => {
    if (!params.url) throw new BotApiError('Bad Request: bad webhook: an HTTPS URL must be provided for webhook');
    server.setWebhook({ url: params.url }, token);
    return true;
  },
  deleteWebhook: (token) => {
    server.deleteWebhook(token);
    return true;
  },
  sendMessage: (token, params) => {
    if (params.chat_id === undefined) throw new BotApiError('Bad Request: chat not found');
    if (!params.text) throw new BotApiError('Bad Request: message text is empty');
    const sent = server.addBotMessage({ ...params }, token);
    return botMessage(findBotMessage(token, params.chat_id, sent.message_id));
  },
  editMessageText: (token, params) => {
    if (!params.text) throw new BotApiError('Bad Request: message text is empty');
    const record = editedRecord(token, params);
    if (!record) return true;
    record.message.text = params.text;
    if (params.entities) record.message.entities = params.entities;
    else delete record.message.entities;
    setKeyboard(record, params);
    return botMessage(record);
  },
  editMessageReplyMarkup: (token, params) => {
    const record = editedRecord(token, params);
    if (!record) return true;
    setKeyboard(record, params);
    return botMessage(record);
  },
  deleteMessage: (token, params) => {
    if (!server.deleteMessage(Number(params.chat_id), Number(params.message_id))) {
      throw new BotApiError('Bad Request: message to delete not found');
    }
    return true;
  },
  answerCallbackQuery: (token, params) => {
    if (!params.callback_query_id) throw new BotApiError('Bad Request: query is too old and response timeout expired or query ID is invalid');
    return true;
  },
};

// Telegram matches method names without regard to case (teloxide sends `GetMe`).
const BY_NAME = new Map(Object.entries(METHODS).map(([name, handler]) => [name.toLowerCase(), handler]));

async function readParams(req) {
  const url = new URL(req.url, 'http://emulator');
  const params = Object.fromEntries(url.searchParams);
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const body = Buffer.concat(chunks).toString('utf8');
  const type = req.headers['content-type'] ?? '';
  if (!body) return params;
  if (type.startsWith('application/json')) return { ...params, ...JSON.parse(body) };
  if (type.startsWith('application/x-www-form-urlencoded')) return { ...params, ...Object.fromEntries(new URLSearchParams(body)) };
  throw new BotApiError(`Bad Request: the emulator does not read ${type || 'untyped'} bodies`);
}

function reply(res, status, payload) {
  if (res.headersSent || res.destroyed) return;
  const body = JSON.stringify(payload);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

async function botApi(req, res, token, method) {
  try {
    const handler = BY_NAME.get(method.toLowerCase());
    if (!handler) throw new BotApiError(`Bad Request: method ${method} is not supported by the Telegram emulator`);
    const result = await handler(token, await readParams(req), res);
    log(`bot ${method} ok`);
    reply(res, 200, { ok: true, result });
  } catch (err) {
    const code = err instanceof BotApiError ? err.code : 400;
    const description = err instanceof BotApiError ? err.message : `Bad Request: ${err.message}`;
    log(`bot ${method} failed: ${description}`);
    reply(res, code, { ok: false, error_code: code, description });
  }
}

async function botMessages(req, res) {
  try {
    const { token, chatId } = await readParams(req);
    const result = server.storage.botMessages
      .filter((r) => r.botToken === token && String(r.message.chat_id) === String(chatId))
      .map(botMessage);
    reply(res, 200, { ok: true, result });
  } catch (err) {
    reply(res, 400, { ok: false, error_code: 400, description: err.message });
  }
}

await server.start();
const { port } = server.server.address();
server.config.apiURL = `http://127.0.0.1:${port}`;

// Take the bot's side away from the package's express app; keep its test-facing side.
const packageApp = server.webServer;
server.server.removeListener('request', packageApp);
server.server.on('request', (req, res) => {
  const path = req.url.split('?')[0];
  const bot = /^\/bot([^/]+)\/([A-Za-z]+)\/?$/.exec(path);
  if (bot) return botApi(req, res, decodeURIComponent(bot[1]), bot[2]);
  if (req.method === 'POST' && path === '/botMessages') return botMessages(req, res);
  return packageApp(req, res);
});

log(`telegram emulator listening on 127.0.0.1:${port}`);
process.stdout.write(`READY ${port}\n`);
