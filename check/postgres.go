package check

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/quench-sh/quench/shell"
)

type postgresProbe struct {
	cfg   *pgx.ConnConfig
	query string
}

func newPostgresProbe(s PostgresSpec, timeout time.Duration) (*postgresProbe, error) {
	if s.DSN == "" {
		return nil, fieldErr("postgres.dsn", "is required (postgres://user@host:5432/db)")
	}
	cfg, err := pgx.ParseConfig(s.DSN)
	if err != nil {
		return nil, fieldErr("postgres.dsn", "does not parse (want postgres://user@host:5432/db)")
	}
	if s.Query != "" {
		class, why := shell.ClassifySQL(s.Query)
		if class != shell.ReadOnly {
			return nil, fieldErr("postgres.query", "is %s (%s): a check runs only queries proven read-only", class, why)
		}
	}
	// Belt and braces: the session is read-only and every statement is
	// bounded, whatever the classifier missed.
	cfg.RuntimeParams["statement_timeout"] = strconv.FormatInt(timeout.Milliseconds(), 10)
	cfg.RuntimeParams["default_transaction_read_only"] = "on"
	cfg.RuntimeParams["application_name"] = "quench-check"
	cfg.ConnectTimeout = timeout
	return &postgresProbe{cfg: cfg, query: s.Query}, nil
}

func (p *postgresProbe) probe(ctx context.Context, _ *deps, o *observation) error {
	conn, err := pgx.ConnectConfig(ctx, p.cfg)
	if err != nil {
		return fmt.Errorf("connect: %s", pgMessage(err))
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if p.query == "" {
		return nil
	}
	rows, err := conn.Query(ctx, p.query)
	if err != nil {
		return fmt.Errorf("query: %s", pgMessage(err))
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return fmt.Errorf("query: %s", pgMessage(err))
		}
		o.vars["value"] = nil
		return nil
	}
	vals, err := rows.Values()
	if err != nil {
		return fmt.Errorf("query: %s", pgMessage(err))
	}
	if len(vals) != 1 {
		return fmt.Errorf("query returned %d columns, want one", len(vals))
	}
	o.vars["value"] = sqlValue(vals[0])
	rows.Close()
	return rows.Err()
}

// sqlValue turns a pgx value into one conditions compare: numbers as int
// or exact float (see number), numerics by their decimal text.
func sqlValue(v any) any {
	switch x := v.(type) {
	case int16:
		return int(x)
	case int32:
		return int(x)
	case int64:
		return int(x)
	case float32:
		return float64(x)
	case pgtype.Numeric:
		b, err := x.MarshalJSON()
		if err != nil || string(b) == "null" {
			return nil
		}
		return number(string(b))
	}
	return v
}

// pgMessage is a driver error in one line, without the connection string.
func pgMessage(err error) string { return errMessage(err) }
