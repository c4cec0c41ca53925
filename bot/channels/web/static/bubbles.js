// How a chat message looks: bubbles, photos and their placeholder, documents, inline keyboards. Message HTML
// arrives already reduced to Telegram's tags by the server (bot/channels/web/markup.py).

const CJK = /[\u3400-\u9fff\uf900-\ufaff]/;
const PHOTO_ICON =
  '<svg viewBox="0 0 24 24" aria-hidden="true"><rect x="3" y="6" width="18" height="14" rx="2"/>' +
  '<circle cx="12" cy="13" r="3.5"/><path d="M8 6l1.5-2h5L16 6"/></svg>';

export function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export function seconds(ms) {
  return `${(ms / 1000).toFixed(ms < 10000 ? 2 : 1)} s`;
}

export function isNearBottom(pane) {
  return pane.scrollHeight - pane.scrollTop - pane.clientHeight < 120;
}

export function setLanguage(node) {
  if (CJK.test(node.textContent)) node.lang = "zh-CN";
}

export function renderRow(bubble, afterMs, { pane, onPress }) {
  const row = element("div", `row ${bubble.sender}`);
  const column = element("div", "column");
  const box = element("div", "bubble");
  box.dataset.messageId = bubble.message_id;
  if (bubble.attachment) box.append(renderAttachment(pane, box, bubble.attachment));
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
  if (bubble.buttons.length) column.append(renderKeyboard(bubble, onPress));
  if (bubble.buttons.length) box.classList.add("card");
  row.append(column);
  return row;
}

function renderAttachment(pane, box, attachment) {
  if (attachment.kind === "photo") {
    box.classList.add("has-photo");
    const frame = element("div", "photo");
    // A photo (or its placeholder) changes the bubble's height after it was placed: stay at the bottom.
    const keepPlace = (change) => {
      const atBottom = isNearBottom(pane);
      change();
      if (atBottom) pane.scrollTop = pane.scrollHeight;
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

function renderKeyboard(bubble, onPress) {
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
        press.addEventListener("click", () => onPress(bubble.message_id, button.data, press));
        row.append(press);
      }
    }
    keyboard.append(row);
  }
  return keyboard;
}
