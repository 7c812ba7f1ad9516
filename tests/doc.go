// Package tests holds goswan's end-to-end tests: they build the ipsec
// binary, run it as a user would (through `ipsec APPLET` and the
// ipsec_APPLET links), and compare its results with the real components —
// Libreswan 4.10, BIND, the kernel — where those have the same command.
package tests
