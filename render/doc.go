// Package render turns an annotated capture into a tutorial page: the model
// that every output format shares ([Page]), the message catalogs in three
// languages ([Catalog]), and the pieces that keep a page safe to publish:
// escaping of everything that came from the wire and redaction of secrets.
//
// One builder makes every page, three ways:
//
//   - [Build] explains a whole [annotate.Result] (annotate.Annotate's);
//   - a [Collector] takes the records of a streaming annotator
//     (annotate.Options.Emit) and keeps what a page can teach, so that a
//     capture of any length gives a page of bounded size: past
//     Options.MaxConnections or Options.MaxPackets it is a digest, the
//     first connections in full and an overview of every one;
//   - a [Follower] explains a running capture one packet at a time, each
//     packet with what the packets before it told (capture --follow, the
//     live page), in bounded memory.
//
// The formats live in sub-packages: render/markdown, render/html and
// render/text write a Page; [WritePcapng] writes the capture back with each
// packet's explanation as a pcapng comment; render/jsonout writes the
// annotation itself as JSON. render/output picks the writer a [Format]
// calls for and runs the whole chain. A program renders a capture like
// this:
//
//	page, err := render.Build(result, render.Capture{Name: "chat.pcap"}, opts)
//	if err != nil { ... }
//	err = markdown.Write(os.Stdout, page)
package render
