package http

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"

	"github.com/quench-sh/quench"
)

// statusOf maps a domain error code to an HTTP status. It is the only place
// codes become statuses; the client's codeOf is its inverse.
func statusOf(code string) int {
	switch code {
	case "":
		return http.StatusOK
	case quench.EINVALID:
		return http.StatusBadRequest
	case quench.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case quench.EFORBIDDEN:
		return http.StatusForbidden
	case quench.ENOTFOUND:
		return http.StatusNotFound
	case quench.ECONFLICT:
		return http.StatusConflict
	case quench.ETOOLARGE:
		return http.StatusRequestEntityTooLarge
	case quench.EUNSUPPORTED:
		return http.StatusUnsupportedMediaType
	case quench.EUNAVAILABLE:
		return http.StatusServiceUnavailable
	case quench.EQUEUED:
		return http.StatusAccepted
	}
	return http.StatusInternalServerError
}

// codeOf maps a status back to a domain error code, for the client.
func codeOf(status int) string {
	switch status {
	case http.StatusBadRequest:
		return quench.EINVALID
	case http.StatusUnauthorized:
		return quench.EUNAUTHORIZED
	case http.StatusForbidden:
		return quench.EFORBIDDEN
	case http.StatusNotFound:
		return quench.ENOTFOUND
	case http.StatusConflict:
		return quench.ECONFLICT
	case http.StatusRequestEntityTooLarge:
		return quench.ETOOLARGE
	case http.StatusUnsupportedMediaType:
		return quench.EUNSUPPORTED
	case http.StatusServiceUnavailable:
		return quench.EUNAVAILABLE
	case http.StatusAccepted:
		return quench.EQUEUED
	}
	return quench.EINTERNAL
}

// errorBody is the JSON shape of every error answer but PagerDuty's.
type errorBody struct {
	Error string `json:"error"`
}

// errorStatus returns the status and the client-safe message of err,
// logging errors that are not the client's doing so they are never lost
// and never leaked.
func (s *Server) errorStatus(r *http.Request, err error) (int, string) {
	code := quench.ErrorCode(err)
	status := statusOf(code)
	if status >= 500 {
		// The cause stays in the log; the client sees only the code's
		// message (an EUNAVAILABLE message is written for clients) or
		// "internal error".
		s.logger().ErrorContext(r.Context(), "request failed",
			"method", r.Method, "path", r.URL.Path, "code", code, "err", err)
	}
	return status, quench.ErrorMessage(err)
}

// writeError answers with {"error": …} and the status err's code maps to.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	status, msg := s.errorStatus(r, err)
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="quench"`)
	}
	writeJSON(w, status, errorBody{Error: msg})
}

// writeJSON answers with v as JSON. Encoding errors can only come from a
// bug in a response type, and the status is already sent, so they are
// dropped.
func writeJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// checkJSONContentType accepts application/json with an optional UTF-8
// charset, the only media type every source sends.
func checkJSONContentType(r *http.Request) error {
	ct := r.Header.Get("Content-Type")
	if ct == "application/json" || ct == "application/json; charset=utf-8" {
		return nil // what every source sends, without parsing it on every request
	}
	if ct == "" {
		return quench.Errorf(quench.EUNSUPPORTED, "Content-Type is missing; send application/json")
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || mt != "application/json" {
		return quench.Errorf(quench.EUNSUPPORTED, "Content-Type %q is not supported; send application/json", quench.CutText(ct, 100))
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") && !strings.EqualFold(cs, "utf8") {
		return quench.Errorf(quench.EUNSUPPORTED, "charset %q is not supported; send UTF-8", quench.CutText(cs, 100))
	}
	return nil
}

// readBody checks the media type and reads the whole body, refusing more
// than limit bytes with ETOOLARGE.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	if err := checkJSONContentType(r); err != nil {
		return nil, err
	}
	if r.ContentLength > limit {
		return nil, quench.Errorf(quench.ETOOLARGE, "request body is %d bytes, over the limit of %d", r.ContentLength, limit)
	}
	rd := http.MaxBytesReader(w, r.Body, limit)
	var body []byte
	var err error
	if r.ContentLength > 0 {
		// One allocation of the announced size instead of ReadAll's
		// doubling; a body longer than announced is an error of the
		// transport, a shorter one reads as io.ErrUnexpectedEOF.
		body = make([]byte, r.ContentLength)
		_, err = io.ReadFull(rd, body)
	} else {
		body, err = io.ReadAll(rd)
	}
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, quench.Errorf(quench.ETOOLARGE, "request body is over the limit of %d bytes", limit)
		}
		return nil, quench.Errorf(quench.EINVALID, "reading request body: %v", err)
	}
	return body, nil
}

// decodeJSON reads a JSON request body into v strictly: unknown fields and
// trailing data are errors, and every error says where.
func decodeJSON(w http.ResponseWriter, r *http.Request, limit int64, v any) error {
	body, err := readBody(w, r, limit)
	if err != nil {
		return err
	}
	return unmarshalStrict(body, v)
}

func unmarshalStrict(body []byte, v any) error {
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err, int64(len(body)))
	}
	if dec.More() {
		return quench.Errorf(quench.EINVALID, "invalid JSON: unexpected data after the object at byte %d", dec.InputOffset())
	}
	return nil
}

// jsonError turns encoding/json's errors into EINVALID messages that name
// the byte offset (as encoding/json counts it, like the ingest parsers) or
// the field; size is the body's length, where an unexpected end is.
func jsonError(err error, size int64) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF):
		return quench.Errorf(quench.EINVALID, "invalid JSON: the body is empty")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return quench.Errorf(quench.EINVALID, "invalid JSON: unexpected end of input at byte %d", size)
	case errors.As(err, &syn):
		return quench.Errorf(quench.EINVALID, "invalid JSON at byte %d: %s", syn.Offset, strings.TrimPrefix(syn.Error(), "json: "))
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "the body"
		}
		got, _, _ := strings.Cut(typ.Value, " ") // "number 1.5" → "number"
		if got == "bool" {
			got = "boolean"
		}
		return quench.Errorf(quench.EINVALID, "%s: expected %s, got %s", field, jsonKind(typ.Type.Kind().String()), got)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return quench.Errorf(quench.EINVALID, "unknown field %s", strings.TrimPrefix(err.Error(), "json: unknown field "))
	}
	return quench.Errorf(quench.EINVALID, "invalid JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
}

// jsonKind names a Go kind as JSON calls it.
func jsonKind(kind string) string {
	switch kind {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "struct", "map":
		return "object"
	case "slice", "array":
		return "array"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		return "integer"
	case "float32", "float64":
		return "number"
	}
	return kind
}

func (s *Server) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}
