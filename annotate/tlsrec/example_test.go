package tlsrec_test

import (
	"fmt"
	"strings"

	"github.com/wstrace/wstrace/annotate/tlsrec"
)

func ExampleSniff() {
	ok, _ := tlsrec.Sniff([]byte("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"))
	fmt.Println(ok)
	ok, _ = tlsrec.Sniff([]byte("GET / HTTP/1.1\r\n"))
	fmt.Println(ok)
	// Output:
	// true
	// false
}

func ExampleParseKeyLog() {
	k, _ := tlsrec.ParseKeyLog(strings.NewReader(
		"# written by a browser\n" +
			"CLIENT_TRAFFIC_SECRET_0 " + strings.Repeat("01", 32) + " " + strings.Repeat("ab", 32) + "\n" +
			"garbage\n"))
	fmt.Println(k)
	// Output:
	// key log: 1 secrets for 1 connections, 1 lines skipped
}

func ExampleSuiteName() {
	fmt.Println(tlsrec.SuiteName(0x1301), tlsrec.SuiteName(0xc02f), tlsrec.SuiteName(0x2a2a))
	// Output:
	// TLS_AES_128_GCM_SHA256 TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 GREASE
}
