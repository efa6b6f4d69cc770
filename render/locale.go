package render

import (
	"fmt"
	"strings"
)

// LangFromEnv picks the page language from the locale environment variables,
// read through getenv (os.Getenv in a program): the first of LC_ALL,
// LC_MESSAGES and LANG that is set decides, as in POSIX. Chinese locales of
// Taiwan, Hong Kong and Macau, and any zh_Hant locale, give "zh-TW"; other
// Chinese locales give "zh-CN"; everything else, and no locale, gives "en".
func LangFromEnv(getenv func(string) string) string {
	for _, name := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := getenv(name); v != "" {
			return langFromLocale(v)
		}
	}
	return "en"
}

func langFromLocale(loc string) string {
	// language[_territory][.codeset][@modifier]
	loc, _, _ = strings.Cut(loc, ".")
	loc, mod, _ := strings.Cut(loc, "@")
	lang, territory, _ := strings.Cut(strings.ReplaceAll(loc, "-", "_"), "_")
	if !strings.EqualFold(lang, "zh") {
		return "en"
	}
	t := strings.ToLower(territory + "@" + mod)
	switch {
	case strings.Contains(t, "hant"), strings.HasPrefix(t, "tw"), strings.HasPrefix(t, "hk"), strings.HasPrefix(t, "mo"):
		return "zh-TW"
	}
	return "zh-CN"
}

// ParseLang returns the catalog language that s names. It accepts the
// catalog names ("en", "zh-TW", "zh-CN") in any case and with '_' for '-',
// and locale names such as "zh_TW.UTF-8", "zh-Hant" or "en_US".
func ParseLang(s string) (string, error) {
	for _, l := range Languages() {
		if strings.EqualFold(strings.ReplaceAll(s, "_", "-"), l) {
			return l, nil
		}
	}
	lower := strings.ToLower(s)
	switch {
	case lower == "zh" || strings.HasPrefix(lower, "zh_") || strings.HasPrefix(lower, "zh-"):
		return langFromLocale(s), nil
	case lower == "en" || strings.HasPrefix(lower, "en_") || strings.HasPrefix(lower, "en-"):
		return "en", nil
	}
	return "", fmt.Errorf("render: unknown language %q (want one of %s)", s, strings.Join(Languages(), ", "))
}
