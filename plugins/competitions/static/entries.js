// Screening list: the header checkbox selects or clears every entry on the page.
document.addEventListener("change", function (event) {
  var box = event.target;
  if (!box.classList || !box.classList.contains("select-all")) return;
  var form = box.closest("form");
  form.querySelectorAll('input[name="entry_ids"]').forEach(function (item) { item.checked = box.checked; });
});
