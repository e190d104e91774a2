// Site-wide behaviour. No inline scripts: the CSP forbids them.
(function () {
  "use strict";
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
    var button = select.form.querySelector("button");
    if (button) { button.hidden = true; }
  });
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });
  // Phones: the menu folds behind a button; without JavaScript it simply stays open.
  document.querySelectorAll("[data-menu-toggle]").forEach(function (button) {
    var menu = document.getElementById(button.getAttribute("aria-controls"));
    if (!menu) { return; }
    document.documentElement.classList.add("js-menu");
    function setOpen(open) {
      button.setAttribute("aria-expanded", open ? "true" : "false");
      menu.classList.toggle("is-open", open);
    }
    button.addEventListener("click", function () {
      setOpen(button.getAttribute("aria-expanded") !== "true");
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
        setOpen(false);
        button.focus();
      }
    });
  });
  // Menu admin: show only the field that the chosen kind of link needs.
  document.querySelectorAll("form[data-kind-form]").forEach(function (form) {
    var select = form.querySelector("[data-kind-select]");
    if (!select) { return; }
    function update() {
      form.querySelectorAll("[data-kind]").forEach(function (part) {
        part.hidden = part.getAttribute("data-kind") !== select.value;
      });
    }
    select.addEventListener("change", update);
    update();
  });
})();
