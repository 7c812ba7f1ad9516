// Package pluto drives Libreswan's IKE daemon for `ipsec auto` and `ipsec
// setup`: it finds the pluto and whack programs and the control socket,
// turns resolved ipsec.conf conns into what pluto takes, loads them, and
// starts and stops pluto.
//
// A conn reaches pluto through one typed model. FromConf builds a Conn
// once from conf's resolved conn, for the Libreswan release pluto is: every
// field typed, the release's defaults applied in one place (defaults.go),
// the keywords the release does not take listed in Conn.Ignored
// (unsupported.go). Small renderers turn the model into each output:
//   - Messages410 (message410.go, wire layer in whackmsg.go): the control
//     socket message of Libreswan 4.10, byte-identical to what its addconn
//     sends (TestEncodeMatchesAddconn);
//   - Messages52 (message52.go, wire layer in whackmsg52.go): the control
//     socket message of Libreswan 5.2, byte-identical to what its addconn
//     sends for the canonical conn (TestEncode52MatchesAddconn);
//   - Argv (argv.go): whack's command line, spelled for 4.10, 5.0–5.2, 5.3
//     or 5.4 and later, with the baseline options that make whack's
//     defaults agree with addconn's;
//   - WriteConf5 (conf5.go): the conn in Libreswan 5's dialect, which 5.x's
//     own addconn loads (TestConf5MatchesAddconn5).
//
// Loader picks the renderer: the 4.10 message for a 4.x pluto (which takes
// it; any other release refuses its magic number and names its own, which
// tells the release when it is a known one, else whack names it), 5.2's
// message for a pluto that asks for 5.2's magic, 5.x's addconn for the
// other 5.x releases and the conns 5.2's message does not carry, whack for
// --showonly and for conns the 4.10 message does not carry. %defaultroute and %IFACE are resolved by kernel's
// resolver, the one `ipsec manual` uses.
package pluto
