// The application form: conditional fields and the province / city / county selects.
// The server decides again on submit; this only keeps the form tidy for the applicant.
(function () {
  "use strict";
  var form = document.getElementById("partner-form");
  if (!form) { return; }

  function valueOf(key) {
    var inputs = form.querySelectorAll('[name="f-' + key + '"]');
    var values = [];
    inputs.forEach(function (input) {
      if ((input.type === "checkbox" || input.type === "radio") && !input.checked) { return; }
      values.push(input.value);
    });
    return values;
  }

  function refresh() {
    var shown = {};
    form.querySelectorAll(".partner-field").forEach(function (wrapper) {
      var key = wrapper.dataset.key, other = wrapper.dataset.showIfField;
      var visible = !other || (shown[other] && valueOf(other).indexOf(wrapper.dataset.showIfValue) !== -1);
      shown[key] = visible;
      wrapper.hidden = !visible;
      wrapper.querySelectorAll("input, select, textarea").forEach(function (input) { input.disabled = !visible; });
    });
  }

  function fill(select, items, placeholder) {
    var keep = select.value;
    select.innerHTML = "";
    var first = document.createElement("option");
    first.value = ""; first.textContent = placeholder;
    select.appendChild(first);
    items.forEach(function (item) {
      var option = document.createElement("option");
      option.value = item[0]; option.textContent = item[1];
      select.appendChild(option);
    });
    select.value = items.some(function (item) { return item[0] === keep; }) ? keep : "";
  }

  function setUpRegion(box, tree) {
    var selects = box.querySelectorAll("select");
    var province = selects[0], city = selects[1], county = selects[2];
    var labels = [city.options[0].textContent, county.options[0].textContent];
    function find(list, code) { return list.filter(function (item) { return item[0] === code; })[0]; }
    function update() {
      var p = find(tree, province.value);
      fill(city, p ? p[2] : [], labels[0]);
      var c = p ? find(p[2], city.value) : null;
      fill(county, c ? c[2] : [], labels[1]);
      county.hidden = p && c && c[2].length === 0;
      city.hidden = p && p[2].length === 0;
    }
    province.addEventListener("change", function () { city.value = ""; update(); });
    city.addEventListener("change", update);
    update();
  }

  var regionBoxes = form.querySelectorAll(".partner-region");
  if (regionBoxes.length) {
    fetch(regionBoxes[0].dataset.regionsUrl).then(function (response) { return response.json(); })
      .then(function (tree) { regionBoxes.forEach(function (box) { setUpRegion(box, tree); }); });
  }
  form.addEventListener("change", refresh);
  refresh();
})();
