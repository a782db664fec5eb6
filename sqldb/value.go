package sqldb

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/quench-sh/quench"
)

// utc normalises a time for storage: UTC, to the microsecond, which is what
// both dialects keep. Values are normalised before they are stored and
// returned, so what a caller gets back equals what a later read returns.
func utc(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// timeCol scans a time column of either dialect: time.Time from pgx and from
// SQLite TIMESTAMP columns, integer microseconds from SQLite expressions that
// lose the column type.
type timeCol struct {
	T     time.Time
	Valid bool
}

// Scan implements sql.Scanner.
func (c *timeCol) Scan(v any) error {
	c.Valid = true
	switch x := v.(type) {
	case nil:
		c.T, c.Valid = time.Time{}, false
	case time.Time:
		c.T = x.UTC()
	case int64:
		c.T = time.UnixMicro(x).UTC()
	case string:
		return c.parse(x)
	case []byte:
		return c.parse(string(x))
	default:
		return fmt.Errorf("sqldb: cannot scan %T into a time", v)
	}
	return nil
}

func (c *timeCol) parse(s string) error {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fmt.Errorf("sqldb: time %q: %w", s, err)
	}
	c.T = t.UTC()
	return nil
}

// ptr returns the time, or nil for NULL.
func (c timeCol) ptr() *time.Time {
	if !c.Valid {
		return nil
	}
	t := c.T
	return &t
}

// nullTime binds a possibly nil time.
func nullTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return utc(*t)
}

// nullString binds "" as NULL.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// encodeMap stores a label map as JSON, keys and values cleaned. Nil and
// empty maps are "{}".
func encodeMap(m map[string]string) (string, error) {
	if len(m) == 0 {
		return "{}", nil
	}
	c := make(map[string]string, len(m))
	for k, v := range m {
		c[quench.CleanText(k)] = quench.CleanText(v)
	}
	b, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("sqldb: encode labels: %w", err)
	}
	return string(b), nil
}

// decodeMap reads a stored label map; it is never nil.
func decodeMap(s string) (map[string]string, error) {
	m := map[string]string{}
	if s == "" || s == "{}" {
		return m, nil
	}
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, fmt.Errorf("sqldb: decode labels: %w", err)
	}
	return m, nil
}

// cleanJSON validates caller-supplied JSON data and makes its text safe to
// store; "" and "null" mean no data.
func cleanJSON(what string, data []byte) (string, error) {
	if len(data) == 0 || string(data) == "null" {
		return "", nil
	}
	if !json.Valid(data) {
		return "", quench.Errorf(quench.EINVALID, "%s: data is not valid JSON", what)
	}
	return quench.CleanText(string(data)), nil
}
