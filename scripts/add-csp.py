#!/usr/bin/env python3
"""Trunk post-build hook: puts a Content-Security-Policy meta tag into the
built index.html. Trunk's loader is an inline module script whose text
changes with every build, so the policy allows exactly that script by its
SHA-256 hash instead of 'unsafe-inline'. WebAssembly needs
'wasm-unsafe-eval' (not 'unsafe-eval'). Inline style attributes position
the envelopes on the wire, hence style-src-attr."""
import base64, hashlib, os, re, sys

# `trunk serve` (debug) injects its own live-reload script: leave it be.
if os.environ.get("TRUNK_PROFILE") == "debug":
    sys.exit(0)
path = os.path.join(os.environ.get("TRUNK_STAGING_DIR", sys.argv[1] if len(sys.argv) > 1 else "dist"), "index.html")
html = open(path, encoding="utf-8").read()
# Trunk's loader and the head's own inline script (quotes may be gone when
# the HTML is minified); not the lesson text the prerendered page carries.
scripts = re.findall(r'<script(?: type="?module"?)?>(.*?)</script>', html, re.S)
hashes = " ".join("'sha256-%s'" % base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() for s in scripts)
policy = (
    "default-src 'self'; "
    f"script-src 'self' {hashes} 'wasm-unsafe-eval'; "
    "style-src 'self'; style-src-attr 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'none'"
)
meta = f'<meta http-equiv="Content-Security-Policy" content="{policy}">'
html = re.sub(r'<meta http-equiv="?Content-Security-Policy"?[^>]*>', "", html)
html, n = re.subn(r'(<meta charset="?utf-8"?>)', lambda m: m.group(1) + meta, html, count=1)
if n != 1 or not scripts:
    sys.exit("add-csp.py: no <meta charset> or no loader script in " + path)
open(path, "w", encoding="utf-8").write(html)
