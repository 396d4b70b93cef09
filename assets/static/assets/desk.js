// The editors' desk: drop zone uploads, the gravity picker, credit filling and the grid view.
// Plain JavaScript on purpose (no build, no CDN): each piece enhances a page that works without it.
"use strict";

(function () {
  // --- Drop zone: each file is sent on its own, with its progress bar --------------------
  function setUpDropZone(form) {
    const zone = form.querySelector("#desk-dropzone");
    const input = form.querySelector("input[type=file]");
    const list = form.querySelector("#desk-uploads");
    const submit = form.querySelector("#desk-upload-submit");
    const captionLink = form.querySelector("#desk-caption-link");
    const token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
    const maxBytes = Number(form.dataset.maxBytes);
    const created = [], duplicates = [];
    let running = 0, failed = 0;
    const queue = [];

    function sizeText(bytes) {
      return bytes < 1024 * 1024 ? Math.max(1, Math.round(bytes / 1024)) + " KB" : (bytes / 1048576).toFixed(1) + " MB";
    }

    function row(file) {
      const item = document.createElement("li");
      item.className = "desk-upload";
      item.innerHTML = '<span class="desk-upload-name"></span><progress max="100" value="0"></progress><span class="desk-upload-status">waiting</span>';
      item.querySelector(".desk-upload-name").textContent = file.name + " (" + sizeText(file.size) + ")";
      list.appendChild(item);
      return item;
    }

    function finish() {
      if (running || queue.length) return;
      const ids = created.map((c) => c.id), dups = duplicates.map((d) => d.id);
      let url = form.dataset.batch + "?ids=" + ids.join(",");
      if (dups.length) url += "&dups=" + dups.join(",");
      if (!failed && (ids.length || dups.length)) {
        window.location.assign(url);  // straight to captioning
        return;
      }
      if (ids.length || dups.length) {
        captionLink.href = url;
        captionLink.textContent = ids.length ? "Caption the " + ids.length + " new image(s)" : "See the images already there";
        captionLink.classList.remove("desk-hidden");
      }
    }

    function send(file, item) {
      const status = item.querySelector(".desk-upload-status");
      const bar = item.querySelector("progress");
      if (file.size > maxBytes) {
        item.classList.add("desk-failed");
        status.textContent = "not uploaded: larger than " + sizeText(maxBytes);
        failed += 1;
        return finish();
      }
      running += 1;
      status.textContent = "uploading";
      const data = new FormData();
      data.append("file", file);
      const xhr = new XMLHttpRequest();
      xhr.open("POST", form.dataset.uploadOne);
      xhr.setRequestHeader("X-CSRFToken", token);
      xhr.upload.addEventListener("progress", (event) => {
        if (event.lengthComputable) bar.value = Math.round((100 * event.loaded) / event.total);
      });
      xhr.addEventListener("loadend", () => {
        running -= 1;
        bar.value = 100;
        let answer = null;
        try { answer = JSON.parse(xhr.responseText); } catch (e) { answer = null; }
        if (answer && answer.status === "created") {
          item.classList.add("desk-done");
          status.textContent = "uploaded";
          created.push(answer);
        } else if (answer && answer.status === "duplicate") {
          item.classList.add("desk-duplicate");
          status.textContent = "already in the library as ";
          const link = document.createElement("a");
          link.href = answer.url;
          link.textContent = "“" + answer.name + "”";
          status.appendChild(link);
          duplicates.push(answer);
        } else {
          item.classList.add("desk-failed");
          status.textContent = "not uploaded: " + (answer ? answer.message : "the server did not answer (" + xhr.status + ")");
          failed += 1;
        }
        next();
        finish();
      });
      xhr.send(data);
    }

    function next() {
      // One file at a time: the progress reads in order, and a SQLite server never sees two
      // writers at once (the upload's own time is the network's, not the server's).
      while (running < 1 && queue.length) {
        const [file, item] = queue.shift();
        send(file, item);
      }
    }

    function add(files) {
      for (const file of files) queue.push([file, row(file)]);
      submit.disabled = true;
      next();
    }

    zone.addEventListener("dragover", (event) => { event.preventDefault(); zone.classList.add("desk-over"); });
    zone.addEventListener("dragleave", () => zone.classList.remove("desk-over"));
    zone.addEventListener("drop", (event) => {
      event.preventDefault();
      zone.classList.remove("desk-over");
      add(event.dataTransfer.files);
    });
    input.addEventListener("change", () => { add(input.files); input.value = ""; });
    submit.classList.add("desk-hidden");  // the picker uploads at once; the button is the no-script path
  }

  // --- Gravity picker: a click sets the nearest of the nine anchors -----------------------
  const POSITION = {
    northwest: [0, 0], north: [50, 0], northeast: [100, 0],
    west: [0, 50], center: [50, 50], east: [100, 50],
    southwest: [0, 100], south: [50, 100], southeast: [100, 100],
  };

  function nearest(x, y) {
    // x and y in 0..1 over the picture; anchors sit at 0, ½ and 1 on each axis.
    const col = x < 0.25 ? 0 : x > 0.75 ? 100 : 50;
    const line = y < 0.25 ? 0 : y > 0.75 ? 100 : 50;
    return Object.keys(POSITION).find((name) => POSITION[name][0] === col && POSITION[name][1] === line);
  }

  function setUpGravityPicker(picker) {
    const select = picker.querySelector("select");
    const frame = picker.querySelector(".gravity-frame");
    const marker = picker.querySelector(".gravity-marker");
    const previews = picker.querySelectorAll(".gravity-preview img");

    function show(value) {
      const [left, top] = POSITION[value] || POSITION.center;
      marker.style.left = left + "%";
      marker.style.top = top + "%";
      marker.title = value;
      // Each preview is the server's rendition at that anchor (rendered on its first view).
      previews.forEach((img) => {
        const urls = JSON.parse(img.dataset.gravityUrls || "{}");
        if (urls[value]) { if (img.getAttribute("src") !== urls[value]) img.src = urls[value]; }
        else img.style.objectPosition = left + "% " + top + "%";
      });
    }

    frame.addEventListener("click", (event) => {
      const box = frame.getBoundingClientRect();
      const value = nearest((event.clientX - box.left) / box.width, (event.clientY - box.top) / box.height);
      select.value = value;
      select.dispatchEvent(new Event("change", { bubbles: true }));
    });
    select.addEventListener("change", () => show(select.value));
    show(select.value);
  }

  // --- Batch page: one credit into every empty credit field -------------------------------
  function setUpFill(button) {
    button.addEventListener("click", () => {
      const value = document.getElementById("desk-fill-credit").value.trim();
      const language = document.getElementById("desk-fill-language").value;
      if (!value) return;
      const selector = language === "*" ? ".desk-credit input" : ".desk-lang[lang='" + language + "'] .desk-credit input";
      document.querySelectorAll(selector).forEach((input) => { if (!input.value.trim()) input.value = value; });
    });
  }

  // --- Library: grid or table, remembered in this browser ---------------------------------
  function setUpViewSwitch(switcher) {
    const changelist = document.getElementById("changelist");
    function apply(view) {
      changelist.classList.toggle("desk-grid", view === "grid");
      switcher.querySelectorAll("[data-view]").forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.view === view)));
    }
    switcher.addEventListener("click", (event) => {
      const view = event.target.closest("[data-view]");
      if (!view) return;
      event.preventDefault();
      try { localStorage.setItem("desk-view", view.dataset.view); } catch (e) { /* private mode: not remembered */ }
      apply(view.dataset.view);
    });
    let saved = "table";
    try { saved = localStorage.getItem("desk-view") || "table"; } catch (e) { saved = "table"; }
    apply(saved);
  }

  // --- Set-text page: only the field that will be set ---------------------------------
  function setUpSetText(fieldset) {
    function show() {
      const what = fieldset.querySelector("input[name=what]:checked");
      const value = what ? what.value : "credit";
      fieldset.querySelector(".field-credit").classList.toggle("desk-hidden", value !== "credit");
      fieldset.querySelector(".field-caption").classList.toggle("desk-hidden", value !== "caption");
    }
    fieldset.addEventListener("change", show);
    show();
  }

  document.addEventListener("DOMContentLoaded", () => {
    const setText = document.getElementById("desk-set-text");
    if (setText) setUpSetText(setText);
    const form = document.getElementById("upload-many-form");
    if (form) setUpDropZone(form);
    document.querySelectorAll("[data-gravity-picker]").forEach(setUpGravityPicker);
    const fill = document.getElementById("desk-fill-button");
    if (fill) setUpFill(fill);
    const switcher = document.getElementById("desk-view-switch");
    if (switcher) setUpViewSwitch(switcher);
  });
})();
