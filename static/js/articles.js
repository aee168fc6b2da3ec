// Article list (editors): tick every article of the page at once, and say what is ticked.
"use strict";

(() => {
  const all = document.getElementById("pick-all");
  const form = document.getElementById("assign-form");
  if (!all || !form) return;
  const boxes = () => [...document.querySelectorAll('input[name="article"][form="assign-form"]')];
  const selection = document.getElementById("assign-selection");

  function show() {
    const ticked = boxes().filter((box) => box.checked).length;
    all.checked = ticked > 0 && ticked === boxes().length;
    all.indeterminate = ticked > 0 && ticked < boxes().length;
    if (selection) {
      selection.textContent = ticked
        ? `${ticked} article${ticked === 1 ? "" : "s"} ticked`
        : "tick articles below, or choose an import batch";
    }
  }

  all.hidden = false;
  all.addEventListener("change", () => {
    boxes().forEach((box) => { box.checked = all.checked; });
    show();
  });
  document.addEventListener("change", (event) => {
    if (event.target.matches('input[name="article"]')) show();
  });
  show();
})();
