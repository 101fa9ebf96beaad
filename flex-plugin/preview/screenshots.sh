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
shoot() { # name query height [width]
  /usr/bin/chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --hide-scrollbars --window-size="${4:-400},$3" \
    --virtual-time-budget=3000 --screenshot="$out/flex-panel-$1.png" "$page?$2" 2> /dev/null
  echo "$out/flex-panel-$1.png"
}
shoot first 'scenario=first' 420
shoot repeats 'scenario=repeats' 1260
shoot french 'scenario=french&lang=fr-FR' 420
shoot simulator 'scenario=simulator' 470
shoot custom 'scenario=custom' 560
shoot call-started 'scenario=first&click=1' 460
# The reply box: a canned reply chosen, its counter, a send that failed (token check
# unavailable), one reply waiting and one read; then for a French-speaking agent.
shoot reply 'scenario=reply&now=10:15&canned=2&send=1&post=503' 1250
shoot reply-fr 'scenario=reply&now=10:15&canned=2&send=1&post=503&lang=fr-FR' 1320
# "Call back" at 22:40 for a caller whose safe window is the morning.
shoot callback-warning 'scenario=callback-warning&now=22:40&click=1' 640 480
shoot callback-warning-fr 'scenario=callback-warning&now=22:40&click=1&lang=fr-FR' 640 480
