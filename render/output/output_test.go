package output_test

import (
	"bytes"
	"errors"
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/wstrace/wstrace/annotate"
	"github.com/wstrace/wstrace/capture"
	"github.com/wstrace/wstrace/render"
	"github.com/wstrace/wstrace/render/html"
	"github.com/wstrace/wstrace/render/jsonout"
	"github.com/wstrace/wstrace/render/markdown"
	"github.com/wstrace/wstrace/render/output"
	"github.com/wstrace/wstrace/render/text"
)

const fixture = "workerman-chat.pcap"

func open(t *testing.T) capture.Source {
	t.Helper()
	r, err := capture.OpenFile(filepath.Join("..", "..", "testdata", fixture))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// direct writes the fixture in format the long way: the whole Result, the
// page, the format's own writer.
func direct(t *testing.T, format render.Format) []byte {
	t.Helper()
	res, err := annotate.Annotate(open(t), annotate.Options{Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if format.Streams() {
		jopts := jsonout.Options{Indent: true, Redact: true}
		if format == render.FormatJSONL {
			err = jsonout.WriteLines(&buf, res, jopts)
		} else {
			err = jsonout.Write(&buf, res, jopts)
		}
		if err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	page, err := render.Build(res, render.Capture{Name: fixture}, render.Options{})
	if err != nil {
		t.Fatal(err)
	}
	switch format {
	case render.FormatHTML:
		err = html.Write(&buf, page)
	case render.FormatText:
		err = text.Write(&buf, page, text.Options{})
	case render.FormatPcapng:
		err = render.WritePcapng(&buf, page)
	default:
		err = markdown.Write(&buf, page)
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestWriteEveryFormat checks that Write, for each format, writes what the
// format's own writer writes of the whole annotated capture.
func TestWriteEveryFormat(t *testing.T) {
	for _, format := range []render.Format{render.FormatMarkdown, render.FormatHTML, render.FormatText,
		render.FormatPcapng, render.FormatJSON, render.FormatJSONL} {
		t.Run(string(format), func(t *testing.T) {
			var got bytes.Buffer
			readErr, err := output.Write(&got, open(t), output.Options{
				Format:   format,
				Annotate: annotate.Options{Location: time.UTC},
				Capture:  render.Capture{Name: fixture},
			})
			if readErr != nil || err != nil {
				t.Fatalf("Write: %v, %v", readErr, err)
			}
			want := direct(t, format)
			if len(want) < 1000 {
				t.Fatalf("only %d bytes written directly", len(want))
			}
			if !bytes.Equal(got.Bytes(), want) {
				t.Errorf("Write gives %d bytes, the format's writer %d: they differ", got.Len(), len(want))
			}
		})
	}
}

// cut is a source that fails after n packets.
type cut struct {
	capture.Source
	n int
}

var errCut = errors.New("cut here")

func (c *cut) Next() (*capture.Packet, error) {
	if c.n == 0 {
		return nil, errCut
	}
	c.n--
	return c.Source.Next()
}

// TestWriteReadError checks that a source failing midway still gives the
// output of the packets before, with the (mapped) failure as readErr, and
// that Stop keeps a page from being written.
func TestWriteReadError(t *testing.T) {
	for _, format := range []render.Format{render.FormatMarkdown, render.FormatJSONL} {
		t.Run(string(format), func(t *testing.T) {
			var got bytes.Buffer
			mapped := errors.New("mapped")
			readErr, err := output.Write(&got, &cut{open(t), 5}, output.Options{
				Format:   format,
				Annotate: annotate.Options{Location: time.UTC},
				Capture:  render.Capture{Name: fixture},
				ReadErr: func(e error) error {
					if !errors.Is(e, errCut) {
						t.Errorf("ReadErr given %v", e)
					}
					return mapped
				},
			})
			if err != nil || readErr != mapped {
				t.Fatalf("Write: readErr %v, err %v; want mapped, nil", readErr, err)
			}
			if got.Len() == 0 {
				t.Error("nothing written for the 5 packets before the failure")
			}
			if format == render.FormatMarkdown && !bytes.Contains(got.Bytes(), []byte("mapped")) {
				t.Error("the page does not name the read error")
			}
		})
	}
	var got bytes.Buffer
	_, err := output.Write(&got, open(t), output.Options{Format: render.FormatHTML, Stop: func() bool { return true }})
	if err != nil || got.Len() != 0 {
		t.Errorf("stopped Write wrote %d bytes, err %v", got.Len(), err)
	}
}

// failing is a writer that always fails.
type failing struct{}

func (failing) Write([]byte) (int, error) { return 0, io.ErrShortWrite }

// TestWriteError checks that a writer's failure is err, not readErr.
func TestWriteError(t *testing.T) {
	for _, format := range []render.Format{render.FormatHTML, render.FormatJSON} {
		readErr, err := output.Write(failing{}, open(t), output.Options{Format: format, Annotate: annotate.Options{Location: time.UTC}})
		if readErr != nil || !errors.Is(err, io.ErrShortWrite) {
			t.Errorf("%s: readErr %v, err %v; want nil, a short write", format, readErr, err)
		}
	}
}
