// Evidence uploads (forms marked data-upload): the button is disabled while the file is sent and a
// progress bar shows how much has gone. Without JavaScript the form posts as usual.

function send(form) {
  const button = form.querySelector("button[type=submit]");
  const progress = form.querySelector("[data-upload-progress]");
  const status = form.querySelector("[data-upload-status]");
  const request = new XMLHttpRequest();
  button.disabled = true;
  progress.hidden = false;
  status.textContent = "Sending. Keep this page open.";
  request.open("POST", form.action);
  request.setRequestHeader("Accept", "application/json");
  request.upload.addEventListener("progress", (event) => {
    if (event.lengthComputable) {
      const percent = Math.floor((event.loaded / event.total) * 100);
      progress.value = percent;
      status.textContent = `${percent}% sent. Keep this page open.`;
    }
  });
  request.addEventListener("load", () => {
    const type = request.getResponseHeader("Content-Type") || "";
    if (type.startsWith("application/json")) {
      window.location.assign(JSON.parse(request.responseText).redirect);
      return;
    }
    // The form again, with what was wrong: shown as the server sent it.
    document.open();
    document.write(request.responseText);
    document.close();
  });
  request.addEventListener("error", () => {
    button.disabled = false;
    progress.hidden = true;
    status.textContent = "The upload was interrupted. Check your connection and send again.";
  });
  request.send(new FormData(form));
}

export function enhanceUploads() {
  for (const form of document.querySelectorAll("form[data-upload]")) {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      send(form);
    });
  }
}
