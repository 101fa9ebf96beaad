"""Analytics: where callers go and give up, per day, language, gateway and network, drawn as
server-side SVG charts."""
