#!/usr/bin/env bash
# test_defer_sealed.sh - test_defer.sh with a key on both firewalls:
# between pfsyncd peers the acknowledgement that releases a held packet
# is the reliable stream's ACK, sealed like every other packet (issue 20:
# "sealed or not").  100 connections at 50/s: each at first try, none
# dropped, every hold released by an ACK or counted as timed out.
DEFER_SEALED=1 DEFER_N=${DEFER_N:-100} DEFER_RATE=${DEFER_RATE:-50} \
	exec bash "$(dirname "$0")/test_defer.sh"
