// Site-wide behaviour. Screen-specific code lives in its own file (annotate.js, review.js).
"use strict";

// Forms being handed to htmx by the listener below: their repeated submit event is not
// asked about again, nor handed over twice.
const handedToHtmx = new WeakSet();

// Confirm destructive actions: <form data-confirm="Withdraw this annotation?">.
document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-confirm]");
  if (form && !handedToHtmx.has(form) && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
    event.stopImmediatePropagation();
  }
}, true);

// htmx takes over a form it has swapped in a moment after the swap (its settle delay). A
// form submitted in that moment (Enter pressed as the panel appears) would be posted by the
// browser: the whole page reloads, and the answer meant for the panel lands elsewhere.
// htmx cancels every submit it handles; one that reaches the document uncancelled, from a
// form htmx is meant to send, is handed to htmx instead. Without htmx, or if htmx still
// does not take it, the browser posts it as before (the form has its action and token).
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (event.defaultPrevented || !window.htmx || handedToHtmx.has(form)) return;
  if (!form.matches("form[hx-post], form[hx-get]")) return;
  event.preventDefault();
  handedToHtmx.add(form);
  const submitter = event.submitter;
  // A form ignores requestSubmit() while its own submit event is being dispatched: the
  // repeat waits for this one to end.
  window.setTimeout(() => {
    try {
      window.htmx.process(form);
      if (!form.isConnected) return;
      const button = submitter && submitter.form === form ? submitter : null;
      // htmx learns which button sends a form (its formaction) from the focus and clicks it
      // has seen since it took the form over: none yet.
      if (button) button.dispatchEvent(new FocusEvent("focusin", { bubbles: true }));
      form.requestSubmit(button);
    } finally {
      handedToHtmx.delete(form);
    }
  });
});
