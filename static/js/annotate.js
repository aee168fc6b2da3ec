// The annotate screen: selections as code points, c/n/q to create, j/k/Enter/Delete to work
// through annotations, ]/[ and y/x/Y for the assistant's proposals, word-by-word keyboard
// selection, and live updates that wait while the user is selecting. Plain JavaScript, no build step; htmx does the requests.
"use strict";

(() => {
  if (!document.getElementById("annotate")) return;

  // Never let htmx write style attributes while settling (style-src has no 'unsafe-inline'):
  // an inline style set on an old element by the browser or an extension would be copied.
  htmx.config.attributesToSettle = ["class", "width", "height"];

  // ---- Text: the body's code points and the segments that carry their offsets ----
  // The body is a row of paragraphs (.para), each a row of segments (.seg) that carry their
  // code-point offsets; a change redraws whole paragraphs (or, past a limit, the body).

  // Mirrors annotations.text.is_word_char and str.isspace (keep the two in step).
  const NOT_WORD = "'’-.,%$€£¥";
  const WORD_CHAR = /^[\p{L}\p{N}\p{M}_]$/u;
  const SPACE = /^[\t\n\v\f\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]$/;
  const isWordChar = (ch) => ch !== undefined && !NOT_WORD.includes(ch) && WORD_CHAR.test(ch);
  const isSpace = (ch) => ch !== undefined && SPACE.test(ch);

  const bodyEl = () => document.getElementById("article-body");
  let chars = null; // the body's code points: the body never changes
  let cache = null; // {el, chars, segs, starts}: dropped whenever htmx swaps anything

  function text() {
    const el = bodyEl();
    if (!cache || cache.el !== el) {
      const segs = Array.from(el.querySelectorAll(".seg"));
      if (!chars) chars = Array.from(el.textContent);
      cache = { el, chars, segs, starts: segs.map((seg) => Number(seg.dataset.start)) };
    }
    return cache;
  }

  // Any swap may have redrawn paragraphs: their segments are new elements.
  document.addEventListener("htmx:afterSwap", () => { cache = null; });
  document.addEventListener("htmx:oobAfterSwap", () => { cache = null; });

  // Code-point offsets where a grapheme cluster (what a reader sees as one character: a flag,
  // an emoji ZWJ sequence, a letter with its combining marks) starts, and the body's end.
  // A span must not start or end inside one: the server refuses half a character. Counted
  // once, as the body never changes.
  let clusterStarts = null;

  function graphemeBoundaries() {
    if (!clusterStarts) {
      const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });
      clusterStarts = [];
      let cp = 0;
      for (const { segment } of segmenter.segment(text().chars.join(""))) {
        clusterStarts.push(cp);
        cp += Array.from(segment).length; // code points, not UTF-16 units
      }
      clusterStarts.push(cp);
    }
    return clusterStarts;
  }

  // [start, end] widened to whole grapheme clusters: start to the boundary at or before it,
  // end to the boundary at or after it.
  function snapToGraphemes(start, end) {
    const bounds = graphemeBoundaries();
    const firstAtOrAfter = (cp) => {
      let low = 0;
      let high = bounds.length - 1;
      while (low < high) {
        const middle = (low + high) >> 1;
        if (bounds[middle] < cp) low = middle + 1;
        else high = middle;
      }
      return low;
    };
    const startIndex = firstAtOrAfter(start);
    const snappedStart = bounds[startIndex] === start ? start : bounds[startIndex - 1];
    return [snappedStart, bounds[firstAtOrAfter(end)]];
  }

  // Mirrors annotations.text.snap_to_words: trim white space, extend to whole words; then
  // to whole grapheme clusters (a word's edge can fall inside one: "#️⃣5" holds the marks
  // U+FE0F and U+20E3, word characters, after the "#", which is not).
  function snapToWords(start, end) {
    const { chars } = text();
    while (start < end && isSpace(chars[start])) start++;
    while (end > start && isSpace(chars[end - 1])) end--;
    if (start === end) return [start, end];
    while (start > 0 && isWordChar(chars[start - 1]) && isWordChar(chars[start])) start--;
    while (end < chars.length && isWordChar(chars[end]) && isWordChar(chars[end - 1])) end++;
    return snapToGraphemes(start, end);
  }

  // DOM position -> code-point offset into the body (what Python indexes by).
  function codePointAt(node, offset) {
    const root = bodyEl();
    const isPara = node.nodeType === Node.ELEMENT_NODE && node.classList.contains("para")
      && node.parentElement === root;
    if (node === root || isPara) {
      // Between two paragraphs, or two segments of one: where the next one starts.
      const next = node.children[offset];
      if (next) return Number(next.dataset.start);
      return node === root ? text().chars.length : Number(node.dataset.end);
    }
    const element = node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement;
    const seg = element && element.closest(".seg");
    if (!seg || seg.parentElement?.parentElement !== root) return null;
    const range = document.createRange();
    range.setStart(seg, 0);
    range.setEnd(node, offset);
    return Number(seg.dataset.start) + Array.from(range.toString()).length;
  }

  // Code-point offset -> DOM position (text node, UTF-16 offset inside it).
  function domPosition(cp) {
    const { segs, starts } = text();
    let low = 0;
    let high = segs.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (starts[middle] <= cp) low = middle;
      else high = middle - 1;
    }
    const node = document.createTreeWalker(segs[low], NodeFilter.SHOW_TEXT).nextNode();
    let remaining = cp - starts[low];
    let units = 0;
    for (const ch of node.data) {
      if (remaining-- <= 0) break;
      units += ch.length;
    }
    return [node, units];
  }

  // The selection inside the body as a snapped code-point span, or null.
  function selectedSpan() {
    const selection = window.getSelection();
    const root = bodyEl();
    if (!root || !selection || selection.rangeCount === 0 || selection.isCollapsed) return null;
    const range = selection.getRangeAt(0);
    if (!range.intersectsNode(root)) return null;
    const whole = document.createRange();
    whole.selectNodeContents(root);
    const { chars } = text();
    let start = range.compareBoundaryPoints(Range.START_TO_START, whole) <= 0
      ? 0 : codePointAt(range.startContainer, range.startOffset);
    let end = range.compareBoundaryPoints(Range.END_TO_END, whole) >= 0
      ? chars.length : codePointAt(range.endContainer, range.endOffset);
    if (start === null || end === null || start >= end) return null;
    [start, end] = snapToWords(start, end);
    if (start >= end) return null;
    return { start, end, exact: chars.slice(start, end).join("") };
  }

  function selectSpan(start, end) {
    const [startNode, startOffset] = domPosition(start);
    const [endNode, endOffset] = domPosition(end);
    window.getSelection().setBaseAndExtent(startNode, startOffset, endNode, endOffset);
  }

  function selectionInBody() {
    const selection = window.getSelection();
    const root = bodyEl();
    return Boolean(root && selection && selection.rangeCount && !selection.isCollapsed
      && selection.getRangeAt(0).intersectsNode(root));
  }

  // ---- Status line ----

  function say(message) {
    const status = document.getElementById("annotate-status");
    if (status) status.textContent = message;
  }

  // ---- Creating: the selection fills the create form; c/n/q or a button submits it ----

  let lastSpan = null;

  function fillCreateForm(span) {
    const form = document.getElementById("create-form");
    if (!form || !span) return;
    form.elements.start.value = span.start;
    form.elements.end.value = span.end;
    form.elements.exact.value = span.exact;
    lastSpan = span;
  }

  function create(kind) {
    cancelPendingOpen(); // the new annotation opens in the panel, not one clicked just before
    const form = document.getElementById("create-form");
    if (!form) {
      say("Your role may not create annotations.");
      return;
    }
    const span = selectedSpan();
    if (span) fillCreateForm(span);
    if (!form.elements.exact.value.trim()) {
      say("Select some text first (mouse, or ←/→ with Shift in the text).");
      return;
    }
    say("");
    // A real click, so htmx sends the button's name=kind like a browser would.
    form.querySelector(`button[name="kind"][value="${kind}"]`).click();
  }

  // ---- Attribution of the open quotation: the selection's words ("X said") ----

  function fillAttributionForm(span) {
    const form = document.getElementById("attribution-form");
    if (!form || !span) return;
    form.elements.start.value = span.start;
    form.elements.end.value = span.end;
    form.elements.exact.value = span.exact;
  }

  function markAttribution() {
    cancelPendingOpen();
    const form = document.getElementById("attribution-form");
    if (!form) {
      say("Open one of your draft quotations first, then select its “X said”.");
      return;
    }
    const span = selectedSpan();
    if (span) fillAttributionForm(span);
    if (!form.elements.exact.value) {
      say("Select the words that attribute the quotation first.");
      return;
    }
    say("");
    form.querySelector("#mark-attribution").click();
  }

  // A click on the button uses the selection as it is now (the panel may have been
  // re-rendered since the selection was made, with empty fields).
  document.addEventListener("click", (event) => {
    if (event.target.closest && event.target.closest("#mark-attribution")) {
      fillAttributionForm(selectedSpan());
    }
  }, true);

  let selectionFrame = 0;
  document.addEventListener("selectionchange", () => {
    cancelAnimationFrame(selectionFrame);
    selectionFrame = requestAnimationFrame(() => {
      const span = selectedSpan();
      if (span) {
        fillCreateForm(span);
        fillAttributionForm(span);
      }
      flushDeferredUpdate();
    });
  });

  document.addEventListener("input", (event) => {
    // Typed text is located by the server (first occurrence): drop stale offsets.
    if (event.target.matches("#create-form textarea[name=exact]")) {
      const form = event.target.form;
      form.elements.start.value = "";
      form.elements.end.value = "";
      lastSpan = null;
    }
  });

  // ---- Keyboard selection: the focused body moves and extends by whole words ----

  let keyboard = null; // {anchor: [start, end], focus: [start, end]} in code points

  // The next (or previous) word from `cp`, as whole grapheme clusters.
  function wordFrom(cp, direction) {
    const { chars } = text();
    let index = cp;
    if (direction > 0) {
      while (index < chars.length && !isWordChar(chars[index])) index++;
      if (index >= chars.length) return null;
      let end = index;
      while (end < chars.length && isWordChar(chars[end])) end++;
      return snapToGraphemes(index, end);
    }
    while (index > 0 && !isWordChar(chars[index - 1])) index--;
    if (index <= 0) return null;
    let start = index;
    while (start > 0 && isWordChar(chars[start - 1])) start--;
    return snapToGraphemes(start, index);
  }

  function wordAround(cp) {
    const { chars } = text();
    let start = cp;
    while (start > 0 && isWordChar(chars[start - 1])) start--;
    return wordFrom(start, 1) || wordFrom(cp, -1);
  }

  // Where the paragraph holding `cp` starts (paragraphs are separated by a blank line).
  function paragraphStart(cp) {
    const { chars } = text();
    let index = cp;
    while (index > 1 && !(chars[index - 1] === "\n" && chars[index - 2] === "\n")) index--;
    return index <= 1 ? 0 : index;
  }

  function paragraphFrom(cp, direction) {
    const { chars } = text();
    if (direction > 0) {
      for (let index = cp; index < chars.length - 1; index++) {
        if (chars[index] === "\n" && chars[index + 1] === "\n") return wordFrom(index + 2, 1);
      }
      return null;
    }
    const here = wordFrom(paragraphStart(cp), 1);
    if (here && here[0] < cp) return here;
    const start = paragraphStart(cp);
    return start === 0 ? null : wordFrom(paragraphStart(start - 2), 1);
  }

  function startKeyboardSelection() {
    const selection = window.getSelection();
    const root = bodyEl();
    if (selection.rangeCount && root.contains(selection.anchorNode)) {
      const span = selectedSpan();
      if (span) {
        keyboard = { anchor: wordAround(span.start), focus: wordFrom(span.end, -1) || wordAround(span.start) };
        return;
      }
      const cp = codePointAt(selection.anchorNode, selection.anchorOffset);
      if (cp !== null) {
        const word = wordAround(cp);
        if (word) keyboard = { anchor: word, focus: word };
        return;
      }
    }
    const first = wordFrom(0, 1);
    if (first) keyboard = { anchor: first, focus: first };
  }

  function showKeyboardSelection() {
    const { anchor, focus } = keyboard;
    selectSpan(Math.min(anchor[0], focus[0]), Math.max(anchor[1], focus[1]));
    reveal(focus[0], focus[1]);
  }

  // Scroll the window just enough to show the words [start, end) with two lines of context.
  // Not scrollIntoView() on their segment: text without annotations is one segment that can
  // run over many paragraphs, taller than the window, and "nearest" then never moves.
  function reveal(start, end) {
    const range = document.createRange();
    range.setStart(...domPosition(start));
    range.setEnd(...domPosition(end));
    const line = Array.from(range.getClientRects()).find((rect) => rect.width > 0);
    if (!line) return;
    const lineHeight = parseFloat(getComputedStyle(bodyEl()).lineHeight) || line.height;
    const margin = Math.min(2 * lineHeight, window.innerHeight / 4);
    if (line.top < margin) window.scrollBy(0, line.top - margin);
    else if (line.bottom > window.innerHeight - margin) {
      window.scrollBy(0, line.bottom - window.innerHeight + margin);
    }
  }

  function keyboardSelect(event) {
    const steps = { ArrowRight: [wordFrom, 1], ArrowLeft: [wordFrom, -1],
                    ArrowDown: [paragraphFrom, 1], ArrowUp: [paragraphFrom, -1] };
    const step = steps[event.key];
    if (!step) return false;
    event.preventDefault();
    if (!keyboard) startKeyboardSelection();
    if (!keyboard) return true;
    if (!selectionInBody()) {
      showKeyboardSelection(); // first press, or back from the panel: show where we are
      return true;
    }
    const [move, direction] = step;
    const from = direction > 0 ? keyboard.focus[1] : keyboard.focus[0];
    const next = move(from, direction);
    if (next) {
      keyboard.focus = next;
      if (!event.shiftKey) keyboard.anchor = next;
      showKeyboardSelection();
    }
    return true;
  }

  // ---- Annotations: current (j/k), hover card, open in the panel ----

  let current = null;
  let pendingWithdraw = null;
  let focusPanel = false;
  const root = document.getElementById("annotate");

  const listItems = () => Array.from(document.querySelectorAll("#annotation-list li[data-a]"));
  const segmentsOf = (id) => bodyEl().querySelectorAll(`.seg[data-ids~="${CSS.escape(String(id))}"]`);
  const openId = () => (document.getElementById("panel") || {}).dataset?.open || "";

  function markCurrent() {
    document.querySelectorAll(".is-current").forEach((el) => el.classList.remove("is-current"));
    document.querySelectorAll(".ann.is-open").forEach((el) => el.classList.remove("is-open"));
    const open = openId();
    if (open) document.getElementById(`ann-${open}`)?.classList.add("is-open");
    if (!current) return;
    const item = document.getElementById(`ann-${current}`);
    if (!item) {
      current = null;
      return;
    }
    item.classList.add("is-current");
    segmentsOf(current).forEach((seg) => seg.classList.add("is-current"));
  }

  function setCurrent(id, { focusItem = false } = {}) {
    current = id;
    markCurrent();
    const item = document.getElementById(`ann-${id}`);
    const first = segmentsOf(id)[0];
    if (first) first.scrollIntoView({ block: "nearest" });
    if (item) {
      item.scrollIntoView({ block: "nearest" });
      if (focusItem) item.querySelector("a").focus({ preventScroll: true });
    }
    if (first) showCard([id], first);
  }

  function step(direction) {
    const ids = listItems().map((item) => item.dataset.a);
    if (!ids.length) return;
    let index = ids.indexOf(current);
    if (index === -1) index = direction > 0 ? 0 : ids.length - 1;
    else index = Math.min(ids.length - 1, Math.max(0, index + direction));
    setCurrent(ids[index], { focusItem: true });
  }

  // `focus`: opened from the keyboard, so the cursor moves into the panel's first field.
  function openPanel(id, { focus = false } = {}) {
    const url = root.dataset.panelUrl.replace("2147483647", encodeURIComponent(id));
    current = id;
    focusPanel = focus;
    htmx.ajax("GET", focus ? `${url}?focus=1` : url, { target: "#panel", swap: "outerHTML" });
  }

  function withdrawCurrent() {
    const id = current || openId();
    if (!id) {
      say("Choose an annotation first (j / k).");
      return;
    }
    if (openId() === id) {
      const form = document.querySelector("#panel form.withdraw-form");
      if (form) form.requestSubmit(); // workbench.js asks for confirmation
      else say("Only your own drafts can be withdrawn.");
      return;
    }
    pendingWithdraw = id;
    openPanel(id, { focus: true });
  }

  // Hover card: kind, author, state and attributes of every span under the pointer, copied
  // from the list rows (so it is as fresh as the list: refreshCard() after every swap).
  const card = document.getElementById("hover-card");
  const CARD_LIMIT = 5;
  const CARD_GAP = 12;

  function showCard(ids, seg) {
    const summaries = ids.slice(0, CARD_LIMIT)
      .map((id) => document.querySelector(`#ann-${CSS.escape(id)} .ann-summary`))
      .filter(Boolean)
      .map((summary) => summary.cloneNode(true));
    if (!summaries.length) {
      hideCard();
      return;
    }
    if (ids.length > CARD_LIMIT) {
      const more = document.createElement("span");
      more.className = "more";
      more.textContent = `and ${ids.length - CARD_LIMIT} more`;
      summaries.push(more);
    }
    card.replaceChildren(...summaries);
    card.hidden = false;
    placeCard(seg);
  }

  // The card must not hide the text being read. It goes beside the text column, level with
  // the line under the pointer (over the side column's edge if need be: the eyes are on the
  // text); where the window is too narrow for that, above the segment (text already read),
  // and below the pointer's line only when there is no room above.
  function placeCard(seg) {
    const width = card.offsetWidth;
    const height = card.offsetHeight;
    const lines = Array.from(seg.getClientRects()).filter((rect) => rect.width > 0);
    if (!lines.length) lines.push(seg.getBoundingClientRect());
    const y = hovered === seg && pointer ? pointer[1] : null;
    const line = lines.find((rect) => y !== null && rect.top <= y && y <= rect.bottom) || lines[0];
    const column = bodyEl().getBoundingClientRect();
    const fit = (value, low, high) => Math.max(low, Math.min(value, high));
    let left;
    let top;
    if (column.right + CARD_GAP + width <= window.innerWidth - 8) {
      left = column.right + CARD_GAP;
      top = fit(line.top, 8, window.innerHeight - height - 8);
    } else {
      left = fit(lines[0].left, 8, window.innerWidth - width - 8);
      const above = lines[0].top - CARD_GAP - height;
      top = above >= 8 ? above : line.bottom + CARD_GAP;
    }
    card.style.left = `${left}px`;
    card.style.top = `${top}px`;
  }

  function hideCard() {
    card.hidden = true;
  }

  let hovered = null; // the highlighted segment under the pointer
  let pointer = null; // last pointer position, to find what is under it after a scroll or swap

  function setHover(seg) {
    if (hovered === seg) return;
    document.querySelectorAll(".seg.is-hover").forEach((el) => el.classList.remove("is-hover"));
    hovered = seg;
    if (!seg) {
      hideCard();
      return;
    }
    const ids = seg.dataset.ids.split(" ");
    const innermost = ids[ids.length - 1];
    segmentsOf(innermost).forEach((el) => el.classList.add("is-hover"));
    showCard(ids.slice().reverse(), seg);
  }

  // After a scroll or a swap the text under a still pointer moved or was replaced, and no
  // mouseover says so: show what is there now, from the new list rows, or nothing.
  function refreshCard() {
    if (hovered && pointer) {
      const under = document.elementFromPoint(...pointer);
      hovered = null;
      setHover((under && under.closest("#article-body .seg.on")) || null);
    } else if (!card.hidden) {
      const first = current && segmentsOf(current)[0];
      if (first) showCard([current], first);
      else hideCard();
    }
  }

  document.addEventListener("mousemove", (event) => {
    pointer = [event.clientX, event.clientY];
  }, { passive: true });
  document.addEventListener("mouseover", (event) => {
    pointer = [event.clientX, event.clientY];
    const seg = event.target.closest && event.target.closest("#article-body .seg.on");
    if (!pointerSelecting) setHover(seg || null);
  });
  let scrollFrame = 0;
  window.addEventListener("scroll", () => {
    cancelAnimationFrame(scrollFrame);
    scrollFrame = requestAnimationFrame(refreshCard);
  }, { passive: true });

  // A click (not a drag) on highlighted text opens its innermost annotation, once it is
  // clear that no double click follows (that selects a word). Whether it was a drag is
  // decided now: a drag ends with a selection. Asked later, the answer can be wrong: a
  // create (c/n/q) may have swapped the body meanwhile, and the selection with it.
  let pendingOpen = 0;
  const cancelPendingOpen = () => clearTimeout(pendingOpen);

  document.addEventListener("click", (event) => {
    const link = event.target.closest(".ann-open");
    if (link) {
      event.preventDefault();
      const id = link.closest("li").dataset.a;
      setCurrent(id);
      // Enter on the focused row (event.detail 0) continues by keyboard in the panel.
      openPanel(id, { focus: event.detail === 0 });
      return;
    }
    const close = event.target.closest("[data-action=close-panel]");
    if (close) {
      event.preventDefault();
      const panel = document.getElementById("panel");
      const empty = document.createElement("p");
      empty.className = "muted panel-empty";
      empty.textContent = "No annotation open. Use j / k and Enter, or click one.";
      panel.replaceChildren(empty);
      panel.dataset.open = "";
      panel.className = "side-box panel";
      markCurrent();
      bodyEl().focus();
      return;
    }
    if (event.target.closest("[data-action=help]")) {
      document.getElementById("shortcut-help").showModal();
      return;
    }
    cancelPendingOpen();
    const seg = event.target.closest("#article-body .seg.on");
    if (seg && event.detail === 1 && !selectionInBody()) {
      const ids = seg.dataset.ids.split(" ");
      const id = ids[ids.length - 1];
      pendingOpen = setTimeout(() => {
        setCurrent(id);
        openPanel(id);
      }, 260);
    }
  });

  // ---- Live updates: never swap the body under a selection being made ----

  let pointerSelecting = false;
  let deferred = false;

  document.addEventListener("mousedown", (event) => {
    cancelPendingOpen(); // a second press: a double click or a new selection
    if (event.button === 0 && event.target.closest && event.target.closest("#article-body")) {
      pointerSelecting = true;
      nextSpanBegun = true;
      hideCard();
    }
  });
  document.addEventListener("mouseup", () => {
    if (!pointerSelecting) return;
    pointerSelecting = false;
    keyboard = null; // the next arrow key starts from where the mouse left the selection
    // Show what will be stored: the selection grows to whole words, trimmed of spaces.
    const span = selectedSpan();
    if (span) {
      selectSpan(span.start, span.end);
      fillCreateForm(span);
    }
    flushDeferredUpdate();
  });

  const selectionHeld = () => pointerSelecting || selectionInBody();
  const shownVersion = () => Number(document.getElementById("live")?.dataset.version || 0);

  function flushDeferredUpdate() {
    if (!deferred || selectionHeld()) return;
    deferred = false;
    say("");
    const live = document.getElementById("live");
    if (live) htmx.trigger(live, "poll-now");
  }

  // Every request says which version of the annotations the screen shows: the answer to a
  // change then carries only what changed since (requests run one at a time, hx-sync).
  document.addEventListener("htmx:configRequest", (event) => {
    if (root.contains(event.detail.elt)) {
      event.detail.headers["X-Annotations-Shown"] = String(shownVersion());
    }
  });

  document.addEventListener("htmx:beforeSwap", (event) => {
    const detail = event.detail;
    const elt = detail.requestConfig && detail.requestConfig.elt;
    if (elt && elt.id === "live") {
      const version = Number(detail.xhr.getResponseHeader("X-Annotations-Version") || 0);
      if (detail.xhr.status === 200 && version && version <= shownVersion()) {
        detail.shouldSwap = false; // an older answer overtaken by our own change
      } else if (detail.xhr.status === 200 && selectionHeld()) {
        detail.shouldSwap = false;
        deferred = true;
        say("New changes by others will appear when you finish selecting.");
      }
      return;
    }
    // Refusals carry the panel or form that says why: show them where the user looks.
    // Anything else (a bare 403 page, a server error) must not replace the panel.
    if ([403, 404, 409, 422].includes(detail.xhr.status) && elt && root.contains(elt)) {
      const target = detail.target && detail.target.id;
      if (target && detail.xhr.responseText.includes(`id="${target}"`)) {
        detail.shouldSwap = true;
        detail.isError = false;
      } else {
        say(detail.xhr.status === 403 ? "Your role does not allow this." : "That was refused.");
      }
    } else if (detail.xhr.status === 400 && elt && root.contains(elt)) {
      const reason = badRequestReason(detail.xhr.responseText);
      say(reason ? `Refused: ${reason}` : "That was refused. Reload the page and try again.");
    } else if (detail.xhr.status >= 400 && elt && root.contains(elt)) {
      say("Something went wrong on the server. Reload the page to see what was saved.");
    }
  });

  // A strict input parser refused the request (400): the answer is the error page, whose
  // first paragraph says which input and why. Parsed inert: DOMParser runs no scripts.
  function badRequestReason(html) {
    const page = new DOMParser().parseFromString(html || "", "text/html");
    const reason = page.querySelector(".error-card p");
    return reason ? reason.textContent.trim() : "";
  }

  // A list row sent by a live update (or a change) is inserted after its predecessor in
  // text order, in place of the copy the screen has: its text, state or place changed.
  document.addEventListener("htmx:oobBeforeSwap", (event) => {
    const rows = event.detail.fragment;
    if (!(rows instanceof Element) || !rows.matches("ol.ann-rows")) return;
    for (const row of rows.children) {
      const copy = document.getElementById(row.id);
      if (copy && copy !== event.detail.target) copy.remove();
    }
  });

  // Whether the annotator began the next span (pressed the button in the text, moved a
  // keyboard selection) after the last create was sent: its answer then leaves the cursor
  // and the selection where they are. The selection of the span just created, still there
  // when the answer comes, does not count.
  let nextSpanBegun = false;
  document.addEventListener("htmx:configRequest", (event) => {
    if (event.detail.elt && event.detail.elt.id === "create-form") nextSpanBegun = false;
  });
  const startedNextSpan = () => pointerSelecting || nextSpanBegun;

  // The panel's first field takes the cursor. A value already in it (the number read from
  // the span, a suggested speaker) is selected, as Tab would: typing replaces it instead of
  // landing in front of it, Enter keeps it, an arrow key moves into it.
  function focusFirstField(panel) {
    const field = panel.querySelector("[data-first-field]") || panel;
    field.focus();
    if (typeof field.select === "function" && field.value) field.select();
  }

  let cardFrame = 0;
  document.addEventListener("htmx:afterSettle", (event) => {
    markCurrent();
    if (event.target.closest && event.target.closest("#article-body, #annotation-list")) {
      // The card copies list rows and points at segments: some were replaced. Once for all
      // the paragraphs and rows of one answer.
      cancelAnimationFrame(cardFrame);
      cardFrame = requestAnimationFrame(refreshCard);
    }
    const elt = event.detail.requestConfig && event.detail.requestConfig.elt;
    const panel = document.getElementById("panel");
    const swappedPanel = event.detail.target && event.detail.target.id === "panel";
    const created = elt && elt.id === "create-form" && event.detail.xhr.status === 200;
    if (created) {
      lastSpan = null;
      // The cursor goes to the new annotation's first field, unless the annotator has
      // already started selecting the next span (the button may still be down, the
      // selection still empty): never steal the selection or the keys meant for it.
      if (!startedNextSpan()) focusFirstField(panel);
      current = panel.dataset.open || current;
      markCurrent();
    } else if (swappedPanel && focusPanel) {
      focusPanel = false;
      focusFirstField(panel);
    }
    if (pendingWithdraw && panel.dataset.open === pendingWithdraw) {
      pendingWithdraw = null;
      const form = panel.querySelector("form.withdraw-form");
      if (form) form.requestSubmit();
      else say("Only your own drafts can be withdrawn.");
    }
  });

  // ---- The assistant's proposals: ] / [ to move, y accept, x dismiss, Y all of a kind ----
  // Pending proposals are drawn in the text (highlight.py): each proposal's marks are
  // `.p[data-p]`, the one where it starts `.ps`, where it ends `.pe`, titled with what
  // accepting it fills in. The focused one is remembered by id and by where it starts: when
  // it disappears (accepted, dismissed, here or elsewhere) the focus moves to the next one.

  let proposal = null; // {id, start} of the focused proposal
  const hiddenKinds = new Set();
  const proposalStarts = () => Array.from(bodyEl().querySelectorAll(".p.ps[data-p]"))
    .filter((mark) => !hiddenKinds.has(proposalKind(mark)));
  const proposalMarks = (id) => bodyEl().querySelectorAll(`.p[data-p="${CSS.escape(String(id))}"]`);
  const proposalKind = (mark) => ["claim", "number", "quotation"].find((kind) => mark.classList.contains(`k-${kind}`));

  function proposalSpan(id) {
    const marks = proposalMarks(id);
    if (!marks.length) return null;
    const first = marks[0];
    const last = Array.from(marks).find((mark) => mark.classList.contains("pe")) || marks[marks.length - 1];
    return {
      id: String(id),
      kind: proposalKind(first),
      start: Number(first.closest(".seg").dataset.start),
      end: Number(last.closest(".seg").dataset.end),
      title: first.title,
    };
  }

  // Show the focus (marks, the box's line, the form's id) for `proposal`, or clear it.
  function markProposal() {
    document.querySelectorAll(".p.is-focus").forEach((mark) => mark.classList.remove("is-focus"));
    const line = document.getElementById("proposal-focus");
    const form = document.getElementById("proposal-form");
    const span = proposal && proposalSpan(proposal.id);
    if (form) {
      form.elements.suggestion.value = span ? span.id : "";
      form.querySelectorAll("button").forEach((button) => { button.disabled = !span; });
    }
    if (!span) {
      if (line) line.textContent = "Press ] for the next proposal, [ for the previous one.";
      return null;
    }
    proposalMarks(span.id).forEach((mark) => mark.classList.add("is-focus"));
    if (line) {
      const ids = proposalStarts().map((mark) => mark.dataset.p);
      line.textContent = `${ids.indexOf(span.id) + 1} of ${ids.length}: ${span.title}`;
    }
    return span;
  }

  function focusProposal(id, { scroll = true } = {}) {
    const span = proposalSpan(id);
    if (!span) return;
    proposal = { id: span.id, start: span.start };
    markProposal();
    if (scroll) reveal(span.start, span.end);
  }

  function stepProposal(direction) {
    const marks = proposalStarts();
    if (!marks.length) {
      say(hiddenKinds.size ? "No proposals of the kinds shown." : "No pending proposals: press Propose.");
      return;
    }
    const ids = marks.map((mark) => mark.dataset.p);
    let index = proposal ? ids.indexOf(proposal.id) : -1;
    if (index === -1) index = direction > 0 ? 0 : ids.length - 1;
    else index = Math.min(ids.length - 1, Math.max(0, index + direction));
    focusProposal(ids[index]);
  }

  // After a swap: the focused proposal is still there (marked again), or it went (the next
  // one shown from where it started takes the focus; scrolled into view when this screen
  // decided it, `scroll`, never under the reader's eyes for someone else's decision).
  function refreshProposalFocus({ scroll = false } = {}) {
    if (!proposal) return;
    if (proposalSpan(proposal.id) && !hiddenKinds.has(proposalSpan(proposal.id).kind)) {
      markProposal();
      return;
    }
    const next = proposalStarts().find((mark) => Number(mark.closest(".seg").dataset.start) >= proposal.start);
    if (next) focusProposal(next.dataset.p, { scroll });
    else {
      proposal = null;
      markProposal();
    }
  }

  // y / x / Y press the form's buttons: real clicks, so htmx posts to the button's formaction.
  function decideProposal(button) {
    cancelPendingOpen();
    const form = document.getElementById("proposal-form");
    if (!form) {
      say("Your role may not decide proposals.");
      return;
    }
    if (!markProposal()) {
      say("Choose a proposal first (] / [).");
      return;
    }
    say("");
    form.querySelector(button).click();
  }

  function applyProposalFilter() {
    for (const kind of ["claim", "number", "quotation"]) {
      root.classList.toggle(`hide-p-${kind}`, hiddenKinds.has(kind));
    }
    document.querySelectorAll("[data-proposal-filter]").forEach((box) => {
      box.checked = !hiddenKinds.has(box.value);
    });
  }

  document.addEventListener("change", (event) => {
    if (!event.target.matches("[data-proposal-filter]")) return;
    if (event.target.checked) hiddenKinds.delete(event.target.value);
    else hiddenKinds.add(event.target.value);
    applyProposalFilter();
    refreshProposalFocus();
  });

  // A click on proposed text that carries no annotation focuses the innermost proposal.
  document.addEventListener("click", (event) => {
    const seg = event.target.closest && event.target.closest("#article-body .seg.pr:not(.on)");
    if (!seg || selectionInBody()) return;
    const marks = Array.from(seg.querySelectorAll(".p[data-p]"))
      .filter((mark) => !hiddenKinds.has(proposalKind(mark)));
    if (marks.length) focusProposal(marks[marks.length - 1].dataset.p);
  });

  document.addEventListener("htmx:afterSettle", (event) => {
    const elt = event.detail.requestConfig && event.detail.requestConfig.elt;
    const decided = Boolean(elt && elt.id === "proposal-form");
    if (decided && event.detail.xhr.status === 200) {
      const panel = document.getElementById("panel");
      if (panel.dataset.open) current = panel.dataset.open; // an accept opened the new draft
      markCurrent();
    }
    applyProposalFilter(); // the counts and filters may have been swapped
    refreshProposalFocus({ scroll: decided });
  });
  // A live update swaps only out-of-band parts: once for all of one answer.
  let proposalFrame = 0;
  document.addEventListener("htmx:oobAfterSwap", () => {
    cancelAnimationFrame(proposalFrame);
    proposalFrame = requestAnimationFrame(() => {
      applyProposalFilter();
      refreshProposalFocus();
    });
  });

  // ---- Shortcuts ----

  document.addEventListener("keydown", (event) => {
    // A character typed with AltGr ("]" and "[" on German and Nordic layouts) is a key of
    // its own, not a shortcut of the browser's: Windows reports AltGr as Ctrl+Alt.
    const altGraph = event.getModifierState && event.getModifierState("AltGraph");
    const modified = event.metaKey || (!altGraph && (event.ctrlKey || event.altKey));
    if (modified || event.defaultPrevented) return;
    const target = event.target;
    const help = document.getElementById("shortcut-help");
    if (help.open) return; // the dialog handles Esc itself
    const inField = target.closest && target.closest("input, textarea, select, [contenteditable]");
    if (inField) {
      if (event.key === "Escape" && target.closest("#panel, #create-box")) {
        event.preventDefault();
        bodyEl().focus();
        if (keyboard) showKeyboardSelection();
      }
      return;
    }
    if (target === bodyEl() && keyboardSelect(event)) {
      nextSpanBegun = true;
      return;
    }
    switch (event.key) {
      case "c": create("claim"); break;
      case "n": create("number"); break;
      case "q": create("quotation"); break;
      case "a": markAttribution(); break;
      case "j": step(1); break;
      case "k": step(-1); break;
      case "]": stepProposal(1); break;
      case "[": stepProposal(-1); break;
      case "y": decideProposal("#proposal-accept"); break;
      case "Y": decideProposal("#proposal-accept-paragraph"); break;
      case "x": decideProposal("#proposal-dismiss"); break;
      case "t": bodyEl().focus(); break;
      case "?": help.showModal(); break;
      case "Enter":
        // On a link or a button Enter keeps its own meaning.
        if (target.closest("a, button, summary")) return;
        if (current) openPanel(current, { focus: true });
        else return;
        break;
      case "Delete":
        withdrawCurrent();
        break;
      case "Escape":
        if (target.closest("#panel")) bodyEl().focus();
        else window.getSelection().removeAllRanges();
        keyboard = null;
        hideCard();
        break;
      default:
        return;
    }
    event.preventDefault();
  });

  // A link to an open annotation (?a=<id>) marks it in the text too.
  if (openId()) {
    current = openId();
    markCurrent();
  }
})();
