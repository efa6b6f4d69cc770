package demo_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/wstrace/wstrace/demo"
)

// Play the seed tutorial's scenario and print what mynick's browser received.
func ExampleRun() {
	tr, err := demo.Run(context.Background(), demo.Config{
		Addr:  "127.0.0.1:0", // any free port
		Clock: func() time.Time { return time.Date(2014, 8, 12, 17, 50, 30, 0, time.UTC) },
		Pause: time.Millisecond,
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, m := range tr.Messages("mynick") {
		fmt.Println(m)
	}
	// Output:
	// {"type":"user_list","user_list":[{"uid":101,"name":"listener"},{"uid":102,"name":"mynick"}]}
	// {"type":"login","uid":102,"name":"mynick","time":"2014-08-12 17:50:30"}
	// {"type":"say","from_uid":102,"to_uid":"all","content":"hi, all !","time":"2014-08-12 17:50:30"}
}
