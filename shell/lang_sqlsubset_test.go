package shell

import "testing"

func FuzzSubsetSQL(f *testing.F) {
	for _, s := range []string{"SELECT 1", "SHOW PROCESSLIST\\G", "/*!1 x*/", "SELECT 'a''b'; DROP TABLE x", "PRAGMA table_info(x)", ".tables"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, fn := range []func(string) (Class, string){mysqlScript, sqliteInput} {
			if c, why := fn(s); c != ReadOnly && c != Mutating && c != Unknown || why == "" {
				t.Fatalf("(%q) = %q %q", s, c, why)
			}
		}
	})
}
