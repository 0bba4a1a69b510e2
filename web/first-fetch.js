// Imported second by web/main.js, for its effect: every visit fetches the default model and the
// first number waits for it, so its download starts as the page's modules are evaluated, 0.1 s
// before boot asks for it (download then takes this response). A <link rel=preload> started it
// sooner still, but the page's main thread then buffered the response and handed it over, and
// started the worker later (docs/loading.md, "A sixth pass").
import { fetchEarly } from './assets.js';
import { MODEL } from './default-files.js';

fetchEarly(MODEL);
