#!/usr/bin/env bash
# Refresh the browser libraries the query page uses, from the npm registry, unmodified.
#
#   scripts/vendor.sh            # fetch the pinned versions below into src/govgraph/web/static/vendor/
#
# Each library lands in static/vendor/<name>-<version>/ with the released build files as
# published (never edited), its licence text, the licences of what its bundle contains,
# and VERSIONS.txt: the npm tarball's name, version and integrity, and the sha256 of every
# file copied. To move to a new version: change the pin here, run the script, delete the old
# directory, change the <script>/<link> paths in templates/query.html, run the browser tests
# (tests/test_query_page_browser.py, tests/test_ui_browser.py).
#
# Needs npm (it only runs `npm pack`, which downloads a tarball and runs no install scripts).
set -euo pipefail
cd "$(dirname "$0")/.."

YASQE=4.6.2          # @zazuko/yasqe: the SPARQL editor of YASGUI (MIT), CodeMirror 5 inside
ECHARTS=6.1.0        # echarts: bar chart, timeline and network views, PNG/SVG export (Apache-2.0)
# What the released bundles contain (read from their source regions), for the licence texts:
YASQE_BUNDLES=(codemirror@5.65.21 dompurify@3.4.13 lodash-es@4.18.1 strict-uri-encode@2.0.0 query-string@6.14.1 events@3.3.0)
ECHARTS_BUNDLES=(zrender@6.1.0 tslib@2.3.0)

VENDOR=src/govgraph/web/static/vendor
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# unpack SPEC: npm pack SPEC into $WORK/<name>/ and print that directory
unpack() {
  local spec=$1 dir tarball
  dir="$WORK/$(echo "$spec" | tr '/@' '__')"
  mkdir -p "$dir"
  tarball=$(cd "$dir" && npm pack --silent "$spec" | tail -n 1)
  tar -xzf "$dir/$tarball" -C "$dir"
  npm view "$spec" name version dist.integrity --json > "$dir/npm-view.json"
  echo "$dir"
}

# licence_of DIR: the licence file(s) of an unpacked package, first match
licence_of() {
  find "$1/package" -maxdepth 1 -type f \( -iname 'licen[cs]e*' -o -iname 'notice*' \) | sort
}

# vendor NAME VERSION FILES... : copy the released FILES (paths inside the package) unmodified
vendor() {
  local name=$1 version=$2; shift 2
  local short=${name#@*/} dir target
  dir=$(unpack "$name@$version")
  target="$VENDOR/$short-$version"
  rm -rf "$target"; mkdir -p "$target"
  for file in "$@"; do cp "$dir/package/$file" "$target/"; done
  if [ -n "$(licence_of "$dir")" ]; then
    for f in $(licence_of "$dir"); do cp "$f" "$target/"; done
  else  # the npm tarballs of YASGUI carry no licence file: the repository's (MIT) is kept here
    cp scripts/vendor-licenses/yasgui-LICENSE "$target/LICENSE"
  fi
  {
    echo "$name $version (npm pack $name@$version; released files, unmodified)"
    echo "integrity $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["dist.integrity"])' "$dir/npm-view.json")"
    echo
    for file in "$@"; do (cd "$target" && sha256sum "$(basename "$file")"); done
  } > "$target/VERSIONS.txt"
  echo "$target"
}

# bundled TARGET SPECS... : the licence texts of the packages a released bundle contains
bundled() {
  local target=$1; shift
  local out="$target/THIRD-PARTY-LICENSES.txt"
  : > "$out"
  for spec in "$@"; do
    local dir; dir=$(unpack "$spec")
    { echo "==== $spec (inside the bundle) ===="; for f in $(licence_of "$dir"); do cat "$f"; echo; done; } >> "$out"
    echo "bundled $spec" >> "$target/VERSIONS.txt"
  done
}

target=$(vendor @zazuko/yasqe "$YASQE" build/yasqe.min.js build/yasqe.min.css)
bundled "$target" "${YASQE_BUNDLES[@]}"
target=$(vendor echarts "$ECHARTS" dist/echarts.min.js)
bundled "$target" "${ECHARTS_BUNDLES[@]}"
du -sh "$VENDOR"/*
