package main

import "testing"

func TestParseRange(t *testing.T) {
	tests := []struct {
		in          string
		first, last int
		err         bool
	}{
		{"12-30", 12, 30, false}, {"5", 5, 5, false}, {"7-", 7, 0, false}, {"-9", 0, 9, false},
		{"30-12", 0, 0, true}, {"a-b", 0, 0, true}, {"-", 0, 0, true}, {"0-3", 0, 0, true}, {"1.5", 0, 0, true},
	}
	for _, tt := range tests {
		f, l, err := parseRange(tt.in)
		if (err != nil) != tt.err || f != tt.first || l != tt.last {
			t.Errorf("parseRange(%q) = %d, %d, %v", tt.in, f, l, err)
		}
	}
}
