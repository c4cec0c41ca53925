// ShopGuide sandbox page: three users' chats with the bot, each followed as Server-Sent Events from the
// sandbox server, which relays what the real bot did through the Bot API emulator. Message HTML arrives
// already reduced to Telegram's tags by the server (bot/channels/web/markup.py).
"use strict";

const ACTION_HEADERS = { "X-ShopGuide-Sandbox": "1" };
const CJK = /[\u3400-\u9fff\uf900-\ufaff]/;
const PHOTO_ICON =
  '<svg viewBox="0 0 24 24" aria-hidden="true"><rect x="3" y="6" width="18" height="14" rx="2"/>' +
  '<circle cx="12" cy="13" r="3.5"/><path d="M8 6l1.5-2h5L16 6"/></svg>';

const state = { info: null, current: null, chats: {} };
const $ = (id) => document.getElementById(id);

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function seconds(ms) {
  return `${(ms / 1000).toFixed(ms < 10000 ? 2 : 1)} s`;
}

async function post(path, body) {
  const options = { method: "POST", headers: { ...ACTION_HEADERS } };
  if (body instanceof FormData) {
    options.body = body;
  } else {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const response = await fetch(path, options);
  if (!response.ok) throw new Error(await response.text());
  return response.json();
}

// --- toasts -------------------------------------------------------------------------------------

let toastTimer = null;
function toast(html, alert = false) {
  const box = $("toast");
  box.innerHTML = html;
  box.classList.toggle("alert", alert);
  box.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { box.hidden = true; }, alert ? 6000 : 3000);
}

// --- start-up -----------------------------------------------------------------------------------

async function start() {
  state.info = await (await fetch("/api/sandbox")).json();
  const { backend, bot_name: botName } = state.info;
  $("bot-name").textContent = botName;
  $("backend-label").textContent = backend.label;
  $("backend-model").textContent = backend.model;
  $("backend").title = `${backend.label} · ${backend.model}`;
  if (backend.note) {
    $("backend-note").textContent = backend.note;
    $("backend-note").hidden = false;
  }
  for (const user of state.info.users) addChat(user);
  wireComposer();
  select(state.info.users[0].role);
}

function addChat(user) {
  const tab = element("button", "user-tab");
  tab.type = "button";
  tab.dataset.role = user.role;
  tab.append(element("span", "role", user.role), element("span", "who", `${user.first_name} · ${user.user_id}`));
  const unread = element("span", "unread");
  unread.hidden = true;
  tab.querySelector(".who").append(unread);
  tab.addEventListener("click", () => select(user.role));
  $("users").append(tab);

  const pane = element("section", "chat");
  pane.dataset.role = user.role;
  pane.hidden = true;
  pane.append(element("div", "about", `${user.first_name}, ${user.role}: ${user.about}`));
  $("chats").append(pane);

  const chat = {
    user, tab, pane, unread: 0, unreadBadge: unread,
    rows: new Map(), drafts: new Map(), quickReplies: [], turn: null,
  };
  state.chats[user.role] = chat;
  const events = new EventSource(`/api/chats/${user.role}/events`);
  events.onmessage = (message) => handle(chat, JSON.parse(message.data));
}

function select(role) {
  state.current = role;
  for (const chat of Object.values(state.chats)) {
    const active = chat.user.role === role;
    chat.pane.hidden = !active;
    chat.tab.classList.toggle("active", active);
    if (active) {
      chat.unread = 0;
      chat.unreadBadge.hidden = true;
    }
  }
  $("menu").hidden = true;
  $("toast").hidden = true; // a toast belongs to the chat it came from
  const chat = state.chats[role];
  renderQuickReplies(chat);
  renderLatency(chat);
  $("text").placeholder = `Message as ${chat.user.first_name} (${role})`;
  chat.pane.scrollTop = chat.pane.scrollHeight;
  $("text").focus();
}

// --- events from the server ---------------------------------------------------------------------

function isNearBottom(pane) {
  return pane.scrollHeight - pane.scrollTop - pane.clientHeight < 120;
}

function handle(chat, event) {
  const nearBottom = isNearBottom(chat.pane);
  const handlers = { message: onMessage, edit: onEdit, draft: onDraft, delete: onDelete, typing: onTyping, toast: onToast };
  handlers[event.kind](chat, event);
  if (event.after_ms !== null) {
    chat.turn = chat.turn || { first: event.after_ms };
    chat.turn.last = event.after_ms;
  }
  if (event.kind === "message" && event.bubble.sender === "user") chat.turn = null;
  if (chat.user.role === state.current) {
    renderLatency(chat);
    if (nearBottom || (event.bubble && event.bubble.sender === "user")) chat.pane.scrollTop = chat.pane.scrollHeight;
  } else if (event.kind === "message" && event.bubble.sender === "bot") {
    chat.unread += 1;
    chat.unreadBadge.textContent = String(chat.unread);
    chat.unreadBadge.hidden = false;
  }
}

function onMessage(chat, event) {
  const row = renderRow(chat, event.bubble, event.after_ms);
  const drafts = [...chat.drafts.values()];
  const finalText = event.bubble.sender === "bot" && !event.bubble.attachment && !event.bubble.buttons.length;
  if (finalText && drafts.length) {
    // The final text takes the place of the draft that streamed it.
    drafts[0].replaceWith(row);
    row.querySelector(".bubble").classList.add("was-streamed");
    drafts.slice(1).forEach((draft) => draft.remove());
    chat.drafts.clear();
  } else {
    chat.pane.append(row);
  }
  chat.rows.set(event.bubble.message_id, row);
  if (event.quick_replies !== null) {
    chat.quickReplies = event.quick_replies;
    if (chat.user.role === state.current) renderQuickReplies(chat);
  }
}

function onEdit(chat, event) {
  const old = chat.rows.get(event.bubble.message_id);
  const row = renderRow(chat, event.bubble, event.after_ms);
  row.querySelector(".bubble").classList.add("flash");
  if (old) old.replaceWith(row);
  else chat.pane.append(row);
  chat.rows.set(event.bubble.message_id, row);
}

function onDraft(chat, event) {
  let row = chat.drafts.get(event.draft_id);
  if (!row) {
    row = element("div", "row bot");
    const bubble = element("div", "bubble draft");
    bubble.append(element("div", "text"), element("div", "meta"));
    row.append(bubble);
    chat.pane.append(row);
    chat.drafts.set(event.draft_id, row);
  }
  const text = row.querySelector(".text");
  text.innerHTML = event.html;
  setLanguage(text);
  row.querySelector(".meta").textContent = `writing… +${seconds(event.after_ms || 0)}`;
}

function onDelete(chat, event) {
  const row = chat.rows.get(event.message_id);
  if (row) row.remove();
  chat.rows.delete(event.message_id);
}

let typingTimer = null;
function onTyping(chat) {
  if (chat.user.role !== state.current) return;
  $("bot-status").textContent = "typing…";
  clearTimeout(typingTimer);
  typingTimer = setTimeout(() => { $("bot-status").textContent = "bot · local sandbox"; }, 5000);
}

function onToast(chat, event) {
  if (chat.user.role === state.current) toast(event.html, event.alert);
}

// --- rendering ----------------------------------------------------------------------------------

function setLanguage(node) {
  if (CJK.test(node.textContent)) node.lang = "zh-CN";
}

function renderRow(chat, bubble, afterMs) {
  const row = element("div", `row ${bubble.sender}`);
  const column = element("div", "column");
  const box = element("div", "bubble");
  box.dataset.messageId = bubble.message_id;
  if (bubble.attachment) box.append(renderAttachment(chat, box, bubble.attachment));
  const text = element("div", "text");
  text.innerHTML = bubble.html;
  setLanguage(text);
  text.querySelectorAll("tg-spoiler").forEach((spoiler) =>
    spoiler.addEventListener("click", () => spoiler.classList.add("revealed")));
  box.append(text);
  const meta = element("div", "meta");
  if (afterMs !== null && bubble.sender === "bot") meta.append(element("span", "after", `+${seconds(afterMs)}`));
  meta.append(new Date().toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) + (bubble.edited ? " · edited" : ""));
  box.append(meta);
  column.append(box);
  if (bubble.buttons.length) column.append(renderKeyboard(chat, bubble));
  if (bubble.buttons.length) box.classList.add("card");
  row.append(column);
  return row;
}

function renderAttachment(chat, box, attachment) {
  if (attachment.kind === "photo") {
    box.classList.add("has-photo");
    const frame = element("div", "photo");
    // A photo (or its placeholder) changes the bubble's height after it was placed: stay at the bottom.
    const keepPlace = (change) => {
      const atBottom = isNearBottom(chat.pane);
      change();
      if (atBottom) chat.pane.scrollTop = chat.pane.scrollHeight;
    };
    const placeholder = () => keepPlace(() => {
      const empty = element("div", "photo-placeholder");
      empty.innerHTML = `<div>${PHOTO_ICON}</div>`;
      empty.append(element("div", "", "photo unavailable"));
      frame.replaceChildren(empty);
    });
    if (attachment.url) {
      const image = element("img");
      image.alt = "product photo";
      image.referrerPolicy = "no-referrer";
      image.addEventListener("error", placeholder);
      image.addEventListener("load", () => keepPlace(() => {}));
      image.src = attachment.url;
      frame.append(image);
    } else {
      placeholder();
    }
    return frame;
  }
  const link = element(attachment.url ? "a" : "div", "document");
  if (attachment.url) {
    link.href = attachment.url;
    link.download = attachment.name || "file";
  }
  const details = element("div");
  details.append(element("div", "name", attachment.name || "file"), element("div", "size", sizeText(attachment.size)));
  link.append(element("div", "icon", "📄"), details);
  return link;
}

function sizeText(bytes) {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${bytes} B`;
}

function renderKeyboard(chat, bubble) {
  const keyboard = element("div", "keyboard");
  for (const buttons of bubble.buttons) {
    const row = element("div", "krow");
    for (const button of buttons) {
      if (button.url) {
        const link = element("a", "inline", button.text);
        link.href = button.url;
        link.target = "_blank";
        link.rel = "noopener noreferrer";
        row.append(link);
      } else if (button.data) {
        const press = element("button", "inline", button.text);
        press.type = "button";
        press.addEventListener("click", () => pressButton(chat, bubble.message_id, button.data, press));
        row.append(press);
      }
    }
    keyboard.append(row);
  }
  return keyboard;
}

function renderQuickReplies(chat) {
  const box = $("quick-replies");
  box.replaceChildren();
  for (const label of chat.quickReplies) {
    const button = element("button", "", label);
    button.type = "button";
    button.addEventListener("click", () => {
      chat.quickReplies = [];
      renderQuickReplies(chat);
      sendText(chat, label);
    });
    box.append(button);
  }
  box.hidden = chat.quickReplies.length === 0;
}

function renderLatency(chat) {
  const turn = chat.turn;
  $("latency").textContent = turn ? `first reply ${seconds(turn.first)} · last update ${seconds(turn.last)}` : "no turn yet";
}

// --- acting ---------------------------------------------------------------------------------------

async function sendText(chat, text) {
  try {
    await post(`/api/chats/${chat.user.role}/messages`, { text });
  } catch (error) {
    toast(`Not sent: ${error.message}`);
  }
}

async function sendFile(chat, file) {
  const form = new FormData();
  form.append("file", file, file.name);
  try {
    await post(`/api/chats/${chat.user.role}/documents`, form);
  } catch (error) {
    toast(`Not sent: ${error.message}`);
  }
}

async function pressButton(chat, messageId, data, button) {
  button.classList.add("pending");
  chat.turn = null; // the press starts a turn: the bot's next events are timed from it
  try {
    await post(`/api/chats/${chat.user.role}/presses`, { message_id: messageId, data });
  } catch (error) {
    toast(error.message);
  } finally {
    button.classList.remove("pending");
  }
}

async function toggleMenu() {
  const menu = $("menu");
  if (!menu.hidden) {
    menu.hidden = true;
    return;
  }
  const chat = state.chats[state.current];
  const commands = await (await fetch(`/api/chats/${chat.user.role}/commands`)).json();
  menu.replaceChildren();
  for (const { command, description } of commands) {
    const item = element("button");
    item.type = "button";
    item.append(element("span", "command", `/${command}`), element("span", "description", description));
    item.addEventListener("click", () => {
      menu.hidden = true;
      sendText(chat, `/${command}`);
    });
    menu.append(item);
  }
  menu.hidden = commands.length === 0;
}

function wireComposer() {
  const text = $("text");
  $("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    const value = text.value.trim();
    if (!value) return;
    text.value = "";
    sendText(state.chats[state.current], value);
  });
  text.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      $("composer").requestSubmit();
    }
  });
  $("menu-button").addEventListener("click", toggleMenu);
  $("attach-button").addEventListener("click", () => $("file-input").click());
  $("file-input").addEventListener("change", (event) => {
    for (const file of event.target.files) sendFile(state.chats[state.current], file);
    event.target.value = "";
  });
  let depth = 0;
  document.addEventListener("dragenter", (event) => {
    event.preventDefault();
    depth += 1;
    $("drop-hint").hidden = false;
  });
  document.addEventListener("dragleave", () => {
    depth = Math.max(0, depth - 1);
    if (depth === 0) $("drop-hint").hidden = true;
  });
  document.addEventListener("dragover", (event) => event.preventDefault());
  document.addEventListener("drop", (event) => {
    event.preventDefault();
    depth = 0;
    $("drop-hint").hidden = true;
    for (const file of event.dataTransfer.files) sendFile(state.chats[state.current], file);
  });
}

start().catch((error) => toast(`The sandbox did not load: ${error.message}`, true));
