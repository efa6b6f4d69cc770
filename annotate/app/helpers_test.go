package app_test

import (
	"testing"
	"time"

	"github.com/wstrace/wstrace/annotate"
	"github.com/wstrace/wstrace/annotate/app"
	"github.com/wstrace/wstrace/capture"
)

func explainFile(t testing.TB, path string, opts app.Options) (*annotate.Result, *app.Result) {
	t.Helper()
	r, err := capture.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	res, err := annotate.Annotate(r, annotate.Options{Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	return res, app.Explain(res, opts)
}
