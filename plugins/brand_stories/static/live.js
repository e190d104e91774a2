/* Live finals: the audience's like button, and live counts on the audience page, the
   big-screen leaderboard and the host console.

   Counts arrive as Server-Sent Events ("snapshot" events whose id is the version); the
   browser reconnects by itself and sends Last-Event-ID, and the server answers with the
   current snapshot at once. Taps are counted locally and sent every 500 ms as one batch
   with a random batch id; a batch whose answer is lost is re-sent with the SAME id, so
   the server counts it once. */
(function () {
  "use strict";
  var root = document.getElementById("live");
  if (!root) { return; }
  var stateNode = document.getElementById("live-state");
  var state = stateNode ? JSON.parse(stateNode.textContent) : { entries: [] };
  var entries = {};
  state.entries.forEach(function (item) { entries[item.entry_id] = item; });
  var current = state.current ? state.current.entry_id : null;
  var version = state.version;

  function $(selector) { return root.querySelector(selector); }
  function setText(selector, text) {
    var node = $(selector);
    if (node) { node.textContent = text; }
  }

  /* -- live counts ------------------------------------------------------------- */

  function showCurrent() {
    var item = current !== null ? entries[current] : null;
    var title = $(".live-current-title");
    if (title) { title.textContent = item ? item.title : title.dataset.empty; }
    setText(".live-current-number", item ? (item.number || "") : "");
    setText(".live-current-org", item ? item.organisation : "");
    setText(".live-current-presenter", item ? item.presenter : "");
    setText("#current-hearts", item ? String(item.hearts) : "0");
    setText("#current-scoring", item ? String(item.scoring_likes) : "0");
    var button = document.getElementById("like-button");
    if (button && root.dataset.canLike === "true") { button.disabled = current === null; }
    root.querySelectorAll("tr[data-entry]").forEach(function (row) {
      row.classList.toggle("live-on-stage", Number(row.dataset.entry) === current);
    });
  }

  function showRanking() {
    var body = root.querySelector("#live-ranking tbody");
    var rows = {};
    root.querySelectorAll("tr[data-entry]").forEach(function (row) {
      var item = entries[Number(row.dataset.entry)];
      if (!item) { return; }
      var scoring = row.querySelector(".live-scoring");
      var hearts = row.querySelector(".live-hearts-cell");
      if (scoring) { scoring.textContent = String(item.scoring_likes); }
      if (hearts) { hearts.textContent = String(item.hearts); }
      rows[item.entry_id] = row;
    });
    if (!body) { return; }
    var ordered = Object.keys(entries).map(function (key) { return entries[key]; }).sort(function (a, b) {
      return (b.scoring_likes - a.scoring_likes) || (b.hearts - a.hearts) || (a.position - b.position);
    });
    var rank = 0;
    var previous = null;
    ordered.forEach(function (item, index) {
      var key = item.scoring_likes + ":" + item.hearts;
      if (key !== previous) { rank = index + 1; previous = key; }
      var row = rows[item.entry_id];
      if (row) {
        var cell = row.querySelector(".live-rank");
        if (cell) { cell.textContent = String(rank); }
        body.appendChild(row);
      }
    });
  }

  function reloadState() {
    /* A window opened for an entry this page does not know (added to the running order later). */
    fetch(root.dataset.stateUrl, { headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (fresh) { if (fresh && fresh.version >= version) { window.location.reload(); } })
      .catch(function () {});
  }

  function applySnapshot(snapshot) {
    version = snapshot.version; /* the server sends each stream only newer versions */
    current = snapshot.current_entry_id;
    Object.keys(entries).forEach(function (key) {
      var counts = snapshot.counts[key];
      entries[key].hearts = counts ? counts.hearts : 0;
      entries[key].scoring_likes = counts ? counts.scoring : 0;
    });
    showCurrent();
    showRanking();
    if (current !== null && !entries[current]) { reloadState(); }
  }

  var connection = document.getElementById("live-connection");
  if (window.EventSource && root.dataset.eventsUrl) {
    var source = new EventSource(root.dataset.eventsUrl);
    source.addEventListener("snapshot", function (event) {
      try { applySnapshot(JSON.parse(event.data)); } catch (error) { /* a malformed event: wait for the next */ }
      if (connection) { connection.textContent = ""; }
    });
    source.addEventListener("error", function () {
      if (connection) { connection.textContent = root.dataset.msgOffline || ""; }
    });
  }

  /* -- the like button ------------------------------------------------------------- */

  var button = document.getElementById("like-button");
  if (!button || !root.dataset.likesUrl) { return; }
  var maxBatch = Number(root.dataset.maxBatch) || 200;
  var pending = {};     /* entry id -> taps not yet sent */
  var inFlight = null;  /* the batch being sent: re-sent with its id until answered */
  var retryAt = 0;
  var message = document.getElementById("live-message");
  var myTaps = 0;
  var myScoring = 0;

  function say(text, isError) {
    if (!message) { return; }
    message.textContent = text || "";
    message.classList.toggle("live-error", !!isError);
  }

  function batchId() {
    var bytes = new Uint8Array(12);
    (window.crypto || window.msCrypto).getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function float() {
    var heart = document.createElement("span");
    heart.className = "live-float";
    heart.style.left = (35 + Math.random() * 30) + "%";
    heart.textContent = "\u2665";
    button.parentNode.appendChild(heart);
    setTimeout(function () { heart.remove(); }, 1200);
  }

  button.addEventListener("click", function () {
    if (current === null) { say(root.dataset.msgClosed, true); return; }
    pending[current] = (pending[current] || 0) + 1;
    button.classList.remove("live-pop");
    void button.offsetWidth; /* restart the animation */
    button.classList.add("live-pop");
    float();
  });

  function nextBatch() {
    if (inFlight) { return inFlight; }
    var entry = Object.keys(pending).find(function (key) { return pending[key] > 0; });
    if (!entry) { return null; }
    var count = Math.min(pending[entry], maxBatch);
    pending[entry] -= count;
    inFlight = { entry_id: Number(entry), count: count, batch_id: batchId() };
    return inFlight;
  }

  function send() {
    if (Date.now() < retryAt) { return; }
    var batch = nextBatch();
    if (!batch || batch.sending) { return; }
    batch.sending = true;
    /* An anonymous device sends its token to the API (the server's lean lane); a member, the page's CSRF token. */
    var headers = { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": root.dataset.csrf };
    if (root.dataset.deviceToken) { headers["X-Device-Token"] = root.dataset.deviceToken; }
    fetch(root.dataset.likesUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: headers,
      body: JSON.stringify({ entry_id: batch.entry_id, count: batch.count, batch_id: batch.batch_id })
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        batch.sending = false;
        if (response.ok) {
          inFlight = null;
          myTaps += data.accepted_hearts || 0;
          myScoring += data.accepted_scoring || 0;
          setText("#my-taps", String(myTaps));
          setText("#my-scoring", String(myScoring));
          say("");
          return;
        }
        var error = data.error || {};
        if (response.status >= 500 || response.status === 429) {
          /* paused or too fast: keep the batch, re-send the same id later */
          var wait = Number(response.headers.get("Retry-After")) || 2;
          retryAt = Date.now() + wait * 1000;
          say(error.message || root.dataset.msgOffline, true);
          return;
        }
        inFlight = null; /* refused for good (window closed, bad batch): these taps do not count */
        say(error.message || root.dataset.msgClosed, true);
      });
    }).catch(function () {
      batch.sending = false; /* no answer: re-send the same batch id, counted once */
      retryAt = Date.now() + 1000;
      say(root.dataset.msgOffline, true);
    });
  }

  setInterval(send, 500);
}());
