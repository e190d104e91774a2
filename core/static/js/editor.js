// The page and news editor: Jodit on textarea[data-editor], and a media-library picker
// for images in the text and for the cover. No inline scripts (CSP): everything is
// configured through data attributes. Without JavaScript the plain textarea still works.
(function () {
  "use strict";

  var pickerData = document.getElementById("media-picker");
  if (!pickerData) { return; }
  var text = function (name) { return pickerData.getAttribute("data-text-" + name) || ""; };

  function escapeHtml(value) {
    return String(value == null ? "" : value)
      .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;").replace(/'/g, "&#39;");
  }

  function element(tag, attributes, children) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (key) {
      if (key === "text") { node.textContent = attributes[key]; } else { node.setAttribute(key, attributes[key]); }
    });
    (children || []).forEach(function (child) { node.appendChild(child); });
    return node;
  }

  // -- the media picker dialog ------------------------------------------------------

  var dialog, grid, search, moreButton, errorLine, fileInput, altInput, onChoose, currentPage = 1;

  function buildDialog() {
    search = element("input", { type: "search", "class": "picker-search", "aria-label": text("search"), placeholder: text("search") });
    grid = element("ul", { "class": "picker-grid", id: "picker-grid" });
    moreButton = element("button", { type: "button", "class": "secondary small", text: text("more") });
    errorLine = element("p", { "class": "error", role: "alert", hidden: "" });
    fileInput = element("input", { type: "file", accept: "image/*", id: "picker-file", "aria-label": text("upload") });
    altInput = element("input", { type: "text", id: "picker-alt", placeholder: text("alt"), "aria-label": text("alt") });
    var uploadButton = element("button", { type: "button", id: "picker-upload", text: text("upload") });
    var cancel = element("button", { type: "button", "class": "secondary", id: "picker-cancel", text: text("cancel") });
    dialog = element("dialog", { "class": "media-picker", id: "media-picker-dialog", "aria-label": text("title") }, [
      element("h2", { text: text("title") }),
      search,
      grid,
      moreButton,
      element("fieldset", { "class": "picker-upload" }, [
        element("legend", { text: text("upload") }), fileInput, altInput, uploadButton
      ]),
      errorLine,
      element("p", { "class": "picker-actions" }, [cancel])
    ]);
    document.body.appendChild(dialog);

    var timer;
    search.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { load(1); }, 250);
    });
    moreButton.addEventListener("click", function () { load(currentPage + 1); });
    cancel.addEventListener("click", function () { dialog.close(); });
    uploadButton.addEventListener("click", upload);
  }

  function showError(message) {
    errorLine.textContent = message;
    errorLine.hidden = !message;
  }

  function load(page) {
    var url = pickerData.getAttribute("data-library-url") + "?kind=image&q=" +
      encodeURIComponent(search.value.trim()) + "&page=" + page;
    showError("");
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (data) {
        currentPage = data.page || page;
        if (page === 1) { grid.textContent = ""; }
        (data.items || []).forEach(addItem);
        if (!grid.children.length) { grid.appendChild(element("li", { "class": "muted", text: text("empty") })); }
        moreButton.hidden = !(data.pages && currentPage < data.pages);
      })
      .catch(function () { showError(text("failed")); });
  }

  function addItem(item) {
    var button = element("button", { type: "button", "class": "picker-item", title: item.name || "", "data-media-id": item.id }, [
      element("img", { src: item.thumb_url || item.url, alt: item.alt || item.name || "" }),
      element("span", { text: item.name || item.alt || "" })
    ]);
    button.addEventListener("click", function () { choose(item); });
    grid.appendChild(element("li", {}, [button]));
  }

  function choose(item) {
    dialog.close();
    if (onChoose) { onChoose(item); }
  }

  function upload() {
    if (!fileInput.files.length) { fileInput.focus(); return; }
    var body = new FormData();
    body.append("file", fileInput.files[0]);
    body.append("alt", altInput.value.trim());
    body.append("kind", "image");
    showError("");
    fetch(pickerData.getAttribute("data-upload-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": pickerData.getAttribute("data-csrf"), Accept: "application/json" },
      body: body
    })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          if (!response.ok || !data.item) {
            throw new Error((data.error && data.error.message) || text("failed"));
          }
          return data.item;
        });
      })
      .then(function (item) {
        fileInput.value = "";
        altInput.value = "";
        choose(item);
      })
      .catch(function (error) { showError(error.message); });
  }

  function openPicker(callback) {
    if (!dialog) { buildDialog(); }
    onChoose = callback;
    showError("");
    dialog.showModal();
    load(1);
    search.focus();
  }

  // -- images in the text -----------------------------------------------------------

  function figureHtml(item) {
    var size = item.width && item.height ? ' width="' + Number(item.width) + '" height="' + Number(item.height) + '"' : "";
    var caption = item.caption ? "<figcaption>" + escapeHtml(item.caption) + "</figcaption>" : "";
    return '<figure><img src="' + escapeHtml(item.url) + '" alt="' + escapeHtml(item.alt || "") + '"' + size + ">" +
      caption + "</figure><p><br></p>";
  }

  var mediaButton = {
    name: "medialibrary",
    icon: "image",
    tooltip: text("insert-image"),
    exec: function (editor) {
      editor.s.save();
      openPicker(function (item) {
        editor.s.restore();
        editor.s.insertHTML(figureHtml(item));
        editor.synchronizeValues();
      });
    }
  };

  function startEditor(textarea) {
    if (typeof window.Jodit === "undefined") { return; }
    var english = textarea.getAttribute("data-lang") === "en";
    var editor = window.Jodit.make(textarea, {
      language: english ? "en" : "zh_cn",
      height: 520,
      minHeight: 320,
      toolbarAdaptive: false,
      toolbarSticky: false,
      hidePoweredByJodit: true,
      beautifyHTML: false,  // would load js-beautify from a CDN
      sourceEditor: "area",  // the plain textarea, not Ace from a CDN
      showCharsCounter: false,
      showWordsCounter: false,
      showXPathInStatusbar: false,
      askBeforePasteHTML: false,
      askBeforePasteFromWord: false,
      defaultActionOnPaste: "insert_clear_html",
      disablePlugins: ["ai-assistant", "speech-recognize", "about", "print", "powered-by-jodit", "iframe", "video", "file"],
      controls: {
        paragraph: {
          list: window.Jodit.atom(english
            ? { p: "Paragraph", h2: "Heading 2", h3: "Heading 3", h4: "Heading 4", blockquote: "Quote", pre: "Code" }
            : { p: "正文", h2: "标题 2", h3: "标题 3", h4: "标题 4", blockquote: "引用", pre: "代码" })
        }
      },
      buttons: [
        "paragraph", "|", "bold", "italic", "underline", "strikethrough", "superscript", "subscript", "|",
        "ul", "ol", "|", "link", mediaButton, "table", "hr", "|", "eraser", "undo", "redo", "|", "source", "fullsize"
      ]
    });
    textarea.form.addEventListener("submit", function () { textarea.value = editor.value; });
    textarea.editor = editor;  // the browser tests reach the editor through its textarea
  }

  document.querySelectorAll("textarea[data-editor]").forEach(startEditor);

  // -- the cover image --------------------------------------------------------------

  var coverButton = document.getElementById("choose-cover");
  if (coverButton) {
    var coverInput = document.getElementById(coverButton.getAttribute("data-target"));
    var preview = document.getElementById("cover-preview");
    var empty = document.getElementById("cover-empty");
    var show = function (item) {
      coverInput.value = item ? item.id : "";
      preview.hidden = !item;
      empty.hidden = Boolean(item);
      if (item) {
        preview.src = item.thumb_url || item.url;
        preview.alt = item.alt || "";
      } else {
        preview.removeAttribute("src");
      }
    };
    coverButton.addEventListener("click", function () { openPicker(show); });
    document.getElementById("remove-cover").addEventListener("click", function () { show(null); });
  }
  document.querySelectorAll(".js-only").forEach(function (node) { node.classList.add("js-ready"); });
})();
