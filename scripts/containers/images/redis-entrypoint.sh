#!/bin/sh
# As the official redis image does: a redis-server started without a config file listens on every
# interface of its container, so protected mode (which refuses all but loopback clients) is off.
set -e
if [ "$1" = redis-server ]; then set -- "$@" --protected-mode no; fi
exec "$@"
