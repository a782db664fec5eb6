// Package escalate is quench's paging brain: the on-call file
// (oncall.yaml: people, schedules, role bindings, escalation policies),
// who is on call when, and the escalation engine that pages the roles of
// an incident's runbook in order until someone acknowledges.
package escalate

import (
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"github.com/quench-sh/quench"
)

// fileYAML is oncall.yaml as written.
type fileYAML struct {
	People    []personYAML          `yaml:"people"`
	Schedules []scheduleYAML        `yaml:"schedules"`
	Roles     map[string]roleYAML   `yaml:"roles"`
	Policies  map[string]policyYAML `yaml:"policies"`
}

type personYAML struct {
	ID         string                `yaml:"id"`
	Name       string                `yaml:"name"`
	TimeZone   string                `yaml:"time_zone"`
	Contacts   []contactYAML         `yaml:"contacts"`
	Rules      map[string][]ruleYAML `yaml:"rules"`
	Night      *nightYAML            `yaml:"night"`
	SMSAtNight bool                  `yaml:"sms_at_night"`
	Admin      string                `yaml:"admin"`
}

type contactYAML struct {
	Name     string `yaml:"name"`
	Kind     string `yaml:"kind"`
	Address  string `yaml:"address"`
	Template string `yaml:"template"`
}

type ruleYAML struct {
	Contact string        `yaml:"contact"`
	After   time.Duration `yaml:"after"`
}

type nightYAML struct {
	Start string `yaml:"start"`
	End   string `yaml:"end"`
}

type scheduleYAML struct {
	ID       string      `yaml:"id"`
	Name     string      `yaml:"name"`
	TimeZone string      `yaml:"time_zone"`
	Layers   []layerYAML `yaml:"layers"`
}

type layerYAML struct {
	Name         string       `yaml:"name"`
	Rotation     string       `yaml:"rotation"`
	Length       int          `yaml:"length"`
	TimeZone     string       `yaml:"time_zone"`
	Start        string       `yaml:"start"`
	Participants []string     `yaml:"participants"`
	Restrict     []windowYAML `yaml:"restrict"`
}

type windowYAML struct {
	Days []string `yaml:"days"`
	From string   `yaml:"from"`
	To   string   `yaml:"to"`
}

type roleYAML struct {
	Schedule   string   `yaml:"schedule"`
	People     []string `yaml:"people"`
	Role       string   `yaml:"role"`
	NotifyOnly bool     `yaml:"notify_only"`
}

type policyYAML struct {
	StepDelay   time.Duration `yaml:"step_delay"`
	Repeat      *int          `yaml:"repeat"`
	MultiAck    bool          `yaml:"multi_ack"`
	PageAtNight *bool         `yaml:"page_at_night"`
	Urgency     string        `yaml:"urgency"`
}

// LoadOptions is what an on-call file is checked against.
type LoadOptions struct {
	// Roles are the pack's roles (runbooks/pack.yaml), in order. Every
	// role must be bound and no other may be; the first is the default.
	Roles []quench.Role
	// Templates are the webhook body templates a contact may name; nil
	// skips the check.
	Templates []string
}

// LoadFile reads and validates an on-call file. Errors name the file and
// line ("oncall.yaml:12: …"), every one found, not only the first.
func LoadFile(path string, opts LoadOptions) (*quench.OnCallConfig, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("oncall: %w", err)
	}
	return Parse(path, src, opts)
}

// DefaultPolicies are the escalation policies of severities the file does
// not configure.
func DefaultPolicies() map[quench.Severity]quench.EscalationPolicy {
	return map[quench.Severity]quench.EscalationPolicy{
		quench.SeverityCritical: {Severity: quench.SeverityCritical, StepDelay: 5 * time.Minute, Repeat: 2, PageAtNight: true, Urgency: quench.UrgencyHigh},
		quench.SeverityHigh:     {Severity: quench.SeverityHigh, StepDelay: 10 * time.Minute, Repeat: 1, PageAtNight: true, Urgency: quench.UrgencyHigh},
		quench.SeverityMedium:   {Severity: quench.SeverityMedium, StepDelay: 30 * time.Minute, Repeat: 0, Urgency: quench.UrgencyLow},
		quench.SeverityLow:      {Severity: quench.SeverityLow, StepDelay: time.Hour, Repeat: 0, Urgency: quench.UrgencyLow},
	}
}

// Default night hours of a person who does not say.
const (
	DefaultNightStart = "22:00"
	DefaultNightEnd   = "07:00"
)

// Limits on an on-call file.
const (
	maxRuleDelay = 24 * time.Hour
	maxStepDelay = 24 * time.Hour
	maxRepeat    = 10
	maxLength    = 366
)

var (
	idPattern    = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,62}$`) })
	e164         = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`) })
	clockPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^([01][0-9]|2[0-4]):([0-5][0-9])$`) })
)

// Parse validates an on-call file's content; path is for messages.
func Parse(path string, src []byte, opts LoadOptions) (*quench.OnCallConfig, error) {
	file, err := parser.ParseBytes(src, 0)
	if err != nil {
		return nil, yamlErr(path, err)
	}
	var y fileYAML
	if len(file.Docs) > 1 {
		return nil, fmt.Errorf("%s: more than one YAML document", path)
	}
	if len(file.Docs) == 1 && file.Docs[0].Body != nil {
		dec := yaml.NewDecoder(strings.NewReader(""), yaml.Strict())
		if err := dec.DecodeFromNode(file.Docs[0].Body, &y); err != nil {
			return nil, yamlErr(path, err)
		}
	}
	c := &checker{path: path, file: file, opts: opts}
	cfg := c.build(&y)
	if err := c.err(); err != nil {
		return nil, err
	}
	return cfg, nil
}

func yamlErr(path string, err error) error {
	var ye yaml.Error
	if errors.As(err, &ye) && ye.GetToken() != nil && ye.GetToken().Position != nil {
		return fmt.Errorf("%s:%d: %s", path, ye.GetToken().Position.Line, ye.GetMessage())
	}
	return fmt.Errorf("%s: %v", path, err)
}

// checker turns the decoded file into the domain config, collecting every
// problem with its line.
type checker struct {
	path string
	file *ast.File
	opts LoadOptions
	errs []lineErr
}

// lineErr is one problem; problems are reported in line order.
type lineErr struct {
	line int
	msg  string
}

// line returns the line of the node at a YAML path ($.people[0].id), or of
// the closest parent that exists.
func (c *checker) line(p string) int {
	for p != "" && p != "$" {
		if yp, err := yaml.PathString(p); err == nil {
			if n, err := yp.FilterFile(c.file); err == nil && n != nil && n.GetToken() != nil && n.GetToken().Position != nil {
				return n.GetToken().Position.Line
			}
		}
		i := strings.LastIndexAny(p, ".[")
		if i <= 0 {
			break
		}
		p = p[:i]
	}
	return 1
}

func (c *checker) errf(at, format string, args ...any) {
	c.errs = append(c.errs, lineErr{c.line(at), fmt.Sprintf(format, args...)})
}

// err joins the problems found, in line order, or returns nil.
func (c *checker) err() error {
	if len(c.errs) == 0 {
		return nil
	}
	sort.SliceStable(c.errs, func(i, j int) bool {
		if c.errs[i].line != c.errs[j].line {
			return c.errs[i].line < c.errs[j].line
		}
		return c.errs[i].msg < c.errs[j].msg
	})
	errs := make([]error, len(c.errs))
	for i, e := range c.errs {
		errs[i] = fmt.Errorf("%s:%d: %s", c.path, e.line, e.msg)
	}
	return errors.Join(errs...)
}

// keyPath quotes a map key for a YAML path when it needs it.
func keyPath(base, key string) string {
	if idPattern().MatchString(key) && !strings.Contains(key, ".") {
		return base + "." + key
	}
	return base + "." + strconv.Quote(key)
}

func (c *checker) build(y *fileYAML) *quench.OnCallConfig {
	cfg := &quench.OnCallConfig{Policies: DefaultPolicies()}
	people := map[string]bool{}
	for i, py := range y.People {
		at := fmt.Sprintf("$.people[%d]", i)
		p := c.person(at, py)
		if p.ID == "" {
			continue
		}
		if people[p.ID] {
			c.errf(at+".id", "person %q is defined twice", p.ID)
			continue
		}
		people[p.ID] = true
		cfg.People = append(cfg.People, p)
	}
	for i, p := range cfg.People {
		if p.Admin != "" && !people[p.Admin] {
			c.errf(fmt.Sprintf("$.people[%d].admin", i), "admin %q is not a person in this file", p.Admin)
		}
	}
	schedules := map[string]bool{}
	for i, sy := range y.Schedules {
		at := fmt.Sprintf("$.schedules[%d]", i)
		s := c.schedule(at, sy, people)
		if s.ID == "" {
			continue
		}
		if schedules[s.ID] {
			c.errf(at+".id", "schedule %q is defined twice", s.ID)
			continue
		}
		schedules[s.ID] = true
		cfg.Schedules = append(cfg.Schedules, s)
	}
	cfg.Roles = c.roles(y.Roles, people, schedules)
	if len(c.opts.Roles) > 0 {
		cfg.DefaultRole = c.opts.Roles[0].ID
	} else if len(cfg.Roles) > 0 {
		cfg.DefaultRole = cfg.Roles[0].Role
	}
	for key, py := range y.Policies {
		at := keyPath("$.policies", key)
		sev := quench.Severity(key)
		if !sev.Valid() {
			c.errf(at, "policy %q: want critical, high, medium or low", key)
			continue
		}
		p := cfg.Policies[sev]
		if py.StepDelay != 0 {
			p.StepDelay = py.StepDelay
		}
		if p.StepDelay < time.Minute || p.StepDelay > maxStepDelay {
			c.errf(at+".step_delay", "step_delay %s: want 1m to 24h", p.StepDelay)
		}
		if py.Repeat != nil {
			p.Repeat = *py.Repeat
		}
		if p.Repeat < 0 || p.Repeat > maxRepeat {
			c.errf(at+".repeat", "repeat %d: want 0 to %d", p.Repeat, maxRepeat)
		}
		p.MultiAck = py.MultiAck
		if py.PageAtNight != nil {
			p.PageAtNight = *py.PageAtNight
		}
		switch py.Urgency {
		case "":
		case string(quench.UrgencyHigh), string(quench.UrgencyLow):
			p.Urgency = quench.Urgency(py.Urgency)
		default:
			c.errf(at+".urgency", "urgency %q: want high or low", py.Urgency)
		}
		cfg.Policies[sev] = p
	}
	return cfg
}

func (c *checker) person(at string, py personYAML) quench.Person {
	p := quench.Person{ID: py.ID, Name: py.Name, TimeZone: py.TimeZone, SMSAtNight: py.SMSAtNight, Admin: py.Admin,
		NightStart: DefaultNightStart, NightEnd: DefaultNightEnd, Rules: map[quench.Urgency][]quench.NotificationRule{}}
	if !idPattern().MatchString(py.ID) {
		c.errf(at+".id", "person id %q: want lower-case letters, digits, '.', '_' or '-' (it is also their token name)", py.ID)
		p.ID = ""
		return p
	}
	if p.Name == "" {
		p.Name = p.ID
	}
	if p.TimeZone == "" {
		c.errf(at, "person %s: time_zone is required (an IANA name like Europe/Berlin)", p.ID)
	} else if loc, err := time.LoadLocation(p.TimeZone); err != nil {
		c.errf(at+".time_zone", "person %s: unknown time zone %q", p.ID, p.TimeZone)
	} else {
		p.Location = loc
	}
	if len(py.Contacts) == 0 {
		c.errf(at, "person %s: at least one contact method is required", p.ID)
	}
	for j, cy := range py.Contacts {
		cat := fmt.Sprintf("%s.contacts[%d]", at, j)
		cm := quench.ContactMethod{Name: cy.Name, Kind: quench.ContactKind(cy.Kind), Address: cy.Address, Template: cy.Template}
		if cm.Name == "" {
			cm.Name = cy.Kind
		}
		if !idPattern().MatchString(cm.Name) {
			c.errf(cat+".name", "contact name %q: want lower-case letters, digits, '.', '_' or '-'", cm.Name)
			continue
		}
		if _, dup := p.Contact(cm.Name); dup {
			c.errf(cat+".name", "person %s has two contact methods named %q: give each a name", p.ID, cm.Name)
			continue
		}
		if err := checkAddress(cm); err != nil {
			field := ".address"
			if !cm.Kind.Valid() {
				field = ".kind"
			}
			c.errf(cat+field, "person %s, contact %s: %v", p.ID, cm.Name, err)
		}
		if cm.Template != "" {
			if cm.Kind != quench.ContactWebhook {
				c.errf(cat+".template", "person %s, contact %s: only webhooks take a template", p.ID, cm.Name)
			} else if c.opts.Templates != nil && !slices.Contains(c.opts.Templates, cm.Template) {
				c.errf(cat+".template", "person %s, contact %s: unknown template %q (known: %s)", p.ID, cm.Name, cm.Template, strings.Join(c.opts.Templates, ", "))
			}
		}
		p.Contacts = append(p.Contacts, cm)
	}
	for u, rules := range py.Rules {
		rat := keyPath(at+".rules", u)
		urg := quench.Urgency(u)
		if urg != quench.UrgencyHigh && urg != quench.UrgencyLow {
			c.errf(rat, "person %s: rules %q: want high or low", p.ID, u)
			continue
		}
		for j, ry := range rules {
			if _, ok := p.Contact(ry.Contact); !ok {
				c.errf(fmt.Sprintf("%s[%d].contact", rat, j), "person %s: rule names contact %q, which they do not have", p.ID, ry.Contact)
				continue
			}
			if ry.After < 0 || ry.After > maxRuleDelay {
				c.errf(fmt.Sprintf("%s[%d].after", rat, j), "person %s: after %s: want 0 to 24h", p.ID, ry.After)
				continue
			}
			p.Rules[urg] = append(p.Rules[urg], quench.NotificationRule{Contact: ry.Contact, Delay: ry.After})
		}
	}
	if py.Night != nil {
		for _, f := range []struct{ name, v string }{{"start", py.Night.Start}, {"end", py.Night.End}} {
			if _, err := parseClock(f.v); err != nil {
				c.errf(at+".night."+f.name, "person %s: night %s: %v", p.ID, f.name, err)
			}
		}
		p.NightStart, p.NightEnd = py.Night.Start, py.Night.End
	}
	return p
}

// checkAddress checks that an address fits its kind.
func checkAddress(cm quench.ContactMethod) error {
	switch cm.Kind {
	case quench.ContactEmail:
		a, err := mail.ParseAddress(cm.Address)
		if err != nil || a.Name != "" {
			return fmt.Errorf("email address %q is not an address like ops@example.com", cm.Address)
		}
	case quench.ContactSMS:
		if !e164().MatchString(cm.Address) {
			return fmt.Errorf("SMS number %q: want E.164, like +4915112345678", cm.Address)
		}
	case quench.ContactSlack:
		if cm.Address == "" || strings.ContainsAny(cm.Address, " \t\n") {
			return fmt.Errorf("Slack address %q: want a user or channel id like U012AB3CD", cm.Address)
		}
	case quench.ContactWebhook:
		u, err := url.Parse(cm.Address)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("webhook %q: want an http:// or https:// URL", cm.Address)
		}
	default:
		return fmt.Errorf("kind %q: want email, sms, slack or webhook", cm.Kind)
	}
	return nil
}

// parseClock reads "HH:MM" (24:00 allowed) as minutes after midnight.
func parseClock(s string) (int, error) {
	m := clockPattern().FindStringSubmatch(s)
	if m == nil {
		return 0, fmt.Errorf("%q: want HH:MM", s)
	}
	h, _ := strconv.Atoi(m[1])
	mi, _ := strconv.Atoi(m[2])
	if h == 24 && mi != 0 {
		return 0, fmt.Errorf("%q: want HH:MM up to 24:00", s)
	}
	return h*60 + mi, nil
}

var weekdays = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
}

func (c *checker) schedule(at string, sy scheduleYAML, people map[string]bool) quench.Schedule {
	s := quench.Schedule{ID: sy.ID, Name: sy.Name, TimeZone: sy.TimeZone}
	if !idPattern().MatchString(sy.ID) {
		c.errf(at+".id", "schedule id %q: want lower-case letters, digits, '.', '_' or '-'", sy.ID)
		s.ID = ""
		return s
	}
	if s.Name == "" {
		s.Name = s.ID
	}
	if _, err := time.LoadLocation(s.TimeZone); err != nil || s.TimeZone == "" {
		c.errf(at+".time_zone", "schedule %s: time_zone %q: want an IANA name like Europe/Berlin", s.ID, s.TimeZone)
	}
	if len(sy.Layers) == 0 {
		c.errf(at, "schedule %s: at least one layer is required", s.ID)
	}
	for i, ly := range sy.Layers {
		lat := fmt.Sprintf("%s.layers[%d]", at, i)
		r := quench.Rotation{Name: ly.Name, Kind: quench.RotationKind(ly.Rotation), Length: ly.Length, TimeZone: ly.TimeZone, Participants: ly.Participants}
		if r.Name == "" {
			r.Name = fmt.Sprintf("layer-%d", i+1)
		}
		if r.TimeZone == "" {
			r.TimeZone = s.TimeZone
		} else if _, err := time.LoadLocation(r.TimeZone); err != nil {
			c.errf(lat+".time_zone", "schedule %s, layer %s: unknown time zone %q", s.ID, r.Name, r.TimeZone)
		}
		r.Location, _ = time.LoadLocation(r.TimeZone)
		switch r.Kind {
		case quench.RotationHourly, quench.RotationDaily, quench.RotationWeekly:
		default:
			c.errf(lat+".rotation", "schedule %s, layer %s: rotation %q: want hourly, daily or weekly", s.ID, r.Name, ly.Rotation)
		}
		if r.Length == 0 {
			r.Length = 1
		}
		if r.Length < 1 || r.Length > maxLength {
			c.errf(lat+".length", "schedule %s, layer %s: length %d: want 1 to %d", s.ID, r.Name, r.Length, maxLength)
		}
		start, err := time.Parse("2006-01-02 15:04", ly.Start)
		if err != nil {
			c.errf(lat+".start", "schedule %s, layer %s: start %q: want the first hand-off as \"YYYY-MM-DD HH:MM\" in the layer's zone", s.ID, r.Name, ly.Start)
		}
		r.Start = quench.LocalTime{Year: start.Year(), Month: start.Month(), Day: start.Day(), Hour: start.Hour(), Minute: start.Minute()}
		if len(r.Participants) == 0 {
			c.errf(lat, "schedule %s, layer %s: participants are required", s.ID, r.Name)
		}
		for j, who := range r.Participants {
			if !people[who] {
				c.errf(fmt.Sprintf("%s.participants[%d]", lat, j), "schedule %s, layer %s: %q is not a person in this file", s.ID, r.Name, who)
			}
		}
		for j, wy := range ly.Restrict {
			wat := fmt.Sprintf("%s.restrict[%d]", lat, j)
			from, err1 := parseClock(wy.From)
			to, err2 := parseClock(wy.To)
			if err := errors.Join(err1, err2); err != nil {
				c.errf(wat, "schedule %s, layer %s: restrict: %v", s.ID, r.Name, err)
				continue
			}
			if to <= from {
				to += 24 * 60 // passes midnight
			}
			days := wy.Days
			if len(days) == 0 {
				days = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}
			}
			for _, d := range days {
				wd, ok := weekdays[strings.ToLower(d)]
				if !ok {
					c.errf(wat+".days", "schedule %s, layer %s: day %q: want mon, tue, wed, thu, fri, sat or sun", s.ID, r.Name, d)
					continue
				}
				r.Restrict = append(r.Restrict, quench.Window{Day: wd, Start: from, End: to})
			}
		}
		s.Layers = append(s.Layers, r)
	}
	return s
}

func (c *checker) roles(in map[string]roleYAML, people, schedules map[string]bool) []quench.RoleBinding {
	known := map[string]bool{}
	for _, r := range c.opts.Roles {
		known[r.ID] = true
	}
	var out []quench.RoleBinding
	for id, ry := range in {
		at := keyPath("$.roles", id)
		if len(known) > 0 && !known[id] {
			c.errf(at, "role %q is not in the pack's escalation matrix (runbooks/pack.yaml)", id)
			continue
		}
		b := quench.RoleBinding{Role: id, Schedule: ry.Schedule, People: ry.People, Alias: ry.Role, NotifyOnly: ry.NotifyOnly}
		n := 0
		for _, set := range []bool{b.Schedule != "", len(b.People) > 0, b.Alias != ""} {
			if set {
				n++
			}
		}
		if n != 1 {
			c.errf(at, "role %s: bind it to exactly one of schedule, people or role", id)
			continue
		}
		if b.Schedule != "" && !schedules[b.Schedule] {
			c.errf(at+".schedule", "role %s: schedule %q is not defined in this file", id, b.Schedule)
		}
		for j, p := range b.People {
			if !people[p] {
				c.errf(fmt.Sprintf("%s.people[%d]", at, j), "role %s: %q is not a person in this file", id, p)
			}
		}
		if _, ok := in[b.Alias]; b.Alias != "" && !ok {
			c.errf(at+".role", "role %s: role %q is not bound in this file", id, b.Alias)
		}
		out = append(out, b)
	}
	// Order bindings as the pack orders its roles, so listings follow the
	// escalation matrix.
	order := map[string]int{}
	for i, r := range c.opts.Roles {
		order[r.ID] = i
	}
	sort.Slice(out, func(i, j int) bool {
		oi, iok := order[out[i].Role]
		oj, jok := order[out[j].Role]
		if iok && jok {
			return oi < oj
		}
		return out[i].Role < out[j].Role
	})
	// Aliases must end at a schedule or people.
	for _, b := range out {
		seen := map[string]bool{b.Role: true}
		for cur := b; cur.Alias != ""; {
			next, ok := in[cur.Alias]
			if !ok {
				break
			}
			if seen[cur.Alias] {
				c.errf(keyPath("$.roles", b.Role)+".role", "role %s: aliases loop back to %s", b.Role, cur.Alias)
				break
			}
			seen[cur.Alias] = true
			cur = quench.RoleBinding{Role: cur.Alias, Alias: next.Role}
		}
	}
	for _, r := range c.opts.Roles {
		if _, ok := in[r.ID]; !ok {
			c.errf("$.roles", "role %s (%s) of the pack is not bound: bind it to a schedule, people or another role", r.ID, r.Name)
		}
	}
	return out
}
