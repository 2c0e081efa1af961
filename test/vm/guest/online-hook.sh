#!/bin/sh
# initqueue/online hook (dracut runs it with the NIC name once that NIC is configured), the point where
# Anaconda's fetch-kickstart-net.sh fetches inst.ks.
/bin/bash /usr/lib/kickstand/anaconda-ks.sh "$1"
