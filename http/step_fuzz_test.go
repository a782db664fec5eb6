package http

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/quench-sh/quench"
)

// FuzzReadEvents feeds arbitrary bytes to the client's event-stream
// parser, as a hostile or broken server could send: it never panics, every
// event it reports has a name, and a stream the server's own writer made
// comes back event for event.
func FuzzReadEvents(f *testing.F) {
	for _, seed := range []string{
		"event: output\ndata: {\"data\":\"x\"}\n\n", ": heartbeat\n\n", "data: a\ndata: b\n\n", "event: done\n\n",
		"event:x\ndata:y\n\n", "data\n\n", "\n\n\n", "event: output\r\ndata: 1\r\n\r\n", ":\n", "retry: 10\nid: 3\n\n",
		"event: output\ndata: " + strings.Repeat("x", 1000), "\xff\xfe: \x00\n\n",
	} {
		f.Add([]byte(seed), "step output \u00e9\n")
	}
	f.Fuzz(func(t *testing.T, stream []byte, data string) {
		err := readEvents(bytes.NewReader(stream), func(name string, _ []byte) error {
			if name == "" {
				t.Fatalf("an event without a name from %q", stream)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("readEvents(%q) = %v", stream, err)
		}

		// Round trip through the server's writer.
		rec := httptest.NewRecorder()
		sse := newSSEStream(rec)
		want := quench.StepOutput{IncidentID: 7, Step: "s", Data: data}
		sse.heartbeat()
		sse.event(eventOutput, want)
		sse.event(eventDone, quench.StepOutput{IncidentID: 7, Step: "s", Done: true})
		var got []string
		err = readEvents(rec.Body, func(name string, b []byte) error {
			got = append(got, name)
			if name == eventOutput {
				var so quench.StepOutput
				if err := json.Unmarshal(b, &so); err != nil {
					t.Fatalf("output event %q: %v", b, err)
				}
				if utf8.ValidString(data) && so.Data != data {
					t.Fatalf("round trip of %q gave %q", data, so.Data)
				}
			}
			return nil
		})
		if err != nil || strings.Join(got, ",") != "output,done" {
			t.Fatalf("round trip events %v, %v", got, err)
		}
	})
}

// FuzzLiveOutput splits arbitrary output at arbitrary points, as a step's
// writes may: the events carry every byte of valid UTF-8 output exactly,
// a character split across writes included, and never an invalid one.
func FuzzLiveOutput(f *testing.F) {
	f.Add([]byte("tick 1\ntick 2\n"), uint8(3), uint8(9))
	f.Add([]byte("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\xa5"), uint8(4), uint8(9))
	f.Add([]byte("\xff\xc3"), uint8(1), uint8(1))
	f.Add([]byte(""), uint8(0), uint8(0))
	f.Fuzz(func(t *testing.T, out []byte, cut1, cut2 uint8) {
		a := min(int(cut1), len(out))
		b := min(max(int(cut2), a), len(out))
		rec := httptest.NewRecorder()
		live := newLiveOutput(newSSEStream(rec), 1, "s")
		for _, chunk := range [][]byte{out[:a], out[a:b], out[b:]} {
			if n, err := live.Write(chunk); n != len(chunk) || err != nil {
				t.Fatalf("Write = %d, %v", n, err)
			}
		}
		live.finish()
		var got strings.Builder
		err := readEvents(rec.Body, func(name string, data []byte) error {
			var so quench.StepOutput
			if err := json.Unmarshal(data, &so); err != nil {
				t.Fatalf("event %q: %v", data, err)
			}
			if so.Data == "" {
				t.Fatalf("an empty output event")
			}
			got.WriteString(so.Data)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if !utf8.ValidString(got.String()) {
			t.Fatalf("invalid UTF-8 sent: %q", got.String())
		}
		if utf8.Valid(out) && got.String() != string(out) {
			t.Fatalf("output %q split at %d,%d came out as %q", out, a, b, got.String())
		}
	})
}

// FuzzWantsStream: arbitrary query strings and Accept headers never panic;
// a refusal is EINVALID, and only ?stream or text/event-stream in Accept
// asks for a stream.
func FuzzWantsStream(f *testing.F) {
	for _, seed := range [][2]string{
		{"stream=1", ""}, {"stream=true", ""}, {"stream=0", "text/event-stream"}, {"", "text/event-stream"},
		{"", "application/json, TEXT/EVENT-STREAM;q=0.9"}, {"stream=maybe", ""}, {"%zz", ";;,,"}, {"", "*/*"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, query, accept string) {
		q, err := url.ParseQuery(query)
		if err != nil {
			return
		}
		r := &http.Request{URL: &url.URL{RawQuery: q.Encode()}, Header: http.Header{"Accept": {accept}}}
		got, err := wantsStream(r)
		if err != nil {
			if quench.ErrorCode(err) != quench.EINVALID {
				t.Fatalf("wantsStream(%q, %q) = %v", query, accept, err)
			}
			return
		}
		if got && q.Get("stream") == "" && !strings.Contains(strings.ToLower(accept), "text/event-stream") {
			t.Fatalf("a stream without asking: query %q, Accept %q", query, accept)
		}
	})
}

// TestUTF8Boundary pins where a chunk of output is cut.
func TestUTF8Boundary(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want int
	}{
		{"", 0}, {"abc", 3}, {"caf\xc3", 3}, {"caf\xc3\xa9", 5}, {"\xe2\x82", 0}, {"x\xe2\x82\xac", 4},
		{"\xf0\x9f\x94", 0}, {"\xf0\x9f\x94\xa5", 4}, {"\xff", 1}, {"a\x80", 2}, {"\x80\x80\x80\x80", 4},
	} {
		if got := utf8Boundary([]byte(tt.in)); got != tt.want {
			t.Errorf("utf8Boundary(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}
