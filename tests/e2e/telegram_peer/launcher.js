// A Bot API peer for the end-to-end tests: the telegram-test-api server, with the corrections
// python-telegram-bot needs and the few methods Entraide uses that it lacks.
//
//   node launcher.js PORT
//
// Bot side (what python-telegram-bot calls, under /bot<token>/): getMe (with is_bot),
// getUpdates (long polling; dates in seconds; callback queries with chat_instance and a full
// message), sendMessage / editMessageText (dates in seconds, the chat's real type), sendDocument
// (multipart), answerCallbackQuery, setMyCommands, getChatMember, deleteWebhook.
// Telegram's refusals are imitated: a user who never opened the private chat, or who blocked
// the bot, gets 403.
//
// Test side (what the Python tests call, JSON): POST /sendMessage and /sendCallback (from the
// library), POST /transcript {token, chatId} (every bot message of a chat, edits included),
// POST /admins {chatId, userIds}, POST /block {userId}, GET /commands.
'use strict';

const http = require('http');
const express = require('express');
const TelegramServer = require('telegram-test-api');

const port = Number(process.argv[2] || 9000);
const server = new TelegramServer({ port, host: '127.0.0.1', storeTimeout: 3600 });
const app = express();

const chatTypes = new Map(); // chat id -> 'private' | 'group' | 'supergroup'
const opened = new Set(); // user ids who wrote to the bot in private
const blocked = new Set(); // user ids who blocked the bot
const admins = new Map(); // chat id -> Set of user ids
const documents = []; // {chatId, messageId, fileName, mimeType, content (base64)}
let commands = [];

const ok = (res, result) => res.json({ ok: true, result });
const refuse = (res, code, description) =>
  res.status(code).json({ ok: false, error_code: code, description });
const seconds = (ms) => Math.floor(ms / 1000);

// Both JSON and form bodies (python-telegram-bot posts JSON, files as multipart).
app.use(express.json({ limit: '20mb' }));
app.use(express.urlencoded({ extended: true, limit: '20mb' }));

function botMessage(stored) {
  const chatId = Number(stored.message.chat_id);
  const type = chatTypes.get(String(chatId)) || (chatId < 0 ? 'group' : 'private');
  const message = { ...stored.message };
  delete message.chat_id;
  delete message.parse_mode;
  if (message.reply_markup && !('inline_keyboard' in message.reply_markup)) {
    delete message.reply_markup;
  }
  return {
    ...message,
    message_id: stored.messageId,
    date: seconds(stored.time),
    chat: type === 'private' ? { id: chatId, type, first_name: 'User' } : { id: chatId, type, title: 'Group' },
    from: { id: 666, is_bot: true, first_name: 'Entraide', username: 'EntraideTestBot' },
  };
}

function mayWrite(res, chatId) {
  const id = Number(chatId);
  if (id > 0 && blocked.has(String(id))) {
    refuse(res, 403, 'Forbidden: bot was blocked by the user');
    return false;
  }
  if (id > 0 && !opened.has(String(id))) {
    refuse(res, 403, "Forbidden: bot can't initiate conversation with a user");
    return false;
  }
  return true;
}

function store(token, message) {
  const before = server.messageId;
  server.addBotMessage(message, token);
  return server.storage.botMessages.find((m) => m.messageId === before);
}

// -- bot side ---------------------------------------------------------------------------

app.all('/bot:token/getMe', (req, res) =>
  ok(res, {
    id: 666, is_bot: true, first_name: 'Entraide', username: 'EntraideTestBot',
    can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: false,
  }));

app.all('/bot:token/:method(setMyCommands|deleteMyCommands)', (req, res) => {
  if (req.params.method === 'setMyCommands') {
    const list = typeof req.body.commands === 'string' ? JSON.parse(req.body.commands) : req.body.commands;
    const scope = typeof req.body.scope === 'string' ? JSON.parse(req.body.scope) : req.body.scope;
    commands = commands.filter((c) => !(c.scope === (scope && scope.type) && c.language === req.body.language_code));
    commands.push({ scope: scope && scope.type, language: req.body.language_code, commands: list });
  }
  ok(res, true);
});

// Webhooks: updates are posted to the bot with its secret token, as Telegram does.
const hooks = new Map(); // token -> {url, secret}
app.all('/bot:token/setWebhook', (req, res) => {
  hooks.set(req.params.token, { url: req.body.url, secret: req.body.secret_token });
  ok(res, true);
});
app.all('/bot:token/deleteWebhook', (req, res) => { hooks.delete(req.params.token); ok(res, true); });
app.all('/bot:token/getWebhookInfo', (req, res) => {
  const hook = hooks.get(req.params.token);
  ok(res, { url: hook ? hook.url : '', has_custom_certificate: false, pending_update_count: 0 });
});
const queueUpdate = server.addUserUpdate.bind(server);
server.addUserUpdate = async (update) => {
  const hook = hooks.get(update.botToken);
  if (!hook) return queueUpdate(update);
  const body = JSON.stringify(fixUpdate(TelegramServer.formatUpdate(update)));
  const response = await fetch(hook.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'X-Telegram-Bot-Api-Secret-Token': hook.secret || '' },
    body,
  });
  server.updateId++;
  if (!response.ok) throw new Error(`webhook answered ${response.status}`);
};
app.all('/bot:token/answerCallbackQuery', (req, res) => ok(res, true));

app.all('/bot:token/getChatMember', (req, res) => {
  const chat = String(req.body.chat_id);
  const user = String(req.body.user_id);
  const isAdmin = (admins.get(chat) || new Set()).has(user);
  ok(res, {
    status: isAdmin ? 'administrator' : 'member',
    user: { id: Number(user), is_bot: false, first_name: 'User' },
    ...(isAdmin ? {
      can_be_edited: false, is_anonymous: false, can_manage_chat: true, can_delete_messages: true,
      can_manage_video_chats: true, can_restrict_members: true, can_promote_members: false,
      can_change_info: true, can_invite_users: true, can_post_stories: false,
      can_edit_stories: false, can_delete_stories: false,
    } : {}),
  });
});

app.all('/bot:token/sendMessage', (req, res) => {
  if (!mayWrite(res, req.body.chat_id)) return;
  const stored = store(req.params.token, { ...req.body });
  ok(res, botMessage(stored));
});

app.all('/bot:token/editMessageText', (req, res) => {
  server.editMessageText({ ...req.body });
  const stored = server.storage.botMessages.find(
    (m) => String(m.messageId) === String(req.body.message_id)
      && String(m.message.chat_id) === String(req.body.chat_id),
  );
  if (!stored) return refuse(res, 400, 'Bad Request: message to edit not found');
  stored.edits = (stored.edits || 0) + 1;
  return ok(res, botMessage(stored));
});

app.post('/bot:token/sendDocument', express.raw({ type: 'multipart/form-data', limit: '20mb' }), (req, res) => {
  const fields = parseMultipart(req);
  if (!mayWrite(res, fields.chat_id)) return;
  const file = fields.document;
  const stored = store(req.params.token, {
    chat_id: fields.chat_id,
    caption: fields.caption,
    document: { file_id: `doc${documents.length + 1}`, file_unique_id: `u${documents.length + 1}`, file_name: file.filename, mime_type: file.type },
  });
  documents.push({ chatId: String(fields.chat_id), messageId: stored.messageId, fileName: file.filename, mimeType: file.type, content: file.data.toString('base64') });
  ok(res, botMessage(stored));
});

function parseMultipart(req) {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(req.headers['content-type']);
  const marker = Buffer.from(`--${boundary[1] || boundary[2]}`);
  const body = req.body;
  const fields = {};
  let start = body.indexOf(marker) + marker.length;
  for (;;) {
    const next = body.indexOf(marker, start);
    if (next < 0) break;
    const part = body.subarray(start + 2, next - 2); // skip CRLF after the marker and before the next
    const split = part.indexOf('\r\n\r\n');
    const head = part.subarray(0, split).toString();
    const data = part.subarray(split + 4);
    const name = /name="([^"]+)"/.exec(head);
    const filename = /filename="([^"]*)"/.exec(head);
    const type = /content-type:\s*([^\r\n]+)/i.exec(head);
    if (name) {
      fields[name[1]] = filename ? { filename: filename[1], type: type ? type[1] : 'application/octet-stream', data } : data.toString();
    }
    start = next + marker.length;
  }
  return fields;
}

function fixUpdate(update) {
  const fixed = { ...update };
  if (fixed.callback_query) {
    const q = { ...fixed.callback_query, chat_instance: String(fixed.callback_query.message.chat.id) };
    fixed.callback_query = q;
  }
  if (fixed.message && fixed.message.date > 1e11) fixed.message = { ...fixed.message, date: seconds(fixed.message.date) };
  return fixed;
}

app.all('/bot:token/getUpdates', async (req, res) => {
  const token = req.params.token;
  const wait = Math.min(Number(req.body.timeout || 0), 10) * 1000;
  const offset = Number(req.body.offset || 0);
  const deadline = Date.now() + wait;
  for (;;) {
    const updates = server.getUpdates(token).filter((u) => u.update_id >= offset);
    if (updates.length || Date.now() >= deadline) return ok(res, updates.map(fixUpdate));
    await new Promise((resolve) => {
      const timer = setTimeout(done, Math.max(deadline - Date.now(), 0));
      function done() {
        clearTimeout(timer);
        server.off('AddedUserMessage', done);
        server.off('AddedUserCallbackQuery', done);
        resolve();
      }
      server.on('AddedUserMessage', done);
      server.on('AddedUserCallbackQuery', done);
    });
  }
});

// -- test side --------------------------------------------------------------------------

function remember(message) {
  if (message && message.chat) {
    chatTypes.set(String(message.chat.id), message.chat.type);
    if (message.chat.type === 'private' && message.from) opened.add(String(message.from.id));
  }
}

app.post('/sendMessage', (req, res, next) => { remember(req.body); next(); });
app.post('/sendCallback', (req, res, next) => { remember(req.body.message); next(); });

app.post('/transcript', (req, res) => {
  const chat = String(req.body.chatId);
  const result = server.storage.botMessages
    .filter((m) => m.botToken === req.body.token && String(m.message.chat_id) === chat)
    .map((m) => {
      const message = botMessage(m);
      const document = documents.find((d) => d.messageId === m.messageId);
      return { ...message, edits: m.edits || 0, ...(document ? { document_content: document.content } : {}) };
    });
  ok(res, result);
});

app.post('/admins', (req, res) => {
  admins.set(String(req.body.chatId), new Set(req.body.userIds.map(String)));
  ok(res, true);
});

app.post('/block', (req, res) => { blocked.add(String(req.body.userId)); ok(res, true); });
app.get('/commands', (req, res) => ok(res, commands));

app.use(server.webServer);

http.createServer(app).listen(port, '127.0.0.1', () => {
  process.stdout.write(`listening on ${port}\n`);
});
