/* The judging screens: live weighted total, Ctrl+Enter saves, a confirmation before locking. */
(function () {
  "use strict";
  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }

  ready(function () {
    var form = document.getElementById("judging-sheet-form");
    if (!form) { return; }
    var output = document.getElementById("judging-total");
    var inputs = Array.prototype.slice.call(form.querySelectorAll("input.judging-score"));

    function total() {
      var sum = 0;
      inputs.forEach(function (input) {
        var value = parseFloat(String(input.value).replace(",", "."));
        var weight = parseFloat(input.getAttribute("data-weight"));
        var min = parseFloat(input.min), max = parseFloat(input.max);
        var bad = input.value !== "" && (isNaN(value) || value < min || value > max);
        input.classList.toggle("judging-invalid", bad);
        if (!isNaN(value) && !isNaN(weight) && !bad) { sum += value * weight; }
      });
      if (output) { output.textContent = String(Math.round(sum * 10000) / 10000); }
    }
    inputs.forEach(function (input) { input.addEventListener("input", total); });
    total();

    var save = form.querySelector("input[name=save], button[name=save]");
    form.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && save) {
        event.preventDefault();
        save.click();
      }
    });

    var lock = form.querySelector("[data-confirm-submit]");
    if (lock) {
      lock.addEventListener("click", function (event) {
        if (!window.confirm(lock.getAttribute("data-confirm-submit"))) { event.preventDefault(); }
      });
    }
  });
})();
