package runner

import (
	"container/heap"

	"github.com/quench-sh/quench"
)

// job is one incident's automatic diagnosis, waiting for a worker: not
// started yet (cont nil), or a diagnosis that gave its worker to a newly
// opened incident between two steps and continues from cont.
type job struct {
	incidentID int64
	severity   quench.Severity
	seq        uint64 // arrival order, for FIFO within a severity
	cont       *diagnosis
	retaken    bool // an earlier claim of the durable queue left it unfinished
}

// before reports whether a runs before b: the more severe incident first;
// at equal severity a diagnosis not started yet before one to continue, so
// a newly opened incident's first command does not wait for other
// incidents' whole diagnoses; then the oldest.
func (a job) before(b job) bool {
	if ra, rb := a.severity.Rank(), b.severity.Rank(); ra != rb {
		return ra > rb
	}
	if (a.cont == nil) != (b.cont == nil) {
		return a.cont == nil
	}
	return a.seq < b.seq
}

// jobQueue is an unbounded priority queue of jobs (see job.before). A new
// job is a few words, so a storm of thousands of incidents costs
// kilobytes, and nothing it holds forks a process.
type jobQueue []job

func (q jobQueue) Len() int { return len(q) }

func (q jobQueue) Less(i, j int) bool { return q[i].before(q[j]) }

func (q jobQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }

func (q *jobQueue) Push(x any) { *q = append(*q, x.(job)) }

func (q *jobQueue) Pop() any {
	old := *q
	n := len(old)
	j := old[n-1]
	*q = old[:n-1]
	return j
}

func (q *jobQueue) push(j job) { heap.Push(q, j) }

// peek returns the job pop would return, without taking it.
func (q jobQueue) peek() (job, bool) {
	if len(q) == 0 {
		return job{}, false
	}
	return q[0], true
}

func (q *jobQueue) pop() (job, bool) {
	if q.Len() == 0 {
		return job{}, false
	}
	return heap.Pop(q).(job), true
}
