#!/bin/sh
# Builds the preview page and screenshots each scenario at Flex's narrow panel
# width with Debian's chromium (apt-get install -y chromium; fonts-inter for
# Paste's typeface). Writes ../docs/screenshots/flex-panel-<scenario>.png.
set -eu
cd "$(dirname "$0")"
node build.js > /dev/null
out=${SCREENSHOTS:-../../docs/screenshots}
mkdir -p "$out"
page="file://$(pwd)/index.html"
shoot() { # name query height
  /usr/bin/chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --hide-scrollbars --window-size="400,$3" \
    --virtual-time-budget=3000 --screenshot="$out/flex-panel-$1.png" "$page?$2" 2> /dev/null
  echo "$out/flex-panel-$1.png"
}
shoot first 'scenario=first' 420
shoot repeats 'scenario=repeats' 1260
shoot french 'scenario=french&lang=fr-FR' 420
shoot simulator 'scenario=simulator' 470
shoot custom 'scenario=custom' 560
shoot call-started 'scenario=first&click=1' 460
