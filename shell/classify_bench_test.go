package shell_test

import (
	"testing"

	"github.com/quench-sh/quench/shell"
)

// typicalStep is a five-line diagnosis step of the reference pack's size.
const typicalStep = `cd /opt/cleaning
git log --oneline -10
curl -fsS https://api.panidobro.com/readyz | jq -e '.db_connected and .migrations_current'
docker compose logs --tail=500 api | grep -iE 'error|timeout' | tail -n 40
docker compose exec -T db psql -U app -d app -c "SELECT count(*) FROM dead_letter_jobs WHERE failed_at > now() - interval '1 hour'"
`

func BenchmarkClassify(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(typicalStep)))
	for b.Loop() {
		if c, _, err := shell.Classify(typicalStep); err != nil || c != shell.ReadOnly {
			b.Fatalf("Classify = %v, %v", c, err)
		}
	}
}

// BenchmarkClassifyCorpus classifies every command of testdata/corpus
// once per iteration and reports classifications per second.
func BenchmarkClassifyCorpus(b *testing.B) {
	cases := corpusFiles(b)
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		for _, tt := range cases {
			shell.Classify(tt.cmd)
			n++
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "classifications/s")
}
