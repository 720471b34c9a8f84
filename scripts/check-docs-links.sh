#!/usr/bin/env bash
# scripts/check-docs-links.sh [HTML_DIR] — no name of the standard library links into attograd's
# API in the built site (make docs): Doxygen links std::max in a snippet to ag::max unless
# docs/unlink_std.cmake takes the link off. Exits 1 listing the pages that still have one.
set -euo pipefail
html="${1:-build/docs/html}"
[[ -f "$html/index.html" ]] || { echo "check-docs-links: no site in $html (run make docs)"; exit 1; }
if grep -l -E '<a [^>]*>std::[A-Za-z_0-9]+</a>' "$html"/*.html; then
  echo "check-docs-links: the pages above link a std:: name to something of attograd's"; exit 1
fi
echo "check-docs-links: no std:: name links anywhere"
