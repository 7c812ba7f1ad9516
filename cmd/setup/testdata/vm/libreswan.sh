# Sourced by the guest scripts (run.sh): installs the Libreswan release the
# test copied. /t/root holds host programs at their host paths (Libreswan
# 4.10 and its libraries, or tools a script needs); /t/ls5root holds
# Libreswan 5 from a Debian 13 root, run chrooted there through
# /usr/libexec/ipsec/* wrappers, where Debian 13 installs it. The chroot
# sees the guest's /dev, /proc, /sys, /run, /tmp and /t at their paths; R
# names it ("" for the host's release).
R=
if [ -d /t/root ]; then cp -a /t/root/. / || exit 1; fi
if [ -d /t/ls5root ]; then
  R=/t/ls5root
  for d in dev proc sys run tmp t; do mount -o bind /$d $R/$d || exit 1; done
  mkdir -p /usr/libexec/ipsec
  for p in pluto whack addconn; do
    printf '#!/bin/sh\nexec chroot %s /usr/libexec/ipsec/%s "$@"\n' $R $p > /usr/libexec/ipsec/$p
    chmod 755 /usr/libexec/ipsec/$p
  done
fi
/usr/libexec/ipsec/pluto --version | head -n 1
