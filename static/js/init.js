// Progressive enhancement only: every page works without JavaScript.
// Kept out of the page itself so that the Content Security Policy can forbid inline scripts.
import { initAll } from "../nhsuk/nhsuk-frontend.min.js";
import { enhanceUploads } from "./upload.js";

document.body.classList.add("js-enabled", "nhsuk-frontend-supported");
initAll();
enhanceUploads();
