package render

import "testing"

func TestBitDiagram(t *testing.T) {
	got := bitDiagram([]bitField{{"FIN", 1, 1}, {"RSV1", 1, 0}, {"RSV2", 1, 0}, {"RSV3", 1, 0}, {"opcode", 4, 1}, {"MASK", 1, 1}, {"Payload len", 7, 32}, {"Masking-key", 32, 0x9c265fd1}})
	want := ` 0                   1                   2                   3
 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
+-+-+-+-+-------+-+-------------+-------------------------------+
|F|R|R|R|opcode |M| Payload len |          Masking-key          |
|I|S|S|S|       |A|             |                               |
|N|V|V|V|       |S|             |                               |
| |1|2|3|       |K|             |                               |
+-+-+-+-+-------+-+-------------+-------------------------------+
|1|0|0|0|0 0 0 1|1|0 1 0 0 0 0 0|             9c 26             |
+-+-+-+-+-------+-+-------------+-------------------------------+
|    Masking-key (continued)    |
+-------------------------------+
|             5f d1             |
+-------------------------------+
`
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
