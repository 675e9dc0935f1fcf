#!/bin/bash
# healthcheck [port] [path]: exit 0 when http://127.0.0.1:<port><path> answers 200, else 1.
# The container's HEALTHCHECK. The aspnet runtime image has neither curl nor wget, and adding one
# only for this would put an HTTP client into every container; bash (in the image already) opens
# the TCP connection itself (/dev/tcp) and sends one HTTP/1.0 GET. Read-only root file system: it
# writes nothing.
port="${1:-8080}"
path="${2:-/health/live}"
exec 3<>"/dev/tcp/127.0.0.1/${port}" 2>/dev/null || exit 1
printf 'GET %s HTTP/1.0\r\nHost: localhost\r\nConnection: close\r\n\r\n' "$path" >&3
IFS= read -r -t 5 status <&3 || exit 1
[[ "$status" =~ ^HTTP/1\.[01]\ 200\  ]]
