#!/usr/bin/env bash
# gen-bench-conf.sh DIR N: writes DIR/ipsec.conf with N conns in the shape
# conf/bench_test.go uses: a %default, a shared conn pulled in by also=, and
# the conns spread over ten files under DIR/conns included with a glob.
set -euo pipefail
dir=$1 n=$2
mkdir -p "$dir/conns"
cat > "$dir/ipsec.conf" <<CONF
config setup
	uniqueids=yes

conn %default
	ikelifetime=8h
	keyingtries=3
	authby=secret

conn shared
	left=192.0.2.1
	leftid=@gw.example.com
	leftsubnet=10.0.0.0/16

include conns/*.conf
CONF
for f in 0 1 2 3 4 5 6 7 8 9; do
	awk -v f="$f" -v n="$n" 'BEGIN {
		for (i = f; i < n; i += 10)
			printf "conn c%d\n\talso=shared\n\tright=198.51.%d.%d\n\trightsubnet=172.%d.%d.0/24\n\trightid=@peer%d.example.net\n\tauto=add\n\n", i, int(i/250)%256, i%250+1, 16+int(i/256)%16, i%256, i
	}' > "$dir/conns/part0$f.conf"
done
