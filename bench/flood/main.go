// Command flood sends UDP datagrams (or, with -tcp, small TCP segments) to a
// loopback port as fast as it can for a bounded time, with a trickle of UDP
// datagrams to a second port beside them, for bench/flood.sh: the trickle is
// what a narrow capture filter keeps.
//
//	go run ./bench/flood -d 5s -flood 127.0.0.1:7777 -trickle 127.0.0.1:5555
//
// It prints how many datagrams (or TCP writes) it sent to each port.
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	duration := flag.Duration("d", 5*time.Second, "send for `D`")
	floodAddr := flag.String("flood", "127.0.0.1:7777", "flood `ADDR` (loopback only)")
	trickleAddr := flag.String("trickle", "127.0.0.1:5555", "trickle `ADDR` (loopback only)")
	senders := flag.Int("senders", 2, "flooding goroutines")
	size := flag.Int("size", 64, "payload bytes of each flood datagram")
	rate := flag.Int("rate", 200, "trickle datagrams per second")
	useTCP := flag.Bool("tcp", false, "flood with TCP writes of -size bytes (TCP_NODELAY) instead of UDP")
	flag.Parse()
	for _, a := range []string{*floodAddr, *trickleAddr} {
		ua, err := net.ResolveUDPAddr("udp", a)
		if err != nil {
			log.Fatal(err)
		}
		if !ua.IP.IsLoopback() {
			log.Fatalf("%s is not a loopback address", a)
		}
	}
	// Listeners, so that the datagrams are delivered and not answered with
	// ICMP port unreachable.
	for _, a := range []string{*floodAddr, *trickleAddr} {
		c, err := net.ListenPacket("udp", a)
		if err != nil {
			log.Fatal(err)
		}
		defer c.Close()
		if uc, ok := c.(*net.UDPConn); ok {
			_ = uc.SetReadBuffer(64 << 20)
		}
		go func() {
			buf := make([]byte, 65536)
			for {
				if _, _, err := c.ReadFrom(buf); err != nil {
					return
				}
			}
		}()
	}
	floodNet := "udp"
	if *useTCP {
		floodNet = "tcp"
		l, err := net.Listen("tcp", *floodAddr)
		if err != nil {
			log.Fatal(err)
		}
		defer l.Close()
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				go func() {
					defer c.Close()
					buf := make([]byte, 1<<16)
					for {
						if _, err := c.Read(buf); err != nil {
							return
						}
					}
				}()
			}
		}()
	}
	deadline := time.Now().Add(*duration)
	var flooded, trickled atomic.Int64
	var wg sync.WaitGroup
	for range *senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.Dial(floodNet, *floodAddr)
			if err != nil {
				log.Fatal(err)
			}
			defer c.Close()
			payload := make([]byte, *size)
			for n := 0; ; n++ {
				if n%1024 == 0 && time.Now().After(deadline) {
					return
				}
				if _, err := c.Write(payload); err == nil {
					flooded.Add(1)
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		c, err := net.Dial("udp", *trickleAddr)
		if err != nil {
			log.Fatal(err)
		}
		defer c.Close()
		tick := time.NewTicker(time.Second / time.Duration(*rate))
		defer tick.Stop()
		for now := range tick.C {
			if now.After(deadline) {
				return
			}
			if _, err := c.Write([]byte("trickle")); err == nil {
				trickled.Add(1)
			}
		}
	}()
	wg.Wait()
	fmt.Printf("flood %d trickle %d\n", flooded.Load(), trickled.Load())
}
