#!/bin/bash
# test_restart_tombs.sh - test_restart_ghosts.sh without provenance: the
# restarted node announces every re-read entry as its own, and its
# peer's tombstones, which match the connection whatever its id and
# creator, refuse the ones it deleted meanwhile (0 ghosts, 0 resurrected).
PROV_CONF="" exec bash "$(dirname "$0")/test_restart_ghosts.sh"
