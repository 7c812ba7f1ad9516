package oe

import (
	"context"
	"net/netip"
	"testing"

	"goswan/tests/testenv"
)

// BenchmarkGatewayRecords254 builds a gateway's records for a /24: its KEY
// and, for 254 clients, a PTR and an X-IPsec-Server TXT with the key.
func BenchmarkGatewayRecords254(b *testing.B) {
	spec := GatewayForSubnet(netip.MustParseAddr("192.0.2.1"), netip.MustParsePrefix("198.51.100.0/24"), loadPub(b, "host.pub.pem"), 300, "example.com")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := spec.Records(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPlanPack254 groups a /24 gateway's records by zone and packs
// the UPDATE messages (client TXT without the key: with it a /24 exceeds
// the 64 kB message limit).
func BenchmarkPlanPack254(b *testing.B) {
	spec := GatewayForSubnet(netip.MustParseAddr("192.0.2.1"), netip.MustParsePrefix("198.51.100.0/24"), loadPub(b, "host.pub.pem"), 300, "example.com")
	spec.TXTNoKey = true
	rrs, err := spec.Records()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		ups, err := Plan(rrs, testenv.DefaultNamedZones)
		if err != nil {
			b.Fatal(err)
		}
		for _, u := range ups {
			if _, err := u.Msg().Pack(); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkPublishNamed sends the full role's signed update (one zone, KEY
// and TXT) to a real named and waits for its answer.
func BenchmarkPublishNamed(b *testing.B) {
	n := testenv.StartNamed(b)
	key, err := NewTSIGKey(n.KeyName, n.KeyAlg, n.Secret)
	if err != nil {
		b.Fatal(err)
	}
	rrs, err := Full(netip.MustParseAddr("192.0.2.4"), loadPub(b, "host.pub.pem"), 300).Records()
	if err != nil {
		b.Fatal(err)
	}
	ups, err := Plan(rrs, n.Zones)
	if err != nil {
		b.Fatal(err)
	}
	cl := &Client{Server: n.Addr, Key: key}
	for b.Loop() {
		if err := cl.Send(context.Background(), ups); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCheckNamed looks the full role's records up and compares them.
func BenchmarkCheckNamed(b *testing.B) {
	n := testenv.StartNamed(b)
	key, _ := NewTSIGKey(n.KeyName, n.KeyAlg, n.Secret)
	host := loadPub(b, "host.pub.pem")
	rrs, _ := Full(netip.MustParseAddr("192.0.2.4"), host, 300).Records()
	ups, _ := Plan(rrs, n.Zones)
	if err := (&Client{Server: n.Addr, Key: key}).Send(context.Background(), ups); err != nil {
		b.Fatal(err)
	}
	c := Checker{Resolver: &Resolver{Servers: []string{n.Addr}}, Pub: host}
	for b.Loop() {
		for _, r := range c.Records(context.Background(), rrs) {
			if r.Failed() {
				b.Fatal(r)
			}
		}
	}
}
