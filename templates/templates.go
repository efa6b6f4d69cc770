// Package templates holds wstrace's built-in message catalogs and page
// layouts, embedded in the binary.
//
// The tree is:
//
//	messages/en.txt, zh-TW.txt, zh-CN.txt   the message catalogs
//	layout/guide.md.tmpl                     Markdown page, guide style
//	layout/classic.md.tmpl                   Markdown page, classic style
//	layout/page.html.tmpl                    HTML page (both styles)
//	layout/page.css, layout/page.js          inlined into the HTML page, every
//	                                         rule and query scoped to the trace's
//	                                         root element (class "wstrace")
//	layout/document.css                      the few rules for <html> and <body>,
//	                                         left out of an HTML fragment
//	layout/present.css, layout/present.js    presenter mode, inlined after
//	                                         page.css and page.js
//	layout/live.html.tmpl, layout/live.css,  the live page of --serve (with
//	layout/live.js                           page.css, present.css and their
//	                                         scripts)
//
// `wstrace render --templates DIR` reads files with the same names under DIR
// first: a message file there overrides single messages, a layout file
// replaces the built-in one.
package templates

import "embed"

// FS holds the built-in catalogs and layouts.
//
//go:embed messages/*.txt layout/*
var FS embed.FS
