package smtp

import (
	"bufio"
	"bytes"
	"net/textproto"
	"testing"
)

// dotWriterOutput is what net/textproto's DotWriter writes for data.
func dotWriterOutput(t testing.TB, data []byte) []byte {
	var b bytes.Buffer
	bw := bufio.NewWriter(&b)
	w := textproto.NewWriter(bw).DotWriter()
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	bw.Flush()
	return b.Bytes()
}

func TestDotStuffed(t *testing.T) {
	for _, in := range []string{
		"", "a", "a\r\n", ".", ".\r\n", "..\r\n", "a\r\n.b\r\n", "a\r\n.\r\n.\r\nb",
		"Subject: x\r\n\r\n.hidden line\r\nok\r\n..two\r\n", "\r\n.\r\n", "no end",
	} {
		if got, want := dotStuffed([]byte(in)), dotWriterOutput(t, []byte(in)); !bytes.Equal(got, want) {
			t.Errorf("dotStuffed(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzDotStuffed checks dotStuffed against net/textproto's DotWriter for
// data with CRLF line ends, as render makes it.
func FuzzDotStuffed(f *testing.F) {
	f.Add([]byte("a\r\n.b\r\n"))
	f.Add([]byte(".\r\n..\r\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		data := toCRLF(bytes.ReplaceAll(raw, []byte("\r"), nil))
		if got, want := dotStuffed(data), dotWriterOutput(t, data); !bytes.Equal(got, want) {
			t.Errorf("dotStuffed(%q) = %q, want %q", data, got, want)
		}
	})
}
