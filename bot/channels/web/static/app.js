// ShopGuide sandbox page: three users' chats with the bot, each followed as Server-Sent Events from the
// sandbox server, which relays what the real bot did through the Bot API emulator.
import { element, isNearBottom, renderRow, seconds, setLanguage } from "./bubbles.js";

const ACTION_HEADERS = { "X-ShopGuide-Sandbox": "1" };
const state = { info: null, current: null, chats: {} };
const $ = (id) => document.getElementById(id);

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

function bubbleContext(chat) {
  return { pane: chat.pane, onPress: (messageId, data, button) => pressButton(chat, messageId, data, button) };
}

function onMessage(chat, event) {
  const row = renderRow(event.bubble, event.after_ms, bubbleContext(chat));
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
  const row = renderRow(event.bubble, event.after_ms, bubbleContext(chat));
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
