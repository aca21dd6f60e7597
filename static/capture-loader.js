// Starts the capture worker: wasm-bindgen's no-modules glue, then its wasm.
importScripts("./capture-worker.js");
wasm_bindgen({ module_or_path: "./capture-worker_bg.wasm" });
