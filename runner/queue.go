package runner

import (
	"container/heap"

	"github.com/quench-sh/quench"
)

// job is one incident's automatic diagnosis, waiting for a worker.
type job struct {
	incidentID int64
	severity   quench.Severity
	seq        uint64 // arrival order, for FIFO within a severity
}

// jobQueue is an unbounded priority queue: the most severe incident
// first, then the oldest. A job is a few words, so a storm of thousands of
// incidents costs kilobytes, and nothing it holds forks a process.
type jobQueue []job

func (q jobQueue) Len() int { return len(q) }

func (q jobQueue) Less(i, j int) bool {
	if ri, rj := q[i].severity.Rank(), q[j].severity.Rank(); ri != rj {
		return ri > rj
	}
	return q[i].seq < q[j].seq
}

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

func (q *jobQueue) pop() (job, bool) {
	if q.Len() == 0 {
		return job{}, false
	}
	return heap.Pop(q).(job), true
}
