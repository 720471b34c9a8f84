#!/usr/bin/env bash
# scripts/check-docs-navigation.sh [HTML_DIR] — the learning path is navigable in the built site
# (make docs): every page of docs/index.md's path is in the sidebar (navtreedata.js) and in
# Related Pages (pages.html), both in the path's order, and every page ends with a Previous and
# a Next link. Exits 1 naming the first page that is missing or out of order.
set -euo pipefail
html="${1:-build/docs/html}"
here="$(cd "$(dirname "$0")/.." && pwd)"
# The path: the pages docs/index.md lists, in its order.
mapfile -t pages < <(sed -n 's/^- \\\(ref\|subpage\) \([a-z_0-9]*\) .*/\2/p' "$here/docs/index.md")
(( ${#pages[@]} > 0 )) || { echo "check-docs-navigation: no pages listed in docs/index.md"; exit 1; }
for listing in navtreedata.js pages.html; do
  mapfile -t found < <(grep -o '"[a-z_0-9]*\.html"' "$html/$listing" | tr -d '"' | sed 's/\.html$//' |
                       grep -xF -f <(printf '%s\n' "${pages[@]}") | awk '!seen[$0]++')
  [[ "${found[*]}" == "${pages[*]}" ]] ||
    { echo "check-docs-navigation: $listing lists '${found[*]}', the path is '${pages[*]}'"; exit 1; }
done
for page in "${pages[@]}"; do
  grep -q 'Previous: <a class="el" href="[a-z_0-9]*\.html">.* · Next: <a class="el" href="' \
    "$html/$page.html" || { echo "check-docs-navigation: $page.html has no Previous and Next"; exit 1; }
done
echo "check-docs-navigation: ${#pages[@]} pages, in order, in the sidebar and Related Pages, each with Previous and Next"
