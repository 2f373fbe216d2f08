#!/bin/bash
# test_ct_ftp6: test_ct_ftp over IPv6 (EPSV and EPRT through A, failover,
# the data connections and new ones through B; the control), without NAT.
FTP_SCENARIOS=6 exec bash "$(dirname "$0")/test_ct_ftp.sh"
