#!/bin/bash
# The entry point of qssl's interop runner image, following the runner's endpoint
# conventions: set up the simulated network's routes, let a client wait for the simulator,
# then run the endpoint, whose exit code (0, 1, or 127 for an unsupported test case) is the
# container's.
set -e
/setup.sh
if [ "$ROLE" == "client" ]; then
    /wait-for-it.sh sim:57832 -s -t 30
fi
exec /usr/local/bin/qssl-interop-endpoint
