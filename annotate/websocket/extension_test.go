package websocket

import (
	"errors"
	"reflect"
	"testing"
)

func TestParseExtensions(t *testing.T) {
	pmd := func(params ...Param) Extension { return Extension{Name: DeflateName, Params: params} }
	tests := []struct {
		name string
		in   []string
		want []Extension
	}{
		{"none", nil, nil},
		{"bare", []string{"permessage-deflate"}, []Extension{pmd()}},
		{"chromium offer", []string{"permessage-deflate; client_max_window_bits"},
			[]Extension{pmd(Param{Name: "client_max_window_bits"})}},
		{"RFC 7692 §7.1.3 offers", []string{"permessage-deflate; client_max_window_bits; server_max_window_bits=10, permessage-deflate; client_max_window_bits"},
			[]Extension{
				pmd(Param{Name: "client_max_window_bits"}, Param{Name: "server_max_window_bits", Value: "10", HasValue: true}),
				pmd(Param{Name: "client_max_window_bits"}),
			}},
		{"two fields", []string{"foo", "bar;baz=1"},
			[]Extension{{Name: "foo"}, {Name: "bar", Params: []Param{{Name: "baz", Value: "1", HasValue: true}}}}},
		{"quoted", []string{`permessage-deflate; server_max_window_bits="10"`},
			[]Extension{pmd(Param{Name: "server_max_window_bits", Value: "10", HasValue: true})}},
		{"quoted escape", []string{`x; a="b\"c"`},
			[]Extension{{Name: "x", Params: []Param{{Name: "a", Value: `b"c`, HasValue: true}}}}},
		{"whitespace and empty elements", []string{" ,  permessage-deflate ;\tclient_no_context_takeover , ,"},
			[]Extension{pmd(Param{Name: "client_no_context_takeover"})}},
		{"spaces around =", []string{"x; a = 1"},
			[]Extension{{Name: "x", Params: []Param{{Name: "a", Value: "1", HasValue: true}}}}},
	}
	for _, tt := range tests {
		got, err := ParseExtensions(tt.in)
		if err != nil {
			t.Errorf("%s: ParseExtensions(%q): %v", tt.name, tt.in, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: ParseExtensions(%q) = %+v, want %+v", tt.name, tt.in, got, tt.want)
		}
	}
}

func TestParseExtensionsErrors(t *testing.T) {
	tests := []struct {
		in       string
		wantDone int // extensions returned before the error
	}{
		{";a", 0},
		{"x;", 0},
		{"x; =1", 0},
		{"x; a=", 0},
		{`x; a="unterminated`, 0},
		{"ok, x y", 1},
		{"x; a=1 b", 0},
		{"x; a=\"\x01\"", 0},
		{"é", 0},
	}
	for _, tt := range tests {
		got, err := ParseExtensions([]string{tt.in})
		if !errors.Is(err, ErrBadExtension) {
			t.Errorf("ParseExtensions(%q) error = %v, want ErrBadExtension", tt.in, err)
		}
		if len(got) != tt.wantDone {
			t.Errorf("ParseExtensions(%q) returned %d extensions, want %d", tt.in, len(got), tt.wantDone)
		}
	}
}

func TestExtensionString(t *testing.T) {
	e := Extension{Name: "x", Params: []Param{{Name: "a"}, {Name: "b", Value: "1", HasValue: true}, {Name: "c", Value: "two words", HasValue: true}}}
	if got, want := e.String(), `x; a; b=1; c="two words"`; got != want {
		t.Errorf("String = %q, want %q", got, want)
	}
}

func TestNegotiateDeflate(t *testing.T) {
	parse := func(s string) []Extension {
		if s == "" {
			return nil
		}
		exts, err := ParseExtensions([]string{s})
		if err != nil {
			t.Fatalf("ParseExtensions(%q): %v", s, err)
		}
		return exts
	}
	tests := []struct {
		name, offer, response string
		want                  *DeflateParams
		wantErr               bool
	}{
		{"not negotiated", "permessage-deflate", "", nil, false},
		{"other extension", "permessage-deflate, foo", "foo", nil, false},
		{"defaults", "permessage-deflate", "permessage-deflate",
			&DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}, false},
		{"chromium and ws", "permessage-deflate; client_max_window_bits", "permessage-deflate",
			&DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}, false},
		{"no context takeover", "permessage-deflate; client_no_context_takeover; server_no_context_takeover",
			"permessage-deflate; client_no_context_takeover; server_no_context_takeover",
			&DeflateParams{ServerNoContextTakeover: true, ClientNoContextTakeover: true, ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}, false},
		{"server declares no context takeover", "permessage-deflate", "permessage-deflate; server_no_context_takeover",
			&DeflateParams{ServerNoContextTakeover: true, ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}, false},
		{"window bits", "permessage-deflate; client_max_window_bits; server_max_window_bits=10",
			"permessage-deflate; server_max_window_bits=10; client_max_window_bits=9",
			&DeflateParams{ServerMaxWindowBits: 10, ClientMaxWindowBits: 9}, false},
		{"second offer matches", "permessage-deflate; server_max_window_bits=10, permessage-deflate",
			"permessage-deflate",
			&DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}, false},
		{"unknown offer", "", "permessage-deflate; client_max_window_bits=12",
			&DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 12}, false},
		{"client window not offered", "permessage-deflate", "permessage-deflate; client_max_window_bits=10",
			&DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 10}, true},
		{"server window too large", "permessage-deflate; server_max_window_bits=10", "permessage-deflate; server_max_window_bits=12",
			&DeflateParams{ServerMaxWindowBits: 12, ClientMaxWindowBits: 15}, true},
		{"server window omitted", "permessage-deflate; server_max_window_bits=10", "permessage-deflate",
			&DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}, true},
		{"not offered", "foo", "permessage-deflate",
			&DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}, true},
		{"bad window", "permessage-deflate; client_max_window_bits", "permessage-deflate; client_max_window_bits=16",
			&DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}, true},
		{"leading zero", "", "permessage-deflate; server_max_window_bits=09",
			&DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}, true},
		{"window without value", "", "permessage-deflate; server_max_window_bits",
			&DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}, true},
		{"value on flag", "", "permessage-deflate; server_no_context_takeover=1",
			&DeflateParams{ServerNoContextTakeover: true, ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}, true},
		{"unknown parameter", "", "permessage-deflate; foo",
			&DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}, true},
		{"repeated parameter", "", "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
			&DeflateParams{ServerNoContextTakeover: true, ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}, true},
		{"accepted twice", "", "permessage-deflate, permessage-deflate", nil, true},
	}
	for _, tt := range tests {
		got, err := NegotiateDeflate(parse(tt.offer), parse(tt.response))
		if (err != nil) != tt.wantErr {
			t.Errorf("%s: error = %v, want error %v", tt.name, err, tt.wantErr)
		}
		if err != nil && !errors.Is(err, ErrBadExtension) {
			t.Errorf("%s: error %v does not wrap ErrBadExtension", tt.name, err)
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: params = %+v, want %+v", tt.name, got, tt.want)
		}
	}
}
