package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/wstrace/wstrace/annotate/tlsrec"
	"github.com/wstrace/wstrace/capture"
)

// keyLogSecrets reads the key log that --keylog names, as the secrets of a
// Decryption Secrets Block; none without the flag.
func (f *pageFlags) keyLogSecrets() ([]capture.Secrets, error) {
	if f.keylog == "" {
		return nil, nil
	}
	b, err := os.ReadFile(f.keylog)
	if err != nil {
		return nil, fmt.Errorf("--keylog: %w", err)
	}
	if f.keys, err = tlsrec.ParseKeyLog(bytes.NewReader(b)); err != nil {
		return nil, fmt.Errorf("--keylog %s: %w", f.keylog, err)
	}
	return []capture.Secrets{{Type: capture.SecretsTLSKeyLog, Data: b}}, nil
}

// sourceSecrets returns the secrets a capture carried (pcapng Decryption
// Secrets Blocks), after reading it.
func sourceSecrets(src capture.Source) []capture.Secrets {
	if s, ok := src.(capture.SecretsSource); ok {
		return s.Secrets()
	}
	return nil
}

// embedSecrets rewrites the pcapng file at path with the secrets in
// Decryption Secrets Blocks before its packets, so that the file decrypts
// by itself (tshark, Wireshark and wstrace read them without a flag). The
// key log is read only now, after the capture, because the browser writes
// each connection's keys while it runs.
func embedSecrets(path string, secrets []capture.Secrets) (err error) {
	in, err := capture.OpenFile(path)
	if err != nil {
		return err
	}
	defer in.Close()
	tmp, err := os.CreateTemp(filepath.Dir(path), ".wstrace-*.pcapng")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	w, err := capture.NewNgWriter(tmp, capture.NgWriterOptions{Application: "wstrace " + buildVersion()})
	if err != nil {
		return err
	}
	for _, s := range append(in.Secrets(), secrets...) {
		if err := w.WriteSecrets(s.Type, s.Data); err != nil {
			return err
		}
	}
	for _, ifc := range in.Interfaces() {
		if err := w.WriteInterface(ifc); err != nil {
			return err
		}
	}
	for {
		p, err := in.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if err := w.WritePacket(p); err != nil {
			return err
		}
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if fi, err := os.Stat(path); err == nil {
		os.Chmod(tmp.Name(), fi.Mode().Perm())
	}
	return os.Rename(tmp.Name(), path)
}

// Secrets passes on the secrets of the capture it reads, so that the
// annotator finds them through the wrapper.
func (k *knownLinkTypes) Secrets() []capture.Secrets { return sourceSecrets(k.Source) }
