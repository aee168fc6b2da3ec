// The adjudication screen, keyboard first: j/k move between open disagreements, 1-9 accept
// an annotator's span, a accepts the span all agree on, m merges, e edits the reference's
// offsets (whose text is previewed as it changes). Every action is a plain form post; this
// only finds the right button. Offsets are code points, as the server counts them.
(function () {
  "use strict";
  const bodyElement = document.getElementById("adj-body");
  if (!bodyElement) return;
  const codePoints = Array.from(JSON.parse(bodyElement.textContent));
  const groups = Array.from(document.querySelectorAll(".adj-group"));

  function current() {
    const focused = document.activeElement && document.activeElement.closest(".adj-group");
    return focused || groups.find((group) => group.dataset.current === "1") || null;
  }

  function focusGroup(group) {
    if (!group) return;
    groups.forEach((other) => delete other.dataset.current);
    group.dataset.current = "1";
    group.focus({ preventScroll: true });
    group.scrollIntoView({ block: "center" });
  }

  function move(step) {
    const open = groups.filter((group) => group.dataset.open === "1");
    if (!open.length) return;
    const here = current();
    const index = here ? groups.indexOf(here) : -1;
    const ahead = step > 0
      ? open.find((group) => groups.indexOf(group) > index)
      : open.slice().reverse().find((group) => groups.indexOf(group) < index);
    focusGroup(ahead || (step > 0 ? open[0] : open[open.length - 1]));
  }

  function press(group, key) {
    const button = group.querySelector(`button[data-key="${key}"]`);
    if (button) button.click();
    return Boolean(button);
  }

  // The reference's text follows its offsets; the server checks it against the body.
  function preview(form) {
    const start = Number(form.querySelector("[data-start]").value);
    const end = Number(form.querySelector("[data-end]").value);
    const ok = Number.isInteger(start) && Number.isInteger(end) && start >= 0 && start < end
      && end <= codePoints.length;
    const text = ok ? codePoints.slice(start, end).join("") : "";
    form.querySelector("[data-exact]").value = text;
    form.querySelector("[data-preview]").textContent = ok ? text : "(not a span of the text)";
  }

  document.querySelectorAll("form[data-adjust]").forEach((form) => {
    preview(form);
    form.addEventListener("input", () => preview(form));
  });

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    const typing = target.matches("input, select, textarea");
    if (typing) {
      if (event.key === "Escape") {
        const group = target.closest(".adj-group");
        target.blur();
        focusGroup(group);
      }
      return;
    }
    const group = current();
    if (event.key === "j" || event.key === "k") {
      event.preventDefault();
      move(event.key === "j" ? 1 : -1);
    } else if (!group) {
      return;
    } else if (/^[1-9]$/.test(event.key) || event.key === "m") {
      if (press(group, event.key)) event.preventDefault();
    } else if (event.key === "a") {
      const agreed = group.querySelector('button[data-key-agreed="a"]');
      if (agreed) agreed.click();
      else press(group, "1");
      event.preventDefault();
    } else if (event.key === "e") {
      const start = group.querySelector("[data-start]");
      if (start) {
        event.preventDefault();
        start.focus();
        start.select();
      }
    }
  });

  // After a save the page comes back at the group just decided: go on to the next open one.
  const after = new URLSearchParams(location.search).get("after");
  const decided = after ? document.getElementById(`g-${after}`) : null;
  if (decided && decided.classList.contains("adj-group")) {
    focusGroup(decided);
    if (decided.dataset.open !== "1") move(1);
  } else {
    move(1);
  }
})();
