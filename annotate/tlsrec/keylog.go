package tlsrec

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"fmt"
	"io"
)

// Secret labels of the NSS key log format
// (https://datatracker.ietf.org/doc/draft-ietf-tls-keylogfile/).
const (
	LabelClientRandom           = "CLIENT_RANDOM" // TLS 1.2: the master secret
	LabelClientHandshakeTraffic = "CLIENT_HANDSHAKE_TRAFFIC_SECRET"
	LabelServerHandshakeTraffic = "SERVER_HANDSHAKE_TRAFFIC_SECRET"
	LabelClientTraffic0         = "CLIENT_TRAFFIC_SECRET_0"
	LabelServerTraffic0         = "SERVER_TRAFFIC_SECRET_0"
	LabelClientEarlyTraffic     = "CLIENT_EARLY_TRAFFIC_SECRET"
	LabelExporter               = "EXPORTER_SECRET"
)

var knownLabels = map[string]bool{
	LabelClientRandom: true, LabelClientHandshakeTraffic: true, LabelServerHandshakeTraffic: true,
	LabelClientTraffic0: true, LabelServerTraffic0: true, LabelClientEarlyTraffic: true,
	LabelExporter: true,
}

// maxKeyLogLine bounds one line of a key log; real lines are under 200
// bytes.
const maxKeyLogLine = 4096

// A KeyLog holds the secrets of a key log, by client random. It never
// prints them: its methods report only counts.
//
// The zero value is an empty key log, ready to use.
type KeyLog struct {
	secrets map[[32]byte]map[string][]byte
	entries int // secrets kept
	skipped int // lines that are not a secret of a known label
	lines   int // lines read, comments and blank lines included
}

// ParseKeyLog reads a key log in the NSS format: one
// "LABEL <client random hex> <secret hex>" a line, # comments and blank lines
// ignored. Lines it cannot use (unknown labels, bad hex, wrong lengths,
// over-long lines) are skipped and counted (see Skipped); only an error of r
// is returned.
func ParseKeyLog(r io.Reader) (*KeyLog, error) {
	k := new(KeyLog)
	if err := k.Read(r); err != nil {
		return nil, err
	}
	return k, nil
}

// Read adds the lines of r to the key log, as ParseKeyLog does.
func (k *KeyLog) Read(r io.Reader) error {
	br := bufio.NewReaderSize(r, maxKeyLogLine)
	for {
		line, isPrefix, err := br.ReadLine()
		if len(line) > 0 || isPrefix {
			if isPrefix { // over-long: skip to its end
				for isPrefix && err == nil {
					_, isPrefix, err = br.ReadLine()
				}
				k.lines++
				k.skipped++
			} else {
				k.AddLine(line)
			}
		} else if err == nil {
			k.lines++
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read key log: %w", err)
		}
	}
}

// AddLine adds one line of a key log and reports whether it held a secret
// the key log kept.
func (k *KeyLog) AddLine(line []byte) bool {
	k.lines++
	line = bytes.TrimSpace(line)
	if len(line) == 0 || line[0] == '#' {
		return false
	}
	f := bytes.Fields(line)
	if len(f) != 3 || !knownLabels[string(f[0])] || len(f[1]) != 64 || len(f[2]) > 256 || len(f[2])%2 != 0 || len(f[2]) == 0 {
		k.skipped++
		return false
	}
	var cr [32]byte
	if _, err := hex.Decode(cr[:], f[1]); err != nil {
		k.skipped++
		return false
	}
	secret := make([]byte, len(f[2])/2)
	if _, err := hex.Decode(secret, f[2]); err != nil {
		k.skipped++
		return false
	}
	if f[0][0] == 'C' && string(f[0]) == LabelClientRandom && len(secret) != 48 {
		k.skipped++
		return false
	}
	if k.secrets == nil {
		k.secrets = make(map[[32]byte]map[string][]byte)
	}
	m := k.secrets[cr]
	if m == nil {
		m = make(map[string][]byte)
		k.secrets[cr] = m
	}
	if _, dup := m[string(f[0])]; !dup {
		k.entries++
	}
	m[string(f[0])] = secret
	return true
}

// Len returns the number of secrets kept.
func (k *KeyLog) Len() int {
	if k == nil {
		return 0
	}
	return k.entries
}

// Skipped returns the number of lines that were neither a secret, a comment
// nor blank.
func (k *KeyLog) Skipped() int {
	if k == nil {
		return 0
	}
	return k.skipped
}

// Connections returns the number of client randoms with at least one secret.
func (k *KeyLog) Connections() int {
	if k == nil {
		return 0
	}
	return len(k.secrets)
}

// Has reports whether the key log holds any secret for the client random.
func (k *KeyLog) Has(clientRandom [32]byte) bool {
	return k != nil && len(k.secrets[clientRandom]) > 0
}

// secret returns the secret of the label for the client random, or nil.
func (k *KeyLog) secret(clientRandom [32]byte, label string) []byte {
	if k == nil {
		return nil
	}
	return k.secrets[clientRandom][label]
}

// Merge adds the secrets of o to k.
func (k *KeyLog) Merge(o *KeyLog) {
	if o == nil {
		return
	}
	for cr, m := range o.secrets {
		for label, s := range m {
			if k.secrets == nil {
				k.secrets = make(map[[32]byte]map[string][]byte)
			}
			km := k.secrets[cr]
			if km == nil {
				km = make(map[string][]byte)
				k.secrets[cr] = km
			}
			if _, dup := km[label]; !dup {
				k.entries++
			}
			km[label] = s
		}
	}
	k.skipped += o.skipped
	k.lines += o.lines
}

// String reports counts only, never a secret.
func (k *KeyLog) String() string {
	return fmt.Sprintf("key log: %d secrets for %d connections, %d lines skipped", k.Len(), k.Connections(), k.Skipped())
}

// GoString reports counts only, never a secret.
func (k *KeyLog) GoString() string { return k.String() }
