package app_test

import (
	"fmt"

	"github.com/wstrace/wstrace/annotate/app"
)

func ExampleAnalyzer() {
	a := app.NewAnalyzer(app.Options{})
	s := a.Open(app.Handshake{Path: "/socket.io/?EIO=4&transport=websocket"})
	msgs := []app.Message{
		{Loc: app.Loc{Message: 0}, From: app.Client, Data: []byte(`42["login",{"name":"mynick"}]`)},
		{Loc: app.Loc{Message: 1}, From: app.Client, Data: []byte(`420["say","hi, all ！"]`)},
		{Loc: app.Loc{Message: 2}, From: app.Server, Data: []byte(`430[{"ok":true}]`)},
	}
	for _, m := range msgs {
		for _, r := range s.Decode(m) {
			fmt.Println(r.Protocol, r.Type, r.Fields.String("event"), app.Text(r.Fields.Get("args")), r.Links)
		}
	}
	// Output:
	// socket.io EVENT login [{"name":"mynick"}] []
	// socket.io EVENT say ["hi, all ！"] []
	// socket.io ACK  [{"ok":true}] [{answers {1 0} 0}]
}
