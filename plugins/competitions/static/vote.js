/* The public vote: send a vote without reloading the page; the form still works without JavaScript. */
(function () {
  "use strict";
  function update(form, data) {
    var row = form.closest(".vote-entry");
    var left = row && row.querySelector(".vote-remaining");
    var count = row && row.querySelector(".vote-count");
    var button = form.querySelector("button");
    if (left && typeof data.remaining === "number") {
      left.textContent = (left.dataset.template || left.textContent).replace(/\d+/, String(data.remaining));
    }
    if (count && typeof data.count === "number") { count.textContent = String(data.count); }
    if (button) { button.disabled = data.remaining === 0; }
  }
  function say(form, message, isError) {
    var row = form.closest(".vote-entry");
    var box = row && row.querySelector(".vote-message");
    if (!box && row) {
      box = document.createElement("p");
      box.className = "vote-message";
      box.setAttribute("role", "status");
      form.parentNode.appendChild(box);
    }
    if (box) {
      box.textContent = message;
      box.classList.toggle("vote-error", !!isError);
    }
  }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("vote-form") || !window.fetch) { return; }
    event.preventDefault();
    var button = form.querySelector("button");
    if (button) { button.disabled = true; }
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      return response.json().catch(function () { return { error: { message: response.statusText } }; });
    }).then(function (data) {
      if (data.ok) {
        update(form, data);
        say(form, form.dataset.thanks || "\u2713", false);
      } else {
        if (button) { button.disabled = false; }
        say(form, (data.error && data.error.message) || "", true);
      }
    }).catch(function () {
      form.submit();
    });
  });
})();
