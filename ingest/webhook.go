package ingest

import (
	"encoding/json"

	"github.com/quench-sh/quench"
)

// webhook is the notification Alertmanager (version 4) and Grafana's unified
// alerting (version 1, Alertmanager's shape plus a few fields) post. Fields
// quench does not use (groupLabels, commonLabels, commonAnnotations, message,
// notification_reason, …) are left out and so ignored.
type webhook struct {
	Version         string          `json:"version"`
	Status          string          `json:"status"`
	Receiver        string          `json:"receiver"`
	GroupKey        string          `json:"groupKey"`
	ExternalURL     string          `json:"externalURL"`
	TruncatedAlerts int64           `json:"truncatedAlerts"`
	RouteLabels     json.RawMessage `json:"routeLabels"` // Alertmanager ≥ 0.28
	OrgID           int64           `json:"orgId"`       // Grafana
	State           string          `json:"state"`       // Grafana
	Alerts          []webhookAlert  `json:"alerts"`
}

type webhookAlert struct {
	Status       string            `json:"status"`
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     string            `json:"startsAt"`
	EndsAt       string            `json:"endsAt"`
	GeneratorURL string            `json:"generatorURL"`
	Fingerprint  string            `json:"fingerprint"`

	// Grafana only.
	SilenceURL   string          `json:"silenceURL"`
	DashboardURL string          `json:"dashboardURL"`
	PanelURL     string          `json:"panelURL"`
	ImageURL     string          `json:"imageURL"`
	Values       json.RawMessage `json:"values"`
	ValueString  string          `json:"valueString"`
}

// ParseAlertmanager parses an Alertmanager webhook notification (payload
// version "4", as Alertmanager 0.x sends it). Each alert in the notification
// becomes its own Alert: firing alerts trigger, resolved alerts resolve, and
// the dedup key is the alert's fingerprint (or, when absent, the same FNV-1a
// hash of its sorted labels that Alertmanager computes). Severity comes from
// the `severity` label and defaults to high, because an alert someone routed
// to a pager should not be understated for lack of a label. Details keep
// receiver, groupKey, externalURL, truncatedAlerts, routeLabels and the
// alert's generatorURL. A notification with an empty alerts array gives no
// alerts and no error; one without an alerts array is refused.
func ParseAlertmanager(body []byte) ([]quench.Alert, error) {
	alerts, err := parseWebhook(body, quench.SourceAlertmanager, "4")
	if err != nil {
		return nil, err
	}
	return alerts, nil
}

// ParseGrafana parses a Grafana alerting webhook notification (unified
// alerting, payload version "1"). The mapping is Alertmanager's; Details
// also keep orgId, state, the alert's silence, dashboard, panel and image
// URLs, its values and valueString.
func ParseGrafana(body []byte) ([]quench.Alert, error) {
	alerts, err := parseWebhook(body, quench.SourceGrafana, "1")
	if err != nil {
		return nil, err
	}
	return alerts, nil
}

func parseWebhook(body []byte, source, version string) ([]quench.Alert, *quench.Error) {
	var w webhook
	decErr := decode(body, &w)
	if decErr != nil && w.Version == "" {
		// Malformed JSON, or a version of the wrong type: the JSON error
		// says more than "version is missing" would.
		return nil, decErr
	}
	switch w.Version {
	case version:
	case "":
		return nil, invalid("version is missing (want %q)", version)
	default:
		return nil, quench.Errorf(quench.EUNSUPPORTED, "version %s is not supported (want %q)", quote(w.Version), version)
	}
	if decErr != nil {
		return nil, decErr
	}
	if w.Alerts == nil {
		return nil, invalid("alerts is missing")
	}
	if err := checkCount("alerts", len(w.Alerts)); err != nil {
		return nil, err
	}

	// Members shared by every alert of the notification, written once.
	var group object
	group.str("receiver", quench.CleanText(w.Receiver))
	group.str("groupKey", quench.CleanText(w.GroupKey))
	group.str("externalURL", quench.CleanText(w.ExternalURL))
	group.num("truncatedAlerts", w.TruncatedAlerts)
	group.raw("routeLabels", cleanRaw(w.RouteLabels))
	if source == quench.SourceGrafana {
		group.num("orgId", w.OrgID)
		group.str("state", quench.CleanText(w.State))
	}

	out := make([]quench.Alert, len(w.Alerts))
	for i := range w.Alerts {
		if err := webhookAlertTo(&out[i], &w.Alerts[i], i, source, w.Status, group.buf); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func webhookAlertTo(a *quench.Alert, wa *webhookAlert, i int, source, groupStatus string, group []byte) *quench.Error {
	l := loc{list: "alerts", index: i}
	a.Source = source

	status := wa.Status
	if status == "" {
		status = groupStatus
	}
	switch status {
	case "firing":
		a.Action = quench.ActionTrigger
	case "resolved":
		a.Action = quench.ActionResolve
	case "":
		return invalid("%s is missing", l.at("status"))
	default:
		return invalid("%s: %s is not firing or resolved", l.at("status"), quote(status))
	}

	var err *quench.Error
	if a.Labels, err = cleanMap(func() string { return l.at("labels") }, "labels", wa.Labels); err != nil {
		return err
	}
	if a.Annotations, err = cleanMap(func() string { return l.at("annotations") }, "annotations", wa.Annotations); err != nil {
		return err
	}
	if a.StartsAt, err = parseTime(func() string { return l.at("startsAt") }, wa.StartsAt); err != nil {
		return err
	}
	if a.EndsAt, err = parseTime(func() string { return l.at("endsAt") }, wa.EndsAt); err != nil {
		return err
	}

	if blank(wa.Fingerprint) {
		a.DedupKey = labelsFingerprint(a.Labels)
	} else {
		a.DedupKey = quench.CleanText(wa.Fingerprint)
		if err := checkLen(func() string { return l.at("fingerprint") }, a.DedupKey, quench.MaxDedupKeyBytes); err != nil {
			return err
		}
	}

	a.Severity = quench.ParseSeverity(a.Labels["severity"], quench.SeverityHigh)
	a.Summary = webhookSummary(a.Labels, a.Annotations, source)

	d := object{buf: make([]byte, 0, len(group)+len(wa.GeneratorURL)+64)}
	d.buf = append(d.buf, group...)
	d.str("generatorURL", quench.CleanText(wa.GeneratorURL))
	if source == quench.SourceGrafana {
		d.str("silenceURL", quench.CleanText(wa.SilenceURL))
		d.str("dashboardURL", quench.CleanText(wa.DashboardURL))
		d.str("panelURL", quench.CleanText(wa.PanelURL))
		d.str("imageURL", quench.CleanText(wa.ImageURL))
		d.raw("values", cleanRaw(wa.Values))
		d.str("valueString", quench.CleanText(wa.ValueString))
	}
	a.Details = d.done()
	return nil
}

// webhookSummary picks the line people see: the summary annotation, else
// the first line of the description, else the alert name and instance.
func webhookSummary(labels, annotations map[string]string, source string) string {
	if s := annotations["summary"]; !blank(s) {
		return quench.CutText(s, quench.MaxSummaryBytes)
	}
	if s := firstLine(annotations["description"]); s != "" {
		return quench.CutText(s, quench.MaxSummaryBytes)
	}
	s := labels["alertname"]
	if blank(s) {
		s = source + " alert"
	}
	if inst := labels["instance"]; !blank(inst) {
		s += " on " + inst
	}
	return quench.CutText(s, quench.MaxSummaryBytes)
}
