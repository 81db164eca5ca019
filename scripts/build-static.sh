#!/usr/bin/env bash
# Rebuilds the query editor the endpoint's pages load, from npm, into the package's static files:
# src/kzgraph/endpoint/static/yasgui/ (yasgui.min.js, yasgui.min.css, NOTICE.txt). The built files are
# committed, so that installing kzgraph needs no npm and the pages load nothing from a CDN; run this script
# (it needs node and npm) only to move to another version of YASGUI, then commit the result. See docs/web.md.
#
#   scripts/build-static.sh            # the pinned version below
#   YASGUI_VERSION=4.6.2 scripts/build-static.sh
set -euo pipefail
version="${YASGUI_VERSION:-4.6.2}"
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/src/kzgraph/endpoint/static/yasgui"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
npm init -y >/dev/null
# --ignore-scripts: nothing of the packages runs on this machine; the bundle is used as published
npm install --no-audit --no-fund --ignore-scripts --save-exact "@zazuko/yasgui@$version" >/dev/null
rm -rf "$out"
mkdir -p "$out"
build="node_modules/@zazuko/yasgui/build"
# the source map is not shipped: drop the comment that would make a browser's tools ask for it
sed -e '/^\/\/# sourceMappingURL=/d' "$build/yasgui.min.js" > "$out/yasgui.min.js"
sed -e 's|/\*# sourceMappingURL=[^*]*\*/||' "$build/yasgui.min.css" > "$out/yasgui.min.css"
# NOTICE.txt: every package the bundle was built with, its version, licence and licence text
node - "$version" > "$out/NOTICE.txt" <<'JS'
const fs = require("fs"), path = require("path");
const version = process.argv[2];
const lines = [
  `Third-party files in this folder: yasgui.min.js and yasgui.min.css, the published build of the npm package`,
  `@zazuko/yasgui ${version} (https://github.com/rdfjs/Yasgui, MIT licence), which bundles the packages below.`,
  `Rebuilt by scripts/build-static.sh. The licences of the packages installed with it follow.`, ""];
const seen = [];
function visit(dir) {
  for (const name of fs.readdirSync(dir).sort()) {
    const full = path.join(dir, name);
    if (name.startsWith("@")) { visit(full); continue; }
    const manifest = path.join(full, "package.json");
    if (!fs.existsSync(manifest)) continue;
    const pkg = JSON.parse(fs.readFileSync(manifest, "utf8"));
    const licence = typeof pkg.license === "string" ? pkg.license : JSON.stringify(pkg.license || pkg.licenses || "UNKNOWN");
    const file = fs.readdirSync(full).find(f => /^(licen[sc]e|copying)(\..*)?$/i.test(f));
    seen.push({name: pkg.name, version: pkg.version, licence, text: file ? fs.readFileSync(path.join(full, file), "utf8").trim() : null});
    const nested = path.join(full, "node_modules");
    if (fs.existsSync(nested)) visit(nested);
  }
}
visit("node_modules");
for (const p of seen) lines.push(`- ${p.name} ${p.version}: ${p.licence}`);
lines.push("");
for (const p of seen) {
  lines.push("=".repeat(78), `${p.name} ${p.version} (${p.licence})`, "=".repeat(78));
  lines.push(p.text || `The package ships no licence file; its package.json declares: ${p.licence}.`, "");
}
process.stdout.write(lines.join("\n") + "\n");
JS
echo "built $out from @zazuko/yasgui@$version"
