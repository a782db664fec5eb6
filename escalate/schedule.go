package escalate

import (
	"sort"
	"time"

	"github.com/quench-sh/quench"
)

// Shift hand-offs are wall-clock times in a layer's zone: a daily 09:00
// hand-off happens at 09:00 local time on both sides of a daylight-saving
// change, so the shift that spans the change is an hour shorter or longer.
// A hand-off at a wall time that does not exist (02:30 on the night clocks
// go forward) happens at the same distance after the gap (03:30); one that
// exists twice (02:30 on the night they go back) happens at the second.

// layerAt says who the layer puts on call at t and the shift around t; ok
// is false before the layer's first hand-off or outside its restrictions.
func layerAt(r *quench.Rotation, t time.Time) (person string, start, end time.Time, ok bool) {
	loc := rotationLocation(r)
	first := r.Start.In(loc)
	if t.Before(first) || len(r.Participants) == 0 || !restrictionAllows(r, t.In(loc)) {
		return "", time.Time{}, time.Time{}, false
	}
	k := shiftIndex(r, loc, t)
	n := int64(len(r.Participants))
	return r.Participants[((k%n)+n)%n], handoff(r, loc, k), handoff(r, loc, k+1), true
}

// handoff returns the start of shift k (0 is the first).
func handoff(r *quench.Rotation, loc *time.Location, k int64) time.Time {
	s := r.Start
	switch r.Kind {
	case quench.RotationHourly:
		return time.Date(s.Year, s.Month, s.Day, s.Hour+int(k)*r.Length, s.Minute, 0, 0, loc)
	case quench.RotationWeekly:
		return time.Date(s.Year, s.Month, s.Day+int(k)*7*r.Length, s.Hour, s.Minute, 0, 0, loc)
	default:
		return time.Date(s.Year, s.Month, s.Day+int(k)*r.Length, s.Hour, s.Minute, 0, 0, loc)
	}
}

// shiftIndex finds k with handoff(k) <= t < handoff(k+1): an estimate from
// elapsed time, corrected by the few steps DST can put it off.
func shiftIndex(r *quench.Rotation, loc *time.Location, t time.Time) int64 {
	unit := time.Duration(r.Length) * time.Hour
	switch r.Kind {
	case quench.RotationDaily:
		unit *= 24
	case quench.RotationWeekly:
		unit *= 24 * 7
	}
	k := int64(t.Sub(r.Start.In(loc)) / unit)
	for k > 0 && handoff(r, loc, k).After(t) {
		k--
	}
	for !handoff(r, loc, k+1).After(t) {
		k++
	}
	return k
}

// restrictionAllows reports whether local time lt falls in one of the
// layer's weekly windows (always, without any).
func restrictionAllows(r *quench.Rotation, lt time.Time) bool {
	if len(r.Restrict) == 0 {
		return true
	}
	mins := lt.Hour()*60 + lt.Minute()
	for _, w := range r.Restrict {
		days := (int(lt.Weekday()) - int(w.Day) + 7) % 7
		if m := days*24*60 + mins; m >= w.Start && m < w.End {
			return true
		}
	}
	return false
}

// rotationLocation returns a layer's zone, loaded with the file.
func rotationLocation(r *quench.Rotation) *time.Location {
	if r.Location != nil {
		return r.Location
	}
	return location(r.TimeZone)
}

// location loads a zone checked when the file was loaded; UTC otherwise.
func location(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.UTC
	}
	return loc
}

// onCallAt says who a schedule puts on call at t, with overrides applied:
// the highest layer with someone wins, then the newest override covering t
// (one with Replaces only while that person would be on call).
func onCallAt(s *quench.Schedule, overrides []*quench.Override, t time.Time) (person, layer string, override int64) {
	for i := len(s.Layers) - 1; i >= 0; i-- {
		if p, _, _, ok := layerAt(&s.Layers[i], t); ok {
			person, layer = p, s.Layers[i].Name
			break
		}
	}
	var best *quench.Override
	for _, o := range overrides {
		if o.Schedule != s.ID || t.Before(o.Start) || !t.Before(o.End) {
			continue
		}
		if o.Replaces != "" && o.Replaces != person {
			continue
		}
		if best == nil || o.ID > best.ID {
			best = o
		}
	}
	if best != nil {
		return best.Person, "", best.ID
	}
	return person, layer, 0
}

// Shifts returns who is on call in a schedule over [from, to), as
// consecutive shifts (nobody on call leaves a gap), overrides applied.
func Shifts(s *quench.Schedule, overrides []*quench.Override, from, to time.Time) []quench.Shift {
	if !to.After(from) {
		return nil
	}
	points := changePoints(s, overrides, from, to)
	var out []quench.Shift
	for i, p := range points {
		end := to
		if i+1 < len(points) {
			end = points[i+1]
		}
		person, layer, ov := onCallAt(s, overrides, p)
		if n := len(out); n > 0 && out[n-1].End.Equal(p) && out[n-1].Person == person && out[n-1].Layer == layer && out[n-1].Override == ov {
			out[n-1].End = end
			continue
		}
		if person == "" {
			continue
		}
		out = append(out, quench.Shift{Schedule: s.ID, Person: person, Start: p, End: end, Layer: layer, Override: ov})
	}
	return out
}

// changePoints lists every instant in [from, to) where who is on call may
// change: from itself, hand-offs, restriction edges and override edges.
func changePoints(s *quench.Schedule, overrides []*quench.Override, from, to time.Time) []time.Time {
	set := map[time.Time]bool{from.UTC(): true}
	add := func(t time.Time) {
		if t.After(from) && t.Before(to) {
			set[t.UTC()] = true
		}
	}
	for i := range s.Layers {
		r := &s.Layers[i]
		loc := rotationLocation(r)
		add(r.Start.In(loc))
		k := int64(0)
		if from.After(r.Start.In(loc)) {
			k = shiftIndex(r, loc, from)
		}
		for h := handoff(r, loc, k); h.Before(to); k++ {
			add(h)
			h = handoff(r, loc, k+1)
		}
		if len(r.Restrict) > 0 {
			lf := from.In(loc)
			for d := time.Date(lf.Year(), lf.Month(), lf.Day()-2, 0, 0, 0, 0, loc); d.Before(to); d = time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, loc) {
				for _, w := range r.Restrict {
					if d.Weekday() == w.Day {
						add(time.Date(d.Year(), d.Month(), d.Day(), 0, w.Start, 0, 0, loc))
						add(time.Date(d.Year(), d.Month(), d.Day(), 0, w.End, 0, 0, loc))
					}
				}
			}
		}
	}
	for _, o := range overrides {
		if o.Schedule == s.ID {
			add(o.Start)
			add(o.End)
		}
	}
	out := make([]time.Time, 0, len(set))
	for t := range set {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Before(out[j]) })
	return out
}

// shiftEnd returns when the person a schedule puts on call at t hands
// over, looking up to 60 days ahead (zero when nobody is on call at t or
// nothing changes within that).
func shiftEnd(s *quench.Schedule, overrides []*quench.Override, t time.Time) time.Time {
	for _, horizon := range []time.Duration{8 * 24 * time.Hour, 60 * 24 * time.Hour} {
		sh := Shifts(s, overrides, t, t.Add(horizon))
		if len(sh) == 0 || !sh[0].Start.Equal(t) {
			return time.Time{}
		}
		end := sh[0].End
		for _, next := range sh[1:] {
			if !next.Start.Equal(end) || next.Person != sh[0].Person {
				break
			}
			end = next.End
		}
		if end.Before(t.Add(horizon)) {
			return end
		}
	}
	return time.Time{}
}

// Resolver answers who a role or schedule puts on call, from one on-call
// configuration and the overrides in force.
type Resolver struct {
	Config    *quench.OnCallConfig
	Overrides []*quench.Override
}

// Role resolves a role to people at t, following aliases, and says until
// when the schedule keeps them. The entry's NotifyOnly is the role's own.
func (r *Resolver) Role(role string, t time.Time) (people []string, entry quench.OnCallEntry, err error) {
	return r.role(role, t, true)
}

// Paged is Role without working out until when: what a step needs.
func (r *Resolver) Paged(role string, t time.Time) (people []string, entry quench.OnCallEntry, err error) {
	return r.role(role, t, false)
}

func (r *Resolver) role(role string, t time.Time, until bool) (people []string, entry quench.OnCallEntry, err error) {
	b, ok := r.Config.FindRole(role)
	if !ok {
		return nil, entry, quench.Errorf(quench.ENOTFOUND, "role %q is not bound in the on-call file", role)
	}
	entry = quench.OnCallEntry{Role: role, NotifyOnly: b.NotifyOnly}
	seen := map[string]bool{}
	for b.Alias != "" {
		if seen[b.Role] {
			return nil, entry, quench.Errorf(quench.EINVALID, "role %s: aliases loop", role)
		}
		seen[b.Role] = true
		if b, ok = r.Config.FindRole(b.Alias); !ok {
			return nil, entry, quench.Errorf(quench.ENOTFOUND, "role %q is not bound in the on-call file", role)
		}
	}
	switch {
	case b.Schedule != "":
		s, ok := r.Config.FindSchedule(b.Schedule)
		if !ok {
			return nil, entry, quench.Errorf(quench.ENOTFOUND, "schedule %q is not defined", b.Schedule)
		}
		entry.Schedule = s.ID
		p, _, ov := onCallAt(s, r.Overrides, t)
		if p != "" {
			people = []string{p}
			if until {
				entry.Until = shiftEnd(s, r.Overrides, t)
			}
		}
		if ov != 0 {
			entry.Overrides = []int64{ov}
		}
	default:
		people = append(people, b.People...)
	}
	entry.People = people
	if entry.People == nil {
		entry.People = []string{}
	}
	return people, entry, nil
}

// ScheduleShifts returns a schedule's shifts over [from, to).
func (r *Resolver) ScheduleShifts(schedule string, from, to time.Time) ([]quench.Shift, error) {
	s, ok := r.Config.FindSchedule(schedule)
	if !ok {
		return nil, quench.Errorf(quench.ENOTFOUND, "schedule %q is not defined in the on-call file", schedule)
	}
	return Shifts(s, r.Overrides, from, to), nil
}

// PersonShifts returns a person's shifts in every schedule over [from, to),
// in time order.
func (r *Resolver) PersonShifts(person string, from, to time.Time) ([]quench.Shift, error) {
	if _, ok := r.Config.FindPerson(person); !ok {
		return nil, quench.Errorf(quench.ENOTFOUND, "person %q is not in the on-call file", person)
	}
	var out []quench.Shift
	for i := range r.Config.Schedules {
		for _, sh := range Shifts(&r.Config.Schedules[i], r.Overrides, from, to) {
			if sh.Person == person {
				out = append(out, sh)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Start.Before(out[j].Start) })
	return out, nil
}
