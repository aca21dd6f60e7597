// Trunk post-build hook (release builds): shrinks the boundary between the
// wasm and its JavaScript glue.
//
// 1. wasm-bindgen names imports like `__wbg_addEventListener_847fd86b8c33ec43`;
//    each name is stored twice (wasm import section, JS import object) and
//    its hash compresses badly. Both sides get short names instead (`a0`,
//    `a1`, …). A name is renamed only if the glue holds it exactly once.
// 2. Trunk's own JS minifier fails on the glue wasm-bindgen 0.2.130 emits
//    ("Failed to minify JS: RequiredTokenNotFound") and leaves it as is, so
//    terser minifies it here.
//
// Usage: node scripts/minify-glue.mjs [dir]   (Trunk sets TRUNK_STAGING_DIR)
import { readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';

if (process.env.TRUNK_PROFILE === 'debug') process.exit(0);
const dir = process.env.TRUNK_STAGING_DIR || process.argv[2] || 'dist';
const files = readdirSync(dir);
// The page's own wasm; a worker's glue (no-modules, loaded by importScripts)
// must keep its global `wasm_bindgen`, so it is left as wasm-bindgen wrote it.
const wasmFile = files.find((f) => f.endsWith('_bg.wasm') && !f.startsWith('capture-worker'));
const jsFile = wasmFile && files.find((f) => f === wasmFile.replace(/_bg\.wasm$/, '.js'));
if (!jsFile) {
  console.error(`minify-glue: no wasm-bindgen output in ${dir}`);
  process.exit(1);
}

/** Reads an unsigned LEB128 number at `at`: [value, next offset]. */
function leb(bytes, at) {
  let value = 0, shift = 0, byte;
  do {
    byte = bytes[at++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  return [value, at];
}

function encodeLeb(value) {
  const out = [];
  do {
    let byte = value & 0x7f;
    value = Math.floor(value / 128);
    if (value) byte |= 0x80;
    out.push(byte);
  } while (value);
  return out;
}

const name = (s) => [...encodeLeb(Buffer.byteLength(s)), ...Buffer.from(s)];

/** Renames imported functions whose new name `rename` gives; the rest stay. */
function renameImports(wasm, rename) {
  const out = [wasm.subarray(0, 8)];
  let at = 8;
  while (at < wasm.length) {
    const id = wasm[at];
    const [size, body] = leb(wasm, at + 1);
    const end = body + size;
    if (id !== 2) {
      out.push(wasm.subarray(at, end));
      at = end;
      continue;
    }
    let [count, p] = leb(wasm, body);
    const section = [...encodeLeb(count)];
    for (let i = 0; i < count; i++) {
      const [moduleLen, m] = leb(wasm, p);
      const module = wasm.subarray(m, m + moduleLen).toString();
      const [fieldLen, f] = leb(wasm, m + moduleLen);
      const field = wasm.subarray(f, f + fieldLen).toString();
      p = f + fieldLen;
      const kind = wasm[p];
      // The import's type: a function's type index, or a table, memory or
      // global description, copied as it is.
      const descEnd = skipImportDesc(wasm, p);
      const renamed = kind === 0 ? rename(field) ?? field : field;
      section.push(...name(module), ...name(renamed), ...wasm.subarray(p, descEnd));
      p = descEnd;
    }
    out.push(Buffer.from([2, ...encodeLeb(section.length), ...section]));
    at = end;
  }
  return Buffer.concat(out);
}

/** The offset just past one import description (kind byte included). */
function skipImportDesc(wasm, p) {
  const kind = wasm[p++];
  const limits = (q) => {
    const flags = wasm[q++];
    q = leb(wasm, q)[1];
    return flags & 1 ? leb(wasm, q)[1] : q;
  };
  switch (kind) {
    case 0: return leb(wasm, p)[1]; // function: type index
    case 1: return limits(p + 1); // table: reftype, limits
    case 2: return limits(p); // memory: limits
    case 3: return p + 2; // global: valtype, mutability
    case 4: return leb(wasm, p + 1)[1]; // tag: attribute, type index
    default: throw new Error(`minify-glue: unknown import kind ${kind}`);
  }
}

let js = readFileSync(join(dir, jsFile), 'utf8');
const wasm = readFileSync(join(dir, wasmFile));
const names = new Map();
const renamed = renameImports(wasm, (field) => {
  const uses = js.split(new RegExp(`\\b${field}\\b`)).length - 1;
  if (uses !== 1) return undefined;
  const short = `a${names.size.toString(36)}`;
  names.set(field, short);
  return short;
});
for (const [field, short] of names) js = js.replace(new RegExp(`\\b${field}\\b`), short);

const require = createRequire(new URL('../tools/package.json', import.meta.url));
const { minify } = require('terser');
const result = await minify(js, { module: true, compress: true, mangle: true });
writeFileSync(join(dir, wasmFile), renamed);
writeFileSync(join(dir, jsFile), result.code);
console.log(`minify-glue: ${names.size} imports renamed; JS ${js.length} -> ${result.code.length} bytes`);
