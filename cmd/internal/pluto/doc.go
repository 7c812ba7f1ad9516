// Package pluto drives Libreswan's IKE daemon for `ipsec auto` and `ipsec
// setup`: it finds the pluto and whack programs and the control socket,
// turns a resolved ipsec.conf conn into whack command lines (Translate, a
// pure function), runs whack, and starts and stops pluto.
//
// The translation targets the whack of Libreswan 4.10. whack's command line
// fills the same message that Libreswan's addconn sends, but starts from
// different defaults and cannot express every field; Translate adds the
// baseline flags that make the two agree and reports, per conn, every
// keyword it could not pass on, so nothing is dropped silently.
package pluto
