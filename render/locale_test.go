package render

import "testing"

func TestLangFromEnv(t *testing.T) {
	tests := []struct {
		env  map[string]string
		want string
	}{
		{nil, "en"},
		{map[string]string{"LANG": "zh_TW.UTF-8"}, "zh-TW"},
		{map[string]string{"LANG": "zh_HK.UTF-8"}, "zh-TW"},
		{map[string]string{"LANG": "zh_CN.UTF-8"}, "zh-CN"},
		{map[string]string{"LANG": "zh_SG"}, "zh-CN"},
		{map[string]string{"LANG": "zh"}, "zh-CN"},
		{map[string]string{"LANG": "zh_CN@hant"}, "zh-TW"},
		{map[string]string{"LANG": "de_DE.UTF-8"}, "en"},
		{map[string]string{"LANG": "C"}, "en"},
		{map[string]string{"LANG": "zh_CN.UTF-8", "LC_MESSAGES": "zh_TW.UTF-8"}, "zh-TW"},
		{map[string]string{"LANG": "zh_TW.UTF-8", "LC_MESSAGES": "en_US.UTF-8"}, "en"},
		{map[string]string{"LC_ALL": "zh_CN.UTF-8", "LC_MESSAGES": "zh_TW.UTF-8", "LANG": "en_US"}, "zh-CN"},
		{map[string]string{"LC_ALL": "", "LANG": "zh_TW"}, "zh-TW"},
	}
	for _, tt := range tests {
		got := LangFromEnv(func(k string) string { return tt.env[k] })
		if got != tt.want {
			t.Errorf("LangFromEnv(%v) = %q, want %q", tt.env, got, tt.want)
		}
	}
}

func TestParseLang(t *testing.T) {
	tests := []struct{ in, want string }{
		{"en", "en"}, {"EN", "en"}, {"en_US", "en"}, {"zh-TW", "zh-TW"}, {"zh_tw", "zh-TW"},
		{"zh-Hant", "zh-TW"}, {"zh-CN", "zh-CN"}, {"zh-Hans", "zh-CN"}, {"zh", "zh-CN"},
	}
	for _, tt := range tests {
		got, err := ParseLang(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseLang(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"fr", "", "klingon"} {
		if _, err := ParseLang(bad); err == nil {
			t.Errorf("ParseLang(%q) accepted", bad)
		}
	}
}

func TestFormats(t *testing.T) {
	for path, want := range map[string]Format{"page.html": FormatHTML, "a/b.md": FormatMarkdown, "x.pcapng": FormatPcapng, "x.json": FormatJSON, "x.txt": FormatText, "X.HTM": FormatHTML} {
		if got, ok := FormatForPath(path); !ok || got != want {
			t.Errorf("FormatForPath(%q) = %q, %v", path, got, ok)
		}
	}
	for _, path := range []string{"page", "page.docx", ""} {
		if _, ok := FormatForPath(path); ok {
			t.Errorf("FormatForPath(%q) found a format", path)
		}
	}
	if _, err := ParseFormat("pdf"); err == nil {
		t.Error("ParseFormat(pdf) accepted")
	}
	if s, err := ParseStyle("classic"); err != nil || s != StyleClassic {
		t.Errorf("ParseStyle(classic) = %q, %v", s, err)
	}
	if _, err := ParseStyle("fancy"); err == nil {
		t.Error("ParseStyle(fancy) accepted")
	}
}
