package ingest

import (
	"bytes"
	"encoding/json"

	"github.com/quench-sh/quench"
)

// genericAlert is quench's own small shape for scripts and cron jobs.
type genericAlert struct {
	Summary  string            `json:"summary"`
	Severity string            `json:"severity"`
	DedupKey string            `json:"dedup_key"`
	Status   string            `json:"status"`
	Labels   map[string]string `json:"labels"`
	Details  json.RawMessage   `json:"details"`
}

// ParseGeneric parses quench's generic alert:
//
//	{"summary": "…", "severity": "…", "dedup_key": "…", "status": "…",
//	 "labels": {"name": "value"}, "details": {…}}
//
// or a JSON array of such objects, which is a batch taken whole or not at
// all (an empty array gives no alerts and no error). summary is required. severity is any word ParseSeverity knows,
// default high. status is firing or trigger (the default), resolved or
// resolve, acknowledged or acknowledge. Without dedup_key the key is a hash
// of summary and labels, so a script that repeats itself raises one
// incident. labels values must be strings; details is any JSON object and is
// kept as Alert.Details.
func ParseGeneric(body []byte) ([]quench.Alert, error) {
	var in []genericAlert
	t := bytes.TrimLeft(body, " \t\r\n")
	batch := len(t) > 0 && t[0] == '['
	var err *quench.Error
	if batch {
		err = decode(body, &in)
	} else {
		in = make([]genericAlert, 1)
		err = decode(body, &in[0])
	}
	if err != nil {
		return nil, err
	}
	if batch {
		if err := checkCount("body", len(in)); err != nil {
			return nil, err
		}
	}
	out := make([]quench.Alert, len(in))
	for i := range in {
		l := loc{index: -1}
		if batch {
			l.index = i
		}
		if err := genericTo(&out[i], &in[i], l); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func genericTo(a *quench.Alert, g *genericAlert, l loc) *quench.Error {
	a.Source = quench.SourceGeneric
	if blank(g.Summary) {
		return invalid("%s is required", l.at("summary"))
	}
	a.Summary = quench.CutText(quench.CleanText(g.Summary), quench.MaxSummaryBytes)
	a.Severity = quench.ParseSeverity(g.Severity, quench.SeverityHigh)

	switch g.Status {
	case "", "firing", "trigger":
		a.Action = quench.ActionTrigger
	case "resolved", "resolve":
		a.Action = quench.ActionResolve
	case "acknowledged", "acknowledge":
		a.Action = quench.ActionAcknowledge
	default:
		return invalid("%s: %s is not firing, resolved or acknowledged", l.at("status"), quote(g.Status))
	}

	var err *quench.Error
	if a.Labels, err = cleanMap(func() string { return l.at("labels") }, "labels", g.Labels); err != nil {
		return err
	}
	a.Annotations = map[string]string{}

	if blank(g.DedupKey) {
		a.DedupKey = contentKey(a.Summary, a.Labels)
	} else {
		a.DedupKey = quench.CleanText(g.DedupKey)
		if err := checkLen(func() string { return l.at("dedup_key") }, a.DedupKey, quench.MaxDedupKeyBytes); err != nil {
			return err
		}
	}

	if t := jsonType(g.Details); t != "object" && t != "null" && t != "nothing" {
		return invalid("%s: expected object, got %s", l.at("details"), t)
	}
	a.Details = cleanRaw(g.Details)
	return nil
}
